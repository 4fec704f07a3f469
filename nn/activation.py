"""Activation layers: each is its nn.functional form as a Module. The functional forms of
the activations added after the first few live here too (nn.functional re-exports them)."""

import warnings

import numpy as np

import autograd_core as ag
from autograd_core.errors import ShapeError
from autograd_core.ops._common import norm_dim, shape_str
from autograd_core.random import generator

from . import functional as F
from . import init as init_module
from .loss import _softplus
from .module import Module, Parameter, _check_device

# SELU's constants (Klambauer et al. 2017), to PyTorch's precision
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# --- functional forms ---

def _inplace(op, input, inplace, compute):
    """compute(input), or with inplace=True its result written into input. Computed from a
    clone: the compositions below may save input's value for their backward, which the
    write-back would otherwise overwrite."""
    if not inplace:
        return compute(input)
    F._check_inplace(op, input)
    return F._write_back(input, compute(input.clone()))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """min_val where x <= min_val, max_val where x >= max_val, x between (gradient 0 at both
    ends, as in PyTorch; NaN stays NaN)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got "
                         f"min_val={min_val} and max_val={max_val}")

    def compute(x):
        return ag.where(x <= min_val, min_val, ag.where(x >= max_val, max_val, x))
    return _inplace("hardtanh", input, inplace, compute)


def relu6(input, inplace=False):
    """min(max(0, x), 6): hardtanh(x, 0, 6)."""
    if inplace:
        F._check_inplace("relu6", input)
    return hardtanh(input, 0.0, 6.0, inplace)


def silu(input, inplace=False):
    """x * sigmoid(x) (also called swish)."""
    return _inplace("silu", input, inplace, lambda x: x * ag.sigmoid(x))


def mish(input, inplace=False):
    """x * tanh(softplus(x)), softplus computed without overflow."""
    return _inplace("mish", input, inplace, lambda x: x * ag.tanh(_softplus(x)))


def hardsigmoid(input, inplace=False):
    """0 where x <= -3, 1 where x >= 3, x / 6 + 1/2 between; NaN stays NaN with gradient 0
    (PyTorch's min(max(x + 3, 0), 6) / 6)."""
    def compute(x):
        mid = (x > -3.0) & (x < 3.0)
        return ag.where(mid, x * (1 / 6) + 0.5,
                        ag.where(x <= -3.0, 0.0, ag.where(x >= 3.0, 1.0, x.detach())))
    return _inplace("hardsigmoid", input, inplace, compute)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x): x (x + 3) / 6 for -3 < x < 3, x where x >= 3 (and for NaN),
    x * 0 where x <= -3 (NaN at -inf) with gradient 0, as PyTorch's x min(max(x + 3, 0), 6)
    / 6. The product is taken at 0 outside (-3, 3), so that +-inf gives no inf * 0."""
    def compute(x):
        mid = (x > -3.0) & (x < 3.0)
        xm = ag.where(mid, x, 0.0)
        with np.errstate(invalid="ignore"):
            low = x.detach() * 0.0  # -0, and NaN at -inf, as PyTorch's
        return ag.where(mid, xm * (xm + 3.0) * (1 / 6), ag.where(x <= -3.0, low, x))
    return _inplace("hardswish", input, inplace, compute)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for x of any size."""
    return -_softplus(-input)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) over dim."""
    x = input if dtype is None else input.to(dtype)
    return ag.softmax(-x, dim=F._default_dim(x, dim))


def selu(input, inplace=False):
    """scale * elu(x, alpha), with SELU's self-normalising alpha and scale."""
    if inplace:
        F._check_inplace("selu", input)
    out = F.elu(input, _SELU_ALPHA) * _SELU_SCALE
    return F._write_back(input, out) if inplace else out


def celu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^(x / alpha) - 1) otherwise."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (x / alpha), got alpha=0")
    if inplace:
        F._check_inplace("celu", input)
    positive = input > 0
    # as elu: e^x only of x <= 0, so the unused branch never overflows
    scaled = ag.where(positive, 0.0, input) * (1.0 / alpha)
    out = ag.where(positive, input, (scaled.exp() - 1.0) * alpha)
    return F._write_back(input, out) if inplace else out


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the first and second halves of input along dim."""
    if input.ndim == 0:
        raise ShapeError("glu: does not support scalars because halving size must be even")
    d = norm_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise ShapeError(f"glu: Halving dimension must be even, but dimension {d} is size "
                         f"{input.shape[d]} (input of shape {shape_str(input.shape)})")
    a, b = ag.chunk(input, 2, d)
    return a * ag.sigmoid(b)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, value otherwise."""
    return _inplace("threshold", input, inplace, lambda x: ag.where(x <= threshold, value, x))


_threshold = threshold  # for threshold_, whose argument hides the function


def prelu(input, weight):
    """x for x > 0, weight * x otherwise; weight holds one slope, or one per channel (dim 1,
    the input having 2 or more dims)."""
    if weight.ndim > 1:
        raise ValueError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got "
                         f"weight of shape {shape_str(weight.shape)}")
    n = weight.numel()
    if n == 1:
        w = weight.reshape(())
    else:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != n:
            raise ShapeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                             f"Found parameter numbers = {n} and channel size = {channels} "
                             f"(input of shape {shape_str(input.shape)})")
        w = weight.reshape((n,) + (1,) * (input.ndim - 2))
    return ag.where(input > 0, input, input * w)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ag.tanh(input)


def _check_lambd(op, lambd):
    if lambd < 0:
        raise ValueError(f"{op}: lambd must be greater or equal to 0, got {lambd}")


def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 between."""
    _check_lambd("softshrink", lambd)
    # x * 0 rather than 0 in the band: NaN stays NaN, as in PyTorch
    return ag.where(input > lambd, input - lambd,
                    ag.where(input < -lambd, input + lambd, input * 0.0))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 otherwise."""
    x = input.data
    return ag.where(ag.tensor((x >= -lambd) & (x <= lambd)), 0.0, input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: in training, each x <= 0 is multiplied by its own slope drawn
    from U(lower, upper) (the global generator); otherwise the slope is (lower + upper) / 2."""
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower} and "
                         f"upper={upper}")
    if not training:
        if inplace:
            F._check_inplace("rrelu", input)
        return F.leaky_relu(input, (lower + upper) / 2, inplace)
    if inplace:
        F._check_inplace("rrelu", input)
    slopes = generator().uniform(lower, upper, input.shape)
    noise = np.where(input.data <= 0, slopes, 1.0).astype(input.dtype, copy=False)
    out = input * ag.tensor(noise, dtype=input.dtype)
    return F._write_back(input, out) if inplace else out


# the in-place forms PyTorch names with a trailing underscore

def relu_(input):
    return F.relu(input, inplace=True)


def elu_(input, alpha=1.0):
    return F.elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return F.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):  # noqa: F811 (PyTorch's argument name)
    return _threshold(input, threshold, value, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def selu_(input):
    return selu(input, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


# --- Modules ---


class ReLU(Module):
    """max(0, x)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x * Phi(x) (Phi: the standard normal CDF), or its tanh approximation."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """log(1 + e^(beta x)) / beta; x where beta x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """e^x / sum(e^x) over dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) over dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


def _inplace_repr(inplace, first=False):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class Hardtanh(Module):
    """min_val where x <= min_val, max_val where x >= max_val, x between."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None,
                 max_value=None):
        super().__init__()
        # PyTorch's deprecated spellings, accepted with its warning
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to "
                          "`min_val`", FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to "
                          "`max_val`", FutureWarning, stacklevel=2)
            max_val = max_value
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val cannot be greater than max_val, got "
                             f"min_val={min_val} and max_val={max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self.inplace)


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace, first=True)


class _InplaceActivation(Module):
    """An activation with only an inplace flag, printed as PyTorch does."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return _inplace_repr(self.inplace, first=True)


class SiLU(_InplaceActivation):
    """x * sigmoid(x)."""

    def forward(self, input):
        return silu(input, self.inplace)


class Mish(_InplaceActivation):
    """x * tanh(softplus(x))."""

    def forward(self, input):
        return mish(input, self.inplace)


class SELU(_InplaceActivation):
    """scale * elu(x, alpha), with SELU's fixed alpha and scale."""

    def forward(self, input):
        return selu(input, self.inplace)


class Hardsigmoid(_InplaceActivation):
    """0 where x <= -3, 1 where x >= 3, x / 6 + 1/2 between."""

    def forward(self, input):
        return hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return ""  # PyTorch prints no arguments, inplace or not


class Hardswish(_InplaceActivation):
    """x * hardsigmoid(x)."""

    def forward(self, input):
        return hardswish(input, self.inplace)

    def extra_repr(self):
        return ""  # PyTorch prints no arguments, inplace or not


class LogSigmoid(Module):
    """log(sigmoid(x)), computed stably."""

    def forward(self, input):
        return logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input):
        return softsign(input)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input):
        return tanhshrink(input)


class Softmin(Module):
    """softmax(-x) over dim."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class CELU(Module):
    """x for x > 0, alpha (e^(x / alpha) - 1) otherwise."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace)


class GLU(Module):
    """a * sigmoid(b), a and b the halves of the input along dim."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """x where x > threshold, value otherwise."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + _inplace_repr(self.inplace)


class PReLU(Module):
    """x for x > 0, weight * x otherwise, with a learnt slope `weight` (num_parameters of
    them: 1, or one per input channel), starting at init."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        _check_device("PReLU", device)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(ag.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init_module.constant_(self.weight, self.init)

    def forward(self, input):
        return prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class _Shrink(Module):
    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    """x - lambd where x > lambd, x + lambd where x < -lambd, 0 between."""

    def forward(self, input):
        return softshrink(input, self.lambd)


class Hardshrink(_Shrink):
    """x where |x| > lambd, 0 otherwise."""

    def forward(self, input):
        return hardshrink(input, self.lambd)


class RReLU(Module):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training
    and is (lower + upper) / 2 in eval mode."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + _inplace_repr(self.inplace)
