"""gradcheck and gradgradcheck: analytical against central-difference derivatives."""

import warnings

import numpy as np

from . import dtypes
from .engine import grad
from .tensor import Tensor, _wrap


class GradcheckError(RuntimeError):
    """A gradient check failed; the message is a short table of the worst elements."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _prepare(inputs):
    """float64 copies of the float32 inputs that require grad (with a warning naming them)."""
    inputs = _as_tuple(inputs)
    out, low = [], []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != dtypes.float64:
            low.append(f"input {i} ({x.dtype}, shape {tuple(x.shape)})")
            x = x.detach().double().requires_grad_()
        out.append(x)
    if low:
        warnings.warn("gradcheck: " + ", ".join(low) + " checked on float64 copies: central "
                      "differences in single precision are noise", UserWarning, stacklevel=3)
    return tuple(out)


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = _as_tuple(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got "
                            f"{type(o).__name__}")
    return outs


def _fmt_index(idx):
    return str(tuple(int(i) for i in idx))


def _table(rows):
    head = ("element", "analytical", "numerical", "abs err", "rel err")
    body = [(_fmt_index(r[0]),) + tuple(f"{v:.6g}" for v in r[1:]) for r in rows]
    widths = [max(len(h), *(len(b[k]) for b in body)) for k, h in enumerate(head)]
    line = lambda cells: "  " + "  ".join(c.rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(head)] + [line(b) for b in body])


def _fail(msg, raise_exception):
    if raise_exception:
        raise GradcheckError(msg)
    return False


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, seed=0, check_undefined_grad=True, fast_mode=False):
    """Check fn's analytical vector-Jacobian products against central differences.

    Every floating input that requires grad is perturbed element by element. The outputs
    are contracted with random upstream gradients (never only summed, which hides bugs).
    A mismatch raises GradcheckError with a table naming the input, the elements, both
    values and the errors; a point where fn has a kink (one-sided derivatives differ) is
    reported as non-differentiable instead. Returns True, or False when
    raise_exception=False.
    """
    return _check(fn, _prepare(inputs), eps, atol, rtol, raise_exception, seed)


def _check(fn, inputs, eps, atol, rtol, raise_exception, seed, who="gradcheck",
           name=lambda i: f"input {i}"):
    """gradcheck's comparison; `who` and `name` (an input's description from its position)
    word the messages, so that gradgradcheck's say what it checks."""
    checked, contracted, analytical = _products(fn, inputs, seed)
    if contracted is None:
        for i in checked:
            if inputs[i].numel():
                return _fail(f"{who}: no output of the function requires grad, so no "
                             "gradient reaches the inputs", raise_exception)
        return True
    for k, i in enumerate(checked):
        x = inputs[i]
        a = np.zeros(x.shape) if analytical[k] is None else analytical[k].data.astype(np.float64)
        if a.shape != x.shape:
            return _fail(f"{who}: the gradient of {name(i)} has shape {a.shape} but the "
                         f"input has shape {tuple(x.shape)}", raise_exception)
        num, kinks = _numerical(contracted, inputs, i, eps)
        err = np.abs(a - num)
        bad = ~(err <= atol + rtol * np.abs(num))  # NaN counts as a mismatch
        where = [tuple(ix) for ix in np.argwhere(bad) if tuple(ix) not in kinks]
        for ix in where[:50]:  # a mismatch may still be a jump (a step, a tie)
            why = _jump(contracted, inputs, i, ix, eps)
            if why:
                kinks[ix] = why
        where = [ix for ix in where if ix not in kinks]
        if not where and kinks:
            rows = "\n".join(f"  element {_fmt_index(ix)}: {why}"
                             for ix, why in list(kinks.items())[:10])
            return _fail(f"{who}: the function is not differentiable at the given point of "
                         f"{name(i)} (shape {tuple(x.shape)}), so its gradient cannot be checked "
                         f"there: a kink or a jump (relu or abs at 0, a tie in max, a step). "
                         f"Move the point away from it.\n{rows}", raise_exception)
        if not where:
            continue
        rows = sorted(where, key=lambda ix: -err[ix])[:10]
        table = _table([(ix, a[ix], num[ix], err[ix], err[ix] / max(abs(num[ix]), 1e-12))
                        for ix in rows])
        return _fail(f"{who}: wrong gradient for {name(i)} (shape {tuple(x.shape)}, "
                     f"{x.dtype}): {int(bad.sum())} of {x.numel()} elements differ "
                     f"(atol={atol}, rtol={rtol}); worst first:\n{table}", raise_exception)
    return True


def _products(fn, inputs, seed):
    """What gradcheck compares: the positions of the inputs that require grad, the
    outputs contracted with random upstream gradients (a function of the inputs), and the
    engine's gradients of that contraction. The last two are None when no output is
    differentiable."""
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; pass at least one Tensor with "
                         "requires_grad=True")
    # not default_rng(seed) itself: after ag.manual_seed(seed) that stream also drew the
    # inputs, and an upstream gradient equal to an input can hide a wrong gradient (for
    # normalize, the true product along its input is zero)
    rng = np.random.default_rng((seed, 0x5EED))
    outs = _outputs(fn, inputs)
    keep = [k for k, o in enumerate(outs) if o.requires_grad and o.dtype.kind == "f"]
    diff = [outs[k] for k in keep]
    if not diff:
        return checked, None, None
    vs = [rng.standard_normal(o.shape) for o in diff]

    def contracted(xs):
        res = _outputs(fn, xs)  # grad mode stays on: gradgradcheck's fn differentiates inside
        return sum(float(np.sum(res[k].data.astype(np.float64) * v)) for k, v in zip(keep, vs))

    analytical = grad(diff, [inputs[i] for i in checked],
                      grad_outputs=[_wrap(v.astype(o.dtype)) for o, v in zip(diff, vs)],
                      allow_unused=True)
    return checked, contracted, analytical


def error_figures(fn, inputs, eps=1e-6, seed=0):
    """The figures behind gradcheck's verdict: the largest absolute difference between
    the engine's gradients and central differences (over every input that requires grad),
    and that difference relative to the gradient's scale (its largest element: element by
    element, a gradient that is ~0 would turn rounding noise into a huge ratio)."""
    inputs = _prepare(inputs)
    checked, contracted, analytical = _products(fn, inputs, seed)
    max_abs = max_rel = 0.0
    if contracted is None:
        return max_abs, max_rel
    for k, i in enumerate(checked):
        num, _ = _numerical(contracted, inputs, i, eps)
        a = np.zeros(num.shape) if analytical[k] is None else analytical[k].data
        diff = float(np.abs(a - num).max(initial=0.0))
        max_abs = max(max_abs, diff)
        max_rel = max(max_rel, diff / max(float(np.abs(num).max(initial=0.0)), 1e-12))
    return max_abs, max_rel


def _numerical(contracted, inputs, i, eps):
    """Central differences of the contracted output w.r.t. input i, and the elements where
    the one-sided derivatives disagree (kinks), with a line saying so."""
    base = inputs[i].data
    num = np.zeros(base.shape)
    kinks = {}
    f0 = contracted(inputs)
    for ix in np.ndindex(*base.shape):
        orig = base[ix]
        base[ix] = orig + eps
        fp = contracted(inputs)
        base[ix] = orig - eps
        fm = contracted(inputs)
        base[ix] = orig
        num[ix] = (fp - fm) / (2 * eps)
        right, left = (fp - f0) / eps, (f0 - fm) / eps
        if abs(right - left) > 1e-3 + 1e-2 * max(abs(right), abs(left)):
            kinks[ix] = f"left derivative {left:.6g}, right derivative {right:.6g}"
    return num, kinks


def _jump(contracted, inputs, i, ix, eps):
    """Why fn is not differentiable at element ix if it jumps there (halving the step
    doubles a central difference across a jump), else None."""
    base = inputs[i].data
    orig = base[ix]
    values = {}
    for k in (-1, -0.5, 0.5, 1):
        base[ix] = orig + k * eps
        values[k] = contracted(inputs)
    base[ix] = orig
    half = (values[0.5] - values[-0.5]) / eps
    full = (values[1] - values[-1]) / (2 * eps)
    if abs(half - full) > 1e-2 * max(abs(full), 1.0):
        return f"the function jumps by {values[1] - values[-1]:.3g} across it"
    return None


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0, **kwargs):
    """Check second derivatives: gradcheck of the vector-Jacobian product of fn, taken with
    create_graph=True, w.r.t. the inputs and the upstream gradients."""
    inputs = _prepare(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outs = [o for o in _outputs(fn, inputs) if o.requires_grad and o.dtype.kind == "f"]
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=dtypes.float64,
                               requires_grad=True) for o in outs]
    else:
        grad_outputs = [g.detach().double().requires_grad_() for g in _as_tuple(grad_outputs)]
    n = len(inputs)

    def first_derivative(*args):
        xs, gs = args[:n], args[n:]
        ys = [o for o in _outputs(fn, xs) if o.requires_grad and o.dtype.kind == "f"]
        gx = grad(ys, [xs[i] for i in checked], grad_outputs=list(gs), create_graph=True,
                  allow_unused=True)
        return tuple(g for g in gx if g is not None)

    def name(i):
        if i < n:
            return f"input {i} (its second derivatives)"
        return f"grad_outputs[{i - n}] (the upstream gradient of output {i - n})"

    return _check(first_derivative, inputs + tuple(grad_outputs), eps, atol, rtol,
                  raise_exception, seed + 2, who="gradgradcheck", name=name)
