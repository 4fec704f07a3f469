"""viz.draw_graph and viz.graph_text: the DOT source of known graphs, overlays, rendering."""

import re
import shutil
import sys

import numpy as np
import pytest

import autograd_core as ag
import nn
import viz
from viz.graph import _COLOURS

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
NODE = re.compile(r"^\s*(n\d+|omitted) \[", re.M)
EDGE = re.compile(r"^\s*(\S+) -> (\S+)", re.M)


def nodes(g):
    return NODE.findall(g.source)


def edges(g):
    return EDGE.findall(g.source)


def node_line(g, text):
    """The one DOT node statement whose label holds text."""
    found = [line for line in g.source.splitlines() if NODE.match(line) and text in line]
    assert len(found) == 1, (text, found)
    return found[0]


def affine():
    w = ag.tensor([2.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    x = ag.tensor([3.0])
    return w, b, x, w * x + b


def mlp():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = ag.randn(5, 3)
    return model, x, model(x).sum()


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x)) + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(), Block())
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.blocks(x))


# --- structure ---

def test_affine_graph_nodes_edges_and_names():
    w, b, x, y = affine()
    g = viz.draw_graph(y, params={"w": w, "b": b})
    assert isinstance(g, viz.graph.Graph)
    # w, b, Mul, Add, and x: it needs no grad, but Mul still holds it for backward
    assert len(nodes(g)) == 5 and len(edges(g)) == 4
    assert "<B>w</B>" in g.source and "<B>b</B>" in g.source
    assert "<B>Mul</B>" in g.source and "<B>Add</B>" in g.source
    assert "(1,) float32" in node_line(g, "<B>w</B>")
    root = node_line(g, "<B>Add</B>")
    assert "peripheries" in root and "output" in root
    assert "peripheries" not in node_line(g, "<B>Mul</B>")
    y.backward()  # frees what Mul saved: x can no longer be reached
    g = viz.draw_graph(y, params={"w": w, "b": b})
    assert len(nodes(g)) == 4 and len(edges(g)) == 3


def test_mlp_graph_counts_names_and_shapes():
    model, _, out = mlp()
    g = viz.draw_graph(out, params=dict(model.named_parameters()))
    # Sum, and per Linear: Addmm (x W^T + b in one node) and Permute (W^T), plus Relu;
    # 4 parameters and the input
    assert len(nodes(g)) == 11 and len(edges(g)) == 10
    assert "(4, 3) float32" in node_line(g, "<B>0.weight</B>")
    assert "(2,) float32" in node_line(g, "<B>2.bias</B>")
    assert "(5, 4) float32" in node_line(g, "<B>Relu</B>")
    assert "(5, 3) float32" in node_line(g, "<B>input</B>")
    assert "scalar float32" in node_line(g, "<B>Sum</B>")
    plain = viz.draw_graph(out, show_shapes=False)
    assert "float32" not in plain.source and plain.source.count("<B>input</B>") == 5


def test_ids_are_walk_order_and_deterministic():
    model, _, out = mlp()
    a = viz.draw_graph(out, params=dict(model.named_parameters())).source
    b = viz.draw_graph(out, params=dict(model.named_parameters())).source
    assert a == b
    ids = [n for n in re.findall(r"^\s*(n\d+) \[", a, re.M)]
    assert sorted(ids, key=lambda s: int(s[1:])) == [f"n{k}" for k in range(11)]
    assert "<B>Sum</B>" in node_line(viz.draw_graph(out), "\tn0 ")


def test_several_roots_from_a_dict_and_tuple():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a, c = (x * 2).sum(), x.exp().sum()
    g = viz.draw_graph({"loss": a, "aux": c})
    assert "peripheries" in node_line(g, '<FONT COLOR="#2b8a3e">loss</FONT>')
    assert g.source.count("peripheries") == 2
    assert "<B>Exp</B>" in g.source and "<B>Mul</B>" in g.source
    assert "fan-out ×2" in node_line(g, "<B>input</B>")  # x feeds both branches
    g = viz.draw_graph((a, c))
    assert "output 0" in g.source and "output 1" in g.source
    lstm = nn.LSTM(3, 4)
    out = lstm(ag.randn(2, 1, 3))  # (output, (h, c)): nested tuples work as roots
    g = viz.draw_graph(out, group_modules=True)
    assert 'label="LSTM"' in g.source or "label=LSTM" in g.source


def test_group_modules_nests_clusters_like_the_modules():
    m = Net()
    out = m(ag.randn(2, 3, requires_grad=True)).mean()
    g = viz.draw_graph(out, params=dict(m.named_parameters()), group_modules=True)
    src = g.source
    labels = re.findall(r'label="([^"]+ \(\w+\))"', src)
    assert set(labels) == {"head (Linear)", "blocks (Sequential)", "blocks.0 (Block)",
                           "blocks.1 (Block)", "blocks.0.fc (Linear)", "blocks.1.fc (Linear)",
                           "blocks.0.act (Tanh)", "blocks.1.act (Tanh)"}
    assert len(re.findall(r"subgraph cluster_\d+ \{", src)) == 9  # + Net itself
    depth, depth_of = 0, {}
    for line in src.splitlines():
        depth += line.count("{") - line.count("}")
        hit = re.search(r'label="([^"]+ \(\w+\))"', line)
        if hit:
            depth_of[hit.group(1)] = depth
    assert depth_of["blocks (Sequential)"] == depth_of["head (Linear)"] == 3
    assert depth_of["blocks.0 (Block)"] == 4 and depth_of["blocks.0.fc (Linear)"] == 5
    # a parameter sits in the cluster of the layer using it; the input does not
    fc = src.index('label="blocks.0.fc (Linear)"')
    assert src.index("<B>blocks.0.fc.weight</B>") > fc
    plain = viz.draw_graph(out)
    assert "cluster_" not in plain.source


# --- gradients ---

def test_show_grads_flags_vanishing_gradients():
    model, _, out = mlp()
    with ag.no_grad():
        model[2].weight.mul_(1e-12)
    out = model(ag.randn(5, 3)).sum()
    out.backward()
    g = viz.draw_graph(out, params=dict(model.named_parameters()), show_grads=True)
    for name in ("0.weight", "0.bias"):
        assert _COLOURS["vanishing"] in node_line(g, f"<B>{name}</B>")
    assert _COLOURS["ok"] in node_line(g, "<B>2.bias</B>")
    assert "cluster_legend" in g.source and "vanishing (norm &lt; 1e-07)" not in g.source
    assert "vanishing (norm < 1e-07)" in g.source and "NaN or Inf" in g.source


def test_show_grads_flags_nan_and_exploding_gradients():
    w = ag.tensor([1.0, float("nan")], requires_grad=True)
    v = ag.tensor([1e4, 1e4], requires_grad=True)
    z = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * z).sum() + (v * v).sum()
    viz.retain_grads(loss)
    loss.backward()
    g = viz.draw_graph(loss, params={"w": w, "v": v, "z": z}, show_grads=True)
    assert _COLOURS["nonfinite"] in node_line(g, "<B>z</B>")
    assert "grad has NaN/Inf" in node_line(g, "<B>z</B>")
    assert _COLOURS["ok"] in node_line(g, "<B>w</B>")
    assert _COLOURS["exploding"] in node_line(g, "<B>v</B>")
    # retain_grads: op outputs have gradients too (the root's is 1)
    assert _COLOURS["ok"] in node_line(g, "output")


def test_show_values_follows_backprop_on_a_scalar_graph():
    x = ag.tensor(3.0, requires_grad=True)
    y = 2 * x + 1
    viz.retain_grads(y)
    y.backward(retain_graph=True)
    g = viz.draw_graph(y, params={"x": x}, show_values=True)
    assert "value 7" in node_line(g, "<B>Add</B>") and "grad 1" in node_line(g, "<B>Add</B>")
    assert "value 6" in node_line(g, "<B>Mul</B>") and "grad 1" in node_line(g, "<B>Mul</B>")
    assert "value 3" in node_line(g, "<B>x</B>") and "grad 2" in node_line(g, "<B>x</B>")
    # x, Mul, Add and the constant 2, which Mul saved (Add saves nothing: the 1 is not
    # in the graph)
    assert len(nodes(g)) == 4 and "value 2" in node_line(g, "<B>const</B>")
    big = ag.randn(3, 4, requires_grad=True)
    g = viz.draw_graph((big * 2).sum(), show_values=True)
    assert "value" not in node_line(g, "<B>input</B>")  # 12 elements: too many to print


def test_retain_grad_on_an_intermediate_shows_its_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    g = viz.draw_graph(h.sum(), show_values=True)
    assert "grad [ 6., 12.]" in node_line(g, "<B>Mul</B>")


# --- teaching overlays ---

def test_fanout_and_broadcast_marks():
    x = ag.randn(2, 3, requires_grad=True)
    b = ag.randn(3, requires_grad=True)
    y = (x * x + b).sum()
    g = viz.draw_graph(y, params={"x": x, "b": b})
    assert "fan-out ×2: grads summed" in node_line(g, "<B>x</B>")
    assert "fan-out" not in node_line(g, "<B>b</B>")
    broadcast = [e for e in g.source.splitlines() if "sum to" in e]
    assert len(broadcast) == 1 and "sum to (3,)" in broadcast[0] and "dashed" in broadcast[0]
    g = viz.draw_graph(y, params={"x": x, "b": b}, mark_fanout=False, mark_broadcast=False)
    assert "fan-out" not in g.source and "sum to" not in g.source


def test_derivatives_and_backward_order():
    w, b, x, y = affine()
    g = viz.draw_graph(y, show_derivatives=True, show_order=True)
    assert "d/da = b, d/db = a" in node_line(g, "Mul</B>")
    assert "d/da = 1, d/db = 1" in node_line(g, "Add</B>")
    assert "<B>#1 Add</B>" in g.source and "<B>#2 Mul</B>" in g.source
    assert "d/d" not in viz.draw_graph(y).source


def test_backward_direction_uses_pytorch_names():
    w, b, x, y = affine()
    g = viz.draw_graph(y, params={"w": w, "b": b}, direction="backward")
    assert "<B>AddBackward0</B>" in g.source and "<B>MulBackward0</B>" in g.source
    assert g.source.count("<B>AccumulateGrad</B>") == 2
    assert len(nodes(g)) == 4  # no constants: the grad_fn graph has no edge to x
    root = NODE.findall(node_line(g, "AddBackward0"))[0]
    assert all(a == root for a, _ in edges(g) if "Mul" not in node_line(g, f"\t{a} "))
    assert (root, NODE.findall(node_line(g, "MulBackward0"))[0]) in edges(g)
    with pytest.raises(ValueError, match="direction must be 'forward' or 'backward'"):
        viz.draw_graph(y, direction="sideways")
    with pytest.raises(TypeError, match="draw_graph: root must be a Tensor"):
        viz.draw_graph(3.0)


# --- large graphs ---

def test_deep_chain_needs_no_recursion():
    x = ag.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y.sin()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # well below the chain's depth
    try:
        g = viz.draw_graph(y)
        full = viz.draw_graph(y, max_nodes=None).source
        text = viz.graph_text(y)
    finally:
        sys.setrecursionlimit(limit)
    assert len(nodes(g)) == 501  # 500 kept and the note
    assert "… 99501 more nodes omitted (99500 ops, 1 leaves/inputs)" in g.source
    assert ("omitted", "n499") in edges(g)
    assert full.count(" -> ") == 100_000 and "omitted" not in full
    assert text.count("\n") == 100_001 and max(len(s) for s in text.splitlines()) < 200


# --- escaping ---

@needs_dot
def test_names_with_colons_quotes_and_brackets_stay_valid(tmp_path):
    w = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    y = w * b
    names = {'enc:layer "1"': w, "<b> & 'c'": b}
    g = viz.draw_graph(y, params=names)
    assert {a for a, _ in edges(g)} <= {"n0", "n1", "n2"}
    assert "enc:layer &quot;1&quot;" in g.source and "&lt;b&gt; &amp; &#x27;c&#x27;" in g.source
    svg = viz.render(g, tmp_path / "names", "svg")
    text = open(svg, encoding="utf-8").read()
    assert "enc:layer &quot;1&quot;" in text or 'enc:layer "1"' in text


# --- rendering ---

@needs_dot
def test_render_svg_png_pdf(tmp_path):
    model, _, out = mlp()
    g = viz.draw_graph(out, params=dict(model.named_parameters()), group_modules=True,
                       show_grads=True)
    magic = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}
    for fmt, head in magic.items():
        path = viz.render(g, tmp_path / f"mlp.{fmt}", fmt)
        assert path.endswith(f"mlp.{fmt}")
        with open(path, "rb") as f:
            assert f.read(5).startswith(head)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.pdf", "mlp.png", "mlp.svg"]
    direct = g.render(outfile=str(tmp_path / "direct.svg"), cleanup=True)
    assert open(direct, "rb").read(5) == b"<?xml"
    assert "image/svg+xml" in g._repr_mimebundle_()


def test_missing_dot_raises_one_clear_error(tmp_path, monkeypatch):
    w, b, x, y = affine()
    g = viz.draw_graph(y)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here
    with pytest.raises(viz.GraphvizMissing, match="apt-get install graphviz") as info:
        viz.render(g, tmp_path / "g", "png")
    assert "brew install graphviz" in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert list(tmp_path.iterdir()) == []  # no half-written files
    with pytest.raises(viz.GraphvizMissing, match="graph.source"):
        g.render(outfile=str(tmp_path / "g.svg"))
    with pytest.raises(viz.GraphvizMissing):
        g._repr_mimebundle_()
    assert "digraph" in g.source


# --- text ---

def test_graph_text_tree():
    w, b, x, y = affine()
    text = viz.graph_text(y, params={"w": w, "b": b})
    assert text.splitlines() == [
        "output:",
        "Add  (1,) float32  [n0]",
        "├─ Mul  (1,) float32  [n2]",
        "│  ├─ w  (1,) float32  [n3]",
        "│  └─ input (no grad)  (1,) float32  [n4]",
        "└─ b  (1,) float32  [n1]",
    ]
    x = ag.tensor([1.0], requires_grad=True)
    h = x.exp()
    text = viz.graph_text(h * h, params={"x": x})
    assert text.splitlines()[-1] == "└─ Exp  (1,) float32  [see n1]"
    assert np.isfinite(h.data).all()
