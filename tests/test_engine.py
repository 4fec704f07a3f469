"""The engine: accumulation, retain_grad, hooks, freeing saved values, deep graphs,
higher-order derivatives, ag.grad, gradient dtypes, broadcasting and reference cycles."""

import gc
import weakref

import numpy as np
import pytest

import autograd_core as ag

RNG = np.random.default_rng(1)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _leaf(a, dtype=ag.float64):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=True)


def _c(a):
    return ag.tensor(np.asarray(a), dtype=ag.float64)


# --- accumulation ---

def test_backward_accumulates_into_leaf_grad_across_calls():
    x = _leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0, 6.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0, 12.0])
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [7.0, 11.0, 15.0])


def test_leaf_used_several_times_sums_its_gradients():
    x = _leaf([1.0, -2.0])
    y = (x * x + x * 3 - x.exp()).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 3 - np.exp(x.data))


def test_diamond_graph_gradient_matches_torch(torch):
    a = RNG.standard_normal(4)
    x = _leaf(a)
    h = x.tanh()
    y = (h * h.exp() + h.sin()).sum()
    y.backward()
    tx = torch.tensor(a, requires_grad=True)
    th = tx.tanh()
    (th * th.exp() + th.sin()).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("older_parent_first", [True, False])
def test_a_node_runs_once_and_after_all_its_consumers(older_parent_first):
    # w's step makes two parents pending at once; the one it hands straight to the next
    # step (the first) may be older than the other, which must then run first
    x = _leaf([0.5, -1.0])
    y = x * 2
    z = y.exp()  # a second consumer of y, newer than y's node
    w = y + z if older_parent_first else z + y
    seen = []
    y.register_hook(lambda g: seen.append(("y", g.data.copy())))
    z.register_hook(lambda g: seen.append(("z", g.data.copy())))
    w.sum().backward()
    assert [name for name, _ in seen] == ["z", "y"]
    np.testing.assert_allclose(seen[1][1], 1 + np.exp(y.data))  # y's whole gradient at once
    np.testing.assert_allclose(x.grad.data, 2 * (1 + np.exp(2 * x.data)))


def test_grad_is_a_tensor_without_graph_of_the_leaf_shape():
    x = _leaf(RNG.standard_normal((2, 3)))
    (x * 2).sum().backward()
    assert isinstance(x.grad, ag.Tensor)
    assert x.grad.shape == (2, 3)
    assert x.grad.grad_fn is None
    assert not x.grad.requires_grad


def test_leaves_never_share_gradient_memory_even_through_views():
    a, b = _leaf(RNG.standard_normal((2, 3))), _leaf(RNG.standard_normal((3, 2)))
    (a + b.t() * 1.0 + b.t()).sum().backward()  # b's grads arrive as transposed views
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a2, b2 = _leaf(RNG.standard_normal((2, 3))), _leaf(RNG.standard_normal((3, 2)))
    (a2 + b2.t()).sum().backward()  # Add hands one array to a2 and (transposed) to b2
    assert not np.shares_memory(a2.grad.data, b2.grad.data)
    a2.grad.data += 1
    np.testing.assert_array_equal(b2.grad.data, np.ones((3, 2)))


def test_a_transposed_weight_gets_a_contiguous_gradient():
    w = _leaf(RNG.standard_normal((4, 3)))
    x = _c(RNG.standard_normal((5, 3)))
    (x @ w.t()).sum().backward()
    assert w.grad.data.flags.c_contiguous
    np.testing.assert_allclose(w.grad.data, np.ones((5, 4)).T @ x.data)


def test_leaf_grad_does_not_alias_a_gradient_given_by_the_user():
    x = _leaf([1.0, 2.0])
    g = _c([1.0, 1.0])
    (x + 0).backward(g)
    x.grad.data += 5
    np.testing.assert_array_equal(g.data, [1.0, 1.0])


def test_grads_of_two_leaves_of_add_are_independent_arrays():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.data[0] = 100.0
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    (a + b).sum().backward()
    np.testing.assert_array_equal(b.grad.data, [2.0, 2.0])
    np.testing.assert_array_equal(a.grad.data, [101.0, 2.0])


def test_backward_with_explicit_gradient_on_non_scalar(torch):
    a = RNG.standard_normal((2, 3))
    g = RNG.standard_normal((2, 3))
    x = _leaf(a)
    x.sin().backward(_c(g))
    tx = torch.tensor(a, requires_grad=True)
    tx.sin().backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def test_backward_on_a_leaf_itself_fills_its_grad():
    x = _leaf(3.0)
    x.backward()
    assert x.grad.item() == 1.0


def test_detach_stops_the_gradient():
    x = _leaf([1.0, 2.0])
    y = (x * x.detach()).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])
    d = x.detach()
    assert d.grad_fn is None and not d.requires_grad
    np.testing.assert_array_equal(d.data, x.data)


def test_non_leaf_grad_is_none_without_retain_grad():
    x = _leaf([1.0, 2.0])
    h = x * 2
    h.sum().backward()
    assert h.grad is None


def test_retain_grad_on_non_leaf_fills_grad(torch):
    a = RNG.standard_normal(3)
    x = _leaf(a)
    h = x.exp()
    h.retain_grad()
    assert h.retains_grad
    y = (h * h).sum()
    y.backward()
    np.testing.assert_allclose(h.grad.data, 2 * np.exp(a))
    tx = torch.tensor(a, requires_grad=True)
    th = tx.exp()
    th.retain_grad()
    (th * th).sum().backward()
    np.testing.assert_allclose(h.grad.data, th.grad.numpy())
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def test_retained_grad_accumulates_across_backward_calls():
    x = _leaf([1.0, 2.0])
    h = x * 3
    h.retain_grad()
    y = h.sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(h.grad.data, [2.0, 2.0])


# --- hooks ---

def test_hook_on_leaf_sees_the_gradient():
    x = _leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * 5).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 5.0])
    np.testing.assert_array_equal(x.grad.data, [5.0, 5.0])


def test_hook_on_leaf_may_replace_the_gradient():
    x = _leaf([1.0, 2.0])
    x.register_hook(lambda g: g * 10)
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [50.0, 50.0])


def test_hook_on_non_leaf_replacement_flows_to_inputs(torch):
    a = np.array([0.5, 1.5])
    x = _leaf(a)
    h = x * x
    seen = []

    def hook(g):
        seen.append(g.data.copy())
        return g * 3

    h.register_hook(hook)
    h.exp().sum().backward()
    np.testing.assert_allclose(seen[0], np.exp(a * a))
    tx = torch.tensor(a, requires_grad=True)
    th = tx * tx
    th.register_hook(lambda g: g * 3)
    th.exp().sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def test_hook_returning_none_keeps_the_gradient():
    x = _leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: None)
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_hook_handle_remove_unregisters_it():
    x = _leaf([1.0, 2.0])
    calls = []
    handle = x.register_hook(lambda g: calls.append(1) or g * 100)
    h = x * 2
    hh = h.register_hook(lambda g: calls.append(2) or g * 100)
    handle.remove()
    hh.remove()
    h.sum().backward()
    assert calls == []
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_hooks_run_in_registration_order_and_chain():
    x = _leaf([1.0])
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()
    assert x.grad.item() == 20.0


def test_register_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.ones(2).register_hook(lambda g: g)


# --- freeing saved values, retain_graph ---

def test_second_backward_through_freed_graph_raises_mentioning_retain_graph():
    x = _leaf([1.0, 2.0])
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]))  # untouched by the failure


def test_second_backward_through_mul_raises_and_message_says_second_time():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_second_ag_grad_through_freed_graph_raises():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph"):
        ag.grad(y, x)


def test_retain_graph_allows_a_second_backward():
    x = _leaf([1.0, 2.0])
    y = (x * x.exp()).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_backward_through_nodes_that_save_nothing_twice_is_fine():
    x = _leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_saved_arrays_are_released_after_backward():
    x = _leaf(RNG.standard_normal(1000))
    a = x.sin()
    e = x.exp()
    saved_input, saved_output = weakref.ref(a.data), weakref.ref(e.data)
    loss = (a * a).sum() + e.sum()  # MulBackward saves a; ExpBackward saves e's array
    del a, e
    assert saved_input() is not None and saved_output() is not None
    loss.backward()
    assert saved_input() is None and saved_output() is None


def test_saved_arrays_are_kept_with_retain_graph():
    x = _leaf(RNG.standard_normal(10))
    a = x.sin()
    saved = weakref.ref(a.data)
    loss = (a * a).sum()
    del a
    loss.backward(retain_graph=True)
    assert saved() is not None
    loss.backward()
    assert saved() is None


# --- deep graphs ---

def test_100000_op_chain_backward_has_no_recursion_error():
    x = ag.tensor([2.0], requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    y = y * 3.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0])
    del y  # tearing the chain down must not recurse either


def test_20000_op_chain_ag_grad_and_teardown_without_backward():
    x = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    assert y.item() == 20_001.0
    (g,) = ag.grad(y.sum(), x, retain_graph=True)
    assert g.item() == 1.0
    del y


# --- higher-order derivatives ---

def test_third_derivative_of_x4_at_2_is_48():
    x = _leaf(2.0)
    y = x ** 4
    (g1,) = ag.grad(y, x, create_graph=True)
    assert g1.item() == pytest.approx(32.0)
    assert g1.requires_grad and g1.grad_fn is not None
    (g2,) = ag.grad(g1, x, create_graph=True)
    assert g2.item() == pytest.approx(48.0)
    (g3,) = ag.grad(g2, x, create_graph=True)
    assert g3.item() == pytest.approx(48.0)
    (g4,) = ag.grad(g3, x)
    assert g4.item() == pytest.approx(24.0)


def test_third_derivative_of_x4_via_float32():
    x = ag.tensor(2.0, requires_grad=True)
    (g1,) = ag.grad(x ** 4, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    assert g3.item() == pytest.approx(48.0)
    assert g3.dtype == ag.float32


def test_second_derivative_of_sin_is_minus_sin():
    a = np.linspace(-3, 3, 7)
    x = _leaf(a)
    (g1,) = ag.grad(x.sin().sum(), x, create_graph=True)
    np.testing.assert_allclose(g1.data, np.cos(a))
    (g2,) = ag.grad(g1.sum(), x)
    np.testing.assert_allclose(g2.data, -np.sin(a))
    assert g2.grad_fn is None


@pytest.mark.parametrize("fn", ["tanh", "sigmoid", "exp", "log", "sqrt", "cos"])
def test_second_derivatives_match_torch(torch, fn):
    a = RNG.uniform(0.5, 2.0, 5)
    x = _leaf(a)
    (g,) = ag.grad(getattr(x, fn)().sum(), x, create_graph=True)
    (gg,) = ag.grad((g * g).sum(), x)
    tx = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(getattr(tx, fn)().sum(), tx, create_graph=True)
    (tgg,) = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(gg.data, tgg.numpy(), rtol=1e-10)


def test_hessian_vector_product_of_matmul_softmax_matches_torch(torch):
    a, w = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))
    v = RNG.standard_normal((4, 2))
    x, W = _c(a), _leaf(w)
    y = (x @ W).log_softmax(-1).sum() + (W * W * W).sum()
    (g,) = ag.grad(y, W, create_graph=True)
    (hv,) = ag.grad((g * _c(v)).sum(), W)
    tx, tW = torch.tensor(a), torch.tensor(w, requires_grad=True)
    ty = (tx @ tW).log_softmax(-1).sum() + (tW * tW * tW).sum()
    (tg,) = torch.autograd.grad(ty, tW, create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), tW)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-9, atol=1e-12)


def test_backward_with_create_graph_makes_differentiable_grad():
    x = _leaf(3.0)
    (x ** 3).backward(create_graph=True)
    g = x.grad
    assert g.item() == pytest.approx(27.0)
    assert g.requires_grad and g.grad_fn is not None
    (gg,) = ag.grad(g, x)
    assert gg.item() == pytest.approx(18.0)


# --- ag.grad ---

def test_ag_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    y = (x * w).sum()
    gx, gw = ag.grad(y, (x, w))
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gw.data, [1.0, 2.0])
    assert x.grad is None and w.grad is None
    res = ag.grad((x * w).sum(), x)
    assert isinstance(res, tuple) and len(res) == 1


def test_ag_grad_does_not_change_existing_grad():
    x = _leaf([1.0, 2.0])
    (x * 2).sum().backward()
    before = x.grad.data.copy()
    ag.grad((x * 7).sum(), [x])
    np.testing.assert_array_equal(x.grad.data, before)


def test_ag_grad_with_respect_to_a_non_leaf():
    x = _leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_array_equal(gh.data, 2 * h.data)
    assert h.grad is None and x.grad is None


def test_ag_grad_with_grad_outputs(torch):
    a, g = RNG.standard_normal(3), RNG.standard_normal(3)
    x = _leaf(a)
    (gx,) = ag.grad(x.tanh(), x, grad_outputs=_c(g))
    tx = torch.tensor(a, requires_grad=True)
    (tgx,) = torch.autograd.grad(tx.tanh(), tx, grad_outputs=torch.tensor(g))
    np.testing.assert_allclose(gx.data, tgx.numpy())


def test_ag_grad_of_several_outputs_sums_them():
    x = _leaf([1.0, 2.0])
    (g,) = ag.grad([(x * 2).sum(), (x * x).sum()], [x])
    np.testing.assert_array_equal(g.data, [4.0, 6.0])


def test_ag_grad_allow_unused_returns_none():
    x, unused = _leaf([1.0]), _leaf([2.0])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.item() == 2.0
    assert gu is None


def test_ag_grad_unused_without_allow_unused_raises_pytorch_message():
    x, unused = _leaf([1.0]), _leaf([2.0])
    msg = ("One of the differentiated Tensors appears to not have been used in the graph. "
           "Set allow_unused=True if this is the desired behavior.")
    with pytest.raises(RuntimeError) as info:
        ag.grad((x * 2).sum(), [x, unused])
    assert str(info.value) == msg
    assert x.grad is None and unused.grad is None


# --- dtypes of gradients ---

def test_float32_leaf_mixed_with_float64_gets_float32_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([3.0, 4.0], dtype=ag.float64, requires_grad=True)
    y = x * w
    assert y.dtype == ag.float64
    y.sum().backward()
    assert x.grad.dtype == ag.float32
    assert w.grad.dtype == ag.float64
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0])


def test_float32_leaf_times_float64_array_gets_float32_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * np.array([0.5, 0.25])).sum().backward()
    assert x.grad.dtype == ag.float32
    np.testing.assert_array_equal(x.grad.data, [0.5, 0.25])


def test_float64_leaf_grad_with_float32_upstream_gradient_is_float64():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = x.float() * 2
    assert y.dtype == ag.float32
    y.sum().backward()
    assert x.grad.dtype == ag.float64
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_ag_grad_keeps_input_dtype():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad((x.double() ** 2).sum(), x)
    assert g.dtype == ag.float32


# --- broadcasting ---

@pytest.mark.parametrize("sa, sb", [((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)),
                                    ((2, 1, 4), (3, 1)), ((1,), (5,))], ids=str)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "truediv", "maximum"])
def test_broadcast_gradients_are_summed_back_to_each_input_shape(torch, sa, sb, op):
    import operator
    f = getattr(ag, op) if op == "maximum" else getattr(operator, op)
    tf = getattr(torch, op) if op == "maximum" else getattr(operator, op)
    a, b = RNG.uniform(0.5, 2.0, sa), RNG.uniform(0.5, 2.0, sb)
    x, y = _leaf(a), _leaf(b)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = f(x, y), tf(tx, ty)
    assert out.shape == tuple(tout.shape)
    w = RNG.standard_normal(out.shape)
    (out * _c(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    assert x.grad.shape == sa and y.grad.shape == sb
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-10)


def test_broadcast_3x1_plus_1x4_grad_values():
    a, b = _leaf(np.zeros((3, 1))), _leaf(np.zeros((1, 4)))
    (a + b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.full((3, 1), 4.0))
    np.testing.assert_array_equal(b.grad.data, np.full((1, 4), 3.0))


# --- no reference cycles ---

def test_graph_is_freed_by_reference_counting_alone():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = ag.randn(5, requires_grad=True)
        h = (x * 2).exp()
        y = (h * h.sin()).sum()
        refs = [weakref.ref(y), weakref.ref(h), weakref.ref(h.grad_fn), weakref.ref(y.grad_fn)]
        assert all(r() is not None for r in refs)
        del y, h
        assert [r() for r in refs] == [None] * 4
        assert x.grad is None
    finally:
        if was_enabled:
            gc.enable()


def test_graph_is_freed_by_reference_counting_after_backward():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = ag.randn(5, requires_grad=True)
        h = (x * 2).tanh()
        h.retain_grad()
        y = (h.exp() * h).sum()
        node = h.grad_fn
        refs = [weakref.ref(y), weakref.ref(h), weakref.ref(node), weakref.ref(y.grad_fn)]
        y.backward()
        assert x.grad is not None and h.grad is not None
        del y, h, node
        assert [r() for r in refs] == [None] * 4
    finally:
        if was_enabled:
            gc.enable()


def test_graph_with_retain_graph_and_create_graph_is_freed_by_reference_counting():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = ag.randn(3, requires_grad=True)
        y = (x ** 3).sum()
        (g,) = ag.grad(y, x, create_graph=True)
        refs = [weakref.ref(y), weakref.ref(g), weakref.ref(y.grad_fn), weakref.ref(g.grad_fn)]
        y.backward(retain_graph=True)
        del y, g
        assert [r() for r in refs] == [None] * 4
    finally:
        if was_enabled:
            gc.enable()


def test_subclass_of_tensor_is_a_leaf_like_any_other():
    class Parameter(ag.Tensor):  # as nn.Parameter will be
        __slots__ = ()

    w = Parameter([1.0, 2.0], requires_grad=True)
    x = ag.tensor([3.0, 4.0])
    loss = (w * x + w).sum() * 2.0
    loss.backward()
    np.testing.assert_allclose(w.grad.data, 2 * (x.data + 1))
    (g,) = ag.grad((w * w).sum(), w)
    np.testing.assert_allclose(g.data, 2 * w.data)


# --- the per-class copies of the hot code (speed relies on them, results must not) ---

def test_each_op_class_runs_its_own_copy_of_the_per_node_code():
    from autograd_core.function import _PER_CLASS, Primitive
    from autograd_core.ops.elementwise import Mul, Sigmoid, Tanh

    def code(cls, name):
        attr = cls.__dict__[name]
        fn = attr.fget if isinstance(attr, property) else getattr(attr, "__func__", attr)
        return fn.__code__

    for name in _PER_CLASS:
        codes = {id(code(c, name)) for c in (Primitive, Tanh, Sigmoid, Mul)}
        assert len(codes) == 4, name
        assert code(Tanh, name).co_code == code(Primitive, name).co_code


def test_an_op_that_defines_its_own_xs_keeps_it_and_passes_it_on():
    from autograd_core.function import Primitive

    class Scale(Primitive):
        __slots__ = ()

        def forward(self, x):
            return x * 3

        def backward(self, gy):
            return gy * self.xs  # xs below: a single array or tensor, not a tuple

        @property
        def xs(self):
            return 3.0

    class Scale2(Scale):
        __slots__ = ()

    x = _leaf([1.0, 2.0])
    Scale2.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert Scale2.xs is Scale.xs


def test_a_hook_may_not_change_the_gradients_shape_like_torch():
    """torch refuses a hook whose result has another shape than the gradient (the .grad
    would no longer fit the tensor); on a non-leaf and on a leaf."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g[:1])
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (y * y).sum().backward()
    z = ag.tensor([1.0, 2.0], requires_grad=True)
    z.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="has changed the size of value"):
        (z * z).sum().backward()
    assert z.grad is None
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * 3)  # the same shape: fine
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [6.0, 12.0])


def test_requires_grad_flags_of_non_leaves_like_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.requires_grad_(True) is y  # a no-op, as in torch
    with pytest.raises(RuntimeError, match=r"leaf variables\.$"):
        y.requires_grad = True
    with pytest.raises(RuntimeError, match="var.detach"):
        y.requires_grad_(False)
