"""The benchmark suite runs and its contenders agree (a smoke run: speed is never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_row(tmp_path, name):
    """Run one workload with --quick; its row from the JSON output, after checking that
    the run succeeded and printed the table."""
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", name, "--quick",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert name in result.stdout and "ours/torch" in result.stdout
    rows = json.loads(out.read_text())["rows"]
    (row,) = [r for r in rows if r["workload"] == name]
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
