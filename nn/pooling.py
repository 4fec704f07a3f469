"""Pooling (max, average, adaptive, LP; 1-d through the 2-d code with a unit dim) and its
functional forms, from ag.sliding_windows (a strided view of every window) and reductions
over its last dims. Resampling is in resampling.py, the padding layers in padding.py."""

import math

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from .conv import _pad_widths, _tuple
from .module import Module


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op, nd=2):
    """Checked tuples (of nd ints), and the padding (left, right) per dim that gives
    PyTorch's output size, extra right padding included when ceil_mode rounds up."""
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                         f"input, got shape {shape_str(input.shape)}")
    kernel = _tuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None or stride == () else _tuple(stride, nd, "stride", op)
    padding = _tuple(padding, nd, "padding", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: pad should be at most half of effective kernel size, but got "
                         f"pad={padding}, kernel_size={kernel}")
    pairs, out = [], []
    for size, k, s, p, d in zip(input.shape[-nd:], kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        n = (size + 2 * p - span) / s + 1
        n = math.ceil(n) if ceil_mode else math.floor(n)
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1  # the last window would start in the right padding
        if n < 1:
            raise ShapeError(f"{op}: output size is too small for input of shape "
                             f"{shape_str(input.shape)} (kernel {kernel}, stride {stride}, padding "
                             f"{padding}, dilation {dilation})")
        extra = max((n - 1) * s + span - (size + 2 * p), 0)
        pairs.append((p, p + extra))
        out.append(n)
    return kernel, stride, padding, dilation, pairs, tuple(out)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The largest value in each window (padding never wins: it is -inf). Its gradient
    goes to the first largest element of the window, as in PyTorch."""
    geometry = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode,
                              "max_pool2d")
    return _max_pool(input, *geometry, return_indices)


def _unit_dim(geometry):
    """1-d pooling geometry as the 2-d one of a height-1 input (a unit dim at -2)."""
    kernel, stride, padding, dilation, pairs, out = geometry
    return (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation, \
        [(0, 0)] + pairs, (1,) + out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """max_pool2d over the last dim of (N, C, L) or (C, L): the same windows, on a unit
    height."""
    geometry = _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode,
                              "max_pool1d", nd=1)
    out = _max_pool(input.unsqueeze(-2), *_unit_dim(geometry), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def _max_pool(input, kernel, stride, padding, dilation, pairs, out, return_indices):
    """2-d max pooling of (N, C, H, W) or (C, H, W) with checked geometry."""
    x = _pad_widths(input, pairs, value=-math.inf)
    if stride == kernel and dilation == (1, 1) and not return_indices:
        return _max_of_slices(x, kernel, out)
    win = ag.sliding_windows(x.unsqueeze(0) if input.ndim == 3 else x, kernel, stride,
                             dilation)
    if input.ndim == 3:
        win = win.squeeze(0)
    flat = win.reshape(tuple(win.shape[:-2]) + (kernel[0] * kernel[1],))
    values, arg = flat.max(dim=-1)
    if not return_indices:
        return values
    # the winner's position in the unpadded input plane, flattened (PyTorch's indices)
    ki, kj = np.divmod(arg.data, kernel[1])
    rows = np.arange(out[0])[:, None] * stride[0] - padding[0] + ki * dilation[0]
    cols = np.arange(out[1])[None, :] * stride[1] - padding[1] + kj * dilation[1]
    return values, ag.tensor(rows * input.shape[-1] + cols)


def _max_of_slices(x, kernel, out):
    """Max pooling with stride == kernel_size (the common case: windows tile the input):
    the running maximum of the kernel's strided slices, one elementwise step per kernel
    offset. A slice replaces the running max only where it is larger (or NaN), so the
    first maximum of each window wins, as in PyTorch."""
    best = None
    for u in range(kernel[0]):
        for v in range(kernel[1]):
            s = x[..., u:out[0] * kernel[0]:kernel[0], v:out[1] * kernel[1]:kernel[1]]
            if best is None:
                best = s
            else:
                take = (s.data > best.data) | np.isnan(s.data)
                best = ag.where(take, s, best)
    return best


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window; zero padding counts toward the divisor unless
    count_include_pad=False (the part of a ceil_mode window past the padding never does)."""
    geometry = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    return _avg_pool(input, *geometry, count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """avg_pool2d over the last dim of (N, C, L) or (C, L), on a unit height."""
    geometry = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode,
                              "avg_pool1d", nd=1)
    return _avg_pool(input.unsqueeze(-2), *_unit_dim(geometry), count_include_pad,
                     None).squeeze(-2)


def _avg_pool(input, kernel, stride, padding, dilation, pairs, out, count_include_pad,
              divisor_override):
    """2-d average pooling of (N, C, H, W) or (C, H, W) with checked geometry."""
    x = _pad_widths(input, pairs)
    batched = x if input.ndim == 4 else x.unsqueeze(0)
    total = ag.sliding_windows(batched, kernel, stride).sum(dim=(-2, -1))
    if input.ndim == 3:
        total = total.squeeze(0)
    if divisor_override is not None:
        return total / divisor_override
    # per output pixel: how many of its window's elements count
    h, w = input.shape[-2:]
    counted = []
    for size, k, s, p, n in zip((h, w), kernel, stride, padding, out):
        start = np.arange(n) * s - p
        lo, hi = (np.maximum(start, 0), np.minimum(start + k, size)) if not count_include_pad \
            else (start, np.minimum(start + k, size + p))
        counted.append(hi - lo)
    divisor = np.outer(counted[0], counted[1]).astype(input.dtype)
    return total / ag.tensor(divisor, dtype=input.dtype)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size: output cell i covers input rows
    floor(i H / out) .. ceil((i + 1) H / out), as in PyTorch; computed as A_h x A_w^T
    with averaging matrices, so uneven cells cost nothing extra."""
    if input.ndim not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d: expected a 3D or 4D input, got shape "
                         f"{shape_str(input.shape)}")
    sizes = _tuple(output_size, 2, "output_size", "adaptive_avg_pool2d") \
        if not isinstance(output_size, (tuple, list)) or None not in output_size \
        else tuple(s if s is not None else input.shape[-2 + i] for i, s in
                   enumerate(output_size))
    mats = [ag.tensor(_area_weights(size, n), dtype=input.dtype)
            for size, n in zip(input.shape[-2:], sizes)]
    return mats[0] @ input @ mats[1].t()


def _area_weights(size, n):
    """(n, size) averaging matrix of adaptive pooling: row i averages input pixels
    floor(i size / n) .. ceil((i + 1) size / n) - 1."""
    cell = np.arange(n)[:, None]
    lo, hi = (cell * size) // n, -((-(cell + 1) * size) // n)
    pixel = np.arange(size)[None, :]
    return ((pixel >= lo) & (pixel < hi)) / (hi - lo)


def _adaptive_sizes(input, output_size, nd, op):
    """output_size as nd ints (None: the input's size along that dim), input checked."""
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                         f"input, got shape {shape_str(input.shape)}")
    if any(s == 0 for s in input.shape[-nd:]):
        raise ShapeError(f"{op}: expected an input with non-zero spatial sizes, got shape "
                         f"{shape_str(input.shape)}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must be an int or {nd} ints, got {output_size}")
    return tuple(int(input.shape[-nd + i]) if s is None else int(s)
                 for i, s in enumerate(sizes))


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) to output_size cells along L (the cells of
    adaptive_avg_pool2d): one product with the averaging matrix."""
    (n,) = _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d")
    return input @ ag.tensor(_area_weights(input.shape[-1], n), dtype=input.dtype).t()


def _cell_index(size, n):
    """(n, k) input positions of the n adaptive cells over size, k the largest cell; a
    shorter cell repeats its last position (a repeat changes no maximum)."""
    cell = np.arange(n)[:, None]
    lo, hi = (cell * size) // n, -((-(cell + 1) * size) // n)
    k = int((hi - lo).max()) if n else 1
    return np.minimum(lo + np.arange(k)[None, :], hi - 1)


def _adaptive_max_pool(input, sizes, return_indices):
    """The maximum of each adaptive cell over the last len(sizes) dims: each dim gathered
    into (cells, positions) in turn, then a max over all the positions at once."""
    nd, lead = len(sizes), input.ndim - len(sizes)
    spatial = tuple(input.shape[lead:])
    index = [_cell_index(size, n) for size, n in zip(spatial, sizes)]
    x = input
    for i, idx in enumerate(index):  # dim i is at lead + 2 i after the earlier gathers
        x = x[(slice(None),) * (lead + 2 * i) + (ag.tensor(idx),)]
    x = x.permute(tuple(range(lead)) + tuple(lead + 2 * i for i in range(nd))
                  + tuple(lead + 2 * i + 1 for i in range(nd)))
    k = tuple(idx.shape[1] for idx in index)
    values, arg = x.reshape(tuple(x.shape[:lead + nd]) + (int(np.prod(k)),)).max(dim=-1)
    if not return_indices:
        return values
    # the winner's position in the input plane, flattened (PyTorch's indices)
    flat = np.zeros(arg.shape, dtype=np.int64)
    for i, (idx, ki) in enumerate(zip(index, np.unravel_index(arg.data, k))):
        cell = np.arange(sizes[i]).reshape((-1,) + (1,) * (nd - 1 - i))
        flat = flat * spatial[i] + idx[cell, ki]
    return values, ag.tensor(flat)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of (N, C, L) or (C, L) to output_size cells along L; cell i covers
    floor(i L / out) .. ceil((i + 1) L / out) - 1. With return_indices, also the position
    of each maximum along L."""
    sizes = _adaptive_sizes(input, output_size, 1, "adaptive_max_pool1d")
    return _adaptive_max_pool(input, sizes, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size cells (an int, or (h, w),
    None keeping the input's size); with return_indices, also the flattened position
    h * W + w of each maximum, as PyTorch's."""
    sizes = _adaptive_sizes(input, output_size, 2, "adaptive_max_pool2d")
    return _adaptive_max_pool(input, sizes, return_indices)


def _lp_root(out, numel, norm_type):
    """(numel * out)^(1/p), PyTorch's (sign(out) relu(|out|) numel)^(1/p): the value is the
    same, and a window whose power sum is 0 gets a 0 gradient (not inf * 0 = NaN). The root
    is taken at a safe point there, and its constant value at 0 put back."""
    zero = (out.data == 0)
    if not zero.any():
        return (out * numel) ** (1.0 / norm_type)
    safe = ag.where(zero, 1.0, out)
    with np.errstate(divide="ignore"):
        at_zero = np.power(np.zeros((), out.data.dtype), 1.0 / norm_type)
    return ag.where(zero, float(at_zero), (safe * numel) ** (1.0 / norm_type))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p), p = norm_type, over the last dim; p = inf is
    the max of |x|, p = -inf the min of |x| (PyTorch's special cases)."""
    (k,) = _tuple(kernel_size, 1, "kernel_size", "lp_pool1d")
    if isinstance(norm_type, (int, float)):
        if norm_type == math.inf:
            return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -math.inf:
            return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return _lp_root(out, k, norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x^p over each window)^(1/p), p = norm_type, over the last two dims; p = inf
    is the max of |x|, p = -inf the min of |x| (PyTorch's special cases)."""
    kh, kw = _tuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    if isinstance(norm_type, (int, float)):
        if norm_type == math.inf:
            return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
        if norm_type == -math.inf:
            return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input ** norm_type, kernel_size, stride, 0, ceil_mode)
    return _lp_root(out, kh * kw, norm_type)


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """Max over each kernel_size window (stride defaults to kernel_size)."""

    def forward(self, input):
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool2d(Module):
    """Mean over each kernel_size window (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling to output_size, whatever the input size."""

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)


def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class MaxPool1d(_MaxPoolNd):
    """Max over each kernel_size window of (N, C, L) or (C, L) (stride defaults to
    kernel_size)."""

    def forward(self, input):
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool1d(Module):
    """Mean over each kernel_size window of (N, C, L) or (C, L) (stride defaults to
    kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        # 1-tuples, as PyTorch keeps them (and prints them)
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, L) or (C, L) to output_size, whatever L."""

    def forward(self, input):
        return adaptive_avg_pool1d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    """Max pooling to output_size, whatever the input size; with return_indices, forward
    returns (values, indices)."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return self._function(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, L) or (C, L) to output_size, whatever L."""

    _function = staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size (an int, or (h, w) with
    None keeping the input's size)."""

    _function = staticmethod(adaptive_max_pool2d)


class _LPPoolNd(Module):
    """Power-average pooling: (sum of x^p over each window)^(1/p), p = norm_type."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return self._function(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling over the last dim of (N, C, L) or (C, L)."""

    _function = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over the last two dims of (N, C, H, W) or (C, H, W)."""

    _function = staticmethod(lp_pool2d)
