"""Linear algebra: matmul with numpy semantics (1-D operands, batching),
outer, einsum, and the triangular parts tril / triu."""
from __future__ import annotations

import numpy as np

from ..engine import Node, record, sum_to
from ..creation import write_out
from ..tensor import Tensor, coerce
from .registry import op
from .shape import broadcast_to


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
def matmul(a, b, *, out=None):
    """Matrix product with numpy's rules: 1-D operands are vectors, leading
    axes broadcast as batches (``out=`` as PyTorch's).

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
        value = np.matmul(a._data, b._data)
    except ValueError as e:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: {e}") from None
    return write_out(out, record(MatMul, value, (a, b), ctx=(a.shape, b.shape)))


@op(method=True)
def outer(input, vec2, *, out=None):
    """The outer product of two 1-D tensors (composed: a column times a row).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.outer(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    a = input if isinstance(input, Tensor) else coerce(input)
    b = vec2 if isinstance(vec2, Tensor) else coerce(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer takes two 1-D tensors, got shapes {a.shape} and {b.shape}")
    return write_out(out, a.reshape(-1, 1) * b.reshape(1, -1))


# ------------------------------------------------------------------ einsum

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_subscripts(equation, shapes):
    """Each operand's subscripts and the output's, with ``...`` spelt out in
    letters the equation does not use, and the size of every letter."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(subs)} operands, "
                         f"but {len(shapes)} were given")
    if any(c not in _LETTERS + ".," for c in lhs + rhs):
        raise ValueError(f"einsum: subscripts are letters a-z, A-Z (and '...'), got {equation!r}")
    free = [c for c in _LETTERS if c not in eq]
    n_ell = max((len(sh) - len(s) + 3 for s, sh in zip(subs, shapes) if "..." in s), default=0)
    ell = "".join(free[:n_ell])
    subs = [s.replace("...", ell[n_ell - (len(sh) - len(s) + 3):]) for s, sh in zip(subs, shapes)]
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = "".join(subs)
        out = ell + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in ell))
    sizes = {}
    for s, sh in zip(subs, shapes):
        if len(s) != len(sh):
            raise ValueError(f"einsum: subscripts {s!r} do not fit an operand of shape {sh}")
        mine = {}
        for c, n in zip(s, sh):
            if mine.setdefault(c, n) != n:
                raise ValueError(f"einsum: subscript {c!r} is repeated in {s!r} with sizes "
                                 f"{mine[c]} and {n}; a repeated subscript (a diagonal) "
                                 f"needs equal sizes")
        for c, n in zip(s, sh):          # size 1 broadcasts against any size, as in numpy
            have = sizes.setdefault(c, n)
            if have != n and 1 not in (have, n):
                raise ValueError(f"einsum: subscript {c!r} has size {have} in one operand "
                                 f"and {n} in another")
            sizes[c] = max(have, n)
    if any(c not in sizes for c in out) or len(set(out)) != len(out):
        raise ValueError(f"einsum: the output subscripts {rhs!r} must each appear once, and "
                         f"in an operand")
    return subs, out, sizes


def _broadcast_subscripts(t, subs, sizes):
    """``t`` expanded where a subscript has size 1 in it and more in another
    operand (numpy's and PyTorch's broadcasting), through a differentiable
    ``broadcast_to``, so that the Einsum node sees one size per letter."""
    shape = tuple(sizes[c] for c in subs)
    return t if t.shape == shape else broadcast_to(t, shape)


class Einsum(Node):
    """einsum: the gradient of operand k is an einsum of ``g`` with the other
    operands, written back to k's subscripts.  A letter repeated in k (a
    diagonal) gets a fresh letter tied to the first by an identity matrix;
    a letter only k has (summed within k) gets a vector of ones.  Those
    constants keep the rule one einsum, so it differentiates again."""

    __slots__ = ()
    save_out = False

    def backward(self, g, out, *ops):
        subs, out_subs, sizes, dtype = self.ctx
        grads = []
        for k, edge in enumerate(self.next):
            if edge is None:
                grads.append(None)
                continue
            terms = [(g, out_subs)] + [(o, s) for j, (o, s) in enumerate(zip(ops, subs)) if j != k]
            seen, target, free = set(), "", [c for c in _LETTERS if c not in sizes]
            for c in subs[k]:
                if c in seen:                       # a diagonal: a fresh letter, tied by eye
                    fresh = free.pop()
                    terms.append((np.eye(sizes[c], dtype=dtype), c + fresh))
                    c = fresh
                seen.add(c)
                target += c
            have = set(out_subs).union(*(s for j, s in enumerate(subs) if j != k))
            for c in sorted(set(subs[k]) - have):   # summed within k only: ones
                terms.append((np.ones(sizes[c], dtype=dtype), c))
            eq = ",".join(s for _, s in terms) + "->" + target
            grads.append(np.einsum(eq, *(t for t, _ in terms)))
        return tuple(grads)


def _numpy_einsum(operands, optimize=False):
    return einsum(*operands)


@op(method=False, numpy=[(np.einsum, _numpy_einsum)])
def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)``
    (the operands may also come as one list); ``...`` stands for the
    broadcast dimensions, and without ``->`` the output is the letters that
    appear once, in alphabetical order.

    Examples
    --------
    >>> import minigrad as mg
    >>> a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> mg.einsum("ii->", a)
    tensor(5., grad_fn=<EinsumBackward>)
    >>> mg.einsum("ij,j->i", a, mg.ones(2))
    tensor([3., 7.], grad_fn=<EinsumBackward>)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum takes the equation first, as einsum('ij,jk->ik', a, b); "
                        f"got a {type(equation).__name__}")
    ts = [t if isinstance(t, Tensor) else coerce(t) for t in operands]
    dtype = np.result_type(*(t.dtype for t in ts))
    ts = [t if t.dtype == dtype else t.astype(dtype) for t in ts]
    subs, out_subs, sizes = _einsum_subscripts(equation, [t.shape for t in ts])
    ts = [_broadcast_subscripts(t, s, sizes) for t, s in zip(ts, subs)]
    eq = ",".join(subs) + "->" + out_subs
    out = np.einsum(eq, *(t._data for t in ts))
    return record(Einsum, np.asarray(out, dtype=dtype), ts, ctx=(subs, out_subs, sizes, dtype))


# ------------------------------------------------------- triangular parts

class Tril(Node):
    """tril: the gradient keeps the same triangle."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return np.tril(g, self.ctx),


class Triu(Node):
    """triu: the gradient keeps the same triangle."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return np.triu(g, self.ctx),


def _triangle(x, diagonal, upper, out):
    x = x if isinstance(x, Tensor) else coerce(x)
    if x.ndim < 2:
        raise ValueError(f"{'triu' if upper else 'tril'} takes a tensor with at least 2 "
                         f"dimensions, got shape {x.shape}")
    diagonal = int(diagonal)
    data = np.triu(x._data, diagonal) if upper else np.tril(x._data, diagonal)
    return write_out(out, record(Triu if upper else Tril, data, (x,), ctx=diagonal))


@op(numpy=np.tril, rename={"m": "input", "k": "diagonal"})
def tril(input, diagonal=0, *, out=None):
    """The lower triangle (on and below ``diagonal``) of the last two
    dimensions; the rest is zero.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tril(mg.ones(2, 2))
    tensor([[1., 0.],
            [1., 1.]])
    """
    return _triangle(input, diagonal, False, out)


@op(numpy=np.triu, rename={"m": "input", "k": "diagonal"})
def triu(input, diagonal=0, *, out=None):
    """The upper triangle (on and above ``diagonal``) of the last two
    dimensions; the rest is zero.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.triu(mg.ones(2, 2), diagonal=1)
    tensor([[0., 1.],
            [0., 0.]])
    """
    return _triangle(input, diagonal, True, out)
