"""In-place updates, as PyTorch: ``add_, sub_, mul_, div_, clamp_, zero_,
fill_, copy_``, the ``+= -= *= /=`` operators and ``t[index] = value``.

Every one goes through :func:`update`, the one place that decides how:

* a leaf that requires grad, while grad mode is on: ``RuntimeError`` (change
  parameters under ``mg.no_grad()``, as optimizers do);
* nothing to record (under ``no_grad``, or nothing involved requires grad):
  numpy writes into the tensor's own array (same object, same memory, no
  new array for it), and the version of that memory goes up;
* otherwise the update is recorded: the out-of-place op computes the new
  value from a copy of the old one, the result is written into the tensor's
  array, and the tensor's history moves to the new node (PyTorch rebases
  the history the same way).  A tensor that is a view of other memory is
  refused here: its base's history could not follow.

Either way, ``backward()`` raises for any node that saved a value in the
changed memory before the change (see :func:`minigrad.engine.mark_changed`).
"""
from __future__ import annotations

import numpy as np

from .. import engine
from ..tensor import Tensor
from .registry import op
from .elementwise import add, clip, div, mul, sub
from .shape import _index, astype, setitem


def _data(v):
    return v._data if isinstance(v, Tensor) else v


def _records(t, operands):
    return engine.current_modes().enabled and (
        t.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in operands))


def update(t, what, in_place, out_of_place, operands=()):
    """Change ``t`` in place; see the module docstring for the three cases.

    Parameters
    ----------
    t : Tensor
    what : str
        The name of the update, for error messages (``"mul_"``).
    in_place : callable
        ``in_place(array)`` writes the new value into ``array`` with numpy.
    out_of_place : callable
        ``out_of_place(old)`` returns the new value as a Tensor, recorded.
    operands : tuple
        The other operands (to tell whether the update must be recorded).
    """
    if not _records(t, operands):
        try:
            in_place(t._data)
        except (TypeError, ValueError) as e:
            kind = TypeError if isinstance(e, TypeError) else ValueError
            raise kind(f"{what}: cannot change a tensor of shape {t.shape} and dtype "
                       f"{t.dtype} in place: {e}") from None
        engine.mark_changed(t._data)
        return t
    _check_recordable(t, what)
    new = out_of_place(engine._make(t._data.copy(), t.grad_fn))
    if new.shape != t.shape:
        raise ValueError(f"{what}: the result has shape {new.shape}, but the tensor changed in "
                         f"place has shape {t.shape}; an in-place update cannot change the shape")
    if new.dtype != t.dtype:
        if not np.can_cast(new.dtype, t.dtype, "same_kind"):
            raise TypeError(f"{what}: the result has dtype {new.dtype}, which cannot be stored "
                            f"in place in a tensor of dtype {t.dtype}")
        new = astype(new, t.dtype)
    np.copyto(t._data, new._data)
    engine.mark_changed(t._data, recorded=True)
    _move_retained(t, new.grad_fn)
    t.grad_fn = new.grad_fn
    t.requires_grad = new.requires_grad
    return t


def _check_recordable(t, what):
    if t.grad_fn is None and t.requires_grad:
        raise RuntimeError(
            f"{what}: a leaf tensor that requires grad cannot be changed in place while grad "
            "mode is on (backward would need its old value); do the update under "
            "`with mg.no_grad():`, as optimizers do"
        )
    if t._data.base is not None:
        raise RuntimeError(
            f"{what}: this tensor is a view of another tensor's memory (from indexing, "
            "reshape, transpose, ...); minigrad does not record in-place changes of views. "
            "Write it as an assignment to the base (y[0:2] = y[0:2] * 2), change a copy "
            "(t = t.clone()), or work under mg.no_grad()"
        )


def _move_retained(t, node):
    """``t.retain_grad()`` follows ``t`` to its new node, as in PyTorch."""
    old = t.grad_fn
    if old is None or old.hooks is None:
        return
    for h in list(old.hooks):
        if type(h) is engine.RetainGrad and h.ref() is t:
            old.hooks.remove(h)
            node.register_hook(h)


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


@op(public=False, operators="__iadd__")
def add_(t, other, alpha=1):
    """``t += alpha * other`` in place; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).add_(mg.tensor([1.0, 1.0]), alpha=10)
    tensor([11., 12.])
    """
    def in_place(d):
        np.add(d, _data(_scaled(other, alpha)), out=d)
    return update(t, "add_", in_place, lambda old: add(old, _scaled(other, alpha)), (other,))


@op(public=False, operators="__isub__")
def sub_(t, other, alpha=1):
    """``t -= alpha * other`` in place; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> with mg.no_grad():
    ...     w.sub_(w.grad, alpha=0.25)
    tensor([0.5, 1. ], requires_grad=True)
    """
    def in_place(d):
        np.subtract(d, _data(_scaled(other, alpha)), out=d)
    return update(t, "sub_", in_place, lambda old: sub(old, _scaled(other, alpha)), (other,))


@op(public=False, operators="__imul__")
def mul_(t, other):
    """``t *= other`` in place; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).mul_(3)
    tensor([3., 6.])
    """
    def in_place(d):
        np.multiply(d, _data(other), out=d)
    return update(t, "mul_", in_place, lambda old: mul(old, other), (other,))


@op(public=False, operators="__itruediv__")
def div_(t, other):
    """``t /= other`` in place; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).div_(4)
    tensor([0.25, 0.5 ])
    """
    def in_place(d):
        np.true_divide(d, _data(other), out=d)
    return update(t, "div_", in_place, lambda old: div(old, other), (other,))


@op(public=False)
def clamp_(t, min=None, max=None):
    """Limit ``t`` to ``[min, max]`` in place (see :func:`minigrad.clip`).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([-1.0, 0.5, 2.0]).clamp_(0.0, 1.0)
    tensor([0. , 0.5, 1. ])
    """
    if min is None and max is None:
        raise ValueError("clamp_ needs at least one of min and max")

    def in_place(d):
        np.clip(d, _data(min), _data(max), out=d)
    return update(t, "clamp_", in_place, lambda old: clip(old, min, max))


@op(public=False)
def fill_(t, value):
    """Set every element of ``t`` to ``value``; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.zeros(3).fill_(7)
    tensor([7., 7., 7.])
    """
    return setitem_(t, Ellipsis, value, "fill_")


@op(public=False)
def zero_(t):
    """Set every element of ``t`` to 0; returns ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(2).zero_()
    tensor([0., 0.])
    """
    return setitem_(t, Ellipsis, 0, "zero_")


@op(public=False)
def copy_(t, src):
    """Copy ``src`` (broadcast to t's shape, cast to t's dtype) into ``t``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.zeros(2, 2).copy_(mg.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return setitem_(t, Ellipsis, src, "copy_")


@op(public=False, method=False, operators="__setitem__")
def setitem_(t, index, value, what="t[index] = value"):
    """``t[index] = value`` in place (also ``fill_``, ``zero_``, ``copy_``).

    Examples
    --------
    >>> import minigrad as mg
    >>> t = mg.zeros(3)
    >>> t[1] = 5
    >>> t
    tensor([0., 5., 0.])
    """
    idx = _index(index)[0]

    def in_place(d):
        d[idx] = _data(value)
    return update(t, what, in_place, lambda old: setitem(old, index, value), (value,))
