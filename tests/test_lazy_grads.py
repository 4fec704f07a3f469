"""The engine's lazy gradients (autograd_core.function): slice gradients summed into one
buffer, a weight's gradient from many matrix products multiplied out as one product, a
stack's inputs that a slice did not pick. Each is an optimisation only: the gradients must
equal torch's (float64), whatever order and mix they arrive in."""

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import function
from autograd_core.ops import elementwise

torch = pytest.importorskip("torch")


def _pair(*shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ag.from_numpy(a).requires_grad_(), torch.tensor(a, requires_grad=True)


def _close(ours, theirs):
    assert ours.grad is not None, "no gradient"
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def _run(fn, n_inputs, shapes):
    pairs = [_pair(*s, seed=i) for i, s in enumerate(shapes)]
    ours = fn(ag, *[p[0] for p in pairs])
    theirs = fn(torch, *[p[1] for p in pairs])
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    ours.backward()
    theirs.backward()
    for o, t in pairs:
        _close(o, t)


@pytest.mark.parametrize("transposed", [False, True])
def test_weight_used_by_many_products_gets_their_summed_gradient(transposed):
    """An RNN-like loop: W (or W^T, a Linear's layout) in every step's product, plus a
    direct use of W, so lazy products meet a dense gradient."""

    def fn(lib, x, w, b):
        h = x
        wt = w.t() if transposed else w
        for _ in range(6):
            h = lib.tanh(lib.addmm(b, h, wt) if lib is ag else torch.addmm(b, h, wt))
        return (h * h).sum() + (w * w).sum()

    _run(fn, 3, [(4, 5), (5, 5), (5,)])


def test_products_beyond_the_cap_are_multiplied_out_early(monkeypatch):
    """Nine (3, 4) @ (4, 4) products: with a cap of 40 factor elements, W's gradient is
    multiplied out every two steps or so (memory stays bounded), and still exact."""
    monkeypatch.setattr(function, "_PRODUCT_CAP", 40)
    rows = []
    real = function.ProductGrad._product

    def spy(self):
        rows.append(sum(a.shape[0] for a in self.lefts))
        return real(self)

    monkeypatch.setattr(function.ProductGrad, "_product", spy)

    def fn(lib, x, w):
        h = x
        for _ in range(9):
            h = lib.tanh(h @ w)
        return h.sum()

    _run(fn, 2, [(3, 4), (4, 4)])
    assert sum(rows) == 9 * 3 and len(rows) > 1 and max(rows) <= 9


def test_product_gradient_meets_slice_and_zero_gradients():
    """W's gradient from a product, from a slice of W, and from a stack that picks another
    input: every mix of lazy kinds sums to torch's gradient."""

    def fn(lib, x, w):
        y = (x @ w).sum() + (w[1:, :2] ** 2).sum()
        s = lib.stack([w * 2, w * 3], dim=0)
        return y + s[1].sum() + (x @ w.t()).sum()

    _run(fn, 2, [(4, 4), (4, 4)])


@pytest.mark.parametrize("in_place_min", [0, None])  # the in-place path forced, or as sized
@pytest.mark.parametrize("order", ["slice_first", "buffer_first"])
def test_an_owned_gradient_buffer_meets_slices_arrays_and_leaves(order, in_place_min,
                                                                  monkeypatch):
    """sigmoid and tanh hand back a buffer only the engine holds (a GradBuffer), which
    later gradients are added into in place: an LSTM's gates (a slice through tanh, the
    whole through sigmoid) and cell state. Either arrival order, plus a plain array and a
    leaf used twice, must sum to torch's gradient, and the buffer must not leak into
    anything the user sees. (Small arrays take the plain formulas unless forced.)"""
    if in_place_min is not None:
        monkeypatch.setattr(elementwise, "_IN_PLACE_MIN", in_place_min)

    def fn(lib, x, w):
        if order == "slice_first":  # the slice's consumer is newer: its gradient arrives first
            s = lib.sigmoid(x)
            t = lib.tanh(x[:, 1:3])
        else:
            t = lib.tanh(x[:, 1:3])
            s = lib.sigmoid(x)
        c = lib.tanh(w) * 2 + w * x[:, :1]  # w: a tanh buffer, then a plain array
        return (s * s).sum() + (t ** 3).sum() + (c * c).sum() + lib.sigmoid(w).sum()

    _run(fn, 2, [(3, 4), (3, 4)])


@pytest.mark.parametrize("pick", [
    lambda s: s[:, -1],          # the last step of a batch-first stack (dim 1)
    lambda s: s[:, 0, 1:],       # one input, then a slice of it
    lambda s: s[1:, 2],          # a slice on another dim and one input
    lambda s: s[:, -1][0],       # a slice of the slice
])
def test_stack_hands_a_slice_gradient_to_one_input(pick):
    def fn(lib, a, b, c):
        s = lib.stack([a * 1.5, b.exp(), c], dim=1)
        return (pick(s) ** 2).sum() + (a * b).sum()

    _run(fn, 3, [(3, 4), (3, 4), (3, 4)])


def test_stack_inputs_not_picked_still_get_zero_gradients():
    """As in torch: a leaf reached only through an unpicked input gets zeros, not None."""

    def fn(lib, a, b):
        return (lib.stack([a * 2, b * 2], dim=0)[0] ** 2).sum()

    _run(fn, 2, [(2, 3), (2, 3)])


def test_stack_of_rnn_steps_last_output_matches_torch():
    """The sequence-classifier pattern out[:, -1] on an LSTM: every weight's gradient."""
    import nn

    ag.manual_seed(0)
    ours = nn.LSTM(3, 4, batch_first=True).double()
    theirs = torch.nn.LSTM(3, 4, batch_first=True).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 7, 3))
    (ours(ag.from_numpy(x))[0][:, -1] ** 2).sum().backward()
    (theirs(torch.tensor(x))[0][:, -1] ** 2).sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_hooks_and_retain_grad_see_dense_gradients():
    """A hook on a stack's output sees an ordinary tensor, not a lazy gradient."""
    a = ag.randn(2, 3, dtype=ag.float64, requires_grad=True)
    s = ag.stack([a, a * 2], dim=0)
    s.retain_grad()
    seen = []
    s.register_hook(lambda g: seen.append(g))
    s[1].sum().backward()
    assert isinstance(seen[0], ag.Tensor) and seen[0].shape == (2, 2, 3)
    np.testing.assert_array_equal(s.grad.numpy()[0], 0.0)
    np.testing.assert_array_equal(a.grad.numpy(), 2.0)


def test_create_graph_through_lazy_paths_gives_second_derivatives():
    w = ag.from_numpy(np.array([[0.3, -0.2], [0.1, 0.4]])).requires_grad_()
    x = ag.from_numpy(np.array([[1.0, 2.0]]))
    h = x
    for _ in range(3):
        h = ag.tanh(h @ w)
    (g,) = ag.grad(ag.stack([h, h * 2], dim=0)[0].sum(), w, create_graph=True)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    th = torch.tensor(x.numpy())
    for _ in range(3):
        th = torch.tanh(th @ tw)
    (tg,) = torch.autograd.grad(th.sum(), tw, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10)
    (g.sum()).backward()
    tg.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-10)


def test_contiguous_copies_only_what_is_not_contiguous():
    a = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
    assert a.contiguous() is a
    t = a.t()
    c = t.contiguous()
    assert c is not t and c.data.flags.c_contiguous and not t.data.flags.c_contiguous
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert c.grad_fn.name == "CloneBackward"
    (c * ag.from_numpy(np.arange(12.0).reshape(4, 3))).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.arange(12.0).reshape(4, 3).T)


@pytest.mark.parametrize("op", ["addmm", "matmul"])
@pytest.mark.parametrize("steps", [1, 4])
def test_products_with_a_contiguous_copy_of_a_transposed_weight_match_torch(op, steps):
    """h @ W.t().contiguous(), a recurrent layer's form: the backward multiplies by W itself
    (the copy remembers it); every gradient equals torch's, W's comes out contiguous."""

    def fn(lib, x, w, b):
        wt = w.t().contiguous()
        h, total = x, 0
        for _ in range(steps):
            h = lib.tanh(lib.addmm(b, h, wt) if op == "addmm" else h @ wt + b)
            total = total + (h * h).sum()
        return total

    _run(fn, 3, [(2, 5), (5, 5), (5,)])
    w = ag.from_numpy(np.random.default_rng(3).standard_normal((5, 5))).requires_grad_()
    fn(ag, ag.ones(2, 5, dtype=ag.float64), w, ag.zeros(5, dtype=ag.float64)).backward()
    assert w.grad.data.flags.c_contiguous


def test_a_weight_changed_in_place_after_its_transposed_copy_uses_the_copy_like_torch():
    """The copy's remembered source is used only while the weight is unchanged: after an
    in-place change between forward and backward, the backward multiplies by the copy's
    values (what forward used), as torch's saved copy does."""
    rng = np.random.default_rng(4)
    x_np, w_np = rng.standard_normal((2, 3)), rng.standard_normal((3, 3))

    def run(lib, make):
        x, w = make(x_np), make(w_np)
        y = lib.addmm(make(np.zeros(3)), x, w.t().contiguous())
        with lib.no_grad():
            w.mul_(2.0)
        y.sum().backward()
        return x.grad.numpy()

    ours = run(ag, lambda a: ag.from_numpy(a.copy()).requires_grad_())
    theirs = run(torch, lambda a: torch.tensor(a, requires_grad=True))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ours, np.ones((2, 3)) @ w_np, rtol=1e-12)  # old W, not 2 W


@pytest.mark.parametrize("positions", [
    [3, 2, 1, 0],      # every position, as an RNN's steps: written out without a zero fill
    [2, 0],            # some: the others stay zero
    [1, -3, 2, 0, 3],  # every position, one of them twice (-3 is 1): summed
    [-1],              # one pick alone: a plain slice gradient
])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("also", ["nothing", "dense", "product", "stack"])
def test_picks_along_one_axis_sum_to_torchs_gradient(positions, axis, also):
    """x[t] or x[:, t] for several t (a sequence's steps): their gradients are kept apart
    and written out once (autograd_core.function.StepsGrad); with a dense use of x, a use in
    a product or a stack of the picks as well, every mix must equal torch's gradient."""

    def fn(lib, x, w):
        total = 0
        picks = []
        for i, t in enumerate(positions):
            p = x[:, t] if axis else x[t]
            picks.append(p)
            total = total + (lib.tanh(p) * w * (i + 1)).sum()
        if also == "dense":
            total = total + (x * x).sum()
        elif also == "product":
            total = total + (x.reshape(16, 3) @ w.t()).sum()
        elif also == "stack":
            total = total + (lib.stack(picks, dim=1)[:, -1] ** 2).sum()
        return total

    _run(fn, 2, [(4, 4, 3), (4, 3)])


@pytest.mark.parametrize("in_place_min", [0, None])
def test_in_place_backward_formulas_match_torch(in_place_min, monkeypatch):
    """relu, where, sigmoid and tanh fill one new array in place for large gradients (the
    plain formulas below _IN_PLACE_MIN): both paths give torch's first derivatives, and
    second derivatives (create_graph runs on Tensors) are unchanged."""
    if in_place_min is not None:
        monkeypatch.setattr(elementwise, "_IN_PLACE_MIN", in_place_min)

    def fn(lib, x, y):
        r = lib.relu(x) * y
        w = lib.where(x > 0.3, lib.sigmoid(r), lib.tanh(y))
        return (w * w).sum() + (lib.tanh(r) * lib.sigmoid(y)).sum()

    _run(fn, 2, [(5, 7), (5, 7)])
    x = ag.from_numpy(np.random.default_rng(9).standard_normal((5, 7))).requires_grad_()
    (g,) = ag.grad(fn(ag, x, x * 2).sum(), x, create_graph=True)
    tx = torch.tensor(x.numpy(), requires_grad=True)
    (tg,) = torch.autograd.grad(fn(torch, tx, tx * 2).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10)
    (gg,) = ag.grad(g.sum(), x)
    (tgg,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-9, atol=1e-12)
