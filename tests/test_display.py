"""What a notebook shows: the HTML of mg.explain(..., show=False) and mg.trace,
the SVG of mg.draw, the PNG of a History; and that the text forms stay."""
import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest

import minigrad as mg
from minigrad import graph, graphsvg
from minigrad.explain import LOSSES

VOID = {"br", "hr", "img", "meta", "input", "col", "wbr"}


class Balanced(HTMLParser):
    """Collects the start tags, their classes and the text of an HTML
    fragment, and checks that every tag is closed in order."""

    def __init__(self):
        super().__init__()
        self.open, self.tags, self.classes, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.classes.append((tag, dict(attrs).get("class")))
        if tag not in VOID:
            self.open.append((tag, self.getpos()))

    def handle_endtag(self, tag):
        assert self.open, f"</{tag}> closes nothing at {self.getpos()}"
        opened, where = self.open.pop()
        assert opened == tag, f"<{opened}> opened at {where} closed by </{tag}>"

    def handle_data(self, data):
        self.text.append(data)


def parse(html):
    """The parsed fragment; fails unless it is balanced, has no script and
    is one <div class="minigrad">."""
    p = Balanced()
    p.feed(html)
    p.close()
    assert not p.open, f"unclosed tags: {p.open}"
    assert "script" not in p.tags
    assert html.startswith('<div class="minigrad"><style>') and html.endswith("</div>")
    return p


def rows_of(html):
    """The table rows of the first table: (class, [cell texts])."""
    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.done = [], None, False

        def handle_starttag(self, tag, attrs):
            if self.done:
                return
            if tag == "tr":
                self.rows.append((dict(attrs).get("class") or "", []))
            elif tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None and not self.done:
                self.rows[-1][1].append(self.cell)
                self.cell = None
            elif tag == "table":
                self.done = True

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    r = Rows()
    r.feed(html)
    return r.rows


# ---------------------------------------------------------------- explain

class TestExplanationHTML:
    def test_bce_clipped_and_clamped_rows_are_highlighted(self):
        # y = 1 everywhere; p = 1, 1 lie above 1 - eps (Keras clips them) and
        # p = 0 below eps (clipped), where log(0) = -inf is also PyTorch's clamp
        ex = mg.explain("bce", [1, 1, 1], [1, 1, 0], show=False)
        html = ex._repr_html_()
        parse(html)
        header, *rows = rows_of(html)
        assert header[1][:3] == ["i", "y_true", "y_pred"] and header[1][-1] == "note"
        assert "d loss / d y_pred" in header[1]
        assert [cls for cls, _ in rows] == ["clipped", "clipped", "clipped clamped"]
        assert rows[0][1][-1] == "clipped to [eps, 1-eps] (Keras)"
        assert rows[2][1][-1] == ("clipped to [eps, 1-eps] (Keras); "
                                  "log clamped at -100 (PyTorch)")
        assert "tr.clipped td {background" in html and "tr.clamped td {background" in html

    def test_numbers_steps_and_conventions_are_there(self):
        ex = mg.explain("bce", [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6], show=False)
        html = ex._repr_html_()
        text = "".join(parse(html).text)
        assert "0.3240220233084354" in text                  # the float64 value, every digit
        assert "0.32402205" in text                          # Keras 3 in float32
        for name in ("textbook numpy", "Keras 3", "tf.keras 2.x", "PyTorch BCELoss",
                     "PyTorch BCEWithLogitsLoss"):
            assert f"<td class=\"text\">{name}</td>" in html
        assert "Step by step" in text and "negated: the loss" in text
        assert "note" not in rows_of(html)[0][1]            # nothing clipped: no note column
        assert 'class="clipped' not in html

    def test_text_is_escaped(self):
        html = mg.explain("bce", [0, 1], [0.2, 0.7], show=False)._repr_html_()
        assert "logs of probabilities are &lt;= 0" in html   # a step's comment
        assert "are <= 0" not in html

    def test_clipped_rows_past_the_first_ten_are_shown(self):
        p = np.r_[np.linspace(0.1, 0.9, 28), 0.0, 1.0]
        ex = mg.explain("bce", np.ones(30), p, show=False)
        rows = rows_of(ex._repr_html_())[1:]
        assert [r[1][0] for r in rows] == [str(i) for i in range(10)] + ["...", "28", "29"]
        assert rows[-1][0] == "clipped" and rows[-2][0] == "clipped clamped"
        assert "18 more elements not shown" in ex._repr_html_()

    def test_per_sample_tables_mark_the_sample(self):
        ex = mg.explain("cce", [[0, 1, 0], [1, 0, 0]], [[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]],
                        show=False)
        header, *rows = rows_of(ex._repr_html_())
        assert header[1][0] == "i" and [cls for cls, _ in rows] == ["clipped", ""]
        assert rows[1][1][1] == "[1 0 0]"

    @pytest.mark.parametrize("name, from_logits", [
        (name, logits) for name, info in LOSSES.items()
        for logits in ((False, True) if info.logits else (False,))])
    def test_every_explained_loss_gives_well_formed_html(self, name, from_logits):
        y_true, y_pred = LOSSES[name].example
        ex = mg.explain(name, y_true, y_pred, from_logits=from_logits, show=False)
        p = parse(ex._repr_html_())
        assert ex.title in "".join(p.text)

    def test_the_text_form_is_unchanged(self, capsys):
        ex = mg.explain("bce", [1, 1, 1], [1, 1, 0])
        assert capsys.readouterr().out == ""               # explain prints nothing itself
        print(ex)
        printed = capsys.readouterr().out
        assert printed == ex.text() + "\n" == str(ex) + "\n" == repr(ex) + "\n"
        assert "<" not in printed.replace("<=", "") and "Per element:" in printed


# ------------------------------------------------------------------ trace

def linear_loss(net):
    X = mg.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 6)
    with mg.keep_values():
        return mg.nn.MSELoss()(net(X), mg.tensor([[1.0], [0.0]]))


class TestTraceHTML:
    def test_parameter_names_from_a_module(self):
        net = mg.nn.Sequential(mg.nn.Linear(3, 1, rng=0))
        loss = linear_loss(net)
        html = mg.trace(loss, names=net)._repr_html_()
        parse(html)
        header, *rows = rows_of(html)
        assert header[1] == ["#", "op", "name", "inputs", "shape", "dtype", "value", "gradient"]
        named = {r[1][2]: r[1] for r in rows if r[1][2]}
        assert set(named) == {"0.weight", "0.bias"}
        assert named["0.weight"][1] == "leaf" and named["0.weight"][4] == "(1, 3)"
        assert rows[-1][0] == "output" and rows[-1][1][1] == "Div"

    def test_names_as_a_dict_and_no_names(self):
        net = mg.nn.Linear(3, 1, rng=0)
        loss = linear_loss(net)
        html = mg.trace(loss, names={"w": net.weight})._repr_html_()
        assert '<td class="text">w</td>' in html and "bias" not in html
        assert "name" not in rows_of(mg.trace(loss)._repr_html_())[0][1]

    def test_small_tensors_show_the_full_gradient(self):
        net = mg.nn.Linear(3, 1, rng=0)
        loss = linear_loss(net)
        html = mg.trace(loss, names=net)._repr_html_()
        loss.backward()                     # the gradients, from backward itself
        for p in (net.weight, net.bias):
            shown = np.array2string(p.grad.numpy(), precision=4, separator=", ")
            assert f'<td class="array">{shown}</td>' in html

    def test_large_tensors_show_a_summary(self):
        x = mg.tensor(np.linspace(-1, 1, 17), requires_grad=True)
        html = mg.trace((x * 2).sum(), names={"x": x})._repr_html_()
        row = [r for _, r in rows_of(html) if r[2] == "x"][0]
        assert row[6] == "min -1\nmean 0\nmax 1" and row[7] == "min 2\nmean 2\nmax 2"

    def test_nan_and_freed_values_are_said(self):
        x = mg.tensor(np.r_[np.zeros(20), 1.0], requires_grad=True)
        with np.errstate(all="ignore"):
            html = mg.trace((mg.log(x) * x).sum())._repr_html_()
        parse(html)
        assert "nan 20, inf 0" in html and "(not kept)" in html and "keep_values" in html

    def test_the_text_form_uses_the_names(self):
        net = mg.nn.Linear(3, 1, rng=0)
        loss = linear_loss(net)
        named = str(mg.trace(loss, names=net))
        assert named == repr(mg.trace(loss, names=net))
        assert "weight" in named and "bias" in named and " name " in named.splitlines()[0]
        assert "weight" not in str(mg.trace(loss)) and " name " not in str(mg.trace(loss))

    def test_bad_names_say_what_to_pass(self):
        x = mg.tensor([1.0], requires_grad=True)
        with pytest.raises(TypeError, match=r"a dict \{name: tensor\} or a Module, got a list"):
            mg.trace(x * 2, names=[x])
        with pytest.raises(TypeError, match="map each name to its tensor.*'x' maps to a list"):
            mg.to_dot(x * 2, names={"x": [1.0]})

    def test_to_dot_takes_a_module_too(self):
        net = mg.nn.Linear(3, 1, rng=0)
        dot = mg.to_dot(linear_loss(net), names=net)
        assert 'label="weight\\n' in dot and 'label="bias\\n' in dot


# ------------------------------------------------------------------- draw

needs_graphviz = pytest.mark.skipif(not graph.have_graphviz(),
                                    reason="Graphviz's dot is not installed")


class TestDraw:
    @needs_graphviz
    def test_svg_has_op_names_shapes_and_parameter_names(self):
        net = mg.nn.Linear(3, 1, rng=0)
        picture = mg.draw(linear_loss(net), names=net)
        svg = picture._repr_svg_()
        assert svg.startswith("<svg")
        ET.fromstring(svg)                                   # well-formed XML
        for text in ("MatMul", "Add", "Div", "weight", "bias", "(1, 3) float32",
                     "() float32", "grad"):
            assert text in svg, text

    @needs_graphviz
    def test_save_by_suffix(self, tmp_path):
        picture = mg.draw(linear_loss(mg.nn.Linear(3, 1, rng=0)))
        assert picture.save(str(tmp_path / "g.png")) == str(tmp_path / "g.png")
        assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
        picture.save(str(tmp_path / "g.svg"))
        assert "<svg" in (tmp_path / "g.svg").read_text()
        picture.save(str(tmp_path / "g.dot"))
        assert (tmp_path / "g.dot").read_text() == picture.source

    def test_png_and_pdf_need_graphviz_one_line_names_it(self, monkeypatch, tmp_path):
        monkeypatch.setattr(graph.shutil, "which", lambda program: None)
        x = mg.tensor([1.0], requires_grad=True)
        picture = mg.draw(x * 2)
        for fmt in ("png", "pdf"):
            with pytest.raises(RuntimeError) as e:
                picture.save(str(tmp_path / f"g.{fmt}"))
            msg = str(e.value)
            assert "\n" not in msg and "Graphviz" in msg and "save a .svg instead" in msg
            for how in ("apt-get install graphviz", "brew install graphviz",
                        "conda install graphviz"):
                assert how in msg
        assert not list(tmp_path.iterdir())

    def test_runs_dot_and_keeps_the_svg_element(self, monkeypatch):
        calls = []

        def fake_run(cmd, input, **kwargs):
            calls.append(cmd)
            return subprocess.CompletedProcess(cmd, 0, stdout='<?xml version="1.0"?>\n'
                                               "<!-- Generated by graphviz -->\n<svg>x</svg>\n")

        monkeypatch.setattr(graph, "have_graphviz", lambda: True)
        monkeypatch.setattr(graph.subprocess, "run", fake_run)
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        picture = mg.draw((x * x).sum(), names={"x": x})
        assert calls == [["dot", "-Tsvg"]]
        assert picture._repr_svg_() == "<svg>x</svg>\n"
        assert picture.source == mg.to_dot((x * x).sum(), names={"x": x})
        assert repr(picture).startswith("<Drawing of 2 ops and 1 leaf making a () float32")
        assert ".save(" in repr(picture) and ".source" in repr(picture)

    def test_a_failing_dot_is_reported(self, monkeypatch):
        def failing_run(cmd, **kwargs):
            raise subprocess.CalledProcessError(1, cmd, stderr="Error: syntax error\n")

        monkeypatch.setattr(graph, "have_graphviz", lambda: True)
        monkeypatch.setattr(graph.subprocess, "run", failing_run)
        x = mg.tensor([1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="could not render svg.*syntax error"):
            mg.draw(x * 2)

    def test_exported(self):
        assert "draw" in mg.__all__ and mg.draw is graph.draw


def texts(svg):
    """The text of each <text> element of an SVG, in order."""
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def dot_labels(dot):
    """Each box's label lines, from DOT text."""
    return [label.replace('\\"', '"').split("\\n")
            for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)]


@pytest.fixture
def no_dot(monkeypatch):
    """A machine without Graphviz: no dot on the PATH."""
    monkeypatch.setattr(graph.shutil, "which", lambda program: None)


class TestDrawWithoutGraphviz:
    """mg.draw with minigrad's own layered layout (minigrad.graphsvg)."""

    def test_svg_shows_what_the_dot_text_says(self, no_dot):
        net = mg.nn.Sequential(mg.nn.Linear(3, 2, rng=0), mg.nn.Tanh(), mg.nn.Linear(2, 1, rng=1))
        picture = mg.draw(linear_loss(net), names=net)
        assert picture.layout == "minigrad" and picture._repr_svg_().startswith("<svg")
        # every line of every box of the DOT text, box by box: names, ops, shapes,
        # dtypes, small values and gradients
        assert texts(picture.svg) == [line for box in dot_labels(picture.source)
                                      for line in box]
        for text in ("0.weight", "2.bias", "MatMul", "Tanh", "(2, 3) float32", "() float32"):
            assert text in texts(picture.svg), text
        assert any(t.startswith("grad [") for t in texts(picture.svg))
        assert picture.svg.count("<path") == picture.source.count("->")
        # the parameters, and the constant the loss kept (the targets)
        assert picture.svg.count("<ellipse") == 4 + picture.source.count("[shape=ellipse, style=filled, fillcolor=\"#e5e7eb\"")
        assert picture.svg.count("#fde68a") == 1              # the loss

    def test_the_same_notebook_text_with_or_without_graphviz(self, monkeypatch):
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        monkeypatch.setattr(graph.shutil, "which", lambda program: None)
        without = mg.draw((x * x).sum())
        monkeypatch.setattr(graph, "have_graphviz", lambda: True)
        monkeypatch.setattr(graph.subprocess, "run", lambda cmd, input, **kw:
                            subprocess.CompletedProcess(cmd, 0, stdout="<svg>x</svg>"))
        with_dot = mg.draw((x * x).sum())
        assert (without.layout, with_dot.layout) == ("minigrad", "graphviz")
        assert repr(without) == repr(with_dot) and without.source == with_dot.source

    def test_save_svg_and_dot(self, no_dot, tmp_path):
        picture = mg.draw(linear_loss(mg.nn.Linear(3, 1, rng=0)))
        assert picture.save(str(tmp_path / "g.svg")) == str(tmp_path / "g.svg")
        assert (tmp_path / "g.svg").read_text() == picture.svg
        picture.save(str(tmp_path / "g.dot"))
        assert (tmp_path / "g.dot").read_text() == picture.source
        mg.to_dot(linear_loss(mg.nn.Linear(3, 1, rng=0)), path=str(tmp_path / "t.svg"))
        assert texts((tmp_path / "t.svg").read_text()) == texts(picture.svg)

    def test_layout_boxes_apart_edges_downward_text_inside(self):
        net = mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0), mg.nn.Tanh(), mg.nn.Linear(4, 2, rng=1))
        with mg.keep_values():
            loss = mg.nn.CrossEntropyLoss()(net(mg.tensor([[0.5, -1.0], [2.0, 0.0]])), [0, 1])
        boxes, edges = graph._picture(loss, net)
        places = graphsvg.layout(boxes, edges)
        rects = {k: (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                 for k, (x, y, w, h) in places.boxes.items()}
        for a, ra in rects.items():
            assert 0 <= ra[0] and ra[2] <= places.width and 0 <= ra[1]
            assert ra[3] <= places.height
            for b, rb in rects.items():
                if a < b:       # no two boxes overlap
                    assert ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or \
                        rb[3] <= ra[1], (a, b)
        for box in boxes:       # the text fits its box
            x, y, w, h = places.boxes[box.id]
            assert max(graphsvg.text_width(t) for t in box.lines) < w
            assert len(box.lines) * graphsvg.LINE_HEIGHT < h
        for (a, b), points in zip(edges, places.edges):
            assert points[0][1] == pytest.approx(rects[a][3], abs=1e-9) or \
                boxes[[x.id for x in boxes].index(a)].shape == "ellipse"
            assert rects[a][3] <= points[0][1] and points[-1][1] <= rects[b][1] + 1e-9
            assert all(p[1] <= q[1] for p, q in zip(points, points[1:]))   # always down
        # each parameter sits just above the op that uses it: no box between
        ys = sorted({y for _, y, _, _ in places.boxes.values()})
        for a, b in edges:
            if a.startswith("leaf"):
                ya, yb = places.boxes[a][1], places.boxes[b][1]
                assert ys.index(yb) == ys.index(ya) + 1, (a, b)

    def test_no_graph_is_an_empty_picture(self, no_dot):
        picture = mg.draw(mg.tensor([1.0]))       # no op, no leaf that needs grad
        assert picture.svg.startswith("<svg") and "<text" not in picture.svg
        assert repr(picture).startswith("<Drawing of 0 ops and 0 leaves")

    def test_the_order_in_a_layer_uncrosses_edges(self):
        boxes = [graphsvg.Box(k, [k], "ellipse") for k in ("a", "b")] + \
                [graphsvg.Box(k, [k]) for k in ("f", "g", "h")]
        places = graphsvg.layout(boxes, [("b", "f"), ("a", "g"), ("f", "h"), ("g", "h")])
        x = {k: v[0] for k, v in places.boxes.items()}
        assert (x["a"] < x["b"]) == (x["g"] < x["f"])

    def test_a_long_edge_passes_beside_the_layers_between(self):
        """x -> Add skips three layers: it runs straight down through each."""
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        boxes, edges = graph._picture(mg.sin(mg.sin(mg.sin(x))) + x, None)
        places = graphsvg.layout(boxes, edges)
        (long,) = [p for (a, b), p in zip(edges, places.edges) if len(p) > 2]
        assert len(long) == 2 + 2 * 3
        assert all(long[k][0] == long[k + 1][0] for k in (1, 3, 5))
        for key, (bx, _, w, _) in places.boxes.items():
            if key.startswith("op") and key != "op3":
                assert abs(long[1][0] - bx) > w / 2       # beside the Sin boxes


# ---------------------------------------------------------------- History

def history(epochs=3):
    X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
    net = mg.nn.Linear(1, 1, rng=0)
    return mg.fit(net, mg.nn.MSELoss(), mg.optim.SGD(net.parameters(), lr=0.1), X, 2 * X,
                  epochs=epochs, batch_size=4, verbose=0, seed=0,
                  validation_data=(X, 2 * X))


class TestHistoryPNG:
    def test_png_of_the_curves(self):
        pytest.importorskip("matplotlib")
        png = history()._repr_png_()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        import matplotlib.image

        image = matplotlib.image.imread(io.BytesIO(png), format="png")
        assert image.shape[0] > 200 and image.shape[1] > 400

    def test_no_pyplot_figure_is_left_open(self):
        plt = pytest.importorskip("matplotlib.pyplot")
        before = plt.get_fignums()
        history()._repr_png_()
        assert plt.get_fignums() == before

    def test_without_matplotlib_the_text_shows(self, monkeypatch):
        hist = history()
        for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
            monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        assert hist._repr_png_() is None
        assert repr(hist) == "History(epochs=3, keys=['loss', 'val_loss'])"

    def test_an_empty_history_has_no_picture(self):
        assert mg.History()._repr_png_() is None


def test_the_picture_shows_constants_as_inputs_and_no_negative_zero():
    """A constant array an op kept (y_true) is an input of that op in the
    picture, as in mg.trace; a -0.0 value prints as 0."""
    import re
    y_pred = mg.tensor([0.1, 0.95, 0.2, 0.6], requires_grad=True)
    loss = mg.losses.binary_crossentropy([0.0, 1.0, 0.0, 0.0], y_pred)
    dot = mg.to_dot(loss, names={"y_pred": y_pred})
    consts = re.findall(r'(const\d+) \[[^\n]*label="const\\n\(4,\) float32\\nvalue \[([^\]]*)\]', dot)
    assert sorted(v for _, v in consts) == ["0., 1., 0., 0.", "1., 0., 1., 1."]
    for name, _ in consts:
        assert re.search(rf"{name} -> op\d+", dot)
    assert not re.search(r"-0\.(?!\d*[1-9])", dot)          # no -0. (a -0.26 is fine)
