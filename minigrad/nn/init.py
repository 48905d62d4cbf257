"""Initialisations that fill a tensor in place, as ``torch.nn.init``.

Each takes ``rng=`` (a numpy Generator or an int seed; None draws from the
default generator, see :func:`minigrad.manual_seed`), writes under
:class:`minigrad.no_grad` with ``copy_`` and returns the tensor.  Fans are
PyTorch's: ``fan_in = size(1) * receptive field``, ``fan_out = size(0) *
receptive field``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import random
from ..modes import no_grad

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


def calculate_gain(nonlinearity, param=None):
    """PyTorch's recommended gain for a nonlinearity.

    Examples
    --------
    >>> from minigrad.nn import init
    >>> init.calculate_gain("relu") == 2 ** 0.5, init.calculate_gain("tanh")
    (True, 1.6666666666666667)
    """
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor):
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got "
                         f"shape {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor, values):
    with no_grad():
        tensor.copy_(np.asarray(values, dtype=tensor.dtype))
    return tensor


def uniform_(tensor, a=0.0, b=1.0, rng=None):
    """Fill with draws from U(a, b).

    Examples
    --------
    >>> import minigrad as mg
    >>> t = mg.nn.init.uniform_(mg.zeros(1000), -2, 2, rng=0)
    >>> bool(t.numpy().min() >= -2 and t.numpy().max() < 2)
    True
    """
    return _fill(tensor, random.generator(rng).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, rng=None):
    """Fill with draws from N(mean, std**2).

    Examples
    --------
    >>> import minigrad as mg
    >>> t = mg.nn.init.normal_(mg.zeros(10000), 3.0, 0.5, rng=0)
    >>> round(float(t.numpy().mean()), 1), round(float(t.numpy().std()), 1)
    (3.0, 0.5)
    """
    return _fill(tensor, random.generator(rng).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    """Fill with ``val``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.init.constant_(mg.zeros(2), 0.5)
    tensor([0.5, 0.5])
    """
    return _fill(tensor, np.full(tensor.shape, val))


def zeros_(tensor):
    """Fill with zeros.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.init.zeros_(mg.ones(2))
    tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with ones.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.init.ones_(mg.zeros(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, rng=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.nn.init.xavier_uniform_(mg.zeros(30, 20), rng=0)
    >>> bool(abs(w.numpy()).max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _fans(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, rng)


def xavier_normal_(tensor, gain=1.0, rng=None):
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot).

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.nn.init.xavier_normal_(mg.zeros(300, 200), rng=0)
    >>> round(float(w.numpy().std()) / (2 / 500) ** 0.5, 2)
    1.0
    """
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), rng)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode is 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He); ``a`` is leaky_relu's slope.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.nn.init.kaiming_uniform_(mg.zeros(64, 32), nonlinearity="relu", rng=0)
    >>> bool(abs(w.numpy()).max() <= (6 / 32) ** 0.5)
    True
    """
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", rng=None):
    """N(0, std**2) with std = gain / sqrt(fan) (He); ``a`` is leaky_relu's slope.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.nn.init.kaiming_normal_(mg.zeros(400, 300), nonlinearity="relu", rng=0)
    >>> round(float(w.numpy().std()) / (2 / 300) ** 0.5, 2)
    1.0
    """
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), rng)
