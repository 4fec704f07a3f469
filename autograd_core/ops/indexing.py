"""Indexing and rearranging ops: masked_fill, tril/triu, gather/scatter/index_select/take,
narrow/select/unbind, movedim, flip/roll, repeat/tile, diag/diagonal/trace, meshgrid and the
in-place forms; composites of shape.py's primitives, plus Tile and the Diagonal pair."""

import warnings

import numpy as np

from ..errors import ShapeError
from ..function import Primitive, export
from ._common import _NUMBER, Tensor, as_tensor, cast, const, norm_dim, shape_str
from .elementwise import add, clone, where
from .inplace import IndexPut, _apply, _method
from .reduce import sum as _sum
from .shape import GetItem, IndexAdd, _shape_arg, cat, expand, getitem, permute, reshape, transpose

_ALL = slice(None)
_GET = GetItem.apply


class _IndexRangeError(IndexError, RuntimeError):
    """An index outside its dim, or an index tensor of the wrong dtype: an IndexError as in
    numpy and getitem, and a RuntimeError as torch's gather, scatter and index_select raise."""


class _DtypeError(TypeError, RuntimeError):
    """An argument of the wrong dtype (a mask that is not bool, a src whose dtype is not
    input's): a TypeError, and the RuntimeError torch raises."""


def _index_array(index, op, arg="index"):
    """An index argument (integer Tensor or ndarray) -> an int64 ndarray."""
    if isinstance(index, Tensor):
        a = index.data
    elif isinstance(index, np.ndarray):
        a = index
    else:
        raise TypeError(f"{op}: {arg} must be a Tensor of integers, got "
                        f"{type(index).__name__}")
    if a.dtype.kind not in "iu":
        raise _IndexRangeError(f"{op}: {arg} must be an integer (int64) tensor, got {a.dtype}")
    return a.astype(np.int64, copy=False)


def _check_range(idx, n, op, what):
    """Every value of idx in [0, n): else the first one outside, named."""
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise _IndexRangeError(f"{op}: index {bad} is out of bounds for {what} of size {n}")


def _dims_tuple(dims, ndim, op, arg="dims"):
    """An int or a sequence of ints -> a tuple of distinct non-negative dims."""
    seq = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    out = tuple(norm_dim(d, ndim, op) for d in seq)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: {arg} {seq} names a dim more than once")
    return out


# --- masks: masked_fill, tril, triu ---

def _mask_array(mask, op):
    if isinstance(mask, Tensor):
        m = mask.data
    elif isinstance(mask, np.ndarray):
        m = mask
    else:
        raise TypeError(f"{op}: mask must be a bool Tensor, got {type(mask).__name__}")
    if m.dtype != np.bool_:
        raise _DtypeError(f"{op}: mask must be a bool tensor, got a mask of dtype {m.dtype}")
    return m


def _fill_value(value, dtype, op):
    """A fill value -> a 0-d Tensor of dtype; a Tensor value keeps its graph (its gradient
    is the sum of the output's gradient where it was written)."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"{op}: value must be a number or a 0-d tensor, got a tensor of "
                             f"shape {shape_str(value.shape)}")
        return value if value.dtype == dtype else cast(value, dtype)
    if not isinstance(value, _NUMBER):
        raise TypeError(f"{op}: value must be a number or a 0-d Tensor, got "
                        f"{type(value).__name__}")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not np.isfinite(value) or not info.min <= value <= info.max:
            raise RuntimeError(f"{op}: value {value} cannot be converted to {dtype} without "
                               "overflow")
    elif dtype.kind == "f" and np.isfinite(value) and abs(value) > float(np.finfo(dtype).max):
        raise RuntimeError(f"{op}: value {value} cannot be converted to {dtype} without "
                           "overflow")
    return const(np.asarray(value).astype(dtype), dtype)


def _masked_fill(input, mask, value, op):
    x = as_tensor(input, op)
    m = _mask_array(mask, op)
    try:
        np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ShapeError(f"{op}: mask of shape {shape_str(m.shape)} cannot be broadcast to "
                         f"the input's shape {shape_str(x.shape)}") from None
    return where(m, _fill_value(value, x.dtype, op), x)


@export
def masked_fill(input, mask, value):
    """input with value where mask (bool, broadcast with input) is True. value is a number
    or a 0-d tensor, which gets the gradient of the places it fills."""
    return _masked_fill(input, mask, value, "masked_fill")


@_method
def masked_fill_(self, mask, value):
    """masked_fill in place (mask must broadcast to self's shape)."""
    return _apply(self, "masked_fill_",
                  lambda a, v: _masked_fill(a, mask, v, "masked_fill_"), value)


def _triangle(input, diagonal, lower, op):
    x = as_tensor(input, op)
    if x.ndim < 2:
        raise ShapeError(f"{op}: input must have at least 2 dims, got shape "
                         f"{shape_str(x.shape)}")
    n, m = x.shape[-2:]
    k = int(diagonal)
    keep = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
    # where, not a product with the mask: -inf above the diagonal must become 0, not nan
    return where(keep, x, const(np.zeros((), x.dtype), x.dtype))


@export
def tril(input, diagonal=0):
    """The lower triangle of the last two dims (j <= i + diagonal), the rest zero."""
    return _triangle(input, diagonal, True, "tril")


@export
def triu(input, diagonal=0):
    """The upper triangle of the last two dims (j >= i + diagonal), the rest zero."""
    return _triangle(input, diagonal, False, "triu")


@_method
def tril_(self, diagonal=0):
    return _apply(self, "tril_", lambda a: _triangle(a, diagonal, True, "tril_"))


@_method
def triu_(self, diagonal=0):
    return _apply(self, "triu_", lambda a: _triangle(a, diagonal, False, "triu_"))


# --- gather and scatter: one index per element, along a dim ---

def _along(idx, dim):
    """The advanced index reading x[i_0, .., idx[i], .., i_n] at every position i of idx
    (torch's gather/scatter addressing): aranges broadcast along the other dims."""
    nd = idx.ndim
    out = []
    for d, n in enumerate(idx.shape):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[d] = n
            out.append(np.arange(n).reshape(shape))
    return tuple(out)


def _check_along(op, x, dim, idx, src=None):
    """torch's rules for gather/scatter: index has input's number of dims, is no larger than
    input in the other dims (than src in every dim) and stays inside dim."""
    if idx.ndim != x.ndim:
        raise ShapeError(f"{op}: index must have as many dims as input: index of shape "
                         f"{shape_str(idx.shape)} and input of shape {shape_str(x.shape)}")
    if src is not None and src.ndim != idx.ndim:
        raise ShapeError(f"{op}: index must have as many dims as src: index of shape "
                         f"{shape_str(idx.shape)} and src of shape {shape_str(src.shape)}")
    for d in range(idx.ndim):
        if (d != dim and idx.shape[d] > x.shape[d]) or (
                src is not None and idx.shape[d] > src.shape[d]):
            more = "" if src is None else f" and no larger than src {shape_str(src.shape)}"
            raise ShapeError(f"{op}: index of shape {shape_str(idx.shape)} must be no larger "
                             f"than input {shape_str(x.shape)} apart from dim {dim}{more}")
    _check_range(idx, x.shape[dim], op, f"dim {dim}")


def _prepare_along(op, input, dim, index, src=None):
    """(x, dim, idx, src): a 0-d input, index or src counts as 1-d (as in torch), when the
    others are at most 1-d; the caller reshapes the result back."""
    x = as_tensor(input, op)
    idx = _index_array(index, op)
    d = norm_dim(dim, x.ndim, op)
    if x.ndim <= 1 and idx.ndim <= 1 and (src is None or src.ndim <= 1):
        x = reshape(x, (-1,)) if x.ndim == 0 else x
        idx = idx.reshape(-1)
        if src is not None and src.ndim == 0:
            src = reshape(src, (-1,))
    _check_along(op, x, d, idx, src)
    return x, d, idx, src


def _shaped(out, shape):
    """out (1-d when shape is not its own) in shape: for a 0-d result, its one element
    read with an array index, so that it is a tensor of its own, as torch's, not a view."""
    if out.shape == tuple(shape):
        return out
    if shape == ():
        return _GET(out, index=(np.zeros((), np.int64),), advanced=True)
    return reshape(out, shape)


@export
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim 0); out has index's shape.
    (sparse_grad: torch's sparse gradient, which dense tensors here cannot hold.)"""
    if sparse_grad:
        raise NotImplementedError("gather: sparse_grad=True needs sparse tensors, which "
                                  "autograd_core does not have")
    x, d, idx, _ = _prepare_along("gather", input, dim, index)
    out = getitem(x, _along(idx, d))
    return _shaped(out, np.shape(index.data if isinstance(index, Tensor) else index))


def _src_part(src, idx, x, op):
    """The part of src that scatter reads (its leading index.shape block), of x's dtype."""
    if src.dtype != x.dtype:
        raise _DtypeError(f"{op}: src must have input's dtype {x.dtype}, got {src.dtype}")
    if src.shape == idx.shape:
        return src
    return getitem(src, tuple(slice(0, n) for n in idx.shape))


def _scatter(op, input, dim, index, src, value):
    if src is not None and value is not None:
        raise TypeError(f"{op}: give src or value, not both")
    if src is None and value is None:
        raise TypeError(f"{op}: missing src (a Tensor) or value (a number)")
    if src is not None and not isinstance(src, Tensor):
        if isinstance(src, np.ndarray):
            src = as_tensor(src, op, "src")
        else:
            src, value = None, src
    shape = np.shape(input.data if isinstance(input, Tensor) else input)
    x, d, idx, src = _prepare_along(op, input, dim, index, src)
    v = _src_part(src, idx, x, op) if src is not None else _fill_value(value, x.dtype, op)
    return _shaped(IndexPut.apply(x, v, index=_along(idx, d), advanced=True), shape)


@export
def scatter(input, dim, index, src=None, *, value=None):
    """input with out[index[i][j]][j] = src[i][j] (for dim 0), out of place; src may be a
    Tensor (at least index's size in every dim) or a number (value). Where index repeats a
    place, one of the writes wins, as in torch (which one is not specified)."""
    return _scatter("scatter", input, dim, index, src, value)


@export
def scatter_add(input, dim, index, src):
    """input with src[i][j] added at out[index[i][j]][j] (for dim 0); repeats add up."""
    op = "scatter_add"
    src = as_tensor(src, op, "src")
    shape = np.shape(input.data if isinstance(input, Tensor) else input)
    x, d, idx, src = _prepare_along(op, input, dim, index, src)
    g = IndexAdd.apply(_src_part(src, idx, x, op), index=_along(idx, d), advanced=True,
                       shape=x.shape)
    return _shaped(add(x, g), shape)


@_method
def scatter_(self, dim, index, src=None, *, value=None):
    """scatter in place."""
    op = "scatter_"
    if isinstance(src, Tensor):  # an argument of _apply: its graph is recorded
        return _apply(self, op, lambda a, s: _scatter(op, a, dim, index, s, value), src)
    return _apply(self, op, lambda a: _scatter(op, a, dim, index, src, value))


@_method
def scatter_add_(self, dim, index, src):
    """scatter_add in place."""
    return _apply(self, "scatter_add_", lambda a, s: scatter_add(a, dim, index, s), src)


@export
def index_select(input, dim, index):
    """The entries of input at index (a 1-d integer tensor, repeats allowed) along dim."""
    op = "index_select"
    x, d, idx = _index_along(input, dim, index, op)
    if x.ndim == 0:
        if idx.size != 1:
            raise _IndexRangeError(f"{op}: an index into a 0-d tensor must have one value, "
                                   f"got {idx.size}")
        return clone(x)
    return getitem(x, (_ALL,) * d + (idx,))


def _index_along(input, dim, index, op):
    """input as a Tensor, dim normalised, and index checked: 0-d or 1-d integers in range
    along dim (a 0-d input counts as one element)."""
    x = as_tensor(input, op)
    idx = _index_array(index, op)
    if idx.ndim > 1:
        raise _IndexRangeError(f"{op}: index must be 0-d or 1-d, got shape "
                               f"{shape_str(idx.shape)}")
    d = norm_dim(dim, x.ndim, op)
    idx = idx.reshape(-1)
    _check_range(idx, x.shape[d] if x.ndim else 1, op, f"dim {d}")
    return x, d, idx


@export
def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source[..., i, ...] added at input[..., index[i], ...] along dim
    (repeated indices add up); source has input's shape but len(index) along dim."""
    op = "index_add"
    x, d, idx = _index_along(input, dim, index, op)
    src = as_tensor(source, op, "source")
    want = x.shape[:d] + (idx.size,) + x.shape[d + 1:] if x.ndim else (idx.size,)
    if tuple(src.shape) != tuple(want) and not (x.ndim == 0 and src.ndim == 0):
        raise ShapeError(f"{op}: source of shape {shape_str(src.shape)} does not match "
                         f"input of shape {shape_str(x.shape)} with {idx.size} indices along "
                         f"dim {d} (expected {shape_str(want)})")
    if src.dtype != x.dtype:
        raise _DtypeError(f"{op}: source must have input's dtype {x.dtype}, got {src.dtype}")
    if x.ndim == 0:
        return add(x, _sum(src) * alpha if alpha != 1 else _sum(src))
    scaled = src if alpha == 1 else src * alpha
    placed = IndexAdd.apply(scaled, index=(_ALL,) * d + (idx,), advanced=True,
                            shape=x.shape)
    return add(x, placed)


@_method
def index_add_(self, dim, index, source, *, alpha=1):
    """index_add in place."""
    return _apply(self, "index_add_",
                  lambda a, s: index_add(a, dim, index, s, alpha=alpha), source)


@export
def index_fill(input, dim, index, value):
    """input with value at every position whose index along dim is in index; value is a
    number or a 0-d tensor (which gets the gradient of what it fills)."""
    op = "index_fill"
    x, d, idx = _index_along(input, dim, index, op)
    hit = np.zeros(x.shape[d] if x.ndim else 1, dtype=bool)
    hit[idx] = True
    mask = hit.reshape((-1,) + (1,) * (x.ndim - d - 1)) if x.ndim else hit.reshape(())
    return _masked_fill(x, const(mask, np.dtype(bool)), value, op)


@_method
def index_fill_(self, dim, index, value):
    """index_fill in place."""
    if isinstance(value, Tensor):
        return _apply(self, "index_fill_", lambda a, v: index_fill(a, dim, index, v), value)
    return _apply(self, "index_fill_", lambda a: index_fill(a, dim, index, value))


@export
def masked_select(input, mask):
    """The elements of input where mask (bool, broadcast with input) is True, as a 1-d
    tensor in row-major order; the gradient goes back to those elements."""
    op = "masked_select"
    x = as_tensor(input, op)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise _DtypeError(f"{op}: mask must be a bool tensor, got {m.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise ShapeError(f"{op}: mask of shape {shape_str(m.shape)} does not broadcast with "
                         f"input of shape {shape_str(x.shape)}") from None
    xb = x if tuple(x.shape) == shape else expand(x, *shape)
    return getitem(xb, np.broadcast_to(m, shape))


@export
def take(input, index):
    """input read as 1-d at index (negative indices count from the end); out has index's
    shape."""
    op = "take"
    x = as_tensor(input, op)
    idx = _index_array(index, op)
    n = x.numel()
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise _IndexRangeError(f"{op}: index {bad} is out of range for a tensor of {n} "
                               "elements")
    flat = reshape(x, (-1,))
    if idx.ndim == 0:  # getitem would make a view of a 0-d index: take copies, as torch
        return _GET(flat, index=(idx,), advanced=True)
    return getitem(flat, (idx,))


# --- views: narrow, select, unbind, movedim, swapaxes ---

@export
def narrow(input, dim, start, length):
    """The view of input's entries start .. start + length - 1 along dim."""
    op = "narrow"
    x = as_tensor(input, op)
    if x.ndim == 0:
        raise ShapeError(f"{op}: cannot be applied to a 0-d tensor")
    d = norm_dim(dim, x.ndim, op)
    n = x.shape[d]
    start = int(start.item() if isinstance(start, Tensor) else start)
    length = int(length.item() if isinstance(length, Tensor) else length)
    if not -n <= start <= n:
        raise IndexError(f"{op}: start {start} is out of range for dim {d} of size {n} "
                         f"(expected a start in [{-n}, {n}])")
    start = start + n if start < 0 else start
    if length < 0:
        raise ShapeError(f"{op}: length must be non-negative, got {length}")
    if start + length > n:
        raise ShapeError(f"{op}: start ({start}) + length ({length}) exceeds the size {n} of "
                         f"dim {d} (input of shape {shape_str(x.shape)})")
    return getitem(x, (_ALL,) * d + (slice(start, start + length),))


@export
def select(input, dim, index):
    """The view input[..., index, ...] with index at dim (that dim removed)."""
    op = "select"
    x = as_tensor(input, op)
    if x.ndim == 0:
        raise IndexError(f"{op}: cannot be applied to a 0-d tensor")
    d = norm_dim(dim, x.ndim, op)
    n = x.shape[d]
    i = int(index.item() if isinstance(index, Tensor) else index)
    if not -n <= i < n:
        raise IndexError(f"{op}: index {i} is out of range for dim {d} of size {n} (input "
                         f"of shape {shape_str(x.shape)})")
    return getitem(x, (_ALL,) * d + (i,))


@export
def unbind(input, dim=0):
    """The slices of input along dim, as a tuple of views (that dim removed)."""
    x = as_tensor(input, "unbind")
    if x.ndim == 0:
        raise IndexError("unbind: cannot be applied to a 0-d tensor")
    d = norm_dim(dim, x.ndim, "unbind")
    lead = (_ALL,) * d
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[d]))


@export
def movedim(input, source, destination):
    """input with dims source moved to positions destination (the others keep their order)."""
    op = "movedim"
    x = as_tensor(input, op)
    src = _dims_tuple(source, x.ndim, op, "source")
    dst = _dims_tuple(destination, x.ndim, op, "destination")
    if len(src) != len(dst):
        raise ShapeError(f"{op}: source {source} and destination {destination} must name as "
                         "many dims")
    if x.ndim == 0:
        return x
    order = [d for d in range(x.ndim) if d not in src]
    for to, frm in sorted(zip(dst, src)):
        order.insert(to, frm)
    return permute(x, tuple(order))


@export
def moveaxis(input, source, destination):
    """Alias of movedim."""
    return movedim(input, source, destination)


@export
def swapaxes(input, axis0, axis1):
    """Alias of transpose."""
    return transpose(input, axis0, axis1)


@export
def swapdims(input, dim0, dim1):
    """Alias of transpose."""
    return transpose(input, dim0, dim1)


# --- flip and roll ---

@export
def flip(input, *dims_args, dims=None):
    """input reversed along dims (a copy, as in torch): flip(x, (0, 1)) or x.flip(0, 1)."""
    op = "flip"
    x = as_tensor(input, op)
    if dims is None:
        if not dims_args:
            raise TypeError(f"{op}: missing the dims to flip")
        dims = dims_args[0] if len(dims_args) == 1 else dims_args
    ds = _dims_tuple(dims, x.ndim, op)
    if x.ndim == 0 or not ds:
        return clone(x)
    index = tuple(slice(None, None, -1) if d in ds else _ALL for d in range(x.ndim))
    return clone(getitem(x, index))  # the reversed view, copied


@export
def fliplr(input):
    """input reversed along dim 1 (left/right); input must be at least 2-d."""
    x = as_tensor(input, "fliplr")
    if x.ndim < 2:
        raise ShapeError(f"fliplr: input must be at least 2-d, got shape {shape_str(x.shape)}")
    return flip(x, 1)


@export
def flipud(input):
    """input reversed along dim 0 (up/down); input must be at least 1-d."""
    x = as_tensor(input, "flipud")
    if x.ndim < 1:
        raise ShapeError("flipud: input must be at least 1-d, got a 0-d tensor")
    return flip(x, 0)


@export
def roll(input, shifts, dims=None):
    """input shifted circularly by shifts along dims; with dims None, along the flattened
    input (its shape is kept)."""
    op = "roll"
    x = as_tensor(input, op)
    shifts = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) \
        else (int(shifts),)
    if dims is None:
        if len(shifts) != 1:
            raise ShapeError(f"{op}: shifts {shifts} and dims (none: the flattened input) "
                             "must align")
        n = x.numel()
        if x.ndim == 0 or n == 0:
            return clone(x)
        src = (np.arange(n) - shifts[0]) % n
        return getitem(reshape(x, (-1,)), (src.reshape(x.shape),))
    ds = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(ds) != len(shifts):
        raise ShapeError(f"{op}: shifts {shifts} and dims {ds} must align (as many of each)")
    out = x
    for s, dim in zip(shifts, ds):
        d = norm_dim(dim, x.ndim, op)
        n = x.shape[d] if x.ndim else 1
        k = s % n if n else 0
        if k:  # the last k entries first, then the others
            lead = (_ALL,) * d
            out = cat([getitem(out, lead + (slice(n - k, n),)),
                       getitem(out, lead + (slice(0, n - k),))], d)
    return out if out is not x else clone(x)


# --- repeating: repeat, tile, repeat_interleave ---

class Tile(Primitive):
    """y = x repeated reps[d] times along each dim d (np.tile, reps at least as long as
    x.ndim);  dx = gy summed over the copies."""

    __slots__ = ("reps",)
    save_inputs = False

    def __init__(self, reps):
        self.reps = reps

    def forward(self, x):
        return np.tile(x, self.reps)

    def backward(self, gy):
        F = self.F
        shape = self.in_shapes[0]
        full = (1,) * (len(self.reps) - len(shape)) + tuple(shape)
        # (r0 * s0, r1 * s1, ...) -> (r0, s0, r1, s1, ...): the copies get dims of their own
        split = tuple(n for pair in zip(self.reps, full) for n in pair)
        g = F.sum(F.reshape(gy, split), tuple(range(0, len(split), 2)))
        return F.reshape(g, shape)


def _tile(x, reps, op):
    if any(r < 0 for r in reps):
        raise ShapeError(f"{op}: repeats {reps} must be non-negative")
    return Tile.apply(x, reps=reps)


def repeat(self, *sizes):
    """self repeated sizes[d] times along each dim (np.tile); extra leading sizes add dims."""
    x = as_tensor(self, "repeat")
    if not sizes:
        raise TypeError("repeat: missing the repeats (one per dim)")
    reps = _shape_arg(sizes, "repeat")
    if len(reps) < x.ndim:
        raise ShapeError(f"repeat: the number of repeats {len(reps)} can not be smaller than "
                         f"the number of dims {x.ndim} of the tensor (shape "
                         f"{shape_str(x.shape)})")
    return _tile(x, reps, "repeat")


Tensor.repeat = repeat  # a Tensor method only, as in torch (no torch.repeat)


@export
def tile(input, *sizes, dims=None):
    """input repeated dims[d] times along each dim; a dims shorter than input.ndim is padded
    with leading 1s, a longer one adds leading dims. As torch: tile(x, (2, 1)),
    x.tile(2, 1) or tile(x, dims=(2, 1))."""
    x = as_tensor(input, "tile")
    if (dims is None) == (not sizes):
        raise TypeError("tile: give the repeats once: tile(input, dims) or dims=")
    reps = _shape_arg(sizes if dims is None else (dims,), "tile")
    reps = (1,) * (x.ndim - len(reps)) + reps
    return _tile(x, reps, "tile")


@export
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each entry of input repeated `repeats` times along dim (the flattened input when dim
    is None); repeats is an int or a tensor of one count per entry. With input alone (an
    integer tensor of counts), the indices repeated by those counts."""
    op = "repeat_interleave"
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = _index_array(input, op, "repeats")
        if counts.ndim != 1 or (counts.size and counts.min() < 0):
            raise ShapeError(f"{op}: repeats must be a 1-d tensor of non-negative counts, got "
                             f"shape {shape_str(counts.shape)}")
        return Tensor(np.repeat(np.arange(counts.size), counts))
    x = as_tensor(input, op)
    if dim is None:
        x, d = reshape(x, (-1,)), 0
    else:
        d = norm_dim(dim, x.ndim, op)
        if x.ndim == 0:
            x = reshape(x, (1,))
    n = x.shape[d]
    if isinstance(repeats, (Tensor, np.ndarray)):
        reps = _index_array(repeats, op, "repeats")
        if reps.ndim > 1:
            raise ShapeError(f"{op}: repeats must be a 0-d or 1-d tensor, got shape "
                             f"{shape_str(reps.shape)}")
        reps = reps.reshape(-1)
        if reps.size == 1:
            reps = np.full(n, reps[0])
        elif reps.size != n:
            raise ShapeError(f"{op}: repeats must have one count per entry of dim {d}: got "
                             f"{reps.size} counts for a size of {n}")
    else:
        reps = np.full(n, int(repeats))
    if reps.size and reps.min() < 0:
        raise ShapeError(f"{op}: repeats must be non-negative, got {int(reps.min())}")
    src = np.repeat(np.arange(n), reps)
    if output_size is not None and output_size != src.size:
        raise ShapeError(f"{op}: output_size {output_size} does not match the {src.size} "
                         "entries the repeats make")
    return getitem(x, (_ALL,) * d + (src,))


# --- diagonals: diagonal, diag_embed, diag, trace ---

def _diagonal_view(a, offset, dim1, dim2):
    """np.diagonal(a, offset, dim1, dim2) (those dims removed, the diagonal last), but a
    writeable view when a is (numpy's is read-only), as torch's diagonal is."""
    d = np.diagonal(a, offset, dim1, dim2)
    start = [_ALL] * a.ndim
    start[dim1] = slice(max(-offset, 0), None)
    start[dim2] = slice(max(offset, 0), None)
    first = a[tuple(start)]  # begins at the diagonal's first entry
    return np.lib.stride_tricks.as_strided(first, d.shape, d.strides,
                                           writeable=a.flags.writeable)


class Diagonal(Primitive):
    """y = the diagonal of x over dims dim1, dim2 (a view, the diagonal last);  dx = gy
    on that diagonal of zeros (DiagonalScatter)."""

    __slots__ = ("offset", "dim1", "dim2")
    save_inputs = False
    is_view = True

    def __init__(self, offset, dim1, dim2):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2

    def forward(self, x):
        return _diagonal_view(x, self.offset, self.dim1, self.dim2)

    def backward(self, gy):
        return self.F.apply(DiagonalScatter, gy, shape=self.in_shapes[0], offset=self.offset,
                            dim1=self.dim1, dim2=self.dim2)


class DiagonalScatter(Primitive):
    """y = zeros(shape) with g on the diagonal over dims dim1, dim2;  dg = that diagonal
    of gy (Diagonal)."""

    __slots__ = ("shape", "offset", "dim1", "dim2")
    save_inputs = False

    def __init__(self, shape, offset, dim1, dim2):
        self.shape, self.offset, self.dim1, self.dim2 = shape, offset, dim1, dim2

    def forward(self, g):
        y = np.zeros(self.shape, dtype=g.dtype)
        _diagonal_view(y, self.offset, self.dim1, self.dim2)[...] = g
        return y

    def backward(self, gy):
        return self.F.apply(Diagonal, gy, offset=self.offset, dim1=self.dim1, dim2=self.dim2)


def _two_dims(dim1, dim2, ndim, op):
    d1, d2 = norm_dim(dim1, ndim, op), norm_dim(dim2, ndim, op)
    if d1 == d2:
        raise ShapeError(f"{op}: dim1 and dim2 must be different dims, got {dim1} and {dim2}")
    return d1, d2


@export
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The view of input's diagonal over dims dim1 and dim2 (above the main one for
    offset > 0), those dims removed and the diagonal appended as the last dim."""
    x = as_tensor(input, "diagonal")
    d1, d2 = _two_dims(dim1, dim2, x.ndim, "diagonal")
    return Diagonal.apply(x, offset=int(offset), dim1=d1, dim2=d2)


@export
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Zeros with input's last dim on the diagonal over the new dims dim1 and dim2 (counted
    in the output's dims): each row of input becomes a (diagonal) matrix."""
    op = "diag_embed"
    x = as_tensor(input, op)
    d1, d2 = _two_dims(dim1, dim2, x.ndim + 1, op)
    offset = int(offset)
    m = (x.shape[-1] if x.ndim else 1) + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, m)
    return DiagonalScatter.apply(x, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


@export
def diag(input, diagonal=0):
    """A 1-d input -> the square matrix with it on the diagonal-th diagonal; a 2-d input ->
    a copy of its diagonal-th diagonal."""
    x = as_tensor(input, "diag")
    k = int(diagonal)
    if x.ndim == 1:
        m = x.shape[0] + abs(k)
        return DiagonalScatter.apply(x, shape=(m, m), offset=k, dim1=0, dim2=1)
    if x.ndim == 2:
        return clone(Diagonal.apply(x, offset=k, dim1=0, dim2=1))
    raise ShapeError(f"diag: input must be 1-d or 2-d, got shape {shape_str(x.shape)}")


@export
def trace(input):
    """The sum of a matrix's main diagonal."""
    x = as_tensor(input, "trace")
    if x.ndim != 2:
        raise ShapeError(f"trace: expects a matrix, got shape {shape_str(x.shape)}")
    return _sum(Diagonal.apply(x, offset=0, dim1=0, dim2=1))


# --- grids ---

@export(method=False)
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-d or 1-d tensors: with indexing='ij' (the default) output i
    varies along dim i; with 'xy' the first two dims are swapped (Cartesian, as numpy's
    default). Each output is an expanded (read-only) view of its input. As torch, warns
    when indexing is not given."""
    op = "meshgrid"
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ShapeError(f"{op}: expects a non-empty sequence of tensors")
    if indexing is None:
        warnings.warn(f"{op}: pass indexing='ij' (the default, used now) or indexing='xy'; "
                      "torch will require it", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"{op}: indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = [as_tensor(t, op) for t in tensors]
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ShapeError(f"{op}: expects 0-d or 1-d tensors, got shape "
                             f"{shape_str(t.shape)} at position {i}")
        if t.dtype != ts[0].dtype:
            raise _DtypeError(f"{op}: expects tensors of one dtype, got {ts[0].dtype} at "
                              f"position 0 and {t.dtype} at position {i}")
    pos = list(range(len(ts)))
    if indexing == "xy" and len(ts) > 1:
        pos[0], pos[1] = 1, 0
    sizes = [0] * len(ts)
    for i, t in enumerate(ts):
        sizes[pos[i]] = t.numel()
    out = []
    for i, t in enumerate(ts):
        shape = [1] * len(ts)
        shape[pos[i]] = sizes[pos[i]]
        out.append(expand(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)
