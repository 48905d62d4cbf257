"""Layers: Linear, Sequential, Flatten, Unflatten, Identity, Dropout, Embedding and the
activation modules."""
from __future__ import annotations

import math

import numpy as np

from .. import ops, random
from ..tensor import coerce, get_default_dtype
from . import functional as F
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


class LeakyReLU(Module):
    """``x`` where positive, else ``negative_slope * x``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.LeakyReLU(0.1)(mg.tensor([-1.0, 2.0]))
    tensor([-0.1,  2. ])
    """

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(Module):
    """``x * Phi(x)`` with the exact erf (or ``approximate="tanh"``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.GELU()(mg.tensor([0.0]))
    tensor([0.])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate is 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """Softmax along ``dim`` (None: the last axis).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Softmax(dim=1)(mg.tensor([[1.0, 1.0]]))
    tensor([[0.5, 0.5]])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim`` (None: the last axis).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.LogSoftmax(dim=0)(mg.tensor([0.0, 0.0]))
    tensor([-0.6931472, -0.6931472])
    """

    def forward(self, x):
        return F.log_softmax(x, self.dim)


class Flatten(Module):
    """Axes ``start_dim`` to ``end_dim`` merged into one.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Flatten()(mg.ones(2, 3, 4, 5)).shape
    (2, 60)
    >>> mg.nn.Flatten(0, 1)(mg.ones(2, 3, 4)).shape
    (6, 4)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        x = coerce(x)
        nd = max(x.ndim, 1)
        start, end = self.start_dim % nd, self.end_dim % nd
        if not (-nd <= self.start_dim < nd and -nd <= self.end_dim < nd) or start > end:
            raise ValueError(f"Flatten({self.start_dim}, {self.end_dim}) does not fit an input "
                             f"of shape {x.shape}")
        return x.reshape(*x.shape[:start], -1, *x.shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout in training mode, the identity in eval mode.

    Parameters
    ----------
    p : float
        The probability of zeroing an element.
    rng : numpy.random.Generator or int, optional
        Its own generator; None draws from the default one
        (:func:`minigrad.manual_seed`) at each call.

    Examples
    --------
    >>> import minigrad as mg
    >>> d = mg.nn.Dropout(0.25, rng=0)
    >>> y = d(mg.ones(4000))
    >>> round(float((y.numpy() == 0).mean()), 1), sorted(set(y.tolist()))[1]
    (0.3, 1.3333333730697632)
    >>> d.eval()(mg.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"Dropout probability must be in [0, 1], got {p!r}")
        self.p = float(p)
        self.rng = None if rng is None else random.generator(rng)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: integer indices -> rows of ``weight``
    (num_embeddings, embedding_dim), initialised N(0, 1) as PyTorch does.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> emb = mg.nn.Embedding(10, 3, rng=0)
    >>> emb(np.array([[1, 2], [3, 4]])).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, rng=None, dtype=None):
        super().__init__()
        if num_embeddings <= 0 or embedding_dim <= 0:
            raise ValueError(f"Embedding needs positive sizes, got {num_embeddings}, "
                             f"{embedding_dim}")
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        w = _generator(rng).standard_normal((num_embeddings, embedding_dim))
        self.weight = Parameter(w.astype(dtype or get_default_dtype()))

    def forward(self, x):
        return F.embedding(x, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Identity(Module):
    """Returns its input (arguments to the constructor are ignored, as PyTorch's).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.ones(2)
    >>> mg.nn.Identity(54, unused="x")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Unflatten(Module):
    """Dimension ``dim`` split into ``unflattened_size`` (the inverse of Flatten).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Unflatten(1, (2, 5))(mg.ones(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = int(dim), tuple(int(n) for n in unflattened_size)

    def forward(self, input):
        x = coerce(input)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"Unflatten: dim {self.dim} is out of range for shape {x.shape}")
        d = self.dim % x.ndim
        if -1 not in self.unflattened_size and math.prod(self.unflattened_size) != x.shape[d]:
            raise ValueError(f"Unflatten: size {x.shape[d]} of dim {self.dim} cannot become "
                             f"{self.unflattened_size}")
        return x.reshape(*x.shape[:d], *self.unflattened_size, *x.shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class ELU(Module):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.ELU()(mg.tensor([0.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class SiLU(Module):
    """``x * sigmoid(x)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.SiLU()(mg.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, input):
        return F.silu(input)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta`` (linear where ``beta x > threshold``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Softplus(beta=2.0)(mg.tensor([100.0]))
    tensor([100.])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``x`` clipped to ``[min_val, max_val]``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.nn.Hardtanh()(mg.tensor([-3.0, 0.5]))
    tensor([-1. ,  0.5])
    """

    def __init__(self, min_val=-1.0, max_val=1.0):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot exceed max_val ({max_val})")
        self.min_val, self.max_val = float(min_val), float(max_val)

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"
