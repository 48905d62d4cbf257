"""minigrad's default random generator and :func:`manual_seed`.

Everything in minigrad that draws random numbers takes ``rng=`` (a numpy
``Generator`` or an int seed).  Where it is left as ``None`` the draws come
from one module-level generator, which :func:`manual_seed` replaces, as
``torch.manual_seed`` seeds PyTorch's default generator::

    mg.manual_seed(0)
    net = mg.nn.Linear(2, 3)       # the same weights after every manual_seed(0)

Without a call to :func:`manual_seed` the default generator is seeded from
the operating system, so runs differ.
"""
from __future__ import annotations

import numpy as np


_DEFAULT = [np.random.default_rng()]


def manual_seed(seed):
    """Reseed minigrad's default generator (the one ``rng=None`` draws from).

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    numpy.random.Generator
        The new default generator.

    Examples
    --------
    >>> import minigrad as mg
    >>> _ = mg.manual_seed(0)
    >>> a = mg.randn(3)
    >>> _ = mg.manual_seed(0)
    >>> bool((mg.randn(3).numpy() == a.numpy()).all())
    True
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"manual_seed takes a non-negative int, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"manual_seed takes a non-negative int, got {seed}")
    _DEFAULT[0] = np.random.default_rng(int(seed))
    return _DEFAULT[0]


def default_generator():
    """The generator that ``rng=None`` draws from (replaced by :func:`manual_seed`).

    Examples
    --------
    >>> import minigrad as mg
    >>> g = mg.manual_seed(1)
    >>> mg.random.default_generator() is g
    True
    """
    return _DEFAULT[0]


def generator(rng=None):
    """The generator to draw from for an ``rng=`` argument.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A generator (used as is), a seed (a fresh generator), or None (the
        default generator, see :func:`manual_seed`).

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> float(mg.random.generator(0).random()) == float(np.random.default_rng(0).random())
    True
    >>> mg.random.generator(None) is mg.random.default_generator()
    True
    """
    if rng is None:
        return _DEFAULT[0]
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def uniform(rng, shape):
    """Uniform draws in [0, 1) of ``shape`` from ``generator(rng)`` (the
    draws of dropout).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.random.uniform(0, (2,)).shape
    (2,)
    """
    return generator(rng).random(shape)
