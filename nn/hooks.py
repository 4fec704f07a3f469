"""Module hooks, as torch's: the RemovableHandle the register_*_hook methods return, the
global hooks on every module (register_module_forward_hook, ...), and the backward hooks'
machinery: an identity Function (BackwardHookFunction) on a call's inputs and outputs, whose
gradients are grad_input and grad_output (no backward of its own beyond the identity)."""

import warnings
import weakref
from collections import OrderedDict

import autograd_core as ag
from autograd_core.function import _sums_to
from autograd_core.tensor import Tensor


class RemovableHandle:
    """What the register_*_hook methods return (torch.utils.hooks.RemovableHandle):
    .remove() takes the hook off again; as a context manager, it removes it on exit."""

    next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else extra_dict or []
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self):
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# the per-module hook stores, named as torch names them (code that inspects
# module._forward_hooks works); Module.__init__ makes each an OrderedDict
_HOOK_DICTS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
               "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
               "_backward_pre_hooks", "_backward_hooks", "_state_dict_pre_hooks",
               "_state_dict_hooks", "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks")

# set for good once any module gets a forward or backward hook: from then on, __call__
# looks for hooks (a module without any then costs a few dict reads more); _GLOBAL_HOOKS:
# there may be global hooks
_HOOKS_USED = [False]
_GLOBAL_HOOKS = [False]

# hooks on every module (register_module_forward_hook ...), as in torch.nn.modules.module
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()


def _global_hook(store, hook, extra=()):
    handle = RemovableHandle(store, extra_dict=[d for d, _ in extra])
    store[handle.id] = hook
    for d, on in extra:
        if on:
            d[handle.id] = True
    _HOOKS_USED[0] = _GLOBAL_HOOKS[0] = True
    return handle


def register_module_forward_pre_hook(hook):
    """A forward pre-hook on every module, run before the module's own ones."""
    return _global_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook on every module, run before the module's own ones."""
    return _global_hook(_global_forward_hooks, hook,
                        [(_global_forward_hooks_with_kwargs, with_kwargs),
                         (_global_forward_hooks_always_called, always_call)])


def register_module_full_backward_pre_hook(hook):
    """A backward pre-hook on every module, run before the module's own ones."""
    return _global_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    """A full backward hook on every module, run before the module's own ones."""
    return _global_hook(_global_backward_hooks, hook)


def _any_global_hooks():
    return bool(_global_forward_pre_hooks or _global_forward_hooks
                or _global_backward_pre_hooks or _global_backward_hooks)


def _hook_name(hook):
    return getattr(hook, "__qualname__", None) or repr(hook)


def _check_grads(module, hook, kind, new, old):
    """What a backward (pre-)hook returned: a tuple with one entry (None or a Tensor that
    fits) per entry of what it was given."""
    where = f"{kind} hook '{_hook_name(hook)}' of {module._get_name()}"
    what = "grad_input" if kind == "backward" else "grad_output"
    if not isinstance(new, (tuple, list)):
        raise TypeError(f"{where} returned a {type(new).__name__}; return None or a tuple "
                        f"of {len(old)} gradient(s) (Tensors or None), one per {what} entry")
    if len(new) != len(old):
        raise RuntimeError(f"{where}: Backward {'pre ' if kind != 'backward' else ''}hook "
                           f"returned an invalid number of {what}, got {len(new)}, but "
                           f"expected {len(old)}")
    for i, (g, ref) in enumerate(zip(new, old)):
        if g is None:
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"{where} returned a {type(g).__name__} as {what}[{i}]; "
                            "expected a Tensor or None")
        if ref is not None and g.shape != ref.shape and not _sums_to(g.shape, ref.shape):
            raise RuntimeError(f"{where} returned {what}[{i}] of shape {tuple(g.shape)}, "
                               f"which does not fit the gradient's shape {tuple(ref.shape)}")
    return tuple(new)


class BackwardHookFunction(ag.Function):
    """Identity on a module call's Tensor inputs (or outputs); its backward hands their
    gradients to the call's _BackwardHook. Its node is named BackwardHookFunctionBackward,
    as torch's."""

    @staticmethod
    def forward(ctx, hook, is_output, *tensors):
        ctx.hook, ctx.is_output = hook, is_output
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        if is_output:  # hooks see None for an output the loss did not reach, as in torch
            ctx.set_materialize_grads(False)
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        if ctx.is_output:
            return (None, None, *ctx.hook.output_grads(grads))
        # (an input that needs no grad gets zeros, materialized, as torch's hooks see it)
        return (None, None, *ctx.hook.input_grads(grads))


class _BackwardHook:
    """One call's full backward (pre-)hooks, as torch.utils.hooks.BackwardHook: the
    output's identity op catches grad_output (and runs the pre-hooks), the input's one
    runs the full hooks once every gradient w.r.t. the module's inputs is in. Entries for
    positional arguments that are not Tensors are None; a Tensor input that does not
    require grad gets zeros (all None when no input requires grad), as in torch."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = -1
        self.input_index = self.output_index = None

    def _wrap(self, args, is_output):
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not (ag.is_grad_enabled() and any(args[i].requires_grad for i in index)):
            return args, None
        new = BackwardHookFunction.apply(self, is_output, *[args[i] for i in index])
        out = list(args)
        for i, t in zip(index, new):
            out[i] = t
        return (tuple(out) if type(args) is tuple else type(args)(*out)), index

    def setup_input_hook(self, args):
        res, self.input_index = self._wrap(args, False)
        self.n_inputs = len(args)
        return res

    def setup_output_hook(self, result):
        many = isinstance(result, tuple)
        res, self.output_index = self._wrap(result if many else (result,), True)
        self.n_outputs = len(res)
        return res if many else res[0]

    def _pack(self, index, values, n):
        out = [None] * n
        for i, v in zip(index, values):
            out[i] = v
        return tuple(out)

    def output_grads(self, grads):
        self.grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in self.pre_hooks:
            new = hook(self.module, self.grad_outputs)
            if new is not None:
                self.grad_outputs = _check_grads(self.module, hook, "backward pre",
                                                 new, self.grad_outputs)
        grad_outputs = self.grad_outputs
        if self.input_index is None and self.hooks:
            # no input requires grad: nothing will reach an input, so the hooks run now
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.",
                          stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                res = hook(self.module, grad_inputs, grad_outputs)
                if res is not None and not (isinstance(res, tuple)
                                            and all(r is None for r in res)):
                    raise RuntimeError(
                        f"backward hook '{_hook_name(hook)}' of {self.module._get_name()}: "
                        "Backward hook for Modules where no input requires gradient should "
                        "always return None or None for all gradients.")
            self.grad_outputs = None
        return tuple(grad_outputs[i] for i in self.output_index)

    def input_grads(self, grads):
        if self.grad_outputs is None:
            # the gradient reached the inputs without passing through the output
            # (double backward, say): no grad_output to report
            return grads
        res = self._pack(self.input_index, grads, self.n_inputs)
        for hook in self.hooks:
            new = hook(self.module, res, self.grad_outputs)
            if new is not None:
                res = _check_grads(self.module, hook, "backward", new, res)
        self.grad_outputs = None
        return tuple(res[i] for i in self.input_index)
