"""Specs of the ops in autograd_core/ops/mathfuncs.py (loaded at the end of op_specs.py):
domains keep away from poles, branch cuts and the jumps of the rounding ops."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from tests import strategies as S
from tests.op_specs import binary, spec, unary

# --- unary ---

unary("log1p", -0.8, 3.0)
unary("expm1")
unary("log2", 0.1, 3.0)
unary("log10", 0.1, 3.0)
unary("square")
unary("rsqrt", 0.2, 3.0)
unary("tan", -1.2, 1.2)
unary("sinh")
unary("cosh")
unary("asin", -0.9, 0.9)
unary("acos", -0.9, 0.9)
unary("atan", -3.0, 3.0)
unary("asinh", -3.0, 3.0)
unary("acosh", 1.2, 3.0)
unary("atanh", -0.9, 0.9)
unary("deg2rad", -200.0, 200.0)
unary("rad2deg", -3.0, 3.0)


def _draw_away_from_zero(data):
    """Either sign, |x| in [0.3, 2]."""
    u = data.draw(S.arrays(data.draw(S.shapes(), label="shape"), -1.0, 1.0), label="x")
    return [np.where(u >= 0, 1.0, -1.0) * (0.3 + 1.7 * np.abs(u))], {}


spec("reciprocal", _draw_away_from_zero, lambda x: ag.reciprocal(x),
     lambda T, x: T.reciprocal(x))


def _away_from_steps(x, step=1.0, offset=0.0):
    """x moved at least 0.1 step away from every offset + k * step (where a rounding op
    jumps): central differences there would straddle the jump."""
    r = (x - offset) / step
    near = np.abs(r - np.round(r)) < 0.1
    return np.where(near, x + 0.2 * step, x)


def _draw_steps(offset):
    def draw(data):
        x = data.draw(S.arrays(data.draw(S.shapes(), label="shape"), -2.7, 2.7), label="x")
        return [_away_from_steps(x, 1.0, offset)], {}
    return draw


for _name in ("floor", "ceil", "trunc", "fix"):
    # the gradient is a constant 0 (as torch's): nothing to gradgradcheck
    spec(_name, _draw_steps(0.0), getattr(ag, _name),
         (lambda n: lambda T, x: getattr(T, n)(x))(_name), twice=False)
spec("frac", _draw_steps(0.0), lambda x: ag.frac(x), lambda T, x: T.frac(x))


def _draw_round(data):
    decimals = data.draw(st.sampled_from([0, 0, 1, 2, -1]), label="decimals")
    step = 10.0 ** -decimals
    lim = 27.0 if decimals < 0 else 2.7
    x = data.draw(S.arrays(data.draw(S.shapes(), label="shape"), -lim, lim), label="x")
    return [_away_from_steps(x, step, step / 2)], {"decimals": decimals}


spec("round", _draw_round, lambda x, decimals: ag.round(x, decimals=decimals),
     lambda T, x, decimals: T.round(x, decimals=decimals), twice=False)


def _draw_nan_to_num(data):
    """Some elements replaced by nan, inf or -inf, and finite replacements (the defaults,
    the dtype's extremes, overflow the checks' sums: tests/test_mathfuncs.py has them)."""
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, layout=False), label="x")
    which = data.draw(S.arrays(shape, 0.0, 1.0, layout=False, salt=1), label="which")
    x = np.where(which < 0.15, np.nan, np.where(which < 0.3, np.inf,
                                                np.where(which < 0.45, -np.inf, x)))
    kw = {"nan": data.draw(st.sampled_from([0.0, 1.5]), label="nan"),
          "posinf": data.draw(st.sampled_from([3.0, 100.0]), label="posinf"),
          "neginf": data.draw(st.sampled_from([-3.0, 0.0]), label="neginf")}
    return [x], kw


spec("nan_to_num", _draw_nan_to_num, lambda x, **kw: ag.nan_to_num(x, **kw),
     lambda T, x, **kw: T.nan_to_num(x, **kw))

# --- binary ---

# atan2 jumps across the negative x-axis (input == 0, other < 0): input stays off 0
binary("atan2", avoid=(0.0, None))
binary("arctan2", avoid=(0.0, None))
binary("hypot", avoid=(0.0, None))  # (the origin is a kink)
binary("logaddexp", low=(-3.0, -3.0), high=(3.0, 3.0))
binary("xlogy", low=(-2.0, 0.2), high=(2.0, 3.0))


def _draw_xlogy_zeros(data):
    """x with exact zeros (the forward's special case; other > 0, where the gradient of x
    is still log(other), as torch's)."""
    sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
    x = data.draw(S.arrays(sa), label="x")
    zero = data.draw(S.arrays(sa, -1.0, 1.0, layout=False, salt=2), label="zeros") > 0
    return [np.where(zero, 0.0, x), data.draw(S.arrays(sb, 0.2, 3.0, salt=1), label="y")], {}


spec("xlogy_zeros", _draw_xlogy_zeros, lambda x, y: ag.xlogy(x, y),
     lambda T, x, y: T.xlogy(x, y))


def _draw_lerp(data):
    """start, end and a weight that is a number or a tensor (the three broadcast), weights
    on both sides of 0.5 (torch's two formulas) and outside [0, 1]."""
    if data.draw(st.booleans(), label="tensor weight"):
        shapes = data.draw(S.broadcastable_shapes(3), label="shapes")
        return [data.draw(S.arrays(shapes[0]), label="start"),
                data.draw(S.arrays(shapes[1], salt=1), label="end"),
                data.draw(S.arrays(shapes[2], -0.5, 1.5, salt=2), label="weight")], {}
    sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
    return [data.draw(S.arrays(sa), label="start"), data.draw(S.arrays(sb, salt=1), label="end")], \
        {"weight": data.draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, -1.5, 2.0]),
                             label="weight")}


def _lerp(fn, a, b, *w, weight=None):
    return fn(a, b, w[0] if w else weight)


spec("lerp", _draw_lerp, lambda a, b, *w, **kw: _lerp(ag.lerp, a, b, *w, **kw),
     lambda T, a, b, *w, **kw: _lerp(T.lerp, a, b, *w, **kw))
spec("lerp_method", _draw_lerp, lambda a, b, *w, **kw: _lerp(ag.Tensor.lerp, a, b, *w, **kw),
     lambda T, a, b, *w, **kw: _lerp(T.Tensor.lerp, a, b, *w, **kw))


def _draw_addcdiv(data):
    shapes = data.draw(S.broadcastable_shapes(3), label="shapes")
    c = data.draw(S.arrays(shapes[0]), label="input")
    a = data.draw(S.arrays(shapes[1], salt=1), label="tensor1")
    u = data.draw(S.arrays(shapes[2], -1.0, 1.0, salt=2), label="tensor2")
    b = np.where(u >= 0, 1.0, -1.0) * (0.3 + 1.7 * np.abs(u))
    return [c, a, b], {"value": data.draw(st.sampled_from([1, 0.5, -2.0, 0]), label="value")}


spec("addcdiv", _draw_addcdiv, lambda c, a, b, **kw: ag.addcdiv(c, a, b, **kw),
     lambda T, c, a, b, **kw: T.addcdiv(c, a, b, **kw))


def _draw_clamp_bound(data):
    """x and a bound that is a number or a tensor (broadcast with x); the bound's values
    are in {-1, -0.5, 0.5, 1} and x keeps away from them (the kinks)."""
    kinks = [-1.0, -0.5, 0.5, 1.0]
    if data.draw(st.booleans(), label="tensor bound"):
        sx, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
        u = data.draw(S.arrays(sb, -1.0, 1.0, salt=1), label="bound")
        bound = np.where(u >= 0, 1.0, -1.0) * np.where(np.abs(u) > 0.5, 1.0, 0.5)
        return [data.draw(S.arrays(sx, avoid=kinks), label="x"), bound], {}
    shape = data.draw(S.shapes(), label="shape")
    return [data.draw(S.arrays(shape, avoid=kinks), label="x")], \
        {"bound": data.draw(st.sampled_from(kinks), label="bound")}


def _bounded(fn, x, *b, bound=None):
    return fn(x, b[0] if b else bound)


for _name in ("clamp_min", "clamp_max"):
    spec(_name, _draw_clamp_bound,
         (lambda n: lambda x, *b, **kw: _bounded(getattr(ag, n), x, *b, **kw))(_name),
         (lambda n: lambda T, x, *b, **kw: _bounded(getattr(T, n), x, *b, **kw))(_name))

# Exported names without a gradient: tested in tests/test_mathfuncs.py.
NOT_DIFFERENTIABLE = {"isinf", "isposinf", "isneginf", "isclose", "equal"}
