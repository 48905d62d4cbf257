"""The CPU device and the dtype names, so that PyTorch scripts run unchanged.

minigrad computes with numpy on the CPU.  ``mg.device("cpu")``,
``t.device``, ``.to(device)`` and ``device=`` exist so that the first lines
of every PyTorch script work::

    device = "cuda" if mg.cuda.is_available() else "cpu"   # always "cpu"
    model = Net().to(device)

Asking for any other device raises a ``RuntimeError`` that says so.  The
dtype names (``mg.float32``/``mg.float``, ``mg.float64``/``mg.double``,
``mg.int64``/``mg.long``, ``mg.bool``) are numpy's scalar types, so they are
accepted wherever a dtype is, and ``t.dtype == mg.float32`` holds.
"""
from __future__ import annotations

import numpy as np

# PyTorch's dtype names (mg.float32, mg.float, ...), exported by minigrad/__init__.py
DTYPE_NAMES = {"float32": np.float32, "float": np.float32, "float64": np.float64,
               "double": np.float64, "int64": np.int64, "long": np.int64, "int32": np.int32,
               "int": np.int32, "bool": np.bool_}


class device:  # noqa: N801  (PyTorch's name)
    """Where a tensor lives: always the CPU in minigrad.

    Parameters
    ----------
    type : str or device
        ``"cpu"`` (also ``"cpu:0"``).  Any other device (``"cuda"``,
        ``"mps"``, ...) raises ``RuntimeError``: minigrad runs on the CPU.
    index : int, optional
        0 or None.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.device("cpu")
    device(type='cpu')
    >>> mg.tensor([1.0]).device == "cpu"
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"a device is a string such as 'cpu', got {type!r}")
        kind, _, number = type.partition(":")
        if number:
            index = int(number) if number.isdigit() else number
        if kind != "cpu" or index not in (None, 0):
            raise RuntimeError(
                f"minigrad runs on the CPU only; device {type!r} "
                f"is not available. Use 'cpu' (mg.cuda.is_available() is False).")
        self.type, self.index = "cpu", index

    def __repr__(self):
        return "device(type='cpu')" if self.index is None else "device(type='cpu', index=0)"

    def __str__(self):
        return "cpu" if self.index is None else "cpu:0"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(where):
    """The device for a ``device=`` argument: None or anything naming the
    CPU gives ``mg.device("cpu")``; any other device raises.

    Examples
    --------
    >>> from minigrad.device import as_device
    >>> as_device(None), as_device("cpu")
    (device(type='cpu'), device(type='cpu'))
    """
    return CPU if where is None or where == CPU else device(where)


def split_to_args(args, kwargs):
    """Read PyTorch's ``to(...)`` arguments: a device, a dtype, or both
    (positional or as ``device=``/``dtype=``), returning the dtype (or None)
    after checking the device.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.device import split_to_args
    >>> split_to_args(("cpu", mg.float64), {})
    dtype('float64')
    >>> split_to_args((mg.device("cpu"),), {}) is None
    True
    """
    dtype = kwargs.pop("dtype", None)
    where = kwargs.pop("device", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, (str, device)) and not (isinstance(a, str) and a in DTYPE_NAMES):
            where = a
        elif hasattr(a, "dtype") and not isinstance(a, (np.dtype, type)):
            dtype = a.dtype               # t.to(other): other's dtype
        else:
            dtype = a
    as_device(where)
    return None if dtype is None else np.dtype(DTYPE_NAMES.get(dtype, dtype))


class cuda:  # noqa: N801  (PyTorch's module name, mg.cuda)
    """``mg.cuda``: there is no GPU in minigrad.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.cuda.is_available(), mg.cuda.device_count()
    (False, 0)
    """

    @staticmethod
    def is_available():
        """False: minigrad runs on the CPU."""
        return False

    @staticmethod
    def device_count():
        """0: minigrad runs on the CPU."""
        return 0

    @staticmethod
    def manual_seed(seed):
        """Does nothing (there is no GPU generator); ``mg.manual_seed`` seeds minigrad."""
        return None

    manual_seed_all = manual_seed


class accelerator:  # noqa: N801  (PyTorch's module name, mg.accelerator)
    """``mg.accelerator``: none, so the current tutorials' device line
    (``... if mg.accelerator.is_available() else "cpu"``) picks the CPU.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.accelerator.is_available(), mg.accelerator.current_accelerator()
    (False, None)
    """

    @staticmethod
    def is_available():
        """False: minigrad runs on the CPU."""
        return False

    @staticmethod
    def current_accelerator():
        """None: there is no accelerator."""
        return None


class backends:  # noqa: N801  (PyTorch's module name, mg.backends)
    """``mg.backends.mps.is_available()``: False (older tutorials ask).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.backends.mps.is_available()
    False
    """

    class mps:  # noqa: N801
        """Apple's GPU backend: not in minigrad."""

        @staticmethod
        def is_available():
            """False: minigrad runs on the CPU."""
            return False
