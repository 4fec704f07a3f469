"""The ops of autograd_core/ops/indexing.py, directly: error messages, dtypes, int and bool
inputs, negative dims, values and gradients of edge cases against torch, and the in-place
forms (version counter, the leaf rule, gradients through them). The drawn shapes are in
tests/op_specs_indexing.py."""

import warnings

import numpy as np
import pytest

import autograd_core as ag

INF = float("inf")


def _pair(torch, value, dtype="float64", requires_grad=False):
    ours = ag.tensor(np.asarray(value), dtype=getattr(ag, dtype), requires_grad=requires_grad)
    theirs = torch.tensor(np.asarray(value), dtype=getattr(torch, dtype),
                          requires_grad=requires_grad)
    return ours, theirs


def _same(ours, theirs):
    assert isinstance(ours, ag.Tensor)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12, atol=1e-12)


def _grads_match(torch, ours_out, theirs_out, ours_in, theirs_in):
    """Values, then the gradients of sum(out * w) for a fixed random w."""
    _same(ours_out, theirs_out)
    w = np.random.default_rng(0).standard_normal(ours_out.shape)
    (ours_out * ag.tensor(w, dtype=ours_out.dtype)).sum().backward()
    (theirs_out * torch.tensor(w, dtype=theirs_out.dtype)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        _same(a.grad, b.grad)


def _both_raise(exc, match, fn):
    """ag raises exc (IndexError or TypeError) and RuntimeError, as torch does."""
    with pytest.raises(exc, match=match):
        fn()
    with pytest.raises(RuntimeError, match=match):
        fn()


# --- masked_fill ---

def test_attention_mask_line_matches_torch(torch):
    scores, t_scores = _pair(torch, np.random.default_rng(1).standard_normal((2, 4, 4)),
                             requires_grad=True)
    causal, t_causal = _pair(torch, np.tril(np.ones((4, 4))))
    out = scores.masked_fill(causal == 0, float("-inf")).softmax(-1)
    t_out = t_scores.masked_fill(t_causal == 0, float("-inf")).softmax(-1)
    _grads_match(torch, out, t_out, [scores], [t_scores])
    assert np.all(scores.grad.data[:, np.triu_indices(4, 1)[0], np.triu_indices(4, 1)[1]] == 0)
    assert np.isfinite(scores.grad.data).all()


def test_masked_fill_broadcasts_mask_and_input(torch):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    m = np.array([[[True, False, True]], [[False, False, True]]])  # (2, 1, 3): a bigger result
    out, t_out = x.masked_fill(ag.tensor(m), 1.5), tx.masked_fill(torch.tensor(m), 1.5)
    assert out.shape == (2, 2, 3)
    _grads_match(torch, out, t_out, [x], [tx])


def test_masked_fill_tensor_value_gets_the_filled_places_gradient(torch):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), "float32", requires_grad=True)
    v, tv = _pair(torch, 2.5, "float64", requires_grad=True)  # cast to x's dtype
    m = np.array([True, False, True])
    out, t_out = ag.masked_fill(x, ag.tensor(m), v), torch.masked_fill(tx, torch.tensor(m), tv)
    assert out.dtype == ag.float32
    _grads_match(torch, out, t_out, [x, v], [tx, tv])
    assert v.grad.dtype == ag.float64


@pytest.mark.parametrize("dtype, value", [("int64", 1.7), ("int64", -3), ("bool", 2),
                                          ("bool", 0.0), ("float32", 1e30)])
def test_masked_fill_converts_the_value_to_input_dtype(torch, dtype, value):
    x, tx = _pair(torch, [0, 1, 0], dtype)
    m = np.array([True, False, True])
    _same(x.masked_fill(ag.tensor(m), value), tx.masked_fill(torch.tensor(m), value))


def test_masked_fill_errors():
    x = ag.zeros(2, 3)
    _both_raise(TypeError, r"masked_fill: mask must be a bool tensor, got a mask of dtype int64",
                lambda: x.masked_fill(ag.tensor([1, 0, 1]), 0.0))
    with pytest.raises(ag.ShapeError, match=r"masked_fill: value must be a number or a 0-d "
                                            r"tensor, got a tensor of shape \(2,\)"):
        x.masked_fill(ag.tensor([True, False, True]), ag.tensor([1.0, 2.0]))
    with pytest.raises(ag.ShapeError, match=r"masked_fill: mask of shape \(2, 2\) cannot be "
                                            r"broadcast to the input's shape \(2, 3\)"):
        x.masked_fill(ag.ones(2, 2, dtype=ag.bool), 0.0)
    with pytest.raises(RuntimeError, match=r"masked_fill: value -inf cannot be converted to "
                                           "int64 without overflow"):
        ag.zeros(3, dtype=ag.int64).masked_fill(ag.tensor([True, False, True]), -INF)
    with pytest.raises(RuntimeError, match="float32 without overflow"):
        x.masked_fill(ag.tensor([True, False, True]), 1e300)
    with pytest.raises(TypeError, match="masked_fill: value must be a number"):
        x.masked_fill(ag.tensor([True, False, True]), "a")


def test_masked_fill_inplace_writes_bumps_version_and_respects_leaves(torch):
    x = ag.zeros(2, 3)
    data, m = x.data, ag.tensor([True, False, True])
    assert x.masked_fill_(m, 7.0) is x and x.data is data and x._version == 1
    np.testing.assert_array_equal(x.data, [[7, 0, 7], [7, 0, 7]])
    w = ag.zeros(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf Variable that requires grad"):
        w.masked_fill_(m, 1.0)
    with ag.no_grad():
        w.masked_fill_(m, 1.0)
    assert w._version == 1 and w.data[0, 0] == 1.0
    with pytest.raises(ag.ShapeError, match=r"masked_fill_: output with shape \(2, 3\) doesn't "
                                            r"match the broadcast shape \(4, 2, 3\)"):
        ag.zeros(2, 3).masked_fill_(ag.ones(4, 2, 3, dtype=ag.bool), 1.0)
    # through a non-leaf, with a value that requires grad
    a, ta = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    v, tv = _pair(torch, -1.0, requires_grad=True)
    y, ty = a * 2, ta * 2
    y.masked_fill_(m, v)
    ty.masked_fill_(torch.tensor([True, False, True]), tv)
    _grads_match(torch, y, ty, [a, v], [ta, tv])


# --- tril, triu ---

def test_causal_mask_with_triu_of_minus_inf_has_no_nan(torch):
    ours, theirs = ag.triu(ag.full((3, 3), -INF), 1), torch.triu(torch.full((3, 3), -INF), 1)
    _same(ours, theirs)
    assert not np.isnan(ours.data).any()


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("diagonal", [-5, -1, 0, 2, 6])
def test_tril_triu_keep_dtype_and_batch(torch, dtype, diagonal):
    a = (np.arange(24).reshape(2, 3, 4) % 3)
    x, tx = _pair(torch, a, dtype)
    _same(ag.tril(x, diagonal), torch.tril(tx, diagonal))
    _same(x.triu(diagonal), tx.triu(diagonal))


def test_tril_triu_errors_and_inplace(torch):
    with pytest.raises(ag.ShapeError, match=r"tril: input must have at least 2 dims, got "
                                            r"shape \(3,\)"):
        ag.tril(ag.ones(3))
    with pytest.raises(ag.ShapeError, match=r"triu: input must have at least 2 dims"):
        ag.ones(()).triu()
    x = ag.ones(3, 3)
    assert x.tril_(-1) is x and x._version == 1
    np.testing.assert_array_equal(x.data, np.tril(np.ones((3, 3)), -1))
    w = ag.ones(3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="triu_: a leaf Variable"):
        w.triu_()
    a, ta = _pair(torch, np.ones((2, 3)), requires_grad=True)
    y, ty = a * 3, ta * 3
    y.triu_(1)
    ty.triu_(1)
    _grads_match(torch, y, ty, [a], [ta])


# --- gather, scatter, scatter_add ---

def test_gather_values_and_repeated_index_gradient(torch):
    x, tx = _pair(torch, np.arange(12.0).reshape(3, 4), requires_grad=True)
    idx = np.array([[0, 0, 3], [1, 1, 1]])
    _grads_match(torch, x.gather(-1, ag.tensor(idx)), tx.gather(-1, torch.tensor(idx)),
                 [x], [tx])


def test_gather_index_larger_along_dim_int_inputs_and_int32_index(torch):
    x, tx = _pair(torch, [[1, 2, 3], [4, 5, 6]], "int64")
    idx = np.array([[2, 0, 1, 1]], dtype=np.int32)
    _same(ag.gather(x, 1, ag.tensor(idx)), torch.gather(tx, 1, torch.tensor(idx)))


def test_gather_on_scalars(torch):
    x, tx = _pair(torch, 3.0, requires_grad=True)
    out = x.gather(0, ag.tensor(0))
    _grads_match(torch, out, tx.gather(0, torch.tensor(0)), [x], [tx])
    _same(x.gather(0, ag.tensor([0, 0])), tx.gather(0, torch.tensor([0, 0])))


@pytest.mark.parametrize("op", ["gather", "scatter_add"])
def test_gather_and_scatter_errors(op):
    x = ag.zeros(2, 3)
    f = getattr(ag, op)

    def call(idx, src=None):
        args = (x, 1, idx) + ((ag.ones(*idx.shape) if src is None else src,)
                             if op == "scatter_add" else ())
        return f(*args)
    _both_raise(IndexError, rf"{op}: index 5 is out of bounds for dim 1 of size 3",
                lambda: call(ag.tensor([[0, 5]])))
    _both_raise(IndexError, rf"{op}: index -1 is out of bounds for dim 1 of size 3",
                lambda: call(ag.tensor([[-1]])))
    _both_raise(IndexError, rf"{op}: index must be an integer \(int64\) tensor, got float",
                lambda: call(ag.tensor([[0.0]])))
    with pytest.raises(ag.ShapeError, match=rf"{op}: index must have as many dims as input: "
                                            r"index of shape \(1,\) and input of shape"):
        f(x, 1, ag.tensor([0]), *((ag.ones(1),) if op == "scatter_add" else ()))
    with pytest.raises(ag.ShapeError, match=rf"{op}: index of shape \(3, 1\) must be no larger "
                                            r"than input \(2, 3\) apart from dim 1"):
        call(ag.zeros(3, 1, dtype=ag.int64))
    with pytest.raises(TypeError, match=rf"{op}: index must be a Tensor of integers, got list"):
        call([[0]], ag.ones(1, 1))


def test_scatter_values_gradients_and_value_form(torch):
    x, tx = _pair(torch, np.zeros((3, 4)), requires_grad=True)
    src, tsrc = _pair(torch, np.arange(8.0).reshape(2, 4) + 1, requires_grad=True)
    idx = np.array([[0, 1, 2, 0], [2, 0, 0, 1]])
    _grads_match(torch, x.scatter(0, ag.tensor(idx), src),
                 tx.scatter(0, torch.tensor(idx), tsrc), [x, src], [tx, tsrc])
    _same(ag.scatter(x, 1, ag.tensor([[3], [0]]), value=-2.0),
          torch.scatter(tx, 1, torch.tensor([[3], [0]]), value=-2.0))
    _same(ag.scatter(x, 1, ag.tensor([[3], [0]]), 4), tx.scatter(1, torch.tensor([[3], [0]]), 4))


def test_scatter_add_accumulates_repeated_places(torch):
    x, tx = _pair(torch, np.ones((2, 3)), requires_grad=True)
    src, tsrc = _pair(torch, np.arange(8.0).reshape(2, 4), requires_grad=True)
    idx = np.array([[2, 2, 2], [0, 1, 0]])  # src larger than index: only its block is read
    _grads_match(torch, x.scatter_add(1, ag.tensor(idx), src),
                 tx.scatter_add(1, torch.tensor(idx), tsrc[:, :3]), [x], [tx])
    np.testing.assert_array_equal(src.grad.data[:, 3], 0)
    _same(ag.scatter_add(ag.zeros(5, dtype=ag.int64), 0, ag.tensor([1, 1, 4]),
                         ag.tensor([1, 2, 3])),
          torch.scatter_add(torch.zeros(5, dtype=torch.int64), 0, torch.tensor([1, 1, 4]),
                            torch.tensor([1, 2, 3])))


def test_scatter_errors():
    x = ag.zeros(2, 3)
    _both_raise(TypeError, r"scatter: src must have input's dtype float32, got int64",
                lambda: x.scatter(1, ag.tensor([[0]]), ag.ones(1, 1, dtype=ag.int64)))
    with pytest.raises(ag.ShapeError, match=r"and no larger than src \(1, 1\)"):
        x.scatter(1, ag.tensor([[0, 1]]), ag.ones(1, 1))
    with pytest.raises(ag.ShapeError, match=r"scatter: index must have as many dims as src"):
        x.scatter(1, ag.tensor([[0]]), ag.ones(1))
    with pytest.raises(TypeError, match="scatter: give src or value, not both"):
        x.scatter(1, ag.tensor([[0]]), ag.ones(1, 1), value=1.0)
    with pytest.raises(TypeError, match="scatter: missing src"):
        x.scatter(1, ag.tensor([[0]]))


def test_scatter_inplace_forms(torch):
    x = ag.zeros(2, 3)
    assert x.scatter_(1, ag.tensor([[2], [0]]), ag.ones(2, 1)) is x and x._version == 1
    x.scatter_add_(1, ag.tensor([[2, 2], [1, 1]]), ag.ones(2, 2))
    x.scatter_(0, ag.tensor([[1]]), value=9.0)
    np.testing.assert_array_equal(x.data, [[0, 0, 3], [9, 2, 0]])
    assert x._version == 3
    w = ag.zeros(2, 3, requires_grad=True)
    for call in (lambda: w.scatter_(1, ag.tensor([[0]]), 1.0),
                 lambda: w.scatter_add_(1, ag.tensor([[0]]), ag.ones(1, 1))):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            call()
    a, ta = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    s, ts = _pair(torch, [[5.0], [6.0]], requires_grad=True)
    y, ty = a * 1, ta * 1
    y.scatter_(1, ag.tensor([[1], [2]]), s).scatter_add_(0, ag.tensor([[1, 1, 0]]), a[:1] * 2)
    ty.scatter_(1, torch.tensor([[1], [2]]), ts).scatter_add_(0, torch.tensor([[1, 1, 0]]),
                                                               ta[:1] * 2)
    _grads_match(torch, y, ty, [a, s], [ta, ts])


# --- index_select, take ---

def test_index_select_repeats_accumulate_and_negative_dim(torch):
    x, tx = _pair(torch, np.arange(12.0).reshape(3, 4), requires_grad=True)
    idx = [3, 0, 3, 3]
    _grads_match(torch, x.index_select(-1, ag.tensor(idx)),
                 tx.index_select(-1, torch.tensor(idx)), [x], [tx])
    _same(ag.index_select(x, 0, ag.tensor(2)), torch.index_select(tx, 0, torch.tensor(2)))
    _same(ag.index_select(x, 0, ag.tensor([], dtype=ag.int64)),
          torch.index_select(tx, 0, torch.tensor([], dtype=torch.int64)))
    _same(ag.index_select(ag.tensor(3.0), 0, ag.tensor([0])),
          torch.index_select(torch.tensor(3.0), 0, torch.tensor([0])))


def test_index_select_errors():
    x = ag.zeros(2, 3)
    _both_raise(IndexError, r"index_select: index 3 is out of bounds for dim 1 of size 3",
                lambda: x.index_select(1, ag.tensor([0, 3])))
    _both_raise(IndexError, r"index_select: index -1 is out of bounds",
                lambda: x.index_select(1, ag.tensor([-1])))
    _both_raise(IndexError, r"index_select: index must be 0-d or 1-d, got shape \(1, 1\)",
                lambda: x.index_select(1, ag.tensor([[0]])))
    _both_raise(IndexError, r"index_select: index must be an integer \(int64\) tensor, got bool",
                lambda: x.index_select(1, ag.tensor([True])))
    with pytest.raises(IndexError, match="index_select: dim 2 is out of range for a 2-d"):
        x.index_select(2, ag.tensor([0]))
    _both_raise(IndexError, r"an index into a 0-d tensor must have one value, got 2",
                lambda: ag.tensor(1.0).index_select(0, ag.tensor([0, 0])))


def test_take_negative_and_scalar_indices(torch):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    idx = [[-1, 0], [5, -1]]
    _grads_match(torch, x.take(ag.tensor(idx)), tx.take(torch.tensor(idx)), [x], [tx])
    one = ag.take(x, ag.tensor(-2))
    assert one.shape == () and one.item() == 4.0
    with ag.no_grad():
        one.add_(100)  # its own tensor, as torch's: x is unchanged
    assert x.data[1, 1] == 4.0
    _both_raise(IndexError, r"take: index -7 is out of range for a tensor of 6 elements",
                lambda: x.take(ag.tensor([0, -7])))


# --- narrow, select, unbind, movedim, swapaxes ---

def test_narrow_is_a_view_with_negative_start(torch):
    x, tx = _pair(torch, np.arange(12.0).reshape(3, 4), requires_grad=True)
    _grads_match(torch, x.narrow(-1, -3, 2), tx.narrow(-1, -3, 2), [x], [tx])
    base = ag.zeros(3, 4)
    v = ag.narrow(base, 0, ag.tensor(1), 2)
    v.fill_(1.0)
    assert base.data[1:].sum() == 8 and base.data[0].sum() == 0
    _same(ag.narrow(base, 1, 4, 0), torch.narrow(torch.zeros(3, 4), 1, 4, 0))


def test_narrow_errors():
    x = ag.zeros(2, 3)
    with pytest.raises(ag.ShapeError, match=r"narrow: start \(2\) \+ length \(2\) exceeds the "
                                            r"size 3 of dim 1"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match=r"narrow: start -4 is out of range for dim 1 of size "
                                         r"3 \(expected a start in \[-3, 3\]\)"):
        x.narrow(1, -4, 1)
    with pytest.raises(ag.ShapeError, match="narrow: length must be non-negative, got -1"):
        x.narrow(1, 0, -1)
    with pytest.raises(ag.ShapeError, match="narrow: cannot be applied to a 0-d tensor"):
        ag.tensor(1.0).narrow(0, 0, 1)


def test_select_and_unbind(torch):
    x, tx = _pair(torch, np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    _grads_match(torch, x.select(-2, -1), tx.select(-2, -1), [x], [tx])
    with pytest.raises(IndexError, match=r"select: index 3 is out of range for dim 1 of size 3"):
        x.select(1, 3)
    with pytest.raises(IndexError, match="select: cannot be applied to a 0-d tensor"):
        ag.tensor(1.0).select(0, 0)
    parts, t_parts = ag.unbind(x, 1), torch.unbind(tx, 1)
    assert isinstance(parts, tuple) and len(parts) == 3
    x.grad = tx.grad = None
    _grads_match(torch, parts[0] * 2 + parts[2], t_parts[0] * 2 + t_parts[2], [x], [tx])
    with pytest.raises(IndexError, match="unbind: cannot be applied to a 0-d tensor"):
        ag.tensor(1.0).unbind()
    with pytest.raises(IndexError, match="unbind: dim 3 is out of range"):
        x.unbind(3)


@pytest.mark.parametrize("src, dst", [(0, 2), (-1, 0), ((0, 1), (2, 0)), ([2, 0], [0, -1]),
                                      ((), ())])
def test_movedim_matches_torch(torch, src, dst):
    x, tx = _pair(torch, np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    _grads_match(torch, x.movedim(src, dst), tx.movedim(src, dst), [x], [tx])
    _same(ag.moveaxis(x, src, dst), torch.moveaxis(tx, src, dst))


def test_movedim_errors_and_swap_aliases(torch):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3))
    with pytest.raises(ag.ShapeError, match=r"movedim: source \(0, 0\) names a dim more than "
                                            "once"):
        x.movedim((0, 0), (1, 0))
    with pytest.raises(ag.ShapeError, match=r"movedim: source \(0, 1\) and destination \(1,\) "
                                            "must name as many dims"):
        x.movedim((0, 1), (1,))
    with pytest.raises(IndexError, match="movedim: dim 2 is out of range"):
        x.movedim(0, 2)
    _same(x.swapaxes(0, -1), tx.swapaxes(0, -1))
    _same(ag.swapdims(x, 1, 0), torch.swapdims(tx, 1, 0))


# --- flip, roll ---

def test_flip_copies_and_takes_dims_both_ways(torch):
    x, tx = _pair(torch, np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    _grads_match(torch, x.flip(0, -1), tx.flip(0, -1), [x], [tx])
    _same(ag.flip(x, [1]), torch.flip(tx, [1]))
    _same(ag.flip(x, dims=(2,)), torch.flip(tx, dims=(2,)))
    _same(x.fliplr(), tx.fliplr())
    _same(ag.flipud(x), torch.flipud(tx))
    base = ag.arange(3.0)
    y = base.flip(0)
    y.fill_(0.0)  # a copy, as in torch: base is unchanged
    np.testing.assert_array_equal(base.data, [0, 1, 2])


def test_flip_errors():
    x = ag.zeros(2, 3)
    with pytest.raises(ag.ShapeError, match=r"flip: dims \(0, -2\) names a dim more than once"):
        x.flip(0, -2)
    with pytest.raises(ag.ShapeError, match=r"fliplr: input must be at least 2-d, got shape "
                                            r"\(3,\)"):
        ag.fliplr(ag.zeros(3))
    with pytest.raises(ag.ShapeError, match="flipud: input must be at least 1-d"):
        ag.tensor(1.0).flipud()
    with pytest.raises(TypeError, match="flip: missing the dims"):
        x.flip()


@pytest.mark.parametrize("shifts, dims", [(1, None), (-7, None), (2, 1), ((1, -1), (0, 1)),
                                          ((1, 2), (1, 1)), (5, -1), (0, 0)])
def test_roll_matches_torch(torch, shifts, dims):
    x, tx = _pair(torch, np.arange(12.0).reshape(3, 4), requires_grad=True)
    _grads_match(torch, x.roll(shifts, dims), tx.roll(shifts, dims), [x], [tx])


def test_roll_edge_cases_and_errors(torch):
    _same(ag.roll(ag.zeros(0, 3), 1, 0), torch.roll(torch.zeros(0, 3), 1, 0))
    _same(ag.roll(ag.tensor(2.0), 1), torch.roll(torch.tensor(2.0), 1))
    with pytest.raises(ag.ShapeError, match=r"roll: shifts \(1, 2\) and dims \(0,\) must align"):
        ag.zeros(2, 3).roll((1, 2), (0,))
    with pytest.raises(ag.ShapeError, match=r"roll: shifts \(1, 2\) and dims \(none"):
        ag.zeros(2, 3).roll((1, 2))


# --- repeat, tile, repeat_interleave ---

@pytest.mark.parametrize("sizes", [(2, 1), (2, 1, 3), (0, 2), ((2, 2),), (1, 1)])
def test_repeat_matches_torch(torch, sizes):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    _grads_match(torch, x.repeat(*sizes), tx.repeat(*sizes), [x], [tx])


def test_repeat_result_is_its_own_tensor():
    x = ag.arange(3.0, requires_grad=True)
    y = x.repeat(2)
    y[0] = 10.0  # in place on the result: not a view of x, so this is fine
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1, 2, 2])
    assert not hasattr(ag, "repeat")  # a Tensor method only, as in torch


def test_repeat_and_tile_errors_and_tile_padding(torch):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3))
    with pytest.raises(ag.ShapeError, match=r"repeat: the number of repeats 1 can not be smaller "
                                            r"than the number of dims 2"):
        x.repeat(2)
    with pytest.raises(ag.ShapeError, match=r"repeat: repeats \(-1, 2\) must be non-negative"):
        x.repeat(-1, 2)
    with pytest.raises(TypeError, match="repeat: missing the repeats"):
        x.repeat()
    for dims in [(2,), 2, (), (2, 1, 2)]:
        _same(ag.tile(x, dims), torch.tile(tx, dims if isinstance(dims, tuple) else (dims,)))
    _same(x.tile([3, 1]), tx.tile([3, 1]))


@pytest.mark.parametrize("repeats, dim", [(2, None), (2, 0), ([1, 2, 0], 1), ([2], 1),
                                          (0, -1), ([0, 1, 2, 0, 1, 3], None)])
def test_repeat_interleave_matches_torch(torch, repeats, dim):
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    r = ag.tensor(repeats) if isinstance(repeats, list) else repeats
    tr = torch.tensor(repeats) if isinstance(repeats, list) else repeats
    _grads_match(torch, x.repeat_interleave(r, dim), tx.repeat_interleave(tr, dim), [x], [tx])


def test_repeat_interleave_counts_form_and_errors(torch):
    _same(ag.repeat_interleave(ag.tensor([1, 2, 0, 3])),
          torch.repeat_interleave(torch.tensor([1, 2, 0, 3])))
    x = ag.zeros(2, 3)
    with pytest.raises(ag.ShapeError, match=r"repeat_interleave: repeats must have one count per "
                                            r"entry of dim 1: got 2 counts for a size of 3"):
        x.repeat_interleave(ag.tensor([1, 2]), 1)
    with pytest.raises(ag.ShapeError, match="repeat_interleave: repeats must be non-negative"):
        x.repeat_interleave(-1, 1)
    with pytest.raises(ag.ShapeError, match="repeats must be a 0-d or 1-d tensor"):
        x.repeat_interleave(ag.tensor([[1, 2, 1]]), 1)
    with pytest.raises(ag.ShapeError, match="output_size 5 does not match the 6 entries"):
        x.repeat_interleave(2, 1, output_size=5)
    assert x.repeat_interleave(2, 1, output_size=6).shape == (2, 6)
    _both_raise(IndexError, r"repeat_interleave: repeats must be an integer",
                lambda: x.repeat_interleave(ag.tensor([1.0, 2.0, 0.0]), 1))


# --- diagonals ---

@pytest.mark.parametrize("offset, dim1, dim2", [(0, 0, 1), (1, 0, 1), (-1, -1, 0), (1, 2, 0),
                                                (5, 0, 1), (-2, 1, 2)])
def test_diagonal_matches_torch(torch, offset, dim1, dim2):
    x, tx = _pair(torch, np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    _grads_match(torch, x.diagonal(offset, dim1, dim2), tx.diagonal(offset, dim1, dim2),
                 [x], [tx])


def test_diagonal_is_a_writeable_view_as_in_torch(torch):
    a, ta = ag.zeros(3, 4), torch.zeros(3, 4)
    with ag.no_grad():
        a.diagonal(1).add_(1.0)
    ta.diagonal(1).add_(1.0)
    _same(a, ta)
    assert a._version == 1
    b = ag.ones(3, 3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="in-place change of this view"):
        b.diagonal().zero_()
    assert not ag.ones(3).expand(3, 3).diagonal().data.flags.writeable


def test_diagonal_errors():
    with pytest.raises(ag.ShapeError, match="diagonal: dim1 and dim2 must be different dims, "
                                            "got 0 and -2"):
        ag.zeros(2, 3).diagonal(0, 0, -2)
    with pytest.raises(IndexError, match="diagonal: dim 1 is out of range for a 1-d"):
        ag.zeros(3).diagonal()


@pytest.mark.parametrize("shape, k", [((3,), 0), ((3,), 2), ((2,), -1), ((3, 4), 1),
                                      ((3, 4), -2), ((3, 4), 9)])
def test_diag_matches_torch(torch, shape, k):
    x, tx = _pair(torch, np.arange(float(np.prod(shape))).reshape(shape) + 1, requires_grad=True)
    _grads_match(torch, ag.diag(x, k), torch.diag(tx, k), [x], [tx])


def test_diag_trace_and_diag_embed(torch):
    with pytest.raises(ag.ShapeError, match=r"diag: input must be 1-d or 2-d, got shape "
                                            r"\(2, 2, 2\)"):
        ag.diag(ag.zeros(2, 2, 2))
    with pytest.raises(ag.ShapeError, match=r"trace: expects a matrix, got shape \(3,\)"):
        ag.trace(ag.zeros(3))
    m, tm = _pair(torch, [[1, 2, 3], [4, 5, 6]], "int64")
    _same(m.trace(), tm.trace())
    x, tx = _pair(torch, np.arange(6.0).reshape(2, 3), requires_grad=True)
    _grads_match(torch, ag.trace(x), torch.trace(tx), [x], [tx])
    for offset, d1, d2 in [(0, -2, -1), (1, 0, 2), (-1, 2, 0)]:
        x.grad = tx.grad = None
        _grads_match(torch, ag.diag_embed(x, offset, d1, d2),
                     torch.diag_embed(tx, offset, d1, d2), [x], [tx])
    with pytest.raises(ag.ShapeError, match="diag_embed: dim1 and dim2 must be different"):
        ag.diag_embed(x, 0, 0, 0)


# --- meshgrid ---

@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch(torch, indexing):
    ins = [_pair(torch, np.arange(n) + 1.0, requires_grad=True) for n in (2, 3, 4)]
    ours = ag.meshgrid(*[a for a, _ in ins], indexing=indexing)
    theirs = torch.meshgrid(*[b for _, b in ins], indexing=indexing)
    total = sum((o * (k + 1)).sum() * o.sum() for k, o in enumerate(ours))
    t_total = sum((o * (k + 1)).sum() * o.sum() for k, o in enumerate(theirs))
    for o, t in zip(ours, theirs):
        _same(o, t)
    total.backward()
    t_total.backward()
    for (a, b) in ins:
        _same(a.grad, b.grad)
    _same(ag.meshgrid([ins[0][0], ag.tensor(1.0, dtype=ag.float64)], indexing=indexing)[1],
          torch.meshgrid([ins[0][1], torch.tensor(1.0, dtype=torch.float64)],
                         indexing=indexing)[1])


def test_meshgrid_warns_without_indexing_and_errors():
    a, b = ag.arange(2.0), ag.arange(3.0)
    with pytest.warns(UserWarning, match="meshgrid: pass indexing='ij'"):
        x, y = ag.meshgrid(a, b)
    assert x.shape == y.shape == (2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.meshgrid(a, b, indexing="ij")
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy', got 'foo'"):
        ag.meshgrid(a, indexing="foo")
    with pytest.raises(ag.ShapeError, match=r"meshgrid: expects 0-d or 1-d tensors, got shape "
                                            r"\(2, 2\) at position 1"):
        ag.meshgrid(a, ag.zeros(2, 2), indexing="ij")
    _both_raise(TypeError, "meshgrid: expects tensors of one dtype",
                lambda: ag.meshgrid(a, ag.tensor([1, 2]), indexing="ij"))
    with pytest.raises(ag.ShapeError, match="meshgrid: expects a non-empty sequence"):
        ag.meshgrid(indexing="ij")


def test_every_op_is_a_function_and_a_method():
    for name in ["masked_fill", "tril", "triu", "gather", "scatter", "scatter_add",
                 "index_select", "take", "narrow", "select", "unbind", "movedim", "moveaxis",
                 "swapaxes", "swapdims", "flip", "fliplr", "flipud", "roll", "tile",
                 "repeat_interleave", "diag", "diagonal", "trace", "diag_embed"]:
        assert callable(getattr(ag, name)) and callable(getattr(ag.Tensor, name)), name
    for name in ["masked_fill_", "tril_", "triu_", "scatter_", "scatter_add_", "repeat"]:
        assert callable(getattr(ag.Tensor, name)) and not hasattr(ag, name), name
    assert callable(ag.meshgrid) and not hasattr(ag.Tensor, "meshgrid")


# --- index_add, index_fill, masked_select ---

def test_index_add_errors_name_the_op_and_sizes(torch):
    x = ag.zeros(3, 4)
    with pytest.raises(IndexError, match="index_add: index 5 is out of bounds for dim 1"):
        ag.index_add(x, 1, ag.tensor([5]), ag.zeros(3, 1))
    with pytest.raises(RuntimeError):
        torch.index_add(torch.zeros(3, 4), 1, torch.tensor([0]), torch.zeros(3, 2))
    with pytest.raises(ag.ShapeError, match=r"index_add: source of shape \(3, 2\) does not "
                                             r"match input of shape \(3, 4\) with 1 indices"):
        ag.index_add(x, 1, ag.tensor([0]), ag.zeros(3, 2))
    with pytest.raises(TypeError, match="index_add: source must have input's dtype"):
        ag.index_add(x, 1, ag.tensor([0]), ag.zeros(3, 1, dtype=ag.float64))


def test_index_add_in_place_bumps_the_version_and_refuses_a_leaf():
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="index_add_"):
        w.index_add_(0, ag.tensor([0]), ag.ones(1))
    y = ag.zeros(3)
    before = y._version
    assert y.index_add_(0, ag.tensor([2, 2]), ag.tensor([1.0, 2.0])) is y
    assert y.tolist() == [0.0, 0.0, 3.0] and y._version == before + 1


def test_index_fill_with_a_tensor_value_gets_its_gradient(torch):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64, requires_grad=True)
    v = ag.tensor(5.0, dtype=ag.float64, requires_grad=True)
    y = x.index_fill(1, ag.tensor([0]), v)
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    tv = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    ty = tx.index_fill(1, torch.tensor([0]), tv)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    assert v.grad.item() == tv.grad.item() == 2.0
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_masked_select_needs_a_bool_mask_that_broadcasts(torch):
    x = ag.zeros(3, 4)
    with pytest.raises(TypeError, match="masked_select: mask must be a bool tensor"):
        ag.masked_select(x, ag.zeros(3, 4))
    with pytest.raises(ag.ShapeError, match=r"masked_select: mask of shape \(2, 4\) does not "
                                             r"broadcast with input of shape \(3, 4\)"):
        ag.masked_select(x, ag.zeros(2, 4, dtype=ag.bool))
    empty = ag.masked_select(x, ag.zeros(3, 4, dtype=ag.bool))
    assert empty.shape == tuple(torch.masked_select(torch.zeros(3, 4),
                                                    torch.zeros(3, 4, dtype=torch.bool)).shape)
