"""In-place ops: values, version counter, the leaf rule, no_grad updates, detection of
saved tensors changed before backward, and gradients through in-place ops on non-leaves."""

import numpy as np
import pytest

import autograd_core as ag

LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation"
INPLACE_MSG = "modified by an inplace operation"


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _t(a, dtype=ag.float64, requires_grad=False):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


# name, how to apply it, expected result from [[1, -2, 3], [-4, 5, -6]]
BASE = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, -6.0]])
INPLACE = [
    ("add_", lambda t: t.add_(2.0), BASE + 2),
    ("add_alpha", lambda t: t.add_(_t([1.0, 2.0, 3.0]), alpha=2), BASE + [2.0, 4.0, 6.0]),
    ("sub_", lambda t: t.sub_(_t([[1.0], [2.0]])), BASE - [[1.0], [2.0]]),
    ("sub_alpha", lambda t: t.sub_(1.0, alpha=3), BASE - 3),
    ("mul_", lambda t: t.mul_(_t([1.0, 0.5, 2.0])), BASE * [1.0, 0.5, 2.0]),
    ("div_", lambda t: t.div_(4.0), BASE / 4),
    ("zero_", lambda t: t.zero_(), np.zeros((2, 3))),
    ("fill_", lambda t: t.fill_(7.5), np.full((2, 3), 7.5)),
    ("copy_", lambda t: t.copy_(_t([9.0, 8.0, 7.0])), np.array([[9.0, 8.0, 7.0]] * 2)),
    ("copy_array", lambda t: t.copy_(np.arange(6.0).reshape(2, 3)), np.arange(6.0).reshape(2, 3)),
    ("clamp_", lambda t: t.clamp_(-3.0, 2.0), np.clip(BASE, -3.0, 2.0)),
    ("clamp_min", lambda t: t.clamp_(min=0.0), np.maximum(BASE, 0.0)),
    ("iadd", lambda t: t.__iadd__(1.0), BASE + 1),
    ("isub", lambda t: t.__isub__(_t([1.0, 1.0, 1.0])), BASE - 1),
    ("imul", lambda t: t.__imul__(3.0), BASE * 3),
    ("itruediv", lambda t: t.__itruediv__(2.0), BASE / 2),
    ("setitem_int", lambda t: t.__setitem__(0, 0.0), np.array([[0.0] * 3, [-4.0, 5.0, -6.0]])),
    ("setitem_slice", lambda t: t.__setitem__((slice(None), 1), _t([10.0, 20.0])),
     np.array([[1.0, 10.0, 3.0], [-4.0, 20.0, -6.0]])),
    ("setitem_mask", lambda t: t.__setitem__(t < 0, 0.0), np.maximum(BASE, 0.0)),
    ("setitem_array", lambda t: t.__setitem__(([0, 1], [2, 0]), _t([-1.0, -1.0])),
     np.array([[1.0, -2.0, -1.0], [-1.0, 5.0, -6.0]])),
]


@pytest.mark.parametrize("name, apply, want", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_op_modifies_the_tensor_and_bumps_its_version(name, apply, want):
    t = _t(BASE)
    data = t.data
    assert t._version == 0
    out = apply(t)
    if out is not None:
        assert out is t
    assert t.data is data  # the same array, written in place
    np.testing.assert_allclose(t.data, want)
    assert t._version == 1
    apply(t)
    assert t._version == 2


@pytest.mark.parametrize("name, apply, want", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_op_on_leaf_requiring_grad_raises(name, apply, want):
    w = _t(BASE, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        apply(w)
    np.testing.assert_array_equal(w.data, BASE)
    assert w._version == 0
    assert w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("name, apply, want", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_op_on_leaf_requiring_grad_works_under_no_grad(name, apply, want):
    w = _t(BASE, requires_grad=True)
    with ag.no_grad():
        apply(w)
    np.testing.assert_allclose(w.data, want)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version == 1


def test_augmented_assignment_keeps_the_same_object():
    t = _t([1.0, 2.0])
    ident = id(t)
    t += 1
    t *= 2
    t -= 1
    t /= 3
    assert id(t) == ident
    np.testing.assert_allclose(t.data, [1.0, 5.0 / 3.0])
    assert t._version == 4


def test_inplace_ops_match_torch(torch):
    a = np.array([[0.5, -1.0, 2.0], [3.0, -0.25, 1.0]])
    t, tt = _t(a), torch.tensor(a)
    for f in (lambda x: x.add_(1.5), lambda x: x.mul_(-2.0), lambda x: x.sub_(0.5, alpha=2),
              lambda x: x.div_(3.0), lambda x: x.clamp_(-1.0, 1.0)):
        f(t)
        f(tt)
    np.testing.assert_allclose(t.data, tt.numpy())
    assert t._version == tt._version


def test_sgd_update_under_no_grad_works():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    lr = 0.1
    for _ in range(2):
        (w * w).sum().backward()
        with ag.no_grad():
            w -= lr * w.grad
        w.grad = None
    np.testing.assert_allclose(w.data, [0.64, 1.28], rtol=1e-6)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_uniform_and_normal_fill_in_place_reproducibly():
    t = ag.zeros(10_000)
    ag.manual_seed(5)
    t.uniform_(-2.0, 3.0)
    assert t.data.min() >= -2.0 and t.data.max() < 3.0
    assert abs(t.data.mean() - 0.5) < 0.1
    assert t._version == 1
    first = t.data.copy()
    ag.manual_seed(5)
    t.uniform_(-2.0, 3.0)
    np.testing.assert_array_equal(t.data, first)
    t.normal_(4.0, 0.5)
    assert abs(t.data.mean() - 4.0) < 0.05 and abs(t.data.std() - 0.5) < 0.05
    assert t.dtype == ag.float32
    assert t._version == 3


def test_uniform_and_normal_on_leaf_requiring_grad_raise():
    w = ag.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        w.uniform_()
    with pytest.raises(RuntimeError, match=LEAF_MSG):
        w.normal_()
    with ag.no_grad():
        w.normal_()
    assert w.requires_grad and w.is_leaf


def test_inplace_on_basic_view_writes_through_to_base_and_shares_version():
    a = ag.zeros(2, 3)
    row = a[0]
    row.add_(1.0)
    np.testing.assert_array_equal(a.data, [[1, 1, 1], [0, 0, 0]])
    assert a._version == 1 and row._version == 1
    a[1, 2] = 5.0
    assert row._version == 2


def test_inplace_division_of_an_int_tensor_raises():
    t = ag.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        t.div_(2)
    assert t.tolist() == [1, 2, 3]


def test_inplace_op_that_would_change_the_shape_raises():
    t = ag.ones(2, 1)
    with pytest.raises(ValueError, match=r"output with shape \(2, 1\) doesn't match the "
                                         r"broadcast shape \(2, 3\)"):
        t.add_(ag.ones(3))
    assert t._version == 0


# --- detecting changes to tensors saved for backward ---

def test_changing_a_saved_input_under_no_grad_is_detected_at_backward():
    a = _t([1.0, 2.0], requires_grad=True)
    b = _t([3.0, 4.0], requires_grad=True)
    z = a * b
    with ag.no_grad():
        a.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        z.sum().backward()
    assert a.grad is None and b.grad is None


def test_changing_a_saved_output_is_detected_at_backward(torch):
    x = _t([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)  # a non-leaf: recorded, but ExpBackward saved y itself
    with pytest.raises(RuntimeError, match=INPLACE_MSG) as info:
        y.sum().backward()
    assert "version" in str(info.value)
    assert "ExpBackward" in str(info.value)
    assert x.grad is None
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx.exp()
    ty.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        ty.sum().backward()


def test_changing_a_saved_output_under_no_grad_is_detected():
    x = _t([1.0, 2.0], requires_grad=True)
    y = x.tanh()
    loss = y.sum()
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        loss.backward()


def test_changing_a_saved_non_leaf_input_is_detected():
    x = _t([1.0, 2.0], requires_grad=True)
    h = x * 2
    z = h * h
    h.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        z.sum().backward()
    assert x.grad is None


def test_changing_a_leaf_through_detach_is_detected():
    x = _t([1.0, 2.0], requires_grad=True)
    y = x.sin()
    x.detach().add_(1)
    assert x._version == 1
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        y.sum().backward()


def test_changing_a_tensor_no_node_saved_is_fine():
    x = _t([1.0, 2.0], requires_grad=True)
    y = x + 1  # Add saves nothing
    with ag.no_grad():
        x.mul_(10)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_changing_a_saved_tensor_after_backward_with_retain_graph_is_detected_next_time():
    x = _t([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    with ag.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


# --- gradients through in-place ops on non-leaves ---

def test_iadd_on_non_leaf_gives_right_gradient():
    x = _t([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h += 1
    assert not h.is_leaf and h._version == 1
    np.testing.assert_array_equal(h.data, [3.0, 5.0, 7.0])
    h.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_setitem_zero_on_non_leaf_zeroes_that_gradient():
    x = _t([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2
    h[0] = 0
    np.testing.assert_array_equal(h.data, [0.0, 4.0, 6.0])
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 16.0, 24.0])


def test_setitem_with_a_value_that_requires_grad(torch):
    a, v = np.arange(6.0).reshape(2, 3), np.array([10.0, 20.0])
    x, val = _t(a, requires_grad=True), _t(v, requires_grad=True)
    h = x * 1.5
    h[:, 1] = val * val
    (h * h).sum().backward()
    tx, tv = torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)
    th = tx * 1.5
    th[:, 1] = tv * tv
    (th * th).sum().backward()
    np.testing.assert_allclose(h.data, th.detach().numpy())
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
    np.testing.assert_allclose(val.grad.data, tv.grad.numpy())


def test_chain_of_inplace_ops_on_non_leaf_matches_torch(torch):
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.5, 2.0, -0.5])
    x, w = _t(a, requires_grad=True), _t(b, requires_grad=True)
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    outs = []
    for X, W in ((x, w), (tx, tw)):
        h = X * 2
        h.mul_(W)
        h.sub_(1.0)
        h.div_(W)
        h.add_(X, alpha=3)
        h.clamp_(min=-2.0)
        h *= 0.5
        h[1] = 0.0
        (h.exp() * X).sum().backward()
        outs.append(h)
    np.testing.assert_allclose(outs[0].data, outs[1].detach().numpy())
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy(), rtol=1e-10)


def test_inplace_on_non_leaf_updates_grad_fn_and_version():
    x = _t([1.0, 2.0], requires_grad=True)
    h = x * 2
    first = h.grad_fn
    h.add_(1)
    assert h.grad_fn is not first
    assert h.grad_fn.name == "AddBackward"
    assert h.grad_fn.next_functions[0][0] is first


def test_copy_into_non_leaf_from_tensor_requiring_grad(torch):
    x = _t([1.0, 2.0], requires_grad=True)
    src = _t([5.0, 7.0], requires_grad=True)
    h = x * 3
    h.copy_(src * 2)
    np.testing.assert_array_equal(h.data, [10.0, 14.0])
    h.sum().backward()
    np.testing.assert_array_equal(src.grad.data, [2.0, 2.0])
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 3
    th.copy_(torch.tensor([5.0, 7.0]) * 2)
    th.sum().backward()
    assert x.grad is not None, "torch gives the overwritten history a zero gradient"
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("fill", [lambda h: h.zero_(), lambda h: h.fill_(2.0)],
                         ids=["zero_", "fill_"])
def test_fill_on_non_leaf_keeps_it_in_the_graph_with_zero_grad(torch, fill):
    x = _t([1.0, 2.0], requires_grad=True)
    h = x * 3
    fill(h)
    assert h.requires_grad and h.grad_fn is not None
    h.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 3
    fill(th)
    th.sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


def test_mul_by_itself_in_place_on_non_leaf_is_detected_like_torch(torch):
    x = _t([1.0, 2.0], requires_grad=True)
    h = x * 2
    h *= h
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        h.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    th = tx * 2
    th *= th
    with pytest.raises(RuntimeError, match=INPLACE_MSG):
        th.sum().backward()


def test_inplace_on_tensor_without_grad_using_value_with_grad_makes_it_require_grad():
    t = _t([1.0, 2.0])
    w = _t([3.0, 4.0], requires_grad=True)
    t.mul_(w)
    assert t.requires_grad and t.grad_fn is not None
    t.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0])


# --- in-place changes through views of a tensor in a graph (torch's CopySlices) ---

VIEW_CHANGES = {
    "iadd row": lambda lib, x, y: y[0].__iadd__(1),
    "augmented item": lambda lib, x, y: y.__setitem__(0, y[0] * 1) or _aug(y),
    "zero_ column": lambda lib, x, y: y[:, 1].zero_(),
    "mul_ row": lambda lib, x, y: y[0].mul_(5),
    "add_ leaf value": lambda lib, x, y: y[1].add_(x[0] * 2),
    "base changed after the view": lambda lib, x, y: (lambda v: (y.mul_(2), v.add_(x[0])))(
        y[1]),
    "ellipsis slice": lambda lib, x, y: y[..., 1:].div_(3),
    "clamp_ of a block": lambda lib, x, y: y[:, :2].clamp_(min=1.5, max=4.5),
    "setitem into a view": lambda lib, x, y: y[1].__setitem__(slice(0, 2), x[0, 1:] ** 2),
    "view used after the change": lambda lib, x, y: _use_after(y),
}


def _aug(y):
    row = y[1]
    row += y[0]  # Python's y[1] += ...: the view changed in place, then written back


def _use_after(y):
    v = y[0]
    v.mul_(3)
    y[1].add_(v * 2)  # the changed view as an operand of the next change


@pytest.mark.parametrize("name", sorted(VIEW_CHANGES))
def test_in_place_change_of_a_view_reaches_the_base_like_torch(name):
    """y = x * 1; an in-place op on a view of y (y[0] += 1, y[:, 1].zero_()): the change is
    recorded in y's graph, as torch records it, so y's values and x's gradient agree."""
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])

    def run(lib, make):
        x = make(a)
        y = x * 1
        VIEW_CHANGES[name](lib, x, y)
        (y * y * (1 + y)).sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    _same_as_torch(torch, a, run)


def test_in_place_change_of_a_view_bumps_versions_and_keeps_checks():
    """The base moves to the end of the graph (its version goes up), and what was saved
    before the change is still checked: y * y then y[0].mul_(2) fails at backward, as in
    torch."""
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    z = y * y
    v = y[0]
    v.mul_(2)
    assert y._version == 1 and v._version == 1
    assert y.grad_fn.name != "MulBackward"  # y's node is now the write into it
    np.testing.assert_array_equal(y.numpy(), [[2.0, 4.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_unsupported_view_changes_are_refused_clearly():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0].add_(1)  # a view of a leaf that requires grad: refused, as in torch
    y = x * 1
    with pytest.raises(RuntimeError, match="only views made by basic indexing"):
        y.t().mul_(2)  # a transposed view: not supported here (torch supports it)
    with pytest.raises(RuntimeError, match="only views made by basic indexing"):
        y[0][1:].mul_(2)  # a view of a view
    np.testing.assert_array_equal(y.numpy(), x.numpy())  # nothing was written


STALE_VIEWS = {
    "base scaled": lambda y, v: y.mul_(2),
    "base overwritten": lambda y, v: y.copy_(y * 0 + 5),
    "base's row set": lambda y, v: y.__setitem__(0, y[1] * 3),
    "sibling view changed": lambda y, v: y[:, :2].mul_(4),
    "changed under no_grad": lambda y, v: _no_grad_change(y),
}


def _no_grad_change(y):
    with ag.no_grad():
        y.add_(1)


@pytest.mark.parametrize("name", sorted(STALE_VIEWS))
def test_a_view_follows_in_place_changes_of_its_base_like_torch(name):
    """v = y[:, 1:] made before y changes in place: used afterwards, v stands for the
    changed y (torch regenerates a view's grad_fn), so the gradient goes through the
    change; a use of v from before the change keeps the old path."""
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def run(lib, make):
        x = make(a)
        y = x * 1
        v = y[:, 1:]
        before = (v * 2).sum()  # saves only the constant: v may change afterwards
        STALE_VIEWS[name](y, v)
        (before + (v * v).sum() + v.sum()).backward()
        return v.detach().numpy(), x.grad.numpy()

    _same_as_torch(torch, a, run)


def test_a_stale_view_as_backward_root_and_a_view_that_cannot_follow():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    y.mul_(2)
    v.backward(ag.ones(2))  # the root itself was made before the change
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0])
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
    t = w.t()
    w.mul_(2)
    with pytest.raises(RuntimeError, match="cannot follow the change"):
        t.sum()  # a transposed view: an error, never a wrong gradient


@pytest.mark.parametrize("data, value", [([1, 2], 1.7), ([1, 2], -2.9), ([True, False], 0),
                                         ([1.5, 2.5], 3), ([1.5, 2.5], True)])
def test_fill_converts_a_number_to_the_tensors_dtype_like_torch(torch, data, value):
    ours = ag.tensor(data).fill_(value)
    theirs = torch.tensor(data).fill_(value)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _same_as_torch(torch, a, run):
    """run(lib, make) on a float64 leaf made from a, with ours and with torch: every array
    it returns must agree."""
    ours = run(ag, lambda arr: ag.tensor(arr, dtype=ag.float64, requires_grad=True))
    theirs = run(torch, lambda arr: torch.tensor(arr, requires_grad=True))
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o, t, rtol=1e-12)
