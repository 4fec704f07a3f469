"""A training loop for the usual case: fit a model with a loss, an optimizer and data
loaders, with a progress bar, metrics, learning-rate scheduling, early stopping and the
per-step parameter traces that training-dynamics figures need."""

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from . import grad_mode
from .tensor import Tensor

__all__ = ["fit", "evaluate", "History", "EarlyStopping", "Callback"]


# --- metrics ---

def accuracy(output, target):
    """The fraction of correct predictions: the arg-max over dim 1 for class scores
    (N, C, ...), or output > 0 for one logit per sample ((N,) or (N, 1)) against 0/1
    targets. Real-valued targets (a regression's) have no accuracy: ValueError."""
    out, t = _array(output), _array(target)
    if not _class_targets(out, t):
        raise ValueError("accuracy: the targets are real values, not class indices, class "
                         "probabilities or 0/1 labels (a regression?); pass metrics=() to "
                         "fit and evaluate, or a metric of your own")
    if out.ndim >= 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        if t.shape == out.shape:  # class probabilities as targets
            t = t.argmax(axis=1)
    else:
        pred = (out.reshape(t.shape) > 0).astype(t.dtype)
    return float((pred == t).mean()) if t.size else float("nan")


def _class_targets(out, t):
    """Whether targets t for outputs out are classes: integer labels, rows of class
    probabilities (the outputs' shape, each row a distribution), or 0/1 labels for one
    logit per sample."""
    if t.dtype.kind in "iub" or not t.size:
        return True
    if t.dtype.kind != "f":
        return False
    if out.ndim >= 2 and out.shape[1] > 1 and t.shape == out.shape:
        sums = t.sum(axis=1)
        return bool(np.all(t >= 0) and np.allclose(sums, 1, atol=1e-4))
    return bool(np.all((t == 0) | (t == 1)))


METRICS = {"accuracy": accuracy}


def _array(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _metric_fns(metrics):
    """{name: fn} for `metrics`; None ('auto', the default) is left for _auto_metrics to
    decide from the first batch."""
    if metrics is None:
        return None
    fns = {}
    for m in metrics:
        if callable(m):
            fns[getattr(m, "__name__", "metric")] = m
        elif m in METRICS:
            fns[m] = METRICS[m]
        else:
            raise ValueError(f"fit: unknown metric {m!r}; use one of {sorted(METRICS)} or a "
                             "function (output, target) -> float")
    return fns


def _auto_metrics(out, y):
    """The default metrics: accuracy when the targets are classes, none for a regression
    (where an accuracy would be a meaningless number)."""
    return {"accuracy": accuracy} if _class_targets(_array(out), _array(y)) else {}


def _split(batch, where):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch
    raise TypeError(f"{where}: each batch must be an (input, target) pair, got "
                    f"{type(batch).__name__}" + (f" of length {len(batch)}"
                                                 if isinstance(batch, (tuple, list)) else ""))


def _size(x):
    return x.shape[0] if isinstance(x, Tensor) and x.ndim else 1


# --- history and callbacks ---

@dataclass
class History:
    """What fit returns. `epochs[k]` holds epoch k's numbers under the names 'loss',
    each metric, 'val_loss', 'val_<metric>' and 'lr'; `history['loss']` gives one of them
    over all epochs. `step_loss` is the loss of every step, and `traces[name]` the value
    of each traced parameter before the first step and after every step, stacked:
    shape (steps + 1, *parameter shape)."""

    epochs: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    traces: dict = field(default_factory=dict)
    stopped_early: bool = False

    def __getitem__(self, name):
        if not any(name in e for e in self.epochs):
            raise KeyError(f"History has no {name!r}; it has "
                           f"{sorted({k for e in self.epochs for k in e})}")
        return [e.get(name, float("nan")) for e in self.epochs]

    def keys(self):
        keys = []
        for e in self.epochs:
            keys += [k for k in e if k not in keys]
        return keys

    def __len__(self):
        return len(self.epochs)


class Callback:
    """Hooks fit calls: on_train_begin(model), on_epoch_end(epoch, logs, model) which
    returns True to stop training, on_train_end(model)."""

    def on_train_begin(self, model):
        pass

    def on_epoch_end(self, epoch, logs, model):
        return False

    def on_train_end(self, model):
        pass


class EarlyStopping(Callback):
    """Stop when `monitor` (a name in the epoch logs, e.g. 'val_loss' or 'val_accuracy')
    has not improved by more than min_delta for `patience` epochs; with restore_best, the
    model gets back the parameters and buffers of its best epoch when training ends.
    mode 'min' or 'max' ('auto': max for names containing 'acc', min otherwise)."""

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, restore_best=True,
                 mode="auto"):
        if patience < 0 or min_delta < 0:
            raise ValueError(f"EarlyStopping: patience and min_delta must be >= 0, got "
                             f"patience={patience}, min_delta={min_delta}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.restore_best, self.mode = restore_best, mode
        self.best, self.best_epoch, self.stopped_epoch, self.wait = None, None, None, 0
        self._best_state = None

    def on_train_begin(self, model):
        self.best, self.best_epoch, self.stopped_epoch, self.wait = None, None, None, 0
        self._best_state = None

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs, model):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: monitor {self.monitor!r} is not among the epoch's "
                           f"logs {sorted(logs)} (a 'val_' name needs a val_loader)")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._best_state = {k: np.array(v.data, copy=True)
                                    for k, v in model.state_dict().items()}
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model):
        if self.restore_best and self._best_state is not None:
            model.load_state_dict(self._best_state)


# --- evaluation and training ---

def evaluate(model, loader, loss_fn=None, metrics=None):
    """The mean loss (when loss_fn is given) and metrics of model over loader, in eval
    mode and without recording a graph; the model's mode is restored. Means are weighted
    by batch size. metrics: as in fit (None: accuracy when the targets are classes)."""
    fns = _metric_fns(metrics)
    was_training = model.training
    model.eval()
    totals, count = dict.fromkeys((["loss"] if loss_fn else []) + list(fns or ()), 0.0), 0
    try:
        with grad_mode.no_grad():
            for batch in loader:
                x, y = _split(batch, "evaluate")
                out = model(x)
                if fns is None:
                    fns = _auto_metrics(out, y)
                    totals.update(dict.fromkeys(fns, 0.0))
                n = _size(y)
                if loss_fn is not None:
                    totals["loss"] += float(loss_fn(out, y).item()) * n
                for name, fn in fns.items():
                    totals[name] += fn(out, y) * n
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no samples")
    return {k: v / count for k, v in totals.items()}


def _progress_bar(iterable, total, desc, progress):
    from tqdm import tqdm  # (not tqdm.auto: it warns in a notebook without ipywidgets)
    quiet = not progress or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(iterable, total=total, desc=desc, leave=True, disable=quiet,
                dynamic_ncols=True)


def _scheduler_kind(scheduler):
    """'plateau' (steps on a metric once per epoch), 'batch' (OneCycleLR: once per
    batch) or 'epoch'."""
    if scheduler is None:
        return None
    if hasattr(scheduler, "num_bad_epochs"):
        return "plateau"
    if hasattr(scheduler, "total_steps"):
        return "batch"
    return "epoch"


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None,
        metrics=None, scheduler=None, callbacks=(), progress=True, trace_params=None):
    """Train model for `epochs` passes over train_loader and return a History.

    Each step: optimizer.zero_grad(), loss_fn(model(x), y).backward(), optimizer.step(),
    with the model in train mode; after each epoch the val_loader (if any) is evaluated
    in eval mode. metrics: names ('accuracy') or functions (output, target) -> float,
    logged for training (from the batches as they were trained) and validation
    ('val_' + name); None (the default): accuracy when the targets are classes (integer
    labels, class probabilities, 0/1 labels), nothing for a regression. scheduler:
    stepped once per epoch, except OneCycleLR (once per batch) and ReduceLROnPlateau
    (once per epoch, on val_loss, or the training loss without a val_loader).
    callbacks: objects with Callback's hooks, e.g. EarlyStopping. progress: a tqdm bar
    per epoch with the running loss and metrics (only on a terminal). trace_params:
    names from model.named_parameters() whose values are recorded before the first step
    and after every step (History.traces).
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    fns = _metric_fns(metrics)
    named = dict(model.named_parameters())
    traced = list(trace_params or ())
    for name in traced:
        if name not in named:
            raise KeyError(f"fit: trace_params names {name!r}, which is not a parameter of "
                           f"the model (it has {sorted(named)})")
    kind = _scheduler_kind(scheduler)
    history = History(traces={name: [np.array(named[name].data, copy=True)]
                              for name in traced})
    was_training = model.training
    for cb in callbacks:
        cb.on_train_begin(model)
    try:
        for epoch in range(epochs):
            model.train()
            totals, count = dict.fromkeys(["loss"] + list(fns or ()), 0.0), 0
            try:
                total = len(train_loader)
            except TypeError:
                total = None
            bar = _progress_bar(train_loader, total, f"epoch {epoch + 1}/{epochs}", progress)
            for batch in bar:
                x, y = _split(batch, "fit")
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                if fns is None:  # the default metrics, from the first batch's targets
                    fns = _auto_metrics(out, y)
                    totals.update(dict.fromkeys(fns, 0.0))
                value = float(loss.item())
                if not math.isfinite(value):
                    raise FloatingPointError(
                        f"fit: the loss is {value} at epoch {epoch + 1}, step "
                        f"{len(history.step_loss) + 1}: lower the learning rate, clip the "
                        "gradients, or look for log(0) and division by zero in the model")
                loss.backward()
                optimizer.step()
                if kind == "batch":
                    scheduler.step()
                n = _size(y)
                totals["loss"] += value * n
                with grad_mode.no_grad():
                    for name, fn in fns.items():
                        totals[name] += fn(out, y) * n
                count += n
                history.step_loss.append(value)
                for name in traced:
                    history.traces[name].append(np.array(named[name].data, copy=True))
                bar.set_postfix({k: f"{v / count:.4f}" for k, v in totals.items()},
                                refresh=False)
            bar.close()
            if count == 0:
                raise ValueError("fit: train_loader yielded no samples")
            logs = {k: v / count for k, v in totals.items()}
            if val_loader is not None:
                val = evaluate(model, val_loader, loss_fn, list(fns or ()) if metrics is None
                               else metrics)
                logs.update({"val_" + k: v for k, v in val.items()})
            logs["lr"] = optimizer.param_groups[0]["lr"]
            history.epochs.append(logs)
            if kind == "epoch":
                scheduler.step()
            elif kind == "plateau":
                scheduler.step(logs.get("val_loss", logs["loss"]))
            stop = False
            for cb in callbacks:
                stop = bool(cb.on_epoch_end(epoch, logs, model)) or stop
            if stop:
                history.stopped_early = True
                break
    finally:
        for cb in callbacks:
            cb.on_train_end(model)
        model.train(was_training)
    history.traces = {k: np.stack(v) for k, v in history.traces.items()}
    return history
