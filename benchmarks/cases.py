"""The benchmark cases: minigrad beside hand-written numpy (forward and a
hand-derived gradient) and PyTorch eager when it is installed.

Every implementation returns the arrays it computed, so the harness can
check that they agree before timing them.
"""
from __future__ import annotations

import numpy as np

import minigrad as mg

from .harness import Case, Target


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


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
