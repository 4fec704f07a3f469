"""Error messages (op, argument, what is wrong, the shapes or values), that failed
backward calls write nothing to .grad, and numerical stability at +-1000."""

import operator

import numpy as np
import pytest

import autograd_core as ag


def _leaf(a, dtype=ag.float64):
    return ag.tensor(np.asarray(a), dtype=dtype, requires_grad=True)


# --- shapes ---

def test_matmul_shape_mismatch_names_op_and_both_shapes():
    a, b = ag.ones(3, 4, requires_grad=True), ag.ones(5, 2)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        a @ b
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        ag.matmul(a, b)


def test_matmul_vector_mismatch_and_0d_operand():
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(4,\) are not aligned"):
        ag.ones(3) @ ag.ones(4)
    with pytest.raises(ValueError, match=r"matmul: .*\(\).*\(3,\)"):
        ag.matmul(ag.tensor(2.0), ag.ones(3))


def test_matmul_batch_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3, 4\) and \(5, 4, 2\)"):
        ag.ones(2, 3, 4) @ ag.ones(5, 4, 2)


BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow, "maximum": ag.maximum, "minimum": ag.minimum,
}


@pytest.mark.parametrize("name", BINARY)
def test_binary_elementwise_shape_mismatch_names_op_and_both_shapes(name):
    a, b = ag.ones(2, 3, requires_grad=True), ag.ones(4)
    with pytest.raises(ValueError, match=rf"^{name}\b.*\(2, 3\).*\(4,\)"):
        BINARY[name](a, b)
    if hasattr(ag, name):
        with pytest.raises(ValueError, match=rf"^{name}\b.*\(2, 3\).*\(4,\)"):
            getattr(ag, name)(a, b)


def test_reflected_operand_shape_mismatch_names_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"^mul\b.*\(4,\).*\(2, 3\)"):
        np.ones(4) * ag.ones(2, 3)


def test_where_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"^where\b.*\(2, 3\).*\(4,\)"):
        ag.where(ag.ones(2, 3) > 0, ag.ones(2, 3), ag.ones(4))


@pytest.mark.parametrize("name", ["lt", "le", "gt", "ge", "eq", "ne"])
def test_comparison_shape_mismatch_names_op_and_both_shapes(name):
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\) and \(4,\) cannot be "
                                         "broadcast together"):
        getattr(operator, name)(ag.ones(2, 3), ag.ones(4))


@pytest.mark.parametrize("make, pattern", [
    (lambda: ag.ones(2, 3).reshape(4, 2), r"reshape: shape \(4, 2\) is invalid for input of "
                                          r"size 6"),
    (lambda: ag.ones(2, 3).view(-1, 4), r"reshape: shape \(-1, 4\) is invalid for input of "
                                        r"size 6"),
    (lambda: ag.ones(2, 3).expand(4, 3, 5),
     r"expand: the expanded size \d must match the existing size \d.*\(2, 3\) to \(4, 3, 5\)"),
    (lambda: ag.broadcast_to(ag.ones(2, 3), (3, 3)),
     r"broadcast_to: shape \(2, 3\) cannot be broadcast to \(3, 3\)"),
    (lambda: ag.ones(2, 3).permute(0, 0), r"permute: dims \(0, 0\) is not a permutation"),
    (lambda: ag.ones(2, 3, 4).permute(0, 1), r"permute: dims \(0, 1\) must name each"),
    (lambda: ag.cat([ag.ones(2, 3), ag.ones(3, 4)]),
     r"cat: .*\(2, 3\) at position 0 and \(3, 4\) at position 1"),
    (lambda: ag.stack([ag.ones(2, 3), ag.ones(2, 4)]),
     r"stack: .*\(2, 3\) at entry 0 and \(2, 4\) at entry 1"),
    (lambda: ag.split(ag.ones(5), [2, 2]), r"split: sizes \(2, 2\) must sum to 5"),
    (lambda: ag.einsum("ij,jk->ik", ag.ones(2, 3), ag.ones(4, 2)),
     r"einsum: subscript 'j' has size 3 .* and 4"),
    (lambda: ag.pad(ag.ones(3), (1, 2, 3)), r"pad: padding length 3 must be even"),
], ids=["reshape", "view", "expand", "broadcast_to", "permute_repeat", "permute_count", "cat",
        "stack", "split", "einsum", "pad"])
def test_shape_errors_name_op_and_shapes(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


# --- dims ---

DIM_CASES = {
    "sum": (lambda t: t.sum(3), "sum: dim 3 is out of range for a 2-d tensor"),
    "sum_fn": (lambda t: ag.sum(t, dim=(0, 3)), "sum: dim 3 is out of range for a 2-d tensor"),
    "mean": (lambda t: t.mean(-3), "mean: dim -3 is out of range for a 2-d tensor"),
    "max": (lambda t: t.max(3), "max: dim 3 is out of range for a 2-d tensor"),
    "min": (lambda t: ag.min(t, dim=-3), "min: dim -3 is out of range for a 2-d tensor"),
    "argmax": (lambda t: t.argmax(2), "argmax: dim 2 is out of range for a 2-d tensor"),
    "argmin": (lambda t: t.argmin(2), "argmin: dim 2 is out of range for a 2-d tensor"),
    "prod": (lambda t: t.prod(2), "prod: dim 2 is out of range for a 2-d tensor"),
    "var": (lambda t: t.var(3), "var: dim 3 is out of range for a 2-d tensor"),
    "std": (lambda t: t.std(3), "std: dim 3 is out of range for a 2-d tensor"),
    "logsumexp": (lambda t: t.logsumexp(5), "logsumexp: dim 5 is out of range for a 2-d tensor"),
    "softmax": (lambda t: t.softmax(2), "softmax: dim 2 is out of range for a 2-d tensor"),
    "log_softmax": (lambda t: ag.log_softmax(t, -3),
                    "log_softmax: dim -3 is out of range for a 2-d tensor"),
    "transpose": (lambda t: t.transpose(0, 2), "transpose: dim 2 is out of range for a 2-d"),
    "squeeze": (lambda t: t.squeeze(2), "squeeze: dim 2 is out of range for a 2-d tensor"),
    "unsqueeze": (lambda t: t.unsqueeze(4), "unsqueeze: dim 4 is out of range"),
    "flatten": (lambda t: t.flatten(2), "flatten: dim 2 is out of range for a 2-d tensor"),
    "cat": (lambda t: ag.cat([t, t], 2), "cat: dim 2 is out of range for a 2-d tensor"),
    "split": (lambda t: ag.split(t, 1, 2), "split: dim 2 is out of range for a 2-d tensor"),
    "chunk": (lambda t: ag.chunk(t, 2, -3), "chunk: dim -3 is out of range for a 2-d tensor"),
    "size": (lambda t: t.size(2), "size: dim 2 is out of range for a 2-d tensor"),
}


@pytest.mark.parametrize("case", DIM_CASES)
def test_bad_dim_names_op_dim_and_ndim(case):
    make, msg = DIM_CASES[case]
    t = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(IndexError, match=msg):
        make(t)


def test_index_out_of_range_names_dim_and_size():
    with pytest.raises(IndexError, match="index 3 is out of bounds for dim 0 with size 3"):
        ag.ones(3, 2)[3]
    with pytest.raises(IndexError, match="index -3 is out of bounds for dim 1 with size 2"):
        ag.ones(3, 2)[:, -3]


# --- backward misuse; no .grad is written when these raise ---

def test_backward_on_nonscalar_without_gradient_says_so():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar "
                                           "outputs"):
        y.backward()
    assert x.grad is None


def test_backward_on_tensor_without_grad_says_so():
    x = ag.ones(3)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and "
                                           "does not have a grad_fn"):
        x.sum().backward()
    assert x.grad is None


def test_backward_under_no_grad_output_has_no_grad_fn():
    x = _leaf([1.0])
    with ag.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        y.backward()
    assert x.grad is None


def test_ag_grad_of_output_without_grad_says_so():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.grad(ag.ones(1).sum(), x)


def test_backward_gradient_of_wrong_shape_says_mismatch_in_shape():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"\(2,\) and output\[0\] has a shape of \(3,\)"):
        y.backward(ag.ones(2))
    assert x.grad is None


def test_ag_grad_outputs_of_wrong_shape_says_mismatch_in_shape():
    x = _leaf([[1.0, 2.0]])
    y = x.exp()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        ag.grad(y, x, grad_outputs=ag.ones(2, 1))
    assert x.grad is None


def test_ag_grad_unused_input_without_allow_unused():
    x, u = _leaf([1.0]), _leaf([2.0])
    with pytest.raises(RuntimeError, match=r"One of the differentiated Tensors appears to not "
                                           r"have been used in the graph\. Set "
                                           r"allow_unused=True if this is the desired behavior\."):
        ag.grad((x * 3).sum(), [x, u])
    assert x.grad is None and u.grad is None


def test_ag_grad_input_not_requiring_grad():
    x = _leaf([1.0])
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require "
                                           "grad"):
        ag.grad((x * 3).sum(), ag.ones(1))


def test_failed_backward_leaves_existing_grads_unchanged():
    x = _leaf([1.0, 2.0])
    w = _leaf([3.0, 4.0])
    (x * w).sum().backward()
    gx, gw = x.grad.data.copy(), w.grad.data.copy()
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * w).backward()
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * w).backward(ag.ones(3, dtype=ag.float64))
    np.testing.assert_array_equal(x.grad.data, gx)
    np.testing.assert_array_equal(w.grad.data, gw)


def test_backward_failing_midway_writes_no_grad_to_any_leaf():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    c = _leaf([5.0, 6.0])
    h = a * a
    h.sum().backward()  # frees MulBackward's saved inputs
    a_grad = a.grad.data.copy()
    z = (c * 2 + b.exp() + h).sum()  # c's and b's grads are ready before h's node fails
    with pytest.raises(RuntimeError, match="retain_graph"):
        z.backward()
    assert b.grad is None and c.grad is None
    np.testing.assert_array_equal(a.grad.data, a_grad)


def test_backward_failing_on_inplace_change_writes_no_grad():
    a, b = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    z = (a * b).sum() + (b * 3).sum()
    with ag.no_grad():
        a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()
    assert a.grad is None and b.grad is None


# --- numerical stability at +-1000 ---

EXTREME = np.array([[1000.0, -1000.0, 0.0, 1.0], [-1000.0, -1000.0, -999.0, 1000.0],
                    [1000.0, 1000.0, -1000.0, -1000.0]])
# gaps whose exp is subnormal (float32: e^-88..e^-103; float64: e^-708..e^-745)
MODERATE = np.array([[100.0, -100.0, 1.0, -30.0], [0.0, -90.0, -95.0, -720.0],
                     [0.0, -730.0, -740.0, -1.0]])

STABLE = {
    "softmax": lambda t: t.softmax(-1),
    "softmax_dim0": lambda t: ag.softmax(t, 0),
    "log_softmax": lambda t: t.log_softmax(-1),
    "log_softmax_dim0": lambda t: ag.log_softmax(t, 0),
    "logsumexp": lambda t: t.logsumexp(-1),
    "logsumexp_all": lambda t: ag.logsumexp(t),
    "sigmoid": lambda t: t.sigmoid(),
    "tanh": lambda t: t.tanh(),
}


def _ref(name, a):
    """float64 reference values computed the stable way."""
    m = a.max(-1, keepdims=True)
    if name.startswith("softmax") or name.startswith("log_softmax"):
        ax = 0 if name.endswith("dim0") else -1
        m = a.max(ax, keepdims=True)
        lse = m + np.log(np.exp(a - m).sum(ax, keepdims=True))
        return np.exp(a - lse) if name.startswith("softmax") else a - lse
    if name == "logsumexp":
        return (m + np.log(np.exp(a - m).sum(-1, keepdims=True)))[:, 0]
    if name == "logsumexp_all":
        return np.array(a.max() + np.log(np.exp(a - a.max()).sum()))
    if name == "sigmoid":
        return 0.5 * np.tanh(0.5 * a) + 0.5
    return np.tanh(a)


def _stable_run(name, a, dtype):
    x = ag.tensor(a, dtype=dtype, requires_grad=True)
    with np.errstate(all="raise"):
        y = STABLE[name](x)
        w = np.random.default_rng(3).standard_normal(y.shape)
        (y * ag.tensor(w, dtype=dtype)).sum().backward()
    assert y.dtype == dtype and x.grad.dtype == dtype
    assert np.all(np.isfinite(y.data)), y.data
    assert np.all(np.isfinite(x.grad.data)), x.grad.data
    tol = 1e-5 if dtype == ag.float32 else 1e-12
    np.testing.assert_allclose(y.data, _ref(name, a), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", STABLE)
def test_stable_ops_at_plus_minus_1000_are_finite_without_fp_errors(name, dtype):
    _stable_run(name, EXTREME, dtype)


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", STABLE)
def test_stable_ops_with_subnormal_exp_gaps_raise_no_fp_errors(name, dtype):
    _stable_run(name, MODERATE, dtype)


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", STABLE)
def test_stable_ops_gradients_at_extremes_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    tfn = {
        "softmax": lambda t: t.softmax(-1), "softmax_dim0": lambda t: t.softmax(0),
        "log_softmax": lambda t: t.log_softmax(-1),
        "log_softmax_dim0": lambda t: t.log_softmax(0),
        "logsumexp": lambda t: t.logsumexp(-1),
        "logsumexp_all": lambda t: t.logsumexp((0, 1)),
        "sigmoid": lambda t: t.sigmoid(), "tanh": lambda t: t.tanh(),
    }[name]
    tdt = torch.float32 if dtype == ag.float32 else torch.float64
    x = ag.tensor(EXTREME, dtype=dtype, requires_grad=True)
    tx = torch.tensor(EXTREME, dtype=tdt, requires_grad=True)
    with np.errstate(all="raise"):
        y = STABLE[name](x)
        (y * y).sum().backward()
    ty = tfn(tx)
    (ty * ty).sum().backward()
    tol = 1e-4 if dtype == ag.float32 else 1e-10
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["exp", "log"])
def test_exp_and_log_at_plus_minus_1000_give_ieee_answers_without_fp_errors(name, dtype):
    a = np.array([1000.0, -1000.0, 0.5, 2.0])
    x = ag.tensor(a, dtype=dtype, requires_grad=True)
    with np.errstate(all="raise"):
        y = getattr(x, name)()
        y.sum().backward()
    with np.errstate(all="ignore"):
        arr = a.astype(dtype)
        want = getattr(np, name)(arr)
        want_grad = np.exp(arr) if name == "exp" else 1.0 / arr
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, want, rtol=1e-6)
    np.testing.assert_allclose(x.grad.data, want_grad, rtol=1e-6)
    if name == "exp":
        assert y.data[0] == np.inf and y.data[1] == 0.0
    else:
        assert np.isnan(y.data[1]) and np.isfinite(y.data[0])


# --- PyTorch's wording ---

def _message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  (any exception: we compare its message)
        return type(e), str(e)
    raise AssertionError("expected an exception")


def _torch_cases(torch):
    def nonscalar(lib):
        x = lib.ones(3, requires_grad=True)
        return lambda: (x * 2).backward()

    def no_grad_root(lib):
        return lambda: lib.ones(3).sum().backward()

    def int_requires_grad(lib):
        t = lib.ones(2, dtype=lib.int64)
        return lambda: t.requires_grad_()

    def leaf_inplace(lib):
        w = lib.ones(2, requires_grad=True)
        return lambda: w.add_(1)

    def shape_mismatch(lib):
        x = lib.ones(3, requires_grad=True)
        return lambda: (x * 2).backward(lib.ones(2))

    def non_leaf_flag(lib):
        x = lib.ones(3, requires_grad=True)
        y = x * 2

        def f():
            y.requires_grad = False
        return f

    def second_backward(lib):
        x = lib.ones(3, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        return lambda: y.backward()

    def item(lib):
        return lambda: lib.ones(3).item()

    def saved_modified(lib):
        a = lib.ones(3, requires_grad=True)
        b = lib.ones(3, requires_grad=True)
        z = (a * b).sum()
        with lib.no_grad():
            a.add_(1)
        return lambda: z.backward()

    whole = lambda m: m.rstrip(".")  # noqa: E731
    before_colon = lambda m: m.split(":")[0]  # noqa: E731
    return {
        "nonscalar": (nonscalar, whole),
        "no_grad_root": (no_grad_root, whole),
        "int_requires_grad": (int_requires_grad, whole),
        "leaf_inplace": (leaf_inplace, whole),
        "shape_mismatch": (shape_mismatch, whole),
        "non_leaf_flag": (non_leaf_flag, whole),
        "second_backward": (second_backward, lambda m: m.split(" (")[0]),
        "item": (item, whole),
        "saved_modified": (saved_modified, before_colon),
    }


CASE_NAMES = ["nonscalar", "no_grad_root", "int_requires_grad", "leaf_inplace",
              "shape_mismatch", "non_leaf_flag", "second_backward", "item", "saved_modified"]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_message_has_pytorchs_wording_and_type(case):
    import re

    torch = pytest.importorskip("torch")
    make, key = _torch_cases(torch)[case]
    ttype, tmsg = _message(make(torch))
    otype, omsg = _message(make(ag))
    assert otype is ttype
    want = re.sub(r"torch\.Size\(\[(\d+)\]\)", r"(\1,)", key(tmsg))
    assert want.lower() in omsg.lower(), (want, omsg)


SHAPE_MISTAKES = {
    "matmul": lambda lib: lib.ones(2, 3) @ lib.ones(2, 3),
    "broadcast": lambda lib: lib.ones(2, 3) + lib.ones(3, 2),
    "reshape": lambda lib: lib.ones(6).reshape(4, 2),
    "cat": lambda lib: lib.cat([lib.ones(2, 3), lib.ones(3, 2)], 1),
    "stack": lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
    "expand": lambda lib: lib.ones(2, 3).expand(4, 3),
    "permute": lambda lib: lib.ones(2, 3).permute(0, 0),
    "add_": lambda lib: lib.ones(3).add_(lib.ones(2, 3)),
    "copy_": lambda lib: lib.ones(3).copy_(lib.ones(2)),
    "einsum": lambda lib: lib.einsum("ij,jk->ik", lib.ones(2, 3), lib.ones(2, 3)),
    "mm": lambda lib: lib.mm(lib.ones(2, 3), lib.ones(2, 3)),
    "addmm": lambda lib: lib.addmm(lib.ones(2, 2), lib.ones(2, 3), lib.ones(2, 3)),
    "max of empty": lambda lib: lib.ones(0).max(),
}


@pytest.mark.parametrize("name", sorted(SHAPE_MISTAKES))
def test_shape_mistakes_raise_runtime_error_as_torch_and_value_error_as_numpy(name):
    """A shape that does not fit the op raises ag.ShapeError: a RuntimeError, which is what
    torch raises (and what code written for torch catches), and a ValueError, as NumPy
    (and this library before) raised."""
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        SHAPE_MISTAKES[name](torch)
    with pytest.raises(ag.ShapeError) as info:
        SHAPE_MISTAKES[name](ag)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, ValueError)


LAYER_SHAPE_MISTAKES = {
    "conv2d channels": lambda nn, ag: nn.Conv2d(3, 4, 3)(ag.ones(1, 2, 5, 5)),
    "linear features": lambda nn, ag: nn.Linear(3, 4)(ag.ones(2, 5)),
    "lstm input_size": lambda nn, ag: nn.LSTM(3, 4)(ag.ones(5, 2, 6)),
    "maxpool rank": lambda nn, ag: nn.MaxPool2d(2)(ag.ones(4, 4)),
    "layer_norm shape": lambda nn, ag: nn.LayerNorm(3)(ag.ones(2, 4)),
    "cross_entropy batch": lambda nn, ag: nn.CrossEntropyLoss()(
        ag.ones(3, 4), ag.tensor([0, 1])),
}


@pytest.mark.parametrize("name", sorted(LAYER_SHAPE_MISTAKES))
def test_layer_input_shape_mistakes_are_shape_errors_like_torchs(name):
    """A layer given input of the wrong shape raises ag.ShapeError, caught both by code
    written for torch (which raises RuntimeError or, for a loss's batch size, ValueError)
    and by code catching ValueError."""
    torch = pytest.importorskip("torch")
    import nn

    with pytest.raises((RuntimeError, ValueError)):
        LAYER_SHAPE_MISTAKES[name](torch.nn, torch)
    with pytest.raises(ag.ShapeError):
        LAYER_SHAPE_MISTAKES[name](nn, ag)
