"""Linear algebra: matmul with numpy semantics (1-D operands, batching)."""
from __future__ import annotations

import numpy as np

from ..engine import Node, record, sum_to
from ..tensor import Tensor, coerce
from .registry import op


def _mT(x):
    return np.swapaxes(x, -1, -2)


class MatMul(Node):
    """a @ b: d/da = g @ b^T, d/db = a^T @ g.

    Each operand is kept only if the other needs a gradient (``ctx`` holds
    both shapes).  Vectors and matrices take one BLAS call each way (a 1-D
    operand turns a product into an outer product); batched operands are
    promoted to matrices and their broadcast batch axes summed back.
    """

    __slots__ = ()
    save_args = "other"
    save_out = False

    def backward(self, g, out, a, b):
        sa, sb = self.ctx
        ia, ib = self.next
        na, nb = len(sa), len(sb)
        if na <= 2 and nb <= 2:
            if na == 2 and nb == 2:
                ga = (g @ b.T) if ia is not None else None
                gb = (a.T @ g) if ib is not None else None
            elif na == 2:                           # matrix @ vector
                ga = (g.reshape(-1, 1) * b) if ia is not None else None
                gb = (a.T @ g) if ib is not None else None
            elif nb == 2:                           # vector @ matrix
                ga = (b @ g) if ia is not None else None
                gb = (a.reshape(-1, 1) * g) if ib is not None else None
            else:                                   # dot product
                ga = (g * b) if ia is not None else None
                gb = (g * a) if ib is not None else None
            return ga, gb
        # batched: promote 1-D operands the way matmul does, and g with them
        pa = (1,) + tuple(sa) if na == 1 else tuple(sa)
        pb = tuple(sb) + (1,) if nb == 1 else tuple(sb)
        if na == 1:
            g = np.expand_dims(g, -2)
        if nb == 1:
            g = np.expand_dims(g, -1)
        ga = gb = None
        if ia is not None:
            ga = sum_to(g @ _mT(b.reshape(pb)), pa).reshape(sa)
        if ib is not None:
            gb = sum_to(_mT(a.reshape(pa)) @ g, pb).reshape(sb)
        return ga, gb


@op(operators="__matmul__", reflected="__rmatmul__", ufunc=np.matmul)
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
    a = a if isinstance(a, Tensor) else coerce(a)
    b = b if isinstance(b, Tensor) else coerce(b)
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
        out = np.matmul(a._data, b._data)
    except ValueError as e:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: {e}") from None
    return record(MatMul, out, (a, b), ctx=(a.shape, b.shape))
