"""The examples run at small settings (smoke tests) and print what they promise."""
import importlib.util
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pngs(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith(".png")) if os.path.isdir(folder) \
        else []


def test_logistic_regression(tmp_path, capsys):
    pytest.importorskip("sklearn")
    load("logistic_regression").main(["--steps", "400", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "gradient check: passed for all 31 parameters" in out
    assert "test accuracy: minigrad" in out and "scikit-learn" in out
    diff = float(out.split("max |coefficient difference|: ")[1].split()[0])
    assert diff < 1e-4
    if importlib.util.find_spec("matplotlib"):
        assert pngs(tmp_path) == ["logreg_coefficients.png", "logreg_loss.png"]


def saved_figures(monkeypatch):
    """Record each figure the examples save: {file name: figure}."""
    from minigrad import plots

    figures = {}
    real = plots.save

    def save(fig, path):
        figures[os.path.basename(path)] = fig
        return real(fig, path)

    monkeypatch.setattr(plots, "save", save)
    return figures


def test_softmax_digits(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sklearn")
    figures = saved_figures(monkeypatch)
    acc = load("softmax_digits").main(["--epochs", "3", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert acc > 0.85 and "confusion matrix" in out
    assert f"test accuracy: {acc:.4f} on 449 digits" in out
    if importlib.util.find_spec("matplotlib"):
        assert pngs(tmp_path) == ["digits_loss.png", "digits_weights.png"]
        fig = figures["digits_weights.png"]
        images = [im for ax in fig.axes for im in ax.get_images()]
        assert len(images) == 10
        # one symmetric colour scale for all ten images, and its colour bar
        lims = {im.get_clim() for im in images}
        assert len(lims) == 1 and lims.pop()[0] == -images[0].get_clim()[1]
        bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
        assert len(bars) == 1 and "weight" in bars[0].get_ylabel()
        assert tuple(bars[0].get_ylim()) == images[0].get_clim()


def test_mlp_toy(tmp_path, capsys, monkeypatch):
    figures = saved_figures(monkeypatch)
    accs = load("mlp_toy").main(["--steps", "300", "--samples", "150", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    for name in ("moons", "spirals"):
        acc = accs[name]
        assert set(acc) == {"train", "test"}
        # printed: both accuracies, and the split they come from
        assert f"{name}: " in out and "112 training / 38 test points" in out
        assert f"training accuracy {acc['train']:.3f}, test accuracy {acc['test']:.3f}" in out
    assert accs["moons"]["test"] > 0.9 and accs["spirals"]["test"] > 0.75
    assert accs["moons"]["train"] > 0.9 and accs["spirals"]["train"] > 0.8
    if importlib.util.find_spec("matplotlib"):
        assert pngs(tmp_path) == ["mlp_moons.png", "mlp_spirals.png"]
        for name in ("moons", "spirals"):
            ax = figures[f"mlp_{name}.png"].axes[0]
            title = ax.get_title()
            assert f"training accuracy {accs[name]['train']:.1%} (112 points)" in title
            assert f"test accuracy {accs[name]['test']:.1%} (38 held-out points" in title
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert "class 0 (training)" in labels and "class 0 (test)" in labels


def test_loss_walkthroughs(capsys):
    mod = load("loss_walkthroughs")
    mod.bce()
    mod.cce()
    out = capsys.readouterr().out
    for number in ("0.3240220233084354", "0.3240218758583069", "-1.2960880932337415",
                   "0.22314355 0.69314718 0.35667494"):
        assert number in out


def test_manual_loop(capsys):
    assert load("manual_loop").main(["--steps", "100"]) == 0
    out = capsys.readouterr().out
    assert out.count("identical to optim.SGD: yes") == 6 and "NO" not in out
    assert "every hand-written update matches optim.SGD bit for bit" in out
    for update in ("p.data -= lr * p.grad", "p -= lr * p.grad", "p.sub_(p.grad, alpha=lr)"):
        assert out.count(update) == 2
    # the runs did train: the blobs are separated, the moons mostly
    accs = [float(line.split("accuracy ")[1].split()[0]) for line in out.splitlines()
            if "accuracy" in line]
    assert len(accs) == 8 and min(accs[:4]) > 0.98 and min(accs[4:]) > 0.85


def test_manual_loop_reports_a_difference(capsys, monkeypatch):
    mod = load("manual_loop")
    real_train = mod.train

    def train(model, X, y, lr, steps, style):   # one style takes a slightly larger step
        real_train(model, X, y, lr * (1 + 1e-6) if style == "sub_" else lr, steps, style)

    monkeypatch.setattr(mod, "train", train)
    assert mod.main(["--steps", "5"]) == 1
    out = capsys.readouterr().out
    assert out.count("identical to optim.SGD: yes") == 4
    assert out.count("identical to optim.SGD: NO") == 2 and "SOME UPDATES DIFFER" in out


def test_cnn_digits(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sklearn")
    figures = saved_figures(monkeypatch)
    acc = load("cnn_digits").main(["--out", str(tmp_path)])      # the full run: ~3 s
    out = capsys.readouterr().out
    assert "1078 training / 270 validation / 449 test digits" in out
    assert acc >= 0.98
    right = round(acc * 449)
    assert f"test accuracy: {acc:.4f} ({right} of 449 digits)" in out
    assert f"{100 * acc:.1f}% on the held-out test set" in _readme_flat()    # what the README says
    # early stopping on val_loss stopped the run and kept the best epoch's weights
    assert "(early stop after epoch " in out and "kept the weights of epoch " in out
    assert "val_loss: " in out and "val_accuracy: " in out
    if importlib.util.find_spec("matplotlib"):
        assert pngs(tmp_path) == ["cnn_digits_curves.png", "cnn_digits_misclassified.png"]
        curves = figures["cnn_digits_curves.png"]
        for ax in curves.axes:
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert labels[:2] == ["training", "validation"] and "best val_loss" in labels[2]
        wrong = figures["cnn_digits_misclassified.png"]
        titles = [ax.get_title() for ax in wrong.axes if ax.get_images()]
        assert len(titles) == 449 - right
        assert all(t.startswith("true ") and ", predicted " in t for t in titles)
        assert all(t.split()[1].rstrip(",") != t.split()[-1] for t in titles)


def test_cnn_digits_is_deterministic(tmp_path, capsys):
    pytest.importorskip("sklearn")
    mod = load("cnn_digits")
    runs = []
    for _ in range(2):
        runs.append(mod.main(["--epochs", "3", "--out", str(tmp_path)]))
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[2] and runs[1] == runs[3]
    assert runs[1].count("Epoch ") == 3 and "early stop" not in runs[1]


def test_mlp_regularised(tmp_path, capsys, monkeypatch):
    pytest.importorskip("sklearn")
    figures = saved_figures(monkeypatch)
    res = load("mlp_regularised").main(["--out", str(tmp_path)])   # the full run: ~3 s
    out = capsys.readouterr().out
    assert "342 training / 85 validation / 142 test samples, 100 epochs each" in out
    assert set(res) == {"plain", "BatchNorm + Dropout"}
    for name, r in res.items():
        assert (f"{name}: training accuracy {r['train_acc']:.4f}, loss {r['train_loss']:.4f}; "
                f"test accuracy {r['test_acc']:.4f}, loss {r['test_loss']:.4f}") in out
        assert r["test_acc"] > 0.95 and r["train_acc"] > 0.98
    assert "Linear -> BatchNorm1d -> ReLU -> Dropout -> Linear" in out
    plain_best = re.search(r"lowest validation loss at epoch: plain (\d+)", out).group(1)
    assert f"validation loss rises after epoch {plain_best})" in _readme_flat()
    assert "plain: Linear -> ReLU -> Linear -> ReLU -> Linear\n" in out
    assert "comparison (regularised minus plain):" in out and "generalisation gap" in out
    # the plain net fits its training set harder: a lower training loss than the regularised
    assert res["plain"]["train_loss"] < res["BatchNorm + Dropout"]["train_loss"]
    if importlib.util.find_spec("matplotlib"):
        assert pngs(tmp_path) == ["mlp_regularised.png"]
        ax_loss, ax_acc = figures["mlp_regularised.png"].axes[:2]
        for line in ax_acc.get_lines():
            assert len(line.get_xdata()) == 100
        labels = [t.get_text() for t in ax_loss.get_legend().get_texts()]
        assert labels == ["plain: validation", "plain: training",
                          "BatchNorm + Dropout: validation", "BatchNorm + Dropout: training"]


def test_mlp_regularised_is_deterministic(tmp_path, capsys):
    pytest.importorskip("sklearn")
    mod = load("mlp_regularised")
    first = (mod.main(["--epochs", "5", "--out", str(tmp_path)]), capsys.readouterr().out)
    second = (mod.main(["--epochs", "5", "--out", str(tmp_path)]), capsys.readouterr().out)
    assert first == second and "5 epochs each" in first[1]


@pytest.mark.parametrize("name", ["cnn_digits", "mlp_regularised"])
def test_new_examples_without_sklearn(name, tmp_path):
    """As a script with scikit-learn missing: one line with the hint, exit status 2."""
    import subprocess
    import sys

    code = ("import runpy, sys; sys.modules['sklearn'] = None; "
            f"sys.argv = ['{name}.py', '--out', {str(tmp_path)!r}]; "
            f"runpy.run_path({os.path.join(EXAMPLES, name + '.py')!r}, run_name='__main__')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and f"{name}.py: error: " in err[0]
    assert "needs scikit-learn: pip install 'minigrad[data]'" in err[0]
    assert pngs(tmp_path) == []


def _readme_flat():
    """The README with its line breaks folded, as the claims above read in it."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    with open(path) as f:
        return " ".join(f.read().split())


def test_compiled_training(capsys):
    assert load("compiled_training").main(["--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "identical, bit for bit" in out and "# backward" in out and "# update" in out
    assert "3 recorded passes" in out      # the backward, Adam's first update, the others


def test_compiled_training_reports_a_difference(capsys, monkeypatch):
    mod = load("compiled_training")
    monkeypatch.setattr(mod, "same", lambda *a: False)
    assert mod.main(["--epochs", "1", "--no-code"]) == 1
    assert "DIFFERENT" in capsys.readouterr().out
