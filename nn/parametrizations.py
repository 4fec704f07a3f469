"""weight_norm and spectral_norm as parametrizations (torch.nn.utils.parametrizations),
and the older hook-based weight_norm / remove_weight_norm of torch.nn.utils, whose
parameters are weight_g and weight_v. All composed of autograd_core ops."""

import warnings

import autograd_core as ag
from autograd_core.tensor import Tensor

from . import functional as F
from . import parametrize
from .module import Module, Parameter


def _norm_except_dim(v, dim):
    """The 2-norm of v over every dim but `dim`, keeping dims (torch.norm_except_dim);
    dim=-1 means over all of v (a 0-d result), as in torch."""
    if dim == -1:
        return ag.norm(v, 2)
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:  # a 1-d v normed per element
        return ag.abs(v)
    return ag.norm(v, 2, dim=others, keepdim=True)


def _weight_norm(v, g, dim):
    """w = g * v / ||v||, the norm over every dim but `dim` (torch._weight_norm)."""
    return v * (g / _norm_except_dim(v, dim))


# --- parametrizations ---

class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrize module.<name> as g * v / ||v|| (the norm over every dim but `dim`; over
    all of it for dim=None). g and v are trained, and saved under torch's keys
    'parametrizations.<name>.original0' (g) and '...original1' (v); a state_dict of the
    old hook-based weight_norm ('<name>_g', '<name>_v') loads too. Returns module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys,
                                 unexpected_keys, error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = self._reshape_weight_to_matrix(weight.detach())
            h, w = weight_mat.shape
            u = F.normalize(ag.randn(h, dtype=weight.dtype), dim=0, eps=eps)
            v = F.normalize(ag.randn(w, dtype=weight.dtype), dim=0, eps=eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(weight_mat, 15)

    def _reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.permute(self.dim, *(d for d in range(weight.ndim) if d != self.dim))
        return weight.flatten(1)

    def _power_method(self, weight_mat, n_power_iterations):
        # in place, as torch (out=): the buffers stay the same objects
        with ag.no_grad():
            for _ in range(n_power_iterations):
                self._u.data[...] = F.normalize(ag.mv(weight_mat, self._v), dim=0,
                                                eps=self.eps).data
                self._v.data[...] = F.normalize(ag.mv(weight_mat.T, self._u), dim=0,
                                                eps=self.eps).data

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(weight_mat.detach(), self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()  # later power steps must not touch these
        sigma = ag.vdot(u, ag.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrize module.<name> as W / sigma(W), its largest singular value estimated
    by power iteration (one step per training-mode access). The state_dict has torch's
    keys: 'parametrizations.<name>.original', '...0._u', '...0._v'. Returns module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module._get_name()}' has no parameter or buffer with "
                         f"name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# --- the older hook-based weight_norm (torch.nn.utils.weight_norm) ---

class WeightNorm:
    """The forward pre-hook of the old weight_norm: recomputes module.<name> from
    <name>_g and <name>_v before every forward."""

    def __init__(self, name, dim):
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                      stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError("Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g",
                                  Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))  # keeps dtype
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        with ag.no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def _hook_weight_norm(module, name="weight", dim=0):
    """torch.nn.utils.weight_norm (deprecated there): module.<name> becomes
    g * v / ||v||, with parameters <name>_g and <name>_v, recomputed by a forward pre-hook
    before every forward. Returns module."""
    WeightNorm.apply(module, name, dim)
    return module


def _remove_hook_weight_norm(module, name="weight"):
    """Undo the hook-based weight_norm: <name> is a plain Parameter again."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module._get_name()}")
