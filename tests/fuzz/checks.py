"""Comparing minigrad with PyTorch on random programs: tolerances, kinks,
and the minimal reproduction of a mismatch.

Tolerance.  A quantity (the scalar, a leaf's gradient, a Hessian-vector
product) passes where ``|minigrad - torch| <= rtol |torch| + MARGIN spread``
elementwise, rtol 1e-12 in float64 and 1e-5 in float32.  ``spread`` is the
rounding allowance: the PyTorch program is run twice more with every op's
output and every input's gradient moved by ``NOISE`` units of roundoff
times the magnitude the op's rounding model names (|value| for most ops;
the sum of |terms| for sums, matmul and the scatter of an index's gradient;
|upstream gradient| for sigmoid's ``s (1 - s)``, which is computed from a
rounded ``s``; ...), and ``spread`` is how far those runs moved.  Two
correct implementations differ by a few roundoffs per op, so this is the
"tiny atol scaled by magnitude" of a value that is near 0 through
cancellation (``sum(v * w)`` of terms that cancel, ``1 - tanh(x)**2`` near
1): it is 0 where nothing cancels, and it never hides an O(1) error in a
well-conditioned quantity.  How often it was needed is counted
(``widened``).

Minimal reproduction.  When a program fails, each of its steps is run
alone on minigrad's own inputs to that step; the first step that fails
alone (cut down to one element when it is elementwise) is the
reproduction.  When none fails alone, the whole program is reported (the
mismatch is in how ops compose: accumulation, broadcasting).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from fuzz.opdecls import BY_NAME, LIMITS
from fuzz.programs import (MinigradBackend, Program, Step, TorchBackend, evaluate, final_steps,
                           forward_values, torch_operand)

torch = pytest.importorskip("torch")

RTOL = {"float64": 1e-12, "float32": 1e-5}
NOISE = 4.0          # units of roundoff per op in the noisy runs (at least 2: one ulp above 1)
NOISE_RUNS = 2
MARGIN = 10.0        # the allowance is MARGIN times the observed spread


# ------------------------------------------------------------ mismatches

@dataclass
class Mismatch:
    """One disagreement, on the smallest program that shows it."""

    what: str                  # "value", "grad[i]", "hvp[i]" or "error"
    program: object            # a Program, or a short description
    torch: object
    minigrad: object
    detail: str = ""
    minimal: bool = False      # cut down to one op
    original: str = ""
    soft: bool = False         # within the second-derivative floor: a precision note

    def report(self):
        head = (f"minigrad and PyTorch differ in {self.what}"
                f"{' (minimal: one op)' if self.minimal else ''}: {self.detail}")
        return (f"{head}\n{self.program!r}\n  torch:    {self.torch}\n  minigrad: {self.minigrad}"
                + (f"\nfound in:\n{self.original}" if self.original else ""))

    def as_dict(self):
        ops = getattr(self.program, "ops", [])
        return {"what": self.what, "minimal": self.minimal, "soft": self.soft, "ops": ops,
                "program": repr(self.program), "torch": repr(self.torch),
                "minigrad": repr(self.minigrad), "detail": self.detail,
                "original": self.original}


def _fmt(a):
    return np.array2string(np.asarray(a), precision=17, max_line_width=200, threshold=20)


def compare_arrays(what, got, ref, spread, rtol, tiny, stats=None, floor=0.0):
    """The comparison of one quantity; a Mismatch or None.  ``tiny`` (the
    dtype's smallest normal number) is always allowed: subnormals have no
    relative precision.  A mismatch within ``floor`` (an absolute
    allowance) is ``soft``."""
    got, ref = np.asarray(got, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return Mismatch(what, None, ref.shape, got.shape, "shapes differ")
    same = (got == ref) | (np.isnan(got) & np.isnan(ref))
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(same, 0.0, np.abs(got - ref))
        strict = rtol * np.abs(ref)
        tol = strict + MARGIN * np.asarray(spread, dtype=np.float64) + tiny
    err = np.nan_to_num(err, nan=np.inf)
    if stats is not None:
        stats.count("compared")
        if (err > strict).any():
            stats.count("widened")
    if (err <= tol).all():
        return None
    i = np.unravel_index(np.argmax(err - tol), err.shape) if err.ndim else ()
    return Mismatch(what, None, _fmt(ref), _fmt(got),
                    f"worst at {tuple(int(k) for k in i)}: torch {ref[i]!r}, minigrad {got[i]!r}, "
                    f"|diff| {err[i]:.3g} > tolerance {tol[i]:.3g}",
                    soft=bool((err <= tol + floor).all()))


# ------------------------------------------------------------ references

def _quantities(res):
    out = [("value", res.value)] + [(f"grad[{i}]", g) for i, g in enumerate(res.grads)]
    if res.hvp is not None:
        out += [(f"hvp[{i}]", h) for i, h in enumerate(res.hvp)]
    return out


def _in_range(res, lim):
    arrays = [res.value] + res.grads + (res.hvp or []) + res.values
    return all(np.isfinite(a).all() and np.abs(a).max(initial=0) <= lim.grad_cap for a in arrays)


def reference(program):
    """PyTorch's result and its rounding spread per quantity, or None when
    the reference leaves the safe range (a gradient overflows)."""
    lim = LIMITS[program.dtype]
    ref = evaluate(program, TorchBackend())
    if not _in_range(ref, lim):
        return None
    spread = [np.zeros_like(q, dtype=np.float64) for _, q in _quantities(ref)]
    for seed in range(NOISE_RUNS):
        noisy = evaluate(program, TorchBackend(noise_seed=seed, delta=NOISE * lim.unit))
        for s, (_, q), (_, n) in zip(spread, _quantities(ref), _quantities(noisy)):
            with np.errstate(invalid="ignore", over="ignore"):
                np.maximum(s, np.abs(np.asarray(n, np.float64) - np.asarray(q, np.float64)), out=s)
    if not all(np.isfinite(s).all() for s in spread):
        return None
    return ref, spread


def hvp_floor(program, ref):
    """The second-derivative floor: roundoff times the first derivative's
    scale (max |gradient| times max |direction|).

    An op whose derivative is computed from its rounded output (``s (1 -
    s)``; minigrad's ``-expm1(-out)`` for softplus, whose second derivative
    then goes through ``expm1``'s ``out + 1``) has a second derivative with
    that absolute error; PyTorch's fused double-backward formulas have
    theirs elsewhere.  A mismatch only this floor covers is a precision
    note (``soft``), reported but not failed.
    """
    if program.hvp_directions is None:
        return 0.0
    g = max(float(np.abs(x).max(initial=0)) for x in ref.grads)
    v = max(float(np.abs(d).max(initial=0)) for d in program.hvp_directions)
    return MARGIN * LIMITS[program.dtype].unit * g * v


def kinks_decided_by_rounding(program, ref, got):
    """The first step with a kink (relu, abs, clip, max/min, maximum/minimum)
    whose sides differ between PyTorch's and minigrad's own values of its
    operands, or None.  There a rounding difference upstream decided which
    one-sided derivative applies, so gradients differ by design and are not
    compared (the values still are: the ops are continuous)."""
    for step in program.steps:
        op = BY_NAME[step.op]
        if op.branches is None:
            continue
        t = [ref.values[a] if isinstance(a, int) else a.value for a in step.args]
        m = [got.values[a] if isinstance(a, int) else a.value for a in step.args]
        if not all(np.array_equal(a, b) for a, b in zip(op.branches(t, step.params),
                                                          op.branches(m, step.params))):
            return step
    return None


def check_program(program, stats=None):
    """Run ``program`` in both frameworks: None when it was out of range,
    else the list of mismatches (empty: it passed)."""
    found = reference(program)
    if found is None:
        return None
    ref, spread = found
    try:
        got = evaluate(program, MinigradBackend())
    except Exception as e:                     # numpy warnings are errors under pytest
        return [Mismatch("error", program, "a finite result", f"{type(e).__name__}: {e}")]
    out = []
    floor = hvp_floor(program, ref)
    quantities = list(zip(_quantities(ref), _quantities(got), spread))
    if kinks_decided_by_rounding(program, ref, got) is not None:
        if stats is not None:
            stats.count("programs whose kink rounding decided (values compared only)")
        quantities = quantities[:1]
    for (what, r), (_, g), s in quantities:
        bad = compare_arrays(what, g, r, s, RTOL[program.dtype], LIMITS[program.dtype].tiny,
                             stats, floor if what.startswith("hvp") else 0.0)
        if bad is not None:
            bad.program = program
            out.append(bad)
    return out


# ------------------------------------------------------- minimal programs

def alone(program, k, values, rng_seed=0):
    """Step k of ``program`` as a program of its own, its leaves being
    minigrad's values of the step's operands (one leaf per distinct value)."""
    step = program.steps[k]
    rng = np.random.default_rng(rng_seed)
    distinct = sorted({a for a in step.args if isinstance(a, int)})
    leaves = [np.asarray(values[a]) for a in distinct]
    args = tuple(distinct.index(a) if isinstance(a, int) else a for a in step.args)
    op = BY_NAME[step.op]
    tvals = [torch.tensor(a) for a in leaves]
    y = op.torch(*[torch_operand(a, tvals) for a in args], **step.params)
    steps = [Step(step.op, args, step.params)]
    steps += final_steps(tvals + [y], {len(tvals)}, rng)
    hvp = None if program.hvp_directions is None else [
        rng.normal(size=a.shape).astype(program.dtype) for a in leaves]
    return Program(program.dtype, leaves, steps, hvp, drawn=1)


def one_element(program):
    """An elementwise one-op program cut down to one output element (0-d
    leaves), for each element in turn."""
    step = program.steps[0]
    op = BY_NAME[step.op]
    if not op.elementwise or "cond" in step.params:
        return
    out_shape = np.broadcast_shapes(*[a.shape for a in program.leaves])
    for idx in np.ndindex(*out_shape):
        leaves = []
        for a in program.leaves:
            sub = idx[len(idx) - a.ndim:] if a.ndim else ()
            leaves.append(np.asarray(a[tuple(0 if n == 1 else i for i, n in zip(sub, a.shape))]))
        rng = np.random.default_rng(0)
        tvals = [torch.tensor(a) for a in leaves]
        xs = [torch_operand(a, tvals) for a in step.args]
        y = op.torch(*xs, **step.params)
        steps = [step] + final_steps(tvals + [y], {len(tvals)}, rng)
        hvp = None if program.hvp_directions is None else [
            np.ones_like(a) for a in leaves]
        yield Program(program.dtype, leaves, steps, hvp, drawn=1)


def localise(program, mismatches):
    """The smallest program that shows a mismatch like ``mismatches`` (a
    hard one if any is hard): one op on minigrad's values of its operands,
    one element if it is elementwise; else the whole program."""
    hard = any(not m.soft for m in mismatches)

    def like(found):
        return [m for m in found or [] if not (hard and m.soft)]

    values = forward_values(program)
    n = len(program.leaves)
    for k in range(min(len(program.steps), len(values) - n + 1)):
        found = like(check_program(alone(program, k, values[:n + k])))
        if not found:
            continue
        for small in one_element(alone(program, k, values[:n + k])):
            tiny = like(check_program(small))
            if tiny:
                found = tiny
                break
        for m in found:
            m.minimal, m.original = True, repr(program)
        return found[0]
    return mismatches[0]
