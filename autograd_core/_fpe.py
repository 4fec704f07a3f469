"""Silencing floating-point warnings inside an op, for less than np.errstate costs.

An op such as exp or log must not warn about an overflow or a log(0) (PyTorch returns
inf and -inf quietly), so its forward runs with numpy's error handling off. np.errstate
does that at the cost of building its state on every call, which is more than the whole
op on a small tensor; here the 'all ignored' state is built once and only switched in and
out (numpy keeps it in a context variable, so this stays per thread).

    token = quiet()
    try:
        ...
    finally:
        unquiet(token)
"""

import numpy as np

try:  # numpy >= 2.0 keeps the error state in this context variable
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover  (older or future numpy: the public, slower way)
    _extobj_contextvar = None

if _extobj_contextvar is not None:
    _ALL_IGNORED = _make_extobj(all="ignore")

    def quiet():
        return _extobj_contextvar.set(_ALL_IGNORED)

    unquiet = _extobj_contextvar.reset
else:  # pragma: no cover
    def quiet():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def unquiet(state):
        state.__exit__(None, None, None)
