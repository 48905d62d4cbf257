"""Tensor constructors, as PyTorch's: ``mg.zeros(2, 3)`` or ``mg.zeros((2, 3))``,
``ones, full, empty, eye, arange, linspace, rand, randn, randint`` and the
``*_like`` forms.

Dtypes are PyTorch's: floats take the default dtype (float32, see
:func:`minigrad.set_default_dtype`); ``arange`` of integers and ``randint``
give int64; ``full`` takes the kind of its fill value.  Every constructor
takes ``dtype=``, ``device=`` (the CPU, see :mod:`minigrad.device`),
``requires_grad=`` and ``out=``.  The random ones draw from minigrad's
default generator (:func:`minigrad.manual_seed`) unless given ``rng=`` (a
numpy Generator or a seed).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import engine
from .device import DTYPE_NAMES, as_device
from .modes import is_grad_enabled
from .random import generator
from .tensor import Tensor, as_array, get_default_dtype


def as_dtype(dtype, default=None):
    """A numpy dtype for a ``dtype=`` argument (PyTorch's names accepted);
    None gives ``default``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.creation import as_dtype
    >>> as_dtype(mg.long), as_dtype("float"), as_dtype(None, mg.float32)
    (dtype('int64'), dtype('float32'), dtype('float32'))
    """
    if dtype is None:
        return None if default is None else np.dtype(default)
    if isinstance(dtype, str) and dtype in DTYPE_NAMES:
        dtype = DTYPE_NAMES[dtype]
    return np.dtype(dtype)


def write_out(out, result):
    """Write ``result`` into ``out`` (PyTorch's ``out=``) and return ``out``.

    ``out`` takes the result's values in its own dtype (a cast that loses
    the kind, such as float into int64, raises) and is resized if its shape
    differs.  As in PyTorch, ``out=`` does not record a gradient: with grad
    mode on, an ``out`` or a result that requires grad raises.

    Examples
    --------
    >>> import minigrad as mg
    >>> buf = mg.zeros(2)
    >>> mg.ones(2, out=buf) is buf, buf
    (True, tensor([1., 1.]))
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"out= takes a Tensor, got a {type(out).__name__}")
    if is_grad_enabled() and (out.requires_grad or result.requires_grad):
        raise RuntimeError("functions with out=... arguments don't support automatic "
                           "differentiation, but an argument requires grad; call it without "
                           "out= or under mg.no_grad()")
    value = result.data
    if not np.can_cast(value.dtype, out.dtype, "same_kind"):
        raise RuntimeError(f"result type {value.dtype} can't be cast to the desired output "
                           f"type {out.dtype}")
    if out.shape == value.shape:
        out.data[...] = value
        engine.mark_changed(out.data)
    else:
        out.data = value.astype(out.dtype)
    return out


def _size(size):
    """``(2, 3)`` from ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in size):
        raise TypeError(f"sizes are integers, as zeros(2, 3) or zeros((2, 3)); got {size!r}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"sizes cannot be negative, got {tuple(int(n) for n in size)}")
    return tuple(int(n) for n in size)


def _made(data, dtype, device, requires_grad, out):
    """The constructors' last step: the device checked, the dtype applied,
    ``requires_grad`` set, ``out=`` written."""
    as_device(device)
    if out is not None and dtype is None:
        dtype = out.dtype
    t = Tensor(data, dtype=as_dtype(dtype, data.dtype), requires_grad=requires_grad)
    return write_out(out, t)


def _floating(dtype, who):
    dt = as_dtype(dtype, get_default_dtype())
    if dt.kind != "f":
        raise RuntimeError(f"{who} makes floating-point tensors; got dtype={dt}")
    return dt


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros (default dtype float32).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.zeros(2, 3).shape, mg.zeros((2,), dtype=mg.long)
    ((2, 3), tensor([0, 0], dtype=int64))
    """
    data = np.zeros(_size(size), as_dtype(dtype, get_default_dtype()))
    return _made(data, dtype, device, requires_grad, out)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ones (default dtype float32).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones(2)
    tensor([1., 1.])
    """
    data = np.ones(_size(size), as_dtype(dtype, get_default_dtype()))
    return _made(data, dtype, device, requires_grad, out)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of the given size (minigrad fills it with zeros; PyTorch leaves
    it uninitialised).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.empty(2, 2).shape
    (2, 2)
    """
    return zeros(*size, out=out, dtype=dtype, device=device, requires_grad=requires_grad)


def _fill_dtype(fill_value):
    """PyTorch's dtype for ``full``: bool, int64 or the default float."""
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(fill_value, numbers.Integral):
        return np.dtype(np.int64)
    return get_default_dtype()


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value``; its dtype follows the
    value (bool, int64, else the default float) unless ``dtype`` is given.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.full((2,), 7), mg.full((2,), 0.5)
    (tensor([7, 7], dtype=int64), tensor([0.5, 0.5]))
    """
    size = _size((size,) if isinstance(size, numbers.Integral) else tuple(size))
    data = np.full(size, fill_value, as_dtype(dtype, _fill_dtype(fill_value)))
    return _made(data, dtype, device, requires_grad, out)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    """The ``n`` x ``m`` identity matrix (``m`` defaults to ``n``).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    """
    n, m = _size((n, n if m is None else m))
    data = np.eye(n, m, dtype=as_dtype(dtype, get_default_dtype()))
    return _made(data, dtype, device, requires_grad, out)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False):
    """Values from ``start`` up to (not including) ``end`` by ``step``, as
    ``torch.arange``: int64 when every argument is an integer, else the
    default float dtype.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.arange(4)
    tensor([0, 1, 2, 3], dtype=int64)
    >>> mg.arange(1, 2.5, 0.5)
    tensor([1. , 1.5, 2. ])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    default = np.int64 if ints else get_default_dtype()
    count = int(np.ceil((end - start) / step))
    data = start + np.arange(count, dtype=np.float64 if not ints else np.int64) * step
    data = data.astype(as_dtype(dtype, default))
    return _made(data, dtype, device, requires_grad, out)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` (both
    included), in the default float dtype.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    steps = _size((steps,))[0]
    dt = as_dtype(dtype, get_default_dtype())
    data = np.linspace(start, end, steps, dtype=np.float64)
    if steps > 1:          # PyTorch counts the second half back from the end
        step = (end - start) / (steps - 1)
        i = np.arange(steps)
        data = np.where(i < steps // 2, start + i * step, end - (steps - 1 - i) * step)
    return _made(data.astype(dt), dtype, device, requires_grad, out)


def rand(*size, rng=None, out=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) (default dtype float32).

    Parameters
    ----------
    *size : int
    rng : numpy.random.Generator or int, optional
        None draws from the default generator (see :func:`minigrad.manual_seed`).

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.rand(2, 3, rng=0)
    >>> x.shape, bool(0 <= x.numpy().min() <= x.numpy().max() < 1)
    ((2, 3), True)
    """
    dt = _floating(dtype, "rand")
    data = generator(rng).random(_size(size)).astype(dt)
    return _made(data, dtype, device, requires_grad, out)


def randn(*size, rng=None, out=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples (default dtype float32).

    Parameters
    ----------
    *size : int
    rng : numpy.random.Generator or int, optional
        None draws from the default generator (see :func:`minigrad.manual_seed`).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.randn(2, 3, rng=0).shape
    (2, 3)
    """
    dt = _floating(dtype, "randn")
    data = generator(rng).standard_normal(_size(size)).astype(dt)
    return _made(data, dtype, device, requires_grad, out)


def randint(low=0, high=None, size=None, *, rng=None, out=None, dtype=None, device=None,
            requires_grad=False):
    """Random integers in ``[low, high)``: ``randint(high, size)`` or
    ``randint(low, high, size)``, int64 by default, as ``torch.randint``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.randint(3, 10, (4,), rng=0)
    >>> x.dtype, bool(3 <= x.numpy().min() <= x.numpy().max() < 10)
    (dtype('int64'), True)
    """
    if size is None:
        if high is None:
            raise TypeError("randint takes (high, size) or (low, high, size)")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint needs high and size: randint(high, size) or "
                        "randint(low, high, size)")
    if low >= high:
        raise RuntimeError(f"randint: low ({low}) must be below high ({high})")
    size = _size((size,) if isinstance(size, numbers.Integral) else tuple(size))
    data = generator(rng).integers(low, high, size, dtype=np.int64)
    return _made(data.astype(as_dtype(dtype, np.int64)), dtype, device, requires_grad, out)


# ------------------------------------------------------------ *_like forms

def _like(input, dtype):
    arr = as_array(input)
    return arr.shape, as_dtype(dtype, arr.dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    """Zeros with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.zeros_like(mg.ones(2))
    tensor([0., 0.])
    """
    shape, dt = _like(input, dtype)
    return _made(np.zeros(shape, dt), None, device, requires_grad, None)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    """Ones with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.ones_like(mg.zeros(2, dtype=mg.float64))
    tensor([1., 1.], dtype=float64)
    """
    shape, dt = _like(input, dtype)
    return _made(np.ones(shape, dt), None, device, requires_grad, None)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``fill_value`` with the shape (and dtype) of ``input``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.full_like(mg.zeros(2), 3)
    tensor([3., 3.])
    """
    shape, dt = _like(input, dtype)
    return _made(np.full(shape, fill_value, dt), None, device, requires_grad, None)


def rand_like(input, *, rng=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1) with the shape (and dtype) of a float ``input``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.rand_like(mg.zeros(2, 3, dtype=mg.float64)).dtype
    dtype('float64')
    """
    shape, dt = _like(input, dtype)
    return rand(shape, rng=rng, dtype=_floating(dt, "rand_like"), device=device,
                requires_grad=requires_grad)


def randn_like(input, *, rng=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with the shape (and dtype) of a float ``input``.

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.randn_like(mg.zeros(2, 3)).shape
    (2, 3)
    """
    shape, dt = _like(input, dtype)
    return randn(shape, rng=rng, dtype=_floating(dt, "randn_like"), device=device,
                 requires_grad=requires_grad)
