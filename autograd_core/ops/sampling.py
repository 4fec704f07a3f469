"""Sampling from the global generator (so ag.manual_seed reproduces it): multinomial and
bernoulli. Their results are not differentiable."""


import numpy as np

from .._fpe import quiet, unquiet
from ..errors import ShapeError
from ..function import export
from ..random import generator as _global_generator
from ._common import _wrap, as_tensor, shape_str

# --- sampling (from the global generator, so ag.manual_seed reproduces it) ---

def _generator(gen, op):
    if gen is None:
        return _global_generator()
    if isinstance(gen, np.random.Generator):
        return gen
    raise TypeError(f"{op}: generator must be None or a numpy.random.Generator, got "
                    f"{type(gen).__name__}")


@export
def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Category indices drawn from each row of (unnormalised) probabilities: input (C,) ->
    (num_samples,), (N, C) -> (N, num_samples); without replacement a category is drawn at
    most once per row."""
    x = as_tensor(input, "multinomial")
    p = x.data
    if p.ndim not in (1, 2):
        raise ShapeError(f"multinomial: input must be 1-d or 2-d, got shape "
                         f"{shape_str(p.shape)}")
    if p.dtype.kind != "f":
        raise TypeError(f"multinomial: input must be floating point, got {x.dtype}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
            or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got "
                         f"{num_samples!r}")
    rows = p.reshape(-1, p.shape[-1]).astype(np.float64)
    n = rows.shape[1]
    if n == 0:
        raise ValueError("multinomial: the number of categories cannot be zero")
    if not replacement and num_samples > n:
        raise ValueError(f"multinomial: cannot sample {num_samples} samples without "
                         f"replacement from {n} categories")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise ValueError("multinomial: probability tensor contains either inf, nan or "
                         "element < 0")
    total = rows.sum(axis=1)
    bad = np.flatnonzero(total <= 0)
    if bad.size:
        raise ValueError(f"multinomial: invalid distribution (sum of probabilities <= 0) "
                         f"in row {int(bad[0])}")
    gen = _generator(generator, "multinomial")
    if rows.shape[0] == 0:  # no rows: nothing to draw
        idx = np.zeros((0, num_samples), np.int64)
    elif replacement:  # inverse CDF: u in [0, total), the first category whose CDF passes it
        cdf = np.cumsum(rows, axis=1)
        u = gen.random((rows.shape[0], num_samples)) * total[:, None]
        last = n - 1 - np.argmax(rows[:, ::-1] > 0, axis=1)  # (rounding may reach the end)
        idx = np.stack([np.minimum(np.searchsorted(c, v, side="right"), k)
                        for c, v, k in zip(cdf, u, last)])
    else:  # the exponential race: the k smallest of E_i / p_i, E_i ~ Exp(1); categories
        # of probability 0 come last, in index order (as torch, once the others run out)
        token = quiet()
        try:
            keys = gen.exponential(size=rows.shape) / rows  # p = 0: inf, never drawn
        finally:
            unquiet(token)
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64, copy=False)
    return _wrap(idx[0] if p.ndim == 1 else idx)


@export
def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p, for every element), else 0, in input's dtype."""
    x = as_tensor(input, "bernoulli")
    probs = x.data if p is None else np.full(x.shape, p, dtype=np.float64)
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    gen = _generator(generator, "bernoulli")
    return _wrap((gen.random(x.shape) < probs).astype(x.data.dtype))
