"""The minigrad command: demo end to end, --help everywhere, bad arguments."""
import os
import subprocess
import sys

import pytest

from minigrad import cli

COMMANDS = [name for name in cli.build_parser()._subparsers._group_actions[0].choices]


def run(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run([sys.executable, "-m", "minigrad", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


def test_demo_end_to_end(tmp_path):
    r = run("demo", "--out", str(tmp_path / "plots"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "gradient check (float64, central differences" in out and "passed" in out
    assert "step     1" in out and "converged after" in out
    assert "test accuracy: minigrad" in out
    try:
        import sklearn  # noqa: F401
        assert "scikit-learn" in out.split("test accuracy:")[1].splitlines()[0]
        assert "breast cancer" in out
    except ImportError:
        assert "toy set" in out
    try:
        import matplotlib  # noqa: F401
        assert "plots: " in out and os.path.exists(tmp_path / "plots" / "logreg_training.png")
    except ImportError:
        assert "matplotlib is not installed" in out


def test_demo_toy_set_without_plots(tmp_path):
    r = run("demo", "--dataset", "toy", "--no-plots", "--steps", "300", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "toy set" in r.stdout and "plots" not in r.stdout


@pytest.mark.parametrize("command", [[]] + [[c] for c in COMMANDS])
def test_help(command):
    r = run(*command, "--help")
    assert r.returncode == 0 and "usage: minigrad" in r.stdout


@pytest.mark.parametrize("args", [["demo", "--steps", "-3"], ["demo", "--l2", "abc"],
                                  ["demo", "--dataset", "mnist"], ["frobnicate"], [],
                                  ["demo", "--bogus"]])
def test_bad_arguments_get_one_line_and_status_2(args):
    r = run(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [("bce", "--from-logits"), ("bce", "--flavour", "pytorch"),
                                  ("cce",), ("sparse_cce", "--from-logits"), ("mse",)])
def test_code_prints_the_backward_of_a_loss(args, capsys):
    import numpy as np
    import minigrad as mg
    assert cli.main(["code", *args]) == 0
    out = capsys.readouterr().out
    assert "# backward" in out and "# forward" not in out and "# update" not in out
    compile(out, "printed code", "exec")          # valid Python
    info = cli.LOSSES[cli._loss_name(args[0])]
    flavour = "pytorch" if "pytorch" in args else "keras"
    y, p = cli._example(info)
    p = mg.tensor(p, requires_grad=True)
    loss = cli._loss_of(info, flavour, "--from-logits" in args)(y, p)
    loss.backward()
    assert f"loss = {loss.item():.10g}," in out
    assert f"y_pred.grad = {p.grad.numpy().tolist()}" in out


def test_code_refuses_an_option_the_loss_has_not(capsys):
    assert cli.main(["code", "mse", "--from-logits"]) == 2
    assert "leave out --from-logits" in capsys.readouterr().err
