"""ag.gradcheck, ag.gradgradcheck and ag.GradcheckError: correct ops pass in float64; a
wrong backward raises a short table naming the input, the elements, both values and the
errors; random upstream gradients catch what .sum() hides; float32 inputs are checked on
float64 copies with a warning; kinks are reported as not differentiable."""

import re
import warnings

import numpy as np
import pytest

import autograd_core as ag


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64,
                     requires_grad=requires_grad)


def randn(*shape, requires_grad=True):
    """float64 normal draws from ag's generator (conftest seeds it for every test)."""
    return ag.randn(*shape, dtype=ag.float64, requires_grad=requires_grad)


def failure(fn, inputs, **kwargs):
    """The GradcheckError message of a check that must fail."""
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(fn, inputs, **kwargs)
    return str(info.value)


def table_rows(msg):
    """(element, analytical, numerical, abs err, rel err) for each row of the table."""
    num = r"(-?(?:[0-9.]+(?:e[-+]?\d+)?|nan|inf))"
    pat = rf"^\s*(\((?:-?\d+,?\s*)*\))\s+{num}\s+{num}\s+{num}\s+{num}\s*$"
    rows = []
    for line in msg.splitlines():
        m = re.match(pat, line)
        if m:
            rows.append((m.group(1),) + tuple(float(g) for g in m.groups()[1:]))
    return rows


# --- custom Functions with known bugs ---

class SquareOffByFactor(ag.Function):
    """y = x^2, but backward says 3x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x


class MatMulTransposed(ag.Function):
    """y = a @ b, but a's gradient forgets to transpose b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return gy @ b, a.T @ gy


class DoubleReversed(ag.Function):
    """y = 2x (1-d); backward reverses the upstream gradient: right only when it is constant."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy[::-1] * 2


class DoubleTransposed(ag.Function):
    """y = 2x (square 2-d); backward transposes the upstream gradient."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy.T * 2


class MulWrongForB(ag.Function):
    """y = a * b: a's gradient is right, b's is doubled."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        return gy * b, gy * a * 2


class DoubleNaNAtOne(ag.Function):
    """y = 2x; backward is right except for a NaN at element 1."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        g = gy.data * 2
        g[1] = np.nan
        return ag.tensor(g, dtype=gy.dtype)


class CubeDetachedBackward(ag.Function):
    """y = x^3 with a right first derivative built from detached values, so the
    second derivative through it is wrong (zero instead of 6x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        xd = x.detach()
        return gy * 3 * xd * xd


class Cube(ag.Function):
    """y = x^3 with a backward in Tensor ops (twice differentiable)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x * x


# --- correct ops pass ---

@pytest.mark.parametrize("fn, shapes", [
    (ag.tanh, [(3, 4)]),
    (ag.exp, [(5,)]),
    (lambda x: x ** 3, [(2, 3)]),
    (ag.sigmoid, [(4,)]),
    (lambda x: x.softmax(-1), [(2, 5)]),
    (lambda x: x.log_softmax(0), [(3, 2)]),
    (lambda x: x.logsumexp(1), [(2, 4)]),
    (ag.matmul, [(2, 3), (3, 4)]),
    (lambda a, b: a * b + a / (b * b + 1), [(2, 3), (3,)]),
    (lambda a, b: (a @ b).tanh().sum(0) * a.mean(), [(3, 2), (2, 4)]),
    (lambda x: ((x.sin() * x.exp()).sum(1, keepdim=True) - x).var(0), [(3, 4)]),
    (lambda x: x.reshape(2, 3).transpose(0, 1)[1:, ::-1].cos(), [(6,)]),
], ids=["tanh", "exp", "cube", "sigmoid", "softmax", "log_softmax", "logsumexp", "matmul",
        "broadcast_mul_div", "matmul_tanh_sum_mean", "sin_exp_var", "views_cos"])
def test_gradcheck_passes_for_correct_ops_and_compositions(fn, shapes):
    assert ag.gradcheck(fn, tuple(randn(*s) for s in shapes)) is True


def test_gradcheck_passes_for_a_correct_custom_function():
    assert ag.gradcheck(Cube.apply, (randn(3, 2),)) is True


def test_gradcheck_passes_for_tuple_outputs():
    def fn(a, b):
        return (a * b).exp(), (a @ b.T).tanh(), a.sum()

    assert ag.gradcheck(fn, (randn(2, 3), randn(2, 3))) is True


def test_gradcheck_tuple_outputs_with_a_non_differentiable_one():
    assert ag.gradcheck(lambda x: (x * 2, x.argmax(), x > 0), (randn(4),)) is True


def test_gradcheck_tuple_outputs_catches_a_wrong_second_output():
    msg = failure(lambda x: (x.tanh(), SquareOffByFactor.apply(x)), (randn(3),))
    assert "input 0" in msg


def test_gradcheck_only_checks_inputs_that_require_grad():
    a, b = randn(3), randn(3, requires_grad=False)
    assert ag.gradcheck(MulWrongForB.apply, (a, b)) is True
    b.requires_grad_(True)
    msg = failure(MulWrongForB.apply, (a, b))
    assert re.search(r"\binput 1\b", msg)
    assert not re.search(r"\binput 0\b", msg)


def test_gradcheck_accepts_non_tensor_arguments():
    assert ag.gradcheck(lambda x, k: (x * k).sin(), (randn(4), 2.5)) is True


def test_gradcheck_restores_the_inputs():
    x = randn(3, 3)
    before = x.data.copy()
    ag.gradcheck(ag.tanh, (x,))
    np.testing.assert_array_equal(x.data, before)
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(SquareOffByFactor.apply, (x,))
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


# --- wrong gradients: a short table ---

def test_wrong_factor_raises_a_table_naming_input_elements_values_and_errors():
    x = randn(10, 10)
    msg = failure(SquareOffByFactor.apply, (x,))
    assert re.search(r"\binput 0\b", msg)
    assert re.search(r"analytical", msg) and re.search(r"numerical", msg)
    assert re.search(r"abs err", msg) and re.search(r"rel err", msg)
    rows = table_rows(msg)
    assert rows, msg
    for element, analytical, numerical, abs_err, rel_err in rows:
        assert re.fullmatch(r"\(\d, \d\)", element)
        # 3x against 2x, times the same upstream gradient: the ratio is exactly 1.5
        assert analytical == pytest.approx(1.5 * numerical, rel=1e-4)
        assert abs_err == pytest.approx(abs(analytical - numerical), rel=1e-4, abs=1e-5)
        assert rel_err == pytest.approx(0.5, rel=1e-3)
    # short: never the whole 100 x 100 Jacobian
    assert len(msg.splitlines()) < 20
    assert len(msg) < 2000


def test_wrong_factor_table_elements_are_the_real_ones():
    x = f64([0.0, 0.0, 5.0, 0.0])  # only element 2 is wrong (the others are 0 = 0)
    msg = failure(SquareOffByFactor.apply, (x,))
    rows = table_rows(msg)
    assert [r[0] for r in rows] == ["(2,)"]


def test_transposed_backward_names_the_wrong_input():
    a, b = randn(3, 3), randn(3, 3)
    msg = failure(MatMulTransposed.apply, (a, b))
    assert re.search(r"\binput 0\b", msg)
    assert table_rows(msg)
    assert len(msg.splitlines()) < 20
    # b's gradient is right: checking only b passes
    assert ag.gradcheck(MatMulTransposed.apply, (a.detach(), b)) is True


def test_raise_exception_false_returns_false():
    assert ag.gradcheck(SquareOffByFactor.apply, (randn(3),), raise_exception=False) is False
    assert ag.gradcheck(ag.tanh, (randn(3),), raise_exception=False) is True


def test_gradcheck_error_is_an_exception_class():
    assert issubclass(ag.GradcheckError, Exception)


# --- random upstream gradients, not .sum() ---

def test_reversed_upstream_gradient_is_hidden_by_sum():
    # the premise: through .sum() (all upstream grads equal) this backward looks right
    x = randn(5)
    DoubleReversed.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2.0)


def test_reversed_upstream_gradient_is_caught():
    msg = failure(DoubleReversed.apply, (randn(5),))
    assert re.search(r"\binput 0\b", msg)


def test_transposed_upstream_gradient_is_caught():
    x = randn(3, 3)
    DoubleTransposed.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2.0)
    assert ag.gradcheck(DoubleTransposed.apply, (x.detach().requires_grad_(),),
                        raise_exception=False) is False


# --- NaN ---

def test_nan_analytical_gradient_fails():
    msg = failure(DoubleNaNAtOne.apply, (randn(3),))
    assert re.search(r"\binput 0\b", msg)
    assert "nan" in msg.lower()
    assert "(1,)" in msg
    assert ag.gradcheck(DoubleNaNAtOne.apply, (randn(3),), raise_exception=False) is False


# --- float32 ---

def test_float32_input_warns_and_is_checked_in_float64():
    x = ag.randn(6, dtype=ag.float32, requires_grad=True)
    with pytest.warns(UserWarning, match=r"input 0"):
        assert ag.gradcheck(lambda t: (t ** 3).exp(), (x,)) is True
    assert x.dtype == ag.float32


def test_float32_warning_names_only_the_float32_inputs():
    a = randn(3)
    b = ag.randn(3, dtype=ag.float32, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ag.gradcheck(lambda p, q: (p * q).tanh(), (a, b)) is True
    msgs = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(msgs) == 1
    assert re.search(r"\binput 1\b", msgs[0]) and not re.search(r"\binput 0\b", msgs[0])


def test_float32_wrong_backward_still_fails():
    x = ag.randn(4, dtype=ag.float32, requires_grad=True)
    with pytest.warns(UserWarning, match=r"input 0"):
        with pytest.raises(ag.GradcheckError, match=r"input 0"):
            ag.gradcheck(SquareOffByFactor.apply, (x,))


def test_float64_inputs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradcheck(ag.tanh, (randn(3),)) is True


# --- kinks ---

def _assert_not_differentiable(msg, element):
    assert "not differentiable" in msg, msg
    assert element in msg, msg
    assert "wrong gradient" not in msg


def test_relu_at_zero_is_reported_as_not_differentiable():
    msg = failure(ag.relu, (f64([0.0, 1.5, -2.0]),))
    _assert_not_differentiable(msg, "(0,)")
    assert "(1,)" not in msg and "(2,)" not in msg


def test_abs_at_zero_is_reported_as_not_differentiable():
    msg = failure(ag.abs, (f64([0.7, 0.0, -1.2]),))
    _assert_not_differentiable(msg, "(1,)")


def test_max_with_ties_is_reported_as_not_differentiable():
    msg = failure(lambda t: ag.max(t), (f64([1.0, 3.0, -2.0, 3.0]),))
    assert "not differentiable" in msg, msg
    assert "(1,)" in msg or "(3,)" in msg


def test_maximum_of_equal_values_is_reported_as_not_differentiable():
    a, b = f64([1.0, 2.0]), f64([1.0, 3.0])
    msg = failure(ag.maximum, (a, b))
    _assert_not_differentiable(msg, "(0,)")


def test_kink_with_raise_exception_false_returns_false():
    assert ag.gradcheck(ag.relu, (f64([0.0, 1.0]),), raise_exception=False) is False


@pytest.mark.parametrize("fn, inputs", [
    (ag.relu, ([0.5, -1.0, 2.0],)),
    (ag.abs, ([0.3, -0.7],)),
    (lambda t: ag.max(t), ([1.0, 3.0, 2.0],)),
    (ag.maximum, ([1.0, 2.0], [3.0, 1.0])),
], ids=["relu", "abs", "max", "maximum"])
def test_away_from_the_kink_passes(fn, inputs):
    assert ag.gradcheck(fn, tuple(f64(x) for x in inputs)) is True


# --- gradgradcheck ---

@pytest.mark.parametrize("fn, shapes", [
    (ag.tanh, [(2, 3)]),
    (ag.exp, [(4,)]),
    (lambda x: x ** 3, [(3,)]),
    (ag.matmul, [(2, 3), (3, 2)]),
    (lambda x: x.softmax(-1), [(2, 3)]),
    (lambda x: x.log_softmax(-1), [(2, 3)]),
    (lambda x: x.logsumexp(0), [(3, 2)]),
    (ag.sigmoid, [(4,)]),
], ids=["tanh", "exp", "cube", "matmul", "softmax", "log_softmax", "logsumexp", "sigmoid"])
def test_gradgradcheck_passes_for_twice_differentiable_ops(fn, shapes):
    assert ag.gradgradcheck(fn, tuple(randn(*s) for s in shapes)) is True


def test_gradgradcheck_passes_for_a_twice_differentiable_custom_function():
    assert ag.gradgradcheck(Cube.apply, (randn(3),)) is True


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = randn(4)
    assert ag.gradcheck(CubeDetachedBackward.apply, (x,)) is True  # first order is right
    with pytest.raises(ag.GradcheckError, match=r"gradgradcheck: wrong gradient for input 0 "
                       r"\(its second derivatives\)"):
        ag.gradgradcheck(CubeDetachedBackward.apply, (x,))
    assert ag.gradgradcheck(CubeDetachedBackward.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_with_given_grad_outputs():
    x = randn(2, 3)
    assert ag.gradgradcheck(ag.tanh, (x,), grad_outputs=(randn(2, 3),)) is True
    with pytest.raises(ag.GradcheckError):
        ag.gradgradcheck(CubeDetachedBackward.apply, (randn(3),), grad_outputs=(randn(3),))


# --- nothing to check ---

def test_gradcheck_without_inputs_requiring_grad_raises_value_error():
    with pytest.raises(ValueError, match=r"gradcheck: no input requires grad"):
        ag.gradcheck(ag.tanh, (randn(3, requires_grad=False),))
    with pytest.raises(ValueError, match=r"no input requires grad"):
        ag.gradcheck(lambda x, k: x * k, (randn(3, requires_grad=False), 2.0))


def test_gradgradcheck_without_inputs_requiring_grad_raises_value_error():
    with pytest.raises(ValueError, match=r"no input requires grad"):
        ag.gradgradcheck(ag.tanh, (randn(3, requires_grad=False),))
