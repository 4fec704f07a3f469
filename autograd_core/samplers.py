"""Samplers, as torch.utils.data's: the orders in which a DataLoader visits a dataset
(sequential, random with or without replacement, a random subset, weighted) and the
BatchSampler that groups them. Random ones draw from the global generator when iteration
starts, unless given a numpy Generator, so ag.manual_seed reproduces a run; all are
exported by autograd_core.data."""

import itertools

import numpy as np

from .dtypes import float64
from .ops.sampling import multinomial
from .random import generator
from .tensor import Tensor

_global_generator = generator  # (a sampler's `generator` argument shadows the name)


def _check_generator(gen, owner):
    if gen is not None and not isinstance(gen, np.random.Generator):
        raise TypeError(f"{owner}: generator must be None or a numpy.random.Generator, got "
                        f"{type(gen).__name__}")


def _rng(gen):
    return _global_generator() if gen is None else gen  # read now: manual_seed replaces it


def _is_positive_int(n):
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0


class Sampler:
    """Base class of samplers: `__iter__` yields dataset indices (or lists of them, for a
    batch sampler); `__len__`, when given, is how many."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class _OrderSampler(Sampler):
    """A sampler whose whole epoch is one int array drawn when iteration starts, so a
    DataLoader over a TensorDataset can slice batches out of it without a Python loop."""

    def _order(self):
        raise NotImplementedError

    def __iter__(self):
        return iter(self._order().tolist())


class SequentialSampler(_OrderSampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _order(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_OrderSampler):
    """Indices of data_source in random order: a permutation (several, joined, when
    num_samples exceeds the length), or with replacement num_samples uniform draws.

    Args:
        num_samples: how many indices to draw (default len(data_source)).
        generator: a numpy Generator; by default the global one (ag.manual_seed).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, (bool, np.bool_)):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not _is_positive_int(self.num_samples):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples}")
        _check_generator(generator, "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self):
        n, k, rng = len(self.data_source), int(self.num_samples), _rng(self.generator)
        if n == 0:
            raise ValueError("RandomSampler: cannot draw from an empty data_source")
        if self.replacement:
            return rng.integers(0, n, size=k, dtype=np.int64)
        if k == n:
            return rng.permutation(n)
        return np.concatenate([rng.permutation(n) for _ in range(-(-k // n))])[:k]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_OrderSampler):
    """The given indices in a random order (without replacement)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator
        _check_generator(generator, "SubsetRandomSampler")

    def _order(self):
        perm = _rng(self.generator).permutation(len(self.indices))
        idx = self.indices.data if isinstance(self.indices, Tensor) else self.indices
        return np.asarray(idx)[perm]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_OrderSampler):
    """num_samples indices in [0, len(weights)), index i drawn with probability
    weights[i] / sum(weights) (weights need not sum to 1), as ag.multinomial.

    Args:
        replacement: if False an index is drawn at most once, so num_samples can be at most
            len(weights); past the number of nonzero weights the zero-weight indices come
            last, after every weighted one, as torch.multinomial gives them (torch leaves
            their order among themselves unspecified; here it is index order).
        generator: a numpy Generator; by default the global one (ag.manual_seed).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_positive_int(num_samples):
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, but got num_samples={num_samples}")
        if not isinstance(replacement, (bool, np.bool_)):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement}")
        w = np.asarray(weights.data if isinstance(weights, Tensor) else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {w.shape}")
        _check_generator(generator, "WeightedRandomSampler")
        self.weights = Tensor(w, dtype=float64)
        self.num_samples = int(num_samples)
        self.replacement = bool(replacement)
        self.generator = generator

    def _order(self):
        return multinomial(self.weights, self.num_samples, self.replacement,
                           generator=self.generator).data

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` (any iterable) into lists of batch_size; the last,
    shorter list is dropped when drop_last."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size}")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def __iter__(self):
        # iter(sampler) now, not at the first next(): a random order is drawn when the
        # epoch starts, from the generator's state at that moment
        return self._batches(iter(self.sampler))

    def _batches(self, it):
        bs = self.batch_size
        if self.drop_last:
            for batch in zip(*[it] * bs):
                yield list(batch)
            return
        batch = list(itertools.islice(it, bs))
        while batch:
            yield batch
            batch = list(itertools.islice(it, bs))

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
