"""Learning-rate schedulers, as in ``torch.optim.lr_scheduler``.

Each scheduler sets ``group["lr"]`` of its optimizer's parameter groups when
it is made and at each :meth:`~LRScheduler.step` (call it after
``optimizer.step()``).  The formulas are PyTorch's, including its recursive
(chainable) ones: each new rate is computed from the group's current rate,
so two schedulers on one optimizer compose, and the numbers agree with
PyTorch's to the last bit.  As in PyTorch, a scheduler made with
``last_epoch=-1`` records each group's starting rate as
``group["initial_lr"]`` (kept if already there), and its ``base_lrs`` are
those.  ``state_dict()`` is every attribute but the optimizer, under
PyTorch's names.
"""
from __future__ import annotations

import copy
import math
import numbers

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer: pass an "
                        "optimizer, e.g. mg.optim.SGD(model.parameters(), lr=0.1)")


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")


def _per_group(name, optimizer, value):
    """``value`` for each parameter group: a list or tuple as given (one per
    group), anything else repeated (PyTorch's ``_format_param``)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have one value per parameter group: got "
                             f"{len(value)} values for {n} groups")
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class: keeps ``base_lrs``, ``last_epoch`` and the last rates.

    A subclass computes the next rates in ``_compute_lrs`` from
    ``self.last_epoch`` (already advanced) and the groups' current rates.

    Parameters
    ----------
    optimizer : Optimizer
        Whose parameter groups' ``"lr"`` this scheduler sets.
    last_epoch : int
        The index of the last step taken; -1 (the default) starts afresh.
        Another value resumes a schedule and needs ``group["initial_lr"]``
        in every group (from an optimizer state dict saved with a scheduler).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1)
    >>> sched = mg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> opt.param_groups[0]["initial_lr"], sched.base_lrs, sched.last_epoch
    (0.1, [0.1], 0)
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        _check_int("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"param_groups[{i}] has no 'initial_lr', needed to resume a "
                        f"schedule at last_epoch={last_epoch}: load the optimizer's "
                        "state dict saved with the scheduler first, or pass last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def step(self):
        """Advance one step and set each group's ``"lr"`` to its next rate.

        Examples
        --------
        >>> import minigrad as mg
        >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> for _ in range(3):
        ...     opt.step()
        ...     sched.step()
        >>> opt.param_groups[0]["lr"], sched.last_epoch
        (0.125, 3)
        """
        self._step_count += 1
        self.last_epoch += 1
        lrs = self._compute_lrs()
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = self._lrs()

    def _compute_lrs(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The rates this scheduler last set, one per parameter group.

        Examples
        --------
        >>> import minigrad as mg
        >>> w, b = (mg.tensor([1.0], requires_grad=True) for _ in range(2))
        >>> opt = mg.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> mg.optim.lr_scheduler.LinearLR(opt, start_factor=0.5).get_last_lr()
        [0.05, 0.25]
        """
        return list(self._last_lr)

    def state_dict(self):
        """The scheduler's state: a copy of every attribute but the optimizer.

        Examples
        --------
        >>> import minigrad as mg
        >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1)
        >>> sd = mg.optim.lr_scheduler.StepLR(opt, step_size=3).state_dict()
        >>> sd["step_size"], sd["gamma"], sd["last_epoch"], sd["base_lrs"]
        (3, 0.1, 0, [0.1])
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the state saved by :meth:`state_dict`, or by the same
        PyTorch scheduler's (the optimizer's own state, rates included, is
        restored by its ``load_state_dict``).

        PyTorch's state dict also holds ``_get_lr_called_within_step``, a flag
        that is False between steps; it is read and not kept (True, a state
        saved in the middle of a step, is refused).

        Examples
        --------
        >>> import minigrad as mg
        >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = mg.optim.lr_scheduler.StepLR(opt, step_size=2)
        >>> for _ in range(5):
        ...     opt.step(); sched.step()
        >>> opt2 = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched2 = mg.optim.lr_scheduler.StepLR(opt2, step_size=7)
        >>> opt2.load_state_dict(opt.state_dict()); sched2.load_state_dict(sched.state_dict())
        >>> sched2.step_size, sched2.last_epoch, opt2.param_groups[0]["lr"]
        (2, 5, 0.01...)
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict takes a dict from state_dict(), got "
                            f"{type(state_dict).__name__}")
        state_dict = dict(state_dict)
        within_step = state_dict.pop("_get_lr_called_within_step", False)
        if within_step is not False:
            raise ValueError(f"the state dict has _get_lr_called_within_step="
                             f"{within_step!r}: it was saved inside a step; save it "
                             "between steps")
        unknown = set(state_dict) - set(self.__dict__)
        if unknown:
            raise ValueError(f"the state dict has {sorted(unknown)}, which "
                             f"{type(self).__name__} does not keep: is it another "
                             "scheduler's?")
        self.__dict__.update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` every ``step_size`` steps.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(6):
    ...     opt.step(); sched.step(); lrs += sched.get_last_lr()
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_int("step_size", step_size, 1)
        _check_real("gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _compute_lrs(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class MultiStepLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` at each step in ``milestones``
    (by ``gamma ** n`` at a milestone given ``n`` times).

    ``milestones`` is kept, as PyTorch keeps it, as counts: ``{step: n}``.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4, 4], gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     opt.step(); sched.step(); lrs += sched.get_last_lr()
    >>> lrs, sched.milestones
    ([1.0, 0.5, 0.5, 0.125, 0.125], {2: 1, 4: 2})
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        counts = {}
        for m in milestones:
            _check_int("each milestone", m, 0)
            counts[int(m)] = counts.get(int(m), 0) + 1
        _check_real("gamma", gamma)
        self.milestones = counts
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _compute_lrs(self):
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]


class ExponentialLR(LRScheduler):
    """Multiply each group's rate by ``gamma`` at every step.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> opt.step(); sched.step(); opt.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_real("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _compute_lrs(self):
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from each group's rate to ``eta_min`` over ``T_max``
    steps (and back up over the next ``T_max``, as PyTorch does).

    The rate follows ``eta_min + (base_lr - eta_min) (1 + cos(pi t /
    T_max)) / 2``, computed as PyTorch does, recursively from the current
    rate: ``eta_min + (lr - eta_min) (1 + cos(pi t / T_max)) / (1 + cos(pi
    (t - 1) / T_max))``, and ``lr + (base_lr - eta_min) (1 - cos(pi /
    T_max)) / 2`` just past each minimum, so its numbers are PyTorch's bits.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.2)
    >>> lrs = []
    >>> for _ in range(5):
    ...     opt.step(); sched.step(); lrs += sched.get_last_lr()
    >>> [round(lr, 6) for lr in lrs]
    [0.882843, 0.6, 0.317157, 0.2, 0.317157]
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_real("T_max", T_max)
        if not T_max > 0:
            raise ValueError(f"T_max must be > 0 (the number of steps from the "
                             f"starting rate to eta_min), got {T_max}")
        _check_real("eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _compute_lrs(self):
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base_lr - low) * (1 - math.cos(math.pi / T)) / 2
                    for base_lr, lr in zip(self.base_lrs, self._lrs(), strict=True)]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (lr - low) + low for lr in self._lrs()]


class LinearLR(LRScheduler):
    """Scale each group's rate by a factor going linearly from
    ``start_factor`` to ``end_factor`` over ``total_iters`` steps.

    Recursive, as PyTorch's: step ``t`` multiplies the current rate by ``1 +
    (end - start) / (total_iters start + (t - 1) (end - start))``.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> lrs = sched.get_last_lr()
    >>> for _ in range(4):
    ...     opt.step(); sched.step(); lrs += sched.get_last_lr()
    >>> lrs
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        _check_real("start_factor", start_factor)
        _check_real("end_factor", end_factor)
        if not 0 < start_factor <= 1:
            raise ValueError(f"start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"end_factor must be in [0, 1], got {end_factor}")
        _check_int("total_iters", total_iters, 0)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _compute_lrs(self):
        start, end, t = self.start_factor, self.end_factor, self.last_epoch
        if t == 0:
            return [lr * start for lr in self._lrs()]
        if self._is_initial or t > self.total_iters:
            return self._lrs()
        factor = 1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [lr * factor for lr in self._lrs()]


class OneCycleLR(LRScheduler):
    """The one-cycle policy (Smith): the rate rises from ``max_lr /
    div_factor`` to ``max_lr`` over the first ``pct_start`` of
    ``total_steps``, then falls to ``max_lr / div_factor / final_div_factor``.

    With ``cycle_momentum`` (the default) the momentum moves the other way,
    between ``max_momentum`` and ``base_momentum``: SGD's and RMSprop's
    ``momentum``, or Adam's and AdamW's ``beta1``.  With ``three_phase`` the
    rate comes back down to its start before the final fall, as in
    PyTorch.  ``anneal_strategy`` is ``"cos"`` or ``"linear"``.  Each group
    gets ``initial_lr``, ``max_lr`` and ``min_lr`` (and ``max_momentum``,
    ``base_momentum``) keys.  Stepping past ``total_steps`` is a ValueError.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs, moms = sched.get_last_lr(), [opt.param_groups[0]["momentum"]]
    >>> for _ in range(9):
    ...     opt.step(); sched.step()
    ...     lrs += sched.get_last_lr(); moms.append(opt.param_groups[0]["momentum"])
    >>> [round(lr, 4) for lr in lrs]
    [0.04, 0.52, 1.0, 0.9505, 0.8117, 0.6113, 0.3887, 0.1883, 0.0495, 0.0]
    >>> [round(m, 3) for m in moms[:4]]
    [0.95, 0.9, 0.85, 0.855]
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None,
                 steps_per_epoch=None, pct_start=0.3, anneal_strategy="cos",
                 cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(optimizer)
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if isinstance(pct_start, bool) or not isinstance(pct_start, float) \
                or not 0 <= pct_start <= 1:
            raise ValueError(f"pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self._schedule_phases = _phases(self.total_steps, pct_start, three_phase)
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._start_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _start_momentum(self, optimizer, base_momentum, max_momentum, last_epoch):
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError(f"{type(optimizer).__name__} has neither momentum nor betas "
                             "to cycle: pass cycle_momentum=False")
        self.use_beta1 = "betas" in optimizer.defaults
        tops = _per_group("max_momentum", optimizer, max_momentum)
        bases = _per_group("base_momentum", optimizer, base_momentum)
        if last_epoch == -1:
            for top, base, group in zip(tops, bases, optimizer.param_groups):
                self._set_momentum(group, top)
                group["max_momentum"] = top
                group["base_momentum"] = base

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _compute_lrs(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    break
                start_step = end_step
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                       group[phase["end_momentum"]], pct))
        return lrs


def _total_steps(total_steps, epochs, steps_per_epoch):
    if total_steps is not None:
        _check_int("total_steps", total_steps, 1)
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR needs total_steps, or epochs and steps_per_epoch")
    _check_int("epochs", epochs, 1)
    _check_int("steps_per_epoch", steps_per_epoch, 1)
    return epochs * steps_per_epoch


def _phases(total_steps, pct_start, three_phase):
    """OneCycleLR's phases: where each ends, and which group keys it runs between."""
    def phase(end_step, lrs, momenta):
        return {"end_step": end_step, "start_lr": lrs[0], "end_lr": lrs[1],
                "start_momentum": momenta[0], "end_momentum": momenta[1]}
    up = phase(float(pct_start * total_steps) - 1, ("initial_lr", "max_lr"),
               ("max_momentum", "base_momentum"))
    if not three_phase:
        return [up, phase(total_steps - 1, ("max_lr", "min_lr"),
                          ("base_momentum", "max_momentum"))]
    return [up, phase(float(2 * pct_start * total_steps) - 2, ("max_lr", "initial_lr"),
                      ("base_momentum", "max_momentum")),
            phase(total_steps - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum"))]


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's rate by ``factor`` when a metric has not
    improved for more than ``patience`` steps.

    ``step(metric)`` takes the monitored value (``mode="min"``: lower is
    better; ``"max"``: higher).  A value improves on the best so far when it
    beats ``best * (1 - threshold)`` (``threshold_mode="rel"``, mode min) or
    ``best - threshold`` (``"abs"``), mirrored for max.  After a cut, the
    next ``cooldown`` steps count no bad steps.  A rate never goes below its
    ``min_lr`` (a number, or one per group), and a cut smaller than ``eps``
    is skipped.  As in PyTorch, it sets no ``initial_lr``.

    Examples
    --------
    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> lrs = []
    >>> for loss in [3.0, 2.0, 2.5, 2.5, 1.0, 1.5, 1.5]:
    ...     opt.step(); sched.step(loss); lrs += sched.get_last_lr()
    >>> lrs
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        _check_optimizer(optimizer)
        _check_real("factor", factor)
        if factor >= 1.0:
            raise ValueError(f"factor must be < 1.0 (the rate is multiplied by it), "
                             f"got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        _check_int("patience", patience, 0)
        _check_int("cooldown", cooldown, 0)
        self.optimizer = optimizer
        self.factor = factor
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics):
        """Take one step with the monitored value ``metrics`` (a number or a
        one-element Tensor), cutting the rates if it has not improved for
        more than ``patience`` steps.

        Examples
        --------
        >>> import minigrad as mg
        >>> opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=1.0)
        >>> sched = mg.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0)
        >>> sched.step(0.5); sched.step(0.4); opt.param_groups[0]["lr"]
        0.1
        """
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ValueError(f"the optimizer has {len(groups)} parameter groups but "
                                 f"min_lr has {len(self.min_lrs)} values: set min_lrs to "
                                 "one value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, low in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, low)
            if old - new > self.eps:
                group["lr"] = new

    def _is_better(self, a, best):
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold
