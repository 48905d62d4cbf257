"""PyTorch-flavoured neural-network parts: modules, layers and losses
(``input, target``, PyTorch numbers).  Functions are in
:mod:`minigrad.nn.functional`, initialisations in :mod:`minigrad.nn.init`,
gradient clipping in :mod:`minigrad.nn.utils`."""
from .module import Module, Parameter  # noqa: I001  (first: the losses subclass Module)
from .layers import (ELU, GELU, Dropout, Embedding, Flatten, Hardtanh, Identity, LeakyReLU,
                     Linear, LogSoftmax, ReLU, Sequential, Sigmoid, SiLU, Softmax, Softplus, Tanh,
                     Unflatten)
from .containers import ModuleDict, ModuleList
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .norm import BatchNorm1d, BatchNorm2d, LayerNorm
from . import functional, init, loss, utils
from .loss import *  # noqa: F401,F403  (every loss module: BCELoss, ..., from the registry)

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Linear", "Sequential", "ReLU",
    "Tanh", "Sigmoid", "LeakyReLU", "GELU", "Softmax", "LogSoftmax", "Flatten", "Dropout",
    "Embedding", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "LayerNorm",
    "ModuleList", "ModuleDict", "Identity", "Unflatten", "BatchNorm2d", "ELU", "SiLU",
    "Softplus", "Hardtanh",
    *loss.__all__,
]
