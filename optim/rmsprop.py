"""RMSprop: gradients divided by a running root mean square, optionally centered."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _lerp_, _new_step, _switches


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), as `torch.optim.RMSprop`.

    ``v = alpha * v + (1 - alpha) * g * g``; centered also tracks the mean gradient
    ``m = lerp(m, g, 1 - alpha)`` and uses ``v - m * m``; ``avg = sqrt(.) + eps``; the step
    is ``-lr * g / avg``, or with momentum ``buf = momentum * buf + g / avg`` and ``-lr * buf``.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize,
                        **_switches("RMSprop", capturable=capturable, foreach=foreach,
                                    differentiable=differentiable))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, square_avgs, grad_avgs, bufs, steps = [], [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["square_avg"] = _buffer(np.zeros_like(p.data))
                if group["momentum"] > 0:
                    state["momentum_buffer"] = _buffer(np.zeros_like(p.data))
                if group["centered"]:
                    state["grad_avg"] = _buffer(np.zeros_like(p.data))
            params.append(p.data)
            grads.append(p.grad.data)
            square_avgs.append(state["square_avg"].data)
            steps.append(state["step"].data)
            if group["momentum"] > 0:
                bufs.append(state["momentum_buffer"].data)
            if group["centered"]:
                grad_avgs.append(state["grad_avg"].data)
        rmsprop(params, grads, square_avgs, grad_avgs, bufs, steps, lr=group["lr"],
                alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                momentum=group["momentum"], centered=group["centered"],
                maximize=group["maximize"])


def rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, *, lr, alpha, eps,
            weight_decay, momentum, centered, maximize):
    """The RMSprop update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        if weight_decay != 0:
            g = g + weight_decay * p
        square_avg = square_avgs[i]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if centered:
            _lerp_(grad_avgs[i], g, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avgs[i] * grad_avgs[i])
        else:
            avg = np.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = momentum_buffers[i]
            buf *= momentum
            buf += g / avg
            p += -lr * buf
        else:
            p += -lr * g / avg
