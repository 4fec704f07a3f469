"""Datasets: small synthetic problems made on the spot (no network, ever), each returned
as numpy arrays (X, y); `train_test_split` makes a reproducible split of any of them."""

from .sequences import make_parity_sequences, make_recall_sequences, make_sine_sequences
from .split import train_test_split

__all__ = ["make_sine_sequences", "make_parity_sequences", "make_recall_sequences",
           "train_test_split"]
