"""The course notebooks (notebooks/*.ipynb) run from top to bottom, each in under 30 s,
and are committed without outputs."""

import json
import os
import time
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
LIMIT = 30.0  # seconds per notebook on 2 cores


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped(path):
    nb = json.loads(path.read_text())
    for k, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
                f"{path.name}: cell {k} has outputs; strip them before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    # one BLAS thread per kernel: two kernels (pytest -n 2) each spinning several threads
    # on 2 cores run several times slower (make test sets these too)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("PYTHONWARNINGS", "ignore::DeprecationWarning")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=int(LIMIT * 2), kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    t0 = time.perf_counter()
    client.execute(cwd=str(tmp_path), env=dict(os.environ))
    elapsed = time.perf_counter() - t0
    assert elapsed < LIMIT, f"{path.name} took {elapsed:.1f} s (limit {LIMIT:.0f} s)"
