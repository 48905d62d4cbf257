"""A compiled backward pass: the graph's shape is the key, its saved arrays the inputs.

:func:`walk` visits a graph in the order the engine's backward walk will,
without running any rule, and returns the key (each node's op, edges, and the
shape, dtype and layout of what it saved) and the arrays the rules would read
(the root gradient, each node's saved operands, output and context arrays,
and the leaves' gradients so far).  Everything is taken from this call's
graph, by identity: nothing of an earlier call is reused but the code.

:func:`record` runs the engine's own walk once on traced views of those
arrays, so that every numpy call of every rule becomes a line of code, and
:class:`CompiledBackward` runs that code on any later walk with the same key.
"""
from __future__ import annotations

from heapq import heappop, heappush

import numpy as np

from .. import engine, versions
from ..engine import Node
from .trace import Line, Recorder, Traced, Unrecordable, found_in, op_name


_ndarray = np.ndarray


_OWN_RULE = set()   # the node classes whose rule is minigrad's own (seen so far)


def _own_rule(cls):
    """Whether ``cls`` is one of minigrad's ops (they keep everything a rule
    reads in slots the walk takes): not an mg.Function (a __dict__), nor a
    class defined outside minigrad."""
    own = cls.__module__.startswith("minigrad.") and not cls.__dictoffset__
    if own:
        _OWN_RULE.add(cls)
    return own


class Decline(Exception):
    """The engine runs this pass itself (hooks, a freed graph, ...)."""


def sig(x, arrays):
    """The part of the key ``x`` (a saved value or context) gives; its arrays
    are appended to ``arrays``, in order."""
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return x if t is not int else ("i", x)
    if t is float:
        return ("f", x.hex())
    if isinstance(x, np.ndarray):
        if type(x) is not np.ndarray:
            raise Decline("a saved array of a numpy subclass")
        arrays.append(x)
        return ("A", x.shape, x.dtype, x.strides)
    if t is tuple or t is list:
        return (t, tuple(sig(v, arrays) for v in x))
    if t is dict:
        return (dict, tuple((k, sig(v, arrays)) for k, v in x.items()))
    if t is slice:
        return (slice, sig(x.start, arrays), sig(x.stop, arrays), sig(x.step, arrays))
    if isinstance(x, np.generic):
        return ("g", x.dtype.str, x.tobytes())
    if x is Ellipsis or isinstance(x, (np.dtype, type)):
        return x
    raise Decline(f"a saved value of type {t.__name__}")


def substitute(x, views):
    """``x`` with each array :func:`sig` found replaced by the next of ``views``."""
    t = type(x)
    if isinstance(x, np.ndarray):
        return next(views)
    if t is tuple or t is list:
        return t(substitute(v, views) for v in x)
    if t is dict:
        return {k: substitute(v, views) for k, v in x.items()}
    if t is slice:
        return slice(substitute(x.start, views), substitute(x.stop, views),
                     substitute(x.step, views))
    return x


def _plain(x):
    """Whether ``x`` is its own key: None, an int, a bool or a str, or a tuple of
    those (a shape, axes).  Each node class keeps the same types in its
    context, so 1 and True never meet in one slot."""
    t = type(x)
    if t is not tuple:
        return x is None or t is int or t is bool or t is str
    for v in x:
        u = type(v)
        if not (u is int or v is None or u is bool or u is str or (u is tuple and _plain(v))):
            return False
    return True


class Walk:
    """One graph, walked: its key, the arrays its rules read, its nodes in the
    order they run, and its leaves in the order they are first reached."""

    __slots__ = ("key", "arrays", "nodes", "leaves")


def walk(root, root_grad):
    """The :class:`Walk` of the graph behind ``root``; :class:`Decline` where
    the engine must run the pass itself (it then also raises what it raises)."""
    fn = root.grad_fn
    if fn is None or type(root_grad) is not _ndarray or engine.current_modes().anomaly:
        raise Decline("a leaf root, a gradient that requires grad, or anomaly mode")
    kept = engine._kept_nodes if engine._kept_any else ()
    arrays = [root_grad]
    key = [(root_grad.shape, root_grad.strides, root_grad.dtype)]
    nodes, leaves = [], {}
    pushed = {fn: 0}
    heap = [(-fn.seq, 0, fn)]
    last_change = versions._last_change
    own = _OWN_RULE
    while heap:             # (spelled out: this runs for every node of every call)
        _, index, node = heappop(heap)
        cls = type(node)
        args = node.args
        if type(args) is not tuple or node.hooks is not None:
            raise Decline("hooks (register_hook, retain_grad) or a freed graph")
        if cls not in own and not _own_rule(cls):
            raise Decline("a custom mg.Function or node class, whose backward is your Python "
                          "(it may read ctx attributes or globals that change between calls)")
        if node in kept:
            raise Decline("a graph built under mg.keep_values")
        if node.seq < last_change:
            try:
                versions.check_saved(node)
            except RuntimeError:
                raise Decline("a saved value changed in place") from None
        entry = [cls, index]        # class, index, edges, "|", saved values, out, ctx
        for e in node.next:
            if e is None:
                entry.append(None)
            elif isinstance(e, Node):
                i = pushed.get(e)
                if i is None:
                    if type(e.args) is not tuple:
                        raise Decline("a freed graph")
                    i = pushed[e] = len(pushed)
                    heappush(heap, (-e.seq, i, e))
                entry.append(i)
            else:
                j = leaves.get(e)
                if j is None:
                    if e._hooks is not None:
                        raise Decline("a hook on a leaf")
                    j = leaves[e] = len(leaves)
                entry.append(-1 - j)
        entry.append("|")
        for a in args:
            if a is None:
                entry.append(None)
            elif type(a) is _ndarray:
                arrays.append(a)
                entry.append((a.shape, a.strides, a.dtype))
            else:
                entry.append(sig(a, arrays))
        out, ctx = node.out, node.ctx
        if type(out) is _ndarray:
            arrays.append(out)
            out = (out.shape, out.strides, out.dtype)
        elif out is not None:
            out = sig(out, arrays)
        if ctx is not None and not _plain(ctx):
            ctx = sig(ctx, arrays)
        entry.append(out)
        entry.append(ctx)
        key.append(tuple(entry))
        nodes.append(node)
    for t in leaves:
        g = t._grad
        key.append((t._data.dtype, None if g is None else sig(g._data, arrays)))
    w = Walk()
    w.key, w.arrays, w.nodes, w.leaves = tuple(key), arrays, nodes, list(leaves)
    return w


class Names:
    """Names a learner knows values by: parameters after their model part
    (``linear0_weight``), arguments after the step's parameters, each node's
    output after its op and part (``log_sigmoid_loss``)."""

    def __init__(self, tensor_names, data_names, part_name):
        self.tensors = tensor_names     # Tensor -> name
        self.data = data_names          # id(array) -> name (an argument's data)
        self.part_name = part_name      # Node -> the name of the model part that made it, or None
        self.nodes = {}

    def node(self, node):
        name = self.nodes.get(node)
        if name is None:
            part = self.part_name(node)
            name = self.nodes[node] = op_name(node) + (f"_{part}" if part else "")
        return name

    def leaf(self, t, j):
        return self.tensors.get(t) or self.data.get(id(t._data)) or f"leaf{j}"

    def edge(self, e, j=None):
        if isinstance(e, Node):
            return self.node(e)
        return self.leaf(e, j)


def record(w, names):
    """Run the engine's walk once on traced views of ``w``'s arrays; the
    recorder, the leaves' gradient Vars, and each node's gradient shape."""
    rec = Recorder("backward")
    views = iter([rec.traced(a, "") for a in w.arrays])
    leaf_index = {t: j for j, t in enumerate(w.leaves)}
    g0 = next(views)
    g0._var.name = "grad_output"            # d(root)/d(root): what backward() starts from
    saved = [(node, node.args, node.out, node.ctx) for node in w.nodes]
    shapes = {}
    try:
        for node in w.nodes:
            node.args = substitute(node.args, views)
            _name_inputs(node, names, leaf_index)
            node.out = substitute(node.out, views)
            if isinstance(node.out, Traced):
                node.out._var.name = names.node(node)
            node.ctx = substitute(node.ctx, views)
            for v in found_in(node.ctx, Traced):
                v._var.name = f"{names.node(node)}_ctx"
        old = {}
        for t in w.leaves:
            if t._grad is not None:
                old[t] = next(views)
                old[t]._var.name = f"old_grad_{names.leaf(t, leaf_index[t])}"

        def run_rule(node, g):
            shapes[node] = g.shape
            with rec.naming(names.node(node)):
                gs = node.backward(g, node.out, *node.args)
            for e, gi in zip(node.next, gs):
                if e is not None and type(gi) is Traced and gi._var.kind == "op":
                    gi._var.name = f"grad_{names.edge(e, leaf_index.get(e))}"
            return gs

        leaves = {}
        with rec.active():
            engine._walk([(-w.nodes[0].seq, w.nodes[0])], {w.nodes[0]: g0}, leaves, None, {},
                         None, run_rule)
            if list(leaves) != [t for t in w.leaves if t in leaves]:
                raise Unrecordable("the leaves' gradients arrive in another order")
            outs = [_leaf_gradient(rec, t, leaves.get(t), old.get(t), names.leaf(t, j))
                    for j, t in enumerate(w.leaves)]
    finally:
        for node, args, out, ctx in saved:
            node.args, node.out, node.ctx = args, out, ctx
    if len(shapes) != len(w.nodes):
        raise Unrecordable("a rule's gradient was None where the graph has an edge")
    return rec, outs, [shapes[n] for n in w.nodes]


def _leaf_gradient(rec, t, g, old, name):
    """What the engine's accumulation leaves in ``t.grad`` (its own copy, in
    ``t``'s dtype, added to what was there), as a Var; None for no gradient."""
    if g is None:
        return None
    with rec.naming(name):
        g = engine._own(g, t._data.dtype)
        if old is not None:
            g = old + g
    if type(g) is Traced:
        g._var.name = f"grad_{name}"
        return g._var
    const = rec.const(np.asarray(g))      # a constant gradient: the code returns a copy
    copy = Line(np.copy, "np.copy", (const,), {}, "call", rec.section)
    v = rec.new_var(np.copy(const.value), "op", f"grad_{name}")
    v.fresh = True
    copy.outs = [v]
    rec.lines.append(copy)
    return v


def _name_inputs(node, names, leaf_index):
    for i, (e, a) in enumerate(zip(node.next, node.args)):
        if isinstance(a, Traced):
            if e is not None:
                a._var.name = names.edge(e, leaf_index.get(e))
            else:
                a._var.name = names.data.get(id(a._var.value)) or f"{names.node(node)}_input{i}"


def apply(w, grads, shapes, retain_graph):
    """Leave what the engine's pass leaves: each leaf's new ``.grad`` (a new
    Tensor, as the engine makes one), and unless ``retain_graph`` the nodes
    freed as the engine frees them."""
    for t, g in zip(w.leaves, grads):
        if g is not None:
            t._grad = engine._make(g if type(g) is np.ndarray else np.asarray(g), None)
    if not retain_graph:
        mark = engine.Freed()
        for node, shape in zip(w.nodes, shapes):
            node.args = mark
            if node.ctx is not None:
                node.ctx = shape
            node.out = None

