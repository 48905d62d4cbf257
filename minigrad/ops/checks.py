"""Checks that give booleans, no gradients: isnan, isfinite, allclose, is_tensor."""
from __future__ import annotations

import numpy as np

from ..engine import _make
from ..tensor import Tensor, as_array
from .registry import op


@op(ufunc=np.isnan)
def isnan(input):
    """A bool tensor: where ``input`` is NaN.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.isnan(mg.tensor([1.0, float("nan")]))
    tensor([False,  True], dtype=bool)
    """
    return _make(np.isnan(as_array(input)), None)


@op(ufunc=np.isfinite)
def isfinite(input):
    """A bool tensor: where ``input`` is neither inf nor NaN.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.isfinite(mg.tensor([1.0, float("inf")]))
    tensor([ True, False], dtype=bool)
    """
    return _make(np.isfinite(as_array(input)), None)


@op(numpy=np.allclose, rename={"a": "input", "b": "other"})
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``|input - other| <= atol + rtol * |other|`` everywhere (a
    Python bool), as ``torch.allclose``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.allclose(mg.tensor([1.0]), mg.tensor([1.0 + 1e-7]))
    True
    """
    return bool(np.allclose(as_array(input), as_array(other), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


@op(method=False)
def is_tensor(obj):
    """Whether ``obj`` is a minigrad Tensor.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.is_tensor(mg.zeros(1)), mg.is_tensor([0.0])
    (True, False)
    """
    return isinstance(obj, Tensor)
