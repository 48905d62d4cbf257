"""PyTorch-flavoured neural-network parts: modules, layers and losses
(``input, target``, PyTorch numbers).  Functions are in
:mod:`minigrad.nn.functional`."""
from .module import Module, Parameter  # noqa: I001  (first: the losses subclass Module)
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from . import functional, loss
from .loss import *  # noqa: F401,F403  (every loss module: BCELoss, ..., from the registry)

__all__ = [
    "functional", "Module", "Parameter", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid",
    *loss.__all__,
]
