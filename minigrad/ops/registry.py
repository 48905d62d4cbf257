"""Where each op says, at its definition, how it is reached.

An op function is decorated with :func:`op`, right under its Node class::

    @op(ufunc=np.exp)
    def exp(x): ...

and :func:`install` (called once, by :mod:`minigrad.ops`) derives from the
registrations everything that was once listed by hand: ``mg.NAME`` and
``__all__``, the Tensor methods and operators, and the numpy ufuncs and
functions that dispatch to minigrad when a Tensor is involved (so
``np.exp(t)`` and ``array + t`` give Tensors, and backward rules written with
numpy functions record graphs when given Tensors).
"""
from __future__ import annotations

import dataclasses
import inspect

from ..tensor import Tensor, _FUNCTIONS, _UFUNCS


@dataclasses.dataclass
class Entry:
    """One registered op: the function and the ways it is reached."""

    fn: object
    public: bool
    method: object
    operators: tuple
    reflected: tuple
    ufuncs: tuple
    numpy: tuple
    rename: dict
    attrs: dict


ENTRIES = []


def _tuple(x):
    return () if x is None else tuple(x) if isinstance(x, (tuple, list)) else (x,)


def op(*, public=True, method=True, operators=(), reflected=(), ufunc=None, numpy=None,
       rename=None, attrs=None):
    """Register an op function (a decorator).

    Parameters
    ----------
    public : bool
        Export it as ``mg.NAME`` (in ``__all__``).
    method : bool, str or callable
        Attach it as ``Tensor.NAME`` (True), under another name (a str), as
        an adapter that takes ``self`` first (a callable), or not (False).
    operators, reflected : sequence of str
        Dunder names bound to it, and those bound with swapped operands
        (``__radd__``).
    ufunc, numpy : numpy ufunc(s) / function(s)
        numpy entry points that dispatch to it for Tensors; numpy functions
        are called with numpy's signature (see :func:`numpy_face`).  A
        ``(numpy_function, adapter)`` pair in a list routes through an adapter.
    rename : dict
        numpy's argument names that this op spells differently.
    attrs : dict
        Other Tensor attributes (``{"T": property(...)}``).

    Examples
    --------
    >>> from minigrad.ops.registry import ENTRIES
    >>> any(e.fn.__name__ == "exp" for e in ENTRIES)
    True
    """
    def register(fn):
        ENTRIES.append(Entry(fn, public, method, _tuple(operators), _tuple(reflected),
                             _tuple(ufunc), _tuple(numpy), rename or {}, attrs or {}))
        return fn
    return register


def install(namespace):
    """Put every registered op where it is reached; returns ``__all__``."""
    names = []
    for e in ENTRIES:
        name = e.fn.__name__
        namespace[name] = e.fn
        if e.public:
            names.append(name)
        if e.method is True:
            setattr(Tensor, name, e.fn)
        elif isinstance(e.method, str):
            setattr(Tensor, e.method, e.fn)
        elif callable(e.method):
            setattr(Tensor, name, e.method)
        for dunder in e.operators:
            setattr(Tensor, dunder, e.fn)
        for dunder in e.reflected:
            setattr(Tensor, dunder, _swapped(e.fn))
        for attr, value in e.attrs.items():
            setattr(Tensor, attr, value)
        for uf in e.ufuncs:
            _UFUNCS[uf] = e.fn
        for f in e.numpy:
            np_fn, target = f if isinstance(f, tuple) else (f, e.fn)
            _FUNCTIONS[np_fn] = numpy_face(np_fn, target, e.rename)
    return names


def _swapped(fn):
    def reflected(self, other):
        return fn(other, self)

    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def numpy_face(np_fn, fn, rename=None):
    """``fn`` called as numpy calls ``np_fn`` on a Tensor.

    The arguments are bound by numpy's signature and numpy's names renamed
    to fn's (``rename``).  A numpy option fn does not have raises a
    TypeError that names it, unless it is given its default value: never
    silently ignored.
    """
    sig = inspect.signature(np_fn)
    mine = list(inspect.signature(fn).parameters)
    rename = rename or {}
    names = list(sig.parameters)
    npos = 1      # leading positions that mean the same in both: passed straight through
    for theirs, ours in zip(names[1:], mine[1:]):
        if rename.get(theirs, theirs) != ours:
            break
        npos += 1
    supported = ", ".join(n for n in names if n == names[0] or rename.get(n, n) in mine)
    hints = {"out": "use the tensor it returns",
             "dtype": f"use t.astype(...).{fn.__name__}()" if hasattr(Tensor, fn.__name__)
             else "cast the tensors first with t.astype(...)"}

    def call(*args, **kwargs):
        if not kwargs and len(args) <= npos:
            return fn(*args)
        bound = sig.bind(*args, **kwargs).arguments
        extra = bound.pop("kwargs", {})
        first = bound.pop(names[0])
        kw = {}
        for name, value in [*bound.items(), *extra.items()]:
            target = rename.get(name, name)
            if target in mine and target not in kw:
                kw[target] = value
                continue
            p = sig.parameters.get(name)
            default = p.default if p is not None else inspect.Parameter.empty
            if value is default or (isinstance(default, str) and value == default):
                continue
            raise TypeError(f"np.{np_fn.__name__}({name}=...) is not supported for tensors; "
                            + hints.get(name, f"minigrad takes ({supported})"))
        return fn(first, **kw)

    return call
