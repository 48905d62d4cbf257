"""Convolution and pooling layers over (N, C, H, W) images."""
from __future__ import annotations

import math

from .. import ops, random
from ..ops.conv import _pair
from ..tensor import get_default_dtype
from .module import Module, Parameter


class Conv2d(Module):
    """2-d convolution (cross-correlation), initialised as PyTorch does.

    ``weight`` (out_channels, in_channels, kH, kW) and ``bias``
    (out_channels,) are drawn from U(-k, k) with
    k = 1/sqrt(in_channels * kH * kW) (PyTorch's ``kaiming_uniform_(a=sqrt(5))``
    and its bias rule).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size, stride, padding : int or pair of ints
    bias : bool
    rng : numpy.random.Generator or int, optional
        None draws from the default generator (:func:`minigrad.manual_seed`).
    dtype : dtype-like, optional
        Default: the default dtype (float32).

    Examples
    --------
    >>> import minigrad as mg
    >>> conv = mg.nn.Conv2d(3, 8, 3, stride=2, padding=1, rng=0)
    >>> conv(mg.ones(2, 3, 32, 32)).shape
    (2, 8, 16, 16)
    >>> conv
    Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rng=None, dtype=None):
        super().__init__()
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(f"Conv2d needs positive channel counts, got {in_channels} -> "
                             f"{out_channels}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding")
        if min(self.kernel_size) < 1 or min(self.stride) < 1 or min(self.padding) < 0:
            raise ValueError(f"Conv2d: kernel_size and stride must be positive, padding "
                             f"non-negative; got {kernel_size}, {stride}, {padding}")
        gen, dtype = random.generator(rng), dtype or get_default_dtype()
        k = 1.0 / math.sqrt(in_channels * self.kernel_size[0] * self.kernel_size[1])
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(gen.uniform(-k, k, shape).astype(dtype))
        self.bias = Parameter(gen.uniform(-k, k, out_channels).astype(dtype)) if bias else None

    def forward(self, x):
        return ops.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        return s + ("" if self.bias is not None else ", bias=False")


class MaxPool2d(Module):
    """The maximum of each window (``stride`` defaults to ``kernel_size``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.MaxPool2d(2)(mg.ones(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x):
        return ops.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}"


class AvgPool2d(Module):
    """The mean of each window (``stride`` defaults to ``kernel_size``; zero
    padding counts in the mean, PyTorch's default).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.AvgPool2d(2)(mg.ones(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return ops.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride or self.kernel_size}, "
                f"padding={self.padding}")
