"""``mg.fit``: a Keras-style training loop for a model, a loss and an optimizer.

::

    hist = mg.fit(net, mg.nn.CrossEntropyLoss(), mg.optim.Adam(net.parameters()),
                  X, y, epochs=20, validation_data=(X_val, y_val),
                  metrics=["accuracy"],
                  callbacks=[mg.callbacks.EarlyStopping(patience=3)])
    hist.history["val_accuracy"]          # one value per epoch

What :func:`fit` reports, epoch by epoch, in ``History.history``:

- ``loss``: the sample-weighted mean of the epoch's batch losses (Keras's
  running mean over the epoch, as its progress bar shows at the epoch's
  end); each batch loss is taken with the weights of that step.
- each metric: computed on the predictions the model made during the
  epoch's training steps (in train mode, weights changing from batch to
  batch, as Keras's running metrics), against their targets.
- ``val_loss`` and ``val_<metric>`` with ``validation_data``: the model in
  ``eval()`` mode under :func:`minigrad.no_grad`, after the epoch.

The loss is called in its family's argument order: the Keras losses
(``mg.losses``, classes and functions, whose first parameter is
``y_true``) as ``loss_fn(y_true, y_pred)``; everything else (``mg.nn``
losses, ``mg.nn.functional``, your own callables) as PyTorch's
``loss_fn(output, target)``.  A loss that returns one value per sample is
averaged.
"""
from __future__ import annotations

import difflib
import inspect
import numbers
import sys

import numpy as np

from . import display
from . import metrics as _metrics
from .callbacks import Callback
from .data import DataLoader, TensorDataset
from .modes import no_grad
from .tensor import Tensor

__all__ = ["fit", "History"]

_METRICS = ("accuracy", "binary_accuracy", "precision", "recall", "f1_score", "roc_auc",
            "log_loss")


class History(Callback):
    """What :func:`fit` returns: the per-epoch values of the loss and metrics.

    Attributes
    ----------
    history : dict
        ``"loss"``, each metric, and with validation data ``"val_loss"`` and
        ``"val_<metric>"``, each a list of floats, one per epoch run.
    epoch : list of int
        The epochs run, from 0 (as Keras).
    params : dict
        ``epochs``, ``steps`` (batches per epoch), ``batch_size``,
        ``samples`` and ``verbose``.
    interrupted : bool
        True when a ``KeyboardInterrupt`` ended training early.

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
    >>> net = mg.nn.Linear(1, 1, rng=0)
    >>> hist = mg.fit(net, mg.nn.MSELoss(), mg.optim.SGD(net.parameters(), lr=0.1),
    ...               X, 2 * X, epochs=3, batch_size=4, verbose=0, seed=0)
    >>> hist.epoch, sorted(hist.history), len(hist.history["loss"])
    ([0, 1, 2], ['loss'], 3)
    >>> hist.params["steps"]
    2
    """

    def __init__(self):
        super().__init__()
        self.history, self.epoch, self.params, self.interrupted = {}, [], {}, False

    def on_train_begin(self, logs=None):
        self.history, self.epoch, self.interrupted = {}, [], False

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, keys=None, ax=None):
        """Plot the per-epoch values (needs matplotlib).

        Parameters
        ----------
        keys : list of str, optional
            The keys of :attr:`history` to draw; all of them by default.
        ax : matplotlib Axes, optional
            Where to draw; a new figure's axes by default.

        Returns
        -------
        matplotlib.axes.Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as e:        # pragma: no cover - depends on the install
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from e
        if ax is None:
            _, ax = plt.subplots()
        for key in keys or list(self.history):
            if key not in self.history:
                raise KeyError(f"no {key!r} in the history; it has {sorted(self.history)}")
            ax.plot([e + 1 for e in self.epoch], self.history[key], label=key)
        ax.set_xlabel("epoch"), ax.legend()
        return ax

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"

    def _repr_png_(self):
        """The curves of :meth:`plot` as PNG bytes, which a notebook shows;
        None (so the notebook shows the text) without matplotlib or epochs.

        Examples
        --------
        >>> import minigrad as mg
        >>> hist = mg.History()
        >>> hist.on_epoch_end(0, {"loss": 1.0})
        >>> hist.on_epoch_end(1, {"loss": 0.5})
        >>> png = hist._repr_png_()
        >>> png is None or png.startswith(b"\\x89PNG")
        True
        """
        if not self.epoch:
            return None
        return display.png(lambda ax: self.plot(ax=ax))

# ------------------------------------------------- Keras's string names

#: Keras 3's optimizer names -> (minigrad optimizer, Keras 3's defaults in its
#: terms).  The update rule is PyTorch's: epsilon is added after the square
#: root (Keras adds it inside, or for Adam unscaled by the bias correction), so
#: with these defaults the steps differ from Keras's only in the last digits,
#: and only while the squared-gradient average is near epsilon.
OPTIMIZERS = {
    "sgd": ("SGD", {"lr": 0.01}),
    "adam": ("Adam", {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7}),
    "adamw": ("AdamW", {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-7,
                        "weight_decay": 0.004}),
    "rmsprop": ("RMSprop", {"lr": 0.001, "alpha": 0.9, "eps": 1e-7}),
    "adagrad": ("Adagrad", {"lr": 0.001, "initial_accumulator_value": 0.1, "eps": 1e-7}),
}

#: Keras's short loss names -> the function names they stand for.
LOSS_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
                "kld": "kl_divergence", "logcosh": "log_cosh"}


def optimizer_named(name, model):
    """The optimizer Keras's string ``name`` means, over ``model``'s
    parameters, with Keras 3's default learning rate (``"adam"`` 0.001,
    ``"sgd"`` 0.01, ``"rmsprop"`` 0.001, ``"adagrad"`` 0.001, ``"adamw"``
    0.001) and its other defaults (see :data:`OPTIMIZERS`).

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.training import optimizer_named
    >>> opt = optimizer_named("adam", mg.nn.Linear(2, 1, rng=0))
    >>> type(opt).__name__, opt.param_groups[0]["lr"], opt.param_groups[0]["eps"]
    ('Adam', 0.001, 1e-07)
    """
    from . import optim

    key = name.strip().lower()
    if key not in OPTIMIZERS:
        close = difflib.get_close_matches(key, OPTIMIZERS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown optimizer {name!r}{hint}; Keras's names that mg.fit knows: "
                         f"{', '.join(map(repr, OPTIMIZERS))}, or pass an optimizer, e.g. "
                         "mg.optim.Adam(model.parameters(), lr=0.001)")
    cls, defaults = OPTIMIZERS[key]
    return getattr(optim, cls)(model.parameters(), **defaults)


def loss_named(name):
    """The Keras loss that the string ``name`` means: a function name such as
    ``"binary_crossentropy"`` or ``"sparse_categorical_crossentropy"``, a
    short one (``"mse"``, ``"mae"``, ``"kld"``, ``"logcosh"``) or a class name
    (``"BinaryCrossentropy"``), as an instance of its :mod:`minigrad.losses`
    class with Keras's defaults (``from_logits=False``: the model outputs
    probabilities).

    Examples
    --------
    >>> from minigrad.training import loss_named
    >>> type(loss_named("binary_crossentropy")).__name__, type(loss_named("mse")).__name__
    ('BinaryCrossentropy', 'MeanSquaredError')
    """
    from .lossdefs import registry

    classes = {d.keras[0].__name__: d.keras[1] for d in registry.DECLARATIONS if len(d.keras) == 2}
    classes.update({cls.__name__: cls for cls in classes.values()})
    key = LOSS_ALIASES.get(name.strip().lower(), name.strip())
    key = key if key in classes else key.lower()
    if key not in classes:
        names = [n for n in classes if n.islower()] + list(LOSS_ALIASES)
        close = difflib.get_close_matches(key, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown loss {name!r}{hint}; Keras's names that mg.fit knows: "
                         f"{', '.join(names)}, or pass a loss, e.g. mg.nn.CrossEntropyLoss()")
    return classes[key]()


def _optimizer(optimizer, model):
    """``optimizer``, or the one its Keras name means (see :func:`optimizer_named`)."""
    if isinstance(optimizer, str):
        return optimizer_named(optimizer, model)
    if not (callable(getattr(optimizer, "step", None))
            and callable(getattr(optimizer, "zero_grad", None))):
        raise TypeError(f"optimizer must be an optimizer over the model's parameters (e.g. "
                        f"mg.optim.Adam(model.parameters())) or a Keras name such as 'adam', "
                        f"got {type(optimizer).__name__}")
    return optimizer


def _split(X, y, validation_split, validation_data):
    """Keras's ``validation_split``: the last fraction of the samples, before
    any shuffling, held out for validation.  Returns (X, y, validation_data)."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real):
        raise TypeError(f"validation_split must be a number in [0, 1), got "
                        f"{type(validation_split).__name__}")
    if not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be in [0, 1) (the fraction of the samples, "
                         f"taken from the end, to validate on), got {validation_split}")
    if not validation_split:
        return X, y, validation_data
    if validation_data is not None:
        raise ValueError("pass validation_data or validation_split, not both")
    n = len(X)
    split_at = int(np.floor(n * (1.0 - validation_split)))
    if split_at in (0, n):
        raise ValueError(f"{n} samples cannot be split into training and validation sets with "
                         f"validation_split={validation_split}: use more samples or another "
                         "fraction")
    return X[:split_at], y[:split_at], (X[split_at:], y[split_at:])


# ---------------------------------------------------------------- losses
def _keras_order(loss_fn):
    """True for a loss called as (y_true, y_pred): its first parameter is y_true."""
    try:
        params = list(inspect.signature(loss_fn).parameters)
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0] == "y_true"


def _from_logits(loss_fn):
    """Whether the loss reads the model's outputs as logits."""
    if getattr(loss_fn, "from_logits", False) is True:
        return True
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
    return name in ("BCEWithLogitsLoss", "CrossEntropyLoss", "binary_cross_entropy_with_logits",
                    "cross_entropy")


def _loss_caller(loss_fn):
    """A function (output, target) -> scalar Tensor calling loss_fn in its order."""
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable (e.g. mg.nn.CrossEntropyLoss()), got "
                        f"{type(loss_fn).__name__}")
    keras = _keras_order(loss_fn)

    def call(out, target):
        value = loss_fn(target, out) if keras else loss_fn(out, target)
        if not isinstance(value, Tensor):
            raise TypeError(f"loss_fn returned a {type(value).__name__}; it must return a "
                            "Tensor (the loss, to call backward() on)")
        return value.mean() if value.ndim else value
    return call


# --------------------------------------------------------------- metrics
def _resolve_metrics(metrics):
    """[(name, fn)] where fn(y_true, outputs, logits) -> float."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out = []
    for m in metrics:
        if isinstance(m, str):
            if m not in _METRICS:
                raise ValueError(f"unknown metric {m!r}; known metric names: "
                                 f"{', '.join(_METRICS)} (or pass a callable)")
            out.append((m, _named_metric(m)))
        elif callable(m):
            out.append((getattr(m, "__name__", type(m).__name__),
                        lambda y, o, logits, f=m: float(f(y, o))))
        else:
            raise TypeError(f"a metric must be a name or a callable, got {type(m).__name__}")
    names = [n for n, _ in out]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"metric names must be distinct and not 'loss', got {names}")
    return out


def _read_outputs(out, logits):
    """(predicted labels, scores for roc_auc, probabilities) from raw outputs."""
    if out.ndim == 2 and out.shape[1] > 1:
        if logits:
            e = np.exp(out - out.max(axis=1, keepdims=True))
            probs = e / e.sum(axis=1, keepdims=True)
        else:
            probs = out
        scores = probs[:, 1] if out.shape[1] == 2 else probs
        return out.argmax(axis=1), scores, probs
    s = out.reshape(len(out))
    probs = 1 / (1 + np.exp(-s.astype(np.float64))) if logits else s
    return (s > (0.0 if logits else 0.5)).astype(np.int64), s, probs


def _named_metric(name):
    fn = getattr(_metrics, name)
    slot = {"roc_auc": 1, "log_loss": 2}.get(name, 0)

    return lambda y, out, logits: float(fn(
        y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y)),
        _read_outputs(out, logits)[slot]))


# ---------------------------------------------------------------- checks
def _check_args(X, y, epochs, validation_data, verbose, callbacks):
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples and y has {len(y)}; they need one row "
                         "per sample each")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"epochs must be a positive int, got {type(epochs).__name__} {epochs!r}")
    if epochs < 1:
        raise ValueError(f"epochs must be a positive int (at least 1), got {epochs}")
    if validation_data is not None and (not isinstance(validation_data, (tuple, list))
                                        or len(validation_data) != 2):
        raise ValueError("validation_data must be a pair (X_val, y_val)")
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar) or 2 (one line "
                         f"per epoch), got {verbose!r}")
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be mg.callbacks.Callback instances, got "
                            f"{type(cb).__name__}")


def _samples(x, name):
    if not hasattr(x, "__len__"):
        raise TypeError(f"{name} must be an array or Tensor of samples, got {type(x).__name__}")
    return x

# -------------------------------------------------------------- progress
def _fmt(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class _Progress:
    """verbose=1 on a terminal: a bar redrawn per batch (carriage return);
    verbose=1 elsewhere, and verbose=2: one line per epoch; verbose=0: nothing."""

    def __init__(self, verbose, epochs, steps, stream=None):
        self.stream = stream or sys.stdout
        self.verbose, self.epochs, self.steps = verbose, epochs, steps
        isatty = getattr(self.stream, "isatty", None)
        self.bar = verbose == 1 and bool(isatty and isatty())

    def batch(self, epoch, step, loss):
        if not self.bar:
            return
        width = 30
        done = width * step // self.steps
        arrow = "=" * (done - 1) + (">" if step < self.steps else "=") if done else ""
        n = len(str(self.steps))
        self.stream.write(f"\rEpoch {epoch + 1}/{self.epochs} {step:{n}d}/{self.steps} "
                          f"[{arrow:.<{width}}] - loss: {loss:.4f}")
        self.stream.flush()

    def epoch_end(self, epoch, logs):
        if self.verbose == 0:
            return
        head = (f"\rEpoch {epoch + 1}/{self.epochs} {self.steps}/{self.steps} [{'=' * 30}]"
                if self.bar else f"Epoch {epoch + 1}/{self.epochs}")
        self.stream.write(f"{head} - {_fmt(logs)}\n")
        self.stream.flush()

    def interrupted(self, done):
        self.stream.write(("\n" if self.bar else "") + f"Training interrupted "
                          f"(KeyboardInterrupt) after {done} complete epoch(s); returning "
                          "the history so far\n")
        self.stream.flush()


# ---------------------------------------------------------------- epochs
def _train_epoch(model, call_loss, optimizer, loader, progress, epoch, cbs):
    """One pass over the loader: (mean loss, outputs, targets) as numpy."""
    model.train()
    total, seen, outs, ys = 0.0, 0, [], []
    for step, (xb, yb) in enumerate(loader):
        optimizer.zero_grad()
        out = model(xb)
        loss = call_loss(out, yb)
        loss.backward()
        optimizer.step()
        n = len(xb)
        total, seen = total + loss.item() * n, seen + n
        outs.append(out.data.copy())
        ys.append(yb.data)
        progress.batch(epoch, step + 1, total / seen)
        for cb in cbs:
            cb.on_train_batch_end(step, {"loss": total / seen})
    return total / seen, np.concatenate(outs), np.concatenate(ys)


def _evaluate(model, call_loss, loader):
    """(mean loss, outputs, targets) of the model in eval mode, without a graph."""
    model.eval()
    total, seen, outs, ys = 0.0, 0, [], []
    with no_grad():
        for xb, yb in loader:
            out = model(xb)
            total += call_loss(out, yb).item() * len(xb)
            seen += len(xb)
            outs.append(out.data)
            ys.append(yb.data)
    return total / seen, np.concatenate(outs), np.concatenate(ys)


def _epoch_logs(loss, out, y, metrics, logits, prefix=""):
    logs = {prefix + "loss": float(loss)}
    for name, fn in metrics:
        logs[prefix + name] = fn(y, out, logits)
    return logs


def _run_epochs(model, call_loss, optimizer, loaders, metrics, logits, progress, cbs, epochs):
    """The epoch loop; returns the number of epochs completed before an interrupt."""
    train_loader, val_loader = loaders
    done = 0
    try:
        for epoch in range(epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            loss, out, y = _train_epoch(model, call_loss, optimizer, train_loader, progress,
                                        epoch, cbs)
            logs = _epoch_logs(loss, out, y, metrics, logits)
            if val_loader is not None:
                logs.update(_epoch_logs(*_evaluate(model, call_loss, val_loader), metrics,
                                        logits, prefix="val_"))
            progress.epoch_end(epoch, logs)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            done = epoch + 1
            if getattr(model, "stop_training", False):
                break
    except KeyboardInterrupt:
        progress.interrupted(done)
        return done, True
    return done, False


def fit(model, loss_fn, optimizer, X, y, epochs=1, batch_size=32, validation_data=None,
        validation_split=0.0, metrics=(), callbacks=(), shuffle=True, seed=None, verbose=1):
    """Train ``model`` on ``(X, y)`` in mini-batches, as Keras's ``Model.fit``.

    Parameters
    ----------
    model : mg.nn.Module
        Called on a batch of ``X``; put in ``train()`` mode for the training
        steps and ``eval()`` for validation; its mode before the call is
        restored at the end.
    loss_fn : callable or str
        A Keras loss (called ``loss_fn(y_true, y_pred)``) or a PyTorch one or
        any callable (called ``loss_fn(output, target)``); see the module
        docstring.  It returns a Tensor: a scalar, or per-sample values that
        are averaged.  Or Keras's name of a loss (``"binary_crossentropy"``,
        ``"categorical_crossentropy"``, ``"sparse_categorical_crossentropy"``,
        ``"mse"``, ...: :func:`loss_named`), with Keras's defaults.
    optimizer : mg.optim optimizer or str
        Over the model's parameters; ``zero_grad()`` and ``step()`` per batch.
        Or Keras's name of one (``"adam"``, ``"sgd"``, ``"rmsprop"``,
        ``"adagrad"``, ``"adamw"``: :func:`optimizer_named`), made over
        ``model.parameters()`` with Keras 3's default learning rate (0.001;
        0.01 for ``"sgd"``).
    X, y : numpy.ndarray or Tensor
        Inputs and targets, one row per sample (numpy dtypes kept: integer
        labels stay integers).
    epochs : int, default 1
    batch_size : int, default 32
        Also the batch size of validation.
    validation_data : (X_val, y_val), optional
        Evaluated after each epoch: ``val_loss`` and ``val_<metric>``.
    validation_split : float in [0, 1), default 0
        As Keras: this fraction of the samples, the last ones (taken before
        any shuffling), is held out and used as ``validation_data``.
    metrics : sequence of str or callable
        Names from :mod:`minigrad.metrics` (``"accuracy"``,
        ``"binary_accuracy"``, ``"precision"``, ``"recall"``, ``"f1_score"``,
        ``"roc_auc"``, ``"log_loss"``) or callables ``f(y_true, outputs)``
        on numpy arrays returning a float, logged under ``f.__name__``.
        A named metric reads the outputs as: rows ``(N, C)``, ``C > 1``: class
        scores, the predicted class by argmax; one column ``(N, 1)`` or 1-D:
        one score per sample for the positive class, predicted positive above
        0 when the loss reads logits (``from_logits=True``,
        ``BCEWithLogitsLoss``, ``CrossEntropyLoss``,
        ``binary_cross_entropy_with_logits``, ``cross_entropy``), above 0.5
        otherwise (probabilities, as Keras).  ``log_loss`` gets probabilities
        (sigmoid or softmax of logits), ``roc_auc`` the positive-class score.
        One-hot targets are read by argmax.
    callbacks : sequence of mg.callbacks.Callback
        Keras's hooks; a callback stops training by setting
        ``self.model.stop_training = True``.
    shuffle : bool, default True
        A new order of the training samples every epoch.
    seed : int, optional
        Seeds the shuffling (``DataLoader(seed=seed)``): two fits of equal
        models with the same seed run bit for bit the same.  Layers that draw
        random numbers (dropout) draw from minigrad's default generator; seed
        it with :func:`minigrad.manual_seed`.
    verbose : {0, 1, 2}, default 1
        0: silent.  1: on a terminal, a progress bar redrawn per batch with a
        carriage return, as Keras; when stdout is not a terminal (a file, a
        pipe, a notebook capture), one line per epoch.  2: one line per epoch.

    Returns
    -------
    History
        ``.history`` with one value per completed epoch.  A
        ``KeyboardInterrupt`` (Ctrl-C) during training stops it cleanly: one
        line says so, the partial epoch is dropped from the history (its
        steps have changed the weights), the callbacks' ``on_train_end`` still
        runs, and the history of the completed epochs is returned with
        ``interrupted=True``.

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> X, y = mg.datasets.make_moons(200, noise=0.1, seed=0)
    >>> net = mg.nn.Sequential(mg.nn.Linear(2, 16, rng=0), mg.nn.Tanh(),
    ...                        mg.nn.Linear(16, 2, rng=1))
    >>> hist = mg.fit(net, mg.nn.CrossEntropyLoss(), mg.optim.Adam(net.parameters(), lr=0.05),
    ...               X.astype(np.float32), y, epochs=5, metrics=["accuracy"], seed=0,
    ...               verbose=2)                      # doctest: +ELLIPSIS
    Epoch 1/5 - loss: ... - accuracy: ...
    ...
    Epoch 5/5 - loss: ... - accuracy: ...
    >>> hist.history["loss"][-1] < hist.history["loss"][0]
    True
    """
    callbacks, metrics = list(callbacks), _resolve_metrics(metrics)
    _check_args(_samples(X, "X"), _samples(y, "y"), epochs, validation_data, verbose, callbacks)
    X, y, validation_data = _split(X, y, validation_split, validation_data)
    loss_fn = loss_named(loss_fn) if isinstance(loss_fn, str) else loss_fn
    optimizer = _optimizer(optimizer, model)
    call_loss, logits = _loss_caller(loss_fn), _from_logits(loss_fn)
    train_loader = DataLoader(TensorDataset(X, y), batch_size, shuffle=shuffle, seed=seed)
    val_loader = None
    if validation_data is not None:
        Xv, yv = (_samples(v, n) for v, n in zip(validation_data, ("X_val", "y_val")))
        if len(Xv) != len(yv):
            raise ValueError(f"validation_data: X_val has {len(Xv)} samples and y_val has "
                             f"{len(yv)}; they need one row per sample each")
        val_loader = DataLoader(TensorDataset(Xv, yv), batch_size)
    history = History()
    cbs = callbacks + [history]
    history.params = {"epochs": int(epochs), "steps": len(train_loader),
                      "batch_size": train_loader.batch_size, "samples": len(X),
                      "verbose": verbose}
    for cb in cbs:
        cb.set_model(model)
        cb.set_params(history.params)
    was_training, model.stop_training = model.training, False
    progress = _Progress(verbose, epochs, len(train_loader))
    try:
        for cb in cbs:
            cb.on_train_begin()
        _, history.interrupted = _run_epochs(model, call_loss, optimizer,
                                             (train_loader, val_loader), metrics, logits,
                                             progress, cbs, epochs)
        for cb in cbs:
            cb.on_train_end()
    finally:
        model.train(was_training)
    return history
