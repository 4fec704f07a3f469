"""The `autograd-core` command line (also `python -m autograd_core`): demo, train, graph,
gradcheck, bench. Commands import what they need inside themselves, so `--help` stays
fast and autograd_core never imports nn, optim or viz at module level."""

import argparse
import subprocess
import sys
from pathlib import Path

import autograd_core as ag

PROG = "autograd-core"

# --- gradcheck: a small built-in list of ops ---


def _randn(*shape, away_from_zero=False, positive=False):
    """float64 random input that requires grad; float64 because central differences in
    float32 are noise. away_from_zero keeps relu and division off their kink and pole."""
    x = ag.randn(*shape, dtype=ag.float64)
    with ag.no_grad():
        if positive:
            x = x.abs() + 0.5
        elif away_from_zero:
            x = x.sign() * (x.abs() + 0.2)
    return x.detach().requires_grad_()


# name -> (function, input makers); each maker is called after manual_seed, so a run is
# the same every time.
GRADCHECK_OPS = {
    "exp": (ag.exp, [lambda: _randn(3, 4)]),
    "log": (ag.log, [lambda: _randn(3, 4, positive=True)]),
    "tanh": (ag.tanh, [lambda: _randn(3, 4)]),
    "sigmoid": (ag.sigmoid, [lambda: _randn(3, 4)]),
    "relu": (ag.relu, [lambda: _randn(3, 4, away_from_zero=True)]),
    "sin": (ag.sin, [lambda: _randn(3, 4)]),
    "matmul": (ag.matmul, [lambda: _randn(3, 4), lambda: _randn(4, 2)]),
    "softmax": (lambda x: ag.softmax(x, dim=-1), [lambda: _randn(3, 4)]),
    "log_softmax": (lambda x: ag.log_softmax(x, dim=-1), [lambda: _randn(3, 4)]),
    "logsumexp": (lambda x: ag.logsumexp(x, dim=-1), [lambda: _randn(3, 4)]),
    "sum": (lambda x: ag.sum(x, dim=0), [lambda: _randn(3, 4)]),
    "mean": (lambda x: ag.mean(x, dim=-1), [lambda: _randn(3, 4)]),
    # (3, 4) with (4,): the second input's gradient must be summed back over the broadcast
    "mul": (ag.mul, [lambda: _randn(3, 4), lambda: _randn(4)]),
    "div": (ag.div, [lambda: _randn(3, 4), lambda: _randn(4, away_from_zero=True)]),
}


def _cmd_gradcheck(args, parser):
    names = list(GRADCHECK_OPS) if args.all else args.ops
    if not names:
        parser.error("name one or more ops, or pass --all (ops: "
                     + ", ".join(GRADCHECK_OPS) + ")")
    unknown = [n for n in names if n not in GRADCHECK_OPS]
    if unknown:
        parser.error(f"unknown op {', '.join(unknown)}; choose from "
                     + ", ".join(GRADCHECK_OPS))
    failed = 0
    width = max(len(n) for n in names)
    for name in names:
        fn, makers = GRADCHECK_OPS[name]
        ag.manual_seed(args.seed)
        inputs = tuple(make() for make in makers)
        try:
            ag.gradcheck(fn, inputs)
        except ag.GradcheckError as e:
            failed += 1
            print(f"{name:<{width}}  FAILED\n{e}")
        except Exception as e:  # an op that crashes is a failure too, not a traceback
            failed += 1
            print(f"{name:<{width}}  ERROR  {type(e).__name__}: {e}")
        else:
            print(f"{name:<{width}}  ok")
    if failed:
        print(f"{failed} of {len(names)} ops failed gradcheck")
        return 1
    return 0


# --- the other commands ---


def _cmd_demo(args, parser):
    from .demo import GradientMismatchError, run_demo

    try:
        run_demo(epochs=args.epochs, lr=args.lr, seed=args.seed, quiet=args.quiet)
    except GradientMismatchError as e:
        print(f"{PROG} {e}", file=sys.stderr)  # e starts with "demo: "
        return 1
    return 0


def _cmd_bench(args, parser):
    # benchmarks/ is part of the source checkout, never of the installed package.
    root = Path(ag.__file__).resolve().parent.parent
    if not (root / "benchmarks").is_dir():
        print(f"{PROG} bench: benchmarks are only available from a source checkout of "
              f"autograd-core (there is no benchmarks/ folder in {root})", file=sys.stderr)
        return 2
    return subprocess.run([sys.executable, "-m", "benchmarks", *args.bench_args],
                          cwd=root).returncode


def _not_yet(milestone):
    def command(args, parser):
        print(f"{PROG} {args.command}: not available yet (it arrives with the {milestone} "
              f"milestone)", file=sys.stderr)
        return 2
    return command


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

    p = add("demo", "Train the 1-1-1 network on y = 2x + 1 and check the engine's gradients "
            "against the hand-derived chain rule.", _cmd_demo)
    p.add_argument("--epochs", type=_positive_int, default=100, help="passes over the data "
                   "(default: 100)")
    p.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (default: 0.01)")
    p.add_argument("--seed", type=int, default=42, help="seed of the data and the initial "
                   "parameters (default: 42)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    add("train", "Train a model on a dataset (not available yet).",
        _not_yet("nn/optim/data"))
    add("graph", "Draw the computation graph of a model (not available yet).",
        _not_yet("nn/optim/viz"))

    p = add("gradcheck", "Check ops' analytical gradients against finite differences "
            "(float64).", _cmd_gradcheck)
    p.add_argument("ops", nargs="*", metavar="OP",
                   help="ops to check: " + ", ".join(GRADCHECK_OPS))
    p.add_argument("--all", action="store_true", help="check every op in the list")
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
