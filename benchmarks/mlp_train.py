"""mlp_train: one SGD training step of a 784-512-256-10 ReLU MLP on a batch of 128, with
cross-entropy: the size of a small real model, where the matrix products dominate and the
engine's own cost should nearly vanish."""

import numpy as np

from . import harness

NAME = "mlp_train"
SIZES = (784, 512, 256, 10)
BATCH = 128
LR = 0.01


def _inputs():
    """Weights drawn as PyTorch's Linear does (U(+-1/sqrt(fan_in))), a batch, labels."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return params, x, y


def _ours(params, x, y):
    import nn

    layers = []
    for i in range(0, len(params), 2):
        lin = nn.Linear(params[i].shape[1], params[i].shape[0])
        lin.load_state_dict({"weight": params[i], "bias": params[i + 1]})
        layers += [lin, nn.ReLU()]
    return harness.ours_sgd_step(nn.Sequential(*layers[:-1]), x, y, LR)


def _floor(params, x, y):
    """The same step by hand: forward keeping activations, softmax cross-entropy, backward
    through each layer, in-place SGD."""
    params = [p.copy() for p in params]
    onehot = np.zeros((BATCH, SIZES[-1]), np.float32)
    onehot[np.arange(BATCH), y] = 1.0

    def step():
        acts = [x]
        h = x
        n_layers = len(params) // 2
        for i in range(n_layers):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < n_layers - 1:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(logp * onehot).sum() / BATCH
        g = (np.exp(logp) - onehot) / BATCH
        grads = [None] * len(params)
        for i in reversed(range(n_layers)):
            grads[2 * i] = g.T @ acts[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = (g @ params[2 * i]) * (acts[i] > 0)
        for p, gp in zip(params, grads):
            p -= LR * gp
        return np.float32(loss), grads[0]

    return step


def _torch(torch, params, x, y):
    layers = []
    for i in range(0, len(params), 2):
        lin = torch.nn.Linear(params[i].shape[1], params[i].shape[0])
        lin.load_state_dict({"weight": torch.tensor(params[i]),
                             "bias": torch.tensor(params[i + 1])})
        layers += [lin, torch.nn.ReLU()]
    return harness.torch_sgd_step(torch, torch.nn.Sequential(*layers[:-1]), x, y, LR)


def _check(results):
    harness.check_agree(NAME, results, ("loss", "first weight gradient"), rtol=1e-4,
                        atol=1e-5)


def run(cfg):
    params, x, y = _inputs()
    return harness.training_rows(NAME, cfg, _ours(params, x, y), _floor(params, x, y),
                                 lambda torch: _torch(torch, params, x, y), _check)
