"""Callbacks for :func:`minigrad.fit`, with Keras's names and hooks.

A callback subclasses :class:`Callback` and overrides the hooks it needs:
``on_train_begin(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_train_batch_end(batch, logs)``, ``on_epoch_end(epoch, logs)`` and
``on_train_end(logs)``.  ``epoch`` counts from 0; the ``logs`` of
``on_epoch_end`` are the epoch's values (``loss``, the metrics, ``val_*``).
``self.model`` is the model being trained and ``self.params`` the fit's
parameters; setting ``self.model.stop_training = True`` ends training after
the current epoch.

:class:`EarlyStopping` and :class:`ModelCheckpoint` read a monitored value
from the logs; a key that is not there is a ``ValueError`` at the first
epoch's end, naming the keys there are (Keras only warns).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Callback", "EarlyStopping", "ModelCheckpoint"]

_MAX_NAMES = ("accuracy", "binary_accuracy", "precision", "recall", "f1_score", "roc_auc")


class Callback:
    """The base class: every hook does nothing.

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> class StopAtLoss(mg.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         if logs["loss"] < 0.5:
    ...             self.model.stop_training = True
    >>> X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
    >>> net = mg.nn.Linear(1, 1, rng=0)
    >>> hist = mg.fit(net, mg.nn.MSELoss(), mg.optim.SGD(net.parameters(), lr=0.1), X, 2 * X,
    ...               epochs=100, batch_size=4, callbacks=[StopAtLoss()], verbose=0)
    >>> len(hist.epoch) < 100 and hist.history["loss"][-1] < 0.5
    True
    """

    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


def _mode(mode, monitor):
    """'min' or 'max' from mode ("auto": max for accuracy-like names, as Keras)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if name in _MAX_NAMES or "acc" in name or "auc" in name else "min"


def _monitored(logs, monitor, who):
    if monitor not in (logs or {}):
        raise ValueError(f"{who} monitors {monitor!r}, which is not in the logs; the logs "
                         f"have {sorted(logs or {})} (val_* keys need validation_data)")
    return float(logs[monitor])


class _Monitor(Callback):
    """Tracks the best value of ``monitor`` (shared by the two callbacks)."""

    def __init__(self, monitor, mode, min_delta=0.0):
        super().__init__()
        if not isinstance(monitor, str):
            raise TypeError(f"monitor must be a key of the logs (a str), got {monitor!r}")
        if not isinstance(min_delta, numbers.Real) or min_delta < 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor, self.min_delta = monitor, float(min_delta)
        self.mode = _mode(mode, monitor)
        self.best = np.inf if self.mode == "min" else -np.inf

    def _improved(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop training when a monitored value has stopped improving (Keras's).

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch logs.
    patience : int, default 0
        Epochs without improvement after which training stops: with
        ``patience=p`` it stops at the end of the ``p``-th epoch in a row
        that did not improve on the best (``p=0`` as ``p=1``: the first such
        epoch), as Keras.
    min_delta : float, default 0
        The least change that counts as an improvement.
    mode : {"auto", "min", "max"}, default "auto"
        ``"auto"``: ``"max"`` for accuracy-like names (``accuracy``,
        ``precision``, ``recall``, ``f1_score``, names with ``acc`` or
        ``auc``), ``"min"`` otherwise.
    restore_best_weights : bool, default False
        At the end of training, load the weights of the best epoch.  Keras 3
        restores them only when it stops early; here also when all epochs
        run (or Ctrl-C ends them) and the last epoch was not the best.

    Attributes
    ----------
    stopped_epoch : int
        The epoch (from 0) at whose end training was stopped; 0 if it was not.
    best_epoch : int
        The epoch (from 0) with the best value.

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
    >>> net = mg.nn.Linear(1, 1, rng=0)
    >>> stop = mg.callbacks.EarlyStopping(monitor="loss", patience=2)
    >>> hist = mg.fit(net, mg.nn.MSELoss(), mg.optim.SGD(net.parameters(), lr=2.5), X, 2 * X,
    ...               epochs=50, batch_size=8, callbacks=[stop], verbose=0)
    >>> stop.stopped_epoch, len(hist.epoch)      # diverges: epochs 1 and 2 are worse
    (2, 3)
    """

    def __init__(self, monitor="val_loss", patience=0, min_delta=0, mode="auto",
                 restore_best_weights=False):
        super().__init__(monitor, mode, min_delta)
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) \
                or patience < 0:
            raise ValueError(f"patience must be an int >= 0, got {patience!r}")
        self.patience, self.restore_best_weights = int(patience), bool(restore_best_weights)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch, self._last = 0, 0, 0, None
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor, "EarlyStopping")
        self._last = epoch
        if self._improved(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.state_dict()       # nothing better yet
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if (self.restore_best_weights and self.best_weights is not None
                and self._last != self.best_epoch):
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model's ``state_dict`` with :func:`minigrad.save` after epochs.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (as given: no ``.npz`` is appended); may hold
        ``str.format`` fields, ``{epoch}`` (from 1, as Keras) and any key of
        the logs, e.g. ``"ckpt-{epoch:02d}-{val_loss:.3f}.npz"``.
    monitor : str, default "val_loss"
        Read with ``save_best_only``.
    save_best_only : bool, default False
        Save only after epochs that improve on the best value so far;
        otherwise after every epoch.
    mode : {"auto", "min", "max"}, default "auto"
        As :class:`EarlyStopping`'s.

    Attributes
    ----------
    saved : list of str
        The paths written, in order.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import minigrad as mg
    >>> X = np.linspace(-1, 1, 8, dtype=np.float32).reshape(-1, 1)
    >>> net = mg.nn.Linear(1, 1, rng=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     ckpt = mg.callbacks.ModelCheckpoint(os.path.join(d, "net-{epoch}.npz"))
    ...     _ = mg.fit(net, mg.nn.MSELoss(), mg.optim.SGD(net.parameters(), lr=0.1), X, 2 * X,
    ...                epochs=2, callbacks=[ckpt], verbose=0)
    ...     [os.path.basename(p) for p in ckpt.saved], sorted(mg.load(ckpt.saved[-1]))
    (['net-1.npz', 'net-2.npz'], ['bias', 'weight'])
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        super().__init__(monitor, mode)
        self.path, self.save_best_only = path, bool(save_best_only)
        self.saved = []

    def on_train_begin(self, logs=None):
        self.best = np.inf if self.mode == "min" else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        from .serialization import save
        logs = dict(logs or {})
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not self._improved(current):
                return
            self.best = current
        try:
            path = str(self.path).format(epoch=epoch + 1, **logs)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"ModelCheckpoint path {str(self.path)!r} cannot be formatted "
                             f"with epoch and the logs {sorted(logs)}: {e}") from None
        save(self.model.state_dict(), path)
        self.saved.append(path)
