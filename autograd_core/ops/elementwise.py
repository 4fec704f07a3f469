"""Elementwise primitives: forward on ndarrays and the local derivative on Tensors."""

import math

import numpy as np

from .. import dtypes
from .._fpe import quiet, unquiet
from ..errors import ShapeError
from ..function import NUMPY_OPS, OUTPUT, GradBuffer, Primitive, _new_node, export
from ..grad_mode import no_grad
from ._common import Tensor, _wrap, as_tensor, binary, binary_arrays, floating, shape_str

exp_nonpositive = NUMPY_OPS.exp_nonpositive  # exp(z <= 0) that never underflows
_ONE = {np.dtype(t): np.array(1.0, dtype=t) for t in (np.float32, np.float64)}
# elements: from here a backward formula fills one new array in place (fewer allocations
# and passes); below, the plain expression costs less (fewer calls, no wrapper)
_IN_PLACE_MIN = 4096


class Elementwise(Primitive):
    """An op applied element by element: its output has the (broadcast) shape of its inputs
    and its backward returns gradients of that shape, which the engine sums back where an
    input was broadcast. Nodes record no input shapes when there is nothing to sum back."""

    __slots__ = ()
    elementwise = True


# --- arithmetic ---

class Add(Elementwise):
    """y = a + b;  dy/da = 1, dy/db = 1."""

    __slots__ = ()
    save_inputs = False

    forward = np.add

    def backward(self, gy):
        return gy, gy


class Sub(Elementwise):
    """y = a - b;  dy/da = 1, dy/db = -1."""

    __slots__ = ()
    save_inputs = False

    forward = np.subtract

    def backward(self, gy):
        return gy, (-gy if self.parents[1] is not None else None)


class Mul(Elementwise):
    """y = a * b;  dy/da = b, dy/db = a."""

    __slots__ = ()
    grad_reads = ((1,), (0,))

    forward = np.multiply

    def backward(self, gy):
        a, b = self.xs
        pa, pb = self.parents
        return (gy * b if pa is not None else None), (gy * a if pb is not None else None)


class Addcmul(Elementwise):
    """y = c + value a b;  dy/dc = 1, dy/da = value b, dy/db = value a.

    An LSTM's cell update f c + i g in one node instead of two (the product is summed into
    in place)."""

    __slots__ = ("value",)
    grad_reads = ((), (2,), (1,))

    def __init__(self, value):
        self.value = value

    def forward(self, c, a, b):
        y = np.multiply(a, b)
        if self.value != 1:
            y *= self.value
        if c.shape == y.shape or c.ndim == 0:
            y += c
            return y
        return np.add(c, y)  # (c may be the larger: no in-place sum then)

    def backward(self, gy):
        _, a, b = self.xs
        pc, pa, pb = self.parents
        g = gy if self.value == 1 else gy * self.value
        return ((gy if pc is not None else None), (g * b if pa is not None else None),
                (g * a if pb is not None else None))


class Div(Elementwise):
    """y = a / b;  dy/da = 1 / b, dy/db = -a / b^2."""

    __slots__ = ()
    grad_reads = ((1,), (0, 1))

    def forward(self, a, b):
        if b.ndim == 0 and b and np.isfinite(b):  # x / n: nothing to warn about, and
            return a / b                           # np.errstate costs more than the division
        with np.errstate(divide="ignore", invalid="ignore"):
            return a / b

    def backward(self, gy):
        a, b = self.xs
        pa, pb = self.parents
        ga = gy / b if pa is not None else None
        gb = -(gy * a) / (b * b) if pb is not None else None
        return ga, gb


class Remainder(Elementwise):
    """y = a - b floor(a / b) (the sign of b, as Python's %);  dy/da = 1,
    dy/db = -floor(a / b)."""

    __slots__ = ()
    grad_reads = ((), (0, 1))

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):  # x % 0.0 is nan, as in torch
            return np.remainder(a, b)

    def backward(self, gy):
        return gy, (_quotient_grad(self, gy, np.floor_divide)
                    if self.parents[1] is not None else None)


class Fmod(Elementwise):
    """y = a - b trunc(a / b) (the sign of a, as C's fmod);  dy/da = 1, dy/db = -trunc(a / b)."""

    __slots__ = ()
    grad_reads = ((), (0, 1))

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.fmod(a, b)

    def backward(self, gy):
        return gy, (_quotient_grad(self, gy, _trunc_divide)
                    if self.parents[1] is not None else None)


def _trunc_divide(a, b):
    return np.trunc(a / b)


def _quotient_grad(node, gy, rounded):
    """-gy * rounded(a / b): the rounded quotient is piecewise constant, so it enters as a
    constant (no gradient through it, also under create_graph)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = rounded(node.inputs[0].data, node.inputs[1].data)
    return gy * node.F.const(np.negative(q), gy.dtype)


class Neg(Elementwise):
    """y = -x;  dy/dx = -1."""

    __slots__ = ()
    save_inputs = False

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Pow(Elementwise):
    """y = a ** b;  dy/da = b a^(b-1) (0 where b == 0), dy/db = y log(a) (0 where a == 0
    and b >= 0)."""

    __slots__ = ()
    save_output = True
    grad_reads = ((0, 1), (0, 1, OUTPUT))

    def forward(self, a, b):
        token = quiet()
        try:
            return np.power(a, b)
        finally:
            unquiet(token)

    def backward(self, gy):
        a, b = self.xs
        F = self.F
        ga = gb = None
        if self.parents[0] is not None:
            bd = self.inputs[1].data
            if bd.all():  # the usual case: no exponent is 0
                ga = gy * b * a ** (b - 1)
            elif self.parents[1] is None and not bd.any():  # x ** 0: a constant, as torch's
                ga = F.const(np.zeros(gy.shape, gy.dtype), gy.dtype)
            else:
                # a ** 0 is 1 for every a: no gradient where b == 0 (torch's convention),
                # where b a^(b-1) would be 0 * inf or nan; elsewhere the formula is exact
                # (0), and keeps the derivative with respect to b of a's gradient
                ad = self.inputs[0].data
                flat = (bd == 0) & ((ad == 0) | np.isnan(ad))
                ga = gy * b * a ** (b - 1)
                if flat.any():
                    ga = F.where(flat, 0.0, ga)
        if self.parents[1] is not None:
            # torch's convention: no gradient to the exponent where a == 0 and b >= 0
            ad, bd = self.inputs[0].data, self.inputs[1].data
            zero = (ad == 0) & (bd >= 0)
            gb = F.where(zero, 0.0, gy * self.y * F.log(F.where(zero, 1.0, a)))
        return ga, gb


class Exp(Elementwise):
    """y = exp(x);  dy/dx = y."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    def forward(self, x):
        token = quiet()
        try:
            return np.exp(x)
        finally:
            unquiet(token)

    def backward(self, gy):
        return gy * self.y


class Log(Elementwise):
    """y = log(x);  dy/dx = 1 / x."""

    __slots__ = ()

    def forward(self, x):
        token = quiet()
        try:
            return np.log(x)
        finally:
            unquiet(token)

    def backward(self, gy):
        return gy / self.xs[0]


class Sqrt(Elementwise):
    """y = sqrt(x);  dy/dx = 1 / (2 y)."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    def forward(self, x):
        token = quiet()
        try:
            return np.sqrt(x)
        finally:
            unquiet(token)

    def backward(self, gy):
        y = self.y
        return gy / (y + y)  # 1 / (2 y), without a Python scalar (numpy's slow path)


class Sin(Elementwise):
    """y = sin(x);  dy/dx = cos(x)."""

    __slots__ = ()

    forward = np.sin

    def backward(self, gy):
        return gy * self.F.cos(self.xs[0])


class Cos(Elementwise):
    """y = cos(x);  dy/dx = -sin(x)."""

    __slots__ = ()

    forward = np.cos

    def backward(self, gy):
        return -(gy * self.F.sin(self.xs[0]))


class Tanh(Elementwise):
    """y = tanh(x);  dy/dx = 1 - y^2."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    forward = np.tanh

    def backward(self, gy):
        y = self.y
        if type(y) is np.ndarray and y.size >= _IN_PLACE_MIN:  # a first-order pass
            d = np.multiply(y, y)
            np.subtract(_ONE.get(d.dtype, 1), d, out=d)
            d *= gy
            return GradBuffer(d)  # ours alone: more gradient for x is added into it
        return gy - gy * y * y


class Erf(Elementwise):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt;  dy/dx = 2/sqrt(pi) e^(-x^2)."""

    __slots__ = ()

    def forward(self, x):
        # NumPy has no erf: math.erf per element, exact to the last bit (and slowish)
        return np.asarray(_math_erf(x), dtype=x.dtype) if x.size else x.copy()

    def backward(self, gy):
        x = self.xs[0]
        return gy * self.F.exp(-(x * x)) * (2.0 / math.sqrt(math.pi))


_math_erf = np.frompyfunc(math.erf, 1, 1)


class Sigmoid(Elementwise):
    """y = 1 / (1 + exp(-x));  dy/dx = y (1 - y)."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    def forward(self, x):
        # 1 / (1 + e^-x): precise far out on both sides, one exp (half a tanh's cost);
        # e^-x may overflow to inf (giving exactly 0) or underflow, quietly
        y = np.negative(x) if x.ndim else np.negative(x, out=np.empty_like(x))
        token = quiet()
        try:
            np.exp(y, out=y)
        finally:
            unquiet(token)
        y += _ONE.get(y.dtype, 1)
        np.reciprocal(y, out=y)
        return y

    def backward(self, gy):
        y = self.y
        if type(y) is np.ndarray and y.size >= _IN_PLACE_MIN:  # a first-order pass
            d = np.subtract(_ONE.get(y.dtype, 1), y)
            d *= y
            d *= gy
            return GradBuffer(d)  # ours alone: more gradient for x is added into it
        gy_y = gy * y
        return gy_y - gy_y * y


class Relu(Elementwise):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch)."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    def forward(self, x):
        return np.maximum(x, x.dtype.type(0))

    def backward(self, gy):
        y = self._y
        if type(gy) is np.ndarray and gy.size >= _IN_PLACE_MIN and gy.dtype == y.dtype:
            d = np.greater(y, 0, out=np.empty_like(gy))  # the mask as 0/1 of gy's dtype:
            d *= gy  # faster than gy times a bool array, which casts it in small pieces
            return d
        return gy * self.F.const(y > 0, gy.dtype)


class Abs(Elementwise):
    """y = |x|;  dy/dx = sign(x) (0 at 0)."""

    __slots__ = ()

    forward = np.abs

    def backward(self, gy):
        return gy * self.F.const(np.sign(self.inputs[0].data), gy.dtype)


class Clamp(Elementwise):
    """y = min(max(x, lo), hi);  dy/dx = 1 inside [lo, hi], else 0."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return np.clip(x, self.lo, self.hi)

    def backward(self, gy):
        x = self.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        return gy * self.F.const(inside, gy.dtype)


class ClampTensor(Elementwise):
    """y = min(max(x, lo), hi) with tensor bounds (either may be absent), broadcast together;
    as torch: dy/dx = 1 where lo <= x <= hi, dy/dlo = 1 where x < lo < hi (or no hi),
    dy/dhi = 1 where x > hi or hi < lo (y is hi wherever lo > hi)."""

    __slots__ = ("has_lo", "has_hi")

    def __init__(self, has_lo, has_hi):
        self.has_lo, self.has_hi = has_lo, has_hi

    def forward(self, x, *bounds):
        y = x
        if self.has_lo:
            y = np.maximum(y, bounds[0])
        if self.has_hi:
            y = np.minimum(y, bounds[-1])
        return y

    def backward(self, gy):
        arrays = [t.data for t in self.inputs]  # masks only: no gradient flows through them
        x = arrays[0]
        lo = arrays[1] if self.has_lo else None
        hi = arrays[-1] if self.has_hi else None
        parents = self.parents
        const = self.F.const
        gx = glo = ghi = None
        if parents[0] is not None:
            inside = np.ones(gy.shape, dtype=bool)
            if lo is not None:
                inside &= x >= lo
            if hi is not None:
                inside &= x <= hi
            gx = gy * const(inside, gy.dtype)
        if lo is not None and parents[1] is not None:
            below = x < lo if hi is None else (x < lo) & (lo < hi)
            glo = gy * const(np.broadcast_to(below, gy.shape), gy.dtype)
        if hi is not None and parents[-1] is not None:
            above = x > hi if lo is None else (x > hi) | (hi < lo)
            ghi = gy * const(np.broadcast_to(above, gy.shape), gy.dtype)
        grads = (gx,) + ((glo,) if lo is not None else ()) + ((ghi,) if hi is not None else ())
        return grads if len(grads) > 1 else gx


_UINT = {2: np.uint16, 4: np.uint32, 8: np.uint64}
_SELECT_MIN = 2048  # elements: below this, np.where's one call costs less


def _select(cond, a, b):
    """np.where(cond, a, b). For large a and b of one dtype, without a branch per element:
    numpy's where loop branches on each mask element and mispredicts on a mask with no
    pattern (a ReLU's, a max pooling's), which makes it ~7x slower than an elementwise op.
    Here the bits of b, with a's where cond holds, as b ^ ((a ^ b) & -cond): exactly
    where's result, NaN payloads and signed zeros included."""
    u = _UINT.get(a.dtype.itemsize)
    if (u is None or a.dtype != b.dtype or cond.dtype != np.bool_
            or max(a.size, b.size) < _SELECT_MIN):
        return np.where(cond, a, b)
    bb = b.view(u)
    d = np.bitwise_xor(a.view(u), bb)
    d = np.bitwise_and(d, np.negative(cond.view(np.uint8), dtype=u),
                       out=d if type(d) is np.ndarray and cond.shape == d.shape else None)
    d ^= bb
    return np.asarray(d).view(a.dtype)


class Where(Primitive):
    """y = a where cond else b;  dy/da = cond, dy/db = not cond (cond is a constant)."""

    __slots__ = ("cond",)
    save_inputs = False

    def __init__(self, cond):
        self.cond = cond

    def forward(self, a, b):
        y = _select(self.cond, a, b)
        if self.cond.shape != y.shape:  # backward needs the mask at the output's shape
            self.cond = np.broadcast_to(self.cond, y.shape)
        return y

    def backward(self, gy):
        pa, pb = self.parents
        cond = self.cond
        if type(gy) is np.ndarray and gy.size >= _IN_PLACE_MIN:  # a large first-order
            ga = gb = None  # gradient: each mask as 0/1 of gy's dtype, times gy in place
            if pa is not None:
                ga = np.multiply(cond, gy, out=np.empty(gy.shape, gy.dtype))
            if pb is not None:
                gb = np.logical_not(cond, out=np.empty(gy.shape, gy.dtype))
                gb *= gy
            return ga, gb
        F = self.F
        return (gy * F.const(cond, gy.dtype) if pa is not None else None,
                gy * F.const(~cond, gy.dtype) if pb is not None else None)


class Maximum(Elementwise):
    """y = max(a, b);  the gradient goes to the larger input, split in half on ties."""

    __slots__ = ()

    forward = np.maximum

    def backward(self, gy):
        return _split_by(self, gy, np.greater)


class Minimum(Elementwise):
    """y = min(a, b);  the gradient goes to the smaller input, split in half on ties."""

    __slots__ = ()

    forward = np.minimum

    def backward(self, gy):
        return _split_by(self, gy, np.less)


def _split_by(node, gy, wins):
    a, b = node.inputs[0].data, node.inputs[1].data
    share = np.where(wins(a, b), 1.0, np.where(a == b, 0.5, 0.0)).astype(gy.dtype)
    pa, pb = node.parents
    F = node.F
    return ((gy * F.const(share, gy.dtype) if pa is not None else None),
            (gy * F.const(1 - share, gy.dtype) if pb is not None else None))


class Cast(Elementwise):
    """y = x as another dtype;  dy/dx = 1 (cast back to x's dtype)."""

    __slots__ = ("dtype", "in_dtype")
    save_inputs = False

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return self.F.cast(gy, self.in_dtype)


class Clone(Elementwise):
    """y = a copy of x;  dy/dx = 1."""

    __slots__ = ()
    save_inputs = False

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


# --- public functions ---

# The public functions call these bound methods: fetching a classmethod from its class
# on every call costs about 2% of a small elementwise op.
_ABS = Abs.apply1
_ADDCMUL = Addcmul.apply3
_ADD = Add.apply2
_CLONE = Clone.apply1
_DIV = Div.apply2
_COS = Cos.apply1
_ERF = Erf.apply1
_EXP = Exp.apply1
_LOG = Log.apply1
_MUL = Mul.apply2
_NEG = Neg.apply1
_RELU = Relu.apply1
_SIGMOID = Sigmoid.apply1
_SIN = Sin.apply1
_SQRT = Sqrt.apply1
_SUB = Sub.apply2
_TANH = Tanh.apply1


@export
def add(input, other, alpha=1):
    """input + alpha * other."""
    if alpha != 1:
        other = mul(other, alpha)
    elif type(input) is Tensor and isinstance(other, Tensor) \
            and input.data.dtype is other.data.dtype:
        return _ADD(input, other)  # the common case (a bias too), without binary()'s checks
    return Add.apply(*binary(input, other, "add"))


@export
def sub(input, other, alpha=1):
    """input - alpha * other."""
    if alpha != 1:
        other = mul(other, alpha)
    return _SUB(*binary(input, other, "sub"))


@export
def mul(input, other):
    if type(input) is Tensor and type(other) is Tensor and input.data.dtype is other.data.dtype:
        return _MUL(input, other)  # the common case, without binary()'s checks
    return Mul.apply(*binary(input, other, "mul"))


@export
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2, all three broadcast together (as torch.addcmul)."""
    if (type(input) is Tensor and type(tensor1) is Tensor and type(tensor2) is Tensor
            and (value == 1 and type(value) is int) and input.data.dtype.kind == "f"
            and input.data.dtype is tensor1.data.dtype is tensor2.data.dtype
            and input.data.shape == tensor1.data.shape == tensor2.data.shape):
        node = _new_node(Addcmul)  # the common case (an LSTM's cell update)
        node.value = 1
        return _ADDCMUL(input, tensor1, tensor2, node)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"addcmul: value must be a number, got {type(value).__name__}")
    a, b = binary(tensor1, tensor2, "addcmul")
    c, a = binary(input, a, "addcmul")
    if b.data.dtype != a.data.dtype:
        a, b = binary(a, b, "addcmul")
    if a.data.dtype.kind != "f" and float(value) != int(value):
        raise TypeError(f"addcmul: value must be an integer for {a.data.dtype} tensors, "
                        f"got {value}")
    try:
        np.broadcast_shapes(c.data.shape, a.data.shape, b.data.shape)
    except ValueError:
        raise ShapeError(f"addcmul: shapes {shape_str(c.data.shape)} (input), "
                         f"{shape_str(a.data.shape)} (tensor1) and {shape_str(b.data.shape)} "
                         "(tensor2) cannot be broadcast together") from None
    return Addcmul.apply(c, a, b, value=value)


@export
def div(input, other):
    """True division; integer inputs give a floating result, as in PyTorch."""
    a, b = binary(input, other, "div")
    if a.data.dtype.kind != "f":
        a, b = floating(a, "div"), floating(b, "div")
    return _DIV(a, b)


def _integer_quotient_args(input, other, op):
    a, b = binary(input, other, op)
    kind = a.data.dtype.kind
    if kind == "b":
        raise TypeError(f"{op}: not supported for bool tensors")
    if kind != "f" and not b.data.all():
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")
    return a, b


@export
def floor_divide(input, other):
    """floor(input / other), rounding toward -inf (Python's //). Not differentiable (torch
    has no derivative for it): the result is a constant, outside the graph."""
    a, b = _integer_quotient_args(input, other, "floor_divide")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _wrap(np.asarray(np.floor_divide(a.data, b.data)))


@export
def remainder(input, other):
    """input - other * floor(input / other): the remainder with the sign of other, as
    Python's % and torch.remainder."""
    return Remainder.apply(*_integer_quotient_args(input, other, "remainder"))


@export
def fmod(input, other):
    """input - other * trunc(input / other): the remainder with the sign of input, as C's
    fmod and torch.fmod."""
    return Fmod.apply(*_integer_quotient_args(input, other, "fmod"))


@export
def neg(input):
    return _NEG(as_tensor(input, "neg"))


@export
def pow(input, exponent):  # noqa: A001
    a, b = binary(input, exponent, "pow")
    kind = a.data.dtype.kind
    if kind == "b":
        return _bool_pow(input, exponent, a)
    if kind != "f" and (b.data < 0).any():
        if isinstance(exponent, (int, np.integer)):  # as torch: only a scalar exponent is refused
            raise ValueError("pow: integers to negative integer powers are not allowed")
        return _wrap(_integer_pow(a.data, b.data))
    return Pow.apply(a, b)


def _integer_pow(a, b):
    """a ** b for integer arrays with some b < 0, as torch: 1 ** b is 1, (-1) ** b is +-1 by
    b's parity, any other base gives 0 (the integer part of 1 / a^|b|, and 0 for 0 ** b)."""
    negative = b < 0
    y = np.power(a, np.where(negative, 0, b))
    odd = np.bitwise_and(b, 1).astype(bool)
    tiny = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, tiny, y).astype(y.dtype, copy=False)


def _bool_pow(input, exponent, a):
    """bool tensor ** Python bool stays bool (x ** True is x, x ** False is all True), as
    torch; torch has no bool ** bool-tensor kernel: a TypeError."""
    if isinstance(input, Tensor) and isinstance(exponent, (bool, np.bool_)):
        return _wrap(a.data | (not exponent))
    raise TypeError("pow: not supported between bool tensors (cast one to int64 or float "
                    "first)")


@export
def exp(input):
    return _EXP(floating(input, "exp"))


@export
def log(input):
    return _LOG(floating(input, "log"))


@export
def sqrt(input):
    return _SQRT(floating(input, "sqrt"))


@export
def sin(input):
    return _SIN(floating(input, "sin"))


@export
def cos(input):
    return _COS(floating(input, "cos"))


@export
def tanh(input):
    return _TANH(floating(input, "tanh"))


@export
def erf(input):
    """The error function, 2/sqrt(pi) * integral_0^x e^(-t^2) dt (GELU is built on it)."""
    return _ERF(floating(input, "erf"))


@export
def sigmoid(input):
    return _SIGMOID(floating(input, "sigmoid"))


@export
def relu(input):
    return _RELU(as_tensor(input, "relu"))


@export
def abs(input):  # noqa: A001
    return _ABS(as_tensor(input, "abs"))


@export
def clamp(input, min=None, max=None):  # noqa: A002
    """Limit every element to [min, max] (either bound may be None). The bounds are numbers
    or Tensors; Tensor bounds broadcast with input and get gradients, as in torch."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    x = as_tensor(input, "clamp")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        lo, hi = min, max
        if isinstance(lo, np.generic) or isinstance(hi, np.generic):
            lo, hi = _scalar_bound(lo), _scalar_bound(hi)
        if x.data.dtype.kind != "f":
            # torch's promotion: an int tensor with a float bound gives the default float dtype
            dt = x.data.dtype
            for bound in (lo, hi):
                if bound is not None:
                    dt = dtypes.promote(dt, dtypes.scalar_dtype(bound), True, False)
            if dt != x.data.dtype:
                x = cast(x, dt)
        return Clamp.apply(x, lo=lo, hi=hi)
    return _clamp_tensor(x, min, max)


def _scalar_bound(bound):
    """A numpy scalar bound as a Python number: numpy's float64 would make float32 data
    float64, where torch clamps in the tensor's dtype."""
    return bound.item() if isinstance(bound, np.generic) else bound


def _clamp_tensor(x, lo, hi):
    ts = [x]
    for name, bound in (("min", lo), ("max", hi)):
        if bound is not None:
            ts.append(as_tensor(bound, "clamp", name))
    dtype, dimensioned = x.data.dtype, x.data.ndim > 0
    for t in ts[1:]:  # the result type of all three (torch's promotion), as torch.clamp's
        dtype = dtypes.promote(dtype, t.data.dtype, dimensioned, t.data.ndim > 0)
        dimensioned = dimensioned or t.data.ndim > 0
    ts = [t if t.data.dtype == dtype else cast(t, dtype) for t in ts]
    try:
        np.broadcast_shapes(*[t.data.shape for t in ts])
    except ValueError:
        shapes = " and ".join(shape_str(t.data.shape) for t in ts)
        raise ShapeError(f"clamp: shapes {shapes} (input, then the bounds) cannot be broadcast "
                         "together") from None
    return ClampTensor.apply(*ts, has_lo=lo is not None, has_hi=hi is not None)


@export
def clip(input, min=None, max=None):  # noqa: A002
    """Alias of clamp."""
    return clamp(input, min, max)


@export(method=False)
def where(condition, input=None, other=None):
    """Elements of input where condition holds, else of other (both broadcast). With the
    condition alone: nonzero(condition, as_tuple=True), the indices where it holds."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (where(condition) is "
                        "nonzero(condition, as_tuple=True))")
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    a, b = binary(input, other, "where")
    return Where.apply(a, b, cond=cond)


@export
def maximum(input, other):
    return Maximum.apply(*binary(input, other, "maximum"))


@export
def minimum(input, other):
    return Minimum.apply(*binary(input, other, "minimum"))


@export(method=False)
def cast(input, dtype):
    """input as another dtype (differentiable between floating dtypes)."""
    x = as_tensor(input, "cast")
    if x.data.dtype == dtype:
        return x
    if dtype.kind != "f" and x._requires_grad:
        with no_grad():  # integer and bool tensors never require grad
            return Cast.apply(x, dtype=dtype)
    return Cast.apply(x, dtype=dtype)


@export
def clone(input):
    return _CLONE(as_tensor(input, "clone"))


@export
def sign(input):
    """sign(x), not differentiable (a constant tensor)."""
    x = as_tensor(input, "sign")
    return _wrap(np.sign(x.data))


# --- comparisons and logic: bool results, outside the graph ---

def _no_grad_binary(ufunc, a, b, name):
    """ufunc(a, b) as a Tensor outside the graph (comparisons, bitwise ops)."""
    try:
        return _wrap(np.asarray(ufunc(a, b)))
    except ValueError:
        raise ShapeError(f"{name}: shapes {tuple(np.shape(a))} and {tuple(np.shape(b))} "
                         "cannot be broadcast together") from None


def _compare(ufunc, name):
    def compare(input, other):
        try:
            a, b = binary_arrays(input, other, name)  # compared in the promoted dtype, as torch
        except TypeError:  # None, a string: numpy's elementwise answer
            a = input.data if isinstance(input, Tensor) else np.asarray(input)
            b = other.data if isinstance(other, Tensor) else np.asarray(other)
        return _no_grad_binary(ufunc, a, b, name)
    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name}; a bool tensor, not differentiable."
    return export(compare)


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


@export
def logical_not(input):
    return _wrap(np.logical_not(as_tensor(input, "logical_not").data))


def _not_integral(name, *operands):
    kinds = " and ".join(str(x.dtype) if isinstance(x, Tensor) else type(x).__name__
                         for x in operands)
    return TypeError(f"{name}: only integer and bool operands are supported, got {kinds}")


def _bitwise(ufunc, name):
    def bitwise(input, other):
        a, b = binary_arrays(input, other, name)
        if a.dtype.kind == "f":
            raise _not_integral(name, input, other)
        return _no_grad_binary(ufunc, a, b, name)
    bitwise.__name__ = name
    bitwise.__doc__ = (f"Elementwise {name} of integer tensors (logical on bool); not "
                       "differentiable.")
    return export(bitwise)


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


@export
def bitwise_not(input):
    """~x of an integer tensor (logical not on bool); not differentiable."""
    x = as_tensor(input, "bitwise_not")
    if x.data.dtype.kind == "f":
        raise _not_integral("bitwise_not", x)
    return _wrap(np.invert(x.data))


@export
def isnan(input):
    return _wrap(np.isnan(as_tensor(input, "isnan").data))


@export
def isfinite(input):
    return _wrap(np.isfinite(as_tensor(input, "isfinite").data))


@export
def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: an int64 tensor of shape (count, input.ndim),
    or with as_tuple=True one 1-d tensor per dim (a 0-d input counts as 1-d), as torch."""
    x = as_tensor(input, "nonzero").data
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(np.atleast_1d(x)))
    return _wrap(np.argwhere(x).astype(np.int64, copy=False))


@export
def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(np.allclose(as_tensor(input, "allclose").data, as_tensor(other, "allclose").data,
                            rtol=rtol, atol=atol, equal_nan=equal_nan))

