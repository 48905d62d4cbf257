"""Categorical cross-entropy, declared once: Keras's categorical and sparse
categorical cross-entropy (functions and classes), PyTorch's cross_entropy
and nll_loss (functions and modules), and their explanation
(``mg.explain("cce", ...)``, ``"sparse_cce"``).

The formulas are :func:`minigrad.formulas.categorical_crossentropy` and
:func:`minigrad.formulas.categorical_crossentropy_logits`.
"""
from __future__ import annotations

import numpy as np

from .. import _checks as checks
from .. import formulas, ops
from ..explanation import Elementwise, Explanation, convention, gradient, indices, mean
from ..tensor import Tensor
from . import keras_base as kb
from . import torch_base as tb
from .registry import LABEL_SMOOTHING, declare

# ------------------------------------------------------------ Keras 3 face


def _class_probabilities(y_pred, axis, y_true=None):
    checks.probabilities(y_pred, "y_pred", kb.PROB_HINT)
    if y_pred.ndim:
        _rows_sum_above_zero(y_pred, axis)
    if y_true is not None:
        checks.argument_order(y_pred, y_true, "y_pred", "y_true", kb.ORDER)


def _nonnegative_targets(target):
    """Raise if a target probability is negative (log-probabilities given as p?)."""
    if (target.data < 0).any():
        raise ValueError("target holds negative probabilities; pass log_target=True if "
                         "these are log-probabilities")


def _rows_sum_above_zero(y_pred, axis):
    """Raise if a row of probabilities sums to 0 (it cannot be normalised)."""
    if (np.sum(y_pred.data, axis=axis) <= 0).any():
        raise ValueError("a row of y_pred sums to 0, so it cannot be normalised into "
                         "probabilities; pass from_logits=True if these are logits")


def _not_labels(y_true, y_pred):
    """Raise when y_true holds one number per row of y_pred (integer labels,
    not one-hot rows), naming the two ways to pass them."""
    ts = np.shape(y_true.data if isinstance(y_true, Tensor) else y_true)
    ps = np.shape(y_pred.data if isinstance(y_pred, Tensor) else y_pred)
    if len(ps) >= 2 and tuple(ts) in (tuple(ps[:-1]), tuple(ps[:-1]) + (1,)) and ps[-1] > 1:
        raise ValueError(
            f"y_true has shape {tuple(ts)}, one label per sample, but categorical_crossentropy "
            f"needs one-hot rows of y_pred's shape {tuple(ps)}: for integer labels use "
            "sparse_categorical_crossentropy (SparseCategoricalCrossentropy), or one-hot them "
            f"with mg.one_hot(y_true, {ps[-1]})")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy over ``axis`` for one-hot (or soft) targets.

    With probabilities, Keras first rescales y_pred to sum to 1 along the
    axis, then clips it to ``[eps, 1 - eps]``: ``-sum(y log p)``.  With
    logits: ``-sum(y log_softmax(z))``.

    Examples
    --------
    >>> import minigrad as mg
    >>> y = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    >>> p = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]
    >>> mg.losses.categorical_crossentropy(y, p)
    tensor([0.22314353, 0.6931472 , 0.35667494])
    """
    _not_labels(y_true, y_pred)
    y_true, y_pred = kb.prepare(y_true, y_pred)
    ls = checks.label_smoothing(label_smoothing)
    if not from_logits:
        _class_probabilities(y_pred, axis, y_true)
    if ls:
        y_true = y_true * (1.0 - ls) + ls / y_true.shape[-1]
    if from_logits:
        return formulas.categorical_crossentropy_logits(y_true, y_pred, axis=axis)
    return formulas.categorical_crossentropy(y_true, y_pred, axis=axis, clip=kb.epsilon(),
                                             renormalize=True)


class CategoricalCrossentropy(kb.Loss):
    """Categorical cross-entropy (see :func:`categorical_crossentropy`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> cce = mg.losses.CategoricalCrossentropy(reduction=None)
    >>> cce([[1, 0], [0, 1]], [[0.8, 0.2], [0.5, 0.5]])
    tensor([0.22314353, 0.6931472 ])
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.from_logits, self.axis = from_logits, axis
        self.label_smoothing = checks.label_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)


def _sparse_labels(y_true, y_pred, axis, ignore_class):
    """Integer labels of the shape of y_pred without its class axis, and the
    mask of the samples that count (None without ``ignore_class``)."""
    labels, valid = checks.class_labels(y_true, y_pred, axis, "y_true", "y_pred",
                                        ignore=ignore_class, squeeze_trailing=True)
    return labels, (None if ignore_class is None else valid)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Categorical cross-entropy for integer class labels.

    The same numbers as :func:`categorical_crossentropy` on one-hot targets;
    a trailing size-1 axis of the labels is squeezed.  Samples whose label
    is ``ignore_class`` get loss 0 (and the Loss classes leave them out of
    the mean).

    Examples
    --------
    >>> import minigrad as mg
    >>> p = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]
    >>> mg.losses.sparse_categorical_crossentropy([0, 1, 3], p)
    tensor([0.22314353, 0.6931472 , 0.35667494])
    """
    y_pred = checks.float_tensor(y_pred, "y_pred")
    if y_pred.ndim == 0:
        raise ValueError("y_pred needs a class axis")
    labels, valid = _sparse_labels(y_true, y_pred, axis, ignore_class)
    onehot = formulas.one_hot(labels, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    if valid is not None:
        keep = np.expand_dims(valid, axis)
        onehot = onehot * keep
        # ignored samples' predictions may be anything: make them harmless
        y_pred = ops.where(keep, y_pred, 0.0 if from_logits else 1.0)
    if from_logits:
        return formulas.categorical_crossentropy_logits(onehot, y_pred, axis=axis)
    _class_probabilities(y_pred, axis)
    return formulas.categorical_crossentropy(onehot, y_pred, axis=axis, clip=kb.epsilon(),
                                             renormalize=True)


class SparseCategoricalCrossentropy(kb.Loss):
    """Categorical cross-entropy for integer labels, reduced; samples whose
    label is ``ignore_class`` are left out of the mean.

    Examples
    --------
    >>> import minigrad as mg
    >>> scce = mg.losses.SparseCategoricalCrossentropy(ignore_class=-1)
    >>> scce([0, -1], [[0.8, 0.2], [0.1, 0.9]])
    tensor(0.22314353)
    """

    def __init__(self, from_logits=False, ignore_class=None, axis=-1,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits,
                                               self.ignore_class, self.axis)

    def _mask(self, y_true, y_pred):
        if self.ignore_class is None:
            return None
        return _sparse_labels(y_true, y_pred, self.axis, self.ignore_class)[1]


# ------------------------------------------------------------ PyTorch face

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
    tshape = tuple(target.shape if hasattr(target, "shape") else np.shape(target))
    if len(tshape) == input.ndim + 1 and tshape[:-1] == input.shape:
        raise ValueError(
            f"input has shape {input.shape} but target has shape {tshape}: the arguments look "
            "swapped. PyTorch's losses take (input, target): the scores (logits) first, then "
            "the labels, as in nn.CrossEntropyLoss()(logits, labels)")
    return checks.class_labels(target, input, axis, "target", "input", ignore=ignore_index,
                               hint=f"class indices, or probabilities of shape {input.shape}")


def _weighted_nll(logp, labels, valid, axis, weight):
    """``-w_y logp_y`` per sample, and ``w_y`` (a mean divides by its sum).

    ``weight`` is read as a constant: the callers refuse one that requires
    grad (:func:`minigrad._checks.constant_weight`).
    """
    picked = formulas.pick(logp, np.where(valid, labels, -1), axis)
    w_y = valid.astype(logp.dtype) if weight is None else np.where(
        valid, weight.data.reshape(-1)[np.where(valid, labels, 0)], 0).astype(logp.dtype)
    loss = -(picked * w_y) if weight is not None else -picked
    return loss, w_y


def _reduce_targets(loss, reduction, divisor, what="targets"):
    """``"none"``, ``"sum"``, or the mean over ``divisor`` (a count or a sum of weights)."""
    if reduction == "none":
        return loss
    if reduction == "sum":
        return ops.sum(loss)
    return tb.mean_over(ops.sum(loss), divisor, what)


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
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    input = checks.float_tensor(input, "input")
    axis = _class_axis(input)
    labels, valid = _index_targets(input, target, axis, ignore_index)
    checks.constant_weight(weight, "weight", "nll_loss")
    w = None if weight is None else checks.weight_vector(
        checks.float_tensor(weight, "weight", dtype=input.dtype), input.shape[axis], "weight",
        "class")
    loss, w_y = _weighted_nll(input, labels, valid, axis, w)
    return _reduce_targets(loss, reduction, np.sum(w_y))


class NLLLoss(tb._Loss):
    """Negative log-likelihood of class indices, given log-probabilities.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.NLLLoss()(mg.tensor([[-0.1, -2.4]]), [0])
    tensor(0.1)
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


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
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    ls = checks.label_smoothing(label_smoothing)
    input = checks.float_tensor(input, "input")
    axis = _class_axis(input)
    w = None if weight is None else _class_weight(weight, input, axis)
    tshape = target.shape if hasattr(target, "shape") else np.shape(target)
    if tuple(tshape) == input.shape:            # probability targets
        y = checks.float_tensor(target, "target", dtype=input.dtype)
        if ls:
            y = y * (1.0 - ls) + ls / input.shape[axis]
        loss = formulas.categorical_crossentropy_logits(y, input, axis=axis, class_weight=w)
        return _reduce_targets(loss, reduction, input.numel() / input.shape[axis], "samples")
    labels, valid = _index_targets(input, target, axis, ignore_index)
    checks.constant_weight(weight, "weight", "cross_entropy with class-index targets")
    return _cross_entropy_indices(input, labels, valid, axis, w, reduction, ls)


def _cross_entropy_indices(input, labels, valid, axis, w, reduction, ls):
    """cross_entropy of class-index targets (``valid``: the labels that are
    not ignored; ``w``: the class weight shaped for the class axis, or None)."""
    logp = ops.log_softmax(input, axis=axis)
    nll, w_y = _weighted_nll(logp, labels, valid, axis, None if w is None else w.reshape(-1))
    divisor = np.sum(w_y)       # a numpy number of logp's dtype (a traced step's: an array)
    if not ls:
        return _reduce_targets(nll, reduction, divisor)
    smooth = -ops.sum(logp if w is None else logp * w, axis=axis)
    smooth = smooth * valid.astype(input.dtype)
    return ((1.0 - ls) * _reduce_targets(nll, reduction, divisor)
            + (ls / input.shape[axis]) * _reduce_targets(smooth, reduction, divisor))


class CrossEntropyLoss(tb._Loss):
    """Cross-entropy of logits for class indices or probabilities.

    Examples
    --------
    >>> import minigrad as mg
    >>> loss = mg.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss(mg.tensor([[2.0, 0.0, 0.0]]), [0])
    tensor(0.37287816)
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        checks.label_smoothing(label_smoothing)
        super().__init__(reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


# ------------------------------------------------------------- explanation

def explain_cce(name, y, x, from_logits, opts):
    """The :class:`Explanation` of (sparse) categorical cross-entropy."""
    sparse = name == "sparse_categorical_crossentropy"
    if x.ndim != 2:
        raise ValueError(f"{name} explains a batch of class scores of shape (N, C), got "
                         f"shape {x.shape}")
    n, c = x.shape
    ls = opts.get("label_smoothing", 0.0)
    if sparse:
        loss = SparseCategoricalCrossentropy(from_logits=from_logits)
        value = float(loss(y, x).item())
        onehot = formulas.one_hot(y.reshape(n).astype(np.int64), c, dtype=np.float64)
    else:
        loss = CategoricalCrossentropy(from_logits=from_logits, label_smoothing=ls)
        value = float(loss(y, x).item())
        onehot = y * (1 - ls) + ls / c if ls else y
    xt = Tensor(x)
    if from_logits:
        used = ops.softmax(xt, axis=-1).numpy()
    else:
        q = xt / ops.sum(xt, axis=-1, keepdims=True)
        used = ops.clip(q, kb.epsilon(), 1 - kb.epsilon()).numpy()
    # per sample, from the library's own functions
    per = (sparse_categorical_crossentropy(y, x, from_logits=from_logits) if sparse
           else categorical_crossentropy(y, x, from_logits=from_logits,
                                         label_smoothing=ls)).numpy()
    table = {"y_true": y.reshape(n, -1) if not sparse else y.reshape(n),
             "y_pred": x, ("softmax(z)" if from_logits else "p / sum(p), clipped"): used,
             "sum_c y log p": -per, "loss_i": per}
    steps = [("sum over samples of -sum_c y log p", float(per.sum()), ""),
             ("mean = sum / N", float(per.sum()) / n, f"N = {n} samples: the loss")]
    grad, gformula, glog, lformula = _cce_gradients(loss, y, x, onehot, ls, from_logits)
    clipped = None if from_logits else ((used <= kb.epsilon()) | (used >= 1 - kb.epsilon())) & (
        onehot > 0)
    return Explanation(
        loss=name, title=("Sparse categorical" if sparse else "Categorical") + " cross-entropy"
        + (" of logits" if from_logits else "") + " (Keras: " + name + "; PyTorch: "
        "CrossEntropyLoss)", from_logits=from_logits, options=opts, y_true=y, y_pred=x,
        table=table, steps=steps, value=value, grad=grad, grad_formula=gformula,
        grad_logits=glog, grad_logits_formula=lformula,
        conventions=_cce_conventions(onehot, x, from_logits), clipped=clipped, clamped=None,
        notes=_cce_notes(x, clipped, from_logits), per_sample=True)


def _cce_notes(x, clipped, from_logits):
    notes = []
    if clipped is not None and clipped.any():
        notes.append(f"Keras clips the true-class probability of sample(s) "
                     f"{indices(clipped.any(1))} at eps = {kb.epsilon():g}.")
    if not from_logits and np.abs(x.sum(-1) - 1).max() > 1e-12:
        notes.append("The rows do not sum to 1: Keras renormalises them, the textbook "
                     "formula does not.")
    return notes


def _cce_gradients(loss, y, x, onehot, ls, from_logits):
    """d loss / d x and its formula; from probabilities, also d loss / d log p."""
    grad = gradient(lambda t: loss(y, t), x)
    if from_logits:
        return grad, "(softmax(z) - y) / N per row", None, None
    lz = np.log(np.clip(x, 1e-300, None))
    glog = gradient(lambda t: CategoricalCrossentropy(from_logits=True, label_smoothing=ls)(
        onehot, t), lz)
    return (grad, "-y/p_hat / N + sum(y) / (N sum(p)) per row: Keras renormalises p to sum "
            "to 1 first, which adds the second term", glog,
            "(softmax(z) - y) / N, with z = log p")


def _cce_conventions(onehot, x, from_logits):
    """Conventions for CCE of one-hot (or soft) targets and ``x``."""
    def textbook(y, p):
        return mean(formulas.categorical_crossentropy(y, ops.softmax(p, -1) if from_logits
                                                      else p))

    def keras(y, p):
        return CategoricalCrossentropy(from_logits=from_logits)(y, p)

    def torch_ce(y, p):
        z = p if from_logits else ops.log(p)
        return CrossEntropyLoss()(z, y)

    conv = [convention("textbook numpy", "-mean sum_c y log p, no clip", textbook, onehot, x),
            convention("Keras 3", "p / sum(p), clip to [eps, 1-eps]" if not from_logits
                       else "log_softmax(z)", keras, onehot, x),
            convention("tf.keras 2.x", "the same as Keras 3 for CCE", keras, onehot, x)]
    if from_logits or np.all(x > 0):
        conv.append(convention("PyTorch CrossEntropyLoss", "log_softmax of " + (
            "z" if from_logits else "log p (= renormalised p)"), torch_ce, onehot, x))
    return conv


def _torch_ce(y, p, from_logits):
    """CrossEntropyLoss takes logits: log p of probabilities (labels, or one-hot rows)."""
    labels = y.astype(np.int64) if y.ndim == 1 else y.argmax(-1)
    return CrossEntropyLoss()(p if from_logits else ops.log(p), labels)


#: The rows of the Keras CCE walkthrough.
CCE_ROWS = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]

declare(keras=(categorical_crossentropy, CategoricalCrossentropy),
        torch=(cross_entropy, CrossEntropyLoss),
        explain=dict(short="cce", aliases=(), options=(LABEL_SMOOTHING,),
                     example=([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], CCE_ROWS), logits=True,
                     torch=_torch_ce, build=explain_cce, targets="one_hot"))
declare(keras=(sparse_categorical_crossentropy, SparseCategoricalCrossentropy),
        explain=dict(short="sparse_cce", aliases=("scce",), example=([0, 1, 3], CCE_ROWS),
                     logits=True, torch=_torch_ce, build=explain_cce, targets="labels"))
declare(torch=(nll_loss, NLLLoss))


# ------------------------------------------------------------ KL divergence

def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence over the last axis, ``sum(y log(y / p))``,
    with both clipped to ``[eps, 1]``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])
    tensor([0.14384106])
    """
    y_true, y_pred = kb.prepare(y_true, y_pred)
    eps = kb.epsilon()
    per = formulas.kl_divergence(ops.clip(y_true, eps, 1.0), q=ops.clip(y_pred, eps, 1.0))
    return per if per.ndim == 0 else ops.sum(per, axis=-1)


class KLDivergence(kb.Loss):
    """Kullback-Leibler divergence (see :func:`kl_divergence`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])
    tensor(0.14384106)
    """

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return kl_divergence(y_true, y_pred)


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
    reduction = checks.reduction(reduction, tb.REDUCTIONS + ("batchmean",))
    input, target = tb.pair(input, target)
    if log_target:
        loss = formulas.kl_divergence(None, log_q=input, log_p=target)
    else:
        _nonnegative_targets(target)
        loss = formulas.kl_divergence(target, log_q=input)
    if reduction == "batchmean":
        return tb.mean_over(ops.sum(loss), input.shape[0] if input.ndim else 1, "samples",
                            "the batch is empty")
    return tb.reduce(loss, reduction)


class KLDivLoss(tb._Loss):
    """KL divergence of log-probabilities ``input`` from ``target``;
    ``reduction="batchmean"`` gives the true KL per sample.

    Examples
    --------
    >>> import minigrad as mg
    >>> logq = mg.log(mg.tensor([[0.25, 0.75]], dtype="float64"))
    >>> mg.nn.KLDivLoss(reduction="batchmean")(logq, mg.tensor([[0.5, 0.5]], dtype="float64")).item()
    0.14384103622589045
    """

    _reductions = tb.REDUCTIONS + ("batchmean",)

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction, log_target=log_target)

    def forward(self, input, target):
        return kl_div(input, target, self.reduction, self.log_target)


def _kl_keras_terms(y, p):
    """Keras's per-element KL terms: y and p clipped to [eps, 1]."""
    eps = kb.epsilon()
    return formulas.kl_divergence(ops.clip(y, eps, 1.0), q=ops.clip(p, eps, 1.0))


def _kl_textbook(y, p):
    """``y log(y / p)`` per element, 0 where y = 0 (no clip)."""
    return formulas.xlogy(y, y) - formulas.xlogy(y, p)


def _kl_torch(y, p, from_logits):
    return KLDivLoss(reduction="batchmean")(ops.log(p), Tensor(y))


#: KL divergence's example: two distributions over three classes.
KL_EXAMPLE = ([0.1, 0.6, 0.3], [0.2, 0.5, 0.3])

declare(keras=(kl_divergence, KLDivergence), torch=(kl_div, KLDivLoss),
        explain=dict(short="kl_divergence", aliases=("kld", "kl"), example=KL_EXAMPLE,
                     logits=False, torch=_kl_torch, build=Elementwise(
                         title="Kullback-Leibler divergence (Keras: kl_divergence; PyTorch: "
                         "KLDivLoss of log p)",
                         rule="y log(y / p), y and p clipped to [eps, 1]",
                         grad_formula="-y_i / (S p_i), with S the number of samples; 0 where "
                         "the clip is active",
                         formula=lambda y, p: _kl_keras_terms(y, p), keras=KLDivergence,
                         torch=lambda: lambda p, y: KLDivLoss(reduction="batchmean")(
                             ops.log(p), y),
                         torch_name="PyTorch KLDivLoss",
                         torch_rule="input log p, batchmean: the sum / the first dimension, "
                         "no clip", textbook=lambda y, p: _kl_textbook(y, p),
                         textbook_rule="y log(y / p), 0 where y = 0, no clip",
                         columns=(("log(y / p), clipped", lambda y, p: np.log(
                             np.clip(y, kb.epsilon(), 1) / np.clip(p, kb.epsilon(), 1))),),
                         sum_last_axis=True)))
