"""The benchmark suite runs and its contenders agree (a smoke run: speed is never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_rows(tmp_path, name):
    """Run one workload with --quick; its rows from the JSON output, after checking that
    the run succeeded and printed the table."""
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", name, "--quick",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert name in result.stdout and "ours/torch" in result.stdout
    return json.loads(out.read_text())["rows"]


def _quick_row(tmp_path, name):
    """The row named after the workload, from a --quick run of it."""
    (row,) = [r for r in _quick_rows(tmp_path, name) if r["workload"] == name]
    return row


def _assert_every_contender_ran(row):
    assert set(row["values"]) >= {"ours", "numpy", "torch"}
    assert all(v > 0 for v in row["values"].values())  # each contender ran (and agreed:
    # the harness exits non-zero when their results differ)


def test_op_overhead_quick_run_writes_a_row_for_every_contender(tmp_path):
    _assert_every_contender_ran(_quick_row(tmp_path, "op_overhead"))


def test_cnn_train_quick_run_writes_a_row_for_every_contender(tmp_path):
    row = _quick_row(tmp_path, "cnn_train")
    assert row["unit"] == "ms/step"
    _assert_every_contender_ran(row)


def test_lstm_train_quick_run_writes_a_row_for_every_contender(tmp_path):
    row = _quick_row(tmp_path, "lstm_train")
    assert row["unit"] == "ms/step"
    _assert_every_contender_ran(row)
    # the tuned floor's row, from the same run: the same "ours", its own floor
    rows = json.loads((tmp_path / "bench.json").read_text())["rows"]
    (tuned,) = [r for r in rows if r["workload"] == "lstm_train (tuned floor)"]
    assert tuned["values"]["ours"] == row["values"]["ours"]
    assert tuned["values"]["numpy"] > 0 and tuned["values"]["numpy"] != row["values"]["numpy"]


def test_blas_quick_run_times_each_workloads_products_in_numpy_and_torch(tmp_path):
    rows = _quick_rows(tmp_path, "blas")
    assert [r["workload"] for r in rows] == ["blas in mlp_train", "blas in cnn_train",
                                             "blas in lstm_train"]
    for row in rows:
        assert row["values"]["ours"] > 0 and row["values"]["torch"] > 0
        assert row["values"]["numpy"] is None  # no floor: the products are the same
        assert "products" in row["note"] and "% of our step" in row["note"]
    counts = [int(r["note"].split()[0]) for r in rows]
    # the MLP: three layers forward, the hidden gradients of the last two, three weight
    # gradients; the LSTM: at least each step's hidden product and its backward (the
    # first step, from a zero state, has neither)
    assert counts[0] == 8
    assert counts[2] >= 2 * 34


def test_recorded_products_are_a_steps_forward_and_backward_products():
    """benchmarks.blas records every np.matmul an engine step makes, including those of
    the backward formulas (through NUMPY_OPS), and puts np.matmul back afterwards."""
    import numpy as np

    import autograd_core as ag
    import nn
    from benchmarks.blas import record_products

    real = np.matmul
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = ag.randn(5, 3)
    calls = record_products(lambda: model(x).sum().backward())
    # forward x W1^T and h W2^T; backward: h's gradient g W2, then W2's and W1's gradients
    # (each computed in the weight's own layout, as (g^T a))
    assert [(a.shape, b.shape) for a, b in calls] == [
        ((5, 3), (3, 4)), ((5, 4), (4, 2)), ((5, 2), (2, 4)), ((2, 5), (5, 4)),
        ((4, 5), (5, 3))]
    assert np.matmul is real
    assert model[0].weight.grad is not None  # the step ran for real


def test_memory_quick_run_measures_every_contender_in_a_child(tmp_path):
    row = _quick_row(tmp_path, "memory")
    assert row["unit"] == "MB peak"
    # a positive increase also shows that the children did not inherit this process's
    # peak RSS (which would make baseline and peak equal)
    _assert_every_contender_ran(row)


def test_unknown_workload_is_refused():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "no_such_workload"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown workload no_such_workload" in result.stderr
