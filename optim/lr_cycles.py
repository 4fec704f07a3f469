"""Learning-rate schedules that repeat: CosineAnnealingWarmRestarts (SGDR) and CyclicLR
(triangular, triangular2 and exp_range policies, optionally cycling momentum in the
opposite direction). Both follow torch.optim.lr_scheduler step for step and are
re-exported by optim.lr_scheduler."""

import math
import types

from .lr_scheduler import LRScheduler, _check_optimizer, _per_group
from .lr_scheduler import _warn_if_get_lr_called_directly as _warn_if_called_directly


def _require_count(value, message):
    """value must be an int of at least 1."""
    if value < 1 or not isinstance(value, int):
        raise ValueError(message)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov and Hutter, 2016).

    Within a period the lr follows half a cosine from the group's initial lr down to
    `eta_min`; then it jumps back up and a new period begins. The first period lasts `T_0`
    epochs and every following one `T_mult` times as long as the one before. step() also
    accepts an explicit, possibly fractional epoch (e.g. ``epoch + batch / n_batches`` to
    anneal within an epoch) and continues from there; unlike other schedulers this is
    not deprecated, so it does not warn.
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):  # noqa: N803
        _require_count(T_0, f"Expected positive integer T_0, but got {T_0}")
        _require_count(T_mult, f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (int, float)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type "
                             f"{type(eta_min)}")
        # T_i: length of the current period; T_cur: epochs elapsed within it
        self.T_0 = self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch=last_epoch)

    def get_lr(self):
        _warn_if_called_directly(self)
        wave = math.cos(math.pi * self.T_cur / self.T_i)
        floor = self.eta_min
        return [floor + (start - floor) * (1 + wave) / 2 for start in self.base_lrs]

    def _advance(self):
        """One more epoch, wrapping into a longer period when this one is used up."""
        self.T_cur += 1
        if self.T_cur >= self.T_i:
            self.T_cur %= self.T_i
            self.T_i *= self.T_mult

    def _seek(self, epoch):
        """Place T_cur and T_i at an arbitrary (non-negative) epoch."""
        if epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        first, growth = self.T_0, self.T_mult
        if epoch < first:
            self.T_i, self.T_cur = first, epoch
        elif growth == 1:
            self.T_cur = epoch % first
        else:
            # Period k starts at first * (growth**k - 1) / (growth - 1): invert that sum.
            k = int(math.log(epoch / first * (growth - 1) + 1, growth))
            period_start = first * (growth**k - 1) / (growth - 1)
            self.T_cur = epoch - period_start
            self.T_i = first * growth**k

    def step(self, epoch=None):
        """Move on by one epoch, or jump to `epoch` when it is given."""
        if epoch is None:
            if self.last_epoch < 0:  # the constructor's step lands on epoch 0
                self._seek(0)
                target = 0
            else:
                self._advance()
                target = self.last_epoch + 1
        else:
            self._seek(epoch)
            target = epoch
        # the base class sets last_epoch, evaluates get_lr and writes the groups' lrs
        self._update_lr(math.floor(target))


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith, 2015), stepped after every batch.

    Each cycle climbs linearly from `base_lr` to `max_lr` in `step_size_up` steps and
    returns in `step_size_down` steps (by default as many). The swing above base_lr is
    multiplied by a scale: 1 for "triangular", halved every cycle for "triangular2",
    gamma**step for "exp_range", or whatever `scale_fn` returns for the cycle number or
    the step count (chosen by `scale_mode`). With `cycle_momentum` the momentum (Adam's
    beta1 for optimizers with betas) moves against the lr, between `max_momentum` and
    `base_momentum`.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        lows = _per_group("base_lr", optimizer, base_lr)
        fresh = last_epoch == -1
        if fresh:
            for group, lr in zip(groups, lows):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)

        rise = float(step_size_up)
        fall = rise if step_size_down is None else float(step_size_down)
        self.total_size = rise + fall
        self.step_ratio = rise / self.total_size  # fraction of a cycle spent rising

        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom, self.scale_mode = scale_fn, scale_mode
        self._settle_scale_mode()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._setup_momentum(optimizer, base_momentum, max_momentum, fresh)
        super().__init__(optimizer, last_epoch=last_epoch)
        # set only now: the constructor's step above ran with the groups' initial_lr
        self.base_lrs = lows

    def _setup_momentum(self, optimizer, base_momentum, max_momentum, fresh):
        known = optimizer.defaults
        if "momentum" not in known and "betas" not in known:
            raise ValueError("optimizer must support momentum or beta1 with "
                             "`cycle_momentum` option enabled")
        self.use_beta1 = "betas" in known
        self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
        self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
        if not fresh:
            return
        for group, top, bottom in zip(optimizer.param_groups, self.max_momentums,
                                      self.base_momentums):
            self._set_momentum(group, top)  # momentum starts high while the lr is low
            group["max_momentum"], group["base_momentum"] = top, bottom

    def _settle_scale_mode(self):
        # A named policy decides for itself what its scale depends on.
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x):
        """Scale of the swing for cycle number (or step count) x."""
        custom = self._scale_fn_custom
        if custom is not None:
            return custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def _set_momentum(self, group, value):
        if not self.use_beta1:
            group["momentum"] = value
            return
        group["betas"] = (value, *group["betas"][1:])

    def _phase(self):
        """(cycle number counted from 1, how far up the slope we are in [0, 1])."""
        progress = self.last_epoch / self.total_size
        cycle = math.floor(1 + progress)
        within = 1.0 + progress - cycle
        if within <= self.step_ratio:
            return cycle, within / self.step_ratio
        return cycle, (within - 1) / (self.step_ratio - 1)

    def get_lr(self):
        """The lrs for step `last_epoch`. With cycle_momentum it also writes the matching
        momenta into the groups."""
        _warn_if_called_directly(self)
        cycle, height = self._phase()
        amp = self.scale_fn(self.last_epoch if self.scale_mode != "cycle" else cycle)
        lrs = [lo + (hi - lo) * height * amp for lo, hi in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            bounds = zip(self.base_momentums, self.max_momentums)
            for group, (lo, hi) in zip(self.optimizer.param_groups, bounds):
                self._set_momentum(group, hi - (hi - lo) * height * amp)
        return lrs

    @staticmethod
    def _saved_form(fn):
        # Functions and lambdas cannot be stored; a callable object keeps its attributes.
        if fn is None or isinstance(fn, types.FunctionType):
            return None
        return dict(fn.__dict__)

    def state_dict(self):
        """The base class's dict, except that a custom scale_fn is stored only as the
        attributes of a callable object (None for plain functions and lambdas), as in
        PyTorch."""
        state = super().state_dict()
        custom = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = self._saved_form(custom)
        return state

    def load_state_dict(self, state_dict):
        rest = dict(state_dict)
        saved = rest.pop("_scale_fn_custom", None)
        super().load_state_dict(rest)
        if saved is not None:
            vars(self._scale_fn_custom).update(saved)
        self._settle_scale_mode()
