"""Two-dimensional toy classification problems: interleaved spirals and two moons."""

import numpy as np

from .sequences import _rng


def _check(name, n_samples, noise):
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < 0:
        raise ValueError(f"{name}: n_samples must be a non-negative int, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"{name}: noise must be non-negative, got {noise}")


def _finish(X, y, shuffle, rng):
    if shuffle:
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return X.astype(np.float32), y.astype(np.int64)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, seed=None, shuffle=True):
    """Interleaved spiral arms, one per class (the CS231n spiral): not linearly separable,
    so a linear model stays near chance while a small MLP gets close to 100%.

    Arm k runs from the origin out to radius 1 while its angle runs over [4k, 4k + 4]
    radians; the angle gets Gaussian noise of std `noise`. The samples are split as evenly
    as possible among the classes (the first n_samples % n_classes get one more).

    Args:
        seed: an int for a fixed draw; None draws from the global generator
            (ag.manual_seed).
        shuffle: False keeps the samples grouped by class, in order along each arm.

    Returns:
        X float32 of shape (n_samples, 2), y int64 of shape (n_samples,) in 0..n_classes-1.
    """
    _check("make_spirals", n_samples, noise)
    if isinstance(n_classes, bool) or int(n_classes) != n_classes or n_classes < 1:
        raise ValueError(f"make_spirals: n_classes must be a positive int, got {n_classes!r}")
    rng = _rng(seed)
    counts = [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]
    y = np.repeat(np.arange(n_classes), counts)
    r = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    angle = np.concatenate([np.linspace(4.0 * k, 4.0 * (k + 1), c)
                            for k, c in enumerate(counts)])
    angle = angle + noise * rng.standard_normal(n_samples)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    return _finish(X, y, shuffle, rng)


def make_moons(n_samples=200, noise=0.1, seed=None, shuffle=True):
    """Two interleaving half circles (sklearn's make_moons geometry): class 0 is the upper
    arc of the unit circle, class 1 the lower arc shifted to centre (1, 0.5); Gaussian
    noise of std `noise` is added to every coordinate. Class 0 gets n_samples // 2 samples.

    Args:
        seed: an int for a fixed draw; None draws from the global generator.
        shuffle: False keeps class 0 first, each arc in order.

    Returns:
        X float32 of shape (n_samples, 2), y int64 of shape (n_samples,) in {0, 1}.
    """
    _check("make_moons", n_samples, noise)
    rng = _rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    a = np.linspace(0.0, np.pi, n_upper)
    b = np.linspace(0.0, np.pi, n_lower)
    X = np.concatenate([np.stack([np.cos(a), np.sin(a)], axis=1),
                        np.stack([1.0 - np.cos(b), 0.5 - np.sin(b)], axis=1)])
    y = np.repeat([0, 1], [n_upper, n_lower])
    if noise:
        X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, shuffle, rng)
