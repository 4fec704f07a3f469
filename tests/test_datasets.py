"""ag.datasets: the shipped Iris and digits, the 2-d toy problems and the MNIST IDX reader."""

import gzip
import struct

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.datasets import (
    DatasetError,
    load_digits,
    load_iris,
    load_mnist,
    make_moons,
    make_spirals,
)

# --- Iris ---

def test_iris_shapes_dtypes_and_balanced_classes():
    X, y = load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float32
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert (y == np.repeat([0, 1, 2], 50)).all()  # original order


def test_iris_known_values():
    X, _ = load_iris()
    np.testing.assert_array_equal(X[0], np.float32([5.1, 3.5, 1.4, 0.2]))
    np.testing.assert_array_equal(X[-1], np.float32([5.9, 3.0, 5.1, 1.8]))
    # Fisher's values, not the UCI file's two mistyped rows
    np.testing.assert_array_equal(X[34], np.float32([4.9, 3.1, 1.5, 0.2]))
    np.testing.assert_array_equal(X[37], np.float32([4.9, 3.6, 1.4, 0.1]))
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-5)


def test_iris_split_is_reproducible_and_leaves_the_global_generator_alone():
    state = ag.random.get_rng_state()
    a = load_iris(test_size=0.2, seed=3)
    b = load_iris(test_size=0.2, seed=3)
    c = load_iris(test_size=0.2, seed=4)
    assert ag.random.get_rng_state() == state
    assert [x.shape for x in a] == [(120, 4), (30, 4), (120,), (30,)]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])
    X, y = load_iris()
    rows = {tuple(r) + (int(t),) for r, t in zip(X, y)}
    got = [tuple(r) + (int(t),) for r, t in zip(np.concatenate(a[:2]), np.concatenate(a[2:]))]
    assert set(got) <= rows and len(got) == 150


# --- digits ---

def test_digits_flat_rows_of_counts():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 16 and (X == np.round(X)).all()
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert y[:10].tolist() == list(range(10))
    assert X[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_digits_images_scaled_for_conv():
    X, y = load_digits(images=True)
    flat, _ = load_digits()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float32
    assert X.min() == 0 and X.max() == 1
    np.testing.assert_allclose(X.reshape(1797, 64) * 16, flat)


def test_digits_split_is_reproducible():
    a = load_digits(test_size=300, seed=1)
    b = load_digits(test_size=300, seed=1)
    assert [x.shape[0] for x in a] == [1497, 300, 1497, 300]
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert load_digits(images=True, test_size=0.1)[1].shape == (180, 1, 8, 8)


# --- spirals and moons ---

@pytest.mark.parametrize("n, k", [(300, 3), (100, 3), (7, 2), (50, 5)])
def test_spirals_shapes_and_classes(n, k):
    X, y = make_spirals(n, n_classes=k, seed=0)
    assert X.shape == (n, 2) and X.dtype == np.float32 and y.dtype == np.int64
    counts = np.bincount(y, minlength=k)
    assert counts.sum() == n and counts.max() - counts.min() <= 1
    assert np.linalg.norm(X, axis=1).max() <= 1 + 1e-6  # the radius, not the angle, is fixed


def test_spirals_geometry_without_noise():
    X, y = make_spirals(30, n_classes=3, noise=0.0, shuffle=False)
    assert (y == np.repeat([0, 1, 2], 10)).all()
    np.testing.assert_allclose(np.linalg.norm(X[:10], axis=1), np.linspace(0, 1, 10), atol=1e-6)
    angle = np.arctan2(X[1:10, 0], X[1:10, 1])  # x = r sin(t), y = r cos(t)
    np.testing.assert_allclose(np.unwrap(angle), np.linspace(0, 4, 10)[1:], atol=1e-5)


def test_moons_shapes_and_geometry():
    X, y = make_moons(200, noise=0.0, seed=0, shuffle=False)
    assert X.shape == (200, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1, 0.5], axis=1), 1, atol=1e-6)
    assert (X[y == 0, 1] >= -1e-6).all() and (X[y == 1, 1] <= 0.5 + 1e-6).all()
    assert np.bincount(make_moons(7, seed=0)[1]).tolist() == [3, 4]


@pytest.mark.parametrize("make", [make_spirals, make_moons])
def test_toy_sets_seeds(make):
    a, b, c = make(seed=1), make(seed=1), make(seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    ag.manual_seed(5)
    d = make()
    ag.manual_seed(5)
    np.testing.assert_array_equal(make()[0], d[0])
    assert not np.array_equal(make()[0], d[0])


def test_toy_sets_argument_errors():
    with pytest.raises(ValueError, match="make_spirals: n_classes"):
        make_spirals(10, n_classes=0)
    with pytest.raises(ValueError, match="make_moons: n_samples"):
        make_moons(-1)
    with pytest.raises(ValueError, match="make_moons: noise"):
        make_moons(10, noise=-0.1)


# --- MNIST IDX files ---

def _idx(array, code=0x08):
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">f4").tobytes()


def _write(folder, name, payload, gz=False):
    path = folder / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def _mnist(folder, kind="train", n=5, rows=4, cols=3, gz=False):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, rows, cols), dtype=np.uint8)
    labels = rng.integers(0, 10, n, dtype=np.uint8)
    prefix = "train" if kind == "train" else "t10k"
    _write(folder, f"{prefix}-images-idx3-ubyte", _idx(images), gz)
    _write(folder, f"{prefix}-labels-idx1-ubyte", _idx(labels), gz)
    return images, labels


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("kind", ["train", "test"])
def test_load_mnist_reads_images_and_labels(tmp_path, gz, kind):
    images, labels = _mnist(tmp_path, kind, gz=gz)
    X, y = load_mnist(tmp_path, kind=kind)
    assert X.shape == (5, 1, 4, 3) and X.dtype == np.float32
    np.testing.assert_allclose(X[:, 0] * 255, images, atol=1e-4)
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()
    Xf, _ = load_mnist(str(tmp_path), kind=kind, flatten=True)
    assert Xf.shape == (5, 12)


def test_load_mnist_accepts_dotted_names(tmp_path):
    images, _ = _mnist(tmp_path)
    for f in tmp_path.iterdir():
        f.rename(tmp_path / f.name.replace("-idx", ".idx"))
    assert load_mnist(tmp_path)[0].shape == (5, 1, 4, 3)


def _raises_naming(path, match, folder, kind="train"):
    with pytest.raises(DatasetError, match=match) as info:
        load_mnist(folder, kind=kind)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_load_mnist_missing_file(tmp_path):
    _mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    _raises_naming(tmp_path / "train-labels-idx1-ubyte", "file not found", tmp_path)
    _raises_naming(tmp_path / "t10k-images-idx3-ubyte", "file not found", tmp_path, "test")


def test_load_mnist_wrong_magic(tmp_path):
    _mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte"
    raw = bytearray(path.read_bytes())
    raw[0] = 0x1F
    path.write_bytes(bytes(raw))
    _raises_naming(path, "bad magic number 0x1f000803", tmp_path)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_load_mnist_truncated_payload(tmp_path, gz):
    images, _ = _mnist(tmp_path, gz=gz)
    path = _write(tmp_path, "train-images-idx3-ubyte", _idx(images)[:-7], gz)
    _raises_naming(path, r"truncated: dims \(5, 4, 3\) of uint8 need 76 bytes, file has 69",
                   tmp_path)


def test_load_mnist_trailing_bytes_and_short_header(tmp_path):
    _, labels = _mnist(tmp_path)
    path = _write(tmp_path, "train-labels-idx1-ubyte", _idx(labels) + b"\0")
    _raises_naming(path, "trailing bytes", tmp_path)
    path.write_bytes(b"\0\0")
    _raises_naming(path, "too short", tmp_path)
    path.write_bytes(b"\0\0\x08\x03\0\0")
    _raises_naming(path, "truncated header", tmp_path)


def test_load_mnist_corrupt_gzip(tmp_path):
    _mnist(tmp_path, gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:20])
    _raises_naming(path, "corrupt gzip", tmp_path)


def test_load_mnist_count_mismatch(tmp_path):
    _mnist(tmp_path)
    path = _write(tmp_path, "train-labels-idx1-ubyte", _idx(np.arange(4)))
    _raises_naming(path, "holds 4 labels but train-images-idx3-ubyte holds 5 images", tmp_path)


def test_load_mnist_wrong_dims_or_type(tmp_path):
    _mnist(tmp_path)
    path = _write(tmp_path, "train-images-idx3-ubyte", _idx(np.zeros((5, 12))))
    _raises_naming(path, "expected 3-d uint8 images", tmp_path)
    path = _write(tmp_path, "train-images-idx3-ubyte", _idx(np.zeros((5, 4, 3)), code=0x0D))
    _raises_naming(path, "got 3-d float32", tmp_path)


def test_load_mnist_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_mnist(tmp_path, kind="val")
    with pytest.raises(DatasetError, match="not a directory"):
        load_mnist(tmp_path / "nowhere")


def test_load_mnist_with_no_images_gives_empty_arrays_of_the_right_shape(tmp_path):
    _mnist(tmp_path, n=0, rows=28, cols=28)
    X, y = load_mnist(tmp_path)
    assert X.shape == (0, 1, 28, 28) and y.shape == (0,)
    Xf, _ = load_mnist(tmp_path, flatten=True)
    assert Xf.shape == (0, 784) and Xf.dtype == np.float32


def test_load_mnist_huge_dims_in_a_corrupt_header_are_a_dataset_error(tmp_path):
    """dims whose product overflows 64 bits (2^31 x 2^31 x 4) must not wrap around to a
    size that matches an empty payload."""
    header = struct.pack(">BBBB", 0, 0, 0x08, 3) + struct.pack(">3I", 2**31, 2**31, 4)
    _write(tmp_path, "train-images-idx3-ubyte", header)
    _write(tmp_path, "train-labels-idx1-ubyte", _idx(np.zeros(1, np.uint8)))
    with pytest.raises(DatasetError, match="truncated"):
        load_mnist(tmp_path)
