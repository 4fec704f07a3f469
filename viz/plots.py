"""Training plots: history, parameter traces, activations and their derivatives, activation
histograms, gradient flow, decision boundaries, conv filters and feature maps, optimizer
paths and confusion matrices. Every function returns a matplotlib Figure and never shows it.
"""

import math
from contextlib import contextmanager

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

import autograd_core as ag

__all__ = [
    "plot_history", "plot_param_traces", "plot_activation_functions",
    "plot_activation_histograms", "plot_gradient_flow", "plot_decision_boundary",
    "plot_filters", "plot_feature_maps", "plot_optimizer_paths", "plot_confusion_matrix",
]

# class names of the activation modules (duck-typed: viz does not import nn)
ACTIVATIONS = frozenset({"ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softplus",
                         "Softmax", "LogSoftmax"})


# --- helpers ---

def _numpy(x):
    return x.data if isinstance(x, ag.Tensor) else np.asarray(x)


def _figure(nrows, ncols, n=None, panel=(3.6, 2.8)):
    """A Figure (not registered with pyplot, so nothing leaks and Jupyter shows it once)
    with an nrows x ncols grid of axes; with n, the axes past the n-th are removed."""
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    if n is not None:
        for ax in axes[n:]:
            fig.delaxes(ax)
        axes = axes[:n]
    return fig, list(axes)


def _grid(n, max_cols):
    cols = max(1, min(n, max_cols))
    return math.ceil(n / cols), cols


def _module_names(model, where):
    if not hasattr(model, "named_modules"):
        raise TypeError(f"{where}: model must be a Module (with named_modules), got "
                        f"{type(model).__name__}")
    return dict(model.named_modules())


@contextmanager
def _recording(modules):
    """Record the outputs of the given {name: module} while the block runs, by shadowing
    each module's forward with an instance attribute (Module has no forward hooks), removed
    again on exit. Yields {name: [output arrays, one per call]}."""
    outputs = {name: [] for name in modules}
    patched = []

    def wrap(name, forward):
        def recorded(*args, **kwargs):
            out = forward(*args, **kwargs)
            outputs[name].append(np.array(_numpy(out), copy=True))
            return out
        return recorded

    try:
        for name, module in modules.items():
            own = module.__dict__.get("forward")  # an instance-level forward, kept as is
            object.__setattr__(module, "forward", wrap(name, module.forward))
            patched.append((module, own))
        yield outputs
    finally:
        for module, own in reversed(patched):
            if own is None:
                object.__delattr__(module, "forward")
            else:
                object.__setattr__(module, "forward", own)


def _run(model, x, modules):
    """model(x) under no_grad with the outputs of modules recorded."""
    x = x if isinstance(x, ag.Tensor) else ag.tensor(np.asarray(x))
    with _recording(modules) as outputs, ag.no_grad():
        model(x)
    return outputs


# --- training history ---

def _epochs(history, where):
    epochs = getattr(history, "epochs", history)
    if not isinstance(epochs, (list, tuple)) or not all(isinstance(e, dict) for e in epochs):
        raise TypeError(f"{where}: history must be a History (from ag.training.fit) or a list "
                        f"of per-epoch dicts, got {type(history).__name__}")
    if not epochs:
        raise ValueError(f"{where}: history has no epochs")
    return epochs


def plot_history(history, metrics=None):
    """Loss and metrics per epoch, training solid and validation ('val_' + name) dashed.

    Args:
        history: what ag.training.fit returns, or a list of per-epoch dicts.
        metrics: names to plot besides the loss, one axes each (e.g. ['accuracy', 'lr']);
            default: every logged name except 'loss', 'lr' and the 'val_' ones.
    """
    epochs = _epochs(history, "plot_history")
    keys = []
    for e in epochs:
        keys += [k for k in e if k not in keys]
    if metrics is None:
        metrics = []
        for k in keys:
            base = k[4:] if k.startswith("val_") else k
            if base not in ("loss", "lr") and base not in metrics:
                metrics.append(base)
    else:
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        for m in metrics:
            if m not in keys and "val_" + m not in keys:
                raise KeyError(f"plot_history: history has no metric {m!r}; it has {keys}")
    names = ["loss"] + [m for m in metrics if m != "loss"]
    x = np.arange(1, len(epochs) + 1)
    fig, axes = _figure(*_grid(len(names), 3), n=len(names), panel=(4.2, 3.2))
    for ax, name in zip(axes, names):
        for key, style, label in ((name, "-", "train"), ("val_" + name, "--", "val")):
            if any(key in e for e in epochs):
                values = [e.get(key, np.nan) for e in epochs]
                ax.plot(x, values, style, marker="o", markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if len(ax.get_lines()) > 1:
            ax.legend()
    return fig


def plot_param_traces(history, names=None, max_elements=8):
    """Training dynamics: the loss of every step, then each traced parameter's values per
    step (step 0 is before the first update), one axes each.

    A parameter with at most max_elements elements gets one line per element, labelled by
    its index; a larger one gets a single line, its L2 norm.

    Args:
        history: a History from ag.training.fit(..., trace_params=[...]).
        names: which traced parameters to show; default all of history.traces.
    """
    traces = getattr(history, "traces", None)
    step_loss = list(getattr(history, "step_loss", None) or [])
    if traces is None:
        raise TypeError(f"plot_param_traces: history must be a History with traces, got "
                        f"{type(history).__name__}")
    if names is None:
        names = list(traces)
    else:
        names = [names] if isinstance(names, str) else list(names)
        for n in names:
            if n not in traces:
                raise KeyError(f"plot_param_traces: {n!r} was not traced; history.traces has "
                               f"{sorted(traces)} (pass trace_params to fit)")
    if not step_loss and not names:
        raise ValueError("plot_param_traces: history has neither step losses nor traces")
    panels = (["loss"] if step_loss else []) + names
    fig, axes = _figure(*_grid(len(panels), 3), n=len(panels))
    for ax, name in zip(axes, panels):
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if name == "loss" and step_loss:
            ax.plot(np.arange(1, len(step_loss) + 1), step_loss, color="k")
            ax.set_title("loss per step")
            ax.set_ylabel("loss")
            continue
        values = np.asarray(traces[name], dtype=np.float64)
        steps = np.arange(values.shape[0])
        flat = values.reshape(values.shape[0], -1)
        if flat.shape[1] <= max_elements:
            shape = values.shape[1:]
            for j in range(flat.shape[1]):
                index = np.unravel_index(j, shape) if shape else ()
                ax.plot(steps, flat[:, j], label=f"[{', '.join(map(str, index))}]")
            if 1 < flat.shape[1]:
                ax.legend(fontsize="small")
            ax.set_ylabel("value")
            ax.set_title(name)
        else:
            ax.plot(steps, np.linalg.norm(flat, axis=1), label="L2 norm")
            ax.set_ylabel("L2 norm")
            ax.set_title(f"{name} {tuple(values.shape[1:])}: norm")
    return fig


# --- activations ---

def _step(x):
    # where over constants built from x: the graph reaches x, and autograd finds the
    # derivative the step function really has almost everywhere, zero
    return ag.where(x > 0, x - x + 1, x - x)


def _softmax_pair(x):
    return ag.softmax(ag.stack([x, ag.zeros_like(x)], dim=1), dim=1)[:, 0]


def plot_activation_functions(low=-5.0, high=5.0, num=501):
    """step, sigmoid, tanh, ReLU and softmax (top row) and their derivatives (bottom row),
    the derivatives computed by ag's backward, not by hand.

    softmax is shown as its first output over the pair (x, 0), softmax((x, 0))[0], which
    equals sigmoid(x): a two-class softmax is a sigmoid of the logit difference. The
    step's derivative is 0 everywhere (undefined at 0), which is why a network of steps
    cannot learn by gradient descent.
    """
    if not (num >= 2 and low < high):
        raise ValueError(f"plot_activation_functions: need low < high and num >= 2, got "
                         f"low={low}, high={high}, num={num}")
    fns = [("step", _step), ("sigmoid", ag.sigmoid), ("tanh", ag.tanh), ("ReLU", ag.relu),
           ("softmax((x, 0))[0]", _softmax_pair)]
    fig, axes = _figure(2, len(fns), panel=(3.0, 2.6))
    grid = np.linspace(low, high, num)
    for j, (name, fn) in enumerate(fns):
        x = ag.tensor(grid, dtype=ag.float64, requires_grad=True)
        with ag.enable_grad():
            y = fn(x)
            # elementwise, so the gradient of the sum is each point's derivative
            (dx,) = ag.grad(y.sum(), x)
        top, bottom = axes[j], axes[len(fns) + j]
        top.plot(grid, y.data, color="C0")
        top.set_title(name)
        bottom.plot(grid, dx.data, color="C1")
        bottom.set_title(f"d/dx {name}")
        bottom.set_xlabel("x")
        for ax in (top, bottom):
            ax.axhline(0, color="0.7", linewidth=0.8)
            ax.axvline(0, color="0.7", linewidth=0.8)
            ax.grid(alpha=0.3)
    axes[0].set_ylabel("f(x)")
    axes[len(fns)].set_ylabel("f'(x)")
    return fig


def plot_activation_histograms(model, x, layers=None, bins=50):
    """Histograms of each layer's outputs for one forward pass of x, one axes per layer,
    titled with the mean and std: the view that shows activations vanishing or saturating
    layer by layer under a bad initialisation (std 1 or 0.01 against Xavier or He).

    Args:
        layers: names from model.named_modules() whose outputs to show; default the
            activation modules (ReLU, Tanh, Sigmoid, ...), or every leaf module when
            the model has none.
    The model runs under no_grad in its current train/eval mode.
    """
    named = _module_names(model, "plot_activation_histograms")
    if layers is None:
        chosen = {n: m for n, m in named.items() if type(m).__name__ in ACTIVATIONS}
        if not chosen:
            chosen = {n: m for n, m in named.items()
                      if n and not any(True for _ in m.children())}
        if not chosen:
            raise ValueError("plot_activation_histograms: the model has no submodules; pass "
                             "layers=[...]")
    else:
        layers = [layers] if isinstance(layers, str) else list(layers)
        missing = [n for n in layers if n not in named]
        if missing:
            raise ValueError(f"plot_activation_histograms: no layer named {missing[0]!r}; the "
                             f"model has {[n for n in named if n]}")
        chosen = {n: named[n] for n in layers}
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"plot_activation_histograms: bins must be a positive int, got {bins!r}")
    outputs = _run(model, x, chosen)
    fig, axes = _figure(*_grid(len(chosen), 5), n=len(chosen), panel=(3.0, 2.6))
    for ax, (name, module) in zip(axes, chosen.items()):
        if outputs[name]:
            values = np.concatenate([o.ravel() for o in outputs[name]]).astype(np.float64)
        else:
            values = np.zeros(0)
        values = values[np.isfinite(values)]
        ax.hist(values, bins=bins, color="C0")
        label = f"{name} ({type(module).__name__})" if name else type(module).__name__
        if values.size:
            label += f"\nmean {values.mean():.3g}, std {values.std():.3g}"
        else:
            label += "\n(not called)"
        ax.set_title(label, fontsize="small")
        ax.set_xlabel("activation")
        ax.set_ylabel("count")
    return fig


# --- gradients ---

def plot_gradient_flow(model):
    """The L2 norm of each parameter's gradient after backward, one bar each on a log
    scale, in the order of model.named_parameters() (input side first).

    A zero gradient (nothing flows), a NaN or Inf one and a missing one (.grad is None)
    get a red or grey bar at the bottom of the axis, labelled '0', 'nan'/'inf' or 'None'.

    Args:
        model: a Module, or a dict {name: Tensor}.
    """
    if hasattr(model, "named_parameters"):
        params = list(model.named_parameters())
    elif isinstance(model, dict):
        params = list(model.items())
    else:
        raise TypeError(f"plot_gradient_flow: model must be a Module or a dict of Tensors, got "
                        f"{type(model).__name__}")
    if not params:
        raise ValueError("plot_gradient_flow: the model has no parameters")
    if all(p.grad is None for _, p in params):
        raise ValueError("plot_gradient_flow: no parameter has a gradient; call "
                         "loss.backward() first")
    norms, flags = [], []
    for _, p in params:
        if p.grad is None:
            norms.append(np.nan)
            flags.append("None")
            continue
        g = np.asarray(_numpy(p.grad), dtype=np.float64)
        norm = float(np.sqrt(np.sum(g * g))) if np.all(np.isfinite(g)) else np.nan
        if np.isnan(g).any():
            flags.append("nan")
        elif not np.all(np.isfinite(g)):
            flags.append("inf")
        elif norm == 0:
            flags.append("0")
        else:
            flags.append(None)
        norms.append(norm)
    ok = [n for n, f in zip(norms, flags) if f is None]
    floor = min(ok) / 10 if ok else 1e-12
    heights = [n if f is None else floor for n, f in zip(norms, flags)]
    colors = ["C0" if f is None else "0.6" if f == "None" else "tab:red" for f in flags]
    fig = Figure(figsize=(max(5.0, 0.45 * len(params) + 2), 4.0), layout="constrained")
    ax = fig.subplots()
    xs = np.arange(len(params))
    bars = ax.bar(xs, heights, color=colors)
    ax.set_yscale("log")
    for bar, flag in zip(bars, flags):
        if flag is not None:
            ax.annotate(flag, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", color=bar.get_facecolor(), fontsize="small")
    ax.set_xticks(xs, [name for name, _ in params], rotation=60, ha="right",
                  fontsize="small")
    ax.set_ylabel("gradient L2 norm")
    ax.set_xlabel("parameter")
    ax.set_title("gradient flow")
    ax.grid(axis="y", alpha=0.3)
    return fig


# --- models on data ---

def _model_dtype(model):
    params = getattr(model, "parameters", None)
    if params is not None:
        for p in params():
            return p.dtype
    return ag.get_default_dtype()


def _class_colors(n):
    palette = colormaps["tab10" if n <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(n)]


def _predict_classes(model, points):
    dtype = _model_dtype(model)
    chunks = []
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    try:
        with ag.no_grad():
            for start in range(0, len(points), 8192):
                out = _numpy(model(ag.tensor(points[start:start + 8192], dtype=dtype)))
                chunks.append(out)
    finally:
        if was_training is not None:
            model.train(was_training)
    out = np.concatenate(chunks)
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        return (out.reshape(-1) > 0).astype(np.int64)
    raise ValueError(f"plot_decision_boundary: the model must return (N, C) class scores or "
                     f"(N,) / (N, 1) logits, got shape {out.shape}")


def plot_decision_boundary(model, X, y, resolution=200):
    """The class the model predicts over the plane (filled contours) with the points of
    X scattered on top, coloured by their class y.

    The prediction is the arg-max of (N, C) outputs, or output > 0 for one logit per
    point ((N,) or (N, 1)). The model runs in eval mode under no_grad, on a
    resolution x resolution grid spanning X with a 10% margin.
    """
    X, y = np.asarray(_numpy(X), dtype=np.float64), np.asarray(_numpy(y))
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got {X.shape}")
    if y.shape != (len(X),):
        raise ValueError(f"plot_decision_boundary: y must have shape ({len(X)},) to match X "
                         f"{X.shape}, got {y.shape}")
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be an int >= 2, got "
                         f"{resolution!r}")
    if y.size and (not np.all(np.equal(np.mod(y, 1), 0)) or y.min() < 0):
        raise ValueError("plot_decision_boundary: y must hold class indices 0, 1, ..., got "
                         f"values such as {y[(np.mod(y, 1) != 0) | (y < 0)][0]!r}")
    y = y.astype(np.int64)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.where(hi > lo, (hi - lo) * 0.1, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    pred = _predict_classes(model, np.column_stack([gx.ravel(), gy.ravel()]))
    zz = pred.reshape(gx.shape)
    n_classes = int(max(zz.max(), y.max())) + 1
    colors = _class_colors(n_classes)
    fig = Figure(figsize=(5.5, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.contourf(gx, gy, zz, levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.3)
    for c in np.unique(y):
        sel = y == c
        ax.scatter(X[sel, 0], X[sel, 1], s=14, color=colors[c],
                   edgecolors="k", linewidths=0.4, label=f"class {c}")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title("decision boundary")
    ax.legend(fontsize="small")
    return fig


# --- convolutions ---

def _image_grid(images, title, cmap, symmetric):
    n = len(images)
    rows, cols = _grid(n, int(math.ceil(math.sqrt(n))))
    fig, axes = _figure(rows, cols, n=n, panel=(1.3, 1.3))
    if symmetric:
        bound = float(np.abs(images).max()) or 1.0
        vmin, vmax = -bound, bound
    else:
        vmin, vmax = float(images.min()), float(images.max())
    for i, (ax, image) in enumerate(zip(axes, images)):
        ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_title(str(i), fontsize="x-small")
        ax.set_axis_off()
    fig.suptitle(title)
    return fig


def plot_filters(conv, max_filters=64):
    """A Conv2d's kernels for its first input channel, weight[:max_filters, 0], as a grid
    of grey images on one colour scale symmetric about 0 (black negative, white positive).

    Args:
        conv: a Conv2d (anything with a 4-d .weight (out, in, kh, kw)), or that weight.
    """
    weight = getattr(conv, "weight", conv)
    w = np.asarray(_numpy(weight), dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a Conv2d or a weight of shape (out, in, kh, "
                         f"kw), got shape {w.shape}")
    if not isinstance(max_filters, (int, np.integer)) or max_filters < 1:
        raise ValueError(f"plot_filters: max_filters must be a positive int, got "
                         f"{max_filters!r}")
    n = min(w.shape[0], max_filters)
    return _image_grid(w[:n, 0], f"filters (input channel 0), {n} of {w.shape[0]}",
                       "gray", True)


def plot_feature_maps(model, x, layer, max_maps=64):
    """The output channels of the module named `layer` (a name from model.named_modules())
    for one input x of shape (1, C, H, W) (or (C, H, W)), as a grid of images.

    The model runs under no_grad in its current train/eval mode.
    """
    named = _module_names(model, "plot_feature_maps")
    if layer not in named:
        raise ValueError(f"plot_feature_maps: no layer named {layer!r}; the model has "
                         f"{[n for n in named if n]}")
    x = x if isinstance(x, ag.Tensor) else ag.tensor(np.asarray(x))
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"plot_feature_maps: x must be one image of shape (1, C, H, W), got "
                         f"{tuple(x.shape)}")
    outputs = _run(model, x, {layer: named[layer]})[layer]
    if not outputs:
        raise ValueError(f"plot_feature_maps: layer {layer!r} was not called by the forward")
    out = np.asarray(outputs[0], dtype=np.float64)
    if out.ndim != 4:
        raise ValueError(f"plot_feature_maps: layer {layer!r} returned shape {out.shape}, not "
                         "feature maps (1, C, H, W)")
    n = min(out.shape[1], max_maps)
    return _image_grid(out[0, :n], f"{layer} ({type(named[layer]).__name__}): {n} of "
                       f"{out.shape[1]} channels", "viridis", False)


# --- optimizers ---

def _grid_values(fn, xs, ys, dtype):
    """fn on every point of the grid: in one call on a (2, ny, nx) Tensor when fn only
    indexes p[0] and p[1] and broadcasts, else point by point."""
    gx, gy = np.meshgrid(xs, ys)
    with ag.no_grad():
        try:
            z = fn(ag.tensor(np.stack([gx, gy]), dtype=dtype))
            z = np.asarray(_numpy(z), dtype=np.float64)
            if z.shape == gx.shape:
                return gx, gy, z
        except (ValueError, IndexError, TypeError):
            pass
        z = np.array([[float(_numpy(fn(ag.tensor([a, b], dtype=dtype))))
                       for a, b in zip(row_x, row_y)] for row_x, row_y in zip(gx, gy)])
    return gx, gy, z


def plot_optimizer_paths(fn, optimizers, start, steps=100, bounds=None, resolution=100):
    """The paths of several optimizers minimising fn from the same start, over fn's contours.

    Args:
        fn: maps a Tensor p of shape (2,) to a scalar Tensor, e.g.
            ``lambda p: p[0] ** 2 / 20 + p[1] ** 2``. For the contours it is first tried
            on a (2, H, W) grid at once (fine when it indexes p[0], p[1] and uses
            elementwise ops), else called point by point.
        optimizers: {label: factory}, each factory taking a list of parameters and
            returning an optimizer, e.g. ``{"SGD": lambda params: optim.SGD(params, lr=0.95),
            "Adam": lambda params: optim.Adam(params, lr=0.3)}``.
        start: the starting point (x, y); every optimizer gets a fresh float64 parameter.
        steps: updates per optimizer (zero_grad, fn(p).backward(), step).
        bounds: ((xmin, xmax), (ymin, ymax)) of the contour plot; default the box around
            every path with a margin (pass it when an optimizer diverges). A path that
            reaches NaN or Inf stops there and is labelled 'diverged'.
    """
    if not callable(fn):
        raise TypeError(f"plot_optimizer_paths: fn must be callable, got {type(fn).__name__}")
    if not isinstance(optimizers, dict) or not optimizers:
        raise TypeError("plot_optimizer_paths: optimizers must be a non-empty dict {name: "
                        "factory}, e.g. {'SGD': lambda params: optim.SGD(params, lr=0.1)}")
    start = np.asarray(_numpy(start), dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"plot_optimizer_paths: start must be a point (x, y), got shape "
                         f"{start.shape}")
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"plot_optimizer_paths: steps must be a non-negative int, got "
                         f"{steps!r}")
    paths = {}
    for name, factory in optimizers.items():
        if not callable(factory):
            raise TypeError(f"plot_optimizer_paths: optimizers[{name!r}] must be a factory "
                            "(params -> optimizer), got " + type(factory).__name__)
        p = ag.tensor(start, dtype=ag.float64, requires_grad=True)
        opt = factory([p])
        if not (hasattr(opt, "step") and hasattr(opt, "zero_grad")):
            raise TypeError(f"plot_optimizer_paths: optimizers[{name!r}]([p]) returned "
                            f"{type(opt).__name__}, which has no step() and zero_grad()")
        points, diverged = [start.copy()], False
        # a diverging optimizer overflows on purpose; its path just ends there
        with ag.enable_grad(), np.errstate(over="ignore", invalid="ignore"):
            for _ in range(steps):
                opt.zero_grad()
                loss = fn(p)
                if not isinstance(loss, ag.Tensor) or loss.numel() != 1:
                    raise ValueError(f"plot_optimizer_paths: fn must return a scalar Tensor, "
                                     f"got {getattr(loss, 'shape', type(loss).__name__)}")
                loss.backward()
                opt.step()
                point = np.array(p.data, dtype=np.float64, copy=True)
                if not np.all(np.isfinite(point)):
                    diverged = True
                    break
                points.append(point)
        paths[name] = (np.array(points), diverged)
    if bounds is None:
        every = np.concatenate([pts for pts, _ in paths.values()])
        lo, hi = every.min(axis=0), every.max(axis=0)
        pad = np.maximum((hi - lo) * 0.15, 0.5)
        bounds = ((lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1]))
    else:
        b = np.asarray(bounds, dtype=np.float64)
        if b.shape != (2, 2) or not np.all(b[:, 0] < b[:, 1]):
            raise ValueError(f"plot_optimizer_paths: bounds must be ((xmin, xmax), (ymin, "
                             f"ymax)) with min < max, got {bounds!r}")
        bounds = tuple(map(tuple, b))
    xs = np.linspace(*bounds[0], resolution)
    ys = np.linspace(*bounds[1], resolution)
    gx, gy, z = _grid_values(fn, xs, ys, ag.float64)
    fig = Figure(figsize=(6.5, 5.0), layout="constrained")
    ax = fig.subplots()
    finite = z[np.isfinite(z)]
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25))) if finite.size else 10
    if np.size(levels) < 2:
        levels = 10
    ax.contour(gx, gy, z, levels=levels, cmap="Greys", linewidths=0.7)
    for name, (pts, diverged) in paths.items():
        label = f"{name} (diverged)" if diverged else name
        (line,) = ax.plot(pts[:, 0], pts[:, 1], "-o", markersize=2.5, linewidth=1.2,
                          label=label)
        ax.plot(pts[-1, 0], pts[-1, 1], "*", markersize=11, color=line.get_color())
    ax.plot(start[0], start[1], "ks", markersize=6, label="start")
    ax.set_xlim(bounds[0])
    ax.set_ylim(bounds[1])
    ax.set_xlabel("p[0]")
    ax.set_ylabel("p[1]")
    ax.set_title(f"optimizer paths, {steps} steps")
    ax.legend(fontsize="small")
    return fig


# --- classification ---

def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=False):
    """The confusion matrix, true class per row, predicted class per column, each cell
    annotated with its count (or fraction).

    Args:
        y_true: class indices (n,).
        y_pred: class indices (n,), or scores (n, C) whose arg-max is taken.
        class_names: the tick labels; their number sets the number of classes
            (default: the largest index seen + 1).
        normalize: False for counts; True or 'true' divides each row by its total
            (recall on the diagonal), 'pred' each column (precision), 'all' the total.
    """
    t = np.asarray(_numpy(y_true))
    p = np.asarray(_numpy(y_pred))
    if p.ndim == 2 and t.ndim == 1:
        p = p.argmax(axis=1)
    if t.ndim != 1 or p.shape != t.shape:
        raise ValueError(f"plot_confusion_matrix: y_true and y_pred must be class indices of "
                         f"the same shape (n,) (or y_pred scores (n, C)), got {t.shape} and "
                         f"{np.asarray(_numpy(y_pred)).shape}")
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.size and (np.any(np.mod(a, 1) != 0) or a.min() < 0):
            raise ValueError(f"plot_confusion_matrix: {name} must hold class indices 0, 1, ...")
    t, p = t.astype(np.int64), p.astype(np.int64)
    seen = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if class_names is not None:
        class_names = [str(c) for c in class_names]
        if seen > len(class_names):
            raise ValueError(f"plot_confusion_matrix: class index {seen - 1} is out of range "
                             f"for {len(class_names)} class_names")
        k = len(class_names)
    else:
        k = max(seen, 1)
        class_names = [str(i) for i in range(k)]
    if normalize not in (False, True, "true", "pred", "all"):
        raise ValueError(f"plot_confusion_matrix: normalize must be False, True, 'true', "
                         f"'pred' or 'all', got {normalize!r}")
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (t, p), 1)
    if normalize is False:
        matrix, fmt = counts, "{:d}"
    else:
        axis = {True: 1, "true": 1, "pred": 0, "all": None}[normalize]
        total = counts.sum(axis=axis, keepdims=axis is not None)
        with np.errstate(invalid="ignore", divide="ignore"):
            matrix = np.where(total > 0, counts / np.maximum(total, 1), 0.0)
        fmt = "{:.2f}"
    size = max(4.0, 0.55 * k + 2.5)
    fig = Figure(figsize=(size + 1.0, size), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues", vmin=0, interpolation="nearest")
    fig.colorbar(image, ax=ax)
    high = matrix.max() / 2 if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(j, i, fmt.format(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > high else "black", fontsize="small")
    ticks = np.arange(k)
    ax.set_xticks(ticks, class_names, rotation=45 if k > 5 else 0)
    ax.set_yticks(ticks, class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (" (normalized)" if normalize is not False else ""))
    return fig
