"""Train an MLP on the moons eagerly and with mg.compile: the same bits.

Two copies of the same MLP (2-32-32-1, ReLU, BCE from logits, Adam) start
from the same weights and see the same mini-batches.  One runs its step
eagerly; the other runs ``mg.compile(step)``, which runs the step's Python at
every call and its backward pass and Adam update as numpy code recorded the
first time each shape was seen.  The script checks
that both end with bit-for-bit identical parameters and Adam state, prints
both timings and the compiled step's code, and exits with status 1 if
anything differs.

    python examples/compiled_training.py [--epochs 30] [--batch 64] [--no-code]
"""
import argparse
import sys
import time

import numpy as np

import minigrad as mg


def make_model():
    """The MLP, its optimizer and one training step (zero_grad, loss, backward, step)."""
    model = mg.nn.Sequential(mg.nn.Linear(2, 32, rng=0), mg.nn.ReLU(),
                             mg.nn.Linear(32, 32, rng=1), mg.nn.ReLU(),
                             mg.nn.Linear(32, 1, rng=2))
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = mg.nn.BCEWithLogitsLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def batches(X, y, batch, epochs):
    """The same shuffled mini-batches for both runs (full batches only)."""
    rng = np.random.default_rng(0)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(0, len(X) - batch + 1, batch):
            idx = order[i:i + batch]
            yield mg.tensor(X[idx]), mg.tensor(y[idx])


def train(step, X, y, batch, epochs):
    """Run ``step`` over the batches; the last loss and the seconds taken."""
    start = time.perf_counter()
    for xb, yb in batches(X, y, batch, epochs):
        loss = step(xb, yb)
    return loss.item(), time.perf_counter() - start


def same(model_a, opt_a, model_b, opt_b):
    """Whether the parameters and Adam's state agree bit for bit."""
    for pa, pb in zip(model_a.parameters(), model_b.parameters()):
        if not np.array_equal(pa.numpy(), pb.numpy()):
            return False
        state_a, state_b = opt_a.state[pa], opt_b.state[pb]
        if any(not np.array_equal(state_a[k], state_b[k]) for k in state_a):
            return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--no-code", action="store_true", help="do not print the code")
    args = parser.parse_args(argv)
    X, y = mg.datasets.make_moons(1024, noise=0.15, seed=0)
    X, y = X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)

    eager_model, eager_opt, eager_step = make_model()
    compiled_model, compiled_opt, step = make_model()
    compiled_step = mg.compile(step)
    eager_loss, eager_s = train(eager_step, X, y, args.batch, args.epochs)
    compiled_loss, compiled_s = train(compiled_step, X, y, args.batch, args.epochs)
    steps = args.epochs * (len(X) // args.batch)
    print(f"{steps} Adam steps on the moons, batch {args.batch}")
    print(f"eager:    final loss {eager_loss:.6f}, {eager_s:.2f} s "
          f"({eager_s / steps * 1e6:.0f} us per step)")
    print(f"compiled: final loss {compiled_loss:.6f}, {compiled_s:.2f} s "
          f"({compiled_s / steps * 1e6:.0f} us per step, {compiled_step.traces} recorded passes)")
    identical = same(eager_model, eager_opt, compiled_model, compiled_opt) \
        and eager_loss == compiled_loss
    print("parameters and Adam state after training: "
          + ("identical, bit for bit" if identical else "DIFFERENT"))
    if not args.no_code:
        print("\nThe compiled step's code (what every call runs for backward() and opt.step()):\n")
        print(compiled_step.code)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
