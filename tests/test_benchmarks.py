"""The benchmark suite runs and its contenders agree (a smoke run: speed is never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_op_overhead_quick_run_writes_a_row_for_every_contender(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks", "op_overhead", "--quick",
                             "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "op_overhead" in result.stdout and "ours/torch" in result.stdout
    rows = json.loads(out.read_text())["rows"]
    (row,) = [r for r in rows if r["workload"] == "op_overhead"]
    assert set(row["values"]) >= {"ours", "numpy", "torch"}
    assert all(v > 0 for v in row["values"].values())  # each contender ran (and agreed:
    # the harness exits non-zero when their results differ)


def test_unknown_workload_is_refused():
    result = subprocess.run([sys.executable, "-m", "benchmarks", "no_such_workload"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown workload no_such_workload" in result.stderr
