"""Random programs of minigrad's ops, compiled: a replay on new values gives
the bits of running the program eagerly on them (first and second derivatives).

Each example draws a program (``programs``: a random DAG of several ops on
1-3 leaves, reduced to a scalar), compiles ``value and leaf gradients`` with
``mg.compile``, and calls it on the drawn leaves and then on the leaves
shuffled and scaled (the same shapes: a replay), comparing value and
gradients with the eager program on the same leaves, bit for bit.  A
program the tracer refuses (``TraceError``: a result whose shape depends on
the data) must raise eagerly-free: it is skipped, and counted.
"""
import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from fuzz.programs import BY_NAME, programs
from fuzz.report import fuzz_settings

pytestmark = pytest.mark.fuzz
REFUSED = []


def run_program(program, leaves):
    """The program's value and leaf gradients, built on ``leaves`` (tensors)."""
    env = list(leaves)
    for step in program.steps:
        args = [env[a] if isinstance(a, int) else a.value for a in step.args]
        env.append(BY_NAME[step.op].mg(*args, **step.params))
    loss = env[-1]
    loss.backward()
    return loss


def _replay_values(program, k):
    rng = np.random.default_rng(k)
    out = []
    for a in program.leaves:
        b = np.asarray(a).copy()
        if b.size:
            flat = b.reshape(-1)
            flat[:] = rng.permutation(flat) * (1 + 1e-3 * k)
        out.append(b)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_random_programs_replay_the_eager_bits(dtype):
    @fuzz_settings(150)
    @given(program=programs(dtype, hvp_rate=0.0))
    def run(program):
        step = mg.compile(lambda *leaves: run_program(program, leaves))
        for k, values in enumerate([program.leaves] + [_replay_values(program, k)
                                                        for k in (1, 2)]):
            eager = [mg.tensor(v, requires_grad=True) for v in values]
            compiled = [mg.tensor(v, requires_grad=True) for v in values]
            with np.errstate(all="ignore"):
                try:
                    expected = run_program(program, eager)
                except Exception:
                    return                      # not a valid program on these values
                try:
                    got = step(*compiled)
                except mg.TraceError:
                    REFUSED.append(program.ops)
                    return
            np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=repr(program))
            for e, c in zip(eager, compiled):
                assert (e.grad is None) == (c.grad is None), repr(program)
                if e.grad is not None:
                    np.testing.assert_array_equal(c.grad.numpy(), e.grad.numpy(),
                                                  err_msg=repr(program))
    run()


def run_with_hvp(program, leaves):
    """The value, the leaf gradients (mg.grad, create_graph) and the
    Hessian-vector products of the program: second-order, all traced."""
    env = list(leaves)
    for step in program.steps:
        args = [env[a] if isinstance(a, int) else a.value for a in step.args]
        env.append(BY_NAME[step.op].mg(*args, **step.params))
    loss = env[-1]
    grads = mg.grad(loss, leaves, create_graph=True, allow_unused=True)
    terms = [(g * mg.tensor(d)).sum() for g, d in zip(grads, program.hvp_directions)
             if g is not None and g.requires_grad]
    if not terms:
        return (loss,)
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    hvps = mg.grad(total, leaves, allow_unused=True)
    return (loss,) + tuple(g for g in grads if g is not None) + tuple(
        h for h in hvps if h is not None)


@pytest.mark.parametrize("dtype", ["float64"])
def test_compiled_second_derivatives_replay_the_eager_bits(dtype):
    @fuzz_settings(60)
    @given(program=programs(dtype, hvp_rate=1.0))
    def run(program):
        step = mg.compile(lambda *leaves: run_with_hvp(program, leaves))
        for k, values in enumerate([program.leaves, _replay_values(program, 1)]):
            with np.errstate(all="ignore"):
                try:
                    expected = run_with_hvp(program, [mg.tensor(v, requires_grad=True)
                                                      for v in values])
                except Exception:
                    return
                try:
                    got = step(*[mg.tensor(v, requires_grad=True) for v in values])
                except mg.TraceError:
                    return
            assert len(got) == len(expected), repr(program)
            for a, b in zip(got, expected):
                np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=repr(program))
    run()
