"""Issue 21, item 4: error messages that point at the fix."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import cli

P = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])


def test_cce_given_labels_points_to_sparse_cce_or_one_hot():
    for call in (lambda: mg.losses.CategoricalCrossentropy()(np.array([0, 2]), P),
                 lambda: mg.losses.categorical_crossentropy(np.array([[0], [2]]), P)):
        with pytest.raises(ValueError) as e:
            call()
        msg = str(e.value)
        assert "SparseCategoricalCrossentropy" in msg and "mg.one_hot(y_true, 3)" in msg
        assert ".reshape(" not in msg
    # what the message says works
    fixed = mg.losses.CategoricalCrossentropy()(mg.one_hot([0, 2], 3), P).item()
    assert fixed == pytest.approx(mg.losses.SparseCategoricalCrossentropy()([0, 2], P).item())


def test_no_impossible_reshape_is_suggested():
    with pytest.raises(ValueError) as e:
        mg.losses.MeanSquaredError()(np.zeros(3), np.zeros((2, 2)))
    assert ".reshape(" not in str(e.value) and "different numbers of values" in str(e.value)
    with pytest.raises(ValueError, match=r"e\.g\. y_true\.reshape\(\(2, 2\)\)"):
        mg.losses.MeanSquaredError()(np.zeros(4), np.zeros((2, 2)))


@pytest.mark.parametrize("loss", [mg.nn.CrossEntropyLoss(), mg.nn.NLLLoss()])
def test_swapped_cross_entropy_arguments_are_named_as_such(loss):
    labels, logits = mg.tensor([0, 2]), mg.tensor(P)
    with pytest.raises(ValueError) as e:
        loss(labels, logits)
    msg = str(e.value)
    assert "look swapped" in msg and "(input, target)" in msg
    assert "needs labels of shape ()" not in msg
    loss(mg.log(logits), labels)          # the order it names works


def test_cli_errors_use_cli_syntax(capsys):
    assert cli.main(["explain", "bce", "--y-true", "0", "1", "--y-pred", "2", "0.5"]) == 2
    err = capsys.readouterr().err
    assert "--from-logits" in err and "from_logits=True" not in err


def test_code_help_has_no_typo(capsys):
    with pytest.raises(SystemExit):
        cli.main(["code", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "the code its replays run" not in out
    assert "the backward pass as mg.compile records and runs it" in out


def test_fit_with_an_optimizer_string_works_or_says_what_to_pass():
    model = mg.nn.Linear(2, 1, rng=0)
    X = np.random.default_rng(0).random((8, 2), dtype=np.float32)
    y = X.sum(1, keepdims=True)
    mg.fit(model, "mse", "adam", X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'.*'adam'"):
        mg.fit(model, "mse", "adamm", X, y, epochs=1, verbose=0)
    with pytest.raises(TypeError, match="optimizer must be"):
        mg.fit(model, "mse", 3, X, y, epochs=1, verbose=0)
