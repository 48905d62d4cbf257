"""Convolution and pooling over (N, C, H, W) images, and the error function.

* :func:`unfold` / :func:`fold`: sliding windows as columns (im2col, with
  numpy stride tricks) and back (col2im: one strided add per kernel
  position).  Each is the other's adjoint, so each one's gradient rule is
  the other and gradients of gradients come for free.
* :func:`conv2d`: a primitive (im2col + one matmul).  Its rule is written
  with ``unfold``, ``fold`` and matmul, so it records under
  ``create_graph=True``: second derivatives are supported.
* :func:`max_pool2d`, :func:`avg_pool2d`: composed from ``unfold`` and
  ``take_one`` / ``mean``.
* :func:`erf`: W. J. Cody's rational approximations (SPECFUN ``CALERF``),
  accurate to a few units in the last place of float64.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib import stride_tricks

from ..tracing import every, recorded
from ..engine import Node, differentiable, record, unary
from ..tensor import Tensor, coerce
from .registry import op
from .shape import take_one


def _pair(v, what):
    """``(a, b)`` from an int or a pair of ints, each checked."""
    pair = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
    if len(pair) != 2 or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                 for i in pair):
        raise TypeError(f"{what} must be an int or a pair of ints, got {v!r}")
    return int(pair[0]), int(pair[1])


def _geometry(shape, kernel_size, stride, padding, who):
    """Checked (kernel, stride, padding, output size) for an (N, C, H, W) input."""
    if len(shape) != 4:
        raise ValueError(f"{who} takes a 4-d input (N, C, H, W), got shape {shape}")
    k, s, p = (_pair(kernel_size, "kernel_size"), _pair(stride, "stride"),
               _pair(padding, "padding"))
    if min(k) < 1 or min(s) < 1 or min(p) < 0:
        raise ValueError(f"{who}: kernel_size and stride must be positive and padding "
                         f"non-negative, got kernel_size={k}, stride={s}, padding={p}")
    out = tuple((n + 2 * q - kk) // ss + 1 for n, kk, ss, q in zip(shape[2:], k, s, p))
    if min(out) < 1:
        raise ValueError(f"{who}: the input's spatial size {shape[2:]} (padded by {p}) is "
                         f"smaller than the kernel {k}")
    return k, s, p, out


as_strided = recorded(stride_tricks.as_strided, "np.lib.stride_tricks.as_strided")


def _unfold_numpy(x, k, s, p, out):
    n, c, h, w = x.shape
    xp = x
    if max(p):      # zeros with x inside: np.pad's Python costs 3x as much
        xp = np.zeros_like(x, shape=(n, c, h + 2 * p[0], w + 2 * p[1]))
        xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
    sn, sc, sh, sw = xp.strides
    win = as_strided(xp, (n, c, k[0], k[1], out[0], out[1]),
                     (sn, sc, sh, sw, sh * s[0], sw * s[1]), writeable=False)
    return win.reshape(n, c * k[0] * k[1], out[0] * out[1])


def _fold_numpy(cols, shape, k, s, p, out):
    n, c, h, w = shape
    cols = cols.reshape(n, c, k[0], k[1], out[0], out[1])
    xp = np.zeros_like(cols, shape=(n, c, h + 2 * p[0], w + 2 * p[1]))
    for i in range(k[0]):
        for j in range(k[1]):
            xp[:, :, i:i + s[0] * out[0]:s[0], j:j + s[1] * out[1]:s[1]] += cols[:, :, i, j]
    return xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w]


class Unfold(Node):
    """im2col: its gradient is col2im (fold)."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        shape, k, s, p, o = self.ctx
        return (fold(g, shape, k, s, p, o),)


class Fold(Node):
    """col2im: its gradient is im2col (unfold)."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, cols):
        shape, k, s, p, o = self.ctx
        return (unfold(g, k, s, p, o),)


@differentiable
def unfold(x, k, s, p, out):
    """Windows of ``x`` (N, C, H, W) as columns (N, C*kh*kw, L), the layout of
    ``torch.nn.functional.unfold``; ``k, s, p`` are pairs, ``out`` the
    output's (OH, OW).  Works on arrays and, recording, on Tensors."""
    if isinstance(x, Tensor):
        return unary(Unfold, x, _unfold_numpy(x._data, k, s, p, out), (x.shape, k, s, p, out))
    return _unfold_numpy(x, k, s, p, out)


@differentiable
def fold(cols, shape, k, s, p, out):
    """The adjoint of :func:`unfold`: columns summed back into an image of
    ``shape`` (overlapping windows add up)."""
    if isinstance(cols, Tensor):
        return record(Fold, _fold_numpy(cols._data, shape, k, s, p, out), (cols,),
                      ctx=(shape, k, s, p, out))
    return _fold_numpy(cols, shape, k, s, p, out)


# ---------------------------------------------------------------- conv2d

class Conv2d(Node):
    """conv2d(x, w[, b]): dx = fold(W^T g), dw = sum_n g unfold(x)^T, db = sum g.

    Written with unfold, fold and matmul, which record under
    ``create_graph=True``: second derivatives work.
    """

    __slots__ = ()
    save_out = False

    def backward(self, g, out, x, w, *b):
        shape, k, s, p, o = self.ctx
        n, c_out = shape[0], w.shape[0]
        g2 = g.reshape(n, c_out, o[0] * o[1])
        ix, iw = self.next[:2]
        gx = fold(w.reshape(c_out, -1).T @ g2, shape, k, s, p, o) if ix is not None else None
        gw = None
        if iw is not None:
            cols = unfold(x, k, s, p, o)
            gw = (g2 @ np.swapaxes(cols, 1, 2)).sum(axis=0).reshape(w.shape)
        if not b:
            return gx, gw
        # over the batch first: numpy's sum over axes (0, 2, 3) at once is 5x slower
        gb = g.sum(axis=0).sum(axis=(1, 2)) if self.next[2] is not None else None
        return gx, gw, gb


@op(method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0):
    """2-d cross-correlation, as ``torch.nn.functional.conv2d`` (no groups,
    no dilation).

    Parameters
    ----------
    input : Tensor
        (N, C_in, H, W).
    weight : Tensor
        (C_out, C_in, kH, kW).
    bias : Tensor, optional
        (C_out,).
    stride, padding : int or pair of ints
        Zero padding on both sides of each spatial axis.

    Returns
    -------
    Tensor
        (N, C_out, OH, OW) with OH = (H + 2 padding - kH) // stride + 1.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.ones(1, 1, 3, 3)
    >>> w = mg.ones(1, 1, 2, 2, requires_grad=True)
    >>> y = mg.conv2d(x, w, padding=1)
    >>> y.shape
    (1, 1, 4, 4)
    >>> y.sum().backward()
    >>> w.grad
    tensor([[[[9., 9.],
              [9., 9.]]]])
    """
    x, w = coerce(input), coerce(weight)
    if w.ndim != 4 or x.ndim == 4 and w.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: weight of shape {w.shape} does not fit an input of shape "
                         f"{x.shape}; it needs (C_out, C_in={x.shape[1] if x.ndim > 1 else '?'}, "
                         "kH, kW)")
    k, s, p, o = _geometry(x.shape, w.shape[2:], stride, padding, "conv2d")
    out = w._data.reshape(w.shape[0], -1) @ _unfold_numpy(x._data, k, s, p, o)
    operands = (x, w)
    if bias is not None:
        b = coerce(bias)
        if b.shape != (w.shape[0],):
            raise ValueError(f"conv2d: bias has shape {b.shape}; it needs ({w.shape[0]},)")
        out = out + b._data[:, None]
        operands = (x, w, b)
    out = out.reshape(x.shape[0], w.shape[0], *o)
    return record(Conv2d, out, operands, ctx=(x.shape, k, s, p, o))


# --------------------------------------------------------------- pooling

def _windows(x, kernel_size, stride, padding, who):
    """(N, C, kh*kw, OH*OW) windows of x and the output's (N, C, OH, OW)."""
    x = coerce(x)
    k, s, p, o = _geometry(x.shape, kernel_size, kernel_size if stride is None else stride,
                           padding, who)
    n, c = x.shape[:2]
    return unfold(x, k, s, p, o).reshape(n, c, k[0] * k[1], o[0] * o[1]), (n, c, *o)


@op(method=False)
def max_pool2d(input, kernel_size, stride=None):
    """The maximum of each window, as ``torch.nn.functional.max_pool2d``
    (``stride`` defaults to ``kernel_size``; no padding).  The gradient goes
    to the window's first maximum in row-major order, PyTorch's choice on ties
    (to its last NaN, where it holds NaN, as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[[[1.0, 3.0], [3.0, 2.0]]]], requires_grad=True)
    >>> y = mg.max_pool2d(x, 2)
    >>> y.backward(mg.ones(1, 1, 1, 1))
    >>> y.item(), x.grad
    (3.0, tensor([[[[0., 1.],
              [0., 0.]]]]))
    """
    win, shape = _windows(input, kernel_size, stride, 0, "max_pool2d")
    return take_one(win, _first_argmax(win.data), 2).reshape(shape)


def _first_argmax(w):
    """``np.argmax(w, axis=2)``: the first maximum of each window; where a
    window holds NaN, its last NaN (torch's loop takes each NaN it meets).
    numpy's argmax along that short, strided axis is slow (1.3 ms of
    benchmark g's 5 ms step).  With the window's positions made the outer
    axis (one copy), a few contiguous passes give the same index: the
    maximum, then the count of leading positions that do not hold it
    (bytes), a fifth of the time of the same passes over strided slices."""
    k = w.shape[2]
    if w.dtype.kind != "f":
        return np.argmax(w, axis=2)
    if k > 16:
        index = np.argmax(w, axis=2)        # (the first NaN, where there is one)
        return _last_nan(w, index, np.isnan(np.take_along_axis(w, index[:, :, None], 2)[:, :, 0]))
    if k == 1:
        return np.zeros(w.shape[:2] + w.shape[3:], np.int64)
    positions = np.ascontiguousarray(np.moveaxis(w, 2, 0))
    top = np.maximum(positions[0], positions[1])
    for j in range(2, k):
        np.maximum(top, positions[j], out=top)
    nan = np.isnan(top)                         # (np.maximum keeps NaN)
    if not every(~nan):
        return _last_nan(w, np.argmax(w, axis=2), nan)
    before = np.not_equal(positions[0], top)       # no maximum among positions 0..j
    index = before.view(np.uint8).copy()
    for j in range(1, k - 1):
        before &= np.not_equal(positions[j], top)
        index += before.view(np.uint8)
    return index.astype(np.int64)


def _last_nan(w, index, nan):
    """``index`` with the last NaN of each window where ``nan`` (it holds one)."""
    if not nan.any():
        return index
    last = w.shape[2] - 1 - np.argmax(np.isnan(w[:, :, ::-1]), axis=2)
    return np.where(nan, last, index)


class AvgPool2d(Node):
    """avg_pool2d: each window's gradient, divided by the window's size,
    summed back into the image (fold).  As PyTorch's rule, it takes the
    input: a gradient made with ``create_graph=True`` depends on the input,
    with derivative 0, so a second backward gives zeros (not an error)."""

    __slots__ = ()
    save_out = False

    def backward(self, g, out, x):
        shape, k, s, p, o = self.ctx
        n, c = shape[:2]
        size = k[0] * k[1]
        cols = np.broadcast_to(g.reshape(n, c, 1, o[0] * o[1]) / size,
                               (n, c, size, o[0] * o[1]))
        gx = fold(cols.reshape(n, c * size, o[0] * o[1]), shape, k, s, p, o)
        if isinstance(x, Tensor):           # create_graph=True: connected to x, as PyTorch's
            gx = np.where(np.zeros(shape, bool), x, gx)
        return (gx,)


@op(method=False)
def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """The mean of each window, as ``torch.nn.functional.avg_pool2d``
    (``stride`` defaults to ``kernel_size``; zero padding counted in the
    mean, PyTorch's ``count_include_pad=True``).  Its gradient made with
    ``create_graph=True`` depends on the input with derivative 0, as
    PyTorch's does: a second backward gives zeros.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([[[[1.0, 3.0], [5.0, 7.0]]]], requires_grad=True)
    >>> y = mg.avg_pool2d(x, 2)
    >>> g, = mg.grad(y.sum(), [x], create_graph=True)
    >>> y, g.requires_grad, mg.grad(g.sum(), [x])[0].sum().item()
    (tensor([[[[4.]]]], grad_fn=<AvgPool2dBackward>), True, 0.0)
    """
    x = coerce(input)
    k, s, p, o = _geometry(x.shape, kernel_size, kernel_size if stride is None else stride,
                           padding, "avg_pool2d")
    n, c = x.shape[:2]
    win = _unfold_numpy(x._data, k, s, p, o).reshape(n, c, k[0] * k[1], o[0] * o[1])
    out = win.mean(axis=2).reshape(n, c, *o)
    return record(AvgPool2d, out, (x,), ctx=(x.shape, k, s, p, o))


# ------------------------------------------------------------------ erf

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(num, den, z, n):
    """Cody's rational function: n steps of Horner on num[-1] z and z."""
    xnum, xden = num[-1] * z, z
    for i in range(n):
        xnum = (xnum + num[i]) * z
        xden = (xden + den[i]) * z
    return xnum, xden


def _erfc_tail(y):
    """erfc(y) for y > 0.46875 (Cody's second and third intervals), with
    exp(-y^2) split as exp(-t^2) exp(-(y-t)(y+t)), t = y truncated to 1/16."""
    mid = y <= 4.0
    ym = np.where(mid, y, 1.0)
    num, den = _ratio(_C, _D, ym, 7)
    r_mid = (num + _C[7]) / (den + _D[7])
    with np.errstate(over="ignore"):
        z = 1.0 / np.where(mid, 4.0, y) ** 2
    num, den = _ratio(_P, _Q, z, 4)
    r_big = (1.0 / math.sqrt(math.pi) - z * (num + _P[4]) / (den + _Q[4])) / np.where(mid, 4.0, y)
    t = np.trunc(y * 16.0) / 16.0
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        scale = np.exp(-t * t) * np.exp(-(y - t) * (y + t))
    return np.where(y >= 26.543, 0.0, np.where(mid, r_mid, r_big) * scale)


def _erf_numpy(x):
    """erf in float64 (W. J. Cody, SPECFUN CALERF), cast back to x's dtype."""
    x64 = np.asarray(x, dtype=np.float64)
    y = np.abs(x64)
    small = y <= 0.46875
    z = np.where(small & (y > 1.11e-16), y, 0.0)
    z = z * z
    num, den = _ratio(_A, _B, z, 3)
    r_small = x64 * (num + _A[3]) / (den + _B[3])
    tail = _erfc_tail(np.where(small | np.isnan(y), 1.0, y))
    r_big = np.copysign((0.5 - tail) + 0.5, x64)
    out = np.where(small, r_small, np.where(np.isnan(x64), np.nan, r_big))
    return out.astype(x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64)


class Erf(Node):
    """erf(x): d/dx = 2/sqrt(pi) exp(-x^2)."""

    __slots__ = ()
    save_out = False

    def backward(self, g, out, x):
        with np.errstate(over="ignore", under="ignore"):     # exp(-x^2) -> 0 for huge |x|
            return (g * (2.0 / math.sqrt(math.pi) * np.exp(-(x * x))),)


@op()
def erf(x):
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``,
    elementwise, accurate to float64 (numpy has none).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.erf(mg.tensor([0.0, 0.5, -3.0], dtype="float64"))
    tensor([ 0.        ,  0.52049988, -0.99997791], dtype=float64)
    """
    x = x if isinstance(x, Tensor) else coerce(x)
    return unary(Erf, x, _erf_numpy(x._data))
