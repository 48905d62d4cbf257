"""The engine: records ops as a graph of Nodes and walks it backwards.

Everything every op needs lives here, once (the modes are in
:mod:`minigrad.modes`, the version counters in :mod:`minigrad.versions`):

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

import itertools
import weakref
from heapq import heappop, heappush

import numpy as np

from . import versions
from .modes import (_anomaly_forward, _check_backward, _check_forward, current_modes,  # noqa: F401
                    enable_grad, is_grad_enabled, keep_values, no_grad)
from . import tracing
from .versions import mark_changed, register_view, version  # noqa: F401 (mg.engine.*)

_ndarray = np.ndarray
_new = object.__new__
_seq = itertools.count()

# False turns off what keep_values and detect_anomaly add to recording: only
# for the benchmark that measures what the test costs when they are off
MODE_CHECKS = True

Tensor = None        # set by minigrad.tensor (avoids an import cycle)


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

    How a rule reads what was saved, the one convention: values it
    differentiates through come in as its parameters (``g``, ``out``, the
    operands), which are arrays in a plain backward and Tensors connected to
    the graph under ``create_graph=True``; constants (masks, signs, shapes)
    come from ``self.args``, ``self.out`` and ``self.ctx``, always arrays.
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
        saved = [(f"input {i}", a) for i, a in enumerate(self.args) if isinstance(a, _ndarray)]
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




class StaleView(Node):
    """The history of a view made under ``no_grad`` whose memory was changed
    in place afterwards while its base required grad (or got a history by
    that change): which gradient is meant is ambiguous, so, as in PyTorch,
    backward through it raises.
    Ops that used the view before the change keep their own, right, edges."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        raise RuntimeError(
            "this tensor is a view made under no_grad, and its memory was then changed in "
            "place while its base required grad (or got a history by that change), so "
            "which gradient is meant is ambiguous (PyTorch refuses this too). Take the "
            "view outside the no_grad block, or use a copy of it (t.clone())")


def move_retained(t, old, new):
    """``t.retain_grad()`` follows ``t`` from node ``old`` to its new node
    ``new`` (after an in-place change), as in PyTorch."""
    if old is None or old.hooks is None:
        return
    for h in list(old.hooks):
        if type(h) is RetainGrad and h.ref() is t:
            old.hooks.remove(h)
            new.register_hook(h)


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

def link(cls, out, edges, datas, ctx, now):
    """The Tensor holding op ``cls``'s result ``out`` and its Node, linked
    into the graph (:func:`unary` and :func:`binary`, the hot path, do the
    same steps inline: a call costs ~3% of a small op).

    ``edges`` holds, per operand, the node that made it, the leaf itself, or
    None (no gradient needed); ``datas`` the operands' arrays, of which the
    node keeps what ``cls.save_args`` says (``"other"``: an operand only when
    the other one needs a gradient, as a product's rule does).
    """
    node = _new(cls)
    node.next = edges
    save = cls.save_args
    if save is True:
        node.args = datas
    elif save:                        # "other": a product's operand, if the other needs a gradient
        node.args = (datas[0] if edges[1] is not None else None,
                     datas[1] if edges[0] is not None else None)
    else:
        n = len(datas)
        node.args = _NONES[n] if n < 33 else (None,) * n
    node.out = out if cls.save_out else None
    node.ctx = ctx
    node.seq = next(_seq)
    node.hooks = None
    t = _new(Tensor)
    t._data = out
    t.grad_fn = node
    t.requires_grad = True
    if now.special and MODE_CHECKS:   # the one test keep_values and anomaly mode cost when off
        _special(now, cls, out, node)
    return t


_NONES = [(None,) * n for n in range(33)]    # what a node that saves nothing keeps


def _edge(t):
    """Where a gradient for Tensor ``t`` goes: its node, or ``t`` itself (a leaf)."""
    return t.grad_fn if t.grad_fn is not None else t


def _plain(cls, out, now):
    """The result of an op that records nothing."""
    if now.anomaly:
        _check_forward(cls, out)
    return _make(out, None)


def coerce(x):
    """``x`` if it is a Tensor, else a Tensor holding a copy of it: the one
    way ops take their operands, so that the graph never aliases a caller's
    array.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad.tensor import coerce
    >>> a = np.ones(2)
    >>> np.shares_memory(coerce(a).numpy(), a)
    False
    """
    return x if isinstance(x, Tensor) else Tensor(x)


def unary(cls, x, out=None, ctx=None):
    """Record a one-operand op on ``x`` (a Tensor, or data that becomes one)
    whose result is ``out``, computed by the caller, or else ``cls.forward(x)``.

    No implicit broadcasting or casting is inserted: the op's rule returns a
    gradient of ``x``'s shape and dtype.
    """
    if type(x) is not Tensor and not isinstance(x, Tensor):
        x = coerce(x)
    if out is None:
        out = cls.forward(x._data)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    now = current_modes()
    t = _new(Tensor)
    t._data = out
    if not (x.requires_grad and now.enabled):
        t.grad_fn = None
        t.requires_grad = False
        if now.anomaly:
            _check_forward(cls, out)
        return t
    # link() inlined (the hot path: a call costs ~3% of a small op)
    node = _new(cls)
    fn = x.grad_fn
    node.next = (fn if fn is not None else x,)
    node.args = (x._data,) if cls.save_args else _NONES[1]
    node.out = out if cls.save_out else None
    node.ctx = ctx
    node.seq = next(_seq)
    node.hooks = None
    t.grad_fn = node
    t.requires_grad = True
    if now.special and MODE_CHECKS:
        _special(now, cls, out, node)
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
        ad, ra = a._data, a.requires_grad
    else:
        ad = a = as_operand(a)
        ra = False
    if type(b) is Tensor or isinstance(b, Tensor):
        bd, rb = b._data, b.requires_grad
    else:
        bd = b = as_operand(b)
        rb = False
    out = cls.forward(ad, bd)
    if type(out) is not _ndarray:
        out = np.asarray(out)
    now = current_modes()
    t = _new(Tensor)
    t._data = out
    if not ((ra or rb) and now.enabled):
        t.grad_fn = None
        t.requires_grad = False
        if now.anomaly:
            _check_forward(cls, out)
        return t
    shape, dtype = out.shape, out.dtype
    if ra:          # through Cast / BroadcastTo nodes if numpy promoted or broadcast it
        if ad.shape != shape or ad.dtype is not dtype:
            a = expand(a, shape, dtype)
            ad = a._data
        ea = a.grad_fn or a
    else:           # a constant: a copy if it is a caller's array (a Tensor's changes are tracked)
        ea, ad = None, ad.copy() if type(a) is _ndarray else ad
    if rb:
        if bd.shape != shape or bd.dtype is not dtype:
            b = expand(b, shape, dtype)
            bd = b._data
        eb = b.grad_fn or b
    else:
        eb, bd = None, bd.copy() if type(b) is _ndarray else bd
    # link() inlined (the hot path)
    node = _new(cls)
    node.next = (ea, eb)
    save = cls.save_args
    if save is True:
        node.args = (ad, bd)
    elif save:                        # "other": a product's operand, if the other needs a gradient
        node.args = (ad if rb else None, bd if ra else None)
    else:
        node.args = _NONES[2]
    node.out = out if cls.save_out else None
    node.ctx = ctx
    node.seq = next(_seq)
    node.hooks = None
    t.grad_fn = node
    t.requires_grad = True
    if now.special and MODE_CHECKS:
        _special(now, cls, out, node)
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
    if not (now.enabled and any(isinstance(t, Tensor) and t.requires_grad for t in operands)):
        return _plain(cls, out, now)
    edges, datas = [], []
    for t in operands:
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != out.dtype or (elementwise and t.shape != out.shape):
                t = expand(t, out.shape if elementwise else t.shape, out.dtype)
            edges.append(_edge(t))
            datas.append(t._data)
        else:
            edges.append(None)
            data = t._data if isinstance(t, Tensor) else t
            datas.append(data.copy() if type(t) is _ndarray and cls.save_args else data)
    return link(cls, out, tuple(edges), tuple(datas), ctx, now)


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
    session = tracing.session()         # a compiled call: the compiler may run the pass
    if session is not None and session.backward(roots, root_grads, retain_graph,
                                                create_graph or capture is not None):
        return None
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
    if retain_graph:
        mark = None
    else:
        mark = _new(Freed)          # (no __init__ call: the hot path)
        mark.error = None
    try:
        if create_graph:
            _lift_all(grads, leaves)
            with enable_grad():
                _walk(heap, grads, leaves, want, captured, mark, True)
        else:
            _walk(heap, grads, leaves, want, captured, mark, False)
        if capture is not None:
            return [leaves.get(t) if t.grad_fn is None else captured.get(t.grad_fn)
                    for t in capture]
        _accumulate_leaves(leaves, create_graph)
    except BaseException as e:
        if mark is not None:
            mark.error = f"{type(e).__name__}: {e}"
        raise
    return None


def _walk(heap, grads, leaves, want, captured, mark, create):
    """The backward pass, visiting the nodes in the heap latest-created first.

    Plain: numpy arrays all the way.  With ``create`` True (``create_graph=True``)
    the gradients are Tensors and each rule gets its operands and output as
    Tensors connected to the forward graph (:func:`_lift`), so the ops it
    uses record how the gradient depends on them.  ``create`` a function
    ``(node, g) -> gradients``: plain, with each rule run through it (a
    compiler recording the pass).  ``mark`` is the Freed mark to leave in
    each node run, or None to keep the graph.
    """
    pop = grads.pop
    get = grads.get
    anomaly = current_modes().anomaly
    last_change = versions._last_change
    keep_some = _kept_any            # nodes made under keep_values keep their out
    while heap:
        node = heappop(heap)[1]      # (checked not freed when pushed)
        g = pop(node)
        args = node.args
        if node.seq < last_change:      # something changed in place since: look
            versions.check_saved(node)
        if node.hooks is not None:
            g = _call_hooks(node.hooks, g, create is True, want is None)
        if want is not None and node in want:
            captured[node] = g
        # spelled out by arity: a call with *args costs ~200 ns more
        if create:
            gs = _run_lifted(node, g) if create is True else create(node, g)
        elif len(args) == 1:
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
        for fn, gi in zip(node.next, gs):     # accumulate: the one place gradients add up
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


def _run_lifted(node, g):
    """Run ``node``'s rule on Tensors connected to the graph; its gradients
    as Tensors (a rule may return a constant array where it does not depend
    on anything)."""
    out, lifted = _lift(node)
    return [gi if gi is None or type(gi) is Tensor else _make(np.asarray(gi), None)
            for gi in node.backward(g, out, *lifted)]


def _lift_all(grads, leaves):
    """The root gradients as Tensors, for a backward that records its graph."""
    for table in (grads, leaves):
        for key, g in table.items():
            table[key] = g if type(g) is Tensor else _make(np.asarray(g), None)


def _site(node):
    site = getattr(node, "site", None)
    return "" if site is None else f" (the op was created at {site})"


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
            g = _own(g)
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
            # (astype: a method, which a trace records)
            g = g.astype(t._data.dtype) if type(g) is _ndarray else _own(g, t._data.dtype)
            prev = t._grad
            t._grad = _make(g if prev is None else prev._data + g, None)


def _own(g, dtype=None):
    """A copy of gradient ``g`` (in ``dtype``), made by a method a trace records."""
    if isinstance(g, _ndarray):
        return g.astype(g.dtype if dtype is None else dtype)
    return np.array(g, dtype=dtype)
