"""nn.Module, Parameter and the containers: registration, names, modes, state dicts,
printing, against PyTorch where it has an answer."""

from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn

RNG = np.random.default_rng(5)


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(4, 2)
        self.register_buffer("steps", ag.tensor(0))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def _torch_two_layer(torch):
    class T(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(3, 4)
            self.act = torch.nn.Tanh()
            self.fc2 = torch.nn.Linear(4, 2)
            self.register_buffer("steps", torch.tensor(0))
            self.register_buffer("scratch", torch.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))
    return T()


# --- registration and names ---

def test_attributes_register_parameters_children_and_buffers_in_order():
    m = TwoLayer()
    assert [n for n, _ in m.named_parameters()] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                    "fc2.bias"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "scratch"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())


def test_names_and_state_dict_keys_equal_torch(torch):
    ours, theirs = TwoLayer(), _torch_two_layer(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert a.shape == tuple(b.shape), k


def test_shared_module_and_parameter_are_listed_once():
    lin = nn.Linear(2, 2)
    m = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(m.parameters())) == 2
    assert [n for n, _ in m.named_modules()] == ["", "0", "1"]


def test_assigning_none_to_a_parameter_and_deleting():
    m = nn.Linear(2, 3)
    m.bias = None
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    assert "bias" in m.state_dict() or m.bias is None
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        m.weight = ag.zeros(3, 2)
    del m.weight
    assert list(m.parameters()) == []
    with pytest.raises(AttributeError, match="has no attribute 'weight'"):
        m.weight  # noqa: B018


def test_register_buffer_and_parameter_validate_names_and_types():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", ag.zeros(1))
    with pytest.raises(TypeError, match="Tensor or None required"):
        m.register_buffer("x", np.zeros(1))
    with pytest.raises(TypeError, match="nn.Parameter or None required"):
        m.register_parameter("w", ag.zeros(1))
    m.plain = 3
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", ag.zeros(1))


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_get_submodule_and_parameter():
    m = nn.Sequential(OrderedDict(enc=TwoLayer(), head=nn.Linear(2, 1)))
    assert m.get_submodule("enc.fc2") is m.enc.fc2
    assert m.get_parameter("enc.fc1.bias") is m.enc.fc1.bias
    with pytest.raises(AttributeError, match="no attribute `nope`"):
        m.get_submodule("enc.nope")


# --- modes, zero_grad, apply, dtype ---

def test_train_and_eval_propagate_to_every_descendant():
    m = nn.Sequential(TwoLayer(), nn.Dropout(0.5))
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    assert m.train(False) is m and not m[1].training


def test_dropout_is_identity_in_eval_and_scales_in_train():
    ag.manual_seed(0)
    d = nn.Dropout(0.25)
    x = ag.ones(1000)
    y = d(x).data
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert 0.18 < (y == 0).mean() < 0.32
    d.eval()
    assert d(x) is x


def test_zero_grad_sets_to_none_or_zero():
    m = TwoLayer()
    m(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_apply_visits_children_before_parent():
    m = TwoLayer()
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen == ["Linear", "Tanh", "Linear", "TwoLayer"]


def test_double_converts_in_place_keeping_parameter_objects():
    m = TwoLayer()
    w = m.fc1.weight
    m.double()
    assert m.fc1.weight is w and w.dtype == ag.float64
    assert m.steps.dtype == ag.int64  # integer buffers stay
    assert m(ag.randn(2, 3, dtype=ag.float64)).dtype == ag.float64


# --- forward records its module ---

def test_each_op_records_the_module_call_it_ran_in():
    m = nn.Sequential(OrderedDict(enc=TwoLayer(), head=nn.Linear(2, 1)))
    y = m(ag.randn(4, 3))
    head_add = y.grad_fn
    assert head_add.scope.module is m.head
    assert head_add.scope.qualified_name() == "head"
    # head's Linear is one Addmm node: (bias, the encoder's output, W^T)
    assert type(head_add).__name__ == "Addmm" and head_add.parents[0] is m.head.bias
    enc_out = head_add.parents[1]
    assert enc_out.scope.qualified_name() == "enc.fc2"
    assert [type(x).__name__ for x in enc_out.scope.path()] == ["Sequential", "TwoLayer",
                                                               "Linear"]
    z = ag.randn(2, requires_grad=True) * 2
    assert z.grad_fn.scope is None  # outside any module


# --- state dicts ---

def test_state_dict_shares_memory_and_is_detached():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert sd["weight"].grad_fn is None and not sd["weight"].requires_grad
    assert np.shares_memory(sd["weight"].data, m.weight.data)
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_round_trip_with_torch(torch):
    ours, theirs = TwoLayer(), _torch_two_layer(torch)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    fresh = TwoLayer()
    w = fresh.fc1.weight
    fresh.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert fresh.fc1.weight is w  # copied in place
    np.testing.assert_array_equal(fresh.fc1.weight.data, ours.fc1.weight.data)


def test_load_state_dict_strict_reports_every_problem_and_changes_nothing():
    m = TwoLayer()
    before = {k: v.data.copy() for k, v in m.state_dict().items()}
    sd = {k: ag.zeros(*v.shape) for k, v in m.state_dict().items()}
    del sd["fc2.bias"]
    sd["extra"] = ag.zeros(1)
    sd["fc1.weight"] = ag.zeros(3, 3)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith("Error(s) in loading state_dict for TwoLayer:")
    assert 'Missing key(s) in state_dict: "fc2.bias".' in msg
    assert 'Unexpected key(s) in state_dict: "extra".' in msg
    assert ("size mismatch for fc1.weight: copying a param with shape torch.Size([3, 3]) "
            "from checkpoint, the shape in current model is torch.Size([4, 3]).") in msg
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k])


def test_load_state_dict_non_strict_returns_the_key_lists():
    m = nn.Linear(2, 2)
    result = m.load_state_dict({"weight": ag.ones(2, 2), "junk": ag.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
    assert repr(m.load_state_dict(m.state_dict())) == "<All keys matched successfully>"
    assert (m.weight.data == 1).all()


def test_load_state_dict_error_wording_matches_torch(torch):
    ours, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    bad = {"weight": np.zeros((3, 3), np.float32)}
    with pytest.raises(RuntimeError) as ours_err:
        ours.load_state_dict(bad)
    with pytest.raises(RuntimeError) as theirs_err:
        theirs.load_state_dict({"weight": torch.zeros(3, 3)})
    assert str(ours_err.value) == str(theirs_err.value)


# --- containers ---

def test_sequential_indexing_slicing_len_and_iteration():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and s[-1] is layers[2] and list(s) == layers
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:]
    assert [n for n, _ in sub.named_children()] == ["1", "2"]  # keys kept, as in torch
    with pytest.raises(IndexError):
        s[3]
    del s[0]
    assert [n for n, _ in s.named_children()] == ["0", "1"]
    s.append(nn.Sigmoid())
    assert len(s) == 3 and isinstance(s[2], nn.Sigmoid)


def test_sequential_from_ordered_dict_runs_in_order():
    s = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.ReLU()))
    x = ag.randn(3, 2)
    np.testing.assert_allclose(s(x).data, np.maximum(s.first(x).data, 0))
    assert [n for n, _ in s.named_parameters()] == ["first.weight", "first.bias"]


def test_module_list_and_dict_register_their_members():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    ml.append(nn.Linear(1, 2))
    assert len(ml) == 4 and len(list(ml.parameters())) == 8
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md) == ["a", "b", "c"] and "b" in md
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    assert isinstance(md.pop("b"), nn.ReLU) and len(md) == 2


def test_repr_matches_torch(torch):
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.1),
                         nn.Sequential(nn.Linear(3, 1, bias=False), nn.Sigmoid()),
                         nn.LeakyReLU(0.2), nn.Softmax(dim=1), nn.Flatten(), nn.Identity())
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Sequential(torch.nn.Linear(3, 1, bias=False),
                                                     torch.nn.Sigmoid()),
                                 torch.nn.LeakyReLU(0.2), torch.nn.Softmax(dim=1),
                                 torch.nn.Flatten(), torch.nn.Identity())
    assert repr(ours) == repr(theirs)


def test_parameter_shares_data_and_prints_like_torch():
    t = ag.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert p.data is t.data and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(t, requires_grad=False).requires_grad


def test_a_saved_cnn_state_loads_into_the_same_torch_model_and_back(torch, tmp_path):
    from safetensors.torch import load_file, save_file

    def ours_model():
        return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2))

    def torch_model():
        T = torch.nn
        return T.Sequential(T.Conv2d(1, 3, 3, padding=1), T.BatchNorm2d(3), T.ReLU(),
                            T.MaxPool2d(2), T.Flatten(), T.Linear(12, 2))

    ours = ours_model()
    x = RNG.standard_normal((4, 1, 4, 4)).astype(np.float32)
    ours(ag.tensor(x))  # a training step moves BatchNorm's running stats and counter
    ag.save(ours.state_dict(), tmp_path / "cnn.safetensors")
    theirs = torch_model()
    theirs.load_state_dict(load_file(str(tmp_path / "cnn.safetensors")))
    assert int(theirs[1].num_batches_tracked) == 1
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(ag.tensor(x)).data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    save_file(theirs.state_dict(), str(tmp_path / "back.safetensors"))
    again = ours_model().eval()
    again.load_state_dict(ag.load(tmp_path / "back.safetensors"))
    np.testing.assert_array_equal(again(ag.tensor(x)).data, ours(ag.tensor(x)).data)


# --- against PyTorch: reassignment, shared modules, apply order, container operators ---

def _both(build):
    torch = pytest.importorskip("torch")
    return build(nn), build(torch.nn)


def test_reassigning_a_slot_keeps_its_place_like_torch():
    """s[0] = new, self.a = new and md['a'] = new keep the entry where it was (the order of
    parameters, state_dict keys, repr, and a Sequential's order of running)."""
    def build(lib):
        s = lib.Sequential(lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1))
        s[0] = lib.Linear(2, 3)
        ml = lib.ModuleList([lib.Linear(1, 1), lib.ReLU(), lib.Tanh()])
        ml[0] = lib.ELU()
        md = lib.ModuleDict({"a": lib.ReLU(), "b": lib.Tanh()})
        md["a"] = lib.Sigmoid()
        m = lib.Module()
        m.a = lib.Linear(1, 1)
        m.b = lib.Linear(1, 1)
        m.a = lib.Linear(1, 1)
        m.w = lib.Parameter(lib.Linear(1, 1).weight.detach())
        m.register_buffer("u", None)
        m.register_buffer("v", None)
        m.w = lib.Parameter(lib.Linear(1, 1).weight.detach())
        m.register_buffer("u", None, persistent=False)
        return s, ml, md, m

    (s, ml, md, m), (ts, tml, tmd, tm) = _both(build)
    assert list(s.state_dict()) == list(ts.state_dict()) == ["0.weight", "0.bias",
                                                            "2.weight", "2.bias"]
    assert s(ag.ones(4, 2)).shape == (4, 1)  # runs in order: a moved layer would not fit
    assert [type(x).__name__ for x in ml] == [type(x).__name__ for x in tml]
    assert list(md.keys()) == list(tmd.keys()) == ["a", "b"]
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(m._buffers) == list(tm._buffers)
    assert repr(s) == repr(ts)


def test_a_module_registered_under_two_names_is_saved_under_both_like_torch():
    torch = pytest.importorskip("torch")

    def build(lib):
        m = lib.Module()
        m.l = lib.Linear(2, 2)
        m.m = m.l
        return m

    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "l.weight", "l.bias", "m.weight", "m.bias"]
    # either side's file loads strictly into the other
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert len(list(ours.parameters())) == 2  # the parameters themselves are listed once
    assert len(list(ours.modules())) == 2
    assert len(list(ours.modules(remove_duplicate=False))) == 3


def test_apply_visits_children_first_in_registration_order_like_torch():
    def build(lib):
        inner = lib.Sequential(lib.Linear(1, 1), lib.ReLU())
        return lib.Sequential(inner, lib.Tanh(), lib.Sequential(lib.Sigmoid()))

    ours, theirs = _both(build)
    seen, tseen = [], []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen == ["Linear", "ReLU", "Sequential", "Tanh", "Sigmoid", "Sequential",
                             "Sequential"]


def test_container_operators_and_pop_like_torch():
    def build(lib):
        a = lib.Sequential(lib.Linear(2, 2), lib.ReLU())
        b = lib.Sequential(lib.Tanh())
        out = {"add": a + b, "mul": a * 2, "rmul": 2 * b}
        c = lib.Sequential(lib.Linear(2, 2), lib.ReLU(), lib.Tanh(), lib.Sigmoid())
        out["pop"] = c.pop(1)
        out["popped"] = c
        d = lib.Sequential(lib.Linear(2, 2))
        d += b
        out["iadd"] = d
        e = lib.Sequential(lib.ReLU(), lib.Tanh())
        e *= 2
        out["imul"] = e
        ml = lib.ModuleList([lib.ReLU(), lib.Tanh(), lib.ELU()])
        out["ml_pop"] = ml.pop(0)
        out["ml"] = ml
        out["ml_add"] = ml + lib.ModuleList([lib.Sigmoid()])
        return a, out

    (a, ours), (_, theirs) = _both(build)
    for key in ours:
        assert repr(ours[key]) == repr(theirs[key]), key
    # the same module objects, as in torch: a * 2 shares a's parameters
    assert ours["mul"][0] is ours["mul"][2] is a[0]
    assert len(list(ours["mul"].parameters())) == 2
    with pytest.raises(ValueError, match="Non-positive"):
        a * 0
    with pytest.raises(ValueError, match="Sequential"):
        a + nn.ModuleList([nn.ReLU()])


def test_module_list_repr_folds_runs_of_equal_modules_like_torch():
    def build(lib):
        return [lib.ModuleList([lib.ReLU(), lib.ReLU(), lib.Tanh(), lib.Linear(2, 2),
                                lib.Linear(2, 2), lib.Linear(2, 3), lib.ReLU()]),
                lib.ModuleList(), lib.ModuleList([lib.Sequential(lib.ReLU())] * 3)]

    ours, theirs = _both(build)
    for o, t in zip(ours, theirs):
        assert repr(o) == repr(t)
    assert "(0-1): 2 x ReLU()" in repr(ours[0])


def test_deleting_from_a_sequential_renumbers_like_torch():
    def build(lib):
        s = lib.Sequential(OrderedDict([("first", lib.ReLU()), ("second", lib.Tanh()),
                                        ("third", lib.Sigmoid())]))
        del s[1]
        return s

    ours, theirs = _both(build)
    assert list(ours._modules) == list(theirs._modules) == ["0", "1"]
