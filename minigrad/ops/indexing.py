"""Ops that produce indices or are built from them: argmax, argmin, one_hot.

None of them has a gradient: argmax and argmin return int64 tensors (the
position of the largest or smallest element, the first one on ties, as in
numpy and PyTorch) and one_hot returns a constant float tensor.  They take
Tensors, numpy arrays or (nested) lists.  ``axis`` and ``keepdims`` are
numpy's names for PyTorch's ``dim`` and ``keepdim``.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import engine
from ..tracing import kept_array
from ..tensor import Tensor, get_default_dtype
from .registry import op


def _array(x):
    """The numpy array behind ``x``, without copying a Tensor's data."""
    if isinstance(x, Tensor):
        return x._data
    try:
        return kept_array(x)
    except ValueError as e:
        raise TypeError(f"cannot read this data as an array: {e}") from None


def _arg(reduce, name, x, axis, keepdims):
    d = _array(x)
    if axis is not None:
        if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"{name}: axis must be an int or None, not {axis!r}")
        try:
            axis = normalize_axis_index(int(axis), max(d.ndim, 1))
        except np.exceptions.AxisError:
            ndim = max(d.ndim, 1)
            raise np.exceptions.AxisError(
                f"{name}: axis {axis} is out of bounds for a tensor of shape {d.shape}; "
                f"valid axes are -{ndim}..{ndim - 1}") from None
    if d.size == 0 and (axis is None or d.shape[axis] == 0):
        where = "" if axis is None else f" along axis {axis}, which has size 0"
        raise ValueError(f"{name} of an empty tensor (shape {d.shape}){where}: there is no "
                         "element to pick")
    out = reduce(d, axis=axis, keepdims=keepdims)
    return engine._make(kept_array(out).astype(np.int64, copy=False), None)


@op(numpy=np.argmax)
def argmax(x, axis=None, keepdims=False):
    """The index of the largest element, over all elements or along ``axis``.

    As ``torch.argmax`` (``axis`` is its ``dim``, ``keepdims`` its
    ``keepdim``) and ``numpy.argmax``: over all elements, the index is
    into the flattened tensor; on ties the first index wins; NaN counts as
    the largest.  The result has no gradient.

    Parameters
    ----------
    x : Tensor, numpy array or list
    axis : int, optional
        The axis to search along (default: the flattened tensor).
    keepdims : bool
        Keep the searched axis (or every axis, when ``axis`` is None) with
        size 1.

    Returns
    -------
    Tensor
        int64 indices: shape ``()`` for ``axis=None``, else x's shape
        without ``axis``.

    Raises
    ------
    ValueError
        If there is nothing to search (an empty tensor, or ``axis`` of size 0).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    >>> mg.argmax(x), x.argmax(axis=1), x.argmax(axis=0, keepdims=True)
    (tensor(3, dtype=int64), tensor([1, 0], dtype=int64), tensor([[1, 0, 1]], dtype=int64))
    """
    return _arg(np.argmax, "argmax", x, axis, keepdims)


@op(numpy=np.argmin)
def argmin(x, axis=None, keepdims=False):
    """The index of the smallest element, over all elements or along ``axis``.

    As ``torch.argmin`` and ``numpy.argmin``; the arguments and the result
    are :func:`argmax`'s.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 0.0]])
    >>> mg.argmin(x), x.argmin(axis=1)
    (tensor(4, dtype=int64), tensor([0, 1], dtype=int64))
    """
    return _arg(np.argmin, "argmin", x, axis, keepdims)


@op(method=False)
def one_hot(labels, num_classes=None):
    """One-hot rows for integer class labels, as ``torch.nn.functional.one_hot``.

    Parameters
    ----------
    labels : Tensor, numpy array or list of ints
        Class indices, each in ``[0, num_classes)``; any shape.  Float and
        bool data is refused (note that ``mg.tensor([0, 2])`` is float32: use
        a numpy int array, a list, or ``mg.tensor(..., dtype="int64")``).
    num_classes : int, optional
        The number of classes, positive.  None (or -1, PyTorch's default)
        means ``labels.max() + 1``.

    Returns
    -------
    Tensor
        Of shape ``labels.shape + (num_classes,)`` and the default float dtype
        (:func:`minigrad.get_default_dtype`; PyTorch returns int64), 1 at each
        label and 0 elsewhere.  It has no gradient.

    Raises
    ------
    TypeError
        If the labels are not integers, or ``num_classes`` is not an int.
    ValueError
        If a label is outside ``[0, num_classes)``, ``num_classes`` is not
        positive, or it must be inferred from no labels.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.one_hot([2, 0, 1], 4)
    tensor([[0., 0., 1., 0.],
            [1., 0., 0., 0.],
            [0., 1., 0., 0.]])
    >>> mg.one_hot([[1], [0]]).shape
    (2, 1, 2)
    >>> mg.one_hot([0, 3], 3)
    Traceback (most recent call last):
    ValueError: one_hot: label 3 (at index (1,)) is out of range; with num_classes=3 the labels must be in 0..2
    """
    d = _array(labels)
    if isinstance(labels, list) and d.size == 0:
        d = d.astype(np.int64)          # np.asarray([]) is float64
    if d.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: labels must be integer class indices, not {d.dtype} data; pass "
            "integer class indices (a list of ints, a numpy int array, or "
            "mg.tensor(labels, dtype='int64'))")
    if num_classes is None or (isinstance(num_classes, numbers.Integral)
                               and not isinstance(num_classes, (bool, np.bool_))
                               and num_classes == -1):
        if d.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from empty labels; pass it")
        num_classes = int(d.max()) + 1
    elif isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes,
                                                                       numbers.Integral):
        raise TypeError(f"one_hot: num_classes must be a positive int, not {num_classes!r}")
    num_classes = int(num_classes)
    if num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be a positive int, got {num_classes}")
    bad = (d < 0) | (d >= num_classes)
    if bad.any():
        where = np.unravel_index(np.flatnonzero(bad)[0], d.shape)
        at = f" (at index {tuple(int(i) for i in where)})" if d.ndim else ""
        raise ValueError(
            f"one_hot: label {int(d[where])}{at} is out of range; with "
            f"num_classes={num_classes} the labels must be in 0..{num_classes - 1}")
    out = (d[..., None] == np.arange(num_classes)).astype(get_default_dtype())
    return engine._make(out, None)
