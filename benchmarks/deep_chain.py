"""deep_chain: backward through very long chains must cost the same per op at any length.

Chains of 10^3, 10^4 and 10^5 ops on shape (1,), alternating `* A` and `+ B`. A graph
walk that recurses dies with RecursionError near 10^3; one that is accidentally quadratic
(a list scan per node, re-sorting) shows up as a per-op time that grows with length. The
flatness row is per-op time at 10^5 over per-op time at 10^3, the median of that ratio
over the rounds (target: within 1.5x).
"""

import statistics

import numpy as np

from . import harness

NAME = "deep_chain"
LENGTHS = (10**3, 10**4, 10**5)
FLATNESS_TARGET = 1.5
# x -> A x + B contracts towards B / (1 - A) = 1, so values stay bounded at any length,
# and the input gradient A^(n/2) is still ~7e-3 at n = 10^5 (not lost to underflow).
A, B = 0.9999, 0.0001
X0 = 0.5


def _ours(n):
    import autograd_core as ag

    def step():
        x = ag.tensor([X0], requires_grad=True)
        y = x
        for _ in range(n // 2):
            y = y * A
            y = y + B
        y.backward()
        return y, x.grad

    return step


def _floor(n):
    """By hand: the forward records the chain, the backward walks it in reverse."""
    a = np.float32(A)

    def step():
        y = np.array([X0], dtype=np.float32)
        tape = []
        for _ in range(n // 2):
            y = y * A
            tape.append(a)     # d(y * A)/dy
            y = y + B
            tape.append(None)  # d(y + B)/dy = 1: nothing to compute
        g = np.ones_like(y)
        for factor in reversed(tape):
            if factor is not None:
                g = g * factor
        return y, g

    return step


def _torch(torch, n):
    def step():
        x = torch.tensor([X0], requires_grad=True)
        y = x
        for _ in range(n // 2):
            y = y * A
            y = y + B
        y.backward()
        return y, x.grad

    return step


def _check(results):
    # the same float32 constant multiplied in n/2 times: rounding stays tiny
    for n in LENGTHS:
        by_contender = {name: out for (name, length), out in results.items() if length == n}
        harness.check_agree(_label(n), by_contender, ("forward value", "input gradient"),
                            rtol=1e-3, atol=1e-6)


def _label(n):
    return f"{NAME} 1e{len(str(n)) - 1}"


def run(cfg):
    # Every (contender, length) pair goes into one set of interleaved rounds, so a round
    # times the short and the long chain seconds apart, not a minute apart: on a shared
    # machine the load drifts, and flatness compares lengths, so they must see one load.
    steps = {}
    for n in LENGTHS:
        steps["ours", n] = _ours(n)
        steps["numpy", n] = _floor(n)
        if cfg.torch is not None:
            steps["torch", n] = _torch(cfg.torch, n)
    try:
        timings = harness.measure(steps, cfg, check=_check)
    except RecursionError as e:  # the failure this workload exists to catch: report it
        return [harness.failed_row(NAME, "us/op", e)]

    rows = []
    for n in LENGTHS:
        rows.append(harness.row_from_timings(
            _label(n), {name: t for (name, length), t in timings.items() if length == n}, n))

    # Flatness per round (long and short timed in the same round), then the median:
    # pairing cancels load that drifts between rounds.
    short, long = LENGTHS[0], LENGTHS[-1]
    flat = {name: None for name in harness.CONTENDERS}
    for name in flat:
        if (name, long) in timings:
            t_long, t_short = timings[name, long].per_call, timings[name, short].per_call
            flat[name] = statistics.median((a / long) / (b / short)
                                           for a, b in zip(t_long, t_short))
    verdict = "ok" if flat["ours"] <= FLATNESS_TARGET else "MISSED"
    rows.append(harness.Row(f"{NAME} flatness 1e{len(str(long)) - 1}/1e{len(str(short)) - 1}",
                            "ratio", flat, ratios=False,
                            note=f"target <= {FLATNESS_TARGET}: {verdict}"))
    return rows
