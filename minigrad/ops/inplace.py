"""In-place updates, as PyTorch: ``add_, sub_, mul_, div_, clamp_, zero_,
fill_, copy_``, the ``+= -= *= /=`` operators and ``t[index] = value``.

Every one goes through :func:`update`, the one place that decides how:

* a leaf that requires grad (or a view of one), while grad mode is on:
  ``RuntimeError`` (change parameters under ``mg.no_grad()``, as optimizers do);
* nothing to record (under ``no_grad``, or nothing involved requires grad):
  numpy writes into the tensor's own array (same object, same memory, no
  new array for it), and the version of that memory goes up;
* otherwise the update is recorded: the out-of-place op computes the new
  value from a copy of the old one, the result is written into the tensor's
  array, and the tensor's history moves to the new node (PyTorch rebases
  the history the same way).  Through a view (basic indexing, reshape,
  transpose), the view's base gets the history (the base with the view's
  elements replaced, PyTorch's ``CopySlices``).  Either way every view of
  the base then gets its history again, replayed from the base's new one
  (:func:`minigrad.versions.rebase_views`), so a view taken earlier, even
  before the base had a history, gives the right gradient.  A view made
  under ``no_grad`` is refused, as PyTorch refuses it.

Either way, ``backward()`` raises for any node that saved a value in the
changed memory before the change (see :func:`minigrad.engine.mark_changed`).
"""
from __future__ import annotations

import numpy as np

from .. import engine, versions
from ..tensor import Tensor
from .registry import op
from .elementwise import add, clip, div, mul, sub
from .shape import _index, astype, setitem


def _data(v):
    return v._data if isinstance(v, Tensor) else v


def _records(t, view, operands):
    """Whether the update is recorded (grad mode is on: the caller checked)."""
    return (t.requires_grad or (view is not None and view.base.requires_grad)
            or any(isinstance(o, Tensor) and o.requires_grad for o in operands))


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
    if not engine.current_modes().enabled:
        return _write(t, what, in_place)
    view = versions.view_of(t)
    if not _records(t, view, operands):
        return _write(t, what, in_place)
    base = t if view is None else view.base
    _check_recordable(t, base, view, what)
    new = _new_value(t, what, out_of_place)
    if view is not None:           # the base with the view's elements replaced
        where = np.unravel_index(view.positions(), base.shape)
        new_base = setitem(engine._make(base._data.copy(), base.grad_fn), where, new)
    else:
        new_base = new
    np.copyto(t._data, new._data)
    engine.mark_changed(t._data)
    engine.move_retained(base, base.grad_fn, new_base.grad_fn)
    base.grad_fn = new_base.grad_fn
    base.requires_grad = new_base.requires_grad
    versions.rebase_views(base)
    return t


def _write(t, what, in_place):
    """The update, not recorded: numpy writes into t's array."""
    try:
        in_place(t._data)
    except (TypeError, ValueError) as e:
        kind = TypeError if isinstance(e, TypeError) else ValueError
        raise kind(f"{what}: cannot change a tensor of shape {t.shape} and dtype "
                   f"{t.dtype} in place: {e}") from None
    engine.mark_changed(t._data)
    return t


def _new_value(t, what, out_of_place):
    """The updated value of ``t``, recorded: ``out_of_place`` of (a copy of)
    its old value, in t's shape and dtype."""
    new = out_of_place(engine._make(t._data.copy(), t.grad_fn))
    if new.shape != t.shape:
        raise ValueError(f"{what}: the result has shape {new.shape}, but the tensor changed in "
                         f"place has shape {t.shape}; an in-place update cannot change the shape")
    if new.dtype != t.dtype:
        if not np.can_cast(new.dtype, t.dtype, "same_kind"):
            raise TypeError(f"{what}: the result has dtype {new.dtype}, which cannot be stored "
                            f"in place in a tensor of dtype {t.dtype}")
        new = astype(new, t.dtype)
    return new


def _check_recordable(t, base, view, what):
    if view is not None and not view.grad_mode:
        raise RuntimeError(
            f"{what}: this tensor is a view made under no_grad (or a view of one), and an "
            "in-place change of it with grad mode on would be recorded; which gradient is "
            "meant is ambiguous, so it is refused (as in PyTorch). Make the view and the "
            "change both inside or both outside the no_grad block, or change a copy "
            "(t.clone())")
    if base.grad_fn is None and base.requires_grad:
        whose = "a leaf tensor" if view is None else "a view of a leaf tensor"
        raise RuntimeError(
            f"{what}: {whose} that requires grad cannot be changed in place while grad "
            "mode is on (backward would need its old value); do the update under "
            "`with mg.no_grad():`, as optimizers do"
        )
    if not t._data.flags.writeable:
        raise ValueError(f"{what}: this tensor cannot be changed in place: its memory is "
                         "read-only (a broadcast view, whose elements share memory, or a "
                         "read-only numpy array); change a copy (t.clone())")


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
