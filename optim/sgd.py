"""SGD: stochastic gradient descent with optional momentum, dampening and Nesterov."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _switches


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as `torch.optim.SGD`.

    With momentum the buffer starts as the first gradient, then
    ``buf = momentum * buf + (1 - dampening) * g``; the step is ``-lr * buf``, or with
    Nesterov ``-lr * (g + momentum * buf)``. `weight_decay` adds ``wd * p`` to the
    gradient; `maximize` ascends instead.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(not nesterov or (momentum > 0 and dampening == 0),
               "Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        **_switches("SGD", foreach=foreach, differentiable=differentiable,
                                    fused=fused))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, states = [], [], []
        for p, state in self._params_with_grad(group, with_state=group["momentum"] != 0):
            params.append(p.data)
            grads.append(p.grad.data)
            states.append(state)
        bufs = [s["momentum_buffer"].data if s and "momentum_buffer" in s else None
                for s in states]
        sgd(params, grads, bufs, lr=group["lr"], momentum=group["momentum"],
            dampening=group["dampening"], weight_decay=group["weight_decay"],
            nesterov=group["nesterov"], maximize=group["maximize"])
        if group["momentum"] != 0:
            for state, buf in zip(states, bufs):
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = _buffer(buf)


def sgd(params, grads, momentum_buffers, *, lr, momentum, dampening, weight_decay, nesterov,
        maximize):
    """The SGD update on arrays, in place; a None momentum buffer is created in the list."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            buf = momentum_buffers[i]
            if buf is None:
                buf = momentum_buffers[i] = np.array(g, copy=True)
            else:
                buf *= momentum
                buf += (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p += -lr * g
