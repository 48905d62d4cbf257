"""Classification metrics, equal to scikit-learn's.

Every metric takes numpy arrays, lists or Tensors (read detached: metrics
are not differentiable and record nothing) and returns a Python float
(:func:`confusion_matrix` a numpy int array)::

    mg.metrics.accuracy(y, net(X))            # logits rows -> argmax
    mg.metrics.roc_auc(y, mg.sigmoid(net(X))[:, 0])

Labels are integers (or integer-valued floats, or booleans); a 1-D array
is read as labels, an ``(N, 1)`` column as one too.  Bad input raises
``ValueError``/``TypeError`` saying what was wrong (shape mismatch,
non-binary labels for a binary metric, scores where labels belong).  The
one warning is scikit-learn's: :func:`roc_auc` with one class present
warns and returns nan.

Where scikit-learn's result would be undefined (``precision`` with no
positive predictions, ``recall`` with no positive samples, ``f1_score``
with neither), the value is 0.0, scikit-learn's default
(``zero_division="warn"``), without scikit-learn's
``UndefinedMetricWarning``.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .tensor import Tensor

__all__ = ["accuracy", "binary_accuracy", "precision", "recall", "f1_score", "roc_auc",
           "confusion_matrix", "log_loss"]


# ------------------------------------------------------------------ input
def _values(x, name):
    """``x`` (array, list, number or Tensor) as a numeric numpy array."""
    arr = x.data if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; a metric needs at least one sample")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError(f"{name} holds NaN or infinite values")
    return arr


def _column(arr):
    """An ``(N, 1)`` column as ``(N,)``; anything else unchanged."""
    return arr[:, 0] if arr.ndim == 2 and arr.shape[1] == 1 else arr


def _labels(x, name):
    """Class labels: a 1-D array of integer values."""
    arr = _column(_values(x, name))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D labels, got shape {arr.shape}"
                         + (" (class scores? take y.argmax(axis=1))" if arr.ndim == 2 else ""))
    if arr.dtype.kind == "f":
        bad = arr[arr != np.round(arr)]
        if bad.size:
            raise ValueError(f"{name} holds non-integer values (e.g. {bad[0]}): labels must "
                             "be integers; threshold scores or probabilities first")
    return arr


def _binary(arr, name):
    """Labels that must all be 0 or 1."""
    bad = arr[(arr != 0) & (arr != 1)]
    if bad.size:
        raise ValueError(f"{name} must hold binary labels 0 and 1, got values "
                         f"{np.unique(arr).tolist()}")
    return arr


def _same_length(a, b, name_a="y_true", name_b="y_pred"):
    if len(a) != len(b):
        raise ValueError(f"{name_a} has {len(a)} samples, {name_b} has {len(b)}; they must "
                         "have one entry per sample each")


def _safe_divide(num, den):
    """num / den elementwise, 0.0 where den == 0 (scikit-learn's zero_division default)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


# --------------------------------------------------------------- accuracy
def accuracy(y_true, y_pred):
    """The fraction of samples whose predicted class is the true one.

    Parameters
    ----------
    y_true : array-like or Tensor
        Labels ``(N,)``, or one-hot rows ``(N, C)`` (read by argmax).
    y_pred : array-like or Tensor
        Labels ``(N,)``, or rows of class probabilities or logits ``(N, C)``
        (read by argmax; for a single probability column use
        :func:`binary_accuracy`).

    Returns
    -------
    float
        scikit-learn's ``accuracy_score`` of the labels.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.accuracy([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    >>> mg.metrics.accuracy([1, 0], [[0.2, 3.1], [1.5, -0.3]])     # logits
    1.0
    """
    cols = []
    for x, name in ((y_true, "y_true"), (y_pred, "y_pred")):
        arr = _values(x, name)
        if arr.ndim == 2 and arr.shape[1] > 1:
            arr = arr.argmax(axis=1)
        elif arr.ndim == 2:
            raise ValueError(f"{name} has one column (shape {arr.shape}): for probabilities "
                             "of the positive class use mg.metrics.binary_accuracy")
        cols.append(_labels(arr, name))
    _same_length(*cols)
    return float(np.mean(cols[0] == cols[1]))


def binary_accuracy(y_true, p, threshold=0.5):
    """Accuracy of thresholded probabilities (or scores) against 0/1 labels.

    A sample is predicted positive where ``p > threshold`` (strictly, as
    Keras's ``binary_accuracy``).

    Parameters
    ----------
    y_true : array-like or Tensor
        0/1 labels, shape ``(N,)`` or ``(N, 1)`` (or ``(N, K)`` for K
        independent binary targets, with ``p`` of the same shape).
    p : array-like or Tensor
        Probabilities of the positive class (any scores, with a matching
        ``threshold``), shaped as ``y_true``.
    threshold : float, default 0.5

    Returns
    -------
    float
        The mean over every entry, equal to scikit-learn's
        ``accuracy_score(y_true, p > threshold)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.binary_accuracy([0, 1, 1, 0], [0.1, 0.8, 0.4, 0.5])
    0.75
    """
    y = _binary(_column(_values(y_true, "y_true")), "y_true")
    p = _column(_values(p, "p"))
    if y.shape != p.shape:
        raise ValueError(f"y_true has shape {y.shape}, p has shape {p.shape}; they must match")
    return float(np.mean(y == (p > threshold)))


# ------------------------------------------------ precision, recall, f1
_AVERAGES = ("binary", "macro", "micro", "weighted")


def _averaged(values, tp, fn, average):
    """The per-label ``values`` averaged: weighted by each label's support
    (its samples in y_true) for ``"weighted"``, else plainly."""
    if average == "weighted":
        return float(np.average(values, weights=tp + fn))
    return float(np.mean(values))


def _counts(y_true, y_pred, average, pos_label):
    """True positives, false positives and false negatives per label considered."""
    if average not in _AVERAGES:
        raise ValueError(f"average must be 'binary', 'macro', 'micro' or 'weighted', got "
                         f"{average!r}")
    if isinstance(pos_label, (bool, np.bool_)) or not isinstance(pos_label, numbers.Integral):
        raise TypeError(f"pos_label must be an int label, got {pos_label!r}")
    yt, yp = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(yt, yp)
    present = np.union1d(yt, yp)
    if average == "binary":
        if len(present) > 2:
            raise ValueError(f"y_true and y_pred hold {len(present)} labels "
                             f"{present.tolist()}; average='binary' needs at most two: "
                             "pass average='macro', 'micro' or 'weighted'")
        if len(present) == 2 and pos_label not in present:
            raise ValueError(f"pos_label={pos_label!r} is not a valid label: it should be one "
                             f"of {present.tolist()}")
    labels = np.union1d(present, [pos_label]) if average == "binary" else present
    ti, pi = np.searchsorted(labels, yt), np.searchsorted(labels, yp)
    tp = np.bincount(ti[ti == pi], minlength=len(labels))
    fp = np.bincount(pi, minlength=len(labels)) - tp
    fn = np.bincount(ti, minlength=len(labels)) - tp
    if average == "binary":
        keep = labels == pos_label
        tp, fp, fn = tp[keep], fp[keep], fn[keep]
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    return tp, fp, fn


def precision(y_true, y_pred, average="binary", pos_label=1):
    """Precision, tp / (tp + fp): of the samples predicted as a class, the share that are.

    Parameters
    ----------
    y_true, y_pred : array-like or Tensor
        Labels, shape ``(N,)``.
    average : {"binary", "macro", "micro", "weighted"}, default "binary"
        ``"binary"``: of ``pos_label`` only (at most two labels present);
        ``"macro"``: the unweighted mean over the labels present in either;
        ``"micro"``: from the counts summed over labels; ``"weighted"``: the
        mean over the labels present in either, each weighted by its
        support (its number of samples in ``y_true``), as scikit-learn's.
    pos_label : int, default 1
        The positive class for ``average="binary"``.

    Returns
    -------
    float
        scikit-learn's ``precision_score``; 0.0 where nothing is predicted
        positive (scikit-learn also gives 0.0, with a warning).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.precision([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> mg.metrics.precision([0, 1, 2, 2], [0, 2, 2, 2], average="macro")
    0.5555555555555555
    >>> mg.metrics.precision([0, 1, 2, 2], [0, 2, 2, 2], average="weighted")
    0.5833333333333333
    """
    tp, fp, fn = _counts(y_true, y_pred, average, pos_label)
    return _averaged(_safe_divide(tp, tp + fp), tp, fn, average)


def recall(y_true, y_pred, average="binary", pos_label=1):
    """Recall, tp / (tp + fn): of the samples of a class, the share predicted as it.

    Parameters are those of :func:`precision`.

    Returns
    -------
    float
        scikit-learn's ``recall_score``; 0.0 for a class with no samples
        (scikit-learn also gives 0.0, with a warning).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.recall([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    >>> mg.metrics.recall([0, 1, 2, 2], [0, 2, 2, 2], average="micro")
    0.75
    >>> mg.metrics.recall([0, 1, 2, 2], [0, 2, 2, 2], average="weighted")
    0.75
    """
    tp, _, fn = _counts(y_true, y_pred, average, pos_label)
    return _averaged(_safe_divide(tp, tp + fn), tp, fn, average)


def f1_score(y_true, y_pred, average="binary", pos_label=1):
    """F1, the harmonic mean of precision and recall: 2 tp / (2 tp + fp + fn).

    Parameters are those of :func:`precision`; with ``"macro"`` the F1 of
    each label is averaged (not the F1 of the averaged precision and
    recall), as scikit-learn does.

    Returns
    -------
    float
        scikit-learn's ``f1_score``; 0.0 for a class neither present nor
        predicted (scikit-learn also gives 0.0, with a warning).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.f1_score([0, 1, 1, 0, 1], [1, 1, 0, 0, 1])
    0.6666666666666666
    >>> mg.metrics.f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="macro")
    0.6
    >>> mg.metrics.f1_score([0, 1, 2, 2], [0, 2, 2, 2], average="weighted")
    0.65
    """
    tp, fp, fn = _counts(y_true, y_pred, average, pos_label)
    return _averaged(_safe_divide(2 * tp, 2 * tp + fp + fn), tp, fn, average)


# ------------------------------------------------------------ roc, cm
def _average_ranks(s):
    """1-based ranks of ``s``, tied values sharing the mean of their ranks."""
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2.0)[inverse.reshape(-1)]


def roc_auc(y_true, scores):
    """Area under the ROC curve of binary labels and scores.

    Computed as the Mann-Whitney statistic with average ranks: the
    probability that a random positive scores above a random negative, ties
    counting one half.  This equals scikit-learn's ``roc_auc_score`` (whose
    trapezoids treat tied scores the same way) up to rounding in the last
    bits: the rank sum here is exact, so the result is the correctly rounded
    fraction.

    Parameters
    ----------
    y_true : array-like or Tensor
        0/1 labels, shape ``(N,)`` (or ``(N, 1)``); both classes present.
    scores : array-like or Tensor
        Any scores that rank positives higher: probabilities, logits.

    Returns
    -------
    float
        nan, with a ``UserWarning``, when ``y_true`` holds one class only:
        the AUC is undefined there.  That is what scikit-learn 1.9 does
        (its ``UndefinedMetricWarning`` is a ``UserWarning``); older
        versions raised a ValueError.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> mg.metrics.roc_auc([0, 1], [0.5, 0.5])                  # a tie: half
    0.5
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     mg.metrics.roc_auc([1, 1], [0.2, 0.7])
    nan
    >>> str(caught[0].message)
    'Only one class is present in y_true. ROC AUC score is not defined in that case.'
    """
    y = _binary(_labels(y_true, "y_true"), "y_true")
    s = _column(_values(scores, "scores"))
    if s.ndim != 1:
        raise ValueError(f"scores must be 1-D (one score per sample), got shape {s.shape}")
    _same_length(y, s, "y_true", "scores")
    n_pos = int(np.count_nonzero(y))
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UserWarning, stacklevel=2)
        return float("nan")
    rank_sum = _average_ranks(s)[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _num_classes(num_classes):
    if isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, numbers.Integral):
        raise TypeError(f"num_classes must be a positive int, got {num_classes!r}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes}")
    return int(num_classes)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    y_true, y_pred : array-like or Tensor
        Labels in ``0 .. num_classes - 1``, shape ``(N,)``.
    num_classes : int, optional
        Default: the largest label present plus one.

    Returns
    -------
    numpy.ndarray of int64, shape (num_classes, num_classes)
        Entry ``[i, j]`` counts samples of class ``i`` predicted as ``j``
        (rows are true classes, as scikit-learn's ``confusion_matrix`` with
        ``labels=range(num_classes)``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.metrics.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1])
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 1, 1]])
    """
    yt, yp = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    _same_length(yt, yp)
    lowest = min(yt.min(), yp.min())
    if lowest < 0:
        raise ValueError(f"labels must be 0 .. num_classes - 1, got {lowest}")
    top = int(max(yt.max(), yp.max()))
    k = top + 1 if num_classes is None else _num_classes(num_classes)
    if top >= k:
        raise ValueError(f"label {top} is out of range for num_classes={k} "
                         f"(labels must be 0 .. {k - 1})")
    flat = yt.astype(np.int64) * k + yp.astype(np.int64)
    return np.bincount(flat, minlength=k * k).reshape(k, k).astype(np.int64)


# --------------------------------------------------------------- log loss
def _probabilities(p):
    """``p`` as probabilities in scikit-learn's float dtype (ints -> float64)."""
    arr = _values(p, "p")
    if arr.dtype not in (np.float16, np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"p holds values outside [0, 1] (min {arr.min()}, max {arr.max()}); "
                         "log_loss takes probabilities (apply sigmoid or softmax to logits)")
    return arr


def _targets(y_true, p):
    """(one-hot targets, probability rows), both (N, C) in p's dtype."""
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        p = p.reshape(-1, 1)
        p = np.concatenate([1 - p, p], axis=1)
        y = _binary(_labels(y_true, "y_true"), "y_true")
    elif p.ndim == 2:
        y = _values(y_true, "y_true")
        if y.shape == p.shape:                              # one-hot / indicator rows
            return _binary(y, "y_true").astype(p.dtype), p
        y = _labels(y, "y_true")
        if y.min() < 0 or y.max() >= p.shape[1]:
            raise ValueError(f"y_true holds labels outside 0 .. {p.shape[1] - 1} (one per "
                             f"column of p), got {y.min()} .. {y.max()}")
    else:
        raise ValueError(f"p must be (N,) probabilities of class 1 or (N, C) rows, got shape "
                         f"{p.shape}")
    _same_length(y, p, "y_true", "p")
    return (y.astype(np.int64)[:, None] == np.arange(p.shape[1])).astype(p.dtype), p


def log_loss(y_true, p, eps="auto"):
    """Mean cross-entropy of labels and predicted probabilities.

    Parameters
    ----------
    y_true : array-like or Tensor
        0/1 labels with ``p`` of shape ``(N,)``; labels ``0 .. C-1`` (or
        one-hot rows) with ``p`` of shape ``(N, C)``.
    p : array-like or Tensor
        Probabilities in [0, 1]: of class 1, ``(N,)``, or rows ``(N, C)``.
    eps : float or "auto", default "auto"
        Probabilities are clipped to ``[eps, 1 - eps]``; ``"auto"`` is the
        machine epsilon of ``p``'s dtype (float32 and float64 and float16
        kept, integers read as float64), as scikit-learn does.

    Returns
    -------
    float
        ``-mean(sum(onehot * log(clip(p))))``, computed in ``p``'s dtype,
        equal to scikit-learn's ``log_loss(y_true, p, labels=range(C))``.
        Unlike scikit-learn, classes absent from ``y_true`` need no
        ``labels`` argument: column ``c`` is class ``c``.

    Warns
    -----
    UserWarning
        When rows of ``p`` do not sum to 1 (relative tolerance
        ``sqrt(eps)``), as scikit-learn warns; the rows are used as given.

    Examples
    --------
    >>> import minigrad as mg
    >>> round(mg.metrics.log_loss([0, 1, 1], [0.1, 0.8, 0.6]), 6)
    0.279777
    >>> round(mg.metrics.log_loss([2, 0], [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]), 6)
    0.524911
    """
    y, rows = _targets(y_true, _probabilities(p))
    machine_eps = np.finfo(rows.dtype).eps
    if not np.allclose(rows.sum(axis=1), 1, rtol=np.sqrt(machine_eps), atol=0):
        warnings.warn("The rows of p do not sum to one: pass probabilities (softmax of the "
                      "logits)", UserWarning, stacklevel=2)
    eps = machine_eps if isinstance(eps, str) and eps == "auto" else eps
    if not 0 < eps < 0.5:
        raise ValueError(f"eps must be 'auto' or a float in (0, 0.5), got {eps!r}")
    rows = np.clip(rows, eps, 1 - eps)
    terms = np.where(y == 0, rows.dtype.type(0), y * np.log(rows))
    return float(np.mean(-terms.sum(axis=1)))
