"""Shape ops: reshape, transpose, squeeze, expand_dims, broadcast_to, astype,
indexing, concatenate (cat), stack.

Primitives: Reshape, Transpose, Getitem (and its adjoint ScatterAdd),
Concatenate, plus the engine's BroadcastTo and Cast.  squeeze, expand_dims,
swapaxes and stack are composed from them.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from ..engine import (BroadcastTo, Cast, Node, _make, check_dtype, differentiable, record,
                      unary)
from ..creation import write_out
from ..versions import register_view
from ..tensor import Tensor, coerce
from .registry import op
from .reduce import _axes


def _view(t, x, cls, ctx, fn, arg):
    """The result ``t`` of a view op on ``x``: if it shares ``x``'s memory,
    it is registered as a view (op ``cls`` with ``ctx``, ``fn(array, arg)``
    in numpy), so that in-place changes through it or its base give every
    view of that memory the right history (see :mod:`minigrad.versions`)."""
    if t._data.base is not None:
        register_view(t, x, (cls, ctx, fn, arg))
    return t


def _reshaped(a, shape):
    return a.reshape(shape)


def _transposed(a, axes):
    return a.transpose(axes)


def _indexed_view(a, idx):
    return a[idx]


def _method_reshape(self, *shape):
    """``t.reshape(2, 3)`` and ``t.reshape((2, 3))``."""
    return reshape(self, *shape)


def _numpy_reshape(a, shape):
    """``np.reshape(t, shape)``."""
    return reshape(a, shape)


def _method_transpose(self, *axes):
    """``t.transpose()``, ``t.transpose(1, 0)`` and ``t.transpose((1, 0))``."""
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list, np.ndarray))):
        axes = axes[0]
    return transpose(self, axes or None)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


class Reshape(Node):
    """reshape: the gradient is reshaped back."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (g.reshape(self.ctx),)


@op(method=_method_reshape, numpy=[(np.reshape, _numpy_reshape)])
def reshape(x, *shape):
    """The same elements in a new shape (one dimension may be -1).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.reshape(mg.arange(6), 2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]], dtype=int64)
    """
    x = coerce(x)
    shape = _shape(shape)
    try:
        out = x._data.reshape(shape)
    except ValueError as e:
        raise ValueError(f"cannot reshape a tensor of shape {x.shape} into {shape}: {e}") from None
    return _view(unary(Reshape, x, out, x.shape), x, Reshape, x.shape, _reshaped, shape)


class Transpose(Node):
    """transpose: the gradient is transposed by the inverse permutation."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (g.transpose(tuple(np.argsort(self.ctx).tolist())),)


@op(method=_method_transpose, numpy=np.transpose, attrs={"T": property(lambda self: transpose(self), doc="The tensor with its axes reversed.")})
def transpose(x, axes=None):
    """Permute the axes (reverse them by default), as ``np.transpose``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.transpose(mg.ones(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    """
    x = coerce(x)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    else:
        axes = tuple(normalize_axis_index(int(a), x.ndim) for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"axes {axes} are not a permutation of the {x.ndim} axes of the tensor")
    return _view(unary(Transpose, x, x._data.transpose(axes), axes), x, Transpose, axes,
                 _transposed, axes)


@op(numpy=np.swapaxes)
def swapaxes(x, axis1, axis2):
    """Swap two axes (composed: a transpose).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.swapaxes(mg.ones(2, 3, 4), 0, 2).shape
    (4, 3, 2)
    """
    x = coerce(x)
    axes = list(range(x.ndim))
    a, b = _axes(axis1, x.ndim)[0], _axes(axis2, x.ndim)[0]
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, axes)


@op(numpy=np.squeeze)
def squeeze(x, axis=None):
    """Remove axes of length one (all of them by default); a reshape.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.squeeze(mg.ones(3, 1)).shape
    (3,)
    """
    x = coerce(x)
    axes = _axes(axis, x.ndim)
    if axes is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of a tensor of shape {x.shape}: its length is not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


@op(numpy=np.expand_dims)
def expand_dims(x, axis):
    """Insert axes of length one at ``axis`` (an int or a tuple); a reshape.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.expand_dims(mg.ones(3), 0).shape
    (1, 3)
    """
    x = coerce(x)
    return reshape(x, np.expand_dims(x._data, axis).shape)


@op(numpy=np.broadcast_to)
def broadcast_to(x, shape):
    """Repeat ``x`` along broadcast axes to ``shape``; the gradient sums back.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> mg.broadcast_to(x, (3, 2)).sum().backward()
    >>> x.grad
    tensor([3., 3.])
    """
    x = coerce(x)
    shape = _shape((shape,)) if not isinstance(shape, (int, np.integer)) else (int(shape),)
    try:
        out = np.broadcast_to(x._data, shape)
    except ValueError:
        raise ValueError(f"cannot broadcast a tensor of shape {x.shape} to {shape}") from None
    if shape == x.shape:
        return x
    return _view(unary(BroadcastTo, x, out, x.shape), x, BroadcastTo, x.shape,
                 np.broadcast_to, shape)


@op()
def astype(x, dtype):
    """The tensor cast to ``dtype``.

    A cast between float32 and float64 keeps the graph (the gradient is
    cast back).  A cast to an integer or bool dtype cuts it, as in PyTorch:
    the result requires no grad.  Dtypes a tensor cannot hold (complex,
    str, object, float16) raise ``TypeError``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.5], requires_grad=True)
    >>> mg.astype(x, "float64")
    tensor([1.5], dtype=float64, grad_fn=<CastBackward>)
    >>> x.astype("int64")
    tensor([1], dtype=int64)
    """
    if type(x) is Tensor and x._data.dtype is dtype:     # already that dtype (the hot path)
        return x
    x = coerce(x)
    dtype = np.dtype(dtype)
    try:
        check_dtype(dtype)
    except TypeError:
        raise TypeError(f"cannot cast a tensor to {dtype}: tensors hold bool, integer, float32 "
                        "or float64 data") from None
    if dtype == x.dtype:
        return x
    if dtype.kind != "f":
        return _make(x._data.astype(dtype), None)
    return unary(Cast, x, x._data.astype(dtype), x.dtype)


# ------------------------------------------------------------------ indexing

def _index(idx):
    """Normalise an index as numpy reads it: Tensors and lists become arrays
    (copies: the graph never aliases a caller's index; an empty list indexes
    nothing, as numpy's ``x[[]]``); returns ``(index, is_basic)``.  Boolean
    masks stay masks, so numpy checks their shape (``is_basic`` is False:
    their gradient is scattered with ``np.add.at``, which takes them)."""
    if type(idx) is not tuple:
        idx = (idx,)
    out = []
    basic = True
    for i in idx:
        if isinstance(i, Tensor):
            i = i._data.copy()
        elif isinstance(i, np.ndarray):
            i = i.copy()
        elif isinstance(i, list):
            i = np.asarray(i)
            if i.size == 0:
                i = i.astype(np.intp)
        if isinstance(i, np.ndarray):
            if i.dtype == bool and i.ndim == 0:
                i = i[()]                   # a 0-d mask: a new axis of length 1 or 0
            elif i.dtype != bool and i.dtype.kind not in "iu":
                raise IndexError(
                    f"tensors can be indexed by integers, slices, None, ... and integer "
                    f"or boolean arrays, not by an array of {i.dtype}"
                )
            else:
                basic = False
        elif not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer, np.bool_))):
            raise IndexError(f"unsupported index {i!r}")
        out.append(i)
    return tuple(out), basic


def _scatter_numpy(g, shape, idx, basic):
    z = np.zeros_like(g, shape=shape)
    if basic:
        z[idx] = g
    else:
        np.add.at(z, idx, g)
    return z


class Getitem(Node):
    """x[idx]: the gradient is scattered back, repeated indices adding up."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        idx, basic, shape = self.ctx
        return (scatter_add(g, shape, idx, basic),)


@op(method=False, operators="__getitem__")
def getitem(x, index):
    """``x[index]`` with basic and integer/boolean-array indexing.

    The gradient scatters back into x's shape; repeated indices add up.
    Basic indexing (integers, slices, None, ...) gives a view of x's memory,
    as in PyTorch: ``x[0]`` of a 1-d tensor too, a 0-d view (numpy would
    copy that one element).  Integer and boolean arrays give a copy.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    tensor([2., 0., 1.])
    >>> t = mg.zeros(3)
    >>> first = t[0]
    >>> t += 1
    >>> first
    tensor(1.)
    """
    x, idx, basic, out = _indexed(x, index)
    if not basic:
        return unary(Getitem, x, out, (idx, basic, x.shape))
    if not isinstance(out, np.ndarray):   # one element: a 0-d view, as PyTorch's t[0]
        idx += (Ellipsis,)
        out = x._data[idx]
    ctx = (idx, basic, x.shape)
    return _view(unary(Getitem, x, out, ctx), x, Getitem, ctx, _indexed_view, idx)


def _indexed(x, index):
    """``(x, idx, basic, x[idx])``: x as a Tensor, the normalised index,
    whether it is basic, and numpy's result (its IndexError names x's shape)."""
    x = coerce(x)
    idx, basic = _index(index)
    try:
        return x, idx, basic, x._data[idx]
    except IndexError as e:
        raise IndexError(f"{e} (tensor of shape {x.shape})") from None


class ScatterAdd(Node):
    """scatter_add(g, shape, idx): its gradient is indexing, g[idx]."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, src):
        return (g[self.ctx[0]],)


@differentiable
def scatter_add(g, shape, idx, basic):
    """Zeros of ``shape`` with ``g`` added at ``idx`` (repeats add up): the
    adjoint of indexing.  Works on arrays and, recording, on Tensors."""
    if isinstance(g, Tensor):
        return record(ScatterAdd, _scatter_numpy(g._data, shape, idx, basic), (g,), ctx=(idx,))
    return _scatter_numpy(g, shape, idx, basic)


class SetItem(Node):
    """x with x[idx] = v: x's gradient is g with zeros where v landed, v's is
    g[idx] (v has exactly x[idx]'s shape: :func:`setitem` broadcasts it)."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x, v):
        idx, keep = self.ctx
        ix, iv = self.next
        return (g * keep if ix is not None else None, g[idx] if iv is not None else None)


def setitem(x, index, value):
    """A copy of ``x`` with ``x[index] = value`` (``x.at[index].set(value)``
    in JAX): the out-of-place form of ``t[index] = value``.

    ``value`` broadcasts to ``x[index]``'s shape and takes x's dtype; both
    get gradients.  An integer-array index that repeats a position refuses a
    ``value`` that needs a gradient (which write lands is numpy's choice).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.ops.shape import setitem
    >>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> v = mg.tensor(5.0, requires_grad=True)
    >>> (setitem(x, 1, v) * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    >>> x.grad, v.grad
    (tensor([1., 0., 3.]), tensor(2.))
    """
    x, idx, basic, target = _indexed(x, index)
    v = value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=x.dtype))
    if v.dtype != x.dtype:
        v = astype(v, x.dtype)
    if v.shape != target.shape:
        try:
            v = broadcast_to(v, target.shape)
        except ValueError:
            raise ValueError(f"cannot assign a value of shape {v.shape} to x[index] of shape "
                             f"{target.shape}") from None
    if not basic and v.requires_grad:
        where = np.arange(x.size).reshape(x.shape)[idx]
        if np.unique(where).size < where.size:
            raise ValueError("t[index] = value with an index that repeats a position: which "
                             "write lands is not defined, so neither is the gradient; use "
                             "unique indices")
    out = x._data.copy()
    out[idx] = v._data
    keep = np.ones(x.shape, x.dtype)
    keep[idx] = 0
    return record(SetItem, out, (x, v), ctx=(idx, keep))


class TakeOne(Node):
    """One element per slice along an axis: the gradient goes back to the
    picked positions (each slice has one, so they cannot repeat)."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        index, axis, shape = self.ctx
        return (put_one(g, index, axis, shape),)


@differentiable
def take_one(x, index, axis):
    """``x`` at ``index`` along ``axis``, one element per slice: the gather of
    a classifier's true-class scores (``index`` has x's shape without ``axis``).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.ops.shape import take_one
    >>> x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    >>> take_one(x, np.array([2, 0]), axis=1).sum().backward()
    >>> x.grad
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    index = np.copy(index)           # a copy: the graph never aliases it
    if isinstance(x, Tensor):
        out = np.take_along_axis(x._data, np.expand_dims(index, axis), axis).squeeze(axis)
        return unary(TakeOne, x, out, (index, axis, x.shape))
    return np.take_along_axis(x, np.expand_dims(index, axis), axis).squeeze(axis)


class PutOne(Node):
    """put_one(g, index, axis, shape): its gradient is take_one."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, src):
        index, axis = self.ctx
        return (take_one(g, index, axis),)


@differentiable
def put_one(g, index, axis, shape):
    """Zeros of ``shape`` with ``g`` placed at ``index`` along ``axis``: the
    adjoint of :func:`take_one`.  Works on arrays and, recording, on Tensors."""
    if isinstance(g, Tensor):
        return record(PutOne, _put_one_numpy(g._data, index, axis, shape), (g,), ctx=(index, axis))
    return _put_one_numpy(g, index, axis, shape)


def _put_one_numpy(g, index, axis, shape):
    z = np.zeros_like(g, shape=shape)
    np.put_along_axis(z, np.expand_dims(index, axis), np.expand_dims(g, axis), axis)
    return z


# ------------------------------------------------------------- joining

class Concatenate(Node):
    """concatenate along an axis: each input gets its slice of the gradient."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, *xs):
        axis, bounds = self.ctx
        lead = (slice(None),) * axis
        return tuple(
            g[lead + (slice(lo, hi),)] if t is not None else None
            for t, lo, hi in zip(self.next, bounds[:-1], bounds[1:])
        )


@op(method=False, numpy=np.concatenate)
def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (``axis=None``: flattened first,
    as numpy).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.concatenate([mg.ones(2), mg.zeros(1)])
    tensor([1., 1., 0.])
    >>> mg.concatenate([mg.ones((2, 2)), mg.zeros(1)], axis=None).shape
    (5,)
    """
    tensors = [t if isinstance(t, Tensor) else coerce(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    if axis is None:
        tensors, axis = [reshape(t, -1) for t in tensors], 0
    if tensors[0].ndim == 0:
        raise ValueError("cannot concatenate 0-d tensors; use mg.stack")
    axis = _axes(axis, tensors[0].ndim)[0]
    try:
        out = np.concatenate([t._data for t in tensors], axis=axis)
    except ValueError as e:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"cannot concatenate shapes {shapes} along axis {axis}: {e}") from None
    bounds = np.cumsum([0] + [t.shape[axis] for t in tensors]).tolist()
    return record(Concatenate, out, tensors, ctx=(axis, bounds))


def _dim(dim, axis, who):
    """PyTorch's ``dim`` or numpy's ``axis`` (an alias), not both; default 0."""
    if axis is not None and dim is not None and axis != dim:
        raise TypeError(f"{who} takes dim (PyTorch) or axis (numpy), not both")
    return axis if axis is not None else 0 if dim is None else dim


@op(method=False)
def cat(tensors, dim=None, *, axis=None, out=None):
    """Join tensors along an existing dimension ``dim`` (default 0), as ``torch.cat`` (the
    concatenate primitive under PyTorch's name; ``out=`` as PyTorch).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.cat([mg.ones(1, 2), mg.zeros(1, 2)], dim=1)
    tensor([[1., 1., 0., 0.]])
    """
    return write_out(out, concatenate(tensors, _dim(dim, axis, "cat")))


@op(method=False)
def concat(tensors, dim=None, *, axis=None, out=None):
    """The same as :func:`cat` (PyTorch's alias).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.concat([mg.ones(2), mg.zeros(1)])
    tensor([1., 1., 0.])
    """
    return cat(tensors, dim, axis=axis, out=out)


@op(method=False, numpy=np.stack, rename={"axis": "dim"})
def stack(tensors, dim=None, *, axis=None, out=None):
    """Join tensors along a new dimension ``dim`` (default 0; composed: expand_dims +
    concatenate); ``axis=`` is numpy's name for it.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.stack([mg.ones(3), mg.zeros(3)]).shape, mg.stack([mg.ones(3), mg.zeros(3)], dim=1).shape
    ((2, 3), (3, 2))
    """
    tensors = [coerce(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack needs tensors of one shape, got {sorted(shapes)}")
    dim = _axes(_dim(dim, axis, "stack"), tensors[0].ndim + 1)[0]
    return write_out(out, concatenate([expand_dims(t, dim) for t in tensors], axis=dim))
