"""ParameterList and ParameterDict, GroupNorm, InstanceNorm, BatchNorm3d, RMSNorm,
LocalResponseNorm, the 1-d, adaptive max and LP pooling, the padding layers, pixel shuffle,
the Upsampling layers and the transformer stacks: compared with PyTorch (outputs, input and
parameter gradients in float64, state dict keys and shapes, reprs), functional forms
gradchecked, errors checked."""

import inspect
import typing
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim
from nn import functional as F
from tests.nn_parity import RNG, _pair, _t


def _same_state(torch, ours, theirs):
    """state dict keys (in order) and shapes equal torch's."""
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in a:
        assert tuple(a[key].shape) == tuple(b[key].shape), key


# --- ParameterList ---

def test_parameter_list_registers_under_torch_names(torch):
    ours = nn.ParameterList([nn.Parameter(ag.zeros(2, 3)), ag.ones(4)])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(2, 3)), torch.ones(4)])
    _same_state(torch, ours, theirs)
    assert [n for n, _ in ours.named_parameters()] == ["0", "1"]
    assert isinstance(ours[1], nn.Parameter) and ours[1].requires_grad  # a Tensor is wrapped
    ours.append(ag.zeros(1)).extend([ag.zeros(2), ag.zeros(3)])
    assert len(ours) == 5 and [tuple(p.shape) for p in ours][2:] == [(1,), (2,), (3,)]
    assert ours[-1] is ours[4] and ours[-5] is ours[0]
    sliced = ours[1:4:2]
    assert isinstance(sliced, nn.ParameterList) and list(sliced) == [ours[1], ours[3]]
    assert list(sliced.state_dict()) == ["0", "1"]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        ours[5]
    model = nn.Module()
    model.params = ours
    assert list(model.state_dict())[:2] == ["params.0", "params.1"]


def test_parameter_list_setitem_other_objects_and_repr(torch):
    ours = nn.ParameterList([ag.zeros(2, 3), ag.zeros(4, dtype=ag.float64), 3, "x"])
    theirs = torch.nn.ParameterList([torch.zeros(2, 3), torch.zeros(4, dtype=torch.float64), 3,
                                     "x"])
    assert repr(ours) == repr(theirs)
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList())
    assert repr(nn.ParameterList([ag.zeros(2)])) == repr(torch.nn.ParameterList([torch.zeros(2)]))
    assert ours[2] == 3 and len(list(ours.parameters())) == 2
    ours[2] = ag.ones(5)  # an object replaced by a parameter
    assert [n for n, _ in ours.named_parameters()] == ["0", "1", "2"]
    ours += [ag.ones(1)]
    assert len(ours) == 5
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an "
                                        "iterable, but got Tensor"):
        ours.extend(ag.zeros(3))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        ours(ag.zeros(1))
    assert "0" not in dir(ours)


def test_parameter_list_load_state_dict_and_optimizer():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([ag.randn(3, dtype=ag.float64) for _ in range(3)])

        def forward(self, x):
            for w in self.ws:
                x = x * w
            return x.sum()

    a, b = Model(), Model()
    result = b.load_state_dict(a.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.data, q.data)
    opt = optim.SGD(a.parameters(), lr=0.1)
    assert sum(len(g["params"]) for g in opt.param_groups) == 3
    before = [p.data.copy() for p in a.parameters()]
    a(ag.ones(3, dtype=ag.float64)).backward()
    opt.step()
    for old, p in zip(before, a.parameters()):
        np.testing.assert_allclose(p.data, old - 0.1 * p.grad.data)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "ws.2"'):
        b.load_state_dict({k: v for k, v in a.state_dict().items() if k != "ws.2"})


# --- ParameterDict ---

def test_parameter_dict_orders_keys_as_torch(torch):
    plain = {"b": ag.zeros(2), "a": nn.Parameter(ag.ones(1, 2)), "c": ag.zeros(3)}
    ours = nn.ParameterDict(plain)
    theirs = torch.nn.ParameterDict({"b": torch.zeros(2), "a": torch.ones(1, 2),
                                     "c": torch.zeros(3)})
    assert list(ours) == ["a", "b", "c"]  # a plain dict is sorted, as in torch
    _same_state(torch, ours, theirs)
    assert repr(ours) == repr(theirs)
    ordered = nn.ParameterDict(OrderedDict([("z", ag.zeros(1)), ("y", ag.zeros(1))]))
    assert list(ordered.state_dict()) == ["z", "y"]
    pairs = nn.ParameterDict([("q", ag.zeros(1)), ("p", ag.zeros(2, dtype=ag.float64))])
    theirs = torch.nn.ParameterDict([("q", torch.zeros(1)),
                                     ("p", torch.zeros(2, dtype=torch.float64))])
    assert list(pairs) == ["q", "p"] and repr(pairs) == repr(theirs)
    assert repr(nn.ParameterDict()) == repr(torch.nn.ParameterDict())


def test_parameter_dict_behaves_as_a_dict():
    d = nn.ParameterDict()
    d["w"] = ag.zeros(2)
    assert isinstance(d["w"], nn.Parameter) and "w" in d and len(d) == 1
    d["n"] = 3  # other objects are held, not registered
    assert d["n"] == 3 and [k for k, _ in d.named_parameters()] == ["w"]
    d["n"] = ag.ones(1)
    assert [k for k, _ in d.named_parameters()] == ["w", "n"]
    assert d.get("missing") is None and d.get("w") is d["w"]
    assert d.setdefault("s", ag.zeros(3)) is d["s"]
    assert list(d.keys()) == ["w", "n", "s"] and len(list(d.values())) == 3
    assert [k for k, _ in d.items()] == ["w", "n", "s"]
    key, value = d.popitem()
    assert key == "s" and "s" not in d and tuple(value.shape) == (3,)
    w = d.pop("w")
    assert tuple(w.shape) == (2,) and list(d.state_dict()) == ["n"]
    del d["n"]
    assert len(d) == 0 and not list(d.parameters())
    d.update({"x": ag.zeros(1)})
    merged = d | nn.ParameterDict({"y": ag.zeros(1)})
    assert list(merged) == ["x", "y"] and list(d) == ["x"]
    assert list(reversed(merged)) == ["y", "x"] and list(merged.copy()) == ["x", "y"]
    d.clear()
    assert len(d) == 0
    with pytest.raises(TypeError, match="not a string"):
        d[1] = ag.zeros(1)
    with pytest.raises(KeyError):
        d["a.b"] = ag.zeros(1)
    with pytest.raises(ValueError, match="has length 3; 2 is required"):
        d.update([("a", 1, 2)])
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        d(ag.zeros(1))


def test_parameter_dict_load_state_dict_and_optimizer():
    a = nn.ParameterDict({"w": ag.randn(3), "b": ag.randn(1)})
    b = nn.ParameterDict({"w": ag.zeros(3), "b": ag.zeros(1)})
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b["w"].data, a["w"].data)
    opt = optim.SGD(a.parameters(), lr=1.0)
    (a["w"].sum() + a["b"].sum()).backward()
    old = a["w"].data.copy()
    opt.step()
    np.testing.assert_allclose(a["w"].data, old - 1.0)


# --- norms ---

@pytest.mark.parametrize("groups, channels, shape, kwargs", [
    (2, 4, (3, 4, 5), {}), (1, 3, (2, 3, 2, 2), {"eps": 1e-3}), (3, 3, (2, 3), {}),
    (2, 6, (2, 6, 3, 2), {"affine": False}), (2, 4, (2, 4, 3), {"bias": False}),
])
def test_group_norm_matches_torch(torch, groups, channels, shape, kwargs):
    ours = nn.GroupNorm(groups, channels, **kwargs)
    theirs = torch.nn.GroupNorm(groups, channels, **kwargs)
    assert repr(ours) == repr(theirs)
    _same_state(torch, ours, theirs)
    for p in ours.parameters():
        nn.init.normal_(p)
    _pair(torch, ours, theirs, RNG.standard_normal(shape) * 2 + 1)


@pytest.mark.parametrize("name, shape", [("InstanceNorm1d", (3, 4, 5)),
                                         ("InstanceNorm1d", (4, 6)),
                                         ("InstanceNorm2d", (2, 4, 3, 3)),
                                         ("InstanceNorm2d", (4, 2, 5))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True, "track_running_stats": True},
                                    {"track_running_stats": True, "momentum": None},
                                    {"affine": True, "bias": False}])
def test_instance_norm_matches_torch_in_train_and_eval(torch, name, shape, kwargs):
    ours, theirs = getattr(nn, name)(4, **kwargs), getattr(torch.nn, name)(4, **kwargs)
    assert repr(ours) == repr(theirs)
    _same_state(torch, ours, theirs)
    for p in ours.parameters():
        nn.init.normal_(p)
    for step in range(3):
        _pair(torch, ours, theirs, RNG.standard_normal(shape) * 2 + step)
    for key, value in theirs.state_dict().items():  # running estimates moved alike
        np.testing.assert_allclose(ours.state_dict()[key].data, value.numpy(), rtol=1e-10,
                                   err_msg=key)
    ours.eval()
    theirs.eval()
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_instance_norm_does_not_count_batches():
    norm = nn.InstanceNorm1d(2, track_running_stats=True)
    norm(ag.randn(3, 2, 4))
    assert int(norm.num_batches_tracked.item()) == 0
    assert not np.allclose(norm.running_mean.data, 0)


@pytest.mark.parametrize("shape, kwargs", [((2, 3, 4, 2, 3), {}), ((4, 3, 1, 2, 2),
                                                                 {"affine": False})])
def test_batchnorm3d_matches_torch_in_train_and_eval(torch, shape, kwargs):
    ours, theirs = nn.BatchNorm3d(3, **kwargs), torch.nn.BatchNorm3d(3, **kwargs)
    assert repr(ours) == repr(theirs)
    for step in range(2):
        _pair(torch, ours, theirs, RNG.standard_normal(shape) + step)
    _same_state(torch, ours, theirs)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-10)
    ours.eval()
    theirs.eval()
    _pair(torch, ours, theirs, RNG.standard_normal(shape))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        ours(ag.zeros(2, 3, 4, 4))


@pytest.mark.parametrize("normalized, shape, kwargs", [
    (4, (3, 4), {}), ((2, 3), (2, 2, 3), {"eps": 1e-3}), ([5], (5,), {}),
    (3, (2, 3), {"elementwise_affine": False}),
])
def test_rms_norm_matches_torch(torch, normalized, shape, kwargs):
    ours, theirs = nn.RMSNorm(normalized, **kwargs), torch.nn.RMSNorm(normalized, **kwargs)
    assert repr(ours) == repr(theirs)
    _same_state(torch, ours, theirs)
    for p in ours.parameters():
        nn.init.normal_(p)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))
    x = RNG.standard_normal(shape) * 1e-9  # where eps=None (machine epsilon) matters
    np.testing.assert_allclose(F.rms_norm(_t(x), normalized).data,
                               torch.nn.functional.rms_norm(torch.tensor(x), list(
                                   ours.normalized_shape)).numpy(), rtol=1e-10)


@pytest.mark.parametrize("size, shape", [(3, (2, 5, 4)), (2, (2, 4, 3, 3)), (5, (1, 3, 2, 2, 2))])
def test_local_response_norm_matches_torch(torch, size, shape):
    ours = nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
    theirs = torch.nn.LocalResponseNorm(size, alpha=0.3, beta=0.6, k=1.5)
    assert repr(ours) == repr(theirs)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_norm_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by "
                                         r"num_groups \(2\)"):
        nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"^GroupNorm: expected 4 channels \(dim 1\), got "
                                         r"input of shape \(2, 3, 5\)"):
        nn.GroupNorm(2, 4)(ag.zeros(2, 3, 5))
    with pytest.raises(ag.ShapeError, match=r"group_norm: expected the number of channels in "
                                            r"input \(5\) to be divisible by num_groups"):
        F.group_norm(ag.zeros(2, 5, 3), 2)
    with pytest.raises(ValueError, match=r"^InstanceNorm1d: expected 2D or 3D input "
                                         r"\(got 4D input\)"):
        nn.InstanceNorm1d(3)(ag.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected input's size at dim=1 to "
                                         r"match num_features \(3\), but got: 2"):
        nn.InstanceNorm2d(3, affine=True)(ag.zeros(2, 2, 4, 4))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(ag.randn(2, 2, 4))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        nn.InstanceNorm1d(3)(ag.zeros(2, 3, 1))
    with pytest.raises(ag.ShapeError, match=r"^RMSNorm: input of shape \(2, 4\) does not end "
                                            r"in the normalized_shape \(3,\)"):
        nn.RMSNorm(3)(ag.zeros(2, 4))
    with pytest.raises(ag.ShapeError, match=r"^LocalResponseNorm: expected 3D or higher"):
        nn.LocalResponseNorm(2)(ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match="GroupNorm: mixed dtype"):
        nn.GroupNorm(1, 2)(ag.zeros(2, 2, 2, dtype=ag.float64))


# --- pooling ---

POOLS = [
    ("MaxPool1d", (3,), {}, (2, 3, 10)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "dilation": 2}, (2, 3, 11)),
    ("MaxPool1d", (2,), {"ceil_mode": True}, (3, 7)),
    ("AvgPool1d", (3,), {}, (2, 3, 9)),
    ("AvgPool1d", (4,), {"stride": 2, "padding": 2, "count_include_pad": False}, (2, 2, 9)),
    ("AvgPool1d", (3,), {"stride": 2, "ceil_mode": True, "padding": 1}, (3, 8)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool1d", (4,), {}, (3, 4)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool1d", (5,), {}, (3, 5)),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, (2, 3, 5, 7)),
    ("AdaptiveMaxPool2d", (3,), {}, (2, 4, 4)),
    ("AdaptiveMaxPool2d", ((None, 2),), {}, (1, 2, 3, 5)),
    ("AdaptiveMaxPool2d", (4,), {}, (1, 2, 3, 9)),  # cells overlap when upsampling
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool1d", (3.0, 2), {"stride": 1}, (2, 7)),
    ("LPPool2d", (2, 2), {}, (2, 3, 4, 6)),
    ("LPPool2d", (1.5, (2, 3)), {"stride": (1, 2), "ceil_mode": True}, (3, 5, 7)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", POOLS)
def test_pooling_layers_match_torch(torch, name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal(shape)
    if name.startswith("LP"):
        x = np.abs(x) + 0.1  # x ** p of a negative x is NaN for a fractional p
    _pair(torch, ours, theirs, x)


@pytest.mark.parametrize("name, args, shape", [
    ("MaxPool1d", (3, 2, 1), (2, 3, 10)), ("AdaptiveMaxPool1d", (4,), (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 2),), (2, 2, 7, 5)), ("AdaptiveMaxPool2d", (4,), (3, 3, 6)),
])
def test_max_pool_indices_match_torch(torch, name, args, shape):
    ours = getattr(nn, name)(*args, return_indices=True)
    theirs = getattr(torch.nn, name)(*args, return_indices=True)
    x = RNG.standard_normal(shape)
    (ya, ia), (yt, it) = ours(_t(x)), theirs(torch.tensor(x))
    np.testing.assert_array_equal(ya.data, yt.numpy())
    np.testing.assert_array_equal(ia.data, it.numpy())
    assert ia.dtype == ag.int64


def test_pooling_functional_forms_match_torch(torch):
    x = RNG.standard_normal((2, 3, 8))
    tf = torch.nn.functional
    for ours, theirs in [
        (F.max_pool1d(_t(x), 3, 1, 1), tf.max_pool1d(torch.tensor(x), 3, 1, 1)),
        (F.avg_pool1d(_t(x), 2), tf.avg_pool1d(torch.tensor(x), 2)),
        (F.adaptive_avg_pool1d(_t(x), 5), tf.adaptive_avg_pool1d(torch.tensor(x), 5)),
        (F.adaptive_max_pool1d(_t(x), 3), tf.adaptive_max_pool1d(torch.tensor(x), 3)),
        (F.lp_pool1d(_t(np.abs(x)), 2, 2), tf.lp_pool1d(torch.tensor(np.abs(x)), 2, 2)),
    ]:
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


def test_pooling_errors_name_the_function_and_shapes():
    with pytest.raises(ag.ShapeError, match=r"^max_pool1d: expected a 2D \(unbatched\) or 3D "
                                            r"\(batched\) input, got shape \(1, 2, 3, 4\)"):
        nn.MaxPool1d(2)(ag.zeros(1, 2, 3, 4))
    with pytest.raises(ag.ShapeError, match=r"^avg_pool1d: expected a 2D"):
        F.avg_pool1d(ag.zeros(4), 2)
    with pytest.raises(ValueError, match=r"avg_pool1d: pad should be at most half"):
        F.avg_pool1d(ag.zeros(1, 2, 8), 2, padding=2)
    with pytest.raises(ValueError, match=r"max_pool1d: kernel_size must be an int or 1 ints"):
        F.max_pool1d(ag.zeros(1, 2, 8), (2, 2))
    with pytest.raises(ag.ShapeError, match=r"^adaptive_max_pool2d: expected a 3D \(unbatched\) "
                                            r"or 4D \(batched\) input, got shape \(2, 3\)"):
        nn.AdaptiveMaxPool2d(2)(ag.zeros(2, 3))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool1d: output_size must be an int or "
                                         r"1 ints, got \(2, 2\)"):
        F.adaptive_avg_pool1d(ag.zeros(1, 2, 8), (2, 2))


# --- padding ---

PADS = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 3),), (3, 4)),
    ("ZeroPad2d", ((1, 2, 0, 3),), (2, 2, 3, 3)), ("ZeroPad2d", (1,), (2, 3, 3)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 0, 2, 1), -1.0), (2, 3, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad1d", ((3, 1),), (3, 5)),
    ("ReflectionPad2d", ((1, 0, 2, 1),), (2, 2, 3, 4)), ("ReflectionPad2d", (2,), (2, 3, 3)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)), ("ReplicationPad2d", (2,), (1, 2, 3, 3)),
    ("ReplicationPad2d", ((0, 1, 3, 2),), (2, 2, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad1d", ((1, 3),), (2, 4)),
    ("CircularPad2d", ((1, 2, 2, 0),), (2, 2, 3, 3)), ("CircularPad2d", (1,), (3, 2, 2)),
]


@pytest.mark.parametrize("name, args, shape", PADS)
def test_padding_layers_match_torch(torch, name, args, shape):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    _pair(torch, ours, theirs, RNG.standard_normal(shape))


def test_padding_errors_name_the_layer():
    with pytest.raises(ag.ShapeError, match=r"^ReflectionPad1d: expected a 2D \(unbatched\) "
                                            r"or 3D \(batched\) input, got shape \(1, 1, 2, 3\)"):
        nn.ReflectionPad1d(1)(ag.zeros(1, 1, 2, 3))
    with pytest.raises(ag.ShapeError, match=r"^CircularPad2d: expected a 3D"):
        nn.CircularPad2d(1)(ag.zeros(2, 3))
    with pytest.raises(ValueError, match=r"pad: reflect padding \(4, 4\) of dim 2 must be "
                                         r"between 0 and 3"):
        nn.ReflectionPad1d(4)(ag.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"^ZeroPad2d: padding must be an int or 4 ints, got "
                                         r"\(1, 2\)"):
        nn.ZeroPad2d((1, 2))


# --- pixel shuffle and upsampling ---

@pytest.mark.parametrize("r, shape", [(2, (2, 8, 3, 2)), (3, (9, 2, 2)), (2, (2, 1, 4, 3, 3))])
def test_pixel_shuffle_and_unshuffle_match_torch(torch, r, shape):
    shuffle, theirs = nn.PixelShuffle(r), torch.nn.PixelShuffle(r)
    assert repr(shuffle) == repr(theirs)
    _pair(torch, shuffle, theirs, RNG.standard_normal(shape))
    unshuffle, theirs = nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r)
    assert repr(unshuffle) == repr(theirs)
    big = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    _pair(torch, unshuffle, theirs, RNG.standard_normal(big))
    x = _t(RNG.standard_normal(shape))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, r), r).data, x.data)


def test_pixel_shuffle_errors():
    with pytest.raises(ag.ShapeError, match=r"pixel_shuffle: expects its input's 'channel' "
                                            r"dimension to be divisible by the square of "
                                            r"upscale_factor, but input.size\(-3\)=5"):
        nn.PixelShuffle(2)(ag.zeros(1, 5, 2, 2))
    with pytest.raises(ag.ShapeError, match=r"pixel_unshuffle: expects height and width to be "
                                            r"divisible by downscale_factor=2, got input of "
                                            r"shape \(1, 1, 3, 4\)"):
        F.pixel_unshuffle(ag.zeros(1, 1, 3, 4), 2)
    with pytest.raises(ag.ShapeError, match=r"pixel_shuffle: expected an input of at least 3"):
        F.pixel_shuffle(ag.zeros(4, 4), 2)
    with pytest.raises(ValueError, match="upscale_factor must be a positive int"):
        F.pixel_shuffle(ag.zeros(1, 4, 4), 0)


@pytest.mark.parametrize("name, kwargs, shape", [
    ("UpsamplingNearest2d", {"scale_factor": 2}, (2, 3, 3, 4)),
    ("UpsamplingNearest2d", {"size": (5, 7)}, (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", {"scale_factor": 2}, (2, 2, 3, 4)),
    ("UpsamplingBilinear2d", {"size": (4, 7)}, (1, 2, 3, 3)),
])
def test_upsampling_layers_match_torch(torch, name, kwargs, shape):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    _pair(torch, ours, theirs, RNG.standard_normal(shape))
    assert not isinstance(nn.UpsamplingBilinear2d(size=2), nn.UpsamplingNearest2d)
    with pytest.warns(UserWarning, match="upsample_bilinear"):
        y = F.upsample_bilinear(_t(RNG.standard_normal(shape)), **kwargs)
    assert y.shape == ours(_t(RNG.standard_normal(shape))).shape


# --- transformer stacks ---

E, H, S, T, N = 8, 2, 5, 4, 3


def _copy_into(torch, ours, theirs):
    ours.double()
    theirs.double()
    _same_state(torch, ours, theirs)
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})


def _run_both(torch, ours, theirs, inputs, kwargs):
    """Run both on float64 inputs (+ kwargs: masks as numpy arrays or plain values);
    compare the outputs, every input's gradient and every parameter's gradient."""
    xa = [_t(x, requires_grad=True) for x in inputs]
    xt = [torch.tensor(x, requires_grad=True) for x in inputs]

    def conv(v, to_torch):
        if isinstance(v, np.ndarray):
            return torch.tensor(v) if to_torch else ag.tensor(
                v, dtype=ag.float64 if v.dtype.kind == "f" else None)
        return v

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ya = ours(*xa, **{k: conv(v, False) for k, v in kwargs.items()})
        yt = theirs(*xt, **{k: conv(v, True) for k, v in kwargs.items()})
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for a, t in zip(xa, xt):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=1e-9, atol=1e-11)
    named_t = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(named_t)
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, named_t[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-11, err_msg=name)


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


@pytest.mark.parametrize("batch_first, norm, masks", [
    (False, False, {}),
    (True, True, {"mask": "causal"}),
    (False, True, {"mask": "causal", "is_causal": True, "src_key_padding_mask": "pad"}),
    (True, False, {"mask": "bool", "src_key_padding_mask": "pad"}),
])
def test_transformer_encoder_matches_torch(torch, batch_first, norm, masks):
    kw = {"dim_feedforward": 12, "dropout": 0.0, "batch_first": batch_first}
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, **kw), 2,
                                 nn.LayerNorm(E) if norm else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on enable_nested_tensor
        theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, **kw), 2,
                                             torch.nn.LayerNorm(E) if norm else None)
    assert repr(ours) == repr(theirs)
    for p in ours.parameters():
        nn.init.normal_(p, std=0.3)
    _copy_into(torch, ours, theirs)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    assert not np.array_equal(ours.layers[0].linear1.weight.data,
                              ours.layers[1].linear1.weight.data)
    kwargs = {}
    for key, kind in masks.items():
        if kind == "causal":
            kwargs[key] = _causal(S)
        elif kind == "bool":
            kwargs[key] = RNG.random((S, S)) < 0.3
            np.fill_diagonal(kwargs[key], False)
        elif kind == "pad":
            pad = np.zeros((N, S), dtype=bool)
            pad[0, -2:] = True
            kwargs[key] = pad
        else:
            kwargs[key] = kind
    x = RNG.standard_normal((N, S, E) if batch_first else (S, N, E))
    _run_both(torch, ours, theirs, [x], kwargs)


def test_transformer_encoder_train_mode_and_unbatched(torch):
    layer = nn.TransformerEncoderLayer(E, H, 10, dropout=0.0)
    ours = nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, H, 10, dropout=0.0),
                                         3, enable_nested_tensor=False)
    _copy_into(torch, ours, theirs)
    _run_both(torch, ours, theirs, [RNG.standard_normal((S, E))], {"mask": _causal(S)})
    assert len(ours.layers) == 3 and ours.num_layers == 3
    assert ours.layers[0] is not layer  # deep copies, as torch's _get_clones
    ours.eval()
    assert not ours.layers[2].training


def test_transformer_encoder_detects_a_causal_mask():
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, H, 10, dropout=0.0), 1).double()
    x = _t(RNG.standard_normal((S, N, E)))
    mask = nn.Transformer.generate_square_subsequent_mask(S, dtype=ag.float64)
    np.testing.assert_array_equal(mask.data, _causal(S))
    y = ours(x, mask=mask)
    np.testing.assert_allclose(y.data, ours(x, mask=mask, is_causal=True).data, rtol=1e-12)
    np.testing.assert_allclose(y.data, ours(x, mask=mask < 0.0).data, rtol=1e-12)
    with pytest.raises(ValueError, match="Need attn_mask if specifying the is_causal hint"):
        ours(x, is_causal=True)


def test_generate_square_subsequent_mask_matches_torch(torch):
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert ours.dtype == ag.float32
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    boolean = nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.bool)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.bool)
    np.testing.assert_array_equal(boolean.data, theirs.numpy())


@pytest.mark.parametrize("norm_first, batch_first, masks", [
    (False, False, {}),
    (True, True, {"tgt_mask": "causal", "memory_key_padding_mask": "pad"}),
    (False, False, {"tgt_mask": "causal", "tgt_is_causal": True, "memory_mask": "float"}),
])
def test_transformer_decoder_matches_torch(torch, norm_first, batch_first, masks):
    kw = {"dim_feedforward": 12, "dropout": 0.0, "batch_first": batch_first,
          "norm_first": norm_first, "activation": "gelu"}
    ours = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, H, **kw), 2, nn.LayerNorm(E))
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(E, H, **kw), 2,
                                         torch.nn.LayerNorm(E))
    assert repr(ours) == repr(theirs)
    for p in ours.parameters():
        nn.init.normal_(p, std=0.3)
    _copy_into(torch, ours, theirs)
    kwargs = {}
    for key, kind in masks.items():
        if kind == "causal":
            kwargs[key] = _causal(T)
        elif kind == "float":
            kwargs[key] = RNG.standard_normal((T, S))
        elif kind == "pad":
            pad = np.zeros((N, S), dtype=bool)
            pad[1, :2] = True
            kwargs[key] = pad
        else:
            kwargs[key] = kind
    shape = (lambda n: (N, n, E)) if batch_first else (lambda n: (n, N, E))
    _run_both(torch, ours, theirs, [RNG.standard_normal(shape(T)),
                                    RNG.standard_normal(shape(S))], kwargs)


def test_transformer_matches_torch(torch):
    kw = {"d_model": E, "nhead": H, "num_encoder_layers": 2, "num_decoder_layers": 1,
          "dim_feedforward": 10, "dropout": 0.0}
    ours = nn.Transformer(**kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note on enable_nested_tensor
        theirs = torch.nn.Transformer(**kw)
    assert repr(ours) == repr(theirs)
    bound = np.sqrt(6 / (E + E))  # xavier_uniform_ on the (E, E) out_proj weights
    w = ours.encoder.layers[0].self_attn.out_proj.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    _copy_into(torch, ours, theirs)
    src, tgt = RNG.standard_normal((S, N, E)), RNG.standard_normal((T, N, E))
    _run_both(torch, ours, theirs, [src, tgt], {"tgt_mask": _causal(T)})
    with pytest.raises(ValueError, match=r"Transformer: the batch number of src and tgt must "
                                         r"be equal \(dim 1\)"):
        ours(_t(src), _t(RNG.standard_normal((T, N + 1, E))))
    with pytest.raises(ValueError, match="the feature number of src and tgt must be equal to "
                                         "d_model=8"):
        ours(_t(src), _t(RNG.standard_normal((T, N, E + 1))))


# --- functional forms: gradcheck ---

def _g(shape, positive=False):
    x = RNG.standard_normal(shape)
    return _t(np.abs(x) + 0.5 if positive else x, requires_grad=True)


GRADCHECKS = {
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
                      [(2, 3, 4), (3,), (3,)]),
    "instance_norm_running": (lambda x: F.instance_norm(
        x, _t(np.zeros(2)), _t(np.ones(2)), use_input_stats=False), [(2, 2, 3, 2)]),
    "rms_norm": (lambda x, w: F.rms_norm(x, (3,), w, 1e-6), [(2, 3), (3,)]),
    "local_response_norm": (lambda x: F.local_response_norm(x, 3, 0.5), [(2, 4, 3)]),
    "max_pool1d": (lambda x: F.max_pool1d(x, 3, 2, 1), [(2, 2, 7)]),
    "avg_pool1d": (lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), [(2, 7)]),
    "adaptive_avg_pool1d": (lambda x: F.adaptive_avg_pool1d(x, 3), [(2, 2, 7)]),
    "adaptive_max_pool1d": (lambda x: F.adaptive_max_pool1d(x, 3), [(2, 2, 7)]),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, (2, 3)), [(1, 2, 5, 4)]),
    "lp_pool1d": (lambda x: F.lp_pool1d(x, 2.0, 2), [(1, 2, 6)], True),
    "lp_pool2d": (lambda x: F.lp_pool2d(x, 3.0, 2), [(1, 4, 4)], True),
    "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2), [(1, 4, 2, 3)]),
    "pixel_unshuffle": (lambda x: F.pixel_unshuffle(x, 2), [(1, 1, 4, 2)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_functional_forms_pass_gradcheck(name):
    fn, shapes, *positive = GRADCHECKS[name]
    inputs = [_g(s, bool(positive)) for s in shapes]
    assert ag.gradcheck(fn, inputs)


def test_gradgradcheck_of_the_norms():
    x = _g((2, 4, 3))
    assert ag.gradgradcheck(lambda x: F.group_norm(x, 2), [x])
    assert ag.gradgradcheck(lambda x: F.rms_norm(x, (3,)), [x])
    assert ag.gradgradcheck(lambda x: F.instance_norm(x), [x])


# --- constructor arguments, exports ---

LAYER_ARGS = {
    "GroupNorm": (2, 4), "InstanceNorm1d": (3,), "InstanceNorm2d": (3,), "BatchNorm3d": (3,),
    "RMSNorm": (3,), "LocalResponseNorm": (3,), "MaxPool1d": (2,), "AvgPool1d": (2,),
    "AdaptiveAvgPool1d": (2,), "AdaptiveMaxPool1d": (2,), "AdaptiveMaxPool2d": (2,),
    "LPPool1d": (2, 2), "LPPool2d": (2, 2), "ZeroPad1d": (1,), "ZeroPad2d": (1,),
    "ConstantPad1d": (1, 0.0), "ConstantPad2d": (1, 0.0), "ReflectionPad1d": (1,),
    "ReflectionPad2d": (1,), "ReplicationPad1d": (1,), "ReplicationPad2d": (1,),
    "CircularPad1d": (1,), "CircularPad2d": (1,), "PixelShuffle": (2,), "PixelUnshuffle": (2,),
    "UpsamplingNearest2d": (), "UpsamplingBilinear2d": (), "ParameterList": (),
    "ParameterDict": (), "TransformerDecoderLayer": (4, 2), "Transformer": (),
}


def _parameters(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self"]


@pytest.mark.parametrize("name", sorted(LAYER_ARGS) + ["TransformerEncoder",
                                                       "TransformerDecoder"])
def test_constructor_signatures_match_torch(torch, name):
    init = getattr(torch.nn, name).__init__
    overloads = typing.get_overloads(init)
    theirs = _parameters(overloads[0] if overloads else init)
    ours = _parameters(getattr(nn, name).__init__)
    if name.startswith("Transformer"):  # the default activation is each library's relu
        theirs = [p if p[0] != "activation" else (p[0], p[1], F.relu) for p in theirs]
    assert ours == theirs
    assert name in nn.__all__


@pytest.mark.parametrize("name", ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
                                  "BatchNorm3d", "RMSNorm"])
def test_norm_layers_take_dtype_and_refuse_other_devices(name):
    layer = getattr(nn, name)(*LAYER_ARGS[name], affine=True, dtype=ag.float64) \
        if name.startswith("Instance") else getattr(nn, name)(*LAYER_ARGS[name],
                                                             dtype=ag.float64)
    assert all(p.dtype == ag.float64 for p in layer.parameters())
    with pytest.raises(RuntimeError, match=f"^{name}: autograd_core runs on the CPU only"):
        getattr(nn, name)(*LAYER_ARGS[name], device="cuda")


def test_functional_exports():
    for name in ["group_norm", "instance_norm", "rms_norm", "local_response_norm",
                 "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
                 "adaptive_max_pool2d", "lp_pool1d", "lp_pool2d", "pixel_shuffle",
                 "pixel_unshuffle", "upsample_nearest", "upsample_bilinear"]:
        assert callable(getattr(F, name)), name


def test_parameter_dict_refuses_keys_that_shadow_its_methods():
    d = nn.ParameterDict()
    for key in ("keys", "update", "training"):
        with pytest.raises(KeyError, match=f"attribute '{key}' already exists"):
            d[key] = ag.zeros(1)
    assert len(d) == 0 and callable(d.keys)


def test_containers_deep_copy_with_their_parameters():
    import copy

    params = nn.ParameterList([ag.randn(2), 3])
    clone = copy.deepcopy(params)
    assert clone[0] is not params[0] and np.array_equal(clone[0].data, params[0].data)
    assert clone[1] == 3 and list(clone.state_dict()) == ["0"]
    d = copy.deepcopy(nn.ParameterDict({"a": ag.randn(2)}))
    assert list(d.state_dict()) == ["a"] and isinstance(d["a"], nn.Parameter)


def test_group_norm_on_an_empty_batch_gives_an_empty_output(torch):
    y = nn.GroupNorm(2, 4)(ag.zeros(0, 4, 3))
    assert y.shape == (0, 4, 3)


# --- audit regressions: LP pooling at 0 and +-inf, cropping pads, dropout p=1 ---

def _value_and_grad(torch, f_ours, f_theirs, x, g=None):
    xo, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = f_ours(xo), f_theirs(xt)
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = RNG.standard_normal(yo.shape) if g is None else g
    (yo * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.data, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    return xo.grad.data


@pytest.mark.parametrize("p", [2, 3.0, 1.5, -2.0])
def test_lp_pool_of_a_zero_window_has_torch_gradient(torch, p):
    x = np.array([[[0.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.5, 0.0]]])
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = _value_and_grad(torch, lambda t: F.lp_pool1d(t, p, 2),
                               lambda t: torch.nn.functional.lp_pool1d(t, p, 2), x)
    if p > 0:
        assert not np.isnan(grad[0, 0, :2]).any()
    x2 = np.zeros((1, 1, 4, 4))
    x2[0, 0, 2:, 2:] = [[1.0, 2.0], [0.5, 3.0]]
    with np.errstate(divide="ignore", invalid="ignore"):
        _value_and_grad(torch, lambda t: nn.LPPool2d(p, 2)(t),
                        lambda t: torch.nn.LPPool2d(p, 2)(t), x2)


def test_lp_pool_of_a_zero_window_keeps_float32(torch):
    x = ag.tensor([[[0.0, 0.0, 1.0, 2.0]]], requires_grad=True)
    y = nn.LPPool1d(2, 2)(x)
    assert y.dtype == ag.float32
    y.sum().backward()
    xt = torch.tensor([[[0.0, 0.0, 1.0, 2.0]]], requires_grad=True)
    torch.nn.LPPool1d(2, 2)(xt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("p", [float("inf"), -float("inf")])
def test_lp_pool_with_infinite_norm_type_is_torch_max_or_min_of_abs(torch, p):
    x = np.array([[[1.0, -2.0, 0.5, 0.3, -0.7, 0.0]]])
    _value_and_grad(torch, lambda t: F.lp_pool1d(t, p, 2),
                    lambda t: torch.nn.functional.lp_pool1d(t, p, 2), x)
    _value_and_grad(torch, lambda t: nn.LPPool1d(p, 3, stride=2, ceil_mode=True)(t),
                    lambda t: torch.nn.LPPool1d(p, 3, stride=2, ceil_mode=True)(t), x)
    x2 = RNG.standard_normal((2, 3, 4, 5))
    _value_and_grad(torch, lambda t: nn.LPPool2d(p, (2, 3))(t),
                    lambda t: torch.nn.LPPool2d(p, (2, 3))(t), x2)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", [
    ((1, 1, 5), (-1, 2)), ((1, 1, 5), (2, -1)), ((1, 1, 5), (-2, -1)), ((2, 5), (-1, 3)),
    ((1, 1, 5), (-4, 0)), ((1, 1, 3, 4), (-1, 0, 0, -1)), ((1, 1, 3, 4), (1, -1, -1, 2)),
    ((1, 1, 3, 4), (-2, -1, 1, 1)), ((1, 1, 3, 4), (0, 0, -3, 0)), ((2, 3, 4), (-1, 2, 1, -2)),
])
def test_negative_padding_crops_as_torch(torch, mode, shape, pad):
    x = RNG.standard_normal(shape)
    _value_and_grad(torch, lambda t: F.pad(t, pad, mode=mode),
                    lambda t: torch.nn.functional.pad(t, pad, mode=mode), x)


def test_negative_padding_layers_match_torch(torch):
    x = np.arange(5.0).reshape(1, 1, 5)
    for name, want in [("ReflectionPad1d", [1, 2, 3, 4, 3, 2]),
                       ("ReplicationPad1d", [1, 2, 3, 4, 4, 4]),
                       ("CircularPad1d", [1, 2, 3, 4, 1, 2])]:
        ours, theirs = getattr(nn, name)((-1, 2)), getattr(torch.nn, name)((-1, 2))
        np.testing.assert_array_equal(ours(_t(x)).data.ravel(), want)
        _pair(torch, ours, theirs, x)
    x2 = RNG.standard_normal((2, 3, 4))
    for name in ["ReflectionPad2d", "ReplicationPad2d", "CircularPad2d"]:
        _pair(torch, getattr(nn, name)((-1, 2, 1, -2)), getattr(torch.nn, name)((-1, 2, 1, -2)),
              x2)


@pytest.mark.parametrize("mode, shape, pad", [
    ("reflect", (1, 1, 5), (5, 0)), ("reflect", (1, 1, 5), (-1, 5)),
    ("reflect", (1, 1, 3), (-2, -1)), ("replicate", (1, 1, 3), (-3, 0)),
    ("reflect", (1, 1, 3, 4), (0, -4, -3, 0)), ("replicate", (1, 1, 3, 4), (0, -4, 0, -3)),
    ("circular", (1, 1, 3), (4, 0)), ("circular", (1, 1, 3), (-4, 0)),
    ("reflect", (1, 1, 3), (-4, 0)), ("constant", (1, 1, 3), (1, -4)),
])
def test_too_large_padding_raises_shape_error_where_torch_raises_runtime_error(torch, mode,
                                                                             shape, pad):
    with pytest.raises(RuntimeError):
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
    with pytest.raises(ag.ShapeError):
        F.pad(ag.zeros(*shape), pad, mode=mode)


def test_padding_to_nothing_matches_torch(torch):
    for mode, shape, pad in [("reflect", (1, 1, 3, 4), (0, 0, -3, 0)),
                             ("replicate", (1, 2, 3), (-3, 0, 0, 0)),
                             ("circular", (1, 1, 3), (-1, -2)),
                             ("circular", (1, 1, 3, 4), (1, 1, -1, -2)),
                             ("circular", (1, 1, 3, 4), (0, -4, 1, 0))]:
        yt = torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
        xo = ag.zeros(*shape, requires_grad=True)
        yo = F.pad(xo, pad, mode=mode)
        assert tuple(yo.shape) == tuple(yt.shape)
        yo.sum().backward()
        np.testing.assert_array_equal(xo.grad.data, np.zeros(shape))


@pytest.mark.parametrize("name", ["dropout2d", "dropout3d", "feature_alpha_dropout"])
@pytest.mark.parametrize("shape", [(), (3,)])
def test_feature_dropout_checks_p_and_training_before_the_dims(torch, name, shape):
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p, training in [(1.0, True), (0.5, False), (0.0, True)]:
            x = np.full(shape, 2.0)
            yt = theirs(torch.tensor(x), p=p, training=training)
            yo = ours(_t(x), p=p, training=training)
            np.testing.assert_array_equal(yo.data, yt.numpy())
        try:  # p < 1 in training: the dims are checked (dropout3d unsqueezes a batch dim)
            want = tuple(theirs(torch.ones(shape), p=0.5, training=True).shape)
        except RuntimeError:
            with pytest.raises(ag.ShapeError):
                ours(ag.ones(*shape), p=0.5, training=True)
        else:
            assert tuple(ours(_t(np.ones(shape)), p=0.5, training=True).shape) == want
