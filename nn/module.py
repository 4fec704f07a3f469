"""Module and Parameter, as in PyTorch (the containers are in containers.py).

A Module registers what is assigned to its attributes: a Parameter becomes a parameter, a
Module a child, and a Tensor given to register_buffer a buffer. Names, iteration order and
state_dict keys follow PyTorch's, so a state_dict maps one to one onto the torch module.
"""

from collections import OrderedDict, namedtuple

import numpy as np

import autograd_core as ag
from autograd_core.function import SCOPE
from autograd_core.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned to its attribute.

    Parameter(data) shares data's array (no copy) and requires grad by default.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = ag.empty(0)
        if isinstance(data, Tensor):
            if data.grad_fn is not None:
                data = data.detach()
            array = data.data
        else:
            array = Tensor(data).data
        self.data = array
        self._requires_grad = False
        self.grad_fn = None
        self.grad = None
        self._vc = None
        if requires_grad:
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class CallRecord:
    """What a node's `scope` holds when an nn module created it: the module, and the record
    of the module whose forward called this one (None at the top)."""

    __slots__ = ("module", "parent")

    def __init__(self, module, parent):
        self.module = module
        self.parent = parent

    def path(self):
        """The modules from the outermost call down to this one."""
        out, rec = [], self
        while rec is not None:
            out.append(rec.module)
            rec = rec.parent
        return out[::-1]

    def qualified_name(self):
        """This module's dotted name in the outermost module of the call (as in
        named_modules), '' for the outermost itself."""
        path = self.path()
        names = {id(m): name for name, m in path[0].named_modules()}
        return names.get(id(path[-1]), type(path[-1]).__name__)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it did not find, and the keys it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class of every layer and model: subclasses set attributes in __init__ (after
    calling super().__init__()) and define forward()."""

    training: bool

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        """Run forward; every op it creates keeps a record of this module (node.scope)."""
        outer = SCOPE[0]
        SCOPE[0] = CallRecord(self, outer)
        try:
            return self.forward(*args, **kwargs)
        finally:
            SCOPE[0] = outer

    # --- registration by attribute assignment ---
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign to a Module's attributes before "
                                 "Module.__init__() is called")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name, keep=None):
        """Drop name from the attributes and from every store but `keep`: a name assigned
        again to the same kind of thing keeps its place in the order, as in PyTorch."""
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            if store is not keep:
                store.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        if "_parameters" in d:  # (not yet during unpickling or before __init__)
            for store in (d["_parameters"], d["_buffers"], d["_modules"]):
                if name in store:
                    return store[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, name, what):
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{what} name can\'t be empty or contain ".", got: "{name}"')
        registered = name in self._parameters or name in self._buffers or name in self._modules
        if name in self.__dict__ and not registered:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a parameter (a Parameter, or None for an absent one such as bias=False)."""
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: state that is not trained (BatchNorm's running_mean). A persistent
        buffer is part of state_dict."""
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None)."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keep=self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        module = self
        for part in target.split(".") if target else ():
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        module = self.get_submodule(mod_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    # --- iteration ---
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first, in
        registration order; a module reachable twice is listed once."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m)
                        for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self, remove_duplicate=True):
        for _, m in self.named_modules(remove_duplicate=remove_duplicate):
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse, remove_duplicate):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for mod_name, module in modules:
            for name, value in getattr(module, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs, as PyTorch names them ("0.weight", "fc1.bias")."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # --- modes and bulk operations ---
    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) in this
        module and all its descendants."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (the default), or to zeros."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.data[...] = 0
                if p.grad.grad_fn is not None:
                    p.grad = p.grad.detach()

    def apply(self, fn):
        """Call fn on every submodule and then on this module, depth first: each child's
        whole subtree in registration order before the next child (as in PyTorch; a
        module reached twice is visited twice). Returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, dtype):
        """Convert floating parameters and buffers to dtype in place (the Parameter objects
        stay the same, so optimizers built before still hold them)."""
        dt = ag.dtypes.resolve(dtype)
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype.kind == "f" and t.data.dtype != dt:
                t.data = t.data.astype(dt)
                if t.grad is not None:
                    t.grad = ag.tensor(t.grad.data, dtype=dt)
        return self

    def double(self):
        return self.to(ag.float64)

    def float(self):
        return self.to(ag.float32)

    # --- state ---
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer by dotted name. The
        tensors share memory with the module's (detached unless keep_vars)."""
        out = OrderedDict() if destination is None else destination
        # a module registered under two names is saved under both, as in PyTorch
        for mod_name, module in self.named_modules(prefix=prefix.rstrip("."),
                                                   remove_duplicate=False):
            head = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[head + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    out[head + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy state_dict's tensors into this module's parameters and buffers, in place.

        Every key and shape is checked before anything is written: with strict=True
        missing and unexpected keys raise, and a shape mismatch raises either way, all
        problems reported together; the module is then left unchanged. Returns
        (missing_keys, unexpected_keys)."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        values = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != target.data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{_size(array.shape)} from checkpoint, the shape in current "
                              f"model is {_size(target.data.shape)}.")
            values[key] = array
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with ag.no_grad():
            for key, array in values.items():
                target = own[key]
                if assign:
                    target.data = np.array(array, dtype=target.data.dtype)
                else:
                    target.copy_(ag.tensor(np.asarray(array), dtype=target.dtype))
        return _IncompatibleKeys(missing, unexpected)

    # --- printing ---
    def extra_repr(self):
        """The text inside this module's parentheses in its repr (override it)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        head = self._get_name() + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _check_device(op, device):
    """A layer's `device` argument (torch's): None or the CPU, the only device here."""
    if device is not None and str(device) not in ("cpu", "cpu:0"):
        raise RuntimeError(f"{op}: autograd_core runs on the CPU only, not {device}")


def _size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"
