"""Shared machinery: interleaved timing rounds, medians, agreement checks, the table, JSON.

Contenders are named "ours" (autograd_core), "numpy" (the hand-written floor) and "torch".
A workload builds one zero-argument `step` callable per contender that does the whole job
once (forward, backward, graph teardown) and hands them to `measure`.
"""

import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

CONTENDERS = ("ours", "numpy", "torch")


class MismatchError(RuntimeError):
    """Two contenders computed different numbers, so timing them would compare unlike work."""


@dataclass
class Config:
    """How hard to measure. `torch` is the imported module, or None when it is missing."""

    rounds: int = 11
    min_time: float = 0.05  # seconds; calls shorter than this are repeated within one sample
    keep_gc: bool = False
    torch: object = None
    quick: bool = False  # workloads may also shrink their own sizes (steps, batches) for it


def load_torch():
    """torch pinned to one thread, or None: torch is an optional extra, never required."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


@dataclass
class Timing:
    per_call: list  # seconds per call, one entry per round
    inner: int      # calls per sample

    @property
    def median(self):
        return statistics.median(self.per_call)


def _sample(fn, inner, keep_gc):
    """Seconds per call of fn, averaged over `inner` back-to-back calls.

    The collector is emptied first so that no sample pays for garbage an earlier one
    left behind, and (unless keep_gc) switched off while the clock runs, as `timeit`
    does: otherwise a generation-2 collection lands in whichever sample happens to cross
    the allocation threshold, which is noise in a median of few rounds. --keep-gc puts
    that cost back, for a view closer to a real training loop.
    """
    gc.collect()
    was_enabled = gc.isenabled()
    if not keep_gc:
        gc.disable()
    try:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()  # the result is dropped at once, so freeing the graph is timed too
        t1 = time.perf_counter()
    finally:
        if was_enabled:
            gc.enable()
    return (t1 - t0) / inner


def measure(steps, cfg, check=None):
    """Time every step in `steps` ({key: step}) over cfg.rounds interleaved rounds.

    Keys are contender names, or any label a workload likes (deep_chain uses
    (contender, length) so that all its lengths share the same rounds).

    Each step runs once first, untimed for the table: that warms caches and lazy imports,
    sizes the inner repeat count, and its results go to `check` (if given), which must
    raise if the contenders disagree. Returns {name: Timing}.
    """
    first, inner = {}, {}
    for name, fn in steps.items():
        gc.collect()
        t0 = time.perf_counter()
        first[name] = fn()
        elapsed = time.perf_counter() - t0
        inner[name] = max(1, math.ceil(cfg.min_time / max(elapsed, 1e-9)))
    if check is not None:
        check(first)
    del first  # some results hold whole graphs; free them before the clock starts

    names = list(steps)
    samples = {name: [] for name in names}
    for r in range(cfg.rounds):
        # rotate the order each round, so no contender always runs first (cold) or
        # always right after the same neighbour (whose garbage and cache state it inherits)
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(_sample(steps[name], inner[name], cfg.keep_gc))
    return {name: Timing(samples[name], inner[name]) for name in names}


# --- training steps shared by the training workloads ---

def ours_sgd_step(model, x, y, lr):
    """One step of plain SGD with cross-entropy on our model: (loss, first param's grad)."""
    import autograd_core as ag
    from nn import functional as F

    xt, yt = ag.tensor(x), ag.tensor(y)
    weights = list(model.parameters())

    def step():
        for p in weights:
            p.grad = None
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        grad0 = weights[0].grad  # the update below changes the weights, not this
        with ag.no_grad():
            for p in weights:
                p.data -= lr * p.grad.data
        return loss, grad0

    return step


def torch_sgd_step(torch, model, x, y, lr):
    """The same step in PyTorch."""
    xt, yt = torch.tensor(x), torch.tensor(y)
    weights = list(model.parameters())

    def step():
        for p in weights:
            p.grad = None
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        grad0 = weights[0].grad
        with torch.no_grad():
            for p in weights:
                p -= lr * p.grad
        return loss, grad0

    return step


def training_rows(name, cfg, ours, floor, torch_step, check):
    """Time the three contenders' steps (torch_step(torch) builds torch's): one ms/step row."""
    steps = {"ours": ours, "numpy": floor}
    if cfg.torch is not None:
        steps["torch"] = torch_step(cfg.torch)
    timings = measure(steps, cfg, check=check)
    return [row_from_timings(name, timings, 1, unit="ms/step", scale=1e3)]


# --- checking that contenders agree ---

def to_numpy(value):
    """An ndarray from ours, torch's or NumPy's array type (detached, on the CPU)."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def check_agree(workload, results, labels, rtol, atol, ref="numpy"):
    """Raise MismatchError unless every contender's outputs match the reference's.

    results: {contender: tuple of outputs}, labels: a name per output (for the message).
    atol is relative to the reference's largest magnitude, so that gradients which are
    all small (a long chain shrinks them) are compared at their own scale.
    """
    expected = [to_numpy(v) for v in results[ref]]
    for name, outputs in results.items():
        if name == ref:
            continue
        for label, got, want in zip(labels, (to_numpy(v) for v in outputs), expected):
            if got.shape != want.shape:
                raise MismatchError(f"{workload}: {name}'s {label} has shape {got.shape}, "
                                    f"{ref}'s has {want.shape}")
            scale = float(np.max(np.abs(want))) if want.size else 1.0
            if not np.allclose(got, want, rtol=rtol, atol=atol * (scale or 1.0)):
                err = float(np.max(np.abs(got.astype(np.float64) - want)))
                raise MismatchError(f"{workload}: {name}'s {label} differs from {ref}'s by up "
                                    f"to {err:.3g} (reference scale {scale:.3g}, rtol={rtol}, "
                                    f"atol={atol} x scale)")


# --- results ---

@dataclass
class Row:
    """One line of the table. values: {contender: number or None (not run)}.

    `ratios` is False for rows that are already ratios (flatness), where ours/numpy would
    be a ratio of ratios and mean nothing. A failed row has no values and a note saying why.
    """

    workload: str
    unit: str
    values: dict
    note: str = ""
    ratios: bool = True
    failed: bool = False
    samples: dict = field(default_factory=dict)  # {contender: per-call samples}, for JSON

    def ratio(self, other):
        ours, theirs = self.values.get("ours"), self.values.get(other)
        if not self.ratios or ours is None or not theirs:
            return None
        return ours / theirs

    def to_json(self):
        return {"workload": self.workload, "unit": self.unit, "values": self.values,
                "ours/numpy": self.ratio("numpy"), "ours/torch": self.ratio("torch"),
                "note": self.note, "failed": self.failed, "samples": self.samples}


def row_from_timings(workload, timings, n_ops, note="", unit="us/op", scale=1e6):
    """A row from measure()'s timings of a step doing n_ops ops: seconds per op times
    scale (microseconds per op by default; ms/step is n_ops=1, scale=1e3)."""
    values = {name: None for name in CONTENDERS}
    samples = {}
    for name, t in timings.items():
        values[name] = t.median / n_ops * scale
        samples[name] = [s / n_ops * scale for s in t.per_call]
    return Row(workload, unit, values, note=note, samples=samples)


def failed_row(workload, unit, exc):
    return Row(workload, unit, {name: None for name in CONTENDERS},
               note=f"FAILED: {type(exc).__name__}: {exc}", failed=True)


def _fmt(value):
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


_COLUMNS = (("workload", 28, "<"), ("unit", 12, "<"), ("ours", 9, ">"), ("numpy", 9, ">"),
            ("torch", 9, ">"), ("ours/numpy", 11, ">"), ("ours/torch", 11, ">"))


def print_table(rows, file=None):
    file = file or sys.stdout
    header = "".join(f"{name:{align}{width}}" for name, width, align in _COLUMNS)
    print(header + "  note", file=file)
    for row in rows:
        cells = (row.workload, row.unit, _fmt(row.values.get("ours")),
                 _fmt(row.values.get("numpy")), _fmt(row.values.get("torch")),
                 _fmt(row.ratio("numpy")), _fmt(row.ratio("torch")))
        line = "".join(f"{cell:{align}{width}}" for cell, (_, width, align) in zip(cells,
                                                                                  _COLUMNS))
        print((line + "  " + row.note).rstrip(), file=file)


def environment(cfg):
    """What the numbers were measured on, for the table's caption and the JSON file."""
    torch = cfg.torch
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__ if torch is not None else None,
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "threads_env": {v: os.environ.get(v) for v in
                        ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "rounds": cfg.rounds,
        "min_time_s": cfg.min_time,
        "gc_during_timing": cfg.keep_gc,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def caption(env):
    torch = f"torch {env['torch']} ({env['torch_threads']} thread)" if env["torch"] else \
        "torch not installed"
    gc_mode = "gc on" if env["gc_during_timing"] else "gc off while timing"
    return (f"# python {env['python']}, numpy {env['numpy']}, {torch}; "
            f"OMP/OPENBLAS/MKL threads {env['threads_env']['OMP_NUM_THREADS']}/"
            f"{env['threads_env']['OPENBLAS_NUM_THREADS']}/"
            f"{env['threads_env']['MKL_NUM_THREADS']}; "
            f"median of {env['rounds']} interleaved rounds, {gc_mode}")


def write_json(path, rows, env):
    with open(path, "w") as f:
        json.dump({"environment": env, "rows": [r.to_json() for r in rows]}, f, indent=2)
        f.write("\n")
