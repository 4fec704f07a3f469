"""`autograd-core demo` (and `make demo`): a LeNet-style CNN learns the shipped 8x8 digits
with a progress bar, then the run is written out: the training curves, the model's
computation graph grouped by module, its first-layer filters and a gradient check of every
op and layer."""

import sys
from pathlib import Path

from . import checks, datasets
from .random import manual_seed
from .recipes import loaders


def run_demo(out="out", epochs=30, lr=0.003, seed=0, progress=True, stream=None):
    """Train, evaluate, write the figures and the gradcheck table under `out`; returns a
    dict with the test accuracy, the written paths and whether every gradient check passed.
    A missing Graphviz `dot` skips the graph (with the install hint) and nothing else."""
    import nn
    import optim
    import viz
    from nn import functional as F

    from .training import evaluate, fit

    stream = sys.stdout if stream is None else stream
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manual_seed(seed)
    X_tr, X_te, y_tr, y_te = datasets.load_digits(images=True, test_size=0.2, seed=seed)
    train, test = loaders(X_tr, X_te, y_tr, y_te, batch_size=64)
    model = nn.models.LeNet(10, image_size=8)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    print(f"LeNet on the 8x8 digits: {len(X_tr)} training and {len(X_te)} test images, "
          f"Adam lr {lr:g}, {epochs} epochs", file=stream)
    history = fit(model, F.cross_entropy, optimizer, train, epochs, val_loader=test,
                  progress=progress)
    acc = evaluate(model, test)["accuracy"]
    print(f"test accuracy: {acc:.4f}", file=stream)

    written = []
    fig = viz.plot_history(history)
    fig.savefig(out / "history.png", dpi=100)
    written.append(out / "history.png")
    fig = viz.plot_filters(model.features[0])
    fig.savefig(out / "filters.png", dpi=100)
    written.append(out / "filters.png")

    x, y = next(iter(test))
    loss = F.cross_entropy(model(x[:8]), y[:8])
    graph = viz.draw_graph(loss, params=dict(model.named_parameters()), group_modules=True)
    try:
        written.append(Path(viz.render(graph, out / "graph", "svg")))
    except viz.GraphvizMissing as e:
        print(f"(graph not drawn) {e}", file=stream)
        (out / "graph.gv").write_text(graph.source)
        written.append(out / "graph.gv")

    results = checks.run()
    (out / "gradcheck.txt").write_text(checks.table(results) + "\n")
    written.append(out / "gradcheck.txt")
    passed = all(r.passed for r in results)
    print(f"gradcheck: {sum(r.passed for r in results)} of {len(results)} ops and layers "
          f"match central differences (float64)", file=stream)
    print("wrote:", file=stream)
    for path in written:
        print(f"  {path}", file=stream)
    return {"accuracy": acc, "written": written, "gradcheck_passed": passed,
            "history": history}
