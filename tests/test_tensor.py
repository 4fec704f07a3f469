"""Tensor: construction and dtype rules, attributes, operators, indexing, ops as methods
and as ag.NAME, factories and the random generator. torch is the oracle where it helps."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import elementwise
from tests.strategies import broadcastable_shapes

RNG = np.random.default_rng(0)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _leaf(a, dtype=ag.float64):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=True)


def _tleaf(torch, a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _c(a):
    """A float64 constant (ag.tensor would round a float64 array to float32)."""
    return ag.tensor(np.asarray(a), dtype=ag.float64)


def _close(ours, theirs, rtol=1e-6, atol=1e-8):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    ours = ours.data if isinstance(ours, ag.Tensor) else np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


# --- construction and dtype rules ---

def test_python_float_becomes_float32():
    assert ag.tensor(1.5).dtype == ag.float32
    assert ag.tensor([1.0, 2.0]).dtype == ag.float32
    assert ag.Tensor([[1.0], [2.0]]).dtype == ag.float32


def test_float64_numpy_array_becomes_default_float32():
    t = ag.tensor(np.array([1.0, 2.0], dtype=np.float64))
    assert t.dtype == ag.float32
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


def test_python_int_becomes_int64():
    assert ag.tensor(3).dtype == ag.int64
    assert ag.tensor([1, 2, 3]).dtype == ag.int64
    assert ag.tensor(np.array([1, 2], dtype=np.int32)).dtype == ag.int64


def test_python_bool_becomes_bool():
    assert ag.tensor(True).dtype == ag.bool
    assert ag.tensor([True, False]).dtype == ag.bool


def test_mixed_int_and_float_list_becomes_float32():
    assert ag.tensor([1, 2.5]).dtype == ag.float32


def test_explicit_dtype_wins():
    assert ag.tensor([1, 2], dtype=ag.float64).dtype == ag.float64
    assert ag.tensor([1.0, 2.0], dtype=ag.float64).dtype == ag.float64
    assert ag.tensor([1.7, 2.2], dtype=ag.int64).tolist() == [1, 2]
    assert ag.Tensor([1.0], dtype=ag.float32).dtype == ag.float32


def test_construction_copies_its_data():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = ag.tensor(a)
    a[0] = 100.0
    assert t.data[0] == 1.0
    u = ag.tensor(t)
    t.data[1] = 50.0
    assert u.data[1] == 2.0


def test_tensor_constructor_positional_arguments():
    t = ag.Tensor([1.0, 2.0], True, ag.float64)
    assert t.requires_grad and t.dtype == ag.float64
    assert isinstance(ag.tensor([1.0]), ag.Tensor)


def test_tensor_from_tensor_keeps_values():
    t = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    u = ag.Tensor(t)
    assert u.shape == (2, 2)
    np.testing.assert_array_equal(u.data, t.data)


@pytest.mark.parametrize("data", [[1, 2], [True, False], 3])
def test_requires_grad_on_non_floating_tensor_raises(data):
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ag.tensor(data, requires_grad=True)


def test_requires_grad_setter_on_int_tensor_raises():
    t = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        t.requires_grad = True
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        t.requires_grad_()
    assert t.requires_grad is False


def test_set_default_dtype_changes_new_float_tensors():
    assert ag.get_default_dtype() == ag.float32
    try:
        ag.set_default_dtype(ag.float64)
        assert ag.get_default_dtype() == ag.float64
        assert ag.tensor(1.5).dtype == ag.float64
        assert ag.tensor([1.0, 2.0]).dtype == ag.float64
        assert ag.zeros(2).dtype == ag.float64
        assert ag.randn(2).dtype == ag.float64
        assert ag.tensor([1, 2]).dtype == ag.int64
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.tensor(1.5).dtype == ag.float32


def test_set_default_dtype_rejects_integer_dtype():
    try:
        with pytest.raises(TypeError, match="floating"):
            ag.set_default_dtype(ag.int64)
    finally:
        ag.set_default_dtype(ag.float32)
    assert ag.get_default_dtype() == ag.float32


# --- attributes ---

def test_data_is_an_ndarray_and_numpy_returns_it():
    t = ag.tensor([1.0, 2.0])
    assert type(t.data) is np.ndarray
    assert t.numpy() is t.data


def test_new_tensor_has_no_grad_and_is_a_leaf():
    t = ag.tensor([1.0, 2.0])
    assert t.grad is None
    assert t.requires_grad is False
    assert t.is_leaf
    assert t.grad_fn is None


def test_requires_grad_is_settable_on_leaves():
    t = ag.tensor([1.0, 2.0])
    t.requires_grad = True
    assert t.requires_grad and t.is_leaf
    t.requires_grad = False
    assert not t.requires_grad
    assert t.requires_grad_() is t
    assert t.requires_grad


def test_setting_requires_grad_false_on_non_leaf_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        y.requires_grad = False
    assert y.requires_grad


def test_non_leaf_has_grad_fn_with_name_and_next_functions():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not y.is_leaf
    assert y.requires_grad
    assert y.grad_fn.name == "MulBackward"
    (f0, i0), (f1, i1) = y.grad_fn.next_functions
    assert f0.name == "AccumulateGrad"
    assert f0.variable is x
    assert f1 is None  # the constant 2 needs no gradient
    z = y.exp()
    assert z.grad_fn.name == "ExpBackward"
    assert z.grad_fn.next_functions[0][0] is y.grad_fn


@pytest.mark.parametrize("make, name", [
    (lambda x: x + x, "AddBackward"),
    (lambda x: x - 1, "SubBackward"),
    (lambda x: x / 2, "DivBackward"),
    (lambda x: x.sum(), "SumBackward"),
    (lambda x: x.sqrt(), "SqrtBackward"),
    (lambda x: x.reshape(2, 1), "ReshapeBackward"),
])
def test_grad_fn_name_is_op_name_plus_backward(make, name):
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert make(x).grad_fn.name == name


def test_ops_on_tensors_without_grad_record_nothing():
    x = ag.tensor([1.0, 2.0])
    y = (x * 2).exp().sum()
    assert y.grad_fn is None
    assert not y.requires_grad
    assert y.is_leaf


def test_shape_ndim_dtype_size_numel_len():
    t = ag.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert t.ndim == 3
    assert t.dtype == ag.float32
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3
    assert t.size(-1) == 4
    assert t.numel() == 24
    assert ag.numel(t) == 24
    assert len(t) == 2


def test_size_with_bad_dim_raises_index_error():
    with pytest.raises(IndexError, match="dim 3 is out of range for a 3-d tensor"):
        ag.zeros(2, 3, 4).size(3)


def test_len_of_0d_tensor_raises_type_error():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ag.tensor(1.0))


def test_T_reverses_dims_and_passes_gradient():
    a = RNG.standard_normal((2, 3))
    x = _leaf(a)
    assert x.T.shape == (3, 2)
    np.testing.assert_array_equal(x.T.data, a.T)
    w = RNG.standard_normal((3, 2))
    (x.T * _c(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, w.T)


def test_item_tolist():
    assert ag.tensor(2.5).item() == 2.5
    assert isinstance(ag.tensor(2.5).item(), float)
    assert isinstance(ag.tensor(3).item(), int)
    assert ag.tensor([[7]]).item() == 7
    assert ag.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert ag.tensor([1.5, 2.5]).tolist() == [1.5, 2.5]


def test_item_on_many_elements_raises():
    with pytest.raises(RuntimeError,
                       match="a Tensor with 3 elements cannot be converted to Scalar"):
        ag.ones(3).item()


# --- repr ---

def test_repr_of_leaf_requiring_grad_matches_pytorch():
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"


def test_repr_of_non_leaf_shows_grad_fn():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"


def test_repr_of_plain_tensors_matches_pytorch(torch):
    cases = [
        (ag.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])),
        (ag.tensor(3.0), torch.tensor(3.0)),
        (ag.tensor([1, 2, 3]), torch.tensor([1, 2, 3])),
        (ag.tensor([True, False]), torch.tensor([True, False])),
        (ag.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])),
    ]
    for ours, theirs in cases:
        assert repr(ours) == repr(theirs)


def test_repr_names_a_non_default_dtype():
    assert repr(ag.tensor([1.0, 2.0], dtype=ag.float64)) == "tensor([1., 2.], dtype=float64)"


# --- operators ---

@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "pow", "matmul"])
def test_binary_operators_match_torch_values_and_grads(torch, op):
    import operator
    f = getattr(operator, op)
    if op == "matmul":
        a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    else:
        a, b = RNG.uniform(0.5, 2.0, (3, 4)), RNG.uniform(0.5, 2.0, (3, 4))
    x, y = _leaf(a), _leaf(b)
    tx, ty = _tleaf(torch, a), _tleaf(torch, b)
    out, tout = f(x, y), f(tx, ty)
    _close(out, tout)
    w = RNG.standard_normal(out.shape)
    (out * _c(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _close(x.grad, tx.grad)
    _close(y.grad, ty.grad)


@pytest.mark.parametrize("expr", [
    lambda t: 2 - t, lambda t: 2 + t, lambda t: 3 * t, lambda t: 2 / t,
    lambda t: 2 ** t, lambda t: t - 2, lambda t: t ** 2, lambda t: t / 4,
    lambda t: -t, lambda t: abs(t), lambda t: t.abs(), lambda t: +t,
])
def test_python_number_operands_and_unary_ops_match_torch(torch, expr):
    a = np.array([-1.5, 0.5, 2.0])
    x, tx = _leaf(a), _tleaf(torch, a)
    out, tout = expr(x), expr(tx)
    assert isinstance(out, ag.Tensor)
    _close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    _close(x.grad, tx.grad)


@pytest.mark.parametrize("expr", [
    lambda arr, t: arr * t, lambda arr, t: arr + t, lambda arr, t: arr - t,
    lambda arr, t: arr / t, lambda arr, t: arr ** t,
])
def test_numpy_array_on_the_left_gives_a_tensor_in_our_graph(torch, expr):
    arr = np.array([1.0, 2.0, 3.0])
    a = np.array([0.5, 1.5, 2.5])
    x, tx = _leaf(a), _tleaf(torch, a)
    out = expr(arr, x)
    assert isinstance(out, ag.Tensor)
    assert out.grad_fn is not None
    tout = expr(torch.tensor(arr), tx)
    _close(out, tout)
    out.sum().backward()
    tout.sum().backward()
    _close(x.grad, tx.grad)


def test_numpy_ones_times_tensor_gradient_flows():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = np.ones(3) * x
    assert isinstance(y, ag.Tensor)
    (y * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0, 2.0])


def test_numpy_matrix_matmul_tensor_gives_a_tensor_in_our_graph():
    x = ag.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    y = np.ones((2, 3)) @ x
    assert isinstance(y, ag.Tensor) and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[2.0], [2.0], [2.0]])


@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)),
                                    ((4, 2, 3), (3,)), ((3,), (4, 3, 2)),
                                    ((2, 1, 3, 4), (5, 4, 2))], ids=str)
def test_matmul_of_any_ranks_matches_torch(torch, sa, sb):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    _grads_vs_torch(torch, [a, b], lambda x, y: x @ y, lambda x, y: x @ y)
    _grads_vs_torch(torch, [a, b], ag.matmul, torch.matmul)


def test_dot_of_vectors_backward_matches_torch(torch):
    a, b = RNG.standard_normal(4), RNG.standard_normal(4)
    _grads_vs_torch(torch, [a, b], ag.dot, torch.dot)


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge", "eq", "ne"])
def test_comparisons_return_bool_tensors_without_grad(torch, op):
    import operator
    f = getattr(operator, op)
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    x = ag.tensor(a, requires_grad=True)
    out = f(x, ag.tensor(b))
    assert isinstance(out, ag.Tensor)
    assert out.dtype == ag.bool
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.data, f(torch.tensor(a), torch.tensor(b)).numpy())
    scalar = f(x, 2.0)
    np.testing.assert_array_equal(scalar.data, f(a, 2.0))


def test_array_protocol():
    t = ag.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert type(a) is np.ndarray and a.dtype == np.float32
    np.testing.assert_array_equal(a, [1.0, 2.0])
    b = np.asarray(t, dtype=np.float64)
    assert b.dtype == np.float64
    c = np.array(t, copy=True)
    c[0] = 9.0
    assert t.data[0] == 1.0
    assert np.asarray(t) is t.data  # no copy unless asked for
    assert t.__array__(dtype=None, copy=None) is t.data
    copied = t.__array__(copy=True)
    assert copied is not t.data and np.array_equal(copied, t.data)
    assert np.sum(np.asarray(ag.tensor([[1, 2], [3, 4]]))) == 10


# --- indexing ---

@pytest.mark.parametrize("index", [
    1, -1, slice(1, 3), (slice(None), 2), (None, 0), (Ellipsis, 1), (0, Ellipsis, None),
    (slice(None, None, 2), -2), [0, 2], [0, 0, 1], (slice(None), [3, 1, 3]),
    np.array([[0, 1], [2, 2]]), (np.array([0, 2]), np.array([1, 3])),
    (slice(1, None), None, slice(None, 2)),
], ids=repr)
def test_indexing_matches_torch_values_and_grads(torch, index):
    a = RNG.standard_normal((3, 4))
    x, tx = _leaf(a), _tleaf(torch, a)
    tindex = index
    if isinstance(index, np.ndarray):
        tindex = torch.tensor(index)
    elif isinstance(index, tuple):
        tindex = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    out, tout = x[index], tx[tindex]
    _close(out, tout)
    w = RNG.standard_normal(tout.shape)
    (out * _c(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    _close(x.grad, tx.grad)


def test_boolean_mask_index_selects_and_scatters_grad(torch):
    a = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
    x, tx = _leaf(a), _tleaf(torch, a)
    mask = x > 0
    out = x[mask]
    tout = tx[tx > 0]
    _close(out, tout)
    (out * 3).sum().backward()
    (tout * 3).sum().backward()
    _close(x.grad, tx.grad)
    np.testing.assert_array_equal(x.grad.data, [[3, 0, 3], [0, 3, 0]])


def test_numpy_bool_mask_index():
    x = _leaf([1.0, 2.0, 3.0])
    out = x[np.array([True, False, True])]
    np.testing.assert_array_equal(out.data, [1.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])


def test_integer_tensor_index():
    x = _leaf([10.0, 20.0, 30.0])
    out = x[ag.tensor([2, 0])]
    np.testing.assert_array_equal(out.data, [30.0, 10.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])


def test_repeated_integer_indices_accumulate_grad():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 1.0, 0.0])


def test_repeated_tensor_indices_accumulate_grad_2d(torch):
    a = RNG.standard_normal((3, 2))
    x, tx = _leaf(a), _tleaf(torch, a)
    idx = [2, 2, 2, 0]
    x[ag.tensor(idx)].sum().backward()
    tx[torch.tensor(idx)].sum().backward()
    _close(x.grad, tx.grad)
    np.testing.assert_array_equal(x.grad.data[2], [3.0, 3.0])


def test_out_of_range_index_raises_index_error_naming_dim_and_size():
    x = ag.ones(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dim 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dim 1 with size 4"):
        x[:, 7]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dim 0 with size 3"):
        x[-4]


def test_out_of_range_integer_array_index_raises_index_error():
    with pytest.raises(IndexError, match="size 3"):
        ag.ones(3)[[0, 3]]


# --- ops as methods and as ag.NAME ---

def _inputs(shape, low, high):
    return RNG.uniform(low, high, shape) if low is not None else RNG.standard_normal(shape)


# (name, input shape, args, kwargs, (low, high) of the inputs or None for normal)
OPS = [
    ("exp", (2, 3), (), {}, None), ("log", (2, 3), (), {}, (0.5, 3.0)),
    ("sqrt", (2, 3), (), {}, (0.5, 3.0)), ("abs", (2, 3), (), {}, None),
    ("sin", (2, 3), (), {}, None), ("cos", (2, 3), (), {}, None),
    ("tanh", (2, 3), (), {}, None), ("sigmoid", (2, 3), (), {}, None),
    ("relu", (2, 3), (), {}, None),
    ("clamp", (2, 3), (), {"min": -0.3, "max": 0.4}, None),
    ("clamp", (2, 3), (), {"min": 0.0}, None), ("clamp", (2, 3), (), {"max": 0.1}, None),
    ("sum", (2, 3, 4), (), {}, None), ("sum", (2, 3, 4), (), {"dim": 1}, None),
    ("sum", (2, 3, 4), (), {"dim": (0, -1), "keepdim": True}, None),
    ("mean", (2, 3, 4), (), {}, None), ("mean", (2, 3, 4), (), {"dim": -1}, None),
    ("mean", (2, 3, 4), (), {"dim": (0, 2), "keepdim": True}, None),
    ("max", (2, 3, 4), (), {}, None), ("min", (2, 3, 4), (), {}, None),
    ("var", (2, 3, 4), (), {}, None), ("var", (2, 3, 4), (), {"dim": 1}, None),
    ("var", (2, 3, 4), (), {"dim": 1, "unbiased": False, "keepdim": True}, None),
    ("std", (2, 3, 4), (), {}, None), ("std", (2, 3, 4), (), {"dim": (0, 2)}, None),
    ("std", (2, 3, 4), (), {"dim": 0, "unbiased": False}, None),
    ("logsumexp", (2, 3, 4), (), {"dim": 1}, None),
    ("logsumexp", (2, 3, 4), (), {"dim": (0, 2), "keepdim": True}, None),
    ("prod", (2, 3, 4), (), {}, (0.5, 1.5)), ("prod", (2, 3, 4), (), {"dim": 1}, (0.5, 1.5)),
    ("prod", (2, 3, 4), (), {"dim": -1, "keepdim": True}, (0.5, 1.5)),
    ("softmax", (2, 3, 4), (), {"dim": 1}, None),
    ("softmax", (2, 3, 4), (), {"dim": -1}, None),
    ("log_softmax", (2, 3, 4), (), {"dim": 0}, None),
    ("log_softmax", (2, 3, 4), (), {"dim": -1}, None),
    ("reshape", (2, 3, 4), ((4, 6),), {}, None), ("reshape", (2, 3, 4), (6, -1), {}, None),
    ("view", (2, 3, 4), (-1,), {}, None), ("view", (2, 3, 4), (4, 3, 2), {}, None),
    ("flatten", (2, 3, 4), (), {}, None), ("flatten", (2, 3, 4), (), {"start_dim": 1}, None),
    ("flatten", (2, 3, 4), (), {"start_dim": 0, "end_dim": 1}, None),
    ("transpose", (2, 3, 4), (0, 2), {}, None), ("transpose", (2, 3, 4), (-1, -2), {}, None),
    ("permute", (2, 3, 4), (2, 0, 1), {}, None),
    ("squeeze", (2, 1, 4, 1), (), {}, None), ("squeeze", (2, 1, 4, 1), (1,), {}, None),
    ("squeeze", (2, 1, 4, 1), (-1,), {}, None),
    ("unsqueeze", (2, 3), (0,), {}, None), ("unsqueeze", (2, 3), (-1,), {}, None),
    ("expand", (3, 1), (2, 3, 4), {}, None), ("expand", (3, 1), (-1, 5), {}, None),
    ("broadcast_to", (3, 1), ((2, 3, 4),), {}, None),
    ("matmul", (2, 3, 4), (), {}, None),
]


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("name, shape, args, kwargs, dom", OPS,
                         ids=[f"{o[0]}-{o[2]}-{o[3]}" for o in OPS])
def test_op_as_method_and_function_matches_torch(torch, name, shape, args, kwargs, dom):
    a = _inputs(shape, *(dom or (None, None)))
    extra = ()
    if name == "matmul":
        b = RNG.standard_normal((4, 5))
        extra = (b,)
    results = []
    for how in ("method", "function"):
        x = _leaf(a)
        others = tuple(_leaf(e) for e in extra)
        if how == "method":
            out = getattr(x, name)(*others, *args, **kwargs)
        else:
            out = getattr(ag, name)(x, *others, *args, **kwargs)
        w = RNG.standard_normal(out.shape) if not results else results[0][1]
        (out * _c(w)).sum().backward()
        results.append((out, w, x.grad, [o.grad for o in others]))
    tx = _tleaf(torch, a)
    tothers = tuple(_tleaf(torch, e) for e in extra)
    tout = getattr(tx, name)(*tothers, *args, **kwargs)
    w = results[0][1]
    (tout * torch.tensor(w)).sum().backward()
    for out, _, gx, gothers in results:
        assert isinstance(out, ag.Tensor)
        assert out.dtype == ag.float64
        _close(out, tout)
        _close(gx, tx.grad)
        for g, t in zip(gothers, tothers):
            _close(g, t.grad)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False)])
def test_max_min_with_dim_return_values_and_indices(torch, name, dim, keepdim):
    a = RNG.standard_normal((3, 4))
    x, tx = _leaf(a), _tleaf(torch, a)
    res = getattr(x, name)(dim, keepdim=keepdim)
    fres = getattr(ag, name)(x, dim=dim, keepdim=keepdim)
    values, indices = res
    assert res.values is values and res.indices is indices
    tv, ti = getattr(torch, name)(tx, dim, keepdim=keepdim)
    _close(values, tv)
    _close(fres.values, tv)
    assert indices.dtype == ag.int64
    np.testing.assert_array_equal(indices.data, ti.numpy())
    np.testing.assert_array_equal(fres.indices.data, ti.numpy())
    w = RNG.standard_normal(tv.shape)
    (values * _c(w)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    _close(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}])
def test_argmax_argmin_match_torch(torch, name, kwargs):
    a = RNG.standard_normal((3, 4))
    want = getattr(torch, name)(torch.tensor(a), **kwargs).numpy()
    for got in (getattr(ag.tensor(a), name)(**kwargs), getattr(ag, name)(ag.tensor(a), **kwargs)):
        assert got.dtype == ag.int64
        np.testing.assert_array_equal(got.data, want)
        assert got.grad_fn is None


def _grads_vs_torch(torch, arrays, ours, theirs):
    xs = [_leaf(a) for a in arrays]
    txs = [_tleaf(torch, a) for a in arrays]
    out = _flat(ours(*xs))
    tout = _flat(theirs(*txs))
    assert len(out) == len(tout)
    total, ttotal = 0, 0
    for o, t in zip(out, tout):
        _close(o, t)
        w = RNG.standard_normal(t.shape)
        total = total + (o * _c(w)).sum()
        ttotal = ttotal + (t * torch.tensor(w)).sum()
    total.backward()
    ttotal.backward()
    for x, tx in zip(xs, txs):
        _close(x.grad, tx.grad)


def test_cat_matches_torch(torch):
    arrays = [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1)), RNG.standard_normal((2, 2))]
    _grads_vs_torch(torch, arrays, lambda *xs: ag.cat(xs, dim=1),
                    lambda *xs: torch.cat(xs, dim=1))
    _grads_vs_torch(torch, arrays[:1] * 2, lambda *xs: ag.cat(list(xs)),
                    lambda *xs: torch.cat(xs))


def test_stack_matches_torch(torch):
    arrays = [RNG.standard_normal((2, 3)) for _ in range(3)]
    for dim in (0, 1, -1):
        _grads_vs_torch(torch, arrays, lambda *xs, d=dim: ag.stack(xs, dim=d),
                        lambda *xs, d=dim: torch.stack(xs, dim=d))


@pytest.mark.parametrize("arg, dim", [(2, 0), (2, 1), ([1, 3], 1), (4, 1)])
def test_split_matches_torch(torch, arg, dim):
    a = RNG.standard_normal((3, 4))
    _grads_vs_torch(torch, [a], lambda x: ag.split(x, arg, dim=dim),
                    lambda x: torch.split(x, arg, dim=dim))
    _grads_vs_torch(torch, [a], lambda x: x.split(arg, dim),
                    lambda x: torch.split(x, arg, dim))


@pytest.mark.parametrize("chunks, dim", [(2, 0), (3, 1), (2, 1)])
def test_chunk_matches_torch(torch, chunks, dim):
    a = RNG.standard_normal((3, 4))
    _grads_vs_torch(torch, [a], lambda x: ag.chunk(x, chunks, dim=dim),
                    lambda x: torch.chunk(x, chunks, dim=dim))
    _grads_vs_torch(torch, [a], lambda x: x.chunk(chunks, dim),
                    lambda x: x.chunk(chunks, dim))


def test_where_matches_torch(torch):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((1, 4))
    cond = RNG.standard_normal((3, 4)) > 0
    _grads_vs_torch(torch, [a, b], lambda x, y: ag.where(ag.tensor(cond), x, y),
                    lambda x, y: torch.where(torch.tensor(cond), x, y))


def test_where_on_large_inputs_matches_torch(torch):
    """Above a few thousand elements where selects by bits, without a branch: values and
    gradients still torch's, with a broadcast input."""
    a, b = RNG.standard_normal((40, 60)), RNG.standard_normal((1, 60))
    cond = RNG.standard_normal((40, 60)) > 0
    _grads_vs_torch(torch, [a, b], lambda x, y: ag.where(ag.tensor(cond), x, y),
                    lambda x, y: torch.where(torch.tensor(cond), x, y))


_SPECIALS = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, 3.5])


@settings(max_examples=60, deadline=None)
@given(shapes=broadcastable_shapes(3, max_side=5),
       dtype=st.sampled_from(["float32", "float64", "float16", "int8", "int32", "int64",
                              "uint16", "bool", "complex64", "complex128"]),
       seed=st.integers(0, 2 ** 16))
def test_where_selects_exactly_what_numpy_where_does(shapes, dtype, seed):
    """The branch-free select (its size threshold lowered to 0 here, so that every draw
    takes it) returns np.where's result bit for bit: NaN payloads, signed zeros,
    subnormals, broadcast shapes, every dtype size (16-byte complex falls back to
    np.where)."""
    saved, elementwise._SELECT_MIN = elementwise._SELECT_MIN, 0
    try:
        _check_select(shapes, dtype, seed)
    finally:
        elementwise._SELECT_MIN = saved


def _check_select(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    sc, sa, sb = shapes
    cond = np.asarray(rng.random(sc) > 0.5)

    def draw(shape):
        if dtype.startswith("f"):
            return rng.choice(_SPECIALS, shape).astype(dtype)
        return (rng.standard_normal(shape) * 50).astype(dtype)

    a, b = draw(sa), draw(sb)
    got = elementwise._select(cond, a, b)
    want = np.where(cond, a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    # a non-bool mask (2 means true too) is never read as bits
    assert elementwise._select(cond * np.uint8(2), a, b).tobytes() == want.tobytes()


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_match_torch(torch, name):
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 1))
    _grads_vs_torch(torch, [a, b], getattr(ag, name), getattr(torch, name))


@pytest.mark.parametrize("eq, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]), ("ij->", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
    ("...ij,...jk", [(2, 3, 4), (4, 2)]),
])
def test_einsum_matches_torch(torch, eq, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    _grads_vs_torch(torch, arrays, lambda *xs: ag.einsum(eq, *xs),
                    lambda *xs: torch.einsum(eq, *xs))


@pytest.mark.parametrize("pad, value", [((1, 2), 0), ((1, 0, 2, 1), 3.5), ((-1, 1), 0)])
def test_pad_matches_torch(torch, pad, value):
    a = RNG.standard_normal((3, 4))
    F = torch.nn.functional
    _grads_vs_torch(torch, [a], lambda x: ag.pad(x, pad, value=value),
                    lambda x: F.pad(x, pad, value=value))


def test_logsumexp_over_everything():
    a = RNG.standard_normal((2, 3))
    x = _leaf(a)
    y = ag.logsumexp(x)
    np.testing.assert_allclose(y.item(), np.log(np.exp(a).sum()))
    y.backward()
    np.testing.assert_allclose(x.grad.data, np.exp(a) / np.exp(a).sum())


def test_float32_ops_stay_float32():
    x = ag.randn(2, 3, requires_grad=True)
    for y in (x.exp(), x.sigmoid(), x.softmax(-1), x.sum(), x.var(), x @ x.T, x * 2.5):
        assert y.dtype == ag.float32


# --- factories ---

@pytest.mark.parametrize("make, shape", [
    (lambda **kw: ag.zeros(2, 3, **kw), (2, 3)), (lambda **kw: ag.zeros((2, 3), **kw), (2, 3)),
    (lambda **kw: ag.ones(4, **kw), (4,)), (lambda **kw: ag.empty(1, 2, **kw), (1, 2)),
    (lambda **kw: ag.full((2, 2), 1.5, **kw), (2, 2)),
    (lambda **kw: ag.eye(3, **kw), (3, 3)), (lambda **kw: ag.linspace(0, 1, 5, **kw), (5,)),
    (lambda **kw: ag.rand(2, 3, **kw), (2, 3)), (lambda **kw: ag.randn(3, 2, **kw), (3, 2)),
    (lambda **kw: ag.arange(0.0, 2.0, 0.5, **kw), (4,)),
    (lambda **kw: ag.zeros_like(ag.ones(2, 5), **kw), (2, 5)),
    (lambda **kw: ag.ones_like(ag.ones(2, 5), **kw), (2, 5)),
    (lambda **kw: ag.rand_like(ag.ones(2, 5), **kw), (2, 5)),
    (lambda **kw: ag.randn_like(ag.ones(2, 5), **kw), (2, 5)),
], ids=["zeros", "zeros_tuple", "ones", "empty", "full", "eye", "linspace", "rand", "randn",
        "arange", "zeros_like", "ones_like", "rand_like", "randn_like"])
def test_float_factories_shape_dtype_requires_grad(make, shape):
    t = make()
    assert isinstance(t, ag.Tensor)
    assert t.shape == shape
    assert t.dtype == ag.float32
    assert not t.requires_grad
    t64 = make(dtype=ag.float64, requires_grad=True)
    assert t64.shape == shape and t64.dtype == ag.float64
    assert t64.requires_grad and t64.is_leaf


def test_factory_values_match_torch(torch):
    _close(ag.zeros(2, 3), torch.zeros(2, 3))
    _close(ag.ones(2, 3), torch.ones(2, 3))
    _close(ag.full((2, 3), 7.0), torch.full((2, 3), 7.0))
    _close(ag.eye(3), torch.eye(3))
    _close(ag.eye(2, 3), torch.eye(2, 3))
    _close(ag.arange(5), torch.arange(5))
    _close(ag.arange(1, 7, 2), torch.arange(1, 7, 2))
    _close(ag.arange(0.0, 1.0, 0.25), torch.arange(0.0, 1.0, 0.25))
    _close(ag.linspace(-1, 1, 5), torch.linspace(-1, 1, 5))


def test_integer_factories_give_int64():
    assert ag.arange(5).dtype == ag.int64
    assert ag.full((2,), 3).dtype == ag.int64
    assert ag.zeros(2, dtype=ag.int64).dtype == ag.int64
    r = ag.randint(0, 10, (100,))
    assert r.dtype == ag.int64 and r.shape == (100,)
    assert r.data.min() >= 0 and r.data.max() < 10
    r2 = ag.randint(3, (5, 2))
    assert r2.shape == (5, 2) and r2.data.max() < 3 and r2.data.min() >= 0


def test_integer_factory_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ag.zeros(2, dtype=ag.int64, requires_grad=True)


def test_rand_is_in_unit_interval_and_randn_is_normal():
    ag.manual_seed(0)
    r = ag.rand(10000)
    assert r.data.min() >= 0.0 and r.data.max() < 1.0
    assert abs(r.data.mean() - 0.5) < 0.02
    n = ag.randn(10000)
    assert abs(n.data.mean()) < 0.05 and abs(n.data.std() - 1.0) < 0.05


def test_manual_seed_makes_rand_and_randn_reproducible():
    ag.manual_seed(1234)
    a, b, c = ag.rand(5), ag.randn(3, 2), ag.randint(0, 100, (4,))
    ag.manual_seed(1234)
    a2, b2, c2 = ag.rand(5), ag.randn(3, 2), ag.randint(0, 100, (4,))
    np.testing.assert_array_equal(a.data, a2.data)
    np.testing.assert_array_equal(b.data, b2.data)
    np.testing.assert_array_equal(c.data, c2.data)
    ag.manual_seed(1235)
    assert not np.array_equal(ag.rand(5).data, a.data)


def test_seeding_numpy_global_state_does_not_change_ag_randn():
    ag.manual_seed(7)
    np.random.seed(0)
    a = ag.randn(5)
    ag.manual_seed(7)
    np.random.seed(99)
    np.random.rand(10)
    b = ag.randn(5)
    np.testing.assert_array_equal(a.data, b.data)


def test_ag_randn_does_not_advance_numpy_global_state():
    np.random.seed(3)
    want = np.random.rand(4)
    np.random.seed(3)
    ag.randn(100)
    ag.rand(100)
    ag.randint(0, 5, (10,))
    got = np.random.rand(4)
    np.testing.assert_array_equal(got, want)


def test_tensor_where_method_takes_torchs_argument_order():
    x = ag.tensor([1.0, 2.0, 3.0])
    out = x.where(x > 1.5, ag.zeros(3))
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 3.0])


@pytest.mark.parametrize("values, text", [
    ([1.5, 2.0, -3.25], "tensor([ 1.5000,  2.0000, -3.2500])"),
    ([[1.0, 2.0], [3.0, 400.0]], "tensor([[  1.,   2.],\n        [  3., 400.]])"),
    ([1e-5, 1.0], "tensor([1.0000e-05, 1.0000e+00])"),
    ([True], "tensor([True])"),
    ([True, False], "tensor([ True, False])"),
])
def test_repr_formats_numbers_as_pytorch_does(values, text):
    assert repr(ag.tensor(values)) == text


@pytest.mark.parametrize("index", [
    (None, [0, 1], slice(1, 2), slice(-1, -1), -2),
    (slice(None), [0, 1], 0, [1, 2]),
    ([1, 0], 0, [2, 3]),
    (Ellipsis, [0, 1], 1),
    (1, slice(None), [[0], [2]], [1, 3]),
])
def test_integers_mixed_with_index_arrays_order_dims_as_torch(torch, index):
    # numpy counts an integer as one more array index (arrays split by it move to the
    # front); PyTorch selects with the integer first. Reading, writing and gradients agree.
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    tindex = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
    a = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ya, yt = a[index], t[tindex]
    assert ya.shape == tuple(yt.shape)
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())
    g = np.arange(ya.data.size, dtype=np.float64).reshape(ya.shape)
    (ya * ag.tensor(g, dtype=ag.float64)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, t.grad.numpy())
    b, tb = ag.tensor(x, dtype=ag.float64), torch.tensor(x)
    b[index] = ag.tensor(g, dtype=ag.float64)
    tb[tindex] = torch.tensor(g)
    np.testing.assert_array_equal(b.data, tb.numpy())


@pytest.mark.parametrize("shape", [(), (2, 3), (4, 2, 3), (3,), (2, 2, 2)])
@pytest.mark.parametrize("attr", ["mT", "mH", "H"])
def test_matrix_transposes_like_torch(shape, attr):
    """mT and mH swap the last two dims (a 0-d tensor stays as it is), H transposes a
    matrix; the shapes torch refuses raise a RuntimeError here too."""
    torch = pytest.importorskip("torch")
    a = np.arange(float(np.prod(shape))).reshape(shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = getattr(torch.tensor(a), attr).numpy()
    except RuntimeError:
        with pytest.raises(RuntimeError, match="is only supported on matrices"):
            getattr(ag.tensor(a), attr)
        return
    x = ag.tensor(a, requires_grad=True)
    out = getattr(x, attr)
    np.testing.assert_array_equal(out.numpy(), expected)
    (out * ag.tensor(np.arange(float(out.numel())).reshape(out.shape) + 1)).sum().backward()
    assert x.grad.shape == x.shape
