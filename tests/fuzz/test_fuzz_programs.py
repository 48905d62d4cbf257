"""Random programs of minigrad's ops against the same programs in PyTorch.

Each example is a random DAG of several ops (``opdecls.OPS``: elementwise,
reductions, shapes, indexing, matmul, softmax family, clip, where, ...) on
1-3 leaves with extreme values, reduced to a scalar; values, gradients of
every leaf and (for about a third) Hessian-vector products are compared
(``checks``).  A failing program is cut down to one op on the values that
reached it.

The default run (plain ``pytest``) tries a fixed set of programs.  A long
run::

    pytest -m fuzz --fuzz-examples 20000 -k float64 tests/fuzz \\
        --fuzz-report /tmp/fuzz.json

tries N random programs per test and records every mismatch (minimised)
instead of stopping at the first; add ``--hypothesis-seed=S`` to repeat one.
"""
import pytest
from hypothesis import given

from fuzz.checks import check_program, localise
from fuzz.programs import programs
from fuzz.report import STATS, assert_no_mismatches, fuzz_settings, long_run, settle

pytestmark = pytest.mark.fuzz

EXAMPLES = {"float64": 700, "float32": 300}      # the default run: about 12 s


@pytest.mark.parametrize("dtype", list(EXAMPLES))
def test_random_programs_match_pytorch(dtype):
    name = f"programs[{dtype}]"

    @fuzz_settings(EXAMPLES[dtype])
    @given(program=programs(dtype))
    def run(program):
        found = check_program(program, STATS)
        STATS.program(program, found)
        if found:
            settle(name, [localise(program, found)])

    run()
    if long_run():
        assert_no_mismatches(name)
