"""Every op in op_specs.py, gradchecked in float64 over drawn shapes, broadcasts and dims;
gradgradchecked where the op is twice differentiable."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.function import Primitive
from tests.op_specs import NOT_DIFFERENTIABLE, SPECS


def make_inputs(spec, arrays):
    return [ag.from_numpy(a.astype("float64", copy=False)).requires_grad_(i not in spec.const_args)
            for i, a in enumerate(arrays)]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@given(data=st.data())
def test_gradcheck(spec, data):
    arrays, kw = spec.draw(data)
    xs = make_inputs(spec, arrays)
    assert ag.gradcheck(lambda *a: spec.ours(*a, **kw), xs)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.twice], ids=lambda s: s.name)
@settings(max_examples=15)
@given(data=st.data())
def test_gradgradcheck(spec, data):
    arrays, kw = spec.draw(data)
    xs = make_inputs(spec, arrays)
    assert ag.gradgradcheck(lambda *a: spec.ours(*a, **kw), xs)


def test_every_exported_op_has_a_spec():
    names = {s.name for s in SPECS} | NOT_DIFFERENTIABLE
    missing = sorted(set(ag._EXPORTED) - names)
    assert not missing, f"exported ops without a Spec in tests/op_specs.py: {missing}"


def _subclasses(cls):
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def _graph_node_types(outputs):
    from autograd_core.engine import _dependencies
    roots = [o.grad_fn for o in outputs if o is not None and o.grad_fn is not None]
    return {type(n) for n in _dependencies(roots)}


def _types_reached(spec):
    """The node types of a few of spec's graphs and of their first derivatives (create_graph).
    Each draw is its own example: one example drawing for every Spec at once outgrows
    hypothesis's buffer as Specs are added."""
    seen = set()

    @given(data=st.data())
    @settings(max_examples=6, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def run(data):
        arrays, kw = spec.draw(data)
        xs = make_inputs(spec, arrays)
        out = spec.ours(*xs, **kw)
        outs = list(out) if isinstance(out, tuple) else [out]
        seen.update(_graph_node_types(outs))
        outs = [o for o in outs if o.requires_grad]
        grads = ag.grad(outs, [x for x in xs if x.requires_grad],
                        [ag.ones_like(o).requires_grad_() for o in outs], create_graph=True,
                        allow_unused=True)
        seen.update(_graph_node_types(grads))

    run()
    return seen


def test_every_primitive_is_reached_by_the_specs():
    """Each Primitive's forward and backward run under the property tests: the specs' graphs,
    and the graphs of their first derivatives (create_graph), contain every primitive."""
    seen = set()
    for spec in SPECS:  # a few draws each, so every branch (e.g. advanced indexing) shows up
        seen |= _types_reached(spec)
    from autograd_core.ops.elementwise import Cast
    exempt = {Cast}  # float64 -> float32 cannot be gradchecked; tests/test_engine.py has it
    ops = {c for c in _subclasses(Primitive) if "forward" in vars(c)}  # not bases, not ctx
    missing = sorted(c.__name__ for c in ops - seen - exempt)
    assert not missing, f"primitives no Spec exercises: {missing}"
