"""op_overhead: what the engine costs per op when the math itself is nearly free.

A chain of 200 cheap elementwise ops on an (8, 8) float32 tensor, then sum and backward.
At this size a NumPy call costs about a microsecond, so the gap to the floor is almost
all graph recording, Python objects and dispatch.
"""

import numpy as np

from . import harness

NAME = "op_overhead"
SHAPE = (8, 8)
N_OPS = 200
# One fixed, honest mix, repeated; every contender walks this same list.
KINDS = ("mul", "add", "tanh", "sigmoid") * (N_OPS // 4)


def _inputs():
    """x0, c, d as float32 arrays, shared by every contender.

    Chosen so that the check before timing means something for every element: one
    mul-add-tanh-sigmoid round maps s to sigmoid(tanh(c s + d)), and with d = -c/2 its
    fixed point is s = 1/2, where the round's gain is c * tanh'(0) * sigmoid'(0) = c / 4,
    just under 1 for c in [3.6, 3.9]. So the chain contracts (rounding differences between
    contenders die out rather than grow) yet the input gradient, a product of 50 such
    gains, stays ~1e-4..1e-1: nowhere near float32's subnormals, which would be slow and
    compare as noise. x0 starts where a sigmoid output would be, so no tanh saturates.
    """
    rng = np.random.default_rng(0)
    x0 = rng.uniform(0.2, 0.8, SHAPE).astype(np.float32)
    c = rng.uniform(3.6, 3.9, SHAPE).astype(np.float32)
    d = (-0.5 * c + rng.uniform(-0.02, 0.02, SHAPE)).astype(np.float32)
    return x0, c, d


def _ours(x0, c, d):
    import autograd_core as ag

    x = ag.tensor(x0, requires_grad=True)
    c, d = ag.tensor(c), ag.tensor(d)

    def step():
        x.grad = None  # each call computes a fresh gradient instead of accumulating
        y = x
        for kind in KINDS:
            if kind == "mul":
                y = y * c
            elif kind == "add":
                y = y + d
            elif kind == "tanh":
                y = y.tanh()
            else:
                y = y.sigmoid()
        y.sum().backward()
        return y, x.grad

    return step


def _floor(x0, c, d):
    """The same math by hand: forward keeps what backward needs, backward walks it back."""

    def step():
        y = x0
        saved = []
        for kind in KINDS:
            if kind == "mul":
                y = y * c
                saved.append(c)
            elif kind == "add":
                y = y + d
                saved.append(None)
            elif kind == "tanh":
                y = np.tanh(y)
                saved.append(y)
            else:
                y = 1.0 / (1.0 + np.exp(-y))
                saved.append(y)
        y.sum()  # the loss the others backpropagate from; its gradient is all ones
        g = np.ones_like(y)
        for kind, s in zip(reversed(KINDS), reversed(saved)):
            if kind == "mul":
                g = g * s
            elif kind == "tanh":
                g = g * (1.0 - s * s)
            elif kind == "sigmoid":
                g = g * s * (1.0 - s)
            # add: the gradient passes through unchanged
        return y, g

    return step


def _torch(torch, x0, c, d):
    x = torch.tensor(x0, requires_grad=True)
    c, d = torch.tensor(c), torch.tensor(d)

    def step():
        x.grad = None
        y = x
        for kind in KINDS:
            if kind == "mul":
                y = y * c
            elif kind == "add":
                y = y + d
            elif kind == "tanh":
                y = y.tanh()
            else:
                y = y.sigmoid()
        y.sum().backward()
        return y, x.grad

    return step


def _check(results):
    # float32 over 200 ops: a few ulps per op, damped by the contracting chain; every
    # gradient is within ~3 decades of the largest, so atol barely loosens the check
    harness.check_agree(NAME, results, ("forward value", "input gradient"),
                        rtol=1e-4, atol=1e-6)


def run(cfg):
    x0, c, d = _inputs()
    steps = {"ours": _ours(x0, c, d), "numpy": _floor(x0, c, d)}
    if cfg.torch is not None:
        steps["torch"] = _torch(cfg.torch, x0, c, d)
    timings = harness.measure(steps, cfg, check=_check)
    return [harness.row_from_timings(NAME, timings, N_OPS)]
