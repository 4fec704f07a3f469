"""Losses: the functional forms (re-exported by nn.functional) and their Module classes, with
PyTorch's names, arguments, defaults and reductions. Each is a composition of autograd_core
ops; none has a backward of its own."""

import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str
from autograd_core.ops.reduce import nll as ag_nll
from autograd_core.tensor import Tensor

from .module import Module

_REDUCTIONS = ("none", "mean", "sum")


# --- argument checks ---

def _check_tensor(op, name, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")


def _legacy_reduction(size_average, reduce):
    """PyTorch's mapping of the deprecated size_average / reduce flags (None = True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=4)
    return reduction


def _reduction(op, reduction, size_average=None, reduce=None, allowed=_REDUCTIONS):
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    if reduction not in allowed:
        choices = ", ".join(f"'{r}'" for r in allowed)
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction "
                         f"(expected one of {choices})")
    return reduction


def _check_pair(op, input, target, warn=True):
    """Input and target must broadcast; like PyTorch, warn when their shapes differ."""
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if input.shape == target.shape:
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ShapeError(f"{op}: input of shape {shape_str(input.shape)} and target of shape "
                         f"{shape_str(target.shape)} cannot be broadcast together") from None
    if warn:
        warnings.warn(f"{op}: using a target size {shape_str(target.shape)} that is different "
                      f"to the input size {shape_str(input.shape)}. This will likely lead to "
                      "incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)


def _check_same_shape(op, input, target):
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if input.shape != target.shape:
        raise ShapeError(f"{op}: target of shape {shape_str(target.shape)} must have the shape "
                         f"of input {shape_str(input.shape)}")


def _check_broadcasts_to(op, name, value, shape):
    if value is None:
        return
    _check_tensor(op, name, value)
    try:
        ok = np.broadcast_shapes(value.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{op}: {name} of shape {shape_str(value.shape)} cannot be broadcast "
                         f"to the input's shape {shape_str(shape)}")


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _weighted(op, loss, weight, input, reduction, mean_over_weight):
    """An optional per-element weight of input's shape (PyTorch 2.x's mse/l1/huber)."""
    if weight is None:
        return _reduce(loss, reduction)
    _check_tensor(op, "weight", weight)
    if weight.shape != input.shape:
        raise ShapeError(f"{op}: weight of shape {shape_str(weight.shape)} must have the shape "
                         f"of input {shape_str(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and mean_over_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# --- regression losses ---

def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(x - y)^2 per element, then reduced (weighted mean: sum(w l) / sum(w))."""
    reduction = _reduction("mse_loss", reduction, size_average, reduce)
    _check_pair("mse_loss", input, target)
    d = input - target
    return _weighted("mse_loss", d * d, weight, input, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|x - y| per element, then reduced (weighted mean: sum(w l) / sum(w))."""
    reduction = _reduction("l1_loss", reduction, size_average, reduce)
    _check_pair("l1_loss", input, target)
    return _weighted("l1_loss", (input - target).abs(), weight, input, reduction, True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - y); L1 when beta = 0."""
    reduction = _reduction("smooth_l1_loss", reduction, size_average, reduce)
    _check_pair("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    quadratic = np.abs(d.data) < beta
    return _reduce(ag.where(quadratic, d * d * (0.5 / beta), d.abs() - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - y): smooth L1 scaled
    by delta (weighted mean: mean(w l), as in PyTorch)."""
    reduction = _reduction("huber_loss", reduction)
    _check_pair("huber_loss", input, target)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = input - target
    quadratic = np.abs(d.data) < delta
    loss = ag.where(quadratic, d * d * 0.5, (d.abs() - 0.5 * delta) * delta)
    return _weighted("huber_loss", loss, weight, input, reduction, False)


# --- classification losses ---

def _class_dim(op, input):
    _check_tensor(op, "input", input)
    if input.ndim == 0:
        raise ShapeError(f"{op}: input of shape () has no class dim; expected (C,), (N, C) "
                         "or (N, C, d1, ...)")
    return 0 if input.ndim == 1 else 1


def _class_weight(op, weight, num_classes, dtype):
    """weight (C,) as a constant array of the input's dtype (no gradient, as in PyTorch)."""
    if weight is None:
        return None
    _check_tensor(op, "weight", weight)
    if weight.shape != (num_classes,):
        raise ValueError(f"{op}: weight should hold one value for each of the {num_classes} "
                         f"classes, got shape {shape_str(weight.shape)}")
    return np.asarray(weight.data, dtype=dtype)


def _index_target(op, input, target, cdim, ignore_index, probabilities_allowed=False):
    """Check class-index targets, (N, d1, ...) for input (N, C, d1, ...), () for (C,);
    return them as an int array, and whether every one of them is a class (so none can be
    ignore_index, unless that is a class too)."""
    _check_tensor(op, "target", target)
    expected = input.shape[:cdim] + input.shape[cdim + 1:]
    if target.shape != expected:
        also = f" (or probabilities of shape {shape_str(input.shape)})" \
            if probabilities_allowed else ""
        raise ShapeError(f"{op}: input of shape {shape_str(input.shape)} needs class-index "
                         f"targets of shape {shape_str(expected)}{also}, got target of shape "
                         f"{shape_str(target.shape)}")
    t = target.data
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index target must have an integer dtype, got {t.dtype}")
    num_classes = input.shape[cdim]
    if not t.size or (t.min() >= 0 and t.max() < num_classes):
        return t, True  # every target a class (the usual case, checked with two reductions)
    bad = ((t < 0) | (t >= num_classes)) & (t != ignore_index)
    if bad.any():
        raise IndexError(f"{op}: target {int(t[bad].flat[0])} is out of bounds for "
                         f"{num_classes} classes")
    return t, False


def _nll_terms(t, all_classes, w, ignore_index, cdim, num_classes):
    """What an NllLoss node needs for class-index targets t: the index of each target's
    entry (class dim cdim), the per-target weights w[t] (None: all 1), the kept mask (None:
    nothing ignored) and the 'mean' denominator, the sum of w[t] over the targets kept."""
    if all_classes and not 0 <= ignore_index < num_classes:
        ignored, any_ignored = None, False  # every target is a class, none the ignored one
    else:
        ignored = t == ignore_index
        any_ignored = bool(ignored.any())
    safe = np.where(ignored, 0, t) if any_ignored else t
    if t.ndim == 1 and cdim == 1:  # (N, C) input: the common case, without np.indices
        index = (np.arange(t.shape[0]), safe)
    else:
        index = list(np.indices(t.shape, sparse=True))
        index.insert(cdim, safe)
        index = tuple(index)
    keep = ~ignored if any_ignored else None
    wt = None if w is None else w[safe]
    if wt is not None:
        denominator = float((wt * keep).sum() if any_ignored else wt.sum())
    else:
        denominator = float(t.size - (int(ignored.sum()) if any_ignored else 0))
    return index, wt, keep, denominator


def _nll(logp, terms, reduction):
    """-w[t] logp[.., t, ..] per target (0 where ignored), reduced: one NllLoss node."""
    index, wt, keep, denominator = terms
    if reduction == "mean" and denominator == 0:
        # every target ignored: nan, as in PyTorch, but zero gradients
        return ag_nll(logp, index, wt, keep, "sum") + float("nan")
    return ag_nll(logp, index, wt, keep, reduction, denominator)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """NLL = -w[t] input[t] per target, from log-probabilities input (N, C, d1, ...) or (C,)
    and class indices t; 'mean' divides by the sum of w[t] over targets not ignored."""
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    cdim = _class_dim(op, input)
    t, all_classes = _index_target(op, input, target, cdim, ignore_index)
    w = _class_weight(op, weight, input.shape[cdim], input.dtype)
    terms = _nll_terms(t, all_classes, w, ignore_index, cdim, input.shape[cdim])
    return _nll(input, terms, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """CE = -sum_c w_c t_c log softmax(x)_c over the class dim (dim 1, or 0 unbatched).

    target holds class indices (int, input's shape without the class dim; t is their one-hot
    and 'mean' divides by the sum of w[t] over targets not ignored) or class probabilities
    (float, input's shape; 'mean' averages over N * d1 * ...). label_smoothing = e mixes
    t with the uniform distribution: t' = (1 - e) t + e / C.
    """
    op = "cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    cdim = _class_dim(op, input)
    _check_tensor(op, "target", target)
    num_classes = input.shape[cdim]
    w = _class_weight(op, weight, num_classes, input.dtype)
    # weight laid along the class dim, so it broadcasts over batch and spatial dims
    wb = None if w is None else w.reshape((-1,) + (1,) * (input.ndim - cdim - 1))
    logp = ag.log_softmax(input, dim=cdim)

    if target.shape == input.shape:  # class probabilities
        if target.dtype.kind != "f":
            raise TypeError(f"{op}: a target of the input's shape {shape_str(input.shape)} holds "
                            f"class probabilities and must be floating point, got "
                            f"{target.dtype}")
        if label_smoothing > 0:
            target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
        terms = logp * target if wb is None else logp * target * wb
        return _reduce(-terms.sum(dim=cdim), reduction)

    t, all_classes = _index_target(op, input, target, cdim, ignore_index,
                                   probabilities_allowed=True)
    terms = _nll_terms(t, all_classes, w, ignore_index, cdim, num_classes)
    if label_smoothing == 0:
        return _nll(logp, terms, reduction)
    # the uniform part: -sum_c w_c logp_c / C per target, also 0 for ignored targets
    loss = _nll(logp, terms, "none") * (1.0 - label_smoothing)
    smooth = (logp if wb is None else logp * wb).sum(dim=cdim)
    keep, denominator = terms[2:]
    if keep is not None:
        smooth = ag.where(keep, smooth, 0.0)
    loss = loss - smooth * (label_smoothing / num_classes)
    if reduction == "mean":
        if denominator == 0:  # every target ignored: nan, but zero gradients
            return loss.sum() + float("nan")
        return loss.sum() / denominator
    return loss.sum() if reduction == "sum" else loss


def _log_clamped(x):
    """max(log x, -100), PyTorch's BCE clamp; the gradient is 0 where clamped (no 0 * inf)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = np.log(x.data) > -100
    return ag.where(keep, ag.log(ag.where(keep, x, 1.0)), -100.0)


def _softplus(z):
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), never overflowing. Written with where
    rather than relu/abs so the derivative at z = 0 is sigmoid(0) = 1/2, not a subgradient."""
    positive = z.data > 0
    return ag.where(positive, z, 0.0) + (ag.where(positive, -z, z).exp() + 1.0).log()


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """BCE = -w [t log x + (1 - t) log(1 - x)] for probabilities x, each log clamped to
    >= -100 as in PyTorch (so x = 0 or 1 gives a finite loss)."""
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_same_shape(op, input, target)
    _check_broadcasts_to(op, "weight", weight, input.shape)
    x = input.data
    if x.size and not np.all((x >= 0) & (x <= 1)):
        raise ValueError(f"{op}: all elements of input should be between 0 and 1")
    loss = -(target * _log_clamped(input) + (1.0 - target) * _log_clamped(1.0 - input))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE of sigmoid(x) with p = pos_weight weighting the positive term:
    -w [p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]
    = w [(1 - t) x + (1 + (p - 1) t) softplus(-x)], finite for logits of any size."""
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_same_shape(op, input, target)
    _check_broadcasts_to(op, "weight", weight, input.shape)
    _check_broadcasts_to(op, "pos_weight", pos_weight, input.shape)
    softplus_neg = _softplus(-input)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1.0) * target + 1.0)
    loss = (1.0 - target) * input + softplus_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence pointwise, input being log-probabilities: t (log t - x) (0 where t = 0),
    or e^t (t - x) when log_target. 'batchmean' divides the sum by the batch size
    input.size(0), the true KL; 'mean' divides by the number of elements (PyTorch warns)."""
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    else:
        reduction = _reduction(op, reduction, allowed=_REDUCTIONS + ("batchmean",))
        if reduction == "mean":
            warnings.warn("kl_div: reduction 'mean' divides the total loss by both the batch "
                          "size and the support size; 'batchmean' divides only by the batch "
                          "size, and aligns with the KL div math definition.", UserWarning,
                          stacklevel=2)
    _check_pair(op, input, target, warn=False)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        zero = target.data == 0  # xlogy: 0 log 0 = 0, and no 0 * inf in the gradient
        xlogx = ag.where(zero, 0.0, target * ag.log(ag.where(zero, 1.0, target)))
        loss = xlogx - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


# --- likelihood losses ---

def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (x - y)^2 / var) (+ 0.5 log(2 pi) if full) for a Gaussian of mean x
    and variance var: input's shape, or one dim short / with one dim of size 1 (one
    variance shared along it), or a float. As in PyTorch, var is clamped to >= eps with an
    untracked clamp: its gradient is taken as if it were not clamped."""
    op = "gaussian_nll_loss"
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{op}: var has negative entry/entries (var={var})")
        var = ag.full(input.shape, float(var), dtype=input.dtype)
    else:
        _check_tensor(op, "var", var)
        if (var.data < 0).any():
            raise ValueError(f"{op}: var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and
                  sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ShapeError(f"{op}: var is of incorrect size: var of shape "
                             f"{shape_str(var.shape)} for input of shape "
                             f"{shape_str(input.shape)}")
    reduction = _reduction(op, reduction)
    small = var.data < eps
    if small.any():
        var = var + ag.tensor(np.where(small, eps - var.data, 0.0).astype(var.dtype),
                              dtype=var.dtype)
    d = input - target
    loss = (var.log() + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * float(np.log(2 * np.pi))
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of target under a Poisson of rate e^x (log_input) or x:
    e^x - y x, or x - y log(x + eps); full adds Stirling's approximation of log(y!),
    y log y - y + 0.5 log(2 pi y), where y > 1."""
    op = "poisson_nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target, warn=False)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = ag.tensor(target.data > 1)
        safe = ag.where(big, target, 1.0)  # log of 1, not of 0 or less, where masked out
        stirling = safe * safe.log() - safe + (safe * (2 * np.pi)).log() * 0.5
        loss = loss + ag.where(big, stirling, 0.0)
    return _reduce(loss, reduction)


# --- Modules ---

class _Loss(Module):
    """Holds the reduction (or the deprecated size_average / reduce flags)."""

    _allowed = _REDUCTIONS

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        self.reduction = _reduction(type(self).__name__, reduction, size_average, reduce,
                                    allowed=self._allowed)


class _WeightedLoss(_Loss):
    """A loss with a per-class (or per-element) weight, registered as a buffer."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: (x - y)^2 per element, then reduced."""

    def forward(self, input, target):
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: |x - y| per element, then reduced."""

    def forward(self, input, target):
        return l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """-w[t] input[t] for log-probabilities input and class indices t."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """-sum_c w_c t_c log softmax(x)_c, for class indices or probabilities t."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """-w [t log x + (1 - t) log(1 - x)] for probabilities x."""

    def forward(self, input, target):
        return binary_cross_entropy(input, target, weight=self.weight,
                                    reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """BCE of sigmoid(x), computed stably from the logits x; pos_weight scales positives."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                pos_weight=self.pos_weight,
                                                reduction=self.reduction)


class KLDivLoss(_Loss):
    """t (log t - x) for log-probabilities x (e^t (t - x) when log_target)."""

    _allowed = _REDUCTIONS + ("batchmean",)

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    """0.5 (log var + (x - y)^2 / var), var clamped to >= eps."""

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                 reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """e^x - y x (log_input) or x - y log(x + eps), plus Stirling's term if full."""

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                eps=self.eps, reduction=self.reduction)
