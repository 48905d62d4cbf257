"""Where a fused step's time goes, and what bounds it:
``python -m benchmarks.bounds [--tiny] [--only b-small,d] [--json PATH]``.

For each case with a fused target (issue 22: b-small, b-large, c, d, g), in
one process, single-threaded as ``python -m benchmarks``:

* **steps**: the fused step (``backend="numba"``), hand-written numpy and
  jax.jit, interleaved, median of repeats; the targets in microseconds.
* **parts** of the fused step (each part's median over the calls of a
  second, instrumented run): the *forward* (from the call to ``backward()``:
  your Python and its ops, run eagerly, as the compile contract says they
  run at every call), the *backward* pass and the *update* (each: the
  compiled code, and the bookkeeping around it that finds and checks it),
  and the *rest* (the benchmark's reset of the parameters, the return).
* **products**: each of the step's matrix products timed alone as one numpy
  call on contiguous operands (BLAS, one thread): what any step that calls
  BLAS for them pays, split into the forward's and the backward's.
* **python**: the same fused step with every size 1 (the CNN: a batch of
  one), where the math costs next to nothing: the step's Python, the ops'
  dispatch and the compiled calls.

The floor of this design is ``forward + backward products``: the forward
runs eagerly at every call, and the backward cannot beat BLAS.  No timing is
asserted anywhere; the tests run this at tiny sizes as a smoke test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from . import cases
from .harness import machine_info, time_interleaved

import numpy as np  # noqa: E402 - after the package set the thread counts

CASE_NAMES = ("b-small", "b-large", "c", "d", "g")
TARGETS = {   # case -> (ratio to numpy, ratio to jax.jit or None): issue 22's table
    "b-small": (0.80, 1.00), "b-large": (0.80, 1.00), "c": (0.80, 1.25),
    "d": (0.70, 1.00), "g": (0.80, None)}
SIZES = {     # case -> (full size, tiny size), in the builders' arguments
    "b-small": ((64, 20), (8, 3)), "b-large": ((100_000, 100), (50, 5)),
    "c": ((4096, 784, 10), (64, 20, 4)), "d": ((256, 64), (16, 8)), "g": ((256,), (8,))}
ONE = {"b-small": (1, 1), "b-large": (1, 1), "c": (1, 1, 2), "d": (1, 1), "g": (1,)}


# ------------------------------------------------------------------ the steps

def _steps(name, size, backends=("numba",)):
    """``{impl: run}``: minigrad's compiled steps (one per backend), and at
    ``"full"`` or ``"tiny"`` size numpy's and jax.jit's, for case ``name``."""
    args = SIZES[name][0 if size == "full" else 1] if size in ("full", "tiny") else ONE[name]
    if name in ("b-small", "b-large"):
        X, y, w0 = cases._lr_data(*args, np.float32)
        make = lambda b: cases.linear_minigrad(X, cases.mg.from_numpy(y), w0,  # noqa: E731
                                               cases.mg.nn.BCEWithLogitsLoss(), compiled=b)
        others = {"numpy": lambda: cases.lr_numpy(X, y, w0), "jax.jit": lambda: cases.lr_jax(X, y, w0)}
    elif name == "c":
        X, y, W0 = cases._softmax_data(*args)
        make = lambda b: cases.linear_minigrad(X, y, W0, cases.mg.nn.CrossEntropyLoss(),  # noqa: E731
                                               compiled=b)
        others = {"numpy": lambda: cases.softmax_numpy(X, y, W0),
                  "jax.jit": lambda: cases.softmax_jax(X, y, W0)}
    elif name == "d":
        data = cases._mlp_data(*args)
        make = lambda b: cases.mlp_minigrad(*data, compiled=b)  # noqa: E731
        others = {"numpy": lambda: cases.mlp_numpy(*data), "jax.jit": lambda: cases.mlp_jax(*data)}
    else:
        data = cases._cnn_data(*args)
        make = lambda b: cases.cnn_minigrad(*data, compiled=b)  # noqa: E731
        others = {"numpy": lambda: cases.cnn_numpy(*data)}
    impls = {("fused" if b == "numba" else "compiled"): make(b) for b in backends}
    if size in ("full", "tiny"):
        impls["numpy"] = others["numpy"]()
        if "jax.jit" in others and cases._jax() is not None:
            impls["jax.jit"] = others["jax.jit"]()
    return impls


# ------------------------------------------------------------------ the products

def _products(name, size):
    """``(forward, backward)``: each a ``{label: run}`` of the step's matrix
    products, as one numpy call each on contiguous operands of its shapes."""
    rng = np.random.default_rng(0)

    def a(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    if name in ("b-small", "b-large"):
        n, d = SIZES[name][0 if size == "full" else 1]
        X, w, g = a(n, d), a(d), a(n)
        return {"X @ w": lambda: X @ w}, {"X.T @ g": lambda: X.T @ g}
    if name == "c":
        n, d, c = SIZES[name][0 if size == "full" else 1]
        X, W, G = a(n, d), a(d, c), a(n, c)
        return {"X @ W": lambda: X @ W}, {"X.T @ G": lambda: X.T @ G}
    if name == "d":
        n, h = SIZES[name][0 if size == "full" else 1]
        X, W1, W2, W3 = a(n, 2), a(2, h), a(h, h), a(h, 1)
        H, G, gz = a(n, h), a(n, h), a(n, 1)
        W3t = np.ascontiguousarray(W3.T)
        forward = {"X @ W1": lambda: X @ W1, "H1 @ W2": lambda: H @ W2, "H2 @ W3": lambda: H @ W3}
        backward = {"H2.T @ gz": lambda: H.T @ gz, "gz * W3.T (outer)": lambda: gz * W3t,
                    "H1.T @ G2": lambda: H.T @ G, "G2 @ W2.T": lambda: G @ W2.T,
                    "X.T @ G1": lambda: X.T @ G}
        return forward, backward
    n = SIZES[name][0 if size == "full" else 1][0]
    W1, cols, G1 = a(16, 9), a(9, n * 64), a(16, n * 64)
    F, W2, G2 = a(n, 256), a(10, 256), a(n, 10)
    colsT = np.ascontiguousarray(cols.T)
    forward = {"conv: W1 @ cols": lambda: W1 @ cols, "linear: F @ W2.T": lambda: F @ W2.T}
    backward = {"conv: G1 @ cols.T": lambda: G1 @ colsT, "linear: G2.T @ F": lambda: G2.T @ F,
                "linear: G2 @ W2": lambda: G2 @ W2}
    return forward, backward


def _time_each(runs, repeats):
    """Median seconds of each run, one at a time."""
    out = {}
    for label, run in runs.items():
        for _ in range(3):
            run()
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            run()
            samples.append(time.perf_counter() - t0)
        out[label] = statistics.median(samples)
    return out


# ------------------------------------------------------------------ the parts

class _Clock:
    """Seconds spent in the compiled step's parts, summed over calls, while
    installed: timers wrapped around the compiled call, the session's
    ``backward`` and ``step`` (the update), and the compiled code they run."""

    def __init__(self):
        from minigrad.compiler import step
        self.step = step
        self.sums = dict.fromkeys(("call", "forward", "backward", "backward code", "update",
                                   "update code"), 0.0)
        self.started = None       # when the running call started, until its forward ends
        self.inside = None        # "backward" or "update" while one runs
        self._saved = []

    def _patch(self, owner, attr, make):
        original = getattr(owner, attr)
        self._saved.append((owner, attr, original))
        setattr(owner, attr, make(original))

    def _call(self, original):
        def call(*args, **kwargs):
            t0 = self.started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.sums["call"] += time.perf_counter() - t0
        return call

    def _pass(self, part):
        def make(original):
            def run_pass(*args, **kwargs):
                t0 = time.perf_counter()
                if part == "backward" and self.started is not None:    # the forward ends here
                    self.sums["forward"] += t0 - self.started
                    self.started = None
                self.inside = part
                try:
                    return original(*args, **kwargs)
                finally:
                    self.inside = None
                    self.sums[part] += time.perf_counter() - t0
            return run_pass
        return make

    def _code(self, original):
        def run_code(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if self.inside is not None:
                    self.sums[self.inside + " code"] += time.perf_counter() - t0
        return run_code

    def __enter__(self):
        s = self.step
        self._patch(s.CompiledStep, "__call__", self._call)
        self._patch(s.Session, "backward", self._pass("backward"))
        self._patch(s.Session, "step", self._pass("update"))
        self._patch(s.CompiledPass, "run", self._code)
        return self

    def __exit__(self, *exc):
        for owner, attr, original in reversed(self._saved):
            setattr(owner, attr, original)


def _parts(run, calls):
    """Microseconds of each part of the fused step ``run``: for each part,
    its median over ``calls`` calls (a noisy host slows some calls down)."""
    for _ in range(3):
        run()
    names = ("forward", "backward code", "backward bookkeeping", "update code",
             "update bookkeeping", "rest")
    samples = {k: [] for k in names}
    with _Clock() as clock:
        s = clock.sums
        for _ in range(calls):
            before = dict(s)
            t0 = time.perf_counter()
            run()
            total = time.perf_counter() - t0
            d = {k: (s[k] - before[k]) * 1e6 for k in s}
            one = {"forward": d["forward"], "backward code": d["backward code"],
                   "backward bookkeeping": d["backward"] - d["backward code"],
                   "update code": d["update code"],
                   "update bookkeeping": d["update"] - d["update code"],
                   "rest": total * 1e6 - d["forward"] - d["backward"] - d["update"]}
            for k in names:
                samples[k].append(one[k])
    return {k: statistics.median(v) for k, v in samples.items()}


# ------------------------------------------------------------------ one case

def measure(name, size="full"):
    """Every figure of case ``name`` (microseconds), as a dict."""
    full = size == "full"
    repeats = {"b-small": 201, "d": 101, "g": 31}.get(name, 21) if full else 2
    steps = _steps(name, size)
    times = {k: v * 1e6 for k, v in time_interleaved(steps, repeats, 3 if full else 1).items()}
    parts = _parts(steps["fused"], repeats)
    one = _steps(name, "one")["fused"]
    python = time_interleaved({"fused": one}, 201 if full else 2, 3 if full else 1)["fused"] * 1e6
    python_parts = _parts(one, 201 if full else 2)
    forward, backward = _products(name, size)
    fwd = {k: v * 1e6 for k, v in _time_each(forward, repeats).items()}
    bwd = {k: v * 1e6 for k, v in _time_each(backward, repeats).items()}
    to_numpy, to_jax = TARGETS[name]
    target = {"numpy": to_numpy * times["numpy"]}
    if to_jax is not None and "jax.jit" in times:
        target["jax.jit"] = to_jax * times["jax.jit"]
    return {"case": name, "steps": times, "targets": target,
            "target_ratios": {"numpy": to_numpy, "jax.jit": to_jax}, "parts": parts,
            "python": python, "python parts": python_parts, "forward products": fwd, "backward products": bwd,
            "floor": parts["forward"] + sum(bwd.values())}


def _us(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def format_report(results):
    """The figures as Markdown: one table of the steps and their floor, and
    the parts of each fused step."""
    lines = ["| case | fused | numpy | jax.jit | target | forward (eager) | backward "
             "products | floor: forward + backward products | python (size 1) | its forward |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        s, t = r["steps"], r["targets"]
        target = min(t.values())
        which = min(t, key=t.get)
        lines.append(
            f"| {r['case']} | {_us(s['fused'])} | {_us(s['numpy'])} | "
            f"{_us(s['jax.jit']) if 'jax.jit' in s else '-'} | {_us(target)} "
            f"({r['target_ratios'][which]:g}x {which}) | {_us(r['parts']['forward'])} | "
            f"{_us(sum(r['backward products'].values()))} | {_us(r['floor'])} | "
            f"{_us(r['python'])} | {_us(r['python parts']['forward'])} |")
    lines += ["", "Parts of each fused step (microseconds, the median of each part over the "
              "calls of an instrumented run):", "",
              "| case | " + " | ".join(results[0]["parts"]) + " |",
              "|---|" + "---|" * len(results[0]["parts"])]
    for r in results:
        lines.append(f"| {r['case']} | " + " | ".join(_us(v) for v in r["parts"].values()) + " |")
    lines += ["", "The step's matrix products, each alone (microseconds):", ""]
    for r in results:
        each = {**r["forward products"], **r["backward products"]}
        lines.append(f"- {r['case']}: " + ", ".join(f"{k} {_us(v)}" for k, v in each.items()))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bounds",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, a smoke test")
    parser.add_argument("--only", default="", help="comma-separated case names, e.g. d,g")
    parser.add_argument("--json", default=os.path.join("benchmarks", "results", "bounds.json"))
    parser.add_argument("--threads", type=int, default=1, help="(read at start-up, as in "
                        "python -m benchmarks)")
    args = parser.parse_args(argv)
    if not cases._numba():
        parser.error("the fused backend needs numba: pip install -e '.[fast]'")
    wanted = [n for n in args.only.split(",") if n] or list(CASE_NAMES)
    unknown = set(wanted) - set(CASE_NAMES)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; valid: {list(CASE_NAMES)}")
    results = []
    for name in wanted:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results.append(measure(name, "tiny" if args.tiny else "full"))
    print(format_report(results))
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"machine": machine_info(), "results": results}, f, indent=1)
    print(f"\nwritten to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
