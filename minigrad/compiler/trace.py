"""Recording what a step computes: every numpy call, as one line of code.

While :func:`minigrad.compile` traces a step, the arrays the step computes
with are :class:`Traced` arrays: numpy arrays (a view of the real memory, so
every value is the real one) that note each numpy function, ufunc, method
and index applied to them in the active :class:`Recorder`.  Forward ops,
backward rules and optimizer updates are all written with numpy, so one
mechanism records all three.

What cannot be recorded is refused here, at trace time, with the line of
the step that did it: reading a traced value into Python (``float(t)``,
``t.item()``, ``bool(t)``, ``t.numpy()``), a result whose shape depends on
the data (boolean masks), and any array that left the trace unrecorded.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import sys
import threading

import numpy as np

_active = contextvars.ContextVar("minigrad_trace", default=None)
TRACING = [0]        # traces in progress, in any thread: the hot paths' one cheap test
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def recorder():
    """The :class:`Recorder` of the trace running in this thread, or None."""
    return _active.get() if TRACING[0] else None


class TraceError(RuntimeError):
    """A step does something a compiled replay could not repeat.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> def step(x):
    ...     loss = (w * x).sum()
    ...     return loss * 2 if loss.item() > 0 else loss
    >>> try:
    ...     mg.compile(step)(mg.ones(1))
    ... except mg.TraceError as e:
    ...     print(str(e).split(":")[0])
    mg.compile cannot trace <doctest minigrad.compiler.trace.TraceError[2]>, line 3
    """


def user_line():
    """``'file.py, line N: source'`` for the innermost frame outside minigrad."""
    frame = first = sys._getframe(1)
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE)
                                 or frame.f_code.co_filename.startswith("<frozen")):
        frame = frame.f_back
    inside = frame is None
    if inside:                      # minigrad's own code (the CLI): name the line inside it
        while first.f_back is not None and first.f_code.co_filename == __file__:
            first = first.f_back
        frame = first
    import linecache
    src = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    where = f"{_file_name(frame.f_code.co_filename)}, line {frame.f_lineno}: `{src}`"
    return "minigrad:" + where if inside else where


def _file_name(filename):
    """How to name the file of a line: IPython's name for code typed into a
    notebook cell or its shell (``Cell In[3]``, as its tracebacks say, where
    the file is a temporary one named by a hash), else the file's base name."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
    try:
        label = shell.compile.format_code_name(filename) if shell is not None else None
    except Exception:       # noqa: BLE001 - an IPython without it: the plain name
        label = None
    return " ".join(label) if label else os.path.basename(filename)


def refuse(what):
    """Raise :class:`TraceError`: the step read a traced value into Python."""
    where = user_line()
    if where.startswith("minigrad:"):
        raise TraceError(
            f"mg.compile cannot trace {where[len('minigrad:'):]}: minigrad's own code there "
            f"{what}, which a replay could not repeat; run this step eagerly (uncompiled)")
    raise TraceError(
        f"mg.compile cannot trace {where}: it {what}, and a replay runs the "
        "recorded numpy code without running your Python again, so it would reuse "
        "this call's value. Move that code out of the compiled function (return the "
        "tensor and read it after the call), or run the step eagerly")


class Var:
    """One value in a trace: an input, a piece of state, a constant, or the
    result of a recorded line."""

    __slots__ = ("name", "value", "kind", "owner", "base", "fresh")

    def __init__(self, value, kind, name):
        self.value = value      # the array at trace time (a raw view)
        self.kind = kind        # "input", "state", "const", "scalar" or "op"
        self.name = name
        self.owner = None       # for a per-step number: its key in the optimizer's numbers
        self.base = None        # the Var whose memory this one views, if any
        self.fresh = False      # a new array (not a view): may live in a reused buffer

    def __repr__(self):
        return f"<Var {self.name}>"


class Line:
    """One recorded call: ``outs = fn(*args, **kwargs)``, or a statement."""

    __slots__ = ("fn", "args", "kwargs", "outs", "writes", "section", "text", "kind")

    def __init__(self, fn, text, args, kwargs, kind, section):
        self.fn, self.text, self.args, self.kwargs = fn, text, args, kwargs
        self.kind = kind        # "call", "method", "getitem", "setitem", "numbers", "draw", "check"
        self.section = section
        self.outs = []
        self.writes = []        # Vars changed in place


class Scalar(float):
    """A number an optimizer reads afresh at every step (a learning rate, a
    bias correction), named in the trace instead of written as a constant."""

    __slots__ = ("var",)

    def _no(self, other=None):
        if isinstance(other, np.ndarray):
            return NotImplemented       # numpy takes it, and records the name
        raise TraceError(
            "internal: arithmetic on a per-step number inside an optimizer update; "
            "compute it in the optimizer's _numbers so that replays recompute it")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _no
    __rtruediv__ = __pow__ = __rpow__ = __neg__ = _no


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


def _traced_in(x):
    t = type(x)
    if t is Traced:
        return True
    if t is tuple or t is list:
        return any(_traced_in(v) for v in x)
    if t is dict:
        return any(_traced_in(v) for v in x.values())
    return False


# numpy functions whose result is about shapes or memory, not values: computed, not recorded
_STATIC = {np.shape, np.ndim, np.size, np.result_type, np.may_share_memory,
           np.shares_memory, np.iscomplexobj, np.isrealobj, np.min_scalar_type,
           np.can_cast}
# results whose shape depends on the data: a replay could not reuse the trace
_OP_NAMES = {"MatMul": "matmul"}
# numpy functions that change their first argument in place (and return None)
_WRITES_FIRST = {np.put_along_axis, np.put, np.copyto, np.place, np.putmask, np.fill_diagonal}
_DATA_SHAPED = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract,
                np.compress, np.trim_zeros}


class Traced(np.ndarray):
    """A numpy array whose every use is recorded in the active trace."""

    def __array_finalize__(self, obj):
        self._var = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(_other_override(x) for x in inputs):
            return NotImplemented       # a Tensor operand: its op records the graph
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        text = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        return _call(fn, text, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if any(not issubclass(t, np.ndarray) for t in types):
            return NotImplemented       # a Tensor argument: its op records the graph
        if func in _STATIC:
            return func(*_raw(args), **_raw(kwargs))
        if func in _DATA_SHAPED:
            refuse(f"calls numpy.{func.__name__}, whose result's shape depends on the data")
        mod = func.__module__.replace("numpy", "np", 1) if func.__module__ else "np"
        mod = "np" if mod in ("np", "np.core.multiarray", "np.core.numeric",
                              "np._core.multiarray", "np._core.numeric",
                              "np._core.fromnumeric", "np.core.fromnumeric") else mod
        return _call(func, f"{mod}.{func.__name__}", args, kwargs)

    # --- methods that do not go through the protocols: recorded as methods
    def __getitem__(self, index):
        if _is_mask(index):
            refuse("indexes with a boolean mask, whose result's shape depends on the data")
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

    # --- reading a value into Python: refused
    def _reader(name):      # noqa: N805 - a factory used in the class body
        base = getattr(np.ndarray, name)

        def read(self, *args):
            if recorder() is not None:
                refuse("reads the value of a traced array into Python")
            return base(_view(self, np.ndarray), *args)     # after its trace: a plain array
        read.__name__ = name
        return read

    for _name in ("item", "tolist", "tobytes", "__float__", "__int__", "__index__",
                  "__complex__", "__bool__", "__iter__", "__reduce__", "__repr__", "__str__"):
        locals()[_name] = _reader(_name)
    del _name, _reader


def kept_array(x):
    """``x`` as a numpy array: a plain or traced array as it is; anything else
    (lists, numbers, numpy subclasses such as ``np.matrix``) through
    ``np.asarray``, which makes a plain array."""
    return x if type(x) is np.ndarray or type(x) is Traced else np.asarray(x)


def traced(a):
    """Whether ``a`` is a traced array (its value may differ at a replay)."""
    return type(a) is Traced


def every(mask):
    """``mask.all()`` for an op's fast path; False for a traced mask, whose
    replays will see other data, so that the op takes its general path.  An
    op that uses this gives the same bits on either path where both apply."""
    return type(mask) is not Traced and bool(mask.all())


def recorded(fn, text):
    """``fn`` (a numpy function that does not dispatch to array subclasses,
    such as ``as_strided``), recorded as ``text`` when given traced arrays."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if recorder() is not None and _traced_in(args):
            return _call(fn, text, args, kwargs)
        return fn(*args, **kwargs)
    return call


def value_check(fn):
    """Mark ``fn`` (which raises or warns about bad values, and returns
    nothing) as a check that a compiled replay repeats on each call's data."""
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        rec = recorder()
        if rec is None or not _traced_in(_arrays_of(args)):
            return fn(*args, **kwargs)
        return rec.check(fn, args, kwargs)
    return checked


def _arrays_of(args):
    return tuple(getattr(a, "_data", a) for a in args)


def _other_override(x):
    return not isinstance(x, np.ndarray) and getattr(type(x), "__array_ufunc__", None) is not None


def _is_mask(index):
    parts = index if type(index) is tuple else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype == bool for p in parts)


def _call(fn, text, args, kwargs, kind="call"):
    rec = recorder()
    raw_args, raw_kwargs = _raw(args), _raw(kwargs)
    if rec is None:                       # a Traced array outside its trace: plain numpy
        return fn(*raw_args, **raw_kwargs)
    return rec.call(fn, text, args, kwargs, raw_args, raw_kwargs, kind)


# numpy's array constructors do not dispatch to a subclass: ``np.array(traced)``
# would copy the values into a plain array, a constant to every replay.  While
# any step is traced they are wrapped so that, given traced arrays, they are
# recorded like any other call (other threads, with no trace, go straight through).
_CONVERTERS = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray")
_ORIGINAL = {name: getattr(np, name) for name in _CONVERTERS}
_patch_lock = threading.Lock()


def _converter(name):
    original = _ORIGINAL[name]

    @functools.wraps(original)
    def convert(obj, *args, **kwargs):
        if recorder() is not None and _traced_in(obj):
            return _call(original, f"np.{name}", (obj,) + args, kwargs)
        return original(obj, *args, **kwargs)
    return convert


_WRAPPED = {name: _converter(name) for name in _CONVERTERS}


def start_tracing():
    """Count a trace in; the first wraps numpy's array constructors."""
    with _patch_lock:
        TRACING[0] += 1
        if TRACING[0] == 1:
            for name, fn in _WRAPPED.items():
                setattr(np, name, fn)


def stop_tracing():
    """Count a trace out; the last puts numpy's constructors back."""
    with _patch_lock:
        TRACING[0] -= 1
        if TRACING[0] == 0:
            for name, fn in _ORIGINAL.items():
                setattr(np, name, fn)


class Recorder:
    """Collects the lines of one trace and the Vars they read and make."""

    def __init__(self):
        self.lines = []
        self.consts = {}          # id(raw array) -> Var
        self.keep = []            # the raw arrays those ids belong to (kept alive)
        self.owned = set()        # ids of the arrays trace values live in
        self.section = "forward"
        self.part = None          # the model part (module) being run, for names
        self.hint = None          # a name for the next results (backward rules)
        self.node_vars = {}       # graph node -> the Var of its result
        self.group_numbers = {}   # (id(optimizer), group index) -> its per-step numbers
        self.changed = []         # state Vars reported changed in place (versions)
        self.module_names = {}    # id(module) -> the name of the model part

    # ------------------------------------------------------------ vars
    def new_var(self, value, kind, name):
        v = Var(value, kind, name)
        while isinstance(value, np.ndarray) and kind != "const":
            self.owned.add(id(value))      # memory a trace value lives in
            self.keep.append(value)
            value = value.base
        return v

    def traced(self, array, kind, name):
        """A Traced view of ``array`` for a new Var (an input or state)."""
        t = _view(np.asarray(array), Traced)
        t._var = self.new_var(np.asarray(array), kind, name)
        return t

    def ref(self, x):
        """What a line's argument ``x`` becomes in its template."""
        t = type(x)
        if t is Traced:
            if x._var is None:
                raise TraceError("internal: an array was derived from a traced one "
                                 f"without being recorded ({user_line()})")
            return x._var
        if t is Scalar:
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
                    raise TraceError(
                        f"{user_line()}: an array viewing a traced value left the trace "
                        "(np.asarray of a traced array?); use numpy functions on it directly")
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
                self._own(w)
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
        return self._wrap(result, line, raw_args)

    def _new_version(self, out, line):
        """A result written over a trace-local array gets a name of its own
        (``exp = np.exp(t, out=t)``): the code says what each line made."""
        old = out._var
        if old is None or old.kind != "op":
            return
        v = self.new_var(old.value, "op", self._name(line.text))
        v.base = old
        line.outs.append(v)
        out._var = v

    def _own(self, a):
        """``a``, a raw array that the step writes into: a trace-local copy of it
        from now on (the constant it started as stays as it was)."""
        if not isinstance(a, np.ndarray):
            return
        start = self.const(a)
        if start.kind == "const" and start.value is a:
            start.value = a.copy()          # its value before the write
            copy = Line(np.copy, "np.copy", (start,), {}, "call", self.section)
            v = self.new_var(a, "op", self._name("copy"))
            v.fresh = True
            copy.outs = [v]
            self.lines.append(copy)
            self.consts[id(a)] = v

    def _wrap(self, result, line, raw_args):
        if isinstance(result, (tuple, list)) and all(isinstance(r, np.ndarray) for r in result):
            return type(result)(self._wrap(r, line, raw_args) for r in result)
        if isinstance(result, np.generic):
            result = np.asarray(result)
        if not isinstance(result, np.ndarray):
            self.lines.pop()
            refuse(f"computes a Python value ({type(result).__name__}) from traced arrays "
                   f"with {line.text}")
        t = _view(result, Traced)
        v = t._var = self.new_var(result, "op", self._name(line.text))
        v.base = self._viewed(result, line)
        v.fresh = v.base is None
        line.outs.append(v)
        return t

    def _viewed(self, result, line):
        """The Var of an argument whose memory ``result`` shares, if any."""
        for a in vars_in(line.args):
            if a.value is not None and np.may_share_memory(result, a.value):
                return a
        return None

    def _name(self, text):
        op = text.split(".")[-1].strip("[]=") or "index"
        if self.hint is not None:
            return f"d{op}_{self.hint}"
        return f"{op}_{self.part}" if self.part else op

    # ------------------------------------------------------------ naming by the engine
    def node_made(self, node, out):
        """The engine made ``node`` for a result ``out``: remember its Var,
        and name it after the op (``log_sigmoid_loss``), as the graph does."""
        if type(out) is Traced and out._var is not None:
            self.node_vars[node] = out._var
            if out._var.kind == "op":
                op = _OP_NAMES.get(type(node).__name__) or re.sub(
                    r"(?<!^)(?=[A-Z])", "_", type(node).__name__).lower()
                out._var.name = f"{op}_{self.part}" if self.part else op

    def edge_name(self, edge):
        """The name of the value an edge of the graph carries."""
        var = self.node_vars.get(edge)
        if var is None:
            data = getattr(edge, "_data", None)
            var = data._var if type(data) is Traced else None
        return None if var is None else var.name

    @contextlib.contextmanager
    def naming(self, node):
        """Name what a backward rule of ``node`` computes after the node."""
        self.section = "backward"
        self.hint = self.edge_name(node) or node.name().lower()
        try:
            yield
        finally:
            self.hint = None

    def name_gradients(self, node, gs):
        """Call the gradients a rule of ``node`` returned ``grad_<operand>``."""
        for edge, gi in zip(node.next, gs):
            if type(gi) is Traced and gi._var is not None and gi._var.kind == "op" \
                    and gi._var.name.startswith("d"):
                name = self.edge_name(edge)
                if name is not None:
                    gi._var.name = f"grad_{name}"

    @contextlib.contextmanager
    def part_of(self, name):
        """Name the forward results inside ``name`` (a model part) after it."""
        prev, self.part = self.part, name
        try:
            yield
        finally:
            self.part = prev

    # ------------------------------------------------------------ Python a replay repeats
    def numbers(self, opt, group, p):
        """An optimizer's per-step numbers for parameter ``p``: computed now,
        and recomputed by a call at every replay (its ``_numbers``)."""
        self.section = "update"
        self.part = self.edge_name(p)      # the update's values are named after the parameter
        index = next(i for i, g in enumerate(opt.param_groups) if g is group)
        shared = opt._NUMBERS_PER_GROUP and self.group_numbers.get((id(opt), index))
        if shared:                       # the same numbers for every parameter of the group
            return shared

        def numbers(*keys):
            num = opt._numbers(opt.param_groups[index], opt.state.setdefault(p, {}))
            return tuple(num[k] for k in keys)

        num = opt._numbers(group, opt.state[p])
        line = Line(numbers, f"{type(opt).__name__.lower()}_numbers", (), {}, "numbers",
                    self.section)
        owner = f"group{index}" if opt._NUMBERS_PER_GROUP else self.edge_name(p) or "p"
        out = {}
        for key, value in num.items():
            s = out[key] = Scalar(value)
            s.var = self.new_var(value, "scalar", f"{key}_{owner}")
            s.var.owner = key
            line.outs.append(s.var)
        self.lines.append(line)
        if opt._NUMBERS_PER_GROUP:
            self.group_numbers[(id(opt), index)] = out
        return out

    def check(self, fn, args, kwargs):
        """Run value check ``fn`` now on the plain data, and record it, so that
        every replay checks its own data the same way."""
        from ..engine import _make
        tensors = [hasattr(a, "_data") and type(a._data) is Traced for a in args]
        arrays = [a._data if t else a for a, t in zip(args, tensors)]

        def rebuild(values):
            return [_make(v, None) if t else v for v, t in zip(values, tensors)]

        def check(*values):
            fn(*rebuild(values), **kwargs)

        check(*_raw(arrays))
        line = Line(check, f"check_{fn.__name__.strip('_')}", self.ref(tuple(arrays)), {},
                    "check", self.section)
        self.lines.append(line)

    def draw(self, rng_of, method, shape):
        """A random draw ``rng_of().method(shape)``: made now, and again, from
        the same generator, at every replay."""
        def draw(size):
            return getattr(rng_of(), method)(size)
        line = Line(draw, f"draw_{method}", (shape,), {}, "draw", self.section)
        result = draw(shape)
        self.lines.append(line)
        return self._wrap(result, line, ())


def vars_in(x):
    """The Vars in a line's arguments (nested in tuples, lists, dicts, slices)."""
    if isinstance(x, Var):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from vars_in(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from vars_in(v)
    elif isinstance(x, slice):
        yield from vars_in((x.start, x.stop, x.step))
