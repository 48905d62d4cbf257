"""The tutorial notebooks of examples/notebooks.

Each runs top to bottom in a real kernel (this interpreter, with ipykernel)
without an error or a warning; its saved outputs are what running it gives now
(examples/notebooks/run.py re-executes them in place); and the numbers it
teaches are the library's: each is computed here with minigrad (and
scikit-learn), independently of the notebook's code, then looked for in what
the notebook printed. The BCE/CCE walkthroughs' own numbers are written out as
the walkthroughs print them.

All five notebooks run once per session, in parallel (one kernel each), with
no skips: none needs a system package (notebook 04's mg.draw lays its graph
out itself where Graphviz is missing).
"""
import html
import importlib.util
import json
import os
import re

import numpy as np
import pytest

import minigrad as mg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDER = os.path.join(ROOT, "examples", "notebooks")
NOTEBOOKS = ["01_bce_by_hand.ipynb", "02_logistic_regression.ipynb",
             "03_softmax_and_cce.ipynb", "04_mlp_toy_classifiers.ipynb",
             "05_see_the_gradient_code.ipynb"]
NO_FIGURE = ["05_see_the_gradient_code.ipynb"]          # it reads code, and prints it

# the walkthroughs' numbers, as they print them
WALKTHROUGH_NUMPY = "0.3240220233084354"        # numpy, float64
WALKTHROUGH_TENSORFLOW = "0.3240218758583069"   # tf.keras BinaryCrossentropy
WALKTHROUGH_KERAS_CCE = [0.22314352, 0.6931472, 0.35667494]   # Keras, float32


def load_runner():
    spec = importlib.util.spec_from_file_location("notebooks_run", os.path.join(FOLDER, "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runner():
    for name in ("nbformat", "nbclient", "ipykernel", "matplotlib", "sklearn"):
        pytest.importorskip(name)
    return load_runner()


@pytest.fixture(scope="module")
def executed(runner):
    """{file name: the notebook executed now} (the files are not changed)."""
    results = runner.execute_all([os.path.join(FOLDER, n) for n in NOTEBOOKS])
    return {os.path.basename(path): nb for path, (nb, _) in results.items()}


@pytest.fixture(scope="module")
def saved(runner):
    import nbformat

    return {n: nbformat.read(os.path.join(FOLDER, n), as_version=4) for n in NOTEBOOKS}


def squeeze(text):
    return re.sub(r"\s+", " ", text).strip()


def printed(nb):
    """Everything the notebook's code cells printed or displayed as text."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                parts.append(out.data.get("text/plain", ""))
    return squeeze("\n".join(parts))


def prose(nb):
    return squeeze("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))


def assert_printed(nb, *texts):
    out = printed(nb)
    for text in texts:
        assert squeeze(text) in out, f"the notebook does not print {text!r}"


# ------------------------------------------------------------------ all notebooks

def test_the_folder_holds_the_five_notebooks():
    assert sorted(f for f in os.listdir(FOLDER) if f.endswith(".ipynb")) == NOTEBOOKS


def readme_items():
    """{notebook: its line in the README's Notebooks section}."""
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    assert "\n## Notebooks\n" in readme
    section = readme.split("\n## Notebooks\n", 1)[1].split("\n## ", 1)[0]
    return {name: squeeze(text) for name, text in
            re.findall(r"^- `examples/notebooks/(\w+\.ipynb)`: (.*?)(?=^- |^$)", section, re.M | re.S)}


def test_the_readme_lists_every_notebook():
    assert list(readme_items()) == NOTEBOOKS


def test_the_readme_numbers_are_the_notebooks(executed, saved):
    """A decimal number in a notebook's README line is in its text or outputs; a
    percentage is a test accuracy it prints."""
    for name, line in readme_items().items():
        nb = executed[name]
        for number in re.findall(r"(?<![\w.])\d+\.\d+(?![\d%])", line):
            assert number in prose(nb) or number in printed(nb), (name, number)
        for percent in re.findall(r"(\d+(?:\.\d+)?)% test accuracy", line):
            shown = re.findall(r"test accuracy:? (0\.\d+)", printed(nb))
            digits = len(percent.split(".")[1]) if "." in percent else 0
            assert any(f"{float(a) * 100:.{digits}f}" == percent for a in shown), (name, percent)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_saved_with_outputs_in_order(saved, name):
    """Saved executed top to bottom, so that they read well without running."""
    nb = saved[name]
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run examples/notebooks/run.py"
    assert 10 <= len(nb.cells) <= 25
    assert nb.metadata.kernelspec.name == "python3"
    figures = [o for c in nb.cells for o in c.get("outputs", [])
               if "data" in o and "image/png" in o.data]
    assert bool(figures) == (name not in NO_FIGURE), "no figure saved"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_without_errors_or_warnings(runner, executed, name):
    """No error output, and nothing on stderr that says Warning, Traceback or Error."""
    assert runner.errors(executed[name]) == []


def test_an_error_or_a_warning_is_reported(runner):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    nb = new_notebook(cells=[
        new_code_cell("1 / 0", outputs=[new_output("error", ename="ZeroDivisionError",
                                                   evalue="division by zero", traceback=[])]),
        new_code_cell("x", outputs=[new_output("stream", name="stderr",
                                               text="RuntimeWarning: overflow\n")]),
        new_code_cell("y", outputs=[new_output("stream", name="stdout", text="Error bars\n")])])
    assert runner.errors(nbformat.from_dict(nb)) == [
        "cell 0: ZeroDivisionError: division by zero",
        "cell 1 wrote to stderr: RuntimeWarning: overflow"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_saved_outputs_are_what_running_gives(runner, saved, executed, name):
    """Times, addresses, rounding noise below 1e-7 and image bytes aside.
    To update: python examples/notebooks/run.py"""
    diff = runner.compare(saved[name], executed[name], name)
    assert diff == "", f"saved outputs are stale (python examples/notebooks/run.py):\n{diff}"


def test_the_comparison_sees_a_changed_number(runner, saved):
    import copy

    nb = copy.deepcopy(saved["03_softmax_and_cce.ipynb"])
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and "test accuracy" in out.text:
                out.text = out.text.replace("test accuracy: 0.", "test accuracy: 1.")
    diff = runner.compare(saved["03_softmax_and_cce.ipynb"], nb)
    assert "-test accuracy: 0." in diff and "+test accuracy: 1." in diff


def test_the_comparison_ignores_times_addresses_and_rounding_noise(runner):
    assert runner.normalise("took 0.12 s at 0x7f3a2b1c9d40, mean -1.676e-08") == \
        runner.normalise("took 3.5 ms at 0x7f00000000aa, mean  3.095e-10")
    assert runner.normalise("2.50e-07") != runner.normalise("2.49e-07")


def test_the_kernel_is_this_interpreter_with_this_checkout(runner):
    import sys

    km = runner._kernel_manager(".")
    assert km.kernel_spec.argv[0] == sys.executable
    assert runner._kernel_env()["PYTHONPATH"].split(os.pathsep)[0] == ROOT


# ------------------------------------------------------------------ 01: BCE by hand

def test_01_the_walkthrough_numbers_are_the_library_numbers(executed):
    nb = executed["01_bce_by_hand.ipynb"]
    y, p = np.array([0, 1, 0, 0]), np.array([0.1, 0.95, 0.2, 0.6])
    float64 = mg.losses.binary_crossentropy(y, p).item()
    tf2 = {c.name: c for c in mg.explain("bce", y, p, show=False).conventions}["tf.keras 2.x"]
    # the library gives the walkthroughs' numbers ...
    assert repr(float64) == WALKTHROUGH_NUMPY
    assert repr(tf2.float32) == WALKTHROUGH_TENSORFLOW
    # ... and the notebook prints them, and says them to 8 places
    assert_printed(nb, f"BCE, numpy float64: {float64!r}",
                   f"mg.losses.binary_crossentropy {float64!r}",
                   f"tf.keras 2.x convention, float32: {tf2.float32!r}",
                   f"TensorFlow in the walkthrough: {WALKTHROUGH_TENSORFLOW}")
    assert "0.32402188" in prose(nb) and "0.32402202" in prose(nb)
    assert f"{tf2.float32:.8f}" == "0.32402188" and f"{float64:.8f}" == "0.32402202"


def test_01_the_table_that_separates_float32_from_epsilon(executed):
    """float32 alone gives Keras 3's float32 value; epsilon inside the log gives
    tf.keras 2.x's, in both precisions."""
    nb = executed["01_bce_by_hand.ipynb"]
    y, p = np.array([0, 1, 0, 0]), np.array([0.1, 0.95, 0.2, 0.6])
    conventions = {c.name: c for c in mg.explain("bce", y, p, show=False).conventions}
    keras32 = mg.losses.binary_crossentropy(y, p.astype(np.float32)).item()
    assert keras32 == conventions["Keras 3"].float32
    assert_printed(nb, f"log(p) (Keras 3) {conventions['Keras 3'].float64!r} {keras32!r}",
                   f"log(p + eps) (tf.keras 2) {conventions['tf.keras 2.x'].float64!r} "
                   f"{conventions['tf.keras 2.x'].float32!r}")


def test_01_keras_5_37_and_pytorch_33_33(executed):
    nb = executed["01_bce_by_hand.ipynb"]
    y, p = np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0])
    keras = mg.losses.binary_crossentropy(y, p).item()
    pytorch = mg.nn.functional.binary_cross_entropy(mg.tensor(p), mg.tensor(y)).item()
    assert f"{keras:.2f}" == "5.37" and f"{pytorch:.2f}" == "33.33"
    assert_printed(nb, f"Keras 3: mg.losses.binary_crossentropy {keras!r}",
                   f"PyTorch: mg.nn.functional.binary_cross_entropy {pytorch!r}",
                   "textbook numpy nan")
    assert "5.37" in prose(nb) and "33.33" in prose(nb)
    tf2 = {c.name: c for c in mg.explain("bce", y, p, show=False).conventions}["tf.keras 2.x"]
    assert f"{tf2.float64:.2f}" == "5.14" and "gives 5.14" in prose(nb)


def test_01_the_gradients_at_the_clip(executed):
    nb = executed["01_bce_by_hand.ipynb"]
    y, p = np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 0.0])
    grads = []
    for loss_of in (lambda t: mg.losses.binary_crossentropy(y, t),
                    lambda t: mg.nn.functional.binary_cross_entropy(t, mg.tensor(y))):
        t = mg.tensor(p, requires_grad=True)
        loss_of(t).backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], 0)                     # Keras: no gradient at all
    np.testing.assert_allclose(grads[1], [-1 / 3, -1 / 3, 0], rtol=1e-15)
    with np.printoptions(precision=8, suppress=True):
        assert_printed(nb, f"Keras 3 {grads[0]}", f"PyTorch {grads[1]}")


# ------------------------------------------------------------------ 02: logistic regression

def test_02_test_accuracy_and_coefficients(executed):
    """The same objective minimised here by another route (Nesterov momentum to a
    gradient of 1e-12) gives the notebook's coefficients and test accuracy, and
    scikit-learn's accuracy is scikit-learn's."""
    from sklearn.linear_model import LogisticRegression

    nb = executed["02_logistic_regression.ipynb"]
    X, y = mg.datasets.load_breast_cancer()
    X = X[:, [20, 21]]
    X_train, X_test, y_train, y_test = mg.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    mean, std = X_train.mean(0), X_train.std(0)
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    l2 = 0.01
    w = mg.tensor(np.zeros(2), requires_grad=True)
    b = mg.tensor(np.zeros(()), requires_grad=True)
    opt = mg.optim.SGD([w, b], lr=0.5, momentum=0.9, nesterov=True)
    for _ in range(5000):
        opt.zero_grad()
        logits = mg.tensor(X_train) @ w + b
        loss = (mg.nn.functional.binary_cross_entropy_with_logits(
            logits, mg.tensor(y_train, dtype="float64")) + 0.5 * l2 * (w * w).sum())
        loss.backward()
        if np.sqrt((w.grad.numpy() ** 2).sum() + b.grad.item() ** 2) < 1e-12:
            break
        opt.step()
    with mg.no_grad():
        accuracy = mg.metrics.accuracy(y_test, ((mg.tensor(X_test) @ w + b).numpy() > 0) * 1)
    clf = LogisticRegression(C=1 / (l2 * len(y_train)), tol=1e-10, max_iter=10_000)
    sklearn_accuracy = clf.fit(X_train, y_train).score(X_test, y_test)
    assert_printed(nb, f"test accuracy: minigrad {accuracy:.4f}, scikit-learn "
                       f"{sklearn_accuracy:.4f}",
                   "minigrad " + "".join(f"{v:9.4f}" for v in (*w.numpy(), b.item())),
                   "scikit-learn " + "".join(f"{v:9.4f}" for v in
                                             (*clf.coef_[0], clf.intercept_[0])))


def test_02_gradient_checks(executed):
    nb = executed["02_logistic_regression.ipynb"]
    out = printed(nb)
    assert out.count("agree to 1e-8: True") == 3 and "agree to 1e-8: False" not in out
    assert "GradcheckError: Jacobian mismatch" in out


# ------------------------------------------------------------------ 03: softmax and CCE

def test_03_the_walkthrough_cce_numbers(executed):
    nb = executed["03_softmax_and_cce.ipynb"]
    probs = np.array([[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]])
    onehot = np.eye(4)[[0, 1, 3]]
    cce64 = mg.losses.categorical_crossentropy(onehot, probs).numpy()
    cce32 = mg.losses.categorical_crossentropy(onehot.astype(np.float32),
                                               probs.astype(np.float32)).numpy()
    np.testing.assert_allclose(cce32, WALKTHROUGH_KERAS_CCE, rtol=2.5e-7)   # 2 ulp
    with np.printoptions(precision=8, suppress=True):
        assert_printed(nb, f"categorical_crossentropy {cce64}",
                       f"sparse_categorical_crossentropy "
                       f"{mg.losses.sparse_categorical_crossentropy([0, 1, 3], probs).numpy()}")
    assert str(WALKTHROUGH_KERAS_CCE).replace(" ", "") in prose(nb).replace(" ", "")


def test_03_from_logits_and_the_clip(executed):
    nb = executed["03_softmax_and_cce.ipynb"]
    z = np.array([[2.0, 1.0, 0.1, -1.0], [1000.0, 0.0, -1000.0, 0.0]])
    clipped = mg.losses.sparse_categorical_crossentropy([2, 2], mg.softmax(mg.tensor(z))).numpy()
    exact = mg.losses.sparse_categorical_crossentropy([2, 2], z, from_logits=True).numpy()
    assert exact[1] == 2000 and f"{clipped[1]:.2f}" == "16.12"
    with np.printoptions(precision=8, suppress=True):
        assert_printed(nb, f"softmax, then CCE: {clipped}", f"from_logits=True: {exact}")


def test_03_the_gradient_is_softmax_minus_onehot(executed):
    nb = executed["03_softmax_and_cce.ipynb"]
    z = mg.tensor(np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), requires_grad=True)
    mg.nn.functional.cross_entropy(z, [0, 2], reduction="sum").backward()
    expected = mg.softmax(z).numpy() - mg.one_hot([0, 2], 3).numpy()
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-12, atol=1e-15)
    out = printed(nb)
    assert "equal to rounding: True" in out
    assert "agree with softmax - onehot to 1e-8: True" in out
    # the trace's row of the logits: its gradient is softmax - onehot (4 significant digits)
    row = re.search(r"0 leaf - \(2, 3\) float64 value \[\[.*?\]\] grad (\[\[.*?\]\])", out)
    assert row, "the trace of the logits is not printed"
    shown = np.array(json.loads(row.group(1)))    # a nested list of numbers, as printed
    np.testing.assert_allclose(shown, expected, rtol=5e-4, atol=1e-12)


def test_03_digits_test_accuracy(executed):
    """The notebook's recipe (Linear(64, 10), Adam 0.01, batches of 64 seeded by
    the epoch, 20 epochs), run here."""
    nb = executed["03_softmax_and_cce.ipynb"]
    X, y = mg.datasets.load_digits()
    X = (X / 16).astype(np.float32)
    X_train, X_test, y_train, y_test = mg.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    model = mg.nn.Linear(64, 10, rng=0)
    loss_fn = mg.nn.CrossEntropyLoss()
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, 21):
        for xb, yb in mg.datasets.batches(X_train, y_train, batch_size=64, seed=epoch):
            opt.zero_grad()
            loss_fn(model(mg.tensor(xb)), yb).backward()
            opt.step()
    with mg.no_grad():
        accuracy = mg.metrics.accuracy(y_test, model(mg.tensor(X_test)).numpy().argmax(1))
    assert accuracy > 0.9
    assert_printed(nb, f"test accuracy: {accuracy:.4f} ({round(accuracy * len(y_test))} of "
                       f"{len(y_test)} digits)")


# ------------------------------------------------------------------ 04: MLP with mg.fit

def train_04(name):
    """The notebook's recipe for ``name``, run here with mg.fit: (model, history, split)."""
    recipes = {"moons": (mg.datasets.make_moons(400, noise=0.2, seed=0), 2, 0.01, 30),
               "spirals": (mg.datasets.make_spirals(600, noise=0.3, turns=1.5, seed=0), 3,
                           0.005, 300)}
    (X, y), classes, lr, epochs = recipes[name]
    split = mg.datasets.train_test_split(X.astype(np.float32), y, test_size=0.25, seed=0)
    X_train, X_test, y_train, y_test = split
    model = mg.nn.Sequential(mg.nn.Linear(2, 32, rng=0), mg.nn.Tanh(),
                             mg.nn.Linear(32, 32, rng=1), mg.nn.Tanh(),
                             mg.nn.Linear(32, classes, rng=2))
    history = mg.fit(model, mg.nn.CrossEntropyLoss(), mg.optim.Adam(model.parameters(), lr=lr),
                     X_train, y_train, epochs=epochs, batch_size=32,
                     validation_data=(X_test, y_test), metrics=["accuracy"], seed=0,
                     verbose=0)
    return model, history, split


def test_04_test_accuracies(executed):
    """The notebook's recipes, run here with mg.fit."""
    nb = executed["04_mlp_toy_classifiers.ipynb"]
    for name in ("moons", "spirals"):
        _, history, (_, _, _, y_test) = train_04(name)
        accuracy = history.history["val_accuracy"][-1]
        assert accuracy > 0.9, name
        assert_printed(nb, f"{name}: test accuracy {accuracy:.4f} on {len(y_test)} held-out "
                           "points")
        if name == "moons":
            last = {k: v[-1] for k, v in history.history.items()}
            assert_printed(nb, f"Epoch 30/30 - loss: {last['loss']:.4f} - accuracy: "
                               f"{last['accuracy']:.4f} - val_loss: {last['val_loss']:.4f} - "
                               f"val_accuracy: {last['val_accuracy']:.4f}")


def svg_outputs(nb):
    return [o.data["image/svg+xml"] for c in nb.cells for o in c.get("outputs", [])
            if "data" in o and "image/svg+xml" in o.data]


def test_04_draws_the_graph_saved(saved):
    """The graph cell is mg.draw, saved with its picture (no TODO left)."""
    nb = saved["04_mlp_toy_classifiers.ipynb"]
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "mg.draw(loss, names=moons_model)" in sources
    assert "TODO" not in "\n".join(c.source for c in nb.cells)
    assert len(svg_outputs(nb)) == 1


def svg_texts(svg):
    """The text of each <text> element of an SVG, in order, its spaces (Graphviz
    writes some as no-break spaces) as single spaces."""
    return [" ".join(html.unescape(t).split())
            for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def moons_loss_of_four_test_points():
    """The notebook's graph: the loss of the first four moons test points, and the model."""
    model, _, (_, X_test, _, y_test) = train_04("moons")
    with mg.keep_values():
        return mg.nn.CrossEntropyLoss()(model(mg.tensor(X_test[:4])), y_test[:4]), model


@pytest.mark.parametrize("which", ["saved", "executed"])
def test_04_the_drawing_is_the_graph_of_the_loss_of_four_test_points(request, which):
    """The picture, saved and drawn now (without Graphviz here, by minigrad's
    own layout), says what mg.to_dot says of that loss, every line of it:
    names, ops, shapes, values and gradients."""
    nb = request.getfixturevalue(which)["04_mlp_toy_classifiers.ipynb"]
    loss, model = moons_loss_of_four_test_points()
    dot = mg.to_dot(loss, names=model)
    labels = [" ".join(line.split()) for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)
              for line in label.split("\\n")]
    (svg,) = svg_outputs(nb)
    assert sorted(svg_texts(svg)) == sorted(labels)     # Graphviz orders them its own way
    assert {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"} <= set(labels)
    assert f"value {loss.item():.4f}" in labels


def test_04_draws_its_graph_here(executed):
    """Run here (on CI without Graphviz), notebook 04 draws the picture mg.draw
    draws in this process, byte for byte."""
    loss, model = moons_loss_of_four_test_points()
    (svg,) = svg_outputs(executed["04_mlp_toy_classifiers.ipynb"])
    assert svg == mg.draw(loss, names=model).svg


def test_04_is_saved_with_minigrad_s_own_layout(saved, monkeypatch):
    """The saved picture is minigrad's layout, which every reader's machine can
    draw: the one mg.draw makes without Graphviz."""
    from minigrad import graph

    monkeypatch.setattr(graph, "have_graphviz", lambda: False)
    loss, model = moons_loss_of_four_test_points()
    (svg,) = svg_outputs(saved["04_mlp_toy_classifiers.ipynb"])
    assert svg == mg.draw(loss, names=model).svg, \
        "re-execute notebook 04 (run.py) where Graphviz's dot is not on the PATH"


# ------------------------------------------------------------------ 05: the gradient code

def setup_05():
    """The notebook's data, model, optimizer and loss."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2)).astype(np.float32)
    y = (X[:, :1] > 0).astype(np.float32)
    model = mg.nn.Linear(2, 1, rng=0)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    return X, y, model, opt, mg.nn.BCEWithLogitsLoss()


def step_05(model, opt, loss_fn):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def cell_output(nb, source_start):
    """The text printed by the code cell whose source starts with ``source_start``."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start)]
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def test_05_the_printed_code_is_step_code(executed):
    """The code the notebook prints is what mg.compile makes of the same step
    here, after the same three calls (recorded, then run twice)."""
    nb = executed["05_see_the_gradient_code.ipynb"]
    X, y, model, opt, loss_fn = setup_05()
    step = mg.compile(step_05(model, opt, loss_fn))
    for call in range(1, 4):
        loss = step(mg.tensor(X), mg.tensor(y))
        assert_printed(nb, f"call {call}: loss {loss.item():.4f}, recorded passes so far: 2")
    assert cell_output(nb, "print(step.code)") == step.code + "\n"
    for name in ("grad_output", "log_sigmoid_loss_fn", "mul_loss_fn_input0", "grad_add_model",
                 "grad_sum_loss_fn", "expm1_log_sigmoid_loss_fn", "sum_broadcast_to_model",
                 "lr_group0"):
        assert name in step.code and f"`{name}`" in prose(nb)   # the text reads what it prints


def test_05_the_backward_is_sigmoid_minus_y_over_n(executed):
    """After the same three steps: the fourth step's loss, and its gradients
    against (sigmoid(z) - y) / N computed here in float64."""
    nb = executed["05_see_the_gradient_code.ipynb"]
    X, y, model, opt, loss_fn = setup_05()
    step = mg.compile(step_05(model, opt, loss_fn))
    for _ in range(3):
        step(mg.tensor(X), mg.tensor(y))
    z = X @ model.weight.numpy().astype(np.float64).T + model.bias.numpy().astype(np.float64)
    grad_z = (1 / (1 + np.exp(-z)) - y) / len(X)
    loss = step(mg.tensor(X), mg.tensor(y)).item()
    np.testing.assert_allclose(model.bias.grad.numpy(), grad_z.sum(0), rtol=0, atol=1e-7)
    np.testing.assert_allclose(model.weight.grad.numpy(), (X.T @ grad_z).T, rtol=0, atol=1e-7)
    assert_printed(nb, f"the compiled step {loss:.4f}", f"stable form, numpy {loss:.4f}",
                   f"textbook BCE {loss:.4f}", "all agree to 1e-7: True")
    with np.printoptions(precision=4, suppress=True, linewidth=100):
        assert_printed(nb, f"model.bias.grad minigrad {model.bias.grad.numpy()} "
                           f"numpy {grad_z.sum(0)}",
                       f"model.weight.grad minigrad {model.weight.grad.numpy().ravel()}")


def test_05_a_replay_is_eager_bit_for_bit(executed):
    nb = executed["05_see_the_gradient_code.ipynb"]
    finals = []
    for compiled in (False, True):
        X, y, model, opt, loss_fn = setup_05()
        step = step_05(model, opt, loss_fn)
        step = mg.compile(step) if compiled else step
        losses = [step(mg.tensor(X), mg.tensor(y)).item() for _ in range(200)]
        finals.append((losses, model.weight.numpy(), model.bias.numpy()))
    (eager, w_eager, b_eager), (compiled, w_compiled, b_compiled) = finals
    assert eager == compiled
    assert np.array_equal(w_eager, w_compiled) and np.array_equal(b_eager, b_compiled)
    assert_printed(nb, f"loss after 200 steps: eager {eager[-1]:.4f}, compiled "
                       f"{compiled[-1]:.4f}",
                   "all 200 losses identical: True", "weights identical: True",
                   "biases identical: True")
    assert "identical: False" not in printed(nb)


def test_05_a_step_that_branches_on_a_value_runs_its_branch_at_every_call(executed):
    nb = executed["05_see_the_gradient_code.ipynb"]
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    lines = []
    for x in ([1.0, 1.0], [-3.0, -1.0], [2.0, 0.0]):
        w.grad = None
        loss = (w * mg.tensor(x)).sum()
        if loss.item() > 0:
            loss = 2 * loss
        loss.backward()
        with np.printoptions(precision=4, suppress=True, linewidth=100):
            lines.append(f"x = {x}: loss {loss.item():+.2f}, w.grad {w.grad.numpy()}")
        with mg.no_grad():
            w -= 0.1 * w.grad
    assert_printed(nb, *lines, "breaks: []")
    assert [float(line.split("loss ")[1].split(",")[0]) > 0 for line in lines] == \
        [False, False, True]
    assert "The third call's loss is positive" in prose(nb)


def test_05_minigrad_code_is_the_command_s_output(executed, capsys):
    from minigrad import cli

    nb = executed["05_see_the_gradient_code.ipynb"]
    assert cli.main(["code", "bce", "--from-logits"]) == 0
    assert cell_output(nb, "from minigrad import cli") == capsys.readouterr().out
    assert "grad_sum_loss = np.divide(grad_output, 4" in printed(nb)


def test_05_prints_the_code_the_readme_shows(saved):
    """The README's 'See the gradient code' is the same step: the same code."""
    with open(os.path.join(ROOT, "README.md")) as f:
        section = f.read().split("\n## See the gradient code\n", 1)[1].split("\n## ", 1)[0]
    shown = re.search(r"\nprints\n\n```\n(def backward.*?)\n```", section, re.S).group(1)
    assert cell_output(saved["05_see_the_gradient_code.ipynb"], "print(step.code)").strip() == \
        shown.strip()
