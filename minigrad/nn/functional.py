"""PyTorch-flavoured loss functions (``input, target``) and activations.

A thin face over :mod:`minigrad.formulas` with PyTorch's conventions: the
-100 clamp of BCELoss's logs, class ``weight`` and ``ignore_index`` with a
weighted mean, ``label_smoothing``, probability targets, ``pos_weight``,
``"batchmean"``.  Reductions: ``"mean"`` (default), ``"sum"``, ``"none"``.
Each loss is declared in :mod:`minigrad.lossdefs` (``binary_cross_entropy``
is in ``minigrad/lossdefs/binary.py``); this module takes every
PyTorch-flavoured function name from its registry.

Where minigrad differs from PyTorch on purpose: shapes must match exactly
(PyTorch broadcasts MSE/L1 arguments with a warning), a mean over nothing
(every target ignored, an empty batch; also ``"batchmean"``) raises
instead of returning NaN, an input with zero classes raises, BCE's gradient is
the derivative of its clamped forward (PyTorch's backward is
``(x - y) / max(x (1 - x), 1e-12)``; see the README), and BCE-with-logits
is differentiable with respect to ``weight`` and ``pos_weight`` (PyTorch 2
refuses them).  Weights that the loss is not differentiable in (BCELoss's
``weight``, NLL's and index-target cross-entropy's ``weight``) are refused,
as PyTorch does, when they require grad: never a silently wrong gradient.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops, random
from ..lossdefs import registry
from ..modes import no_grad
from ..ops import avg_pool2d, conv2d, max_pool2d, relu, sigmoid, tanh  # noqa: F401 (as torch's F)
from ..tensor import Tensor, coerce

globals().update(registry.TORCH_FUNCTIONS)

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "silu", "softplus",
               "hardtanh"]
LAYERS = ["conv2d", "max_pool2d", "avg_pool2d", "dropout", "batch_norm", "layer_norm",
          "embedding", "leaky_relu", "gelu"]

__all__ = [*registry.TORCH_FUNCTIONS, *ACTIVATIONS, *LAYERS]


def _dim(dim, axis, who):
    if dim is not None and axis is not None and dim != axis:
        raise TypeError(f"{who} takes dim (PyTorch) or axis (numpy), not both")
    return dim if dim is not None else (axis if axis is not None else -1)


def softmax(input, dim=None, *, axis=None):
    """``exp(x) / sum(exp(x))`` along ``dim`` (default: the last axis), as
    ``torch.nn.functional.softmax``; ``axis=`` is accepted too.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.softmax(mg.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5, 0.5]])
    """
    return ops.softmax(input, axis=_dim(dim, axis, "softmax"))


def log_softmax(input, dim=None, *, axis=None):
    """``x - logsumexp(x)`` along ``dim`` (default: the last axis), as
    ``torch.nn.functional.log_softmax``; ``axis=`` is accepted too.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.log_softmax(mg.tensor([0.0, 0.0]), dim=0)
    tensor([-0.6931472, -0.6931472])
    """
    return ops.log_softmax(input, axis=_dim(dim, axis, "log_softmax"))


def leaky_relu(input, negative_slope=0.01):
    """``x`` where ``x > 0``, else ``negative_slope * x`` (its gradient at 0
    is ``negative_slope``, as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.leaky_relu(mg.tensor([-2.0, 3.0]), 0.1)
    tensor([-0.2,  3. ])
    """
    x = coerce(input)
    return ops.where(x.data > 0, x, x * negative_slope)


def gelu(input, approximate="none"):
    """``x * Phi(x) = x/2 (1 + erf(x / sqrt(2)))`` (exact, the default), or
    PyTorch's ``approximate="tanh"`` form.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.gelu(mg.tensor([-1.0, 0.0, 1.0], dtype="float64"))
    tensor([-0.15865525,  0.        ,  0.84134475], dtype=float64)
    """
    x = coerce(input)
    if approximate == "none":
        return x * 0.5 * (1.0 + ops.erf(x * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + ops.tanh(inner))
    raise ValueError(f"gelu: approximate is 'none' or 'tanh', got {approximate!r}")


def elu(input, alpha=1.0):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)`` (composed: where,
    expm1); its gradient at 0 is ``alpha``, as PyTorch's.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.elu(mg.tensor([-1.0, 2.0], dtype=mg.float64))
    tensor([-0.63212056,  2.        ], dtype=float64)
    """
    x = coerce(input)
    pos = x.data > 0
    return ops.where(pos, x, alpha * ops.expm1(ops.where(pos, 0.0, x)))


def silu(input):
    """``x * sigmoid(x)`` (the swish), composed from sigmoid.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.silu(mg.tensor([0.0, 1.0], dtype=mg.float64))
    tensor([0.        , 0.73105858], dtype=float64)
    """
    x = coerce(input)
    return x * ops.sigmoid(x)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x >
    threshold``, as ``torch.nn.functional.softplus`` (composed from the
    stable softplus op).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.softplus(mg.tensor([0.0, 30.0], dtype=mg.float64))
    tensor([ 0.69314718, 30.        ], dtype=float64)
    """
    x = coerce(input)
    linear = x.data * beta > threshold
    return ops.where(linear, x, ops.softplus(ops.where(linear, 0.0, x) * beta) / beta)


def hardtanh(input, min_val=-1.0, max_val=1.0):
    """``x`` clipped to ``[min_val, max_val]``; the gradient passes strictly
    inside (0 on the boundaries, as PyTorch's hardtanh, unlike its clamp).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.hardtanh(mg.tensor([-2.0, 0.5, 3.0]))
    tensor([-1. ,  0.5,  1. ])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot exceed max_val ({max_val})")
    x = coerce(input)
    inside = (x.data > min_val) & (x.data < max_val)
    return ops.where(inside, x, np.clip(x.data, min_val, max_val))


def dropout(input, p=0.5, training=True, rng=None):
    """Zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` (inverted dropout); the identity when not ``training``.

    Parameters
    ----------
    rng : numpy.random.Generator or int, optional
        None draws from the default generator (:func:`minigrad.manual_seed`).

    Examples
    --------
    >>> import minigrad as mg
    >>> y = mg.nn.functional.dropout(mg.ones(1000), 0.5, rng=0)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> mg.nn.functional.dropout(mg.ones(2), 0.5, training=False)
    tensor([1., 1.])
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability must be in [0, 1], got {p!r}")
    x = coerce(input)
    if not training or p == 0:
        return x
    keep = random.uniform(rng, x.shape) >= p
    if p == 1:
        return x * np.zeros(x.shape, x.dtype)
    return x * (keep.astype(x.dtype) / x.dtype.type(1 - p))


def _channels(x, n, who):
    if x.ndim < 2 or x.shape[1] != n:
        raise ValueError(f"{who}: expected input of shape (N, {n}, ...), got {x.shape}")
    return (0, *range(2, x.ndim)), (1, n) + (1,) * (x.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over axis 1, as ``torch.nn.functional.batch_norm``.

    In ``training`` the batch's statistics normalise (biased variance) and the
    running statistics, if given, move towards them in place (the unbiased
    variance, ``momentum`` the new value's weight); otherwise the running
    statistics normalise.

    Examples
    --------
    >>> import minigrad as mg
    >>> rm, rv = mg.zeros(2), mg.ones(2)
    >>> y = mg.nn.functional.batch_norm(mg.tensor([[1.0, 2.0], [3.0, 6.0]]), rm, rv,
    ...                                 training=True)
    >>> y.numpy().round(3).tolist(), rm
    ([[-1.0, -1.0], [1.0, 1.0]], tensor([0.2, 0.4]))
    """
    x = coerce(input)
    n_feat = x.shape[1] if x.ndim > 1 else 0
    axes, shape = _channels(x, n_feat, "batch_norm")
    if training:
        count = x.numel() // n_feat
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {x.shape}")
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        with no_grad():
            for run, new in ((running_mean, mean.data), (running_var, var.data * count / (count - 1))):
                if run is not None:
                    run.data = (1 - momentum) * run.data + momentum * new.reshape(run.shape)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        mean, var = ((t.data if isinstance(t, Tensor) else np.asarray(t)).reshape(shape)
                     for t in (running_mean, running_var))
    y = (x - mean) * (1.0 / ops.sqrt(var + eps))
    if weight is not None:
        y = y * coerce(weight).reshape(shape)
    return y + coerce(bias).reshape(shape) if bias is not None else y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` axes (biased variance),
    as ``torch.nn.functional.layer_norm``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.functional.layer_norm(mg.tensor([[1.0, 3.0]]), (2,)).numpy().round(3).tolist()
    [[-1.0, 1.0]]
    """
    x = coerce(input)
    shape = (int(normalized_shape),) if np.ndim(normalized_shape) == 0 else \
        tuple(int(n) for n in normalized_shape)
    if not shape or x.shape[x.ndim - len(shape):] != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the input's trailing "
                         f"shape; the input has shape {x.shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) * (1.0 / ops.sqrt(var + eps))
    if weight is not None:
        y = y * weight
    return y + bias if bias is not None else y


def embedding(input, weight):
    """Rows of ``weight`` picked by the integer indices ``input`` (any shape):
    the result has shape ``input.shape + (embedding_dim,)``; the gradient
    adds up into the picked rows.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> w = mg.tensor([[0.0, 1.0], [2.0, 3.0]])
    >>> mg.nn.functional.embedding(np.array([1, 1, 0]), w)
    tensor([[2., 3.],
            [2., 3.],
            [0., 1.]])
    """
    idx = input.data if isinstance(input, Tensor) else np.asarray(input)
    w = coerce(weight)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding takes integer indices, got {idx.dtype}")
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-d (num_embeddings, dim), got {w.shape}")
    if idx.size:
        _indices_below(idx, w.shape[0])
    return w[idx]


def _indices_below(idx, n):
    """Raise unless every index is in ``[0, n)``."""
    if idx.min() < 0 or idx.max() >= n:
        raise IndexError(f"embedding: indices must be in [0, {n}), got values from "
                         f"{idx.min()} to {idx.max()}")
