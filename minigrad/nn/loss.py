"""PyTorch-flavoured loss modules: each calls its function in
:mod:`minigrad.nn.functional` with the options given at construction."""
from __future__ import annotations

from .. import _checks as checks
from . import functional as F
from .module import Module


class _Loss(Module):
    _fn = None
    _reductions = ("mean", "sum", "none")

    def __init__(self, reduction="mean", **options):
        super().__init__()
        self.reduction = checks.reduction(reduction, self._reductions)
        self._options = options
        for k, v in options.items():
            setattr(self, k, v)

    def forward(self, input, target):
        return type(self)._fn(input, target, reduction=self.reduction, **self._options)

    def extra_repr(self):
        opts = "".join(f", {k}={v!r}" for k, v in self._options.items() if v is not None)
        return f"reduction={self.reduction!r}{opts}"


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (PyTorch's -100 clamp).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.BCELoss()(mg.tensor([0.9, 0.2]), mg.tensor([1.0, 0.0]))
    tensor(0.16425206)
    """

    _fn = staticmethod(F.binary_cross_entropy)

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction, weight=weight)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of logits, with ``pos_weight``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.BCEWithLogitsLoss(pos_weight=mg.tensor([2.0]))(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor(1.3862944)
    """

    _fn = staticmethod(F.binary_cross_entropy_with_logits)

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction, weight=weight, pos_weight=pos_weight)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits for class indices or probabilities.

    Examples
    --------
    >>> import minigrad as mg
    >>> loss = mg.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss(mg.tensor([[2.0, 0.0, 0.0]]), [0])
    tensor(0.37287816)
    """

    _fn = staticmethod(F.cross_entropy)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        checks.label_smoothing(label_smoothing)
        super().__init__(reduction, weight=weight, ignore_index=ignore_index,
                         label_smoothing=label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices, given log-probabilities.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.NLLLoss()(mg.tensor([[-0.1, -2.4]]), [0])
    tensor(0.1)
    """

    _fn = staticmethod(F.nll_loss)

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction, weight=weight, ignore_index=ignore_index)


class MSELoss(_Loss):
    """Mean squared error.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.MSELoss()(mg.tensor([1.0, 3.0]), mg.tensor([1.0, 1.0]))
    tensor(2.)
    """

    _fn = staticmethod(F.mse_loss)


class L1Loss(_Loss):
    """Mean absolute error.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.L1Loss(reduction="sum")(mg.tensor([1.0, 3.0]), mg.tensor([1.0, 1.0]))
    tensor(2.)
    """

    _fn = staticmethod(F.l1_loss)


class HuberLoss(_Loss):
    """Huber loss with threshold ``delta``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.HuberLoss(delta=2.0)(mg.tensor([3.0]), mg.tensor([0.0]))
    tensor(4.)
    """

    _fn = staticmethod(F.huber_loss)

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction, delta=delta)


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities ``input`` from ``target``;
    ``reduction="batchmean"`` gives the true KL per sample.

    Examples
    --------
    >>> import minigrad as mg
    >>> logq = mg.log(mg.tensor([[0.25, 0.75]], dtype="float64"))
    >>> mg.nn.KLDivLoss(reduction="batchmean")(logq, mg.tensor([[0.5, 0.5]], dtype="float64")).item()
    0.14384103622589045
    """

    _fn = staticmethod(F.kl_div)
    _reductions = ("mean", "sum", "none", "batchmean")

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction, log_target=log_target)
