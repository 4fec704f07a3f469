"""NAdam: Adam with Nesterov momentum, whose momentum coefficient warms up over steps."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _lerp_, _new_step, _switches


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), as `torch.optim.NAdam`.

    ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``, with their running product
    ``mu_product`` (a float32 scalar, as PyTorch keeps it); ``m`` and ``v`` as Adam's; then
    ``p -= lr * (1 - mu_t) / (1 - mu_product) * g / denom`` and
    ``p -= lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * m / denom`` with
    ``denom = sqrt(v / (1 - beta2**t)) + eps``. `weight_decay` is L2, or with
    ``decoupled_weight_decay=True`` shrinks the parameter by ``1 - lr * wd`` first.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
        _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        **_switches("NAdam", foreach=foreach, capturable=capturable,
                                    differentiable=differentiable))
        super().__init__(params, defaults)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group.setdefault("decoupled_weight_decay", False)

    def _step_group(self, group):
        params, grads, exp_avgs, exp_avg_sqs, mu_products, steps = [], [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["mu_product"] = _buffer(np.ones((), np.float32))
                state["exp_avg"] = _buffer(np.zeros_like(p.data))
                state["exp_avg_sq"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            exp_avgs.append(state["exp_avg"].data)
            exp_avg_sqs.append(state["exp_avg_sq"].data)
            mu_products.append(state["mu_product"].data)
            steps.append(state["step"].data)
        beta1, beta2 = group["betas"]
        nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, lr=group["lr"],
              beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
              momentum_decay=group["momentum_decay"],
              decoupled_weight_decay=group["decoupled_weight_decay"],
              maximize=group["maximize"])


def nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, *, lr, beta1, beta2, eps,
          weight_decay, momentum_decay, decoupled_weight_decay, maximize):
    """The NAdam update on arrays, in place (steps and mu_products are 0-d float32)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        step = float(steps[i])
        bias_correction2 = 1 - beta2**step
        if weight_decay != 0:
            if decoupled_weight_decay:
                p *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * p
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        # in the product's dtype, as torch's 0-d tensor: float32 when made here, the
        # parameter's after load_state_dict (which casts it, as torch does)
        mu_products[i] *= mu_products[i].dtype.type(mu)
        mu_product = float(mu_products[i])
        _lerp_(exp_avgs[i], g, 1 - beta1)
        exp_avg_sqs[i] *= beta2
        exp_avg_sqs[i] += (1 - beta2) * g * g
        denom = np.sqrt(exp_avg_sqs[i] / bias_correction2)
        denom += eps
        p += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        p += ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (exp_avgs[i] / denom)
