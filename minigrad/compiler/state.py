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


class Found:
    """The modules, optimizers and tensors a step uses, with names."""

    def __init__(self):
        self.tensors = {}        # Tensor -> name (parameters, buffers, loose tensors)
        self.modules = {}        # id(module) -> part name
        self.module_list = []
        self.optimizers = []
        self.generic = set()     # tensors known only by a made-up name so far
        self._seen = set()

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
        found.modules[id(sub)] = part
        found.module_list.append(sub)
        for name, p in sub.named_parameters():
            if "." not in name:
                found.add_tensor(p, f"{part}_{name}")
        for name, b in sub.named_buffers():
            if "." not in name and b is not None:
                found.add_tensor(b, f"{part}_{name}")


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
        for i, p in enumerate(obj._params()):
            found.add_tensor(p, f"param{i}", generic=True)
    elif isinstance(obj, Tensor):
        if obj.requires_grad or obj.is_leaf:
            found.add_tensor(obj, name)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _visit(found, v, f"{name}{i}", depth + 1)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _visit(found, v, str(k), depth + 1)
    elif isinstance(obj, types.FunctionType):
        _visit_function(found, obj, depth + 1)
    elif isinstance(obj, types.MethodType):
        _visit(found, obj.__self__, "self", depth)
        _visit_function(found, obj.__func__, depth + 1)
    elif isinstance(obj, (types.ModuleType, type, np.ndarray, str, bytes, int, float)):
        return
    elif hasattr(obj, "__dict__"):
        for k, v in vars(obj).items():
            _visit(found, v, k, depth + 1)


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
            _visit(found, cell.cell_contents, name, depth)
        except ValueError:          # an empty cell
            pass
    for name in sorted(_names_in(code)):
        if name in fn.__globals__:
            _visit(found, fn.__globals__[name], name, depth)
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
    # optimizer parameters keep the names their modules gave them
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
    key = [(t._data.shape, t._data.dtype.num, t._data.strides, t._grad is None)
           for t in found.tensors]
    for opt in found.optimizers:
        key += [hyper_key(g) for g in opt.param_groups]
        state = opt.state
        key += [len(state[p]) if p in state else 0 for g in opt.param_groups
                for p in g["params"]]
    key += [m.training for m in found.module_list]
    return tuple(key)
