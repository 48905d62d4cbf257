"""Plots (matplotlib, optional: ``pip install 'minigrad[plot]'``).

Every function writes a PNG and returns its path.  matplotlib is imported
only when a plot is drawn, with the Agg backend (no screen needed).
"""
from __future__ import annotations

import os

import numpy as np


def pyplot():
    """matplotlib.pyplot with the Agg backend, or an ImportError naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'minigrad[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def have_matplotlib():
    """Whether matplotlib can be imported."""
    try:
        pyplot()
    except ImportError:
        return False
    return True


def save(fig, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def training_curves(history, path, title="training"):
    """The objective per step (log scale) and the training accuracy."""
    plt = pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    steps = np.arange(1, len(history.loss) + 1)
    ax1.plot(steps, history.loss, color="C0")
    ax1.set_xlabel("full-batch step")
    ax1.set_ylabel("objective (mean BCE + L2 penalty)")
    ax1.set_yscale("log")
    ax1.set_title(f"{title}: loss")
    ax1.grid(alpha=0.3)
    if history.train_acc:
        s, a = zip(*history.train_acc)
        ax2.plot(s, np.asarray(a) * 100, marker="o", color="C1")
    ax2.set_xlabel("full-batch step")
    ax2.set_ylabel("training accuracy (%)")
    ax2.set_title(f"{title}: accuracy")
    ax2.grid(alpha=0.3)
    return save(fig, path)


def coefficients(ours, theirs, names, path):
    """minigrad's coefficients beside scikit-learn's, one bar pair per feature."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = np.arange(len(ours))
    ax.bar(x - 0.2, ours, width=0.4, label="minigrad")
    if theirs is not None:
        ax.bar(x + 0.2, theirs, width=0.4, label="scikit-learn")
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=75, fontsize=7)
    ax.set_ylabel("coefficient (on standardised feature)")
    ax.set_title("logistic regression coefficients")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.legend()
    return save(fig, path)


def decision_boundary(predict, X, y, path, title="decision boundary"):
    """The predicted class over the plane, with the data on top.

    ``predict(points)`` takes an (M, 2) array and returns class labels.
    """
    plt = pyplot()
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 250)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 250)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    z = np.asarray(predict(grid)).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    classes = np.unique(y)
    colors = [plt.cm.tab10(k % 10) for k in range(len(classes))]
    from matplotlib.colors import ListedColormap

    ax.contourf(gx, gy, z, levels=np.arange(len(classes) + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    for k, c in zip(classes, colors):
        ax.scatter(X[y == k, 0], X[y == k, 1], s=12, label=f"class {k}", color=c,
                   edgecolor="black", linewidth=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return save(fig, path)


def loss_curve(losses, path, title, xlabel="epoch", ylabel="loss"):
    """A list of losses against epochs."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(1, len(losses) + 1), losses, marker=".")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return save(fig, path)
