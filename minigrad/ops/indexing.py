"""Ops that produce indices or are built from them: argmax, argmin, one_hot,
max and min along a dim, topk, sort, gather.

argmax, argmin and one_hot have no gradient: argmax and argmin return int64 tensors (the
position of the largest or smallest element, the first one on ties, as in
numpy and PyTorch) and one_hot returns a constant float tensor.  They take
Tensors, numpy arrays or (nested) lists.  ``axis`` and ``keepdims`` are
numpy's names for PyTorch's ``dim`` and ``keepdim``.
"""
from __future__ import annotations

import builtins
import collections
import numbers

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import engine
from ..tracing import kept_array
from ..tensor import Tensor, coerce, get_default_dtype
from .reduce import _dims, amax, amin
from .elementwise import maximum, minimum, where
from .registry import op
from .shape import _dim, _dim_alias, getitem, take_one


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
            axis = normalize_axis_index(int(axis), builtins.max(d.ndim, 1))
        except np.exceptions.AxisError:
            ndim = builtins.max(d.ndim, 1)
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
def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the largest element, over all elements or along ``axis``.

    As ``torch.argmax`` (``axis`` and ``keepdims`` are numpy's aliases of
    ``dim`` and ``keepdim``) and ``numpy.argmax``: over all elements, the index is
    into the flattened tensor; on ties the first index wins; NaN counts as
    the largest.  The result has no gradient.

    Parameters
    ----------
    x : Tensor, numpy array or list
    dim : int, optional
        The dim to search along (default: the flattened tensor); ``axis``
        is an alias.
    keepdim : bool
        Keep the searched dim (or every dim, when ``dim`` is None) with
        size 1; ``keepdims`` is an alias.

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
    >>> x.argmax(dim=1, keepdim=True).shape
    (2, 1)
    """
    return _arg(np.argmax, "argmax", x, *_dims(dim, keepdim, axis, keepdims))


@op(numpy=np.argmin)
def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
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
    return _arg(np.argmin, "argmin", x, *_dims(dim, keepdim, axis, keepdims))


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


# ------------------------------------------------- values with their indices

def _returns(name):
    """A ``(values, indices)`` named tuple type, as PyTorch's
    ``torch.return_types.NAME``.  It refuses to be used as a tensor (in
    arithmetic or as an array), so that numpy-era code such as
    ``x - x.max(axis=1)`` fails loudly instead of computing with a tuple."""
    base = collections.namedtuple(name, ["values", "indices"])

    def refuse(self, *args, **kwargs):
        raise TypeError(
            f"{name}(dim) returns (values, indices), as in PyTorch; use its .values "
            f"(or x.a{name}(dim) for the values alone)" if name in ("max", "min") else
            f"{name}() returns (values, indices), as in PyTorch; use its .values")

    body = {"__slots__": (), "__array__": refuse, "__add__": refuse, "__radd__": refuse,
            "__mul__": refuse, "__rmul__": refuse, "__sub__": refuse, "__rsub__": refuse,
            "__truediv__": refuse, "__rtruediv__": refuse, "__neg__": refuse,
            "__float__": refuse, "__array_priority__": 1000,
            "__repr__": lambda self: f"minigrad.return_types.{name}(values={self.values!r}, "
                                     f"indices={self.indices!r})",
            "__doc__": f"The ``(values, indices)`` that ``{name}`` returns."}
    return type(name, (base,), body)


_MAX, _MIN, _TOPK, _SORT = (_returns(n) for n in ("max", "min", "topk", "sort"))


def _extreme_along(kind, x, dim, keepdim, axis, keepdims, other):
    if other is not None:
        if dim is not None or axis is not None:
            raise TypeError(f"{kind}(input, other) takes no dim")
        return (maximum if kind == "max" else minimum)(x, other)
    dim = _dim_alias(dim, axis)
    if isinstance(dim, Tensor):
        return (maximum if kind == "max" else minimum)(x, dim)
    if dim is None:
        if keepdim or keepdims:
            raise TypeError(f"{kind}(keepdim=...) needs dim; use a{kind}(keepdim=True) for "
                            "every dim")
        return (amax if kind == "max" else amin)(x)
    x = coerce(x)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{kind}(dim) takes one dim, as in PyTorch, not {dim!r}; use "
                        f"a{kind}(dim) for several dims")
    keep = _dims(None, keepdim, None, keepdims)[1]
    if x.ndim == 0:
        _dim(dim, 0)
        return (_MAX if kind == "max" else _MIN)(x, _make_index(np.zeros((), np.int64)))
    d = _dim(dim, x.ndim)
    index = _arg(np.argmax if kind == "max" else np.argmin, kind, x, d, False)._data
    values = take_one(x, index, d)
    if keep:
        values, index = values.unsqueeze(d), np.expand_dims(index, d)
    return (_MAX if kind == "max" else _MIN)(values, _make_index(index))


def _make_index(a):
    return engine._make(np.asarray(a, dtype=np.int64), None)


@op()
def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None, other=None):
    """As ``torch.max``: the largest element (no dim); along ``dim``, the
    named tuple ``(values, indices)`` (``.values``, ``.indices``; the
    gradient goes to the index, the first on ties); with a tensor in place
    of ``dim``, the elementwise :func:`maximum`.  For the largest values
    over several dims (ties sharing the gradient), use :func:`amax`;
    ``np.max(t, axis)`` is numpy's (values).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> x.max()
    tensor(7.)
    >>> x.max(dim=1)
    minigrad.return_types.max(values=tensor([5., 7.]), indices=tensor([1, 0], dtype=int64))
    >>> x.max(1).values - 1
    tensor([4., 6.])
    """
    return _extreme_along("max", x, dim, keepdim, axis, keepdims, other)


@op()
def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None, other=None):
    """As ``torch.min``; see :func:`max`.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 5.0], [7.0, 2.0]]).min(dim=0).indices
    tensor([0, 1], dtype=int64)
    """
    return _extreme_along("min", x, dim, keepdim, axis, keepdims, other)


def _order(d, axis, descending, stable=True):
    """Indices that sort ``d`` along ``axis`` (NaN counts as the largest, as
    in PyTorch); descending keeps the order of ties, as a stable sort does."""
    if not descending:
        return np.argsort(d, axis=axis, kind="stable")
    n = d.shape[axis]
    flipped = np.flip(d, axis)
    idx = np.argsort(flipped, axis=axis, kind="stable")
    return np.flip(n - 1 - idx, axis)


@op()
def sort(x, dim=-1, descending=False, *, stable=False, axis=None):
    """Sort along ``dim`` (the last by default), as ``torch.sort``: the named
    tuple ``(values, indices)``; the gradient goes back to the sorted
    positions.  Ties keep their order (a stable sort).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([3.0, 1.0, 2.0])
    >>> x.sort()
    minigrad.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0], dtype=int64))
    >>> x.sort(descending=True).indices
    tensor([0, 2, 1], dtype=int64)
    """
    x = coerce(x)
    dim = _dim_alias(None if axis is not None else dim, axis)
    if x.ndim == 0:
        _dim(dim, 0)
        return _SORT(x, _make_index(np.zeros((), np.int64)))
    d = _dim(dim, x.ndim)
    index = _order(x._data, d, descending, stable)
    return _SORT(gather(x, d, index), _make_index(index))


@op()
def topk(x, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``,
    as ``torch.topk``: the named tuple ``(values, indices)``, in sorted order;
    the gradient goes back to the picked positions.  (Which of tied elements
    is picked may differ from PyTorch's.)

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 4.0, 2.0, 3.0]).topk(2)
    minigrad.return_types.topk(values=tensor([4., 3.]), indices=tensor([1, 3], dtype=int64))
    """
    x = coerce(x)
    d = _dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n:
        raise ValueError(f"topk: k must be an int in 0..{n} (the length of dim {dim}), got {k!r}")
    if x.ndim == 0:
        return _TOPK(x, _make_index(np.zeros((), np.int64)))       # k = 0 too, as PyTorch
    index = np.take(_order(x._data, d, largest), np.arange(k), axis=d)
    return _TOPK(gather(x, d, index), _make_index(index))


@op(public=False)
def gather(x, dim, index):
    """Values of ``x`` at ``index`` along ``dim``, as ``torch.gather``:
    ``out[i][j] = x[index[i][j]][j]`` for ``dim=0``.  ``index`` is int64 with
    x's number of dims, no longer than x in the other dims; the result has
    its shape.  The gradient adds up at the gathered positions.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = x.gather(1, mg.tensor([[0, 0], [1, 0]], dtype="int64"))
    >>> y
    tensor([[1., 1.],
            [4., 3.]], grad_fn=<GetitemBackward>)
    >>> y.sum().backward(); x.grad
    tensor([[2., 0.],
            [1., 1.]])
    """
    x = coerce(x)
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu" and not (idx.size == 0):
        raise TypeError(f"gather: index must be integers (int64), not {idx.dtype}")
    idx = idx.astype(np.intp, copy=False)
    nd = builtins.max(x.ndim, 1)
    d = _dim(dim, x.ndim)
    if idx.ndim != x.ndim and not (x.ndim == 0 and idx.ndim <= 1):
        raise ValueError(f"gather: index has {idx.ndim} dims but the tensor has {x.ndim}; "
                         "they must match")
    shape = x.shape if x.ndim else (1,)
    idx = idx.reshape(idx.shape if x.ndim else (-1,))
    for i in range(nd):
        if i != d and idx.shape[i] > shape[i]:
            raise ValueError(f"gather: index of shape {idx.shape} is longer than the tensor "
                             f"(shape {x.shape}) in dim {i}")
    if idx.size and (idx.min() < 0 or idx.max() >= shape[d]):
        raise IndexError(f"gather: index out of range 0..{shape[d] - 1} of dim {dim}")
    grid = tuple(idx if i == d else
                 np.arange(idx.shape[i]).reshape((-1,) + (1,) * (nd - 1 - i))
                 for i in range(nd))
    base = x if x.ndim else x.reshape(1)
    out = getitem(base, grid)
    return out if x.ndim else out.reshape(())


@op()
def masked_fill(x, mask, value):
    """``x`` with ``value`` where ``mask`` (bool, broadcasting to x's shape) is
    True, as ``torch.masked_fill``; composed with :func:`where`, so the
    gradient reaches x where the mask is False (and a tensor ``value``
    where it is True).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0])
    >>> x.masked_fill(x > 1.5, 0.0)
    tensor([1., 0., 0.])
    """
    x = coerce(x)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: the mask must be bool, not {m.dtype}")
    try:
        fits = np.broadcast_shapes(m.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill: a mask of shape {m.shape} does not broadcast to the "
                         f"tensor's shape {x.shape}")
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError("masked_fill: value must be a number or a 0-d tensor")
    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value, dtype=x.dtype))
    return where(m, value.astype(x.dtype), x)
