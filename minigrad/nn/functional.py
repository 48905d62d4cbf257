"""PyTorch-flavoured loss functions (``input, target``) and activations.

A thin face over :mod:`minigrad.formulas` with PyTorch's conventions: the
-100 clamp of BCELoss's logs, class ``weight`` and ``ignore_index`` with a
weighted mean, ``label_smoothing``, probability targets, ``pos_weight``,
``"batchmean"``.  Reductions: ``"mean"`` (default), ``"sum"``, ``"none"``.

Where minigrad differs from PyTorch on purpose: shapes must match exactly
(PyTorch broadcasts MSE/L1 arguments with a warning), a mean over nothing
(every target ignored, an empty batch; also ``"batchmean"``) raises
instead of returning NaN, an input with zero classes raises, BCE's gradient is
the derivative of its clamped forward (PyTorch's backward is
``(x - y) / max(x (1 - x), 1e-12)``; see the README), and BCE-with-logits
is differentiable with respect to ``weight`` and ``pos_weight`` (PyTorch 2
refuses them).  Weights that the loss is not differentiable in (BCELoss's
``weight``, NLL's and index-target cross-entropy's ``weight``) are refused,
as PyTorch does, when they require grad: never a silently wrong gradient.
"""
from __future__ import annotations

import numpy as np

from .. import _checks as checks
from .. import formulas as F
from .. import ops
from ..ops import log_softmax, relu, sigmoid, softmax, tanh  # noqa: F401  (as torch.nn.functional)

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "mse_loss", "l1_loss", "huber_loss", "kl_div", "sigmoid_focal_loss",
    "relu", "sigmoid", "tanh", "softmax", "log_softmax",
]

_REDUCTIONS = ("mean", "sum", "none")
_LOGITS_HINT = ("use binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss) if these are "
                "logits")
_ORDER = "mg.nn losses take (input, target): the predicted probabilities first, the labels second"


def _reduce(loss, reduction):
    if reduction == "mean":
        return _mean_over(ops.sum(loss), loss.size, "elements", "the input is empty")
    if reduction == "sum":
        return ops.sum(loss)
    return loss


def _pair(input, target):
    input = checks.float_tensor(input, "input")
    target = checks.float_tensor(target, "target", dtype=input.dtype)
    checks.same_shape(input, target, "input", "target")
    return input, target


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities, PyTorch's ``BCELoss``.

    ``-w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]``; the
    gradient is the derivative of exactly that (0 where the clamp is active).
    Not differentiable with respect to ``weight``: one that requires grad
    raises a RuntimeError, as in PyTorch.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.binary_cross_entropy(mg.tensor([1.0, 1.0, 0.0]), mg.tensor([1.0, 1.0, 1.0]))
    tensor(33.333332)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    input, target = _pair(input, target)
    checks.probabilities(input, "input", _LOGITS_HINT)
    checks.unit_interval_targets(target, "target")
    checks.argument_order(input, target, "input", "target", _ORDER)
    loss = F.binary_crossentropy(target, input, log_floor=-100.0, log1p=True)
    if weight is not None:
        checks.constant_weight(weight, "weight", "binary_cross_entropy")
        checks.broadcastable_to(weight, input.shape, "weight", "input")
        loss = loss * checks.float_tensor(weight, "weight", dtype=input.dtype)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of logits, PyTorch's ``BCEWithLogitsLoss``.

    ``(1 - y) softplus(x) + pw y softplus(-x)`` (= ``(1 - y) x - [1 + (pw - 1) y]
    log sigmoid(x)``), with gradient ``sigmoid(x) - y`` without pos_weight.
    Differentiable with respect to ``weight`` and ``pos_weight`` too.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([0.0, 2.0], requires_grad=True)
    >>> mg.nn.functional.binary_cross_entropy_with_logits(x, mg.tensor([1.0, 0.0])).backward()
    >>> x.grad
    tensor([-0.25      ,  0.44039854])
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    input, target = _pair(input, target)
    checks.unit_interval_targets(target, "target")
    if pos_weight is not None:
        checks.broadcastable_to(pos_weight, input.shape, "pos_weight", "input")
        pos_weight = checks.float_tensor(pos_weight, "pos_weight", dtype=input.dtype)
    loss = F.binary_crossentropy_logits(target, input, pos_weight)
    if weight is not None:
        checks.broadcastable_to(weight, input.shape, "weight", "input")
        loss = loss * checks.float_tensor(weight, "weight", dtype=input.dtype)
    return _reduce(loss, reduction)


def _class_axis(input):
    if input.ndim == 0:
        raise ValueError("input needs a class axis: shape (C,), (N, C) or (N, C, d1, ...)")
    axis = 1 if input.ndim >= 2 else 0
    if input.shape[axis] == 0:
        raise ValueError(f"input of shape {input.shape} has no classes (its class axis {axis} "
                         "has length 0): there must be at least one class")
    return axis


def _class_weight(weight, input, axis):
    """``weight`` (C,) shaped to broadcast along the class axis."""
    checks.weight_vector(weight, input.shape[axis], "weight", "class")
    w = checks.float_tensor(weight, "weight", dtype=input.dtype)
    return w.reshape((-1,) + (1,) * (input.ndim - axis - 1))


def _index_targets(input, target, axis, ignore_index):
    return checks.class_labels(target, input, axis, "target", "input", ignore=ignore_index,
                               hint=f"class indices, or probabilities of shape {input.shape}")


def _weighted_nll(logp, labels, valid, axis, weight, reduction):
    """``-w_y logp_y`` per sample; the mean divides by the sum of ``w_y``.

    ``weight`` is read as a constant: the callers refuse one that requires
    grad (:func:`minigrad._checks.constant_weight`).
    """
    picked = F.pick(logp, np.where(valid, labels, -1), axis)
    w_y = valid.astype(logp.dtype) if weight is None else np.where(
        valid, weight.data.reshape(-1)[np.where(valid, labels, 0)], 0).astype(logp.dtype)
    loss = -(picked * w_y) if weight is not None else -picked
    return loss, w_y


def _mean_over(total, divisor, what,
               why="every target equals ignore_index, or their weights sum to 0"):
    """``total / divisor``; a mean over nothing raises (PyTorch returns NaN)."""
    if divisor == 0:
        raise ValueError(f"the mean is over zero {what} ({why}); PyTorch returns NaN here. "
                         "Use reduction='sum' or skip the batch")
    return total / divisor


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, given log-probabilities.

    ``-w_y input[y]`` per sample; ``"mean"`` divides by the sum of ``w_y``
    over the targets that are not ``ignore_index``.  Not differentiable with
    respect to ``weight``: one that requires grad raises, as in PyTorch.

    Examples
    --------
    >>> import minigrad as mg
    >>> logp = mg.log_softmax(mg.tensor([[2.0, 0.0], [0.0, 2.0]]), axis=1)
    >>> mg.nn.functional.nll_loss(logp, [0, 0])
    tensor(1.1269281)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    input = checks.float_tensor(input, "input")
    axis = _class_axis(input)
    labels, valid = _index_targets(input, target, axis, ignore_index)
    checks.constant_weight(weight, "weight", "nll_loss")
    w = None if weight is None else checks.weight_vector(
        checks.float_tensor(weight, "weight", dtype=input.dtype), input.shape[axis], "weight",
        "class")
    loss, w_y = _weighted_nll(input, labels, valid, axis, w, reduction)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return ops.sum(loss)
    return _mean_over(ops.sum(loss), float(np.sum(w_y)), "targets")


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits, PyTorch's ``CrossEntropyLoss``.

    ``target`` holds class indices (shape of input without the class axis,
    axis 1, or axis 0 for a single sample) or probabilities (the shape of
    input).  Index targets: ``-w_y log_softmax(x)_y``, the mean dividing by
    the sum of ``w_y``; with ``label_smoothing`` eps,
    ``(1 - eps) nll + eps/C sum_c(-w_c log p_c)``.  Probability targets:
    ``-sum_c w_c y_c log_softmax(x)_c``, the mean dividing by the number of
    samples.  As in PyTorch, the loss is differentiable with respect to
    ``weight`` for probability targets; for index targets a ``weight`` that
    requires grad raises.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    >>> mg.nn.functional.cross_entropy(x, [0, 2])
    tensor(0.16723387)
    >>> mg.nn.functional.cross_entropy(x, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    tensor(0.16723387)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    ls = checks.label_smoothing(label_smoothing)
    input = checks.float_tensor(input, "input")
    axis = _class_axis(input)
    num_classes = input.shape[axis]
    w = None if weight is None else _class_weight(weight, input, axis)
    tshape = target.shape if hasattr(target, "shape") else np.shape(target)
    if tuple(tshape) == input.shape:            # probability targets
        y = checks.float_tensor(target, "target", dtype=input.dtype)
        if ls:
            y = y * (1.0 - ls) + ls / num_classes
        loss = F.categorical_crossentropy_logits(y, input, axis=axis, class_weight=w)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return ops.sum(loss)
        return _mean_over(ops.sum(loss), input.size / num_classes, "samples")
    logp = ops.log_softmax(input, axis=axis)
    labels, valid = _index_targets(input, target, axis, ignore_index)
    checks.constant_weight(weight, "weight", "cross_entropy with class-index targets")
    w_flat = None if w is None else w.reshape(-1)
    nll, w_y = _weighted_nll(logp, labels, valid, axis, w_flat, reduction)
    if ls:
        smooth = -ops.sum(logp if w is None else logp * w, axis=axis)
        smooth = smooth * valid.astype(input.dtype)
    if reduction == "none":
        return nll if not ls else (1.0 - ls) * nll + (ls / num_classes) * smooth
    if reduction == "sum":
        total = ops.sum(nll)
        return total if not ls else (1.0 - ls) * total + (ls / num_classes) * ops.sum(smooth)
    divisor = float(np.sum(w_y))
    mean = _mean_over(ops.sum(nll), divisor, "targets")
    if not ls:
        return mean
    return (1.0 - ls) * mean + (ls / num_classes) * _mean_over(ops.sum(smooth), divisor, "targets")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error, PyTorch's ``MSELoss``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.mse_loss(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 0.0]))
    tensor(2.)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    input, target = _pair(input, target)
    return _reduce(F.squared_error(input, target), reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error, PyTorch's ``L1Loss``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.l1_loss(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 0.0]))
    tensor(1.)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    input, target = _pair(input, target)
    return _reduce(F.absolute_error(input, target), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss, PyTorch's ``HuberLoss``: ``0.5 e**2`` for ``|e| < delta``,
    else ``delta (|e| - 0.5 delta)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.huber_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    delta = checks.positive_number(delta, "delta")
    input, target = _pair(input, target)
    return _reduce(F.huber(target, input, delta), reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """Kullback-Leibler divergence, PyTorch's ``KLDivLoss``: ``input`` holds
    log-probabilities log q; ``target`` probabilities p (or log p with
    ``log_target``).  ``p (log p - input)`` per element, 0 where p = 0.
    ``"batchmean"`` divides the sum by the batch size (the true KL);
    ``"mean"`` by the number of elements.

    Examples
    --------
    >>> import minigrad as mg
    >>> logq = mg.log(mg.tensor([[0.25, 0.75]], dtype="float64"))
    >>> mg.nn.functional.kl_div(logq, mg.tensor([[0.5, 0.5]], dtype="float64"), reduction="batchmean").item()
    0.14384103622589045
    """
    reduction = checks.reduction(reduction, _REDUCTIONS + ("batchmean",))
    input, target = _pair(input, target)
    if log_target:
        loss = F.kl_divergence(None, log_q=input, log_p=target)
    else:
        if (target.data < 0).any():
            raise ValueError("target holds negative probabilities; pass log_target=True if "
                             "these are log-probabilities")
        loss = F.kl_divergence(target, log_q=input)
    if reduction == "batchmean":
        return _mean_over(ops.sum(loss), input.shape[0] if input.ndim else 1, "samples",
                          "the batch is empty")
    return _reduce(loss, reduction)


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision's focal loss of logits: ``BCEWithLogits * (1 - p_t)**gamma``,
    times ``alpha y + (1 - alpha)(1 - y)`` when ``alpha >= 0``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.sigmoid_focal_loss(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor([0.0433217])
    """
    reduction = checks.reduction(reduction, _REDUCTIONS)
    inputs, targets = _pair(inputs, targets)
    checks.unit_interval_targets(targets, "targets")
    p = ops.sigmoid(inputs)
    loss = F.binary_crossentropy_logits(targets, inputs) * F.focal_factor(targets, p, gamma)
    if alpha >= 0:
        loss = F.class_balance(targets, alpha) * loss
    return _reduce(loss, reduction)
