"""The functions backward formulas call (F.exp, F.sum, ...), on Tensors: used under
create_graph, so the backward pass is itself recorded. function._NumpyOps is the ndarray twin."""

from ._common import const  # noqa: F401
from .elementwise import cast, cos, exp, log, sin, where  # noqa: F401
from .linalg import einsum, matmul  # noqa: F401
from .reduce import sum  # noqa: F401, A004
from .shape import expand, reshape, squeeze, unsqueeze  # noqa: F401
from .shape import permute as _permute

exp_nonpositive = exp  # recorded; the ndarray twin flushes underflow to 0


def permute(x, dims):
    return _permute(x, *dims)


def mT(x):  # noqa: N802
    return x.transpose(-2, -1)


def apply(prim, *xs, **params):
    """Another primitive, recorded (a backward that is itself an op: GetItem/IndexAdd)."""
    return prim.apply(*xs, **params)
