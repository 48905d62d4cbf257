"""Keras-flavoured losses: ``y_true, y_pred``, Keras 3 numbers.

A thin face over :mod:`minigrad.formulas`.  Functions return one value per
sample (the mean over ``axis``, as Keras does); the :class:`Loss` classes add
``sample_weight`` and a reduction.  Probabilities are clipped to
``[epsilon, 1 - epsilon]`` (see :func:`epsilon`).

Where minigrad differs from Keras on purpose: it raises a ``ValueError`` for
probabilities outside [0, 1] (Keras silently clips them, usually logits
passed by mistake) and for arguments whose shapes differ by more than a
trailing size-1 axis; and the loss is computed in ``y_pred``'s float dtype
(Keras 3 casts to float32 unless told otherwise: pass ``dtype="float32"``).

Examples
--------
>>> import minigrad as mg
>>> bce = mg.losses.BinaryCrossentropy()
>>> bce([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])
tensor(0.32402205)
"""
from __future__ import annotations

import re

import numpy as np

from . import _checks as checks
from . import formulas as F
from . import ops
from .tensor import Tensor

__all__ = [
    "epsilon", "set_epsilon", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "binary_focal_crossentropy", "mean_squared_error",
    "mean_absolute_error", "huber", "kl_divergence", "Loss", "LossFunctionWrapper",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "BinaryFocalCrossentropy", "MeanSquaredError", "MeanAbsoluteError", "Huber",
    "KLDivergence", "REDUCTIONS",
]

_EPSILON = [1e-7]

REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none")
_PROB_HINT = "pass from_logits=True if these are logits"
_ORDER = "mg.losses takes (y_true, y_pred): the labels first, the predicted probabilities second"


def epsilon():
    """The clip epsilon of the probability losses (Keras's backend epsilon).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.epsilon()
    1e-07
    """
    return _EPSILON[0]


def set_epsilon(value):
    """Set the clip epsilon (default 1e-7).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.set_epsilon(1e-5); mg.losses.epsilon()
    1e-05
    >>> mg.losses.set_epsilon(1e-7)
    """
    value = float(value)
    if not 0.0 <= value < 0.5:
        raise ValueError(f"epsilon must be in [0, 0.5), got {value}")
    _EPSILON[0] = value


# --------------------------------------------------------------- helpers

def _prepare(y_true, y_pred):
    """Tensors of y_pred's float dtype, with Keras's trailing-axis rule; any
    other shape difference raises."""
    y_pred = checks.float_tensor(y_pred, "y_pred")
    y_true = checks.float_tensor(y_true, "y_true", dtype=y_pred.dtype)
    y_true, y_pred = checks.squeeze_or_expand(y_true, y_pred)
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    return y_true, y_pred


def _mean(x, axis):
    return x if x.ndim == 0 else ops.mean(x, axis=axis)


def _smooth_binary(y_true, label_smoothing):
    ls = checks.label_smoothing(label_smoothing)
    return y_true * (1.0 - ls) + 0.5 * ls if ls else y_true


# -------------------------------------------------------------- functions

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
    y_true, y_pred = _prepare(y_true, y_pred)
    checks.unit_interval_targets(y_true, "y_true")
    if not from_logits:
        _binary_probabilities(y_pred, y_true)
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        per = F.binary_crossentropy_logits(y_true, y_pred)
    else:
        per = F.binary_crossentropy(y_true, y_pred, clip=epsilon())
    return _mean(per, axis)


def _binary_probabilities(y_pred, y_true):
    checks.probabilities(y_pred, "y_pred", _PROB_HINT)
    checks.argument_order(y_pred, y_true, "y_pred", "y_true", _ORDER)


def _class_probabilities(y_pred, axis, y_true=None):
    checks.probabilities(y_pred, "y_pred", _PROB_HINT)
    if y_pred.ndim and (np.sum(y_pred.data, axis=axis) <= 0).any():
        raise ValueError("a row of y_pred sums to 0, so it cannot be normalised into "
                         "probabilities; pass from_logits=True if these are logits")
    if y_true is not None:
        checks.argument_order(y_pred, y_true, "y_pred", "y_true", _ORDER)


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
    y_true, y_pred = _prepare(y_true, y_pred)
    ls = checks.label_smoothing(label_smoothing)
    if not from_logits:
        _class_probabilities(y_pred, axis, y_true)
    if ls:
        y_true = y_true * (1.0 - ls) + ls / y_true.shape[-1]
    if from_logits:
        return F.categorical_crossentropy_logits(y_true, y_pred, axis=axis)
    return F.categorical_crossentropy(y_true, y_pred, axis=axis, clip=epsilon(), renormalize=True)


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
    onehot = F.one_hot(labels, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    if valid is not None:
        keep = np.expand_dims(valid, axis)
        onehot = onehot * keep
        # ignored samples' predictions may be anything: make them harmless
        y_pred = ops.where(keep, y_pred, 0.0 if from_logits else 1.0)
    if from_logits:
        return F.categorical_crossentropy_logits(onehot, y_pred, axis=axis)
    _class_probabilities(y_pred, axis)
    return F.categorical_crossentropy(onehot, y_pred, axis=axis, clip=epsilon(), renormalize=True)


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
    y_true, y_pred = _prepare(y_true, y_pred)
    checks.unit_interval_targets(y_true, "y_true")
    if not from_logits:
        _binary_probabilities(y_pred, y_true)
    y_true = _smooth_binary(y_true, label_smoothing)
    p = ops.sigmoid(y_pred) if from_logits else y_pred
    per = F.focal_factor(y_true, p, gamma) * F.binary_crossentropy(y_true, p, clip=epsilon())
    if apply_class_balancing:
        per = F.class_balance(y_true, alpha) * per
    return _mean(per, axis)


def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of ``(y_true - y_pred)**2``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])
    tensor([0.5])
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mean(F.squared_error(y_true, y_pred), -1)


def mean_absolute_error(y_true, y_pred):
    """Mean over the last axis of ``|y_true - y_pred|``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 0.5]])
    tensor([0.75])
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mean(F.absolute_error(y_true, y_pred), -1)


def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of the Huber loss: ``0.5 e**2`` for
    ``|e| <= delta``, else ``delta |e| - 0.5 delta**2`` (``e = y_pred - y_true``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.huber([[0.0, 0.0]], [[0.5, 3.0]])
    tensor([1.3125])
    """
    delta = checks.positive_number(delta, "delta")
    y_true, y_pred = _prepare(y_true, y_pred)
    return _mean(F.huber(y_true, y_pred, delta), -1)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence over the last axis, ``sum(y log(y / p))``,
    with both clipped to ``[eps, 1]``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.kl_divergence([[0.5, 0.5]], [[0.25, 0.75]])
    tensor([0.14384106])
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = epsilon()
    p = ops.clip(y_true, eps, 1.0)
    q = ops.clip(y_pred, eps, 1.0)
    per = F.kl_divergence(p, q=q)
    return per if per.ndim == 0 else ops.sum(per, axis=-1)


# ---------------------------------------------------------------- classes

def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _sample_weight(values, sample_weight):
    """Weights lined up with ``values``: Keras's trailing-axis rule, then a
    scalar, the same shape, or the leading axes of values (one weight per
    sample, repeated over the rest)."""
    sw = checks.float_tensor(sample_weight, "sample_weight", dtype=values.dtype)
    values, sw = checks.squeeze_or_expand(values, sw)
    if sw.ndim == 0 or sw.shape == values.shape:
        return values, sw
    if sw.ndim < values.ndim and values.shape[:sw.ndim] == sw.shape:
        return values, sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
    raise ValueError(
        f"sample_weight has shape {sw.shape} but the losses have shape {values.shape}: "
        "give one weight per sample (or a scalar)"
    )


def reduce_weighted(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Keras's reduction of per-sample losses.

    ``"sum_over_batch_size"`` (``"mean"``) divides the weighted sum by the
    number of elements (zero-weight samples still count),
    ``"mean_with_sample_weight"`` by the sum of the weights, ``"sum"`` does
    not divide, ``"none"`` returns the weighted values.  A ``mask`` (from
    ``ignore_class``) leaves samples out: the means divide by the number of
    samples that count (0 if none do).  Every reduction is differentiable
    with respect to ``sample_weight`` (a mean over weights summing to 0 is
    0, with gradient 0, as Keras's ``divide_no_nan``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.losses import reduce_weighted
    >>> reduce_weighted(mg.tensor([1.0, 3.0]), [1.0, 0.0])
    tensor(0.5)
    >>> reduce_weighted(mg.tensor([1.0, 3.0]), [1.0, 0.0], "mean_with_sample_weight")
    tensor(1.)
    """
    reduction = checks.reduction(reduction, REDUCTIONS)
    sw = None
    if sample_weight is not None:
        values, sw = _sample_weight(values, sample_weight)
        values = values * sw
    if mask is not None:
        m = mask.astype(values.dtype).reshape(values.shape)
        values = values * m
        weights = m if sw is None else ops.broadcast_to(sw, values.shape) * m
    else:
        weights = sw
    if reduction == "none" or values.ndim == 0:
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    divisor = _divisor(values, weights, reduction, mask)
    return total * 0.0 if float(divisor) == 0 else total / divisor


def _divisor(values, weights, reduction, mask):
    """What a mean divides by: the sum of the weights for
    ``"mean_with_sample_weight"``, a Tensor (so that the gradient reaches
    the weights through it, as in Keras), else a count."""
    if reduction == "mean_with_sample_weight" and weights is not None:
        return ops.sum(weights)
    if mask is not None:
        return float(np.sum(mask))
    return values.size


class Loss:
    """Base class of the Keras-flavoured losses.

    Subclass it and override ``call(y_true, y_pred)`` (returning per-sample
    losses, or a scalar) for a custom loss; calling the instance converts
    the arguments to tensors, calls ``call``, weights by ``sample_weight``
    and reduces.

    Parameters
    ----------
    reduction : str or None
        ``"sum_over_batch_size"`` (alias ``"mean"``), ``"sum"``,
        ``"mean_with_sample_weight"`` or ``"none"`` / ``None``.
    name : str, optional
    dtype : dtype-like, optional
        Compute in this dtype, float32 or float64 (default: y_pred's float
        dtype); any other raises ``TypeError``.

    Examples
    --------
    >>> import minigrad as mg
    >>> class CustomMAELoss(mg.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return mg.mean(mg.abs(y_true - y_pred))
    >>> CustomMAELoss()([[1, 0], [0, 1]], [[0.8, 0.1], [0.3, 0.7]])
    tensor(0.22500001)
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        self.reduction = checks.reduction(reduction, REDUCTIONS)
        self.name = name or _snake(type(self).__name__)
        self.dtype = None if dtype is None else checks.float_dtype(dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError("a Loss subclass must define call(y_true, y_pred)")

    def _mask(self, y_true, y_pred):
        """Which samples count (None: all); SparseCategoricalCrossentropy's ignore_class."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = checks.float_tensor(y_pred, "y_pred", dtype=self.dtype)
        if not (isinstance(y_true, Tensor) and y_true.dtype.kind in "iub"):
            y_true = checks.float_tensor(y_true, "y_true", dtype=y_pred.dtype)
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, Tensor):
            losses = Tensor(losses, dtype=y_pred.dtype)
        return reduce_weighted(losses, sample_weight, self.reduction, self._mask(y_true, y_pred))

    def get_config(self):
        """The constructor arguments, as Keras returns them."""
        return {"name": self.name, "reduction": self.reduction}

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r}, name={self.name!r})"


class LossFunctionWrapper(Loss):
    """A Loss whose ``call`` is ``fn(y_true, y_pred, **kwargs)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mse = mg.losses.LossFunctionWrapper(mg.losses.mean_squared_error)
    >>> mse([[0.0, 1.0]], [[1.0, 1.0]])
    tensor(0.5)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction=reduction, name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def _wrapper(fn, doc):
    """A LossFunctionWrapper subclass for ``fn`` taking fn's keywords."""
    import inspect

    params = [p for p in inspect.signature(fn).parameters.values()
              if p.name not in ("y_true", "y_pred")]
    defaults = {p.name: p.default for p in params}

    def __init__(self, *args, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if len(args) > len(params):
            raise TypeError(f"{type(self).__name__} takes at most {len(params)} positional arguments")
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword(s) {sorted(unknown)}; "
                            f"valid: {sorted(defaults)}")
        values = dict(defaults)
        values.update(zip([p.name for p in params], args))
        values.update(kwargs)
        if "label_smoothing" in values:
            checks.label_smoothing(values["label_smoothing"])
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name or fn.__name__,
                                     dtype=dtype, **values)

    return __init__, doc


def _make_class(name, fn, doc):
    init, doc = _wrapper(fn, doc)
    return type(name, (LossFunctionWrapper,), {"__init__": init, "__doc__": doc,
                                               "__module__": __name__})


BinaryCrossentropy = _make_class("BinaryCrossentropy", binary_crossentropy, """
    Binary cross-entropy (see :func:`binary_crossentropy`), reduced.

    ``BinaryCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1,
    reduction="sum_over_batch_size", name=None, dtype=None)``

    Examples
    --------
    >>> import minigrad as mg
    >>> bce = mg.losses.BinaryCrossentropy()
    >>> bce([1, 0, 1, 0], [0.2, 0.1, 0.9, 0.05])
    tensor(0.46786305)
    """)

CategoricalCrossentropy = _make_class("CategoricalCrossentropy", categorical_crossentropy, """
    Categorical cross-entropy (see :func:`categorical_crossentropy`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> cce = mg.losses.CategoricalCrossentropy(reduction=None)
    >>> cce([[1, 0], [0, 1]], [[0.8, 0.2], [0.5, 0.5]])
    tensor([0.22314353, 0.6931472 ])
    """)

BinaryFocalCrossentropy = _make_class("BinaryFocalCrossentropy", binary_focal_crossentropy, """
    Focal binary cross-entropy (see :func:`binary_focal_crossentropy`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> loss = mg.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.25)
    >>> float(loss([0, 1], [0.3, 0.6])) > 0
    True
    """)

MeanSquaredError = _make_class("MeanSquaredError", mean_squared_error, """
    Mean squared error, reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.MeanSquaredError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    tensor(0.5)
    """)

MeanAbsoluteError = _make_class("MeanAbsoluteError", mean_absolute_error, """
    Mean absolute error, reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 0.5]])
    tensor(0.75)
    """)

Huber = _make_class("Huber", huber, """
    Huber loss (see :func:`huber`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]])
    tensor(1.3125)
    """)

KLDivergence = _make_class("KLDivergence", kl_divergence, """
    Kullback-Leibler divergence (see :func:`kl_divergence`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.KLDivergence()([[0.5, 0.5]], [[0.25, 0.75]])
    tensor(0.14384106)
    """)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy for integer labels, reduced; samples whose
    label is ``ignore_class`` are left out of the mean.

    ``SparseCategoricalCrossentropy(from_logits=False, ignore_class=None,
    axis=-1, reduction="sum_over_batch_size", name=None, dtype=None)``

    Examples
    --------
    >>> import minigrad as mg
    >>> scce = mg.losses.SparseCategoricalCrossentropy(ignore_class=-1)
    >>> scce([0, -1], [[0.8, 0.2], [0.1, 0.9]])
    tensor(0.22314353)
    """

    def __init__(self, from_logits=False, ignore_class=None, axis=-1,
                 reduction="sum_over_batch_size", name=None, dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction,
                         name=name or "sparse_categorical_crossentropy", dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def _mask(self, y_true, y_pred):
        ignore = self._fn_kwargs["ignore_class"]
        if ignore is None:
            return None
        return _sparse_labels(y_true, y_pred, self._fn_kwargs["axis"], ignore)[1]
