"""The first backprop demo of the course notes, run on the engine: a 1-1-1 linear network
learns y = 2x + 1, and every gradient the engine computes is checked against the chain
rule worked out by hand."""

import sys

import numpy as np
from tqdm import tqdm

import autograd_core as ag

TRUE_SLOPE, TRUE_INTERCEPT = 2.0, 1.0
NOISE_STD = 0.4
N_POINTS = 100
# The engine works in float32 and the hand-derived gradients in float64 Python floats, so
# they differ by rounding (~1e-7); anything near 1e-4 would be a real bug, not rounding.
GRAD_TOL = 1e-4


class GradientMismatchError(RuntimeError):
    """The engine's gradients disagree with the hand-derived chain rule."""


def make_data(rng):
    """100 points on y = 2x + 1 with Gaussian noise, as in the course notes."""
    x = np.linspace(-1.0, 1.0, N_POINTS)
    y = TRUE_SLOPE * x + TRUE_INTERCEPT + rng.normal(0.0, NOISE_STD, size=x.shape)
    return x, y


def hand_gradients(x, y, w1, b1, w2, b2):
    """dL/d(w1, b1, w2, b2) for L = (a2 - y)^2, by the chain rule, in plain floats.

    Both activations are the identity, so da1/dz1 = da2/dz2 = 1 and drop out.
    """
    a1 = w1 * x + b1
    a2 = w2 * a1 + b2
    dl_da2 = 2.0 * (a2 - y)
    return {
        "w1": dl_da2 * w2 * x,   # through z2 = w2*a1, then z1 = w1*x
        "b1": dl_da2 * w2,
        "w2": dl_da2 * a1,
        "b2": dl_da2,
    }


def run_demo(epochs=100, lr=0.01, seed=42, quiet=False, out=None):
    """Train the 1-1-1 network with per-sample SGD and check the engine's gradients.

    Args:
        epochs: passes over the 100 points (one SGD step per point).
        lr: learning rate of the plain SGD update p -= lr * dL/dp.
        seed: seeds the numpy Generator that makes the noise and the initial parameters.
        quiet: no progress bar.
        out: where the summary is printed (default: sys.stdout at call time, so a
            redirected or captured stdout is honoured).

    Returns a dict with slope, intercept, mse, max_grad_diff, n_checks and params.
    Raises GradientMismatchError (after printing the summary) when an engine gradient is
    further than 1e-4 from the hand-derived one.
    """
    out = sys.stdout if out is None else out
    rng = np.random.default_rng(seed)
    xs, ys = make_data(rng)

    # Scalar leaves: requires_grad makes backward() fill their .grad.
    params = {name: ag.tensor(float(rng.standard_normal()), requires_grad=True)
              for name in ("w1", "b1", "w2", "b2")}
    w1, b1, w2, b2 = params["w1"], params["b1"], params["w2"], params["b2"]

    print(f"Backprop demo: a 1-1-1 linear network learns y = {TRUE_SLOPE:g}x + "
          f"{TRUE_INTERCEPT:g} from {N_POINTS} noisy points", file=out)
    print(f"  (per-sample SGD, lr {lr:g}, {epochs} epochs, seed {seed})", file=out)

    max_diff, n_checks = 0.0, 0
    # The bar goes to stderr, so it never mixes with the summary; hide it when nobody sees it.
    show_bar = not quiet and sys.stderr.isatty()
    bar = tqdm(range(epochs), desc="epochs", unit="epoch", disable=not show_bar, leave=False)
    for _ in bar:
        epoch_loss = 0.0
        for x, y in zip(xs.tolist(), ys.tolist()):
            # Forward: the same four lines as the course notes, recorded by the engine.
            z1 = w1 * x + b1
            a1 = z1                      # linear activation
            z2 = w2 * a1 + b2
            a2 = z2
            loss = (a2 - y) ** 2
            loss.backward()
            epoch_loss += loss.item()

            # Read the parameters before the update: the hand gradients belong to this step.
            expected = hand_gradients(x, y, w1.item(), b1.item(), w2.item(), b2.item())
            for name, p in params.items():
                max_diff = max(max_diff, abs(p.grad.item() - expected[name]))
            n_checks += 1

            # no_grad: the update itself must not be recorded (and the engine refuses an
            # in-place change of a leaf that requires grad outside it).
            with ag.no_grad():
                for p in params.values():
                    p -= lr * p.grad
            for p in params.values():
                p.grad = None            # grads accumulate: clear them before the next step
        bar.set_postfix(loss=f"{epoch_loss / N_POINTS:.4f}", refresh=False)
    bar.close()

    w1_, b1_, w2_, b2_ = (params[k].item() for k in ("w1", "b1", "w2", "b2"))
    # Two linear layers compose to one line: w2*(w1*x + b1) + b2.
    slope, intercept = w1_ * w2_, w2_ * b1_ + b2_
    mse = float(np.mean((slope * xs + intercept - ys) ** 2))

    print(f"learned parameters:  w1 = {w1_:.4f}  b1 = {b1_:.4f}  w2 = {w2_:.4f}  "
          f"b2 = {b2_:.4f}", file=out)
    print(f"effective line:      slope w1*w2 = {slope:.4f} (true {TRUE_SLOPE:g}), "
          f"intercept w2*b1 + b2 = {intercept:.4f} (true {TRUE_INTERCEPT:g})", file=out)
    # The noise moves the best line off (2, 1); least squares says where it moved to. SGD
    # with a fixed order of points and a fixed lr ends near it, not on it.
    ls_slope, ls_intercept = np.polyfit(xs, ys, 1)
    ls_mse = float(np.mean((ls_slope * xs + ls_intercept - ys) ** 2))
    print(f"mean squared error:  {mse:.4f} over the {N_POINTS} points", file=out)
    print(f"least-squares line:  slope {ls_slope:.4f}, intercept {ls_intercept:.4f}, "
          f"mse {ls_mse:.4f} (the best any line can do on this noisy data)", file=out)
    verdict = "match" if max_diff <= GRAD_TOL else "DO NOT match"
    print(f"engine gradients {verdict} the hand-derived chain rule: max |diff| = "
          f"{max_diff:.1e} over {n_checks} checks (all 4 parameters at every SGD step)", file=out)

    result = {"slope": slope, "intercept": intercept, "mse": mse, "max_grad_diff": max_diff,
              "n_checks": n_checks, "params": {"w1": w1_, "b1": b1_, "w2": w2_, "b2": b2_}}
    if max_diff > GRAD_TOL:
        raise GradientMismatchError(
            f"demo: engine gradients differ from the hand-derived chain rule by {max_diff:.3g} "
            f"(more than {GRAD_TOL:g})")
    return result
