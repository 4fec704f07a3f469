"""The products built on matmul and addmm, as in torch: outer (ger), mv, vdot, inner,
tensordot, addmv, baddbmm, addbmm, kron and cdist; composites, none with a backward of its
own."""

import builtins
import math

import numpy as np

from .. import dtypes
from ..errors import ShapeError
from ..function import export
from ._common import Tensor, as_tensor, binary, norm_dim, shape_str
from .linalg import addmm, matmul
from .reduce import _float_input, _norm_p, _vector_norm
from .shape import permute, reshape

# --- products ---

def _need_ndim(t, nd, op, arg):
    if t.ndim != nd:
        raise ShapeError(f"{op}: {arg} must be {nd}-d, got shape {shape_str(t.shape)}")


@export
def outer(input, vec2):
    """The outer product of two vectors: (n,) and (m,) -> (n, m)."""
    a, b = binary(input, vec2, "outer")
    _need_ndim(a, 1, "outer", "input")
    _need_ndim(b, 1, "outer", "vec2")
    return reshape(a, (-1, 1)) * b


@export
def ger(input, vec2):
    """outer (its old name)."""
    return outer(input, vec2)


@export
def mv(input, vec):
    """Matrix (n, m) times vector (m,) -> (n,)."""
    a, v = binary(input, vec, "mv")
    _need_ndim(a, 2, "mv", "input")
    _need_ndim(v, 1, "mv", "vec")
    return matmul(a, v)


@export
def vdot(input, other):
    """The dot product of two 1-d tensors of one dtype (real: no conjugation)."""
    a = as_tensor(input, "vdot")
    b = as_tensor(other, "vdot", "other")
    _need_ndim(a, 1, "vdot", "input")
    _need_ndim(b, 1, "vdot", "other")
    if a.dtype != b.dtype:
        raise TypeError(f"vdot: expected both vectors to have the same dtype, got {a.dtype} "
                        f"and {b.dtype}")
    if a.shape != b.shape:
        raise ShapeError(f"vdot: vectors of shapes {shape_str(a.shape)} and "
                         f"{shape_str(b.shape)} have different sizes")
    return matmul(a, b)


def _tensordot_dims(dims, na, nb):
    if hasattr(dims, "tolist") and not isinstance(dims, (int, np.integer)):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        if dims < 0:
            raise ValueError(f"tensordot: dims must be non-negative, got {dims}")
        if dims > builtins.min(na, nb):
            raise ShapeError(f"tensordot: cannot contract {dims} dims of tensors with {na} "
                             f"and {nb} dims")
        return list(range(na - dims, na)), list(range(dims))
    if not isinstance(dims, (list, tuple)) or len(dims) != 2:
        raise TypeError(f"tensordot: dims must be an int or a pair of lists of dims, got "
                        f"{dims!r}")
    da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    if len(da) != len(db):
        raise ShapeError(f"tensordot: both dim lists must have the same length, got {da} and "
                         f"{db}")
    return [norm_dim(d, na, "tensordot") for d in da], [norm_dim(d, nb, "tensordot")
                                                         for d in db]


@export(method=False)
def tensordot(a, b, dims=2):
    """Sums the products of a's and b's elements over the dims given: dims=n pairs a's last n
    dims with b's first n; dims=(dims_a, dims_b) names them. Free dims of a, then of b."""
    a, b = binary(a, b, "tensordot")
    da, db = _tensordot_dims(dims, a.ndim, b.ndim)
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: dim {i} of a {shape_str(a.shape)} and dim {j} of b "
                             f"{shape_str(b.shape)} differ ({a.shape[i]} != {b.shape[j]})")
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [j for j in range(b.ndim) if j not in db]
    k = math.prod(a.shape[i] for i in da)
    # one matrix product (BLAS) of the permuted, flattened operands
    a2 = reshape(permute(a, *(fa + da)), (math.prod(a.shape[i] for i in fa), k))
    b2 = reshape(permute(b, *(db + fb)), (k, math.prod(b.shape[j] for j in fb)))
    out = tuple(a.shape[i] for i in fa) + tuple(b.shape[j] for j in fb)
    return reshape(matmul(a2, b2), out)


@export
def inner(input, other):
    """Sums of products over the last dim of both; a 0-d operand multiplies."""
    a, b = binary(input, other, "inner")
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"inner: the last dims of shapes {shape_str(a.shape)} and "
                         f"{shape_str(b.shape)} differ ({a.shape[-1]} != {b.shape[-1]})")
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


def _scaled_sum(op, input, product, beta, alpha):
    """beta * input + alpha * product, input broadcast to product's shape (beta = 0 ignores
    input, its nan and inf too, as torch)."""
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)):
            raise TypeError(f"{op}: {name} must be a number, got {type(v).__name__}")
    c = as_tensor(input, op)
    try:
        fits = np.broadcast_shapes(c.shape, product.shape) == tuple(product.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: input of shape {shape_str(c.shape)} does not broadcast to "
                         f"the product's shape {shape_str(product.shape)}")
    out = product if alpha == 1 else product * alpha
    if beta == 0:
        return out
    return out + (c if beta == 1 else c * beta)


def _check_bmm(op, b1, b2):
    _need_ndim(b1, 3, op, "batch1")
    _need_ndim(b2, 3, op, "batch2")
    if b1.shape[0] != b2.shape[0] or b1.shape[2] != b2.shape[1]:
        raise ShapeError(f"{op}: batch1 and batch2 shapes cannot be multiplied "
                         f"({shape_str(b1.shape)} and {shape_str(b2.shape)})")


@export
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec), input broadcast to (n,)."""
    c = as_tensor(input, "addmv")
    m = as_tensor(mat, "addmv", "mat")
    v = as_tensor(vec, "addmv", "vec")
    _need_ndim(m, 2, "addmv", "mat")
    _need_ndim(v, 1, "addmv", "vec")
    if m.shape[1] != v.shape[0]:
        raise ShapeError(f"addmv: mat {shape_str(m.shape)} and vec {shape_str(v.shape)} are "
                         f"not aligned ({m.shape[1]} != {v.shape[0]})")
    if m.dtype != v.dtype:
        raise TypeError(f"addmv: mat and vec must have the same dtype, got {m.dtype} and "
                        f"{v.dtype}")
    if not isinstance(input, Tensor) and c.dtype != m.dtype:
        c = c.to(m.dtype)  # a Python number takes the product's dtype
    if c.ndim > 1 or (c.ndim == 1 and c.shape[0] not in (1, m.shape[0])):
        raise ShapeError(f"addmv: input of shape {shape_str(c.shape)} does not broadcast to "
                         f"the product's shape ({m.shape[0]},)")
    # addmm's node, with the vector as a one-column matrix
    c2 = reshape(c, (-1, 1)) if c.ndim == 1 else c
    out = addmm(c2, m, reshape(v, (-1, 1)), beta=beta, alpha=alpha)
    return reshape(out, (m.shape[0],))


@export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) for batches of matrices (b, n, m), (b, m, p),
    input broadcast to (b, n, p)."""
    b1, b2 = binary(batch1, batch2, "baddbmm")
    _check_bmm("baddbmm", b1, b2)
    return _scaled_sum("baddbmm", input, matmul(b1, b2), beta, alpha)


@export
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i]), input
    broadcast to (n, p)."""
    b1, b2 = binary(batch1, batch2, "addbmm")
    _check_bmm("addbmm", b1, b2)
    b, n, m = b1.shape
    p = b2.shape[2]
    # the sum of the b products is one product: (n, b*m) @ (b*m, p)
    a = reshape(permute(b1, 1, 0, 2), (n, b * m))
    c = as_tensor(input, "addbmm")
    if c.dtype != b1.dtype:
        c = c.to(b1.dtype)
    return addmm(c, a, reshape(b2, (b * m, p)), beta=beta, alpha=alpha)


@export
def kron(input, other):
    """The Kronecker product: every element of input times all of other, in blocks."""
    a, b = as_tensor(input, "kron", "input"), as_tensor(other, "kron", "other")
    if a.dtype != b.dtype:  # as torch's kron: a 0-d operand promotes like any other
        dt = dtypes.promote(a.data.dtype, b.data.dtype, True, True)
        a, b = a.to(dt), b.to(dt)
    nd = builtins.max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    # (a0, 1, a1, 1, ...) times (1, b0, 1, b1, ...), then each pair of dims merged
    a2 = reshape(a, tuple(s for n in sa for s in (n, 1)))
    b2 = reshape(b, tuple(s for n in sb for s in (1, n)))
    return reshape(a2 * b2, tuple(i * j for i, j in zip(sa, sb)))


@export(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M):
    (..., P, R), batch dims broadcast."""
    a, b = binary(x1, x2, "cdist")
    if a.ndim < 2 or b.ndim < 2:
        raise ShapeError(f"cdist: x1 and x2 must be at least 2-d, got shapes "
                         f"{shape_str(a.shape)} and {shape_str(b.shape)}")
    if a.shape[-1] != b.shape[-1]:
        raise ShapeError(f"cdist: x1 {shape_str(a.shape)} and x2 {shape_str(b.shape)} must "
                         f"have the same number of columns ({a.shape[-1]} != {b.shape[-1]})")
    p = _norm_p(p, "cdist")
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    diff = _float_input(a.unsqueeze(-2) - b.unsqueeze(-3), "cdist")
    return _vector_norm(diff, p, (diff.ndim - 1,), False)
