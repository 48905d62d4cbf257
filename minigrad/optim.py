"""Optimizers, as in PyTorch: SGD (momentum, weight decay) and Adam.

Each update follows PyTorch's formulas in the same order, so a run matches
``torch.optim`` step for step.  Parameters are updated by rebinding
``p.data`` to a new array, never in place, so arrays saved by a graph that
is still alive are never changed under it.
"""
from __future__ import annotations

import math

import numpy as np

from .tensor import Tensor


class Optimizer:
    """Base class: holds parameter groups and per-parameter state.

    Parameters
    ----------
    params : iterable
        Tensors that require grad, or dicts ``{"params": [...], **options}``
        (parameter groups with their own options).
    defaults : dict
        Options for groups that do not set them.
    """

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("the optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for g in groups:
            group = {**defaults, **g, "params": list(g["params"])}
            for p in group["params"]:
                if not isinstance(p, Tensor) or not p.requires_grad or not p.is_leaf:
                    raise TypeError("optimizers take leaf tensors with requires_grad=True "
                                    "(e.g. model.parameters())")
            self.param_groups.append(group)
        self.defaults = defaults
        self.state = {}

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        """Update every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    state = self.state.setdefault(id(p), {})
                    p.data = self._update(p.data, p.grad.data, state, group).astype(
                        p.data.dtype, copy=False)

    def _update(self, w, g, state, group):  # pragma: no cover - abstract
        raise NotImplementedError


def _check(name, value, low=0.0):
    if not value >= low:
        raise ValueError(f"invalid {name}: {value} (must be >= {low})")


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay.

    ``g += weight_decay * w``; with momentum, ``buf = momentum * buf +
    (1 - dampening) g`` (``buf = g`` on the first step) and ``g = buf``
    (or ``g + momentum * buf`` with ``nesterov``); ``w -= lr * g``.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, dampening=0.0,
                 nesterov=False):
        for name, v in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            _check(name, v)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      dampening=dampening, nesterov=nesterov))

    def _update(self, w, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            buf = np.array(g) if buf is None else buf * mu + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + mu * buf if group["nesterov"] else buf
        return w - group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), with PyTorch's update order and L2 weight decay.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.90000004, -1.9       ], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        _check("lr", lr)
        _check("eps", eps)
        _check("weight_decay", weight_decay)
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"invalid betas {betas}: each must be in [0, 1)")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def _update(self, w, g, state, group):
        beta1, beta2 = group["betas"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        t = state["step"] = state.get("step", 0) + 1
        m = state.get("exp_avg", np.zeros_like(w))
        v = state.get("exp_avg_sq", np.zeros_like(w))
        m = m + (1 - beta1) * (g - m)             # torch's lerp(m, g, 1 - beta1)
        v = v * beta2 + (1 - beta2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        step_size = group["lr"] / (1 - beta1 ** t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + group["eps"]
        return w - step_size * (m / denom)
