"""Toy datasets generated with numpy, scikit-learn's bundled real ones, a
train/test split and a minibatch iterator.

The generators are seeded and return ``(X, y)``: X float64 of shape
``(n_samples, 2)``, y int64 class labels.  Their counts (``n_samples``,
``centers``, ``classes``) are integers of at least one per class, ``noise``
a finite number >= 0; anything else is a TypeError or ValueError that says
what to pass.
"""
from __future__ import annotations

import numpy as np


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_int(name, value, low, what=""):
    """``value`` as an int >= low, else a TypeError/ValueError saying what to pass."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer{what}, got {value!r} "
                        f"({type(value).__name__})")
    if value < low:
        raise ValueError(f"{name} must be at least {low}{what}, got {value}")
    return int(value)


def _check_n(n_samples, classes):
    return _check_int("n_samples", n_samples, classes,
                      f" (one sample per class at least; {classes} classes here)")


def _check_real(name, value, low=None):
    """``value`` as a finite float (>= low), else a TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value) or low is not None and value < low:
        bound = "" if low is None else f" >= {low:g}"
        raise ValueError(f"{name} must be a finite number{bound}, got {value}")
    return float(value)


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_blobs(n_samples=200, noise=1.0, seed=None, centers=3):
    """Gaussian blobs around ``centers`` random centres in [-5, 5]^2.

    Examples
    --------
    >>> from minigrad.datasets import make_blobs
    >>> X, y = make_blobs(90, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((90, 2), [0, 1, 2])
    """
    centers = _check_int("centers", centers, 1, " (how many blobs)")
    n = _check_n(n_samples, centers)
    noise = _check_real("noise", noise, 0)
    rng = _rng(seed)
    mids = rng.uniform(-5, 5, (centers, 2))
    y = np.arange(n) % centers
    X = mids[y] + noise * rng.standard_normal((n, 2))
    return _shuffled(X, y.astype(np.int64), rng)


def make_moons(n_samples=200, noise=0.1, seed=None):
    """Two interleaving half circles (labels 0 and 1).

    Examples
    --------
    >>> from minigrad.datasets import make_moons
    >>> X, y = make_moons(100, noise=0.05, seed=0)
    >>> X.shape, int(y.sum())
    ((100, 2), 50)
    """
    n = _check_n(n_samples, 2)
    noise = _check_real("noise", noise, 0)
    rng = _rng(seed)
    n0 = n // 2
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n - n0)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).astype(np.int64)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_circles(n_samples=200, noise=0.05, seed=None, factor=0.5):
    """A small circle (label 1) inside a large one (label 0).

    Examples
    --------
    >>> from minigrad.datasets import make_circles
    >>> X, y = make_circles(100, seed=0)
    >>> X.shape, int(y.sum())
    ((100, 2), 50)
    """
    n = _check_n(n_samples, 2)
    noise = _check_real("noise", noise, 0)
    if not 0 < _check_real("factor", factor) < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    rng = _rng(seed)
    n0 = n // 2
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n - n0, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).astype(np.int64)
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_spirals(n_samples=300, noise=0.2, seed=None, classes=3, turns=1.0):
    """``classes`` interleaved spiral arms (the classic cs231n toy set).

    Examples
    --------
    >>> from minigrad.datasets import make_spirals
    >>> X, y = make_spirals(150, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((150, 2), [0, 1, 2])
    """
    classes = _check_int("classes", classes, 1, " (how many spiral arms)")
    n = _check_n(n_samples, classes)
    noise, turns = _check_real("noise", noise, 0), _check_real("turns", turns)
    rng = _rng(seed)
    y = np.arange(n) % classes
    r = np.empty(n)
    for k in range(classes):
        m = int((y == k).sum())
        r[y == k] = np.linspace(0.05, 1.0, m)
    theta = y * (2 * np.pi / classes) + r * turns * 2 * np.pi + noise * rng.standard_normal(n)
    X = np.stack([r * np.sin(theta), r * np.cos(theta)], 1)
    return _shuffled(X, y.astype(np.int64), rng)


def train_test_split(X, y, test_size=0.25, seed=None):
    """Shuffle and split into ``X_train, X_test, y_train, y_test``.

    ``test_size`` is a fraction in (0, 1) or a number of samples.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.datasets import train_test_split
    >>> Xtr, Xte, ytr, yte = train_test_split(np.zeros((10, 2)), np.arange(10), 0.3, seed=0)
    >>> Xtr.shape, Xte.shape
    ((7, 2), (3, 2))
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    n = len(y)
    n_test = int(round(test_size * n)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"test_size {test_size} leaves no train or no test samples of {n}")
    order = _rng(seed).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def batches(X, y, batch_size, shuffle=True, seed=None, drop_last=False):
    """Iterate over ``(X_batch, y_batch)`` minibatches.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.datasets import batches
    >>> [len(xb) for xb, yb in batches(np.zeros((10, 2)), np.zeros(10), 4, seed=0)]
    [4, 4, 2]
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    order = _rng(seed).permutation(len(y)) if shuffle else np.arange(len(y))
    stop = len(y) - (len(y) % batch_size if drop_last else 0)
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _sklearn(name):
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(f"{name} needs scikit-learn: pip install 'minigrad[data]'") from None
    return datasets


def _load(bunch, with_names):
    X, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    return (X, y, [str(n) for n in bunch.feature_names]) if with_names else (X, y)


def load_breast_cancer(with_names=False):
    """scikit-learn's bundled Wisconsin breast cancer set: X (569, 30), y 0/1
    (1 = benign).  Nothing is downloaded.  ``with_names=True`` adds the
    feature names as a third item.

    Examples
    --------
    >>> from minigrad.datasets import load_breast_cancer
    >>> X, y = load_breast_cancer()        # doctest: +SKIP
    >>> X.shape                            # doctest: +SKIP
    (569, 30)
    """
    return _load(_sklearn("load_breast_cancer").load_breast_cancer(), with_names)


def load_iris(with_names=False):
    """scikit-learn's bundled iris set: X (150, 4), y in {0, 1, 2}.

    Examples
    --------
    >>> from minigrad.datasets import load_iris
    >>> X, y = load_iris()                 # doctest: +SKIP
    >>> X.shape                            # doctest: +SKIP
    (150, 4)
    """
    return _load(_sklearn("load_iris").load_iris(), with_names)


def load_digits(with_names=False):
    """scikit-learn's bundled 8x8 digits: X (1797, 64) with values 0..16,
    y in 0..9.

    Examples
    --------
    >>> from minigrad.datasets import load_digits
    >>> X, y = load_digits()               # doctest: +SKIP
    >>> X.shape                            # doctest: +SKIP
    (1797, 64)
    """
    return _load(_sklearn("load_digits").load_digits(), with_names)
