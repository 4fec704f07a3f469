"""Test-wide settings: hypothesis profiles (derandomized under CI), a seeded engine."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

import autograd_core as ag

# no shrinking: the drawn inputs are printed in full, and shrinking composite draws
# through gradcheck can take minutes
settings.register_profile("dev", deadline=None, max_examples=50,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate],
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
# CI: a flaky example must never block a landing, so the examples are fixed
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True,
                          print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same generator state and default dtype."""
    ag.manual_seed(0)
    old = ag.get_default_dtype()
    yield
    ag.set_default_dtype(old)
    assert np.geterr()["over"] in ("warn", "ignore", "raise", "call", "print", "log")


@pytest.fixture(scope="session")
def torch():
    """PyTorch, the test oracle of the dev extra. Never skipped: its absence is a failure
    (some older test files still define their own fixture of this name)."""
    import torch
    return torch
