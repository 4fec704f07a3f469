"""In-place ops (add_, mul_, t[i] = v, ...): they write into the tensor's array, bump its
version counter, and, when recording, move the tensor to the end of the graph."""

import numpy as np

from .. import grad_mode
from ..errors import ShapeError
from ..function import EPOCH, Primitive
from ..random import generator
from ..tensor import Tensor, _wrap
from . import elementwise, mathfuncs
from ._common import as_tensor, const, shape_str
from .elementwise import (
    add,
    cast,
    clamp,
    clone,
    div,
    exp,
    floor_divide,
    fmod,
    log,
    mul,
    neg,
    relu,
    remainder,
    sigmoid,
    sqrt,
    sub,
    tanh,
    where,
)
from .shape import GetItemView, _norm_index, getitem, index_get, index_set

_grad_enabled = grad_mode.enabled


def _bump(t):
    EPOCH[0] += 1
    if t._vc is None:
        t._vc = [1, EPOCH[0]]
    else:
        t._vc[0] += 1
        t._vc[1] = EPOCH[0]


def _check_leaf(t, op):
    if _grad_enabled() and t._requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
            "(wrap it in `with ag.no_grad():` to update parameters, or clone() it first)")


def _write(t, value, op):
    """Copy an ndarray into t's array (same shape, same-kind cast), with clear errors."""
    try:
        np.copyto(t.data, value, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{op}: result type {np.asarray(value).dtype} can't be cast to the "
                           f"desired output type {t.dtype}") from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(f"{op}: the tensor is a read-only (expanded) view; clone() it "
                               "before writing into it") from None
        raise ShapeError(f"{op}: output with shape {shape_str(t.shape)} doesn't match the "
                         f"broadcast shape {shape_str(np.shape(value))}") from None


def _apply(t, op, fn, *args):
    """t <- fn(t, *args), recorded in the graph when grad mode needs it."""
    _check_leaf(t, op)
    track = _grad_enabled() and (
        t._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if not track:
        with grad_mode.no_grad():
            out = fn(t, *args)
        if out.data.shape != t.data.shape:
            _shape_error(op, t, out)
        _write(t, out.data, op)
        _bump(t)
        return t
    if t._base is not None and (t._requires_grad or t._base._requires_grad):
        return _apply_to_view(t, op, fn, *args)
    old = _wrap(t.data.copy())  # t's value before the change, as the new node's input
    old.grad_fn, old._requires_grad = t.grad_fn, t._requires_grad
    out = fn(old, *args)
    if out.data.shape != t.data.shape:
        _shape_error(op, t, out)
    _write(t, out.data, op)
    _bump(t)
    node = out.grad_fn
    t.grad_fn = node
    t._requires_grad = node is not None
    if node is not None and t._retains_grad:
        node.retain_output_grad(t)
    return t


def _apply_to_view(t, op, fn, *args):
    """An in-place change of t, a view x[index] of a tensor x in a graph (y[0] += 1,
    y[:, 1].zero_()), as PyTorch records it: the new value of the view is computed from a
    view of x as it is now, written into x with x[index] = new (so x moves to the end of
    the graph, and its other elements keep their gradient path), and t becomes a view of
    the changed x. Only views made by basic indexing of x itself are supported."""
    base = t._base
    _check_leaf(base, op)  # a view of a leaf that requires grad: refused, as the leaf is
    index = _view_index(t)
    if index is None:
        raise RuntimeError(
            f"{op}: in-place change of this view of a tensor that requires grad is not "
            "supported: only views made by basic indexing of the tensor itself (y[0], "
            "y[:, 1:3], y[..., 0]) can be changed in place; use an out-of-place op instead")
    # a copy of the region as it is now: what the op saves must not be the memory it is
    # about to overwrite (the general path above copies the old value too)
    new = fn(clone(getitem(base, index)), *args)
    if new.data.shape != t.data.shape:
        _shape_error(op, t, new)
    setitem_(base, index, new)  # writes base's array, which t's array views
    _point_at(t, getitem(base, index))
    return t


def _point_at(t, fresh):
    """Make the view t stand for fresh, a view of its base as it is now."""
    t.grad_fn, t._requires_grad = fresh.grad_fn, fresh._requires_grad
    t._view_version = t._vc[0]
    if t.grad_fn is not None and t._retains_grad:
        t.grad_fn.retain_output_grad(t)


def refresh_view(t):
    """Bring the node of t, a view whose base changed in place since the view was made, up
    to date: t becomes a view of the base as it is now (PyTorch regenerates a view's
    grad_fn the same way). Raises for views this cannot redo."""
    if t.grad_fn is None or not t._base._requires_grad:
        t._view_version = t._vc[0]  # a leaf view, or nothing in a graph: nothing to redo
        return
    index = _view_index(t)
    if index is None:
        raise RuntimeError(
            "a view of a tensor that was changed in place after the view was made is used "
            "in an op, and this view cannot follow the change (only views made by basic "
            "indexing of the tensor itself, such as y[0] or y[:, 1:], can); take the view "
            "again after the change")
    _point_at(t, getitem(t._base, index))


def _view_index(t):
    """The basic index that made the view t from its base (from t's node), if indexing the
    base's array with it gives exactly t's array; else None."""
    node = t.grad_fn
    if type(node) is not GetItemView:
        return None
    index = node.index
    try:
        again = index_get(t._base.data, index)
    except (IndexError, TypeError, ValueError):
        return None
    same = (again.__array_interface__["data"][0] == t.data.__array_interface__["data"][0]
            and again.shape == t.data.shape and again.strides == t.data.strides)
    return index if same else None


def _shape_error(op, t, out):
    raise ShapeError(f"{op}: output with shape {shape_str(t.shape)} doesn't match the "
                     f"broadcast shape {shape_str(out.shape)}")


def _fast(t, op, ufunc, other):
    """The common no-graph case of add_/sub_/mul_/div_: one numpy call, no temporaries."""
    b = other.data if isinstance(other, Tensor) else other
    if t.data.dtype.kind != "f" and ufunc is np.true_divide:
        raise RuntimeError(f"{op}: result type float can't be cast to the desired output type "
                           f"{t.dtype}")
    try:
        ufunc(t.data, b, out=t.data, casting="same_kind")
    except TypeError:
        raise RuntimeError(f"{op}: result type {np.result_type(t.data, b)} can't be cast to "
                           f"the desired output type {t.dtype}") from None
    except ValueError as e:
        if "read-only" in str(e):
            raise RuntimeError(f"{op}: the tensor is a read-only (expanded) view; clone() it "
                               "before writing into it") from None
        raise ShapeError(f"{op}: output with shape {shape_str(t.shape)} doesn't match the "
                         f"broadcast shape {shape_str(np.broadcast_shapes(t.shape, np.shape(b)))}"
                         ) from None
    _bump(t)
    return t


def _tracking(t, other):
    return _grad_enabled() and (
        t._requires_grad or (isinstance(other, Tensor) and other._requires_grad))


def _method(fn):
    setattr(Tensor, fn.__name__, fn)
    return fn


@_method
def add_(self, other, alpha=1):
    if not _tracking(self, other) and not isinstance(other, (list, tuple)):
        _check_leaf(self, "add_")
        if alpha != 1:
            other = (other.data if isinstance(other, Tensor) else np.asarray(other)) * alpha
        return _fast(self, "add_", np.add, other)
    return _apply(self, "add_", lambda a, b: add(a, b, alpha=alpha), other)


@_method
def sub_(self, other, alpha=1):
    if not _tracking(self, other) and not isinstance(other, (list, tuple)):
        _check_leaf(self, "sub_")
        if alpha != 1:
            other = (other.data if isinstance(other, Tensor) else np.asarray(other)) * alpha
        return _fast(self, "sub_", np.subtract, other)
    return _apply(self, "sub_", lambda a, b: sub(a, b, alpha=alpha), other)


@_method
def mul_(self, other):
    if not _tracking(self, other) and not isinstance(other, (list, tuple)):
        _check_leaf(self, "mul_")
        return _fast(self, "mul_", np.multiply, other)
    return _apply(self, "mul_", mul, other)


@_method
def div_(self, other):
    if not _tracking(self, other) and not isinstance(other, (list, tuple)):
        _check_leaf(self, "div_")
        return _fast(self, "div_", np.true_divide, other)
    return _apply(self, "div_", div, other)


@_method
def floor_divide_(self, other):
    return _apply(self, "floor_divide_", floor_divide, other)


@_method
def remainder_(self, other):
    return _apply(self, "remainder_", remainder, other)


@_method
def fmod_(self, other):
    return _apply(self, "fmod_", fmod, other)


@_method
def clamp_(self, min=None, max=None):  # noqa: A002
    return _apply(self, "clamp_", clamp, min, max)  # (tensor bounds may require grad)


@_method
def clamp_min_(self, min):  # noqa: A002
    return _apply(self, "clamp_min_", mathfuncs.clamp_min, min)


@_method
def clamp_max_(self, max):  # noqa: A002
    return _apply(self, "clamp_max_", mathfuncs.clamp_max, max)


@_method
def pow_(self, exponent):
    return _apply(self, "pow_", elementwise.pow, exponent)


@_method
def lerp_(self, end, weight):
    return _apply(self, "lerp_", mathfuncs.lerp, end, weight)


@_method
def round_(self, *, decimals=0):
    return _apply(self, "round_", lambda a: mathfuncs.round(a, decimals=decimals))


def _unary_(name, fn):
    """Tensor.NAME_(): t <- fn(t) in place, as the other in-place ops (a result that cannot
    be cast back to t's dtype, such as exp_ of an int tensor, raises, as in torch)."""
    def method(self):
        return _apply(self, name, fn)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place {name[:-1]}."
    setattr(Tensor, name, method)


for _fn in (exp, log, sqrt, tanh, sigmoid, relu, elementwise.abs, neg, mathfuncs.square,
            mathfuncs.floor, mathfuncs.ceil, mathfuncs.trunc, mathfuncs.reciprocal):
    _unary_(_fn.__name__ + "_", _fn)


@_method
def copy_(self, src):
    src = as_tensor(src, "copy_")
    try:
        np.broadcast_to(src.data, self.shape)
    except ValueError:
        raise ShapeError(f"copy_: source of shape {shape_str(src.shape)} cannot be broadcast to "
                         f"the destination shape {shape_str(self.shape)}") from None
    return _apply(self, "copy_", lambda a, s: _overwrite(a, cast(s, a.dtype)), src)


def _overwrite(old, new):
    """new in old's shape, with the old value still in the graph (a zero gradient), as
    torch's copy_/fill_/zero_ on a tensor that requires grad."""
    return where(np.zeros(old.shape, dtype=bool), old, new)


def _fill(self, op, make):
    _check_leaf(self, op)
    value = make()
    if _grad_enabled() and self._requires_grad:
        return _apply(self, op, lambda a: _overwrite(a, const(np.asarray(value), a.dtype)))
    _write(self, value, op)
    _bump(self)
    return self


@_method
def zero_(self):
    return _fill(self, "zero_", lambda: np.zeros((), self.dtype))


@_method
def fill_(self, value):
    v = value.data if isinstance(value, Tensor) else value
    # a number is converted to the tensor's dtype as torch does (1.7 fills an int tensor
    # with 1); a Tensor value keeps the same-kind casting rule of other in-place writes
    return _fill(self, "fill_", lambda: np.asarray(v) if isinstance(value, Tensor) else
                 np.asarray(v).astype(self.dtype))


@_method
def uniform_(self, a=0.0, b=1.0):
    return _fill(self, "uniform_",
                 lambda: generator().uniform(a, b, self.shape).astype(self.dtype))


@_method
def normal_(self, mean=0.0, std=1.0):
    return _fill(self, "normal_",
                 lambda: generator().normal(mean, std, self.shape).astype(self.dtype))


# --- t[index] = value ---

class IndexPut(Primitive):
    """y = x with y[index] = v;  dx = gy with zeros at index, dv = gy[index]."""

    __slots__ = ("index", "advanced")
    save_inputs = False

    def __init__(self, index, advanced):
        self.index, self.advanced = index, advanced

    def forward(self, x, v):
        y = x.copy()
        index_set(y, self.index, v)
        return y

    def backward(self, gy):
        F = self.F
        gx = gv = None
        if self.parents[0] is not None:
            keep = np.ones(gy.shape, dtype=bool)
            index_set(keep, self.index, False)
            gx = gy * F.const(keep, gy.dtype)
        if self.parents[1] is not None:
            gv = gy[self.index] if isinstance(gy, Tensor) else index_get(gy, self.index)
            vshape = self.in_shapes[1]
            if gv.shape != vshape and int(np.prod(vshape)) == int(np.prod(gv.shape)):
                gv = F.reshape(gv, vshape)  # the engine sums any broadcast dims away
        return gx, gv


def setitem_(t, index, value):
    """t[index] = value (in place)."""
    idx, advanced = _norm_index(index)
    v = as_tensor(value, "setitem")
    try:
        target = index_get(np.empty(t.shape, dtype=np.bool_), idx).shape
    except IndexError as e:
        raise IndexError(f"setitem: {str(e).replace('axis', 'dim')} (tensor of shape "
                         f"{shape_str(t.shape)})") from None
    try:
        np.broadcast_to(np.empty(v.shape, np.bool_), target)
    except ValueError:
        if int(np.prod(v.shape)) != int(np.prod(target)):
            raise ShapeError(f"setitem: cannot assign a value of shape {shape_str(v.shape)} to "
                             f"an indexed region of shape {shape_str(target)}") from None
    if not _tracking(t, v):
        _check_leaf(t, "setitem")
        index_set(t.data, idx, v.data)
        _bump(t)
        return t
    if v.dtype != t.dtype:
        v = cast(v, t.dtype)
    return _apply(t, "setitem", lambda a, b: IndexPut.apply(a, b, index=idx, advanced=advanced),
                  v)
