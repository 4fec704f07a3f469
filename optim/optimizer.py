"""Optimizer: the base class that holds parameter groups and per-parameter state, and
saves both as a state dict that ag.save can write."""

import functools
import types
import warnings

import numpy as np

import autograd_core as ag


class _RequiredParameter:
    """Marks a hyperparameter that has no default and every group must give."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _marking_opt_called(step):
    """`step` made to set `_opt_called` first, as Optimizer.step does (torch wraps the step
    of an optimizer when a scheduler is built on it, for the same check)."""
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        self._opt_called = True
        return step(self, *args, **kwargs)
    wrapper._marks_opt_called = True
    return wrapper


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups) each with a
            "params" entry and any hyperparameters that differ from `defaults`.
        defaults: the hyperparameters a group gets when it does not set them.

    Subclasses validate and fill `defaults`, and implement `_step_group(group)`, which
    runs under `ag.no_grad()` and updates the parameters of one group in place.
    """

    def __init_subclass__(cls, **kwargs):
        # a subclass that overrides step() gets it wrapped to set `_opt_called`, so a
        # scheduler's "lr_scheduler.step() before optimizer.step()" check works for it too
        # (the base step sets the flag itself: the usual optimizers are not wrapped)
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if isinstance(step, types.FunctionType) and not hasattr(step, "_marks_opt_called"):
            cls.step = _marking_opt_called(step)

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}  # parameter -> its dict of buffers, as torch's (keyed by identity)
        self.param_groups = []
        if isinstance(params, ag.Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got Tensor")
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # --- parameter groups ---
    def add_param_group(self, param_group):
        """Add a group of parameters, with its own hyperparameters, to `param_groups`.

        Hyperparameters the group leaves out take the optimizer's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, ag.Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, ag.Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "in future, this will cause an error", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # --- gradients and steps ---
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to None (the default), or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:
                        p.grad = p.grad.detach()
                    p.grad.data[...] = 0

    def step(self, closure=None):
        """Perform one optimization step.

        Args:
            closure: an optional callable that re-evaluates the model (recomputing the
                gradients) and returns the loss, which step then returns.
        """
        loss = None
        if closure is not None:
            with ag.enable_grad():
                loss = closure()
        self._opt_called = True  # lets a scheduler check it is stepped after the optimizer
        with ag.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group):
        raise NotImplementedError

    def _params_with_grad(self, group, with_state=True):
        """The group's parameters that have a gradient, with their state dicts (made empty
        on first use; None when `with_state` is False, for rules that keep no state)."""
        return [(p, self.state.setdefault(p, {}) if with_state else None)
                for p in group["params"] if p.grad is not None]

    # --- saving and loading ---
    def state_dict(self):
        """The optimizer's state as a dict that ag.save can write.

        {"state": {index: {buffer name: Tensor or number}}, "param_groups": [group dict
        with "params" as a list of indices]}: parameters are numbered in the order the
        groups list them, as in PyTorch, so the dict holds no Tensor identities. Buffers
        are shared, not copied.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state dict made by `state_dict` (possibly through ag.save / ag.load).

        The groups must match this optimizer's in number and size. Buffers are copied and
        cast to their parameter's dtype; hyperparameters replace the current ones.
        """
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        by_index = {int(i): p for g, s in zip(groups, saved_groups)
                    for i, p in zip(s["params"], g["params"])}
        state = {}
        for i, saved in state_dict["state"].items():
            p = by_index.get(int(i))
            if p is not None:
                state[p] = {k: _cast_state(k, v, p) for k, v in saved.items()}
        self.state = state
        self.param_groups = [
            dict({k: _copy_value(v) for k, v in s.items() if k != "params"}, params=g["params"])
            for g, s in zip(groups, saved_groups)]
        for group in self.param_groups:  # a state dict saved before a switch existed
            for key, value in _SWITCHES.items():
                if key in self.defaults:
                    group.setdefault(key, value)


def _cast_state(key, value, param):
    """A private copy of a loaded buffer: step counters stay float32 scalars (as in
    PyTorch), everything else takes the dtype of its parameter."""
    if isinstance(value, (ag.Tensor, np.ndarray, np.generic)):
        array = np.asarray(value.data if isinstance(value, ag.Tensor) else value)
        dtype = np.float32 if key == "step" else param.data.dtype
        return ag.from_numpy(np.array(array, dtype=dtype))
    if key == "step" and isinstance(value, (int, float)):
        return ag.from_numpy(np.array(value, dtype=np.float32))
    return _copy_value(value)


def _copy_value(value):
    """Copy lists and dicts of a loaded group so the state dict is never aliased."""
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    return value


# --- helpers the update rules share ---
# PyTorch's implementation switches, with their defaults: they choose how torch runs a
# step (one kernel per tensor or fused across tensors, CUDA-graph capture, a step that is
# itself differentiable), never what it computes. Accepted, and kept in param_groups, as
# torch keeps them, so torch code runs unchanged; the two this engine cannot honour are
# refused when set.
_SWITCHES = {"foreach": None, "fused": None, "capturable": False, "differentiable": False}


def _switches(op, **given):
    """The switches `op` takes (those torch's op takes), checked, for its defaults."""
    if given.get("capturable"):
        raise ValueError(f"{op}: capturable=True is for CUDA graph capture; autograd_core "
                         "runs on the CPU only")
    if given.get("differentiable"):
        raise ValueError(f"{op}: differentiable=True (a step that is itself recorded for "
                         "autograd) is not supported: the update runs outside the graph")
    for key in ("foreach", "fused"):
        if key in given and given[key] is not None and not isinstance(given[key], bool):
            raise TypeError(f"{op}: {key} must be None or a bool, got {given[key]!r}")
    return given


def _check(ok, message):
    if not ok:
        raise ValueError(message)


def _buffer(array):
    """A state buffer: a Tensor that owns `array`."""
    return ag.from_numpy(array)


def _new_step():
    """A step counter: a float32 scalar Tensor, as PyTorch keeps it (so state dicts match)."""
    return ag.from_numpy(np.zeros((), np.float32))


def _lerp_(start, end, weight):
    """start += weight * (end - start), in place, rounded as torch.lerp_ rounds: from the
    nearer end, so a weight near 1 does not lose the small difference."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
