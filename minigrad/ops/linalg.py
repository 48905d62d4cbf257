"""Linear algebra: matmul with numpy semantics (1-D operands, batching)."""
from __future__ import annotations

import numpy as np

from ..engine import Node, record, sum_to
from ..tensor import Tensor, as_tensor


def _mT(x):
    return np.swapaxes(x, -1, -2)


class MatMul(Node):
    """a @ b: d/da = g @ b^T, d/db = a^T @ g.

    Vectors and matrices take one BLAS call each way (a 1-D operand turns
    a product into an outer product); batched operands are promoted to
    matrices and their broadcast batch axes summed back.
    """

    __slots__ = ()

    def backward(self, g, out, a, b):
        ad, bd = self.args
        ia, ib = self.inputs
        if ad.ndim <= 2 and bd.ndim <= 2:
            if ad.ndim == 2 and bd.ndim == 2:
                ga = (g @ b.T) if ia is not None else None
                gb = (a.T @ g) if ib is not None else None
            elif ad.ndim == 2:                      # matrix @ vector
                ga = (g.reshape(-1, 1) * b) if ia is not None else None
                gb = (a.T @ g) if ib is not None else None
            elif bd.ndim == 2:                      # vector @ matrix
                ga = (b @ g) if ia is not None else None
                gb = (a.reshape(-1, 1) * g) if ib is not None else None
            else:                                   # dot product
                ga = (g * b) if ia is not None else None
                gb = (g * a) if ib is not None else None
            return ga, gb
        # batched: promote 1-D operands the way matmul does, and g with them
        if ad.ndim == 1:
            a = a.reshape(1, -1)
            g = np.expand_dims(g, -2)
        if bd.ndim == 1:
            b = b.reshape(-1, 1)
            g = np.expand_dims(g, -1)
        ga = gb = None
        if ia is not None:
            ga = sum_to(g @ _mT(b), a.shape).reshape(ad.shape)
        if ib is not None:
            gb = sum_to(_mT(a) @ g, b.shape).reshape(bd.shape)
        return ga, gb


def matmul(a, b):
    """Matrix product with numpy's rules: 1-D operands are vectors, leading
    axes broadcast as batches.

    Examples
    --------
    >>> import minigrad as mg
    >>> A = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x = mg.tensor([1.0, 1.0], requires_grad=True)
    >>> y = A @ x
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([3., 7.], grad_fn=<MatMulBackward>), tensor([4., 6.]))
    """
    a = a if isinstance(a, Tensor) else as_tensor(a)
    b = b if isinstance(b, Tensor) else as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs operands with at least one dimension; use * for scalars")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} do not fit: the last axis of "
            f"the first ({ka}) must equal the {'second-to-last' if b.ndim > 1 else 'only'} "
            f"axis of the second ({kb})"
        )
    try:
        out = np.matmul(a.data, b.data)
    except ValueError as e:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: {e}") from None
    return record(MatMul, out, (a, b))
