"""Logistic regression from scratch on the breast cancer set.

Standardised features, BCE from logits, an L2 penalty. Before training, the
whole model's gradient is checked against finite differences; after
training, the test accuracy and the coefficients are printed beside
scikit-learn's LogisticRegression with the same penalty.

    python examples/logistic_regression.py [--l2 0.01] [--out examples/out]

Needs scikit-learn (pip install 'minigrad[data]'); plots need matplotlib.
"""
import argparse
import math
import os
import sys

import numpy as np

import minigrad as mg
from minigrad import plots
from minigrad.datasets import load_breast_cancer, train_test_split


def loss_fn(w, b, X, y, l2):
    """mean BCE(sigmoid(X w + b), y) + l2/2 ||w||^2 -- scikit-learn's objective / N."""
    logits = X @ w + b
    return mg.losses.binary_crossentropy(y, logits, from_logits=True) + 0.5 * l2 * (w * w).sum()


def train(w, b, X, y, l2, steps):
    """Full-batch gradient descent with Nesterov momentum and step 1/L until the
    gradient's norm is below 1e-9; the objective per step."""
    Xd = X.numpy()
    lr = 1 / (np.linalg.eigvalsh(Xd.T @ Xd / len(y)).max() / 4 + l2 + 0.25)
    opt = mg.optim.SGD([w, b], lr=lr, momentum=0.9, nesterov=True)
    history = []
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = loss_fn(w, b, X, y, l2)
        loss.backward()
        history.append(loss.item())
        grad_norm = np.sqrt((w.grad.numpy() ** 2).sum() + b.grad.item() ** 2)
        if step % 100 == 0 or grad_norm < 1e-9:
            print(f"step {step:5d}  loss {loss.item():.8f}  |grad| {grad_norm:.1e}")
        if grad_norm < 1e-9:
            break
        opt.step()
    return history


def compare_with_sklearn(w, b, X_train, y_train, X_test, y_test, names, l2):
    """Fit scikit-learn's LogisticRegression to the same objective, C = 1 / (l2 N),
    and print the accuracies and coefficients side by side."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1 / (l2 * len(y_train)), tol=1e-12, max_iter=100_000)
    clf.fit(X_train, y_train)
    with mg.no_grad():
        pred = (mg.tensor(X_test) @ w + b).numpy() > 0
    print(f"\ntest accuracy: minigrad {np.mean(pred == y_test):.4f}, "
          f"scikit-learn {clf.score(X_test, y_test):.4f}")
    print(f"\n{'feature':<25} {'minigrad':>10} {'sklearn':>10} {'difference':>11}")
    for i in np.argsort(-np.abs(clf.coef_[0]))[:10]:
        print(f"{names[i]:<25} {w.numpy()[i]:10.5f} {clf.coef_[0][i]:10.5f} "
              f"{w.numpy()[i] - clf.coef_[0][i]:11.1e}")
    print(f"{'(intercept)':<25} {b.item():10.5f} {clf.intercept_[0]:10.5f} "
          f"{b.item() - clf.intercept_[0]:11.1e}")
    print(f"max |coefficient difference|: {np.abs(w.numpy() - clf.coef_[0]).max():.1e}")
    return clf


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--l2", type=float, default=0.01,
                    help="L2 penalty, in (0, 1e4] (default 0.01)")
    ap.add_argument("--steps", type=int, default=2000, help="most full-batch steps")
    ap.add_argument("--out", default=os.path.join("examples", "out"), help="plot folder")
    args = ap.parse_args(argv)
    if not (math.isfinite(args.l2) and 0 < args.l2 <= 1e4) or args.steps < 1:
        ap.error("--l2 must be a number in (0, 1e4] and --steps an integer >= 1")

    try:
        X, y, names = load_breast_cancer(with_names=True)
    except ImportError as e:    # one line, as minigrad demo says it: pip install 'minigrad[data]'
        print(f"{ap.prog}: error: {e}", file=sys.stderr)
        return 2
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=0)
    mu, sd = X_train.mean(0), X_train.std(0)
    X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
    Xt, yt = mg.tensor(X_train), y_train.astype(np.float64)

    # parameters in float64 (numpy float64 arrays keep their dtype)
    rng = np.random.default_rng(0)
    w = mg.tensor(rng.normal(0, 0.1, X.shape[1]), requires_grad=True)
    b = mg.tensor(np.zeros(()), requires_grad=True)

    # 1. the whole model's gradient against central differences
    mg.gradcheck(lambda w, b: loss_fn(w, b, Xt, yt, args.l2), (w, b), atol=1e-8, rtol=1e-6)
    print(f"gradient check: passed for all {w.numel() + b.numel()} parameters (float64)")

    # 2. full-batch gradient descent (Nesterov momentum, step 1/L)
    history = train(w, b, Xt, yt, args.l2, args.steps)

    # 3. beside scikit-learn, same objective: C = 1 / (l2 N)
    clf = compare_with_sklearn(w, b, X_train, y_train, X_test, y_test, names, args.l2)

    if plots.have_matplotlib():
        print("\nplots:", plots.loss_curve(history, os.path.join(args.out, "logreg_loss.png"),
                                          "logistic regression on breast cancer",
                                          xlabel="full-batch step", ylabel="objective"),
              plots.coefficients(w.numpy(), clf.coef_[0], list(names),
                                 os.path.join(args.out, "logreg_coefficients.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
