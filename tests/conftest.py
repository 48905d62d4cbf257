import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, os.path.dirname(__file__))

settings.register_profile(
    "default", deadline=None, max_examples=20, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.register_profile(
    "thorough", deadline=None, max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):
    """Options of the differential fuzzing suite (tests/fuzz)."""
    group = parser.getgroup("fuzz", "differential fuzzing against PyTorch (tests/fuzz)")
    group.addoption("--fuzz-examples", type=int, default=None, metavar="N",
                    help="a long fuzz run: N random examples per fuzz test (select the fuzz "
                         "tests with -m fuzz); mismatches are recorded, not raised")
    group.addoption("--fuzz-report", default=os.environ.get("MINIGRAD_FUZZ_REPORT"),
                    metavar="PATH", help="write the fuzz run's counts and mismatches to PATH "
                                         "as JSON (default: $MINIGRAD_FUZZ_REPORT)")


@pytest.fixture(autouse=True)
def _restore_state():
    """Each test starts with float32 as the default dtype and grad mode on."""
    import minigrad as mg

    yield
    mg.set_default_dtype("float32")
    assert mg.is_grad_enabled(), "a test left grad mode off"


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    import minigrad as mg

    doctest_namespace["np"] = np
    doctest_namespace["mg"] = mg
