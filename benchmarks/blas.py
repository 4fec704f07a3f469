"""blas: the matrix products of one training step alone, NumPy's BLAS against torch's.

A training row's ratio to torch mixes two costs: the engine's own (recording and walking
the graph, extra copies) and the speed of the BLAS each side links. NumPy's wheels bundle
OpenBLAS; torch's CPU wheels bring their own (MKL on x86). On some machines the second
alone decides a target stated against torch, so this row measures it apart: it records
every matrix product our engine makes during one step of mlp_train, cnn_train and
lstm_train (the operands themselves: shapes, dtypes and memory layouts, in order), then
times that same sequence through np.matmul (the `ours` column: what our engine pays for
its products) and through torch.matmul on the same memory (the `torch` column).

The ratio ours/torch is a gap no change to the engine can close: the BLAS speed this
machine gives each side for the workload's shapes. The note gives the products' share of
our step (timed in the same rounds). Subtracting the `ours` - `torch` difference here
from the workload's own row estimates where the engine itself stands against torch.
"""
import importlib
from unittest import mock

import numpy as np

from . import harness

NAME = "blas"
SOURCES = ("mlp_train", "cnn_train", "lstm_train")


def record_products(step):
    """Run step() once with np.matmul watched: the (a, b) operand pairs of every matrix
    product it makes, in order. (The engine calls np.matmul directly and through the
    namespace its backward formulas read, autograd_core.function.NUMPY_OPS.)"""
    from autograd_core import function

    calls = []
    real = np.matmul

    def spy(a, b, *args, **kwargs):
        calls.append((a, b))
        return real(a, b, *args, **kwargs)

    with mock.patch.object(np, "matmul", spy), \
            mock.patch.object(type(function.NUMPY_OPS), "matmul", staticmethod(spy)):
        step()
    return calls


def _torch_operand(torch, a):
    """a as a torch tensor sharing its memory and layout where torch can (a copy of the
    same layout otherwise: read-only or negatively strided arrays)."""
    if a.flags.writeable and all(s >= 0 for s in a.strides):
        return torch.from_numpy(a)
    return torch.from_numpy(np.array(a, order="K"))


def _replays(calls, torch):
    """Zero-argument callables that run the recorded products: NumPy's and torch's."""
    def with_numpy():
        return [np.matmul(a, b) for a, b in calls]

    steps = {"ours": with_numpy}
    if torch is not None:
        pairs = [(_torch_operand(torch, a), _torch_operand(torch, b)) for a, b in calls]

        def with_torch():
            return [torch.matmul(a, b) for a, b in pairs]

        steps["torch"] = with_torch
    return steps


def _check(source):
    def check(results):
        if "torch" not in results:
            return
        for k, (got, want) in enumerate(zip(results["torch"], results["ours"])):
            got = harness.to_numpy(got)
            scale = float(np.max(np.abs(want))) if want.size else 1.0
            if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3,
                                                          atol=1e-4 * (scale or 1.0)):
                raise harness.MismatchError(f"{NAME}: product {k} of {source} differs "
                                            f"between NumPy and torch")
    return check


def run(cfg):
    rows = []
    for source in SOURCES:
        module = importlib.import_module(f".{source}", __package__)
        params, x, y = module._inputs()
        step = module._ours(params, x, y)
        step()  # a first step: whatever is set up once stays out of the recording
        calls = record_products(step)
        steps = _replays(calls, cfg.torch)
        steps["step"] = step
        timings = harness.measure(steps, cfg, check=_check(source))
        share = timings["ours"].median / timings.pop("step").median
        note = f"{len(calls)} products, {share:.0%} of our step"
        rows.append(harness.row_from_timings(f"{NAME} in {source}", timings, 1,
                                             unit="ms/step", scale=1e3, note=note))
    return rows
