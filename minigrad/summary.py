"""``mg.summary(model, input_size=...)`` (also ``model.summary(...)``): a
table of a model's layers, as Keras's ``model.summary()`` and torchinfo's
``summary`` show it: each layer's output shape (when an input size is given)
and its number of parameters, then the totals, trainable and not.

Parameters are counted as PyTorch counts them (``numel()`` of every
parameter, each once, however many layers share it); buffers, such as
BatchNorm's running statistics, are not parameters (Keras counts them as
non-trainable weights; torchinfo does not).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from . import display
from .modes import no_grad
from .nn.module import Module, Parameter
from .tensor import Tensor, get_default_dtype

__all__ = ["summary", "Summary"]


@dataclasses.dataclass
class Layer:
    """One row of a :class:`Summary`: a module of the model."""

    name: str             # as in named_modules(): "" for the model, "0", "0.fc", ...
    type: str             # the module's class name
    depth: int            # 0 for the model, 1 for its children, ...
    output_shape: object  # a tuple, a list of them (several outputs), or None (not run)
    params: int           # its own parameters' elements (not its submodules')


@dataclasses.dataclass
class Summary:
    """What :func:`summary` returns: it displays itself, as text in a
    terminal (``print`` shows it once) and as an HTML table in a notebook.

    Attributes
    ----------
    layers : list of Layer
        The model and every submodule, in ``named_modules()`` order.
    input_size : tuple or None
    total_params, trainable_params, non_trainable_params : int
        Elements of the parameters, each parameter once; trainable ones
        have ``requires_grad=True``.
    """

    layers: list
    input_size: tuple | None
    total_params: int
    trainable_params: int
    non_trainable_params: int

    def _rows(self):
        rows = []
        for layer in self.layers:
            short = layer.name.rsplit(".", 1)[-1]
            label = f"{short} ({layer.type})" if layer.name else layer.type
            rows.append(("  " * layer.depth + label, _shape(layer.output_shape),
                         f"{layer.params:,}" if layer.params or layer.depth else ""))
        return rows

    def __str__(self):
        rows = self._rows()
        head = ("Layer (type)", "Output Shape", "Param #")
        w = [max(len(head[k]), *(len(r[k]) for r in rows)) for k in range(3)]
        line = "  ".join(f"{h:<{w[0]}}" if k == 0 else f"{h:<{w[1]}}" if k == 1 else f"{h:>{w[2]}}"
                         for k, h in enumerate(head))
        rule = "=" * len(line)
        out = [line, rule]
        out += [f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}".rstrip() for a, b, c in rows]
        out += [rule] + self._totals()
        if self.input_size is None:
            out.append("Output shapes: pass input_size, e.g. "
                       "mg.summary(model, input_size=(1, 784))")
        return "\n".join(out)

    __repr__ = __str__

    def _totals(self):
        return [f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}"]

    def _repr_html_(self):
        """The table as HTML, for notebooks.

        Examples
        --------
        >>> import minigrad as mg
        >>> html = mg.summary(mg.nn.Linear(3, 2, rng=0), input_size=(1, 3))._repr_html_()
        >>> "Total params: 8" in html
        True
        """
        caption = "Layers" + ("" if self.input_size is None else
                              f", for an input of size {tuple(self.input_size)}")
        return display.block(
            display.table(["Layer (type)", "Output Shape", "Param #"],
                          [list(r) for r in self._rows()], caption, text=(0, 1)),
            *(display.para(t, "note") for t in self._totals()))


def _shape(s):
    """An output shape as the table shows it."""
    if s is None:
        return "-"
    if isinstance(s, list):
        return ", ".join(_shape(x) for x in s)
    return str(tuple(s))


def summary(model, input_size=None, dtype=None):
    """A table of ``model``'s layers: each one's output shape for an input of
    ``input_size`` and its number of parameters, then the totals (trainable
    and non-trainable), as Keras's ``model.summary()`` and torchinfo's
    ``summary(model, input_size)``.  ``model.summary(input_size)`` is the same.

    Parameters
    ----------
    model : mg.nn.Module
    input_size : tuple of int, optional
        The input's shape, batch dimension included (as torchinfo):
        ``(1, 784)``.  The model is run once on zeros of that shape, in
        ``eval()`` mode and under :func:`minigrad.no_grad` (its mode is
        restored, and nothing it holds changes).  Without it the table has
        no output shapes.
    dtype : dtype, optional
        The input's dtype (default: minigrad's default float dtype; an
        integer dtype for a model that starts with an ``Embedding``).

    Returns
    -------
    Summary
        Displays itself (text in a terminal, HTML in a notebook); its
        fields hold the numbers.

    Examples
    --------
    >>> import minigrad as mg
    >>> net = mg.nn.Sequential(mg.nn.Linear(4, 8, rng=0), mg.nn.ReLU(), mg.nn.Linear(8, 2, rng=1))
    >>> print(mg.summary(net, input_size=(32, 4)))
    Layer (type)  Output Shape  Param #
    ===================================
    Sequential    (32, 2)
      0 (Linear)  (32, 8)            40
      1 (ReLU)    (32, 8)             0
      2 (Linear)  (32, 2)            18
    ===================================
    Total params: 58
    Trainable params: 58
    Non-trainable params: 0
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary takes an mg.nn.Module, got a {type(model).__name__}")
    modules = list(model.named_modules())
    shapes = _output_shapes(model, modules, input_size, dtype) if input_size is not None else {}
    layers = [Layer(name, type(m).__name__, name.count(".") + 1 if name else 0,
                    shapes.get(id(m)), _own_params(m)) for name, m in modules]
    params = model.parameters()
    trainable = sum(p.numel() for p in params if p.requires_grad)
    total = sum(p.numel() for p in params)
    return Summary(layers, None if input_size is None else tuple(input_size), total, trainable,
                   total - trainable)


def _own_params(module):
    """Elements of the parameters a module holds itself (not its submodules')."""
    return sum(v.numel() for _, v in module._members() if isinstance(v, Parameter))


def _input(input_size, dtype):
    try:
        shape = tuple(int(n) for n in input_size)
    except (TypeError, ValueError):
        raise TypeError(f"input_size must be a tuple of ints, batch dimension first, e.g. "
                        f"(1, 784); got {input_size!r}") from None
    if any(n < 1 for n in shape):
        raise ValueError(f"input_size must hold positive sizes, got {shape}")
    return Tensor(np.zeros(shape, dtype=np.dtype(get_default_dtype() if dtype is None else dtype)))


def _output_shapes(model, modules, input_size, dtype):
    """``{id(module): output shape}``: one forward pass on zeros, each
    module's forward wrapped for it (and unwrapped after)."""
    x = _input(input_size, dtype)
    shapes = {}

    def wrap(m):
        forward = m.forward

        def recorded(*args, **kwargs):
            out = forward(*args, **kwargs)
            shapes.setdefault(id(m), _shape_of(out))
            return out
        return recorded

    wrapped = [m for _, m in modules if "forward" not in vars(m)]
    was_training = model.training
    try:
        for m in wrapped:
            m.forward = wrap(m)
        model.eval()
        with no_grad():
            model(x)
    except Exception as e:
        raise ValueError(f"summary ran the model on zeros of size {tuple(x.shape)} ({x.dtype}) "
                         f"and it failed: {e}. input_size is the input's shape, batch dimension "
                         f"first; pass dtype= for an input that is not {x.dtype}") from e
    finally:
        for m in wrapped:
            del m.forward
        model.train(was_training)
    return shapes


def _shape_of(out):
    if isinstance(out, Tensor):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        return [_shape_of(o) for o in out]
    return None
