"""Issue 21, item 5: Keras habits in mg.fit, and mg.summary / model.summary()."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.training import OPTIMIZERS

# Keras 3's documented defaults (keras.optimizers.*: learning_rate, and the others)
KERAS3 = {"adam": 0.001, "sgd": 0.01, "rmsprop": 0.001, "adagrad": 0.001, "adamw": 0.001}


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float32).reshape(-1, 1)
    return X, y


def model():
    return mg.nn.Sequential(mg.nn.Linear(3, 1, rng=0), mg.nn.Sigmoid())


def test_keras_optimizer_names_with_keras_default_learning_rates():
    assert {name: d["lr"] for name, (_, d) in OPTIMIZERS.items()} == KERAS3
    for name, lr in KERAS3.items():
        opt = mg.training.optimizer_named(name.upper(), model())
        assert opt.param_groups[0]["lr"] == lr
    assert type(mg.training.optimizer_named("rmsprop", model())).__name__ == "RMSprop"
    assert mg.training.optimizer_named("rmsprop", model()).param_groups[0]["alpha"] == 0.9


def test_fit_with_keras_strings_trains_as_the_objects_would():
    X, y = data()
    a, b = model(), model()
    ha = mg.fit(a, "binary_crossentropy", "adam", X, y, epochs=3, batch_size=8,
                metrics=["accuracy"], shuffle=False, verbose=0)
    hb = mg.fit(b, mg.losses.BinaryCrossentropy(),
                mg.optim.Adam(b.parameters(), lr=0.001, eps=1e-7), X, y, epochs=3, batch_size=8,
                metrics=["accuracy"], shuffle=False, verbose=0)
    assert ha.history == hb.history and set(ha.history) == {"loss", "accuracy"}
    for name in ("mse", "mean_squared_error", "MeanSquaredError", "kld", "hinge"):
        mg.fit(model(), name, "sgd", X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="unknown loss 'binary_crossentropyy'.*did you mean"):
        mg.fit(model(), "binary_crossentropyy", "adam", X, y, verbose=0)


def test_sparse_categorical_by_name():
    X, _ = data()
    labels = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    net = mg.nn.Sequential(mg.nn.Linear(3, 3, rng=0), mg.nn.Softmax(-1))
    h = mg.fit(net, "sparse_categorical_crossentropy", "rmsprop", X, labels, epochs=2,
               metrics=["accuracy"], verbose=0)
    assert len(h.history["accuracy"]) == 2


def test_validation_split_is_the_last_fraction_before_shuffling():
    X, y = data(50)
    a, b = model(), model()
    ha = mg.fit(a, "binary_crossentropy", "sgd", X, y, epochs=3, batch_size=8,
                validation_split=0.2, seed=1, verbose=0)
    split = int(np.floor(50 * 0.8))                  # Keras: floor(n (1 - split)) train samples
    hb = mg.fit(b, "binary_crossentropy", "sgd", X[:split], y[:split], epochs=3, batch_size=8,
                validation_data=(X[split:], y[split:]), seed=1, verbose=0)
    assert ha.history == hb.history and "val_loss" in ha.history
    assert ha.params["samples"] == split == 40
    with pytest.raises(ValueError, match="not both"):
        mg.fit(model(), "mse", "sgd", X, y, validation_split=0.2, validation_data=(X, y), verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\)"):
        mg.fit(model(), "mse", "sgd", X, y, validation_split=1.0, verbose=0)
    with pytest.raises(ValueError, match="cannot be split"):
        mg.fit(model(), "mse", "sgd", X[:1], y[:1], validation_split=0.1, verbose=0)


# ---------------------------------------------------------------- summary

def _torch_count(module):
    return sum(p.numel() for p in module.parameters()), \
        sum(p.numel() for p in module.parameters() if p.requires_grad)


def test_summary_counts_parameters_as_torch_does():
    torch = pytest.importorskip("torch")
    ours = mg.nn.Sequential(mg.nn.Conv2d(1, 4, 3, padding=1, rng=0), mg.nn.ReLU(),
                            mg.nn.MaxPool2d(2), mg.nn.Flatten(), mg.nn.Linear(64, 10, rng=1),
                            mg.nn.BatchNorm1d(10), mg.nn.Linear(10, 2, rng=2))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                 torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                                 torch.nn.Linear(64, 10), torch.nn.BatchNorm1d(10),
                                 torch.nn.Linear(10, 2))
    ours[-1].bias.requires_grad = False
    theirs[-1].bias.requires_grad_(False)
    s = mg.summary(ours, input_size=(5, 1, 8, 8))
    total, trainable = _torch_count(theirs)
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == \
        (total, trainable, total - trainable)
    per_layer = [layer.params for layer in s.layers[1:]]
    assert per_layer == [sum(p.numel() for p in m.parameters()) for m in theirs]
    x = torch.zeros(5, 1, 8, 8)
    shapes = []
    theirs.eval()
    for m in theirs:
        x = m(x)
        shapes.append(tuple(x.shape))
    assert [layer.output_shape for layer in s.layers[1:]] == shapes
    assert s.layers[0].output_shape == (5, 2)
    text = str(s)
    assert f"Total params: {total:,}" in text and f"Trainable params: {trainable:,}" in text
    assert max(map(len, text.splitlines())) <= 100


def test_model_summary_is_the_alias_and_changes_nothing():
    net = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0), mg.nn.Dropout(0.5), mg.nn.Linear(4, 1, rng=1))
    before = {k: v.copy() for k, v in net.state_dict().items()}
    net.train()
    a, b = net.summary(input_size=(2, 3)), mg.summary(net, input_size=(2, 3))
    assert str(a) == str(b) == repr(a) and net.training
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())
    assert "forward" not in vars(net[0])              # the recording wrappers are gone
    assert "<table" in a._repr_html_()
    no_shapes = net.summary()
    assert all(layer.output_shape is None for layer in no_shapes.layers)
    assert "input_size" in str(no_shapes)
    with pytest.raises(ValueError, match="input_size is the input's shape"):
        net.summary(input_size=(2, 5))
