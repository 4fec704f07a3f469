"""Module and Parameter, as in PyTorch (the containers are in containers.py).

A Module registers what is assigned to its attributes: a Parameter becomes a parameter, a
Module a child, and a Tensor given to register_buffer a buffer. Names, iteration order and
state_dict keys follow PyTorch's, so a state_dict maps one to one onto the torch module.
"""

import functools
import warnings
from collections import OrderedDict, namedtuple

import numpy as np

import autograd_core as ag
from autograd_core.function import SCOPE
from autograd_core.tensor import Tensor, _check_device  # noqa: F401  (nn layers import it here)

from .hooks import (  # noqa: F401  (the register_module_* functions: torch's module path)
    _GLOBAL_HOOKS,
    _HOOK_DICTS,
    _HOOKS_USED,
    RemovableHandle,
    _any_global_hooks,
    _BackwardHook,
    _global_backward_hooks,
    _global_backward_pre_hooks,
    _global_forward_hooks,
    _global_forward_hooks_always_called,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
    _hook_name,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)


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

    def __deepcopy__(self, memo):
        """A new Parameter of the same class, on a copy of the data, with the same
        requires_grad and no grad (torch's Parameter.__deepcopy__)."""
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(ag.clone(self.detach()), self.requires_grad)
        memo[id(self)] = result
        return result

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
        for name in _HOOK_DICTS:
            object.__setattr__(self, name, OrderedDict())

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in _HOOK_DICTS:  # a module pickled before the hook stores existed
            if name not in self.__dict__:
                object.__setattr__(self, name, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        """Run forward; every op it creates keeps a record of this module (node.scope)."""
        if _HOOKS_USED[0]:  # a global read (not self.x, which __getattr__ slows): the
            d = self.__dict__  # hook-free call stays as fast as it was
            if (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                    or d["_backward_pre_hooks"] or _GLOBAL_HOOKS[0]):
                return self._call_with_hooks(args, kwargs)
        outer = SCOPE[0]
        SCOPE[0] = CallRecord(self, outer)
        try:
            return self.forward(*args, **kwargs)
        finally:
            SCOPE[0] = outer

    def _call_with_hooks(self, args, kwargs):
        """__call__ with hooks, in torch's order: forward pre-hooks, the backward hooks'
        identity op on the inputs, forward, forward hooks, the identity op on the output.
        Global hooks run before the module's own."""
        _GLOBAL_HOOKS[0] = _any_global_hooks()  # (global hooks may have been removed)
        outer = SCOPE[0]
        SCOPE[0] = CallRecord(self, outer)
        result, called = None, set()
        try:
            bw_pre = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
            full = [*_global_backward_hooks.values(), *self._backward_hooks.values()]
            with_kwargs = self._forward_pre_hooks_with_kwargs
            for hook_id, hook in (*_global_forward_pre_hooks.items(),
                                  *self._forward_pre_hooks.items()):
                if hook_id in with_kwargs:
                    res = hook(self, args, kwargs)
                    if res is not None:
                        if not (isinstance(res, tuple) and len(res) == 2):
                            raise RuntimeError(
                                f"forward pre-hook '{_hook_name(hook)}' of {self._get_name()}"
                                ": forward pre-hook must return None or a tuple of (new_args, "
                                f"new_kwargs), but got {res!r}.")
                        args, kwargs = res
                else:
                    res = hook(self, args)
                    if res is not None:
                        args = res if isinstance(res, tuple) else (res,)
            bw = None
            if full or bw_pre:
                bw = _BackwardHook(self, full, bw_pre)
                args = bw.setup_input_hook(args)
            result = self.forward(*args, **kwargs)
            for hook_id, hook in self._forward_hook_items():
                if hook_id in self._forward_hooks_always_called \
                        or hook_id in _global_forward_hooks_always_called:
                    called.add(hook_id)
                res = self._run_forward_hook(hook_id, hook, args, kwargs, result)
                if res is not None:
                    result = res
            if bw is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a "
                                  "Tensor or a tuple of Tensors but received "
                                  f"{type(result)}", stacklevel=3)
                result = bw.setup_output_hook(result)
            return result
        except Exception:
            # forward hooks registered with always_call=True run even when forward failed
            for hook_id, hook in self._forward_hook_items():
                if hook_id in called or not (hook_id in self._forward_hooks_always_called or
                                             hook_id in _global_forward_hooks_always_called):
                    continue
                try:
                    res = self._run_forward_hook(hook_id, hook, args, kwargs, result)
                    if res is not None:
                        result = res
                except Exception as e:
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)
            raise
        finally:
            SCOPE[0] = outer

    def _forward_hook_items(self):
        return (*_global_forward_hooks.items(), *self._forward_hooks.items())

    def _run_forward_hook(self, hook_id, hook, args, kwargs, result):
        if hook_id in self._forward_hooks_with_kwargs \
                or hook_id in _global_forward_hooks_with_kwargs:
            return hook(self, args, kwargs, result)
        return hook(self, args, result)

    # --- hooks ---
    def _add_hook(self, store, hook, prepend=False, extra=(), on_call=True):
        handle = RemovableHandle(store, extra_dict=[d for d, _ in extra])
        store[handle.id] = hook
        for d, on in extra:
            if on:
                d[handle.id] = True
        if prepend:
            store.move_to_end(handle.id, last=False)
        if on_call:
            _HOOKS_USED[0] = True
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call hook(module, args) before every forward (hook(module, args, kwargs) with
        with_kwargs). It may return new args (a tuple, or a single value that becomes a
        1-tuple), or with with_kwargs a tuple (new_args, new_kwargs). Returns a handle
        whose remove() unregisters it."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend,
                              [(self._forward_pre_hooks_with_kwargs, with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Call hook(module, args, output) after every forward (hook(module, args, kwargs,
        output) with with_kwargs); a value it returns replaces the output. With always_call
        it runs even when forward raises. Returns a handle."""
        return self._add_hook(self._forward_hooks, hook, prepend,
                              [(self._forward_hooks_with_kwargs, with_kwargs),
                               (self._forward_hooks_always_called, always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call hook(module, grad_output) when the gradient w.r.t. the module's output is
        computed, before the gradients w.r.t. its inputs; it may return a new grad_output
        tuple. grad_output has an entry per output (None for non-Tensors and outputs the
        gradient did not reach). Returns a handle."""
        return self._add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call hook(module, grad_input, grad_output) once the gradients w.r.t. the
        module's positional inputs are computed; it may return a new grad_input tuple.
        Entries are None for inputs that are not Tensors (and all None when no input
        requires grad; a Tensor input that does not require grad gets zeros when others do,
        as in torch). The hook must not change its arguments in place. Returns a handle."""
        return self._add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        """Deprecated (as in torch): here the same as register_full_backward_hook."""
        warnings.warn("register_backward_hook is deprecated; it behaves as "
                      "register_full_backward_hook here. Use register_full_backward_hook.",
                      DeprecationWarning, stacklevel=2)
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook):
        """Call hook(module, prefix, keep_vars) before state_dict() saves this module."""
        return self._add_hook(self._state_dict_pre_hooks, hook, on_call=False)

    def register_state_dict_post_hook(self, hook):
        """Call hook(module, state_dict, prefix, local_metadata) once state_dict() has
        saved this module and its descendants; it may change state_dict in place."""
        return self._add_hook(self._state_dict_hooks, hook, on_call=False)

    _register_state_dict_hook = register_state_dict_post_hook

    def register_load_state_dict_pre_hook(self, hook):
        """Call hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) before load_state_dict() loads anything; it may
        rename or change entries of state_dict (a copy of the one given)."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        if with_module:
            hook = functools.partial(hook, self)
        return self._add_hook(self._load_state_dict_pre_hooks, hook, on_call=False)

    def register_load_state_dict_post_hook(self, hook):
        """Call hook(module, incompatible_keys) after load_state_dict(); it may change
        incompatible_keys.missing_keys / unexpected_keys in place, which the strict check
        then sees."""
        return self._add_hook(self._load_state_dict_post_hooks, hook, on_call=False)

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

    def get_buffer(self, target):
        """The buffer at the dotted path target ('bn.running_mean')."""
        mod_path, _, name = target.rpartition(".")
        module = self.get_submodule(mod_path)
        if name not in module._buffers and not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def set_submodule(self, target, module, strict=False):
        """Put module at the dotted path target, replacing the submodule there (or, unless
        strict, adding it to the existing parent)."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

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

    def type(self, dst_type):
        """Cast every parameter and buffer (integer ones too, as torch) to dst_type: a
        dtype, or a name such as 'torch.DoubleTensor'."""
        dt = _TENSOR_TYPES.get(dst_type, dst_type) if isinstance(dst_type, str) else dst_type
        dt = ag.dtypes.resolve(dt)
        for t in list(self.parameters()) + list(self.buffers()):
            if t.data.dtype != dt:
                t.data = t.data.astype(dt)
                if t.grad is not None:
                    t.grad = ag.tensor(t.grad.data, dtype=dt)
        return self

    def cpu(self):
        """Everything is on the CPU already: returns self."""
        return self

    def double(self):
        return self.to(ag.float64)

    def float(self):
        return self.to(ag.float32)

    # --- state ---
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer by dotted name (and
        '_extra_state' of modules that define get_extra_state). The tensors share memory
        with the module's (detached unless keep_vars)."""
        out = OrderedDict() if destination is None else destination
        self._state_dict_into(out, prefix, keep_vars)
        return out

    def _state_dict_into(self, out, prefix, keep_vars):
        # recursive like torch's (as deep as the module tree, not the graph): a module's
        # post-hooks run once its whole subtree is saved; a module registered under two
        # names is saved under both, as in PyTorch
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(out, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module._state_dict_into(out, f"{prefix}{name}.", keep_vars)
        for hook in self._state_dict_hooks.values():
            hook(self, out, prefix, {"version": 1})

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Save this module's own parameters, persistent buffers and extra state (not its
        children's) into destination, as torch's hook for subclasses."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def _own_state(self):
        """{key: tensor} of what load_state_dict fills, and {key: module} of the extra
        states it hands to set_extra_state."""
        tensors, extras = OrderedDict(), {}
        for mod_name, module in self.named_modules(remove_duplicate=False):
            head = f"{mod_name}." if mod_name else ""
            for name, p in module._parameters.items():
                if p is not None:
                    tensors[head + name] = p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    tensors[head + name] = b
            if type(module).set_extra_state is not Module.set_extra_state:
                extras[head + _EXTRA_STATE] = module
        return tensors, extras

    def get_extra_state(self):
        """Override (with set_extra_state) to save any picklable state in state_dict under
        '<prefix>_extra_state'."""
        raise RuntimeError("Module.get_extra_state() is only called when a subclass "
                           "overrides it")

    def set_extra_state(self, state):
        """Override (with get_extra_state) to restore what get_extra_state returned."""
        raise RuntimeError("Module.set_extra_state() is only called when a subclass "
                           "overrides it")

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy state_dict's tensors into this module's parameters and buffers, in place.

        Every key and shape is checked before anything is written: with strict=True
        missing and unexpected keys raise, and a shape mismatch raises either way, all
        problems reported together; the module is then left unchanged (unless a
        load_state_dict post-hook is registered: as in torch, the strict check then waits
        for the hooks, after the copy). Returns (missing_keys, unexpected_keys)."""
        state_dict = OrderedDict(state_dict)  # pre-hooks may rename entries: not the caller's
        missing, unexpected, errors = [], [], []
        modules = list(self.named_modules(remove_duplicate=False))
        for mod_name, module in modules:
            for hook in module._load_state_dict_pre_hooks.values():
                hook(state_dict, f"{mod_name}." if mod_name else "", {}, strict, missing,
                     unexpected, errors)
        own, extras = self._own_state()
        missing += [k for k in (*own, *extras) if k not in state_dict]
        unexpected += [k for k in state_dict if k not in own and k not in extras]
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
        post = [(m, hook) for _, m in modules
                for hook in m._load_state_dict_post_hooks.values()]
        if errors or (strict and not post and (missing or unexpected)):
            self._raise_load_errors(strict, missing, unexpected, errors)
        with ag.no_grad():
            for key, array in values.items():
                target = own[key]
                if assign:
                    target.data = np.array(array, dtype=target.data.dtype)
                else:
                    target.copy_(ag.tensor(np.asarray(array), dtype=target.dtype))
        for key, module in extras.items():
            if key in state_dict:
                module.set_extra_state(state_dict[key])
        result = _IncompatibleKeys(missing, unexpected)
        for module, hook in post:
            if hook(module, result) is not None:
                raise RuntimeError(f"load_state_dict post-hook '{_hook_name(hook)}' of "
                                   f"{module._get_name()} should return None (it may change "
                                   "missing_keys and unexpected_keys in place)")
        if strict and (missing or unexpected):
            self._raise_load_errors(strict, missing, unexpected, [])
        return result

    def _raise_load_errors(self, strict, missing, unexpected, errors):
        head = []
        if strict and missing:
            head.append("Missing key(s) in state_dict: "
                        + ", ".join(f'"{k}"' for k in missing) + ". ")
        if strict and unexpected:
            head.append("Unexpected key(s) in state_dict: "
                        + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                           + "\n\t".join(head + errors))

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


_EXTRA_STATE = "_extra_state"  # the state_dict key suffix of get_extra_state()'s value
_TENSOR_TYPES = {"torch.FloatTensor": "float32", "torch.DoubleTensor": "float64",
                 "torch.LongTensor": "int64", "torch.BoolTensor": "bool"}


def _size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"
