"""Convolution: Conv1d, Conv2d, ConvTranspose2d and their functional forms.

A convolution is one matrix product: every window of the (padded) input, seen through
ag.sliding_windows, is laid out as a column (im2col), and the flattened kernels times
the columns give every output pixel of every channel at once. Its gradient is the same
product transposed, with the windows added back by sliding_windows' own backward; no
Python loop ever runs over pixels or channels.
"""


import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from . import functional as F
from . import init
from .module import Module, Parameter, _check_device

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value, n, name, op):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"{op}: {name} must be an int or {n} ints, got {value}")
    return value


def _same_padding(kernel_size, dilation):
    """'same' padding per dim, as (left, right): the extra one goes right, as in PyTorch."""
    total = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
    return [(t // 2, t - t // 2) for t in total]


def _pad_widths(input, pad_pairs, value=0.0):
    """ag.pad with (left, right) per spatial dim, given first dim first."""
    if not any(lo or hi for lo, hi in pad_pairs):
        return input
    flat = []
    for lo, hi in reversed(pad_pairs):
        flat += [lo, hi]
    return ag.pad(input, flat, value=value)


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, op):
    """The n-d convolution (cross-correlation, as in every DL library) of input
    (N, C_in, *spatial) with weight (C_out, C_in / groups, *kernel)."""
    unbatched = input.ndim == nd + 1
    if input.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                         f"input, got shape {shape_str(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    if weight.ndim != nd + 2:
        raise ShapeError(f"{op}: weight must be {nd + 2}D (out_channels, in_channels / "
                         f"groups, *kernel_size), got shape {shape_str(weight.shape)}")
    n, c = input.shape[:2]
    out_c, c_per_group = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    if groups < 1 or c % groups or out_c % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels={c} and "
                         f"out_channels={out_c}")
    if c_per_group * groups != c:
        raise ShapeError(f"{op}: expected input of shape {shape_str(input.shape)} to have "
                         f"{c_per_group * groups} channels (weight of shape "
                         f"{shape_str(weight.shape)} with groups={groups}), but got {c} "
                         "channels instead")
    stride = _tuple(stride, nd, "stride", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    if isinstance(padding, str):
        if padding == "valid":
            pairs = [(0, 0)] * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided "
                                 "convolutions")
            pairs = _same_padding(kernel, dilation)
        else:
            raise ValueError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', got "
                             f"{padding!r}")
    else:
        pairs = [(p, p) for p in _tuple(padding, nd, "padding", op)]
    x = _pad_widths(input, pairs)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(span > size for span, size in zip(spans, x.shape[2:])):
        raise ValueError(f"{op}: kernel size {kernel} (dilation {dilation}) is larger than the "
                         f"padded input's spatial size {tuple(x.shape[2:])} (input shape "
                         f"{shape_str(input.shape)})")
    win = ag.sliding_windows(x, kernel, stride, dilation)  # (N, C, *out, *kernel)
    out = tuple(win.shape[2:2 + nd])
    k = c_per_group * int(np.prod(kernel))
    cols_n = n * int(np.prod(out))
    # im2col, channel-major: (C, *kernel, N, *out) -> one column per output pixel. Copying
    # the window view out in this order is 2-3x faster than one row per pixel.
    order = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    cols = win.permute(order).reshape(groups, k, cols_n)
    w = weight.reshape(groups, out_c // groups, k)
    y = (w @ cols).reshape(out_c, cols_n)  # (C_out, N * prod(out))
    if bias is not None:
        y = y + bias.reshape(out_c, 1)
    y = y.reshape((out_c, n) + out).transpose(0, 1)  # (N, C_out, *out), a view
    return y.squeeze(0) if unbatched else y


def _check_dtypes(op, input, weight, bias):
    """PyTorch's checks, in its order: bias, then weight, must have input's dtype."""
    dtype = input.dtype
    if bias is not None and bias.dtype != dtype:
        text = (f"Input type ({F._cname(dtype, True)}) and bias type "
                f"({F._cname(bias.dtype, True)}) should be the same")
        raise F._dtype_error(op, text, "input", input, "bias", bias)
    if weight.dtype != dtype:
        text = (f"expected scalar type {F._cname(dtype)} but found "
                f"{F._cname(weight.dtype)}")
        raise F._dtype_error(op, text, "input", input, "weight", weight)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of (N, C_in, L) with weight (C_out, C_in / groups, k)."""
    _check_dtypes("conv1d", input, weight, bias)
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution of (N, C_in, H, W) with weight (C_out, C_in / groups, kh, kw):
    out[n, o, i, j] = bias[o] + sum_{c, u, v} x[n, c, i s + u d, j s + v d] w[o, c, u, v]."""
    _check_dtypes("conv2d", input, weight, bias)
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _spread(x, dim, stride):
    """Insert stride - 1 zeros between neighbours along dim (transposed conv's input)."""
    if stride == 1:
        return x
    size = x.shape[dim]
    x = x.unsqueeze(dim + 1)
    widths = [0, 0] * (x.ndim - dim - 2) + [0, stride - 1]
    x = ag.pad(x, widths)  # (..., size, stride, ...)
    shape = x.shape[:dim] + (size * stride,) + x.shape[dim + 2:]
    x = x.reshape(shape)
    index = (slice(None),) * dim + (slice(0, (size - 1) * stride + 1),)
    return x[index]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """The gradient of conv2d with respect to its input, as a layer (it upsamples):
    weight (C_in, C_out / groups, kh, kw). Computed as a stride-1 convolution of the input
    spread out by stride, padded by dilation (k - 1) - padding, with the kernel flipped.
    A bias of another dtype is cast to the input's (PyTorch's check is on weight only)."""
    return _conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, "conv_transpose2d")


def _conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation,
                      op):
    """conv_transpose2d, with op (the layer or function called) naming it in errors."""
    if weight.dtype != input.dtype:
        text = (f"expected scalar type {F._cname(input.dtype)} but found "
                f"{F._cname(weight.dtype)}")
        raise F._dtype_error(op, text, "input", input, "weight", weight)
    if bias is not None and bias.dtype != input.dtype:
        bias = bias.to(input.dtype)
    unbatched = input.ndim == 3
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3D (unbatched) or 4D (batched) input, got shape "
                         f"{shape_str(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    c_in, out_per_group = weight.shape[:2]
    if input.shape[1] != c_in:
        raise ShapeError(f"{op}: expected input of shape {shape_str(input.shape)} to have {c_in} "
                         f"channels (weight of shape {shape_str(weight.shape)}), but got "
                         f"{input.shape[1]} channels instead")
    if c_in % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels={c_in}")
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, 2, "stride", op)
    padding = _tuple(padding, 2, "padding", op)
    output_padding = _tuple(output_padding, 2, "output_padding", op)
    dilation = _tuple(dilation, 2, "dilation", op)
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= max(s, d):
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than "
                             f"either stride {stride} or dilation {dilation}")
    x = input
    for i, s in enumerate(stride):
        x = _spread(x, 2 + i, s)
    pairs = []
    for k, p, op_, d in zip(kernel, padding, output_padding, dilation):
        edge = d * (k - 1) - p
        pairs.append((edge, edge + op_))
    x = _pad_widths(x, pairs)  # negative widths crop
    # (C_in, C_out/G, kh, kw) -> (C_out, C_in/G, kh, kw), kernel flipped in both dims
    g = groups
    w = weight.reshape(g, c_in // g, out_per_group, *kernel).transpose(1, 2)
    w = w.reshape(g * out_per_group, c_in // g, *kernel)
    flip_h = ag.tensor(np.arange(kernel[0] - 1, -1, -1))
    flip_w = ag.tensor(np.arange(kernel[1] - 1, -1, -1))
    w = w[:, :, flip_h][:, :, :, flip_w]
    y = _convnd(x, w, bias, 1, 0, dilation, g, 2, op)
    return y.squeeze(0) if unbatched else y


class _ConvNd(Module):
    _nd = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None, transposed=False, output_padding=0):
        super().__init__()
        name = type(self).__name__
        nd = self._nd
        _check_device(name, device)
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {_PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size", name)
        self.stride = _tuple(stride, nd, "stride", name)
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, nd, "padding",
                                                                       name)
        self.dilation = _tuple(dilation, nd, "dilation", name)
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, nd, "output_padding", name)
        self.groups = groups
        self.padding_mode = padding_mode
        # the widths F.pad takes for a padding_mode other than 'zeros' (last dim first,
        # 'same' with the extra one on the right), as PyTorch's attribute of this name
        if isinstance(self.padding, str):
            pairs = (_same_padding(self.kernel_size, self.dilation) if self.padding == "same"
                     else [(0, 0)] * nd)
        else:
            pairs = [(p, p) for p in self.padding]
        self._reversed_padding_repeated_twice = [w for pair in reversed(pairs) for w in pair]
        if transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(ag.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._layer_default_(self.weight, self.bias)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        nd = self._nd
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _conv_forward(self, input, op):
        # read each parameter once: a parametrization (spectral_norm) runs on every read
        weight, bias = self.weight, self.bias
        _check_dtypes(type(self).__name__, input, weight, bias)
        padding = self.padding
        if self.padding_mode != "zeros":
            # pad in that mode, then convolve unpadded (PyTorch's two steps)
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return _convnd(input, weight, bias, self.stride, padding, self.dilation,
                       self.groups, self._nd, op)


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L): weight (C_out, C_in / groups, k)."""

    _nd = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, "conv1d")


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W): weight (C_out, C_in / groups, kh, kw); stride,
    padding (ints, tuples, 'same', 'valid'), dilation, groups, bias, padding_mode ('zeros',
    'reflect', 'replicate', 'circular') as in PyTorch."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)

    def forward(self, input):
        return self._conv_forward(input, "conv2d")


class ConvTranspose2d(_ConvNd):
    """Transposed 2-d convolution (upsampling): weight (C_in, C_out / groups, kh, kw);
    output size (H - 1) s - 2 p + d (k - 1) + output_padding + 1."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be an int or a tuple")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, transposed=True,
                         output_padding=output_padding)

    def forward(self, input, output_size=None):
        """output_size: the spatial size (H, W) wanted, or the whole (N, C, H, W) / (C, H, W);
        it picks the output_padding (instead of the layer's) among the sizes the stride
        allows, as in PyTorch."""
        output_padding = self.output_padding
        if output_size is not None and input.ndim in (3, 4):  # other ranks: conv's error
            output_padding = self._output_padding(input, output_size)
        return _conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                 output_padding, self.groups, self.dilation,
                                 "ConvTranspose2d")

    def _output_padding(self, input, output_size):
        """The output_padding that gives output_size: each spatial size can be the smallest
        one, (H - 1) s - 2 p + d (k - 1) + 1, up to stride - 1 more (PyTorch's rules and
        messages)."""
        nd = self._nd
        lead = 2 if input.ndim == nd + 2 else 1  # (N, C) or (C,) before the spatial dims
        size = [int(v) for v in output_size]
        if len(size) == lead + nd:
            size = size[lead:]
        if len(size) != nd:
            raise ValueError(f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must "
                             f"have {nd} or {lead + nd} elements (got {len(size)})")
        spatial = input.shape[lead:]
        min_sizes = [(h - 1) * s - 2 * p + d * (k - 1) + 1 for h, s, p, d, k in
                     zip(spatial, self.stride, self.padding, self.dilation, self.kernel_size)]
        max_sizes = [m + s - 1 for m, s in zip(min_sizes, self.stride)]
        if any(not lo <= v <= hi for v, lo, hi in zip(size, min_sizes, max_sizes)):
            raise ValueError(f"ConvTranspose{nd}d: requested an output size of {size}, but "
                             f"valid sizes range from {min_sizes} to {max_sizes} (for an input "
                             f"of {shape_str(spatial)})")
        return tuple(v - m for v, m in zip(size, min_sizes))
