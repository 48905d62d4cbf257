"""Ops along dims: sum, mean, prod, amax, amin, var, std, norm, logsumexp,
cumsum, all, any, softmax, log_softmax.

``dim`` is ``None`` (all dims), an int or a tuple of ints, and ``keepdim``
keeps them, as in PyTorch; numpy's ``axis`` and ``keepdims`` are aliases.
softmax, log_softmax and logsumexp subtract the maximum first, so they are
finite and warning-free for inputs of any magnitude.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..tracing import every
from ..engine import Node, _make, differentiable, unary
from ..tensor import Tensor, coerce
from .quiet import quietly
from .registry import op


def _axes(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints (``None``: all axes)."""
    if axis is None:
        return None
    if ndim == 0:            # PyTorch: a 0-d tensor has the dims 0 and -1, to reduce nothing
        dims = axis if isinstance(axis, (tuple, list)) else (axis,)
        if not [a for a in dims if a not in (0, -1)]:
            return ()
    try:
        return tuple(sorted(normalize_axis_tuple(axis, ndim)))
    except np.exceptions.AxisError as e:
        raise np.exceptions.AxisError(f"{e}; valid axes are -{ndim}..{ndim - 1}") from None


def _dims(dim, keepdim, axis, keepdims):
    """PyTorch's ``dim``/``keepdim`` or numpy's ``axis``/``keepdims`` (aliases;
    passing both spellings of one raises)."""
    if axis is not None:
        if dim is not None:
            raise TypeError("pass dim or axis (its numpy alias), not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


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
def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Sum over ``dim`` (an int or a tuple; all dims by default), as
    ``torch.sum``; ``axis`` and ``keepdims`` are numpy's aliases.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> mg.sum(x), mg.sum(x, axis=0), mg.sum(x, axis=1, keepdims=True).shape
    (tensor(10.), tensor([4., 6.]), (2, 1))
    """
    try:
        x = coerce(x)
        axis, keepdims = _dims(dim, keepdim, axis, keepdims)
        axis = _axes(axis, x.ndim)
        d = x._data
        out = _reduce(np.add, d, axis, keepdims) if d.dtype.kind == "f" else np.sum(
            d, axis=axis, keepdims=keepdims)
        return unary(Sum, x, out, (axis, keepdims, x.shape))
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(sum, x, axis, keepdims)


@op(numpy=np.mean)
def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over ``dim`` (all dims by default): ``sum / count``, composed.
    As ``torch.mean``; ``axis`` and ``keepdims`` are numpy's aliases.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.mean(mg.tensor([[1.0, 2.0], [3.0, 5.0]]), axis=0)
    tensor([2. , 3.5])
    """
    x = coerce(x)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    axis = _axes(axis, x.ndim)
    if axis is None:
        count = x._data.size
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


def _extreme(cls, ufunc, x, dim, keepdim, axis, keepdims):
    x = coerce(x)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    axis = _axes(axis, x.ndim)
    if x._data.size == 0:
        raise ValueError(f"{cls.__name__.lower()} of an empty tensor (shape {x.shape})")
    return unary(cls, x, _reduce(ufunc, x._data, axis, keepdims), (axis, keepdims))


@op(numpy=(np.max, np.amax))
def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Largest value over ``dim`` (an int or a tuple; all dims by default),
    as ``torch.amax`` and ``np.max``; tied maxima share the gradient evenly.
    (``max(dim)`` instead returns values and indices, see :func:`max`.)

    NaN propagates: a slice with a NaN has maximum NaN, and the gradient
    goes to its NaN elements (split evenly), as ``torch.max(x)`` does.
    (``torch.amax`` instead gives the whole slice a NaN gradient.)

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> mg.amax(x).backward()
    >>> x.grad
    tensor([0. , 0.5, 0.5])
    >>> mg.amax(mg.tensor([[1.0, 3.0], [0.0, 2.0]]), dim=1)
    tensor([3., 2.])
    """
    return _extreme(Max, np.maximum, x, dim, keepdim, axis, keepdims)


@op(numpy=(np.min, np.amin))
def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Smallest value over ``dim``, as ``torch.amin`` and ``np.min``; tied
    minima share the gradient evenly.  NaN as in :func:`amax`.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.amin(mg.tensor([[1.0, 3.0], [0.0, 2.0]]), dim=1)
    tensor([1., 0.])
    """
    return _extreme(Min, np.minimum, x, dim, keepdim, axis, keepdims)


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
def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """``log(sum(exp(x), dim))``, computed without overflow, as
    ``torch.logsumexp`` (``dim`` may be left out: all dims).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.logsumexp(mg.tensor([1e4, 1e4], dtype="float64")).item()
    10000.69314718056
    """
    try:
        x = coerce(x)
        axis, keepdims = _dims(dim, keepdim, axis, keepdims)
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
def softmax(x, dim=None, *, axis=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (the last by default; ``axis`` is
    an alias), computed without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.softmax(mg.tensor([0.0, 0.0, 1e4]))
    tensor([0., 0., 1.])
    """
    try:
        x = coerce(x)
        axis = _one_axis(_last(dim, axis), x.ndim)
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
def log_softmax(x, dim=None, *, axis=None):
    """``x - logsumexp(x)`` along ``dim`` (the last by default; ``axis`` is an
    alias), computed without overflow.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.log_softmax(mg.tensor([0.0, 1e4], dtype="float64"))
    tensor([-10000.,      0.], dtype=float64)
    """
    try:
        x = coerce(x)
        axis = _one_axis(_last(dim, axis), x.ndim)
        z = _shifted(x._data, axis)[0]
        z -= _log_sum_exp(z, axis)        # z is a fresh array: reuse it
        return unary(LogSoftmax, x, z, axis)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(log_softmax, x, axis)


def _last(dim, axis):
    """``dim`` or its alias ``axis``; the last dim if neither is given."""
    dim = _dims(dim, False, axis, None)[0]
    return -1 if dim is None else dim


def _one_axis(axis, ndim):
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an int, got {axis!r}")
    if ndim == 0:
        raise ValueError("softmax and log_softmax need a tensor with at least one dimension")
    return _axes(axis, ndim)[0]


# ------------------------------------------------------------------ prod

class Prod(Node):
    """prod over axes: each element's gradient is the product of the others
    (exact with zeros: no division)."""

    __slots__ = ()
    save_out = False

    def backward(self, g, out, x):
        axis, keepdims = self.ctx
        return ((g if keepdims else _keep(g, axis)) * _prod_others(x, axis),)


def _to_last(shape, axis):
    """The permutation that moves ``axis`` (None: all) to the end, and its length."""
    axis = tuple(range(len(shape))) if axis is None else axis
    perm = [i for i in range(len(shape)) if i not in axis] + list(axis)
    k = 1
    for a in axis:
        k *= shape[a]
    return perm, k


@differentiable
def _prod_others(x, axis):
    """For each element, the product of the other elements of its slice over
    ``axis``: exclusive cumulative products on arrays; on Tensors (gradients
    of gradients) the product of a K x K spread with ones on the diagonal."""
    perm, k = _to_last(x.shape, axis)
    moved = np.transpose(x, perm)
    lead = moved.shape[:x.ndim - (x.ndim if axis is None else len(axis))]
    flat = np.reshape(moved, lead + (k,))
    if isinstance(x, Tensor):
        spread = np.broadcast_to(np.expand_dims(flat, -2), lead + (k, k))
        others = prod(np.where(np.eye(k, dtype=bool), 1, spread), -1)
    else:
        ones = np.ones(lead + (1,), flat.dtype)
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        others = before * after
    back = np.reshape(others, moved.shape)
    return np.transpose(back, tuple(np.argsort(perm).tolist()))


@op(numpy=np.prod)
def prod(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Product over ``dim`` (an int or a tuple; all dims by default), as
    ``torch.prod``; the gradient is exact where elements are zero.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0], [0.0, 4.0]], requires_grad=True)
    >>> mg.prod(x.detach(), dim=1)
    tensor([2., 0.])
    >>> x.prod().backward(); x.grad
    tensor([[0., 0.],
            [8., 0.]])
    """
    x = coerce(x)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    axis = _axes(axis, x.ndim)
    out = np.prod(x._data, axis=axis, keepdims=keepdims)
    return unary(Prod, x, out, (axis, keepdims))


# ------------------------------------------------------------- var, std, norm

def _count(x, axis):
    if axis is None:
        return x._data.size
    n = 1
    for a in axis:
        n *= x.shape[a]
    return n


def _centered(x, dim, unbiased, keepdim, correction, axis, keepdims):
    """``(x - mean(x), axes, keepdims, n - correction)``: what var and std share."""
    x = coerce(x)
    if isinstance(dim, bool):            # the legacy x.var(unbiased)
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError("pass correction or unbiased, not both")
    c = correction if correction is not None else (0 if unbiased is False else 1)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    axis = _axes(axis, x.ndim)
    n = _count(x, axis)
    if n - c <= 0:
        raise ValueError(f"var/std over {n} element(s) with correction={c} has no degrees of "
                         f"freedom left (PyTorch returns nan); use correction=0 or more elements")
    return x - mean(x, axis, True), axis, keepdims, n - c


@op()
def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Variance over ``dim`` with ``correction`` (1 by default: unbiased, as
    ``torch.var``; numpy's ``np.var`` uses 0), composed from mean and sum.
    ``unbiased=False`` is ``correction=0``.  Fewer elements than
    ``correction + 1`` raise ``ValueError`` (PyTorch returns nan).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.var(), x.var(correction=0)
    (tensor(1.6666666), tensor(1.25))
    """
    d, axis, keepdims, dof = _centered(x, dim, unbiased, keepdim, correction, axis, keepdims)
    return sum(d * d, axis, keepdims) / dof


@op()
def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Standard deviation: the square root of :func:`var` (same arguments;
    unbiased by default, as ``torch.std``), composed as the 2-norm of
    ``x - mean`` over ``sqrt(n - correction)``.  Where it is 0 (all values
    equal) the gradient is 0, as the 2-norm's (PyTorch's is nan there).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 3.0], [2.0, 2.0]]).std(dim=1)
    tensor([1.4142135, 0.       ])
    """
    d, axis, keepdims, dof = _centered(x, dim, unbiased, keepdim, correction, axis, keepdims)
    return norm(d, 2, axis, keepdims) / dof ** 0.5


class Norm2(Node):
    """The 2-norm over axes: the gradient is ``g * x / norm`` (0 where the
    norm is 0, as PyTorch)."""

    __slots__ = ()

    def backward(self, g, out, x):
        axis, keepdims = self.ctx
        top = self.out if keepdims else _keep(self.out, axis)
        if not keepdims:
            g, out = _keep(g, axis), _keep(out, axis)
        zero = top == 0
        return (g * x / np.where(zero, 1, out) * ~zero,)


@op()
def norm(x, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The vector ``p``-norm over ``dim`` (all elements by default), as
    ``torch.norm`` / ``Tensor.norm``: ``p`` is 2 (or ``"fro"``), 1, any
    positive number, ``inf`` or ``-inf`` (a largest / smallest absolute
    value) or 0 (the count of non-zeros, no gradient).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    >>> x.norm(dim=1)
    tensor([5., 0.], grad_fn=<Norm2Backward>)
    >>> x.norm(dim=1).sum().backward(); x.grad
    tensor([[0.6, 0.8],
            [0. , 0. ]])
    """
    x = coerce(x)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    if p == "fro" and isinstance(axis, (tuple, list)) and len(axis) > 2:
        raise ValueError(f"norm: p='fro' takes at most 2 dims (a matrix norm), got {axis}; "
                         "use p=2 for the 2-norm over more dims")
    if p == "fro" or p == 2:
        axis = _axes(axis, x.ndim)
        out = np.sqrt(_reduce(np.add, x._data * x._data, axis, keepdims))
        return unary(Norm2, x, out, (axis, keepdims))
    if isinstance(p, str) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ValueError(f"norm: p must be a number, 'fro' or inf, not {p!r}")
    if p == np.inf:
        return amax(abs(x), axis, keepdims)
    if p == -np.inf:
        return amin(abs(x), axis, keepdims)
    if p == 0:
        return _make(np.sum(x._data != 0, axis=_axes(axis, x.ndim), keepdims=keepdims)
                     .astype(x.dtype), None)
    if p == 1:
        return sum(abs(x), axis, keepdims)
    if p < 0:
        raise ValueError(f"norm: p={p} is not supported; use p > 0, 0, inf or -inf")
    return sum(abs(x) ** p, axis, keepdims) ** (1.0 / p)


# ------------------------------------------------------------------ cumsum

class Cumsum(Node):
    """cumsum along an axis: the gradient is the reversed cumulative sum of g."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (_reverse_cumsum(g, self.ctx),)


@differentiable
def _reverse_cumsum(g, axis):
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    if isinstance(g, Tensor):
        return cumsum(g[flip], axis)[flip]
    return np.cumsum(g[flip], axis)[flip]


@op()
def cumsum(x, dim=None, *, axis=None, dtype=None):
    """Cumulative sums along ``dim`` (required), as ``torch.cumsum``.
    Integer and bool tensors give int64.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 2.0], [3.0, 4.0]]).cumsum(dim=1)
    tensor([[1., 3.],
            [3., 7.]])
    """
    x = coerce(x)
    dim = _dims(dim, False, axis, None)[0]
    if dim is None:
        raise TypeError("cumsum needs dim (as torch.cumsum); flatten first for a running "
                        "sum over all elements")
    if dtype is not None:
        x = x.astype(dtype)
    d = _axes(int(dim), max(x.ndim, 1))[0]
    if x.ndim == 0:
        return cumsum(x.reshape(1), 0).reshape(())
    out = np.cumsum(x._data, axis=d)
    if x.dtype.kind in "biu":
        return _make(out.astype(np.int64, copy=False), None)
    return unary(Cumsum, x, out, d)


# ------------------------------------------------------------- all, any

def _logical(ufunc, x, dim, keepdim, axis, keepdims):
    x = coerce(x)
    axis, keepdims = _dims(dim, keepdim, axis, keepdims)
    out = ufunc.reduce(x._data != 0, axis=_axes(axis, x.ndim), keepdims=keepdims)
    return _make(np.asarray(out), None)


@op()
def all(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether every element (over ``dim``) is non-zero: a bool tensor with no
    gradient, as ``torch.all``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 0.0], [2.0, 3.0]]).all(dim=1)
    tensor([False,  True], dtype=bool)
    """
    return _logical(np.logical_and, x, dim, keepdim, axis, keepdims)


@op()
def any(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether some element (over ``dim``) is non-zero: a bool tensor with no
    gradient, as ``torch.any``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 0.0], [0.0, 0.0]]).any(dim=1)
    tensor([ True, False], dtype=bool)
    """
    return _logical(np.logical_or, x, dim, keepdim, axis, keepdims)
