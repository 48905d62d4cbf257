"""SGD, Adam, AdamW, RMSprop and Adagrad, as in PyTorch.

Each update follows PyTorch's single-tensor (``foreach=False``) code in the
same order of operations, so a float64 run matches ``torch.optim`` step for
step to the last bit or two: PyTorch's vectorised CPU kernels fuse some
multiply-adds (FMA) and its float64 square root is not always correctly
rounded, while numpy never fuses and rounds correctly, so single elements
can differ by an ulp.  With PyTorch's scalar kernels
(``ATEN_CPU_CAPABILITY=default``) and its square root, every bit agrees.  The state names are PyTorch's.
"""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check_betas, _lerp_

_sqrt = np.sqrt     # the one place a result may differ from PyTorch's (see above);
                    # tests swap in torch's square root to check every other bit


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay.

    ``g += weight_decay * w``; with momentum, ``buf = momentum * buf +
    (1 - dampening) g`` (``buf = g`` on the first step) and ``g = buf``
    (or ``g + momentum * buf`` with ``nesterov``); ``w -= lr * g``.
    With momentum the state of a parameter is ``momentum_buffer``.  With
    ``maximize`` (every optimizer here has it, as in PyTorch) the step climbs:
    the gradient's sign is flipped first.  ``foreach``, ``differentiable``
    and ``fused`` are PyTorch's, accepted at the values that leave its
    single-tensor update as it is (see :class:`Optimizer`).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    >>> up = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([up], lr=0.1, maximize=True)
    >>> (up * up).sum().backward(); opt.step()
    >>> up
    tensor([ 1.2, -2.4], requires_grad=True)
    """

    _STATE_NAMES = _ARRAY_STATE = ("momentum_buffer",)
    _NUMBERS_PER_GROUP = True
    _REALS = {"lr": 0.0, "momentum": 0.0, "weight_decay": 0.0, "dampening": -np.inf}
    _FLAGS = ("nesterov", "maximize")

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, dampening=0.0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                                      dampening=dampening, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _check_group(self, group):
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")

    def _numbers(self, group, state):
        return {"lr": group["lr"], "momentum": group["momentum"],
                "one_minus_dampening": 1 - group["dampening"],
                "weight_decay": group["weight_decay"]}

    def _update(self, w, g, state, group, num):
        if group["weight_decay"]:
            g = g + num["weight_decay"] * w
        if group["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.copy(g)
            else:
                np.multiply(buf, num["momentum"], out=buf)
                np.add(buf, num["one_minus_dampening"] * g, out=buf)
            g = g + num["momentum"] * buf if group["nesterov"] else buf
        return num["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), with PyTorch's update order and L2 weight decay.

    ``g += weight_decay * w``; ``m = lerp(m, g, 1 - beta1)``; ``v = beta2 v
    + (1 - beta2) g g``; ``w -= lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 -
    beta2^t) + eps)``.  With ``amsgrad``, ``v`` in the denominator is the
    running maximum ``max_exp_avg_sq`` of ``v``.  With
    ``decoupled_weight_decay`` it is :class:`AdamW` (the weights shrink,
    ``w *= 1 - lr * weight_decay``, and the gradient is left alone), as in
    PyTorch; ``maximize`` climbs.  The state of a parameter is ``step`` (an
    int), ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq`` with amsgrad).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.Adam([w], lr=0.1, amsgrad=True)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.90000004, -1.9       ], requires_grad=True)
    >>> sorted(opt.state[w])
    ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']
    >>> v = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.Adam([v], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    >>> (v * v).sum().backward(); opt.step()
    >>> v
    tensor([ 0.85, -1.8 ], requires_grad=True)
    """

    _ARRAY_STATE = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _DECOUPLED = False      # the default of decoupled_weight_decay (AdamW: True)
    _REALS = {"lr": 0.0, "eps": 0.0, "weight_decay": 0.0}
    _FLAGS = ("amsgrad", "maximize", "decoupled_weight_decay")
    _OTHERS = ("betas",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=None):
        if decoupled_weight_decay is None:
            decoupled_weight_decay = self._DECOUPLED
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, foreach=foreach, capturable=capturable,
            differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay))

    def _check_group(self, group):
        _check_betas(group["betas"])
        group["betas"] = tuple(group["betas"])

    def _decoupled(self, group):
        return group.get("decoupled_weight_decay", self._DECOUPLED)

    def _state_names(self, group):
        names = ("step", "exp_avg", "exp_avg_sq")
        return names + ("max_exp_avg_sq",) if group.get("amsgrad") else names

    def _numbers(self, group, state):
        beta1, beta2 = group["betas"]
        t = state["step"] = state.get("step", 0) + 1
        num = {"weight_decay": group["weight_decay"], "one_minus_beta1": 1 - beta1,
               "lerp_rest": 1 - (1 - beta1), "beta2": beta2, "one_minus_beta2": 1 - beta2,
               "step_size": group["lr"] / (1 - beta1 ** t),
               "bias_correction2_sqrt": (1 - beta2 ** t) ** 0.5, "eps": group["eps"]}
        if self._decoupled(group) and group["weight_decay"] != 0:
            num["decay"] = 1 - group["lr"] * group["weight_decay"]
        return num

    def _update(self, w, g, state, group, num):
        if group["weight_decay"] != 0 and not self._decoupled(group):
            g = g + num["weight_decay"] * w
        for name in self._state_names(group)[1:]:
            if name not in state:
                state[name] = np.zeros_like(w)
        m = _lerp_(state["exp_avg"], g, num["one_minus_beta1"], num["lerp_rest"])
        v = state["exp_avg_sq"]
        np.multiply(v, num["beta2"], out=v)
        np.add(v, (num["one_minus_beta2"] * g) * g, out=v)
        if group.get("amsgrad"):
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = _sqrt(v) / num["bias_correction2_sqrt"] + num["eps"]
        return (num["step_size"] * m) / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's.

    Each step first shrinks the weights, ``w *= 1 - lr * weight_decay``,
    then takes Adam's step with the plain gradient (weight decay never
    enters the moments): ``Adam(..., decoupled_weight_decay=True)``, as in
    PyTorch.  Options and state are Adam's; the default ``weight_decay`` is
    1e-2.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.85, -1.8 ], requires_grad=True)
    """

    _DECOUPLED = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    """RMSprop (Hinton), with PyTorch's options and update order.

    ``g += weight_decay * w``; ``square_avg = alpha square_avg + (1 - alpha)
    g g``; ``avg = sqrt(square_avg) + eps``, or with ``centered``
    ``sqrt(square_avg - grad_avg^2) + eps`` where ``grad_avg = lerp(grad_avg,
    g, 1 - alpha)``; ``w -= lr g / avg``, or with momentum ``buf = momentum
    buf + g / avg`` and ``w -= lr buf``.  The state of a parameter is
    ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True, dtype="float64")
    >>> opt = mg.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.98, -1.98], dtype=float64, requires_grad=True)
    """

    _ARRAY_STATE = ("square_avg", "momentum_buffer", "grad_avg")
    _REALS = {"lr": 0.0, "eps": 0.0, "momentum": 0.0, "weight_decay": 0.0, "alpha": 0.0}
    _FLAGS = ("centered", "maximize")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0,
                 momentum=0.0, centered=False, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _state_names(self, group):
        return (("step", "square_avg") + ("momentum_buffer",) * (group["momentum"] > 0)
                + ("grad_avg",) * bool(group["centered"]))

    def _numbers(self, group, state):
        state["step"] = state.get("step", 0) + 1
        alpha = group["alpha"]
        return {"lr": group["lr"], "alpha": alpha, "one_minus_alpha": 1 - alpha,
                "lerp_rest": 1 - (1 - alpha),
                "momentum": group["momentum"], "eps": group["eps"],
                "weight_decay": group["weight_decay"]}

    def _update(self, w, g, state, group, num):
        for name in self._state_names(group)[1:]:
            if name not in state:
                state[name] = np.zeros_like(w)
        if group["weight_decay"] != 0:
            g = g + num["weight_decay"] * w
        sq = state["square_avg"]
        np.multiply(sq, num["alpha"], out=sq)
        np.add(sq, (num["one_minus_alpha"] * g) * g, out=sq)
        if group["centered"]:
            ga = _lerp_(state["grad_avg"], g, num["one_minus_alpha"], num["lerp_rest"])
            avg = _sqrt(sq - ga * ga) + num["eps"]
        else:
            avg = _sqrt(sq) + num["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            np.multiply(buf, num["momentum"], out=buf)
            np.add(buf, g / avg, out=buf)
            return num["lr"] * buf
        return (num["lr"] * g) / avg


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), with PyTorch's options and update order.

    ``g += weight_decay * w``; ``sum += g g``; ``w -= clr g / (sqrt(sum) +
    eps)`` with ``clr = lr / (1 + (t - 1) lr_decay)`` at step ``t``.  As in
    PyTorch, every parameter has its state from the start: ``step`` (0) and
    ``sum`` (``initial_accumulator_value`` everywhere; a group's own value
    when it sets one).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.Adagrad([w], lr=0.5)
    >>> opt.state[w]["step"], opt.state[w]["sum"]
    (0, array([0., 0.], dtype=float32))
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.5, -1.5], requires_grad=True)
    """

    _STATE_NAMES = ("step", "sum")
    _ARRAY_STATE = ("sum",)
    _REALS = {"lr": 0.0, "lr_decay": 0.0, "weight_decay": 0.0,
              "initial_accumulator_value": 0.0, "eps": 0.0}
    _FLAGS = ("maximize",)

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10, foreach=None, *,
                 maximize=False, differentiable=False, fused=None):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))

    def add_param_group(self, param_group):
        """Add a group, as :meth:`Optimizer.add_param_group`, and give each of
        its parameters Adagrad's initial state.

        Examples
        --------
        >>> import minigrad as mg
        >>> a, b = (mg.tensor([1.0], requires_grad=True) for _ in range(2))
        >>> opt = mg.optim.Adagrad([a])
        >>> opt.add_param_group({"params": [b], "initial_accumulator_value": 0.5})
        >>> opt.state[b]["sum"]
        array([0.5], dtype=float32)
        """
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = {"step": 0, "sum": np.full_like(
                p.data, group["initial_accumulator_value"])}

    def _numbers(self, group, state):
        t = state["step"] = state.get("step", 0) + 1
        return {"clr": group["lr"] / (1 + (t - 1) * group["lr_decay"]),
                "weight_decay": group["weight_decay"], "eps": group["eps"]}

    def _update(self, w, g, state, group, num):
        if "sum" not in state:
            state["sum"] = np.full_like(w, group["initial_accumulator_value"])
        if group["weight_decay"] != 0:
            g = g + num["weight_decay"] * w
        s = state["sum"]
        np.add(s, g * g, out=s)
        return (num["clr"] * g) / (_sqrt(s) + num["eps"])
