"""Containers: ModuleList and ModuleDict, which hold submodules (and so
their parameters) without a forward of their own, as PyTorch's."""
from __future__ import annotations

from collections import OrderedDict

from .module import Module


def _checked(module, who):
    if not isinstance(module, Module):
        raise TypeError(f"{who} holds Modules, got a {type(module).__name__}")
    return module


class ModuleList(Module):
    """A list of modules; parameters are named ``0.weight``, ``1.weight``, ...

    Examples
    --------
    >>> import minigrad as mg
    >>> layers = mg.nn.ModuleList([mg.nn.Linear(2, 2, rng=0) for _ in range(2)])
    >>> layers.append(mg.nn.ReLU())
    ModuleList(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): Linear(in_features=2, out_features=2, bias=True)
      (2): ReLU()
    )
    >>> len(layers), [n for n, _ in layers.named_parameters()][:2]
    (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules=None):
        super().__init__()
        self._list = [_checked(m, "ModuleList") for m in (modules or ())]

    def named_children(self):
        for i, m in enumerate(self._list):
            yield str(i), m

    def _members(self):
        return self.named_children()

    def __getitem__(self, i):
        return ModuleList(self._list[i]) if isinstance(i, slice) else self._list[i]

    def __setitem__(self, i, module):
        self._list[i] = _checked(module, "ModuleList")

    def __delitem__(self, i):
        del self._list[i]

    def __len__(self):
        return len(self._list)

    def __iter__(self):
        return iter(self._list)

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        """Add a module at the end; returns the list."""
        self._list.append(_checked(module, "ModuleList"))
        return self

    def extend(self, modules):
        """Add modules at the end; returns the list."""
        self._list.extend(_checked(m, "ModuleList") for m in modules)
        return self

    def insert(self, index, module):
        """Insert a module before ``index``."""
        self._list.insert(index, _checked(module, "ModuleList"))

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward: call its modules in your "
                                  "module's forward (for m in self.layers: x = m(x))")


class ModuleDict(Module):
    """A dict of modules, in insertion order; parameters are named
    ``key.weight``.

    Examples
    --------
    >>> import minigrad as mg
    >>> acts = mg.nn.ModuleDict({"relu": mg.nn.ReLU(), "tanh": mg.nn.Tanh()})
    >>> list(acts.keys()), acts["tanh"](mg.zeros(1))
    (['relu', 'tanh'], tensor([0.]))
    """

    def __init__(self, modules=None):
        super().__init__()
        self._dict = OrderedDict()
        if modules is not None:
            self.update(modules)

    def named_children(self):
        yield from self._dict.items()

    def _members(self):
        return self.named_children()

    def __getitem__(self, key):
        return self._dict[key]

    def __setitem__(self, key, module):
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"a ModuleDict key is a non-empty str without '.', got {key!r}")
        self._dict[key] = _checked(module, "ModuleDict")

    def __delitem__(self, key):
        del self._dict[key]

    def __contains__(self, key):
        return key in self._dict

    def __len__(self):
        return len(self._dict)

    def __iter__(self):
        return iter(self._dict)

    def keys(self):
        """The keys, in order."""
        return self._dict.keys()

    def values(self):
        """The modules, in order."""
        return self._dict.values()

    def items(self):
        """(key, module) pairs, in order."""
        return self._dict.items()

    def update(self, modules):
        """Add (key, module) pairs from a dict or an iterable of pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def pop(self, key):
        """Remove and return the module under ``key``."""
        return self._dict.pop(key)

    def clear(self):
        """Remove every module."""
        self._dict.clear()

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward: call its modules in your "
                                  "module's forward")
