"""Version counters: how often the memory behind a tensor was changed in
place, so that ``backward()`` refuses a value that changed after it was
saved, and a view whose memory a recorded in-place op changed gets a stale
history (:class:`minigrad.engine.StaleView`) instead of a wrong gradient.

Counts are kept per memory root (the array that owns the memory), so views
share them, as PyTorch's views share their base's version counter.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import engine

_ndarray = np.ndarray

_changes = {}        # id(root array) -> _Change
_last_change = -1    # creation number (seq) of the latest in-place change
_views = {}          # id(root array) -> [weakref(root), weakref(view tensor), ...]


class _Change:
    """How often a root array (one that owns its memory) was changed in
    place, and when last (a creation number, comparable with Node.seq).
    It holds the root weakly: an entry whose root died is stale, and is
    dropped when the table has grown (see :func:`_purge`)."""

    __slots__ = ("count", "seq", "ref")


def _root(a):
    """The array that owns ``a``'s memory (``a`` itself if it is no view)."""
    base = a.base
    while isinstance(base, _ndarray):
        a = base
        base = a.base
    return a


_purge_at = [1024]


def _purge():
    """Drop the entries of arrays that no longer exist."""
    for key in [k for k, e in _changes.items() if e.ref() is None]:
        del _changes[key]
    for key in [k for k, refs in _views.items() if refs[0]() is None]:
        del _views[key]
    _purge_at[0] = max(1024, 2 * (len(_changes) + len(_views)))


def register_view(t):
    """Note that Tensor ``t``, made by a recorded op, views memory it shares
    with others (``reshape``, ``transpose``, basic indexing, ...), so that a
    later recorded in-place change of that memory can mark its history stale."""
    root = _root(t._data)
    if root is t._data:
        return
    refs = _views.get(id(root))
    if refs is None or refs[0]() is not root:
        if len(_views) >= _purge_at[0]:
            _purge()
        refs = _views[id(root)] = [weakref.ref(root)]
    refs.append(weakref.ref(t))


def mark_changed(array, recorded=False):
    """Note that ``array`` (and every view of its memory) was changed in place.

    Every in-place update calls this; ``backward()`` then raises for any node
    created earlier that saved a value in that memory.  ``recorded`` is True
    when the change was itself recorded in the graph (grad mode).
    """
    global _last_change
    root = _root(array)
    key = id(root)
    entry = _changes.get(key)
    if entry is None or entry.ref() is not root:
        if len(_changes) >= _purge_at[0]:
            _purge()
        entry = _changes[key] = object.__new__(_Change)
        entry.count = 0
        entry.ref = weakref.ref(root)
    seq = next(engine._seq)
    entry.count += 1
    entry.seq = seq
    _last_change = seq
    if recorded:
        _stale_views(root, seq)


def version(array):
    """How many in-place changes ``array``'s memory has seen."""
    root = _root(array)
    entry = _changes.get(id(root))
    return 0 if entry is None or entry.ref() is not root else entry.count


def _stale_views(root, seq):
    refs = _views.pop(id(root), None)
    if refs is None or refs[0]() is not root:
        return
    for ref in refs[1:]:
        t = ref()
        if t is not None and t.grad_fn is not None:
            node = object.__new__(engine.StaleView)
            node.next, node.args, node.out = (t.grad_fn,), (None,), None
            node.ctx, node.seq, node.hooks = t.grad_fn.name(), seq, None
            t.grad_fn = node



def changed_since(array, seq):
    """Whether ``array``'s memory was changed in place after creation number ``seq``."""
    root = _root(array)
    entry = _changes.get(id(root))
    return entry is not None and entry.ref() is root and entry.seq > seq


def check_saved(node):
    """Raise if a value ``node`` saved for backward was changed in place
    after the node was made."""
    for what, array in node.saved_arrays():
        if changed_since(array, node.seq):
            raise RuntimeError(
                f"one of the values needed for gradient computation was changed by an "
                f"in-place operation: {what} of {node.name()} (shape {array.shape}, "
                f"{array.dtype}), now at version {version(array)}, was saved before the "
                f"change{engine._site(node)}. Do the in-place update after backward(), or on a "
                "copy (t.clone()) of the tensor"
            )
