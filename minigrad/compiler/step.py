"""``mg.compile``: your step runs at every call; its backward passes and
optimizer updates run as recorded straight-line numpy.

A compiled call runs ``fn`` itself, every line of it, with a :class:`Session`
active in its thread.  The forward ops run as they always do.  When ``fn``
calls ``backward()`` or ``optimizer.step()``, the core offers the pass to the
session, which looks at this call's graph or optimizer (by identity: the
nodes, arrays, parameters and state are this call's), finds code recorded for
one of the same shape, and runs it; or records it first.  A pass the code
cannot repeat runs eagerly, and ``step.breaks`` says where and why.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import linecache
import threading
import types

import numpy as np

from .. import engine, tracing
from ..tensor import Tensor
from . import backward, codegen, update
from .backward import Decline
from .trace import Unrecordable, _raw, recorder, user_line

MAX_TRACES = 32      # compiled passes a step keeps, least recently used dropped first
MAX_GUARDED = 8      # codes kept for one update key that differ in their guards
MAX_BREAKS = 100


class CompiledStep:
    """What :func:`minigrad.compile` returns: call it as you would call ``fn``.

    Attributes
    ----------
    code : str
        The Python source of the passes the last call ran compiled.
    breaks : list of str
        Where a call ran a pass eagerly, and why.
    traces : int
        How many compiled passes the step keeps.
    """

    def __init__(self, fn, backend="numpy"):
        if not callable(fn):
            raise TypeError(f"mg.compile takes a function, not a {type(fn).__name__}")
        self.fn = fn
        self.backend = backend
        self._passes = {}       # key -> [CompiledPass, Eager or a list, when last used]
        self._clock = itertools.count()
        self._pool = {}                             # buffers the passes share
        self._breaks = {}
        self._last = []
        self._lock = threading.RLock()
        functools.update_wrapper(self, fn)

    # ------------------------------------------------------------ what a learner reads
    @property
    def code(self):
        """The Python source of the passes the last call ran compiled.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([2.0], requires_grad=True)
        >>> @mg.compile
        ... def step(x):
        ...     loss = (w * x).sum()
        ...     loss.backward()
        ...     return loss
        >>> _ = step(mg.tensor([3.0]))
        >>> print(step.code.splitlines()[0])
        def backward(grad_output, x):
        """
        if not self._last:
            raise RuntimeError("step.code: call the compiled step first; the code is that of "
                               "the backward() and optimizer.step() the call ran compiled "
                               "(none ran yet)")
        return "\n\n".join(p.source for p in self._last)

    @property
    def breaks(self):
        """Where a call ran a pass eagerly (uncompiled), and why; each once.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([2.0], requires_grad=True)
        >>> @mg.compile
        ... def step(x):
        ...     y = w * x
        ...     y.register_hook(lambda g: g * 2)
        ...     y.sum().backward()
        >>> step(mg.ones(1))
        >>> print(step.breaks[0].split("`: ")[1])
        backward() ran eagerly: hooks (register_hook, retain_grad) or a freed graph
        """
        return list(self._breaks)

    @property
    def traces(self):
        """How many compiled passes (backward passes, updates) the step keeps.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> def fn(x):
        ...     w.grad = None
        ...     (w * x).sum().backward()
        >>> step = mg.compile(fn)
        >>> step(mg.ones(2)); step(mg.ones(2)); step.traces
        1
        >>> step(mg.ones(3, 2)); step.traces          # a graph of another shape
        2
        """
        return sum(len(e) if type(e) is list else 1 for e, _ in self._passes.values())

    @property
    def held_bytes(self):
        """Bytes of the buffers and constants the compiled passes keep between calls.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([2.0], requires_grad=True)
        >>> def fn(x):
        ...     ((w * x) * (w * x)).sum().backward()
        >>> step = mg.compile(fn)
        >>> step(mg.ones(1000))
        >>> step.held_bytes >= 4000        # at least one float32 buffer of 1000
        True
        """
        seen, total = set(), 0
        for p in self._compiled():
            for value in p.function.__globals__.values():
                while isinstance(value, np.ndarray) and value.base is not None:
                    value = value.base
                if isinstance(value, np.ndarray) and id(value) not in seen:
                    seen.add(id(value))
                    total += value.nbytes
        return total

    def __repr__(self):
        return f"<compiled step {getattr(self.fn, '__name__', 'fn')}: {self.traces} trace(s)>"

    # ------------------------------------------------------------ a call
    def __call__(self, *args, **kwargs):
        if tracing.session() is not None:       # inside another compiled call: it compiles
            return self.fn(*args, **kwargs)
        session = Session(self, args)
        token = tracing.activate(session)
        try:
            return self.fn(*args, **kwargs)
        finally:
            tracing.deactivate(token)
            if session.ran:
                self._last = session.ran

    # ------------------------------------------------------------ the passes
    def _break(self, what, why, how="ran eagerly"):
        where = user_line() or "minigrad"
        entry = f"{where}: {what} {how}: {why}"
        if entry not in self._breaks and len(self._breaks) < MAX_BREAKS:
            self._breaks[entry] = None

    def _get(self, key):
        """The entry kept for ``key``, or None; one lookup (the key is hashed
        once: when it was last used is kept in its slot, for LRU)."""
        slot = self._passes.get(key)
        if slot is None:
            return None
        slot[1] = next(self._clock)
        return slot[0]

    def _put(self, key, entry):
        for p in entry if type(entry) is list else [entry]:
            if getattr(p, "fallback", None):
                self._break(p.name, p.fallback, how="ran as numpy code, not fused")
        self._passes[key] = [entry, next(self._clock)]
        while self.traces > MAX_TRACES:     # the least recently used goes first
            oldest = min(self._passes, key=lambda k: self._passes[k][1])
            old = self._passes.pop(oldest)[0]
            for p in old if type(old) is list else [old]:
                p.drop()
            keep = {k for p in self._compiled() for k in p.buffer_keys}
            for k in [k for k in self._pool if k not in keep]:
                del self._pool[k]

    def _compiled(self):
        for e, _ in self._passes.values():
            for p in e if type(e) is list else [e]:
                if isinstance(p, CompiledPass):
                    yield p

    def run_backward(self, session, w, retain_graph):
        """Run the pass of walk ``w`` compiled; False where the engine must run it."""
        key = ("backward", w.key)
        with self._lock:
            entry = self._get(key)
            if entry is None:
                try:
                    rec, outs, shapes = backward.record(w, session.names())
                    entry = CompiledPass("backward", rec, outs, self._pool, shapes,
                                         self.backend)
                except Unrecordable as e:
                    entry = Eager(str(e))
                except Exception as e:      # noqa: BLE001 - the eager pass raises it itself
                    self._break("backward()", f"recording it raised {type(e).__name__}")
                    return False
                self._put(key, entry)
            if type(entry) is Eager:
                self._break("backward()", entry.why)
                return False
            try:
                grads = entry.run(w.arrays, ())
            except Exception as e:      # noqa: BLE001 - it wrote nothing of yours: eager runs it
                entry.drop()
                entry = Eager(f"its compiled code raised {type(e).__name__}: {e}")
                self._put(key, entry)
                self._break("backward()", entry.why)
                return False
            backward.apply(w, grads, entry.extra, retain_graph)
        session.ran.append(entry)
        return True

    def run_update(self, session, opt):
        """Run ``opt.step()`` compiled; False where the optimizer must run it."""
        try:
            todo = update.items(opt)
        except Decline as e:
            self._break(f"{type(opt).__name__}.step()", str(e))
            return False
        if not todo:
            return True
        states = [opt.state.setdefault(p, {}) for _, _, p in todo]
        before = [dict(s) for s in states]
        numbers = []
        try:
            for (_, group, _), s in zip(todo, states):
                numbers.append(opt._numbers(group, s))
        except BaseException:       # eagerly, the parameters before it were updated
            _eager_steps(opt, todo, numbers, states, before)
            raise
        # the numbers are taken (step counts advanced): from here on, never decline
        with self._lock:
            entry, values, arrays = self._update_entry(session, opt, todo, numbers)
            if entry is not None:
                try:
                    outs = entry.run(arrays, values)
                except BaseException as e:
                    _untake(states, before, entry.failed_at(e))
                    raise
                update.apply(opt, todo, entry.extra, outs)
        if entry is None:
            _eager_steps(opt, todo, numbers, states, before)
            return True
        session.ran.append(entry)
        return True

    def _update_entry(self, session, opt, todo, numbers):
        """The compiled update whose guards this call passes (recorded if
        none does), the numbers and the arrays it reads; Nones to run eagerly."""
        try:
            key, arrays = update.key_of(opt, todo)
        except Decline as e:
            self._break(f"{type(opt).__name__}.step()", str(e))
            return None, None, None
        key = ("update",) + key
        entries = self._get(key) or []
        for entry in entries:
            if type(entry) is Eager:
                self._break(f"{type(opt).__name__}.step()", entry.why)
                return None, None, None
            try:
                values = entry.read(opt, todo, numbers)
            except (KeyError, IndexError):      # an option this code read is gone
                continue
            if _guards_pass(entry.guards, values):
                return entry, [values[j] for j in entry.scalar_index], arrays
        try:
            rec, created, sources = update.record(opt, todo, numbers, session.names())
            outs = [v for new in created for v in new.values()]
            entry = CompiledPass(f"{type(opt).__name__.lower()}_update", rec, outs, self._pool,
                                 [list(new) for new in created], self.backend)
            entry.guards, entry.read = rec.guards, update.reader(sources)
        except Unrecordable as e:
            entry = Eager(str(e))
        except Exception as e:          # noqa: BLE001 - the eager update raises it itself
            self._break(f"{type(opt).__name__}.step()", f"recording it raised {type(e).__name__}")
            return None, None, None
        self._put(key, (entries + [entry])[-MAX_GUARDED:])
        if type(entry) is Eager:
            self._break(f"{type(opt).__name__}.step()", entry.why)
            return None, None, None
        values = entry.read(opt, todo, numbers)
        return entry, [values[j] for j in entry.scalar_index], arrays


def _guards_pass(guards, values):
    """Whether ``values`` pass every guard (each an ``(expr, result)``)."""
    for expr, result in guards:
        if not expr(values) == result:
            return False
    return True


def _eager_steps(opt, todo, numbers, states, before):
    """The updates of the parameters whose numbers were taken, eagerly."""
    for k, ((_, group, p), num) in enumerate(zip(todo, numbers)):
        try:
            opt._step_one(p, group, num)
        except BaseException:
            _untake(states, before, k)
            raise


def _untake(states, before, k):
    """An update raised at parameter ``k``: the eager step took the numbers
    (advanced the step counts) of the parameters up to ``k`` only."""
    if k is not None:
        for state, old in zip(states[k + 1:], before[k + 1:]):
            state.clear()
            state.update(old)


class Eager:
    """A pass the code could not repeat: it runs eagerly, for this reason."""

    __slots__ = ("why",)

    def __init__(self, why):
        self.why = why

    def drop(self):
        pass


_count = [0]


class CompiledPass:
    """One recorded pass as a compiled Python function, and how to call it."""

    def __init__(self, name, rec, outs, pool, extra, backend="numpy"):
        wanted = [v for v in outs if v is not None]
        lines = codegen.live_lines(rec.lines, wanted)
        lines = codegen.fold_constants(lines, wanted)
        lines = codegen.outer_products(lines)
        lines, replaced = codegen.elide_copies(lines, wanted)
        outs = [None if v is None else replaced.get(id(v), v) for v in outs]
        used = codegen.used_vars(lines, [v for v in outs if v is not None])
        inputs = [(i, v) for i, v in enumerate(rec.inputs) if id(v) in used]
        scalars = [(v, j) for v, j in rec.scalars if id(v) in used]
        self.input_index = [i for i, _ in inputs]
        self.scalar_index = [j for _, j in scalars]
        self.extra = extra
        self.guards, self.read = (), None       # an update's: see CompiledStep._update_entry
        codegen.name_sums(lines)
        params = [v for _, v in inputs] + [v for v, _ in scalars]
        self.name, self.fallback = name, None
        self.owners = {}        # line number -> the index of the parameter it updates
        self.numpy_code = None  # a fused pass's numpy code, for when numpy's errors raise
        text = None
        if backend == "numba":
            text, namespace = _fused(self, name, params, lines, outs)
        taken = {}
        if text is None:
            self.source, namespace = codegen.source(name, params, lines, outs, pool, taken,
                                                    self.owners)
            text = self.source
        self.buffer_keys = set(taken)
        _count[0] += 1
        self.filename = f"<minigrad.compile {name} #{_count[0]}>"
        linecache.cache[self.filename] = (len(self.source), None,
                                          self.source.splitlines(True), self.filename)
        exec(compile(text, self.filename, "exec"), namespace)     # noqa: S102 - our code
        self.function = namespace[name]

    def run(self, arrays, values):
        fn = self.function
        if self.numpy_code is not None and self.numpy_code.wanted():
            fn = self.numpy_code.function
        return fn(*[arrays[i] for i in self.input_index], *values)

    def failed_at(self, error):
        """The index of the parameter whose update's line raised ``error``
        (from this code), or None."""
        codes = {self.filename: self.owners}
        if self.numpy_code is not None:
            codes[self.numpy_code.filename] = self.numpy_code.owners
        tb, where = error.__traceback__, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename in codes:
                where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        return None if where is None else codes[where[0]].get(where[1])

    def drop(self):
        """Forget the source lines kept for tracebacks."""
        linecache.cache.pop(self.filename, None)
        if self.numpy_code is not None:
            linecache.cache.pop(self.numpy_code.filename, None)


def _fused(p, name, params, lines, outs):
    """The numba backend's code for a pass (``p.source`` set: its kernels, then
    the driver), and the driver's text to run with its globals; (None, None)
    with ``p.fallback`` saying why where the numpy backend's code runs it."""
    from . import fused
    owners = {}
    try:
        kernels, driver, namespace = fused.source(name, params, lines, outs, owners)
    except fused.Unfusable as e:
        p.fallback = str(e)
        return None, None
    except Exception as e:      # noqa: BLE001 - never a wrong number: the numpy code runs
        p.fallback = f"the numba backend failed ({type(e).__name__}: {e})"
        return None, None
    if driver is None:
        return None, None
    head = "\n\n".join(kernels) + "\n\n"
    p.source = head + driver
    p.owners = {head.count("\n") + k: i for k, i in owners.items()}
    p.numpy_code = fused.NumpyCode(name, params, lines, outs, _count[0] + 1)
    return "\n" * head.count("\n") + driver, namespace


class Session:
    """What the core consults while one compiled call runs (in its thread)."""

    def __init__(self, compiled, args):
        self.compiled = compiled
        self.args = args
        self.parts = []            # (module, first node number) being called, innermost last
        self.tops = []             # modules called from the step itself
        self.spans = []            # (first, end, module): the nodes numbered in between are its
        self.ran = []              # the compiled passes this call ran

    # --- the core's three questions
    def backward(self, roots, root_grads, retain_graph, differentiable):
        if differentiable:
            self.compiled._break("a backward pass", "mg.grad and create_graph=True run eagerly")
            return False
        if len(roots) != 1:
            self.compiled._break("backward()", "more than one root")
            return False
        try:
            w = backward.walk(roots[0], root_grads[0])
        except Decline as e:
            self.compiled._break("backward()", str(e))
            return False
        return self.compiled.run_backward(self, w, retain_graph)

    def step(self, opt):
        return self.compiled.run_update(self, opt)

    def enter(self, module):
        """A module (or loss) starts computing: the nodes it makes (numbered
        from here to its :meth:`leave`) are named after it."""
        if not self.parts and all(m is not module for m in self.tops):
            self.tops.append(module)
        self.parts.append((module, next(engine._seq)))

    def leave(self):
        module, first = self.parts.pop()
        self.spans.append((first, next(engine._seq), module))

    def part_of(self, node):
        """The innermost module whose call made ``node`` in this call, or None."""
        best = None
        for first, end, module in self.spans:
            if first < node.seq < end and (best is None or first > best[0]):
                best = (first, module)
        return None if best is None else best[1]

    def record_call(self, fn, text, args, kwargs):
        rec = recorder()
        if rec is None:
            return fn(*_raw(args), **_raw(kwargs))
        return rec.record_call(fn, text, args, kwargs)

    # --- names, for the code a recording makes
    def names(self):
        tensors, parts, data = {}, {}, {}
        top_names = set()
        known = _names_in_scope(self.compiled.fn)
        for m in self.tops:
            top = known.get(id(m)) or _top_name(m, top_names)
            for path, sub in _named_modules(m):
                part = parts.setdefault(id(sub), _part_name(path, sub, top))
                for name, p in _named_parameters(sub):
                    tensors.setdefault(p, f"{part}_{name}")
        for name, a in zip(_parameter_names(self.compiled.fn, len(self.args)), self.args):
            if isinstance(a, Tensor):
                tensors.setdefault(a, name)
                data[id(a._data)] = name
        for v in known.values():
            if type(v) is tuple:
                tensors.setdefault(v[1], v[0])
        def part_name(node):
            m = self.part_of(node)
            return None if m is None else parts.get(id(m), _class_name(m))
        return backward.Names(tensors, data, part_name)


def _names_in_scope(fn):
    """``id(object) -> name`` for the modules (a name) and tensors (a (name,
    tensor) pair) that ``fn``'s closure and globals name: how a learner
    calls them.  Used only to name values in the code, never to find data."""
    out = {}
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    code = getattr(fn, "__code__", None)
    if code is None:
        return out
    scope = [(n, c.cell_contents) for n, c in zip(code.co_freevars, fn.__closure__ or ())
             if _filled(c)]
    scope += [(n, fn.__globals__[n]) for n in code.co_names if n in fn.__globals__]
    for name, value in scope:
        if isinstance(value, Tensor):
            out.setdefault(id(value), (name, value))
        elif hasattr(value, "named_modules") or type(value).__name__.endswith("Crossentropy"):
            out.setdefault(id(value), name)
    return out


def _filled(cell):
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _class_name(m):
    name = type(m).__name__
    is_loss = name.endswith("Loss") or not hasattr(m, "named_modules")    # a Keras loss
    return "loss" if is_loss else name.lower()


def _top_name(m, taken):
    name = "loss" if _class_name(m) == "loss" else "model"
    if name in taken:
        name = _class_name(m)
    taken.add(name)
    return name


def _named_modules(m):
    return m.named_modules() if hasattr(m, "named_modules") else [("", m)]


def _named_parameters(m):
    if not hasattr(m, "named_parameters"):
        return []
    return [(n, p) for n, p in m.named_parameters() if "." not in n]


def _part_name(path, module, top):
    """``linear0`` for a Sequential's first Linear, ``fc1`` for an attribute."""
    if not path:
        return top
    parts = path.split(".")
    if parts[-1].isdigit():
        parts[-1] = f"{type(module).__name__.lower()}{parts[-1]}"
    return "_".join(parts)


def _parameter_names(fn, n):
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(n)]
