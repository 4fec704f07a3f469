"""Reductions and the normalising ops built on them (softmax, log_softmax, logsumexp)."""

import math
from collections import namedtuple

import numpy as np

from .._fpe import quiet, unquiet
from ..errors import ShapeError
from ..function import Primitive, export
from ._common import Tensor, _wrap, as_tensor, binary, floating, norm_dim, norm_dims, shape_str
from .elementwise import Sqrt, exp_nonpositive, maximum, minimum, where
from .shape import IndexAdd, reshape

MinMax = namedtuple("MinMax", ["values", "indices"])


def _kept_shape(shape, dims):
    """shape with the reduced dims set to 1 (what keepdim=True gives)."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _unreduce(F, gy, in_shape, dims):
    """Broadcast a reduced gradient back over the reduced dims."""
    kept = _kept_shape(in_shape, dims)
    if gy.shape != kept:
        gy = F.reshape(gy, kept)
    return F.expand(gy, in_shape)


def _dims(input, dim, op):
    return norm_dims(dim, input.data.ndim, op) if input.data.ndim else ()


# --- primitives ---

class _OverDims(Primitive):
    """A reduction over a tuple of dims, keeping them as size 1 or not."""

    __slots__ = ("dims", "keepdim")

    def __init__(self, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim


class Sum(_OverDims):
    """y = sum of x over dims;  dy/dx = 1 (gy broadcast back)."""

    __slots__ = ()
    save_inputs = False

    def forward(self, x):
        return x.sum(axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        return _unreduce(self.F, gy, self.in_shapes[0], self.dims)


class Prod(_OverDims):
    """y = product of x over dims;  dy/dx_i = product of the other elements."""

    __slots__ = ()
    save_output = True

    def forward(self, x):
        return np.prod(x, axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        F = self.F
        x = self.xs[0]
        shape = self.in_shapes[0]
        g = _unreduce(F, gy, shape, self.dims)
        if np.all(self.inputs[0].data != 0):
            return g * _unreduce(F, self.y, shape, self.dims) / x
        # zeros: the product of the others, by exclusive cumulative products (first order)
        others = _prod_of_others(self.inputs[0].data, self.dims)
        return g * F.const(others, gy.dtype)


def _prod_of_others(x, dims):
    moved = np.moveaxis(x, dims, range(x.ndim - len(dims), x.ndim))
    lead = moved.shape[: x.ndim - len(dims)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    out = (left * right).reshape(moved.shape)
    return np.moveaxis(out, range(x.ndim - len(dims), x.ndim), dims)


class MaxAll(_OverDims):
    """y = max (or min) of x over dims;  the gradient is shared evenly among ties."""

    __slots__ = ("is_min",)

    def __init__(self, dims, keepdim, is_min):
        super().__init__(dims, keepdim)
        self.is_min = is_min

    def forward(self, x):
        f = np.min if self.is_min else np.max
        return f(x, axis=self.dims, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0].data
        f = np.min if self.is_min else np.max
        hit = x == f(x, axis=self.dims, keepdims=True)
        share = hit / np.sum(hit, axis=self.dims, keepdims=True)
        F = self.F
        return _unreduce(F, gy, x.shape, self.dims) * F.const(share, gy.dtype)

    @property
    def name(self):
        return ("Min" if self.is_min else "Max") + "Backward"


class MaxDim(Primitive):
    """values = max (or min) of x along dim;  the gradient goes to the index returned."""

    __slots__ = ("dim", "keepdim", "is_min", "indices")
    save_inputs = False

    def __init__(self, dim, keepdim, is_min):
        self.dim, self.keepdim, self.is_min = dim, keepdim, is_min

    def forward(self, x):
        arg = np.argmin if self.is_min else np.argmax
        idx = arg(x, axis=self.dim, keepdims=True)
        self.indices = idx
        y = np.take_along_axis(x, idx, axis=self.dim)
        return y if self.keepdim else np.squeeze(y, axis=self.dim)

    def backward(self, gy):
        shape = self.in_shapes[0]
        onehot = np.arange(shape[self.dim]).reshape(
            [-1 if i == self.dim else 1 for i in range(len(shape))]) == self.indices
        F = self.F
        return _unreduce(F, gy, shape, (self.dim,)) * F.const(onehot, gy.dtype)

    @property
    def name(self):
        return ("Min" if self.is_min else "Max") + "Backward"


class LogSumExp(_OverDims):
    """y = log(sum(exp(x))) over dims;  dy/dx = exp(x - y) (the softmax)."""

    __slots__ = ()
    save_output = True

    def forward(self, x):
        m = _shift(x, self.dims)
        if m is None:  # an infinite or NaN maximum: shifted as torch does
            m = _shift_nonfinite(x, self.dims)
        token = quiet()  # rows of only -inf: log(0) = -inf, quietly
        try:
            y = np.log(np.sum(exp_nonpositive(x - m), axis=self.dims, keepdims=True)) + m
        finally:
            unquiet(token)
        return y if self.keepdim else np.squeeze(y, axis=self.dims)

    def backward(self, gy):
        F = self.F
        x, shape = self.xs[0], self.in_shapes[0]
        y = _unreduce(F, self.y, shape, self.dims)
        # x - y <= 0; NaN where x and y are the same infinity (torch's gradient there)
        return _unreduce(F, gy, shape, self.dims) * F.exp_nonpositive(x - y)


def _shift(x, dims):
    """max over dims, keepdims (0 for an empty x), or None when some maximum is not finite."""
    if x.size == 0:
        return np.zeros(_kept_shape(x.shape, dims), dtype=x.dtype)
    m = np.maximum.reduce(x, axis=dims, keepdims=True)
    return m if np.isfinite(m).all() else None


def _shift_nonfinite(x, dims):
    """torch's logsumexp shift: the max, with 0 where it is infinite (so a row holding +inf
    sums to inf, a row of only -inf to 0, and one with NaN stays NaN)."""
    m = np.maximum.reduce(x, axis=dims, keepdims=True)
    return np.where(np.isinf(m), 0, m).astype(x.dtype, copy=False)


class Softmax(Primitive):
    """y = exp(x) / sum(exp(x)) along dim;  dx = y * (gy - sum(gy * y))."""

    __slots__ = ("dim",)
    save_inputs = False
    save_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        m = _shift(x, (self.dim,))
        if m is not None:  # the usual case: finite maxima
            e = exp_nonpositive(x - m)
        else:  # as torch: NaN where a row holds NaN or +inf or only -inf (inf - inf)
            token = quiet()
            try:
                e = exp_nonpositive(x - np.maximum.reduce(x, axis=self.dim, keepdims=True))
            finally:
                unquiet(token)
        e /= e.sum(axis=self.dim, keepdims=True)
        return e

    def backward(self, gy):
        y = self.y
        return y * (gy - self.F.sum(gy * y, self.dim, keepdim=True))


class LogSoftmax(Primitive):
    """y = x - logsumexp(x) along dim;  dx = gy - exp(y) * sum(gy)."""

    __slots__ = ("dim",)
    save_inputs = False
    save_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        if x.size == 0:  # (a sum over no elements would take log(0))
            return x.copy()
        m = _shift(x, (self.dim,))
        if m is not None:  # the usual case: finite maxima, so each sum is at least 1
            z = x - m
            z -= np.log(np.add.reduce(exp_nonpositive(z), axis=self.dim, keepdims=True))
            return z
        # as torch: NaN where a row holds NaN or +inf or only -inf (inf - inf)
        token = quiet()
        try:
            z = x - np.maximum.reduce(x, axis=self.dim, keepdims=True)
            z -= np.log(np.add.reduce(exp_nonpositive(z), axis=self.dim, keepdims=True))
        finally:
            unquiet(token)
        return z

    def backward(self, gy):
        F = self.F
        return gy - F.exp_nonpositive(self.y) * F.sum(gy, self.dim, keepdim=True)


class Std(Sqrt):
    """y = sqrt(v), v a variance (std's last step);  dy/dv = 1 / (2 y), and 0 where y = 0
    (a constant input), as torch's std: sqrt's own derivative is inf there."""

    __slots__ = ()

    def backward(self, gy):
        y = self.y
        zero = self._y == 0
        if not zero.any():
            return gy / (y + y)
        F = self.F  # the inner where keeps 1 / 0 out of higher derivatives too
        return F.where(zero, 0.0, gy / F.where(zero, 1.0, y + y))


_STD = Std.apply1


class NllLoss(Primitive):
    """The negative log-likelihood of log-probabilities x picked at one index per target:
    l_i = -w_i x[index_i] (0 where the target is ignored), then summed ('sum'), summed and
    divided by den ('mean') or kept ('none');  dx = -w_i / den (times gy) at each index_i,
    zero elsewhere.

    One node for what picking, weighting, summing and dividing would record as four; as
    torch's nll_loss, it is a primitive of its own, and log_softmax stays another.
    """

    __slots__ = ("index", "w", "keep", "reduction", "den")
    save_inputs = False

    def __init__(self, index, w, keep, reduction, den):
        self.index, self.w, self.keep = index, w, keep
        self.reduction, self.den = reduction, den

    def forward(self, x):
        picked = x[self.index]
        if self.keep is not None:  # an ignored target may pick -inf: keep it out
            picked = np.where(self.keep, picked, 0)
        if self.w is not None:
            picked = picked * self.w
        if self.reduction == "none":
            return -picked
        total = np.add.reduce(picked, axis=None)
        return np.asarray(-total if self.reduction == "sum" else total / -self.den)

    def _weights(self, dtype):
        """w_i per target, 0 where ignored, or None when every one is 1."""
        if self.w is None and self.keep is None:
            return None
        c = np.ones(self.keep.shape, dtype) if self.w is None else self.w.astype(dtype)
        return c if self.keep is None else np.where(self.keep, c, 0)

    def backward(self, gy):
        F = self.F
        shape = self.in_shapes[0]
        c = self._weights(gy.dtype)
        g = gy / -self.den if self.reduction == "mean" else -gy
        if self.reduction == "none":
            if c is not None:
                g = g * F.const(c, gy.dtype)
            return F.apply(IndexAdd, g, index=self.index, advanced=True, shape=shape)
        m = np.zeros(shape, gy.dtype)  # w_i at each target's own place (no two share one)
        m[self.index] = 1 if c is None else c
        return F.const(m, gy.dtype) * g


def nll(input, index, weight=None, keep=None, reduction="mean", denominator=1.0):
    """The NllLoss node on log-probabilities `input` (checked by the caller: nn's losses):
    `index` picks one entry per target, `weight` (per target) scales it, `keep` (bool per
    target) masks ignored ones, and 'mean' divides the sum by `denominator`."""
    return NllLoss.apply(input, index=index, w=weight, keep=keep, reduction=reduction,
                         den=denominator)


# --- public functions ---

@export
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    x = as_tensor(input, "sum")
    if dtype is not None:
        x = x.to(dtype)
    return Sum.apply(x, dims=_dims(x, dim, "sum"), keepdim=keepdim)


@export
def mean(input, dim=None, keepdim=False, *, dtype=None):
    x = as_tensor(input, "mean")
    if dtype is not None:
        x = x.to(dtype)
    if x.data.dtype.kind != "f":
        raise TypeError(f"mean: input dtype must be floating point, got {x.dtype}; "
                        "use .float() first")
    dims = _dims(x, dim, "mean")
    n = math.prod([x.shape[d] for d in dims])
    return Sum.apply(x, dims=dims, keepdim=keepdim) / n


@export
def prod(input, dim=None, keepdim=False):
    x = as_tensor(input, "prod")
    return Prod.apply(x, dims=_dims(x, dim, "prod"), keepdim=keepdim)


def _minmax(input, dim, keepdim, other, is_min):
    op = "min" if is_min else "max"
    if isinstance(dim, Tensor) or other is not None:  # torch.max(a, b): elementwise
        b = dim if other is None else other
        return minimum(input, b) if is_min else maximum(input, b)
    x = as_tensor(input, op)
    if x.data.size == 0 and (dim is None or x.data.shape[norm_dim(dim, x.ndim, op)] == 0):
        raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {tuple(x.shape)} "
                         "(there is no identity)")
    if dim is None:
        return MaxAll.apply(x, dims=_dims(x, None, op), keepdim=keepdim, is_min=is_min)
    d = norm_dim(dim, x.ndim, op) if x.ndim else None
    if d is None:  # 0-d: values is the tensor itself, index 0
        return MinMax(MaxAll.apply(x, dims=(), keepdim=keepdim, is_min=is_min),
                      _wrap(np.zeros((), dtype=np.int64)))
    values = MaxDim.apply(x, dim=d, keepdim=keepdim, is_min=is_min)
    idx = values.grad_fn.indices if values.grad_fn is not None else None
    if idx is None:
        arg = np.argmin if is_min else np.argmax
        idx = arg(x.data, axis=d, keepdims=True)
    indices = idx if keepdim else np.squeeze(idx, axis=d)
    return MinMax(values, _wrap(np.asarray(indices, dtype=np.int64)))


@export
def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """max over all elements; with dim, (values, indices); max(a, b) is maximum."""
    return _minmax(input, dim, keepdim, other, False)


@export
def min(input, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """min over all elements; with dim, (values, indices); min(a, b) is minimum."""
    return _minmax(input, dim, keepdim, other, True)


@export
def amax(input, dim=None, keepdim=False):
    x = as_tensor(input, "amax")
    return MaxAll.apply(x, dims=_nonempty_dims(x, dim, "amax"), keepdim=keepdim, is_min=False)


@export
def amin(input, dim=None, keepdim=False):
    x = as_tensor(input, "amin")
    return MaxAll.apply(x, dims=_nonempty_dims(x, dim, "amin"), keepdim=keepdim, is_min=True)


def _nonempty_dims(x, dim, op):
    """_dims, checked to reduce over no empty dim (max and min have no identity)."""
    dims = _dims(x, dim, op)
    if x.data.size == 0:
        for d in dims:
            if x.data.shape[d] == 0:
                raise ShapeError(f"{op}: cannot reduce over dim {d} of size 0 (tensor of "
                                 f"shape {tuple(x.shape)})")
    return dims


def _arg(input, dim, keepdim, is_min):
    op = "argmin" if is_min else "argmax"
    x = as_tensor(input, op)
    f = np.argmin if is_min else np.argmax
    if dim is None:
        if x.data.size == 0:
            raise ShapeError(f"{op}: cannot reduce an empty tensor of shape {tuple(x.shape)}")
        i = f(x.data)
        out = np.asarray(i) if not keepdim else np.full((1,) * x.ndim, i)
        return _wrap(out.astype(np.int64))
    d = norm_dim(dim, x.ndim, op) if x.ndim else None
    if d is None:
        return _wrap(np.zeros((), dtype=np.int64))
    if x.data.shape[d] == 0:  # (an empty tensor is fine when the reduced dim is not empty)
        raise ShapeError(f"{op}: cannot reduce over dim {d} of size 0 (tensor of shape "
                         f"{tuple(x.shape)})")
    return _wrap(np.asarray(f(x.data, axis=d, keepdims=keepdim), dtype=np.int64))


@export
def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


@export
def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


@export
def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """Variance over dim; correction (default 1, or 0 when unbiased=False) as in torch."""
    return _var(input, dim, unbiased, keepdim, correction, "var")


def _var(input, dim, unbiased, keepdim, correction, op):
    x = floating(input, op)
    dims = _dims(x, dim, op)
    n = math.prod([x.shape[d] for d in dims])
    ddof = (1 if unbiased else 0) if correction is None else correction
    diff = x - mean(x, dims, keepdim=True)
    return sum(diff * diff, dims, keepdim=keepdim) / max_(n - ddof, 0)


def max_(a, b):
    return a if a > b else b


@export
def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return _STD(_var(input, dim, unbiased, keepdim, correction, "std"))


@export
def logsumexp(input, dim=None, keepdim=False):
    x = floating(input, "logsumexp")
    return LogSumExp.apply(x, dims=_dims(x, dim, "logsumexp"), keepdim=keepdim)


@export
def softmax(input, dim=-1, dtype=None):
    x = floating(input, "softmax")
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:
        return Softmax.apply(reshape(x, (1,)), dim=0).reshape(())
    return Softmax.apply(x, dim=norm_dim(dim, x.ndim, "softmax"))


@export
def log_softmax(input, dim=-1, dtype=None):
    x = floating(input, "log_softmax")
    if dtype is not None:
        x = x.to(dtype)
    if x.ndim == 0:
        return LogSoftmax.apply(reshape(x, (1,)), dim=0).reshape(())
    return LogSoftmax.apply(x, dim=norm_dim(dim, x.ndim, "log_softmax"))


# --- torch's further reductions: any, all, count_nonzero, norm, dist, var_mean, bincount ---

_INF = float("inf")
_sum = sum  # the op (this module's sum shadows the builtin)

def _reduce_dims(x, dim, op):
    """dim (None, an int or a tuple) as a tuple of non-negative dims; () for a 0-d tensor."""
    return norm_dims(dim, x.ndim, op) if x.ndim else ()


def _truth(input, dim, keepdim, op, f):
    x = as_tensor(input, op)
    if isinstance(dim, (tuple, list)) and not dim:  # as torch's any/all: dim=() reduces none
        return _wrap(x.data != 0)
    dims = _reduce_dims(x, dim, op)
    return _wrap(np.asarray(f(x.data, axis=dims, keepdims=keepdim)))


@export
def any(input, dim=None, keepdim=False):  # noqa: A001
    """Whether any element is nonzero (over dim): a bool tensor."""
    return _truth(input, dim, keepdim, "any", np.any)


@export
def all(input, dim=None, keepdim=False):  # noqa: A001
    """Whether every element is nonzero (over dim): a bool tensor."""
    return _truth(input, dim, keepdim, "all", np.all)


@export
def count_nonzero(input, dim=None):
    """The number of nonzero elements (over dim), int64."""
    x = as_tensor(input, "count_nonzero")
    dims = _reduce_dims(x, dim, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(x.data, axis=dims), dtype=np.int64))


def _vector_norm(x, p, dims, keepdim):
    """The p-norm of x over dims; its gradient is 0 where the norm is 0 and, for p > 0,
    at zero elements (torch's subgradient choice)."""
    if p == 2:
        return _STD(_sum(x * x, dims, keepdim))  # Std: gradient 0 at a zero norm
    if p == 1:
        return _sum(x.abs(), dims, keepdim)
    if p == _INF:
        return amax(x.abs(), dims, keepdim)
    if p == -_INF:
        return amin(x.abs(), dims, keepdim)
    if p == 0:  # the count of nonzero elements; x * 0 gives it a (zero) gradient, as torch
        return _sum(where(x != 0, 1.0, x * 0), dims, keepdim)
    # Powers that blow up at 0 (|x|^(p-1) for 0 < p < 1 or p < 0; the root's derivative
    # where the sum is 0 or inf) see 1 instead, behind a where that then drops them: the
    # double-where trick (a where alone still lets inf * 0 = NaN into the gradient). A zero
    # element adds 0 (p > 0) or inf (p < 0: the norm is then 0); NaN stays NaN.
    a = x.abs()
    nz = _wrap(a.data != 0)
    s = _sum(where(nz, where(nz, a, 1.0) ** p, 0.0 if p > 0 else _INF), dims, keepdim)
    regular = _wrap((s.data > 0) & np.isfinite(s.data))
    with np.errstate(divide="ignore", over="ignore"):
        edge = _wrap(np.asarray(s.data ** (1.0 / p), dtype=s.data.dtype))  # 0 or inf
    return where(regular, where(regular, s, 1.0) ** (1.0 / p), edge)


def _norm_p(p, op):
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        if p == "nuc":
            raise NotImplementedError(f"{op}: p='nuc' (the nuclear norm) is not supported")
        raise ValueError(f"{op}: p must be a number, 'fro' or 'nuc', got {p!r}")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: p must be a number or a string, got {type(p).__name__}")
    p = float(p)
    if math.isnan(p):
        raise ValueError(f"{op}: p must not be nan")
    return p


def _float_input(input, op):
    x = as_tensor(input, op)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor as input, got {x.dtype}")
    return x


@export
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of input's elements (over dim): p a number (inf, -inf and 0 included) or
    'fro' (2), as torch.norm; the gradient at a zero norm is 0."""
    x = as_tensor(input, "norm")
    if dtype is not None:
        x = x.to(dtype)
    x = _float_input(x, "norm")
    if p == "fro" and isinstance(dim, (list, tuple)) and len(dim) > 2:
        raise ShapeError(f"norm: p='fro' takes at most 2 dims, got dim={tuple(dim)}")
    return _vector_norm(x, _norm_p(p, "norm"), _reduce_dims(x, dim, "norm"), keepdim)


@export
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    a, b = binary(input, other, "dist")
    diff = _float_input(a - b, "dist")
    return _vector_norm(diff, _norm_p(p, "dist"), tuple(range(diff.ndim)), False)


def _var_args(dim, unbiased):
    if isinstance(dim, bool):  # var_mean(x, False): torch's unbiased overload
        return None, dim
    return dim, unbiased


@export(method=False)
def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(var, mean) over dim; correction (default 1, or 0 when unbiased=False) as in torch."""
    dim, unbiased = _var_args(dim, unbiased)
    x = floating(input, "var_mean")
    return (var(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim))


@export(method=False)
def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """(std, mean) over dim; correction (default 1, or 0 when unbiased=False) as in torch."""
    dim, unbiased = _var_args(dim, unbiased)
    x = floating(input, "std_mean")
    return (std(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim))


def _nonnegative_ints(input, op):
    x = as_tensor(input, op)
    a = x.data
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise ValueError(f"{op}: input must be a 1-d tensor of integers, got a "
                         f"{a.ndim}-d tensor of {x.dtype}")
    if a.size and a.min() < 0:
        raise ValueError(f"{op}: input must not be negative, got {int(a.min())}")
    return a


@export
def bincount(input, weights=None, minlength=0):
    """Counts (or summed weights) of each value in a 1-d tensor of non-negative integers."""
    a = _nonnegative_ints(input, "bincount")
    if isinstance(minlength, bool) or not isinstance(minlength, (int, np.integer)) \
            or minlength < 0:
        raise ValueError(f"bincount: minlength must be a non-negative int, got {minlength!r}")
    if weights is None:
        return _wrap(np.bincount(a, minlength=minlength).astype(np.int64))
    w = as_tensor(weights, "bincount", "weights").data
    if w.shape != a.shape:
        raise ShapeError(f"bincount: weights of shape {shape_str(w.shape)} do not match input "
                         f"of shape {shape_str(a.shape)}")
    # as torch: float32 weights sum in float32, any other dtype in float64
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return _wrap(np.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(dt))


@export
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """A histogram of input's elements in `bins` equal bins over [min, max] (the data's range
    when min == max); elements outside are left out."""
    x = _float_input(input, "histc")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise ValueError(f"histc: bins must be a positive int, got {bins!r}")
    a = x.data.ravel()
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"histc: max ({max}) must be larger than min ({min})")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"histc: range of [{lo}, {hi}] is not finite")
    inside = a[(a >= lo) & (a <= hi)].astype(np.float64)
    b = ((inside - lo) * bins / (hi - lo)).astype(np.int64)
    b[b == bins] = bins - 1  # the right edge belongs to the last bin
    return _wrap(np.bincount(b, minlength=bins).astype(x.data.dtype))
