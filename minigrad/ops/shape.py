"""Shape ops, with PyTorch's names and arguments: reshape, view, permute,
transpose(dim0, dim1), t, flatten, unflatten, squeeze, unsqueeze, expand,
repeat, repeat_interleave, split, chunk, narrow; and broadcast_to, astype,
indexing, concatenate (cat), stack.  numpy's ``np.transpose`` and ``np.squeeze``
keep numpy's meaning on tensors.

Primitives: Reshape, Transpose (``permute``), Getitem (and its adjoint
ScatterAdd), Concatenate, plus the engine's BroadcastTo and Cast.  The rest
are composed from them.
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


def _numpy_transpose(a, axes=None):
    """``np.transpose(t, axes)``: numpy's meaning (reverse, or permute by ``axes``)."""
    a = coerce(a)
    return permute(a, tuple(range(a.ndim))[::-1] if axes is None else axes)


def _numpy_squeeze(a, axis=None):
    """``np.squeeze(t, axis)``: numpy's meaning (an axis whose length is not 1 raises)."""
    a = coerce(a)
    axes = _axes(axis, a.ndim)
    for i in axes or ():
        if a.shape[i] != 1:
            raise ValueError(f"cannot squeeze axis {i} of a tensor of shape {a.shape}: its "
                             "length is not 1")
    return squeeze(a, axis)


def _dim_alias(dim, axis, name="dim"):
    """PyTorch's ``dim`` or numpy's ``axis`` (one of them)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"pass {name} or axis, not both")
        return axis
    return dim


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"a shape is ints (or one tuple of ints), not {shape!r}") from None


def _dim(dim, ndim, name="dim"):
    """One dimension as a non-negative int, PyTorch's way (a 0-d tensor has
    one valid dim, 0 or -1)."""
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name} must be an int, not {dim!r}")
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{name} {dim} is out of range for a tensor with {ndim} dimensions; "
                         f"valid dims are -{n}..{n - 1}")
    return int(dim) % n



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
    """permute: the gradient is permuted back by the inverse permutation."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (np.transpose(g, tuple(np.argsort(self.ctx).tolist())),)


def _reversed(self):
    return permute(self, tuple(range(self.ndim))[::-1])


def _matrix_transpose(self):
    if self.ndim < 2:
        raise ValueError(f"t.mT needs a tensor with at least 2 dimensions, this one has "
                         f"shape {self.shape}")
    return transpose(self, -2, -1)


@op(public=False, numpy=[(np.transpose, _numpy_transpose)], attrs={
    "T": property(_reversed, doc="The dimensions reversed (``t.permute(n-1, ..., 0)``)."),
    "mT": property(_matrix_transpose, doc="The last two dimensions swapped.")})
def permute(x, *dims):
    """Permute the dimensions, as ``torch.permute``: ``x.permute(2, 0, 1)``
    (or one tuple).  The result views x's memory.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.permute(mg.ones(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    >>> mg.ones(2, 3, 4).permute(1, 2, 0).shape
    (3, 4, 2)
    """
    x = coerce(x)
    if not dims:
        raise TypeError("permute(*dims) needs the order of the dims, as in PyTorch: "
                        "x.permute(2, 0, 1) or x.permute((2, 0, 1))")
    dims = tuple(_dim(d, x.ndim) for d in _shape(dims)) if x.ndim else _shape(dims)
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} dims of the "
                         f"tensor (shape {x.shape})")
    return _view(unary(Transpose, x, x._data.transpose(dims), dims), x, Transpose, dims,
                 _transposed, dims)


@op(numpy=None)
def transpose(x, dim0=None, dim1=None):
    """Swap two dimensions, as ``torch.transpose(x, dim0, dim1)``.

    ``x.transpose()`` or ``x.transpose((1, 0))`` (numpy's permutation) raise
    ``TypeError``: use ``x.permute(...)``, ``x.T`` or ``np.transpose(x)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.transpose(mg.ones(2, 3, 4), 0, 2).shape
    (4, 3, 2)
    >>> mg.ones(2, 3).transpose(0, 1).shape
    (3, 2)
    """
    x = coerce(x)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in (dim0, dim1)):
        raise TypeError(
            "transpose(dim0, dim1) swaps two dims, as in PyTorch (got "
            f"transpose({'' if dim0 is None else repr(dim0)}"
            f"{'' if dim1 is None else ', ' + repr(dim1)})); to reorder all dims use "
            "x.permute(*dims), to reverse them x.T or np.transpose(x)")
    dims = list(range(x.ndim))
    if x.ndim == 0:
        _dim(dim0, 0), _dim(dim1, 0)
        return permute(x, ())
    a, b = _dim(dim0, x.ndim, "dim0"), _dim(dim1, x.ndim, "dim1")
    dims[a], dims[b] = dims[b], dims[a]
    return permute(x, dims)


@op(numpy=np.swapaxes)
def swapaxes(x, axis1, axis2):
    """Swap two axes: :func:`transpose` under numpy's (and PyTorch's alias) name.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.swapaxes(mg.ones(2, 3, 4), 0, 2).shape
    (4, 3, 2)
    """
    return transpose(x, axis1, axis2)


def _method_t(self):
    """``t.t()``: a 2-D tensor transposed (0-D and 1-D returned as they are)."""
    if self.ndim > 2:
        raise ValueError(f"t() expects a tensor with <= 2 dimensions, but this one has shape "
                         f"{self.shape}; use transpose(dim0, dim1) or permute")
    return transpose(self, 0, -1) if self.ndim == 2 else self


@op(method=_method_t)
def t(x):
    """``x.t()``: a matrix transposed; 0-D and 1-D tensors as they are (PyTorch's ``t``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(2, 3).t().shape
    (3, 2)
    """
    return _method_t(coerce(x))


@op(numpy=[(np.squeeze, _numpy_squeeze)])
def squeeze(x, dim=None, *, axis=None):
    """Remove dimensions of length one, as ``torch.squeeze``: all of them, or
    those among ``dim`` (an int or a tuple) whose length is 1 (the others are
    left as they are, as in PyTorch); a reshape.  ``np.squeeze(t, axis)``
    keeps numpy's meaning (an axis whose length is not 1 raises).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.squeeze(mg.ones(3, 1)).shape
    (3,)
    >>> mg.ones(3, 1).squeeze(0).shape
    (3, 1)
    """
    x = coerce(x)
    dim = _dim_alias(dim, axis)
    if dim is None:
        dims = range(x.ndim)
    elif isinstance(dim, (tuple, list)):
        dims = [_dim(d, x.ndim) for d in dim]
    else:
        dims = [_dim(dim, x.ndim)]
    drop = {d for d in dims if x.ndim and x.shape[d] == 1}
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in drop))


@op(public=False)
def unsqueeze(x, dim):
    """Insert a dimension of length one at ``dim`` (``-x.ndim-1 <= dim <= x.ndim``),
    as ``torch.unsqueeze``; a reshape.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(3).unsqueeze(0).shape, mg.ones(3).unsqueeze(-1).shape
    ((1, 3), (3, 1))
    """
    x = coerce(x)
    d = _dim(dim, x.ndim + 1)
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


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


def _method_view(self, *shape):
    """``t.view(2, 3)`` and ``t.view((2, 3))``."""
    return view(self, *shape)


@op(public=False, method=_method_view)
def view(x, *shape):
    """The same memory seen in a new shape, as ``torch.Tensor.view``: it
    shares x's memory (and its version counter), never copies.  A shape that
    x's memory layout cannot give without a copy (a transposed tensor
    flattened) raises; use ``reshape`` there.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.arange(6.0)
    >>> v = x.view(2, 3)
    >>> v.shape, v.numpy().base is x.numpy()
    ((2, 3), True)
    """
    x = coerce(x)
    shape = _shape(shape)
    try:
        out = np.reshape(x._data, shape, copy=False)
    except ValueError as e:
        if "copy" not in str(e):
            raise ValueError(f"cannot view a tensor of shape {x.shape} as {shape}: {e}") from None
        raise RuntimeError(
            f"view of a tensor of shape {x.shape} as {shape} would need a copy (its memory is not "
            "laid out for it, e.g. after a transpose); use .reshape(...) instead") from None
    return _view(unary(Reshape, x, out, x.shape), x, Reshape, x.shape, _reshaped, shape)


@op(public=False)
def flatten(x, start_dim=0, end_dim=-1):
    """Merge the dimensions ``start_dim..end_dim`` into one, as ``torch.flatten``
    (a 0-d tensor becomes shape ``(1,)``); a reshape.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.flatten(mg.ones(2, 3, 4)).shape, mg.ones(2, 3, 4).flatten(1).shape
    ((24,), (2, 12))
    """
    x = coerce(x)
    if x.ndim == 0:
        _dim(start_dim, 0, "start_dim"), _dim(end_dim, 0, "end_dim")
        return reshape(x, 1)
    a, b = _dim(start_dim, x.ndim, "start_dim"), _dim(end_dim, x.ndim, "end_dim")
    if a > b:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, x.shape[:a] + (int(np.prod(x.shape[a:b + 1])),) + x.shape[b + 1:])


@op()
def unflatten(x, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1), as ``torch.unflatten``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(2, 12).unflatten(1, (3, 4)).shape
    (2, 3, 4)
    """
    x = coerce(x)
    d = _dim(dim, x.ndim)
    sizes = _shape((sizes,))
    try:
        inner = np.empty(x.shape[d], dtype=np.int8).reshape(sizes).shape
    except ValueError:
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to dim {dim}'s length "
                         f"{x.shape[d]}") from None
    return reshape(x, x.shape[:d] + inner + x.shape[d + 1:])


def _method_expand(self, *sizes):
    """``t.expand(3, -1)`` and ``t.expand((3, -1))``."""
    return expand(self, *sizes)


@op(public=False, method=_method_expand)
def expand(x, *sizes):
    """``x`` broadcast to ``sizes`` (-1 keeps a dimension; new dimensions go
    in front), as ``torch.Tensor.expand``; the gradient sums back.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(3, 1).expand(2, -1, 4).shape
    (2, 3, 4)
    """
    x = coerce(x)
    if not sizes:
        raise TypeError("expand(*sizes) needs the sizes, as in PyTorch: x.expand(3, -1)")
    sizes = _shape(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} for a tensor with {x.ndim} dims "
                         f"(shape {x.shape}); give at least one size per dim")
    if any(s == -1 for s in sizes[:lead]):
        raise ValueError(f"expand: -1 is not allowed for the new leading dims in {sizes}")
    shape = sizes[:lead] + tuple(n if s == -1 else s for n, s in zip(x.shape, sizes[lead:]))
    return broadcast_to(x, shape)


@op(public=False)
def expand_as(x, other):
    """``x.expand(other.shape)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(3).expand_as(mg.zeros(2, 3)).shape
    (2, 3)
    """
    return expand(x, tuple(coerce(other).shape))


def _method_repeat(self, *sizes):
    """``t.repeat(2, 3)`` and ``t.repeat((2, 3))``."""
    return repeat(self, *sizes)


@op(public=False, method=_method_repeat)
def repeat(x, *sizes):
    """Tile ``x``: ``sizes[i]`` copies along dimension ``i`` (extra sizes add
    leading dimensions), as ``torch.Tensor.repeat`` (``np.tile``, not
    ``np.repeat``: see :func:`repeat_interleave`).  Composed: a broadcast and
    a reshape, so the gradient sums the copies.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).repeat(2)
    tensor([1., 2., 1., 2.])
    >>> mg.ones(2, 3).repeat(4, 1, 2).shape
    (4, 2, 6)
    """
    x = coerce(x)
    if not sizes:
        raise TypeError("repeat(*sizes) needs the number of copies per dim, as in PyTorch: "
                        "x.repeat(2, 1)")
    sizes = _shape(sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} sizes {sizes} for a tensor with {x.ndim} dims; "
                         "give at least one per dim")
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spread = reshape(x, tuple(v for n in shape for v in (1, n)))
    tiled = broadcast_to(spread, tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
    return reshape(tiled, tuple(r * n for r, n in zip(sizes, shape)))


@op()
def repeat_interleave(x, repeats, dim=None):
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor
    by default), as ``torch.repeat_interleave`` (numpy's ``np.repeat``).
    ``repeats`` is an int or one count per element; the gradient sums the repeats.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).repeat_interleave(2)
    tensor([1., 1., 2., 2.])
    >>> mg.tensor([[1.0], [2.0]]).repeat_interleave([1, 2], dim=0).shape
    (3, 1)
    """
    x = coerce(x)
    if dim is None:
        x, dim = flatten(x), 0
    d = _dim(dim, x.ndim)
    counts = np.asarray(repeats._data if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be a non-negative int or 1-D ints, "
                         f"got {repeats!r}")
    where = np.repeat(np.arange(x.shape[d] if x.ndim else 1), counts)
    return getitem(x, (slice(None),) * d + (where,))


def _pieces(x, dim, sizes):
    d = _dim(dim, x.ndim)
    bounds = np.cumsum([0] + list(sizes)).tolist()
    return tuple(getitem(x, (slice(None),) * d + (slice(lo, hi),))
                 for lo, hi in zip(bounds[:-1], bounds[1:]))


@op()
def split(x, split_size_or_sections, dim=0):
    """Split into pieces along ``dim``, as ``torch.split``: pieces of one size
    (the last may be shorter), or the given list of sizes.  Views.

    Examples
    --------
    >>> import minigrad as mg
    >>> [p.shape for p in mg.ones(5, 2).split(2)]
    [(2, 2), (2, 2), (1, 2)]
    >>> [p.shape for p in mg.ones(5).split([1, 4])]
    [(1,), (4,)]
    """
    x = coerce(x)
    n = x.shape[_dim(dim, x.ndim)]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} must be non-negative and add up to {n}, "
                             f"the length of dim {dim}")
    return _pieces(x, dim, sizes)




@op()
def chunk(x, chunks, dim=0):
    """Split into ``chunks`` pieces of ``ceil(n / chunks)`` along ``dim`` (fewer
    when they run out), as ``torch.chunk``.  Views.

    Examples
    --------
    >>> import minigrad as mg
    >>> [p.shape for p in mg.ones(5).chunk(3)]
    [(2,), (2,), (1,)]
    """
    x = coerce(x)
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    n = x.shape[_dim(dim, x.ndim)]
    if n == 0:                       # PyTorch gives `chunks` empty pieces
        return _pieces(x, dim, [0] * int(chunks))
    return split(x, -(-n // int(chunks)), dim)




@op()
def narrow(x, dim, start, length):
    """``length`` elements along ``dim`` from ``start`` (a view), as ``torch.narrow``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.arange(5.0).narrow(0, 1, 3)
    tensor([1., 2., 3.])
    """
    x = coerce(x)
    d = _dim(dim, x.ndim)
    n = x.shape[d]
    s = int(start) + (n if start < 0 else 0)
    if not (0 <= s <= n and 0 <= length and s + length <= n):
        raise IndexError(f"narrow: start {start} and length {length} do not fit dim {dim} of "
                         f"length {n}")
    return getitem(x, (slice(None),) * d + (slice(s, s + int(length)),))


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
        where = np.arange(x.numel()).reshape(x.shape)[idx]
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


def _dim_or_axis(dim, axis, who):
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
    return write_out(out, concatenate(tensors, _dim_or_axis(dim, axis, "cat")))


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
    dim = _axes(_dim_or_axis(dim, axis, "stack"), tensors[0].ndim + 1)[0]
    return write_out(out, concatenate([expand_dims(t, dim) for t in tensors], axis=dim))
