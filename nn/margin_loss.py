"""Margin and ranking losses, as in PyTorch: margin_ranking, hinge_embedding, soft_margin,
multilabel_soft_margin, multi_margin, cosine_embedding and triplet_margin, with their
modules; built from autograd_core ops on loss.py's argument checks and reductions."""


import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from .loss import (
    _check_broadcasts_to,
    _check_pair,
    _check_tensor,
    _class_weight,
    _Loss,
    _reduce,
    _reduction,
    _softplus,
    _WeightedLoss,
)

# --- margin and ranking losses ---

def _check_same_ndim(op, **tensors):
    for name, t in tensors.items():
        _check_tensor(op, name, t)
    if len({t.ndim for t in tensors.values()}) > 1:
        shapes = ", ".join(f"{name} of shape {shape_str(t.shape)}" for name, t in tensors.items())
        raise ShapeError(f"{op}: All input tensors should have same dimension but got {shapes}")


def _broadcast(op, **tensors):
    """The broadcast shape of the named tensors, or a ShapeError naming them all."""
    try:
        return np.broadcast_shapes(*(t.shape for t in tensors.values()))
    except ValueError:
        shapes = ", ".join(f"{name} of shape {shape_str(t.shape)}" for name, t in tensors.items())
        raise ShapeError(f"{op}: {shapes} cannot be broadcast together") from None


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin) per element, y = 1 or -1 saying which should rank
    higher."""
    op = "margin_ranking_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_same_ndim(op, input1=input1, input2=input2, target=target)
    _broadcast(op, input1=input1, input2=input2, target=target)
    return _reduce(ag.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where y = 1, max(0, margin - x) where y = -1 (input: e.g. a distance)."""
    op = "hinge_embedding_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target, warn=False)
    t = target.data
    loss = ag.where(ag.tensor(t != 1), ag.clamp(margin - input, min=0.0), 0.0) + \
        ag.where(ag.tensor(t != -1), input, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^(-y x)) per element (y = 1 or -1), computed without overflow."""
    op = "soft_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target, warn=False)
    return _reduce(_softplus(-input * target), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """-[y log sigmoid(x) + (1 - y) log sigmoid(-x)] per class (times weight), averaged
    over the classes (the last dim): one value per sample, then reduced."""
    op = "multilabel_soft_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _check_pair(op, input, target, warn=False)
    if input.ndim == 0:
        raise ShapeError(f"{op}: input of shape () has no class dim; expected (C,) or (N, C)")
    loss = -(target * -_softplus(-input) + (1.0 - target) * -_softplus(input))
    if weight is not None:
        _check_broadcasts_to(op, "weight", weight, loss.shape)
        loss = loss * weight
    return _reduce(loss.sum(dim=-1) / input.shape[-1], reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum over classes i != y of w[y] max(0, margin - x[y] + x[i])^p,
    divided by the number of classes C, for input (N, C) or (C,) and class indices y."""
    op = "multi_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError(f"{op}: only p == 1 and p == 2 supported, got p={p}")
    _check_tensor(op, "input", input)
    _check_tensor(op, "target", target)
    if weight is not None and weight.ndim != 1:
        raise ValueError(f"{op}: weight must be one-dimensional, got weight of shape "
                         f"{shape_str(weight.shape)}")
    if input.ndim not in (1, 2) or input.shape[-1] == 0:
        raise ShapeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch "
                         f"size, but got input of shape {shape_str(input.shape)}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    n, c = x.shape
    if target.numel() != n or target.ndim > 1:
        raise ShapeError(f"{op}: target tensor should be 1-D with size equal to the number of "
                         f"input samples (batch size). Expected target size ({n},), but got "
                         f"target of shape {shape_str(target.shape)} for input of shape "
                         f"{shape_str(input.shape)}")
    t = target.data.reshape(n)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices of an integer dtype, got "
                        f"{t.dtype}")
    if n and (t.min() < 0 or t.max() >= c):
        bad = int(t.max()) if t.max() >= c else int(t.min())
        raise IndexError(f"{op}: target {bad} is out of range for {c} classes")
    w = _class_weight(op, weight, c, input.dtype)
    rows = np.arange(n)
    z = margin - x[ag.tensor(rows), ag.tensor(t)].reshape(n, 1) + x
    # strictly positive, and not the target's own class: PyTorch's gradient is 0 at z = 0
    active = (z.data > 0) & (np.arange(c) != t[:, None])
    terms = z if p == 1 else z * z
    if w is not None:
        terms = terms * ag.tensor(w[t][:, None], dtype=input.dtype)
    loss = ag.where(ag.tensor(active), terms, 0.0).sum(dim=1) / c
    if input.ndim == 1:
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; the cosine
    over dim 1 of (N, D) inputs with targets (N,), or over (D,) inputs with a 0-d target."""
    op = "cosine_embedding_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _check_tensor(op, name, t)
    if target.ndim not in (0, 1):
        raise ShapeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported, "
                         f"got target of shape {shape_str(target.shape)}")
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise ShapeError(f"{op}: {target.ndim}D target tensor expects {target.ndim + 1}D input "
                         f"tensors, but found inputs of shapes {shape_str(input1.shape)} and "
                         f"{shape_str(input2.shape)}")
    _broadcast(op, input1=input1, input2=input2)
    dim = target.ndim
    eps = 1e-12  # PyTorch's, added to each squared norm
    prod = (input1 * input2).sum(dim=dim)
    mag1 = (input1 * input1).sum(dim=dim) + eps
    mag2 = (input2 * input2).sum(dim=dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    t = target.data
    loss = ag.where(ag.tensor(t == 1), 1.0 - cos, 0.0) + \
        ag.where(ag.tensor(t == -1), ag.clamp(cos - margin, min=0.0), 0.0)
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-norm distance over the last dim;
    swap: d(a, n) is replaced by d(p, n) where that is smaller."""
    from .distance import pairwise_distance  # distance imports functional, which imports us

    op = "triplet_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"{op}: margin must be greater than 0, got {margin}")
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _check_tensor(op, name, t)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ShapeError(f"{op}: The anchor, positive, and negative tensors are expected to have "
                         f"the same number of dimensions, but got: anchor {anchor.ndim}D, "
                         f"positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    _broadcast(op, anchor=anchor, positive=positive, negative=negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ag.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ag.clamp(d_pos - d_neg + margin, min=0.0), reduction)


# --- Modules ---

class MarginRankingLoss(_Loss):
    """max(0, -y (x1 - x2) + margin)."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return margin_ranking_loss(input1, input2, target, margin=self.margin,
                                   reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x where y = 1, max(0, margin - x) where y = -1."""

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return hinge_embedding_loss(input, target, margin=self.margin,
                                    reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + e^(-y x))."""

    def forward(self, input, target):
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class binary cross-entropy of sigmoid(x), averaged over the classes."""

    def forward(self, input, target):
        return multilabel_soft_margin_loss(input, target, weight=self.weight,
                                           reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss: sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got p={p}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.ndim}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                 weight=self.weight, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the p-norm distance."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                 reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                   eps=self.eps, swap=self.swap, reduction=self.reduction)
