"""Behaviours an audit found missing or unlike torch's: pow's gradient at exponent 0, the
saved-tensor check reading only what the needed gradients read, ag.tensor of a Tensor,
clamp with Tensor bounds, bare grad-mode decorators, factory keywords, where(cond) and
nonzero, // and %, pad modes, save/load with file objects, strict mode in ag.functional.
Each is compared against torch (float64) where torch has the function."""

import io
import itertools
import os
import warnings

import numpy as np
import pytest

import autograd_core as ag
import autograd_core.functional as AF

INPLACE_MSG = "modified by an inplace operation"


def _t(a, requires_grad=False, dtype=ag.float64):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=dtype, requires_grad=requires_grad)


def _tt(torch, a, requires_grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _same(ours, theirs, **kw):
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), equal_nan=True, **kw)


# --- pow: no gradient to the base where the exponent is 0 ---

_BASES = [0.0, 1.0, 2.5, -1.0, -2.0, 0.5, -0.5]
_EXPONENTS = [0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5]


def test_pow_zero_exponent_at_zero_base_has_zero_gradient_like_torch(torch):
    for make in (lambda m, x: x ** 0, lambda m, x: x ** 0.0,
                 lambda m, x: m.pow(x, m.zeros(3, dtype=m.float64))):
        x = _t([0.0, 1.0, -2.0], requires_grad=True)
        tx = _tt(torch, [0.0, 1.0, -2.0], requires_grad=True)
        make(ag, x).sum().backward()
        make(torch, tx).sum().backward()
        np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_pow_gradients_match_torch_over_a_grid_of_bases_and_exponents(torch):
    a_, b_ = map(np.array, zip(*itertools.product(_BASES, _EXPONENTS)))
    a, b = _t(a_, requires_grad=True), _t(b_, requires_grad=True)
    ta, tb = _tt(torch, a_, requires_grad=True), _tt(torch, b_, requires_grad=True)
    y, ty = a ** b, ta ** tb
    _same(y, ty, rtol=1e-14)
    g = np.linspace(-1.0, 2.0, y.numel())
    y.backward(_t(g))
    ty.backward(torch.tensor(g))
    _same(a.grad, ta.grad, rtol=1e-12)
    _same(b.grad, tb.grad, rtol=1e-12)


@pytest.mark.parametrize("exponent", _EXPONENTS)
def test_pow_with_a_number_matches_torch_on_both_sides(torch, exponent):
    x, tx = _t(_BASES, requires_grad=True), _tt(torch, _BASES, requires_grad=True)
    (x ** exponent).sum().backward()
    (tx ** exponent).sum().backward()
    _same(x.grad, tx.grad, rtol=1e-12)
    x, tx = _t(_BASES, requires_grad=True), _tt(torch, _BASES, requires_grad=True)
    (exponent ** x).sum().backward()
    (exponent ** tx).sum().backward()
    _same(x.grad, tx.grad, rtol=1e-12)


def test_pow_with_some_zero_exponents_gradchecks_twice():
    """Only a == 0 (or nan) is masked where b == 0: elsewhere b a^(b-1) is exactly 0 and
    its derivative with respect to b, 1 / a, stays (torch's mask makes it 0)."""
    a = _t([[0.7, 1.3, 2.0], [1.1, 0.4, 1.9]], requires_grad=True)
    b = _t([[0.0, 2.0, 0.0], [-1.0, 0.0, 1.5]], requires_grad=True)
    assert ag.gradcheck(lambda a, b: a ** b, [a, b])
    assert ag.gradgradcheck(lambda a, b: a ** b, [a, b])


def test_pow_to_the_zero_at_zero_has_a_zero_second_derivative():
    x = _t([0.0, 2.0], requires_grad=True)
    (g,) = ag.grad(x ** 0, x, ag.ones(2, dtype=ag.float64), create_graph=True)
    np.testing.assert_array_equal(g.data, [0.0, 0.0])
    assert not g.requires_grad  # a constant, as torch's x ** 0


# --- the saved-tensor check reads only what the needed gradients read ---

def _modify_then_backward(m, make):
    """x -> a = x * 1 -> y = make(a); a.mul_(2) after y saved a; backward from y."""
    x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
    a = x * 1
    y = make(m, a)
    a.mul_(2)
    y.sum().backward()
    return x.grad


_NOT_READ = {
    "mul_number": lambda m, a: a * 3.0,
    "div_number": lambda m, a: a / 3.0,
    "mul_constant_tensor": lambda m, a: a * m.tensor([3.0, 4.0], dtype=m.float64),
    "matmul_constant_matrix": lambda m, a: a @ m.tensor([[1.0, 2.0], [3.0, 4.0]],
                                                        dtype=m.float64),
    "matmul_constant_vector": lambda m, a: a @ m.tensor([1.0, -2.0], dtype=m.float64),
    "addmm_constant_mat2": lambda m, a: m.addmm(m.zeros(1, 3, dtype=m.float64),
                                                a.reshape(1, 2),
                                                m.ones(2, 3, dtype=m.float64)),
    "addcmul_constant_tensor2": lambda m, a: m.addcmul(m.ones(2, dtype=m.float64), a,
                                                       m.tensor([2.0, 5.0], dtype=m.float64)),
    "einsum_constant_other": lambda m, a: m.einsum("i,i->", a,
                                                   m.tensor([2.0, 5.0], dtype=m.float64)),
}


@pytest.mark.parametrize("make", list(_NOT_READ.values()), ids=list(_NOT_READ))
def test_modifying_a_saved_input_its_needed_gradients_do_not_read_is_fine(torch, make):
    ours = _modify_then_backward(ag, make)
    theirs = _modify_then_backward(torch, make)
    np.testing.assert_allclose(ours.data, theirs.numpy())


def test_modifying_the_bias_of_addmm_is_fine_even_when_all_need_gradients(torch):
    grads = []
    for m in (ag, torch):
        c = m.zeros(1, 2, dtype=m.float64, requires_grad=True)
        a = m.ones(1, 3, dtype=m.float64, requires_grad=True)
        w = m.ones(3, 2, dtype=m.float64, requires_grad=True)
        bias = c * 1
        y = m.addmm(bias, a, w)  # the bias's value is never read by any gradient
        bias.add_(5)
        y.sum().backward()
        grads.append([t.grad for t in (c, a, w)])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours.data, theirs.numpy())


def test_copy_of_a_tensor_into_itself_times_two_matches_torch(torch):
    grads = []
    for m in (ag, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x * 1
        y.copy_(y * 2)
        y.sum().backward()
        grads.append(x.grad)
    np.testing.assert_array_equal(grads[0].data, [2.0, 2.0])
    np.testing.assert_array_equal(grads[0].data, grads[1].numpy())


def test_pow_output_modified_is_fine_unless_the_exponent_needs_a_gradient(torch):
    for m in (ag, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x ** 2.0
        y.add_(1)
        y.sum().backward()
        np.testing.assert_allclose(np.asarray(x.grad.tolist()), [2.0, 4.0])
    # pow's saved output is read only by the exponent's gradient (torch saves and checks it
    # for any tensor exponent, and raises here: the gradient below is right all the same)
    x = _t([1.0, 2.0], requires_grad=True)
    y = x ** _t([2.0, 3.0])
    y.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 12.0])


_READ = {  # (forward, modify): the change hits a value a needed gradient reads
    "mul_both_need_grads": (lambda m, a, w: a * w, "a"),
    "div_divisor_changed": (lambda m, a, w: a / w, "w"),
    "div_dividend_changed_divisor_needs_grad": (lambda m, a, w: a / w, "a"),
    "matmul_other_needs_grad": (lambda m, a, w: a @ w.reshape(2, 1), "a"),
    "addcmul_other_needs_grad": (lambda m, a, w: m.addcmul(w, a, w), "a"),
    "einsum_other_needs_grad": (lambda m, a, w: m.einsum("i,i->", a, w), "a"),
    "pow_exponent_needs_grad_output_changed": (lambda m, a, w: a ** w, "y"),
}


@pytest.mark.parametrize("make, which", list(_READ.values()), ids=list(_READ))
def test_modifying_a_saved_value_a_needed_gradient_reads_raises_like_torch(torch, make, which):
    for m in (ag, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        w = m.tensor([3.0, 4.0], dtype=m.float64, requires_grad=True)
        a = x * 1
        w2 = w * 1
        y = make(m, a, w2)
        {"a": a, "w": w2, "y": y}[which].mul_(2)
        with pytest.raises(RuntimeError, match=INPLACE_MSG):
            y.sum().backward()


def test_a_constant_divisor_modified_still_raises():
    x = _t([1.0, 2.0], requires_grad=True)
    d = _t([3.0, 4.0])
    y = x / d
    d.mul_(2)  # x's gradient is 1 / d
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        y.sum().backward()


# --- ag.tensor(t) keeps t's dtype ---

def test_tensor_of_a_tensor_keeps_its_dtype_like_torch(torch):
    for dtype, tdtype in ((ag.float64, torch.float64), (ag.float32, torch.float32),
                          (ag.int64, torch.int64), (ag.bool, torch.bool)):
        src = ag.tensor([1, 0], dtype=dtype)
        assert ag.tensor(src).dtype == dtype
        assert ag.Tensor(src).dtype == dtype
        with warnings.catch_warnings():  # torch suggests src.detach().clone()
            warnings.simplefilter("ignore")
            assert torch.tensor(torch.tensor([1, 0], dtype=tdtype)).dtype == tdtype
    assert ag.tensor(ag.tensor([1.5], dtype=ag.float64), dtype=ag.float32).dtype == ag.float32
    assert ag.tensor(np.array([1.5])).dtype == ag.float32  # ndarrays: the default dtype
    ag.set_default_dtype(ag.float64)
    assert ag.tensor(ag.tensor([1.5], dtype=ag.float32)).dtype == ag.float32


def test_tensor_of_a_tensor_copies():
    src = _t([1.0, 2.0])
    t = ag.tensor(src)
    t.data[0] = 5.0
    assert src.data[0] == 1.0


# --- clamp with Tensor bounds ---

_X = [0.0, 1.0, 2.0, 3.0, 1.0, 1.5, -1.0]
_LO = [1.0, 1.0, 1.0, 1.0, 2.0, 1.5, 0.0]
_HI = [2.0, 2.0, 2.0, 2.0, 1.0, 1.5, -1.0]


@pytest.mark.parametrize("bounds", [("min", "max"), ("min",), ("max",)],
                         ids=["both", "min", "max"])
def test_clamp_with_tensor_bounds_matches_torch_at_ties_and_crossed_bounds(torch, bounds):
    values = {"min": _LO, "max": _HI}
    x, tx = _t(_X, requires_grad=True), _tt(torch, _X, requires_grad=True)
    ours = {k: _t(values[k], requires_grad=True) for k in bounds}
    theirs = {k: _tt(torch, values[k], requires_grad=True) for k in bounds}
    y, ty = ag.clamp(x, **ours), torch.clamp(tx, **theirs)
    _same(y, ty)
    g = np.arange(1.0, len(_X) + 1)
    y.backward(_t(g))
    ty.backward(torch.tensor(g))
    _same(x.grad, tx.grad)
    for k in bounds:
        _same(ours[k].grad, theirs[k].grad)


def test_clamp_method_with_a_tensor_min_broadcasts(torch):
    x, tx = _t([[1.0], [-1.0]], requires_grad=True), _tt(torch, [[1.0], [-1.0]],
                                                           requires_grad=True)
    lo, tlo = _t([0.0, 2.0, -2.0], requires_grad=True), _tt(torch, [0.0, 2.0, -2.0],
                                                             requires_grad=True)
    y, ty = x.clamp(min=lo), tx.clamp(min=tlo)
    assert y.shape == (2, 3)
    _same(y, ty)
    y.sum().backward()
    ty.sum().backward()
    _same(x.grad, tx.grad)
    _same(lo.grad, tlo.grad)


def test_clamp_with_tensor_bounds_promotes_dtypes_like_torch(torch):
    assert ag.clamp(ag.ones(2), min=ag.zeros(2, dtype=ag.float64)).dtype == ag.float64
    assert ag.clamp(ag.ones(2), min=ag.tensor(0.0, dtype=ag.float64)).dtype == ag.float32
    ours = ag.clamp(ag.tensor([1, 5]), min=ag.tensor([2.5, 2.5]))
    theirs = torch.clamp(torch.tensor([1, 5]), min=torch.tensor([2.5, 2.5]))
    assert ours.dtype == ag.float32 and str(theirs.dtype) == "torch.float32"
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    ints = ag.clamp(ag.tensor([1, 5]), min=ag.tensor([2, 2]))
    assert ints.dtype == ag.int64 and ints.tolist() == [2, 5]


def test_clamp_with_tensor_bounds_that_do_not_broadcast_raises():
    with pytest.raises(ValueError, match=r"clamp: shapes \(2,\) and \(3,\)"):
        ag.clamp(ag.ones(2), min=ag.zeros(3))


def test_clamp_inplace_with_tensor_bounds_matches_torch(torch):
    results = []
    for m in (ag, torch):
        x = m.tensor([1.0, -1.0, 3.0], dtype=m.float64, requires_grad=True)
        lo = m.tensor([0.0, 0.0, 0.0], dtype=m.float64, requires_grad=True)
        hi = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        h = x * 1
        h.clamp_(min=lo, max=hi)
        (h * m.tensor([1.0, 2.0, 3.0], dtype=m.float64)).sum().backward()
        results.append([h.detach(), x.grad, lo.grad, hi.grad])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(np.asarray(ours.tolist()), theirs.numpy())
    t = _t([1.0, -1.0, 3.0])
    t.clamp_(min=_t([0.0, 0.0, 0.0]), max=_t(2.0))
    assert t.tolist() == [1.0, 0.0, 2.0] and t._version == 1 and not t.requires_grad
    with pytest.raises(ValueError, match=r"clamp_: output with shape \(2, 1\)"):
        _t([[1.0], [2.0]]).clamp_(min=_t([0.0, 0.0, 0.0]))


# --- @no_grad and @enable_grad without parentheses ---

def test_no_grad_and_enable_grad_decorate_without_parentheses():
    x = _t([1.0], requires_grad=True)

    @ag.no_grad
    def off(x):
        """doc"""
        return (x * 2).requires_grad, ag.is_grad_enabled()

    @ag.enable_grad
    def on(x):
        return (x * 2).requires_grad

    @ag.no_grad()
    def off_called(x):
        return (x * 2).requires_grad

    assert off(x) == (False, False) and ag.is_grad_enabled()
    assert off.__name__ == "off" and off.__doc__ == "doc"
    assert off_called(x) is False
    with ag.no_grad():
        assert on(x) is True
        assert not ag.is_grad_enabled()
    with ag.no_grad() as mode:  # still a context manager
        assert isinstance(mode, ag.no_grad)


def test_grad_mode_decorators_switch_only_while_a_generator_runs():
    x = _t([1.0], requires_grad=True)

    @ag.no_grad
    def steps(x):
        got = yield (x * 2).requires_grad
        yield got, ag.is_grad_enabled()
        try:
            yield "waiting"
        except KeyError:
            yield "caught", ag.is_grad_enabled()
        return "done"

    it = steps(x)
    assert next(it) is False
    assert ag.is_grad_enabled()  # the caller's mode between steps
    assert it.send(5) == (5, False)
    assert next(it) == "waiting"
    assert it.throw(KeyError("k")) == ("caught", False)
    with pytest.raises(StopIteration) as stop:
        next(it)
    assert stop.value.value == "done"

    with ag.no_grad():
        @ag.enable_grad()
        def on():
            yield ag.is_grad_enabled()
        gen = on()
        assert next(gen) is True
        assert not ag.is_grad_enabled()
        gen.close()


def test_no_grad_decorating_a_non_callable_raises():
    with pytest.raises(TypeError, match="no_grad: expected a function to decorate, got int"):
        ag.no_grad(3)


# --- factory keywords ---

def test_factories_take_size_as_a_keyword_like_torch(torch):
    for name in ("zeros", "ones", "empty", "rand", "randn"):
        assert getattr(ag, name)(size=(2, 3)).shape == (2, 3)
        assert getattr(ag, name)(size=[4]).shape == tuple(getattr(torch, name)(size=[4]).shape)
    np.testing.assert_array_equal(ag.full(size=(2,), fill_value=3.0).data, [3.0, 3.0])
    assert ag.zeros(size=()).shape == ()
    assert ag.ones(size=(2,), dtype=ag.float64, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        ag.zeros(2, size=(2,))


@pytest.mark.parametrize("kw", [{"end": 5}, {"start": 1, "end": 5, "step": 2},
                                {"end": 3, "dtype": "float64"}, {"start": 1, "end": 4},
                                {"start": 0.5, "end": 2.0, "step": 0.5}],
                         ids=["end", "start_end_step", "dtype", "start_end", "floats"])
def test_arange_takes_keywords_like_torch(torch, kw):
    theirs = torch.arange(**{k: (getattr(torch, v) if k == "dtype" else v)
                             for k, v in kw.items()})
    ours = ag.arange(**kw)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")


def test_arange_positional_forms_still_work_and_step_needs_end():
    assert ag.arange(3).tolist() == [0, 1, 2]
    assert ag.arange(1, end=4).tolist() == [1, 2, 3]
    assert ag.arange(1, 6, 2).tolist() == [1, 3, 5]
    with pytest.raises(TypeError, match="arange: give end as well when giving step"):
        ag.arange(5, step=2)
    with pytest.raises(TypeError, match="missing 1 required argument: 'end'"):
        ag.arange()


# --- where(condition) and nonzero ---

def test_where_with_only_a_condition_is_nonzero_as_tuple(torch):
    c = np.array([[True, False, True], [False, True, False]])
    ours, theirs = ag.where(ag.tensor(c)), torch.where(torch.tensor(c))
    assert isinstance(ours, tuple) and len(ours) == 2
    for o, t in zip(ours, theirs):
        assert o.dtype == ag.int64
        np.testing.assert_array_equal(o.data, t.numpy())
    with pytest.raises(TypeError, match="where: give both input and other, or neither"):
        ag.where(ag.tensor(c), ag.ones(3))


@pytest.mark.parametrize("a", [[0.0, 1.5, 0.0, -2.0], [[0, 1], [2, 0]], [[[True]], [[False]]],
                               3.0, 0.0, []], ids=["1d", "2d", "3d_bool", "0d", "0d_zero",
                                                   "empty"])
def test_nonzero_matches_torch(torch, a):
    x, tx = ag.tensor(a), torch.tensor(a)
    for ours, theirs in ((ag.nonzero(x), torch.nonzero(tx)), (x.nonzero(), tx.nonzero())):
        assert ours.dtype == ag.int64 and ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    ours, theirs = ag.nonzero(x, as_tuple=True), torch.nonzero(tx, as_tuple=True)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.data, t.numpy())


# --- // and %: floor_divide, remainder, fmod ---

_A = [5.0, -3.0, 2.5, -7.25, 0.0, 4.0, -4.0, 1e-3]
_B = [2.0, 2.0, -1.5, -2.0, 3.0, -2.0, 3.0, -0.7]


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod"])
def test_quotient_ops_match_torch_for_all_signs(torch, name):
    ours = getattr(ag, name)(_t(_A), _t(_B))
    theirs = getattr(torch, name)(_tt(torch, _A), _tt(torch, _B))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    ai, bi = [5, -3, 7, -8, 0], [2, 2, -3, -3, 4]
    ours = getattr(ag, name)(ag.tensor(ai), ag.tensor(bi))
    theirs = getattr(torch, name)(torch.tensor(ai), torch.tensor(bi))
    assert ours.dtype == ag.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_and_fmod_gradients_match_torch(torch, name):
    a, b = _t(_A, requires_grad=True), _t(_B, requires_grad=True)
    ta, tb = _tt(torch, _A, requires_grad=True), _tt(torch, _B, requires_grad=True)
    g = np.linspace(-1.0, 1.0, len(_A))
    getattr(ag, name)(a, b).backward(_t(g))
    getattr(torch, name)(ta, tb).backward(torch.tensor(g))
    _same(a.grad, ta.grad)
    _same(b.grad, tb.grad)


def test_floor_divide_is_not_differentiable():
    x = _t([5.0, -3.0], requires_grad=True)
    y = x // 2
    assert not y.requires_grad and y.grad_fn is None
    (x * 2 + x // 2).sum().backward()  # the floor part is a constant
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


@pytest.mark.parametrize("expr", ["x // 2", "x % 3", "x % -3", "7 // x", "7 % x", "x // 2.5",
                                  "x % 2.5", "2.5 % x", "y // 2", "y % -1.5", "-4.5 // y",
                                  "y % y"])
def test_floordiv_and_mod_operators_match_torch(torch, expr):
    env = {"x": ag.tensor([5, -3, 7]), "y": ag.tensor([5.5, -3.25, 1.0])}
    tenv = {"x": torch.tensor([5, -3, 7]), "y": torch.tensor([5.5, -3.25, 1.0])}
    ours, theirs = eval(expr, {}, env), eval(expr, {}, tenv)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_inplace_floordiv_and_mod_match_torch(torch):
    for op in ("__ifloordiv__", "__imod__"):
        for other in (2, -1.5):
            t, tt = ag.tensor([5.5, -3.25, 1.0]), torch.tensor([5.5, -3.25, 1.0])
            same = getattr(t, op)(other)
            getattr(tt, op)(other)
            assert same is t and t._version == 1
            np.testing.assert_allclose(t.data, tt.numpy(), rtol=1e-6)
    t = ag.tensor([-5.0, 5.0])
    t.fmod_(3)
    t.remainder_(ag.tensor([-2.0, 4.0]))
    np.testing.assert_array_equal(t.data, torch.tensor([-5.0, 5.0]).fmod_(3).remainder_(
        torch.tensor([-2.0, 4.0])).numpy())


def test_inplace_remainder_on_a_non_leaf_keeps_the_gradient(torch):
    grads = []
    for m in (ag, torch):
        x = m.tensor([5.5, -3.25], dtype=m.float64, requires_grad=True)
        h = x * 2
        h %= 3.0
        (h * h).sum().backward()
        grads.append(x.grad)
    np.testing.assert_allclose(grads[0].data, grads[1].numpy())


def test_quotient_ops_on_floats_by_zero_give_inf_and_nan_like_torch(torch):
    a = [5.0, -3.0, 0.0]
    for name in ("floor_divide", "remainder", "fmod"):
        ours = getattr(ag, name)(_t(a), 0.0)
        theirs = getattr(torch, name)(_tt(torch, a), 0.0)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_integer_division_by_zero_and_bool_operands_raise():
    for name in ("floor_divide", "remainder", "fmod"):
        with pytest.raises(RuntimeError, match=f"{name}: ZeroDivisionError"):
            getattr(ag, name)(ag.tensor([5, 3]), ag.tensor([1, 0]))
        with pytest.raises(TypeError, match=f"{name}: not supported for bool tensors"):
            getattr(ag, name)(ag.tensor([True]), ag.tensor([True]))


# --- pad modes ---

@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 1), (0, 3), (3, 1, 0, 2)])
def test_pad_modes_match_torch_values_and_gradients(torch, mode, pad):
    x_ = np.arange(2 * 4 * 5, dtype=np.float64).reshape(2, 4, 5) / 7
    x, tx = _t(x_, requires_grad=True), _tt(torch, x_, requires_grad=True)
    y = ag.pad(x, pad, mode=mode)
    ty = torch.nn.functional.pad(tx, pad, mode=mode)
    _same(y, ty)
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(_t(g))
    ty.backward(torch.tensor(g))
    _same(x.grad, tx.grad, rtol=1e-12)


@pytest.mark.parametrize("mode, pad", [("reflect", (-1, 2)), ("reflect", (2, -3)),
                                       ("replicate", (-2, 4)), ("circular", (-1, 2)),
                                       ("circular", (2, -1)), ("circular", (-3, -1))])
def test_pad_modes_crop_with_negative_amounts_like_torch(torch, mode, pad):
    x_ = np.arange(10.0).reshape(2, 5)
    _same(ag.pad(_t(x_), pad, mode=mode), torch.nn.functional.pad(_tt(torch, x_), pad,
                                                                 mode=mode))


def test_pad_keeps_value_third_and_takes_mode_as_keyword():
    x = _t([[1.0, 2.0]])
    assert ag.pad(x, (1, 1), 9.0).tolist() == [[9.0, 1.0, 2.0, 9.0]]
    assert ag.pad(x, (1, 1), value=9.0, mode="constant").tolist() == [[9.0, 1.0, 2.0, 9.0]]
    assert ag.pad(x, (1, 1), mode="reflect").tolist() == [[2.0, 1.0, 2.0, 1.0]]
    assert ag.pad(x, (1, 0), 0.0, "replicate").tolist() == [[1.0, 1.0, 2.0]]
    same = ag.pad(x, (0, 0), mode="circular")
    assert same is not x and same.tolist() == x.tolist()


@pytest.mark.parametrize("kw, match", [
    ({"pad": (1, 1), "mode": "wrap"}, "pad: mode 'wrap' is not supported"),
    ({"pad": (1, 1), "mode": "reflect", "value": 2.0},
     "pad: value is only used with mode 'constant', not 'reflect'"),
    ({"pad": (3, 0), "mode": "reflect"},
     r"pad: reflect padding \(3, 0\) of dim 1 must be less than its size \(3\)"),
    ({"pad": (4, 0), "mode": "circular"},
     r"pad: circular padding \(4, 0\) of dim 1 must be at most the size it wraps around \(3\)"),
    ({"pad": (-4, 0), "mode": "replicate"}, r"pad: replicate padding \(-4, 0\) of dim 1 would "
                                            "make it negative"),
    ({"pad": (1, 1, 1), "mode": "reflect"}, "pad: padding length 3 must be even"),
])
def test_pad_mode_errors_name_the_problem(kw, match):
    with pytest.raises(ValueError, match=match):
        ag.pad(ag.ones(2, 3), **kw)


# --- save and load with file objects ---

def _state():
    return {"w": ag.tensor([[1.0, 2.0], [3.0, 4.0]]), "b": ag.zeros(2, dtype=ag.float64),
            "step": 3, "name": "net"}


def test_save_and_load_round_trip_through_bytesio():
    buf = io.BytesIO()
    ag.save(_state(), buf)
    assert buf.tell() > 0
    buf.seek(0)
    back = ag.load(buf)
    assert back["step"] == 3 and back["name"] == "net"
    assert back["b"].dtype == ag.float64
    np.testing.assert_array_equal(back["w"].data, [[1.0, 2.0], [3.0, 4.0]])


def test_saved_bytes_are_readable_by_torch(torch):
    from safetensors.torch import load as torch_load
    buf = io.BytesIO()
    ag.save(_state(), buf)
    tensors = torch_load(buf.getvalue())
    assert set(tensors) == {"w", "b"}
    np.testing.assert_array_equal(tensors["w"].numpy(), [[1.0, 2.0], [3.0, 4.0]])
    assert tensors["b"].dtype == torch.float64


def test_save_and_load_with_binary_files(tmp_path):
    path = tmp_path / "m.safetensors"
    with open(path, "wb") as f:
        ag.save(_state(), f)
    with open(path, "rb") as f:
        back = ag.load(f)
    assert back["name"] == "net"
    assert ag.load(path)["step"] == 3  # the same bytes as through a path
    with open(path, "rb") as f:
        f.read(3)  # load reads from the current position on, as torch.load
        with pytest.raises(ag.SerializationError, match="not a safetensors file"):
            ag.load(f)


def test_save_and_load_refuse_text_mode_files_clearly(tmp_path):
    path = tmp_path / "m.safetensors"
    ag.save(_state(), path)
    with open(path, "w") as f, pytest.raises(TypeError, match=(
            r"ag.save: '.*m.safetensors' is open in text mode; open it in binary mode "
            r"\('wb'\)")):
        ag.save(_state(), f)
    with open(path, encoding="latin-1") as f, pytest.raises(
            TypeError, match=r"ag.load: .* is open in text mode; open it in binary mode \('rb'\)"):
        ag.load(f)
    with pytest.raises(TypeError, match="ag.save: the StringIO object is open in text mode"):
        ag.save(_state(), io.StringIO())


def test_load_from_a_damaged_stream_names_it():
    with pytest.raises(ag.SerializationError, match="ag.load: the BytesIO object: truncated"):
        ag.load(io.BytesIO(b"\x01\x02"))


def test_save_to_a_path_is_still_atomic(tmp_path):
    path = tmp_path / "m.safetensors"
    ag.save(_state(), path)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        ag.save({"bad": object()}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


# --- strict mode in ag.functional ---

def _strict_cases(m):
    ones = m.ones(2, dtype=m.float64)
    both = (ones, ones.clone())
    v2 = (ones.clone(), ones.clone())
    return {
        "jacobian_independent": ("jacobian", lambda x, y: x * 2, both, {}),
        "jacobian_constant_output": ("jacobian", lambda x: m.ones(2, dtype=m.float64),
                                     ones, {}),
        "jacobian_create_graph": ("jacobian", lambda x: x * 2, ones, {"create_graph": True}),
        "vjp_independent": ("vjp", lambda x, y: x * 2, both, {"v": ones.clone()}),
        "vjp_create_graph": ("vjp", lambda x, y: x * 2 + y, both,
                             {"v": ones.clone(), "create_graph": True}),
        "jvp_independent": ("jvp", lambda x, y: x * 2, both, {"v": v2}),
        "hessian_linear": ("hessian", lambda x, y: (x * 2).sum() + (y * y).sum(), both, {}),
        "hessian_block": ("hessian", lambda x, y: (x * x).sum() + (y * y).sum(), both, {}),
        "hvp_linear": ("hvp", lambda x, y: (x * x).sum() + y.sum(), both, {"v": v2}),
        "vhp_linear": ("vhp", lambda x, y: (x * 2).sum() + (y * y).sum(), both, {"v": v2}),
        "hvp_ok": ("hvp", lambda x, y: (x * x * y).sum(), both, {"v": v2}),
    }


@pytest.mark.parametrize("case", list(_strict_cases(ag)))
def test_strict_mode_raises_like_torch(torch, case):
    import torch.autograd.functional as TF
    messages = []
    for m, F in ((ag, AF), (torch, TF)):
        name, fn, inputs, kw = _strict_cases(m)[case]
        try:
            getattr(F, name)(fn, inputs, strict=True, **kw)
            messages.append(None)
        except RuntimeError as e:
            messages.append(str(e))
    assert messages[0] == messages[1]
    if case != "hvp_ok":
        assert "strict mode" in messages[0]


def test_strict_false_keeps_zeros_for_independent_inputs():
    a, b = _t([1.0, 2.0]), _t([3.0, 4.0])
    jac = AF.jacobian(lambda x, y: x * 2, (a, b))
    np.testing.assert_array_equal(jac[1].data, np.zeros((2, 2)))
    _, g = AF.vjp(lambda x, y: x * 2, (a, b), _t([1.0, 1.0]))
    np.testing.assert_array_equal(g[1].data, [0.0, 0.0])
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is "
                                           "independent of input 1"):
        AF.jacobian(lambda x, y: x * 2, (a, b), strict=True)
    with pytest.raises(RuntimeError, match="strict=True and vectorize=True"):
        AF.jacobian(lambda x: x * 2, a, strict=True, vectorize=True)
