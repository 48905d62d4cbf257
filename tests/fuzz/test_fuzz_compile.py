"""mg.compile against eager, bit for bit, on random programs and random Python.

* Random programs of minigrad's ops (``programs``: a random DAG of several
  ops on 1-3 leaves, reduced to a scalar): ``value and leaf gradients``
  compiled, called on the drawn leaves and then on them shuffled and scaled,
  against the eager program on the same leaves (first and second
  derivatives, every loss case, every optimizer with random options).
* Random Python around random training steps (:func:`test_random_python_around_
  compiled_steps`): rebinding in objects, dicts, lists and module objects,
  random ops, ``.item()`` branches, exceptions on a random call, returned
  gradients, changed module attributes, schedulers inside and outside, and
  eager calls mixed in, over many calls.
"""
import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from fuzz.programs import BY_NAME, programs
from fuzz.report import STATS, fuzz_settings
from test_compile import squared_output_step

pytestmark = pytest.mark.fuzz


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
                got = step(*compiled)
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
                got = step(*[mg.tensor(v, requires_grad=True) for v in values])
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
                got = step(*[args[k] for k in keys])
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


# ------------------------------------------------------------ random Python around steps

ACTIONS = ("none", "none", "rebind_model", "rebind_optimizer", "rebind_dict", "rebind_list",
           "rebind_module_object", "dropout_p", "bn_momentum", "scheduler_outside",
           "eager_call", "bad_labels", "eval", "train", "batch_size", "lr", "lr_numpy",
           "maximize_flip", "maximize_drop")


class World:
    """A training setup whose step reaches its state in every way Python allows:
    an object's attributes, a dict, a list, a module object (``cfg``)."""

    def __init__(self, features, make_opt, seed):
        import types
        self.features, self.make_opt = features, make_opt
        mg.manual_seed(seed)
        self.model = self.new_model(seed)
        self.extra = {"w": mg.tensor(np.linspace(0.5, 1.5, 3, dtype=np.float32), requires_grad=True)}
        self.heads = [mg.nn.Linear(3, 3, rng=seed + 2)]
        self.cfg = types.ModuleType("cfg")
        self.cfg.bias = mg.nn.Linear(3, 3, rng=seed + 3)
        self.opt = make_opt(self.parameters())
        self.sched = mg.optim.lr_scheduler.StepLR(self.opt, step_size=2, gamma=0.7)
        self.loss_fn = mg.nn.CrossEntropyLoss()

    def new_model(self, seed):
        layers = [mg.nn.Linear(3, 6, rng=seed)]
        if "batchnorm" in self.features:
            layers.append(mg.nn.BatchNorm1d(6))
        layers.append(mg.nn.Tanh())
        if "dropout" in self.features:
            layers.append(mg.nn.Dropout(0.3))
        layers.append(mg.nn.Linear(6, 3, rng=seed + 1))
        return mg.nn.Sequential(*layers)

    def parameters(self):
        return (list(self.model.parameters()) + [self.extra["w"]] + list(self.heads[0].parameters())
                + list(self.cfg.bias.parameters()))

    def step(self, x, y):
        f = self.features
        if "zero_grad" in f:
            self.opt.zero_grad()
        logits = self.model(x) + self.heads[0](x) * self.extra["w"] + self.cfg.bias(x)
        if "noise" in f:
            logits = logits + mg.randn(*logits.shape) * 0.01
        loss = self.loss_fn(logits, y)
        if "item" in f and loss.item() > 1.1:
            loss = loss * 0.5
        loss.backward()
        if "clip" in f:
            mg.nn.utils.clip_grad_norm_(self.parameters(), 1.0)
        self.opt.step()
        if "scheduler_inside" in f:
            self.sched.step()
        if "return_grads" in f:
            return loss, self.heads[0].weight.grad, {"w": self.extra["w"].grad}
        return loss

    def act(self, action, i):
        """Apply ``action`` before call ``i`` (the same in both worlds)."""
        if action == "rebind_model":
            self.model = self.new_model(40 + i)
        elif action == "rebind_optimizer":
            self.opt = self.make_opt(self.parameters())
            self.sched = mg.optim.lr_scheduler.StepLR(self.opt, step_size=2, gamma=0.7)
        elif action == "rebind_dict":
            self.extra["w"] = mg.tensor(np.full(3, 0.1 * i, np.float32), requires_grad=True)
        elif action == "rebind_list":
            self.heads[0] = mg.nn.Linear(3, 3, rng=50 + i)
        elif action == "rebind_module_object":
            self.cfg.bias = mg.nn.Linear(3, 3, rng=60 + i)
        elif action == "dropout_p":
            for m in self.model.modules():
                if isinstance(m, mg.nn.Dropout):
                    m.p = [0.0, 0.5, 0.9][i % 3]
        elif action == "bn_momentum":
            for m in self.model.modules():
                if isinstance(m, mg.nn.BatchNorm1d):
                    m.momentum = [None, 0.5, 0.01][i % 3]
        elif action == "scheduler_outside":
            self.sched.step()
        elif action == "eval":
            self.model.eval()
        elif action == "train":
            self.model.train()
        elif action == "lr":
            self.opt.param_groups[0]["lr"] = 0.05 * (1 + i % 3)
        elif action == "lr_numpy":      # strong in numpy's promotion: float64 math
            self.opt.param_groups[0]["lr"] = np.float64(0.05 * (1 + i % 3))
        elif action == "maximize_flip":
            group = self.opt.param_groups[0]
            group["maximize"] = not group.get("maximize", False)
        elif action == "maximize_drop":     # read with .get: absent is False
            self.opt.param_groups[0].pop("maximize", None)

    def state(self):
        out = [self.model.state_dict(), self.opt.state_dict(), self.extra["w"],
               self.heads[0].state_dict(), self.cfg.bias.state_dict()]
        return out + [p.grad for p in self.parameters()]


def _batch(i, n, bad):
    rng = np.random.default_rng(300 + i)
    x = mg.tensor(rng.normal(size=(n, 3)).astype(np.float32))
    y = rng.integers(0, 3, size=n)
    return x, mg.tensor(y + 7 if bad else y)


def test_random_python_around_compiled_steps():
    """Eager and compiled twins of a random World, called with random actions
    between calls; every call's outcome (result or exception) and all state
    after it agree bit for bit."""
    import copy
    import inspect

    from hypothesis import strategies as st

    from test_compile import bits, outcome

    @fuzz_settings(40)
    @given(data=st.data())
    def run(data):
        features = set(data.draw(st.sets(st.sampled_from(
            ["batchnorm", "dropout", "noise", "item", "clip", "scheduler_inside",
             "return_grads", "zero_grad", "zero_grad"]))))
        options = {}

        def make_opt(params):
            if "made" not in options:
                options["made"] = _optimizer(data.draw, params)
                options["state"] = copy.deepcopy(options["made"].defaults)
                return options["made"]
            cls = type(options["made"])
            accepted = inspect.signature(cls).parameters
            return cls(params, **{k: v for k, v in options["state"].items() if k in accepted})
        seed = data.draw(st.integers(0, 100))
        a = World(features, make_opt, seed)
        b = World(features, make_opt, seed)
        compiled = mg.compile(b.step)
        calls = data.draw(st.integers(3, 10))
        for i in range(calls):
            action = data.draw(st.sampled_from(ACTIONS))
            n = 8 if action != "batch_size" else 5
            results = []
            for w, fn in ((a, a.step), (b, b.step if action == "eager_call" else compiled)):
                w.act(action, i)
                mg.manual_seed(1000 + i)
                results.append(outcome(fn, *_batch(i, n, action == "bad_labels")))
            STATS.counts["compiled python calls"] += 1
            assert results[0] == results[1], (i, action, features)
            assert bits(a.state()) == bits(b.state()), (i, action, features)
        STATS.counts["compiled python programs"] += 1
    run()
