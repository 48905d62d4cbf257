"""Version counters and views: how often the memory behind a tensor was
changed in place, so that ``backward()`` refuses a value that changed after
it was saved; and which tensors view which, so that a recorded in-place
change of a base or of one of its views gives every view of that base the
right history, as PyTorch does.

Counts are kept per memory root (the array that owns the memory), so views
share them, as PyTorch's views share their base's version counter.

A view (the result of basic indexing, ``reshape``, ``transpose``,
``broadcast_to`` that shares its input's memory) carries a :class:`ViewOf`
in its ``_view`` slot: its base (the tensor whose memory it views, never
itself a view) and the steps that take the base to the view.  Replaying
those steps on the base after a recorded in-place change gives the view its
new history (:func:`rebase_views`).
"""
from __future__ import annotations

import weakref

import numpy as np

from . import engine

_ndarray = np.ndarray

_changes = {}        # id(root array) -> _Change
_last_change = -1    # creation number (seq) of the latest in-place change
_views = {}          # id(root array) -> _Views


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
    for key in [k for k, views in _views.items() if views.root() is None]:
        del _views[key]
    _purge_at[0] = max(1024, 2 * (len(_changes) + len(_views)))


class ViewOf:
    """What makes a tensor a view: ``base``, the tensor whose memory it views
    (never itself a view), ``steps``, the view ops that take the base to it
    (``(node class, ctx, numpy function, argument)`` each), and ``grad_mode``:
    whether it and every view it was taken from were made in grad mode
    (PyTorch refuses to record in-place changes through a view made under
    ``no_grad``)."""

    __slots__ = ("base", "steps", "grad_mode")

    def replay(self, base=None):
        """The view again, as a Tensor with history, from ``base`` (its base)."""
        t = self.base if base is None else base
        for cls, ctx, fn, arg in self.steps:
            t = engine.unary(cls, t, fn(t._data, arg), ctx)
        return t

    def positions(self):
        """Where in the base (flat indices, C order) each element of the view is."""
        a = np.arange(self.base._data.size).reshape(self.base._data.shape)
        for _, _, fn, arg in self.steps:
            a = fn(a, arg)
        return a


class _Views:
    """The live views of one root array: weak references, pruned of dead
    ones whenever the list doubles (so it stays within twice the live views,
    however many views a training loop takes and drops).  ``no_grad``:
    whether some of them may have been made under no_grad."""

    __slots__ = ("root", "refs", "limit", "no_grad")


def register_view(t, x, step):
    """Note that Tensor ``t``, made from ``x`` by a view op, views ``x``'s
    memory (unless the op copied): ``step`` is ``(node class, ctx, numpy
    function, argument)``, the op again (see :class:`ViewOf`).  Returns ``t``."""
    data = t._data
    if data.base is None:
        return t
    root = _root(data)
    if root is not _root(x._data):
        return t
    parent = x._view
    info = object.__new__(ViewOf)
    if parent is None:
        info.base, info.steps = x, (step,)
        info.grad_mode = engine.current_modes().enabled
    else:
        info.base, info.steps = parent.base, parent.steps + (step,)
        info.grad_mode = parent.grad_mode and engine.current_modes().enabled
    t._view = info
    views = _views.get(id(root))
    if views is None or views.root() is not root:
        if len(_views) >= _purge_at[0]:
            _purge()
        views = _views[id(root)] = object.__new__(_Views)
        views.root, views.refs, views.limit, views.no_grad = weakref.ref(root), [], 16, False
    if not info.grad_mode:
        views.no_grad = True
    refs = views.refs
    if len(refs) >= views.limit:
        refs[:] = [r for r in refs if r() is not None]
        views.limit = max(16, 2 * len(refs))
    refs.append(weakref.ref(t))
    return t


def view_of(t):
    """The :class:`ViewOf` of Tensor ``t`` if it views its base's memory, else None
    (a copy of a view, by ``copy.deepcopy`` say, views nothing)."""
    info = t._view
    if info is not None and _root(t._data) is _root(info.base._data):
        return info
    return None


def views_of(base):
    """The live views whose base is Tensor ``base``."""
    root = _root(base._data)
    views = _views.get(id(root))
    if views is None or views.root() is not root:
        return []
    found = []
    for ref in views.refs:
        v = ref()
        if v is not None and v._view.base is base:
            found.append(v)
    return found


def rebase_views(base):
    """Give every view of ``base`` the history of its value after a recorded
    in-place change of ``base``'s memory: its view ops replayed on ``base``'s
    new history, as PyTorch does.  A view made under ``no_grad`` gets a
    history that raises in backward instead, as PyTorch refuses it."""
    for v in views_of(base):
        _set_history(v, v._view.replay().grad_fn if v._view.grad_mode else _stale(base))


def _set_history(v, node):
    """``v``'s history is now ``node`` (its retained gradient follows)."""
    old = v.grad_fn
    if old is not None and old.hooks:
        engine.move_retained(v, old, node)
    v.grad_fn = node
    v.requires_grad = True


def _stale(base):
    """A :class:`minigrad.engine.StaleView` node under ``base``'s history."""
    node = object.__new__(engine.StaleView)
    node.next = (base.grad_fn if base.grad_fn is not None else base,)
    node.args, node.out, node.ctx, node.hooks = (None,), None, None, None
    node.seq = next(engine._seq)
    return node


def _stale_no_grad_views(views):
    """After any in-place change of their memory, views made under no_grad of a
    base that requires grad cannot be differentiated through any more (PyTorch
    raises when they are used): give them a history that raises in backward."""
    live = [r for r in views.refs if r() is not None]
    views.refs[:] = live
    views.no_grad = False
    for ref in live:
        v = ref()
        if v is None or v._view.grad_mode:
            continue
        info = v._view
        views.no_grad = True
        if info.base.requires_grad and type(v.grad_fn) is not engine.StaleView:
            _set_history(v, _stale(info.base))


def mark_changed(array):
    """Note that ``array`` (and every view of its memory) was changed in place.

    Every in-place update calls this; ``backward()`` then raises for any node
    created earlier that saved a value in that memory.
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
    views = _views.get(key)
    if views is not None and views.no_grad and views.root() is root:
        _stale_no_grad_views(views)


def version(array):
    """How many in-place changes ``array``'s memory has seen."""
    root = _root(array)
    entry = _changes.get(id(root))
    return 0 if entry is None or entry.ref() is not root else entry.count


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
