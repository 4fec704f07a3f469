"""cnn_train: one SGD training step of LeNet-5 on a batch of (64, 1, 28, 28) images, with
cross-entropy: conv(1->6, 5, pad 2)-ReLU-maxpool 2-conv(6->16, 5)-ReLU-maxpool 2-flatten-
400-120-84-10. Convolution and pooling are where an engine can lose most to hand-written
NumPy: windows, layout changes and the scatter back through the windows in backward.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import harness

NAME = "cnn_train"
BATCH = 64  # --quick keeps it: a step is tens of ms, so 3 short rounds take ~1 s
IMAGE = (1, 28, 28)
CLASSES = 10
LR = 0.01
# (in_channels, out_channels, kernel, padding) for the two convolutions, then the Linear
# sizes: 16 channels of 5 x 5 after the second pooling make 400 features
CONVS = ((1, 6, 5, 2), (6, 16, 5, 0))
DENSE = (400, 120, 84, CLASSES)


def _inputs(batch=BATCH):
    """Parameters drawn as PyTorch's defaults do (weight and bias both U(+-1/sqrt(fan_in)),
    fan_in = in_channels * k * k for a convolution), in the model's parameter order, then
    a batch of images and its labels."""
    rng = np.random.default_rng(0)
    params = []
    for c_in, c_out, k, _ in CONVS:
        bound = 1 / np.sqrt(c_in * k * k)
        params.append(rng.uniform(-bound, bound, (c_out, c_in, k, k)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, c_out).astype(np.float32))
    for fan_in, fan_out in zip(DENSE[:-1], DENSE[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    x = rng.standard_normal((batch,) + IMAGE).astype(np.float32)
    y = rng.integers(0, CLASSES, batch)
    return params, x, y


def _lenet(nn):
    """LeNet-5 from `nn`, which is our nn package or torch.nn: their constructors agree."""
    layers = []
    for c_in, c_out, k, pad in CONVS:
        layers += [nn.Conv2d(c_in, c_out, k, padding=pad), nn.ReLU(), nn.MaxPool2d(2)]
    layers.append(nn.Flatten())
    for fan_in, fan_out in zip(DENSE[:-1], DENSE[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last Linear


def _ours(params, x, y):
    import nn

    model = _lenet(nn)
    model.load_state_dict(dict(zip(model.state_dict(), params)))
    return harness.ours_sgd_step(model, x, y, LR)


# --- the NumPy floor's layers: forward returns what backward needs ---

def _conv_forward(x, w, b, pad):
    """Stride-1 convolution as im2col and one matrix product. Returns the (N, O, OH, OW)
    output and the column matrix (C*k*k, N*OH*OW), which the weight gradient reuses.

    Columns are laid out channel-major (one column per output pixel) rather than one row
    per pixel: the copy out of the window view then runs along contiguous image rows,
    which measured about twice as fast here, and W @ cols needs no transposed weight.
    """
    n, c = x.shape[:2]
    o, _, k, _ = w.shape
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = sliding_window_view(x, (k, k), axis=(2, 3))  # (N, C, OH, OW, k, k), no copy
    oh, ow = win.shape[2:4]
    cols = win.transpose(1, 4, 5, 0, 2, 3).reshape(c * k * k, n * oh * ow)  # the one copy
    out = w.reshape(o, -1) @ cols + b[:, None]  # (O, N*OH*OW)
    return np.ascontiguousarray(out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)), cols


def _conv_backward(g, cols, w, pad, input_shape=None):
    """Gradients of weight and bias, and of the input unless input_shape is None (the
    images need none). The input gradient is col2im: each of the k*k kernel offsets adds
    its slice of the column gradient into the padded input, k*k strided adds in all (into
    a (C, N, H, W) buffer, the columns' own order, transposed back at the end)."""
    n, o, oh, ow = g.shape
    g2 = g.transpose(1, 0, 2, 3).reshape(o, -1)  # (O, N*OH*OW), columns as in cols
    gw = (g2 @ cols.T).reshape(w.shape)
    gb = g2.sum(axis=1)
    if input_shape is None:
        return gw, gb, None
    c, k = w.shape[1], w.shape[2]
    dcols = (w.reshape(o, -1).T @ g2).reshape(c, k, k, n, oh, ow)
    dx = np.zeros((c, n, input_shape[2] + 2 * pad, input_shape[3] + 2 * pad), np.float32)
    for i in range(k):
        for j in range(k):
            dx[:, :, i:i + oh, j:j + ow] += dcols[:, i, j]
    dx = dx.transpose(1, 0, 2, 3)
    if pad:
        dx = dx[:, :, pad:-pad, pad:-pad]
    return gw, gb, dx


def _pool_forward(h):
    """2 x 2 max pooling (stride 2, even sizes). h seen as (N, C, H/2, 2, W/2, 2) without a
    copy; the max of its four (N, C, H/2, W/2) corner slices, taken pairwise (NumPy's
    max over the two size-2 axes measured ~20x slower). Returns the max and that view."""
    n, c, hh, ww = h.shape
    quad = h.reshape(n, c, hh // 2, 2, ww // 2, 2)
    top = np.maximum(quad[:, :, :, 0, :, 0], quad[:, :, :, 0, :, 1])
    bottom = np.maximum(quad[:, :, :, 1, :, 0], quad[:, :, :, 1, :, 1])
    return np.maximum(top, bottom), quad


def _pool_backward(g, out, quad):
    """Each window's gradient goes to one element holding its max: the first in row-major
    order on a tie, as PyTorch picks. Returns the (N, C, H, W) input gradient."""
    n, c, oh, ow = g.shape
    dx = np.zeros(quad.shape, np.float32)
    open_ = np.ones(g.shape, bool)  # windows whose winner is not found yet
    for i in range(2):
        for j in range(2):
            wins = (quad[:, :, :, i, :, j] == out) & open_
            open_ &= ~wins
            dx[:, :, :, i, :, j] = g * wins
    return dx.reshape(n, c, 2 * oh, 2 * ow)


def _floor(params, x, y):
    """The same step by hand: the forward keeps what each layer's backward needs, softmax
    cross-entropy, backward layer by layer, in-place SGD."""
    params = [p.copy() for p in params]
    w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = params  # updated in place below
    n = x.shape[0]
    pad1, pad2 = CONVS[0][3], CONVS[1][3]
    onehot = np.zeros((n, CLASSES), np.float32)
    onehot[np.arange(n), y] = 1.0

    def step():
        c1, cols1 = _conv_forward(x, w1, b1, pad1)      # (N, 6, 28, 28)
        p1, quad1 = _pool_forward(np.maximum(c1, 0))    # (N, 6, 14, 14)
        c2, cols2 = _conv_forward(p1, w2, b2, pad2)     # (N, 16, 10, 10)
        p2, quad2 = _pool_forward(np.maximum(c2, 0))    # (N, 16, 5, 5)
        f = p2.reshape(n, -1)
        h1 = np.maximum(f @ w3.T + b3, 0)
        h2 = np.maximum(h1 @ w4.T + b4, 0)
        z = h2 @ w5.T + b5
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -(logp * onehot).sum() / n

        g = (np.exp(logp) - onehot) / n
        gw5, gb5 = g.T @ h2, g.sum(axis=0)
        g = (g @ w5) * (h2 > 0)
        gw4, gb4 = g.T @ h1, g.sum(axis=0)
        g = (g @ w4) * (h1 > 0)
        gw3, gb3 = g.T @ f, g.sum(axis=0)
        g = (g @ w3).reshape(p2.shape)
        g = _pool_backward(g, p2, quad2) * (c2 > 0)
        gw2, gb2, g = _conv_backward(g, cols2, w2, pad2, p1.shape)
        g = _pool_backward(g, p1, quad1) * (c1 > 0)
        gw1, gb1, _ = _conv_backward(g, cols1, w1, pad1)
        grads = (gw1, gb1, gw2, gb2, gw3, gb3, gw4, gb4, gw5, gb5)
        for p, gp in zip(params, grads):
            p -= LR * gp
        return np.float32(loss), gw1

    return step


def _torch(torch, params, x, y):
    model = _lenet(torch.nn)
    model.load_state_dict({key: torch.tensor(p) for key, p in zip(model.state_dict(), params)})
    return harness.torch_sgd_step(torch, model, x, y, LR)


def _check(results):
    harness.check_agree(NAME, results, ("loss", "first conv weight gradient"), rtol=1e-4,
                        atol=1e-5)


def run(cfg):
    params, x, y = _inputs()
    return harness.training_rows(NAME, cfg, _ours(params, x, y), _floor(params, x, y),
                                 lambda torch: _torch(torch, params, x, y), _check)
