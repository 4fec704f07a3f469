"""ASGD: SGD whose step size decays, with a running (Polyak) average of the iterates."""

import numpy as np

import autograd_core as ag

from .optimizer import Optimizer, _buffer, _check, _new_step, _switches


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992), as `torch.optim.ASGD`.

    ``p *= 1 - lambd * eta``, ``p -= eta * g``; the average ``ax`` copies p until step
    `t0`, then ``ax += mu * (p - ax)``; then ``eta = lr / (1 + lambd * lr * t)**alpha`` and
    ``mu = 1 / max(1, t - t0)``. As in PyTorch, ``eta`` and ``mu`` are float32 scalars
    (``eta`` starts as the float32 lr). `weight_decay` adds ``wd * p`` to the gradient.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize,
                        **_switches("ASGD", foreach=foreach, differentiable=differentiable,
                                    capturable=capturable))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, axs, mus, etas, steps = [], [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["eta"] = _buffer(np.array(group["lr"], np.float32))
                state["mu"] = _buffer(np.ones((), np.float32))
                state["ax"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            axs.append(state["ax"].data)
            mus.append(state["mu"].data)
            etas.append(state["eta"].data)
            steps.append(state["step"].data)
        asgd(params, grads, axs, mus, etas, steps, lr=group["lr"], lambd=group["lambd"],
             alpha=group["alpha"], t0=group["t0"], weight_decay=group["weight_decay"],
             maximize=group["maximize"])


def asgd(params, grads, axs, mus, etas, steps, *, lr, lambd, alpha, t0, weight_decay,
         maximize):
    """The ASGD update on arrays, in place (steps, mus and etas are 0-d arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        eta = float(etas[i])
        p *= 1 - lambd * eta
        p += -eta * g
        if float(mus[i]) != 1:
            axs[i] += (p - axs[i]) * mus[i]
        else:
            axs[i][...] = p
        step = float(steps[i])
        # rounded to the default dtype even when eta and mu were loaded as float64: torch
        # makes the new values with torch.as_tensor(float)
        rounded = ag.get_default_dtype().type
        etas[i][...] = rounded(lr / ((1 + lambd * lr * step) ** alpha))
        mus[i][...] = rounded(1 / max(1, step - t0))
