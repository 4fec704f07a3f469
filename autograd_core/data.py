"""Datasets and the DataLoader that batches them into Tensors, as torch.utils.data (map-style
datasets only; shuffling and random_split draw from the global generator)."""

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from .random import generator
from .tensor import Tensor, _to_array, _wrap

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate",
           "default_convert", "random_split"]


class Dataset:
    """A map-style dataset: subclasses give `__getitem__(i)` (one sample) and `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Samples are tuples of rows, one row of each tensor along its first dim.

    Args:
        *tensors: Tensors (numpy arrays are converted as ag.tensor does), all with the same
            size of their first dim.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in tensors):
            raise ValueError(f"TensorDataset: 0-d tensors have no first dim to index, got "
                             f"shapes {[tuple(t.shape) for t in tensors]}")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims are "
                             f"{sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random Subsets of the given lengths, as
    torch.utils.data.random_split.

    Args:
        lengths: sizes (ints summing to len(dataset)) or fractions summing to 1; fractions
            become floor(n * f) samples each, and the samples left over go one at a time to
            the splits in turn, from the first.
        generator: a numpy Generator; by default the global one (ag.manual_seed).
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, "
                                 f"got {frac}")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this might "
                              f"give an empty dataset", stacklevel=2)
        lengths = counts
    else:
        for i, length in enumerate(lengths):
            if isinstance(length, bool) or int(length) != length or length < 0:
                raise ValueError(f"random_split: lengths must be non-negative ints or "
                                 f"fractions summing to 1, got {lengths[i]!r} at index {i}")
        lengths = [int(length) for length in lengths]
        if sum(lengths) != n:
            raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not "
                             f"equal the length of the dataset ({n})")
    rng = generator if generator is not None else _global_generator()
    order = rng.permutation(n).tolist()
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start:start + length]))
        start += length
    return splits


_global_generator = generator  # random_split's argument shadows the module-level name


def default_collate(batch):
    """Stack a list of samples into a batch, as torch's default_collate: Tensors and numpy
    arrays are stacked along a new first dim; Python and numpy numbers become 1-d tensors
    (ints int64, bools bool, floats the default dtype, as ag.tensor); tuples, lists and
    dicts are collated field by field (tuples stay tuples); strings stay a list."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise ValueError(f"default_collate: cannot stack tensors of different shapes "
                             f"{sorted(shapes)}")
        if any(b.requires_grad for b in batch):
            from .ops.shape import stack  # differentiable, so a graph through samples survives
            return stack(batch)
        return _wrap(np.stack([b.data for b in batch]))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, (np.ndarray, np.generic, bool, int, float)):
        if isinstance(elem, np.ndarray):
            shapes = {b.shape for b in batch}
            if len(shapes) > 1:
                raise ValueError(f"default_collate: cannot stack arrays of different shapes "
                                 f"{sorted(shapes)}")
        return _wrap(_to_array(np.stack([np.asarray(b) for b in batch]), None,
                               "default_collate"))
    if isinstance(elem, Mapping):
        keys = list(elem)
        for b in batch:
            if not isinstance(b, Mapping) or set(b) != set(keys):
                raise ValueError(f"default_collate: every dict in a batch needs the same keys, "
                                 f"got {sorted(map(str, keys))} and "
                                 f"{sorted(map(str, b)) if isinstance(b, Mapping) else b!r}")
        return {k: default_collate([b[k] for b in batch]) for k in keys}
    if isinstance(elem, Sequence):
        sizes = {len(b) for b in batch}
        if len(sizes) > 1:
            raise ValueError(f"default_collate: each sequence in a batch must have the same "
                             f"length, got lengths {sorted(sizes)}")
        fields = [default_collate(list(samples)) for samples in zip(*batch)]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__}")


def _fast_dataset(dataset):
    """(TensorDataset, index map or None) when batches can be gathered by fancy indexing:
    a plain TensorDataset, possibly under plain Subsets; else (None, None)."""
    index_map = None
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if (isinstance(dataset, TensorDataset)
            and type(dataset).__getitem__ is TensorDataset.__getitem__):
        return dataset, index_map
    return None, None


def default_convert(sample):
    """One sample as a DataLoader with batch_size=None yields it, as torch's default_convert:
    numpy arrays become Tensors (dtypes as ag.tensor), Tensors, numbers and strings stay as
    they are, and tuples, lists and dicts are converted field by field."""
    if isinstance(sample, np.ndarray):
        return _wrap(_to_array(sample, None, "default_convert"))
    if isinstance(sample, (Tensor, str, bytes)):
        return sample
    if isinstance(sample, Mapping):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):  # namedtuple
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(v) for v in sample)
    return sample


class DataLoader:
    """Iterate over a dataset in batches of Tensors.

    Args:
        batch_size: samples per batch (the last one may be smaller unless drop_last);
            None: no batching, each sample as it is (numpy arrays made Tensors, as
            default_convert), as in torch.
        shuffle: draw a new order every epoch from the global generator (ag.manual_seed
            makes the sequence of epochs reproducible).
        drop_last: drop the last batch when it is smaller than batch_size.
        collate_fn: turns a list of samples into a batch (default: default_collate).

    A TensorDataset (or a Subset of one, e.g. from random_split) is batched with one
    fancy index per tensor instead of stacking samples one by one.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None):
        if batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size should be a positive integer value, but "
                            f"got batch_size={batch_size!r}")
        elif batch_size < 1:
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"DataLoader: shuffle should be a boolean value, but got "
                            f"shuffle={shuffle!r}")
        if not isinstance(drop_last, (bool, np.bool_)):
            raise TypeError(f"DataLoader: drop_last should be a boolean value, but got "
                            f"drop_last={drop_last!r}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"DataLoader: dataset must have __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None else default_convert
        self.collate_fn = collate_fn

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def __iter__(self):
        # the order is drawn here, not at the first next(), so an epoch's order depends on
        # the generator's state when iteration starts
        n = len(self.dataset)
        order = generator().permutation(n) if self.shuffle else np.arange(n)
        return self._batches(order)

    def _batches(self, order):
        bs = self.batch_size
        if bs is None:  # no batching: each sample, converted
            for i in order:
                yield self.collate_fn(self.dataset[int(i)])
            return
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        fast, index_map = (None, None)
        if self.collate_fn is default_collate:
            fast, index_map = _fast_dataset(self.dataset)
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if fast is not None:
                if index_map is not None:
                    idx = index_map[idx]
                yield tuple(t[idx] for t in fast.tensors)
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")
