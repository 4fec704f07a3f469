"""Adamax: Adam with the infinity norm of past gradients in place of their RMS."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _lerp_, _new_step, _switches


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2014, section 7), as `torch.optim.Adamax`.

    ``m = lerp(m, g, 1 - beta1)``, ``u = max(beta2 * u, |g| + eps)``,
    ``p -= lr / (1 - beta1**t) * m / u``. `weight_decay` adds ``wd * p`` to the gradient;
    `maximize` ascends instead.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize,
                        **_switches("Adamax", foreach=foreach, differentiable=differentiable,
                                    capturable=capturable))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, exp_avgs, exp_infs, steps = [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["exp_avg"] = _buffer(np.zeros_like(p.data))
                state["exp_inf"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            exp_avgs.append(state["exp_avg"].data)
            exp_infs.append(state["exp_inf"].data)
            steps.append(state["step"].data)
        beta1, beta2 = group["betas"]
        adamax(params, grads, exp_avgs, exp_infs, steps, lr=group["lr"], beta1=beta1,
               beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
               maximize=group["maximize"])


def adamax(params, grads, exp_avgs, exp_infs, steps, *, lr, beta1, beta2, eps, weight_decay,
           maximize):
    """The Adamax update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        _lerp_(exp_avgs[i], g, 1 - beta1)
        exp_infs[i] *= beta2
        np.maximum(exp_infs[i], np.abs(g) + eps, out=exp_infs[i])
        clr = lr / (1 - beta1 ** float(steps[i]))
        p += -clr * (exp_avgs[i] / exp_infs[i])
