"""The primitive ops and the composites built from them, by kind."""
# ruff: noqa: I001

from .elementwise import *  # noqa: F403
from .elementwise import abs, add, cast, div, eq, ge, gt, le, logical_and, logical_not  # noqa: F401
from .elementwise import logical_or, logical_xor, lt, mul, ne, neg, pow, sub  # noqa: F401
from .shape import getitem, sum_to  # noqa: F401
from .reduce import MinMax  # noqa: F401
from .linalg import matmul  # noqa: F401
from .inplace import setitem_  # noqa: F401
from .windows import sliding_windows  # noqa: F401
from . import indexing, mathfuncs, products, sampling, sorting  # noqa: F401,E402
