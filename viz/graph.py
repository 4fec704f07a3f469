"""draw_graph: the computation graph behind a Tensor as a graphviz Digraph (and graph_text,
the same graph as an indented text tree), with teaching overlays for following backprop."""

import html
import os
import weakref
from heapq import heappop, heappush

import graphviz
import numpy as np

from autograd_core.tensor import Tensor

__all__ = ["GraphvizMissing", "Graph", "draw_graph", "graph_text", "render", "retain_grads"]

VANISHING = 1e-7   # gradient norms below this are flagged as vanishing
EXPLODING = 1e3    # and above this as exploding
_SMALL = 6         # show_values prints tensors with at most this many elements
_MULTI = ("several outputs",)  # in_shapes entry of a multi-output Function's output node

_INSTALL_HINT = ("Graphviz's 'dot' program was not found on PATH, so the graph cannot be "
                 "rendered (its DOT text is still in graph.source). Install Graphviz: "
                 "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' "
                 "(macOS), 'conda install -c conda-forge graphviz', or see "
                 "https://graphviz.org/download/")

# colours: one place, so the legend and the nodes agree
_COLOURS = {"ok": "#b7e4c7", "vanishing": "#a9c8f5", "exploding": "#f9c784",
            "nonfinite": "#f28b82", "none": "#eeeeee"}
_LEGEND = (("ok", "gradient norm ok"), ("vanishing", f"vanishing (norm < {VANISHING:g})"),
           ("exploding", f"exploding (norm > {EXPLODING:g})"), ("nonfinite", "NaN or Inf"),
           ("none", "no gradient available"))
_PARAM_FILL, _INPUT_FILL, _CONST_FILL, _OP_FILL = "#cfe2ff", "#fff3bf", "#f1f3f5", "#ffffff"
_ROOT_COLOUR, _FANOUT_COLOUR, _BROADCAST_COLOUR = "#2b8a3e", "#862e9c", "#c92a2a"

# the local derivative of each op, for show_derivatives (a, b: inputs; x: the input;
# y: the output; G: the gradient arriving from above)
DERIVATIVES = {
    "Add": "d/da = 1, d/db = 1",
    "Sub": "d/da = 1, d/db = -1",
    "Mul": "d/da = b, d/db = a",
    "Div": "d/da = 1/b, d/db = -a/b²",
    "Neg": "d/dx = -1",
    "Pow": "d/da = b·a^(b-1), d/db = a^b·ln a",
    "Exp": "d/dx = exp(x) = y",
    "Log": "d/dx = 1/x",
    "Sqrt": "d/dx = 1/(2y)",
    "Sin": "d/dx = cos x",
    "Cos": "d/dx = -sin x",
    "Tanh": "d/dx = 1 - y²",
    "Sigmoid": "d/dx = y(1 - y)",
    "Relu": "d/dx = 1 if x > 0 else 0",
    "Abs": "d/dx = sign(x)",
    "Erf": "d/dx = 2/√π·exp(-x²)",
    "Clamp": "d/dx = 1 inside [min, max], else 0",
    "Maximum": "d/da = 1 where a > b, d/db = 1 where b > a (ties split)",
    "Minimum": "d/da = 1 where a < b, d/db = 1 where b < a (ties split)",
    "Where": "d/da = cond, d/db = not cond",
    "Cast": "d/dx = 1 (cast back)",
    "Clone": "d/dx = 1",
    "MatMul": "dL/dA = G·Bᵀ, dL/dB = Aᵀ·G",
    "Addmm": "dL/dC = G (summed back), dL/dA = G·Bᵀ, dL/dB = Aᵀ·G",
    "Addcmul": "d/dc = 1, d/da = v·b, d/db = v·a",
    "Einsum": "dL/dx = einsum(G, the other operands)",
    "Sum": "d/dx = 1 (G broadcast back)",
    "SumTo": "d/dx = 1 (G broadcast back)",
    "Prod": "d/dx_i = y / x_i",
    "MaxAll": "d/dx = 1 at the max, else 0",
    "MaxDim": "d/dx = 1 at the max, else 0",
    "LogSumExp": "d/dx = softmax(x)",
    "Softmax": "dL/dx = y·(G - Σ G·y)",
    "LogSoftmax": "dL/dx = G - softmax(x)·Σ G",
    "NllLoss": "dL/dx = -w_t·G (÷ Σw for the mean) at each target's class, else 0",
    "Reshape": "dL/dx = G reshaped back",
    "Permute": "dL/dx = G permuted back",
    "Expand": "dL/dx = G summed over the expanded dims",
    "GetItem": "dL/dx = G scattered into zeros",
    "GetItemView": "dL/dx = G scattered into zeros",
    "IndexAdd": "dL/dx = G, dL/dv = G[index]",
    "Cat": "dL/dx_i = G split back",
    "Stack": "dL/dx_i = G[i]",
    "Pad": "dL/dx = G with the padding cut off",
    "SlidingWindows": "dL/dx = G's windows added back",
    "AddWindows": "dL/dG = windows of G",
}


class GraphvizMissing(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not installed."""


class Graph(graphviz.Digraph):
    """A graphviz.Digraph (what draw_graph returns): `.source` is the DOT text, `.render()`
    and Jupyter's inline display call `dot`, raising GraphvizMissing with install hints
    when it is missing."""

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizMissing(_INSTALL_HINT) from e

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise GraphvizMissing(_INSTALL_HINT) from e


def render(graph, path, format="svg"):
    """Render graph (from draw_graph) to the file `path` (any extension is replaced by the
    format's: svg, png, pdf, ...) and return the file's path. Raises GraphvizMissing when
    Graphviz's `dot` is not installed."""
    path = str(path)
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and "\\" not in ext:
        path = stem
    source = f"{path}.gv"
    existed = os.path.exists(source)
    try:
        return graph.render(outfile=f"{path}.{format}", format=format, cleanup=True)
    except (GraphvizMissing, graphviz.ExecutableNotFound) as e:
        if not existed and os.path.exists(source):
            os.remove(source)  # graphviz saves the DOT text before it looks for dot
        raise GraphvizMissing(_INSTALL_HINT) from e


# --- gradients of op outputs ---

_TRACED = weakref.WeakKeyDictionary()  # node -> the gradient of its output (an ndarray)


def retain_grads(root):
    """Keep the gradient of every op's output in the graph of root when backward next runs
    (as retain_grad would on each intermediate tensor), so that draw_graph can show and
    colour op nodes by their gradient, not only the leaves. Call it before backward;
    returns the number of op nodes watched."""
    nodes = _op_nodes(_roots(root))
    for node in nodes:
        node.register_prehook(_Keeper(node))
    return len(nodes)


class _Keeper:
    """A prehook storing the gradient reaching its node (held weakly: no cycle)."""

    __slots__ = ("node",)

    def __init__(self, node):
        self.node = weakref.ref(node)

    def __call__(self, g):
        node = self.node()
        if node is not None:
            _TRACED[node] = np.array(g.data, copy=True)


def _op_nodes(roots):
    seen, stack = {}, [t.grad_fn for _, t in roots if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(p for p in node.parents if p is not None and not isinstance(p, Tensor))
    return list(seen.values())


# --- collecting the graph ---

def _roots(root):
    """(label, Tensor) pairs from a Tensor, or a (nested) tuple, list or dict of them."""
    out, stack = [], [("output", root, True)]
    while stack:
        label, obj, top = stack.pop()
        if isinstance(obj, Tensor):
            out.append((label, obj))
        elif isinstance(obj, dict):
            stack.extend((str(k), v, False) for k, v in reversed(list(obj.items())))
        elif isinstance(obj, (tuple, list)):
            stack.extend((f"{label}[{i}]" if not top else f"output {i}", v, False)
                         for i, v in reversed(list(enumerate(obj))))
        elif top:
            raise TypeError("draw_graph: root must be a Tensor, or a tuple, list or dict of "
                            f"Tensors, got {type(obj).__name__}")
    if not out:
        raise TypeError("draw_graph: root holds no Tensor")
    return out


class _Item:
    """One drawn node: an op (a graph node), a leaf that needs grad, or a constant input."""

    __slots__ = ("obj", "kind", "index", "shape", "dtype", "tensor", "roots", "uses",
                 "grad_uses")

    def __init__(self, obj, kind, index):
        self.obj, self.kind, self.index = obj, kind, index
        self.shape = self.dtype = self.tensor = None
        self.roots = []     # labels, when this is an output
        self.uses = 0       # edges out of it (towards its consumers)
        self.grad_uses = 0  # of which carry a gradient back (fan-out when > 1)


def _collect(roots, with_constants):
    """Walk the graph from the roots, newest node first as the engine does (a heap on
    creation order: every consumer comes before its producers, no recursion). Returns the
    items in walk order and the edges (producer item, consumer item, input index)."""
    items, by_id, edges, heap = [], {}, [], []

    def item(obj, kind):
        it = by_id.get(id(obj))
        if it is None:
            it = by_id[id(obj)] = _Item(obj, kind, len(items))
            items.append(it)
        return it

    for label, t in roots:
        node = t.grad_fn
        if node is None:
            it = item(t, "leaf" if t.requires_grad else "const")
            it.tensor = t
        else:
            if id(node) not in by_id:
                heappush(heap, (node._seq, id(node), node))
            it = by_id.get(id(node)) or _Item(node, "op", -1)
            by_id[id(node)] = it
            it.shape, it.dtype, it.tensor = t.shape, t.dtype, t
        it.roots.append(label)
    while heap:
        node = heappop(heap)[2]
        it = by_id[id(node)]
        if it.index < 0:
            it.index = len(items)
            items.append(it)
        _fill_from_node(it, node)
        saved = node.inputs
        if not (type(saved) is tuple and len(saved) == len(node.parents)):
            saved = None
        for i, p in enumerate(node.parents):
            inp = saved[i] if saved is not None else None
            if not isinstance(inp, Tensor):
                inp = None
            if p is None:
                if not with_constants or inp is None:
                    continue  # needs no grad and was not saved: nothing to draw
                src = item(inp, "const")
                src.tensor = inp
            elif isinstance(p, Tensor):
                src = item(p, "leaf")
                src.tensor = p
                src.grad_uses += 1
            else:
                src = by_id.get(id(p))
                if src is None:
                    src = by_id[id(p)] = _Item(p, "op", -1)
                    heappush(heap, (p._seq, id(p), p))
                src.grad_uses += 1
                if src.tensor is None and inp is not None and inp.grad_fn is p:
                    src.tensor = inp  # the producer's output, saved by this consumer
                if src.shape is None:
                    s = node.in_shapes[i]
                    src.shape = it.shape if s is None else s
                if src.dtype is None:
                    src.dtype = _input_dtype(node, i, it.dtype)
            src.uses += 1
            edges.append((src, it, i))
    for it in items:
        if it.kind != "op":
            it.shape, it.dtype = it.tensor.shape, it.tensor.dtype
    return items, edges


def _fill_from_node(it, node):
    extra = node._extra
    if it.tensor is None and extra is not None and extra.retained is not None:
        it.tensor = extra.retained()
    if it.tensor is not None:
        it.shape, it.dtype = it.tensor.shape, it.tensor.dtype
    elif node._y is not None:
        it.shape, it.dtype = node._y.shape, node._y.dtype


def _input_dtype(node, i, out_dtype):
    """The dtype of node's input i, when only the node is known: most ops keep it."""
    dtypes = getattr(node, "in_dtypes", None)
    if dtypes is not None and i < len(dtypes):
        return dtypes[i]
    in_dtype = getattr(node, "in_dtype", None)  # Cast remembers what it cast from
    return in_dtype if in_dtype is not None else out_dtype


def _value(it):
    """The item's value as an ndarray, when the graph still holds it (or, for a small
    elementwise op or matmul whose inputs are saved, can recompute it)."""
    if it.tensor is not None:
        return it.tensor.data
    node = it.obj
    if it.kind != "op":
        return None
    if node._y is not None:
        return node._y
    inputs, cls = node.inputs, type(node)
    if (it.shape is not None and tuple(it.shape) != _MULTI and int(np.prod(it.shape)) <= _SMALL
            and (getattr(cls, "elementwise", False) or cls.__name__ in ("MatMul", "Addmm"))
            and type(inputs) is tuple and all(isinstance(t, Tensor) for t in inputs)):
        with np.errstate(all="ignore"):
            return np.asarray(node.forward(*[t.data for t in inputs]))
    return None


def _grad(it):
    """The gradient of the item's output as an ndarray, when known."""
    if it.kind == "op":
        g = _TRACED.get(it.obj)
        if g is not None:
            return g
        t = it.tensor
        return t.grad.data if t is not None and t.retains_grad and t.grad is not None else None
    if it.kind == "leaf" and it.tensor.grad is not None:
        return it.tensor.grad.data
    return None


def _grad_status(g):
    if g is None:
        return "none", None
    if g.size and not np.all(np.isfinite(g)):
        return "nonfinite", None
    norm = float(np.linalg.norm(np.asarray(g, dtype=np.float64).ravel()))
    if norm < VANISHING:
        return "vanishing", norm
    if norm > EXPLODING:
        return "exploding", norm
    return "ok", norm


def _op_name(node, backward):
    name = node.name
    if backward:
        return name if "[" in name else name + "0"
    return name.replace("Backward", "", 1)


def _shape_text(shape, dtype):
    if shape is None:
        text = "?"
    elif tuple(shape) == _MULTI:
        return "several outputs"
    elif len(shape) == 0:
        text = "scalar"
    else:
        text = str(tuple(int(s) for s in shape))
    return text if dtype is None else f"{text} {dtype}"


def _array_text(a):
    a = np.asarray(a)
    if a.ndim == 0:
        v = a.item()
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    return np.array2string(a, precision=4, separator=", ", suppress_small=False,
                           max_line_width=60)


def _broadcast_edge(op, i, in_shape, out_shape):
    """True when the engine sums op's gradient for input i back to a smaller shape."""
    if in_shape is None or out_shape is None or tuple(in_shape) == _MULTI:
        return False
    in_shape, out_shape = tuple(in_shape), tuple(out_shape)
    cls = type(op)
    if getattr(cls, "elementwise", False) or cls.__name__ == "Where":
        return in_shape != out_shape
    if cls.__name__ == "Addmm":  # the added input (a bias) may be broadcast
        return i == 0 and in_shape != out_shape
    if cls.__name__ == "MatMul" and len(in_shape) >= 2 and len(out_shape) > 2:
        return (1,) * (len(out_shape) - len(in_shape)) + in_shape[:-2] != out_shape[:-2]
    return False


def _leaf_name(t, names):
    name = names.get(id(t))
    if name is not None:
        return name
    if not t.requires_grad and t.ndim == 0:
        return "const"
    return "input"


# --- drawing ---

def draw_graph(root, params=None, show_shapes=True, show_grads=False, show_values=False,
               group_modules=False, rankdir="TB", max_nodes=500, direction="forward",
               show_derivatives=False, show_order=False, mark_fanout=True,
               mark_broadcast=True):
    """Draw the graph of ops that produced root.

    Args:
        root: a Tensor, or a tuple, list or dict of Tensors (several outputs; dict keys
            label them). A module's output works as it is.
        params: name -> Tensor (e.g. dict(model.named_parameters())) to name the leaves;
            other leaves are drawn as "input" with their shape.
        show_shapes: write each node's output shape and dtype.
        show_grads: fill each node by the norm of its gradient (leaves: .grad; ops: what
            retain_grad or viz.retain_grads kept), flagging vanishing (< 1e-7), exploding
            (> 1e3) and NaN/Inf gradients, with a legend.
        show_values: write values and gradients of tensors with at most 6 elements
            (following backprop by hand on a scalar graph).
        group_modules: put the ops of each nn module call in a cluster labelled with its
            qualified name and class, nested as the modules are.
        rankdir: graphviz layout direction ("TB", "LR", ...).
        max_nodes: draw at most this many nodes (the newest, nearest the outputs); a note
            says how many were left out. None draws all.
        direction: "forward" (data flow: inputs -> op -> output, ops named as written,
            e.g. Mul) or "backward" (the grad_fn graph as PyTorch names it, MulBackward0
            and AccumulateGrad, edges from the output towards the leaves).
        show_derivatives: write each op's local derivative (d/da = b, d/db = a for Mul).
        show_order: number the ops in the order backward runs them (1 runs first).
        mark_fanout: mark nodes whose output feeds several consumers (their gradients
            are summed there).
        mark_broadcast: dash and label the edges along which the gradient is summed back
            to a smaller (broadcast) input shape.

    An input that needs no grad has no edge in the graph: it is drawn (in the forward
    direction) only while the op that used it still holds it for backward, i.e. before
    backward frees the saved tensors (or after backward(retain_graph=True)). Op outputs
    are not kept by the graph either: their values show when an op saved them or a
    consumer saved its input, their gradients after retain_grad() or viz.retain_grads.
    """
    if direction not in ("forward", "backward"):
        raise ValueError(f"draw_graph: direction must be 'forward' or 'backward', got "
                         f"{direction!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be positive or None, got {max_nodes}")
    backward = direction == "backward"
    roots = _roots(root)
    items, edges = _collect(roots, with_constants=not backward)
    names = {id(t): name for name, t in (params or {}).items() if isinstance(t, Tensor)}

    kept, omitted = items, 0
    if max_nodes is not None and len(items) > max_nodes:
        kept, omitted = items[:max_nodes], len(items) - max_nodes
    n_kept = len(kept)

    order = {}
    if show_order:
        ops = sorted((it for it in items if it.kind == "op"), key=lambda it: it.obj._seq)
        order = {id(it): k + 1 for k, it in enumerate(ops)}

    g = Graph(name="autograd_graph", comment="computation graph")
    g.attr(rankdir=rankdir, fontname="Helvetica")
    g.attr("node", fontname="Helvetica", fontsize="11")
    g.attr("edge", fontname="Helvetica", fontsize="9")

    clusters = _clusters(kept, edges, names) if group_modules else {}
    statuses = set()
    for it in kept:
        attrs, status = _node_attrs(it, names, backward, show_shapes, show_values,
                                    show_grads, show_derivatives, order, mark_fanout)
        if status is not None:
            statuses.add(status)
        target = clusters.get(id(it))
        # body lines written directly: graphviz's node() quotes every attribute with
        # regular expressions, most of the time for a graph of 10**5 nodes
        (target.graph if target is not None else g).body.append(
            f"\tn{it.index}{_attr_list(attrs)}\n")
    for c in sorted(clusters.get("_all", ()), key=lambda c: (-c.depth, c.number)):
        (c.parent.graph if c.parent is not None else g).subgraph(c.graph)

    omitted_into = set()
    for src, dst, i in edges:
        if dst.index >= n_kept:
            continue
        if src.index >= n_kept:  # the producer was left out: one arrow from the note
            if dst.index not in omitted_into:
                omitted_into.add(dst.index)
                a, b = ("omitted", f"n{dst.index}")
                g.edge(*((b, a) if backward else (a, b)), style="dotted")
            continue
        attrs = {}
        if src.kind == "const":
            attrs["style"] = "dashed"
            attrs["color"] = "#868e96"
        elif mark_broadcast and dst.kind == "op" and _broadcast_edge(
                dst.obj, i, dst.obj.in_shapes[i], dst.shape):
            attrs.update(style="dashed", color=_BROADCAST_COLOUR, fontcolor=_BROADCAST_COLOUR,
                         label=f"sum to {_shape_text(dst.obj.in_shapes[i], None)}",
                         tooltip="broadcast: the gradient is summed back to this input's "
                                 "shape")
        a, b = src.index, dst.index
        if backward:
            a, b = b, a
        g.body.append(f"\tn{a} -> n{b}{_attr_list(attrs)}\n")
    if omitted:
        n_ops = sum(1 for it in items[n_kept:] if it.kind == "op")
        g.node("omitted", label=f"… {omitted} more nodes omitted ({n_ops} ops, "
               f"{omitted - n_ops} leaves/inputs): max_nodes={max_nodes}",
               shape="note", style="filled", fillcolor="#fff9db", color="#e67700")
    if show_grads:
        _legend(g)
    return g


def _node_attrs(it, names, backward, show_shapes, show_values, show_grads,
                show_derivatives, order, mark_fanout):
    """Label and style of one node; also its gradient status when show_grads."""
    lines = []  # (text, extra HTML attributes for a FONT) top to bottom
    attrs = {}
    for label in it.roots:
        lines.append((label, f'COLOR="{_ROOT_COLOUR}"'))
    if it.kind == "op":
        title = _op_name(it.obj, backward)
        if order:
            title = f"#{order[id(it)]} {title}"
        lines.append((title, "B"))
        attrs.update(shape="box", style="rounded,filled", fillcolor=_OP_FILL)
    else:
        name = _leaf_name(it.tensor, names)
        if backward:
            lines.append(("AccumulateGrad", "B"))
            lines.append((name, ""))
        else:
            lines.append((name, "B"))
        fill = _CONST_FILL if it.kind == "const" else (
            _PARAM_FILL if id(it.tensor) in names else _INPUT_FILL)
        attrs.update(shape="box", style="filled", fillcolor=fill)
        if it.kind == "const":
            attrs["style"] = "dashed,filled"
        if it.kind == "const" and name == "const" and not show_values:
            lines.append((_array_text(it.tensor.data), ""))
    if show_shapes:
        lines.append((_shape_text(it.shape, it.dtype), 'POINT-SIZE="9"'))
    if show_derivatives and it.kind == "op":
        d = DERIVATIVES.get(type(it.obj).__name__)
        if d:
            lines.append((d, 'POINT-SIZE="9" COLOR="#1864ab"'))
    grad = _grad(it) if (show_values or show_grads) else None
    if show_values:
        value = _value(it)
        if value is not None and value.size <= _SMALL:
            lines.append(("value " + _array_text(value), 'POINT-SIZE="9"'))
        if grad is not None and grad.size <= _SMALL:
            lines.append(("grad " + _array_text(grad), 'POINT-SIZE="9" COLOR="#c92a2a"'))
    if mark_fanout and it.grad_uses > 1:
        lines.append((f"fan-out ×{it.grad_uses}: grads summed",
                      f'POINT-SIZE="9" COLOR="{_FANOUT_COLOUR}"'))
        attrs.update(color=_FANOUT_COLOUR, penwidth="2")
    status = None
    if show_grads and it.kind != "const":
        status, norm = _grad_status(grad)
        attrs["fillcolor"] = _COLOURS[status]
        if "filled" not in attrs["style"]:
            attrs["style"] += ",filled"
        if norm is not None:
            lines.append((f"|grad| {norm:.3g}", 'POINT-SIZE="9"'))
        elif status == "nonfinite":
            lines.append(("grad has NaN/Inf", 'POINT-SIZE="9"'))
        attrs["tooltip"] = f"gradient: {status}"
    if it.roots:
        attrs.update(peripheries="2", color=_ROOT_COLOUR)
    attrs["label"] = _html(lines)
    return attrs, status


def _attr_list(attrs):
    """' [k=v ...]' for a DOT statement: HTML labels as they are, other values quoted."""
    if not attrs:
        return ""
    parts = []
    for k, v in attrs.items():
        if not v.startswith("<"):
            v = '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{k}={v}")
    return " [" + " ".join(parts) + "]"


def _html(lines):
    """A graphviz HTML-like label: every text escaped, so quotes, colons and angle
    brackets in names cannot break the DOT source."""
    parts = []
    for text, font in lines:
        text = html.escape(text).replace("\n", "<BR/>")
        if font == "B":
            parts.append(f"<B>{text}</B>")
        elif font:
            parts.append(f"<FONT {font}>{text}</FONT>")
        else:
            parts.append(text)
    return "<" + "<BR/>".join(parts) + ">"


def _legend(g):
    with g.subgraph(name="cluster_legend") as lg:
        lg.attr(label="gradient norm", fontsize="10", style="dashed", color="#adb5bd")
        for k, (status, text) in enumerate(_LEGEND):
            lg.node(f"legend{k}", label=text, shape="box", style="filled",
                    fillcolor=_COLOURS[status], fontsize="9")
        for k in range(len(_LEGEND) - 1):
            lg.edge(f"legend{k}", f"legend{k + 1}", style="invis")


class _Cluster:
    __slots__ = ("graph", "parent", "depth", "number")

    def __init__(self, graph, parent, depth, number):
        self.graph, self.parent, self.depth, self.number = graph, parent, depth, number


def _clusters(kept, edges, names):
    """item id -> the _Cluster (one per module call, nested like the calls) it goes in.
    Under "_all": every cluster. Parameters join the cluster of their consumers."""
    by_record, qualnames, out = {}, {}, {}

    def cluster_of(record):
        chain = []
        while record is not None and id(record) not in by_record:
            chain.append(record)
            record = record.parent
        parent = by_record.get(id(record)) if record is not None else None
        for rec in reversed(chain):  # outermost first
            number = len(by_record)
            depth = parent.depth + 1 if parent is not None else 0
            sub = graphviz.Digraph(name=f"cluster_{number}")
            sub.attr(label=_module_label(rec, qualnames), style="rounded,dashed",
                     color="#868e96", fontsize="10", labeljust="l")
            parent = by_record[id(rec)] = _Cluster(sub, parent, depth, number)
        return parent

    for it in kept:
        if it.kind == "op" and it.obj.scope is not None:
            out[id(it)] = cluster_of(it.obj.scope)
    # a named parameter sits in the cluster of the module call using it, when only one does
    homes = {}
    for src, dst, _ in edges:
        if src.kind != "op" and id(src.tensor) in names and dst.kind == "op":
            homes.setdefault(id(src), set()).add(id(out.get(id(dst))))
    clusters_by_id = {id(c): c for c in by_record.values()}
    for src_id, home in homes.items():
        if len(home) == 1:
            c = clusters_by_id.get(next(iter(home)))
            if c is not None:
                out[src_id] = c
    out["_all"] = list(by_record.values())
    return out


def _module_label(record, qualnames):
    """'fc1 (Linear)': the module's dotted name in the outermost module, and its class."""
    path = record.path()
    top = path[0]
    table = qualnames.get(id(top))
    if table is None:
        named = getattr(top, "named_modules", None)
        table = qualnames[id(top)] = {id(m): n for n, m in named()} if named else {}
    module = path[-1]
    name = table.get(id(module), "")
    cls = type(module).__name__
    return f"{name} ({cls})" if name else cls


# --- text ---

def graph_text(root, params=None):
    """The graph of root as an indented text tree for terminals: each op above its inputs,
    with shapes; a node reached again is written once and referred to as [see nK]."""
    roots = _roots(root)
    items, edges = _collect(roots, with_constants=True)
    names = {id(t): name for name, t in (params or {}).items() if isinstance(t, Tensor)}
    inputs = {}
    for src, dst, i in edges:
        inputs.setdefault(id(dst), []).append((i, src))
    by_index = {it.index: it for it in items}

    def describe(it):
        if it.kind == "op":
            text = _op_name(it.obj, False)
        else:
            text = _leaf_name(it.tensor, names)
            if it.kind == "const":
                text += " (no grad)"
        return f"{text}  {_shape_text(it.shape, it.dtype)}  [n{it.index}]"

    lines, printed = [], set()
    for label, t in roots:
        node = t.grad_fn if t.grad_fn is not None else t
        top = next(it for it in items if it.obj is node)
        lines.append(f"{label}:")
        stack = [(top.index, "", "", 0)]
        while stack:
            index, lead, child_lead, depth = stack.pop()
            it = by_index[index]
            if id(it) in printed:
                lines.append(f"{lead}{describe(it).split('  [')[0]}  [see n{it.index}]")
                continue
            printed.add(id(it))
            lines.append(lead + describe(it))
            kids = [src for _, src in sorted(inputs.get(id(it), ()), key=lambda e: e[0])]
            if depth >= 40:  # a long chain: stop indenting further so lines stay short
                child_lead = child_lead[:120]
            for k in range(len(kids) - 1, -1, -1):
                last = k == len(kids) - 1
                stack.append((kids[k].index, child_lead + ("└─ " if last else "├─ "),
                              child_lead + ("   " if last else "│  "), depth + 1))
    return "\n".join(lines)
