"""Grad mode (no_grad, enable_grad, set_grad_enabled, is_grad_enabled) and anomaly mode."""

import inspect
import os
import threading

import numpy as np
import pytest

import autograd_core as ag

HERE = os.path.abspath(__file__)


@pytest.fixture(autouse=True)
def _restore_modes():
    """Fail the test that leaks a disabled grad mode or an enabled anomaly mode, and heal
    the state so that the next test starts clean."""
    yield
    leaked_grad = not ag.is_grad_enabled()
    leaked_anomaly = ag.is_anomaly_enabled()
    ag.set_grad_enabled(True)
    if leaked_anomaly:
        ag.detect_anomaly(False).__enter__()
    if leaked_grad or leaked_anomaly:
        pytest.fail(f"test leaked grad_enabled={not leaked_grad} anomaly={leaked_anomaly}")


def _x():
    return ag.tensor([1.0, 2.0], requires_grad=True)


def _records(t):
    return t.requires_grad and t.grad_fn is not None


def test_grad_is_enabled_by_default():
    assert ag.is_grad_enabled() is True
    assert _records(_x() * 2)


def test_no_grad_context_stops_recording_and_restores():
    x = _x()
    with ag.no_grad():
        assert ag.is_grad_enabled() is False
        y = x * 2
        z = (x.exp() + 1).sum()
    assert ag.is_grad_enabled() is True
    for t in (y, z):
        assert not t.requires_grad
        assert t.grad_fn is None and t.is_leaf
    np.testing.assert_array_equal(y.data, [2.0, 4.0])
    assert _records(x * 2)


def test_no_grad_as_decorator():
    x = _x()

    @ag.no_grad()
    def f(t):
        """doc"""
        assert not ag.is_grad_enabled()
        return t * 3

    y = f(x)
    assert not y.requires_grad and y.grad_fn is None
    assert ag.is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "doc"


def test_enable_grad_inside_no_grad_records():
    x = _x()
    with ag.no_grad():
        with ag.enable_grad():
            assert ag.is_grad_enabled()
            y = x * 2
        assert not ag.is_grad_enabled()
        z = x * 2
    assert _records(y)
    assert not z.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_enable_grad_as_decorator_inside_no_grad():
    x = _x()

    @ag.enable_grad()
    def f(t):
        return t * 2

    with ag.no_grad():
        y = f(x)
        assert not ag.is_grad_enabled()
    assert _records(y)


def test_set_grad_enabled_as_a_function_call():
    x = _x()
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        ag.set_grad_enabled(True)
        assert ag.is_grad_enabled()
        assert _records(x * 2)
    finally:
        ag.set_grad_enabled(True)


@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_as_context_manager(mode):
    x = _x()
    with ag.no_grad():
        with ag.set_grad_enabled(mode):
            assert ag.is_grad_enabled() is mode
            y = x * 2
        assert ag.is_grad_enabled() is False
    assert ag.is_grad_enabled() is True
    with ag.set_grad_enabled(mode):
        assert ag.is_grad_enabled() is mode
    assert ag.is_grad_enabled() is True
    assert _records(y) is mode


def test_set_grad_enabled_as_decorator():
    @ag.set_grad_enabled(False)
    def f(t):
        assert not ag.is_grad_enabled()
        return t * 2

    assert ag.is_grad_enabled()  # decorating does not switch anything
    y = f(_x())
    assert not y.requires_grad
    assert ag.is_grad_enabled()


def test_grad_modes_nest():
    states = []
    with ag.no_grad():
        states.append(ag.is_grad_enabled())
        with ag.enable_grad():
            states.append(ag.is_grad_enabled())
            with ag.no_grad():
                states.append(ag.is_grad_enabled())
                with ag.no_grad():
                    states.append(ag.is_grad_enabled())
                states.append(ag.is_grad_enabled())
            states.append(ag.is_grad_enabled())
        states.append(ag.is_grad_enabled())
    states.append(ag.is_grad_enabled())
    assert states == [False, True, False, False, False, True, False, True]


def test_recursive_decorated_function_restores_mode():
    @ag.no_grad()
    def depth(n):
        assert not ag.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(5) == 5
    assert ag.is_grad_enabled()


@pytest.mark.parametrize("make", [ag.no_grad, ag.enable_grad,
                                  lambda: ag.set_grad_enabled(False)])
def test_grad_mode_restored_after_exception_in_context(make):
    with ag.no_grad():
        with pytest.raises(ZeroDivisionError):
            with make():
                raise ZeroDivisionError
        assert ag.is_grad_enabled() is False
    with pytest.raises(KeyError):
        with make():
            raise KeyError("x")
    assert ag.is_grad_enabled() is True


def test_grad_mode_restored_after_exception_in_decorated_function():
    @ag.no_grad()
    def boom():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        boom()
    assert ag.is_grad_enabled()

    @ag.enable_grad()
    def boom2():
        raise ValueError("boom2")

    with ag.no_grad():
        with pytest.raises(ValueError, match="boom2"):
            boom2()
        assert not ag.is_grad_enabled()


def test_grad_mode_is_thread_local_new_thread_records_by_default():
    x = _x()
    result = {}

    def work():
        result["enabled"] = ag.is_grad_enabled()
        result["y"] = x * 2

    with ag.no_grad():
        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert not ag.is_grad_enabled()
    assert result["enabled"] is True
    assert _records(result["y"])


def test_no_grad_in_another_thread_does_not_affect_this_one():
    entered, release = threading.Event(), threading.Event()

    def work():
        with ag.no_grad():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=work)
    t.start()
    try:
        assert entered.wait(5)
        assert ag.is_grad_enabled()
        assert _records(_x() * 2)
    finally:
        release.set()
        t.join()


def test_backward_inside_no_grad_still_computes_grads():
    x = _x()
    y = (x * x).sum()
    with ag.no_grad():
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_parameter_update_under_no_grad_makes_no_graph():
    w = _x()
    (w * w).sum().backward()
    with ag.no_grad():
        w2 = w - 0.1 * w.grad
    assert not w2.requires_grad
    np.testing.assert_allclose(w2.data, [0.8, 1.6], rtol=1e-6)


# --- anomaly mode ---

class NanGrad(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, gy):
        return gy * float("nan")


def test_detect_anomaly_names_sqrt_and_the_user_line_of_its_forward():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        y = x.sqrt()
        loss = (y * 0.0).sum()  # 0 * 1/(2*0) = nan in SqrtBackward
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    msg = str(info.value)
    assert "SqrtBackward" in msg
    assert "nan" in msg
    assert f"{os.path.basename(HERE)}:{line}" in msg
    assert HERE in msg
    assert x.grad is None


def test_detect_anomaly_names_a_custom_function_and_where_it_ran():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        line = inspect.currentframe().f_lineno + 1
        y = NanGrad.apply(x)
        with pytest.raises(RuntimeError, match="NanGradBackward") as info:
            y.sum().backward()
    assert f"{HERE}:{line}" in str(info.value)


def test_detect_anomaly_catches_inf_in_backward():
    """API.md: a NaN or Inf made in backward raises (stricter than torch, which stops at
    NaN only), naming the op."""
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt().sum()  # 1/(2*0) = inf
        with pytest.raises(RuntimeError, match="SqrtBackward.*inf|inf.*SqrtBackward"):
            y.backward()


def test_without_detect_anomaly_nan_grads_pass_silently():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    (x.sqrt() * 0.0).sum().backward()
    assert np.isnan(x.grad.data[0])
    assert x.grad.data[1] == 0.0


def test_detect_anomaly_as_decorator_and_restored():
    assert not ag.is_anomaly_enabled()

    @ag.detect_anomaly()
    def run():
        assert ag.is_anomaly_enabled()
        x = ag.tensor([0.0], requires_grad=True)
        (x.sqrt() * 0.0).sum().backward()

    with pytest.raises(RuntimeError, match="SqrtBackward"):
        run()
    assert not ag.is_anomaly_enabled()
    with pytest.raises(KeyError):
        with ag.detect_anomaly():
            raise KeyError("k")
    assert not ag.is_anomaly_enabled()


def test_detect_anomaly_passes_finite_backward_and_gives_same_grads():
    a = np.array([0.5, 1.5, 2.5])
    x1 = ag.tensor(a, requires_grad=True)
    (x1.sqrt() * x1.exp()).sum().backward()
    x2 = ag.tensor(a, requires_grad=True)
    with ag.detect_anomaly():
        (x2.sqrt() * x2.exp()).sum().backward()
    np.testing.assert_array_equal(x1.grad.data, x2.grad.data)
