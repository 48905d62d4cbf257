"""Loss cases: the hypothesis strategy, their evaluation in both
frameworks, and their comparison.

Tolerance, as for programs (see :mod:`fuzz.checks`): ``rtol |torch|`` plus
two allowances for rounding.  A fused PyTorch loss cannot be perturbed
inside, so:

* ``spread``: how far PyTorch's result moves when its float inputs move by
  ``NOISE`` roundoffs (the loss's own conditioning; values on an edge of
  the loss, 0, 1, 1e-7, 1 - 1e-7, 0.5, stay exact: both frameworks get them
  exactly, and a move would cross a clip bound);
* :func:`allowances`: roundoff times the size of the terms the loss's
  formula sums, for a result near 0 through cancellation (``sigmoid(x) -
  y`` when the prediction is right, ``logsumexp(x) - x_y``,
  ``y/p - (1-y)/(1-p)``): each declaration's ``terms`` names them.

Second derivatives get the same allowances times the direction, and the
floor of :func:`fuzz.checks.hvp_floor` (a precision note).
"""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg
from fuzz.checks import MARGIN, NOISE, RTOL, Mismatch, compare_arrays
from fuzz.lossdecls import BY_NAME, LOSSES, LossCase, bce_true_derivative
from fuzz.opdecls import LIMITS

torch = pytest.importorskip("torch")
F = torch.nn.functional


@st.composite
def loss_cases(draw, dtype, losses=LOSSES, hvp_rate=0.3):
    """A random call of a random loss in ``dtype``."""
    decl = draw(st.sampled_from(losses))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    arrays, options, wrt, form = decl.draw(draw, rng, dtype)
    case = LossCase(decl.name, dtype, arrays, options, form, wrt)
    case.out_weights = rng.normal(size=16).astype(dtype)     # cut to the output's size
    if decl.smooth and draw(st.integers(0, 99)) < 100 * hvp_rate:
        case.hvp_directions = {k: rng.normal(size=np.shape(arrays[k])).astype(dtype) for k in wrt}
    return case


# ------------------------------------------------------------ evaluation

def _exact(a):
    """Elements that stay exact when the inputs are moved: the edges."""
    m = np.abs(a)
    return (m <= 1e-6) | (np.abs(m - 1) <= 1e-6) | (a == 0.5)


def _weights(case, shape):
    w = np.resize(case.out_weights, int(np.prod(shape, dtype=int)))
    return w.reshape(shape)


def run(case, framework, noise_seed=None):
    """Value (the loss as returned), gradients of ``sum(out * w)`` w.r.t.
    ``case.wrt`` and the Hessian-vector products, as numpy arrays."""
    decl = BY_NAME[case.loss]
    rng = None if noise_seed is None else np.random.default_rng(noise_seed)
    t = {}
    for k, a in case.arrays.items():
        a = np.asarray(a)
        if a.dtype.kind in "iu":
            t[k] = torch.as_tensor(a) if framework == "torch" else a
            continue
        if rng is not None:
            r = rng.choice([-1.0, 1.0], a.shape) * rng.uniform(0.5, 1, a.shape)
            moved = a * (1 + NOISE * LIMITS[case.dtype].unit * r)
            a = np.where(_exact(a), a, moved).astype(a.dtype)
            if k in decl.probabilities:
                a = np.clip(a, 0, 1)
        if framework == "torch":
            t[k] = torch.tensor(a, requires_grad=k in case.wrt)
        else:
            t[k] = mg.tensor(a, requires_grad=k in case.wrt)
    out = (decl.ref if framework == "torch" else decl.mg_call)(case, t)
    hvp = case.hvp_directions is not None
    leaves = [t[k] for k in case.wrt]
    if framework == "torch":
        w = torch.as_tensor(_weights(case, tuple(out.shape)))
        s = (out * w).sum()
        grads = list(torch.autograd.grad(s, leaves, create_graph=hvp, allow_unused=True))
        if decl.convention is not None and decl.convention(case, t):
            grads[0] = _bce_convention_grad(case, t, w, grads[0])
        hv = None
        if hvp:
            terms = [(g * torch.as_tensor(case.hvp_directions[k])).sum()
                     for g, k in zip(grads, case.wrt) if g is not None and g.requires_grad]
            hv = (torch.autograd.grad(sum(terms), leaves, allow_unused=True) if terms
                  else [None] * len(leaves))
        as_np = lambda x: x.detach().numpy(force=True).copy()  # noqa: E731
        value = as_np(out)
    else:
        s = (out * _weights(case, out.shape)).sum()
        grads = list(mg.grad(s, leaves, create_graph=hvp, allow_unused=True))
        hv = None
        if hvp:
            terms = [(g * case.hvp_directions[k]).sum()
                     for g, k in zip(grads, case.wrt) if g is not None and g.requires_grad]
            total = terms[0] if terms else None
            for term in terms[1:]:
                total = total + term
            hv = (mg.grad(total, leaves, allow_unused=True) if total is not None
                  else [None] * len(leaves))
        as_np = lambda x: np.array(x.numpy())  # noqa: E731
        value = as_np(out)
    zeros = [np.zeros(np.shape(case.arrays[k])) for k in case.wrt]
    grads = [z if g is None else as_np(g) for g, z in zip(grads, zeros)]
    if hv is not None:
        hv = [z if h is None else as_np(h) for h, z in zip(hv, zeros)]
    return value, grads, hv


def _bce_convention_grad(case, t, w, g):
    """PyTorch's BCELoss gradient with the documented rule where
    x (1 - x) < 1e-12 (CONVENTIONS["bce_backward"]): there, the derivative
    of the clamped forward times d(sum(out w))/d(loss element), the latter
    from autograd of the same weighting and reduction."""
    x, y = t["input"].detach(), t["target"].detach()
    with torch.enable_grad():
        per = F.binary_cross_entropy(x, y, reduction="none").requires_grad_()
        weighted = per * t["weight"].detach() if "weight" in t else per
        r = case.options["reduction"]
        out = {"mean": weighted.mean(), "sum": weighted.sum(), "none": weighted}[r]
        (upstream,) = torch.autograd.grad((out * w).sum(), per)
    unsafe = x * (1 - x) < 1e-12
    return torch.where(unsafe, upstream * bce_true_derivative(x, y), g.detach())


# ------------------------------------------------------------ comparison

def _quantities(value, grads, hvp, wrt):
    out = [("value", value)] + [(f"grad[{k}]", g) for k, g in zip(wrt, grads)]
    if hvp is not None:
        out += [(f"hvp[{k}]", h) for k, h in zip(wrt, hvp)]
    return out


def _mean_over_nothing(case, ref_value):
    """CONVENTIONS["empty_mean"]: PyTorch returns NaN for a mean over zero
    non-ignored targets (or zero total class weight); minigrad raises."""
    return (case.loss in ("nn.cross_entropy", "nn.nll_loss")
            and case.options.get("reduction") == "mean" and np.isnan(ref_value).any())


SWAPPED = r".*are the arguments swapped"


def _run_minigrad(case, stats):
    """minigrad's result; its argument-order warning (CONVENTIONS
    ["argument_order"]) is counted, not raised."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.filterwarnings("always", message=SWAPPED, category=UserWarning)
        out = run(case, "minigrad")
    for w in seen:
        if re.match(SWAPPED, str(w.message)):
            if stats is not None:
                stats.conventions["argument_order"] += 1
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def allowances(case, ref):
    """Absolute allowances for rounding in a loss's own formula (value,
    gradients): roundoff times the size of the terms, ``upstream`` being a
    bound on d(sum(out w))/d(loss element) (every reduction divides by a
    count or a sum of the weights, so it is at most max|w| times the
    largest weight) and ``terms`` the loss's derivative terms."""
    lim = LIMITS[case.dtype]
    decl = BY_NAME[case.loss]
    t = {k: torch.as_tensor(a) for k, a in case.arrays.items()}
    floats = [np.abs(a).max(initial=0) for k, a in case.arrays.items()
              if np.asarray(a).dtype.kind == "f" and k not in WEIGHTS]
    weight = max([1.0] + [float(np.abs(case.arrays[k]).max(initial=0)) for k in WEIGHTS[:2]
                          if k in case.arrays])
    pos = 1.0 + float(np.abs(case.arrays.get("pos_weight", 0.0)).max(initial=0))
    upstream = float(np.abs(case.out_weights).max()) * weight * pos
    summed = 1
    if case.options.get("reduction") == "sum":
        summed = max(1, int(np.prod(np.shape(case.arrays.get("input", case.arrays.get("y_pred"))))))
    value = MARGIN * lim.unit * weight * pos * (1 + max(floats, default=0.0)
                                               + float(np.abs(ref[0]).max(initial=0))) * summed
    per_loss = 1.0 + float(np.abs(ref[0]).max(initial=0))
    grads = [MARGIN * lim.unit * upstream * (per_loss if k == "sample_weight" else max(
        1.0, decl.terms(case, t))) for k in case.wrt]
    return value, grads


WEIGHTS = ("weight", "sample_weight", "pos_weight")


def _finite(result):
    value, grads, hvp = result
    return all(np.isfinite(a).all() for a in [value] + grads + (hvp or []))


def check_case(case, stats=None):
    """The mismatches of one loss case (empty: it passed; None: PyTorch's
    reference is not finite there, so the case is out of range); a
    convention met is counted in ``stats.conventions``."""
    ref = run(case, "torch")
    if _mean_over_nothing(case, ref[0]):
        if stats is not None:
            stats.conventions["empty_mean"] += 1
        try:
            _run_minigrad(case, stats)
        except ValueError:
            return []
        return [Mismatch("error", case, "ValueError (documented: a mean over zero targets)",
                         "no error")]
    if not _finite(ref):
        return None
    try:
        got = _run_minigrad(case, stats)
    except Exception as e:                     # numpy warnings are errors under pytest
        return [Mismatch("error", case, "a result", f"{type(e).__name__}: {e}")]
    decl = BY_NAME[case.loss]
    if stats is not None and decl.convention is not None:
        if decl.convention(case, {"input": torch.as_tensor(case.arrays["input"])}):
            stats.conventions["bce_backward"] += 1
    refs = _quantities(*ref, case.wrt)
    spread = [np.zeros(np.shape(q)) for _, q in refs]
    for seed in range(2):
        moved = _quantities(*run(case, "torch", noise_seed=seed), case.wrt)
        for s, (_, q), (_, m) in zip(spread, refs, moved):
            with np.errstate(invalid="ignore", over="ignore"):
                np.maximum(s, np.nan_to_num(np.abs(np.asarray(m, np.float64) - np.asarray(
                    q, np.float64)), nan=np.inf), out=s)
    value_atol, grad_atols = allowances(case, ref)
    extra = [value_atol] + grad_atols
    if ref[2] is not None:           # second derivatives: the same terms, times the direction
        v = max(float(np.abs(d).max(initial=0)) for d in case.hvp_directions.values())
        extra += [a * v * len(grad_atols) for a in grad_atols]
    floor = 0.0
    if case.hvp_directions is not None:
        g = max(float(np.abs(x).max(initial=0)) for x in ref[1])
        v = max(float(np.abs(d).max(initial=0)) for d in case.hvp_directions.values())
        floor = MARGIN * LIMITS[case.dtype].unit * g * v
    out = []
    for (what, r), (_, q), s, a in zip(refs, _quantities(*got, case.wrt), spread, extra):
        bad = compare_arrays(what, q, r, s + a / MARGIN, RTOL[case.dtype], LIMITS[case.dtype].tiny,
                             stats, floor if what.startswith("hvp") else 0.0)
        if bad is not None:
            bad.program = case
            out.append(bad)
    return out
