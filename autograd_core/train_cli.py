"""What `autograd-core train` and `autograd-core graph` do, given their parsed arguments."""

import sys
from pathlib import Path

import numpy as np

from . import io, recipes
from .creation import tensor
from .random import manual_seed

SGD_FAMILY = ("sgd", "momentum", "nesterov")
DEFAULT_DATASET = {"cnn": "digits", "rnn": "sine", "lstm": "sine", "gru": "sine"}
GRAPH_FORMATS = ("svg", "png", "pdf")


class TrainError(RuntimeError):
    """A train run that cannot go ahead (a bad combination, a resume file that does not
    fit); the message says why."""


def _setup(model_name, dataset, seed):
    try:
        X_tr, X_te, y_tr, y_te, task = recipes.load_dataset(dataset, model_name, seed)
    except recipes.RecipeError as e:
        raise TrainError(str(e)) from None
    n_out = int(y_tr.max()) + 1 if task == "classification" else y_tr.shape[1]
    manual_seed(seed)
    model = recipes.build_model(model_name, X_tr, n_out)
    return model, (X_tr, X_te, y_tr, y_te), task


def train(args, stream=None):
    """Train, evaluate, save the model and optimizer state, plot; returns the History."""
    import viz
    from nn import functional as F

    from .training import evaluate, fit

    stream = sys.stdout if stream is None else stream
    out = Path(args.out)
    model, (X_tr, X_te, y_tr, y_te), task = _setup(args.model, args.dataset, args.seed)
    lr = args.lr if args.lr is not None else (0.1 if args.optimizer in SGD_FAMILY else 0.01)
    optimizer = recipes.build_optimizer(args.optimizer, model.parameters(), lr)
    meta = {"model": args.model, "dataset": args.dataset, "optimizer": args.optimizer}
    if args.resume:
        _resume(args.resume, model, optimizer, meta)
        print(f"resumed from {args.resume}", file=stream)
    train_loader, test_loader = recipes.loaders(X_tr, X_te, y_tr, y_te, args.batch_size)
    loss_fn = F.cross_entropy if task == "classification" else F.mse_loss
    metrics = ("accuracy",) if task == "classification" else ()
    print(f"{args.model} on {args.dataset} ({len(X_tr)} training, {len(X_te)} test samples), "
          f"{args.optimizer} lr {lr:g}, {args.epochs} epochs", file=stream)
    history = fit(model, loss_fn, optimizer, train_loader, args.epochs, val_loader=test_loader,
                  metrics=metrics, progress=not args.quiet)
    result = evaluate(model, test_loader, loss_fn, metrics)
    print("test " + ", ".join(f"{k} {v:.4f}" for k, v in result.items()), file=stream)

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "model.safetensors", out / "history.png"]
    io.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "meta": meta},
            written[0])
    viz.plot_history(history).savefig(written[1], dpi=100)
    if X_tr.ndim == 2 and X_tr.shape[1] == 2:
        written.append(out / "decision_boundary.png")
        viz.plot_decision_boundary(model, np.concatenate([X_tr, X_te]),
                                   np.concatenate([y_tr, y_te])).savefig(written[-1], dpi=100)
    print("wrote:", file=stream)
    for path in written:
        print(f"  {path}", file=stream)
    return history


def _resume(path, model, optimizer, meta):
    try:
        saved = io.load(path)
    except (OSError, io.SerializationError) as e:
        raise TrainError(f"cannot resume from {path}: {e}") from None
    if not isinstance(saved, dict) or not {"model", "optimizer", "meta"} <= set(saved):
        raise TrainError(f"cannot resume from {path}: it was not written by "
                         "`autograd-core train` (no model, optimizer and meta entries)")
    if saved["meta"] != meta:
        raise TrainError(f"cannot resume from {path}: it holds a {saved['meta']['model']} "
                         f"trained on {saved['meta']['dataset']} with "
                         f"{saved['meta']['optimizer']}, not a {meta['model']} on "
                         f"{meta['dataset']} with {meta['optimizer']}")
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])


def draw(args, stream=None):
    """Render the graph of the model's loss on a few samples to args.out; exit status."""
    import viz
    from nn import functional as F

    stream = sys.stdout if stream is None else stream
    target, fmt = Path(args.out), args.format
    suffix = target.suffix.lstrip(".").lower()
    if fmt is None:
        fmt = suffix if suffix in GRAPH_FORMATS else "svg"
    elif suffix in GRAPH_FORMATS and suffix != fmt:
        print(f"autograd-core graph: --out {args.out} ends in .{suffix} but --format is {fmt}; "
              f"give one or make them agree", file=sys.stderr)
        return 2
    if suffix != fmt:  # no suffix, or one that is not a format: the format's is added
        target = target.with_name(target.name + "." + fmt)
    dataset = args.dataset or DEFAULT_DATASET.get(args.model, "iris")
    try:
        model, (X_tr, _, y_tr, _), task = _setup(args.model, dataset, 0)
    except TrainError as e:
        print(f"autograd-core graph: {e}", file=sys.stderr)
        return 2
    loss_fn = F.cross_entropy if task == "classification" else F.mse_loss
    # a few samples, and a sequence model unrolled over 5 steps only: the picture shows the
    # structure, and dot's layout time grows fast with the number of nodes
    x, y = tensor(X_tr[:4, :5] if X_tr.ndim == 3 else X_tr[:4]), tensor(y_tr[:4])
    loss = loss_fn(model(x), y)
    graph = viz.draw_graph(loss, params=dict(model.named_parameters()), group_modules=True)
    try:
        written = viz.render(graph, target, fmt)  # (it swaps the suffix .fmt for .fmt)
    except viz.GraphvizMissing as e:
        print(f"autograd-core graph: {e}", file=sys.stderr)
        return 1
    print(f"wrote {written}", file=stream)
    return 0
