"""``mg.compile``: trace a training step into straight-line numpy, and replay it.

:mod:`.trace` records every numpy call a step makes (forward ops, backward
rules, optimizer updates); :mod:`.state` finds the model and optimizer a
step closes over; :mod:`.codegen` turns the record into readable Python;
:mod:`.step` checks each call's inputs and state and replays the code.
"""
from __future__ import annotations

from .trace import TraceError


def compile(fn):     # noqa: A001 - the name the API gives it
    """Trace ``fn`` on its first call per input signature, replay it after.

    ``fn`` takes tensors (or numpy arrays) and may call ``backward()``,
    ``optimizer.zero_grad()`` and ``optimizer.step()`` on the model and
    optimizer it refers to.  A replay runs the numpy code of the trace
    (``step.code``) and gives the same bits as calling ``fn``: returned
    values (as tensors without history), gradients, parameters and
    optimizer state, which it reads and writes in place.  A new shape,
    dtype, layout or state (a first optimizer step, ``model.eval()``)
    traces again.  Reading a traced value into Python inside ``fn``
    (``float(t)``, ``t.item()``, ``bool(t)``, ``t.numpy()``) raises
    :class:`TraceError` naming the line, and so do a learning-rate
    scheduler stepped inside ``fn`` and :class:`minigrad.detect_anomaly`.
    Random draws (dropout) are made afresh at every replay, from the same
    generator, as eager calls would make them.

    As with ``jax.jit``, your own Python runs only when a call traces:
    printing, appending to a list, or a Python number ``fn`` reads from
    outside (a global factor, a counter) is fixed at that call.  Pass such a
    number as an argument (a new value traces again), and return what you
    want to look at.  Returned tensors have no graph: call ``backward()``
    inside ``fn``.

    Examples
    --------
    >>> import minigrad as mg
    >>> w = mg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.1)
    >>> @mg.compile
    ... def step(x):
    ...     opt.zero_grad()
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> [round(step(mg.tensor([1.0, 1.0])).item(), 4) for _ in range(3)]
    [-1.0, -1.2, -1.4]
    >>> print(step.code.splitlines()[0])
    def step(x, w):
    """
    from .step import CompiledStep
    return CompiledStep(fn)


__all__ = ["compile", "TraceError"]
