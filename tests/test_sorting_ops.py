"""Edge cases of the ops in autograd_core/ops/sorting.py: ties, NaN, dtypes, 0-d and empty
tensors, errors, namedtuple fields and reproducible sampling (the gradients of every op are
gradchecked through tests/op_specs_sorting.py)."""

import numpy as np
import pytest

import autograd_core as ag

F64 = ag.float64


def t64(x, grad=False):
    return ag.tensor(np.asarray(x, dtype=np.float64), dtype=F64, requires_grad=grad)


def assert_close(ours, theirs, **kw):
    np.testing.assert_allclose(ours.data if isinstance(ours, ag.Tensor) else ours,
                               theirs.detach().numpy(), **kw)


# --- scans ---

def test_cumsum_of_bool_and_int32_is_int64():
    assert ag.cumsum(ag.tensor([True, False, True]), 0).tolist() == [1, 1, 2]
    assert ag.cumsum(ag.tensor([True, True]), 0).dtype == ag.int64
    assert ag.cumsum(ag.tensor(np.array([1, 2], dtype=np.int32)), 0).dtype == ag.int64
    assert ag.cumsum(ag.tensor([1.0, 2.0]), 0).dtype == ag.float32


def test_cumsum_dtype_argument_and_0d():
    assert ag.cumsum(ag.tensor([1, 2]), 0, dtype=F64).dtype == F64
    x = t64(3.0, grad=True)
    y = ag.cumsum(x, -1)
    assert y.shape == () and y.item() == 3.0
    y.backward()
    assert x.grad.item() == 1.0


def test_cumsum_dim_out_of_range():
    with pytest.raises(IndexError, match=r"cumsum: dim 2 is out of range for a 2-d tensor"):
        ag.cumsum(ag.zeros(2, 3), 2)


def test_cumsum_grad_is_reversed_cumsum():
    x = t64([[1.0, 2.0, 3.0]], grad=True)
    ag.cumsum(x, 1).sum().backward()
    assert x.grad.tolist() == [[3.0, 2.0, 1.0]]
    assert x.cumsum(1).grad_fn.name == "CumsumBackward"


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 5.0], [0.0, 0.0],
                               [1.5, -2.0, 0.0]])
def test_cumprod_grad_with_zeros_matches_torch(torch, x):
    g = np.linspace(-1.0, 1.3, len(x))
    a = t64(x, grad=True)
    (ga,) = ag.grad(ag.cumprod(a, 0), [a], [t64(g)], create_graph=True)
    b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (gb,) = torch.autograd.grad(torch.cumprod(b, 0), [b], [torch.tensor(g)], create_graph=True)
    assert_close(ga, gb, atol=1e-12)
    # and the second derivative, through the create_graph formula
    v = np.linspace(0.7, -0.4, len(x))
    (gga,) = ag.grad(ga, [a], [t64(v)])
    (ggb,) = torch.autograd.grad(gb, [b], [torch.tensor(v)])
    assert_close(gga, ggb, atol=1e-12)


def test_cumprod_first_order_with_zeros_along_a_middle_dim(torch):
    x = np.array([[[1.0, 2.0], [0.0, 3.0], [4.0, 0.0]]])
    a = t64(x, grad=True)
    ag.cumprod(a, 1).sum().backward()
    b = torch.tensor(x, requires_grad=True)
    torch.cumprod(b, 1).sum().backward()
    assert_close(a.grad, b.grad)


def test_logcumsumexp_does_not_overflow_and_keeps_minus_inf():
    y = ag.logcumsumexp(t64([1000.0, 1000.0, -np.inf]), 0)
    np.testing.assert_allclose(y.data, [1000.0, 1000.0 + np.log(2), 1000.0 + np.log(2)])
    y = ag.logcumsumexp(t64([-np.inf, -np.inf, 0.0]), 0)
    assert y.tolist() == [-np.inf, -np.inf, 0.0]


def test_logcumsumexp_grad_of_large_values_matches_torch(torch):
    x = np.array([[800.0, -700.0, 801.0], [-5.0, 3.0, 1.0]])
    g = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0]])
    a = t64(x, grad=True)
    (ga,) = ag.grad(ag.logcumsumexp(a, 1), [a], [t64(g)], create_graph=True)
    b = torch.tensor(x, requires_grad=True)
    (gb,) = torch.autograd.grad(torch.logcumsumexp(b, 1), [b], [torch.tensor(g)],
                                create_graph=True)
    assert np.isfinite(ga.data).all()
    assert_close(ga, gb, rtol=1e-10, atol=1e-12)
    (gga,) = ag.grad(ga.sum(), [a])
    (ggb,) = torch.autograd.grad(gb.sum(), [b])
    assert_close(gga, ggb, rtol=1e-9, atol=1e-12)


def test_logcumsumexp_of_ints_is_float():
    assert ag.logcumsumexp(ag.tensor([0, 0]), 0).dtype == ag.float32


def test_cummax_ties_take_the_last_index_and_grads_add_up(torch):
    x = [1.0, 3.0, 3.0, 2.0, 5.0, 5.0]
    a = t64(x, grad=True)
    out = ag.cummax(a, 0)
    assert out.values.tolist() == [1.0, 3.0, 3.0, 3.0, 5.0, 5.0]
    assert out.indices.tolist() == [0, 1, 2, 2, 4, 5]
    out.values.sum().backward()
    b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch.cummax(b, 0).values.sum().backward()
    assert_close(a.grad, b.grad)
    assert a.grad.tolist() == [1.0, 1.0, 2.0, 0.0, 1.0, 1.0]


def test_cummin_and_nan_match_torch(torch):
    x = [1.0, np.nan, 0.0, np.nan, -1.0]
    for name in ("cummax", "cummin"):
        ours = getattr(ag, name)(t64(x), 0)
        theirs = getattr(torch, name)(torch.tensor(x), 0)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist()
    m = ag.cummin(ag.tensor([[3, 1], [2, 5]]), dim=0)
    assert m.values.tolist() == [[3, 1], [2, 1]] and m.indices.tolist() == [[0, 0], [1, 0]]


def test_cummax_of_0d():
    out = ag.cummax(t64(2.0), 0)
    assert out.values.shape == () and out.indices.item() == 0


# --- sorting and selection ---

def test_sort_namedtuple_fields_and_dtypes():
    x = ag.tensor([[3, 1, 2], [0, 5, 4]])
    out = ag.sort(x)
    values, indices = out
    assert type(out).__name__ == "Sort"
    assert out.values is values and out.indices is indices
    assert values.tolist() == [[1, 2, 3], [0, 4, 5]] and values.dtype == ag.int64
    assert indices.tolist() == [[1, 2, 0], [0, 2, 1]] and indices.dtype == ag.int64
    assert ag.sort(ag.tensor([1.0, 0.5])).values.dtype == ag.float32
    assert ag.sort(ag.tensor([True, False, True])).values.tolist() == [False, True, True]


def test_sort_is_stable_both_ways():
    x = ag.tensor([2.0, 1.0, 2.0, 1.0, 2.0])
    asc = ag.sort(x, stable=True)
    assert asc.indices.tolist() == [1, 3, 0, 2, 4]
    desc = ag.sort(x, descending=True, stable=True)
    assert desc.values.tolist() == [2.0, 2.0, 2.0, 1.0, 1.0]
    assert desc.indices.tolist() == [0, 2, 4, 1, 3]
    assert ag.argsort(x, descending=True).tolist() == [0, 2, 4, 1, 3]
    assert x.argsort().tolist() == [1, 3, 0, 2, 4]


def test_sort_puts_nan_last_ascending_and_first_descending(torch):
    x = [1.0, np.nan, 0.0, -np.inf]
    for descending in (False, True):
        ours = ag.sort(t64(x), descending=descending)
        theirs = torch.sort(torch.tensor(x), descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
        assert ours.indices.tolist() == theirs.indices.tolist()


def test_sort_grad_scatters_back():
    x = t64([[3.0, 1.0, 2.0]], grad=True)
    v = ag.sort(x, dim=1, descending=True).values
    (v * t64([[10.0, 20.0, 30.0]])).sum().backward()
    assert x.grad.tolist() == [[10.0, 30.0, 20.0]]


def test_sort_of_0d_and_empty():
    out = ag.sort(t64(4.0))
    assert out.values.shape == () and out.indices.shape == () and out.indices.item() == 0
    assert ag.argsort(t64(4.0)).shape == ()
    e = ag.sort(ag.zeros(2, 0), dim=1)
    assert e.values.shape == (2, 0) and e.indices.shape == (2, 0)


def test_topk_largest_smallest_and_fields():
    x = ag.tensor([[1.0, 5.0, 3.0, 4.0]])
    top = ag.topk(x, 2)
    assert type(top).__name__ == "TopK"
    assert top.values.tolist() == [[5.0, 4.0]] and top.indices.tolist() == [[1, 3]]
    low = x.topk(3, dim=1, largest=False)
    assert low.values.tolist() == [[1.0, 3.0, 4.0]] and low.indices.tolist() == [[0, 2, 3]]
    assert ag.topk(x, 0).values.shape == (1, 0)


def test_topk_nan_is_largest(torch):
    x = [1.0, np.nan, 3.0]
    ours, theirs = ag.topk(t64(x), 2), torch.topk(torch.tensor(x), 2)
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    assert ours.indices.tolist() == theirs.indices.tolist()


def test_topk_k_out_of_range():
    with pytest.raises(ValueError, match=r"topk: k \(4\) is out of range for dim 1 of size 3"):
        ag.topk(ag.zeros(2, 3), 4)
    with pytest.raises(RuntimeError, match=r"topk: k \(-1\)"):  # torch's type, too
        ag.topk(ag.zeros(3), -1)
    with pytest.raises(TypeError, match="topk: k must be an int, got float"):
        ag.topk(ag.zeros(3), 1.0)


def test_kthvalue(torch):
    x = np.array([[4.0, 1.0, 3.0, 2.0], [0.0, -1.0, 7.0, 5.0]])
    ours = ag.kthvalue(t64(x), 2, dim=1, keepdim=True)
    theirs = torch.kthvalue(torch.tensor(x), 2, dim=1, keepdim=True)
    assert type(ours).__name__ == "KthValue"
    assert_close(ours.values, theirs.values)
    assert ours.indices.tolist() == theirs.indices.tolist()
    with pytest.raises(ValueError, match=r"kthvalue: k \(0\) is out of range"):
        ag.kthvalue(t64(x), 0)
    with pytest.raises(ValueError, match=r"kthvalue: k \(5\) is out of range"):
        ag.kthvalue(t64(x), 5)


def test_median_takes_the_lower_middle(torch):
    assert ag.median(ag.tensor([1.0, 2.0, 3.0, 4.0])).item() == 2.0
    x = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])
    ours = ag.median(t64(x), 1)
    theirs = torch.median(torch.tensor(x), 1)
    assert type(ours).__name__ == "Median"
    assert ours.values.tolist() == theirs.values.tolist()
    assert ours.indices.tolist() == theirs.indices.tolist()
    kept = t64(x).median(dim=0, keepdim=True)
    assert kept.values.shape == (1, 4) and kept.indices.shape == (1, 4)


def test_median_nan_and_empty(torch):
    x = [1.0, np.nan, 0.0, np.nan]
    assert np.isnan(ag.median(t64(x)).item())
    ours, theirs = ag.median(t64(x), 0), torch.median(torch.tensor(x), 0)
    assert np.isnan(ours.values.item()) and ours.indices.item() == theirs.indices.item() == 1
    assert np.isnan(ag.median(ag.zeros(0)).item())
    with pytest.raises(IndexError, match=r"median: Expected reduction dim 1 to have non-zero"):
        ag.median(ag.zeros(2, 0), 1)


def test_median_grad_goes_to_the_picked_element():
    x = t64([5.0, 1.0, 3.0, 2.0], grad=True)
    ag.median(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]


# --- reductions ---

def test_any_all_are_bool():
    x = ag.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert ag.any(x).item() is True and ag.all(x).item() is False
    assert ag.any(x, 1).tolist() == [True, False] and ag.any(x, 1).dtype == ag.bool
    assert x.all(dim=(0, 1), keepdim=True).shape == (1, 1)
    assert ag.all(ag.tensor([np.nan])).item() is True  # nan is nonzero
    assert ag.any(ag.zeros(0)).item() is False and ag.all(ag.zeros(0)).item() is True
    assert ag.all(ag.tensor([1, 2])).item() is True
    with pytest.raises(IndexError, match="any: dim 2 is out of range"):
        ag.any(x, 2)


def test_count_nonzero():
    x = ag.tensor([[0, 1, 2], [0, 0, 3]])
    assert ag.count_nonzero(x).item() == 3 and ag.count_nonzero(x).dtype == ag.int64
    assert x.count_nonzero(dim=0).tolist() == [0, 1, 2]
    assert ag.count_nonzero(x, dim=(0, 1)).item() == 3


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, np.inf, -np.inf, 0, -1.0, "fro"])
@pytest.mark.parametrize("dim", [None, 1, (0, 1)])
def test_norm_matches_torch(torch, p, dim):
    x = np.array([[0.5, -2.0, 0.0], [1.5, 3.0, -0.25]])
    ours = ag.norm(t64(x), p, dim)
    theirs = torch.norm(torch.tensor(x), p, dim)
    assert_close(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, np.inf, "fro"])
def test_norm_grad_at_zero_is_zero_as_torch(torch, p):
    a = ag.zeros(3, dtype=F64, requires_grad=True)
    ag.norm(a, p).backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0]
    b = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.norm(b, p).backward()
    assert b.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_grad_at_a_zero_element_matches_torch(torch):
    x = [0.0, 1.0, -1.0]
    for p in (0.5, 3, 2, np.inf, 0):
        a = t64(x, grad=True)
        n = ag.norm(a, p)
        assert n.requires_grad
        n.backward()
        b = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        torch.norm(b, p).backward()
        expected = np.zeros(3) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(a.grad.data, expected, err_msg=f"p={p}")


def test_norm_dtypes_and_errors():
    assert ag.norm(ag.ones(2, 2)).dtype == ag.float32
    assert ag.ones(2).norm(dtype=F64).dtype == F64
    assert ag.norm(t64([3.0, 4.0]), keepdim=True, dim=0).tolist() == [5.0]
    with pytest.raises(TypeError, match="norm: expected a floating point tensor as input, "
                                        "got int64"):
        ag.norm(ag.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="norm: p='nuc'"):
        ag.norm(ag.ones(2, 2), "nuc")
    with pytest.raises(ValueError, match="norm: p must be a number, 'fro' or 'nuc', got 'x'"):
        ag.norm(ag.ones(2), "x")
    with pytest.raises(ValueError, match=r"norm: p='fro' takes at most 2 dims"):
        ag.norm(ag.ones(2, 2, 2), "fro", dim=(0, 1, 2))


def test_dist(torch):
    a, b = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([1.0, 0.0])
    for p in (2, 1, 0, np.inf, 3.5):
        assert_close(ag.dist(t64(a), t64(b), p), torch.dist(torch.tensor(a), torch.tensor(b), p))
    assert t64(a).dist(t64(a)).item() == 0.0


def test_var_mean_std_mean(torch):
    x = np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]])
    v, m = ag.var_mean(t64(x))
    tv, tm = torch.var_mean(torch.tensor(x))
    assert_close(v, tv) and assert_close(m, tm)
    out = ag.var_mean(t64(x), 1, keepdim=True, correction=0)
    assert isinstance(out, tuple) and out[0].shape == (2, 1)
    assert_close(out[0], torch.var_mean(torch.tensor(x), 1, keepdim=True, correction=0)[0])
    s, m = ag.std_mean(t64(x), dim=0, unbiased=False)
    ts, tm = torch.std_mean(torch.tensor(x), dim=0, unbiased=False)
    assert_close(s, ts) and assert_close(m, tm)
    # torch's (input, unbiased) overload
    assert_close(ag.var_mean(t64(x), False)[0], torch.var_mean(torch.tensor(x), False)[0])
    assert ag.var_mean(ag.tensor([1, 2, 3]))[1].dtype == ag.float32


def test_bincount(torch):
    x = ag.tensor([0, 1, 1, 3])
    assert ag.bincount(x).tolist() == [1, 2, 0, 1] and ag.bincount(x).dtype == ag.int64
    assert x.bincount(minlength=6).tolist() == [1, 2, 0, 1, 0, 0]
    w = ag.tensor([0.5, 1.0, 2.0, 3.0])
    out = ag.bincount(x, weights=w)
    assert out.tolist() == [0.5, 3.0, 0.0, 3.0] and out.dtype == ag.float32
    assert ag.bincount(x, ag.tensor([1, 2, 3, 4])).dtype == F64  # as torch
    assert ag.bincount(ag.tensor([], dtype=ag.int64)).tolist() == []
    with pytest.raises(ValueError, match="bincount: input must not be negative, got -1"):
        ag.bincount(ag.tensor([0, -1]))
    with pytest.raises(ValueError, match="bincount: input must be a 1-d tensor of integers, "
                                         "got a 1-d tensor of float32"):
        ag.bincount(ag.tensor([0.0]))
    with pytest.raises(ValueError, match=r"bincount: weights of shape \(2,\) do not match"):
        ag.bincount(x, weights=ag.ones(2))


def test_histc_matches_torch(torch):
    x = np.array([0.0, 0.1, 0.5, 0.99, 1.0, 2.0, -1.0, 0.3], dtype=np.float32)
    for kw in ({"bins": 4, "min": 0, "max": 1}, {"bins": 5}, {"bins": 3, "min": 0.2,
                                                               "max": 0.6}):
        ours = ag.histc(ag.tensor(x), **kw)
        theirs = torch.histc(torch.tensor(x), **kw)
        assert ours.tolist() == theirs.tolist() and ours.dtype == ag.float32
    assert ag.histc(ag.tensor([2.0, 2.0]), bins=2).tolist() == [0.0, 2.0]  # [1, 3]
    with pytest.raises(ValueError, match=r"histc: max \(0\) must be larger than min \(1\)"):
        ag.histc(ag.ones(2), min=1, max=0)


# --- products ---

def test_products_match_torch(torch):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    T = torch.tensor
    assert_close(ag.outer(t64(u), t64(v)), torch.outer(T(u), T(v)))
    assert_close(t64(u).ger(t64(v)), torch.outer(T(u), T(v)))
    assert_close(ag.mv(t64(a), t64(v)), torch.mv(T(a), T(v)))
    assert_close(ag.inner(t64(a), t64(b.T)), torch.inner(T(a), T(b.T)))
    assert_close(ag.inner(t64(2.0), t64(a)), torch.inner(T(2.0), T(a)))
    assert_close(ag.vdot(t64(v), t64(v)), torch.vdot(T(v), T(v)))
    c = rng.standard_normal((2, 3, 4))
    for dims in (0, 1, 2, ([1, 2], [0, 1]), ([-1], [0]), (2, 0)):
        other = rng.standard_normal((3, 4, 2)) if dims != (2, 0) else rng.standard_normal(4)
        if dims in (1, ([-1], [0])):
            other = b
        theirs = ([2], [0]) if dims == (2, 0) else dims  # (a pair of ints: ours only)
        assert_close(ag.tensordot(t64(c), t64(other), dims),
                     torch.tensordot(T(c), T(other), theirs), rtol=1e-12)
    k = rng.standard_normal((2, 1, 3))
    assert_close(ag.kron(t64(a), t64(k)), torch.kron(T(a), T(k)))
    assert_close(ag.kron(t64(2.0), t64(u)), torch.kron(T(2.0), T(u)))


def test_product_shape_errors():
    with pytest.raises(ValueError, match=r"outer: vec2 must be 1-d, got shape \(2, 2\)"):
        ag.outer(ag.ones(2), ag.ones(2, 2))
    with pytest.raises(ValueError, match=r"mv: input must be 2-d, got shape \(2,\)"):
        ag.mv(ag.ones(2), ag.ones(2))
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(2,\) are not aligned"):
        ag.mv(ag.ones(2, 3), ag.ones(2))
    with pytest.raises(ValueError, match=r"inner: the last dims of shapes \(2, 3\) and \(2,\)"):
        ag.inner(ag.ones(2, 3), ag.ones(2))
    with pytest.raises(ValueError, match=r"tensordot: dim 1 of a \(2, 3\) and dim 0 of b "
                                         r"\(2,\) differ \(3 != 2\)"):
        ag.tensordot(ag.ones(2, 3), ag.ones(2), 1)
    with pytest.raises(ValueError, match="tensordot: cannot contract 3 dims"):
        ag.tensordot(ag.ones(2, 3), ag.ones(2, 3), 3)
    with pytest.raises(TypeError, match="vdot: expected both vectors to have the same dtype"):
        ag.vdot(ag.ones(2), ag.ones(2, dtype=F64))
    with pytest.raises(ValueError, match=r"baddbmm: batch1 and batch2 shapes cannot be "
                                         r"multiplied \(\(2, 3, 4\) and \(2, 3, 4\)\)"):
        ag.baddbmm(ag.ones(1), ag.ones(2, 3, 4), ag.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"baddbmm: input of shape \(5,\) does not broadcast"):
        ag.baddbmm(ag.ones(5), ag.ones(2, 3, 4), ag.ones(2, 4, 1))
    with pytest.raises(ValueError, match=r"addmv: input of shape \(3,\) does not broadcast to "
                                         r"the product's shape \(2,\)"):
        ag.addmv(ag.ones(3), ag.ones(2, 4), ag.ones(4))
    with pytest.raises(ValueError, match=r"cdist: x1 \(2, 3\) and x2 \(2, 4\) must have the "
                                         "same number of columns"):
        ag.cdist(ag.ones(2, 3), ag.ones(2, 4))


def test_scaled_products_ignore_input_when_beta_is_zero(torch):
    rng = np.random.default_rng(1)
    b1, b2 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    nan = np.full((3, 5), np.nan)
    out = ag.baddbmm(t64(nan), t64(b1), t64(b2), beta=0, alpha=2)
    assert_close(out, torch.baddbmm(torch.tensor(nan), torch.tensor(b1), torch.tensor(b2),
                                    beta=0, alpha=2))
    out = ag.addbmm(t64(nan), t64(b1), t64(b2), beta=0)
    assert np.isfinite(out.data).all()
    assert_close(out, torch.addbmm(torch.tensor(nan), torch.tensor(b1), torch.tensor(b2),
                                   beta=0))
    m, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    out = t64([np.nan]).addmv(t64(m), t64(v), beta=0)
    assert np.isfinite(out.data).all() and out.shape == (3,)


def test_cdist_matches_torch_and_has_zero_grad_at_zero_distance(torch):
    rng = np.random.default_rng(2)
    x1, x2 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    for p in (2.0, 1.0, 3.0, np.inf, 0.0):
        assert_close(ag.cdist(t64(x1), t64(x2), p), torch.cdist(torch.tensor(x1),
                                                                torch.tensor(x2), p),
                     rtol=1e-10)
    a = t64([[1.0, 2.0]], grad=True)
    ag.cdist(a, t64([[1.0, 2.0]])).sum().backward()
    assert a.grad.tolist() == [[0.0, 0.0]]
    with pytest.raises(ValueError, match="cdist: p must be non-negative, got -1.0"):
        ag.cdist(ag.ones(2, 2), ag.ones(2, 2), -1)


# --- sampling ---

def test_multinomial_is_reproducible_and_shaped():
    probs = ag.tensor([[0.1, 0.0, 0.6, 0.3], [1.0, 1.0, 1.0, 1.0]])
    ag.manual_seed(7)
    a = ag.multinomial(probs, 3)
    ag.manual_seed(7)
    b = probs.multinomial(3)
    assert a.tolist() == b.tolist()
    assert a.shape == (2, 3) and a.dtype == ag.int64
    assert ag.multinomial(ag.tensor([0.2, 0.8]), 5, replacement=True).shape == (5,)


def test_multinomial_never_draws_zero_probabilities_and_without_replacement_is_distinct():
    probs = ag.tensor([0.0, 2.0, 0.0, 1.0, 1.0])
    draws = ag.multinomial(probs, 2000, replacement=True).data
    assert set(draws.tolist()) <= {1, 3, 4}
    freq = np.bincount(draws, minlength=5) / 2000
    np.testing.assert_allclose(freq[[1, 3, 4]], [0.5, 0.25, 0.25], atol=0.05)
    for _ in range(20):
        picks = ag.multinomial(probs, 3).tolist()
        assert sorted(picks) == [1, 3, 4]
    first = [ag.multinomial(probs, 1).item() for _ in range(2000)]
    np.testing.assert_allclose(np.bincount(first, minlength=5)[[1, 3, 4]] / 2000,
                               [0.5, 0.25, 0.25], atol=0.05)


def test_multinomial_with_a_numpy_generator():
    p = ag.tensor([0.5, 0.5])
    a = ag.multinomial(p, 4, True, generator=np.random.default_rng(3))
    b = ag.multinomial(p, 4, True, generator=np.random.default_rng(3))
    assert a.tolist() == b.tolist()
    with pytest.raises(TypeError, match="multinomial: generator must be None or a "
                                        "numpy.random.Generator, got int"):
        ag.multinomial(p, 1, generator=3)


@pytest.mark.parametrize("probs, n, replacement, message", [
    ([0.5, -0.1], 1, True, "probability tensor contains either inf, nan or element < 0"),
    ([0.5, np.nan], 1, True, "probability tensor contains either inf, nan or element < 0"),
    ([[0.5, 0.5], [0.0, 0.0]], 1, True,
     r"invalid distribution \(sum of probabilities <= 0\) in row 1"),
    ([0.5, 0.5], 3, False, "cannot sample 3 samples without replacement from 2 categories"),
    ([0.5, 0.5], 0, True, "num_samples must be a positive int, got 0"),
])
def test_multinomial_errors(probs, n, replacement, message):
    with pytest.raises(ValueError, match="multinomial: " + message):
        ag.multinomial(ag.tensor(probs), n, replacement)


def test_multinomial_input_checks():
    with pytest.raises(ValueError, match=r"multinomial: input must be 1-d or 2-d, got shape "
                                         r"\(1, 1, 2\)"):
        ag.multinomial(ag.ones(1, 1, 2), 1)
    with pytest.raises(TypeError, match="multinomial: input must be floating point"):
        ag.multinomial(ag.tensor([1, 1]), 1)


def test_bernoulli_is_reproducible_and_in_the_input_dtype():
    p = ag.full((1000,), 0.3, dtype=F64)
    ag.manual_seed(5)
    a = ag.bernoulli(p)
    ag.manual_seed(5)
    b = p.bernoulli()
    assert a.tolist() == b.tolist() and a.dtype == F64
    assert set(np.unique(a.data).tolist()) <= {0.0, 1.0}
    assert abs(a.data.mean() - 0.3) < 0.06
    assert ag.bernoulli(ag.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    assert ag.bernoulli(ag.zeros(3), 1.0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must be in \[0, 1\]"):
        ag.bernoulli(ag.tensor([1.5]))


def test_addmv_dtypes():
    out = ag.addmv(1.0, ag.ones(2, 3, dtype=F64), ag.ones(3, dtype=F64))
    assert out.tolist() == [4.0, 4.0] and out.dtype == F64
    with pytest.raises(TypeError, match="addmv: mat and vec must have the same dtype, got "
                                        "float32 and float64"):
        ag.addmv(ag.ones(2), ag.ones(2, 3), ag.ones(3, dtype=F64))


def test_multinomial_without_replacement_draws_zero_probabilities_last(torch):
    """torch 2.13: once the nonzero categories run out, the zero ones are drawn (after all
    the others); and no rows give no samples."""
    p = [[0.0, 0.0, 1.0, 0.0], [0.3, 0.0, 0.0, 0.7]]
    for _ in range(20):
        ours = ag.multinomial(ag.tensor(p), 4, False).tolist()
        assert ours[0][0] == 2 and sorted(ours[0]) == [0, 1, 2, 3]
        assert sorted(ours[1][:2]) == [0, 3] and sorted(ours[1]) == [0, 1, 2, 3]
    theirs = torch.multinomial(torch.tensor(p), 4, False).tolist()
    assert theirs[0][0] == 2 and sorted(theirs[1][:2]) == [0, 3]
    for replacement in (True, False):
        assert ag.multinomial(ag.ones(0, 4), 2, replacement).shape == \
            tuple(torch.multinomial(torch.ones(0, 4), 2, replacement).shape)
