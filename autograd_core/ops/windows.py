"""Sliding windows: every kernel-sized patch of (N, C, *spatial) as one strided view, the
primitive convolution and pooling are built on, and its adjoint that adds windows back."""

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ShapeError
from ..function import Primitive, export
from ._common import as_tensor, shape_str


def _out_size(spatial, kernel_size, stride, dilation):
    """Windows per spatial dim: floor((L - dilation * (k - 1) - 1) / stride) + 1."""
    return tuple((n - d * (k - 1) - 1) // s + 1
                 for n, k, s, d in zip(spatial, kernel_size, stride, dilation))


def _window_view(x, kernel_size, stride, dilation, out, writeable=False):
    """x (*lead, *spatial) seen as (*lead, *out, *kernel_size): no copy, only new strides."""
    nd = len(kernel_size)
    lead, spatial = x.strides[:-nd], x.strides[-nd:]
    strides = (lead + tuple(a * s for a, s in zip(spatial, stride))
               + tuple(a * d for a, d in zip(spatial, dilation)))
    return as_strided(x, x.shape[:-nd] + out + kernel_size, strides, writeable=writeable)


def _overlap_free(out, kernel_size, stride, dilation):
    """True when no input element lies in two windows (nor twice in one window).

    Along a dim, windows o1, o2 and offsets k1, k2 hit the same element when
    (o1 - o2) * stride == (k2 - k1) * dilation; the smallest nonzero solution is
    |o1 - o2| = dilation / g, |k2 - k1| = stride / g with g = gcd(stride, dilation)."""
    for o, k, s, d in zip(out, kernel_size, stride, dilation):
        g = math.gcd(s, d)
        if d // g <= o - 1 and s // g <= k - 1:
            return False
    return True


class SlidingWindows(Primitive):
    """y[n, c, *i, *k] = x[n, c, *(i * stride + k * dilation)] (a read-only view of x);
    dx = AddWindows(gy): each window's gradient added back where the window was read."""

    __slots__ = ("kernel_size", "stride", "dilation")
    save_inputs = False
    is_view = True

    def __init__(self, kernel_size, stride, dilation):
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation

    def forward(self, x):
        k, s, d = self.kernel_size, self.stride, self.dilation
        # read-only: the windows overlap, so a write through one would show up in others
        return _window_view(x, k, s, d, _out_size(x.shape[-len(k):], k, s, d))

    def backward(self, gy):
        return self.F.apply(AddWindows, gy, kernel_size=self.kernel_size, stride=self.stride,
                            dilation=self.dilation, shape=self.in_shapes[0])


class AddWindows(Primitive):
    """y = zeros(shape) with each window g[n, c, *i] added at the place it covers, the adjoint
    of SlidingWindows;  dg = SlidingWindows(gy)."""

    __slots__ = ("kernel_size", "stride", "dilation", "shape")
    save_inputs = False

    def __init__(self, kernel_size, stride, dilation, shape):
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        self.shape = shape

    def forward(self, g):
        k, s, d = self.kernel_size, self.stride, self.dilation
        nd = len(k)
        out = g.shape[-2 * nd:-nd]
        n_offsets, n_windows = math.prod(k), math.prod(out)
        if _overlap_free(out, k, s, d) and (n_offsets > n_windows or n_offsets >= 16):
            # disjoint windows, few of them or large ones: one copy through the strided view
            # beats a pass per kernel offset (global pooling, stride == kernel_size >= 4)
            gx = np.zeros(self.shape, dtype=g.dtype)
            _window_view(gx, k, s, d, out, writeable=True)[...] = g
            return gx
        # one pass per kernel offset, each adding a whole strided slice: the loop runs
        # prod(kernel_size) times, never over pixels (np.add.at measured ~7x slower).
        # The leading dims of gx are laid out in g's memory order (a convolution hands g
        # over channel-major), so each pass reads and writes memory in the same order.
        n_lead = g.ndim - 2 * nd
        order = sorted(range(n_lead), key=lambda a: -g.strides[a])
        gx = np.zeros(tuple(self.shape[a] for a in order) + self.shape[n_lead:], g.dtype)
        if order != list(range(n_lead)):
            gx = gx.transpose(tuple(np.argsort(order)) + tuple(range(n_lead, g.ndim - nd)))
        lead = (slice(None),) * n_lead
        for offset in itertools.product(*map(range, k)):
            place = tuple(slice(j * dj, j * dj + sj * (oj - 1) + 1, sj)
                          for j, oj, sj, dj in zip(offset, out, s, d))
            part = gx[lead + place]
            part += g[(Ellipsis,) + offset]  # in place through the view: no write-back copy
        return gx

    def backward(self, gy):
        return self.F.apply(SlidingWindows, gy, kernel_size=self.kernel_size,
                            stride=self.stride, dilation=self.dilation)


def _int_tuple(value, n, name):
    """An int, or a sequence of n ints (one per spatial dim) -> a tuple of n ints >= 1."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        raise TypeError(f"sliding_windows: {name} must be an int or a tuple of ints, "
                        f"got {value!r}")
    items = tuple(int(v) for v in items)
    if len(items) != n:
        raise ValueError(f"sliding_windows: {name} {items} must have one entry per spatial "
                         f"dim ({n})")
    if any(v < 1 for v in items):
        raise ValueError(f"sliding_windows: {name} must be at least 1, got {items}")
    return items


@export
def sliding_windows(input, kernel_size, stride=1, dilation=1):
    """All windows of the spatial dims: (N, C, *spatial) -> (N, C, *out, *kernel_size).

    out[n, c, i, j, ki, kj] = input[n, c, i * stride[0] + ki * dilation[0],
    j * stride[1] + kj * dilation[1]] (likewise for 1 or 3+ spatial dims), with
    out_size = floor((size - dilation * (kernel_size - 1) - 1) / stride) + 1 per dim, as
    in torch's conv and pooling layers. The result is a read-only view of the input;
    padding is not part of it (pad first with `pad`).

    Args:
        kernel_size, stride, dilation: an int for every spatial dim, or one int per dim.
    """
    x = as_tensor(input, "sliding_windows")
    if x.ndim < 3:
        raise ShapeError(f"sliding_windows: input must have shape (N, C, *spatial) with at "
                         f"least one spatial dim, got shape {shape_str(x.shape)}")
    nd = x.ndim - 2
    k = _int_tuple(kernel_size, nd, "kernel_size")
    s = _int_tuple(stride, nd, "stride")
    d = _int_tuple(dilation, nd, "dilation")
    spatial = x.shape[2:]
    span = tuple(dj * (kj - 1) + 1 for kj, dj in zip(k, d))
    if any(a > b for a, b in zip(span, spatial)):
        raise ShapeError(f"sliding_windows: kernel_size {k} with dilation {d} spans {span}, "
                         f"more than the spatial size {shape_str(spatial)} of the input of "
                         f"shape {shape_str(x.shape)}")
    return SlidingWindows.apply(x, kernel_size=k, stride=s, dilation=d)
