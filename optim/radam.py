"""RAdam: Adam whose adaptive step is switched on, and rectified, once the variance of
the adaptive learning rate is tractable."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _lerp_, _new_step, _switches


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019), as `torch.optim.RAdam`.

    ``m`` and ``v`` as Adam's; ``rho_inf = 2 / (1 - beta2) - 1``,
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``. While ``rho_t <= 5`` the step is
    SGD with momentum, ``p -= lr * m / (1 - beta1**t)``; after, it is multiplied by
    ``sqrt(1 - beta2**t) / (sqrt(v) + eps)`` and the rectification
    ``sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.
    `weight_decay` is L2, or decoupled (``p *= 1 - lr * wd``) with
    ``decoupled_weight_decay=True``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize,
                        **_switches("RAdam", foreach=foreach, capturable=capturable,
                                    differentiable=differentiable),
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group.setdefault("decoupled_weight_decay", False)

    def _step_group(self, group):
        params, grads, exp_avgs, exp_avg_sqs, steps = [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["exp_avg"] = _buffer(np.zeros_like(p.data))
                state["exp_avg_sq"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            exp_avgs.append(state["exp_avg"].data)
            exp_avg_sqs.append(state["exp_avg_sq"].data)
            steps.append(state["step"].data)
        beta1, beta2 = group["betas"]
        radam(params, grads, exp_avgs, exp_avg_sqs, steps, lr=group["lr"], beta1=beta1,
              beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
              decoupled_weight_decay=group["decoupled_weight_decay"],
              maximize=group["maximize"])


def radam(params, grads, exp_avgs, exp_avg_sqs, steps, *, lr, beta1, beta2, eps, weight_decay,
          decoupled_weight_decay, maximize):
    """The RAdam update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        step = float(steps[i])
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        _lerp_(exp_avgs[i], g, 1 - beta1)
        exp_avg_sqs[i] *= beta2
        exp_avg_sqs[i] += (1 - beta2) * g * g
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        update = exp_avgs[i] / bias_correction1 * lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive_lr = bias_correction2**0.5 / (np.sqrt(exp_avg_sqs[i]) + eps)
            update = update * adaptive_lr * rect
        p -= update
