"""Module hooks (forward, forward pre, full backward and backward pre), the small Module
methods that go with them, and parametrizations (weight_norm, spectral_norm), against
PyTorch: call order, arguments, replacements, removal and state_dict keys."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn.module import register_module_forward_hook
from nn.utils import parametrize
from nn.utils.parametrizations import spectral_norm, weight_norm

RNG = np.random.default_rng(11)


def _copy_to_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.tensor(np.asarray(v.data))
                            for k, v in ours.state_dict().items()})
    return theirs


def _mlp(lib):
    return lib.Sequential(lib.Linear(3, 4), lib.Tanh(), lib.Linear(4, 2))


def _shape(g):
    return None if g is None else tuple(g.shape)


def _num(g):
    return None if g is None else np.asarray(g.detach().numpy(), dtype=np.float64)


def _close(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
        else:
            assert x == y


def _recorder(log):
    """Every kind of hook, each logging what it saw (kind, module class, shapes)."""
    def pre(m, args):
        log.append(("pre", type(m).__name__, tuple(_shape(a) for a in args)))

    def fwd(m, args, out):
        log.append(("fwd", type(m).__name__, _shape(out)))

    def bw_pre(m, grad_output):
        log.append(("bw_pre", type(m).__name__, tuple(_shape(g) for g in grad_output)))

    def bw(m, grad_input, grad_output):
        log.append(("bw", type(m).__name__, tuple(_shape(g) for g in grad_input),
                    tuple(_shape(g) for g in grad_output)))
        log.append(tuple(_num(g) for g in grad_input + grad_output))
    return pre, fwd, bw_pre, bw


def _hook_all(model, log):
    pre, fwd, bw_pre, bw = _recorder(log)
    for m in model.modules():
        m.register_forward_pre_hook(pre)
        m.register_forward_hook(fwd)
        m.register_full_backward_pre_hook(bw_pre)
        m.register_full_backward_hook(bw)


# --- forward and forward pre-hooks ---

def test_hooks_on_sequential_and_children_call_order_and_values_equal_torch(torch):
    ours = _mlp(nn)
    theirs = _copy_to_torch(torch, ours, _mlp(torch.nn))
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    logs = [], []
    _hook_all(ours, logs[0])
    _hook_all(theirs, logs[1])
    with warnings.catch_warnings():  # first layer's input needs no grad: torch warns too
        warnings.simplefilter("ignore")
        ours(ag.tensor(x)).pow(2).sum().backward()
        theirs(torch.tensor(x)).pow(2).sum().backward()
    assert [e[:2] for e in logs[0] if isinstance(e[0], str)][:8] == [
        ("pre", "Sequential"), ("pre", "Linear"), ("fwd", "Linear"), ("pre", "Tanh"),
        ("fwd", "Tanh"), ("pre", "Linear"), ("fwd", "Linear"), ("fwd", "Sequential")]
    assert len(logs[0]) == len(logs[1])
    for a, b in zip(*logs):
        _close(a, b)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_hooks_in_a_training_step_leave_the_step_unchanged(torch):
    import optim
    ours = _mlp(nn)
    plain = _mlp(nn)
    plain.load_state_dict(ours.state_dict())
    theirs = _copy_to_torch(torch, ours, _mlp(torch.nn))
    seen = []
    for m in ours:
        m.register_forward_hook(lambda m, a, o: seen.append(o.shape))
        m.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].shape))
    x, y = RNG.normal(size=(6, 3)).astype(np.float32), RNG.normal(size=(6, 2))
    y = y.astype(np.float32)
    for model in (ours, plain):
        opt = optim.SGD(model.parameters(), lr=0.1)
        for _ in range(2):
            opt.zero_grad()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nn.MSELoss()(model(ag.tensor(x)), ag.tensor(y)).backward()
            opt.step()
    opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        torch.nn.MSELoss()(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        opt.step()
    for p, q, r in zip(ours.parameters(), plain.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        np.testing.assert_allclose(p.data, r.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert len(seen) == 2 * 6


def test_forward_pre_hook_replaces_args_single_value_or_tuple(torch):
    for lib, t in ((nn, ag.tensor), (torch.nn, torch.tensor)):
        m = lib.Identity()
        h = m.register_forward_pre_hook(lambda mod, args: args[0] * 2)  # one value
        assert float(m(t(1.5))) == 3.0
        h.remove()
        h = m.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
        assert float(m(t(1.5))) == 2.5
        h.remove()
        assert float(m(t(1.5))) == 1.5


def test_forward_hook_replaces_output_and_prepend_orders_hooks():
    m, calls = nn.Identity(), []
    m.register_forward_hook(lambda mod, a, out: calls.append("a"))
    m.register_forward_hook(lambda mod, a, out: (calls.append("b"), out + 1)[1])
    m.register_forward_hook(lambda mod, a, out: calls.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a: calls.append("pre"))
    assert float(m(ag.tensor(1.0))) == 2.0
    assert calls == ["pre", "first", "a", "b"]


def test_hooks_with_kwargs(torch):
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    m, seen = Scale(), []

    def pre(mod, args, kwargs):
        seen.append(dict(kwargs))
        return args, {"factor": 10.0}

    def post(mod, args, kwargs, out):
        seen.append((dict(kwargs), float(out)))

    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(post, with_kwargs=True)
    assert float(m(ag.tensor(2.0), factor=3.0)) == 20.0
    assert seen == [{"factor": 3.0}, ({"factor": 10.0}, 20.0)]


def test_handle_remove_and_context_manager():
    m, calls = nn.Identity(), []
    with m.register_forward_hook(lambda *a: calls.append(1)):
        m(ag.tensor(1.0))
    m(ag.tensor(1.0))
    h = m.register_forward_pre_hook(lambda *a: calls.append(2))
    m(ag.tensor(1.0))
    h.remove()
    h.remove()  # twice is harmless
    m(ag.tensor(1.0))
    assert calls == [1, 2]
    assert not m._forward_hooks and not m._forward_pre_hooks


def test_forward_hook_always_call_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m, calls = Boom(), []
    m.register_forward_hook(lambda mod, a, out: calls.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, a, out: calls.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(ag.tensor(1.0))
    assert calls == [("always", None)]


def test_global_forward_hook_runs_on_every_module_before_their_own():
    calls = []
    m = nn.Sequential(nn.Identity())
    m[0].register_forward_hook(lambda mod, a, out: calls.append("own"))
    with register_module_forward_hook(lambda mod, a, out: calls.append(type(mod).__name__)):
        m(ag.tensor(1.0))
    m(ag.tensor(1.0))
    assert calls == ["Identity", "own", "Sequential", "own"]


# --- full backward hooks ---

class _TwoInTwoOut(nn.Module):
    """forward(a, scale, b) -> (a * b, a + 1, an int tensor)."""

    def forward(self, a, scale, b):
        return a * b * scale, a + 1, ag.tensor([1, 2])


class _TorchTwoInTwoOut:
    def __new__(cls, torch):
        class M(torch.nn.Module):
            def forward(self, a, scale, b):
                return a * b * scale, a + 1, torch.tensor([1, 2])
        return M()


def _log_backward(m, log):
    m.register_full_backward_pre_hook(
        lambda mod, go: log.append(("pre", tuple(_shape(g) for g in go))))
    m.register_full_backward_hook(
        lambda mod, gi, go: log.append(("bw", tuple(_shape(g) for g in gi),
                                        tuple(_shape(g) for g in go),
                                        tuple(_num(g) for g in gi))))


@pytest.mark.parametrize("b_requires_grad", [True, False])
@pytest.mark.parametrize("use_second_output", [True, False])
def test_backward_hooks_multiple_inputs_and_outputs_equal_torch(torch, b_requires_grad,
                                                                use_second_output):
    a = RNG.normal(size=(2, 3)).astype(np.float32)
    b = RNG.normal(size=(2, 3)).astype(np.float32)
    logs = [], []
    for t, m, log in ((ag.tensor, _TwoInTwoOut(), logs[0]),
                      (torch.tensor, _TorchTwoInTwoOut(torch), logs[1])):
        _log_backward(m, log)
        ta = t(a, requires_grad=True)
        tb = t(b, requires_grad=b_requires_grad)
        prod, plus, idx = m(ta, 2.0, tb)
        assert not idx.requires_grad
        loss = prod.sum() + (plus.pow(2).sum() if use_second_output else 0)
        loss.backward()
        log.append(_num(ta.grad))
    assert logs[0][0] == logs[1][0]
    assert logs[0][1][:3] == logs[1][1][:3]
    _close(logs[0][1][3], logs[1][1][3])
    np.testing.assert_allclose(logs[0][2], logs[1][2], rtol=1e-6)
    # what torch gives, spelled out: None for the float arg, the untouched and int outputs;
    # zeros (not None) for a Tensor input that does not require grad when another does
    go = ((2, 3), (2, 3) if use_second_output else None, None)
    assert logs[0][0] == ("pre", go)
    assert logs[0][1][1] == ((2, 3), None, (2, 3))
    if not b_requires_grad:
        assert not logs[0][1][3][2].any()


def test_backward_hook_replaces_grad_input_and_pre_hook_replaces_grad_output(torch):
    x = RNG.normal(size=(4, 3)).astype(np.float32)
    grads, ours = [], nn.Linear(3, 2)
    for lin, t in ((ours, ag.tensor), (_copy_to_torch(torch, ours, torch.nn.Linear(3, 2)),
                                        torch.tensor)):
        lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 3,))
        lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0 + 1,))
        xt = t(x, requires_grad=True)
        lin(xt).sum().backward()
        grads.append((_num(xt.grad), _num(lin.weight.grad)))
    np.testing.assert_array_equal(grads[0][0], np.ones((4, 3)))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_backward_hooks_run_again_after_retain_graph(torch):
    x = RNG.normal(size=(4, 3)).astype(np.float32)
    logs, ours = ([], []), nn.Sequential(nn.Linear(3, 3), nn.Sigmoid())
    theirs = _copy_to_torch(torch, ours, torch.nn.Sequential(torch.nn.Linear(3, 3),
                                                             torch.nn.Sigmoid()))
    for m, t, log in ((ours, ag.tensor, logs[0]), (theirs, torch.tensor, logs[1])):
        for child in m:
            child.register_full_backward_hook(
                lambda mod, gi, go, log=log: log.append(
                    (type(mod).__name__, _num(gi[0]).copy(), _num(go[0]).copy())))
        xt = t(x, requires_grad=True)
        y = m(xt).sum()
        y.backward(retain_graph=True)
        y.backward()
        log.append(_num(xt.grad))
    assert [e[0] for e in logs[0][:-1]] == ["Sigmoid", "Linear"] * 2
    assert len(logs[0]) == len(logs[1])
    for a, b in zip(*logs):
        _close(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,))


def test_input_without_grad_calls_full_hook_with_none_grad_input(torch):
    logs = [], []
    for lib, t, log in ((nn, ag.tensor, logs[0]), (torch.nn, torch.tensor, logs[1])):
        lin = lib.Linear(3, 2)
        lin.register_full_backward_hook(
            lambda m, gi, go, log=log: log.append((gi, _shape(go[0]))))
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            lin(t(np.ones((4, 3), np.float32))).sum().backward()
    assert logs[0] == logs[1] == [((None,), (4, 2))]


def test_vanishing_gradient_norms_per_layer_equal_torch(torch):
    """The classic diagnostic: each layer's output-gradient norm, recorded by full
    backward hooks on a deep sigmoid MLP, shrinks towards the input (and equals torch's)."""
    def deep(lib):
        layers = []
        for _ in range(6):
            layers += [lib.Linear(8, 8), lib.Sigmoid()]
        return lib.Sequential(*layers, lib.Linear(8, 1))

    ours = deep(nn)
    theirs = _copy_to_torch(torch, ours, deep(torch.nn))
    x = RNG.normal(size=(16, 8)).astype(np.float32)
    norms = {}, {}
    for model, t, store in ((ours, ag.tensor, norms[0]), (theirs, torch.tensor, norms[1])):
        for name, m in model.named_children():
            if type(m).__name__ == "Linear":
                m.register_full_backward_hook(
                    lambda mod, gi, go, name=name, store=store:
                    store.__setitem__(name, float(np.linalg.norm(_num(go[0])))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model(t(x)).pow(2).mean().backward()
    assert list(norms[0]) == list(norms[1])  # the same order: output layer first
    np.testing.assert_allclose(list(norms[0].values()), list(norms[1].values()), rtol=1e-4)
    first, last = norms[0]["0"], norms[0]["12"]
    assert first < last


def test_backward_hook_node_is_named_as_torch():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda *a: None)
    out = lin(ag.ones(1, 2, requires_grad=True))
    names, node = [], out.grad_fn
    while node is not None:
        names.append(node.name)
        node = node.next_functions[0][0] if node.next_functions else None
    assert any(n.startswith("BackwardHookFunctionBackward") for n in names)


def test_module_without_hooks_after_removal_gives_plain_graph():
    lin = nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda *a: None).remove()
    out = lin(ag.ones(1, 2, requires_grad=True))
    assert "BackwardHook" not in out.grad_fn.name


# --- errors from hooks ---

def test_backward_hook_returning_wrong_count_names_module_and_hook():
    lin = nn.Linear(3, 2)

    def two_grads(m, gi, go):
        return gi[0], gi[0]

    lin.register_full_backward_hook(two_grads)
    with pytest.raises(RuntimeError, match=r"backward hook '.*two_grads' of Linear.*invalid "
                                           r"number of grad_input, got 2, but expected 1"):
        lin(ag.ones(1, 3, requires_grad=True)).sum().backward()


def test_backward_hook_returning_a_tensor_not_a_tuple_raises_type_error():
    lin = nn.Linear(3, 2)

    def bare(m, gi, go):
        return gi[0]

    lin.register_full_backward_hook(bare)
    with pytest.raises(TypeError, match=r"backward hook '.*bare' of Linear returned a Tensor"):
        lin(ag.ones(1, 3, requires_grad=True)).sum().backward()


def test_backward_pre_hook_wrong_shape_and_count():
    lin = nn.Linear(3, 2)
    h = lin.register_full_backward_pre_hook(lambda m, go: (ag.ones(5),))
    with pytest.raises(RuntimeError, match=r"backward pre hook '.*' of Linear returned "
                                           r"grad_output\[0\] of shape \(5,\)"):
        lin(ag.ones(1, 3, requires_grad=True)).sum().backward()
    h.remove()
    lin.register_full_backward_pre_hook(lambda m, go: ())
    with pytest.raises(RuntimeError, match="invalid number of grad_output, got 0, but "
                                           "expected 1"):
        lin(ag.ones(1, 3, requires_grad=True)).sum().backward()


def test_forward_pre_hook_with_kwargs_bad_return():
    m = nn.Identity()

    def bad(mod, args, kwargs):
        return args

    m.register_forward_pre_hook(bad, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook '.*bad' of Identity: forward "
                                           r"pre-hook must return None or a tuple of "
                                           r"\(new_args, new_kwargs\)"):
        m(ag.ones(2))


def test_backward_hook_on_module_whose_input_needs_no_grad_must_return_none():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gi, go: (ag.ones(1, 3),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="where no input requires gradient should "
                                               "always return None"):
            lin(ag.ones(1, 3)).sum().backward()


def test_register_backward_hook_is_deprecated_alias():
    lin, calls = nn.Linear(3, 2), []
    with pytest.warns(DeprecationWarning):
        lin.register_backward_hook(lambda m, gi, go: calls.append(len(gi)))
    lin(ag.ones(1, 3, requires_grad=True)).sum().backward()
    assert calls == [1]


# --- small Module methods ---

def test_get_buffer_and_set_submodule(torch):
    for lib in (nn, torch.nn):
        m = lib.Sequential(lib.Linear(2, 2), lib.Sequential(lib.BatchNorm1d(2)))
        assert m.get_buffer("1.0.running_mean") is m[1][0].running_mean
        with pytest.raises(AttributeError, match="`weight` is not a buffer"):
            m.get_buffer("0.weight")
        with pytest.raises(AttributeError, match="has no attribute `nope`"):
            m.get_buffer("0.nope")
        new = lib.ReLU()
        m.set_submodule("1.0", new)
        assert m[1][0] is new
        m.set_submodule("1.extra", lib.Tanh())
        assert [n for n, _ in m.named_modules()][-1] == "1.extra"
        with pytest.raises(AttributeError, match="has no attribute `other`"):
            m.set_submodule("1.other", lib.Tanh(), strict=True)
        with pytest.raises(ValueError, match="without a target name"):
            m.set_submodule("", lib.Tanh())
        with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
            m.set_submodule("0.weight", lib.Tanh())


def test_cpu_returns_self_and_type_casts_parameters_and_buffers(torch):
    m = nn.BatchNorm1d(3)
    assert m.cpu() is m
    w = m.weight
    assert m.type(ag.float64) is m and m.weight is w
    t = torch.nn.BatchNorm1d(3).type(torch.float64)
    for (n, a), (k, b) in zip(m.state_dict().items(), t.state_dict().items()):
        assert n == k and str(a.dtype) == str(b.dtype).replace("torch.", "")
    m.type("torch.FloatTensor")
    assert m.weight.dtype == ag.float32 and m.running_mean.dtype == ag.float32


def test_state_dict_hooks(torch):
    logs = [], []
    for lib, log in ((nn, logs[0]), (torch.nn, logs[1])):
        m = lib.Sequential(lib.Linear(2, 2))
        m[0].register_state_dict_pre_hook(lambda mod, prefix, keep, log=log:
                                          log.append(("pre", prefix, keep)))

        def post(mod, sd, prefix, meta, log=log):
            log.append(("post", prefix, sorted(sd)))
            sd[prefix + "note"] = 1

        m[0].register_state_dict_post_hook(post)
        assert list(m.state_dict()) == ["0.weight", "0.bias", "0.note"]
    assert logs[0] == logs[1]


def test_load_state_dict_pre_and_post_hooks(torch):
    for lib, t in ((nn, ag.tensor), (torch.nn, torch.tensor)):
        m = lib.Sequential(lib.Linear(2, 2))
        seen = []

        def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors, seen=seen):
            seen.append(prefix)
            if prefix + "w" in sd:
                sd[prefix + "weight"] = sd.pop(prefix + "w")

        def forgive(mod, keys):
            keys.missing_keys.clear()

        m[0].register_load_state_dict_pre_hook(rename)
        m.register_load_state_dict_post_hook(forgive)
        given = {"0.w": t(np.full((2, 2), 3.0, np.float32))}
        result = m.load_state_dict(given)  # strict, but the post hook clears the missing bias
        assert seen == ["0."] and list(given) == ["0.w"]
        assert result.missing_keys == [] and result.unexpected_keys == []
        assert float(m[0].weight.detach().sum()) == 12.0


def test_extra_state_round_trips_under_torch_key(torch):
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    class TorchCounter(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(1, 1)

        def get_extra_state(self):
            return {}

    a, b = Counter(), Counter()
    a.count = 7
    sd = a.state_dict()
    assert list(sd) == list(TorchCounter().state_dict()) == ["_extra_state", "lin.weight",
                                                              "lin.bias"]
    b.load_state_dict(sd)
    assert b.count == 7
    sd.pop("_extra_state")
    with pytest.raises(RuntimeError, match='Missing key.*"_extra_state"'):
        b.load_state_dict(sd)


# --- parametrizations ---

def _wn_pair(torch, make_ours, make_theirs, **kw):
    ours = weight_norm(make_ours(), **kw)
    theirs = torch.nn.utils.parametrizations.weight_norm(make_theirs(), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_to_torch(torch, ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dim", [0, 1, None, -2])
def test_weight_norm_forward_grads_and_state_dict_equal_torch(torch, dim):
    ours, theirs = _wn_pair(torch, lambda: nn.Conv2d(2, 3, 3),
                            lambda: torch.nn.Conv2d(2, 3, 3), dim=dim)
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedConv2d"
    x = RNG.normal(size=(2, 2, 5, 5)).astype(np.float32)
    yo, yt = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    yo.pow(2).sum().backward()
    yt.pow(2).sum().backward()
    for (n, p), (k, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == k
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-4, atol=1e-5)
    po = ours.parametrizations.weight
    assert po.original0.shape == tuple(theirs.parametrizations.weight.original0.shape)


def test_weight_norm_state_dict_loads_into_torch_and_back(torch):
    ours = weight_norm(nn.Linear(4, 3))
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-6)
    back = weight_norm(nn.Linear(4, 3))
    back.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(back.weight.data, ours.weight.data, rtol=1e-6)


def test_weight_norm_loads_an_old_style_state_dict(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = nn.utils.weight_norm(nn.Linear(3, 2))
    new = weight_norm(nn.Linear(3, 2))
    new.load_state_dict(old.state_dict())
    np.testing.assert_allclose(new.weight.data, old.weight.data, rtol=1e-6)


def test_remove_parametrizations_leaves_the_value(torch):
    m = weight_norm(nn.Linear(3, 2))
    with ag.no_grad():
        m.parametrizations.weight.original0.mul_(2.0)
    w = m.weight.data.copy()
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and not parametrize.is_parametrized(m)
    assert isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(m.weight.data, w)
    assert list(m.state_dict()) == ["bias", "weight"]
    t = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2))
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert list(t.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(m, "weight")


def test_register_custom_parametrization_and_assignment(torch):
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(0, 1)

    m = nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", Symmetric())
    np.testing.assert_allclose(m.weight.data, m.weight.data.T)
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    m(ag.ones(1, 3)).sum().backward()
    g = m.parametrizations.weight.original.grad.data
    np.testing.assert_allclose(np.tril(g, -1), 0)  # only the upper triangle is used
    with parametrize.cached():
        assert m.weight is m.weight
    assert m.weight is not m.weight
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    assert not np.allclose(m.weight.data, m.weight.data.T)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a "
                                         "parametrized element with name 'nope'"):
        parametrize.register_parametrization(m, "nope", Symmetric())


def test_old_style_weight_norm_equals_torch(torch):
    with pytest.warns(FutureWarning):
        ours = nn.utils.weight_norm(nn.Linear(4, 3), dim=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3), dim=1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g",
                                                                   "weight_v"]
    _copy_to_torch(torch, ours, theirs)
    x = RNG.normal(size=(5, 4)).astype(np.float32)
    yo, yt = ours(ag.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ours.weight_g.grad.data, theirs.weight_g.grad.numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight_v.grad.data, theirs.weight_v.grad.numpy(),
                               rtol=1e-5, atol=1e-6)
    nn.utils.remove_weight_norm(ours)
    assert list(ours.state_dict()) == ["bias", "weight"] and not ours._forward_pre_hooks
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(ours)


def test_spectral_norm_equals_torch_from_its_state(torch):
    ours = spectral_norm(nn.Linear(5, 4))
    theirs = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(5, 4))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "bias", "parametrizations.weight.original", "parametrizations.weight.0._u",
        "parametrizations.weight.0._v"]
    ours.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = RNG.normal(size=(3, 5)).astype(np.float32)
    for train in (True, False):
        ours.train(train)
        theirs.train(train)
        yo, yt = ours(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.data,
                               theirs.parametrizations.weight.original.grad.numpy(),
                               rtol=1e-4, atol=1e-5)
    s = np.linalg.svd(ours.weight.data.astype(np.float64), compute_uv=False)[0]
    assert abs(s - 1) < 0.05


@pytest.mark.parametrize("name, shape", [("Conv1d", (2, 2, 6)), ("Conv2d", (2, 2, 5, 5))])
def test_spectral_norm_on_conv_runs_one_power_iteration_per_forward(torch, name, shape):
    # the conv reads its weight once per forward: _u, _v, outputs and grads stay torch's
    ours = spectral_norm(getattr(nn, name)(2, 3, 3).double())
    theirs = torch.nn.utils.parametrizations.spectral_norm(
        getattr(torch.nn, name)(2, 3, 3).double())
    ours.load_state_dict({k: ag.tensor(v.numpy(), dtype=ag.float64)
                          for k, v in theirs.state_dict().items()})
    for _ in range(3):
        x = RNG.normal(size=shape)
        xo, xt = ag.tensor(x, dtype=ag.float64, requires_grad=True), torch.tensor(
            x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        yo.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        for k in ("_u", "_v"):
            np.testing.assert_allclose(getattr(ours.parametrizations.weight[0], k).data,
                                       getattr(theirs.parametrizations.weight[0], k).numpy(),
                                       rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.data,
                               theirs.parametrizations.weight.original.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


def _parametrization_calls(lib, R, x):
    calls = []

    class Id(lib.Module):
        def forward(self, w):
            calls.append(1)
            return w * 1

    m = lib.Conv2d(2, 3, 3).double()
    R.register_parametrization(m, "weight", Id())
    R.register_parametrization(m, "bias", Id())
    calls.clear()
    m(x)
    return len(calls)


def test_conv_reads_each_parameter_once_per_forward(torch):
    x = np.zeros((1, 2, 4, 4))
    ours = _parametrization_calls(nn, parametrize, ag.tensor(x, dtype=ag.float64))
    theirs = _parametrization_calls(torch.nn, torch.nn.utils.parametrize, torch.tensor(x))
    assert ours == theirs == 2


@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_style_weight_norm_keeps_float64(torch, dim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        ours = nn.utils.weight_norm(nn.Linear(4, 3).double(), dim=dim)
        theirs = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3).double(), dim=dim)
    assert ours.weight_v.dtype == ours.weight_g.dtype == ag.float64
    assert theirs.weight_v.dtype == theirs.weight_g.dtype == torch.float64
    _copy_to_torch(torch, ours, theirs)
    x = RNG.normal(size=(5, 4))
    yo, yt = ours(ag.tensor(x, dtype=ag.float64)), theirs(torch.tensor(x))
    assert yo.dtype == ag.float64
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert ours.weight.dtype == ag.float64 and theirs.weight.dtype == torch.float64
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-12)


def test_deepcopy_of_a_parameter_drops_its_grad_as_torch(torch):
    import copy
    for lib, mk in ((nn, lambda a: ag.tensor(a, dtype=ag.float64)), (torch.nn, torch.tensor)):
        p = lib.Parameter(mk(np.array([1.0, 2.0])))
        p.grad = mk(np.array([5.0, 5.0]))
        frozen = lib.Parameter(mk(np.array([3.0])), requires_grad=False)
        a, b, c = copy.deepcopy([p, p, frozen])
        assert a is b and a is not p and type(a) is type(p)
        assert a.grad is None and p.grad is not None
        assert a.requires_grad and not c.requires_grad
        assert a.dtype == p.dtype
        np.testing.assert_array_equal(np.asarray(a.detach().tolist()), [1.0, 2.0])
        a.data[0] = 9.0  # a copy, not a view
        assert float(p.detach()[0]) == 1.0
