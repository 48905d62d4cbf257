"""``mg.utils.data``, PyTorch's home of :class:`Dataset`,
:class:`TensorDataset` and :class:`DataLoader` (the same classes as
:mod:`minigrad.data`).

Examples
--------
>>> import minigrad as mg
>>> from minigrad.utils.data import DataLoader, TensorDataset
>>> DataLoader is mg.data.DataLoader
True
"""
from ..data import DataLoader, Dataset, TensorDataset

__all__ = ["Dataset", "TensorDataset", "DataLoader"]
