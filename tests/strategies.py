"""Shared hypothesis strategies: shapes, broadcastable shapes, dims, arrays in a domain."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(n, min_dims=0, max_dims=4, max_side=MAX_SIDE):
    """n shapes that broadcast together (some with size-1 or missing dims)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=n, min_dims=min_dims, max_dims=max_dims,
                                             min_side=1, max_side=max_side).map(
        lambda b: b.input_shapes)


def dims(ndim, allow_none=True, allow_tuple=True):
    """A dim argument for a tensor of ndim dims: None, an int (maybe negative) or a tuple."""
    options = []
    if allow_none:
        options.append(st.none())
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        if allow_tuple:
            options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                                    unique=True).map(
                lambda ds: tuple(d - ndim if i % 2 else d for i, d in enumerate(ds))))
    else:
        options.append(st.sampled_from([0, -1]))
    return st.one_of(*options)


def one_dim(ndim):
    return st.integers(-ndim, ndim - 1) if ndim else st.sampled_from([0, -1])


@st.composite
def arrays(draw, shape, low=-2.0, high=2.0, avoid=None, distinct=False, layout=True, salt=0):
    """A float64 array in [low, high]; `avoid` keeps values at least 0.05 away from a kink;
    `distinct` avoids ties (for max/min); `layout` may return a non-contiguous view;
    `salt` keeps two arrays of one example apart (hypothesis likes drawing equal seeds)."""
    n = int(np.prod(shape))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng([seed, salt])
    if distinct:  # spread over the range: neighbours at least 0.6 * (high - low) / n apart
        x = low + (high - low) * (rng.permutation(n) + 0.5 + rng.uniform(-0.2, 0.2, n)) / max(n, 1)
    else:
        x = rng.uniform(low, high, size=n)
    for a in np.atleast_1d(avoid) if avoid is not None else ():
        x = np.where(np.abs(x - a) < 0.05, x + np.where(x >= a, 0.1, -0.1), x)
    x = x.reshape(shape)
    if layout and len(shape) >= 2 and draw(st.booleans()):
        x = np.ascontiguousarray(x.T).T  # same values, transposed memory layout
    return x
