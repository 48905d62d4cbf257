"""A small convolutional network on the 8x8 digits, trained with ``mg.fit``.

Conv2d(1, 16, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256, 10),
cross-entropy from logits, Adam.  A quarter of the digits is held out as the
test set; a fifth of the rest is the validation set that ``mg.fit`` scores
after each epoch and ``EarlyStopping(monitor="val_loss",
restore_best_weights=True)`` watches.  Prints the test accuracy and plots the
training curves (loss and accuracy, training and validation) and every
misclassified test digit with its true and predicted label.

    python examples/cnn_digits.py [--epochs 40] [--patience 5] [--out examples/out]

Seeded throughout (layers' rng=, fit's seed=, mg.manual_seed): every run
prints the same numbers.  Needs scikit-learn (pip install 'minigrad[data]');
plots need matplotlib.
"""
import argparse
import math
import os
import sys

import numpy as np

import minigrad as mg
from minigrad import plots
from minigrad.datasets import load_digits, train_test_split


def make_model():
    return mg.nn.Sequential(
        mg.nn.Conv2d(1, 16, 3, padding=1, rng=0),      # (N, 1, 8, 8) -> (N, 16, 8, 8)
        mg.nn.ReLU(),
        mg.nn.MaxPool2d(2),                            # -> (N, 16, 4, 4)
        mg.nn.Flatten(),                               # -> (N, 256)
        mg.nn.Linear(256, 10, rng=1),
    )


def predict(model, X):
    model.eval()
    with mg.no_grad():
        return model(mg.tensor(X)).numpy()


def plot_curves(history, stop, path):
    plt = plots.pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    history.plot(["loss", "val_loss"], ax=ax_loss)
    history.plot(["accuracy", "val_accuracy"], ax=ax_acc)
    for ax, what in ((ax_loss, "cross-entropy"), (ax_acc, "accuracy")):
        for line, label in zip(ax.get_lines(), ("training", "validation")):
            line.set_label(label)
        ax.axvline(stop.best_epoch + 1, color="grey", ls="--", lw=1,
                   label=f"best val_loss (epoch {stop.best_epoch + 1}): weights kept")
        ax.set_ylabel(what)
        ax.grid(alpha=0.3)
        ax.legend()
    ax_loss.set_yscale("log")
    ax_loss.set_title("loss per epoch")
    ax_acc.set_title("accuracy per epoch")
    fig.suptitle("CNN on the 8x8 digits: training curves")
    return plots.save(fig, path)


def plot_misclassified(X_test, y_test, pred, accuracy, path):
    plt = plots.pyplot()
    wrong = np.flatnonzero(pred != y_test)
    cols = min(max(len(wrong), 1), 6)
    rows = max(math.ceil(len(wrong) / cols), 1)
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols + 0.4, 2.1 * rows + 0.7),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(X_test[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"true {y_test[i]}, predicted {pred[i]}", fontsize=9)
    if not len(wrong):
        axes[0, 0].text(0.5, 0.5, "no misclassified digits", ha="center", va="center")
    fig.suptitle(f"the {len(wrong)} misclassified test digits of {len(y_test)} "
                 f"(test accuracy {accuracy:.2%})")
    return plots.save(fig, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=40, help="most epochs (default 40)")
    ap.add_argument("--patience", type=int, default=5,
                    help="EarlyStopping patience on val_loss (default 5)")
    ap.add_argument("--out", default=os.path.join("examples", "out"), help="plot folder")
    args = ap.parse_args(argv)
    if args.epochs < 1 or args.patience < 0:
        ap.error("--epochs must be >= 1 and --patience >= 0")

    try:
        X, y = load_digits()
    except ImportError as e:    # one line, as minigrad demo says it: pip install 'minigrad[data]'
        print(f"{ap.prog}: error: {e}", file=sys.stderr)
        return 2
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)   # pixels 0..16 -> 0..1, NCHW
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, test_size=0.2, seed=1)
    print(f"{len(y_fit)} training / {len(y_val)} validation / {len(y_test)} test digits")

    mg.manual_seed(0)
    model = make_model()
    print(model)
    stop = mg.callbacks.EarlyStopping(monitor="val_loss", patience=args.patience,
                                      restore_best_weights=True)
    history = mg.fit(model, mg.nn.CrossEntropyLoss(), mg.optim.Adam(model.parameters(), lr=0.01),
                     X_fit, y_fit, epochs=args.epochs, batch_size=32,
                     validation_data=(X_val, y_val), metrics=["accuracy"],
                     callbacks=[stop], seed=0, verbose=2)
    ran = len(history.epoch)
    print(f"\nran {ran} epochs" + (f" (early stop after epoch {stop.stopped_epoch + 1})"
                                   if stop.stopped_epoch else "")
          + f"; kept the weights of epoch {stop.best_epoch + 1} "
          f"(val_loss {stop.best:.4f})")

    pred = predict(model, X_test).argmax(1)
    acc = mg.metrics.accuracy(y_test, pred)
    print(f"test accuracy: {acc:.4f} ({int(np.sum(pred == y_test))} of {len(y_test)} digits)")

    if plots.have_matplotlib():
        print("\nplots:",
              plot_curves(history, stop, os.path.join(args.out, "cnn_digits_curves.png")),
              plot_misclassified(X_test, y_test, pred, acc,
                                 os.path.join(args.out, "cnn_digits_misclassified.png")))
    return acc


if __name__ == "__main__":
    result = main()
    sys.exit(result if isinstance(result, int) else 0)
