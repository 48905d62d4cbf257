"""``mg.compile``: your step runs at every call; the backward passes and
optimizer updates it makes run as recorded, straight-line numpy.

:mod:`.step` holds the compiled step and the session the core consults
during a call (through :mod:`minigrad.tracing`); :mod:`.backward` and
:mod:`.update` turn a graph and an optimizer into a key and inputs, and
record them; :mod:`.trace` records numpy calls; :mod:`.codegen` turns a
recording into readable Python; :mod:`.fused` (``backend="numba"``) turns
it into fused numba loops and the driver that calls them.
"""
from __future__ import annotations

BACKENDS = ("numpy", "numba")


def compile(fn=None, *, backend="numpy"):     # noqa: A001 - the name the API gives it
    """Compile a training step: ``fn`` runs at every call, exactly once, and the
    ``backward()`` passes and ``optimizer.step()`` updates it makes run as
    straight-line numpy recorded the first time their shape was seen.

    Everything is taken from the call itself, by identity: this call's graph
    (its saved arrays), parameters, gradients and optimizer state.  A pass is
    reused only for a graph or optimizer of the same shape (ops, edges,
    shapes, dtypes, layouts, options the update branches on); anything else
    is recorded anew.  The result is bit for bit what calling ``fn`` gives:
    values, gradients, parameter and state updates, side effects, random
    draws and exceptions, which all happen in ``fn`` as they would eagerly.
    A pass the code could not repeat (hooks on tensors, a rule that reads a
    value into Python) runs eagerly; ``step.breaks`` lists where and why.
    ``step.code`` prints the code the last call ran.

    Parameters
    ----------
    fn : callable
        The step. Used as ``@mg.compile`` or ``mg.compile(fn, backend=...)``.
    backend : {"numpy", "numba"}
        ``"numpy"``: straight-line numpy, bit for bit the eager result.
        ``"numba"`` (``pip install "minigrad[fast]"``): each pass compiled
        into fused loops (chains of elementwise ops and their sums as one
        loop, each parameter's update as one loop); equal to eager within
        rounding: each op in numpy's dtype, by the same operation, without
        fastmath (within a few ulps), sums reordered.  Kernels are cached on
        disk (``$MINIGRAD_CACHE_DIR``, default ``~/.cache/minigrad/numba``);
        a pass numba cannot compile runs as numpy code, and ``step.breaks``
        says so.  numba's loops never raise or warn about floating-point
        errors: where ``np.errstate``/``np.seterr`` makes them raise, a fused
        pass runs its numpy code, which raises as eagerly; numpy's warnings
        (overflow, division by zero) are not given.

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
    def backward(grad_output, x):
    """
    if backend not in BACKENDS:
        raise ValueError(f"mg.compile: backend must be one of {BACKENDS}, not {backend!r}")
    if backend == "numba":
        try:
            import numba  # noqa: F401
        except ImportError:
            raise ImportError('backend="numba" needs numba: pip install "minigrad[fast]"') from None
    from .step import CompiledStep
    if fn is None:
        return lambda f: CompiledStep(f, backend)
    return CompiledStep(fn, backend)


__all__ = ["compile"]
