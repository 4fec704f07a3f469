"""More of torch's math: logs and exps, trigonometric and hyperbolic functions, atan2,
hypot, logaddexp, xlogy, lerp, rounding (zero gradient, as torch), and the predicates
isinf, isclose, equal; primitives where composing would cost or lose precision."""

import math

import numpy as np

from .. import dtypes
from .._fpe import quiet, unquiet
from ..errors import ShapeError
from ..function import EXPORTED, ZeroGrad, export
from ._common import (
    Tensor,
    _wrap,
    as_tensor,
    binary,
    binary_arrays,
    cast,
    const,
    floating,
    shape_str,
)
from .elementwise import Elementwise, Where, add, clamp, div, mul, sub

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _quietly(ufunc):
    """A forward that runs ufunc without floating-point warnings (torch returns inf and nan
    quietly: log1p(-1), asin(2), sinh(1000))."""
    def forward(*xs):
        token = quiet()
        try:
            return ufunc(*xs)
        finally:
            unquiet(token)
    return staticmethod(forward)


def _call(name, *xs):
    """numpy's `name` on ndarrays (a first-order backward), the recorded op on Tensors
    (under create_graph): for the functions the backward namespace F does not offer."""
    if isinstance(xs[0], Tensor):
        return EXPORTED[name](*xs)
    return _NUMPY[name](*xs)


def _zeros_like(gy):
    """The gradient of a step function: zero (lazily, in a first-order pass)."""
    if isinstance(gy, Tensor):
        return const(np.zeros(gy.shape, gy.dtype), gy.dtype)
    return ZeroGrad(np.shape(gy), gy.dtype)


# --- logs and exps ---

class Log1p(Elementwise):
    """y = log(1 + x), exact for tiny x;  dy/dx = 1 / (1 + x)."""

    __slots__ = ()
    forward = _quietly(np.log1p)

    def backward(self, gy):
        return gy / (self.xs[0] + 1)


class Expm1(Elementwise):
    """y = exp(x) - 1, exact for tiny x;  dy/dx = y + 1."""

    __slots__ = ()
    save_inputs = False
    save_output = True
    forward = _quietly(np.expm1)

    def backward(self, gy):
        return gy * (self.y + 1)


def _exact(ufunc):
    """ufunc, in float64 for float32 input: numpy's float32 log10 is off by an ulp at
    whole powers (log10(1000) = 3.0000002); torch's is not."""
    def f(x):
        if x.dtype == np.float32:
            return ufunc(x.astype(np.float64)).astype(np.float32)
        return ufunc(x)
    return _quietly(f)


class Log2(Elementwise):
    """y = log2(x);  dy/dx = 1 / (x ln 2)."""

    __slots__ = ()
    forward = _exact(np.log2)

    def backward(self, gy):
        return gy / (self.xs[0] * _LN2)


class Log10(Elementwise):
    """y = log10(x);  dy/dx = 1 / (x ln 10)."""

    __slots__ = ()
    forward = _exact(np.log10)

    def backward(self, gy):
        return gy / (self.xs[0] * _LN10)


class Rsqrt(Elementwise):
    """y = 1 / sqrt(x);  dy/dx = -y^3 / 2."""

    __slots__ = ()
    save_inputs = False
    save_output = True

    def forward(self, x):
        token = quiet()
        try:
            return 1 / np.sqrt(x)
        finally:
            unquiet(token)

    def backward(self, gy):
        y = self.y
        return gy * (y * y * y) * -0.5


# --- trigonometric and hyperbolic ---

class Tan(Elementwise):
    """y = tan(x);  dy/dx = 1 + y^2."""

    __slots__ = ()
    save_inputs = False
    save_output = True
    forward = _quietly(np.tan)

    def backward(self, gy):
        y = self.y
        return gy * (y * y + 1)


class Asin(Elementwise):
    """y = asin(x);  dy/dx = 1 / sqrt(1 - x^2)."""

    __slots__ = ()
    forward = _quietly(np.arcsin)

    def backward(self, gy):
        x = self.xs[0]
        return gy / _call("sqrt", 1 - x * x)


class Acos(Elementwise):
    """y = acos(x);  dy/dx = -1 / sqrt(1 - x^2)."""

    __slots__ = ()
    forward = _quietly(np.arccos)

    def backward(self, gy):
        x = self.xs[0]
        return -gy / _call("sqrt", 1 - x * x)


class Atan(Elementwise):
    """y = atan(x);  dy/dx = 1 / (1 + x^2)."""

    __slots__ = ()
    forward = np.arctan

    def backward(self, gy):
        x = self.xs[0]
        return gy / (x * x + 1)


class Sinh(Elementwise):
    """y = sinh(x);  dy/dx = cosh(x)."""

    __slots__ = ()
    forward = _quietly(np.sinh)

    def backward(self, gy):
        return gy * _call("cosh", self.xs[0])


class Cosh(Elementwise):
    """y = cosh(x);  dy/dx = sinh(x)."""

    __slots__ = ()
    forward = _quietly(np.cosh)

    def backward(self, gy):
        return gy * _call("sinh", self.xs[0])


class Asinh(Elementwise):
    """y = asinh(x);  dy/dx = 1 / sqrt(x^2 + 1)."""

    __slots__ = ()
    forward = np.arcsinh

    def backward(self, gy):
        x = self.xs[0]
        return gy / _call("sqrt", x * x + 1)


class Acosh(Elementwise):
    """y = acosh(x);  dy/dx = 1 / sqrt(x^2 - 1)."""

    __slots__ = ()
    forward = _quietly(np.arccosh)

    def backward(self, gy):
        x = self.xs[0]
        return gy / _call("sqrt", x * x - 1)


class Atanh(Elementwise):
    """y = atanh(x);  dy/dx = 1 / (1 - x^2)."""

    __slots__ = ()
    forward = _quietly(np.arctanh)

    def backward(self, gy):
        x = self.xs[0]
        return gy / (1 - x * x)


# --- binary ---

class Atan2(Elementwise):
    """y = atan2(a, b), the angle of the point (b, a);  dy/da = b / (a^2 + b^2),
    dy/db = -a / (a^2 + b^2) (both 0 at the origin, as torch)."""

    __slots__ = ()
    forward = np.arctan2

    def backward(self, gy):
        a, b = self.xs
        F = self.F
        d = a * a + b * b
        origin = (d.data if isinstance(d, Tensor) else np.asarray(d)) == 0
        if origin.any():  # the direction is undefined there: torch's 0, not 0/0
            d = F.where(origin, 1.0, d)
            gy = F.where(origin, 0.0, gy)
        pa, pb = self.parents
        return ((gy * b / d if pa is not None else None),
                (-(gy * a) / d if pb is not None else None))


class Hypot(Elementwise):
    """y = sqrt(a^2 + b^2) without overflow;  dy/da = a / y, dy/db = b / y."""

    __slots__ = ()
    save_output = True
    forward = _quietly(np.hypot)

    def backward(self, gy):
        a, b = self.xs
        g = gy / self.y
        pa, pb = self.parents
        return (g * a if pa is not None else None), (g * b if pb is not None else None)


class Logaddexp(Elementwise):
    """y = log(e^a + e^b), without overflow;  dy/da = 1 / (1 + e^(b - a)),
    dy/db = 1 / (1 + e^(a - b)) (torch's form: exact where one term dominates)."""

    __slots__ = ()
    forward = _quietly(np.logaddexp)

    def backward(self, gy):
        a, b = self.xs
        F = self.F
        pa, pb = self.parents
        return ((gy / (F.exp(b - a) + 1) if pa is not None else None),
                (gy / (F.exp(a - b) + 1) if pb is not None else None))


def _xlogy(x, y):
    """x log(y) on arrays, 0 where x == 0 unless y is nan (torch's xlogy)."""
    token = quiet()
    try:
        out = np.asarray(x * np.log(y))
    finally:
        unquiet(token)
    zero = (x == 0) & ~np.isnan(y)
    if zero.any():
        out = np.where(zero, out.dtype.type(0), out)
    return out


class Xlogy(Elementwise):
    """y = x log(other), 0 where x == 0 (unless other is nan);  as torch: dy/dx = log(other)
    (0 where x == 0 and other <= 0, where x log(other) is 0 on one side), dy/dother =
    x / other."""

    __slots__ = ()

    def forward(self, x, y):
        return _xlogy(x, y)

    def backward(self, gy):
        x, y = self.xs
        gx = gother = None
        if self.parents[0] is not None:
            gx = _call("xlogy", gy, y)  # gy log(y), and 0 where gy is: torch's formula
            xd, yd = self.inputs[0].data, self.inputs[1].data
            flat = (xd == 0) & (yd <= 0)
            if flat.any():
                gx = self.F.where(flat, 0.0, gx)
        if self.parents[1] is not None:
            gother = gy * x / y
        return gx, gother


class Lerp(Elementwise):
    """y = a + w (b - a), in torch's two forms (exactly b at w == 1);  dy/da = 1 - w,
    dy/db = w, dy/dw = b - a."""

    __slots__ = ()
    grad_reads = ((2,), (2,), (0, 1))

    def forward(self, a, b, w):
        d = b - a
        if w.ndim == 0:
            return a + w * d if abs(w) < 0.5 else b - d * (1 - w)
        return np.where(np.abs(w) < 0.5, a + w * d, b - d * (1 - w))

    def backward(self, gy):
        a, b, w = self.xs
        pa, pb, pw = self.parents
        return ((gy * (1 - w) if pa is not None else None),
                (gy * w if pb is not None else None),
                (gy * (b - a) if pw is not None else None))


_NUMPY = {"sqrt": np.sqrt, "sinh": np.sinh, "cosh": np.cosh, "xlogy": _xlogy}


# --- steps: piecewise constant, so a zero gradient (as torch's) ---

class _Step(Elementwise):
    __slots__ = ()
    save_inputs = False

    def backward(self, gy):
        return _zeros_like(gy)


class Floor(_Step):
    """y = floor(x);  dy/dx = 0."""

    __slots__ = ()
    forward = np.floor


class Ceil(_Step):
    """y = ceil(x);  dy/dx = 0."""

    __slots__ = ()
    forward = np.ceil


class Trunc(_Step):
    """y = trunc(x) (toward 0);  dy/dx = 0."""

    __slots__ = ()
    forward = np.trunc


class Round(_Step):
    """y = x rounded half to even at `decimals` places (torch's formula);  dy/dx = 0."""

    __slots__ = ("decimals",)

    def __init__(self, decimals):
        self.decimals = decimals

    def forward(self, x):
        d = self.decimals
        if d == 0:
            return np.rint(x)
        token = quiet()  # (x * 10^d may overflow to inf, as in torch)
        try:
            scale = x.dtype.type(10.0 ** abs(d) if abs(d) <= 308 else math.inf)
            return np.rint(x * scale) / scale if d > 0 else np.rint(x / scale) * scale
        finally:
            unquiet(token)


# --- public functions ---

def _unary(cls, name, doc):
    prim = cls.apply1

    def fn(input):
        return prim(floating(input, name))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return export(fn)


log1p = _unary(Log1p, "log1p", "log(1 + input), accurate for small input.")
expm1 = _unary(Expm1, "expm1", "exp(input) - 1, accurate for small input.")
log2 = _unary(Log2, "log2", "The base-2 logarithm.")
log10 = _unary(Log10, "log10", "The base-10 logarithm.")
rsqrt = _unary(Rsqrt, "rsqrt", "1 / sqrt(input).")
tan = _unary(Tan, "tan", "The tangent.")
asin = _unary(Asin, "asin", "The inverse sine, in [-pi/2, pi/2] (nan outside [-1, 1]).")
acos = _unary(Acos, "acos", "The inverse cosine, in [0, pi] (nan outside [-1, 1]).")
atan = _unary(Atan, "atan", "The inverse tangent, in (-pi/2, pi/2).")
sinh = _unary(Sinh, "sinh", "The hyperbolic sine.")
cosh = _unary(Cosh, "cosh", "The hyperbolic cosine.")
asinh = _unary(Asinh, "asinh", "The inverse hyperbolic sine.")
acosh = _unary(Acosh, "acosh", "The inverse hyperbolic cosine (nan below 1).")
atanh = _unary(Atanh, "atanh", "The inverse hyperbolic tangent (nan outside [-1, 1]).")


@export
def square(input):
    """input * input; an int tensor stays int, a bool tensor becomes int64 (as torch)."""
    x = as_tensor(input, "square")
    if x.data.dtype == np.bool_:
        x = cast(x, dtypes.int64)
    return mul(x, x)


@export
def reciprocal(input):
    """1 / input; int and bool tensors give the default float dtype, as torch."""
    x = floating(input, "reciprocal")
    return div(const(1, x.data.dtype), x)


@export
def deg2rad(input):
    """Degrees to radians: input * pi / 180."""
    return mul(floating(input, "deg2rad"), math.pi / 180)


@export
def rad2deg(input):
    """Radians to degrees: input * 180 / pi."""
    return mul(floating(input, "rad2deg"), 180 / math.pi)


def _float_pair(input, other, op, integers_too):
    """binary()'s promotion for a floating op. As torch: integer operands become the default
    float dtype when integers_too (atan2, xlogy), else they are refused (hypot, logaddexp)."""
    a, b = binary(input, other, op)
    if a.data.dtype.kind != "f":
        if not integers_too:
            raise TypeError(f"{op}: not supported for {a.data.dtype} operands (torch has no "
                            "integer kernel for it); convert them to a floating dtype first")
        a, b = floating(a, op), floating(b, op)
    return a, b


@export
def atan2(input, other):
    """The angle of the point (other, input) in (-pi, pi], elementwise: atan(input / other)
    in the right quadrant."""
    return Atan2.apply(*_float_pair(input, other, "atan2", True))


@export
def arctan2(input, other):
    """Alias of atan2."""
    return atan2(input, other)


@export
def hypot(input, other):
    """sqrt(input^2 + other^2), elementwise, without overflow or underflow."""
    return Hypot.apply(*_float_pair(input, other, "hypot", False))


@export
def logaddexp(input, other):
    """log(exp(input) + exp(other)), elementwise, without overflow."""
    return Logaddexp.apply(*_float_pair(input, other, "logaddexp", False))


@export
def xlogy(input, other):
    """input * log(other), with 0 where input == 0 (unless other is nan), as torch; integer
    operands give the default float dtype. As torch's, the gradient of input is log(other),
    but 0 where input == 0 and other <= 0."""
    return Xlogy.apply(*_float_pair(input, other, "xlogy", True))


@export
def lerp(input, end, weight):
    """input + weight * (end - input), elementwise; weight is a number or a Tensor, and the
    three broadcast together (as torch.lerp)."""
    a, b = binary(input, end, "lerp")
    if a.data.dtype.kind != "f":
        raise TypeError(f"lerp: input and end must be floating tensors, got "
                        f"{_dtype_name(input)} and {_dtype_name(end)}")
    if isinstance(weight, Tensor):
        w = weight
        if w.data.dtype.kind != "f":
            raise TypeError(f"lerp: weight must be a floating tensor, got {w.data.dtype}")
        dt = dtypes.promote(a.data.dtype, w.data.dtype,
                            a.data.ndim > 0 or b.data.ndim > 0, w.data.ndim > 0)
        a, b, w = (t if t.data.dtype == dt else cast(t, dt) for t in (a, b, w))
    elif isinstance(weight, (int, float, np.number)) and not isinstance(weight, (bool, np.bool_)):
        w = const(float(weight), a.data.dtype)
    else:
        raise TypeError(f"lerp: weight must be a number or a Tensor, got "
                        f"{type(weight).__name__}")
    _check_broadcast("lerp", (a, "input"), (b, "end"), (w, "weight"))
    return Lerp.apply(a, b, w)


def _dtype_name(x):
    return str(x.dtype) if isinstance(x, Tensor) else type(x).__name__


def _check_broadcast(op, *named):
    try:
        np.broadcast_shapes(*[t.data.shape for t, _ in named])
    except ValueError:
        shapes = ", ".join(f"{shape_str(t.data.shape)} ({name})" for t, name in named)
        raise ShapeError(f"{op}: shapes {shapes} cannot be broadcast together") from None


@export
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, all three broadcast together (as torch.addcdiv)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"addcdiv: value must be a number, got {type(value).__name__}")
    c = as_tensor(input, "addcdiv")
    a = as_tensor(tensor1, "addcdiv", "tensor1")
    b = as_tensor(tensor2, "addcdiv", "tensor2")
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        raise TypeError(f"addcdiv: integer division is not supported (tensor1 and tensor2 are "
                        f"{a.data.dtype} and {b.data.dtype}); use a floating tensor1 or tensor2")
    _check_broadcast("addcdiv", (c, "input"), (a, "tensor1"), (b, "tensor2"))
    return add(c, div(a, b), alpha=value)


@export
def clamp_min(input, min):  # noqa: A002
    """max(input, min), elementwise: clamp(input, min=min)."""
    if min is None:
        raise TypeError("clamp_min: min must be a number or a Tensor, got None")
    return clamp(input, min=min)


@export
def clamp_max(input, max):  # noqa: A002
    """min(input, max), elementwise: clamp(input, max=max)."""
    if max is None:
        raise TypeError("clamp_max: max must be a number or a Tensor, got None")
    return clamp(input, max=max)


# --- rounding ---

def _rounding(op, input):
    """input as a Tensor for a rounding op. Bool tensors are refused, as torch; integer
    tensors are already whole: the ops return a copy."""
    x = as_tensor(input, op)
    if x.data.dtype.kind == "b":
        raise TypeError(f"{op}: not supported for bool tensors")
    return x


@export
def floor(input):
    """The largest whole number <= input. Its gradient is 0, as in torch."""
    x = _rounding("floor", input)
    return Floor.apply1(x) if x.data.dtype.kind == "f" else _wrap(x.data.copy())


@export
def ceil(input):
    """The smallest whole number >= input. Its gradient is 0, as in torch."""
    x = _rounding("ceil", input)
    return Ceil.apply1(x) if x.data.dtype.kind == "f" else _wrap(x.data.copy())


@export
def trunc(input):
    """input rounded toward 0. Its gradient is 0, as in torch."""
    return _trunc(input, "trunc")


@export
def fix(input):
    """Alias of trunc."""
    return _trunc(input, "fix")


def _trunc(input, op):
    x = _rounding(op, input)
    return Trunc.apply1(x) if x.data.dtype.kind == "f" else _wrap(x.data.copy())


@export
def round(input, *, decimals=0):  # noqa: A001
    """input rounded to `decimals` decimal places, halves to even (as torch.round; a
    negative `decimals` rounds to tens, hundreds, ...). Its gradient is 0, as in torch."""
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    x = _rounding("round", input)
    if x.data.dtype.kind != "f":
        if decimals != 0:
            raise TypeError(f"round: decimals={decimals} is not supported for integer tensors")
        return _wrap(x.data.copy())
    return Round.apply(x, decimals=int(decimals))


@export
def frac(input):
    """input - trunc(input), the fractional part with input's sign. Its gradient is 1."""
    x = as_tensor(input, "frac")
    if x.data.dtype.kind != "f":
        raise TypeError(f"frac: not supported for {x.data.dtype} tensors")
    token = quiet()  # (inf - inf is nan, quietly, as torch's frac(inf))
    try:
        return sub(x, trunc(x))
    finally:
        unquiet(token)


# --- non-finite values ---

@export
def isinf(input):
    """True where input is +inf or -inf; not differentiable."""
    return _wrap(np.isinf(as_tensor(input, "isinf").data))


@export
def isposinf(input):
    """True where input is +inf; not differentiable."""
    return _wrap(np.isposinf(as_tensor(input, "isposinf").data))


@export
def isneginf(input):
    """True where input is -inf; not differentiable."""
    return _wrap(np.isneginf(as_tensor(input, "isneginf").data))


@export
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """input with nan, +inf and -inf replaced by nan, posinf and neginf (by default the
    largest and the lowest finite value of its dtype). As torch, the gradient passes where
    input is finite and is 0 where it was replaced."""
    x = as_tensor(input, "nan_to_num")
    for name, v in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float, np.number))):
            raise TypeError(f"nan_to_num: {name} must be a number or None, got "
                            f"{type(v).__name__}")
    if x.data.dtype.kind != "f":
        return _wrap(x.data.copy())  # integers are always finite
    finite = np.isfinite(x.data)
    token = quiet()  # a replacement beyond float32's range becomes inf, quietly
    try:
        filled = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    finally:
        unquiet(token)
    return Where.apply(x, _wrap(filled.astype(x.data.dtype, copy=False)), cond=finite)


# --- comparisons: Python and bool results, outside the graph ---

@export
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise, as a bool tensor (not
    differentiable); nan is close to nan only with equal_nan=True."""
    for name, v in (("rtol", rtol), ("atol", atol)):
        if v < 0:
            raise ValueError(f"isclose: {name} must be greater than or equal to zero, "
                             f"but got {v}")
    a, b = binary_arrays(input, other, "isclose")
    try:
        if a.dtype == np.bool_:
            return _wrap(np.asarray(np.equal(a, b)))
        return _wrap(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError:
        raise ShapeError(f"isclose: shapes {shape_str(a.shape)} and {shape_str(b.shape)} "
                         "cannot be broadcast together") from None


@export
def equal(input, other):
    """True when input and other have the same shape and the same values (a Python bool;
    nan is never equal to nan). The dtypes may differ, as in torch."""
    a = as_tensor(input, "equal").data
    b = as_tensor(other, "equal", "other").data
    return a.shape == b.shape and bool(np.array_equal(a, b))
