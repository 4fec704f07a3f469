"""Adadelta: steps scaled by the ratio of running RMS of updates to running RMS of
gradients, so no learning rate need be tuned (lr only scales the step)."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _new_step, _switches


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as `torch.optim.Adadelta`.

    ``v = rho * v + (1 - rho) * g * g``,
    ``delta = sqrt(u + eps) / sqrt(v + eps) * g``, ``u = rho * u + (1 - rho) * delta**2``,
    ``p -= lr * delta``. `weight_decay` adds ``wd * p`` to the gradient; `maximize`
    ascends instead.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        **_switches("Adadelta", capturable=capturable, foreach=foreach,
                                    differentiable=differentiable))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, square_avgs, acc_deltas, steps = [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["square_avg"] = _buffer(np.zeros_like(p.data))
                state["acc_delta"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            square_avgs.append(state["square_avg"].data)
            acc_deltas.append(state["acc_delta"].data)
            steps.append(state["step"].data)
        adadelta(params, grads, square_avgs, acc_deltas, steps, lr=group["lr"],
                 rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                 maximize=group["maximize"])


def adadelta(params, grads, square_avgs, acc_deltas, steps, *, lr, rho, eps, weight_decay,
             maximize):
    """The Adadelta update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        steps[i] += 1
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        square_avg, acc_delta = square_avgs[i], acc_deltas[i]
        square_avg *= rho
        square_avg += (1 - rho) * g * g
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= g
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        p += -lr * delta
