"""Parametrized tensors, with the API of torch.nn.utils.parametrize.

A parametrized attribute is never stored on the module. Each read of it runs a chain of
small modules over one or more stored "original" tensors, and each assignment to it is
translated back into new originals through the chain's right_inverse methods. The
originals are what an optimizer updates and what state_dict saves; they live in
``module.parametrizations[name]`` under the key names PyTorch uses, so checkpoints are
interchangeable ('parametrizations.weight.original', or 'original0', 'original1', ...
when the chain is fed several tensors, as weight_norm's g and v).
"""

import contextlib

import autograd_core as ag
from autograd_core.tensor import Tensor

from .containers import ModuleDict, ModuleList
from .module import Parameter

_HOLDER = "parametrizations"  # the submodule (a ModuleDict) that owns every chain


class _ReadCache:
    """Values of parametrized attributes, kept while at least one `cached()` block is
    open, keyed by (id of the owning module, attribute name)."""

    def __init__(self):
        self.depth = 0
        self.values = {}

    def fetch(self, owner, name, compute):
        if self.depth == 0:
            return compute()
        key = (id(owner), name)
        value = self.values.get(key)
        if value is None:
            value = compute()
            self.values[key] = value
        return value


_read_cache = _ReadCache()


@contextlib.contextmanager
def cached():
    """Within this block a parametrized attribute is evaluated on its first read only;
    later reads get the same tensor back. Handy when a forward pass reads one weight many
    times (an unrolled RNN, say). Blocks may be nested; the values are dropped when the
    outermost one exits."""
    _read_cache.depth += 1
    try:
        yield
    finally:
        _read_cache.depth -= 1
        if _read_cache.depth == 0:
            _read_cache.values.clear()


def _attach(owner, name, tensor):
    """Register tensor on owner: as a parameter if it is one, otherwise as a buffer."""
    register = owner.register_parameter if isinstance(tensor, Parameter) else owner.register_buffer
    register(name, tensor)


def _overwrite(dest, src):
    """Make dest hold src's values (and dtype) while staying the same object, so that
    optimizers and hooks that refer to dest keep seeing it."""
    dest.data = src.data if isinstance(src, Tensor) else ag.tensor(src).data


def _check_output(produced, reference, mismatch_message):
    """A parametrization has to give a tensor of the reference's dtype and shape."""
    if not isinstance(produced, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(produced).__name__}.")
    same_dtype = produced.dtype == reference.dtype
    if not same_dtype or tuple(produced.shape) != tuple(reference.shape):
        raise ValueError(mismatch_message(produced))


class ParametrizationList(ModuleList):
    """The chain of parametrizations of one attribute, plus the tensors it starts from.

    The first module receives the stored originals and each later one the previous
    result. The originals are `original` when the chain's right_inverse (applied to the
    attribute's value at registration) yields one tensor, or `original0`, `original1`, ...
    when it yields a sequence of them.
    """

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        with ag.no_grad():
            start = self._pull_back(original, lenient=True)
        if not isinstance(start, (Tensor, list, tuple)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f"(list, tuple...). Got {type(start).__name__}")
        single = isinstance(start, Tensor)
        self.is_tensor = single
        self.ntensors = 1 if single else len(start)
        if single:
            self._adopt_single(original, start)
        else:
            self._adopt_several(original, start)
        if not unsafe:
            _check_output(self(), original, lambda out: (
                "Registering a parametrization may not change the shape or dtype of the "
                "tensor, unless `unsafe` flag is enabled.\n"
                f"unparametrized dtype: {original.dtype}\n"
                f"parametrized dtype: {out.dtype}\n"
                f"unparametrized shape: {tuple(original.shape)}\n"
                f"parametrized shape: {tuple(out.shape)}"))

    def _adopt_single(self, original, start):
        # The attribute's own tensor object becomes `original`: it keeps its identity
        # (and Parameter-ness) and just takes on the inverted values.
        if start.dtype != original.dtype:
            raise ValueError("When `right_inverse` outputs one tensor, it may not change "
                             f"the dtype.\noriginal.dtype: {original.dtype}\n"
                             f"right_inverse(original).dtype: {start.dtype}")
        with ag.no_grad():
            _overwrite(original, start)
        _attach(self, "original", original)

    def _adopt_several(self, original, pieces):
        # Fresh tensors, each trainable exactly when the attribute was.
        wants_grad = original.requires_grad
        as_parameter = isinstance(original, Parameter)
        for k, piece in enumerate(pieces):
            if not isinstance(piece, Tensor):
                raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                 f"tensors (list, tuple...). Got element {k} of the "
                                 f"sequence with type {type(piece).__name__}.")
            if as_parameter:
                stored = Parameter(piece, wants_grad)
            else:
                stored = piece.detach().requires_grad_(wants_grad)
            _attach(self, f"original{k}", stored)

    def _pull_back(self, value, lenient):
        """Run value backwards through the chain's right_inverse methods. Leniently (at
        registration) a module lacking one, or raising NotImplementedError, is skipped;
        otherwise a missing right_inverse is an error."""
        for step in reversed(list(self)):
            if not hasattr(step, "right_inverse"):
                if lenient:
                    continue
                raise RuntimeError(f"parametrization {type(step).__name__} does not "
                                   "implement right_inverse.")
            if not lenient:
                value = step.right_inverse(value)
                continue
            try:
                value = step.right_inverse(value)
            except NotImplementedError:
                pass
        return value

    def _originals(self):
        """The stored tensors, in the order the first module takes them."""
        if self.is_tensor:
            return (self.original,)
        return tuple(getattr(self, f"original{k}") for k in range(self.ntensors))

    def right_inverse(self, value):
        """Store originals for which the chain evaluates to `value`; this is what an
        assignment ``module.<name> = value`` does."""
        with ag.no_grad():
            result = self._pull_back(value, lenient=False)
            if self.is_tensor:
                if not isinstance(result, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got "
                                     f"{type(result).__name__}")
                _overwrite(self.original, result)
                return
            if not isinstance(result, (list, tuple)) or len(result) != self.ntensors:
                raise ValueError(f"'right_inverse' must return a sequence of tensors of "
                                 f"length {self.ntensors}.")
            for dest, src in zip(self._originals(), result):
                _overwrite(dest, src)

    def forward(self):
        head, *rest = list(self)
        out = head(*self._originals())
        for step in rest:
            out = step(out)
        return out


def _plain_class(module):
    """The class the module had before _give_own_class gave it a subclass."""
    return type(module).__bases__[0]


def _give_own_class(module):
    """Move module to a fresh subclass of its class, Parametrized<Class>, so that the
    properties added for its parametrized attributes affect this one instance only."""
    base = type(module)
    module.__class__ = type(f"Parametrized{base.__name__}", (base,), {})


def _install_property(module, name):
    def read(self):
        return _read_cache.fetch(self, name, self.parametrizations[name])

    def write(self, value):
        self.parametrizations[name].right_inverse(value)

    setattr(type(module), name, property(read, write))


def _holder_of(module):
    """module.parametrizations, created (along with the module's own class) if this is
    the module's first parametrization."""
    if is_parametrized(module):
        return module.parametrizations
    _give_own_class(module)
    holder = ModuleDict()
    module.parametrizations = holder
    return holder


def _extend_chain(module, tensor_name, parametrization, unsafe):
    chain = module.parametrizations[tensor_name]
    if not unsafe:
        current = getattr(module, tensor_name)
        _check_output(parametrization(current), current, lambda out: (
            "Registering a parametrization may not change the shape or dtype of the tensor, "
            "unless the `unsafe` flag is enabled."))
    chain.append(parametrization)
    chain.unsafe = chain.unsafe or unsafe


def _start_chain(module, tensor_name, parametrization, unsafe):
    current = getattr(module, tensor_name)
    chain = ParametrizationList([parametrization], current, unsafe=unsafe)
    delattr(module, tensor_name)  # the property installed below takes its place
    holder = _holder_of(module)
    _install_property(module, tensor_name)
    holder[tensor_name] = chain


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Turn module.<tensor_name> into the output of `parametrization` (a Module).

    The first time, the attribute's tensor becomes the stored original,
    ``module.parametrizations[tensor_name].original`` (or ``original0``, ``original1``,
    ... if the parametrization's right_inverse splits it into several tensors). Further
    parametrizations of the same attribute are applied after the existing ones. Unless
    `unsafe`, the result must keep the tensor's shape and dtype. Returns module.
    """
    parametrization.train(mode=module.training)
    if is_parametrized(module, tensor_name):
        _extend_chain(module, tensor_name, parametrization, unsafe)
    elif tensor_name in module._parameters or tensor_name in module._buffers:
        _start_chain(module, tensor_name, parametrization, unsafe)
    else:
        raise ValueError(f"Module '{module._get_name()}' does not have a parameter, a buffer, "
                         f"or a parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Whether module has any parametrized attribute, or, given tensor_name, that one."""
    holder = module.__dict__.get("_modules", {}).get(_HOLDER)
    if not isinstance(holder, ModuleDict):
        return False
    return len(holder) > 0 if tensor_name is None else tensor_name in holder


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Make module.<tensor_name> an ordinary parameter (or buffer) again, holding either
    the value the chain currently computes (leave_parametrized=True) or the stored
    original. The latter is impossible when the chain starts from several tensors.
    Returns module."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module._get_name()} does not have a parametrization on "
                         f"{tensor_name}")
    holder = module.parametrizations
    chain = holder[tensor_name]
    if chain.is_tensor:
        restored = chain.original
        if leave_parametrized:
            with ag.no_grad():
                _overwrite(restored, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a "
                             "tensor that is parametrized in terms of a sequence of tensors.")
        with ag.no_grad():
            value = getattr(module, tensor_name)
        wants_grad = any(t.requires_grad for t in chain._originals())
        restored = Parameter(value, wants_grad) if wants_grad else value.detach()
    # Tear down in this order: the class property, the chain, then the plain tensor.
    delattr(type(module), tensor_name)
    del holder[tensor_name]
    _attach(module, tensor_name, restored)
    if not is_parametrized(module):  # that was the last one: undo _give_own_class too
        del module.parametrizations
        module.__class__ = _plain_class(module)
    return module


def type_before_parametrizations(module):
    """The module's class as it was before any parametrization was registered."""
    return _plain_class(module) if is_parametrized(module) else type(module)
