"""optim.lr_scheduler: every scheduler's learning rates (and OneCycleLR's momentum) equal
torch's over 30 epochs, state dicts round-trip through ag.save, and PyTorch's errors."""

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler


def _optimizer(lib, cls="SGD"):
    """Two groups with different lrs; lib is our optim or torch.optim."""
    if lib is optim:
        make = ag.zeros
    else:
        import torch  # the oracle, already imported by the fixture
        make = torch.zeros
    a, b = make(2, requires_grad=True), make(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if cls == "SGD":
        return lib.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(lib, cls)(groups, lr=0.1)


def _run(opt, sched, epochs, metrics=None):
    """(lrs, momenta) after construction and after each epoch's optimizer.step()."""
    def snapshot():
        return ([g["lr"] for g in opt.param_groups],
                [g.get("momentum", g.get("betas")) for g in opt.param_groups])

    history = [snapshot()]
    for epoch in range(epochs):
        opt.step()  # no gradients: a no-op, but in torch's required order
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        history.append(snapshot())
    return history


def _lambda_decay(epoch):
    return 0.95**epoch


_SCHEDULERS = {
    "step-3": ("StepLR", dict(step_size=3, gamma=0.5), "SGD"),
    "step-7": ("StepLR", dict(step_size=7), "Adam"),
    "multistep": ("MultiStepLR", dict(milestones=[2, 5, 5, 11], gamma=0.5), "SGD"),
    "multistep-default": ("MultiStepLR", dict(milestones=[10, 20]), "RMSprop"),
    "exponential": ("ExponentialLR", dict(gamma=0.9), "SGD"),
    "exponential-0.5": ("ExponentialLR", dict(gamma=0.5), "Adagrad"),
    "cosine-10": ("CosineAnnealingLR", dict(T_max=10), "SGD"),
    "cosine-7-eta": ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001), "Adam"),
    "cosine-30": ("CosineAnnealingLR", dict(T_max=30, eta_min=0.01), "SGD"),
    "lambda": ("LambdaLR", dict(lr_lambda=_lambda_decay), "SGD"),
    "lambda-list": ("LambdaLR", dict(lr_lambda=[lambda e: 1 / (e + 1), lambda e: 0.9**e]),
                    "AdamW"),
    "onecycle": ("OneCycleLR", dict(max_lr=1.0, total_steps=30), "SGD"),
    "onecycle-adam": ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=40), "Adam"),
    "onecycle-linear-three-phase": ("OneCycleLR", dict(max_lr=0.5, total_steps=30,
                                                       anneal_strategy="linear",
                                                       three_phase=True), "SGD"),
    "onecycle-three-phase-cos": ("OneCycleLR", dict(max_lr=[0.4, 0.2], total_steps=35,
                                                    three_phase=True, pct_start=0.2,
                                                    base_momentum=[0.8, 0.7],
                                                    max_momentum=0.99), "AdamW"),
    "onecycle-epochs": ("OneCycleLR", dict(max_lr=0.3, epochs=6, steps_per_epoch=5,
                                           pct_start=0.25, div_factor=10.0,
                                           final_div_factor=100.0, cycle_momentum=False),
                        "Adagrad"),
}


@pytest.mark.parametrize("case", list(_SCHEDULERS))
def test_lr_sequence_equals_torch(torch, case):
    name, options, cls = _SCHEDULERS[case]
    opt, topt = _optimizer(optim, cls), _optimizer(torch.optim, cls)
    ours = _run(opt, getattr(lr_scheduler, name)(opt, **options), 30)
    theirs = _run(topt, getattr(torch.optim.lr_scheduler, name)(topt, **options), 30)
    assert ours == theirs
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        for key in ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert group.get(key) == tgroup.get(key), key


_METRICS = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.9, 0.93, 0.85, 0.86, 0.86, 0.86, 0.87, 0.7,
            0.8, 0.8, 0.8, 0.8, 0.8, 0.69, 0.69, 0.69, 0.9, 0.9, 0.9, 0.9, 0.6, 0.6, 0.6, 0.6]

_PLATEAUS = {
    "default-patience-2": dict(patience=2),
    "max-mode": dict(mode="max", patience=1, factor=0.5),
    "abs-threshold": dict(threshold=0.05, threshold_mode="abs", patience=1),
    "rel-threshold-cooldown": dict(threshold=0.1, patience=0, cooldown=2, factor=0.5),
    "max-abs-min-lr-list": dict(mode="max", threshold_mode="abs", threshold=0.01, patience=0,
                                min_lr=[0.02, 0.01], factor=0.3),
    "min-lr-and-eps": dict(patience=0, factor=0.5, min_lr=0.01, eps=0.004),
}


@pytest.mark.parametrize("case", list(_PLATEAUS))
def test_reduce_lr_on_plateau_equals_torch(torch, case):
    options = _PLATEAUS[case]
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    sched = lr_scheduler.ReduceLROnPlateau(opt, **options)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **options)
    assert _run(opt, sched, 30, _METRICS) == _run(topt, tsched, 30, _METRICS)
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(sched, key) == getattr(tsched, key), key


def test_reduce_lr_on_plateau_takes_a_tensor_metric():
    opt = _optimizer(optim)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ag.tensor(1.0))
    sched.step(ag.tensor(2.0))
    assert sched.get_last_lr() == pytest.approx([0.01, 0.005])


def test_scheduler_sets_initial_lr_and_base_lrs():
    opt = _optimizer(optim)
    sched = lr_scheduler.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05] == sched.base_lrs
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.1, 0.05]
    opt.param_groups[0]["lr"] = 0.2  # a second scheduler keeps the first initial_lr
    assert lr_scheduler.ExponentialLR(opt, gamma=0.5).base_lrs == [0.1, 0.05]


def test_cosine_resumed_from_last_epoch_uses_the_closed_form(torch):
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"]
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, last_epoch=4)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=10, last_epoch=4)
    assert _run(opt, sched, 8) == _run(topt, tsched, 8)
    assert sched.get_last_lr()[0] == pytest.approx(0.05 * (1 + math.cos(math.pi * 13 / 10)))


# --- state dicts ---
@pytest.mark.parametrize("case", ["step-3", "multistep", "exponential", "cosine-7-eta",
                                  "lambda", "onecycle-adam", "onecycle-three-phase-cos"])
def test_state_dict_round_trip_through_save_continues_the_sequence(tmp_path, case):
    name, options, cls = _SCHEDULERS[case]
    opt = _optimizer(optim, cls)
    reference = _run(opt, getattr(lr_scheduler, name)(opt, **options), 30)

    opt = _optimizer(optim, cls)
    sched = getattr(lr_scheduler, name)(opt, **options)
    _run(opt, sched, 12)
    ag.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
            tmp_path / "s.safetensors")
    fresh = _optimizer(optim, cls)
    fresh_sched = getattr(lr_scheduler, name)(fresh, **options)
    loaded = ag.load(tmp_path / "s.safetensors")
    fresh.load_state_dict(loaded["optimizer"])
    fresh_sched.load_state_dict(loaded["scheduler"])
    assert fresh_sched.last_epoch == 12
    assert _run(fresh, fresh_sched, 18) == reference[12:]


def test_reduce_lr_on_plateau_state_dict_round_trip(tmp_path):
    opt = _optimizer(optim)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1, cooldown=1)
    reference = _run(opt, sched, 30, _METRICS)
    opt = _optimizer(optim)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=1, cooldown=1)
    _run(opt, sched, 9, _METRICS)
    ag.save({"o": opt.state_dict(), "s": sched.state_dict()}, tmp_path / "p.safetensors")
    opt = _optimizer(optim)
    sched = lr_scheduler.ReduceLROnPlateau(opt)
    loaded = ag.load(tmp_path / "p.safetensors")
    opt.load_state_dict(loaded["o"])
    sched.load_state_dict(loaded["s"])
    assert sched.mode == "max" and sched.mode_worse == -math.inf
    assert _run(opt, sched, 21, _METRICS[9:]) == reference[9:]


def test_lambda_state_dict_keeps_callable_objects_state_only():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    opt = _optimizer(optim)
    sched = lr_scheduler.LambdaLR(opt, [Decay(0.5), _lambda_decay])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None] and "optimizer" not in sd
    other = lr_scheduler.LambdaLR(_optimizer(optim), [Decay(0.9), _lambda_decay])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].rate == 0.5 and other.lr_lambdas[1] is _lambda_decay
    assert "lr_lambdas" in sd  # the caller's dict is left whole


# --- errors and warnings ---
def test_errors_have_torchs_messages():
    opt = _optimizer(optim)
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        lr_scheduler.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="^list is not an Optimizer$"):
        lr_scheduler.ReduceLROnPlateau([])
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(_optimizer(optim), step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="^Expected 2 lr_lambdas, but got 1$"):
        lr_scheduler.LambdaLR(opt, [_lambda_decay])
    with pytest.raises(ValueError, match=r"^Factor should be < 1\.0\.$"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="^mode avg is unknown!$"):
        lr_scheduler.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ValueError, match="^threshold mode x is unknown!$"):
        lr_scheduler.ReduceLROnPlateau(opt, threshold_mode="x")
    with pytest.raises(ValueError, match="^expected 2 min_lrs, got 3$"):
        lr_scheduler.ReduceLROnPlateau(opt, min_lr=[0, 0, 0])


def test_one_cycle_errors():
    opt = _optimizer(optim)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="Expected positive integer total_steps, but got 0"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="Expected positive integer epochs, but got -1"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, epochs=-1, steps_per_epoch=3)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        lr_scheduler.OneCycleLR(opt, max_lr=[1.0], total_steps=5)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(_optimizer(optim, "Adagrad"), max_lr=1.0, total_steps=5)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        sched.step()


def test_stepping_the_scheduler_before_the_optimizer_warns():
    opt = _optimizer(optim)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = _optimizer(optim)
    sched = lr_scheduler.StepLR(opt, step_size=1)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    assert np.allclose(sched.get_last_lr(), [0.01, 0.005])
