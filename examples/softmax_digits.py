"""Softmax regression on the 8x8 digits, with sparse categorical cross-entropy.

A linear model z = x W + b (64 -> 10), trained with Adam on minibatches;
prints the test accuracy and the confusion matrix, and plots the loss and
the learned weights as 8x8 images.

    python examples/softmax_digits.py [--epochs 30] [--out examples/out]

Needs scikit-learn (pip install 'minigrad[data]'); plots need matplotlib.
"""
import argparse
import os

import numpy as np

import minigrad as mg
from minigrad import plots
from minigrad.datasets import batches, load_digits, train_test_split


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", default=os.path.join("examples", "out"))
    args = ap.parse_args(argv)

    X, y = load_digits()
    X = (X / 16.0).astype(np.float32)                 # pixels 0..16 -> 0..1
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)

    model = mg.nn.Linear(64, 10, rng=0)
    loss_fn = mg.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    epoch_losses = []
    for epoch in range(1, args.epochs + 1):
        total = 0.0
        for xb, yb in batches(X_train, y_train, batch_size=64, seed=epoch):
            opt.zero_grad()
            loss = loss_fn(yb, model(mg.tensor(xb)))
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        epoch_losses.append(total / len(y_train))
        if epoch % 5 == 0 or epoch == 1:
            print(f"epoch {epoch:3d}  loss {epoch_losses[-1]:.4f}")

    with mg.no_grad():
        pred = model(mg.tensor(X_test)).numpy().argmax(1)
    print(f"\ntest accuracy: {np.mean(pred == y_test):.4f} on {len(y_test)} digits")
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_test, pred), 1)
    print("\nconfusion matrix (rows: true digit, columns: predicted)")
    print("     " + " ".join(f"{k:3d}" for k in range(10)))
    for k in range(10):
        print(f"{k:3d}  " + " ".join(f"{c:3d}" for c in confusion[k]))

    if plots.have_matplotlib():
        weights = plots.weight_images(
            model.weight.numpy(), os.path.join(args.out, "digits_weights.png"), (8, 8),
            [f"digit {k}" for k in range(10)],
            "softmax regression weights per digit (red: the pixel raises the digit's logit, "
            "blue: lowers it)")
        curve = plots.loss_curve(epoch_losses, os.path.join(args.out, "digits_loss.png"),
                                 "softmax regression on digits: training loss per epoch",
                                 ylabel="mean sparse categorical cross-entropy (training set)")
        print("\nplots:", curve, weights)
    return float(np.mean(pred == y_test))


if __name__ == "__main__":
    main()
