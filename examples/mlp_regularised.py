"""An MLP with BatchNorm1d and Dropout beside the same MLP without them.

Breast cancer, standardised with the training set's mean and deviation; a
quarter held out as the test set and a fifth of the rest as the validation
set that ``mg.fit`` scores after each epoch.  Both networks have the same
Linear layers with the same initial weights (30 -> 64 -> 64 -> 2), the same
optimizer (Adam), batches, seed and number of epochs; the regularised one
adds BatchNorm1d -> ReLU -> Dropout after each hidden Linear.  Prints the
training and test accuracy and loss of both (in eval mode: dropout off,
batch norm on its running statistics), a comparison, and plots both runs'
validation curves.

    python examples/mlp_regularised.py [--epochs 100] [--dropout 0.5] [--out examples/out]

Seeded (layers' rng=, fit's seed=, mg.manual_seed for dropout): every run
prints the same numbers.  Needs scikit-learn (pip install 'minigrad[data]');
plots need matplotlib.
"""
import argparse
import os
import sys

import numpy as np

import minigrad as mg
from minigrad import plots
from minigrad.datasets import load_breast_cancer, train_test_split

HIDDEN = 64


def make_model(regularised, dropout):
    """The plain MLP, or the same Linear layers (same rng) with BatchNorm1d and Dropout."""
    layers, width = [], 30
    for i in range(2):
        layers.append(mg.nn.Linear(width, HIDDEN, rng=i))
        if regularised:
            layers.append(mg.nn.BatchNorm1d(HIDDEN))
        layers.append(mg.nn.ReLU())
        if regularised:
            layers.append(mg.nn.Dropout(dropout))
        width = HIDDEN
    layers.append(mg.nn.Linear(width, 2, rng=2))
    return mg.nn.Sequential(*layers)


def evaluate(model, X, y, loss_fn):
    """(accuracy, mean cross-entropy) in eval mode."""
    model.eval()
    with mg.no_grad():
        out = model(mg.tensor(X))
        loss = loss_fn(out, mg.tensor(y)).item()
    return mg.metrics.accuracy(y, out.numpy()), loss


def plot_validation(runs, epochs, path):
    plt = plots.pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for (name, run), color in zip(runs.items(), ("C0", "C1")):
        hist = run["history"]
        x = [e + 1 for e in hist.epoch]
        ax_loss.plot(x, hist.history["val_loss"], color=color, label=f"{name}: validation")
        ax_loss.plot(x, hist.history["loss"], color=color, ls=":", alpha=0.7,
                     label=f"{name}: training")
        ax_acc.plot(x, hist.history["val_accuracy"], color=color, label=f"{name}: validation")
    ax_loss.set_yscale("log")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("loss per epoch (validation solid;\ntraining dotted: fit's running mean, "
                      "dropout on)", fontsize=10)
    ax_acc.set_ylabel("validation accuracy")
    ax_acc.set_title("validation accuracy per epoch")
    for ax, where in ((ax_loss, "lower left"), (ax_acc, "lower right")):
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend(loc=where, fontsize=9)
    fig.suptitle(f"MLP on breast cancer, {epochs} epochs: with and without "
                 "BatchNorm1d + Dropout")
    return plots.save(fig, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=100, help="epochs for both (default 100)")
    ap.add_argument("--dropout", type=float, default=0.5, help="dropout probability (0.5)")
    ap.add_argument("--out", default=os.path.join("examples", "out"), help="plot folder")
    args = ap.parse_args(argv)
    if args.epochs < 1 or not 0 <= args.dropout < 1:
        ap.error("--epochs must be >= 1 and --dropout in [0, 1)")

    try:
        X, y = load_breast_cancer()
    except ImportError as e:    # one line, as minigrad demo says it: pip install 'minigrad[data]'
        print(f"{ap.prog}: error: {e}", file=sys.stderr)
        return 2
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    mu, sd = X_train.mean(0), X_train.std(0)
    X_train, X_test = ((X_train - mu) / sd).astype(np.float32), ((X_test - mu) / sd).astype(
        np.float32)
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, seed=1)
    print(f"{len(y_fit)} training / {len(y_val)} validation / {len(y_test)} test samples, "
          f"{args.epochs} epochs each\n")

    loss_fn = mg.nn.CrossEntropyLoss()
    runs = {}
    for name, regularised in (("plain", False), ("BatchNorm + Dropout", True)):
        mg.manual_seed(0)                                      # dropout's masks
        model = make_model(regularised, args.dropout)
        history = mg.fit(model, loss_fn, mg.optim.Adam(model.parameters(), lr=1e-3),
                         X_fit, y_fit, epochs=args.epochs, batch_size=32,
                         validation_data=(X_val, y_val), metrics=["accuracy"], seed=0,
                         verbose=0)
        train_acc, train_loss = evaluate(model, X_fit, y_fit, loss_fn)
        test_acc, test_loss = evaluate(model, X_test, y_test, loss_fn)
        runs[name] = dict(history=history, train_acc=train_acc, train_loss=train_loss,
                          test_acc=test_acc, test_loss=test_loss)
        print(f"{name}: " + " -> ".join(type(m).__name__ for m in model))
        print(f"{name}: training accuracy {train_acc:.4f}, loss {train_loss:.4f}; "
              f"test accuracy {test_acc:.4f}, loss {test_loss:.4f}\n")

    plain, reg = runs["plain"], runs["BatchNorm + Dropout"]
    gap = {k: r["test_loss"] - r["train_loss"] for k, r in runs.items()}
    d_acc, d_loss = reg["test_acc"] - plain["test_acc"], reg["test_loss"] - plain["test_loss"]
    n_test = len(y_test)
    print("comparison (regularised minus plain):")
    print(f"  test accuracy {d_acc:+.4f} ({round(d_acc * n_test):+d} of {n_test} samples), "
          f"test loss {d_loss:+.4f}")
    print(f"  generalisation gap (test loss - training loss): plain {gap['plain']:.4f}, "
          f"regularised {gap['BatchNorm + Dropout']:.4f}")
    best = {k: int(np.argmin(r["history"].history["val_loss"])) + 1 for k, r in runs.items()}
    last = {k: r["history"].history["val_loss"][-1] for k, r in runs.items()}
    print(f"  lowest validation loss at epoch: plain {best['plain']}, "
          f"regularised {best['BatchNorm + Dropout']}; at the last epoch: plain "
          f"{last['plain']:.4f}, regularised {last['BatchNorm + Dropout']:.4f}")

    if plots.have_matplotlib():
        print("\nplot:", plot_validation(runs, args.epochs,
                                         os.path.join(args.out, "mlp_regularised.png")))
    return {k: {m: r[m] for m in ("train_acc", "train_loss", "test_acc", "test_loss")}
            for k, r in runs.items()}


if __name__ == "__main__":
    result = main()
    sys.exit(result if isinstance(result, int) else 0)
