"""What :func:`minigrad.explain` returns, and the pieces its builders share.

An :class:`Explanation` holds the step-by-step computation of a loss and
its gradient, with the loss's value under each framework's
:class:`Convention`; it prints as text.  Each explained loss has a builder,
declared next to the loss in :mod:`minigrad.lossdefs`; a loss that is the
mean of a per-element formula uses :class:`Elementwise`.

Every number comes from the library's own loss code: the per-element terms
from :mod:`minigrad.formulas`, the value from the Keras-flavoured loss, the
gradients from ``backward()`` through it, and each convention from the loss
that implements it.
"""
from __future__ import annotations

import dataclasses
import textwrap

import numpy as np

from . import display, ops
from .tensor import Tensor

ROWS_SHOWN = 10     # rows of each per-element table that the printed text shows
WIDTH = 100         # the printed text's lines are at most this long (tables' widest rows aside)

#: Why a row of the HTML table is highlighted: Keras's clip, PyTorch's clamp.
MARKS = {"clipped": "clipped to [eps, 1-eps] (Keras)",
         "clamped": "log clamped at -100 (PyTorch)"}


@dataclasses.dataclass
class Convention:
    """A loss's value under one framework's convention."""

    name: str
    rule: str
    float32: float
    float64: float


@dataclasses.dataclass
class Explanation:
    """The step-by-step computation of a loss and its gradient.

    It displays itself: a terminal shows the walkthrough as text (``repr``,
    ``str`` and ``print`` all give :meth:`text`, once), a notebook as HTML
    tables (:meth:`_repr_html_`).  The loss's value alone, as a Python
    float, is ``.item()`` (as a PyTorch tensor's), ``float(explanation)``
    (as a Keras loss's) or ``.value``; the fields hold every number.

    Examples
    --------
    >>> import minigrad as mg
    >>> ex = mg.explain("mse", [0.0, 1.0], [0.5, 1.0])
    >>> ex.item(), float(ex)
    (0.125, 0.125)
    >>> print(ex)                                   # doctest: +ELLIPSIS
    Mean squared error (Keras and PyTorch agree)
    ...
    """

    loss: str
    title: str
    from_logits: bool
    options: dict
    y_true: np.ndarray
    y_pred: np.ndarray
    table: dict            # column name -> per-element (or per-sample) array
    steps: list            # (label, value, comment): the sums, the mean, the sign
    value: float           # the library's (Keras 3) value, float64
    grad: np.ndarray       # d value / d y_pred
    grad_formula: str
    grad_logits: np.ndarray | None
    grad_logits_formula: str | None
    conventions: list
    clipped: np.ndarray | None
    clamped: np.ndarray | None
    notes: list
    per_sample: bool = False   # the table has a row per sample (categorical), not per element

    def __repr__(self):
        return self.text()

    def __str__(self):
        return self.text()

    def item(self):
        """The loss's value (Keras 3's convention, float64) as a Python float."""
        return float(self.value)

    def __float__(self):
        return float(self.value)

    def text(self):
        """The walkthrough, as printed: the per-element tables show their first
        :data:`ROWS_SHOWN` rows; every sum, mean and value is over all of them."""
        unit = self._unit()
        out = [*textwrap.wrap(self.title, WIDTH, break_long_words=False), ""]
        out += _table(self.table, "Per sample" if self.per_sample else "Per element", unit,
                      "totals below are over all of them")
        out += ["", "Step by step:"]
        width = max(len(s[0]) for s in self.steps)
        for label, value, comment in self.steps:
            out += _wrap(f"  {label:<{width}}  {num(value):>20}   ", comment)
        wrt = "the logits z" if self.from_logits else "y_pred"
        out += [""] + _wrap(f"Gradient with respect to {wrt}: ", self.grad_formula, indent=2)
        grads = {f"d loss / d {'z' if self.from_logits else 'y_pred'}": self.grad}
        if self.grad_logits is not None:
            out += _wrap("  and with respect to the logits: ", self.grad_logits_formula,
                         indent=4)
            grads["d loss / d logit"] = self.grad_logits
        out += _table(grads, None, unit, "all of them in the result's .grad")
        out += ["", "Value under each convention:"] + _conventions(self.conventions)
        if self.notes:
            out += ["", "Why they differ:"]
            out += [line for n in self.notes for line in _wrap("  * ", n, indent=4)]
        return "\n".join(out)

    def _repr_html_(self):
        """The walkthrough as HTML tables, for notebooks: one row per element
        (terms, loss and gradient; the rows Keras clips or PyTorch clamps
        highlighted and said why), the steps, and the value under each
        convention side by side.

        Examples
        --------
        >>> import minigrad as mg
        >>> html = mg.explain("bce", [1, 1, 1], [1, 1, 0], show=False)._repr_html_()
        >>> html.count('<tr class="clipped">'), html.count('<tr class="clipped clamped">')
        (2, 1)
        """
        wrt = "the logits z" if self.from_logits else "y_pred"
        formulas = [f"Gradient with respect to {wrt}: {self.grad_formula}"]
        if self.grad_logits is not None:
            formulas.append(f"and with respect to the logits: {self.grad_logits_formula}")
        c = self.conventions
        return display.block(
            display.para(self.title, "title"), self._rows_html(),
            *(display.para(f, "note") for f in formulas),
            display.table(["step", "value", ""], [[lbl, num(v), why] for lbl, v, why in self.steps],
                          "Step by step", text=(0, 2)),
            display.table(["convention", "rule", "float32", "float64"],
                          [[x.name, x.rule, f32(x.float32), num(x.float64)] for x in c],
                          "Value under each convention", text=(0, 1)),
            display.para("Why they differ", "heading") + display.bullets(self.notes)
            if self.notes else "")

    def _rows_html(self):
        """The per-element (or per-sample) table with its gradient columns,
        the rows of :meth:`_shown`, and a note column on those clipped or
        clamped."""
        columns, marks = self._columns(), self._marks()
        shown = self._shown(marks)
        header, rows, classes = ["i", *columns], [], []
        for i in shown:
            if rows and i != rows[-1][0] + 1:
                rows.append(["..."] + [""] * len(columns))     # a gap in the indices
                classes.append("")
            rows.append([i, *(_cell(np.asarray(a)[i]) for a in columns.values())])
            classes.append(" ".join(marks[i]))
        if any(classes):
            header.append("note")
            for row, m in zip(rows, classes):
                row.append("; ".join(MARKS[kind] for kind in m.split()))
        caption = "Per sample" if self.per_sample else "Per element"
        return (display.table(header, rows, caption, text=(len(columns) + 1,), classes=classes)
                + self._more_html(len(marks) - len(shown), len(shown) > ROWS_SHOWN))

    def _columns(self):
        """The table's columns, then the gradient's."""
        columns = dict(self.table)
        columns[f"d loss / d {'z' if self.from_logits else 'y_pred'}"] = self.grad
        if self.grad_logits is not None:
            columns["d loss / d logit"] = self.grad_logits
        return columns

    @staticmethod
    def _shown(marks):
        """The rows the HTML shows: the first :data:`ROWS_SHOWN`, and up to as
        many clipped or clamped rows after them."""
        later = [i for i in range(ROWS_SHOWN, len(marks)) if marks[i]][:ROWS_SHOWN]
        return [*range(min(len(marks), ROWS_SHOWN)), *later]

    def _more_html(self, hidden, later):
        """The note under the table on the rows it does not show."""
        if not hidden:
            return ""
        which = "; after the first rows, only the clipped or clamped ones" if later else ""
        return display.para(f"{hidden:,} more {self._unit()} not shown{which}; the steps and "
                            "values are over all of them", "note")

    def _marks(self):
        """Per row of the table: which of ``"clipped"`` (Keras's clip of p)
        and ``"clamped"`` (PyTorch's clamp of the log) touch it."""
        n = len(self.grad)
        masks = {kind: np.zeros(n, bool) if m is None else np.asarray(m).reshape(n, -1).any(1)
                 for kind, m in (("clipped", self.clipped), ("clamped", self.clamped))}
        return [[kind for kind in MARKS if masks[kind][i]] for i in range(n)]

    def _unit(self):
        return "samples" if self.per_sample else "elements"


def _wrap(head, text, indent=None, width=WIDTH):
    """``head`` then ``text``, wrapped at ``width`` columns; the lines after
    the first start with ``indent`` spaces (default: under the text)."""
    indent = len(head) if indent is None else indent
    if not text:
        return [head.rstrip()]
    return textwrap.wrap(text, width, initial_indent=head, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False) or [head.rstrip()]


def _conventions(conventions, width=WIDTH):
    """The lines of the conventions table; a rule too long for ``width``
    columns wraps onto the lines below it, in its own column."""
    w1 = max(len("convention"), *(len(c.name) for c in conventions))
    w3 = max(len("float32"), *(len(f32(c.float32)) for c in conventions))
    w4 = max(len("float64"), *(len(num(c.float64)) for c in conventions))
    room = max(width - (2 + w1 + 2 + 2 + w3 + 2 + w4), 16)
    rules = [textwrap.wrap(c.rule, room, break_long_words=False) or [""] for c in conventions]
    w2 = max(len("rule"), *(len(line) for lines in rules for line in lines))
    out = [f"  {'convention':<{w1}}  {'rule':<{w2}}  {'float32':>{w3}}  {'float64':>{w4}}"]
    for c, lines in zip(conventions, rules):
        out.append(f"  {c.name:<{w1}}  {lines[0]:<{w2}}  {f32(c.float32):>{w3}}  "
                   f"{num(c.float64):>{w4}}")
        out += [f"  {'':<{w1}}  {line}" for line in lines[1:]]
    return out


def num(v):
    """A float64 as printed: every digit (``repr``), or inf/nan; 0.0, never -0.0."""
    v = float(v) + 0.0          # -0.0 + 0.0 is 0.0
    return repr(v) if np.isfinite(v) else str(v)


def f32(v):
    """A float32 value as printed (``0.32402205``), or inf/nan; 0.0, never -0.0."""
    v = float(v) + 0.0
    return str(np.float32(v)) if np.isfinite(v) else str(v)


def _table(columns, heading, unit="elements", trailer="", rows=None, width=WIDTH):
    """The first ``rows`` (default :data:`ROWS_SHOWN`) rows ``i`` of the named
    columns (1-D arrays, or 2-D with a row per sample), then a line that says
    how many more there are.  Columns too wide together for ``width``
    columns come as tables one under another; a row too wide alone shows
    fewer of its numbers."""
    rows = ROWS_SHOWN if rows is None else rows
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    n = len(arrays[0])
    lines = [f"{heading}:"] if heading else []
    for group in _groups(names, arrays, min(n, rows), width):
        lines += _columns_text([names[k] for k in group], [arrays[k] for k in group],
                               min(n, rows), width)
    if n > rows:
        lines.append(f"  ... {n - rows:,} more {unit}" + (f"; {trailer}" if trailer else ""))
    return lines


def _cells(a, rows, limit=8):
    return [_cell(a[i], limit) for i in range(rows)]


def _groups(names, arrays, rows, width):
    """The columns' indices in groups whose table fits ``width`` columns."""
    groups, used = [[]], 7
    for k, (name, a) in enumerate(zip(names, arrays)):
        w = 2 + max(len(name), *(len(c) for c in _cells(a, rows))) if rows else len(name) + 2
        if groups[-1] and used + w > width:
            groups.append([])
            used = 7
        groups[-1].append(k)
        used += w
    return groups


def _columns_text(names, arrays, rows, width):
    """The table of these columns, its row numbers first."""
    limit = 8
    while True:
        cells = [[_cell(a[i], limit) for a in arrays] for i in range(rows)]
        widths = [max(len(name), *(len(r[k]) for r in cells)) for k, name in enumerate(names)]
        if 5 + sum(w + 2 for w in widths) <= width or limit <= 2:
            break
        limit -= 1
    lines = ["    i  " + "  ".join(name.rjust(w) for name, w in zip(names, widths))]
    for i, row in enumerate(cells):
        lines.append(f"  {i:>3}  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
    return lines


def _cell(v, limit=8):
    """A number with up to 10 significant digits (a row: numbers in brackets,
    the first ``limit`` of a longer one)."""
    v = np.asarray(v)
    if v.ndim:
        shown = " ".join(_cell(x) for x in v.ravel()[:limit])
        return "[" + shown + (f" ... {v.size:,} in all" if v.size > limit else "") + "]"
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    return "0" if v == 0 else f"{v:.10g}"      # 0, not -0: a zero's sign says nothing here


# ------------------------------------------------- pieces for the builders

def indices(mask, limit=ROWS_SHOWN):
    """``[0, 3, 7]``: where ``mask`` is true (the first ``limit``, and how many).

    Examples
    --------
    >>> from minigrad.explanation import indices
    >>> indices([True, False, True]), indices([True] * 12, limit=2)
    ('[0, 2]', '[0, 1, ...] (12 in all)')
    """
    idx = np.flatnonzero(mask)
    text = str(idx[:limit].tolist())
    return text if idx.size <= limit else f"{text[:-1]}, ...] ({idx.size:,} in all)"


def values(fn, *arrays):
    """``fn`` of the arrays as float32 and float64 tensors: two floats (inf or
    NaN allowed: the textbook formulas have them)."""
    out = []
    for dtype in (np.float32, np.float64):
        with np.errstate(all="ignore"):
            out.append(float(fn(*[Tensor(np.asarray(a), dtype=dtype) for a in arrays]).item()))
    return out


def convention(name, rule, fn, *arrays):
    """The :class:`Convention` of ``fn`` (a scalar loss) of the arrays, in
    float32 and float64."""
    float32, float64 = values(fn, *arrays)
    return Convention(name=name, rule=rule, float32=float32, float64=float64)


def mean(t):
    """The mean over every element."""
    return ops.mean(t)


def gradient(fn, y_pred):
    """d fn / d y_pred (float64), from ``backward()``."""
    x = Tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    fn(x).backward()
    return x.grad.numpy()


def logit(p):
    """log(p / (1 - p)), or None where some p is exactly 0 or 1."""
    p = np.asarray(p, dtype=np.float64)
    if np.any((p <= 0) | (p >= 1)):
        return None
    return np.log(p) - np.log1p(-p)


# ---------------------------------------------- mean of a per-element loss

@dataclasses.dataclass(frozen=True)
class Elementwise:
    """The builder of the explanation of a loss that is the mean of a
    per-element formula (regression losses and their kind).

    The texts are format strings of the options (``"{delta:g}"``).  The
    table shows each element's ``columns`` and loss; the conventions are the
    textbook formula, the Keras class, the PyTorch module (when there is
    one) and any ``extra`` ones.

    Attributes
    ----------
    title, rule, grad_formula : str
        The heading; the per-element rule; d loss / d y_pred in words.
    formula : callable
        ``formula(y, p, **options)``: the library's per-element loss.
    keras : type
        The Keras-flavoured class, built as ``keras(**options)``.
    torch : callable, optional
        ``torch(**options)``: the PyTorch-flavoured module.
    torch_name, torch_rule : str
        Its row in the conventions table.
    textbook : callable, optional
        ``textbook(y, p, **options)`` per element (default: ``formula``).
    extra : tuple
        More conventions: ``(name, rule, fn(y, p))``, fn a scalar loss.
    columns : tuple
        ``(label, fn(y, p))``: the table's columns between y_pred and loss_i.
    textbook_rule : str
        The textbook row's rule, when not the ``rule`` (default).
    sum_last_axis : bool
        The loss sums the terms over the last axis and averages over the
        samples (KL divergence), rather than averaging over every element.
    """

    title: str
    rule: str
    grad_formula: str
    formula: object
    keras: type
    torch: object = None
    torch_name: str = "PyTorch"
    torch_rule: str = "mean over all elements"
    textbook: object = None
    extra: tuple = ()
    columns: tuple = (("e = p - y", lambda y, p: p - y),)
    textbook_rule: str = ""
    sum_last_axis: bool = False

    def __call__(self, name, y, p, from_logits, opts):
        keras = self.keras(**opts)
        value = float(keras(y, p).item())           # validates the inputs too
        per = self.formula(Tensor(y), Tensor(p), **opts).numpy()
        table = {"y_true": y.reshape(-1), "y_pred": p.reshape(-1)}
        table.update({label: fn(y, p).reshape(-1) for label, fn in self.columns})
        table["loss_i"] = per.reshape(-1)
        rule, n = self.rule.format(**opts), np.size(y)
        if self.sum_last_axis:
            n = np.size(y) // np.shape(y)[-1] if np.ndim(y) else 1
            last = "mean over samples = sum / S"
            mean_step = (last, float(per.sum()) / n,
                         f"S = {n} sample{'s' * (n != 1)} (rows): the loss")
        else:
            mean_step = ("mean = sum / N", float(per.sum()) / n, f"N = {n}: the loss")
        steps = [("sum of loss_i", float(per.sum()), rule), mean_step]
        return Explanation(
            loss=name, title=self.title.format(**opts), from_logits=False, options=opts,
            y_true=y, y_pred=p, table=table, steps=steps, value=value,
            grad=gradient(lambda t: keras(y, t), p).reshape(-1),
            grad_formula=self.grad_formula.format(**opts), grad_logits=None,
            grad_logits_formula=None, conventions=self._conventions(y, p, opts, rule),
            clipped=None, clamped=None, notes=[])

    def _conventions(self, y, p, opts, rule):
        textbook = self.textbook or self.formula
        rule = self.textbook_rule.format(**opts) or rule
        if self.sum_last_axis:
            rows = y.size // y.shape[-1] if y.ndim else 1
            conv = [convention("textbook numpy", f"{rule}; summed per sample, mean over samples",
                               lambda y, p: ops.sum(textbook(y, p, **opts)) / rows, y, p),
                    convention("Keras 3", "sum over the last axis, then mean over the batch",
                               lambda y, p: self.keras(**opts)(y, p), y, p)]
        else:
            conv = [convention("textbook numpy", f"mean of {rule}",
                               lambda y, p: mean(textbook(y, p, **opts)), y, p),
                    convention("Keras 3", "mean over the last axis, then over the batch",
                               lambda y, p: self.keras(**opts)(y, p), y, p)]
        if self.torch is not None:
            conv.append(convention(self.torch_name, self.torch_rule,
                                   lambda y, p: self.torch(**opts)(p, y), y, p))
        conv += [convention(name, rule, fn, y, p) for name, rule, fn in self.extra]
        return conv
