"""Tensor.new_* factories, memory-layout queries and ag.inference_mode, against torch."""

import numpy as np
import pytest

import autograd_core as ag

TORCH_DTYPE = {ag.float32: "float32", ag.float64: "float64", ag.int64: "int64", ag.bool: "bool"}


def _same_dtype(ours, theirs):
    assert TORCH_DTYPE[ours.dtype] == str(theirs.dtype).replace("torch.", "")


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64, ag.int64])
@pytest.mark.parametrize("op, args", [("new_zeros", (2, 3)), ("new_zeros", ((2, 3),)),
                                      ("new_ones", ([4],)), ("new_ones", ((),)),
                                      ("new_empty", (3, 1))])
def test_new_factories_keep_the_dtype_and_take_sizes_as_torch(torch, dtype, op, args):
    x = ag.zeros(2, dtype=dtype)
    tx = torch.zeros(2, dtype=getattr(torch, TORCH_DTYPE[dtype]))
    ours, theirs = getattr(x, op)(*args), getattr(tx, op)(*args)
    assert ours.shape == tuple(theirs.shape)
    _same_dtype(ours, theirs)
    if op != "new_empty":
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_new_full_and_new_tensor_follow_torch_dtype_rules(torch):
    x, tx = ag.tensor([1, 2]), torch.tensor([1, 2])
    ours, theirs = x.new_full((2, 2), 2.5), tx.new_full((2, 2), 2.5)
    _same_dtype(ours, theirs)  # the tensor's int64, not the fill value's float
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    y, ty = ag.ones(2, dtype=ag.float64), torch.ones(2, dtype=torch.float64)
    ours, theirs = y.new_tensor([1, 2]), ty.new_tensor([1, 2])
    _same_dtype(ours, theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert y.new_full((3,), 1, dtype=ag.int64).dtype == ag.int64


def test_new_factories_need_a_size(torch):
    with pytest.raises(TypeError):
        torch.ones(1).new_ones()
    with pytest.raises(TypeError, match=r"new_ones\(\) missing 1 required positional"):
        ag.ones(1).new_ones()


def test_new_factories_make_leaves_that_can_require_grad():
    w = ag.ones(3).new_zeros(2, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad.data, np.full((2, 2), 3.0))
    assert not ag.ones(3, requires_grad=True).new_ones(2).requires_grad  # never inherited


def test_new_factories_refuse_other_devices():
    with pytest.raises(RuntimeError, match="new_zeros: .*CPU only.*cuda"):
        ag.ones(1).new_zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="new_tensor"):
        ag.ones(1).new_tensor([1.0], device="cuda:0")
    assert ag.ones(1).new_ones(2, device="cpu").shape == (2,)


def test_layout_queries_match_torch(torch):
    x = ag.tensor(np.arange(24.0).reshape(2, 3, 4))
    tx = torch.arange(24.0).reshape(2, 3, 4)
    for ours, theirs in [(x, tx), (x.transpose(0, 2), tx.transpose(0, 2)), (x[:, 1], tx[:, 1]),
                         (x[..., ::2], tx[..., ::2]), (x.permute(2, 0, 1), tx.permute(2, 0, 1))]:
        assert ours.is_contiguous() == theirs.is_contiguous()
        assert ours.stride() == theirs.stride()
        assert ours.stride(-1) == theirs.stride(-1)
        assert ours.element_size() == theirs.element_size()
        assert ours.nelement() == theirs.nelement()
    assert ag.zeros(2, dtype=ag.float64).element_size() == 8
    assert ag.zeros(2, dtype=ag.bool).element_size() == 1
    with pytest.raises(IndexError, match="stride"):
        x.stride(3)


def test_data_ptr_tells_shared_memory():
    x = ag.zeros(4, 5)
    assert x.data_ptr() == x.view(20).data_ptr() == x[0].data_ptr()
    assert x[1].data_ptr() - x.data_ptr() == 5 * x.element_size()
    assert x.clone().data_ptr() != x.data_ptr()


def test_inference_mode_records_nothing_in_every_form():
    w = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        assert not ag.is_grad_enabled()
        assert not (w * 2).requires_grad
    assert ag.is_grad_enabled()
    with ag.inference_mode(False):
        assert (w * 2).requires_grad

    @ag.inference_mode
    def bare():
        return w * 2

    @ag.inference_mode()
    def called():
        return w * 2

    @ag.inference_mode(mode=False)
    def off():
        return w * 2

    assert not bare().requires_grad and not called().requires_grad
    assert off().requires_grad
    assert bare.__name__ == "bare"
    with pytest.raises(TypeError, match="inference_mode: mode must be a bool"):
        ag.inference_mode("yes")


def test_inference_mode_restores_the_mode_after_an_error():
    with pytest.raises(ValueError), ag.inference_mode():
        raise ValueError
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with ag.inference_mode(False):
            assert not ag.is_grad_enabled()  # False leaves the mode as it was
