"""Step-by-step explanations of a loss, its gradient, and its value under
each framework's convention (``mg.explain``, ``minigrad explain``).

Every number comes from the library's own loss code: the per-element terms
from :mod:`minigrad.formulas`, the value from :mod:`minigrad.losses`, the
gradients from ``backward()`` through it, and each convention from the loss
that implements it (Keras 3, tf.keras 2.x's parameters of the same formula,
PyTorch's losses in :mod:`minigrad.nn`).

Which losses are explained, under which names and with which options, is
declared with each loss in :mod:`minigrad.lossdefs` (its ``explain`` entry,
and the builder of its :class:`~minigrad.explanation.Explanation`); this
module resolves the name, checks the options and calls the builder.
"""
from __future__ import annotations

import difflib

import numpy as np

from .explanation import ROWS_SHOWN, Convention, Explanation  # noqa: F401  (re-exported)
from .lossdefs import registry
from .lossdefs.registry import LossInfo  # noqa: F401  (re-exported)
from .tensor import Tensor

#: Every loss :func:`explain` knows, by Keras name (see :class:`LossInfo`).
LOSSES = registry.EXPLAINED

#: Every accepted name (lower case) -> the Keras name.
ALIASES = {alias: info.name for info in LOSSES.values()
           for alias in (info.short, info.name, *info.aliases)}

#: The Keras name -> explain's options and their defaults.
OPTIONS = {name: info.options for name, info in LOSSES.items()}


def resolve(loss_name):
    """The Keras name of a loss that :func:`explain` knows.

    Any name or alias of :data:`LOSSES` is accepted, in any case, with ``-``
    or ``_``; an unknown one raises a ValueError that suggests the closest.

    Examples
    --------
    >>> from minigrad.explain import resolve
    >>> resolve("BCE"), resolve("sparse-cce")
    ('binary_crossentropy', 'sparse_categorical_crossentropy')
    >>> resolve("bcee")
    Traceback (most recent call last):
    ...
    ValueError: unknown loss 'bcee' (did you mean 'bce'?); the losses known here: bce, hinge, ...
    """
    key = str(loss_name).strip().lower().replace("-", "_")
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, ALIASES, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ValueError(f"unknown loss {loss_name!r}{hint}; the losses known here: "
                     f"{', '.join(info.short for info in LOSSES.values())}, and their Keras names")


def explain(loss_name, y_true, y_pred, from_logits=False, show=False, **options):
    """Explain a loss step by step: terms, sums, mean, sign; the gradient per
    element; and the value under each framework's convention.

    Parameters
    ----------
    loss_name : str
        A short name (``"bce"``, ``"cce"``, ``"sparse_cce"``, ``"focal"``,
        ``"mse"``, ``"mae"``, ``"huber"``, ...), the Keras function name, or
        another name in :data:`LOSSES` (any case; see :func:`resolve`).
    y_true, y_pred : array_like
        As the Keras loss takes them (for ``"cce"``, rows of class
        probabilities or one-hot targets; for ``"sparse_cce"``, labels).
    from_logits : bool
        ``y_pred`` holds logits.
    show : bool
        Also print the walkthrough now (for a script); by default nothing is
        printed: the result displays itself where it is shown.
    **options
        The loss's options (:data:`OPTIONS`): ``label_smoothing`` in [0, 1];
        ``gamma`` >= 0, ``alpha`` in [0, 1], ``apply_class_balancing``
        (focal); ``delta`` > 0 (huber).

    Returns
    -------
    Explanation
        Displays itself: the walkthrough as text in a terminal (``print``
        shows it once), as HTML tables in a notebook.  The value alone is
        ``.item()`` or ``float(result)`` (or ``.value``).  It holds every
        array in full; its printed text shows the first
        :data:`ROWS_SHOWN` rows of each per-element table, and its sums,
        means and conventions are over all elements.

    Examples
    --------
    >>> import minigrad as mg
    >>> ex = mg.explain("bce", [0, 1, 0, 0], [0.1, 0.95, 0.2, 0.6])
    >>> ex.item()
    0.3240220233084354
    >>> [(c.name, c.float32) for c in ex.conventions][1:3]
    [('Keras 3', 0.3240220546722412), ('tf.keras 2.x', 0.3240218758583069)]
    """
    info = LOSSES[resolve(loss_name)]
    unknown = set(options) - set(info.options)
    if unknown:
        valid = ", ".join(info.options) or "none"
        raise TypeError(f"explain({info.name!r}) got unknown option(s) {sorted(unknown)}; "
                        f"valid: {valid}")
    opts = check_options({**info.options, **options})
    if from_logits and not info.logits:
        raise ValueError(f"{info.name} has no logits; leave from_logits False")
    y_true, y_pred = _float64(y_true), _float64(y_pred)
    result = info.build(info.name, y_true, y_pred, from_logits, opts)
    if show:
        print(result)
    return result


def _float64(a):
    return np.asarray(a.numpy() if isinstance(a, Tensor) else a, dtype=np.float64)


def check_options(options):
    """Check the numeric options of a loss (``label_smoothing``, ``gamma``,
    ``alpha``, ``delta``, ...: each :class:`~minigrad.lossdefs.registry.Option`
    declared with a loss): each a finite number in its range, else a
    ValueError (TypeError for a non-number) naming it.  Returns ``options``.

    Examples
    --------
    >>> from minigrad.explain import check_options
    >>> check_options({"gamma": 2.0})
    {'gamma': 2.0}
    >>> check_options({"gamma": -1})
    Traceback (most recent call last):
    ...
    ValueError: gamma must be a finite number >= 0 (the focusing exponent; ...), got -1
    """
    for key, value in options.items():
        spec = registry.OPTIONS.get(key)
        if spec is None or spec.is_switch:
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{key} must be a number, got {value!r}") from None
        if not spec.in_range(v):
            note = f" ({spec.note})" if spec.note else ""
            raise ValueError(f"{key} must be a finite number {spec.bounds}{note}, got {value!r}")
    return options
