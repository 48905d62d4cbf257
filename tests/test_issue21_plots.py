"""Issue 21, item 6: the demo's plots show the convergence, and the
coefficients plot states its agreement with scikit-learn."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")


@pytest.fixture
def figures(monkeypatch):
    """The figures the plot functions make, kept instead of closed."""
    from minigrad import plots
    made = []

    def keep(fig, path):
        fig.canvas.draw()
        made.append(fig)
        return path
    monkeypatch.setattr(plots, "save", keep)
    yield made
    import matplotlib.pyplot as plt
    for fig in made:
        plt.close(fig)


def _trained():
    from minigrad import demo
    X, y, names = demo.load("toy", seed=0)[:3]
    model = demo.LogisticRegression(X.shape[1])
    hist = demo.fit(model, X, y, 1e-2, steps=3000)
    return model, X, y, names, hist


def test_the_training_plot_shows_the_convergence(figures, tmp_path):
    from minigrad import plots
    *_, hist = _trained()
    plots.training_curves(hist, str(tmp_path / "t.png"), "demo")
    (fig,) = figures
    objective, convergence, accuracy = fig.axes
    for ax in fig.axes:
        assert ax.get_xscale() == "log"                       # the start and the tail both show
        labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert all("\\times" not in t and "^" not in t for t in labels), labels
    assert objective.get_yscale() == "linear"                 # the loss in plain numbers
    labels = [t.get_text() for t in objective.get_yticklabels() if t.get_text()]
    assert labels and all("^" not in t and "times" not in t for t in labels), labels
    assert convergence.get_yscale() == "log"
    gap = convergence.lines[0].get_ydata()
    loss = np.asarray(hist.loss)
    d = np.abs(loss - loss[-1])
    np.testing.assert_allclose(gap, d[d > 0])
    assert gap.max() / gap.min() > 1e8                        # many orders of magnitude, not flat


def test_the_coefficient_plot_states_the_agreement(figures, tmp_path):
    sklearn = pytest.importorskip("sklearn.linear_model")
    from minigrad import demo, plots
    model, X, y, names, _ = _trained()
    clf = sklearn.LogisticRegression(C=1 / (1e-2 * len(y)), tol=1e-12, max_iter=10000).fit(X, y)
    ours = model.w.numpy()
    plots.coefficients(ours, clf.coef_[0], names, str(tmp_path / "c.png"))
    title = figures[0].axes[0].get_title()
    diff = np.abs(ours.astype(np.float64) - clf.coef_[0]).max()
    assert "scikit-learn" in title and f"max |difference| = {diff:.1e}" in title
