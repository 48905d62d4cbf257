"""``mg.compile``: trace a training step once, replay it as straight-line numpy."""
from __future__ import annotations

import functools
import inspect
import linecache
import threading

import numpy as np

from .. import engine, modes
from ..tensor import Tensor
from . import codegen
from .state import find_state, state_key
from .trace import Recorder, TraceError, Traced, _active, _view, start_tracing, stop_tracing


MAX_TRACES = 32     # traces a compiled step keeps (each with its code and buffers)


def _arg_key(args):
    key = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            key.append(("T", d.shape, d.dtype.num, d.strides, a.requires_grad, a._grad is None))
        elif isinstance(a, np.ndarray):
            key.append(("A", a.shape, a.dtype.num, a.strides))
        elif _constant(a):
            key.append(("V", type(a), a))     # a new value traces again
        else:
            raise TypeError(
                f"a compiled step takes tensors, numpy arrays, numbers, strings and None "
                f"(or tuples of these), not a {type(a).__name__}; pass each tensor as an "
                "argument of its own")
    return tuple(key)


def _constant(a):
    """Whether ``a`` is a value a trace may depend on as a constant."""
    if a is None or type(a) in (bool, int, float, str):
        return True
    return type(a) is tuple and all(_constant(v) for v in a)


class CompiledStep:
    """What :func:`compile` returns: call it as you would call ``fn``.

    Attributes
    ----------
    code : str
        The Python source of the last trace (forward, backward, update).
    traces : int
        How many input signatures have been traced so far.
    """

    def __init__(self, fn):
        if not callable(fn):
            raise TypeError(f"mg.compile takes a function, not a {type(fn).__name__}")
        self.fn = fn
        self._traces = {}
        self._buffers = {}          # (shape, dtype, strides) -> buffers the traces share
        self._found = None
        self._last = None
        self._lock = threading.RLock()
        functools.update_wrapper(self, fn)

    @property
    def code(self):
        """The Python source of the last call's trace: what a replay runs.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([2.0], requires_grad=True)
        >>> step = mg.compile(lambda x: (w * x).sum())
        >>> _ = step(mg.tensor([3.0]))
        >>> print(step.code.splitlines()[1])
            # forward
        """
        if self._last is None:
            raise RuntimeError("step.code: call the compiled step once first; the code is "
                               "that of the trace the call makes")
        return self._last.source

    @property
    def traces(self):
        """How many input signatures have been traced (each trace kept).

        Examples
        --------
        >>> import minigrad as mg
        >>> step = mg.compile(lambda x: (x * 2).sum())
        >>> _ = step(mg.ones(2)), step(mg.ones(2)), step(mg.ones(3))
        >>> step.traces
        2
        """
        return len(self._traces)

    @property
    def held_bytes(self):
        """Bytes of the buffers and constants the traces keep between calls.

        Examples
        --------
        >>> import minigrad as mg
        >>> w = mg.tensor([2.0], requires_grad=True)
        >>> step = mg.compile(lambda x: ((w * x) * (w * x)).sum())
        >>> _ = step(mg.ones(1000))
        >>> step.held_bytes >= 4000        # at least one float32 buffer of 1000
        True
        """
        seen, total = set(), 0
        for trace in self._traces.values():
            for value in trace.function.__globals__.values():
                while isinstance(value, np.ndarray) and value.base is not None:
                    value = value.base          # a view: count the memory it views, once
                if isinstance(value, np.ndarray) and id(value) not in seen:
                    seen.add(id(value))
                    total += value.nbytes
        return total

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise TypeError("a compiled step takes its inputs as positional arguments")
        now = modes.current_modes()
        if now.anomaly:
            raise TraceError("mg.detect_anomaly does not work inside a compiled step (the "
                             "replay has no graph to check); call the step function itself, "
                             "uncompiled, to find where a NaN comes from")
        if now.trace:
            return self.fn(*args)           # inside another trace: trace through
        with self._lock:
            if self._found is None or not self._found.unchanged():
                self._found = find_state(self.fn)       # a new model, layer or optimizer:
                self._traces.clear()                    # the traces read the old ones
            key = (_arg_key(args), state_key(self._found), now.enabled)
            trace = self._traces.get(key)
            if trace is None:
                if len(self._traces) >= MAX_TRACES:     # shapes that keep changing: start over
                    self._traces.clear()                # rather than keep every trace's buffers
                    self._buffers.clear()
                result, trace = _Tracer(self.fn, self._found, args, self._buffers).run()
                self._traces[key] = trace
                self._last = trace
                return result
            self._last = trace
            return trace.replay(args)

    def __repr__(self):
        return f"<compiled step {getattr(self.fn, '__name__', 'fn')}: {self.traces} trace(s)>"


def _parameter_names(fn, n):
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(n)]


class _Tracer:
    """One trace: installs Traced views, runs the step, restores, builds the program."""

    def __init__(self, fn, found, args, buffers):
        self.fn, self.found, self.args = fn, found, args
        self.buffers = buffers      # the step's buffers, shared by its traces
        self.rec = Recorder()
        self.rec.module_names = found.modules
        self.loaders = []           # (Var, how to read it at a replay)
        self.inputs = []            # (Var, position) of array arguments
        self.restore = []           # (how to put the original back)
        self.grad_owners = []       # tensors whose .grad the step may set
        self.stand_ins = {}         # tensor -> (the traced stand-in of its grad, the grad)
        self.positions = {}         # an argument tensor -> its position (a replay's is another)
        self.held = []              # (container, key, original, traced view): numpy arrays read

    def run(self):
        """Run the step once, recording it; its eager result and the trace."""
        options = [[dict(g) for g in opt.param_groups] for opt in self.found.optimizers]
        try:
            call_args = self._install_inputs()
            self._install_state()
            result = self._call(call_args)
        except BaseException:
            self._finish(None)          # every original array back in its place
            raise
        writebacks = self._finish(result)
        _same_options(self.found.optimizers, options)
        template = _template(result)
        return _plain(result), _Trace(self, template, writebacks)

    def _call(self, call_args):
        """``fn(*call_args)`` with this trace recording (in this thread only)."""
        token = _active.set(self.rec)
        mode_token = modes._modes_var.set(modes.current_modes().but(trace=True))
        start_tracing()
        try:
            return self.fn(*call_args)
        finally:
            stop_tracing()
            modes._modes_var.reset(mode_token)
            _active.reset(token)

    # ------------------------------------------------------------ install
    def _install_inputs(self):
        names = _parameter_names(self.fn, len(self.args))
        call_args = []
        for i, (a, name) in enumerate(zip(self.args, names)):
            if isinstance(a, Tensor):
                original = a._data
                a._data = self.rec.traced(original, "input", name)
                self.inputs.append((a._data._var, i))
                self.restore.append((a, original))
                self.grad_owners.append(a)
                self.positions[a] = i
                self._install_grad(a, name)
                call_args.append(a)
            elif isinstance(a, np.ndarray):
                view = self.rec.traced(a, "input", name)
                self.inputs.append((view._var, i))
                call_args.append(view)
            else:
                call_args.append(a)
        return call_args

    def _install_state(self):
        for t, name in self.found.tensors.items():
            if any(t is a for a in self.args):
                continue
            original = t._data
            t._data = self.rec.traced(original, "state", name)
            self.loaders.append((t._data._var, _DataOf(t)))
            self.restore.append((t, original))
            self.grad_owners.append(t)
            self._install_grad(t, name)
        for container, key, name in self.found.arrays:
            original = _read(container, key)
            view = self.rec.traced(original, "state", name)
            _write(container, key, view)
            self.loaders.append((view._var, _Held(container, key)))
            self.held.append((container, key, original, view))
        for opt in self.found.optimizers:
            for p in opt._params():
                st = opt.state.get(p)
                pname = self.found.tensors.get(p, "param")
                for k, v in list((st or {}).items()):
                    if isinstance(v, np.ndarray):
                        st[k] = self.rec.traced(v, "state", f"{k}_{pname}")
                        self.loaders.append((st[k]._var, _OptState(opt, p, k)))

    def _install_grad(self, t, name):
        g = t._grad
        if g is not None:
            view = self.rec.traced(g._data, "state", f"grad_{name}")
            pos = self.positions.get(t)
            self.loaders.append((view._var, _GradOf(t) if pos is None else _ArgGradOf(pos)))
            t._grad = engine._make(view, None)
            self.stand_ins[t] = (t._grad, g)

    # ------------------------------------------------------------ restore
    def _finish(self, result):
        """Put every original array back; what the step left behind becomes
        a write-back a replay repeats."""
        writebacks = []
        for t, original in self.restore:
            d = t._data
            if type(d) is Traced and d._var is not None and d._var.kind in ("state", "input") \
                    and d._var.value is original:
                t._data = original
            elif type(d) is Traced and d._var is not None:
                writebacks.append(("data", self._target(t), d._var))
                t._data = _view(d, np.ndarray)
            elif result is not None:
                raise TraceError(f"the step replaced the data of {self.found.tensors.get(t, 'a tensor')} "
                                 "with an array made outside the trace; update it in place instead")
        for t in self.grad_owners:
            writebacks += self._finish_grad(t, result is not None)
        for container, key, original, view in self.held:
            now = _read(container, key)
            _write(container, key, original)
            if now is not view and result is not None:
                raise TraceError(f"the step rebinds {key or 'a closure variable'} to another "
                                 "array; change the array in place (a[...] = ...) instead")
        for opt in self.found.optimizers:
            for p in opt._params():
                for k, v in list(opt.state.get(p, {}).items()):
                    if type(v) is Traced:
                        if v._var.kind != "state":
                            writebacks.append(("opt", (opt, p, k), v._var))
                        opt.state[p][k] = _view(v, np.ndarray)
        return writebacks

    def _target(self, t):
        """What a write-back changes: ``t``, or for an argument its position
        (a replay writes into the tensor it is given there)."""
        pos = self.positions.get(t)
        return t if pos is None else _Argument(pos)

    def _finish_grad(self, t, ok):
        g = t._grad
        if g is None:
            return [] if t not in self.stand_ins else [("grad", self._target(t), None)]
        stand_in, original = self.stand_ins.get(t, (None, None))
        if g is stand_in:
            t._grad = original          # changed in place, if at all: recorded
            return []
        if type(g._data) is Traced:
            var = g._data._var
            g._data = _view(g._data, np.ndarray)
            return [("grad", self._target(t), var)]
        if ok:
            raise TraceError("the step set a .grad to a tensor made outside the trace; "
                             "let backward() make gradients, or set .grad outside the step")
        return []


def _same_options(optimizers, before):
    """Refuse a step that changed an optimizer's options (a scheduler's
    ``step()`` inside it): a replay would not change them again."""
    for opt, groups in zip(optimizers, before):
        for i, (group, old) in enumerate(zip(opt.param_groups, groups)):
            for k, v in old.items():
                if k != "params" and group.get(k) is not v and group.get(k) != v:
                    raise TraceError(
                        f"the step changed {type(opt).__name__}.param_groups[{i}][{k!r}] "
                        f"({v!r} -> {group.get(k)!r}); a replay runs the recorded numpy code "
                        "and would not change it again. Call the learning-rate scheduler's "
                        "step() (or change the options) outside the compiled function")


class _DataOf:
    """Reads a tensor's array at a replay (``load(args)``)."""
    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t

    def __call__(self, args):
        return self.t._data


class _GradOf(_DataOf):
    __slots__ = ()

    def __call__(self, args):
        return self.t._grad._data


class _ArgGradOf:
    """Reads the gradient of the replay's argument at ``pos``."""
    __slots__ = ("pos",)

    def __init__(self, pos):
        self.pos = pos

    def __call__(self, args):
        return args[self.pos]._grad._data


def _read(container, key):
    return container.cell_contents if key is None else container[key]


def _write(container, key, value):
    if key is None:
        container.cell_contents = value
    else:
        container[key] = value


class _Held:
    """Reads a numpy array the step refers to (a closure cell, a global, an
    attribute) at a replay."""
    __slots__ = ("container", "key")

    def __init__(self, container, key):
        self.container, self.key = container, key

    def __call__(self, args):
        return _read(self.container, self.key)


class _Argument:
    """The tensor a replay gets at position ``pos``, as a write-back's target."""
    __slots__ = ("pos",)

    def __init__(self, pos):
        self.pos = pos


class _OptState:
    __slots__ = ("opt", "p", "k")

    def __init__(self, opt, p, k):
        self.opt, self.p, self.k = opt, p, k

    def __call__(self, args):
        return self.opt.state[self.p][self.k]


def _template(result):
    """The returned structure, with each traced array replaced by its Var."""
    if isinstance(result, Tensor):
        d = result._data
        return ("T", d._var) if type(d) is Traced else ("C", result)
    if type(result) is Traced:
        return ("A", result._var)
    if isinstance(result, (tuple, list)):
        return (type(result), [_template(r) for r in result])
    if isinstance(result, dict):
        return (dict, {k: _template(v) for k, v in result.items()})
    return ("C", result)


def _plain(result):
    """The eager result, with plain arrays in place of traced ones."""
    if isinstance(result, Tensor):
        if type(result._data) is Traced:
            result._data = _view(result._data, np.ndarray)
        return result
    if type(result) is Traced:
        return _view(result, np.ndarray)
    if isinstance(result, (tuple, list)):
        return type(result)(_plain(r) for r in result)
    if isinstance(result, dict):
        return {k: _plain(v) for k, v in result.items()}
    return result


def _substitute_template(t, replaced):
    kind, body = t
    if kind in ("T", "A"):
        return (kind, replaced.get(id(body), body))
    if kind == "C":
        return t
    if kind is dict:
        return (dict, {k: _substitute_template(v, replaced) for k, v in body.items()})
    return (kind, [_substitute_template(v, replaced) for v in body])


def _template_vars(t):
    kind, body = t
    if kind in ("T", "A"):
        return [body]
    if kind == "C":
        return []
    items = body.values() if kind is dict else body
    return [v for item in items for v in _template_vars(item)]


_count = [0]


class _Trace:
    """A traced step: its program, compiled, and how to feed and apply it."""

    def __init__(self, tracer, template, writebacks):
        rec = tracer.rec
        results = _template_vars(template)
        wanted = results + [v for _, _, v in writebacks if v is not None]
        lines = codegen.live_lines(rec.lines, wanted)
        lines = codegen.fold_constants(lines, wanted)
        lines = codegen.outer_products(lines)
        lines = codegen.recompute_for_backward(lines)
        lines, replaced = codegen.elide_copies(lines, wanted)
        self.template = _substitute_template(template, replaced)
        results = [replaced.get(id(v), v) for v in results]
        writebacks = [(k, t, None if v is None else replaced.get(id(v), v))
                      for k, t, v in writebacks]
        self.writebacks = [(kind, target) for kind, target, _ in writebacks]
        self.n_results = len(results)
        outs = results + [v for _, _, v in writebacks]
        params = self._bind_inputs(tracer, codegen.used_vars(lines, [v for v in outs if v]))
        codegen.name_sums(lines)
        name = _identifier(getattr(tracer.fn, "__name__", "step"))
        self.source, namespace = codegen.source(name, params, lines, outs, tracer.buffers)
        _count[0] += 1
        filename = f"<minigrad.compile {name} #{_count[0]}>"
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True),
                                     filename)
        exec(compile(self.source, filename, "exec"), namespace)     # noqa: S102 - our code
        self.function = namespace[name]

    def _bind_inputs(self, tracer, used):
        """The generated function's parameters: the array arguments and the
        state it reads; and which of them a replay reports changed."""
        inputs = [(v, pos) for v, pos in tracer.inputs if id(v) in used]
        loaders = [(v, load) for v, load in tracer.loaders if id(v) in used]
        self.inputs = [pos for _, pos in inputs]
        self.loaders = [load for _, load in loaders]
        changed = {id(v) for v in tracer.rec.changed if v.kind in ("state", "input")}
        self.changed = [i for i, (v, _) in enumerate(loaders) if id(v) in changed]
        self.changed_inputs = [pos for v, pos in tracer.inputs if id(v) in changed]
        return [v for v, _ in inputs] + [v for v, _ in loaders]

    def replay(self, args):
        arrays = [args[i]._data if isinstance(args[i], Tensor) else args[i]
                  for i in self.inputs]
        state = [load(args) for load in self.loaders]
        outs = self.function(*arrays, *state)
        for (kind, target), value in zip(self.writebacks, outs[self.n_results:]):
            _write_back(kind, args[target.pos] if type(target) is _Argument else target, value)
        for i in self.changed:
            engine.mark_changed(state[i])
        for pos in self.changed_inputs:
            engine.mark_changed(args[pos]._data)
        return _build(self.template, iter(outs[:self.n_results]))


def _array(value):
    """A replay's result as an array (numpy gives a 0-d result as a scalar)."""
    return value if type(value) is np.ndarray else np.asarray(value)


def _write_back(kind, target, value):
    if kind == "grad":
        target._grad = None if value is None else engine._make(_array(value), None)
    elif kind == "data":
        target._data = value
    else:
        opt, p, k = target
        opt.state.setdefault(p, {})[k] = value


def _build(template, values):
    kind, body = template
    if kind == "T":
        return engine._make(_array(next(values)), None)
    if kind == "A":
        return _array(next(values))
    if kind == "C":
        return body
    if kind is dict:
        return {k: _build(v, values) for k, v in body.items()}
    return kind(_build(v, values) for v in body)


def _identifier(name):
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return name if name and not name[0].isdigit() and name != "np" else "step"
