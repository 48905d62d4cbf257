"""Random programs: their description, the hypothesis strategy that draws
them, and their evaluation in minigrad and in PyTorch.

A :class:`Program` is 1-3 leaf arrays and a list of :class:`Step` s, each an
op of :data:`fuzz.opdecls.OPS` applied to earlier values; its last steps
reduce every value nothing else used (the sinks) to one scalar,
``sum(v * w)`` with fixed random weights ``w``, and add those up.  The
description is plain data, so the same program is built twice, once per
framework, and printed as code when a comparison fails.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from fuzz.opdecls import BY_NAME, LIMITS, MAX_NDIM, MAX_SIZE, OPS, Const

torch = pytest.importorskip("torch")

# values leaves may hold beside ordinary ones: the edges of each op's domain
EXTREMES = {
    "float64": (0.0, -0.0, 1.0, -1.0, 1e-7, 1 - 1e-7, 1e4, -1e4, 5e-324, -2.5e-310,
                2.2250738585072014e-308),
    "float32": (0.0, -0.0, 1.0, -1.0, 1e-7, 1 - 1e-7, 1e4, -1e4, 1e-45, -1e-40, 1.1754944e-38),
}


@dataclass
class Step:
    """``op(*args, **params)``; args are value numbers or :class:`Const`."""

    op: str
    args: tuple
    params: dict = field(default_factory=dict)

    def code(self):
        args = [f"v{a}" if isinstance(a, int) else repr(a) for a in self.args]
        kw = [f"{k}={_short(v)}" for k, v in self.params.items()]
        return f"{self.op}({', '.join(args + kw)})"


def _short(v):
    if isinstance(v, np.ndarray):
        return f"np.array({v.tolist()!r})"
    if isinstance(v, tuple):
        return "(" + ", ".join(_short(i) for i in v) + ("," if len(v) == 1 else "") + ")"
    if v is Ellipsis:
        return "..."
    return repr(v)


@dataclass
class Program:
    """A drawn program: leaves, steps, and the directions of its
    Hessian-vector product (None: first derivatives only)."""

    dtype: str
    leaves: list
    steps: list
    hvp_directions: list | None = None
    drawn: int | None = None      # how many steps were drawn (the rest reduce to the scalar)

    @property
    def ops(self):
        """The ops the drawn steps use (the final ``sum(v * w)`` left out)."""
        return sorted({s.op for s in self.steps[:self.drawn]})

    def __repr__(self):
        lines = [f"# {self.dtype} program, {len(self.steps)} steps"
                 f"{', with a Hessian-vector product' if self.hvp_directions else ''}"]
        lines += [f"v{i} = np.array({leaf.tolist()!r}, dtype={self.dtype!r})  # leaf"
                  for i, leaf in enumerate(self.leaves)]
        n = len(self.leaves)
        lines += [f"v{n + k} = {s.code()}" for k, s in enumerate(self.steps)]
        if self.hvp_directions:
            lines += [f"# hvp direction for v{i}: {d.tolist()!r}"
                      for i, d in enumerate(self.hvp_directions)]
        return "\n".join(lines)


# ------------------------------------------------------------- drawing

def leaf_values(draw, rng, dtype):
    """A leaf: a random shape (0-3 axes of 1-3) and values from one of a few
    profiles, some elements replaced by extremes (0, -0.0, 1, 1e-7,
    1 - 1e-7, +-1e4, subnormals)."""
    shape = tuple(draw(st.lists(st.integers(1, 3), max_size=3)))
    profile = draw(st.sampled_from(["normal", "positive", "grid", "wide"]))
    if profile == "normal":
        x = rng.normal(size=shape) * draw(st.sampled_from([1.0, 3.0]))
    elif profile == "positive":
        x = rng.uniform(0.1, 3.0, shape)
    elif profile == "grid":                               # ties and exact zeros
        x = rng.integers(-2, 3, shape) * 0.5
    else:                                                 # magnitudes 1e-8 .. 1e4
        x = np.sign(rng.normal(size=shape)) * 10.0 ** rng.uniform(-8, 4, shape)
    x = np.asarray(x, dtype=dtype)
    rate = draw(st.sampled_from([0.0, 0.0, 0.15, 0.4]))
    if rate and x.size:
        pick = rng.random(shape) < rate
        extremes = np.array(EXTREMES[dtype], dtype=dtype)
        x = np.where(pick, extremes[rng.integers(len(extremes), size=shape)], x).astype(dtype)
    return x


def _resolve(arg, values):
    return values[arg] if isinstance(arg, int) else arg.value


def torch_operand(arg, values=()):
    """An operand for PyTorch: a value, a Python number, or a constant
    array as a tensor."""
    if isinstance(arg, int):
        return values[arg]
    if isinstance(arg, Const):
        return torch.as_tensor(arg.value) if isinstance(arg.value, np.ndarray) else arg.value
    return arg


def _fits(y, lim):
    """Whether a value may go on: not empty, not too big, finite."""
    return (0 < y.numel() <= MAX_SIZE and y.ndim <= MAX_NDIM
            and bool(torch.isfinite(y).all()) and float(y.abs().max()) <= lim.value_cap)


def draw_step(draw, rng, values, dtype, ops=OPS, tries=6):
    """One step whose operands are in its op's domain and whose result fits,
    and that result (a PyTorch value); None if no try fits."""
    lim = LIMITS[dtype]
    for _ in range(tries):
        op = draw(st.sampled_from(ops))
        args = op.operands(draw, values)
        if args is None:
            continue
        xs = [_resolve(a, values) for a in args]
        params = op.params(draw, rng, xs)
        if not op.domain(xs, params, lim):
            continue
        try:
            y = op.torch(*xs, **params)
        except (RuntimeError, IndexError, ValueError):    # e.g. a shape the op refuses
            continue
        if _fits(y, lim):
            return Step(op.name, tuple(args), params), y
    return None


def final_steps(values, first_unused, rng):
    """``sum(v * w)`` for every value no step used, added up: the scalar."""
    steps, total = [], None
    n = len(values)
    for i in sorted(first_unused):
        w = rng.normal(size=tuple(values[i].shape)).astype(values[i].numpy().dtype)
        steps.append(Step("mul", (i, Const(w))))
        steps.append(Step("sum", (n + len(steps) - 1,), {"axis": None, "keepdims": False}))
        term = n + len(steps) - 1
        if total is not None:
            steps.append(Step("add", (total, term)))
            term = n + len(steps) - 1
        total = term
    return steps


@st.composite
def programs(draw, dtype, max_steps=6, hvp_rate=0.3, ops=OPS):
    """A random program in ``dtype`` ("float64" or "float32")."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    leaves = [leaf_values(draw, rng, dtype) for _ in range(draw(st.integers(1, 3)))]
    values = [torch.tensor(a) for a in leaves]
    steps, used = [], set()
    for _ in range(draw(st.integers(1, max_steps))):
        drawn = draw_step(draw, rng, values, dtype, ops)
        if drawn is None:
            continue
        step, y = drawn
        steps.append(step)
        used.update(a for a in step.args if isinstance(a, int))
        values.append(y)
    drawn = len(steps)
    sinks = set(range(len(values))) - used
    steps += final_steps(values, sinks, rng)
    hvp = None
    if draw(st.integers(0, 99)) < 100 * hvp_rate:
        hvp = [rng.normal(size=a.shape).astype(dtype) for a in leaves]
    return Program(dtype, leaves, steps, hvp, drawn)


# ---------------------------------------------------------- evaluation

@dataclass
class Result:
    """What a framework computed: the scalar, every leaf's gradient, the
    Hessian-vector products, and every intermediate value (numpy)."""

    value: np.ndarray
    grads: list
    hvp: list | None
    values: list


class MinigradBackend:
    name = "minigrad"

    def leaf(self, a):
        return mg.tensor(a, requires_grad=True)

    def apply(self, op, args, params):
        return op.mg(*[a.value if isinstance(a, Const) else a for a in args], **params)

    def grad(self, out, inputs, create_graph=False):
        return mg.grad(out, inputs, create_graph=create_graph, allow_unused=True)

    def requires_grad(self, t):
        return isinstance(t, mg.Tensor) and t.requires_grad

    def const(self, a):
        return a

    def numpy(self, t):
        return np.array(t.numpy())


class TorchBackend:
    """PyTorch, optionally with rounding noise: every op's output and every
    input's gradient moved by ``delta`` times a random number in [-1, 1]
    times the magnitude the op's :class:`~fuzz.opdecls.Rounding` names (see
    :mod:`fuzz.checks`)."""

    name = "torch"

    def __init__(self, noise_seed=None, delta=0.0):
        self.rng = None if noise_seed is None else torch.Generator().manual_seed(noise_seed)
        self.delta = delta

    def leaf(self, a):
        return torch.tensor(a, requires_grad=True)

    def _jitter(self, t):
        """Random numbers of random sign with 0.5 <= |r| <= 1: never so
        small that ``1 + delta r`` rounds to 1."""
        u = torch.rand(t.shape, generator=self.rng, dtype=torch.float64)
        sign = torch.where(torch.rand(t.shape, generator=self.rng) < 0.5, -1.0, 1.0)
        return (sign * (0.5 + 0.5 * u)).to(t.dtype)

    def apply(self, op, args, params):
        xs = [torch_operand(a) for a in args]
        if self.rng is None:
            return op.torch(*xs, **params)
        return self._noisy(op, xs, params)

    def _noisy(self, op, xs, params):
        if op.elementwise:                    # the rounding model applies per broadcast element
            shapes = [x.shape for x in xs if torch.is_tensor(x)] + (
                [params["cond"].shape] if "cond" in params else [])
            out_shape = torch.broadcast_shapes(*shapes)
            ins = [x.expand(out_shape) if torch.is_tensor(x) and x.requires_grad else x for x in xs]
        else:
            ins = [x.view_as(x) if torch.is_tensor(x) and x.requires_grad else x for x in xs]
        y = op.torch(*ins, **params)
        with torch.no_grad():
            plain = [x.detach() if torch.is_tensor(x) else x for x in ins]
            y_plain = y.detach()
            shift = self.delta * self._jitter(y) * op.rounding.out(plain, y_plain, params)
        noisy = y + shift
        seen = {}

        def keep(g):
            seen["g"] = g.detach()

        if noisy.requires_grad:
            noisy.register_hook(keep)
        for i, x in enumerate(ins):
            if torch.is_tensor(x) and x.requires_grad:
                x.register_hook(self._grad_hook(op, i, seen, plain, y_plain, params))
        return noisy

    def _grad_hook(self, op, i, seen, xs, y, params):
        """Move input i's gradient by its rounding model's magnitude, and
        scale it by 1 + delta r: with ``create_graph`` the factor stays in
        the graph, so a Hessian-vector product's terms are moved too."""
        def hook(g):
            with torch.enable_grad():
                scale = op.rounding.grad(i, g.detach(), seen["g"], xs, y, params)
            return (g * (1 + self.delta * self._jitter(g))
                    + self.delta * self._jitter(g) * scale.detach())
        return hook

    def grad(self, out, inputs, create_graph=False):
        if not out.requires_grad:
            return (None,) * len(inputs)
        return torch.autograd.grad(out, inputs, create_graph=create_graph, allow_unused=True)

    def requires_grad(self, t):
        return torch.is_tensor(t) and t.requires_grad

    def const(self, a):
        return torch.as_tensor(a)

    def numpy(self, t):
        return t.detach().numpy(force=True).copy()


def evaluate(program, backend):
    """Build ``program`` in ``backend``; its value, gradients and HVPs."""
    leaves = [backend.leaf(a) for a in program.leaves]
    env = list(leaves)
    for step in program.steps:
        args = [env[a] if isinstance(a, int) else a for a in step.args]
        env.append(backend.apply(BY_NAME[step.op], args, step.params))
    loss = env[-1]
    hvp = program.hvp_directions is not None
    grads = backend.grad(loss, leaves, create_graph=hvp)
    hv = None
    if hvp:
        terms = [(g * backend.const(d)).sum() for g, d in zip(grads, program.hvp_directions)
                 if backend.requires_grad(g)]
        s = terms[0] if terms else None
        for t in terms[1:]:
            s = s + t
        hv = backend.grad(s, leaves) if s is not None else (None,) * len(leaves)
        hv = [np.zeros_like(a) if h is None else backend.numpy(h)
              for h, a in zip(hv, program.leaves)]
    grads = [np.zeros_like(a) if g is None else backend.numpy(g)
             for g, a in zip(grads, program.leaves)]
    return Result(backend.numpy(loss), grads, hv, [backend.numpy(v) for v in env])


def forward_values(program):
    """minigrad's values of the program (leaves first), up to the first step
    that raises."""
    backend = MinigradBackend()
    env = [backend.leaf(a) for a in program.leaves]
    try:
        for step in program.steps:
            args = [env[a] if isinstance(a, int) else a for a in step.args]
            env.append(backend.apply(BY_NAME[step.op], args, step.params))
    except Exception:
        pass
    return [backend.numpy(v) for v in env]
