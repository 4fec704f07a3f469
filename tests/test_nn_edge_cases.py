"""nn edge cases, each checked against PyTorch: batch norm on an empty batch, a layer's
parameters and its input of different dtypes (raised, never promoted), inplace=True
activations and dropout, and ConvTranspose2d's output_size."""

import re
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import _t

RTOL, ATOL = 1e-10, 1e-12


def _close(ours, theirs, what=""):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, what
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=what)


def _copy_state(torch, ours, theirs):
    """Both modules float64, with our (random) state in theirs."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})


# --- batch norm on an empty batch ---

EMPTY = [("BatchNorm1d", (0, 3)), ("BatchNorm1d", (2, 3, 0)), ("BatchNorm1d", (0, 3, 5)),
         ("BatchNorm2d", (0, 3, 4, 4)), ("BatchNorm2d", (2, 3, 0, 4))]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name, shape", EMPTY)
def test_batch_norm_on_an_empty_batch_matches_torch(torch, name, shape, momentum):
    rng = np.random.default_rng(0)
    ours, theirs = getattr(nn, name)(3, momentum=momentum), getattr(torch.nn, name)(
        3, momentum=momentum)
    with ag.no_grad():
        ours.weight.data[...] = rng.standard_normal(3)
        ours.running_mean.data[...] = rng.standard_normal(3)
        ours.running_var.data[...] = rng.uniform(0.5, 2.0, 3)
    _copy_state(torch, ours, theirs)
    before = ours.running_mean.data.copy(), ours.running_var.data.copy()
    xa = _t(np.zeros(shape), requires_grad=True)
    xt = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    assert ya.shape == tuple(yt.shape) == shape
    ya.sum().backward()
    yt.sum().backward()
    assert xa.grad.shape == shape
    for p, q in zip(ours.parameters(), theirs.parameters()):
        _close(p.grad, q.grad)  # zeros, not None
    # the estimates stay as they were; the batch still counts
    np.testing.assert_array_equal(ours.running_mean.data, before[0])
    np.testing.assert_array_equal(ours.running_var.data, before[1])
    for buf in ("running_mean", "running_var", "num_batches_tracked"):
        _close(getattr(ours, buf), getattr(theirs, buf), buf)
    assert int(ours.num_batches_tracked.data) == 1
    # a real batch next: with momentum=None, the average counts the empty batch too
    x = rng.standard_normal((4, 3) + tuple(max(d, 2) for d in shape[2:])) + 1.0
    _close(ours(_t(x)), theirs(torch.tensor(x)), "second batch")
    for buf in ("running_mean", "running_var", "num_batches_tracked"):
        _close(getattr(ours, buf), getattr(theirs, buf), buf)


def test_functional_batch_norm_on_an_empty_batch(torch):
    xa = _t(np.zeros((0, 4)), requires_grad=True)
    xt = torch.zeros(0, 4, dtype=torch.float64, requires_grad=True)
    w, wt = _t(np.ones(4), requires_grad=True), torch.ones(4, dtype=torch.float64,
                                                           requires_grad=True)
    ya = F.batch_norm(xa, None, None, w, None, training=True)
    yt = torch.nn.functional.batch_norm(xt, None, None, wt, None, training=True)
    assert ya.shape == tuple(yt.shape) == (0, 4)
    ya.sum().backward()
    yt.sum().backward()
    _close(w.grad, wt.grad)
    # and in eval mode, with the running estimates
    rm, rv = _t(np.zeros(4)), _t(np.ones(4))
    assert F.batch_norm(xa, rm, rv, training=False).shape == (0, 4)


@pytest.mark.parametrize("name, shape", [("BatchNorm1d", (1, 3)), ("BatchNorm1d", (1, 3, 1)),
                                         ("BatchNorm2d", (1, 3, 1, 1))])
def test_batch_norm_refuses_one_value_per_channel_like_torch(torch, name, shape):
    ours, theirs = getattr(nn, name)(3), getattr(torch.nn, name)(3)
    with pytest.raises(ValueError) as expected:
        theirs(torch.zeros(shape))
    with pytest.raises(ValueError, match="^" + re.escape(str(expected.value)) + "$"):
        ours(ag.zeros(*shape))
    assert int(ours.num_batches_tracked.data) == int(theirs.num_batches_tracked) == 1
    # evaluation takes it; the functional form in training refuses it too
    assert ours.eval()(ag.zeros(*shape)).shape == shape
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.batch_norm(ag.zeros(*shape), None, None, training=True)


# --- a layer's parameters and its input must have one dtype ---

def _f64(*shape):
    return ag.randn(*shape, dtype=ag.float64)


def _i64(*shape):
    return ag.ones(*shape, dtype=ag.int64)


def _t64(T, *shape):
    return T.randn(*shape, dtype=T.float64)


def _t32(T, *shape):
    return T.randn(*shape)


def _self_attention(module, x, **kwargs):
    return module(x, x, x, **kwargs)


# name -> (ours(), theirs(torch), the words our message must hold); both calls raise
DTYPE_CASES = {
    "Linear": (
        lambda: nn.Linear(3, 2)(_f64(4, 3)),
        lambda T: T.nn.Linear(3, 2)(_t64(T, 4, 3)),
        ["Linear:", "mat1 and mat2 must have the same dtype, but got Double and Float",
         "input dtype float64", "weight dtype float32"]),
    "Linear_1d_no_bias": (
        lambda: nn.Linear(3, 2, bias=False)(_f64(3)),
        lambda T: T.nn.Linear(3, 2, bias=False)(_t64(T, 3)),
        ["Linear:", "float64", "float32"]),
    "Linear_3d": (
        lambda: nn.Linear(3, 2)(_f64(5, 4, 3)),
        lambda T: T.nn.Linear(3, 2)(_t64(T, 5, 4, 3)),
        ["Linear:", "float64"]),
    "Linear_int": (
        lambda: nn.Linear(3, 2)(_i64(4, 3)),
        lambda T: T.nn.Linear(3, 2)(T.ones(4, 3, dtype=T.int64)),
        ["Linear:", "Long and Float", "input dtype int64"]),
    "Linear_double_float_input": (
        lambda: nn.Linear(3, 2).double()(ag.randn(4, 3)),
        lambda T: T.nn.Linear(3, 2).double()(_t32(T, 4, 3)),
        ["Linear:", "Float and Double", "input dtype float32", "weight dtype float64"]),
    "F.linear_bias": (
        lambda: F.linear(_f64(4, 3), _f64(2, 3), ag.randn(2)),
        lambda T: T.nn.functional.linear(_t64(T, 4, 3), _t64(T, 2, 3), _t32(T, 2)),
        ["linear:", "self and mat2 must have the same dtype, but got Float and Double",
         "bias dtype float32"]),
    "F.linear_bias_1d": (
        lambda: F.linear(_f64(3), _f64(2, 3), ag.randn(2)),
        lambda T: T.nn.functional.linear(_t64(T, 3), _t64(T, 2, 3), _t32(T, 2)),
        ["linear:"]),
    "Conv1d": (
        lambda: nn.Conv1d(2, 3, 3)(_f64(1, 2, 5)),
        lambda T: T.nn.Conv1d(2, 3, 3)(_t64(T, 1, 2, 5)),
        ["Conv1d:", "Input type (double) and bias type (float) should be the same",
         "input dtype float64", "bias dtype float32"]),
    "Conv2d": (
        lambda: nn.Conv2d(2, 3, 3)(_f64(1, 2, 5, 5)),
        lambda T: T.nn.Conv2d(2, 3, 3)(_t64(T, 1, 2, 5, 5)),
        ["Conv2d:", "float64"]),
    "Conv2d_unbatched_no_bias": (
        lambda: nn.Conv2d(2, 3, 3, bias=False)(_f64(2, 5, 5)),
        lambda T: T.nn.Conv2d(2, 3, 3, bias=False)(_t64(T, 2, 5, 5)),
        ["Conv2d:", "expected scalar type Double but found Float", "weight dtype float32"]),
    "Conv2d_reflect": (
        lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")(_f64(1, 2, 5, 5)),
        lambda T: T.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")(
            _t64(T, 1, 2, 5, 5)),
        ["Conv2d:"]),
    "Conv2d_int": (
        lambda: nn.Conv2d(2, 3, 3)(_i64(1, 2, 5, 5)),
        lambda T: T.nn.Conv2d(2, 3, 3)(T.ones(1, 2, 5, 5, dtype=T.int64)),
        ["Conv2d:", "(long int)", "int64"]),
    "F.conv2d_weight": (
        lambda: F.conv2d(_f64(1, 2, 5, 5), ag.randn(3, 2, 3, 3), _f64(3)),
        lambda T: T.nn.functional.conv2d(_t64(T, 1, 2, 5, 5), _t32(T, 3, 2, 3, 3),
                                         _t64(T, 3)),
        ["conv2d:", "expected scalar type Double but found Float"]),
    "F.conv1d_bias": (
        lambda: F.conv1d(_f64(1, 2, 5), _f64(3, 2, 3), ag.randn(3)),
        lambda T: T.nn.functional.conv1d(_t64(T, 1, 2, 5), _t64(T, 3, 2, 3), _t32(T, 3)),
        ["conv1d:", "bias type (float)"]),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d(2, 3, 3)(_f64(1, 2, 5, 5)),
        lambda T: T.nn.ConvTranspose2d(2, 3, 3)(_t64(T, 1, 2, 5, 5)),
        ["ConvTranspose2d:", "expected scalar type Double but found Float",
         "input dtype float64", "weight dtype float32"]),
    "F.conv_transpose2d": (
        lambda: F.conv_transpose2d(ag.randn(1, 2, 5, 5), _f64(2, 3, 3, 3)),
        lambda T: T.nn.functional.conv_transpose2d(_t32(T, 1, 2, 5, 5), _t64(T, 2, 3, 3, 3)),
        ["conv_transpose2d:", "expected scalar type Float but found Double"]),
    "BatchNorm1d": (
        lambda: nn.BatchNorm1d(3)(_f64(4, 3)),
        lambda T: T.nn.BatchNorm1d(3)(_t64(T, 4, 3)),
        ["BatchNorm1d:", "mixed dtype", "input dtype float64", "weight dtype float32"]),
    "BatchNorm2d_eval_no_affine": (
        lambda: nn.BatchNorm2d(3, affine=False).eval()(_f64(2, 3, 2, 2)),
        lambda T: T.nn.BatchNorm2d(3, affine=False).eval()(_t64(T, 2, 3, 2, 2)),
        ["BatchNorm2d:", "running_mean dtype float32"]),
    "BatchNorm1d_int": (
        lambda: nn.BatchNorm1d(3)(_i64(4, 3)),
        lambda T: T.nn.BatchNorm1d(3)(T.ones(4, 3, dtype=T.int64)),
        ["BatchNorm1d:", "\"batch_norm\" not implemented for 'Long'"]),
    "F.batch_norm": (
        lambda: F.batch_norm(_f64(4, 3), ag.zeros(3), ag.ones(3), training=True),
        lambda T: T.nn.functional.batch_norm(_t64(T, 4, 3), T.zeros(3), T.ones(3),
                                             training=True),
        ["batch_norm:", "running_mean dtype float32"]),
    "LayerNorm": (
        lambda: nn.LayerNorm(3)(_f64(4, 3)),
        lambda T: T.nn.LayerNorm(3)(_t64(T, 4, 3)),
        ["LayerNorm:", "mixed dtype", "input dtype float64", "weight dtype float32"]),
    "LayerNorm_no_bias": (
        lambda: nn.LayerNorm(3, bias=False)(_f64(4, 3)),
        lambda T: T.nn.LayerNorm(3, bias=False)(_t64(T, 4, 3)),
        ["LayerNorm:"]),
    "F.layer_norm_bias": (
        lambda: F.layer_norm(ag.randn(4, 3), (3,), None, _f64(3)),
        lambda T: T.nn.functional.layer_norm(_t32(T, 4, 3), (3,), None, _t64(T, 3)),
        ["layer_norm:", "bias dtype float64"]),
    "LayerNorm_int_no_affine": (
        lambda: nn.LayerNorm(3, elementwise_affine=False)(_i64(4, 3)),
        lambda T: T.nn.LayerNorm(3, elementwise_affine=False)(T.ones(4, 3, dtype=T.int64)),
        ["LayerNorm:", "not implemented for 'Long'"]),
    "RNN": (
        lambda: nn.RNN(3, 4)(_f64(5, 2, 3)),
        lambda T: T.nn.RNN(3, 4)(_t64(T, 5, 2, 3)),
        ["RNN:", "input dtype (float64) does not match weight dtype (float32)",
         "input.to(ag.float32)", "model.to(ag.float64)"]),
    "LSTM_unbatched": (
        lambda: nn.LSTM(3, 4)(_f64(5, 3)),
        lambda T: T.nn.LSTM(3, 4)(_t64(T, 5, 3)),
        ["LSTM:", "float64", "float32"]),
    "GRU_double_float_input": (
        lambda: nn.GRU(3, 4, batch_first=True).double()(ag.randn(2, 5, 3)),
        lambda T: T.nn.GRU(3, 4, batch_first=True).double()(_t32(T, 2, 5, 3)),
        ["GRU:", "input dtype (float32) does not match weight dtype (float64)"]),
    "LSTM_int": (
        lambda: nn.LSTM(3, 4)(_i64(5, 2, 3)),
        lambda T: T.nn.LSTM(3, 4)(T.ones(5, 2, 3, dtype=T.int64)),
        ["LSTM:", "int64"]),
    "GRU_h0": (
        lambda: nn.GRU(3, 4)(ag.randn(5, 2, 3), _f64(1, 2, 4)),
        lambda T: T.nn.GRU(3, 4)(_t32(T, 5, 2, 3), _t64(T, 1, 2, 4)),
        ["GRU:", "hx", "float64"]),
    "RNNCell": (
        lambda: nn.RNNCell(3, 4)(_f64(2, 3)),
        lambda T: T.nn.RNNCell(3, 4)(_t64(T, 2, 3)),
        ["RNNCell:", "mat1 and mat2 must have the same dtype", "input dtype float64",
         "weight_ih dtype float32"]),
    "RNNCell_relu": (
        lambda: nn.RNNCell(3, 4, nonlinearity="relu")(_f64(3)),
        lambda T: T.nn.RNNCell(3, 4, nonlinearity="relu")(_t64(T, 3)),
        ["RNNCell:"]),
    "LSTMCell": (
        lambda: nn.LSTMCell(3, 4)(_f64(2, 3)),
        lambda T: T.nn.LSTMCell(3, 4)(_t64(T, 2, 3)),
        ["LSTMCell:"]),
    "GRUCell_no_bias": (
        lambda: nn.GRUCell(3, 4, bias=False)(_f64(2, 3)),
        lambda T: T.nn.GRUCell(3, 4, bias=False)(_t64(T, 2, 3)),
        ["GRUCell:"]),
    "GRUCell_hx": (
        lambda: nn.GRUCell(3, 4)(ag.randn(2, 3), _f64(2, 4)),
        lambda T: T.nn.GRUCell(3, 4)(_t32(T, 2, 3), _t64(T, 2, 4)),
        ["GRUCell:", "hx dtype float64", "input dtype float32"]),
    "LSTMCell_h": (
        lambda: nn.LSTMCell(3, 4)(ag.randn(2, 3), (_f64(2, 4), ag.randn(2, 4))),
        lambda T: T.nn.LSTMCell(3, 4)(_t32(T, 2, 3), (_t64(T, 2, 4), _t32(T, 2, 4))),
        ["LSTMCell:", "h dtype float64"]),
    "F.gru_cell": (
        lambda: F.gru_cell(_f64(2, 3), _f64(2, 4), ag.randn(12, 3), ag.randn(12, 4)),
        lambda T: T.gru_cell(_t64(T, 2, 3), _t64(T, 2, 4), _t32(T, 12, 3), _t32(T, 12, 4)),
        ["gru_cell:", "weight_ih dtype float32"]),
    "MultiheadAttention": (
        lambda: _self_attention(nn.MultiheadAttention(4, 2), _f64(3, 2, 4)),
        lambda T: _self_attention(T.nn.MultiheadAttention(4, 2), _t64(T, 3, 2, 4)),
        ["MultiheadAttention:", "query dtype float64", "in_proj_weight dtype float32"]),
    "MultiheadAttention_key": (
        lambda: nn.MultiheadAttention(4, 2)(ag.randn(3, 2, 4), _f64(3, 2, 4), _f64(3, 2, 4)),
        lambda T: T.nn.MultiheadAttention(4, 2)(_t32(T, 3, 2, 4), _t64(T, 3, 2, 4),
                                                _t64(T, 3, 2, 4)),
        ["MultiheadAttention:", "key dtype float64", "in_proj_weight dtype float32"]),
    "MultiheadAttention_kdim": (
        lambda: nn.MultiheadAttention(4, 2, kdim=3, vdim=3)(ag.randn(3, 2, 4),
                                                             _f64(3, 2, 3), _f64(3, 2, 3)),
        lambda T: T.nn.MultiheadAttention(4, 2, kdim=3, vdim=3)(
            _t32(T, 3, 2, 4), _t64(T, 3, 2, 3), _t64(T, 3, 2, 3)),
        ["MultiheadAttention:", "k_proj_weight dtype float32"]),
    "MultiheadAttention_no_weights": (
        lambda: _self_attention(nn.MultiheadAttention(4, 2, batch_first=True), _f64(3, 2, 4),
                                need_weights=False),
        lambda T: _self_attention(T.nn.MultiheadAttention(4, 2, batch_first=True),
                                  _t64(T, 3, 2, 4), need_weights=False),
        ["MultiheadAttention:", "float64"]),
    "mask_with_weights": (
        lambda: _self_attention(nn.MultiheadAttention(4, 2).double(), _f64(3, 2, 4),
                                attn_mask=ag.zeros(3, 3)),
        lambda T: _self_attention(T.nn.MultiheadAttention(4, 2).double(), _t64(T, 3, 2, 4),
                                  attn_mask=T.zeros(3, 3)),
        ["MultiheadAttention:", "attn_mask dtype float32", "query dtype float64"]),
    "mask_f64_with_f32_query": (
        lambda: _self_attention(nn.MultiheadAttention(4, 2), ag.randn(3, 2, 4),
                                attn_mask=_f64(3, 3), need_weights=False),
        lambda T: _self_attention(T.nn.MultiheadAttention(4, 2), _t32(T, 3, 2, 4),
                                  attn_mask=_t64(T, 3, 3), need_weights=False),
        ["MultiheadAttention:", "attn_mask dtype float64"]),
    "key_padding_mask": (
        lambda: _self_attention(nn.MultiheadAttention(4, 2), ag.randn(3, 2, 4),
                                key_padding_mask=_f64(2, 3)),
        lambda T: _self_attention(T.nn.MultiheadAttention(4, 2), _t32(T, 3, 2, 4),
                                  key_padding_mask=_t64(T, 2, 3)),
        ["MultiheadAttention:", "key_padding_mask dtype float64"]),
    "sdpa": (
        lambda: F.scaled_dot_product_attention(ag.randn(2, 3, 4), _f64(2, 3, 4),
                                               _f64(2, 3, 4)),
        lambda T: T.nn.functional.scaled_dot_product_attention(
            _t32(T, 2, 3, 4), _t64(T, 2, 3, 4), _t64(T, 2, 3, 4)),
        ["scaled_dot_product_attention:", "Expected query, key, and value to have the same "
         "dtype", "query.dtype: float32", "key.dtype: float64"]),
    "sdpa_value": (
        lambda: F.scaled_dot_product_attention(ag.randn(2, 3, 4), ag.randn(2, 3, 4),
                                               _f64(2, 3, 4)),
        lambda T: T.nn.functional.scaled_dot_product_attention(
            _t32(T, 2, 3, 4), _t32(T, 2, 3, 4), _t64(T, 2, 3, 4)),
        ["value.dtype: float64"]),
    "sdpa_mask": (
        lambda: F.scaled_dot_product_attention(ag.randn(2, 3, 4), ag.randn(2, 3, 4),
                                               ag.randn(2, 3, 4), attn_mask=_f64(3, 3)),
        lambda T: T.nn.functional.scaled_dot_product_attention(
            _t32(T, 2, 3, 4), _t32(T, 2, 3, 4), _t32(T, 2, 3, 4), attn_mask=_t64(T, 3, 3)),
        ["scaled_dot_product_attention:", "attn_mask dtype float64", "query dtype float32"]),
    "TransformerEncoderLayer": (
        lambda: nn.TransformerEncoderLayer(4, 2, 8)(_f64(3, 2, 4)),
        lambda T: T.nn.TransformerEncoderLayer(4, 2, 8)(_t64(T, 3, 2, 4)),
        ["TransformerEncoderLayer:", "src dtype float64",
         "self_attn.in_proj_weight dtype float32"]),
    "TransformerEncoderLayer_norm_first_eval": (
        lambda: nn.TransformerEncoderLayer(4, 2, 8, norm_first=True).eval()(_f64(3, 2, 4)),
        lambda T: T.nn.TransformerEncoderLayer(4, 2, 8, norm_first=True).eval()(
            _t64(T, 3, 2, 4)),
        ["TransformerEncoderLayer:", "float64"]),
    "TransformerEncoderLayer_mask": (
        lambda: nn.TransformerEncoderLayer(4, 2, 8)(ag.randn(3, 2, 4), src_mask=_f64(3, 3)),
        lambda T: T.nn.TransformerEncoderLayer(4, 2, 8)(_t32(T, 3, 2, 4),
                                                        src_mask=_t64(T, 3, 3)),
        ["TransformerEncoderLayer:", "src_mask dtype float64", "query dtype float32"]),
}


@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_dtype_mismatch_raises_like_torch(torch, name):
    ours, theirs, words = DTYPE_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (torch's notes on its fast paths)
        with pytest.raises(Exception) as expected:
            theirs(torch)
    with pytest.raises(type(expected.value)) as got:
        ours()
    message = str(got.value)
    for word in words:
        assert word in message, (word, message)


def test_same_dtype_modules_keep_working(torch):
    # float64 modules with float64 input, float32 with float32: no error, the input's dtype
    x64 = _f64(3, 2, 4)
    for module in (nn.Linear(4, 2), nn.LayerNorm(4), nn.LSTM(4, 3), nn.GRUCell(4, 3),
                   nn.MultiheadAttention(4, 2), nn.TransformerEncoderLayer(4, 2, 8)):
        for x in (x64.float(), x64):
            module.to(x.dtype)
            args = (x, x, x) if isinstance(module, nn.MultiheadAttention) else (x[0],) \
                if isinstance(module, nn.GRUCell) else (x,)
            out = module(*args)
            out = out[0] if isinstance(out, tuple) else out
            assert out.dtype == x.dtype, type(module).__name__
    conv = nn.Conv2d(2, 3, 3).double()
    assert conv(_f64(1, 2, 5, 5)).dtype == ag.float64
    bn = nn.BatchNorm2d(2).double()
    assert bn(_f64(2, 2, 3, 3)).dtype == ag.float64


def test_lstm_cell_promotes_a_float64_cell_state_like_torch(torch):
    # c never meets a weight in a product: PyTorch promotes it (and so h') to float64
    h, c = nn.LSTMCell(3, 4)(ag.randn(2, 3), (ag.randn(2, 4), _f64(2, 4)))
    ht, ct = torch.nn.LSTMCell(3, 4)(torch.randn(2, 3),
                                     (torch.randn(2, 4), torch.randn(2, 4, dtype=torch.float64)))
    assert (h.dtype, c.dtype) == (ag.float64, ag.float64)
    assert (ht.dtype, ct.dtype) == (torch.float64, torch.float64)


def test_masks_of_float32_with_a_float64_query_match_torch(torch):
    # scaled_dot_product_attention (and so the attention without weights) takes a float32
    # mask for any query, cast to the query's dtype, as PyTorch does
    rng = np.random.default_rng(3)
    mask = rng.standard_normal((3, 3)).astype(np.float32)
    ours, theirs = nn.MultiheadAttention(4, 2), torch.nn.MultiheadAttention(4, 2)
    _copy_state(torch, ours, theirs)
    x = rng.standard_normal((3, 2, 4))
    ya, _ = ours(_t(x), _t(x), _t(x), attn_mask=ag.tensor(mask), need_weights=False)
    xt = torch.tensor(x)
    yt, _ = theirs(xt, xt, xt, attn_mask=torch.tensor(mask), need_weights=False)
    assert ya.dtype == ag.float64
    _close(ya, yt)


def test_conv_transpose2d_casts_a_bias_of_another_dtype_like_torch(torch):
    # PyTorch checks the weight only: a float64 bias is cast to the float32 input's dtype
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(3)
    ours = F.conv_transpose2d(ag.tensor(x), ag.tensor(w), _t(b, requires_grad=True), stride=2)
    theirs = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(w),
                                                  torch.tensor(b), stride=2)
    assert ours.dtype == ag.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, atol=1e-5)


# --- inplace=True ---

INPLACE = [
    ("ReLU", lambda ip: nn.ReLU(inplace=ip), lambda t: t.nn.ReLU(inplace=True)),
    ("LeakyReLU", lambda ip: nn.LeakyReLU(0.2, inplace=ip),
     lambda t: t.nn.LeakyReLU(0.2, inplace=True)),
    ("ELU", lambda ip: nn.ELU(0.7, inplace=ip), lambda t: t.nn.ELU(0.7, inplace=True)),
    ("F.relu", lambda ip: lambda x: F.relu(x, inplace=ip),
     lambda t: lambda x: t.nn.functional.relu(x, inplace=True)),
    ("F.leaky_relu", lambda ip: lambda x: F.leaky_relu(x, 0.3, inplace=ip),
     lambda t: lambda x: t.nn.functional.leaky_relu(x, 0.3, inplace=True)),
    ("F.elu", lambda ip: lambda x: F.elu(x, 1.5, inplace=ip),
     lambda t: lambda x: t.nn.functional.elu(x, 1.5, inplace=True)),
]
INPLACE_IDS = [case[0] for case in INPLACE]


@pytest.mark.parametrize("name, make, make_torch", INPLACE, ids=INPLACE_IDS)
def test_inplace_activation_matches_torch(torch, name, make, make_torch):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4)) * 2
    a[0, :2] = 0.0  # the kink: x = 0 takes the negative side's slope, as in PyTorch
    g = rng.standard_normal((3, 4))
    aa = _t(a, requires_grad=True)
    at = torch.tensor(a, requires_grad=True)
    xa, xt = aa * 1.5, at * 1.5  # non-leaf inputs
    ya, yt = make(True)(xa), make_torch(torch)(xt)
    assert ya is xa and yt is xt
    _close(xa, xt, "the input is overwritten")
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    _close(aa.grad, at.grad, "gradient through the in-place op")
    # the same values and gradient as the out-of-place form
    bb = _t(a, requires_grad=True)
    y = make(False)(bb * 1.5)
    (y * _t(g)).sum().backward()
    _close(ya, y.data)
    _close(bb.grad, aa.grad.data)


@pytest.mark.parametrize("name, make, make_torch", INPLACE, ids=INPLACE_IDS)
def test_inplace_activation_on_a_leaf_that_requires_grad_raises_like_torch(
        torch, name, make, make_torch):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        make_torch(torch)(torch.ones(3, requires_grad=True))
    leaf = ag.tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"(relu|elu)\(inplace=True\): a leaf Variable that "
                                           "requires grad is being used in an in-place "
                                           "operation"):
        make(True)(leaf)
    np.testing.assert_array_equal(leaf.data, [-1.0, 2.0])  # untouched
    # a plain tensor, or a leaf under no_grad, is overwritten
    expected = make(False)(ag.tensor([-1.0, 2.0])).data
    x = ag.tensor([-1.0, 2.0])
    assert make(True)(x) is x
    np.testing.assert_array_equal(x.data, expected)
    with ag.no_grad():
        assert make(True)(leaf) is leaf
    np.testing.assert_array_equal(leaf.data, expected)


def test_inplace_on_a_value_saved_for_backward_raises_like_torch(torch):
    # exp saves its output: overwriting it makes backward refuse, in both libraries
    a = ag.tensor([0.5, -1.0], requires_grad=True)
    x = a.exp()
    F.relu(x, inplace=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        x.sum().backward()
    at = torch.tensor([0.5, -1.0], requires_grad=True)
    xt = at.exp()
    torch.nn.functional.relu(xt, inplace=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        xt.sum().backward()


def test_inplace_relu_in_a_model_matches_torch(torch):
    ours = nn.Sequential(nn.Linear(4, 5), nn.ReLU(inplace=True), nn.Linear(5, 3),
                         nn.ELU(inplace=True), nn.Linear(3, 2), nn.LeakyReLU(inplace=True))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(inplace=True),
                                 torch.nn.Linear(5, 3), torch.nn.ELU(inplace=True),
                                 torch.nn.Linear(3, 2), torch.nn.LeakyReLU(inplace=True))
    assert repr(ours) == repr(theirs)
    _copy_state(torch, ours, theirs)
    x = np.random.default_rng(6).standard_normal((7, 4))
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    _close(ya, yt)
    ya.sum().backward()
    yt.sum().backward()
    _close(xa.grad, xt.grad)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        _close(p.grad, q.grad, name)
    _close(xa, xt, "the model's input is not touched")


@pytest.mark.parametrize("functional", [False, True])
def test_inplace_dropout_writes_into_its_input(torch, functional):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((6, 5)) + 3.0
    g = rng.standard_normal((6, 5))

    def drop(x, inplace):
        if functional:
            return F.dropout(x, 0.4, training=True, inplace=inplace)
        return nn.Dropout(0.4, inplace=inplace)(x)

    ag.manual_seed(1)
    ref = _t(a, requires_grad=True)
    y_ref = drop(ref * 1.0, False)
    (y_ref * _t(g)).sum().backward()
    ag.manual_seed(1)
    aa = _t(a, requires_grad=True)
    x = aa * 1.0
    y = drop(x, True)
    assert y is x
    _close(x, y_ref.data, "the same mask as out of place")
    (y * _t(g)).sum().backward()
    _close(aa.grad, ref.grad.data)
    kept = x.data != 0
    np.testing.assert_allclose(aa.grad.data[kept], g[kept] / 0.6, rtol=1e-12)
    # the leaf error, as torch's
    with pytest.raises(RuntimeError, match="dropout\\(inplace=True\\): a leaf Variable"):
        drop(_t(a, requires_grad=True), True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        torch.nn.functional.dropout(torch.ones(3, requires_grad=True), 0.4, True, True)


def test_inplace_dropout_as_identity_returns_the_input_untouched(torch):
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    assert F.dropout(leaf, 0.5, training=False, inplace=True) is leaf
    assert F.dropout(leaf, 0.0, training=True, inplace=True) is leaf
    assert nn.Dropout(0.5, inplace=True).eval()(leaf) is leaf
    np.testing.assert_array_equal(leaf.data, [1.0, 2.0])
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    assert torch.nn.functional.dropout(t, 0.5, training=False, inplace=True) is t
    # p = 1 zeroes the input itself
    x = ag.tensor([1.0, 2.0])
    assert F.dropout(x, 1.0, inplace=True) is x
    np.testing.assert_array_equal(x.data, [0.0, 0.0])


def test_elu_slope_at_zero_is_alpha_like_torch(torch):
    x = _t([0.0, -1e-3, 1e-3], requires_grad=True)
    F.elu(x, 0.7).sum().backward()
    xt = torch.tensor([0.0, -1e-3, 1e-3], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.elu(xt, 0.7).sum().backward()
    _close(x.grad, xt.grad)


# --- ConvTranspose2d(output_size=...) ---

OUTPUT_SIZE = [
    # (kwargs, input shape, output_size)
    ({"stride": 2}, (2, 2, 4, 5), (9, 11)),
    ({"stride": 2}, (2, 2, 4, 5), [10, 12]),
    ({"stride": 2, "padding": 1}, (1, 2, 4, 4), (1, 3, 8, 8)),
    ({"stride": 3}, (1, 2, 3, 4), (9, 14)),
    ({"stride": 3}, (1, 2, 3, 4), [1, 3, 11, 12]),
    ({"stride": (2, 3), "padding": (1, 0), "dilation": 2}, (2, 2, 3, 3), (8, 13)),
    ({"stride": 2, "dilation": 3, "output_padding": 1}, (1, 2, 3, 3), (11, 11)),
    ({"stride": 2}, (2, 4, 5), (9, 12)),  # unbatched, spatial size
    ({"stride": 3, "padding": 1}, (2, 3, 3), [3, 8, 9]),  # unbatched, (C, H, W)
    ({"stride": 2, "groups": 2}, (1, 2, 3, 3), (8, 7)),
]


@pytest.mark.parametrize("kwargs, shape, output_size", OUTPUT_SIZE)
def test_conv_transpose2d_output_size_matches_torch(torch, kwargs, shape, output_size):
    rng = np.random.default_rng(8)
    ours = nn.ConvTranspose2d(2, 4 if kwargs.get("groups") else 3, 3, **kwargs)
    theirs = torch.nn.ConvTranspose2d(2, 4 if kwargs.get("groups") else 3, 3, **kwargs)
    _copy_state(torch, ours, theirs)
    x = rng.standard_normal(shape)
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa, output_size=output_size), theirs(xt, output_size=output_size)
    assert ya.shape[-2:] == tuple(output_size)[-2:]
    _close(ya, yt)
    g = rng.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    _close(xa.grad, xt.grad)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        _close(p.grad, q.grad, name)


@pytest.mark.parametrize("shape, output_size", [
    ((1, 2, 4, 4), (8, 9)), ((1, 2, 4, 4), (11, 9)), ((1, 2, 4, 4), [1, 3, 9, 11]),
])
def test_conv_transpose2d_impossible_output_size_raises_like_torch(torch, shape, output_size):
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    with pytest.raises(ValueError) as expected:
        theirs(torch.zeros(shape), output_size=output_size)
    head = str(expected.value).split(" (for an input of")[0]
    head = head.replace(str(tuple(output_size)[-2:]), str(list(output_size)[-2:]))
    with pytest.raises(ValueError, match="^ConvTranspose2d: " + re.escape(head)
                       + r" \(for an input of \(4, 4\)\)$"):
        ours(ag.zeros(*shape), output_size=output_size)


@pytest.mark.parametrize("shape, output_size", [
    ((1, 2, 4, 4), (1, 9)), ((1, 2, 4, 4), (9,)), ((2, 4, 4), (1, 2, 9, 9)),
])
def test_conv_transpose2d_output_size_of_the_wrong_length_raises_like_torch(
        torch, shape, output_size):
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    with pytest.raises(ValueError) as expected:
        theirs(torch.zeros(shape), output_size=output_size)
    if len(output_size) == 2:  # (1, 9): a spatial size out of range
        assert "requested an output size" in str(expected.value)
        with pytest.raises(ValueError, match="requested an output size of \\[1, 9\\]"):
            ours(ag.zeros(*shape), output_size=output_size)
        return
    with pytest.raises(ValueError, match="^" + re.escape(str(expected.value)) + "$"):
        ours(ag.zeros(*shape), output_size=output_size)


def test_conv_transpose2d_without_output_size_keeps_its_output_padding(torch):
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1)
    assert ours(ag.zeros(1, 2, 4, 4)).shape == (1, 3, 10, 10)
    assert ours(ag.zeros(1, 2, 4, 4), output_size=(9, 9)).shape == (1, 3, 9, 9)
