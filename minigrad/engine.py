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
import itertools
import sys
from heapq import heappop, heappush

import numpy as np

_ndarray = np.ndarray
_new = object.__new__
_seq = itertools.count()

_enabled = True      # grad mode; read on every op
_anomaly = False     # detect_anomaly; read on every op
Tensor = None        # set by minigrad.tensor (avoids an import cycle)


# --------------------------------------------------------------------------
# grad mode

def is_grad_enabled():
    """Whether ops record the graph now.

    Examples
    --------
    >>> import minigrad as mg
    >>> with mg.no_grad():
    ...     mg.is_grad_enabled()
    False
    """
    return _enabled


class _GradMode:
    """Context manager and decorator that sets grad mode while it is active."""

    mode = True

    def __enter__(self):
        global _enabled
        self._prev = _enabled
        _enabled = self.mode
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self._prev
        return False

    def __call__(self, fn):
        import functools

        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Ops inside do not record a graph (a context manager or a decorator).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
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

    mode = True


class set_grad_enabled(_GradMode):
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


# --------------------------------------------------------------------------
# versions: in-place changes of arrays, so that backward can tell when a value
# it saved was changed under it

_changes = {}        # id(root array) -> _Change
_last_change = -1    # creation number (seq) of the latest in-place change


class _Change:
    """How often a root array (one that owns its memory) was changed in
    place, and when last (a creation number, comparable with Node.seq)."""

    __slots__ = ("count", "seq", "recorded_seq", "ref")


def _root(a):
    """The array that owns ``a``'s memory (``a`` itself if it is no view)."""
    base = a.base
    while isinstance(base, _ndarray):
        a = base
        base = a.base
    return a


def _forget(key, ref):
    entry = _changes.get(key)
    if entry is not None and entry.ref is ref:
        del _changes[key]


def mark_changed(array, recorded=False):
    """Note that ``array`` (and every view of its memory) was changed in place.

    Every in-place update calls this; ``backward()`` then raises for any node
    created earlier that saved a value in that memory.  ``recorded`` is True
    when the change was itself recorded in the graph (grad mode).
    """
    global _last_change
    import weakref

    root = _root(array)
    key = id(root)
    entry = _changes.get(key)
    if entry is None or entry.ref() is not root:
        entry = _Change()
        entry.count = 0
        entry.recorded_seq = -1
        entry.ref = weakref.ref(root, functools.partial(_forget, key))
        _changes[key] = entry
    seq = next(_seq)
    entry.count += 1
    entry.seq = seq
    if recorded:
        entry.recorded_seq = seq
    _last_change = seq


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
        or ``None`` for an operand that needs no gradient.  ``None`` as a
        whole once backward has freed the graph.
    args : tuple
        The operands' arrays (or numbers), if the rule needs them
        (``save_args``), else ``None`` per operand.
    out : numpy.ndarray or None
        The forward result, if the rule needs it (``save_out``) or the graph
        was built inside :class:`keep_values`.
    ctx : object
        Anything else the rule needs (axis, shapes, an index).

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
        return () if self.next is None else self.next

    def register_hook(self, fn):
        """Call ``fn(grad)`` with the gradient of this node's output."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)

    def __repr__(self):
        return f"<{self.name()}>"


def _make(data, node):
    """A Tensor for an op's result (no validation: the hot path)."""
    t = _new(Tensor)
    t.data = data
    t.grad_fn = node
    t.requires_grad = node is not None
    return t


_UNSAVED = {1: (None,), 2: (None, None)}


class keep_values:
    """Keep every op's result in the graph, not just those backward needs.

    By default the graph keeps only what the backward rules use, so that
    intermediate results are freed early; :func:`minigrad.trace` and
    :func:`minigrad.to_dot` show the values of a graph built inside this
    context.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.keep_values():
    ...     y = (x + 1).sum()
    >>> y.grad_fn.next[0].out
    array([2., 3.], dtype=float32)
    """

    def __enter__(self):
        global _keep
        self._prev = _keep
        _keep = True
        return self

    def __exit__(self, *exc):
        global _keep
        _keep = self._prev
        return False


_keep = False


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
    t.data = out
    if x.requires_grad and _enabled:
        node = _new(cls)
        fn = x.grad_fn
        node.next = (fn if fn is not None else x,)
        node.args = (x.data,) if cls.save_args else _UNSAVED[1]
        node.out = out if cls.save_out or _keep else None
        node.ctx = ctx
        node.seq = next(_seq)
        node.hooks = None
        t.grad_fn = node
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    if _anomaly:                      # the one test anomaly mode costs when off
        _anomaly_forward(cls, out, t.grad_fn)
    return t


def binary(cls, a, b, ctx=None):
    """Compute and record an elementwise two-operand op ``cls.forward(a, b)``.

    Either operand may be a Tensor, a numpy array or a Python number.  An
    operand that needs a gradient but was broadcast or promoted by numpy is
    routed through explicit :class:`BroadcastTo` / :class:`Cast` nodes first,
    so the op's own rule never sees broadcasting.
    """
    # exact type first (the hot path), then subclasses such as nn.Parameter
    if type(a) is Tensor or isinstance(a, Tensor):
        ad = a.data
        ra = a.requires_grad
    else:
        ad = a = as_operand(a)
        ra = False
    if type(b) is Tensor or isinstance(b, Tensor):
        bd = b.data
        rb = b.requires_grad
    else:
        bd = b = as_operand(b)
        rb = False
    out = cls.forward(ad, bd)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    t = _new(Tensor)
    t.data = out
    if (ra or rb) and _enabled:
        shape = out.shape
        dtype = out.dtype
        if ra:
            if ad.shape != shape or ad.dtype is not dtype:
                a = expand(a, shape, dtype)
                ad = a.data
            ea = a.grad_fn if a.grad_fn is not None else a
        else:
            ea = None
        if rb:
            if bd.shape != shape or bd.dtype is not dtype:
                b = expand(b, shape, dtype)
                bd = b.data
            eb = b.grad_fn if b.grad_fn is not None else b
        else:
            eb = None
        node = _new(cls)
        node.next = (ea, eb)
        save = cls.save_args
        if save is True:
            node.args = (ad, bd)
        elif save:        # "other"
            node.args = (ad if rb else None, bd if ra else None)
        else:
            node.args = _UNSAVED[2]
        node.out = out if cls.save_out or _keep else None
        node.ctx = ctx
        node.seq = next(_seq)
        node.hooks = None
        t.grad_fn = node
        t.requires_grad = True
    else:
        t.grad_fn = None
        t.requires_grad = False
    if _anomaly:
        _anomaly_forward(cls, out, t.grad_fn)
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
        backward rule takes them.
    ctx : object, optional
        Saved for the backward rule as ``self.ctx``.
    elementwise : bool
        If True, operands that need a gradient are broadcast and cast to the
        output's shape and dtype through explicit nodes; otherwise only cast.
    """
    if type(out) is not _ndarray:
        out = np.asarray(out)
    if _anomaly:
        _anomaly_forward(cls, out, None)
    need = _enabled and any(isinstance(t, Tensor) and t.requires_grad for t in operands)
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
            args.append(t.data)
        else:
            args.append(t)
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
    node.out = out if cls.save_out or _keep else None
    node.ctx = ctx
    node.seq = next(_seq)
    node.hooks = None
    if _anomaly:
        node.site = _caller_site()
    return _make(out, node)


def as_operand(x):
    """A non-Tensor operand as numpy sees it: numbers stay numbers (weak
    scalars in numpy 2 promotion), everything else becomes an array."""
    if isinstance(x, (int, float, bool, np.ndarray, np.generic)):
        return x
    from .tensor import as_array

    return as_array(x)


def expand(t, shape, dtype):
    """Route ``t`` through Cast / BroadcastTo nodes to ``shape`` and ``dtype``."""
    if t.shape == shape and t.dtype == dtype:
        return t
    if t.dtype != dtype:
        t = unary(Cast, t, t.data.astype(dtype), t.dtype)
    if t.shape != shape:
        t = unary(BroadcastTo, t, np.broadcast_to(t.data, shape), t.shape)
    return t


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
    ``.grad`` is touched.
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
        if fn.next is None:
            raise RuntimeError(_FREED)
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
    walk(heap, grads, leaves, want, captured, retain_graph)
    if capture is not None:
        return [leaves.get(t) if t.grad_fn is None else captured.get(t.grad_fn)
                for t in capture]
    _accumulate_leaves(leaves, create_graph)
    return None


def _walk(heap, grads, leaves, want, captured, retain):
    """The plain backward pass: numpy arrays all the way."""
    pop = grads.pop
    get = grads.get
    anomaly = _anomaly
    while heap:
        node = heappop(heap)[1]
        g = pop(node)
        edges = node.next
        if edges is None:
            raise RuntimeError(_FREED)
        if node.hooks is not None:
            g = _call_hooks(node.hooks, g, False)
        if want is not None and node in want:
            captured[node] = g
        args = node.args
        # spelled out by arity: a call with *args costs ~200 ns more
        if len(args) == 1:
            gs = node.backward(g, node.out, args[0])
        elif len(args) == 2:
            gs = node.backward(g, node.out, args[0], args[1])
        else:
            gs = node.backward(g, node.out, *args)
        if anomaly:
            _check_backward(node, gs)
        if not retain:
            node.next = node.args = node.out = node.ctx = None
        for fn, gi in zip(edges, gs):
            if fn is None or gi is None:
                continue
            if isinstance(fn, Node):
                prev = get(fn)
                if prev is None:
                    if fn.next is None:
                        raise RuntimeError(_FREED)
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


def _walk_create(heap, grads, leaves, want, captured, retain):
    """The backward pass that records its own graph (``create_graph=True``).

    Gradients are Tensors, and each rule gets its operands and output as
    Tensors connected to the forward graph, so the ops it uses record how
    the gradient depends on them.
    """
    for key in list(grads):
        grads[key] = _as_grad_tensor(grads[key])
    for key in list(leaves):
        leaves[key] = _as_grad_tensor(leaves[key])
    with enable_grad():
        while heap:
            node = heappop(heap)[1]
            g = grads.pop(node)
            edges = node.next
            if edges is None:
                raise RuntimeError(_FREED)
            if node.hooks is not None:
                g = _call_hooks(node.hooks, g, True)
            if want is not None and node in want:
                captured[node] = g
            out, args = _lift(node)
            gs = node.backward(g, out, *args)
            if _anomaly:
                _check_backward(node, gs)
            if not retain:
                node.next = node.args = node.out = node.ctx = None
            for fn, gi in zip(edges, gs):
                if fn is None or gi is None:
                    continue
                if type(gi) is not Tensor:
                    gi = _make(np.asarray(gi), None)
                if isinstance(fn, Node):
                    prev = grads.get(fn)
                    if prev is None:
                        if fn.next is None:
                            raise RuntimeError(_FREED)
                        grads[fn] = gi
                        heappush(heap, (-fn.seq, fn))
                    else:
                        grads[fn] = prev + gi
                else:
                    prev = leaves.get(fn)
                    leaves[fn] = gi if prev is None else prev + gi


def _as_grad_tensor(g):
    return g if type(g) is Tensor else _make(np.asarray(g), None)


def _call_hooks(hooks, g, create):
    for hook in hooks:
        r = hook(g if create else _make(g, None))
        if r is not None:
            if type(r) is not Tensor:
                r = Tensor(r)
            if r.shape != g.shape:
                raise ValueError(
                    f"a hook returned a gradient of shape {r.shape} for a tensor "
                    f"of shape {tuple(g.shape)}; return a gradient of the same shape or None"
                )
            g = r if create else r.data
    return g


def _accumulate_leaves(leaves, create):
    for t, g in leaves.items():
        if t._hooks is not None:
            g = _call_hooks(t._hooks, g, create)
        if create:
            if g.dtype != t.dtype:
                g = g.astype(t.dtype)
            t.grad = g if t.grad is None else t.grad + g
        else:
            # own a copy: g may be shared with other leaves or be a read-only view
            g = np.array(g, dtype=t.data.dtype)
            if t.grad is None:
                t.grad = _make(g, None)
            else:
                t.grad = _make(t.grad.data + g, None)


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
        data = gi.data if type(gi) is Tensor else np.asarray(gi)
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
        global _anomaly
        self._prev = _anomaly
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        _anomaly = True
        return self

    def __exit__(self, *exc):
        global _anomaly
        _anomaly = self._prev
        self._errstate.__exit__(*exc)
        return False
