"""ag.data: Dataset, TensorDataset, Subset, random_split, DataLoader and default_collate."""

import collections

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Pairs(Dataset):
    """A plain map-style dataset whose samples are (array, int) pairs."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.full(3, float(i)), i

    def __len__(self):
        return self.n


def _ids(loader):
    """The sample ids of one epoch, in order (the second field of each sample)."""
    return np.concatenate([np.asarray(b[1].data) for b in loader]).tolist()


def _np(t):
    return np.asarray(t.data)


# --- Dataset and TensorDataset ---

def test_dataset_is_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_tensor_dataset_items_and_len():
    x, y = ag.randn(5, 3), ag.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    xi, yi = ds[2]
    np.testing.assert_array_equal(_np(xi), _np(x)[2])
    assert int(_np(yi)) == 2


def test_tensor_dataset_converts_arrays():
    ds = TensorDataset(np.zeros((4, 2)), np.arange(4))
    assert ds.tensors[0].dtype == ag.get_default_dtype() and ds.tensors[1].dtype == ag.int64


def test_tensor_dataset_size_mismatch_names_sizes():
    with pytest.raises(ValueError, match=r"TensorDataset: size mismatch.*\[5, 4\]"):
        TensorDataset(ag.zeros(5, 2), ag.zeros(4))


def test_tensor_dataset_needs_tensors_with_a_first_dim():
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(ag.tensor(1.0))


# --- default_collate ---

def test_collate_tuples_of_arrays_and_numbers():
    x, y = default_collate([(np.ones(2), 1), (np.zeros(2), 2)])
    assert isinstance(x, ag.Tensor) and x.shape == (2, 2)
    assert x.dtype == ag.get_default_dtype()  # float64 arrays follow ag.tensor's rules
    assert y.dtype == ag.int64 and _np(y).tolist() == [1, 2]


def test_collate_numbers_give_1d_tensors():
    f = default_collate([0.5, 1.5, 2.5])
    assert f.shape == (3,) and f.dtype == ag.float32
    b = default_collate([True, False])
    assert b.dtype == ag.bool
    i = default_collate([np.int32(3), np.int32(4)])
    assert i.dtype == ag.int64
    ag.set_default_dtype(ag.float64)
    assert default_collate([0.5, 1.5]).dtype == ag.float64


def test_collate_int_arrays_stay_int64():
    out = default_collate([np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)])
    assert out.dtype == ag.int64 and out.shape == (2, 3)


def test_collate_dicts_nested_lists_and_strings():
    batch = [{"x": np.ones((2, 2)), "meta": {"id": i, "name": f"s{i}"}, "pair": [i, 2.0 * i]}
             for i in range(3)]
    out = default_collate(batch)
    assert set(out) == {"x", "meta", "pair"}
    assert out["x"].shape == (3, 2, 2)
    assert _np(out["meta"]["id"]).tolist() == [0, 1, 2]
    assert out["meta"]["name"] == ["s0", "s1", "s2"]
    assert isinstance(out["pair"], list) and _np(out["pair"][1]).tolist() == [0.0, 2.0, 4.0]


def test_collate_tensors_keep_dtype_and_namedtuples_their_type():
    Point = collections.namedtuple("Point", "x y")
    out = default_collate([Point(ag.tensor([1, 2]), 0.5), Point(ag.tensor([3, 4]), 1.5)])
    assert isinstance(out, Point)
    assert out.x.dtype == ag.int64 and _np(out.x).tolist() == [[1, 2], [3, 4]]


def test_collate_keeps_the_graph_of_samples_that_need_grad():
    w = ag.ones(2, requires_grad=True)
    out = default_collate([w * 2, w * 3])
    out.sum().backward()
    np.testing.assert_allclose(_np(w.grad), [5.0, 5.0])


def test_collate_errors():
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([ag.ones(2), ag.ones(3)])
    with pytest.raises(RuntimeError, match="equal size"):  # ShapeError, as torch
        default_collate([(1, 2), (1, 2, 3)])
    with pytest.raises(KeyError, match="a"):  # the first sample's keys, as torch
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


# --- DataLoader ---

def test_loader_batches_a_tensor_dataset_in_order():
    x, y = ag.randn(10, 3), ag.arange(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 == len(batches)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert _ids(loader) == list(range(10))
    np.testing.assert_array_equal(_np(batches[1][0]), _np(x)[4:8])


def test_loader_fast_path_gathers_with_one_index_per_tensor(monkeypatch):
    ds = TensorDataset(ag.randn(8, 2), ag.arange(8))

    def no_sample_access(i):
        raise AssertionError("the fast path must not fetch samples one by one")

    monkeypatch.setattr(TensorDataset, "__getitem__", no_sample_access)
    batches = list(DataLoader(ds, batch_size=3, shuffle=True))
    assert [len(b[1]) for b in batches] == [3, 3, 2]
    assert sorted(_ids(batches)) == list(range(8))


def test_loader_collates_a_generic_dataset():
    loader = DataLoader(Pairs(5), batch_size=2)
    x, i = next(iter(loader))
    assert x.shape == (2, 3) and x.dtype == ag.float32 and i.dtype == ag.int64
    assert _ids(loader) == list(range(5))


def test_loader_default_batch_size_is_one():
    loader = DataLoader(Pairs(3))
    assert len(loader) == 3 and [b[0].shape for b in loader] == [(1, 3)] * 3


def test_loader_drop_last_and_len():
    for n, bs, drop, expected in [(10, 4, False, 3), (10, 4, True, 2), (8, 4, True, 2),
                                  (3, 4, True, 0), (3, 4, False, 1), (0, 4, False, 0)]:
        loader = DataLoader(Pairs(n), batch_size=bs, drop_last=drop)
        assert len(loader) == expected == len(list(loader)), (n, bs, drop)
    sizes = [len(b[1]) for b in DataLoader(Pairs(10), batch_size=4, drop_last=True)]
    assert sizes == [4, 4]


def test_loader_iterates_many_times():
    loader = DataLoader(TensorDataset(ag.arange(6)), batch_size=4)
    assert [len(list(loader)) for _ in range(3)] == [2, 2, 2]


def test_shuffle_is_a_permutation_that_changes_each_epoch():
    loader = DataLoader(TensorDataset(ag.randn(50, 1), ag.arange(50)), batch_size=8,
                        shuffle=True)
    first, second = _ids(loader), _ids(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second and first != list(range(50))


@pytest.mark.parametrize("dataset", [TensorDataset(ag.zeros(20, 1), ag.arange(20)), Pairs(20)],
                         ids=["tensor", "generic"])
def test_shuffle_is_reproducible_with_manual_seed(dataset):
    loader = DataLoader(dataset, batch_size=6, shuffle=True)
    ag.manual_seed(123)
    run1 = [_ids(loader), _ids(loader)]
    ag.manual_seed(123)
    run2 = [_ids(loader), _ids(loader)]
    assert run1 == run2
    ag.manual_seed(124)
    assert _ids(loader) != run1[0]


def test_loader_argument_errors():
    ds = Pairs(4)
    with pytest.raises(ValueError, match=r"batch_size should be a positive integer value, but "
                                         r"got batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="batch_size=-2"):
        DataLoader(ds, batch_size=-2)
    with pytest.raises(ValueError, match="batch_size=2.5"):  # ValueError, as torch
        DataLoader(ds, batch_size=2.5)
    with pytest.raises(ValueError, match="batch_size=True"):
        DataLoader(ds, batch_size=True)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        DataLoader(ds, drop_last="yes")
    with pytest.raises(TypeError, match="dataset must have __getitem__ and __len__"):
        DataLoader(42)


def test_loader_custom_collate_fn():
    loader = DataLoader(Pairs(5), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2, 1]


# --- Subset and random_split ---

def test_subset_indexes_through():
    s = Subset(Pairs(10), [7, 2, 5])
    assert len(s) == 3 and s[0][1] == 7 and s[-1][1] == 5


def test_random_split_int_lengths_are_disjoint_and_cover():
    parts = random_split(Pairs(10), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    ids = [p[i][1] for p in parts for i in range(len(p))]
    assert sorted(ids) == list(range(10))


def test_random_split_fractions_as_torch():
    # floor counts, then the remainder goes round-robin from the first split
    assert [len(p) for p in random_split(Pairs(10), [0.33, 0.33, 0.34])] == [4, 3, 3]
    assert [len(p) for p in random_split(Pairs(11), [0.5, 0.5])] == [6, 5]
    assert [len(p) for p in random_split(Pairs(100), [0.8, 0.1, 0.1])] == [80, 10, 10]
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(Pairs(3), [0.9, 0.1])


def test_random_split_is_reproducible_with_manual_seed():
    def split():
        return [list(p.indices) for p in random_split(Pairs(20), [0.5, 0.5])]

    ag.manual_seed(7)
    a = split()
    ag.manual_seed(7)
    assert split() == a
    assert split() != a  # the generator moved on
    b = [list(p.indices) for p in random_split(Pairs(20), [10, 10],
                                               generator=np.random.default_rng(7))]
    c = [list(p.indices) for p in random_split(Pairs(20), [10, 10],
                                               generator=np.random.default_rng(7))]
    assert b == c


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\).*\(10\)"):
        random_split(Pairs(10), [4, 5])
    with pytest.raises(ValueError, match="non-negative ints"):
        random_split(Pairs(10), [12, -2])
    with pytest.raises(ValueError, match="non-negative ints"):
        random_split(Pairs(10), [2.5, 7.5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(Pairs(10), [1.5, -0.5])


def test_loader_over_a_split_tensor_dataset_uses_the_subset_indices():
    x = ag.arange(12) * 10
    ds = TensorDataset(x, ag.arange(12))
    train, test = random_split(ds, [8, 4])
    for part in (train, test):
        xs, ids = (np.concatenate(a) for a in zip(*[(_np(b[0]), _np(b[1]))
                                                     for b in DataLoader(part, batch_size=3)]))
        assert ids.tolist() == list(part.indices)
        assert (xs == ids * 10).all()


def test_batch_size_none_yields_each_sample_unbatched_like_torch():
    """batch_size=None turns batching off, as in torch: one sample per step, numpy arrays
    made Tensors, numbers and strings left alone; len is the dataset's; drop_last is
    refused with it."""
    torch = pytest.importorskip("torch")

    class Pairs:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, float(i)), i, "s"

    ours = list(DataLoader(Pairs(), batch_size=None))
    theirs = list(torch.utils.data.DataLoader(Pairs(), batch_size=None))
    assert len(DataLoader(Pairs(), batch_size=None)) == 3
    for (x, i, s), (tx, ti, ts) in zip(ours, theirs):
        assert isinstance(x, ag.Tensor) and x.shape == tuple(tx.shape)
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        assert (i, s) == (ti, ts)
    ds = TensorDataset(ag.tensor(np.arange(6.0).reshape(3, 2)), ag.tensor([0, 1, 2]))
    assert [(x.shape, y.shape) for x, y in DataLoader(ds, batch_size=None)] == [((2,), ())] * 3
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
