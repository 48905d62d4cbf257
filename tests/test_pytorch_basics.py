"""PyTorch's "Learn the Basics" chapters (examples/pytorch_basics.py) run with
``import minigrad as torch`` and with PyTorch itself: every ``CHECK`` line
(shapes, dtypes, deterministic values, the model's repr, the training
losses) must be the same under both."""
import functools
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(ROOT, "examples", "pytorch_basics.py")

# Where minigrad differs from PyTorch on purpose (API.md, "Tensors"): a Python
# list of ints becomes the default float dtype, not int64.
KNOWN = {"x_data": ("float32", "int64"), "x_ones": ("float32", "int64")}


@functools.lru_cache(maxsize=None)
def run(chapter, framework):
    env = {**os.environ, "PYTHONPATH": ROOT}
    args = [sys.executable, SCRIPT, chapter] + (["--torch"] if framework == "torch" else [])
    proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    lines = [line[len("CHECK "):] for line in proc.stdout.splitlines() if line.startswith("CHECK ")]
    return proc, dict(line.split(": ", 1) for line in lines)


@pytest.mark.parametrize("chapter", ["tensors", "autograd", "build_model", "optimization"])
def test_chapter_prints_what_pytorch_prints(chapter):
    pytest.importorskip("torch")
    theirs, want = run(chapter, "torch")
    assert theirs.returncode == 0, theirs.stderr
    ours, got = run(chapter, "minigrad")
    for label, value in got.items():
        expected = want[label]
        if label in KNOWN:
            expected = expected.replace(f"dtype={KNOWN[label][1]}", f"dtype={KNOWN[label][0]}")
        assert value == expected, f"{chapter}: CHECK {label}\nminigrad: {value}\ntorch:    {expected}"
    assert ours.returncode == 0, ours.stderr
    assert list(got) == list(want)


def test_optimization_learns():
    pytest.importorskip("sklearn")
    proc, got = run("optimization", "minigrad")
    assert proc.returncode == 0, proc.stderr
    assert float(got["accuracy"]) > 70
