"""From a recorded trace to straight-line Python: names, dead code, buffers.

The program is the trace's lines, each one numpy call, in three sections
(forward, backward, update), with each value named after the op and the
model part it comes from.  Lines whose results nothing needs are dropped.
A result that lives only inside the step gets a buffer planned once: the
line writes into it with ``out=``, and a buffer is reused once the value in
it is dead, so a replay allocates almost nothing.  Every call is the one
eager minigrad made, with the same operands, so the bits are the same.
"""
from __future__ import annotations

import keyword
import re

import numpy as np

from .trace import Var

# calls that can write their result into a given buffer, with the same bits
_UFUNC_CALL = re.compile(r"^np\.[a-z0-9_]+$")


def _root(v):
    while v.base is not None:
        v = v.base
    return v


def _vars(x):
    if isinstance(x, Var):
        yield x
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _vars(v)
    elif isinstance(x, dict):
        for v in x.values():
            yield from _vars(v)
    elif isinstance(x, slice):
        yield from _vars((x.start, x.stop, x.step))


def reads(line):
    return list(_vars(line.args)) + list(_vars(line.kwargs))


def live_lines(lines, wanted):
    """The lines needed for the Vars in ``wanted`` and for every effect:
    writes into state or inputs, per-step numbers, random draws."""
    live = {id(_root(v)) for v in wanted}
    keep = []
    for line in reversed(lines):
        needed = line.kind in ("numbers", "draw", "check") or any(
            id(_root(v)) in live or _root(v).kind in ("state", "input") for v in line.writes)
        needed = needed or any(id(v) in live or id(_root(v)) in live for v in line.outs)
        if not needed:
            continue
        keep.append(line)
        for v in reads(line) + line.writes:
            live.add(id(v))
            live.add(id(_root(v)))
    keep.reverse()
    return keep


def used_vars(lines, wanted):
    used = {id(v) for v in wanted}
    for line in lines:
        used.update(id(v) for v in reads(line) + line.writes)
    return used


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


def assign_names(vars_in_order):
    """A unique Python name for each Var, from its hint."""
    names, taken = {}, set()
    for v in vars_in_order:
        base = _IDENT.sub("_", v.name).strip("_").lower() or "value"
        if base[0].isdigit() or keyword.iskeyword(base) or base in ("np",):
            base = "v_" + base
        name, k = base, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        names[id(v)] = name
    return names


class Renderer:
    """Turns lines into source text; objects that have no literal (constant
    arrays, Python callables) become globals of the generated code."""

    def __init__(self, names):
        self.names = names
        self.globals = {"np": np}
        self._objects = {}

    def bind(self, obj, hint):
        key = id(obj)
        if key not in self._objects:
            name, k = hint, 2
            while name in self.globals:
                name, k = f"{hint}_{k}", k + 1
            self.globals[name] = obj
            self._objects[key] = name
        return self._objects[key]

    def value(self, x):
        if isinstance(x, Var):
            return self.names[id(x)]
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
            kwargs["out"] = out_buffer
        if line.kind == "getitem":
            return f"{lhs}{self.value(args[0])}[{self.index(args[1])}]"
        if line.kind == "setitem":
            return f"{self.value(args[0])}[{self.index(args[1])}] = {self.value(args[2])}"
        if line.kind == "method":
            return f"{lhs}{self.value(args[0])}.{line.text}({self.call_args(args[1:], kwargs)})"
        if line.kind == "numbers":
            keys = [v.owner for v in line.outs if id(v) in used]
            fn = self.bind(line.fn, line.text)
            outs = [self.names[id(v)] for v in line.outs if id(v) in used]
            lhs = ", ".join(outs) + (", = " if len(outs) == 1 else " = ") if outs else ""
            return f"{lhs}{fn}({', '.join(repr(k) for k in keys)})"
        if line.kind == "check":
            return f"{self.bind(line.fn, line.text)}({self.call_args(args, kwargs)})"
        if line.kind == "draw":
            return f"{lhs}{self.bind(line.fn, line.text)}({self.call_args(args, kwargs)})"
        return f"{lhs}{self.function(line)}({self.call_args(args, kwargs)})"
