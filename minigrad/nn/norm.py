"""Normalisation layers: BatchNorm1d, BatchNorm2d and LayerNorm."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, get_default_dtype
from . import functional as F
from .module import Module, Parameter


class _BatchNorm(Module):
    """Batch normalisation over every axis but the channels (axis 1); the
    subclasses say which input ranks they take (``_RANKS``)."""

    _RANKS = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, bias=True):
        super().__init__()
        if num_features <= 0:
            raise ValueError(f"{type(self).__name__} needs a positive num_features, got "
                             f"{num_features}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.has_bias = self.affine and bool(bias)
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine and bias else None
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, np.int64)))

    def forward(self, x):
        if getattr(x, "ndim", 0) not in self._RANKS:
            ranks = " or ".join(f"{r}D" for r in self._RANKS)
            raise ValueError(f"{type(self).__name__} expected {ranks} input (got input of "
                             f"shape {getattr(x, 'shape', None)})")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expected input of "
                             f"shape (N, {self.num_features}, ...), got {x.shape}")
        use_batch = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data = self.num_batches_tracked.data + 1
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.data)
        return F.batch_norm(x, getattr(self, "running_mean", None),
                            getattr(self, "running_var", None), self.weight, self.bias,
                            use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.has_bias}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, as PyTorch's.

    Training normalises with the batch's statistics and updates the buffers
    ``running_mean`` and ``running_var`` (unbiased) with ``momentum`` (None:
    a cumulative average), counting ``num_batches_tracked``; evaluation
    normalises with the running statistics.  ``weight`` starts at ones and
    ``bias`` at zeros.

    Examples
    --------
    >>> import minigrad as mg
    >>> bn = mg.nn.BatchNorm1d(2)
    >>> _ = bn(mg.tensor([[1.0, 2.0], [3.0, 6.0]]))
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    >>> bn.running_mean, bn.num_batches_tracked
    (tensor([0.2, 0.4]), tensor(1, dtype=int64))
    """

    _RANKS = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images over N, H and W per
    channel, as PyTorch's; running statistics, ``momentum``, ``eps``,
    ``affine`` and ``track_running_stats`` as :class:`BatchNorm1d`.

    Examples
    --------
    >>> import minigrad as mg
    >>> bn = mg.nn.BatchNorm2d(3)
    >>> bn(mg.randn(4, 3, 5, 5)).shape, bn.running_var.shape
    ((4, 3, 5, 5), (3,))
    """

    _RANKS = (4,)


class LayerNorm(Module):
    """Normalisation over the trailing ``normalized_shape`` axes, with a
    learned elementwise ``weight`` (ones) and ``bias`` (zeros).

    Examples
    --------
    >>> import minigrad as mg
    >>> ln = mg.nn.LayerNorm(4)
    >>> ln(mg.randn(2, 3, 4)).shape, [n for n, _ in ln.named_parameters()]
    ((2, 3, 4), ['weight', 'bias'])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if np.ndim(normalized_shape) == 0 else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = float(eps), bool(elementwise_affine)
        dtype = dtype or get_default_dtype()
        affine = self.elementwise_affine
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if affine and bias \
            else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
