"""Bad input to the minigrad command, and to examples/logistic_regression.py:
one line on stderr naming what was wrong, a non-zero exit status, never a
traceback, and nothing done before the check."""
import os
import subprocess
import sys

import pytest

import minigrad as mg
from minigrad import cli, demo, graph, plots
from minigrad.explain import ALIASES, LOSSES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def call(*args):
    """Run the command in this process; its exit status (capsys has its output)."""
    try:
        status = cli.main(list(args))
    except SystemExit as e:          # argparse's exit
        status = e.code
    return status


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# 1. every numeric option is checked (finite, in range) before anything runs

@pytest.mark.parametrize("args,option", [
    (["demo", "--l2", "inf"], "--l2"), (["demo", "--l2", "nan"], "--l2"),
    (["demo", "--l2", "-1e-3"], "--l2"), (["demo", "--l2", "0"], "--l2"),
    (["demo", "--l2", "1e5"], "--l2"), (["demo", "--steps", "0"], "--steps"),
    (["demo", "--steps", "2.5"], "--steps"), (["demo", "--steps", "inf"], "--steps"),
    (["demo", "--seed", "-1"], "--seed"), (["plot", "logreg", "--l2", "inf"], "--l2"),
    (["plot", "logreg", "--steps", "nan"], "--steps"),
    (["explain", "bce", "--y-true", "0", "--y-pred", "nan"], "--y-pred"),
    (["explain", "bce", "--y-true", "inf", "--y-pred", "0.5"], "--y-true"),
    (["explain", "bce", "--y-true", "0", "--y-pred", "0.5", "--label-smoothing", "1.5"],
     "--label-smoothing"),
    (["explain", "focal", "--y-true", "0", "--y-pred", "0.5", "--alpha", "2"], "--alpha"),
    (["explain", "huber", "--y-true", "0", "--y-pred", "0.5", "--delta", "-inf"], "--delta"),
    (["explain", "cce", "--y-true", "0", "--y-pred", "1", "--classes", "0"], "--classes"),
])
def test_numeric_options_are_checked(args, option, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demo, "load", lambda *a: pytest.fail("trained before the check"))
    assert call(*args) == 2
    out, err = capsys.readouterr()
    line = one_line(err)
    assert line.startswith(f"minigrad {args[0]}: error: argument {option}:") and out == ""


def test_demo_l2_inf_nan_name_the_option(capsys):
    for value in ("inf", "nan"):
        assert call("demo", "--l2", value, "--no-plots") == 2
        line = one_line(capsys.readouterr().err)
        assert "--l2" in line and "not finite" in line and "lr" not in line


def test_demo_run_checks_its_settings():
    with pytest.raises(ValueError, match="l2 must be a finite number > 0"):
        demo.run(l2=float("inf"), plots=False, echo=lambda line: None)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        demo.run(steps=0, plots=False, echo=lambda line: None)


def test_integer_options_take_integral_scientific_notation():
    args = cli.build_parser().parse_args(["demo", "--steps", "1e3", "--seed", "7"])
    assert args.steps == 1000 and isinstance(args.steps, int) and args.seed == 7


# 2. negative numbers in any notation are values, not options

def test_negative_numbers_in_scientific_notation_parse():
    args = cli.build_parser().parse_args(
        ["explain", "bce", "--y-true", "1", "0", "1", "0", "--y-pred", "-1e3", "-1E-5", "-.5e2",
         "-2", "--from-logits"])
    assert args.y_pred == [-1000.0, -1e-05, -50.0, -2.0]


def test_explain_of_negative_logits_end_to_end(capsys):
    assert call("explain", "bce", "--y-true", "0", "1", "--y-pred", "-1e3", "2",
                "--from-logits") == 0
    out = capsys.readouterr().out
    assert "-1000" in out and "Binary cross-entropy of logits" in out


@pytest.mark.parametrize("value", ["-inf", "-Infinity", "-nan", "inf"])
def test_infinite_values_are_refused_clearly(value, capsys):
    assert call("explain", "bce", "--y-true", "0", "--y-pred", value, "--from-logits") == 2
    line = one_line(capsys.readouterr().err)
    assert f"argument --y-pred: '{value}' is not finite" in line


# 3. graph: the suffix decides the format; nothing drawn is a failure

@pytest.fixture
def no_graphviz(monkeypatch):
    monkeypatch.setattr(graph, "have_graphviz", lambda: False)


@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_graph_without_graphviz_fails_and_keeps_the_svg(fmt, tmp_path, capsys, no_graphviz):
    out = tmp_path / f"g.{fmt}"
    assert call("graph", "bce", "--out", str(out)) == 1
    line = one_line(capsys.readouterr().err)
    assert f".{fmt} needs Graphviz" in line and "not drawn" in line
    assert str(tmp_path / "g.svg") in line and "web browser" in line
    assert not out.exists() and (tmp_path / "g.svg").read_text().startswith("<svg")


@pytest.mark.parametrize("args", [[], ["--out", "g.svg"]])
def test_graph_without_graphviz_draws_the_svg(args, tmp_path, monkeypatch, capsys,
                                              no_graphviz):
    monkeypatch.chdir(tmp_path)
    assert call("graph", *args) == 0
    made = args[-1] if args else "minigrad-graph.svg"
    assert f"{made} (open it in a web browser)" in capsys.readouterr().out
    svg = (tmp_path / made).read_text()
    assert svg.startswith("<svg") and ">y_pred</text>" in svg and ">Clip</text>" in svg


@pytest.mark.parametrize("name", ["g.xyz", "g.txt", "g", "g.svgz"])
def test_graph_refuses_unknown_suffixes_up_front(name, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert call("graph", "bce", "--out", name) == 2
    line = one_line(capsys.readouterr().err)
    assert "argument --out" in line and ".dot, .svg, .png, .pdf" in line
    assert os.listdir(tmp_path) == []


def test_graph_with_graphviz_renders_the_suffix_format(tmp_path, capsys, monkeypatch):
    calls = []

    def fake_run(cmd, input, **kwargs):
        calls.append(cmd)
        with open(cmd[cmd.index("-o") + 1], "w") as f:
            f.write("PNG " + input)

    monkeypatch.setattr(graph, "have_graphviz", lambda: True)
    monkeypatch.setattr(graph.subprocess, "run", fake_run)
    out = tmp_path / "G.PNG"
    assert call("graph", "cce", "--out", str(out)) == 0
    assert calls == [["dot", "-Tpng", "-o", str(out)]]
    assert out.read_text().startswith("PNG digraph") and str(out) in capsys.readouterr().out


def test_graph_reports_a_failing_dot(tmp_path, capsys, monkeypatch):
    def failing_run(cmd, **kwargs):
        raise subprocess.CalledProcessError(1, cmd, stderr="Error: <stdin>: syntax error\n")

    monkeypatch.setattr(graph, "have_graphviz", lambda: True)
    monkeypatch.setattr(graph.subprocess, "run", failing_run)
    assert call("graph", "bce", "--out", str(tmp_path / "g.svg")) == 2
    line = one_line(capsys.readouterr().err)
    assert "could not render" in line and "syntax error" in line


# 4. demo and plot check their output folder before they start

@pytest.fixture
def unwritable(tmp_path):
    (tmp_path / "afile").write_text("")
    return [str(tmp_path / "afile"), str(tmp_path / "afile" / "plots")]


@pytest.mark.parametrize("command", [["demo"], ["plot", "logreg"], ["plot", "losses"]])
def test_unwritable_out_is_refused_before_training(command, unwritable, capsys, monkeypatch):
    monkeypatch.setattr(plots, "have_matplotlib", lambda: True)
    monkeypatch.setattr(demo, "load", lambda *a: pytest.fail("trained before the check"))
    monkeypatch.setattr(demo, "fit", lambda *a, **k: pytest.fail("trained before the check"))
    for out in unwritable:
        assert call(*command, "--out", out) == 2
        captured = capsys.readouterr()
        line = one_line(captured.err)
        assert "cannot write the plots to" in line and repr(out) in line and captured.out == ""


def test_missing_out_folder_is_made(tmp_path):
    folder = tmp_path / "a" / "b"
    assert demo.prepare_folder(str(folder)) == str(folder) and folder.is_dir()


def test_no_plots_needs_no_folder(tmp_path, capsys, unwritable):
    assert call("demo", "--dataset", "toy", "--steps", "20", "--no-plots",
                "--out", unwritable[1]) == 0


# 5. one name table: explain and graph take every name mg.explain takes

@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_every_explain_name_works_on_the_command_line(alias):
    parser = cli.build_parser()
    for spelling in (alias, alias.upper(), alias.replace("_", "-")):
        args = parser.parse_args(["explain", spelling, "--y-true", "0", "--y-pred", "0.5"])
        assert args.loss == ALIASES[alias]
        assert parser.parse_args(["graph", spelling]).loss == ALIASES[alias]
        example = LOSSES[ALIASES[alias]].example
        assert mg.explain(spelling, *example, show=False).loss == ALIASES[alias]


def test_explain_cli_accepts_keras_names_end_to_end(capsys):
    assert call("explain", "BINARY_CROSSENTROPY", "--y-true", "0", "1", "--y-pred", "0.1",
                "0.9") == 0
    assert call("explain", "scce", "--classes", "2", "--y-true", "1", "--y-pred", "0.3",
                "0.7") == 0
    assert "Sparse categorical" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["explain", "graph"])
def test_unknown_loss_suggests_the_closest(command, capsys):
    assert call(command, "bcee", *(["--y-true", "0", "--y-pred", "0.5"]
                                   if command == "explain" else [])) == 2
    line = one_line(capsys.readouterr().err)
    assert "unknown loss 'bcee' (did you mean 'bce'?)" in line and "huber" in line


@pytest.mark.parametrize("name", list(LOSSES))
def test_graph_offers_every_loss_explain_offers(name, tmp_path, capsys):
    info = LOSSES[name]
    assert call("graph", info.short, "--out", str(tmp_path / "k.dot")) == 0
    assert (tmp_path / "k.dot").read_text().count("->") >= 3
    status = call("graph", info.short, "--flavour", "pytorch", "--out", str(tmp_path / "t.dot"))
    assert status == (2 if info.torch is None else 0)
    if info.torch is not None:
        assert (tmp_path / "t.dot").read_text().count("->") >= 3


def test_graph_help_names_every_loss():
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["graph"].format_help()
    for info in LOSSES.values():
        assert info.short in help_text


def test_version(capsys):
    assert call("--version") == 0
    assert capsys.readouterr().out == f"minigrad {mg.__version__}\n"


def test_version_as_a_process():
    r = subprocess.run([sys.executable, "-m", "minigrad", "--version"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == f"minigrad {mg.__version__}\n"


def test_options_of_another_loss_are_refused(capsys):
    assert call("explain", "bce", "--y-true", "0", "--y-pred", "0.5", "--gamma", "1") == 2
    assert "--gamma does not apply to bce" in one_line(capsys.readouterr().err)
    assert call("explain", "mse", "--y-true", "0", "--y-pred", "0.5", "--from-logits") == 2
    assert "mse has no logits" in one_line(capsys.readouterr().err)


# 6. gamma < 0 is refused

def test_negative_gamma_is_refused(capsys):
    assert call("explain", "focal", "--y-true", "0", "1", "--y-pred", "0.3", "0.6",
                "--gamma", "-1") == 2
    line = one_line(capsys.readouterr().err)
    assert "argument --gamma" in line and ">= 0" in line


# 8. say what the walkthroughs are

def test_no_seed_documents_in_user_facing_text(capsys):
    for name in ("minigrad/cli.py", "minigrad/explain.py", "minigrad/graph.py",
                 "minigrad/demo.py", "minigrad/datasets.py", "examples/loss_walkthroughs.py",
                 "examples/logistic_regression.py"):
        with open(os.path.join(ROOT, name)) as f:
            text = f.read().lower()
        assert "seed document" not in text and "seed 00" not in text, name
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["graph", "--help"])
    assert "BCE/CCE walkthroughs (TensorFlow, Keras, PyTorch and numpy)" in " ".join(
        capsys.readouterr().out.split())
    note = " ".join(mg.explain("bce", [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6], show=False).notes)
    assert "TensorFlow/Keras BCE walkthrough" in note and "seed" not in note


# 9. examples/logistic_regression.py without scikit-learn

def test_logistic_regression_example_without_sklearn():
    code = ("import runpy, sys; sys.modules['sklearn'] = None; "
            "sys.argv = ['logistic_regression.py', '--steps', '5']; "
            f"runpy.run_path({os.path.join(ROOT, 'examples', 'logistic_regression.py')!r}, "
            "run_name='__main__')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PYTHONWARNINGS="error"))
    assert r.returncode == 2 and r.stdout == ""
    line = one_line(r.stderr)
    assert "needs scikit-learn: pip install 'minigrad[data]'" in line
    # the same hint as the demo's
    demo_hint = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['sklearn'] = None; "
         "from minigrad.cli import main; sys.exit(main(['demo', '--dataset', 'breast_cancer', "
         "'--no-plots']))"], capture_output=True, text=True, timeout=120)
    assert demo_hint.returncode == 2
    assert one_line(demo_hint.stderr).split("error: ")[1] == line.split("error: ")[1]
