"""dtypes and PyTorch's type-promotion rules, on numpy dtypes."""

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001  (ag.bool, as torch.bool)

_default = [float32]

_BY_NAME = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "int64": int64, "long": int64, "bool": bool,
}


def set_default_dtype(dtype):
    """Set the floating dtype that Python floats and float arrays become."""
    d = resolve(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are supported, got {d}")
    _default[0] = d


def get_default_dtype():
    return _default[0]


def resolve(dtype):
    """Any dtype spelling (np.dtype, type, string) -> one of our numpy dtypes."""
    if dtype is None:
        return None
    if isinstance(dtype, np.dtype) and dtype in (float32, float64, int64, bool):
        return dtype
    if isinstance(dtype, str) and dtype in _BY_NAME:
        return _BY_NAME[dtype]
    if dtype is float:
        return float64  # as torch: dtype=float means float64
    if dtype is int:
        return int64
    try:
        d = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}") from None
    if d.kind == "f":
        return float64 if d.itemsize > 4 else float32
    if d.kind in "iu":
        return int64
    if d.kind == "b":
        return bool
    raise TypeError(f"unsupported dtype {d} (use float32, float64, int64 or bool)")


def _category(dtype):
    return 2 if dtype.kind == "f" else 1 if dtype.kind in "iu" else 0


def promote(a, b, a_dim, b_dim):
    """PyTorch's promotion of two dtypes: dimensioned tensors beat 0-d ones of the
    same category; a higher category (bool < int < float) always wins."""
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if a_dim != b_dim:
        return a if a_dim else b
    return np.promote_types(a, b)


def scalar_dtype(value):
    """The dtype a Python scalar takes when it meets a tensor."""
    if isinstance(value, (np.bool_,)) or value is True or value is False:
        return bool
    if isinstance(value, (int, np.integer)):
        return int64
    return _default[0]
