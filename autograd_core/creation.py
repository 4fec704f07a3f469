"""Factories: zeros, ones, full, arange, rand, randn, ... (all take dtype= and requires_grad=)."""

import numpy as np

from . import dtypes
from .random import generator
from .tensor import Tensor, _wrap


def _size(size, op, keyword=None):
    """The size of a factory: ints, one tuple or list of them, or size= (as torch)."""
    if keyword is not None:
        if size:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(f"{op}: size must be ints, got {size!r}") from None
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: negative dimension in size {size}")
    return size


def _make(arr, requires_grad):
    t = _wrap(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _float_dtype(dtype, op):
    d = dtypes.resolve(dtype) or dtypes.get_default_dtype()
    return d


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor from data (always copied), as torch.tensor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None):
    if isinstance(data, Tensor) and (dtype is None or dtypes.resolve(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with a numpy array (whose dtype must be supported)."""
    array = np.asarray(array)
    if dtypes.resolve(array.dtype) != array.dtype:
        raise TypeError(f"from_numpy: numpy dtype {array.dtype} is not supported; "
                        "use float32, float64, int64 or bool")
    return _wrap(array)


def zeros(*sizes, size=None, dtype=None, requires_grad=False):
    return _make(np.zeros(_size(sizes, "zeros", size), _float_dtype(dtype, "zeros")),
                 requires_grad)


def ones(*sizes, size=None, dtype=None, requires_grad=False):
    return _make(np.ones(_size(sizes, "ones", size), _float_dtype(dtype, "ones")),
                 requires_grad)


def empty(*sizes, size=None, dtype=None, requires_grad=False):
    return _make(np.empty(_size(sizes, "empty", size), _float_dtype(dtype, "empty")),
                 requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = dtypes.scalar_dtype(fill_value)
    return _make(np.full(_size((size,), "full"), fill_value, dtypes.resolve(dtype)),
                 requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float_dtype(dtype, "eye")), requires_grad)


def arange(start=None, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start (default 0) to end (exclusive), as torch.arange(end),
    arange(start, end, step) or with keywords; ints give int64, floats the default dtype."""
    if end is None:
        if start is None:
            raise TypeError("arange() missing 1 required argument: 'end'")
        if step != 1:
            raise TypeError("arange: give end as well when giving step (arange(start, end, "
                            "step))")
        start, end = 0, start
    elif start is None:
        start = 0
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    return _make(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _make(np.linspace(start, end, int(steps), dtype=_float_dtype(dtype, "linspace")),
                 requires_grad)


def rand(*sizes, size=None, dtype=None, requires_grad=False):
    """Uniform samples in [0, 1) from the global generator."""
    d = _float_dtype(dtype, "rand")
    return _make(generator().random(_size(sizes, "rand", size), dtype=d), requires_grad)


def randn(*sizes, size=None, dtype=None, requires_grad=False):
    """Standard normal samples from the global generator."""
    d = _float_dtype(dtype, "randn")
    return _make(generator().standard_normal(_size(sizes, "randn", size), dtype=d),
                 requires_grad)


def randint(low, high=None, size=None, dtype=None, requires_grad=False):
    """Integers in [low, high), as torch.randint(low=0, high, size)."""
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint: size is required")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    size = _size((size,), "randint")
    arr = generator().integers(low, high, size=size, dtype=np.int64)
    return _make(arr.astype(dtypes.resolve(dtype) or dtypes.int64, copy=False), requires_grad)


def randperm(n, dtype=None):
    return _wrap(generator().permutation(int(n)).astype(dtypes.resolve(dtype) or dtypes.int64))


def _like(t, dtype):
    return t.shape, (dtypes.resolve(dtype) or t.dtype)


def zeros_like(input, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(np.zeros(shape, d), requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(np.ones(shape, d), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(np.full(shape, fill_value, d), requires_grad)


def empty_like(input, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(np.empty(shape, d), requires_grad)


def rand_like(input, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(generator().random(shape, dtype=_float_dtype(d, "rand_like")), requires_grad)


def randn_like(input, dtype=None, requires_grad=False):
    shape, d = _like(input, dtype)
    return _make(generator().standard_normal(shape, dtype=_float_dtype(d, "randn_like")),
                 requires_grad)
