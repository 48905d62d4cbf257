"""Ops along axes: sum, mean, max, min, logsumexp, softmax, log_softmax.

``axis`` is ``None`` (all axes), an int or a tuple of ints, as in numpy.
softmax, log_softmax and logsumexp subtract the maximum first, so they are
finite and warning-free for inputs of any magnitude.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..tracing import every
from ..engine import Node, differentiable, unary
from ..tensor import coerce
from .quiet import quietly
from .registry import op


def _axes(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (``None``: all axes)."""
    if axis is None:
        return None
    try:
        return tuple(sorted(normalize_axis_tuple(axis, ndim)))
    except np.exceptions.AxisError as e:
        raise np.exceptions.AxisError(f"{e}; valid axes are -{ndim}..{ndim - 1}") from None


def _reduce(ufunc, d, axis, keepdims):
    """``ufunc.reduce`` of the array ``d`` over ``axis`` (None or a sorted tuple).

    numpy reduces a short last axis row by row, slowly: the max of each row
    of a (4096, 10) array takes ~190 us.  There, a loop over the few columns
    gives the same numbers ~7x faster.
    """
    if (axis is not None and len(axis) == 1 and axis[0] == d.ndim - 1 and d.ndim >= 2
            and 1 < d.shape[-1] <= 16 and d.size >= 2048 and d.dtype.kind == "f"):
        out = ufunc(d[..., 0], d[..., 1])
        for j in range(2, d.shape[-1]):
            ufunc(out, d[..., j], out=out)
        return out[..., None] if keepdims else out
    return ufunc.reduce(d, axis=axis, keepdims=keepdims)


@differentiable
def _sum_keep(x, axis):
    """Sum over one axis, keeping it: on arrays with :func:`_reduce`'s fast
    path, on Tensors (higher-order gradients) with the Sum op."""
    if isinstance(x, np.ndarray):
        return _reduce(np.add, x, (axis,), True)
    return x.sum(axis=axis, keepdims=True)


def _keep(a, axis):
    """Re-insert the reduced axes of ``a`` (a reduction made without keepdims)."""
    return a if axis is None else np.expand_dims(a, axis)


class Sum(Node):
    """sum over axes: the gradient is broadcast back over them."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        axis, keepdims, shape = self.ctx
        if not keepdims:
            g = _keep(g, axis)
        return (np.broadcast_to(g, shape),)


@op(numpy=np.sum)
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes by default).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> mg.sum(x), mg.sum(x, axis=0), mg.sum(x, axis=1, keepdims=True).shape
    (tensor(10.), tensor([4., 6.]), (2, 1))
    """
    try:
        x = coerce(x)
        axis = _axes(axis, x.ndim)
        d = x._data
        out = _reduce(np.add, d, axis, keepdims) if d.dtype.kind == "f" else np.sum(
            d, axis=axis, keepdims=keepdims)
        return unary(Sum, x, out, (axis, keepdims, x.shape))
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(sum, x, axis, keepdims)


@op(numpy=np.mean)
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default): ``sum / count``, composed.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.mean(mg.tensor([[1.0, 2.0], [3.0, 5.0]]), axis=0)
    tensor([2. , 3.5])
    """
    x = coerce(x)
    axis = _axes(axis, x.ndim)
    if axis is None:
        count = x.size
    else:
        count = 1
        for a in axis:
            count *= x.shape[a]
    if count == 0:
        raise ValueError(f"mean over an empty selection (shape {x.shape}, axis {axis})")
    return sum(x, axis, keepdims) / count


class Max(Node):
    """max over axes: the gradient goes to the maximal elements, split evenly
    on ties.  A slice holding NaN has maximum NaN, and its NaN elements
    share the gradient (as ``torch.max(x)`` does)."""

    __slots__ = ()

    def backward(self, g, out, x):
        try:
            axis, keepdims = self.ctx
            xd = self.args[0]
            top = self.out if keepdims else _keep(self.out, axis)
            hit = xd == top
            if xd.dtype.kind == "f" and not every(~np.isnan(self.out)):
                hit |= np.isnan(xd) & np.isnan(top)
            count = np.maximum(hit.sum(axis=axis, keepdims=True), 1)
            share = (hit / count).astype(xd.dtype, copy=False)
            return ((g if keepdims else _keep(g, axis)) * share,)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


# min shares max's rule: the mask compares x with the op's own output
class Min(Max):
    """min over axes: as Max (the extreme's positions share the gradient)."""

    __slots__ = ()


def _extreme(cls, ufunc, x, axis, keepdims):
    x = coerce(x)
    axis = _axes(axis, x.ndim)
    if x.size == 0:
        raise ValueError(f"{cls.__name__.lower()} of an empty tensor (shape {x.shape})")
    return unary(cls, x, _reduce(ufunc, x._data, axis, keepdims), (axis, keepdims))


@op(numpy=(np.max, np.amax))
def max(x, axis=None, keepdims=False):
    """Largest value over ``axis``; tied maxima share the gradient evenly.

    NaN propagates: a slice with a NaN has maximum NaN, and the gradient
    goes to its NaN elements (split evenly), as ``torch.max(x)`` does.
    (``torch.amax`` instead gives the whole slice a NaN gradient; with
    ``dim``, ``torch.max`` gives it all to the first NaN.)

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> mg.max(x).backward()
    >>> x.grad
    tensor([0. , 0.5, 0.5])
    """
    return _extreme(Max, np.maximum, x, axis, keepdims)


@op(numpy=(np.min, np.amin))
def min(x, axis=None, keepdims=False):
    """Smallest value over ``axis``; tied minima share the gradient evenly.
    NaN as in :func:`max`.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.min(mg.tensor([[1.0, 3.0], [0.0, 2.0]]), axis=1)
    tensor([1., 0.])
    """
    return _extreme(Min, np.minimum, x, axis, keepdims)


def _shifted(d, axis):
    """``d - max(d)`` along ``axis`` (keepdims), and that max.  Non-finite
    maxima are replaced by 0, so that an all ``-inf`` slice gives no NaN;
    so is the maximum of an empty slice, which has none (logsumexp of an
    empty slice is then -inf, softmax of one empty, as in PyTorch)."""
    axes = (axis,) if isinstance(axis, int) else axis
    if d.size == 0:
        m = np.sum(d, axis=axes, keepdims=True)     # zeros of the reduced shape
        return d - m, m
    m = _reduce(np.maximum, d, axes, True)
    if not every(np.isfinite(m)):
        m = np.where(np.isfinite(m), m, 0)
    return d - m, m


def _log_sum_exp(z, axis):
    """log(sum(exp(z))) of shifted ``z`` (keepdims); -inf for a slice that
    is all -inf (quiet: see minigrad.ops.quiet)."""
    s = _reduce(np.add, np.exp(z), (axis,) if isinstance(axis, int) else axis, True)
    return np.log(s)


class LogSumExp(Node):
    """log(sum(exp(x))): d/dx = exp(x - out) = softmax(x)."""

    __slots__ = ()

    def backward(self, g, out, x):
        try:
            axis, keepdims = self.ctx
            gk, top = (g, out) if keepdims else (_keep(g, axis), _keep(out, axis))
            return (gk * np.exp(x - top),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op()
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))``, computed without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.logsumexp(mg.tensor([1e4, 1e4], dtype="float64")).item()
    10000.69314718056
    """
    try:
        x = coerce(x)
        axis = _axes(axis, x.ndim)
        z, m = _shifted(x._data, axis)
        out = _log_sum_exp(z, axis) + m
        if not keepdims:
            out = out.reshape(()) if axis is None else np.squeeze(out, axis)
        return unary(LogSumExp, x, out, (axis, keepdims))
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(logsumexp, x, axis, keepdims)


class Softmax(Node):
    """softmax along an axis: d = s * (g - sum(g * s))."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        try:
            axis = self.ctx
            d = g * out
            return (d - _sum_keep(d, axis) * out,)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op()
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, computed without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.softmax(mg.tensor([0.0, 0.0, 1e4]))
    tensor([0., 0., 1.])
    """
    try:
        x = coerce(x)
        axis = _one_axis(axis, x.ndim)
        e = np.exp(_shifted(x._data, axis)[0])
        return unary(Softmax, x, e / _reduce(np.add, e, (axis,), True), axis)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(softmax, x, axis)


class LogSoftmax(Node):
    """log_softmax along an axis: d = g - exp(out) * sum(g)."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        try:
            axis = self.ctx
            return (g - np.exp(out) * _sum_keep(g, axis),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op()
def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``, computed without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.log_softmax(mg.tensor([0.0, 1e4], dtype="float64"))
    tensor([-10000.,      0.], dtype=float64)
    """
    try:
        x = coerce(x)
        axis = _one_axis(axis, x.ndim)
        z = _shifted(x._data, axis)[0]
        z -= _log_sum_exp(z, axis)        # z is a fresh array: reuse it
        return unary(LogSoftmax, x, z, axis)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(log_softmax, x, axis)


def _one_axis(axis, ndim):
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if ndim == 0:
        raise ValueError("softmax and log_softmax need a tensor with at least one dimension")
    return _axes(axis, ndim)[0]
