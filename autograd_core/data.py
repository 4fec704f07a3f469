"""Datasets, samplers and the DataLoader that batches them into Tensors, as torch.utils.data.
Everything random (shuffling, samplers, random_split) draws from the global generator unless
given a numpy Generator, so ag.manual_seed reproduces a run."""

import bisect
import copy
import itertools
import math
import warnings
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence

import numpy as np

from .errors import ShapeError
from .random import generator
from .samplers import (  # noqa: F401  (torch.utils.data exports them here too)
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
    _check_generator,
    _OrderSampler,
    _rng,
)
from .tensor import Tensor, _to_array, _wrap

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split", "default_collate", "default_convert",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DataLoader", "get_worker_info"]


class Dataset:
    """A map-style dataset: subclasses give `__getitem__(i)` (one sample) and `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style dataset: subclasses give `__iter__` (the samples as a stream) and,
    optionally, `__len__`. DataLoader batches it in stream order; `shuffle`, `sampler` and
    `batch_sampler` do not apply. `a + b` chains two of them (ChainDataset)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate over it, it "
                        f"cannot be indexed")

    def __len__(self):
        # a stream has no length unless a subclass gives one; TypeError as for len(iterator)
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other):
        return ChainDataset([self, other])


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


class StackDataset(Dataset):
    """Sample i is (d1[i], d2[i], ...) for StackDataset(d1, d2, ...), or {"a": da[i], ...} for
    StackDataset(a=da, ...); the datasets must have the same length."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("StackDataset: supported either tuple- (via args) or dict- (via "
                             "kwargs) like input/output, but both types are given")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        datasets = args if args else kwargs
        sizes = [len(d) for d in (args if args else kwargs.values())]
        if len(set(sizes)) > 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths are "
                             f"{sizes}")
        self.datasets = datasets
        self._length = sizes[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices):
        """The samples at `indices`, fetching from each dataset with its own __getitems__
        where it has one (as torch's StackDataset)."""
        named = isinstance(self.datasets, dict)
        samples = [{} if named else [] for _ in indices]
        for key, d in (self.datasets.items() if named else enumerate(self.datasets)):
            getitems = getattr(d, "__getitems__", None)
            if callable(getitems):
                items = getitems(indices)
                if len(items) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected "
                                     f"{len(indices)}, got {len(items)}")
            else:
                items = [d[i] for i in indices]
            for sample, item in zip(samples, items):
                if named:
                    sample[key] = item
                else:
                    sample.append(item)
        return samples if named else [tuple(sample) for sample in samples]

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """The samples of each dataset in turn: len is the sum of their lengths and index i is
    found by bisecting `cumulative_sizes` (the running totals); negative indices count from
    the end."""

    @staticmethod
    def cumsum(sequence):
        return list(itertools.accumulate(len(d) for d in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset: does not support IterableDataset (dataset {i} "
                                f"is a {type(d).__name__}); use ChainDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: absolute value of index should not exceed "
                                 f"dataset length, got index {idx} for length {n}")
            idx = n + idx
        elif idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for a dataset of "
                             f"length {n}")
        # bisect_right: an index equal to a running total starts the next dataset
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        return self.datasets[d][idx - self.cumulative_sizes[d - 1] if d else idx]


class ChainDataset(IterableDataset):
    """The streams of several IterableDatasets one after another, chained lazily; len is the
    sum of their lengths (when they all have one)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _checked(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset: only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield d

    def __iter__(self):
        for d in self._checked():
            yield from d

    def __len__(self):
        return sum(len(d) for d in self._checked())


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order. A DataLoader fetches a batch with
    `__getitems__`, which forwards to the dataset's own `__getitems__` when it has one (as
    torch's Subset); a subclass that overrides only `__getitem__` is fetched through it
    (torch raises NotImplementedError for such a subclass instead)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        if type(self).__getitem__ is not Subset.__getitem__:  # honour the override
            return [self[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

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


def _rebuild(elem, values):
    """A container like `elem` (a Mapping: dict of its keys -> values, or a Sequence: list of
    values), as torch rebuilds one: a mutable one is copied and filled in, another is built
    with type(elem)(...), and a type that cannot be built that way gives a dict or list."""
    if isinstance(elem, Mapping):
        try:
            if isinstance(elem, MutableMapping):
                clone = copy.copy(elem)
                clone.update(values)
                return clone
            return type(elem)(values)
        except TypeError:
            return dict(values)
    try:
        if isinstance(elem, MutableSequence):
            clone = copy.copy(elem)
            for i, v in enumerate(values):
                clone[i] = v
            return clone
        return type(elem)(values)
    except TypeError:
        return list(values)


def _shape_error(kind, shapes):
    return ShapeError(f"default_collate: cannot stack {kind} of different shapes "
                      f"{sorted(set(shapes))}: stack expects each one to be equal size")


def default_collate(batch):
    """Stack a list of samples into a batch, as torch's default_collate: Tensors and numpy
    arrays are stacked along a new first dim; Python and numpy numbers become 1-d tensors
    (ints int64, bools bool, floats the default dtype, as ag.tensor); strings are returned
    as the batch holds them. Containers are collated field by field, with torch's types:
    a namedtuple stays its type, any other tuple becomes a list, other sequences and
    mappings keep their type where it can be rebuilt (else list / dict); a mapping's keys
    are the first sample's (a key missing from a later sample raises KeyError).
    Shapes or lengths that differ raise ShapeError (a RuntimeError, as torch's, and a
    ValueError)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = [tuple(b.shape) for b in batch]
        if any(s != shapes[0] for s in shapes):
            raise _shape_error("tensors", shapes)
        if any(b.requires_grad for b in batch):
            from .ops.shape import stack  # differentiable, so a graph through samples survives
            return stack(batch)
        return _wrap(np.stack([b.data for b in batch]))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, (np.ndarray, np.generic, bool, int, float)):
        if isinstance(elem, np.ndarray):
            if elem.dtype.kind in "SaUO":
                raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                                f"numbers, dicts or lists; found {elem.dtype}")
            shapes = [np.shape(b) for b in batch]
            if any(s != shapes[0] for s in shapes):
                raise _shape_error("arrays", shapes)
        return _wrap(_to_array(np.stack([np.asarray(b) for b in batch]), None,
                               "default_collate"))
    if isinstance(elem, Mapping):
        return _rebuild(elem, {k: default_collate([b[k] for b in batch]) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise ShapeError(f"default_collate: each element in list of batch should be of "
                             f"equal size (the same length), got lengths "
                             f"{sorted({len(b) for b in batch})}")
        # each field as zip gives it, a tuple: a field of strings stays a tuple, as torch
        fields = [default_collate(samples) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return fields  # torch: a tuple sample gives a list (backwards compatibility)
        return _rebuild(elem, fields)
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, "
                    f"strings, dicts or lists; found {type(elem).__name__}")


def _fast_dataset(dataset):
    """(TensorDataset, index map or None) when batches can be gathered by fancy indexing:
    a plain TensorDataset, possibly under plain Subsets; else (None, None)."""
    index_map = None
    while (isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__
           and type(dataset).__getitems__ is Subset.__getitems__):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if (isinstance(dataset, TensorDataset)
            and type(dataset).__getitem__ is TensorDataset.__getitem__
            and getattr(type(dataset), "__getitems__", None) is None):
        return dataset, index_map
    return None, None


def default_convert(sample):
    """One sample as a DataLoader with batch_size=None yields it, as torch's default_convert:
    numpy arrays and numpy scalars become Tensors (0-d for a scalar; dtypes as ag.tensor),
    except arrays of strings or objects, which are returned as they are; Tensors, Python
    numbers and strings stay as they are; containers are converted field by field, with
    torch's types (a namedtuple stays its type, another tuple becomes a list, other
    sequences and mappings keep their type where it can be rebuilt)."""
    if isinstance(sample, (Tensor, str, bytes)):
        return sample
    if isinstance(sample, (np.ndarray, np.generic)):
        if sample.dtype.kind in "SaUOV":
            return sample
        return _wrap(_to_array(sample, None, "default_convert"))
    if isinstance(sample, Mapping):
        return _rebuild(sample, {k: default_convert(sample[k]) for k in sample})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):  # namedtuple
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, tuple):
        return [default_convert(v) for v in sample]  # as torch (backwards compatibility)
    if isinstance(sample, Sequence):
        return _rebuild(sample, [default_convert(v) for v in sample])
    return sample


# --- workers ---

class WorkerInfo:
    """What get_worker_info() returns inside a loading worker: id, num_workers, seed, dataset.
    Read-only."""

    __slots__ = ("id", "num_workers", "seed", "dataset")

    def __init__(self, id, num_workers, seed, dataset):  # noqa: A002  (torch's name)
        for k, v in zip(self.__slots__, (id, num_workers, seed, dataset)):
            object.__setattr__(self, k, v)

    def __setattr__(self, key, value):
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={type(self.dataset).__name__})")


_worker = {"info": None}


def get_worker_info():
    """The WorkerInfo of the loading worker running this code; None in the main process.

    DataLoader with num_workers > 0 loads in this process, as a single worker (id 0 of 1):
    while it runs the dataset's code (and worker_init_fn) this returns that worker's info,
    so datasets that split their stream by worker still yield every sample once."""
    return _worker["info"]


def _run_as_worker(batches, info, worker_init_fn):
    """Yield from `batches`, with get_worker_info() giving `info` only while the dataset's
    code runs (not while the caller holds a batch)."""
    _worker["info"] = info
    try:
        if worker_init_fn is not None:
            worker_init_fn(info.id)
    finally:
        _worker["info"] = None
    while True:
        _worker["info"] = info
        try:
            batch = next(batches)
        except StopIteration:
            return
        finally:
            _worker["info"] = None
        yield batch


# --- DataLoader ---

class DataLoader:
    """Iterate over a dataset in batches of Tensors, as torch.utils.data.DataLoader.

    Args:
        batch_size: samples per batch (the last one may be smaller unless drop_last);
            None: no batching, each sample as it is (numpy arrays made Tensors, as
            default_convert), as in torch.
        shuffle: draw a new order every epoch (a RandomSampler, from `generator` or the
            global generator: ag.manual_seed makes the sequence of epochs reproducible).
        sampler: an iterable of indices (instead of shuffle).
        batch_sampler: an iterable of lists of indices (instead of batch_size, shuffle,
            sampler and drop_last).
        num_workers: accepted; num_workers > 0 still loads in this process, as one worker
            (get_worker_info() gives id 0 of 1 inside the dataset; worker_init_fn(0) runs at
            the start of each epoch), so the batches are those of num_workers=0.
        collate_fn: turns a list of samples into a batch (default: default_collate).
        drop_last: drop the last batch when it is smaller than batch_size.
        generator: a numpy Generator for shuffle (and workers' seeds); default the global one.
        pin_memory, timeout, prefetch_factor, persistent_workers, multiprocessing_context,
            pin_memory_device, in_order: checked as torch checks them, otherwise ignored
            (CPU, in-process loading).

    A TensorDataset (or a Subset of one, e.g. from random_split) is batched with one
    fancy index per tensor instead of stacking samples one by one.
    """

    _frozen = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
               "persistent_workers")

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)):
            raise TypeError(f"DataLoader: num_workers should be an int, got {num_workers!r}")
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(f"DataLoader: multiprocessing_context can only be used with "
                             f"multi-process loading (num_workers > 0), but got "
                             f"num_workers={num_workers}")
        _check_generator(generator, "DataLoader")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)  # any truthy value shuffles, as in torch
            needs_len = sampler is None and batch_sampler is None
            if not hasattr(dataset, "__getitem__") or (needs_len
                                                       and not hasattr(dataset, "__len__")):
                raise TypeError(f"DataLoader: dataset must have __getitem__ and __len__, got "
                                f"{type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        else:  # a BatchSampler will be built: its checks, with its ValueError, as torch
            if (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                    or batch_size < 1):
                raise ValueError(f"DataLoader: batch_size should be a positive integer value, "
                                 f"but got batch_size={batch_size}")
            if not isinstance(drop_last, (bool, np.bool_)):
                raise ValueError(f"DataLoader: drop_last should be a boolean value, but got "
                                 f"drop_last={drop_last}")
        batch_size = None if batch_size is None else int(batch_size)
        drop_last = bool(drop_last)

        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = drop_last
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_size is not None or batch_sampler is not None
            else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._iterable = iterable
        self._initialized = True

    def __setattr__(self, name, value):
        if name in self._frozen and self.__dict__.get("_initialized"):
            raise ValueError(f"DataLoader: {name} attribute should not be set after "
                             f"DataLoader is initialized")
        object.__setattr__(self, name, value)

    def __len__(self):
        if self._iterable:  # the dataset's len (TypeError without one), in batches
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.sampler if self.batch_sampler is None else self.batch_sampler)

    def __iter__(self):
        if self.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        if self._iterable:
            batches = self._stream_batches()
        elif self.batch_sampler is None:  # no batching: each sample, converted
            batches = (self.collate_fn(self.dataset[i]) for i in iter(self.sampler))
        else:
            batches = self._map_batches()
        if self.num_workers == 0:
            return batches
        # drawn after the order, so num_workers does not change a seeded run's batches
        seed = int(_rng(self.generator).integers(2 ** 63))
        info = WorkerInfo(id=0, num_workers=1, seed=seed, dataset=self.dataset)
        return _run_as_worker(batches, info, self.worker_init_fn)

    def _map_batches(self):
        """The batches of a map-style dataset, gathered by fancy indexing when possible."""
        fast, index_map = (None, None)
        if self.collate_fn is default_collate:
            fast, index_map = _fast_dataset(self.dataset)
        bs = self.batch_sampler
        if fast is None:
            return (self._fetch(batch) for batch in iter(bs))
        sampler = getattr(bs, "sampler", None)
        if (type(bs).__iter__ is BatchSampler.__iter__
                and type(sampler).__iter__ is _OrderSampler.__iter__):
            order = sampler._order()  # the whole epoch as one array: slice it
            if order.dtype.kind in "iu" and order.ndim == 1:
                return self._sliced(fast, index_map, order, bs.batch_size, bs.drop_last)
        return self._gathered(fast, index_map, iter(bs))

    def _fetch(self, batch):
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):  # torch's protocol for datasets that fetch a batch at once
            return self.collate_fn(getitems(batch))
        return self.collate_fn([self.dataset[i] for i in batch])

    @staticmethod
    def _sliced(fast, index_map, order, bs, drop_last):
        stop = len(order) - len(order) % bs if drop_last else len(order)
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if index_map is not None:
                idx = index_map[idx]
            yield [t[idx] for t in fast.tensors]  # a list, as default_collate of tuples

    def _gathered(self, fast, index_map, batches):
        for batch in batches:
            idx = np.asarray(batch)
            if idx.dtype.kind not in "iu" or idx.ndim != 1:
                yield self._fetch(batch)
                continue
            if index_map is not None:
                idx = index_map[idx]
            yield [t[idx] for t in fast.tensors]  # a list, as default_collate of tuples

    def _stream_batches(self):
        it = iter(self.dataset)
        bs = self.batch_size
        if bs is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        while True:
            batch = list(itertools.islice(it, bs))
            if not batch or (self.drop_last and len(batch) < bs):
                return
            yield self.collate_fn(batch)

    def __repr__(self):
        try:
            size = f" of {len(self.dataset)}"
        except TypeError:
            size = ""
        return (f"DataLoader(dataset={type(self.dataset).__name__}{size}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last})")
