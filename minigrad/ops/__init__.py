"""The primitive ops, grouped by family, each registered where it is defined.

* :mod:`.elementwise` - arithmetic, math functions, activations, comparisons
* :mod:`.reduce` - sum, mean, prod, amax, amin, var, std, norm, logsumexp,
  cumsum, all, any, softmax, log_softmax
* :mod:`.shape` - reshape, view, permute, transpose, flatten, unsqueeze,
  expand, repeat, split, indexing, concatenate (cat), stack, ...
* :mod:`.linalg` - matmul, outer, einsum, tril, triu
* :mod:`.checks` - isnan, isfinite, allclose, is_tensor
* :mod:`.conv` - conv2d, max_pool2d, avg_pool2d, erf
* :mod:`.indexing` - argmax, argmin, one_hot, max/min along a dim, topk,
  sort, gather, masked_fill
* :mod:`.inplace` - add_, sub_, ..., ``t[index] = value``

Importing the families registers their ops (:func:`.registry.op`);
:func:`.registry.install` then puts each where it is reached: ``mg.NAME``,
Tensor methods and operators, numpy ufuncs and functions.  Nothing here
lists an op by hand.
"""
from __future__ import annotations

from . import checks, conv, elementwise, indexing, inplace, linalg, reduce, shape  # noqa: F401 (registers)
from .registry import install

__all__ = install(globals())
