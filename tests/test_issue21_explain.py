"""Issue 21, item 3: explanations say only what is true of their input, show
themselves once, and fit in 100 columns."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import cli
from minigrad.explain import LOSSES

WIDTH = 100
EXAMPLE = ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])     # the TensorFlow/Keras BCE walkthrough's
TENSORFLOW_PRINTED = "0.3240218758583069"           # what the walkthrough printed for it


def notes(*args, **kwargs):
    return " ".join(mg.explain(*args, **kwargs).notes)


def test_exact_inputs_do_not_blame_binary_rounding():
    # 1, 0 are exact in float32: only the operations round
    text = notes("bce", [1, 1, 1], [1, 1, 0])
    assert "0.1 is not exact in binary" not in text and "not exact in binary" not in text
    assert "exact in float32" in text
    # 0.1 is not: then say so, naming a number of the input
    assert "(0.1 is not exact in binary)" in notes("bce", *EXAMPLE)


def test_the_walkthrough_sentence_only_for_its_example():
    assert "walkthrough" in notes("bce", *EXAMPLE)
    for y, p in (([1, 1, 1], [1, 1, 0]), ([0, 1], [0.3, 0.6]),
                 ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.5])):
        assert "walkthrough" not in notes("bce", y, p)
    assert "walkthrough" not in notes("bce", *EXAMPLE, label_smoothing=0.1)


def test_the_tensorflow_number_is_shown_in_full_where_tf_keras_is_named():
    ex = mg.explain("bce", *EXAMPLE)
    (tf2,) = [c for c in ex.conventions if c.name == "tf.keras 2.x"]
    assert repr(tf2.float32) == TENSORFLOW_PRINTED                 # the library computes it ...
    assert TENSORFLOW_PRINTED in str(ex).replace("\n    ", " ")   # ... and says it


def test_no_negative_zero_in_the_tables():
    text = str(mg.explain("bce", [1, 1, 1], [1, 1, 0]))
    assert " -0 " not in text + " " and not any(w in ("-0", "-0.0") for w in text.split())
    grad_table = text.split("d loss / d y_pred\n")[1].split("\n\n")[0]
    assert [line.split()[-1] for line in grad_table.splitlines()] == ["0", "0", "0"]
    html = mg.explain("bce", [1, 1, 1], [1, 1, 0])._repr_html_()
    assert ">-0<" not in html and ">-0.0<" not in html


def test_print_shows_it_once_and_the_value_is_a_float(capsys):
    ex = mg.explain("bce", *EXAMPLE)
    assert capsys.readouterr().out == ""          # the call prints nothing itself
    print(ex)
    printed = capsys.readouterr().out
    assert printed.count("Value under each convention:") == 1
    assert repr(ex) == str(ex) == printed[:-1]      # a terminal shows the text
    assert "<table" in ex._repr_html_()              # a notebook the HTML
    assert ex.item() == float(ex) == ex.value == mg.losses.BinaryCrossentropy()(
        np.array(EXAMPLE[0], float), np.array(EXAMPLE[1])).item()
    assert isinstance(ex.item(), float)
    mg.explain("mse", [0.0], [1.0], show=True)       # show=True: print it now, once
    assert capsys.readouterr().out.count("Mean squared error") == 1


COMMANDS = [
    "bce --y-true 0 1 0 0 --y-pred 0.1 0.95 0.2 0.6",
    "bce --y-true 1 1 1 --y-pred 1 1 0",
    "bce --from-logits --y-true 0 1 --y-pred 0.5 300",
    "cce --classes 4 --y-true 0 1 3 --y-pred 0.8 0.05 0.1 0.05 0.2 0.5 0.2 0.1 0.1 0.1 0.1 0.7",
    "sparse_cce --classes 12 --y-true 0 1 --y-pred " + " ".join(["0.1"] * 24),
    "focal --y-true 0 1 0 0 --y-pred 0.1 0.95 0.2 0.6",
    "cce --from-logits --label-smoothing 0.1 --classes 4 --y-true 0 1 3 --y-pred "
    "0.8 0.05 0.1 0.05 0.2 0.5 0.2 0.1 0.1 0.1 0.1 0.7",
    "poisson --y-true 0 1 2 4 --y-pred 0.5 1.2 1.8 3.0",
] + [f"{info.short} --y-true 0 1 0 1 --y-pred 0.1 0.95 0.2 0.6" for info in LOSSES.values()
     if info.targets == "elements"]


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_explain_lines_fit_in_100_columns(command, capsys):
    assert cli.main(["explain", *command.split()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= WIDTH, max(lines, key=len)


def test_a_wrapped_rule_stays_in_its_column():
    from minigrad.explanation import Convention, _conventions
    rows = _conventions([Convention("a", "word " * 30, 0.5, 0.25),
                         Convention("bb", "short", 1.0, 2.0)])
    assert max(map(len, rows)) <= WIDTH
    start = rows[0].index("rule")
    wrapped = rows[2:-1]
    assert len(wrapped) >= 1 and all(r[:start].strip() == "" and r[start:start + 4] == "word"
                                     for r in wrapped)
    assert " ".join(r[start:].split("0.5")[0].strip() for r in rows[1:-1]).split() == ["word"] * 30


def test_the_readme_losses_are_all_explained():
    """Every Keras loss that the README's table of losses names is one that
    explain knows."""
    from pathlib import Path
    import re
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    table = readme.split("## The two loss families side by side")[1].split("\n\n")[2]
    keras_column = [row.split("|")[2] for row in table.splitlines() if row.startswith("|")]
    named = {n for cell in keras_column for n in re.findall(r"`([a-z_]+)`", cell)}
    named &= set(mg.losses.__all__) if hasattr(mg.losses, "__all__") else set(dir(mg.losses))
    named = {n for n in named if callable(getattr(mg.losses, n, None))}
    assert {"hinge", "kl_divergence", "squared_hinge"} <= named
    assert named <= set(LOSSES), sorted(named - set(LOSSES))


# ------------------------------------------- the losses explain now covers

def _torch_value_and_grad(fn, p):
    torch = pytest.importorskip("torch")
    t = torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True)
    out = fn(torch, t)
    out.backward()
    return out.item(), t.grad.numpy()


@pytest.mark.parametrize("squared", [False, True])
def test_hinge_explained_as_torch_computes_it(squared):
    y01 = np.array([[0, 1, 0, 1], [1, 1, 0, 0]], dtype=float)
    p = np.array([[0.1, 0.95, -2.0, 1.5], [-0.3, 2.0, 0.2, 0.6]])
    ex = mg.explain("squared_hinge" if squared else "hinge", y01, p)
    s = 2 * y01 - 1                                          # Keras's -1/1 labels

    def ref(torch, t):
        m = torch.clamp(1 - torch.tensor(s) * t, min=0)
        return (m ** 2 if squared else m).mean()
    value, grad = _torch_value_and_grad(ref, p)
    assert ex.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(ex.grad.reshape(p.shape), grad, rtol=1e-12)
    if not squared:
        sklearn = pytest.importorskip("sklearn.metrics")
        assert ex.item() == pytest.approx(sklearn.hinge_loss(s.ravel(), p.ravel()), rel=1e-12)


def test_kl_divergence_explained_as_torch_computes_it():
    y = np.array([[0.1, 0.6, 0.3], [0.25, 0.25, 0.5]])
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
    ex = mg.explain("kl_divergence", y, p)
    value, grad = _torch_value_and_grad(lambda torch, t: torch.nn.functional.kl_div(
        torch.log(t), torch.tensor(y), reduction="batchmean"), p)
    assert ex.item() == pytest.approx(value, rel=1e-12)           # 2 rows: Keras = batchmean
    np.testing.assert_allclose(ex.grad.reshape(p.shape), grad, rtol=1e-12)
    c = {c.name: c for c in ex.conventions}
    assert c["PyTorch KLDivLoss"].float64 == pytest.approx(value, rel=1e-12)
    assert dict((lbl, v) for lbl, v, _ in ex.steps)["mean over samples = sum / S"] == \
        pytest.approx(value, rel=1e-12)
    # one distribution (1-D): Keras sums it; PyTorch's batchmean divides by its length
    one = mg.explain("kl", y[0], p[0])
    torch_1d, _ = _torch_value_and_grad(lambda torch, t: torch.nn.functional.kl_div(
        torch.log(t), torch.tensor(y[0]), reduction="batchmean"), p[0])
    assert one.item() == pytest.approx(3 * torch_1d, rel=1e-12)
    assert {c.name: c for c in one.conventions}["PyTorch KLDivLoss"].float64 == \
        pytest.approx(torch_1d, rel=1e-12)


def test_cosine_similarity_explained_as_torch_computes_it():
    y = np.array([[0.0, 1.0, 1.0], [1.0, -2.0, 0.5]])
    p = np.array([[0.5, 1.0, 0.0], [2.0, 1.0, -1.0]])
    ex = mg.explain("cosine_similarity", y, p)
    value, grad = _torch_value_and_grad(lambda torch, t: -torch.nn.functional.cosine_similarity(
        torch.tensor(y), t, dim=-1).mean(), p)
    assert ex.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(ex.grad.reshape(p.shape), grad, rtol=1e-12)
    assert "shorter than eps" not in " ".join(ex.notes)
    zero = mg.explain("cosine", [0.0, 0.0], [1.0, 2.0])
    assert zero.item() == 0.0 and "shorter than eps" in " ".join(zero.notes)


def test_an_unknown_loss_on_the_graph_command_does_not_speak_of_explain(capsys):
    with pytest.raises(SystemExit):
        cli.main(["graph", "foo"])
    err = capsys.readouterr().err
    assert "unknown loss 'foo'" in err and "explain" not in err


# ------------------------------------------------------- mg.trace in a terminal

def _bce_trace(**kwargs):
    y_true = mg.tensor([0.0, 1.0, 0.0, 0.0])
    y_pred = mg.tensor([0.1, 0.95, 0.2, 0.6], requires_grad=True)
    with mg.keep_values():
        loss = mg.losses.BinaryCrossentropy()(y_true, y_pred)
    return mg.trace(loss, names={"y_pred": y_pred, "y_true": y_true}), y_true, y_pred, loss


def test_trace_text_uses_the_names_and_shows_small_values():
    t, y_true, y_pred, loss = _bce_trace()
    text = str(t)
    table = [line for line in text.splitlines() if line.split() and line.split()[0].isdigit()]
    rows = {line.split()[2]: line for line in table if line.split()[2] in ("y_pred", "y_true")}
    assert set(rows) == {"y_pred", "y_true"}
    assert rows["y_pred"].endswith("value [0.1, 0.95, 0.2, 0.6]")
    last = [line for line in table if line.split()[0] == str(len(t.rows) - 1)][0]
    assert last.split()[-1] == f"{loss.item():.4g}" and "mean" not in last


def test_trace_text_is_at_most_100_columns():
    net = mg.nn.Sequential(mg.nn.Linear(4, 8, rng=0), mg.nn.ReLU(), mg.nn.Linear(8, 3, rng=1))
    X = np.random.default_rng(0).random((4, 4), dtype=np.float32)
    with mg.keep_values():
        loss = mg.nn.CrossEntropyLoss()(net(mg.tensor(X)), np.array([0, 1, 2, 1]))
    for names in (None, net):
        lines = str(mg.trace(loss, names=names)).splitlines()
        assert max(map(len, lines)) <= WIDTH, max(lines, key=len)
    t, *_ = _bce_trace()
    assert max(map(len, str(t).splitlines())) <= WIDTH


def test_constants_are_inputs_of_their_ops():
    t, y_true, y_pred, loss = _bce_trace()
    consts = [r for r in t.rows if r["op"] == "const"]
    (yt,) = [r for r in consts if r["name"] == "y_true"]
    np.testing.assert_array_equal(yt["value_full"], y_true.numpy())
    users = [r for r in t.rows if yt["index"] in r["input_rows"]]
    assert [r["op"] for r in users] == ["Mul"]                   # y log p
    # 1 - y_true is a constant too, read by the other product
    assert any(np.array_equal(r["value_full"], 1 - y_true.numpy()) for r in consts)
    assert "y_true" in t._repr_html_()
    # every op row lists one input per operand, leaves and constants included
    for r in t.rows:
        if r["op"] not in ("leaf", "const"):
            assert len(r["inputs"].split(",")) == len(r["input_rows"])
