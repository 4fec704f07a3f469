"""Schedulers made of other schedulers, as in torch.optim.lr_scheduler: SequentialLR
hands control from one scheduler to the next at given epochs, ChainedScheduler steps
all of them every time so that their effects multiply. Re-exported by
optim.lr_scheduler."""

import bisect

from .lr_scheduler import LRScheduler, ReduceLROnPlateau

_ABSENT = object()


def _check_schedulers(kind, optimizer, schedulers):
    """Each member must be an epoch-driven scheduler of `optimizer`."""
    for pos, member in enumerate(schedulers):
        owner = getattr(member, "optimizer", _ABSENT)
        if owner is _ABSENT:
            raise TypeError(f"{kind} at index {pos} should have `optimizer` as its attribute.")
        if isinstance(member, ReduceLROnPlateau):  # its step() needs a metric
            raise ValueError(f"{kind} does not support `ReduceLROnPlateau` scheduler as it "
                             "requires additional kwargs to be specified when calling `step`, "
                             f"but got one at index {pos} in the given schedulers sequence.")
        if optimizer != owner:
            raise ValueError(f"{kind} expects all schedulers to belong to the same optimizer, "
                             f"but got scheduler {type(member).__name__} at index {pos} has "
                             f"{owner}, which is different from "
                             f"{type(optimizer).__name__}.")


def _group_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


class _Composite(LRScheduler):
    """State handling shared by the two composites: their own attributes (without the
    optimizer) plus, under "_schedulers", the list of the members' state dicts."""

    def state_dict(self):
        """Its own attributes, with each scheduler's state dict under "_schedulers"."""
        own = {key: value for key, value in vars(self).items()
               if key != "optimizer" and key != "_schedulers"}
        own["_schedulers"] = [member.state_dict() for member in self._schedulers]
        return own

    def load_state_dict(self, state_dict):
        own = dict(state_dict)
        members = own.pop("_schedulers")
        vars(self).update(own)
        for member, saved in zip(self._schedulers, members):
            member.load_state_dict(saved)


class SequentialLR(_Composite):
    """Give control to `schedulers` in turn, passing it on at each epoch listed in
    `milestones` (there is one milestone fewer than schedulers). Like PyTorch, a scheduler
    that takes over is restarted at its own epoch 0, via its closed form if it has one."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        kind = type(self).__name__
        if len(schedulers) == 0:
            raise ValueError(f"{kind} expects at least one scheduler, but got no scheduler.")
        _check_schedulers(kind, optimizer, schedulers)
        if len(schedulers) != len(milestones) + 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be "
                             "one more than the number of milestone points, but got number of "
                             f"schedulers {len(schedulers)} and the number of milestones to be "
                             f"equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        # Counted as if the constructor's step had been taken already.
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Building the members moved the lrs and their epoch counters; rewind all that and
        # let only the member in charge at epoch 0 take its first step again.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        opening = self._member_at(0)
        opening._initial_step()
        self._last_lr = opening.get_last_lr()

    def _position(self, epoch):
        return bisect.bisect_right(self._milestones, epoch)

    def _member_at(self, epoch):
        """The member scheduler in charge at `epoch`."""
        return self._schedulers[self._position(epoch)]

    def recursive_undo(self, sched=None):
        """Take back the step each scheduler (and nested one) took when it was built."""
        pending = [self if sched is None else sched]
        while pending:
            node = pending.pop()
            children = getattr(node, "_schedulers", _ABSENT)
            if children is not _ABSENT:
                pending.extend(reversed(children))
            elif hasattr(node, "last_epoch"):
                node.last_epoch -= 1

    def step(self):
        """Advance one epoch, using whichever member's turn it is."""
        self.last_epoch += 1
        now = self.last_epoch
        pos = self._position(now)
        member = self._schedulers[pos]
        if pos and self._milestones[pos - 1] == now:
            member._update_lr(0)  # taking over: restart from the member's epoch 0
        else:
            member.step()
        self._last_lr = member.get_last_lr()


class ChainedScheduler(_Composite):
    """Step all of `schedulers`, in order, on every step(), so that their (chainable)
    adjustments of the lr compound."""

    def __init__(self, schedulers, optimizer=None):
        kind = type(self).__name__
        if len(schedulers) == 0:
            raise ValueError(f"{kind} expects at least one scheduler to be chained, but got "
                             "no scheduler.")
        if not optimizer:
            optimizer = schedulers[0].optimizer
        _check_schedulers(kind, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _group_lrs(schedulers[-1].optimizer)

    def step(self):
        """Step each scheduler once."""
        for member in self._schedulers:
            member.step()
        self._last_lr = _group_lrs(self._schedulers[-1].optimizer)
