"""PyTorch's "Learn the Basics" (tensors, autograd, build the model,
optimization), retold in our own words and run with minigrad in PyTorch's place.

    python examples/pytorch_basics.py            # import minigrad as torch
    python examples/pytorch_basics.py --torch    # the same code on PyTorch

Only the data differ from the tutorial: no torchvision, so the optimization
chapter trains on scikit-learn's bundled 8x8 digits (or, without
scikit-learn, on synthetic digits).  Lines starting with ``CHECK`` print a
value the same way under both frameworks; tests/test_pytorch_basics.py runs
this script under each and compares them.
"""
import sys

import numpy as np

if "--torch" in sys.argv:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
else:
    import minigrad as torch
    from minigrad import nn
    from minigrad.utils.data import DataLoader, TensorDataset


def check(label, value, values=True):
    """Print ``value`` in one framework-neutral line: shape, dtype and (for
    deterministic values) the numbers, rounded."""
    if hasattr(value, "shape"):
        arr = np.asarray(value.detach() if hasattr(value, "detach") else value)
        text = f"shape={tuple(arr.shape)} dtype={arr.dtype.name}"
        if values:
            text += f" values={np.round(arr.astype(np.float64), 4).tolist()}"
    else:
        text = str(value)
    print(f"CHECK {label}: " + text.replace("\n", " | "))


# ------------------------------------------------------------------ tensors

def chapter_tensors():
    print("== Tensors ==")
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    check("x_data", x_data)
    check("x_np", x_np)

    x_ones = torch.ones_like(x_data)                      # keeps x_data's shape and dtype
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)   # overrides the dtype
    print(f"Random Tensor: \n {x_rand} \n")
    check("x_ones", x_ones)
    check("x_rand", x_rand, values=False)

    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: \n {rand_tensor} \n")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")
    check("rand_tensor", rand_tensor, values=False)
    check("ones_tensor", ones_tensor)
    check("zeros_tensor", zeros_tensor)

    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    check("shape", tuple(tensor.shape))
    check("dtype", str(tensor.dtype).replace("torch.", ""))
    check("device", tensor.device)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    tensor = tensor.to(device)
    check("moved device", tensor.device)

    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    print(tensor)
    check("tensor", tensor)

    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)
    check("t1", t1)

    # three ways to the matrix product, and three to the elementwise one
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)                # out=: 20a / the ops' owner
    check("y1", y1)
    check("y2", y2)
    check("y3", y3)
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)                               # Tensor.mul: 20a
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    check("z1", z1)
    check("z2", z2)
    check("z3", z3)

    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    check("agg_item", agg_item)

    print(f"{tensor} \n")
    tensor.add_(5)
    print(tensor)
    check("add_", tensor)

    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)                                             # n shares t's memory
    print(f"t: {t}")
    print(f"n: {n}")
    check("n after t.add_", n)
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)                                   # and t shares n's
    print(f"t: {t}")
    check("t after np.add", t)


# ------------------------------------------------------------------ autograd

def chapter_autograd():
    print("== Autograd ==")
    x = torch.ones(5)                                     # input
    y = torch.zeros(3)                                    # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    check("z has grad_fn", z.grad_fn is not None)

    loss.backward()
    print(w.grad)
    print(b.grad)
    check("w.grad", w.grad, values=False)
    check("b.grad", b.grad, values=False)
    # the gradient in closed form: d loss / d z = (sigmoid(z) - y) / 3
    dz = (torch.sigmoid(z) - y).detach() / 3
    check("w.grad is x outer dz", bool(torch.allclose(w.grad, torch.outer(x, dz), atol=1e-6)))

    z = torch.matmul(x, w) + b
    check("requires_grad", z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    check("requires_grad under no_grad", z.requires_grad)
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    check("requires_grad after detach", z_det.requires_grad)

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()                            # Tensor.pow, Tensor.t: 20a
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\n{inp.grad}")
    check("first call", inp.grad)
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    check("second call", inp.grad)
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    check("after zeroing", inp.grad)


# --------------------------------------------------------------- the model

class NeuralNetwork(nn.Module):
    def __init__(self, side=28):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(side * side, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def chapter_build_model():
    print("== Build the Neural Network ==")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"Using {device} device")
    check("device", device)
    model = NeuralNetwork().to(device)
    print(model)
    check("model", repr(model))

    X = torch.rand(1, 28, 28, device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")
    check("logits", logits, values=False)
    check("y_pred", y_pred, values=False)

    input_image = torch.rand(3, 28, 28)
    print(input_image.size())                             # Tensor.size(): 20a
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    print(flat_image.size())
    check("flat_image", flat_image, values=False)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    hidden1 = layer1(flat_image)
    print(hidden1.size())
    check("hidden1", hidden1, values=False)
    print(f"Before ReLU: {hidden1}\n\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")
    check("relu is non-negative", bool((hidden1 >= 0).all()))

    seq_modules = nn.Sequential(
        flatten,
        layer1,
        nn.ReLU(),
        nn.Linear(20, 10),
    )
    input_image = torch.rand(3, 28, 28)
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)
    check("pred_probab", pred_probab, values=False)
    check("rows sum to 1", bool(torch.allclose(pred_probab.sum(1), torch.ones(3))))

    print(f"Model structure: {model}\n\n")
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
        check(name, param, values=False)


# ------------------------------------------------------------ optimization

def digits():
    """(X, y): scikit-learn's 8x8 digits scaled to [0, 1], else synthetic ones."""
    try:
        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
    except ImportError:                                   # pragma: no cover
        rng = np.random.default_rng(0)
        y = rng.integers(0, 10, 1797)
        X = (rng.random((1797, 64)) < 0.3) * 8 + y[:, None] % 8
    return (X.reshape(-1, 8, 8) / 16.0).astype(np.float32), y.astype(np.int64)


def same_start(model):
    """Parameters drawn from numpy, so both frameworks start alike (the
    tutorial leaves them to torch's generator)."""
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for p in model.parameters():
            bound = 1.0 / np.sqrt(p.shape[-1])
            p.copy_(torch.tensor(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))


def train_loop(dataloader, model, loss_fn, optimizer, batch_size):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 10 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")
            check(f"loss at {current}", round(loss, 3))


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    check("accuracy", f"{100 * correct:.1f}")
    return correct


def chapter_optimization(epochs=5):
    print("== Optimizing Model Parameters ==")
    X, y = digits()
    training_data = TensorDataset(torch.tensor(X[:1500]), torch.tensor(y[:1500]))
    test_data = TensorDataset(torch.tensor(X[1500:]), torch.tensor(y[1500:]))
    learning_rate = 1e-1
    batch_size = 64
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)

    model = NeuralNetwork(side=8)
    same_start(model)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    print(optimizer)
    check("optimizer", type(optimizer).__name__)
    for t in range(epochs):
        print(f"Epoch {t + 1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer, batch_size)
        correct = test_loop(test_dataloader, model, loss_fn)
    print("Done!")
    return correct


CHAPTERS = {"tensors": chapter_tensors, "autograd": chapter_autograd,
            "build_model": chapter_build_model, "optimization": chapter_optimization}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    names = [a for a in argv if not a.startswith("--")] or list(CHAPTERS)
    for name in names:
        CHAPTERS[name]()


if __name__ == "__main__":
    main()
