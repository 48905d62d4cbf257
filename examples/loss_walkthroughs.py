"""The BCE and CCE walkthroughs (TensorFlow, Keras, PyTorch and numpy), step by
step, in minigrad.

BCE (a TensorFlow/Keras walkthrough): y = [0, 1, 0, 0], p = [0.1, 0.95, 0.2, 0.6]
-> 0.3240220233084354, and why tf.keras printed 0.3240218758583069.  CCE (a
Keras walkthrough on the PyTorch backend): three samples, four classes ->
[0.2231..., 0.6931..., 0.3566...].  Each with its gradient.

    python examples/loss_walkthroughs.py
"""
import numpy as np

import minigrad as mg
from minigrad import formulas


def show(label, t):
    value = np.asarray(t.numpy() if isinstance(t, mg.Tensor) else t)
    text = repr(float(value)) if value.ndim == 0 else np.array2string(
        value, precision=8, prefix=" " * 45, max_line_width=130)
    print(f"  {label:<42} {text}")


def bce():
    print("Binary cross-entropy, step by step (the TensorFlow/Keras walkthrough's example)")
    y_true = mg.tensor(np.array([0, 1, 0, 0]))
    y_pred = mg.tensor(np.array([0.1, 0.95, 0.2, 0.6]), requires_grad=True)
    ones = y_true * mg.log(y_pred)
    zeros = (1 - y_true) * mg.log(1 - y_pred)
    show("log(y_pred)", mg.log(y_pred))
    show("y_true * log(y_pred)", ones)
    show("sum(y_true * log(y_pred))", ones.sum())
    show("log(1 - y_pred)", mg.log(1 - y_pred))
    show("(1 - y_true) * log(1 - y_pred)", zeros)
    show("sum((1 - y_true) * log(1 - y_pred))", zeros.sum())
    total = ones.sum() + zeros.sum()
    show("sum of both", total)
    loss = -total / len(y_true)
    show("-1/N * sum: the loss", loss)
    loss.backward()
    show("d loss / d y_pred = (p - y) / (N p (1 - p))", y_pred.grad)

    p = np.array([0.1, 0.95, 0.2, 0.6])
    print("\n  The same numbers from the frameworks' losses:")
    y, p64, p32 = mg.tensor(np.array([0.0, 1, 0, 0])), mg.tensor(p), mg.tensor(p, dtype="float32")
    show("Keras 3 BinaryCrossentropy, float64", mg.losses.BinaryCrossentropy()(y, p64))
    show("Keras 3 BinaryCrossentropy, float32", mg.losses.BinaryCrossentropy()(y, p32))
    tf2 = formulas.binary_crossentropy(y.astype("float32"), p32, clip=1e-7, log_eps=1e-7).mean()
    show("tf.keras 2.x (eps inside the log), float32", tf2)
    print(f"  {'':<42} (the walkthrough's TensorFlow number: eps added inside each log")
    print(f"  {'':<42}  changes the 7th significant digit)")
    show("PyTorch BCELoss", mg.nn.BCELoss()(p64, y))


def cce():
    print("\nCategorical cross-entropy, per sample (the Keras walkthrough's example)")
    y_true = mg.tensor(np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float))
    y_pred = mg.tensor(np.array([[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1],
                                 [0.1, 0.1, 0.1, 0.7]]), requires_grad=True)
    show("log(y_pred) at the true class", (y_true * mg.log(y_pred)).sum(dim=1))
    per_sample = mg.losses.categorical_crossentropy(y_true, y_pred)
    show("Keras categorical_crossentropy", per_sample)
    show("-log([0.8, 0.5, 0.7])", -np.log([0.8, 0.5, 0.7]))
    show("sparse labels [0, 1, 3]", mg.losses.sparse_categorical_crossentropy([0, 1, 3], y_pred))
    per_sample.sum().backward()
    print("  gradient of the summed loss: -y/p, plus sum(y)/sum(p) from Keras's renormalisation")
    show("d loss / d y_pred", y_pred.grad)


if __name__ == "__main__":
    bce()
    cce()
