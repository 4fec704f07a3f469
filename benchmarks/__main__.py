"""`python -m benchmarks [NAME ...] [--quick] [--keep-gc] [--json PATH]`: one table."""

import os

# BLAS and OpenMP read these once, when numpy (or torch) is first loaded, so they are set
# before anything imports it. Forced rather than defaulted: a multi-threaded contender
# would turn a ratio into a thread-count contest on a shared 2-core machine.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from . import WORKLOADS, harness  # noqa: E402


def _parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time autograd_core against the hand-written NumPy floor and PyTorch.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"workloads to run (default: all): {', '.join(WORKLOADS)}")
    parser.add_argument("--quick", action="store_true",
                        help="3 rounds and short samples: a smoke run, not for quoting")
    parser.add_argument("--keep-gc", action="store_true",
                        help="leave the garbage collector on while timing (default: off, "
                             "as timeit does)")
    parser.add_argument("--json", metavar="PATH", help="also write the results here as JSON")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)} (choose from "
                     f"{', '.join(WORKLOADS)})")
    return args


def main(argv=None):
    args = _parse(argv)
    cfg = harness.Config(rounds=3 if args.quick else 11,
                         min_time=0.01 if args.quick else 0.05,
                         keep_gc=args.keep_gc, torch=harness.load_torch(), quick=args.quick)
    env = harness.environment(cfg)
    started = time.perf_counter()
    rows = []
    for name in args.names or WORKLOADS:
        print(f"running {name} ...", end=" ", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        module = importlib.import_module(f".{name}", __package__)
        try:
            rows.extend(module.run(cfg))
        except Exception as e:  # one broken workload must not hide the others' figures
            rows.append(harness.failed_row(name, "-", e))
        print(f"{time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(harness.caption(env))
    harness.print_table(rows)
    if args.json:
        harness.write_json(args.json, rows, env)
    print(f"benchmarks: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
