"""Modes, per thread (and per asyncio task), as PyTorch's: grad mode
(:class:`no_grad`, :class:`enable_grad`, :class:`set_grad_enabled`),
:class:`keep_values` and :class:`detect_anomaly`, with the checks anomaly
mode runs.

The three live in one context variable holding one of eight shared
:class:`Modes` objects, so the hot path reads them with one call and one
slot read per op.
"""
from __future__ import annotations

import contextvars
import functools
import inspect
import os
import sys

import numpy as np


class Modes:
    """One combination of the modes; the eight are made once and shared.
    ``special`` (anomaly or keep) lets the hot path test both at once."""

    __slots__ = ("enabled", "anomaly", "keep", "special")

    def __init__(self, enabled, anomaly, keep):
        self.enabled, self.anomaly, self.keep = enabled, anomaly, keep
        self.special = anomaly or keep

    def but(self, **change):
        """The shared Modes equal to this one with ``change`` applied."""
        key = (change.get("enabled", self.enabled), change.get("anomaly", self.anomaly),
               change.get("keep", self.keep))
        return _ALL_MODES[key]


_ALL_MODES = {(e, a, k): Modes(e, a, k) for e in (True, False) for a in (True, False)
              for k in (True, False)}

# A context variable is per thread (each new thread starts from the default)
# and per asyncio task, and reading it costs ~10 ns: the hot path reads it once
# per op.
_modes_var = contextvars.ContextVar("minigrad_modes", default=_ALL_MODES[(True, False, False)])
current_modes = _modes_var.get
set_modes = _modes_var.set


def is_grad_enabled():
    """Whether ops record the graph now (in this thread).

    Examples
    --------
    >>> import minigrad as mg
    >>> with mg.no_grad():
    ...     mg.is_grad_enabled()
    False
    """
    return current_modes().enabled


class _ModeContext:
    """Base of the mode context managers: set one mode on entry, restore the
    previous modes on exit, in the current thread only.  Used as a decorator,
    the mode holds inside the function (and inside a generator function's
    body, between its yields, as PyTorch does)."""

    change = {}

    def __enter__(self):
        self._prev = current_modes()
        set_modes(self._prev.but(**self.change))
        return self

    def __exit__(self, *exc):
        set_modes(self._prev)
        return False

    def _fresh(self):
        return type(self)()

    def __call__(self, fn):
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, self._fresh)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._fresh():
                return fn(*args, **kwargs)

        return wrapper


def _wrap_generator(fn, context):
    """``fn`` (a generator function) with ``context()`` active whenever its
    body runs, and not while the caller runs between items."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with context():
                item = gen.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with context():
                        gen.close()
                    raise
                except BaseException as e:
                    with context():
                        item = gen.throw(e)
                else:
                    with context():
                        item = gen.send(sent)
        except StopIteration as stop:
            return stop.value

    return wrapper


class no_grad(_ModeContext):
    """Ops inside do not record a graph (a context manager or a decorator).

    The mode belongs to the current thread: another thread keeps recording.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    change = {"enabled": False}


class enable_grad(_ModeContext):
    """Ops inside record a graph, even within :class:`no_grad`.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0], requires_grad=True)
    >>> with mg.no_grad():
    ...     with mg.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    change = {"enabled": True}


class set_grad_enabled(_ModeContext):
    """Set grad mode to ``mode``: at once, as a plain call, or for a block
    (a context manager) or a function (a decorator), as PyTorch's.

    Made, it switches grad mode in this thread and remembers the mode it
    replaced; leaving its ``with`` block restores that one, and used as a
    decorator it restores it at once (the mode then holds inside the
    function only).

    Examples
    --------
    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     mg.is_grad_enabled()
    False
    >>> _ = mg.set_grad_enabled(False)
    >>> mg.is_grad_enabled()
    False
    >>> _ = mg.set_grad_enabled(True)
    >>> mg.is_grad_enabled()
    True
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self.change = {"enabled": self.mode}
        self._prev = current_modes()
        set_modes(self._prev.but(enabled=self.mode))

    def __enter__(self):
        set_modes(current_modes().but(enabled=self.mode))
        return self

    def __call__(self, fn):
        set_modes(self._prev)       # a decorator: the mode holds inside fn only
        return super().__call__(fn)

    def _fresh(self):
        return set_grad_enabled(self.mode)


class keep_values(_ModeContext):
    """Keep every op's result in the graph, not just those backward needs.

    By default the graph keeps only what the backward rules use, so that
    intermediate results are freed early; :func:`minigrad.trace` and
    :func:`minigrad.to_dot` show the values of a graph built inside this
    context, before and after ``backward()``.  Per thread, like grad mode.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> with mg.keep_values():
    ...     y = (x + 1).sum()
    >>> y.grad_fn.next[0].out
    array([2., 3.], dtype=float32)
    """

    change = {"keep": True}





_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller_site():
    """``file:line`` of the first frame outside the minigrad package: the
    user's line that made the op (directly, or through a loss or a layer)."""
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_PACKAGE):
            return f"{fn}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def _anomaly_forward(cls, out, node):
    """In anomaly mode: note where ``node`` was made, and check ``out``."""
    if node is not None:
        node.site = _caller_site()
    _check_forward(cls, out)


def _check_forward(cls, out):
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        kind = "NaN" if np.isnan(out).any() else "inf"
        raise FloatingPointError(
            f"detect_anomaly: {cls.__name__} produced {kind} in its output "
            f"(shape {out.shape}), created at {_caller_site()}"
        )


def _check_backward(node, gs):
    for i, gi in enumerate(gs):
        if gi is None:
            continue
        data = np.asarray(getattr(gi, "_data", gi))
        if data.dtype.kind in "fc" and not np.isfinite(data).all():
            kind = "NaN" if np.isnan(data).any() else "inf"
            site = getattr(node, "site", "<unknown: created before detect_anomaly>")
            raise FloatingPointError(
                f"detect_anomaly: {node.name()} returned {kind} in the gradient "
                f"for its input {i}; the op was created at {site}"
            )


class detect_anomaly:
    """Raise at the first op whose output or gradient holds NaN or inf.

    In forward, the error names the op and the ``file:line`` that called it;
    in backward, the op whose rule produced the bad gradient and where that
    op was created.  While active, numpy's own floating-point warnings are
    silenced so that this report, which names the op, is the one you get.
    Off by default; when off it costs one flag test per op.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 0.0])
    >>> with mg.detect_anomaly():
    ...     mg.log(x)    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: Log produced inf in its output (shape (2,)), created at ...
    """

    def __enter__(self):
        self._prev = current_modes()
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        set_modes(self._prev.but(anomaly=True))
        return self

    def __exit__(self, *exc):
        set_modes(self._prev)
        self._errstate.__exit__(*exc)
        return False
