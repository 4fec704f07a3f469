"""Losses (nn.loss, re-exported by nn.functional and nn): values and input gradients equal
PyTorch's for every reduction and option, gradcheck over drawn shapes, stability at logits
of +-1000, the error messages, empty batches, and the Modules' repr and state_dict keys."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn import functional as F
from tests.strategies import arrays, shapes

torch = pytest.importorskip("torch")
TF = torch.nn.functional

REDUCTIONS = ["none", "mean", "sum"]
RTOL, ATOL = 1e-10, 1e-12


def rng(seed=0):
    return np.random.default_rng(seed)


def check_parity(ag_fn, torch_fn, arrays_, grads=(0,), rtol=RTOL, atol=ATOL):
    """Run both losses on the same float64 / int64 arrays; the arrays at the positions in
    `grads` require grad. Compare the values and, for one random upstream gradient, every
    input gradient."""
    a_in = [ag.tensor(a, dtype=a.dtype, requires_grad=i in grads) for i, a in enumerate(arrays_)]
    t_in = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays_)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ag_fn(*a_in)
        ref = torch_fn(*t_in)
    assert out.shape == tuple(ref.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    if not grads:
        return out
    g = rng(1).standard_normal(out.shape)
    out.backward(ag.tensor(g, dtype=ag.float64))
    ref.backward(torch.tensor(g))
    for i in grads:
        assert a_in[i].grad is not None, f"no gradient reached input {i}"
        np.testing.assert_allclose(a_in[i].grad.data, t_in[i].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of input {i}")
    return out


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64,
                     requires_grad=requires_grad)


# --- parity: regression losses ---

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [
    ("mse_loss", {}), ("l1_loss", {}),
    ("smooth_l1_loss", {"beta": 1.0}), ("smooth_l1_loss", {"beta": 0.3}),
    ("smooth_l1_loss", {"beta": 0.0}),
    ("huber_loss", {"delta": 1.0}), ("huber_loss", {"delta": 0.3}),
    ("huber_loss", {"delta": 2.5}),
])
def test_regression_losses_match_torch(name, kwargs, reduction):
    r = rng()
    x, t = r.normal(size=(5, 3)) * 2, r.normal(size=(5, 3))
    check_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kwargs),
                 lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kwargs),
                 [x, t], grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weighted_regression_losses_match_torch(name, reduction):
    r = rng()
    x, t, w = r.normal(size=(4, 3)), r.normal(size=(4, 3)), r.uniform(0.1, 2, size=(4, 3))
    check_parity(lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
                 lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
                 [x, t, w], grads=(0, 1, 2))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_broadcast_with_torch_warning(name):
    r = rng()
    x, t = r.normal(size=(4, 3)), r.normal(size=(3,))
    with pytest.warns(UserWarning, match=rf"{name}: using a target size \(3,\) that is "
                                         r"different to the input size \(4, 3\)"):
        getattr(F, name)(f64(x), f64(t))
    out = check_parity(getattr(F, name), getattr(TF, name), [x, t], grads=(0, 1))
    assert out.shape == ()


def test_smooth_l1_and_huber_relation():
    # huber(delta) = delta * smooth_l1(beta=delta), the documented link between the two
    r = rng()
    x, t = f64(r.normal(size=10) * 3), f64(r.normal(size=10))
    for d in (0.5, 1.0, 2.0):
        np.testing.assert_allclose(F.huber_loss(x, t, delta=d).data,
                                   d * F.smooth_l1_loss(x, t, beta=d).data, rtol=1e-12)


# --- parity: cross entropy and nll ---

CE_LAYOUTS = [((6, 4), (6,)), ((2, 4, 3, 2), (2, 3, 2)), ((4,), ())]


def _index_targets(target_shape, num_classes, ignore_index, seed=0):
    t = rng(seed).integers(0, num_classes, size=target_shape)
    if ignore_index >= 0 and t.size:
        t.flat[::3] = ignore_index  # a class index: ignored wherever it occurs
    elif t.size > 1:
        t.flat[::4] = ignore_index
    return np.asarray(t, dtype=np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout,weighted,ignore_index,smoothing", list(itertools.product(
    CE_LAYOUTS, [False, True], [-100, 1], [0.0, 0.25])))
def test_cross_entropy_class_indices_match_torch(layout, weighted, ignore_index, smoothing,
                                                  reduction):
    in_shape, t_shape = layout
    c = in_shape[0] if len(in_shape) == 1 else in_shape[1]
    x = rng().normal(size=in_shape) * 3
    t = _index_targets(t_shape, c, ignore_index)
    w = rng(2).uniform(0.2, 2.0, size=c)
    arrays_ = [x, t] + ([w] if weighted else [])
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    check_parity(lambda a, b, *w_: F.cross_entropy(a, b, *w_, **kw),
                 lambda a, b, *w_: TF.cross_entropy(a, b, *w_, **kw), arrays_)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("in_shape,weighted,smoothing", list(itertools.product(
    [(6, 4), (2, 4, 3), (4,)], [False, True], [0.0, 0.3])))
def test_cross_entropy_class_probabilities_match_torch(in_shape, weighted, smoothing,
                                                        reduction):
    cdim = 0 if len(in_shape) == 1 else 1
    x = rng().normal(size=in_shape) * 3
    p = rng(3).uniform(0.1, 1, size=in_shape)
    p = p / p.sum(axis=cdim, keepdims=True)
    w = rng(2).uniform(0.2, 2.0, size=in_shape[cdim])
    arrays_ = [x, p] + ([w] if weighted else [])
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    check_parity(lambda a, b, *w_: F.cross_entropy(a, b, *w_, **kw),
                 lambda a, b, *w_: TF.cross_entropy(a, b, *w_, **kw), arrays_, grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout,weighted,ignore_index", list(itertools.product(
    CE_LAYOUTS, [False, True], [-100, 2])))
def test_nll_loss_matches_torch(layout, weighted, ignore_index, reduction):
    in_shape, t_shape = layout
    cdim = 0 if len(in_shape) == 1 else 1
    c = in_shape[cdim]
    x = torch.log_softmax(torch.tensor(rng().normal(size=in_shape)), cdim).numpy()
    t = _index_targets(t_shape, c, ignore_index)
    w = rng(2).uniform(0.2, 2.0, size=c)
    arrays_ = [x, t] + ([w] if weighted else [])
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    check_parity(lambda a, b, *w_: F.nll_loss(a, b, *w_, **kw),
                 lambda a, b, *w_: TF.nll_loss(a, b, *w_, **kw), arrays_)


def test_cross_entropy_is_log_softmax_then_nll():
    x = f64(rng().normal(size=(5, 3)))
    t = ag.tensor(np.array([0, 2, 1, 1, 0]))
    a = F.cross_entropy(x, t, reduction="none")
    b = F.nll_loss(ag.log_softmax(x, dim=1), t, reduction="none")
    np.testing.assert_allclose(a.data, b.data, rtol=1e-14)
    # the values a user could check by hand: -log softmax at the target
    z = x.data - np.log(np.exp(x.data).sum(1, keepdims=True))
    np.testing.assert_allclose(a.data, -z[np.arange(5), t.data], rtol=1e-12)


def test_cross_entropy_records_log_softmax_and_one_nll_node():
    # as in torch: log_softmax, then nll_loss picking, weighting and reducing in one node
    x = f64(rng().normal(size=(4, 3)))
    t = ag.tensor(np.array([0, 2, 1, -100]))
    for kw in ({}, {"reduction": "sum"}, {"reduction": "none"},
               {"weight": f64([1.0, 2.0, 0.5], False)}):
        loss = F.cross_entropy(x, t, **kw)
        assert loss.grad_fn.name == "NllLossBackward"
        assert [p.name for p in loss.grad_fn.parents] == ["LogSoftmaxBackward"]
    # the gradient at a target's class is -w_t (softmax - 1) / sum of the kept weights
    loss = F.cross_entropy(x, t, weight=f64([1.0, 2.0, 0.5], False))
    loss.backward()
    p = np.exp(x.data - np.log(np.exp(x.data).sum(1, keepdims=True)))
    w_t = np.array([1.0, 0.5, 2.0, 0.0])
    onehot = np.eye(3)[[0, 2, 1, 0]]
    expected = w_t[:, None] * (p - onehot) / w_t.sum()
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12, atol=1e-15)


def test_cross_entropy_all_targets_ignored_is_nan_for_mean():
    x = f64(rng().normal(size=(3, 4)))
    t = ag.tensor(np.array([-100, -100, -100]))
    with np.errstate(all="raise"):
        mean = F.cross_entropy(x, t)
        smoothed = F.cross_entropy(x, t, label_smoothing=0.2)
        total = F.cross_entropy(x, t, reduction="sum")
    assert np.isnan(mean.item()) and np.isnan(smoothed.item())
    assert total.item() == 0.0
    assert np.isnan(TF.cross_entropy(torch.tensor(x.data), torch.tensor(t.data)).item())


def test_ignored_target_never_reads_its_entry():
    # nll_loss takes log-probabilities that may be -inf; an ignored row must not turn into nan
    x = f64([[-np.inf, 0.0], [0.0, -np.inf]])
    t = ag.tensor(np.array([1, -100]))
    loss = F.nll_loss(x, t, reduction="sum")
    assert loss.item() == 0.0
    loss.backward()
    assert np.all(np.isfinite(x.grad.data))


# --- parity: binary cross entropy and KL ---

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (3,), (4, 3)])
def test_binary_cross_entropy_matches_torch(weight_shape, reduction):
    r = rng()
    x, t = r.uniform(0.05, 0.95, size=(4, 3)), r.uniform(0, 1, size=(4, 3))
    t[0] = np.round(t[0])
    arrays_ = [x, t] + ([r.uniform(0.2, 2, size=weight_shape)] if weight_shape else [])
    check_parity(lambda a, b, *w: F.binary_cross_entropy(a, b, *w, reduction=reduction),
                 lambda a, b, *w: TF.binary_cross_entropy(a, b, *w, reduction=reduction),
                 arrays_, grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape,pos_shape", list(itertools.product(
    [None, (3,), (4, 3)], [None, (3,)])))
def test_bce_with_logits_matches_torch(weight_shape, pos_shape, reduction):
    r = rng()
    x, t = r.normal(size=(4, 3)) * 4, r.uniform(0, 1, size=(4, 3))
    x[0, 0] = 0.0  # where abs/relu have a kink: the gradient must still be sigmoid(0) - t
    t[1] = np.round(t[1])
    w = r.uniform(0.2, 2, size=weight_shape) if weight_shape else None
    pw = r.uniform(0.2, 3, size=pos_shape) if pos_shape else None
    arrays_ = [x, t] + [a for a in (w, pw) if a is not None]

    def call(fn):
        def run(a, b, *rest):
            rest = list(rest)
            kw = {"weight": rest.pop(0) if w is not None else None,
                  "pos_weight": rest.pop(0) if pw is not None else None}
            return fn(a, b, reduction=reduction, **kw)
        return run

    check_parity(call(F.binary_cross_entropy_with_logits),
                 call(TF.binary_cross_entropy_with_logits), arrays_, grads=(0, 1))


def test_bce_with_logits_gradient_at_zero_logit():
    x = f64([0.0, 0.0])
    F.binary_cross_entropy_with_logits(x, f64([1.0, 0.0], False), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [-0.5, 0.5], rtol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(log_target, reduction):
    r = rng()
    x = torch.log_softmax(torch.tensor(r.normal(size=(4, 5))), 1).numpy()
    p = r.uniform(0.05, 1, size=(4, 5))
    p /= p.sum(1, keepdims=True)
    t = np.log(p) if log_target else p
    check_parity(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                 lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                 [x, t], grads=(0, 1))


def test_kl_div_zero_target_contributes_nothing():
    x = torch.log_softmax(torch.tensor(rng().normal(size=(2, 3))), 1).numpy()
    t = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    out = check_parity(lambda a, b: F.kl_div(a, b, reduction="none"),
                       lambda a, b: TF.kl_div(a, b, reduction="none"), [x, t])
    assert out.data[0, 0] == 0.0 and out.data[1, 1] == 0.0


def test_kl_div_mean_warns_and_averages_over_all_elements():
    x, t = f64(np.full((2, 4), -1.0)), f64(np.full((2, 4), 0.25), False)
    with pytest.warns(UserWarning, match="kl_div: reduction 'mean' divides"):
        mean = F.kl_div(x, t)
    total = F.kl_div(x, t, reduction="sum")
    batchmean = F.kl_div(x, t, reduction="batchmean")
    np.testing.assert_allclose(mean.item(), total.item() / 8, rtol=1e-14)
    np.testing.assert_allclose(batchmean.item(), total.item() / 2, rtol=1e-14)


# --- gradcheck over drawn shapes ---

GC = settings(max_examples=15, deadline=None)


@GC
@given(shape=shapes(max_dims=3), data=st.data(),
       name=st.sampled_from(["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]),
       reduction=st.sampled_from(REDUCTIONS), edge=st.sampled_from([0.5, 1.0]))
def test_gradcheck_regression_losses(shape, data, name, reduction, edge):
    x = data.draw(arrays(shape, salt=0))
    # the difference stays 0.05 away from the kinks at 0 and at +-beta / +-delta
    d = data.draw(arrays(shape, avoid=[0.0, edge, -edge], salt=1))
    kw = {"beta": edge} if name == "smooth_l1_loss" else {"delta": edge} \
        if name == "huber_loss" else {}
    fn = getattr(F, name)
    assert ag.gradcheck(lambda a, b: fn(a, b, reduction=reduction, **kw),
                        (f64(x), f64(x - d)))


@st.composite
def class_problem(draw):
    """(input shape, class dim, number of classes) of a classification loss."""
    layout = draw(st.sampled_from(["unbatched", "batched", "spatial"]))
    c = draw(st.integers(1, 4))
    if layout == "unbatched":
        return (c,), 0, c
    n = draw(st.integers(1, 3))
    extra = draw(shapes(min_dims=1, max_dims=2)) if layout == "spatial" else ()
    return (n, c) + tuple(extra), 1, c


@GC
@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS),
       weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.2]),
       probabilities=st.booleans())
def test_gradcheck_cross_entropy(problem, data, reduction, weighted, smoothing, probabilities):
    in_shape, cdim, c = problem
    x = f64(data.draw(arrays(in_shape, low=-3, high=3)))
    w = f64(rng().uniform(0.5, 2, size=c), False) if weighted else None
    if probabilities:
        p = data.draw(arrays(in_shape, low=0.1, high=1.0, salt=1))
        target = f64(p / p.sum(axis=cdim, keepdims=True))
        inputs = (x, target)
    else:
        t_shape = in_shape[:cdim] + in_shape[cdim + 1:]
        seed = data.draw(st.integers(0, 2 ** 16))
        # every 4th target ignored, never all of them (that mean is nan)
        target = ag.tensor(_index_targets(t_shape, c, -100, seed))
        inputs = (x, target)
    assert ag.gradcheck(lambda a, b: F.cross_entropy(a, b, w, reduction=reduction,
                                                     label_smoothing=smoothing), inputs)


@GC
@given(problem=class_problem(), data=st.data(), reduction=st.sampled_from(REDUCTIONS),
       weighted=st.booleans())
def test_gradcheck_nll_loss(problem, data, reduction, weighted):
    in_shape, cdim, c = problem
    x = f64(data.draw(arrays(in_shape, low=-3, high=0)))
    t_shape = in_shape[:cdim] + in_shape[cdim + 1:]
    t = ag.tensor(rng(data.draw(st.integers(0, 99))).integers(0, c, size=t_shape))
    w = f64(rng().uniform(0.5, 2, size=c), False) if weighted else None
    assert ag.gradcheck(lambda a: F.nll_loss(a, t, w, reduction=reduction), (x,))


@GC
@given(shape=shapes(max_dims=3), data=st.data(), reduction=st.sampled_from(REDUCTIONS),
       logits=st.booleans(), weighted=st.booleans())
def test_gradcheck_binary_cross_entropy(shape, data, reduction, logits, weighted):
    t = f64(data.draw(arrays(shape, low=0.0, high=1.0, salt=1)))
    w = f64(data.draw(arrays(shape, low=0.5, high=2.0, salt=2)), False) if weighted else None
    if logits:
        x = f64(data.draw(arrays(shape, low=-4, high=4)))
        pw = f64(data.draw(arrays(shape[-1:], low=0.5, high=3.0, salt=3)), False)
        fn = lambda a, b: F.binary_cross_entropy_with_logits(  # noqa: E731
            a, b, w, reduction=reduction, pos_weight=pw)
    else:
        x = f64(data.draw(arrays(shape, low=0.05, high=0.95)))
        fn = lambda a, b: F.binary_cross_entropy(a, b, w, reduction=reduction)  # noqa: E731
    assert ag.gradcheck(fn, (x, t))


@GC
@given(shape=shapes(max_dims=3), data=st.data(),
       reduction=st.sampled_from(REDUCTIONS + ["batchmean"]), log_target=st.booleans())
def test_gradcheck_kl_div(shape, data, reduction, log_target):
    x = f64(data.draw(arrays(shape, low=-3, high=0)))
    t = f64(data.draw(arrays(shape, low=0.05, high=1.0, salt=1)))
    if log_target:
        t = f64(np.log(t.data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ag.gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction,
                                                  log_target=log_target), (x, t))


def test_gradgradcheck_cross_entropy_and_bce_with_logits():
    x = f64(rng().normal(size=(3, 4)))
    t = ag.tensor(np.array([0, 3, 1]))
    assert ag.gradgradcheck(lambda a: F.cross_entropy(a, t, label_smoothing=0.1), (x,))
    y = f64(rng().normal(size=(3, 4)))
    p = f64(rng(1).uniform(0, 1, size=(3, 4)), False)
    assert ag.gradgradcheck(lambda a: F.binary_cross_entropy_with_logits(a, p), (y,))


# --- numerical stability ---

def test_cross_entropy_is_finite_at_logits_of_1000():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    t = np.array([1, 0])
    p = np.array([[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])
    w = np.array([1.0, 2.0, 0.5])
    for target in (t, p):
        a = f64(x)
        with np.errstate(all="raise"):
            loss = F.cross_entropy(a, ag.tensor(target), ag.tensor(w), label_smoothing=0.1)
            loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(a.grad.data))
        ref = TF.cross_entropy(torch.tensor(x), torch.tensor(target), torch.tensor(w),
                               label_smoothing=0.1)
        np.testing.assert_allclose(loss.item(), ref.item(), rtol=RTOL)


def test_bce_with_logits_is_finite_at_logits_of_1000():
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    pw = np.array([3.0])
    a, b = f64(x), torch.tensor(x, requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.binary_cross_entropy_with_logits(a, f64(t, False), pos_weight=f64(pw, False),
                                                  reduction="none")
        loss.sum().backward()
    ref = TF.binary_cross_entropy_with_logits(b, torch.tensor(t), pos_weight=torch.tensor(pw),
                                              reduction="none")
    ref.sum().backward()
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(loss.data[:4], [0.0, 0.0, 1000.0, 3000.0], rtol=1e-12)
    # d/dx = (1 + (p - 1) t) sigmoid(x) - p t: 0, 0, 1, -3 and, at x = 0, 2 / 2 - 1.5
    np.testing.assert_allclose(a.grad.data, [0.0, 0.0, 1.0, -3.0, -0.5], atol=1e-12)
    np.testing.assert_allclose(a.grad.data, b.grad.numpy(), atol=1e-12)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    a = f64(x)
    with np.errstate(all="raise"):
        loss = F.binary_cross_entropy(a, f64(t, False), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0])
    ref = TF.binary_cross_entropy(torch.tensor(x), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(loss.data, ref.numpy())
    assert np.all(np.isfinite(a.grad.data))


def test_float32_losses_stay_float32():
    x = ag.tensor(np.array([[1000.0, -1000.0]], dtype=np.float32), requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, ag.tensor(np.array([1])))
        loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    assert loss.item() == pytest.approx(2000.0)


# --- errors ---

def test_cross_entropy_target_out_of_range():
    x = f64(np.zeros((3, 5)))
    with pytest.raises(IndexError, match="cross_entropy: target 7 is out of bounds for 5 "
                                         "classes"):
        F.cross_entropy(x, ag.tensor(np.array([0, 7, 1])))
    with pytest.raises(IndexError, match="nll_loss: target -1 is out of bounds for 5 classes"):
        F.nll_loss(x, ag.tensor(np.array([0, -1, 1])))
    # the ignored value itself is fine, even when it is not a class
    assert np.isfinite(F.cross_entropy(x, ag.tensor(np.array([0, -100, 1]))).item())


def test_classification_shape_errors_name_both_shapes():
    x = f64(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"cross_entropy: input of shape \(3, 5\) needs "
                                         r"class-index targets of shape \(3,\).*got target "
                                         r"of shape \(2,\)"):
        F.cross_entropy(x, ag.tensor(np.array([0, 1])))
    with pytest.raises(ValueError, match=r"nll_loss: input of shape \(3, 5\) .* \(3, 2\)"):
        F.nll_loss(x, ag.tensor(np.zeros((3, 2), dtype=np.int64)))
    with pytest.raises(ValueError, match=r"cross_entropy: input of shape \(\) has no class"):
        F.cross_entropy(f64(1.0), ag.tensor(0))
    with pytest.raises(ValueError, match=r"cross_entropy: weight should hold one value for "
                                         r"each of the 5 classes, got shape \(3,\)"):
        F.cross_entropy(x, ag.tensor(np.array([0, 1, 2])), weight=f64(np.ones(3), False))


def test_classification_target_dtype_errors():
    x = f64(np.zeros((3, 5)))
    with pytest.raises(TypeError, match="cross_entropy: class-index target must have an "
                                        "integer dtype, got float64"):
        F.cross_entropy(x, f64(np.zeros(3), False))
    with pytest.raises(TypeError, match=r"cross_entropy: a target of the input's shape "
                                        r"\(3, 5\) holds class probabilities"):
        F.cross_entropy(x, ag.tensor(np.zeros((3, 5), dtype=np.int64)))


def test_pointwise_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: input of shape \(3, 2\) and target of "
                                         r"shape \(3,\) cannot be broadcast"):
        F.mse_loss(f64(np.zeros((3, 2))), f64(np.zeros(3)))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(3,\) must "
                                         r"have the shape of input \(3, 1\)"):
        F.binary_cross_entropy(f64(np.zeros((3, 1))), f64(np.zeros(3)))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: pos_weight of "
                                         r"shape \(4,\) cannot be broadcast to the input's "
                                         r"shape \(2, 3\)"):
        F.binary_cross_entropy_with_logits(f64(np.zeros((2, 3))), f64(np.zeros((2, 3))),
                                           pos_weight=f64(np.ones(4)))
    with pytest.raises(ValueError, match=r"l1_loss: weight of shape \(3,\) must have the shape "
                                         r"of input \(2, 3\)"):
        F.l1_loss(f64(np.zeros((2, 3))), f64(np.zeros((2, 3))), weight=f64(np.ones(3)))


def test_value_errors():
    x = f64(np.full(3, 0.5))
    with pytest.raises(ValueError, match="mse_loss: x is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="x")
    with pytest.raises(ValueError, match="cross_entropy: avg is not a valid value for "
                                         "reduction"):
        F.cross_entropy(f64(np.zeros((2, 3))), ag.tensor(np.array([0, 1])), reduction="avg")
    with pytest.raises(ValueError, match="batchmean is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="binary_cross_entropy: all elements of input should "
                                         "be between 0 and 1"):
        F.binary_cross_entropy(f64([0.5, 1.5]), f64([0.0, 1.0]))
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must be >= 0, got -1"):
        F.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(ValueError, match="huber_loss: delta must be > 0, got 0"):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must be between 0.0 "
                                         "and 1.0, got 1.5"):
        F.cross_entropy(f64(np.zeros((2, 3))), ag.tensor(np.array([0, 1])),
                        label_smoothing=1.5)
    with pytest.raises(TypeError, match="mse_loss: target must be a Tensor, got list"):
        F.mse_loss(x, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="CrossEntropyLoss: x is not a valid value for "
                                         "reduction"):
        nn.CrossEntropyLoss(reduction="x")


# --- empty batches ---

@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "kl_div", "cross_entropy", "nll_loss", "cross_entropy_probs"])
def test_empty_batch(name):
    if name in ("cross_entropy", "nll_loss"):
        x, t = np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
    elif name == "cross_entropy_probs":
        x, t = np.zeros((0, 4)), np.zeros((0, 4))
    else:
        x, t = np.zeros((0, 3)), np.zeros((0, 3))
    fn = getattr(F, name.replace("_probs", ""))
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean = fn(f64(x), ag.tensor(t, dtype=t.dtype))
        total = fn(f64(x), ag.tensor(t, dtype=t.dtype), reduction="sum")
        none = fn(f64(x), ag.tensor(t, dtype=t.dtype), reduction="none")
        a = f64(x)
        fn(a, ag.tensor(t, dtype=t.dtype), reduction="sum").backward()
    assert np.isnan(mean.item())
    assert total.item() == 0.0
    classification = name in ("cross_entropy", "nll_loss", "cross_entropy_probs")
    assert none.shape == ((0,) if classification else x.shape)
    assert a.grad.shape == x.shape
    torch_fn = getattr(TF, name.replace("_probs", ""))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert tuple(torch_fn(torch.tensor(x), torch.tensor(t), reduction="none").shape) \
            == none.shape


def test_kl_div_batchmean_of_empty_batch_is_nan():
    assert np.isnan(F.kl_div(f64(np.zeros((0, 3))), f64(np.zeros((0, 3))),
                             reduction="batchmean").item())


# --- Modules ---

def _module_pairs():
    w, pw = np.array([1.0, 2.0, 0.5]), np.array([2.0, 1.0, 1.0])
    a = lambda v: ag.tensor(v, dtype=ag.float64)  # noqa: E731
    return [
        (nn.MSELoss(), torch.nn.MSELoss()),
        (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum")),
        (nn.SmoothL1Loss(beta=0.5), torch.nn.SmoothL1Loss(beta=0.5)),
        (nn.HuberLoss(delta=2.0, reduction="none"), torch.nn.HuberLoss(delta=2.0,
                                                                       reduction="none")),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
        (nn.CrossEntropyLoss(weight=a(w), ignore_index=1, label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1,
                                   label_smoothing=0.1)),
        (nn.NLLLoss(weight=a(w)), torch.nn.NLLLoss(weight=torch.tensor(w))),
        (nn.BCELoss(), torch.nn.BCELoss()),
        (nn.BCELoss(weight=a(w)), torch.nn.BCELoss(weight=torch.tensor(w))),
        (nn.BCEWithLogitsLoss(pos_weight=a(pw)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pw))),
        (nn.BCEWithLogitsLoss(weight=a(w), pos_weight=a(pw)),
         torch.nn.BCEWithLogitsLoss(weight=torch.tensor(w), pos_weight=torch.tensor(pw))),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True)),
    ]


@pytest.mark.parametrize("ours,theirs", _module_pairs(), ids=lambda m: repr(m))
def test_module_repr_state_dict_and_forward_match_torch(ours, theirs):
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours._buffers) == list(theirs._buffers)
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].data, value.numpy())
    assert ours.reduction == theirs.reduction
    r = rng()
    name = type(ours).__name__
    if name in ("CrossEntropyLoss", "NLLLoss"):
        x = r.normal(size=(4, 3))
        if name == "NLLLoss":
            x = torch.log_softmax(torch.tensor(x), 1).numpy()
        arrays_ = [x, np.array([0, 2, 1, 1])]
    elif name == "BCELoss":
        arrays_ = [r.uniform(0.1, 0.9, size=(4, 3)), r.uniform(size=(4, 3))]
    elif name == "KLDivLoss":
        arrays_ = [np.log(np.full((4, 3), 1 / 3)), np.log(r.dirichlet(np.ones(3), size=4))]
    else:
        arrays_ = [r.normal(size=(4, 3)), r.normal(size=(4, 3))]
    check_parity(ours, theirs, arrays_)


def test_modules_are_exported_and_functional_forms_reexported():
    for name in ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss",
                 "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss"]:
        assert name in nn.__all__ and issubclass(getattr(nn, name), nn.Module)
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy",
                 "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                 "kl_div"]:
        assert getattr(F, name) is getattr(nn.loss, name)


def test_module_weight_buffer_follows_load_state_dict():
    loss = nn.CrossEntropyLoss(weight=f64(np.ones(3), False))
    x, t = f64(rng().normal(size=(2, 3))), ag.tensor(np.array([0, 2]))
    before = loss(x, t).item()
    loss.load_state_dict({"weight": f64([1.0, 1.0, 3.0], False)})
    after = loss(x, t).item()
    ref = TF.cross_entropy(torch.tensor(x.data), torch.tensor(t.data),
                           torch.tensor([1.0, 1.0, 3.0], dtype=torch.float64))
    assert after != before
    np.testing.assert_allclose(after, ref.item(), rtol=1e-12)


@pytest.mark.parametrize("size_average,reduce,expected", [
    (False, None, "sum"), (None, False, "none"), (True, True, "mean")])
def test_legacy_size_average_and_reduce(size_average, reduce, expected):
    with pytest.warns(UserWarning, match=f"please use reduction='{expected}'"):
        ours = nn.MSELoss(size_average=size_average, reduce=reduce)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction == expected
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.cross_entropy(f64(np.zeros((2, 3))), ag.tensor(np.array([0, 1])),
                              size_average=size_average, reduce=reduce)
    assert out.shape == ((2,) if expected == "none" else ())


def test_positional_arguments_follow_torch_signatures():
    # cross_entropy(input, target, weight, size_average, ignore_index, ...) as in PyTorch
    x, t = np.zeros((3, 4)), np.array([0, 1, 2])
    ours = F.cross_entropy(f64(x), ag.tensor(t), None, None, 1)
    theirs = TF.cross_entropy(torch.tensor(x), torch.tensor(t), None, None, 1)
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    assert ours.item() == pytest.approx(np.log(4))
