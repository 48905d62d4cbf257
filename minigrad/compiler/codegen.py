"""From a recorded pass to straight-line Python: names, dead code, buffers.

The program is the recording's lines, each one numpy call, under the pass's
heading (backward or update), with each value named after the op and the
model part it comes from.  Lines whose results nothing needs are dropped.
A result that lives only inside the step gets a buffer planned once: the
line writes into it with ``out=``, and a buffer is reused once the value in
it is dead, so a call allocates almost nothing.  Every call is the one
eager minigrad made, with the same operands, so the bits are the same.
"""
from __future__ import annotations

import keyword
import re
import warnings

import numpy as np

from ..ops.quiet import FP_WARNING
from .trace import Var, vars_in

# A backward pass is quiet as minigrad's ops are (minigrad.ops.quiet): numpy's
# floating-point warnings from its code (a module named minigrad.compiler.backward)
# and from the numpy calls a recording makes (minigrad.compiler.trace) are not
# shown.  An update warns, as the optimizer's eager code does.
warnings.filterwarnings("ignore", message=FP_WARNING, category=RuntimeWarning,
                        module=r"minigrad\.compiler\.(trace|backward)")


def _root(v):
    while v.base is not None:
        v = v.base
    return v


def reads(line):
    return list(vars_in(line.args)) + list(vars_in(line.kwargs))


def live_lines(lines, wanted):
    """The lines needed for the Vars in ``wanted`` and for every write into
    an input (a parameter, optimizer state).  A value is needed if it is read
    later, or if memory it views is; a write is needed if what it writes
    into is."""
    live = {id(v) for v in wanted}
    keep = []
    for line in reversed(lines):
        needed = any(_is_live(v, live) or _root(v).kind == "input" for v in line.writes)
        needed = needed or any(id(v) in live for v in line.outs)
        if not needed:
            continue
        keep.append(line)
        for v in reads(line) + line.writes:
            while v is not None:          # a view keeps the memory it views alive
                live.add(id(v))
                v = v.base
    keep.reverse()
    return keep


def _is_live(v, live):
    return any(id(u) in live for u in _chain(v)) or id(v) in live


def _chain(v):
    while v is not None:
        yield v
        v = v.base


# functions whose result depends on their argument's shape and dtype only
_SHAPE_ONLY = {np.ones_like, np.zeros_like, np.empty_like, np.full_like}


def fold_constants(lines, wanted):
    """Drop the lines that compute from constants only (the gradient that
    backward starts from, and what follows from it alone): their values,
    computed by the trace with the same calls, become constants.  A value
    that something writes into later, or that the step returns, stays."""
    written = {id(_root(v)) for line in lines for v in line.writes}
    keep_ids = {id(u) for v in wanted for u in _chain(v)}
    out = []
    for line in lines:
        args = [] if line.fn in _SHAPE_ONLY else reads(line)
        if (line.kind in ("call", "method", "getitem") and not line.writes and line.outs
                and all(_small_or_view(v.value) for v in line.outs)
                and all(v.kind == "const" for v in args)
                and not any(id(_root(v)) in written or id(v) in keep_ids for v in line.outs)
                and all(isinstance(v.value, np.ndarray) for v in line.outs)):
            for v in line.outs:
                v.kind = "const"
                v.base = None
            continue
        out.append(line)
    return out


def _small_or_view(a):
    """A constant worth keeping between calls: small, or a view (of a small one)."""
    return not isinstance(a, np.ndarray) or a.size <= 4096 or \
        isinstance(a.base, np.ndarray) and a.base.size <= 4096


def elide_copies(lines, wanted):
    """Drop ``b = a.astype(same dtype)`` / ``b = np.copy(a)`` where ``a`` is a
    new array that nothing else reads: ``b`` is then ``a`` itself (the copy
    a leaf's gradient gets in eager mode).  Returns the lines and a map of
    replaced Vars."""
    readers = {}
    for line in lines:
        for v in reads(line) + line.writes:
            for u in _chain(v):
                readers[id(u)] = readers.get(id(u), 0) + 1
    wanted_ids = {id(v) for v in wanted}
    replace, out = {}, []
    for line in lines:
        src = _copied(line)
        if src is not None:
            src = replace.get(id(src), src)
        if (src is not None and src.kind == "op" and src.fresh and src.base is None
                and readers.get(id(src)) == 1 and id(src) not in wanted_ids
                and src.value.flags.writeable and src.value.flags.c_contiguous):
            replace[id(line.outs[0])] = src
            if id(line.outs[0]) in wanted_ids:
                wanted_ids.add(id(src))
            continue
        if src is not None and src.name.startswith("grad_"):   # a leaf's own copy: its .grad
            line.outs[0].name = src.name
            src.name += "_view" if src.base is not None else "_value"
        out.append(line)
    if replace:
        for line in out:
            line.args = _substitute(line.args, replace)
            line.kwargs = _substitute(line.kwargs, replace)
            line.writes = [replace.get(id(v), v) for v in line.writes]
    return out, replace


def _copied(line):
    """The Var a line copies unchanged (same dtype), or None."""
    if len(line.outs) != 1 or line.writes:
        return None
    if line.kind == "call" and line.text == "np.copy" and len(line.args) == 1 and not line.kwargs:
        src = line.args[0]
    elif line.kind == "method" and line.text == "astype" and len(line.args) == 2 \
            and not line.kwargs:
        src = line.args[0]
        if not isinstance(src, Var) or np.dtype(line.args[1]) != src.value.dtype:
            return None
    else:
        return None
    return src if isinstance(src, Var) and src.value.dtype == line.outs[0].value.dtype else None


def _substitute(x, replace):
    if isinstance(x, Var):
        return replace.get(id(x), x)
    if type(x) in (tuple, list):
        return type(x)(_substitute(v, replace) for v in x)
    if type(x) is dict:
        return {k: _substitute(v, replace) for k, v in x.items()}
    return x


def outer_products(lines):
    """``np.matmul(a, b)`` of an (n, 1) and a (1, m) matrix is n*m single
    products: ``np.multiply(a, b)`` (a broadcast, far quicker than a matmul
    with one term per sum), plus 0.0, so that a product of -0.0 becomes the
    +0.0 a sum starting from 0 gives.  Rewritten where the trace's values
    show the same bits and layout."""
    from .trace import Line
    out = []
    for line in lines:
        pair = _outer(line)
        if pair is None:
            out.append(line)
            continue
        (a, b), v = pair, line.outs[0]
        product = Line(np.multiply, "np.multiply", (a, b), {}, "call", line.section)
        product.outs = [v]
        plus = Line(np.add, "np.add", (v, 0.0), {"out": (v,)}, "call", line.section)
        plus.writes = [v]
        out += [product, plus]
    return out


def _outer(line):
    if line.fn is not np.matmul or line.kwargs or len(line.args) != 2 or not line.outs:
        return None
    a, b = line.args
    if not (isinstance(a, Var) and isinstance(b, Var)):
        return None
    x, y = a.value, b.value
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != 1 or y.shape[0] != 1:
        return None
    with np.errstate(all="ignore"):
        want, got = np.matmul(x, y), np.add(np.multiply(x, y), 0.0)
    if got.dtype != want.dtype or got.strides != want.strides or \
            want.tobytes() != got.tobytes():
        return None
    return a, b


def plan_buffers(lines, escaping, shared=None, taken=None):
    """Give each new array that lives only inside the step a buffer, reused
    once the value in it is dead: ``{id(line): buffer}``.  Only ufunc calls
    (``np.matmul`` among them) write into a given buffer; the buffer has the
    shape, dtype and strides the trace's result had, so the bits and the
    layout are the same.  ``shared`` (key -> buffers) is the pool of the
    other traces of the same step, which never run at the same time."""
    shared = {} if shared is None else shared
    taken = {} if taken is None else taken
    last = {}
    for i, line in enumerate(lines):
        for v in reads(line) + line.writes:
            for u in _chain(v):
                last[id(u)] = i
    for i, line in enumerate(lines):       # a value read through a view lives as long as it
        for v in line.outs:
            for u in _chain(v.base):
                last[id(u)] = max(last.get(id(u), i), last.get(id(v), i))
    escaping = {id(u) for v in escaping for u in _chain(v)}
    free, busy, plan, holder = {}, [], {}, {}
    for i, line in enumerate(lines):
        still = []
        for end, key, buf in busy:
            (free.setdefault(key, []).append(buf) if end < i else still.append((end, key, buf)))
        busy = still
        v = _bufferable(line)
        if v is None or id(v) in escaping:
            continue
        key = (v.value.shape, v.value.dtype.str, v.value.strides)
        buf = _dying_input(line, key, i, last, holder, busy)
        if buf is None:
            pool = free.get(key)
            buf = pool.pop() if pool else _new_buffer(shared, taken, key, v.value)
        if buf.strides != v.value.strides:
            continue
        plan[id(line)] = buf
        holder[id(v)] = buf
        busy.append((last.get(id(v), i), key, buf))
    return plan


def _new_buffer(shared, taken, key, like):
    """The next buffer of ``key`` this trace needs: one the other traces
    have, else a new one (kept for them)."""
    n = taken[key] = taken.get(key, 0) + 1
    buffers = shared.setdefault(key, [])
    if len(buffers) < n:
        buffers.append(np.empty_like(like))
    return buffers[n - 1]


def _dying_input(line, key, i, last, holder, busy):
    """The buffer of an input of elementwise ``line`` that is last read by
    it, and has the output's shape, dtype and layout: the output can take
    its place (an elementwise ufunc may write over an input it reads)."""
    if line.fn.signature is not None:          # matmul: not elementwise
        return None
    for a in line.args:
        if isinstance(a, Var) and last.get(id(a)) == i and id(a) in holder:
            buf = holder[id(a)]
            if (a.value.shape, a.value.dtype.str, a.value.strides) != key:
                continue
            for k, (end, bkey, b) in enumerate(busy):
                if b is buf:
                    del busy[k]
                    return buf
    return None


def _bufferable(line):
    if line.kind != "call" or "out" in line.kwargs or len(line.outs) != 1:
        return None
    if not isinstance(line.fn, np.ufunc) or line.fn.nout != 1:
        return None
    v = line.outs[0]
    if not v.fresh or v.base is not None:
        return None
    return v


def name_sums(lines):
    """Call the sum of two contributions to one gradient ``grad_x`` (its
    parts ``grad_x_part``), as the backward pass adds them up."""
    for line in lines:
        if line.section != "backward" or line.text != "np.add" or len(line.args) != 2:
            continue
        a, b = line.args
        if not (isinstance(a, Var) and isinstance(b, Var) and line.outs):
            continue
        base = _grad_base(a.name)
        if base is None or base != _grad_base(b.name):
            continue
        for v in (a, b):
            v.name = base + "_part"
        line.outs[0].name = base


def _grad_base(name):
    m = re.fullmatch(r"(grad_.+?)(_part|_\d+)?", name)
    return m.group(1) if m else None


def used_vars(lines, wanted):
    used = {id(v) for v in wanted}
    for line in lines:
        used.update(id(v) for v in reads(line) + line.writes)
    return used


def source(name, params, lines, outs, shared=None, taken=None, owners=None, buffered=True):
    """The Python source of the step ``name`` and the globals it runs with:
    the lines under their section headings, returning ``outs`` (None for a
    gradient set to None).  ``owners`` (a dict) gets ``line number -> the
    index of the parameter`` of each update line; ``buffered=False``: every
    line makes its own arrays (no buffers kept between calls)."""
    wanted = [v for v in outs if v is not None]
    used = used_vars(lines, wanted)
    buffers = plan_buffers(lines, wanted, shared, taken) if buffered else {}
    consts = constants(lines)
    names = assign_names(params + [v for line in lines for v in line.outs] + consts)
    renderer = Renderer(names, name)
    for v in consts:
        renderer.globals[names[id(v)]] = v.value
    body = [f"def {name}({', '.join(names[id(v)] for v in params)}):"]
    body += _describe_constants(consts, names)
    section = None
    for line in lines:
        if line.section != section:
            section = line.section
            body.append(f"    # {section}")
        body.append("    " + renderer.line(line, used, buffers.get(id(line))))
        if owners is not None and line.owner is not None:
            owners[len(body)] = line.owner
    returned = ["None" if v is None else names[id(v)] for v in outs]
    body.append(f"    return ({', '.join(returned)}{',' if len(returned) == 1 else ''})")
    return "\n".join(body) + "\n", renderer.globals


def _describe_constants(consts, names):
    """Comment lines naming the constants the code reads (small ones shown)."""
    if not consts:
        return []
    shown = []
    for v in consts:
        a = np.asarray(v.value)
        if a.size <= 4:
            text = " ".join(np.array2string(a, separator=", ").split())
            shown.append(f"{names[id(v)]} = {text}")
        else:
            shown.append(f"{names[id(v)]} ({a.dtype}, shape {a.shape})")
    return ["    # constants of this trace: " + "; ".join(shown)]


def constants(lines):
    """The constant arrays the lines read, each once, in order of first use."""
    seen, out = set(), []
    for line in lines:
        for v in reads(line) + line.writes:
            if v.kind == "const" and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


_IDENT = re.compile(r"[^0-9a-zA-Z_]+")
# the names the code makes itself: loop indices and sizes, a kernel's output
# arrays and accumulators, a value written over (the numba backend's); a
# value whose hint is one of those is named v_<hint>
_MADE = re.compile(r"[inj]\d+|out_.*|acc_.*|.*_new")
_GLOBALS_READ = {"np", "slice", "float", "range", "IndexError"}     # by the code, by name


def assign_names(vars_in_order):
    """A unique Python name for each Var, from its hint.

    Examples
    --------
    >>> from minigrad.compiler.trace import Var
    >>> vars_ = [Var(None, "input", hint) for hint in ("x", "x", "n0", "class")]
    >>> sorted(assign_names(vars_).values())
    ['v_class', 'v_n0', 'x', 'x_2']
    """
    names, taken = {}, set()
    for v in vars_in_order:
        base = _IDENT.sub("_", v.name).strip("_").lower() or "value"
        if base[0].isdigit() or keyword.iskeyword(base) or base in _GLOBALS_READ \
                or _MADE.fullmatch(base):
            base = "v_" + base
        name, k = base, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        names[id(v)] = name
    return names


class _Literal:
    """Source text to write as it is (a buffer's name)."""

    def __init__(self, text):
        self.text = text


class Renderer:
    """Turns lines into source text; objects that have no literal (constant
    arrays, Python callables) become globals of the generated code."""

    def __init__(self, names, module="pass"):
        self.names = names
        self.globals = {"np": np, "__name__": f"minigrad.compiler.{module}"}  # (warnings' module)
        self.locals = set(names.values())      # what a global must not be named
        self._objects = {}

    def bind(self, obj, hint):
        key = id(obj)
        if key not in self._objects:
            name, k = hint, 2
            while name in self.globals or name in self.locals:    # (an argument named buffer)
                name, k = f"{hint}_{k}", k + 1
            self.globals[name] = obj
            self._objects[key] = name
        return self._objects[key]

    def value(self, x):
        if isinstance(x, Var):
            return self.names[id(x)]
        if isinstance(x, _Literal):
            return x.text
        t = type(x)
        if t is tuple:
            inner = ", ".join(self.value(v) for v in x)
            return f"({inner},)" if len(x) == 1 else f"({inner})"
        if t is list:
            return "[" + ", ".join(self.value(v) for v in x) + "]"
        if t is dict:
            return "{" + ", ".join(f"{k!r}: {self.value(v)}" for k, v in x.items()) + "}"
        if t is slice:
            return f"slice({self.value(x.start)}, {self.value(x.stop)}, {self.value(x.step)})"
        if x is Ellipsis:
            return "..."
        if x is None or t in (bool, int, str):
            return repr(x)
        if t is float:
            return repr(x) if np.isfinite(x) else f"float({str(x)!r})"
        if isinstance(x, np.dtype):
            return f"np.{x.name}" if hasattr(np, x.name) else f"np.dtype({x.str!r})"
        if isinstance(x, type) and issubclass(x, np.generic) and hasattr(np, x.__name__):
            return f"np.{x.__name__}"
        if isinstance(x, np.generic) and np.isfinite(x) and x.dtype.kind in "fiub":
            return f"np.{x.dtype.name}({x.item()!r})"
        return self.bind(x, "obj")

    def index(self, idx):
        if type(idx) is tuple and not idx:
            return "()"
        parts = idx if type(idx) is tuple else (idx,)
        out = []
        for p in parts:
            if type(p) is slice:
                a, b, c = (("" if v is None else self.value(v)) for v in (p.start, p.stop, p.step))
                out.append(f"{a}:{b}" + (f":{c}" if c else ""))
            else:
                out.append(self.value(p))
        text = ", ".join(out)
        return text + "," if type(idx) is tuple and len(parts) == 1 else text

    def call_args(self, args, kwargs):
        items = [self.value(a) for a in args]
        items += [f"{k}={self.value(v)}" for k, v in kwargs.items()]
        return ", ".join(items)

    def function(self, line):
        try:
            if eval(line.text, {"np": np}) == line.fn:      # noqa: S307 - our own text
                return line.text
        except Exception:   # noqa: BLE001 - a name numpy does not export there
            pass
        return self.bind(line.fn, getattr(line.fn, "__name__", "fn"))

    def line(self, line, used, out_buffer=None):
        outs = [self.names[id(v)] if id(v) in used else "_" for v in line.outs]
        lhs = ", ".join(outs) + " = " if outs else ""
        args, kwargs = line.args, dict(line.kwargs)
        if out_buffer is not None:
            kwargs["out"] = _Literal(self.bind(out_buffer, "buffer"))
        if line.kind == "getitem":
            return f"{lhs}{self.value(args[0])}[{self.index(args[1])}]"
        if line.kind == "setitem":
            return f"{self.value(args[0])}[{self.index(args[1])}] = {self.value(args[2])}"
        if line.kind == "method":
            return f"{lhs}{self.value(args[0])}.{line.text}({self.call_args(args[1:], kwargs)})"
        if isinstance(kwargs.get("out"), tuple) and len(kwargs["out"]) == 1:
            kwargs["out"] = kwargs["out"][0]
        return f"{lhs}{self.function(line)}({self.call_args(args, kwargs)})"
