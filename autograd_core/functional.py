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


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "vjp")
        out_tuple, ys = _call(func, xs, "vjp")
        vs = _vectors(v, ys, "vjp", "output")
        g = _grad(ys, xs, vs, create_graph)
    outs = tuple(y if create_graph else y.detach() for y in ys)
    return _pack(out_tuple, outs), _pack(in_tuple, _fill(g, xs, create_graph))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "jvp")
        vs = _vectors(v, xs, "jvp", "input")
        out_tuple, ys = _call(func, xs, "jvp")
        us = [_wrap(np.zeros(y.shape, dtype=y.dtype)).requires_grad_() for y in ys]
        gx = _grad(ys, xs, us, create_graph=True)
        pairs = [(g, vv) for g, vv in zip(gx, vs) if g is not None and g.requires_grad]
        if pairs:
            jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs],
                      create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(us)
    outs = tuple(y if create_graph else y.detach() for y in ys)
    return _pack(out_tuple, outs), _pack(out_tuple, _fill(jv, ys, create_graph))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs, one row per output element: shape output.shape + input.shape
    (tuples of them for tuple inputs or outputs)."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "jacobian")
        out_tuple, ys = _call(func, xs, "jacobian")
        blocks = []
        for y in ys:
            rows = [[] for _ in xs]
            for j in range(y.numel()):
                onehot = np.zeros(y.numel(), dtype=y.dtype)
                onehot[j] = 1
                g = _grad([y], xs, [_wrap(onehot.reshape(y.shape))], create_graph,
                          retain_graph=True)
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


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: shape input.shape + input.shape."""
    in_tuple, xs = _tuple(inputs, "inputs", "hessian")

    def scalar(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: the function given to hessian should return a single "
                               "Tensor with a single element")
        return out.reshape(())  # as torch: a (1,)-shaped output gives an (n, n) Hessian

    def gradient(*args):
        return jacobian(scalar, args if in_tuple else args[0], create_graph=True)

    return jacobian(gradient, inputs, create_graph=create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar function."""
    with enable_grad():
        in_tuple, xs = _inputs(inputs, create_graph, "hvp")
        out_tuple, ys = _call(func, xs, "hvp")
        if len(ys) != 1 or ys[0].numel() != 1:
            raise RuntimeError("hvp: the function must return a single-element Tensor")
        vs = _vectors(v, xs, "hvp", "input")
        g = _grad(ys, xs, [_wrap(np.ones(ys[0].shape, dtype=ys[0].dtype))], create_graph=True)
        pairs = [(gi, vi) for gi, vi in zip(g, vs) if gi is not None and gi.requires_grad]
        if pairs:
            h = grad([gi for gi, _ in pairs], xs, [vi for _, vi in pairs],
                     create_graph=create_graph, allow_unused=True)
        else:
            h = (None,) * len(xs)
    y = ys[0] if create_graph else ys[0].detach()
    return y, _pack(in_tuple, _fill(h, xs, create_graph))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H); equal to hvp for the symmetric Hessians of smooth functions."""
    return hvp(func, inputs, v, create_graph, strict)
