"""Layers: Linear, Sequential and the activation modules."""
from __future__ import annotations

import math

import numpy as np

from .. import ops, random
from ..tensor import coerce, get_default_dtype
from .module import Module, Parameter


def _generator(rng):
    return random.generator(rng)      # None: the default generator (mg.manual_seed)


class Linear(Module):
    """``y = x @ weight.T + bias``, initialised as PyTorch does.

    ``weight`` (out_features, in_features) and ``bias`` (out_features,) are
    drawn from U(-k, k) with k = 1/sqrt(in_features) (PyTorch's
    ``kaiming_uniform_(a=sqrt(5))`` and its bias rule).

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    rng : numpy.random.Generator or int, optional
        For a reproducible initialisation; None draws from the default
        generator (see :func:`minigrad.manual_seed`).
    dtype : dtype-like, optional
        Default: the default dtype (float32).

    Examples
    --------
    >>> import minigrad as mg
    >>> layer = mg.nn.Linear(3, 2, rng=0)
    >>> layer(mg.ones(4, 3)).shape
    (4, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=None):
        super().__init__()
        if in_features <= 0 or out_features <= 0:
            raise ValueError(f"Linear needs positive sizes, got {in_features} -> {out_features}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = _generator(rng)
        dtype = dtype or get_default_dtype()
        k = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(gen.uniform(-k, k, (out_features, in_features)).astype(dtype))
        self.bias = Parameter(gen.uniform(-k, k, out_features).astype(dtype)) if bias else None

    def forward(self, x):
        x = coerce(x)
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) got input with "
                             f"last axis {x.shape[-1]}; it needs {self.in_features}")
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied in order.

    Examples
    --------
    >>> import minigrad as mg
    >>> net = mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0), mg.nn.Tanh(), mg.nn.Linear(4, 1, rng=1))
    >>> net(mg.ones(5, 2)).shape
    (5, 1)
    >>> len(net), type(net[1]).__name__
    (3, 'Tanh')
    """

    def __init__(self, *modules):
        super().__init__()
        for m in modules:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules, got a {type(m).__name__}")
        self.layers = list(modules)

    def forward(self, x):
        for m in self.layers:
            x = m(x)
        return x

    def named_children(self):
        for i, m in enumerate(self.layers):
            yield str(i), m

    def _members(self):
        return self.named_children()

    def __getitem__(self, i):
        return Sequential(*self.layers[i]) if isinstance(i, slice) else self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


class ReLU(Module):
    """``max(x, 0)`` as a module.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.ReLU()(mg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def forward(self, x):
        return ops.relu(x)


class Tanh(Module):
    """``tanh(x)`` as a module.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Tanh()(mg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x):
        return ops.tanh(x)


class Sigmoid(Module):
    """``sigmoid(x)`` as a module.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Sigmoid()(mg.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x):
        return ops.sigmoid(x)
