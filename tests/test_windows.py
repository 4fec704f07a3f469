"""sliding_windows: values and gradients against a naive loop, its errors, and convolution
and max pooling built from it against torch."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.ops.windows import AddWindows, SlidingWindows, _overlap_free


def _norm(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def _loops(x_shape, k, s, d):
    """(window index, kernel offset, input position) for every element of every window."""
    nd = len(k)
    spatial = x_shape[2:]
    out = tuple((n - dj * (kj - 1) - 1) // sj + 1 for n, kj, sj, dj in zip(spatial, k, s, d))
    for i in np.ndindex(*out):
        for off in np.ndindex(*k):
            yield i, off, tuple(i[j] * s[j] + off[j] * d[j] for j in range(nd))


def naive_windows(x, kernel_size, stride=1, dilation=1):
    nd = x.ndim - 2
    k, s, d = _norm(kernel_size, nd), _norm(stride, nd), _norm(dilation, nd)
    cells = list(_loops(x.shape, k, s, d))
    out = tuple(max(c[0][j] for c in cells) + 1 for j in range(nd))
    y = np.empty(x.shape[:2] + out + k, dtype=x.dtype)
    for i, off, pos in cells:
        y[(slice(None), slice(None)) + i + off] = x[(slice(None), slice(None)) + pos]
    return y


def naive_add_windows(g, x_shape, kernel_size, stride=1, dilation=1):
    nd = len(x_shape) - 2
    k, s, d = _norm(kernel_size, nd), _norm(stride, nd), _norm(dilation, nd)
    gx = np.zeros(x_shape, dtype=g.dtype)
    for i, off, pos in _loops(x_shape, k, s, d):
        gx[(slice(None), slice(None)) + pos] += g[(slice(None), slice(None)) + i + off]
    return gx


CASES = [  # (input shape, kernel_size, stride, dilation)
    ((2, 3, 7), 3, 1, 1),
    ((1, 2, 9), 2, 3, 1),               # stride > kernel: gaps no window reads
    ((2, 1, 10), 3, 2, 2),
    ((2, 3, 5, 6), 3, 1, 1),
    ((1, 2, 6, 6), 2, 2, 1),            # pooling layout: disjoint, touching windows
    ((2, 2, 8, 8), 4, 4, 1),            # disjoint and large: the one-copy backward
    ((1, 1, 4, 5), (4, 5), 1, 1),       # kernel == input: a single window
    ((2, 2, 9, 7), (3, 2), (2, 3), (2, 1)),
    ((1, 2, 7, 7), 2, 4, 1),            # stride > kernel in 2-d
    ((1, 1, 8, 8), 3, 1, 3),            # dilation > 1 with stride 1: windows interleave
    ((1, 2, 4, 5, 6), (2, 3, 2), (1, 2, 3), (2, 1, 1)),
]


@pytest.mark.parametrize("shape, kernel_size, stride, dilation", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_and_gradient_match_naive_loops(shape, kernel_size, stride, dilation, dtype):
    rng = np.random.default_rng(0)
    xd = rng.standard_normal(shape).astype(dtype)
    x = ag.tensor(xd, dtype=dtype, requires_grad=True)
    y = ag.sliding_windows(x, kernel_size, stride=stride, dilation=dilation)
    expected = naive_windows(xd, kernel_size, stride, dilation)
    assert y.shape == expected.shape and y.dtype == dtype
    np.testing.assert_array_equal(y.data, expected)
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(ag.tensor(g, dtype=dtype))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.data, naive_add_windows(g, shape, kernel_size, stride,
                                                              dilation), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, kernel_size, stride, dilation", CASES)
def test_second_derivative_is_the_windows_again(shape, kernel_size, stride, dilation):
    """d(gx)/d(gy) applied to v is sliding_windows(v): the adjoint's backward."""
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal(shape), dtype=ag.float64, requires_grad=True)
    y = ag.sliding_windows(x, kernel_size, stride, dilation)
    gy = ag.tensor(rng.standard_normal(y.shape), dtype=ag.float64, requires_grad=True)
    (gx,) = ag.grad(y, x, gy, create_graph=True)
    assert gx.grad_fn.name == "AddWindowsBackward"
    v = rng.standard_normal(shape)
    (ggy,) = ag.grad(gx, gy, ag.tensor(v, dtype=ag.float64))
    np.testing.assert_array_equal(ggy.data, naive_windows(v, kernel_size, stride, dilation))


def test_both_backward_paths_agree_with_the_loop():
    """AddWindows copies once when windows are disjoint and large, else adds per offset."""
    assert _overlap_free((2, 2), (4, 4), (4, 4), (1, 1))
    assert _overlap_free((3,), (2,), (3,), (1,))            # gaps between windows
    assert _overlap_free((1,), (5,), (1,), (1,))            # one window
    assert not _overlap_free((3,), (3,), (1,), (1,))
    assert not _overlap_free((4,), (2,), (1,), (2,))        # dilated windows interleave
    assert _overlap_free((2,), (2,), (1,), (2,))            # ... but two of them do not
    rng = np.random.default_rng(2)
    for shape, k, s, d in CASES:
        nd = len(shape) - 2
        params = {"kernel_size": _norm(k, nd), "stride": _norm(s, nd), "dilation": _norm(d, nd)}
        g = rng.standard_normal(SlidingWindows(**params).forward(np.empty(shape)).shape)
        gx = AddWindows(shape=shape, **params).forward(g)
        np.testing.assert_allclose(gx, naive_add_windows(g, shape, k, s, d), atol=1e-12)


def test_output_is_a_read_only_view_of_the_input():
    x = ag.randn(2, 3, 6, 6)
    y = ag.sliding_windows(x, 3)
    assert np.shares_memory(y.data, x.data)
    assert not y.data.flags.writeable
    with pytest.raises(RuntimeError, match="read-only"):
        y.add_(1.0)


def test_in_place_change_of_the_input_is_caught_at_backward():
    x = ag.randn(1, 1, 5, 5, requires_grad=True)
    h = x * 2.0
    w = ag.sliding_windows(h, 2)
    loss = (w * w).sum()  # Mul saves the windows, which share h's memory
    with ag.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_non_contiguous_input():
    xd = np.random.default_rng(3).standard_normal((6, 7, 3, 2)).transpose(3, 2, 1, 0)
    assert not xd.flags.c_contiguous
    x = ag.tensor(xd, dtype=ag.float64)
    np.testing.assert_array_equal(ag.sliding_windows(x, (2, 3), stride=(2, 1)).data,
                                  naive_windows(xd, (2, 3), (2, 1)))


def test_method_and_grad_fn_name():
    x = ag.randn(1, 2, 5, requires_grad=True)
    y = x.sliding_windows(2, stride=2)
    assert y.shape == (1, 2, 2, 2)
    assert y.grad_fn.name == "SlidingWindowsBackward"


def test_gradcheck_and_gradgradcheck_2d():
    x = ag.randn(2, 2, 6, 5, dtype=ag.float64, requires_grad=True)
    fn = lambda t: ag.sliding_windows(t, (2, 3), stride=(2, 1), dilation=(2, 1))  # noqa: E731
    assert ag.gradcheck(fn, [x])
    assert ag.gradgradcheck(fn, [x])


# --- errors ---

@pytest.mark.parametrize("shape, kwargs, match", [
    ((4, 4), {"kernel_size": 2},
     r"sliding_windows: input must have shape \(N, C, \*spatial\).*got shape \(4, 4\)"),
    ((1, 1, 4, 4), {"kernel_size": 5},
     r"sliding_windows: kernel_size \(5, 5\) with dilation \(1, 1\) spans \(5, 5\), more "
     r"than the spatial size \(4, 4\) of the input of shape \(1, 1, 4, 4\)"),
    ((1, 1, 4, 4), {"kernel_size": 3, "dilation": 2},
     r"sliding_windows: kernel_size \(3, 3\) with dilation \(2, 2\) spans \(5, 5\)"),
    ((1, 1, 4), {"kernel_size": 0}, r"sliding_windows: kernel_size must be at least 1, got \(0,\)"),
    ((1, 1, 4, 4), {"kernel_size": 2, "stride": (1, 0)},
     r"sliding_windows: stride must be at least 1, got \(1, 0\)"),
    ((1, 1, 4, 4), {"kernel_size": 2, "dilation": 0},
     r"sliding_windows: dilation must be at least 1, got \(0, 0\)"),
    ((1, 1, 4, 4), {"kernel_size": (2, 2, 2)},
     r"sliding_windows: kernel_size \(2, 2, 2\) must have one entry per spatial dim \(2\)"),
])
def test_errors_name_the_op_argument_and_shapes(shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ag.sliding_windows(ag.zeros(*shape), **kwargs)


def test_non_int_kernel_size_is_a_type_error():
    with pytest.raises(TypeError, match=r"sliding_windows: kernel_size must be an int or a "
                                        r"tuple of ints, got 2.5"):
        ag.sliding_windows(ag.zeros(1, 1, 4, 4), 2.5)


# --- convolution and pooling built from it, against torch ---

def _conv2d(x, weight, bias, stride, padding, dilation):
    kh, kw = weight.shape[2:]
    xp = ag.pad(x, (padding, padding, padding, padding))
    win = ag.sliding_windows(xp, (kh, kw), stride=stride, dilation=dilation)
    return ag.einsum("ncijkl,ockl->noij", win, weight) + bias.reshape(1, -1, 1, 1)


def _pair(rng, shape):
    torch = pytest.importorskip("torch")
    a = rng.standard_normal(shape)
    return ag.tensor(a, dtype=ag.float64, requires_grad=True), \
        torch.tensor(a, requires_grad=True)


def test_conv2d_from_windows_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, tx = _pair(rng, (2, 3, 9, 8))
    w, tw = _pair(rng, (4, 3, 3, 2))
    b, tb = _pair(rng, (4,))
    y = _conv2d(x, w, b, stride=2, padding=1, dilation=2)
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1, dilation=2)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(ag.tensor(g, dtype=ag.float64))
    ty.backward(torch.tensor(g))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_from_windows_float32_and_second_order():
    rng = np.random.default_rng(5)
    x = ag.tensor(rng.standard_normal((1, 2, 5, 5)), dtype=ag.float32, requires_grad=True)
    w = ag.tensor(rng.standard_normal((3, 2, 2, 2)), dtype=ag.float32, requires_grad=True)
    b = ag.zeros(3, requires_grad=True)
    y = _conv2d(x, w, b, stride=2, padding=1, dilation=2)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == w.grad.dtype == ag.float32
    x64, w64, b64 = (t.detach().double().requires_grad_() for t in (x, w, b))
    conv = lambda *ts: _conv2d(*ts, stride=2, padding=1, dilation=2)  # noqa: E731
    assert ag.gradgradcheck(conv, [x64, w64, b64])


def _max_pool2d(x, kernel_size, stride, padding):
    xp = ag.pad(x, (padding,) * 4, value=-np.inf)
    return ag.sliding_windows(xp, kernel_size, stride=stride).amax(dim=(-2, -1))


@pytest.mark.parametrize("kernel_size, stride, padding", [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_max_pool2d_from_windows_matches_torch(kernel_size, stride, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a = rng.permutation(2 * 3 * 7 * 8).reshape(2, 3, 7, 8) / 10.0  # distinct: no ties
    x = ag.tensor(a, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = _max_pool2d(x, kernel_size, stride, padding)
    ty = torch.nn.functional.max_pool2d(tx, kernel_size, stride, padding)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    y.backward(ag.tensor(g, dtype=ag.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_large_input_backward_agrees_with_scatter_add():
    """A sanity check at a realistic size (no timing: speed lives in benchmarks/): the
    forward copies nothing and the per-offset backward equals an np.add.at scatter."""
    rng = np.random.default_rng(7)
    x = ag.tensor(rng.standard_normal((8, 16, 32, 32)).astype(np.float32), requires_grad=True)
    y = ag.sliding_windows(x, 3, stride=1)
    assert np.shares_memory(y.data, x.data)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(ag.tensor(g))
    rows = (np.arange(30)[:, None] + np.arange(3))[:, None, :, None]
    cols = (np.arange(30)[:, None] + np.arange(3))[None, :, None, :]
    ref = np.zeros(x.shape, np.float32)
    np.add.at(ref, (slice(None), slice(None), rows, cols), g)
    np.testing.assert_allclose(x.grad.data, ref, rtol=1e-4, atol=1e-4)
