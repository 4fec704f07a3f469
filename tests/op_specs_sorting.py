"""Specs of the ops in autograd_core/ops/sorting.py: scans, sorting and selection, norms and
further reductions, products built on matmul. Values are drawn distinct where an op picks
elements (sort, topk, median, cummax), so that no tie makes the gradient ambiguous."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from tests import strategies as S
from tests.op_specs import _draw_std, _var_extra, reduction, spec

# --- scans ---


def _draw_scan(low=-2.0, high=2.0, avoid=None, distinct=False):
    def draw(data):
        shape = data.draw(S.shapes(), label="shape")
        x = data.draw(S.arrays(shape, low, high, avoid, distinct=distinct), label="x")
        return [x], {"dim": data.draw(S.one_dim(len(shape)), label="dim")}
    return draw


spec("cumsum", _draw_scan(), lambda x, dim: ag.cumsum(x, dim),
     lambda T, x, dim: T.cumsum(x, dim))
spec("cumprod", _draw_scan(-1.5, 1.5, avoid=0.0), lambda x, dim: ag.cumprod(x, dim),
     lambda T, x, dim: T.cumprod(x, dim))


def _draw_cumprod_zeros(data):
    """One or two exact zeros along the scanned dim (the gradient is then no y / x)."""
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape, -1.5, 1.5, layout=False), label="x")
    for k in range(data.draw(st.integers(1, 2), label="zeros")):
        x.flat[data.draw(st.integers(0, x.size - 1), label=f"zero {k}")] = 0.0
    return [x], {"dim": data.draw(S.one_dim(len(shape)), label="dim")}


spec("cumprod_with_zeros", _draw_cumprod_zeros, lambda x, dim: ag.cumprod(x, dim),
     lambda T, x, dim: T.cumprod(x, dim))
spec("logcumsumexp", _draw_scan(-3.0, 3.0), lambda x, dim: ag.logcumsumexp(x, dim),
     lambda T, x, dim: T.logcumsumexp(x, dim))
spec("cummax", _draw_scan(distinct=True), lambda x, dim: ag.cummax(x, dim),
     lambda T, x, dim: T.cummax(x, dim))
spec("cummin", _draw_scan(distinct=True), lambda x, dim: x.cummin(dim),
     lambda T, x, dim: T.cummin(x, dim))

# --- sorting and selection ---


def _draw_sort(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, distinct=True), label="x")
    return [x], {"dim": data.draw(S.one_dim(len(shape)), label="dim"),
                 "descending": data.draw(st.booleans(), label="descending"),
                 "stable": data.draw(st.booleans(), label="stable")}


spec("sort", _draw_sort, lambda x, **kw: ag.sort(x, **kw), lambda T, x, **kw: T.sort(x, **kw))


def _draw_topk(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, distinct=True), label="x")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim] if shape else 1
    return [x], {"k": data.draw(st.integers(0, n), label="k"), "dim": dim,
                 "largest": data.draw(st.booleans(), label="largest")}


spec("topk", _draw_topk, lambda x, **kw: x.topk(**kw), lambda T, x, **kw: T.topk(x, **kw))


def _draw_kthvalue(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, distinct=True), label="x")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim] if shape else 1
    return [x], {"k": data.draw(st.integers(1, n), label="k"), "dim": dim,
                 "keepdim": data.draw(st.booleans(), label="keepdim")}


spec("kthvalue", _draw_kthvalue, lambda x, **kw: ag.kthvalue(x, **kw),
     lambda T, x, **kw: T.kthvalue(x, **kw))


def _draw_median(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, distinct=True), label="x")
    return [x], {"dim": data.draw(st.one_of(st.none(), S.one_dim(len(shape))), label="dim"),
                 "keepdim": data.draw(st.booleans(), label="keepdim")}


def _median(f):
    return lambda x, dim, keepdim: f(x) if dim is None else f(x, dim, keepdim)


spec("median", _draw_median, _median(ag.median),
     lambda T, x, dim, keepdim: _median(T.median)(x, dim, keepdim))

# --- norms and further reductions ---

_PS = [2, 1, 3, 0.5, float("inf"), -float("inf"), 0, -1.5, "fro"]


def _signed_distinct(data, shape, salt=0):
    """Distinct magnitudes in [0.2, 2] with random signs: no ties in |x|, no zeros."""
    mag = data.draw(S.arrays(shape, 0.2, 2.0, distinct=True, layout=False, salt=salt),
                    label="magnitudes")
    sign = data.draw(S.arrays(shape, -1.0, 1.0, layout=False, salt=salt + 7), label="signs")
    return np.where(sign >= 0, mag, -mag)


def _draw_norm(data):
    shape = data.draw(S.shapes(), label="shape")
    p = data.draw(st.sampled_from(_PS), label="p")
    dim = data.draw(S.dims(len(shape)), label="dim")
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:
        dim = dim[:2]
    return [_signed_distinct(data, shape)], {
        "p": p, "dim": dim, "keepdim": data.draw(st.booleans(), label="keepdim")}


spec("norm", _draw_norm, lambda x, **kw: x.norm(**kw), lambda T, x, **kw: T.norm(x, **kw))


def _draw_dist(data):
    sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
    a = data.draw(S.arrays(sa), label="a")
    # b = a's broadcast plus distinct nonzero offsets: no zero (nor tied) differences
    shape = np.broadcast_shapes(sa, sb)
    b = np.broadcast_to(a, shape) + _signed_distinct(data, shape, salt=1)
    if tuple(sb) != shape:  # b must keep its own shape: then offsets are not distinct
        b = data.draw(S.arrays(sb, 2.5, 4.0, distinct=True, salt=2), label="b")
    # (not p=0: torch's dist then fails in backward when the operands broadcast)
    return [a, np.array(b)], {"p": data.draw(st.sampled_from([2, 1, 3, float("inf"), 0.5]),
                                             label="p")}


spec("dist", _draw_dist, lambda a, b, p: ag.dist(a, b, p), lambda T, a, b, p: T.dist(a, b, p))


def _torch_var_mean(name):
    def theirs(T, x, dim, keepdim, unbiased):
        if dim is None:  # torch's (dim, unbiased) overload wants dims
            dim = tuple(range(x.ndim))
        return getattr(T, name)(x, dim, unbiased=unbiased, keepdim=keepdim)
    return theirs


reduction("var_mean", torch_fn=_torch_var_mean("var_mean"), extra=_var_extra)
spec("std_mean", _draw_std, lambda x, **kw: ag.std_mean(x, **kw), _torch_var_mean("std_mean"))

# --- products ---


def _sized(*shapes):
    """Operands of the given shapes, written with letters for drawn sizes 1-3."""
    def draw(data):
        sizes = {c: data.draw(st.integers(1, 3), label=c) for c in sorted(set("".join(shapes)))}
        return [data.draw(S.arrays(tuple(sizes[c] for c in s), salt=k), label=f"x{k}")
                for k, s in enumerate(shapes)], {}
    return draw


spec("outer", _sized("n", "m"), lambda a, b: ag.outer(a, b), lambda T, a, b: T.outer(a, b))
spec("ger", _sized("n", "m"), lambda a, b: a.ger(b), lambda T, a, b: T.outer(a, b))
spec("mv", _sized("nm", "m"), lambda a, b: ag.mv(a, b), lambda T, a, b: T.mv(a, b))
spec("vdot", _sized("n", "n"), lambda a, b: ag.vdot(a, b), lambda T, a, b: T.vdot(a, b))


def _draw_tensordot(data):
    k = data.draw(st.integers(0, 2), label="contracted")
    free_a = data.draw(S.shapes(min_dims=0, max_dims=2), label="free a")
    free_b = data.draw(S.shapes(min_dims=0, max_dims=2), label="free b")
    common = data.draw(S.shapes(min_dims=k, max_dims=k), label="contracted sizes")
    how = data.draw(st.sampled_from(["int", "lists"]), label="dims form")
    if how == "int":
        sa, sb, dims = free_a + common, common + free_b, k
    else:  # the contracted dims placed anywhere, and paired in a drawn order
        sa, sb = list(free_a), list(free_b)
        pos_a, pos_b = [], []
        for n in common:
            ia = data.draw(st.integers(0, len(sa)))
            sa.insert(ia, n)
            pos_a = [p + (p >= ia) for p in pos_a] + [ia]
            ib = data.draw(st.integers(0, len(sb)))
            sb.insert(ib, n)
            pos_b = [p + (p >= ib) for p in pos_b] + [ib]
        dims = ([p - len(sa) if data.draw(st.booleans()) else p for p in pos_a], pos_b)
    return [data.draw(S.arrays(tuple(sa)), label="a"),
            data.draw(S.arrays(tuple(sb), salt=1), label="b")], {"dims": dims}


spec("tensordot", _draw_tensordot, lambda a, b, dims: ag.tensordot(a, b, dims),
     lambda T, a, b, dims: T.tensordot(a, b, dims))


def _draw_inner(data):
    n = data.draw(st.integers(1, 3), label="n")
    sa = data.draw(S.shapes(max_dims=2), label="lead a")
    sb = data.draw(S.shapes(max_dims=2), label="lead b")
    sa = () if data.draw(st.booleans(), label="a 0-d") and not sb else sa + (n,)
    return [data.draw(S.arrays(sa), label="a"),
            data.draw(S.arrays(sb + (n,), salt=1), label="b")], {}


spec("inner", _draw_inner, lambda a, b: a.inner(b), lambda T, a, b: T.inner(a, b))


def _draw_scaled(data, input_shapes, shapes):
    """An input of a shape that broadcasts to the product's, the factors, beta and alpha."""
    sizes = {c: data.draw(st.integers(1, 3), label=c) for c in "bnmp"}
    c = data.draw(st.sampled_from(input_shapes), label="input")
    arrays = [data.draw(S.arrays(tuple(sizes[ch] if ch != "1" else 1 for ch in c)),
                        label="input")]
    arrays += [data.draw(S.arrays(tuple(sizes[ch] for ch in s), salt=k + 1))
               for k, s in enumerate(shapes)]
    return arrays, {"beta": data.draw(st.sampled_from([1, 0.5, 0]), label="beta"),
                    "alpha": data.draw(st.sampled_from([1, -2.0]), label="alpha")}


spec("addmv", lambda data: _draw_scaled(data, ["", "1", "n"], ["nm", "m"]),
     lambda c, a, b, **kw: ag.addmv(c, a, b, **kw),
     lambda T, c, a, b, **kw: T.addmv(c, a, b, **kw))
spec("baddbmm", lambda data: _draw_scaled(data, ["", "p", "np", "b1p", "bnp"],
                                          ["bnm", "bmp"]),
     lambda c, a, b, **kw: c.baddbmm(a, b, **kw),
     lambda T, c, a, b, **kw: T.baddbmm(c, a, b, **kw))
spec("addbmm", lambda data: _draw_scaled(data, ["", "p", "n1", "np"], ["bnm", "bmp"]),
     lambda c, a, b, **kw: ag.addbmm(c, a, b, **kw),
     lambda T, c, a, b, **kw: T.addbmm(c, a, b, **kw))


def _draw_kron(data):
    sa = data.draw(S.shapes(max_dims=3), label="a")
    sb = data.draw(S.shapes(max_dims=3), label="b")
    return [data.draw(S.arrays(sa), label="a"), data.draw(S.arrays(sb, salt=1), label="b")], {}


# contiguous: torch's kron backward fails on some transposed layouts
spec("kron", _draw_kron, lambda a, b: ag.kron(a, b),
     lambda T, a, b: T.kron(a.contiguous(), b.contiguous()))


def _draw_cdist(data):
    batch = data.draw(st.sampled_from([(), (2,)]), label="batch")
    p_rows, r_rows, m = (data.draw(st.integers(1, 3), label=k) for k in "PRM")
    # x2's rows far from x1's: no zero distance, where the norm has a kink
    x1 = data.draw(S.arrays(batch + (p_rows, m)), label="x1")
    x2 = data.draw(S.arrays(batch + (r_rows, m), 2.5, 4.0, distinct=True, salt=1), label="x2")
    return [x1, x2], {"p": data.draw(st.sampled_from([2.0, 1.0, 3.0, float("inf")]),
                                     label="p")}


spec("cdist", _draw_cdist, lambda a, b, p: ag.cdist(a, b, p), lambda T, a, b, p: T.cdist(a, b, p))

# Exported names without a gradient (bool, integer or random results), tested directly in
# tests/test_sorting_ops.py.
NOT_DIFFERENTIABLE = {"argsort", "any", "all", "count_nonzero", "bincount", "histc",
                      "multinomial", "bernoulli"}
