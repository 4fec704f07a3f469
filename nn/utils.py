"""Gradient clipping and flat parameter vectors, as torch.nn.utils."""

import math
import sys

import numpy as np

import autograd_core as ag

from . import rnn_utils as rnn

# `from nn.utils.rnn import pad_sequence` works as with torch (utils is a module here)
sys.modules[__name__ + ".rnn"] = rnn


def _params(parameters):
    return [parameters] if isinstance(parameters, ag.Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so their joint norm is at most max_norm (the norm of
    all gradients seen as one vector). Returns that total norm, before clipping, as a
    Tensor. Exploding gradients in RNNs are the classic use."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return ag.tensor(0.0)
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.abs(g.data).max()) if g.data.size else 0.0 for g in grads)
    else:
        total = sum(float((np.abs(g.data.astype(np.float64)) ** norm_type).sum())
                    for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.data *= np.asarray(coef, dtype=g.data.dtype)
    return ag.tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-d Tensor (a copy)."""
    params = _params(parameters)
    return ag.cat([p.reshape(-1) for p in params]) if params else ag.tensor([])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of vec into the parameters (in place, not recorded)."""
    if not isinstance(vec, ag.Tensor):
        raise TypeError(f"expected a Tensor, but got: {type(vec).__name__}")
    params = _params(parameters)
    total = sum(p.data.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} does not "
                         f"hold the {total} values of the parameters")
    offset = 0
    with ag.no_grad():
        for p in params:
            n = p.data.size
            p.copy_(vec[offset:offset + n].reshape(p.shape))
            offset += n


# torch.nn.utils.parametrize and .parametrizations (weight_norm, spectral_norm), and the
# older hook-based weight_norm; imported last: they import nn's modules
from . import parametrizations, parametrize  # noqa: E402
from .parametrizations import _hook_weight_norm as weight_norm  # noqa: E402, F401
from .parametrizations import (  # noqa: E402, F401
    _remove_hook_weight_norm as remove_weight_norm,
)

sys.modules[__name__ + ".parametrize"] = parametrize  # from nn.utils.parametrize import ...
sys.modules[__name__ + ".parametrizations"] = parametrizations
