"""Small real datasets shipped inside the package (no network): Iris and the 8x8 digits.
Where they come from and how the files were made: DATA.md, next to this file."""

from importlib import resources

import numpy as np

from .errors import DatasetError
from .split import train_test_split


def _load_npz(name, n_features, n_samples):
    """(data, target) uint8 arrays from a shipped .npz, checked so a damaged install fails
    loudly rather than training on garbage."""
    ref = resources.files(__package__).joinpath(name)
    try:
        with ref.open("rb") as f, np.load(f, allow_pickle=False) as z:
            data, target = z["data"], z["target"]
    except FileNotFoundError:
        raise DatasetError(f"{name}: the shipped data file is missing from {ref}; reinstall "
                           f"autograd-core") from None
    except (OSError, ValueError, KeyError) as e:
        raise DatasetError(f"{name}: the shipped data file {ref} is damaged ({e}); reinstall "
                           f"autograd-core") from None
    if data.shape != (n_samples, n_features) or target.shape != (n_samples,):
        raise DatasetError(f"{name}: expected data ({n_samples}, {n_features}) and target "
                           f"({n_samples},), got {data.shape} and {target.shape}")
    return data, target


def _maybe_split(X, y, test_size, seed):
    if test_size is None:
        return X, y
    return train_test_split(X, y, test_size=test_size, seed=seed)


def load_iris(test_size=None, seed=0):
    """Fisher's Iris: 150 flowers, 4 measurements in cm (sepal length, sepal width, petal
    length, petal width), 3 balanced classes (0 setosa, 1 versicolor, 2 virginica).

    Args:
        test_size: None returns the whole set in its original order; a fraction in (0, 1)
            or a number of samples returns a shuffled split (see train_test_split).
        seed: the split's seed (the global generator is not touched).

    Returns:
        (X, y): X float32 of shape (150, 4), y int64 of shape (150,); or
        (X_train, X_test, y_train, y_test) when test_size is given.
    """
    data, target = _load_npz("iris.npz", 4, 150)
    # stored as tenths of a cm in uint8: every value has one decimal
    X = data.astype(np.float32) / np.float32(10)
    return _maybe_split(X, target.astype(np.int64), test_size, seed)


def load_digits(images=False, test_size=None, seed=0):
    """The UCI 8x8 handwritten digits (the 1,797-sample test set): 10 classes, 0 to 9, about
    180 each. Each pixel counts the ink in a 4x4 block of a 32x32 bitmap, so it is an
    integer from 0 to 16.

    Args:
        images: False gives flat rows of raw counts, X of shape (1797, 64) with values
            0..16 (as sklearn's load_digits); True gives images ready for Conv2d, X of
            shape (1797, 1, 8, 8) scaled to [0, 1] (counts / 16).
        test_size, seed: as load_iris.

    Returns:
        (X, y): X float32, y int64 of shape (1797,); or
        (X_train, X_test, y_train, y_test) when test_size is given.
    """
    data, target = _load_npz("digits.npz", 64, 1797)
    X = data.astype(np.float32)
    if images:
        X = X.reshape(-1, 1, 8, 8) / np.float32(16)
    return _maybe_split(X, target.astype(np.int64), test_size, seed)
