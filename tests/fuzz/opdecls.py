"""The ops random programs are made of: one declaration each.

A :class:`FuzzOp` says how to call the op in minigrad and in PyTorch, how to
choose its operands among the values a program has so far and its options
(axes, shapes, indices, bounds), its domain (checked on the actual values,
so that no op is drawn where it is singular or overflows), and its rounding
model: how large its rounding errors are, which sets the tolerance of a
comparison (see :mod:`fuzz.checks`).

Operands are value numbers (ints) or :class:`Const` numbers.  Options are
drawn with hypothesis (``draw``) so that they shrink; numbers that need no
shrinking (clip bounds, ``where`` conditions) come from the program's
``rng``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch")
F = torch.nn.functional


# ---------------------------------------------------------------- limits

@dataclass(frozen=True)
class Limits:
    """Per-dtype bounds that keep a program finite and warning-free.

    ``pos_min``: the smallest input of log, sqrt, a divisor or a non-integer
    power's base (their derivatives are 1/x-like); ``value_cap`` and
    ``grad_cap``: the largest magnitude a value or gradient may reach;
    ``unit``: the unit roundoff; ``tiny``: the smallest normal number (below
    it, precision is absolute: subnormals).
    """

    pos_min: float
    value_cap: float
    grad_cap: float
    unit: float
    tiny: float


LIMITS = {
    "float64": Limits(pos_min=1e-50, value_cap=1e60, grad_cap=1e150, unit=2.0 ** -53,
                      tiny=float(np.finfo(np.float64).tiny)),
    "float32": Limits(pos_min=1e-12, value_cap=1e10, grad_cap=1e20, unit=2.0 ** -24,
                      tiny=float(np.finfo(np.float32).tiny)),
}

MAX_SIZE = 64      # elements of any value
MAX_NDIM = 5


@dataclass(frozen=True)
class Const:
    """A constant operand: a Python number (weak, as in numpy 2 and PyTorch:
    it takes the tensor's dtype) or a numpy array (the final weights)."""

    value: object

    def __repr__(self):
        if isinstance(self.value, np.ndarray):
            return f"np.array({self.value.tolist()!r})"
        return repr(self.value)


# ------------------------------------------------------ rounding models

def rel_out(xs, y, p):
    """Rounding error of the output relative to the output itself."""
    return y.abs()


def rel_grad(i, g_in, g_out, xs, y, p):
    """Rounding error of an input's gradient relative to that gradient."""
    return g_in.abs()


@dataclass(frozen=True)
class Rounding:
    """How large an op's rounding errors are, as magnitudes that the tolerance
    scales (elementwise, in units of the unit roundoff).

    ``out(xs, y, params)``: of the output; ``grad(i, g_in, g_out, xs, y,
    params)``: of input i's gradient.  The default, relative to the value
    itself, is right for a correctly rounded or faithful op; the others name
    the cancellation the op's formula has (a sum's error is relative to the
    sum of the absolute terms; sigmoid's derivative ``s (1 - s)`` is computed
    from the rounded ``s``, so its error is absolute).
    """

    out: Callable = rel_out
    grad: Callable = rel_grad


RELATIVE = Rounding()


def _abs_vjp(torch_fn):
    """The gradient magnitude of a multilinear op (matmul, sum): its VJP at
    the absolute inputs with the absolute upstream gradient, a bound on the
    terms each gradient element sums."""
    def grad(i, g_in, g_out, xs, y, p):
        a = [x.detach().abs().requires_grad_() if torch.is_tensor(x) else x for x in xs]
        out = torch_fn(*a, **p)
        return torch.autograd.grad(out, a[i], g_out.abs())[0]
    return grad


def _abs_out(torch_fn):
    return lambda xs, y, p: torch_fn(*[x.abs() if torch.is_tensor(x) else x for x in xs], **p)


# --------------------------------------------------------------- FuzzOp

@dataclass(frozen=True)
class FuzzOp:
    """One op: ``mg(*operands, **params)`` and ``torch(*operands, **params)``.

    ``operands(draw, values)`` returns operand references (value numbers or
    Const), or None when no value fits; ``params(draw, rng, xs)`` the options
    for the resolved operands ``xs`` (torch tensors or numbers);
    ``domain(xs, params, limits)`` whether the op may be applied there.
    ``elementwise`` ops broadcast their operands (the rounding model then
    applies per broadcast element).  ``branches(xs, params)`` (ops with
    kinks: relu, abs, clip, max/min, maximum/minimum) says on which side of
    each kink every element is, from numpy values: where the two frameworks'
    own values put an element on different sides, rounding decided the
    derivative, and the gradients are not compared (see
    :func:`fuzz.checks.kinks_decided_by_rounding`).
    """

    name: str
    mg: Callable
    torch: Callable
    operands: Callable
    params: Callable = lambda draw, rng, xs: {}
    domain: Callable = lambda xs, p, lim: True
    elementwise: bool = False
    rounding: Rounding = RELATIVE
    branches: Callable | None = None
    notes: str = ""


# ------------------------------------------------------ operand pickers

def _pick(draw, values, ok=lambda v: True):
    """A value number, the latest value more often (deeper chains)."""
    fits = [i for i, v in enumerate(values) if ok(v)]
    if not fits:
        return None
    if fits[-1] == len(values) - 1 and draw(st.booleans()):
        return fits[-1]
    return draw(st.sampled_from(fits))


def one(draw, values):
    i = _pick(draw, values)
    return None if i is None else (i,)


def one_nd(draw, values):
    """One operand with at least one axis."""
    i = _pick(draw, values, lambda v: v.ndim >= 1)
    return None if i is None else (i,)


def broadcastable(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


def pair(consts):
    """Two operands that broadcast together; one of them may be a constant
    from ``consts``, on either side."""
    def pick(draw, values):
        a = _pick(draw, values)
        kind = draw(st.integers(0, 5))
        if consts and kind == 0:
            c = Const(draw(st.sampled_from(consts)))
            return (c, a) if draw(st.booleans()) else (a, c)
        if kind == 1:                     # the same value twice: ties, accumulation
            return (a, a)
        b = _pick(draw, values, lambda v: broadcastable(v.shape, values[a].shape))
        return (a, b) if draw(st.booleans()) else (b, a)
    return pick


def tie_pair(consts):
    """As :func:`pair`, but a third of the time the constant is one of the
    other operand's own elements: a tie (maximum, minimum split it)."""
    others = pair(consts)

    def pick(draw, values):
        if draw(st.integers(0, 2)):
            return others(draw, values)
        a = _pick(draw, values)
        flat = values[a].reshape(-1)
        c = Const(float(flat[draw(st.integers(0, flat.numel() - 1))]))
        return (a, c) if draw(st.booleans()) else (c, a)
    return pick


def where_operands(draw, values):
    a, b = pair((0.0, -1.5, 2.0))(draw, values)
    return (a, b)


def same_shape_pair(draw, values):
    a = _pick(draw, values, lambda v: v.ndim >= 1)
    if a is None:
        return None
    b = _pick(draw, values, lambda v: v.shape == values[a].shape)
    return (a, b)


def _matmul_ok(sa, sb):
    if not sa or not sb:
        return False
    k_b = sb[0] if len(sb) == 1 else sb[-2]
    return sa[-1] == k_b and broadcastable(sa[:-2], sb[:-2])


def matmul_operands(draw, values):
    a = _pick(draw, values, lambda v: v.ndim >= 1)
    if a is None:
        return None
    b = _pick(draw, values, lambda v: _matmul_ok(tuple(values[a].shape), tuple(v.shape)))
    return None if b is None else (a, b)


# ----------------------------------------------------------- domains

def _t(x):
    return x if torch.is_tensor(x) else torch.tensor(float(x), dtype=torch.float64)


def positive(i=0):
    """Operand i at least ``pos_min``: log, sqrt (1/x-like derivatives)."""
    return lambda xs, p, lim: bool((_t(xs[i]) >= lim.pos_min).all())


def log1p_domain(xs, p, lim):
    return bool((xs[0] > -0.999).all())


def divisor_domain(xs, p, lim):
    return bool((_t(xs[1]).abs() >= lim.pos_min).all())


def pow_domain(xs, p, lim):
    """``a ** b``: a positive base (at least pos_min) with a bounded tensor
    exponent; any base with a constant integer exponent (a nonzero one for a
    negative exponent); a positive base for a constant non-integer one."""
    a, b = xs
    if not torch.is_tensor(a):                      # c ** x, c > 0
        return float(a) > 0
    if torch.is_tensor(b):
        return bool((a >= lim.pos_min).all() and (b.abs() <= 4).all())
    if float(b) == int(b):
        return b >= 0 or bool((a.abs() >= lim.pos_min).all())
    return bool((a >= lim.pos_min).all())


# ----------------------------------------------------------- options

def _dims(axis, ndim):
    """numpy's axis as torch's dim: a tuple for None (every axis)."""
    return tuple(range(ndim)) if axis is None else axis


def draw_axis(draw, ndim, allow_none=True, allow_tuple=True):
    """None, an int or a tuple of distinct axes (negative ones too)."""
    if ndim == 0:
        return None
    kinds = ["int"] + (["none"] if allow_none else []) + (["tuple"] if allow_tuple else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


def reduce_params(draw, rng, xs):
    return {"axis": draw_axis(draw, xs[0].ndim), "keepdims": draw(st.booleans())}


def one_axis_params(draw, rng, xs):
    return {"axis": draw_axis(draw, xs[0].ndim, allow_none=False, allow_tuple=False)}


@lru_cache(maxsize=None)
def _factorisations(n, k):
    """Every ordered way to write n as a product of k positive ints."""
    if k == 0:
        return [()] if n == 1 else []
    return [(d,) + rest for d in range(1, n + 1) if n % d == 0
            for rest in _factorisations(n // d, k - 1)]


def reshape_params(draw, rng, xs):
    n = xs[0].numel()
    k = draw(st.integers(0 if n == 1 else 1, 4))
    shape = list(draw(st.sampled_from(_factorisations(n, k))))
    if shape and draw(st.booleans()):
        shape[draw(st.integers(0, len(shape) - 1))] = -1
    return {"shape": tuple(shape)}


def transpose_params(draw, rng, xs):
    nd = xs[0].ndim
    return {"axes": draw(st.one_of(st.none(), st.permutations(range(nd)).map(tuple)))}


def swapaxes_params(draw, rng, xs):
    nd = xs[0].ndim
    return {"axis1": draw(st.integers(-nd, nd - 1)), "axis2": draw(st.integers(-nd, nd - 1))}


def squeeze_params(draw, rng, xs):
    ones = [i for i, s in enumerate(xs[0].shape) if s == 1]
    if not ones or draw(st.booleans()):
        return {"axis": None}
    i = draw(st.sampled_from(ones))
    return {"axis": i - xs[0].ndim if draw(st.booleans()) else i}


def expand_dims_params(draw, rng, xs):
    nd = xs[0].ndim
    return {"axis": draw(st.integers(-nd - 1, nd))}


def broadcast_to_params(draw, rng, xs):
    shape = [draw(st.integers(1, 3)) if s == 1 else s for s in xs[0].shape]
    lead = draw(st.lists(st.integers(1, 3), max_size=1))
    return {"shape": tuple(lead + shape)}


def concat_params(draw, rng, xs):
    nd = xs[0].ndim
    return {"axis": draw(st.integers(-nd, nd - 1))}


def stack_params(draw, rng, xs):
    nd = xs[0].ndim
    return {"axis": draw(st.integers(-nd - 1, nd))}


def clip_params(draw, rng, xs):
    """Scalar bounds, lo <= hi, often exactly at an element (the gradient
    passes at the bounds, as in PyTorch)."""
    flat = xs[0].detach().reshape(-1).numpy()
    picks = sorted(float(flat[rng.integers(flat.size)]) + (0.0 if draw(st.booleans()) else
                   float(rng.normal())) for _ in range(2))
    kind = draw(st.sampled_from(["both", "min", "max"]))
    return {"min": picks[0] if kind != "max" else None, "max": picks[1] if kind != "min" else None}


def where_params(draw, rng, xs):
    """A fixed boolean condition that broadcasts with both operands."""
    shapes = [tuple(x.shape) for x in xs if torch.is_tensor(x)]
    out = np.broadcast_shapes(*shapes) if shapes else ()
    shape = tuple(1 if draw(st.booleans()) else s for s in out)
    shape = shape[draw(st.integers(0, len(shape))):]
    return {"cond": rng.random(shape) < 0.5}


# -------------------------------------------------------------- indexing

def _draw_basic_entry(draw, n):
    if draw(st.booleans()):
        return draw(st.integers(-n, n - 1))
    bound = st.one_of(st.none(), st.integers(-n - 1, n))
    return slice(draw(bound), draw(bound), draw(st.sampled_from([None, 1, 2, -1, -2])))


def getitem_params(draw, rng, xs):
    """Basic (ints, slices with negative steps, None, Ellipsis), one
    integer array (repeats and negatives), or one boolean mask of the right
    shape."""
    shape = tuple(xs[0].shape)
    nd = len(shape)
    kind = draw(st.sampled_from(["basic", "array", "mask"] if nd else ["basic"]))
    if kind == "basic":
        p = draw(st.integers(0, nd))
        s = draw(st.integers(0, nd - p))
        head = [_draw_basic_entry(draw, n) for n in shape[:p]]
        tail = [_draw_basic_entry(draw, n) for n in shape[nd - s:]] if s else []
        index = head + ([Ellipsis] if draw(st.booleans()) or p + s < nd else []) + tail
        for _ in range(draw(st.integers(0, 2))):
            index.insert(draw(st.integers(0, len(index))), None)
    else:
        d = draw(st.integers(0, nd - 1))
        if kind == "array":
            arr_shape = draw(st.sampled_from([(1,), (2,), (3,), (5,), (2, 2)]))
            n = int(np.prod(arr_shape))
            entries = draw(st.lists(st.integers(-shape[d], shape[d] - 1), min_size=n, max_size=n))
            arr = np.array(entries).reshape(arr_shape)
            covered = 1
        else:
            covered = draw(st.integers(1, nd - d))
            arr = rng.random(shape[d:d + covered]) < 0.6
            arr.reshape(-1)[rng.integers(arr.size)] = True       # never empty
        last = d + covered == nd
        index = [Ellipsis, arr] if last and d and draw(st.booleans()) else [slice(None)] * d + [arr]
    return {"index": tuple(index)}


def torch_getitem(x, index):
    """``x[index]`` in PyTorch, which has no negative slice steps: such an
    axis is flipped and sliced forwards instead."""
    consumed = sum(0 if i is None or i is Ellipsis else
                   (i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1) for i in index)
    dim, flips, out = 0, [], []
    for i in index:
        if i is Ellipsis:
            out.append(i)
            dim += x.ndim - consumed
        elif i is None:
            out.append(None)
        elif isinstance(i, slice) and (i.step or 1) < 0:
            n = x.shape[dim]
            r = range(n)[i]
            flips.append(dim)
            out.append(slice(n - 1 - r[0], n - r[-1], -i.step) if len(r) else slice(0, 0))
            dim += 1
        elif isinstance(i, np.ndarray):
            out.append(torch.as_tensor(i))
            dim += i.ndim if i.dtype == bool else 1
        else:
            out.append(i)
            dim += 1
    if flips:
        x = torch.flip(x, flips)
    return x[tuple(out)]


# ------------------------------------------------------- torch helpers

def _tensor_like(c, other):
    """A constant as a 0-d tensor of the other operand's dtype (for torch
    functions that take no Python numbers)."""
    if torch.is_tensor(c):
        return c
    return torch.tensor(c, dtype=other.dtype)


def _binary_tensor(fn):
    def call(a, b):
        return fn(_tensor_like(a, b), _tensor_like(b, a))
    return call


def torch_softplus(x):
    """The reference softplus (CONVENTIONS["softplus"]), composed from
    torch ops so that its first and second derivatives are accurate:
    ``x + log1p(exp(-x))`` for x > 0, ``log1p(exp(x))`` elsewhere.  (PyTorch's
    ``F.softplus`` returns x itself above its threshold 20, off by up to
    2e-9.)"""
    pos = x > 0
    xp, xn = torch.where(pos, x, 0), torch.where(pos, 0, x)
    return torch.where(pos, xp + torch.log1p(torch.exp(-xp)), torch.log1p(torch.exp(xn)))


def torch_log_sigmoid(x):
    """The reference log_sigmoid (CONVENTIONS["log_sigmoid"]): ``-softplus(-x)``
    composed as above.  (The double backward of PyTorch's ``F.logsigmoid``
    is off by 7e-5 relative at x = 6.975 in float32, and 0 at x = 388
    where the value is -3e-170.)"""
    return -torch_softplus(-x)


def _reduce(fn):
    return lambda x, axis=None, keepdims=False: fn(x, dim=_dims(axis, x.ndim), keepdim=keepdims)


# ---------------------------------------------------- rounding specials

def _sigmoid_grad(i, g_in, g_out, xs, y, p):
    return g_in.abs() + g_out.abs()          # s (1 - s) from the rounded s: absolute error


def _tanh_grad(i, g_in, g_out, xs, y, p):
    return g_in.abs() + 2 * g_out.abs()      # 1 - t**2 from the rounded t


def _expm1_grad(i, g_in, g_out, xs, y, p):
    return g_out.abs() * (1 + y.abs())       # out + 1 from the rounded out


def _lse_out(xs, y, p):
    x, axis, keep = xs[0], p.get("axis"), p.get("keepdims", False)
    return y.abs() + torch.amax(x.abs(), dim=_dims(axis, x.ndim), keepdim=keep)


def _lse_grad(i, g_in, g_out, xs, y, p):
    x = xs[0]
    lse = torch.logsumexp(x, dim=_dims(p.get("axis"), x.ndim), keepdim=True)
    return g_in.abs() * (1 + x.abs() + lse.abs())       # exp(x - out): out is rounded


def _softmax_out(xs, y, p):
    x = xs[0]
    return y.abs() * (1 + (x - torch.amax(x, dim=p["axis"], keepdim=True)).abs())


def _softmax_grad(i, g_in, g_out, xs, y, p):
    x, d = xs[0], p["axis"]
    spread = 1 + (x - torch.amax(x, dim=d, keepdim=True)).abs()
    return (g_out.abs() + (g_out * y).abs().sum(d, keepdim=True)) * y.abs() * spread


def _log_softmax_out(xs, y, p):
    return xs[0].abs() + (xs[0] - y).abs()              # x - logsumexp(x)


def _log_softmax_grad(i, g_in, g_out, xs, y, p):
    d = p["axis"]
    return g_out.abs() + y.exp() * g_out.abs().sum(d, keepdim=True) * (1 + y.abs())


# ------------------------------------------------------------- branches

def _sides(a, b):
    return (np.sign(np.subtract(a, b)),)


def _clip_sides(xs, p):
    x = np.asarray(xs[0])
    return tuple(np.sign(x - bound) for bound in (p["min"], p["max"]) if bound is not None)


def _extreme_sides(xs, p):
    x = np.asarray(xs[0])
    return (x == np.max(x, axis=p["axis"], keepdims=True),
            x == np.min(x, axis=p["axis"], keepdims=True))


# ------------------------------------------------------------- the table

def unary(name, mg_fn, torch_fn, domain=lambda xs, p, lim: True, rounding=RELATIVE, notes="",
          branches=None):
    return FuzzOp(name, mg_fn, torch_fn, one, domain=domain, elementwise=True,
                  rounding=rounding, branches=branches, notes=notes)


def binary(name, mg_fn, torch_fn, consts, domain=lambda xs, p, lim: True, branches=None,
           operands=pair):
    return FuzzOp(name, mg_fn, torch_fn, operands(consts), domain=domain, elementwise=True,
                  branches=branches)


def reduction(name, mg_fn, torch_fn, rounding=RELATIVE, branches=None):
    return FuzzOp(name, mg_fn, torch_fn, one, params=reduce_params, rounding=rounding,
                  branches=branches)


_sum_t, _mean_t = _reduce(torch.sum), _reduce(torch.mean)
_broadcast_to_t = lambda x, shape: torch.broadcast_to(x, shape)  # noqa: E731
_matmul_t = torch.matmul

OPS = [
    # elementwise, one operand
    unary("neg", mg.neg, torch.neg),
    unary("exp", mg.exp, torch.exp),
    unary("log", mg.log, torch.log, positive()),
    unary("log1p", mg.log1p, torch.log1p, log1p_domain),
    unary("expm1", mg.expm1, torch.expm1, rounding=Rounding(grad=_expm1_grad)),
    unary("sqrt", mg.sqrt, torch.sqrt, positive()),
    unary("abs", mg.abs, torch.abs, notes="gradient 0 at 0 in both",
          branches=lambda xs, p: _sides(xs[0], 0)),
    unary("sigmoid", mg.sigmoid, torch.sigmoid, rounding=Rounding(grad=_sigmoid_grad)),
    unary("tanh", mg.tanh, torch.tanh, rounding=Rounding(grad=_tanh_grad)),
    unary("relu", mg.relu, torch.relu, notes="gradient 0 at 0 in both",
          branches=lambda xs, p: _sides(xs[0], 0)),
    unary("softplus", mg.softplus, torch_softplus, notes="CONVENTIONS['softplus']"),
    unary("log_sigmoid", mg.log_sigmoid, torch_log_sigmoid,
          notes="CONVENTIONS['log_sigmoid']"),
    # elementwise, two operands (numpy broadcasting; a constant on either side)
    binary("add", lambda a, b: a + b, lambda a, b: a + b, (0.5, -1.5, 2.0, 0.0)),
    binary("sub", lambda a, b: a - b, lambda a, b: a - b, (0.5, -1.5, 1.0, 0.0)),
    binary("mul", lambda a, b: a * b, lambda a, b: a * b, (0.5, -1.5, 3.0, 0.0, -0.0)),
    binary("div", lambda a, b: a / b, lambda a, b: a / b, (0.5, -1.5, 3.0), divisor_domain),
    binary("pow", lambda a, b: a ** b, lambda a, b: a ** b,
           (2, 3, 2.0, 0.5, -1.0, 1.5, 0.0, 1.0, -2.0, 2.5), pow_domain),
    binary("maximum", mg.maximum, _binary_tensor(torch.maximum), (0.0, 0.5, -1.5),
           branches=lambda xs, p: _sides(*xs), operands=tie_pair),
    binary("minimum", mg.minimum, _binary_tensor(torch.minimum), (0.0, 0.5, -1.5),
           branches=lambda xs, p: _sides(*xs), operands=tie_pair),
    FuzzOp("where", lambda a, b, cond: mg.where(cond, a, b),
           lambda a, b, cond: torch.where(torch.as_tensor(cond), a, b),
           where_operands, params=where_params, elementwise=True),
    FuzzOp("clip", lambda x, min, max: mg.clip(x, min, max),
           lambda x, min, max: torch.clamp(x, min=min, max=max), one, params=clip_params,
           elementwise=True, branches=_clip_sides,
           notes="scalar bounds; gradient passes at the bounds in both"),
    # reductions along axes
    reduction("sum", mg.sum, _sum_t, Rounding(out=_abs_out(_sum_t))),
    reduction("mean", mg.mean, _mean_t, Rounding(out=_abs_out(_mean_t))),
    reduction("amax", mg.amax, _reduce(torch.amax), branches=_extreme_sides),
    reduction("amin", mg.amin, _reduce(torch.amin), branches=_extreme_sides),
    reduction("logsumexp", mg.logsumexp, _reduce(torch.logsumexp), Rounding(_lse_out, _lse_grad)),
    FuzzOp("softmax", mg.softmax, lambda x, axis: torch.softmax(x, dim=axis), one_nd,
           params=one_axis_params, rounding=Rounding(_softmax_out, _softmax_grad)),
    FuzzOp("log_softmax", mg.log_softmax, lambda x, axis: torch.log_softmax(x, dim=axis), one_nd,
           params=one_axis_params, rounding=Rounding(_log_softmax_out, _log_softmax_grad)),
    # shapes
    FuzzOp("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape), one,
           params=reshape_params),
    FuzzOp("permute", lambda x, axes: mg.permute(x, tuple(range(x.ndim))[::-1] if axes is None
                                               else axes),
           lambda x, axes: x.permute(axes if axes is not None else tuple(range(x.ndim))[::-1]),
           one, params=transpose_params),
    FuzzOp("T", lambda x: x.T, lambda x: x.permute(tuple(range(x.ndim))[::-1]), one),
    FuzzOp("swapaxes", mg.swapaxes, lambda x, axis1, axis2: torch.swapaxes(x, axis1, axis2),
           one_nd, params=swapaxes_params),
    FuzzOp("squeeze", mg.squeeze,
           lambda x, axis: x.squeeze() if axis is None else x.squeeze(axis), one,
           params=squeeze_params),
    FuzzOp("expand_dims", mg.expand_dims, lambda x, axis: x.unsqueeze(axis), one,
           params=expand_dims_params),
    FuzzOp("broadcast_to", mg.broadcast_to, _broadcast_to_t, one, params=broadcast_to_params,
           rounding=Rounding(grad=_abs_vjp(_broadcast_to_t))),
    FuzzOp("concatenate", lambda a, b, axis: mg.concatenate([a, b], axis=axis),
           lambda a, b, axis: torch.cat([a, b], dim=axis), same_shape_pair, params=concat_params),
    FuzzOp("stack", lambda a, b, axis: mg.stack([a, b], axis=axis),
           lambda a, b, axis: torch.stack([a, b], dim=axis), same_shape_pair, params=stack_params),
    # indexing
    FuzzOp("getitem", lambda x, index: x[index], torch_getitem, one, params=getitem_params,
           rounding=Rounding(grad=_abs_vjp(torch_getitem))),
    # linear algebra
    FuzzOp("matmul", lambda a, b: a @ b, _matmul_t, matmul_operands,
           rounding=Rounding(out=_abs_out(_matmul_t), grad=_abs_vjp(_matmul_t))),
]

BY_NAME = {op.name: op for op in OPS}
