"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _lerp_, _new_step, _switches


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014), as `torch.optim.Adam`.

    ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``, then
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``; with `amsgrad`
    the running maximum of v replaces v. `weight_decay` adds ``wd * p`` to the gradient
    (L2); with ``decoupled_weight_decay=True`` it decays the parameter itself,
    ``p *= 1 - lr * weight_decay``, before the step, which makes it AdamW.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        **_switches(type(self).__name__, foreach=foreach,
                                    capturable=capturable, differentiable=differentiable,
                                    fused=fused),
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # a state dict saved before the key existed
            group.setdefault("decoupled_weight_decay", False)

    def _step_group(self, group):
        params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps = [], [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["exp_avg"] = _buffer(np.zeros_like(p.data))
                state["exp_avg_sq"] = _buffer(np.zeros_like(p.data))
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            exp_avgs.append(state["exp_avg"].data)
            exp_avg_sqs.append(state["exp_avg_sq"].data)
            steps.append(state["step"].data)
            if group["amsgrad"]:
                max_exp_avg_sqs.append(state["max_exp_avg_sq"].data)
        beta1, beta2 = group["betas"]
        adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
             lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
             weight_decay=group["weight_decay"], amsgrad=group["amsgrad"],
             maximize=group["maximize"],
             decoupled_weight_decay=group["decoupled_weight_decay"])


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2017), as `torch.optim.AdamW`: Adam whose weight
    decay shrinks the parameter, ``p *= 1 - lr * weight_decay``, before the Adam step.
    Its groups always say ``decoupled_weight_decay=True``; as in PyTorch, the keyword
    itself is not an argument of AdamW (use Adam to choose)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # as torch's AdamW.__setstate__
            group["decoupled_weight_decay"] = True


def adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1, beta2,
         eps, weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """The Adam/AdamW update on arrays, in place (steps are 0-d float32 arrays)."""
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
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], exp_avg_sqs[i], out=max_exp_avg_sqs[i])
            denom = np.sqrt(max_exp_avg_sqs[i]) / bias_correction2_sqrt + eps
        else:
            denom = np.sqrt(exp_avg_sqs[i]) / bias_correction2_sqrt + eps
        p += -step_size * exp_avgs[i] / denom
