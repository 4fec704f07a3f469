"""jacobian, hessian, vjp, jvp, hvp, vhp: as torch.autograd.functional, built on ag.grad."""

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .ops.shape import reshape, stack
from .tensor import Tensor, _wrap


def _tuple(x, name, op):
    is_tuple = isinstance(x, (tuple, list))
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: the {name} must be Tensors, got {type(t).__name__} at {i}")
    return is_tuple, xs


def _inputs(inputs, create_graph, op):
    """Fresh graph leaves for the inputs (kept attached when create_graph needs them)."""
    is_tuple, xs = _tuple(inputs, "inputs", op)
    out = []
    for x in xs:
        if x.dtype.kind != "f":
            raise TypeError(f"{op}: inputs must be floating point, got {x.dtype}")
        out.append(x.view_as(x) if create_graph and x.requires_grad
                   else x.detach().requires_grad_())
    return is_tuple, tuple(out)


def _call(func, xs, op):
    out = func(*xs)
    return _tuple(out, "outputs of the function", op)


def _fill(grads, like, create_graph):
    """None (no path) -> zeros; detach unless the caller wants a graph."""
    return tuple(_wrap(np.zeros(x.shape, dtype=x.dtype)) if g is None
                 else (g if create_graph else g.detach()) for g, x in zip(grads, like))


def _grad(ys, xs, vs, create_graph, retain_graph=None):
    pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
    if not pairs:
        return (None,) * len(xs)
    return grad([y for y, _ in pairs], xs, [v for _, v in pairs], create_graph=create_graph,
                retain_graph=retain_graph, allow_unused=True)


def _vectors(v, like, op, what):
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{op}: the vector v can only be None if the {what} is a single "
                               "element Tensor")
        return (_wrap(np.ones(like[0].shape, dtype=like[0].dtype)),)
    _, vs = _tuple(v, "v", op)
    if len(vs) != len(like):
        raise RuntimeError(f"{op}: v has {len(vs)} tensors but the {what} has {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{op}: v[{i}] has shape {tuple(a.shape)} but the {what} has "
                               f"shape {tuple(b.shape)}")
    return vs


def _pack(is_tuple, xs):
    return xs if is_tuple else xs[0]


# --- strict mode: torch's checks, with torch's messages ---

def _check_requires_grad(ts, kind, strict):
    """In strict mode, every output (kind "outputs"), gradient ("grad_inputs") or Jacobian
    ("jacobian") must exist and depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(ts):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if t.requires_grad:
            continue
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).")
        if kind == "grad_inputs":
            raise RuntimeError(
                f"The gradient with respect to input {i} is independent of the inputs of the "
                "user-provided function. This is not allowed in strict mode.")
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The outputs "
            "must be computed in a differentiable manner from the input when running in strict "
            "mode.")


_INDEPENDENT = {  # a missing gradient in strict mode, by the backward pass that lacks it
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _check_found(grads, strict, create_graph, stage):
    """In strict mode, every result gradient exists (and, under create_graph, is
    differentiable); else the zeros _fill puts in would hide a missing dependency."""
    if not strict:
        return
    for i, g in enumerate(grads):
        if g is None:
            raise RuntimeError(_INDEPENDENT[stage].format(i=i))
        if create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")


# --- the functions ---

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product. strict=True raises, as torch,
    when an output does not depend on the inputs or an input gets no gradient."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "vjp")
        out_tuple, ys = _call(func, xs, "vjp")
        _check_requires_grad(ys, "outputs", strict)
        vs = _vectors(v, ys, "vjp", "output")
        g = _grad(ys, xs, vs, create_graph)
        _check_found(g, strict, create_graph, "back")
    outs = tuple(y if create_graph else y.detach() for y in ys)
    return _pack(out_tuple, outs), _pack(in_tuple, _fill(g, xs, create_graph))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick. strict=True
    raises as torch when an output or a gradient does not depend on the inputs."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "jvp")
        vs = _vectors(v, xs, "jvp", "input")
        out_tuple, ys = _call(func, xs, "jvp")
        _check_requires_grad(ys, "outputs", strict)
        us = [_wrap(np.zeros(y.shape, dtype=y.dtype)).requires_grad_() for y in ys]
        gx = _grad(ys, xs, us, create_graph=True)
        _check_requires_grad(gx, "grad_inputs", strict)
        pairs = [(g, vv) for g, vv in zip(gx, vs) if g is not None and g.requires_grad]
        if pairs:
            jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs],
                      create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
        _check_found(jv, strict, create_graph, "back_trick")
    outs = tuple(y if create_graph else y.detach() for y in ys)
    return _pack(out_tuple, outs), _pack(out_tuple, _fill(jv, ys, create_graph))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs, one row per output element: shape output.shape + input.shape
    (tuples of them for tuple inputs or outputs). strict=True raises, as torch, when an
    output does not depend on some input (instead of giving zeros)."""
    if strict and vectorize:
        raise RuntimeError("jacobian: strict=True and vectorize=True are not supported "
                           "together; set strict=False or vectorize=False")
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "jacobian")
        out_tuple, ys = _call(func, xs, "jacobian")
        _check_requires_grad(ys, "outputs", strict)
        blocks = []
        for i, y in enumerate(ys):
            rows = [[] for _ in xs]
            for j in range(y.numel()):
                onehot = np.zeros(y.numel(), dtype=y.dtype)
                onehot[j] = 1
                g = _grad([y], xs, [_wrap(onehot.reshape(y.shape))], create_graph,
                          retain_graph=True)
                if strict:
                    _check_row(g, i, create_graph)
                for k, gk in enumerate(_fill(g, xs, create_graph)):
                    rows[k].append(gk)
            per_input = []
            for k, x in enumerate(xs):
                if rows[k]:
                    jac = reshape(stack(rows[k]), tuple(y.shape) + tuple(x.shape))
                else:
                    jac = _wrap(np.zeros(tuple(y.shape) + tuple(x.shape), dtype=x.dtype))
                per_input.append(jac)
            blocks.append(_pack(in_tuple, tuple(per_input)))
    return _pack(out_tuple, tuple(blocks))


def _check_row(grads, i, create_graph):
    """Strict mode: one element of output i has a gradient for every input."""
    for k, g in enumerate(grads):
        if g is None:
            raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                               f"input {k}. This is not allowed in strict mode.")
        if create_graph and not g.requires_grad:
            raise RuntimeError(f"The jacobian of the user-provided function is independent of "
                               f"input {k}. This is not allowed in strict mode when "
                               "create_graph=True.")


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: shape input.shape + input.shape. strict=True
    raises, as torch, when the output or its gradient does not depend on the inputs."""
    in_tuple, xs = _tuple(inputs, "inputs", "hessian")

    def scalar(*args):
        out = func(*args)
        if strict and isinstance(out, (Tensor, tuple, list)):
            _check_requires_grad(_tuple(out, "outputs of the function", "hessian")[1],
                                 "outputs", strict)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single "
                               "Tensor with a single element")
        return out.reshape(())  # as torch: a (1,)-shaped output gives an (n, n) Hessian

    def gradient(*args):
        jac = jacobian(scalar, args if in_tuple else args[0], create_graph=True)
        _check_requires_grad(jac if in_tuple else (jac,), "jacobian", strict)
        return jac

    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function. strict=True raises, as torch, when the
    output or its gradient does not depend on the inputs."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp", "double_back_trick")


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H); equal to hvp for the symmetric Hessians of smooth functions."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp", "double_back")


def _hessian_product(func, inputs, v, create_graph, strict, op, stage):
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, op)
        out_tuple, ys = _call(func, xs, op)
        _check_requires_grad(ys, "outputs", strict)
        if len(ys) != 1 or ys[0].numel() != 1:
            raise RuntimeError(f"{op}: the function must return a single-element Tensor")
        vs = _vectors(v, xs, op, "input")
        g = _grad(ys, xs, [_wrap(np.ones(ys[0].shape, dtype=ys[0].dtype))], create_graph=True)
        _check_requires_grad(g, "jacobian", strict)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi.requires_grad]
        if pairs:
            h = grad([gi for gi, _ in pairs], xs, [vi for _, vi in pairs],
                     create_graph=create_graph, allow_unused=True)
        else:
            h = (None,) * len(xs)
        _check_found(h, strict, create_graph, stage)
    y = ys[0] if create_graph else ys[0].detach()
    return y, _pack(in_tuple, _fill(h, xs, create_graph))
