"""Shape primitives: views, broadcasting, indexing, concatenation and padding."""

import functools
import math

import numpy as np

from .. import dtypes
from ..errors import ShapeError
from ..function import Primitive, SliceGrad, ZeroGrad, export
from ._common import Tensor, as_tensor, norm_dim, shape_str
from .elementwise import cast, clone

_ALL = slice(None)

# --- views ---


class Reshape(Primitive):
    """y = x with a new shape;  dx = gy reshaped back."""

    __slots__ = ("shape",)
    save_inputs = False
    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return self.F.reshape(gy, self.in_shapes[0])


class Permute(Primitive):
    """y = x with its dims reordered;  dx = gy with the inverse order."""

    __slots__ = ("dims",)
    save_inputs = False
    is_view = True

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, gy):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return self.F.permute(gy, tuple(inverse))


class Expand(Primitive):
    """y = x broadcast to a shape (a read-only view);  dx = gy summed back (by the engine)."""

    __slots__ = ("shape",)
    save_inputs = False
    is_view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, gy):
        return gy


class SumTo(Primitive):
    """y = x summed down to a broadcast-compatible shape;  dx = gy broadcast back."""

    __slots__ = ("shape",)
    save_inputs = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        return _sum_to(x, self.shape)

    def backward(self, gy):
        return self.F.expand(gy, self.in_shapes[0])


def _sum_to(x, shape):
    lead = x.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=dims, keepdims=True) if dims else x
    return y.reshape(shape) if lead else y


def sum_to(x, shape):
    """Sum a gradient down to the shape of the input it broadcast from (the engine's one
    place for undoing broadcasting)."""
    return SumTo.apply(x, shape=shape)


# --- indexing ---

class _TwoSteps:
    """An index whose integers are applied before its arrays, as PyTorch does: with both,
    numpy counts an integer as one more array index (so arrays split by an integer send
    their dims to the front), while PyTorch selects with the integer first. `first` is
    basic (integers, slices, None; a full slice for each array's dims), `second` holds
    the arrays. Since `a[first]` is a view, reading, writing and scatter-adding through
    it all work."""

    __slots__ = ("first", "second")

    def __init__(self, index):
        first, second = [], []
        for i in index:
            if isinstance(i, np.ndarray):
                k = i.ndim if i.dtype == np.bool_ else 1
                first += [slice(None)] * k
                second.append(i)
            elif i is None or isinstance(i, slice):
                first.append(i)
                second.append(slice(None))
            elif i is Ellipsis:
                first.append(i)
                second.append(i)
            else:  # an integer: its dim is gone after the first step
                first.append(i)
        self.first, self.second = tuple(first), tuple(second)

    def __repr__(self):
        return f"{self.first}{self.second}"


def index_get(a, index):
    return a[index.first][index.second] if type(index) is _TwoSteps else a[index]


def index_set(a, index, value):
    if type(index) is _TwoSteps:
        a[index.first][index.second] = value
    else:
        a[index] = value


def index_add_at(a, index, value):
    if type(index) is _TwoSteps:
        np.add.at(a[index.first], index.second, value)
    else:
        np.add.at(a, index, value)


def _norm_index(index):
    """Tensors and lists inside an index -> ndarrays (int64 or bool); an index mixing
    integers and arrays becomes a _TwoSteps (PyTorch's order). Returns (index, advanced)."""
    if type(index) is _TwoSteps:
        return index, True
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    advanced = has_int = has_bool_scalar = False
    for i in index:
        if isinstance(i, Tensor):
            i = i.data
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0 and i.dtype.kind == "f":
                i = i.astype(np.int64)  # an empty list is an empty int64 index, as in torch
        if isinstance(i, np.ndarray):
            if i.dtype.kind not in "iub":
                raise IndexError(f"getitem: tensors used as indices must be integer or bool, "
                                 f"got {i.dtype}")
            if i.ndim == 0 and i.dtype.kind in "iu":
                i = int(i)  # a 0-d integer tensor indexes as an integer, as in PyTorch
                has_int = True
            else:
                advanced = True
        elif isinstance(i, bool):
            advanced = has_bool_scalar = True
        elif isinstance(i, (int, np.integer)):
            has_int = True
        elif not (i is None or i is Ellipsis or isinstance(i, slice)):
            raise IndexError(f"getitem: unsupported index of type {type(i).__name__}")
        out.append(i)
    if advanced and has_int and not has_bool_scalar:
        return _TwoSteps(out), True
    return tuple(out), advanced


class GetItem(Primitive):
    """y = x[index];  dx = gy scattered back into zeros (repeated indices add up)."""

    __slots__ = ("index", "advanced")
    save_inputs = False

    def __init__(self, index, advanced):
        self.index, self.advanced = index, advanced

    def forward(self, x):
        try:
            return index_get(x, self.index)
        except IndexError as e:
            msg = str(e).replace("axis", "dim")
            raise IndexError(f"getitem: {msg} (tensor of shape {shape_str(x.shape)})") from None

    def backward(self, gy):
        return self.F.apply(IndexAdd, gy, index=self.index, advanced=self.advanced,
                            shape=self.in_shapes[0])


class IndexAdd(Primitive):
    """y = zeros(shape) with g added at index;  dg = gy[index]."""

    __slots__ = ("index", "advanced", "shape")
    save_inputs = False

    def __init__(self, index, advanced, shape):
        self.index, self.advanced, self.shape = index, advanced, shape

    def forward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.advanced:
            index_add_at(out, self.index, g)
        else:
            out[self.index] = g
        return out

    def backward(self, gy):
        return self.F.apply(GetItem, gy, index=self.index, advanced=self.advanced)


class GetItemView(GetItem):
    """x[index] with basic indexing only: a view sharing x's memory."""

    __slots__ = ()
    is_view = True

    def backward(self, gy):
        if type(gy) is np.ndarray:  # a first-order pass: the engine adds it in lazily
            return SliceGrad(self.index, gy, self.in_shapes[0])
        return GetItem.backward(self, gy)

    @property
    def name(self):
        return "GetItemBackward"


def _basic(index):
    """Whether an index holds only slices, Python ints and Ellipsis (x[:, t], x[..., :n]):
    basic indexing that needs none of _norm_index's conversions."""
    for i in index:
        kind = type(i)
        if kind is not slice and kind is not int and i is not Ellipsis:
            return False
    return True


@export(method=False)
def getitem(input, index):
    if type(index) is tuple and type(input) is Tensor and input.data.ndim and _basic(index):
        # slices and integers (the hot path of RNN steps and gate slices): a view
        return _GET_VIEW(input, GetItemView(index, False))
    x = as_tensor(input, "getitem")
    idx, advanced = _norm_index(index)
    if not advanced and len(idx) == 1 and isinstance(idx[0], (int, np.integer)):
        n = x.data.shape[0] if x.data.ndim else None
        if n is None:
            raise IndexError("getitem: invalid index of a 0-d tensor; use tensor.item() "
                             "or tensor[()]")
    cls = GetItem if advanced else GetItemView
    return cls.apply(x, index=idx, advanced=advanced)


_GET_VIEW = GetItemView.apply1


# --- joining and splitting ---

class Cat(Primitive):
    """y = the inputs joined along dim;  each dx is its slice of gy."""

    __slots__ = ("dim",)
    save_inputs = False

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.dim)

    def backward(self, gy):
        grads, start = [], 0
        lead = (slice(None),) * self.dim
        for parent, shape in zip(self.parents, self.in_shapes):
            stop = start + shape[self.dim]
            grads.append(gy[lead + (slice(start, stop),)] if parent is not None else None)
            start = stop
        return tuple(grads)


class Stack(Primitive):
    """y = the inputs stacked along a new dim;  each dx is its slice of gy."""

    __slots__ = ("dim",)
    save_inputs = False

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        return np.stack(xs, axis=self.dim)

    takes_slice_grads = True

    def backward(self, gy):
        if type(gy) is SliceGrad:  # y[:, -1] of a stack of steps: only one input gets any
            grads = self._split(gy)
            if grads is not None:
                return grads
            gy = gy.dense()
        lead = (slice(None),) * self.dim
        return tuple(gy[lead + (i,)] if parent is not None else None
                     for i, parent in enumerate(self.parents))

    def _split(self, sg):
        """The gradients of the inputs from a slice gradient that picks one input along the
        stacked dim (the others get a ZeroGrad: no zero-filled arrays to add), or None for
        any other index."""
        index, d = sg.index, self.dim
        if len(index) <= d or type(index[d]) is not int:
            return None
        for i in index:  # only ints and slices, so index[d] is dim d's
            if type(i) is not slice and type(i) is not int:
                return None
        n = len(self.parents)
        k = index[d] + n if index[d] < 0 else index[d]
        rest = index[:d] + index[d + 1:]
        shape = sg.shape[:d] + sg.shape[d + 1:]
        whole = all(type(i) is slice and i == _ALL for i in rest)
        g = sg.value if whole else SliceGrad(rest, sg.value, shape)
        zero = ZeroGrad(shape, sg.value.dtype)
        return tuple((g if i == k else zero) if p is not None else None
                     for i, p in enumerate(self.parents))


@export(method=False)
def cat(tensors, dim=0):
    """Join tensors along an existing dim; all other dims must agree."""
    ts = _tensor_list(tensors, "cat")
    ref = ts[0]
    if ref.ndim == 0:
        raise ShapeError("cat: zero-dimensional tensor at position 0 cannot be concatenated")
    d = norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(ts[1:], 1):
        if t.ndim != ref.ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape))
                                     if j != d):
            raise ShapeError(f"cat: tensors must have the same shape except in dim {d}: "
                             f"{shape_str(ref.shape)} at position 0 and {shape_str(t.shape)} "
                             f"at position {i}")
    ts = _same_dtype(ts)
    return Cat.apply(*ts, dim=d)


@export(method=False)
def concat(tensors, dim=0):
    """Alias of cat."""
    return cat(tensors, dim)


@export(method=False)
def stack(tensors, dim=0):
    """Join tensors along a new dim; all shapes must be equal."""
    ts = _tensor_list(tensors, "stack")
    for i, t in enumerate(ts[1:], 1):
        if t.shape != ts[0].shape:
            raise ShapeError(f"stack: expects each tensor to be equal size, but got "
                             f"{shape_str(ts[0].shape)} at entry 0 and {shape_str(t.shape)} "
                             f"at entry {i}")
    d = norm_dim(dim, ts[0].ndim + 1, "stack")
    return Stack.apply(*_same_dtype(ts), dim=d)


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"{op}: expected a sequence of Tensors, got {type(tensors).__name__}")
    ts = [as_tensor(t, op) for t in tensors]
    if not ts:
        raise ShapeError(f"{op}: expected a non-empty sequence of Tensors")
    return ts


def _same_dtype(ts):
    """The inputs cast to their result type, torch's promotion (float32 + int64 -> float32,
    int64 + bool -> int64); each Cast sends its input's gradient back in its own dtype."""
    dt = ts[0].data.dtype
    if all(t.data.dtype == dt for t in ts):
        return ts
    for t in ts[1:]:  # every input counts as dimensioned (stack's 0-d ones become 1-d)
        dt = dtypes.promote(dt, t.data.dtype, True, True)
    return [t if t.data.dtype == dt else cast(t, dt) for t in ts]


@export
def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces of a given size (the last may be smaller) or of given sizes."""
    x = as_tensor(tensor, "split")
    d = norm_dim(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        if n == 0:
            sizes = [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ShapeError(f"split: sizes {tuple(sizes)} must sum to {n}, the size of dim {d} "
                             f"of a tensor of shape {shape_str(x.shape)}")
    out, start = [], 0
    lead = (slice(None),) * d
    for s in sizes:
        out.append(x[lead + (slice(start, start + s),)])
        start += s
    return tuple(out)


@export
def chunk(input, chunks, dim=0):
    """Split into `chunks` pieces of equal size (the last may be smaller), as torch.chunk."""
    x = as_tensor(input, "chunk")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    d = norm_dim(dim, x.ndim, "chunk")
    n = x.shape[d]
    if n == 0:  # as torch: `chunks` empty pieces (any number of them adds up to 0)
        return split(x, [0] * chunks, d)
    return split(x, -(-n // chunks), d)


# --- reshaping (composites of Reshape / Permute / Expand) ---

def _shape_arg(shape, op):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be ints, got {shape!r}") from None


@export
def reshape(input, *shape):
    x = as_tensor(input, "reshape")
    shape = _shape_arg(shape, "reshape")
    if shape == x.data.shape:
        return x if not x._requires_grad else Reshape.apply(x, shape=shape)
    n_infer = shape.count(-1)
    known = math.prod([s for s in shape if s != -1])
    size = x.data.size
    if n_infer > 1 or any(s < -1 for s in shape) or (
            size != known if n_infer == 0 else (known == 0 or size % known)):
        raise ShapeError(f"reshape: shape {shape_str(shape)} is invalid for input of size "
                         f"{size} (shape {shape_str(x.shape)})")
    return Reshape.apply(x, shape=shape)


@export
def view(input, *shape):
    return reshape(input, *shape)


@export
def view_as(input, other):
    return reshape(input, other.shape)


@export
def reshape_as(input, other):
    return reshape(input, other.shape)


@export
def flatten(input, start_dim=0, end_dim=-1):
    x = as_tensor(input, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    s = norm_dim(start_dim, x.ndim, "flatten")
    e = norm_dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return reshape(x, shape)


@export
def permute(input, *dims):
    x = as_tensor(input, "permute")
    dims = _shape_arg(dims, "permute")
    nd = x.ndim
    if len(dims) != nd:
        raise ShapeError(f"permute: dims {dims} must name each of the {nd} dims of a tensor "
                         f"of shape {shape_str(x.shape)} once")
    dims = tuple(norm_dim(d, nd, "permute") for d in dims)
    if sorted(dims) != list(range(nd)):
        raise ShapeError(f"permute: dims {dims} is not a permutation of the {nd} dims of a "
                         f"tensor of shape {shape_str(x.shape)}")
    return Permute.apply(x, dims=dims)


@export
def transpose(input, dim0, dim1):
    x = as_tensor(input, "transpose")
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    d0, d1 = norm_dim(dim0, x.ndim, "transpose"), norm_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(x, dims=tuple(dims))


@export
def t(input):
    x = as_tensor(input, "t")
    nd = x.data.ndim
    if nd > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dims, got shape {shape_str(x.shape)}")
    return Permute.apply(x, dims=(1, 0)) if nd == 2 else x


@export
def squeeze(input, dim=None):
    x = as_tensor(input, "squeeze")
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {norm_dim(d, x.ndim, "squeeze") for d in dims} if x.ndim else set()
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


@export
def unsqueeze(input, dim):
    x = as_tensor(input, "unsqueeze")
    d = norm_dim(dim, x.ndim + 1, "unsqueeze")
    return Reshape.apply(x, shape=x.shape[:d] + (1,) + x.shape[d:])


@export
def expand(input, *sizes):
    """Broadcast to a larger shape (-1 keeps a dim); a read-only view, as torch.expand."""
    x = as_tensor(input, "expand")
    sizes = _shape_arg(sizes, "expand")
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ShapeError(f"expand: the number of sizes {len(sizes)} must be at least the "
                         f"number of dims {x.ndim} (shape {shape_str(x.shape)})")
    shape = []
    for i, s in enumerate(sizes):
        old = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if old is None:
                raise ShapeError(f"expand: -1 is not allowed in a new leading dim ({sizes})")
            s = old
        if old is not None and old != 1 and old != s:
            raise ShapeError(f"expand: the expanded size {s} must match the existing size {old} "
                             f"at non-singleton dim {i}: shape {shape_str(x.shape)} to "
                             f"{shape_str(sizes)}")
        shape.append(s)
    shape = tuple(shape)
    if shape == x.data.shape:
        return x
    return Expand.apply(x, shape=shape)


@export
def broadcast_to(input, shape):
    x = as_tensor(input, "broadcast_to")
    shape = _shape_arg((shape,) if not isinstance(shape, (tuple, list)) else (shape,),
                       "broadcast_to")
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: shape {shape_str(x.shape)} cannot be broadcast to "
                         f"{shape_str(shape)}") from None
    return expand(x, shape)


@export
def expand_as(input, other):
    return expand(input, other.shape)


@export(method=False)
def broadcast_tensors(*tensors):
    ts = [as_tensor(t, "broadcast_tensors") for t in tensors]
    try:
        shape = np.broadcast_shapes(*[t.shape for t in ts])
    except ValueError:
        raise ShapeError("broadcast_tensors: shapes " + ", ".join(shape_str(t.shape) for t in ts)
                         + " cannot be broadcast together") from None
    return tuple(expand(t, shape) for t in ts)


# --- padding ---

class Pad(Primitive):
    """y = x padded (or cropped, for negative amounts) with a constant;  dx = gy cropped."""

    __slots__ = ("widths", "value")
    save_inputs = False

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        crop = tuple(slice(-lo if lo < 0 else 0, (hi if hi < 0 else None) or None)
                     for lo, hi in self.widths)
        x = x[crop]
        grow = [(lo if lo > 0 else 0, hi if hi > 0 else 0) for lo, hi in self.widths]
        if any(lo or hi for lo, hi in grow):
            x = np.pad(x, grow, mode="constant", constant_values=self.value)
        return np.array(x, copy=True) if not x.flags.owndata else x

    def backward(self, gy):
        return self.F.apply(Pad, gy, widths=tuple((-lo, -hi) for lo, hi in self.widths), value=0)


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


@export(method=False)
def pad(input, pad, value=0, mode="constant"):  # noqa: A002
    """Pad the last len(pad) // 2 dims: pad = (left, right) for the last dim, then the one
    before, ... as torch.nn.functional.pad. mode 'constant' fills with value (negative
    amounts crop); 'reflect' mirrors without the edge, 'replicate' repeats the edge and
    'circular' wraps around (these take no value)."""
    x = as_tensor(input, "pad")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ShapeError(f"pad: padding length {len(pad)} must be even and at most twice the "
                         f"number of dims ({x.ndim}) of a tensor of shape {shape_str(x.shape)}")
    if mode != "constant":
        if mode not in _PAD_MODES:
            raise ValueError(f"pad: mode {mode!r} is not supported ({', '.join(_PAD_MODES)})")
        if value is not None and value != 0:
            raise ValueError(f"pad: value is only used with mode 'constant', not {mode!r}")
        return _pad_by_index(x, pad, mode)
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    for d, (lo, hi) in enumerate(widths):
        # the crops come first, as torch's narrow: they alone must leave a size >= 0
        if x.shape[d] + min(lo, 0) + min(hi, 0) < 0 or x.shape[d] + lo + hi < 0:
            raise ShapeError(f"pad: padding {(lo, hi)} would make dim {d} of a tensor of shape "
                             f"{shape_str(x.shape)} negative")
    return Pad.apply(x, widths=tuple(widths), value=0 if value is None else value)


def _pad_by_index(x, pad, mode):
    """reflect, replicate or circular padding: per padded dim, a gather of the source
    positions (getitem with an index array), whose gradient adds each copy back."""
    shape = x.shape
    out = x
    for k in range(len(pad) // 2):
        dim = x.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        if lo == 0 and hi == 0:
            continue
        n = shape[dim]
        bad = functools.partial(_pad_error, mode, (lo, hi), dim, shape)
        if n + lo + hi < 0:
            raise bad("would make it negative")
        if mode == "circular":  # as torch: crop by the negative amounts, then wrap around
            start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
            if max(lo, 0) > m or max(hi, 0) > m:
                raise bad(f"must be at most the size it wraps around ({max(m, 0)})")
            idx = start + np.arange(-max(lo, 0), m + max(hi, 0)) % max(m, 1)
        else:
            if mode == "reflect" and (lo >= n or hi >= n):
                raise bad(f"must be less than its size ({n})")
            if n == 0:
                raise bad("cannot fill from an empty dim")
            idx = np.arange(-lo, n + hi)
            if mode == "replicate":
                idx = np.clip(idx, 0, n - 1)
            else:
                idx = np.abs(idx)
                idx = np.where(idx > n - 1, 2 * (n - 1) - idx, idx)
                if idx.size and idx.min() < 0:
                    raise bad(f"crops past the mirrored range of its size ({n})")
        out = getitem(out, (slice(None),) * dim + (idx,))
    return out if out is not x else clone(x)


def _pad_error(mode, amounts, dim, shape, rule):
    return ValueError(f"pad: {mode} padding {amounts} of dim {dim} {rule} (input of shape "
                      f"{shape_str(shape)})")
