"""Gradient descent by hand, three ways, checked against mg.optim.SGD.

A plain SGD step is ``w <- w - lr * grad`` for every parameter.  This
example writes that update by hand in the three styles you will meet:

1. micrograd:  ``p.data -= lr * p.grad``
   (``p.data`` is the raw numpy array, so autograd never sees the change);
2. PyTorch:    ``with mg.no_grad(): p -= lr * p.grad``
   (``-=`` on a parameter outside ``no_grad`` raises: backward might still
   need the old value);
3. in place:   ``with mg.no_grad(): p.sub_(p.grad, alpha=lr)``
   (``p - alpha * grad``; ``p.sub_(lr * p.grad)`` is the same).

It trains a logistic regression (two Gaussian blobs) and a small MLP (the
moons) with each style and with ``mg.optim.SGD``, every run from the same
initial parameters.  All four do the same float32 arithmetic, ``w - lr * g``
(``g * lr`` is the same number as ``lr * g``), so they must end with
bit-for-bit identical parameters.  The script checks that and exits with
status 1 if any run differs.

    python examples/manual_loop.py [--steps 300]
"""
import argparse
import sys

import numpy as np

import minigrad as mg

STYLES = {   # name -> the update it does, as printed
    "sgd": "opt.step()  (mg.optim.SGD)",
    "micrograd": "p.data -= lr * p.grad",
    "pytorch": "with no_grad: p -= lr * p.grad",
    "sub_": "with no_grad: p.sub_(p.grad, alpha=lr)",
}


def train(model, X, y, lr, steps, style):
    """Full-batch gradient descent on BCE-from-logits, updating in ``style``."""
    loss_fn = mg.nn.BCEWithLogitsLoss()
    params = model.parameters()
    opt = mg.optim.SGD(params, lr=lr)      # used by the "sgd" style only
    for _ in range(steps):
        for p in params:
            p.grad = None                  # backward() adds to .grad: clear it first
        loss_fn(model(X), y).backward()
        if style == "micrograd":
            for p in params:
                p.data -= lr * p.grad
        elif style == "pytorch":
            with mg.no_grad():
                for p in params:
                    p -= lr * p.grad
        elif style == "sub_":
            with mg.no_grad():
                for p in params:
                    p.sub_(p.grad, alpha=lr)
        else:
            opt.step()


def evaluate(model, X, y):
    """(loss, accuracy) of the model on the whole data set."""
    with mg.no_grad():
        logits = model(X)
        loss = mg.nn.BCEWithLogitsLoss()(logits, y).item()
    accuracy = np.mean((logits.numpy() > 0) == (y.numpy() > 0.5))
    return loss, accuracy


def compare(title, model, X, labels, lr, steps):
    """Train ``model`` once per style from its current parameters; True if
    every style ends bit-for-bit where optim.SGD does."""
    X = mg.tensor(X.astype(np.float32))
    y = mg.tensor(labels.astype(np.float32).reshape(-1, 1))     # (N, 1), like the logits
    start = model.state_dict()             # copies of the initial arrays
    print(f"{title}: {len(labels)} points, {steps} full-batch steps, lr {lr}")
    all_same, reference = True, None
    for style, update in STYLES.items():
        model.load_state_dict(start)       # every run starts from the same parameters
        train(model, X, y, lr, steps, style)
        final = model.state_dict()
        loss, accuracy = evaluate(model, X, y)
        if reference is None:              # the first style, sgd, is the reference
            reference, verdict = final, "(the reference)"
        else:
            try:
                for name in final:
                    np.testing.assert_array_equal(final[name], reference[name], strict=True,
                                                  err_msg=f"parameter {name}")
                verdict = "identical to optim.SGD: yes"
            except AssertionError as e:
                all_same, verdict = False, f"identical to optim.SGD: NO\n{e}"
        print(f"  {update:<40} loss {loss:.4f}  accuracy {accuracy:.3f}  {verdict}")
    return all_same


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="steps per run (default 300)")
    args = ap.parse_args(argv)

    # logistic regression: one linear layer; the sigmoid is inside the loss
    X, y = mg.datasets.make_blobs(200, centers=2, seed=0)
    same = compare("logistic regression on two blobs", mg.nn.Linear(2, 1, rng=0), X, y,
                   lr=0.1, steps=args.steps)
    print()
    X, y = mg.datasets.make_moons(200, noise=0.1, seed=0)
    mlp = mg.nn.Sequential(mg.nn.Linear(2, 16, rng=0), mg.nn.ReLU(), mg.nn.Linear(16, 1, rng=1))
    same = compare("MLP 2-16-1 (ReLU) on the moons", mlp, X, y, lr=0.3,
                   steps=args.steps) and same

    print("\nevery hand-written update matches optim.SGD bit for bit" if same
          else "\nSOME UPDATES DIFFER FROM optim.SGD")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
