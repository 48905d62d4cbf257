"""Check analytic gradients against central finite differences."""
from __future__ import annotations

import warnings

import numpy as np

from .tensor import Tensor, grad


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with finite differences."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else tuple(x) if isinstance(x, list) else (x,)


def _outputs(fn, inputs):
    outs = _as_tuple(fn(*inputs))
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: fn must return Tensors, output {i} is a {type(o).__name__}")
    return outs


def _numerical_jacobians(fn, inputs, diff, eps):
    """J[o][i] of shape (out[o].size, in[i].size), by central differences."""
    outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.numel(), inputs[i].numel())) for i in diff] for o in outs]
    for col, i in enumerate(diff):
        base = inputs[i].data
        flat = np.array(base, dtype=base.dtype).reshape(-1)
        for k in range(flat.size):
            orig = flat[k]
            vals = []
            for step in (eps, -eps):
                flat[k] = orig + step
                args = list(inputs)
                args[i] = Tensor(flat.reshape(base.shape).copy(), requires_grad=True)
                vals.append([np.asarray(o.data, dtype=np.float64).reshape(-1)
                             for o in _outputs(fn, args)])
            flat[k] = orig
            for o in range(len(outs)):
                jac[o][col][:, k] = (vals[0][o] - vals[1][o]) / (2 * eps)
    return jac


def _analytic_jacobians(fn, inputs, diff):
    """J[o][i] from one backward pass per output element."""
    outs = _outputs(fn, inputs)
    targets = [inputs[i] for i in diff]
    jac = [[np.zeros((o.numel(), inputs[i].numel())) for i in diff] for o in outs]
    for oi, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for j in range(o.numel()):
            seed = np.zeros(o.numel(), dtype=o.dtype)
            seed[j] = 1
            gs = grad(o, targets, grad_outputs=[seed.reshape(o.shape)],
                      retain_graph=True, allow_unused=True)
            for col, g in enumerate(gs):
                if g is not None:
                    if g.shape != targets[col].shape:
                        raise GradcheckError(
                            f"gradient for input {diff[col]} has shape {g.shape}, "
                            f"but the input has shape {targets[col].shape}"
                        )
                    jac[oi][col][j] = np.asarray(g.data, dtype=np.float64).reshape(-1)
    return jac


def _differentiable(inputs):
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    return diff


def jacobians(fn, inputs, eps=1e-6):
    """The analytic and the numerical (central-difference) Jacobians of ``fn``.

    Returns
    -------
    analytic, numerical : list of list of numpy.ndarray
        ``[output][k]`` is the Jacobian of output ``output`` with respect to
        the k-th input that requires grad, of shape
        ``(output.size, input.size)``.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    >>> an, nu = mg.jacobians(lambda t: (t * t).sum(), (x,))
    >>> an[0][0].tolist(), bool(abs(nu[0][0] - an[0][0]).max() < 1e-8)
    ([[2.0, 4.0]], True)
    """
    inputs = _as_tuple(inputs)
    return _jacobians(fn, inputs, _differentiable(inputs), eps)


def _jacobians(fn, inputs, diff, eps):
    return _analytic_jacobians(fn, inputs, diff), _numerical_jacobians(fn, inputs, diff, eps)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the analytic Jacobian of ``fn`` with central differences.

    Each element of each input that requires grad is moved by ``+-eps``;
    an element passes when ``|analytic - numerical| <= atol + rtol *
    |numerical|``.  Use float64 inputs: float32 is too coarse (it warns).

    Parameters
    ----------
    fn : callable
        Takes the inputs, returns a Tensor or a tuple of Tensors.
    inputs : Tensor or sequence
        The arguments of ``fn``; those with ``requires_grad=True`` are checked.
    eps, atol, rtol : float
        Step and tolerances, as in ``torch.autograd.gradcheck``.
    raise_exception : bool
        Raise :class:`GradcheckError` on a mismatch (else return False).

    Returns
    -------
    bool

    Raises
    ------
    GradcheckError
        Naming the input, the worst element, and both values.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    >>> mg.gradcheck(mg.sigmoid, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff = _differentiable(inputs)
    for i in diff:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}, not float64; finite "
                "differences in low precision are unreliable", UserWarning, stacklevel=2)
    analytic, numerical = _jacobians(fn, inputs, diff, eps)
    for oi, (rows_a, rows_n) in enumerate(zip(analytic, numerical)):
        for col, (a, n) in enumerate(zip(rows_a, rows_n)):
            excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            if excess.size and (excess.max() > 0 or not np.isfinite(a).all()):
                bad = np.where(np.isfinite(excess), excess, np.inf)
                j, k = np.unravel_index(np.argmax(bad), bad.shape)
                i = diff[col]
                shape_in = inputs[i].shape
                elem = np.unravel_index(k, shape_in) if shape_in else ()
                msg = (
                    f"Jacobian mismatch for output {oi} with respect to input {i} "
                    f"(shape {shape_in}): worst at input element {tuple(int(e) for e in elem)}, "
                    f"output element {int(j)}: analytic {float(a[j, k])!r}, numerical "
                    f"{float(n[j, k])!r} (|difference| {abs(a[j, k] - n[j, k]):.3g} > atol "
                    f"{atol} + rtol {rtol} * |numerical|)"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck of the gradient of ``fn``.

    The gradient is computed with ``create_graph=True`` against
    ``grad_outputs`` (random, from ``seed``, when not given), and that
    function of (inputs, grad_outputs) is checked with :func:`gradcheck`.

    Examples
    --------
    >>> import minigrad as mg
    >>> x = mg.tensor([0.5, -1.0], dtype="float64", requires_grad=True)
    >>> mg.gradgradcheck(mg.tanh, (x,))
    True
    """
    inputs = _as_tuple(inputs)
    diff = _differentiable(inputs)
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_derivatives(*args):
        xs, gos = args[:n], args[n:]
        res = _outputs(fn, xs)
        used = [(o, g) for o, g in zip(res, gos) if o.requires_grad]
        if not used:
            return tuple(Tensor(np.zeros(xs[i].shape)) for i in diff)
        gs = grad([o for o, _ in used], [xs[i] for i in diff],
                  grad_outputs=[g for _, g in used], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape))
                     for g, i in zip(gs, diff))

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps,
                     atol=atol, rtol=rtol, raise_exception=raise_exception)
