"""Sequence problems for recurrent networks: sine-wave regression and bit parity."""

import numpy as np


def _rng(seed):
    if seed is None:
        from ..random import generator
        return generator()
    return np.random.default_rng(seed)


def make_sine_sequences(n_samples=1000, seq_len=50, noise=0.05, freq_range=(0.5, 2.0),
                        dt=0.1, seed=None, dtype=np.float32):
    """Windows of noisy sine waves and the clean value one step after each window: the
    classic next-step regression for an RNN.

    Each sample is sin(2 pi f t + phase) sampled at t = 0, dt, ..., with its own frequency
    f drawn from freq_range and its own phase, plus Gaussian noise of std `noise` on the
    inputs. A model must infer the frequency and phase from the window to predict the next
    value; always predicting the window's last value leaves a clear error, so a learned
    model is easy to tell from a trivial one.

    Returns:
        X of shape (n_samples, seq_len, 1) and y of shape (n_samples, 1), float32 by
        default. seed: an int for a fixed draw; None draws from the global generator
        (ag.manual_seed).
    """
    if n_samples < 0 or seq_len < 1:
        raise ValueError(f"make_sine_sequences: need n_samples >= 0 and seq_len >= 1, got "
                         f"n_samples={n_samples}, seq_len={seq_len}")
    lo, hi = freq_range
    if not 0 < lo <= hi:
        raise ValueError(f"make_sine_sequences: freq_range must be 0 < low <= high, got "
                         f"{freq_range}")
    rng = _rng(seed)
    freq = rng.uniform(lo, hi, (n_samples, 1))
    phase = rng.uniform(0, 2 * np.pi, (n_samples, 1))
    t = np.arange(seq_len + 1) * dt
    wave = np.sin(2 * np.pi * freq * t + phase)
    X = wave[:, :seq_len] + noise * rng.standard_normal((n_samples, seq_len))
    return X[:, :, None].astype(dtype), wave[:, seq_len:].astype(dtype)


def make_parity_sequences(n_samples=1000, seq_len=8, seed=None, dtype=np.float32):
    """Random bit strings and their parity (1 when the number of ones is odd): a
    classification task whose known solution is a running XOR, one bit of memory carried
    across the whole sequence. Every bit matters, so a model that ignores any step is at
    chance (0.5).

    Returns:
        X of shape (n_samples, seq_len, 1) with values 0.0 and 1.0, and y of shape
        (n_samples,) of int64 class labels 0 and 1.
    """
    if n_samples < 0 or seq_len < 1:
        raise ValueError(f"make_parity_sequences: need n_samples >= 0 and seq_len >= 1, got "
                         f"n_samples={n_samples}, seq_len={seq_len}")
    bits = _rng(seed).integers(0, 2, (n_samples, seq_len))
    return bits[:, :, None].astype(dtype), (bits.sum(axis=1) % 2).astype(np.int64)


def make_recall_sequences(n_samples=1000, seq_len=20, n_classes=4, noise=1.0, seed=None,
                          dtype=np.float32):
    """Remember the first step: a sequence whose first step is the one-hot code of its class,
    followed by seq_len - 1 steps of Gaussian noise (std `noise`) on the same channels; the
    label is that class. The known solution keeps the first input in the state and ignores
    everything after it, so the task measures memory over a delay of seq_len - 1 steps: a
    gated network (LSTM, GRU) learns it readily, while a plain RNN's gradient fades over a
    long delay (chance is 1 / n_classes).

    Returns:
        X of shape (n_samples, seq_len, n_classes) and y of shape (n_samples,) (int64).
    """
    if n_samples < 0 or seq_len < 1 or n_classes < 2:
        raise ValueError(f"make_recall_sequences: need n_samples >= 0, seq_len >= 1 and "
                         f"n_classes >= 2, got n_samples={n_samples}, seq_len={seq_len}, "
                         f"n_classes={n_classes}")
    rng = _rng(seed)
    y = rng.integers(0, n_classes, n_samples)
    X = noise * rng.standard_normal((n_samples, seq_len, n_classes))
    X[:, 0, :] = 0.0
    X[np.arange(n_samples), 0, y] = 1.0
    return X.astype(dtype), y.astype(np.int64)
