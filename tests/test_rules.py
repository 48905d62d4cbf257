"""The hidden rule, made visible: every numpy function (and Tensor method) a
backward rule applies to its gradient, output or operands must itself be
differentiable in minigrad, or gradients of gradients break.  This test reads
every rule's source and names the offender."""
import ast
import inspect
import textwrap
import types

import numpy as np
import pytest

import minigrad as mg
from minigrad import engine
from minigrad.function import FunctionNode
from minigrad.tensor import _FUNCTIONS, _UFUNCS, Tensor


from minigrad.ops.registry import ENTRIES

_REGISTERED = {e.fn for e in ENTRIES}


def _node_classes():
    seen, todo = [], list(engine.Node.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in seen if c.__module__.startswith("minigrad")
            and not issubclass(c, (FunctionNode, engine.StaleView))]


def _uses(tree, names):
    """Whether ``tree`` reads one of ``names`` (not through ``self.``)."""
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(tree))


def _offenders(fn, tensor_names, where, seen):
    """(where, what) for each non-differentiable use of ``tensor_names`` in fn."""
    if fn in seen:
        return []
    seen.add(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    found = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        args = call.args + [k.value for k in call.keywords]
        if not any(_uses(a, tensor_names) for a in args) and not (
                isinstance(call.func, ast.Attribute) and _uses(call.func.value, tensor_names)):
            continue
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "np":
            target = getattr(np, f.attr)
            if target not in _UFUNCS and target not in _FUNCTIONS:
                found.append((where, f"np.{f.attr}"))
        elif isinstance(f, ast.Attribute) and _uses(f.value, tensor_names):
            if not hasattr(Tensor, f.attr):
                found.append((where, f".{f.attr}()"))
        elif isinstance(f, ast.Name):
            helper = fn.__globals__.get(f.id)
            if isinstance(helper, types.FunctionType) and helper.__module__.startswith("minigrad"):
                if getattr(helper, "differentiable", False) or helper in _REGISTERED:
                    continue
                params = set(inspect.signature(helper).parameters)
                found += _offenders(helper, params, f"{where} -> {f.id}", seen)
    return found


@pytest.mark.parametrize("cls", _node_classes(), ids=lambda c: c.__name__)
def test_rules_use_only_differentiable_functions(cls):
    params = list(inspect.signature(cls.backward).parameters)[1:]   # drop self
    bad = _offenders(cls.backward, set(params), cls.__name__, set())
    assert not bad, (f"{cls.__name__}.backward applies functions minigrad cannot "
                     f"differentiate to its gradient/operands: {bad}; use a registered op "
                     "(or read constants through self.args / self.ctx)")


def test_the_check_catches_an_offender():
    class Bad(engine.Node):
        __slots__ = ()

        def backward(self, g, out, x):
            return (np.cbrt(g),)

    assert _offenders(Bad.backward, {"g", "out", "x"}, "Bad", set()) == [("Bad", "np.cbrt")]


def test_every_registered_op_is_reachable():
    from minigrad.ops.registry import ENTRIES
    for e in ENTRIES:
        assert getattr(mg.ops, e.fn.__name__) is e.fn
