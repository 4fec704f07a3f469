"""Scans (cumsum, cumprod, logcumsumexp, cummax, cummin) and sorting and selection (sort,
argsort, topk, kthvalue, median): the picked values are GetItems of the input, so their
gradients scatter back to the picked positions."""

from collections import namedtuple

import numpy as np

from .._fpe import quiet, unquiet
from ..errors import ShapeError
from ..function import Primitive, export
from ._common import _wrap, as_tensor, floating, norm_dim, shape_str
from .shape import getitem, reshape

Sort = namedtuple("Sort", ["values", "indices"])
TopK = namedtuple("TopK", ["values", "indices"])
KthValue = namedtuple("KthValue", ["values", "indices"])
Median = namedtuple("Median", ["values", "indices"])
CumMax = namedtuple("CumMax", ["values", "indices"])
CumMin = namedtuple("CumMin", ["values", "indices"])

_INF = float("inf")


def _pick(x, idx, dim):
    """x at the positions idx (int64, x's shape but along dim) along dim: a GetItem, so the
    gradient scatters back to the picked elements (adding up where one is picked twice)."""
    nd = idx.ndim
    index = tuple(idx if d == dim else np.arange(n).reshape([-1 if k == d else 1
                                                             for k in range(nd)])
                  for d, n in enumerate(idx.shape))
    return getitem(x, index)


def _as_vector(x):
    """A 0-d tensor as a 1-element vector (what the ops along a dim work on), else x."""
    return reshape(x, (1,)) if x.ndim == 0 else x


def _back_to_0d(pair, cls, was_0d):
    """(values, indices) as the namedtuple cls, both back to 0-d when the input was."""
    return cls(*(reshape(t, ()) for t in pair)) if was_0d else cls(*pair)


def _ints(x):
    """bool and integer tensors scan in int64, as torch does."""
    if x.data.dtype.kind in "biu" and x.data.dtype != np.int64:
        return _wrap(x.data.astype(np.int64))
    return x


# --- scans ---

class Cumsum(Primitive):
    """y_j = sum of x_i for i <= j along dim (i >= j when reverse);  dx = the same sum of gy
    taken the other way."""

    __slots__ = ("dim", "reverse")
    save_inputs = False

    def __init__(self, dim, reverse=False):
        self.dim, self.reverse = dim, reverse

    def forward(self, x):
        d = self.dim
        if self.reverse:
            return np.ascontiguousarray(np.flip(np.cumsum(np.flip(x, d), axis=d), d))
        return np.cumsum(x, axis=d)

    def backward(self, gy):
        return self.F.apply(Cumsum, gy, dim=self.dim, reverse=not self.reverse)


class Cumprod(Primitive):
    """y_j = product of x_i for i <= j along dim;  dx_k = sum over j >= k of gy_j times the
    product of x_i for i <= j, i != k (y_j / x_k when x_k is not 0)."""

    __slots__ = ("dim",)
    save_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        return np.cumprod(x, axis=self.dim)

    def backward(self, gy):
        F, d = self.F, self.dim
        x = self.xs[0]
        data = self.inputs[0].data
        if not (data == 0).any():
            return F.apply(Cumsum, gy * self.y, dim=d, reverse=True) / x
        if type(gy) is np.ndarray:  # a first-order pass: linear in the length
            return _cumprod_grad_zeros(data, gy, d)
        # under create_graph: x along a new dim d + 1 (j), repeated along d (k) with x_k set
        # to 1, so that its cumulative product leaves x_k out (n times the memory, but
        # differentiable again)
        n = data.shape[d]
        shape = [1] * (data.ndim + 1)
        shape[d] = shape[d + 1] = n
        eye = np.eye(n, dtype=bool).reshape(shape)
        later = np.triu(np.ones((n, n), dtype=bool)).reshape(shape)  # [k, j]: j >= k
        c = F.apply(Cumprod, F.where(eye, 1.0, F.unsqueeze(x, d)), dim=d + 1)
        return F.sum(F.where(later, c, 0.0) * F.unsqueeze(gy, d), d + 1)


def _cumprod_grad_zeros(x, gy, d):
    """Cumprod's gradient on ndarrays when x holds zeros: for k before the first zero z of
    its row, sum over j in [k, z) of gy_j y_j / x_k; at z, the sum over j >= z of gy_j
    times the product up to j without x_z; after z, 0."""
    x, gy = np.moveaxis(x, d, -1), np.moveaxis(gy, d, -1)
    n = x.shape[-1]
    pos = np.arange(n)
    zero = x == 0
    z = np.where(zero.any(-1, keepdims=True), np.argmax(zero, -1)[..., None], n)
    before = pos < z
    a = np.where(before, gy * np.cumprod(x, -1), 0)
    rc = np.flip(np.cumsum(np.flip(a, -1), -1), -1)
    g = np.where(before, rc / np.where(before, x, 1), 0)
    at = pos == z
    yz = np.cumprod(np.where(at, 1, x), -1)
    g = g + np.where(at, np.sum(np.where(pos >= z, gy * yz, 0), -1, keepdims=True), 0)
    return np.moveaxis(g.astype(gy.dtype, copy=False), -1, d)


class LogCumSumExp(Primitive):
    """y_j = log of the sum of exp(x_i) for i <= j along dim;  dx_k = sum over j >= k of
    gy_j exp(x_k - y_j)."""

    __slots__ = ("dim",)
    save_output = True

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        token = quiet()  # (-inf entries: logaddexp(-inf, -inf) is -inf, quietly)
        try:
            return np.logaddexp.accumulate(x, axis=self.dim)
        finally:
            unquiet(token)

    def backward(self, gy):
        x, y, d = self.xs[0], self.y, self.dim
        if type(gy) is np.ndarray:
            return _logcumsumexp_grad(x, y, gy, d)
        # under create_graph: the (k, j) weights exp(x_k - y_j) for j >= k, all <= 1
        F = self.F
        n = x.shape[d]
        shape = [1] * (x.ndim + 1)
        shape[d] = shape[d + 1] = n
        later = np.triu(np.ones((n, n), dtype=bool)).reshape(shape)  # [k, j]: j >= k
        w = F.exp(F.where(later, F.unsqueeze(x, d + 1) - F.unsqueeze(y, d), -_INF))
        return F.sum(w * F.unsqueeze(gy, d), d + 1)


def _logcumsumexp_grad(x, y, gy, d):
    """LogCumSumExp's gradient on ndarrays in linear time and without overflow: the positive
    and negative parts of gy are summed apart, as log-sums (as torch does)."""
    token = quiet()
    try:
        out = np.zeros(x.shape, dtype=gy.dtype)
        for part, sign in ((gy, 1), (-gy, -1)):
            pos = part > 0
            logp = np.where(pos, np.log(np.where(pos, part, 1)), -np.inf) - y
            rev = np.flip(np.logaddexp.accumulate(np.flip(logp, d), axis=d), d)
            out += sign * np.exp(x + rev)
    finally:
        unquiet(token)
    return out


def _scan_input(input, dim, op):
    x = as_tensor(input, op)
    return x, norm_dim(dim, x.ndim, op)


@export
def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along dim (bool and integer inputs sum in int64, as torch)."""
    x, d = _scan_input(input, dim, "cumsum")
    x = _ints(x) if dtype is None else x.to(dtype)
    if x.ndim == 0:
        return reshape(Cumsum.apply(reshape(x, (1,)), dim=0), ())
    return Cumsum.apply(x, dim=d)


@export
def cumprod(input, dim, *, dtype=None):
    """Cumulative product along dim; its gradient is exact where x holds zeros, as torch's."""
    x, d = _scan_input(input, dim, "cumprod")
    x = _ints(x) if dtype is None else x.to(dtype)
    if x.ndim == 0:
        return reshape(Cumprod.apply(reshape(x, (1,)), dim=0), ())
    return Cumprod.apply(x, dim=d)


@export
def logcumsumexp(input, dim):
    """log(cumsum(exp(input), dim)), computed without overflow."""
    x = floating(input, "logcumsumexp")
    d = norm_dim(dim, x.ndim, "logcumsumexp")
    if x.ndim == 0:
        return reshape(LogCumSumExp.apply(reshape(x, (1,)), dim=0), ())
    return LogCumSumExp.apply(x, dim=d)


def _cum_extreme(input, dim, is_min):
    op = "cummin" if is_min else "cummax"
    cls = CumMin if is_min else CumMax
    x, d = _scan_input(input, dim, op)
    was_0d = x.ndim == 0
    x = _as_vector(x)
    a = x.data
    m = (np.minimum if is_min else np.maximum).accumulate(a, axis=d)
    # the index of the last element equal to the running extreme (torch's choice among
    # ties); a NaN stays the extreme from where it appears, until the next NaN
    hit = a == m
    if a.dtype.kind == "f":
        hit |= np.isnan(a)
    pos = np.arange(a.shape[d]).reshape([-1 if k == d else 1 for k in range(a.ndim)])
    idx = np.maximum.accumulate(np.where(hit, pos, 0), axis=d).astype(np.int64)
    return _back_to_0d((_pick(x, idx, d), _wrap(idx)), cls, was_0d)


@export
def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was (the last of ties)."""
    return _cum_extreme(input, dim, False)


@export
def cummin(input, dim):
    """(values, indices): the running minimum along dim and where it was (the last of ties)."""
    return _cum_extreme(input, dim, True)


# --- sorting and selection ---

def _order(a, dim, descending):
    """The stable order of a along dim, NaN counted largest (last ascending, first
    descending) as in torch; equal elements keep their order either way."""
    if not descending:
        return np.argsort(a, axis=dim, kind="stable")
    # ascending on the reversed array puts equal elements in reverse order; reversing the
    # result restores it
    rev = np.argsort(np.flip(a, dim), axis=dim, kind="stable")
    return a.shape[dim] - 1 - np.flip(rev, dim)


def _first(idx, k, dim):
    return idx[(slice(None),) * dim + (slice(0, k),)]


@export
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim. The sort is always stable (torch's stable=False
    allows any order of equal elements, this one among them)."""
    x = as_tensor(input, "sort")
    d = norm_dim(dim, x.ndim, "sort")
    was_0d = x.ndim == 0
    x = _as_vector(x)
    idx = _order(x.data, d, descending).astype(np.int64, copy=False)
    return _back_to_0d((_pick(x, idx, d), _wrap(idx)), Sort, was_0d)


@export
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort input along dim (stable, as sort)."""
    x = as_tensor(input, "argsort")
    d = norm_dim(dim, x.ndim, "argsort")
    if x.ndim == 0:
        return _wrap(np.zeros((), dtype=np.int64))
    return _wrap(_order(x.data, d, descending).astype(np.int64, copy=False))


def _check_k(k, n, d, x, op, low):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{op}: k must be an int, got {type(k).__name__}")
    if not low <= k <= n:
        raise ShapeError(f"{op}: k ({k}) is out of range for dim {d} of size {n} (tensor of "
                         f"shape {shape_str(x.shape)}; expected {low} <= k <= {n})")


@export
def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """(values, indices) of the k largest (or smallest) elements along dim, largest first
    (smallest first when largest=False); NaN counts as the largest. The result is always
    sorted (torch's sorted=False allows any order)."""
    x = as_tensor(input, "topk")
    d = norm_dim(dim, x.ndim, "topk")
    was_0d = x.ndim == 0
    x = _as_vector(x)
    _check_k(k, x.shape[d], d, x, "topk", 0)
    if was_0d:  # as torch: a 0-d tensor is its own top 0 or 1
        k = 1
    idx = _first(_order(x.data, d, largest), k, d).astype(np.int64, copy=False)
    return _back_to_0d((_pick(x, idx, d), _wrap(idx)), TopK, was_0d)


@export
def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices): the k-th smallest element along dim (k counts from 1)."""
    x = as_tensor(input, "kthvalue")
    d = norm_dim(dim, x.ndim, "kthvalue")
    was_0d = x.ndim == 0
    x = _as_vector(x)
    _check_reduced(x, d, "kthvalue")
    _check_k(k, x.shape[d], d, x, "kthvalue", 1)
    # NaN sorts as the largest value here (torch's kthvalue does not propagate it)
    return _select(x, d, keepdim, was_0d, np.full(_kept(x.shape, d), k - 1), KthValue,
                   nan_wins=False)


def _check_reduced(x, d, op):
    if x.shape[d] == 0:  # torch's IndexError
        raise IndexError(f"{op}: Expected reduction dim {d} to have non-zero size (tensor of "
                         f"shape {shape_str(x.shape)})")


def _kept(shape, d):
    return tuple(1 if i == d else s for i, s in enumerate(shape))


def _select(x, d, keepdim, was_0d, rank, cls, nan_wins=True):
    """The element of rank `rank` (an array of the kept shape) in x's ascending order along
    d, as (values, indices); keepdim keeps d as size 1. With nan_wins, a row holding NaN
    gives its first NaN (torch's median propagates NaN)."""
    a = x.data
    order = _order(a, d, False)
    idx = np.take_along_axis(order, rank, axis=d)
    if nan_wins and a.dtype.kind == "f":
        nan = np.isnan(a)
        has = nan.any(axis=d, keepdims=True)
        if has.any():
            idx = np.where(has, np.argmax(nan, axis=d, keepdims=True), idx)
    idx = idx.astype(np.int64, copy=False)
    values = _pick(x, idx, d)
    if not keepdim:
        idx = np.squeeze(idx, axis=d)
        values = reshape(values, idx.shape)
    return _back_to_0d((values, _wrap(idx)), cls, was_0d)


@export
def median(input, dim=None, keepdim=False):
    """The median of all elements; with dim, (values, indices) along dim. Of an even count,
    the lower of the two middle elements, as torch; NaN if there is one."""
    x = as_tensor(input, "median")
    if dim is None:
        flat = reshape(x, (-1,))
        n = flat.shape[0]
        if n == 0:  # as torch: the median of nothing is nan
            return _wrap(np.asarray(np.nan, dtype=x.data.dtype))
        value = _select(flat, 0, False, False, np.full((1,), (n - 1) // 2), Median).values
        v = value.data
        if v.dtype.kind != "f" or np.isnan(v):
            return value
        # as torch's median of all elements: the gradient is shared by every element equal
        # to the median. The mean of the ties carries it; the value stays the picked one
        # exactly (m - m is 0, where the mean itself may round)
        ties = flat.data == v
        count = int(np.count_nonzero(ties))
        if count == 1:
            return value
        m = (flat * _wrap(ties.astype(v.dtype))).sum() / count
        return value.detach() + (m - m.detach())
    d = norm_dim(dim, x.ndim, "median")
    was_0d = x.ndim == 0
    x = _as_vector(x)
    _check_reduced(x, d, "median")
    n = x.shape[d]
    return _select(x, d, keepdim, was_0d, np.full(_kept(x.shape, d), (n - 1) // 2), Median)
