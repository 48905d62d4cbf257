"""A compiled optimizer update: ``optimizer.step()`` as one function.

The optimizer computes its per-step numbers (learning rate, bias
corrections, ...) in Python at every call, as it does eagerly, advancing its
step counts there.  The update itself (``_update_in_place``: maximize's
sign, the step and the in-place write of each parameter) is recorded once
on traced copies of the parameters,
gradients and state arrays, with every number and every option it reads as
an input of the code (a :class:`~.trace.Scalar`); a Python comparison on one
(``if weight_decay != 0``) is a guard that later calls must pass to reuse
the code.  Parameters, gradients and state are taken from this call's
optimizer, by identity, and written in place.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import engine
from .backward import Decline
from .trace import Recorder, Traced, Unrecordable


_RECORDED = ("_update_in_place", "_update", "_state_names", "_decoupled")
_OWN = {}       # optimizer class -> whether the methods a recording runs are minigrad's


def _own_update(cls):
    """Whether ``cls`` updates with minigrad's code (a subclass may change
    ``__init__``, ``_numbers``, ``step``): a recording of a subclass's own
    ``_update`` would keep what it read from ``self`` as constants."""
    own = _OWN.get(cls)
    if own is None:
        own = _OWN[cls] = all(
            (getattr(getattr(cls, name), "__module__", None) or "").startswith("minigrad.optim")
            for name in _RECORDED if hasattr(cls, name))
    return own


def items(opt):
    """``(group index, group, parameter)`` for each parameter that has a
    gradient, in the order ``step()`` updates them; :class:`Decline` where
    the eager step must run (and raise) itself."""
    if not _own_update(type(opt)):
        raise Decline("an optimizer whose update is your Python (a subclass's own _update)")
    out = []
    for gi, group in enumerate(opt.param_groups):
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            if type(p._data) is not np.ndarray or not p._data.flags.writeable \
                    or type(g._data) is not np.ndarray:
                raise Decline("a read-only parameter")
            out.append((gi, group, p))
    if len({id(p) for _, _, p in out}) != len(out):
        raise Decline("a parameter listed twice (its second update reads the first's state)")
    return out


def key_of(opt, todo):
    """What the code depends on besides the guards (the optimizer's class,
    and each parameter's group, array layouts and state names), and the
    arrays of this call in the order the code takes them."""
    key, arrays = [type(opt)], []
    for gi, group, p in todo:
        w, g = p._data, p._grad._data
        arrays += (w, g)
        state = []
        for k, v in opt.state[p].items():
            if isinstance(v, np.ndarray):
                if not v.flags.writeable:
                    raise Decline("a read-only optimizer state array")
                arrays.append(v)
                state.append((k, v.shape, v.strides, v.dtype))
            else:
                state.append((k, type(v)))
        key.append((gi, w.shape, w.strides, w.dtype, g.shape, g.strides, g.dtype, tuple(state)))
    return tuple(key), arrays


def reader(sources):
    """A function ``read(opt, todo, numbers)``: this call's value of each
    number the code or a guard reads, where ``sources`` says (``("num", i,
    k)``: the numbers of parameter ``i``; ``("opt", gi, k)``: an option of
    group ``gi``; ``("has", gi, k)``: whether group ``gi`` has it;
    ``("state", i, k)``: a non-array state of parameter ``i``), as a list;
    it raises KeyError or IndexError where one is gone.  One call of
    generated code: no Python function per value.

    Examples
    --------
    >>> read = reader([("opt", 0, "lr"), ("has", 0, "foreach"), ("num", 1, "lr")])
    >>> class Opt:
    ...     param_groups = [{"lr": 0.5}]
    >>> read(Opt, [], [{"lr": 0.5}, {"lr": 0.25}])
    [0.5, False, 0.25]
    """
    names, parts = {}, []
    for where, i, k in sources:
        name = names.setdefault(k, f"k{len(names)}")       # the keys, as the code's globals
        if where == "num":
            parts.append(f"numbers[{int(i)}][{name}]")
        elif where == "opt":
            parts.append(f"groups[{int(i)}][{name}]")
        elif where == "has":
            parts.append(f"{name} in groups[{int(i)}]")
        else:
            parts.append(f"opt.state[todo[{int(i)}][2]][{name}]")
    text = ("def read(opt, todo, numbers):\n"
            "    groups = opt.param_groups\n"
            f"    return [{', '.join(parts)}]\n")
    namespace = {name: k for k, name in names.items()}
    exec(compile(text, "<minigrad.compile update reader>", "exec"), namespace)  # noqa: S102
    return namespace["read"]


class _Options(dict):
    """A parameter group as ``_update`` sees it while recorded: each option
    read becomes an input (a number) or a guard (anything else)."""

    def __init__(self, group, gi, rec, sources):
        super().__init__(group)
        self._gi, self._rec, self._sources = gi, rec, sources

    def __getitem__(self, k):
        if k == "params":
            return dict.__getitem__(self, k)
        return _input(self._rec, self._sources, ("opt", self._gi, k), dict.__getitem__(self, k),
                      f"{k}")

    def get(self, k, default=None):
        if k in self:
            return self[k]
        _input(self._rec, self._sources, ("has", self._gi, k), False, f"has_{k}")  # a guard
        return default


_WEAK = {int, float}      # the numbers numpy takes as weak (np.float64 is a float, but strong)


def _input(rec, sources, source, value, name):
    """A Python number as a Scalar input (weak in numpy's promotion, as a
    Python number is; a guard keeps it one); any other value (a numpy
    number, whose dtype numpy obeys, a flag, a tuple) as a guard on its type
    and value.  A source read again (a group's option, read for each of its
    parameters) is the same input, with no second guard."""
    known = rec.inputs_read.get(source)
    if known is not None:
        return known[0]
    index = len(sources)
    sources.append(source)
    if type(value) is int or type(value) is float:
        value = rec.scalar(float(value), name, index)
        rec.weak.append(index)
    else:
        kind = type(value)
        rec.guards.append((lambda values: type(values[index]) is kind and
                           values[index] == value, True))
    rec.inputs_read[source] = (value,)
    return value


def record(opt, todo, numbers, names):
    """Run each ``_update`` once on traced copies; the recorder, the Vars of the
    state arrays the step creates (per parameter), and where each number comes
    from."""
    rec = Recorder("update")
    sources = []            # for each Scalar (and guard value): where a call reads it
    rec.weak = []           # the indices of the Scalars: Python numbers at every call
    created = []
    groups, shared = {}, {}
    for i, (gi, group, p) in enumerate(todo):
        pname = names.tensors.get(p) or f"param{i}"
        state = opt.state[p]
        w = rec.traced(p._data.copy(), pname)
        g = rec.traced(p._grad._data.copy(), f"grad_{pname}")
        st = {k: rec.traced(v.copy(), f"{k}_{pname}") if isinstance(v, np.ndarray)
              else _input(rec, sources, ("state", i, k), v, f"{k}_{pname}")
              for k, v in state.items()}
        before = set(st)
        num = shared.get(gi) if opt._NUMBERS_PER_GROUP else None
        if num is None:                 # (the same numbers for every parameter of a group)
            owner = f"group{gi}" if opt._NUMBERS_PER_GROUP else pname
            num = shared[gi] = {k: _input(rec, sources, ("num", i, k), v, f"{k}_{owner}")
                                for k, v in numbers[i].items()}
        options = groups.get(gi) or groups.setdefault(gi, _Options(group, gi, rec, sources))
        start = len(rec.lines)
        with rec.active(), rec.naming(pname):
            opt._update_in_place(w, g, st, options, num)
        for line in rec.lines[start:]:
            line.owner = i
        new = {}
        for k, v in st.items():
            if k in before:
                continue
            if type(v) is not Traced:
                raise Unrecordable(f"state {k!r} that is not an array made from the parameter")
            v._var.name = f"{k}_{pname}"
            new[k] = v._var
        created.append(new)
    pick = operator.itemgetter(*rec.weak, rec.weak[0]) if rec.weak else lambda values: ()
    rec.guards.append((lambda values: set(map(type, pick(values))) <= _WEAK, True))
    return rec, created, sources


def apply(opt, todo, created, values):
    """Put the state arrays the code created in place, and note each
    parameter's change (its version), as the eager step does."""
    it = iter(values)
    for (_, _, p), new in zip(todo, created):
        state = opt.state[p]
        for k in new:
            v = next(it)
            state[k] = v if type(v) is np.ndarray else np.asarray(v)
        engine.mark_changed(p._data)
