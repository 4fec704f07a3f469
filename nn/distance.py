"""Distances between two batches of vectors: cosine similarity and the p-norm distance,
as functions (re-exported by nn.functional) and as Modules."""

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import norm_dim, shape_str
from autograd_core.tensor import Tensor

from . import functional as F
from .module import Module


def _check_inputs(op, x1, x2):
    """Both Tensors, floating point and broadcastable; returns the broadcast shape."""
    for name, x in (("x1", x1), ("x2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    if x1.dtype.kind != "f" and x2.dtype.kind != "f":
        raise TypeError(f"{op}: expected common dtype to be floating point, got x1 dtype "
                        f"{x1.dtype} and x2 dtype {x2.dtype}")
    try:
        return np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ShapeError(f"{op}: x1 of shape {shape_str(x1.shape)} and x2 of shape "
                         f"{shape_str(x2.shape)} cannot be broadcast together") from None


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (||x1|| ||x2||) along dim (x1 and x2 broadcast), computed as PyTorch does:
    each input divided by its norm clamped to >= eps, then the dot product (so the result
    stays in [-1, 1]). The clamp is untracked, as PyTorch's: the gradient flows through
    the norm as if it were not clamped."""
    shape = _check_inputs("cosine_similarity", x1, x2)
    d = norm_dim(dim, len(shape), "cosine_similarity")
    if x1.shape != shape:
        x1 = x1.expand(shape)
    if x2.shape != shape:
        x2 = x2.expand(shape)
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(dim=d)


def _clamped_norm(x, dim, eps):
    """||x||_2 over dim (keepdim), its value clamped to >= eps, its gradient the norm's."""
    norm = F._vector_norm(x, 2, dim)
    small = norm.data < eps
    if not small.any():
        return norm
    lift = np.where(small, eps - norm.data, 0.0).astype(norm.dtype)
    return norm + ag.tensor(lift, dtype=norm.dtype)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (x1 and x2 broadcast), as PyTorch."""
    shape = _check_inputs("pairwise_distance", x1, x2)
    diff = x1 - x2 + eps
    if not shape:  # 0-d: the norm of one value, 0-d also with keepdim, as in PyTorch
        return F._vector_norm(diff.reshape(1), p, 0).reshape(())
    dist = F._vector_norm(diff, p, len(shape) - 1)
    return dist if keepdim else dist.squeeze(-1)


class CosineSimilarity(Module):
    """Cosine similarity of x1 and x2 along dim."""

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm of x1 - x2 + eps over the last dim."""

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
