"""Convolution and pooling layers: torch parity (outputs, input and parameter gradients)
for every option, gradcheck of the functional forms, errors and empty batches."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import RNG, _pair, _t

CONVS = [
    ("Conv2d", (2, 4, 7, 6), dict(in_channels=4, out_channels=6, kernel_size=3)),
    ("Conv2d", (2, 4, 7, 6), dict(in_channels=4, out_channels=6, kernel_size=(3, 2),
                                  stride=(2, 1), padding=1, dilation=(1, 2), groups=2)),
    ("Conv2d", (1, 3, 6, 6), dict(in_channels=3, out_channels=2, kernel_size=3,
                                  padding="same", dilation=2, bias=False)),
    ("Conv2d", (2, 3, 5, 5), dict(in_channels=3, out_channels=3, kernel_size=2,
                                  padding="valid", groups=3)),
    ("Conv2d", (3, 5, 5), dict(in_channels=3, out_channels=2, kernel_size=2)),  # unbatched
    ("Conv1d", (2, 3, 9), dict(in_channels=3, out_channels=4, kernel_size=3, stride=2,
                               padding=2)),
    ("Conv1d", (2, 4, 8), dict(in_channels=4, out_channels=2, kernel_size=4, padding="same",
                               groups=2)),
    ("ConvTranspose2d", (2, 4, 5, 4), dict(in_channels=4, out_channels=6, kernel_size=3,
                                           stride=2, padding=1, output_padding=1, groups=2)),
    ("ConvTranspose2d", (2, 3, 5, 4), dict(in_channels=3, out_channels=2, kernel_size=3,
                                           stride=(1, 3), padding=(2, 0), dilation=2)),
    ("ConvTranspose2d", (1, 2, 3, 3), dict(in_channels=2, out_channels=1, kernel_size=2,
                                           stride=2, bias=False)),
    # long reductions (N * out pixels >= 16 x C_in * k): the weight gradient is computed
    # transposed (linalg._left_grad), plain and grouped (a batched product)
    ("Conv2d", (4, 2, 12, 12), dict(in_channels=2, out_channels=3, kernel_size=3)),
    ("Conv2d", (4, 4, 12, 12), dict(in_channels=4, out_channels=2, kernel_size=3, groups=2)),
    ("Conv1d", (8, 2, 40), dict(in_channels=2, out_channels=4, kernel_size=3)),
]


@pytest.mark.parametrize("name, shape, kwargs", CONVS)
def test_conv_layers_match_torch(torch, name, shape, kwargs):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert a.shape == tuple(b.shape), k
    assert repr(ours) == repr(theirs)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_a_small_gradient_from_a_long_reduction_is_computed_transposed():
    """_left_grad's fast form: g @ b^T as (b @ g^T)^T (a transposed view) when the result
    is small and the reduction long; the plain product otherwise. Same values either way."""
    from autograd_core.function import NUMPY_OPS
    from autograd_core.ops.linalg import _left_grad

    g, b = RNG.standard_normal((1, 3, 400)), RNG.standard_normal((1, 18, 400))
    fast = _left_grad(NUMPY_OPS, g, b, ag.from_numpy(b))
    assert not fast.flags.c_contiguous  # the transposed form ran
    np.testing.assert_allclose(fast, g @ b.swapaxes(-1, -2), rtol=1e-12)
    short = RNG.standard_normal((3, 40))  # reduction too short for it: the plain product
    other = RNG.standard_normal((18, 40))
    plain = _left_grad(NUMPY_OPS, short, other, ag.from_numpy(other))
    assert plain.flags.c_contiguous


POOLS = [
    ("MaxPool2d", dict(kernel_size=2)),
    ("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("MaxPool2d", dict(kernel_size=(3, 2), stride=(2, 3), dilation=2)),
    ("AvgPool2d", dict(kernel_size=2)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                       count_include_pad=False)),
    ("AvgPool2d", dict(kernel_size=(2, 3), stride=1, divisor_override=4)),
    ("AdaptiveAvgPool2d", dict(output_size=(3, 5))),
    ("AdaptiveAvgPool2d", dict(output_size=1)),
]


@pytest.mark.parametrize("name, kwargs", POOLS)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_pool_layers_match_torch(torch, name, kwargs, shape):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_max_pool_ties_send_the_gradient_to_the_first_maximum_like_torch(torch):
    x = np.maximum(RNG.standard_normal((2, 2, 6, 6)), 0)  # after a ReLU: many tied zeros
    _pair(torch, nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)


def test_max_pool_with_inf_and_nan_matches_torch(torch):
    x = RNG.standard_normal((1, 2, 4, 4))
    x[0, 0, 0, 0], x[0, 0, 2, 3], x[0, 1, 1, 1] = np.inf, -np.inf, np.nan
    for kwargs in [dict(kernel_size=2), dict(kernel_size=2, padding=1)]:
        xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = F.max_pool2d(xa, **kwargs), torch.nn.functional.max_pool2d(xt, **kwargs)
        np.testing.assert_array_equal(ya.data, yt.detach().numpy())
        ya.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(xa.grad.data, xt.grad.numpy())


def test_max_pool_return_indices_match_torch(torch):
    x = RNG.standard_normal((2, 3, 7, 8))
    for kwargs in [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, dilation=2)]:
        _, ours = F.max_pool2d(_t(x), return_indices=True, **kwargs)
        _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x), return_indices=True,
                                                   **kwargs)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_conv2d_passes_gradcheck_over_drawn_shapes(data):
    n, groups = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    c, o = groups * data.draw(st.integers(1, 2)), groups * data.draw(st.integers(1, 2))
    k = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    stride, dilation = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    padding = data.draw(st.integers(0, 1))
    h = data.draw(st.integers(dilation * (k[0] - 1) + 1, 6))
    w = data.draw(st.integers(dilation * (k[1] - 1) + 1, 6))
    x = _t(RNG.standard_normal((n, c, h, w)), requires_grad=True)
    weight = _t(RNG.standard_normal((o, c // groups) + k), requires_grad=True)
    bias = _t(RNG.standard_normal(o), requires_grad=True)

    def fn(x, weight, bias):
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)
    assert ag.gradcheck(fn, [x, weight, bias])


def test_conv_transpose_and_pools_pass_gradcheck_and_gradgradcheck():
    x = _t(RNG.standard_normal((1, 2, 4, 3)), requires_grad=True)
    w = _t(RNG.standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert ag.gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                        output_padding=1), [x, w])
    assert ag.gradgradcheck(lambda x, w: F.conv2d(x, w.transpose(0, 1), padding=1), [x, w])
    assert ag.gradcheck(lambda x: F.avg_pool2d(x, 2, 1, 1, count_include_pad=False), [x])
    assert ag.gradcheck(lambda x: F.max_pool2d(x, 2, 1), [x])
    assert ag.gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [x])


def test_lenet_shapes_and_a_training_step(torch):
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    x = ag.randn(4, 1, 28, 28)
    y = model(x)
    assert y.shape == (4, 10)
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())


def test_conv_errors_name_the_sizes():
    conv = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"expected input of shape \(2, 5, 8, 8\) to have 3 "
                                         "channels"):
        conv(ag.zeros(2, 5, 8, 8))
    with pytest.raises(ValueError, match=r"expected a 3D \(unbatched\) or 4D \(batched\) "
                                         r"input, got shape \(8, 8\)"):
        conv(ag.zeros(8, 8))
    with pytest.raises(ValueError, match="kernel size .* is larger than the padded input"):
        conv(ag.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool2d(ag.zeros(1, 1, 4, 4), 2, padding=2)


def test_empty_batch_gives_an_empty_output():
    assert nn.Conv2d(2, 3, 3, padding=1)(ag.zeros(0, 2, 5, 5)).shape == (0, 3, 5, 5)
    assert nn.MaxPool2d(2)(ag.zeros(0, 2, 4, 4)).shape == (0, 2, 2, 2)


def test_conv_init_bounds_follow_torch():
    ag.manual_seed(1)
    conv = nn.Conv2d(8, 32, 3)
    bound = 1 / np.sqrt(8 * 9)
    assert 0.95 * bound < np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.bias.data).max() <= bound


def _draw_input(data, min_spatial, nd=2):
    n, c = data.draw(st.integers(1, 2), label="N"), data.draw(st.integers(1, 2), label="C")
    spatial = tuple(data.draw(st.integers(min_spatial, 6), label="size") for _ in range(nd))
    return _t(RNG.standard_normal((n, c) + spatial), requires_grad=True)


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_pooling_and_resampling_pass_gradcheck_over_drawn_shapes(data):
    x = _draw_input(data, 3)
    k = data.draw(st.integers(1, 3), label="kernel")
    stride = data.draw(st.integers(1, 3), label="stride")
    padding = data.draw(st.integers(0, k // 2), label="padding")
    ceil_mode = data.draw(st.booleans(), label="ceil_mode")
    out = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    # distinct values a fair way apart: max pooling is differentiable away from ties
    x.data[...] = RNG.permutation(x.data.size).reshape(x.shape) * 0.1
    assert ag.gradcheck(lambda x: F.max_pool2d(x, k, stride, padding, ceil_mode=ceil_mode), [x])
    assert ag.gradcheck(lambda x: F.avg_pool2d(x, k, stride, padding, ceil_mode,
                                               count_include_pad=False), [x])
    assert ag.gradcheck(lambda x: F.adaptive_avg_pool2d(x, out), [x])
    assert ag.gradcheck(lambda x: F.interpolate(x, size=out, mode="bilinear"), [x])


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_conv1d_and_transposed_conv_pass_gradcheck_over_drawn_shapes(data):
    k, stride = data.draw(st.integers(1, 3), label="kernel"), data.draw(st.integers(1, 2))
    x1 = _draw_input(data, k, nd=1)
    w1 = _t(RNG.standard_normal((2, x1.shape[1], k)), requires_grad=True)
    assert ag.gradcheck(lambda x, w: F.conv1d(x, w, stride=stride, padding=k // 2), [x1, w1])
    x2 = _draw_input(data, 1)
    w2 = _t(RNG.standard_normal((x2.shape[1], 2, k, k)), requires_grad=True)
    out_pad = data.draw(st.integers(0, stride - 1), label="output_padding")
    assert ag.gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=stride,
                                                        output_padding=out_pad), [x2, w2])


@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_embedding_and_pad_pass_gradcheck_over_drawn_shapes(data):
    rows = data.draw(st.integers(1, 5), label="rows")
    weight = _t(RNG.standard_normal((rows, 3)), requires_grad=True)
    idx = ag.tensor(RNG.integers(0, rows, data.draw(st.integers(1, 6), label="n")))
    # (no padding_idx here: its row is kept out of training on purpose, so the analytic
    # gradient there is 0 while the numerical one is not; its parity test covers it)
    assert ag.gradcheck(lambda w: F.embedding(idx, w), [weight])
    x = _draw_input(data, 2)
    mode = data.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    widths = tuple(data.draw(st.integers(0, 1)) for _ in range(4))
    assert ag.gradcheck(lambda x: F.pad(x, widths, mode=mode), [x])


# --- padding modes ---

PADDED_CONVS = [
    ("Conv2d", (2, 2, 5, 6), dict(kernel_size=3, padding=1)),
    ("Conv2d", (2, 2, 5, 6), dict(kernel_size=(3, 2), padding=(2, 1), stride=(2, 1))),
    # 'same' with even kernels: the extra column and row go right and bottom
    ("Conv2d", (1, 2, 5, 6), dict(kernel_size=(2, 4), padding="same")),
    ("Conv2d", (2, 2, 6, 7), dict(kernel_size=(2, 3), padding="same", dilation=(3, 2))),
    ("Conv2d", (2, 2, 5, 5), dict(kernel_size=3, padding=1, groups=2, bias=False)),
    ("Conv2d", (2, 5, 6), dict(kernel_size=2, padding=(1, 2), dilation=2)),  # unbatched
    ("Conv2d", (2, 2, 4, 5), dict(kernel_size=3, padding="valid")),
    ("Conv1d", (2, 2, 7), dict(kernel_size=4, padding="same")),
    ("Conv1d", (2, 2, 8), dict(kernel_size=3, padding=2, stride=2, dilation=2)),
    ("Conv1d", (2, 7), dict(kernel_size=3, padding=1)),  # unbatched
]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("name, shape, kwargs", PADDED_CONVS)
def test_conv_padding_modes_match_torch(torch, mode, name, shape, kwargs):
    ours = getattr(nn, name)(2, 4, padding_mode=mode, **kwargs)
    theirs = getattr(torch.nn, name)(2, 4, padding_mode=mode, **kwargs)
    assert repr(ours) == repr(theirs)
    assert ours._reversed_padding_repeated_twice == list(theirs._reversed_padding_repeated_twice)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))
    # the mode is really used: zero padding gives another output (unless nothing is padded)
    if kwargs["padding"] != "valid":
        x = _t(RNG.standard_normal(shape))
        y = ours(x)
        ours.padding_mode = "zeros"
        assert np.abs(y.data - ours(x).data).max() > 1e-6


def test_conv_padding_mode_passes_gradcheck():
    conv = nn.Conv2d(2, 2, (2, 3), padding="same", padding_mode="reflect").double()
    x = _t(RNG.standard_normal((1, 2, 4, 5)), requires_grad=True)
    assert ag.gradcheck(lambda x, w: F.conv2d(
        F.pad(x, conv._reversed_padding_repeated_twice, mode="reflect"), w), [x, conv.weight])
    assert ag.gradcheck(lambda x: conv(x), [x])


def test_conv_padding_mode_errors_match_torch(torch):
    with pytest.raises(ValueError, match="Conv2d: padding_mode must be one of .*'circular'.*, "
                                         "but got padding_mode='wrap'"):
        nn.Conv2d(2, 2, 3, padding_mode="wrap")
    with pytest.raises(ValueError) as theirs:
        torch.nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="^" + re.escape(str(theirs.value)) + "$"):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"reflect padding \(3, 3\) of dim 3 must be between 0 "
                                         "and 2"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(ag.zeros(1, 1, 3, 3))
