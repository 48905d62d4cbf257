"""The engine: records ops as a graph of Nodes and walks it backwards.

Everything every op needs lives here, once:

* the grad-mode switch (:class:`no_grad`, :class:`enable_grad`);
* recording: :func:`record` (and its fast twins :func:`unary`, :func:`binary`)
  turn an op's numpy result into a Tensor and, when a gradient is needed, a
  Node with edges to the nodes of its operands and the arrays its rule needs;
* broadcasting and dtype promotion of elementwise inputs, made explicit as
  :class:`BroadcastTo` and :class:`Cast` nodes, so un-broadcasting a gradient
  happens in exactly one backward rule (:func:`sum_to`);
* the backward walk: iterative topological order, gradient accumulation,
  hooks, and freeing the graph as it is consumed.

A Node's backward rule receives ``(g, out, *args)``.  In the usual pass these
are numpy arrays.  With ``create_graph=True`` they are Tensors that are part of
the graph, so the same rule, written with numpy functions that Tensor
dispatches (``__array_ufunc__`` / ``__array_function__``), records the graph
of the backward pass itself: gradients of gradients come for free.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import sys
import contextvars
import weakref
from heapq import heappop, heappush

import numpy as np

_ndarray = np.ndarray
_new = object.__new__
_seq = itertools.count()

Tensor = None        # set by minigrad.tensor (avoids an import cycle)


# --------------------------------------------------------------------------
# modes: grad mode, anomaly detection and keep_values, per thread (as PyTorch's)

class Modes:
    """One combination of the three modes; the eight are made once and shared.
    ``special`` (anomaly or keep) lets the hot path test both at once."""

    __slots__ = ("enabled", "anomaly", "keep", "special")

    def __init__(self, enabled, anomaly, keep):
        self.enabled, self.anomaly, self.keep = enabled, anomaly, keep
        self.special = anomaly or keep

    def but(self, **change):
        """The shared Modes equal to this one with ``change`` applied."""
        key = (change.get("enabled", self.enabled), change.get("anomaly", self.anomaly),
               change.get("keep", self.keep))
        return _ALL_MODES[key]


_ALL_MODES = {(e, a, k): Modes(e, a, k) for e in (True, False) for a in (True, False)
              for k in (True, False)}

# A context variable is per thread (each new thread starts from the default)
# and per asyncio task, and reading it costs ~10 ns: the hot path reads it once
# per op.
_modes_var = contextvars.ContextVar("minigrad_modes", default=_ALL_MODES[(True, False, False)])
current_modes = _modes_var.get
set_modes = _modes_var.set


def is_grad_enabled():
    """Whether ops record the graph now (in this thread).

    Examples
    --------
    >>> import minigrad as mg
    >>> with mg.no_grad():
    ...     mg.is_grad_enabled()
    False
    """
    return current_modes().enabled


class _ModeContext:
    """Base of the mode context managers: set one mode on entry, restore the
    previous modes on exit, in the current thread only.  Used as a decorator,
    the mode holds inside the function (and inside a generator function's
    body, between its yields, as PyTorch does)."""

    change = {}

    def __enter__(self):
        self._prev = current_modes()
        set_modes(self._prev.but(**self.change))
        return self

    def __exit__(self, *exc):
        set_modes(self._prev)
        return False

    def _fresh(self):
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, self._fresh)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper


def _wrap_generator(fn, context):
    """``fn`` (a generator function) with ``context()`` active whenever its
    body runs, and not while the caller runs between items."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with context():
                item = gen.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with context():
                        gen.close()
                    raise
                except BaseException as e:
                    with context():
                        item = gen.throw(e)
                else:
                    with context():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class no_grad(_ModeContext):
    """Ops inside do not record a graph (a context manager or a decorator).

    The mode belongs to the current thread: another thread keeps recording.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    change = {"enabled": False}


class enable_grad(_ModeContext):
    """Ops inside record a graph, even within :class:`no_grad`.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     with mg.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    change = {"enabled": True}


class set_grad_enabled(_ModeContext):
    """Set grad mode to ``mode`` (a context manager or a decorator).

    Examples
    --------
    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     mg.is_grad_enabled()
    False
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self.change = {"enabled": self.mode}

    def _fresh(self):
        return set_grad_enabled(self.mode)


# --------------------------------------------------------------------------
# versions: in-place changes of arrays, so that backward can tell when a value
# it saved was changed under it

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
        entry = _changes[key] = _new(_Change)
        entry.count = 0
        entry.ref = weakref.ref(root)
    seq = next(_seq)
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


# --------------------------------------------------------------------------
# nodes

class Node:
    """One recorded op: what its backward rule needs, and where grads go.

    Attributes
    ----------
    next : tuple
        One edge per operand: the Node that made it, the leaf Tensor itself,
        or ``None`` for an operand that needs no gradient.  Kept after
        backward, so the structure can still be inspected (as PyTorch keeps
        ``grad_fn``).
    args : tuple
        The operands' arrays (or numbers), if the rule needs them
        (``save_args``), else ``None`` per operand.  Once a backward pass
        has freed the node, not a tuple but that pass's :class:`Freed` mark.
    out : numpy.ndarray or None
        The forward result, if the rule needs it (``save_out``) or the graph
        was built inside :class:`keep_values`.
    ctx : object
        Anything else the rule needs (axis, shapes, an index).  Once freed,
        the output's shape, for inspection (or still ``None``: the nodes
        without ctx are elementwise, and have their inputs' shape).

    The graph links nodes, not tensors, so an intermediate result is freed
    as soon as nothing but the graph refers to it and no rule saved it.
    Subclasses implement ``backward(self, g, out, *args)`` returning one
    gradient (or ``None``) per operand, and say what they save.
    """

    __slots__ = ("next", "args", "out", "ctx", "seq", "hooks", "site", "__weakref__")
    save_args = True     # True, False, or "other": keep an operand only when the
    save_out = True      # other one needs a gradient (a product's rule)

    def backward(self, g, out, *args):  # pragma: no cover - abstract
        raise NotImplementedError

    def name(self):
        """The name PyTorch would show, e.g. ``'MulBackward'``."""
        return type(self).__name__ + "Backward"

    @property
    def next_functions(self):
        """The nodes (or leaf tensors) this node sends gradients to."""
        return self.next

    @property
    def freed(self):
        """Whether a backward pass has freed what this node saved."""
        return type(self.args) is not tuple

    def register_hook(self, fn):
        """Call ``fn(grad)`` with the gradient of this node's output."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)

    def saved_arrays(self):
        """``(what, array)`` for each saved value backward will read:
        the arrays a version check must find unchanged."""
        saved = [(f"input {i}", a) for i, a in enumerate(self.args) if type(a) is _ndarray]
        if type(self).save_out is True and self.out is not None:
            saved.append(("its output", self.out))
        return saved

    def __repr__(self):
        return f"<{self.name()}>"


def _make(data, node):
    """A Tensor for an op's result (no validation: the hot path)."""
    t = _new(Tensor)
    t._data = data
    t.grad_fn = node
    t.requires_grad = node is not None
    return t


_UNSAVED = {1: (None,), 2: (None, None)}


class StaleView(Node):
    """Put in place of the history of a view whose memory a recorded in-place
    op changed: the view's value is the new one, but its history explains
    the old one, so a gradient through it raises (PyTorch would rebase the
    view's history; minigrad refuses rather than give a wrong number).  Ops
    that used the view before the change keep their own, right, edges."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        raise RuntimeError(
            f"this tensor is a view (made by {self.ctx}) of memory that a recorded in-place "
            "operation changed after the view was taken, so its history no longer says how "
            "its value came about. Take the view after the in-place update, or update a copy "
            "(t.clone())")


def _stale_views(root, seq):
    refs = _views.pop(id(root), None)
    if refs is None or refs[0]() is not root:
        return
    for ref in refs[1:]:
        t = ref()
        if t is not None and t.grad_fn is not None:
            node = _new(StaleView)
            node.next, node.args, node.out = (t.grad_fn,), (None,), None
            node.ctx, node.seq, node.hooks = t.grad_fn.name(), seq, None
            t.grad_fn = node


class keep_values(_ModeContext):
    """Keep every op's result in the graph, not just those backward needs.

    By default the graph keeps only what the backward rules use, so that
    intermediate results are freed early; :func:`minigrad.trace` and
    :func:`minigrad.to_dot` show the values of a graph built inside this
    context, before and after ``backward()``.  Per thread, like grad mode.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.keep_values():
    ...     y = (x + 1).sum()
    >>> y.grad_fn.next[0].out
    array([2., 3.], dtype=float32)
    """

    change = {"keep": True}


_kept_nodes = weakref.WeakSet()   # nodes built under keep_values: backward keeps their out
_kept_any = False                 # whether _kept_nodes was ever used (skip the lookup if not)


def _keep_node(node, out):
    global _kept_any
    node.out = out
    _kept_nodes.add(node)
    _kept_any = True


def _special(now, cls, out, node):
    """What keep_values and anomaly mode add to recording an op."""
    if now.keep and node is not None:
        _keep_node(node, out)
    if now.anomaly:
        _anomaly_forward(cls, out, node)


# --------------------------------------------------------------------------
# recording

def unary(cls, x, out, ctx=None):
    """Record a one-operand op whose result ``out`` was computed from Tensor ``x``.

    No implicit broadcasting or casting is inserted: the op's rule returns a
    gradient of ``x``'s shape and dtype.  (Node and Tensor creation are
    inlined here and in :func:`binary`: this is the hot path.)
    """
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    now = current_modes()
    if x.requires_grad and now.enabled:
        node = _new(cls)
        fn = x.grad_fn
        node.next = (fn if fn is not None else x,)
        node.args = (x._data,) if cls.save_args else _UNSAVED[1]
        node.out = out if cls.save_out else None
        node.ctx = ctx
        node.seq = next(_seq)
        node.hooks = None
        t.grad_fn = node
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    if now.special:                   # the one test keep_values and anomaly mode cost when off
        _special(now, cls, out, t.grad_fn)
    return t


def binary(cls, a, b, ctx=None):
    """Compute and record an elementwise two-operand op ``cls.forward(a, b)``.

    Either operand may be a Tensor, a numpy array or a Python number.  An
    operand that needs a gradient but was broadcast or promoted by numpy is
    routed through explicit :class:`BroadcastTo` / :class:`Cast` nodes first,
    so the op's own rule never sees broadcasting.  A numpy array operand that
    the rule saves is copied, so that changing it later cannot change the
    gradient.
    """
    # exact type first (the hot path), then subclasses such as nn.Parameter
    if type(a) is Tensor or isinstance(a, Tensor):
        ad = a._data
        ra = a.requires_grad
    else:
        ad = a = as_operand(a)
        ra = False
    if type(b) is Tensor or isinstance(b, Tensor):
        bd = b._data
        rb = b.requires_grad
    else:
        bd = b = as_operand(b)
        rb = False
    out = cls.forward(ad, bd)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    now = current_modes()
    if (ra or rb) and now.enabled:
        shape = out.shape
        dtype = out.dtype
        if ra:
            if ad.shape != shape or ad.dtype is not dtype:
                a = expand(a, shape, dtype)
                ad = a._data
            ea = a.grad_fn if a.grad_fn is not None else a
        else:
            ea = None
            if type(ad) is _ndarray:
                ad = ad.copy()
        if rb:
            if bd.shape != shape or bd.dtype is not dtype:
                b = expand(b, shape, dtype)
                bd = b._data
            eb = b.grad_fn if b.grad_fn is not None else b
        else:
            eb = None
            if type(bd) is _ndarray:
                bd = bd.copy()
        node = _new(cls)
        node.next = (ea, eb)
        save = cls.save_args
        if save is True:
            node.args = (ad, bd)
        elif save:        # "other"
            node.args = (ad if rb else None, bd if ra else None)
        else:
            node.args = _UNSAVED[2]
        node.out = out if cls.save_out else None
        node.ctx = ctx
        node.seq = next(_seq)
        node.hooks = None
        t.grad_fn = node
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    if now.special:
        _special(now, cls, out, t.grad_fn)
    return t


def record(cls, out, operands, ctx=None, elementwise=False):
    """Record an op with any number of operands whose result is ``out``.

    Parameters
    ----------
    cls : type
        The op's Node subclass.
    out : array_like
        The forward result, computed by the caller from the operands' data.
    operands : sequence
        The operands: Tensors, numpy arrays or numbers, in the order the
        backward rule takes them.  Arrays the rule saves are copied.
    ctx : object, optional
        Saved for the backward rule as ``self.ctx``.
    elementwise : bool
        If True, operands that need a gradient are broadcast and cast to the
        output's shape and dtype through explicit nodes; otherwise only cast.
    """
    if type(out) is not _ndarray:
        out = np.asarray(out)
    now = current_modes()
    if now.anomaly:
        _check_forward(cls, out)
    need = now.enabled and any(isinstance(t, Tensor) and t.requires_grad for t in operands)
    if not need:
        return _make(out, None)
    edges = []
    args = []
    for t in operands:
        if isinstance(t, Tensor):
            if t.requires_grad:
                if t.dtype != out.dtype or (elementwise and t.shape != out.shape):
                    t = expand(t, out.shape if elementwise else t.shape, out.dtype)
                edges.append(t.grad_fn if t.grad_fn is not None else t)
            else:
                edges.append(None)
            args.append(t._data)
        else:
            args.append(t.copy() if type(t) is _ndarray and cls.save_args else t)
            edges.append(None)
    node = _new(cls)
    node.next = tuple(edges)
    save = cls.save_args
    if save is True:
        node.args = tuple(args)
    elif save and len(args) == 2:     # "other"
        node.args = (args[0] if edges[1] is not None else None,
                     args[1] if edges[0] is not None else None)
    else:
        node.args = (None,) * len(args)
    node.out = out if cls.save_out else None
    node.ctx = ctx
    node.seq = next(_seq)
    node.hooks = None
    if now.keep:
        _keep_node(node, out)
    if now.anomaly:
        node.site = _caller_site()
    return _make(out, node)


def check_dtype(dtype):
    """Return ``dtype`` if a tensor can hold it, else raise ``TypeError``.

    Tensors hold bool, integer, float32 or float64 data.  Other floats
    (float16, longdouble) are refused rather than computed in: numpy
    accumulates float16 in float16 (the mean of 100,000 ones overflows to
    NaN), and supporting it end to end is not worth its surface.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.engine import check_dtype
    >>> check_dtype(np.dtype("float16"))
    Traceback (most recent call last):
    TypeError: minigrad computes in float32 or float64, not float16; convert with .astype(np.float32)
    """
    kind = dtype.kind
    if kind in "biu" or (kind == "f" and dtype.itemsize in (4, 8)):
        return dtype
    if kind == "f":
        raise TypeError(f"minigrad computes in float32 or float64, not {dtype}; convert "
                        "with .astype(np.float32)")
    if kind == "c":
        raise TypeError(f"minigrad has no complex numbers (got {dtype} data): pass the real "
                        "and imaginary parts as separate real tensors")
    raise TypeError(f"tensors hold bool, integer, float32 or float64 data, not {dtype}")


def as_operand(x):
    """A non-Tensor operand as numpy sees it: numbers stay numbers (weak
    scalars in numpy 2 promotion), everything else becomes an array.
    Data a tensor could not hold (complex, object, float16) raises
    ``TypeError`` here, before the op computes anything."""
    if isinstance(x, (int, float, bool)):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        check_dtype(x.dtype)
        return x
    from .tensor import as_array

    return as_array(x)


def expand(t, shape, dtype):
    """Route ``t`` through Cast / BroadcastTo nodes to ``shape`` and ``dtype``."""
    if t.shape == shape and t.dtype == dtype:
        return t
    if t.dtype != dtype:
        t = unary(Cast, t, t._data.astype(dtype), t.dtype)
    if t.shape != shape:
        t = unary(BroadcastTo, t, np.broadcast_to(t._data, shape), t.shape)
    return t


def differentiable(fn):
    """Mark a helper that backward rules may apply to Tensors: given Tensors,
    it records its own graph (``tests/test_rules.py`` trusts the mark and
    checks everything else a rule calls)."""
    fn.differentiable = True
    return fn


@differentiable
def sum_to(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, so that
    it has ``shape``: the gradient rule of broadcasting, the only one.

    Works on numpy arrays and on Tensors (for higher-order gradients).
    """
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


class BroadcastTo(Node):
    """``np.broadcast_to(x, shape)``; the gradient sums back to x's shape."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (sum_to(g, self.ctx),)


class Cast(Node):
    """``x.astype(dtype)``; the gradient is cast back to x's dtype."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (g.astype(self.ctx),)


# --------------------------------------------------------------------------
# the backward walk

_FREED = (
    "Trying to backward through the graph a second time, or after its "
    "saved arrays were freed by an earlier backward(). Pass "
    "retain_graph=True to the first backward() (or mg.grad()) if you need "
    "to backpropagate through the same graph again."
)


class Freed:
    """The mark a backward pass leaves in the nodes it has freed (their
    ``args``), so that a later pass can say what happened to them."""

    __slots__ = ("error",)

    def __init__(self):
        self.error = None

    def message(self):
        if self.error is None:
            return _FREED
        return (f"an earlier backward() through this graph stopped with an error "
                f"({self.error}) after freeing the part it had passed; run the forward "
                "pass again to build a new graph (or pass retain_graph=True to keep it "
                "whole across passes)")


def _freed_error(node):
    mark = node.args
    return RuntimeError(mark.message() if isinstance(mark, Freed) else _FREED)


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, capture=None):
    """Backpropagate ``root_grads`` from the ``roots`` tensors.

    Nodes are visited latest-created first, from a heap keyed by creation
    number: every consumer of a node was created after it, so a node is
    popped only when all the gradient it will receive has arrived.  A node
    enters the heap when its first gradient does, so the walk touches only
    what the roots depend on, with no separate topological sort and no
    recursion.

    Gradients of leaves are accumulated into ``.grad`` unless ``capture`` is
    given: then the gradients of the tensors in ``capture`` are returned in
    that order (``None`` for one the roots do not depend on) and no
    ``.grad`` is touched (nor any retained gradient).

    Unless ``retain_graph``, each node's saved arrays are freed once it has
    run; its edges stay, for inspection.  If the pass fails midway, the
    nodes it freed remember the error, and a retry says so.
    """
    grads = {}   # node -> gradient of its output, for nodes in the heap
    leaves = {}  # leaf tensor -> gradient
    heap = []
    for t, g in zip(roots, root_grads):
        fn = t.grad_fn
        if fn is None:
            prev = leaves.get(t)
            leaves[t] = g if prev is None else prev + g
            continue
        if type(fn.args) is not tuple:
            raise _freed_error(fn)
        prev = grads.get(fn)
        if prev is None:
            grads[fn] = g
            heappush(heap, (-fn.seq, fn))
        else:
            grads[fn] = prev + g
    want = None
    captured = {}
    if capture is not None:
        want = {t.grad_fn for t in capture if t.grad_fn is not None}
    walk = _walk_create if create_graph else _walk
    mark = None if retain_graph else Freed()
    try:
        walk(heap, grads, leaves, want, captured, mark)
        if capture is not None:
            return [leaves.get(t) if t.grad_fn is None else captured.get(t.grad_fn)
                    for t in capture]
        _accumulate_leaves(leaves, create_graph)
    except BaseException as e:
        if mark is not None:
            mark.error = f"{type(e).__name__}: {e}"
        raise
    return None


def _walk(heap, grads, leaves, want, captured, mark):
    """The plain backward pass: numpy arrays all the way.  ``mark`` is the
    Freed mark to leave in each node run, or None to keep the graph."""
    pop = grads.pop
    get = grads.get
    anomaly = current_modes().anomaly
    last_change = _last_change
    keep_some = _kept_any            # nodes made under keep_values keep their out
    while heap:
        node = heappop(heap)[1]      # (checked not freed when pushed)
        g = pop(node)
        args = node.args
        if node.seq < last_change:      # something changed in place since: look
            _check_saved(node)
        if node.hooks is not None:
            g = _call_hooks(node.hooks, g, False, want is None)
        if want is not None and node in want:
            captured[node] = g
        # spelled out by arity: a call with *args costs ~200 ns more
        if len(args) == 1:
            gs = node.backward(g, node.out, args[0])
        elif len(args) == 2:
            gs = node.backward(g, node.out, args[0], args[1])
        else:
            gs = node.backward(g, node.out, *args)
        if anomaly:
            _check_backward(node, gs)
        if mark is not None:        # free what it saved; keep its shape for inspection
            node.args = mark
            if node.ctx is not None:    # (a node without ctx has its input's shape)
                node.ctx = g.shape
            if not (keep_some and node in _kept_nodes):
                node.out = None
        for fn, gi in zip(node.next, gs):
            if fn is None or gi is None:
                continue
            if isinstance(fn, Node):
                prev = get(fn)
                if prev is None:
                    if type(fn.args) is not tuple:
                        raise _freed_error(fn)
                    grads[fn] = gi
                    heappush(heap, (-fn.seq, fn))
                else:
                    grads[fn] = prev + gi
            else:
                prev = leaves.get(fn)
                leaves[fn] = gi if prev is None else prev + gi


def _lift(node):
    """The operands and output of ``node`` as Tensors connected to the graph
    (for a backward that records its own graph); ``None`` where not saved."""
    args = []
    for e, a in zip(node.next, node.args):
        if e is None or a is None:
            args.append(a)
        elif isinstance(e, Tensor):
            args.append(e)
        else:
            args.append(_make(a, e))
    out = None if node.out is None else _make(node.out, node)
    return out, args


def _walk_create(heap, grads, leaves, want, captured, mark):
    """The backward pass that records its own graph (``create_graph=True``).

    Gradients are Tensors, and each rule gets its operands and output as
    Tensors connected to the forward graph, so the ops it uses record how
    the gradient depends on them.
    """
    for key in list(grads):
        grads[key] = _as_grad_tensor(grads[key])
    for key in list(leaves):
        leaves[key] = _as_grad_tensor(leaves[key])
    last_change = _last_change
    kept = _kept_nodes if _kept_any else ()
    with enable_grad():
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            if type(node.args) is not tuple:
                raise _freed_error(node)
            if node.seq < last_change:
                _check_saved(node)
            if node.hooks is not None:
                g = _call_hooks(node.hooks, g, True, want is None)
            if want is not None and node in want:
                captured[node] = g
            out, args = _lift(node)
            gs = node.backward(g, out, *args)
            if current_modes().anomaly:
                _check_backward(node, gs)
            if mark is not None:
                node.args = mark
                if node.ctx is not None:
                    node.ctx = g.shape
                if node not in kept:
                    node.out = None
            for fn, gi in zip(node.next, gs):
                if fn is None or gi is None:
                    continue
                if type(gi) is not Tensor:
                    gi = _make(np.asarray(gi), None)
                if isinstance(fn, Node):
                    prev = grads.get(fn)
                    if prev is None:
                        if type(fn.args) is not tuple:
                            raise _freed_error(fn)
                        grads[fn] = gi
                        heappush(heap, (-fn.seq, fn))
                    else:
                        grads[fn] = prev + gi
                else:
                    prev = leaves.get(fn)
                    leaves[fn] = gi if prev is None else prev + gi


def _changed_since(array, seq):
    """Whether ``array``'s memory was changed in place after creation number ``seq``."""
    root = _root(array)
    entry = _changes.get(id(root))
    return entry is not None and entry.ref() is root and entry.seq > seq


def _check_saved(node):
    """Raise if a value ``node`` saved for backward was changed in place
    after the node was made."""
    for what, array in node.saved_arrays():
        if _changed_since(array, node.seq):
            raise RuntimeError(
                f"one of the values needed for gradient computation was changed by an "
                f"in-place operation: {what} of {node.name()} (shape {array.shape}, "
                f"{array.dtype}), now at version {version(array)}, was saved before the "
                f"change{_site(node)}. Do the in-place update after backward(), or on a "
                "copy (t.clone()) of the tensor"
            )


def _site(node):
    site = getattr(node, "site", None)
    return "" if site is None else f" (the op was created at {site})"


def _as_grad_tensor(g):
    return g if type(g) is Tensor else _make(np.asarray(g), None)


class RetainGrad:
    """The hook :meth:`Tensor.retain_grad` puts on a node: after the node's
    other hooks, it adds the gradient to the tensor's ``.grad`` - in a real
    backward only, never for ``mg.grad``, ``mg.trace`` or ``mg.to_dot``.
    It holds the tensor weakly, so the tensor and its node make no cycle."""

    __slots__ = ("ref",)

    def __init__(self, t):
        self.ref = weakref.ref(t)

    def keep(self, g, create):
        t = self.ref()
        if t is None:
            return
        if create:
            t._grad = g if t.grad is None else t.grad + g
        else:
            g = np.array(g)      # own a copy
            t._grad = _make(g, None) if t.grad is None else _make(t.grad._data + g, None)


def _call_hooks(hooks, g, create, retain):
    store = None
    for hook in hooks:
        if type(hook) is RetainGrad:
            store = hook
            continue
        r = hook(g if create else _make(g, None))
        if r is not None:
            if type(r) is not Tensor:
                r = Tensor(r)
            if r.shape != g.shape:
                raise ValueError(
                    f"a hook returned a gradient of shape {r.shape} for a tensor "
                    f"of shape {tuple(g.shape)}; return a gradient of the same shape or None"
                )
            g = r if create else r._data
    if store is not None and retain:
        store.keep(g, create)
    return g


def _accumulate_leaves(leaves, create):
    for t, g in leaves.items():
        if t._hooks is not None:
            g = _call_hooks(t._hooks, g, create, True)
        if create:
            if g.dtype != t.dtype:
                g = g.astype(t.dtype)
            t._grad = g if t.grad is None else t.grad + g
        else:
            # own a copy: g may be shared with other leaves or be a read-only view
            g = np.array(g, dtype=t._data.dtype)
            if t.grad is None:
                t._grad = _make(g, None)
            else:
                t._grad = _make(t.grad._data + g, None)


# --------------------------------------------------------------------------
# anomaly detection

_PACKAGE = __file__.rsplit("engine.py", 1)[0]


def _caller_site():
    """``file:line`` of the first frame outside the minigrad package: the
    user's line that made the op (directly, or through a loss or a layer)."""
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PACKAGE):
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def _anomaly_forward(cls, out, node):
    """In anomaly mode: note where ``node`` was made, and check ``out``."""
    if node is not None:
        node.site = _caller_site()
    _check_forward(cls, out)


def _check_forward(cls, out):
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        kind = "NaN" if np.isnan(out).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: {cls.__name__} produced {kind} in its output "
            f"(shape {out.shape}), created at {_caller_site()}"
        )


def _check_backward(node, gs):
    for i, gi in enumerate(gs):
        if gi is None:
            continue
        data = gi._data if type(gi) is Tensor else np.asarray(gi)
        if data.dtype.kind in "fc" and not np.isfinite(data).all():
            kind = "NaN" if np.isnan(data).any() else "inf"
            site = getattr(node, "site", "<unknown: created before detect_anomaly>")
            raise FloatingPointError(
                f"detect_anomaly: {node.name()} returned {kind} in the gradient "
                f"for its input {i}; the op was created at {site}"
            )


class detect_anomaly:
    """Raise at the first op whose output or gradient holds NaN or inf.

    In forward, the error names the op and the ``file:line`` that called it;
    in backward, the op whose rule produced the bad gradient and where that
    op was created.  While active, numpy's own floating-point warnings are
    silenced so that this report, which names the op, is the one you get.
    Off by default; when off it costs one flag test per op.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 0.0])
    >>> with mg.detect_anomaly():
    ...     mg.log(x)    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: Log produced inf in its output (shape (2,)), created at ...
    """

    def __enter__(self):
        self._prev = current_modes()
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        set_modes(self._prev.but(anomaly=True))
        return self

    def __exit__(self, *exc):
        set_modes(self._prev)
        self._errstate.__exit__(*exc)
        return False
