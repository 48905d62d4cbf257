"""What the notebooks' prose says about their outputs is what they print, as
tests/test_docs_truth.py checks for the README.

The saved outputs are read here; tests/test_notebooks.py checks that they are
what executing each notebook gives now.  Two kinds of claims are checked in
every notebook:

* a count of printed lines: "the six lines from `a` to `b`" is the number of
  printed code lines from the one that assigns ``a`` to the one that assigns
  ``b``;
* a number quoted to 5 or more decimals is one the notebook prints, or one
  of the few it quotes from elsewhere (listed below, each checked).
"""
import json
import os
import re

import numpy as np
import pytest

import minigrad as mg

FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "examples", "notebooks")
NOTEBOOKS = sorted(f for f in os.listdir(FOLDER) if f.endswith(".ipynb"))

WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}

LINES_FROM_TO = re.compile(r"\b(?:the\s+)?(\w+)\s+lines\s+from\s+`(\w+)`\s+to\s+`(\w+)`",
                           re.IGNORECASE)
LONG_NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d{5,}(?:e-?\d+)?")

# numbers the prose quotes that the notebook does not print: where they come
# from (computed here), and how close the quote is (float32 quotes: a few ulps)
QUOTED = {
    # 0.1 in float32, as a float64 (01: "0.1 is stored as 0.100000001490116...")
    "0.100000001490116": (lambda: float(np.float32(0.1)), 1e-15),
    # the Keras CCE walkthrough's printed per-sample losses (03): float32 values
    "0.22314352": (lambda: mg.losses.categorical_crossentropy(
        [[1, 0, 0, 0]], [[0.8, 0.05, 0.1, 0.05]]).item(), 1e-7),
    "0.6931472": (lambda: mg.losses.categorical_crossentropy(
        [[0, 1, 0, 0]], [[0.2, 0.5, 0.2, 0.1]]).item(), 1e-7),
}


def load(name):
    with open(os.path.join(FOLDER, name), encoding="utf-8") as f:
        return json.load(f)


def prose(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def printed(nb):
    """Everything the code cells printed or displayed, as text."""
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            out.append("".join(o.get("text", "")))
            for kind in ("text/plain", "text/html"):
                out.append("".join(o.get("data", {}).get(kind, "")))
    return "\n".join(out)


def count(word):
    return int(word) if word.isdigit() else WORDS[word.lower()]


def lines_between(text, first, last):
    """The printed lines from the one assigning ``first`` to the one assigning
    ``last``, both included."""
    lines = text.splitlines()
    assigns = [i for i, line in enumerate(lines) if re.match(rf"\s*{first}\s*=", line)]
    assert assigns, f"no printed line assigns {first}"
    start = assigns[0]
    end = next(i for i in range(start, len(lines)) if re.match(rf"\s*{last}\s*=", lines[i]))
    return end - start + 1


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_counts_of_printed_lines(name):
    nb = load(name)
    for word, first, last in LINES_FROM_TO.findall(prose(nb)):
        assert count(word) == lines_between(printed(nb), first, last), \
            f"{name}: '{word} lines from `{first}` to `{last}`'"


def test_the_line_count_check_reads_such_claims():
    """The check above finds a claim written as the notebooks write them, and
    counts what a printed block shows (05 once made such a claim, miscounted)."""
    claim = "the six lines from `absolute_loss_fn` to `log_sigmoid_loss_fn` compute"
    ((word, first, last),) = LINES_FROM_TO.findall(claim)
    block = "\n".join(f"    {name} = np.f(x)" for name in
                      ("absolute_loss_fn", "negative_loss_fn", "exp_loss_fn", "log1p_loss_fn",
                       "minimum_loss_fn", "log_sigmoid_loss_fn"))
    assert count(word) == lines_between(block, first, last) == 6


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_quoted_numbers_are_printed(name):
    nb = load(name)
    shown = printed(nb)
    for number in LONG_NUMBER.findall(prose(nb)):
        if number in QUOTED:
            value, rtol = QUOTED[number]
            assert float(number) == pytest.approx(value(), rel=rtol), number
        else:
            assert number in shown, f"{name}: the prose quotes {number}, which it never prints"
