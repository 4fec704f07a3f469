"""BatchNorm1d/2d/3d, InstanceNorm1d/2d, GroupNorm, LayerNorm, RMSNorm and
LocalResponseNorm, with PyTorch's parameters, buffers and train/eval behaviour; and the
functional forms group_norm, instance_norm, rms_norm, local_response_norm (re-exported by
nn.functional, where batch_norm and layer_norm live)."""

import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str

from . import functional as F
from . import init
from .module import Module, Parameter, _check_device


class _BatchNorm(Module):
    _ndims = ()  # the input ranks a subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        _check_device(type(self).__name__, device)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:  # bias=False: a scale but no shift, as in PyTorch
            self.weight = Parameter(ag.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim not in self._ndims:
            ranks = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"expected {ranks} input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"(dim 1), got input of shape {tuple(input.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative moving average
                momentum = 1.0 / int(self.num_batches_tracked.data)
        # batch statistics in training, and always without running estimates (the
        # buffers are then None); the running estimates are updated while training
        use_batch = self.training or not self.track_running_stats
        return F._batch_norm(input, self.running_mean, self.running_var, self.weight,
                             self.bias, use_batch, momentum, self.eps, type(self).__name__)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C."""

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C."""

    _ndims = (5,)


class LayerNorm(Module):
    """Normalise over the last dims (normalized_shape) of each sample, then scale and shift
    elementwise (weight ones, bias zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        _check_device("LayerNorm", device)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.zeros(*self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F._layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps,
                             "LayerNorm")

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


def _torch_size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def _check_float(op, input):
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got dtype {input.dtype}")


def _check_channel_vector(op, input, name, t):
    """weight / bias of a per-channel norm: one value per channel (dim 1) of input."""
    if t is not None and tuple(t.shape) != (input.shape[1],):
        raise ShapeError(f"{op}: expected {name} to be a vector of size equal to the number "
                         f"of channels in input ({input.shape[1]}), but got {name} of shape "
                         f"{shape_str(t.shape)} and input of shape {shape_str(input.shape)}")


def _affine(y, weight, bias, ndim):
    """y * weight + bias, both per channel (dim 1) of a ndim-d y."""
    view = (1, -1) + (1,) * (ndim - 2)
    if weight is not None:
        y = y * weight.reshape(view)
    return y if bias is None else y + bias.reshape(view)


# --- group norm ---

def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the channels (dim 1) of (N, C, *) into num_groups groups and normalise each
    group of each sample over its channels and the other dims (biased variance); then
    * weight + bias per channel."""
    return _group_norm(input, num_groups, weight, bias, eps, "group_norm")


def _group_norm(input, num_groups, weight, bias, eps, op):
    _check_float(op, input)
    F._check_mixed_dtypes(op, input, (("weight", weight), ("bias", bias)))
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected at least 2 dimensions for input tensor (N, C, *), "
                         f"got shape {shape_str(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ShapeError(f"{op}: expected the number of channels in input ({c}) to be "
                         f"divisible by num_groups, but got input of shape "
                         f"{shape_str(input.shape)} and num_groups={num_groups}")
    _check_channel_vector(op, input, "weight", weight)
    _check_channel_vector(op, input, "bias", bias)
    per_group = (c // num_groups) * int(np.prod(input.shape[2:], dtype=np.int64))
    if n * per_group == 1:  # (PyTorch's check, on (N * C / G, G, *))
        raise ValueError("Expected more than 1 value per channel when training, got input "
                         f"size {_torch_size(input.shape)}")
    x = input.reshape(n, num_groups, per_group)
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    y = (centered / (var + eps).sqrt()).reshape(input.shape)
    return _affine(y, weight, bias, input.ndim)


class GroupNorm(Module):
    """Group normalisation of (N, C, *) inputs: the C = num_channels channels in num_groups
    groups, normalised per sample and group; weight (ones) and bias (zeros) per channel
    when affine."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        _check_device("GroupNorm", device)
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(ag.ones(num_channels, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.zeros(num_channels, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim >= 2 and input.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm: expected {self.num_channels} channels (dim 1), got "
                             f"input of shape {shape_str(input.shape)}")
        return _group_norm(input, self.num_groups, self.weight, self.bias, self.eps,
                           "GroupNorm")

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


# --- instance norm ---

def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample of (N, C, *) over its other dims. With
    use_input_stats, with the sample's mean and biased variance, and the running
    estimates (if given) move toward their batch means (mean, unbiased variance) by
    momentum; otherwise with the running estimates."""
    return _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                          momentum, eps, "instance_norm")


def _instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                   momentum, eps, op):
    _check_float(op, input)
    F._check_mixed_dtypes(op, input, (("weight", weight), ("bias", bias),
                                      ("running_mean", running_mean),
                                      ("running_var", running_var)))
    if input.ndim < 3:
        raise ShapeError(f"{op}: expected an input (N, C, *spatial) with at least one "
                         f"spatial dim, got shape {shape_str(input.shape)}")
    n, c = input.shape[:2]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        _check_channel_vector(op, input, name, t)
    dims = tuple(range(2, input.ndim))
    if use_input_stats:
        count = int(np.prod(input.shape[2:], dtype=np.int64))
        if count == 1:
            raise ValueError("Expected more than 1 spatial element when training, got input "
                             f"size {_torch_size(input.shape)}")
        mean = input.mean(dim=dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dim=dims, keepdim=True)
        if running_mean is not None and n and count:
            # PyTorch's estimates: the instances' statistics averaged over the batch
            with ag.no_grad():
                m = momentum
                running_mean.mul_(1 - m).add_(mean.detach().reshape(n, c).mean(dim=0) * m)
                unbiased = var.detach().reshape(n, c).mean(dim=0) * (count / (count - 1))
                running_var.mul_(1 - m).add_(unbiased * m)
    else:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when "
                             "use_input_stats=False")
        view = (1, c) + (1,) * (input.ndim - 2)
        centered = input - running_mean.reshape(view)
        var = running_var.reshape(view)
    return _affine(centered / (var + eps).sqrt(), weight, bias, input.ndim)


class _InstanceNorm(_BatchNorm):
    """BatchNorm's parameters, buffers and repr (as PyTorch's _NormBase), other defaults
    and per-sample statistics."""

    _ndims = ()  # (unbatched rank, batched rank)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input):
        name = type(self).__name__
        if input.ndim not in self._ndims:
            ranks = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"{name}: expected {ranks} input (got {input.ndim}D input)")
        channel_dim = 1 if input.ndim == self._ndims[1] else 0
        if input.shape[channel_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: expected input's size at dim={channel_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[channel_dim]} (input of shape "
                                 f"{shape_str(input.shape)})")
            warnings.warn(f"input's size at dim={channel_dim} does not match num_features. "
                          "You can silence this warning by not passing in num_features, "
                          "which is not used because affine=False", stacklevel=2)
        unbatched = channel_dim == 0
        x = input.unsqueeze(0) if unbatched else input
        # unlike BatchNorm: num_batches_tracked stays put, momentum=None means no update
        y = _instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                           self.training or not self.track_running_stats,
                           0.0 if self.momentum is None else self.momentum, self.eps, name)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or unbatched (C, L) inputs: each channel of
    each sample over L."""

    _ndims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or unbatched (C, H, W) inputs: each channel
    of each sample over H and W."""

    _ndims = (3, 4)


# --- RMS norm ---

def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the last len(normalized_shape) dims, then * weight;
    eps=None is the machine epsilon of input's dtype."""
    return _rms_norm(input, normalized_shape, weight, eps, "rms_norm")


def _rms_norm(input, normalized_shape, weight, eps, op):
    _check_float(op, input)
    F._check_mixed_dtypes(op, input, (("weight", weight),))
    shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ShapeError(f"{op}: input of shape {shape_str(input.shape)} does not end in the "
                         f"normalized_shape {shape}")
    if weight is not None and tuple(weight.shape) != shape:
        raise ShapeError(f"{op}: weight of shape {shape_str(weight.shape)} should be the "
                         f"normalized_shape {shape}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    y = input / ((input * input).mean(dim=dims, keepdim=True) + eps).sqrt()
    return y if weight is None else y * weight


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dims (normalized_shape), then an
    elementwise weight (ones)."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        _check_device("RMSNorm", device)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input):
        return _rms_norm(input, self.normalized_shape, self.weight, self.eps, "RMSNorm")

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


# --- local response norm ---

def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta; the window
    of channel c is c - size // 2 .. c + (size - 1) // 2, zero-padded at the ends."""
    return _local_response_norm(input, size, alpha, beta, k, "local_response_norm")


def _local_response_norm(input, size, alpha, beta, k, op):
    if input.ndim < 3:
        raise ShapeError(f"{op}: expected 3D or higher dimensionality input (N, C, *), got "
                         f"shape {shape_str(input.shape)}")
    if input.data.size == 0:
        return input
    n, c = input.shape[:2]
    sq = input * input
    sq = sq.reshape(n, c, -1)
    padded = ag.pad(sq, (0, 0, size // 2, (size - 1) // 2))
    total = padded[:, 0:c]
    for i in range(1, size):
        total = total + padded[:, i:i + c]
    div = (total.reshape(input.shape) * (alpha / size) + k) ** beta
    return input / div


class LocalResponseNorm(Module):
    """Local response normalisation across channels (dim 1) of (N, C, *) inputs."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return _local_response_norm(input, self.size, self.alpha, self.beta, self.k,
                                    "LocalResponseNorm")

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
