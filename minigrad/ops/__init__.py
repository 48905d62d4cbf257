"""The primitive ops, grouped by family, and their wiring into Tensor.

* :mod:`.elementwise` - arithmetic, math functions, activations, comparisons
* :mod:`.reduce` - sum, mean, max, min, logsumexp, softmax, log_softmax
* :mod:`.shape` - reshape, transpose, indexing, concatenate, ...
* :mod:`.linalg` - matmul

This module attaches them to :class:`~minigrad.tensor.Tensor` as operators
and methods, and registers the numpy ufuncs and functions that dispatch to
them (so ``np.exp(t)`` and ``array + t`` give Tensors, and backward rules
written with numpy functions record graphs when given Tensors).
"""
from __future__ import annotations

import inspect

import numpy as np

from .. import tensor as _tensor_mod
from ..tensor import Tensor
from .elementwise import (abs, add, clip, clone, div, equal, exp, expm1, greater, greater_equal, less,
                          less_equal, log, log1p, log_sigmoid, maximum, minimum, mul, neg,
                          not_equal, pow, relu, sigmoid, softplus, sqrt, sub, tanh, where)
from .indexing import argmax, argmin, one_hot
from .inplace import add_, clamp_, copy_, div_, fill_, mul_, setitem_, sub_, zero_
from .linalg import matmul
from .reduce import log_softmax, logsumexp, max, mean, min, softmax, sum
from .shape import (astype, broadcast_to, concatenate, expand_dims, getitem, reshape, squeeze,
                    stack, swapaxes, transpose)

__all__ = [
    "abs", "add", "clip", "clone", "div", "equal", "exp", "expm1", "greater", "greater_equal", "less",
    "less_equal", "log", "log1p", "log_sigmoid", "maximum", "minimum", "mul", "neg",
    "not_equal", "pow", "relu", "sigmoid", "softplus", "sqrt", "sub", "tanh", "where",
    "matmul", "log_softmax", "logsumexp", "max", "mean", "min", "softmax", "sum",
    "astype", "broadcast_to", "concatenate", "expand_dims", "getitem", "reshape",
    "squeeze", "stack", "swapaxes", "transpose",
    "argmax", "argmin", "one_hot",
]


def _swap(fn):
    def reflected(self, other):
        return fn(other, self)

    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _method_reshape(self, *shape):
    return reshape(self, *shape)


def _method_transpose(self, *axes):
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list, np.ndarray))):
        axes = axes[0]
    return transpose(self, axes or None)


_OPERATORS = {
    "__add__": add, "__radd__": _swap(add),
    "__sub__": sub, "__rsub__": _swap(sub),
    "__mul__": mul, "__rmul__": _swap(mul),
    "__truediv__": div, "__rtruediv__": _swap(div),
    "__pow__": pow, "__rpow__": _swap(pow),
    "__matmul__": matmul, "__rmatmul__": _swap(matmul),
    "__neg__": neg, "__abs__": abs,
    "__lt__": less, "__le__": less_equal, "__gt__": greater, "__ge__": greater_equal,
    "__eq__": equal, "__ne__": not_equal,
    "__getitem__": getitem,
    "__setitem__": setitem_,
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_,
}

_METHODS = {
    "exp": exp, "log": log, "log1p": log1p, "expm1": expm1, "sqrt": sqrt, "abs": abs,
    "clip": clip, "maximum": maximum, "minimum": minimum, "sigmoid": sigmoid, "tanh": tanh,
    "relu": relu, "softplus": softplus, "log_sigmoid": log_sigmoid,
    "sum": sum, "mean": mean, "max": max, "min": min, "logsumexp": logsumexp,
    "softmax": softmax, "log_softmax": log_softmax,
    "reshape": _method_reshape, "transpose": _method_transpose, "squeeze": squeeze,
    "expand_dims": expand_dims, "broadcast_to": broadcast_to, "swapaxes": swapaxes,
    "astype": astype, "matmul": matmul, "clone": clone,
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "clamp_": clamp_,
    "zero_": zero_, "fill_": fill_, "copy_": copy_,
    "argmax": argmax, "argmin": argmin,
}

for _name, _fn in {**_OPERATORS, **_METHODS}.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(lambda self: transpose(self), doc="The tensor with its axes reversed.")

_tensor_mod._UFUNCS.update({
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div, np.power: pow,
    np.negative: neg, np.exp: exp, np.log: log, np.log1p: log1p, np.expm1: expm1,
    np.sqrt: sqrt, np.absolute: abs, np.maximum: maximum, np.minimum: minimum,
    np.tanh: tanh, np.matmul: matmul,
    np.less: less, np.less_equal: less_equal, np.greater: greater,
    np.greater_equal: greater_equal, np.equal: equal, np.not_equal: not_equal,
})


def _numpy_face(np_fn, fn, rename=None):
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
    what = f"np.{np_fn.__name__}"

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
            raise TypeError(f"{what}({name}=...) is not supported for tensors; "
                            + hints.get(name, f"minigrad takes ({supported})"))
        return fn(first, **kw)

    supported = ", ".join(n for n in names if n == names[0] or rename.get(n, n) in mine)
    hints = {"out": "use the tensor it returns",
             "dtype": f"use t.astype(...).{fn.__name__}()" if hasattr(Tensor, fn.__name__)
             else "cast the tensors first with t.astype(...)"}
    return call


def _reshape(a, shape):
    return reshape(a, shape)


_tensor_mod._FUNCTIONS.update({
    np.where: _numpy_face(np.where, where, {"x": "a", "y": "b"}),
    np.clip: _numpy_face(np.clip, clip, {"a_min": "min", "a_max": "max"}),
    np.reshape: _numpy_face(np.reshape, _reshape),
    np.matmul: matmul,
    **{f: _numpy_face(f, fn) for f, fn in [
        (np.sum, sum), (np.mean, mean), (np.max, max), (np.min, min), (np.amax, max),
        (np.amin, min), (np.transpose, transpose), (np.swapaxes, swapaxes),
        (np.squeeze, squeeze), (np.expand_dims, expand_dims), (np.broadcast_to, broadcast_to),
        (np.concatenate, concatenate), (np.stack, stack), (np.argmax, argmax),
        (np.argmin, argmin)]},
})
