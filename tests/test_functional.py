"""ag.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch.autograd.functional
on the same float64 inputs: values, result structure (Tensor, tuple, tuple of tuples) and
shapes; create_graph=True results are differentiable; misuse raises."""

import numpy as np
import pytest

import autograd_core as ag

torch = pytest.importorskip("torch")
TF = torch.autograd.functional
F = ag.functional

def arrays(*shapes):
    """float64 normal draws from ag's generator (conftest seeds it for every test)."""
    return tuple(ag.randn(*s, dtype=ag.float64).data for s in shapes)


def to_ag(arrs, requires_grad=False):
    return tuple(ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad) for a in arrs)


def to_torch(arrs, requires_grad=False):
    return tuple(torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)
                 for a in arrs)


def pack(xs, as_tuple):
    return xs if as_tuple else xs[0]


def assert_like(ours, theirs, path="result"):
    """Same nesting of tuples, same Tensor shapes, same values."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple), f"{path}: expected a tuple, got {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{path}: length {len(ours)} != {len(theirs)}"
        for k, (o, t) in enumerate(zip(ours, theirs)):
            assert_like(o, t, f"{path}[{k}]")
        return
    assert isinstance(ours, ag.Tensor), f"{path}: expected a Tensor, got {type(ours).__name__}"
    assert tuple(ours.shape) == tuple(theirs.shape), \
        f"{path}: shape {tuple(ours.shape)} != torch's {tuple(theirs.shape)}"
    assert ours.dtype == ag.float64, f"{path}: dtype {ours.dtype}"
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-9, atol=1e-12,
                               err_msg=path)


def flat(r):
    if isinstance(r, tuple):
        return [t for x in r for t in flat(x)]
    return [r]


# --- functions written once, run on both ag and torch Tensors (method calls only) ---

def f_vec(x):                      # (3,) -> (3,)
    return x.tanh() * x.exp()


def f_scalar(x):                   # (2, 3) -> ()
    return (x.sin() * x * x).sum() + x.logsumexp(1).sum()


def f_two_in(a, b):                # (3,), (2, 3) -> (2, 3)
    return (b * a).softmax(-1) * (b @ a).reshape(2, 1)


def f_two_in_scalar(a, b):         # (3,), (2, 3) -> ()
    return ((b @ a).tanh() * (b * b).sum(1)).sum() + (a ** 3).sum()


def f_two_out(x):                  # (3,) -> ((3,), ())
    return x.sigmoid() * 2, (x ** 3).sum()


def f_two_in_two_out(a, b):        # (3,), (2, 3) -> ((2,), (2, 3))
    return (b @ a).exp(), b.log_softmax(1) * a


def f_unused(a, b):                # b does not reach the output
    return a * 3


CASES = {
    # name: (fn, input shapes, inputs as tuple)
    "vec": (f_vec, [(3,)], False),
    "vec_tuple_in": (f_vec, [(3,)], True),
    "scalar": (f_scalar, [(2, 3)], False),
    "two_in": (f_two_in, [(3,), (2, 3)], True),
    "two_out": (f_two_out, [(3,)], False),
    "two_in_two_out": (f_two_in_two_out, [(3,), (2, 3)], True),
    "unused_input": (f_unused, [(2,), (3,)], True),
}

SCALAR_CASES = {
    "scalar": (f_scalar, [(2, 3)], False),
    "scalar_tuple_in": (f_scalar, [(2, 3)], True),
    "two_in_scalar": (f_two_in_scalar, [(3,), (2, 3)], True),
}


def run_both(op, fn, shapes, as_tuple, extra=None, **kwargs):
    """op on ag and on torch with the same inputs (and the same extra tensors, e.g. v)."""
    arrs = arrays(*shapes)
    ours = getattr(F, op)(fn, pack(to_ag(arrs), as_tuple), *_extra(extra, to_ag), **kwargs)
    theirs = getattr(TF, op)(fn, pack(to_torch(arrs), as_tuple), *_extra(extra, to_torch),
                             **kwargs)
    return ours, theirs


def _extra(extra, convert):
    if extra is None:
        return ()
    arrs, as_tuple = extra
    return (pack(convert(arrs), as_tuple),)


def out_shapes(fn, shapes):
    out = fn(*to_torch(arrays(*shapes)))
    return (tuple(o.shape for o in out), True) if isinstance(out, tuple) else ([out.shape], False)


# --- jacobian ---

@pytest.mark.parametrize("name", list(CASES))
def test_jacobian_matches_torch(name):
    fn, shapes, as_tuple = CASES[name]
    ours, theirs = run_both("jacobian", fn, shapes, as_tuple)
    assert_like(ours, theirs)
    assert not any(t.requires_grad for t in flat(ours))


def test_jacobian_of_a_scalar_function_has_the_input_shape():
    x = to_ag(arrays((2, 3)))[0]
    jac = F.jacobian(f_scalar, x)
    assert isinstance(jac, ag.Tensor) and tuple(jac.shape) == (2, 3)


def test_jacobian_leaves_the_inputs_grad_alone():
    x = to_ag(arrays((3,)), requires_grad=True)[0]
    F.jacobian(f_vec, x)
    assert x.grad is None


def test_jacobian_create_graph_is_differentiable():
    arrs = arrays((3,), (2, 3))
    a, b = to_ag(arrs, requires_grad=True)
    ta, tb = to_torch(arrs, requires_grad=True)
    ja, jb = F.jacobian(f_two_in, (a, b), create_graph=True)
    tja, tjb = TF.jacobian(f_two_in, (ta, tb), create_graph=True)
    assert ja.requires_grad and jb.requires_grad
    assert_like((ja, jb), (tja, tjb))
    # one entry, and a random contraction of the whole block, differentiated again
    w = ag.randn(*jb.shape, dtype=ag.float64).data
    ours = ag.grad([ja[1, 0, 2], (jb * ag.tensor(w, dtype=ag.float64)).sum()], [a, b])
    theirs = torch.autograd.grad([tja[1, 0, 2], (tjb * torch.tensor(w)).sum()], [ta, tb])
    assert_like(tuple(ours), tuple(theirs))


# --- hessian ---

@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_hessian_matches_torch(name):
    fn, shapes, as_tuple = SCALAR_CASES[name]
    ours, theirs = run_both("hessian", fn, shapes, as_tuple)
    assert_like(ours, theirs)


def test_hessian_of_tuple_inputs_is_a_tuple_of_tuples():
    a, b = to_ag(arrays((3,), (2, 3)))
    h = F.hessian(f_two_in_scalar, (a, b))
    assert isinstance(h, tuple) and all(isinstance(row, tuple) and len(row) == 2 for row in h)
    assert [[tuple(t.shape) for t in row] for row in h] == [[(3, 3), (3, 2, 3)],
                                                             [(2, 3, 3), (2, 3, 2, 3)]]
    # symmetric: H[0][1] is H[1][0] with the index groups swapped
    np.testing.assert_allclose(h[0][1].data, np.moveaxis(h[1][0].data, (0, 1), (1, 2)),
                               rtol=1e-9, atol=1e-12)


def test_hessian_of_a_single_element_1d_output_matches_torch():
    # torch squeezes a (1,)-shaped output: the Hessian is input.shape + input.shape
    ours, theirs = run_both("hessian", lambda x: (x ** 3).sum().reshape(1), [(3,)], False)
    assert_like(ours, theirs)


def test_hessian_of_a_tuple_output_raises():
    # torch: "The function given to hessian should return a single Tensor"
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"hessian"):
        F.hessian(lambda t: ((t ** 3).sum(),), x)


def test_hessian_create_graph_is_differentiable():
    arr = arrays((4,))
    x, = to_ag(arr, requires_grad=True)
    tx, = to_torch(arr, requires_grad=True)
    fn = lambda t: (t.exp() * t.sin()).sum()  # noqa: E731
    h = F.hessian(fn, x, create_graph=True)
    th = TF.hessian(fn, tx, create_graph=True)
    assert h.requires_grad
    assert_like(h, th)
    assert_like(ag.grad(h[1, 1], x)[0], torch.autograd.grad(th[1, 1], tx)[0])


def test_hessian_of_a_non_scalar_function_raises():
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"hessian"):
        F.hessian(f_vec, x)
    with pytest.raises(RuntimeError, match=r"hessian"):
        F.hessian(f_two_in, to_ag(arrays((3,), (2, 3))))


# --- vjp ---

@pytest.mark.parametrize("name", list(CASES))
def test_vjp_matches_torch(name):
    fn, shapes, as_tuple = CASES[name]
    oshapes, out_tuple = out_shapes(fn, shapes)
    ours, theirs = run_both("vjp", fn, shapes, as_tuple, extra=(arrays(*oshapes), out_tuple))
    assert_like(ours, theirs)
    assert not any(t.requires_grad for t in flat(ours))


@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_vjp_v_none_for_a_scalar_output(name):
    fn, shapes, as_tuple = SCALAR_CASES[name]
    ours, theirs = run_both("vjp", fn, shapes, as_tuple)
    assert_like(ours, theirs)


def test_vjp_v_none_for_a_non_scalar_output_raises():
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"vjp: the vector v can only be None"):
        F.vjp(f_vec, x)
    with pytest.raises(RuntimeError, match=r"v can only be None"):
        F.vjp(lambda t: (t.sum(), t.sum() * 2), x)


def test_vjp_wrong_shaped_v_raises():
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"vjp: v\[0\] has shape \(2,\)"):
        F.vjp(f_vec, x, ag.ones(2, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"vjp"):
        F.vjp(f_vec, x, ag.ones(3, 1, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"vjp: v has 2 tensors"):
        F.vjp(f_vec, x, (ag.ones(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)))


def test_vjp_create_graph_is_differentiable():
    arrs, varr = arrays((3,), (2, 3)), arrays((2,), (2, 3))
    a, b = to_ag(arrs, requires_grad=True)
    ta, tb = to_torch(arrs, requires_grad=True)
    (out, (ga, gb)) = F.vjp(f_two_in_two_out, (a, b), to_ag(varr), create_graph=True)
    (tout, (tga, tgb)) = TF.vjp(f_two_in_two_out, (ta, tb), to_torch(varr), create_graph=True)
    assert ga.requires_grad and gb.requires_grad
    assert_like((out, (ga, gb)), (tout, (tga, tgb)))
    ours = ag.grad((ga * ga).sum() + gb.sum(), [a, b])
    theirs = torch.autograd.grad((tga * tga).sum() + tgb.sum(), [ta, tb])
    assert_like(tuple(ours), tuple(theirs))


# --- jvp ---

@pytest.mark.parametrize("name", list(CASES))
def test_jvp_matches_torch(name):
    fn, shapes, as_tuple = CASES[name]
    ours, theirs = run_both("jvp", fn, shapes, as_tuple, extra=(arrays(*shapes), as_tuple))
    assert_like(ours, theirs)
    assert not any(t.requires_grad for t in flat(ours))


def test_jvp_of_the_identity_and_of_a_linear_map():
    ours, theirs = run_both("jvp", lambda x: x, [(3,)], False, extra=(arrays((3,)), False))
    assert_like(ours, theirs)
    ours, theirs = run_both("jvp", lambda x: x * 2 - 1, [(2, 2)], False,
                            extra=(arrays((2, 2)), False))
    assert_like(ours, theirs)


def test_jvp_v_none_only_for_a_single_element_input():
    ours, theirs = run_both("jvp", f_vec, [(1,)], False)
    assert_like(ours, theirs)
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"jvp: the vector v can only be None"):
        F.jvp(f_vec, x)


def test_jvp_wrong_v_raises():
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"jvp: v\[0\] has shape \(4,\)"):
        F.jvp(f_vec, x, ag.ones(4, dtype=ag.float64))
    with pytest.raises(RuntimeError, match=r"jvp: v has 2 tensors"):
        F.jvp(f_vec, x, (ag.ones(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)))


def test_jvp_create_graph_is_differentiable():
    arr, varr = arrays((3,)), arrays((3,))
    x, = to_ag(arr, requires_grad=True)
    tx, = to_torch(arr, requires_grad=True)
    out, jv = F.jvp(f_vec, x, to_ag(varr)[0], create_graph=True)
    tout, tjv = TF.jvp(f_vec, tx, to_torch(varr)[0], create_graph=True)
    assert jv.requires_grad
    assert_like((out, jv), (tout, tjv))
    assert_like(ag.grad(jv.sum(), x)[0], torch.autograd.grad(tjv.sum(), tx)[0])


# --- hvp and vhp ---

@pytest.mark.parametrize("op", ["hvp", "vhp"])
@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_hvp_vhp_match_torch(op, name):
    fn, shapes, as_tuple = SCALAR_CASES[name]
    ours, theirs = run_both(op, fn, shapes, as_tuple, extra=(arrays(*shapes), as_tuple))
    assert_like(ours, theirs)
    assert not any(t.requires_grad for t in flat(ours))


@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hvp_vhp_equal_the_hessian_times_v(op):
    arr, varr = arrays((2, 3)), arrays((2, 3))
    x, = to_ag(arr)
    _, hv = getattr(F, op)(f_scalar, x, to_ag(varr)[0])
    h = F.hessian(f_scalar, x).data.reshape(6, 6)
    np.testing.assert_allclose(hv.data.reshape(6), h @ varr[0].reshape(6), rtol=1e-9)


@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hvp_vhp_v_none_only_for_a_single_element_input(op):
    fn = lambda t: (t.exp() * t).sum()  # noqa: E731
    ours, theirs = run_both(op, fn, [(1,)], False)
    assert_like(ours, theirs)
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"v can only be None"):
        getattr(F, op)(fn, x)


@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hvp_vhp_of_a_non_scalar_function_raise(op):
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"single-element"):
        getattr(F, op)(f_vec, x, ag.ones(3, dtype=ag.float64))


@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hvp_vhp_wrong_shaped_v_raises(op):
    x, = to_ag(arrays((3,)))
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(2,\)"):
        getattr(F, op)(lambda t: (t ** 3).sum(), x, ag.ones(2, dtype=ag.float64))


def test_hvp_create_graph_is_differentiable():
    arr, varr = arrays((3,)), arrays((3,))
    x, = to_ag(arr, requires_grad=True)
    tx, = to_torch(arr, requires_grad=True)
    fn = lambda t: (t.sin() * t ** 3).sum()  # noqa: E731
    _, hv = F.hvp(fn, x, to_ag(varr)[0], create_graph=True)
    _, thv = TF.hvp(fn, tx, to_torch(varr)[0], create_graph=True)
    assert hv.requires_grad
    assert_like(hv, thv)
    assert_like(ag.grad(hv[0], x)[0], torch.autograd.grad(thv[0], tx)[0])


# --- no path from an input to an output: zeros, as torch (strict=False) ---

@pytest.mark.parametrize("op, fn, shapes, extra", [
    ("jacobian", lambda t: t.detach() * 2, [(3,)], None),
    ("vjp", lambda t: t.detach() * 2, [(3,)], [(3,)]),
    ("jvp", lambda t: (t.detach(), t.exp()), [(3,)], [(3,)]),
    ("hvp", lambda t: (t * 2).sum(), [(3,)], [(3,)]),
    ("hessian", lambda t, u: (t * t).sum() + u.sum(), [(3,), (2,)], None),
], ids=["jacobian_detached", "vjp_detached", "jvp_one_detached", "hvp_linear", "hessian_linear"])
def test_no_path_gives_zeros_like_torch(op, fn, shapes, extra):
    as_tuple = len(shapes) > 1
    ours, theirs = run_both(op, fn, shapes, as_tuple,
                            extra=None if extra is None else (arrays(*extra), False))
    assert_like(ours, theirs)
