"""ag.save / ag.load: safetensors round trips, bit-exactness, atomic writes, PyTorch
interop and a clear SerializationError for every damaged or foreign file."""

import json
import math
import os
import pathlib
import pickle
import re
import struct

import numpy as np
import pytest
import safetensors.numpy

import autograd_core as ag


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8).tobytes()


def _raw(path, header, buf=b"", length=None):
    """A hand-made safetensors file: u64 header length, JSON header, data buffer."""
    hb = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(hb) if length is None else length) + hb + buf)
    return path


def _fails(path, problem):
    return pytest.raises(ag.SerializationError, match=re.escape(repr(str(path))) + ".*" + problem)


# --- round trips ---
def test_nested_round_trip_keeps_types_values_and_order(tmp_path):
    obj = {
        "model": {"fc1.weight": ag.tensor([[1.0, 2.0], [3.0, 4.0]]), "fc1.bias": ag.zeros(2)},
        "optim": {"state": {0: {"step": 3, "exp_avg": ag.ones(2, dtype=ag.float64)}},
                  "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                    "nesterov": False, "name": "héllo ☃", "foo": None}]},
        "mask": np.array([True, False]),
        "lists": [[1, [2, [3]]], [], {}, ()],
        "big": 2**70, "neg_zero": -0.0, "nan": math.nan, "inf": math.inf, "ninf": -math.inf,
        "": "empty key", "z": "last",
    }
    path = tmp_path / "state.safetensors"
    ag.save(obj, path)
    out = ag.load(path)
    assert list(out) == list(obj)
    assert list(out["model"]) == ["fc1.weight", "fc1.bias"]
    assert isinstance(out["model"]["fc1.weight"], ag.Tensor)
    np.testing.assert_array_equal(out["model"]["fc1.weight"].data, [[1, 2], [3, 4]])
    state = out["optim"]["state"]
    assert list(state) == [0] and isinstance(next(iter(state)), int)
    assert state[0]["step"] == 3 and type(state[0]["step"]) is int
    assert state[0]["exp_avg"].dtype == np.float64
    group = out["optim"]["param_groups"][0]
    assert group == {"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False,
                     "name": "héllo ☃", "foo": None}
    assert type(group["betas"]) is tuple and type(group["nesterov"]) is bool
    assert type(out["mask"]) is np.ndarray and out["mask"].dtype == np.bool_
    assert out["lists"] == [[1, [2, [3]]], [], {}, ()]
    assert out["big"] == 2**70
    assert math.copysign(1.0, out["neg_zero"]) == -1.0
    assert math.isnan(out["nan"]) and out["inf"] == math.inf and out["ninf"] == -math.inf
    assert out[""] == "empty key" and out["z"] == "last"


def test_loaded_tensors_are_detached_owned_and_keep_dtype(tmp_path):
    w = ag.randn(3, 2, dtype=ag.float64, requires_grad=True)
    (w * 2).sum().backward()
    ag.save({"w": w, "i": ag.arange(4), "b": ag.tensor([True, False])}, tmp_path / "t")
    out = ag.load(tmp_path / "t")
    assert [out[k].dtype for k in "wib"] == [np.float64, np.int64, np.bool_]
    assert not out["w"].requires_grad and out["w"].grad is None and out["w"].is_leaf
    np.testing.assert_array_equal(out["w"].data, w.data)
    out["w"].add_(1.0)  # owns writable memory
    np.testing.assert_array_equal(out["w"].data, w.data + 1.0)


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (0, 0), (1,), (3, 1, 2)])
def test_shapes_round_trip_including_0d_and_empty(tmp_path, shape):
    arr = np.arange(math.prod(shape), dtype=np.float32).reshape(shape)
    ag.save({"t": ag.tensor(arr), "a": arr}, tmp_path / "s")
    out = ag.load(tmp_path / "s")
    assert out["t"].shape == shape and out["a"].shape == shape
    np.testing.assert_array_equal(out["a"], arr)


def test_non_contiguous_arrays_save_their_values(tmp_path):
    base = np.arange(24, dtype=np.int32).reshape(4, 6)
    views = {"T": base.T, "strided": base[::2, 1::3], "neg": base[:, ::-1]}
    ag.save(views, tmp_path / "v")
    out = ag.load(tmp_path / "v")
    for k, v in views.items():
        np.testing.assert_array_equal(out[k], v)


def _special(dtype):
    """Values whose bits a sloppy round trip would change: NaN payloads, -0.0, extremes."""
    d = np.dtype(dtype)
    if d.kind == "f":
        bits = {2: [0x7E01, 0xFC02, 0x7C01, 0x8000, 0x0001, 0x7BFF, 0x7C00],
                4: [0x7FC00001, 0xFFC12345, 0x7F800001, 0x80000000, 0x00000001, 0x7F800000],
                8: [0x7FF8000000000001, 0xFFF0DEADBEEF0001, 0x8000000000000000,
                    0x0000000000000001, 0xFFF0000000000000]}[d.itemsize]
        return np.array(bits, dtype=f"u{d.itemsize}").view(d)
    if d.kind == "b":
        return np.array([True, False, True])
    info = np.iinfo(d)
    return np.array([info.min, -1 if info.min else 0, 0, 1, info.max], dtype=d)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "uint16", "uint32", "uint64", "bool"])
def test_every_dtype_round_trips_bit_exactly(tmp_path, dtype):
    arr = _special(dtype)
    ag.save({"a": arr, "s": arr[0], "nested": [arr[::-1]]}, tmp_path / "d")
    out = ag.load(tmp_path / "d")
    assert out["a"].dtype == arr.dtype and _bits(out["a"]) == _bits(arr)
    assert _bits(out["nested"][0]) == _bits(arr[::-1])
    assert type(out["s"]) is type(arr[0]) and _bits(out["s"]) == _bits(arr[0])


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64, ag.int64, ag.bool])
def test_tensor_dtypes_round_trip_bit_exactly(tmp_path, dtype):
    t = ag.tensor(_special(dtype), dtype=dtype)
    ag.save({"t": t}, tmp_path / "t")
    out = ag.load(tmp_path / "t")["t"]
    assert isinstance(out, ag.Tensor) and out.dtype == dtype and _bits(out.data) == _bits(t.data)


def test_root_need_not_be_a_dict(tmp_path):
    for obj in (ag.tensor(2.5), [ag.ones(2), 3], {}, [], 7, None):
        ag.save(obj, tmp_path / "r")
        out = ag.load(tmp_path / "r")
        assert type(out) is type(obj)
        if isinstance(obj, list) and obj:
            np.testing.assert_array_equal(out[0].data, [1, 1])
            assert out[1] == 3
    assert ag.load(tmp_path / "r") is None


def test_dotted_keys_that_clash_with_nested_paths_round_trip(tmp_path):
    obj = {"a.b": ag.tensor([1.0]), "a": {"b": ag.tensor([2.0]), "b~1": ag.tensor([3.0])},
           0: ag.tensor([4.0]), "0": ag.tensor([5.0]), "__metadata__": ag.tensor([6.0])}
    ag.save(obj, tmp_path / "c")
    out = ag.load(tmp_path / "c")
    assert list(out) == ["a.b", "a", 0, "0", "__metadata__"]
    assert [out["a.b"].item(), out["a"]["b"].item(), out["a"]["b~1"].item(), out[0].item(),
            out["0"].item(), out["__metadata__"].item()] == [1, 2, 3, 4, 5, 6]


def test_flat_state_dict_keeps_its_keys_as_tensor_names(tmp_path):
    sd = {"fc1.weight": ag.ones(3, 2), "fc1.bias": ag.zeros(3), "bn.num_batches_tracked":
          ag.tensor(0), "fc2.weight": ag.ones(1, 3)}
    ag.save(sd, tmp_path / "m.safetensors")
    raw = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    assert sorted(raw) == sorted(sd)
    assert raw["bn.num_batches_tracked"].shape == () and raw["fc1.bias"].shape == (3,)


def test_path_may_be_str_or_pathlike(tmp_path):
    ag.save({"x": 1}, str(tmp_path / "p1"))
    ag.save({"x": 2}, pathlib.PurePath(tmp_path / "p2"))
    assert ag.load(str(tmp_path / "p2")) == {"x": 2}
    assert ag.load(tmp_path / "p1") == {"x": 1}
    with pytest.raises(TypeError, match="save: path must be a str or os.PathLike, got int"):
        ag.save({}, 3)


# --- determinism and atomicity ---
def test_equal_states_give_equal_bytes(tmp_path):
    def state():
        return {"w": ag.tensor([[0.5, -0.0], [math.nan, 2.0]]), "b": np.arange(3),
                "meta": {"epoch": 3, "lr": 0.1, "tags": ["a", None, True]}}

    ag.save(state(), tmp_path / "one")
    ag.save(state(), tmp_path / "two")
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()


@pytest.mark.parametrize("bad, where, err", [
    ({"a": [1, {2, 3}]}, r"obj\['a'\]\[1\] of type set", TypeError),
    ({"opt": {"x": object()}}, r"obj\['opt'\]\['x'\] of type object", TypeError),
    ({"c": np.zeros(2, np.complex128)}, r"obj\['c'\] has dtype complex128", TypeError),
    ({"s": np.array(["x"])}, r"obj\['s'\] has dtype <U1", TypeError),
    ({"k": {(1, 2): 3}}, r"obj\['k'\] has a key \(1, 2\) of type tuple", TypeError),
    ({"b": b"bytes"}, r"obj\['b'\] of type bytes", TypeError),
])
def test_unsupported_objects_raise_and_leave_the_old_file_alone(tmp_path, bad, where, err):
    path = tmp_path / "keep.safetensors"
    ag.save({"w": ag.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(err, match="ag.save: (cannot save )?" + where):
        ag.save(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.safetensors"]


def test_reference_cycle_is_refused(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match=r"obj\['a'\]\[0\] contains itself"):
        ag.save(loop, tmp_path / "x")
    shared = [1, 2]
    ag.save({"p": shared, "q": shared}, tmp_path / "x")  # shared is not a cycle
    assert ag.load(tmp_path / "x") == {"p": [1, 2], "q": [1, 2]}


def test_failed_write_removes_the_temp_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "keep.safetensors"
    ag.save({"w": ag.ones(2)}, path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        assert os.path.dirname(src) == os.path.dirname(dst)  # same folder: a real rename
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        ag.save({"w": ag.zeros(5)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.safetensors"]


# --- PyTorch interop (torch is only an oracle here) ---
def _torch_model():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch, torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                      torch.nn.Linear(4, 2))


def test_pytorch_loads_our_state_dict(tmp_path):
    torch, model = _torch_model()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    sd = {k: ag.tensor(v.detach().numpy()) for k, v in model.state_dict().items()}
    ag.save(sd, tmp_path / "model.safetensors")
    loaded = safetensors_torch.load_file(tmp_path / "model.safetensors")
    assert set(loaded) == set(model.state_dict())
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    fresh.load_state_dict(loaded)  # strict: the names and shapes must match
    for k, v in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[k], v)


def test_we_load_pytorch_safetensors_as_flat_tensors(tmp_path):
    torch, model = _torch_model()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    sd = dict(model.state_dict())
    sd["steps"] = torch.tensor(7)
    safetensors_torch.save_file(sd, tmp_path / "torch.safetensors")
    out = ag.load(tmp_path / "torch.safetensors")
    assert set(out) == set(sd)
    for k, v in sd.items():
        assert isinstance(out[k], ag.Tensor) and not out[k].requires_grad
        assert out[k].shape == tuple(v.shape) and str(out[k].dtype) == str(v.dtype)[6:]
        np.testing.assert_array_equal(out[k].data, v.numpy())


def test_foreign_numpy_file_keeps_dtypes(tmp_path):
    arrs = {"h": np.array([1.5, -0.0], np.float16), "u": np.array([[255]], np.uint8)}
    safetensors.numpy.save_file(arrs, tmp_path / "f.safetensors", metadata={"who": "else"})
    out = ag.load(tmp_path / "f.safetensors")
    assert sorted(out) == ["h", "u"]
    assert all(isinstance(v, ag.Tensor) for v in out.values())
    assert _bits(out["h"].data) == _bits(arrs["h"]) and out["u"].dtype == np.uint8


# --- damaged and foreign files ---
class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")  # unpickling would create the marker file


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_hostile_pickle_is_never_run(tmp_path, protocol):
    live = tmp_path / "proof"
    pickle.loads(pickle.dumps(_Payload(str(live)))).close()
    assert live.exists()  # the payload is real: unpickling it does run it
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"w": _Payload(str(marker))}, protocol=protocol))
    problem = "it is a pickle" if protocol >= 2 else "not a safetensors file"
    with _fails(path, problem):
        ag.load(path)
    assert not marker.exists()


def test_torch_save_file_is_refused(tmp_path):
    torch, model = _torch_model()
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    with _fails(path, r"zip archive \(a torch.save .pt file\?\)"):
        ag.load(path)


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.safetensors"
    ag.save({"a": ag.arange(4), "b": {"c": ag.ones(2, 3)}}, path)
    return path


@pytest.mark.parametrize("cut, problem", [
    (0, "truncated: 0 bytes"),
    (5, "truncated: 5 bytes"),
    (40, "truncated: the header claims"),
    (-1, r"tensor '(a|b.c)': data range \[\d+, \d+\) lies outside the \d+-byte data buffer"),
])
def test_truncated_file(good, cut, problem):
    data = good.read_bytes()
    good.write_bytes(data[:cut])
    with _fails(good, problem):
        ag.load(good)


def test_trailing_bytes_are_refused(good):
    good.write_bytes(good.read_bytes() + b"\0" * 8)
    with _fails(good, r"the data buffer has \d+ bytes but the tensors cover \d+"):
        ag.load(good)


@pytest.mark.parametrize("length, problem", [
    (10**6, "truncated: the header claims 1000000 bytes"),
    (2**63, f"header length {2**63} is absurdly large"),
])
def test_oversized_header_length(tmp_path, length, problem):
    path = _raw(tmp_path / "big", {}, length=length)
    with _fails(path, problem):
        ag.load(path)


@pytest.mark.parametrize("header, problem", [
    (b"{not json}", "the header is not valid JSON"),
    (b"\xff\xfe{}", "the header is not valid JSON"),
    (b"[1, 2]", "the header is a JSON list, not an object"),
    (b'{"a": 1, "a": 2}', "the header is not valid JSON: duplicate keys"),
    (b'{"__metadata__": {"k": 1}}', "__metadata__ is not a map of strings"),
])
def test_header_that_is_not_a_valid_json_object(tmp_path, header, problem):
    path = tmp_path / "h"
    path.write_bytes(struct.pack("<Q", len(header)) + header)
    with _fails(path, problem):
        ag.load(path)


def _entry(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("header, buf, problem", [
    ({"x": _entry(offsets=(0, 16))}, bytes(8),
     r"tensor 'x': data range \[0, 16\) lies outside the 8-byte data buffer"),
    ({"x": _entry(shape=(3,))}, bytes(8),
     r"tensor 'x': data range \[0, 8\) holds 8 bytes but F32 of shape \(3,\) needs 12"),
    ({"x": _entry(), "y": _entry(offsets=(4, 12))}, bytes(12),
     r"tensor 'y': data range \[4, 12\) overlaps tensor 'x'"),
    ({"x": _entry(offsets=(4, 12))}, bytes(12),
     r"bytes \[0, 4\) of the data buffer belong to no tensor"),
    ({"x": _entry(offsets=(8, 0))}, bytes(8), r"data_offsets \[8, 0\] is not \[begin, end\]"),
    ({"x": _entry(dtype="BF16")}, bytes(8), "dtype 'BF16' is not one numpy can hold"),
    ({"x": _entry(shape=(-2,))}, bytes(8), r"shape \[-2\] is not a list of sizes"),
    ({"x": [1, 2]}, bytes(8), "tensor 'x': its header entry is not an object"),
])
def test_inconsistent_offsets_and_entries(tmp_path, header, buf, problem):
    path = _raw(tmp_path / "o", header, buf)
    with _fails(path, problem):
        ag.load(path)


def _with_tree(tmp_path, tree, tensors=None, version=1, raw_meta=None):
    meta = raw_meta if raw_meta is not None else json.dumps(
        {"format": "autograd_core", "version": version, "tree": tree})
    path = tmp_path / "tree.safetensors"
    safetensors.numpy.save_file(tensors or {}, path, metadata={"autograd_core": meta})
    return path


@pytest.mark.parametrize("tree, tensors, problem", [
    ({"dict": [["w", {"tensor": "w"}], ["v", {"tensor": "gone"}]]}, {"w": np.ones(2)},
     r"the tree refers to tensor 'gone' \(at obj\['v'\]\), which the file does not hold"),
    ({"dict": [["w", {"tensor": "w"}]]}, {"w": np.ones(2), "x": np.ones(1)},
     r"the file holds tensors the tree does not place: \['x'\]"),
    ({"list": [{"tensor": "w"}, {"ndarray": "w"}]}, {"w": np.ones(2)},
     "the tree refers to tensor 'w' twice"),
    ({"list": [{"scalar": "w"}]}, {"w": np.ones(2)}, r"scalar at obj\[0\] is tensor 'w'"),
    ({"list": [[1, 2]]}, None, r"tree node at obj\[0\] is malformed: \[1, 2\]"),
    ({"dict": [["a", 1], ["a", 2]]}, None, "the tree's dict at obj repeats a key"),
    ({"set": [1]}, None, r"tree node at obj is malformed: \{\"set\": \[1\]\}"),
])
def test_metadata_tree_that_does_not_match_the_tensors(tmp_path, tree, tensors, problem):
    path = _with_tree(tmp_path, tree, tensors)
    with _fails(path, problem):
        ag.load(path)


def test_metadata_that_is_not_our_tree(tmp_path):
    path = _with_tree(tmp_path, None, raw_meta="{oops")
    with _fails(path, "the autograd_core metadata is not valid JSON"):
        ag.load(path)
    path = _with_tree(tmp_path, None, raw_meta='{"format": "other"}')
    with _fails(path, "the autograd_core metadata is not an autograd_core tree"):
        ag.load(path)
    path = _with_tree(tmp_path, {"list": []}, version=2)
    with _fails(path, "format version 2 is not supported"):
        ag.load(path)


def test_library_errors_are_wrapped_and_chained(good, monkeypatch):
    def broken(data):
        raise ValueError("library says no")

    monkeypatch.setattr(safetensors.numpy, "load", broken)
    with _fails(good, "safetensors could not read the file: library says no") as info:
        ag.load(good)
    assert isinstance(info.value.__cause__, ValueError)


def test_serialization_error_is_a_runtime_error():
    assert issubclass(ag.SerializationError, RuntimeError)


@pytest.mark.parametrize("second", [2, 3, 4, 5])
def test_a_header_length_that_starts_like_a_pickle_still_loads(tmp_path, second):
    """A safetensors file begins with its header's length: 640 bytes is b'\\x80\\x02...',
    a pickle's first two bytes. Such files (ours: a bidirectional GRU's state, and
    torch's) load; a real pickle is still refused."""
    target = 0x80 + (second << 8)
    for k in range(2000):
        blob = safetensors.numpy.save({"x": np.arange(3.0)}, metadata={"pad": "a" * k})
        (n,) = struct.unpack("<Q", blob[:8])
        if n & 0xFFFF == target:
            break
    else:
        pytest.fail("no padding gave the header length")
    assert blob[:2] == bytes([0x80, second])
    path = tmp_path / "state.safetensors"
    path.write_bytes(blob)
    np.testing.assert_array_equal(ag.load(path)["x"].numpy(), np.arange(3.0))
    with open(tmp_path / "p.pkl", "wb") as f:
        pickle.dump({"x": 1}, f, protocol=second)
    with pytest.raises(ag.SerializationError, match="it is a pickle"):
        ag.load(tmp_path / "p.pkl")


def test_a_bidirectional_gru_state_round_trips(tmp_path):
    import nn

    state = nn.GRU(16, 32, bidirectional=True).state_dict()
    ag.save(state, tmp_path / "gru.safetensors")
    loaded = ag.load(tmp_path / "gru.safetensors")
    assert list(loaded) == list(state)
    for k in state:
        np.testing.assert_array_equal(loaded[k].numpy(), state[k].numpy())
