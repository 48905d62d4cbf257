"""One declaration per op: how to call it, its float64 numpy reference, its
PyTorch twin, the shapes and options to try, and its safe input domain.

tests/test_ops.py turns every declaration into value tests, gradchecks,
gradgradchecks (hypothesis-driven) and PyTorch parity tests.

A domain says where the op is smooth enough for central differences:
away from kinks (abs, relu at 0; clip at its bounds), ties (max, maximum),
and singularities (log at 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

# ------------------------------------------------------------------ domains


@dataclass(frozen=True)
class Uniform:
    lo: float = -3.0
    hi: float = 3.0

    def sample(self, rng, shape):
        return rng.uniform(self.lo, self.hi, shape)


@dataclass(frozen=True)
class Away:
    """Uniform on [lo, hi] minus (p - gap, p + gap) for each p in points."""

    points: tuple = (0.0,)
    gap: float = 0.05
    lo: float = -3.0
    hi: float = 3.0

    def sample(self, rng, shape):
        x = rng.uniform(self.lo, self.hi, shape)
        for p in self.points:
            near = np.abs(x - p) < self.gap
            x = np.where(near, p + np.sign(x - p + 1e-12) * self.gap * 2, x)
        return x


@dataclass(frozen=True)
class Grid:
    """Values on the grid offset + step * k inside [lo, hi]: two grids with
    different offsets never tie, and stay step/2 apart."""

    step: float = 0.5
    offset: float = 0.0
    lo: float = -3.0
    hi: float = 3.0

    def sample(self, rng, shape):
        k = rng.integers(int(np.ceil((self.lo - self.offset) / self.step)),
                         int(np.floor((self.hi - self.offset) / self.step)) + 1, shape)
        return self.offset + self.step * k


@dataclass(frozen=True)
class Distinct:
    """A random permutation of evenly spaced values: no ties anywhere."""

    lo: float = -3.0
    hi: float = 3.0

    def sample(self, rng, shape):
        n = int(np.prod(shape))
        vals = np.linspace(self.lo, self.hi, max(n, 1))[:n]
        return rng.permutation(vals).reshape(shape)


@dataclass(frozen=True)
class NaNsAndInfs:
    """Finite values with some NaN, inf and -inf among them."""

    def sample(self, rng, shape):
        x = rng.uniform(-3, 3, shape)
        return np.where(rng.random(shape) < 0.3, rng.choice([np.nan, np.inf, -np.inf], shape), x)


@dataclass(frozen=True)
class Bools:
    def sample(self, rng, shape):
        return rng.random(shape) < 0.5


# ------------------------------------------------------------------- shapes

shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
shape_nd = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
triples = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


def one(s=shape, **kw):
    return st.tuples(st.tuples(s), st.just(kw))


def broadcast(n=2):
    return st.tuples((pairs if n == 2 else triples).map(lambda b: b.input_shapes), st.just({}))


@st.composite
def reduce_case(draw, keepdims=True, single=False, allow_none=True):
    s = draw(shape_nd)
    n = len(s)
    if single:
        axis = draw(st.integers(-n, n - 1))
    else:
        choices = [st.integers(-n, n - 1),
                   st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple)]
        if allow_none:
            choices.append(st.none())
        axis = draw(st.one_of(*choices))
    kw = {"axis": axis}
    if keepdims:
        kw["keepdims"] = draw(st.booleans())
    return (s,), kw


@st.composite
def reshape_case(draw):
    s = draw(shape)
    n = int(np.prod(s))
    # a random factorisation of n, maybe with a -1
    dims = []
    rest = n
    for p in (2, 3):
        while rest % p == 0 and draw(st.booleans()):
            dims.append(p)
            rest //= p
    dims.append(rest)
    dims = draw(st.permutations(dims))
    if draw(st.booleans()) and dims:
        dims = list(dims)
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return (s,), {"shape": tuple(dims)}


@st.composite
def transpose_case(draw):
    s = draw(shape)
    axes = draw(st.one_of(st.none(), st.permutations(range(len(s))).map(tuple)))
    return (s,), {"axes": axes}


@st.composite
def squeeze_case(draw):
    s = list(draw(shape_nd))
    i = draw(st.integers(0, len(s) - 1))
    s[i] = 1
    axis = draw(st.one_of(st.none(), st.just(i), st.just(i - len(s))))
    return (tuple(s),), {"axis": axis}


@st.composite
def expand_case(draw):
    s = draw(shape)
    return (s,), {"axis": draw(st.integers(-len(s) - 1, len(s)))}


@st.composite
def broadcast_to_case(draw):
    b = draw(hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=3, max_side=3))
    return (b.input_shapes[0],), {"shape": b.result_shape}


@st.composite
def getitem_case(draw):
    s = draw(shape_nd)
    kind = draw(st.sampled_from(["int", "slice", "array", "mask", "mixed"]))
    if kind == "int":
        idx = draw(st.integers(-s[0], s[0] - 1))
    elif kind == "slice":
        idx = tuple(slice(draw(st.integers(0, n - 1)), None, draw(st.sampled_from([1, 2, -1])))
                    for n in s[:draw(st.integers(1, len(s)))])
    elif kind == "array":  # repeats on purpose: their gradients must add up
        idx = np.array(draw(st.lists(st.integers(-s[0], s[0] - 1), min_size=1, max_size=5)))
    elif kind == "mask":
        idx = np.array(draw(st.lists(st.booleans(), min_size=s[0], max_size=s[0])))
    else:
        idx = (Ellipsis, np.array(draw(st.lists(st.integers(0, s[-1] - 1), min_size=1, max_size=4))))
    return (s,), {"index": idx}


@st.composite
def concat_case(draw, stack=False):
    s = list(draw(shape_nd))
    n = draw(st.integers(1, 3))
    if stack:
        return tuple(tuple(s) for _ in range(n)), {"axis": draw(st.integers(-len(s) - 1, len(s)))}
    axis = draw(st.integers(-len(s), len(s) - 1))
    shapes = []
    for _ in range(n):
        t = list(s)
        t[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(t))
    return tuple(shapes), {"axis": axis}


@st.composite
def cat_case(draw):
    (shapes, kw) = draw(concat_case())
    return shapes, {"dim": kw["axis"]}


# (equation, shapes with letters for sizes): drawn sizes fill the letters
EINSUMS = [
    ("ij,jk->ik", ("ij", "jk")), ("ii->i", ("ii",)), ("ii->", ("ii",)), ("ij->", ("ij",)),
    ("bij,bjk->bik", ("bij", "bjk")), ("i,j->ij", ("i", "j")), ("ij,ij->i", ("ij", "ij")),
    ("ijk->kji", ("ijk",)), ("ii,ij->j", ("ii", "ij")), ("ji", ("ji",)), ("ij,jk", ("ij", "jk")),
    ("ijj->i", ("ijj",)), ("ij,k->", ("ij", "k")), ("...ij,...jk->...ik", ("bij", "bjk")),
    ("i...->...", ("ibj",)), ("bi,bj,bk->ijk", ("bi", "bj", "bk")),
]


@st.composite
def einsum_case(draw):
    eq, letters = draw(st.sampled_from(EINSUMS))
    sizes = {c: draw(st.integers(1, 3)) for c in "".join(letters)}
    # a letter of one operand may have size 1 where another has more: numpy and
    # PyTorch broadcast it (not a repeated letter: a diagonal needs equal sizes)
    shapes = tuple(tuple(1 if s.count(c) == 1 and len(letters) > 1 and draw(st.booleans())
                         and draw(st.booleans()) else sizes[c] for c in s) for s in letters)
    return shapes, {"equation": eq}


@st.composite
def triangle_case(draw):
    s = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
    return (s,), {"diagonal": draw(st.integers(-3, 3))}


@st.composite
def outer_case(draw):
    return ((draw(st.integers(1, 4)),), (draw(st.integers(1, 4)),)), {}


@st.composite
def matmul_case(draw):
    k = draw(st.integers(1, 3))
    a_kind = draw(st.sampled_from(["vec", "mat", "batch"]))
    b_kind = draw(st.sampled_from(["vec", "mat", "batch"]))
    n, m = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=2))
    a = {"vec": (k,), "mat": (n, k), "batch": batch.input_shapes[0] + (n, k)}[a_kind]
    b = {"vec": (k,), "mat": (k, m), "batch": batch.input_shapes[1] + (k, m)}[b_kind]
    return (a, b), {}


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@st.composite
def window_case(draw, weight=False, padding=True):
    """(N, C, H, W) images and a kernel that fits them, with stride and padding."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = draw(st.sampled_from([1, 2, (1, 2)]))
    p = draw(st.sampled_from([0, 1, (1, 0)])) if padding else 0
    p = tuple(min(q, kk // 2) for q, kk in zip(_pair(p), k)) if not weight else _pair(p)
    hw = tuple(draw(st.integers(max(kk - 2 * q, 1), kk + 3)) for kk, q in zip(k, p))
    if not weight:
        kw = {"kernel_size": k, "stride": s}
        return ((n, c, *hw),), ({**kw, "padding": p} if padding else kw)
    o = draw(st.integers(1, 3))
    shapes = ((n, c, *hw), (o, c, *k)) + (((o,),) if draw(st.booleans()) else ())
    return shapes, {"stride": s, "padding": p}


def _windows_ref(x, k, s, p, fill=0.0):
    """(N, C, OH, OW, kh, kw) windows, naively."""
    k, s, p = _pair(k), _pair(s), _pair(p)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    oh, ow = ((xp.shape[2] - k[0]) // s[0] + 1, (xp.shape[3] - k[1]) // s[1] + 1)
    return np.array([[xp[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
                      for j in range(ow)] for i in range(oh)]).transpose(2, 3, 0, 1, 4, 5)


def _conv2d_ref(x, w, b=None, stride=1, padding=0):
    out = np.einsum("ncijkl,ockl->noij", _windows_ref(x, w.shape[2:], stride, padding), w)
    return out if b is None else out + b[:, None, None]


def _pool_ref(reduce):
    return lambda x, kernel_size, stride, padding=0: reduce(
        _windows_ref(x, kernel_size, stride or kernel_size, padding), axis=(-2, -1))


# --------------------------------------------------------------------- specs


@dataclass(frozen=True)
class OpSpec:
    """How to test one op.

    ``mg``, ``ref`` and ``torch`` take the inputs positionally and the drawn
    options as keywords.  ``domains`` gives one domain per input.
    """

    name: str
    mg: Callable
    ref: Callable
    torch: Callable | None
    cases: st.SearchStrategy
    domains: tuple = (Uniform(),)
    differentiable: bool = True
    second_order: bool = True
    notes: str = ""
    variadic: bool = field(default=False)

    def sample(self, rng, shapes):
        doms = self.domains if not self.variadic else self.domains * len(shapes)
        return [d.sample(rng, s) for d, s in zip(doms, shapes)]


def _t():
    import torch

    return torch


def _F():
    import torch.nn.functional as F

    return F


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else (np.squeeze(out, axis) if axis is not None else out.reshape(()))


def _dims(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return axis if isinstance(axis, tuple) else (axis,)


def _torch_index(index):
    t = _t()
    if isinstance(index, np.ndarray):
        return t.as_tensor(index)
    if isinstance(index, tuple):
        return tuple(t.as_tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    return index


def _torch_getitem(x, index):
    # torch has no negative slice steps: flip, then slice
    if isinstance(index, tuple) and any(isinstance(i, slice) and i.step == -1 for i in index):
        t = _t()
        dims = [d for d, i in enumerate(index) if isinstance(i, slice) and i.step == -1]
        out = x
        norm = []
        for d, i in enumerate(index):
            if isinstance(i, slice) and i.step == -1:
                n = x.shape[d]
                norm.append(slice(n - 1 - i.start, None, 1))
            else:
                norm.append(i)
        out = t.flip(out, dims)
        return out[tuple(norm)]
    return x[_torch_index(index)]


ELEMENTWISE_UNARY = [
    OpSpec("neg", mg.neg, np.negative, lambda x: -x, one()),
    OpSpec("exp", mg.exp, np.exp, lambda x: _t().exp(x), one()),
    OpSpec("log", mg.log, np.log, lambda x: _t().log(x), one(), (Uniform(0.1, 3),)),
    OpSpec("log1p", mg.log1p, np.log1p, lambda x: _t().log1p(x), one(), (Uniform(-0.9, 3),)),
    OpSpec("expm1", mg.expm1, np.expm1, lambda x: _t().expm1(x), one()),
    OpSpec("sqrt", mg.sqrt, np.sqrt, lambda x: _t().sqrt(x), one(), (Uniform(0.1, 3),)),
    OpSpec("abs", mg.abs, np.abs, lambda x: _t().abs(x), one(), (Away((0.0,)),)),
    OpSpec("clip", lambda x: mg.clip(x, -1.0, 1.5), lambda x: np.clip(x, -1.0, 1.5),
           lambda x: _t().clamp(x, -1.0, 1.5), one(), (Away((-1.0, 1.5)),)),
    OpSpec("clip_min", lambda x: mg.clip(x, min=0.5), lambda x: np.maximum(x, 0.5),
           lambda x: _t().clamp(x, min=0.5), one(), (Away((0.5,)),)),
    OpSpec("clip_max", lambda x: x.clip(max=0.5), lambda x: np.minimum(x, 0.5),
           lambda x: _t().clamp(x, max=0.5), one(), (Away((0.5,)),)),
    OpSpec("sigmoid", mg.sigmoid, _sigmoid, lambda x: _t().sigmoid(x), one(), (Uniform(-6, 6),)),
    OpSpec("tanh", mg.tanh, np.tanh, lambda x: _t().tanh(x), one()),
    OpSpec("sin", mg.sin, np.sin, lambda x: _t().sin(x), one()),
    OpSpec("cos", mg.cos, np.cos, lambda x: _t().cos(x), one()),
    OpSpec("relu", mg.relu, lambda x: np.maximum(x, 0), lambda x: _t().relu(x), one(),
           (Away((0.0,)),)),
    OpSpec("softplus", mg.softplus, lambda x: np.log1p(np.exp(x)), lambda x: _F().softplus(x),
           one(), (Uniform(-6, 6),)),
    OpSpec("log_sigmoid", mg.log_sigmoid, lambda x: np.log(_sigmoid(x)),
           lambda x: _F().logsigmoid(x), one(), (Uniform(-6, 6),)),
]

ELEMENTWISE_BINARY = [
    OpSpec("add", lambda a, b: a + b, np.add, lambda a, b: a + b, broadcast(), (Uniform(),) * 2),
    OpSpec("sub", lambda a, b: a - b, np.subtract, lambda a, b: a - b, broadcast(),
           (Uniform(),) * 2),
    OpSpec("mul", lambda a, b: a * b, np.multiply, lambda a, b: a * b, broadcast(),
           (Uniform(),) * 2),
    OpSpec("div", lambda a, b: a / b, np.divide, lambda a, b: a / b, broadcast(),
           (Uniform(), Away((0.0,), 0.5))),
    OpSpec("pow", lambda a, b: a ** b, np.power, lambda a, b: a ** b, broadcast(),
           (Uniform(0.5, 2.0), Uniform(-2, 2))),
    OpSpec("pow_scalar", lambda a: a ** 3, lambda a: a ** 3, lambda a: a ** 3, one()),
    OpSpec("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, lambda a: 2.0 ** a, one()),
    OpSpec("rsub", lambda a: 1.0 - a, lambda a: 1.0 - a, lambda a: 1.0 - a, one()),
    OpSpec("rdiv", lambda a: 1.0 / a, lambda a: 1.0 / a, lambda a: 1.0 / a, one(),
           (Away((0.0,), 0.5),)),
    OpSpec("maximum", mg.maximum, np.maximum, lambda a, b: _t().maximum(a, b), broadcast(),
           (Grid(0.5, 0.25), Grid(0.5, 0.0))),
    OpSpec("minimum", mg.minimum, np.minimum, lambda a, b: _t().minimum(a, b), broadcast(),
           (Grid(0.5, 0.25), Grid(0.5, 0.0))),
    OpSpec("where", mg.where, np.where, lambda c, a, b: _t().where(c, a, b), broadcast(3),
           (Bools(), Uniform(), Uniform())),
]

REDUCTIONS = [
    OpSpec("sum", mg.sum, np.sum, lambda x, axis=None, keepdims=False: _t().sum(
        x, dim=_dims(axis, x.ndim), keepdim=keepdims), reduce_case()),
    OpSpec("mean", mg.mean, np.mean, lambda x, axis=None, keepdims=False: _t().mean(
        x, dim=_dims(axis, x.ndim), keepdim=keepdims), reduce_case()),
    OpSpec("amax", mg.amax, np.max, lambda x, axis=None, keepdims=False: _t().amax(
        x, dim=_dims(axis, x.ndim), keepdim=keepdims), reduce_case(), (Distinct(),)),
    OpSpec("amin", mg.amin, np.min, lambda x, axis=None, keepdims=False: _t().amin(
        x, dim=_dims(axis, x.ndim), keepdim=keepdims), reduce_case(), (Distinct(),)),
    OpSpec("logsumexp", mg.logsumexp, _logsumexp, lambda x, axis=None, keepdims=False:
           _t().logsumexp(x, dim=_dims(axis, x.ndim), keepdim=keepdims), reduce_case()),
    OpSpec("softmax", mg.softmax,
           lambda x, axis: np.exp(x - _logsumexp(x, axis, True)),
           lambda x, axis: _t().softmax(x, dim=axis), reduce_case(False, True)),
    OpSpec("log_softmax", mg.log_softmax, lambda x, axis: x - _logsumexp(x, axis, True),
           lambda x, axis: _t().log_softmax(x, dim=axis), reduce_case(False, True)),
]

SHAPE_OPS = [
    OpSpec("reshape", lambda x, shape: x.reshape(shape), lambda x, shape: x.reshape(shape),
           lambda x, shape: x.reshape(shape), reshape_case()),
    OpSpec("permute", lambda x, axes: mg.permute(x, tuple(range(x.ndim))[::-1] if axes is None
                                            else axes), np.transpose,
           lambda x, axes: x.permute(tuple(axes) if axes is not None else tuple(range(x.ndim))[::-1]),
           transpose_case()),
    OpSpec("T", lambda x: x.T, lambda x: x.T,
           lambda x: x.permute(tuple(range(x.ndim))[::-1]), one()),
    OpSpec("swapaxes", lambda x: mg.swapaxes(x, 0, -1), lambda x: np.swapaxes(x, 0, -1),
           lambda x: _t().swapaxes(x, 0, -1), one(shape_nd)),
    OpSpec("squeeze", mg.squeeze, np.squeeze,
           lambda x, axis: x.squeeze() if axis is None else x.squeeze(axis), squeeze_case()),
    OpSpec("expand_dims", mg.expand_dims, np.expand_dims,
           lambda x, axis: x.unsqueeze(axis), expand_case()),
    OpSpec("broadcast_to", mg.broadcast_to, np.broadcast_to,
           lambda x, shape: _t().broadcast_to(x, shape), broadcast_to_case()),
    OpSpec("getitem", lambda x, index: x[index], lambda x, index: x[index],
           _torch_getitem, getitem_case()),
    OpSpec("concatenate", lambda *xs, axis: mg.concatenate(xs, axis=axis),
           lambda *xs, axis: np.concatenate(xs, axis=axis),
           lambda *xs, axis: _t().cat(xs, dim=axis), concat_case(), variadic=True),
    OpSpec("cat", lambda *xs, dim: mg.cat(xs, dim=dim),
           lambda *xs, dim: np.concatenate(xs, axis=dim),
           lambda *xs, dim: _t().cat(xs, dim=dim), cat_case(), variadic=True),
    OpSpec("stack_dim", lambda *xs, axis: mg.stack(xs, dim=axis),
           lambda *xs, axis: np.stack(xs, axis=axis),
           lambda *xs, axis: _t().stack(xs, dim=axis), concat_case(stack=True), variadic=True),
    OpSpec("stack", lambda *xs, axis: mg.stack(xs, axis=axis),
           lambda *xs, axis: np.stack(xs, axis=axis),
           lambda *xs, axis: _t().stack(xs, dim=axis), concat_case(stack=True), variadic=True),
]

LINALG = [
    OpSpec("matmul", lambda a, b: a @ b, np.matmul, lambda a, b: a @ b, matmul_case(),
           (Uniform(),) * 2),
    OpSpec("einsum", lambda *xs, equation: mg.einsum(equation, *xs),
           lambda *xs, equation: np.einsum(equation, *xs),
           lambda *xs, equation: _t().einsum(equation, *xs), einsum_case(), variadic=True),
    OpSpec("outer", mg.outer, np.outer, lambda a, b: _t().outer(a, b), outer_case(),
           (Uniform(),) * 2),
    OpSpec("tril", mg.tril, lambda x, diagonal: np.tril(x, diagonal),
           lambda x, diagonal: _t().tril(x, diagonal), triangle_case()),
    OpSpec("triu", mg.triu, lambda x, diagonal: np.triu(x, diagonal),
           lambda x, diagonal: _t().triu(x, diagonal), triangle_case()),
]

CHECKS = [
    OpSpec(name, fn, ref, tfn, one(), (NaNsAndInfs(),), differentiable=False)
    for name, fn, ref, tfn in [
        ("isnan", mg.isnan, np.isnan, lambda x: _t().isnan(x)),
        ("isfinite", mg.isfinite, np.isfinite, lambda x: _t().isfinite(x)),
    ]
]

COMPARISONS = [
    OpSpec(name, fn, ref, tfn, broadcast(), (Grid(0.5, 0.0),) * 2, differentiable=False)
    for name, fn, ref, tfn in [
        ("lt", lambda a, b: a < b, np.less, lambda a, b: a < b),
        ("le", lambda a, b: a <= b, np.less_equal, lambda a, b: a <= b),
        ("gt", lambda a, b: a > b, np.greater, lambda a, b: a > b),
        ("ge", lambda a, b: a >= b, np.greater_equal, lambda a, b: a >= b),
        ("eq", lambda a, b: a == b, np.equal, lambda a, b: a == b),
        ("ne", lambda a, b: a != b, np.not_equal, lambda a, b: a != b),
    ]
]

CONV = [
    OpSpec("conv2d", lambda x, w, b=None, **kw: mg.conv2d(x, w, b, **kw), _conv2d_ref,
           lambda x, w, b=None, **kw: _F().conv2d(x, w, b, **kw), window_case(weight=True),
           (Uniform(-1, 1),) * 3),
    OpSpec("max_pool2d", mg.max_pool2d, _pool_ref(np.max),
           lambda x, **kw: _F().max_pool2d(x, **kw), window_case(padding=False), (Distinct(),)),
    OpSpec("avg_pool2d", mg.avg_pool2d, _pool_ref(np.mean),
           lambda x, **kw: _F().avg_pool2d(x, **kw), window_case()),
    OpSpec("erf", mg.erf, np.vectorize(math.erf, otypes=[float]), lambda x: _t().erf(x), one()),
]

ALL = (ELEMENTWISE_UNARY + ELEMENTWISE_BINARY + REDUCTIONS + SHAPE_OPS + LINALG + COMPARISONS
       + CHECKS + CONV)
DIFFERENTIABLE = [s for s in ALL if s.differentiable]
