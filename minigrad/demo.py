"""Logistic regression from scratch: the model, its loss, a gradient check,
full-batch training, and a comparison with scikit-learn.

This is what ``minigrad demo`` runs and what ``examples/logistic_regression.py``
and ``minigrad plot logreg`` build on.  The loss is scikit-learn's objective
scaled by 1/N, so both find the same coefficients:

    mean BCE(sigmoid(X w + b), y) + l2 / 2 * ||w||^2   ==   C = 1 / (l2 N)

(the intercept is not penalised, as in scikit-learn).
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import time

import numpy as np

from . import losses, nn, optim
from .gradcheck import jacobians
from .engine import no_grad
from .tensor import Tensor


def standardize(X_train, X_test):
    """Scale features to mean 0 and standard deviation 1, using the training
    set's statistics for both sets.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.demo import standardize
    >>> a, b = standardize(np.array([[1.0], [3.0]]), np.array([[2.0]]))
    >>> a.ravel().tolist(), b.ravel().tolist()
    ([-1.0, 1.0], [0.0])
    """
    mu, sd = X_train.mean(0), X_train.std(0)
    sd = np.where(sd > 0, sd, 1.0)
    return (X_train - mu) / sd, (X_test - mu) / sd


class LogisticRegression(nn.Module):
    """``p(y = 1 | x) = sigmoid(x . w + b)``; the module returns the logit.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.demo import LogisticRegression
    >>> LogisticRegression(3)(mg.zeros(5, 3, dtype="float64")).shape
    (5,)
    """

    def __init__(self, n_features, dtype="float64"):
        super().__init__()
        self.w = nn.Parameter(np.zeros(n_features, dtype=dtype))
        self.b = nn.Parameter(np.zeros((), dtype=dtype))

    def forward(self, X):
        return X @ self.w + self.b


def objective(model, X, y, l2):
    """Mean BCE from logits plus ``l2 / 2 * ||w||^2``.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> from minigrad.demo import LogisticRegression, objective
    >>> m = LogisticRegression(2)
    >>> round(objective(m, mg.tensor(np.ones((4, 2))), np.array([0, 1, 0, 1]), 0.1).item(), 6)
    0.693147
    """
    data = losses.binary_crossentropy(y.astype(model.w.dtype), model(X), from_logits=True)
    return data + 0.5 * l2 * (model.w * model.w).sum()


def check_gradient(model, X, y, l2, atol=1e-8, rtol=1e-6):
    """Check d(objective)/d(w, b) against central differences (float64).

    Returns ``(passed, worst)``: whether every element of the gradient is
    within ``atol + rtol * |numerical|`` of the finite differences, and the
    largest absolute difference.
    """

    def f(w, b):
        saved = model.w, model.b
        model.w, model.b = w, b
        try:
            return objective(model, X, y, l2)
        finally:
            model.w, model.b = saved

    analytic, numerical = jacobians(f, (model.w, model.b))
    a = np.concatenate([j.ravel() for j in analytic[0]])
    n = np.concatenate([j.ravel() for j in numerical[0]])
    return bool(np.all(np.abs(a - n) <= atol + rtol * np.abs(n))), float(np.abs(a - n).max())


@dataclasses.dataclass
class History:
    """What training recorded: the objective per step, and accuracies."""

    loss: list = dataclasses.field(default_factory=list)
    train_acc: list = dataclasses.field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    grad_norm: float = float("nan")


def accuracy(model, X, y):
    """Fraction of samples whose predicted class (logit > 0) is right."""
    with no_grad():
        return float(((model(X).numpy() > 0) == (y == 1)).mean())


def fit(model, X, y, l2, steps=3000, tol=1e-10, lr=None, momentum=0.9, progress=None,
        every=100):
    """Full-batch gradient descent with Nesterov momentum until the
    gradient's norm is below ``tol`` (or ``steps`` steps).

    ``lr`` defaults to ``1 / L``, L a bound on the objective's smoothness
    (``max eig(X^T X) / (4 N) + l2``, plus 1/4 for the intercept).  The
    training accuracy is recorded every 10 steps; ``progress(step, loss,
    acc)`` is called every ``every`` steps.
    """
    Xd = X.numpy() if isinstance(X, Tensor) else np.asarray(X)
    X = X if isinstance(X, Tensor) else Tensor(Xd)
    n = Xd.shape[0]
    if lr is None:
        smooth = np.linalg.eigvalsh(Xd.T @ Xd / n).max() / 4 + l2 + 0.25
        lr = 1.0 / smooth
    opt = optim.SGD(model.parameters(), lr=lr, momentum=momentum, nesterov=True)
    hist = History()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = objective(model, X, y, l2)
        loss.backward()
        g = np.sqrt(sum(float((p.grad.data ** 2).sum()) for p in model.parameters()))
        hist.loss.append(loss.item())
        last = g < tol or step == steps
        if step % 10 == 0 or step == 1 or last:
            acc = accuracy(model, X, y)
            hist.train_acc.append((step, acc))
            if progress is not None and (step % every == 0 or step == 1 or last):
                progress(step, loss.item(), acc)
        if g < tol:
            break
        opt.step()
    hist.steps, hist.seconds, hist.grad_norm = step, time.perf_counter() - start, g
    return hist


def sklearn_reference(X, y, l2):
    """scikit-learn's LogisticRegression with the same penalty (C = 1 / (l2 N)),
    solved tightly; ``None`` when scikit-learn is not installed."""
    try:
        from sklearn.linear_model import LogisticRegression as SkLR
    except ImportError:
        return None
    clf = SkLR(C=1.0 / (l2 * len(y)), tol=1e-12, max_iter=100_000)
    clf.fit(X, y)
    return clf


def load(dataset="auto", seed=0):
    """``(X, y, feature_names, description)`` for the demo: scikit-learn's
    breast cancer set when it is installed (or asked for), else a toy set of
    two overlapping Gaussian blobs."""
    from . import datasets

    if dataset in ("auto", "breast_cancer"):
        try:
            X, y, names = datasets.load_breast_cancer(with_names=True)
        except ImportError:
            if dataset == "breast_cancer":
                raise
        else:
            return X, y, names, "scikit-learn's breast cancer set (Wisconsin, bundled)"
    X, y = datasets.make_blobs(500, noise=2.0, seed=seed, centers=2)
    return X, y, ["x1", "x2"], "a toy set: two overlapping Gaussian blobs (numpy, seeded)"


def prepare_folder(path):
    """Make the folder ``path`` if it is missing and check that a file can be
    written in it; an OSError that names it and says why otherwise.  Returns
    ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> from minigrad.demo import prepare_folder
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.path.isdir(prepare_folder(os.path.join(tmp, "plots", "demo")))
    True
    """
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        reason = ("a file, not a folder" if os.path.exists(path) and not os.path.isdir(path)
                  else e.strerror or str(e))
        raise OSError(f"cannot write the plots to {str(path)!r} ({reason}); choose a "
                      "writable folder") from None
    return path


def _check_settings(l2, steps):
    if not (isinstance(l2, (int, float, np.floating, np.integer)) and np.isfinite(l2) and l2 > 0):
        raise ValueError(f"l2 must be a finite number > 0, got {l2!r}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")


def run(out="minigrad-demo", l2=1e-2, steps=3000, seed=0, dataset="auto", plots=True,
        echo=print):
    """Train logistic regression from scratch and report on it (``minigrad demo``).

    The plot folder ``out`` is made and checked before training (see
    :func:`prepare_folder`) when plots are drawn.  Returns a dict of the
    figures it printed.

    Examples
    --------
    >>> from minigrad.demo import run
    >>> report = run(dataset="toy", steps=50, plots=False, echo=lambda line: None)
    >>> report["gradient_check"], report["steps"]
    (True, 50)
    """
    from . import plots as P
    from .datasets import train_test_split

    _check_settings(l2, steps)
    draw = plots and P.have_matplotlib()
    if draw:
        prepare_folder(out)
    X, y, names, what = load(dataset, seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.2, seed=seed)
    Xtr, Xte = standardize(Xtr, Xte)
    echo("minigrad demo: logistic regression from scratch")
    echo(f"data: {what}; {len(ytr)} train / {len(yte)} test samples, {X.shape[1]} "
         "standardised features")
    echo(f"model: p(y=1|x) = sigmoid(x.w + b), {X.shape[1] + 1} parameters; "
         f"loss: mean BCE from logits + {l2:g}/2 ||w||^2")
    model = LogisticRegression(X.shape[1])
    report, hist = _train(model, Tensor(Xtr), ytr, l2, steps, seed, echo)
    report["test_accuracy"] = acc = accuracy(model, Tensor(Xte), yte)
    clf = _compare(model, Xtr, ytr, Xte, yte, l2, acc, report, echo)
    if plots and not draw:
        echo("plots: skipped, matplotlib is not installed (pip install 'minigrad[plot]')")
    elif draw:
        report["plots"] = _plots(model, clf, hist, names, Xtr, ytr, out)
        echo("plots: " + ", ".join(report["plots"]))
    return report


def _train(model, Xt, ytr, l2, steps, seed, echo):
    """Check the gradient, then train; the report so far and the History."""
    n = model.w.shape[0]
    with np.errstate(all="raise"):   # the demo's own numerics must be clean
        model.w.data = np.random.default_rng(seed).normal(0, 0.1, n)
        ok, worst = check_gradient(model, Xt, ytr, l2)
        model.w.data = np.zeros(n)
    echo(f"gradient check (float64, central differences on all {n + 1} parameters): "
         f"{'passed' if ok else 'FAILED'}, max |analytic - numerical| = {worst:.1e}")
    echo("training: full-batch gradient descent with Nesterov momentum, lr = 1/L")

    def progress(step, loss, acc):
        echo(f"  step {step:5d}   loss {loss:.6f}   train accuracy {acc:.4f}")

    hist = fit(model, Xt, ytr, l2, steps=steps, tol=1e-9, progress=progress)
    converged = hist.grad_norm < 1e-9
    echo(f"{'converged' if converged else 'stopped'} after {hist.steps} steps "
         f"(|gradient| = {hist.grad_norm:.1e}) in {hist.seconds:.2f} s")
    return {"gradient_check": ok, "max_grad_diff": worst, "steps": hist.steps}, hist


def _compare(model, Xtr, ytr, Xte, yte, l2, acc, report, echo):
    """Print the test accuracy beside scikit-learn's; its model, or None."""
    clf = sklearn_reference(Xtr, ytr, l2)
    if clf is None:
        echo(f"test accuracy: minigrad {acc:.4f} (install scikit-learn, pip install "
             "'minigrad[data]', to compare with its LogisticRegression)")
        return None
    sk_acc = float(clf.score(Xte, yte))
    diff = float(np.abs(clf.coef_[0] - model.w.numpy()).max())
    report.update(sklearn_accuracy=sk_acc, max_coef_diff=diff)
    echo(f"test accuracy: minigrad {acc:.4f}, scikit-learn {sk_acc:.4f}")
    echo(f"coefficients: max |minigrad - scikit-learn| = {diff:.1e} "
         f"(scikit-learn's C = 1/(l2 N) = {1 / (l2 * len(ytr)):.4g})")
    return clf


def _plots(model, clf, hist, names, Xtr, ytr, out):
    """Draw the training curves, the coefficients (and a 2-D boundary)."""
    from . import plots as P

    paths = [P.training_curves(hist, os.path.join(out, "logreg_training.png"),
                               "logistic regression"),
             P.coefficients(model.w.numpy(), None if clf is None else clf.coef_[0],
                            names, os.path.join(out, "logreg_coefficients.png"))]
    if Xtr.shape[1] == 2:
        paths.append(P.decision_boundary(
            lambda pts: (pts @ model.w.numpy() + model.b.item() > 0).astype(int),
            Xtr, ytr, os.path.join(out, "logreg_boundary.png"),
            "logistic regression: decision boundary"))
    return paths
