"""Plots (matplotlib, optional: ``pip install 'minigrad[plot]'``).

Every plot function writes a PNG and returns its path; its ``*_figure``
twin, where there is one, returns the matplotlib figure unsaved (for a
notebook, or a test of what it shows).  matplotlib is imported only when a
plot is drawn, with the Agg backend (no screen needed).
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
    """Write ``fig`` as a PNG at ``path`` (folders made as needed), close it,
    and return the path."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if hasattr(fig, "get_layout_engine"):      # matplotlib >= 3.6
        laid_out = fig.get_layout_engine() is not None
    else:
        laid_out = fig.get_constrained_layout()
    if not laid_out:                           # a figure with a colour bar lays itself out
        fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def training_curves(history, path, title="training"):
    """Three views of training: the objective per step (a log step axis, so
    the fast start and the long tail both show), how far it still is from
    its final value (log scale: the convergence, down to rounding), and the
    training accuracy."""
    plt = pyplot()
    from matplotlib.ticker import FuncFormatter

    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4))
    loss = np.asarray(history.loss, dtype=np.float64)
    steps = np.arange(1, len(loss) + 1)
    ax1.plot(steps, loss, color="C0")
    ax1.set_ylabel("objective (mean BCE + L2 penalty)")
    ax1.set_title(f"{title}: objective, final {loss[-1]:.6g}")
    gap = np.abs(loss - loss[-1])          # momentum can dip below the final value
    keep = gap > 0
    ax2.plot(steps[keep], gap[keep], color="C2")
    ax2.set_yscale("log")
    ax2.set_ylabel("|objective - final objective|")
    ax2.set_title(f"{title}: convergence")
    if history.train_acc:
        s, a = zip(*history.train_acc)
        ax3.plot(s, np.asarray(a) * 100, marker="o", markersize=3, color="C1")
    ax3.set_ylabel("training accuracy (%)")
    ax3.set_title(f"{title}: accuracy")
    for ax in (ax1, ax2, ax3):
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))   # 1, 10, 100
        ax.set_xlabel("full-batch step (log scale)")
        ax.grid(alpha=0.3, which="both")
    return save(fig, path)


def coefficients(ours, theirs, names, path):
    """minigrad's coefficients beside scikit-learn's, one bar pair per
    feature; the title states how closely they agree (max |difference|)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    x = np.arange(len(ours))
    ax.bar(x - 0.2, ours, width=0.4, label="minigrad")
    title = "logistic regression coefficients"
    if theirs is not None:
        ax.bar(x + 0.2, theirs, width=0.4, label="scikit-learn")
        diff = float(np.max(np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64))))
        title += f": minigrad and scikit-learn agree to max |difference| = {diff:.1e}"
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=75, fontsize=7)
    ax.set_ylabel("coefficient (on standardised feature)")
    ax.set_title(title)
    ax.axhline(0, color="black", linewidth=0.5)
    ax.legend()
    return save(fig, path)


def _over_plane(fn, X, pad=0.5, n=250):
    """``fn`` of the points of a grid covering the 2-D data ``X``:
    the grid's x and y coordinates and the values, each (n, n)."""
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, n)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, n)
    gx, gy = np.meshgrid(xs, ys)
    values = np.asarray(fn(np.stack([gx.ravel(), gy.ravel()], 1))).reshape(gx.shape)
    return gx, gy, values


def decision_boundary_figure(predict, X, y, title="decision boundary", X_test=None,
                             y_test=None):
    """The figure :func:`decision_boundary` draws (not saved)."""
    plt = pyplot()
    both = X if X_test is None else np.concatenate([X, X_test])
    gx, gy, z = _over_plane(predict, both)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    classes = np.unique(y if y_test is None else np.concatenate([y, y_test]))
    colors = [plt.cm.tab10(k % 10) for k in range(len(classes))]
    from matplotlib.colors import ListedColormap

    ax.contourf(gx, gy, z, levels=np.arange(len(classes) + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    held_out = X_test is not None
    for k, c in zip(classes, colors):
        ax.scatter(X[y == k, 0], X[y == k, 1], s=12, color=c, edgecolor="black", linewidth=0.3,
                   label=f"class {k}" + (" (training)" if held_out else ""))
    if held_out:
        for k, c in zip(classes, colors):
            ax.scatter(X_test[y_test == k, 0], X_test[y_test == k, 1], s=30, marker="^",
                       color=c, edgecolor="black", linewidth=0.8, label=f"class {k} (test)")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="best", fontsize=7)
    return fig


def decision_boundary(predict, X, y, path, title="decision boundary", X_test=None,
                      y_test=None):
    """The predicted class over the plane, with the data on top.

    ``predict(points)`` takes an (M, 2) array and returns class labels.
    Held-out points, when given, are drawn as triangles over the training
    points' dots.
    """
    return save(decision_boundary_figure(predict, X, y, title, X_test, y_test), path)


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


def weight_images_figure(W, image_shape, titles, title, cmap="RdBu_r"):
    """The figure :func:`weight_images` draws (not saved)."""
    plt = pyplot()
    W = np.asarray(W)
    ncols = min(5, len(W))
    nrows = -(-len(W) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.7 * ncols + 1.2, 2.0 * nrows + 0.4),
                             layout="constrained", squeeze=False)
    lim = float(np.abs(W).max()) or 1.0
    image = None
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < len(W):
            image = ax.imshow(W[k].reshape(image_shape), cmap=cmap, vmin=-lim, vmax=lim)
            ax.set_title(titles[k], fontsize=9)
    fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.85,
                 label="weight (one scale for every image, 0 = white)")
    fig.suptitle(title, fontsize=9)
    return fig


def weight_images(W, path, image_shape, titles, title, cmap="RdBu_r"):
    """Each row of ``W`` as an image of ``image_shape``, all on one symmetric
    colour scale (0 in the middle) with its colour bar."""
    return save(weight_images_figure(W, image_shape, titles, title, cmap), path)


# ------------------------------------------------------------ loss plots

def _per_element(fn, y, p):
    """Values and gradients of a per-element loss ``fn(y, p)`` (float64),
    from the library's loss code and its backward."""
    from .tensor import Tensor

    pt = Tensor(np.asarray(p, dtype=np.float64), requires_grad=True)
    with np.errstate(all="ignore"):
        v = fn(Tensor(np.full(pt.shape, float(y))), pt)
        v.sum().backward()
    return v.numpy(), pt.grad.numpy()


#: The colour key of :func:`bce_conventions`: each shaded region, as drawn,
#: named in the legend and in the title.
BCE_REGIONS = {
    "keras": dict(label="Keras clips p to [eps, 1 - eps] (eps = {eps:g})",
                  facecolor="tab:orange", edgecolor="none", alpha=0.15, hatch=None,
                  key="orange shading"),
    "pytorch": dict(label="PyTorch clamps log p at -100 (p < e^-100)",
                    facecolor="none", edgecolor="tab:red", alpha=0.5, hatch="///",
                    key="red hatching"),
}


def _region(ax, lo, hi, which):
    r = BCE_REGIONS[which]
    return ax.axvspan(lo, hi, facecolor=r["facecolor"], edgecolor=r["edgecolor"],
                      alpha=r["alpha"], hatch=r["hatch"], linewidth=0)


def _region_handle(which, eps):
    from matplotlib.patches import Patch

    r = BCE_REGIONS[which]
    return Patch(facecolor=r["facecolor"], edgecolor=r["edgecolor"], alpha=r["alpha"],
                 hatch=r["hatch"], label=r["label"].format(eps=eps))


def _bce_forms(eps):
    """Each convention's BCE, ``fn(y, p)`` per element: {label: (fn, colour, line style)}."""
    from . import formulas
    from .nn import functional

    return {
        "textbook numpy (no clip)": (
            lambda y, q: formulas.binary_crossentropy(y, q), "tab:blue", "-"),
        f"Keras 3 (clip to [{eps:g}, 1 - {eps:g}])": (
            lambda y, q: formulas.binary_crossentropy(y, q, clip=eps), "tab:orange", "--"),
        "tf.keras 2.x (clip, and + eps in the log)": (
            lambda y, q: formulas.binary_crossentropy(y, q, clip=eps, log_eps=eps),
            "tab:green", ":"),
        "PyTorch BCELoss (log clamped at -100)": (
            lambda y, q: functional.binary_cross_entropy(q, y, reduction="none"), "tab:red", "-."),
    }


def _bce_column(ax_v, ax_g, y, p, forms, eps):
    """One column of :func:`bce_conventions`: the loss for target ``y`` (top)
    and the size of its gradient (bottom), with the clip and clamp regions."""
    for label, (fn, color, ls) in forms.items():
        v, g = _per_element(fn, y, p)
        ax_v.plot(p, v, ls, color=color, label=label, linewidth=1.8)
        g = np.abs(g)
        ax_g.plot(p, np.where(g > 0, g, np.nan), ls, color=color,
                  label=label + ": derivative of its value", linewidth=1.8)
    torch_rule = np.abs((p - y) / np.maximum(p * (1 - p), 1e-12))
    ax_g.plot(p, torch_rule, color="black", linewidth=1, alpha=0.7,
              label="PyTorch's BCELoss backward: (p - y) / max(p(1-p), 1e-12)")
    for ax in (ax_v, ax_g):
        ax.set_xscale("logit")
        ax.set_xlim(p[0], p[-1])
        _region(ax, p[0], eps, "keras")
        _region(ax, 1 - eps, p[-1], "keras")
        if y == 1:
            _region(ax, p[0], np.exp(-100), "pytorch")
        ax.grid(alpha=0.3)
        ax.set_xticks([1e-45, 1e-30, 1e-15, eps, 0.5, 1 - eps, 1 - 1e-14])
        ax.set_xticklabels(["1e-45", "1e-30", "1e-15", "1e-7", "0.5", "1-1e-7", "1-1e-14"])
        ax.minorticks_off()
    ax_v.set_ylabel(f"loss for y = {y:g}")
    ax_g.set_ylabel(f"|d loss / d p| for y = {y:g} (0 not drawn)")
    ax_g.set_yscale("log")
    ax_g.set_ylim(1e-3, 1e52)
    ax_g.set_xlabel("prediction p (logit scale: both ends stretched)")
    ax_v.set_title(f"y = {y:g}: " + ("wrong predictions are p -> 0" if y == 1 else
                                     "wrong predictions are p -> 1"))


def bce_conventions_figure():
    """The figure :func:`bce_conventions` draws (not saved)."""
    from . import losses

    plt = pyplot()
    eps = losses.epsilon()
    p = np.concatenate([np.logspace(-50, -1, 700), np.linspace(0.1, 0.9, 100),
                        1 - np.logspace(-1, -15.5, 400)])
    forms = _bce_forms(eps)
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.4), sharex="col")
    for col, y in enumerate((1.0, 0.0)):
        _bce_column(axes[0, col], axes[1, col], y, p, forms, eps)
    axes[0, 0].text(2e-49, 30, "PyTorch clamps\n(p < e^-100)", color="tab:red", fontsize=8,
                    bbox=dict(facecolor="white", alpha=0.85, edgecolor="none"))
    axes[0, 0].text(3e-9, 60, "Keras\nclips", color="darkorange", fontsize=8, ha="right")
    axes[0, 1].text(0.5, 0.97, "for y = 0, PyTorch's clamp acts only at p = 1 exactly:\n"
                    "1 - p cannot go below 1.1e-16 in float64", transform=axes[0, 1].transAxes,
                    ha="center", va="top", fontsize=8)
    handles, _ = axes[0, 0].get_legend_handles_labels()
    axes[0, 0].legend(handles=handles + [_region_handle("keras", eps),
                                         _region_handle("pytorch", eps)],
                      fontsize=8, loc="upper right")
    axes[1, 0].legend(fontsize=7, loc="upper right")
    fig.suptitle("Binary cross-entropy near the ends. Lines: each convention's loss (top) and "
                 "gradient (bottom).\n"
                 f"Regions: {BCE_REGIONS['keras']['key']} = where Keras clips p, "
                 f"{BCE_REGIONS['pytorch']['key']} = where PyTorch clamps log p at -100",
                 fontsize=11)
    return fig


def bce_conventions(path):
    """BCE and its gradient near the ends, on a logit axis, under each
    convention: where Keras clips (p < eps) and PyTorch clamps (log < -100),
    and PyTorch's backward, which is not the derivative of its forward."""
    return save(bce_conventions_figure(), path)


#: The gradient panels of :func:`loss_gallery` are linear, cut at +-GALLERY_GRAD_LIMIT.
GALLERY_GRAD_LIMIT = 10.0


def loss_gallery_figure():
    """The figure :func:`loss_gallery` draws (not saved): a row for each loss
    declared with a gallery entry (:data:`minigrad.lossdefs.registry.GALLERY`)."""
    from .lossdefs import registry

    plt = pyplot()
    p = np.linspace(0.0005, 0.9995, 600)
    rows = registry.GALLERY
    lim = GALLERY_GRAD_LIMIT
    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 2.6 * len(rows)), sharex=True)
    for r, (name, fn) in enumerate(rows):
        cut = False
        for y, color in ((0.0, "tab:red"), (1.0, "tab:green")):
            v, g = _per_element(fn, y, p)
            axes[r, 0].plot(p, v, color=color, label=f"y = {y:g}")
            axes[r, 1].plot(p, g, color=color, label=f"y = {y:g}")
            cut = cut or bool(np.abs(g).max() > lim)
        axes[r, 0].set_ylabel(name, fontsize=9)
        for ax in axes[r]:
            ax.grid(alpha=0.3)
            ax.axhline(0, color="black", linewidth=0.5)
        axes[r, 0].legend(fontsize=8)
        if cut:   # the BCE gradients grow like 1/p and 1/(1 - p): cut the axis, keep it linear
            axes[r, 1].set_ylim(-lim, lim)
            axes[r, 1].text(0.03, 0.95, f"axis cut at \u00b1{lim:g}: the gradient grows like\n"
                            "1/p near p = 0 and 1/(1 - p) near p = 1",
                            transform=axes[r, 1].transAxes, ha="left", va="top",
                            fontsize=7, bbox=dict(facecolor="white", alpha=0.8,
                                                  edgecolor="none"))
    axes[0, 0].set_title("loss for one element")
    axes[0, 1].set_title("gradient d loss / d prediction")
    axes[-1, 0].set_xlabel("prediction p")
    axes[-1, 1].set_xlabel("prediction p")
    fig.suptitle("Each loss and its gradient for one element. Keras clips p to [1e-7, 1 - 1e-7] "
                 "and PyTorch clamps logs at -100:\ntoo close to the ends to see here; "
                 "bce_conventions.png (minigrad plot losses) draws them on a logit axis.",
                 fontsize=9)
    return fig


def loss_gallery(path):
    """Each loss of the gallery (BCE, focal BCE, MSE, MAE, Huber) and its
    gradient as a function of the prediction, for y = 0 and y = 1 (all axes
    linear)."""
    return save(loss_gallery_figure(), path)


def probability_map(model_prob, X, y, path, title):
    """p(y = 1 | x) over the plane, the 0.5 boundary, and the data."""
    plt = pyplot()
    gx, gy, prob = _over_plane(model_prob, X)
    fig, ax = plt.subplots(figsize=(6.2, 5))
    cs = ax.contourf(gx, gy, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    fig.colorbar(cs, ax=ax, label="p(y = 1 | x)")
    ax.contour(gx, gy, prob, levels=[0.5], colors="black", linewidths=1.5)
    for k, (c, m) in enumerate((("tab:blue", "o"), ("tab:red", "s"))):
        ax.scatter(X[y == k, 0], X[y == k, 1], s=14, color=c, marker=m, edgecolor="black",
                   linewidth=0.3, label=f"class {k}")
    ax.plot([], [], color="black", label="decision boundary p = 0.5")
    ax.set_xlabel("x1 (standardised)")
    ax.set_ylabel("x2 (standardised)")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return save(fig, path)
