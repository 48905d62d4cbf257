"""mg.compile(backend="numba") against eager on the compile fuzz suite's
random programs, loss cases and optimizer options.

The fused backend is not bit-exact (sums are reordered, numba's libm
functions may differ from numpy's by an ulp or two), so values and
gradients are compared to a tolerance: ``rtol`` of 1e-6 in float64 and 1e-3
in float32, with ``atol = rtol * (1 + the largest finite eager value)``, and
the same non-finite values (NaN, inf) in the same places.  Where terms
cancel, a rounding of theirs is large against the result; there the fused
value may instead be as far from the float64 computation of the same case as
twice eager's own distance from it.  Each example compiles its own kernels,
so the default run draws few; ``--fuzz-examples N`` draws N.
"""
import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from fuzz.programs import programs
from fuzz.report import fuzz_settings
from fuzz.test_fuzz_compile import _optimizer, _replay_values, run_program
from test_compile import squared_output_step

pytestmark = pytest.mark.fuzz
pytest.importorskip("numba")

RTOL = {"float64": 1e-6, "float32": 1e-3}


def agree(got, want, dtype, what, exact=None):
    """``got`` (fused) is ``want`` (eager) to the tolerance, or no farther
    from ``exact`` (the same case in float64, where given) than twice ``want``."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, what
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.where(finite, 0.0, got), np.where(finite, 0.0, want),
                                  err_msg=what)
    scale = 1 + (np.abs(want[finite]).max() if finite.any() else 0.0)
    rtol = RTOL[dtype]
    allowed = np.full(want.shape, rtol * scale)
    if exact is not None and np.shape(exact) == want.shape:
        exact = np.asarray(exact, np.float64)
        with np.errstate(all="ignore"):     # (then |got - exact| <= 2 |want - exact| + atol)
            slack = np.where(np.isfinite(exact), np.abs(want - exact) + rtol * scale, 0.0)
        allowed = np.maximum(allowed, slack)
    with np.errstate(all="ignore"):
        off = np.abs(got - want)
    bad = finite & ~(off <= allowed)
    assert not bad.any(), (f"{what}\nfused {got[bad][:5]} eager {want[bad][:5]} "
                           f"allowed {allowed[bad][:5]}")


def float64_of(fn, values):
    """``fn`` on the float arrays of ``values`` (a dict or list) as float64, or None."""
    import warnings
    up = (lambda a: np.asarray(a, np.float64) if np.asarray(a).dtype.kind == "f" else a)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn({k: up(a) for k, a in values.items()} if isinstance(values, dict)
                      else [up(a) for a in values])
    except Exception:       # noqa: BLE001 - a case that needs its own dtype: no reference
        return None


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_random_programs_agree_with_eager(dtype):
    @fuzz_settings(6)
    @given(program=programs(dtype, hvp_rate=0.0))
    def run(program):
        step = mg.compile(lambda *leaves: run_program(program, leaves), backend="numba")
        for k, values in enumerate([program.leaves] + [_replay_values(program, k)
                                                        for k in (1, 2)]):
            eager = [mg.tensor(v, requires_grad=True) for v in values]
            fused = [mg.tensor(v, requires_grad=True) for v in values]
            with np.errstate(all="ignore"):
                try:
                    expected = run_program(program, eager)
                except Exception:
                    return                      # not a valid program on these values
                got = step(*fused)
            assert got.dtype == expected.dtype

            def exactly(vs):
                leaves = [mg.tensor(v, requires_grad=True) for v in vs]
                return [run_program(program, leaves).numpy()] + [
                    None if t.grad is None else t.grad.numpy() for t in leaves]
            exact = float64_of(exactly, values) or [None] * (1 + len(values))
            agree(got.numpy(), expected.numpy(), dtype, repr(program), exact[0])
            for e, c, x in zip(eager, fused, exact[1:]):
                assert (e.grad is None) == (c.grad is None), repr(program)
                if e.grad is not None:
                    assert c.grad.dtype == e.grad.dtype
                    agree(c.grad.numpy(), e.grad.numpy(), dtype, repr(program), x)
    run()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_optimizer_steps_agree_with_eager(dtype):
    """Random options of every optimizer: eight fused steps against eight eager ones."""
    import copy

    from hypothesis import strategies as st

    @fuzz_settings(4)
    @given(data=st.data())
    def run(data):
        model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0, dtype=dtype), mg.nn.Tanh(),
                                 mg.nn.Linear(4, 1, rng=1, dtype=dtype))
        m1, o1 = model, _optimizer(data.draw, model.parameters())
        m2, o2 = copy.deepcopy((m1, o1))
        eager = squared_output_step(m1, o1)
        fused = mg.compile(squared_output_step(m2, o2), backend="numba")
        rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
        for _ in range(8):
            x = mg.tensor(rng.normal(size=(5, 3)).astype(dtype))
            agree(fused(x).numpy(), eager(x).numpy(), dtype, repr(o1))
            for p1, p2 in zip(m1.parameters(), m2.parameters()):
                agree(p2.numpy(), p1.numpy(), dtype, repr(o1))
                for k, v in o1.state[p1].items():
                    if isinstance(v, np.ndarray):
                        agree(o2.state[p2][k], v, dtype, f"{k} {o1!r}")
    run()


def test_a_0d_result_between_kernels_stays_an_array():
    """Found by the fuzz run: ``amin`` of a 0-d value, whose backward writes
    ``out=`` into a 0-d comparison that numpy returns as a number."""
    from fuzz.opdecls import Const
    from fuzz.programs import Program, Step
    leaf = np.array(0.46596262, dtype=np.float32)
    program = Program("float32", [leaf], [
        Step("expm1", (0,)), Step("sigmoid", (1,)),
        Step("amin", (2,), {"axis": None, "keepdims": False}), Step("T", (3,)),
        Step("pow", (4, 4)), Step("mul", (5, Const(np.array(0.6017228, dtype=np.float32)))),
        Step("sum", (6,), {"axis": None, "keepdims": False})], None, 5)
    step = mg.compile(lambda *leaves: run_program(program, leaves), backend="numba")
    for _ in range(3):
        eager, fused = mg.tensor(leaf, requires_grad=True), mg.tensor(leaf, requires_grad=True)
        want, got = run_program(program, [eager]), step(fused)
        agree(got.numpy(), want.numpy(), "float32", "value")
        agree(fused.grad.numpy(), eager.grad.numpy(), "float32", "gradient")
    assert step.breaks == [] and "@njit" in step.code


def run_loss(case, tensors):
    """A loss case's value, and the gradients ``backward()`` of ``sum(out * w)`` leaves."""
    from fuzz.losschecks import _weights
    from fuzz.lossdecls import BY_NAME as LOSS_BY_NAME
    out = LOSS_BY_NAME[case.loss].mg_call(case, tensors)
    (out * _weights(case, out.shape)).sum().backward()
    return (out,) + tuple(tensors[k].grad for k in case.wrt if tensors[k].grad is not None)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fused_losses_agree_with_eager(dtype):
    """Every loss of both faces, with weights, reductions, ignored labels and
    extreme values, fused, against eager to the tolerance above."""
    import warnings

    from fuzz.losschecks import loss_cases
    from fuzz.test_fuzz_compile import _loss_tensors

    @fuzz_settings(4)
    @given(case=loss_cases(dtype, hvp_rate=0.0))
    def run(case):
        keys = list(case.arrays)
        step = mg.compile(lambda *arrays: run_loss(case, dict(zip(keys, arrays))),
                          backend="numba")
        for _ in range(2):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    expected = run_loss(case, _loss_tensors(case, case.arrays))
                except Exception:
                    return
                args = _loss_tensors(case, case.arrays)
                got = step(*[args[k] for k in keys])
            assert len(got) == len(expected), repr(case)
            exact = float64_of(lambda v: [t.numpy() for t in
                                          run_loss(case, _loss_tensors(case, v))], case.arrays)
            if exact is None or len(exact) != len(got):
                exact = [None] * len(got)
            for a, b, e in zip(got, expected, exact):
                agree(a.numpy(), b.numpy(), dtype, repr(case), e)
        assert not [b for b in step.breaks if "not fused" in b], step.breaks
    run()
