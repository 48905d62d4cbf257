"""Timing harness: implementations of one case run in one process,
interleaved, after warm-up; the median of the repeats is reported.

A case is a :class:`Case`: a name, a ``build(size)`` returning
``{implementation: callable}`` (each callable runs one forward + backward
and returns the arrays it computed, used to check that the implementations
agree before anything is timed), and the targets to compare against.
"""
from __future__ import annotations

import dataclasses
import gc
import json
import os
import platform
import statistics
import time
from typing import Callable

import numpy as np


@dataclasses.dataclass
class Target:
    """``impl`` should take at most ``ratio`` times the time (or memory) of
    ``baseline``; with no baseline, its value should be at most ``ratio``."""

    impl: str
    baseline: str | None
    ratio: float
    what: str = "time"

    def describe(self):
        if self.baseline is None:
            return f"{self.impl} <= {self.ratio:g}"
        return f"{self.impl} <= {self.ratio:g}x {self.baseline} ({self.what})"


@dataclasses.dataclass
class Case:
    name: str
    title: str
    build: Callable[[str], dict]   # size ("full" or "tiny") -> {impl: run}
    targets: list
    unit: str = "ms"               # how to report the time
    per: int = 1                   # divide the time by this (e.g. number of ops)
    rtol: float = 1e-6             # agreement needed before timing
    measure: Callable | None = None  # custom measurement: (impls, size) -> {impl: value}
    repeats: int = 15
    warmup: int = 3


def machine_info():
    """Versions and thread counts that the numbers depend on."""
    info = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "threads_env": {k: os.environ.get(k) for k in (
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS") if os.environ.get(k)},
    }
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["numpy_blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # pragma: no cover - depends on numpy build
        info["numpy_blas"] = "unknown"
    try:
        from threadpoolctl import threadpool_info  # optional

        info["blas_threads"] = [d.get("num_threads") for d in threadpool_info()]
    except ImportError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    try:
        import jax

        info["jax"] = jax.__version__
    except ImportError:
        info["jax"] = None
    return info


def check_agreement(case, results):
    """All implementations computed the same arrays (to ``case.rtol``)."""
    names = list(results)
    ref = results[names[0]]
    for other in names[1:]:
        got = results[other]
        if len(got) != len(ref):
            raise AssertionError(f"{case.name}: {other} returned {len(got)} arrays, "
                                 f"{names[0]} returned {len(ref)}")
        for i, (a, b) in enumerate(zip(ref, got)):
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
            if a.shape != b.shape or not np.allclose(a, b, rtol=case.rtol, atol=case.rtol):
                err = np.max(np.abs(a - b)) if a.shape == b.shape else "shape"
                raise AssertionError(
                    f"{case.name}: {other} and {names[0]} disagree on output {i} "
                    f"(max abs difference {err})")


def time_interleaved(impls, repeats, warmup):
    """Median seconds per call for each implementation, interleaved.

    The garbage collector is paused while timing (after one collection), so
    that no implementation pays for another's garbage.  Implementations
    marked ``separate`` (jax.jit: its runtime slows the others down when
    interleaved with them, up to 1.7x on case b-large, while numpy's time
    stays) are timed after the others, by themselves, in the same run.
    """
    apart = {k: v for k, v in impls.items() if getattr(v, "separate", False)}
    together = {k: v for k, v in impls.items() if k not in apart}
    times = _interleaved(together, repeats, warmup)
    for name, run in apart.items():
        times.update(_interleaved({name: run}, repeats, warmup))
    return {name: times[name] for name in impls}


def _interleaved(impls, repeats, warmup):
    for _ in range(warmup):
        for run in impls.values():
            run()
    samples = {name: [] for name in impls}
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, run in impls.items():
                t0 = time.perf_counter()
                run()
                samples[name].append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return {name: statistics.median(v) for name, v in samples.items()}


def run_case(case, size="full", repeats=None):
    impls = case.build(size)
    check_agreement(case, {name: run() for name, run in impls.items()})
    if case.measure is not None:
        values = case.measure(impls, size)
    else:
        reps = repeats or (case.repeats if size == "full" else 2)
        secs = time_interleaved(impls, reps, case.warmup if size == "full" else 1)
        scale = {"s": 1, "ms": 1e3, "us": 1e6}[case.unit] / case.per
        values = {name: s * scale for name, s in secs.items()}
    verdicts = []
    for tgt in case.targets:
        if tgt.impl in values and (tgt.baseline is None or tgt.baseline in values):
            ratio = values[tgt.impl] / (1.0 if tgt.baseline is None else values[tgt.baseline])
            verdicts.append({"target": tgt.describe(), "ratio": ratio,
                             "met": bool(ratio <= tgt.ratio), "relative": tgt.baseline is not None})
        else:
            verdicts.append({"target": tgt.describe(), "ratio": None, "met": None,
                             "relative": tgt.baseline is not None})
    return {"case": case.name, "title": case.title, "unit": case.unit, "values": values,
            "targets": verdicts}


def format_table(results, info):
    lines = [f"minigrad benchmarks, {info['date']} - Python {info['python']}, numpy "
             f"{info['numpy']} ({info.get('numpy_blas', '?')}), torch {info.get('torch')} "
             f"({info.get('torch_threads', '-')} threads), {info['cpu_count']} CPUs"]
    for r in results:
        lines.append("")
        lines.append(f"{r['case']}: {r['title']}")
        for name, v in r["values"].items():
            lines.append(f"    {name:<28} {v:12.3f} {r['unit']}".rstrip())
        for t in r["targets"]:
            if t["ratio"] is None:
                lines.append(f"    target {t['target']}: not measured (implementation missing)")
            else:
                mark = "met" if t["met"] else "MISSED"
                kind = "x" if t["relative"] else ""
                lines.append(f"    target {t['target']}: {t['ratio']:.2f}{kind}  {mark}")
    return "\n".join(lines)


COLUMNS = ("minigrad", "compiled", "fused", "numpy", "torch", "jax.jit")


def format_markdown(results, info):
    """The results as a Markdown table (what the README shows)."""
    lines = [f"Measured {info['date']} on {info['cpu_count']} CPUs, Python {info['python']}, "
             f"numpy {info['numpy']} ({info.get('numpy_blas', '?')}), torch {info.get('torch')}, "
             f"jax {info.get('jax')}, {info.get('torch_threads', '-')} thread(s):", "",
             "| case | minigrad | compiled | fused | numpy | torch | jax.jit | target | ratio | |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        v, unit = r["values"], r["unit"]

        def cell(name):
            return f"{v[name]:.3g} {unit}".strip() if name in v else "-"

        if {"minigrad", "numpy"} <= set(v):
            first = f"**{r['case']}** {r['title']}"
            cells = [cell(k) for k in COLUMNS]
        else:
            first = f"**{r['case']}** {r['title']}: " + ", ".join(
                f"{k} {x:.3g} {unit}".strip() for k, x in v.items())
            cells = [""] * len(COLUMNS)
        for i, t in enumerate(r["targets"] or [None]):
            row = [first, *cells] if i == 0 else [""] * (1 + len(COLUMNS))
            if t is None:
                lines.append("| " + " | ".join(row + ["", "", ""]) + " |")
                continue
            mark = "met" if t["met"] else ("**missed**" if t["met"] is False else "n/a")
            ratio = "-" if t["ratio"] is None else f"{t['ratio']:.2f}"
            lines.append("| " + " | ".join(row + [t["target"], ratio, mark]) + " |")
    return "\n".join(lines)


def write_json(path, results, info):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump({"machine": info, "results": results}, f, indent=2)
