"""memory: how much the resident set grows over 20 mlp_train steps, ours against the NumPy
floor (and PyTorch). Extra copies, graphs kept alive after backward and saved arrays never
freed show up here even when they cost little time.

Each contender runs in a fresh process of its own (`python -m benchmarks.memory --child
NAME`), so that no one inherits another's heap. It builds its mlp_train step, takes the
peak RSS from getrusage (ru_maxrss) as the baseline, runs 20 steps and takes it again.
The row holds the difference in MB (2^20 bytes), the median over a few fresh runs; the
children's first and last losses must agree, so all did the same training.

Two things would make ru_maxrss lie, and the child guards against both:
- Linux carries a process's ru_maxrss across fork and exec, so a child started from this
  benchmark process (torch loaded, earlier workloads run) would report at least the
  parent's peak, both at baseline and after the steps: an increase of zero. The child
  therefore forks once more before measuring; a forked process starts its own count.
- ru_maxrss is a high-water mark, so a transient peak during setup (a weight initialised
  then overwritten by load_state_dict) would hide that much of the steps' growth. On
  Linux the mark is reset to the current RSS at the baseline (/proc/self/clear_refs);
  where that is impossible, the note says so.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import traceback
from pathlib import Path

from . import harness, mlp_train

NAME = "memory"
STEPS = 20
RUNS = 3        # fresh children per contender; the figure is their median
QUICK_RUNS = 1
ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _peak_kib():
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes there, KiB on Linux


def _reset_peak():
    """Lower this process's high-water mark to its current RSS; False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # 5: reset the peak resident set size (Linux 4.0+)
        return True
    except OSError:
        return False


def _child(contender):
    """Runs in the measuring process: build the contender's mlp_train step, note the
    baseline, take STEPS steps (dropping each one's results at once, as a training loop
    does), print a JSON report."""
    import gc

    params, x, y = mlp_train._inputs()
    if contender == "ours":
        step = mlp_train._ours(params, x, y)
    elif contender == "numpy":
        step = mlp_train._floor(params, x, y)
    else:
        torch = harness.load_torch()
        if torch is None:
            raise SystemExit("memory: torch is not installed")
        step = mlp_train._torch(torch, params, x, y)
    gc.collect()
    reset = _reset_peak()
    baseline = _peak_kib()
    losses = []
    for _ in range(STEPS):
        loss, _ = step()
        losses.append(float(harness.to_numpy(loss)))
        del loss, _
    peak = _peak_kib()
    print(json.dumps({"baseline_kib": baseline, "peak_kib": peak, "reset": reset,
                      "first_loss": losses[0], "last_loss": losses[-1]}), flush=True)


def _in_own_process(fn):
    """Run fn in a forked copy of this process and return its exit code: the copy's
    ru_maxrss starts from its own size, not from the peak of whoever started us."""
    if not hasattr(os, "fork"):
        fn()
        return 0
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn()
        except BaseException:  # report it, but never return into the parent's code
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _run_child(contender):
    """Measure one contender in a fresh interpreter; its JSON report as a dict."""
    env = dict(os.environ)
    env.update({var: "1" for var in THREAD_VARS})  # as __main__ pins them for itself
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(ROOT), env.get("PYTHONPATH"))))
    proc = subprocess.run([sys.executable, "-m", "benchmarks.memory", "--child", contender],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the {contender} child exited with {proc.returncode}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _check(results):
    # 20 float32 SGD steps from the same weights: the last loss drifts by a few ulps only
    harness.check_agree(NAME, results, ("first loss", "loss after 20 steps"), rtol=1e-4,
                        atol=1e-5)


def run(cfg):
    contenders = ["ours", "numpy"] + (["torch"] if cfg.torch is not None else [])
    increase = {name: [] for name in contenders}
    reports = {}
    for r in range(QUICK_RUNS if cfg.quick else RUNS):
        k = r % len(contenders)
        for name in contenders[k:] + contenders[:k]:
            report = _run_child(name)
            increase[name].append((report["peak_kib"] - report["baseline_kib"]) / 1024)
            reports.setdefault(name, report)
    _check({name: (rep["first_loss"], rep["last_loss"]) for name, rep in reports.items()})

    values = {name: None for name in harness.CONTENDERS}
    values.update({name: statistics.median(mbs) for name, mbs in increase.items()})
    note = (f"{STEPS} steps; baseline RSS {'/'.join(contenders)} "
            + "/".join(f"{reports[name]['baseline_kib'] / 1024:.0f}" for name in contenders)
            + " MB")
    if not all(rep["reset"] for rep in reports.values()):
        note += "; peak not reset at baseline (a setup peak may hide growth)"
    return [harness.Row(NAME, "MB peak", values, note=note, samples=increase)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--child", required=True, choices=harness.CONTENDERS,
                        help="measure this contender in this process and print JSON")
    contender = parser.parse_args().child
    sys.exit(_in_own_process(lambda: _child(contender)))
