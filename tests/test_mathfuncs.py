"""The ops of autograd_core/ops/mathfuncs.py and their in-place forms, directly: dtypes,
edge values (nan, inf, zeros, poles) and the gradient conventions there, against torch;
error messages; the non-differentiable predicates. tests/op_specs_mathfuncs.py has the
gradchecks over drawn shapes."""

import warnings

import numpy as np
import pytest

import autograd_core as ag

NAN, INF = float("nan"), float("inf")
LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation"


def _pair(torch, data, dtype="float64", requires_grad=True):
    """The same values as an ag and a torch tensor."""
    a = np.array(data, dtype=dtype)
    return (ag.tensor(a, dtype=a.dtype, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(ours, theirs, rtol=1e-12):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.data.dtype == theirs.dtype, (ours.data.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.data, theirs, rtol=rtol, atol=0, equal_nan=True)


def _grads_match(torch, ours_fn, theirs_fn, *values, rtol=1e-12):
    """Values and the gradients of every input against torch (float64)."""
    xs = [_pair(torch, v) for v in values]
    out, ref = ours_fn(*[a for a, _ in xs]), theirs_fn(*[t for _, t in xs])
    _same(out, ref, rtol)
    g = np.linspace(0.5, 1.5, out.numel()).reshape(out.shape)
    ours = ag.grad(out, [a for a, _ in xs], ag.tensor(g, dtype=ag.float64), allow_unused=True)
    theirs = torch.autograd.grad(ref, [t for _, t in xs], torch.tensor(g), allow_unused=True)
    for a, b, (x, _) in zip(ours, theirs, xs):
        np.testing.assert_allclose(_array(a, x.shape), _array(b, x.shape), rtol=rtol, atol=0,
                                   equal_nan=True)


UNARY_FLOAT = ["log1p", "expm1", "log2", "log10", "rsqrt", "reciprocal", "tan", "sinh", "cosh",
               "asin", "acos", "atan", "asinh", "acosh", "atanh", "deg2rad", "rad2deg"]


# --- dtypes ---

@pytest.mark.parametrize("name", UNARY_FLOAT)
def test_float_ops_give_the_default_dtype_for_int_and_bool_like_torch(torch, name):
    for data in ([1, 2, 3], [True, False]):
        ours, theirs = getattr(ag, name)(ag.tensor(data)), getattr(torch, name)(torch.tensor(data))
        assert ours.dtype == ag.float32 and theirs.dtype == torch.float32
        _same(ours, theirs, rtol=1e-6)
    ag.set_default_dtype(ag.float64)
    assert getattr(ag, name)(ag.tensor([1, 2])).dtype == ag.float64


@pytest.mark.parametrize("name", UNARY_FLOAT + ["square", "floor", "ceil", "round", "trunc",
                                                "fix", "frac", "nan_to_num"])
def test_float_tensors_keep_their_dtype_and_so_do_their_gradients(name):
    for dtype in (ag.float32, ag.float64):
        x = ag.tensor([0.5, 0.25], dtype=dtype, requires_grad=True)
        y = getattr(ag, name)(x)
        assert y.dtype == dtype
        y.sum().backward()
        assert x.grad.dtype == dtype


@pytest.mark.parametrize("name", UNARY_FLOAT + ["square", "floor", "frac", "isinf"])
def test_every_op_is_also_a_tensor_method(name):
    x = ag.tensor([0.5, 0.25])
    np.testing.assert_array_equal(getattr(x, name)().data, getattr(ag, name)(x).data)


def test_binary_methods_and_aliases():
    a, b = ag.tensor([1.0, -2.0]), ag.tensor([3.0, 0.5])
    for name in ("atan2", "arctan2", "hypot", "logaddexp", "xlogy", "clamp_min", "clamp_max"):
        np.testing.assert_array_equal(getattr(a, name)(b).data, getattr(ag, name)(a, b).data)
    np.testing.assert_array_equal(ag.arctan2(a, b).data, np.arctan2(a.data, b.data))
    np.testing.assert_array_equal(a.fix().data, ag.trunc(a).data)
    assert a.equal(a) is True and a.isclose(b).dtype == ag.bool
    np.testing.assert_array_equal(a.lerp(b, 0.5).data, [2.0, -0.75])
    np.testing.assert_array_equal(a.addcdiv(a, b, value=2).data, a.data + 2 * a.data / b.data)
    np.testing.assert_array_equal(a.round(decimals=1).data, a.data)


def test_square_keeps_ints_and_makes_bools_int64_like_torch(torch):
    for data in ([1, -3], [True, False]):
        _same(ag.square(ag.tensor(data)), torch.square(torch.tensor(data)))


def test_rounding_ops_copy_int_tensors_and_refuse_bools_like_torch(torch):
    x = ag.tensor([1, -2])
    for name in ("floor", "ceil", "round", "trunc", "fix"):
        y = getattr(ag, name)(x)
        _same(y, getattr(torch, name)(torch.tensor([1, -2])))
        assert y.data is not x.data
        with pytest.raises(TypeError, match=f"{name}: not supported for bool tensors"):
            getattr(ag, name)(ag.tensor([True]))
    with pytest.raises(TypeError, match="round: decimals=1 is not supported for integer"):
        ag.round(x, decimals=1)
    with pytest.raises(TypeError, match="round: decimals must be an int, got float"):
        ag.round(ag.tensor([1.5]), decimals=1.0)
    with pytest.raises(TypeError, match="frac: not supported for int64 tensors"):
        ag.frac(x)


def test_atan2_and_xlogy_promote_ints_hypot_and_logaddexp_refuse_them_like_torch(torch):
    i = [1, 2, 0]
    for name in ("atan2", "xlogy"):
        ours = getattr(ag, name)(ag.tensor(i), ag.tensor([3, 0, 2]))
        _same(ours, getattr(torch, name)(torch.tensor(i), torch.tensor([3, 0, 2])), rtol=1e-6)
        assert getattr(ag, name)(ag.tensor(i), 2.5).dtype == ag.float32
    for name in ("hypot", "logaddexp"):
        with pytest.raises(TypeError, match=f"{name}: not supported for int64 operands"):
            getattr(ag, name)(ag.tensor(i), ag.tensor(i))
        # a float operand makes it a float op, as in torch
        _same(getattr(ag, name)(ag.tensor(i), ag.tensor([1.0, 2.0, 3.0])),
              getattr(torch, name)(torch.tensor(i), torch.tensor([1.0, 2.0, 3.0])), rtol=1e-6)
    # a Python number takes a float32 tensor's dtype
    assert ag.hypot(ag.tensor([3.0]), 4.0).dtype == ag.float32
    assert ag.logaddexp(2, ag.tensor([1.0], dtype=ag.float64)).dtype == ag.float64


@pytest.mark.parametrize("op, args", [
    ("atan2", ((2, 3), (4,))), ("hypot", ((2,), (3,))), ("logaddexp", ((3, 1), (2, 2))),
    ("xlogy", ((2,), (5,))), ("isclose", ((2,), (3,)))])
def test_binary_shape_mismatch_names_op_and_shapes(op, args):
    a, b = (ag.ones(*s) for s in args)
    shapes = rf"\({args[0][0]}, ?{', '.join(map(str, args[0][1:]))}\)"
    with pytest.raises(ag.ShapeError, match=rf"{op}: shapes {shapes}"):
        getattr(ag, op)(a, b)


def test_lerp_and_addcdiv_shape_mismatch_names_every_argument():
    with pytest.raises(ag.ShapeError, match=r"lerp: shapes \(2,\) \(input\), \(3,\) \(end\), "
                                            r"\(\) \(weight\) cannot be broadcast"):
        ag.lerp(ag.ones(2), ag.ones(3), 0.5)
    with pytest.raises(ag.ShapeError, match=r"addcdiv: shapes \(2,\) \(input\), \(2,\) "
                                            r"\(tensor1\), \(3,\) \(tensor2\)"):
        ag.addcdiv(ag.ones(2), ag.ones(2), ag.ones(3))


def test_lerp_and_addcdiv_refuse_what_torch_refuses():
    with pytest.raises(TypeError, match="lerp: input and end must be floating tensors, got "
                                        "int64 and int64"):
        ag.lerp(ag.tensor([1, 2]), ag.tensor([3, 4]), 0.5)
    with pytest.raises(TypeError, match="lerp: weight must be a floating tensor, got int64"):
        ag.lerp(ag.ones(2), ag.ones(2), ag.tensor([1, 0]))
    with pytest.raises(TypeError, match="lerp: weight must be a number or a Tensor, got str"):
        ag.lerp(ag.ones(2), ag.ones(2), "half")
    with pytest.raises(TypeError, match="addcdiv: integer division is not supported"):
        ag.addcdiv(ag.ones(2), ag.tensor([1, 2]), ag.tensor([3, 4]))
    with pytest.raises(TypeError, match="addcdiv: value must be a number, got str"):
        ag.addcdiv(ag.ones(2), ag.ones(2), ag.ones(2), value="2")
    for name, arg in (("clamp_min", "min"), ("clamp_max", "max")):
        with pytest.raises(TypeError, match=f"{name}: {arg} must be a number or a Tensor, got "
                                            "None"):
            getattr(ag, name)(ag.ones(2), None)


def test_clamp_min_and_max_promote_like_torch(torch):
    i = [1, 2, 3]
    _same(ag.clamp_min(ag.tensor(i), 1.5), torch.clamp_min(torch.tensor(i), 1.5))
    _same(ag.clamp_max(ag.tensor(i), 2), torch.clamp_max(torch.tensor(i), 2))
    _same(ag.clamp_max(ag.tensor([1.0, 5.0]), ag.tensor([2.0, 3.0])),
          torch.clamp_max(torch.tensor([1.0, 5.0]), torch.tensor([2.0, 3.0])))


# --- edge values ---

def test_no_floating_point_warnings_outside_the_domains():
    x = ag.tensor([-2.0, -1.0, 0.0, 1.0, 1000.0])
    infs = ag.tensor([-INF, INF, -INF, INF, INF])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in UNARY_FLOAT:
            getattr(ag, name)(x)
        ag.xlogy(x, x), ag.hypot(x, x), ag.logaddexp(infs, -infs), ag.atan2(x, x)
        ag.round(ag.tensor([1e38], dtype=ag.float32), decimals=5)
        ag.frac(infs)
        ag.nan_to_num(ag.tensor([NAN, INF]), posinf=1e300)


@pytest.mark.parametrize("name", UNARY_FLOAT)
def test_unary_values_at_edges_match_torch(torch, name):
    data = [-2.0, -1.0, -1e-10, -0.0, 0.0, 1e-10, 0.5, 1.0, 2.0, 1e3, INF, -INF, NAN]
    for dtype in ("float32", "float64"):
        ours, theirs = _pair(torch, data, dtype, requires_grad=False)
        _same(getattr(ag, name)(ours), getattr(torch, name)(theirs),
              rtol=1e-6 if dtype == "float32" else 1e-14)


def test_log1p_expm1_and_logs_are_exact_where_the_naive_forms_are_not():
    tiny = ag.tensor([1e-12], dtype=ag.float64)
    assert ag.log1p(tiny).item() == pytest.approx(1e-12, rel=1e-12)
    assert ag.expm1(tiny).item() == pytest.approx(1e-12, rel=1e-12)
    for dtype in (ag.float32, ag.float64):
        np.testing.assert_array_equal(ag.log2(ag.tensor([1.0, 8.0, 2.0 ** -20], dtype=dtype)).data,
                                      [0, 3, -20])
        np.testing.assert_array_equal(ag.log10(ag.tensor([1.0, 1e3, 1e-2], dtype=dtype)).data,
                                      [0, 3, -2])


@pytest.mark.parametrize("name", ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh",
                                  "atanh", "tan", "log1p", "expm1", "log2", "log10", "rsqrt"])
def test_third_derivatives_match_torch(torch, name):
    """create_graph through the backward formulas (sinh's uses cosh, asin's sqrt, ...)."""
    x, t = _pair(torch, [0.3, 0.6] if name != "acosh" else [1.3, 2.0])
    g1 = ag.grad(getattr(ag, name)(x).sum(), x, create_graph=True)[0]
    g2 = ag.grad(g1.sum(), x, create_graph=True)[0]
    g3 = ag.grad(g2.sum(), x)[0]
    h1 = torch.autograd.grad(getattr(torch, name)(t).sum(), t, create_graph=True)[0]
    h2 = torch.autograd.grad(h1.sum(), t, create_graph=True)[0]
    h3 = torch.autograd.grad(h2.sum(), t)[0]
    for a, b in ((g1, h1), (g2, h2), (g3, h3)):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10)


def test_xlogy_values_and_gradients_at_zeros_and_nans_match_torch(torch):
    x = [0.0, 0.0, 0.0, 1.0, 0.0, 2.0, -1.5, 0.0]
    y = [NAN, 0.0, -1.0, 0.0, 2.0, 3.0, 0.5, INF]
    _grads_match(torch, ag.xlogy, torch.xlogy, x, y)
    # Python numbers on either side, as torch.xlogy(Scalar, Tensor) and (Tensor, Scalar)
    _same(ag.xlogy(0, ag.tensor([0.0, 2.0])), torch.xlogy(0, torch.tensor([0.0, 2.0])))
    _same(ag.xlogy(ag.tensor([0.0, 2.0]), 3), torch.xlogy(torch.tensor([0.0, 2.0]), 3))


def test_xlogy_second_derivatives_at_zeros_match_torch(torch):
    x, t = _pair(torch, [0.0, 0.0, 1.5, 0.0, 2.0])
    y, u = _pair(torch, [0.0, 2.0, 2.0, -1.0, 0.0])
    g, h = _pair(torch, [1.0, 0.5, 2.0, 1.0, 0.0])
    gx, gy = ag.grad(ag.xlogy(x, y), [x, y], g, create_graph=True)
    hx, hy = torch.autograd.grad(torch.xlogy(t, u), [t, u], h, create_graph=True)
    _same(gx, hx)
    _same(gy, hy)
    for ours, theirs in ((gx, hx), (gy, hy)):
        a = ag.grad(ours.sum(), [x, y, g], allow_unused=True)
        b = torch.autograd.grad(theirs.sum(), [t, u, h], allow_unused=True)
        for p, q in zip(a, b):  # (None: unused, a zero gradient)
            np.testing.assert_allclose(_array(p, x.shape), _array(q, x.shape), rtol=1e-12,
                                       equal_nan=True)


def test_atan2_hypot_logaddexp_at_the_edges_match_torch(torch):
    a = [0.0, 0.0, -0.0, 3.0, -1.0, INF, 1.0]
    b = [0.0, -1.0, -1.0, 4.0, -INF, 1.0, 2.0]
    _grads_match(torch, ag.atan2, torch.atan2, a, b)
    _grads_match(torch, ag.hypot, torch.hypot, [0.0, 3.0, 1e200, -2.0], [0.0, -4.0, 1e200, 0.0])
    _grads_match(torch, ag.logaddexp, torch.logaddexp, [1.0, -INF, 800.0, -800.0, 0.0],
                 [INF, 1.0, 800.0, -801.0, -1e-9])


def test_lerp_is_exact_at_the_ends_and_matches_torch(torch):
    a, b = ag.tensor([0.1, -3.7, 1e8]), ag.tensor([0.7, 2.3, -1e-8])
    np.testing.assert_array_equal(ag.lerp(a, b, 1.0).data, b.data)
    np.testing.assert_array_equal(ag.lerp(a, b, 0.0).data, a.data)
    w = [[0.0], [0.3], [0.5], [1.0], [1.7], [-0.4]]
    _grads_match(torch, ag.lerp, torch.lerp, [1.0, -2.0, 0.25], [3.0, 5.0, -1.0], w)
    _grads_match(torch, lambda x, y: ag.lerp(x, y, 0.75), lambda x, y: torch.lerp(x, y, 0.75),
                 [1.0, -2.0], [[3.0], [5.0]])
    # a 0-d float64 weight does not change float32 inputs' dtype, as torch
    w64 = ag.tensor(0.5, dtype=ag.float64)
    assert ag.lerp(ag.ones(2), ag.zeros(2), w64).dtype == ag.float32


def test_addcdiv_matches_torch(torch):
    for value in (1, 0.5, -2, 0):
        _grads_match(torch, lambda c, a, b, v=value: ag.addcdiv(c, a, b, value=v),
                     lambda c, a, b, v=value: torch.addcdiv(c, a, b, value=v),
                     [1.0, 2.0], [[3.0], [-1.0]], [0.5, -4.0])
    # an int tensor1 over a float tensor2 is fine, as in torch
    _same(ag.addcdiv(ag.ones(2), ag.tensor([1, 2]), ag.tensor([2.0, 4.0])),
          torch.addcdiv(torch.ones(2), torch.tensor([1, 2]), torch.tensor([2.0, 4.0])))


# --- rounding ---

@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "fix", "frac"])
def test_rounding_values_and_gradients_match_torch(torch, name):
    data = [-2.5, -1.5, -0.5, -0.4, 0.0, 0.5, 1.5, 2.5, 2.7, 1e20, INF, -INF, NAN]
    _grads_match(torch, getattr(ag, name), getattr(torch, name), data)
    x = ag.tensor([1.5], requires_grad=True)
    y = getattr(ag, name)(x)
    assert y.requires_grad and y.grad_fn is not None  # in the graph, as torch's


@pytest.mark.parametrize("decimals", [-3, -1, 1, 2, 5, 400, -400])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_with_decimals_matches_torch(torch, decimals, dtype):
    data = [1234.5678, -0.125, 0.375, 2.5, -25.0, 1e-6, 3e30, INF, NAN]
    ours, theirs = _pair(torch, data, dtype, requires_grad=False)
    _same(ag.round(ours, decimals=decimals), torch.round(theirs, decimals=decimals), rtol=0)


def test_rounding_gradients_are_zero_also_under_create_graph():
    x = ag.tensor([0.3, 1.7], dtype=ag.float64, requires_grad=True)
    for name in ("floor", "ceil", "round", "trunc"):
        (g,) = ag.grad(getattr(ag, name)(x * x).sum(), x, create_graph=True)
        np.testing.assert_array_equal(g.data, 0)
    # frac's gradient is 1 (the truncated part is a constant), and its second is 0
    (g,) = ag.grad(ag.frac(x * x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 2 * x.data)
    np.testing.assert_allclose(ag.grad(g.sum(), x)[0].data, [2.0, 2.0])


def test_rounding_zero_gradient_reaches_hooks_leaves_and_anomaly_mode():
    """A first-order pass hands the zero on lazily: hooks, retained grads, accumulation
    and detect_anomaly see plain zeros."""
    x = ag.tensor([1.5, 2.5], dtype=ag.float64, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    z = x * 2
    z.retain_grad()
    with ag.detect_anomaly():
        (ag.floor(z) + ag.ceil(z) * z).sum().backward()
    np.testing.assert_array_equal(z.grad.data, ag.ceil(z).data)
    np.testing.assert_array_equal(x.grad.data, 2 * ag.ceil(z).data)
    np.testing.assert_array_equal(seen[0], x.grad.data)
    (g,) = ag.grad(ag.round(x).sum(), x)
    assert g.dtype == ag.float64 and g.shape == (2,) and not g.data.any()


# --- nan_to_num ---

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [{}, {"nan": 1.5}, {"posinf": 7.0, "neginf": -7.0},
                                {"nan": -1.0, "posinf": 1e300}])
def test_nan_to_num_values_and_gradient_match_torch(torch, dtype, kw):
    data = [NAN, INF, -INF, 1.5, -0.0, 3e38]
    ours, theirs = _pair(torch, data, dtype)
    y, z = ag.nan_to_num(ours, **kw), torch.nan_to_num(theirs, **kw)
    _same(y, z, rtol=0)
    y.sum().backward()
    z.sum().backward()
    _same(ours.grad, theirs.grad)


def test_nan_to_num_of_ints_is_a_copy_and_a_bad_value_is_refused(torch):
    x = ag.tensor([1, 2])
    y = ag.nan_to_num(x)
    assert y.dtype == ag.int64 and y.data is not x.data
    np.testing.assert_array_equal(y.data, [1, 2])
    with pytest.raises(TypeError, match="nan_to_num: posinf must be a number or None, got str"):
        ag.nan_to_num(ag.ones(2), posinf="big")


# --- predicates: no gradient ---

@pytest.mark.parametrize("name", ["isinf", "isposinf", "isneginf"])
def test_inf_predicates_match_torch(torch, name):
    for data in ([1.0, INF, -INF, NAN, 0.0], [1, 2], [True, False]):
        ours = getattr(ag, name)(ag.tensor(data, requires_grad=isinstance(data[0], float)))
        _same(ours, getattr(torch, name)(torch.tensor(data)))
        assert not ours.requires_grad


def test_isclose_matches_torch(torch):
    a = [1.0, 1.0 + 1e-6, 1.0 + 1e-4, INF, -INF, NAN, 0.0, 1e-9]
    b = [1.0, 1.0, 1.0, INF, INF, NAN, 1e-9, 0.0]
    for kw in ({}, {"equal_nan": True}, {"rtol": 1e-3, "atol": 0.0}, {"rtol": 0, "atol": 1e-8}):
        ours, theirs = _pair(torch, a, requires_grad=True)
        _same(ag.isclose(ours, ag.tensor(b, dtype=ag.float64), **kw),
              torch.isclose(theirs, torch.tensor(b, dtype=torch.float64), **kw))
    _same(ag.isclose(ag.tensor([1, 2, 3]), ag.tensor([1, 3, 3])),
          torch.isclose(torch.tensor([1, 2, 3]), torch.tensor([1, 3, 3])))
    _same(ag.isclose(ag.tensor([True, False]), ag.tensor([True, True])),
          torch.isclose(torch.tensor([True, False]), torch.tensor([True, True])))
    # broadcasting and a number (an extension: torch wants a Tensor)
    np.testing.assert_array_equal(ag.isclose(ag.ones(2, 1), ag.ones(3)).data, np.ones((2, 3)))
    np.testing.assert_array_equal(ag.isclose(ag.tensor([1.0, 2.0]), 1.0).data, [True, False])
    assert not ag.isclose(ag.ones(2, requires_grad=True), ag.ones(2)).requires_grad
    with pytest.raises(ValueError, match="isclose: rtol must be greater than or equal to zero, "
                                         "but got -1"):
        ag.isclose(ag.ones(1), ag.ones(1), rtol=-1)
    with pytest.raises(ValueError, match="isclose: atol must be"):
        ag.isclose(ag.ones(1), ag.ones(1), atol=-1e-3)


def test_equal_is_a_python_bool_like_torch(torch):
    cases = [([1.0, 2.0], [1.0, 2.0]), ([1, 2], [1.0, 2.0]), ([1.0], [1.0, 1.0]),
             ([NAN], [NAN]), ([[1.0, 2.0]], [1.0, 2.0]), ([True], [True]), ([], [])]
    for a, b in cases:
        ours = ag.equal(ag.tensor(a), ag.tensor(b))
        assert ours is torch.equal(torch.tensor(a), torch.tensor(b)), (a, b)
    assert ag.tensor([1.0, 2.0], requires_grad=True).equal(ag.tensor([1.0, 2.0])) is True


# --- in-place forms ---

POSITIVE = [[0.5, 1.5, 2.25], [3.0, 0.75, 1.25]]
MIXED = [[0.5, -1.5, 2.25], [-3.0, 0.75, -1.25]]
INPLACE = [  # method, its arguments (tensors given as lists), the data it runs on
    ("exp_", (), MIXED), ("log_", (), POSITIVE), ("sqrt_", (), POSITIVE),
    ("tanh_", (), MIXED), ("sigmoid_", (), MIXED), ("relu_", (), MIXED), ("abs_", (), MIXED),
    ("neg_", (), MIXED), ("square_", (), MIXED), ("floor_", (), MIXED), ("ceil_", (), MIXED),
    ("round_", (), MIXED), ("trunc_", (), MIXED), ("reciprocal_", (), MIXED),
    ("clamp_min_", (0.6,), MIXED), ("clamp_max_", (1.0,), MIXED),
    ("clamp_min_", ([0.0, 1.0, -2.0],), MIXED), ("pow_", (2.0,), MIXED),
    ("pow_", ([[1.5], [0.5]],), POSITIVE), ("lerp_", ([1.0, 2.0, 3.0], 0.25), MIXED),
    ("lerp_", ([1.0, 2.0, 3.0], [0.25, 0.75, 1.5]), MIXED),
]
IDS = [f"{name}{k}" for k, (name, _, _) in enumerate(INPLACE)]


def _args(lib, args, requires_grad=False):
    return [_tensor(lib, a, requires_grad) if isinstance(a, list) else a for a in args]


def _tensor(lib, data, requires_grad=False):
    """float64 in both libraries (ag makes float arrays float32 by default)."""
    return lib.tensor(np.array(data), dtype=lib.float64, requires_grad=requires_grad)


def _round_args(name):
    return {"decimals": 1} if name == "round_" else {}


@pytest.mark.parametrize("name, args, data", INPLACE, ids=IDS)
def test_inplace_changes_the_tensor_bumps_its_version_and_matches_torch(torch, name, args,
                                                                        data):
    x = _tensor(ag, data)
    array, version = x.data, x._version
    out = getattr(x, name)(*_args(ag, args))
    assert out is x and x.data is array
    assert x._version == version + 1
    t = _tensor(torch, data)
    _same(x, getattr(t, name)(*_args(torch, args)))


def test_round_in_place_takes_decimals(torch):
    x, t = ag.tensor([1.26, -0.35]), torch.tensor([1.26, -0.35])
    _same(x.round_(decimals=1), t.round_(decimals=1))


@pytest.mark.parametrize("name, args, data", INPLACE, ids=IDS)
def test_inplace_on_a_leaf_requiring_grad_is_refused_outside_no_grad(name, args, data):
    x = _tensor(ag, data, requires_grad=True)
    before = x.data.copy()
    with pytest.raises(RuntimeError, match=f"{name}: {LEAF_MSG}"):
        getattr(x, name)(*_args(ag, args))
    np.testing.assert_array_equal(x.data, before)
    assert x._version == 0
    with ag.no_grad():
        getattr(x, name)(*_args(ag, args))
    assert x._version == 1 and x.grad_fn is None and x.requires_grad


@pytest.mark.parametrize("name, args, data", INPLACE, ids=IDS)
def test_gradients_through_inplace_on_a_non_leaf_match_torch(torch, name, args, data):
    """y = x * 1, y.op_(...), then a function of y: the gradients of x and of any tensor
    argument match torch's, also when the change goes through a view (y[1], y[:, 1:])."""
    views = [None] if any(isinstance(a, list) for a in args) else [None, 1, (slice(None),
                                                                              slice(1, None))]
    for view in views:
        results = []
        for lib in (ag, torch):
            x = _tensor(lib, data, requires_grad=True)
            targs = _args(lib, args, requires_grad=True)
            y = x * 1.0
            getattr(y if view is None else y[view], name)(*targs)
            (y * y).sum().backward()
            leaves = [x] + [a for a in targs if isinstance(a, (ag.Tensor, torch.Tensor))]
            results.append([np.asarray(y.data if lib is ag else y.detach().numpy())]
                           + [_grad_array(a) for a in leaves])
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=f"{name}, view {view}")


def _grad_array(t):
    return _array(t.grad, t.shape)


def _array(g, shape):
    """An ag or torch gradient as an ndarray; None (no gradient) as zeros."""
    if g is None:
        return np.zeros(shape)
    return g.data if isinstance(g, ag.Tensor) else g.detach().numpy()


@pytest.mark.parametrize("name", ["exp_", "log_", "sqrt_", "tanh_", "sigmoid_", "reciprocal_"])
def test_inplace_float_ops_refuse_int_tensors_like_torch(torch, name):
    x = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match=f"{name}: result type float32 can't be cast to the "
                                           "desired output type int64"):
        getattr(x, name)()
    np.testing.assert_array_equal(x.data, [1, 2])
    assert x._version == 0
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(torch.tensor([1, 2]), name)()
    with pytest.raises(RuntimeError, match="pow_: result type"):
        ag.tensor([1, 2]).pow_(0.5)


@pytest.mark.parametrize("name", ["floor_", "ceil_", "round_", "trunc_", "square_", "neg_",
                                  "abs_", "relu_"])
def test_inplace_ops_that_keep_ints_work_on_int_tensors_like_torch(torch, name):
    x, t = ag.tensor([3, -2]), torch.tensor([3, -2])
    _same(getattr(x, name)(), getattr(t, name)())


def test_changing_a_saved_output_in_place_is_detected_at_backward(torch):
    """exp saves its output: exp_ on it makes the gradient wrong, so backward raises, as
    torch does; sqrt_ after a square, which saves its input only, is fine."""
    x = ag.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.exp_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    t = torch.tensor([0.5, 1.0], requires_grad=True)
    u = t.exp()
    u.exp_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        u.sum().backward()
    z = ag.tensor([0.5, 1.0], requires_grad=True)
    w = z.tanh()
    w.sigmoid_()  # tanh's saved output changed: refused
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()


def test_inplace_on_a_tensor_without_grad_with_an_argument_that_requires_grad(torch):
    end, t_end = _pair(torch, [3.0, 4.0])
    x, t = _tensor(ag, [1.0, 2.0]), _tensor(torch, [1.0, 2.0])
    x.lerp_(end, 0.25)
    t.lerp_(t_end, 0.25)
    assert x.requires_grad and x.grad_fn is not None
    (x * x).sum().backward()
    (t * t).sum().backward()
    _same(end.grad, t_end.grad)
