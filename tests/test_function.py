"""ag.Function: user-defined ops with ctx.save_for_backward, saved_tensors,
needs_input_grad and .apply; gradcheck; misuse gives errors naming the Function."""

import os
import traceback

import numpy as np
import pytest

import autograd_core as ag

HERE = os.path.abspath(__file__)


class Cube(ag.Function):
    """y = x^3;  dy/dx = 3 x^2 (backward in Tensor ops, so twice differentiable)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * 3 * x * x


class ScaledMul(ag.Function):
    """y = scale * a * b with a non-tensor argument in the middle."""

    @staticmethod
    def forward(ctx, a, scale, b):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad
        return a * b * scale

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga = gy * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = gy * a * ctx.scale if ctx.needs_input_grad[2] else None
        return ga, None, gb


def _leaf(a, dtype=ag.float64):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=True)


def test_custom_function_forward_and_backward():
    x = _leaf([1.0, -2.0, 3.0])
    y = Cube.apply(x)
    np.testing.assert_array_equal(y.data, [1.0, -8.0, 27.0])
    assert y.grad_fn is not None
    assert y.grad_fn.name == "CubeBackward"
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0, 27.0])


def test_custom_function_next_functions_point_at_inputs():
    x = _leaf([1.0])
    h = x * 2
    y = Cube.apply(h)
    assert y.grad_fn.next_functions[0][0] is h.grad_fn


def test_custom_function_passes_gradcheck_in_float64():
    x = _leaf(np.random.default_rng(0).standard_normal((3, 2)))
    assert ag.gradcheck(Cube.apply, (x,))


def test_custom_function_passes_gradgradcheck_in_float64():
    x = _leaf(np.random.default_rng(1).standard_normal(4))
    assert ag.gradgradcheck(Cube.apply, (x,))


def test_custom_function_second_derivative():
    x = _leaf(2.0)
    (g,) = ag.grad(Cube.apply(x), x, create_graph=True)
    assert g.item() == pytest.approx(12.0)
    (gg,) = ag.grad(g, x)
    assert gg.item() == pytest.approx(12.0)


def test_gradcheck_catches_a_wrong_custom_backward():
    class WrongCube(Cube):
        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 2 * x * x

    x = _leaf([0.5, 1.5])
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(WrongCube.apply, (x,))


def test_needs_input_grad_has_one_flag_per_forward_argument():
    a, b = _leaf([1.0, 2.0]), ag.tensor([3.0, 4.0], dtype=ag.float64)
    y = ScaledMul.apply(a, 2.0, b)
    assert y.grad_fn.seen_needs == (True, False, False)
    assert y.grad_fn.needs_input_grad == (True, False, False)
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [6.0, 8.0])
    assert b.grad is None


def test_function_with_non_tensor_argument_gives_grads_to_both_tensors():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    y = ScaledMul.apply(a, 0.5, b)
    assert y.grad_fn.needs_input_grad == (True, False, True)
    np.testing.assert_array_equal(y.data, [1.5, 4.0])
    y.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.5, 2.0])
    np.testing.assert_array_equal(b.grad.data, [0.5, 1.0])


def test_function_forward_runs_without_recording():
    inside = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            inside["enabled"] = ag.is_grad_enabled()
            y = x * 2
            inside["y_grad_fn"] = y.grad_fn
            return y

        @staticmethod
        def backward(ctx, gy):
            return gy * 2

    x = _leaf([1.0])
    out = Probe.apply(x)
    assert inside == {"enabled": False, "y_grad_fn": None}
    assert out.grad_fn.name == "ProbeBackward"
    assert ag.is_grad_enabled()


def test_function_on_inputs_without_grad_records_nothing():
    y = Cube.apply(ag.tensor([2.0]))
    assert y.grad_fn is None and not y.requires_grad
    with ag.no_grad():
        z = Cube.apply(_leaf([2.0]))
    assert z.grad_fn is None and not z.requires_grad


def test_function_matches_torch_function():
    torch = pytest.importorskip("torch")

    class TCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 3 * x * x

    a = np.random.default_rng(2).standard_normal((2, 3))
    x, tx = _leaf(a), torch.tensor(a, requires_grad=True)
    (Cube.apply(x).sin()).sum().backward()
    (TCube.apply(tx).sin()).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_saved_tensors_freed_after_backward_second_backward_raises():
    x = _leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 12.0])


def test_function_retain_graph_allows_second_backward():
    x = _leaf([1.0, 2.0])
    y = Cube.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 24.0])


def test_function_backward_may_return_numpy_or_list_grads():
    class NumpyGrad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            return np.full(gy.shape, 2.0) * gy.data

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    NumpyGrad.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    assert x.grad.dtype == ag.float32


# --- misuse ---

class BadCount(ag.Function):
    @staticmethod
    def forward(ctx, x, w):
        return x * w

    @staticmethod
    def backward(ctx, gy):
        return gy  # two inputs, one gradient


class BadShape(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy[:2]


class Raises(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        raise ZeroDivisionError("user backward failed")


def test_backward_returning_wrong_number_of_grads_names_function_and_counts():
    x, w = _leaf([1.0, 2.0, 3.0]), _leaf([1.0, 1.0, 1.0])
    y = BadCount.apply(x, w).sum()
    with pytest.raises(RuntimeError, match=r"function BadCountBackward returned an incorrect "
                                           r"number of gradients \(expected 2, got 1\)"):
        y.backward()
    assert x.grad is None and w.grad is None


def test_backward_returning_too_many_grads_names_counts():
    class TooMany(Cube):
        @staticmethod
        def backward(ctx, gy):
            return gy, gy, gy

    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match=r"TooManyBackward.*expected 1, got 3"):
        TooMany.apply(x).sum().backward()
    assert x.grad is None


def test_backward_returning_wrong_shape_names_function_and_both_shapes():
    x = _leaf([1.0, 2.0, 3.0])
    y = BadShape.apply(x).sum()
    with pytest.raises(RuntimeError, match=r"BadShapeBackward") as info:
        y.backward()
    msg = str(info.value)
    assert "(2,)" in msg and "(3,)" in msg
    assert "index 0" in msg
    assert x.grad is None


def test_exception_in_user_backward_propagates_with_its_traceback():
    x = _leaf([1.0, 2.0])
    y = Raises.apply(x).sum()
    with pytest.raises(ZeroDivisionError, match="user backward failed") as info:
        y.backward()
    frames = traceback.extract_tb(info.tb)
    assert any(f.name == "backward" and os.path.abspath(f.filename) == HERE for f in frames)
    assert x.grad is None


def test_exception_in_user_backward_propagates_through_ag_grad():
    x = _leaf([1.0, 2.0])
    with pytest.raises(ZeroDivisionError) as info:
        ag.grad(Raises.apply(x).sum(), x)
    frames = traceback.extract_tb(info.tb)
    assert frames[-1].name == "backward"
    assert os.path.abspath(frames[-1].filename) == HERE


def test_forward_returning_a_non_tensor_raises_type_error():
    class NotTensor(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return 3.0

        @staticmethod
        def backward(ctx, gy):
            return gy

    with pytest.raises(TypeError, match="NotTensor.forward must return a Tensor"):
        NotTensor.apply(_leaf([1.0]))


def test_saved_tensor_modified_in_place_is_detected_by_saved_tensors():
    x = _leaf([1.0, 2.0])
    h = x * 1
    y = Cube.apply(h)
    with ag.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
    assert x.grad is None


# --- Functions with several outputs ---

class _SinCos(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, g_sin, g_cos):
        (x,) = ctx.saved_tensors
        return g_sin * x.cos() - g_cos * x.sin()


def test_function_with_two_outputs_gets_both_gradients():
    x = ag.tensor([0.3, -1.2, 2.0], dtype=ag.float64, requires_grad=True)
    s, c = _SinCos.apply(x)
    assert s.grad_fn.name == "_SinCosBackward[0]" and c.grad_fn.name == "_SinCosBackward[1]"
    (2 * s + c).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * np.cos(x.data) - np.sin(x.data))


def test_function_output_not_used_gets_zero_gradient():
    x = ag.tensor([0.3, -1.2], dtype=ag.float64, requires_grad=True)
    s, _ = _SinCos.apply(x)
    s.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.cos(x.data))


def test_function_with_two_outputs_passes_gradcheck_and_gradgradcheck():
    x = ag.tensor([0.3, -1.2, 2.0], dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(_SinCos.apply, (x,))
    assert ag.gradgradcheck(_SinCos.apply, (x,))


def test_mark_non_differentiable_output_does_not_require_grad():
    class MaxWithIndex(ag.Function):
        @staticmethod
        def forward(ctx, x):
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(x, i)
            return x.max(), i

        @staticmethod
        def backward(ctx, g, g_index):
            x, i = ctx.saved_tensors
            out = ag.zeros_like(x)
            out[i] = g
            return out

    x = ag.tensor([1.0, 5.0, 2.0], requires_grad=True)
    v, i = MaxWithIndex.apply(x)
    assert v.requires_grad and not i.requires_grad
    v.backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 0.0])


def test_backward_may_return_extra_trailing_nones_and_single_outputs_can_be_non_differentiable():
    """As torch.autograd.Function: backward may return more Nones than inputs, and one
    output marked non-differentiable does not require grad."""

    class Double(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class Index(ag.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.argmax().reshape(1) * 1.0
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    x = ag.tensor([1.0, 3.0], requires_grad=True)
    Double.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    out = Index.apply(x)
    assert not out.requires_grad and out.grad_fn is None

    class Extra(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Extra.apply(x).sum().backward()
