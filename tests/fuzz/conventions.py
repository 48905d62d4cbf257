"""Where minigrad and PyTorch (or Keras) differ on purpose, or where the
reference itself needs care: every such case in one table, with where it
is documented and how the fuzzer compares it.  No difference is absorbed
by a loose tolerance: each is either compared against its documented rule,
expected as documented, or shown to be the same convention in both.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    name: str
    documented: str     # where the rule is written down
    rule: str           # what minigrad does (and the reference does not)
    handling: str       # how the fuzz suite compares it


CONVENTIONS = {c.name: c for c in [
    Convention(
        "bce_backward",
        "README 'PyTorch's BCELoss backward is not the derivative of its forward'; "
        "REFERENCE-losses.md (PyTorch section)",
        "minigrad's BCELoss gradient is the derivative of its clamped forward; PyTorch's "
        "backward is (x - y) / max(x (1 - x), 1e-12)",
        "where x (1 - x) < 1e-12 the reference gradient is the documented rule, "
        "-y/x [log x > -100] + (1 - y)/(1 - x) [log1p(-x) > -100], times PyTorch's own "
        "weights and reduction (lossdecls.bce_true_derivative); PyTorch's backward elsewhere"),
    Convention(
        "empty_mean",
        "README 'Where minigrad differs from both on purpose'; nn.functional docstring",
        "a 'mean' over zero non-ignored targets (or zero total class weight) raises "
        "ValueError; PyTorch returns NaN",
        "when PyTorch's cross_entropy / nll_loss mean is NaN, minigrad must raise ValueError"),
    Convention(
        "argument_order",
        "minigrad/_checks.py argument_order (the swapped-argument warning; not yet in "
        "README or API.md)",
        "a UserWarning when the predictions are all exact 0/1 and the targets hold values "
        "strictly inside (0, 1); PyTorch and Keras are silent",
        "the warning is recorded and counted, not raised (pytest turns warnings into errors)"),
    Convention(
        "sample_weight_leading",
        "minigrad/losses.py _sample_weight ('one weight per sample, repeated over the rest')",
        "a Keras sample_weight for the leading axes of the per-sample losses is repeated over "
        "the rest; Keras would broadcast it numpy-style (from the trailing axis)",
        "the Keras reference (lossdecls.keras_reduce) lines such weights up the same way"),
    Convention(
        "softplus",
        "API.md 'stable for inputs of any magnitude'",
        "PyTorch's F.softplus returns x itself above threshold=20 (off by up to 2e-9 in value "
        "and gradient); minigrad computes max(x, 0) + log1p(exp(-|x|))",
        "the reference is softplus composed from torch.exp/log1p/where "
        "(opdecls.torch_softplus), differentiated by PyTorch's autograd"),
    Convention(
        "log_sigmoid",
        "API.md 'stable for inputs of any magnitude'",
        "the double backward of PyTorch's F.logsigmoid is inaccurate: -1.1731546e-4 instead "
        "of -1.1732319e-4 at x = 6.975 in float32 (minigrad's value is the true one), 0 "
        "instead of -3.25e-170 at x = 388 in float64",
        "the reference is -softplus(-x) composed from torch ops (opdecls.torch_log_sigmoid)"),
    Convention(
        "ties_max_min",
        "API.md 'max/min along an axis, maximum, minimum: ties split the gradient evenly'",
        "the same in PyTorch for torch.amax/amin and torch.maximum/minimum",
        "compared directly (ties are drawn on purpose: the 'grid' leaves)"),
    Convention(
        "kinks_at_zero_and_bounds",
        "API.md 'abs, relu at 0: gradient 0'; 'clip: the gradient passes where "
        "min <= x <= max (boundaries included)'",
        "the same in PyTorch (abs' sign(0) = 0, relu's threshold_backward, clamp's backward)",
        "compared directly (0, -0.0 and clip bounds equal to an element are drawn on purpose)"),
    Convention(
        "kink_decided_by_rounding",
        "checks.kinks_decided_by_rounding",
        "where an upstream op rounds differently (exp, log, sums: a few ulps apart), a value "
        "can land exactly on a kink (a clip bound, a tie, 0) in one framework and beside it "
        "in the other; then each takes a different one-sided derivative",
        "detected exactly, by comparing which side of each kink every element is on in both "
        "frameworks' own values; such a program's value is compared, its gradients are not "
        "(counted)"),
    Convention(
        "second_derivative_floor",
        "checks.hvp_floor",
        "an op whose derivative is computed from its rounded output (s (1 - s), 1 - t**2; "
        "minigrad's softplus and log_sigmoid rules go through expm1's out + 1) has a second "
        "derivative with an absolute error of roundoff times the first derivative's scale; "
        "so do PyTorch's fused double backwards, elsewhere",
        "a Hessian-vector product difference beyond the tolerance but within "
        "MARGIN * roundoff * max|gradient| * max|direction| is a precision note: reported, "
        "not failed"),
    Convention(
        "negative_slice_steps",
        "API.md 't[index] with basic ... indexing'",
        "PyTorch has no negative slice steps",
        "the reference flips the axis and slices forwards (opdecls.torch_getitem)"),
    Convention(
        "kl_div_mean_warning",
        "PyTorch's KLDivLoss documentation",
        "PyTorch warns that reduction='mean' is not the true KL divergence",
        "the warning is silenced in the reference; 'mean' is compared as PyTorch computes it"),
    Convention(
        "domains",
        "opdecls.LIMITS and each FuzzOp's domain",
        "log, sqrt, a divisor and a non-integer power's base are drawn at least pos_min away "
        "from 0 (1e-50 in float64, 1e-12 in float32), and programs whose PyTorch values or "
        "gradients overflow are out of range: there both frameworks give inf/NaN (minigrad "
        "with a numpy warning, an error under pytest)",
        "not drawn; counted as 'programs rejected'"),
]}
