"""Grad mode (per thread, as in torch) and anomaly mode (global, as in torch): context
managers that also work as decorators."""

import contextvars
import functools

# Grad mode is a context variable: every thread (and asyncio task) has its own, starting
# enabled, as torch's thread-local mode; and reading it is one fast C call, which matters
# because every op reads it.
_GRAD_ENABLED = contextvars.ContextVar("autograd_core.grad_enabled", default=True)
enabled = _GRAD_ENABLED.get        # enabled() -> bool
set_enabled = _GRAD_ENABLED.set    # set_enabled(bool)
ANOMALY = [False]  # global, as torch's anomaly mode; a list so readers see changes


def is_grad_enabled():
    """True when new operations are recorded for backward."""
    return enabled()


class _Switch:
    """Base of the grad-mode context managers; each also works as a decorator."""

    _value = None

    def __enter__(self):
        self._prev = enabled()
        set_enabled(self._value)
        return self

    def __exit__(self, *exc):
        set_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self):
        return ()


class no_grad(_Switch):  # noqa: N801  (PyTorch's name)
    """Context manager and decorator that stops recording operations."""

    _value = False


class enable_grad(_Switch):  # noqa: N801
    """Context manager and decorator that turns recording back on inside no_grad."""

    _value = True


class set_grad_enabled(_Switch):  # noqa: N801
    """Turn recording on or off: as a function call, a context manager or a decorator."""

    def __init__(self, mode):
        self._value = bool(mode)
        self._prev = enabled()
        set_enabled(self._value)  # takes effect at once, as torch.set_grad_enabled

    def __enter__(self):
        return self

    def _args(self):
        return (self._value,)

    def __call__(self, fn):
        set_enabled(self._prev)  # used as a decorator: undo the eager switch
        return super().__call__(fn)


class detect_anomaly:  # noqa: N801
    """Context manager: record where each op's forward ran, and raise as soon as a
    backward produces NaN or Inf, naming the op and that place in the user's code."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = ANOMALY[0]
        ANOMALY[0] = self.check_nan
        return self

    def __exit__(self, *exc):
        ANOMALY[0] = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


def is_anomaly_enabled():
    return ANOMALY[0]
