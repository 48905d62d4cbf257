"""The numba backend of ``mg.compile``: a recorded pass as fused loops.

The recorded lines are the same as the numpy backend's (the eager numpy
calls).  Here consecutive elementwise lines of one shape become one loop
nest that computes each element through the whole chain at once, keeping
what only the chain reads in locals instead of arrays; a sum of a value of
that shape is accumulated in the same loop.  The loops of consecutive
groups make one *kernel*, a numba function; the lines numba is not asked to
fuse (matrix products, reshapes, indexing) run between kernels as the same
numpy calls, in a Python *driver* that reads like the numpy backend's code.

Agreement with eager: each elementwise op is computed in the dtype numpy
computes it in (``ufunc.resolve_dtypes`` of the recorded operands; a Python
number stays weak, so ``float32 * 0.1`` is float32), by the same operation
(``+``, ``np.exp``, ``np.log1p``, ``np.maximum``...), without fastmath: the
four arithmetic ops and ``sqrt`` give numpy's bits, the transcendental
functions are within a few ulps of numpy's (numba calls libm, numpy may use
its own SIMD versions).  Sums are added in another order than numpy's
pairwise sums, float32 ones in a float64 accumulator.

Kernels are cached on disk: each kernel's source is written to a file named
by its hash in ``MINIGRAD_CACHE_DIR`` (default ``~/.cache/minigrad/numba``;
a temporary directory where that is not writable) and compiled with
``@njit(cache=True)``, so a second run of the same program compiles nothing.
"""
from __future__ import annotations

import collections
import hashlib
import importlib.util
import linecache
import os
import sys
import tempfile
import threading

import numpy as np

from . import codegen
from .trace import Var

NJIT = '@njit(cache=True, error_model="numpy")'


class Unfusable(Exception):
    """The numba backend cannot compile this pass (it runs as numpy code)."""


# ---------------------------------------------------------------- the ops it fuses
_UNARY = {
    np.negative: "(-{0})", np.positive: "(+{0})", np.absolute: "np.abs({0})",
    np.sqrt: "np.sqrt({0})", np.exp: "np.exp({0})", np.expm1: "np.expm1({0})",
    np.log: "np.log({0})", np.log1p: "np.log1p({0})", np.tanh: "np.tanh({0})",
    np.sin: "np.sin({0})", np.cos: "np.cos({0})", np.square: "({0} * {0})",
    np.sign: "np.sign({0})", np.floor: "np.floor({0})", np.ceil: "np.ceil({0})",
}
_BINARY = {
    np.add: "({0} + {1})", np.subtract: "({0} - {1})", np.multiply: "({0} * {1})",
    np.divide: "({0} / {1})", np.power: "({0} ** {1})",
    # numpy's: NaN from either side, and ``b`` where equal (maximum(-0.0, 0.0) is 0.0;
    # numba's np.maximum gives ``a``)
    np.maximum: "({0} if {0} > {1} or {0} != {0} else {1})",
    np.minimum: "({0} if {0} < {1} or {0} != {0} else {1})",
}
_COMPARE = {
    np.greater: "({0} > {1})", np.greater_equal: "({0} >= {1})", np.less: "({0} < {1})",
    np.less_equal: "({0} <= {1})", np.equal: "({0} == {1})", np.not_equal: "({0} != {1})",
}
_TEMPLATES = {**_UNARY, **_BINARY, **_COMPARE}
# numba calls the C library for these, one element at a time; numpy's own
# SIMD loops are much faster on large arrays (np.expm1 on 100,000 float32:
# 44 us against numba's 1.4 ms here), so there they stay numpy calls
_LIBM = {np.exp, np.expm1, np.log, np.log1p, np.tanh, np.sin, np.cos, np.power}
# elements from which a loop leaves those functions, and sums along its
# innermost axis (one serial chain of additions, where numpy adds pairwise
# with SIMD), to numpy
LARGE = 16384
_SUMS = ("np.add.reduce", "np.sum")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _dtype_of(x):
    """What numpy resolves an operand as: an array's dtype, or a weak Python type."""
    if isinstance(x, Var):
        return float if x.kind == "scalar" else x.value.dtype
    if isinstance(x, np.generic):
        return x.dtype
    return np.dtype(bool) if type(x) is bool else type(x)


def _operand_ok(x):
    if isinstance(x, Var):
        if x.kind == "scalar":
            return True
        return isinstance(x.value, np.ndarray) and x.value.dtype.kind in "biuf" \
            and x.value.dtype != np.float16
    if isinstance(x, np.generic):
        return x.dtype.kind in "biuf" and x.dtype != np.float16
    return type(x) in (bool, int, float)


class Op:
    """One fused line: ``out = template(args)`` computed in ``loop`` dtypes,
    or a sum of ``args[0]`` over ``axes``."""

    def __init__(self, line, kind, args, out, target, shape, loop=None, result=None,
                 axes=(), keepdims=False):
        self.line, self.kind, self.args, self.out = line, kind, args, out
        self.target = target        # the Var written into (out=), or None
        self.shape = shape          # the loop's shape: the output's, or the summed input's
        self.loop, self.result = loop, result
        self.axes, self.keepdims = axes, keepdims


def elementwise(line, aliases):
    """The :class:`Op` of an elementwise ufunc (or ``np.where``/``np.clip``) line, else None."""
    fn = line.fn
    if line.kind != "call":
        return None
    if isinstance(fn, np.ufunc):
        if fn not in _TEMPLATES or line.text != f"np.{fn.__name__}" or len(line.args) != fn.nin:
            return None
    elif not ((fn is np.where or fn is np.clip) and len(line.args) == 3 and not line.kwargs):
        return None
    kwargs = dict(line.kwargs)
    out = kwargs.pop("out", None)
    if kwargs.pop("casting", "same_kind") != "same_kind" or kwargs:
        return None
    if out is not None:
        out = out[0] if type(out) is tuple and len(out) == 1 else out
        if not isinstance(out, Var) or out.kind not in ("input", "op") or \
                line.writes != [out] or len(line.outs) > 1:
            return None
    elif len(line.outs) != 1 or line.writes:
        return None
    args = tuple(aliases.get(id(a), a) if isinstance(a, Var) else a for a in line.args)
    if not all(_operand_ok(a) for a in args):
        return None
    new = line.outs[0] if line.outs else None
    value = (out if out is not None else new).value
    if not isinstance(value, np.ndarray) or not (value.dtype in _FLOATS or value.dtype == bool):
        return None
    if out is None and not (value.flags.c_contiguous or value.flags.f_contiguous):
        return None             # (a new array the kernel allocates: C or Fortran order)
    shape = value.shape
    if fn in _LIBM and value.size > LARGE:
        return None
    for a in args:
        if isinstance(a, Var) and a.kind != "scalar" and not _broadcasts(a.value.shape, shape):
            return None
    try:
        loop, result = _loop_dtypes(fn, args, value.dtype)
    except (TypeError, ValueError):
        return None
    if out is None and result != value.dtype:
        return None             # numpy computed it otherwise (numpy 1's value-based casting)
    return Op(line, "map", args, new, out, shape, loop, result)


def _broadcasts(small, shape):
    if len(small) > len(shape):
        return False
    return all(s in (1, g) for s, g in zip(small[::-1], shape[::-1]))


def _loop_dtypes(fn, args, result):
    """The dtypes numpy computes in (each operand's) and gives."""
    if fn is np.where or fn is np.clip:
        operands = args[1:] if fn is np.where else args
        kinds = [d if isinstance(d, np.dtype) else np.dtype(bool) for d in map(_dtype_of, args)]
        if result not in _FLOATS or any(d.kind not in "biuf" or d == np.float16 for d in kinds):
            raise TypeError
        loop = ((np.dtype(bool),) if fn is np.where else ()) + (result,) * len(operands)
        return loop, result
    dts = fn.resolve_dtypes(tuple(_dtype_of(a) for a in args) + (None,))
    loop, out = dts[:-1], dts[-1]
    if fn in _COMPARE:
        if out != np.dtype(bool) or any(d.kind not in "biuf" or d == np.float16 for d in loop):
            raise TypeError
    elif any(d not in _FLOATS for d in dts):
        raise TypeError
    return loop, out


def reduction(line, aliases):
    """The :class:`Op` of a plain float sum (``x.sum(axis, keepdims)``,
    ``np.add.reduce``, ``np.sum``), else None."""
    if not ((line.kind == "method" and line.text == "sum") or
            (line.kind == "call" and line.text in _SUMS)):
        return None
    if line.writes or len(line.outs) != 1 or not line.args or len(line.args) > 2:
        return None
    kwargs = dict(line.kwargs)
    axis = line.args[1] if len(line.args) == 2 else kwargs.pop("axis", None)
    if line.text == "np.add.reduce" and len(line.args) == 1 and "axis" not in line.kwargs:
        axis = 0
    keepdims = kwargs.pop("keepdims", False)
    if kwargs or type(keepdims) is not bool:
        return None
    x = aliases.get(id(line.args[0]), line.args[0])
    out = line.outs[0]
    if not isinstance(x, Var) or x.kind == "scalar" or not isinstance(x.value, np.ndarray):
        return None
    shape = line.args[0].value.shape
    if x.value.dtype not in _FLOATS or out.value.dtype != x.value.dtype:
        return None
    ndim = len(shape)
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = axis if type(axis) is tuple else (axis,)
        if not all(type(a) is int and -ndim <= a < ndim for a in axes):
            return None
        axes = tuple(sorted({a % ndim for a in axes}))
    inner = [d for d in range(ndim) if shape[d] > 1]
    if inner and inner[-1] in axes and line.args[0].value.size > LARGE:
        return None             # one serial chain of additions: numpy's pairwise sum is faster
    want = tuple(1 if d in axes else n for d, n in enumerate(shape)) if keepdims else \
        tuple(n for d, n in enumerate(shape) if d not in axes)
    if out.value.shape != want:
        return None
    return Op(line, "sum", (x,), out, None, shape, axes=axes, keepdims=keepdims)


def scatter(line):
    """The :class:`Op` of ``np.put_along_axis(z, index, values, axis)`` (the
    backward of max pooling's pick: each window's gradient goes to its
    maximum), else None.  Its loop runs over ``index``, writing one element
    of ``z`` per index as numpy does (negative indices count from the end,
    one out of range raises ``IndexError``); numpy's call takes a fancy
    index of every element, several times slower."""
    if line.kind != "call" or line.fn is not np.put_along_axis or line.kwargs \
            or len(line.args) != 4 or len(line.writes) != 1 or line.outs:
        return None
    z, index, values, axis = line.args
    if type(axis) is not int or line.writes[0] is not z or not all(
            isinstance(v, Var) and v.kind != "scalar" and isinstance(v.value, np.ndarray)
            for v in (z, index, values)):
        return None
    zv, iv, vv = z.value, index.value, values.value
    if zv.dtype not in _FLOATS or vv.dtype != zv.dtype or iv.dtype.kind != "i" \
            or iv.ndim != zv.ndim or not -zv.ndim <= axis < zv.ndim:
        return None
    axis %= zv.ndim
    if any(n != m for d, (n, m) in enumerate(zip(iv.shape, zv.shape)) if d != axis) \
            or not _broadcasts(vv.shape, iv.shape) \
            or np.may_share_memory(zv, iv) or np.may_share_memory(zv, vv):
        return None
    return Op(line, "scatter", (index, values), None, z, iv.shape, axes=(axis,))


def broadcast_alias(line):
    """The Var ``np.broadcast_to(x, shape)`` views, for a loop to read directly."""
    if line.kind == "call" and line.fn is np.broadcast_to and len(line.args) == 2 \
            and not line.kwargs and isinstance(line.args[0], Var) and len(line.outs) == 1 \
            and not line.writes and line.args[0].kind != "scalar":
        return line.args[0]
    return None


# ---------------------------------------------------------------- grouping
class Group:
    """Consecutive fused ops over one loop shape."""

    def __init__(self, shape):
        self.shape = shape
        self.ops = []
        self.made = set()         # ids of Vars computed here
        self.summed = set()       # ids of sums computed here (ready only after the loop)
        self.reads = []           # array Vars read
        self.written = []         # array Vars written

    def accepts(self, op):
        if op.shape != self.shape or op.kind == "scatter" or self.ops[0].kind == "scatter":
            return False            # (a scatter writes elsewhere than its loop's element: alone)
        reads = [a for a in op.args if isinstance(a, Var) and a.kind != "scalar"]
        if any(id(a) in self.summed for a in reads):
            return False
        for w in ([op.target] if op.target is not None else []) + self.written:
            for r in reads + self.reads:
                if r.value is not w.value and _overlap(r.value, w.value, self.shape):
                    return False
        return op.target is None or op.target.value.shape == self.shape

    def add(self, op):
        self.ops.append(op)
        self.reads += [a for a in op.args if isinstance(a, Var) and a.kind != "scalar"]
        if op.target is not None:
            self.written.append(op.target)
        if op.out is not None:
            self.made.add(id(op.out))
            if op.kind == "sum":
                self.summed.add(id(op.out))


def _overlap(r, w, shape):
    """Whether a loop over ``shape`` that writes ``w`` and reads ``r`` could
    read an element another iteration writes: they share memory, and not as
    the very same elements (same start, shape and strides: each iteration
    then reads what it writes itself).  Interleaved views that share no
    element (a fold's windows) do not overlap."""
    if not np.may_share_memory(r, w):
        return False
    if r.shape == shape and _same_elements(r, w):
        return False
    try:
        return np.shares_memory(r, w, max_work=10_000)
    except np.exceptions.TooHardError:
        return True


def _start(a):
    return a.__array_interface__["data"][0]


def _same_elements(a, b):
    """Whether views ``a`` and ``b`` address the very same memory, element by
    element (same start, shape and strides)."""
    return _start(a) == _start(b) and a.shape == b.shape and a.strides == b.strides


def _basic(index):
    """Whether an index is basic (slices, ints, None, ...): it makes a view."""
    items = index if type(index) is tuple else (index,)
    return all(i is None or i is Ellipsis or type(i) in (int, slice) for i in items) and \
        not any(isinstance(v, Var) for i in items if type(i) is slice
                for v in (i.start, i.stop, i.step))


def no_op_store(line):
    """Whether ``line`` is ``x[index] = v`` where ``v`` is those very elements
    of ``x`` (``x[index] += y`` stores its in-place result back): a store
    that changes nothing, at every call, since ``v`` views ``x``'s memory."""
    if line.kind != "setitem" or len(line.args) != 3:
        return False
    target, index, value = line.args
    if not (isinstance(target, Var) and isinstance(value, Var) and _basic(index)) \
            or not isinstance(value.value, np.ndarray) or value.base is None \
            or codegen._root(value) is not codegen._root(target):
        return False
    region = target.value[index]
    return isinstance(region, np.ndarray) and _same_elements(region, value.value) and \
        region.dtype == value.value.dtype


def partition(lines, wanted):
    """The lines as a list of numpy Lines and lists of Groups (kernels), and
    the broadcast views the loops read through (``id(view) -> Var``)."""
    readers = _readers(lines, wanted)
    aliases = {}
    for line in lines:
        src = broadcast_alias(line)
        if src is not None:
            v = line.outs[0]
            if all(r is not None and (elementwise(r, {}) or reduction(r, {})) and v not in r.writes
                   for r in readers.get(id(v), [None])):
                aliases[id(v)] = src
    items, group = [], None
    for line in lines:
        if line.outs and id(line.outs[0]) in aliases:
            continue
        op = elementwise(line, aliases) or reduction(line, aliases) or scatter(line)
        if op is None:
            if group is not None and _independent(line, items[-1]):
                items.insert(len(items) - 1, line)      # runs before the kernel instead
                continue
            items.append(line)
            group = None
            continue
        if group is None or not group.accepts(op):
            if not items or type(items[-1]) is not list:
                items.append([])
            group = Group(op.shape)
            items[-1].append(group)
        group.add(op)
    return _single_ops_unfused(_lone_sums(items), lines, aliases), aliases


def _single_ops_unfused(items, lines, aliases):
    """A kernel of one op fuses nothing: its numpy call (with the broadcast
    view it reads, if any) is as fast, and compiles in no time."""
    made_by = {id(line.outs[0]): line for line in lines if line.outs and id(line.outs[0]) in aliases}
    out = []
    for item in items:
        ops = [op for g in item for op in g.ops] if type(item) is list else None
        if ops is None or len(ops) > 1 or ops[0].kind == "scatter":
            out.append(item)
            continue
        line = ops[0].line
        out += [made_by[id(a)] for a in codegen.reads(line) if id(a) in made_by] + [line]
    return out


def _lone_sums(items):
    """The items with each sum of a group of more than LARGE elements that
    only sums arrays made before it taken out as a kernel of its own (which
    :func:`_single_ops_unfused` makes a numpy call): numpy's
    reduce adds such an array in SIMD, float32 in float32, where a loop adds
    one element at a time into a float64 accumulator (the CNN's bias
    gradient: 28 us in numpy, 82 us in the kernel)."""
    out = []
    for item in items:
        if type(item) is not list:
            out.append(item)
            continue
        made, part = set(), []
        for g in item:
            lone = all(op.kind == "sum" and id(op.args[0]) not in made for op in g.ops) \
                and int(np.prod(g.shape)) > LARGE
            if lone:
                out += ([part] if part else []) + [[_alone(op)] for op in g.ops]
                part = []
            else:
                part.append(g)
            made |= g.made
        if part:
            out.append(part)
    return out


def _alone(op):
    g = Group(op.shape)
    g.add(op)
    return g


def _independent(line, kernel):
    """Whether numpy ``line`` (a plain ufunc call) reads nothing the open
    ``kernel`` makes or writes, so that it can run before it; or whether it
    makes a view (basic indexing reads no element) of an array the kernel
    does not make."""
    if line.kind == "getitem" and not line.writes and len(line.outs) == 1 \
            and len(line.args) == 2 and _basic(line.args[1]) and line.outs[0].base is not None:
        made = set().union(*(g.made for g in kernel))
        return not any(id(u) in made for u in codegen._chain(line.args[0]))
    if line.kind != "call" or line.writes or "out" in line.kwargs or \
            not isinstance(line.fn, np.ufunc) or len(line.outs) != 1:
        return False
    touched, written = set(), []
    for g in kernel:
        touched |= g.made
        for op in g.ops:
            if op.target is not None:
                touched.update(id(u) for u in codegen._chain(op.target))
                written.append(op.target.value)
    reads = codegen.reads(line)
    return not any(id(u) in touched for v in reads for u in codegen._chain(v)) and \
        not any(np.may_share_memory(v.value, w) for v in reads
                if isinstance(v.value, np.ndarray) for w in written)


def _readers(lines, wanted):
    """``id(Var) -> [lines referencing it or a view of it]``; None for a wanted one."""
    out = {}
    for line in lines:
        for v in codegen.reads(line) + line.writes:
            for u in codegen._chain(v):
                out.setdefault(id(u), []).append(line)
        for v in line.outs:
            for u in codegen._chain(v.base):
                out.setdefault(id(u), []).append(line)
    for v in wanted:
        for u in codegen._chain(v):
            out.setdefault(id(u), []).append(None)
    return out


# ---------------------------------------------------------------- rendering
def _literal(x):
    """``x`` as numba source: a numpy number keeps its dtype (a bare
    ``0.1`` would be a float64 there, and ``x * 0.1`` computed in float64)."""
    typed = x.dtype if isinstance(x, np.generic) else None
    if typed is not None:
        x = x.item()
    if type(x) is float and not np.isfinite(x):
        text = "np.nan" if np.isnan(x) else ("np.inf" if x > 0 else "-np.inf")
    else:
        text = repr(x)
    return text if typed is None else f"{_np(typed)}({text})"


def _cast(expr, have, want):
    """``expr`` (of dtype or weak Python type ``have``; None: unknown) as
    numpy's dtype ``want``."""
    if want.kind == "b":
        return expr if have == want else f"({expr} != 0)"
    if isinstance(have, np.dtype):
        return expr if have == want else f"{_np(want)}({expr})"
    if have is float and want == np.float64:
        return expr
    return f"{_np(want)}({expr})"


def _np(dtype):
    """numpy's name of a dtype, as numba knows it (``np.bool_``: numpy 1 has no ``np.bool``)."""
    return "np.bool_" if dtype == bool else f"np.{dtype.name}"


class Kernel:
    """One numba function: the loops of consecutive groups."""

    def __init__(self, name, groups):
        self.name, self.groups = name, groups


def render_kernel(kernel, names, aliases, outside, materialize):
    """The kernel's source, its argument Vars and the Vars it returns.

    ``outside``: ids of Vars something outside the kernel reads (or the pass
    returns); ``materialize``: ids of the Vars that need an array."""
    made = set()
    for g in kernel.groups:
        made |= g.made
    args, seen = [], set()

    def arg(v):
        if id(v) not in made and id(v) not in seen:
            seen.add(id(v))
            args.append(v)

    body, returns, arrays = [], [], {}
    for g in kernel.groups:
        for op in g.ops:
            for a in op.args:
                if isinstance(a, Var):
                    arg(a)
            if op.target is not None:
                arg(op.target)
        body += _render_group(g, names, aliases, materialize, arrays, made)
    for g in kernel.groups:
        for op in g.ops:
            v = op.out
            if v is not None and id(v) in outside and id(v) in arrays:
                returns.append(v)
    params = ", ".join(names[id(v)] for v in args)
    lines = [NJIT, f"def {kernel.name}({params}):"] + ["    " + b for b in body]
    rets = [arrays[id(v)] for v in returns]
    lines.append(f"    return ({', '.join(rets)}{',' if len(rets) == 1 else ''})")
    return "\n".join(lines) + "\n", args, returns


def _render_group(g, names, aliases, materialize, arrays, made):
    shape = g.shape
    idx = [f"i{d}" for d in range(len(shape))]
    loop, post = [], []
    local = {}
    stores = []         # the loop's lines that store an element

    def read(x, want):
        if not isinstance(x, Var):
            return _cast(_literal(x), _dtype_of(x), want)
        if id(x) in local:
            return _cast(local[id(x)][0], local[id(x)][1], want)
        if x.kind == "scalar":
            return _cast(names[id(x)], float, want)
        return _cast(_element(arrays.get(id(x), names[id(x)]), x.value.shape, shape, idx),
                     x.value.dtype, want)

    sizes, pre = _sizes(g, names, arrays, made)
    for op in g.ops:
        if op.kind == "scatter":
            loop += _scatter_lines(op, read, idx, arrays.get(id(op.target), names[id(op.target)]))
            continue
        if op.kind == "sum":
            out = op.out
            acc_dtype = np.dtype(np.float64) if out.value.dtype.itemsize < 8 else out.value.dtype
            arr = f"out_{names[id(out)]}"
            acc = f"acc_{names[id(out)]}" if acc_dtype != out.value.dtype else arr
            kept = [("1" if d in op.axes else n) for d, n in enumerate(sizes)
                    if op.keepdims or d not in op.axes]
            pre.append(f"{acc} = np.zeros({_tuple(kept)}, {_np(acc_dtype)})")
            where = [("0" if d in op.axes else i) for d, i in enumerate(idx)
                     if op.keepdims or d not in op.axes]
            loop.append(f"{acc}[{', '.join(where) or '()'}] += {read(op.args[0], acc_dtype)}")
            if acc != arr:
                post.append(f"{arr} = {acc}.astype({_np(out.value.dtype)})")
            arrays[id(out)] = arr
            continue
        value = _expression(op, read)
        v = op.out
        name = names[id(v)] if v is not None else names[id(op.target)] + "_new"
        loop.append(f"{name} = {value}")
        if v is not None:
            local[id(v)] = (name, op.result)
        if op.target is not None:
            tdt = op.target.value.dtype
            local[id(op.target)] = (name, op.result) if tdt == op.result else \
                (_cast(name, op.result, tdt), tdt)
            root = op.target
            array = arrays.get(id(root), names[id(root)])
            if id(root) in made and id(root) not in arrays:
                array = None
            if array is not None:
                stores.append(len(loop))
                loop.append(f"{_element(array, root.value.shape, shape, idx)} = "
                            f"{_cast(name, op.result, tdt)}")
                if v is not None:
                    arrays[id(v)] = array
        elif v is not None and id(v) in materialize:
            arr = f"out_{names[id(v)]}"
            pre.append(f"{arr} = {_empty(v.value, sizes)}")
            arrays[id(v)] = arr
            stores.append(len(loop))
            loop.append(f"{_element(arr, shape, shape, idx)} = {name}")
    loop = _last_stores(loop, stores)
    out = list(pre)
    indent = ""
    for d, n in enumerate(sizes):
        out.append(f"{indent}for {idx[d]} in range({n}):")
        indent += "    "
    out += [indent + s for s in loop]
    return out + post


def _scatter_lines(op, read, idx, target):
    """The loop body of a :func:`scatter`: ``target[..., index, ...] = value``."""
    index, values = op.args
    axis = op.axes[0]
    j, n = f"j{axis}", f"{target}.shape[{axis}]"
    where = ", ".join(j if d == axis else i for d, i in enumerate(idx))
    return [f"{j} = {read(index, index.value.dtype)}",
            f"if {j} < 0:",
            f"    {j} += {n}",
            f"if {j} < 0 or {j} >= {n}:",
            f'    raise IndexError("put_along_axis: an index is out of bounds for axis {axis}")',
            f"{target}[{where}] = {read(values, op.target.value.dtype)}"]


def _last_stores(loop, stores):
    """The loop without stores that a later store of the same element
    overwrites (``out=`` into a value the loop made): memory holds the last."""
    lhs = {k: loop[k].split(" = ", 1)[0] for k in stores}
    dead = {k for k in stores if any(j > k and lhs[j] == lhs[k] for j in stores)}
    return [text for k, text in enumerate(loop) if k not in dead]


def _expression(op, read):
    fn = op.line.fn
    if fn is np.where:
        c, a, b = op.args
        return f"({read(a, op.result)} if {read(c, np.dtype(bool))} else {read(b, op.result)})"
    if fn is np.clip:
        a, lo, hi = (read(x, op.result) for x in op.args)
        return f"np.minimum(np.maximum({a}, {lo}), {hi})"
    operands = [read(a, d) for a, d in zip(op.args, op.loop)]
    text = _TEMPLATES[fn].format(*operands)
    if fn in _COMPARE or all(d == op.result for d in op.loop):
        return text             # numba computes float32 ops in float32, float64 in float64
    return _cast(text, None, op.result)


def _element(array, have, shape, idx):
    """``array[...]``: the element of an array of shape ``have`` that
    broadcasts to loop index ``idx`` over ``shape``."""
    k = len(shape) - len(have)
    parts = ["0" if n == 1 and shape[k + j] != 1 else idx[k + j] for j, n in enumerate(have)]
    return f"{array}[{', '.join(parts) or '()'}]"


def _empty(value, sizes):
    dt = _np(value.dtype)
    if value.flags.c_contiguous or value.ndim < 2:
        return f"np.empty({_tuple(sizes)}, {dt})"
    return f"np.empty({_tuple(sizes[::-1])}, {dt}).T"


def _tuple(items):
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _sizes(g, names, arrays, made):
    """The loop's sizes, read from the arrays it is given (so that a kernel
    serves every shape with the same broadcasting), and the lines reading
    them: ``n0, n1 = x.shape``."""
    shape = g.shape
    if not shape:
        return [], []
    ready = []
    for op in g.ops:
        for a in list(op.args) + [op.target]:
            if isinstance(a, Var) and a.kind != "scalar" and id(a) not in g.made \
                    and (id(a) not in made or id(a) in arrays):
                ready.append(a)
    name = {id(a): arrays.get(id(a), names[id(a)]) for a in ready}
    full = next((a for a in ready if a.value.shape == shape), None)
    if full is not None and len(shape) > 1:
        sizes = [f"n{d}" for d in range(len(shape))]
        return sizes, [f"{', '.join(sizes)} = {name[id(full)]}.shape"]
    sizes, lines = [], []
    for d, n in enumerate(shape):
        src = next(((a, j) for a in ready for j in [d - len(shape) + a.value.ndim]
                    if j >= 0 and a.value.shape[j] == n), None)
        if n == 1 or src is None:
            sizes.append(repr(n))
        else:
            sizes.append(f"n{d}")
            lines.append(f"n{d} = {name[id(src[0])]}.shape[{src[1]}]")
    return sizes, lines


# ---------------------------------------------------------------- the pass
def source(name, params, lines, outs, owners=None):
    """The fused pass ``name``: its kernels' sources, the driver's source and
    the driver's globals (kernels, constants); Nones where nothing fuses.
    ``owners`` (a dict) gets ``driver line number -> the index of the
    parameter`` of each numpy line of an update.

    Raises :class:`Unfusable` where numba cannot compile a kernel."""
    wanted = [v for v in outs if v is not None]
    lines = [line for line in lines if not no_op_store(line)]
    items, aliases = partition(lines, wanted)
    if not any(type(x) is list for x in items):
        return None, None, None         # nothing to fuse: the numpy backend's code is the same
    shown = {id(x) for x in items if type(x) is not list}
    alias_lines = {id(line) for line in lines
                   if line.outs and id(line.outs[0]) in aliases and id(line) not in shown}
    consts = codegen.constants(lines)
    names = codegen.assign_names(params + [v for line in lines for v in line.outs] + consts)
    renderer = codegen.Renderer(names, name)
    for v in consts:
        renderer.globals[names[id(v)]] = v.value
    used = codegen.used_vars(lines, wanted)
    kernel_texts, driver = [], [f"def {name}({', '.join(names[id(v)] for v in params)}):"]
    driver += codegen._describe_constants(consts, names)
    compiled = []
    number = 0
    for item in items:
        if type(item) is not list:
            driver.append("    " + _numpy_line(item, renderer, used))
            if owners is not None and item.owner is not None:
                owners[len(driver)] = item.owner
            continue
        number += 1
        kernel = Kernel(_free_name(f"{name}_{number}", renderer), item)
        outside, materialize = _needs(item, lines, wanted, alias_lines)
        text, args, returns = render_kernel(kernel, names, aliases, outside, materialize)
        kernel_texts.append(text)
        compiled.append((kernel.name, text, args))
        lhs = ", ".join(names[id(v)] for v in returns)
        call = f"{kernel.name}({', '.join(_passed(v, names) for v in args)})"
        driver.append(f"    {lhs}{',' if len(returns) == 1 else ''} = {call}" if returns
                      else f"    {call}")
    returned = ["None" if v is None else names[id(v)] for v in outs]
    driver.append(f"    return ({', '.join(returned)}{',' if len(returned) == 1 else ''})")
    for kname, text, args in compiled:
        renderer.globals[kname] = load(kname, text, [_numba_type(v) for v in args])
    return kernel_texts, "\n".join(driver) + "\n", renderer.globals


def _free_name(name, renderer):
    """``name``, or ``name_2``...: no value of the code nor a global has it."""
    free, k = name, 2
    while free in renderer.locals or free in renderer.globals:
        free, k = f"{name}_{k}", k + 1
    return free


_QUIET = frozenset(("ignore", "warn"))     # numpy's error states that raise nothing


class NumpyCode:
    """A fused pass as the numpy backend's code (without buffers), what runs
    where numpy's error state makes floating-point errors raise: numba's
    loops never raise (nor warn about) them.  ``owners``: line number -> the
    index of the parameter an update's line updates."""

    def __init__(self, name, params, lines, outs, number):
        self.owners = {}
        text, namespace = codegen.source(name, params, lines, outs, owners=self.owners,
                                         buffered=False)
        self.filename = f"<minigrad.compile {name} #{number}, as numpy code>"
        linecache.cache[self.filename] = (len(text), None, text.splitlines(True), self.filename)
        exec(compile(text, self.filename, "exec"), namespace)     # noqa: S102 - our code
        self.function = namespace[name]

    @staticmethod
    def wanted():
        """Whether numpy's error state (``np.seterr``, ``np.errstate``) makes
        a floating-point error raise (or call a function) instead of warning.

        Examples
        --------
        >>> with np.errstate(over="raise"):
        ...     NumpyCode.wanted()
        True
        >>> with np.errstate(all="warn"):
        ...     NumpyCode.wanted()
        False
        """
        return not _QUIET.issuperset(np.geterr().values())


def _numpy_line(line, renderer, used):
    """A line between kernels: numpy's call, as the numpy backend renders it
    (without its buffers).  A 0-d result stays an array, as it was recorded
    (numpy gives a number, which a later ``out=`` could not write into)."""
    text = renderer.line(line, used)
    if len(line.outs) == 1 and isinstance(line.outs[0].value, np.ndarray) \
            and line.outs[0].value.ndim == 0 and " = " in text:
        lhs, rhs = text.split(" = ", 1)
        text = f"{lhs} = np.asarray({rhs})"
    return text


def _passed(v, names):
    """A kernel's argument in the driver: a 0-d result numpy gave as a
    number goes in as a 0-d array, as the kernel was compiled for."""
    if v.kind == "op" and isinstance(v.value, np.ndarray) and v.value.ndim == 0:
        return f"np.asarray({names[id(v)]})"
    return names[id(v)]


def _needs(groups, lines, wanted, skip):
    """Ids of the Vars made in these groups that something outside the kernel
    reads (or the pass returns), and of those needing an array."""
    inside = {id(op.line) for g in groups for op in g.ops} | skip
    outside, per_group = set(), []
    for v in wanted:
        outside.update(id(u) for u in codegen._chain(v))
    for line in lines:
        if id(line) in inside:
            continue
        for v in codegen.reads(line) + line.writes + [o.base for o in line.outs if o.base]:
            outside.update(id(u) for u in codegen._chain(v))
    materialize = set(outside)
    for g in groups:
        per_group.append({id(a) for op in g.ops for a in op.args if isinstance(a, Var)} |
                         {id(op.target) for op in g.ops if op.target is not None})
    for gi, g in enumerate(groups):
        later = set().union(*per_group[:gi], *per_group[gi + 1:]) if len(groups) > 1 else set()
        for op in g.ops:
            if op.out is not None and id(op.out) in later:
                materialize.add(id(op.out))
        for op in reversed(g.ops):      # a new version that needs an array needs its root's
            if op.target is not None and op.out is not None and id(op.out) in materialize:
                materialize.add(id(op.target))
    return outside, materialize


def _numba_type(v):
    import numba
    if v.kind == "scalar":
        return numba.float64
    return numba.typeof(v.value)


# ---------------------------------------------------------------- loading, caching
_kernels = collections.OrderedDict()   # (source, types) -> its dispatcher, in this process
_modules = collections.OrderedDict()   # source -> (the dispatcher its file defines, module name)
_lock = threading.RLock()
MAX_KERNELS = 256        # kernel modules this process keeps (least recently used dropped first)


def cache_dir():
    """Where kernel sources and numba's compiled code are kept:
    ``$MINIGRAD_CACHE_DIR``, else ``~/.cache/minigrad/numba``, else (not
    writable) a directory in the temporary directory.

    Examples
    --------
    >>> import os
    >>> os.path.isdir(cache_dir())
    True
    """
    wanted = os.environ.get("MINIGRAD_CACHE_DIR") or \
        os.path.join(os.path.expanduser("~"), ".cache", "minigrad", "numba")
    for d in (wanted, os.path.join(tempfile.gettempdir(), f"minigrad-numba-{os.getuid()}")):
        try:
            os.makedirs(d, exist_ok=True)
        except OSError:
            continue
        if os.access(d, os.W_OK):
            return d
    raise Unfusable("no writable directory for numba's cache")


def load(name, text, types):
    """The numba dispatcher of kernel ``name`` (source ``text``), compiled
    for ``types``: from this process's table, numba's disk cache, or compiled."""
    key = (text, tuple(str(t) for t in types))
    with _lock:
        found = _kernels.get(key)
        if found is not None:
            _kernels.move_to_end(key)
            _modules.move_to_end(text)
            return found
        dispatcher, module_name = _modules.get(text) or _import(name, text)
        _modules[text] = dispatcher, module_name
        _modules.move_to_end(text)
        try:
            _compile(dispatcher, tuple(types))
        except Exception as e:      # noqa: BLE001 - numba's typing and lowering errors
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise Unfusable(f"numba could not compile it ({first})") from None
        _kernels[key] = dispatcher
        _forget_oldest()
        return dispatcher


def _forget_oldest():
    """Keep at most MAX_KERNELS kernel modules in this process: the oldest go
    from the tables and ``sys.modules`` (a compiled pass that holds one keeps
    it until the pass itself goes; the files stay on disk, numba's cache)."""
    while len(_modules) > MAX_KERNELS:
        text, (_, module_name) = _modules.popitem(last=False)
        for key in [k for k in _kernels if k[0] == text]:
            del _kernels[key]
        sys.modules.pop(module_name, None)


def _compile(dispatcher, types):
    try:
        dispatcher.compile(types)
    except Exception:       # noqa: BLE001 - a stale or broken disk cache: compile afresh
        dispatcher._cache.flush()
        dispatcher.compile(types)


def _import(name, text):
    """Write the kernel's module (once: its name is its source's hash) and import it."""
    module_text = "import numpy as np\nfrom numba import njit\n\n\n" + text
    digest = hashlib.sha256(module_text.encode()).hexdigest()[:24]
    folder = cache_dir()
    path = os.path.join(folder, f"k_{digest}.py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(module_text)
        os.replace(tmp, path)
        prune_disk_cache(folder)
    else:
        try:
            os.utime(path)          # used now: the last to be pruned
        except OSError:
            pass
    module_name = f"minigrad_fused_{digest}"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return getattr(module, name), module_name


MAX_DISK_KERNELS = 1000     # kernel files kept on disk (least recently used pruned first)


def prune_disk_cache(folder=None, keep=None):
    """Keep the disk cache to ``keep`` kernels (default MAX_DISK_KERNELS):
    beyond that, the least recently used kernel files and numba's compiled
    code for them go, down to nine tenths of it (never one this process has
    loaded).  Returns how many kernels it removed.

    Examples
    --------
    >>> prune_disk_cache() >= 0
    True
    """
    folder = folder or cache_dir()
    keep = MAX_DISK_KERNELS if keep is None else keep
    try:
        files = [e for e in os.scandir(folder) if e.name.startswith("k_") and e.name.endswith(".py")]
    except OSError:
        return 0
    if len(files) <= keep:
        return 0
    loaded = {name[len("minigrad_fused_"):] for _, name in _modules.values()}
    files.sort(key=lambda e: e.stat().st_mtime)
    compiled = collections.defaultdict(list)        # digest -> numba's files for it
    try:
        for c in os.scandir(os.path.join(folder, "__pycache__")):
            compiled[c.name.split(".", 1)[0][2:]].append(c.path)
    except OSError:
        pass
    removed = 0
    for e in files[:len(files) - keep * 9 // 10]:
        digest = e.name[2:-3]
        if digest in loaded:
            continue
        try:
            os.remove(e.path)
            for path in compiled[digest]:
                os.remove(path)
        except OSError:     # another process pruned it first
            continue
        removed += 1
    return removed


def stats():
    """How the kernels of this process were obtained: ``{"compiled": n,
    "cached": m}`` (compiled by numba now, or loaded from the disk cache).

    Examples
    --------
    >>> sorted(stats())
    ['cached', 'compiled']
    """
    compiled = cached = 0
    for d, _ in list(_modules.values()):
        compiled += sum(d.stats.cache_misses.values())
        cached += sum(d.stats.cache_hits.values())
    return {"compiled": compiled, "cached": cached}
