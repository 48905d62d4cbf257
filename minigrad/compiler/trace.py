"""Recording a pass: every numpy call it makes, as one line of code.

While a backward pass or an optimizer update is recorded, the arrays it
computes with are :class:`Traced` arrays: numpy arrays (views of the real
memory, so every value is the real one) that note each numpy function,
ufunc, method and index applied to them in the active :class:`Recorder`.
The backward rules and the optimizer updates are written with numpy, so one
mechanism records both.

What a recording cannot repeat (a value read into Python, a result whose
shape depends on the data, an array that left the recording unrecorded)
raises :class:`Unrecordable`: the pass then runs eagerly, as without
``mg.compile``, and the step lists it in ``step.breaks``.
"""
from __future__ import annotations

import contextlib
import contextvars
import operator
import os
import re
import sys

import numpy as np

from ..tracing import TracedArray

_active = contextvars.ContextVar("minigrad_recorder", default=None)
recorder = _active.get
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Unrecordable(Exception):
    """A pass did something its recorded code could not repeat; it runs
    eagerly instead (an entry of ``step.breaks``)."""


def user_line():
    """``'file.py, line N: source'`` for the innermost frame outside minigrad
    (``Cell In[3], line 2`` in a notebook), or None."""
    frame = sys._getframe(1)
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE)
                                 or frame.f_code.co_filename.startswith("<frozen")):
        frame = frame.f_back
    if frame is None:
        return None
    import linecache
    src = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{_file_name(frame.f_code.co_filename)}, line {frame.f_lineno}: `{src}`"


def _file_name(filename):
    """IPython's name for code typed into a notebook cell (``Cell In[3]``,
    as its tracebacks say), else the file's base name."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
    try:
        label = shell.compile.format_code_name(filename) if shell is not None else None
    except Exception:       # noqa: BLE001 - an IPython without it: the plain name
        label = None
    return " ".join(label) if label else os.path.basename(filename)


class Var:
    """One value in a recording: an input, a constant, or the result of a line."""

    __slots__ = ("name", "value", "kind", "base", "fresh")

    def __init__(self, value, kind, name):
        self.value = value      # the array at recording time (a raw view)
        self.kind = kind        # "input", "const", "scalar" or "op"
        self.name = name
        self.base = None        # the Var whose memory this one views, if any
        self.fresh = False      # a new array (not a view): may live in a reused buffer

    def __repr__(self):
        return f"<Var {self.name}>"


class Line:
    """One recorded call: ``outs = fn(*args, **kwargs)``, or a statement."""

    __slots__ = ("fn", "args", "kwargs", "outs", "writes", "section", "text", "kind", "owner")

    def __init__(self, fn, text, args, kwargs, kind, section):
        self.fn, self.text, self.args, self.kwargs = fn, text, args, kwargs
        self.kind = kind        # "call", "method", "getitem" or "setitem"
        self.section = section
        self.outs = []
        self.writes = []        # Vars changed in place
        self.owner = None       # in an update: the index of the parameter it updates


class Scalar(float):
    """A number a recording reads afresh at every call (a learning rate, a bias
    correction, an option): an input of the code, not a constant.  A Python
    comparison on it is a *guard*: the code is reused only by calls where the
    comparison comes out the same."""

    __slots__ = ("var", "expr")

    def _no(self, other=None):
        if isinstance(other, np.ndarray):
            return NotImplemented       # numpy takes it, and records the name
        raise Unrecordable("arithmetic in Python on a per-step number inside an update "
                           "(compute it in the optimizer's _numbers)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _no
    __rtruediv__ = __pow__ = __rpow__ = __neg__ = __floordiv__ = __mod__ = _no

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(type(x) is Traced for x in inputs + tuple(kwargs.get("out") or ())):
            return NotImplemented       # the recorded array's override records it
        raise Unrecordable(f"numpy's {ufunc.__name__} of a per-step number and no recorded "
                           "array (its result would be a constant of the code; compute it "
                           "in the optimizer's _numbers)")

    def _guard(self, op, other):
        if isinstance(other, Scalar):       # two per-step numbers: both read at every call
            result, rec = op(float(self), float(other)), recorder()
            if rec is not None:
                expr, other_expr = self.expr, other.expr
                rec.guards.append((lambda values: op(expr(values), other_expr(values)), result))
            return result
        result = op(float(self), other)
        rec = recorder()
        # the same comparison of an input again (for each parameter of a group): one guard
        once = (id(self), op, other) if self.var is not None and type(other) in (
            int, float, bool) else None
        if rec is not None and once not in rec.guarded:
            if once is not None:
                rec.guarded.add(once)
            expr = self.expr
            rec.guards.append((lambda values: op(expr(values), other), result))
        return result

    def __lt__(self, o): return self._guard(operator.lt, o)   # noqa: E704
    def __le__(self, o): return self._guard(operator.le, o)   # noqa: E704
    def __gt__(self, o): return self._guard(operator.gt, o)   # noqa: E704
    def __ge__(self, o): return self._guard(operator.ge, o)   # noqa: E704
    def __eq__(self, o): return self._guard(operator.eq, o)   # noqa: E704
    def __ne__(self, o): return self._guard(operator.ne, o)   # noqa: E704
    def __bool__(self): return self._guard(operator.ne, 0.0)  # noqa: E704
    __hash__ = float.__hash__

    def __abs__(self):
        s = Scalar(abs(float(self)))
        s.var, expr = None, self.expr
        s.expr = lambda values: abs(expr(values))
        return s


def _raw(x):
    """``x`` with every Traced array replaced by a plain view of it."""
    t = type(x)
    if t is Traced:
        return _view(x, np.ndarray)
    if t is Scalar:
        return float(x)
    if t is tuple or t is list:
        return t(_raw(v) for v in x)
    if t is dict:
        return {k: _raw(v) for k, v in x.items()}
    return x


_view = np.ndarray.view


# numpy functions whose result is about shapes or memory, not values: computed, not recorded
_STATIC = {np.shape, np.ndim, np.size, np.result_type, np.may_share_memory,
           np.shares_memory, np.iscomplexobj, np.isrealobj, np.min_scalar_type,
           np.can_cast}
# numpy functions that change their first argument in place (and return None)
_WRITES_FIRST = {np.put_along_axis, np.put, np.copyto, np.place, np.putmask, np.fill_diagonal}
# results whose shape depends on the data: recorded code could not reuse them
_DATA_SHAPED = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract,
                np.compress, np.trim_zeros}


class Traced(TracedArray):
    """A numpy array whose every use is recorded in the active recording."""

    def __array_finalize__(self, obj):
        self._var = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(_other_override(x) for x in inputs):
            return NotImplemented       # a Tensor operand: not a recorded pass
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        text = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        return _call(fn, text, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if any(not issubclass(t, np.ndarray) for t in types):
            return NotImplemented
        if func in _STATIC:
            return func(*_raw(args), **_raw(kwargs))
        if func in _DATA_SHAPED:
            raise Unrecordable(f"numpy.{func.__name__}, whose result's shape depends on the data")
        mod = func.__module__.replace("numpy", "np", 1) if func.__module__ else "np"
        mod = "np" if mod in ("np", "np.core.multiarray", "np.core.numeric",
                              "np._core.multiarray", "np._core.numeric",
                              "np._core.fromnumeric", "np.core.fromnumeric") else mod
        return _call(func, f"{mod}.{func.__name__}", args, kwargs)

    # --- methods that do not go through the protocols: recorded as methods
    def __getitem__(self, index):
        if _is_mask(index):
            raise Unrecordable("indexing with a boolean mask, whose result's shape "
                               "depends on the data")
        return _call(np.ndarray.__getitem__, "[]", (self, index), {}, kind="getitem")

    def __setitem__(self, index, value):
        _call(np.ndarray.__setitem__, "[]=", (self, index, value), {}, kind="setitem")

    def _method(name):      # noqa: N805 - a factory used in the class body
        base = getattr(np.ndarray, name)

        def method(self, *args, **kwargs):
            return _call(base, name, (self,) + args, kwargs, kind="method")
        method.__name__ = name
        return method

    for _name in ("reshape", "transpose", "astype", "copy", "ravel", "flatten", "squeeze",
                  "swapaxes", "sum", "mean", "max", "min", "prod", "any", "all",
                  "argmax", "argmin", "std", "var", "cumsum", "dot", "clip", "round",
                  "repeat", "fill", "take"):
        locals()[_name] = _method(_name)
    del _name, _method

    @property
    def T(self):   # noqa: N802 - numpy's name
        return self.transpose()

    # --- reading a value into Python: the pass runs eagerly instead
    def _reader(name):      # noqa: N805 - a factory used in the class body
        base = getattr(np.ndarray, name)

        def read(self, *args):
            if recorder() is not None:
                raise Unrecordable(f"reads an array's value into Python ({name})")
            return base(_view(self, np.ndarray), *args)     # after its recording: plain
        read.__name__ = name
        return read

    for _name in ("item", "tolist", "tobytes", "__float__", "__int__", "__index__",
                  "__complex__", "__bool__", "__iter__", "__reduce__", "__repr__", "__str__"):
        locals()[_name] = _reader(_name)
    del _name, _reader

    # --- methods writing in place that no protocol reports: the pass runs eagerly
    def _writer(name):      # noqa: N805 - a factory used in the class body
        base = getattr(np.ndarray, name)

        def write(self, *args, **kwargs):
            if recorder() is not None:
                raise Unrecordable(f"changes an array in place with .{name}(), which the "
                                   "recording could not repeat")
            return base(_view(self, np.ndarray), *args, **kwargs)
        write.__name__ = name
        return write

    for _name in ("sort", "partition", "put", "resize", "byteswap", "setfield", "__setstate__"):
        locals()[_name] = _writer(_name)
    del _name, _writer


def _other_override(x):
    return not isinstance(x, (np.ndarray, Scalar)) and \
        getattr(type(x), "__array_ufunc__", None) is not None


def _is_mask(index):
    parts = index if type(index) is tuple else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype == bool for p in parts)


def _call(fn, text, args, kwargs, kind="call"):
    rec = recorder()
    raw_args, raw_kwargs = _raw(args), _raw(kwargs)
    if rec is None:                       # a Traced array outside its recording: plain numpy
        return fn(*raw_args, **raw_kwargs)
    return rec.call(fn, text, args, kwargs, raw_args, raw_kwargs, kind)


class Recorder:
    """Collects the lines of one recording and the Vars they read and make."""

    def __init__(self, section):
        self.lines = []
        self.consts = {}          # id(raw array) -> Var
        self.keep = []            # the raw arrays those ids belong to (kept alive)
        self.owned = set()        # ids of the arrays recorded values live in
        self.section = section
        self.hint = None          # a name for the next results (a backward rule's node)
        self.guards = []          # (expr(values) -> result, result): Python branches on Scalars
        self.guarded = set()      # (id of a Scalar, op, other) already guarded (the Scalars
        #                           stay alive in inputs_read while the recording lasts)
        self.inputs_read = {}     # where an update read a number or option -> (what it got,)
        self.inputs = []          # the input Vars, in the order the code takes them
        self.scalars = []         # (Var, index into the values a call reads) of each Scalar

    @contextlib.contextmanager
    def active(self):
        """Record the numpy calls made in this block (in this thread only)."""
        token = _active.set(self)
        try:
            yield self
        finally:
            _active.reset(token)

    # ------------------------------------------------------------ vars
    def new_var(self, value, kind, name):
        v = Var(value, kind, name)
        while isinstance(value, np.ndarray) and kind != "const":
            self.owned.add(id(value))      # memory a recorded value lives in
            self.keep.append(value)
            value = value.base
        return v

    def traced(self, array, name):
        """A Traced view of ``array``, a new input."""
        t = _view(array, Traced)
        t._var = self.new_var(array, "input", name)
        self.inputs.append(t._var)
        return t

    def scalar(self, value, name, index):
        """A Scalar for ``value``: a number input, read afresh at each call as
        ``values[index]``."""
        s = Scalar(value)
        s.var = self.new_var(float(value), "scalar", name)
        s.expr = lambda values: values[index]
        self.scalars.append((s.var, index))
        return s

    def ref(self, x):
        """What a line's argument ``x`` becomes in its template."""
        t = type(x)
        if t is Traced:
            if x._var is None:
                raise Unrecordable("an array was derived from a recorded one without "
                                   "being recorded")
            return x._var
        if t is Scalar:
            if x.var is None:
                raise Unrecordable("a number derived in Python from a per-step number")
            return x.var
        if t is tuple or t is list:
            return t(self.ref(v) for v in x)
        if t is dict:
            return {k: self.ref(v) for k, v in x.items()}
        if isinstance(x, np.ndarray):
            return self.const(x)
        return x

    def const(self, a):
        v = self.consts.get(id(a))
        if v is None:
            base = a
            while isinstance(base, np.ndarray):
                if type(base) is Traced or id(base) in self.owned:
                    raise Unrecordable("an array viewing a recorded value left the "
                                       "recording (np.asarray of it?)")
                base = base.base
            v = self.consts[id(a)] = self.new_var(a, "const", "const")
            self.keep.append(a)
        return v

    # ------------------------------------------------------------ lines
    def call(self, fn, text, args, kwargs, raw_args, raw_kwargs, kind):
        out = kwargs.get("out")
        if kind == "setitem":
            writes = [args[0]]
        elif out is not None:
            writes = list(out) if type(out) is tuple else [out]
        elif kind == "method" and text == "fill":
            writes = [args[0]]
        elif text.endswith(".at") or fn in _WRITES_FIRST:
            writes = [args[0]]
        else:
            writes = []
        for w in writes:
            if type(w) is not Traced:
                raise Unrecordable("a write into an array the recording does not know")
        line = Line(fn, text, self.ref(args), self.ref(kwargs), kind, self.section)
        result = fn(*raw_args, **raw_kwargs)
        line.writes = [self.ref(w) for w in writes]
        self.lines.append(line)
        if writes:
            if out is None:
                return None
            out = out[0] if type(out) is tuple and len(out) == 1 else out
            if type(out) is Traced and kind == "call":
                self._new_version(out, line)
            return out
        return self._wrap(result, line)

    def _new_version(self, out, line):
        """A result written over a recorded array gets a name of its own
        (``exp = np.exp(t, out=t)``): the code says what each line made."""
        old = out._var
        if old is None or old.kind != "op":
            return
        v = self.new_var(old.value, "op", self._name(line.text))
        v.base = old
        line.outs.append(v)
        out._var = v

    def _wrap(self, result, line):
        if isinstance(result, (tuple, list)) and all(isinstance(r, np.ndarray) for r in result):
            return type(result)(self._wrap(r, line) for r in result)
        if isinstance(result, np.generic):
            result = np.asarray(result)
        if not isinstance(result, np.ndarray):
            self.lines.pop()
            raise Unrecordable(f"{line.text} computes a Python value "
                               f"({type(result).__name__}) from recorded arrays")
        t = _view(result, Traced)
        v = t._var = self.new_var(result, "op", self._name(line.text))
        v.base = self._viewed(result, line)
        v.fresh = v.base is None
        line.outs.append(v)
        return t

    def _viewed(self, result, line):
        """The Var of an argument whose memory ``result`` shares, if any."""
        for a in vars_in(line.args):
            if isinstance(a.value, np.ndarray) and np.may_share_memory(result, a.value):
                return a
        return None

    def _name(self, text):
        op = text.split(".")[-1].strip("[]=") or "index"
        return f"{op}_{self.hint}" if self.hint else op

    @contextlib.contextmanager
    def naming(self, hint):
        """Name what this block computes ``<numpy op>_<hint>``."""
        prev, self.hint = self.hint, hint
        try:
            yield
        finally:
            self.hint = prev

    def record_call(self, fn, text, args, kwargs):
        """A numpy function that does not dispatch to subclasses, given traced arrays."""
        return self.call(fn, text, args, kwargs, _raw(args), _raw(kwargs), "call")


def found_in(x, cls):
    """The instances of ``cls`` in ``x`` (nested in tuples, lists, dicts, slices)."""
    if isinstance(x, cls):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from found_in(v, cls)
    elif isinstance(x, dict):
        for v in x.values():
            yield from found_in(v, cls)
    elif isinstance(x, slice):
        yield from found_in((x.start, x.stop, x.step), cls)


def vars_in(x):
    """The Vars in a line's arguments."""
    return found_in(x, Var)


def op_name(node):
    """``log_sigmoid`` for a ``LogSigmoid`` node, ``matmul`` for ``MatMul``."""
    name = type(node).__name__
    return "matmul" if name == "MatMul" else re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
