"""The one random generator behind every random thing in the four packages."""

import numpy as np

_DEFAULT_SEED = 67280421310721  # torch's default seed: runs are reproducible out of the box
_state = {"gen": np.random.default_rng(_DEFAULT_SEED), "seed": _DEFAULT_SEED}


def manual_seed(seed):
    """Seed the global generator (factories, init, dropout, data shuffling)."""
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"manual_seed: seed must be non-negative, got {seed}")
    _state["gen"] = np.random.default_rng(seed)
    _state["seed"] = seed
    return _state["gen"]


def seed():
    """Seed the generator from the OS's entropy; returns the seed used."""
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    manual_seed(s)
    return s


def initial_seed():
    return _state["seed"]


def generator():
    """The current numpy Generator (read it at call time, never cache it)."""
    return _state["gen"]


def get_rng_state():
    return _state["gen"].bit_generator.state


def set_rng_state(state):
    _state["gen"].bit_generator.state = state
