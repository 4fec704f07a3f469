"""Attention (nn.attention): scaled_dot_product_attention, MultiheadAttention and
TransformerEncoderLayer equal PyTorch's (outputs, attention weights, every input and
parameter gradient, after copying our state_dict into the torch module) for every option
and mask kind; gradcheck over drawn shapes; dropout in training; the error messages."""

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import _t

RTOL, ATOL = 1e-10, 1e-12
E, H, L, S, N = 6, 2, 4, 5, 3  # embed dim, heads, query length, key length, batch
INF = float("inf")


def _close(ours, theirs, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    ours = ours.data if isinstance(ours, ag.Tensor) else ours
    assert ours.shape == theirs.shape, what
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def _both(torch, value):
    """A mask or input as (ours, torch's); float arrays are float64, bool stays bool."""
    if not isinstance(value, np.ndarray):
        return value, value
    ours = ag.tensor(value) if value.dtype == bool else _t(value)
    return ours, torch.tensor(value)


def _copy_state(torch, ours, theirs, randomise=True):
    """Random (nonzero) parameters in ours, copied into theirs, both float64."""
    if randomise:
        for p in ours.parameters():
            nn.init.normal_(p, 0.0, 0.5)
    ours.double()
    theirs.double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})


def _compare_grads(ours, theirs, ins_a, ins_t):
    for i, (a, t) in enumerate(zip(ins_a, ins_t)):
        _close(a.grad, t.grad, f"grad of input {i}")
    params_t = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(params_t)
    for name, p in ours.named_parameters():
        _close(p.grad, params_t[name].grad, f"grad of {name}")


def _backward(rng, torch, pairs):
    """Backpropagate sum(out * g) over every (ours, theirs) output pair, g random."""
    total_a, total_t = 0.0, 0.0
    for a, t in pairs:
        g = rng.standard_normal(a.shape)
        total_a = total_a + (a * _t(g)).sum()
        total_t = total_t + (t * torch.tensor(g)).sum()
    total_a.backward()
    total_t.backward()


# --- masks: at least one key stays visible in every row ---

def _masked(rng, shape):
    """A MultiheadAttention bool mask (True = masked out); column 0 is never masked."""
    m = rng.random(shape) < 0.4
    m[..., 0] = False
    return m


def _additive(rng, shape):
    """A float mask: random values with -inf where _masked says so."""
    f = rng.standard_normal(shape)
    f[_masked(rng, shape)] = -INF
    return f


# --- MultiheadAttention parity ---

def _x(rng, *shape):
    return rng.standard_normal(shape)


MHA_CASES = {
    # name: rng -> (constructor kwargs, inputs, forward kwargs); one input = self-attention
    # (the same tensor three times), two = key is value, three = separate tensors
    "self_seq_first": lambda r: ({}, [_x(r, L, N, E)], {}),
    "self_batch_first": lambda r: ({"batch_first": True}, [_x(r, N, L, E)], {}),
    "cross_L_ne_S": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E), _x(r, S, N, E)], {}),
    "cross_batch_first": lambda r: ({"batch_first": True},
                                    [_x(r, N, L, E), _x(r, N, S, E), _x(r, N, S, E)], {}),
    "key_is_value": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)], {}),
    "key_is_value_batch_first": lambda r: ({"batch_first": True},
                                           [_x(r, N, L, E), _x(r, N, S, E)], {}),
    "unbatched": lambda r: ({}, [_x(r, L, E), _x(r, S, E), _x(r, S, E)], {}),
    "unbatched_batch_first": lambda r: ({"batch_first": True}, [_x(r, L, E)], {}),
    "unbatched_masks": lambda r: ({}, [_x(r, L, E), _x(r, S, E), _x(r, S, E)],
                                  {"key_padding_mask": _masked(r, (S,)),
                                   "attn_mask": _additive(r, (H, L, S))}),
    "kdim_vdim": lambda r: ({"kdim": 3, "vdim": 5},
                            [_x(r, L, N, E), _x(r, S, N, 3), _x(r, S, N, 5)], {}),
    "kdim_vdim_batch_first_unaveraged": lambda r: (
        {"kdim": 3, "vdim": 5, "batch_first": True},
        [_x(r, N, L, E), _x(r, N, S, 3), _x(r, N, S, 5)], {"average_attn_weights": False}),
    "kdim_only_no_bias": lambda r: ({"kdim": 2, "bias": False},
                                    [_x(r, L, N, E), _x(r, S, N, 2), _x(r, S, N, E)], {}),
    "no_bias": lambda r: ({"bias": False}, [_x(r, L, N, E), _x(r, S, N, E)], {}),
    "bool_mask_2d": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E), _x(r, S, N, E)],
                               {"attn_mask": _masked(r, (L, S))}),
    "float_mask_2d": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E), _x(r, S, N, E)],
                                {"attn_mask": _additive(r, (L, S))}),
    "bool_mask_3d": lambda r: ({"batch_first": True}, [_x(r, N, L, E), _x(r, N, S, E)],
                               {"attn_mask": _masked(r, (N * H, L, S))}),
    "float_mask_3d": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)],
                                {"attn_mask": _additive(r, (N * H, L, S))}),
    "padding_bool": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E), _x(r, S, N, E)],
                               {"key_padding_mask": _masked(r, (N, S))}),
    "padding_float": lambda r: ({"batch_first": True}, [_x(r, N, L, E), _x(r, N, S, E)],
                                {"key_padding_mask": _additive(r, (N, S))}),
    "padding_and_mask_bool": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)],
                                        {"key_padding_mask": _masked(r, (N, S)),
                                         "attn_mask": _masked(r, (L, S))}),
    "padding_and_mask_float_3d": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)],
                                            {"key_padding_mask": _additive(r, (N, S)),
                                             "attn_mask": _additive(r, (N * H, L, S))}),
    "no_weights": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E), _x(r, S, N, E)],
                             {"need_weights": False}),
    "no_weights_masks": lambda r: ({"batch_first": True}, [_x(r, N, L, E), _x(r, N, S, E)],
                                   {"need_weights": False, "attn_mask": _masked(r, (L, S)),
                                    "key_padding_mask": _masked(r, (N, S))}),
    "no_weights_float_3d": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)],
                                      {"need_weights": False,
                                       "attn_mask": _additive(r, (N * H, L, S))}),
    "unaveraged_weights": lambda r: ({}, [_x(r, L, N, E), _x(r, S, N, E)],
                                     {"average_attn_weights": False,
                                      "attn_mask": _masked(r, (L, S))}),
    "unbatched_unaveraged": lambda r: ({}, [_x(r, L, E), _x(r, S, E)],
                                       {"average_attn_weights": False}),
    # is_causal is a hint about attn_mask: without weights or a padding mask PyTorch
    # attends causally itself, otherwise it applies attn_mask
    "causal_no_weights": lambda r: ({}, [_x(r, L, N, E)],
                                    {"is_causal": True, "need_weights": False,
                                     "attn_mask": np.triu(np.ones((L, L), bool), 1)}),
    "causal_hint_overrides_mask": lambda r: ({}, [_x(r, L, N, E)],
                                             {"is_causal": True, "need_weights": False,
                                              "attn_mask": _masked(r, (L, L))}),
    "causal_with_weights": lambda r: ({"batch_first": True}, [_x(r, N, L, E)],
                                      {"is_causal": True,
                                       "attn_mask": np.triu(np.ones((L, L), bool), 1)}),
    "causal_with_padding": lambda r: ({}, [_x(r, L, N, E)],
                                      {"is_causal": True, "need_weights": False,
                                       "attn_mask": np.triu(np.ones((L, L), bool), 1),
                                       "key_padding_mask": _masked(r, (N, L))}),
    "bias_kv": lambda r: ({"add_bias_kv": True}, [_x(r, L, N, E), _x(r, S, N, E)],
                          {"attn_mask": _masked(r, (L, S)),
                           "key_padding_mask": _masked(r, (N, S))}),
    "zero_attn": lambda r: ({"add_zero_attn": True, "batch_first": True},
                            [_x(r, N, L, E), _x(r, N, S, E)],
                            {"attn_mask": _additive(r, (N * H, L, S)),
                             "key_padding_mask": _masked(r, (N, S))}),
    "bias_kv_zero_attn_no_weights": lambda r: (
        {"add_bias_kv": True, "add_zero_attn": True, "kdim": 4, "vdim": 3},
        [_x(r, L, N, E), _x(r, S, N, 4), _x(r, S, N, 3)],
        {"need_weights": False, "key_padding_mask": _additive(r, (N, S))}),
    "dropout_in_eval": lambda r: ({"dropout": 0.5}, [_x(r, L, N, E), _x(r, S, N, E)], {}),
}


def _mha_parity(torch, kwargs, xs, fwd, eval_mode=False):
    rng = np.random.default_rng(5)
    ours, theirs = nn.MultiheadAttention(E, H, **kwargs), torch.nn.MultiheadAttention(E, H,
                                                                                      **kwargs)
    _copy_state(torch, ours, theirs)
    if eval_mode:
        ours.eval()
        theirs.eval()
    ins_a = [_t(x, requires_grad=True) for x in xs]
    ins_t = [torch.tensor(x, requires_grad=True) for x in xs]
    args_a = (ins_a * 3)[:3] if len(xs) == 1 else [ins_a[0], ins_a[1], ins_a[-1]]
    args_t = (ins_t * 3)[:3] if len(xs) == 1 else [ins_t[0], ins_t[1], ins_t[-1]]
    fwd_a = {k: _both(torch, v)[0] for k, v in fwd.items()}
    fwd_t = {k: _both(torch, v)[1] for k, v in fwd.items()}
    ya, wa = ours(*args_a, **fwd_a)
    yt, wt = theirs(*args_t, **fwd_t)
    _close(ya, yt, "output")
    assert (wa is None) == (wt is None)
    pairs = [(ya, yt)]
    if wa is not None:
        _close(wa, wt, "attention weights")
        pairs.append((wa, wt))
    _backward(rng, torch, pairs)
    _compare_grads(ours, theirs, ins_a, ins_t)
    return ya, wa


@pytest.mark.parametrize("case", sorted(MHA_CASES))
def test_multihead_attention_matches_torch(torch, case):
    kwargs, xs, fwd = MHA_CASES[case](np.random.default_rng(sorted(MHA_CASES).index(case)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own warnings (e.g. nested tensors)
        ya, wa = _mha_parity(torch, kwargs, xs, fwd, eval_mode=kwargs.get("dropout", 0) > 0)
    batched = xs[0].ndim == 3
    n_l = (N, L) if kwargs.get("batch_first") else (L, N)
    assert ya.shape == (n_l if batched else (L,)) + (E,)


def test_mismatched_mask_types_warn_like_torch(torch):
    rng = np.random.default_rng(0)
    fwd = {"key_padding_mask": _masked(rng, (N, S)), "attn_mask": _additive(rng, (L, S))}
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        _mha_parity(torch, {}, [_x(rng, L, N, E), _x(rng, S, N, E)], fwd)


def test_fully_masked_rows_follow_torch(torch):
    """A query row that sees no key: NaN weights and output with need_weights (PyTorch's
    plain softmax), zero attention without (its safe softmax)."""
    rng = np.random.default_rng(1)
    mask = _masked(rng, (L, S))
    mask[1] = True
    xs = [_x(rng, L, N, E), _x(rng, S, N, E)]
    ours, theirs = nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H)
    _copy_state(torch, ours, theirs)
    qa, ka = _t(xs[0]), _t(xs[1])
    qt, kt = torch.tensor(xs[0]), torch.tensor(xs[1])
    ya, wa = ours(qa, ka, ka, attn_mask=ag.tensor(mask))
    yt, wt = theirs(qt, kt, kt, attn_mask=torch.tensor(mask))
    assert np.isnan(ya.data[1]).all() and np.isnan(wa.data[:, 1]).all()
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(wa.data, wt.detach().numpy(), rtol=RTOL, atol=ATOL)
    # without weights the row attends to nothing: its output is out_proj's bias alone
    ya, _ = ours(qa, ka, ka, attn_mask=ag.tensor(mask), need_weights=False)
    np.testing.assert_allclose(ya.data[1], np.tile(ours.out_proj.bias.data, (N, 1)),
                               rtol=1e-12)
    ya, _ = _mha_parity(torch, {}, xs, {"attn_mask": mask, "need_weights": False})
    assert np.isfinite(ya.data).all()


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_float_masks_get_their_gradients(torch, need_weights):
    """A float mask is added to the scores, so a learned bias (ALiBi-like) trains."""
    rng = np.random.default_rng(6)
    ours, theirs = nn.MultiheadAttention(E, H), torch.nn.MultiheadAttention(E, H)
    _copy_state(torch, ours, theirs)
    xs = [_x(rng, L, N, E), _x(rng, S, N, E), _additive(rng, (N * H, L, S)),
          _additive(rng, (N, S))]
    xs[2][np.isinf(xs[2])] = -3.0  # finite: the gradient of a -inf entry is 0 anyway
    ins_a = [_t(x, requires_grad=True) for x in xs]
    ins_t = [torch.tensor(x, requires_grad=True) for x in xs]
    (qa, ka, ma, pa), (qt, kt, mt, pt) = ins_a, ins_t
    ya, _ = ours(qa, ka, ka, attn_mask=ma, key_padding_mask=pa, need_weights=need_weights)
    yt, _ = theirs(qt, kt, kt, attn_mask=mt, key_padding_mask=pt, need_weights=need_weights)
    _close(ya, yt)
    _backward(rng, torch, [(ya, yt)])
    _compare_grads(ours, theirs, ins_a, ins_t)


def test_multihead_attention_state_dict_and_repr_match_torch(torch):
    for kwargs in [{}, {"bias": False}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True},
                   {"kdim": 3, "bias": False, "add_zero_attn": True}]:
        ours = nn.MultiheadAttention(E, H, **kwargs)
        theirs = torch.nn.MultiheadAttention(E, H, **kwargs)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        assert repr(ours) == repr(theirs)
        assert isinstance(ours.out_proj, nn.Linear)
        assert (ours.head_dim, ours.kdim, ours.vdim, ours._qkv_same_embed_dim) == (
            theirs.head_dim, theirs.kdim, theirs.vdim, theirs._qkv_same_embed_dim)


def test_multihead_attention_init_follows_torch():
    ag.manual_seed(3)
    m = nn.MultiheadAttention(64, 4)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier over the packed (3E, E) weight
    w = m.in_proj_weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert not m.in_proj_bias.data.any() and not m.out_proj.bias.data.any()
    assert np.abs(m.out_proj.weight.data).max() <= 1 / 8  # Linear's default, 1/sqrt(64)
    sep = nn.MultiheadAttention(8, 2, kdim=4, vdim=12, add_bias_kv=True)
    for p, fan in [(sep.q_proj_weight, 16), (sep.k_proj_weight, 12), (sep.v_proj_weight, 20)]:
        assert np.abs(p.data).max() <= math.sqrt(6 / fan)
    assert sep.in_proj_weight is None and sep.bias_k.shape == (1, 1, 8)
    ag.manual_seed(3)
    np.testing.assert_array_equal(nn.MultiheadAttention(64, 4).in_proj_weight.data, w)


# --- scaled_dot_product_attention parity ---

def _sdpa_parity(torch, q, k, v, mask=None, mask_grad=False, **kw):
    rng = np.random.default_rng(2)
    xs = [q, k, v] + ([mask] if mask_grad else [])
    ins_a = [_t(x, requires_grad=True) for x in xs]
    ins_t = [torch.tensor(x, requires_grad=True) for x in xs]
    ma, mt = (ins_a[3], ins_t[3]) if mask_grad else _both(torch, mask)
    ya = F.scaled_dot_product_attention(*ins_a[:3], attn_mask=ma, **kw)
    yt = torch.nn.functional.scaled_dot_product_attention(*ins_t[:3], attn_mask=mt, **kw)
    _close(ya, yt, "output")
    _backward(rng, torch, [(ya, yt)])
    for i, (a, t) in enumerate(zip(ins_a, ins_t)):
        _close(a.grad, t.grad, f"grad of input {i}")
    return ya


def _bool_keep(rng, shape, p=0.6):
    """An SDPA bool mask (True = attend); column 0 always attends."""
    m = rng.random(shape) < p
    m[..., 0] = True
    return m


SDPA_CASES = {
    "2d": lambda r: ((L, E), (S, E), (S, 3), {}),
    "3d": lambda r: ((N, L, E), (N, S, E), (N, S, 2), {}),
    "4d_broadcast_batch": lambda r: ((2, N, L, E), (N, S, E), (1, N, S, 4), {}),
    "bool_mask": lambda r: ((N, L, E), (N, S, E), (N, S, 2),
                            {"attn_mask": _bool_keep(r, (L, S))}),
    "bool_mask_batched": lambda r: ((2, N, L, E), (2, N, S, E), (2, N, S, 2),
                                    {"attn_mask": _bool_keep(r, (2, 1, L, S))}),
    "float_mask": lambda r: ((N, L, E), (N, S, E), (N, S, 2),
                             {"attn_mask": np.where(_bool_keep(r, (N, L, S)),
                                                    r.standard_normal((N, L, S)), -INF)}),
    "causal_L_lt_S": lambda r: ((N, L, E), (N, S, E), (N, S, 2), {"is_causal": True}),
    "causal_L_gt_S": lambda r: ((2, S, E), (2, L, E), (2, L, 2), {"is_causal": True}),
    "scale": lambda r: ((N, L, E), (N, S, E), (N, S, 2), {"scale": 0.3}),
    "scale_and_mask": lambda r: ((L, E), (S, E), (S, 2),
                                 {"scale": 2.0, "attn_mask": _bool_keep(r, (L, S))}),
    "gqa": lambda r: ((2, 4, L, E), (2, 2, S, E), (2, 2, S, 3), {"enable_gqa": True}),
    "gqa_same_heads": lambda r: ((3, L, E), (3, S, E), (3, S, 3), {"enable_gqa": True}),
    "fully_masked_bool": lambda r: ((N, L, E), (N, S, E), (N, S, 2),
                                    {"attn_mask": np.vstack([_bool_keep(r, (L - 1, S)),
                                                             np.zeros((1, S), bool)])}),
    "fully_masked_float": lambda r: ((N, L, E), (N, S, E), (N, S, 2),
                                     {"attn_mask": np.vstack([r.standard_normal((L - 1, S)),
                                                              np.full((1, S), -INF)])}),
}


@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_scaled_dot_product_attention_matches_torch(torch, case):
    rng = np.random.default_rng(sorted(SDPA_CASES).index(case))
    qs, ks, vs, kw = SDPA_CASES[case](rng)
    mask = kw.pop("attn_mask", None)
    ya = _sdpa_parity(torch, _x(rng, *qs), _x(rng, *ks), _x(rng, *vs), mask, **kw)
    if case.startswith("fully_masked"):
        assert not ya.data[..., -1, :].any()


def test_sdpa_float_mask_gets_its_gradient(torch):
    rng = np.random.default_rng(4)
    mask = np.where(_bool_keep(rng, (L, S)), rng.standard_normal((L, S)), -INF)
    _sdpa_parity(torch, _x(rng, N, L, E), _x(rng, N, S, E), _x(rng, N, S, 2), mask,
                 mask_grad=True)


def test_sdpa_float_mask_dtype_follows_torch(torch):
    # a float32 mask is cast to a float64 query's dtype; a float64 mask with a float32
    # query is refused (PyTorch's rule: bool, float32, or the query's dtype)
    rng = np.random.default_rng(5)
    q, mask = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 3)).astype(np.float32)
    out = F.scaled_dot_product_attention(_t(q), _t(q), _t(q), attn_mask=ag.tensor(mask))
    qt = torch.tensor(q)
    expected = torch.nn.functional.scaled_dot_product_attention(
        qt, qt, qt, attn_mask=torch.tensor(mask))
    assert out.dtype == ag.float64
    _close(out, expected)
    q32 = ag.tensor(q, dtype=ag.float32)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.scaled_dot_product_attention(
            qt.float(), qt.float(), qt.float(), attn_mask=torch.tensor(mask, dtype=torch.float64))
    with pytest.raises(RuntimeError, match=r"^scaled_dot_product_attention: "
                       + re.escape(str(theirs.value)) + r" \(query dtype float32, attn_mask "
                       r"dtype float64\)$"):
        F.scaled_dot_product_attention(q32, q32, q32, attn_mask=_t(mask))
    # a float NumPy array is data, as a list would be: it takes the query's dtype
    assert F.scaled_dot_product_attention(q32, q32, q32, attn_mask=np.zeros((3, 3))).dtype \
        == ag.float32


# --- TransformerEncoderLayer parity ---

TEL_CASES = [
    ("relu", False, False, None, None),
    ("gelu", True, False, None, None),
    ("relu", True, True, "bool", None),
    ("gelu", False, True, "float", "bool"),
    ("callable", False, False, None, "float"),
    ("module", True, True, "bool", "bool"),
    ("relu", False, False, "causal", None),
]


@pytest.mark.parametrize("activation, norm_first, batch_first, src_mask, padding", TEL_CASES)
def test_transformer_encoder_layer_matches_torch(torch, activation, norm_first, batch_first,
                                                 src_mask, padding):
    rng = np.random.default_rng(7)
    acts = {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"),
            "callable": (F.gelu, torch.nn.functional.gelu),
            "module": (nn.GELU("tanh"), torch.nn.GELU("tanh"))}
    act_a, act_t = acts[activation]
    kw = {"dim_feedforward": 10, "dropout": 0.3, "norm_first": norm_first,
          "batch_first": batch_first, "layer_norm_eps": 1e-4}
    ours = nn.TransformerEncoderLayer(E, H, activation=act_a, **kw)
    theirs = torch.nn.TransformerEncoderLayer(E, H, activation=act_t, **kw)
    assert repr(ours) == repr(theirs)
    _copy_state(torch, ours, theirs)
    ours.eval()
    theirs.eval()
    x = _x(rng, N, S, E) if batch_first else _x(rng, S, N, E)
    fwd = {}
    if src_mask == "bool":
        fwd["src_mask"] = _masked(rng, (S, S))
    elif src_mask == "float":
        fwd["src_mask"] = _additive(rng, (S, S))
    elif src_mask == "causal":
        fwd["src_mask"] = np.triu(np.full((S, S), -INF), 1)
        fwd["is_causal"] = True
    if padding == "bool":
        fwd["src_key_padding_mask"] = _masked(rng, (N, S))
    elif padding == "float":
        fwd["src_key_padding_mask"] = _additive(rng, (N, S))
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ya = ours(xa, **{k: _both(torch, v)[0] for k, v in fwd.items()})
        yt = theirs(xt, **{k: _both(torch, v)[1] for k, v in fwd.items()})
    _close(ya, yt, "output")
    _backward(rng, torch, [(ya, yt)])
    _compare_grads(ours, theirs, [xa], [xt])


def test_transformer_encoder_layer_unbatched_and_bias_false(torch):
    rng = np.random.default_rng(8)
    ours = nn.TransformerEncoderLayer(E, H, 8, bias=False)
    theirs = torch.nn.TransformerEncoderLayer(E, H, 8, bias=False)
    assert repr(ours) == repr(theirs)
    _copy_state(torch, ours, theirs)
    ours.eval()
    theirs.eval()
    x = _x(rng, S, E)
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    _close(ya, yt)
    _backward(rng, torch, [(ya, yt)])
    _compare_grads(ours, theirs, [xa], [xt])


def test_transformer_encoder_layer_is_causal_needs_src_mask(torch):
    layer = nn.TransformerEncoderLayer(E, H, 8)
    with pytest.raises(ValueError, match="Need attn_mask if specifying the is_causal hint"):
        layer(ag.zeros(S, N, E), is_causal=True)


# --- dropout in training ---

def test_sdpa_dropout_drops_half_the_weights_and_rescales_the_rest():
    q, k = ag.randn(4, 16, 8, dtype=ag.float64), ag.randn(4, 16, 8, dtype=ag.float64)
    eye = _t(np.eye(16))  # value = identity: the output is the weight matrix itself
    weights = F.scaled_dot_product_attention(q, k, eye).data
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.5).data
    zero = dropped == 0
    assert abs(zero.mean() - 0.5) < 0.05  # 1024 draws: 3 standard deviations is 0.047
    np.testing.assert_allclose(dropped[~zero], 2 * weights[~zero], rtol=1e-12)
    ag.manual_seed(11)
    a = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.5).data
    ag.manual_seed(11)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, eye,
                                                                 dropout_p=0.5).data, a)


@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_dropout_only_in_training(need_weights):
    m = nn.MultiheadAttention(8, 2, dropout=0.5).double()
    x = ag.randn(16, 4, 8, dtype=ag.float64)
    m.eval()
    y_eval, w_eval = m(x, x, x, average_attn_weights=False, need_weights=need_weights)
    m.train()
    ag.manual_seed(5)
    y1, w1 = m(x, x, x, average_attn_weights=False, need_weights=need_weights)
    ag.manual_seed(5)
    y2, _ = m(x, x, x, average_attn_weights=False, need_weights=need_weights)
    np.testing.assert_array_equal(y1.data, y2.data)
    assert not np.allclose(y1.data, y_eval.data)
    if need_weights:  # the weights returned are the dropped ones, as in PyTorch
        zero = w1.data == 0
        assert abs(zero.mean() - 0.5) < 0.05  # 2048 draws
        np.testing.assert_allclose(w1.data[~zero], 2 * w_eval.data[~zero], rtol=1e-12)


class _Recorded(nn.Dropout):
    """A Dropout that keeps what it was given and what it gave back."""

    def forward(self, input):
        out = super().forward(input)
        self.seen = (input.data.copy(), out.data.copy())
        return out


def test_transformer_encoder_layer_dropout_in_training():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=32, dropout=0.5).double()
    for name in ("dropout", "dropout1", "dropout2"):
        setattr(layer, name, _Recorded(0.5))
    x = ag.randn(16, 4, 8, dtype=ag.float64)
    ag.manual_seed(1)
    y = layer(x).data
    for name in ("dropout", "dropout1", "dropout2"):
        before, after = getattr(layer, name).seen
        live = before != 0  # (relu zeroes about half of what `dropout` gets)
        zero = after == 0
        assert abs(zero[live].mean() - 0.5) < 0.07, name  # >= 400 draws each
        np.testing.assert_allclose(after[~zero], 2 * before[~zero], rtol=1e-12)
    ag.manual_seed(1)
    np.testing.assert_array_equal(layer(x).data, y)
    ag.manual_seed(2)
    assert not np.allclose(layer(x).data, y)
    layer.eval()
    y_eval = layer(x).data
    np.testing.assert_array_equal(layer(x).data, y_eval)
    for name in ("dropout", "dropout1", "dropout2"):
        before, after = getattr(layer, name).seen
        np.testing.assert_array_equal(before, after)


# --- gradcheck over drawn shapes ---

@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_sdpa_passes_gradcheck(data):
    batch = data.draw(st.lists(st.integers(1, 2), max_size=2).map(tuple))
    l, s, e, ev = (data.draw(st.integers(1, 3)) for _ in range(4))
    kind = data.draw(st.sampled_from(["none", "bool", "float", "causal"]))
    scale = data.draw(st.sampled_from([None, 0.7]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    inputs = [_t(rng.standard_normal(batch + shape), requires_grad=True)
              for shape in ((l, e), (s, e), (s, ev))]
    mask = None
    if kind == "bool":  # rows may be fully masked: zero output, zero gradient
        mask = ag.tensor(rng.random((l, s)) < 0.7)
    elif kind == "float":
        inputs.append(_t(rng.standard_normal((l, s)), requires_grad=True))

    def fn(q, k, v, *m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m[0] if m else mask,
                                              is_causal=kind == "causal", scale=scale)

    assert ag.gradcheck(fn, inputs)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_multihead_attention_passes_gradcheck(data):
    heads = data.draw(st.sampled_from([1, 2]))
    e = heads * data.draw(st.integers(1, 2))
    l, s = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    batch = data.draw(st.sampled_from([(), (1,), (2,)]))
    kdim = data.draw(st.sampled_from([None, 3]))
    need_weights = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 16)))
    m = nn.MultiheadAttention(e, heads, kdim=kdim, vdim=kdim).double()
    for p in m.parameters():
        nn.init.normal_(p, 0.0, 0.5)
    shape = (lambda n: (n,) + batch + (kdim or e,)) if batch else (lambda n: (n, kdim or e))
    q = _t(rng.standard_normal((l,) + batch + (e,)), requires_grad=True)
    k = _t(rng.standard_normal(shape(s)), requires_grad=True)
    v = _t(rng.standard_normal(shape(s)), requires_grad=True)
    mask = ag.tensor(np.triu(np.ones((l, s), bool), 1))  # never a fully masked row

    def fn(q, k, v):
        out, w = m(q, k, v, attn_mask=mask, need_weights=need_weights)
        return (out, w) if need_weights else out

    assert ag.gradcheck(fn, [q, k, v])
    # and the parameters' gradients, through the functional form
    params = [_t(p.data, requires_grad=True) for p in
              (m.in_proj_weight if kdim is None else m.q_proj_weight, m.in_proj_bias,
               m.out_proj.weight, m.out_proj.bias)]

    def fp(w, b, wo, bo):
        sep = kdim is not None
        return F.multi_head_attention_forward(
            q.detach(), k.detach(), v.detach(), e, heads, None if sep else w, b, None, None,
            False, 0.0, wo, bo, attn_mask=mask, need_weights=False,
            use_separate_proj_weight=sep, q_proj_weight=w if sep else None,
            k_proj_weight=m.k_proj_weight if sep else None,
            v_proj_weight=m.v_proj_weight if sep else None)[0]

    assert ag.gradcheck(fp, params)


# --- errors ---

def test_multihead_attention_constructor_errors():
    with pytest.raises(ValueError, match=r"embed_dim must be divisible by num_heads "
                                         r"\(embed_dim=5, num_heads=2\)"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 1)
    with pytest.raises(RuntimeError, match="CPU only, not cuda"):
        nn.MultiheadAttention(4, 2, device="cuda")
    with pytest.raises(ValueError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
    with pytest.raises(TypeError, match="activation must be 'relu', 'gelu' or a callable"):
        nn.TransformerEncoderLayer(4, 2, activation=3)


def test_multihead_attention_shape_errors_name_the_shapes():
    m = nn.MultiheadAttention(E, H)
    q, k = ag.zeros(L, N, E), ag.zeros(S, N, E)
    with pytest.raises(ValueError, match=r"the shape of the 2D attn_mask is \(4, 4\), but "
                                         r"should be \(4, 5\)"):
        m(q, k, k, attn_mask=ag.zeros(L, L))
    with pytest.raises(ValueError, match=r"the shape of the 3D attn_mask is \(3, 4, 5\), but "
                                         r"should be \(6, 4, 5\)"):
        m(q, k, k, attn_mask=ag.zeros(3, L, S))
    with pytest.raises(ValueError, match=r"attn_mask should be 2-D or 3-D, got shape "
                                         r"\(1, 6, 4, 5\)"):
        m(q, k, k, attn_mask=ag.zeros(1, N * H, L, S))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(5, 3\) should be "
                                         r"\(3, 5\)"):
        m(q, k, k, key_padding_mask=ag.zeros(S, N, dtype=ag.bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(3, 5\) should be "
                                         r"\(5,\)"):
        m(ag.zeros(L, E), ag.zeros(S, E), ag.zeros(S, E),
          key_padding_mask=ag.zeros(N, S, dtype=ag.bool))
    with pytest.raises(TypeError, match="only bool and floating types of key_padding_mask"):
        m(q, k, k, key_padding_mask=ag.zeros(N, S, dtype=ag.int64))
    with pytest.raises(ValueError, match=r"was expecting embedding dimension of 6, but got 5"):
        m(ag.zeros(L, N, 5), k, k)
    with pytest.raises(ValueError, match=r"key of shape \(5, 3, 6\) does not match value of "
                                         r"shape \(4, 3, 6\)"):
        m(q, k, ag.zeros(L, N, E))
    with pytest.raises(ValueError, match=r"query of shape \(4, 3, 6\) and key of shape "
                                         r"\(5, 2, 6\) have different batch sizes"):
        m(q, ag.zeros(S, 2, E), ag.zeros(S, 2, E))
    with pytest.raises(ValueError, match=r"for unbatched \(2-D\) query of shape \(4, 6\), key "
                                         r"and value must be 2-D"):
        m(ag.zeros(L, E), k, k)
    with pytest.raises(ValueError, match="query should be unbatched 2D or batched 3D"):
        m(ag.zeros(1, L, N, E), k, k)
    with pytest.raises(ValueError, match="Need attn_mask if specifying the is_causal hint"):
        m(q, q, q, is_causal=True)
    with pytest.raises(ValueError, match=r"key of shape \(5, 3, 6\) does not end in the "
                                         r"kdim=2"):
        nn.MultiheadAttention(E, H, kdim=2)(q, k, ag.zeros(S, N, E))
    with pytest.raises(NotImplementedError, match="static_k and static_v"):
        F.multi_head_attention_forward(q, k, k, E, H, m.in_proj_weight, m.in_proj_bias, None,
                                       None, False, 0.0, m.out_proj.weight, m.out_proj.bias,
                                       static_k=ag.zeros(N * H, S, 3))


def test_batch_first_errors_show_the_shapes_as_given():
    m = nn.MultiheadAttention(E, H, batch_first=True)
    q, k = ag.zeros(N, L, E), ag.zeros(N, S, E)
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(5, 3\) should be "
                                         r"\(3, 5\) for key of shape \(3, 5, 6\)"):
        m(q, k, k, key_padding_mask=ag.zeros(S, N, dtype=ag.bool))
    with pytest.raises(ValueError, match=r"the shape of the 2D attn_mask is \(5, 4\), but "
                                         r"should be \(4, 5\)"):
        m(q, k, k, attn_mask=ag.zeros(S, L))
    with pytest.raises(ValueError, match=r"query of shape \(3, 4, 6\) and key of shape "
                                         r"\(2, 5, 6\) have different batch sizes \(dim 0\)"):
        m(q, ag.zeros(2, S, E), ag.zeros(2, S, E))


def test_sdpa_errors_name_the_shapes():
    q, k, v = ag.zeros(N, L, E), ag.zeros(N, S, E), ag.zeros(N, S, 2)
    sdpa = F.scaled_dot_product_attention
    with pytest.raises(ValueError, match="attn_mask must be None when is_causal=True"):
        sdpa(q, k, v, attn_mask=ag.ones(L, S, dtype=ag.bool), is_causal=True)
    with pytest.raises(ValueError, match=r"key of shape \(3, 5, 4\) must end in the embedding "
                                         r"size 6 of query of shape \(3, 4, 6\)"):
        sdpa(q, ag.zeros(N, S, 4), v)
    with pytest.raises(ValueError, match=r"value of shape \(3, 4, 2\) must have the 5 "
                                         r"positions \(dim -2\) of key of shape \(3, 5, 6\)"):
        sdpa(q, k, ag.zeros(N, L, 2))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 4\) cannot be broadcast "
                                         r"to the attention weights' shape \(3, 4, 5\)"):
        sdpa(q, k, v, attn_mask=ag.zeros(L, L))
    with pytest.raises(ValueError, match=r"the batch dims of query \(3, 4, 6\), key "
                                         r"\(2, 5, 6\)"):
        sdpa(q, ag.zeros(2, S, E), ag.zeros(2, S, 2))
    with pytest.raises(ValueError, match="at least 2 dims"):
        sdpa(ag.zeros(E), ag.zeros(E), ag.zeros(E))
    with pytest.raises(ValueError, match=r"key \(3 heads\) and value \(3 heads\) must have "
                                         r"the same number of heads \(dim -3\), a divisor of "
                                         r"query's 4"):
        sdpa(ag.zeros(4, L, E), ag.zeros(3, S, E), ag.zeros(3, S, 2), enable_gqa=True)
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        sdpa(q, k, v, attn_mask=ag.zeros(L, S, dtype=ag.int64))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="query must be a Tensor, got list"):
        sdpa([[1.0]], k, v)


def test_attention_is_exported():
    assert {"MultiheadAttention", "TransformerEncoderLayer"} <= set(nn.__all__)
    assert F.scaled_dot_product_attention is nn.attention.scaled_dot_product_attention
    assert callable(F.multi_head_attention_forward)
