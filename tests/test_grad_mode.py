"""mg.set_grad_enabled as PyTorch's: a plain call switches grad mode at
once; a context manager restores the mode it replaced; a decorator holds
the mode inside the function only; per thread."""
import threading

import pytest

import minigrad as mg


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    yield
    mg.set_grad_enabled(True)


def _record(lib, x):
    return (x * 2).requires_grad


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_a_plain_call_switches_grad_mode(lib_name):
    lib = mg if lib_name == "minigrad" else pytest.importorskip("torch")
    x = lib.ones(2, requires_grad=True)
    lib.set_grad_enabled(False)
    assert not lib.is_grad_enabled() and not _record(lib, x)
    lib.set_grad_enabled(True)
    assert lib.is_grad_enabled() and _record(lib, x)


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_a_context_manager_restores_the_mode_it_replaced(lib_name):
    lib = mg if lib_name == "minigrad" else pytest.importorskip("torch")
    seen = []
    with lib.no_grad():
        with lib.set_grad_enabled(True):
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
    with lib.set_grad_enabled(False):
        seen.append(lib.is_grad_enabled())
    seen.append(lib.is_grad_enabled())
    assert seen == [True, False, False, True]


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_a_decorator_holds_the_mode_inside_the_function_only(lib_name):
    lib = mg if lib_name == "minigrad" else pytest.importorskip("torch")

    @lib.set_grad_enabled(False)
    def inside():
        return lib.is_grad_enabled()

    assert lib.is_grad_enabled()           # making the decorator changed nothing outside
    assert inside() is False and inside() is False
    assert lib.is_grad_enabled()


def test_a_plain_call_is_per_thread():
    seen = {}

    def other():
        seen["other"] = mg.is_grad_enabled()

    mg.set_grad_enabled(False)
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen["other"] is True and mg.is_grad_enabled() is False
