"""Matrix products: matmul and einsum."""

import string

import numpy as np

from ..errors import ShapeError
from ..function import Primitive, ProductGrad, _new_node, export
from ._common import Tensor, as_tensor, binary, shape_str
from .shape import expand


class MatMul(Primitive):
    """y = a @ b;  da = gy @ b^T, db = a^T @ gy (1-d operands as in numpy/torch)."""

    __slots__ = ()
    grad_reads = ((1,), (0,))

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, gy):
        a, b = self.xs
        F = self.F
        need_a, need_b = (p is not None for p in self.parents)
        if a.ndim == 1 and b.ndim == 1:  # a dot product: gy is 0-d
            return (gy * b if need_a else None), (gy * a if need_b else None)
        a2 = F.unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = F.unsqueeze(b, -1) if b.ndim == 1 else b
        g = gy
        if a.ndim == 1:
            g = F.unsqueeze(g, -2)
        if b.ndim == 1:
            g = F.unsqueeze(g, -1)
        ga = gb = None
        if need_a:
            ga = _left_grad(F, g, b2, self.inputs[1])
            if a.ndim == 1:
                ga = F.squeeze(ga, -2)
        if need_b:
            gb = _right_grad(F, a2, g, self.inputs[1])
            if b.ndim == 1:
                gb = F.squeeze(gb, -1)
        return ga, gb


def _left_grad(F, g, b, b_tensor):
    """The gradient of a @ b for a: g @ b^T (b is b_tensor's data, or b_tensor itself
    under create_graph). In a first-order pass, when b is a contiguous copy of a transposed
    matrix (see Tensor.contiguous), g times that matrix itself, contiguous. When g @ b^T is
    a small matrix from a long reduction (a convolution's weight gradient: (C_out,
    N*OH*OW) times (N*OH*OW, C_in*k*k)) and both factors are contiguous, computed as
    (b @ g^T)^T: the same sums (up to the BLAS's order of adding), which OpenBLAS runs
    30-40% faster with the longer side of the result first (measured on LeNet's two
    layers). The result is a transposed view, harmless for an array this small."""
    if type(g) is np.ndarray and g.ndim >= 2 and b.ndim >= 2:
        source = _transposed_source(b_tensor)
        if source is not None:
            return np.matmul(g, source)
        m, n, k = g.shape[-2], b.shape[-2], g.shape[-1]
        if m < n and k >= 16 * n and g.flags.c_contiguous and b.flags.c_contiguous:
            return np.matmul(b, g.swapaxes(-1, -2)).swapaxes(-1, -2)
    return F.matmul(g, F.mT(b))


def _transposed_source(t):
    """The C-contiguous matrix that t, a contiguous copy of its transpose (see
    Tensor.contiguous), was made from, if it is unchanged since; else None."""
    source = t._transposes
    if source is not None and source[1][0] == source[2]:
        return source[0]
    return None


def _right_grad(F, a, g, b):
    """The gradient of a @ b for b: a^T @ g. In a first-order pass with matrices, a
    ProductGrad (summed lazily over b's uses: an RNN's weight, every step); when b is a
    transposed view (x @ W.T in a Linear layer) or a contiguous copy of one, computed in
    W's layout, so that W's gradient comes out contiguous (the same product)."""
    b_data = b.data
    transposed = b_data.ndim == 2 and (_transposed(b_data) or b._transposes is not None)
    if type(g) is np.ndarray and a.ndim == 2 and b_data.ndim == 2:
        return ProductGrad(a, g, transposed)
    if transposed:
        return F.mT(F.matmul(F.mT(g), a))
    return F.matmul(F.mT(a), g)


def _transposed(array):
    flags = array.flags
    return flags.f_contiguous and not flags.c_contiguous


@export
def matmul(input, other):
    a, b = binary(input, other, "matmul")
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb:
        raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                         f"{shape_str(sa)} and {shape_str(sb)}")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise ShapeError(f"matmul: shapes {shape_str(sa)} and {shape_str(sb)} are not aligned "
                         f"({ka} != {kb})")
    try:
        if len(sa) > 2 and len(sb) > 2:  # batch dims on both sides must broadcast
            np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ShapeError(f"matmul: batch dims of shapes {shape_str(sa)} and {shape_str(sb)} "
                         "cannot be broadcast together") from None
    return MatMul.apply2(a, b)


class Addmm(Primitive):
    """y = beta c + alpha (a @ b) for matrices a (n, m), b (m, p) and c broadcast to (n, p);
    dc = beta gy (summed back to c's shape), da = alpha gy @ b^T, db = alpha a^T @ gy.

    One node for a Linear layer's x W^T + b and a recurrent step's x_t W_ih^T + h W_hh^T:
    the product's output takes the sum in place, so there is no second full-size array and
    no second node to record and walk back.
    """

    __slots__ = ("alpha", "beta")
    grad_reads = ((), (2,), (1,))  # c's gradient reads nothing

    def __init__(self, alpha, beta):
        self.alpha, self.beta = alpha, beta

    def forward(self, c, a, b):
        y = np.matmul(a, b)
        if self.alpha != 1:
            y *= self.alpha
        if self.beta == 1:
            y += c
        elif self.beta != 0:  # beta 0: c is ignored, its nan and inf too (as in torch)
            y += self.beta * c
        return y

    def backward(self, gy):
        _, a, b = self.xs
        pc, pa, pb = self.parents
        F = self.F
        gc = ga = gb = None
        if pc is not None:
            gc = gy if self.beta == 1 else gy * self.beta
        g = gy if self.alpha == 1 else gy * self.alpha
        if pa is not None:
            ga = _left_grad(F, g, b, self.inputs[2])
        if pb is not None:
            gb = _right_grad(F, a, g, self.inputs[2])
        return gc, ga, gb


@export
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape (as
    torch.addmm)."""
    # a Linear's (its bias a Parameter, hence isinstance) or a recurrent step's: few checks
    if isinstance(input, Tensor) and isinstance(mat1, Tensor) and isinstance(mat2, Tensor) \
            and beta == 1 and alpha == 1:
        sa, sb, sc = mat1.data.shape, mat2.data.shape, input.data.shape
        if (len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0] and sc[-1:] == sb[1:]
                and (len(sc) == 1 or sc[0] == sa[0] and len(sc) == 2)
                and mat1.data.dtype is mat2.data.dtype is input.data.dtype):
            node = _new_node(Addmm)
            node.alpha = node.beta = 1
            return _ADDMM(input, mat1, mat2, node)
    c = as_tensor(input, "addmm")
    a = as_tensor(mat1, "addmm", "mat1")
    b = as_tensor(mat2, "addmm", "mat2")
    sa, sb, sc = a.data.shape, b.data.shape, c.data.shape
    if len(sa) != 2 or len(sb) != 2:
        raise ShapeError(f"addmm: mat1 and mat2 must be matrices, got shapes {shape_str(sa)} "
                         f"and {shape_str(sb)}")
    if sa[1] != sb[0]:
        raise ShapeError(f"addmm: mat1 and mat2 shapes cannot be multiplied ({shape_str(sa)} "
                         f"and {shape_str(sb)}: {sa[1]} != {sb[0]})")
    out = (sa[0], sb[1])
    try:
        fits = np.broadcast_shapes(sc, out) == out
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"addmm: input of shape {shape_str(sc)} does not broadcast to the "
                         f"product's shape {shape_str(out)}")
    dts = (c.data.dtype, a.data.dtype, b.data.dtype)
    if dts[0] != dts[1] or dts[1] != dts[2]:
        raise TypeError(f"addmm: input, mat1 and mat2 must have the same dtype, got "
                        f"{dts[0]}, {dts[1]} and {dts[2]}")
    for name, v in (("beta", beta), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"addmm: {name} must be a number, got {type(v).__name__}")
    if dts[0].kind != "f" and (float(beta) != int(beta) or float(alpha) != int(alpha)):
        raise TypeError(f"addmm: beta and alpha must be integers for {dts[0]} tensors, got "
                        f"beta={beta}, alpha={alpha}")
    return Addmm.apply(c, a, b, alpha=alpha, beta=beta)


_ADDMM = Addmm.apply3


@export
def mm(input, mat2):
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm: expects 2-d tensors, got shapes {shape_str(input.shape)} and "
                         f"{shape_str(mat2.shape)}")
    return matmul(input, mat2)


@export
def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise ShapeError(f"bmm: expects 3-d tensors, got shapes {shape_str(input.shape)} and "
                         f"{shape_str(mat2.shape)}")
    return matmul(input, mat2)


@export
def dot(input, other):
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"dot: expects 1-d tensors, got shapes {shape_str(input.shape)} and "
                         f"{shape_str(other.shape)}")
    return matmul(input, other)


# --- einsum ---

class Einsum(Primitive):
    """y = einsum(eq, *xs) with explicit subscripts;  dx_i = einsum of gy with the others."""

    __slots__ = ("ins", "out")

    def __init__(self, ins, out):
        self.ins, self.out = ins, out

    @property
    def grad_reads(self):  # operand i's gradient reads every other operand
        n = len(self.ins)
        return tuple(tuple(j for j in range(n) if j != i) for i in range(n))

    def forward(self, *xs):
        eq = ",".join(self.ins) + "->" + self.out
        return np.einsum(eq, *xs, optimize=len(xs) > 2)

    def backward(self, gy):
        xs, F = self.xs, self.F
        return tuple(_einsum_grad(F, self.ins, self.out, xs, i, gy) if p is not None else None
                     for i, p in enumerate(self.parents))


def _einsum_grad(F, ins, out, xs, i, gy):
    """d(einsum)/d(operand i), contracted with gy, as another einsum (differentiable)."""
    target = ins[i]
    sizes = {}
    for sub, x in zip(ins, xs):
        for c, n in zip(sub, x.shape):
            sizes[c] = n
    fresh = iter(c for c in string.ascii_letters if c not in sizes)
    # repeated letters in operand i (a diagonal): rename them and tie them with identities
    seen, renamed, ties = set(), "", []
    for c in target:
        if c in seen:
            d = next(fresh)
            ties.append((c, d))
            renamed += d
        else:
            seen.add(c)
            renamed += c
    others = [(s, x) for j, (s, x) in enumerate(zip(ins, xs)) if j != i]
    available = set(out).union(*[set(s) for s, _ in others]) if others else set(out)
    keep = "".join(c for c in dict.fromkeys(target) if c in available)
    operands = [gy] + [x for _, x in others]
    subs = [out] + [s for s, _ in others]
    g = F.einsum(",".join(subs) + "->" + keep, *operands)
    # letters only in operand i were summed away: broadcast the gradient over them
    full = "".join(dict.fromkeys(target))
    if keep != full:
        g = F.reshape(g, tuple(sizes[c] if c in keep else 1 for c in full))
        g = F.expand(g, tuple(sizes[c] for c in full))
    if ties:
        eyes = [F.const(np.eye(sizes[c], dtype=gy.dtype), gy.dtype) for c, _ in ties]
        g = F.einsum(",".join([full] + [c + d for c, d in ties]) + "->" + renamed, g, *eyes)
    return g


def _parse(eq, shapes):
    """Expand an einsum equation to explicit subscripts, without '...' or implicit output."""
    eq = eq.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ShapeError(f"einsum: the equation names {len(ins)} operands but {len(shapes)} "
                         "were given")
    used = set(eq) - set(".,->")
    pool = [c for c in string.ascii_letters if c not in used]
    ell_nd = 0
    for s, shape in zip(ins, shapes):
        if "..." in s:
            ell_nd = max(ell_nd, len(shape) - (len(s) - 3))
    ell = "".join(pool[:ell_nd])
    new_ins = []
    for s, shape in zip(ins, shapes):
        if "..." in s:
            k = len(shape) - (len(s) - 3)
            s = s.replace("...", ell[ell_nd - k:] if k else "")
        if len(s) != len(shape):
            raise ShapeError(f"einsum: subscripts '{s}' do not match an operand of shape "
                             f"{shape_str(shape)}")
        new_ins.append(s)
    if out is None:
        counts = {}
        for s in new_ins:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return new_ins, out


@export(method=False)
def einsum(equation, *operands):
    """Einstein summation, as torch.einsum (operands may also be passed as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [as_tensor(t, "einsum") for t in operands]
    if len({t.dtype for t in ts}) > 1:
        dt = np.result_type(*[t.dtype for t in ts])
        ts = [t.to(dt) for t in ts]
    ins, out = _parse(equation, [t.shape for t in ts])
    sizes = {}
    for s, t in zip(ins, ts):
        for c, n in zip(s, t.shape):
            if sizes.setdefault(c, n) != n:
                if n == 1 or sizes[c] == 1:  # broadcasting a size-1 dim: expand it
                    sizes[c] = max(n, sizes[c])
                    continue
                raise ShapeError(f"einsum: subscript '{c}' has size {sizes[c]} in one operand "
                                 f"and {n} in another")
    ts = [expand(t, tuple(sizes[c] for c in s)) if any(sizes[c] != n for c, n in zip(s, t.shape))
          else t for s, t in zip(ins, ts)]
    return Einsum.apply(*ts, ins=tuple(ins), out=out)
