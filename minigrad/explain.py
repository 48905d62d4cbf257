"""Step-by-step explanations of a loss, its gradient, and its value under
each framework's convention (``mg.explain``, ``minigrad explain``).

Every number comes from the library's own loss code: the per-element terms
from :mod:`minigrad.formulas`, the value from :mod:`minigrad.losses`, the
gradients from ``backward()`` through it, and each convention from the loss
that implements it (Keras 3, tf.keras 2.x's parameters of the same formula,
PyTorch's losses in :mod:`minigrad.nn`).
"""
from __future__ import annotations

import dataclasses
import difflib

import numpy as np

from . import formulas, losses, nn, ops
from .losses import _smooth_binary
from .tensor import Tensor

ROWS_SHOWN = 10     # rows of each per-element table that the printed text shows


@dataclasses.dataclass(frozen=True)
class LossInfo:
    """One loss that :func:`explain`, ``minigrad explain`` and ``minigrad
    graph`` know: :data:`LOSSES` is the one table they all read.

    Attributes
    ----------
    name : str
        The Keras function name, which the other names resolve to.
    short : str
        The command line's name (``"bce"``).
    aliases : tuple of str
        More names that :func:`resolve` accepts.
    options : dict
        The options :func:`explain` takes for this loss, and their defaults.
    example : tuple
        ``(y_true, y_pred)``: the example of the BCE/CCE walkthroughs
        (TensorFlow, Keras, PyTorch and numpy) that ``minigrad graph`` draws.
    keras : type
        The Keras-flavoured loss class in :mod:`minigrad.losses`.
    logits : bool
        Whether the loss takes ``from_logits``.
    torch : callable or None
        ``torch(y_true, y_pred, from_logits)``: the PyTorch-flavoured loss
        of numpy targets and a prediction Tensor; None when PyTorch has none.
    build : callable
        The builder of the :class:`Explanation`.

    Examples
    --------
    >>> from minigrad.explain import LOSSES
    >>> LOSSES["binary_crossentropy"].short, LOSSES["huber"].options
    ('bce', {'delta': 1.0})
    """

    name: str
    short: str
    aliases: tuple
    options: dict
    example: tuple
    keras: type
    logits: bool
    torch: object
    build: object


def resolve(loss_name):
    """The Keras name of a loss that :func:`explain` knows.

    Any name or alias of :data:`LOSSES` is accepted, in any case, with ``-``
    or ``_``; an unknown one raises a ValueError that suggests the closest.

    Examples
    --------
    >>> from minigrad.explain import resolve
    >>> resolve("BCE"), resolve("sparse-cce")
    ('binary_crossentropy', 'sparse_categorical_crossentropy')
    >>> resolve("bcee")
    Traceback (most recent call last):
    ...
    ValueError: unknown loss 'bcee' (did you mean 'bce'?); explain knows bce, cce, ...
    """
    key = str(loss_name).strip().lower().replace("-", "_")
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, ALIASES, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ValueError(f"unknown loss {loss_name!r}{hint}; explain knows "
                     f"{', '.join(info.short for info in LOSSES.values())}, and their Keras names")


@dataclasses.dataclass
class Convention:
    """A loss's value under one framework's convention."""

    name: str
    rule: str
    float32: float
    float64: float


@dataclasses.dataclass
class Explanation:
    """The step-by-step computation of a loss and its gradient.

    ``str(explanation)`` (or :meth:`text`) is the printed walkthrough; the
    fields hold the same numbers for notebooks.
    """

    loss: str
    title: str
    from_logits: bool
    options: dict
    y_true: np.ndarray
    y_pred: np.ndarray
    table: dict            # column name -> per-element (or per-sample) array
    steps: list            # (label, value, comment): the sums, the mean, the sign
    value: float           # the library's (Keras 3) value, float64
    grad: np.ndarray       # d value / d y_pred
    grad_formula: str
    grad_logits: np.ndarray | None
    grad_logits_formula: str | None
    conventions: list
    clipped: np.ndarray | None
    clamped: np.ndarray | None
    notes: list

    def __repr__(self):
        return f"<Explanation of {self.loss}: {self.value!r} (float64)>"

    def __str__(self):
        return self.text()

    def text(self):
        """The walkthrough, as printed: the per-element tables show their first
        :data:`ROWS_SHOWN` rows; every sum, mean and value is over all of them."""
        categorical = self.loss in ("categorical_crossentropy", "sparse_categorical_crossentropy")
        unit = "samples" if categorical else "elements"
        out = [self.title, ""]
        out += _table(self.table, "Per sample" if categorical else "Per element", unit,
                      "totals below are over all of them")
        out += ["", "Step by step:"]
        width = max(len(s[0]) for s in self.steps)
        for label, value, comment in self.steps:
            out.append(f"  {label:<{width}}  {_num(value):>20}   {comment}".rstrip())
        wrt = "the logits z" if self.from_logits else "y_pred"
        out += ["", f"Gradient with respect to {wrt}: {self.grad_formula}"]
        grads = {f"d loss / d {'z' if self.from_logits else 'y_pred'}": self.grad}
        if self.grad_logits is not None:
            out.append(f"  and with respect to the logits: {self.grad_logits_formula}")
            grads["d loss / d logit"] = self.grad_logits
        out += _table(grads, None, unit, "all of them in the result's .grad")
        out += ["", "Value under each convention:"] + _conventions(self.conventions)
        if self.notes:
            out += ["", "Why they differ:"] + [f"  * {n}" for n in self.notes]
        return "\n".join(out)


def _conventions(conventions):
    """The lines of the conventions table."""
    w1 = max(len(c.name) for c in conventions)
    w2 = max(len(c.rule) for c in conventions)
    out = [f"  {'convention':<{w1}}  {'rule':<{w2}}  {'float32':>12}  {'float64':>20}"]
    for c in conventions:
        out.append(f"  {c.name:<{w1}}  {c.rule:<{w2}}  {_f32(c.float32):>12}  "
                   f"{_num(c.float64):>20}")
    return out


def _num(v):
    v = float(v)
    return repr(v) if np.isfinite(v) else str(v)


def _f32(v):
    v = float(v)
    return str(np.float32(v)) if np.isfinite(v) else str(v)


def _table(columns, heading, unit="elements", trailer="", rows=None):
    """The first ``rows`` (default :data:`ROWS_SHOWN`) rows ``i`` of the named
    columns (1-D arrays, or 2-D with a row per sample), then a line that says
    how many more there are."""
    rows = ROWS_SHOWN if rows is None else rows
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    n = len(arrays[0])
    cells = [[_cell(a[i]) for a in arrays] for i in range(min(n, rows))]
    widths = [max(len(name), *(len(r[k]) for r in cells)) for k, name in enumerate(names)]
    lines = [f"{heading}:"] if heading else []
    lines.append("    i  " + "  ".join(name.rjust(w) for name, w in zip(names, widths)))
    for i, row in enumerate(cells):
        lines.append(f"  {i:>3}  " + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
    if n > rows:
        lines.append(f"  ... {n - rows:,} more {unit}" + (f"; {trailer}" if trailer else ""))
    return lines


def _cell(v, limit=8):
    """A number with up to 10 significant digits (a row: numbers in brackets,
    the first ``limit`` of a longer one)."""
    v = np.asarray(v)
    if v.ndim:
        shown = " ".join(_cell(x) for x in v.ravel()[:limit])
        return "[" + shown + (f" ... {v.size:,} in all" if v.size > limit else "") + "]"
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    return "-0" if v == 0 and np.signbit(v) else f"{v:.10g}"


def _indices(mask, limit=ROWS_SHOWN):
    """``[0, 3, 7]``: where ``mask`` is true (the first ``limit``, and how many)."""
    idx = np.flatnonzero(mask)
    text = str(idx[:limit].tolist())
    return text if idx.size <= limit else f"{text[:-1]}, ...] ({idx.size:,} in all)"


def _values(fn, *arrays):
    """``fn`` of the arrays as float32 and float64 tensors: two floats (inf or
    NaN allowed: the textbook formulas have them)."""
    out = []
    for dtype in (np.float32, np.float64):
        with np.errstate(all="ignore"):
            out.append(float(fn(*[Tensor(np.asarray(a), dtype=dtype) for a in arrays]).item()))
    return out


def _mean(t):
    return ops.mean(t)


def _grad(fn, y_pred):
    x = Tensor(np.asarray(y_pred, dtype=np.float64), requires_grad=True)
    fn(x).backward()
    return x.grad.numpy()


def _logit(p):
    """log(p / (1 - p)), or None where some p is exactly 0 or 1."""
    p = np.asarray(p, dtype=np.float64)
    if np.any((p <= 0) | (p >= 1)):
        return None
    return np.log(p) - np.log1p(-p)


def explain(loss_name, y_true, y_pred, from_logits=False, show=True, **options):
    """Explain a loss step by step: terms, sums, mean, sign; the gradient per
    element; and the value under each framework's convention.

    Parameters
    ----------
    loss_name : str
        ``"bce"``, ``"cce"``, ``"sparse_cce"``, ``"focal"``, ``"mse"``,
        ``"mae"`` or ``"huber"``, the Keras function name, or another name
        in :data:`LOSSES` (any case; see :func:`resolve`).
    y_true, y_pred : array_like
        As the Keras loss takes them (for ``"cce"``, rows of class
        probabilities or one-hot targets; for ``"sparse_cce"``, labels).
    from_logits : bool
        ``y_pred`` holds logits.
    show : bool
        Print the walkthrough (default); the result is returned either way.
    **options
        The loss's options: ``label_smoothing`` in [0, 1]; ``gamma`` >= 0,
        ``alpha`` in [0, 1], ``apply_class_balancing`` (focal); ``delta`` > 0
        (huber).

    Returns
    -------
    Explanation
        Holds every array in full; its printed text shows the first
        :data:`ROWS_SHOWN` rows of each per-element table, and its sums,
        means and conventions are over all elements.

    Examples
    --------
    >>> import minigrad as mg
    >>> ex = mg.explain("bce", [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6], show=False)
    >>> ex.value
    0.3240220233084354
    >>> [(c.name, c.float32) for c in ex.conventions][1:3]
    [('Keras 3', 0.3240220546722412), ('tf.keras 2.x', 0.3240218758583069)]
    """
    info = LOSSES[resolve(loss_name)]
    unknown = set(options) - set(info.options)
    if unknown:
        valid = ", ".join(info.options) or "none"
        raise TypeError(f"explain({info.name!r}) got unknown option(s) {sorted(unknown)}; "
                        f"valid: {valid}")
    opts = check_options({**info.options, **options})
    if from_logits and not info.logits:
        raise ValueError(f"{info.name} has no logits; leave from_logits False")
    y_true, y_pred = _float64(y_true), _float64(y_pred)
    result = info.build(info.name, y_true, y_pred, from_logits, opts)
    if show:
        print(result.text())
    return result


def _float64(a):
    return np.asarray(a.numpy() if isinstance(a, Tensor) else a, dtype=np.float64)


# option: (whether a value is in range, what to pass)
_RANGES = {
    "label_smoothing": (lambda v: 0 <= v <= 1, "in [0, 1]"),
    "gamma": (lambda v: v >= 0, ">= 0 (the focusing exponent; 0 gives plain BCE)"),
    "alpha": (lambda v: 0 <= v <= 1, "in [0, 1] (the weight of class 1)"),
    "delta": (lambda v: v > 0, "> 0"),
}


def check_options(options):
    """Check the numeric options of a loss (``label_smoothing``, ``gamma``,
    ``alpha``, ``delta``): each a finite number in its range, else a
    ValueError (TypeError for a non-number) naming it.  Returns ``options``.

    Examples
    --------
    >>> from minigrad.explain import check_options
    >>> check_options({"gamma": 2.0})
    {'gamma': 2.0}
    >>> check_options({"gamma": -1})
    Traceback (most recent call last):
    ...
    ValueError: gamma must be a finite number >= 0 (the focusing exponent; ...), got -1
    """
    for key, value in options.items():
        if key not in _RANGES:
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{key} must be a number, got {value!r}") from None
        in_range, what = _RANGES[key]
        if not (np.isfinite(v) and in_range(v)):
            raise ValueError(f"{key} must be a finite number {what}, got {value!r}")
    return options


# ----------------------------------------------------------------- binary

def _bce_conventions(y, p, z, ls):
    """Conventions for BCE of probabilities p (z = their logits, or None)."""
    eps = losses.epsilon()

    def smooth(t):
        return _smooth_binary(t, ls)

    conv = [
        Convention("textbook numpy", "-mean(y log p + (1-y) log(1-p))", *_values(
            lambda y, p: _mean(formulas.binary_crossentropy(smooth(y), p)), y, p)),
        Convention("Keras 3", f"clip p to [eps, 1-eps], eps={eps:g}", *_values(
            lambda y, p: losses.BinaryCrossentropy(label_smoothing=ls)(y, p), y, p)),
        Convention("tf.keras 2.x", "clip, and log(p + eps), log(1 - p + eps)", *_values(
            lambda y, p: _mean(formulas.binary_crossentropy(smooth(y), p, clip=eps,
                                                            log_eps=eps)), y, p)),
        Convention("PyTorch BCELoss", "max(log p, -100), max(log1p(-p), -100)", *_values(
            lambda y, p: nn.BCELoss()(p, smooth(y)), y, p)),
    ]
    if z is not None:
        conv.append(Convention("PyTorch BCEWithLogitsLoss", "on the logits, no clip", *_values(
            lambda y, z: nn.BCEWithLogitsLoss()(z, smooth(y)), y, z)))
    else:
        conv.append(Convention("PyTorch BCEWithLogitsLoss", "n/a: p of 0 or 1 has no logit",
                               float("nan"), float("nan")))
    return conv


def _bce_notes(conv, y, p, clipped, clamped, eps):
    by = {c.name: c for c in conv}
    notes = []
    k3, tf2 = by["Keras 3"], by["tf.keras 2.x"]
    if tf2.float64 != k3.float64:
        terms = [formulas.binary_crossentropy(Tensor(y), Tensor(p), clip=eps, log_eps=e).numpy()
                 for e in (0.0, eps)]
        shift = np.abs(terms[1] - terms[0]).max()
        notes.append(
            f"tf.keras 2.x adds eps inside each log, log(p + eps) instead of log(p): here "
            f"that moves a term by up to {shift:.2e}, and the mean to {tf2.float64:.10g} "
            f"against Keras 3's {k3.float64:.10g} ({tf2.float64 - k3.float64:+.2e}). The same "
            "effect is why, in the TensorFlow/Keras BCE walkthrough of y = [0, 1, 0, 0], "
            "p = [0.1, 0.95, 0.2, 0.6], TensorFlow printed 0.32402188 where numpy printed "
            "0.32402202.")
    if clipped is not None and clipped.any():
        notes.append(
            f"Keras clips element(s) {_indices(clipped)} to [eps, 1 - eps]: each term is capped at "
            f"-log(eps) = {-np.log(eps):.6g} (float32's 1 - eps rounds to 0.99999988, so its "
            "upper cap is 15.942385), and those elements get no gradient.")
    if clamped is not None and clamped.any():
        notes.append(
            f"PyTorch clamps the log at -100 for element(s) {_indices(clamped)}: "
            "each term is capped at 100 instead of going to infinity.")
    text = by["textbook numpy"]
    if not np.isfinite(text.float64):
        notes.append("The textbook formula is not finite here: log(0) of a prediction of "
                     "exactly 0 or 1 (-inf, or 0 * -inf = NaN); the frameworks' clip and clamp "
                     "exist for this.")
    if all(np.isfinite([k3.float32, k3.float64])) and np.float32(k3.float64) != np.float32(
            k3.float32):
        notes.append(
            f"float32 and float64 differ ({_f32(k3.float32)} vs {k3.float64:.10g}): the "
            "inputs are rounded to float32 (0.1 is not exact in binary) and every operation "
            "rounds again.")
    return notes


def _bce(name, y, p_in, from_logits, opts):
    ls = opts["label_smoothing"]
    loss = losses.BinaryCrossentropy(from_logits=from_logits, label_smoothing=ls)
    value = float(loss(y, p_in).item())          # validates the inputs too
    parts = (_bce_logits if from_logits else _bce_probs)(y, p_in, loss, ls)
    return Explanation(loss=name, from_logits=from_logits, options=opts, y_true=y,
                       y_pred=p_in, value=value, **parts)


def _bce_table(y, ys, ls):
    table = {"y_true": y.reshape(-1)}
    if ls:
        table["y used"] = ys.numpy().reshape(-1)
    return table


def _bce_logits(y, z, loss, ls):
    """The parts of BCE's explanation from logits ``z``."""
    ys = _smooth_binary(Tensor(y), ls)
    lin, log_p = formulas.binary_crossentropy_logits_terms(ys, Tensor(z))
    per = (lin - log_p).numpy()
    table = _bce_table(y, ys, ls)
    table.update({"logit z": z.reshape(-1),
                  "p = sigmoid(z)": ops.sigmoid(Tensor(z)).numpy().reshape(-1),
                  "(1-y) z": lin.numpy().reshape(-1), "log sigmoid(z)": log_p.numpy().reshape(-1),
                  "loss_i": per.reshape(-1)})
    n = y.size
    steps = [("sum of (1-y) z", float(lin.numpy().sum()), ""),
             ("sum of log sigmoid(z)", float(log_p.numpy().sum()), "= sum log p"),
             ("first minus second", float(per.sum()), ""),
             ("mean = sum / N", float(per.sum() / n), f"N = {n}: the loss")]
    conv = _bce_logit_conventions(y, z, ls)
    notes = []
    if not np.isfinite(conv[0].float64):
        notes.append("The textbook route overflows or takes log(0) for large |z|; the "
                     "logits formulas never do.")
    if conv[4].float64 != conv[3].float64:
        notes.append("Through probabilities, sigmoid(z) rounds to 0 or 1 for large |z| and "
                     "PyTorch's clamp caps each term at 100: use the logits losses.")
    return dict(title="Binary cross-entropy of logits (Keras: binary_crossentropy("
                "from_logits=True); PyTorch: BCEWithLogitsLoss)", table=table, steps=steps,
                grad=_grad(lambda t: loss(y, t), z).reshape(-1),
                grad_formula="(sigmoid(z_i) - y_i) / N: finite for any z", grad_logits=None,
                grad_logits_formula=None, conventions=conv, clipped=None, clamped=None,
                notes=notes)


def _bce_logit_conventions(y, z, ls):
    """Conventions for BCE of logits z."""
    def smooth(t):
        return _smooth_binary(t, ls)

    return [
        Convention("textbook numpy", "p = 1/(1+exp(-z)), then the probability formula",
                   *_values(lambda y, z: _mean(formulas.binary_crossentropy(
                       smooth(y), 1.0 / (1.0 + ops.exp(-z)))), y, z)),
        Convention("Keras 3", "max(z,0) - z y + log(1 + exp(-|z|))", *_values(
            lambda y, z: losses.BinaryCrossentropy(from_logits=True, label_smoothing=ls)(
                y, z), y, z)),
        Convention("tf.keras 2.x", "sigmoid_cross_entropy_with_logits (the same)", *_values(
            lambda y, z: _mean(formulas.binary_crossentropy_logits(smooth(y), z)), y, z)),
        Convention("PyTorch BCEWithLogitsLoss", "(1-y) z - log sigmoid(z)", *_values(
            lambda y, z: nn.BCEWithLogitsLoss()(z, smooth(y)), y, z)),
        Convention("PyTorch BCELoss(sigmoid(z))", "sigmoid, then the -100 clamp", *_values(
            lambda y, z: nn.BCELoss()(ops.sigmoid(z), smooth(y)), y, z)),
    ]


def _bce_probs(y, p, loss, ls):
    """The parts of BCE's explanation from probabilities ``p``."""
    eps = losses.epsilon()
    ys = _smooth_binary(Tensor(y), ls)
    pt = Tensor(p)
    pos, neg = formulas.binary_crossentropy_terms(ys, pt, clip=eps)
    per = -(pos + neg).numpy()
    table = _bce_table(y, ys, ls)
    table.update({"y_pred": p.reshape(-1),
                  "p used (clipped)": ops.clip(pt, eps, 1 - eps).numpy().reshape(-1),
                  "y log p": pos.numpy().reshape(-1),
                  "(1-y) log(1-p)": neg.numpy().reshape(-1), "loss_i": per.reshape(-1)})
    s_pos, s_neg, n = float(pos.numpy().sum()), float(neg.numpy().sum()), y.size
    steps = [("sum of y log p", s_pos, "from the samples labelled 1"),
             ("sum of (1-y) log(1-p)", s_neg, "from the samples labelled 0"),
             ("sum of both", s_pos + s_neg, "logs of probabilities are <= 0"),
             ("times 1/N", (s_pos + s_neg) / n, f"N = {n}"),
             ("negated: the loss", -(s_pos + s_neg) / n, "a loss to minimise must be >= 0")]
    z = _logit(p)
    grad_logits = None if z is None else _grad(lambda t: losses.BinaryCrossentropy(
        from_logits=True, label_smoothing=ls)(y, t), z).reshape(-1)
    conv = _bce_conventions(y, p, z, ls)
    clipped = (p < eps) | (p > 1 - eps)
    with np.errstate(divide="ignore"):
        clamped = ((ys.numpy() > 0) & (np.log(p) < -100)) | (
            (ys.numpy() < 1) & (np.log1p(-p) < -100))
    return dict(title="Binary cross-entropy of probabilities (Keras: binary_crossentropy; "
                "PyTorch: BCELoss)", table=table, steps=steps,
                grad=_grad(lambda t: loss(y, t), p).reshape(-1),
                grad_formula="(p_i - y_i) / (N p_i (1 - p_i)), 0 where the clip is active",
                grad_logits=grad_logits, grad_logits_formula=None if z is None else
                "(p_i - y_i) / N, with z = log(p / (1 - p))", conventions=conv,
                clipped=clipped, clamped=clamped,
                notes=_bce_notes(conv, y, p, clipped.reshape(-1), clamped.reshape(-1), eps))


def _focal(name, y, x, from_logits, opts):
    gamma, balance, ls = opts["gamma"], opts["apply_class_balancing"], opts["label_smoothing"]
    kw = dict(gamma=gamma, alpha=opts["alpha"], apply_class_balancing=balance, label_smoothing=ls)
    loss = losses.BinaryFocalCrossentropy(from_logits=from_logits, **kw)
    value = float(loss(y, x).item())
    ys = _smooth_binary(Tensor(y), ls)
    p = ops.sigmoid(Tensor(x)) if from_logits else Tensor(x)
    factor = formulas.focal_factor(ys, p, gamma)
    bce = formulas.binary_crossentropy(ys, p, clip=losses.epsilon())
    per = factor * bce
    table = {"y_true": y.reshape(-1)}
    if from_logits:
        table["logit z"] = x.reshape(-1)
    table.update({"p": p.numpy().reshape(-1),
                  "p_t": (ys * p + (1.0 - ys) * (1.0 - p)).numpy().reshape(-1),
                  f"(1-p_t)^{gamma:g}": factor.numpy().reshape(-1),
                  "bce_i (clipped)": bce.numpy().reshape(-1)})
    if balance:
        weight = formulas.class_balance(ys, opts["alpha"])
        table["alpha_t"] = weight.numpy().reshape(-1)
        per = weight * per
    table["loss_i"] = per.numpy().reshape(-1)
    n, total = y.size, float(per.numpy().sum())
    steps = [("sum of loss_i", total, "each bce_i scaled down where p_t is high" if gamma > 0
              else "gamma = 0: each bce_i as it is"),
             ("mean = sum / N", total / n, f"N = {n}: the loss")]
    notes = []
    if not balance:
        notes.append("Keras uses alpha only with apply_class_balancing=True; torchvision "
                     "applies it whenever alpha >= 0, so compare Keras with alpha=-1.")
    notes.append("From probabilities Keras clips p to [eps, 1 - eps] inside the bce; "
                 "torchvision works on logits and has no clip.")
    return Explanation(name, f"Binary focal cross-entropy, gamma={gamma:g} (Keras: "
                       "binary_focal_crossentropy; torchvision: sigmoid_focal_loss)",
                       from_logits, opts, y, x, table, steps, value,
                       _grad(lambda t: loss(y, t), x).reshape(-1),
                       "d/dp of mean((1-p_t)^gamma bce) by the product rule (from backward())",
                       None, None, _focal_conventions(y, x, from_logits, kw), None, None, notes)


def _focal_conventions(y, x, from_logits, kw):
    """Conventions for focal BCE of ``x`` (logits when ``from_logits``)."""
    gamma, alpha, balance = kw["gamma"], kw["alpha"], kw["apply_class_balancing"]
    z = x if from_logits else _logit(x)

    def torchvision(y, z, a):
        return formulas.binary_crossentropy_logits(y, z) * formulas.focal_factor(
            y, ops.sigmoid(z), gamma) * (formulas.class_balance(y, a) if a >= 0 else 1.0)

    def textbook(y, x):
        q = ops.sigmoid(x) if from_logits else x
        return _mean(formulas.focal_factor(y, q, gamma) * formulas.binary_crossentropy(y, q) * (
            formulas.class_balance(y, alpha) if balance else 1.0))

    conv = [Convention("textbook numpy", "(1-p_t)^gamma * bce, no clip", *_values(textbook, y, x)),
            Convention("Keras 3", "clipped bce; alpha only with class balancing", *_values(
                lambda y, x: losses.BinaryFocalCrossentropy(from_logits=from_logits, **kw)(y, x),
                y, x))]
    if z is not None:
        conv += [Convention("torchvision sigmoid_focal_loss", f"on logits, alpha={alpha:g}",
                            *_values(lambda y, z: _mean(torchvision(y, z, alpha)), y, z)),
                 Convention("torchvision, alpha=-1", "on logits, no alpha", *_values(
                     lambda y, z: _mean(torchvision(y, z, -1.0)), y, z))]
    return conv


# ------------------------------------------------------------ categorical

def _cce(name, y, x, from_logits, opts):
    sparse = name == "sparse_categorical_crossentropy"
    if x.ndim != 2:
        raise ValueError(f"{name} explains a batch of class scores of shape (N, C), got "
                         f"shape {x.shape}")
    n, c = x.shape
    ls = opts.get("label_smoothing", 0.0)
    if sparse:
        loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        value = float(loss(y, x).item())
        onehot = formulas.one_hot(y.reshape(n).astype(np.int64), c, dtype=np.float64)
    else:
        loss = losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=ls)
        value = float(loss(y, x).item())
        onehot = y * (1 - ls) + ls / c if ls else y
    xt = Tensor(x)
    if from_logits:
        used = ops.softmax(xt, axis=-1).numpy()
    else:
        q = xt / ops.sum(xt, axis=-1, keepdims=True)
        used = ops.clip(q, losses.epsilon(), 1 - losses.epsilon()).numpy()
    # per sample, from the library's own functions
    per = (losses.sparse_categorical_crossentropy(y, x, from_logits=from_logits) if sparse
           else losses.categorical_crossentropy(y, x, from_logits=from_logits,
                                                label_smoothing=ls)).numpy()
    table = {"y_true": y.reshape(n, -1) if not sparse else y.reshape(n),
             "y_pred": x, ("softmax(z)" if from_logits else "p / sum(p), clipped"): used,
             "sum_c y log p": -per, "loss_i": per}
    steps = [("sum over samples of -sum_c y log p", float(per.sum()), ""),
             ("mean = sum / N", float(per.sum()) / n, f"N = {n} samples: the loss")]
    grad, gformula, glog, lformula = _cce_gradients(loss, y, x, onehot, ls, from_logits)
    eps = losses.epsilon()
    conv = _cce_conventions(onehot, x, from_logits)
    clipped = None if from_logits else ((used <= eps) | (used >= 1 - eps)) & (onehot > 0)
    notes = []
    if clipped is not None and clipped.any():
        notes.append(f"Keras clips the true-class probability of sample(s) "
                     f"{_indices(clipped.any(1))} at eps = {eps:g}.")
    if not from_logits and np.abs(x.sum(-1) - 1).max() > 1e-12:
        notes.append("The rows do not sum to 1: Keras renormalises them, the textbook "
                     "formula does not.")
    return Explanation(name, ("Sparse categorical" if sparse else "Categorical") +
                       " cross-entropy" + (" of logits" if from_logits else "") +
                       " (Keras: " + name + "; PyTorch: CrossEntropyLoss)", from_logits, opts,
                       y, x, table, steps, value, grad, gformula, glog, lformula, conv, clipped,
                       None, notes)


def _cce_gradients(loss, y, x, onehot, ls, from_logits):
    """d loss / d x and its formula; from probabilities, also d loss / d log p."""
    grad = _grad(lambda t: loss(y, t), x)
    if from_logits:
        return grad, "(softmax(z) - y) / N per row", None, None
    lz = np.log(np.clip(x, 1e-300, None))
    glog = _grad(lambda t: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=ls)(
        onehot, t), lz)
    return (grad, "-y/p_hat / N + sum(y) / (N sum(p)) per row: Keras renormalises p to sum "
            "to 1 first, which adds the second term", glog,
            "(softmax(z) - y) / N, with z = log p")


def _cce_conventions(onehot, x, from_logits):
    """Conventions for CCE of one-hot (or soft) targets and ``x``."""
    def textbook(y, p):
        return _mean(formulas.categorical_crossentropy(y, ops.softmax(p, -1) if from_logits
                                                       else p))

    def keras(y, p):
        return losses.CategoricalCrossentropy(from_logits=from_logits)(y, p)

    def torch_ce(y, p):
        z = p if from_logits else ops.log(p)
        return nn.CrossEntropyLoss()(z, y)

    conv = [Convention("textbook numpy", "-mean sum_c y log p, no clip", *_values(
                textbook, onehot, x)),
            Convention("Keras 3", "p / sum(p), clip to [eps, 1-eps]" if not from_logits
                       else "log_softmax(z)", *_values(keras, onehot, x)),
            Convention("tf.keras 2.x", "the same as Keras 3 for CCE", *_values(keras, onehot, x))]
    if from_logits or np.all(x > 0):
        conv.append(Convention("PyTorch CrossEntropyLoss", "log_softmax of " + (
            "z" if from_logits else "log p (= renormalised p)"), *_values(torch_ce, onehot, x)))
    return conv


# ------------------------------------------------------------- regression

def _regression(name, y, p, from_logits, opts):
    delta = opts.get("delta", 1.0)
    fn = {"mean_squared_error": (losses.MeanSquaredError(), nn.MSELoss(), formulas.squared_error,
                                 "(y - p)^2", "2 (p_i - y_i) / N"),
          "mean_absolute_error": (losses.MeanAbsoluteError(), nn.L1Loss(),
                                  formulas.absolute_error, "|y - p|",
                                  "sign(p_i - y_i) / N (0 where p_i = y_i)"),
          "huber": (losses.Huber(delta=delta), nn.HuberLoss(delta=delta),
                    lambda y, p: formulas.huber(y, p, delta),
                    f"0.5 e^2 if |e| <= {delta:g} else {delta:g} (|e| - {delta:g}/2)",
                    f"e_i / N if |e_i| <= {delta:g} else {delta:g} sign(e_i) / N")}[name]
    keras, torch, per_fn, rule, gformula = fn
    value = float(keras(y, p).item())
    per = per_fn(Tensor(y), Tensor(p)).numpy()
    table = {"y_true": y.reshape(-1), "y_pred": p.reshape(-1), "e = p - y": (p - y).reshape(-1),
             "loss_i": per.reshape(-1)}
    n = y.size
    steps = [("sum of loss_i", float(per.sum()), rule),
             ("mean = sum / N", float(per.sum()) / n, f"N = {n}: the loss")]
    grad = _grad(lambda t: keras(y, t), p).reshape(-1)
    conv = [Convention("textbook numpy", f"mean of {rule}", *_values(
                lambda y, p: _mean(per_fn(y, p)), y, p)),
            Convention("Keras 3", "mean over the last axis, then over the batch", *_values(
                lambda y, p: type(keras)(**({"delta": delta} if name == "huber" else {}))(y, p),
                y, p)),
            Convention("PyTorch", "mean over all elements", *_values(
                lambda y, p: torch(p, y), y, p))]
    return Explanation(name, {"mean_squared_error": "Mean squared error",
                              "mean_absolute_error": "Mean absolute error",
                              "huber": f"Huber loss, delta={delta:g}"}[name] +
                       " (Keras and PyTorch agree)", False, opts, y, p, table, steps, value,
                       grad, gformula, None, None, conv, None, None, [])


# -------------------------------------------------------- the name table

def _torch_bce(y, p, from_logits):
    return (nn.BCEWithLogitsLoss() if from_logits else nn.BCELoss())(p, Tensor(y))


def _torch_ce(y, p, from_logits):
    """CrossEntropyLoss takes logits: log p of probabilities (labels, or one-hot rows)."""
    labels = y.astype(np.int64) if y.ndim == 1 else y.argmax(-1)
    return nn.CrossEntropyLoss()(p if from_logits else ops.log(p), labels)


def _torch(cls):
    def loss(y, p, from_logits):
        return cls()(p, Tensor(y))
    return loss


_BCE_EXAMPLE = ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])        # the TensorFlow/Keras BCE walkthrough
_CCE_ROWS = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]  # Keras CCE

#: Every loss :func:`explain` knows, by Keras name (see :class:`LossInfo`).
LOSSES = {info.name: info for info in [
    LossInfo("binary_crossentropy", "bce", (), {"label_smoothing": 0.0}, _BCE_EXAMPLE,
             losses.BinaryCrossentropy, True, _torch_bce, _bce),
    LossInfo("categorical_crossentropy", "cce", (), {"label_smoothing": 0.0},
             ([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], _CCE_ROWS),
             losses.CategoricalCrossentropy, True, _torch_ce, _cce),
    LossInfo("sparse_categorical_crossentropy", "sparse_cce", ("scce",), {},
             ([0, 1, 3], _CCE_ROWS), losses.SparseCategoricalCrossentropy, True, _torch_ce, _cce),
    LossInfo("binary_focal_crossentropy", "focal", ("focal_bce",),
             {"gamma": 2.0, "alpha": 0.25, "apply_class_balancing": False, "label_smoothing": 0.0},
             _BCE_EXAMPLE, losses.BinaryFocalCrossentropy, True, None, _focal),
    LossInfo("mean_squared_error", "mse", (), {}, _BCE_EXAMPLE, losses.MeanSquaredError, False,
             _torch(nn.MSELoss), _regression),
    LossInfo("mean_absolute_error", "mae", (), {}, _BCE_EXAMPLE, losses.MeanAbsoluteError,
             False, _torch(nn.L1Loss), _regression),
    LossInfo("huber", "huber", (), {"delta": 1.0}, ([0, 1, 0, 0], [0.1, 2.95, 0.2, 0.6]),
             losses.Huber, False, _torch(nn.HuberLoss), _regression),
]}

#: Every accepted name (lower case) -> the Keras name.
ALIASES = {alias: info.name for info in LOSSES.values()
           for alias in (info.short, info.name, *info.aliases)}

#: The Keras name -> explain's options and their defaults.
OPTIONS = {name: info.options for name, info in LOSSES.items()}
