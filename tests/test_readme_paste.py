"""The README's Python code pastes into Python's prompt.

A learner pastes each block into the plain ``python`` prompt, which reads it
line by line: a ``for``, ``def``, ``with`` or ``class`` block ends only at a
blank line, and a blank line inside one ends it early.  Here every Python
block of README.md, in order, is fed line by line to a
:class:`code.InteractiveConsole` in one fresh interpreter (as one session
that pastes them one after the other, pressing Enter after each), and any
error output (a SyntaxError, a NameError, a traceback, a warning) fails.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What runs in the fresh interpreter: blocks (JSON) on stdin; what went wrong
# (JSON) to the file named by argv[1]; what the prompt echoes goes to stdout.
PROMPT = r'''
import code, io, json, sys

blocks, problems = json.load(sys.stdin), []
errors = io.StringIO()
sys.stderr = errors                     # tracebacks, SyntaxErrors and warnings
console = code.InteractiveConsole({"__name__": "__console__"})
for k, block in enumerate(blocks):
    lines = block.splitlines() + [""]   # the Enter after the paste
    for n, line in enumerate(lines, 1):
        console.push(line)
        if errors.getvalue():
            problems.append({"block": k, "line": n, "source": line,
                             "error": errors.getvalue().strip().splitlines()[-1]})
            errors.seek(0)
            errors.truncate()
with open(sys.argv[1], "w") as f:
    json.dump(problems, f)
'''


def python_blocks(text):
    """The README's ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def paste(blocks, tmp_path):
    """Paste ``blocks`` into one prompt; the problems, one line each."""
    report = tmp_path / "problems.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH")) if p), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", PROMPT, str(report)], input=json.dumps(blocks),
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return [f"block {p['block'] + 1}, line {p['line']}: {p['source']!r}: {p['error']}"
            for p in json.loads(report.read_text())]


def test_every_python_block_pastes_into_the_prompt(tmp_path):
    pytest.importorskip("numpy")
    with open(os.path.join(ROOT, "README.md")) as f:
        blocks = python_blocks(f.read())
    assert len(blocks) >= 5
    if importlib.util.find_spec("numba") is None:   # the fused backend's block needs the extra
        blocks = [b for b in blocks if 'backend="numba"' not in b]
    problems = paste(blocks, tmp_path)
    assert problems == [], "\n".join(problems)


def test_the_prompt_reports_what_a_paste_gets_wrong(tmp_path):
    """A loop without the blank line after it, a blank line inside a class, a
    name no block defined, and a warning: each is reported at its line."""
    blocks = ["total = 0\nfor i in range(3):\n    total += i\nprint(total)\n",
              "class A:\n    x = 1\n\n    y = 2\n",
              "print(undefined_name)\n",
              "import warnings\nwarnings.warn('careful')\n",
              "for i in range(2):\n    pass\n\nprint(i)\n"]
    problems = paste(blocks, tmp_path)
    assert len(problems) == 4, problems
    assert problems[0].startswith("block 1, line 4: 'print(total)': SyntaxError")
    assert problems[1].startswith("block 2, line 4: '    y = 2': IndentationError")
    assert problems[2].startswith("block 3, line 1") and "NameError" in problems[2]
    assert problems[3].startswith("block 4, line 2") and "UserWarning: careful" in problems[3]
