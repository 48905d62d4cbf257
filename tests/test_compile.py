"""mg.compile: the step's Python runs at every call, and every call gives the
bits of the eager step.

Each test builds the same world (model, optimizer, loss, data) twice, runs
one copy eagerly and the other through ``mg.compile``, and compares every
bit: returned values, parameters, their gradients, buffers and optimizer
state, and the exceptions raised.
"""
import ast
import re
import threading

import numpy as np
import pytest

import minigrad as mg

OPTIMIZERS = {
    "sgd": lambda p: mg.optim.SGD(p, lr=0.1),
    "momentum": lambda p: mg.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda p: mg.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: mg.optim.Adam(p, lr=0.01),
    "adamw-amsgrad": lambda p: mg.optim.AdamW(p, lr=0.01, amsgrad=True),
    "rmsprop": lambda p: mg.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: mg.optim.Adagrad(p, lr=0.1, weight_decay=0.01),
}


def make(kind, dtype, opt_name, face):
    """A model, its optimizer and a step function (closing over them)."""
    if kind == "logistic":
        model = mg.nn.Linear(20, 1, rng=0, dtype=dtype)
    elif kind == "softmax":
        model = mg.nn.Linear(20, 5, rng=0, dtype=dtype)
    else:
        model = mg.nn.Sequential(mg.nn.Linear(20, 16, rng=0, dtype=dtype), mg.nn.ReLU(),
                                 mg.nn.Linear(16, 16, rng=1, dtype=dtype), mg.nn.Tanh(),
                                 mg.nn.Linear(16, 1, rng=2, dtype=dtype))
    opt = OPTIMIZERS[opt_name](model.parameters())
    if kind == "softmax":
        loss_fn = (mg.nn.CrossEntropyLoss() if face == "torch"
                   else mg.losses.SparseCategoricalCrossentropy(from_logits=True))
    else:
        loss_fn = (mg.nn.BCEWithLogitsLoss() if face == "torch"
                   else mg.losses.BinaryCrossentropy(from_logits=True))

    def step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y) if face == "torch" else loss_fn(y, out)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def squared_output_step(model, opt):
    """A training step on the mean squared output (the layer and optimizer tests)."""
    def step(x):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    return step


def batch(kind, dtype, i, n=32):
    rng = np.random.default_rng(100 + i)
    x = rng.normal(size=(n, 20)).astype(dtype)
    y = rng.integers(0, 5, size=n) if kind == "softmax" else \
        (rng.random((n, 1)) > 0.5).astype(dtype)
    return mg.tensor(x), mg.tensor(y)


def assert_same_state(m1, o1, m2, o2):
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p1.numpy(), p2.numpy())
        assert (p1.grad is None) == (p2.grad is None)
        if p1.grad is not None:
            np.testing.assert_array_equal(p1.grad.numpy(), p2.grad.numpy())
        s1, s2 = o1.state.get(p1, {}), o2.state.get(p2, {})
        assert sorted(s1) == sorted(s2)
        for k in s1:
            np.testing.assert_array_equal(s1[k], s2[k])


def run_both(kind, dtype, opt_name, face, steps=20, compiled_at=lambda i: True):
    m1, o1, s1 = make(kind, dtype, opt_name, face)
    m2, o2, s2 = make(kind, dtype, opt_name, face)
    step = mg.compile(s2)
    for i in range(steps):
        x, y = batch(kind, dtype, i)
        a = s1(x, y)
        b = (step if compiled_at(i) else s2)(*batch(kind, dtype, i))
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert_same_state(m1, o1, m2, o2)
    return step


def bits(x):
    """Everything a value holds, as comparable bits (-0.0 and NaN included)."""
    if isinstance(x, mg.Tensor):
        return ("T", bits(x.numpy()), x.requires_grad)
    if isinstance(x, np.ndarray):
        return ("A", x.dtype.str, x.shape, x.tobytes())
    if isinstance(x, np.generic):
        return ("g", x.dtype.str, x.tobytes())
    if isinstance(x, float):
        return ("f", x.hex())
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(bits(v) for v in x))
    if isinstance(x, dict):
        return ("D", tuple((k, bits(v)) for k, v in x.items()))
    return ("o", repr(x))


def outcome(fn, *args):
    """What a call gives: its result's bits, or the exception it raised."""
    try:
        return ("ok", bits(fn(*args)))
    except Exception as e:          # noqa: BLE001 - compared between the two worlds
        return ("raised", type(e).__name__, str(e))


def compare(build, n, args=lambda i: (), before=None, compiled_at=lambda i: True):
    """Build a world twice ({"step": fn, "state": () -> what to compare}), call
    one world's step eagerly and the other's compiled ``n`` times, with
    ``before(world, i)`` applied to each first, and compare every call's
    outcome and the state after it, bit for bit."""
    wa, wb = build(), build()
    compiled = mg.compile(wb["step"])
    for i in range(n):
        for w, fn in ((wa, wa["step"]), (wb, compiled if compiled_at(i) else wb["step"])):
            if before is not None:
                before(w, i)
            w["out"] = outcome(fn, *args(i))
        assert wa["out"] == wb["out"], (i, wa["out"][:2], wb["out"][:2])
        assert bits(wa["state"]()) == bits(wb["state"]()), f"state after call {i}"
    return compiled


def training_state(*objects):
    """State of modules and optimizers (and the grads of module parameters)."""
    def state():
        out = []
        for o in objects:
            out.append(o.state_dict())
            if isinstance(o, mg.nn.Module):
                out.append([p.grad for p in o.parameters()])
        return out
    return state


def data(i, n=8, d=3, classes=None, dtype=np.float32):
    rng = np.random.default_rng(200 + i)
    x = mg.tensor(rng.normal(size=(n, d)).astype(dtype))
    if classes:
        return x, mg.tensor(rng.integers(0, classes, size=n))
    return x, mg.tensor(rng.normal(size=(n, 1)).astype(dtype))


# ---------------------------------------------------------------------- bit for bit

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["logistic", "softmax", "mlp"])
@pytest.mark.parametrize("opt_name", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("face", ["torch", "keras"])
def test_compiled_calls_give_the_eager_bits(kind, dtype, opt_name, face):
    step = run_both(kind, dtype, opt_name, face)
    assert step.breaks == []
    # one backward pass, and one update (or two: the first creates the state)
    assert step.traces == (2 if opt_name == "sgd" else 3)


@pytest.mark.parametrize("opt_name", ["adamw-amsgrad", "rmsprop", "adagrad"])
def test_other_optimizers_give_the_eager_bits(opt_name):
    step = run_both("mlp", np.float64, opt_name, "torch", steps=10)
    assert step.breaks == []


def test_eager_and_compiled_calls_mix_in_any_order():
    pattern = [True, False, False, True, True, False, True, False, True, True, True, False]
    run_both("mlp", np.float32, "adam", "keras", steps=len(pattern),
             compiled_at=lambda i: pattern[i])


def test_a_new_shape_or_dtype_records_new_code():
    m1, o1, s1 = make("logistic", np.float32, "momentum", "torch")
    m2, o2, s2 = make("logistic", np.float32, "momentum", "torch")
    step = mg.compile(s2)
    for i, n in enumerate([32, 32, 32, 8, 8, 32]):
        x, y = batch("logistic", np.float32, i, n)
        np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
        assert_same_state(m1, o1, m2, o2)
    assert step.traces == 4              # backward at 32 and 8; the first update, the others
    x, y = batch("logistic", np.float64, 9)   # float64 data: promoted, as eagerly
    np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
    assert_same_state(m1, o1, m2, o2)


LAYER_MODELS = {
    "batchnorm-dropout": (lambda: mg.nn.Sequential(
        mg.nn.Linear(6, 8, rng=0), mg.nn.BatchNorm1d(8), mg.nn.ReLU(), mg.nn.Dropout(0.3, rng=4),
        mg.nn.Linear(8, 1, rng=1)), lambda rng: rng.normal(size=(16, 6))),
    "batchnorm-cumulative": (lambda: mg.nn.Sequential(
        mg.nn.Linear(6, 8, rng=0), mg.nn.BatchNorm1d(8, momentum=None), mg.nn.Linear(8, 1, rng=1)),
        lambda rng: rng.normal(size=(16, 6))),
    "layernorm-gelu": (lambda: mg.nn.Sequential(
        mg.nn.Linear(6, 8, rng=0), mg.nn.LayerNorm(8), mg.nn.GELU(), mg.nn.Linear(8, 1, rng=1)),
        lambda rng: rng.normal(size=(16, 6))),
    "leaky-sigmoid-tanh": (lambda: mg.nn.Sequential(
        mg.nn.Linear(6, 8, rng=0), mg.nn.LeakyReLU(0.1), mg.nn.Sigmoid(), mg.nn.Tanh(),
        mg.nn.Linear(8, 1, rng=1)), lambda rng: rng.normal(size=(16, 6))),
    "cnn": (lambda: mg.nn.Sequential(
        mg.nn.Conv2d(1, 4, 3, padding=1, rng=0), mg.nn.ReLU(), mg.nn.MaxPool2d(2),
        mg.nn.AvgPool2d(2), mg.nn.Flatten(), mg.nn.Linear(16, 1, rng=1)),
        lambda rng: rng.normal(size=(8, 1, 8, 8))),
    "embedding": (lambda: mg.nn.Sequential(
        mg.nn.Embedding(10, 4, rng=0), mg.nn.Flatten(), mg.nn.Linear(12, 1, rng=1)),
        lambda rng: rng.integers(0, 10, size=(16, 3))),
}


@pytest.mark.parametrize("name", sorted(LAYER_MODELS))
def test_layers_give_the_eager_bits_in_training_and_then_in_eval_mode(name):
    make_model, draw = LAYER_MODELS[name]

    def build():
        model = make_model()
        opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return {"step": squared_output_step(model, opt), "state": training_state(model, opt),
                "model": model}

    def args(i):
        raw = draw(np.random.default_rng(i))
        return (mg.tensor(raw.astype(np.float32) if raw.dtype.kind == "f" else raw),)

    def evaluate_late(w, i):
        if i == 5:
            w["model"].eval()
    step = compare(build, 7, args, evaluate_late)
    assert step.breaks == []


@pytest.mark.parametrize("name, flavour, logits", list(
    pytest.param(n, f, lg, id=f"{n}-{f}" + ("-logits" if lg else ""))
    for n, info in __import__("minigrad.cli", fromlist=["LOSSES"]).LOSSES.items()
    for f in ("keras", "pytorch") if f == "keras" or info.torch is not None
    for lg in ((False, True) if info.logits else (False,))))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_explained_loss_gives_its_eager_value_and_gradient(name, flavour, logits, dtype):
    from minigrad import cli
    info = cli.LOSSES[name]
    loss_of = cli._loss_of(info, flavour, logits)
    y0, p0 = cli._example(info)

    def build():
        p = mg.tensor(p0.astype(dtype), requires_grad=True)

        def step(y, shift):
            with mg.no_grad():
                p.data[...] = (p0 + shift).astype(dtype)
            p.grad = None
            loss = loss_of(y, p)
            loss.backward()
            return loss, p.grad
        return {"step": step, "state": lambda: [p, p.grad]}
    rng = np.random.default_rng(1)
    shifts = [rng.uniform(-0.04, 0.04, p0.shape) * (i > 0) for i in range(4)]
    step = compare(build, 4, lambda i: (y0.astype(dtype), shifts[i]))
    assert step.breaks == [] and step.traces == 1


# ---------------------------------------------------------------------- the cases

class Trainer:
    def __init__(self, seed):
        self.model = mg.nn.Linear(3, 1, rng=seed)
        self.opt = mg.optim.SGD(self.model.parameters(), lr=0.1)

    def step(self, x, y):
        self.opt.zero_grad()
        loss = ((self.model(x) - y) ** 2).mean()
        loss.backward()
        self.opt.step()
        return loss


def test_state_reached_through_an_object_is_this_calls():
    def build():
        trainer = Trainer(0)
        return {"step": trainer.step, "trainer": trainer,
                "state": lambda: [trainer.model.state_dict(), trainer.opt.state_dict()]}

    def rebind(w, i):
        if i == 3:
            w["trainer"].model = mg.nn.Linear(3, 1, rng=9)
            w["trainer"].opt = mg.optim.SGD(w["trainer"].model.parameters(), lr=0.1)
    compare(build, 6, lambda i: data(i), rebind)


def test_tensors_rebound_in_dicts_lists_and_module_attributes_are_this_calls():
    class Heads(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = {"a": mg.nn.Linear(3, 1, rng=1)}

        def forward(self, x):
            return self.heads["a"](x)

    def build():
        params = {"w": mg.tensor([[1.0], [2.0], [3.0]], requires_grad=True)}
        models = [mg.nn.Linear(3, 1, rng=2)]
        module = Heads()

        def step(x, y):
            loss = ((x @ params["w"]).sum() + models[0](x).sum() + module(x).sum()) ** 2
            loss.backward()
            return loss, params["w"].grad, models[0].weight.grad
        return {"step": step, "params": params, "models": models, "module": module,
                "state": lambda: [params["w"], models[0].state_dict(),
                                  module.heads["a"].state_dict()]}

    def rebind(w, i):
        if i == 2:
            w["params"]["w"] = mg.tensor([[5.0], [5.0], [5.0]], requires_grad=True)
        if i == 3:
            w["models"][0] = mg.nn.Linear(3, 1, rng=7)
        if i == 4:
            w["module"].heads["a"] = mg.nn.Linear(3, 1, rng=8)
    compare(build, 6, lambda i: data(i), rebind)


def test_a_model_and_optimizer_reached_through_a_module_object_are_this_calls():
    import types

    def build():
        cfg = types.ModuleType("cfg")
        cfg.net = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0), mg.nn.Tanh(), mg.nn.Linear(4, 1, rng=1))
        cfg.opt = mg.optim.Adam(cfg.net.parameters(), lr=0.05)

        def step(x, y):
            cfg.opt.zero_grad()
            loss = ((cfg.net(x) - y) ** 2).mean()
            loss.backward()
            cfg.opt.step()
            return loss
        return {"step": step, "state": training_state(cfg.net, cfg.opt)}
    compare(build, 6, lambda i: data(i))


def test_random_draws_inside_the_step_are_made_at_every_call():
    def build():
        mu = mg.tensor([0.5, -0.5, 1.0], requires_grad=True)
        log_sigma = mg.tensor([0.1, 0.2, 0.3], requires_grad=True)

        def step():
            eps = mg.randn(3)                       # the reparameterisation trick
            z = mu + eps * mg.exp(log_sigma)
            loss = (z * z).sum()
            loss.backward()
            return loss, eps
        return {"step": step, "state": lambda: [mu.grad, log_sigma.grad]}

    def seed(i):
        mg.manual_seed(50 + i)
        return ()
    step = compare(build, 5, seed)
    assert step.traces == 2      # the first call sets the grads; later ones add to them


def test_numpy_arrays_indexed_by_the_data_are_this_calls():
    table = np.array([2.0, 0.5, 1.5], dtype=np.float32)

    def build():
        w = mg.tensor(np.ones((3, 2), np.float32), requires_grad=True)

        def step(x, y):
            one_hot = mg.tensor(np.eye(2, dtype=np.float32)[y.numpy() % 2])
            scale = mg.tensor(np.take(table, y.data))
            loss_fn = mg.nn.CrossEntropyLoss(weight=mg.tensor(table[:2] * (1 + y.numpy()[0])))
            logits = x @ w
            loss = loss_fn(logits, y % 2) + ((logits * one_hot).sum(1) * scale).mean()
            loss.backward()
            return loss, w.grad
        return {"step": step, "state": lambda: [w.grad]}
    compare(build, 5, lambda i: data(i, classes=3))


def test_a_returned_gradient_and_intermediates_are_this_calls():
    from collections import namedtuple
    Out = namedtuple("Out", "loss grad hidden")

    def build():
        model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0), mg.nn.ReLU(), mg.nn.Linear(4, 1, rng=1))
        opt = mg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            hidden = model.layers[0](x)
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return Out(loss, model.layers[0].weight.grad, hidden), {"grad": model.layers[2].bias.grad}
        return {"step": step, "state": training_state(model, opt)}
    compare(build, 5, lambda i: data(i))


def test_backward_into_a_graph_built_outside_the_step():
    def build():
        encoder = mg.nn.Linear(3, 4, rng=0)
        head = mg.nn.Linear(4, 1, rng=1)
        opt = mg.optim.SGD(list(encoder.parameters()) + list(head.parameters()), lr=0.1)
        compiled = {}

        def step(h, y):
            opt.zero_grad()
            loss = ((head(h) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        def run(x, y):                      # the encoder runs eagerly, outside the step
            return compiled.get("step", step)(encoder(x), y)
        return {"step": run, "inner": step, "compiled": compiled,
                "state": training_state(encoder, head, opt)}
    wa, wb = build(), build()
    wb["compiled"]["step"] = mg.compile(wb["inner"])
    for i in range(5):
        x, y = data(i)
        assert bits(wa["step"](x, y)) == bits(wb["step"](x, y))
        assert bits(wa["state"]()) == bits(wb["state"]())


def test_a_negative_zero_argument_gives_a_negative_zero():
    def build():
        w = mg.tensor([1.0, 2.0], requires_grad=True)

        def step(x, s):
            out = w * x * s
            out.sum().backward()
            return out
        return {"step": step, "state": lambda: [w.grad]}
    compare(build, 4, lambda i: (mg.tensor([1.0, 1.0]), [0.0, -0.0, np.float32(-0.0), -0.0][i]))


def test_an_exception_inside_a_call_leaves_the_state_as_the_eager_step_does():
    def build():
        model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=0), mg.nn.BatchNorm1d(4),
                                 mg.nn.Linear(4, 3, rng=1))
        opt = mg.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = mg.nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return {"step": step, "state": training_state(model, opt)}

    def labels(i):
        x, y = data(i, classes=3)
        return (x, mg.tensor(y.numpy() + 5)) if i == 4 else (x, y)      # bad labels on call 5
    compare(build, 7, labels)


def test_module_attributes_changed_between_calls_are_read_at_every_call():
    def build():
        mg.manual_seed(3)
        model = mg.nn.Sequential(mg.nn.Linear(3, 8, rng=0), mg.nn.BatchNorm1d(8),
                                 mg.nn.Dropout(0.5), mg.nn.Linear(8, 1, rng=1))
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
        return {"step": squared_output_step(model, opt), "model": model,
                "state": training_state(model, opt)}

    def change(w, i):
        w["model"].layers[2].p = [0.5, 0.1, 0.9, 0.0, 0.5][i]
        w["model"].layers[1].momentum = [0.1, 0.5, None, 0.1, 0.9][i]
        mg.manual_seed(10 + i)
    compare(build, 5, lambda i: (data(i)[0],), change)


def test_the_step_runs_its_python_once_at_every_call():
    calls, printed = [], []
    w = mg.tensor([1.0], requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.1)
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    factor = [1.0]

    @mg.compile
    def step(x):
        calls.append(1)
        opt.zero_grad()
        loss = (w * x * factor[0]).sum()
        loss.backward()
        printed.append(round(loss.item(), 6))     # reading a value: no break, no refusal
        opt.step()
        sched.step()                              # a scheduler stepped inside
        return loss
    w_eager = 1.0
    for i in range(5):
        factor[0] = 1.0 + i                       # a Python number read from outside
        step(mg.ones(1))
        w_eager -= 0.1 * 0.5 ** i * (1.0 + i)
    assert len(calls) == 5
    assert printed == [round(v, 6) for v in (1.0, 1.8, 2.1, 1.875, 1.3984375)] or len(printed) == 5
    assert abs(w.item() - w_eager) < 1e-6
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5 ** 5
    assert step.breaks == []


@pytest.mark.parametrize("read", ["loss.item()", "float(loss)", "bool(loss > 0)", "loss.numpy()",
                                  "x[x > 0].sum().item()"])
def test_reading_values_into_python_inside_the_step_just_works(read):
    def build():
        w = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
        opt = mg.optim.Adam([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (w * x).sum()
            value = eval(read)                      # noqa: S307 - the read under test
            if np.all(np.asarray(value) > 0):
                loss = loss * 2
            loss.backward()
            opt.step()
            return loss
        return {"step": step, "state": lambda: [w, opt.state_dict()]}
    step = compare(build, 5, lambda i: (mg.tensor([1.0, 0.5, -1.0]) * (i - 2),))
    assert step.breaks == []


def test_in_place_ops_on_intermediates_work_as_eagerly():
    def build():
        w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)

        def step(x):
            h = x @ w
            h += 1
            h[0] = h[0] * 3
            h.mul_(2)
            loss = (h * h).sum()
            loss.backward()
            return loss, h
        return {"step": step, "state": lambda: [w.grad]}
    compare(build, 3, lambda i: (mg.tensor([[1.0, i], [0.5, 2.0]]),))


def test_numpy_number_arguments_and_keyword_arguments_are_accepted():
    def build():
        w = mg.tensor([1.0, 2.0], requires_grad=True)

        def step(x, k, *, scale=1.0):
            loss = (w * x * k * scale).sum()
            loss.backward()
            return loss
        return {"step": step, "state": lambda: [w.grad]}
    wa, wb = build(), build()
    step = mg.compile(wb["step"])
    for k in (np.float32(2.0), np.int64(3), 4, 2.5):
        assert bits(wa["step"](mg.ones(2), k, scale=0.5)) == bits(step(mg.ones(2), k, scale=0.5))
        assert bits(wa["state"]()) == bits(wb["state"]())


def test_clip_grad_norm_and_keras_ignore_class_work_inside():
    def build():
        model = mg.nn.Linear(3, 4, rng=0)
        opt = mg.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        loss_fn = mg.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(y, model(x))
            loss.backward()
            mg.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            return loss
        return {"step": step, "state": training_state(model, opt)}
    compare(build, 5, lambda i: data(i, classes=4))


def test_hooks_run_the_backward_eagerly_and_say_so():
    def build():
        w = mg.tensor([1.0, 2.0], requires_grad=True)

        def step(x):
            y = w * x
            y.register_hook(lambda g: g * 3)
            y.sum().backward()
            return w.grad
        return {"step": step, "state": lambda: [w.grad]}
    step = compare(build, 3, lambda i: (mg.tensor([1.0, float(i)]),))
    assert len(step.breaks) == 1 and "hooks" in step.breaks[0]
    assert re.match(r"test_compile\.py, line \d+: `y\.sum\(\)\.backward\(\)`", step.breaks[0])


def test_detect_anomaly_inside_a_compiled_call_finds_the_nan_as_eagerly():
    def build():
        w = mg.tensor([0.0, 1.0], requires_grad=True)

        def step():
            with mg.detect_anomaly():
                (mg.sqrt(w) * 0).sum().backward()
            return w.grad
        return {"step": step, "state": lambda: [w.grad]}
    compare(build, 2)


def test_a_value_saved_for_backward_and_changed_in_place_raises_as_eagerly():
    def build():
        w = mg.tensor([1.0, 2.0], requires_grad=True)

        def step(x):
            y = w * x
            z = (y * y).sum()
            with mg.no_grad():
                y.data[0] = 5.0
            z.backward()
        return {"step": step, "state": lambda: [w.grad]}
    compare(build, 2, lambda i: (mg.tensor([1.0, 1.0]),))


def test_threads_each_see_their_own_result():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def fn(x):
        loss = (w * x).sum()
        return loss, mg.grad(loss, [w])[0]
    step = mg.compile(fn)
    xs = [mg.tensor(np.full(3, float(i))) for i in range(8)]
    out = {}

    def work(i):
        for _ in range(20):
            loss, g = step(xs[i])
            out[i] = (loss.item(), g.tolist())
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == {i: (6.0 * i, [float(i)] * 3) for i in range(8)}


def test_parameters_and_state_are_the_same_objects_after_a_call():
    model, opt, s = make("mlp", np.float32, "adam", "torch")
    step = mg.compile(s)
    for i in range(3):
        step(*batch("mlp", np.float32, i))
    arrays = [p.data for p in model.parameters()]
    state = [dict(opt.state[p]) for p in model.parameters()]
    step(*batch("mlp", np.float32, 3))
    assert all(p.data is a for p, a in zip(model.parameters(), arrays))
    assert all(opt.state[p][k] is v for p, st in zip(model.parameters(), state)
               for k, v in st.items() if isinstance(v, np.ndarray))
    assert all(opt.state[p]["step"] == 4 for p in model.parameters())


def test_a_compiled_update_notes_in_place_changes_of_the_parameters():
    model, opt, s = make("logistic", np.float64, "sgd", "torch")
    step = mg.compile(s)
    step(*batch("logistic", np.float64, 0))
    x, y = batch("logistic", np.float64, 2)
    saved = (model.weight * model.weight).sum()     # a graph that saved the weight
    step(x, y)                                      # the compiled update changes it in place
    with pytest.raises(RuntimeError, match="changed by an in-place operation"):
        saved.backward()


# ---------------------------------------------------------------------- bounded

def test_a_step_keeps_a_bounded_number_of_passes_and_their_lines():
    import linecache
    from minigrad.compiler.step import MAX_TRACES
    w = mg.tensor([1.0], requires_grad=True)
    step = mg.compile(lambda x: (w * x).sum().backward())
    before = sum(1 for k in linecache.cache if str(k).startswith("<minigrad.compile"))
    for n in range(1, 301):
        step(mg.ones(n))
        assert w.grad.item() == n * (n + 1) / 2
    assert step.traces <= MAX_TRACES
    after = sum(1 for k in linecache.cache if str(k).startswith("<minigrad.compile"))
    assert after - before <= MAX_TRACES


def test_the_pass_a_step_uses_at_every_call_outlives_many_other_shapes(monkeypatch):
    # the table keeps when each pass was last used: the least recently used goes
    # first, and alternating graphs each find their own
    from minigrad.compiler import backward
    from minigrad.compiler.step import MAX_TRACES
    recorded = []
    record = backward.record
    monkeypatch.setattr(backward, "record", lambda w, names: (
        recorded.append(any(a.shape == (3,) for a in w.arrays)), record(w, names))[1])
    w = mg.tensor([1.0], requires_grad=True)

    def fn(x):
        w.grad = None
        (w * x).sum().backward()
    step = mg.compile(fn)
    common = np.arange(1.0, 4.0)
    for n in range(1, 3 * MAX_TRACES):
        step(mg.tensor(common))
        assert w.grad.item() == 6.0
        step(mg.tensor(np.full((n, 2), 2.0)))     # another shape each time
        assert w.grad.item() == 4.0 * n
        step(mg.tensor(np.full((n, 2), 2.0)))     # the same again: found, not recorded
        assert w.grad.item() == 4.0 * n
    assert recorded.count(True) == 1
    assert len(recorded) == 3 * MAX_TRACES
    assert step.traces == MAX_TRACES


def test_updates_of_alternating_keys_each_find_their_own_code_and_options():
    # parameters that alternate in having a gradient (two update keys), and an
    # option changed in between, still step as torch's
    torch = pytest.importorskip("torch")
    a0, b0 = np.array([1.0, -2.0]), np.array([0.5])
    a, b = mg.tensor(a0.copy(), requires_grad=True), mg.tensor(b0.copy(), requires_grad=True)
    ta = torch.tensor(a0.copy(), requires_grad=True)
    tb = torch.tensor(b0.copy(), requires_grad=True)
    opt = mg.optim.SGD([a, b], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([ta, tb], lr=0.1, momentum=0.9)

    @mg.compile
    def step(both):
        opt.zero_grad()
        ((a * a).sum() + (b * b).sum() if both else (a * a).sum()).backward()
        opt.step()
    for k in range(12):
        both = k % 2 == 0
        if k == 7:
            opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.05
        step(both)
        topt.zero_grad()
        ((ta * ta).sum() + (tb * tb).sum() if both else (ta * ta).sum()).backward()
        topt.step()
        np.testing.assert_allclose(a.numpy(), ta.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-12)
    assert not step.breaks


def test_buffers_stay_bounded_when_shapes_keep_changing():
    w = mg.tensor(np.ones(4, np.float32), requires_grad=True)
    opt = mg.optim.Adam([w], lr=0.01)

    @mg.compile
    def step(x):
        opt.zero_grad()
        ((x * w) ** 2).sum().backward()
        opt.step()
    peak = 0
    for n in range(1, 400):
        step(mg.ones(n, 4))
        peak = max(peak, step.held_bytes)
    assert peak < 40 * 400 * 4 * 4 * 4            # a few dozen passes' buffers, not 400


@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
def test_one_cycle_lr_cycling_momentum_and_betas_reuses_the_code(opt_name):
    w = mg.tensor(np.ones(3), requires_grad=True)
    opt = (mg.optim.SGD([w], lr=0.1, momentum=0.9) if opt_name == "sgd"
           else mg.optim.Adam([w], lr=0.1))
    sched = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=60)
    w2 = mg.tensor(np.ones(3), requires_grad=True)
    opt2 = type(opt)([w2], **{k: v for k, v in opt.defaults.items()})
    opt2.load_state_dict(opt.state_dict())
    sched2 = mg.optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.5, total_steps=60)

    def make_step(w, opt, sched):
        def step(x):
            opt.zero_grad()
            (w * w * x).sum().backward()
            opt.step()
            sched.step()
        return step
    eager, compiled = make_step(w, opt, sched), mg.compile(make_step(w2, opt2, sched2))
    for i in range(59):
        eager(mg.tensor(np.full(3, 1.0 + i % 3)))
        compiled(mg.tensor(np.full(3, 1.0 + i % 3)))
        assert bits(w) == bits(w2)
    assert compiled.traces <= 3


# ---------------------------------------------------------------------- the core does not know it

def test_the_core_imports_nothing_from_the_compiler():
    import pathlib
    root = pathlib.Path(mg.__file__).parent
    core = ["engine.py", "tensor.py", "versions.py", "random.py", "modes.py", "tracing.py",
            "losses.py", "_checks.py", "formulas.py", "function.py"]
    files = [root / f for f in core] + [p for d in ("ops", "optim", "lossdefs", "nn")
                                        for p in (root / d).glob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert "compiler" not in (node.module or ""), path
            if isinstance(node, ast.Import):
                assert not any("compiler" in a.name for a in node.names), path


def test_numpy_is_never_patched_during_a_call():
    before = dict(vars(np))
    seen = {}
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = mg.optim.Adam([w], lr=0.1)

    def step(x):
        opt.zero_grad()
        (w * x).sum().backward()
        opt.step()
        seen.update({k: v for k, v in vars(np).items() if before.get(k) is not v})
    compiled = mg.compile(step)
    for _ in range(3):
        compiled(mg.ones(2))
    assert seen == {} and all(vars(np)[k] is v for k, v in before.items())


# ---------------------------------------------------------------------- the code

def code_of(kind="mlp", face="torch", opt_name="sgd"):
    model, opt, s = make(kind, np.float32, opt_name, face)
    step = mg.compile(s)
    for i in range(3):
        step(*batch(kind, np.float32, i))
    return step


def test_code_is_python_one_call_per_line_in_two_functions():
    code = code_of(opt_name="adam").code
    tree = ast.parse(code)
    assert [f.name for f in tree.body] == ["backward", "adam_update"]
    for ln in code.splitlines():
        ln = ln.strip()
        if not ln or ln.startswith(("#", "def ", "return")):
            continue
        nodes = list(ast.walk(ast.parse(ln)))
        calls = [n for n in nodes if isinstance(n, ast.Call)]
        subscripts = [n for n in nodes if isinstance(n, ast.Subscript)]
        assert len(calls) + len(subscripts) == 1, ln


def test_code_names_say_what_values_are():
    code = code_of(opt_name="adam").code
    names = set(re.findall(r"^\s+([a-z_0-9]+) = ", code, re.M))
    assert not any(re.fullmatch(r"t\d+|v\d+|tmp\d*", n) for n in names)
    assert "ones_like" not in code and not re.search(r"\bd(expand|broadcast|multiply|take)", code)
    assert "def backward(grad_" in code
    assert "return (grad_linear4_bias, grad_linear4_weight" in code        # the leaves, as reached
    update = code.split("def adam_update")[1]
    # the per-step numbers are arguments (computed by Adam in Python at each call),
    # and every state write is a write into the state's own array
    assert "step_size_linear0_weight" in update.split(":")[0] and "adam_numbers" not in code
    assert re.search(r"np\.\w+\(.*out=exp_avg_linear0_weight\)", update)
    assert re.search(r"out=linear0_weight, casting='same_kind'\)", update)


def test_the_call_runs_the_printed_code():
    import linecache
    step = code_of("logistic", "keras", "adam")
    printed = step.code
    sources = ["".join(linecache.getlines(p.function.__code__.co_filename)) for p in step._last]
    assert "\n\n".join(sources) == printed


def test_code_before_any_call_says_what_to_do():
    with pytest.raises(RuntimeError, match="call the compiled step first"):
        mg.compile(lambda x: x).code


def test_the_numba_backend_is_named_and_unknown_backends_refused():
    with pytest.raises(ValueError, match="backend must be one of"):
        mg.compile(lambda x: x, backend="jax")
    try:
        import numba  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r'pip install "minigrad\[fast\]"'):
            mg.compile(lambda x: x, backend="numba")


def test_memory_stays_flat_over_calls_whose_shapes_keep_changing():
    import gc
    import tracemalloc
    w = mg.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = mg.optim.Adam([w], lr=0.01)

    @mg.compile
    def step(x):
        opt.zero_grad()
        ((x * w) ** 2).mean().backward()
        opt.step()
    tracemalloc.start()
    try:
        sizes = []
        for i in range(300):
            step(mg.ones(1 + i % 40, 3))         # 40 shapes, cycling: more than the cache holds
            if i in (99, 299):
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
    assert sizes[1] - sizes[0] < 100_000, sizes      # flat after warm-up (not 200 more passes)


def test_an_option_deleted_between_calls_raises_as_eagerly():
    def build():
        w = mg.tensor([1.0, -2.0], requires_grad=True)
        opt = mg.optim.SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)

        def step(x):
            opt.zero_grad()
            (w * w * x).sum().backward()
            opt.step()
        return {"step": step, "opt": opt, "state": lambda: [w, opt.state_dict()]}

    def drop_an_option(world, i):
        if i == 2:
            del world["opt"].param_groups[0]["weight_decay"]
    compare(build, 4, lambda i: (mg.ones(2),), drop_an_option)


# ---------------------------------------------------------------- red team (issue 22)
@pytest.mark.parametrize("opt_name", ["sgd-momentum", "adam", "rmsprop", "adagrad"])
def test_numpy_number_options_give_the_eager_bits(opt_name):
    """An np.float64 option (a float subclass, but strong in numpy's
    promotion: float64 math on float32 parameters) is not a Python number."""
    make_opt = {"sgd-momentum": lambda p, lr: mg.optim.SGD(p, lr=lr, momentum=0.9),
                "adam": lambda p, lr: mg.optim.Adam(p, lr=lr),
                "rmsprop": lambda p, lr: mg.optim.RMSprop(p, lr=lr),
                "adagrad": lambda p, lr: mg.optim.Adagrad(p, lr=lr)}[opt_name]

    def build():
        rng = np.random.default_rng(0)
        w = mg.tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
        opt = make_opt([w], 0.05)

        def step(x):
            opt.zero_grad()
            ((x @ w).tanh() ** 2).mean().backward()
            opt.step()
        return {"step": step, "opt": opt, "state": lambda: [w, w.grad, opt.state_dict()]}

    lrs = [0.05, np.float64(0.05), np.float64(0.03), np.float32(0.05), 0.05, np.float64(0.05)]

    def set_lr(world, i):
        world["opt"].param_groups[0]["lr"] = lrs[i]
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    compare(build, len(lrs), lambda i: (mg.tensor(x * (i + 1)),), set_lr)


def test_a_custom_function_reads_its_ctx_and_globals_at_every_call():
    """A Function's backward is the user's Python: what it reads from ctx
    attributes (not save_for_backward) or from its class changes per call."""
    class ScaleBy(mg.Function):                 # a gradient-reversal layer, as in DANN
        lam = 1.0

        @staticmethod
        def forward(ctx, x, w):
            ctx.x = x.numpy()                   # an attribute, not save_for_backward
            return x * w

        @staticmethod
        def backward(ctx, g):
            return None, g.numpy() * ctx.x * -ScaleBy.lam

    def build():
        w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)

        def step(x):
            w.grad = None
            ScaleBy.apply(x, w).sum().backward()
        return {"step": step, "state": lambda: [w, w.grad]}

    def schedule(world, i):
        ScaleBy.lam = 1.0 + i
    for backend in mg.compiler.BACKENDS[:1] + (("numba",) if _has_numba() else ()):
        wa, wb = build(), build()
        compiled = mg.compile(wb["step"], backend=backend)
        for i in range(3):
            schedule(wa, i)
            x = mg.tensor(np.arange(3.0) + 10 * i)
            wa["step"](x)
            compiled(x)
            assert bits(wa["state"]()) == bits(wb["state"]()), (backend, i)
        assert any("custom mg.Function" in b for b in compiled.breaks)


def _has_numba():
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("write", ["sort", "partition", "put", "byteswap"])
def test_in_place_array_methods_no_protocol_reports_make_the_pass_run_eagerly(write):
    """``a.sort()`` and the like write into an array without numpy's
    protocols telling the recording: its code would leave the write out."""
    from minigrad.compiler.trace import Recorder, Traced, Unrecordable

    def rule(x):
        u = x * 1.0
        {"sort": lambda: u.sort(), "partition": lambda: u.partition(1),
         "put": lambda: u.put([0], 9.0), "byteswap": lambda: u.byteswap(inplace=True)}[write]()
        return u * 2.0
    rec = Recorder("backward")
    with rec.active(), pytest.raises(Unrecordable, match=f".{write}()"):
        rule(rec.traced(np.array([3.0, 1.0, 2.0]), "x"))
    outside = np.array([3.0, 1.0, 2.0]).view(Traced)     # outside a recording: numpy's method
    outside.sort()
    assert outside.view(np.ndarray).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("opt_name", ["adam", "rmsprop", "adagrad"])
def test_an_update_that_raises_midway_advances_the_step_counts_as_eagerly(opt_name):
    """Eagerly, an update raising at the second parameter (an overflow made an
    error) has taken the step counts of the first two only; the next calls'
    bias corrections depend on it."""
    def build():
        ws = [mg.tensor(np.ones(3, np.float32), requires_grad=True) for _ in range(3)]
        opt = {"adam": mg.optim.Adam, "rmsprop": mg.optim.RMSprop,
               "adagrad": mg.optim.Adagrad}[opt_name](ws, lr=0.1)

        def step(scale):
            opt.zero_grad()
            (ws[0].sum() + (ws[1] * scale).sum() + ws[2].sum()).backward()
            with np.errstate(over="raise"):
                opt.step()
        return {"step": step, "state": lambda: [ws, opt.state_dict()]}
    compare(build, 4, lambda i: (1e30 if i == 1 else 1.0,))


@pytest.mark.parametrize("option", ["amsgrad", "maximize"])
def test_an_option_missing_when_recorded_and_set_later_is_read(option):
    """``group.get(option)`` of a group without it (a state dict of an older
    version): the code must not be reused once the group has it."""
    def build():
        w = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
        opt = mg.optim.Adam([w], lr=0.1)
        del opt.param_groups[0][option]

        def step(x):
            opt.zero_grad()
            ((w * x) ** 2).sum().backward()
            opt.step()
        return {"step": step, "opt": opt, "state": lambda: [w, opt.state_dict()]}

    def set_it(world, i):
        if i == 2:
            world["opt"].param_groups[0][option] = True
    compare(build, 4, lambda i: (mg.tensor([1.0, 0.5, -1.0 - i]),), set_it)


@pytest.mark.parametrize("how", ["twice-in-a-group", "in-two-groups"])
def test_a_parameter_listed_twice_is_updated_twice_as_eagerly(how):
    """Eagerly the second update of a parameter listed twice reads the state
    the first made or changed; each recorded update read its own copy."""
    def build():
        w = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
        v = mg.tensor([0.5, 0.5, 0.5], requires_grad=True)
        opt = mg.optim.Adam([w, v], lr=0.1)
        if how == "twice-in-a-group":
            opt.param_groups[0]["params"].append(w)
        else:
            opt.param_groups.append(dict(opt.param_groups[0], params=[w]))

        def step(x):
            opt.zero_grad()
            ((w * x) ** 2 + v * x).sum().backward()
            opt.step()
        return {"step": step, "state": lambda: [w, v, opt.state_dict()]}
    compiled = compare(build, 3, lambda i: (mg.tensor([1.0, 0.5, -1.0 - i]),))
    assert any("listed twice" in b for b in compiled.breaks)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_read_only_state_array_raises_and_leaves_the_state_as_eagerly(backend):
    if backend == "numba":
        pytest.importorskip("numba")

    def build():
        ws = [mg.tensor(np.ones(3), requires_grad=True) for _ in range(3)]
        opt = mg.optim.Adam(ws, lr=0.1)

        def step(x):
            opt.zero_grad()
            sum((w * x).sum() for w in ws).backward()
            opt.step()
        return {"step": step, "opt": opt, "state": lambda: [ws, opt.state_dict()]}

    def freeze(world, i):
        if i == 2:
            avg = world["opt"].state_dict()["state"][1]["exp_avg"]
            world["opt"].state[list(world["opt"].state)[1]]["exp_avg"] = \
                np.broadcast_to(avg[:1], avg.shape)
    wa, wb = build(), build()
    compiled = mg.compile(wb["step"], backend=backend)
    for i in range(4):
        for w, fn in ((wa, wa["step"]), (wb, compiled)):
            freeze(w, i)
            w["out"] = outcome(fn, mg.tensor(np.full(3, 1.0 + i)))
        assert wa["out"] == wb["out"], i
        assert bits(wa["state"]()) == bits(wb["state"]()), i


def test_a_branch_on_two_per_step_numbers_is_guarded_on_both():
    """``if num["a"] < num["b"]`` in an update: the guard reads both numbers
    at every call (it compared the first with the second's recorded value)."""
    from minigrad.compiler.trace import Recorder
    rec = Recorder("update")
    a, b = rec.scalar(1.0, "a", 0), rec.scalar(2.0, "b", 1)
    with rec.active():
        assert a < b
    assert [expr([1.0, 2.0]) == result for expr, result in rec.guards] == [True]
    assert [expr([1.0, 0.5]) == result for expr, result in rec.guards] == [False]


def test_numpy_on_a_per_step_number_without_a_recorded_array_is_unrecordable():
    """``np.sqrt(num["lr"])`` or ``num["lr"] * constant_array`` in an update
    gave a constant of the code: a later learning rate was not read."""
    from minigrad.compiler.trace import Recorder, Traced, Unrecordable
    rec = Recorder("update")
    lr, g = rec.scalar(0.5, "lr", 0), rec.traced(np.ones(3), "g")
    with rec.active():
        assert type(g * lr) is Traced and type(lr * g) is Traced
        assert type(np.add(g, lr, out=g)) is Traced
        for use in (lambda: np.sqrt(lr), lambda: lr * np.ones(3),
                    lambda: np.multiply(np.ones(3), lr)):
            with pytest.raises(Unrecordable, match="per-step number"):
                use()
    assert [line.text for line in rec.lines] == ["np.multiply", "np.multiply", "np.add"]


def test_numbers_that_raise_for_a_later_group_leave_the_earlier_groups_updated():
    """Eagerly ``step()`` updates group 0 before it reads group 1's bad
    learning rate; the compiled call took every group's numbers first."""
    def build():
        a = mg.tensor(np.ones(3), requires_grad=True)
        b = mg.tensor(np.ones(3), requires_grad=True)
        opt = mg.optim.Adam([{"params": [a]}, {"params": [b]}], lr=0.1)

        def step(i):
            opt.zero_grad()
            (a * 2.0 + b * 3.0).sum().backward()
            opt.param_groups[1]["lr"] = None if i == 1 else 0.1
            opt.step()
        return {"step": step, "state": lambda: [a, b, opt.state_dict()]}
    compare(build, 3, lambda i: (i,))


def test_an_optimizer_subclass_with_its_own_update_runs_it_eagerly():
    """A subclass's ``_update`` is the user's Python: what it reads from
    ``self`` (a scale changed between calls) is read at every call."""
    class ScaledSGD(mg.optim.SGD):
        scale = 1.0

        def _update(self, w, g, state, group, num):
            return super()._update(w, g, state, group, num) * self.scale

    class QuietAdam(mg.optim.Adam):     # only __init__ changes: its update is Adam's
        pass

    def build(cls):
        def make():
            w = mg.tensor(np.ones(3), requires_grad=True)
            opt = cls([w], lr=0.1)

            def step(x):
                opt.zero_grad()
                (w * w * x).sum().backward()
                opt.step()
            return {"step": step, "opt": opt, "state": lambda: [w, opt.state_dict()]}
        return make

    def rescale(world, i):
        world["opt"].scale = 1.0 + i
    compiled = compare(build(ScaledSGD), 3, lambda i: (mg.ones(3),), rescale)
    assert any("your Python" in b for b in compiled.breaks)
    compiled = compare(build(QuietAdam), 3, lambda i: (mg.ones(3),))
    assert compiled.breaks == []


def test_a_node_class_defined_outside_minigrad_runs_its_backward_eagerly():
    from minigrad import engine
    from minigrad.ops.elementwise import Mul

    class ScaledMul(Mul):               # slots, like minigrad's ops, but the user's rule
        __slots__ = ()
        k = 1.0

        def backward(self, g, out, a, b):
            ga, gb = super().backward(g, out, a, b)
            return ga, gb * ScaledMul.k

    def build():
        w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)

        def step(x):
            w.grad = None
            engine.binary(ScaledMul, x, w).sum().backward()
        return {"step": step, "state": lambda: [w, w.grad]}

    def schedule(world, i):
        ScaledMul.k = 1.0 + i
    compiled = compare(build, 3, lambda i: (mg.tensor([1.0, -1.0, 2.0]),), schedule)
    assert any("node class" in b for b in compiled.breaks)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_a_compiled_backward_is_as_quiet_as_eager(backend):
    """Eager minigrad's rules give inf and nan without numpy's warnings
    (minigrad.ops.quiet); the compiled pass and its recording warned."""
    import subprocess
    import sys
    if backend == "numba":
        pytest.importorskip("numba")
    program = f"""
import numpy as np, minigrad as mg
w = mg.tensor(np.ones(3, np.float32), requires_grad=True)
def step(x):
    w.grad = None
    ((w * x).exp() * (w * x).log()).sum().backward()
    return w.grad.numpy()
compiled = mg.compile(step, backend={backend!r})
x = mg.tensor(np.array([0.0, 1e20, -3.0], np.float32))
for f in (step, compiled, compiled):
    print(f(x))
"""
    import os
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert len(set(run.stdout.splitlines())) == 1        # the same gradient each time


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("names", [("buffer", "obj"), ("n0", "i0"), ("out_sum", "acc_sum"),
                                   ("backward_1", "j1"), ("w_new", "buffer_2"),
                                   ("range", "slice")])
def test_argument_names_never_meet_the_names_the_code_makes(names, backend):
    """The code names each value after what it is (a step's arguments after
    their parameter names) and makes names of its own (buffers, loop indices,
    a kernel's output arrays, kernels).  A step whose arguments bear those
    names gets the eager numbers: an argument named ``buffer`` was the array
    the numpy code wrote its results into (wrong numbers, the data changed)."""
    if backend == "numba":
        pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 5)), (rng.random(64) > 0.5).astype(np.float64)
    src = ("def make(mg, opt, w):\n"
           f"    def step({names[0]}, {names[1]}):\n"
           "        opt.zero_grad()\n"
           f"        z = ({names[0]} * w).sum(axis=1)\n"
           f"        loss = ((mg.sigmoid(z) - {names[1]}) ** 2 * {names[1]} + z * 0.5).mean()\n"
           "        loss.backward()\n"
           "        opt.step()\n"
           "        return loss\n"
           "    return step\n")
    namespace = {}
    exec(src, namespace)        # noqa: S102 - a step with these argument names

    def build():
        w = mg.tensor(np.zeros(5), requires_grad=True)
        return w, namespace["make"](mg, mg.optim.SGD([w], lr=0.1), w)
    (w1, eager), (w2, step) = build(), build()
    step = mg.compile(step, backend=backend)
    for _ in range(3):
        X1, y1 = X.copy(), y.copy()
        want = eager(mg.tensor(X), mg.tensor(y)).item()
        got = step(mg.from_numpy(X1), mg.from_numpy(y1)).item()
        assert (X1 == X).all() and (y1 == y).all()          # the data as it was
        if backend == "numpy":
            assert got == want
        else:
            assert got == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(w2.numpy(), w1.numpy(), rtol=1e-12, atol=0)
    assert step.breaks == []
