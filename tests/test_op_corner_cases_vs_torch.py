"""Corner cases of the ops against torch that an audit of the new ops found wrong: a Python
number with a Parameter, median's gradient among ties, kthvalue with NaN, reductions over
an empty dim, any/all with dim=(), tile's forms, keyword arguments torch accepts, strides
of size-1 dims, kron's dtype."""

import math

import numpy as np
import pytest

import autograd_core as ag
import nn


@pytest.mark.parametrize("op", [lambda x: x - 0.1, lambda x: 0.1 * x, lambda x: x / 0.3,
                                lambda x: 0.3 - x, lambda x: x + np.float64(0.1),
                                lambda x: x ** 0.1])
def test_a_python_number_with_a_float64_parameter_keeps_float64_precision(torch, op):
    """The number used to be made in float32 first (0.1 became 0.10000000149...) when the
    tensor was a Tensor subclass such as a Parameter."""
    p = nn.Parameter(ag.tensor([1.0, 0.3], dtype=ag.float64))
    q = torch.nn.Parameter(torch.tensor([1.0, 0.3], dtype=torch.float64))
    ours, theirs = op(p), op(q)
    assert ours.dtype == ag.float64
    np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(p.grad.data, q.grad.numpy())


def test_comparisons_of_a_parameter_with_a_number_use_its_dtype(torch):
    p = nn.Parameter(ag.tensor([0.1, 0.2], dtype=ag.float64))
    q = torch.tensor([0.1, 0.2], dtype=torch.float64)
    for cmp in (lambda x: x == 0.1, lambda x: x > 0.1, lambda x: 0.1 >= x, lambda x: x != 0.2):
        np.testing.assert_array_equal(cmp(p).data, cmp(q).numpy())


def test_median_of_all_elements_shares_its_gradient_among_ties(torch):
    data = [0.1, 0.1, 0.1, 5.0, -1.0, 0.1]
    x = ag.tensor(data, dtype=ag.float64, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    y, u = x.median(), t.median()
    assert y.item() == u.item() == 0.1  # the value is exact, not a mean of the ties
    y.backward()
    u.backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-15)
    single = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    single.median().backward()
    np.testing.assert_array_equal(single.grad.data, [0.0, 0.0, 1.0])


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_kthvalue_sorts_nan_as_the_largest_value(torch, k):
    data = [math.nan, 1.0, -math.inf, 3.0]
    ours = ag.kthvalue(ag.tensor(data, dtype=ag.float64), k)
    theirs = torch.kthvalue(torch.tensor(data, dtype=torch.float64), k)
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    assert ours.indices.item() == theirs.indices.item()
    # median still propagates NaN, as torch's does
    assert math.isnan(ag.tensor(data).median().item())


@pytest.mark.parametrize("op", ["median", "kthvalue"])
def test_reducing_an_empty_dim_raises_torchs_index_error(torch, op):
    args = (1,) if op == "kthvalue" else ()
    with pytest.raises(IndexError):
        getattr(torch, op)(torch.zeros(2, 0), *args, dim=1)
    with pytest.raises(IndexError, match=f"{op}: Expected reduction dim 1 to have non-zero"):
        getattr(ag, op)(ag.zeros(2, 0), *args, dim=1)


@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_any_and_all_with_an_empty_dim_tuple_reduce_nothing(torch, name, keepdim):
    data = [[1.0, 0.0], [0.0, 0.0]]
    ours = getattr(ag, name)(ag.tensor(data), dim=(), keepdim=keepdim)
    theirs = getattr(torch, name)(torch.tensor(data), dim=(), keepdim=keepdim)
    assert ours.dtype == ag.bool
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_tile_takes_torchs_three_forms(torch):
    x, t = ag.ones(2, 2), torch.ones(2, 2)
    assert x.tile(2, 1).shape == tuple(t.tile(2, 1).shape) == (4, 2)
    assert ag.tile(x, (1, 3)).shape == tuple(torch.tile(t, (1, 3)).shape)
    assert ag.tile(x, dims=(2,)).shape == tuple(torch.tile(t, dims=(2,)).shape)
    with pytest.raises(TypeError, match="tile: give the repeats once"):
        ag.tile(x)


def test_keyword_arguments_torch_accepts(torch):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    index = ag.tensor([[1, 0]])
    np.testing.assert_array_equal(ag.gather(x, 0, index, sparse_grad=False).data,
                                  torch.gather(torch.tensor(x.data), 0, torch.tensor(index.data),
                                               sparse_grad=False).numpy())
    with pytest.raises(NotImplementedError, match="sparse_grad=True"):
        ag.gather(x, 0, index, sparse_grad=True)
    for op in ("new_zeros", "new_ones", "new_empty"):
        assert getattr(x, op)(size=(3,)).shape == (3,)
        with pytest.raises(TypeError):
            getattr(x, op)(2, size=(3,))


def test_new_full_refuses_a_value_an_integer_tensor_cannot_hold(torch):
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).new_full((2,), float("nan"))
    for value in (math.nan, math.inf):
        with pytest.raises(RuntimeError, match="new_full: value cannot be converted"):
            ag.tensor([1, 2]).new_full((2,), value)


def test_strides_of_size_one_dims_are_torchs(torch):
    x, t = ag.zeros(4, 5, 6), torch.zeros(4, 5, 6)
    for ours, theirs in [(x[None], t[None]), (x[:, None], t[:, None]), (x[..., None], t[..., None]),
                         (x[:1], t[:1]), (x[:, :1, ::2], t[:, :1, ::2]),
                         (ag.zeros(1, 1), torch.zeros(1, 1))]:
        assert ours.stride() == theirs.stride()


def test_kron_promotes_a_zero_dim_operand_like_any_other(torch):
    ours = ag.kron(ag.ones(3), ag.tensor(0.5, dtype=ag.float64))
    theirs = torch.kron(torch.ones(3), torch.tensor(0.5, dtype=torch.float64))
    assert str(theirs.dtype) == "torch.float64" and ours.dtype == ag.float64
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("widths", [(-2, 1), (-1, -1), (2, -3), (-1, 1), (1, -1), (0, -1)])
def test_constant_pad_crops_first_as_torch(torch, widths):
    """A crop larger than the dim is refused even when the other side's padding would make
    up for it (it used to return a wrong-shaped result)."""
    try:
        theirs = torch.nn.functional.pad(torch.arange(1.0, 2.0), widths)
    except RuntimeError:
        with pytest.raises(ag.ShapeError, match="pad: padding"):
            ag.pad(ag.arange(1.0, 2.0), widths)
        return
    np.testing.assert_array_equal(ag.pad(ag.arange(1.0, 2.0), widths).data, theirs.numpy())
