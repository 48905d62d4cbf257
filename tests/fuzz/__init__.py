"""Differential fuzzing of minigrad against PyTorch (issue 10).

Random programs of the public ops (``opdecls``, ``programs``), every loss
of both faces (``lossdecls``, ``losschecks``) and the optimizers are run
in minigrad and in PyTorch from one drawn description; values, gradients
and Hessian-vector products must agree (``checks``).  ``conventions``
lists where the two differ on purpose and how each case is compared;
``report`` holds the run's settings and counts.

Plain ``pytest`` runs a fixed sample; a long run is
``pytest -m fuzz --fuzz-examples N tests/fuzz [--fuzz-report PATH]``.
"""
