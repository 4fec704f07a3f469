"""autograd_core: a reverse-mode autograd engine on NumPy with PyTorch's API."""
# ruff: noqa: I001  (order matters: tensor before the ops that need it)

from . import _malloc, dtypes
from .dtypes import bool, float32, float64, get_default_dtype, int64, set_default_dtype  # noqa: A004
from .tensor import Tensor
from .function import Function, export
from .function import EXPORTED as _EXPORTED
from . import ops
from .ops.reduce import MinMax
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, tensor, zeros, zeros_like)
from .random import initial_seed, manual_seed, seed
from .grad_mode import (detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled,
                        inference_mode, no_grad, set_grad_enabled)
from .engine import grad
from .errors import ShapeError
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import data, datasets, functional
from .io import SerializationError, load, save
from . import training

float = float32  # noqa: A001  (torch.float)
double = float64
long = int64

globals().update(_EXPORTED)  # every exported op as ag.NAME (add, exp, sum, cat, einsum, ...)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


_malloc.tune()

__version__ = "0.1.0"
