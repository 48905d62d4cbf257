"""What every PyTorch-flavoured loss shares: the reductions, the argument
checks and the :class:`_Loss` module base (as ``torch.nn.modules.loss._Loss``).

The losses themselves are declared in the family modules of
:mod:`minigrad.lossdefs`; :mod:`minigrad.nn` and :mod:`minigrad.nn.functional`
are the faces users import.
"""
from __future__ import annotations

from .. import _checks as checks
from .. import ops
from ..nn.module import Module

REDUCTIONS = ("mean", "sum", "none")
LOGITS_HINT = ("use binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss) if these are "
               "logits")
ORDER = "mg.nn losses take (input, target): the predicted probabilities first, the labels second"


def mean_over(total, divisor, what,
              why="every target equals ignore_index, or their weights sum to 0"):
    """``total / divisor``; a mean over nothing raises (PyTorch returns NaN)."""
    _nonzero_divisor(divisor, what, why)
    return total / divisor


def _nonzero_divisor(divisor, what, why):
    if divisor == 0:
        raise ValueError(f"the mean is over zero {what} ({why}); PyTorch returns NaN here. "
                         "Use reduction='sum' or skip the batch")


def reduce(loss, reduction):
    """PyTorch's ``"mean"`` (over every element), ``"sum"`` or ``"none"``."""
    if reduction == "mean":
        return mean_over(ops.sum(loss), loss.numel(), "elements", "the input is empty")
    if reduction == "sum":
        return ops.sum(loss)
    return loss


def pair(input, target):
    """``input`` as a float Tensor and ``target`` in its dtype; their shapes must match."""
    input = checks.float_tensor(input, "input")
    target = checks.float_tensor(target, "target", dtype=input.dtype)
    checks.same_shape(input, target, "input", "target")
    return input, target


class _Loss(Module):
    """Base of the PyTorch-flavoured loss modules: keeps the reduction (checked
    against ``_reductions``) and each option as an attribute; the subclass's
    ``forward`` calls its function with them."""

    _reductions = REDUCTIONS

    def __init__(self, reduction="mean", **options):
        super().__init__()
        self.reduction = checks.reduction(reduction, self._reductions)
        self._options = options
        for k, v in options.items():
            setattr(self, k, v)

    def extra_repr(self):
        opts = "".join(f", {k}={v!r}" for k, v in self._options.items() if v is not None)
        return f"reduction={self.reduction!r}{opts}"
