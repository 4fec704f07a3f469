"""Pooling: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d and their functional forms, from
ag.sliding_windows (a strided view of every window) and reductions over its last dims."""

import math

import numpy as np

import autograd_core as ag
from autograd_core.ops._common import shape_str

from .conv import _pad_widths, _tuple
from .module import Module


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    """Checked tuples, and the padding (left, right) per dim that gives PyTorch's output
    size, extra right padding included when ceil_mode rounds up."""
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3D (unbatched) or 4D (batched) input, got shape "
                         f"{shape_str(input.shape)}")
    kernel = _tuple(kernel_size, 2, "kernel_size", op)
    stride = kernel if stride is None or stride == () else _tuple(stride, 2, "stride", op)
    padding = _tuple(padding, 2, "padding", op)
    dilation = _tuple(dilation, 2, "dilation", op)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: pad should be at most half of effective kernel size, but got "
                         f"pad={padding}, kernel_size={kernel}")
    pairs, out = [], []
    for size, k, s, p, d in zip(input.shape[-2:], kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        n = (size + 2 * p - span) / s + 1
        n = math.ceil(n) if ceil_mode else math.floor(n)
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1  # the last window would start in the right padding
        if n < 1:
            raise ValueError(f"{op}: output size is too small for input of shape "
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
    op = "max_pool2d"
    kernel, stride, padding, dilation, pairs, out = _pool_geometry(
        input, kernel_size, stride, padding, dilation, ceil_mode, op)
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
    op = "avg_pool2d"
    kernel, stride, padding, _, pairs, out = _pool_geometry(
        input, kernel_size, stride, padding, 1, ceil_mode, op)
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
        raise ValueError(f"adaptive_avg_pool2d: expected a 3D or 4D input, got shape "
                         f"{shape_str(input.shape)}")
    sizes = _tuple(output_size, 2, "output_size", "adaptive_avg_pool2d") \
        if not isinstance(output_size, (tuple, list)) or None not in output_size \
        else tuple(s if s is not None else input.shape[-2 + i] for i, s in
                   enumerate(output_size))
    mats = []
    for size, n in zip(input.shape[-2:], sizes):
        cell = np.arange(n)[:, None]
        lo, hi = (cell * size) // n, -((-(cell + 1) * size) // n)
        pixel = np.arange(size)[None, :]
        a = ((pixel >= lo) & (pixel < hi)) / (hi - lo)
        mats.append(ag.tensor(a, dtype=input.dtype))
    return mats[0] @ input @ mats[1].t()


class MaxPool2d(Module):
    """Max over each kernel_size window (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


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


class AdaptiveAvgPool2d(Module):
    """Average pooling to output_size, whatever the input size."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
