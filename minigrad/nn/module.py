"""Modules and parameters, as in PyTorch."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..device import split_to_args
from ..tensor import Tensor, as_array
from .. import tracing


def _check_name(name, what):
    if not isinstance(name, str) or not name or "." in name:
        raise KeyError(f"{what} name is a non-empty str without '.', got {name!r}")


class Parameter(Tensor):
    """A Tensor that a :class:`Module` holds as one of its parameters.

    It requires grad unless told otherwise, and modules find it among their
    attributes.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.nn.Parameter([1.0, 2.0])
    >>> w.requires_grad, isinstance(w, mg.Tensor)
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(as_array(data, dtype), requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of layers, models and the PyTorch-flavoured losses.

    Parameters are found from the attributes: a :class:`Parameter`, a
    Module (its parameters, recursively), or a list/tuple/dict of those.
    Subclasses define ``forward``; calling the module calls it.

    Examples
    --------
    >>> import minigrad as mg
    >>> class Affine(mg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = mg.nn.Parameter([2.0])
    ...         self.b = mg.nn.Parameter([0.5])
    ...     def forward(self, x):
    ...         return x * self.w + self.b
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['w', 'b']
    >>> m(mg.tensor([1.0]))
    tensor([2.5], grad_fn=<AddBackward>)
    """

    training = True

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        session = tracing.session()
        if session is not None:           # mg.compile names what a part computes after it
            session.enter(self)
            try:
                return self.forward(*args, **kwargs)
            finally:
                session.leave()
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------ traversal
    def _members(self):
        """(name, value) for attributes that are parameters or modules,
        looking inside lists, tuples and dicts."""
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, v in enumerate(value):
                    if isinstance(v, (Parameter, Module)):
                        yield f"{name}.{i}", v
            elif isinstance(value, dict):
                for k, v in value.items():
                    if isinstance(v, (Parameter, Module)):
                        yield f"{name}.{k}", v

    def named_children(self):
        """(name, module) for the direct submodules."""
        for name, v in self._members():
            if isinstance(v, Module):
                yield name, v

    def children(self):
        """The direct submodules."""
        return (m for _, m in self.named_children())

    def named_modules(self, prefix=""):
        """(name, module) for this module and all below it."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        """This module and all below it."""
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix=""):
        """(name, parameter) for every parameter, each once.

        Examples
        --------
        >>> import minigrad as mg
        >>> net = mg.nn.Sequential(mg.nn.Linear(2, 3, rng=0), mg.nn.ReLU(), mg.nn.Linear(3, 1, rng=0))
        >>> [n for n, _ in net.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
        """
        seen = set()
        for mod_name, mod in self.named_modules(prefix):
            for name, v in mod._members():
                if isinstance(v, Parameter) and id(v) not in seen:
                    seen.add(id(v))
                    yield (f"{mod_name}.{name}" if mod_name else name), v

    def parameters(self):
        """Every parameter, each once (for an optimizer)."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Set training mode here and below; returns the module."""
        for m in self.modules():
            m.training = bool(mode)
        return self

    def eval(self):
        """Set evaluation mode here and below; returns the module."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (e.g. to freeze a part);
        returns the module.

        Examples
        --------
        >>> import minigrad as mg
        >>> net = mg.nn.Linear(2, 1, rng=0).requires_grad_(False)
        >>> [p.requires_grad for p in net.parameters()]
        [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn):
        """Call ``fn(m)`` on every submodule and then on this module (as
        PyTorch: children first); returns the module.

        Examples
        --------
        >>> import minigrad as mg
        >>> net = mg.nn.Sequential(mg.nn.Linear(2, 2, rng=0), mg.nn.ReLU())
        >>> names = []
        >>> _ = net.apply(lambda m: names.append(type(m).__name__))
        >>> names
        ['Linear', 'ReLU', 'Sequential']
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def add_module(self, name, module):
        """Hold ``module`` (or None) as the submodule ``name``, as an attribute.

        Examples
        --------
        >>> import minigrad as mg
        >>> m = mg.nn.Module()
        >>> m.add_module("fc", mg.nn.Linear(2, 1, rng=0))
        >>> [n for n, _ in m.named_parameters()]
        ['fc.weight', 'fc.bias']
        """
        _check_name(name, "a module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module takes a Module or None, got a {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name, param):
        """Hold ``param`` (a :class:`Parameter`, or None) as the parameter ``name``.

        Examples
        --------
        >>> import minigrad as mg
        >>> m = mg.nn.Module()
        >>> m.register_parameter("scale", mg.nn.Parameter([1.0]))
        >>> [n for n, _ in m.named_parameters()]
        ['scale']
        """
        _check_name(name, "a parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter takes a Parameter or None, got a "
                            f"{type(param).__name__}; wrap it with mg.nn.Parameter(...)")
        setattr(self, name, param)

    # ------------------------------------------------------- dtype, device
    def to(self, *args, **kwargs):
        """Cast the floating-point parameters and buffers to a dtype in place
        (the same Parameter objects, so an optimizer made before still holds
        them), and/or check the device (the CPU; another device raises), as
        PyTorch's ``module.to``.  Returns the module.

        Examples
        --------
        >>> import minigrad as mg
        >>> net = mg.nn.BatchNorm1d(2).to("cpu").to(mg.float64)
        >>> net.weight.dtype, net.running_mean.dtype, net.num_batches_tracked.dtype
        (dtype('float64'), dtype('float64'), dtype('int64'))
        """
        dtype = split_to_args(args, dict(kwargs))
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"Module.to only casts to floating-point dtypes, got {dtype}")
        for t in [*self.parameters(), *self.buffers()]:
            if t.dtype.kind == "f" and t.dtype != dtype:
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = t.grad.astype(dtype)
        return self

    def double(self):
        """Cast floating-point parameters and buffers to float64; returns the module.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.nn.Linear(2, 1, rng=0).double().weight.dtype
        dtype('float64')
        """
        return self.to(np.float64)

    def float(self):
        """Cast floating-point parameters and buffers to float32; returns the module.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.nn.Linear(2, 1, rng=0, dtype="float64").float().weight.dtype
        dtype('float32')
        """
        return self.to(np.float32)

    def cpu(self):
        """The module itself (minigrad runs on the CPU)."""
        return self

    # -------------------------------------------------------------- buffers
    def register_buffer(self, name, tensor, persistent=True):
        """Hold ``tensor`` as non-parameter state (as PyTorch's running mean).

        A buffer is an attribute that needs no gradient; a persistent one is
        in :meth:`state_dict` after the module's parameters, under its name.
        Rebinding the attribute (``self.running_mean = ...``) keeps it a buffer.

        Examples
        --------
        >>> import minigrad as mg
        >>> m = mg.nn.Module()
        >>> m.register_buffer("mean", mg.zeros(2))
        >>> list(m.state_dict()), m.mean
        (['mean'], tensor([0., 0.]))
        """
        _check_name(name, "a buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer takes a Tensor or None, got a "
                            f"{type(tensor).__name__}; wrap it with mg.tensor(...)")
        if isinstance(tensor, Parameter):
            raise TypeError(f"{name!r} is a Parameter: assign it as an attribute instead")
        setattr(self, name, tensor)
        self.__dict__.setdefault("_buffer_names", {})[name] = bool(persistent)

    def named_buffers(self, prefix=""):
        """(name, tensor) for every buffer here and below (None ones skipped).

        Examples
        --------
        >>> import minigrad as mg
        >>> [n for n, _ in mg.nn.BatchNorm1d(3).named_buffers()]
        ['running_mean', 'running_var', 'num_batches_tracked']
        """
        for mod_name, mod in self.named_modules(prefix):
            for name, _, value in mod._own_buffers():
                yield (f"{mod_name}.{name}" if mod_name else name), value

    def buffers(self):
        """Every buffer here and below."""
        return [b for _, b in self.named_buffers()]

    def _own_buffers(self, persistent_only=False):
        """(name, persistent, tensor) for this module's own buffers."""
        for name, persistent in vars(self).get("_buffer_names", {}).items():
            value = getattr(self, name, None)
            if value is not None and (persistent or not persistent_only):
                yield name, persistent, value

    # ---------------------------------------------------------------- state
    def _named_state(self):
        """(name, tensor) in PyTorch's state_dict order: per module, its own
        parameters, then its persistent buffers, then its children's."""
        seen = set()
        for mod_name, mod in self.named_modules():
            pre = f"{mod_name}." if mod_name else ""
            for name, v in mod._members():
                if isinstance(v, Parameter) and id(v) not in seen:
                    seen.add(id(v))
                    yield pre + name, v
            for name, _, v in mod._own_buffers(persistent_only=True):
                yield pre + name, v

    def state_dict(self):
        """An ordered dict of parameter and buffer name -> a copy of its
        numpy array, with PyTorch's names and order.

        Examples
        --------
        >>> import minigrad as mg
        >>> a, b = mg.nn.Linear(2, 1, rng=0), mg.nn.Linear(2, 1, rng=1)
        >>> b.load_state_dict(a.state_dict())
        >>> bool((a.weight.numpy() == b.weight.numpy()).all())
        True
        """
        return OrderedDict((name, t.data.copy()) for name, t in self._named_state())

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of ``state_dict`` into the parameters and buffers.

        With ``strict``, the names must match exactly; shapes always must.
        """
        params = dict(self._named_state())
        if strict:
            missing = sorted(set(params) - set(state_dict))
            unexpected = sorted(set(state_dict) - set(params))
            if missing or unexpected:
                raise KeyError(f"state_dict does not match the module: missing {missing}, "
                               f"unexpected {unexpected}")
        for name, value in state_dict.items():
            if name not in params:
                continue
            p = params[name]
            arr = np.asarray(value.data if isinstance(value, Tensor) else value)
            if arr.shape != p.shape:
                raise ValueError(f"state_dict[{name!r}] has shape {arr.shape}, the module's "
                                 f"tensor has shape {p.shape}")
            p.data = np.array(arr, dtype=p.dtype)

    def summary(self, input_size=None, dtype=None):
        """The table of this model's layers (output shapes for an input of
        ``input_size``, parameter counts, totals): :func:`minigrad.summary`.

        Examples
        --------
        >>> import minigrad as mg
        >>> mg.nn.Linear(3, 2, rng=0).summary().total_params
        8
        """
        from ..summary import summary
        return summary(self, input_size, dtype)

    # ----------------------------------------------------------------- repr
    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"
