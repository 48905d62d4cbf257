"""Look at a graph: ``mg.trace(t)`` (a table of every node behind t),
``mg.to_dot(t)`` (Graphviz DOT text) and ``mg.draw(t)`` (the picture, shown
in a notebook: laid out by Graphviz when it is installed, else by minigrad's
own layout in :mod:`minigrad.graphsvg`).

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

from . import display, engine, graphsvg
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


#: The width of :class:`Trace`'s text, in columns.
WIDTH = 100

_CONST_NOTE = "c: a constant number, or a constant array that backward does not need"


@dataclasses.dataclass
class Trace:
    """The rows of :func:`trace`; prints as a table at most :data:`WIDTH`
    columns wide, and displays as an HTML table in a notebook
    (:meth:`_repr_html_`).

    Each row is a dict: ``index``, ``op`` (``"leaf"``, ``"const"`` or the
    op's name), ``inputs`` (the rows it reads, as text: ``"0,c"``),
    ``input_rows`` (the same as a list: row indices, None for a constant
    number or a constant the graph did not keep), ``shape``, ``dtype``,
    ``name`` (from ``names=``, or None), ``value`` and ``grad`` (summaries:
    ``min``, ``mean``, ``max``, ``nan``, ``inf``; None when unknown), and
    ``value_full``, ``grad_full`` (the arrays, for tensors of at most
    :data:`FULL_SIZE` elements; else None).  Constants (``"const"`` rows,
    such as ``y_true``) are arrays an op read that need no gradient.
    """

    rows: list

    def __str__(self):
        named = any(r["name"] for r in self.rows)
        cols = [("#", lambda r: str(r["index"]), ">"), ("op", lambda r: r["op"], "<")]
        if named:
            cols.append(("name", lambda r: r["name"] or "", "<"))
        cols += [("inputs", lambda r: r["inputs"], "<"),
                 ("shape", lambda r: str(r["shape"]), "<"), ("dtype", lambda r: r["dtype"], "<")]
        widths = [max(len(head), *(len(get(r)) for r in self.rows)) for head, get, _ in cols]
        lead = sum(widths) + 2 * len(cols)
        room = max(WIDTH - lead - len("value "), 24)
        head = "  ".join(f"{h:{a}{w}}" for (h, _, a), w in zip(cols, widths)) + "  value / grad"
        lines = []
        for r in self.rows:
            cells = "  ".join(f"{get(r):{a}{w}}" for (_, get, a), w in zip(cols, widths))
            lines.append(f"{cells}  value {_brief(r, 'value', room, '(not kept)')}".rstrip())
            grad = _brief(r, "grad", room, None)
            if grad is not None:
                lines.append(f"{'':{lead}}grad  {grad}")
        lines = [head, "-" * max(len(line) for line in [head, *lines])] + lines
        if any(r["value"] is None and r["op"] != "const" for r in self.rows):
            lines.append(f"(not kept): backward does not need that value, so the graph freed "
                         f"it; {_KEEP}")
        if any(i is None for r in self.rows for i in r.get("input_rows", ())):
            lines.append(_CONST_NOTE)
        return "\n".join(line for text in lines for line in _fold(text))

    __repr__ = __str__

    def _repr_html_(self):
        """The table as HTML, for notebooks: a row per leaf, constant and op
        (the last made the traced tensor), parameter names where known, and
        values and gradients in full for tensors of at most
        :data:`FULL_SIZE` elements.

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
                 f"{_KEEP}"] if any(r["value"] is None and r["op"] != "const"
                                    for r in self.rows) else []
        if any(i is None for r in self.rows for i in r.get("input_rows", ())):
            notes.append(_CONST_NOTE)
        return display.block(
            display.table(header, rows, "Every node behind the tensor (the last made it)",
                          text=range(1, 5 + named), arrays=(5 + named, 6 + named),
                          classes=classes),
            *(display.para(n, "note") for n in notes))


def _fold(line, width=WIDTH):
    """A line of at most ``width`` columns, or several (the rest indented)."""
    out = []
    while len(line) > width:
        cut = line.rfind(" ", 0, width)
        cut = width if cut <= 0 else cut
        out.append(line[:cut].rstrip())
        line = "    " + line[cut:].lstrip()
    return out + [line]


def _numbers(a):
    """``[0.1, 0.95]``: an array's numbers to 4 significant digits, nested
    as its rows (0, never -0).

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.graph import _numbers
    >>> _numbers(np.array([[0.5, -0.0], [1 / 3, 2.0]])), _numbers(np.array(7.0))
    ('[[0.5, 0], [0.3333, 2]]', '7')
    """
    if a.ndim:
        return "[" + ", ".join(_numbers(x) for x in a) + "]"
    if a.dtype.kind in "fc":
        v = complex(a) if a.dtype.kind == "c" else float(a) + 0.0
        return f"{v:.4g}"
    return str(a)


def _brief(row, key, room, missing):
    """A row's value or gradient on one line of at most ``room`` columns:
    the numbers themselves when they fit (a tensor of at most
    :data:`FULL_SIZE` elements), else min, mean and max (and NaN/inf counts
    when there are)."""
    full, s = row[f"{key}_full"], row[key]
    if full is not None:
        text = _numbers(np.asarray(full))
        if len(text) <= room:
            return text
    if s is None:
        return missing
    bad = f"  nan {s['nan']}, inf {s['inf']}" if s["nan"] or s["inf"] else ""
    return f"min {s['min']:.4g}  mean {s['mean']:.4g}  max {s['max']:.4g}{bad}"


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


def trace(t, names=None):
    """A table of every node behind ``t``: op, inputs, shape, dtype, value,
    and the gradient of ``t`` with respect to it (when ``t`` has one
    element): the numbers of tensors of at most :data:`FULL_SIZE` elements,
    min/mean/max and NaN/inf counts of larger ones.

    Leaves (tensors with ``requires_grad=True`` that no op made) come first,
    then constants (arrays an op read that need no gradient, such as
    ``y_true``), then the ops.  The graph keeps only the values its
    backward rules need; build it inside ``with mg.keep_values():`` to see
    every value.  The text is at most :data:`WIDTH` columns wide; in a
    notebook the result displays as an HTML table (see :class:`Trace`).

    Parameters
    ----------
    t : Tensor
    names : dict or Module, optional
        ``{name: tensor}`` names of leaves (or of constant tensors), or a
        Module, whose parameters are named as in ``named_parameters()``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = mg.tensor([0.5, 0.25])
    >>> with mg.keep_values():         # else only the values backward needs are kept
    ...     loss = mg.sigmoid(x * y).sum()
    >>> print(mg.trace(loss, names={"x": x, "y": y}))
    #  op       name  inputs  shape  dtype    value / grad
    -----------------------------------------------------------------
    0  leaf     x     -       (2,)   float32  value [1, 2]
                                              grad  [0.1175, 0.05875]
    1  const    y     -       (2,)   float32  value [0.5, 0.25]
    2  Mul            0,1     (2,)   float32  value [0.5, 0.5]
                                              grad  [0.235, 0.235]
    3  Sigmoid        2       (2,)   float32  value [0.6225, 0.6225]
                                              grad  [1, 1]
    4  Sum            3       ()     float32  value 1.245
                                              grad  1
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
    consts = _constants(nodes)
    for a in consts.values():
        i = len(rows)
        index[id(a)] = i
        rows.append(_row(i, "const", "-", a.shape, str(a.dtype), a, None, label_of.get(id(a))))
    for k, node in enumerate(nodes):
        i = len(rows)
        index[id(node)] = i
        ins = [index[id(e)] if e is not None else index.get(id(c)) if c is not None else None
               for e, c in zip(node.next, _operands(node))]
        value = _value(node, t)
        shape, dtype = _shape_dtype(value, node, grads[len(leaves) + k], implied)
        row = _row(i, type(node).__name__,
                   ",".join("c" if j is None else str(j) for j in ins) or "-", shape, dtype,
                   value, grads[len(leaves) + k])
        row["input_rows"] = ins
        rows.append(row)
    return Trace(rows)


def _operands(node):
    """Per operand of ``node``: the array it read when that operand needs no
    gradient and the graph kept it (an array of at least one dimension), else
    None."""
    args = node.args if type(node.args) is tuple else ()
    out = []
    for k, e in enumerate(node.next):
        a = args[k] if e is None and k < len(args) else None
        out.append(a if isinstance(a, np.ndarray) and a.ndim else None)
    return out


def _constants(nodes):
    """``{id: array}`` of the constant arrays the nodes read (see
    :func:`_operands`), each once, in order of first use."""
    found = {}
    for node in nodes:
        for a in _operands(node):
            if a is not None:
                found.setdefault(id(a), a)
    return found


def _row(index, op, inputs, shape, dtype, value, grad, name=None):
    """A row of :class:`Trace`."""
    return {"index": index, "op": op, "inputs": inputs, "input_rows": [], "shape": shape,
            "dtype": dtype,
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
    labels = {id(v.data): k for k, v in names.items()}     # a constant's array
    labels.update({id(v): k for k, v in names.items()})
    return labels


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
    if a.dtype.kind == "f":
        a = a + 0.0                     # -0.0 prints as 0: the sign of a zero says nothing here
    return np.array2string(a, precision=4, separator=", ", max_line_width=60,
                           suppress_small=False)


def _quote(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


LEAF_FILL, OUTPUT_FILL, CONST_FILL = "#dbeafe", "#fde68a", "#e5e7eb"


def _picture(t, names=None, max_elements=8):
    """What a picture of the graph behind ``t`` shows, whoever lays it out:
    its boxes (:class:`~minigrad.graphsvg.Box`: one ellipse per leaf and per
    constant array an op kept (``y_true``), one box per op, the op that made
    ``t`` filled) in creation order, and its edges ``(input id, op id)``."""
    label_of = _labels(names)
    leaves, nodes = _graph(t)
    grads = _gradients(t, leaves, nodes)
    implied = _implied(t, nodes)
    boxes, ids = [], {}
    for i, leaf in enumerate(leaves):
        ids[id(leaf)] = f"leaf{i}"
        lines = [label_of.get(id(leaf), f"leaf {i}"), f"{leaf.shape} {leaf.dtype}"]
        lines += _arrays(leaf.data, grads[i], max_elements)
        boxes.append(graphsvg.Box(f"leaf{i}", lines, "ellipse", LEAF_FILL))
    for i, a in enumerate(_constants(nodes).values()):      # y_true and the like
        ids[id(a)] = f"const{i}"
        lines = [label_of.get(id(a), "const"), f"{a.shape} {a.dtype}"]
        lines += _arrays(a, None, max_elements)
        boxes.append(graphsvg.Box(f"const{i}", lines, "ellipse", CONST_FILL))
    for k, node in enumerate(nodes):
        ids[id(node)] = f"op{k}"
        g = grads[len(leaves) + k]
        value = _value(node, t)
        shape, dtype = _shape_dtype(value, node, g, implied)
        lines = [type(node).__name__, f"{shape} {dtype}" if dtype != "-" else f"{shape}"]
        lines += _arrays(value, g, max_elements)
        boxes.append(graphsvg.Box(f"op{k}", lines, "box",
                                  OUTPUT_FILL if node is t.grad_fn else "#ffffff"))
    edges = [(ids[id(e) if e is not None else id(c)], ids[id(node)]) for node in nodes
             for e, c in zip(node.next, _operands(node)) if e is not None or c is not None]
    return boxes, edges


def _arrays(value, grad, max_elements):
    """The lines of a tensor's value and gradient, when it has at most
    ``max_elements`` elements (an array over several lines is several)."""
    lines = []
    for word, a in (("value", value), ("grad", grad)):
        text = None if a is None else _fmt(a, max_elements)
        if text is not None:
            lines += f"{word} {text}".split("\n")
    return lines


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
        Write the DOT text to ``*.dot``, or the picture to ``*.svg`` (drawn by
        Graphviz's ``dot`` when installed, else by minigrad, as :func:`draw`
        does), ``*.png`` or ``*.pdf`` (these two need Graphviz: a
        RuntimeError says how to install it).
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
    boxes, edges = _picture(t, names, max_elements)
    dot = _dot_text(boxes, edges)
    if path is not None:
        _save(dot, boxes, edges, path)
    return dot


def _dot_text(boxes, edges):
    """The DOT text of a picture's boxes and edges."""
    lines = ["digraph minigrad {", '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=10];']
    for box in boxes:
        label = _quote("\n".join(box.lines))
        if box.shape == "ellipse":
            style = f'shape=ellipse, style=filled, fillcolor="{box.fill}"'
        else:
            style = "shape=box" + (f', style=filled, fillcolor="{box.fill}"'
                                   if box.fill == OUTPUT_FILL else "")
        lines.append(f'  {box.id} [{style}, label="{label}"];')
    lines += [f"  {a} -> {b};" for a, b in edges]
    return "\n".join(lines + ["}"]) + "\n"


def _save(dot, boxes, edges, path):
    """Write a picture to ``path`` by its suffix: DOT text, or SVG drawn by
    Graphviz or, without it, by minigrad (see :func:`write`)."""
    if _suffix(path) == "svg" and not have_graphviz():
        with open(path, "w", encoding="utf-8") as f:
            f.write(graphsvg.svg(boxes, edges))
        return path
    return write(dot, path)


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


def _suffix(path):
    """The format a file name asks for (its suffix); a ValueError for one
    not in :data:`FORMATS`."""
    fmt = str(path).rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise ValueError(f"cannot write {str(path)!r}: use a .dot, .svg, .png or .pdf file name")
    return fmt


def write(dot, path):
    """Write DOT text to ``path``: ``.dot`` as text, ``.svg``/``.png``/``.pdf``
    rendered with Graphviz's ``dot`` program.  Returns the path.

    An unknown suffix is a ValueError; rendering without Graphviz, or a
    ``dot`` that fails, a RuntimeError that says why.  (:func:`draw` and
    :func:`to_dot` write ``.svg`` without Graphviz too.)

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
    fmt = _suffix(path)
    if fmt == "dot":
        with open(path, "w") as f:
            f.write(dot)
        return path
    if not have_graphviz():
        raise _no_graphviz(f"rendering {path}", "write a .dot file instead, or draw the "
                           "graph as .svg with mg.draw(t).save('graph.svg')")
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
        The SVG picture.
    layout : str
        Who laid it out: ``"graphviz"`` (Graphviz's ``dot`` program) or
        ``"minigrad"`` (:mod:`minigrad.graphsvg`, without Graphviz).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> mg.draw(x * 3)                # doctest: +ELLIPSIS
    <Drawing of 1 op and 1 leaf making a (2,) float32 tensor: a notebook shows it; ...>
    """

    def __init__(self, source, svg, what, layout="graphviz"):
        self.source, self.svg, self._what, self.layout = source, svg, what, layout

    def _repr_svg_(self):
        return self.svg

    def save(self, path):
        """Write the picture to ``path``: ``.svg`` (as shown), ``.dot`` text,
        or ``.png`` / ``.pdf`` drawn by Graphviz (a RuntimeError without it,
        saying how to install it).  Returns the path.

        Examples
        --------
        >>> import os, tempfile
        >>> import minigrad as mg
        >>> picture = mg.draw(mg.tensor([1.0], requires_grad=True) * 2)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     with open(picture.save(os.path.join(tmp, "g.svg"))) as f:
        ...         f.read() == picture.svg
        True
        """
        fmt = _suffix(path)
        if fmt in ("dot", "svg"):
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.source if fmt == "dot" else self.svg)
            return path
        if not have_graphviz():
            raise _no_graphviz(f"saving {path}", "save a .svg instead")
        return _dot(self.source, fmt, path)

    def __repr__(self):
        return (f"<Drawing of {self._what}: a notebook shows it; .save('graph.svg') writes "
                f"it; .source is its DOT text>")


def draw(t, names=None, max_elements=8):
    """The graph behind ``t`` as an SVG picture, which a notebook shows: the
    :func:`to_dot` graph (each op with its shape and dtype, parameter names,
    and small tensors' values and gradients), laid out by Graphviz's ``dot``
    program when it is installed, else by minigrad's own layered layout
    (:mod:`minigrad.graphsvg`), which needs no system package.

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
        ``_repr_svg_()`` for notebooks, ``.save(path)``, ``.source``, ``.layout``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> picture = mg.draw((x * x).sum(), names={"x": x})
    >>> picture.svg.startswith("<svg"), "<text" in picture.svg
    (True, True)
    """
    boxes, edges = _picture(t, names, max_elements)
    source = _dot_text(boxes, edges)
    if have_graphviz():
        svg, layout = _dot(source, "svg"), "graphviz"
        svg = svg[svg.find("<svg"):]
    else:
        svg, layout = graphsvg.svg(boxes, edges), "minigrad"
    leaves, nodes = _graph(t)
    what = (f"{len(nodes)} op{'s' * (len(nodes) != 1)} and {len(leaves)} "
            f"lea{'ves' if len(leaves) != 1 else 'f'} making a {t.shape} {t.dtype} tensor")
    return Drawing(source, svg, what, layout)
