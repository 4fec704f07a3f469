"""optim, the rest of torch's optimizers: Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop and
LBFGS follow torch.optim's trajectories step for step in float64 (parameter groups with
their own options, a parameter that gets a gradient only some steps, one that never does),
their state dicts map onto torch's and round-trip through ag.save mid-run; PyTorch's
errors."""

import copy
import itertools
import re

import numpy as np
import pytest

import autograd_core as ag
import optim

_rng = np.random.default_rng(3)
INIT = {name: _rng.normal(size=shape) for name, shape in
        [("a", (3, 4)), ("b", (4,)), ("c", (2, 3)), ("sometimes", (5,)), ("never", (2,))]}
SCALE = np.linspace(0.5, 8.0, 12).reshape(3, 4)


def _loss(lib, p, scale, step):
    """A fixed nonlinear loss; `sometimes` gets a gradient on even steps only."""
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


def _ours(cls, options, second, steps, save_at=None, path=None):
    """Our trajectory; with `save_at`, the run is saved there (ag.save) and continued by a
    fresh optimizer on fresh parameters that loads the checkpoint."""
    p = {k: ag.tensor(v, dtype=ag.float64, requires_grad=True) for k, v in INIT.items()}
    scale = ag.tensor(SCALE, dtype=ag.float64)
    opt = getattr(optim, cls)(_groups(p, second), **options)
    trajectory = []
    for t in range(steps):
        if t == save_at:
            ag.save({"params": p, "optimizer": opt.state_dict()}, path)
            checkpoint = ag.load(path)
            p = {k: ag.tensor(v.data, dtype=ag.float64, requires_grad=True)
                 for k, v in checkpoint["params"].items()}
            opt = getattr(optim, cls)(_groups(p, {}), lr=123.0)  # all replaced by the load
            opt.load_state_dict(checkpoint["optimizer"])
        opt.zero_grad()
        _loss(ag, p, scale, t).backward()
        opt.step()
        trajectory.append({k: v.data.copy() for k, v in p.items()})
    return trajectory, opt


def _theirs(torch, cls, options, second, steps, save_at=None):
    """Torch's trajectory; with `save_at`, its own state dict round trip there (which casts
    buffers such as NAdam's mu_product to the parameter's dtype)."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in INIT.items()}
    scale = torch.tensor(SCALE, dtype=torch.float64)
    opt = getattr(torch.optim, cls)(_groups(p, second), **options)
    trajectory = []
    for t in range(steps):
        if t == save_at:
            sd = copy.deepcopy(opt.state_dict())
            p = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
            opt = getattr(torch.optim, cls)(_groups(p, {}), lr=123.0)
            opt.load_state_dict(sd)
        opt.zero_grad()
        _loss(torch, p, scale, t).backward()
        opt.step()
        trajectory.append({k: v.detach().numpy().copy() for k, v in p.items()})
    return trajectory, opt


def _assert_same_run(torch, cls, options, second, save_at=None, path=None, steps=10):
    ours, opt = _ours(cls, options, second, steps, save_at, path)
    theirs, topt = _theirs(torch, cls, options, second, steps, save_at)
    for t, (mine, ref) in enumerate(zip(ours, theirs)):
        for name in INIT:
            np.testing.assert_allclose(mine[name], ref[name], rtol=1e-12, atol=1e-12,
                                       err_msg=f"{cls} {options} step {t + 1}, {name}")
    np.testing.assert_array_equal(ours[-1]["never"], INIT["never"])
    # the state dict maps onto torch's: same indices, buffer names, values and dtypes
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sorted(sd["state"]) == sorted(i for i, s in tsd["state"].items() if s)
    for i, state in sd["state"].items():
        assert sorted(state) == sorted(tsd["state"][i])
        for key, value in state.items():
            ref = tsd["state"][i][key]
            assert str(value.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1], key
            np.testing.assert_allclose(value.data, ref.numpy(), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{cls} state {i} {key}")
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group == {k: tgroup[k] for k in group}
        assert sorted(group) == sorted(tgroup)


# --- trajectories equal torch's ---
_WD_MAX = list(itertools.product([0, 0.1], [False, True]))


@pytest.mark.parametrize("weight_decay, maximize", _WD_MAX)
@pytest.mark.parametrize("lr, rho", [(1.0, 0.9), (0.5, 0.3)])
def test_adadelta_trajectory_equals_torch(torch, lr, rho, weight_decay, maximize):
    _assert_same_run(torch, "Adadelta", dict(lr=lr, rho=rho, weight_decay=weight_decay,
                                             maximize=maximize),
                     {"lr": 0.3, "rho": 0.5, "eps": 1e-4, "weight_decay": 0.05})


@pytest.mark.parametrize("weight_decay, maximize", _WD_MAX)
def test_adamax_trajectory_equals_torch(torch, weight_decay, maximize):
    # the second group's beta1 = 0.3 takes lerp's other branch (weight 0.7 >= 0.5)
    _assert_same_run(torch, "Adamax", dict(lr=0.01, weight_decay=weight_decay,
                                           maximize=maximize),
                     {"lr": 0.03, "betas": (0.3, 0.9), "eps": 1e-3})


@pytest.mark.parametrize("weight_decay, decoupled", list(itertools.product([0, 0.1],
                                                                             [False, True])))
@pytest.mark.parametrize("momentum_decay, maximize", [(4e-3, False), (0.05, True)])
def test_nadam_trajectory_equals_torch(torch, weight_decay, decoupled, momentum_decay,
                                       maximize):
    _assert_same_run(torch, "NAdam", dict(lr=0.01, weight_decay=weight_decay,
                                          decoupled_weight_decay=decoupled,
                                          momentum_decay=momentum_decay, maximize=maximize),
                     {"lr": 0.02, "betas": (0.3, 0.9), "momentum_decay": 0.01, "eps": 1e-6})


@pytest.mark.parametrize("weight_decay, decoupled", list(itertools.product([0, 0.1],
                                                                             [False, True])))
@pytest.mark.parametrize("maximize", [False, True])
def test_radam_trajectory_equals_torch(torch, weight_decay, decoupled, maximize):
    # rho_t passes 5 within the 10 steps in both groups: both branches of the rule run
    _assert_same_run(torch, "RAdam", dict(lr=0.01, weight_decay=weight_decay,
                                          decoupled_weight_decay=decoupled, maximize=maximize),
                     {"lr": 0.02, "betas": (0.4, 0.6), "eps": 1e-6})


@pytest.mark.parametrize("weight_decay, maximize", _WD_MAX)
@pytest.mark.parametrize("t0, lambd, alpha", [(1e6, 1e-4, 0.75), (3, 0.05, 0.5)])
def test_asgd_trajectory_equals_torch(torch, t0, lambd, alpha, weight_decay, maximize):
    # t0 = 3: the average starts after step 3 (mu < 1), and eta decays visibly
    _assert_same_run(torch, "ASGD", dict(lr=0.03, t0=t0, lambd=lambd, alpha=alpha,
                                         weight_decay=weight_decay, maximize=maximize),
                     {"lr": 0.01, "t0": 2, "lambd": 0.1})


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("etas, step_sizes", [((0.5, 1.2), (1e-6, 50)),
                                              ((0.3, 1.5), (0.02, 0.2))])
def test_rprop_trajectory_equals_torch(torch, etas, step_sizes, maximize):
    _assert_same_run(torch, "Rprop", dict(lr=0.05, etas=etas, step_sizes=step_sizes,
                                          maximize=maximize),
                     {"lr": 0.1, "etas": (0.4, 1.1)}, steps=15)


# --- state dicts: saved mid-run, loaded into a fresh optimizer, continued as torch's ---
_ROUND_TRIPS = {
    "Adadelta": (dict(lr=0.7, weight_decay=0.1), {"rho": 0.5}),
    "Adamax": (dict(lr=0.02, weight_decay=0.1), {"betas": (0.3, 0.9)}),
    "NAdam": (dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              {"momentum_decay": 0.02}),
    "NAdam-l2": (dict(lr=0.01, weight_decay=0.1), {"lr": 0.03}),
    "RAdam": (dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1),
              {"betas": (0.4, 0.6)}),
    "ASGD": (dict(lr=0.03, t0=3, lambd=0.05), {"t0": 1}),
    "Rprop": (dict(lr=0.05), {"etas": (0.3, 1.5)}),
}


@pytest.mark.parametrize("case", list(_ROUND_TRIPS))
def test_state_dict_round_trip_through_save_continues_as_torch(torch, tmp_path, case):
    options, second = _ROUND_TRIPS[case]
    _assert_same_run(torch, case.split("-")[0], options, second, save_at=5,
                     path=tmp_path / "checkpoint.safetensors")


def test_nadam_mu_product_is_a_float32_scalar_as_torchs(torch):
    _, opt = _ours("NAdam", {}, {}, 3)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["mu_product"].dtype == ag.float32 and state["mu_product"].shape == ()
    _, topt = _theirs(torch, "NAdam", {}, {}, 3)
    tstate = topt.state[topt.param_groups[0]["params"][0]]
    assert state["mu_product"].item() == tstate["mu_product"].item()


def test_float32_parameters_stay_float32_in_place():
    p = ag.tensor([1.0, -2.0], requires_grad=True)
    array = p.data
    for opt in [optim.Adadelta([p]), optim.Adamax([p]), optim.NAdam([p]), optim.RAdam([p]),
                optim.ASGD([p], t0=0), optim.Rprop([p])]:
        for _ in range(3):
            (p * p).sum().backward()
            opt.step()
            p.grad = None
        assert p.data is array and p.data.dtype == np.float32
        assert all(v.dtype == ag.float32 for v in opt.state[p].values())


def test_switches_are_kept_in_groups_and_checked():
    p = ag.zeros(2, requires_grad=True)
    for cls in (optim.Adadelta, optim.Adamax, optim.NAdam, optim.RAdam, optim.ASGD,
                optim.Rprop):
        opt = cls([p], foreach=True, maximize=True)
        group = opt.param_groups[0]
        assert group["foreach"] is True and group["maximize"] is True
        assert group["capturable"] is False and group["differentiable"] is False
        with pytest.raises(ValueError, match=f"^{cls.__name__}: capturable=True is for CUDA"):
            cls([p], capturable=True)
        with pytest.raises(ValueError, match=f"^{cls.__name__}: differentiable=True"):
            cls([p], differentiable=True)
        with pytest.raises(TypeError, match=f"^{cls.__name__}: foreach must be None or a bool"):
            cls([p], foreach="yes")


@pytest.mark.parametrize("cls", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_repr_and_defaults_equal_torchs(torch, cls):
    p = ag.zeros(2, requires_grad=True)
    tp = torch.zeros(2, requires_grad=True)
    ours, theirs = getattr(optim, cls)([p]), getattr(torch.optim, cls)([tp])
    assert ours.defaults == theirs.defaults
    assert repr(ours) == repr(theirs)


# --- construction errors ---
_P = ag.zeros(2, requires_grad=True)
_ERRORS = [
    ("Adadelta", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(rho=-0.1), "Invalid rho value: -0.1"),
    ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adamax", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adamax", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adamax", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("NAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("RAdam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("RAdam", dict(betas=(1.5, 0.9)), "Invalid beta parameter at index 0: 1.5"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("ASGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Rprop", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Rprop", dict(etas=(1.0, 1.2)), "Invalid eta values: 1.0, 1.2"),
    ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
    ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values: 0.0, 1.2"),
    ("LBFGS", dict(lr=-0.1), "Invalid learning rate: -0.1"),
]


@pytest.mark.parametrize("cls, options, message", _ERRORS, ids=lambda x: str(x)[:40])
def test_invalid_hyperparameters_raise_torchs_message(torch, cls, options, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(optim, cls)([_P], **options)
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        getattr(torch.optim, cls)([torch.zeros(2, requires_grad=True)], **options)


@pytest.mark.parametrize("cls", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop",
                                 "LBFGS"])
def test_empty_parameter_list_raises(cls):
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        getattr(optim, cls)([])


# --- LBFGS: iterates equal torch's on least squares and Rosenbrock ---
_A = np.random.default_rng(4).normal(size=(8, 3))
_Y = np.random.default_rng(5).normal(size=(8, 2))


def _least_squares(lib, p):
    """A small regression with a nonlinear link, over two parameter tensors."""
    w, b = p
    r = lib.tanh(lib.tensor(_A, dtype=lib.float64) @ w + b) - lib.tensor(_Y,
                                                                         dtype=lib.float64)
    return (r * r).sum() + 0.01 * (w * w).sum()


def _rosenbrock(lib, p):
    (x,) = p
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


_LBFGS_PROBLEMS = {
    "least-squares": (_least_squares, [np.full((3, 2), 0.1), np.zeros(2)]),
    "rosenbrock": (_rosenbrock, [np.array([-1.2, 1.0, -0.5, 0.8])]),
}


def _lbfgs_run(lib, problem, options, calls, save_at=None, path=None):
    """Params, returned loss and state after each step(closure) call."""
    fn, init = _LBFGS_PROBLEMS[problem]
    if lib is optim:
        params = [ag.tensor(v, dtype=ag.float64, requires_grad=True) for v in init]
    else:
        params = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in init]
    opt = (optim if lib is optim else lib.optim).LBFGS(params, **options)
    history = []
    for call in range(calls):
        if call == save_at:
            ag.save({"optimizer": opt.state_dict()}, path)
            opt = optim.LBFGS(params, lr=5.0)
            opt.load_state_dict(ag.load(path)["optimizer"])

        def closure(opt=opt):
            opt.zero_grad()
            loss = fn(ag if lib is optim else lib, params)
            loss.backward()
            return loss

        loss = opt.step(closure)
        state = opt.state[params[0]]
        history.append(([np.array(p.detach().numpy() if lib is not optim else p.data)
                         for p in params], loss.item(), state["func_evals"], state["n_iter"],
                        float(state["t"]), float(state["prev_loss"]), len(state["old_dirs"]),
                        np.array(state["d"].detach().numpy() if lib is not optim
                                 else state["d"].data)))
    return history


def _assert_same_lbfgs(torch, problem, options, calls, save_at=None, path=None, rtol=1e-9):
    ours = _lbfgs_run(optim, problem, options, calls, save_at, path)
    theirs = _lbfgs_run(torch, problem, options, calls)
    for call, (mine, ref) in enumerate(zip(ours, theirs)):
        label = f"{problem} {options} call {call + 1}"
        for p, tp in zip(mine[0], ref[0]):
            np.testing.assert_allclose(p, tp, rtol=rtol, atol=rtol, err_msg=label)
        assert mine[2:4] == ref[2:4], label  # function evaluations and iterations
        assert mine[6] == ref[6], label  # history length
        np.testing.assert_allclose(mine[1], ref[1], rtol=rtol, atol=rtol, err_msg=label)
        np.testing.assert_allclose(mine[4:6], ref[4:6], rtol=rtol, atol=rtol, err_msg=label)
        np.testing.assert_allclose(mine[7], ref[7], rtol=rtol, atol=rtol, err_msg=label)


_LBFGS_OPTIONS = [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, max_iter=4, history_size=3),
    dict(max_iter=7, history_size=2, line_search_fn="strong_wolfe"),
    dict(lr=0.8, max_iter=10, max_eval=12, line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("options", _LBFGS_OPTIONS, ids=str)
@pytest.mark.parametrize("problem", list(_LBFGS_PROBLEMS))
def test_lbfgs_iterates_equal_torch(torch, problem, options):
    # fixed unit steps on Rosenbrock amplify last-bit differences in the gradient (1e-16
    # after 20 iterations, 4e-8 after 60): two calls of 20 iterations stay within 1e-9
    fixed_steps = problem == "rosenbrock" and "line_search_fn" not in options
    _assert_same_lbfgs(torch, problem, options, calls=2 if fixed_steps else 4)


@pytest.mark.parametrize("options", [dict(max_iter=3, history_size=4),
                                     dict(max_iter=3, line_search_fn="strong_wolfe")], ids=str)
def test_lbfgs_state_dict_round_trip_continues_as_torch(torch, tmp_path, options):
    _assert_same_lbfgs(torch, "rosenbrock", options, calls=5, save_at=2,
                       path=tmp_path / "lbfgs.safetensors")


def test_lbfgs_converges_on_rosenbrock():
    x = ag.tensor([-1.2, 1.0], dtype=ag.float64, requires_grad=True)
    opt = optim.LBFGS([x], max_iter=100, tolerance_grad=1e-12, tolerance_change=1e-15,
                      line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(ag, [x])
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(x.data, [1.0, 1.0], atol=1e-8)


def test_lbfgs_stops_at_once_when_the_gradient_is_small(torch):
    x = ag.tensor([1.0, 1.0], dtype=ag.float64, requires_grad=True)
    opt = optim.LBFGS([x])

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(ag, [x])
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert opt.state[x] == {"func_evals": 1, "n_iter": 0}


def test_lbfgs_errors(torch):
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(2, requires_grad=True)
    message = "^LBFGS doesn't support per-parameter options \\(parameter groups\\)$"
    with pytest.raises(ValueError, match=message):
        optim.LBFGS([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match=message):
        torch.optim.LBFGS([{"params": [torch.zeros(2, requires_grad=True)]},
                           {"params": [torch.zeros(2, requires_grad=True)]}])
    opt = optim.LBFGS([a], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ((a - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        opt.step(closure)
    with pytest.raises(TypeError):
        optim.LBFGS([a]).step()  # the closure is required
    assert optim.LBFGS([a], max_iter=9).defaults["max_eval"] == 11
