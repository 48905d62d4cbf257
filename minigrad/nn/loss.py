"""PyTorch-flavoured loss modules: each calls its function in
:mod:`minigrad.nn.functional` with the options given at construction.

Each is declared in :mod:`minigrad.lossdefs` (``class BCELoss`` is in
``minigrad/lossdefs/binary.py``); this module takes every module name from
its registry.
"""
from __future__ import annotations

from ..lossdefs import registry

globals().update(registry.TORCH_MODULES)

__all__ = list(registry.TORCH_MODULES)
