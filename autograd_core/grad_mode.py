"""Grad mode (per thread, as in torch) and anomaly mode (global, as in torch): context
managers that also work as decorators."""

import contextvars
import functools
import inspect

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
        if not callable(fn):
            raise TypeError(f"{type(self).__name__}: expected a function to decorate, got "
                            f"{type(fn).__name__}")
        cls, args = self.__class__, self._args()
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*a, **kw):
                return (yield from _switched(fn(*a, **kw), lambda: cls(*args)))
            return generator

        @functools.wraps(fn)
        def wrapper(*a, **kw):
            with cls(*args):
                return fn(*a, **kw)
        return wrapper

    def _args(self):
        return ()


def _switched(gen, switch):
    """Drive the generator gen with the mode switch() on while each of its steps runs, and
    the caller's mode between steps (as torch's decorators run generator functions)."""
    try:
        with switch():
            value = gen.send(None)
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                with switch():
                    gen.close()
                raise
            except BaseException as e:  # thrown in by the caller: pass it on to gen
                with switch():
                    value = gen.throw(e)
            else:
                with switch():
                    value = gen.send(sent)
    except StopIteration as stop:
        return stop.value


class _Bare(_Switch):
    """A switch that also decorates without parentheses: @no_grad as well as @no_grad()."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_Bare):  # noqa: N801  (PyTorch's name)
    """Context manager and decorator (`@no_grad` or `@no_grad()`) that stops recording
    operations."""

    _value = False


class enable_grad(_Bare):  # noqa: N801
    """Context manager and decorator (`@enable_grad` or `@enable_grad()`) that turns
    recording back on inside no_grad."""

    _value = True


class inference_mode(_Switch):  # noqa: N801
    """As torch.inference_mode: with mode=True (the default) nothing is recorded, as under
    no_grad; mode=False leaves the grad mode as it is. A context manager and a decorator
    (`@inference_mode`, `@inference_mode()`, `@inference_mode(False)`). Tensors made inside
    are ordinary tensors (torch's inference tensors have extra restrictions; here there
    is nothing they would save)."""

    def __new__(cls, mode=True):
        switch = super().__new__(cls)
        if callable(mode):  # used bare: @inference_mode
            switch._mode = True
            return switch(mode)
        return switch

    def __init__(self, mode=True):
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {type(mode).__name__}")
        self._mode = mode

    def __enter__(self):
        self._prev = enabled()
        if self._mode:
            set_enabled(False)
        return self

    def _args(self):
        return (self._mode,)


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
