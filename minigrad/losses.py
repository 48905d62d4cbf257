"""Keras-flavoured losses: ``y_true, y_pred``, Keras 3 numbers.

A thin face over :mod:`minigrad.formulas`.  Functions return one value per
sample (the mean over ``axis``, as Keras does); the :class:`Loss` classes add
``sample_weight`` and a reduction.  Probabilities are clipped to
``[epsilon, 1 - epsilon]`` (see :func:`epsilon`).

Each loss is declared in :mod:`minigrad.lossdefs` (``class
BinaryCrossentropy`` is in ``minigrad/lossdefs/binary.py``); this module
takes every Keras-flavoured name from its registry.

Where minigrad differs from Keras on purpose: it raises a ``ValueError`` for
probabilities outside [0, 1] (Keras silently clips them, usually logits
passed by mistake) and for arguments whose shapes differ by more than a
trailing size-1 axis; and the loss is computed in ``y_pred``'s float dtype
(Keras 3 casts to float32 unless told otherwise: pass ``dtype="float32"``).

Examples
--------
>>> import minigrad as mg
>>> bce = mg.losses.BinaryCrossentropy()
>>> bce([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])
tensor(0.32402205)
"""
from __future__ import annotations

from .lossdefs import registry
from .lossdefs.keras_base import (REDUCTIONS, Loss, LossFunctionWrapper, epsilon,  # noqa: F401
                                  reduce_weighted, set_epsilon)

globals().update(registry.KERAS)

__all__ = ["epsilon", "set_epsilon", "Loss", "LossFunctionWrapper", "REDUCTIONS",
           *registry.KERAS]
