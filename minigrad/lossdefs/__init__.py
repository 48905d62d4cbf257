"""Where each loss is declared, once.

A loss is its formula in :mod:`minigrad.formulas` and one block in a family
module here: its Keras-flavoured function and class, its PyTorch-flavoured
function and module, and optionally its ``mg.explain`` entry and its row in
the plots, all registered by one :func:`~minigrad.lossdefs.registry.declare`
call.  The faces (:mod:`minigrad.losses`, :mod:`minigrad.nn`,
:mod:`minigrad.nn.functional`), :func:`minigrad.explain`, the command line
and the plots read :mod:`~minigrad.lossdefs.registry`; none of them keeps
a list of losses.

========================  ===================================================
``registry``              :func:`~minigrad.lossdefs.registry.declare` and the
                          tables it fills
``keras_base``            the Keras ``Loss`` base class, reductions, epsilon
``torch_base``            the PyTorch loss module base, reductions
``binary``                losses of binary targets
``categorical``           losses of class labels and distributions
``focal``                 focal binary cross-entropy
``regression``            losses of real-valued targets and counts
========================  ===================================================

A new loss goes into the family module where it belongs; a new family is a
new module, imported below.

``minigrad.nn`` is imported before this package (``minigrad/__init__.py``
does so), since the PyTorch-flavoured modules are ``nn.Module`` subclasses.
"""
from . import registry  # noqa: F401  (first: the family modules declare into it)
from . import binary, categorical, focal, regression  # noqa: F401  (in this order)
