"""Resampling: interpolate (every mode a weight matrix per spatial dim, as adaptive
average pooling, which is its 'area' mode), its deprecated aliases, pixel shuffle, and the
PixelShuffle, PixelUnshuffle and Upsampling layers."""

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from .linear import Upsample
from .module import Module
from .pooling import _area_weights

# --- resampling ---

_MODE_NDIM = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5, "lanczos": 4}
_MODES = ("nearest", "nearest-exact", "area", "linear", "bilinear", "bicubic", "trilinear",
          "lanczos")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, *spatial) to size, or to floor(side *
    scale_factor), as torch.nn.functional.interpolate. Each spatial dim is resampled in
    turn: 'nearest' and 'nearest-exact' copy a source pixel, the others multiply by a
    (out, in) weight matrix, so the gradient is the transposed matrix.

    Args:
        mode: 'nearest' (source floor(dst * scale)), 'nearest-exact' (floor((dst + 0.5) *
            scale)), 'linear' (3D) / 'bilinear' (4D) / 'trilinear' (5D): the two nearest
            pixels; 'bicubic' (4D): Keys' cubic convolution (A = -0.75) over four pixels,
            indices clamped to the border; 'area': adaptive average pooling;
            'lanczos' (4D, antialias=True only): Lanczos-3.
        align_corners: for the interpolating modes, map corner pixel centres onto each
            other (scale (in - 1) / (out - 1)) instead of pixel edges (scale in / out).
        recompute_scale_factor: with scale_factor, interpolate with in / out of the
            rounded-down output size instead of 1 / scale_factor.
        antialias: for 'bilinear', 'bicubic' and 'lanczos' (4D): when downsampling, a
            filter widened by the scale (triangle, cubic with A = -0.5, or Lanczos-3, as
            Pillow), normalised over the pixels inside the input.
    """
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode '{mode}' is not supported ({', '.join(_MODES)})")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if not 3 <= input.ndim <= 5:
        raise ShapeError("interpolate: expected a 3D, 4D or 5D input (N, C, *spatial), got "
                         f"shape {shape_str(input.shape)}")
    sizes, factors = _resize_sizes(input, size, scale_factor, "interpolate")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                         "explicit size")
    if recompute_scale_factor or mode == "area":
        factors = (None,) * len(sizes)  # interpolate with in / out of the integer size
    # (adaptive pooling, behind 'area', accepts an empty output; the others do not)
    if any(i <= 0 for i in input.shape[2:]) or any(s < (mode != "area") for s in sizes):
        raise ValueError("interpolate: input and output sizes should be greater than 0, got "
                         f"input shape {shape_str(input.shape)} and output size {sizes}")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("interpolate: antialias is restricted to the bilinear, bicubic and "
                         f"lanczos modes and a 4D input, got mode '{mode}' and shape "
                         f"{shape_str(input.shape)}")
    if mode in _MODE_NDIM and input.ndim != _MODE_NDIM[mode]:
        raise ValueError(f"interpolate: mode '{mode}' expects a {_MODE_NDIM[mode]}D input, got "
                         f"shape {shape_str(input.shape)}")
    if mode == "lanczos" and (align_corners or not antialias):
        raise ValueError("interpolate: mode 'lanczos' needs antialias=True and "
                         "align_corners=False")
    if mode not in ("nearest", "nearest-exact") and input.dtype.kind != "f":
        raise TypeError(f"interpolate: mode '{mode}' needs a floating point input, got "
                        f"{input.dtype}")
    # PyTorch works out positions in the input's precision (float32 for float32)
    ct = np.float32 if input.dtype == np.float32 else np.float64
    x = input
    for k, (n_in, n_out, factor) in enumerate(zip(input.shape[2:], sizes, factors)):
        dim = k + 2
        if mode in ("nearest", "nearest-exact"):
            if mode == "nearest" and input.ndim == 4 and n_out in (n_in, 2 * n_in):
                # PyTorch's 2D nearest (only) copies, or repeats each pixel twice, for
                # these sizes whatever the scale factor that gave them
                idx = np.arange(n_out) // (n_out // n_in)
            else:
                idx = _nearest_index(n_in, n_out, factor, mode == "nearest-exact", ct)
            x = x[(slice(None),) * dim + (ag.tensor(idx),)]
            continue
        if mode == "area":
            w = _area_weights(n_in, n_out)
        elif antialias:
            if n_in == n_out:
                continue  # PyTorch's separable kernel leaves a dim of unchanged size alone
            w = _antialias_weights(n_in, n_out, factor, align_corners, mode, ct)
        elif mode == "bicubic":
            w = _cubic_weights(n_in, n_out, factor, align_corners, ct)
        else:
            w = _linear_weights(n_in, n_out, factor, align_corners, ct)
        x = _along(x, dim, ag.tensor(w, dtype=input.dtype))
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (as in PyTorch, which warns)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(op, name, factor):
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {factor!r}")


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r), r = upscale_factor: each r x r block of the
    output is one channel group's values at one input pixel."""
    op, r = "pixel_shuffle", upscale_factor
    _check_factor(op, "upscale_factor", r)
    if input.ndim < 3:
        raise ShapeError(f"{op}: expected an input of at least 3 dims (*, C, H, W), got "
                         f"shape {shape_str(input.shape)}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ShapeError(f"{op}: expects its input's 'channel' dimension to be divisible by "
                         f"the square of upscale_factor, but input.size(-3)={c} is not "
                         f"divisible by {r * r} (input of shape {shape_str(input.shape)})")
    n = len(lead)
    x = input.reshape(tuple(lead) + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return x.reshape(tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), r = downscale_factor: pixel_shuffle undone."""
    op, r = "pixel_unshuffle", downscale_factor
    _check_factor(op, "downscale_factor", r)
    if input.ndim < 3:
        raise ShapeError(f"{op}: expected an input of at least 3 dims (*, C, H, W), got "
                         f"shape {shape_str(input.shape)}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ShapeError(f"{op}: expects height and width to be divisible by "
                         f"downscale_factor={r}, got input of shape {shape_str(input.shape)}")
    n = len(lead)
    x = input.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return x.reshape(tuple(lead) + (c * r * r, h // r, w // r))


def _resize_sizes(input, size, scale_factor, op):
    """The output size of each spatial dim, and the scale factor per dim (None per dim when
    size is given)."""
    spatial = input.shape[2:]
    n = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * n
        if len(sizes) != n:
            raise ValueError(f"{op}: size {size} has {len(sizes)} entries for an input of "
                             f"shape {shape_str(input.shape)} with {n} spatial dims")
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                   for s in sizes):
            raise TypeError(f"{op}: size must be an int or a tuple of ints, got {size!r}")
        factors = (None,) * n
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (scale_factor,) * n
        if len(factors) != n:
            raise ValueError(f"{op}: scale_factor {scale_factor} has {len(factors)} entries "
                             f"for an input of shape {shape_str(input.shape)} with {n} "
                             "spatial dims")
        factors = tuple(float(f) for f in factors)
        sizes = tuple(int(math.floor(i * f)) for i, f in zip(spatial, factors))
    return tuple(int(s) for s in sizes), factors


def _scale(n_in, n_out, factor, align_corners, ct):
    """Input pixels per output pixel, PyTorch's area_pixel_compute_scale."""
    if align_corners:
        return ct(n_in - 1) / ct(n_out - 1) if n_out > 1 else ct(0)
    if factor is not None and factor > 0:
        return ct(1.0 / factor)  # the given factor, not the rounded sizes
    return ct(n_in) / ct(n_out)


def _source(n_out, scale, align_corners, ct, clamp):
    """Where each output pixel's centre falls in input coordinates."""
    dst = np.arange(n_out).astype(ct)
    if align_corners:
        return scale * dst
    src = scale * (dst + ct(0.5)) - ct(0.5)
    return np.maximum(src, ct(0)) if clamp else src


def _floor_index(src, n_in):
    # PyTorch floors with floorf, so first rounds the position to float32
    return np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), n_in - 1)


def _nearest_index(n_in, n_out, factor, exact, ct):
    scale = _scale(n_in, n_out, factor, False, ct)
    if exact:  # the nearest centre: round, not floor, the centre-aligned position
        src = _source(n_out, scale, False, ct, clamp=True) + ct(0.5)
    else:
        src = scale * np.arange(n_out).astype(ct)
    return _floor_index(src, n_in)


def _matrix(n_in, n_out, index, weight):
    """Dense (n_out, n_in) weights from per-output taps (columns of index and weight);
    taps that land on the same pixel (clamped at the border) add up."""
    w = np.zeros((n_out, n_in))
    rows = np.broadcast_to(np.arange(n_out)[:, None], index.shape)
    np.add.at(w, (rows, index), weight.astype(np.float64))
    return w


def _linear_weights(n_in, n_out, factor, align_corners, ct):
    if n_in == n_out and not align_corners:
        return np.eye(n_in)  # PyTorch copies, whatever the scale factor
    scale = _scale(n_in, n_out, factor, align_corners, ct)
    src = _source(n_out, scale, align_corners, ct, clamp=True)
    i0 = _floor_index(src, n_in)
    lam = np.clip(src - i0.astype(ct), ct(0), ct(1))
    i1 = i0 + (i0 < n_in - 1)
    return _matrix(n_in, n_out, np.stack([i0, i1], 1), np.stack([ct(1) - lam, lam], 1))


def _cubic1(x, a):  # |x| <= 1
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic2(x, a):  # 1 < |x| < 2
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _cubic_weights(n_in, n_out, factor, align_corners, ct):
    """Keys' cubic convolution with A = -0.75 over pixels i0 - 1 .. i0 + 2 (clamped to the
    border), i0 = floor(src); the source position is not clamped at 0 as linear's is."""
    scale = _scale(n_in, n_out, factor, align_corners, ct)
    src = _source(n_out, scale, align_corners, ct, clamp=False)
    i0 = _floor_index(src, n_in)
    t = np.clip(src - i0.astype(ct), ct(0), ct(1))
    a, one = ct(-0.75), ct(1)
    u = one - t
    weight = np.stack([_cubic2(t + one, a), _cubic1(t, a), _cubic1(u, a), _cubic2(u + one, a)],
                      1)
    index = np.clip(i0[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return _matrix(n_in, n_out, index, weight)


def _aa_filter(mode):
    """Pillow's filters, over the distance in (scaled) input pixels."""
    if mode == "bilinear":
        return 1.0, lambda x: np.maximum(1.0 - np.abs(x), 0.0)
    if mode == "bicubic":
        def cubic(x):
            x = np.abs(x)
            return np.where(x < 1, _cubic1(x, -0.5), np.where(x < 2, _cubic2(x, -0.5), 0.0))
        return 2.0, cubic

    def lanczos(x):
        return np.where((x >= -3) & (x < 3), np.sinc(x) * np.sinc(x / 3), 0.0)
    return 3.0, lanczos


def _antialias_weights(n_in, n_out, factor, align_corners, mode, ct):
    """PyTorch's antialiased (Pillow) resampling: output pixel i averages the input pixels
    within `support` of its centre scale * (i + 0.5), weighted by the filter stretched by
    the scale when downsampling, and normalised to sum to 1."""
    half, filt = _aa_filter(mode)
    scale = float(_scale(n_in, n_out, factor, align_corners, ct))
    support = half * scale if scale >= 1.0 else half
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    width = int(math.ceil(support)) * 2 + 1
    center = np.array(scale * (np.arange(n_out) + 0.5), dtype=ct).astype(np.float64)
    xmin = np.maximum(np.trunc(center - support + 0.5), 0).astype(np.int64)
    xmax = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n_in)
    xsize = np.clip(xmax - xmin, 0, width)
    j = np.arange(width)[None, :]
    inside = j < xsize[:, None]
    weight = np.where(inside, filt((j + xmin[:, None] - center[:, None] + 0.5) * invscale), 0.0)
    total = weight.sum(1, keepdims=True)
    weight = np.where(total != 0, weight / np.where(total != 0, total, 1.0), weight)
    index = np.minimum(j + xmin[:, None], n_in - 1)
    return _matrix(n_in, n_out, index, weight.astype(ct))


def _along(x, dim, w):
    """Multiply dim of x by the (out, in) matrix w: x's dim `in` becomes `out`."""
    if dim == x.ndim - 1:
        return x @ w.t()
    shape = tuple(x.shape)
    rest = int(np.prod(shape[dim + 1:]))
    y = w @ x.reshape(shape[:dim + 1] + (rest,))
    return y.reshape(shape[:dim] + (w.shape[0],) + shape[dim + 1:])


# --- resampling layers ---

class PixelShuffle(Module):
    """(*, C r^2, H, W) -> (*, C, H r, W r), r = upscale_factor."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) -> (*, C r^2, H, W), r = downscale_factor."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode='nearest') of (N, C, H, W) inputs."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode='bilinear', align_corners=True) of (N, C, H, W)
    inputs (corner pixels aligned, as PyTorch's)."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
