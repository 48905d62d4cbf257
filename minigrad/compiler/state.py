"""What a step reads and writes besides its arguments: found once, by name.

A step closes over a model, an optimizer, a loss.  :func:`find_state` walks
what the function refers to (closure cells, the globals it names, a bound
method's object, default arguments), and collects the modules, optimizers
and tensors that require grad, with the names a learner knows them by
(``linear1_weight``).  The compiled step reads their arrays afresh at every
call and checks what steers the trace (grads present or not, optimizer
state, training mode) before replaying.
"""
from __future__ import annotations

import types

import numpy as np

from ..lossdefs.keras_base import Loss as KerasLoss
from ..nn.module import Module
from ..optim.optimizer import Optimizer
from ..tensor import Tensor

_MAX_DEPTH = 3
_MISSING = object()


class Found:
    """The modules, optimizers and tensors a step uses, with names."""

    def __init__(self):
        self.tensors = {}        # Tensor -> name (parameters, buffers, loose tensors)
        self.modules = {}        # id(module) -> part name
        self.module_list = []
        self.optimizers = []
        self.generic = set()     # tensors known only by a made-up name so far
        self.watched = []        # (mapping or sequence, key, object): what must stay bound
        self.arrays = []         # (mapping or closure cell, key, name): numpy arrays it reads
        self._seen = set()

    def watch(self, container, key, obj):
        """Note that ``container[key]`` is ``obj`` now (a closure cell: key None)."""
        self.watched.append((container, key, obj))

    def unchanged(self):
        """Whether every watched name, attribute and list item still holds the
        object it held when the state was found (else: find it again)."""
        for container, key, obj in self.watched:
            if key is None:
                if container.cell_contents is not obj:
                    return False
            elif type(key) is int:
                if (container[key] if key < len(container) else _MISSING) is not obj:
                    return False
            elif container.get(key, _MISSING) is not obj:
                return False
        return True

    def add_tensor(self, t, name, generic=False):
        """Note tensor ``t`` as ``name`` (a ``generic`` name yields to any other)."""
        if t not in self.tensors or (t in self.generic and not generic):
            self.tensors[t] = name
            if generic:
                self.generic.add(t)
            else:
                self.generic.discard(t)


def _part_name(path, module, top):
    """``linear0`` for a Sequential's first Linear, ``fc1`` for an attribute."""
    if not path:
        return top
    parts = path.split(".")
    if parts[-1].isdigit():
        parts[-1] = f"{type(module).__name__.lower()}{parts[-1]}"
    return "_".join(parts)


def _add_module(found, m, top):
    for path, sub in m.named_modules():
        if id(sub) in found.modules:
            continue
        part = _part_name(path, sub, top)
        _watch_members(found, sub)
        found.modules[id(sub)] = part
        found.module_list.append(sub)
        for name, p in sub.named_parameters():
            if "." not in name:
                found.add_tensor(p, f"{part}_{name}")
        for name, b in sub.named_buffers():
            if "." not in name and b is not None:
                found.add_tensor(b, f"{part}_{name}")
        for name, value in vars(sub).items():    # other tensors and arrays it keeps (a weight)
            if isinstance(value, Tensor):
                found.add_tensor(value, f"{part}_{name}")
            elif type(value) is np.ndarray:
                found.arrays.append((vars(sub), name, f"{part}_{name}"))


def _watch_members(found, m):
    """Watch the attributes (and list items) of ``m`` that hold parameters and
    submodules: replacing a layer must not leave a replay with the old one."""
    for name, value in vars(m).items():
        if isinstance(value, (Tensor, Module, list, tuple, dict)):
            found.watch(vars(m), name, value)
        if isinstance(value, list):
            for i, v in enumerate(value + [_MISSING]):      # and nothing after the last
                found.watch(value, i, v)


def _visit(found, obj, name, depth):
    if id(obj) in found._seen or depth > _MAX_DEPTH:
        return
    found._seen.add(id(obj))
    if isinstance(obj, Module):
        _add_module(found, obj, name)
    elif isinstance(obj, KerasLoss):
        found.modules.setdefault(id(obj), name)
    elif isinstance(obj, Optimizer):
        found.optimizers.append(obj)
        found.watch(vars(obj), "param_groups", obj.param_groups)
        for group in obj.param_groups:
            for i, p in enumerate(group["params"] + [_MISSING]):
                found.watch(group["params"], i, p)
        for i, p in enumerate(obj._params()):
            found.add_tensor(p, f"param{i}", generic=True)
    elif isinstance(obj, Tensor):
        if obj.requires_grad or obj.is_leaf:
            found.add_tensor(obj, name)
    elif isinstance(obj, tuple):
        for i, v in enumerate(obj):
            _visit(found, v, f"{name}{i}", depth + 1)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _visit_value(found, obj, i, v, f"{name}{i}", depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _visit_value(found, obj, k, v, str(k), depth + 1)
    elif isinstance(obj, types.FunctionType):
        _visit_function(found, obj, depth + 1)
    elif isinstance(obj, types.MethodType):
        _visit(found, obj.__self__, "self", depth)
        _visit_function(found, obj.__func__, depth + 1)
    elif isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes, int, float)):
        return
    elif hasattr(obj, "__dict__"):
        for k, v in vars(obj).items():
            _visit_value(found, vars(obj), k, v, k, depth + 1)


def _visit_value(found, container, key, value, name, depth):
    """Visit ``value``, held at ``container[key]``: a numpy array there is read
    afresh at every replay (the step may see new values in it)."""
    if type(value) is np.ndarray and depth <= _MAX_DEPTH:
        if all(c is not container or k != key for c, k, _ in found.arrays):
            found.arrays.append((container, key, name))
        return
    _visit(found, value, name, depth)


def _names_in(code):
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names_in(c)
    return names


def _visit_function(found, fn, depth):
    code = fn.__code__
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            contents = cell.cell_contents
        except ValueError:          # an empty cell
            continue
        found.watch(cell, None, contents)
        _visit_value(found, cell, None, contents, name, depth)
    for name in sorted(_names_in(code)):
        if name in fn.__globals__:
            found.watch(fn.__globals__, name, fn.__globals__[name])
            _visit_value(found, fn.__globals__, name, fn.__globals__[name], name, depth)
    for i, v in enumerate(fn.__defaults__ or ()):
        _visit(found, v, f"default{i}", depth)
    for k, v in (fn.__kwdefaults__ or {}).items():
        _visit(found, v, k, depth)


def find_state(fn):
    """The :class:`Found` state of step function ``fn``.

    Examples
    --------
    >>> import minigrad as mg
    >>> from minigrad.compiler.state import find_state
    >>> model = mg.nn.Linear(2, 1, rng=0)
    >>> def step(x):
    ...     return model(x).sum()
    >>> sorted(find_state(step).tensors.values())
    ['model_bias', 'model_weight']
    """
    found = Found()
    if isinstance(fn, types.MethodType):
        _visit(found, fn, "self", 0)
    elif isinstance(fn, types.FunctionType):
        _visit_function(found, fn, 0)
    else:
        _visit(found, fn, "step", 0)
    return found


def hyper_key(group):
    """What in an optimizer group steers the traced update (all options
    except the learning rate, which each replay reads afresh: only whether
    it is 0)."""
    return tuple([v if k != "lr" else v != 0 for k, v in group.items() if k != "params"])


def state_key(found):
    """Everything besides the arguments that a trace depends on: each
    tensor's shape, dtype, layout and whether it has a gradient; the
    optimizers' options and how much state they keep; training modes."""
    key = [(t._data.shape, t._data.dtype.num, t._data.strides, t._grad is None,
            t.requires_grad) for t in found.tensors]
    for opt in found.optimizers:
        key += [hyper_key(g) for g in opt.param_groups]
        state = opt.state
        key += [len(state[p]) if p in state else 0 for g in opt.param_groups
                for p in g["params"]]
    key += [m.training for m in found.module_list]
    return tuple(key)
