"""viz.plots: every plot returns a Figure with the expected axes, lines and labels, saves to
PNG, and rejects bad arguments with a message."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import autograd_core as ag  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from autograd_core.data import DataLoader, TensorDataset  # noqa: E402
from autograd_core.training import History, fit  # noqa: E402
from nn import functional as F  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _no_open_figures():
    """Plots build bare Figures, so pyplot must hold none afterwards."""
    before = set(plt.get_fignums())
    yield
    leaked = set(plt.get_fignums()) - before
    plt.close("all")
    assert not leaked, f"plot functions left pyplot figures open: {leaked}"


def _saves(fig, tmp_path, name="fig.png"):
    assert isinstance(fig, Figure)
    path = tmp_path / name
    fig.savefig(path)
    assert path.read_bytes()[:8] == PNG_MAGIC


def _titles(fig):
    return [ax.get_title() for ax in fig.axes]


class PlainSGD:
    """The optimizer API plot_optimizer_paths needs, independent of optim."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with ag.no_grad():
            for p in self.params:
                p -= self.lr * p.grad


# --- history ---

def _history():
    X = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    loader = DataLoader(TensorDataset(ag.tensor(X), ag.tensor(y)), batch_size=16)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    return fit(model, F.cross_entropy, PlainSGDWithGroups(model.parameters(), lr=0.1), loader,
               epochs=3, val_loader=loader, progress=False,
               trace_params=["0.bias", "0.weight", "2.weight"])


class PlainSGDWithGroups(PlainSGD):
    """fit logs param_groups[0]['lr']."""

    def __init__(self, params, lr):
        super().__init__(params, lr)
        self.param_groups = [{"lr": lr}]


def test_plot_history_axes_lines_and_styles(tmp_path):
    hist = _history()
    fig = viz.plot_history(hist)
    assert _titles(fig) == ["loss", "accuracy"]
    loss_ax = fig.axes[0]
    train, val = loss_ax.get_lines()
    assert train.get_linestyle() == "-" and val.get_linestyle() == "--"
    np.testing.assert_allclose(train.get_ydata(), hist["loss"])
    np.testing.assert_allclose(val.get_ydata(), hist["val_loss"])
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    assert loss_ax.get_xlabel() == "epoch"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["train", "val"]
    _saves(fig, tmp_path)


def test_plot_history_chosen_metrics_and_plain_dicts():
    epochs = [{"loss": 1.0, "lr": 0.1}, {"loss": 0.5, "lr": 0.05}]
    fig = viz.plot_history(epochs, metrics=["lr"])
    assert _titles(fig) == ["loss", "lr"]
    assert len(fig.axes[0].get_lines()) == 1  # no validation
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_ydata(), [0.1, 0.05])


def test_plot_history_errors():
    with pytest.raises(KeyError, match=r"plot_history: history has no metric 'f1'"):
        viz.plot_history([{"loss": 1.0}], metrics=["f1"])
    with pytest.raises(ValueError, match="plot_history: history has no epochs"):
        viz.plot_history(History())
    with pytest.raises(TypeError, match="plot_history: history must be a History"):
        viz.plot_history(3)


# --- parameter traces ---

def test_plot_param_traces_small_params_per_element_large_as_norm(tmp_path):
    hist = History(step_loss=[3.0, 2.0, 1.0],
                   traces={"b": np.arange(8.0).reshape(4, 2),
                           "w": np.ones((4, 3, 3))})
    fig = viz.plot_param_traces(hist)
    assert len(fig.axes) == 3
    loss_ax, b_ax, w_ax = fig.axes
    assert loss_ax.get_title() == "loss per step"
    np.testing.assert_array_equal(loss_ax.get_lines()[0].get_xdata(), [1, 2, 3])
    lines = b_ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["[0]", "[1]"]
    np.testing.assert_array_equal(lines[1].get_ydata(), [1, 3, 5, 7])
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2, 3])
    (norm,) = w_ax.get_lines()  # 9 elements > 8: the norm
    np.testing.assert_allclose(norm.get_ydata(), [3.0] * 4)
    assert "norm" in w_ax.get_title()
    _saves(fig, tmp_path)


def test_plot_param_traces_from_fit_and_names():
    hist = _history()
    fig = viz.plot_param_traces(hist, names=["0.weight"])
    assert _titles(fig) == ["loss per step", "0.weight"]
    lines = fig.axes[1].get_lines()
    assert len(lines) == 6  # (3, 2) weight: one line per element
    assert lines[0].get_label() == "[0, 0]" and lines[-1].get_label() == "[2, 1]"
    assert len(lines[0].get_xdata()) == len(hist.step_loss) + 1


def test_plot_param_traces_errors():
    with pytest.raises(KeyError, match=r"plot_param_traces: 'x' was not traced"):
        viz.plot_param_traces(History(step_loss=[1.0]), names=["x"])
    with pytest.raises(ValueError, match="neither step losses nor traces"):
        viz.plot_param_traces(History())
    with pytest.raises(TypeError, match="plot_param_traces: history must be a History"):
        viz.plot_param_traces([{"loss": 1.0}])


# --- activation functions ---

def test_plot_activation_functions_derivatives_from_autograd(tmp_path):
    fig = viz.plot_activation_functions()
    assert len(fig.axes) == 10
    titles = _titles(fig)
    assert titles[:5] == ["step", "sigmoid", "tanh", "ReLU", "softmax((x, 0))[0]"]
    assert titles[5:] == ["d/dx " + t for t in titles[:5]]
    data = {t: ax.get_lines()[0] for t, ax in zip(titles, fig.axes)}
    x = data["sigmoid"].get_xdata()
    dsig = data["d/dx sigmoid"].get_ydata()
    assert dsig.max() == pytest.approx(0.25) and x[dsig.argmax()] == pytest.approx(0.0)
    np.testing.assert_allclose(dsig, 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x))))
    np.testing.assert_allclose(data["d/dx tanh"].get_ydata(), 1 - np.tanh(x) ** 2, atol=1e-12)
    np.testing.assert_array_equal(data["d/dx ReLU"].get_ydata()[x > 0], 1.0)
    np.testing.assert_array_equal(data["d/dx ReLU"].get_ydata()[x < 0], 0.0)
    np.testing.assert_array_equal(data["d/dx step"].get_ydata(), 0.0)
    np.testing.assert_array_equal(data["step"].get_ydata(), (x > 0).astype(float))
    # a two-class softmax is a sigmoid
    np.testing.assert_allclose(data["softmax((x, 0))[0]"].get_ydata(),
                               data["sigmoid"].get_ydata(), atol=1e-12)
    np.testing.assert_allclose(data["d/dx softmax((x, 0))[0]"].get_ydata(), dsig, atol=1e-12)
    _saves(fig, tmp_path)


def test_plot_activation_functions_range_error():
    with pytest.raises(ValueError, match="plot_activation_functions: need low < high"):
        viz.plot_activation_functions(low=1, high=0)


# --- activation histograms ---

def _deep_tanh(std):
    layers = []
    for _ in range(4):
        lin = nn.Linear(50, 50)
        nn.init.normal_(lin.weight, std=std)
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.Tanh()]
    return nn.Sequential(*layers)


def test_plot_activation_histograms_per_activation_layer(tmp_path):
    model = _deep_tanh(0.01)
    x = ag.randn(64, 50)
    fig = viz.plot_activation_histograms(model, x, bins=20)
    assert len(fig.axes) == 4 and fig.axes[0].get_ylabel() == "count"
    assert [t.split("\n")[0] for t in _titles(fig)] == [f"{i} (Tanh)" for i in (1, 3, 5, 7)]
    for ax in fig.axes:
        counts = [p.get_height() for p in ax.patches]
        assert len(counts) == 20 and sum(counts) == 64 * 50
    # std 0.01: activations vanish layer by layer (the course's experiment)
    x_last = fig.axes[-1].patches
    assert max(abs(p.get_x()) for p in x_last) < 1e-3
    assert "forward" not in model[1].__dict__  # the recording is undone
    _saves(fig, tmp_path)


def test_plot_activation_histograms_chosen_layers_and_saturation():
    model = _deep_tanh(1.0)  # std 1: tanh saturates at +-1
    fig = viz.plot_activation_histograms(model, ag.randn(64, 50), layers=["0", "7"])
    assert [t.split("\n")[0] for t in _titles(fig)] == ["0 (Linear)", "7 (Tanh)"]
    edges = [p.get_x() for p in fig.axes[1].patches]
    assert min(edges) == pytest.approx(-1, abs=1e-3)


def test_plot_activation_histograms_errors():
    model = _deep_tanh(1.0)
    with pytest.raises(ValueError, match=r"no layer named 'nope'; the model has \['0', '1'"):
        viz.plot_activation_histograms(model, ag.randn(2, 50), layers=["nope"])
    with pytest.raises(ValueError, match="bins must be a positive int"):
        viz.plot_activation_histograms(model, ag.randn(2, 50), bins=0)
    with pytest.raises(TypeError, match="model must be a Module"):
        viz.plot_activation_histograms(lambda x: x, ag.randn(2, 50))
    assert all("forward" not in m.__dict__ for m in model.modules())


def test_recording_is_undone_when_forward_raises():
    model = _deep_tanh(1.0)
    with pytest.raises(ValueError):
        viz.plot_activation_histograms(model, ag.randn(2, 7))  # wrong width
    assert all("forward" not in m.__dict__ for m in model.modules())


# --- gradient flow ---

def test_plot_gradient_flow_bars_and_flags(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Linear(2, 1))
    model(ag.randn(5, 3)).sum().backward()
    model[2].bias.grad = ag.zeros(2)
    model[3].bias.grad = ag.tensor([float("nan")])
    model[3].weight.grad = None
    fig = viz.plot_gradient_flow(model)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == [n for n, _ in model.named_parameters()]
    heights = [b.get_height() for b in ax.patches]
    np.testing.assert_allclose(heights[0], np.linalg.norm(model[0].weight.grad.data), rtol=1e-6)
    flags = {t.get_text() for t in ax.texts}
    assert flags == {"0", "nan", "None"}
    red = matplotlib.colors.to_rgba("tab:red")
    assert ax.patches[3].get_facecolor() == red and ax.patches[5].get_facecolor() == red
    assert ax.patches[0].get_facecolor() == matplotlib.colors.to_rgba("C0")
    _saves(fig, tmp_path)


def test_plot_gradient_flow_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"no parameter has a gradient; call loss.backward"):
        viz.plot_gradient_flow(model)
    with pytest.raises(TypeError, match="plot_gradient_flow: model must be a Module"):
        viz.plot_gradient_flow([1, 2])


# --- decision boundary ---

def test_plot_decision_boundary_classes_and_scatter(tmp_path):
    X = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    model = nn.Linear(2, 2)
    with ag.no_grad():
        model.weight.copy_(ag.tensor([[-1.0, 0.0], [1.0, 0.0]]))  # class = x[0] > 0
        model.bias.zero_()
    fig = viz.plot_decision_boundary(model, ag.tensor(X), y, resolution=50)
    (ax,) = fig.axes
    scatters = ax.collections[-2:]
    assert [s.get_label() for s in scatters] == ["class 0", "class 1"]
    np.testing.assert_array_equal(scatters[1].get_offsets(), X[2:])
    # the region of each class has the colour of its points
    regions = ax.collections[0]
    for c in (0, 1):
        region = regions.get_cmap()(regions.norm(c))
        np.testing.assert_allclose(region, scatters[c].get_facecolor()[0])
    assert ax.get_xlabel() == "x[0]" and ax.get_title() == "decision boundary"
    assert model.training  # eval mode only while predicting
    _saves(fig, tmp_path)


def test_plot_decision_boundary_one_logit():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 1] > 0).astype(np.int64)

    def model(t):
        return t[:, 1]

    fig = viz.plot_decision_boundary(model, X, y, resolution=20)
    assert len(fig.axes) == 1


def test_plot_decision_boundary_errors():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\), got \(5, 3\)"):
        viz.plot_decision_boundary(model, np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"y must have shape \(5,\) to match X"):
        viz.plot_decision_boundary(model, np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="resolution must be an int >= 2"):
        viz.plot_decision_boundary(model, np.zeros((5, 2)), np.zeros(5), resolution=1)
    with pytest.raises(ValueError, match="y must hold class indices"):
        viz.plot_decision_boundary(model, np.zeros((2, 2)), np.array([0.5, 1]))
    with pytest.raises(ValueError, match=r"got shape \(400, 2, 1\)"):
        viz.plot_decision_boundary(lambda t: t.unsqueeze(-1), np.zeros((2, 2)), np.zeros(2),
                                   resolution=20)


# --- convolutions ---

def test_plot_filters_grid_of_first_channel(tmp_path):
    conv = nn.Conv2d(2, 10, 3)
    fig = viz.plot_filters(conv)
    assert len(fig.axes) == 10
    image = fig.axes[4].get_images()[0]
    np.testing.assert_allclose(image.get_array(), conv.weight.data[4, 0], rtol=1e-6)
    fig = viz.plot_filters(conv, max_filters=4)
    assert len(fig.axes) == 4 and "4 of 10" in fig.get_suptitle()
    _saves(fig, tmp_path)


def test_plot_filters_errors():
    with pytest.raises(ValueError, match=r"plot_filters: expected a Conv2d .*got shape \(3, 2\)"):
        viz.plot_filters(nn.Linear(2, 3))
    with pytest.raises(ValueError, match="max_filters must be a positive int"):
        viz.plot_filters(nn.Conv2d(1, 2, 3), max_filters=0)


def _cnn():
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(6 * 4 * 4, 3))


def test_plot_feature_maps_channels(tmp_path):
    model = _cnn()
    x = ag.randn(1, 1, 8, 8)
    fig = viz.plot_feature_maps(model, x, "0")
    assert len(fig.axes) == 6
    with ag.no_grad():
        expected = model[0](x).data
    np.testing.assert_allclose(fig.axes[2].get_images()[0].get_array(), expected[0, 2],
                               rtol=1e-6)
    fig = viz.plot_feature_maps(model, x.data[0], "2")  # (C, H, W) input
    assert fig.axes[0].get_images()[0].get_array().shape == (4, 4)
    _saves(fig, tmp_path)


def test_plot_feature_maps_errors():
    model = _cnn()
    with pytest.raises(ValueError, match=r"no layer named 'conv'; the model has \['0', '1'"):
        viz.plot_feature_maps(model, ag.randn(1, 1, 8, 8), "conv")
    with pytest.raises(ValueError, match=r"one image of shape \(1, C, H, W\), got \(2, 1, 8, 8\)"):
        viz.plot_feature_maps(model, ag.randn(2, 1, 8, 8), "0")
    with pytest.raises(ValueError, match=r"layer '4' returned shape \(1, 3\), not feature maps"):
        viz.plot_feature_maps(model, ag.randn(1, 1, 8, 8), "4")


# --- optimizer paths ---

def _bowl(p):
    return p[0] ** 2 / 20 + p[1] ** 2


def _sgd_path(start, lr, steps):
    p = np.array(start, dtype=np.float64)
    path = [p.copy()]
    for _ in range(steps):
        p = p - lr * np.array([p[0] / 10, 2 * p[1]])
        path.append(p.copy())
    return np.array(path)


def test_plot_optimizer_paths_local_optimizer(tmp_path):
    fig = viz.plot_optimizer_paths(_bowl, {"plain": lambda ps: PlainSGD(ps, lr=0.1)},
                                   start=(-7.0, 2.0), steps=30)
    (ax,) = fig.axes
    (path,) = [ln for ln in ax.get_lines() if ln.get_label() == "plain"]
    np.testing.assert_allclose(np.column_stack([path.get_xdata(), path.get_ydata()]),
                               _sgd_path((-7.0, 2.0), 0.1, 30))
    assert len(ax.collections) >= 1  # the contours
    assert ax.get_xlabel() == "p[0]"
    _saves(fig, tmp_path)


def test_plot_optimizer_paths_with_optim_and_divergence():
    optim = pytest.importorskip("optim")
    if not hasattr(optim, "Adam"):
        pytest.skip("optim.Adam is not written yet")
    fig = viz.plot_optimizer_paths(
        _bowl,
        {"SGD": lambda ps: optim.SGD(ps, lr=0.95), "Adam": lambda ps: optim.Adam(ps, lr=0.3),
         "huge": lambda ps: optim.SGD(ps, lr=1e200)},
        start=[-7.0, 2.0], steps=20, bounds=((-10, 10), (-3, 3)))
    (ax,) = fig.axes
    labels = [ln.get_label() for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert labels == ["SGD", "Adam", "huge (diverged)", "start"]
    sgd = ax.get_lines()[0]
    np.testing.assert_allclose(sgd.get_xdata(), _sgd_path((-7.0, 2.0), 0.95, 20)[:, 0])
    assert ax.get_xlim() == (-10, 10)
    adam = ax.get_lines()[2]
    assert abs(adam.get_ydata()[-1]) < abs(adam.get_ydata()[0])


def test_plot_optimizer_paths_pointwise_contours():
    # fn that does not broadcast over a grid: the contours come point by point
    def fn(p):
        return (p * p).sum()

    fig = viz.plot_optimizer_paths(fn, {"gd": lambda ps: PlainSGD(ps, lr=0.1)},
                                   start=(1.0, 1.0), steps=5, resolution=12)
    assert len(fig.axes) == 1


def test_plot_optimizer_paths_errors():
    sgd = {"gd": lambda ps: PlainSGD(ps, lr=0.1)}
    with pytest.raises(ValueError, match=r"start must be a point \(x, y\), got shape \(3,\)"):
        viz.plot_optimizer_paths(_bowl, sgd, start=(1, 2, 3))
    with pytest.raises(TypeError, match="optimizers must be a non-empty dict"):
        viz.plot_optimizer_paths(_bowl, [], start=(1, 2))
    with pytest.raises(TypeError, match=r"optimizers\['gd'\]\(\[p\]\) returned int"):
        viz.plot_optimizer_paths(_bowl, {"gd": lambda ps: 3}, start=(1, 2))
    with pytest.raises(ValueError, match="fn must return a scalar Tensor, got"):
        viz.plot_optimizer_paths(lambda p: p * 2, sgd, start=(1, 2), steps=1)
    with pytest.raises(ValueError, match=r"bounds must be \(\(xmin, xmax\), \(ymin, ymax\)\)"):
        viz.plot_optimizer_paths(_bowl, sgd, start=(1, 2), steps=1, bounds=(1, 2))


# --- confusion matrix ---

def test_plot_confusion_matrix_counts_and_labels(tmp_path):
    y_true = ag.tensor([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    fig = viz.plot_confusion_matrix(y_true, y_pred, class_names=["cat", "dog", "eel"])
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # the matrix and its colour bar
    expected = np.array([[1, 1, 0], [0, 2, 0], [1, 0, 2]])
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), expected)
    texts = [t.get_text() for t in ax.texts]
    assert texts == [str(v) for v in expected.ravel()]
    # the largest cells are written in white on dark blue, the others in black
    colors = {t.get_text(): t.get_color() for t in ax.texts}
    assert colors["2"] == "white" and colors["0"] == "black"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "eel"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    _saves(fig, tmp_path)


def test_plot_confusion_matrix_normalized_and_scores():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6]])
    fig = viz.plot_confusion_matrix([0, 1, 1, 1], scores, normalize=True)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.get_images()[0].get_array(), [[1, 0], [1 / 3, 2 / 3]])
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.00", "0.33", "0.67"]
    assert "normalized" in ax.get_title()
    fig = viz.plot_confusion_matrix([0, 1, 1, 1], scores, normalize="pred")
    np.testing.assert_allclose(fig.axes[0].get_images()[0].get_array(), [[0.5, 0], [0.5, 1]])


def test_plot_confusion_matrix_errors():
    with pytest.raises(ValueError, match=r"same shape \(n,\).*got \(3,\) and \(2,\)"):
        viz.plot_confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="class index 2 is out of range for 2 class_names"):
        viz.plot_confusion_matrix([0, 2], [0, 1], class_names=["a", "b"])
    with pytest.raises(ValueError, match="normalize must be False, True, 'true'"):
        viz.plot_confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="y_pred must hold class indices"):
        viz.plot_confusion_matrix([0, 1], [0, -1])


def test_plot_activation_histograms_falls_back_to_leaf_modules():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    model.eval()
    fig = viz.plot_activation_histograms(model, np.ones((5, 3), dtype=np.float32), bins=5)
    assert [t.split("\n")[0] for t in _titles(fig)] == ["0 (Linear)", "1 (Linear)"]
    assert sum(p.get_height() for p in fig.axes[1].patches) == 5 * 2
    assert not model.training  # run in the mode it was in
