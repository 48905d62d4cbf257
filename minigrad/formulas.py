"""The loss formulas, written once with minigrad ops.

Both loss families are thin faces over these: :mod:`minigrad.losses`
(Keras 3 conventions, ``y_true, y_pred``) and :mod:`minigrad.nn`
(PyTorch conventions, ``input, target``).  Where the frameworks differ, the
difference is a parameter here (Keras's epsilon clip or PyTorch's -100 clamp
of the log, ``log(1 - p)`` or ``log1p(-p)``, tf.keras 2.x's epsilon inside the
log), not a second copy of the formula.  Nothing here has gradient code of
its own: every gradient comes from the ops.

Every function returns the loss per element (or per sample, where it sums
over a class axis); reductions are the faces' business.
"""
from __future__ import annotations

import math

import numpy as np

from .tracing import every, kept_array
from . import ops
from .tensor import Tensor


def clamped_log(x, floor=None, one_minus=False):
    """``log(x)`` (or ``log(1 - x)`` with ``one_minus``), floored at ``floor``.

    ``floor=None`` is the plain log.  With a floor (PyTorch's -100), the value
    is ``max(log(x), floor)`` and its gradient is the derivative of exactly
    that: ``1/x`` where the log is above the floor and 0 where the floor is
    active, so ``x = 0`` gives ``floor`` and a zero gradient, never inf or
    NaN.  ``one_minus`` uses ``log1p(-x)``, as PyTorch does.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import clamped_log
    >>> clamped_log(mg.tensor([0.0, 1.0]), floor=-100.0)
    tensor([-100.,    0.])
    >>> clamped_log(mg.tensor([0.5, 1.0]), floor=-100.0, one_minus=True)
    tensor([  -0.6931472, -100.       ])
    """
    if floor is None:
        return ops.log1p(-x) if one_minus else ops.log(x)
    d = x.data
    ok = d < 1 if one_minus else d > 0
    if every(ok):
        inner = ops.log1p(-x) if one_minus else ops.log(x)
    else:
        safe = ops.where(ok, x, 0.0 if one_minus else 1.0)
        inner = ops.where(ok, ops.log1p(-safe) if one_minus else ops.log(safe), floor)
    return ops.maximum(inner, floor)


# ------------------------------------------------------------------ binary

def binary_crossentropy_terms(y, p, clip=None, log_eps=0.0, log_floor=None, log1p=False):
    """The two terms of binary cross-entropy, ``y log p`` and ``(1 - y) log(1 - p)``,
    under a framework's convention (see :func:`binary_crossentropy`).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import binary_crossentropy_terms
    >>> pos, neg = binary_crossentropy_terms(mg.tensor([1.0, 0.0]), mg.tensor([0.5, 0.5]))
    >>> pos, neg
    (tensor([-0.6931472, -0.       ]), tensor([-0.       , -0.6931472]))
    """
    if clip is not None:
        p = ops.clip(p, clip, 1.0 - clip)
    if log_eps:
        log_p = ops.log(p + log_eps)
        log_q = ops.log(1.0 - p + log_eps)
    else:
        log_p = clamped_log(p, log_floor)
        log_q = clamped_log(p, log_floor, one_minus=True) if log1p else clamped_log(
            1.0 - p, log_floor)
    return y * log_p, (1.0 - y) * log_q


def binary_crossentropy(y, p, clip=None, log_eps=0.0, log_floor=None, log1p=False):
    """Per-element binary cross-entropy of probabilities ``p`` for targets ``y``.

    ``-[y log p + (1 - y) log(1 - p)]``, under a framework's convention:

    ===========  ===========================================================
    Keras 3      ``clip=eps``: p is clipped to [eps, 1 - eps] first
    tf.keras 2   ``clip=eps, log_eps=eps``: and eps is added inside each log
    PyTorch      ``log_floor=-100, log1p=True``: each log is clamped at -100;
                 ``log(1 - p)`` is computed as ``log1p(-p)``
    ===========  ===========================================================

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import binary_crossentropy
    >>> y = mg.tensor([0.0, 1.0, 0.0, 0.0], dtype="float64")
    >>> p = mg.tensor([0.1, 0.95, 0.2, 0.6], dtype="float64")
    >>> binary_crossentropy(y, p, clip=1e-7).mean().item()
    0.3240220233084354
    """
    pos, neg = binary_crossentropy_terms(y, p, clip, log_eps, log_floor, log1p)
    return -(pos + neg)


def binary_crossentropy_logits_terms(y, z, pos_weight=None):
    """The two terms of BCE from logits, as PyTorch writes it:
    ``(1 - y) z`` and ``[1 + (pw - 1) y] log sigmoid(z)``; the loss is the
    first minus the second.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import binary_crossentropy_logits_terms
    >>> binary_crossentropy_logits_terms(mg.tensor([1.0, 0.0]), mg.tensor([0.0, 2.0]))
    (tensor([0., 2.]), tensor([-0.6931472, -0.126928 ]))
    """
    linear = (1.0 - y) * z
    log_p = ops.log_sigmoid(z)
    if pos_weight is not None:
        log_p = (1.0 + (pos_weight - 1.0) * y) * log_p
    return linear, log_p


def binary_crossentropy_logits(y, z, pos_weight=None):
    """Per-element binary cross-entropy of logits ``z`` (``p = sigmoid(z)``).

    ``(1 - y) z - [1 + (pw - 1) y] log sigmoid(z)``: PyTorch's formula, and
    the same function as Keras's ``max(z, 0) - z y + log(1 + exp(-|z|))``.
    One log_sigmoid, so it costs about what a hand-written version does;
    finite and warning-free for any finite z, with gradient
    ``sigmoid(z) - y`` (``pos_weight`` pw weighs the positive class, as in
    PyTorch).  A loss near 0 (a confident right answer) carries an absolute
    rounding error of about ``ulp(|z|)``, as in PyTorch.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import binary_crossentropy_logits
    >>> z = mg.tensor([-1e4, 0.0, 1e4], requires_grad=True)
    >>> loss = binary_crossentropy_logits(mg.tensor([1.0, 1.0, 1.0]), z)
    >>> loss
    tensor([1.000000e+04, 6.931472e-01, 0.000000e+00], grad_fn=<SubBackward>)
    >>> loss.sum().backward(); z.grad
    tensor([-1. , -0.5,  0. ])
    """
    linear, log_p = binary_crossentropy_logits_terms(y, z, pos_weight)
    return linear - log_p


def hinge(y, p, squared=False):
    """The hinge loss of labels ``y`` in {-1, 1} and scores ``p``:
    ``max(1 - y p, 0)``, squared with ``squared``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import hinge
    >>> hinge(mg.tensor([1.0, -1.0, 1.0]), mg.tensor([0.3, 0.5, 2.0]))
    tensor([0.7, 1.5, 0. ])
    >>> hinge(mg.tensor([1.0, -1.0]), mg.tensor([0.3, 0.5]), squared=True)
    tensor([0.48999998, 2.25      ])
    """
    margin = ops.maximum(1.0 - y * p, 0.0)
    return margin * margin if squared else margin


def soft_margin(y, x):
    """The logistic loss of labels ``y`` in {-1, 1} and scores ``x``:
    ``log(1 + exp(-y x))``, as ``softplus(-y x)`` (finite for any finite
    ``y x``; gradient ``-y sigmoid(-y x)``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import soft_margin
    >>> soft_margin(mg.tensor([1.0, -1.0, 1.0]), mg.tensor([0.0, 2.0, -1e4]))
    tensor([6.931472e-01, 2.126928e+00, 1.000000e+04])
    """
    return ops.softplus(-(y * x))


def focal_factor(y, p, gamma):
    """``(1 - p_t) ** gamma`` with ``p_t = y p + (1 - y)(1 - p)``, the focal
    loss's down-weighting of well-classified examples.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import focal_factor
    >>> focal_factor(mg.tensor([1.0, 0.0]), mg.tensor([0.9, 0.9]), 2.0)
    tensor([0.01      , 0.80999994])
    """
    p_t = y * p + (1.0 - y) * (1.0 - p)
    return (1.0 - p_t) ** gamma


def class_balance(y, alpha):
    """``alpha y + (1 - alpha)(1 - y)``: the focal loss's class weight.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import class_balance
    >>> class_balance(mg.tensor([1.0, 0.0]), 0.25)
    tensor([0.25, 0.75])
    """
    return alpha * y + (1.0 - alpha) * (1.0 - y)


# ------------------------------------------------------------- categorical

def categorical_crossentropy(y, p, axis=-1, clip=None, renormalize=False):
    """Per-sample ``-sum(y log p)`` over ``axis`` for probabilities ``p``.

    Keras first rescales p to sum to 1 along the axis (``renormalize``) and
    clips it (``clip=eps``); its gradient includes the renormalisation.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import categorical_crossentropy
    >>> y = mg.tensor([[1.0, 0.0], [0.0, 1.0]], dtype="float64")
    >>> p = mg.tensor([[0.8, 0.2], [0.5, 0.5]], dtype="float64")
    >>> categorical_crossentropy(y, p, clip=1e-7, renormalize=True)
    tensor([0.22314355, 0.69314718], dtype=float64)
    """
    if renormalize:
        p = p / ops.sum(p, axis=axis, keepdims=True)
    if clip is not None:
        p = ops.clip(p, clip, 1.0 - clip)
    return -ops.sum(y * ops.log(p), axis=axis)


def categorical_crossentropy_logits(y, z, axis=-1, class_weight=None):
    """Per-sample ``-sum(y log_softmax(z))`` over ``axis`` for logits ``z``
    (times ``class_weight`` per class, as PyTorch's ``weight``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import categorical_crossentropy_logits
    >>> categorical_crossentropy_logits(mg.tensor([[0.0, 1.0]]), mg.tensor([[0.0, 0.0]]))
    tensor([0.6931472])
    """
    terms = y * ops.log_softmax(z, axis=axis)
    if class_weight is not None:
        terms = terms * class_weight
    return -ops.sum(terms, axis=axis)


def one_hot(labels, num_classes, axis=-1, dtype=np.float32):
    """A one-hot numpy array with the class axis at ``axis``; rows whose
    label is outside ``[0, num_classes)`` are all zero.

    Examples
    --------
    >>> from minigrad.formulas import one_hot
    >>> one_hot(np.array([2, 0, -1]), 3)
    array([[0., 0., 1.],
           [1., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    labels = kept_array(labels)
    out = np.equal(np.expand_dims(labels, -1), np.arange(num_classes)).astype(dtype)
    return np.moveaxis(out, -1, axis)


def pick(x, labels, axis):
    """``x`` at each sample's label along ``axis`` (0 where the label is out
    of range): the gather of NLL.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import pick
    >>> pick(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), np.array([1, -1]), axis=1)
    tensor([2., 0.])
    """
    from .ops.shape import take_one

    labels = kept_array(labels)
    ok = (labels >= 0) & (labels < x.shape[axis])
    picked = take_one(x, np.where(ok, labels, 0), axis)
    return picked if every(ok) else picked * ok


# -------------------------------------------------------------- regression

def squared_error(y, p):
    """``(y - p) ** 2`` elementwise.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import squared_error
    >>> squared_error(mg.tensor([1.0, 2.0]), mg.tensor([1.5, 0.0]))
    tensor([0.25, 4.  ])
    """
    d = y - p
    return d * d


def absolute_error(y, p):
    """``|y - p|`` elementwise.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import absolute_error
    >>> absolute_error(mg.tensor([1.0, 2.0]), mg.tensor([1.5, 0.0]))
    tensor([0.5, 2. ])
    """
    return ops.abs(y - p)


def huber(y, p, delta=1.0):
    """``0.5 e**2`` where ``|e| <= delta``, else ``delta (|e| - 0.5 delta)``,
    with ``e = p - y``.  At ``|e| = delta`` both branches agree in value and
    slope, so Keras's ``<=`` and PyTorch's ``<`` give the same numbers.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import huber
    >>> huber(mg.tensor([0.0, 0.0]), mg.tensor([0.5, 3.0]))
    tensor([0.125, 2.5  ])
    """
    e = p - y
    a = ops.abs(e)
    return ops.where(a.data <= delta, 0.5 * e * e, delta * (a - 0.5 * delta))


def log_cosh(y, p):
    """``log(cosh(e))`` with ``e = p - y``, computed as Keras does, stably:
    ``e + softplus(-2 e) - log 2`` (finite for any finite e; gradient
    ``tanh(e)``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import log_cosh
    >>> log_cosh(mg.tensor([0.0, 0.0]), mg.tensor([1.0, -1e4]))
    tensor([4.337808e-01, 9.999307e+03])
    """
    e = p - y
    return e + ops.softplus(-2.0 * e) - math.log(2.0)


def smooth_l1(y, p, beta=1.0):
    """PyTorch's smooth L1: ``0.5 e**2 / beta`` where ``|e| < beta``, else
    ``|e| - 0.5 beta`` (``e = p - y``): the Huber loss with ``delta = beta``,
    divided by beta, and ``|e|`` itself for ``beta = 0``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import smooth_l1
    >>> smooth_l1(mg.tensor([0.0, 0.0]), mg.tensor([0.5, 3.0]), beta=2.0)
    tensor([0.0625, 2.    ])
    """
    return absolute_error(y, p) if beta == 0 else huber(y, p, beta) / beta


def cosine_similarity(a, b, axis=-1, eps=1e-7):
    """Per-sample cosine of the angle between ``a`` and ``b`` along ``axis``:
    ``sum(a_hat b_hat)``, each scaled to unit length as Keras's
    ``normalize`` does, ``x * min(1 / ||x||, 1 / eps)`` (so a vector shorter
    than ``eps``, or 0, is scaled by ``1 / eps``; the cosine of a zero
    vector is 0).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import cosine_similarity
    >>> cosine_similarity(mg.tensor([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]]),
    ...                   mg.tensor([[1.0, 0.0], [2.0, 2.0], [1.0, 0.0]]))
    tensor([0.        , 0.99999994, 0.        ])
    """
    def unit(x):
        squares = ops.sum(x * x, axis=axis, keepdims=True)
        return x / ops.sqrt(ops.maximum(squares, eps * eps))

    return ops.sum(unit(a) * unit(b), axis=axis)


def xlogy(x, y):
    """``x log y``, 0 where ``x == 0`` (whatever y is).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import xlogy
    >>> xlogy(mg.tensor([0.0, 2.0]), mg.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    zero = x.data == 0 if isinstance(x, Tensor) else np.asarray(x) == 0
    if every(~zero):
        return x * ops.log(y)
    safe = ops.where(zero, 1.0, y)
    return ops.where(zero, 0.0, x * ops.log(safe))


def kl_divergence(p, log_q=None, q=None, log_p=None):
    """Per-element ``p (log p - log q)``, 0 where ``p == 0``.

    Give ``log_q`` (PyTorch's input) or ``q`` (Keras's y_pred, already
    clipped); give ``log_p`` instead of p for PyTorch's ``log_target``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import kl_divergence
    >>> p = mg.tensor([0.5, 0.5], dtype="float64")
    >>> kl_divergence(p, q=mg.tensor([0.25, 0.75], dtype="float64")).sum().item()
    0.14384103622589042
    """
    if log_p is not None:
        return ops.exp(log_p) * (log_p - log_q)
    if q is not None:
        return p * ops.log(p / q)
    return xlogy(p, p) - p * log_q


# ------------------------------------------------------------------ counts

def poisson_nll(y, x, log_input=True, eps=1e-8, full=False):
    """Per-element Poisson negative log-likelihood of counts ``y`` at rate
    ``x`` (without the constant ``log(y!)``).

    ``exp(x) - y x`` when ``x`` is the log of the rate (``log_input``, PyTorch's
    default), else ``x - y log(x + eps)``: PyTorch with ``eps=1e-8``, Keras's
    ``poisson`` with its clip epsilon 1e-7.  ``full`` adds the Stirling
    approximation of ``log(y!)``, ``y log y - y + log(2 pi y) / 2``, where
    ``y > 1`` (PyTorch's ``full=True``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import poisson_nll
    >>> y = mg.tensor([0.0, 2.0], dtype="float64")
    >>> poisson_nll(y, mg.tensor([0.0, 1.0], dtype="float64"))
    tensor([1.        , 0.71828183], dtype=float64)
    >>> poisson_nll(y, mg.tensor([1.0, 2.0], dtype="float64"), log_input=False, eps=0.0)
    tensor([1.        , 0.61370564], dtype=float64)
    """
    loss = ops.exp(x) - y * x if log_input else x - y * ops.log(x + eps)
    return loss + stirling(y) if full else loss


def stirling(y):
    """``y log y - y + log(2 pi y) / 2`` (Stirling's approximation of
    ``log(y!)``) where ``y > 1``, 0 elsewhere, as PyTorch's
    ``PoissonNLLLoss(full=True)`` adds it.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.formulas import stirling
    >>> stirling(mg.tensor([1.0, 10.0], dtype="float64"))
    tensor([ 0.        , 15.09608201], dtype=float64)
    """
    over = y.data > 1
    if every(~over):
        return y * 0.0
    safe = ops.where(over, y, 2.0)          # no log of 0 or a negative count where it is 0
    term = safe * ops.log(safe) - safe + 0.5 * ops.log((2 * math.pi) * safe)
    return ops.where(over, term, 0.0)
