"""Primitive: an op's forward and local derivative; an applied op is the graph node.
Also ag.Function for user-defined ops, and @export which publishes an op."""

import os
import traceback
import weakref

import numpy as np

from . import grad_mode
from .tensor import Tensor, _wrap

_grad = grad_mode.state
EXPORTED = {}  # public name -> function, for ag.NAME and the op-spec meta-test


def export(fn=None, *, method=True):
    """Publish an op as ag.NAME and, unless method=False, as Tensor.NAME."""
    def register(f):
        EXPORTED[f.__name__] = f
        if method:
            setattr(Tensor, f.__name__, f)
        return f
    return register(fn) if fn is not None else register


def _version(t):
    vc = t._vc
    return vc[0] if vc is not None else 0


class Primitive:
    """One application of an op: forward on ndarrays, backward on Tensors.

    Subclasses set `save_inputs` (backward reads self.inputs), `save_output`
    (backward reads self.output) and `is_view` (the output shares the input's memory).
    """

    __slots__ = ("inputs", "parents", "needs_input_grad", "in_meta", "_out", "_y",
                 "_versions", "_freed", "_trace", "_pre_hooks", "__weakref__")
    save_inputs = True
    save_output = False
    is_view = False

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        node = cls(**params) if params else cls()
        y = node.forward(*[t.data for t in inputs])
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        out = _wrap(y)
        if cls.is_view:
            x = inputs[0]
            if x._vc is None:
                x._vc = [0]
            out._vc = x._vc
            out._base = x if x._base is None else x._base
        if _grad.grad_enabled:
            for t in inputs:
                if t._requires_grad:
                    node._attach(inputs, out)
                    break
        return out

    def _attach(self, inputs, out):
        self.parents = tuple(t.grad_fn if t.grad_fn is not None
                             else (t if t._requires_grad else None) for t in inputs)
        self.needs_input_grad = tuple(t._requires_grad for t in inputs)
        self.in_meta = tuple((t.data.shape, t.data.dtype) for t in inputs)
        if self.save_inputs:
            self.inputs = inputs
            self._versions = tuple(_version(t) for t in inputs)
        else:
            self.inputs = None
        if self.save_output:
            self._y = out.data
            out._vc = [0]
            self._versions = (self._versions if self.save_inputs else ()) + (out._vc,)
        self._freed = False
        self._pre_hooks = None
        self._trace = _user_frame() if _grad.anomaly else None
        self._out = weakref.ref(out)
        out.grad_fn = self
        out._requires_grad = True

    # --- what backward reads ---
    @property
    def output(self):
        """The op's output as a Tensor in the graph (rebuilt if the user dropped it)."""
        out = self._out()
        if out is None or out.data is not self._y:
            out = _wrap(self._y)
            out.grad_fn = self
            out._requires_grad = True
        return out

    def check_saved(self):
        """Raise if a saved tensor was freed or modified in place since forward."""
        if self._freed:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed). Saved values are freed after "
                "backward; pass retain_graph=True to the first backward to keep them.")
        if self.save_inputs:
            for i, (t, v) in enumerate(zip(self.inputs, self._versions)):
                if _version(t) != v:
                    raise RuntimeError(
                        f"{self.name}: one of the variables needed for gradient computation "
                        f"has been modified by an inplace operation: input {i}, a tensor of "
                        f"shape {tuple(t.shape)}, is at version {_version(t)}; expected "
                        f"version {v} instead. Use out-of-place ops (or clone() first).")
        if self.save_output and self._versions[-1][0] != 0:
            raise RuntimeError(
                f"{self.name}: one of the variables needed for gradient computation has been "
                f"modified by an inplace operation: its output, of shape {self._y.shape}, is "
                f"at version {self._versions[-1][0]}; expected version 0 instead. "
                "Use out-of-place ops (or clone() first).")

    def release(self):
        """Drop what backward needed (after backward, unless retain_graph)."""
        if self.save_inputs or self.save_output:
            self.inputs = None
            self._y = None
            self._freed = True

    # --- introspection (viz reads these) ---
    @property
    def name(self):
        return type(self).__name__ + "Backward"

    @property
    def next_functions(self):
        out = []
        for p in self.parents:
            if p is None:
                out.append((None, 0))
            elif isinstance(p, Tensor):
                out.append((AccumulateGrad(p), 0))
            else:
                out.append((p, 0))
        return tuple(out)

    @property
    def metadata(self):
        """Where the forward ran (filled in under detect_anomaly)."""
        return {"traceback_": self._trace} if self._trace else {}

    def register_prehook(self, fn):
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)

    def __repr__(self):
        return f"<{self.name} object at {id(self):#x}>"


class AccumulateGrad:
    """The node standing for a leaf in `next_functions` (built on demand)."""

    __slots__ = ("variable",)
    name = "AccumulateGrad"
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)

    def __repr__(self):
        return f"<AccumulateGrad for tensor of shape {tuple(self.variable.shape)}>"


_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, p) + os.sep for p in ("autograd_core", "nn", "optim", "viz"))


def _user_frame():
    """The innermost stack frame outside our packages (file, line, code), for anomaly mode."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_LIBRARY_DIRS):
            return frame
    return None


# --- ag.Function: user-defined ops ---

class FunctionCtx(Primitive):
    """The node of a user Function application; it is also the `ctx` its methods get."""

    __slots__ = ("_fn", "_saved", "_dict", "_tensor_pos", "_n_args", "materialize_grads")
    save_inputs = False
    save_output = False

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self.name}.save_for_backward: expected Tensors or None, "
                                f"got {type(t).__name__}")
        self._saved = tuple((t, _version(t)) if t is not None else (None, 0) for t in tensors)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed); pass retain_graph=True to keep them.")
        out = []
        for i, (t, v) in enumerate(self._saved):
            if t is not None and _version(t) != v:
                raise RuntimeError(
                    f"{self.name}: one of the variables needed for gradient computation has "
                    f"been modified by an inplace operation: saved tensor {i} of shape "
                    f"{tuple(t.shape)} is at version {_version(t)}; expected version {v}.")
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        pass  # outputs of a Function never carry grad beyond the one node here

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def __getattr__(self, key):  # ctx.anything = value, as in torch
        try:
            return object.__getattribute__(self, "_dict")[key]
        except (KeyError, AttributeError):
            raise AttributeError(f"{self.name} has no attribute {key!r}") from None

    def __setattr__(self, key, value):
        try:
            object.__setattr__(self, key, value)
        except AttributeError:
            try:
                d = object.__getattribute__(self, "_dict")
            except AttributeError:
                d = {}
                object.__setattr__(self, "_dict", d)
            d[key] = value

    @property
    def name(self):
        return self._fn.__name__ + "Backward"

    def check_saved(self):
        pass  # saved_tensors checks, when the user's backward reads them

    def release(self):
        if self._saved:
            self._saved = ()
            self._freed = True

    def backward(self, gy):
        grads = self._fn.backward(self, gy)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != self._n_args:
            raise RuntimeError(
                f"function {self.name} returned an incorrect number of gradients "
                f"(expected {self._n_args}, got {len(grads)})")
        out = []
        for pos in self._tensor_pos:
            g = grads[pos]
            if g is not None and not isinstance(g, Tensor):
                g = Tensor(g, dtype=self.in_meta[len(out)][1])
            out.append(g)
        for i, g in enumerate(out):
            if g is None:
                continue
            shape = self.in_meta[i][0]
            if g.shape != shape and not _sums_to(g.shape, shape):
                raise RuntimeError(
                    f"function {self.name} returned an invalid gradient at index "
                    f"{self._tensor_pos[i]}: got shape {tuple(g.shape)} but expected shape "
                    f"compatible with {tuple(shape)}")
        return tuple(out)


def _sums_to(gshape, shape):
    """True when a gradient of gshape can be summed down to shape (undoing a broadcast)."""
    if len(gshape) < len(shape):
        return False
    lead = len(gshape) - len(shape)
    return all(s == 1 or s == g for s, g in zip(shape, gshape[lead:]))


class Function:
    """Base class for custom ops, as torch.autograd.Function.

    Subclasses define static `forward(ctx, *args)` (runs without recording, on Tensors)
    and `backward(ctx, *grads)` (one gradient, or None, per forward argument), and are
    called through `.apply(*args)`.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must define a static forward")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("Function subclasses must define a static backward")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx._fn = cls
        ctx._saved = ()
        ctx._n_args = len(args)
        ctx._freed = False
        ctx.materialize_grads = True
        tensor_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        ctx._tensor_pos = tensor_pos
        tensors = tuple(args[i] for i in tensor_pos)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(
                f"{cls.__name__}.forward returned {len(out)} outputs; autograd_core "
                "Functions return one Tensor (return a stacked Tensor and split it instead)")
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor, "
                            f"got {type(out).__name__}")
        if out.grad_fn is not None or out._base is not None or any(out is t for t in tensors):
            out = _wrap(out.data)  # a fresh output object, so the graph is ours alone
        if _grad.grad_enabled and any(t.requires_grad for t in tensors):
            needs = ctx.needs_input_grad
            ctx._attach(tensors, out)
            ctx.needs_input_grad = needs  # one flag per forward argument, as in torch
        return out
