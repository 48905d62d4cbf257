"""What every Keras-flavoured loss shares: the clip epsilon, the argument
preparation, the :class:`Loss` base class (``sample_weight`` and the
reductions) and :class:`LossFunctionWrapper`.

The losses themselves are declared in the family modules of
:mod:`minigrad.lossdefs`; :mod:`minigrad.losses` is the face users import.
"""
from __future__ import annotations

import inspect
import re

import numpy as np

from .. import _checks as checks
from .. import ops
from .. import tracing
from ..tensor import Tensor

_EPSILON = [1e-7]

REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none")
PROB_HINT = "pass from_logits=True if these are logits"
ORDER = "mg.losses takes (y_true, y_pred): the labels first, the predicted probabilities second"


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

def prepare(y_true, y_pred):
    """Tensors of y_pred's float dtype, with Keras's trailing-axis rule; any
    other shape difference raises."""
    y_pred = checks.float_tensor(y_pred, "y_pred")
    y_true = checks.float_tensor(y_true, "y_true", dtype=y_pred.dtype)
    y_true, y_pred = checks.squeeze_or_expand(y_true, y_pred)
    checks.same_shape(y_pred, y_true, "y_pred", "y_true")
    return y_true, y_pred


def mean_over(x, axis=-1):
    """The mean over ``axis``: one value per sample (a scalar stays one)."""
    return x if x.ndim == 0 else ops.mean(x, axis=axis)


def smooth_binary(y_true, label_smoothing):
    """Binary label smoothing: ``y (1 - ls) + 0.5 ls``."""
    ls = checks.label_smoothing(label_smoothing)
    return y_true * (1.0 - ls) + 0.5 * ls if ls else y_true


def binary_inputs(y_true, y_pred, from_logits, label_smoothing):
    """The targets (in [0, 1], smoothed) and predictions of a binary loss as
    tensors; probabilities outside [0, 1] are refused, and arguments that look
    swapped warned about."""
    y_true, y_pred = prepare(y_true, y_pred)
    checks.unit_interval_targets(y_true, "y_true")
    if not from_logits:
        checks.probabilities(y_pred, "y_pred", PROB_HINT)
        checks.argument_order(y_pred, y_true, "y_pred", "y_true", ORDER)
    return smooth_binary(y_true, label_smoothing), y_pred


# -------------------------------------------------------------- reductions

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
    return np.size(values)


# ----------------------------------------------------------------- classes

def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_BASE_ARGUMENTS = ("self", "reduction", "name", "dtype")


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
        session = tracing.session()
        if session is not None:           # mg.compile names what the loss computes after it
            session.enter(self)
            try:
                return self._loss(y_true, y_pred, sample_weight)
            finally:
                session.leave()
        return self._loss(y_true, y_pred, sample_weight)

    def _loss(self, y_true, y_pred, sample_weight):
        y_pred = checks.float_tensor(y_pred, "y_pred", dtype=self.dtype)
        if not (isinstance(y_true, Tensor) and y_true.dtype.kind in "iub"):
            y_true = checks.float_tensor(y_true, "y_true", dtype=y_pred.dtype)
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, Tensor):
            losses = Tensor(losses, dtype=y_pred.dtype)
        return reduce_weighted(losses, sample_weight, self.reduction, self._mask(y_true, y_pred))

    def get_config(self):
        """The constructor arguments, as Keras returns them: the name, the
        reduction, and each argument of the subclass's ``__init__`` that it
        keeps as an attribute of the same name."""
        params = inspect.signature(type(self).__init__).parameters.values()
        options = {p.name: getattr(self, p.name) for p in params
                   if p.name not in _BASE_ARGUMENTS and hasattr(self, p.name)
                   and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        return {"name": self.name, "reduction": self.reduction, **options}

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
        return {"name": self.name, "reduction": self.reduction, **self._fn_kwargs}
