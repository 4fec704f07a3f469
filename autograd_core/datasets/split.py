"""A reproducible train/test split."""

import numpy as np


def train_test_split(X, y, test_size=0.2, seed=0):
    """Shuffle (with its own generator seeded by `seed`, so the global one is untouched)
    and split into (X_train, X_test, y_train, y_test). test_size: a fraction in (0, 1) or a
    number of samples."""
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} samples but y has {len(y)}")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a fractional test_size must be in (0, 1), got "
                             f"{test_size}")
        n_test = int(round(n * test_size))
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves no sample for "
                         f"{'testing' if n_test <= 0 else 'training'} out of {n}")
    order = np.random.default_rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
