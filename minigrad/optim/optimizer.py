"""The optimizer base class: parameter groups, per-parameter state, and
PyTorch's ``state_dict`` layout.

Parameters are updated in place, as in PyTorch: the same Tensor keeps the
same numpy array, and every update is reported to
:func:`minigrad.engine.mark_changed`, so a graph that saved a parameter's old
value raises at ``backward()`` instead of giving a wrong gradient.

Per-parameter state (``opt.state``) is keyed by the parameter Tensor
itself, so it survives ``copy.deepcopy`` and pickling of a model and its
optimizer together.  :meth:`Optimizer.state_dict` and
:meth:`Optimizer.load_state_dict` use PyTorch's format, with parameters
numbered across groups in order; state values are plain (numpy arrays and
Python numbers).

Options, whether given to a constructor, to :meth:`add_param_group` or
read from a state dict, are checked in one place (:meth:`Optimizer._checked`):
PyTorch's options that only choose how PyTorch runs an update (``foreach``,
``fused``, ``capturable``, ``differentiable``) are accepted at the values
that do not change it and are not kept; an option of another PyTorch
optimizer, or a value that would change the update in a way minigrad does
not implement, is refused by name, never dropped.
"""
from __future__ import annotations

import copy
import numbers

import numpy as np

from .. import engine
from .. import tracing
from ..tensor import Tensor

# PyTorch options that choose how it runs an update, with the values that
# leave the update as minigrad computes it (its single-tensor code), and why
# the others are refused.
_HOW_TO_RUN = {
    "foreach": ((None, False, True), ""),
    "fused": ((None, False), "minigrad has no fused kernels; pass fused=None"),
    "capturable": ((False,), "it is for CUDA graphs, which minigrad does not have; "
                             "pass capturable=False"),
    "differentiable": ((False,), "minigrad does not record an optimizer step for "
                                 "autograd; pass differentiable=False"),
}

# Every option of a PyTorch optimizer (torch 2.13): one a minigrad optimizer
# does not have is refused by name, so a state dict of another optimizer is
# never half-loaded.  Other keys of a group (a scheduler's "initial_lr", a
# name of your own) are kept as they are, as PyTorch keeps them.
_TORCH_OPTIONS = frozenset({
    "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "betas",
    "eps", "amsgrad", "decoupled_weight_decay", "alpha", "centered", "lr_decay",
    "initial_accumulator_value", "adjust_lr_fn", "beta2_decay", "d", "etas",
    "history_size", "lambd", "line_search_fn", "max_eval", "max_iter", "momentum_decay",
    "ns_coefficients", "ns_steps", "rho", "step_sizes", "t0", "tolerance_change",
    "tolerance_grad"})


class Optimizer:
    """Base class: holds parameter groups and per-parameter state.

    Parameters
    ----------
    params : iterable
        Tensors that require grad, or dicts ``{"params": [...], **options}``
        (parameter groups with their own options).
    defaults : dict
        Options for groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        Each group's options and its ``"params"`` list.
    state : dict
        Per-parameter state (a dict of name -> value), keyed by the
        parameter Tensor; a parameter appears once it has been stepped.
    """

    _REALS = {}          # option -> the lowest value allowed (real numbers)
    _FLAGS = ()          # options that are True or False
    _OTHERS = ()         # options checked by _check_group alone
    _STATE_NAMES = ()    # state names a subclass keeps (checked on load)
    _NUMBERS_PER_GROUP = False   # True: _numbers reads the group's options only (no state)
    _ARRAY_STATE = ()    # of those, the ones shaped like the parameter

    def __init__(self, params, defaults):
        if isinstance(params, (Tensor, dict)):
            raise TypeError("params must be an iterable of tensors or of dicts "
                            "{'params': [...], ...}, e.g. model.parameters()")
        params = list(params)
        if not params:
            raise ValueError("the optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = self._checked(defaults)
        self.param_groups = []
        self.state = {}
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        """Add a group ``{"params": [...], **options}``; missing options get the defaults.

        Examples
        --------
        >>> import minigrad as mg
        >>> a, b = (mg.tensor([1.0], requires_grad=True) for _ in range(2))
        >>> opt = mg.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": [b], "lr": 0.5})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
        """
        if not isinstance(param_group, dict):
            raise TypeError("pass either tensors or parameter-group dicts "
                            "{'params': [...], ...}, not a mix")
        if "params" not in param_group:
            raise ValueError("a parameter group needs its parameters: pass "
                             "{'params': [...], ...}")
        ps = param_group["params"]
        ps = [ps] if isinstance(ps, Tensor) else list(ps)
        for p in ps:
            if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                raise TypeError("optimizers take leaf tensors with requires_grad=True "
                                "(e.g. model.parameters())")
        if len({id(p) for p in ps}) != len(ps):
            raise ValueError("some parameters appear more than once in one parameter group")
        taken = {id(p) for p in self._params()}
        if any(id(p) in taken for p in ps):
            raise ValueError("some parameters appear in more than one parameter group")
        options = self._checked({k: _plain(v) for k, v in param_group.items()
                                 if k != "params"})
        group = {**self.defaults, **options}
        self._check_group(group)
        self.param_groups.append({**group, "params": ps})

    def _checked(self, options, where=""):
        """``options`` checked: PyTorch's how-to-run options taken out (refused
        unless at a value that leaves the update as it is), an option of
        another PyTorch optimizer refused by name, each number and flag
        checked; ``where`` starts each message."""
        name = type(self).__name__
        known = set(self._REALS) | set(self._FLAGS) | set(self._OTHERS)
        out = {}
        for key, value in options.items():
            if key in _HOW_TO_RUN:
                _check_how_to_run(key, value, f"{where}{name}")
            elif key in _TORCH_OPTIONS and key not in known:
                raise ValueError(
                    f"{where}{name} has no option {key!r} (another PyTorch optimizer's): "
                    f"is this another optimizer's state dict? {name} takes {sorted(known)}")
            else:
                out[key] = value
        for key, low in self._REALS.items():
            if key in out:
                _check(key, out[key], low, where)
        for key in self._FLAGS:
            if key in out:
                if not _is_flag(out[key]):
                    raise TypeError(f"{where}{key} must be True or False, got {out[key]!r}")
                out[key] = bool(out[key])
        return out

    def _check_group(self, group):
        """Refuse a group whose options do not go together (a subclass's rules)."""

    def __repr__(self):
        """PyTorch's layout: the class, then each group's options, sorted.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0], requires_grad=True)
        >>> print(mg.optim.SGD([w], lr=0.1))  # doctest: +ELLIPSIS
        SGD (
        Parameter Group 0
        ...
            lr: 0.1
        ...
        )
        """
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0], requires_grad=True)
        >>> opt = mg.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.zero_grad()
        >>> w.grad is None
        True
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        """Update every parameter that has a gradient, in place.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
        >>> buf = w.data
        >>> opt = mg.optim.SGD([w], lr=0.25)
        >>> (w * w).sum().backward(); opt.step()
        >>> w.data is buf, w
        (True, tensor([ 0.5, -1. ], requires_grad=True))
        """
        session = tracing.session()
        if session is not None and session.step(self):   # a compiled call ran the update
            return
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    _check_writable(p.data)         # before the step count advances
                    self._step_one(p, group, self._numbers(group, self.state.setdefault(p, {})))

    def _step_one(self, p, group, num):
        """Update parameter ``p`` of ``group`` in place, given this step's numbers."""
        self._update_in_place(p.data, p.grad.data, self.state[p], group, num)

    def _update_in_place(self, w, g, state, group, num):
        """The whole update of one parameter array ``w``, in place: the sign of
        ``maximize``, the step, and the decay (what ``mg.compile`` records)."""
        if group.get("maximize"):
            g = np.negative(g)
        step = self._update(w, g, state, group, num)
        _apply_in_place(w, step, num.get("decay"))

    def _numbers(self, group, state):  # pragma: no cover - abstract
        """The numbers this step of one parameter uses (a dict of floats),
        computed in Python from the options and the step count (which it
        advances), at every step, compiled or not: a learning rate a scheduler
        changes is always the current one."""
        raise NotImplementedError

    def _update(self, w, g, state, group, num):  # pragma: no cover - abstract
        """The step to subtract from ``w``, updating the state arrays in place.
        Only numpy calls on arrays and the numbers in ``num``: no arithmetic
        on those numbers here (that belongs in :meth:`_numbers`)."""
        raise NotImplementedError

    def _state_names(self, group):
        """The state names a parameter of ``group`` keeps once stepped."""
        return self._STATE_NAMES

    def state_dict(self):
        """The optimizer's state and options, as PyTorch lays them out.

        Returns
        -------
        dict
            ``{"state": {index: {name: value}}, "param_groups": [{**options,
            "params": [index, ...]}]}``, parameters numbered across groups in
            order.  Arrays are copies: later steps do not change the dict.

        Examples
        --------
        >>> import minigrad as mg
        >>> params = [mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)]
        >>> sgd = mg.optim.SGD(params, lr=0.5, momentum=0.9)
        >>> sum((p * p).sum() for p in params).backward(); sgd.step()
        >>> sd = sgd.state_dict()
        >>> sd["state"][1]["momentum_buffer"], sd["param_groups"][0]["params"]
        (array([4.], dtype=float32), [0, 1])
        """
        groups, index = [], 0
        for group in self.param_groups:
            packed = {k: _plain(v) for k, v in group.items() if k != "params"}
            packed["params"] = list(range(index, index + len(group["params"])))
            index += len(group["params"])
            groups.append(packed)
        state = {}
        for i, p in enumerate(self._params()):
            if self.state.get(p):
                state[i] = {k: _plain(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and group options saved by :meth:`state_dict`.

        The saved parameters are matched to this optimizer's in order; the
        number of groups, of parameters in each group and every state
        array's shape must agree (ValueError says what differs).  Arrays are
        copied in, in the parameter's dtype.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> loss = (w * w).sum()
        >>> loss.backward()
        >>> opt.step()
        >>> w2 = mg.tensor(w.numpy().copy(), requires_grad=True)
        >>> opt2 = mg.optim.SGD([w2], lr=0.5)
        >>> opt2.load_state_dict(opt.state_dict())
        >>> opt2.param_groups[0]["lr"], opt2.state[w2]["momentum_buffer"]
        (0.1, array([ 2., -4.], dtype=float32))
        """
        saved = list(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            raise ValueError(f"the state dict has {len(saved)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        merged = []
        for i, (group, s) in enumerate(zip(self.param_groups, saved)):
            options = self._checked({k: _plain(v) for k, v in s.items() if k != "params"},
                                    f"parameter group {i} of the state dict: ")
            merged.append({**group, **options, "params": group["params"]})
            self._check_group(merged[-1])
        by_index = {}
        for i, (group, s) in enumerate(zip(merged, saved)):
            if len(s["params"]) != len(group["params"]):
                raise ValueError(f"parameter group {i}: the state dict has "
                                 f"{len(s['params'])} parameters, this optimizer has "
                                 f"{len(group['params'])}")
            by_index.update({int(k): (p, group) for k, p in zip(s["params"], group["params"])})
        state = {}
        for k, st in state_dict["state"].items():
            if int(k) not in by_index:
                raise ValueError(f"the state dict has state for parameter {k}, which is "
                                 "in none of its parameter groups")
            p, group = by_index[int(k)]
            state[p] = self._load_param_state(st, p, int(k), group)
        self.param_groups = merged
        self.state = state

    def _load_param_state(self, st, p, index, group):
        st = {k: v for k, v in st.items() if v is not None}
        names = self._state_names(group)
        if st and set(st) != set(names):
            raise ValueError(
                f"state of parameter {index}: the state dict has {sorted(st)}, "
                f"{type(self).__name__} keeps {sorted(names)}")
        out = {}
        for name, v in st.items():
            if name in self._ARRAY_STATE:
                arr = np.asarray(v)
                if arr.shape != p.shape:
                    raise ValueError(
                        f"state {name!r} of parameter {index} has shape {arr.shape}, "
                        f"but the parameter has shape {p.shape}")
                out[name] = np.array(arr, dtype=p.data.dtype)
            else:
                out[name] = int(np.asarray(v).item())
        return out


def _check_writable(w):
    if not w.flags.writeable:
        raise ValueError(
            f"cannot update a parameter of shape {w.shape} in place: its array is "
            "read-only (give the optimizer a tensor of a writable copy, e.g. "
            "mg.tensor(arr.copy(), requires_grad=True))")


def _apply_in_place(w, step, factor=None):
    """``w *= factor`` (if given), then ``w -= step``, in the parameter array
    itself (keeping its dtype), and say so; the same bits as
    ``w * factor - step``."""
    _check_writable(w)
    if factor is not None:
        np.multiply(w, factor, out=w, casting="same_kind")
    np.subtract(w, step, out=w, casting="same_kind")
    engine.mark_changed(w)


def _lerp_(start, end, weight, one_minus_weight):
    """``start += weight * (end - start)`` in place, with PyTorch's formula
    for each side of 0.5 (its ``lerp``), so the bits agree with ``torch.lerp``;
    ``one_minus_weight`` is ``1 - weight`` as Python computes it."""
    diff = end - start
    if abs(weight) < 0.5:
        np.add(start, weight * diff, out=start)
    else:
        np.subtract(end, diff * one_minus_weight, out=start)
    return start


def _plain(value):
    """A copy of ``value`` made of numpy arrays, Python numbers and tuples."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return copy.deepcopy(value)


def _check_how_to_run(key, value, who):
    """Refuse one of PyTorch's how-to-run options at a value that would
    change the update."""
    allowed, why = _HOW_TO_RUN[key]
    if not any(value is a or (a is not None and _is_flag(value) and value == a)
               for a in allowed):
        raise ValueError(f"{who} does not support {key}={value!r}: {why}")


def _is_flag(value):
    """Whether ``value`` is True or False (a bool, a numpy bool, or 0 or 1)."""
    return isinstance(value, (bool, np.bool_)) or (
        isinstance(value, numbers.Integral) and value in (0, 1))


def _check(name, value, low=0.0, where=""):
    """Refuse ``value`` unless it is a real number ``>= low``, as PyTorch does."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}{name} must be a real number, got {type(value).__name__}")
    if not value >= low:
        raise ValueError(f"{where}invalid {name}: {value} (must be >= {low})")


def _check_betas(betas):
    """Refuse ``betas`` unless it is a pair of real numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"invalid betas {betas!r}: pass a pair (beta1, beta2)")
    for i, b in enumerate(betas):
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"betas[{i}] must be a real number, got {type(b).__name__}")
    if not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"invalid betas {tuple(betas)}: each must be in [0, 1)")
