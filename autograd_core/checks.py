"""The gradient checks behind `autograd-core gradcheck`: every differentiable primitive op
and every layer's functional form, on small float64 inputs, with the largest absolute and
relative differences between the engine's gradients and central differences."""

from dataclasses import dataclass

import numpy as np

from . import grad_mode
from .creation import randn, tensor
from .dtypes import float64
from .engine import grad
from .gradcheck import GradcheckError, error_figures, gradcheck
from .random import manual_seed


def _x(*shape, kind="any", scale=1.0):
    """A float64 input that requires grad: 'any', 'positive' (>= 0.5), 'away' (|x| >= 0.2,
    off relu's kink and the poles), 'distinct' (no ties, for max and sorting ops)."""
    x = randn(*shape, dtype=float64).data
    if kind == "positive":
        x = np.abs(x) + 0.5
    elif kind == "away":
        x = np.sign(x) * (np.abs(x) + 0.2)
    elif kind == "distinct":
        x = x + np.arange(x.size).reshape(x.shape) * 0.37
    elif kind == "unit":  # probabilities, away from 0 and 1
        x = 0.1 + 0.8 / (1 + np.exp(-x))
    return tensor(x * scale, dtype=float64, requires_grad=True)


def _ops():
    import autograd_core as ag

    return {
        "abs": (ag.abs, lambda: [_x(3, 4, kind="away")]),
        "add": (ag.add, lambda: [_x(3, 4), _x(4)]),
        "sub": (ag.sub, lambda: [_x(3, 4), _x(3, 1)]),
        "mul": (ag.mul, lambda: [_x(3, 4), _x(4)]),
        "addcmul": (lambda c, a, b: ag.addcmul(c, a, b, value=0.5),
                    lambda: [_x(3, 4), _x(3, 1), _x(4)]),
        "div": (ag.div, lambda: [_x(3, 4), _x(4, kind="away")]),
        "remainder": (ag.remainder, lambda: [_x(3, 4), _x(4, kind="away", scale=3.0)]),
        "fmod": (ag.fmod, lambda: [_x(3, 4), _x(4, kind="away", scale=3.0)]),
        "neg": (ag.neg, lambda: [_x(3, 4)]),
        "pow": (ag.pow, lambda: [_x(3, 4, kind="positive"), _x(3, 4)]),
        "exp": (ag.exp, lambda: [_x(3, 4)]),
        "log": (ag.log, lambda: [_x(3, 4, kind="positive")]),
        "sqrt": (ag.sqrt, lambda: [_x(3, 4, kind="positive")]),
        "sin": (ag.sin, lambda: [_x(3, 4)]),
        "cos": (ag.cos, lambda: [_x(3, 4)]),
        "tanh": (ag.tanh, lambda: [_x(3, 4)]),
        "sigmoid": (ag.sigmoid, lambda: [_x(3, 4)]),
        "relu": (ag.relu, lambda: [_x(3, 4, kind="away")]),
        "erf": (ag.erf, lambda: [_x(3, 4)]),
        "clamp": (lambda x: ag.clamp(x, -0.5, 0.5), lambda: [_x(3, 4, kind="distinct")]),
        "clamp (tensor bounds)": (lambda x, lo, hi: ag.clamp(x, lo, hi),
                                  lambda: [_x(3, 4), _x(4, scale=0.5), _x(3, 1, kind="positive")]),
        "maximum": (ag.maximum, lambda: [_x(3, 4), _x(3, 4) + 0.1]),
        "minimum": (ag.minimum, lambda: [_x(3, 4), _x(3, 4) + 0.1]),
        "where": (lambda a, b: ag.where(a.data > 0, a, b), lambda: [_x(3, 4), _x(3, 4)]),
        "sum": (lambda x: ag.sum(x, dim=0), lambda: [_x(3, 4)]),
        "mean": (lambda x: ag.mean(x, dim=-1), lambda: [_x(3, 4)]),
        "prod": (lambda x: ag.prod(x, dim=1), lambda: [_x(3, 4, kind="away")]),
        "var": (lambda x: ag.var(x, dim=1), lambda: [_x(3, 4)]),
        "std": (lambda x: ag.std(x, dim=1), lambda: [_x(3, 4)]),
        "max": (lambda x: ag.amax(x, dim=1), lambda: [_x(3, 4, kind="distinct")]),
        "min": (lambda x: ag.amin(x, dim=1), lambda: [_x(3, 4, kind="distinct")]),
        "logsumexp": (lambda x: ag.logsumexp(x, dim=-1), lambda: [_x(3, 4)]),
        "softmax": (lambda x: ag.softmax(x, dim=-1), lambda: [_x(3, 4)]),
        "log_softmax": (lambda x: ag.log_softmax(x, dim=-1), lambda: [_x(3, 4)]),
        "matmul": (ag.matmul, lambda: [_x(2, 3, 4), _x(4, 2)]),
        "addmm": (lambda c, a, w: ag.addmm(c, a, w.t()), lambda: [_x(2), _x(3, 4), _x(2, 4)]),
        "einsum": (lambda a, b: ag.einsum("ij,jk->ik", a, b), lambda: [_x(3, 4), _x(4, 2)]),
        "reshape": (lambda x: ag.reshape(x, (4, 3)), lambda: [_x(3, 4)]),
        "permute": (lambda x: ag.permute(x, (2, 0, 1)), lambda: [_x(2, 3, 4)]),
        "expand": (lambda x: ag.expand(x, 3, 4), lambda: [_x(1, 4)]),
        "getitem": (lambda x: x[1:, ::2], lambda: [_x(3, 4)]),
        "getitem (index arrays)": (lambda x: x[np.array([0, 2, 2])], lambda: [_x(3, 4)]),
        "cat": (lambda a, b: ag.cat([a, b], dim=1), lambda: [_x(3, 2), _x(3, 4)]),
        "stack": (lambda a, b: ag.stack([a, b], dim=0), lambda: [_x(3, 4), _x(3, 4)]),
        "pad": (lambda x: ag.pad(x, (1, 2)), lambda: [_x(3, 4)]),
        "pad (reflect)": (lambda x: ag.pad(x, (1, 2, 2, 0), mode="reflect"), lambda: [_x(3, 4)]),
        "sliding_windows": (lambda x: ag.sliding_windows(x, (2, 2)), lambda: [_x(1, 2, 4, 4)]),
        "clone": (ag.clone, lambda: [_x(3, 4)]),
        "max (all)": (ag.max, lambda: [_x(3, 4, kind="distinct")]),
        "setitem": (_setitem, lambda: [_x(3, 4), _x(2)]),
        "sum_to": (lambda x: ag.ops.sum_to(x, (1, 4)), lambda: [_x(3, 4)]),
        # the adjoints that backward passes use, reached through a differentiable backward
        "index_add (getitem's adjoint)": (
            _adjoint(lambda x: x[np.array([0, 2, 2])], (3, 4)), lambda: [_x(3, 4)]),
        "add_windows (sliding_windows' adjoint)": (
            _adjoint(lambda x: ag.sliding_windows(x, (2, 2)), (1, 1, 4, 4)),
            lambda: [_x(1, 1, 3, 3, 2, 2)]),
    }


def _setitem(x, v):
    y = x * 1.0  # a copy in the graph, written in place
    y[1:, 0] = v
    return y


def _adjoint(fn, shape):
    """g -> the gradient fn's backward sends to its input for upstream gradient g (the
    adjoint op, as a differentiable function of g)."""
    def adjoint(g):
        base = tensor(np.ones(shape), dtype=float64, requires_grad=True)
        recording = grad_mode.is_grad_enabled()
        with grad_mode.enable_grad():  # fn's graph is needed even under no_grad
            (gx,) = grad(fn(base), base, g, create_graph=recording)
        return gx
    return adjoint


def _layers():
    import autograd_core as ag
    from nn import functional as F

    return {
        "F.linear": (F.linear, lambda: [_x(3, 4), _x(5, 4), _x(5)]),
        "F.conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1),
                     lambda: [_x(2, 2, 5, 5), _x(3, 2, 3, 3), _x(3)]),
        "F.conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2),
                               lambda: [_x(1, 2, 3, 3), _x(2, 3, 2, 2)]),
        "F.max_pool2d": (lambda x: F.max_pool2d(x, 2), lambda: [_x(1, 2, 4, 4, kind="distinct")]),
        "F.avg_pool2d": (lambda x: F.avg_pool2d(x, 2), lambda: [_x(1, 2, 4, 4)]),
        "F.batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         lambda: [_x(4, 3), _x(3), _x(3)]),
        "F.layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b),
                         lambda: [_x(3, 4), _x(4), _x(4)]),
        "F.gelu": (F.gelu, lambda: [_x(3, 4)]),
        "F.softplus": (F.softplus, lambda: [_x(3, 4)]),
        "F.rnn_tanh_cell": (F.rnn_tanh_cell, lambda: [_x(2, 3), _x(2, 4), _x(4, 3), _x(4, 4)]),
        "F.lstm_cell": (lambda x, h, c, wi, wh: F.lstm_cell(x, (h, c), wi, wh),
                        lambda: [_x(2, 3), _x(2, 4), _x(2, 4), _x(16, 3), _x(16, 4)]),
        "F.gru_cell": (F.gru_cell, lambda: [_x(2, 3), _x(2, 4), _x(12, 3), _x(12, 4)]),
        "F.scaled_dot_product_attention": (
            F.scaled_dot_product_attention, lambda: [_x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 2)]),
        "F.mse_loss": (F.mse_loss, lambda: [_x(3, 4), _x(3, 4)]),
        "F.cross_entropy": (lambda x: F.cross_entropy(x, tensor(np.array([0, 2, 1]))),
                            lambda: [_x(3, 4)]),
        "F.kl_div": (lambda x, t: F.kl_div(ag.log_softmax(x, -1), ag.softmax(t, -1),
                                           reduction="batchmean"),
                     lambda: [_x(3, 4), _x(3, 4)]),
        "F.binary_cross_entropy_with_logits": (
            F.binary_cross_entropy_with_logits, lambda: [_x(3, 4), _x(3, 4, kind="unit")]),
        "F.binary_cross_entropy": (
            lambda x, t: F.binary_cross_entropy(ag.sigmoid(x), t),
            lambda: [_x(3, 4), _x(3, 4, kind="unit")]),
        "F.nll_loss": (lambda x: F.nll_loss(ag.log_softmax(x, 1), tensor(np.array([1, 0, 3]))),
                       lambda: [_x(3, 4)]),
        "F.huber_loss": (F.huber_loss, lambda: [_x(3, 4), _x(3, 4, scale=0.3)]),
        "F.smooth_l1_loss": (F.smooth_l1_loss, lambda: [_x(3, 4), _x(3, 4, scale=0.3)]),
        "F.l1_loss": (F.l1_loss, lambda: [_x(3, 4, kind="away"), _x(3, 4, scale=0.0)]),
        "F.elu": (F.elu, lambda: [_x(3, 4, kind="away")]),
        "F.leaky_relu": (F.leaky_relu, lambda: [_x(3, 4, kind="away")]),
        "F.normalize": (F.normalize, lambda: [_x(3, 4)]),
        "F.conv1d": (lambda x, w: F.conv1d(x, w, stride=2, padding=1),
                     lambda: [_x(2, 2, 7), _x(3, 2, 3)]),
        "F.adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
                                  lambda: [_x(1, 2, 5, 7)]),
        "F.embedding": (lambda w: F.embedding(tensor(np.array([[0, 2], [2, 1]])), w),
                        lambda: [_x(3, 4)]),
        "F.interpolate (bilinear)": (
            lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False),
            lambda: [_x(1, 1, 3, 3)]),
        "F.pad (reflect)": (lambda x: F.pad(x, (1, 2), mode="reflect"), lambda: [_x(1, 2, 4)]),
        "nn.LSTM (2 layers, bidirectional)": (_module("LSTM", 3, 4, num_layers=2,
                                                      bidirectional=True),
                                              lambda: [_x(4, 2, 3)]),
        "nn.GRU": (_module("GRU", 3, 4), lambda: [_x(4, 2, 3)]),
        "nn.MultiheadAttention": (_module("MultiheadAttention", 4, 2),
                                  lambda: [_x(3, 2, 4)]),
        "nn.TransformerEncoderLayer": (_module("TransformerEncoderLayer", 4, 2,
                                               dim_feedforward=8, dropout=0.0),
                                       lambda: [_x(3, 2, 4)]),
    }


def _module(name, *args, **kwargs):
    """x -> the output of a float64 nn module (self-attention for attention modules), made
    once with fixed weights; gradcheck then checks the gradient with respect to x."""
    import nn

    module = getattr(nn, name)(*args, **kwargs).double()
    module.eval()

    def forward(x):
        if name == "MultiheadAttention":
            return module(x, x, x)[0]
        out = module(x)
        return out[0] if isinstance(out, tuple) else out
    return forward


@dataclass
class CheckResult:
    name: str
    max_abs: float
    max_rel: float
    passed: bool
    message: str = ""


def registry():
    """name -> (function, maker of its inputs): the ops, then the layers."""
    return {**_ops(), **_layers()}


def run(names=None, seed=0):
    """Check the named cases (all by default); a list of CheckResult, in order."""
    cases = registry()
    results = []
    for name in names or list(cases):
        fn, make = cases[name]
        manual_seed(seed)
        inputs = make()
        try:
            passed = bool(gradcheck(fn, inputs, seed=seed))
            message = ""
        except GradcheckError as e:
            passed, message = False, str(e)
        except Exception as e:  # an op that crashes fails too, and says how
            results.append(CheckResult(name, float("nan"), float("nan"), False,
                                       f"{type(e).__name__}: {e}"))
            continue
        max_abs, max_rel = error_figures(fn, inputs, seed=seed)
        results.append(CheckResult(name, max_abs, max_rel, passed, message))
    return results


def table(results):
    """The results as a text table: op, max abs error, max rel error, pass/FAIL."""
    width = max([len("op")] + [len(r.name) for r in results])
    lines = [f"{'op':<{width}}  {'max abs err':>11}  {'max rel err':>11}  result",
             f"{'-' * width}  {'-' * 11}  {'-' * 11}  ------"]
    for r in results:
        lines.append(f"{r.name:<{width}}  {r.max_abs:>11.2e}  {r.max_rel:>11.2e}  "
                     f"{'pass' if r.passed else 'FAIL'}")
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} pass")
    return "\n".join(lines)
