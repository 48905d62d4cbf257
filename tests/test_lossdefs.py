"""The loss registry: each loss is declared once (minigrad/lossdefs) and the
faces, explain, the command line and the plots take their names from it."""
import inspect

import pytest

import minigrad as mg
from minigrad import cli
from minigrad.lossdefs import registry
from minigrad.lossdefs.keras_base import Loss
from minigrad.nn.module import Module

PAIRS = [d.keras for d in registry.DECLARATIONS if d.keras]
TORCH_PAIRS = [d.torch for d in registry.DECLARATIONS if len(d.torch) == 2]


def test_the_faces_are_the_registry():
    keras_base = ["epsilon", "set_epsilon", "Loss", "LossFunctionWrapper", "REDUCTIONS"]
    assert mg.losses.__all__ == keras_base + list(registry.KERAS)
    activations = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "silu", "softplus",
                   "hardtanh"]
    assert mg.nn.functional.__all__ == (list(registry.TORCH_FUNCTIONS) + activations
                                        + mg.nn.functional.LAYERS)
    assert set(registry.TORCH_MODULES) <= set(mg.nn.__all__)
    for module, table in ((mg.losses, registry.KERAS), (mg.nn.functional,
                                                         registry.TORCH_FUNCTIONS),
                          (mg.nn, registry.TORCH_MODULES)):
        for name, obj in table.items():
            assert getattr(module, name) is obj


@pytest.mark.parametrize("function,cls", PAIRS, ids=[f.__name__ for f, _ in PAIRS])
def test_keras_classes_are_plain_and_take_their_functions_keywords(function, cls):
    assert issubclass(cls, Loss) and "call" in vars(cls) and "__init__" in vars(cls)
    assert f"class {cls.__name__}(kb.Loss):" in inspect.getsource(inspect.getmodule(cls))
    fn_params = [p for p in inspect.signature(function).parameters.values()
                 if p.name not in ("y_true", "y_pred")]
    params = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in params[:len(fn_params)]] == [
        (p.name, p.default) for p in fn_params]
    assert [(p.name, p.default) for p in params[len(fn_params):]] == [
        ("reduction", "sum_over_batch_size"), ("name", function.__name__), ("dtype", None)]
    assert cls().name == function.__name__
    assert set(cls().get_config()) == {"name", "reduction", *(p.name for p in fn_params)}


def test_binary_crossentropy_signature_is_keras_s():
    assert str(inspect.signature(mg.losses.BinaryCrossentropy)) == (
        "(from_logits=False, label_smoothing=0.0, axis=-1, reduction='sum_over_batch_size', "
        "name='binary_crossentropy', dtype=None)")


@pytest.mark.parametrize("function,cls", TORCH_PAIRS, ids=[c.__name__ for _, c in TORCH_PAIRS])
def test_torch_modules_are_plain_and_take_their_functions_keywords(function, cls):
    assert issubclass(cls, Module) and "forward" in vars(cls) and "__init__" in vars(cls)
    assert f"class {cls.__name__}(tb._Loss):" in inspect.getsource(inspect.getmodule(cls))
    fn_params = {p.name: p.default for p in inspect.signature(function).parameters.values()
                 if p.name not in ("input", "target")}
    params = {p.name: p.default for p in inspect.signature(cls).parameters.values()}
    assert params == fn_params


def test_explain_and_the_command_line_offer_the_explained_losses():
    assert mg.explain.__module__ == "minigrad.explain"
    from minigrad.explain import LOSSES, OPTIONS

    assert LOSSES is registry.EXPLAINED
    for info in LOSSES.values():
        assert registry.KERAS[info.name].__name__ == info.name
        assert registry.KERAS[info.keras.__name__] is info.keras
        assert set(OPTIONS[info.name]) <= set(registry.OPTIONS)
    explain = cli.build_parser()._subparsers._group_actions[0].choices["explain"]
    flags = {s for action in explain._actions for s in action.option_strings}
    assert {option.flag for option in registry.OPTIONS.values()} <= flags
    assert "hinge" in LOSSES and "poisson" in LOSSES
    assert "soft_margin_loss" not in LOSSES                    # an entry is optional


def test_the_gallery_is_the_registry_s():
    assert [title for title, _ in registry.GALLERY] == [
        "binary cross-entropy (Keras 3)", "focal BCE, gamma = 2 (Keras 3)",
        "mean squared error", "mean absolute error", "Huber, delta = 0.5"]


def test_a_name_is_declared_once():
    before = (dict(registry.KERAS), dict(registry.EXPLAINED), len(registry.DECLARATIONS))

    def again(y_true, y_pred):
        return y_pred

    again.__name__ = "huber"
    with pytest.raises(ValueError, match="a loss named 'huber' is declared twice"):
        registry.declare(keras=(again, mg.losses.Huber))
    again.__name__ = "another_huber"

    class AnotherHuber(Loss):
        pass

    with pytest.raises(ValueError, match="option 'delta' is declared twice, differently"):
        registry.declare(keras=(again, AnotherHuber), explain=dict(
            short="h2", aliases=(), example=((0,), (0,)), logits=False, torch=None, build=None,
            options=(registry.Option("delta", 2.0),)))
    assert before == (dict(registry.KERAS), dict(registry.EXPLAINED), len(registry.DECLARATIONS))
