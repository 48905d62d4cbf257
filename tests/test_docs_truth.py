"""Every number and printed block in README.md is what the code prints or
returns.

Each test parses its numbers out of README.md and compares them with the
program's own output, so that a README edit that changes a number without the
program changing (or the reverse) fails here.  The benchmark table is a
measurement: only its label (one run, date, machine) and the prose figures
derived from it (checked against the table itself) are tested.
"""
import ast
import gc
import inspect
import io
import os
import re
import shlex
import sys
import tokenize
import warnings
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUMBER = r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?"


def readme():
    with open(os.path.join(ROOT, "README.md")) as f:
        return f.read()


def section(title):
    """The README's text under ``## title``, up to the next ``## `` heading."""
    text = readme()
    assert f"\n## {title}\n" in text, f"README has no section {title!r}"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(title):
    return re.findall(r"```[a-z]*\n(.*?)```", section(title), re.S)


def find(pattern, text, what):
    m = re.search(pattern, text, re.S)
    assert m, f"the README no longer says {what!r} in the form this test reads: {pattern}"
    return m


def as_shown(value, shown):
    """``value`` written with the precision, and in the form, of the README's
    ``shown`` (``0.32402205``, ``1.8``, ``4.0e-07``, ``1e12``, ``100,000``)."""
    shown = shown.replace(",", "")
    m = re.fullmatch(r"([-+]?)(\d+)(?:\.(\d+))?(?:e([-+]?\d+))?", shown)
    assert m, shown
    decimals = len(m.group(3) or "")
    if m.group(4) is not None:
        return float(f"{value:.{decimals}e}") == float(shown)
    return f"{value:.{decimals}f}" == shown.lstrip("+")


def test_as_shown():
    assert as_shown(0.3240220546722412, "0.32402205")
    assert not as_shown(0.3240220546722412, "0.32402202")
    assert as_shown(1.7999999999999998, "1.8") and as_shown(-1e13 + 1, "-1e13")
    assert as_shown(4.1e-7, "4e-7") and not as_shown(4.6e-7, "4e-7")


# ------------------------------------------------------------------ the tour

def _trailing_comments(code):
    """{line number: comment text} of the comments that follow code on a line."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT and tok.line.strip() != tok.string.strip():
            out[tok.start[0]] = tok.string.lstrip("#").strip()
    return out


def _value(v):
    return v.item() if isinstance(v, mg.Tensor) else float(v)


def test_the_tour_comments_are_what_the_code_returns(capsys):
    """``x  # 0.32402205 (float32)``: the statement's value, to the digits
    shown, and its dtype; ``# 6 z = 1.8``: the left side evaluated too.
    Every comment with a number in it must be such a claim."""
    code = re.search(r"```python\n(.*?)```", section("A five-minute tour"), re.S).group(1)
    tree = ast.parse(code)
    comments = _trailing_comments(code)
    ns = {}
    checked = set()
    for stmt in tree.body:
        mine = {ln: c for ln, c in comments.items() if stmt.lineno <= ln <= stmt.end_lineno}
        if isinstance(stmt, ast.Expr):
            value = eval(compile(ast.Expression(stmt.value), "README tour", "eval"), ns)
        else:
            exec(compile(ast.Module([stmt], []), "README tour", "exec"), ns)
            value = None
            if isinstance(stmt, ast.Assign):
                names = [n.id for n in ast.walk(stmt.targets[-1]) if isinstance(n, ast.Name)]
                value = ns[names[-1]]
        for line, comment in mine.items():
            digits = re.sub(r"float(16|32|64)", "", comment)
            dtype = re.search(r"\b(float(?:16|32|64))\b", comment)
            numbers = re.findall(NUMBER, digits)
            if not numbers and not dtype:
                continue      # a description, not a claim
            where = f"README tour line {line}: {stmt_source(code, stmt)}  # {comment}"
            assert value is not None and stmt.lineno == stmt.end_lineno, \
                f"{where}: a claim this test cannot check; put it on a one-line statement"
            if dtype:
                assert str(value.dtype) == dtype.group(1), where
            if numbers:
                m = re.fullmatch(rf"(.*?)=\s*({NUMBER})\b.*", digits)
                claim = m.group(2) if m else numbers[0]
                assert as_shown(_value(value), claim), f"{where}: the code gives {value!r}"
                if m:   # "6 z = 1.8": the left side is what the value is
                    left = re.sub(r"(\d)\s+([A-Za-z_])", r"\1*\2", m.group(1).strip())
                    assert _value(value) == pytest.approx(_value(eval(left, ns)), rel=1e-12), \
                        where
            checked.add(line)
    capsys.readouterr()
    # the tour does make the claims this test is about
    assert len(checked) >= 3


def stmt_source(code, stmt):
    return "\n".join(code.splitlines()[stmt.lineno - 1:stmt.end_lineno]).split("#")[0].strip()


def test_the_tour_claims_these_numbers():
    """A guard on the parser above: the claims it found are the ones there."""
    code = re.search(r"```python\n(.*?)```", section("A five-minute tour"), re.S).group(1)
    claims = [c for c in _trailing_comments(code).values()
              if re.search(NUMBER, re.sub(r"float\d\d", "", c))]
    assert any("(float32)" in c for c in claims) and any("= " in c for c in claims)


def test_the_command_line_examples_run(capsys):
    commands = [line.split("#")[0].split() for line in blocks("A five-minute tour")[1].splitlines()
                if line.startswith("minigrad explain")]
    assert len(commands) == 2
    for argv in commands:
        assert cli.main(argv[1:]) == 0, argv
    capsys.readouterr()


def test_the_notebook_block_says_what_the_displays_do():
    code = blocks("A five-minute tour")[2]
    full = find(r"tensors of at most (\d+) elements in full", code, "trace's full tensors")
    assert int(full.group(1)) == mg.graph.FULL_SIZE
    explain = code.splitlines()[0].split("#")[0]
    html = eval(explain, {"mg": mg})._repr_html_()
    assert 'class="clipped"' in html and 'class="clipped clamped"' in html


# --------------------------------------------------------------- the demo

def test_the_demo_prints_what_the_readme_shows(tmp_path, monkeypatch, capsys):
    """``minigrad demo`` with its default arguments, in-process; ``...``
    stands for any lines, and only the time in seconds may differ."""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    intro = readme().split("`minigrad demo` prints", 1)[1]
    shown = re.search(r"```\n(.*?)```", intro, re.S).group(1)
    command = find(r'```bash\n(pip install [^\n]*&& (minigrad demo[^\n]*))\n```', readme(),
                   "pip install ... && minigrad demo").group(2)
    monkeypatch.chdir(tmp_path)
    assert cli.main(shlex.split(command)[1:]) == 0
    printed = capsys.readouterr().out
    pattern = ""
    for line in shown.splitlines():
        if line.strip() == "...":
            pattern += r"(?:[^\n]*\n)*?"
            continue
        escaped = re.escape(line)
        escaped = re.sub(r"in\\ \d+\\.\d+\\ s", r"in\\ \\d+\\.\\d+\\ s", escaped)
        pattern += escaped + r"\n"
    assert re.fullmatch(pattern, printed), f"README:\n{shown}\nprinted:\n{printed}"
    assert re.search(r"in \d+\.\d+ s", shown)        # the one thing allowed to differ


# ---------------------------------------------------------------- explain

EXPLAIN = "Why TensorFlow printed"


def _explain_section():
    text = readme()
    title = find(rf"\n## ({EXPLAIN} ({NUMBER}) where numpy printed ({NUMBER}))\n", text,
                 "the explain heading")
    return title, section(title.group(1))


def test_the_explain_table_is_what_the_command_prints(capsys):
    title, body = _explain_section()
    command = find(r"`(minigrad explain [^`]*)`", body, "the explain command").group(1)
    (shown,) = re.findall(r"```\n(.*?)```", body, re.S)
    assert cli.main(shlex.split(command)[1:]) == 0
    printed = capsys.readouterr().out
    assert "Value under each convention:" in shown and len(shown.splitlines()) >= 7
    assert shown in printed, f"README:\n{shown}\nprinted:\n{printed}"


def test_the_explain_heading_is_the_seed_numbers_to_8_places(capsys):
    """TensorFlow's number is tf.keras 2.x's float32 value; numpy's the
    textbook formula in float64 (both as 8 decimals)."""
    title, body = _explain_section()
    tf_shown, numpy_shown = title.group(2), title.group(3)
    y_true, y_pred = [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6]
    assert f"--y-true {' '.join(map(str, y_true))} --y-pred " \
           f"{' '.join(map(str, y_pred))}" in body
    e = mg.explain("bce", y_true, y_pred, show=False)
    conv = {c.name: c for c in e.conventions}
    assert as_shown(conv["tf.keras 2.x"].float32, tf_shown)
    assert as_shown(conv["textbook numpy"].float64, numpy_shown)
    # and the program's own "why" says the same
    assert f"TensorFlow printed {tf_shown} where numpy printed {numpy_shown}" in " ".join(e.notes)


# ---------------------------------------------------- the two loss families

def _table():
    rows = [line for line in section("The two loss families side by side").splitlines()
            if line.startswith("|")]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    assert cells[0][1:] == ["`minigrad.losses` (Keras 3)", "`minigrad.nn` (PyTorch)"]
    return {r[0]: (r[1], r[2]) for r in cells[2:]}


def _names(module_or_modules):
    names = set()
    for m in module_or_modules:
        for name in dir(m):
            if name.startswith("_"):
                continue
            names.add(name)
            obj = getattr(m, name)
            for fn in (obj, getattr(obj, "__call__", None)) if callable(obj) else ():
                try:
                    names |= set(inspect.signature(fn).parameters)
                except (TypeError, ValueError):
                    pass
    return names


# tokens in backticks that are formulas or phrases; each is checked by the
# test named beside it
FORMULAS = {
    "[eps, 1 - eps]": "test_log_of_zero", "-100": "test_log_of_zero",
    "mg.losses.epsilon()": "test_log_of_zero",
    "log(1 - p)": "test_log_of_one_minus_p", "log1p(-p)": "test_log_of_one_minus_p",
    "(y_true, y_pred)": "test_argument_order", "(input, target)": "test_argument_order",
    'reduction="none"': "test_what_functions_return",
    "y (1 - ls) + ls/2": "test_label_smoothing", "+ ls/C": "test_label_smoothing",
}


def test_every_name_in_the_table_exists():
    table = _table()
    assert len(table) == 12
    families = [(_names([mg.losses]), "sum_over_batch_size mean sum mean_with_sample_weight "
                 "none".split()),
                (_names([mg.nn, mg.nn.functional]), "mean sum none batchmean".split())]
    for row, cells in table.items():
        for (names, reductions), cell in zip(families, cells):
            for token in re.findall(r"`([^`]*)`", cell):
                if token in FORMULAS:
                    continue
                m = re.fullmatch(r"(\w+)(?:\((\w+)=\)|=\w*)?", token)
                if m:
                    assert m.group(1) in names or token == "None", (row, token)
                    if m.group(2):
                        assert m.group(2) in inspect.signature(getattr(mg.nn, m.group(1))).\
                            parameters, (row, token)
                    continue
                m = re.fullmatch(r'"(\w+)"', token)
                assert m, f"row {row!r}: {token!r} is neither a name nor a checked formula"
                assert m.group(1) in reductions, (row, token)


def test_every_reduction_named_is_accepted():
    y, p = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[0.2, 0.7], [0.6, 0.9]])
    keras, torch = _table()["reductions"]
    for r in re.findall(r'`"(\w+)"`', keras) + [None]:
        mg.losses.BinaryCrossentropy(reduction=r)(y, p)
    for r in re.findall(r'`"(\w+)"`', torch):
        if r == "batchmean":
            mg.nn.KLDivLoss(reduction=r)(mg.tensor(np.log(p)), mg.tensor(p))
        else:
            mg.nn.BCELoss(reduction=r)(mg.tensor(p), mg.tensor(y))


def test_sum_over_batch_size_counts_zero_weight_samples():
    keras = _table()["reductions"][0]
    assert "divides by the number of elements, zero-weight samples count" in keras
    y, p = np.array([[1.0], [0.0]]), np.array([[0.8], [0.3]])
    per_sample = mg.losses.binary_crossentropy(y, p).numpy()
    for r in ("sum_over_batch_size", "mean"):
        v = mg.losses.BinaryCrossentropy(reduction=r)(y, p, sample_weight=np.array([1.0, 0.0]))
        assert v.item() == pytest.approx(per_sample[0] / 2, rel=1e-15)
    v = mg.losses.BinaryCrossentropy(reduction="mean_with_sample_weight")(
        y, p, sample_weight=np.array([1.0, 0.0]))
    assert v.item() == pytest.approx(per_sample[0], rel=1e-15)


def test_pytorch_mean_is_class_weighted():
    torch_cell = _table()["reductions"][1]
    assert "class-weighted mean for `weight`/`ignore_index`" in torch_cell
    z = mg.tensor(np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [1.0, -1.0, 0.0]]))
    t, w = np.array([0, 2, 1]), np.array([1.0, 2.0, 3.0])
    each = mg.nn.functional.cross_entropy(z, t, reduction="none").numpy()
    v = mg.nn.functional.cross_entropy(z, t, weight=mg.tensor(w)).item()
    assert v == pytest.approx((w[t] * each).sum() / w[t].sum(), rel=1e-14)
    ignored = mg.nn.functional.cross_entropy(z, np.array([0, -100, 1])).item()
    assert ignored == pytest.approx((each[0] + each[2]) / 2, rel=1e-14)
    p = np.array([[0.2, 0.8], [0.5, 0.5]])
    q = np.array([[0.4, 0.6], [0.9, 0.1]])
    kl = mg.nn.functional.kl_div(mg.tensor(np.log(q)), mg.tensor(p), reduction="batchmean")
    assert kl.item() == pytest.approx((p * np.log(p / q)).sum() / 2, rel=1e-14)


def test_log_of_zero():
    keras, torch = _table()["log of 0"]
    m = find(rf"clipped to `\[eps, 1 - eps\]`, eps = `mg.losses.epsilon\(\)` = ({NUMBER}): "
             rf"the term is capped at ({NUMBER}) \(({NUMBER}) at the float32 upper clip\) and "
             r"gets \*\*no gradient\*\*", keras, "the Keras log of 0")
    eps, cap64, cap32 = m.groups()
    assert mg.losses.epsilon() == float(eps)
    p = mg.tensor(np.array([0.0]), requires_grad=True)       # float64, y = 1: clipped to eps
    v = mg.losses.binary_crossentropy(np.array([1.0]), p)
    v.backward()
    assert as_shown(v.item(), cap64) and p.grad.item() == 0.0
    p = mg.tensor(np.array([1.0], dtype=np.float32), requires_grad=True)  # y = 0: 1 - eps
    v = mg.losses.binary_crossentropy(np.array([0.0], dtype=np.float32), p)
    v.backward()
    assert as_shown(v.item(), cap32) and p.grad.item() == 0.0
    m = find(rf"each log clamped at `(-?\d+)`: the term is capped at ({NUMBER})$", torch,
             "the PyTorch log of 0")
    floor, cap = m.groups()
    for y, x in ((1.0, 0.0), (0.0, 1.0)):
        v = mg.nn.BCELoss()(mg.tensor(np.array([x])), mg.tensor(np.array([y])))
        assert v.item() == -float(floor) and as_shown(v.item(), cap)


def test_log_of_one_minus_p():
    keras, torch = _table()["`log(1 - p)`"]
    assert keras == "`log(1 - p)`" and torch == "`log1p(-p)`"
    ps = [p for p in (0.3, 0.1, 0.7, 0.45, 0.2, 0.05) if np.log(1 - p) != np.log1p(-p)]
    assert ps
    y, p = np.zeros(len(ps)), np.array(ps)
    np.testing.assert_array_equal(
        mg.losses.binary_crossentropy(y[:, None], p[:, None]).numpy(), -np.log(1 - p))
    np.testing.assert_array_equal(
        mg.nn.functional.binary_cross_entropy(mg.tensor(p), mg.tensor(y), reduction="none")
        .numpy(), -np.log1p(-p))


def test_argument_order():
    keras, torch = _table()["argument order"]
    for fn in (mg.losses.binary_crossentropy, mg.losses.categorical_crossentropy,
               mg.losses.Loss.__call__):
        params = [p for p in inspect.signature(fn).parameters if p != "self"][:2]
        assert f"`({', '.join(params)})`" == keras, fn
    for fn in (mg.nn.functional.binary_cross_entropy, mg.nn.functional.cross_entropy,
               mg.nn.functional.mse_loss):
        assert f"`({', '.join(list(inspect.signature(fn).parameters)[:2])})`" == torch, fn


def test_what_functions_return():
    keras, torch = _table()["functions return"]
    assert keras == "one value per sample (mean over `axis`)"
    assert torch.startswith('per element (`reduction="none"`) or reduced')
    y, p = np.ones((4, 3)), np.full((4, 3), 0.7)
    assert mg.losses.binary_crossentropy(y, p).shape == (4,)
    assert mg.nn.functional.binary_cross_entropy(
        mg.tensor(p), mg.tensor(y), reduction="none").shape == (4, 3)


def test_label_smoothing():
    keras, torch = _table()["label smoothing"]
    assert keras == "`y (1 - ls) + ls/2` (binary), `+ ls/C` (categorical)"
    ls, y = 0.2, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.7, 0.2, 0.1], [0.3, 0.3, 0.4]])
    np.testing.assert_allclose(
        mg.losses.binary_crossentropy(y, p, label_smoothing=ls).numpy(),
        mg.losses.binary_crossentropy(y * (1 - ls) + ls / 2, p).numpy(), rtol=1e-14)
    np.testing.assert_allclose(
        mg.losses.categorical_crossentropy(y, p, label_smoothing=ls).numpy(),
        mg.losses.categorical_crossentropy(y * (1 - ls) + ls / 3, p).numpy(), rtol=1e-14)
    assert "label_smoothing" in inspect.signature(mg.nn.CrossEntropyLoss).parameters


def test_kl_clips_both_and_kl_div_takes_log_q():
    keras, torch = _table()["KL"]
    assert "(both clipped to [eps, 1])" in keras and "(input is log q;" in torch
    eps = mg.losses.epsilon()
    y, p = np.array([[1.0, 0.0], [0.3, 0.7]]), np.array([[0.5, 0.5], [0.0, 1.0]])
    yc, pc = np.clip(y, eps, 1), np.clip(p, eps, 1)
    np.testing.assert_allclose(mg.losses.kl_divergence(y, p).numpy(),
                               (yc * np.log(yc / pc)).sum(-1), rtol=1e-14)
    q = np.array([0.25, 0.75])
    t = np.array([0.5, 0.5])
    v = mg.nn.functional.kl_div(mg.tensor(np.log(q)), mg.tensor(t), reduction="sum")
    assert v.item() == pytest.approx((t * np.log(t / q)).sum(), rel=1e-14)


def test_cross_entropy_takes_labels_or_probabilities():
    assert "labels or probabilities" in _table()["multi-class"][1]
    z = mg.tensor(np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]]))
    a = mg.nn.functional.cross_entropy(z, np.array([0, 2])).item()
    b = mg.nn.functional.cross_entropy(z, mg.tensor(np.eye(3)[[0, 2]])).item()
    assert a == pytest.approx(b, rel=1e-15)


# -------------------------------------- PyTorch's BCELoss backward, near the ends

def _grads(x, y):
    torch = pytest.importorskip("torch")
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    torch.nn.BCELoss(reduction="sum")(xt, torch.tensor(np.asarray(y, dtype=np.float64))) \
        .backward()
    xm = mg.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    mg.nn.BCELoss(reduction="sum")(xm, mg.tensor(np.asarray(y, dtype=np.float64))).backward()
    return xt.grad.numpy(), xm.grad.numpy()


def test_bce_loss_gradients_agree_with_pytorch_where_the_readme_says():
    """``x (1 - x) >= 1e-12``: equal to 1e-12 (relative)."""
    body = " ".join(section(
        "PyTorch's BCELoss backward is not the derivative of its forward").split())
    m = find(rf"agree to ({NUMBER}) \(relative, in float64, as the parity tests check\) "
             rf"wherever `x \(1 - x\) >= ({NUMBER})`", body, "where the two agree")
    rtol, floor = float(m.group(1)), float(m.group(2))
    low = np.logspace(np.log10(floor * 1.0000001), np.log10(0.5), 400)
    x = np.concatenate([low, 1 - low])
    x = x[x * (1 - x) >= floor]
    for y in (0.0, 0.3, 1.0):
        theirs, ours = _grads(x, np.full_like(x, y))
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0)


def test_bce_loss_gradients_differ_from_pytorch_near_the_ends_as_the_readme_says():
    """``x (1 - x) < 1e-12``: PyTorch divides by its floor (1e-12 as a
    float32), minigrad by ``x (1 - x)``: the derivative of its forward, which
    is not clamped there."""
    body = " ".join(section(
        "PyTorch's BCELoss backward is not the derivative of its forward").split())
    floor32 = float(np.float32(1e-12))
    m = find(rf"\(as a float32, ({NUMBER})\)", body, "the float32 floor")
    assert as_shown(floor32, m.group(1))
    m = find(rf"the -100 clamp acts only for `x < e\^-100`, about ({NUMBER}),", body,
             "where the clamp acts")
    assert as_shown(np.exp(-100), m.group(1))
    assert np.log1p(-np.nextafter(1.0, 0.0)) > -100   # float64: 1 - x >= 1.1e-16, no clamp
    # the examples, as the README gives them
    m = find(rf"At `x = ({NUMBER})` PyTorch gives `({NUMBER})` for `y = 1` \(minigrad: "
             rf"`({NUMBER})`\) and `({NUMBER})` for `y = 0` \(minigrad: `({NUMBER})`\); at "
             rf"`x = 1 - ({NUMBER})`, `({NUMBER})` for `y = 0` \(minigrad: `1/\(1 - x\)`, "
             rf"about `({NUMBER})`\)", body, "the examples at 1e-13 and 1 - 1e-13")
    x, t1, m1, t0, m0, d, t_hi, m_hi = m.groups()
    x, d = float(x), float(d)
    theirs, ours = _grads([x, x], [1.0, 0.0])
    assert as_shown(theirs[0], t1) and as_shown(ours[0], m1)
    assert as_shown(theirs[1], t0) and as_shown(ours[1], m0)
    theirs, ours = _grads([1 - d], [0.0])
    assert as_shown(theirs[0], t_hi) and as_shown(ours[0], m_hi)
    assert ours[0] == 1 / (1 - (1 - d))
    # the rule, over the whole region where x (1 - x) < 1e-12, both ends
    tiny = np.logspace(-43, np.log10(0.99e-12), 200)
    x = np.concatenate([tiny, 1 - tiny[tiny > 1e-16]])
    for y in (0.0, 0.3, 1.0):
        theirs, ours = _grads(x, np.full_like(x, y))
        np.testing.assert_allclose(theirs, (x - y) / floor32, rtol=1e-12)
        np.testing.assert_allclose(ours, (x - y) / (x * (1 - x)), rtol=1e-12)
        assert (np.abs(theirs) < np.abs(ours)).all()   # the derivative times x (1 - x) / floor


def test_bce_loss_at_the_ends_as_the_readme_says():
    body = " ".join(section(
        "PyTorch's BCELoss backward is not the derivative of its forward").split())
    m = find(rf"at `x = 0, y = 1` the loss is the constant ({NUMBER}): its derivative is "
             rf"({NUMBER}). PyTorch's backward, though, computes `\(x - y\) / max\(x \(1 - x\), "
             rf"({NUMBER})\)`, which is `({NUMBER})` there \(and ({NUMBER}) at `x = 0, y = 0`, "
             rf"where the derivative is ({NUMBER})\)", body, "the x = 0 example")
    loss, deriv, floor, t1, t0, deriv0 = m.groups()
    theirs, ours = _grads([0.0, 0.0], [1.0, 0.0])
    assert as_shown(theirs[0], t1) and as_shown(theirs[1], t0)
    assert as_shown(ours[0], deriv) and as_shown(ours[1], deriv0) and float(floor) == 1e-12
    v = mg.nn.BCELoss()(mg.tensor(np.array([0.0])), mg.tensor(np.array([1.0])))
    assert as_shown(v.item(), loss)
    assert "0 where the clamp is active, `(1 - y)` at `x = 0` and `-y` at `x = 1`" in body
    y = np.array([0.0, 0.25, 1.0])
    with warnings.catch_warnings():    # x all 0 (or 1), y not: "are the arguments swapped?"
        warnings.simplefilter("ignore", UserWarning)
        _, at0 = _grads(np.zeros(3), y)
        _, at1 = _grads(np.ones(3), y)
    np.testing.assert_array_equal(at0, 1 - y)
    np.testing.assert_array_equal(at1, -y)


# ------------------------------------------------------ memory and the graph

def _minigrad_objects(objects):
    from minigrad import engine

    kinds = (mg.Tensor, engine.Node) if hasattr(engine, "Node") else (mg.Tensor,)
    return [o for o in objects
            if isinstance(o, kinds) or type(o).__module__.startswith("minigrad")]


def test_the_graph_goes_by_reference_counting_alone():
    """README: the structure "goes with the loss by reference counting alone
    (no cycles, and `retain_grad()` makes none)". With retain_grad and hooks
    on leaves and non-leaves, after backward and dropping everything, every
    tensor and node is gone with the garbage collector off, and a collection
    then finds nothing of minigrad's."""
    assert "reference counting alone (no cycles, and `retain_grad()` makes none" in \
        " ".join(section("Memory and the graph").split())
    calls = []
    gc.collect()
    gc.disable()
    old_flags = gc.get_debug()
    try:
        w = mg.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
        x = mg.tensor(np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]]))
        h = mg.tanh(x * w)
        h.retain_grad()
        h.register_hook(lambda g: calls.append("h") or g * 2)
        z = mg.sigmoid(h).sum(axis=1)
        z.retain_grad()
        z.register_hook(lambda g: calls.append("z"))
        w.register_hook(lambda g: calls.append("w"))
        loss = mg.nn.BCEWithLogitsLoss()(z, mg.tensor(np.array([1.0, 0.0])))
        loss.backward()
        assert calls == ["z", "h", "w"] and h.grad is not None and z.grad is not None
        refs = [weakref.ref(o) for o in (h, z, loss, h.grad_fn, z.grad_fn, loss.grad_fn,
                                         h.grad, z.grad)]
        del h, z, loss
        assert [r() for r in refs] == [None] * len(refs)
        del w, x
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        assert _minigrad_objects(gc.garbage) == []
    finally:
        gc.set_debug(old_flags)
        gc.garbage.clear()
        gc.enable()


def test_create_graph_makes_no_cycles_either():
    gc.collect()
    gc.disable()
    old_flags = gc.get_debug()
    try:
        x = mg.tensor(np.array([0.3, 0.7]), requires_grad=True)
        y = (mg.sigmoid(x) ** 3).sum()
        (g,) = mg.grad(y, x, create_graph=True)
        g.sum().backward()
        refs = [weakref.ref(o) for o in (y, g, y.grad_fn, g.grad_fn, x.grad)]
        del x, y, g
        assert [r() for r in refs] == [None] * len(refs)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        assert _minigrad_objects(gc.garbage) == []
    finally:
        gc.set_debug(old_flags)
        gc.garbage.clear()
        gc.enable()


def test_long_chains_backpropagate_without_recursion():
    m = find(rf"Chains of ({NUMBER}) ops backpropagate without\s+recursion",
             section("Memory and the graph"), "the chain length")
    n = int(m.group(1).replace(",", ""))
    assert n >= 100_000
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        x = mg.tensor(np.array([1.0]), requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == 1.0
    del y


# --------------------------------------------------------------- numerics

def test_numerics_are_finite_to_the_magnitude_claimed():
    m = find(rf"finite\s+and warning-free, in value and gradient, for inputs up to \+-({NUMBER})"
             r" in float32\s+and float64", section("Numerics"), "the magnitude")
    big = float(m.group(1))
    for dtype in ("float32", "float64"):
        for fn in (mg.sigmoid, mg.softplus, mg.log_sigmoid, mg.logsumexp, mg.softmax,
                   mg.log_softmax):
            x = mg.tensor(np.array([-big, -1.0, 0.0, big], dtype=dtype), requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                v = fn(x)
                v.sum().backward()
            assert np.isfinite(v.numpy()).all() and np.isfinite(x.grad.numpy()).all(), fn


# ------------------------------------------------------------- benchmarks

def _bench_table():
    body = section("Benchmarks")
    rows = [r for r in body.splitlines() if r.startswith("| **")]
    out = {}
    for r in rows:
        cells = [c.strip() for c in r.strip().strip("|").split("|")]
        name = re.match(r"\*\*([\w-]+)\*\*", cells[0]).group(1)
        out[name] = cells
    return body, out


def _us(cell):
    value, unit = cell.split()
    return float(value) * {"us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def test_the_benchmark_table_is_labelled_as_one_runs_measurements():
    body, rows = _bench_table()
    find(r"\n(One run's measurements \(timings vary from run to run[^)]*\)\. Measured "
         r"(\d{4}-\d{2}-\d{2}) on (\d+) CPUs, Python ([\d.]+), numpy ([\d.]+) \([^)]+\), "
         r"torch (\S+), jax (\S+), (\d+) thread\(s\):)\n\n\| case \| minigrad \| compiled \| "
         r"fused \| numpy \| torch \| jax.jit \|", body, "the table's label")
    assert set(rows) == {"a", "a32", "b-small", "b-large", "c", "d", "e", "f", "g", "g-mem",
                         "anomaly"}


COLUMN = {"minigrad": 1, "compiled": 2, "fused": 3, "numpy": 4, "torch": 5, "jax.jit": 6}


def _targets(body):
    """{(case, target): (ratio, verdict)} from the table, continuation rows included."""
    out, case = {}, None
    for line in body.splitlines():
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.match(r"\*\*([\w-]+)\*\*", cells[0])
        case = m.group(1) if m else case
        if len(cells) == 10 and cells[7] and case:
            out[(case, cells[7])] = (float(cells[8]), cells[9])
    return out


def _timing(rows, case, impl):
    return _us(rows[case][COLUMN[impl]])


def test_the_compiled_benchmark_prose_matches_its_table():
    body, rows = _bench_table()
    flat = " ".join(body.split())
    targets = _targets(body)
    for case, bound, text in (("d", "0.9", "0.90x hand-written numpy"),
                              ("b-small", "1", "1.00x numpy"), ("b-large", "1", "1.00x numpy")):
        ratio, verdict = targets[(case, f"compiled <= {bound}x numpy (time)")]
        m = find(rf"\({case}\) compiled <= {re.escape(text)}: missed \(({NUMBER})x\)", flat, case)
        assert verdict == "**missed**" and as_shown(ratio, m.group(1))
    ratio, verdict = targets[("d", "compiled <= 1x jax.jit (time)")]
    m = find(rf"compiled <= 1.00x jax.jit: missed \(({NUMBER})x\): ({NUMBER}) us against "
             rf"({NUMBER}) us and ({NUMBER}) us", flat, "(d) against jax.jit")
    assert verdict == "**missed**" and as_shown(ratio, m.group(1))
    assert [rows["d"][k] for k in (2, 4, 6)] == [f"{m.group(k)} us" for k in (2, 3, 4)]
    ratio, verdict = targets[("c", "compiled <= 1x numpy (time)")]
    m = find(rf"and \(c\) at ({NUMBER})x \(missed", flat, "(c)")
    assert verdict == "**missed**" and as_shown(ratio, m.group(1))
    ratio, verdict = targets[("f", "compiled <= 1x numpy (memory)")]
    m = find(rf"\(f\) compiled <= 1.0x numpy's peak memory: missed \(({NUMBER})x\)", flat, "(f)")
    assert verdict == "**missed**" and as_shown(ratio, m.group(1))
    m = find(rf"as eager minigrad \(({NUMBER})x\) does", flat, "(f) eager")
    assert as_shown(targets[("f", "minigrad <= 1.5x numpy (memory)")][0], m.group(1))
    m = find(rf"it takes ({NUMBER})x of the time on \(d\) and ({NUMBER})x on \(b-small\)", flat,
             "compiled against eager")
    assert as_shown(_timing(rows, "d", "compiled") / _timing(rows, "d", "minigrad"), m.group(1))
    assert as_shown(_timing(rows, "b-small", "compiled") / _timing(rows, "b-small", "minigrad"),
                    m.group(2))
    m = find(rf"stays ahead on \(d\), by ({NUMBER})%: ({NUMBER}) us against ({NUMBER}) us; on "
             rf"\(b-small\), ({NUMBER}) us against ({NUMBER}) us; and on \(c\), ({NUMBER}) ms "
             rf"against ({NUMBER}) ms. It is behind on \(b-large\): ({NUMBER}) ms against "
             rf"({NUMBER}) ms", flat, "jax.jit")
    jax_d, compiled_d = _timing(rows, "d", "jax.jit"), _timing(rows, "d", "compiled")
    assert jax_d < compiled_d and as_shown(100 * (1 - jax_d / compiled_d), m.group(1))
    shown = [(rows[c][6], rows[c][2]) for c in ("d", "b-small", "c", "b-large")]
    units = ("us", "us", "ms", "ms")
    assert shown == [(f"{m.group(k)} {u}", f"{m.group(k + 1)} {u}")
                     for k, u in zip((2, 4, 6, 8), units)]
    assert all(_timing(rows, c, "jax.jit") < _timing(rows, c, "compiled")
               for c in ("d", "b-small", "c"))
    assert _timing(rows, "b-large", "jax.jit") > _timing(rows, "b-large", "compiled")


def test_the_fused_benchmark_prose_matches_its_table():
    """Each fused target of the table is said once in the prose, with its
    verdict and ratio; and the fused step against the compiled one."""
    body, rows = _bench_table()
    flat = " ".join(body.split())
    targets = _targets(body)
    said = {}
    for case, bound, against, memory, verdict, ratio in re.findall(
            rf"\(([\w-]+)\) fused <= ({NUMBER})x (numpy|jax\.jit)('s peak memory)?: "
            rf"(met|missed) \(({NUMBER})x\)", flat):
        key = (case, f"fused <= {float(bound):g}x {against} ({'memory' if memory else 'time'})")
        assert key not in said, key
        said[key] = (verdict, ratio)
    fused = {k: v for k, v in targets.items() if k[1].startswith("fused <= ")}
    assert set(said) == set(fused)
    for key, (verdict, ratio) in said.items():
        assert fused[key][1].strip("*") == verdict and as_shown(fused[key][0], ratio), key
    m = find(rf"faster than the compiled step on \(b-small\) \(({NUMBER}) us against ({NUMBER}) "
             rf"us\), \(d\) \(({NUMBER}) us against ({NUMBER}) us\) and \(c\) \(({NUMBER}) ms "
             rf"against ({NUMBER}) ms\), slower on \(b-large\) \(({NUMBER}) ms against "
             rf"({NUMBER}) ms", flat, "fused against compiled")
    units = ("us", "us", "ms", "ms")
    for k, (case, unit) in enumerate(zip(("b-small", "d", "c", "b-large"), units)):
        fused_t, compiled = rows[case][COLUMN["fused"]], rows[case][COLUMN["compiled"]]
        assert (fused_t, compiled) == (f"{m.group(2 * k + 1)} {unit}",
                                       f"{m.group(2 * k + 2)} {unit}")
        assert (_us(fused_t) < _us(compiled)) == (case != "b-large")
    assert "that is where jax.jit stays ahead on (c)" in flat
    assert _timing(rows, "c", "jax.jit") < _timing(rows, "c", "fused")


def _cases():
    """The benchmarks' cases module (the repository root is not on sys.path)."""
    sys.path.insert(0, ROOT)
    try:
        from benchmarks import cases
    finally:
        sys.path.remove(ROOT)
    return cases


def test_the_benchmark_prose_matches_its_table():
    body, rows = _bench_table()
    flat = " ".join(body.split())
    mine, numpy_, torch_ = (_timing(rows, "d", k) for k in ("minigrad", "numpy", "torch"))
    ratio, verdict = _targets(body)[("d", "minigrad <= 1.1x numpy (time)")]
    assert verdict == "**missed**"
    m = find(rf"\(d\) <= ({NUMBER})x hand-written numpy is missed \(({NUMBER})x\)", flat, "(d)")
    assert float(m.group(1)) == 1.1 and as_shown(ratio, m.group(2))
    m = find(rf"numpy's step is about ({NUMBER}) numpy calls on 256 x 64 arrays, ({NUMBER}) us",
             flat, "the numpy step")
    assert as_shown(numpy_, m.group(2)) and abs(int(m.group(1)) - _numpy_calls()) <= 5
    m = find(rf"a graph of ({NUMBER}) nodes .*? that adds about ({NUMBER}) us, ~({NUMBER}) us "
             r"per node", flat, "the graph's cost")
    nodes = int(m.group(1))
    assert nodes == _mlp_graph_nodes()
    assert round(mine - numpy_, -1) == float(m.group(2))
    assert as_shown((mine - numpy_) / nodes, m.group(3))
    m = find(rf"For 1.10x the whole graph would have to cost ({NUMBER}) us, about ({NUMBER}) us "
             r"per node", flat, "what 1.10x needs")
    assert as_shown(0.1 * numpy_, m.group(1)) and as_shown(0.1 * numpy_ / nodes, m.group(2))
    m = find(rf"is itself at ({NUMBER})x numpy here, and minigrad is at ({NUMBER})x PyTorch",
             flat, "PyTorch's ratio")
    assert as_shown(torch_ / numpy_, m.group(1)) and as_shown(mine / torch_, m.group(2))
    m = find(rf"both by a little \(({NUMBER})x and ({NUMBER})x;", flat, "b-large and c eager")
    assert as_shown(_targets(body)[("b-large", "minigrad <= 1.1x numpy (time)")][0], m.group(1))
    assert as_shown(_targets(body)[("c", "minigrad <= 1.1x numpy (time)")][0], m.group(2))
    m = find(rf"\(linear time: ({NUMBER}) take about ({NUMBER})x as long as ({NUMBER})\)", flat,
             "case (e)")
    assert as_shown(_targets(body)[("e", "time ratio <= 12")][0], m.group(2))


def _mlp_graph_nodes():
    """Nodes in the graph of benchmark (d)'s step (leaves not counted)."""
    cases = _cases()
    X, y, params = cases._mlp_data(16, 8)
    W1, b1, W2, b2, W3, b3 = [mg.tensor(p, requires_grad=True) for p in params]
    Xt, yt = mg.from_numpy(X), mg.from_numpy(y)
    h = mg.relu(Xt @ W1 + b1)
    h = mg.relu(h @ W2 + b2)
    loss = mg.nn.BCEWithLogitsLoss()((h @ W3 + b3).reshape(-1), yt)
    rows = [line.split() for line in str(mg.trace(loss)).splitlines()[2:]]
    return sum(1 for r in rows if len(r) > 1 and r[0].isdigit() and r[1] not in ("leaf", "const"))


def _numpy_calls():
    """numpy calls (ufuncs, functions) that benchmark (d)'s numpy step makes."""
    cases = _cases()
    calls = []

    class Counted(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *args, **kw):
            calls.append(ufunc.__name__)
            args = [a.view(np.ndarray) if isinstance(a, Counted) else a for a in args]
            if "out" in kw:
                kw["out"] = tuple(o.view(np.ndarray) for o in kw["out"])
            out = getattr(ufunc, method)(*args, **kw)
            return out.view(Counted) if isinstance(out, np.ndarray) else out

        def __array_function__(self, func, types, args, kw):
            calls.append(func.__name__)
            return super().__array_function__(func, types, args, kw)

    X, y, params = cases._mlp_data(16, 8)
    run = cases.mlp_numpy(X.view(Counted), y.view(Counted), [p.view(Counted) for p in params])
    run()
    return len(calls)


# --------------------------------------------------------------- examples

def test_the_logistic_regression_example_agrees_with_sklearn_as_the_readme_says(tmp_path,
                                                                                  capsys):
    pytest.importorskip("sklearn")
    m = find(rf"scikit-learn's `LogisticRegression` \(they\s+agree to ~({NUMBER})\)",
             section("Examples"), "the example's agreement")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "logistic_regression", os.path.join(ROOT, "examples", "logistic_regression.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(tmp_path)])
    diff = float(capsys.readouterr().out.split("max |coefficient difference|: ")[1].split()[0])
    assert as_shown(diff, m.group(1))


# ------------------------------------------- the plots say what they draw

COLOUR_WORDS = {"blue", "orange", "red", "green", "grey", "gray", "black", "purple", "brown"}


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_bce_conventions_title_and_legend_name_the_colours_drawn():
    pytest.importorskip("matplotlib")
    from matplotlib.colors import same_color
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from minigrad import plots

    fig = plots.bce_conventions_figure()
    try:
        title = fig._suptitle.get_text()
        legend = fig.axes[0].get_legend()
        shown = getattr(legend, "legend_handles", None) or legend.legendHandles  # mpl < 3.7
        handles = dict(zip([t.get_text() for t in legend.get_texts()], shown))
        named = set()
        for which, region in plots.BCE_REGIONS.items():
            colour = region["facecolor"] if region["hatch"] is None else region["edgecolor"]
            word = colour.split(":")[-1]
            named.add(word)
            # the title's key names this region by its colour ...
            assert f"{region['key']} = where {'Keras' if which == 'keras' else 'PyTorch'}" \
                in title and word in region["key"]
            # ... the legend has the same patch ...
            label = region["label"].format(eps=mg.losses.epsilon())
            patch = handles[label]
            assert isinstance(patch, Patch) and patch.get_hatch() == region["hatch"]
            # ... and the axes draw it
            spans = [p for ax in fig.axes for p in ax.patches
                     if p.get_hatch() == region["hatch"]
                     and same_color(p.get_facecolor()[:3], patch.get_facecolor()[:3])]
            assert spans, which
            # a line of that colour belongs to the same framework
            for text, h in handles.items():
                if isinstance(h, Line2D) and same_color(h.get_color(), colour):
                    assert text.startswith("Keras" if which == "keras" else "PyTorch"), text
        assert set(re.findall(r"[a-z]+", title.lower())) & COLOUR_WORDS == named
    finally:
        _close(fig)


def test_loss_gallery_gradients_are_on_linear_axes():
    """A symlog axis put kinks into the focal gradient (at |g| = 1) that the
    function does not have: every gradient axis is linear, cut where needed."""
    pytest.importorskip("matplotlib")
    from minigrad import plots

    fig = plots.loss_gallery_figure()
    try:
        grads = fig.axes[1::2]
        assert len(grads) == 5 and all(ax.get_yscale() == "linear" for ax in fig.axes)
        lim = plots.GALLERY_GRAD_LIMIT
        for ax in grads[:2]:          # the two BCE rows grow like 1/p: cut, and say so
            assert ax.get_ylim() == (-lim, lim)
            assert any(f"axis cut at \u00b1{lim:g}" in t.get_text() for t in ax.texts)
        for ax in grads[2:]:
            assert not ax.texts
    finally:
        _close(fig)
