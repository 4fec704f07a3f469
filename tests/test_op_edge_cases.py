"""Edge cases of single ops against torch: type promotion of comparisons, cat and clamp,
integer and bool powers, bitwise operators, dim=() reductions, empty tensors and indices,
and non-finite inputs of softmax-like ops and std."""

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag

INF, NAN = float("inf"), float("nan")
DTYPES = {"float32": ag.float32, "float64": ag.float64, "int64": ag.int64, "bool": ag.bool}


def _pair(torch, value, dtype=None, requires_grad=False):
    """The same data as (ours, torch's) tensors; dtype a name from DTYPES."""
    ours = ag.tensor(value, dtype=DTYPES[dtype] if dtype else None,
                     requires_grad=requires_grad)
    theirs = torch.tensor(value, dtype=getattr(torch, dtype) if dtype else None,
                          requires_grad=requires_grad)
    return ours, theirs


def _same(ours, theirs, exact=True):
    """Same dtype, shape and values (NaN equal to NaN)."""
    assert isinstance(ours, ag.Tensor), type(ours)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    want = theirs.detach().numpy()
    if exact or ours.dtype.kind != "f":
        np.testing.assert_array_equal(ours.data, want)
    else:
        np.testing.assert_allclose(ours.data, want, rtol=1e-6, atol=1e-7, equal_nan=True)


def _both(torch, fn, *args):
    """fn(lib, *args) for ours and torch, each from its own pair of args."""
    return fn(ag, *[a[0] if isinstance(a, tuple) else a for a in args]), \
        fn(torch, *[a[1] if isinstance(a, tuple) else a for a in args])


# --- comparisons: in the promoted dtype (a dimensioned tensor's, within its category) ---

_COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
_OPERATORS = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_REFLECTED = {"eq": "==", "ne": "!=", "lt": ">", "le": ">=", "gt": "<", "ge": "<="}


def _other(torch, kind):
    """The right operand of a comparison with a float32 tensor, as (ours, torch's)."""
    if kind == "float":
        return 0.1, 0.1
    if kind == "np.float64":
        return np.float64(0.1), np.float64(0.1)
    if kind == "0-d float64":
        return _pair(torch, 0.1, "float64")
    if kind == "1-d float64":
        return _pair(torch, [0.1, 0.1, 0.1], "float64")
    return _pair(torch, [0.1, 0.1, 0.1])  # 1-d float32


@pytest.mark.parametrize("name", _COMPARE)
@pytest.mark.parametrize("kind", ["float", "np.float64", "0-d float64", "1-d float64",
                                  "1-d float32"])
def test_float32_comparisons_promote_as_torch(torch, name, kind):
    x, tx = _pair(torch, [0.1, 0.2, 1 / 3])
    o, to = _other(torch, kind)
    _same(getattr(ag, name)(x, o), getattr(torch, name)(tx, to if kind != "np.float64"
                                                            else float(to)))
    op = _OPERATORS[name]
    _same(eval(f"x {op} o"), eval(f"tx {op} to"))


@pytest.mark.parametrize("name", _COMPARE)
def test_reflected_comparisons_with_a_python_float(torch, name):
    x, tx = _pair(torch, [0.1, 0.2, 1 / 3])
    op = _REFLECTED[name]
    _same(eval(f"0.1 {op} x"), eval(f"0.1 {op} tx"))
    assert (0.1 == x).tolist() == [True, False, False]


@pytest.mark.parametrize("left, right", [
    ([1, 2, 16777217], 16777216.0),  # an int tensor meets a float in the default float dtype
    ([1, 2, 3], 1.5),
    ([1, 2, 3], 2),
    ([True, False], 1),
    ([True, False], 1.0),
    ([True, False], True),
])
@pytest.mark.parametrize("name", _COMPARE)
def test_integer_and_bool_comparisons_promote_as_torch(torch, left, right, name):
    x, tx = _pair(torch, left)
    _same(getattr(ag, name)(x, right), getattr(torch, name)(tx, right))


_FLOATS = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@settings(max_examples=30)
@given(values=st.lists(_FLOATS, min_size=1, max_size=6), data=st.data())
def test_comparisons_with_drawn_python_floats_match_torch(torch, values, data):
    """A float32 tensor against one of its own values given as a float64 Python number, or a
    nearby one: float32 rounding decides, as in torch."""
    x, tx = _pair(torch, values)
    other = data.draw(st.sampled_from(values) | _FLOATS, label="other")
    for name in _COMPARE:
        _same(getattr(ag, name)(x, other), getattr(torch, name)(tx, other))


def test_comparisons_of_two_tensors_promote_as_torch(torch):
    cases = [((0.1, "float32"), (0.1, "float64")),        # both 0-d: float64
             (([0.1], "float64"), (0.1, "float32")),      # the dimensioned float64 wins
             (([0.1], "float32"), ([0.1], "float64")),    # both dimensioned: float64
             (([1.0], "float32"), ([1], "int64")),
             (([3], "int64"), (True, "bool"))]
    for (a, da), (b, db) in cases:
        (x, tx), (y, ty) = _pair(torch, a, da), _pair(torch, b, db)
        for name in _COMPARE:
            _same(getattr(ag, name)(x, y), getattr(torch, name)(tx, ty))


# --- dim=() reduces over every dim ---

@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [(), []])
def test_empty_dim_reduces_over_all_dims(torch, name, keepdim, dim):
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    x, tx = _pair(torch, a, "float64", requires_grad=True)
    y, ty = getattr(x, name)(dim=dim, keepdim=keepdim), getattr(tx, name)(dim=dim,
                                                                            keepdim=keepdim)
    _same(y, ty, exact=False)
    y.sum().backward()
    if name in ("var", "std"):  # torch's backward takes dim=() as no dims here (inf)
        ty = getattr(tx, name)(dim=None, keepdim=keepdim)
    ty.sum().backward()
    _same(x.grad, tx.grad, exact=False)


def test_logsumexp_empty_dim_reduces_over_all_dims(torch):
    a = np.random.default_rng(2).standard_normal((2, 3))
    x, tx = _pair(torch, a, "float64", requires_grad=True)
    y = ag.logsumexp(x, (), keepdim=True)
    ty = torch.logsumexp(tx, (), keepdim=True)  # (torch fails on keepdim=False here)
    _same(y, ty, exact=False)
    _same(ag.logsumexp(x, ()), torch.logsumexp(tx, (0, 1)), exact=False)
    y.sum().backward()
    ty.sum().backward()
    _same(x.grad, tx.grad, exact=False)


# --- cat and stack promote as torch; gradients return in each input's dtype ---

@pytest.mark.parametrize("fn", ["cat", "stack"])
@pytest.mark.parametrize("a, b", [
    (([1.5, 2.0], "float32"), ([2, 3], "int64")),
    (([1, 2], "int64"), ([True, False], "bool")),
    (([1.5, 2.0], "float32"), ([2.25, 3.0], "float64")),
    (([True, False], "bool"), ([False, True], "bool")),
    (([1.5, 2.0], "float32"), ([True, False], "bool")),
])
def test_cat_and_stack_promote_as_torch(torch, fn, a, b):
    (x, tx), (y, ty) = _pair(torch, *a), _pair(torch, *b)
    _same(getattr(ag, fn)([x, y]), getattr(torch, fn)([tx, ty]))
    _same(getattr(ag, fn)([y, x]), getattr(torch, fn)([ty, tx]))


@pytest.mark.parametrize("fn", ["cat", "stack"])
def test_cat_and_stack_of_mixed_floats_give_each_input_its_own_grad_dtype(torch, fn):
    (x, tx) = _pair(torch, [1.5, 2.0], "float32", requires_grad=True)
    (y, ty) = _pair(torch, [0.25, 3.0], "float64", requires_grad=True)
    (z, tz) = _pair(torch, [4, 5], "int64")
    out, tout = getattr(ag, fn)([x, z, y]), getattr(torch, fn)([tx, tz, ty])
    _same(out, tout)
    w = np.arange(out.data.size, dtype=np.float64).reshape(out.shape) + 1
    (out * ag.tensor(w, dtype=ag.float64)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _same(x.grad, tx.grad)
    _same(y.grad, ty.grad)


def test_stack_of_0d_tensors_promotes_as_torch(torch):
    (x, tx), (y, ty) = _pair(torch, 1.5, "float32"), _pair(torch, 2.0, "float64")
    _same(ag.stack([x, y]), torch.stack([tx, ty]))
    (x, tx), (y, ty) = _pair(torch, 1.5, "float32"), _pair(torch, 2, "int64")
    _same(ag.stack([x, y]), torch.stack([tx, ty]))


# --- clamp: an int tensor with a float bound gives the default float dtype ---

@pytest.mark.parametrize("data, dtype", [([-1, 0, 3], "int64"), ([True, False], "bool"),
                                         ([-1.0, 0.25, 3.0], "float32"),
                                         ([-1.0, 0.25, 3.0], "float64")])
@pytest.mark.parametrize("bounds", [{"min": 0.5}, {"max": 2.5}, {"min": 0, "max": 2.5},
                                    {"min": 0}, {"min": 0, "max": 1}, {"max": True},
                                    {"min": np.float64(0.2)}, {"min": np.int64(1)}])
def test_clamp_with_number_bounds_promotes_as_torch(torch, data, dtype, bounds):
    x, tx = _pair(torch, data, dtype)
    if dtype == "bool" and all(isinstance(b, bool) for b in bounds.values()):
        # torch has no clamp of bool by bool; ours stays bool, as min/max of truth values
        expected = np.minimum(np.array(data), bounds["max"])
        for out in (ag.clamp(x, **bounds), x.clamp(**bounds)):
            assert out.dtype == ag.bool
            np.testing.assert_array_equal(out.numpy(), expected)
        return
    _same(ag.clamp(x, **bounds), torch.clamp(tx, **bounds))
    _same(x.clamp(**bounds), tx.clamp(**bounds))


def test_clamp_of_an_int_tensor_with_a_float_bound_follows_the_default_dtype():
    ag.set_default_dtype(ag.float64)
    assert ag.tensor([1, 5]).clamp(min=0.5).dtype == ag.float64


# --- std: gradient 0 where the std is 0, as torch ---

@pytest.mark.parametrize("data, kw", [
    ([3.0, 3.0, 3.0], {}),
    ([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]], {"dim": 1}),
    ([[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]], {"dim": 1, "keepdim": True}),
    ([[3.0, 1.0], [3.0, 5.0]], {"dim": 0, "correction": 0}),
    ([[2.0], [2.0]], {"dim": (0, 1), "unbiased": False}),
    ([7.0], {"correction": 0}),
])
def test_std_gradient_at_zero_std_matches_torch(torch, data, kw):
    x, tx = _pair(torch, data, "float64", requires_grad=True)
    y, ty = ag.std(x, **kw), torch.std(tx, **kw)
    _same(y, ty, exact=False)
    w = np.linspace(0.5, 2.0, y.data.size).reshape(y.shape)
    (y * ag.tensor(w, dtype=ag.float64)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    _same(x.grad, tx.grad, exact=False)
    assert np.isfinite(x.grad.data).all()


def test_std_second_derivative_at_a_zero_std_row_matches_torch(torch):
    x, tx = _pair(torch, [[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]], "float64", requires_grad=True)
    g, = ag.grad(x.std(1).sum(), x, create_graph=True)
    tg, = torch.autograd.grad(tx.std(1).sum(), tx, create_graph=True)
    _same(g, tg, exact=False)
    gg, = ag.grad((g * g).sum(), x)
    tgg, = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(gg.data, tgg.numpy(), atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True},
                                {"dim": 0, "correction": 0}])
def test_std_is_still_twice_differentiable_at_nonconstant_inputs(kw):
    x = ag.tensor(np.random.default_rng(3).standard_normal((3, 4, 2)), dtype=ag.float64,
                  requires_grad=True)
    assert ag.gradcheck(lambda t: ag.std(t, **kw), (x,))
    assert ag.gradgradcheck(lambda t: ag.std(t, **kw), (x,))


def test_std_grad_fn_is_named_as_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert x.std().grad_fn.name == "StdBackward"


# --- softmax, log_softmax, logsumexp with NaN and infinite inputs ---

_NONFINITE_ROWS = [[INF, 1.0], [INF, INF], [NAN, 1.0], [-INF, -INF], [-INF, 1.0], [INF, -INF],
                   [NAN, INF], [NAN, -INF], [1.0, 2.0]]


@contextlib.contextmanager
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning from numpy fails the test
        yield


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("row", _NONFINITE_ROWS, ids=str)
def test_softmax_like_ops_with_nonfinite_inputs_match_torch(torch, dtype, name, row):
    x, tx = _pair(torch, row, dtype, requires_grad=True)
    with _no_warnings():
        y = getattr(ag, name)(x, 0)
    ty = getattr(torch, name)(tx, 0)
    _same(y, ty, exact=False)
    w = np.array([0.3, -0.7][:y.data.size]).reshape(y.shape)
    with _no_warnings():
        (y * ag.tensor(w, dtype=DTYPES[dtype])).sum().backward()
    (ty * torch.tensor(w, dtype=ty.dtype)).sum().backward()
    _same(x.grad, tx.grad, exact=False)


@pytest.mark.parametrize("dim", [0, 1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_like_ops_on_rows_of_mixed_finiteness_match_torch(torch, name, dim):
    """Finite rows next to rows with NaN or inf; the gradient of a first-order backward and
    the recorded one (create_graph)."""
    a = np.array(_NONFINITE_ROWS + [[-3.0, 40.0], [-200.0, 5.0]])
    x, tx = _pair(torch, a, "float64", requires_grad=True)
    ty = getattr(torch, name)(tx, dim)
    w = np.random.default_rng(dim).standard_normal(ty.shape)
    tg, = torch.autograd.grad(ty, tx, torch.tensor(w))
    with _no_warnings():
        y = getattr(ag, name)(x, dim)
        g, = ag.grad(y, x, ag.tensor(w, dtype=ag.float64), retain_graph=True)
        g2, = ag.grad(y, x, ag.tensor(w, dtype=ag.float64), create_graph=True)
    _same(y, ty, exact=False)
    _same(g, tg, exact=False)
    _same(g2, tg, exact=False)


def test_logsumexp_gradient_at_inf_matches_torch(torch):
    x, tx = _pair(torch, [INF, 1.0], requires_grad=True)
    ag.logsumexp(x, 0).backward()
    torch.logsumexp(tx, 0).backward()
    assert np.isnan(x.grad.data[0]) and x.grad.data[1] == 0.0
    _same(x.grad, tx.grad, exact=False)


@pytest.mark.parametrize("shape, dim", [((3, 0), 1), ((0, 3), 1), ((0,), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_softmax_like_ops_of_empty_tensors_match_torch_quietly(torch, name, shape, dim):
    with _no_warnings():
        y = getattr(ag, name)(ag.zeros(*shape), dim)
    _same(y, getattr(torch, name)(torch.zeros(*shape), dim))


# --- argmax / argmin of an empty tensor along a non-empty dim ---

@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("shape, dim, keepdim", [((2, 0), 0, False), ((2, 0), 0, True),
                                                 ((2, 0, 3), 2, False), ((0, 4), -1, True)])
def test_argmax_of_an_empty_tensor_along_a_nonempty_dim(torch, name, shape, dim, keepdim):
    got = getattr(ag.zeros(*shape), name)(dim, keepdim=keepdim)
    _same(got, getattr(torch.zeros(*shape), name)(dim, keepdim=keepdim))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_over_an_empty_dim_still_raises(torch, name):
    for shape, dim in [((2, 0), 1), ((0,), 0), ((2, 0), None)]:
        with pytest.raises(IndexError):
            getattr(torch.zeros(*shape), name)(dim)
        with pytest.raises(ag.ShapeError, match=rf"{name}: cannot reduce"):
            getattr(ag.zeros(*shape), name)(dim)


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_of_an_empty_tensor_matches_torch(torch, name):
    _same(getattr(ag.zeros(2, 0), name)(0), getattr(torch.zeros(2, 0), name)(0))
    _same(getattr(ag.zeros(2, 0), name)(0, keepdim=True),
          getattr(torch.zeros(2, 0), name)(0, keepdim=True))
    with pytest.raises(IndexError):
        getattr(torch.zeros(2, 0), name)(1)
    with pytest.raises(ag.ShapeError, match=rf"{name}: cannot reduce over dim 1 of size 0 "
                                            r"\(tensor of shape \(2, 0\)\)"):
        getattr(ag.zeros(2, 0), name)(1)


# --- integer and bool powers ---

def test_int_tensor_to_negative_int_tensor_powers_match_torch(torch):
    base = np.repeat(np.arange(-3, 4), 7)
    exponent = np.tile(np.arange(-3, 4), 7)
    (x, tx), (e, te) = _pair(torch, base.tolist()), _pair(torch, exponent.tolist())
    _same(x ** e, tx ** te)
    _same(ag.pow(x, e), torch.pow(tx, te))
    _same(x ** ag.tensor(-1), tx ** torch.tensor(-1))  # a 0-d tensor exponent is computed too
    for b in (2, -2, 1, -1, 0, np.int64(2)):
        _same(b ** e, b ** te)


@pytest.mark.parametrize("exponent", [-1, np.int64(-2)])
def test_int_tensor_to_a_negative_int_scalar_raises_as_torch(torch, exponent):
    x, tx = _pair(torch, [2, 3])
    with pytest.raises(RuntimeError, match="negative integer powers"):
        tx ** exponent
    with pytest.raises(ValueError, match="pow: integers to negative integer powers are not "
                                         "allowed"):
        x ** exponent
    with pytest.raises(ValueError, match="pow: integers to negative integer powers"):
        ag.pow(ag.tensor([True]), exponent)


@pytest.mark.parametrize("expr", ["b ** True", "b ** False", "b ** 2", "b ** 2.0", "2 ** b",
                                  "b ** L.tensor([-1, 2])", "b ** 0", "b ** L.tensor([2, 3])"])
def test_bool_powers_match_torch(torch, expr):
    ours = eval(expr, {"b": ag.tensor([True, False]), "L": ag})
    _same(ours, eval(expr, {"b": torch.tensor([True, False]), "L": torch}))


@pytest.mark.parametrize("expr", ["b ** b", "True ** b", "b ** L.tensor(True)",
                                  "L.pow(b, b)"])
def test_bool_to_bool_tensor_powers_raise(torch, expr):
    with pytest.raises(NotImplementedError):
        eval(expr, {"b": torch.tensor([True, False]), "L": torch})
    with pytest.raises(TypeError, match="pow: not supported between bool tensors"):
        eval(expr, {"b": ag.tensor([True, False]), "L": ag})


# --- bitwise operators: integers bitwise, bool logical, floats refused ---

_BITWISE = {"&": "bitwise_and", "|": "bitwise_or", "^": "bitwise_xor"}


@pytest.mark.parametrize("op", list(_BITWISE))
@pytest.mark.parametrize("a, b", [
    (([12, 10, -3], "int64"), ([10, 6, 5], "int64")),
    (([True, False, True], "bool"), ([True, True, False], "bool")),
    (([3, 2, -1], "int64"), ([True, False, True], "bool")),
    (([5, 2, 7], "int64"), (3, "int64")),
])
def test_bitwise_operators_match_torch(torch, op, a, b):
    (x, tx), (y, ty) = _pair(torch, *a), _pair(torch, *b)
    _same(eval(f"x {op} y"), eval(f"tx {op} ty"))
    _same(eval(f"y {op} x"), eval(f"ty {op} tx"))
    name = _BITWISE[op]
    _same(getattr(ag, name)(x, y), getattr(torch, name)(tx, ty))
    _same(getattr(x, name)(y), getattr(tx, name)(ty))


@pytest.mark.parametrize("op", list(_BITWISE))
@pytest.mark.parametrize("scalar", [1, 6, True, False])
def test_bitwise_operators_with_python_scalars_match_torch(torch, op, scalar):
    for data in ([12, 10, -3], [True, False, True]):
        x, tx = _pair(torch, data)
        _same(eval(f"x {op} scalar"), eval(f"tx {op} scalar"))
        _same(eval(f"scalar {op} x"), eval(f"scalar {op} tx"))


def test_invert_matches_torch(torch):
    for data in ([1, 0, -5, 2**40], [True, False]):
        x, tx = _pair(torch, data)
        _same(~x, ~tx)
        _same(ag.bitwise_not(x), torch.bitwise_not(tx))
        _same(x.bitwise_not(), tx.bitwise_not())


@pytest.mark.parametrize("expr", ["~f", "f & f", "i & f", "b | f", "i ^ 1.5", "1.5 & i",
                                  "L.bitwise_and(f, i)", "L.bitwise_not(f)"])
def test_bitwise_operators_refuse_floats(torch, expr):
    env = {"f": ag.tensor([1.0]), "i": ag.tensor([3]), "b": ag.tensor([True]), "L": ag}
    tenv = {"f": torch.tensor([1.0]), "i": torch.tensor([3]), "b": torch.tensor([True]),
            "L": torch}
    with pytest.raises((TypeError, NotImplementedError)):
        eval(expr, tenv)
    with pytest.raises(TypeError, match="only integer and bool operands are supported"):
        eval(expr, env)


def test_bitwise_results_are_outside_the_graph():
    x = ag.tensor([1.0], requires_grad=True)
    m = ag.tensor([3]) & ag.tensor([1])
    assert m.grad_fn is None and not m.requires_grad and x.grad is None


# --- empty list indices and chunks of empty tensors ---

@pytest.mark.parametrize("shape, index", [
    ((2,), ([],)), ((2, 3), ([],)), ((2, 3), ([], [])), ((2, 3), (slice(None), [])),
    ((2, 3), ([], 0)), ((2, 3, 4), (0, [], slice(None))),
])
def test_empty_list_indices_match_torch(torch, shape, index):
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x, tx = _pair(torch, a, "float64", requires_grad=True)
    idx = index[0] if len(index) == 1 else index
    y, ty = x[idx], tx[idx]
    _same(y, ty)
    (y.sum() + x.sum()).backward()
    (ty.sum() + tx.sum()).backward()
    _same(x.grad, tx.grad)


def test_setitem_with_an_empty_list_changes_nothing(torch):
    x, tx = _pair(torch, [[1.0, 2.0], [3.0, 4.0]])
    x[[]] = 7.0
    tx[[]] = 7.0
    _same(x, tx)


def test_a_too_long_empty_list_index_still_raises(torch):
    with pytest.raises(IndexError):
        torch.ones(2)[[], []]
    with pytest.raises(IndexError):
        ag.ones(2)[[], []]


@pytest.mark.parametrize("shape, chunks, dim", [((0, 3), 2, 0), ((0, 3), 5, 0),
                                                ((3, 0), 2, 1), ((0,), 1, 0), ((5, 3), 4, 0),
                                                ((6,), 4, 0), ((1, 2), 3, 0)])
def test_chunk_counts_match_torch(torch, shape, chunks, dim):
    ours = ag.zeros(*shape).chunk(chunks, dim)
    theirs = torch.zeros(*shape).chunk(chunks, dim)
    assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]
    assert len(ag.chunk(ag.zeros(*shape), chunks, dim)) == len(theirs)


# --- a Python -0.0 keeps its sign ---

def test_negative_zero_scalars_keep_their_sign(torch):
    x, tx = _pair(torch, [1.0, -2.0])
    _same(x * 0.0, tx * 0.0)
    _same(x * -0.0, tx * -0.0)
    _same(x / -0.0, tx / -0.0)
    _same(x + -0.0, tx + -0.0)
    assert np.signbit((ag.zeros(1) * -0.0).data).all()
