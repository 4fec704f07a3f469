"""The backward pass: the chain rule node by node, newest node first."""

import gc
from heapq import heappop, heappush, heapreplace

import numpy as np

from . import grad_mode
from ._fpe import quiet, unquiet
from .function import LAZY_TYPES, SliceGrad, _check_view
from .ops.elementwise import cast
from .ops.shape import _sum_to
from .ops.shape import sum_to as sum_to_tensor
from .tensor import Tensor, _wrap

_grad_enabled = grad_mode.enabled


def _check_outputs(outputs, grad_outputs, op):
    """Validate roots and their upstream gradients before anything runs."""
    grads = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: outputs must be Tensors, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        if out._vc is not None and out._vc[0]:
            _check_view(out)  # a view whose base changed in place since it was made
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs "
                                   f"(output {i} has shape {tuple(out.shape)}); pass a gradient "
                                   "of the same shape")
            g = _wrap(np.ones(out.shape, dtype=out.dtype))
        else:
            if not isinstance(g, Tensor):
                g = _wrap(np.asarray(g, dtype=out.dtype))
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{tuple(g.shape)} and output[{i}] has a shape of "
                                   f"{tuple(out.shape)}.")
            if g.dtype != out.dtype:
                g = cast(g, out.dtype)
        grads.append(g)
    return grads


def _accumulate(store, key, g):
    prev = store.get(key)
    store[key] = g if prev is None else prev + g


def _hooks_and_retain(node, gy, arrays, retained):
    """The rare per-node extras: hooks on the output's gradient, and retain_grad."""
    extra = node._extra
    if extra.hooks:
        gy = _run_hooks(extra.hooks, gy, arrays)
    out = extra.retained() if extra.retained is not None else None
    if out is not None and out._retains_grad and out.grad_fn is node:
        retained.append((out, gy))
    return gy


def _run_hooks(hooks, g, arrays):
    """Tensor hooks see Tensors, whatever the pass runs on."""
    t = _wrap(g) if arrays else g
    for hook in hooks:
        new = hook(t)
        if new is not None:
            _check_hook_result(hook, t, new)
            t = new
    return t.data if arrays else t


def _check_hook_result(hook, grad, new):
    """A hook may replace the gradient, not change its shape (torch refuses that too: the
    gradient would no longer fit the tensor)."""
    if not isinstance(new, Tensor):
        raise TypeError(f"hook '{getattr(hook, '__name__', hook)}' returned a "
                        f"{type(new).__name__}; return a Tensor (or None to keep the gradient)")
    if new.shape != grad.shape:
        raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of "
                           f"value: the gradient has shape {tuple(grad.shape)}, the hook "
                           f"returned {tuple(new.shape)}")


def _dependencies(roots):
    """For each node reachable from roots, how many of its consumers reach it (ag.grad
    uses it to tell unused inputs before anything runs)."""
    deps = dict.fromkeys(roots, 0)
    stack = list(deps)
    while stack:
        for p in stack.pop().parents:
            if p is None or isinstance(p, Tensor):
                continue
            n = deps.get(p)
            if n is None:
                deps[p] = 1
                stack.append(p)
            else:
                deps[p] = n + 1
    return deps


def run_backward(outputs, grad_outputs, retain_graph, create_graph, capture=None,
                 wrap_leaves=True):
    """The engine. Returns ({leaf: grad}, [retained grads]) and fills `capture` (node -> grad
    reaching it, for ag.grad's non-leaf inputs). Leaf gradients of a first-order pass stay
    ndarrays when not wrap_leaves.

    Nodes that received a gradient wait in a heap by creation order, newest first: every
    consumer of a node was made after it, so when a node comes out, all its gradient has
    arrived (no recursion, no separate sorting pass). A first-order pass
    (create_graph=False) runs every backward on plain ndarrays; under create_graph the
    same formulas run on Tensors and are recorded.
    """
    arrays = not create_graph
    pending = {}   # node -> gradient of its output (so far)
    leaves = {}    # leaf tensor -> gradient
    heap = []      # (creation order, counting down; node) of the nodes in pending
    for out, g in zip(outputs, grad_outputs):
        if arrays:
            g = g.data
        node = out.grad_fn
        if node is None:
            _accumulate(leaves, out, g)
        elif node not in pending:
            pending[node] = g
            heappush(heap, (node._seq, node))
        else:
            pending[node] = pending[node] + g
    retained = []
    release = not retain_graph
    sum_to = _sum_to if arrays else sum_to_tensor
    prev_mode = _grad_enabled()
    grad_mode.set_enabled(create_graph)
    gc_was_on = gc.isenabled()
    gc.disable()  # the walk makes many short-lived objects and no cycles: skip collections
    # as in torch, inf and nan in gradients are values, not warnings (detect_anomaly finds them)
    token = quiet()
    try:
        node = heappop(heap)[1] if heap else None
        while node is not None:
            gy = pending.pop(node)
            if type(gy) in LAZY_TYPES and not (type(gy) is SliceGrad
                                               and node.takes_slice_grads
                                               and node._extra is None and capture is None):
                gy = gy.dense()
            if node._extra is not None:
                gy = _hooks_and_retain(node, gy, arrays, retained)
            if capture is not None and node in capture:
                capture[node] = gy
            node = node._backprop(gy, release, pending, heap, leaves, sum_to)
            # next: the newest pending node, either the parent _backprop handed back or the
            # heap's top (the heap holds all other pending nodes)
            if node is None:
                node = heappop(heap)[1] if heap else None
            elif heap and heap[0][0] < node._seq:
                node = heapreplace(heap, (node._seq, node))[1]
    finally:
        unquiet(token)
        grad_mode.set_enabled(prev_mode)
        if gc_was_on:
            gc.enable()
    if arrays:
        for leaf, g in leaves.items():
            if type(g) in LAZY_TYPES:
                leaves[leaf] = g.dense()
        if wrap_leaves:
            leaves = {leaf: _wrap(g) for leaf, g in leaves.items()}
        retained = [(out, _wrap(g)) for out, g in retained]
        if capture:
            for node, g in capture.items():
                if g is not None:
                    capture[node] = _wrap(g)
    for out, g in retained:
        out.grad = g if create_graph or out.grad is None else out.grad + g
        if not create_graph:
            out.grad = out.grad.detach()
    return leaves, [g for _, g in retained]


def _apply_leaf_hooks(leaf, g):
    for hook in leaf._hooks or ():
        new = hook(g)
        if new is not None:
            _check_hook_result(hook, g, new)
            g = new
    return g


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of tensors w.r.t. graph leaves and accumulate it into .grad."""
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,)
    tensors = tuple(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _check_outputs(tensors, grad_tensors, "backward")
    only = None
    if inputs is not None:
        only = {id(t) for t in ((inputs,) if isinstance(inputs, Tensor) else inputs)}
    leaves, retained = run_backward(tensors, grads, retain_graph, create_graph,
                                    wrap_leaves=create_graph)
    if create_graph:
        for leaf, g in leaves.items():
            if only is None or id(leaf) in only:
                g = _apply_leaf_hooks(leaf, g)
                leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    # arrays a leaf's .grad may not own: the root gradients and the retained ones; an
    # array seen once is not owned by the next leaf either (Add hands gy to both inputs)
    claimed = {id(a) for g in grads + retained for a in (g.data, g.data.base) if a is not None}
    for leaf, d in leaves.items():
        if only is not None and id(leaf) not in only:
            continue
        if leaf._hooks:
            d = _apply_leaf_hooks(leaf, _wrap(d)).data
        if leaf.grad is None:
            # a view (a transposed or reshaped gradient) may be kept too, as long as
            # nothing else was handed the array it views
            owner = d if d.base is None else d.base
            if (id(d) in claimed or id(owner) in claimed or not d.flags.writeable
                    or not isinstance(owner, np.ndarray)):
                d = owner = d.copy()
            claimed.add(id(d))
            claimed.add(id(owner))
            leaf.grad = _wrap(d)
        else:
            gd = leaf.grad.data
            if gd.flags.writeable and gd.shape == d.shape:
                gd += d
                if leaf.grad.grad_fn is not None:
                    leaf.grad = leaf.grad.detach()
            else:
                leaf.grad = _wrap(gd + d)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """Gradients of outputs w.r.t. inputs, returned as a tuple (nothing goes to .grad)."""
    single_out = isinstance(outputs, Tensor)
    outputs = (outputs,) if single_out else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grad_outputs)} tensors but outputs has "
                           f"{len(outputs)}")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs must be Tensors, got {type(t).__name__} at {i}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _check_outputs(outputs, grad_outputs, "grad")
    roots = [o.grad_fn for o in outputs if o.grad_fn is not None]
    reachable = _dependencies(roots)
    leaf_ids = {id(o) for o in outputs if o.grad_fn is None}
    for node in reachable:
        leaf_ids.update(id(p) for p in node.parents if isinstance(p, Tensor))
    for t in inputs:
        used = t.grad_fn in reachable if t.grad_fn is not None else id(t) in leaf_ids
        if not used and not allow_unused:
            raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                               "in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
    capture = {t.grad_fn: None for t in inputs if t.grad_fn is not None}
    leaves, _ = run_backward(outputs, grads, retain_graph, create_graph, capture or None)
    result = []
    for t in inputs:
        g = capture.get(t.grad_fn) if t.grad_fn is not None else leaves.get(t)
        if g is not None and t.grad_fn is None:
            g = _apply_leaf_hooks(t, g)
        if g is not None and not create_graph:
            g = g.detach()
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been "
                                   "used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = _wrap(np.zeros(t.shape, dtype=t.dtype))
        result.append(g)
    return tuple(result)

