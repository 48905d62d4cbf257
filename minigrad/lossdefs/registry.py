"""The one table of losses that every face reads.

Each loss is declared once, in a block of a family module of
:mod:`minigrad.lossdefs` that ends with a :func:`declare` call.  From the
tables filled here, :mod:`minigrad.losses` (Keras face), :mod:`minigrad.nn`
and :mod:`minigrad.nn.functional` (PyTorch face) take their names,
:func:`minigrad.explain` and the ``minigrad explain`` / ``minigrad graph``
commands their name table and options, and ``minigrad plot losses`` its
gallery rows.  Nothing else keeps a list of losses.

Examples
--------
>>> from minigrad.lossdefs import registry
>>> registry.KERAS["Huber"].__name__, registry.TORCH_MODULES["HuberLoss"].__name__
('Huber', 'HuberLoss')
>>> registry.EXPLAINED["huber"].short, registry.EXPLAINED["huber"].options
('huber', {'delta': 1.0})
"""
from __future__ import annotations

import dataclasses
import math

from ..tensor import Tensor

#: name -> the Keras-flavoured function or class (``mg.losses``), in declaration order.
KERAS = {}
#: name -> the PyTorch-flavoured function (``mg.nn.functional``).
TORCH_FUNCTIONS = {}
#: name -> the PyTorch-flavoured module class (``mg.nn``).
TORCH_MODULES = {}
#: Keras name -> :class:`LossInfo`: the losses that ``mg.explain`` and the CLI offer.
EXPLAINED = {}
#: option name -> :class:`Option`: every option of an explained loss.
OPTIONS = {}
#: ``(title, formula(y, p))``: the rows of ``minigrad plot losses``' gallery.
GALLERY = []


@dataclasses.dataclass(frozen=True)
class Option:
    """An option of an explained loss: what ``mg.explain`` checks and the CLI
    flag that passes it.

    A boolean ``default`` makes an on/off flag; otherwise the value must be a
    finite number within ``[low, high]`` (``(low, ...`` with ``low_open``).

    Examples
    --------
    >>> from minigrad.lossdefs.registry import Option
    >>> delta = Option("delta", 1.0, low=0, low_open=True, help="the threshold")
    >>> delta.flag, delta.bounds, delta.in_range(0.0)
    ('--delta', '> 0', False)
    """

    name: str
    default: object
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    note: str = ""          # after the bounds in an error message
    help: str = ""          # the CLI help, after the names of the losses that take it
    cli_name: str = ""      # the flag without "--", if not the name with dashes

    @property
    def flag(self):
        return "--" + (self.cli_name or self.name.replace("_", "-"))

    @property
    def is_switch(self):
        return isinstance(self.default, bool)

    @property
    def bounds(self):
        """The range in words: ``"in [0, 1]"``, ``">= 0"``, ``"> 0"``."""
        if self.high is not None:
            return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        return ""

    def in_range(self, v):
        """Whether the number ``v`` is finite and within the bounds."""
        return math.isfinite(v) and not (
            self.low is not None and (v < self.low or self.low_open and v == self.low)
            or self.high is not None and v > self.high)


#: The option that the cross-entropies share.
LABEL_SMOOTHING = Option("label_smoothing", 0.0, low=0, high=1, help="in [0, 1]")


@dataclasses.dataclass(frozen=True)
class LossInfo:
    """One loss that :func:`minigrad.explain`, ``minigrad explain`` and
    ``minigrad graph`` know: :data:`EXPLAINED` is the one table they read.

    Attributes
    ----------
    name : str
        The Keras function name, which the other names resolve to.
    short : str
        The command line's name (``"bce"``).
    aliases : tuple of str
        More names that :func:`minigrad.explain.resolve` accepts.
    options : dict
        The options ``explain`` takes for this loss, and their defaults
        (each described by an :class:`Option` in :data:`OPTIONS`).
    example : tuple
        ``(y_true, y_pred)``: the example that ``minigrad graph`` draws.
    keras : type
        The Keras-flavoured loss class.
    logits : bool
        Whether the loss takes ``from_logits``.
    torch : callable or None
        ``torch(y_true, y_pred, from_logits)``: the PyTorch-flavoured loss
        of numpy targets and a prediction Tensor; None when PyTorch has none.
    build : callable
        ``build(name, y_true, y_pred, from_logits, options)``: the
        :class:`minigrad.explanation.Explanation`.
    targets : str
        How the command line reads its numbers: ``"elements"`` (y_true and
        y_pred alike), ``"one_hot"`` (rows of ``--classes`` scores; labels or
        one-hot rows) or ``"labels"`` (rows of scores; one label per row).
    """

    name: str
    short: str
    aliases: tuple
    options: dict
    example: tuple
    keras: type
    logits: bool
    torch: object
    build: object
    targets: str = "elements"


def torch_module(cls):
    """``torch(y_true, y_pred, from_logits)`` of :class:`LossInfo` for a PyTorch
    module taking ``(input, target)``, for losses without logits."""
    def loss(y, p, from_logits):
        return cls()(p, Tensor(y))
    loss.__name__ = cls.__name__
    return loss


def _check_new(table, name):
    if name in table:
        raise ValueError(f"a loss named {name!r} is declared twice")


def _check_option(option):
    if OPTIONS.get(option.name, option) != option:
        raise ValueError(f"option {option.name!r} is declared twice, differently")


@dataclasses.dataclass(frozen=True)
class Declaration:
    """One :func:`declare` call, as given: which function goes with which
    class (for tests and the curious)."""

    keras: tuple
    torch: tuple
    explain: LossInfo | None
    gallery: tuple | None


#: Every declaration, in order.
DECLARATIONS = []


def declare(keras=(), torch=(), explain=None, gallery=None):
    """Register one loss with every face.

    Parameters
    ----------
    keras : tuple
        The Keras-flavoured function and class (``mg.losses``), if any.
    torch : tuple
        The PyTorch-flavoured function (``mg.nn.functional``) and module
        class (``mg.nn``), if any.
    explain : dict, optional
        Its explain/CLI entry: the fields of :class:`LossInfo` but ``name``
        and ``keras`` (those are the Keras function's name and the class),
        with ``options`` a sequence of :class:`Option`.  Needs ``keras``.
    gallery : tuple, optional
        ``(title, formula)``: a row of ``minigrad plot losses``' gallery,
        ``formula(y, p)`` per element.

    Raises
    ------
    ValueError
        For a name already declared, or an option declared differently
        before; nothing is registered then.
    """
    entries = [(KERAS, obj.__name__, obj) for obj in keras] + [
        (TORCH_MODULES if isinstance(obj, type) else TORCH_FUNCTIONS, obj.__name__, obj)
        for obj in torch]
    info, options = None, ()
    if explain is not None:
        function, cls = keras
        entry = dict(explain)
        options = tuple(entry.pop("options", ()))
        info = LossInfo(name=function.__name__, keras=cls,
                        options={o.name: o.default for o in options}, **entry)
        entries.append((EXPLAINED, info.name, info))
    for table, name, _ in entries:
        _check_new(table, name)
    for option in options:
        _check_option(option)
    for table, name, obj in entries:
        table[name] = obj
    OPTIONS.update({o.name: o for o in options if o.name not in OPTIONS})
    if gallery is not None:
        GALLERY.append(gallery)
    DECLARATIONS.append(Declaration(tuple(keras), tuple(torch), info, gallery))
