"""Weight and spectral normalisation.

weight_norm and spectral_norm here are parametrizations (the API of
torch.nn.utils.parametrizations); _hook_weight_norm / _remove_hook_weight_norm are the
older forward-pre-hook flavour of torch.nn.utils, which keeps `<name>_g` and `<name>_v`
as ordinary parameters of the module. Everything is built from autograd_core ops, so
gradients reach the stored tensors.
"""

import warnings

import autograd_core as ag
from autograd_core.tensor import Tensor

from . import functional as F
from . import parametrize
from .module import Module, Parameter


def _norm_except_dim(v, dim):
    """Euclidean norm of v taken over all axes except `dim`, with those axes kept as size
    1 (torch.norm_except_dim). dim == -1 stands for "no axis is spared": the norm of the
    whole tensor, as a 0-d value."""
    if dim == -1:
        return ag.norm(v, 2)
    spared = dim % v.ndim
    reduced = tuple(axis for axis in range(v.ndim) if axis != spared)
    if reduced:
        return ag.norm(v, 2, dim=reduced, keepdim=True)
    return ag.abs(v)  # a vector spared along its only axis: each entry is its own norm


def _rescale(v, g, dim):
    """Rescale v so its norm (see _norm_except_dim) becomes g (torch._weight_norm)."""
    return v * (g / _norm_except_dim(v, dim))


def _unit(vec, eps):
    """vec scaled to length 1 (lengths below eps count as eps)."""
    return F.normalize(vec, dim=0, eps=eps)


# Parametrizations.

class _WeightNorm(Module):
    """Takes (g, v) and gives g * v / ||v||; splits a weight into those two."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, magnitude, direction):
        return _rescale(direction, magnitude, self.dim)

    def right_inverse(self, target):
        magnitude = _norm_except_dim(target, self.dim)
        return magnitude, target


def weight_norm(module, name="weight", dim=0):
    """Reparametrize module.<name> as g * v / ||v||, the norm taken over every axis but
    `dim` (over everything when dim is None).

    g and v become the trained tensors, saved under PyTorch's keys
    'parametrizations.<name>.original0' (g) and 'parametrizations.<name>.original1' (v).
    Checkpoints written with the hook-based weight_norm ('<name>_g', '<name>_v') still
    load: their keys are renamed on the way in. Returns module.
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    old_g, old_v = f"{name}_g", f"{name}_v"
    new_prefix = f"parametrizations.{name}."

    def _upgrade_old_keys(state_dict, prefix, local_metadata, strict, missing_keys,
                          unexpected_keys, error_msgs):
        if prefix + old_g not in state_dict or prefix + old_v not in state_dict:
            return
        state_dict[prefix + new_prefix + "original0"] = state_dict.pop(prefix + old_g)
        state_dict[prefix + new_prefix + "original1"] = state_dict.pop(prefix + old_v)

    module._register_load_state_dict_pre_hook(_upgrade_old_keys)
    return module


class _SpectralNorm(Module):
    """Divides a weight by an estimate of its largest singular value.

    The estimate comes from power iteration on the weight viewed as a matrix (axis `dim`
    first, the others flattened). The singular-vector guesses are the buffers `_u` and
    `_v`; each forward in training mode refines them by n_power_iterations steps. A 1-d
    weight is simply scaled to unit length.
    """

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        rank = weight.ndim
        if not -rank <= dim < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{rank}, {rank - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim % rank
        self.eps = eps
        if rank == 1:
            return
        self.n_power_iterations = n_power_iterations
        matrix = self._as_matrix(weight.detach())
        rows, cols = matrix.shape
        # random starting guesses (u first, then v), then a long warm-up
        self.register_buffer("_u", _unit(ag.randn(rows, dtype=weight.dtype), eps))
        self.register_buffer("_v", _unit(ag.randn(cols, dtype=weight.dtype), eps))
        self._refine(matrix, steps=15)

    def _as_matrix(self, weight):
        if self.dim == 0:
            return weight.flatten(1)
        order = [self.dim] + [axis for axis in range(weight.ndim) if axis != self.dim]
        return weight.permute(*order).flatten(1)

    def _refine(self, matrix, steps):
        # The buffers are written in place, so they stay the very objects registered.
        u, v = self._u, self._v
        with ag.no_grad():
            for _step in range(steps):
                u.data[...] = _unit(ag.mv(matrix, v), self.eps).data
                v.data[...] = _unit(ag.mv(matrix.T, u), self.eps).data

    def forward(self, weight):
        if weight.ndim == 1:
            return _unit(weight, self.eps)
        matrix = self._as_matrix(weight)
        if self.training:
            self._refine(matrix.detach(), steps=self.n_power_iterations)
        # copies: a later refinement must not alter what this output was computed from
        left, right = self._u.clone(), self._v.clone()
        sigma = ag.vdot(left, ag.mv(matrix, right))
        return weight / sigma

    def right_inverse(self, value):
        # Any tensor is its own preimage: dividing by sigma is not undone.
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize module.<name> as W / sigma(W), sigma being its largest singular value
    as estimated by power iteration (one refinement per read in training mode).

    dim defaults to 1 for transposed convolutions and 0 otherwise. The state_dict uses
    PyTorch's keys: 'parametrizations.<name>.original' and
    'parametrizations.<name>.0._u' / '._v'. Returns module.
    """
    target = getattr(module, name, None)
    if not isinstance(target, Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with "
                         f"name '{name}'")
    if dim is None:
        transposed = type(module).__name__.startswith("ConvTranspose")
        dim = 1 if transposed else 0
    normaliser = _SpectralNorm(target, n_power_iterations, dim, eps)
    parametrize.register_parametrization(module, name, normaliser)
    return module


# The hook-based weight_norm of torch.nn.utils (deprecated there).

class WeightNorm:
    """Forward pre-hook that rebuilds module.<name> from <name>_g and <name>_v before
    each forward pass."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def _pair(self, module):
        return (getattr(module, f"{self.name}_g"), getattr(module, f"{self.name}_v"))

    def compute_weight(self, module):
        g, v = self._pair(module)
        return _rescale(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        if any(_is_weight_norm_of(hook, name) for hook in module._forward_pre_hooks.values()):
            raise RuntimeError("Cannot register two weight_norm hooks on the same "
                               f"parameter {name}")
        hook = WeightNorm(name, dim)
        w = getattr(module, name)
        del module._parameters[name]
        magnitude = _norm_except_dim(w, hook.dim).detach()
        module.register_parameter(f"{name}_g", Parameter(magnitude))
        module.register_parameter(f"{name}_v", Parameter(w.detach()))  # dtype unchanged
        hook._refresh(module)
        module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module):
        with ag.no_grad():
            final = self.compute_weight(module)
        delattr(module, self.name)
        for suffix in ("_g", "_v"):
            del module._parameters[self.name + suffix]
        setattr(module, self.name, Parameter(final.detach()))

    def _refresh(self, module):
        # a plain tensor attribute, not a Parameter: g and v are what gets trained
        current = self.compute_weight(module)
        setattr(module, self.name, current)

    def __call__(self, module, args):
        self._refresh(module)


def _is_weight_norm_of(hook, name):
    return isinstance(hook, WeightNorm) and hook.name == name


def _hook_weight_norm(module, name="weight", dim=0):
    """torch.nn.utils.weight_norm: module.<name> becomes g * v / ||v|| with g and v the
    parameters <name>_g and <name>_v, recomputed by a forward pre-hook before every
    forward. Returns module."""
    WeightNorm.apply(module, name, dim)
    return module


def _remove_hook_weight_norm(module, name="weight"):
    """Undo _hook_weight_norm: module.<name> is a plain Parameter again."""
    hooks = module._forward_pre_hooks
    found = next((key for key, hook in hooks.items() if _is_weight_norm_of(hook, name)), None)
    if found is None:
        raise ValueError(f"weight_norm of '{name}' not found in {module._get_name()}")
    hooks[found].remove(module)
    del hooks[found]
    return module
