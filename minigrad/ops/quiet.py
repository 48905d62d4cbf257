"""Ops stay quiet: numpy's floating-point warnings do not leak out of them.

``mg.log(0)``, ``mg.sqrt(-1)``, ``mg.exp(1000)`` and ``x / 0`` give what
PyTorch gives (-inf, nan, inf) and, as in PyTorch, say nothing:
:class:`minigrad.detect_anomaly` is the tool that flags a NaN or an inf and
names the op.

Entering ``np.errstate`` costs about 1 us, a third of an eager op, so ops do
not enter it.  Instead, at no cost per op:

- a warnings filter ignores numpy's floating-point warnings ("divide by zero
  encountered in log", ...) raised by minigrad's own op code (the engine and
  ``minigrad.ops``); a warning your own numpy code raises, in a hook or a
  custom Function, is yours and is kept;
- where warnings are errors (``-W error``, ``warnings.simplefilter("error")``,
  pytest's ``filterwarnings = error``) numpy raises the warning as an
  exception; the op (or its backward rule) catches it and computes again
  under ``np.errstate`` (:func:`quietly`), with the same result.  A ``try``
  that nothing raises in costs nothing.

Only a filter you add after importing minigrad that shows warnings
(``warnings.simplefilter("always")``) shows them again.
"""
from __future__ import annotations

import warnings

import numpy as np

FP_WARNING = r"(divide by zero|overflow|invalid value|underflow) encountered in"
warnings.filterwarnings("ignore", message=FP_WARNING, category=RuntimeWarning,
                        module=r"minigrad\.(engine|ops\.)")


def quietly(fn, *args):
    """``fn(*args)`` under ``np.errstate(all="ignore")``: what an op or a
    backward rule falls back to when a numpy warning reached it as an error.

    Examples
    --------
    >>> import numpy as np, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error")
    ...     quietly(np.log, np.array([0.0, -1.0]))
    array([-inf,  nan])
    """
    with np.errstate(all="ignore"):
        return fn(*args)
