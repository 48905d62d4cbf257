"""PyTorch-flavoured neural-network parts: modules, layers and losses
(``input, target``, PyTorch numbers).  Functions are in
:mod:`minigrad.nn.functional`."""
from . import functional
from .layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                   MSELoss, NLLLoss)
from .module import Module, Parameter

__all__ = [
    "functional", "Module", "Parameter", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid",
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
    "HuberLoss", "KLDivLoss",
]
