"""optim.lr_scheduler, the rest of torch's schedulers: MultiplicativeLR, ConstantLR,
LinearLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR, SequentialLR and
ChainedScheduler give torch's learning rates (and momenta) exactly, over enough epochs to
cover their restarts, cycles and milestones; state dicts round-trip through ag.save;
PyTorch's errors and warnings."""

import re
import warnings

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


def _run(opt, sched, epochs, epochs_given=None):
    """(lrs, momenta) after construction and after each epoch's optimizer.step()."""
    def snapshot():
        return ([g["lr"] for g in opt.param_groups],
                [g.get("momentum", g.get("betas")) for g in opt.param_groups])

    history = [snapshot()]
    for epoch in range(epochs):
        opt.step()  # no gradients: a no-op, but in torch's required order
        if epochs_given is None:
            sched.step()
        else:
            sched.step(epochs_given[epoch])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        history.append(snapshot())
    return history


def _decay(epoch):
    return 0.9 if epoch % 3 else 0.5


class _Scale:
    """A callable object: its attributes are what a state dict keeps of it."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate**x


# name: (optimizer class, build(lib, opt) -> scheduler, epochs)
def _simple(name, **options):
    return lambda lib, opt: getattr(lib.lr_scheduler, name)(opt, **options)


def _sequential(parts, milestones):
    def build(lib, opt):
        scheds = [getattr(lib.lr_scheduler, name)(opt, **options) for name, options in parts]
        return lib.lr_scheduler.SequentialLR(opt, scheds, milestones=milestones)
    return build


def _chained(parts, pass_optimizer=False):
    def build(lib, opt):
        scheds = [getattr(lib.lr_scheduler, name)(opt, **options) for name, options in parts]
        if pass_optimizer:
            return lib.lr_scheduler.ChainedScheduler(scheds, optimizer=opt)
        return lib.lr_scheduler.ChainedScheduler(scheds)
    return build


def _sequential_of_chained(lib, opt):
    """A ChainedScheduler first (as in torch, one has no get_lr to restart from at a
    milestone), its schedulers' first steps undone through the nesting."""
    s = lib.lr_scheduler
    chained = s.ChainedScheduler([s.StepLR(opt, step_size=3, gamma=0.7),
                                  s.ExponentialLR(opt, gamma=0.95)])
    then = s.LinearLR(opt, start_factor=0.2, total_iters=4)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        # torch's warning too: the chain's first step steps its schedulers a second time
        return s.SequentialLR(opt, [chained, then], milestones=[6])


_CASES = {
    "multiplicative": ("SGD", _simple("MultiplicativeLR", lr_lambda=_decay), 30),
    "multiplicative-list": ("Adam", _simple("MultiplicativeLR",
                                            lr_lambda=[_decay, lambda e: 0.97]), 30),
    "constant-default": ("SGD", _simple("ConstantLR"), 12),
    "constant-half-4": ("AdamW", _simple("ConstantLR", factor=0.5, total_iters=4), 12),
    "constant-zero-iters": ("SGD", _simple("ConstantLR", factor=0.25, total_iters=0), 6),
    "linear-default": ("SGD", _simple("LinearLR"), 12),
    "linear-up": ("Adam", _simple("LinearLR", start_factor=0.25, end_factor=0.75,
                                  total_iters=7), 15),
    "linear-down": ("SGD", _simple("LinearLR", start_factor=1.0, end_factor=0.1,
                                   total_iters=10), 15),
    "linear-to-zero": ("RMSprop", _simple("LinearLR", start_factor=0.5, end_factor=0.0,
                                          total_iters=6), 10),
    "polynomial-default": ("SGD", _simple("PolynomialLR"), 10),
    "polynomial-power-2": ("Adam", _simple("PolynomialLR", total_iters=10, power=2.0), 15),
    "polynomial-sqrt": ("SGD", _simple("PolynomialLR", total_iters=8, power=0.5), 12),
    "warm-restarts-5": ("SGD", _simple("CosineAnnealingWarmRestarts", T_0=5), 40),
    "warm-restarts-mult-2": ("Adam", _simple("CosineAnnealingWarmRestarts", T_0=3, T_mult=2,
                                             eta_min=0.01), 50),
    "warm-restarts-mult-3": ("SGD", _simple("CosineAnnealingWarmRestarts", T_0=2, T_mult=3,
                                            eta_min=0.001), 40),
    "cyclic-triangular": ("SGD", _simple("CyclicLR", base_lr=0.01, max_lr=0.1,
                                         step_size_up=4), 40),
    "cyclic-triangular2-down": ("SGD", _simple("CyclicLR", base_lr=[0.01, 0.02],
                                               max_lr=[0.1, 0.3], step_size_up=3,
                                               step_size_down=5, mode="triangular2",
                                               base_momentum=[0.8, 0.7],
                                               max_momentum=0.95), 50),
    "cyclic-exp-range-adam": ("Adam", _simple("CyclicLR", base_lr=0.001, max_lr=0.01,
                                              step_size_up=5, mode="exp_range",
                                              gamma=0.97), 50),
    "cyclic-scale-fn-iterations": ("SGD", _simple("CyclicLR", base_lr=0.01, max_lr=0.05,
                                                  step_size_up=2, scale_fn=_Scale(0.9),
                                                  scale_mode="iterations"), 30),
    "cyclic-scale-fn-cycle": ("AdamW", _simple("CyclicLR", base_lr=0.01, max_lr=0.05,
                                               step_size_up=3, scale_fn=lambda c: 1 / c),
                              30),
    "cyclic-no-momentum": ("Adagrad", _simple("CyclicLR", base_lr=0.01, max_lr=0.2,
                                              step_size_up=6, cycle_momentum=False), 30),
    "sequential-constant-exponential": ("SGD", _sequential(
        [("ConstantLR", dict(factor=0.1, total_iters=20)), ("ExponentialLR", dict(gamma=0.9))],
        [5]), 30),
    "sequential-linear-cosine": ("Adam", _sequential(
        [("LinearLR", dict(start_factor=0.1, total_iters=5)),
         ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001))], [5]), 30),
    "sequential-three": ("SGD", _sequential(
        [("LinearLR", dict(start_factor=0.5, total_iters=3)), ("StepLR", dict(step_size=2)),
         ("MultiStepLR", dict(milestones=[2, 5], gamma=0.5))], [3, 10]), 30),
    "sequential-lambda-poly": ("SGD", _sequential(
        [("LambdaLR", dict(lr_lambda=lambda e: (e + 1) / 4)),
         ("PolynomialLR", dict(total_iters=6, power=2.0))], [4]), 20),
    "sequential-warm-restarts": ("SGD", _sequential(
        [("ConstantLR", dict(factor=0.5, total_iters=2)),
         ("CosineAnnealingWarmRestarts", dict(T_0=4))], [3]), 20),
    "sequential-of-chained": ("SGD", _sequential_of_chained, 25),
    "chained-constant-exponential": ("SGD", _chained(
        [("ConstantLR", dict(factor=0.1, total_iters=20)),
         ("ExponentialLR", dict(gamma=0.9))]), 30),
    "chained-three-optimizer-given": ("Adam", _chained(
        [("LinearLR", dict(start_factor=0.3, total_iters=4)), ("StepLR", dict(step_size=5)),
         ("CosineAnnealingLR", dict(T_max=8))], pass_optimizer=True), 30),
    "chained-multiplicative-polynomial": ("SGD", _chained(
        [("MultiplicativeLR", dict(lr_lambda=_decay)),
         ("PolynomialLR", dict(total_iters=10))]), 20),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_lr_sequence_equals_torch(torch, case):
    cls, build, epochs = _CASES[case]
    opt, topt = _optimizer(optim, cls), _optimizer(torch.optim, cls)
    ours = _run(opt, build(optim, opt), epochs)
    theirs = _run(topt, build(torch.optim, topt), epochs)
    assert ours == theirs
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        for key in ("initial_lr", "max_momentum", "base_momentum"):
            assert group.get(key) == tgroup.get(key), key


# --- epochs given to step() ---
_FRACTIONAL = [e + i / 4 for e in range(12) for i in range(4)]


@pytest.mark.parametrize("options", [dict(T_0=3), dict(T_0=2, T_mult=2, eta_min=0.005),
                                     dict(T_0=5, T_mult=3)], ids=str)
def test_warm_restarts_fractional_epochs_equal_torch(torch, options):
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, **options)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # step(epoch) is documented use here: no warning
        ours = _run(opt, sched, len(_FRACTIONAL), _FRACTIONAL)
    assert ours == _run(topt, tsched, len(_FRACTIONAL), _FRACTIONAL)
    assert (sched.T_cur, sched.T_i, sched.last_epoch) == (tsched.T_cur, tsched.T_i,
                                                          tsched.last_epoch)


def test_warm_restarts_interleaved_epochs_equal_torch(torch):
    epochs = [None] * 7 + [26, None, None, 3.5, None, 40, None, None]

    def run(lib, opt):
        sched = lib.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
        out = []
        for epoch in epochs:
            opt.step()
            sched.step(epoch)
            out.append((sched.get_last_lr(), sched.T_cur, sched.T_i, sched.last_epoch))
        return out

    assert run(optim, _optimizer(optim)) == run(torch.optim, _optimizer(torch.optim))
    sched = lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(optim), T_0=4)
    with pytest.raises(ValueError, match="^Expected non-negative epoch, but got -1$"):
        sched.step(-1)


@pytest.mark.parametrize("name, options", [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 4, 4], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.8)),
    ("CosineAnnealingLR", dict(T_max=6, eta_min=0.01)),
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("LinearLR", dict(start_factor=0.2, total_iters=4)),
    ("PolynomialLR", dict(total_iters=5, power=2.0)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (e + 1))),
], ids=lambda x: x if isinstance(x, str) else "")
def test_deprecated_step_epoch_uses_the_closed_form_and_warns(torch, name, options):
    epochs = [1, 2, 5, 3, 8, 7, 4, 0]
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    sched = getattr(lr_scheduler, name)(opt, **options)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **options)
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)`"):
        ours = _run(opt, sched, len(epochs), epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _run(topt, tsched, len(epochs), epochs)
    assert ours == theirs
    assert sched.last_epoch == tsched.last_epoch == 0


def test_calling_get_lr_directly_warns_as_torch(torch):
    for lib in (optim, torch.optim):
        opt = _optimizer(lib)
        sched = lib.lr_scheduler.LinearLR(opt)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()
    opt = _optimizer(optim)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched = lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
        opt.step()
        sched.step()


def test_cyclic_lr_sets_lrs_and_momenta_at_construction(torch):
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    sched = lr_scheduler.CyclicLR(opt, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3)
    tsched = torch.optim.lr_scheduler.CyclicLR(topt, base_lr=[0.01, 0.02], max_lr=0.1,
                                               step_size_up=3)
    assert sched.base_lrs == tsched.base_lrs == [0.01, 0.02]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.01, 0.02]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    assert (sched.total_size, sched.step_ratio, sched.scale_mode) == (
        tsched.total_size, tsched.step_ratio, tsched.scale_mode)


# --- state dicts ---
_ROUND_TRIPS = ["multiplicative", "constant-half-4", "linear-up", "polynomial-power-2",
                "warm-restarts-mult-2", "cyclic-triangular2-down", "cyclic-exp-range-adam",
                "cyclic-scale-fn-iterations", "sequential-three", "sequential-of-chained",
                "sequential-warm-restarts", "chained-three-optimizer-given"]


@pytest.mark.parametrize("case", _ROUND_TRIPS)
def test_state_dict_round_trip_through_save_continues_the_sequence(tmp_path, case):
    cls, build, epochs = _CASES[case]
    opt = _optimizer(optim, cls)
    reference = _run(opt, build(optim, opt), epochs)

    opt = _optimizer(optim, cls)
    sched = build(optim, opt)
    middle = epochs // 2 + 1
    _run(opt, sched, middle)
    ag.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()},
            tmp_path / "s.safetensors")
    fresh = _optimizer(optim, cls)
    fresh_sched = build(optim, fresh)
    loaded = ag.load(tmp_path / "s.safetensors")
    fresh.load_state_dict(loaded["optimizer"])
    fresh_sched.load_state_dict(loaded["scheduler"])
    assert _run(fresh, fresh_sched, epochs - middle) == reference[middle:]


def test_nested_state_dicts_hold_each_schedulers_state(torch):
    opt, topt = _optimizer(optim), _optimizer(torch.optim)
    sched = _sequential_of_chained(optim, opt)
    tsched = _sequential_of_chained(torch.optim, topt)
    _run(opt, sched, 9)
    _run(topt, tsched, 9)
    sd, tsd = sched.state_dict(), tsched.state_dict()
    assert "optimizer" not in sd and len(sd["_schedulers"]) == 2
    assert sd["last_epoch"] == tsd["last_epoch"] and sd["_milestones"] == tsd["_milestones"]
    inner, tinner = sd["_schedulers"][0]["_schedulers"], tsd["_schedulers"][0]["_schedulers"]
    for s, t in zip(inner, tinner):
        for key in ("last_epoch", "_step_count", "base_lrs", "_last_lr"):
            assert s[key] == t[key], key


def test_cyclic_state_dict_keeps_a_callable_objects_state_only():
    opt = _optimizer(optim)
    sched = lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=_Scale(0.5))
    sd = sched.state_dict()
    assert sd["_scale_fn_custom"] == {"rate": 0.5}
    other = lr_scheduler.CyclicLR(_optimizer(optim), 0.01, 0.1, scale_fn=_Scale(0.9))
    other.load_state_dict(sd)
    assert other._scale_fn_custom.rate == 0.5 and "_scale_fn_custom" in sd
    plain = lr_scheduler.CyclicLR(_optimizer(optim), 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None


# --- errors ---
def _errors(lib):
    s = lib.lr_scheduler

    def opt(cls="SGD"):
        return _optimizer(lib, cls)

    def other_pair():
        a, b = opt(), opt()
        return [s.ExponentialLR(a, 0.9), s.ExponentialLR(b, 0.9)], a

    return [
        (ValueError, lambda: s.ConstantLR(opt(), factor=1.5),
         "Constant multiplicative factor expected to be between 0 and 1."),
        (ValueError, lambda: s.ConstantLR(opt(), factor=-0.1),
         "Constant multiplicative factor expected to be between 0 and 1."),
        (ValueError, lambda: s.LinearLR(opt(), start_factor=0),
         "Starting multiplicative factor expected to be greater than 0 and less or equal "
         "to 1."),
        (ValueError, lambda: s.LinearLR(opt(), end_factor=1.5),
         "Ending multiplicative factor expected to be between 0 and 1."),
        (ValueError, lambda: s.MultiplicativeLR(opt(), [_decay]),
         "Expected 2 lr_lambdas, but got 1"),
        (TypeError, lambda: s.MultiplicativeLR(opt(), 0.5),
         "lr_lambda should be a function, but got float"),
        (ValueError, lambda: s.CosineAnnealingWarmRestarts(opt(), T_0=0),
         "Expected positive integer T_0, but got 0"),
        (ValueError, lambda: s.CosineAnnealingWarmRestarts(opt(), T_0=2.5),
         "Expected positive integer T_0, but got 2.5"),
        (ValueError, lambda: s.CosineAnnealingWarmRestarts(opt(), T_0=2, T_mult=0),
         "Expected integer T_mult >= 1, but got 0"),
        (ValueError, lambda: s.CosineAnnealingWarmRestarts(opt(), T_0=2, eta_min="0"),
         "Expected float or int eta_min, but got 0 of type <class 'str'>"),
        (ValueError, lambda: s.CyclicLR(opt(), 0.01, 0.1, mode="sawtooth"),
         "mode is invalid and scale_fn is None"),
        (ValueError, lambda: s.CyclicLR(opt("Adagrad"), 0.01, 0.1),
         "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"),
        (ValueError, lambda: s.CyclicLR(opt(), [0.01], 0.1),
         "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, "
         "param_groups has 2."),
        (TypeError, lambda: s.CyclicLR([], 0.01, 0.1), "list is not an Optimizer"),
        (ValueError, lambda: s.SequentialLR(opt(), [], milestones=[]),
         "SequentialLR expects at least one scheduler, but got no scheduler."),
        (ValueError, lambda: s.ChainedScheduler([]),
         "ChainedScheduler expects at least one scheduler to be chained, but got no "
         "scheduler."),
        (ValueError, lambda: (lambda o: s.SequentialLR(o, [s.ExponentialLR(o, 0.9)],
                                                       milestones=[3]))(opt()),
         "Sequential Schedulers expects number of schedulers provided to be one more than "
         "the number of milestone points, but got number of schedulers 1 and the number of "
         "milestones to be equal to 1"),
        (TypeError, lambda: s.ChainedScheduler([s.ExponentialLR(opt(), 0.9), object()]),
         "ChainedScheduler at index 1 should have `optimizer` as its attribute."),
        (ValueError, lambda: (lambda o: s.ChainedScheduler(
            [s.ReduceLROnPlateau(o)], optimizer=o))(opt()),
         "ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires "
         "additional kwargs to be specified when calling `step`, but got one at index 0 in "
         "the given schedulers sequence."),
        (ValueError, lambda: s.SequentialLR(other_pair()[1], other_pair()[0], [2]),
         "SequentialLR expects all schedulers to belong to the same optimizer, but got "
         "scheduler ExponentialLR at index 0 has "),
    ]


@pytest.mark.parametrize("index", range(len(_errors(optim))))
def test_errors_have_torchs_messages(torch, index):
    for lib in (optim, torch.optim):
        kind, make, message = _errors(lib)[index]
        with pytest.raises(kind, match="^" + re.escape(message)):
            make()


def _custom_sgd(lib):
    """An optimizer subclass that overrides step() without calling the base step."""
    class PlainSGD(lib.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.data -= group["lr"] * p.grad.data
            return None

    return PlainSGD


def _step_order_warnings(lib, make, optimizer_first):
    opt = _custom_sgd(lib)([make(2, requires_grad=True)], lr=0.1)
    sched = lib.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if optimizer_first:
            opt.step()
            sched.step()
        else:
            sched.step()
            opt.step()
    return [str(w.message) for w in caught if "optimizer.step()" in str(w.message)]


def test_step_order_check_works_for_an_optimizer_that_overrides_step(torch):
    # torch wraps optimizer.step when a scheduler is built; ours marks a subclass's step
    assert _step_order_warnings(torch.optim, torch.zeros, True) == []
    assert _step_order_warnings(optim, ag.zeros, True) == []
    theirs = _step_order_warnings(torch.optim, torch.zeros, False)
    ours = _step_order_warnings(optim, ag.zeros, False)
    assert len(theirs) == len(ours) == 1
    assert "before `optimizer.step()`" in theirs[0] and "before `optimizer.step()`" in ours[0]


def test_the_base_step_is_not_wrapped_and_overrides_still_work():
    assert "step" not in vars(optim.SGD) and optim.SGD.step is optim.Optimizer.step
    cls = _custom_sgd(optim)
    p = ag.ones(2, requires_grad=True)
    p.grad = ag.ones(2)
    opt = cls([p], lr=0.5)
    assert opt.step() is None and p.tolist() == [0.5, 0.5] and opt._opt_called
    assert cls.step.__name__ == "step" and cls.step.__wrapped__ is not None

    class Sub(cls):  # a subclass calling super().step() is marked once per level, and works
        def step(self, closure=None):
            return super().step(closure)

    opt = Sub([p], lr=0.5)
    opt.step()
    assert p.tolist() == [0.0, 0.0] and opt._opt_called
