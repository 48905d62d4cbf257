"""Gradient utilities, as ``torch.nn.utils``."""
from __future__ import annotations

import math

import numpy as np

from ..modes import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients in place so that their total norm is at most
    ``max_norm``, as ``torch.nn.utils.clip_grad_norm_``.

    The total norm is the ``norm_type``-norm of all gradients together (as
    if concatenated; ``inf`` for the largest magnitude).  Every gradient is
    multiplied by ``min(1, max_norm / (total + 1e-6))``.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensors
        Those without a gradient are skipped.
    max_norm, norm_type : float
    error_if_nonfinite : bool
        Raise if the total norm is NaN or infinite (else scale anyway).

    Returns
    -------
    Tensor
        The total norm before clipping (a 0-d tensor).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([0.0, 0.0], requires_grad=True)
    >>> w.grad = mg.tensor([3.0, 4.0])
    >>> mg.nn.utils.clip_grad_norm_([w], 1.0)
    tensor(5.)
    >>> w.grad.numpy().round(4)
    array([0.6, 0.8], dtype=float32)
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0))
    dtype = np.result_type(*[g.dtype for g in grads])
    flat = [np.abs(g.data.astype(dtype, copy=False)).ravel() for g in grads]
    if math.isinf(norm_type):
        total = max(float(f.max()) if f.size else 0.0 for f in flat)
    else:
        each = np.array([np.sum(f ** norm_type) ** (1.0 / norm_type) for f in flat], dtype)
        total = float(np.sum(each ** norm_type) ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{total}, so they cannot be clipped; pass "
                           "error_if_nonfinite=False to scale them anyway")
    coef = min(max_norm / (total + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g.mul_(g.dtype.type(coef))
    return Tensor(np.array(total, dtype))
