"""Regression losses, declared once each: mean squared error, mean absolute
error, Huber (both faces, with their explanations), their smooth relatives
(log-cosh, smooth L1), the Poisson loss of counts (Keras's poisson, PyTorch's
PoissonNLLLoss) and the cosine similarity of vectors.

Each formula is in :mod:`minigrad.formulas`; the Keras functions average
over the last axis (one value per sample), the PyTorch functions return
each element or reduce.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _checks as checks
from .. import formulas, ops
from ..explanation import Elementwise, Explanation, convention, gradient, indices, mean
from ..tensor import Tensor
from . import keras_base as kb
from . import torch_base as tb
from .registry import Option, declare, torch_module

#: The example of the BCE walkthrough, used by the regression losses too.
EXAMPLE = ([0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])


def _elementwise(formula, y_true, y_pred, **options):
    """Keras: ``formula`` per element, averaged over the last axis."""
    y_true, y_pred = kb.prepare(y_true, y_pred)
    return kb.mean_over(formula(y_true, y_pred, **options), -1)


def _torch_elementwise(per_element, input, target, reduction):
    """PyTorch: ``per_element(input, target)``, reduced."""
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    input, target = tb.pair(input, target)
    return tb.reduce(per_element(input, target), reduction)


# ------------------------------------------------------- mean squared error

def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of ``(y_true - y_pred)**2``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])
    tensor([0.5])
    """
    return _elementwise(formulas.squared_error, y_true, y_pred)


class MeanSquaredError(kb.Loss):
    """Mean squared error, reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.MeanSquaredError()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]])
    tensor(0.5)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error, PyTorch's ``MSELoss``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.mse_loss(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 0.0]))
    tensor(2.)
    """
    return _torch_elementwise(formulas.squared_error, input, target, reduction)


class MSELoss(tb._Loss):
    """Mean squared error.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.MSELoss()(mg.tensor([1.0, 3.0]), mg.tensor([1.0, 1.0]))
    tensor(2.)
    """

    def __init__(self, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return mse_loss(input, target, self.reduction)


declare(keras=(mean_squared_error, MeanSquaredError), torch=(mse_loss, MSELoss),
        explain=dict(short="mse", aliases=(), example=EXAMPLE, logits=False,
                     torch=torch_module(MSELoss), build=Elementwise(
                         title="Mean squared error (Keras and PyTorch agree)", rule="(y - p)^2",
                         grad_formula="2 (p_i - y_i) / N", formula=formulas.squared_error,
                         keras=MeanSquaredError, torch=MSELoss)),
        gallery=("mean squared error", formulas.squared_error))


# ------------------------------------------------------ mean absolute error

def mean_absolute_error(y_true, y_pred):
    """Mean over the last axis of ``|y_true - y_pred|``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.mean_absolute_error([[0.0, 1.0]], [[1.0, 0.5]])
    tensor([0.75])
    """
    return _elementwise(formulas.absolute_error, y_true, y_pred)


class MeanAbsoluteError(kb.Loss):
    """Mean absolute error, reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 0.5]])
    tensor(0.75)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error, PyTorch's ``L1Loss``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.l1_loss(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 0.0]))
    tensor(1.)
    """
    return _torch_elementwise(formulas.absolute_error, input, target, reduction)


class L1Loss(tb._Loss):
    """Mean absolute error.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.L1Loss(reduction="sum")(mg.tensor([1.0, 3.0]), mg.tensor([1.0, 1.0]))
    tensor(2.)
    """

    def __init__(self, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return l1_loss(input, target, self.reduction)


declare(keras=(mean_absolute_error, MeanAbsoluteError), torch=(l1_loss, L1Loss),
        explain=dict(short="mae", aliases=(), example=EXAMPLE, logits=False,
                     torch=torch_module(L1Loss), build=Elementwise(
                         title="Mean absolute error (Keras and PyTorch agree)", rule="|y - p|",
                         grad_formula="sign(p_i - y_i) / N (0 where p_i = y_i)",
                         formula=formulas.absolute_error, keras=MeanAbsoluteError,
                         torch=L1Loss)),
        gallery=("mean absolute error", formulas.absolute_error))


# -------------------------------------------------------------------- Huber

def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of the Huber loss: ``0.5 e**2`` for
    ``|e| <= delta``, else ``delta |e| - 0.5 delta**2`` (``e = y_pred - y_true``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.huber([[0.0, 0.0]], [[0.5, 3.0]])
    tensor([1.3125])
    """
    delta = checks.positive_number(delta, "delta")
    return _elementwise(formulas.huber, y_true, y_pred, delta=delta)


class Huber(kb.Loss):
    """Huber loss (see :func:`huber`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.Huber(delta=1.0)([[0.0, 0.0]], [[0.5, 3.0]])
    tensor(1.3125)
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.delta = delta

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss, PyTorch's ``HuberLoss``: ``0.5 e**2`` for ``|e| < delta``,
    else ``delta (|e| - 0.5 delta)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.huber_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    delta = checks.positive_number(delta, "delta")
    return _torch_elementwise(lambda x, t: formulas.huber(t, x, delta), input, target,
                              reduction)


class HuberLoss(tb._Loss):
    """Huber loss with threshold ``delta``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.HuberLoss(delta=2.0)(mg.tensor([3.0]), mg.tensor([0.0]))
    tensor(4.)
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction, delta=delta)

    def forward(self, input, target):
        return huber_loss(input, target, self.reduction, self.delta)


DELTA = Option("delta", 1.0, low=0, low_open=True, help="the threshold, > 0 (default 1)")

declare(keras=(huber, Huber), torch=(huber_loss, HuberLoss),
        explain=dict(short="huber", aliases=(), options=(DELTA,),
                     example=([0, 1, 0, 0], [0.1, 2.95, 0.2, 0.6]), logits=False,
                     torch=torch_module(HuberLoss), build=Elementwise(
                         title="Huber loss, delta={delta:g} (Keras and PyTorch agree)",
                         rule="0.5 e^2 if |e| <= {delta:g} else {delta:g} (|e| - {delta:g}/2)",
                         grad_formula="e_i / N if |e_i| <= {delta:g} else {delta:g} sign(e_i) / N",
                         formula=formulas.huber, keras=Huber, torch=HuberLoss)),
        gallery=("Huber, delta = 0.5", lambda y, q: formulas.huber(y, q, 0.5)))


# ----------------------------------------------------------------- log-cosh

def log_cosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``, computed
    stably as ``e + softplus(-2 e) - log 2``: about ``e**2 / 2`` for small
    errors and ``|e| - log 2`` for large ones.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    tensor([0.2168904, 0.       ])
    """
    return _elementwise(formulas.log_cosh, y_true, y_pred)


class LogCosh(kb.Loss):
    """Log-cosh loss (see :func:`log_cosh`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.LogCosh()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]])
    tensor(0.1084452)
    """

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return log_cosh(y_true, y_pred)


def _naive_log_cosh(y, p):
    e = p - y
    return mean(ops.log((ops.exp(e) + ops.exp(-e)) / 2.0))


declare(keras=(log_cosh, LogCosh),
        explain=dict(short="log_cosh", aliases=("logcosh",),
                     example=([0, 1, 0, 0], [0.1, 2.95, 0.2, -100.0]), logits=False, torch=None,
                     build=Elementwise(
                         title="Log-cosh loss (Keras: log_cosh; PyTorch has none)",
                         rule="log(cosh(e)) = e + softplus(-2e) - log 2",
                         grad_formula="tanh(e_i) / N", formula=formulas.log_cosh, keras=LogCosh,
                         extra=(("naive numpy", "log((exp(e) + exp(-e)) / 2): overflows for "
                                 "|e| > 89 (float32), 710 (float64)", _naive_log_cosh),))))


# ---------------------------------------------------------------- smooth L1

def _beta(beta):
    """PyTorch's ``beta``: a number >= 0 (0 gives the L1 loss)."""
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and beta <= 0:
        if beta < 0:
            raise ValueError(f"beta must be >= 0 (0 gives the L1 loss), got {beta}")
        return 0.0
    return checks.positive_number(beta, "beta")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Smooth L1 loss, PyTorch's ``SmoothL1Loss``: ``0.5 e**2 / beta`` for
    ``|e| < beta``, else ``|e| - 0.5 beta``; the L1 loss for ``beta = 0``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.smooth_l1_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    beta = _beta(beta)
    return _torch_elementwise(lambda x, t: formulas.smooth_l1(t, x, beta), input, target,
                              reduction)


class SmoothL1Loss(tb._Loss):
    """Smooth L1 loss with threshold ``beta`` (Huber's, divided by beta).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.SmoothL1Loss(beta=2.0)(mg.tensor([3.0]), mg.tensor([0.0]))
    tensor(2.)
    """

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction, beta=beta)

    def forward(self, input, target):
        return smooth_l1_loss(input, target, self.reduction, self.beta)


declare(torch=(smooth_l1_loss, SmoothL1Loss))


# ------------------------------------------------------------------ Poisson

def _rates(x, name, hint):
    """Refuse negative rates (their log is NaN)."""
    if np.size(x) and np.nanmin(x.data) < 0:
        raise ValueError(f"{name} holds negative rates (min {np.nanmin(x.data):.6g}): a "
                         f"Poisson rate is >= 0; {hint}")


def poisson(y_true, y_pred):
    """Mean over the last axis of ``y_pred - y_true log(y_pred + eps)``: the
    Poisson negative log-likelihood of counts at rates y_pred (less the
    constant ``log(y_true!)``), eps = :func:`epsilon`.

    A negative rate raises a ValueError (Keras returns NaN).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.poisson([[0.0, 2.0]], [[1.0, 2.0]])
    tensor([0.8068528])
    """
    y_true, y_pred = kb.prepare(y_true, y_pred)
    _rates(y_pred, "y_pred", "pass exp or softplus of a model's output")
    per = formulas.poisson_nll(y_true, y_pred, log_input=False, eps=kb.epsilon())
    return kb.mean_over(per, -1)


class Poisson(kb.Loss):
    """Poisson loss (see :func:`poisson`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.Poisson()([[0.0, 2.0], [1.0, 1.0]], [[1.0, 2.0], [1.0, 1.0]])
    tensor(0.90342635)
    """

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)

    def call(self, y_true, y_pred):
        return poisson(y_true, y_pred)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """Poisson negative log-likelihood, PyTorch's ``PoissonNLLLoss``.

    ``exp(input) - target input`` for log-rates (``log_input``), else
    ``input - target log(input + eps)``; ``full`` adds the Stirling term
    ``target log target - target + log(2 pi target) / 2`` where target > 1.
    With ``log_input=False`` a negative rate raises (PyTorch returns NaN).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.poisson_nll_loss(mg.tensor([0.0, 1.0]), mg.tensor([0.0, 2.0]))
    tensor(0.859141)
    """
    reduction = checks.reduction(reduction, tb.REDUCTIONS)
    eps = checks.positive_number(eps, "eps")
    input, target = tb.pair(input, target)
    if not log_input:
        _rates(input, "input", "pass log_input=True if these are log-rates")
    return tb.reduce(formulas.poisson_nll(target, input, log_input, eps, full), reduction)


class PoissonNLLLoss(tb._Loss):
    """Poisson negative log-likelihood of counts ``target`` at rates ``input``
    (log-rates with ``log_input``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.PoissonNLLLoss(log_input=False)(mg.tensor([1.0, 2.0]), mg.tensor([0.0, 2.0]))
    tensor(0.8068528)
    """

    def __init__(self, log_input=True, full=False, eps=1e-8, reduction="mean"):
        super().__init__(reduction, log_input=log_input, full=full, eps=eps)

    def forward(self, input, target):
        return poisson_nll_loss(input, target, self.log_input, self.full, self.eps,
                                self.reduction)


def _keras_poisson(y, p):
    return formulas.poisson_nll(y, p, log_input=False, eps=kb.epsilon())


def _torch_poisson(y, p, from_logits):
    return PoissonNLLLoss(log_input=False)(p, Tensor(y))


declare(keras=(poisson, Poisson), torch=(poisson_nll_loss, PoissonNLLLoss),
        explain=dict(short="poisson", aliases=(), example=([0, 1, 2, 4], [0.5, 1.2, 1.8, 3.0]),
                     logits=False, torch=_torch_poisson, build=Elementwise(
                         title="Poisson loss of counts (Keras: poisson; PyTorch: "
                         "PoissonNLLLoss(log_input=False))", rule="p - y log(p + eps)",
                         grad_formula="(1 - y_i / (p_i + eps)) / N", formula=_keras_poisson,
                         keras=Poisson, torch=lambda: PoissonNLLLoss(log_input=False),
                         torch_name="PyTorch PoissonNLLLoss", torch_rule="log_input=False: "
                         "eps = 1e-8 in the log, not 1e-7",
                         extra=(("PyTorch, full=True", "+ y log y - y + log(2 pi y)/2 where "
                                 "y > 1", lambda y, p: PoissonNLLLoss(log_input=False,
                                                                      full=True)(p, y)),
                                ("no eps", "p - y log p (not finite where p = 0)", lambda y, p: mean(
                                    formulas.poisson_nll(y, p, log_input=False, eps=0.0)))),
                         columns=(("log(p + eps)", lambda y, p: np.log(p + kb.epsilon())),))))


# -------------------------------------------------------- cosine similarity

def cosine_similarity(y_true, y_pred, axis=-1):
    """The negative cosine similarity of y_true and y_pred along ``axis``
    (Keras's loss: -1 for the same direction, 0 for orthogonal vectors or a
    zero vector, 1 for opposite ones).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
    ...                             [[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]])
    tensor([-0.        , -0.99999994,  0.99999994])
    """
    y_true, y_pred = kb.prepare(y_true, y_pred)
    if y_pred.ndim == 0:
        raise ValueError("cosine_similarity compares vectors: y_pred needs an axis")
    return -formulas.cosine_similarity(y_true, y_pred, axis=axis, eps=kb.epsilon())


class CosineSimilarity(kb.Loss):
    """Negative cosine similarity (see :func:`cosine_similarity`), reduced.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.losses.CosineSimilarity()([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    tensor(-0.49999997)
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)
        self.axis = axis

    def call(self, y_true, y_pred):
        return cosine_similarity(y_true, y_pred, self.axis)


def _rows(a):
    """``a`` as rows of vectors (a 1-D array is one vector)."""
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)


def explain_cosine(name, y, p, from_logits, opts):
    """The :class:`Explanation` of Keras's cosine similarity loss, per sample."""
    loss = CosineSimilarity()
    value = float(loss(y, p).item())              # validates the inputs too
    Y, P = _rows(y), _rows(p)
    eps = kb.epsilon()
    cos = formulas.cosine_similarity(Tensor(Y), Tensor(P), eps=eps).numpy()
    norms = {"|y|": np.linalg.norm(Y, axis=1), "|p|": np.linalg.norm(P, axis=1)}
    table = {"y_true": Y, "y_pred": P, **norms, "cos": cos, "loss_i = -cos": -cos}
    s = len(Y)
    steps = [("sum of loss_i", float(-cos.sum()), "-cos(y, p) per sample"),
             ("mean = sum / S", float(-cos.sum()) / s, f"S = {s} sample{'s' * (s != 1)}: the loss")]
    def textbook(y, p):
        norms = ops.sqrt(ops.sum(y * y, axis=-1) * ops.sum(p * p, axis=-1))
        return -mean(ops.sum(y * p, axis=-1) / norms)

    conv = [convention("textbook numpy", "-mean of y.p / (|y| |p|)", textbook, Y, P),
            convention("Keras 3", f"each scaled by min(1/|x|, 1/eps), eps={eps:g}",
                       lambda y, p: CosineSimilarity()(y, p), Y, P)]
    short = (norms["|y|"] < eps) | (norms["|p|"] < eps)
    notes = [] if not short.any() else [
        f"Sample(s) {indices(short)} have a vector shorter than eps: Keras scales it by 1/eps "
        "instead of 1/|x|, so a zero vector has cosine 0 (loss 0), where the textbook formula "
        "divides 0 by 0."]
    return Explanation(
        loss=name, title="Cosine similarity loss, -cos(y, p) per sample (Keras: cosine_similarity)",
        from_logits=False, options=opts, y_true=y, y_pred=p, table=table, steps=steps,
        value=value, grad=gradient(lambda t: loss(y, t), p).reshape(s, -1),
        grad_formula="-(y_hat - cos p_hat) / (S |p|) per sample, with x_hat = x / |x|",
        grad_logits=None, grad_logits_formula=None, conventions=conv, clipped=None,
        clamped=None, notes=notes, per_sample=True)


declare(keras=(cosine_similarity, CosineSimilarity),
        explain=dict(short="cosine_similarity", aliases=("cosine",),
                     example=([0.0, 1.0, 1.0], [0.5, 1.0, 0.0]), logits=False, torch=None,
                     build=explain_cosine))
