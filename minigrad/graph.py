"""Look at a graph: ``mg.trace(t)`` (a table of every node behind t),
``mg.to_dot(t)`` (Graphviz DOT text, rendered when Graphviz is installed) and
``mg.draw(t)`` (the picture, shown in a notebook; needs Graphviz).

Both work before and after ``backward()``.  Before it (or after
``backward(retain_graph=True)``), when ``t`` has one element, they show each
node's gradient ``d t / d node``, computed by a backward pass that keeps the
graph and writes no ``.grad``.  After it, the graph keeps its structure but
not its saved arrays, so they show the gradients backward left: ``.grad`` of
the leaves and of tensors that called ``retain_grad()``.
"""
from __future__ import annotations

import dataclasses
import shutil
import subprocess

import numpy as np

from . import display, engine
from .engine import Node, _make
from .tensor import Tensor

_KEEP = "build it inside `with mg.keep_values():` to see every value"

#: Tensors of at most this many elements show their values and gradients in
#: full in a notebook (:meth:`Trace._repr_html_`); larger ones a summary.
FULL_SIZE = 16


def _graph(t):
    """The leaves (tensors that require grad) and the nodes behind ``t``,
    nodes in creation order (every node after its inputs)."""
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a Tensor, got a {type(t).__name__}")
    nodes, leaves, seen = [], [], set()
    stack = [t.grad_fn] if t.grad_fn is not None else []
    if t.grad_fn is None and t.requires_grad:
        leaves.append(t)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for e in node.next:
            if isinstance(e, Node):
                stack.append(e)
            elif e is not None and id(e) not in seen:
                seen.add(id(e))
                leaves.append(e)
    nodes.sort(key=lambda n: n.seq)
    return leaves, nodes


def _gradients(t, leaves, nodes):
    """d t / d (each leaf, each node's output), or Nones when t is not scalar:
    a backward pass that keeps the graph and writes no ``.grad``."""
    if any(n.freed for n in nodes):
        return _gradients_left(leaves, nodes)
    if t.numel() != 1 or not t.requires_grad:
        return [None] * (len(leaves) + len(nodes))
    placeholders = [_make(np.empty(0), n) for n in nodes]   # captured by grad_fn
    gs = engine.run_backward((t,), (np.ones_like(t.data),), retain_graph=True,
                             capture=list(leaves) + placeholders)
    return [None if g is None else np.asarray(g) for g in gs]


def _gradients_left(leaves, nodes):
    """After backward: the leaves' ``.grad``, and the ``.grad`` of tensors
    that retained theirs (found through their nodes' RetainGrad hooks)."""
    out = [None if leaf.grad is None else leaf.grad.numpy() for leaf in leaves]
    for node in nodes:
        kept = [h.ref() for h in node.hooks or () if type(h) is engine.RetainGrad]
        kept = [t for t in kept if t is not None and t.grad is not None]
        out.append(kept[0].grad.numpy() if kept else None)
    return out


def _summary(a):
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype.kind not in "fc" or a.size == 0:
        return {"min": np.nan, "mean": np.nan, "max": np.nan, "nan": 0, "inf": 0}
    finite = a[np.isfinite(a)]
    return {"min": float(finite.min()) if finite.size else np.nan,
            "mean": float(finite.mean()) if finite.size else np.nan,
            "max": float(finite.max()) if finite.size else np.nan,
            "nan": int(np.isnan(a).sum()), "inf": int(np.isinf(a).sum())}


@dataclasses.dataclass
class Trace:
    """The rows of :func:`trace`; prints as a table, and displays as an HTML
    table in a notebook (:meth:`_repr_html_`).

    Each row is a dict: ``index``, ``op``, ``inputs``, ``shape``, ``dtype``,
    ``name`` (from ``names=``, or None), ``value`` and ``grad`` (summaries:
    ``min``, ``mean``, ``max``, ``nan``, ``inf``; None when unknown), and
    ``value_full``, ``grad_full`` (the arrays, for tensors of at most
    :data:`FULL_SIZE` elements; else None).
    """

    rows: list

    def __str__(self):
        head = (f"{'#':>3}  {'op':<14} {'inputs':<9} {'shape':<12} {'dtype':<8} "
                f"{'value min':>11} {'mean':>11} {'max':>11} {'nan/inf':>7}  "
                f"{'grad min':>11} {'mean':>11} {'max':>11} {'nan/inf':>7}")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            v, g = r["value"], r["grad"]
            line = (f"{r['index']:>3}  {r['op']:<14} {r['inputs']:<9} {str(r['shape']):<12} "
                    f"{r['dtype']:<8} " + (_stats(v) if v is not None else
                                           f"{'(not kept)':>11} {'':>11} {'':>11} {'':>7}"))
            line += "  " + (_stats(g) if g is not None else f"{'-':>11} {'-':>11} {'-':>11} "
                                                           f"{'-':>7}")
            lines.append(line)
        if any(r["value"] is None for r in self.rows):
            lines.append(f"(not kept): backward does not need that value, so the graph freed "
                         f"it; {_KEEP}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        """The table as HTML, for notebooks: a row per leaf and op (the last
        made the traced tensor), parameter names where known, and values and
        gradients in full for tensors of at most :data:`FULL_SIZE` elements.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> html = mg.trace((w * w).sum(), names={"w": w})._repr_html_()
        >>> '<td class="text">w</td>' in html, '<td class="array">[2., 4.]</td>' in html
        (True, True)
        """
        named = any(r["name"] for r in self.rows)
        header = ["#", "op", *(["name"] if named else []), "inputs", "shape", "dtype",
                  "value", "gradient"]
        rows = [[r["index"], r["op"], *([r["name"] or ""] if named else []), r["inputs"],
                 str(r["shape"]), r["dtype"], _cell(r, "value", "(not kept)"),
                 _cell(r, "grad", "-")] for r in self.rows]
        classes = [""] * (len(rows) - 1) + ["output"]
        notes = [f"(not kept): backward does not need that value, so the graph freed it; "
                 f"{_KEEP}"] if any(r["value"] is None for r in self.rows) else []
        return display.block(
            display.table(header, rows, "Every node behind the tensor (the last made it)",
                          text=range(1, 5 + named), arrays=(5 + named, 6 + named),
                          classes=classes),
            *(display.para(n, "note") for n in notes))


def _cell(row, key, missing):
    """A row's value or gradient as an HTML cell shows it: in full for a
    small tensor, else min, mean, max (and NaN/inf counts when there are)."""
    full, s = row[f"{key}_full"], row[key]
    if full is not None:
        return _fmt(full, FULL_SIZE)
    if s is None:
        return missing
    bad = f"\nnan {s['nan']}, inf {s['inf']}" if s["nan"] or s["inf"] else ""
    return f"min {s['min']:.4g}\nmean {s['mean']:.4g}\nmax {s['max']:.4g}{bad}"


def _stats(s):
    return (f"{s['min']:>11.4g} {s['mean']:>11.4g} {s['max']:>11.4g} "
            f"{str(s['nan']) + '/' + str(s['inf']):>7}")


def trace(t, names=None):
    """A table of every node behind ``t``: op, inputs, shape, dtype, value
    min/mean/max and NaN/inf counts, and the same for the gradient of ``t``
    with respect to it (when ``t`` has one element).

    Leaves (tensors with ``requires_grad=True`` that no op made) come first.
    The graph keeps only the values its backward rules need; build it inside
    ``with mg.keep_values():`` to see every value.  In a notebook the result
    displays as an HTML table that names the leaves given in ``names`` and
    shows small tensors in full (see :class:`Trace`).

    Parameters
    ----------
    t : Tensor
    names : dict or Module, optional
        ``{name: tensor}`` names of leaves, or a Module, whose parameters are
        named as in ``named_parameters()``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.keep_values():         # else only the values backward needs are kept
    ...     loss = mg.sigmoid(x * 3).sum()
    >>> print(mg.trace(loss))          # doctest: +NORMALIZE_WHITESPACE
      #  op             inputs    shape        dtype      value min        mean         max nan/inf     grad min        mean         max nan/inf
    --------------------------------------------------------------------------------------------------------------------------------------------
      0  leaf           -         (2,)         float32            1         1.5           2     0/0     0.007399     0.07146      0.1355     0/0
      1  Mul            0         (2,)         float32            3         4.5           6     0/0     0.002466     0.02382     0.04518     0/0
      2  Sigmoid        1         (2,)         float32       0.9526      0.9751      0.9975     0/0            1           1           1     0/0
      3  Sum            2         ()           float32         1.95        1.95        1.95     0/0            1           1           1     0/0
    """
    label_of = _labels(names)
    leaves, nodes = _graph(t)
    grads = _gradients(t, leaves, nodes)
    implied = _implied(t, nodes)
    index = {}
    rows = []
    for i, leaf in enumerate(leaves):
        index[id(leaf)] = i
        rows.append(_row(i, "leaf", "-", leaf.shape, str(leaf.dtype), leaf.data, grads[i],
                         label_of.get(id(leaf))))
    for k, node in enumerate(nodes):
        i = len(leaves) + k
        index[id(node)] = i
        ins = [str(index[id(e)]) for e in node.next if e is not None]
        value = _value(node, t)
        shape, dtype = _shape_dtype(value, node, grads[i], implied)
        rows.append(_row(i, type(node).__name__, ",".join(ins) or "-", shape, dtype, value,
                         grads[i]))
    return Trace(rows)


def _row(index, op, inputs, shape, dtype, value, grad, name=None):
    """A row of :class:`Trace`."""
    return {"index": index, "op": op, "inputs": inputs, "shape": shape, "dtype": dtype,
            "name": name, "value": _summary(value), "grad": _summary(grad),
            "value_full": _small(value), "grad_full": _small(grad)}


def _small(a):
    """A copy of ``a`` when it has at most :data:`FULL_SIZE` elements, else None."""
    return None if a is None or np.size(a) > FULL_SIZE else np.array(a)


def _labels(names):
    """``{id(tensor): name}`` of ``names``: a dict ``{name: tensor}``, a
    Module (its ``named_parameters()``), or None (no names)."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        names = dict(names.named_parameters())
    if not isinstance(names, dict):
        raise TypeError(f"names must be a dict {{name: tensor}} or a Module, got a "
                        f"{type(names).__name__}")
    for key, value in names.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"names must map each name to its tensor, as {{'w': w}}; "
                            f"{key!r} maps to a {type(value).__name__}")
    return {id(v): k for k, v in names.items()}


def _value(node, t):
    """The value a node shows: what the graph kept, or ``t``'s own value for
    the node that made ``t`` (``t`` still holds it)."""
    if node.out is not None:
        return node.out
    return t.data if node is t.grad_fn else None


def _shape_dtype(value, node, grad, implied):
    """A node's output shape and dtype: from its value, else from its
    gradient (which has the same shape), else as the freed graph implies
    them (see :func:`_implied`)."""
    if value is not None:
        return value.shape, str(value.dtype)
    if grad is not None:
        return np.shape(grad), str(np.asarray(grad).dtype)
    shape, dtype = implied.get(id(node), ("?", "-"))
    return shape, str(dtype)


def _implied(t, nodes):
    """``{id(node): (shape, dtype)}`` for freed nodes, as the graph implies
    them.  Shapes: backward noted each node's shape in its ctx, except for
    nodes without ctx, which are elementwise and have their first input's.
    Dtypes: a node's inputs that need a gradient have its dtype (mixed
    dtypes meet through explicit Cast nodes), starting from ``t``'s."""
    dtypes = {} if t.grad_fn is None else {id(t.grad_fn): t.dtype}
    for node in reversed(nodes):
        d = dtypes.get(id(node))
        if d is None or isinstance(node, engine.Cast):
            continue
        for e in node.next:
            if isinstance(e, Node):
                dtypes.setdefault(id(e), d)
    shapes = {}
    for node in nodes:                  # in creation order: inputs first
        if not node.freed:
            continue
        if node.ctx is not None:
            shapes[id(node)] = node.ctx
            continue
        first = next((e for e in node.next if e is not None), None)
        shapes[id(node)] = (first.shape if isinstance(first, Tensor)
                            else shapes.get(id(first), "?"))
    return {k: (shapes.get(k, "?"), dtypes.get(k, "-")) for k in set(shapes) | set(dtypes)}


def _fmt(a, limit):
    a = np.asarray(a)
    if a.size > limit:
        return None
    return np.array2string(a, precision=4, separator=", ", max_line_width=60,
                           suppress_small=False)


def _quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(t, path=None, names=None, max_elements=8):
    """Graphviz DOT text of the graph behind ``t``.

    One box per op (its name, shape and dtype) and one ellipse per leaf, with
    an edge from each input to the op that uses it.  Tensors of at most
    ``max_elements`` elements also show their values and, when ``t`` has one
    element, their gradient ``d t / d tensor`` (the one backward computes).

    Parameters
    ----------
    t : Tensor
    path : str, optional
        Write the DOT text to ``*.dot``, or render ``*.svg`` / ``*.png``
        with Graphviz's ``dot`` (a RuntimeError says how to install it).
    names : dict or Module, optional
        ``{name: tensor}`` labels for leaves, or a Module, whose parameters
        are labelled as in ``named_parameters()``.
    max_elements : int

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> dot = mg.to_dot((x * x).sum(), names={"x": x})
    >>> dot.count("->"), "Mul" in dot and "x" in dot
    (3, True)
    """
    label_of = _labels(names)
    leaves, nodes = _graph(t)
    grads = _gradients(t, leaves, nodes)
    implied = _implied(t, nodes)
    lines = ["digraph minigrad {", '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10];']
    ids = {}
    for i, leaf in enumerate(leaves):
        ids[id(leaf)] = f"leaf{i}"
        parts = [label_of.get(id(leaf), f"leaf {i}"), f"{leaf.shape} {leaf.dtype}"]
        value, g = _fmt(leaf.data, max_elements), grads[i]
        if value is not None:
            parts.append(f"value {value}")
        if g is not None and np.asarray(g).size <= max_elements:
            parts.append(f"grad {_fmt(g, max_elements)}")
        lines.append(f'  leaf{i} [shape=ellipse, style=filled, fillcolor="#dbeafe", '
                     f'label="{_quote(chr(10).join(parts))}"];')
    for k, node in enumerate(nodes):
        nid = f"op{k}"
        ids[id(node)] = nid
        g = grads[len(leaves) + k]
        value = _value(node, t)
        shape, dtype = _shape_dtype(value, node, g, implied)
        parts = [type(node).__name__, f"{shape} {dtype}" if dtype != "-" else f"{shape}"]
        value = None if value is None else _fmt(value, max_elements)
        if value is not None:
            parts.append(f"value {value}")
        if g is not None and np.asarray(g).size <= max_elements:
            parts.append(f"grad {_fmt(g, max_elements)}")
        style = ', style=filled, fillcolor="#fde68a"' if node is t.grad_fn else ""
        lines.append(f'  {nid} [shape=box{style}, label="{_quote(chr(10).join(parts))}"];')
    for node in nodes:
        for e in node.next:
            if e is not None:
                lines.append(f"  {ids[id(e)]} -> {ids[id(node)]};")
    lines.append("}")
    dot = "\n".join(lines) + "\n"
    if path is not None:
        write(dot, path)
    return dot


#: The file suffixes :func:`write` knows: DOT text, and what Graphviz renders.
FORMATS = ("dot", "svg", "png", "pdf")


def have_graphviz():
    """Whether Graphviz's ``dot`` program is on the PATH.

    Examples
    --------
    >>> from minigrad.graph import have_graphviz
    >>> have_graphviz() in (True, False)
    True
    """
    return shutil.which("dot") is not None


def write(dot, path):
    """Write DOT text to ``path``: ``.dot`` as text, ``.svg``/``.png``/``.pdf``
    rendered with Graphviz's ``dot`` program.  Returns the path.

    An unknown suffix is a ValueError; rendering without Graphviz, or a
    ``dot`` that fails, a RuntimeError that says why.

    Examples
    --------
    >>> import os, tempfile
    >>> from minigrad.graph import write
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write("digraph { a -> b }", os.path.join(tmp, "g.dot"))
    ...     with open(path) as f:
    ...         f.read()
    'digraph { a -> b }'
    >>> write("digraph { }", "g.txt")
    Traceback (most recent call last):
    ...
    ValueError: cannot write 'g.txt': use a .dot, .svg, .png or .pdf file name
    """
    fmt = str(path).rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot write {str(path)!r}: use a .dot, .svg, .png or .pdf file name")
    if fmt == "dot":
        with open(path, "w") as f:
            f.write(dot)
        return path
    if not have_graphviz():
        raise _no_graphviz(f"rendering {path}", "write a .dot file instead")
    _dot(dot, fmt, path)
    return path


def _no_graphviz(doing, instead):
    """The error for ``doing`` something that needs Graphviz, which is missing."""
    return RuntimeError(f"{doing} needs Graphviz's dot program, which is not installed: "
                        "apt-get install graphviz, brew install graphviz or conda install "
                        f"graphviz (the Python package graphviz is not needed); {instead}")


def _dot(dot, fmt, path=None):
    """Run Graphviz's ``dot -T<fmt>`` on the DOT text: write ``path``, or
    return the output as text (with ``path`` None); a RuntimeError if it fails."""
    cmd = ["dot", f"-T{fmt}"] + (["-o", str(path)] if path is not None else [])
    try:
        done = subprocess.run(cmd, input=dot, encoding="utf-8", check=True,
                              capture_output=True)
    except subprocess.CalledProcessError as e:
        reason = (e.stderr or "").strip().splitlines()
        raise RuntimeError(f"Graphviz's dot could not render {path or fmt} (exit status "
                           f"{e.returncode}{': ' + reason[0] if reason else ''})") from None
    return done.stdout if path is None else path


class Drawing:
    """What :func:`draw` returns: the picture of a graph, which a notebook
    shows (:meth:`_repr_svg_`).

    Attributes
    ----------
    source : str
        The DOT text (:func:`to_dot`).
    svg : str
        The SVG that Graphviz drew from it.
    """

    def __init__(self, source, svg, what):
        self.source, self.svg, self._what = source, svg, what

    def _repr_svg_(self):
        return self.svg

    def save(self, path):
        """Write the picture to ``path``: ``.svg``, ``.png`` or ``.pdf`` drawn
        by Graphviz, or ``.dot`` text (see :func:`write`).  Returns the path."""
        return write(self.source, path)

    def __repr__(self):
        return (f"<Drawing of {self._what}: a notebook shows it; .save('graph.svg' or "
                f"'graph.png') writes it; .source is its DOT text>")


def draw(t, names=None, max_elements=8):
    """The graph behind ``t`` as a picture, which a notebook shows: the
    :func:`to_dot` graph drawn by Graphviz as SVG (each op with its shape and
    dtype, and small tensors' values and gradients).

    Parameters
    ----------
    t : Tensor
    names : dict or Module, optional
        Names of leaves, as :func:`to_dot` takes them.
    max_elements : int
        Tensors of at most this many elements show their values.

    Returns
    -------
    Drawing
        ``_repr_svg_()`` for notebooks, ``.save(path)``, ``.source``.

    Raises
    ------
    RuntimeError
        Without Graphviz's ``dot`` program, saying how to install it.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> try:
    ...     picture = mg.draw((x * x).sum(), names={"x": x})
    ...     print(picture._repr_svg_().startswith("<svg"))
    ... except RuntimeError as e:      # no Graphviz here
    ...     print("Graphviz" in str(e))
    True
    """
    if not have_graphviz():
        raise _no_graphviz("mg.draw", "mg.to_dot(t) gives the DOT text without it")
    source = to_dot(t, names=names, max_elements=max_elements)
    svg = _dot(source, "svg")
    leaves, nodes = _graph(t)
    what = (f"{len(nodes)} op{'s' * (len(nodes) != 1)} and {len(leaves)} "
            f"lea{'ves' if len(leaves) != 1 else 'f'} making a {t.shape} {t.dtype} tensor")
    return Drawing(source, svg[svg.find("<svg"):], what)
