"""Modules and parameters, as in PyTorch."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..tensor import Tensor, as_array


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

    # ---------------------------------------------------------------- state
    def state_dict(self):
        """An ordered dict of parameter name -> a copy of its numpy array.

        Examples
        --------
        >>> import minigrad as mg
        >>> a, b = mg.nn.Linear(2, 1, rng=0), mg.nn.Linear(2, 1, rng=1)
        >>> b.load_state_dict(a.state_dict())
        >>> bool((a.weight.numpy() == b.weight.numpy()).all())
        True
        """
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of ``state_dict`` into the parameters.

        With ``strict``, the names must match exactly; shapes always must.
        """
        params = dict(self.named_parameters())
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
                raise ValueError(f"state_dict[{name!r}] has shape {arr.shape}, the parameter "
                                 f"has shape {p.shape}")
            p.data = np.array(arr, dtype=p.dtype)

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
