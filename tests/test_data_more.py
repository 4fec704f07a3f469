"""ag.data beyond the basics: samplers, the DataLoader's sampler/batch_sampler/collate_fn/
worker arguments, IterableDataset, ConcatDataset, ChainDataset and StackDataset, checked
against torch.utils.data where both are deterministic."""

import collections.abc
import re

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import data
from autograd_core.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)


class Pairs(Dataset):
    """Sample i is (a float array filled with i, i)."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.full(2, float(i)), i

    def __len__(self):
        return self.n


class Stream(IterableDataset):
    """The ints start..stop-1 as a stream; split between workers as torch's docs do."""

    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __iter__(self):
        info = get_worker_info()
        start, stop = self.start, self.stop
        if info is not None:
            per = -(-(stop - start) // info.num_workers)
            start = start + info.id * per
            stop = min(start + per, stop)
        return iter(range(start, stop))


class SizedStream(Stream):
    def __len__(self):
        return self.stop - self.start


def _torch():
    return pytest.importorskip("torch")


def _plain(x):
    """Batches of ours or torch's as nested Python lists/dicts of numbers, to compare."""
    if isinstance(x, ag.Tensor):
        return ("T", tuple(x.shape), np.asarray(x.data).tolist())
    if type(x).__module__.startswith("torch"):
        return ("T", tuple(x.shape), x.numpy().tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _same_as_torch(ours, theirs):
    assert [_plain(b) for b in ours] == [_plain(b) for b in theirs]


# --- samplers ---

def test_sequential_sampler_is_range_like_torch():
    torch = _torch()
    s = SequentialSampler(Pairs(5))
    assert list(s) == list(torch.utils.data.SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
    assert len(s) == 5 and list(SequentialSampler([])) == []
    assert isinstance(s, Sampler)


def test_sampler_base_is_abstract():
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(Sampler())


def test_random_sampler_permutation_reproducible_with_manual_seed():
    s = RandomSampler(range(20))
    ag.manual_seed(3)
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(20)) and a != b  # a new order each epoch
    ag.manual_seed(3)
    assert [list(s), list(s)] == [a, b]
    assert len(s) == 20
    assert all(isinstance(i, int) for i in a)


def test_random_sampler_with_replacement():
    s = RandomSampler(range(4), replacement=True, num_samples=200)
    ag.manual_seed(0)
    a = list(s)
    assert len(a) == len(s) == 200 and set(a) == {0, 1, 2, 3}  # repeats, every index seen
    ag.manual_seed(0)
    assert list(s) == a
    assert len(list(RandomSampler(range(10), replacement=True))) == 10  # default: len(data)


def test_random_sampler_without_replacement_beyond_length_joins_permutations():
    ag.manual_seed(1)
    out = list(RandomSampler(range(3), num_samples=8))
    assert len(out) == 8
    assert sorted(out[:3]) == sorted(out[3:6]) == [0, 1, 2] and len(set(out[6:])) == 2
    assert sorted(list(RandomSampler(range(10), num_samples=4))) != list(range(10))


def test_random_sampler_generator_argument_leaves_the_global_generator_alone():
    ag.manual_seed(5)
    state = ag.random.get_rng_state()
    a = list(RandomSampler(range(30), generator=np.random.default_rng(9)))
    b = list(RandomSampler(range(30), generator=np.random.default_rng(9)))
    assert a == b and sorted(a) == list(range(30))
    assert ag.random.get_rng_state() == state
    with pytest.raises(TypeError, match="generator must be None or a numpy.random.Generator"):
        RandomSampler(range(3), generator=7)


def test_random_sampler_errors_as_torch():
    torch = _torch()
    cases = [(dict(replacement="yes"), TypeError,
              "replacement should be a boolean value, but got replacement=yes"),
             (dict(num_samples=0), ValueError,
              "num_samples should be a positive integer value, but got num_samples=0"),
             (dict(num_samples=2.5), ValueError, "but got num_samples=2.5")]
    for kwargs, exc, msg in cases:
        with pytest.raises(exc, match=re.escape(msg.split(", but got")[0])):
            torch.utils.data.RandomSampler(range(3), **kwargs)
        with pytest.raises(exc, match=re.escape(msg)):
            RandomSampler(range(3), **kwargs)
    with pytest.raises(ValueError, match="num_samples=0"):  # an empty dataset, as torch
        RandomSampler([])
    with pytest.raises(ValueError, match="num_samples=0"):
        torch.utils.data.RandomSampler([])


def test_subset_random_sampler():
    idx = [10, 4, 7, 2]
    s = SubsetRandomSampler(idx)
    ag.manual_seed(2)
    a = list(s)
    assert sorted(a) == sorted(idx) and len(s) == 4
    ag.manual_seed(2)
    assert list(s) == a
    assert sorted(SubsetRandomSampler(ag.tensor(idx))) == sorted(idx)
    g = [list(SubsetRandomSampler(idx, generator=np.random.default_rng(4))) for _ in range(2)]
    assert g[0] == g[1]


def test_weighted_sampler_never_draws_zero_weights_and_matches_the_frequencies():
    weights = [0.0, 1.0, 3.0, 0.0, 6.0]
    ag.manual_seed(11)
    draws = np.array(list(WeightedRandomSampler(weights, 20000)))
    counts = np.bincount(draws, minlength=5)
    assert counts[0] == counts[3] == 0
    np.testing.assert_allclose(counts / counts.sum(), [0, 0.1, 0.3, 0, 0.6], atol=0.015)
    ag.manual_seed(11)
    assert (np.array(list(WeightedRandomSampler(ag.tensor(weights), 20000))) == draws).all()


def test_weighted_sampler_without_replacement_draws_distinct_nonzero_indices():
    for seed in range(20):
        ag.manual_seed(seed)
        out = list(WeightedRandomSampler([0.9, 0.4, 0.0, 0.2, 0.3], 4, replacement=False))
        assert sorted(out) == [0, 1, 3, 4]
    s = WeightedRandomSampler([1.0, 0.0], 2, replacement=False)
    assert len(s) == 2


def test_weighted_sampler_without_replacement_past_the_nonzero_weights_as_torch():
    # torch.multinomial draws the weighted indices first, then the zero-weight ones (their
    # order among themselves is unspecified in torch; index order here)
    torch = _torch()
    weights = [0.1, 0.9, 0.0, 0.0, 0.3]
    for seed in range(10):
        ag.manual_seed(seed)
        ours = list(WeightedRandomSampler(weights, 5, replacement=False))
        theirs = list(torch.utils.data.WeightedRandomSampler(
            weights, 5, replacement=False, generator=torch.Generator().manual_seed(seed)))
        assert sorted(ours[:3]) == sorted(theirs[:3]) == [0, 1, 4]
        assert sorted(ours[3:]) == sorted(theirs[3:]) == [2, 3]
        assert ours[3:] == [2, 3]
    ag.manual_seed(0)
    assert list(WeightedRandomSampler([1.0, 0.0], 2, replacement=False)) == [0, 1]


def test_weighted_sampler_errors_as_torch():
    torch = _torch()
    cases = [(([1.0, 2.0], 0), {}, "num_samples should be a positive integer value, but got "
                                   "num_samples=0"),
             (([1.0, 2.0], 2), dict(replacement=1), "replacement should be a boolean value, "
                                                    "but got replacement=1"),
             (([[1.0, 2.0]], 2), {}, "weights should be a 1d sequence but given weights have "
                                     "shape (1, 2)")]
    for args, kwargs, msg in cases:
        with pytest.raises(ValueError, match=re.escape(msg)):
            torch.utils.data.WeightedRandomSampler(*args, **kwargs)
        with pytest.raises(ValueError, match=re.escape(msg)):
            WeightedRandomSampler(*args, **kwargs)


@pytest.mark.parametrize("indices", [list(range(10)), [7, 3, 9, 0, 2], [4], []])
@pytest.mark.parametrize("batch_size", [1, 3, 5, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(indices, batch_size, drop_last):
    torch = _torch()
    ours = BatchSampler(indices, batch_size, drop_last)
    theirs = torch.utils.data.BatchSampler(indices, batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_over_a_sampler_and_errors_as_torch():
    torch = _torch()
    assert list(BatchSampler(SequentialSampler(range(7)), 3, False)) == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    for args in [(range(4), 0, False), (range(4), True, False), (range(4), 2, "no")]:
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.BatchSampler(*args)
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            BatchSampler(*args)


# --- DataLoader: sampler, batch_sampler, collate_fn, drop_last ---

def _both(dataset_fn, **kwargs):
    """Our loader and torch's over the same dataset with the same arguments."""
    torch = _torch()
    tkw = {k: (v(torch) if callable(v) and k in ("sampler", "batch_sampler") else v)
           for k, v in kwargs.items()}
    okw = {k: (v(data) if callable(v) and k in ("sampler", "batch_sampler") else v)
           for k, v in kwargs.items()}
    return (DataLoader(dataset_fn(ag), **okw),
            torch.utils.data.DataLoader(dataset_fn(torch), **tkw))


def _tensor_ds(lib):
    if lib is ag:
        return TensorDataset(ag.tensor(np.arange(30.0).reshape(10, 3)), ag.arange(10))
    return lib.utils.data.TensorDataset(lib.arange(30.0).reshape(10, 3), lib.arange(10))


@pytest.mark.parametrize("make", [lambda lib: Pairs(10), _tensor_ds], ids=["generic", "tensor"])
@pytest.mark.parametrize("kwargs", [
    dict(sampler=[9, 0, 4, 4, 7], batch_size=2),
    dict(sampler=lambda m: m.utils.data.SequentialSampler(range(7)) if hasattr(m, "utils")
         else m.SequentialSampler(range(7)), batch_size=3),
    dict(sampler=[3, 1, 2, 8, 5, 6, 0], batch_size=3, drop_last=True),
    dict(sampler=[3, -1, 2], batch_size=None),
    dict(batch_sampler=[[0, 1, 2], [9], [5, 5, 3, -2]]),
    dict(batch_sampler=lambda m: m.utils.data.BatchSampler(range(10), 4, True)
         if hasattr(m, "utils") else m.BatchSampler(range(10), 4, True)),
    dict(batch_size=4, drop_last=True),
    dict(batch_size=3, collate_fn=lambda batch: [len(batch), [int(s[1]) for s in batch]]),
    dict(batch_sampler=[[2, 1], [0]], collate_fn=lambda batch: len(batch)),
], ids=["list-sampler", "sequential-sampler", "sampler-drop-last", "sampler-no-batching",
        "batch-sampler-lists", "batch-sampler-object", "drop-last", "collate-fn",
        "batch-sampler-collate-fn"])
def test_loader_yields_what_torch_yields(make, kwargs):
    ours, theirs = _both(make, **kwargs)
    _same_as_torch(ours, theirs)
    assert len(ours) == len(theirs)


def test_loader_fast_path_serves_samplers_and_batch_samplers(monkeypatch):
    ds = TensorDataset(ag.arange(10) * 10, ag.arange(10))

    def no_sample_access(self, i):
        raise AssertionError("the fast path must not fetch samples one by one")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_sample_access)
    got = [b[1].tolist() for b in DataLoader(ds, sampler=[4, 2, 8], batch_size=2)]
    assert got == [[4, 2], [8]]
    got = [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[1, 3], [9, 0, 0]])]
    assert got == [[10, 30], [90, 0, 0]]
    sub = data.Subset(ds, [9, 8, 7, 6])
    got = [b[1].tolist() for b in DataLoader(sub, sampler=RandomSampler(sub), batch_size=4)]
    assert sorted(got[0]) == [6, 7, 8, 9]
    weighted = WeightedRandomSampler([0, 0, 1.0, 0, 0, 0, 0, 0, 0, 0], 5)
    assert [b[1].tolist() for b in DataLoader(ds, sampler=weighted, batch_size=5)] == [[2] * 5]


def test_loader_uses_getitems_when_the_dataset_has_it():
    class Batched(Pairs):
        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [self[i] for i in indices]

    ds = Batched(5)
    ds.calls = []
    assert len(list(DataLoader(ds, batch_size=2))) == 3
    assert ds.calls == [[0, 1], [2, 3], [4]]


def test_loader_shuffle_generator_argument():
    ds = Pairs(12)

    def ids(gen):
        return [b[1].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True,
                                                  generator=gen)]

    state = ag.random.get_rng_state()
    a, b = ids(np.random.default_rng(3)), ids(np.random.default_rng(3))
    assert a == b and sorted(sum(a, [])) == list(range(12))
    assert ag.random.get_rng_state() == state
    with pytest.raises(TypeError, match="DataLoader: generator must be None"):
        DataLoader(ds, generator="seed")


def _torch_error(torch_fn):
    with pytest.raises(ValueError) as info:
        torch_fn()
    return str(info.value)


@pytest.mark.parametrize("kwargs", [
    dict(sampler=[0, 1], shuffle=True),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], batch_size=None),
    dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(persistent_workers=True),
    dict(num_workers=1, prefetch_factor=-1),
    dict(multiprocessing_context="spawn"),
], ids=lambda kw: "-".join(kw))
def test_loader_argument_conflicts_raise_torch_s_message(kwargs):
    torch = _torch()
    msg = _torch_error(lambda: torch.utils.data.DataLoader(list(range(4)), **kwargs))
    with pytest.raises(ValueError, match=re.escape(msg)):
        DataLoader(Pairs(4), **kwargs)


def test_prefetch_factor_needs_workers_as_torch():
    torch = _torch()
    msg = _torch_error(lambda: torch.utils.data.DataLoader(range(4), prefetch_factor=2))
    assert msg.startswith("prefetch_factor option could only be specified in multiprocessing")
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified in "
                                         "multiprocessing"):
        DataLoader(Pairs(4), prefetch_factor=2)


def test_iterable_dataset_refuses_shuffle_sampler_and_batch_sampler_as_torch():
    torch = _torch()

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    for kwargs in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        msg = _torch_error(lambda kw=kwargs: torch.utils.data.DataLoader(TorchStream(), **kw))
        with pytest.raises(ValueError, match=re.escape(msg)):
            DataLoader(Stream(0, 3), **kwargs)
    DataLoader(Stream(0, 3), shuffle=False)  # explicitly off is fine, as in torch


def test_loader_attributes_are_frozen_after_init_as_torch():
    loader = DataLoader(Pairs(4), batch_size=2)
    for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set after "
                                             f"DataLoader is initialized"):
            setattr(loader, name, None)
    loader.collate_fn = len  # others may change, as in torch
    assert list(loader) == [2, 2]


def test_loader_accepts_cpu_only_options():
    loader = DataLoader(Pairs(5), batch_size=2, timeout=3.0, pin_memory_device="",
                        in_order=False)
    assert [b[1].tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    pinned = DataLoader(Pairs(3), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="pin_memory"):
        assert len(list(pinned)) == 2


# --- workers (in process) ---

def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


def test_num_workers_gives_the_same_batches_and_a_worker_view_of_one():
    seen, inits = [], []

    class Spy(Pairs):
        def __getitem__(self, i):
            seen.append(get_worker_info())
            return super().__getitem__(i)

    def init(worker_id):
        inits.append((worker_id, get_worker_info().id))

    ds = Spy(7)
    ag.manual_seed(4)
    plain = [b[1].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True)]
    ag.manual_seed(4)
    loader = DataLoader(ds, batch_size=3, shuffle=True, num_workers=2, worker_init_fn=init,
                        persistent_workers=True, prefetch_factor=4)
    seen.clear()
    batches = []
    for b in loader:
        assert get_worker_info() is None  # only while the dataset's code runs
        batches.append(b[1].tolist())
    assert batches == plain and inits == [(0, 0)]
    info = seen[0]
    assert (info.id, info.num_workers, info.dataset) == (0, 1, ds)
    assert isinstance(info.seed, int)
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo"):
        info.id = 3


def test_a_stream_split_by_worker_is_yielded_once_with_workers():
    got = [b.tolist() for b in DataLoader(Stream(3, 10), batch_size=3, num_workers=4)]
    assert got == [[3, 4, 5], [6, 7, 8], [9]]


# --- IterableDataset ---

def test_iterable_dataset_batches_in_order_like_torch():
    torch = _torch()

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter([(np.full(2, float(i)), i) for i in range(7)])

    class OurStream(IterableDataset):
        def __iter__(self):
            return iter([(np.full(2, float(i)), i) for i in range(7)])

    for kwargs in [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=7),
                   dict(batch_size=None), dict()]:
        _same_as_torch(DataLoader(OurStream(), **kwargs),
                       torch.utils.data.DataLoader(TorchStream(), **kwargs))


def test_iterable_dataset_protocol():
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(IterableDataset())
    with pytest.raises(TypeError, match="has no len"):
        len(Stream(0, 3))
    with pytest.raises(TypeError, match="cannot be indexed"):
        Stream(0, 3)[0]
    assert isinstance(Stream(0, 3), Dataset)


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True),
                                                    (9, 3, True), (2, 3, True), (4, None,
                                                                                 False)])
def test_len_of_a_loader_over_a_sized_stream_as_torch(n, batch_size, drop_last):
    torch = _torch()

    class TorchSized(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(n))

        def __len__(self):
            return n

    ours = DataLoader(SizedStream(0, n), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(TorchSized(), batch_size=batch_size,
                                         drop_last=drop_last)
    assert len(ours) == len(theirs) == len(list(ours))


def test_len_of_a_loader_over_an_unsized_stream_raises_type_error():
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(Stream(0, 5), batch_size=2))


def test_len_rules_for_map_style_loaders():
    ds = Pairs(10)
    assert len(DataLoader(ds, sampler=[1, 2, 3], batch_size=2)) == 2
    assert len(DataLoader(ds, sampler=[1, 2, 3], batch_size=2, drop_last=True)) == 1
    assert len(DataLoader(ds, sampler=[1, 2, 3], batch_size=None)) == 3
    assert len(DataLoader(ds, batch_sampler=[[0], [1, 2], [3]])) == 3
    assert len(DataLoader(ds, sampler=RandomSampler(ds, True, 25), batch_size=4)) == 7

    def endless():
        yield from range(3)

    loader = DataLoader(ds, sampler=endless(), batch_size=2)
    with pytest.raises(TypeError):
        len(loader)
    assert [b[1].tolist() for b in loader] == [[0, 1], [2]]


# --- ConcatDataset, ChainDataset, StackDataset ---

def test_concat_dataset_indexing_matches_torch_at_every_boundary():
    torch = _torch()
    parts = [list(range(0, 3)), [], list(range(100, 101)), list(range(200, 204))]
    ours, theirs = ConcatDataset(parts), torch.utils.data.ConcatDataset(parts)
    assert ours.cumulative_sizes == theirs.cumulative_sizes == [3, 3, 4, 8]
    assert len(ours) == len(theirs) == 8
    for i in range(-8, 8):
        assert ours[i] == theirs[i], i
    assert [ours[i] for i in range(8)] == [0, 1, 2, 100, 200, 201, 202, 203]
    assert ours[np.int64(3)] == 100


def test_concat_dataset_errors():
    ds = ConcatDataset([[1, 2], [3]])
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset "
                                         "length"):
        ds[-4]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ds[3]
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        ConcatDataset([Pairs(2), Stream(0, 2)])


def test_dataset_plus_concatenates_and_a_loader_crosses_the_seam():
    ds = Pairs(3) + Pairs(2)
    assert isinstance(ds, ConcatDataset) and len(ds) == 5
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=2)] == [[0, 1], [2, 0], [1]]


def test_chain_dataset():
    chain = ChainDataset([SizedStream(0, 3), SizedStream(10, 12)])
    assert list(chain) == [0, 1, 2, 10, 11] and len(chain) == 5
    plus = Stream(0, 2) + Stream(5, 6)
    assert isinstance(plus, ChainDataset) and list(plus) == [0, 1, 5]
    assert [b.tolist() for b in DataLoader(chain, batch_size=2)] == [[0, 1], [2, 10], [11]]
    with pytest.raises(TypeError, match="has no len"):
        len(ChainDataset([SizedStream(0, 3), Stream(0, 1)]))
    with pytest.raises(TypeError, match="only supports IterableDataset"):
        list(ChainDataset([Stream(0, 1), [1, 2]]))


def test_stack_dataset_tuple_and_dict_forms_like_torch():
    torch = _torch()
    a, b = [np.full(2, float(i)) for i in range(4)], list(range(10, 14))
    tup, ttup = StackDataset(a, b), torch.utils.data.StackDataset(a, b)
    assert len(tup) == len(ttup) == 4
    assert _plain(tup[2]) == _plain(ttup[2])
    dct, tdct = StackDataset(x=a, y=b), torch.utils.data.StackDataset(x=a, y=b)
    assert _plain(dct[1]) == _plain(tdct[1])
    for ours, theirs in [(tup, ttup), (dct, tdct)]:
        _same_as_torch(DataLoader(ours, batch_size=3), torch.utils.data.DataLoader(theirs,
                                                                                   batch_size=3))


def test_stack_dataset_errors():
    with pytest.raises(ValueError, match="size mismatch between datasets"):
        StackDataset([1, 2], [1])
    with pytest.raises(ValueError, match="size mismatch between datasets"):
        StackDataset(a=[1, 2], b=[1])
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset([1], b=[1])
    with pytest.raises(ValueError, match="at least one dataset"):
        StackDataset()


# --- exports ---

def test_exports_the_names_of_torch_utils_data():
    torch = _torch()
    names = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
             "ChainDataset", "Subset", "random_split", "default_collate", "default_convert",
             "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
             "WeightedRandomSampler", "BatchSampler", "DataLoader", "get_worker_info"]
    for name in names:
        assert hasattr(torch.utils.data, name), name
        assert name in data.__all__ and hasattr(ag.data, name), name
    assert set(data.__all__) <= set(names)


# --- structure rules of default_collate / default_convert, as torch's ---

def _typed(x):
    """Like _plain, but keeping the container types (torch's and ours compared exactly)."""
    if isinstance(x, ag.Tensor) or type(x).__module__.startswith("torch"):
        return ("T", tuple(x.shape), np.asarray(x.tolist()).tolist())
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, {k: _typed(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_typed(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.tolist())
    return (type(x).__name__, x)


Point = collections.namedtuple("Point", "x y")


class FrozenMap(collections.abc.Mapping):
    """A read-only Mapping that type(m)(dict) rebuilds."""

    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class PairMap(FrozenMap):
    """A Mapping that type(m)(dict) cannot rebuild: torch falls back to a dict."""

    def __init__(self, a, b):
        super().__init__({"a": a, "b": b})


_COLLATE_CASES = {
    "tuples-give-a-list": [(np.ones(2), 1), (np.zeros(2), 2)],
    "string-field-stays-a-tuple": [("a", 1), ("b", 2)],
    "strings": ["a", "b"],
    "namedtuple": [Point(1, "p"), Point(2, "q")],
    "nested-lists": [[1, [2, 3]], [4, [5, 6]]],
    "ordered-dict": [collections.OrderedDict(b=1, a=2.5)] * 2,
    "default-dict": [collections.defaultdict(int, a=1)] * 2,
    "mapping-rebuilt": [FrozenMap({"a": 1})] * 2,
    "mapping-not-rebuildable": [PairMap(1, 2)] * 2,
    "first-elements-keys": [{"a": 1}, {"a": 2, "b": 3}],
    "dict-of-tuples": [{"k": (1, 2)}, {"k": (3, 4)}],
    "range-becomes-list": [range(3), range(3)],
}


@pytest.mark.parametrize("batch", list(_COLLATE_CASES.values()), ids=list(_COLLATE_CASES))
def test_default_collate_structure_as_torch(batch):
    torch = _torch()
    assert _typed(data.default_collate(batch)) == \
        _typed(torch.utils.data.default_collate(batch))


_CONVERT_CASES = {
    "tuple-gives-a-list": (np.ones(2), 1),
    "nested-tuple": [1, (2, np.int64(3))],
    "numpy-float-scalar": np.float64(2.5),
    "numpy-int-scalar": np.int64(3),
    "numpy-bool-scalar": np.bool_(True),
    "string-array-unchanged": np.array(["a", "b"]),
    "object-array-unchanged": np.array([None, 1], dtype=object),
    "ordered-dict": collections.OrderedDict(a=np.ones(1)),
    "mapping-rebuilt": FrozenMap({"a": np.ones(1)}),
    "mapping-not-rebuildable": PairMap(np.ones(1), 2),
    "namedtuple": Point(np.int64(1), 2),
    "string": "abc",
    "python-number": 2.5,
}


@pytest.mark.parametrize("sample", list(_CONVERT_CASES.values()), ids=list(_CONVERT_CASES))
def test_default_convert_as_torch(sample):
    torch = _torch()
    ours, theirs = data.default_convert(sample), torch.utils.data.default_convert(sample)
    assert _typed(ours) == _typed(theirs)
    if isinstance(sample, np.generic):  # a numpy scalar becomes a 0-d tensor
        assert isinstance(ours, ag.Tensor) and ours.shape == ()
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "UO":
        assert ours is sample


def test_loader_without_batching_converts_numpy_scalars_as_torch():
    torch = _torch()
    samples = [np.float64(0.5), np.int64(2)]
    ours = list(DataLoader(samples, batch_size=None))
    theirs = list(torch.utils.data.DataLoader(samples, batch_size=None))
    assert [_typed(b) for b in ours] == [_typed(b) for b in theirs]


def test_python_floats_still_collate_to_the_default_dtype():
    assert data.default_collate([0.5, 1.5]).dtype == ag.get_default_dtype()
    assert data.default_collate([(0.5, 1), (1.5, 2)])[0].dtype == ag.float32


def test_loader_batches_of_tuple_samples_are_lists_as_torch():
    # the generic path, and the TensorDataset fast paths (sliced and gathered), plain and
    # under a Subset, all give lists, as torch's default_collate does
    torch = _torch()
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ours_ds, torch_ds = (TensorDataset(ag.tensor(x), ag.tensor(y)),
                         torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)))
    for kwargs in (dict(batch_size=4), dict(sampler=[5, 0, 3, 1], batch_size=3)):
        for ours_d, torch_d in ((ours_ds, torch_ds), (Pairs(6), Pairs(6)),
                                (data.Subset(ours_ds, [4, 2, 0, 1, 3, 5]),
                                 torch.utils.data.Subset(torch_ds, [4, 2, 0, 1, 3, 5]))):
            ours = list(DataLoader(ours_d, **kwargs))
            theirs = list(torch.utils.data.DataLoader(torch_d, **kwargs))
            assert all(type(b) is list for b in ours)
            assert [_typed(b) for b in ours] == [_typed(b) for b in theirs]
    batch_x, batch_y = next(iter(DataLoader(ours_ds, batch_size=2)))  # still unpacks
    assert batch_x.shape == (2, 2) and batch_y.shape == (2,)


def test_collate_of_different_shapes_or_lengths_raises_shape_error():
    torch = _torch()
    for batch in ([np.ones(2), np.ones(3)], [(1, 2), (1, 2, 3)], [[1], [1, 2]]):
        with pytest.raises(RuntimeError):
            torch.utils.data.default_collate(batch)
        for error in (ag.ShapeError, RuntimeError, ValueError):
            with pytest.raises(error):
                data.default_collate(batch)
    for error in (ag.ShapeError, RuntimeError, ValueError):
        with pytest.raises(error, match="different shapes"):
            data.default_collate([ag.ones(2), ag.ones(3)])
    with pytest.raises(RuntimeError):
        torch.utils.data.default_collate([torch.ones(2), torch.ones(3)])


def test_collate_of_dicts_uses_the_first_elements_keys_as_torch():
    torch = _torch()
    batch = [{"a": 1}, {"a": 2, "b": 3}]
    assert _typed(data.default_collate(batch)) == \
        _typed(torch.utils.data.default_collate(batch))
    assert list(data.default_collate(batch)) == ["a"]
    for collate in (data.default_collate, torch.utils.data.default_collate):
        with pytest.raises(KeyError, match="b"):
            collate([{"a": 1, "b": 2}, {"a": 3}])


# --- __getitems__ through Subset and StackDataset ---

class Batched(Dataset):
    """Sample i is i * 10; records the batched fetches made with __getitems__."""

    def __init__(self, n):
        self.n, self.calls = n, []

    def __getitem__(self, i):
        return i * 10

    def __getitems__(self, indices):
        self.calls.append(list(indices))
        return [i * 10 for i in indices]

    def __len__(self):
        return self.n


def test_subset_forwards_batched_fetches_as_torch():
    torch = _torch()
    ours, theirs = Batched(8), Batched(8)
    ours_sub, torch_sub = data.Subset(ours, [6, 1, 4, 3]), torch.utils.data.Subset(
        theirs, [6, 1, 4, 3])
    got = [_typed(b) for b in DataLoader(ours_sub, batch_size=3)]
    want = [_typed(b) for b in torch.utils.data.DataLoader(torch_sub, batch_size=3)]
    assert got == want
    assert ours.calls == theirs.calls == [[6, 1, 4], [3]]
    assert ours_sub.__getitems__([0, 2]) == torch_sub.__getitems__([0, 2]) == [60, 40]
    # a dataset without __getitems__: per-index fetches
    assert data.Subset(Pairs(5), [4, 2]).__getitems__([1])[0][1] == 2


def test_random_split_subsets_use_the_datasets_getitems():
    ds = Batched(6)
    first, _ = data.random_split(ds, [4, 2], generator=np.random.default_rng(0))
    batches = [b.tolist() for b in DataLoader(first, batch_size=4)]
    assert ds.calls == [[first.indices[i] for i in range(4)]]
    assert batches == [[10 * i for i in first.indices]]


def test_subset_subclass_overriding_getitem_is_honoured():
    class Doubled(data.Subset):
        def __getitem__(self, i):
            return 2 * super().__getitem__(i)

    ds = Batched(5)
    sub = Doubled(ds, [3, 1])
    assert [b.tolist() for b in DataLoader(sub, batch_size=2)] == [[60, 20]]
    assert ds.calls == []  # the override was used, not the dataset's batched fetch
    x = ag.tensor(np.arange(5.0))

    class Shifted(data.Subset):
        def __getitem__(self, i):
            return super().__getitem__((i + 1) % len(self))

    sub = Shifted(TensorDataset(x), [3, 1, 0])  # not gathered past the override either
    assert [b[0].tolist() for b in DataLoader(sub, batch_size=3)] == [[1.0, 0.0, 3.0]]


def test_stack_dataset_getitems_as_torch():
    torch = _torch()
    for make_ours, make_torch in (
            (lambda a, b: StackDataset(a, b), lambda a, b: torch.utils.data.StackDataset(a, b)),
            (lambda a, b: StackDataset(x=a, y=b),
             lambda a, b: torch.utils.data.StackDataset(x=a, y=b))):
        ours_b, theirs_b = Batched(4), Batched(4)
        ours = make_ours(ours_b, Pairs(4))
        theirs = make_torch(theirs_b, Pairs(4))
        assert _typed(ours.__getitems__([2, 0])) == _typed(theirs.__getitems__([2, 0]))
        got = [_typed(b) for b in DataLoader(ours, batch_size=3)]
        want = [_typed(b) for b in torch.utils.data.DataLoader(theirs, batch_size=3)]
        assert got == want
        assert ours_b.calls == theirs_b.calls


# --- DataLoader argument types, as torch ---

def test_loader_shuffle_takes_any_truthy_value_as_torch():
    torch = _torch()
    for shuffle in (1, "yes", 0, None):
        ours = DataLoader(Pairs(5), shuffle=shuffle)
        torch.utils.data.DataLoader(Pairs(5), shuffle=shuffle)  # accepted by torch too
        assert isinstance(ours.sampler, RandomSampler if shuffle else SequentialSampler)


def test_loader_batch_size_and_drop_last_errors_are_value_errors_as_torch():
    torch = _torch()
    for kwargs, msg in ((dict(batch_size=2.0), "batch_size=2.0"),
                        (dict(batch_size=True), "batch_size=True"),
                        (dict(batch_size="2"), "batch_size=2"),
                        (dict(batch_size=2, drop_last=1), "drop_last=1"),
                        (dict(batch_size=2, drop_last=None), "drop_last=None")):
        with pytest.raises(ValueError, match=re.escape(msg)):
            torch.utils.data.DataLoader(Pairs(4), **kwargs)
        with pytest.raises(ValueError, match=re.escape(msg)):
            DataLoader(Pairs(4), **kwargs)
    # no batching: a falsy drop_last is fine, a truthy one is mutually exclusive
    assert len(DataLoader(Pairs(4), batch_size=None, drop_last=0)) == 4
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(Pairs(4), batch_size=None, drop_last=1)
