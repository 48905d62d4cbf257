"""The one interface between the core and a compiler (``mg.compile``).

The core (engine, tensor, versions, ops, optim, losses, nn) imports nothing
from :mod:`minigrad.compiler`.  What a compiler needs from the core, and what
the core lets a compiler do, is here:

* :class:`TracedArray`, the base class of the arrays a compiler records.  The
  core only asks whether an array is one (:func:`traced`), so that an op
  whose fast path branches on the data takes its general path instead
  (:func:`every`), and keeps such arrays as they are (:func:`kept_array`).
* A *session*: the object a compiler makes active in one thread for the
  length of one compiled call (:func:`activate`).  The core consults it at
  these points only: a backward pass (``engine.run_backward`` offers it to
  ``session.backward``, saying whether it must record a graph or is
  ``mg.grad``'s) and an optimizer's ``step()`` (``session.step``), which it
  may run or decline (the core then does the work itself, as without a
  compiler); and, for names only, a module's call (``session.enter`` and
  ``session.leave``: the nodes made in between are that module's).
* While a session records a pass, numpy functions that do not dispatch to
  array subclasses go through :func:`recorded` so that it sees them.

No attribute of numpy is ever replaced.
"""
from __future__ import annotations

import contextvars
import functools

import numpy as np

_session = contextvars.ContextVar("minigrad_compiled_call", default=None)
session = _session.get


class TracedArray(np.ndarray):
    """Base class of the arrays a compiler records: an array whose value may
    differ when the recorded code runs again.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.tracing import TracedArray, traced
    >>> traced(np.zeros(2)), traced(np.zeros(2).view(TracedArray))
    (False, True)
    """


def activate(s):
    """Make ``s`` the session of this thread's (and asyncio task's) current
    call; returns the token :func:`deactivate` takes.

    Examples
    --------
    >>> from minigrad import tracing
    >>> token = tracing.activate("a session")
    >>> tracing.session()
    'a session'
    >>> tracing.deactivate(token); tracing.session() is None
    True
    """
    return _session.set(s)


def deactivate(token):
    """End the session :func:`activate` started (restoring the one before)."""
    _session.reset(token)


def traced(a):
    """Whether ``a`` is an array a compiler records.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.tracing import traced
    >>> traced(np.ones(1))
    False
    """
    return isinstance(a, TracedArray)


def kept_array(x):
    """``x`` as a numpy array: a plain or traced array as it is; anything else
    (lists, numbers, numpy subclasses such as ``np.matrix``) through
    ``np.asarray``, which makes a plain array.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.tracing import kept_array
    >>> kept_array([1.0, 2.0])
    array([1., 2.])
    """
    if type(x) is np.ndarray or isinstance(x, TracedArray):
        return x
    return np.asarray(x)


def every(mask):
    """``mask.all()`` for an op's fast path; False for a traced mask, whose
    recorded code will see other data, so that the op takes its general path.
    An op that uses this gives the same bits on either path where both apply.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.tracing import every
    >>> every(np.array([True, True]))
    True
    """
    return not isinstance(mask, TracedArray) and bool(mask.all())


def recorded(fn, text):
    """``fn`` (a numpy function that does not dispatch to array subclasses,
    such as ``as_strided``), offered to the active session as ``text`` when
    given traced arrays, so that a recording sees the call.

    Examples
    --------
    >>> import numpy as np
    >>> from minigrad.tracing import recorded
    >>> recorded(np.copy, "np.copy")(np.ones(2))
    array([1., 1.])
    """
    @functools.wraps(fn)
    def call(*args, **kwargs):
        s = _session.get()
        if s is not None and any(isinstance(a, TracedArray) for a in args):
            return s.record_call(fn, text, args, kwargs)
        return fn(*args, **kwargs)
    return call
