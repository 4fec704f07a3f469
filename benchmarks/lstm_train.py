"""lstm_train: one SGD training step of a one-layer LSTM (64 -> 128) over sequences of 35
steps, batch 32, batch_first, with a Linear(128, 10) on the last step's hidden state and
cross-entropy. Thirty-five small dependent steps: the engine records a dozen ops a step and
walks them back, where the hand-written floor pays one matrix product and a handful of
elementwise passes a step.

Two floors, timed in the same interleaved run: `_floor`, the step as a textbook writes it
(BENCHMARKS.md's definition, the `numpy` column and the target's reference), and
`_floor_tuned`, the same math hand-tuned further (transposed layout, buffers reused across
steps, every step's local derivatives computed at once, the hidden weight's gradient as one
product), reported on a row of its own: about 20% faster than the textbook step.
"""
import numpy as np

from . import harness

NAME = "lstm_train"
BATCH = 32
SEQ = 35
INPUT = 64
HIDDEN = 128
CLASSES = 10
LR = 0.01
# PyTorch's names, in the model's parameter order (so the first one's gradient is dW_ih)
KEYS = ("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
        "fc.weight", "fc.bias")


def _inputs():
    """Parameters drawn as PyTorch's defaults do (every LSTM weight and bias U(+-1/sqrt(
    hidden)), the Linear's U(+-1/sqrt(fan_in))), in KEYS order; then a batch of sequences
    (BATCH, SEQ, INPUT) and its labels."""
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(HIDDEN)
    shapes = ((4 * HIDDEN, INPUT), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,))
    params = [rng.uniform(-bound, bound, shape).astype(np.float32) for shape in shapes]
    # the Linear's fan_in is HIDDEN too, so the same bound
    params.append(rng.uniform(-bound, bound, (CLASSES, HIDDEN)).astype(np.float32))
    params.append(rng.uniform(-bound, bound, CLASSES).astype(np.float32))
    x = rng.standard_normal((BATCH, SEQ, INPUT)).astype(np.float32)
    y = rng.integers(0, CLASSES, BATCH)
    return params, x, y


def _model(nn):
    """The LSTM and its classifier from `nn`, our nn package or torch.nn: they agree."""

    class LastStep(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(INPUT, HIDDEN, batch_first=True)
            self.fc = nn.Linear(HIDDEN, CLASSES)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.fc(out[:, -1])

    return LastStep()


def _ours(params, x, y):
    import nn

    model = _model(nn)
    model.load_state_dict(dict(zip(KEYS, params)))
    return harness.ours_sgd_step(model, x, y, LR)


def _head(h_last, w_fc, b_fc, onehot):
    """Both floors' classifier on the last hidden state (B, H): the Linear, softmax
    cross-entropy, and their gradients (loss, dz, dW_fc, db_fc)."""
    n = len(onehot)
    z = h_last @ w_fc.T + b_fc
    z -= z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -(logp * onehot).sum() / n
    dz = (np.exp(logp) - onehot) / n
    return loss, dz, dz.T @ h_last, dz.sum(axis=0)


def _floor(params, x, y):
    """The same step by hand, as a textbook writes an LSTM layer (forward keeping each
    step's gates and states, the hand-derived backward step by step): the floor of
    BENCHMARKS.md. Like our layer (and as the issue asks of it), the input projection of
    every step is one matrix product before the loop, each step does one product for all
    four gates (PyTorch's order i, f, g, o), and the input weight's gradient is one product
    after the loop; the hidden weight's gradient is summed step by step, as a textbook
    does. Then the Linear and softmax cross-entropy on the last hidden state, in-place SGD.
    """
    params = [p.copy() for p in params]
    w_ih, w_hh, b_ih, b_hh, w_fc, b_fc = params  # updated in place below
    n, t_len, h = BATCH, SEQ, HIDDEN
    onehot = np.zeros((n, CLASSES), np.float32)
    onehot[np.arange(n), y] = 1.0
    x_flat = x.reshape(n * t_len, INPUT)

    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    def step():
        xw = (x_flat @ w_ih.T + (b_ih + b_hh)).reshape(n, t_len, 4 * h)
        h_t = np.zeros((n, h), np.float32)
        c_t = np.zeros((n, h), np.float32)
        cache = []
        for t in range(t_len):
            a = xw[:, t] + h_t @ w_hh.T
            i, f = sigmoid(a[:, :h]), sigmoid(a[:, h:2 * h])
            g, o = np.tanh(a[:, 2 * h:3 * h]), sigmoid(a[:, 3 * h:])
            c_next = f * c_t + i * g
            tanh_c = np.tanh(c_next)
            cache.append((h_t, c_t, i, f, g, o, tanh_c))
            h_t, c_t = o * tanh_c, c_next
        loss, dz, gw_fc, gb_fc = _head(h_t, w_fc, b_fc, onehot)
        dh = dz @ w_fc
        dc = np.zeros((n, h), np.float32)
        dxw = np.empty((n, t_len, 4 * h), np.float32)
        gw_hh = np.zeros_like(w_hh)
        for t in reversed(range(t_len)):
            h_prev, c_prev, i, f, g, o, tanh_c = cache[t]
            ds = dc + dh * o * (1 - tanh_c ** 2)
            dc = ds * f
            di = ds * g * i * (1 - i)
            df = ds * c_prev * f * (1 - f)
            dg = ds * i * (1 - g ** 2)
            do = dh * tanh_c * o * (1 - o)
            da = np.hstack((di, df, dg, do))
            dxw[:, t] = da
            gw_hh += da.T @ h_prev
            dh = da @ w_hh
        da_all = dxw.reshape(n * t_len, 4 * h)
        gw_ih = da_all.T @ x_flat
        gb = da_all.sum(axis=0)
        for p, gp in zip(params, (gw_ih, gw_hh, gb, gb, gw_fc, gb_fc)):
            p -= LR * gp
        return np.float32(loss), gw_ih

    return step


def _floor_tuned(params, x, y):
    """The same step by hand, tuned beyond a textbook's (a second, stricter floor, shown on
    its own row): the input projection of every step as one (batched) matrix
    product before the loop (35 products in one NumPy call, which writes the layout below
    directly; one big product and a transposed copy cost the same), one product a step
    for all four gates (PyTorch's order i, f, g, o), the Linear and softmax cross-entropy
    on the last hidden state, backpropagation through time, the weight gradients summed
    over the steps by one matrix product each after the loop, in-place SGD.

    Each step's product is held transposed, one column per sequence: the gates are the
    (4H, B) W_hh @ h + W_ih @ x + b rather than its (B, 4H) transpose, so that every gate
    is a block of whole rows and the elementwise work runs over contiguous memory (column
    slices of a (B, 4H) array made the whole step about 15% slower). The arrays are
    allocated once and reused, as a hand-written training loop would; what a step returns
    is fresh.
    """
    params = [p.copy() for p in params]
    w_ih, w_hh, b_ih, b_hh, w_fc, b_fc = params  # updated in place below
    n, t_len, h = BATCH, SEQ, HIDDEN
    onehot = np.zeros((n, CLASSES), np.float32)
    onehot[np.arange(n), y] = 1.0
    x_cols = np.ascontiguousarray(x.transpose(1, 2, 0))  # (T, D, B): step t's inputs
    x_rows = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(t_len * n, INPUT)  # (t, b)
    ones = np.ones(t_len * n, np.float32)
    gates = np.empty((t_len, 4 * h, n), np.float32)  # pre-activations, then i, f, g, o
    dgates = np.empty((t_len, 4 * h, n), np.float32)  # gradients of the pre-activations
    dgates_cols = np.empty((4 * h, t_len, n), np.float32)  # the same, (t, b) as columns
    hs = np.zeros((t_len + 1, h, n), np.float32)  # hs[t + 1]: hidden state after step t
    cs = np.zeros((t_len + 1, h, n), np.float32)  # cell states likewise (both start at 0)
    tanh_cs = np.empty((t_len, h, n), np.float32)
    h_rows = np.empty((t_len - 1, n, h), np.float32)
    tmp, tmp_h = np.empty((4 * h, n), np.float32), np.empty((h, n), np.float32)

    def sigmoid_(a):
        np.negative(a, out=a)
        np.exp(a, out=a)
        np.add(a, 1, out=a)
        np.reciprocal(a, out=a)

    def step():
        np.matmul(w_ih, x_cols, out=gates)  # all steps' input projections at once
        np.add(gates, np.repeat(b_ih + b_hh, n).reshape(4 * h, n), out=gates)
        for t in range(t_len):
            a = gates[t]
            if t:  # h_0 is zero
                np.matmul(w_hh, hs[t], out=tmp)
                a += tmp
            i, f, g, o = a[:h], a[h:2 * h], a[2 * h:3 * h], a[3 * h:]
            sigmoid_(a[:2 * h])
            np.tanh(g, out=g)
            sigmoid_(o)
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            np.multiply(i, g, out=tmp_h)
            c += tmp_h
            np.tanh(c, out=tanh_cs[t])
            np.multiply(o, tanh_cs[t], out=hs[t + 1])
        h_last = hs[t_len].T  # (B, H)
        loss, dz, gw_fc, gb_fc = _head(h_last, w_fc, b_fc, onehot)
        dh = w_fc.T @ dz.T  # (H, B), like the states
        # Every step's local derivatives at once, before the loop: dgates[t] becomes what
        # the cell gradient (rows i, f, g) or the hidden gradient (rows o) is multiplied by
        # to give the pre-activation gradients: g s_i (1 - s_i), c_{t-1} s_f (1 - s_f),
        # s_i (1 - g^2), tanh(c_t) s_o (1 - s_o); and the cell gradient gains dh times
        # s_o (1 - tanh(c_t)^2), kept in tanh_cs once it has served.
        gi, gf, gg, go = (gates[:, k * h:(k + 1) * h] for k in range(4))
        di, df, dg, do = (dgates[:, k * h:(k + 1) * h] for k in range(4))
        np.subtract(1, gates, out=dgates)
        np.multiply(dgates, gates, out=dgates)  # s (1 - s) for every gate, then fix g's
        np.multiply(gg, gg, out=dg)
        np.subtract(1, dg, out=dg)
        di *= gg
        df *= cs[:t_len]
        dg *= gi
        do *= tanh_cs
        dc_dh = tanh_cs
        np.multiply(dc_dh, dc_dh, out=dc_dh)
        np.subtract(1, dc_dh, out=dc_dh)
        dc_dh *= go
        dc = np.zeros((h, n), np.float32)
        w_hh_t = w_hh.T
        for t in reversed(range(t_len)):
            da = dgates[t]
            np.multiply(dh, dc_dh[t], out=tmp_h)
            dc += tmp_h
            da[3 * h:] *= dh
            ifg = da[:3 * h].reshape(3, h, n)
            ifg *= dc  # rows i, f, g, each times dc
            dc *= gf[t]  # through the forget gate to step t - 1
            if t:
                np.matmul(w_hh_t, da, out=dh)
        np.copyto(dgates_cols, dgates.transpose(1, 0, 2))
        da = dgates_cols.reshape(4 * h, t_len * n)
        np.copyto(h_rows, hs[1:t_len].transpose(0, 2, 1))
        gw_ih = da @ x_rows
        gw_hh = da[:, n:] @ h_rows.reshape((t_len - 1) * n, h)  # step 0's h_{-1} is zero
        gb = da @ ones
        for p, gp in zip(params, (gw_ih, gw_hh, gb, gb, gw_fc, gb_fc)):
            p -= LR * gp
        return np.float32(loss), gw_ih

    return step


def _torch(torch, params, x, y):
    model = _model(torch.nn)
    model.load_state_dict({key: torch.tensor(p) for key, p in zip(KEYS, params)})
    return harness.torch_sgd_step(torch, model, x, y, LR)


def _check(results):
    harness.check_agree(NAME, results, ("loss", "LSTM input weight gradient"), rtol=1e-4,
                        atol=1e-5)


def run(cfg):
    """Two rows from one interleaved run: ours against the textbook floor and torch, and
    ours against the tuned floor."""
    params, x, y = _inputs()
    steps = {"ours": _ours(params, x, y), "numpy": _floor(params, x, y),
             "tuned": _floor_tuned(params, x, y)}
    if cfg.torch is not None:
        steps["torch"] = _torch(cfg.torch, params, x, y)
    timings = harness.measure(steps, cfg, check=_check)
    tuned = timings.pop("tuned")
    row = harness.row_from_timings(NAME, timings, 1, unit="ms/step", scale=1e3)
    tuned_row = harness.row_from_timings(NAME + " (tuned floor)", {
        "ours": timings["ours"], "numpy": tuned}, 1, unit="ms/step", scale=1e3,
        note="floor: transposed layout, reused buffers, one product for dW_hh")
    return [row, tuned_row]
