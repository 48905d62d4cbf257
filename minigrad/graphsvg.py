"""A graph drawn as SVG without Graphviz: what :func:`minigrad.draw` shows
when Graphviz's ``dot`` program is not installed.

A compact layered (Sugiyama-style) layout, in four steps:

1. layers: each box as low as its users allow (the longest path to the
   output), so that inputs sit just above the op that uses them;
2. an edge that spans several layers passes through a point in each layer
   between, so that it is ordered and placed like a box;
3. order within layers: sweeps down and up that sort each layer by the mean
   position of its neighbours (barycentres), keeping the order with the
   fewest edge crossings;
4. positions: each box as near the weighted mean of its neighbours as the
   boxes beside it allow (a least-squares fit, solved exactly by pooling
   adjacent violators), sweeping down and up; edges between pass points
   weigh more, as in Graphviz, so that long edges run straight.

Edges run straight down through the layers they pass and curve between
layers, ending in an arrowhead; they enter a box at its top (leave it at its
bottom) spread out in the order of their other ends.  Text widths are
estimated from Helvetica's character widths (the SVG names Helvetica, Arial,
then any sans-serif); arrays are in a monospace font.

Why not a library: the Python bindings (pydot, pygraphviz) need Graphviz
itself, netgraph needs matplotlib and draws no SVG of its own, and grandalf
(pure Python, last released in 2023) lays out but does not draw; a graph of
ops is small, so the few steps above, with numpy not even needed, serve.
"""
from __future__ import annotations

import bisect
import dataclasses
import itertools
import math

from .display import esc

FONT_SIZE = 12          # px
LINE_HEIGHT = 15        # px
LAYER_GAP = 40          # px between the bottom of a layer and the top of the next
BOX_GAP = 24            # px between neighbouring boxes of a layer
PASS_GAP = 12           # px beside a point an edge passes through
MARGIN = 8              # px around the drawing
SWEEPS = 12             # ordering sweeps (down and up) and placement sweeps

SANS = "Helvetica,Arial,sans-serif"
MONO = "ui-monospace,Menlo,Consolas,'DejaVu Sans Mono',monospace"
_NARROW = {**dict.fromkeys("ijl.,:;'|!", 0.25), **dict.fromkeys("ftrI()[] -/", 0.33),
           **dict.fromkeys("mwMW", 0.85)}


@dataclasses.dataclass
class Box:
    """A box to draw.

    Attributes
    ----------
    id : str
    lines : list of str
        Its text, line by line; lines from ``mono_from`` on (arrays) are
        set in a monospace font.
    shape : str
        ``"box"`` or ``"ellipse"``.
    fill : str
        A CSS colour.
    mono_from : int
    """

    id: str
    lines: list
    shape: str = "box"
    fill: str = "#ffffff"
    mono_from: int = 2


def text_width(line, mono=False):
    """Estimated width in px of ``line`` at :data:`FONT_SIZE`.

    Examples
    --------
    >>> from minigrad.graphsvg import text_width
    >>> text_width("value 0.5", mono=True)
    64.8
    >>> 15 < text_width("Mul") < 25
    True
    """
    if mono:
        return round(0.6 * FONT_SIZE * len(line), 2)
    em = sum(_NARROW.get(c, 0.67 if c.isupper() else 0.56) for c in line)
    return round(em * FONT_SIZE, 2)


def _size(box):
    """(width, height) of a box in px, its text with padding."""
    widths = [text_width(s, k >= box.mono_from) for k, s in enumerate(box.lines)]
    tw, th = max(widths, default=0) + 16, len(box.lines) * LINE_HEIGHT + 8
    if box.shape != "ellipse":
        return tw, th
    # the narrowest ellipse of height th * 1.4 around every line of text
    b = th * 0.7
    offsets = [abs((k + 0.5) * LINE_HEIGHT - len(box.lines) * LINE_HEIGHT / 2) + LINE_HEIGHT / 2
               for k in range(len(box.lines))]
    a = max(((w + 16) / 2 / math.sqrt(1 - (y / b) ** 2) for w, y in zip(widths, offsets)),
            default=8)
    return 2 * a, 2 * b


# ------------------------------------------------------------------ layout

def _neighbours(n, pairs):
    """``ins`` and ``outs``: each vertex's list of inputs and of users."""
    ins, outs = [[] for _ in range(n)], [[] for _ in range(n)]
    for u, v in pairs:
        ins[v].append(u)
        outs[u].append(v)
    return ins, outs


def _layers(n, outs):
    """Each vertex's layer, counted down from the top (vertices in
    topological order: inputs first): as low as its users allow, so that an
    input sits just above the op that uses it."""
    below = [0] * n                     # the longest path down to an output
    for v in reversed(range(n)):
        below[v] = max((below[w] + 1 for w in outs[v]), default=0)
    return [max(below) - b for b in below] if n else []


def _crossings(order, ins):
    """How many pairs of edges cross between adjacent layers: for each edge,
    those before it (by upper end) whose lower end is further right."""
    pos = {v: i for row in order for i, v in enumerate(row)}
    total = 0
    for row in order[1:]:
        ends = sorted((pos[u], pos[v]) for v in row for u in ins[v])
        seen = []                       # lower ends of the edges of earlier upper ends
        for k, group in itertools.groupby(ends, key=lambda e: e[0]):
            lows = [b for _, b in group]
            total += sum(len(seen) - bisect.bisect_right(seen, b) for b in lows)
            for b in lows:
                bisect.insort(seen, b)
    return total


def _order(order, ins, outs):
    """Layers reordered by barycentre sweeps; the order with fewest crossings."""
    best, fewest = [list(r) for r in order], _crossings(order, ins)
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        rows = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        for r in rows:
            ref = order[r - 1] if down else order[r + 1]
            pos = {v: i for i, v in enumerate(ref)}
            near = ins if down else outs

            def key(iv, pos=pos, near=near):
                i, v = iv
                ps = [pos[u] for u in near[v] if u in pos]
                return sum(ps) / len(ps) if ps else i * len(ref) / max(len(order[r]), 1)

            order[r] = [v for _, v in sorted(enumerate(order[r]), key=key)]
        count = _crossings(order, ins)
        if count < fewest:
            best, fewest = [list(r) for r in order], count
    return best


def _fit(wanted, gaps):
    """Positions nearest (least squares) to ``wanted`` whose neighbours are at
    least ``gaps`` apart: pool adjacent violators on ``wanted`` less offsets."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks = []                         # [mean, count]
    for w, o in zip(wanted, offsets):
        blocks.append([w - o, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m, c = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + m * c) / (blocks[-1][1] + c),
                          blocks[-1][1] + c]
    out = [m for m, c in blocks for _ in range(c)]
    return [y + o for y, o in zip(out, offsets)]


def _place(order, width, ins, outs, n):
    """x of each vertex: near its neighbours' weighted mean, the layer's
    order kept.  Vertices from ``n`` on are points an edge passes through;
    as in Graphviz, an edge between two of them weighs 8, between one and a
    box 2, so that long edges run straight."""
    def weight(u, v):
        return (1, 2, 8)[(u >= n) + (v >= n)]

    x = {}
    for row in order:
        at = 0.0
        for v in row:
            x[v] = at + width[v] / 2
            at += width[v] + BOX_GAP
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        near = ins if down else outs
        if sweep == SWEEPS - 1:             # a last sweep to both sides
            near = [i + o for i, o in zip(ins, outs)]
        for row in (order if down else order[::-1]):
            wanted = [sum(weight(u, v) * x[u] for u in near[v])
                      / sum(weight(u, v) for u in near[v]) if near[v] else x[v] for v in row]
            gaps = [(width[a] + width[b]) / 2 + (BOX_GAP if width[a] and width[b]
                                                  else PASS_GAP)
                    for a, b in zip(row, row[1:])]
            for v, xv in zip(row, _fit(wanted, gaps)):
                x[v] = xv
    return x


@dataclasses.dataclass
class Layout:
    """Where :func:`layout` put things: ``boxes`` ``{id: (x, y, width,
    height)}`` (centres), ``edges`` a list of point lists (from the source's
    bottom to the target's top), ``width`` and ``height`` of the drawing."""

    boxes: dict
    edges: list
    width: float
    height: float


def layout(boxes, edges):
    """The layered layout of ``boxes`` (in topological order: every box after
    its inputs) and ``edges`` (pairs of box ids, input first).

    Examples
    --------
    >>> from minigrad.graphsvg import Box, layout
    >>> boxes = [Box("a", ["a"], "ellipse"), Box("b", ["b"], "ellipse"), Box("s", ["Add"])]
    >>> places = layout(boxes, [("a", "s"), ("b", "s")])
    >>> ya, yb, ys = (places.boxes[k][1] for k in "abs")
    >>> ya == yb < ys, len(places.edges)
    (True, 2)
    """
    if not boxes:
        return Layout({}, [], 2 * MARGIN, 2 * MARGIN)
    index = {b.id: i for i, b in enumerate(boxes)}
    n = len(boxes)
    pairs = [(index[a], index[b]) for a, b in edges]
    layer = _layers(n, _neighbours(n, pairs)[1])
    sizes = [_size(b) for b in boxes]
    width = [s[0] for s in sizes]
    chains = []                 # each edge's vertices: with the points it passes through
    for u, v in pairs:
        chain = [u]
        for r in range(layer[u] + 1, layer[v]):
            chain.append(len(width))
            width.append(0.0)
            layer.append(r)
        chains.append(chain + [v])
    ins, outs = _neighbours(len(width), [st for c in chains for st in zip(c, c[1:])])
    low = min(layer)
    order = [[] for _ in range(max(layer) - low + 1)]
    for v in range(len(width)):
        order[layer[v] - low].append(v)
    order = _order(order, ins, outs)
    x = _place(order, width, ins, outs, n)
    left = min(x[v] - width[v] / 2 for v in x) - MARGIN
    x = {v: xv - left for v, xv in x.items()}
    y, band, top = {}, {}, MARGIN
    for row in order:
        h = max((sizes[v][1] for v in row if v < n), default=0)
        for v in row:
            y[v], band[v] = top + h / 2, (top, top + h)
        top += h + LAYER_GAP
    places = {boxes[v].id: (x[v], y[v], *sizes[v]) for v in range(n)}
    leaving, entering = {}, {}          # edges by source and by target, left to right
    for k in sorted(range(len(chains)), key=lambda k: (x[chains[k][1]], k)):
        leaving.setdefault(chains[k][0], []).append(k)
    for k in sorted(range(len(chains)), key=lambda k: (x[chains[k][-2]], k)):
        entering.setdefault(chains[k][-1], []).append(k)
    lines = [_route(k, chains[k], x, y, band, sizes, boxes, leaving, entering)
             for k in range(len(chains))]
    return Layout(places, lines, max(x[v] + width[v] / 2 for v in x) + MARGIN,
                  top - LAYER_GAP + MARGIN)


def _route(k, chain, x, y, band, sizes, boxes, leaving, entering):
    """The points of edge ``k``: its source's bottom, straight down through
    each layer it passes (from the layer's top to its bottom), its target's
    top; ends spread along a box in the order of the other ends."""
    src, dst = chain[0], chain[-1]
    first, last = leaving[src], entering[dst]
    start = _port(boxes[src], x[src], y[src], sizes[src], first.index(k), len(first), +1)
    end = _port(boxes[dst], x[dst], y[dst], sizes[dst], last.index(k), len(last), -1)
    return [start] + [(x[p], b) for p in chain[1:-1] for b in band[p]] + [end]


def _port(box, cx, cy, size, k, count, side):
    """Where the k-th of ``count`` edges meets the box's bottom (side +1) or top (-1)."""
    w, h = size
    step = min(18.0, 0.5 * w / max(count, 1))
    dx = (k - (count - 1) / 2) * step
    if box.shape == "ellipse":
        a, b = w / 2, h / 2
        return cx + dx, cy + side * b * math.sqrt(max(0.0, 1 - (dx / a) ** 2))
    return cx + dx, cy + side * h / 2


# ------------------------------------------------------------------ SVG

ARROW = 7               # px, arrowhead length


def _path(points):
    """An SVG path through ``points``: straight down where x stays, else a
    curve leaving and entering vertically; the last piece shortened by the
    arrowhead."""
    (x0, y0), *rest = points
    d = [f"M{x0:.1f},{y0:.1f}"]
    for k, (x1, y1) in enumerate(rest):
        if k == len(rest) - 1:
            y1 -= ARROW
        mid = (y1 - y0) / 2
        d.append(f"L{x1:.1f},{y1:.1f}" if abs(x1 - x0) < 0.05 else
                 f"C{x0:.1f},{y0 + mid:.1f} {x1:.1f},{y1 - mid:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(d)


def _arrow(x, y):
    """An arrowhead ending at (x, y), pointing down."""
    return (f'<polygon points="{x:.1f},{y:.1f} {x - ARROW / 2:.1f},{y - ARROW:.1f} '
            f'{x + ARROW / 2:.1f},{y - ARROW:.1f}" fill="#374151"/>')


def _shape(box, cx, cy, w, h):
    style = f'fill="{esc(box.fill)}" stroke="#374151" stroke-width="1"'
    if box.shape == "ellipse":
        return f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" {style}/>'
    return (f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}" rx="3" {style}/>')


def _texts(box, cx, cy):
    top = cy - len(box.lines) * LINE_HEIGHT / 2
    out = []
    for k, line in enumerate(box.lines):
        font = MONO if k >= box.mono_from else SANS
        weight = ' font-weight="bold"' if k == 0 else ""
        out.append(f'<text x="{cx:.1f}" y="{top + (k + 0.75) * LINE_HEIGHT:.1f}" '
                   f'font-family="{font}"{weight}>{esc(line)}</text>')
    return out


def svg(boxes, edges, title="minigrad graph"):
    """SVG of the graph (see :func:`layout` for ``boxes`` and ``edges``).

    Examples
    --------
    >>> from minigrad.graphsvg import Box, svg
    >>> picture = svg([Box("x", ["x", "(2,) float32"], "ellipse"), Box("s", ["Sum", "()"])],
    ...               [("x", "s")])
    >>> picture.startswith("<svg"), picture.count("<text"), picture.count("<path")
    (True, 4, 1)
    """
    places = layout(boxes, edges)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{places.width:.0f}" '
           f'height="{places.height:.0f}" viewBox="0 0 {places.width:.1f} '
           f'{places.height:.1f}">',
           f"<title>{esc(title)}</title>",
           f'<g font-size="{FONT_SIZE}" text-anchor="middle" fill="#111827" '
           f'xml:space="preserve" style="white-space:pre">',
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    for points in places.edges:
        out.append(f'<path d="{_path(points)}" fill="none" stroke="#374151" '
                   f'stroke-width="1.2"/>')
        out.append(_arrow(*points[-1]))
    for box in boxes:
        cx, cy, w, h = places.boxes[box.id]
        out.append(_shape(box, cx, cy, w, h))
        out.extend(_texts(box, cx, cy))
    out += ["</g>", "</svg>"]
    return "\n".join(out) + "\n"
