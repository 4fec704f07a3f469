"""Primitive: an op's forward and local derivative; an applied op is the graph node.
Also ag.Function for user-defined ops, and @export which publishes an op."""

import itertools
import os
import traceback
import types
import weakref
from heapq import heappush

import numpy as np

from . import grad_mode
from .errors import ShapeError
from .grad_mode import ANOMALY
from .tensor import Tensor, _wrap

_grad_enabled = grad_mode.enabled
_new_tensor = _new_node = object.__new__
_ndarray = np.ndarray
# creation order, counting down: consumers always come after (below) their producers, and
# the engine's min-heap pops the newest node first
_next_seq = itertools.count(0, -1).__next__
# in_shapes of an elementwise node whose gradients need no summing back: shape None
_SAME_SHAPE, _SAME_SHAPES, _SAME_SHAPES3 = (None,), (None, None), (None, None, None)
# What the code creating a node runs inside: nn.Module.__call__ puts a record of the module
# here while its forward runs, and every node keeps it (the graph renderer groups nodes by
# it). One slot for the process, read in a few instructions: a context variable would cost
# 2% of a small op, and a model run by several threads at once is the only case that
# could see another thread's label.
SCOPE = [None]
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


# Every in-place op bumps this epoch and stamps it on the tensor it changed (t._vc is
# [version, epoch of the last change], shared with views). A node remembers the epoch when
# it saved its tensors, so checking them costs one comparison while nothing was modified.
EPOCH = [0]
OUTPUT = "output"  # in a Primitive's grad_reads: the gradient reads the saved output


class Primitive:
    """One application of an op: forward on ndarrays, backward written once for both modes.

    backward(gy) reads `self.xs` (inputs), `self.y` (output) and `self.F` (functions such as
    F.exp, F.sum, F.reshape). For a first-order backward the engine runs it on plain
    ndarrays, which is fast; under create_graph it runs the very same formula on Tensors,
    so it is recorded and can be differentiated again (any order).

    Subclasses set `save_inputs` (backward reads the inputs), `save_output` (it reads the
    output) and `is_view` (the output shares the input's memory). A simple forward may be a
    NumPy ufunc (`forward = np.tanh`): a ufunc is no descriptor, so node.forward(x) calls it.
    An op with several inputs may set `grad_reads`: per input, the saved values its gradient
    reads (input positions, and OUTPUT for the output); see check_saved.

    A recorded node has `parents` (per input: its grad_fn, the leaf Tensor, or None when it
    needs no gradient), `in_shapes` (per input: its shape, or None when the gradient
    already has it) and `scope` (what it ran inside: an nn module's call record, or None).
    """

    __slots__ = ("inputs", "parents", "in_shapes", "_y", "_y_vc", "_epoch", "_extra", "_seq",
                 "scope", "__weakref__")
    save_inputs = True
    save_output = False
    is_view = False
    elementwise = False  # see ops.elementwise.Elementwise
    takes_slice_grads = False  # backward may be handed a SliceGrad (first-order only)
    grad_reads = None  # None: every input's gradient reads every saved value

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _own_copies(cls)

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, gy):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors: forward on their arrays, and record the node when any
        input requires grad and grad mode is on."""
        node = cls(**params) if params else _new_node(cls)  # most ops skip __init__
        n = len(inputs)
        if n == 1:
            return cls.apply1(inputs[0], node)
        if n == 2 and not cls.is_view:
            return cls.apply2(inputs[0], inputs[1], node)
        if n == 3 and not cls.is_view:
            return cls.apply3(inputs[0], inputs[1], inputs[2], node)
        try:
            y = node.forward(*[t.data for t in inputs])
        except ValueError as e:
            _raise_broadcast(node, e, inputs)
        out = _wrap(y if type(y) is np.ndarray else np.asarray(y))
        if cls.is_view:
            x = inputs[0]
            if x._vc is None:
                x._vc = [0, 0]
            out._vc = x._vc
            out._base = x if x._base is None else x._base
            out._view_version = x._vc[0]
        if _grad_enabled() and any(t._requires_grad for t in inputs):
            for t in inputs:
                if t._vc is not None and t._vc[0]:
                    _check_view(t)
            node._attach(inputs, out)
            node._save(inputs, y, out)
        return out

    # apply1, apply2 and apply3 are apply for one, two and three inputs, written out: the
    # hottest path of the library (every elementwise op, every Linear), so they skip the
    # generic loops and argument packing.
    @classmethod
    def apply1(cls, a, node=None):
        if node is None:
            node = _new_node(cls)
        y = node.forward(a.data)
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        out = _new_tensor(Tensor)  # _wrap, inlined
        out.data = y
        out.grad = out._vc = None
        if cls.is_view:  # shares a's memory, so it shares a's version counter and base
            if a._vc is None:
                a._vc = [0, 0]
            out._vc = a._vc
            out._base = a if a._base is None else a._base
            out._view_version = a._vc[0]
        if not a._requires_grad or not _grad_enabled():
            out.grad_fn = None
            out._requires_grad = False
            return out
        if a._vc is not None and a._vc[0]:  # changed in place once: a view left behind?
            _check_view(a)
        node.parents = (a.grad_fn or a,)
        node.in_shapes = _SAME_SHAPE if cls.elementwise else (a.data.shape,)
        if cls.save_inputs:
            node.inputs = (a,)
            node._epoch = EPOCH[0]
        else:
            node.inputs = node._epoch = None
        if cls.save_output:
            node._y = y
            out._vc = node._y_vc = [0, 0]
            node._epoch = EPOCH[0]
        else:
            node._y = node._y_vc = None
        node._extra = _Extra(_user_frame()) if ANOMALY[0] else None
        node._seq = _next_seq()
        node.scope = SCOPE[0]
        out.grad_fn = node
        out._requires_grad = True
        return out

    @classmethod
    def apply2(cls, a, b, node=None):
        if node is None:
            node = _new_node(cls)
        try:
            y = node.forward(a.data, b.data)
        except ValueError as e:
            _raise_broadcast(node, e, (a, b))
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        out = _new_tensor(Tensor)
        out.data = y
        out.grad = out._vc = None
        if not (a._requires_grad or b._requires_grad) or not _grad_enabled():
            out.grad_fn = None
            out._requires_grad = False
            return out
        if a._vc is not None and a._vc[0]:
            _check_view(a)
        if b._vc is not None and b._vc[0]:
            _check_view(b)
        node.parents = (a.grad_fn or (a if a._requires_grad else None),
                        b.grad_fn or (b if b._requires_grad else None))
        shapes = (a.data.shape, b.data.shape)
        node.in_shapes = _SAME_SHAPES if cls.elementwise and shapes[0] == shapes[1] else shapes
        if cls.save_inputs:
            node.inputs = (a, b)
            node._epoch = EPOCH[0]
        else:
            node.inputs = node._epoch = None
        if cls.save_output:
            node._y = y
            out._vc = node._y_vc = [0, 0]
            node._epoch = EPOCH[0]
        else:
            node._y = node._y_vc = None
        node._extra = _Extra(_user_frame()) if ANOMALY[0] else None
        node._seq = _next_seq()
        node.scope = SCOPE[0]
        out.grad_fn = node
        out._requires_grad = True
        return out

    @classmethod
    def apply3(cls, a, b, c, node):
        try:
            y = node.forward(a.data, b.data, c.data)
        except ValueError as e:
            _raise_broadcast(node, e, (a, b, c))
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        out = _new_tensor(Tensor)
        out.data = y
        out.grad = out._vc = None
        if not (a._requires_grad or b._requires_grad or c._requires_grad) \
                or not _grad_enabled():
            out.grad_fn = None
            out._requires_grad = False
            return out
        for t in (a, b, c):
            if t._vc is not None and t._vc[0]:
                _check_view(t)
        node.parents = (a.grad_fn or (a if a._requires_grad else None),
                        b.grad_fn or (b if b._requires_grad else None),
                        c.grad_fn or (c if c._requires_grad else None))
        sa, sb, sc = a.data.shape, b.data.shape, c.data.shape
        node.in_shapes = (_SAME_SHAPES3 if cls.elementwise and sa == sb == sc == y.shape
                          else (sa, sb, sc))
        if cls.save_inputs:
            node.inputs = (a, b, c)
            node._epoch = EPOCH[0]
        else:
            node.inputs = node._epoch = None
        if cls.save_output:
            node._y = y
            out._vc = node._y_vc = [0, 0]
            node._epoch = EPOCH[0]
        else:
            node._y = node._y_vc = None
        node._extra = _Extra(_user_frame()) if ANOMALY[0] else None
        node._seq = _next_seq()
        node.scope = SCOPE[0]
        out.grad_fn = node
        out._requires_grad = True
        return out

    def _save(self, inputs, y, out):
        """Keep what backward reads (the general path of apply)."""
        if self.save_inputs:
            self.inputs = inputs
            self._epoch = EPOCH[0]
        else:
            self.inputs = self._epoch = None
        if self.save_output:
            self._y = y
            out._vc = self._y_vc = [0, 0] if out._vc is None else out._vc
            self._epoch = EPOCH[0]

    def _backprop(self, gy, release, pending, heap, leaves, sum_to):
        """The backward walk's step at this node (see engine.run_backward): check what it
        saved, run backward, free the saved values unless retain_graph, and hand each
        parent its gradient, summed back to the input's shape where it was broadcast.
        Returns the first parent it made pending, which it leaves out of the heap (or None):
        in a chain that parent is the next node, and needs no trip through the heap."""
        epoch = self._epoch
        if epoch is not None and epoch != EPOCH[0]:
            self.check_saved()
        grads = self.backward(gy)
        if release and epoch is not None:
            self.inputs = self._y = None
            self._epoch = -1
        if type(grads) is not tuple:  # one input (most nodes): a zip costs more
            edges = ((self.parents[0], grads, self.in_shapes[0]),)
        else:
            edges = zip(self.parents, grads, self.in_shapes)
        if ANOMALY[0]:
            edges = list(edges)
            _check_finite(self, [g for _, g, _ in edges])
        first_new = None  # the first parent this step made pending: returned, not pushed
        for parent, g, shape in edges:
            if g is None or parent is None:
                continue
            if shape is not None and g.shape != shape:
                g = sum_to(g, shape)
            if isinstance(parent, Tensor):  # a leaf (Tensor or a subclass such as a Parameter)
                prev = leaves.get(parent)
                leaves[parent] = g if prev is None else _summed(prev, g)
            else:
                prev = pending.get(parent)
                if prev is None:
                    pending[parent] = g
                    if first_new is None:
                        first_new = parent
                    else:
                        heappush(heap, (parent._seq, parent))
                else:
                    pending[parent] = _summed(prev, g)
        return first_new

    def _attach(self, inputs, out):
        """Make this node out's grad_fn, as apply does inline (for ag.Function's ctx, which
        keeps what it saved in `inputs`)."""
        self.parents = tuple([t.grad_fn or (t if t._requires_grad else None) for t in inputs])
        self.in_shapes = tuple([t.data.shape for t in inputs])
        self._y = self._y_vc = None
        self._extra = _Extra(_user_frame()) if ANOMALY[0] else None
        self._seq = _next_seq()
        self.scope = SCOPE[0]
        out.grad_fn = self
        out._requires_grad = True

    @property
    def _trace(self):
        return self._extra.trace if self._extra is not None else None

    @property
    def _freed(self):
        return self._epoch == -1

    # --- what backward reads: ndarrays for a first-order pass, Tensors under create_graph ---
    @property
    def needs_input_grad(self):
        return tuple(p is not None for p in self.parents)

    @property
    def F(self):  # noqa: N802  (reads like a namespace: F.exp, F.sum)
        if _grad_enabled():
            from .ops import tensor_ops
            return tensor_ops
        return NUMPY_OPS

    @property
    def xs(self):
        inputs = self.inputs
        if _grad_enabled():
            return inputs
        if len(inputs) == 2:
            return inputs[0].data, inputs[1].data
        return tuple([t.data for t in inputs])

    @property
    def y(self):
        return self.output if _grad_enabled() else self._y

    @property
    def output(self):
        """The op's output as a Tensor in the graph (a fresh handle on the same node)."""
        out = _wrap(self._y)
        out.grad_fn = self
        out._requires_grad = True
        return out

    def check_saved(self):
        """Raise if a saved tensor was freed or modified in place since forward."""
        if self._epoch == -1:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed). Saved values are freed after "
                "backward; pass retain_graph=True to the first backward to keep them.")
        if self._epoch == EPOCH[0]:
            return
        # As torch, only what the gradients needed now read must be unchanged: y = a * 3
        # does not read a for a's gradient, so a may be modified in place after it
        read = self._saved_read()
        saved = [(f"input {i}", t.shape, t._vc) for i, t in enumerate(self.inputs)
                 if read is None or i in read] if self.save_inputs else []
        if self.save_output and (read is None or OUTPUT in read):
            saved.append(("its output", self._y.shape, self._y_vc))
        for what, shape, vc in saved:
            if vc is not None and vc[1] > self._epoch:
                raise RuntimeError(
                    f"{self.name}: one of the variables needed for gradient computation "
                    f"has been modified by an inplace operation: {what}, a tensor of shape "
                    f"{tuple(shape)}, is at version {vc[0]}, changed after it was saved."
                    " Use out-of-place ops (or clone() first).")

    def _saved_read(self):
        """The saved values (input positions, OUTPUT) that the gradients of the inputs that
        need one read, by `grad_reads`; None when the op does not say (all of them)."""
        reads = self.grad_reads
        if reads is None:
            return None
        read = set()
        for parent, r in zip(self.parents, reads):
            if parent is not None:
                read.update(r)
        return read

    # --- introspection (viz reads these) ---
    @property
    def name(self):
        return type(self).__name__ + "Backward"

    @property
    def op_name(self):
        """The public op's name, for error messages."""
        return type(self).__name__.lower()

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
        """Call fn(grad) on the gradient of this node's output; returns the hook list."""
        if self._extra is None:
            self._extra = _Extra(None)
        self._extra.hooks.append(fn)
        return self._extra.hooks

    def retain_output_grad(self, tensor):
        """Store the gradient of this node's output in tensor.grad (retain_grad)."""
        if self._extra is None:
            self._extra = _Extra(None)
        self._extra.retained = weakref.ref(tensor)

    def __repr__(self):
        return f"<{self.name} object at {id(self):#x}>"


# The code every op runs per node, reading and writing the node's slots. CPython (3.11+)
# speeds up an attribute access by caching the class it saw at that instruction; code shared
# by all op classes sees a different class at nearly every call and loses that cache (node
# creation then costs almost twice as much). So each op class gets its own copy of these
# functions: the same code, with caches of its own.
_PER_CLASS = ("apply1", "apply2", "apply3", "_backprop", "xs", "y")


def _copy_function(f):
    g = types.FunctionType(f.__code__.replace(), f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    g.__qualname__, g.__doc__ = f.__qualname__, f.__doc__
    g._copied = True
    return g


def _own_copies(cls):
    for name in _PER_CLASS:
        owner = next(c for c in cls.__mro__ if name in c.__dict__)
        attr = owner.__dict__[name]
        fn = attr.fget if isinstance(attr, property) else getattr(attr, "__func__", attr)
        if owner is not Primitive and not hasattr(fn, "_copied"):
            continue  # the class (or a base between it and Primitive) has its own version
        fn = _copy_function(fn)
        if isinstance(attr, classmethod):
            fn = classmethod(fn)
        elif isinstance(attr, property):
            fn = property(fn, doc=attr.__doc__)
        setattr(cls, name, fn)


class SliceGrad:
    """What a basic-indexing view's backward hands its base in a first-order pass: `value`
    at `index`, zero elsewhere, not yet written out. When a second gradient for the same
    tensor arrives, both go into one zero-filled buffer the engine owns (a GradBuffer) and
    later ones are added into it in place: so the T slices of one tensor (an RNN's time
    steps, an LSTM's gates) cost one buffer and T slice-sized adds, not T full-size
    zero-filled copies summed one by one (quadratic in T)."""

    __slots__ = ("index", "value", "shape")
    __array_ufunc__ = None  # so ndarray + SliceGrad defers to __radd__

    def __init__(self, index, value, shape):
        self.index, self.value, self.shape = index, value, shape

    def dense(self):
        out = np.zeros(self.shape, self.value.dtype)
        out[self.index] = self.value
        return out

    def __add__(self, other):
        if type(other) is ZeroGrad:
            return self
        if type(other) is GradBuffer:
            return other + self  # a buffer of ours: the slice goes into it in place
        if type(other) is SliceGrad and other.shape == self.shape \
                and other.value.dtype == self.value.dtype:
            mine = _position(self)
            theirs = _position(other) if mine is not None else None
            if theirs is not None and mine[0] == theirs[0]:
                return StepsGrad(mine[0], self.shape, self.value.dtype) \
                    .put(mine[1], self.value).put(theirs[1], other.value)
        if type(other) is _ndarray and other.shape == self.shape \
                and other.dtype == self.value.dtype:
            # a copy of the other gradient takes this one in place: no zero-filled buffer
            # and no second full-size sum
            return GradBuffer(other.copy()) + self
        return GradBuffer(self.dense()) + other

    __radd__ = __add__


def _position(g):
    """(axis, position) when the SliceGrad g picks one position along one axis and all of
    every other (x[:, t], x[t]), else None."""
    index, shape = g.index, g.shape
    if type(index) is not tuple:
        index = (index,)
    if len(index) > len(shape):
        return None
    found = None
    for axis, i in enumerate(index):
        if type(i) is int:
            if found is not None:
                return None
            found = (axis, i % shape[axis] if -shape[axis] <= i < shape[axis] else None)
        elif i != _ALL:
            return None
    if found is None or found[1] is None:
        return None
    return found


_ALL = slice(None)


class StepsGrad:
    """The gradients of several picks x[..., t, ...] of one tensor along one axis (an RNN's
    input projection, used one time step at a time), kept apart until the tensor's own
    backward needs them. Then they are written into one new array, which needs no zero
    fill when every position got one: T copies, instead of T adds into a zero-filled
    buffer (what a sum of SliceGrads costs). Two picks of one position are summed."""

    __slots__ = ("axis", "shape", "dtype", "pieces")
    __array_ufunc__ = None

    def __init__(self, axis, shape, dtype):
        self.axis, self.shape, self.dtype = axis, shape, dtype
        self.pieces = {}

    def put(self, position, value):
        prev = self.pieces.get(position)
        self.pieces[position] = value if prev is None else prev + value
        return self

    def _places(self):
        lead = (_ALL,) * self.axis
        return ((lead + (position,), value) for position, value in self.pieces.items())

    def dense(self):
        full = len(self.pieces) == self.shape[self.axis]
        out = (np.empty if full else np.zeros)(self.shape, self.dtype)
        for place, value in self._places():
            out[place] = value
        return out

    def __add__(self, other):
        kind = type(other)
        if kind is ZeroGrad:
            return self
        if kind is SliceGrad and other.shape == self.shape and other.value.dtype == self.dtype:
            position = _position(other)
            if position is not None and position[0] == self.axis:
                return self.put(position[1], other.value)
        if kind is GradBuffer:
            return other + self
        if kind is _ndarray:
            return GradBuffer(other.copy()) + self
        return GradBuffer(self.dense()) + other

    __radd__ = __add__


class GradBuffer:
    """A gradient array that only the engine holds, so more gradient is added in place: a
    sum the engine made, or a new array a first-order backward formula hands back wrapped
    (sigmoid's, tanh's) because nothing else refers to it."""

    __slots__ = ("array", "shape")
    __array_ufunc__ = None

    def __init__(self, array):
        self.array, self.shape = array, array.shape

    def dense(self):
        return self.array

    def __add__(self, other):
        kind = type(other)
        if kind is SliceGrad:
            part = self.array[other.index]
            if type(part) is _ndarray:  # a view: add in place, without a write-back copy
                part += other.value
            else:  # one element
                self.array[other.index] += other.value
        elif kind is GradBuffer:
            self.array += other.array
        elif kind is ProductGrad:
            self.array += other.dense()
        elif kind is StepsGrad:
            for place, value in other._places():
                self.array[place] += value
        elif kind is ZeroGrad:
            pass
        else:
            self.array += other
        return self

    __radd__ = __add__


class ProductGrad:
    """A matrix's gradient from matrix products it took part in, kept as its factors: the
    sum over uses k of A_k^T G_k (A_k (n_k, m) the other operand, G_k (n_k, p) the
    gradient of the product), or of its transpose (G_k^T A_k)^T when the matrix is the
    transposed view of a weight (x W^T), so that it comes out in W's layout.

    A weight used at every step of a recurrent layer gets T of these; summed here, they
    become one product of the stacked factors when the gradient is needed, instead of T
    small products and T full-size additions. Factors beyond _PRODUCT_CAP elements are
    multiplied out early, so memory stays bounded whatever the sequence length.
    """

    __slots__ = ("lefts", "rights", "transposed", "shape", "size", "partial")
    __array_ufunc__ = None

    def __init__(self, a, g, transposed):
        self.lefts, self.rights, self.transposed = [a], [g], transposed
        self.shape = (a.shape[1], g.shape[1])
        self.size = a.size + g.size
        self.partial = None  # an engine-owned array: the products already multiplied out

    def _product(self):
        lefts, rights = self.lefts, self.rights
        a, g = (lefts[0], rights[0]) if len(lefts) == 1 else \
            (np.concatenate(lefts), np.concatenate(rights))
        return np.matmul(g.T, a).T if self.transposed else np.matmul(a.T, g)

    def dense(self):
        if self.lefts:  # multiply out what is left (once: a second call returns the same)
            out = self._product()
            if self.partial is None:
                self.partial = out
            else:
                self.partial += out
            self.lefts, self.rights, self.size = [], [], 0
        return self.partial

    def __add__(self, other):
        if (type(other) is ProductGrad and other.partial is None
                and other.transposed is self.transposed and other.shape == self.shape):
            self.lefts += other.lefts
            self.rights += other.rights
            self.size += other.size
            if self.size > _PRODUCT_CAP:
                self.dense()
            return self
        if type(other) is ZeroGrad:
            return self
        return GradBuffer(self.dense()) + other

    __radd__ = __add__


_PRODUCT_CAP = 1 << 22  # elements (16 MB of float32) of factors kept before multiplying


class ZeroGrad:
    """A gradient known to be zero (the inputs of a stack that a slice of it did not pick).
    Added to another gradient it is that gradient, at no cost; alone, it becomes zeros, so
    what it reaches still gets a zero gradient, as in PyTorch."""

    __slots__ = ("shape", "dtype")
    __array_ufunc__ = None

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype

    def dense(self):
        return np.zeros(self.shape, self.dtype)

    def __add__(self, other):
        return other

    __radd__ = __add__


LAZY_GRADS = (SliceGrad, GradBuffer, ProductGrad, ZeroGrad, StepsGrad)
LAZY_TYPES = frozenset(LAZY_GRADS)  # for `type(g) in`: one hash, not five comparisons


def _summed(prev, g):
    """prev + g for a gradient arriving at a tensor that already has one. The sum of two
    arrays is a new array, so it becomes a GradBuffer: later gradients go into it in place."""
    if type(prev) is _ndarray and type(g) is _ndarray:
        return GradBuffer(prev + g)
    return prev + g


def _check_view(t):
    """t's version is not 0 (it or what it views was changed in place). If t is a view
    made before its base's latest change (y[1:] after y.mul_(2)), its node still reads the
    old base, so, as PyTorch does, t becomes a view of the base as it is now before it
    enters another op (ops.inplace.refresh_view). The ops test the version first, so
    tensors never changed in place pay one comparison."""
    if t._base is not None and t._vc[0] != t._view_version:
        from .ops.inplace import refresh_view
        refresh_view(t)


def _check_finite(node, grads):
    for i, g in enumerate(grads):
        if g is None or isinstance(g, _Grads):
            continue  # (a multi-output Function's grads are checked as it runs)
        if isinstance(g, LAZY_GRADS):
            g = g.dense()
        d = g.data if isinstance(g, Tensor) else g
        # NaN or Inf, as API.md asks (torch's own anomaly mode stops at NaN only)
        if not np.all(np.isfinite(d)):
            where = ""
            if node._trace is not None:
                f = node._trace
                where = f"\n  its forward ran at {f.filename}:{f.lineno}, in {f.name}"
                if f.line:
                    where += f"\n    {f.line}"
            bad = "nan" if np.any(np.isnan(d)) else "inf"
            raise RuntimeError(f"Function '{node.name}' returned {bad} values in its {i}th "
                               f"output.{where}")


def _raise_broadcast(node, e, inputs):
    if "broadcast" not in str(e):
        raise e
    shapes = " and ".join(str(tuple(t.shape)) for t in inputs)
    raise ShapeError(f"{node.op_name}: shapes {shapes} cannot be broadcast together") from None


class _NumpyOps:
    """The functions backward formulas call, on ndarrays (a first-order pass)."""

    cos = staticmethod(np.cos)
    sin = staticmethod(np.sin)
    log = staticmethod(np.log)
    matmul = staticmethod(np.matmul)
    expand = staticmethod(np.broadcast_to)
    unsqueeze = staticmethod(np.expand_dims)
    squeeze = staticmethod(np.squeeze)
    where = staticmethod(np.where)

    # ndarray methods, not numpy's module functions: those add a Python wrapper per call
    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def permute(x, dims):
        return x.transpose(dims)

    @staticmethod
    def exp(x):  # (the engine runs backward with over/underflow warnings off)
        return np.exp(x)

    @staticmethod
    def exp_nonpositive(z):
        """exp of z <= 0 (softmax weights), flushing what would underflow to exactly 0;
        NaN stays NaN (as in exp, the Tensor twin)."""
        floor = _EXP_FLOOR.get(z.dtype, -43.0)
        if z.size == 0 or z.min() > floor:  # the usual case: nothing near underflow
            return np.exp(z)
        return np.exp(z, out=np.zeros(z.shape, z.dtype), where=~(z <= floor))

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def mT(x):  # noqa: N802
        return x.swapaxes(-1, -2)

    @staticmethod
    def einsum(eq, *xs):
        return np.einsum(eq, *xs, optimize=len(xs) > 2)

    @staticmethod
    def const(array, dtype):
        """A constant (mask, share, identity): bool arrays multiply as they are."""
        return array if array.dtype == np.bool_ else array.astype(dtype, copy=False)

    @staticmethod
    def cast(x, dtype):
        return x.astype(dtype, copy=False)

    @staticmethod
    def apply(prim, *xs, **params):
        """Another primitive's forward (a backward that is itself an op: GetItem/IndexAdd)."""
        return prim(**params).forward(*xs)


NUMPY_OPS = _NumpyOps()
# Below these, exp(z) is taken as 0: products of two such values stay normal numbers,
# so softmax-like ops never underflow (or warn) in forward or backward.
_EXP_FLOOR = {np.dtype(np.float32): -43.0, np.dtype(np.float64): -354.0}


class _Extra:
    """What few nodes carry: hooks on their output's gradient, the output that retains its
    grad (weakly), where forward ran."""

    __slots__ = ("hooks", "retained", "trace")

    def __init__(self, trace):
        self.hooks = []
        self.retained = None
        self.trace = trace


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
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, p) + os.sep
                      for p in ("autograd_core", "nn", "optim", "viz"))


def _user_frame():
    """The innermost stack frame outside our packages (file, line, code), for anomaly mode."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not frame.filename.startswith(_LIBRARY_DIRS):
            return frame
    return None


# --- ag.Function: user-defined ops ---

class FunctionCtx(Primitive):
    """The node of a user Function application; it is also the `ctx` its methods get."""

    __slots__ = ("_fn", "_dict", "_tensor_pos", "_n_args", "_needs", "materialize_grads",
                 "in_dtypes", "_outputs", "_non_diff")
    save_inputs = False
    save_output = False

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self.name}.save_for_backward: expected Tensors or None, "
                                f"got {type(t).__name__}")
        # kept in `inputs`, so that the engine frees them like any node's saved tensors
        self.inputs = tuple((t, _version(t)) if t is not None else (None, 0) for t in tensors)

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                f"{self.name}: trying to backward through the graph a second time (or to "
                "read saved tensors after they were freed); pass retain_graph=True to keep them.")
        out = []
        for i, (t, v) in enumerate(self.inputs or ()):
            if t is not None and _version(t) != v:
                raise RuntimeError(
                    f"{self.name}: one of the variables needed for gradient computation has "
                    f"been modified by an inplace operation: saved tensor {i} of shape "
                    f"{tuple(t.shape)} is at version {_version(t)}; expected version {v}.")
            out.append(t)
        return tuple(out)

    def mark_non_differentiable(self, *tensors):
        """These outputs get no gradient (indices, masks): they do not require grad."""
        self._non_diff = self._non_diff + tuple(id(t) for t in tensors)

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

    @property
    def needs_input_grad(self):
        return self._needs

    def check_saved(self):
        pass  # saved_tensors checks, when the user's backward reads them

    def backward(self, gy):
        arrays = not _grad_enabled()  # a first-order pass hands us ndarrays: the user
        if isinstance(gy, _Grads):       # writes backward with Tensors, so wrap and unwrap
            gys = []
            for g, (shape, dtype) in zip(gy.items, self._outputs):
                if g is None and self.materialize_grads:
                    g = np.zeros(shape, dtype=dtype) if arrays else \
                        _wrap(np.zeros(shape, dtype=dtype))
                gys.append(_wrap(g) if arrays and g is not None else g)
        else:
            gys = [_wrap(gy) if arrays else gy]
        grads = self._fn.backward(self, *gys)
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) > self._n_args and all(g is None for g in grads[self._n_args:]):
            grads = grads[:self._n_args]  # trailing Nones are allowed, as in torch
        if len(grads) != self._n_args:
            raise RuntimeError(
                f"function {self.name} returned an incorrect number of gradients "
                f"(expected {self._n_args}, got {len(grads)})")
        out = []
        for pos in self._tensor_pos:
            g = grads[pos]
            if g is not None and not isinstance(g, Tensor):
                g = Tensor(g, dtype=self.in_dtypes[len(out)])
            out.append(g)
        for i, g in enumerate(out):
            if g is None:
                continue
            shape = self.in_shapes[i]
            if g.shape != shape and not _sums_to(g.shape, shape):
                raise RuntimeError(
                    f"function {self.name} returned an invalid gradient at index "
                    f"{self._tensor_pos[i]}: got shape {tuple(g.shape)} but expected shape "
                    f"compatible with {tuple(shape)}")
            if g.dtype != self.in_dtypes[i]:
                out[i] = g = g.to(self.in_dtypes[i])
        if arrays:
            return tuple(None if g is None else g.data for g in out)
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
        ctx.inputs = ()
        ctx._epoch = None
        ctx._n_args = len(args)
        ctx.materialize_grads = True
        tensor_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        ctx._tensor_pos = tensor_pos
        tensors = tuple(args[i] for i in tensor_pos)
        ctx._needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.in_dtypes = tuple(t.dtype for t in tensors)
        ctx._non_diff = ()
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args)
        many = isinstance(out, (tuple, list))
        outs = list(out) if many else [out]
        if not any(isinstance(o, Tensor) for o in outs):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor (or a tuple with "
                            f"Tensors), got {type(out).__name__}")
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and (o.grad_fn is not None or o._base is not None
                                          or any(o is t for t in tensors)):
                nd = id(o) in ctx._non_diff
                outs[k] = o = _wrap(o.data)  # a fresh output object: the graph is ours alone
                if nd:
                    ctx._non_diff += (id(o),)
        if _grad_enabled() and any(t.requires_grad for t in tensors):
            if not many:
                if id(outs[0]) not in ctx._non_diff:  # else: a constant, as in torch
                    ctx._attach(tensors, outs[0])
            else:  # each output hangs off ctx through a _Select node
                ctx._attach(tensors, _wrap(np.zeros(())))
                ctx._outputs = tuple((o.shape, o.dtype) if isinstance(o, Tensor)
                                     else ((), np.dtype(np.float64)) for o in outs)
                for k, o in enumerate(outs):
                    if (isinstance(o, Tensor) and o.dtype.kind == "f"
                            and id(o) not in ctx._non_diff):
                        sel = _new_node(_Select)
                        sel.index, sel.count = k, len(outs)
                        sel._attach_to(ctx, o)
            if ctx.inputs:  # the engine frees what ctx saved after backward
                ctx._epoch = EPOCH[0]
        return tuple(outs) if many else outs[0]


_MULTI = ("several outputs",)  # the "shape" a multi-output Function node gets grads in


class _Grads:
    """The gradients of some outputs of a multi-output Function (None: not reached)."""

    __slots__ = ("items",)
    shape = _MULTI

    def __init__(self, items):
        self.items = items

    def __add__(self, other):
        return _Grads([a if b is None else b if a is None else a + b
                       for a, b in zip(self.items, other.items)])


class _Select(Primitive):
    """Output `index` of a multi-output Function: passes its gradient to the Function."""

    __slots__ = ("index", "count")
    save_inputs = False

    def _attach_to(self, ctx, out):
        self.parents = (ctx,)
        self.in_shapes = (_MULTI,)
        self.inputs = self._y = self._y_vc = self._epoch = self._extra = None
        self._seq = _next_seq()
        self.scope = SCOPE[0]
        out.grad_fn = self
        out._requires_grad = True

    def backward(self, gy):
        items = [None] * self.count
        items[self.index] = gy
        return _Grads(items)

    @property
    def name(self):
        return f"{self.parents[0].name}[{self.index}]"
