"""The op registry: one Spec per public op, drawn inputs in its domain, and its torch twin.

tests/test_ops_property.py gradchecks every Spec in float64 over hypothesis-drawn shapes
(and gradgradchecks the twice-differentiable ones); tests/test_torch_parity.py compares
forward values and gradients against torch. A meta-test fails when an exported op has
no Spec here and is not listed in NOT_DIFFERENTIABLE.
"""

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from tests import strategies as S


@dataclass
class Spec:
    name: str
    draw: object            # draw(data) -> (list of float64 arrays, kwargs)
    ours: object            # ours(*tensors, **kwargs) -> Tensor or tuple of Tensors
    torch: object = None    # torch_fn(torch, *tensors, **kwargs), or None: no twin
    twice: bool = True      # gradgradcheck it too
    const_args: tuple = ()  # positions of arrays that do not require grad
    tags: tuple = field(default_factory=tuple)


SPECS = []


def spec(*args, **kwargs):
    s = Spec(*args, **kwargs)
    SPECS.append(s)
    return s


# --- builders ---

def unary(name, low=-2.0, high=2.0, avoid=None, torch_fn=None, twice=True, min_dims=0):
    def draw(data):
        shape = data.draw(S.shapes(min_dims=min_dims), label="shape")
        return [data.draw(S.arrays(shape, low, high, avoid), label="x")], {}
    fn = getattr(ag, name)
    spec(name, draw, lambda x: fn(x),
         torch_fn or (lambda T, x: getattr(T, name)(x)), twice=twice)


def binary(name, low=(-2.0, -2.0), high=(2.0, 2.0), avoid=(None, None), torch_fn=None,
           twice=True, label=None):
    def draw(data):
        sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
        a = data.draw(S.arrays(sa, low[0], high[0], avoid[0]), label="a")
        b = data.draw(S.arrays(sb, low[1], high[1], avoid[1], salt=1), label="b")
        return [a, b], {}
    fn = getattr(ag, name)
    spec(label or name, draw, lambda a, b: fn(a, b),
         torch_fn or (lambda T, a, b: getattr(T, name)(a, b)), twice=twice)


def reduction(name, torch_fn=None, low=-2.0, high=2.0, distinct=False, twice=True,
              tuple_dims=True, none_dim=True, extra=None):
    def draw(data):
        shape = data.draw(S.shapes(), label="shape")
        x = data.draw(S.arrays(shape, low, high, distinct=distinct), label="x")
        kw = {"dim": data.draw(S.dims(len(shape), none_dim, tuple_dims), label="dim"),
              "keepdim": data.draw(st.booleans(), label="keepdim")}
        if extra:
            kw.update(extra(data, shape, kw))
        return [x], kw
    fn = getattr(ag, name)
    spec(name, draw, lambda x, **kw: fn(x, **kw),
         torch_fn or (lambda T, x, **kw: getattr(T, name)(x, **kw)), twice=twice)


def _all_dims(x, dim):
    return tuple(range(x.ndim)) if dim is None else dim


def _reduced_size(shape, dim):
    if dim is None or not shape:
        return int(np.prod(shape))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return int(np.prod([shape[d] for d in dims]))


# --- elementwise ---

unary("exp")
unary("log", 0.1, 3.0)
unary("sqrt", 0.1, 4.0)
unary("sin", -3.0, 3.0)
unary("cos", -3.0, 3.0)
unary("tanh", -3.0, 3.0)
unary("sigmoid", -4.0, 4.0)
unary("erf", -3.0, 3.0)
unary("relu", avoid=0.0)
unary("abs", avoid=0.0)
unary("neg")
unary("clone")
binary("add")
binary("sub")
binary("mul")
binary("div", avoid=(None, 0.0), low=(-2.0, 0.3), high=(2.0, 2.0))


def _draw_quotient(data):
    """a in [-2, 2] and b of either sign with |b| in [0.5, 2]: the jumps of a % b (where a / b
    is a whole number) are then too far apart for a central difference to straddle one."""
    sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
    a = data.draw(S.arrays(sa), label="a")
    u = data.draw(S.arrays(sb, -1.0, 1.0, salt=1), label="b")
    return [a, np.where(u >= 0, 1.0, -1.0) * (0.5 + 1.5 * np.abs(u))], {}


spec("remainder", _draw_quotient, lambda a, b: ag.remainder(a, b),
     lambda T, a, b: T.remainder(a, b))
spec("remainder_operator", _draw_quotient, lambda a, b: a % b, lambda T, a, b: a % b)
spec("fmod", _draw_quotient, lambda a, b: ag.fmod(a, b), lambda T, a, b: T.fmod(a, b))


def _draw_addcmul(data):
    shapes = data.draw(S.broadcastable_shapes(3), label="shapes")
    arrays = [data.draw(S.arrays(sh, salt=k), label=f"x{k}") for k, sh in enumerate(shapes)]
    return arrays, {"value": data.draw(st.sampled_from([1, 0.5, -2.0, 0]), label="value")}


spec("addcmul", _draw_addcmul, lambda c, a, b, **kw: ag.addcmul(c, a, b, **kw),
     lambda T, c, a, b, **kw: T.addcmul(c, a, b, **kw))
binary("pow", low=(0.3, -2.0), high=(2.0, 2.0))
binary("maximum")
binary("minimum")


def _draw_pow_scalar(data):
    shape = data.draw(S.shapes(), label="shape")
    p = data.draw(st.sampled_from([2, 3, -1, 0.5, 1.5]), label="exponent")
    low = 0.2 if p in (-1, 0.5, 1.5) else -2.0
    return [data.draw(S.arrays(shape, low, 2.0, avoid=0.0), label="x")], {"p": p}


def _draw_pow_zero_exponents(data):
    """Exponents with some zeros (a ** 0 is 1: no gradient to a there, as torch)."""
    sa, sb = data.draw(S.broadcastable_shapes(2), label="shapes")
    a = data.draw(S.arrays(sa, 0.3, 2.0), label="a")
    b = data.draw(S.arrays(sb, -2.0, 2.0, salt=1), label="b")
    zero = data.draw(S.arrays(sb, -1.0, 1.0, layout=False, salt=2), label="zeros") > 0
    return [a, np.where(zero, 0.0, b)], {}


spec("pow_zero_exponents", _draw_pow_zero_exponents, lambda a, b: ag.pow(a, b),
     lambda T, a, b: T.pow(a, b))
spec("pow_scalar", _draw_pow_scalar, lambda x, p: x ** p, lambda T, x, p: x ** p)
spec("rpow_scalar", lambda data: ([data.draw(S.arrays(data.draw(S.shapes()), -2.0, 2.0))], {}),
     lambda x: 2.0 ** x, lambda T, x: 2.0 ** x)


def _draw_clamp(data):
    shape = data.draw(S.shapes(), label="shape")
    lo = data.draw(st.sampled_from([None, -1.0, -0.5]), label="min")
    hi = data.draw(st.sampled_from([None, 0.5, 1.0]) if lo is not None
                   else st.sampled_from([0.5, 1.0]), label="max")
    avoid = [v for v in (lo, hi) if v is not None]
    return [data.draw(S.arrays(shape, -2.0, 2.0, avoid=avoid), label="x")], {"min": lo, "max": hi}


spec("clamp", _draw_clamp, lambda x, **kw: ag.clamp(x, **kw),
     lambda T, x, **kw: T.clamp(x, **kw))
spec("clip", _draw_clamp, lambda x, **kw: ag.clip(x, **kw), lambda T, x, **kw: T.clip(x, **kw))


def _draw_clamp_tensor(data):
    """x and Tensor bounds broadcast together; the bounds overlap, so that some min > max."""
    which = data.draw(st.sampled_from(["both", "min", "max"]), label="bounds")
    shapes = data.draw(S.broadcastable_shapes(3 if which == "both" else 2), label="shapes")
    arrays = [data.draw(S.arrays(shapes[0]), label="x")]
    names = {"both": ("min", "max"), "min": ("min",), "max": ("max",)}[which]
    ranges = {"min": (-1.5, 0.5), "max": (-0.5, 1.5)}
    for k, name in enumerate(names):
        arrays.append(data.draw(S.arrays(shapes[k + 1], *ranges[name], salt=k + 1), label=name))
    return arrays, {"names": names}


def _clamp_bounds(x, *bounds, names, clamp):
    return clamp(x, **dict(zip(names, bounds)))


def _torch_clamp_bounds(T, x, *bounds, names, clamp):
    # broadcast first: torch's clamp backward combines its masks in place, and fails when
    # the bounds broadcast to more than input with min does (the same math either way)
    return _clamp_bounds(*T.broadcast_tensors(x, *bounds), names=names, clamp=clamp)


spec("clamp_tensor", _draw_clamp_tensor,
     lambda x, *b, names: _clamp_bounds(x, *b, names=names, clamp=ag.clamp),
     lambda T, x, *b, names: _torch_clamp_bounds(T, x, *b, names=names, clamp=T.clamp))
spec("clamp_tensor_method", _draw_clamp_tensor,
     lambda x, *b, names: _clamp_bounds(x, *b, names=names, clamp=ag.Tensor.clamp),
     lambda T, x, *b, names: _torch_clamp_bounds(T, x, *b, names=names,
                                                 clamp=T.Tensor.clamp))


def _draw_where(data):
    sc, sa, sb = data.draw(S.broadcastable_shapes(3), label="shapes")
    cond = data.draw(S.arrays(sc, -1.0, 1.0, layout=False), label="cond") > 0
    return [data.draw(S.arrays(sa), label="a"), data.draw(S.arrays(sb, salt=1), label="b")], \
        {"cond": cond}


spec("where", _draw_where, lambda a, b, cond: ag.where(cond, a, b),
     lambda T, a, b, cond: T.where(T.from_numpy(np.asarray(cond)), a, b))

# --- reductions ---

reduction("sum")
reduction("mean")
reduction("logsumexp", torch_fn=lambda T, x, dim, keepdim: T.logsumexp(
    x, _all_dims(x, dim), keepdim=keepdim))
reduction("amax", distinct=True)
reduction("amin", distinct=True)


def _var_extra(data, shape, kw):
    n = _reduced_size(shape, kw["dim"])
    return {"unbiased": data.draw(st.booleans(), label="unbiased") if n > 1 else False}


reduction("var", extra=_var_extra)
def _std_extra(data, shape, kw):
    # std of a single element is sqrt(0): not differentiable, so reduce over >= 2 elements
    if _reduced_size(shape, kw["dim"]) < 2:
        kw["dim"] = None
    return _var_extra(data, shape, kw)


def _std(x, **kw):
    return ag.std(x, **kw)


SPECS.append(Spec("std", lambda data: _draw_std(data), lambda x, **kw: ag.std(x, **kw),
                  lambda T, x, **kw: T.std(x, **kw)))


def _draw_std(data):
    shape = data.draw(S.shapes(min_dims=1).filter(lambda s: int(np.prod(s)) >= 2), label="shape")
    x = data.draw(S.arrays(shape), label="x")
    kw = {"dim": data.draw(S.dims(len(shape)), label="dim"),
          "keepdim": data.draw(st.booleans(), label="keepdim")}
    _std_extra(data, shape, kw)
    kw.update(_var_extra(data, shape, kw))
    return [x], kw


def _torch_prod(T, x, dim, keepdim):
    """torch.prod takes one dim: reduce the dims one by one, the last first."""
    if x.ndim == 0:
        return T.prod(x)
    dims = _all_dims(x, dim)
    dims = sorted({d % x.ndim for d in (dims if isinstance(dims, tuple) else (dims,))})
    for d in reversed(dims):
        x = T.prod(x, d, keepdim=keepdim)
    return x


reduction("prod", torch_fn=_torch_prod, low=0.5, high=1.5)


def _draw_prod_zero(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    x = data.draw(S.arrays(shape, 0.5, 1.5, layout=False), label="x")
    x.flat[data.draw(st.integers(0, x.size - 1), label="zero at")] = 0.0
    return [x], {}


spec("prod_with_a_zero", _draw_prod_zero, lambda x: ag.prod(x), lambda T, x: T.prod(x),
     twice=False)


def _draw_max(data):
    shape = data.draw(S.shapes(), label="shape")
    x = data.draw(S.arrays(shape, distinct=True), label="x")
    dim = data.draw(st.one_of(st.none(), S.one_dim(len(shape))), label="dim")
    return [x], {"dim": dim, "keepdim": data.draw(st.booleans(), label="keepdim")}


def _minmax(name):
    def ours(x, dim, keepdim):
        f = getattr(ag, name)
        return f(x) if dim is None else f(x, dim, keepdim)[0]

    def theirs(T, x, dim, keepdim):
        f = getattr(T, name)
        return f(x) if dim is None else f(x, dim, keepdim)[0]
    spec(name, _draw_max, ours, theirs)


_minmax("max")
_minmax("min")


def _draw_softmax(data):
    shape = data.draw(S.shapes(), label="shape")
    return [data.draw(S.arrays(shape, -3.0, 3.0), label="x")], \
        {"dim": data.draw(S.one_dim(len(shape)), label="dim")}


spec("softmax", _draw_softmax, lambda x, dim: ag.softmax(x, dim),
     lambda T, x, dim: T.softmax(x, dim))
spec("log_softmax", _draw_softmax, lambda x, dim: ag.log_softmax(x, dim),
     lambda T, x, dim: T.log_softmax(x, dim))



def _draw_nll(data):
    """Log-probabilities (N, C), (C,) or (N, C, d...), class-index targets (some ignored,
    some drawn at the ignore index when it is a class), optional class weights."""
    layout = data.draw(st.sampled_from(["unbatched", "batched", "spatial"]), label="layout")
    c = data.draw(st.integers(1, 4), label="classes")
    if layout == "unbatched":
        shape, cdim = (c,), 0
    else:
        extra = data.draw(S.shapes(min_dims=1, max_dims=2), label="extra") \
            if layout == "spatial" else ()
        shape, cdim = (data.draw(st.integers(1, 3), label="n"), c) + tuple(extra), 1
    t_shape = shape[:cdim] + shape[cdim + 1:]
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    rng = np.random.default_rng(seed)
    target = rng.integers(0, c, size=t_shape)
    ignore_index = data.draw(st.sampled_from([-100, 0]), label="ignore_index")
    if ignore_index == -100 and target.size > 1:
        target.flat[::3] = -100  # some ignored, never all
    kw = {"target": target, "ignore_index": ignore_index,
          "reduction": data.draw(st.sampled_from(["none", "mean", "sum"]), label="reduction"),
          "weight": rng.uniform(0.5, 2.0, c) if data.draw(st.booleans(), label="w") else None}
    if kw["reduction"] == "mean" and (kw["target"] == ignore_index).all():
        kw["reduction"] = "sum"  # every target ignored: the mean is nan
    return [data.draw(S.arrays(shape, -3.0, 0.0), label="x")], kw


def _nll_ours(x, target, weight, **kw):
    from nn import functional as F
    w = None if weight is None else ag.tensor(weight, dtype=ag.float64)
    return F.nll_loss(x, ag.tensor(target), w, **kw)


def _nll_torch(T, x, target, weight, **kw):
    w = None if weight is None else T.tensor(weight)
    # contiguous: torch's backward of a spatial nll_loss fails on other layouts
    return T.nn.functional.nll_loss(x.contiguous(), T.from_numpy(target), w, **kw)


# nll_loss is nn's, but its node (NllLoss) is an autograd_core primitive
spec("nll_loss", _draw_nll, _nll_ours, _nll_torch)

# --- shape ---


def _draw_reshape(data):
    shape = data.draw(S.shapes(), label="shape")
    n = int(np.prod(shape))
    target = data.draw(st.sampled_from([(n,), (-1,), tuple(reversed(shape)), (1, n), (n, 1, 1),
                                        ()] if n == 1 else
                                       [(n,), (-1,), tuple(reversed(shape)), (1, n), (n, 1)]),
                       label="target")
    return [data.draw(S.arrays(shape), label="x")], {"target": target}


spec("reshape", _draw_reshape, lambda x, target: ag.reshape(x, target),
     lambda T, x, target: T.reshape(x, target))
spec("view", _draw_reshape, lambda x, target: x.view(*target),
     lambda T, x, target: x.reshape(target))


def _draw_flatten(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    nd = len(shape)
    a, b = sorted(data.draw(st.lists(st.integers(0, nd - 1), min_size=2, max_size=2)))
    return [data.draw(S.arrays(shape), label="x")], {"start_dim": a, "end_dim": b - nd}


spec("flatten", _draw_flatten, lambda x, **kw: ag.flatten(x, **kw),
     lambda T, x, **kw: T.flatten(x, **kw))


def _draw_two_dims(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    nd = len(shape)
    return [data.draw(S.arrays(shape), label="x")], {
        "dim0": data.draw(st.integers(-nd, nd - 1)), "dim1": data.draw(st.integers(-nd, nd - 1))}


spec("transpose", _draw_two_dims, lambda x, dim0, dim1: ag.transpose(x, dim0, dim1),
     lambda T, x, dim0, dim1: T.transpose(x, dim0, dim1))


def _draw_permute(data):
    shape = data.draw(S.shapes(), label="shape")
    perm = data.draw(st.permutations(range(len(shape))), label="dims")
    return [data.draw(S.arrays(shape), label="x")], {"dims": tuple(perm)}


spec("permute", _draw_permute, lambda x, dims: ag.permute(x, *dims),
     lambda T, x, dims: x.permute(dims))


def _draw_t(data):
    shape = data.draw(S.shapes(max_dims=2), label="shape")
    return [data.draw(S.arrays(shape), label="x")], {}


spec("t", _draw_t, lambda x: ag.t(x), lambda T, x: T.t(x))


def _draw_squeeze(data):
    shape = data.draw(S.shapes(min_side=1, max_side=2), label="shape")
    nd = len(shape)
    dim = data.draw(st.one_of(st.none(), st.integers(-nd, nd - 1)) if nd else st.none(),
                    label="dim")
    return [data.draw(S.arrays(shape), label="x")], {"dim": dim}


spec("squeeze", _draw_squeeze, lambda x, dim: ag.squeeze(x, dim),
     lambda T, x, dim: T.squeeze(x) if dim is None else T.squeeze(x, dim))


def _draw_unsqueeze(data):
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    nd = len(shape)
    return [data.draw(S.arrays(shape), label="x")], {"dim": data.draw(st.integers(-nd - 1, nd))}


spec("unsqueeze", _draw_unsqueeze, lambda x, dim: ag.unsqueeze(x, dim),
     lambda T, x, dim: T.unsqueeze(x, dim))


def _draw_expand(data):
    big = data.draw(S.shapes(min_dims=1), label="target")
    small_nd = data.draw(st.integers(0, len(big)), label="ndim")
    small = tuple(s if data.draw(st.booleans()) else 1 for s in big[len(big) - small_nd:])
    return [data.draw(S.arrays(small), label="x")], {"shape": big}


spec("expand", _draw_expand, lambda x, shape: x.expand(*shape),
     lambda T, x, shape: x.expand(*shape))
spec("broadcast_to", _draw_expand, lambda x, shape: ag.broadcast_to(x, shape),
     lambda T, x, shape: T.broadcast_to(x, shape))
spec("sum_to", lambda data: (lambda a, kw: ([np.broadcast_to(a[0], kw["shape"]).copy()],
                                            {"shape": a[0].shape}))(*_draw_expand(data)),
     lambda x, shape: ag.ops.sum_to(x, shape), lambda T, x, shape: x.sum_to_size(shape))


@st.composite
def _index(draw, shape):
    """An index mixing ints, slices, None, Ellipsis, integer arrays and boolean masks."""
    nd = len(shape)
    kind = draw(st.sampled_from(["basic", "int_array", "mask", "mixed"]) if nd
                else st.just("scalar"))
    if kind == "scalar":
        return draw(st.sampled_from([(), Ellipsis, None]))
    if kind == "mask":
        k = draw(st.integers(1, nd))
        m = draw(S.arrays(shape[:k], -1.0, 1.0, layout=False)) > 0
        return m if k == nd else (m, Ellipsis)
    if kind == "int_array":
        n = shape[0]
        idx = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5))  # repeats allowed
        return np.array(idx)
    parts = []
    for s in shape:
        parts.append(draw(st.one_of(st.integers(-s, s - 1),
                                    st.builds(slice, st.sampled_from([None, 0, 1, -1]),
                                              st.sampled_from([None, s, -1, 2]),
                                              st.sampled_from([None, 1, 2, -1])))))
    if kind == "mixed" and nd >= 2:
        parts[0] = np.array(draw(st.lists(st.integers(0, shape[0] - 1), min_size=1,
                                          max_size=3)))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if draw(st.booleans()) and len(parts) > 1:
        parts = [Ellipsis] + parts[1:]
    return tuple(parts)


def _draw_getitem(data):
    shape = data.draw(S.shapes(), label="shape")
    return [data.draw(S.arrays(shape), label="x")], {"index": data.draw(_index(shape), "index")}


def _torch_index(T, index):
    if isinstance(index, tuple):
        return tuple(_torch_index(T, i) for i in index)
    if isinstance(index, np.ndarray):
        return T.from_numpy(index)
    if isinstance(index, slice) and index.step is not None and index.step < 0:
        raise NotImplementedError
    return index


def _torch_getitem(T, x, index):
    return x[_torch_index(T, index)]


spec("getitem", lambda data: _positive_steps(_draw_getitem(data)),
     lambda x, index: x[index], _torch_getitem)
# torch has no negative slice steps: these are checked by gradcheck alone
spec("getitem_negative_steps", _draw_getitem, lambda x, index: x[index], None)


def _positive_steps(drawn):
    arrays, kw = drawn

    def fix(i):
        if isinstance(i, tuple):
            return tuple(fix(j) for j in i)
        if isinstance(i, slice) and i.step is not None and i.step < 0:
            return slice(i.start, i.stop, -i.step)
        return i
    kw["index"] = fix(kw["index"])
    return arrays, kw


def _draw_cat(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1), label="dim")
    k = data.draw(st.integers(1, 3), label="count")
    arrays = []
    for i in range(k):
        s = list(shape)
        s[dim] = data.draw(st.integers(1, 3))
        arrays.append(data.draw(S.arrays(tuple(s), salt=i)))
    return arrays, {"dim": dim}


spec("cat", _draw_cat, lambda *xs, dim: ag.cat(xs, dim), lambda T, *xs, dim: T.cat(xs, dim))
spec("concat", _draw_cat, lambda *xs, dim: ag.concat(xs, dim),
     lambda T, *xs, dim: T.cat(xs, dim))


def _draw_stack(data):
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    k = data.draw(st.integers(1, 3), label="count")
    nd = len(shape) + 1
    return [data.draw(S.arrays(shape)) for _ in range(k)], \
        {"dim": data.draw(st.integers(-nd, nd - 1), label="dim")}


spec("stack", _draw_stack, lambda *xs, dim: ag.stack(xs, dim),
     lambda T, *xs, dim: T.stack(xs, dim))


def _draw_split(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=4), label="shape")
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1), label="dim")
    n = shape[dim]
    how = data.draw(st.one_of(st.integers(1, n + 1),
                              st.lists(st.integers(0, n), min_size=1, max_size=3).map(
                                  lambda cuts: _sizes(sorted(cuts), n))), label="split")
    return [data.draw(S.arrays(shape), label="x")], {"how": how, "dim": dim}


def _sizes(cuts, n):
    edges = [0] + cuts + [n]
    return [b - a for a, b in zip(edges, edges[1:])]


spec("split", _draw_split, lambda x, how, dim: ag.split(x, how, dim),
     lambda T, x, how, dim: T.split(x, how, dim))


def _draw_chunk(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=4), label="shape")
    nd = len(shape)
    return [data.draw(S.arrays(shape), label="x")], {
        "chunks": data.draw(st.integers(1, 4)), "dim": data.draw(st.integers(-nd, nd - 1))}


spec("chunk", _draw_chunk, lambda x, chunks, dim: ag.chunk(x, chunks, dim),
     lambda T, x, chunks, dim: T.chunk(x, chunks, dim))


def _draw_pad(data):
    shape = data.draw(S.shapes(min_dims=1, max_side=4), label="shape")
    k = data.draw(st.integers(1, len(shape)), label="padded dims")
    pad = []
    for d in range(k):
        size = shape[len(shape) - 1 - d]
        lo = data.draw(st.integers(-(size - 1) // 2 if size > 1 else 0, 2))
        hi = data.draw(st.integers(-(size - 1 - max(-lo, 0)) // 2 if size > 1 else 0, 2))
        pad += [lo, hi]
    return [data.draw(S.arrays(shape), label="x")], {
        "pad": tuple(pad), "value": data.draw(st.sampled_from([0.0, 1.5]))}


spec("pad", _draw_pad, lambda x, pad, value: ag.pad(x, pad, value),
     lambda T, x, pad, value: T.nn.functional.pad(x, pad, value=value))


def _draw_pad_mode(data):
    """reflect, replicate or circular padding of the last k dims of a (k+1)- or (k+2)-d
    tensor (the layouts torch accepts), within each mode's limits; reflect and replicate
    may also crop (a negative amount)."""
    mode = data.draw(st.sampled_from(["reflect", "replicate", "circular"]), label="mode")
    k = data.draw(st.integers(1, 3), label="padded dims")
    lead = data.draw(S.shapes(min_dims=1, max_dims=2, max_side=2), label="lead")[:2 if k < 3
                                                                                 else 1]
    sizes = tuple(data.draw(st.integers(1, 4), label="size") for _ in range(k))
    pad = []
    for n in reversed(sizes):  # (left, right) of the last dim first
        limit = {"reflect": n - 1, "replicate": 2, "circular": n}[mode]
        low = -1 if mode != "circular" and n >= 3 else 0
        lo = data.draw(st.integers(low, limit), label="left")
        hi = data.draw(st.integers(low if lo >= 0 else 0, limit), label="right")
        pad += [lo, hi]
    return [data.draw(S.arrays(tuple(lead) + sizes), label="x")], {"pad": tuple(pad),
                                                                   "mode": mode}


spec("pad_mode", _draw_pad_mode, lambda x, pad, mode: ag.pad(x, pad, mode=mode),
     lambda T, x, pad, mode: T.nn.functional.pad(x, pad, mode=mode))


def _draw_expand_as(data):
    arrays, kw = _draw_expand(data)
    return [arrays[0], np.zeros(kw["shape"])], {}


spec("expand_as", _draw_expand_as, lambda x, y: x.expand_as(y),
     lambda T, x, y: x.expand_as(y), const_args=(1,))


def _draw_reshape_as(data):
    arrays, kw = _draw_reshape(data)
    return [arrays[0], np.zeros(np.empty(arrays[0].shape).reshape(kw["target"]).shape)], {}


spec("reshape_as", _draw_reshape_as, lambda x, y: x.reshape_as(y),
     lambda T, x, y: x.reshape_as(y), const_args=(1,))
spec("view_as", _draw_reshape_as, lambda x, y: x.view_as(y),
     lambda T, x, y: x.reshape_as(y), const_args=(1,))


def _draw_broadcast_tensors(data):
    shapes = data.draw(S.broadcastable_shapes(data.draw(st.integers(1, 3))), label="shapes")
    return [data.draw(S.arrays(s)) for s in shapes], {}


spec("broadcast_tensors", _draw_broadcast_tensors, lambda *xs: ag.broadcast_tensors(*xs),
     lambda T, *xs: T.broadcast_tensors(*xs))

# --- windows (the base of convolution and pooling) ---


def _windows_draw(nd, max_extra):
    """(N, C, *spatial) and kernel_size, stride, dilation that fit it: each spatial size is
    the window's span plus up to max_extra, so strides may leave gaps or overrun the end."""
    def draw(data):
        k = tuple(data.draw(st.integers(1, 3), label="kernel_size") for _ in range(nd))
        s = tuple(data.draw(st.integers(1, 3), label="stride") for _ in range(nd))
        d = tuple(data.draw(st.integers(1, 2), label="dilation") for _ in range(nd))
        spatial = tuple(dj * (kj - 1) + 1 + data.draw(st.integers(0, max_extra), label="extra")
                        for kj, dj in zip(k, d))
        lead = (data.draw(st.integers(1, 2), label="N"), data.draw(st.integers(1, 2), label="C"))
        kw = {}
        for name, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
            # an int stands for all dims, as in torch; draw both forms
            kw[name] = v[0] if len(set(v)) == 1 and data.draw(st.booleans()) else v
        return [data.draw(S.arrays(lead + spatial), label="x")], kw
    return draw


def _torch_windows(T, x, kernel_size, stride, dilation):
    """Tensor.unfold per spatial dim gives the layout for dilation 1; with dilation, unfold
    the whole span and keep every dilation-th element of it."""
    nd = x.ndim - 2
    k, s, d = ((v,) * nd if isinstance(v, int) else v for v in (kernel_size, stride, dilation))
    for j in range(nd):
        x = x.unfold(2 + j, d[j] * (k[j] - 1) + 1, s[j])
    return x[(Ellipsis,) + tuple(slice(None, None, dj) for dj in d)]


spec("sliding_windows", _windows_draw(2, 3), lambda x, **kw: ag.sliding_windows(x, **kw),
     _torch_windows)
spec("sliding_windows_1d", _windows_draw(1, 4), lambda x, **kw: x.sliding_windows(**kw),
     _torch_windows)
spec("sliding_windows_3d", _windows_draw(3, 1), lambda x, **kw: ag.sliding_windows(x, **kw),
     _torch_windows)

# --- linalg ---


@st.composite
def _matmul_shapes(draw):
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    kind = draw(st.sampled_from(["mm", "vec_mat", "mat_vec", "dot", "batched"]))
    if kind == "mm":
        return (m, k), (k, n)
    if kind == "vec_mat":
        return (k,), (draw(st.integers(1, 2)), k, n) if draw(st.booleans()) else (k, n)
    if kind == "mat_vec":
        return (draw(st.integers(1, 2)), m, k) if draw(st.booleans()) else (m, k), (k,)
    if kind == "dot":
        return (k,), (k,)
    ba, bb = draw(S.broadcastable_shapes(2, min_dims=1, max_dims=2))
    return ba + (m, k), bb + (k, n)


def _draw_matmul(data):
    sa, sb = data.draw(_matmul_shapes(), label="shapes")
    return [data.draw(S.arrays(sa), label="a"), data.draw(S.arrays(sb), label="b")], {}


spec("matmul", _draw_matmul, lambda a, b: a @ b, lambda T, a, b: a @ b)


def _draw_addmm(data):
    """mat1 (n, m), mat2 (m, p) (drawn as (p, m) and passed transposed when `t`, the layout
    of a Linear's W^T), input of any shape that broadcasts to (n, p)."""
    n, m, p = (data.draw(st.integers(1, 3), label=k) for k in "nmp")
    c_shape = data.draw(st.sampled_from([(), (p,), (1, p), (n, 1), (n, p)]), label="input")
    t = data.draw(st.booleans(), label="t")
    arrays = [data.draw(S.arrays(c_shape), label="input"), data.draw(S.arrays((n, m), salt=1)),
              data.draw(S.arrays((p, m) if t else (m, p), salt=2))]
    kw = {"t": t, "beta": data.draw(st.sampled_from([1, 0.5, 0]), label="beta"),
          "alpha": data.draw(st.sampled_from([1, -2.0]), label="alpha")}
    return arrays, kw


spec("addmm", _draw_addmm,
     lambda c, a, b, t, **kw: ag.addmm(c, a, b.t() if t else b, **kw),
     lambda T, c, a, b, t, **kw: T.addmm(c, a, b.t() if t else b, **kw))


def _fixed_shapes(*shapes):
    def draw(data):
        sizes = data.draw(st.lists(st.integers(1, 3), min_size=4, max_size=4), label="sizes")
        return [data.draw(S.arrays(tuple(sizes[i] for i in s))) for s in shapes], {}
    return draw


spec("mm", _fixed_shapes((0, 1), (1, 2)), lambda a, b: ag.mm(a, b), lambda T, a, b: T.mm(a, b))
spec("bmm", _fixed_shapes((3, 0, 1), (3, 1, 2)), lambda a, b: ag.bmm(a, b),
     lambda T, a, b: T.bmm(a, b))
spec("dot", _fixed_shapes((0,), (0,)), lambda a, b: ag.dot(a, b), lambda T, a, b: T.dot(a, b))

_EINSUM = {  # equation -> operand shapes written with the letters' sizes
    "ij,jk->ik": ("ij", "jk"), "bij,bjk->bik": ("bij", "bjk"), "ii->i": ("ii",),
    "ii->": ("ii",), "i,i->": ("i", "i"), "ij->": ("ij",), "i,j->ij": ("i", "j"),
    "ij->j": ("ij",), "ijk->kji": ("ijk",), "...ij,...jk->...ik": ("bij", "jk"),
    "ij,jk,kl->il": ("ij", "jk", "kl"), "bi,bi->b": ("bi", "bi"), "ij,ij": ("ij", "ij"),
}


def _draw_einsum(data):
    eq = data.draw(st.sampled_from(sorted(_EINSUM)), label="equation")
    sizes = {c: data.draw(st.integers(1, 3)) for c in "bijkl"}
    return [data.draw(S.arrays(tuple(sizes[c] for c in s))) for s in _EINSUM[eq]], {"eq": eq}


spec("einsum", _draw_einsum, lambda *xs, eq: ag.einsum(eq, *xs),
     lambda T, *xs, eq: T.einsum(eq, *xs))

# --- user-defined Functions and in-place ops, through the same checks ---


class _Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x * x


spec("Function(cube)", lambda data: ([data.draw(S.arrays(data.draw(S.shapes())))], {}),
     lambda x: _Cube.apply(x), lambda T, x: x ** 3)


def _setitem(x, index, value):
    y = x * 1.0  # a non-leaf, so the in-place write is recorded
    y[index] = value
    return y


def _draw_setitem(data, positive_steps=False):
    arrays, kw = _draw_getitem(data)
    if positive_steps:
        arrays, kw = _positive_steps((arrays, kw))
    n = arrays[0].shape[0] if arrays[0].ndim else 1

    def unique(i):  # writing twice to one element is order-dependent: keep indices distinct
        if isinstance(i, np.ndarray) and i.dtype != bool:
            return np.unique(i % n)
        return i
    index = kw["index"]
    index = tuple(unique(i) for i in index) if isinstance(index, tuple) else unique(index)
    target = ag.zeros(*arrays[0].shape)[index].shape  # PyTorch's order of the result dims
    return [arrays[0], data.draw(S.arrays(target), label="value")], {"index": index}


def _torch_setitem(T, x, v, index):
    y = x * 1.0
    y[_torch_index(T, index)] = v
    return y


spec("setitem", lambda data: _draw_setitem(data, positive_steps=True),
     lambda x, v, index: _setitem(x, index, v), _torch_setitem)
spec("setitem_negative_steps", _draw_setitem, lambda x, v, index: _setitem(x, index, v), None)

# Exported names that are not differentiable (bool/int results or no grad by design):
# they are tested directly in tests/test_tensor.py, tests/test_errors.py and
# tests/test_op_edge_cases.py.
NOT_DIFFERENTIABLE = {"allclose", "argmax", "argmin", "eq", "ge", "gt", "le", "lt", "ne",
                      "isfinite", "isnan", "logical_and", "logical_not", "logical_or",
                      "logical_xor", "sign", "cast", "getitem", "floor_divide", "nonzero",
                      "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor"}
# "getitem" is the function behind t[idx]: its Specs are "getitem*" (and "setitem").

# The ops of autograd_core/ops/mathfuncs.py, indexing.py and sorting.py: their Specs join SPECS
# as these modules load (at the end: they use spec() and the builders above).
from tests import op_specs_indexing, op_specs_mathfuncs, op_specs_sorting  # noqa: E402

NOT_DIFFERENTIABLE |= (op_specs_mathfuncs.NOT_DIFFERENTIABLE | op_specs_indexing.NOT_DIFFERENTIABLE
                       | op_specs_sorting.NOT_DIFFERENTIABLE)
