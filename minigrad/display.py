"""What a notebook shows: the pieces of the HTML of an
:class:`~minigrad.explanation.Explanation` and a :class:`~minigrad.graph.Trace`,
and the PNG of a :class:`~minigrad.training.History`.

The HTML is self-contained: one ``<div class="minigrad">`` holding an
inline ``<style>`` scoped to that class, tables and paragraphs; no scripts,
so it renders the same in Jupyter, nbviewer and on GitHub.  Every piece of
text goes through :func:`html.escape` here, and nowhere else.
"""
from __future__ import annotations

import html
import io

#: The style block, scoped to ``div.minigrad``.  Rows of class ``clipped``
#: (amber) and ``clamped`` (red) are highlighted.
STYLE = """<style>
.minigrad {font-family: sans-serif; font-size: 13px; line-height: 1.35}
.minigrad p {margin: 0.5em 0}
.minigrad p.title {font-weight: bold; font-size: 14px}
.minigrad p.note {color: #4b5563}
.minigrad p.heading {font-weight: bold; margin-bottom: 0.2em}
.minigrad ul {margin: 0.2em 0; padding-left: 1.5em}
.minigrad table {border-collapse: collapse; margin: 0.3em 0 0.9em}
.minigrad caption {text-align: left; font-weight: bold; padding: 2px 0}
.minigrad th, .minigrad td {border: 1px solid #d1d5db; padding: 2px 8px;
  vertical-align: top; text-align: right}
.minigrad th {background: #f3f4f6; white-space: nowrap; font-size: 13px}
.minigrad td {font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: 12px; white-space: pre; background: #ffffff}
.minigrad th.text, .minigrad td.text {text-align: left; font-family: sans-serif;
  font-size: 13px; white-space: normal}
.minigrad th.array, .minigrad td.array {text-align: left}
.minigrad tr.clipped td {background: #fef3c7}
.minigrad tr.clamped td {background: #fee2e2}
.minigrad tr.clipped.clamped td {background: #fed7aa}
.minigrad tr.output td {background: #fef9c3}
</style>"""


def esc(value):
    """``value`` as HTML text.

    Examples
    --------
    >>> from minigrad.display import esc
    >>> esc("d loss / d p < 0 & y")
    'd loss / d p &lt; 0 &amp; y'
    """
    return html.escape(str(value))


def block(*parts):
    """The HTML of one displayed object: the style block and ``parts``
    (HTML strings) in a ``<div class="minigrad">``.

    Examples
    --------
    >>> from minigrad.display import block, para
    >>> html = block(para("hello"))
    >>> html.startswith('<div class="minigrad"><style>'), html.endswith("<p>hello</p></div>")
    (True, True)
    """
    return '<div class="minigrad">' + STYLE + "".join(parts) + "</div>"


def para(text, kind=None):
    """A paragraph of plain ``text``; ``kind`` is its class (``"title"``,
    ``"note"``).

    Examples
    --------
    >>> from minigrad.display import para
    >>> para("2 < 3", kind="note")
    '<p class="note">2 &lt; 3</p>'
    """
    cls = f' class="{kind}"' if kind else ""
    return f"<p{cls}>{esc(text)}</p>"


def bullets(items):
    """A list of plain-text ``items`` (nothing when there are none).

    Examples
    --------
    >>> from minigrad.display import bullets
    >>> bullets(["a", "b"]), bullets([])
    ('<ul><li>a</li><li>b</li></ul>', '')
    """
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>" if items else ""


def table(header, rows, caption=None, text=(), arrays=(), classes=None):
    """An HTML table of plain-text cells.

    Parameters
    ----------
    header : list of str
        The column names.
    rows : list of lists
        The cells, row by row (anything ``str`` turns into text).
    caption : str, optional
    text, arrays : collection of int
        The columns of words, and of arrays (both left-aligned); the others
        hold numbers (right-aligned).
    classes : list of str, optional
        Each row's class (``""`` for none), e.g. ``"clipped"``.

    Examples
    --------
    >>> from minigrad.display import table
    >>> html = table(["i", "p"], [[0, 0.5], [1, 1.0]], classes=["", "clipped"])
    >>> html.count("<tr"), '<tr class="clipped"><td>1</td><td>1.0</td></tr>' in html
    (3, True)
    """
    classes = classes or [""] * len(rows)
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    kinds = {**{k: "text" for k in text}, **{k: "array" for k in arrays}}
    out.append(f"<tr>{_cells('th', header, kinds)}</tr>")
    for row, cls in zip(rows, classes):
        out.append(f'<tr class="{esc(cls)}">' if cls else "<tr>")
        out.append(f"{_cells('td', row, kinds)}</tr>")
    out.append("</table>")
    return "".join(out)


def _cells(tag, values, kinds):
    """``<td>`` (or ``<th>``) cells of ``values``, of class ``kinds[k]``
    where it has one."""
    out = []
    for k, v in enumerate(values):
        cls = f' class="{kinds[k]}"' if k in kinds else ""
        out.append(f"<{tag}{cls}>{esc(v)}</{tag}>")
    return "".join(out)


def png(draw, size=(6.4, 3.6)):
    """PNG bytes of a matplotlib figure that ``draw(ax)`` draws on, or None
    without matplotlib.  The figure is not pyplot's, so a notebook does not
    show it a second time.

    Examples
    --------
    >>> from minigrad.display import png
    >>> data = png(lambda ax: ax.plot([1, 2, 3]))
    >>> data is None or data.startswith(b"\\x89PNG")
    True
    """
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=size)
    draw(fig.add_subplot())
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    return out.getvalue()
