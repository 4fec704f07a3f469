"""nn.init's dirac_, eye_ and sparse_, and torch's deprecated names without the underscore:
exact against torch where deterministic, statistics where random, torch's warnings."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import init


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 2, 5), 1), ((2, 6, 4), 1),
                                          ((6, 4, 3, 3), 2), ((5, 3, 4, 2), 1),
                                          ((6, 2, 3, 3, 3), 3), ((4, 5, 2, 3, 4), 1),
                                          ((6, 1, 3), 3)])
def test_dirac_matches_torch_exactly(torch, shape, groups):
    w = nn.Parameter(ag.randn(*shape))
    out = init.dirac_(w, groups)
    assert out is w and w.is_leaf and w.grad_fn is None
    expected = torch.nn.init.dirac_(torch.empty(*shape), groups).numpy()
    np.testing.assert_array_equal(w.data, expected)
    assert w.dtype == ag.float32


def test_dirac_keeps_a_convolution_an_identity():
    conv = nn.Conv1d(3, 3, 5, padding=2, bias=False)
    init.dirac_(conv.weight)
    x = ag.randn(2, 3, 7)
    np.testing.assert_allclose(conv(x).data, x.data, rtol=1e-6, atol=1e-6)


def test_dirac_errors_match_torch():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are "
                                         "supported"):
        init.dirac_(ag.empty(3, 3))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(ag.empty(5, 2, 3), groups=2)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 1)])
def test_eye_matches_torch_exactly(torch, shape):
    w = ag.randn(*shape, dtype=ag.float64)
    assert init.eye_(w) is w
    np.testing.assert_array_equal(w.data, torch.nn.init.eye_(torch.empty(*shape)).numpy())
    assert w.dtype == ag.float64


def test_eye_refuses_other_ranks():
    for shape in ((3,), (2, 3, 4)):
        with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
            init.eye_(ag.empty(*shape))


@pytest.mark.parametrize("rows,sparsity", [(10, 0.1), (10, 0.35), (7, 0.5), (20, 0.0),
                                           (6, 1.0)])
def test_sparse_zeroes_the_same_count_in_every_column(rows, sparsity):
    w = nn.Parameter(ag.empty(rows, 300))
    assert init.sparse_(w, sparsity) is w
    zeros = (w.data == 0).sum(axis=0)
    np.testing.assert_array_equal(zeros, math.ceil(sparsity * rows))
    # the zeroed rows differ from column to column
    if 0 < sparsity < 1:
        assert len({tuple(np.flatnonzero(w.data[:, j] == 0)) for j in range(300)}) > 1


def test_sparse_values_are_normal_with_the_given_std():
    w = ag.empty(40, 500, dtype=ag.float64)
    init.sparse_(w, 0.25, std=0.3)
    kept = w.data[w.data != 0]
    assert kept.size == 30 * 500
    assert abs(kept.mean()) < 0.02
    assert abs(kept.std() - 0.3) < 0.01
    init.sparse_(w, 0.25)  # default std 0.01, as torch
    assert abs(w.data[w.data != 0].std() - 0.01) < 0.001


def test_sparse_draws_from_the_global_generator_or_the_one_given():
    a, b, c = ag.empty(8, 6), ag.empty(8, 6), ag.empty(8, 6)
    ag.manual_seed(3)
    init.sparse_(a, 0.5)
    ag.manual_seed(3)
    init.sparse_(b, 0.5)
    np.testing.assert_array_equal(a.data, b.data)
    state = ag.random.get_rng_state()
    init.sparse_(c, 0.5, generator=np.random.default_rng(3))
    assert ag.random.get_rng_state() == state  # the global stream is left untouched
    d = ag.empty(8, 6)
    init.sparse_(d, 0.5, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(c.data, d.data)


def test_sparse_errors():
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(ag.empty(3, 3, 3), 0.1)
    with pytest.raises(TypeError, match="sparse_: generator must be a numpy.random.Generator"):
        init.sparse_(ag.empty(3, 3), 0.1, generator=3)


# --- deprecated names ---

ALIASES = {
    "uniform": ((-0.5, 0.5), {}), "normal": ((0.0, 2.0), {}), "constant": ((0.25,), {}),
    "xavier_uniform": ((), {"gain": 2.0}), "xavier_normal": ((), {}),
    "kaiming_uniform": ((), {"mode": "fan_out"}), "kaiming_normal": ((), {}),
    "orthogonal": ((), {}), "eye": ((), {}), "sparse": ((0.5,), {}),
}


@pytest.mark.parametrize("name", ALIASES)
def test_deprecated_names_warn_as_torch_and_do_the_same(torch, name):
    args, kwargs = ALIASES[name]
    alias = getattr(init, name)
    assert alias.__name__ == name
    with pytest.warns(FutureWarning) as record:
        getattr(torch.nn.init, name)(torch.empty(4, 6), *args, **kwargs)
    expected = str(record[0].message)
    assert expected == f"`nn.init.{name}` is now deprecated in favor of `nn.init.{name}_`."
    a, b = ag.empty(4, 6), ag.empty(4, 6)
    ag.manual_seed(5)
    with pytest.warns(FutureWarning) as record:
        out = alias(a, *args, **kwargs)
    assert out is a
    assert [str(w.message) for w in record] == [expected]
    assert record[0].filename == __file__  # stacklevel=2: the warning points at the caller
    ag.manual_seed(5)
    getattr(init, name + "_")(b, *args, **kwargs)
    np.testing.assert_array_equal(a.data, b.data)


def test_deprecated_dirac_warns_and_matches_torch(torch):
    w = ag.empty(4, 2, 3)
    with pytest.warns(FutureWarning, match=r"`nn.init.dirac` is now deprecated in favor of "
                                           r"`nn.init.dirac_`."):
        init.dirac(w, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        expected = torch.nn.init.dirac(torch.empty(4, 2, 3), 2).numpy()
    np.testing.assert_array_equal(w.data, expected)


def test_deprecated_names_pass_the_generator_through():
    a, b = ag.empty(3, 4), ag.empty(3, 4)
    with pytest.warns(FutureWarning):
        init.normal(a, generator=np.random.default_rng(1))
    init.normal_(b, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(a.data, b.data)
