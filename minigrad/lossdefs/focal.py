"""Focal binary cross-entropy, declared once: Keras's
binary_focal_crossentropy (function and class), torchvision's
sigmoid_focal_loss, and its explanation (``mg.explain("focal", ...)``).

The formula is :func:`minigrad.formulas.focal_factor` times binary
cross-entropy, times :func:`minigrad.formulas.class_balance`.
"""
from __future__ import annotations

import numpy as np

from .. import _checks as checks
from .. import formulas, ops
from ..explanation import Explanation, convention, gradient, logit, mean
from ..tensor import Tensor
from . import keras_base as kb
from . import torch_base as tb
from .registry import LABEL_SMOOTHING, Option, declare

# ------------------------------------------------------------ Keras 3 face


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Focal binary cross-entropy: ``(1 - p_t)**gamma`` times the (clipped)
    BCE, times ``alpha y + (1 - alpha)(1 - y)`` with class balancing.

    With ``from_logits``, ``p = sigmoid(y_pred)`` goes through the same
    clipped probability BCE, as in Keras.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.binary_focal_crossentropy([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6], gamma=2.0)
    tensor(0.08499307)
    """
    y_true, y_pred = kb.binary_inputs(y_true, y_pred, from_logits, label_smoothing)
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    per = formulas.focal_factor(y_true, p, gamma) * formulas.binary_crossentropy(
        y_true, p, clip=kb.epsilon())
    if apply_class_balancing:
        per = formulas.class_balance(y_true, alpha) * per
    return kb.mean_over(per, axis)


class BinaryFocalCrossentropy(kb.Loss):
    """Focal binary cross-entropy (see :func:`binary_focal_crossentropy`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> loss = mg.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25)
    >>> float(loss([0, 1], [0.3, 0.6])) > 0
    True
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma
        self.from_logits, self.axis = from_logits, axis
        self.label_smoothing = checks.label_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        return binary_focal_crossentropy(y_true, y_pred, self.apply_class_balancing, self.alpha,
                                         self.gamma, self.from_logits, self.label_smoothing,
                                         self.axis)


# ----------------------------------------------------------- torchvision face

def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision's focal loss of logits: ``BCEWithLogits * (1 - p_t)**gamma``,
    times ``alpha y + (1 - alpha)(1 - y)`` when ``alpha >= 0``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.sigmoid_focal_loss(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor([0.0433217])
    """
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    inputs, targets = tb.pair(inputs, targets)
    checks.unit_interval_targets(targets, "targets")
    p = ops.sigmoid(inputs)
    loss = formulas.binary_crossentropy_logits(targets, inputs) * formulas.focal_factor(
        targets, p, gamma)
    if alpha >= 0:
        loss = formulas.class_balance(targets, alpha) * loss
    return tb.reduce(loss, reduction)


# ------------------------------------------------------------- explanation

def explain_focal(name, y, x, from_logits, opts):
    """The :class:`Explanation` of focal BCE of probabilities or logits."""
    gamma, balance, ls = opts["gamma"], opts["apply_class_balancing"], opts["label_smoothing"]
    kw = dict(gamma=gamma, alpha=opts["alpha"], apply_class_balancing=balance, label_smoothing=ls)
    loss = BinaryFocalCrossentropy(from_logits=from_logits, **kw)
    value = float(loss(y, x).item())
    ys = kb.smooth_binary(Tensor(y), ls)
    p = ops.sigmoid(Tensor(x)) if from_logits else Tensor(x)
    factor = formulas.focal_factor(ys, p, gamma)
    bce = formulas.binary_crossentropy(ys, p, clip=kb.epsilon())
    per = factor * bce
    table = {"y_true": y.reshape(-1)}
    if from_logits:
        table["logit z"] = x.reshape(-1)
    table.update({"p": p.numpy().reshape(-1),
                  "p_t": (ys * p + (1.0 - ys) * (1.0 - p)).numpy().reshape(-1),
                  f"(1-p_t)^{gamma:g}": factor.numpy().reshape(-1),
                  "bce_i (clipped)": bce.numpy().reshape(-1)})
    if balance:
        weight = formulas.class_balance(ys, opts["alpha"])
        table["alpha_t"] = weight.numpy().reshape(-1)
        per = weight * per
    table["loss_i"] = per.numpy().reshape(-1)
    n, total = np.size(y), float(per.numpy().sum())
    steps = [("sum of loss_i", total, "each bce_i scaled down where p_t is high" if gamma > 0
              else "gamma = 0: each bce_i as it is"),
             ("mean = sum / N", total / n, f"N = {n}: the loss")]
    notes = [] if balance else [
        "Keras uses alpha only with apply_class_balancing=True; torchvision applies it "
        "whenever alpha >= 0, so compare Keras with alpha=-1."]
    notes.append("From probabilities Keras clips p to [eps, 1 - eps] inside the bce; "
                 "torchvision works on logits and has no clip.")
    return Explanation(
        loss=name, title=f"Binary focal cross-entropy, gamma={gamma:g} (Keras: "
        "binary_focal_crossentropy; torchvision: sigmoid_focal_loss)", from_logits=from_logits,
        options=opts, y_true=y, y_pred=x, table=table, steps=steps, value=value,
        grad=gradient(lambda t: loss(y, t), x).reshape(-1),
        grad_formula="d/dp of mean((1-p_t)^gamma bce) by the product rule (from backward())",
        grad_logits=None, grad_logits_formula=None,
        conventions=_focal_conventions(y, x, from_logits, kw), clipped=None, clamped=None,
        notes=notes)


def _focal_conventions(y, x, from_logits, kw):
    """Conventions for focal BCE of ``x`` (logits when ``from_logits``)."""
    gamma, alpha, balance = kw["gamma"], kw["alpha"], kw["apply_class_balancing"]
    z = x if from_logits else logit(x)

    def torchvision(y, z, a):
        return formulas.binary_crossentropy_logits(y, z) * formulas.focal_factor(
            y, ops.sigmoid(z), gamma) * (formulas.class_balance(y, a) if a >= 0 else 1.0)

    def textbook(y, x):
        q = ops.sigmoid(x) if from_logits else x
        return mean(formulas.focal_factor(y, q, gamma) * formulas.binary_crossentropy(y, q) * (
            formulas.class_balance(y, alpha) if balance else 1.0))

    conv = [convention("textbook numpy", "(1-p_t)^gamma * bce, no clip", textbook, y, x),
            convention("Keras 3", "clipped bce; alpha only with class balancing", lambda y, x:
                       BinaryFocalCrossentropy(from_logits=from_logits, **kw)(y, x), y, x)]
    if z is not None:
        conv += [convention("torchvision sigmoid_focal_loss", f"on logits, alpha={alpha:g}",
                            lambda y, z: mean(torchvision(y, z, alpha)), y, z),
                 convention("torchvision, alpha=-1", "on logits, no alpha",
                            lambda y, z: mean(torchvision(y, z, -1.0)), y, z)]
    return conv


GAMMA = Option("gamma", 2.0, low=0, note="the focusing exponent; 0 gives plain BCE",
               help="the focusing exponent, >= 0 (default 2)")
ALPHA = Option("alpha", 0.25, low=0, high=1, note="the weight of class 1",
               help="the weight of class 1, in [0, 1] (default 0.25)")
CLASS_BALANCING = Option("apply_class_balancing", False, cli_name="class-balancing",
                         help="apply alpha")

declare(keras=(binary_focal_crossentropy, BinaryFocalCrossentropy), torch=(sigmoid_focal_loss,),
        explain=dict(short="focal", aliases=("focal_bce",),
                     options=(GAMMA, ALPHA, CLASS_BALANCING, LABEL_SMOOTHING),
                     example=([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6]), logits=True, torch=None,
                     build=explain_focal),
        gallery=("focal BCE, gamma = 2 (Keras 3)", lambda y, q: formulas.focal_factor(y, q, 2.0)
                 * formulas.binary_crossentropy(y, q, clip=kb.epsilon())))
