"""PyTorch-flavoured loss functions (``input, target``) and activations.

A thin face over :mod:`minigrad.formulas` with PyTorch's conventions: the
-100 clamp of BCELoss's logs, class ``weight`` and ``ignore_index`` with a
weighted mean, ``label_smoothing``, probability targets, ``pos_weight``,
``"batchmean"``.  Reductions: ``"mean"`` (default), ``"sum"``, ``"none"``.
Each loss is declared in :mod:`minigrad.lossdefs` (``binary_cross_entropy``
is in ``minigrad/lossdefs/binary.py``); this module takes every
PyTorch-flavoured function name from its registry.

Where minigrad differs from PyTorch on purpose: shapes must match exactly
(PyTorch broadcasts MSE/L1 arguments with a warning), a mean over nothing
(every target ignored, an empty batch; also ``"batchmean"``) raises
instead of returning NaN, an input with zero classes raises, BCE's gradient is
the derivative of its clamped forward (PyTorch's backward is
``(x - y) / max(x (1 - x), 1e-12)``; see the README), and BCE-with-logits
is differentiable with respect to ``weight`` and ``pos_weight`` (PyTorch 2
refuses them).  Weights that the loss is not differentiable in (BCELoss's
``weight``, NLL's and index-target cross-entropy's ``weight``) are refused,
as PyTorch does, when they require grad: never a silently wrong gradient.
"""
from __future__ import annotations

from ..lossdefs import registry
from ..ops import log_softmax, relu, sigmoid, softmax, tanh  # noqa: F401  (as torch.nn.functional)

globals().update(registry.TORCH_FUNCTIONS)

__all__ = [*registry.TORCH_FUNCTIONS, "relu", "sigmoid", "tanh", "softmax", "log_softmax"]
