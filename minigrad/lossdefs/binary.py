"""Losses of binary targets, declared once each.

Binary cross-entropy: the Keras function and class, the PyTorch functions
and modules (probabilities and logits), and its explanation
(``mg.explain("bce", ...)``); its formulas are
:func:`minigrad.formulas.binary_crossentropy` and
:func:`minigrad.formulas.binary_crossentropy_logits`, the frameworks'
differences their parameters.  Then the margin losses of labels -1 or 1:
Keras's hinge and squared hinge, PyTorch's soft margin loss.
"""
from __future__ import annotations

import numpy as np

from .. import _checks as checks
from .. import formulas, ops
from ..explanation import (Convention, Elementwise, Explanation, convention, f32, gradient,
                           indices, logit, mean)
from ..tensor import Tensor
from . import keras_base as kb
from . import torch_base as tb
from .registry import LABEL_SMOOTHING, declare

# ------------------------------------------------------------ Keras 3 face


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over ``axis``: one value per sample.

    Probabilities are clipped to ``[eps, 1 - eps]``:
    ``-[y log p + (1 - y) log(1 - p)]``; logits use the stable
    ``max(z, 0) - z y + log(1 + exp(-|z|))``.

    Parameters
    ----------
    y_true : array_like
        Targets in [0, 1].
    y_pred : array_like
        Probabilities in [0, 1], or logits with ``from_logits=True``.
    from_logits : bool
    label_smoothing : float
        In [0, 1]: targets become ``y (1 - ls) + 0.5 ls``.
    axis : int
        The axis to average over.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.binary_crossentropy([1, 0, 1, 0], [0.2, 0.1, 0.9, 0.05])
    tensor(0.46786305)
    """
    y_true, y_pred = kb.binary_inputs(y_true, y_pred, from_logits, label_smoothing)
    if from_logits:
        per = formulas.binary_crossentropy_logits(y_true, y_pred)
    else:
        per = formulas.binary_crossentropy(y_true, y_pred, clip=kb.epsilon())
    return kb.mean_over(per, axis)


class BinaryCrossentropy(kb.Loss):
    """Binary cross-entropy (see :func:`binary_crossentropy`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> bce = mg.losses.BinaryCrossentropy()
    >>> bce([1, 0, 1, 0], [0.2, 0.1, 0.9, 0.05])
    tensor(0.46786305)
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.from_logits, self.axis = from_logits, axis
        self.label_smoothing = checks.label_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)


# ------------------------------------------------------------ PyTorch face

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
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    input, target = tb.pair(input, target)
    checks.probabilities(input, "input", tb.LOGITS_HINT)
    checks.unit_interval_targets(target, "target")
    checks.argument_order(input, target, "input", "target", tb.ORDER)
    loss = formulas.binary_crossentropy(target, input, log_floor=-100.0, log1p=True)
    if weight is not None:
        checks.constant_weight(weight, "weight", "binary_cross_entropy")
        loss = loss * _weight(weight, input, "weight")
    return tb.reduce(loss, reduction)


def _weight(w, input, name):
    """``w`` as a Tensor of input's dtype that broadcasts to input's shape."""
    checks.broadcastable_to(w, input.shape, name, "input")
    return checks.float_tensor(w, name, dtype=input.dtype)


class BCELoss(tb._Loss):
    """Binary cross-entropy of probabilities (PyTorch's -100 clamp).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.BCELoss()(mg.tensor([0.9, 0.2]), mg.tensor([1.0, 0.0]))
    tensor(0.16425206)
    """

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction, weight=weight)

    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, self.reduction)


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
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    input, target = tb.pair(input, target)
    checks.unit_interval_targets(target, "target")
    if pos_weight is not None:
        pos_weight = _weight(pos_weight, input, "pos_weight")
    loss = formulas.binary_crossentropy_logits(target, input, pos_weight)
    if weight is not None:
        loss = loss * _weight(weight, input, "weight")
    return tb.reduce(loss, reduction)


class BCEWithLogitsLoss(tb._Loss):
    """Binary cross-entropy of logits, with ``pos_weight``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.BCEWithLogitsLoss(pos_weight=mg.tensor([2.0]))(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor(1.3862944)
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


# ------------------------------------------------------------- explanation

def explain_bce(name, y, p_in, from_logits, opts):
    """The :class:`Explanation` of BCE of probabilities or of logits."""
    ls = opts["label_smoothing"]
    loss = BinaryCrossentropy(from_logits=from_logits, label_smoothing=ls)
    value = float(loss(y, p_in).item())          # validates the inputs too
    parts = (_bce_logits if from_logits else _bce_probs)(y, p_in, loss, ls)
    return Explanation(loss=name, from_logits=from_logits, options=opts, y_true=y,
                       y_pred=p_in, value=value, **parts)


def _bce_table(y, ys, ls):
    table = {"y_true": y.reshape(-1)}
    if ls:
        table["y used"] = ys.numpy().reshape(-1)
    return table


def _bce_probs(y, p, loss, ls):
    """The parts of BCE's explanation from probabilities ``p``."""
    eps = kb.epsilon()
    ys = kb.smooth_binary(Tensor(y), ls)
    pt = Tensor(p)
    pos, neg = formulas.binary_crossentropy_terms(ys, pt, clip=eps)
    per = -(pos + neg).numpy()
    table = _bce_table(y, ys, ls)
    table.update({"y_pred": p.reshape(-1),
                  "p used (clipped)": ops.clip(pt, eps, 1 - eps).numpy().reshape(-1),
                  "y log p": pos.numpy().reshape(-1),
                  "(1-y) log(1-p)": neg.numpy().reshape(-1), "loss_i": per.reshape(-1)})
    s_pos, s_neg, n = float(pos.numpy().sum()), float(neg.numpy().sum()), np.size(y)
    steps = [("sum of y log p", s_pos, "from the samples labelled 1"),
             ("sum of (1-y) log(1-p)", s_neg, "from the samples labelled 0"),
             ("sum of both", s_pos + s_neg, "logs of probabilities are <= 0"),
             ("times 1/N", (s_pos + s_neg) / n, f"N = {n}"),
             ("negated: the loss", -(s_pos + s_neg) / n, "a loss to minimise must be >= 0")]
    z = logit(p)
    grad_logits = None if z is None else gradient(lambda t: BinaryCrossentropy(
        from_logits=True, label_smoothing=ls)(y, t), z).reshape(-1)
    conv = _bce_conventions(y, p, z, ls)
    clipped = (p < eps) | (p > 1 - eps)
    with np.errstate(divide="ignore"):
        clamped = ((ys.numpy() > 0) & (np.log(p) < -100)) | (
            (ys.numpy() < 1) & (np.log1p(-p) < -100))
    return dict(title="Binary cross-entropy of probabilities (Keras: binary_crossentropy; "
                "PyTorch: BCELoss)", table=table, steps=steps,
                grad=gradient(lambda t: loss(y, t), p).reshape(-1),
                grad_formula="(p_i - y_i) / (N p_i (1 - p_i)), 0 where the clip is active",
                grad_logits=grad_logits, grad_logits_formula=None if z is None else
                "(p_i - y_i) / N, with z = log(p / (1 - p))", conventions=conv,
                clipped=clipped, clamped=clamped,
                notes=_bce_notes(conv, y, p, clipped.reshape(-1), clamped.reshape(-1), eps, ls))


def _bce_conventions(y, p, z, ls):
    """Conventions for BCE of probabilities p (z = their logits, or None)."""
    eps = kb.epsilon()

    def smooth(t):
        return kb.smooth_binary(t, ls)

    conv = [
        convention("textbook numpy", "-mean(y log p + (1-y) log(1-p))", lambda y, p: mean(
            formulas.binary_crossentropy(smooth(y), p)), y, p),
        convention("Keras 3", f"clip p to [eps, 1-eps], eps={eps:g}", lambda y, p:
                   BinaryCrossentropy(label_smoothing=ls)(y, p), y, p),
        convention("tf.keras 2.x", "clip, and log(p + eps), log(1-p + eps)", lambda y, p: mean(
            formulas.binary_crossentropy(smooth(y), p, clip=eps, log_eps=eps)), y, p),
        convention("PyTorch BCELoss", "max(log p, -100), max(log1p(-p), -100)", lambda y, p:
                   BCELoss()(p, smooth(y)), y, p),
    ]
    if z is not None:
        conv.append(convention("PyTorch BCEWithLogitsLoss", "on the logits, no clip",
                               lambda y, z: BCEWithLogitsLoss()(z, smooth(y)), y, z))
    else:
        conv.append(Convention(name="PyTorch BCEWithLogitsLoss",
                               rule="n/a: p of 0 or 1 has no logit", float32=float("nan"),
                               float64=float("nan")))
    return conv


def _bce_notes(conv, y, p, clipped, clamped, eps, ls=0.0):
    by = {c.name: c for c in conv}
    k3, tf2 = by["Keras 3"], by["tf.keras 2.x"]
    notes = [] if tf2.float64 == k3.float64 else [_tf2_note(y, p, eps, k3, tf2, ls)]
    if clipped is not None and clipped.any():
        notes.append(
            f"Keras clips element(s) {indices(clipped)} to [eps, 1 - eps]: each term is capped at "
            f"-log(eps) = {-np.log(eps):.6g} (float32's 1 - eps rounds to 0.99999988, so its "
            "upper cap is 15.942385), and those elements get no gradient.")
    if clamped is not None and clamped.any():
        notes.append(
            f"PyTorch clamps the log at -100 for element(s) {indices(clamped)}: "
            "each term is capped at 100 instead of going to infinity.")
    if not np.isfinite(by["textbook numpy"].float64):
        notes.append("The textbook formula is not finite here: log(0) of a prediction of "
                     "exactly 0 or 1 (-inf, or 0 * -inf = NaN); the frameworks' clip and clamp "
                     "exist for this.")
    if all(np.isfinite([k3.float32, k3.float64])) and np.float32(k3.float64) != np.float32(
            k3.float32):
        notes.append(f"float32 and float64 differ ({f32(k3.float32)} vs {k3.float64:.10g}): "
                     + float32_rounding(y, p))
    return notes


def float32_rounding(*arrays):
    """Why a float32 result differs from float64's, true of ``arrays``: whether
    they are rounded to float32 on the way in (some are not exact in binary),
    or exact and only the operations round.

    Examples
    --------
    >>> from minigrad.lossdefs.binary import float32_rounding
    >>> float32_rounding([0.0, 1.0], [0.25, 1.0])
    'the inputs are exact in float32, but every operation (log, the sums) rounds to float32.'
    """
    inexact = [x for a in arrays for x in np.ravel(a) if float(np.float32(x)) != float(x)]
    if not inexact:
        return ("the inputs are exact in float32, but every operation (log, the sums) rounds "
                "to float32.")
    return (f"the inputs are rounded to float32 ({float(inexact[0])!r} is not exact in binary) "
            "and every operation rounds again.")


def is_walkthrough_example(y, p, ls=0.0):
    """Whether ``y``, ``p`` are the example of the TensorFlow/Keras BCE
    walkthrough (:data:`BCE_EXAMPLE`), without label smoothing."""
    y0, p0 = (np.asarray(a, dtype=np.float64) for a in BCE_EXAMPLE)
    return (not ls and np.shape(y) == y0.shape and np.shape(p) == p0.shape
            and np.array_equal(y, y0) and np.array_equal(p, p0))


#: What the TensorFlow/Keras BCE walkthrough printed for :data:`BCE_EXAMPLE`:
#: ``tf.keras.losses.BinaryCrossentropy`` (float32, as a Python float) and numpy.
WALKTHROUGH_PRINTED = {"TensorFlow": "0.3240218758583069", "numpy": "0.3240220233084354"}


def _tf2_note(y, p, eps, k3, tf2, ls=0.0):
    terms = [formulas.binary_crossentropy(Tensor(y), Tensor(p), clip=eps, log_eps=e).numpy()
             for e in (0.0, eps)]
    shift = np.abs(terms[1] - terms[0]).max()
    note = (f"tf.keras 2.x adds eps inside each log, log(p + eps) instead of log(p): here "
            f"that moves a term by up to {shift:.2e}, and the mean to {tf2.float64:.10g} "
            f"against Keras 3's {k3.float64:.10g} ({tf2.float64 - k3.float64:+.2e}).")
    if is_walkthrough_example(y, p, ls):
        tf_printed, np_printed = WALKTHROUGH_PRINTED["TensorFlow"], WALKTHROUGH_PRINTED["numpy"]
        note += (" This is the example of the TensorFlow/Keras BCE walkthrough, where "
                 f"TensorFlow printed {float(tf_printed):.8f} where numpy printed "
                 f"{float(np_printed):.8f} ({tf_printed} and {np_printed} in full): the "
                 f"tf.keras 2.x row's float32 value {f32(tf2.float32)} is "
                 f"{float(tf2.float32)!r} as a Python float, TensorFlow's number to the last "
                 "digit.")
    return note


def _bce_logits(y, z, loss, ls):
    """The parts of BCE's explanation from logits ``z``."""
    ys = kb.smooth_binary(Tensor(y), ls)
    lin, log_p = formulas.binary_crossentropy_logits_terms(ys, Tensor(z))
    per = (lin - log_p).numpy()
    table = _bce_table(y, ys, ls)
    table.update({"logit z": z.reshape(-1),
                  "p = sigmoid(z)": ops.sigmoid(Tensor(z)).numpy().reshape(-1),
                  "(1-y) z": lin.numpy().reshape(-1), "log sigmoid(z)": log_p.numpy().reshape(-1),
                  "loss_i": per.reshape(-1)})
    n = np.size(y)
    steps = [("sum of (1-y) z", float(lin.numpy().sum()), ""),
             ("sum of log sigmoid(z)", float(log_p.numpy().sum()), "= sum log p"),
             ("first minus second", float(per.sum()), ""),
             ("mean = sum / N", float(per.sum() / n), f"N = {n}: the loss")]
    conv = _bce_logit_conventions(y, z, ls)
    notes = []
    if not np.isfinite(conv[0].float64):
        notes.append("The textbook route overflows or takes log(0) for large |z|; the "
                     "logits formulas never do.")
    if conv[4].float64 != conv[3].float64:
        notes.append("Through probabilities, sigmoid(z) rounds to 0 or 1 for large |z| and "
                     "PyTorch's clamp caps each term at 100: use the logits losses.")
    return dict(title="Binary cross-entropy of logits (Keras: binary_crossentropy("
                "from_logits=True); PyTorch: BCEWithLogitsLoss)", table=table, steps=steps,
                grad=gradient(lambda t: loss(y, t), z).reshape(-1),
                grad_formula="(sigmoid(z_i) - y_i) / N: finite for any z", grad_logits=None,
                grad_logits_formula=None, conventions=conv, clipped=None, clamped=None,
                notes=notes)


def _bce_logit_conventions(y, z, ls):
    """Conventions for BCE of logits z."""
    def smooth(t):
        return kb.smooth_binary(t, ls)

    return [
        convention("textbook numpy", "p = 1/(1+exp(-z)), then the probability formula",
                   lambda y, z: mean(formulas.binary_crossentropy(
                       smooth(y), 1.0 / (1.0 + ops.exp(-z)))), y, z),
        convention("Keras 3", "max(z,0) - z y + log(1 + exp(-|z|))", lambda y, z:
                   BinaryCrossentropy(from_logits=True, label_smoothing=ls)(y, z), y, z),
        convention("tf.keras 2.x", "sigmoid_cross_entropy_with_logits (the same)", lambda y, z:
                   mean(formulas.binary_crossentropy_logits(smooth(y), z)), y, z),
        convention("PyTorch BCEWithLogitsLoss", "(1-y) z - log sigmoid(z)", lambda y, z:
                   BCEWithLogitsLoss()(z, smooth(y)), y, z),
        convention("PyTorch BCELoss(sigmoid(z))", "sigmoid, then the -100 clamp", lambda y, z:
                   BCELoss()(ops.sigmoid(z), smooth(y)), y, z),
    ]


def _torch_bce(y, p, from_logits):
    return (BCEWithLogitsLoss() if from_logits else BCELoss())(p, Tensor(y))


#: The example of the TensorFlow/Keras BCE walkthrough.
BCE_EXAMPLE = ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])

declare(keras=(binary_crossentropy, BinaryCrossentropy), torch=(binary_cross_entropy, BCELoss),
        explain=dict(short="bce", aliases=(), options=(LABEL_SMOOTHING,), example=BCE_EXAMPLE,
                     logits=True, torch=_torch_bce, build=explain_bce),
        gallery=("binary cross-entropy (Keras 3)",
                 lambda y, q: formulas.binary_crossentropy(y, q, clip=kb.epsilon())))
declare(torch=(binary_cross_entropy_with_logits, BCEWithLogitsLoss))


# ------------------------------------------------------------ hinge losses

def _hinge_labels(y_true):
    """Keras's convention: labels that are all 0 or 1 become -1 or 1; any
    other labels are used as they are (expected: -1 or 1)."""
    d = y_true.data
    binary = np.all(np.logical_or(d == 0, d == 1))    # numpy, not a Python branch: mg.compile
    return ops.where(binary, 2.0 * y_true - 1.0, y_true)   # replays it for new labels


def _hinge(y_true, y_pred, squared):
    y_true, y_pred = kb.prepare(y_true, y_pred)
    return kb.mean_over(formulas.hinge(_hinge_labels(y_true), y_pred, squared), -1)


def hinge(y_true, y_pred):
    """Mean over the last axis of ``max(1 - y_true y_pred, 0)``, for labels
    -1 or 1 and raw scores y_pred; labels that are all 0 or 1 are turned
    into -1 or 1 first, as Keras does.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.hinge([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    tensor([1.1, 1.5])
    """
    return _hinge(y_true, y_pred, squared=False)


class Hinge(kb.Loss):
    """Hinge loss (see :func:`hinge`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.Hinge()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    tensor(1.3)
    """

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return hinge(y_true, y_pred)


def _signed(y):
    """Keras's labels for the hinge losses, as numpy: all 0 or 1 become -1 or 1."""
    y = np.asarray(y, dtype=np.float64)
    return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y


def _hinge_explained(squared):
    """The :class:`Elementwise` explanation of the hinge loss (or squared)."""
    power = "^2" if squared else ""

    def formula(y, p):
        return formulas.hinge(Tensor(_signed(y.numpy())), p, squared)

    return Elementwise(
        title=f"{'Squared hinge' if squared else 'Hinge'} loss of scores, labels -1 or 1 "
        f"(Keras: {'squared_hinge' if squared else 'hinge'}; labels 0/1 become -1/1)",
        rule=f"max(1 - y p, 0){power}",
        grad_formula=("-2 y_i max(1 - y_i p_i, 0) / N" if squared else
                      "-y_i / N where y_i p_i < 1, else 0"),
        formula=formula, keras=SquaredHinge if squared else Hinge,
        columns=(("y as -1/1", lambda y, p: _signed(y)),
                 ("1 - y p", lambda y, p: 1.0 - _signed(y) * p)))


declare(keras=(hinge, Hinge),
        explain=dict(short="hinge", aliases=(), example=BCE_EXAMPLE, logits=False, torch=None,
                     build=_hinge_explained(squared=False)))


def squared_hinge(y_true, y_pred):
    """Mean over the last axis of ``max(1 - y_true y_pred, 0)**2`` (labels
    as for :func:`hinge`).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.squared_hinge([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    tensor([1.46, 2.26])
    """
    return _hinge(y_true, y_pred, squared=True)


class SquaredHinge(kb.Loss):
    """Squared hinge loss (see :func:`squared_hinge`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.SquaredHinge()([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])
    tensor(1.86)
    """

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return squared_hinge(y_true, y_pred)


declare(keras=(squared_hinge, SquaredHinge),
        explain=dict(short="squared_hinge", aliases=(), example=BCE_EXAMPLE, logits=False,
                     torch=None, build=_hinge_explained(squared=True)))


def soft_margin_loss(input, target, reduction="mean"):
    """Soft margin loss, PyTorch's ``SoftMarginLoss``: ``log(1 + exp(-y x))``
    for targets ``y`` of -1 or 1 and scores ``x``.

    Computed as ``softplus(-y x)``: finite for any finite input, where
    PyTorch's ``log1p(exp(-y x))`` overflows to inf (and its gradient to NaN)
    once ``-y x`` passes about 88 in float32 or 710 in float64.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.soft_margin_loss(mg.tensor([0.0, 2.0]), mg.tensor([1.0, -1.0]))
    tensor(1.4100376)
    """
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    input, target = tb.pair(input, target)
    return tb.reduce(formulas.soft_margin(target, input), reduction)


class SoftMarginLoss(tb._Loss):
    """Soft margin (logistic) loss of scores for targets -1 or 1.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.SoftMarginLoss(reduction="sum")(mg.tensor([0.0, 2.0]), mg.tensor([1.0, -1.0]))
    tensor(2.8200753)
    """

    def __init__(self, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return soft_margin_loss(input, target, self.reduction)


declare(torch=(soft_margin_loss, SoftMarginLoss))
