"""nn.functional: the functional form of every layer and loss, composed from autograd_core
ops (none of them has a backward of its own)."""

import math

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import shape_str
from autograd_core.random import generator
from autograd_core.tensor import Tensor

# --- dtype checks: a layer's parameters and its input must share one dtype ---

# PyTorch's C++ names of our dtypes, for the messages that quote its wording
_C_NAMES = {"float32": ("Float", "float"), "float64": ("Double", "double"),
            "int64": ("Long", "long int"), "bool": ("Bool", "bool")}


def _cname(dtype, lower=False):
    names = _C_NAMES.get(dtype.name, (dtype.name, dtype.name))
    return names[1] if lower else names[0]


def _mismatch(dtype, params):
    """The first (name, tensor) of params (None skipped) whose dtype is not dtype."""
    for name, p in params:
        if p is not None and p.dtype != dtype:
            return name, p
    return None


def _dtype_error(op, text, input_name, input, name, param):
    """PyTorch's RuntimeError for an input and a parameter of different dtypes (nothing is
    promoted silently): its wording, the layer or function, and both dtypes."""
    return RuntimeError(f"{op}: {text} ({input_name} dtype {input.dtype}, {name} dtype "
                        f"{param.dtype})")


def _check_mixed_dtypes(op, input, params):
    """batch_norm's and layer_norm's check: every parameter and buffer has input's dtype."""
    bad = _mismatch(input.dtype, params)
    if bad is not None:
        raise _dtype_error(op, "mixed dtype (CPU): all inputs must share same datatype",
                           "input", input, *bad)


# --- linear ---

def linear(input, weight, bias=None):
    """y = x W^T + b, with W of shape (out_features, in_features)."""
    return _linear(input, weight, bias, "linear")


def _linear(input, weight, bias, op):
    """linear, with op (the layer or function called) naming it in errors."""
    dtype = input.dtype
    if weight.dtype != dtype or (bias is not None and bias.dtype != dtype):
        if weight.dtype != dtype:
            text = (f"mat1 and mat2 must have the same dtype, but got {_cname(dtype)} and "
                    f"{_cname(weight.dtype)}")
            raise _dtype_error(op, text, "input", input, "weight", weight)
        text = (f"self and mat2 must have the same dtype, but got {_cname(bias.dtype)} and "
                f"{_cname(weight.dtype)}")
        raise _dtype_error(op, text, "input", input, "bias", bias)
    if input.shape[-1:] != weight.shape[-1:]:
        raise ShapeError(f"{op}: input of shape {shape_str(input.shape)} does not end in the "
                         f"in_features={weight.shape[-1]} of the weight of shape "
                         f"{shape_str(weight.shape)}")
    if bias is not None and input.ndim == 2 and weight.ndim == 2:
        return ag.addmm(bias, input, weight.t())  # one node, the bias added in place
    y = ag.matmul(input, weight.t()) if weight.ndim == 2 else ag.matmul(input, weight)
    return y if bias is None else y + bias


# --- activations ---

def _check_inplace(op, input):
    """PyTorch refuses an in-place op on a leaf that requires grad (the gradient is for its
    value); checked before anything is computed."""
    if input.requires_grad and input.is_leaf and ag.is_grad_enabled():
        raise RuntimeError(f"{op}(inplace=True): a leaf Variable that requires grad is being "
                           "used in an in-place operation (clone() it first, or run under "
                           "ag.no_grad())")


def _write_back(input, out):
    """The in-place form of an op: its result, computed out of place, written into input
    (recorded in the graph as input.copy_(out)); returns input, as PyTorch's relu_ does.
    The ops above never save input's value for their backward, so the write does not
    invalidate the graph that computed out."""
    return input.copy_(out)


def relu(input, inplace=False):
    if inplace:
        _check_inplace("relu", input)
        return _write_back(input, ag.relu(input))
    return ag.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise."""
    if inplace:
        _check_inplace("leaky_relu", input)
    out = ag.where(input > 0, input, input * negative_slope)
    return _write_back(input, out) if inplace else out


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise (e^x of x where x <= 0 and of 0 elsewhere:
    the unused branch never overflows, so its zero gradient stays zero)."""
    if inplace:
        _check_inplace("elu", input)
    positive = input > 0
    # where, not minimum(x, 0): where's backward needs only the mask, never x's value,
    # so inplace=True can overwrite x (and x = 0 gets the slope alpha, as in PyTorch)
    out = ag.where(positive, input, (ag.where(positive, 0.0, input).exp() - 1.0) * alpha)
    return _write_back(input, out) if inplace else out


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt(2))); with
    approximate='tanh', 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return input * 0.5 * (ag.erf(input * (1 / math.sqrt(2))) + 1.0)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (ag.tanh(inner) + 1.0)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def sigmoid(input):
    return ag.sigmoid(input)


def tanh(input):
    return ag.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: F811  (the argument, not F.threshold)
    """log(1 + e^(beta x)) / beta, computed as (max(bx, 0) + log(1 + e^-|bx|)) / beta so
    it never overflows; x itself where beta x > threshold, as in PyTorch."""
    bx = input * beta
    return ag.where(bx > threshold, input, _softplus(bx) / beta)


def softmax(input, dim=None, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return ag.softmax(x, dim=_default_dim(x, dim))


def log_softmax(input, dim=None, dtype=None):
    x = input if dtype is None else input.to(dtype)
    return ag.log_softmax(x, dim=_default_dim(x, dim))


def _default_dim(x, dim):
    # PyTorch's legacy choice when dim is omitted: 0 for 0-, 1- and 3-d inputs, else 1
    if dim is not None:
        return dim
    return 0 if x.ndim in (0, 1, 3) else 1


# --- dropout and shape helpers ---

def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted
    dropout: the expected value is unchanged, so evaluation needs no rescaling). The mask
    comes from the global generator. Identity when not training or p == 0 (input itself,
    unchanged, also with inplace=True)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if inplace:
        _check_inplace("dropout", input)
    if p == 1.0:
        out = input * 0.0
    else:
        keep = generator().random(input.shape) >= p
        scale = np.asarray(1.0 / (1.0 - p), dtype=input.dtype)
        mask = np.where(keep, scale, np.zeros((), input.dtype))
        out = input * ag.tensor(mask, dtype=input.dtype)
    return _write_back(input, out) if inplace else out


def flatten(input, start_dim=1, end_dim=-1):
    return ag.flatten(input, start_dim, end_dim)


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) -> int64 tensor with one more dim of size num_classes
    (num_classes=-1: one more than the largest index)."""
    idx = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError("one_hot is only applicable to index tensor of integer dtype, got "
                        f"{idx.dtype}")
    if idx.size and idx.min() < 0:
        raise RuntimeError(f"one_hot: class values must be non-negative, got {int(idx.min())} "
                           f"(num_classes={num_classes})")
    if num_classes == -1:
        if not idx.size:
            raise RuntimeError("one_hot: can not infer the number of classes from an empty "
                               "tensor (pass num_classes)")
        num_classes = int(idx.max()) + 1
    if num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    if idx.size and idx.max() >= num_classes:
        raise RuntimeError(f"one_hot: class values must be smaller than num_classes="
                           f"{num_classes}, got {int(idx.max())}")
    return ag.tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p over dim, eps), as PyTorch: p = inf is the largest |x|,
    -inf the smallest, 0 the count of nonzeros (no gradient), else sum(|x|^p)^(1/p).
    A norm of 0 has gradient 0, so rows smaller than eps get gradient 1 / eps, not NaN."""
    return input / ag.clamp(_vector_norm(input, p, dim), min=eps)


def _vector_norm(x, p, dim):
    """||x||_p over dim, kept (ag.norm: gradient 0 where the norm or an element is 0, as in
    PyTorch)."""
    return ag.norm(x, p, dim, keepdim=True)


# --- normalisation ---

def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over the last len(normalized_shape) dims (biased
    variance), then * weight + bias."""
    return _layer_norm(input, normalized_shape, weight, bias, eps, "layer_norm")


def _layer_norm(input, normalized_shape, weight, bias, eps, op):
    """layer_norm, with op (the layer or function called) naming it in errors."""
    if (weight is not None and weight.dtype != input.dtype) or \
            (bias is not None and bias.dtype != input.dtype):
        _check_mixed_dtypes(op, input, (("weight", weight), ("bias", bias)))
    if input.dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"LayerNormKernelImpl\" not implemented for "
                                  f"'{_cname(input.dtype)}' (input dtype {input.dtype})")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise ShapeError(f"{op}: input of shape {shape_str(input.shape)} does not end in the "
                         f"normalized_shape {shape}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dim=dims, keepdim=True)
    y = centered / (var + eps).sqrt()
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and any further dims. In training,
    with the batch's mean and biased variance, and the running estimates (if given) move
    toward the batch's mean and unbiased variance by `momentum`; otherwise with the
    running estimates. An empty batch gives an empty output and leaves the running
    estimates as they are; one value per channel is refused in training, as in PyTorch."""
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                       eps, "batch_norm")


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, op):
    """batch_norm, with op (the layer or function called) naming it in errors."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"batch_norm\" not implemented for "
                                  f"'{_cname(input.dtype)}' (input dtype {input.dtype})")
    _check_mixed_dtypes(op, input, (("weight", weight), ("bias", bias),
                                   ("running_mean", running_mean),
                                   ("running_var", running_var)))
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected an input with a channel dim (N, C, ...), got "
                         f"shape {shape_str(input.shape)}")
    c = input.shape[1]
    dims = (0,) + tuple(range(2, input.ndim))
    view = (1, c) + (1,) * (input.ndim - 2)
    if training:
        count = input.data.size // c if c else 0
        if count == 1:
            raise ShapeError("Expected more than 1 value per channel when training, got "
                             f"input size torch.Size([{', '.join(map(str, input.shape))}])")
        if count == 0:
            # nothing to normalise: an empty output (still in the graph, so backward gives
            # weight and bias zero gradients), and no statistics to move the estimates by
            mean = input.sum(dim=dims, keepdim=True)  # zeros, without empty-mean warnings
            centered = input - mean
            var = mean
        else:
            mean = input.mean(dim=dims, keepdim=True)
            centered = input - mean
            var = (centered * centered).mean(dim=dims, keepdim=True)
            if running_mean is not None:
                with ag.no_grad():
                    m = momentum
                    running_mean.mul_(1 - m).add_(mean.reshape(c).detach() * m)
                    unbiased = var.reshape(c).detach() * (count / (count - 1))
                    running_var.mul_(1 - m).add_(unbiased * m)
    else:
        if running_mean is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when not "
                             "training")
        mean = running_mean.reshape(view)
        centered = input - mean
        var = running_var.reshape(view)
    y = centered / (var + eps).sqrt()
    if weight is not None:
        y = y * weight.reshape(view)
    return y if bias is None else y + bias.reshape(view)


# --- embedding ---

def _check_dense(op, sparse):
    """sparse=True asks for a sparse weight gradient, which autograd_core does not have."""
    if sparse:
        raise ValueError(f"{op}: sparse=True is not supported: autograd_core has no sparse "
                         "gradients (sparse=False gives the same gradient, dense)")


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    """torch.embedding_renorm_: every row of weight that idx looks up and whose
    norm_type-norm exceeds max_norm is scaled, in place and untracked, by
    max_norm / (norm + 1e-7)."""
    rows = np.unique(idx)
    w = weight.data[rows]
    norms = np.linalg.norm(w, ord=norm_type, axis=1).astype(np.float64)
    big = norms > max_norm
    if big.any():
        # the scale in double, applied in the weight's dtype, as PyTorch's row *= scale
        scale = (max_norm / (norms[big] + 1e-7)).astype(weight.dtype)
        with ag.no_grad():
            weight[rows[big]] = ag.tensor(w[big] * scale[:, None], dtype=weight.dtype)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of weight picked by the integer indices in input: output shape input.shape +
    (embedding_dim,). The row at padding_idx gets no gradient.

    Args:
        max_norm: before the lookup, every looked-up row whose norm_type-norm exceeds
            max_norm is rescaled in place to (about) max_norm, as in PyTorch.
        scale_grad_by_freq: each row's gradient is divided by how often its index occurs
            in input.
        sparse: must be False (autograd_core has dense gradients only).
    """
    _check_dense("embedding", sparse)
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"embedding: index {bad} is out of range for {n} embeddings")
    if padding_idx is not None and not -n <= padding_idx < n:
        raise ValueError(f"embedding: Padding_idx must be within num_embeddings, got "
                         f"padding_idx={padding_idx} for {n} embeddings")
    if max_norm is not None and idx.size:
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    out = weight[ag.tensor(idx)]
    if scale_grad_by_freq and out.requires_grad:
        # y - y.detach() is exactly 0, so the value stays out's; the gradient reaching the
        # weight goes through y only, scaled per looked-up element by 1 / its index's count
        _, inverse, counts = np.unique(idx.ravel(), return_inverse=True, return_counts=True)
        scale = (1.0 / counts)[inverse].reshape(idx.shape + (1,))
        y = out * ag.tensor(scale, dtype=out.dtype)
        out = out.detach() + (y - y.detach())
    if padding_idx is not None:
        keep = ag.tensor((idx != padding_idx % n)[..., None])
        out = ag.where(keep, out, out.detach())
    return out


# --- resampling ---

def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims: pad = (left, right) for the last dim, then the one
    before, ... mode 'constant' (with value, default 0), 'reflect' (mirror without the
    edge), 'replicate' (repeat the edge) or 'circular' (wrap around): ag.pad, which also
    checks the arguments. In every mode a negative width crops that side, as in PyTorch
    (the other modes index the uncropped input: reflect (-1, 2) of [0 1 2 3 4] is
    [1 2 3 4 3 2]); here the widths of the other modes must also be at most what the mode
    can fill, else a ShapeError (PyTorch's RuntimeError)."""
    if len(pad) <= 2 * input.ndim and len(pad) % 2 == 0:
        if mode == "constant":
            for k in range(len(pad) // 2):  # PyTorch crops first: at most the whole dim
                dim, lo, hi = input.ndim - 1 - k, int(pad[2 * k]), int(pad[2 * k + 1])
                if input.shape[dim] + min(lo, 0) + min(hi, 0) < 0:
                    raise ShapeError(f"pad: padding ({lo}, {hi}) of dim {dim} crops more than "
                                     f"the input of shape {shape_str(input.shape)} has")
        elif mode in ("reflect", "replicate", "circular"):
            if not _check_pad_widths(input, pad, mode):  # circular to an empty result
                return _empty_pad(input, pad)
    return ag.pad(input, pad, value=value, mode=mode)


def _empty_pad(input, pad):
    """An empty result of pad's shape: a dim it empties sliced to nothing, the others
    resized (a constant padding or crop of an empty tensor: no values to fill)."""
    sizes = [input.shape[input.ndim - 1 - k] + int(pad[2 * k]) + int(pad[2 * k + 1])
             for k in range(len(pad) // 2)]
    dim = input.ndim - 1 - sizes.index(0)
    x = input[(slice(None),) * dim + (slice(0, 0),)]
    widths = []
    for k, size in enumerate(sizes):
        widths += [0, size - x.shape[x.ndim - 1 - k]]
    return ag.pad(x, widths)


def _check_pad_widths(input, pad, mode):
    """PyTorch's limits on reflect / replicate / circular widths, per padded dim (circular
    wraps at most once around what its crops leave, where PyTorch reads past the input);
    reflect and replicate refuse an output whose padded dims are all empty. False for a
    circular padding that empties a dim (whatever its other widths)."""
    shape, sizes = tuple(input.shape), []
    padded = [(input.ndim - 1 - k, int(pad[2 * k]), int(pad[2 * k + 1]))
              for k in range(len(pad) // 2)]
    for dim, lo, hi in padded:
        if shape[dim] + lo + hi < 0:
            raise ShapeError(f"pad: {mode} padding ({lo}, {hi}) of dim {dim} would make it "
                             f"negative for the input of shape {shape_str(shape)}")
        if mode == "circular" and max(lo, hi) > shape[dim]:
            raise ShapeError(f"pad: circular padding ({lo}, {hi}) of dim {dim} wraps around "
                             f"more than once the input of shape {shape_str(shape)}")
    if mode == "circular" and any(shape[d] + lo + hi == 0 for d, lo, hi in padded):
        return False
    for dim, lo, hi in padded:
        n = shape[dim]
        where = f"pad: {mode} padding ({lo}, {hi}) of dim {dim}"
        tail = f" for the input of shape {shape_str(shape)}"
        if mode == "circular":  # it wraps around what is left after the crops
            limit = n - max(-lo, 0) - max(-hi, 0)
        elif lo == hi == 0:
            limit = math.inf
        elif n == 0:
            raise ShapeError(f"{where} cannot fill from an empty dim{tail}")
        else:  # replicate repeats the edge as often as asked (as torch)
            limit = math.inf if mode == "replicate" else n - 1
        if lo > limit or hi > limit:
            raise ShapeError(f"{where} must be between 0 and {limit} where it pads (a "
                             f"negative width crops){tail}")
        sizes.append(n + lo + hi)
    if mode != "circular" and sizes and not any(sizes):
        raise ShapeError(f"pad: {mode} padding {tuple(pad)} leaves no element in the padded "
                         f"dims of the input of shape {shape_str(shape)}")
    return True


# interpolate (and its deprecated alias upsample) lives in resampling.py: its 'area' mode is
# adaptive average pooling, and every mode is a weight matrix per dim as that one is


# the functional forms that live next to their layers
from .activation import (  # noqa: E402, F401
    celu,
    celu_,
    elu_,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu_,
    logsigmoid,
    mish,
    prelu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    silu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from .attention import (  # noqa: E402, F401
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from .conv import conv1d, conv2d, conv_transpose2d  # noqa: E402, F401
from .distance import cosine_similarity, pairwise_distance  # noqa: E402, F401
from .linear import (  # noqa: E402, F401
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .loss import (  # noqa: E402, F401
    _softplus,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from .margin_loss import (  # noqa: E402, F401
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from .norm import (  # noqa: E402, F401
    group_norm,
    instance_norm,
    local_response_norm,
    rms_norm,
)
from .pooling import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
)
from .recurrent import gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell  # noqa: E402, F401
from .resampling import (  # noqa: E402, F401
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
