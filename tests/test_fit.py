"""mg.fit, History and the callbacks (EarlyStopping, ModelCheckpoint)."""
import io

import numpy as np
import pytest

import minigrad as mg
from minigrad.datasets import make_moons
from minigrad.training import _Progress


def _moons(n=200, seed=0):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X.astype(np.float32), y


def _net(out=2):
    return mg.nn.Sequential(mg.nn.Linear(2, 16, rng=0), mg.nn.Tanh(), mg.nn.Linear(16, out, rng=1))


def _fit(net=None, epochs=4, **kw):
    X, y = _moons()
    net = net or _net()
    kw.setdefault("verbose", 0)
    kw.setdefault("seed", 0)
    opt = kw.pop("opt", None) or mg.optim.Adam(net.parameters(), lr=0.05)
    return net, mg.fit(net, kw.pop("loss", mg.nn.CrossEntropyLoss()), opt, X, y,
                       epochs=epochs, **kw)


def test_history_keys_lengths_and_params():
    X, y = _moons(80, seed=1)
    _, hist = _fit(epochs=3, validation_data=(X, y), metrics=["accuracy", "f1_score"],
                   batch_size=64)
    assert sorted(hist.history) == ["accuracy", "f1_score", "loss", "val_accuracy",
                                    "val_f1_score", "val_loss"]
    assert all(len(v) == 3 and all(isinstance(x, float) for x in v)
               for v in hist.history.values())
    assert hist.epoch == [0, 1, 2] and not hist.interrupted
    assert hist.params == {"epochs": 3, "steps": 4, "batch_size": 64, "samples": 200,
                           "verbose": 0}


def test_loss_decreases_on_moons():
    _, hist = _fit(epochs=20, metrics=["accuracy"])
    loss = hist.history["loss"]
    assert loss[-1] < 0.3 * loss[0]
    assert hist.history["accuracy"][-1] >= 0.95


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    # lr=0: the weights never change, so each batch loss is the full loss on that batch,
    # and their sample-weighted mean is the loss on all samples (200 = 3*64 + 8)
    X, y = _moons()
    net = _net()
    _, hist = _fit(net, epochs=1, batch_size=64, opt=mg.optim.SGD(net.parameters(), lr=0.0))
    with mg.no_grad():
        full = mg.nn.CrossEntropyLoss()(net(mg.tensor(X)), y).item()
    assert hist.history["loss"][0] == pytest.approx(full, rel=1e-6)


def test_same_seed_gives_bit_identical_histories_and_weights():
    runs = [_fit(epochs=3, metrics=["accuracy"]) for _ in range(2)]
    (n1, h1), (n2, h2) = runs
    assert h1.history == h2.history
    for (k1, a), (k2, b) in zip(n1.state_dict().items(), n2.state_dict().items()):
        assert k1 == k2 and np.array_equal(a, b)
    _, h3 = _fit(epochs=3, seed=1)
    assert h3.history["loss"] != h1.history["loss"]


def test_validation_metrics_equal_the_metrics_on_the_trained_model():
    X, y = _moons(100, seed=3)
    net, hist = _fit(epochs=3, validation_data=(X, y), metrics=["accuracy", "log_loss"])
    with mg.no_grad():
        out = net(mg.tensor(X))
    assert hist.history["val_accuracy"][-1] == mg.metrics.accuracy(y, out)
    assert hist.history["val_loss"][-1] == pytest.approx(
        mg.nn.CrossEntropyLoss()(out, y).item(), rel=1e-5)
    assert hist.history["val_log_loss"][-1] == pytest.approx(hist.history["val_loss"][-1],
                                                             rel=1e-5)


def test_one_output_column_reads_logits_or_probabilities_by_the_loss():
    X, y = _moons()
    yc = y.reshape(-1, 1).astype(np.float32)
    net = _net(1)
    hist = mg.fit(net, mg.nn.BCEWithLogitsLoss(), mg.optim.Adam(net.parameters(), lr=0.05),
                  X, yc, epochs=3, validation_data=(X, yc), metrics=["accuracy"], verbose=0)
    with mg.no_grad():
        logits = net(mg.tensor(X)).numpy()[:, 0]
    assert hist.history["val_accuracy"][-1] == np.mean((logits > 0) == y)
    # probabilities (a sigmoid in the model, a Keras loss without from_logits): 0.5
    pnet = mg.nn.Sequential(_net(1), mg.nn.Sigmoid())
    hist = mg.fit(pnet, mg.losses.BinaryCrossentropy(), mg.optim.Adam(pnet.parameters(), 0.05),
                  X, yc, epochs=2, validation_data=(X, yc), metrics=["accuracy"], verbose=0)
    with mg.no_grad():
        p = pnet(mg.tensor(X)).numpy()[:, 0]
    assert hist.history["val_accuracy"][-1] == np.mean((p > 0.5) == y)


def test_callable_metric_and_model_modes():
    seen = []

    def mean_output(y_true, out):
        seen.append(out.shape)
        return float(out.mean())

    net = _net()
    net.eval()
    _, hist = _fit(net, epochs=2, metrics=[mean_output], batch_size=50)
    assert len(hist.history["mean_output"]) == 2 and seen == [(200, 2)] * 2
    assert net.training is False                         # the mode before fit is restored


def test_early_stopping_epoch_and_restore_best_weights():
    X, y = _moons()
    snapshots = []

    class Snap(mg.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.state_dict())

    # lr far too large: the loss gets worse after a few epochs
    net = _net()
    stop = mg.callbacks.EarlyStopping(monitor="loss", patience=2, restore_best_weights=True)
    hist = mg.fit(net, mg.nn.CrossEntropyLoss(), mg.optim.SGD(net.parameters(), lr=30.0), X, y,
                  epochs=40, callbacks=[stop, Snap()], verbose=0, seed=0)
    losses = hist.history["loss"]
    best = int(np.argmin(losses))
    assert stop.best_epoch == best and len(losses) == best + 3 < 40
    assert stop.stopped_epoch == best + 2
    assert all(v >= losses[best] for v in losses[best + 1:])
    for k, v in net.state_dict().items():
        assert np.array_equal(v, snapshots[best][k])
        assert not np.array_equal(v, snapshots[-1][k])


def test_early_stopping_modes_and_patience_zero():
    assert mg.callbacks.EarlyStopping("val_accuracy").mode == "max"
    assert mg.callbacks.EarlyStopping("val_loss").mode == "min"
    stop = mg.callbacks.EarlyStopping(monitor="accuracy", mode="max", min_delta=2.0)
    _, hist = _fit(epochs=10, metrics=["accuracy"], callbacks=[stop])
    assert len(hist.epoch) == 2 and stop.stopped_epoch == 1       # nothing beats +2.0


def test_monitor_missing_is_a_clear_error():
    with pytest.raises(ValueError, match="'val_loss', which is not in the logs.*'loss'"):
        _fit(epochs=3, callbacks=[mg.callbacks.EarlyStopping()])
    with pytest.raises(ValueError, match="'val_acc'"):
        _fit(epochs=3, callbacks=[mg.callbacks.ModelCheckpoint("x.npz", "val_acc",
                                                               save_best_only=True)])


def test_model_checkpoint_files_are_written_and_load(tmp_path):
    X, y = _moons(60, seed=2)
    every = mg.callbacks.ModelCheckpoint(tmp_path / "e{epoch:02d}.npz")
    best = mg.callbacks.ModelCheckpoint(str(tmp_path / "best.npz"), monitor="val_loss",
                                        save_best_only=True)
    net, hist = _fit(epochs=3, validation_data=(X, y), callbacks=[every, best])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "e01.npz", "e02.npz",
                                                          "e03.npz"]
    last = mg.load(tmp_path / "e03.npz")
    for k, v in net.state_dict().items():
        assert np.array_equal(last[k], v)
    fresh = _net()
    fresh.load_state_dict(mg.load(tmp_path / "best.npz"))
    n_best = int(np.argmin(hist.history["val_loss"])) + 1
    assert len(best.saved) <= 3 and n_best <= 3
    with mg.no_grad():
        v = mg.nn.CrossEntropyLoss()(fresh(mg.tensor(X)), y).item()
    assert v == pytest.approx(min(hist.history["val_loss"]), rel=1e-5)


@pytest.mark.parametrize("where", ["callback", "loss"])
def test_keyboard_interrupt_returns_the_completed_epochs(where, capsys):
    class Interrupt(mg.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    calls = []

    def loss(out, target):
        calls.append(1)
        if len(calls) == 2 * 7 + 3:                    # 7 batches an epoch: in epoch 3
            raise KeyboardInterrupt
        return mg.nn.functional.cross_entropy(out, target)

    net = _net()
    net.eval()
    kw = {"callbacks": [Interrupt()]} if where == "callback" else {"loss": loss}
    _, hist = _fit(net, epochs=5, verbose=0, **kw)
    assert hist.epoch == [0, 1] and len(hist.history["loss"]) == 2 and hist.interrupted
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "interrupted (KeyboardInterrupt) after 2 complete" in out
    assert net.training is False


def test_verbose_forms_when_stdout_is_not_a_terminal(capsys):
    X, y = _moons(40)
    _fit(epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    for verbose in (1, 2):
        _fit(epochs=2, verbose=verbose, validation_data=(X, y), metrics=["accuracy"])
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 2 and "\r" not in "".join(lines)
        assert lines[1].startswith("Epoch 2/2 - loss: ")
        assert " - accuracy: " in lines[1] and lines[1].index("val_loss") > lines[1].index(
            "accuracy")


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    bar = _Progress(1, epochs=2, steps=4, stream=stream)
    for step in range(1, 5):
        bar.batch(0, step, 0.5)
    bar.epoch_end(0, {"loss": 0.5, "val_loss": 0.25})
    text = stream.getvalue()
    assert text.count("\r") == 5 and text.endswith("- loss: 0.5000 - val_loss: 0.2500\n")
    assert "\rEpoch 1/2 1/4 [======>.......................] - loss: 0.5000" in text
    assert "4/4 [==============================]" in text


def test_bad_input():
    X, y = _moons(50)
    net = _net()
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    loss = mg.nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="X has 50 samples and y has 49"):
        mg.fit(net, loss, opt, X, y[:-1], verbose=0)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        mg.fit(net, loss, opt, X, y, epochs=0, verbose=0)
    with pytest.raises(TypeError, match="epochs"):
        mg.fit(net, loss, opt, X, y, epochs=2.0, verbose=0)
    with pytest.raises(ValueError, match="unknown metric 'acc'; known metric names: accuracy"):
        mg.fit(net, loss, opt, X, y, metrics=["acc"], verbose=0)
    with pytest.raises(ValueError, match="verbose"):
        mg.fit(net, loss, opt, X, y, verbose=3)
    with pytest.raises(ValueError, match="X_val has 50 samples and y_val has 10"):
        mg.fit(net, loss, opt, X, y, validation_data=(X, y[:10]), verbose=0)
    with pytest.raises(TypeError, match="Callback"):
        mg.fit(net, loss, opt, X, y, callbacks=[print], verbose=0)
    with pytest.raises(ValueError, match="patience"):
        mg.callbacks.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode"):
        mg.callbacks.EarlyStopping(mode="up")


def test_history_plot_draws_every_curve():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    X, y = mg.datasets.make_moons(60, noise=0.1, seed=0)
    model = mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0), mg.nn.Tanh(), mg.nn.Linear(4, 1, rng=1))
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    y = y.astype("float32").reshape(-1, 1)
    h = mg.fit(model, mg.nn.BCEWithLogitsLoss(), opt, X.astype("float32"), y, epochs=3,
               validation_data=(X.astype("float32"), y), metrics=["accuracy"], verbose=0)
    ax = h.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(line.get_xdata()) == 3 for line in ax.get_lines())
