"""Input checks shared by both loss families: each raises an exception that
says what was wrong and what to do, instead of a silent broadcast, clip or
NaN."""
from __future__ import annotations

import numbers
import os
import sys
import warnings

import numpy as np

from .tracing import kept_array
from .engine import is_grad_enabled
from .tensor import Tensor, get_default_dtype


def float_tensor(x, name, dtype=None):
    """``x`` as a floating-point Tensor (of ``dtype`` if given; non-float
    data becomes the default float dtype)."""
    if not isinstance(x, Tensor):
        return Tensor(x, dtype=dtype) if dtype is not None else float_tensor(Tensor(x), name)
    t = x
    if dtype is not None:
        return t.astype(dtype)
    if t.dtype.kind != "f":
        t = t.astype(get_default_dtype())
    return t


def _describe(d):
    return f"min {np.nanmin(d):.6g}, max {np.nanmax(d):.6g}" if d.size else "empty"


def _inside_unit_interval(d):
    """Whether every element is in [0, 1]: two reductions (NaN fails both)."""
    return d.size == 0 or (d.min() >= 0 and d.max() <= 1)


def probabilities(p, name, hint):
    """Raise unless every element of ``p`` is in [0, 1] (and not NaN)."""
    d = p.data
    if _inside_unit_interval(d):
        return
    if np.isnan(d).any():
        raise ValueError(f"{name} holds NaN; {hint}")
    raise ValueError(f"{name} holds values outside [0, 1] ({_describe(d)}); {hint}")


def unit_interval_targets(y, name):
    """Raise unless every target is in [0, 1]."""
    d = y.data
    if not _inside_unit_interval(d):
        raise ValueError(
            f"{name} must hold probabilities in [0, 1] (0/1 labels or soft labels), "
            f"got {_describe(d)}" + (" and NaN" if np.isnan(d).any() else "")
        )


def same_shape(a, b, name_a, name_b):
    """Raise unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        fix = (f"reshape one of them, e.g. {name_b}.reshape({a.shape})" if np.size(a) == np.size(b)
               else "they hold different numbers of values, so no reshape can make them match")
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must "
            f"match ({fix}): minigrad never broadcasts a loss's arguments against each other"
        )


def squeeze_or_expand(a, b):
    """Keras's rule for ranks that differ by one with a trailing size-1 axis:
    a rank-1 side is expanded, otherwise the size-1 axis is squeezed."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        if b.ndim == 1:
            b = b.reshape(b.shape + (1,))
        else:
            a = a.reshape(a.shape[:-1])
    elif b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        if a.ndim == 1:
            a = a.reshape(a.shape + (1,))
        else:
            b = b.reshape(b.shape[:-1])
    return a, b


def _real(v):
    """Whether ``v`` is a real number (not a bool, an array or a string)."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def label_smoothing(ls):
    """``ls`` as a float; raise unless it is a number in [0, 1]."""
    if not _real(ls):
        raise TypeError(f"label_smoothing must be a float in [0, 1], not {ls!r} "
                        f"(a {type(ls).__name__})")
    if not 0.0 <= ls <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {ls}")
    return float(ls)


def positive_number(v, name):
    """``v`` as a float; raise unless it is one positive number (Huber's
    ``delta``: a threshold, not one per element)."""
    if not _real(v):
        raise TypeError(f"{name} must be a positive number, not {v!r} (a {type(v).__name__})")
    if not v > 0:
        raise ValueError(f"{name} must be positive, got {v}")
    return float(v)


def float_dtype(dtype, name="dtype"):
    """``dtype`` as a numpy dtype; raise unless it is float32 or float64 (a
    loss computed in integers would truncate the probabilities)."""
    dt = None if dtype is None else np.dtype(dtype)
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{name} must be float32 or float64 (losses are computed in floating "
                        f"point), got {dt}")
    return dt


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def argument_order(pred, target, pred_name, target_name, order):
    """Warn when the arguments of a probability loss look swapped: the
    predictions hold only exact 0/1 values while the targets hold values
    strictly inside (0, 1), as labels and probabilities do in each other's
    place.  ``order`` is the face's convention, for the message."""
    t = target.data
    if not ((t > 0) & (t < 1)).any():
        return
    p = pred.data
    if not ((p == 0) | (p == 1)).all():
        return
    f, level = sys._getframe(), 1      # the first frame outside minigrad: the caller's line
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE):
        f, level = f.f_back, level + 1
    warnings.warn(f"{pred_name} holds only exact 0/1 values but {target_name} holds values "
                  f"strictly between 0 and 1: are the arguments swapped? {order}",
                  UserWarning, stacklevel=level)


def reduction(r, valid):
    r = "none" if r is None else r
    if r not in valid:
        shown = ", ".join(repr(v) for v in valid)
        raise ValueError(f"unknown reduction {r!r}; valid reductions are {shown}")
    return r


def class_labels(labels, scores, axis, name, scores_name, ignore=None, squeeze_trailing=False,
                 hint="one class index per sample"):
    """Integer labels for class ``scores``: their shape must be the scores'
    without the class ``axis`` (a trailing size-1 axis squeezed first, Keras's
    rule, with ``squeeze_trailing``).  Returns ``(labels, valid)``, valid
    marking the labels that are not ``ignore``."""
    d = labels.data if isinstance(labels, Tensor) else _array(labels)
    if squeeze_trailing and d.ndim == scores.ndim and d.ndim and d.shape[-1] == 1:
        d = d.reshape(d.shape[:-1])
    axis = axis % scores.ndim
    expected = scores.shape[:axis] + scores.shape[axis + 1:]
    if d.shape != expected:
        raise ValueError(f"{name} has shape {d.shape}, but {scores_name} of shape {scores.shape} "
                         f"needs labels of shape {expected} ({hint})")
    d = integer_labels(d, scores.shape[axis], name, ignore=ignore)
    return d, (d != ignore if ignore is not None else np.ones(d.shape, dtype=bool))


def integer_labels(labels, num_classes, name, ignore=None):
    """``labels`` as an int64 numpy array; raise for non-integer values or
    labels outside ``[0, num_classes)`` (other than ``ignore``)."""
    d = labels.data if isinstance(labels, Tensor) else _array(labels)
    if d.dtype.kind == "f":
        _whole_numbers(d, name)
    elif d.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {d.dtype}")
    d = d.astype(np.int64)
    _labels_in_range(d, num_classes, name, ignore)
    return d


def _whole_numbers(d, name):
    """Raise unless float labels ``d`` are finite whole numbers."""
    if not np.all(np.isfinite(d)) or not np.all(d == np.round(d)):
        bad = d[~np.isfinite(d) | (d != np.round(d))].flat[0]
        raise ValueError(
            f"{name} must hold integer class labels, got {float(bad)!r}; pass class "
            "indices (0, 1, 2, ...), or one-hot rows to the categorical loss"
        )


def _labels_in_range(d, num_classes, name, ignore):
    """Raise unless each label is in ``[0, num_classes)`` or is ``ignore``."""
    bad = (d < 0) | (d >= num_classes)
    if ignore is not None:
        bad &= d != ignore
    if bad.any():
        raise IndexError(
            f"{name} holds label {int(d[bad].flat[0])}, outside the valid range "
            f"[0, {num_classes - 1}] for {num_classes} classes"
            + (f" (and not ignore value {ignore})" if ignore is not None else "")
        )


def weight_vector(w, length, name, what):
    """``w`` as a 1-D array of ``length`` (one weight per class)."""
    d = w.data if isinstance(w, Tensor) else np.asarray(w)
    if d.ndim != 1 or d.shape[0] != length:
        raise ValueError(f"{name} must have one entry per {what} ({length}), got shape {d.shape}")
    return w


def broadcastable_to(w, shape, name, target_name):
    """Raise unless ``w`` broadcasts to ``shape`` without changing it."""
    wshape = w.shape if isinstance(w, Tensor) else np.shape(w)
    try:
        ok = np.broadcast_shapes(wshape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"{name} of shape {wshape} does not fit {target_name} of shape {tuple(shape)}: "
            f"it must broadcast to {tuple(shape)} (e.g. one entry per class along the last axis)"
        )


def constant_weight(w, name, fn):
    """Refuse a weight that would need a gradient the loss does not give.

    Some losses are not differentiable with respect to a weight (nor are
    PyTorch's).  Rather than return a silently wrong or missing gradient,
    they refuse a ``w`` that requires grad while grad mode is on.

    Parameters
    ----------
    w : object
        The weight as given (None, array_like or Tensor).
    name : str
        The argument's name, for the message.
    fn : str
        The loss's name, for the message.

    Raises
    ------
    RuntimeError
        If ``w`` is a Tensor that requires grad, under grad mode.
    """
    if isinstance(w, Tensor) and w.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{fn} is not differentiable with respect to {name} (PyTorch's is not either), "
            f"but the {name} passed requires grad; pass {name}.detach(), or to learn it, "
            "compute the loss with reduction='none' and weight it yourself"
        )


_array = kept_array
