"""A small MLP on the moons (2 classes) and the spirals (3 classes).

2 -> 32 -> 32 -> outputs with tanh, trained with Adam on full batches of a
training split; prints the training and the test accuracy (on a held-out
quarter of the points) and draws each decision boundary with both sets.

    python examples/mlp_toy.py [--steps 1500] [--samples 300] [--out examples/out]
"""
import argparse
import os

import numpy as np

import minigrad as mg
from minigrad import plots
from minigrad.datasets import make_moons, make_spirals, train_test_split


def mlp(outputs, seed):
    return mg.nn.Sequential(mg.nn.Linear(2, 32, rng=seed), mg.nn.Tanh(),
                            mg.nn.Linear(32, 32, rng=seed + 1), mg.nn.Tanh(),
                            mg.nn.Linear(32, outputs, rng=seed + 2))


def train(name, X, y, steps, out, test_size=0.25, seed=0):
    """Train on a split of ``X, y``; return ``{"train": accuracy, "test": accuracy}``."""
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size, seed=seed)
    classes = int(y.max()) + 1
    binary = classes == 2
    model = mlp(1 if binary else classes, seed=0)
    if binary:   # one logit, BCE from logits (the PyTorch face)
        loss_fn = mg.nn.BCEWithLogitsLoss()
        target = mg.tensor(y_train.astype(np.float32).reshape(-1, 1))
    else:        # one logit per class, cross-entropy on class indices
        loss_fn = mg.nn.CrossEntropyLoss()
        target = y_train
    opt = mg.optim.Adam(model.parameters(), lr=0.02)
    Xt = mg.tensor(X_train.astype(np.float32))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(Xt), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    def predict(points):
        with mg.no_grad():
            z = model(mg.tensor(points.astype(np.float32))).numpy()
        return (z[:, 0] > 0).astype(int) if binary else z.argmax(1)

    acc = {"train": float(np.mean(predict(X_train) == y_train)),
           "test": float(np.mean(predict(X_test) == y_test))}
    print(f"{name}: {classes} classes, {len(y_train)} training / {len(y_test)} test points, "
          f"final training loss {losses[-1]:.4f}")
    print(f"  training accuracy {acc['train']:.3f}, test accuracy {acc['test']:.3f} "
          "(held-out points, never trained on)")
    if plots.have_matplotlib():
        title = (f"MLP 2-32-32 on {name}: training accuracy {acc['train']:.1%} "
                 f"({len(y_train)} points),\ntest accuracy {acc['test']:.1%} "
                 f"({len(y_test)} held-out points, triangles)")
        print("  plot:", plots.decision_boundary(
            predict, X_train, y_train, os.path.join(out, f"mlp_{name}.png"), title,
            X_test=X_test, y_test=y_test))
    return acc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--out", default=os.path.join("examples", "out"))
    args = ap.parse_args(argv)
    return {
        "moons": train("moons", *make_moons(args.samples, noise=0.15, seed=0), args.steps,
                       args.out),
        "spirals": train("spirals", *make_spirals(args.samples, noise=0.15, seed=0),
                         args.steps, args.out),
    }


if __name__ == "__main__":
    main()
