"""The README's tour runs as written."""
import os
import re

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def read():
    with open(README) as f:
        return f.read()


def test_the_tour_runs(capsys):
    pytest.importorskip("numpy")
    text = read()
    tour = text.split("## A five-minute tour", 1)[1]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    exec(compile(code, "README tour", "exec"), {})
    assert "Value under each convention" in capsys.readouterr().out


def test_the_readme_names_both_commands():
    text = read()
    assert 'pip install ".[plot,data]" && minigrad demo' in text
    assert 'pip install -e ".[test]" && pytest' in text


def _blocks(section):
    text = read().split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:python)?\n(.*?)```", text, re.S)


def test_the_hand_written_loop_prints_what_the_readme_shows(capsys):
    code, printed, error = _blocks("Writing the training loop by hand")
    exec(compile(code, "README loop", "exec"), {})
    assert capsys.readouterr().out == printed
    import minigrad as mg
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        p -= 0.1
    assert f"RuntimeError: {e.value}\n" == error


def test_the_gradient_code_is_what_the_readme_shows(capsys):
    code, printed = _blocks("See the gradient code")[:2]
    exec(compile(code, "README gradient code", "exec"), {})
    assert capsys.readouterr().out == printed
    for name in ("matmul_model", "log_sigmoid_loss_fn", "grad_add_model", "sgd_numbers('lr')",
                 "grad_sub_loss_fn", "grad_log_sigmoid_loss_fn", "subtract_loss_fn"):
        assert name in printed


def test_the_gradient_code_walkthrough_is_right():
    """What the README says the backward lines compute: grad_add_model is
    (sigmoid(z) - y) / N, and the two constants are +1/N and -1/N."""
    import numpy as np
    import minigrad as mg
    code = _blocks("See the gradient code")[0]
    namespace = {}
    exec(compile(code.replace("print(step.code)", ""), "README gradient code", "exec"), namespace)
    consts = namespace["step"]._last.function.__globals__
    np.testing.assert_array_equal(consts["grad_sub_loss_fn"], np.full((8, 1), 1 / 8, np.float32))
    np.testing.assert_array_equal(consts["grad_log_sigmoid_loss_fn"],
                                  np.full((8, 1), -1 / 8, np.float32))
    model, X, y = namespace["model"], namespace["X"], namespace["y"]
    z = (X.numpy() @ model.weight.numpy().T + model.bias.numpy()).astype(np.float64)
    expected = (1 / (1 + np.exp(-z)) - y.numpy()) / 8
    model.zero_grad()
    mg.nn.BCEWithLogitsLoss()(model(X), y).backward()
    np.testing.assert_allclose(model.bias.grad.numpy(), expected.sum(0), rtol=1e-5)
