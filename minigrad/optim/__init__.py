"""Optimizers and learning-rate schedulers, as in PyTorch.

``mg.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad`` follow
``torch.optim``'s formulas in the same order, so a float64 run matches
PyTorch step for step; ``mg.optim.lr_scheduler`` has ``StepLR``,
``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LinearLR``,
``OneCycleLR`` and ``ReduceLROnPlateau``, with PyTorch's (recursive)
formulas.  Layout:

- ``optimizer.py``: the :class:`Optimizer` base class (parameter groups,
  per-parameter state, ``state_dict`` in PyTorch's layout, in-place updates);
- ``optimizers.py``: the optimizers;
- ``lr_scheduler.py``: the schedulers.
"""
from . import lr_scheduler
from .optimizer import Optimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
