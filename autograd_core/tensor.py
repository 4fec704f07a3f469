"""Tensor: an ndarray plus the graph bookkeeping autograd needs (no math here)."""

import numpy as np

from . import dtypes
from . import errors as _errors

_new = object.__new__


def _to_array(data, dtype, op="tensor"):
    """data (number, nested list, ndarray, Tensor) -> a fresh ndarray of one of our dtypes."""
    if isinstance(data, Tensor):
        data = data.data
        if dtype is None:  # a Tensor keeps its dtype (torch.tensor(t)); ndarrays follow the
            dtype = data.dtype  # default-dtype rule below
    try:
        arr = np.array(data, dtype=dtype, copy=True)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{op}: cannot make a tensor from {type(data).__name__}: {e}") from None
    if dtype is None:
        kind = arr.dtype.kind
        if kind == "f":
            arr = arr.astype(dtypes.get_default_dtype(), copy=False)
        elif kind in "iu":
            arr = arr.astype(np.int64, copy=False)
        elif kind != "b":
            raise TypeError(f"{op}: cannot make a tensor from data of numpy dtype {arr.dtype} "
                            f"({type(data).__name__}); use numbers, bools or nested lists of them")
    return arr


def _wrap(y):
    """The fast internal constructor: y must be an ndarray the new tensor may own."""
    t = _new(Tensor)
    t.data = y
    t._requires_grad = False
    t.grad_fn = None
    t.grad = None
    t._vc = None
    return t


def _float_formatter(d):
    """PyTorch's way of printing floats: `1.` when every value is whole, else 4 decimals,
    in scientific notation when the magnitudes span too much. Widths are aligned."""
    if d.dtype.kind == "b" and d.size:
        width = 5 if not d.all() else 4  # " True" lines up with "False"
        return {"bool": lambda v: str(v).rjust(width)}
    if d.dtype.kind != "f" or d.size == 0:
        return None
    finite = np.abs(d[np.isfinite(d)])
    if finite.size and np.all(finite == np.round(finite)) and finite.max() < 1e8:
        fmt = "{:.0f}."
    elif finite.size and (finite.max() >= 1e8 or (finite[finite > 0].size and
                          finite.max() / finite[finite > 0].min() >= 1e3 and
                          finite[finite > 0].min() < 1e-4)):
        fmt = "{:.4e}"
    else:
        fmt = "{:.4f}"
    texts = [fmt.format(v) if np.isfinite(v) else str(v) for v in d.ravel().tolist()]
    width = max(len(t) for t in texts)
    return {"float_kind": lambda v: (fmt.format(v) if np.isfinite(v) else str(v)).rjust(width)}


class RemovableHandle:
    """Returned by register_hook; .remove() takes the hook off again."""

    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


_NON_LEAF_HINT = (" If you want to use a computed variable in a subgraph that doesn't require "
                  "differentiation use var_no_grad = var.detach().")


def _sizes(size, kwargs, op):
    """new_zeros(2, 3), new_zeros((2, 3)) or new_zeros(size=(2, 3)), as torch."""
    if kwargs:
        if set(kwargs) != {"size"} or size:
            raise TypeError(f"{op}() got unexpected or repeated arguments: "
                            f"{sorted(kwargs)}")
        return (kwargs["size"],)
    return size


def _check_device(op, device):
    """A `device` argument (torch's): None or the CPU, the only device here (nn's layers
    check theirs with this too)."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"{op}: autograd_core runs on the CPU only, not {device}")


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autograd.

    Args:
        data: a number, nested list, numpy array or Tensor (always copied; a Tensor keeps
            its dtype unless dtype is given).
        requires_grad: record ops on this tensor so that backward() fills its .grad.
        dtype: ag.float32 (default for floats), ag.float64, ag.int64 or ag.bool.
    """

    __slots__ = ("data", "_requires_grad", "grad_fn", "grad", "_vc", "__dict__", "__weakref__")
    # what few tensors set lives in the instance __dict__, made on first use: a new tensor
    # costs four attribute stores (a view's base, hooks on a leaf, retain_grad)
    _base = None
    _view_version = 0  # a view's: its base's version when its node was made
    _hooks = None
    _retains_grad = False
    _transposes = None  # see contiguous()
    __array_ufunc__ = None  # ndarray (op) Tensor defers to our reflected operators
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _to_array(data, dtypes.resolve(dtype))
        self._requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vc = None
        if requires_grad:
            self.requires_grad = True

    # --- attributes ---
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None:  # (requires_grad_(True) on one is a no-op, as torch)
            raise RuntimeError("you can only change requires_grad flags of leaf variables."
                               + ("" if value else _NON_LEAF_HINT))
        if value and self.data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients "
                               f"(this one is {self.data.dtype})")
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf "
                                   "variables." + _NON_LEAF_HINT)
            return self  # already requires grad, as every non-leaf does
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return "cpu"

    @property
    def _version(self):
        return self._vc[0] if self._vc is not None else 0

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        return self.data.shape[_check_dim(dim, self.data.ndim, "size")]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    @property
    def T(self):  # noqa: N802
        return self.permute(*range(self.data.ndim - 1, -1, -1))

    @property
    def mT(self):  # noqa: N802
        """The last two dims swapped (matrices or batches of them); a 0-d tensor as it is."""
        nd = self.data.ndim
        if nd == 1:
            raise _errors.ShapeError("tensor.mT is only supported on matrices or batches of "
                                     "matrices. Got 1-D tensor.")
        return self.permute() if nd == 0 else self.transpose(-2, -1)

    @property
    def mH(self):  # noqa: N802
        """The conjugate transpose of the last two dims: mT, tensors here being real."""
        return self.mT

    @property
    def H(self):  # noqa: N802
        """The conjugate transpose of a matrix: T, tensors here being real."""
        if self.data.ndim not in (0, 2):  # (a 0-d tensor stays as it is, as in torch)
            hint = (" For batches of matrices, consider using tensor.mH"
                    if self.data.ndim > 2 else "")
            raise _errors.ShapeError(f"tensor.H is only supported on matrices (2-D tensors). "
                                     f"Got {self.data.ndim}-D tensor.{hint}")
        return self.T

    # --- conversion ---
    def numpy(self):
        return self.data

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted "
                               "to Scalar")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} values is "
                               "ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.data.item())

    def __format__(self, spec):
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return format(repr(self), spec)

    def to(self, *args, dtype=None, **kwargs):
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) and a in ("cpu", "cpu:0"):
                continue
            elif a is not None:
                dtype = a
        _check_device("to", kwargs.get("device"))
        if dtype is None:
            return self
        return _ops.cast(self, dtypes.resolve(dtype))

    def type(self, dtype=None):
        if dtype is None:
            return str(self.dtype)
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return _ops.cast(self, dtypes.float32)

    def double(self):
        return _ops.cast(self, dtypes.float64)

    def long(self):
        return _ops.cast(self, dtypes.int64)

    def bool(self):
        return _ops.cast(self, dtypes.bool)

    def cpu(self):
        return self

    # --- new tensors like this one: its dtype unless dtype= says otherwise (as torch) ---
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        _check_device("new_tensor", device)
        return Tensor(data, requires_grad=requires_grad,
                      dtype=self.dtype if dtype is None else dtype)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return self._new_filled("new_zeros", _sizes(size, kwargs, "new_zeros"), 0, dtype, device,
                                requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return self._new_filled("new_ones", _sizes(size, kwargs, "new_ones"), 1, dtype, device,
                                requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        return self._new_filled("new_empty", _sizes(size, kwargs, "new_empty"), None, dtype, device,
                                requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return self._new_filled("new_full", (size,), fill_value, dtype, device, requires_grad)

    def _new_filled(self, op, size, value, dtype, device, requires_grad):
        from .creation import _size
        if not size:
            raise TypeError(f"{op}() missing 1 required positional argument: 'size'")
        _check_device(op, device)
        dtype = self.dtype if dtype is None else dtypes.resolve(dtype)
        shape = _size(size, op)
        if value is not None and np.dtype(dtype).kind in "iu" and not np.isfinite(value):
            raise RuntimeError(f"{op}: value cannot be converted to type {np.dtype(dtype)} "
                               f"without overflow (got {value})")
        data = np.empty(shape, dtype) if value is None else np.full(shape, value, dtype)
        return Tensor(data, requires_grad=requires_grad, dtype=dtype)

    # --- memory layout (NumPy's, in elements as torch reports it) ---
    def is_contiguous(self):
        return self.data.flags.c_contiguous

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dim (one dim's when dim given).
        A dim of size 1 never steps; it reports what torch does, the next dim's step times
        its size (1 for the last dim), where NumPy may store anything."""
        d = self.data
        steps = [s // d.itemsize for s in d.strides]
        for k in range(d.ndim - 1, -1, -1):
            if d.shape[k] == 1:
                steps[k] = steps[k + 1] * max(d.shape[k + 1], 1) if k + 1 < d.ndim else 1
        steps = tuple(steps)
        return steps if dim is None else steps[_check_dim(dim, d.ndim, "stride")]

    def element_size(self):
        return self.data.itemsize

    def nelement(self):
        return self.data.size

    def data_ptr(self):
        """The address of the first element: equal for tensors sharing memory from the
        same start (a view and its base)."""
        return self.data.__array_interface__["data"][0]

    def contiguous(self):
        """self if its data is C-contiguous, else a C-contiguous copy (a Clone node, as
        torch's contiguous() records CloneBackward).

        A copy of a transposed matrix (the F-contiguous view W.t()) also remembers the matrix
        it came from: the backward of x @ W.t().contiguous() then multiplies by W itself,
        contiguous, rather than by a transposed view of the copy, which BLAS runs slower
        (a recurrent layer multiplies by its hidden weight every step: it copies W_hh^T
        once so that every step's product reads contiguous memory both ways)."""
        d = self.data
        if d.flags.c_contiguous:
            return self
        out = _ops.clone(self)
        if d.ndim == 2 and d.flags.f_contiguous:
            if self._vc is None:
                self._vc = [0, 0]
            out._transposes = (d.T, self._vc, self._vc[0])  # valid while that version holds
        return out

    # --- graph ---
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's .grad (see ag.grad for the rest)."""
        _engine.backward((self,), None if gradient is None else (gradient,), retain_graph,
                 create_graph, inputs)

    def detach(self):
        """A tensor sharing this one's data (and version counter) but not its graph."""
        t = _wrap(self.data)
        if self._vc is None:
            self._vc = [0, 0]
        t._vc = self._vc
        t._base = self if self._base is None else self._base
        return t

    def detach_(self):
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("detach_: can't detach a view in place; use detach()")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn.retain_output_grad(self)

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle whose .remove() unregisters it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            hooks.append(hook)
        else:
            hooks = self.grad_fn.register_prehook(hook)
        return RemovableHandle(hooks, hook)

    # --- printing ---
    def __repr__(self):
        d = self.data
        body = np.array2string(d, separator=", ", prefix="tensor(", threshold=1000,
                               formatter=_float_formatter(d))
        extras = []
        if d.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool) or (
                d.size == 0 and d.dtype != dtypes.get_default_dtype()):
            extras.append(f"dtype={d.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    __str__ = __repr__

    # --- operators (the math lives in ops/) ---
    def __radd__(self, other):
        return _ops.add(other, self)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem_(self, index, value)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def __imod__(self, other):
        return self.remainder_(other)

    # comparisons and logic: bool results, never part of the graph
    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    # bitwise on integers, logical on bool (as torch); floats raise TypeError
    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def where(self, condition, other):
        """self where condition holds, else other (torch.Tensor.where's argument order)."""
        return _ops.where(condition, self, other)

    __hash__ = object.__hash__


def _check_dim(dim, ndim, op):
    """A dim (possibly negative) -> its non-negative index, or IndexError naming the op."""
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim} is out of range for a {ndim}-d tensor "
                         f"(expected a dim in [{-n}, {n - 1}])")
    return dim % n


# ops and the engine need Tensor defined first
from . import engine as _engine  # noqa: E402
from . import ops as _ops  # noqa: E402

# the forward operators are the op functions themselves: one call less on the hottest path
Tensor.__add__ = _ops.add
Tensor.__sub__ = _ops.sub
Tensor.__mul__ = _ops.mul
Tensor.__truediv__ = _ops.div
Tensor.__matmul__ = _ops.matmul
