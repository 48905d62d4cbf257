"""Datasets and mini-batches, as in ``torch.utils.data`` (also reached
as ``mg.utils.data``, PyTorch's path).

:class:`TensorDataset` holds arrays of samples (same first axis);
:class:`DataLoader` walks a dataset in mini-batches, optionally shuffled,
yielding tuples of Tensors::

    loader = mg.data.DataLoader(mg.data.TensorDataset(X, y), batch_size=32,
                                shuffle=True, seed=0)
    for epoch in range(10):
        for xb, yb in loader:           # a new order every epoch
            ...

Shuffling draws a permutation per epoch (each ``iter(loader)``) from the
loader's own generator, ``numpy.random.default_rng(seed)``: two loaders with
the same seed give the same sequence of epochs.  With ``seed=None`` the
permutations come from minigrad's default generator (see
:func:`minigrad.manual_seed`).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .random import generator as _generator
from .tensor import Tensor, as_tensor, get_default_dtype


def _as_array(x, i):
    """Argument ``i`` of TensorDataset as a numpy array minigrad can hold."""
    if isinstance(x, Tensor):
        arr = x.data                     # detached: a dataset holds data, not history
    elif isinstance(x, np.ndarray):
        arr = x
    elif isinstance(x, (list, tuple)):
        arr = np.asarray(x)              # integers stay int64, floats take the default dtype
        arr = arr.astype(get_default_dtype()) if arr.dtype.kind == "f" else arr
    else:
        raise TypeError(f"TensorDataset argument {i} is a {type(x).__name__}; pass Tensors "
                        "or numpy arrays (one row per sample)")
    if arr.ndim == 0:
        raise ValueError(f"TensorDataset argument {i} is a scalar; each array needs a first "
                         "axis of samples")
    Tensor(arr[:0])                      # refuses dtypes minigrad cannot hold, clearly
    return arr


class Dataset:
    """Base class of map-style datasets, as ``torch.utils.data.Dataset``:
    a subclass defines ``__len__`` and ``__getitem__`` (one sample, e.g. a
    tuple ``(x, y)``), and a :class:`DataLoader` batches it.

    Examples
    --------
    >>> import minigrad as mg
    >>> class Squares(mg.utils.data.Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return float(i), float(i * i)
    >>> [yb.tolist() for _, yb in mg.utils.data.DataLoader(Squares(), batch_size=2)]
    [[0.0, 1.0], [4.0, 9.0]]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Samples stored row-wise in arrays of the same length.

    Parameters
    ----------
    *arrays : Tensor, numpy.ndarray or list
        At least one; all with the same first-axis length (the number of
        samples).  Tensors are taken detached; numpy arrays keep their dtype
        (integer labels stay integer); lists of integers become int64, of
        floats the default dtype (float32).

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> ds = mg.data.TensorDataset(np.zeros((3, 2), np.float32), np.array([0, 1, 1]))
    >>> len(ds)
    3
    >>> ds[1]
    (tensor([0., 0.]), tensor(1, dtype=int64))
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_as_array(a, i) for i, a in enumerate(arrays))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset arrays differ in their number of samples (first "
                             f"axis): {lengths}; every array needs one row per sample")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(as_tensor(np.array(a[index])) for a in self.arrays)

    def __repr__(self):
        shapes = ", ".join(f"{a.shape} {a.dtype}" for a in self.arrays)
        return f"TensorDataset({len(self)} samples: {shapes})"


def _check_batch_size(batch_size):
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size must be a positive int, got {type(batch_size).__name__} "
                        f"{batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size}")
    return int(batch_size)


def _collate(samples):
    """Stack a list of samples (tuples of Tensors/arrays/numbers) field by field."""
    first = samples[0]
    if not isinstance(first, (tuple, list)):
        return as_tensor(np.stack([np.asarray(s) for s in samples]))
    return tuple(as_tensor(np.stack([np.asarray(s[k]) for s in samples]))
                 for k in range(len(first)))


class DataLoader:
    """Iterate over a dataset in mini-batches (PyTorch's arguments).

    Parameters
    ----------
    dataset : TensorDataset or any object with ``__len__`` and ``__getitem__``
        A :class:`TensorDataset` is batched by indexing its arrays directly;
        other datasets' samples (tuples of Tensors, arrays or numbers) are
        stacked field by field with ``numpy.stack``.
    batch_size : int, default 1
        Samples per batch (a positive int).
    shuffle : bool, default False
        A new random order every epoch.
    drop_last : bool, default False
        Leave out the last batch when it is smaller than ``batch_size``.
    seed : int, numpy.random.Generator or None
        Seeds the loader's generator, ``numpy.random.default_rng(seed)``.
        None: minigrad's default generator (see :func:`minigrad.manual_seed`).

    Notes
    -----
    ``len(loader)`` is the number of batches per epoch:
    ``ceil(len(dataset) / batch_size)``, or the floor with ``drop_last``.

    Examples
    --------
    >>> import numpy as np
    >>> import minigrad as mg
    >>> ds = mg.data.TensorDataset(np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 1]))
    >>> loader = mg.data.DataLoader(ds, batch_size=2)
    >>> len(loader), [tuple(xb.shape) for xb, yb in loader]
    (3, [(2, 2), (2, 2), (1, 2)])
    >>> next(iter(loader))[1]
    tensor([0, 1], dtype=int64)
    >>> a = [yb.tolist() for _, yb in mg.data.DataLoader(ds, 2, shuffle=True, seed=0)]
    >>> b = [yb.tolist() for _, yb in mg.data.DataLoader(ds, 2, shuffle=True, seed=0)]
    >>> a == b
    True
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader needs a dataset with __len__ and __getitem__ (e.g. "
                            f"mg.data.TensorDataset(X, y)), got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = _check_batch_size(batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = seed
        self._rng = None if seed is None else _generator(seed)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        gen = self._rng if self._rng is not None else _generator(None)
        return gen.permutation(n)

    def __iter__(self):
        order = self._order()           # drawn at iter(): one permutation per epoch
        bs = self.batch_size
        return (self._batch(order[s:s + bs]) for s in range(0, len(self) * bs, bs))

    def _batch(self, idx):
        if isinstance(self.dataset, TensorDataset):
            return tuple(as_tensor(a[idx]) for a in self.dataset.arrays)
        return _collate([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed!r})")
