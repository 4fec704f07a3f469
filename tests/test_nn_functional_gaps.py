"""nn.functional against torch where an audit found gaps: normalize for every p and at
zero rows, one_hot's messages, and interpolate's modes (bicubic, area, nearest-exact,
trilinear, antialias, lanczos), recompute_scale_factor, upsample and nn.Upsample. Values
and input gradients in float64."""

import itertools
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import functional as F
from tests.nn_parity import _t

RNG = np.random.default_rng(2024)


def _compare(torch, ours, theirs, x, rtol=1e-10, atol=1e-12):
    """Run ours and theirs on x (float64); compare outputs and input gradients under a
    random upstream gradient."""
    xa, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    assert ya.shape == tuple(yt.shape)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=rtol, atol=atol)
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    assert np.isfinite(xa.grad.data).all()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=rtol, atol=atol)


# --- normalize ---

def _rows():
    x = RNG.standard_normal((7, 4))
    x[0] = 0.0                       # an all-zero row: norm 0
    x[1] = [1e-13, 0.0, -3e-14, 0.0]  # norm below eps: divided by eps
    x[2, 1] = 0.0                    # one zero entry (|x|^p is not differentiable there)
    x[3] = [2.0, -2.0, 1.0, 2.0]     # ties for the largest |x| (p = inf)
    x[4] = [0.5, -0.5, 0.5, 0.5]     # all tie
    return x


@pytest.mark.parametrize("p, dim", list(itertools.product(
    [2, 1, 3, 0.5, 1.5, 4.0, math.inf, -math.inf, 0, -1, -2.5], [1, 0, -1, (0, 1)])))
def test_normalize_values_and_grads_match_torch(torch, p, dim):
    _compare(torch, lambda x: F.normalize(x, p=p, dim=dim),
             lambda x: torch.nn.functional.normalize(x, p=p, dim=dim), _rows())


def test_normalize_inf_divides_by_the_largest_magnitude():
    x = _t([[1.0, -4.0, 2.0], [3.0, 0.5, -0.5]])
    np.testing.assert_allclose(F.normalize(x, p=float("inf")).data,
                               [[0.25, -1.0, 0.5], [1.0, 1 / 6, -1 / 6]], rtol=1e-15)


def test_normalize_zero_row_has_gradient_one_over_eps(torch):
    for p in [2, 1, 3, 0.5, math.inf]:
        x = _t(np.zeros((2, 3)), requires_grad=True)
        F.normalize(x, p=p, eps=1e-6).sum().backward()
        np.testing.assert_allclose(x.grad.data, np.full((2, 3), 1e6), rtol=1e-12)
        xt = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
        torch.nn.functional.normalize(xt, p=p, eps=1e-6).sum().backward()
        np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [1, 3, 0.5, math.inf, -math.inf])
def test_normalize_passes_gradcheck(p):
    # distinct magnitudes away from 0: every p-norm is smooth there
    x = RNG.permutation(np.arange(1, 13)).reshape(3, 4) * 0.25 * RNG.choice([-1, 1], (3, 4))
    assert ag.gradcheck(lambda x: F.normalize(x, p=p, dim=1), [_t(x, requires_grad=True)])
    assert ag.gradgradcheck(lambda x: F.normalize(x, p=p, dim=0), [_t(x, requires_grad=True)])


def test_normalize_keeps_float32():
    x = ag.tensor([[0.0, 0.0], [3.0, -4.0]], requires_grad=True)
    for p in [2, 3, math.inf, 0]:
        y = F.normalize(x, p=p)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32 and np.isfinite(x.grad.data).all()
        x.grad = None


# --- one_hot ---

def test_one_hot_matches_torch(torch):
    idx = np.array([[0, 3], [2, 1]])
    for n in (-1, 4, 6):
        np.testing.assert_array_equal(
            F.one_hot(ag.tensor(idx), n).data,
            torch.nn.functional.one_hot(torch.tensor(idx), n).numpy())
    assert F.one_hot(ag.tensor(np.zeros(0, np.int64)), 3).shape == (0, 3)


def test_one_hot_errors_name_the_bad_value(torch):
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        torch.nn.functional.one_hot(torch.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"one_hot: class values must be non-negative, "
                                           r"got -1 \(num_classes=-1\)"):
        F.one_hot(ag.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"non-negative, got -2 \(num_classes=3\)"):
        F.one_hot(ag.tensor([0, -2, 5]), 3)
    with pytest.raises(RuntimeError, match="one_hot: class values must be smaller than "
                                           "num_classes=3, got 5"):
        F.one_hot(ag.tensor([0, 5]), 3)
    with pytest.raises(RuntimeError, match="smaller than num_classes=0, got 1"):
        F.one_hot(ag.tensor([1]), 0)
    with pytest.raises(RuntimeError, match="one_hot: can not infer the number of classes "
                                           "from an empty tensor"):
        F.one_hot(ag.tensor(np.zeros(0, np.int64)))


# --- interpolate ---
# (size or scale_factor, extra keywords) per mode; sizes mix up- and downsampling, odd
# factors and identities
_SIZES_2D = [dict(size=(9, 12)), dict(size=(3, 4)), dict(size=(5, 7)), dict(size=(1, 2)),
             dict(size=(2, 1)) , dict(scale_factor=1.7), dict(scale_factor=(0.6, 2.3)),
             dict(scale_factor=2), dict(scale_factor=(1 / 3, 0.75)),
             dict(scale_factor=1.7, recompute_scale_factor=True),
             dict(scale_factor=(0.45, 2.6), recompute_scale_factor=True)]
_CASES = (
    [((2, 3, 5, 7), dict(kw, mode="bicubic", align_corners=ac))
     for kw, ac in itertools.product(_SIZES_2D, [False, True])]
    + [((2, 3, 5, 7), dict(kw, mode="bilinear", align_corners=ac))
       for kw, ac in itertools.product(_SIZES_2D, [False, True])]
    + [((2, 3, 5, 7), dict(kw, mode=m)) for kw, m in itertools.product(
        _SIZES_2D, ["area", "nearest", "nearest-exact"])]
    + [((2, 3, 6), dict(kw, mode=m)) for kw, m in itertools.product(
        [dict(size=4), dict(size=13), dict(scale_factor=0.7), dict(scale_factor=2.5),
         dict(scale_factor=1.6, recompute_scale_factor=True)],
        ["area", "nearest", "nearest-exact", "linear"])]
    + [((1, 2, 4, 3, 5), dict(kw, mode=m)) for kw, m in itertools.product(
        [dict(size=(2, 5, 3)), dict(scale_factor=(1.5, 0.7, 2.2)), dict(size=7)],
        ["area", "nearest", "nearest-exact", "trilinear"])]
)


def _ids(cases):
    return [f"{len(s) - 2}d-" + "-".join(f"{k}={v}" for k, v in kw.items()) for s, kw in cases]


@pytest.mark.parametrize("shape, kwargs", _CASES, ids=_ids(_CASES))
def test_interpolate_matches_torch(torch, shape, kwargs):
    _compare(torch, lambda x: F.interpolate(x, **kwargs),
             lambda x: torch.nn.functional.interpolate(x, **kwargs),
             RNG.standard_normal(shape))


# antialias: downsampling widens the filter by the scale; upsampling keeps it. Not an
# output width of 1: torch's antialiased CPU forward then repeats the first output row
# (its own backward disagrees), see test_antialias_output_width_one_is_separable.
_AA_SIZES = [dict(size=(4, 3)), dict(size=(2, 5)), dict(size=(12, 9)), dict(size=(1, 3)),
             dict(scale_factor=0.3), dict(scale_factor=(0.45, 0.8)),
             dict(scale_factor=(2.2, 0.6)), dict(scale_factor=0.35, recompute_scale_factor=True),
             dict(size=(9, 11))]
_AA_CASES = [((2, 2, 9, 11), dict(kw, mode=m, antialias=True, align_corners=ac))
             for kw, m, ac in itertools.product(_AA_SIZES, ["bilinear", "bicubic"],
                                                [False, True])]
_AA_CASES += [((2, 2, 9, 11), dict(kw, mode="lanczos", antialias=True))
              for kw in _AA_SIZES]


@pytest.mark.parametrize("shape, kwargs", _AA_CASES, ids=_ids(_AA_CASES))
def test_interpolate_antialias_matches_torch(torch, shape, kwargs):
    _compare(torch, lambda x: F.interpolate(x, **kwargs),
             lambda x: torch.nn.functional.interpolate(x, **kwargs),
             RNG.standard_normal(shape))


@pytest.mark.parametrize("kwargs", [
    dict(size=(7, 4), mode="bicubic"), dict(scale_factor=0.5, mode="area"),
    dict(size=(3, 9), mode="bilinear", antialias=True),
    dict(scale_factor=(0.4, 1.5), mode="bicubic", antialias=True, align_corners=True),
    dict(scale_factor=1.3, mode="nearest-exact")])
def test_interpolate_float32_matches_torch(torch, kwargs):
    x = RNG.standard_normal((2, 3, 6, 5)).astype(np.float32)
    ya = F.interpolate(ag.tensor(x), **kwargs)
    yt = torch.nn.functional.interpolate(torch.tensor(x), **kwargs)
    assert ya.dtype == np.float32
    np.testing.assert_allclose(ya.data, yt.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [
    dict(size=(5, 4), mode="bicubic"), dict(size=(2, 3), mode="bicubic", align_corners=True),
    dict(size=(2, 3), mode="area"), dict(size=(5, 2), mode="bilinear", antialias=True),
    dict(size=(2, 5), mode="bicubic", antialias=True), dict(size=(5, 5), mode="nearest-exact"),
    dict(size=(2, 4), mode="lanczos", antialias=True)])
def test_interpolate_modes_pass_gradcheck(kwargs):
    x = _t(RNG.standard_normal((1, 2, 4, 3)), requires_grad=True)
    assert ag.gradcheck(lambda x: F.interpolate(x, **kwargs), [x])
    assert ag.gradgradcheck(lambda x: F.interpolate(x, **kwargs), [x])


def test_bicubic_keeps_corners_with_align_corners_and_overshoots(torch):
    x = _t(RNG.standard_normal((1, 1, 4, 4)))
    y = F.interpolate(x, size=(7, 7), mode="bicubic", align_corners=True).data
    np.testing.assert_allclose(y[0, 0, [0, 0, -1, -1], [0, -1, 0, -1]],
                               x.data[0, 0, [0, 0, -1, -1], [0, -1, 0, -1]], rtol=1e-12)
    step = _t(np.repeat([[0.0, 0.0, 1.0, 1.0]], 4, 0).reshape(1, 1, 4, 4))
    y = F.interpolate(step, scale_factor=4, mode="bicubic").data
    assert y.min() < 0 and y.max() > 1  # cubic convolution rings at an edge


def test_area_is_adaptive_avg_pool(torch):
    x = _t(RNG.standard_normal((2, 3, 7, 10)))
    np.testing.assert_allclose(F.interpolate(x, size=(3, 4), mode="area").data,
                               F.adaptive_avg_pool2d(x, (3, 4)).data, rtol=1e-14)
    # scale_factor only sets the size; an empty output is allowed, as adaptive pooling's
    assert F.interpolate(x, scale_factor=0.1, mode="area").shape == (2, 3, 0, 1)


def test_nearest_exact_rounds_where_nearest_floors():
    x = _t(np.arange(4.0).reshape(1, 1, 4))
    np.testing.assert_array_equal(F.interpolate(x, size=3, mode="nearest").data.ravel(),
                                  [0, 1, 2])
    np.testing.assert_array_equal(F.interpolate(x, size=3, mode="nearest-exact").data.ravel(),
                                  [0, 2, 3])


@pytest.mark.parametrize("shape, kwargs", [
    ((1, 2, 5), dict(scale_factor=2.1)),                      # 10 = 2 * 5 outputs
    ((1, 2, 5), dict(scale_factor=1.1)),                      # 5 outputs
    ((1, 1, 5, 3, 4), dict(scale_factor=(1.1, 2.1, 1.0))),
    ((1, 2, 11), dict(scale_factor=2.5625, mode="nearest-exact")),
    ((1, 2, 5, 6), dict(scale_factor=1.1, mode="bicubic")),
    ((1, 2, 5, 8), dict(scale_factor=(1.1, 0.5), mode="bilinear", antialias=True)),
])
def test_interpolate_where_torchs_backward_disagrees_with_its_forward(torch, shape, kwargs):
    """With a scale factor whose output size equals the input's (or twice it), torch's
    CPU kernels special-case the size in the backward but not the forward (or the other
    way round for antialias), and nearest-exact's backward rounds the scale to float32
    while a float64 forward does not. Our forward equals torch's, and our gradient is the
    true gradient of that forward (gradcheck), not torch's."""
    x = RNG.standard_normal(shape)
    y = F.interpolate(_t(x), **kwargs)
    np.testing.assert_allclose(
        y.data, torch.nn.functional.interpolate(torch.tensor(x), **kwargs).numpy(),
        rtol=1e-12, atol=1e-14)
    assert ag.gradcheck(lambda x: F.interpolate(x, **kwargs), [_t(x, requires_grad=True)])


def test_antialias_output_width_one_is_separable(torch):
    """torch's antialiased CPU forward repeats its first output row when the output
    width is 1 and the height changes; ours resamples each dim, which is what torch
    gives for the two dims one at a time, and what torch's own backward differentiates."""
    x = RNG.standard_normal((1, 2, 4, 3))
    y = F.interpolate(_t(x), size=(6, 1), mode="bilinear", antialias=True)
    tx = torch.tensor(x)
    f = torch.nn.functional.interpolate
    # height first: torch is right when only the width changes to 1
    two_steps = f(f(tx, size=(6, 3), mode="bilinear", antialias=True), size=(6, 1),
                  mode="bilinear", antialias=True)
    broken = f(tx, size=(6, 1), mode="bilinear", antialias=True).numpy()
    assert (broken == broken[:, :, :1]).all()  # (if torch fixes this, compare directly)
    np.testing.assert_allclose(y.data, two_steps.numpy(), rtol=1e-12)


def test_interpolate_errors_follow_torch():
    x = ag.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, mode="nearest-exact", align_corners=False)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=3, mode="area", align_corners=True)
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an "
                                         "explicit size"):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"antialias is restricted to the bilinear, bicubic "
                                         r"and lanczos modes and a 4D input, got mode "
                                         r"'nearest' and shape \(1, 1, 4, 4\)"):
        F.interpolate(x, size=3, antialias=True)
    with pytest.raises(ValueError, match="antialias is restricted"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, mode="linear", antialias=True)
    with pytest.raises(ValueError, match=r"mode 'bicubic' expects a 4D input, got shape "
                                         r"\(1, 1, 4\)"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, mode="bicubic")
    with pytest.raises(ValueError, match="mode 'trilinear' expects a 5D input"):
        F.interpolate(x, size=3, mode="trilinear")
    with pytest.raises(ValueError, match="mode 'lanczos' needs antialias=True"):
        F.interpolate(x, size=3, mode="lanczos")
    with pytest.raises(ValueError, match="mode 'lanczos' needs antialias=True and "
                                         "align_corners=False"):
        F.interpolate(x, size=3, mode="lanczos", antialias=True, align_corners=True)
    with pytest.raises(ValueError, match=r"expected a 3D, 4D or 5D input \(N, C, \*spatial\), "
                                         r"got shape \(4, 4\)"):
        F.interpolate(ag.zeros(4, 4), size=3)
    with pytest.raises(TypeError, match=r"size must be an int or a tuple of ints, got "
                                        r"\(3, 2.5\)"):
        F.interpolate(x, size=(3, 2.5))
    with pytest.raises(ValueError, match=r"scale_factor \(2, 2, 2\) has 3 entries"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(ValueError, match=r"sizes should be greater than 0, got input shape "
                                         r"\(1, 1, 4, 4\) and output size \(2, 0\)"):
        F.interpolate(x, scale_factor=(0.5, 0.2), mode="bilinear")


def test_upsample_is_a_deprecated_interpolate(torch):
    x = _t(RNG.standard_normal((1, 2, 3, 4)))
    with pytest.warns(UserWarning, match="nn.functional.upsample` is deprecated"):
        y = F.upsample(x, scale_factor=2, mode="bicubic", align_corners=True)
    np.testing.assert_array_equal(
        y.data, F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True).data)
    with pytest.warns(UserWarning):
        yt = torch.nn.functional.upsample(torch.tensor(x.data), scale_factor=2, mode="bicubic",
                                          align_corners=True)
    np.testing.assert_allclose(y.data, yt.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape, kwargs", [
    ((1, 2, 4, 5), dict(scale_factor=1.5, mode="bicubic")),
    ((1, 2, 4, 5), dict(scale_factor=(1.7, 0.6), mode="bilinear",
                        recompute_scale_factor=True)),
    ((1, 2, 4, 5), dict(size=(2, 3), mode="area")),
    ((1, 2, 7), dict(scale_factor=1.4, mode="nearest-exact", recompute_scale_factor=False)),
    ((1, 1, 2, 3, 4), dict(scale_factor=2, mode="trilinear", align_corners=True)),
])
def test_upsample_layer_matches_torch(torch, shape, kwargs):
    _compare(torch, nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs),
             RNG.standard_normal(shape))
    ours, theirs = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor
    assert ours.recompute_scale_factor == theirs.recompute_scale_factor


def test_interpolate_weighted_modes_need_floats_nearest_does_not():
    idx = ag.tensor(np.arange(6).reshape(1, 1, 2, 3))
    np.testing.assert_array_equal(F.interpolate(idx, scale_factor=2).data,
                                  np.arange(6).reshape(2, 3).repeat(2, 0).repeat(2, 1)[None, None])
    with pytest.raises(TypeError, match="interpolate: mode 'bilinear' needs a floating point "
                                        "input, got int64"):
        F.interpolate(idx, scale_factor=2, mode="bilinear")


def test_one_hot_rejects_negative_num_classes(torch):
    with pytest.raises(RuntimeError):
        torch.nn.functional.one_hot(torch.tensor([1]), -2)
    with pytest.raises(RuntimeError, match="one_hot: num_classes must be -1 or non-negative, "
                                           "got -2"):
        F.one_hot(ag.tensor([1]), -2)
