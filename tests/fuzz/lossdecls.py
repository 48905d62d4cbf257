"""Every loss of both faces: one declaration each, with its reference.

PyTorch face (``mg.nn.functional`` / ``mg.nn`` modules, ``input, target``):
the reference is ``torch.nn.functional`` itself (torchvision's
``sigmoid_focal_loss`` is written out from its definition, as
REFERENCE-losses.md states it).  Keras face (``mg.losses``, ``y_true,
y_pred``): the reference is the formula of REFERENCE-losses.md written with
torch ops, so that its gradients come from PyTorch's autograd.  Nothing
here is computed by minigrad.

A :class:`LossCase` is plain data (arrays and keywords), built twice: the
scalar compared is ``sum(out * w)`` with fixed random ``w`` (so that
``reduction="none"`` is differentiated too); gradients are taken with
respect to the ``wrt`` arrays (the prediction, and Keras's
``sample_weight``), second derivatives for the smooth losses.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch")
F = torch.nn.functional
EPS = 1e-7                                  # Keras's backend epsilon


@dataclass
class LossCase:
    """One call of one loss: arrays (float ones are tensors, int ones
    labels), keywords, the function or class form, what to differentiate."""

    loss: str
    dtype: str
    arrays: dict
    options: dict
    form: str = "function"
    wrt: tuple = ("input",)
    out_weights: np.ndarray | None = None
    hvp_directions: dict | None = None

    @property
    def ops(self):
        return [self.loss]

    def __repr__(self):
        lines = [f"# {self.dtype} {self.loss} ({self.form}), gradients w.r.t. {', '.join(self.wrt)}"
                 f"{', with a Hessian-vector product' if self.hvp_directions else ''}"]
        for k, a in self.arrays.items():
            a = np.asarray(a)
            lines.append(f"{k} = np.array({a.tolist()!r}, dtype={str(a.dtype)!r})")
        lines.append(f"options = {self.options!r}")
        return "\n".join(lines)


@dataclass(frozen=True)
class LossDecl:
    """How to draw, call and check one loss.

    ``terms(case, t)``: how large the terms are that the derivative of one
    loss element sums, relative to its upstream factor (1 for
    ``sigmoid(x) - y``; ``y/p + (1-y)/(1-p)`` for BCE of probabilities):
    the rounding allowance of a gradient near 0 through cancellation
    (:mod:`fuzz.losschecks`).

    ``draw(draw, rng, dtype)`` -> (arrays, options, wrt, form);
    ``mg_call(case, t)`` and ``ref(case, t)`` compute the loss from a dict
    of tensors (minigrad's, PyTorch's), in the case's form (function,
    module or Keras class); ``smooth``: second derivatives
    compared; ``probabilities``: arrays kept in [0, 1] when the reference is
    perturbed; ``convention(case, t)`` (optional) names a documented
    difference that applies to this case, or returns None.
    """

    name: str
    face: str
    draw: Callable
    mg_call: Callable
    ref: Callable
    smooth: bool = True
    probabilities: tuple = ()
    convention: Callable | None = None
    terms: Callable = lambda case, t: 1.0


# ----------------------------------------------------------------- drawing

PROB_EXTREMES = (0.0, 1.0, 1e-7, 1 - 1e-7, 1e-13, 1 - 1e-13, 0.5, 5e-324, 1e-45)
LOGIT_EXTREMES = (0.0, -0.0, 1e4, -1e4, 30.0, -30.0, 1e-7, 17.0, -17.0)


def _with_extremes(draw, rng, x, extremes, dtype):
    rate = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5]))
    if rate and x.size:
        pick = rng.random(x.shape) < rate
        e = np.array(extremes, dtype=np.float64)[rng.integers(len(extremes), size=x.shape)]
        x = np.where(pick, e, x)
    return np.asarray(x, dtype=dtype)


def probs(draw, rng, shape, dtype):
    """Probabilities, with 0, 1, 1e-7, 1 - 1e-7, 1e-13 and subnormals."""
    return _with_extremes(draw, rng, rng.uniform(0, 1, shape), PROB_EXTREMES, dtype)


def logits(draw, rng, shape, dtype):
    scale = draw(st.sampled_from([1.0, 5.0]))
    return _with_extremes(draw, rng, rng.normal(size=shape) * scale, LOGIT_EXTREMES, dtype)


def targets01(draw, rng, shape, dtype):
    """Hard 0/1 targets, or soft ones in [0, 1]."""
    if draw(st.booleans()):
        return (rng.random(shape) < 0.5).astype(dtype)
    return rng.uniform(0, 1, shape).astype(dtype)


def positive(rng, shape, dtype, lo=0.1, hi=3.0):
    return rng.uniform(lo, hi, shape).astype(dtype)


def elementwise_shape(draw):
    return tuple(draw(st.lists(st.integers(1, 3), max_size=3)))


def class_shape(draw):
    """(C,), (N, C) or (N, C, d): PyTorch's class axis is 1 (0 for (C,))."""
    c = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["C", "NC", "NC", "NCd"]))
    n = draw(st.integers(1, 4))
    return {"C": (c,), "NC": (n, c), "NCd": (n, c, draw(st.integers(1, 3)))}[kind]


def weight_shape(draw, shape):
    """A shape that broadcasts to ``shape`` (PyTorch's element weight)."""
    kind = draw(st.sampled_from(["full", "last", "one"] if shape else ["full"]))
    return {"full": shape, "last": shape[-1:], "one": (1,)}[kind]


def reduction(draw, choices=("mean", "sum", "none")):
    return draw(st.sampled_from(choices))


def labels(draw, rng, shape, num_classes, ignore):
    """Class indices, some of them ``ignore`` (when given)."""
    y = rng.integers(0, num_classes, shape)
    if ignore is not None and y.size and draw(st.booleans()):
        y = np.where(rng.random(shape) < 0.4, ignore, y)
    return y.astype(np.int64)


# ------------------------------------------------------ PyTorch face

def _kw(options, *names):
    return {k: options[k] for k in names if k in options}


def torch_face(name, mg_fn, mg_module, torch_fn, draw, keywords, **kw):
    """A PyTorch-face loss: the function or module form of minigrad vs
    ``torch.nn.functional``."""
    def draw_(draw_fn, rng, dtype):
        arrays, options, wrt = draw(draw_fn, rng, dtype)
        form = "module" if mg_module is not None and draw_fn(st.booleans()) else "function"
        return arrays, options, wrt, form

    def mg_call(case, t):
        args = [t[k] for k in ("input", "target")]
        extra = {k: t[k] for k in ("weight", "pos_weight") if k in t}
        if case.form == "module":
            return mg_module(**_kw(case.options, *keywords), **extra)(*args)
        return mg_fn(*args, **_kw(case.options, *keywords), **extra)

    def ref(case, t):
        extra = {k: t[k] for k in ("weight", "pos_weight") if k in t}
        with warnings.catch_warnings():         # kl_div's "mean" warns about its meaning
            warnings.simplefilter("ignore")
            return torch_fn(t["input"], t["target"], **_kw(case.options, *keywords), **extra)

    return LossDecl(f"nn.{name}", "torch", draw_, mg_call, ref, **kw)


def draw_bce(draw, rng, dtype):
    shape = elementwise_shape(draw)
    arrays = {"input": probs(draw, rng, shape, dtype), "target": targets01(draw, rng, shape, dtype)}
    if draw(st.booleans()):
        arrays["weight"] = positive(rng, weight_shape(draw, shape), dtype)
    return arrays, {"reduction": reduction(draw)}, ("input",)


def draw_bce_logits(draw, rng, dtype):
    shape = elementwise_shape(draw)
    arrays = {"input": logits(draw, rng, shape, dtype),
              "target": targets01(draw, rng, shape, dtype)}
    if draw(st.booleans()):
        arrays["weight"] = positive(rng, weight_shape(draw, shape), dtype)
    if shape and draw(st.booleans()):
        arrays["pos_weight"] = positive(rng, draw(st.sampled_from([shape[-1:], (1,)])), dtype)
    return arrays, {"reduction": reduction(draw)}, ("input",)


def draw_cross_entropy(draw, rng, dtype):
    shape = class_shape(draw)
    axis = 1 if len(shape) >= 2 else 0
    c = shape[axis]
    arrays = {"input": logits(draw, rng, shape, dtype)}
    options = {"reduction": reduction(draw)}
    if draw(st.booleans()):                                      # class indices
        ignore = draw(st.sampled_from([None, -100, int(rng.integers(0, c))]))
        if ignore is not None:
            options["ignore_index"] = ignore
        arrays["target"] = labels(draw, rng, shape[:axis] + shape[axis + 1:], c, ignore)
    else:                                                        # probabilities
        kind = draw(st.sampled_from(["softmax", "onehot", "any"]))
        raw = rng.normal(size=shape)
        y = {"softmax": np.exp(raw) / np.exp(raw).sum(axis, keepdims=True),
             "onehot": (raw == raw.max(axis, keepdims=True)) * 1.0,
             "any": rng.uniform(0, 1, shape)}[kind]
        arrays["target"] = y.astype(dtype)
    if draw(st.booleans()):
        w = positive(rng, (c,), dtype)
        if draw(st.integers(0, 3)) == 0:
            w[rng.integers(c)] = 0.0                                 # a class that never counts
        arrays["weight"] = w
    if draw(st.booleans()):
        options["label_smoothing"] = draw(st.sampled_from([0.05, 0.1, 0.3, 0.5, 1.0]))
    return arrays, options, ("input",)


def draw_nll(draw, rng, dtype):
    shape = class_shape(draw)
    axis = 1 if len(shape) >= 2 else 0
    c = shape[axis]
    ignore = draw(st.sampled_from([None, -100, int(rng.integers(0, c))]))
    options = {"reduction": reduction(draw)}
    if ignore is not None:
        options["ignore_index"] = ignore
    arrays = {"input": logits(draw, rng, shape, dtype),
              "target": labels(draw, rng, shape[:axis] + shape[axis + 1:], c, ignore)}
    if draw(st.booleans()):
        arrays["weight"] = positive(rng, (c,), dtype)
    return arrays, options, ("input",)


def draw_regression(delta=False):
    def draw_(draw, rng, dtype):
        shape = elementwise_shape(draw)
        x = logits(draw, rng, shape, dtype)
        y = logits(draw, rng, shape, dtype) if draw(st.booleans()) else x.copy()   # e = 0 too
        if x.size:
            y = np.where(rng.random(shape) < 0.5, y, x + rng.choice([1.0, -1.0, 0.5], shape))
        options = {"reduction": reduction(draw)}
        if delta:
            options["delta"] = draw(st.sampled_from([1.0, 0.5, 2.0, 1e-3]))
        return {"input": x, "target": y.astype(dtype)}, options, ("input",)
    return draw_


def draw_kl_div(draw, rng, dtype):
    shape = class_shape(draw)
    axis = 1 if len(shape) >= 2 else 0
    raw = rng.normal(size=shape)
    log_q = raw - np.log(np.exp(raw).sum(axis, keepdims=True))
    p = probs(draw, rng, shape, np.float64)
    log_target = draw(st.booleans())
    target = np.log(np.maximum(p, 1e-30)) if log_target else p
    options = {"reduction": reduction(draw, ("mean", "sum", "none", "batchmean")),
               "log_target": log_target}
    return {"input": log_q.astype(dtype), "target": target.astype(dtype)}, options, ("input",)


def draw_focal(draw, rng, dtype):
    shape = elementwise_shape(draw)
    options = {"alpha": draw(st.sampled_from([0.25, 0.5, -1.0, 0.0, 1.0])),
               "gamma": draw(st.sampled_from([0.0, 1.0, 2.0, 3.0, 1.5])),
               "reduction": reduction(draw)}
    arrays = {"input": logits(draw, rng, shape, dtype),
              "target": targets01(draw, rng, shape, dtype)}
    return arrays, options, ("input",)


def torch_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision's ``sigmoid_focal_loss`` (REFERENCE-losses.md)."""
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


# ------------------------------------------------------ the BCE convention

def bce_backward_convention(case, t):
    """CONVENTIONS["bce_backward"]: where x (1 - x) < 1e-12, PyTorch's
    backward is ``(x - y) / max(x (1 - x), 1e-12)`` and minigrad's is the
    derivative of the clamped forward; there the reference gradient is the
    latter, ``-y/x [log x > -100] + (1 - y)/(1 - x) [log1p(-x) > -100]``,
    times the same weights and reduction."""
    x = t["input"].detach()
    return (x * (1 - x) < 1e-12).any().item() or None


def bce_true_derivative(x, y):
    """The derivative of PyTorch's clamped BCE forward, elementwise."""
    with torch.no_grad():
        d = torch.zeros_like(x)
        pos = (x > 0) & (torch.log(torch.where(x > 0, x, 1)) > -100)
        neg = (x < 1) & (torch.log1p(-torch.where(x < 1, x, 0)) > -100)
        d = torch.where(pos, -y / torch.where(pos, x, 1), d)
        return d + torch.where(neg, (1 - y) / torch.where(neg, 1 - x, 1), torch.zeros_like(x))


# ---------------------------------------------------- derivative terms

def _max(x):
    return float(x.detach().abs().max()) if x.numel() else 0.0


def bce_terms(x, y, eps=None):
    """``y/p + (1-y)/(1-p)``: BCE's derivative is their difference (p
    clipped to [eps, 1 - eps] for Keras; elements where PyTorch's clamp
    or its 1e-12 rule applies excluded)."""
    x, y = x.detach(), y.detach()
    if eps is not None:
        x = torch.clamp(x, eps, 1 - eps)
    ok = x * (1 - x) >= 1e-12
    return _max(torch.where(ok, y.abs() / torch.where(ok, x, 1) + (1 - y).abs() / torch.where(
        ok, 1 - x, 1), 0)) + 1.0


def focal_terms(case, t):
    """The focal factor's derivative times the cross-entropy it scales."""
    x, y = t.get("input", t.get("y_pred")), t.get("target", t.get("y_true"))
    ce = F.binary_cross_entropy_with_logits(x.detach(), y.detach(), reduction="none") if (
        "input" in t or case.options.get("from_logits")) else None
    gamma = case.options.get("gamma", 2.0)
    big = _max(ce) if ce is not None else 17.0
    extra = 0.0 if "input" in t or case.options.get("from_logits") else bce_terms(x, y, EPS)
    return 1.0 + gamma * big + extra


def keras_cce_terms(case, t):
    """Keras's renormalised CCE of probabilities: ``(y/p) / S`` twice."""
    if case.options.get("from_logits"):
        return 2.0
    p = t["y_pred"].detach()
    axis = case.options.get("axis", -1)
    s = p.sum(axis, keepdim=True)
    q = torch.clamp(p / s, EPS, 1 - EPS)
    return 2.0 * _max(1 / q) / max(float(s.min()), 1e-300) + 1.0


# ------------------------------------------------------------ Keras face

def squeeze_or_expand(a, b):
    """Keras's rule for ranks that differ by one with a trailing size-1
    axis (REFERENCE-losses.md, step 3; keras ``squeeze_or_expand_to_same_rank``):
    a rank-1 other side is expanded, else the size-1 axis is squeezed."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        return (a, b.unsqueeze(-1)) if b.ndim == 1 else (a.squeeze(-1), b)
    if b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        return (a.unsqueeze(-1), b) if a.ndim == 1 else (a, b.squeeze(-1))
    return a, b


def keras_reduce(values, sample_weight, reduction, mask=None):
    """Keras 3's reduction (REFERENCE-losses.md, and keras's
    ``reduce_weighted_values``): the weights are lined up with the losses
    by the rank rule, a mask (``ignore_class``) is merged into them, then
    ``sum_over_batch_size`` = sum / number of elements (of valid samples
    with a mask, 0 if none), ``mean_with_sample_weight`` = sum / sum of
    the weights (0 when that is 0), ``sum``, ``none``; a 0-d loss is
    returned as is.  Weights for the leading axes only are repeated over
    the rest (CONVENTIONS["sample_weight_leading"])."""
    sw = sample_weight
    if sw is not None:
        values, sw = squeeze_or_expand(values, sw)
        if sw.ndim and sw.ndim < values.ndim:
            sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))
    if mask is not None:
        m = mask.to(values.dtype)
        if sw is None:
            sw = m
        else:
            m, sw = squeeze_or_expand(m, sw)
            sw = sw * m
    if sw is not None:
        values = values * sw
    if reduction in ("none", None) or values.ndim == 0:
        return values
    total = values.sum()
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = sw.sum()
    elif mask is not None:
        divisor = mask.sum().to(values.dtype)
    else:
        divisor = torch.tensor(float(values.numel()), dtype=values.dtype)
    return total * 0.0 if float(divisor.detach()) == 0 else total / divisor


def keras_bce(y, p, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:       # max(z, 0) - z y + log(1 + e^-|z|), whose autograd is sigmoid(z) - y
        per = F.binary_cross_entropy_with_logits(p, y, reduction="none")
    else:
        q = torch.clamp(p, EPS, 1 - EPS)
        per = -(y * torch.log(q) + (1 - y) * torch.log(1 - q))
    return per if per.ndim == 0 else per.mean(axis)


def keras_cce(y, p, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        y = y * (1 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        return -(y * torch.log_softmax(p, axis)).sum(axis)
    p = p / p.sum(axis, keepdim=True)
    return -(y * torch.log(torch.clamp(p, EPS, 1 - EPS))).sum(axis)


def keras_scce(labels_, p, from_logits=False, ignore_class=None, axis=-1):
    c = p.shape[axis]
    lab = labels_.squeeze(-1) if labels_.ndim == p.ndim else labels_
    valid = torch.ones_like(lab, dtype=torch.bool) if ignore_class is None else lab != ignore_class
    onehot = F.one_hot(torch.where(valid, lab, 0), c).to(p.dtype) * valid.unsqueeze(-1)
    return keras_cce(torch.movedim(onehot, -1, axis), p, from_logits, 0.0, axis)


def keras_focal(y, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                label_smoothing=0.0, axis=-1):
    if label_smoothing:
        y = y * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = torch.sigmoid(p)
    q = torch.clamp(p, EPS, 1 - EPS)
    bce = -(y * torch.log(q) + (1 - y) * torch.log(1 - q))
    p_t = y * p + (1 - y) * (1 - p)
    per = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        per = (alpha * y + (1 - alpha) * (1 - y)) * per
    return per if per.ndim == 0 else per.mean(axis)


def keras_mse(y, p):
    d = (y - p) ** 2
    return d if d.ndim == 0 else d.mean(-1)


def keras_mae(y, p):
    d = (y - p).abs()
    return d if d.ndim == 0 else d.mean(-1)


def keras_huber(y, p, delta=1.0):
    e = p - y
    a = e.abs()
    per = torch.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta ** 2)
    return per if per.ndim == 0 else per.mean(-1)


def keras_kl(y, p):
    y = torch.clamp(y, EPS, 1)
    p = torch.clamp(p, EPS, 1)
    per = y * torch.log(y / p)
    return per if per.ndim == 0 else per.sum(-1)


def keras_face(name, mg_fn, mg_class, ref_fn, draw, keywords, smooth=True, probabilities=(),
               mask=None, terms=lambda case, t: 1.0):
    """A Keras-face loss: the function, or the class with ``sample_weight``
    and a reduction, vs the REFERENCE-losses.md formula in torch."""

    def mg_call(case, t):
        opts = _kw(case.options, *keywords)
        if case.form == "class":
            loss = mg_class(**opts, reduction=case.options["reduction"])
            return loss(t["y_true"], t["y_pred"], sample_weight=t.get("sample_weight"))
        return mg_fn(t["y_true"], t["y_pred"], **opts)

    def ref(case, t):
        per = ref_fn(t["y_true"], t["y_pred"], **_kw(case.options, *keywords))
        if case.form != "class":
            return per
        m = None if mask is None else mask(case, t)
        return keras_reduce(per, t.get("sample_weight"), case.options["reduction"], m)

    return LossDecl(f"losses.{name}", "keras", draw, mg_call, ref, smooth=smooth,
                    probabilities=probabilities, terms=terms)


KERAS_REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", "none", None)


def _keras_extras(draw, rng, dtype, per_sample_shape, arrays, options):
    """The form (function, or class with a reduction and maybe a
    sample_weight) and what to differentiate."""
    wrt = ("y_pred",)
    if draw(st.booleans()):
        return "function", wrt
    options["reduction"] = draw(st.sampled_from(KERAS_REDUCTIONS))
    kind = draw(st.sampled_from(["none", "scalar", "per_sample", "leading"]))
    if kind == "scalar":
        arrays["sample_weight"] = positive(rng, (), dtype)
    elif kind == "per_sample":
        arrays["sample_weight"] = positive(rng, per_sample_shape, dtype, 0.0, 2.0)
    elif kind == "leading" and len(per_sample_shape) >= 2:
        arrays["sample_weight"] = positive(rng, per_sample_shape[:1], dtype, 0.0, 2.0)
    if "sample_weight" in arrays:
        wrt = wrt + ("sample_weight",)
    return "class", wrt


def keras_binary_draw(kind):
    """Draw for binary_crossentropy / binary_focal_crossentropy."""
    def draw_(draw, rng, dtype):
        shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
        options = {"from_logits": draw(st.booleans())}
        y_pred = logits(draw, rng, shape, dtype) if options["from_logits"] else probs(
            draw, rng, shape, dtype)
        arrays = {"y_true": targets01(draw, rng, shape, dtype), "y_pred": y_pred}
        if draw(st.booleans()):
            options["label_smoothing"] = draw(st.sampled_from([0.1, 0.3, 1.0]))
        options["axis"] = draw(st.sampled_from([-1, 0] if len(shape) > 1 else [-1]))
        if kind == "focal":
            options.update(apply_class_balancing=draw(st.booleans()),
                           alpha=draw(st.sampled_from([0.25, 0.5, 0.9])),
                           gamma=draw(st.sampled_from([0.0, 1.0, 2.0, 3.0])))
        per_sample = tuple(np.delete(np.array(shape), options["axis"]))
        form, wrt = _keras_extras(draw, rng, dtype, per_sample, arrays, options)
        return arrays, options, wrt, form
    return draw_


def keras_categorical_draw(sparse):
    def draw_(draw, rng, dtype):
        c = draw(st.integers(1, 4))
        batch = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
        axis = draw(st.sampled_from([-1, 1] if len(batch) == 2 else [-1]))
        shape = batch + (c,) if axis == -1 else batch[:1] + (c,) + batch[1:]
        options = {"from_logits": draw(st.booleans()), "axis": axis}
        if options["from_logits"]:
            y_pred = logits(draw, rng, shape, dtype)
        else:
            y_pred = probs(draw, rng, shape, dtype)
            ax = axis % len(shape)
            zero = y_pred.sum(ax, keepdims=True) <= 0                # a row must not sum to 0
            y_pred = np.where(zero, 0.5, y_pred).astype(dtype)
        per_sample = shape[:axis % len(shape)] + shape[axis % len(shape) + 1:]
        arrays = {"y_pred": y_pred}
        if sparse:
            ignore = draw(st.sampled_from([None, -1, int(rng.integers(0, c))]))
            options["ignore_class"] = ignore
            y = labels(draw, rng, per_sample, c, ignore)
            if draw(st.booleans()) and axis == -1:
                y = y[..., None]                                     # a trailing size-1 axis
            arrays["y_true"] = y
        else:
            raw = rng.normal(size=shape)
            ax = axis % len(shape)
            y = (raw == raw.max(ax, keepdims=True)) * 1.0 if draw(st.booleans()) else (
                np.exp(raw) / np.exp(raw).sum(ax, keepdims=True))
            arrays["y_true"] = y.astype(dtype)
            if draw(st.booleans()):
                options["label_smoothing"] = draw(st.sampled_from([0.1, 0.3, 1.0]))
        form, wrt = _keras_extras(draw, rng, dtype, per_sample, arrays, options)
        return arrays, options, wrt, form
    return draw_


def keras_regression_draw(kind):
    def draw_(draw, rng, dtype):
        shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
        options = {}
        if kind == "kl":
            raw = rng.normal(size=shape)
            y = probs(draw, rng, shape, dtype)
            p = (np.exp(raw) / np.exp(raw).sum(-1, keepdims=True)).astype(dtype)
            p = np.where(rng.random(shape) < 0.2, 0.0, p).astype(dtype)   # below the clip
            arrays = {"y_true": y, "y_pred": p}
        else:
            y = logits(draw, rng, shape, dtype)
            p = np.where(rng.random(shape) < 0.3, y, logits(draw, rng, shape, dtype)).astype(dtype)
            arrays = {"y_true": y, "y_pred": p}
            if kind == "huber":
                options["delta"] = draw(st.sampled_from([1.0, 0.5, 2.0]))
        form, wrt = _keras_extras(draw, rng, dtype, shape[:-1], arrays, options)
        return arrays, options, wrt, form
    return draw_


def _scce_mask(case, t):
    ignore = case.options.get("ignore_class")
    if ignore is None:
        return None
    lab = t["y_true"]
    lab = lab.squeeze(-1) if lab.ndim == t["y_pred"].ndim else lab
    return lab != ignore


# ------------------------------------------------------------- the table

nnF = mg.nn.functional

LOSSES = [
    torch_face("binary_cross_entropy", nnF.binary_cross_entropy, mg.nn.BCELoss,
               F.binary_cross_entropy, draw_bce, ("reduction",), smooth=False,
               probabilities=("input", "target"), convention=bce_backward_convention,
               terms=lambda case, t: bce_terms(t["input"], t["target"])),
    torch_face("binary_cross_entropy_with_logits", nnF.binary_cross_entropy_with_logits,
               mg.nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, draw_bce_logits,
               ("reduction",), probabilities=("target",)),
    torch_face("cross_entropy", nnF.cross_entropy, mg.nn.CrossEntropyLoss, F.cross_entropy,
               draw_cross_entropy, ("reduction", "ignore_index", "label_smoothing"),
               probabilities=("target",), terms=lambda case, t: 2.0),
    torch_face("nll_loss", nnF.nll_loss, mg.nn.NLLLoss, F.nll_loss, draw_nll,
               ("reduction", "ignore_index")),
    torch_face("mse_loss", nnF.mse_loss, mg.nn.MSELoss, F.mse_loss, draw_regression(),
               ("reduction",)),
    torch_face("l1_loss", nnF.l1_loss, mg.nn.L1Loss, F.l1_loss, draw_regression(), ("reduction",),
               smooth=False),
    torch_face("huber_loss", nnF.huber_loss, mg.nn.HuberLoss, F.huber_loss,
               draw_regression(delta=True), ("reduction", "delta"), smooth=False),
    torch_face("kl_div", nnF.kl_div, mg.nn.KLDivLoss, F.kl_div, draw_kl_div,
               ("reduction", "log_target")),
    torch_face("sigmoid_focal_loss", nnF.sigmoid_focal_loss, None, torch_sigmoid_focal_loss,
               draw_focal, ("alpha", "gamma", "reduction"), probabilities=("target",),
               terms=focal_terms),
    keras_face("binary_crossentropy", mg.losses.binary_crossentropy, mg.losses.BinaryCrossentropy,
               keras_bce, keras_binary_draw("bce"), ("from_logits", "label_smoothing", "axis"),
               smooth=False, probabilities=("y_true", "y_pred"),
               terms=lambda case, t: 1.0 if case.options["from_logits"] else bce_terms(
                   t["y_pred"], t["y_true"], EPS)),
    keras_face("categorical_crossentropy", mg.losses.categorical_crossentropy,
               mg.losses.CategoricalCrossentropy, keras_cce, keras_categorical_draw(False),
               ("from_logits", "label_smoothing", "axis"), smooth=False,
               probabilities=("y_true", "y_pred"), terms=keras_cce_terms),
    keras_face("sparse_categorical_crossentropy", mg.losses.sparse_categorical_crossentropy,
               mg.losses.SparseCategoricalCrossentropy, keras_scce, keras_categorical_draw(True),
               ("from_logits", "ignore_class", "axis"), smooth=False, probabilities=("y_pred",),
               mask=_scce_mask, terms=keras_cce_terms),
    keras_face("binary_focal_crossentropy", mg.losses.binary_focal_crossentropy,
               mg.losses.BinaryFocalCrossentropy, keras_focal, keras_binary_draw("focal"),
               ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing",
                "axis"),
               smooth=False, probabilities=("y_true", "y_pred"), terms=focal_terms),
    keras_face("mean_squared_error", mg.losses.mean_squared_error, mg.losses.MeanSquaredError,
               keras_mse, keras_regression_draw("mse"), ()),
    keras_face("mean_absolute_error", mg.losses.mean_absolute_error, mg.losses.MeanAbsoluteError,
               keras_mae, keras_regression_draw("mae"), (), smooth=False),
    keras_face("huber", mg.losses.huber, mg.losses.Huber, keras_huber,
               keras_regression_draw("huber"), ("delta",), smooth=False),
    keras_face("kl_divergence", mg.losses.kl_divergence, mg.losses.KLDivergence, keras_kl,
               keras_regression_draw("kl"), (), smooth=False, probabilities=("y_true", "y_pred")),
]

BY_NAME = {d.name: d for d in LOSSES}
