"""Datasets: small synthetic problems made on the spot, Iris and the 8x8 digits shipped in
the package, and MNIST read from local IDX files (no network, ever). Each is returned as
numpy arrays (X, y); `train_test_split` makes a reproducible split of any of them."""

from .errors import DatasetError
from .mnist import load_mnist
from .sequences import make_parity_sequences, make_recall_sequences, make_sine_sequences
from .shipped import load_digits, load_iris
from .split import train_test_split
from .synthetic import make_moons, make_spirals

__all__ = ["make_sine_sequences", "make_parity_sequences", "make_recall_sequences",
           "train_test_split", "load_iris", "load_digits", "make_spirals", "make_moons",
           "load_mnist", "DatasetError"]
