"""The activations beyond the first few (SiLU, Mish, Hardtanh, ReLU6, Hardsigmoid, Hardswish,
LogSigmoid, Softsign, Softmin, SELU, CELU, GLU, Threshold, PReLU, Tanhshrink, Softshrink,
Hardshrink, RReLU), the in-place forms, channel and alpha dropout, and Unflatten: values and
gradients equal PyTorch's in float64 (also at the kinks and at large |x|), gradcheck, reprs
and error messages."""

import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import RNG, _pair, _t

# elementwise activations: (id, ours, torch's name in torch.nn.functional, kwargs, rtol of
# the gradient). torch computes hardsigmoid's and hardswish's slope with a float32 1/6.
ELEMENTWISE = [
    ("silu", F.silu, "silu", {}, 1e-10),
    ("mish", F.mish, "mish", {}, 1e-10),
    ("hardtanh", F.hardtanh, "hardtanh", {}, 1e-10),
    ("hardtanh_2_3", lambda x: F.hardtanh(x, -2.0, 3.0), "hardtanh",
     {"min_val": -2.0, "max_val": 3.0}, 1e-10),
    ("relu6", F.relu6, "relu6", {}, 1e-10),
    ("hardsigmoid", F.hardsigmoid, "hardsigmoid", {}, 1e-7),
    ("hardswish", F.hardswish, "hardswish", {}, 1e-7),
    ("logsigmoid", F.logsigmoid, "logsigmoid", {}, 1e-10),
    ("softsign", F.softsign, "softsign", {}, 1e-10),
    ("selu", F.selu, "selu", {}, 1e-10),
    ("celu", F.celu, "celu", {}, 1e-10),
    ("celu_0.5", lambda x: F.celu(x, 0.5), "celu", {"alpha": 0.5}, 1e-10),
    ("threshold", lambda x: F.threshold(x, 0.5, -2.0), "threshold",
     {"threshold": 0.5, "value": -2.0}, 1e-10),
    ("tanhshrink", F.tanhshrink, "tanhshrink", {}, 1e-10),
    ("softshrink", F.softshrink, "softshrink", {}, 1e-10),
    ("softshrink_1", lambda x: F.softshrink(x, 1.0), "softshrink", {"lambd": 1.0}, 1e-10),
    ("hardshrink", F.hardshrink, "hardshrink", {}, 1e-10),
    ("hardshrink_1", lambda x: F.hardshrink(x, 1.0), "hardshrink", {"lambd": 1.0}, 1e-10),
    ("rrelu_eval", F.rrelu, "rrelu", {}, 1e-10),
]
IDS = [e[0] for e in ELEMENTWISE]

# every kink and threshold above, both sides of them, and large |x|
EDGES = np.array([-1000.0, -60.0, -30.0, -20.0, -6.0, -3.0, -2.0, -1.0, -0.5, -1e-3, 0.0,
                  1e-3, 0.5, 1.0, 2.0, 3.0, 6.0, 20.0, 30.0, 60.0, 1000.0])


def _compare(torch, ours, theirs, x, rtol=1e-10):
    """Values and the input gradient (under a random upstream gradient) in float64."""
    xa = _t(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    assert ya.shape == tuple(yt.shape) and ya.dtype == np.float64
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(ya.shape)
    ya.backward(_t(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("name, ours, theirs, kwargs, rtol", ELEMENTWISE, ids=IDS)
def test_elementwise_activations_match_torch(torch, name, ours, theirs, kwargs, rtol, shape):
    x = RNG.standard_normal(shape) * 3
    _compare(torch, ours, lambda t: getattr(torch.nn.functional, theirs)(t, **kwargs), x, rtol)


@pytest.mark.parametrize("name, ours, theirs, kwargs, rtol", ELEMENTWISE, ids=IDS)
def test_elementwise_activations_match_torch_at_kinks_and_extremes(torch, name, ours, theirs,
                                                                   kwargs, rtol):
    with np.errstate(over="raise", invalid="raise"):
        _compare(torch, ours, lambda t: getattr(torch.nn.functional, theirs)(t, **kwargs),
                 EDGES, rtol)


@pytest.mark.parametrize("name, ours, theirs, kwargs, rtol", ELEMENTWISE, ids=IDS)
def test_elementwise_activations_keep_nan(torch, name, ours, theirs, kwargs, rtol):
    x = np.array([np.nan, 1.0])
    expected = getattr(torch.nn.functional, theirs)(torch.tensor(x), **kwargs).numpy()
    np.testing.assert_array_equal(ours(_t(x)).data, expected)


def test_logsigmoid_is_finite_where_the_naive_formula_is_not():
    x = _t([-1e4, -800.0, 800.0, 1e4], requires_grad=True)
    with np.errstate(all="raise"):
        y = F.logsigmoid(x)
        y.sum().backward()
    np.testing.assert_allclose(y.data, [-1e4, -800.0, 0.0, 0.0])
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0, 0.0, 0.0])


def test_activations_keep_float32():
    x = ag.randn(3, 4)
    for f in (F.silu, F.mish, F.hardtanh, F.relu6, F.hardsigmoid, F.hardswish, F.logsigmoid,
              F.softsign, F.selu, F.celu, F.tanhshrink, F.softshrink, F.hardshrink,
              lambda t: F.threshold(t, 0.1, 2.0), F.glu, F.softmin,
              lambda t: F.rrelu(t, training=True), lambda t: F.prelu(t, ag.tensor([0.2]))):
        assert f(x).dtype == np.float32


# --- softmin, glu, prelu ---

@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1),
                                        ((2, 3, 4), None), ((2, 3, 4, 2), None)])
def test_softmin_matches_torch(torch, shape, dim):
    x = RNG.standard_normal(shape) * 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the implicit dim
        _compare(torch, lambda t: F.softmin(t, dim), lambda t: torch.nn.functional.softmin(t, dim),
                 x)


@pytest.mark.parametrize("shape, dim", [((6,), 0), ((3, 4), -1), ((4, 3), 0), ((2, 6, 3), 1),
                                        ((2, 3, 4), -1)])
def test_glu_matches_torch(torch, shape, dim):
    _compare(torch, lambda t: F.glu(t, dim), lambda t: torch.nn.functional.glu(t, dim),
             RNG.standard_normal(shape) * 3)


@pytest.mark.parametrize("shape, num_parameters", [((5,), 1), ((3, 4), 1), ((3, 4), 4),
                                                   ((2, 3, 5), 3), ((2, 3, 4, 4), 3), ((), 1)])
def test_prelu_matches_torch_with_the_weight_gradient(torch, shape, num_parameters):
    x = RNG.standard_normal(shape) * 3
    if x.ndim:
        x.flat[0] = 0.0  # at the kink: the slope is the weight's, as in torch
    m = nn.PReLU(num_parameters, init=0.1)
    with ag.no_grad():
        m.weight.copy_(ag.tensor(RNG.uniform(-0.5, 0.5, num_parameters), dtype=ag.float32))
    _pair(torch, m, torch.nn.PReLU(num_parameters), x)


def test_prelu_state_dict_loads_into_torch(torch):
    m = nn.PReLU(3, init=0.3)
    sd = m.state_dict()
    assert list(sd) == ["weight"] and sd["weight"].shape == (3,)
    np.testing.assert_allclose(sd["weight"].data, 0.3)
    assert isinstance(m.weight, nn.Parameter) and m.weight.dtype == np.float32
    t = torch.nn.PReLU(3)
    t.load_state_dict({k: torch.tensor(v.data) for k, v in sd.items()})
    back = nn.PReLU(3)
    back.load_state_dict({k: ag.tensor(v.numpy()) for k, v in t.state_dict().items()})
    np.testing.assert_array_equal(back.weight.data, m.weight.data)


def test_prelu_errors_name_the_sizes():
    with pytest.raises(ValueError, match=r"^prelu: Mismatch of parameter numbers and input "
                       r"channel size. Found parameter numbers = 3 and channel size = 4"):
        F.prelu(ag.zeros(2, 4), ag.zeros(3))
    with pytest.raises(ValueError, match=r"^prelu: Expected `weight` to be a scalar or 1D "
                       r"tensor, but got weight of shape \(1, 1\)"):
        F.prelu(ag.zeros(2, 4), ag.zeros(1, 1))


def test_glu_errors_name_the_dim_and_shape():
    with pytest.raises(ValueError, match=r"^glu: Halving dimension must be even, but dimension "
                       r"1 is size 5 \(input of shape \(2, 5\)\)"):
        F.glu(ag.zeros(2, 5))
    with pytest.raises(ValueError, match=r"^glu: does not support scalars"):
        F.glu(ag.tensor(1.0))
    with pytest.raises(IndexError, match=r"glu"):
        F.glu(ag.zeros(2, 4), dim=2)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"^hardtanh: min_val cannot be greater than max_val, "
                       r"got min_val=2 and max_val=1"):
        F.hardtanh(ag.zeros(3), 2, 1)
    with pytest.raises(ValueError, match=r"^Hardtanh: min_val cannot be greater than max_val"):
        nn.Hardtanh(2, 1)
    with pytest.raises(ValueError, match=r"^softshrink: lambd must be greater or equal to 0, "
                       r"got -0.5"):
        F.softshrink(ag.zeros(3), -0.5)
    with pytest.raises(ValueError, match=r"^celu: alpha must not be 0"):
        F.celu(ag.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"^rrelu: expected 0 <= lower <= upper, got "
                       r"lower=0.5 and upper=0.1"):
        F.rrelu(ag.zeros(3), 0.5, 0.1)


# --- modules: parity and repr ---

MODULES = [
    (lambda: nn.SiLU(), "SiLU", {}),
    (lambda: nn.SiLU(inplace=True), "SiLU", {"inplace": True}),
    (lambda: nn.Mish(), "Mish", {}),
    (lambda: nn.Mish(True), "Mish", {"inplace": True}),
    (lambda: nn.Hardtanh(), "Hardtanh", {}),
    (lambda: nn.Hardtanh(-2, 3), "Hardtanh", {"min_val": -2, "max_val": 3}),
    (lambda: nn.Hardtanh(-2.0, 3.0, True), "Hardtanh",
     {"min_val": -2.0, "max_val": 3.0, "inplace": True}),
    (lambda: nn.ReLU6(), "ReLU6", {}),
    (lambda: nn.ReLU6(True), "ReLU6", {"inplace": True}),
    (lambda: nn.Hardsigmoid(), "Hardsigmoid", {}),
    (lambda: nn.Hardsigmoid(True), "Hardsigmoid", {"inplace": True}),
    (lambda: nn.Hardswish(), "Hardswish", {}),
    (lambda: nn.Hardswish(True), "Hardswish", {"inplace": True}),
    (lambda: nn.LogSigmoid(), "LogSigmoid", {}),
    (lambda: nn.Softsign(), "Softsign", {}),
    (lambda: nn.Softmin(dim=1), "Softmin", {"dim": 1}),
    (lambda: nn.Softmin(), "Softmin", {}),
    (lambda: nn.SELU(), "SELU", {}),
    (lambda: nn.SELU(True), "SELU", {"inplace": True}),
    (lambda: nn.CELU(), "CELU", {}),
    (lambda: nn.CELU(0.5, True), "CELU", {"alpha": 0.5, "inplace": True}),
    (lambda: nn.GLU(), "GLU", {}),
    (lambda: nn.GLU(0), "GLU", {"dim": 0}),
    (lambda: nn.Threshold(0.1, 20.0), "Threshold", {"threshold": 0.1, "value": 20.0}),
    (lambda: nn.Threshold(1, 2, True), "Threshold", {"threshold": 1, "value": 2,
                                                     "inplace": True}),
    (lambda: nn.PReLU(), "PReLU", {}),
    (lambda: nn.PReLU(4, 0.1), "PReLU", {"num_parameters": 4, "init": 0.1}),
    (lambda: nn.Tanhshrink(), "Tanhshrink", {}),
    (lambda: nn.Softshrink(), "Softshrink", {}),
    (lambda: nn.Softshrink(1), "Softshrink", {"lambd": 1}),
    (lambda: nn.Hardshrink(0.3), "Hardshrink", {"lambd": 0.3}),
    (lambda: nn.RReLU(), "RReLU", {}),
    (lambda: nn.RReLU(0.1, 0.3, True), "RReLU", {"lower": 0.1, "upper": 0.3, "inplace": True}),
    (lambda: nn.Dropout1d(), "Dropout1d", {}),
    (lambda: nn.Dropout2d(0.2), "Dropout2d", {"p": 0.2}),
    (lambda: nn.Dropout3d(inplace=True), "Dropout3d", {"inplace": True}),
    (lambda: nn.AlphaDropout(0.1), "AlphaDropout", {"p": 0.1}),
    (lambda: nn.FeatureAlphaDropout(), "FeatureAlphaDropout", {}),
    (lambda: nn.Unflatten(1, (2, 2)), "Unflatten", {"dim": 1, "unflattened_size": (2, 2)}),
    (lambda: nn.Unflatten(-1, [2, -1]), "Unflatten",
     {"dim": -1, "unflattened_size": [2, -1]}),
]
MODULE_IDS = [f"{m[1]}{i}" for i, m in enumerate(MODULES)]


@pytest.mark.parametrize("make, name, kwargs", MODULES, ids=MODULE_IDS)
def test_module_repr_equals_torch(torch, make, name, kwargs):
    assert repr(make()) == repr(getattr(torch.nn, name)(**kwargs))


@pytest.mark.filterwarnings("ignore")  # Softmin's implicit dim, the dropouts' 2-d input
@pytest.mark.parametrize("make, name, kwargs", MODULES, ids=MODULE_IDS)
def test_modules_match_torch(torch, make, name, kwargs):
    ours, theirs = make(), getattr(torch.nn, name)(**kwargs)
    ours.eval()  # RReLU and the dropouts are deterministic in eval mode
    theirs.eval()
    x = RNG.standard_normal((4, 4)) * 3
    x[0, :2] = [0.0, 30.0]
    if name == "PReLU":
        _pair(torch, ours, theirs, x)  # copies the weight, compares its gradient too
        return
    # in place on a non-leaf for both (inplace=True); torch's hard* slopes are float32 1/6
    rtol = 1e-7 if name.startswith("Hards") else 1e-10
    xa = _t(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa * 1.0), theirs(xt * 1.0)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=rtol, atol=1e-12)


# --- in-place forms ---

INPLACE = [
    ("relu_", {}), ("elu_", {"alpha": 0.5}), ("leaky_relu_", {"negative_slope": 0.2}),
    ("hardtanh_", {"min_val": -0.5, "max_val": 2.0}), ("threshold_", None), ("celu_", {}),
    ("selu_", {}), ("rrelu_", {}),
]


@pytest.mark.parametrize("name, kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_underscore_forms_work_in_place_like_torch(torch, name, kwargs):
    x = RNG.standard_normal((3, 4)) * 3
    xa = _t(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    if kwargs is None:  # threshold_ takes its arguments by position
        ha, ht = xa * 2.0, xt * 2.0
        ya, yt = F.threshold_(ha, 0.5, -1.0), torch.nn.functional.threshold_(ht, 0.5, -1.0)
    else:
        ha, ht = xa * 2.0, xt * 2.0
        ya = getattr(F, name)(ha, **kwargs)
        yt = getattr(torch.nn.functional, name)(ht, **kwargs)
    assert ya is ha
    np.testing.assert_allclose(ha.data, ht.detach().numpy(), rtol=1e-12)
    (ya * ya).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("f, kwargs", [
    (F.silu, {}), (F.mish, {}), (F.hardswish, {}), (F.hardsigmoid, {}), (F.relu6, {}),
    (F.hardtanh, {}), (F.selu, {}), (F.celu, {}), (F.threshold, {"threshold": 0.1, "value": 2.0}),
    (F.rrelu, {"training": True}), (F.rrelu, {}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_inplace_forms_give_the_out_of_place_values_and_gradient(f, kwargs):
    x = _t(RNG.standard_normal((3, 4)) * 3, requires_grad=True)
    ag.manual_seed(5)  # rrelu draws the same slopes both times
    y0 = f(x * 1.0, **kwargs)
    g0 = ag.grad((y0 * y0).sum(), [x])[0]
    ag.manual_seed(5)
    h = x * 1.0
    y = f(h, inplace=True, **kwargs)
    assert y is h
    np.testing.assert_allclose(y.data, y0.data)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, g0.data, rtol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    x = ag.ones(3, requires_grad=True)
    for name, f in [("silu", F.silu), ("hardtanh", F.hardtanh), ("relu6", F.relu6),
                    ("selu", F.selu), ("celu", F.celu), ("mish", F.mish)]:
        with pytest.raises(RuntimeError, match=rf"^{name}\(inplace=True\): a leaf Variable"):
            f(x, inplace=True)
    with pytest.raises(RuntimeError, match=r"^threshold\(inplace=True\)"):
        F.threshold_(x, 0.0, 1.0)


# --- rrelu ---

def test_rrelu_training_draws_a_slope_per_negative_element():
    ag.manual_seed(1)
    x = _t(np.r_[-np.ones(2000), np.ones(10), 0.0], requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = -y.data[:2000]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and len(np.unique(slopes)) == 2000
    assert abs(slopes.mean() - 0.2) < 0.01
    np.testing.assert_array_equal(y.data[2000:2010], 1.0)
    np.testing.assert_allclose(x.grad.data[:2000], slopes)  # the gradient is the slope
    np.testing.assert_array_equal(x.grad.data[2000:2010], 1.0)
    assert 0.1 <= x.grad.data[-1] <= 0.3  # x = 0 draws a slope too, as in torch
    ag.manual_seed(1)
    np.testing.assert_array_equal(F.rrelu(x, 0.1, 0.3, training=True).data, y.data)


def test_rrelu_module_is_random_in_training_and_fixed_in_eval():
    m = nn.RReLU(0.1, 0.3)
    x = -ag.ones(100, dtype=ag.float64)
    assert len(np.unique(m(x).data)) == 100
    m.eval()
    np.testing.assert_allclose(m(x).data, -0.2)


# --- channel and alpha dropout ---

@pytest.mark.parametrize("f, shape, channel_dims", [
    (F.dropout1d, (4, 6, 5), 2), (F.dropout1d, (6, 5), 1), (F.dropout2d, (4, 6, 3, 3), 2),
    (F.dropout3d, (4, 6, 2, 2, 2), 2), (F.dropout3d, (6, 2, 3, 2), 1),
])
def test_channel_dropout_zeroes_whole_channels(f, shape, channel_dims):
    x = _t(RNG.uniform(1, 2, shape), requires_grad=True)
    y = f(x, p=0.4)
    kept = (y.data != 0).reshape(shape[:channel_dims] + (-1,))
    assert (kept.all(-1) | ~kept.any(-1)).all()  # each channel all kept or all dropped
    assert 0 < kept.all(-1).mean() < 1
    np.testing.assert_allclose(y.data[y.data != 0], x.data[y.data != 0] / 0.6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, (y.data != 0) / 0.6)


def test_channel_dropout_identity_in_eval_and_p_limits():
    for f, x in ((F.dropout1d, ag.randn(2, 3, 4)), (F.dropout2d, ag.randn(2, 3, 4, 4)),
                 (F.dropout3d, ag.randn(3, 2, 2, 2))):
        assert f(x, 0.5, training=False) is x
        assert f(x, 0.0) is x
        np.testing.assert_array_equal(f(x, 1.0).data, 0.0)
    x = ag.randn(2, 3, 4, 4)
    m = nn.Dropout2d(0.5)
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1, "
                       r"but got 1.5"):
        F.dropout2d(x, 1.5)
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1"):
        nn.Dropout1d(-0.1)


def test_channel_dropout_is_reproducible_and_inplace():
    x = ag.randn(4, 8, 3, 3)
    ag.manual_seed(4)
    a = F.dropout2d(x)
    ag.manual_seed(4)
    b = x.clone()
    assert F.dropout2d(b, inplace=True) is b
    np.testing.assert_array_equal(a.data, b.data)
    c = ag.randn(8, 2, 3, 3)
    ag.manual_seed(4)
    expected = F.dropout3d(c)
    ag.manual_seed(4)
    assert F.dropout3d(c, inplace=True) is c  # unbatched, in place
    np.testing.assert_array_equal(c.data, expected.data)


def test_channel_dropout_shape_errors_and_warnings():
    with pytest.raises(ValueError, match=r"^dropout1d: Expected 2D or 3D input, but received a "
                       r"4D input of shape \(1, 2, 3, 4\)"):
        F.dropout1d(ag.zeros(1, 2, 3, 4))
    with pytest.warns(UserWarning, match=r"dropout2d: Received a 3D input"):
        F.dropout2d(ag.zeros(2, 3, 4))
    with pytest.warns(UserWarning, match=r"dropout2d: Received a 2-D input"):
        F.dropout2d(ag.zeros(2, 3))
    with pytest.warns(UserWarning, match=r"dropout3d: Received a 3-D input"):
        F.dropout3d(ag.zeros(2, 3, 4))


def test_alpha_dropout_keeps_mean_and_variance():
    ag.manual_seed(2)
    x = ag.randn(200000, dtype=ag.float64)
    y = F.alpha_dropout(x, 0.2, training=True)
    assert abs(y.data.mean()) < 0.01 and abs(y.data.std() - 1) < 0.01
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    dropped = np.isclose(y.data, -alpha * a * 0.8)
    assert abs(dropped.mean() - 0.2) < 0.01
    np.testing.assert_allclose(y.data[~dropped], a * x.data[~dropped] + alpha * a * 0.2)
    assert F.alpha_dropout(x, 0.2) is x  # training=False by default, as in torch


def test_feature_alpha_dropout_drops_whole_channels():
    x = ag.randn(8, 16, 5, dtype=ag.float64)
    y = F.feature_alpha_dropout(x, 0.5, training=True)
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.5 + 1) * 0.5)
    dropped = np.isclose(y.data, -alpha * a * 0.5)
    assert (dropped.all(-1) | ~dropped.any(-1)).all() and 0 < dropped.mean() < 1
    m = nn.AlphaDropout(0.5)
    m.eval()
    assert m(x) is x


# --- Unflatten ---

@pytest.mark.parametrize("shape, dim, sizes", [((2, 12), 1, (3, 4)), ((2, 12), -1, [2, -1, 3]),
                                               ((12, 3), 0, (12,)), ((2, 6, 5), 1, (-1, 2))])
def test_unflatten_matches_torch(torch, shape, dim, sizes):
    x = RNG.standard_normal(shape)
    _compare(torch, nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes), x)


def test_unflatten_errors():
    with pytest.raises(ValueError, match=r"^Unflatten: sizes \[5, 2\] don't multiply up to the "
                       r"size of dim 1 \(12\) of the input of shape \(2, 12\)"):
        nn.Unflatten(1, (5, 2))(ag.zeros(2, 12))
    with pytest.raises(ValueError, match=r"^Unflatten: sizes \[-1, -1\]"):
        nn.Unflatten(1, (-1, -1))(ag.zeros(2, 12))
    with pytest.raises(TypeError, match=r"^Unflatten: unflattened_size must be a tuple of ints, "
                       r"but found type int"):
        nn.Unflatten(1, 4)
    with pytest.raises(TypeError, match=r"found element of type float at pos 1"):
        nn.Unflatten(1, (2, 2.0))
    with pytest.raises(IndexError, match=r"Unflatten"):
        nn.Unflatten(3, (2, 6))(ag.zeros(2, 12))


# --- gradcheck ---

GRADCHECK = {
    "silu": F.silu, "mish": F.mish, "logsigmoid": F.logsigmoid, "softsign": F.softsign,
    "selu": F.selu, "celu": lambda x: F.celu(x, 0.7), "tanhshrink": F.tanhshrink,
    "hardtanh": lambda x: F.hardtanh(x, -1.2, 1.1), "relu6": F.relu6,
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish,
    "threshold": lambda x: F.threshold(x, 0.1, 3.0), "softshrink": lambda x: F.softshrink(x, 0.1),
    "hardshrink": lambda x: F.hardshrink(x, 0.1), "rrelu": F.rrelu,
    "softmin": lambda x: F.softmin(x, -1), "glu": lambda x: F.glu(x, -1),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 3, 2)])
def test_functional_forms_pass_gradcheck(name, shape):
    # |x| in [0.2, 2.5]: away from every kink (0, +-0.1, +-1, +-1.2, 3, 6) by more than eps
    x = RNG.uniform(0.2, 2.5, shape) * RNG.choice([-1.0, 1.0], shape)
    x[np.abs(np.abs(x) - 1.0) < 0.05] = 0.5
    x[np.abs(np.abs(x) - 1.1) < 0.05] = 0.5
    x[np.abs(np.abs(x) - 1.2) < 0.05] = 0.5
    assert ag.gradcheck(GRADCHECK[name], [_t(x, requires_grad=True)])


def test_prelu_passes_gradcheck_for_input_and_weight():
    x = RNG.uniform(0.2, 2.0, (2, 3, 4)) * RNG.choice([-1.0, 1.0], (2, 3, 4))
    assert ag.gradcheck(F.prelu, [_t(x, requires_grad=True),
                                  _t([0.1, -0.3, 0.5], requires_grad=True)])
    assert ag.gradcheck(F.prelu, [_t(x, requires_grad=True), _t([0.2], requires_grad=True)])


@pytest.mark.parametrize("name", ["silu", "mish", "logsigmoid", "softsign", "selu", "celu",
                                  "tanhshrink", "softmin", "glu"])
def test_smooth_functional_forms_pass_gradgradcheck(name):
    x = RNG.uniform(0.2, 2.5, (2, 4)) * RNG.choice([-1.0, 1.0], (2, 4))
    assert ag.gradgradcheck(GRADCHECK[name], [_t(x, requires_grad=True)])


def test_everything_is_exported():
    modules = ["SiLU", "Mish", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "LogSigmoid",
               "Softsign", "Softmin", "SELU", "CELU", "GLU", "Threshold", "PReLU", "Tanhshrink",
               "Softshrink", "Hardshrink", "RReLU", "Dropout1d", "Dropout2d", "Dropout3d",
               "AlphaDropout", "FeatureAlphaDropout", "Unflatten"]
    for name in modules:
        assert name in nn.__all__ and issubclass(getattr(nn, name), nn.Module)
    functions = ["silu", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish", "logsigmoid",
                 "softsign", "softmin", "selu", "celu", "glu", "threshold", "prelu",
                 "tanhshrink", "softshrink", "hardshrink", "rrelu", "relu_", "elu_",
                 "leaky_relu_", "hardtanh_", "threshold_", "celu_", "selu_", "rrelu_",
                 "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                 "feature_alpha_dropout"]
    for name in functions:
        assert callable(getattr(F, name)), name


# --- audit regressions: torch's keyword names, hardswish / hardsigmoid at +-inf and NaN ---

def test_threshold_inplace_takes_torch_keyword_names(torch):
    xo, xt = _t(np.array([1.0, 0.2, 0.5])), torch.tensor([1.0, 0.2, 0.5], dtype=torch.float64)
    yo = F.threshold_(xo, threshold=0.5, value=-1.0)
    yt = torch.nn.functional.threshold_(xt, threshold=0.5, value=-1.0)
    assert yo is xo
    np.testing.assert_array_equal(xo.data, xt.numpy())
    np.testing.assert_array_equal(yo.data, yt.numpy())


def test_hardtanh_accepts_torch_deprecated_min_value_max_value(torch):
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = nn.Hardtanh(min_value=-2.0, max_value=0.5)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = torch.nn.Hardtanh(min_value=-2.0, max_value=0.5)
    assert [(w.category, str(w.message)) for w in ours_w] == [
        (w.category, str(w.message)) for w in theirs_w]
    assert len(ours_w) == 2 and ours_w[0].category is FutureWarning
    assert repr(ours) == repr(theirs)
    _pair(torch, ours, theirs, np.array([-3.0, -1.0, 0.2, 0.7, 2.0]))


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid"])
def test_hard_activations_at_inf_and_nan_match_torch(torch, name):
    x = np.array([np.inf, -np.inf, np.nan, 3.0, -3.0, 0.0, 2.5, -2.5, 5.0, -5.0])
    for inplace in (False, True):
        xo, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo = getattr(F, name)(xo.clone() if inplace else xo, inplace=inplace)
        yt = getattr(torch.nn.functional, name)(xt.clone() if inplace else xt, inplace=inplace)
        np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12, atol=0)
        finite = ~np.isnan(x)  # -0 where torch gives -0 (hardswish at -3, -5)
        np.testing.assert_array_equal(np.signbit(yo.data[finite]),
                                      np.signbit(yt.detach().numpy()[finite]))
        yo.sum().backward()
        yt.sum().backward()  # torch's hardsigmoid slope is 1/6 in float32, even in float64
        np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-7, atol=0)


def test_hardswish_at_inf_keeps_float32(torch):
    x = ag.tensor([np.inf, -np.inf, 1.0], requires_grad=True)
    y = nn.Hardswish()(x)
    assert y.dtype == ag.float32
    y.sum().backward()
    xt = torch.tensor([np.inf, -np.inf, 1.0], requires_grad=True)
    torch.nn.Hardswish()(xt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-6)
