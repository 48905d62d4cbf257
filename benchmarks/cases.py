"""The benchmark cases: minigrad beside hand-written numpy (forward and a
hand-derived gradient) and PyTorch eager when it is installed.

Every implementation returns the arrays it computed, so the harness can
check that they agree before timing them.
"""
from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

import numpy as np

import minigrad as mg
from minigrad import engine

from .harness import Case, Target


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _jax():
    try:
        import jax
    except ImportError:
        return None
    return jax


def jax_step(loss, params, data):
    """A ``jax.jit``-compiled SGD step of ``loss(params, *data)`` from
    ``params`` (as the others, each run starts from the same parameters):
    returns the loss and the updated parameters."""
    jax = _jax()
    params = [jax.numpy.asarray(p) for p in params]
    data = [jax.numpy.asarray(d) for d in data]

    @jax.jit
    def step(params, data):
        value, grads = jax.value_and_grad(loss)(params, *data)
        return [value] + [p - LR * g for p, g in zip(params, grads)]

    def run():
        return jax.block_until_ready(step(params, data))
    run.separate = True         # timed by itself: interleaved, XLA's runtime slows the others
    return run


def _bce_logits_jax(z, y):
    jnp = _jax().numpy
    return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))


# ---------------------------------------------------------------------------
# (a) per-op overhead: a chain of 400 elementwise ops on an 8-element array

CHAIN_LINKS = 100  # each link is 4 ops: mul, add, sigmoid, log


def _chain_inputs(dtype):
    rng = np.random.default_rng(0)
    return (rng.uniform(0.5, 1.5, 8).astype(dtype), np.full(8, 0.9, dtype),
            np.full(8, 0.1, dtype))


def chain_minigrad(x0, a0, b0, links):
    def run():
        x = mg.tensor(x0, requires_grad=True)
        a = mg.tensor(a0, requires_grad=True)
        b = mg.tensor(b0, requires_grad=True)
        h = x
        for _ in range(links):
            h = mg.log(mg.sigmoid(h * a + b))
        h.sum().backward()
        return x.grad.numpy(), a.grad.numpy(), b.grad.numpy()
    return run


def chain_numpy(x0, a0, b0, links):
    def run():
        h, saved = x0, []
        for _ in range(links):
            s = 1.0 / (1.0 + np.exp(-(h * a0 + b0)))
            saved.append((h, s))
            h = np.log(s)
        g = np.ones_like(x0)
        ga, gb = np.zeros_like(a0), np.zeros_like(b0)
        for h, s in reversed(saved):
            g = g / s                 # log
            g = g * (1 - s) * s       # sigmoid
            gb = gb + g               # add
            ga = ga + g * h           # mul
            g = g * a0
        return g, ga, gb
    return run


def chain_torch(x0, a0, b0, links):
    torch = _torch()

    def run():
        x = torch.tensor(x0, requires_grad=True)
        a = torch.tensor(a0, requires_grad=True)
        b = torch.tensor(b0, requires_grad=True)
        h = x
        for _ in range(links):
            h = torch.log(torch.sigmoid(h * a + b))
        h.sum().backward()
        return x.grad.numpy(), a.grad.numpy(), b.grad.numpy()
    return run


def build_chain(dtype):
    def build(size):
        links = CHAIN_LINKS if size == "full" else 5
        args = _chain_inputs(dtype) + (links,)
        impls = {"minigrad": chain_minigrad(*args), "numpy": chain_numpy(*args)}
        if _torch() is not None:
            impls["torch"] = chain_torch(*args)
        return impls
    return build


CASES = [
    Case("a", "per-op overhead: 400 elementwise ops (mul, add, sigmoid, log) on 8 float64, "
         "forward + backward, per op", build_chain(np.float64),
         [Target("minigrad", "torch", 0.8)], unit="us", per=4 * CHAIN_LINKS, rtol=1e-9,
         repeats=41),
]


# ---------------------------------------------------------------------------
# (b) a logistic-regression training step: forward, BCE from logits,
#     backward, SGD update

def _lr_data(n, d, dtype):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d)).astype(dtype)
    y = (rng.random(n) < 0.5).astype(dtype)
    w0 = (rng.standard_normal(d) * 0.1).astype(dtype)
    return X, y, w0


LR = 0.1


def _numba():
    """Whether the fused backend (numba) can run here."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def _with_fused(impls, make):
    """``impls`` with the fused (``backend="numba"``) step, where numba is installed."""
    if _numba():
        impls["fused"] = make()
    return impls


def linear_minigrad(X, target, W0, loss_fn, compiled=False):
    """One SGD step of ``loss_fn(X @ W + b, target)`` in minigrad, from W0 and b = 0.

    The data is wrapped once, sharing X's memory as ``torch.from_numpy`` does
    for PyTorch (``mg.tensor`` would copy it: a second 13-40 MB array that
    competes with the others' X for the cache)."""
    Xt = mg.from_numpy(X)
    b0 = np.zeros(W0.shape[1:], X.dtype)
    W = mg.tensor(W0.copy(), requires_grad=True)
    b = mg.tensor(b0.copy(), requires_grad=True)
    return sgd_step([W, b], [W0, b0], lambda: loss_fn(Xt @ W + b, target), compiled)


def sgd_step(ps, params, loss_of, compiled=False):
    """One minigrad SGD step as a benchmark run: the parameters ``ps`` reset
    to copies of ``params``, ``loss_of()``, backward, the update (eagerly, or
    by ``mg.compile``: ``compiled`` True or a backend's name); returns the
    loss and the updated parameters, for the agreement check."""
    opt = mg.optim.SGD(ps, lr=LR)

    def step():
        opt.zero_grad()
        loss = loss_of()
        loss.backward()
        opt.step()
        return loss
    if compiled:
        step = mg.compile(step, backend=compiled if isinstance(compiled, str) else "numpy")

    def run():
        for p, p0 in zip(ps, params):
            p.data = p0.copy()
        loss = step()
        return [loss.numpy()] + [p.numpy() for p in ps]
    if compiled:
        run.held = lambda: step.held_bytes
    return run


def linear_torch(X, target, W0, loss_fn):
    """The same step in PyTorch."""
    torch = _torch()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(target)
    W = torch.tensor(W0.copy(), requires_grad=True)
    b = torch.zeros(W0.shape[1:], dtype=W.dtype, requires_grad=True)
    opt = torch.optim.SGD([W, b], lr=LR)

    def run():
        with torch.no_grad():
            W.copy_(torch.from_numpy(W0))
            b.zero_()
        opt.zero_grad()
        loss = loss_fn(Xt @ W + b, yt)
        loss.backward()
        opt.step()
        return loss.detach().numpy(), W.detach().numpy(), b.detach().numpy()
    return run


def lr_numpy(X, y, w0):
    n = len(y)

    def run():
        w, b = w0.copy(), np.zeros((), X.dtype)
        z = X @ w + b
        # the stable BCE-from-logits formula (TensorFlow's)
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        g = (1 / (1 + np.exp(-z)) - y) / n
        w -= LR * (X.T @ g)         # in place, as an optimizer updates
        b -= LR * g.sum()
        return loss, w, b
    return run


def lr_jax(X, y, w0):
    def loss(params, X, y):
        w, b = params
        return _bce_logits_jax(X @ w + b, y)
    return jax_step(loss, [w0, np.zeros((), X.dtype)], [X, y])


def build_lr(n, d, tiny=(50, 5)):
    def build(size):
        X, y, w0 = _lr_data(*((n, d) if size == "full" else tiny), np.float32)
        impls = {"minigrad": linear_minigrad(X, mg.from_numpy(y), w0, mg.nn.BCEWithLogitsLoss()),
                 "compiled": linear_minigrad(X, mg.from_numpy(y), w0,
                                             mg.nn.BCEWithLogitsLoss(), compiled=True),
                 "numpy": lr_numpy(X, y, w0)}
        _with_fused(impls, lambda: linear_minigrad(X, mg.from_numpy(y), w0,
                                                   mg.nn.BCEWithLogitsLoss(), compiled="numba"))
        if _torch() is not None:
            impls["torch"] = linear_torch(X, y, w0, _torch().nn.BCEWithLogitsLoss())
        if _jax() is not None:
            impls["jax.jit"] = lr_jax(X, y, w0)
        return impls
    return build


# ---------------------------------------------------------------------------
# (c) a softmax-regression step: 4096 x 784 -> 10 classes, sparse CE from logits

def _softmax_data(n, d, c):
    rng = np.random.default_rng(2)
    X = rng.random((n, d), dtype=np.float32)
    y = rng.integers(0, c, n)
    W0 = (rng.standard_normal((d, c)) * 0.01).astype(np.float32)
    return X, y, W0


def softmax_numpy(X, y, W0):
    n, c = len(y), W0.shape[1]
    rows = np.arange(n)

    def run():
        W, b = W0.copy(), np.zeros(c, np.float32)
        z = X @ W + b
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        s = e.sum(1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) - z[rows, y])
        g = e / s
        g[rows, y] -= 1
        g /= n
        W -= LR * (X.T @ g)         # in place, as an optimizer updates
        b -= LR * g.sum(0)
        return loss, W, b
    return run


def softmax_jax(X, y, W0):
    jax = _jax()

    def loss(params, X, y):
        W, b = params
        logp = jax.nn.log_softmax(X @ W + b, axis=1)
        return -jax.numpy.mean(jax.numpy.take_along_axis(logp, y[:, None], axis=1))
    return jax_step(loss, [W0, np.zeros(W0.shape[1], np.float32)], [X, y])


def build_softmax(size):
    X, y, W0 = _softmax_data(*((4096, 784, 10) if size == "full" else (64, 20, 4)))
    impls = {"minigrad": linear_minigrad(X, y, W0, mg.nn.CrossEntropyLoss()),
             "compiled": linear_minigrad(X, y, W0, mg.nn.CrossEntropyLoss(), compiled=True),
             "numpy": softmax_numpy(X, y, W0)}
    _with_fused(impls, lambda: linear_minigrad(X, y, W0, mg.nn.CrossEntropyLoss(),
                                               compiled="numba"))
    if _torch() is not None:
        impls["torch"] = linear_torch(X, y, W0, _torch().nn.CrossEntropyLoss())
    if _jax() is not None:
        impls["jax.jit"] = softmax_jax(X, y, W0)
    return impls


# ---------------------------------------------------------------------------
# (d) an MLP step: 2-64-64-1, ReLU, batch 256, BCE from logits, SGD

def _mlp_data(batch, hidden):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((batch, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(np.float32)
    params = []
    for fan_in, fan_out in ((2, hidden), (hidden, hidden), (hidden, 1)):
        k = 1 / np.sqrt(fan_in)
        params += [rng.uniform(-k, k, (fan_in, fan_out)).astype(np.float32),
                   rng.uniform(-k, k, fan_out).astype(np.float32)]
    return X, y, params


def mlp_minigrad(X, y, params, compiled=False):
    Xt, yt = mg.from_numpy(X), mg.from_numpy(y)
    ps = [mg.tensor(p.copy(), requires_grad=True) for p in params]
    loss_fn = mg.nn.BCEWithLogitsLoss()

    def loss_of():
        W1, b1, W2, b2, W3, b3 = ps
        h = mg.relu(Xt @ W1 + b1)
        h = mg.relu(h @ W2 + b2)
        return loss_fn((h @ W3 + b3).reshape(-1), yt)
    return sgd_step(ps, params, loss_of, compiled)


def mlp_numpy(X, y, params):
    n = len(y)

    def run():
        W1, b1, W2, b2, W3, b3 = (p.copy() for p in params)
        a1 = X @ W1 + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ W2 + b2
        h2 = np.maximum(a2, 0)
        z = (h2 @ W3 + b3)[:, 0]
        loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
        gz = ((1 / (1 + np.exp(-z)) - y) / n)[:, None]
        gW3, gb3 = h2.T @ gz, gz.sum(0)
        g2 = (gz @ W3.T) * (a2 > 0)
        gW2, gb2 = h1.T @ g2, g2.sum(0)
        g1 = (g2 @ W2.T) * (a1 > 0)
        gW1, gb1 = X.T @ g1, g1.sum(0)
        new = (W1, b1, W2, b2, W3, b3)
        for p, g in zip(new, (gW1, gb1, gW2, gb2, gW3, gb3)):
            p -= LR * g             # in place, as an optimizer updates
        return [loss, *new]
    return run


def mlp_torch(X, y, params):
    torch = _torch()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    ps = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = torch.optim.SGD(ps, lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def run():
        with torch.no_grad():
            for p, p0 in zip(ps, params):
                p.copy_(torch.from_numpy(p0))
        opt.zero_grad()
        W1, b1, W2, b2, W3, b3 = ps
        h = torch.relu(Xt @ W1 + b1)
        h = torch.relu(h @ W2 + b2)
        loss = loss_fn((h @ W3 + b3).reshape(-1), yt)
        loss.backward()
        opt.step()
        return [loss.detach().numpy()] + [p.detach().numpy() for p in ps]
    return run


def mlp_jax(X, y, params):
    jnp = _jax().numpy

    def loss(params, X, y):
        W1, b1, W2, b2, W3, b3 = params
        h = jnp.maximum(X @ W1 + b1, 0)
        h = jnp.maximum(h @ W2 + b2, 0)
        return _bce_logits_jax((h @ W3 + b3)[:, 0], y)
    return jax_step(loss, params, [X, y])


def build_mlp(size):
    args = _mlp_data(*((256, 64) if size == "full" else (16, 8)))
    impls = {"minigrad": mlp_minigrad(*args), "compiled": mlp_minigrad(*args, compiled=True),
             "numpy": mlp_numpy(*args)}
    _with_fused(impls, lambda: mlp_minigrad(*args, compiled="numba"))
    if _torch() is not None:
        impls["torch"] = mlp_torch(*args)
    if _jax() is not None:
        impls["jax.jit"] = mlp_jax(*args)
    return impls


# ---------------------------------------------------------------------------
# (e) backward through a long chain: time per length, and peak memory

def _long_chain(n):
    x = mg.tensor(np.linspace(0.5, 1.5, 8), requires_grad=True)

    def run():
        x.grad = None
        h = x
        for _ in range(n):
            h = h * 1.0001
        t0 = time.perf_counter()
        h.sum().backward()
        return time.perf_counter() - t0, x.grad.numpy()
    return run


def measure_chain(impls, size):
    """Median backward seconds for 10,000 and 100,000 ops, their ratio, and
    the peak memory of the longer run (tracemalloc, forward + backward)."""
    lengths = (10_000, 100_000) if size == "full" else (100, 1000)
    reps = 5 if size == "full" else 1
    out = {}
    for n in lengths:
        run = _long_chain(n)
        run()
        out[f"backward {n:,} ops (s)"] = statistics.median(run()[0] for _ in range(reps))
    gc.collect()
    tracemalloc.start()
    _long_chain(lengths[1])()
    out[f"peak memory {lengths[1]:,} ops (MB)"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    out["time ratio"] = out[f"backward {lengths[1]:,} ops (s)"] / out[
        f"backward {lengths[0]:,} ops (s)"]
    return out


def build_chain_long(size):
    n = 100 if size != "full" else 1000
    x0 = np.linspace(0.5, 1.5, 8)

    def check():
        x = mg.tensor(x0, requires_grad=True)
        h = x
        for _ in range(n):
            h = h * 1.0001
        h.sum().backward()
        return (x.grad.numpy(),)

    return {"minigrad": check, "closed form": lambda: (np.full(8, 1.0001 ** n),)}


# ---------------------------------------------------------------------------
# (f) peak memory of the large logistic-regression step

def measure_peak_memory(impls, size):
    """Peak memory of one step (tracemalloc), in MB; a compiled step's also
    counts the buffers and constants it keeps between steps."""
    out = {}
    for name in ("minigrad", "compiled", "fused", "numpy"):
        run = impls.get(name)
        if run is None:
            continue
        run()
        gc.collect()
        tracemalloc.start()
        run()
        out[name] = (tracemalloc.get_traced_memory()[1] + getattr(run, "held", lambda: 0)()) / 1e6
        tracemalloc.stop()
    return out


# ---------------------------------------------------------------------------
# (g) a digits-CNN step: Conv2d(1, 16, 3, padding=1), ReLU, MaxPool2d(2),
#     Flatten, Linear(256, 10), cross-entropy, SGD; batch 256 of 8 x 8 images

def _cnn_data(batch):
    rng = np.random.default_rng(7)
    X = rng.random((batch, 1, 8, 8), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    k1, k2 = 1 / np.sqrt(9), 1 / np.sqrt(256)
    params = [rng.uniform(-k1, k1, (16, 1, 3, 3)).astype(np.float32),
              rng.uniform(-k1, k1, 16).astype(np.float32),
              rng.uniform(-k2, k2, (10, 256)).astype(np.float32),
              rng.uniform(-k2, k2, 10).astype(np.float32)]
    return X, y, params


def cnn_minigrad(X, y, params, compiled=False):
    nn = mg.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=0), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 10, rng=0))
    ps = [model[0].weight, model[0].bias, model[4].weight, model[4].bias]
    Xt, yt = mg.from_numpy(X), mg.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()
    return sgd_step(ps, params, lambda: loss_fn(model(Xt), yt), compiled)


def cnn_numpy(X, y, params):
    """Forward with im2col (stride tricks) + matmul, backward by hand."""
    n = len(y)
    rows = np.arange(n)

    def run():
        W1, b1, W2, b2 = (p.copy() for p in params)
        # conv 3 x 3, padding 1: im2col columns (n, 9, 64), then one matmul
        xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
        sn, sc, sh, sw = xp.strides
        win = np.lib.stride_tricks.as_strided(xp, (n, 1, 3, 3, 8, 8),
                                              (sn, sc, sh, sw, sh, sw))
        cols = win.reshape(n, 9, 64)
        a = W1.reshape(16, 9) @ cols + b1[:, None]             # (n, 16, 64)
        h = np.maximum(a, 0)
        # 2 x 2 max pool: windows on the last axis, argmax kept for backward
        hw = h.reshape(n, 16, 4, 2, 4, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 16, 4, 4, 4)
        idx = hw.argmax(-1)
        pooled = np.take_along_axis(hw, idx[..., None], -1)[..., 0]
        f = pooled.reshape(n, 256)
        z = f @ W2.T + b2
        # cross-entropy (mean) and its gradient
        z = z - z.max(1, keepdims=True)
        e = np.exp(z)
        s = e.sum(1, keepdims=True)
        loss = np.mean(np.log(s[:, 0]) - z[rows, y])
        g = e / s
        g[rows, y] -= 1
        g /= n
        gW2, gb2 = g.T @ f, g.sum(0)
        gp = (g @ W2).reshape(n, 16, 4, 4)
        # max pool backward: the gradient to each window's argmax
        ghw = np.zeros((n, 16, 4, 4, 4), np.float32)
        np.put_along_axis(ghw, idx[..., None], gp[..., None], -1)
        gh = ghw.reshape(n, 16, 4, 4, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, 16, 64)
        ga = gh * (a > 0)
        gW1 = (ga @ cols.transpose(0, 2, 1)).sum(0).reshape(W1.shape)
        gb1 = ga.sum((0, 2))
        for p, gp_ in zip((W1, b1, W2, b2), (gW1, gb1, gW2, gb2)):
            p -= LR * gp_
        return [loss, W1, b1, W2, b2]
    return run


def cnn_torch(X, y, params):
    torch = _torch()
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 10))
    ps = [model[0].weight, model[0].bias, model[4].weight, model[4].bias]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.SGD(ps, lr=LR)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        with torch.no_grad():
            for p, p0 in zip(ps, params):
                p.copy_(torch.from_numpy(p0))
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        return [loss.detach().numpy()] + [p.detach().numpy() for p in ps]
    return run


def build_cnn(size):
    args = _cnn_data(256 if size == "full" else 8)
    impls = {"minigrad": cnn_minigrad(*args), "numpy": cnn_numpy(*args)}
    _with_fused(impls, lambda: cnn_minigrad(*args, compiled="numba"))
    if _torch() is not None:
        impls["torch"] = cnn_torch(*args)
    return impls


# ---------------------------------------------------------------------------
# anomaly detection when off: the chain as shipped and with the mode test switched off

def build_anomaly(size):
    """The chain of (a) as shipped, with the engine's mode test switched off
    by its module flag (``engine.MODE_CHECKS``), and with anomaly mode on."""
    args = _chain_inputs(np.float64) + (CHAIN_LINKS if size == "full" else 5,)
    plain = chain_minigrad(*args)

    def without_checks():
        engine.MODE_CHECKS = False
        try:
            return plain()
        finally:
            engine.MODE_CHECKS = True

    def on():
        with mg.detect_anomaly():
            return plain()

    return {"off (as shipped)": plain, "mode test off (flag)": without_checks, "on": on}


CASES += [
    Case("a32", "per-op overhead: the same chain on 8 float32", build_chain(np.float32),
         [Target("minigrad", "torch", 0.8)], unit="us", per=4 * CHAIN_LINKS, rtol=1e-4,
         repeats=41),
    Case("b-small", "logistic-regression step (BCE from logits, SGD), 64 x 20",
         build_lr(64, 20), [Target("minigrad", "torch", 0.8), Target("compiled", "numpy", 1.0),
                            Target("fused", "numpy", 0.8), Target("fused", "jax.jit", 1.0)],
         unit="us", rtol=1e-5, repeats=201),
    Case("b-large", "logistic-regression step (BCE from logits, SGD), 100,000 x 100",
         build_lr(100_000, 100), [Target("minigrad", "numpy", 1.10),
                                  Target("compiled", "numpy", 1.0), Target("fused", "numpy", 0.8),
                                  Target("fused", "jax.jit", 1.0)],
         unit="ms", rtol=1e-4, repeats=21),
    Case("c", "softmax-regression step, 4,096 x 784 -> 10 classes, sparse CE from logits",
         build_softmax, [Target("minigrad", "numpy", 1.10), Target("minigrad", "torch", 1.0),
                         Target("compiled", "numpy", 1.0), Target("fused", "numpy", 0.8),
                         Target("fused", "jax.jit", 1.25)],
         unit="ms", rtol=1e-4, repeats=21),
    Case("d", "MLP step 2-64-64-1 (ReLU), batch 256, BCE from logits, SGD",
         build_mlp, [Target("minigrad", "numpy", 1.10), Target("minigrad", "torch", 1.0),
                     Target("compiled", "numpy", 0.90), Target("compiled", "jax.jit", 1.0),
                     Target("fused", "numpy", 0.70), Target("fused", "jax.jit", 1.0)],
         unit="us", rtol=1e-4, repeats=101),
    Case("e", "backward through 10,000 and 100,000 chained ops; peak memory",
         build_chain_long, [Target("time ratio", None, 12.0)],
         unit="", rtol=1e-9, measure=measure_chain),
    Case("f", "peak memory of the 100,000 x 100 logistic-regression step (tracemalloc)",
         build_lr(100_000, 100), [Target("minigrad", "numpy", 1.5, what="memory"),
                                  Target("compiled", "numpy", 1.0, what="memory"),
                                  Target("fused", "numpy", 1.0, what="memory")],
         unit="MB", rtol=1e-4, measure=measure_peak_memory),
    Case("g", "digits-CNN step: Conv2d(1,16,3,pad 1), ReLU, MaxPool2d(2), Linear(256,10), "
         "CE, SGD; batch 256 of 1x8x8", build_cnn,
         [Target("minigrad", "numpy", 1.3), Target("minigrad", "torch", 1.5),
          Target("fused", "numpy", 0.8)],
         unit="ms", rtol=1e-4, repeats=101),
    Case("g-mem", "peak memory of the digits-CNN step of (g) (tracemalloc)", build_cnn,
         [Target("minigrad", "numpy", 2.0, what="memory")], unit="MB", rtol=1e-4,
         measure=measure_peak_memory),
    Case("anomaly", "detect_anomaly off: the chain of (a) as shipped and with the mode test off",
         build_anomaly, [Target("off (as shipped)", "mode test off (flag)", 1.03)], unit="us",
         per=4 * CHAIN_LINKS, rtol=1e-12, repeats=101),
]
