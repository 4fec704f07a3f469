"""optim: every optimizer's trajectory equals torch.optim's step for step in float64,
state dicts that round-trip through ag.save, PyTorch's errors, and convergence."""

import itertools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from optim import lr_scheduler

# --- a fixed nonlinear loss, written once for both libraries ---
_rng = np.random.default_rng(0)
INIT = {name: _rng.normal(size=shape) for name, shape in
        [("a", (3, 4)), ("b", (4,)), ("c", (2, 3)), ("sometimes", (5,)), ("never", (2,))]}
SCALE = np.linspace(0.5, 8.0, 12).reshape(3, 4)  # uneven curvature


def _loss(lib, p, scale, step):
    """`sometimes` gets a gradient on even steps only; `never` never gets one."""
    a, b, c = p["a"], p["b"], p["c"]
    loss = (0.5 * scale * a * a).sum() + lib.sin(3 * a).sum() + lib.tanh(a @ b).sum()
    loss = loss + 0.5 * (b * b).sum() + 0.1 * (c**4).sum() + lib.cos(c).sum()
    loss = loss + c.sum() * a.mean()
    if step % 2 == 0:
        s = p["sometimes"]
        loss = loss + ((s - 1) ** 2).sum() + lib.sin(s).sum()
    return loss


def _groups(p, second):
    return [{"params": [p["a"], p["b"], p["never"]]},
            dict(second, params=[p["c"], p["sometimes"]])]


def _ours(cls, options, second, steps=10):
    p = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in INIT.items()}
    scale = ag.tensor(SCALE, dtype=ag.float64)
    opt = getattr(optim, cls)(_groups(p, second), **options)
    trajectory = []
    for t in range(steps):
        opt.zero_grad()
        _loss(ag, p, scale, t).backward()
        opt.step()
        trajectory.append({k: v.data.copy() for k, v in p.items()})
    return trajectory, opt


def _theirs(torch, cls, options, second, steps=10):
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in INIT.items()}
    scale = torch.tensor(SCALE, dtype=torch.float64)
    opt = getattr(torch.optim, cls)(_groups(p, second), **options)
    trajectory = []
    for t in range(steps):
        opt.zero_grad()
        _loss(torch, p, scale, t).backward()
        opt.step()
        trajectory.append({k: v.detach().numpy().copy() for k, v in p.items()})
    return trajectory, opt


def _assert_same_run(torch, cls, options, second):
    ours, opt = _ours(cls, options, second)
    theirs, topt = _theirs(torch, cls, options, second)
    for t, (mine, ref) in enumerate(zip(ours, theirs)):
        for name in INIT:
            np.testing.assert_allclose(mine[name], ref[name], rtol=1e-12, atol=1e-12,
                                       err_msg=f"{cls} {options} step {t + 1}, {name}")
    np.testing.assert_array_equal(ours[-1]["never"], INIT["never"])
    # the state dict maps onto torch's: same indices, buffer names and values
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(i for i, s in tsd["state"].items() if s)
    for i, state in sd["state"].items():
        assert sorted(state) == sorted(tsd["state"][i])
        for key, value in state.items():
            np.testing.assert_allclose(value.data, tsd["state"][i][key].numpy(), rtol=1e-12,
                                       atol=1e-12, err_msg=f"{cls} state {i} {key}")
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group == {k: tgroup[k] for k in group}


# --- trajectories equal torch's ---
_SGD = [dict(momentum=m, dampening=d, nesterov=n, weight_decay=w, maximize=x)
        for m, d, n, w, x in itertools.product([0, 0.9], [0, 0.3], [False, True], [0, 0.1],
                                               [False, True])
        if not n or (m > 0 and d == 0)]


@pytest.mark.parametrize("options", _SGD, ids=str)
def test_sgd_trajectory_equals_torch(torch, options):
    _assert_same_run(torch, "SGD", dict(options, lr=0.01), {"lr": 0.03, "weight_decay": 0.05})


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
@pytest.mark.parametrize("amsgrad, weight_decay", list(itertools.product([False, True], [0, 0.1])))
def test_adam_trajectory_equals_torch(torch, cls, amsgrad, weight_decay):
    # the second group's beta1 = 0.3 takes lerp's other branch (weight 0.7 >= 0.5)
    _assert_same_run(torch, cls, dict(lr=0.01, amsgrad=amsgrad, weight_decay=weight_decay),
                     {"lr": 0.02, "betas": (0.3, 0.9), "eps": 1e-6})


@pytest.mark.parametrize("centered, momentum, weight_decay",
                         list(itertools.product([False, True], [0, 0.9], [0, 0.1])))
def test_rmsprop_trajectory_equals_torch(torch, centered, momentum, weight_decay):
    _assert_same_run(torch, "RMSprop", dict(lr=0.01, centered=centered, momentum=momentum,
                                            weight_decay=weight_decay),
                     {"lr": 0.005, "alpha": 0.4, "eps": 1e-4})


@pytest.mark.parametrize("lr_decay, initial_accumulator_value, weight_decay",
                         list(itertools.product([0, 0.1], [0, 0.5], [0, 0.1])))
def test_adagrad_trajectory_equals_torch(torch, lr_decay, initial_accumulator_value,
                                         weight_decay):
    _assert_same_run(torch, "Adagrad",
                     dict(lr=0.1, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value),
                     {"lr": 0.05, "eps": 1e-6, "initial_accumulator_value": 0.2})


@pytest.mark.parametrize("cls", ["Adagrad", "RMSprop", "Adam", "AdamW"])
def test_maximize_equals_torch(torch, cls):
    _assert_same_run(torch, cls, dict(lr=0.01, maximize=True, weight_decay=0.1), {"lr": 0.02})


@settings(max_examples=15)
@given(lr=st.floats(1e-4, 0.5), beta1=st.floats(0.0, 0.99), beta2=st.floats(0.5, 0.9999),
       eps=st.floats(1e-10, 1e-2), weight_decay=st.floats(0.0, 0.5), amsgrad=st.booleans(),
       cls=st.sampled_from(["Adam", "AdamW"]))
def test_adam_equals_torch_for_drawn_hyperparameters(torch, lr, beta1, beta2, eps, weight_decay,
                                                     amsgrad, cls):
    """Drawn hyperparameters reach chaotic corners (lr 0.39 with betas (0, 0.5) grew a
    last-bit difference tenfold a step, to 1e-12 by step 9), so here both optimizers step
    in lockstep: before each step our parameters are set to torch's, and each step's result
    must agree to 1e-12 (the update rule exactly, with no amplification by the run)."""
    options = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
                   amsgrad=amsgrad)
    p = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in INIT.items()}
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in INIT.items()}
    opt = getattr(optim, cls)(_groups(p, {}), **options)
    topt = getattr(torch.optim, cls)(_groups(tp, {}), **options)
    _lockstep(torch, opt, topt, p, tp, 10, f"{cls} {options}")


def _lockstep(torch, opt, topt, p, tp, steps, label):
    """Step ours and torch's optimizers side by side, our parameters set to torch's before
    each step, and compare every step at 1e-12: a last-bit difference cannot grow."""
    scale, tscale = ag.tensor(SCALE, dtype=ag.float64), torch.tensor(SCALE, dtype=torch.float64)
    for t in range(steps):
        for k in INIT:
            p[k].data[...] = tp[k].detach().numpy()
        opt.zero_grad()
        topt.zero_grad()
        _loss(ag, p, scale, t).backward()
        _loss(torch, tp, tscale, t).backward()
        opt.step()
        topt.step()
        for k in INIT:
            np.testing.assert_allclose(p[k].data, tp[k].detach().numpy(), rtol=1e-12,
                                       atol=1e-12, err_msg=f"{label} step {t + 1}, {k}")


@settings(max_examples=15)
@given(lr=st.floats(1e-4, 0.1), momentum=st.floats(0.0, 0.99), dampening=st.floats(0.0, 1.0),
       weight_decay=st.floats(0.0, 0.5), nesterov=st.booleans())
def test_sgd_equals_torch_for_drawn_hyperparameters(torch, lr, momentum, dampening,
                                                    weight_decay, nesterov):
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    options = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                   nesterov=nesterov)
    _assert_same_run(torch, "SGD", options, {})


def test_float32_parameters_stay_float32_in_place():
    p = ag.tensor([1.0, -2.0], requires_grad=True)
    array = p.data
    for opt in [optim.SGD([p], lr=0.1, momentum=0.9), optim.Adam([p]), optim.AdamW([p]),
                optim.RMSprop([p], centered=True, momentum=0.5), optim.Adagrad([p])]:
        (p * p).sum().backward()
        opt.step()
        p.grad = None
        assert p.data is array and p.data.dtype == np.float32
        assert all(v.dtype == (ag.float32) for v in opt.state[p].values())


# --- state dicts round-trip through ag.save ---
def _model():
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))


_X = np.random.default_rng(1).normal(size=(16, 3))
_Y = np.random.default_rng(2).normal(size=(16, 2))


def _train(model, opt, sched, steps):
    x, y = ag.tensor(_X), ag.tensor(_Y)
    for _ in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()
        sched.step()


_ROUND_TRIPS = {
    "adam-amsgrad-steplr": (lambda ps: optim.Adam(ps, lr=0.05, amsgrad=True, weight_decay=0.01),
                            lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5)),
    "sgd-momentum-onecycle": (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                              lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=20)),
    "rmsprop-centered-steplr": (lambda ps: optim.RMSprop(ps, lr=0.01, centered=True,
                                                         momentum=0.5),
                                lambda o: lr_scheduler.StepLR(o, step_size=3)),
    "adamw-onecycle-three-phase": (lambda ps: optim.AdamW(ps, lr=0.01),
                                   lambda o: lr_scheduler.OneCycleLR(
                                       o, max_lr=0.05, total_steps=20, three_phase=True,
                                       anneal_strategy="linear")),
    "adagrad-steplr": (lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01),
                       lambda o: lr_scheduler.StepLR(o, step_size=5)),
}


@pytest.mark.parametrize("case", list(_ROUND_TRIPS))
def test_state_dict_round_trip_through_save_continues_bit_identically(tmp_path, case):
    make_opt, make_sched = _ROUND_TRIPS[case]
    ag.manual_seed(1)
    model = _model()
    opt = make_opt(model.parameters())
    sched = make_sched(opt)
    _train(model, opt, sched, 20)
    expected = {k: v.data.copy() for k, v in model.state_dict().items()}

    ag.manual_seed(1)
    model = _model()
    opt = make_opt(model.parameters())
    sched = make_sched(opt)
    _train(model, opt, sched, 10)
    path = tmp_path / "checkpoint.safetensors"
    ag.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict()}, path)
    lrs_at_save = sched.get_last_lr()

    ag.manual_seed(2)  # a different initialisation, overwritten by the checkpoint
    model = _model()
    opt = make_opt(model.parameters())
    sched = make_sched(opt)
    checkpoint = ag.load(path)
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    assert sched.get_last_lr() == lrs_at_save
    _train(model, opt, sched, 10)
    for name, value in model.state_dict().items():
        assert value.data.tobytes() == expected[name].tobytes(), name


def test_load_state_dict_copies_buffers_and_casts_them_to_the_parameter_dtype():
    p = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    opt = optim.Adam([p])
    p.grad = ag.tensor([0.5, -0.5], dtype=ag.float64)
    opt.step()
    sd = opt.state_dict()
    fresh = optim.Adam([p], lr=0.5)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == 1e-3 and fresh.param_groups[0]["params"][0] is p
    state = fresh.state[p]
    assert state["exp_avg"] is not opt.state[p]["exp_avg"]
    assert state["exp_avg"].dtype == ag.float64 and state["step"].dtype == ag.float32
    state["exp_avg"].data[...] = 7  # no aliasing with the source
    assert opt.state[p]["exp_avg"].data[0] != 7


def test_load_state_dict_rejects_mismatched_groups():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    sd = optim.SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a]).load_state_dict(sd)


def test_state_dict_numbers_parameters_like_torch(torch):
    ours = [ag.zeros(2, requires_grad=True) for _ in range(3)]
    theirs = [torch.zeros(2, requires_grad=True) for _ in range(3)]
    sd = optim.SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.5}], lr=0.1).state_dict()
    tsd = torch.optim.SGD([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.5}],
                          lr=0.1).state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in
                                                         tsd["param_groups"]]
    assert sd["param_groups"][1]["lr"] == 0.5 and list(sd["param_groups"][1])[-1] == "params"


# --- construction errors ---
_P = ag.zeros(2, requires_grad=True)
_ERRORS = [
    (optim.SGD, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.SGD, dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    (optim.SGD, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.SGD, dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1),
     "Nesterov momentum requires a momentum and zero dampening"),
    (optim.Adam, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.Adam, dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (optim.Adam, dict(eps=-1), "Invalid epsilon value: -1"),
    (optim.Adam, dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (optim.AdamW, dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (optim.AdamW, dict(lr=-1e-3), "Invalid learning rate: -0.001"),
    (optim.RMSprop, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.RMSprop, dict(eps=-1), "Invalid epsilon value: -1"),
    (optim.RMSprop, dict(momentum=-1), "Invalid momentum value: -1"),
    (optim.RMSprop, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.RMSprop, dict(alpha=-0.5), "Invalid alpha value: -0.5"),
    (optim.Adagrad, dict(lr=-0.1), "Invalid learning rate: -0.1"),
    (optim.Adagrad, dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    (optim.Adagrad, dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    (optim.Adagrad, dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    (optim.Adagrad, dict(eps=-1), "Invalid epsilon value: -1"),
]


@pytest.mark.parametrize("cls, options, message", _ERRORS, ids=lambda x: str(x)[:40])
def test_invalid_hyperparameters_raise_torchs_message(torch, cls, options, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        cls([_P], **options)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.optim, cls.__name__)([torch.zeros(2, requires_grad=True)], **options)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop,
                                 optim.Adagrad])
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls([])
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        cls(iter(()))


def test_parameter_in_two_groups_raises():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)
    message = "^some parameters appear in more than one parameter group$"
    with pytest.raises(ValueError, match=message):
        optim.SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1)
    opt = optim.Adam([a])
    with pytest.raises(ValueError, match=message):
        opt.add_param_group({"params": a})
    assert len(opt.param_groups) == 1


def test_param_arguments_are_checked():
    a = ag.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(a)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD({a})
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is int"):
        optim.SGD([a, 3])
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([a * 2])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([a]).add_param_group([a])


def test_add_param_group_fills_defaults_and_state():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["params"] == [b]
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[1]["momentum"] == 0.9
    # as torch: a group's own initial_accumulator_value is ignored; a late group's state
    # is made at its first step
    ada = optim.Adagrad([a], initial_accumulator_value=0.1)
    ada.add_param_group({"params": [b], "initial_accumulator_value": 0.3})
    assert b not in ada.state
    b.grad = ag.zeros(3)
    ada.step()
    np.testing.assert_array_equal(ada.state[b]["sum"].data, np.full(3, 0.1, np.float32))


def test_repr_lists_each_groups_options_sorted():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    group = ("    dampening: 0\n    differentiable: False\n    foreach: None\n    fused: None\n"
             "    lr: {}\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n"
             "    weight_decay: 0\n")
    assert repr(opt) == ("SGD (\nParameter Group 0\n" + group.format(0.1) + "\n"
                         "Parameter Group 1\n" + group.format(0.5) + ")")
    torch = pytest.importorskip("torch")
    tw = [torch.zeros(2, requires_grad=True) for _ in range(2)]
    assert repr(opt) == repr(torch.optim.SGD([{"params": [tw[0]]}, {"params": [tw[1]],
                                                                     "lr": 0.5}],
                                             lr=0.1, momentum=0.9))
    assert repr(optim.Adam([a])).startswith("Adam (\nParameter Group 0\n    amsgrad: False\n"
                                            "    betas: (0.9, 0.999)\n")


# --- gradients, closures, skipped parameters ---
def test_zero_grad_sets_to_none_or_zeros_in_place():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1)
    (a * a).sum().backward()
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and np.all(a.grad.data == 0) and b.grad is None
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_with_closure_returns_its_loss_and_uses_its_gradients():
    a = ag.tensor([1.0, -2.0], dtype=ag.float64, requires_grad=True)
    opt = optim.SGD([a], lr=0.25)
    calls = []

    def closure():
        calls.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # the closure still runs with grad enabled
        loss = opt.step(closure)
    assert calls == [True] and loss.item() == 5.0
    np.testing.assert_array_equal(a.data, [0.5, -1.0])  # a - 0.25 * 2a
    assert opt.step() is None


def test_parameters_without_grad_are_skipped_and_get_no_state():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    for opt in [optim.SGD([a, b], lr=0.1, momentum=0.9, weight_decay=0.1),
                optim.Adam([a, b], weight_decay=0.1), optim.AdamW([a, b]),
                optim.RMSprop([a, b], momentum=0.9, weight_decay=0.1)]:
        (a * 3).sum().backward()
        opt.step()
        a.grad = None
        assert b.data[0] == 2.0 and b not in opt.state
    assert sorted(optim.Adagrad([a, b]).state_dict()["state"]) == [0, 1]  # made eagerly


def test_updates_are_in_place_and_not_recorded():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    array = a.data
    opt = optim.Adam([a], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert a.data is array and a.grad_fn is None and a.is_leaf


# --- convergence ---
def _rosenbrock(p):
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _quadratic(p):
    # condition number 100, minimum at (1, -2)
    return 0.5 * (1.0 * (p[0] - 1) ** 2 + 100.0 * (p[1] + 2) ** 2)


@pytest.mark.parametrize("fn, minimum, make, steps, factor", [
    (_rosenbrock, (1, 1), lambda p: optim.Adam([p], lr=0.05), 1500, 1e-3),
    (_rosenbrock, (1, 1), lambda p: optim.AdamW([p], lr=0.05, weight_decay=1e-4), 1500, 1e-2),
    (_rosenbrock, (1, 1), lambda p: optim.Adam([p], lr=0.05, amsgrad=True), 1500, 1e-2),
    (_rosenbrock, (1, 1), lambda p: optim.RMSprop([p], lr=1e-3, momentum=0.9), 2000, 1e-2),
    (_rosenbrock, (1, 1), lambda p: optim.SGD([p], lr=1e-3, momentum=0.9), 2000, 1e-2),
    (_quadratic, (1, -2), lambda p: optim.SGD([p], lr=0.01), 1000, 1e-3),
    (_quadratic, (1, -2), lambda p: optim.SGD([p], lr=0.005, momentum=0.9, nesterov=True),
     300, 1e-6),
    (_quadratic, (1, -2), lambda p: optim.Adagrad([p], lr=0.5), 300, 1e-3),
    (_quadratic, (1, -2), lambda p: optim.RMSprop([p], lr=0.01, centered=True), 400, 1e-2),
], ids=["adam", "adamw", "amsgrad", "rmsprop-rosenbrock", "sgd-momentum-rosenbrock", "sgd",
        "sgd-nesterov", "adagrad", "rmsprop-centered"])
def test_optimizer_drives_distance_to_minimum_down(fn, minimum, make, steps, factor):
    p = ag.tensor([-1.5, 2.0], dtype=ag.float64, requires_grad=True)
    minimum = np.array(minimum, dtype=np.float64)
    start = np.linalg.norm(p.data - minimum)
    opt = make(p)
    for _ in range(steps):
        opt.zero_grad()
        fn(p).backward()
        opt.step()
    assert np.linalg.norm(p.data - minimum) < factor * start


# --- Adam's decoupled_weight_decay (torch 2.x: True makes Adam behave as AdamW) ---
@pytest.mark.parametrize("amsgrad, weight_decay", list(itertools.product([False, True],
                                                                         [0, 0.1, 0.5])))
def test_adam_decoupled_weight_decay_trajectory_equals_torch(torch, amsgrad, weight_decay):
    # the second group turns decoupling off again, per group as torch reads it
    _assert_same_run(torch, "Adam", dict(lr=0.01, amsgrad=amsgrad, weight_decay=weight_decay,
                                         decoupled_weight_decay=True),
                     {"lr": 0.02, "weight_decay": 0.2, "decoupled_weight_decay": False})


def test_adam_decoupled_weight_decay_steps_in_lockstep_with_torch_adamw(torch):
    """Adam(decoupled_weight_decay=True) against torch's AdamW, step by step: each step
    starts from torch's parameters and must agree to 1e-12."""
    options = dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.3, amsgrad=True)
    p = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in INIT.items()}
    tp = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in INIT.items()}
    opt = optim.Adam(_groups(p, {}), decoupled_weight_decay=True, **options)
    topt = torch.optim.AdamW(_groups(tp, {}), **options)
    _lockstep(torch, opt, topt, p, tp, 8, "Adam(decoupled_weight_decay=True) vs AdamW")


def test_adam_decoupled_weight_decay_differs_from_l2(torch):
    ours = [_ours("Adam", dict(lr=0.01, weight_decay=0.5, decoupled_weight_decay=d), {})[0]
            for d in (False, True)]
    assert not np.allclose(ours[0][-1]["a"], ours[1][-1]["a"])


@pytest.mark.parametrize("cls", ["Adam", "AdamW"])
def test_adam_param_groups_hold_decoupled_weight_decay_as_torch(torch, cls):
    a, ta = ag.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    group, tgroup = (getattr(optim, cls)([a]).param_groups[0],
                     getattr(torch.optim, cls)([ta]).param_groups[0])
    assert group["decoupled_weight_decay"] is tgroup["decoupled_weight_decay"]
    assert set(group) == set(tgroup)  # the implementation switches included


def test_adamw_takes_no_decoupled_weight_decay_keyword_as_torch(torch):
    a = ag.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="decoupled_weight_decay"):
        torch.optim.AdamW([torch.zeros(2, requires_grad=True)], decoupled_weight_decay=False)
    with pytest.raises(TypeError, match="decoupled_weight_decay"):
        optim.AdamW([a], decoupled_weight_decay=False)
    with pytest.raises(TypeError):
        optim.Adam([a], 1e-3, (0.9, 0.999), 1e-8, 0, False, False, True)  # keyword-only


def test_adam_load_state_dict_fills_in_decoupled_weight_decay():
    """A state dict saved before the key existed loads as torch's __setstate__ does:
    Adam's groups default to False, AdamW's are always True."""
    a = ag.tensor([1.0, -2.0], requires_grad=True)
    for cls, expected in [(optim.Adam, False), (optim.AdamW, True)]:
        opt = cls([a], weight_decay=0.1)
        sd = opt.state_dict()
        del sd["param_groups"][0]["decoupled_weight_decay"]
        opt.load_state_dict(sd)
        assert opt.param_groups[0]["decoupled_weight_decay"] is expected
    adamw = optim.AdamW([a])
    sd = adamw.state_dict()
    sd["param_groups"][0]["decoupled_weight_decay"] = False
    adamw.load_state_dict(sd)
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True
    adam = optim.Adam([a], decoupled_weight_decay=True)
    adam.load_state_dict(adam.state_dict())
    assert adam.param_groups[0]["decoupled_weight_decay"] is True


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_constructors_take_torchs_arguments_and_groups_hold_torchs_keys(cls):
    """Same parameter names, defaults and kinds as torch's constructor (the implementation
    switches foreach, fused, capturable, differentiable included), and the same keys in
    every param group, so torch code and torch-shaped state dicts carry over."""
    import inspect

    torch = pytest.importorskip("torch")

    def sig(c):
        return [(p.name, p.default, p.kind)
                for p in inspect.signature(c.__init__).parameters.values()]

    assert sig(getattr(optim, cls)) == sig(getattr(torch.optim, cls))
    ours = getattr(optim, cls)([ag.zeros(2, requires_grad=True)])
    theirs = getattr(torch.optim, cls)([torch.zeros(2, requires_grad=True)])
    assert sorted(ours.param_groups[0]) == sorted(theirs.param_groups[0])
    with_foreach = getattr(optim, cls)([ag.zeros(2, requires_grad=True)], foreach=True)
    assert with_foreach.param_groups[0]["foreach"] is True


@pytest.mark.parametrize("cls, switch", [("SGD", "differentiable"), ("Adam", "capturable"),
                                         ("AdamW", "differentiable"),
                                         ("RMSprop", "capturable"),
                                         ("Adagrad", "differentiable")])
def test_switches_this_engine_cannot_honour_are_refused(cls, switch):
    with pytest.raises(ValueError, match=f"{cls}: {switch}=True"):
        getattr(optim, cls)([ag.zeros(2, requires_grad=True)], **{switch: True})
    with pytest.raises(TypeError, match="foreach must be None or a bool"):
        getattr(optim, cls)([ag.zeros(2, requires_grad=True)], foreach="yes")


def test_a_state_dict_without_the_switches_loads_with_their_defaults():
    w = ag.zeros(2, requires_grad=True)
    opt = optim.Adam([w], foreach=True)
    state = opt.state_dict()
    for group in state["param_groups"]:
        for key in ("foreach", "fused", "capturable", "differentiable"):
            del group[key]
    opt.load_state_dict(state)
    group = opt.param_groups[0]
    assert (group["foreach"], group["fused"], group["capturable"],
            group["differentiable"]) == (None, None, False, False)
