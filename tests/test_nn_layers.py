"""Linear, the activations, init and utils: gradchecked in float64 and compared with
PyTorch after copying our parameters into the torch layer."""

import inspect
import math
import typing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import RNG, _pair, _t


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 4, 3)])
def test_linear_matches_torch(torch, bias, shape):
    _pair(torch, nn.Linear(3, 2, bias=bias), torch.nn.Linear(3, 2, bias=bias),
          RNG.standard_normal(shape))


ACTIVATIONS = [
    (lambda: nn.ReLU(), "ReLU", {}),
    (lambda: nn.LeakyReLU(0.2), "LeakyReLU", {"negative_slope": 0.2}),
    (lambda: nn.ELU(0.7), "ELU", {"alpha": 0.7}),
    (lambda: nn.GELU(), "GELU", {}),
    (lambda: nn.GELU("tanh"), "GELU", {"approximate": "tanh"}),
    (lambda: nn.Sigmoid(), "Sigmoid", {}),
    (lambda: nn.Tanh(), "Tanh", {}),
    (lambda: nn.Softplus(2.0, 5.0), "Softplus", {"beta": 2.0, "threshold": 5.0}),
    (lambda: nn.Softmax(dim=1), "Softmax", {"dim": 1}),
    (lambda: nn.LogSoftmax(dim=-1), "LogSoftmax", {"dim": -1}),
]


@pytest.mark.parametrize("make, name, kwargs", ACTIVATIONS, ids=[a[1] for a in ACTIVATIONS])
def test_activation_modules_match_torch(torch, make, name, kwargs):
    x = RNG.standard_normal((4, 5)) * 3
    x[0, 0] = 10.0  # past Softplus's threshold
    _pair(torch, make(), getattr(torch.nn, name)(**kwargs), x)


FUNCTIONAL = {
    "linear": lambda x, w, b: F.linear(x, w, b),
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": lambda x: F.elu(x, 1.3),
    "gelu": lambda x: F.gelu(x),
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "softplus": lambda x: F.softplus(x, 0.5, 3.0),
    "softmax": lambda x: F.softmax(x, dim=-1),
    "log_softmax": lambda x: F.log_softmax(x, dim=0),
    "normalize": lambda x: F.normalize(x, dim=-1),
    "normalize_p3": lambda x: F.normalize(x, p=3, dim=0),
}


@settings(max_examples=15, deadline=None)
@given(data=st.data(), name=st.sampled_from(sorted(FUNCTIONAL)))
def test_functional_forms_pass_gradcheck(data, name):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    # values away from the kinks at 0 (relu-like) and from the softplus threshold
    x = RNG.uniform(0.2, 1.5, shape) * RNG.choice([-1.0, 1.0], shape)
    inputs = [_t(x, requires_grad=True)]
    if name == "linear":
        out = data.draw(st.integers(1, 3))
        inputs += [_t(RNG.standard_normal((out, shape[-1])), requires_grad=True),
                   _t(RNG.standard_normal(out), requires_grad=True)]
    assert ag.gradcheck(FUNCTIONAL[name], inputs)
    assert ag.gradgradcheck(FUNCTIONAL[name], inputs)


def test_softplus_has_slope_one_half_at_zero(torch):
    x = _t([0.0, 1e-3], requires_grad=True)
    F.softplus(x, beta=2.0).sum().backward()
    xt = torch.tensor([0.0, 1e-3], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.softplus(xt, beta=2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_activations_stay_finite_at_extremes():
    x = ag.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with np.errstate(all="raise"):
        for f in (F.elu, F.softplus, F.sigmoid, F.tanh, F.gelu, lambda t: F.log_softmax(t, 0)):
            x.grad = None
            y = f(x)
            y.sum().backward()
            assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()


def test_linear_bad_input_names_the_sizes():
    with pytest.raises(ValueError, match=r"^Linear: input of shape \(2, 5\) .*in_features=3"):
        nn.Linear(3, 1)(ag.zeros(2, 5))
    with pytest.raises(ValueError, match=r"^linear: input of shape \(2, 5\) .*in_features=3"):
        F.linear(ag.zeros(2, 5), ag.zeros(1, 3))


def test_linear_on_an_empty_batch_gives_an_empty_output():
    y = nn.Linear(3, 2)(ag.zeros(0, 3))
    assert y.shape == (0, 2)


# --- init ---

def test_linear_init_bounds_follow_torch():
    ag.manual_seed(3)
    lin = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    w = lin.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01  # std of U(-b, b) is b / sqrt(3)
    assert np.abs(lin.bias.data).max() <= bound


def test_init_is_reproducible_from_the_global_seed():
    ag.manual_seed(7)
    a = nn.Linear(4, 4).weight.data.copy()
    ag.manual_seed(7)
    b = nn.Linear(4, 4).weight.data.copy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fn, expected_std", [
    (lambda t: nn.init.xavier_uniform_(t), math.sqrt(2 / (300 + 200))),
    (lambda t: nn.init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(2 / (300 + 200))),
    (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 300)),
    (lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2 / 200)),
    (lambda t: nn.init.normal_(t, 0.0, 0.3), 0.3),
    (lambda t: nn.init.uniform_(t, -1.0, 1.0), 1 / math.sqrt(3)),
])
def test_init_standard_deviations_follow_the_formulas(fn, expected_std):
    t = ag.empty(200, 300)
    fn(t)
    assert abs(t.data.std() / expected_std - 1) < 0.03
    assert abs(t.data.mean()) < 0.05 * expected_std + 1e-3


def test_init_fans_use_the_receptive_field_of_conv_weights():
    t = ag.empty(16, 8, 3, 3)
    bound = math.sqrt(6 / (8 * 9 + 16 * 9))
    nn.init.xavier_uniform_(t)
    assert bound * 0.95 < np.abs(t.data).max() <= bound


def test_orthogonal_gives_orthonormal_rows_or_columns():
    for shape in [(6, 6), (3, 8), (8, 3), (4, 2, 3)]:
        t = nn.init.orthogonal_(ag.empty(*shape), gain=1.5)
        m = t.data.reshape(shape[0], -1).astype(np.float64)
        small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(small, 2.25 * np.eye(small.shape[0]), atol=1e-5)


def test_calculate_gain_matches_torch(torch):
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None),
                        ("conv2d", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        nn.init.calculate_gain("gelu")


def test_init_does_not_record_and_keeps_the_parameter_object():
    lin = nn.Linear(2, 2)
    w = lin.weight
    nn.init.constant_(w, 0.5)
    assert lin.weight is w and w.grad_fn is None and (w.data == 0.5).all()
    nn.init.zeros_(lin.bias)
    assert not lin.bias.data.any()
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(lin.bias)


# --- utils ---

@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_matches_torch(torch, norm_type):
    grads = [RNG.standard_normal((3, 4)), RNG.standard_normal(5)]
    ours = [nn.Parameter(ag.zeros(*g.shape, dtype=ag.float64)) for g in grads]
    theirs = [torch.zeros(*g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = _t(g), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ours, 1.0, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type)
    assert float(total) == pytest.approx(float(expected), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_leaves_small_gradients_alone_and_skips_none():
    p, q = nn.Parameter(ag.zeros(3)), nn.Parameter(ag.zeros(2))
    p.grad = ag.tensor([0.1, 0.2, 0.2])
    total = nn.utils.clip_grad_norm_([p, q], 5.0)
    assert float(total) == pytest.approx(0.3, rel=1e-6)
    np.testing.assert_allclose(p.grad.data, [0.1, 0.2, 0.2], rtol=1e-7)
    assert q.grad is None


def test_clip_grad_norm_error_if_nonfinite():
    p = nn.Parameter(ag.zeros(2))
    p.grad = ag.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_clamps_in_place():
    p = nn.Parameter(ag.zeros(4))
    p.grad = ag.tensor([-3.0, -0.5, 0.5, 3.0])
    g = p.grad
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad is g
    np.testing.assert_array_equal(g.data, [-1.0, -0.5, 0.5, 1.0])


def test_parameters_to_vector_and_back(torch):
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (11,)
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    t.load_state_dict({k: torch.tensor(x.data) for k, x in m.state_dict().items()})
    np.testing.assert_array_equal(v.data, torch.nn.utils.parameters_to_vector(
        t.parameters()).detach().numpy())
    nn.utils.vector_to_parameters(v * 2, m.parameters())
    np.testing.assert_allclose(nn.utils.parameters_to_vector(m.parameters()).data,
                               2 * v.data)
    with pytest.raises(ValueError, match="does not hold the 11 values"):
        nn.utils.vector_to_parameters(ag.zeros(10), m.parameters())


# --- normalisation ---

BATCHNORMS = [
    ("BatchNorm1d", (6, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm2d", (4, 3, 2, 5), {"affine": False}),
    ("BatchNorm2d", (2, 3, 3, 3), {"track_running_stats": False, "eps": 1e-3}),
    ("BatchNorm1d", (5, 3), {"momentum": 0.3, "affine": True}),
]


@pytest.mark.parametrize("name, shape, kwargs", BATCHNORMS)
def test_batchnorm_matches_torch_in_train_and_eval(torch, name, shape, kwargs):
    ours, theirs = getattr(nn, name)(3, **kwargs), getattr(torch.nn, name)(3, **kwargs)
    if ours.affine:
        nn.init.normal_(ours.weight)
        nn.init.normal_(ours.bias)
    for step in range(3):  # the running estimates move the same way
        _pair(torch, ours, theirs, RNG.standard_normal(shape) * 2 + step)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].data, value.numpy(), rtol=1e-10,
                                   err_msg=key)
    ours.eval()
    theirs.eval()
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_batchnorm_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.BatchNorm2d(3)(ag.zeros(2, 4, 2, 2))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.zeros(1, 3))
    bn = nn.BatchNorm1d(3).eval()
    assert bn(ag.zeros(1, 3)).shape == (1, 3)  # fine in eval


@pytest.mark.parametrize("shape, normalized, kwargs", [
    ((4, 5), 5, {}), ((2, 3, 4), (3, 4), {"eps": 1e-3}), ((3, 6), [6], {"bias": False}),
    ((2, 4), 4, {"elementwise_affine": False}),
])
def test_layernorm_matches_torch(torch, shape, normalized, kwargs):
    ours, theirs = nn.LayerNorm(normalized, **kwargs), torch.nn.LayerNorm(normalized, **kwargs)
    if ours.weight is not None:
        nn.init.normal_(ours.weight)
    if ours.bias is not None:
        nn.init.normal_(ours.bias)
    _pair(torch, ours, theirs, RNG.standard_normal(shape) * 3 + 1)
    assert repr(ours) == repr(theirs)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_norm_functional_forms_pass_gradcheck(data):
    n, c, l = data.draw(st.integers(2, 4)), data.draw(st.integers(1, 3)), data.draw(
        st.integers(1, 3))
    x = _t(RNG.standard_normal((n, c, l)), requires_grad=True)
    w = _t(RNG.standard_normal(c), requires_grad=True)
    b = _t(RNG.standard_normal(c), requires_grad=True)
    assert ag.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True), [x, w, b])
    lw = _t(RNG.standard_normal(l), requires_grad=True)
    assert ag.gradcheck(lambda x, w: F.layer_norm(x, (l,), w, None), [x, lw])
    assert ag.gradgradcheck(lambda x: F.layer_norm(x, (c, l)), [x])


# --- embedding ---

@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_torch_and_padding_row_gets_no_gradient(torch, padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx)
    if padding_idx is not None:
        assert not ours.weight.data[padding_idx].any()
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    idx = np.array([[0, 1, 4], [1, 1, 2]])
    ya, yt = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12)
    assert repr(ours) == repr(theirs)


def test_embedding_rejects_bad_indices():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range for 4 embeddings"):
        emb(ag.tensor([0, 4]))
    with pytest.raises(TypeError, match="indices must be integers"):
        emb(ag.tensor([0.0, 1.0]))


# --- resampling ---

@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 4, 5), {"scale_factor": 2}),
    ((1, 2, 4, 5), {"size": (6, 9)}),
    ((1, 2, 5, 4), {"size": (3, 2)}),
    ((2, 1, 4, 5), {"size": (7, 3), "mode": "bilinear"}),
    ((1, 2, 3, 4), {"scale_factor": 1.7, "mode": "bilinear", "align_corners": True}),
    ((1, 1, 4, 6), {"scale_factor": (0.5, 1.5), "mode": "bilinear"}),
    ((2, 2, 5), {"scale_factor": 3, "mode": "linear"}),
    ((2, 2, 5), {"size": 8}),
])
def test_upsample_matches_torch(torch, shape, kwargs):
    _pair(torch, nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs),
          RNG.standard_normal(shape))
    assert repr(nn.Upsample(**kwargs)) == repr(torch.nn.Upsample(**kwargs))


def test_interpolate_passes_gradcheck():
    x = _t(RNG.standard_normal((1, 2, 3, 3)), requires_grad=True)
    assert ag.gradcheck(lambda x: F.interpolate(x, size=(5, 4), mode="bilinear"), [x])
    assert ag.gradcheck(lambda x: F.interpolate(x, scale_factor=2), [x])


def test_interpolate_errors():
    x = ag.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="mode 'bilinear' expects a 4D input"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, mode="bilinear")
    with pytest.raises(ValueError, match="size \\(3,\\) has 1 entries"):
        F.interpolate(x, size=(3,))
    with pytest.raises(ValueError, match="mode 'cubic' is not supported"):
        F.interpolate(x, size=3, mode="cubic")


@pytest.mark.parametrize("mode, pad", [("constant", (1, 2, 0, 1)), ("reflect", (2, 1, 1, 1)),
                                       ("replicate", (3, 0, 2, 2)), ("circular", (1, 2, 2, 0)),
                                       ("constant", (-1, 1))])
def test_pad_modes_match_torch(torch, mode, pad):
    x = RNG.standard_normal((2, 3, 4, 5))
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = F.pad(xa, pad, mode=mode), torch.nn.functional.pad(xt, pad, mode=mode)
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-12)


def test_pad_errors():
    with pytest.raises(ValueError, match="mode 'wrap' is not supported"):
        F.pad(ag.zeros(1, 1, 3), (1, 1), mode="wrap")
    with pytest.raises(ValueError, match=r"reflect padding \(3, 0\) of dim 2 must be between 0 "
                                         "and 2"):
        F.pad(ag.zeros(1, 1, 3), (3, 0), mode="reflect")


def test_zero_size_linear_initialises_and_runs_like_torch(torch):
    ours, theirs = nn.Linear(0, 3), torch.nn.Linear(0, 3)
    np.testing.assert_array_equal(ours.bias.data, theirs.bias.detach().numpy())  # zeros
    y = ours(ag.zeros(2, 0))
    assert y.shape == (2, 3) and not y.data.any()


# --- constructor arguments shared with torch: signatures, device ---

LAYER_ARGS = {  # the required arguments of each layer, for constructing it
    "Linear": (3, 2), "Conv1d": (2, 4, 3), "Conv2d": (2, 4, 3), "ConvTranspose2d": (2, 4, 3),
    "BatchNorm1d": (3,), "BatchNorm2d": (3,), "LayerNorm": (3,), "Embedding": (5, 3),
    "RNN": (3, 4), "LSTM": (3, 4), "GRU": (3, 4), "RNNCell": (3, 4), "LSTMCell": (3, 4),
    "GRUCell": (3, 4),
}


def _parameters(fn):
    """(name, kind, default) of every argument but self (annotations left out)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self"]


@pytest.mark.parametrize("name", LAYER_ARGS)
def test_constructor_signatures_match_torch(torch, name):
    """Names, order (so positional calls mean the same), kinds and defaults of the
    arguments are torch's; RNN, LSTM and GRU take *args there, so their typed overload is
    the reference (our RNN and GRU add a keyword-only proj_size, only to refuse it)."""
    init = getattr(torch.nn, name).__init__
    overloads = typing.get_overloads(init)
    theirs = _parameters(overloads[0] if overloads else init)
    ours = [p for p in _parameters(getattr(nn, name).__init__)
            if not (name in ("RNN", "GRU") and p[0] == "proj_size")]
    assert ours == theirs


@pytest.mark.parametrize("name", LAYER_ARGS)
def test_layers_take_the_cpu_as_device_and_refuse_other_devices(torch, name):
    cls = getattr(nn, name)
    for device in (None, "cpu", "cpu:0", torch.device("cpu")):
        layer = cls(*LAYER_ARGS[name], device=device, dtype=ag.float64)
        assert all(p.dtype == ag.float64 for p in layer.parameters())
    for device in ("cuda", "cuda:1", "meta"):
        with pytest.raises(RuntimeError, match=f"^{name}: autograd_core runs on the CPU only, "
                                               f"not {device}$"):
            cls(*LAYER_ARGS[name], device=device)


def test_device_is_taken_in_torch_position():
    lin = nn.Linear(3, 2, False, "cpu", ag.float64)
    assert lin.bias is None and lin.weight.dtype == ag.float64
    bn = nn.BatchNorm1d(3, 1e-3, 0.2, True, True, "cpu", ag.float64)
    assert bn.weight.dtype == ag.float64
    with pytest.raises(RuntimeError, match="LayerNorm: autograd_core runs on the CPU only"):
        nn.LayerNorm(3, 1e-5, True, True, "cuda")


# --- batch norm: bias ---

@pytest.mark.parametrize("name, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                         ("BatchNorm2d", (4, 3, 2, 5))])
def test_batchnorm_without_bias_matches_torch(torch, name, shape):
    ours = getattr(nn, name)(3, bias=False)
    theirs = getattr(torch.nn, name)(3, bias=False)
    assert ours.bias is None and theirs.bias is None
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    nn.init.normal_(ours.weight)
    for step in range(2):
        _pair(torch, ours, theirs, RNG.standard_normal(shape) + step)
    ours.eval()
    theirs.eval()
    _pair(torch, ours, theirs, RNG.standard_normal(shape))
    ours.reset_parameters()  # no bias to zero: must not fail
    assert (ours.weight.data == 1).all()


@pytest.mark.parametrize("kwargs", [
    {}, {"bias": False}, {"affine": False}, {"affine": False, "bias": False},
    {"momentum": None, "track_running_stats": False}, {"eps": 1e-3, "momentum": 0.3},
])
@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_repr_and_state_dict_equal_torch(torch, name, kwargs):
    ours, theirs = getattr(nn, name)(4, **kwargs), getattr(torch.nn, name)(4, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


# --- embedding: max_norm, scale_grad_by_freq, from_pretrained, sparse ---

def _embedding_pair(torch, ours, theirs, idx, g=None):
    """Copy our weight into torch's, look idx up in both, compare the outputs and the
    weights after (max_norm changes them), backpropagate g, return both weight grads."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data.copy()) for k, v in ours.state_dict().items()})
    ya, yt = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.detach().numpy())
    g = RNG.standard_normal(ya.shape) if g is None else g
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    return ours.weight.grad.data, theirs.weight.grad.numpy()


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.8, 1.0), (0.5, math.inf),
                                                 (1.2, 3.0)])
def test_embedding_max_norm_renormalises_looked_up_rows_in_place_like_torch(torch, max_norm,
                                                                            norm_type):
    kwargs = {"max_norm": max_norm, "norm_type": norm_type, "padding_idx": 3}
    ours, theirs = nn.Embedding(7, 4, **kwargs), torch.nn.Embedding(7, 4, **kwargs)
    ours.double()
    before = ours.weight.data.copy()
    idx = np.array([[0, 2, 2], [5, 3, 0]])
    ga, gt = _embedding_pair(torch, ours, theirs, idx)
    np.testing.assert_allclose(ga, gt, rtol=1e-12)
    after = ours.weight.data
    norms = np.linalg.norm(before, ord=norm_type, axis=1)
    looked_up = np.isin(np.arange(7), idx)
    changed = (after != before).any(axis=1)
    # exactly the looked-up rows that were too long changed, and are now max_norm long
    np.testing.assert_array_equal(changed, looked_up & (norms > max_norm))
    assert changed.sum() >= 2
    np.testing.assert_allclose(np.linalg.norm(after[changed], ord=norm_type, axis=1),
                               max_norm, rtol=1e-6)
    assert repr(ours) == repr(theirs)


def test_embedding_max_norm_in_float32_and_on_a_plain_tensor_match_torch(torch):
    w = RNG.standard_normal((6, 3)).astype(np.float32) * 2
    idx = np.array([1, 4, 4, 0])
    ours, theirs = ag.tensor(w.copy()), torch.tensor(w.copy())
    ya = F.embedding(ag.tensor(idx), ours, max_norm=1.5)
    yt = torch.nn.functional.embedding(torch.tensor(idx), theirs, max_norm=1.5)
    np.testing.assert_allclose(ya.data, yt.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)
    assert ours.dtype == ag.float32 and (ours.data[[2, 3, 5]] == w[[2, 3, 5]]).all()


@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_scale_grad_by_freq_matches_torch(torch, padding_idx):
    kwargs = {"scale_grad_by_freq": True, "padding_idx": padding_idx}
    ours, theirs = nn.Embedding(6, 3, **kwargs), torch.nn.Embedding(6, 3, **kwargs)
    idx = np.array([[0, 2, 2, 5], [5, 0, 0, 1]])  # 0 three times, 2 and 5 twice, 1 once
    g = RNG.standard_normal((2, 4, 3))
    ga, gt = _embedding_pair(torch, ours, theirs, idx, g)
    np.testing.assert_allclose(ga, gt, rtol=1e-12)
    # really scaled: row 0's gradient is the mean of its three occurrences' gradients
    np.testing.assert_allclose(ga[0], (g[0, 0] + g[1, 1] + g[1, 2]) / 3, rtol=1e-12)
    assert repr(ours) == repr(theirs)


def test_embedding_scale_grad_by_freq_keeps_the_forward_value(torch):
    w = _t(RNG.standard_normal((4, 3)), requires_grad=True)
    idx = ag.tensor([[1, 1, 3], [0, 1, 3]])
    y = F.embedding(idx, w, scale_grad_by_freq=True)
    np.testing.assert_array_equal(y.data, F.embedding(idx, w).data)
    wt = torch.tensor(w.data, requires_grad=True)
    yt = torch.nn.functional.embedding(torch.tensor(idx.data), wt, scale_grad_by_freq=True)
    # a loss that is not linear in the output: its gradient reads the output's values
    (ga,) = ag.grad((y * y * y).sum(), [w])
    (gt,) = torch.autograd.grad((yt * yt * yt).sum(), [wt])
    np.testing.assert_allclose(ga.data, gt.numpy(), rtol=1e-12)
    with ag.no_grad():  # nothing to scale: the plain lookup
        assert not F.embedding(idx, w, scale_grad_by_freq=True).requires_grad


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained_matches_torch(torch, freeze):
    w = RNG.standard_normal((5, 3))
    ours = nn.Embedding.from_pretrained(_t(w), freeze=freeze, padding_idx=1, max_norm=10.0)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1,
                                                max_norm=10.0)
    assert ours.weight.requires_grad is theirs.weight.requires_grad is (not freeze)
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours.weight.data, w)  # the padding row is kept as given
    idx = np.array([[1, 0], [4, 1]])
    ya, yt = ours(ag.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())
    if not freeze:
        ya.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(ours.weight.grad.data, theirs.weight.grad.numpy())
    else:
        assert not ya.requires_grad


def test_embedding_weight_argument_shares_the_array_and_freeze():
    w = _t(RNG.standard_normal((4, 2)))
    emb = nn.Embedding(4, 2, _weight=w)
    assert np.shares_memory(emb.weight.data, w.data) and emb.weight.requires_grad
    emb = nn.Embedding(4, 2, _freeze=True)
    assert not emb.weight.requires_grad
    pretrained = nn.Embedding.from_pretrained(w)
    assert np.shares_memory(pretrained.weight.data, w.data)
    with pytest.raises(ValueError, match=r"Shape of weight does not match num_embeddings and "
                                         r"embedding_dim: _weight of shape \(4, 2\), expected "
                                         r"\(3, 2\)"):
        nn.Embedding(3, 2, _weight=w)
    with pytest.raises(ValueError, match=r"expected to be 2-dimensional, got shape \(4,\)"):
        nn.Embedding.from_pretrained(ag.zeros(4))


def test_embedding_sparse_gradients_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="Embedding: sparse=True is not supported: "
                                         "autograd_core has no sparse gradients"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(ValueError, match="embedding: sparse=True is not supported"):
        F.embedding(ag.tensor([0]), ag.zeros(4, 2), sparse=True)
    with pytest.raises(ValueError, match="Embedding: sparse=True is not supported"):
        nn.Embedding.from_pretrained(ag.zeros(4, 2), sparse=True)
    with pytest.raises(ValueError, match=r"Padding_idx must be within num_embeddings, got "
                                         "padding_idx=4 for 4 embeddings"):
        F.embedding(ag.tensor([0]), ag.zeros(4, 2), padding_idx=4)


# --- init: generator= (a numpy.random.Generator, autograd_core's generator type) ---
_INIT_DRAWS = {
    "uniform_": lambda w, g: nn.init.uniform_(w, -2.0, 3.0, generator=g),
    "normal_": lambda w, g: nn.init.normal_(w, 1.0, 0.5, generator=g),
    "xavier_uniform_": lambda w, g: nn.init.xavier_uniform_(w, generator=g),
    "xavier_normal_": lambda w, g: nn.init.xavier_normal_(w, 2.0, g),
    "kaiming_uniform_": lambda w, g: nn.init.kaiming_uniform_(w, math.sqrt(5), generator=g),
    "kaiming_normal_": lambda w, g: nn.init.kaiming_normal_(w, mode="fan_out", generator=g),
    "orthogonal_": lambda w, g: nn.init.orthogonal_(w, generator=g),
    "trunc_normal_": lambda w, g: nn.init.trunc_normal_(w, std=2.0, generator=g),
}


@pytest.mark.parametrize("name", sorted(_INIT_DRAWS))
def test_init_generator_gives_reproducible_draws_off_the_global_stream(torch, name):
    assert "generator" in inspect.signature(getattr(torch.nn.init, name)).parameters
    assert "generator" in inspect.signature(getattr(nn.init, name)).parameters
    a, b = ag.empty(4, 6), ag.empty(4, 6)
    before = ag.random.get_rng_state()
    _INIT_DRAWS[name](a, np.random.default_rng(7))
    assert ag.random.get_rng_state() == before  # the global stream did not move
    _INIT_DRAWS[name](b, np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    gen = np.random.default_rng(7)
    _INIT_DRAWS[name](b, gen)
    _INIT_DRAWS[name](b, gen)  # the generator's own state advances
    assert not np.array_equal(a.data, b.data)
    ag.manual_seed(3)
    _INIT_DRAWS[name](b, None)  # None: the global generator, as before
    ag.manual_seed(3)
    _INIT_DRAWS[name](a, None)
    np.testing.assert_array_equal(a.data, b.data)


def test_init_generator_must_be_a_numpy_generator():
    with pytest.raises(TypeError, match="uniform_: generator must be a numpy.random.Generator "
                                        "or None, got RandomState"):
        nn.init.uniform_(ag.empty(2, 2), generator=np.random.RandomState(0))
    with pytest.raises(TypeError, match="orthogonal_: generator must be"):
        nn.init.orthogonal_(ag.empty(2, 2), generator=7)
