"""Optimizers, as in PyTorch.

``mg.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad`` follow
``torch.optim``'s formulas in the same order, so a float64 run matches
PyTorch step for step.  Layout:

- ``optimizer.py``: the :class:`Optimizer` base class (parameter groups,
  per-parameter state, ``state_dict`` in PyTorch's layout, in-place updates);
- ``optimizers.py``: the optimizers.
"""
from .optimizer import Optimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
