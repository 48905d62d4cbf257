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
    for name in ("log_sigmoid_loss_fn", "mul_loss_fn_input0", "grad_add_model", "lr_group0",
                 "grad_sum_loss_fn", "grad_mul_loss_fn", "def sgd_update(", "grad_output"):
        assert name in printed


def test_the_gradient_code_walkthrough_is_right():
    """What the README says the backward's inputs are and its lines compute:
    log_sigmoid_loss_fn is log sigmoid(z), mul_loss_fn_input0 is 1 - y,
    grad_sum_loss_fn is 1/8, grad_add_model is (sigmoid(z) - y) / 8."""
    import numpy as np
    import minigrad as mg
    code = _blocks("See the gradient code")[0]
    namespace = {}
    exec(compile(code.replace("print(step.code)", ""), "README gradient code", "exec"), namespace)
    step, model, X, y = (namespace[k] for k in ("step", "model", "X", "y"))
    backward = step._last[0].function
    seen = {}
    z = (X.numpy() @ model.weight.numpy().T + model.bias.numpy()).astype(np.float32)
    log_sigmoid = np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))
    out = backward(np.float32(1.0), log_sigmoid, (1 - y.numpy()), X.numpy())
    z64 = z.astype(np.float64)
    expected = (1 / (1 + np.exp(-z64)) - y.numpy()) / 8
    np.testing.assert_allclose(out[0], expected.sum(0), rtol=1e-5)            # the bias
    np.testing.assert_allclose(out[1], (X.numpy().T @ expected).T, rtol=1e-5)  # the weight
    import inspect
    seen = inspect.signature(backward).parameters
    assert list(seen) == ["grad_output", "log_sigmoid_loss_fn", "mul_loss_fn_input0", "x"]
    assert "grad_sum_loss_fn = np.divide(grad_output, 8" in step.code


# where a bare name in "Layers and activations" is looked up, in order
_HOMES = ["nn", "nn.functional", "nn.init", "nn.utils", "optim", "optim.lr_scheduler",
          "callbacks", "metrics", "utils.data", "", "nn.Module", "optim.Optimizer", "Tensor"]
# backticked words there that are options or phrases, not names
_NOT_NAMES = {"momentum", "affine", "track_running_stats", "amsgrad", "batch_size", "shuffle",
              "drop_last", "seed", ".npz", "device=", "rng=", "import minigrad as torch",
              "t.device", "t.to(device)", "copy.deepcopy", "decoupled_weight_decay", "maximize",
              'average="binary"', '"macro"', '"micro"', '"weighted"', '"sgd"',
              "model.summary(...)", "model.summary()"}


def _resolve(path):
    import minigrad as mg
    obj = mg
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _exists(token):
    """Whether a backticked README token names something minigrad has."""
    import minigrad as mg
    name = re.sub(r"\(.*\)$", "", token, flags=re.S)   # Softmax(dim), to(dtype), zeros(2, 3)
    if name.startswith("mg."):
        return _has(name[3:])
    if name.endswith("*"):                           # xavier_*: some name with that prefix
        return any(n.startswith(name[:-1]) for n in dir(mg.nn.init))
    if name.startswith("history."):
        return hasattr(mg.History(), name.split(".")[1].split("[")[0])
    return any(_has(f"{home}.{name}" if home else name) for home in _HOMES)


def _has(path):
    try:
        _resolve(path)
    except AttributeError:
        return False
    return True


def test_every_name_in_layers_and_activations_exists():
    text = read().split("## Layers and activations", 1)[1].split("\n## ", 1)[0]
    tokens = re.findall(r"`([^`]+)`", text)
    assert len(tokens) > 100
    missing = [t for t in tokens if t not in _NOT_NAMES and not t.startswith("examples/")
               and not _exists(t)]
    assert not missing, f"README 'Layers and activations' names what minigrad lacks: {missing}"


def test_every_name_the_tour_uses_exists():
    """The tour runs (test_the_tour_runs); here each mg.X, mg.nn.X and
    mg.nn.functional.X it spells out is also checked by name."""
    tour = read().split("## A five-minute tour", 1)[1]
    code = re.search(r"```python\n(.*?)```", tour, re.S).group(1)
    names = set(re.findall(r"\bmg(?:\.\w+)+", code))
    assert {"mg.cuda.is_available", "mg.einsum", "mg.cat", "mg.nn.Sequential"} <= names
    missing = sorted(n for n in names if not _has(n[3:]) and not _has(n[3:].rsplit(".", 1)[0]))
    assert not missing, missing
