"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and
shrink when it flips; only the gradient's sign is used."""

import numpy as np

from .optimizer import Optimizer, _buffer, _check, _new_step, _switches


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller and Braun, 1993), as `torch.optim.Rprop`.

    Where ``g * prev > 0`` the step size is multiplied by ``etas[1]``, where ``< 0`` by
    ``etas[0]`` (and that gradient is taken as 0: no move, and no sign next time), then
    clamped to `step_sizes`; ``p -= sign(g) * step_size``. Step sizes start at `lr`.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                        maximize=maximize,
                        **_switches("Rprop", foreach=foreach, differentiable=differentiable,
                                    capturable=capturable))
        super().__init__(params, defaults)

    def _step_group(self, group):
        params, grads, prevs, step_sizes, steps = [], [], [], [], []
        for p, state in self._params_with_grad(group):
            if not state:
                state["step"] = _new_step()
                state["prev"] = _buffer(np.zeros_like(p.data))
                state["step_size"] = _buffer(np.full_like(p.grad.data, group["lr"]))
            params.append(p.data)
            grads.append(p.grad.data)
            prevs.append(state["prev"].data)
            step_sizes.append(state["step_size"].data)
            steps.append(state["step"].data)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        rprop(params, grads, prevs, step_sizes, steps, etaminus=etaminus, etaplus=etaplus,
              step_size_min=step_size_min, step_size_max=step_size_max,
              maximize=group["maximize"])


def rprop(params, grads, prevs, step_sizes, steps, *, etaminus, etaplus, step_size_min,
          step_size_max, maximize):
    """The Rprop update on arrays, in place (steps are 0-d float32 arrays)."""
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = -g
        steps[i] += 1
        sign = np.sign(g * prevs[i])
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size = step_sizes[i]
        step_size *= sign
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        g = np.array(g, copy=True)
        g[sign == etaminus] = 0
        p += -(np.sign(g) * step_size)
        prevs[i][...] = g
