"""The Tensor: a numpy array with an optional history for reverse-mode autodiff.

A Tensor holds ``data`` (a numpy array), ``grad`` (a Tensor or ``None``),
``requires_grad`` and ``grad_fn`` (the Node that made it, ``None`` for a
leaf).  Operators and methods forward to the ops in :mod:`minigrad.ops`,
which attaches them to the class.

Memory: ``mg.tensor`` / ``mg.Tensor`` copy the data they are given, as
``torch.tensor`` does, so changing the caller's array later changes nothing.
``mg.from_numpy`` and ``mg.as_tensor`` share it, as PyTorch's do: a change
made through numpy to a shared array is invisible to minigrad, so do not
change it while a graph that used it is alive.  Changes made through
minigrad (in-place methods, ``t[i] = v``, optimizers, ``t.data -= ...``)
raise the version of that memory, and ``backward()`` refuses to use a value
that was changed after it was saved.
"""
from __future__ import annotations

import numpy as np

from . import device as _device, engine
from .tracing import TracedArray

_DEFAULT_DTYPE = [np.dtype(np.float32)]
_FLOAT_KINDS = "f"


def set_default_dtype(dtype):
    """Set the dtype that Python numbers and lists become (float32 or float64).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.set_default_dtype("float64"); mg.tensor([1.0]).dtype
    dtype('float64')
    >>> mg.set_default_dtype("float32"); mg.tensor([1.0]).dtype
    dtype('float32')
    """
    dt = None if dtype is None else np.dtype(dtype)
    if dt is None or dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"the default dtype must be float32 or float64, got {dt}")
    _DEFAULT_DTYPE[0] = dt


def get_default_dtype():
    """The dtype that Python numbers and lists become (float32 unless set).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.get_default_dtype()
    dtype('float32')
    """
    return _DEFAULT_DTYPE[0]


def as_array(data, dtype=None, copy=False):
    """Convert ``data`` to the numpy array a Tensor would hold.

    Python numbers and (nested) lists become the default float dtype (bools
    stay bool); numpy arrays and scalars keep their dtype; a Tensor gives its
    data.  ``dtype`` casts.  With ``copy``, the result never shares memory
    with ``data``.  Data of a dtype a tensor cannot hold (see
    :func:`minigrad.engine.check_dtype`) raises ``TypeError``.
    """
    if dtype is not None:
        dtype = engine.check_dtype(np.dtype(dtype))
    default = _DEFAULT_DTYPE[0] if dtype is None else dtype
    if isinstance(data, Tensor):
        arr = data._data
    elif type(data) is np.ndarray or isinstance(data, TracedArray):
        arr = data          # (a traced array stays one: its copy is recorded by its method)
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)      # np.matrix and other subclasses: a plain array
    elif isinstance(data, bool):
        arr = np.asarray(data)
    elif isinstance(data, (int, float)):
        arr = np.asarray(data, dtype=default)
    elif isinstance(data, (list, tuple)) or hasattr(data, "__array__"):
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise TypeError(f"cannot make a tensor from this data: {e}") from None
        if not hasattr(data, "__array__") and arr.dtype.kind in "iuf":
            arr = arr.astype(default)
    else:
        raise TypeError(
            f"cannot make a tensor from a {type(data).__name__}; pass a number, "
            "a (nested) list, a numpy array or a Tensor"
        )
    if dtype is None:
        engine.check_dtype(arr.dtype)
    elif arr.dtype.kind not in "biuf":
        raise TypeError(f"tensors hold bool, integer, float32 or float64 data, not {arr.dtype}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    elif copy and isinstance(data, (Tensor, np.ndarray)):
        arr = arr.copy()
    return arr


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor",
               "uint8": "ByteTensor", "bool": "BoolTensor"}


class _SizeMethod:
    """``t.size``: callable as PyTorch's method; refuses to be used as
    numpy's number of elements."""

    __slots__ = ("_shape",)

    def __init__(self, data):
        self._shape = data.shape

    def __call__(self, dim=None):
        if dim is None:
            return self._shape
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"size(dim) takes an int dim, not {dim!r}")
        n = len(self._shape)
        if not -n <= dim < n:
            raise IndexError(f"dim {dim} is out of range for a tensor of shape {self._shape}")
        return self._shape[dim]

    def __repr__(self):
        return "<method Tensor.size: call it, t.size() or t.size(dim)>"

    def _refuse(self, *args):
        raise TypeError("t.size is a method, as in PyTorch: t.size() is the shape, t.size(dim) "
                        "one dim's length, and t.numel() the number of elements (numpy's a.size)")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __int__ = __index__ = \
        __float__ = __format__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = \
        __rmul__ = __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = _refuse
    __hash__ = None


class Tensor:
    """A numpy array that can record how it was computed.

    Parameters
    ----------
    data : array_like
        A number, a (nested) list, a numpy array or a Tensor.  Python numbers
        and lists become float32 (see :func:`set_default_dtype`); numpy
        arrays keep their dtype.  The data is copied (see
        :func:`from_numpy` for a tensor that shares a numpy array).
    requires_grad : bool
        Record operations on this tensor so that ``backward()`` can compute
        its gradient.  Only floating-point tensors can require grad.
    dtype : numpy dtype-like, optional
        Cast the data to this dtype.

    Notes
    -----
    A tensor holds bool, integer, float32 or float64 data; anything else
    raises ``TypeError`` when the tensor is made, and so does such data
    given to an op as a numpy operand (``t * np.array([1j])``).  float16
    (and longdouble) are refused on purpose: numpy sums float16 in float16,
    so the mean of 100,000 float16 ones is NaN, and computing in it end to
    end (reductions, losses, gradients) would need float32 accumulation
    everywhere.  Convert with ``.astype(np.float32)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # _view: a minigrad.versions.ViewOf if the tensor views another's memory
    __slots__ = ("_data", "_grad", "requires_grad", "grad_fn", "_hooks", "_view", "__weakref__")

    def __init__(self, data, requires_grad=False, dtype=None):
        arr = as_array(data, dtype, copy=True)
        if requires_grad and arr.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require gradients, but this one "
                f"has dtype {arr.dtype}; pass dtype=mg.float32 (or float64)"
            )
        self._data = arr
        self._grad = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self._hooks = None
        self._view = None

    def __getattr__(self, name):
        # op results leave these slots unset (one write less each on the
        # hot path); unset, they read as None
        if name in ("grad", "_grad", "_hooks", "_view"):
            return None
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")

    # ------------------------------------------------------------ data, grad
    @property
    def data(self):
        """The numpy array.  Assigning replaces it: a Tensor on the right is
        unwrapped, so the micrograd idiom ``p.data -= lr * p.grad`` works
        (and counts as an in-place change); non-numeric data raises.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> w.grad = mg.tensor([10.0, 10.0])
        >>> w.data -= 0.1 * w.grad
        >>> w
        tensor([0., 1.], requires_grad=True)
        """
        return self._data

    @data.setter
    def data(self, value):
        if isinstance(value, Tensor):
            value = value._data
        if value is self._data:          # changed in place, as by `t.data -= ...`
            engine.mark_changed(value)
            return
        if type(value) is np.ndarray and value.dtype.kind == "f" and value.itemsize in (4, 8):
            self._data = value           # the common case, quickly
            return
        if not isinstance(value, (np.ndarray, np.generic, list, tuple, int, float, bool)):
            raise TypeError(
                f"t.data must be numeric array data (a numpy array, a Tensor, a number or "
                f"a list), not a {type(value).__name__}"
            )
        arr = np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) \
            else as_array(value, self._data.dtype)
        engine.check_dtype(arr.dtype)
        if self.requires_grad and arr.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"this tensor requires grad, so its data must be floating-point, not {arr.dtype}"
            )
        self._data = arr

    @property
    def grad(self):
        """The gradient (a Tensor of this tensor's shape and dtype) or None.

        Assigning checks it: a Tensor of the same shape and dtype, or None.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> w.grad = mg.zeros(3)
        Traceback (most recent call last):
        ValueError: assigned grad has shape (3,) but the tensor has shape (2,); assign a gradient of the tensor's shape (or None)
        """
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            check_grad(self, value)
        self._grad = value

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (shared
        with every tensor that views the same memory), as PyTorch's.

        Examples
        --------
        >>> import minigrad as mg
        >>> t = mg.zeros(2)
        >>> t.add_(1)._version
        1
        """
        return engine.version(self._data)

    # ---------------------------------------------------------------- numpy
    @property
    def shape(self):
        """The shape, as a tuple."""
        return self._data.shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self):
        """The numpy dtype."""
        return self._data.dtype

    @property
    def size(self):
        """``t.size()`` is the shape (a tuple) and ``t.size(dim)`` the length of
        dimension ``dim``, as PyTorch's method.  numpy's attribute meaning
        (the number of elements) is :meth:`numel`: ``t.size`` used as a
        number (``t.size == 4``, ``t.size * 2``, ``f"{t.size}"``) raises
        ``TypeError`` instead of silently comparing a method.

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.zeros(2, 3)
        >>> x.size(), x.size(1), x.size(-1), x.numel()
        ((2, 3), 3, 3, 6)
        >>> x.size == 6
        Traceback (most recent call last):
        TypeError: t.size is a method, as in PyTorch: t.size() is the shape, t.size(dim) one dim's length, and t.numel() the number of elements (numpy's a.size)
        """
        return _SizeMethod(self._data)

    def numel(self):
        """The number of elements (numpy's ``a.size``).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.zeros(2, 3).numel()
        6
        """
        return self._data.size

    def dim(self):
        """The number of dimensions (``ndim``).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.zeros(2, 3).dim()
        2
        """
        return self._data.ndim

    # ------------------------------------------------------ PyTorch spellings
    def float(self):
        """The tensor as float32 (``to(mg.float32)``; the graph is kept).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1, 2], dtype="int64").float()
        tensor([1., 2.])
        """
        return self.astype(np.float32)

    def double(self):
        """The tensor as float64 (the graph is kept).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0]).double().dtype
        dtype('float64')
        """
        return self.astype(np.float64)

    def long(self):
        """The tensor as int64 (no gradient).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.7, -1.7]).long()
        tensor([ 1, -1], dtype=int64)
        """
        return self.astype(np.int64)

    def int(self):
        """The tensor as int32 (no gradient).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([2.5]).int().dtype
        dtype('int32')
        """
        return self.astype(np.int32)

    def bool(self):
        """The tensor as bool (no gradient).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([0.0, 2.0]).bool()
        tensor([False,  True], dtype=bool)
        """
        return self.astype(np.bool_)

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """The tensor with another dtype (and on the CPU), as PyTorch's ``to``:
        ``t.to(mg.float64)``, ``t.to("cpu")``, ``t.to(device)``,
        ``t.to(other)`` (other's dtype), ``t.to("cpu", mg.float64)``.  A
        cast between floats keeps the graph.  Any device but the CPU raises:
        minigrad runs on the CPU.

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0])
        >>> x.to("cpu") is x, x.to(mg.float64).dtype
        (True, dtype('float64'))
        >>> x.to("cuda")
        Traceback (most recent call last):
        RuntimeError: minigrad runs on the CPU only; device 'cuda' is not available. Use 'cpu' (mg.cuda.is_available() is False).
        """
        dtype = _device.split_to_args(args, {"dtype": dtype, "device": device})
        out = self if dtype is None or dtype == self.dtype else self.astype(dtype)
        return out.clone() if copy and out is self else out

    def type(self, dtype=None):
        """With ``dtype``: the tensor cast to it (as ``to(dtype)``); without:
        the type's name, as PyTorch's (``'minigrad.FloatTensor'``).

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.5])
        >>> x.type(), x.type(mg.float64).dtype
        ('minigrad.FloatTensor', dtype('float64'))
        """
        if dtype is None:
            return f"minigrad.{_TYPE_NAMES.get(self._data.dtype.name, 'Tensor')}"
        return self.astype(dtype)

    def type_as(self, other):
        """The tensor cast to ``other``'s dtype.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0]).type_as(mg.zeros(1, dtype="float64")).dtype
        dtype('float64')
        """
        return self.astype(other.dtype)

    def contiguous(self):
        """The tensor with C-contiguous memory: itself when it has it, else a
        copy that keeps the graph.

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.ones(2, 3)
        >>> x.contiguous() is x, x.T.contiguous().numpy().flags.c_contiguous
        (True, True)
        """
        return self if self._data.flags.c_contiguous else self.clone()

    def is_contiguous(self):
        """Whether the memory is C-contiguous.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.ones(2, 3).is_contiguous(), mg.ones(2, 3).T.is_contiguous()
        (True, False)
        """
        return bool(self._data.flags.c_contiguous)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """Zeros of ``size`` with this tensor's dtype (or ``dtype``).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.zeros(1, dtype="float64").new_zeros(2, 3).dtype
        dtype('float64')
        """
        if not size:
            raise TypeError("new_zeros(*size) needs a size, as in PyTorch: t.new_zeros(2, 3)")
        from .creation import zeros      # (creation builds on this module)
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """Ones of ``size`` with this tensor's dtype (or ``dtype``).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.zeros(1).new_ones((2,))
        tensor([1., 1.])
        """
        if not size:
            raise TypeError("new_ones(*size) needs a size, as in PyTorch: t.new_ones(2, 3)")
        from .creation import ones      # (creation builds on this module)
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def add(self, other, *, alpha=1):
        """``self + alpha * other``, as PyTorch's ``add``.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0, 2.0]).add(mg.tensor([1.0, 1.0]), alpha=10)
        tensor([11., 12.])
        """
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        """``self - alpha * other``, as PyTorch's ``sub``.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0, 2.0]).sub(1.0)
        tensor([0., 1.])
        """
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """``self * other``.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0, 2.0]).mul(3)
        tensor([3., 6.])
        """
        return self * other

    def div(self, other, *, rounding_mode=None):
        """``self / other`` (``rounding_mode`` ``"floor"`` or ``"trunc"``
        rounds the quotient; the rounded result has no gradient).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([3.0, -3.0]).div(2), mg.tensor([3.0, -3.0]).div(2, rounding_mode="trunc")
        (tensor([ 1.5, -1.5]), tensor([ 1., -1.]))
        """
        q = self / other
        if rounding_mode is None:
            return q
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', not "
                             f"{rounding_mode!r}")
        return Tensor((np.floor if rounding_mode == "floor" else np.trunc)(q._data), dtype=q.dtype)

    def pow(self, exponent):
        """``self ** exponent``.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([2.0, 3.0]).pow(2)
        tensor([4., 9.])
        """
        return self ** exponent

    def clamp(self, min=None, max=None):
        """Values limited to ``[min, max]`` (either may be None), as PyTorch's
        ``clamp`` (the same op as :meth:`clip`).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([-2.0, 0.5, 3.0]).clamp(min=0, max=1)
        tensor([0. , 0.5, 1. ])
        """
        return self.clip(min, max)

    def where(self, condition, other):
        """``self`` where ``condition`` is True, else ``other`` (PyTorch's
        ``x.where(cond, y)``, that is ``mg.where(cond, x, y)``).

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, -2.0])
        >>> x.where(x > 0, 0.0)
        tensor([1., 0.])
        """
        from .ops import where          # ops import this module
        return where(condition, self, other)

    @property
    def is_leaf(self):
        """True if the tensor was not made by a recorded op."""
        return self.grad_fn is None

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self._data)))

    def numpy(self):
        """The data as a numpy array (no copy, no history).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0, 2.0], requires_grad=True).numpy()
        array([1., 2.], dtype=float32)
        """
        return self._data

    def item(self):
        """The single element as a Python number.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([[3.5]]).item()
        3.5
        """
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return self._data.item()

    def tolist(self):
        """The data as (nested) Python lists.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0, 2.0]).tolist()
        [1.0, 2.0]
        """
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        if copy:
            return self._data.copy()
        return self._data

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self._data.size} elements is "
                "ambiguous; use (t).all() or (t).any() on t.numpy()"
            )
        return bool(self._data)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype != _DEFAULT_DTYPE[0]:
            extra += f", dtype={self._data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn={self.grad_fn!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -------------------------------------------------------------- autograd
    def detach(self):
        """The same data with no history (and no copy).

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0], requires_grad=True)
        >>> (x * 2).detach().requires_grad
        False
        """
        return engine._make(self._data, None)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` of a leaf in place; returns the tensor.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.tensor([1.0]).requires_grad_().requires_grad
        True
        """
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad can only be turned off on a leaf; use t.detach() "
                "for a tensor that was computed from others"
            )
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require gradients, not {self._data.dtype}"
            )
        if self.grad_fn is None:
            self.requires_grad = bool(requires_grad)
        return self

    def register_hook(self, fn):
        """Call ``fn(grad)`` whenever the gradient for this tensor is computed.

        ``fn`` may return a Tensor to use instead of ``grad``.

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> x.register_hook(lambda g: g * 10)
        >>> (x * 3).sum().backward()
        >>> x.grad
        tensor([30., 30.])
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that does not require grad"
            )
        if self.grad_fn is not None:
            self.grad_fn.register_hook(fn)
        else:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(fn)

    def retain_grad(self):
        """Keep the gradient of a non-leaf tensor in ``.grad`` after backward.

        Only ``backward()`` writes it; ``mg.grad``, ``mg.trace`` and
        ``mg.to_dot`` never do.  Calling it twice changes nothing.

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.retain_grad()
        >>> y.sum().backward()
        >>> y.grad
        tensor([1., 1.])
        """
        node = self.grad_fn
        if node is None:
            return
        if any(type(h) is engine.RetainGrad and h.ref() is self for h in node.hooks or ()):
            return
        node.register_hook(engine.RetainGrad(self))

    @property
    def retains_grad(self):
        """Whether :meth:`retain_grad` was called on this non-leaf tensor."""
        node = self.grad_fn
        return node is not None and any(
            type(h) is engine.RetainGrad and h.ref() is self for h in node.hooks or ())

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Compute the gradient of this tensor with respect to the leaves.

        Gradients are added to each leaf's ``.grad``.

        Parameters
        ----------
        gradient : array_like, optional
            d(something)/d(self), same shape as self.  May be left out when
            the tensor holds one element (it is then 1).
        retain_graph : bool, optional
            Keep the graph so that backward can run through it again.
            Defaults to ``create_graph``.
        create_graph : bool
            Record the backward pass, so that the gradients can themselves
            be differentiated (higher-order gradients).

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.tensor(3.0, requires_grad=True)
        >>> (x ** 2).backward()
        >>> x.grad
        tensor(6.)
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: it was not "
                "computed from any tensor with requires_grad=True (or it was "
                "computed under mg.no_grad())"
            )
        g = root_gradient(self, gradient, "backward()")
        if retain_graph is None:
            retain_graph = create_graph
        engine.run_backward((self,), (g,), retain_graph, create_graph)

    # ------------------------------------------------------------ dispatch
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = _UFUNCS.get(ufunc) if method == "__call__" and not kwargs else None
        if fn is not None:
            return fn(*inputs)
        return _numpy_fallback(getattr(ufunc, method), ufunc.__name__, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        fn = _FUNCTIONS.get(func)
        if fn is not None:
            return fn(*args, **kwargs)
        return _numpy_fallback(func, func.__name__, args, kwargs)

    # ------------------------------------------------ device and dtype moves
    @property
    def device(self):
        """Where the tensor lives: always ``mg.device("cpu")`` (see :mod:`minigrad.device`).

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.zeros(1).device
        device(type='cpu')
        """
        return _device.CPU

    def cpu(self):
        """The tensor itself (minigrad runs on the CPU).

        Examples
        --------
        >>> import minigrad as mg
        >>> x = mg.ones(1); x.cpu() is x
        True
        """
        return self


def _unwrap(x):
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    return x


def _numpy_fallback(func, name, args, kwargs):
    """Run a numpy function minigrad has no op for on the tensors' data.

    That is fine for results that carry no gradient (bools, integers,
    ``np.allclose``...).  A floating-point result computed from a tensor
    that requires grad would silently lose its gradient: that raises.
    With ``out=``, the out arrays are changed in place: numpy arrays come
    back as numpy returns them; a Tensor out counts as an in-place change.
    """
    outs = kwargs.get("out")
    outs = outs if isinstance(outs, tuple) else (() if outs is None else (outs,))
    tensor_outs = [o for o in outs if isinstance(o, Tensor)]
    inputs = list(args) + [x for v in args if isinstance(v, (list, tuple)) for x in v]
    needs_grad = engine.current_modes().enabled and any(
        isinstance(a, Tensor) and a.requires_grad for a in inputs + tensor_outs)
    if tensor_outs and needs_grad:
        raise TypeError(
            f"numpy.{name}(..., out=tensor) would change a tensor that requires grad "
            "behind the graph's back; use the in-place methods (t.add_, t.mul_, ...), "
            "or do it under mg.no_grad()"
        )
    result = func(*_unwrap(list(args)), **{k: _unwrap(v) for k, v in kwargs.items()})
    if outs:
        for o in tensor_outs:
            engine.mark_changed(o._data)
        return result if not tensor_outs else (outs[0] if len(outs) == 1 else outs)
    if isinstance(result, (np.ndarray, np.generic)):
        if needs_grad and result.dtype.kind == "f":
            raise TypeError(
                f"numpy.{name} has no gradient in minigrad; use a minigrad op, or "
                "call it on t.detach() / t.numpy() if you do not need the gradient"
            )
        return engine._make(np.asarray(result), None) if isinstance(result, np.ndarray) else result
    return result


def check_grad(t, g):
    """Check that ``g`` can be ``t``'s gradient: a Tensor of t's shape and dtype."""
    if not isinstance(g, Tensor):
        raise TypeError(
            f"a gradient must be a Tensor (or None), not a {type(g).__name__}; wrap an "
            "array with mg.tensor(array)"
        )
    if g.shape != t.shape:
        raise ValueError(
            f"assigned grad has shape {g.shape} but the tensor has shape {t.shape}; assign a "
            "gradient of the tensor's shape (or None)"
        )
    if g.dtype != t.dtype:
        raise TypeError(
            f"assigned grad has dtype {g.dtype} but the tensor has dtype {t.dtype}; convert "
            f"it with g.astype({str(t.dtype)!r})"
        )


def root_gradient(t, gradient, where):
    """The starting gradient for backward from ``t`` (ones if left out)."""
    if gradient is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"{where} without a gradient needs a tensor with one element, but "
                f"this one has shape {t.shape}; reduce it first (e.g. loss.mean() "
                "or loss.sum()) or pass the gradient of the same shape"
            )
        d = t._data     # (np.ones: half the cost of np.ones_like; a traced array keeps its type)
        return np.ones(d.shape, d.dtype) if type(d) is np.ndarray else np.ones_like(d)
    if isinstance(gradient, Tensor):
        if gradient.shape != t.shape:
            raise ValueError(
                f"{where}: gradient has shape {gradient.shape} but the tensor has "
                f"shape {t.shape}; they must match"
            )
        return gradient if gradient.requires_grad else gradient._data.astype(t.dtype, copy=False)
    g = np.asarray(gradient, dtype=t.dtype)
    if g.shape != t.shape:
        raise ValueError(
            f"{where}: gradient has shape {g.shape} but the tensor has shape "
            f"{t.shape}; they must match"
        )
    return g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """The gradients of ``outputs`` with respect to ``inputs``.

    Unlike ``backward()``, nothing is written to ``.grad``.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensor
    inputs : Tensor or sequence of Tensor
        Tensors that require grad (leaves or intermediate results).
    grad_outputs : sequence, optional
        d(something)/d(output) for each output; may be left out for outputs
        with one element.
    retain_graph : bool, optional
        Keep the graph for another pass; defaults to ``create_graph``.
    create_graph : bool
        Record the computation, so the result can be differentiated again
        (Hessian-vector products).
    allow_unused : bool
        Return ``None`` for an input the outputs do not depend on, instead
        of raising.

    Returns
    -------
    tuple of Tensor

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor(2.0, requires_grad=True)
    >>> (dx,) = mg.grad(x ** 3, x, create_graph=True)
    >>> dx
    tensor(12., grad_fn=<MulBackward>)
    >>> mg.grad(dx, x)
    (tensor(12.),)
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"grad: input {i} does not require grad; create it with "
                "requires_grad=True"
            )
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"grad: output {i} does not require grad, so it does not depend "
                "on any input"
            )
    roots = [root_gradient(o, g, "grad()") for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    result = engine.run_backward(outputs, roots, retain_graph, create_graph, capture=inputs)
    out = []
    for i, (t, g) in enumerate(zip(inputs, result)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} was not used to compute the outputs; pass "
                    "allow_unused=True to get None for it"
                )
            out.append(None)
        elif isinstance(g, Tensor):
            out.append(g if g.dtype == t.dtype else g.astype(t.dtype))
        else:
            out.append(engine._make(np.array(g, dtype=t.dtype), None))
    return tuple(out)


# ------------------------------------------------------------ constructors

def tensor(data, requires_grad=False, dtype=None, device=None):
    """Make a Tensor; the same as ``mg.Tensor(data, requires_grad, dtype)``
    (``device``: the CPU, see :mod:`minigrad.device`).

    Examples
    --------
    >>> import minigrad as mg
    >>> mg.tensor([[1, 2], [3, 4]])
    tensor([[1., 2.],
            [3., 4.]])
    """
    _device.as_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# zeros, ones, arange, randn, ... are in minigrad.creation


# ---------------------------------------------------------- operator table
# Filled by minigrad.ops (which imports this module): numpy ufuncs and
# functions that dispatch to minigrad ops when a Tensor is involved.
_UFUNCS = {}
_FUNCTIONS = {}
engine.Tensor = Tensor


def as_tensor(data, dtype=None):
    """A Tensor that shares memory with ``data`` where it can, as
    ``torch.as_tensor``: a Tensor is returned as it is, a numpy array of a
    supported dtype is wrapped without a copy (see :func:`from_numpy` for
    the contract); anything else is converted.

    Examples
    --------
    >>> import minigrad as mg
    >>> t = mg.tensor([1.0])
    >>> mg.as_tensor(t) is t
    True
    """
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == np.dtype(dtype)):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A Tensor that shares ``array``'s memory (no copy), as ``torch.from_numpy``.

    The contract: changes made through minigrad show in ``array`` and are
    tracked; changes made to ``array`` through numpy are not, so do not
    change it while a graph that used the tensor may still run backward.
    Use :func:`tensor` to get a copy instead.

    Examples
    --------
    >>> import numpy as np, minigrad as mg
    >>> a = np.zeros(2)
    >>> t = mg.from_numpy(a)
    >>> with mg.no_grad():
    ...     t += 1
    >>> a
    array([1., 1.])
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy takes a numpy array, not a {type(array).__name__}")
    engine.check_dtype(array.dtype)
    return engine._make(array, None)


coerce = engine.coerce
