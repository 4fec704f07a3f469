"""ag.save / ag.load: state dicts in the safetensors format, which never unpickles code
and which PyTorch reads (`safetensors.torch.load_file`). Nested structure and non-tensor
values travel as JSON in the header's metadata."""

import io
import json
import math
import os
import secrets
import struct

import numpy as np
import safetensors
import safetensors.numpy

from .tensor import Tensor, _wrap

_META_KEY = "autograd_core"  # the one metadata entry we write: a JSON tree, see _encode
_FORMAT_VERSION = 1
_MAX_HEADER = 100_000_000  # the safetensors library refuses larger headers too

# safetensors dtype token <-> numpy dtype, for the dtypes numpy can hold
_DTYPES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32), "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64),
    "F16": np.dtype(np.float16), "F32": np.dtype(np.float32), "F64": np.dtype(np.float64),
    "C64": np.dtype(np.complex64),
}
_SAVABLE = {d.name for d in _DTYPES.values()}


class SerializationError(RuntimeError):
    """ag.load met a file that is not a valid safetensors file, or whose tree is damaged."""


# --- save ---
def save(obj, f):
    """Save a state dict to `f` (a path or a binary file object) in the safetensors format.

    `obj` is a Tensor, numpy array, number, string, None or bool, or a dict (str or int
    keys), list or tuple nesting them. Safetensors holds raw tensor bytes and a JSON
    header, so loading never runs code (unlike pickle) and PyTorch reads the file: a flat
    dict of tensors, such as a model's state_dict, keeps its keys as the tensor names.
    Written to a path, the write is atomic: a temporary file in the same folder replaces
    the path only once it is complete, so a failure leaves an existing file untouched.

    Args:
        obj: the object to save (gradients and graph are not saved, only values).
        f: a str or os.PathLike, or a file object opened for binary writing (open(..., "wb"),
            io.BytesIO), which gets the bytes at its current position, as torch.save.
    """
    stream = _stream(f, "save", "write", "wb")
    path = f if stream else _fspath(f, "save")
    arrays, tree = _encode(obj)
    meta = json.dumps({"format": "autograd_core", "version": _FORMAT_VERSION, "tree": tree},
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    try:
        data = safetensors.numpy.save(arrays, metadata={_META_KEY: meta})
    except Exception as e:
        raise SerializationError(f"ag.save: {_name(path)}: safetensors could not serialize: "
                                 f"{e}") from e
    if not stream:
        _write_atomic(path, data)
        return
    try:
        f.write(data)
    except TypeError:  # a text stream that io.TextIOBase does not cover
        raise TypeError(f"ag.save: {_name(f)} is open in text mode; open it in binary mode "
                        "('wb') or pass a path") from None
    if hasattr(f, "flush"):
        f.flush()


def _stream(f, op, method, mode):
    """True when f is a file object (has read/write), after checking it is not text-mode."""
    if isinstance(f, (str, bytes, os.PathLike)) or not hasattr(f, method):
        return False
    mode_of_f = getattr(f, "mode", None)
    if isinstance(f, io.TextIOBase) or (isinstance(mode_of_f, str) and "b" not in mode_of_f):
        raise TypeError(f"ag.{op}: {_name(f)} is open in text mode; open it in binary mode "
                        f"({mode!r}) or pass a path")
    return True


def _name(f):
    """How messages name a path or file object."""
    if isinstance(f, (str, bytes, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} object"


def _fspath(path, op):
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"ag.{op}: path must be a str or os.PathLike, got "
                        f"{type(path).__name__}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path


def _where(keys):
    return "obj" + "".join(f"[{k!r}]" for k in keys)


def _encode(obj):
    """obj -> ({tensor name: C-contiguous array}, JSON tree).

    A tree node is a JSON scalar (None, bool, int, finite float, str) or a one-key object:
    {"dict": [[key, node], ...]}, {"list": [...]}, {"tuple": [...]}, {"float": "nan"}, or
    {"tensor"|"ndarray"|"scalar": name} naming an entry of the file. Names are the dotted
    key path ("fc1.weight"); the rare clash ({"a.b": x, "a": {"b": y}}) gets a "~n"
    suffix. The tree, not the names, says where each array goes, so names need not parse.
    Walked with an explicit stack (pre-order, so names follow key order).
    """
    arrays, used = {}, {"__metadata__"}  # the header reserves this name
    root = [None]
    active = set()  # ids of the containers on the current path: a cycle would never end
    stack = [(obj, (), root, 0)]
    while stack:
        x, keys, sink, slot = stack.pop()
        if sink is None:  # leaving a container
            active.discard(x)
            continue
        if isinstance(x, (dict, list, tuple)):
            if id(x) in active:
                raise ValueError(f"ag.save: {_where(keys)} contains itself (a reference cycle)")
            active.add(id(x))
            stack.append((id(x), None, None, None))
            if isinstance(x, dict):
                items = [[_encode_key(k, keys), None] for k in x]
                sink[slot] = {"dict": items}
                children = [(v, keys + (k,), items[i], 1) for i, (k, v) in enumerate(x.items())]
            else:
                items = [None] * len(x)
                sink[slot] = {"list" if isinstance(x, list) else "tuple": items}
                children = [(v, keys + (i,), items, i) for i, v in enumerate(x)]
            stack.extend(reversed(children))
        elif isinstance(x, (Tensor, np.ndarray)) or (
                isinstance(x, np.generic) and not isinstance(x, (np.str_, np.bytes_))):
            kind = "tensor" if isinstance(x, Tensor) else (
                "ndarray" if isinstance(x, np.ndarray) else "scalar")
            a = np.asarray(x.data if isinstance(x, Tensor) else x)
            if a.dtype.name not in _SAVABLE:
                raise TypeError(f"ag.save: {_where(keys)} has dtype {a.dtype}, which "
                                f"safetensors cannot hold (use one of {sorted(_SAVABLE)})")
            if not a.flags.c_contiguous:
                a = a.copy(order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d
            name = _unique(".".join(str(k) for k in keys), used)
            arrays[name] = a
            sink[slot] = {kind: name}
        elif x is None or isinstance(x, bool):
            sink[slot] = None if x is None else bool(x)
        elif isinstance(x, str):
            sink[slot] = str(x)
        elif isinstance(x, int):
            sink[slot] = int(x)
        elif isinstance(x, float):
            x = float(x)
            sink[slot] = x if math.isfinite(x) else {"float": repr(x)}  # JSON has no NaN
        else:
            hint = " (save its .state_dict() instead)" if hasattr(x, "state_dict") else ""
            raise TypeError(f"ag.save: cannot save {_where(keys)} of type "
                            f"{type(x).__name__}{hint}: only Tensors, numpy arrays, numbers, "
                            "strings, None and dicts, lists and tuples of them")
    return arrays, root[0]


def _encode_key(k, keys):
    if isinstance(k, str):
        return str(k)
    if isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)):
        return int(k)
    raise TypeError(f"ag.save: {_where(keys)} has a key {k!r} of type {type(k).__name__}: "
                    "dict keys must be str or int")


def _unique(name, used):
    candidate, n = name, 0
    while candidate in used:
        n += 1
        candidate = f"{name}~{n}"
    used.add(candidate)
    return candidate


def _write_atomic(path, data):
    """Write to a fresh file next to the target, then os.replace it over the target."""
    target = os.path.realpath(path)  # through a symlink, as open() would write
    folder, base = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # 0o666: the umask applies, as for open()
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


# --- load ---
def load(f):
    """Load what ag.save wrote (or any safetensors file) from `f`, a path or a binary file
    object (read from its current position to the end, as torch.load).

    Tensors come back as Tensors (same dtype, requires_grad False), numpy arrays as
    numpy arrays, and the dicts, lists, numbers and strings as they were saved. A
    safetensors file written elsewhere (e.g. by `safetensors.torch.save_file`) loads as
    a flat dict of Tensors. Nothing is ever unpickled: a pickle or torch.save file, a
    truncated or damaged file raises SerializationError, and nothing is half-loaded.

    Args:
        f: a str or os.PathLike, or a file object opened for binary reading
            (open(..., "rb"), io.BytesIO).
    """
    if _stream(f, "load", "read", "rb"):
        where = _name(f)
        data = f.read()
        if isinstance(data, str):
            raise TypeError(f"ag.load: {where} is open in text mode; open it in binary mode "
                            "('rb') or pass a path")
        data = bytes(data)
    else:
        path = _fspath(f, "load")
        where = repr(path)
        with open(path, "rb") as stream:
            data = stream.read()

    def fail(problem):
        return SerializationError(f"ag.load: {where}: {problem}")

    header = _check_header(data, fail)
    try:
        raw = safetensors.numpy.load(data)
    except Exception as e:
        raise fail(f"safetensors could not read the file: {e}") from e
    del data
    arrays = {}
    for name, a in raw.items():
        if not (a.flags.writeable and a.flags.aligned):
            a = a.copy()  # older safetensors hand out read-only bytes; Tensors write in place
        if a.dtype == np.bool_:
            a = a.view(np.uint8) != 0  # only 0 and 1 are valid bools
        arrays[name] = a
    meta = header.get("__metadata__") or {}
    if _META_KEY not in meta:
        return {name: _wrap(a) for name, a in arrays.items()}
    return _decode(meta[_META_KEY], arrays, fail)


def _check_header(data, fail):
    """Validate the safetensors layout ourselves, so every damage gets a clear message:
    u64 little-endian header size N, N bytes of JSON {name: {dtype, shape, data_offsets},
    "__metadata__": {str: str}}, then a data buffer the tensors tile exactly."""
    # a safetensors file's first bytes are its header's length, which may well start with
    # a pickle's \x80\x02..\x05 (a header of 640 bytes does): the layout is checked first
    plausible = len(data) >= 9 and data[8:9] == b"{" and \
        8 + struct.unpack("<Q", data[:8])[0] <= len(data)
    if not plausible and data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04",
                                                              b"\x05"):
        raise fail("not a safetensors file: it is a pickle, and ag.load never unpickles")
    if not plausible and data[:4] == b"PK\x03\x04":
        raise fail("not a safetensors file: it is a zip archive (a torch.save .pt file?), "
                   "and ag.load never unpickles")
    if len(data) < 8:
        raise fail(f"truncated: {len(data)} bytes, too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER:
        raise fail(f"not a safetensors file: header length {n} is absurdly large "
                   f"(the limit is {_MAX_HEADER})")
    if 8 + n > len(data):
        raise fail(f"truncated: the header claims {n} bytes but the file has only "
                   f"{len(data) - 8} after the length field")

    def no_duplicates(pairs):
        d = dict(pairs)
        if len(d) != len(pairs):
            raise ValueError("duplicate keys in a JSON object")
        return d

    try:
        header = json.loads(data[8:8 + n].decode("utf-8"), object_pairs_hook=no_duplicates)
    except (ValueError, RecursionError) as e:
        raise fail(f"the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise fail(f"the header is a JSON {type(header).__name__}, not an object")
    meta = header.get("__metadata__")
    if meta is not None and not (isinstance(meta, dict) and all(
            isinstance(v, str) for v in meta.values())):
        raise fail("the header's __metadata__ is not a map of strings")
    size = len(data) - 8 - n
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            raise fail(f"tensor {name!r}: its header entry is not an object")
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in _DTYPES:
            raise fail(f"tensor {name!r}: dtype {dtype!r} is not one numpy can hold "
                       f"({', '.join(_DTYPES)})")
        if not (isinstance(shape, list) and all(_is_count(s) for s in shape)):
            raise fail(f"tensor {name!r}: shape {shape!r} is not a list of sizes")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))
                and offsets[0] <= offsets[1]):
            raise fail(f"tensor {name!r}: data_offsets {offsets!r} is not [begin, end]")
        begin, end = offsets
        if end > size:
            raise fail(f"tensor {name!r}: data range [{begin}, {end}) lies outside the "
                       f"{size}-byte data buffer")
        need = math.prod(shape) * _DTYPES[dtype].itemsize
        if end - begin != need:
            raise fail(f"tensor {name!r}: data range [{begin}, {end}) holds {end - begin} "
                       f"bytes but {dtype} of shape {tuple(shape)} needs {need}")
        spans.append((begin, end, name))
    covered, previous = 0, None
    for begin, end, name in sorted(spans):
        if begin < covered:
            raise fail(f"tensor {name!r}: data range [{begin}, {end}) overlaps tensor "
                       f"{previous!r}")
        if begin > covered:
            raise fail(f"bytes [{covered}, {begin}) of the data buffer belong to no tensor")
        covered, previous = end, name
    if covered != size:
        raise fail(f"the data buffer has {size} bytes but the tensors cover {covered}")
    return header


def _is_count(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _decode(text, arrays, fail):
    """Rebuild the tree _encode wrote; every array must be used exactly once."""
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise fail(f"the {_META_KEY} metadata is not valid JSON: {e}") from None
    if not (isinstance(meta, dict) and meta.get("format") == "autograd_core"
            and "tree" in meta):
        raise fail(f"the {_META_KEY} metadata is not an autograd_core tree")
    version = meta.get("version")
    if version != _FORMAT_VERSION:
        raise fail(f"format version {version!r} is not supported (this reads version "
                   f"{_FORMAT_VERSION}; a newer autograd_core may have written it)")
    used = set()
    root = [None]
    stack = [(meta["tree"], (), root, 0)]
    while stack:
        node, keys, sink, slot = stack.pop()
        if keys is None:  # a tuple whose items are all built
            sink[slot] = tuple(node)
            continue
        if node is None or isinstance(node, (bool, int, float, str)):
            sink[slot] = node
            continue
        if not (isinstance(node, dict) and len(node) == 1):
            raise fail(f"the tree node at {_where(keys)} is malformed: {_short(node)}")
        ((kind, value),) = node.items()
        if kind == "dict" and isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], (str, int))
                and not isinstance(p[0], bool) for p in value):
            out = dict.fromkeys(p[0] for p in value)
            if len(out) != len(value):
                raise fail(f"the tree's dict at {_where(keys)} repeats a key")
            sink[slot] = out
            stack.extend((v, keys + (k,), out, k) for k, v in reversed(value))
        elif kind in ("list", "tuple") and isinstance(value, list):
            items = [None] * len(value)
            if kind == "list":
                sink[slot] = items
            else:
                stack.append((items, None, sink, slot))
            stack.extend((v, keys + (i,), items, i) for i, v in reversed(list(enumerate(value))))
        elif kind in ("tensor", "ndarray", "scalar") and isinstance(value, str):
            if value not in arrays:
                raise fail(f"the tree refers to tensor {value!r} (at {_where(keys)}), which "
                           "the file does not hold")
            if value in used:
                raise fail(f"the tree refers to tensor {value!r} twice")
            used.add(value)
            a = arrays[value]
            if kind == "scalar" and a.ndim != 0:
                raise fail(f"the tree's scalar at {_where(keys)} is tensor {value!r} of shape "
                           f"{a.shape}, not 0-d")
            sink[slot] = _wrap(a) if kind == "tensor" else a if kind == "ndarray" else a[()]
        elif kind == "float" and value in ("nan", "inf", "-inf"):
            sink[slot] = float(value)
        else:
            raise fail(f"the tree node at {_where(keys)} is malformed: {_short(node)}")
    unused = sorted(set(arrays) - used)
    if unused:
        raise fail(f"the file holds tensors the tree does not place: {unused[:5]}")
    return root[0]


def _short(node):
    text = json.dumps(node)
    return text if len(text) <= 60 else text[:57] + "..."
