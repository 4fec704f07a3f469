"""Linear, and the layers with no parameters around it: Identity, Flatten, Unflatten and
the Dropouts (with the functional forms of channel and alpha dropout)."""

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import norm_dim, shape_str
from autograd_core.random import generator
from autograd_core.tensor import Tensor

from . import functional as F
from . import init
from .module import Module, Parameter, _check_device


class Linear(Module):
    """y = x W^T + b. weight: (out_features, in_features); weight and bias start as
    U(-1/sqrt(in_features), 1/sqrt(in_features)), as in PyTorch."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device("Linear", device)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(ag.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._layer_default_(self.weight, self.bias)

    def forward(self, input):
        return F._linear(input, self.weight, self.bias, "Linear")

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Returns its input (a placeholder, e.g. to switch a layer off)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim into the sizes unflattened_size (one of them may be -1: inferred)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, but found "
                            f"type {type(unflattened_size).__name__}")
        for i, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError(f"Unflatten: unflattened_size must be tuple of ints, but found "
                                f"element of type {type(size).__name__} at pos {i}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return _unflatten(input, self.dim, self.unflattened_size, "Unflatten")

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _unflatten(input, dim, sizes, op):
    """input.unflatten(dim, sizes): a reshape that splits one dim."""
    d = norm_dim(dim, input.ndim, op)
    sizes = tuple(sizes)
    n = input.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    if not sizes or sizes.count(-1) > 1 or (-1 not in sizes and known != n) or \
            (-1 in sizes and (known == 0 or n % known)):
        raise ShapeError(f"{op}: sizes {list(sizes)} don't multiply up to the size of dim {d} "
                         f"({n}) of the input of shape {shape_str(input.shape)}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return input.reshape(input.shape[:d] + sizes + input.shape[d + 1:])


# --- dropout: the functional forms not in functional.py (channel and alpha dropout) ---

def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _noise_dropout(op, input, p, training, inplace, feature, alpha):
    """PyTorch's dropout kernel: a keep mask (per element, or per (sample, channel) with
    feature=True, constant over the other dims) from the global generator; kept values
    scaled by 1 / (1 - p), or for alpha dropout by a and shifted so that a unit-Gaussian
    input keeps its mean and variance (dropped values become SELU's saturation value)."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if inplace:
        F._check_inplace(op, input)
    if p == 1.0:  # before the dims are checked, as PyTorch's
        out = input * 0.0
    else:
        if feature and input.ndim < 2:
            raise ShapeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                             f"input, got input of shape {shape_str(input.shape)}")
        shape = input.shape[:2] + (1,) * (input.ndim - 2) if feature else input.shape
        keep = generator().random(shape) >= p
        if alpha:
            a_ = 1.7580993408473766  # -SELU's saturation value, alpha * scale
            a = 1.0 / math.sqrt((a_ * a_ * p + 1) * (1 - p))
            scale = np.where(keep, a, 0.0).astype(input.dtype)
            shift = np.where(keep, a_ * a * p, a_ * a * (p - 1)).astype(input.dtype)
            out = input * ag.tensor(scale, dtype=input.dtype) + ag.tensor(shift,
                                                                            dtype=input.dtype)
        else:
            scale = np.where(keep, 1.0 / (1.0 - p), 0.0).astype(input.dtype)
            out = input * ag.tensor(scale, dtype=input.dtype)
    return F._write_back(input, out) if inplace else out


def _channel_dropout(op, input, p, training, inplace, spatial):
    """dropout1d/3d: zero whole channels of (N, C, *spatial) or unbatched (C, *spatial)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if input.ndim == spatial + 2:
        return _noise_dropout(op, input, p, training, inplace, True, False)
    if inplace:
        F._check_inplace(op, input)
    # unbatched: a batch of one
    out = _noise_dropout(op, input.unsqueeze(0), p, True, False, True, False).squeeze(0)
    return F._write_back(input, out) if inplace else out


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of (N, C, L) or (C, L) with probability p, scale the rest by
    1 / (1 - p)."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                         f"input of shape {shape_str(input.shape)}. Note that dropout1d exists "
                         "to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                         "channel dimension, and an optional batch dimension (i.e. 2D or 3D "
                         "inputs).")
    return _channel_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of (N, C, H, W) with probability p, scale the rest by 1 / (1 - p).
    As PyTorch, a 3-D input is taken as (N, C, L) (with a warning)."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", UserWarning,
                      stacklevel=2)
    return _noise_dropout("dropout2d", input, p, training, inplace, True, False)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of (N, C, D, H, W) or (C, D, H, W) with probability p, scale the
    rest by 1 / (1 - p)."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", UserWarning, stacklevel=2)
    return _channel_dropout("dropout3d", input, p, training, inplace, 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: keeps a unit-Gaussian input's mean and variance."""
    return _noise_dropout("alpha_dropout", input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (dim 1)."""
    return _noise_dropout("feature_alpha_dropout", input, p, training, inplace, True, True)


class Dropout(Module):
    """In training, zeroes each element with probability p and scales the rest by
    1 / (1 - p); in eval mode, the identity."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """In training, zeroes each channel of (N, C, L) or (C, L) with probability p and
    scales the rest by 1 / (1 - p); in eval mode, the identity."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """In training, zeroes each channel of (N, C, H, W) with probability p and scales the
    rest by 1 / (1 - p); in eval mode, the identity."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """In training, zeroes each channel of (N, C, D, H, W) or (C, D, H, W) with
    probability p and scales the rest by 1 / (1 - p); in eval mode, the identity."""

    def forward(self, input):
        return dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout that keeps a unit-Gaussian input's mean and variance (for SELU networks)."""

    def forward(self, input):
        return alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels."""

    def forward(self, input):
        return feature_alpha_dropout(input, self.p, self.training, self.inplace)


class Embedding(Module):
    """A lookup table: row i of weight (num_embeddings, embedding_dim) is the vector of
    index i; weight starts as N(0, 1), with the padding_idx row zero and never updated.

    Args:
        max_norm: looked-up rows with a norm_type-norm above it are rescaled in place to
            that norm before the lookup (as torch.embedding_renorm_).
        scale_grad_by_freq: divide each row's gradient by how often its index occurs in
            the mini-batch.
        sparse: must be False (autograd_core has dense gradients only).
        _weight, _freeze: use this (num_embeddings, embedding_dim) tensor as the weight
            (sharing its array), and make it not require grad; see from_pretrained.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        _check_device("Embedding", device)
        F._check_dense("Embedding", sparse)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError("Padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(ag.empty(num_embeddings, embedding_dim, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            shape = tuple(_weight.shape)
            if shape != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: Shape of weight does not match num_embeddings "
                                 f"and embedding_dim: _weight of shape {shape}, expected "
                                 f"{(num_embeddings, embedding_dim)}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is `embeddings` (num_embeddings, embedding_dim), its
        array shared; freeze: the weight does not require grad (is not trained)."""
        if not isinstance(embeddings, Tensor):
            raise TypeError(f"Embedding.from_pretrained: embeddings must be a Tensor, got "
                            f"{type(embeddings).__name__}")
        if embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: Embeddings parameter is expected to "
                             f"be 2-dimensional, got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm,
                   norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse,
                   _weight=embeddings, _freeze=freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s


class Upsample(Module):
    """Resize (N, C, *spatial) by size or scale_factor with F.interpolate: mode
    'nearest' (default), 'nearest-exact', 'area', 'linear' (3D input), 'bilinear' or
    'bicubic' (4D input), 'trilinear' (5D input)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:  # as PyTorch: a zero scale_factor counts as none
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
