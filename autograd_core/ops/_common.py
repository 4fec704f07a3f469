"""Helpers shared by the op files: operand coercion, dtype promotion, dim checks."""

import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor, _check_dim, _wrap

_NUMBER = (int, float, bool, np.number, np.bool_)


_SCALARS = {}  # (value, dtype) -> read-only 0-d array: x * 2.0 need not build one each time


def scalar_array(value, dtype):
    """A Python int or float as a read-only 0-d array of the given dtype, cached."""
    # -0.0 == 0.0 (and hashes alike): a zero's key carries its sign, so x * -0.0 stays -0.
    key = (value, dtype) if value else (value, dtype, math.copysign(1.0, value))
    arr = _SCALARS.get(key)
    if arr is None:
        arr = np.array(value, dtype=dtype)
        arr.flags.writeable = False
        if len(_SCALARS) < 1024:
            _SCALARS[key] = arr
    return arr


def const(value, dtype):
    """A Python number or array as a constant tensor (no grad) of the given dtype."""
    if type(value) is float or type(value) is int:
        return _wrap(scalar_array(value, dtype))
    return _wrap(np.asarray(value, dtype=dtype))


def as_tensor(x, op, arg="input"):
    """Tensor stays; a number or ndarray becomes a constant tensor; anything else: TypeError."""
    if type(x) is Tensor:
        return x
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _wrap(np.asarray(x, dtype=dtypes.resolve(x.dtype)))
    if isinstance(x, _NUMBER):
        return const(x, dtypes.scalar_dtype(x))
    if isinstance(x, (list, tuple)):
        return Tensor(x)
    raise TypeError(f"{op}: {arg} must be a Tensor, number or array, got {type(x).__name__}")


def binary(a, b, op):
    """Two operands -> two Tensors of the promoted dtype (PyTorch's promotion rules)."""
    ta, tb = type(a), type(b)
    if ta is Tensor:
        if tb is Tensor:
            if a.data.dtype == b.data.dtype:
                return a, b
        elif (tb is float or tb is int) and a.data.dtype.kind == "f":
            return a, const(b, a.data.dtype)  # a Python number takes a float tensor's dtype
    elif tb is Tensor and (ta is float or ta is int) and b.data.dtype.kind == "f":
        return const(a, b.data.dtype), b
    # (isinstance from here: a Parameter, or any Tensor subclass, with a Python number;
    # the number is made in the promoted dtype at once, never rounded through float32)
    a_num, b_num = isinstance(a, _NUMBER), isinstance(b, _NUMBER)
    if a_num and isinstance(b, Tensor):
        dt = dtypes.promote(b.data.dtype, dtypes.scalar_dtype(a), True, False)
        return const(a, dt), (b if dt == b.data.dtype else cast(b, dt))
    if b_num and isinstance(a, Tensor):
        dt = dtypes.promote(a.data.dtype, dtypes.scalar_dtype(b), True, False)
        return (a if dt == a.data.dtype else cast(a, dt)), const(b, dt)
    a = as_tensor(a, op, "first operand")
    b = as_tensor(b, op, "second operand")
    da, db = a.data.dtype, b.data.dtype
    if da == db:
        return a, b
    dt = dtypes.promote(da, db, a.data.ndim > 0 and not a_num, b.data.ndim > 0 and not b_num)
    return (a if da == dt else cast(a, dt)), (b if db == dt else cast(b, dt))


def binary_arrays(a, b, op):
    """Two operands -> two ndarrays of the promoted dtype: binary()'s rules without a graph,
    for the ops whose results have no gradient (comparisons, bitwise ops). A Python number
    or a 0-d tensor takes a dimensioned tensor's dtype within its category, so
    float32 tensor == 0.1 compares in float32, as in PyTorch."""
    if type(a) is Tensor:
        x = a.data
        tb = type(b)
        if tb is Tensor:
            y = b.data
            if x.dtype == y.dtype:
                return x, y
        elif tb is float or tb is int:
            dt = x.dtype if x.dtype.kind == "f" else dtypes.promote(
                x.dtype, dtypes.scalar_dtype(b), True, False)
            return (x if dt == x.dtype else x.astype(dt)), scalar_array(b, dt)
    a_num, b_num = isinstance(a, _NUMBER), isinstance(b, _NUMBER)
    if b_num and isinstance(a, Tensor):  # (a subclass, a bool or numpy number: as above)
        dt = dtypes.promote(a.data.dtype, dtypes.scalar_dtype(b), True, False)
        return a.data.astype(dt, copy=False), scalar_array(b, dt)
    if a_num and isinstance(b, Tensor):
        dt = dtypes.promote(b.data.dtype, dtypes.scalar_dtype(a), True, False)
        return scalar_array(a, dt), b.data.astype(dt, copy=False)
    x = as_tensor(a, op, "first operand").data
    y = as_tensor(b, op, "second operand").data
    if x.dtype == y.dtype:
        return x, y
    dt = dtypes.promote(x.dtype, y.dtype, x.ndim > 0 and not a_num, y.ndim > 0 and not b_num)
    return x.astype(dt, copy=False), y.astype(dt, copy=False)


def floating(x, op):
    """Float ops on int/bool tensors work on a default-dtype copy, as in PyTorch."""
    if type(x) is Tensor and x.data.dtype.kind == "f":
        return x
    x = as_tensor(x, op)
    if x.data.dtype.kind != "f":
        return _wrap(x.data.astype(dtypes.get_default_dtype()))
    return x


def norm_dims(dim, ndim, op):
    """dim (None, int or tuple, possibly negative) -> sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if not dim:  # as torch's reductions: dim=() reduces over every dim
            return tuple(range(ndim))
        dims = tuple(_check_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise ValueError(f"{op}: dim {tuple(dim)} names a dim more than once")
        return tuple(sorted(dims))
    return (_check_dim(dim, ndim, op),)


def norm_dim(dim, ndim, op):
    return _check_dim(dim, ndim, op)


def shape_str(shape):
    return str(tuple(shape))


def cast(x, dtype):
    from .elementwise import cast as _cast
    return _cast(x, dtype)


__all__ = ["Tensor", "_wrap", "const", "scalar_array", "as_tensor", "binary", "binary_arrays",
           "floating", "norm_dims", "norm_dim", "cast", "shape_str"]
