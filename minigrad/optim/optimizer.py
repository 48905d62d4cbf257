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
"""
from __future__ import annotations

import copy
import numbers

import numpy as np

from .. import engine
from .. import tracing
from ..tensor import Tensor


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
        self.defaults = defaults
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
        options = {k: _plain(v) for k, v in param_group.items() if k != "params"}
        self.param_groups.append({**self.defaults, **options, "params": ps})

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
        step = self._update(p.data, p.grad.data, self.state[p], group, num)
        _apply_in_place(p.data, step, num.get("decay"))

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
        merged = [{**group, **{k: _plain(v) for k, v in s.items() if k != "params"},
                   "params": group["params"]}
                  for group, s in zip(self.param_groups, saved)]
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


def _check(name, value, low=0.0):
    """Refuse ``value`` unless it is a real number ``>= low``, as PyTorch does."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not value >= low:
        raise ValueError(f"invalid {name}: {value} (must be >= {low})")


def _check_betas(betas):
    """Refuse ``betas`` unless it is a pair of real numbers in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"invalid betas {betas!r}: pass a pair (beta1, beta2)")
    for i, b in enumerate(betas):
        if isinstance(b, bool) or not isinstance(b, numbers.Real):
            raise TypeError(f"betas[{i}] must be a real number, got {type(b).__name__}")
    if not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"invalid betas {tuple(betas)}: each must be in [0, 1)")
