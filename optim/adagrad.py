"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _new_step, _switches


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), as `torch.optim.Adagrad`.

    ``sum += g * g``, ``p -= clr * g / (sqrt(sum) + eps)`` with
    ``clr = lr / (1 + (t - 1) * lr_decay)``. As in PyTorch, the state is made for every
    parameter when the optimizer is built (for a group added later, at its first step), and
    the accumulator starts at the optimizer's `initial_accumulator_value` in every group.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= initial_accumulator_value,
               f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value,
                        maximize=maximize,
                        **_switches("Adagrad", foreach=foreach,
                                    differentiable=differentiable, fused=fused))
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state.setdefault(p, {}), p)

    def _init_state(self, state, p):
        # the optimizer's initial_accumulator_value, never a group's: PyTorch does the same
        state["step"] = _new_step()
        state["sum"] = _buffer(np.full_like(p.data, self.defaults["initial_accumulator_value"]))

    def _step_group(self, group):
        params, grads, sums, steps = [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:  # a group added after construction
                self._init_state(state, p)
            params.append(p.data)
            grads.append(p.grad.data)
            sums.append(state["sum"].data)
            steps.append(state["step"].data)
        adagrad(params, grads, sums, steps, lr=group["lr"], lr_decay=group["lr_decay"],
                weight_decay=group["weight_decay"], eps=group["eps"],
                maximize=group["maximize"])


def adagrad(params, grads, sums, steps, *, lr, lr_decay, weight_decay, eps, maximize):
    """The Adagrad update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        steps[i] += 1
        step = float(steps[i])
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        sums[i] += g * g
        std = np.sqrt(sums[i]) + eps
        p += -clr * g / std
