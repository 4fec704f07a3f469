"""Forward values and every input's gradient against torch, one Spec at a time (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.op_specs import SPECS

torch = pytest.importorskip("torch")


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("spec", [s for s in SPECS if s.torch is not None],
                         ids=lambda s: s.name)
@settings(max_examples=20)
@given(data=st.data())
def test_matches_torch(spec, data):
    arrays, kw = spec.draw(data)
    ours_in = [ag.from_numpy(np.array(a, dtype=np.float64)).requires_grad_(
        i not in spec.const_args) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(np.array(a, dtype=np.float64)).requires_grad_(
        i not in spec.const_args) for i, a in enumerate(arrays)]
    ours = _flat(spec.ours(*ours_in, **kw))
    theirs = _flat(spec.torch(torch, *theirs_in, **kw))
    assert len(ours) == len(theirs)
    rng = np.random.default_rng(0)
    gs = []
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape), f"{spec.name}: shape {o.shape} vs {t.shape}"
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-10, atol=1e-12)
        gs.append(rng.standard_normal(o.shape))
    pairs = [(o, t, g) for o, t, g in zip(ours, theirs, gs) if o.requires_grad]
    if not pairs:
        return
    leaves = [i for i, x in enumerate(ours_in) if x.requires_grad]
    g_ours = ag.grad([o for o, _, _ in pairs], [ours_in[i] for i in leaves],
                     [ag.tensor(g, dtype=ag.float64) for _, _, g in pairs], allow_unused=True)
    g_theirs = torch.autograd.grad([t for _, t, _ in pairs], [theirs_in[i] for i in leaves],
                                   [torch.tensor(g) for _, _, g in pairs], allow_unused=True)
    for i, a, b in zip(leaves, g_ours, g_theirs):
        a = np.zeros(ours_in[i].shape) if a is None else a.data
        b = np.zeros(ours_in[i].shape) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11,
                                   err_msg=f"{spec.name}: gradient of input {i}")
