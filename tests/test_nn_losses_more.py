"""The margin, ranking, embedding and likelihood losses and the distances (nn.loss,
nn.distance): values and every input gradient equal PyTorch's in float64 for each reduction
and option, gradcheck, the Modules' repr and state_dict, and the error messages."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F

REDUCTIONS = ["none", "mean", "sum"]


def rng(seed=0):
    return np.random.default_rng(seed)


def check_parity(torch, ours, theirs, arrays, grads=(0,), rtol=1e-10, atol=1e-12):
    """Run both on the same float64 / int64 arrays, those at the positions in `grads`
    requiring grad; compare the values and, for a random upstream gradient, those inputs'
    gradients."""
    a_in = [ag.tensor(a, dtype=a.dtype, requires_grad=i in grads) for i, a in enumerate(arrays)]
    t_in = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ours(*a_in)
        ref = theirs(*t_in)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=rtol, atol=atol)
    g = rng(1).standard_normal(out.shape)
    out.backward(ag.tensor(g, dtype=ag.float64))
    ref.backward(torch.tensor(g))
    for i in grads:
        assert a_in[i].grad is not None, f"no gradient reached input {i}"
        np.testing.assert_allclose(a_in[i].grad.data, t_in[i].grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of input {i}")
    return out


def signs(r, shape):
    return r.choice([-1.0, 1.0], shape)


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), dtype=ag.float64,
                     requires_grad=requires_grad)


# --- parity ---

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, margin", [((6,), 0.0), ((4, 3), 0.5), ((2, 3, 2), -0.2)])
def test_margin_ranking_loss_matches_torch(torch, shape, margin, reduction):
    r = rng()
    a, b, y = r.normal(size=shape), r.normal(size=shape), signs(r, shape)
    check_parity(torch, lambda *t: F.margin_ranking_loss(*t, margin, reduction=reduction),
                 lambda *t: torch.nn.functional.margin_ranking_loss(*t, margin,
                                                                    reduction=reduction),
                 [a, b, y], grads=(0, 1))


def test_margin_ranking_loss_gradient_at_the_kink_matches_torch(torch):
    # -y (a - b) + margin = 0 exactly in the last element: torch's clamp_min passes the
    # gradient there
    a, b, y = np.array([1.0, 2.0, 0.5]), np.array([1.0, 1.0, 0.0]), np.array([1.0, -1.0, 1.0])
    check_parity(torch, lambda *t: F.margin_ranking_loss(*t, 0.5, reduction="sum"),
                 lambda *t: torch.nn.functional.margin_ranking_loss(*t, 0.5, reduction="sum"),
                 [a, b, y], grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, margin", [((7,), 1.0), ((4, 3), 0.5), ((2, 3, 2), 2.0)])
def test_hinge_embedding_loss_matches_torch(torch, shape, margin, reduction):
    r = rng()
    x, y = r.uniform(0, 2.5, shape), signs(r, shape)
    x.flat[0], y.flat[0] = margin, -1.0  # at the kink
    check_parity(torch, lambda *t: F.hinge_embedding_loss(*t, margin, reduction=reduction),
                 lambda *t: torch.nn.functional.hinge_embedding_loss(*t, margin,
                                                                     reduction=reduction),
                 [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7,), (4, 3), (2, 3, 2)])
def test_soft_margin_loss_matches_torch(torch, shape, reduction):
    r = rng()
    x, y = r.normal(size=shape) * 3, signs(r, shape)
    x.flat[:3] = [30.0, -30.0, 0.0]
    y.flat[:2] = [-1.0, -1.0]
    check_parity(torch, lambda *t: F.soft_margin_loss(*t, reduction=reduction),
                 lambda *t: torch.nn.functional.soft_margin_loss(*t, reduction=reduction),
                 [x, y])


def test_soft_margin_loss_is_finite_at_large_margins():
    # torch's log1p(exp(-y x)) overflows to inf at -y x = 800; softplus does not
    x = f64([800.0, -800.0, 800.0])
    with np.errstate(over="raise"):
        loss = F.soft_margin_loss(x, f64([-1.0, 1.0, 1.0], False), reduction="none")
        loss.sum().backward()
    np.testing.assert_allclose(loss.data, [800.0, 800.0, 0.0])
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, weighted", [((5,), False), ((4, 5), False), ((4, 5), True),
                                             ((2, 3, 5), True)])
def test_multilabel_soft_margin_loss_matches_torch(torch, shape, weighted, reduction):
    r = rng()
    x, y = r.normal(size=shape) * 3, r.integers(0, 2, shape).astype(np.float64)
    x.flat[:2] = [500.0, -500.0]
    arrays = [x, y] + ([r.uniform(0.5, 2, shape[-1])] if weighted else [])
    check_parity(torch, lambda *t: F.multilabel_soft_margin_loss(*t, reduction=reduction),
                 lambda *t: torch.nn.functional.multilabel_soft_margin_loss(
                     *t, reduction=reduction),
                 arrays, grads=(0, 1, 2) if weighted else (0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, margin, weighted", [(1, 1.0, False), (2, 1.0, False),
                                                 (1, 0.5, True), (2, 2.0, True)])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (0, 3)])
def test_multi_margin_loss_matches_torch(torch, shape, p, margin, weighted, reduction):
    r = rng()
    if shape[0] == 0 and reduction == "mean":  # torch returns uninitialised memory here
        loss = F.multi_margin_loss(f64(np.zeros(shape)), ag.tensor(np.zeros(0, np.int64)))
        assert np.isnan(loss.item())  # the mean of no values, as the other losses
        return
    x = r.normal(size=shape)
    c = shape[-1]
    t = r.integers(0, c, shape[:-1]).astype(np.int64)
    if x.ndim == 2 and len(x):
        x[0, :3] = [1.0, 0.0, 2.0]  # margin - x[y] + x[i] = 0 for i = 1 when margin = 1
        t[0] = 0
    w = r.uniform(0.5, 2, c)
    kwargs = {"p": p, "margin": margin, "reduction": reduction}
    check_parity(torch,
                 lambda a, b: F.multi_margin_loss(a, b, weight=f64(w, False) if weighted
                                                  else None, **kwargs),
                 lambda a, b: torch.nn.functional.multi_margin_loss(
                     a, b, weight=torch.tensor(w) if weighted else None, **kwargs),
                 [x, t])


@pytest.mark.parametrize("target_shape", [(), (1,)])
def test_multi_margin_loss_on_a_vector_keeps_the_target_shape(torch, target_shape):
    x, t = rng().normal(size=4), np.full(target_shape, 2, dtype=np.int64)
    check_parity(torch, lambda a, b: F.multi_margin_loss(a, b, reduction="none"),
                 lambda a, b: torch.nn.functional.multi_margin_loss(a, b, reduction="none"),
                 [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape, margin", [((5, 3), 0.0), ((5, 3), 0.3), ((4,), -0.2)])
def test_cosine_embedding_loss_matches_torch(torch, shape, margin, reduction):
    r = rng()
    a, b = r.normal(size=shape), r.normal(size=shape)
    y = signs(r, shape[:-1])
    check_parity(torch, lambda *t: F.cosine_embedding_loss(*t, margin, reduction=reduction),
                 lambda *t: torch.nn.functional.cosine_embedding_loss(*t, margin,
                                                                      reduction=reduction),
                 [a, b, y], grads=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p, swap, margin", [(2, False, 1.0), (1, True, 0.5), (3, False, 2.0),
                                             (2, True, 1.0), (np.inf, False, 1.0)])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4)])
def test_triplet_margin_loss_matches_torch(torch, shape, p, swap, margin, reduction):
    r = rng()
    a, pos, neg = r.normal(size=shape), r.normal(size=shape), r.normal(size=shape)
    kwargs = {"margin": margin, "p": p, "swap": swap, "reduction": reduction}
    check_parity(torch, lambda *t: F.triplet_margin_loss(*t, **kwargs),
                 lambda *t: torch.nn.functional.triplet_margin_loss(*t, **kwargs),
                 [a, pos, neg], grads=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), "float"])
def test_gaussian_nll_loss_matches_torch(torch, var_shape, full, reduction):
    r = rng()
    x, y = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    kwargs = {"full": full, "eps": 1e-3, "reduction": reduction}
    if var_shape == "float":
        check_parity(torch, lambda a, b: F.gaussian_nll_loss(a, b, 0.7, **kwargs),
                     lambda a, b: torch.nn.functional.gaussian_nll_loss(a, b, 0.7, **kwargs),
                     [x, y], grads=(0, 1))
        return
    var = r.uniform(0.1, 2, var_shape)
    var.flat[0] = 1e-5  # below eps: clamped, with the gradient of the unclamped value
    check_parity(torch, lambda *t: F.gaussian_nll_loss(*t, **kwargs),
                 lambda *t: torch.nn.functional.gaussian_nll_loss(*t, **kwargs),
                 [x, y, var], grads=(0, 1, 2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input, full", [(True, False), (True, True), (False, False),
                                             (False, True)])
@pytest.mark.parametrize("shape", [(6,), (3, 4)])
def test_poisson_nll_loss_matches_torch(torch, shape, log_input, full, reduction):
    r = rng()
    x = r.normal(size=shape) if log_input else r.uniform(0.1, 3, shape)
    y = r.poisson(2.0, shape).astype(np.float64) + r.uniform(0.1, 0.9, shape)  # y > 0
    y.flat[0] = 1.0  # Stirling's term starts after y = 1
    kwargs = {"log_input": log_input, "full": full, "reduction": reduction}
    check_parity(torch, lambda *t: F.poisson_nll_loss(*t, **kwargs),
                 lambda *t: torch.nn.functional.poisson_nll_loss(*t, **kwargs),
                 [x, y], grads=(0, 1))


def test_poisson_nll_loss_full_is_finite_at_zero_targets():
    x = f64([0.5, -0.3])
    loss = F.poisson_nll_loss(x, f64([0.0, 0.0]), full=True, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.data) and np.isfinite(x.grad.data).all()


# --- distances ---

@pytest.mark.parametrize("s1, s2, dim", [((4, 3), (4, 3), 1), ((4, 3), (4, 3), 0),
                                         ((2, 3, 4), (2, 3, 4), -1), ((5,), (5,), 0),
                                         ((4, 3), (3,), 1), ((2, 1, 4), (3, 4), 2)])
def test_cosine_similarity_matches_torch(torch, s1, s2, dim):
    r = rng()
    check_parity(torch, lambda a, b: F.cosine_similarity(a, b, dim),
                 lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim),
                 [r.normal(size=s1), r.normal(size=s2)], grads=(0, 1))


def test_cosine_similarity_of_tiny_and_zero_vectors_matches_torch(torch):
    # norms below eps are clamped (untracked, as torch): large but equal gradients
    a = np.array([[1e-10, 2e-10, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    b = np.array([[1.0, 0.5, 0.3], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    check_parity(torch, F.cosine_similarity, torch.nn.functional.cosine_similarity, [a, b],
                 grads=(0, 1))


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, np.inf, 0.5])
@pytest.mark.parametrize("s1, s2", [((4, 3), (4, 3)), ((5,), (5,)), ((4, 3), (3,)),
                                    ((2, 3, 4), (2, 3, 4)), ((), ())])
def test_pairwise_distance_matches_torch(torch, s1, s2, p, keepdim):
    r = rng()
    check_parity(torch, lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim),
                 lambda a, b: torch.nn.functional.pairwise_distance(a, b, p, keepdim=keepdim),
                 [r.normal(size=s1), r.normal(size=s2)], grads=(0, 1))


def test_pairwise_distance_of_equal_inputs_has_the_eps_gradient(torch):
    a = np.ones((2, 3))
    check_parity(torch, F.pairwise_distance, torch.nn.functional.pairwise_distance, [a, a],
                 grads=(0, 1))


def test_distance_modules_match_torch_and_print_as_torch(torch):
    r = rng()
    a, b = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    for ours, theirs in [(nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
                         (nn.CosineSimilarity(0, 1e-6), torch.nn.CosineSimilarity(0, 1e-6)),
                         (nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
                         (nn.PairwiseDistance(1.0, 1e-3, True),
                          torch.nn.PairwiseDistance(1.0, 1e-3, True))]:
        assert repr(ours) == repr(theirs)
        check_parity(torch, ours, theirs, [a, b], grads=(0, 1))


def test_distance_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"^cosine_similarity: x1 of shape \(2, 3\) and x2 of "
                       r"shape \(2, 4\) cannot be broadcast together"):
        F.cosine_similarity(ag.zeros(2, 3), ag.zeros(2, 4))
    with pytest.raises(ValueError, match=r"^pairwise_distance: x1 of shape \(2, 3\) and x2 of "
                       r"shape \(4,\) cannot be broadcast together"):
        F.pairwise_distance(ag.zeros(2, 3), ag.zeros(4))
    with pytest.raises(IndexError, match=r"cosine_similarity"):
        F.cosine_similarity(ag.zeros(2, 3), ag.zeros(2, 3), dim=2)
    with pytest.raises(TypeError, match=r"^cosine_similarity: expected common dtype to be "
                       r"floating point"):
        F.cosine_similarity(ag.tensor([1, 2]), ag.tensor([1, 2]), dim=0)


# --- modules ---

LOSS_MODULES = [
    (lambda: nn.MarginRankingLoss(), "MarginRankingLoss", {}),
    (lambda: nn.MarginRankingLoss(0.5, reduction="sum"), "MarginRankingLoss",
     {"margin": 0.5, "reduction": "sum"}),
    (lambda: nn.HingeEmbeddingLoss(2.0), "HingeEmbeddingLoss", {"margin": 2.0}),
    (lambda: nn.SoftMarginLoss(reduction="none"), "SoftMarginLoss", {"reduction": "none"}),
    (lambda: nn.MultiLabelSoftMarginLoss(), "MultiLabelSoftMarginLoss", {}),
    (lambda: nn.MultiMarginLoss(p=2, margin=0.5), "MultiMarginLoss", {"p": 2, "margin": 0.5}),
    (lambda: nn.CosineEmbeddingLoss(0.1), "CosineEmbeddingLoss", {"margin": 0.1}),
    (lambda: nn.TripletMarginLoss(swap=True, p=1), "TripletMarginLoss", {"swap": True, "p": 1}),
    (lambda: nn.GaussianNLLLoss(full=True), "GaussianNLLLoss", {"full": True}),
    (lambda: nn.PoissonNLLLoss(log_input=False), "PoissonNLLLoss", {"log_input": False}),
]


@pytest.mark.parametrize("make, name, kwargs", LOSS_MODULES,
                         ids=[f"{m[1]}{i}" for i, m in enumerate(LOSS_MODULES)])
def test_loss_modules_print_as_torch_and_keep_their_arguments(torch, make, name, kwargs):
    ours, theirs = make(), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    for key in kwargs:
        assert getattr(ours, key) == getattr(theirs, key)
    assert ours.reduction == theirs.reduction


def test_loss_modules_match_torch(torch):
    r = rng()
    x, y = r.normal(size=(4, 3)), signs(r, (4, 3))
    a, b, c = r.normal(size=(4, 3)), r.normal(size=(4, 3)), r.normal(size=(4, 3))
    labels = r.integers(0, 2, (4, 3)).astype(np.float64)
    t = r.integers(0, 3, 4).astype(np.int64)
    w = r.uniform(0.5, 2, 3)
    cases = [
        ("MarginRankingLoss", {"margin": 0.2}, [a, b, y]),
        ("HingeEmbeddingLoss", {"margin": 0.5}, [np.abs(x), y]),
        ("SoftMarginLoss", {}, [x, y]),
        ("MultiLabelSoftMarginLoss", {"weight": w}, [x, labels]),
        ("MultiMarginLoss", {"weight": w, "p": 2}, [x, t]),
        ("CosineEmbeddingLoss", {"margin": 0.1}, [a, b, y[:, 0]]),
        ("TripletMarginLoss", {"margin": 2.0}, [a, b, c]),
        ("GaussianNLLLoss", {}, [a, b, np.abs(c)]),
        ("PoissonNLLLoss", {"full": True}, [x, np.abs(c) * 3]),
    ]
    for name, kwargs, arrays in cases:
        ours_kwargs = {k: f64(v, False) if isinstance(v, np.ndarray) else v
                       for k, v in kwargs.items()}
        theirs_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                         for k, v in kwargs.items()}
        for reduction in REDUCTIONS:
            check_parity(torch, getattr(nn, name)(reduction=reduction, **ours_kwargs),
                         getattr(torch.nn, name)(reduction=reduction, **theirs_kwargs), arrays)


def test_weighted_loss_modules_keep_the_weight_as_torch_does(torch):
    w = f64([1.0, 2.0, 3.0], False)
    for name in ("MultiLabelSoftMarginLoss", "MultiMarginLoss"):
        ours = getattr(nn, name)(weight=w)
        theirs = getattr(torch.nn, name)(weight=torch.tensor(w.data))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        np.testing.assert_array_equal(ours.state_dict()["weight"].data, w.data)


# --- gradcheck ---

def _x(shape, seed=0):
    return f64(rng(seed).normal(size=shape))


GRADCHECK = {
    "margin_ranking_loss": (lambda a, b: F.margin_ranking_loss(a, b, f64([1, -1, 1, -1], False),
                                                               margin=0.3),
                            lambda: [_x(4, 1), _x(4, 2)]),
    "hinge_embedding_loss": (lambda a: F.hinge_embedding_loss(a, f64([1, -1, -1, 1], False)),
                             lambda: [f64([0.3, 0.2, 1.7, 0.9])]),
    "soft_margin_loss": (lambda a: F.soft_margin_loss(a, f64([1, -1, -1, 1], False)),
                         lambda: [_x(4)]),
    "multilabel_soft_margin_loss": (
        lambda a, w: F.multilabel_soft_margin_loss(a, f64([[1, 0, 1], [0, 0, 1]], False), w),
        lambda: [_x((2, 3)), f64([0.5, 1.0, 2.0])]),
    "multi_margin_loss": (lambda a: F.multi_margin_loss(a, ag.tensor([0, 2]), p=2),
                          lambda: [f64([[0.3, 0.1, -0.4], [0.2, 0.9, 0.6]])]),
    "cosine_embedding_loss": (
        lambda a, b: F.cosine_embedding_loss(a, b, f64([1, -1, -1], False), margin=-0.9),
        lambda: [_x((3, 4), 1), _x((3, 4), 2)]),
    "triplet_margin_loss": (lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=5.0, swap=True),
                            lambda: [_x((3, 4), 1), _x((3, 4), 2), _x((3, 4), 3)]),
    "gaussian_nll_loss": (F.gaussian_nll_loss,
                          lambda: [_x((3, 2), 1), _x((3, 2), 2), f64([0.5, 1.0, 2.0])]),
    "poisson_nll_loss": (lambda a, b: F.poisson_nll_loss(a, b, full=True),
                         lambda: [_x((2, 3)), f64([[0.5, 2.5, 3.0], [1.5, 0.2, 4.0]])]),
    "poisson_nll_loss_rates": (lambda a: F.poisson_nll_loss(a, f64([1.0, 2.0, 0.5], False),
                                                            log_input=False),
                               lambda: [f64([0.5, 1.5, 2.0])]),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b, dim=-1),
                          lambda: [_x((3, 4), 1), _x((4,), 2)]),
    "pairwise_distance": (lambda a, b: F.pairwise_distance(a, b, p=3),
                          lambda: [_x((3, 4), 1), _x((3, 4), 2)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_functional_forms_pass_gradcheck(name):
    fn, make = GRADCHECK[name]
    assert ag.gradcheck(fn, make())


# --- errors ---

def test_loss_errors_name_the_op_and_shapes():
    z = ag.zeros
    cases = [
        (lambda: F.margin_ranking_loss(z(3), z(3), z(3, 1)), ValueError,
         r"^margin_ranking_loss: All input tensors should have same dimension but got input1 of "
         r"shape \(3,\), input2 of shape \(3,\), target of shape \(3, 1\)"),
        (lambda: F.margin_ranking_loss(z(3), z(4), z(3)), ValueError,
         r"^margin_ranking_loss: input1 of shape \(3,\), input2 of shape \(4,\), target of "
         r"shape \(3,\) cannot be broadcast together"),
        (lambda: F.soft_margin_loss(z(3), z(4)), ValueError,
         r"^soft_margin_loss: input of shape \(3,\) and target of shape \(4,\) cannot be "
         r"broadcast"),
        (lambda: F.multi_margin_loss(z(3, 4), ag.tensor([1, 2])), ValueError,
         r"^multi_margin_loss: target tensor should be 1-D with size equal to the number of "
         r"input samples \(batch size\). Expected target size \(3,\), but got target of shape "
         r"\(2,\) for input of shape \(3, 4\)"),
        (lambda: F.multi_margin_loss(z(3, 4), ag.tensor([1, 2, 4])), IndexError,
         r"^multi_margin_loss: target 4 is out of range for 4 classes"),
        (lambda: F.multi_margin_loss(z(3, 4, 2), ag.tensor([1, 2, 3])), ValueError,
         r"^multi_margin_loss: Expected non-empty vector or matrix with optional 0-dim batch "
         r"size, but got input of shape \(3, 4, 2\)"),
        (lambda: F.multi_margin_loss(z(3, 4), ag.tensor([1, 2, 3]), p=3), ValueError,
         r"^multi_margin_loss: only p == 1 and p == 2 supported, got p=3"),
        (lambda: F.multi_margin_loss(z(3, 4), ag.tensor([1, 2, 3]), weight=z(3)), ValueError,
         r"^multi_margin_loss: weight should hold one value for each of the 4 classes"),
        (lambda: F.cosine_embedding_loss(z(3, 4), z(3, 4), z(3, 1)), ValueError,
         r"^cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not "
         r"supported, got target of shape \(3, 1\)"),
        (lambda: F.cosine_embedding_loss(z(3, 4), z(4), z(3)), ValueError,
         r"^cosine_embedding_loss: 1D target tensor expects 2D input tensors, but found "
         r"inputs of shapes \(3, 4\) and \(4,\)"),
        (lambda: F.triplet_margin_loss(z(3, 4), z(3, 4), z(4)), ValueError,
         r"^triplet_margin_loss: The anchor, positive, and negative tensors are expected to "
         r"have the same number of dimensions, but got: anchor 2D, positive 2D, and negative "
         r"1D inputs"),
        (lambda: F.triplet_margin_loss(z(3, 4), z(3, 4), z(3, 4), margin=0), ValueError,
         r"^triplet_margin_loss: margin must be greater than 0, got 0"),
        (lambda: F.gaussian_nll_loss(z(3, 4), z(3, 4), ag.ones(3, 2)), ValueError,
         r"^gaussian_nll_loss: var is of incorrect size: var of shape \(3, 2\) for input of "
         r"shape \(3, 4\)"),
        (lambda: F.gaussian_nll_loss(z(3), z(3), -ag.ones(3)), ValueError,
         r"^gaussian_nll_loss: var has negative entry/entries"),
        (lambda: F.gaussian_nll_loss(z(3), z(3), ag.ones(3), reduction="max"), ValueError,
         r"^gaussian_nll_loss: max is not a valid value for reduction"),
        (lambda: F.poisson_nll_loss(z(3), z(3), reduction="avg"), ValueError,
         r"^poisson_nll_loss: avg is not a valid value for reduction"),
        (lambda: nn.MultiMarginLoss(p=3), ValueError,
         r"^MultiMarginLoss: only p == 1 and p == 2 supported"),
        (lambda: nn.MultiMarginLoss(weight=z(2, 2)), ValueError,
         r"^MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"),
        (lambda: nn.TripletMarginLoss(margin=-1), ValueError,
         r"^TripletMarginLoss: expected margin to be greater than 0, got -1 instead"),
        (lambda: nn.HingeEmbeddingLoss(reduction="avg"), ValueError,
         r"^HingeEmbeddingLoss: avg is not a valid value for reduction"),
    ]
    for call, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            call()


def test_everything_is_exported():
    modules = ["MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss",
               "MultiLabelSoftMarginLoss", "MultiMarginLoss", "CosineEmbeddingLoss",
               "TripletMarginLoss", "GaussianNLLLoss", "PoissonNLLLoss", "CosineSimilarity",
               "PairwiseDistance"]
    for name in modules:
        assert name in nn.__all__ and issubclass(getattr(nn, name), nn.Module)
    for name in ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
                 "multilabel_soft_margin_loss", "multi_margin_loss", "cosine_embedding_loss",
                 "triplet_margin_loss"]:
        assert getattr(F, name) is getattr(nn.margin_loss, name)
    for name in ["gaussian_nll_loss", "poisson_nll_loss"]:
        assert getattr(F, name) is getattr(nn.loss, name)
    for name in ["cosine_similarity", "pairwise_distance"]:
        assert getattr(F, name) is getattr(nn.distance, name)


def test_losses_keep_float32():
    x, y = ag.randn(4, 3), ag.randn(4, 3)
    for loss in (F.soft_margin_loss(x, y), F.multilabel_soft_margin_loss(x, y),
                 F.margin_ranking_loss(x, y, y), F.hinge_embedding_loss(x, y),
                 F.multi_margin_loss(x, ag.tensor([0, 1, 2, 0])),
                 F.cosine_embedding_loss(x, y, ag.ones(4)), F.triplet_margin_loss(x, y, x),
                 F.gaussian_nll_loss(x, y, ag.ones(4, 3), full=True),
                 F.poisson_nll_loss(x, y.abs(), full=True),
                 F.cosine_similarity(x, y), F.pairwise_distance(x, y)):
        assert loss.dtype == np.float32
