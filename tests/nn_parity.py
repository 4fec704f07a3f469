"""Shared by the nn tests: float64 tensors and the parity check that copies our layer's
state into the torch layer and compares everything (the `torch` fixture is conftest's)."""

import numpy as np

import autograd_core as ag

RNG = np.random.default_rng(11)


def _t(a, requires_grad=False):
    """A float64 tensor (float arrays otherwise become the default float32)."""
    return ag.tensor(a, dtype=ag.float64, requires_grad=requires_grad)


def _pair(torch, ours, theirs, x):
    """Copy our state into the torch layer, run both on x (float64), compare outputs,
    input gradients and parameter gradients under a random upstream gradient."""
    ours.double()
    theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})
    xa = _t(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(ya.shape)
    (ya * _t(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
