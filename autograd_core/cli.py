"""The `autograd-core` command line (also `python -m autograd_core`): demo, train, graph,
gradcheck, bench. Commands import what they need inside themselves, so `--help` stays
fast and autograd_core never imports nn, optim or viz at module level."""

import argparse
import subprocess
import sys
from pathlib import Path

import autograd_core as ag

PROG = "autograd-core"

# --- the commands ---

def _cmd_gradcheck(args, parser):
    from . import checks

    cases = checks.registry()
    if args.list:
        print("\n".join(cases))
        return 0
    unknown = [n for n in args.ops if n not in cases]
    if unknown:
        parser.error(f"unknown op {', '.join(unknown)}; `--list` shows the {len(cases)} "
                     "ops and layers")
    results = checks.run(args.ops or None, seed=args.seed)
    print(checks.table(results))
    for r in results:
        if not r.passed and r.message:
            print(f"\n{r.name}:\n{r.message}")
    return 0 if all(r.passed for r in results) else 1


def _cmd_demo(args, parser):
    from .demo import run_demo

    result = run_demo(out=args.out, epochs=args.epochs, lr=args.lr, seed=args.seed,
                      progress=not args.quiet)
    return 0 if result["gradcheck_passed"] else 1


def _cmd_train(args, parser):
    from .train_cli import TrainError, train

    try:
        train(args)
    except TrainError as e:
        print(f"{PROG} train: {e}", file=sys.stderr)
        return 2
    return 0


def _cmd_graph(args, parser):
    from .train_cli import draw

    return draw(args)


def _cmd_bench(args, parser):
    # benchmarks/ is part of the source checkout, never of the installed package.
    root = Path(ag.__file__).resolve().parent.parent
    if not (root / "benchmarks").is_dir():
        print(f"{PROG} bench: benchmarks are only available from a source checkout of "
              f"autograd-core (there is no benchmarks/ folder in {root})", file=sys.stderr)
        return 2
    return subprocess.run([sys.executable, "-m", "benchmarks", *args.bench_args],
                          cwd=root).returncode


def _positive_int(text):
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {n}")
    return n


def build_parser():
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A reverse-mode autograd engine on NumPy with PyTorch's API.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name, summary, handler):
        p = sub.add_parser(name, help=summary, description=summary)
        # the subcommand's own parser, so its errors show its own usage line
        p.set_defaults(handler=handler, subparser=p)
        return p

    p = add("demo", "Train a LeNet-style CNN on the shipped digits and write its curves, "
            "graph, filters and a gradient check of every op to --out.", _cmd_demo)
    p.add_argument("--out", default="out", help="output folder (default: out/)")
    p.add_argument("--epochs", type=_positive_int, default=30, help="passes over the "
                   "training images (default: 30)")
    p.add_argument("--lr", type=float, default=0.003, help="Adam learning rate "
                   "(default: 0.003)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the initial "
                   "weights and the shuffling (default: 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    from .recipes import DATASETS, MODELS, OPTIMIZERS
    from .train_cli import GRAPH_FORMATS

    p = add("train", "Train a model on a dataset, save it with ag.save and plot its "
            "history (and its decision boundary on 2-D data).", _cmd_train)
    p.add_argument("--model", choices=MODELS, default="mlp", help="(default: mlp)")
    p.add_argument("--dataset", choices=DATASETS, default="iris", help="(default: iris)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam",
                   help="(default: adam)")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default: 0.01, "
                   "0.1 for the SGD family)")
    p.add_argument("--epochs", type=_positive_int, default=20, help="passes over the "
                   "training set (default: 20)")
    p.add_argument("--batch-size", type=_positive_int, default=32,
                   help="(default: 32)")
    p.add_argument("--seed", type=int, default=0, help="seed of the split, the initial "
                   "weights and the shuffling (default: 0)")
    p.add_argument("--out", default="out", help="output folder (default: out/)")
    p.add_argument("--resume", metavar="FILE", help="a model.safetensors written by an "
                   "earlier train run with the same model and dataset: continue from it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add("graph", "Draw the computation graph of a model's loss, grouped by module.",
            _cmd_graph)
    p.add_argument("--model", choices=MODELS, default="mlp", help="(default: mlp)")
    p.add_argument("--dataset", choices=DATASETS, default=None, help="the data it reads "
                   "(default: digits for cnn, sine for rnn/lstm/gru, iris otherwise)")
    p.add_argument("--format", choices=GRAPH_FORMATS, default=None,
                   help="(default: --out's suffix when it is one of these, else svg)")
    p.add_argument("--out", default="graph.svg", help="file to write (default: graph.svg)")

    p = add("gradcheck", "Check every primitive op and layer against central differences "
            "(float64) and print a table; exit status 1 if any fails.", _cmd_gradcheck)
    p.add_argument("ops", nargs="*", metavar="OP", help="only these (see --list)")
    p.add_argument("--list", action="store_true", help="list the ops and layers checked")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs "
                   "(default: 0)")

    p = add("bench", "Time workloads against plain NumPy and PyTorch (source checkout only).",
            _cmd_bench)
    p.epilog = ("Other arguments go to `python -m benchmarks`; put them after `--` to pass "
                "its own --help.")
    return parser


def main(argv=None):
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "bench":
        # `bench -- --help` reaches the benchmarks' own --help, not ours
        args.bench_args = extra[1:] if extra[:1] == ["--"] else extra
    elif extra:
        args.subparser.error("unrecognized arguments: " + " ".join(extra))
    return args.handler(args, args.subparser)
