"""Specs of autograd_core/ops/indexing.py: masked_fill, tril/triu, gather/scatter, index_select,
take, narrow/select/unbind, movedim, flip/roll, repeat/tile, diagonals, meshgrid. Index
arguments are drawn valid (with repeats where the op adds them up) and passed as keyword
constants; the in-place forms run on a non-leaf copy, so their graphs are checked too."""

import numpy as np
from hypothesis import strategies as st

import autograd_core as ag
from tests import strategies as S
from tests.op_specs import spec

NOT_DIFFERENTIABLE = set()


def _x(data, shape, low=-2.0, high=2.0, label="x"):
    return data.draw(S.arrays(shape, low, high), label=label)


def _seed_rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))


def _tensor(T, a):
    return T.from_numpy(np.asarray(a))


def _used(src, index):
    """src's leading index.shape block, the part scatter reads: torch's backward returns a
    gradient of the wrong shape for a src larger than index, so its twin is given this."""
    return src[tuple(slice(0, n) for n in np.shape(index))]


def _inplace(method, args):
    """x * 1.0 (a non-leaf), changed in place by method with args(kw, other inputs): the
    in-place form's graph."""
    def run(x, *tensors, **kw):
        y = x * 1.0
        out = getattr(y, method)(*args(kw, tensors))
        assert out is y
        return y
    return run


# --- masks ---

def _draw_masked_fill(data, in_place=False):
    """x and a mask that broadcasts with it (to x's shape for the in-place form); the value a
    number (possibly -inf: the attention mask) or, with value_tensor, a 0-d input."""
    if in_place:
        sx = data.draw(S.shapes(), label="shape")
        k = data.draw(st.integers(0, len(sx)), label="mask dims")
        sm = tuple(s if data.draw(st.booleans()) else 1 for s in sx[len(sx) - k:])
    else:
        sx, sm = data.draw(S.broadcastable_shapes(2), label="shapes")
    mask = data.draw(S.arrays(sm, -1.0, 1.0, layout=False), label="mask") > 0
    # (-inf, the attention mask's value, is tested directly: gradcheck's differences of
    # -inf outputs are nan)
    value = data.draw(st.sampled_from([0.0, -1.5, 3]), label="value")
    return [_x(data, sx)], {"mask": mask, "value": value}


def _draw_masked_fill_tensor(data):
    arrays, kw = _draw_masked_fill(data)
    kw.pop("value")
    return arrays + [np.array(data.draw(st.floats(-2, 2), label="value"))], kw


spec("masked_fill", _draw_masked_fill,
     lambda x, mask, value: ag.masked_fill(x, ag.tensor(mask), value),
     lambda T, x, mask, value: T.masked_fill(x, _tensor(T, mask), value))
spec("masked_fill_tensor_value", _draw_masked_fill_tensor,
     lambda x, v, mask: x.masked_fill(ag.tensor(mask), v),
     lambda T, x, v, mask: x.masked_fill(_tensor(T, mask), v))
spec("masked_fill_", lambda data: _draw_masked_fill(data, in_place=True),
     _inplace("masked_fill_", lambda kw, ts: (ag.tensor(kw.pop("mask")), kw.pop("value"))),
     lambda T, x, mask, value: (x * 1.0).masked_fill_(_tensor(T, mask), value))


def _draw_triangle(data):
    shape = data.draw(S.shapes(min_dims=2), label="shape")
    return [_x(data, shape)], {"diagonal": data.draw(st.integers(-4, 4), label="diagonal")}


for _name in ("tril", "triu"):
    spec(_name, _draw_triangle,
         lambda x, diagonal, n=_name: getattr(ag, n)(x, diagonal),
         lambda T, x, diagonal, n=_name: getattr(T, n)(x, diagonal))
    spec(_name + "_", _draw_triangle,
         _inplace(_name + "_", lambda kw, ts: (kw.pop("diagonal"),)),
         lambda T, x, diagonal, n=_name: getattr(x * 1.0, n + "_")(diagonal))

# --- gather, scatter, index_select, take ---


def _draw_along(data, src=False, unique=False, scalar=True):
    """x, dim and an index no larger than x outside dim (any size along it; with unique,
    distinct values along dim, so that scatter's writes do not collide); src at least
    index's size in every dim."""
    shape = data.draw(S.shapes(min_dims=0 if scalar else 1), label="shape")
    nd = len(shape)
    dim = data.draw(S.one_dim(nd), label="dim")
    d = dim % max(nd, 1)
    full = shape if nd else (1,)
    n = full[d]
    # along dim any size (up to n for scatter's distinct places), elsewhere up to x's
    ishape = [data.draw(st.integers(1, n if unique else n + 1) if i == d else
                        st.integers(0, s), label="index size") for i, s in enumerate(full)]
    rng = _seed_rng(data)
    if unique:
        keys = rng.random(tuple(ishape[:d]) + (n,) + tuple(ishape[d + 1:]))
        index = np.argsort(keys, axis=d).take(range(ishape[d]), axis=d)
    else:
        index = rng.integers(0, n, size=tuple(ishape))
    if not nd and index.size == 1 and data.draw(st.booleans(), label="0-d index"):
        index = index.reshape(())  # (a 0-d input takes a 0-d or a 1-d index)
    arrays = [_x(data, shape)]
    if src:
        sshape = tuple(s + data.draw(st.integers(0, 1), label="src extra") for s in index.shape)
        arrays.append(_x(data, sshape, label="src"))
    return arrays, {"dim": dim, "index": index}


spec("gather", _draw_along, lambda x, dim, index: ag.gather(x, dim, ag.tensor(index)),
     lambda T, x, dim, index: T.gather(x, dim, _tensor(T, index)))
spec("scatter", lambda data: _draw_along(data, src=True, unique=True),
     lambda x, src, dim, index: x.scatter(dim, ag.tensor(index), src),
     lambda T, x, src, dim, index: x.scatter(dim, _tensor(T, index), _used(src, index)))


def _draw_scatter_value(data):
    arrays, kw = _draw_along(data, unique=True)
    return arrays, dict(kw, value=data.draw(st.sampled_from([1.5, -2, 0.0]), label="value"))


spec("scatter_value", _draw_scatter_value,
     lambda x, dim, index, value: ag.scatter(x, dim, ag.tensor(index), value=value),
     lambda T, x, dim, index, value: T.scatter(x, dim, _tensor(T, index), value=value))
spec("scatter_", lambda data: _draw_along(data, src=True, unique=True),
     _inplace("scatter_", lambda kw, ts: (kw.pop("dim"), ag.tensor(kw.pop("index")), ts[0])),
     lambda T, x, src, dim, index: (x * 1.0).scatter_(dim, _tensor(T, index),
                                                       _used(src, index)))
spec("scatter_add", lambda data: _draw_along(data, src=True),
     lambda x, src, dim, index: ag.scatter_add(x, dim, ag.tensor(index), src),
     lambda T, x, src, dim, index: T.scatter_add(x, dim, _tensor(T, index),
                                                 _used(src, index)))
spec("scatter_add_", lambda data: _draw_along(data, src=True),
     _inplace("scatter_add_",
              lambda kw, ts: (kw.pop("dim"), ag.tensor(kw.pop("index")), ts[0])),
     lambda T, x, src, dim, index: (x * 1.0).scatter_add_(dim, _tensor(T, index),
                                                          _used(src, index)))


def _draw_index_select(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim]
    index = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=5), label="index"),
                     dtype=np.int64)  # repeats: their gradients add up
    if index.size == 1 and data.draw(st.booleans(), label="0-d index"):
        index = index.reshape(())
    return [_x(data, shape)], {"dim": dim, "index": index}


spec("index_select", _draw_index_select,
     lambda x, dim, index: x.index_select(dim, ag.tensor(index)),
     lambda T, x, dim, index: T.index_select(x, dim, _tensor(T, index)))


def _draw_index_add(data):
    """input, a source with len(index) entries along dim, an index with repeats (they add
    up), and alpha."""
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim]
    index = np.array(data.draw(st.lists(st.integers(0, n - 1), max_size=4), label="index"),
                     dtype=np.int64)
    source_shape = shape[:dim % len(shape)] + (index.size,) + shape[dim % len(shape) + 1:]
    source = data.draw(S.arrays(source_shape, salt=1), label="source")
    alpha = data.draw(st.sampled_from([1, 2.0, -0.5]), label="alpha")
    return [_x(data, shape), source], {"dim": dim, "index": index, "alpha": alpha}


spec("index_add", _draw_index_add,
     lambda x, source, dim, index, alpha: x.index_add(dim, ag.tensor(index), source,
                                                      alpha=alpha),
     lambda T, x, source, dim, index, alpha: x.index_add(dim, _tensor(T, index), source,
                                                         alpha=alpha))
spec("index_add_", _draw_index_add,
     lambda x, source, dim, index, alpha: (x * 1.0).index_add_(dim, ag.tensor(index), source,
                                                               alpha=alpha),
     lambda T, x, source, dim, index, alpha: (x * 1.0).index_add_(dim, _tensor(T, index),
                                                                  source, alpha=alpha))


def _draw_index_fill(data):
    arrays, kw = _draw_index_select(data)
    kw["index"] = kw["index"].reshape(-1)
    kw["value"] = data.draw(st.sampled_from([0.0, -1.5, 3.0]), label="value")
    return arrays, kw


spec("index_fill", _draw_index_fill,
     lambda x, dim, index, value: x.index_fill(dim, ag.tensor(index), value),
     lambda T, x, dim, index, value: x.index_fill(dim, _tensor(T, index), value))
spec("index_fill_", _draw_index_fill,
     lambda x, dim, index, value: (x * 1.0).index_fill_(dim, ag.tensor(index), value),
     lambda T, x, dim, index, value: (x * 1.0).index_fill_(dim, _tensor(T, index), value))


def _draw_masked_select(data):
    shape, mask_shape = data.draw(S.broadcastable_shapes(2), label="shapes")
    mask = data.draw(S.arrays(mask_shape, salt=2), label="mask") > 0
    return [_x(data, shape)], {"mask": mask}


spec("masked_select", _draw_masked_select,
     lambda x, mask: ag.masked_select(x, ag.tensor(mask)),
     lambda T, x, mask: T.masked_select(x, T.tensor(mask)))


def _draw_take(data):
    shape = data.draw(S.shapes(), label="shape")
    n = int(np.prod(shape))
    ishape = data.draw(S.shapes(max_dims=2), label="index shape")
    index = _seed_rng(data).integers(-n, n, size=ishape)  # negatives count from the end
    return [_x(data, shape)], {"index": index}


spec("take", _draw_take, lambda x, index: ag.take(x, ag.tensor(index)),
     lambda T, x, index: T.take(x, _tensor(T, index)))

# --- views ---


def _draw_narrow(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim]
    start = data.draw(st.integers(0, n), label="start")
    length = data.draw(st.integers(0, n - start), label="length")
    if start < n and data.draw(st.booleans(), label="negative start"):
        start -= n
    return [_x(data, shape)], {"dim": dim, "start": start, "length": length}


spec("narrow", _draw_narrow, lambda x, **kw: ag.narrow(x, **kw),
     lambda T, x, **kw: T.narrow(x, **kw))


def _draw_select(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    dim = data.draw(S.one_dim(len(shape)), label="dim")
    n = shape[dim]
    return [_x(data, shape)], {"dim": dim, "index": data.draw(st.integers(-n, n - 1))}


spec("select", _draw_select, lambda x, **kw: x.select(**kw), lambda T, x, **kw: T.select(x, **kw))


def _draw_unbind(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    return [_x(data, shape)], {"dim": data.draw(S.one_dim(len(shape)), label="dim")}


spec("unbind", _draw_unbind, lambda x, dim: ag.unbind(x, dim), lambda T, x, dim: T.unbind(x, dim))


def _draw_movedim(data):
    shape = data.draw(S.shapes(), label="shape")
    nd = len(shape)
    k = data.draw(st.integers(1, max(nd, 1)), label="count")
    dims = st.lists(S.one_dim(nd), min_size=k, max_size=k,
                    unique_by=lambda d: d % max(nd, 1))
    src, dst = data.draw(dims, label="source"), data.draw(dims, label="destination")
    if k == 1 and data.draw(st.booleans(), label="ints"):
        src, dst = src[0], dst[0]
    else:
        src, dst = tuple(src), tuple(dst)
    return [_x(data, shape)], {"source": src, "destination": dst}


spec("movedim", _draw_movedim, lambda x, **kw: ag.movedim(x, **kw),
     lambda T, x, **kw: T.movedim(x, **kw))
spec("moveaxis", _draw_movedim, lambda x, **kw: x.moveaxis(**kw),
     lambda T, x, **kw: T.movedim(x, **kw))


def _draw_swap(data):
    shape = data.draw(S.shapes(min_dims=1), label="shape")
    nd = len(shape)
    return [_x(data, shape)], {"a": data.draw(S.one_dim(nd)), "b": data.draw(S.one_dim(nd))}


spec("swapaxes", _draw_swap, lambda x, a, b: ag.swapaxes(x, a, b),
     lambda T, x, a, b: T.swapaxes(x, a, b))
spec("swapdims", _draw_swap, lambda x, a, b: x.swapdims(a, b),
     lambda T, x, a, b: T.swapdims(x, a, b))

# --- flip, roll ---


def _draw_flip(data):
    shape = data.draw(S.shapes(), label="shape")
    nd = len(shape)
    dims = data.draw(st.lists(S.one_dim(nd), max_size=max(nd, 1),
                              unique_by=lambda d: d % max(nd, 1)), label="dims")
    return [_x(data, shape)], {"dims": tuple(dims)}


spec("flip", _draw_flip, lambda x, dims: ag.flip(x, dims), lambda T, x, dims: T.flip(x, dims))
spec("flip_method", _draw_flip, lambda x, dims: x.flip(*dims) if dims else x.flip(dims),
     lambda T, x, dims: T.flip(x, dims))
spec("fliplr", lambda data: ([_x(data, data.draw(S.shapes(min_dims=2)))], {}),
     lambda x: ag.fliplr(x), lambda T, x: T.fliplr(x))
spec("flipud", lambda data: ([_x(data, data.draw(S.shapes(min_dims=1)))], {}),
     lambda x: x.flipud(), lambda T, x: T.flipud(x))


def _draw_roll(data):
    shape = data.draw(S.shapes(), label="shape")
    nd = len(shape)
    shift = st.integers(-4, 4)
    if not nd or data.draw(st.booleans(), label="flat"):
        return [_x(data, shape)], {"shifts": data.draw(shift), "dims": None}
    k = data.draw(st.integers(1, 3), label="count")  # a dim may repeat: its shifts add up
    dims = data.draw(st.lists(S.one_dim(nd), min_size=k, max_size=k), label="dims")
    shifts = data.draw(st.lists(shift, min_size=k, max_size=k), label="shifts")
    if k == 1 and data.draw(st.booleans(), label="ints"):
        return [_x(data, shape)], {"shifts": shifts[0], "dims": dims[0]}
    return [_x(data, shape)], {"shifts": tuple(shifts), "dims": tuple(dims)}


spec("roll", _draw_roll, lambda x, **kw: ag.roll(x, **kw), lambda T, x, **kw: T.roll(x, **kw))

# --- repeat, tile, repeat_interleave ---


def _draw_repeat(data):
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    extra = data.draw(st.integers(0 if shape else 1, 2), label="extra dims")
    reps = tuple(data.draw(st.integers(0, 3) if data.draw(st.booleans()) else st.integers(1, 2),
                           label="rep") for _ in range(len(shape) + extra))
    return [_x(data, shape)], {"reps": reps}


spec("repeat", _draw_repeat, lambda x, reps: x.repeat(*reps),
     lambda T, x, reps: x.repeat(*reps))


def _draw_tile(data):
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    k = data.draw(st.integers(0, len(shape) + 1), label="count")
    reps = tuple(data.draw(st.integers(0, 2), label="rep") for _ in range(k))
    return [_x(data, shape)], {"dims": reps}


spec("tile", _draw_tile, lambda x, dims: ag.tile(x, dims), lambda T, x, dims: T.tile(x, dims))


def _draw_repeat_interleave(data):
    shape = data.draw(S.shapes(max_dims=3), label="shape")
    nd = len(shape)
    dim = data.draw(st.one_of(st.none(), S.one_dim(nd)) if nd else st.none(), label="dim")
    n = int(np.prod(shape)) if dim is None else shape[dim]
    kind = data.draw(st.sampled_from(["int", "one", "each"]), label="repeats")
    if kind == "int":
        repeats = data.draw(st.integers(0, 3), label="repeats")
    elif kind == "one":
        repeats = np.array([data.draw(st.integers(0, 3), label="repeats")])
    else:
        repeats = _seed_rng(data).integers(0, 4, size=n)
    return [_x(data, shape)], {"repeats": repeats, "dim": dim}


def _ri_ours(x, repeats, dim):
    reps = ag.tensor(repeats) if isinstance(repeats, np.ndarray) else repeats
    return ag.repeat_interleave(x, reps, dim)


def _ri_torch(T, x, repeats, dim):
    reps = _tensor(T, repeats) if isinstance(repeats, np.ndarray) else repeats
    return T.repeat_interleave(x, reps, dim)


spec("repeat_interleave", _draw_repeat_interleave, _ri_ours, _ri_torch)

# --- diagonals ---


def _draw_diagonal(data):
    shape = data.draw(S.shapes(min_dims=2), label="shape")
    nd = len(shape)
    dims = data.draw(st.lists(S.one_dim(nd), min_size=2, max_size=2,
                              unique_by=lambda d: d % nd), label="dims")
    return [_x(data, shape)], {"offset": data.draw(st.integers(-4, 4), label="offset"),
                               "dim1": dims[0], "dim2": dims[1]}


spec("diagonal", _draw_diagonal, lambda x, **kw: ag.diagonal(x, **kw),
     lambda T, x, **kw: T.diagonal(x, **kw))


def _draw_diag_embed(data):
    shape = data.draw(S.shapes(min_dims=1, max_dims=3), label="shape")
    nd = len(shape) + 1
    dims = data.draw(st.lists(S.one_dim(nd), min_size=2, max_size=2,
                              unique_by=lambda d: d % nd), label="dims")
    return [_x(data, shape)], {"offset": data.draw(st.integers(-2, 2), label="offset"),
                               "dim1": dims[0], "dim2": dims[1]}


spec("diag_embed", _draw_diag_embed, lambda x, **kw: ag.diag_embed(x, **kw),
     lambda T, x, **kw: T.diag_embed(x, **kw))


def _draw_diag(data):
    shape = data.draw(S.shapes(min_dims=1, max_dims=2), label="shape")
    return [_x(data, shape)], {"diagonal": data.draw(st.integers(-3, 3), label="diagonal")}


spec("diag", _draw_diag, lambda x, diagonal: ag.diag(x, diagonal),
     lambda T, x, diagonal: T.diag(x, diagonal))
spec("trace", lambda data: ([_x(data, data.draw(S.shapes(min_dims=2, max_dims=2)))], {}),
     lambda x: x.trace(), lambda T, x: T.trace(x))

# --- grids ---


def _draw_meshgrid(data):
    k = data.draw(st.integers(1, 3), label="count")
    arrays = [_x(data, data.draw(S.shapes(max_dims=1), label="shape")) for _ in range(k)]
    return arrays, {"indexing": data.draw(st.sampled_from(["ij", "xy"]), label="indexing")}


spec("meshgrid", _draw_meshgrid, lambda *xs, indexing: ag.meshgrid(*xs, indexing=indexing),
     lambda T, *xs, indexing: T.meshgrid(*xs, indexing=indexing))
