"""MNIST (and look-alikes such as Fashion-MNIST) from the standard IDX files in a local
folder; nothing is downloaded."""

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

# IDX type codes -> big-endian numpy dtypes
_IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_PREFIX = {"train": "train", "test": "t10k", "t10k": "t10k"}


def _read_idx(path):
    """The array in one IDX file (plain, or gzip when the name ends in .gz), with its magic
    number, dims and size checked against the bytes actually there."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                raw = f.read()
        else:
            raw = path.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DatasetError(f"{path}: corrupt gzip stream ({e})") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot read file ({e.strerror or e})") from None
    if len(raw) < 4:
        raise DatasetError(f"{path}: file is {len(raw)} bytes, too short for an IDX header")
    zero, code, ndim = raw[0] << 8 | raw[1], raw[2], raw[3]
    if zero != 0 or code not in _IDX_DTYPES:
        raise DatasetError(f"{path}: bad magic number 0x{raw[:4].hex()}; not an IDX file "
                           f"(expected 0x0000 then a type code 08/09/0B/0C/0D/0E and ndim)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated header: {ndim} dims need {header} bytes, file "
                           f"has {len(raw)}")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = _IDX_DTYPES[code]
    expected = header + math.prod(dims) * dtype.itemsize  # Python ints: no overflow
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise DatasetError(f"{path}: {what}: dims {dims} of {dtype.name} need {expected} "
                           f"bytes, file has {len(raw)}")
    return np.frombuffer(raw, dtype, offset=header).reshape(dims)


def _find(folder, stem):
    """The file for `stem` (e.g. 'train-images-idx3-ubyte'), plain or gzipped; some copies
    spell the dash before "idx" as a dot."""
    dotted = stem.replace("-idx", ".idx")
    candidates = [folder / (s + ext) for s in (stem, dotted) for ext in ("", ".gz")]
    for c in candidates:
        if c.is_file():
            return c
    raise DatasetError(f"{folder / stem}: file not found (looked for "
                       f"{', '.join(c.name for c in candidates)} in {folder})")


def load_mnist(path, kind="train", flatten=False):
    """Read MNIST-format IDX files from a local folder (as distributed by LeCun et al.;
    Fashion-MNIST uses the same names and format).

    Args:
        path: the folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
            t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each plain or .gz.
        kind: "train" (60,000 samples in MNIST) or "test" (10,000; "t10k" also works).
        flatten: False gives images of shape (n, 1, rows, cols) for Conv2d; True gives
            rows of shape (n, rows * cols) for Linear.

    Returns:
        (X, y): X float32 scaled to [0, 1] (pixels / 255), y int64 of shape (n,).

    Raises:
        DatasetError (a ValueError) naming the file when one is missing, truncated, not an
        IDX file, of the wrong shape or type, or when images and labels disagree in number.
    """
    if kind not in _PREFIX:
        raise ValueError(f"load_mnist: kind must be 'train' or 'test', got {kind!r}")
    folder = Path(path)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a directory (load_mnist needs the folder holding "
                           f"the IDX files)")
    prefix = _PREFIX[kind]
    images_file = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels_file = _find(folder, f"{prefix}-labels-idx1-ubyte")
    images = _read_idx(images_file)
    labels = _read_idx(labels_file)
    for arr, file, ndim, what in ((images, images_file, 3, "images (n, rows, cols)"),
                                  (labels, labels_file, 1, "labels (n,)")):
        if arr.ndim != ndim or arr.dtype != np.uint8:
            raise DatasetError(f"{file}: expected {ndim}-d uint8 {what}, got {arr.ndim}-d "
                               f"{arr.dtype.name} of shape {arr.shape}")
    if len(images) != len(labels):
        raise DatasetError(f"{labels_file}: holds {len(labels)} labels but {images_file.name} "
                           f"holds {len(images)} images")
    X = images.astype(np.float32) / np.float32(255)
    X = X.reshape(len(X), X.shape[1] * X.shape[2]) if flatten else X[:, None]
    return X, labels.astype(np.int64)
