"""Every loss of both faces against its reference, with random options.

PyTorch face (``mg.nn.functional`` and the ``mg.nn`` modules) against
``torch.nn.functional``; Keras face (``mg.losses`` functions and classes,
``sample_weight`` and every reduction) against REFERENCE-losses.md's
formulas written in torch (``lossdecls``).  Random reductions, class and
element weights, ``ignore_index`` / ``ignore_class``, label smoothing,
``pos_weight``, ``from_logits``, probabilities and logits with extremes.
Documented differences are compared against their rule (``conventions``).

A long run: ``pytest -m fuzz --fuzz-examples 5000 -k losses tests/fuzz``.
"""
import pytest
from hypothesis import given

from fuzz.losschecks import check_case, loss_cases
from fuzz.report import STATS, assert_no_mismatches, fuzz_settings, long_run, settle

pytestmark = pytest.mark.fuzz

EXAMPLES = {"float64": 600, "float32": 300}      # about 6 s


@pytest.mark.parametrize("dtype", list(EXAMPLES))
def test_losses_match_their_references(dtype):
    name = f"losses[{dtype}]"

    @fuzz_settings(EXAMPLES[dtype])
    @given(case=loss_cases(dtype))
    def run(case):
        found = check_case(case, STATS)
        if found is None:
            STATS.count(f"loss cases out of range ({dtype})")
            return
        STATS.count(f"loss cases {dtype}")
        STATS.losses[case.loss] += 1
        settle(name, found)

    run()
    if long_run():
        assert_no_mismatches(name)
