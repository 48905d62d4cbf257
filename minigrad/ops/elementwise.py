"""Elementwise ops: arithmetic, math functions, activations, comparisons.

Each public function computes its forward value with numpy; the Node class
beside it holds the gradient rule.  Rules are written with numpy functions and
operators, so they run on arrays in the plain backward pass and on Tensors
(recording a graph) when ``create_graph=True``.  Masks and other constants are
taken from ``self.args`` / ``self.out``, the raw arrays, in both cases.

Broadcasting of binary ops is numpy's; an operand that was broadcast reaches
its gradient through the engine's BroadcastTo node, so no rule here sums over
broadcast axes.
"""
from __future__ import annotations

import numpy as np

from ..tracing import kept_array, traced
from ..engine import Node, _make, as_operand, binary, expand, record, unary
from ..creation import write_out
from ..tensor import Tensor, coerce
from .quiet import quietly
from .registry import op


# ------------------------------------------------------------ arithmetic

class Add(Node):
    """a + b: both get the gradient unchanged."""

    __slots__ = ()
    save_args = save_out = False
    forward = np.add

    def backward(self, g, out, a, b):
        return g, g


@op(operators="__add__", reflected="__radd__", ufunc=np.add, method=False)
def add(a, b, *, out=None):
    """``a + b`` with numpy broadcasting (``out=`` as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.add(mg.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    """
    try:
        result = binary(Add, a, b)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        result = quietly(add, a, b)
    return result if out is None else write_out(out, result)


class Sub(Node):
    """a - b."""

    __slots__ = ()
    save_args = save_out = False
    forward = np.subtract

    def backward(self, g, out, a, b):
        return g, (-g if self.next[1] is not None else None)


@op(operators="__sub__", reflected="__rsub__", ufunc=np.subtract, method=False)
def sub(a, b, *, out=None):
    """``a - b`` with numpy broadcasting (``out=`` as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.sub(mg.tensor([1.0, 2.0]), 1)
    tensor([0., 1.])
    """
    try:
        result = binary(Sub, a, b)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        result = quietly(sub, a, b)
    return result if out is None else write_out(out, result)


class Mul(Node):
    """a * b: d/da = b, d/db = a."""

    __slots__ = ()
    save_args = "other"
    save_out = False
    forward = np.multiply

    def backward(self, g, out, a, b):
        try:
            ia, ib = self.next
            return (g * b if ia is not None else None, g * a if ib is not None else None)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, a, b)


@op(operators="__mul__", reflected="__rmul__", ufunc=np.multiply, method=False)
def mul(a, b, *, out=None):
    """``a * b`` with numpy broadcasting (``out=`` as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.mul(mg.tensor([1.0, 2.0]), mg.tensor([[1.0], [10.0]]))
    tensor([[ 1.,  2.],
            [10., 20.]])
    """
    try:
        result = binary(Mul, a, b)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        result = quietly(mul, a, b)
    return result if out is None else write_out(out, result)


class Div(Node):
    """a / b: d/da = 1/b, d/db = -a/b**2 = -(a/b)/b."""

    __slots__ = ()
    forward = np.true_divide

    def backward(self, g, out, a, b):
        try:
            ia, ib = self.next
            return (g / b if ia is not None else None,
                    -g * (out / b) if ib is not None else None)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, a, b)


@op(operators="__truediv__", reflected="__rtruediv__", ufunc=np.true_divide, method=False)
def div(a, b, *, out=None):
    """``a / b`` with numpy broadcasting (``out=`` as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.div(mg.tensor([1.0, 2.0]), 4)
    tensor([0.25, 0.5 ])
    """
    try:
        result = binary(Div, a, b)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        result = quietly(div, a, b)
    return result if out is None else write_out(out, result)


class Pow(Node):
    """a ** b: d/da = b a**(b-1) (0 where b == 0); d/db = a**b log a (0 where a <= 0)."""

    __slots__ = ()
    forward = np.power

    def backward(self, g, out, a, b):
        try:
            ia, ib = self.next
            ga = gb = None
            if ia is not None:
                bd = self.args[1]
                known = np.ndim(bd) == 0 and not traced(bd)   # a traced exponent: the general rule
                if known and bd == 0:
                    ga = g * 0
                elif known:
                    ga = g * (b * a ** (b - 1))
                else:
                    zero = bd == 0
                    ga = g * np.where(zero, 0, b * a ** np.where(zero, 1, b - 1))
            if ib is not None:
                pos = self.args[0] > 0
                gb = g * (out * np.log(np.where(pos, a, 1)))
            return ga, gb
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, a, b)


@op(operators="__pow__", reflected="__rpow__", ufunc=np.power, method=False)
def pow(a, b):
    """``a ** b`` with numpy broadcasting.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.pow(mg.tensor([1.0, 2.0, 3.0]), 2)
    tensor([1., 4., 9.])
    """
    try:
        return binary(Pow, a, b)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(pow, a, b)


class Neg(Node):
    """-x."""

    __slots__ = ()
    forward = np.negative
    save_args = save_out = False

    def backward(self, g, out, x):
        return (-g,)


@op(operators="__neg__", ufunc=np.negative, method=False)
def neg(x):
    """``-x``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.neg(mg.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return unary(Neg, x)


class Clone(Node):
    """A copy: the gradient passes unchanged."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, x):
        return (g,)


@op()
def clone(x):
    """A copy of ``x`` in new memory, still connected to the graph (as
    ``torch.clone``): change the copy in place without touching ``x``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.clone()
    >>> y
    tensor([1., 2.], grad_fn=<CloneBackward>)
    """
    x = x if type(x) is Tensor else coerce(x)
    return unary(Clone, x, x._data.copy())


# ------------------------------------------------------------------ math

class Exp(Node):
    """exp(x): the derivative is the output itself."""

    __slots__ = ()
    forward = np.exp
    save_args = False

    def backward(self, g, out, x):
        try:
            return (g * out,)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.exp)
def exp(x):
    """Elementwise ``e ** x``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.exp(mg.tensor([0.0, 1.0]))
    tensor([1.      , 2.718282])
    """
    try:
        return unary(Exp, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(exp, x)


class Log(Node):
    """log(x): d/dx = 1/x."""

    __slots__ = ()
    forward = np.log
    save_out = False

    def backward(self, g, out, x):
        try:
            return (g / x,)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.log)
def log(x):
    """Elementwise natural logarithm.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.log(mg.tensor([1.0, 0.5], dtype="float64"))
    tensor([ 0.        , -0.69314718], dtype=float64)
    """
    try:
        return unary(Log, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(log, x)


class Log1p(Node):
    """log(1 + x): d/dx = 1/(1 + x)."""

    __slots__ = ()
    forward = np.log1p
    save_out = False

    def backward(self, g, out, x):
        try:
            return (g / (1 + x),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.log1p)
def log1p(x):
    """Elementwise ``log(1 + x)``, accurate for small x.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.log1p(mg.tensor([1e-10], dtype="float64")).item()
    9.999999999500001e-11
    """
    try:
        return unary(Log1p, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(log1p, x)


class Expm1(Node):
    """exp(x) - 1: d/dx = exp(x) = out + 1."""

    __slots__ = ()
    forward = np.expm1
    save_args = False

    def backward(self, g, out, x):
        try:
            return (g * (out + 1),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.expm1)
def expm1(x):
    """Elementwise ``exp(x) - 1``, accurate for small x.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.expm1(mg.tensor([1e-10], dtype="float64")).item()
    1.00000000005e-10
    """
    try:
        return unary(Expm1, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(expm1, x)


class Sqrt(Node):
    """sqrt(x): d/dx = 1/(2 sqrt(x))."""

    __slots__ = ()
    forward = np.sqrt
    save_args = False

    def backward(self, g, out, x):
        try:
            return (g / (2 * out),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.sqrt)
def sqrt(x):
    """Elementwise square root.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.sqrt(mg.tensor([4.0, 9.0]))
    tensor([2., 3.])
    """
    try:
        return unary(Sqrt, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(sqrt, x)


class Abs(Node):
    """|x|: d/dx = sign(x), 0 at 0."""

    __slots__ = ()
    forward = np.abs
    save_out = False

    def backward(self, g, out, x):
        return (g * np.sign(self.args[0]),)


@op(operators="__abs__", ufunc=np.absolute)
def abs(x):
    """Elementwise absolute value; its gradient at 0 is 0.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.abs(mg.tensor([-1.5, 2.0]))
    tensor([1.5, 2. ])
    """
    return unary(Abs, x)


class Sin(Node):
    """sin(x): d/dx = cos(x)."""

    __slots__ = ()
    forward = np.sin
    save_out = False

    def backward(self, g, out, x):
        try:
            return (g * np.cos(x),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.sin)
def sin(x):
    """Elementwise sine (radians).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    >>> mg.sin(x).sum().backward()
    >>> x.grad
    tensor([1.        , 0.54030231], dtype=float64)
    """
    try:
        return unary(Sin, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(sin, x)


class Cos(Node):
    """cos(x): d/dx = -sin(x)."""

    __slots__ = ()
    forward = np.cos
    save_out = False

    def backward(self, g, out, x):
        try:
            return (g * -np.sin(x),)
        except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
            return quietly(self.backward, g, out, x)


@op(ufunc=np.cos)
def cos(x):
    """Elementwise cosine (radians).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.cos(mg.tensor([0.0]))
    tensor([1.])
    """
    try:
        return unary(Cos, x)
    except RuntimeWarning:     # warnings are errors: see minigrad.ops.quiet
        return quietly(cos, x)


class Clip(Node):
    """clip(x, lo, hi): the gradient passes where lo <= x <= hi (bounds included)."""

    __slots__ = ()
    save_out = False

    def backward(self, g, out, x):
        lo, hi = self.ctx
        xd = self.args[0]
        if lo is None:
            inside = xd <= hi
        elif hi is None:
            inside = xd >= lo
        else:
            inside = (xd >= lo) & (xd <= hi)
        return (g * inside,)


@op(numpy=np.clip, rename={"a_min": "min", "a_max": "max"})
def clip(x, min=None, max=None):
    """Limit values to ``[min, max]``.

    The gradient passes unchanged where ``min <= x <= max`` (the bounds
    included, as in PyTorch) and is 0 outside.  Bounds are constants:
    numbers, arrays or tensors that do not require grad.  Array bounds
    broadcast with ``x``, as ``torch.clamp``'s tensor bounds do: the result
    has the broadcast shape, and x's gradient is summed back to x's shape.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    >>> y = mg.clip(x, 0.0, 1.0)
    >>> y.sum().backward()
    >>> y, x.grad
    (tensor([0. , 0. , 0.5, 1. , 1. ], grad_fn=<ClipBackward>), tensor([0., 1., 1., 1., 0.]))
    """
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    for name, v in (("min", min), ("max", max)):
        if isinstance(v, Tensor):
            if v.requires_grad:
                raise TypeError(
                    f"clip's {name} is a constant and gets no gradient; use "
                    "mg.maximum / mg.minimum for bounds that need one"
                )
    # bounds are kept for backward: copies, so changing them later changes nothing
    lo, hi = _constant(min), _constant(max)
    x = x if type(x) is Tensor else coerce(x)
    out = np.clip(x._data, lo, hi)
    if out.shape != x.shape or out.dtype != x.dtype:
        x = expand(x, out.shape, out.dtype)     # array bounds broadcast (or promote) x
    return unary(Clip, x, out, (lo, hi))


def _constant(v):
    """A constant operand as the op keeps it: numbers as they are, anything
    else a numpy array (a copy) of a dtype tensors hold."""
    if v is None or isinstance(v, (int, float)):
        return v
    return np.copy(as_operand(v._data if isinstance(v, Tensor) else v))


# ------------------------------------------------------ maximum / minimum

def _weights(lose, tie, dtype):
    """An operand's share of the gradient: 0 where it loses, 1/2 on a tie,
    else 1.  Where either operand is NaN neither loses nor ties, so both
    get the whole gradient, as in PyTorch: a NaN is never hidden."""
    return np.where(lose, 0.0, np.where(tie, 0.5, 1.0)).astype(dtype, copy=False)


class Maximum(Node):
    """maximum(a, b): the larger operand gets the gradient; ties split it evenly."""

    __slots__ = ()
    save_out = False
    forward = np.maximum
    loses = np.less          # where the first operand loses to the second

    def backward(self, g, out, a, b):
        ad, bd = self.args
        tie = np.equal(ad, bd)
        loses = type(self).loses
        ia, ib = self.next
        return (g * _weights(loses(ad, bd), tie, g.dtype) if ia is not None else None,
                g * _weights(loses(bd, ad), tie, g.dtype) if ib is not None else None)


@op(ufunc=np.maximum)
def maximum(a, b):
    """Elementwise maximum; on a tie each operand gets half the gradient.
    Where an operand is NaN the result is NaN and both operands get the
    whole gradient (PyTorch's rule).

    Examples
    --------
    >>> import minigrad as mg
    >>> a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> mg.maximum(a, 2.0).sum().backward()
    >>> a.grad
    tensor([0. , 0.5, 1. ])
    """
    return binary(Maximum, a, b)


class Minimum(Maximum):
    """minimum(a, b): Maximum's rule with the comparison turned round."""

    __slots__ = ()
    forward = np.minimum
    loses = np.greater


@op(ufunc=np.minimum)
def minimum(a, b):
    """Elementwise minimum; on a tie each operand gets half the gradient.
    NaN as in :func:`maximum`.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.minimum(mg.tensor([1.0, 2.0, 3.0]), 2.0)
    tensor([1., 2., 2.])
    """
    return binary(Minimum, a, b)


class Where(Node):
    """where(cond, a, b): a's gradient where cond holds, b's elsewhere."""

    __slots__ = ()
    save_args = save_out = False

    def backward(self, g, out, cond, a, b):
        c = self.ctx
        _, ia, ib = self.next
        return (None,
                np.where(c, g, 0) if ia is not None else None,
                np.where(c, 0, g) if ib is not None else None)


@op(method=False, numpy=np.where, rename={"x": "a", "y": "b"})
def where(cond, a=None, b=None):
    """``a`` where ``cond`` is true, else ``b`` (numpy broadcasting).

    With ``cond`` alone, the indices where it is true, one int64 tensor
    per axis (``np.nonzero``, as ``np.where(cond)`` and ``torch.where(cond)``).

    Parameters
    ----------
    cond : array_like of bool
    a, b : array_like

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    >>> mg.where(x > 0)
    (tensor([1], dtype=int64),)
    """
    if a is None or b is None:
        if a is not None or b is not None:
            raise TypeError("where takes cond alone (the indices where it holds) or cond, a and b")
        d = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
        return tuple(_make(i.astype(np.int64), None) for i in np.nonzero(d))
    c = np.copy(cond._data if isinstance(cond, Tensor) else cond)   # a copy, kept for backward
    if c.dtype != bool:
        raise TypeError(
            f"where: cond must be boolean, got {c.dtype}; compare first, e.g. mg.where(x > 0, a, b)"
        )
    a = a if isinstance(a, Tensor) else as_operand(a)
    b = b if isinstance(b, Tensor) else as_operand(b)
    ad = a._data if isinstance(a, Tensor) else a
    bd = b._data if isinstance(b, Tensor) else b
    return record(Where, np.where(c, ad, bd), (c, a, b), ctx=c, elementwise=True)


# ----------------------------------------------------------- activations

class Sigmoid(Node):
    """sigmoid(x): d/dx = s (1 - s), from the output s."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        return (g * (1 - out) * out,)


@op()
def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``.

    Computed as ``exp(min(x, 0)) / (1 + exp(-|x|))``: no exponential can
    overflow, so it is finite and warning-free for any finite input, and
    it underflows to the right tiny (or zero) value for very negative x.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.sigmoid(mg.tensor([-1e4, 0.0, 1e4]))
    tensor([0. , 0.5, 1. ])
    """
    x = x if type(x) is Tensor else coerce(x)
    d = x._data
    return unary(Sigmoid, x, np.exp(np.minimum(d, 0.0)) / (1.0 + np.exp(-np.abs(d))))


class Tanh(Node):
    """tanh(x): d/dx = 1 - tanh(x)**2."""

    __slots__ = ()
    forward = np.tanh
    save_args = False

    def backward(self, g, out, x):
        return (g * (1 - out * out),)


@op(ufunc=np.tanh)
def tanh(x):
    """Elementwise hyperbolic tangent.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tanh(mg.tensor([0.0]))
    tensor([0.])
    """
    return unary(Tanh, x)


class Relu(Node):
    """max(x, 0): the gradient passes where x > 0 (0 at 0), which is where
    the output is > 0."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        return (g * (self.out > 0),)


@op()
def relu(x):
    """``max(x, 0)``; its gradient at 0 is 0.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.relu(mg.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    x = x if type(x) is Tensor else coerce(x)
    return unary(Relu, x, np.maximum(x._data, 0))


class Softplus(Node):
    """log(1 + e^x): d/dx = sigmoid(x) = 1 - e^-out = -expm1(-out)."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        return (g * -np.expm1(-out),)


@op()
def softplus(x):
    """``log(1 + exp(x))``, computed without overflow for any finite x.

    As ``max(x, 0) + log1p(exp(-|x|))``: the formula inside numpy's
    ``logaddexp(0, x)``, in vectorised ufuncs (``logaddexp`` itself runs a
    scalar loop, 20x slower on large arrays).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.softplus(mg.tensor([-1e4, 0.0, 1e4], dtype="float64"))
    tensor([0.00000000e+00, 6.93147181e-01, 1.00000000e+04], dtype=float64)
    """
    x = x if type(x) is Tensor else coerce(x)
    d = x._data
    out = _log1p_exp_neg_abs(d)
    out += np.maximum(d, 0)
    return unary(Softplus, x, out)


class LogSigmoid(Node):
    """log(sigmoid(x)): d/dx = 1 - sigmoid(x) = 1 - e^out = -expm1(out)."""

    __slots__ = ()
    save_args = False

    def backward(self, g, out, x):
        return (g * -np.expm1(out),)


@op()
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``, finite for any finite x.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.log_sigmoid(mg.tensor([-1e4, 0.0], dtype="float64"))
    tensor([-1.00000000e+04, -6.93147181e-01], dtype=float64)
    """
    x = x if type(x) is Tensor else coerce(x)
    d = x._data
    out = _log1p_exp_neg_abs(d)
    np.subtract(np.minimum(d, 0), out, out=out)
    return unary(LogSigmoid, x, out)


def _log1p_exp_neg_abs(d):
    """``log(1 + exp(-|d|))``, in [0, log 2]: the smooth part of softplus
    (computed in one buffer: large arrays are costly to allocate)."""
    t = np.abs(d)
    if not isinstance(t, np.ndarray) or t.dtype.kind != "f":    # a 0-d result, or integers
        return np.asarray(np.log1p(np.exp(-t)))
    np.negative(t, out=t)
    np.exp(t, out=t)
    return np.log1p(t, out=t)


# ------------------------------------------------------------ comparisons

def _comparison(ufunc, symbol):
    from ..engine import _make, as_operand

    def compare(a, b):
        ad = a._data if isinstance(a, Tensor) else as_operand(a)
        bd = b._data if isinstance(b, Tensor) else as_operand(b)
        return _make(kept_array(ufunc(ad, bd)), None)

    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"""``a {symbol} b`` elementwise: a bool tensor with no gradient.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.{ufunc.__name__}(mg.tensor([1.0, 2.0]), 1.5)
    tensor({np.array2string(ufunc(np.array([1.0, 2.0]), 1.5), separator=", ")}, dtype=bool)
    """
    return compare


less = op(method=False, operators="__lt__", ufunc=np.less)(_comparison(np.less, "<"))
less_equal = op(method=False, operators="__le__", ufunc=np.less_equal)(
    _comparison(np.less_equal, "<="))
greater = op(method=False, operators="__gt__", ufunc=np.greater)(_comparison(np.greater, ">"))
greater_equal = op(method=False, operators="__ge__", ufunc=np.greater_equal)(
    _comparison(np.greater_equal, ">="))
equal = op(method=False, operators="__eq__", ufunc=np.equal)(_comparison(np.equal, "=="))
not_equal = op(method=False, operators="__ne__", ufunc=np.not_equal)(
    _comparison(np.not_equal, "!="))
