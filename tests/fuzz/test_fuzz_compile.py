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
from test_compile import squared_output_step

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


def run_loss(case, tensors):
    """A loss case's value and its gradients of ``sum(out * w)`` (minigrad)."""
    from fuzz.losschecks import _weights
    from fuzz.lossdecls import BY_NAME as LOSS_BY_NAME
    out = LOSS_BY_NAME[case.loss].mg_call(case, tensors)
    s = (out * _weights(case, out.shape)).sum()
    grads = mg.grad(s, [tensors[k] for k in case.wrt], allow_unused=True)
    return (out,) + tuple(g for g in grads if g is not None)


def _loss_tensors(case, values):
    return {k: (mg.tensor(a, requires_grad=k in case.wrt) if np.asarray(a).dtype.kind == "f"
                else np.asarray(a)) for k, a in values.items()}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_compiled_losses_replay_the_eager_bits(dtype):
    """Every loss of both faces, with weights, reductions, ignored labels and
    extreme values: compiled and replayed on the case's arrays, then on the
    float arrays shuffled (labels kept), against eager, bit for bit."""
    import warnings
    from fuzz.losschecks import loss_cases

    @fuzz_settings(150)
    @given(case=loss_cases(dtype, hvp_rate=0.0))
    def run(case):
        keys = list(case.arrays)
        step = mg.compile(lambda *arrays: run_loss(case, dict(zip(keys, arrays))))
        rng = np.random.default_rng(3)
        shuffled = {k: (rng.permutation(np.asarray(a).reshape(-1)).reshape(np.shape(a))
                        if np.asarray(a).dtype.kind == "f" else a)
                    for k, a in case.arrays.items()}
        for values in (case.arrays, shuffled):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    expected = run_loss(case, _loss_tensors(case, values))
                except Exception:
                    return
                args = _loss_tensors(case, values)
                try:
                    got = step(*[args[k] for k in keys])
                except mg.TraceError:
                    REFUSED.append(case.loss)
                    return
            assert len(got) == len(expected), repr(case)
            for a, b in zip(got, expected):
                np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=repr(case))
    run()


def _optimizer(draw, params):
    from hypothesis import strategies as st
    name = draw(st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad"]))
    lr = draw(st.sampled_from([1e-3, 0.01, 0.1, 0.5]))
    wd = draw(st.sampled_from([0.0, 0.0, 1e-4, 0.1]))
    if name == "sgd":
        mu = draw(st.sampled_from([0.0, 0.5, 0.9]))
        nesterov = mu > 0 and draw(st.booleans())
        damp = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.1]))
        return mg.optim.SGD(params, lr=lr, momentum=mu, weight_decay=wd, dampening=damp,
                            nesterov=nesterov)
    if name in ("adam", "adamw"):
        betas = (draw(st.sampled_from([0.0, 0.3, 0.5, 0.9])),
                 draw(st.sampled_from([0.5, 0.9, 0.999])))
        cls = mg.optim.Adam if name == "adam" else mg.optim.AdamW
        return cls(params, lr=lr, betas=betas, weight_decay=wd, amsgrad=draw(st.booleans()))
    if name == "rmsprop":
        return mg.optim.RMSprop(params, lr=lr, alpha=draw(st.sampled_from([0.3, 0.5, 0.99])),
                                weight_decay=wd, momentum=draw(st.sampled_from([0.0, 0.9])),
                                centered=draw(st.booleans()))
    return mg.optim.Adagrad(params, lr=lr, weight_decay=wd,
                            lr_decay=draw(st.sampled_from([0.0, 0.01])))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_compiled_optimizer_steps_replay_the_eager_bits(dtype):
    """Random options of every optimizer (lerp's two sides, amsgrad, centered,
    Nesterov, decay): eight compiled steps against eight eager ones."""
    import copy

    from hypothesis import strategies as st

    @fuzz_settings(60)
    @given(data=st.data())
    def run(data):
        model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0, dtype=dtype), mg.nn.Tanh(),
                                 mg.nn.Linear(4, 1, rng=1, dtype=dtype))
        m1, o1 = model, _optimizer(data.draw, model.parameters())
        m2, o2 = copy.deepcopy((m1, o1))      # the same model and options, its own state
        eager = squared_output_step(m1, o1)
        compiled = mg.compile(squared_output_step(m2, o2))
        rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
        for _ in range(8):
            x = mg.tensor(rng.normal(size=(5, 3)).astype(dtype))
            np.testing.assert_array_equal(eager(x).numpy(), compiled(x).numpy())
            for p1, p2 in zip(m1.parameters(), m2.parameters()):
                np.testing.assert_array_equal(p1.numpy(), p2.numpy())
                for k, v in o1.state[p1].items():
                    np.testing.assert_array_equal(v, o2.state[p2][k])
    run()
