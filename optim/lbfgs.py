"""L-BFGS for autograd-core.

Every parameter is seen as a slice of one long vector. The inverse Hessian is modelled
from the latest few (step taken, change in gradient) pairs, and the distance moved along
each search direction is either fixed (``lr``) or chosen by a line search that meets the
strong Wolfe conditions.

The iterates, the closure-call counts and the saved state agree with
``torch.optim.LBFGS`` (which follows Mark Schmidt's minFunc), so a state_dict can move
between the two libraries.
"""

import functools
from typing import NamedTuple

import numpy as np

import autograd_core as ag

from .optimizer import Optimizer, _check

_SINGLE_GROUP = "LBFGS doesn't support per-parameter options (parameter groups)"


class LBFGS(Optimizer):
    """Limited-memory BFGS, giving the same iterates as ``torch.optim.LBFGS``.

    Args:
        params: the tensors to optimise, as a single group.
        lr: the step length; on the very first iteration it is multiplied by
            ``min(1, 1 / sum(|g|))``.
        max_iter: at most this many iterations per ``step(closure)`` call.
        max_eval: at most about this many closure calls per ``step`` (default
            ``max_iter * 5 // 4``).
        tolerance_grad: finish once no gradient entry exceeds this in magnitude.
        tolerance_change: finish once the move, or the change in loss, is smaller.
        history_size: the number of curvature pairs remembered.
        line_search_fn: ``None`` (move by ``lr`` each time) or ``"strong_wolfe"``.

    Only one parameter group is allowed. What the method carries from call to call is
    kept in the state of the first parameter under torch's key names (see ``_Memory``),
    together with the counters ``func_evals`` and ``n_iter`` and the scratch list ``al``.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        settings = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_iter * 5 // 4 if max_eval is None else max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, settings)
        if len(self.param_groups) > 1:
            raise ValueError(_SINGLE_GROUP)
        self._tensors = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        # the base constructor adds the groups it was given; any later one is refused
        if getattr(self, "_tensors", None) is not None:
            raise ValueError(_SINGLE_GROUP)
        super().add_param_group(param_group)

    def step(self, closure):
        """Run up to ``max_iter`` iterations and return the loss at the starting point.

        ``closure`` is required: it zeroes the gradients, recomputes the loss, calls
        ``backward()`` and returns the loss. It may be called several times.
        """
        with ag.no_grad():
            return self._minimise(closure)

    # --- all parameters as one vector ---

    def _grad_vector(self):
        pieces = []
        for p in self._tensors:
            if p.grad is None:
                pieces.append(np.zeros(p.data.size, p.data.dtype))
            else:
                pieces.append(p.grad.data.reshape(-1))
        return np.concatenate(pieces)

    def _move(self, scale, vector):
        """params += scale * vector (``vector`` laid out like ``_grad_vector()``)."""
        start = 0
        for p in self._tensors:
            stop = start + p.data.size
            p.data[...] += scale * vector[start:stop].reshape(p.data.shape)
            start = stop

    def _snapshot(self):
        return [p.data.copy() for p in self._tensors]

    def _evaluate_along(self, closure, origin, length, direction):
        """Loss and gradient at ``origin + length * direction``; the parameters are put
        back to ``origin`` afterwards."""
        self._move(length, direction)
        loss = float(_call_with_grad(closure))
        grad = self._grad_vector()
        for p, saved in zip(self._tensors, origin):
            p.data[...] = saved
        return loss, grad

    # --- the iterations ---

    def _minimise(self, closure):
        opts = self.param_groups[0]
        limit_iters, limit_evals = opts["max_iter"], opts["max_eval"]
        grad_tol, change_tol = opts["tolerance_grad"], opts["tolerance_change"]

        state = self.state.setdefault(self._tensors[0], {})
        for counter in ("func_evals", "n_iter"):
            state.setdefault(counter, 0)

        initial_loss = _call_with_grad(closure)
        state["func_evals"] += 1
        grad = self._grad_vector()
        if _largest(grad) <= grad_tol:
            return initial_loss  # already stationary: nothing to do, nothing saved

        mem = _Memory(state, grad.dtype.type)
        loss = float(initial_loss)
        calls = 1  # closure calls made by this step()
        for iteration in range(1, limit_iters + 1):
            state["n_iter"] += 1
            very_first = state["n_iter"] == 1

            # where to go
            if very_first:
                mem.restart(grad)
            else:
                mem.record_pair(grad, opts["history_size"])
                scratch = state.setdefault("al", [None] * opts["history_size"])
                alphas = [_number(a) for a in scratch]
                mem.direction = mem.two_loop(grad, alphas)
                state["al"] = [None if a is None else _as_state(a) for a in alphas]
            mem.prev_grad = grad.copy()
            mem.prev_loss = loss

            # how far: a first guess (damped on the very first iteration)
            if very_first:
                damping = min(1.0, mem.dtype(1.0) / np.abs(grad).sum())
                mem.step = damping * opts["lr"]
            else:
                mem.step = opts["lr"]
            slope = mem.dtype(grad.dot(mem.direction))
            if slope > -change_tol:
                break  # the direction does not (noticeably) descend

            at_optimum = False
            kind = opts["line_search_fn"]
            if kind is None:
                self._move(mem.step, mem.direction)
                used = 0
                if iteration != limit_iters:  # the final point is left unevaluated
                    loss = float(_call_with_grad(closure))
                    grad = self._grad_vector()
                    at_optimum = _largest(grad) <= grad_tol
                    used = 1
            elif kind == "strong_wolfe":
                probe = functools.partial(self._evaluate_along, closure, self._snapshot(),
                                          direction=mem.direction)
                search = _StrongWolfeSearch(probe, mem.direction, loss, grad, slope,
                                            budget=limit_evals - calls)
                loss, grad, mem.step, used = search.run(mem.step)
                self._move(mem.step, mem.direction)
                at_optimum = _largest(grad) <= grad_tol
            else:
                raise RuntimeError("only 'strong_wolfe' is supported")
            calls += used
            state["func_evals"] += used

            stalled = (_largest(mem.direction * mem.step) <= change_tol
                       or abs(loss - mem.prev_loss) < change_tol)
            if iteration == limit_iters or calls >= limit_evals or at_optimum or stalled:
                break

        mem.save(state)
        return initial_loss


class _Memory:
    """What L-BFGS carries from one iteration, and one ``step()`` call, to the next.

    Attribute (state key, the same as torch's so state_dicts interchange):
        direction (d): the latest search direction.
        step (t): the latest step length along it.
        steps (old_stps), grad_changes (old_dirs): the remembered pairs s_k and y_k,
            oldest first; inv_curvatures (ro) holds 1 / (y_k . s_k) for each.
        scale (H_diag): the multiple of the identity that starts the two-loop product.
        prev_grad (prev_flat_grad), prev_loss (prev_loss): at the latest iterate.
    """

    def __init__(self, state, dtype):
        self.dtype = dtype  # dot products and ratios stay in the parameters' precision
        self.direction = _vector(state.get("d"))
        self.step = _number(state.get("t"))
        self.steps = [_vector(v) for v in state.get("old_stps") or []]
        self.grad_changes = [_vector(v) for v in state.get("old_dirs") or []]
        self.inv_curvatures = [_number(v) for v in state.get("ro") or []]
        self.scale = _number(state.get("H_diag"))
        self.prev_grad = _vector(state.get("prev_flat_grad"))
        self.prev_loss = _number(state.get("prev_loss"))

    def save(self, state):
        state["d"] = _as_state(self.direction)
        state["t"] = self.step
        state["old_dirs"] = [_as_state(v) for v in self.grad_changes]
        state["old_stps"] = [_as_state(v) for v in self.steps]
        state["ro"] = [_as_state(v) for v in self.inv_curvatures]
        # a scale never updated is still the integer 1, as in torch
        state["H_diag"] = self.scale if isinstance(self.scale, int) else _as_state(self.scale)
        state["prev_flat_grad"] = _as_state(self.prev_grad)
        state["prev_loss"] = self.prev_loss

    def restart(self, grad):
        """Forget all curvature: steepest descent, identity scale."""
        self.direction = -grad
        self.steps, self.grad_changes, self.inv_curvatures = [], [], []
        self.scale = 1

    def record_pair(self, grad, capacity):
        """Remember the last move and the gradient change it caused, unless their
        product is too small to keep the model positive definite."""
        change = grad - self.prev_grad
        moved = self.direction * self.step
        curvature = self.dtype(change.dot(moved))
        if not curvature > 1e-10:
            return
        if len(self.steps) == capacity:  # full: the oldest pair makes room
            del self.steps[0], self.grad_changes[0], self.inv_curvatures[0]
        self.grad_changes.append(change)
        self.steps.append(moved)
        self.inv_curvatures.append(self.dtype(1.0) / curvature)
        self.scale = curvature / self.dtype(change.dot(change))

    def two_loop(self, grad, alphas):
        """The model's -H grad, by the two-loop recursion over the remembered pairs
        (newest first, then oldest first). ``alphas`` receives the first loop's
        coefficients (torch keeps them as the state's "al")."""
        pairs = list(zip(self.steps, self.grad_changes, self.inv_curvatures))
        v = -grad
        for k in reversed(range(len(pairs))):
            s, y, rho = pairs[k]
            alphas[k] = self.dtype(s.dot(v)) * rho
            v -= alphas[k] * y
        v = v * self.scale
        for k, (s, y, rho) in enumerate(pairs):
            beta = self.dtype(y.dot(v)) * rho
            v += (alphas[k] - beta) * s
        return v


class _Trial(NamedTuple):
    """One evaluated point on the search line."""
    at: float  # distance along the direction
    loss: float
    grad: np.ndarray
    slope: float  # directional derivative: grad . direction


class _StrongWolfeSearch:
    """A line search for a length meeting the strong Wolfe conditions, with minFunc's
    (and so torch's) choices throughout.

    Phase one moves outward from the first guess, extrapolating with cubics, until an
    interval is known to hold an acceptable length (or one is found). Phase two narrows
    that interval with safeguarded cubic interpolation.

    ``probe(length)`` gives (loss, grad) at that distance along ``direction``. After the
    first probe, ``budget`` further probes are allowed.
    """

    ARMIJO = 1e-4  # sufficient decrease factor (c1)
    CURVATURE = 0.9  # strong curvature factor (c2)
    MIN_WIDTH = 1e-9  # give up narrowing once width * max|direction| is below this

    def __init__(self, probe, direction, loss, grad, slope, budget):
        self._probe = probe
        self._direction = direction
        self._origin = _Trial(0, loss, grad.copy(), slope)
        self._budget = budget
        self._extra = 0  # probes made after the first
        self._reach = _largest(direction)

    def run(self, guess):
        """(loss, grad, length, number of probes) at the accepted length."""
        first = self._evaluate(guess)
        ends, accepted = self._expand(first)
        best = ends[0] if accepted else self._narrow(ends)
        return best.loss, best.grad, best.at, self._extra + 1

    def _evaluate(self, length):
        loss, grad = self._probe(length)
        slope = grad.dtype.type(grad.dot(self._direction))
        return _Trial(length, loss, grad, slope)

    def _decreases_enough(self, trial):
        origin = self._origin
        return not trial.loss > origin.loss + self.ARMIJO * trial.at * origin.slope

    def _flat_enough(self, trial):
        return abs(trial.slope) <= -self.CURVATURE * self._origin.slope

    def _expand(self, trial):
        """Phase one: ([point], True) if a point already passes both conditions, else
        ([a, b], False) with an acceptable length between a and b."""
        behind = self._origin
        while self._extra < self._budget:
            rising = self._extra > 1 and trial.loss >= behind.loss
            if not self._decreases_enough(trial) or rising:
                return [behind, trial], False
            if self._flat_enough(trial):
                return [trial], True
            if trial.slope >= 0:  # passed a minimum
                return [behind, trial], False
            # still going down steeply: extrapolate, between 1.01 x - 0.01 x_behind
            # and 10 x
            nearest = trial.at + 0.01 * (trial.at - behind.at)
            furthest = trial.at * 10
            length = _cubic_minimiser(behind, trial, nearest, furthest)
            behind, trial = trial, self._evaluate(length)
            self._extra += 1
        # out of probes: the origin and the last point
        return [self._origin, trial], False

    def _narrow(self, ends):
        """Phase two: shrink ``ends`` (kept in place, slot by slot, as the interpolation
        depends on their order) around an acceptable length; return the best point."""
        lo, hi = _order(ends)
        stuck = False
        while self._extra < self._budget:
            if abs(ends[1].at - ends[0].at) * self._reach < self.MIN_WIDTH:
                break
            length = _cubic_minimiser(ends[0], ends[1])
            length, stuck = _keep_off_the_edges(length, ends[0].at, ends[1].at, stuck)
            trial = self._evaluate(length)
            self._extra += 1
            if not self._decreases_enough(trial) or trial.loss >= ends[lo].loss:
                ends[hi] = trial
                lo, hi = _order(ends)
                continue
            if self._flat_enough(trial):
                return trial
            if trial.slope * (ends[hi].at - ends[lo].at) >= 0:
                ends[hi] = ends[lo]  # the minimum lies on the other side of the new point
            ends[lo] = trial
        return ends[lo]


def _order(ends):
    """Slots of the lower and of the higher loss (the first on a tie)."""
    return (0, 1) if ends[0].loss <= ends[-1].loss else (1, 0)


def _keep_off_the_edges(length, a, b, stuck):
    """Move ``length`` to a tenth of the interval [a, b] inside it if it lies (nearly) on
    an edge for the second time running, or outside; returns (length, stuck)."""
    left, right = min(a, b), max(a, b)
    margin = 0.1 * (right - left)
    if not min(right - length, length - left) < margin:
        return length, False
    if not (stuck or length >= right or length <= left):
        return length, True  # allowed once
    if abs(length - right) < abs(length - left):
        return right - margin, False
    return left + margin, False


def _cubic_minimiser(p, q, lower=None, upper=None):
    """Where the cubic matching loss and slope at the trials ``p`` and ``q`` has its
    minimum, clipped to [lower, upper] (by default the span of the two); the middle of
    that range if the cubic has no minimum."""
    if q.at < p.at:
        p, q = q, p  # p on the left, q on the right
    if lower is None:
        lower, upper = p.at, q.at
    theta = p.slope + q.slope - 3 * (p.loss - q.loss) / (p.at - q.at)
    disc = theta**2 - p.slope * q.slope
    if not disc >= 0:
        return (lower + upper) / 2.0
    root = np.sqrt(disc)
    ratio = (q.slope + root - theta) / (q.slope - p.slope + 2 * root)
    return min(max(q.at - (q.at - p.at) * ratio, lower), upper)


def _call_with_grad(closure):
    with ag.enable_grad():
        return closure()


def _largest(v):
    return np.abs(v).max()


def _as_state(value):
    """For the state dict: arrays and 0-d numbers as Tensors, so ag.save writes them and
    load_state_dict casts them to the parameters' dtype, as in torch. None stays None."""
    return None if value is None else ag.from_numpy(np.array(value))


def _vector(value):
    """A private ndarray copy of a state vector (None stays None)."""
    if value is None:
        return None
    return np.array(value.data if isinstance(value, ag.Tensor) else value)


def _number(value):
    """A state number as a numpy scalar of its dtype (plain numbers and None pass)."""
    if isinstance(value, ag.Tensor):
        value = value.data
    return value[()] if isinstance(value, np.ndarray) else value
