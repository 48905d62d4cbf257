"""Inspection and explanation: mg.explain, mg.trace, mg.to_dot, detect_anomaly
and the explain / plot / graph commands."""
import dataclasses
import importlib.util
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import graph

HAVE_MPL = importlib.util.find_spec("matplotlib") is not None


def conv(ex):
    return {c.name: c for c in ex.conventions}


class TestExplainNumbers:
    def test_bce_seed_example(self, capsys):
        ex = mg.explain("bce", [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])
        print(ex)
        printed = capsys.readouterr().out
        assert dataclasses.is_dataclass(ex)
        assert ex.value == pytest.approx(0.3240220233084354, rel=1e-15)
        c = conv(ex)
        assert c["Keras 3"].float32 == np.float32(0.32402205)
        assert c["tf.keras 2.x"].float32 == 0.3240218758583069
        assert c["textbook numpy"].float64 == pytest.approx(0.3240220233084354, rel=1e-15)
        assert c["PyTorch BCELoss"].float64 == pytest.approx(0.3240220233084354, rel=1e-14)
        np.testing.assert_allclose(ex.grad, [0.25 / 0.9, -0.2631578947368421, 0.3125, 0.625],
                                   rtol=1e-14)
        np.testing.assert_allclose(ex.grad_logits, (np.array([0.1, 0.95, 0.2, 0.6])
                                                    - [0, 1, 0, 0]) / 4, rtol=1e-12)
        steps = {label: v for label, v, _ in ex.steps}
        assert steps["sum of y log p"] == -0.05129329438755058
        assert steps["sum of (1-y) log(1-p)"] == -1.244794798846191
        assert steps["sum of both"] == -1.2960880932337415
        for text in ("0.3240220233084354", "0.32402188", "-1.2960880932337415",
                     "0.2777777778", "eps inside each log", "y log p"):
            assert text in printed
        assert str(ex) == printed.rstrip("\n")

    def test_bce_edge_clip_and_clamp(self):
        ex = mg.explain("bce", [1, 1, 1], [1, 1, 0], show=False)
        c = conv(ex)
        assert c["Keras 3"].float32 == np.float32(5.3726983)
        assert c["PyTorch BCELoss"].float64 == pytest.approx(100 / 3, rel=1e-15)
        assert not np.isfinite(c["textbook numpy"].float64)
        assert ex.clipped.tolist() == [True, True, True]
        assert ex.clamped.tolist() == [False, False, True]
        assert ex.grad.tolist() == [0.0, 0.0, 0.0]
        assert ex.grad_logits is None
        assert any("clips element(s) [0, 1, 2]" in n for n in ex.notes)
        assert any("-100 for element(s) [2]" in n for n in ex.notes)

    def test_bce_logits(self):
        z = np.array([30.0, -2.0, -800.0, 0.0])
        y = np.array([1.0, 0.0, 1.0, 0.0])
        ex = mg.explain("bce", y, z, from_logits=True, show=False)
        assert ex.value == mg.losses.binary_crossentropy(y, z, from_logits=True).item()
        c = conv(ex)
        assert c["PyTorch BCEWithLogitsLoss"].float64 == pytest.approx(ex.value, rel=1e-15)
        with np.errstate(over="ignore"):    # sigmoid(z) - y, without cancellation
            expected = np.where(y == 1, -1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))) / 4
        np.testing.assert_allclose(ex.grad, expected, rtol=1e-12, atol=1e-300)

    @pytest.mark.parametrize("name,y,labels", [
        ("cce", [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], None),
        ("sparse_cce", [0, 1, 3], [0, 1, 3])])
    def test_cce_and_sparse(self, name, y, labels):
        p = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]
        ex = mg.explain(name, y, p, show=False)
        np.testing.assert_allclose(ex.table["loss_i"],
                                   [0.2231435513142097, 0.6931471805599453, 0.35667494393873245],
                                   rtol=1e-15)
        assert ex.value == pytest.approx(np.mean([0.2231435513142097, 0.6931471805599453,
                                                  0.35667494393873245]), rel=1e-15)
        assert conv(ex)["Keras 3"].float32 == pytest.approx(ex.value, rel=3e-7)
        yy = np.eye(4)[[0, 1, 3]]
        np.testing.assert_allclose(ex.grad, (-yy / np.array(p) + 1.0) / 3, rtol=1e-12)

    @pytest.mark.parametrize("name,fn,options", [
        ("focal", lambda y, p: mg.losses.BinaryFocalCrossentropy(gamma=1.5)(y, p), {"gamma": 1.5}),
        ("mse", lambda y, p: mg.losses.MeanSquaredError()(y, p), {}),
        ("mae", lambda y, p: mg.losses.MeanAbsoluteError()(y, p), {}),
        ("huber", lambda y, p: mg.losses.Huber(delta=0.3)(y, p), {"delta": 0.3}),
        ("bce", lambda y, p: mg.losses.BinaryCrossentropy(label_smoothing=0.2)(y, p),
         {"label_smoothing": 0.2}),
    ])
    def test_value_and_gradient_are_the_library_losses(self, name, fn, options):
        rng = np.random.default_rng(0)
        y = (rng.random(6) < 0.5).astype(float)
        p = rng.uniform(0.05, 0.95, 6)
        ex = mg.explain(name, y, p, show=False, **options)
        assert ex.value == fn(y, p).item()
        pt = mg.tensor(p, requires_grad=True)
        fn(y, pt).backward()
        np.testing.assert_array_equal(ex.grad, pt.grad.numpy())
        assert conv(ex)["Keras 3"].float64 == ex.value
        np.testing.assert_allclose(ex.table["loss_i"].mean(), ex.value, rtol=1e-14)

    def test_regression_conventions_agree(self):
        ex = mg.explain("huber", [0, 1, 0, 0], [0.1, 2.95, 0.2, 0.6], show=False)
        c = conv(ex)
        assert c["PyTorch"].float64 == pytest.approx(0.41375, rel=1e-15)
        assert c["Keras 3"].float64 == c["PyTorch"].float64

    def test_bad_requests(self):
        with pytest.raises(ValueError, match="unknown loss 'hinj'"):
            mg.explain("hinj", [0], [0.5])
        with pytest.raises(TypeError, match="unknown option"):
            mg.explain("mse", [0], [0.5], delta=2)
        with pytest.raises(ValueError, match="from_logits=True"):
            mg.explain("bce", [0, 1], [0.5, 2.0])
        with pytest.raises(ValueError, match=r"shape \(N, C\)"):
            mg.explain("cce", [1, 0], [0.5, 0.5])


class TestExplainRequests:
    @pytest.mark.parametrize("name", ["BCE", "Binary_Crossentropy", "binary-crossentropy",
                                      "SCCE", " focal_bce "])
    def test_names_in_any_case(self, name):
        from minigrad.explain import LOSSES, resolve

        ex = mg.explain(name, *LOSSES[resolve(name)].example, show=False)
        assert ex.loss == resolve(name)

    def test_unknown_name_suggests_the_closest(self):
        with pytest.raises(ValueError, match=r"unknown loss 'bcee' \(did you mean 'bce'\?\)"):
            mg.explain("bcee", [0], [0.5])
        with pytest.raises(ValueError, match="did you mean 'huber'"):
            mg.explain("hubber", [0], [0.5])

    @pytest.mark.parametrize("options,match", [
        ({"gamma": -1}, r"gamma must be a finite number >= 0"),
        ({"gamma": float("nan")}, "gamma"), ({"alpha": 1.5}, r"alpha .* in \[0, 1\]"),
        ({"label_smoothing": -0.1}, "label_smoothing"),
    ])
    def test_focal_options_out_of_range(self, options, match):
        with pytest.raises(ValueError, match=match):
            mg.explain("focal", [0, 1], [0.3, 0.6], show=False, **options)

    def test_other_options_out_of_range(self):
        with pytest.raises(ValueError, match="delta must be a finite number > 0"):
            mg.explain("huber", [0], [0.5], delta=float("inf"))
        with pytest.raises(TypeError, match="gamma must be a number"):
            mg.explain("focal", [0], [0.5], gamma="two")

    def test_gamma_zero_scales_nothing_down(self):
        ex = mg.explain("focal", [0, 1], [0.3, 0.6], gamma=0.0, show=False)
        assert "scaled down" not in ex.text() and "gamma = 0" in ex.text()
        assert ex.value == pytest.approx(mg.explain("bce", [0, 1], [0.3, 0.6], show=False).value,
                                         rel=1e-15)

    @pytest.mark.parametrize("name,per_row", [("bce", 1), ("cce", 4)])
    def test_large_inputs_print_a_bounded_view(self, name, per_row, capsys):
        import time

        n = 2_000_000
        rng = np.random.default_rng(0)
        if per_row == 1:
            y = (rng.random(n) < 0.5).astype(float)
            p = rng.uniform(0.01, 0.99, n)
            p[:2000], y[:2000] = 0.0, 0.0         # clipped elements: the note lists a few
        else:
            p = rng.dirichlet(np.ones(per_row), n // per_row)
            y = np.eye(per_row)[rng.integers(0, per_row, n // per_row)]
        start = time.perf_counter()
        ex = mg.explain(name, y, p)
        seconds = time.perf_counter() - start
        print(ex)
        printed = capsys.readouterr().out
        assert seconds < 15 and len(printed) < 20_000
        rows = n // per_row
        unit = "elements" if per_row == 1 else "samples"
        assert f"... {rows - 10:,} more {unit}; totals below are over all of them" in printed
        assert ex.table["loss_i"].shape == (rows,) and ex.grad.size == n   # all of them
        keras = mg.losses.BinaryCrossentropy() if per_row == 1 else \
            mg.losses.CategoricalCrossentropy()
        assert ex.value == keras(y, p).item()
        np.testing.assert_allclose(ex.table["loss_i"].mean(), ex.value, rtol=1e-10)
        if per_row == 1:
            assert "element(s) [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...] (2,000 in all)" in printed

    def test_short_inputs_show_every_row(self):
        text = mg.explain("mse", np.zeros(10), np.ones(10), show=False).text()
        assert "more elements" not in text and "\n    9  " in text


class TestTrace:
    def test_rows_values_and_gradients(self):
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        w = mg.tensor([0.5, -1.0], requires_grad=True)
        loss = mg.sigmoid(x * w).sum()
        t = mg.trace(loss)
        ops = [r["op"] for r in t.rows]
        assert ops == ["leaf", "leaf", "Mul", "Sigmoid", "Sum"]
        assert t.rows[2]["inputs"] == "0,1" and t.rows[3]["inputs"] == "2"
        loss.backward()       # trace kept the graph, and left .grad alone until now
        g = [r["grad"] for r in t.rows]
        assert g[0]["mean"] == pytest.approx(x.grad.numpy().mean(), rel=1e-6)
        assert g[1]["min"] == pytest.approx(w.grad.numpy().min(), rel=1e-6)
        assert "Sigmoid" in str(t) and "value / grad" in str(t)

    def test_counts_nan_and_inf(self):
        x = mg.tensor([1.0, 0.0, -1.0], requires_grad=True)
        with np.errstate(all="ignore"):
            y = mg.log(x)
        row = mg.trace(y).rows[-1]
        assert row["value"]["nan"] == 1 and row["value"]["inf"] == 1
        assert row["grad"] is None       # y has three elements: no gradient column

    def test_after_backward_the_structure_and_leaf_gradients_stay(self):
        x = mg.tensor([1.0], requires_grad=True)
        loss = (mg.exp(x) * 2).sum()
        loss.backward()
        rows = mg.trace(loss).rows
        assert [r["op"] for r in rows] == ["leaf", "Exp", "Mul", "Sum"]
        assert [r["shape"] for r in rows] == [(1,), (1,), (1,), ()]
        assert rows[0]["grad"]["max"] == pytest.approx(2 * np.e)


class TestDot:
    def test_one_node_per_op_and_the_edges(self):
        y = mg.tensor([0.0, 1.0, 0.0, 0.0])
        p = mg.tensor([0.1, 0.95, 0.2, 0.6], requires_grad=True)
        loss = mg.losses.BinaryCrossentropy()(y, p)
        dot = mg.to_dot(loss, names={"y_pred": p})
        leaves, nodes = graph._graph(loss)
        boxes = [line for line in dot.splitlines() if "[shape=box" in line]
        assert len(boxes) == len(nodes) and len(leaves) == 1
        consts = [c for n in nodes for c in graph._operands(n) if c is not None]
        expected_edges = sum(1 for n in nodes for e in n.next if e is not None) + len(consts)
        assert dot.count("->") == expected_edges and len(consts) == 2     # y and 1 - y
        for name in ("Clip", "Log", "Sub", "Mul", "Add", "Neg", "Sum", "Div", "y_pred"):
            assert name in dot
        assert "grad [ 0.2778, -0.2632,  0.3125,  0.625 ]" in dot   # d loss / d y_pred
        assert dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")

    def test_large_tensors_show_no_values(self):
        x = mg.tensor(np.ones(100), requires_grad=True)
        dot = mg.to_dot((x * 2).sum())
        assert "value" not in dot.split("leaf0")[1].split("];")[0]

    def test_write_dot_and_render(self, tmp_path):
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        loss = (x * x).sum()
        mg.to_dot(loss, path=str(tmp_path / "g.dot"))
        assert (tmp_path / "g.dot").read_text().startswith("digraph")
        with pytest.raises(ValueError, match=r"\.dot, \.svg"):
            mg.to_dot(loss, path=str(tmp_path / "g.txt"))
        mg.to_dot(loss, path=str(tmp_path / "g.svg"))     # by Graphviz, or by minigrad
        assert "<svg" in (tmp_path / "g.svg").read_text()
        if not graph.have_graphviz():
            with pytest.raises(RuntimeError, match="Graphviz"):
                mg.to_dot(loss, path=str(tmp_path / "g.png"))


class TestDetectAnomaly:
    def test_off_by_default(self):
        assert mg.engine.current_modes().anomaly is False

    def test_planted_log_of_zero_in_forward(self):
        x = mg.tensor([1.0, 0.0], requires_grad=True)
        line = inspect.currentframe().f_lineno + 3
        with pytest.raises(FloatingPointError) as err:
            with mg.detect_anomaly():
                y = mg.log(x)
                del y
        msg = str(err.value)
        assert "Log produced inf" in msg and f"test_inspect.py:{line}" in msg
        assert mg.engine.current_modes().anomaly is False

    def test_planted_nan_gradient_in_backward(self):
        class BadGrad(mg.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return mg.tensor(np.full(grad.shape, np.nan))

        x = mg.tensor([1.0, 2.0], requires_grad=True)
        with mg.detect_anomaly():
            line = inspect.currentframe().f_lineno + 1
            y = BadGrad.apply(x) + mg.sqrt(x)
            with pytest.raises(FloatingPointError) as err:
                y.sum().backward()
        msg = str(err.value)
        assert "BadGradBackward returned NaN in the gradient for its input 0" in msg
        assert f"test_inspect.py:{line}" in msg

    def test_an_op_inside_a_backward_that_makes_nan(self):
        class NanInside(mg.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad * np.nan

        x = mg.tensor([1.0], requires_grad=True)
        with mg.detect_anomaly():
            y = NanInside.apply(x).sum()
            with pytest.raises(FloatingPointError, match="Mul produced NaN"):
                y.backward()

    def test_inf_gradient_of_sqrt_at_zero(self):
        x = mg.tensor([0.0, 4.0], requires_grad=True)
        with mg.detect_anomaly():
            y = mg.sqrt(x).sum()
            with pytest.raises(FloatingPointError, match="SqrtBackward returned inf"):
                y.backward()

    def test_clean_runs_pass(self):
        x = mg.tensor([0.5, 1.5], requires_grad=True)
        with mg.detect_anomaly():
            mg.losses.binary_crossentropy([0.0, 1.0], mg.sigmoid(x)).backward()
        assert np.isfinite(x.grad.numpy()).all()


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300,
                          env=dict(os.environ, PYTHONWARNINGS="error"))


class TestCommands:
    def test_explain(self, tmp_path):
        r = run("explain", "bce", "--y-true", "0", "1", "0", "0", "--y-pred", "0.1", "0.95",
                "0.2", "0.6", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "0.3240220233084354" in r.stdout and "0.32402188" in r.stdout
        r = run("explain", "cce", "--y-true", "0", "1", "3", "--classes", "4", "--y-pred",
                *"0.8 0.05 0.1 0.05 0.2 0.5 0.2 0.1 0.1 0.1 0.1 0.7".split(), cwd=tmp_path)
        assert r.returncode == 0 and "0.2231435513" in r.stdout
        r = run("explain", "focal", "--y-true", "0", "1", "--y-pred", "-1", "2",
                "--from-logits", "--gamma", "1", "--class-balancing", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        r = run("explain", "bce", "--y-true", "0", "1", "--y-pred", "0.5", "2", cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--from-logits" in r.stderr
        r = run("explain", "cce", "--y-true", "0", "--y-pred", "0.5", "0.5", cwd=tmp_path)
        assert r.returncode == 2 and "--classes" in r.stderr

    def test_graph(self, tmp_path):
        r = run("graph", "bce", "--out", "g.dot", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "g.dot").read_text().count("->") > 5
        r = run("graph", "cce", "--flavour", "pytorch", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "0.4243218919" in r.stdout
        assert (tmp_path / "minigrad-graph.svg").read_text().startswith("<svg")
        r = run("graph", "focal", "--flavour", "pytorch", cwd=tmp_path)
        assert r.returncode == 2 and "--flavour keras" in r.stderr

    @pytest.mark.skipif(not HAVE_MPL, reason="matplotlib is not installed")
    @pytest.mark.parametrize("what,files", [
        ("losses", ["bce_conventions.png", "losses.png"]),
        ("logreg", ["logreg_boundary.png", "logreg_training.png"])])
    def test_plot(self, tmp_path, what, files):
        r = run("plot", what, "--out", "out", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert sorted(os.listdir(tmp_path / "out")) == files
