"""mg.compile: a replay gives the bits of the eager step, or the trace refuses.

Each test builds the same model, optimizer and loss twice, runs one copy
eagerly and the other through ``mg.compile`` on the same (fresh) data at
every step, and compares every bit: the returned loss, parameters, their
gradients and the optimizer state.
"""
import ast
import re
import threading

import numpy as np
import pytest

import minigrad as mg
TraceError = RuntimeError

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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["logistic", "softmax", "mlp"])
@pytest.mark.parametrize("opt_name", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("face", ["torch", "keras"])
def test_replay_gives_the_eager_bits(kind, dtype, opt_name, face):
    step = run_both(kind, dtype, opt_name, face)
    assert step.traces == 2        # the first step (no grads yet), then every later one


@pytest.mark.parametrize("opt_name", ["adamw-amsgrad", "rmsprop", "adagrad"])
def test_other_optimizers_replay_exactly(opt_name):
    run_both("mlp", np.float64, opt_name, "torch", steps=10)


def test_eager_and_compiled_calls_mix_in_any_order():
    pattern = [True, False, False, True, True, False, True, False, True, True, True, False]
    run_both("mlp", np.float32, "adam", "keras", steps=len(pattern),
             compiled_at=lambda i: pattern[i])


def test_a_new_shape_or_dtype_traces_again():
    m1, o1, s1 = make("logistic", np.float32, "momentum", "torch")
    m2, o2, s2 = make("logistic", np.float32, "momentum", "torch")
    step = mg.compile(s2)
    for i, n in enumerate([32, 32, 32, 8, 8, 32]):
        x, y = batch("logistic", np.float32, i, n)
        np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
        assert_same_state(m1, o1, m2, o2)
    assert step.traces == 3              # first step, batch 32, batch 8
    x, y = batch("logistic", np.float64, 9)   # float64 data: promoted, as eagerly
    np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
    assert_same_state(m1, o1, m2, o2)
    assert step.traces == 4


def test_model_eval_traces_again():
    model = mg.nn.Sequential(mg.nn.Linear(4, 4, rng=0), mg.nn.Dropout(0.5, rng=1))
    step = mg.compile(lambda x: model(x).sum())
    x = mg.ones(3, 4)
    step(x)
    model.eval()
    assert step(x).item() == model(x).sum().item()
    assert step.traces == 2


def test_dropout_draws_afresh_at_every_replay_as_eager_would():
    def make_model():
        mg.manual_seed(5)
        return mg.nn.Sequential(mg.nn.Linear(6, 8, rng=0), mg.nn.Dropout(0.5),
                                mg.nn.Linear(8, 1, rng=1))
    m1 = make_model()
    o1 = mg.optim.SGD(m1.parameters(), lr=0.1)
    eager = []
    for i in range(5):
        o1.zero_grad()
        loss = m1(mg.ones(4, 6)).sum()
        loss.backward()
        o1.step()
        eager.append(loss.item())
    m2 = make_model()
    o2 = mg.optim.SGD(m2.parameters(), lr=0.1)

    @mg.compile
    def step(x):
        o2.zero_grad()
        loss = m2(x).sum()
        loss.backward()
        o2.step()
        return loss
    compiled = [step(mg.ones(4, 6)).item() for _ in range(5)]
    assert compiled == eager
    assert len(set(compiled)) == 5       # a new mask each step
    assert "draw_random" in step.code


@pytest.mark.parametrize("line, what", [
    ("if loss.item() > 0:\n        loss = loss * 2", "item"),
    ("v = float(loss)", "float"),
    ("a = loss.numpy()", "numpy"),
    ("if loss:\n        pass", "bool"),
])
def test_a_python_branch_on_data_is_refused_naming_the_line(tmp_path, line, what):
    src = ("import minigrad as mg\n"
           "w = mg.tensor([1.0, 2.0], requires_grad=True)\n"
           "def step(x):\n"
           "    loss = (w * x).sum()\n"
           f"    {line}\n"
           "    return loss\n")
    path = tmp_path / f"train_{what}.py"
    path.write_text(src)
    namespace = {}
    exec(compile(src, str(path), "exec"), namespace)
    step = mg.compile(namespace["step"])
    with pytest.raises(TraceError, match=rf"train_{what}\.py, line 5") as err:
        step(mg.tensor([1.0, 1.0]))
    assert "out of the compiled function" in str(err.value)


def test_in_a_notebook_the_refusal_names_the_cell_as_ipython_does(tmp_path, monkeypatch):
    """A notebook cell's code lives in a temporary file named by a hash; the
    message names it as IPython's tracebacks do (Cell In[7]), not by the hash."""
    import sys
    import types

    src = ("import minigrad as mg\n"
           "w = mg.tensor([1.0, 2.0], requires_grad=True)\n"
           "def step(x):\n"
           "    loss = (w * x).sum()\n"
           "    if loss.item() > 0:\n"
           "        loss = loss * 2\n"
           "    return loss\n")
    path = str(tmp_path / "1964389927.py")
    (tmp_path / "1964389927.py").write_text(src)
    namespace = {}
    exec(compile(src, path, "exec"), namespace)

    class Compiler:
        def format_code_name(self, name):
            return ("Cell", "In[7]") if name == path else None

    shell = types.SimpleNamespace(compile=Compiler())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    with pytest.raises(TraceError, match=re.escape("Cell In[7], line 5: `if loss.item() > 0:`")):
        mg.compile(namespace["step"])(mg.tensor([1.0, 1.0]))
    shell.compile = None            # an IPython that cannot say: the file's name
    with pytest.raises(TraceError, match=r"1964389927\.py, line 5"):
        mg.compile(namespace["step"])(mg.tensor([1.0, 1.0]))


def test_detect_anomaly_is_refused_by_name():
    w = mg.tensor([1.0], requires_grad=True)
    step = mg.compile(lambda x: (w * x).sum())
    with mg.detect_anomaly(), pytest.raises(TraceError, match="detect_anomaly"):
        step(mg.ones(1))


def test_a_scheduler_stepped_inside_is_refused():
    w = mg.tensor([1.0], requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.1)
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)

    @mg.compile
    def step(x):
        opt.zero_grad()
        (w * x).sum().backward()
        opt.step()
        sched.step()
    with pytest.raises(TraceError, match="scheduler"):
        step(mg.ones(1))


def test_a_scheduler_outside_changes_the_replayed_learning_rate():
    w1, w2 = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    opts = [mg.optim.SGD([w], lr=0.1, momentum=0.9) for w in (w1, w2)]
    scheds = [mg.optim.lr_scheduler.ExponentialLR(o, gamma=0.5) for o in opts]

    def make_step(w, opt):
        def step(x):
            opt.zero_grad()
            (w * w * x).sum().backward()
            opt.step()
        return step
    eager, compiled = make_step(w1, opts[0]), mg.compile(make_step(w2, opts[1]))
    for _ in range(6):
        eager(mg.ones(1))
        compiled(mg.ones(1))
        for s in scheds:
            s.step()
        assert w1.item() == w2.item()


def test_parameters_and_state_are_the_same_objects_after_a_replay():
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


def test_a_replay_notes_in_place_changes_of_the_parameters():
    model, opt, s = make("logistic", np.float64, "sgd", "torch")
    step = mg.compile(s)
    step(*batch("logistic", np.float64, 0))
    step(*batch("logistic", np.float64, 1))
    x, y = batch("logistic", np.float64, 2)
    saved = (model.weight * model.weight).sum()     # a graph that saved the weight
    step(x, y)                        # the replay changes it in place
    with pytest.raises(RuntimeError, match="modified by an inplace operation|changed"):
        saved.backward()


def test_gradients_are_fresh_arrays_each_replay():
    model, opt, s = make("logistic", np.float32, "sgd", "torch")
    step = mg.compile(s)
    grads = []
    for i in range(4):
        step(*batch("logistic", np.float32, i))
        grads.append(model.weight.grad.numpy().copy())
        kept = model.weight.grad
    step(*batch("logistic", np.float32, 5))
    assert kept is not model.weight.grad
    np.testing.assert_array_equal(kept.numpy(), grads[-1])


def test_threads_each_see_their_own_result():
    model, opt, s = make("logistic", np.float64, "sgd", "torch")
    step = mg.compile(lambda x: model(x).sum())
    x = batch("logistic", np.float64, 0)[0]
    expected = model(x).sum().item()
    out = []
    threads = [threading.Thread(target=lambda: out.append(step(x).item())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [expected] * 4


# ---------------------------------------------------------------------- the code


def code_of(kind="mlp", face="torch", opt_name="sgd"):
    model, opt, s = make(kind, np.float32, opt_name, face)
    step = mg.compile(s)
    for i in range(3):
        step(*batch(kind, np.float32, i))
    return step


def test_code_is_python_in_three_sections_one_call_per_line():
    code = code_of().code
    tree = ast.parse(code)
    assert isinstance(tree.body[0], ast.FunctionDef)
    sections = [ln.strip() for ln in code.splitlines() if ln.strip().startswith("#")
                and not ln.strip().startswith("# constants")]
    assert sections == ["# forward", "# backward", "# update"]
    body = [ln for ln in code.splitlines()[1:-1] if not ln.strip().startswith("#")]
    for ln in body:
        calls = [n for n in ast.walk(ast.parse(ln.strip())) if isinstance(n, ast.Call)]
        subscripts = [n for n in ast.walk(ast.parse(ln.strip())) if isinstance(n, ast.Subscript)]
        assert len(calls) + len(subscripts) == 1, ln


def test_code_names_say_which_op_and_part():
    code = code_of().code
    names = set(re.findall(r"^\s+([a-z_0-9]+) = ", code, re.M))
    assert not any(re.fullmatch(r"t\d+|v\d+|tmp\d*", n) for n in names)
    assert "matmul_linear0" in names and "maximum_relu1" in names or "matmul_linear0" in names
    assert any(n.startswith("grad_") and "linear" in n for n in names)
    assert "def step(x, y, linear0_weight, linear0_bias" in code


def test_the_replay_runs_the_printed_code():
    step = code_of("logistic", "keras")
    fn = step._last.function
    import linecache
    source = "".join(linecache.getlines(fn.__code__.co_filename))
    assert source == step.code


def test_code_before_any_call_says_what_to_do():
    with pytest.raises(RuntimeError, match="call the compiled step once"):
        mg.compile(lambda x: x).code


def test_a_large_step_recomputes_what_backward_needs_and_keeps_the_bits():
    """At 70,000 samples, 1 - y is computed again in backward instead of kept."""
    def make_large():
        model = mg.nn.Linear(4, 1, rng=0)
        opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = mg.losses.BinaryCrossentropy(from_logits=True)

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(y, model(x))
            loss.backward()
            opt.step()
            return loss
        return model, opt, step
    m1, o1, s1 = make_large()
    m2, o2, s2 = make_large()
    step = mg.compile(s2)
    rng = np.random.default_rng(0)
    for i in range(4):
        x = mg.tensor(rng.normal(size=(70_000, 4)).astype(np.float32))
        y = mg.tensor((rng.random((70_000, 1)) > 0.5).astype(np.float32))
        np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
        assert_same_state(m1, o1, m2, o2)
    backward = step.code.split("# backward")[1]
    assert "np.subtract(1.0, y" in backward


def _loss_cases():
    from minigrad import cli
    for name, info in cli.LOSSES.items():
        for flavour in ("keras", "pytorch"):
            if flavour == "pytorch" and info.torch is None:
                continue
            for logits in ((False, True) if info.logits else (False,)):
                yield pytest.param(name, flavour, logits, id=f"{info.short}-{flavour}"
                                   + ("-logits" if logits else ""))


@pytest.mark.parametrize("name, flavour, logits", list(_loss_cases()))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_explained_loss_replays_its_value_and_gradient_exactly(name, flavour, logits,
                                                                     dtype):
    from minigrad import cli
    info = cli.LOSSES[name]
    loss_of = cli._loss_of(info, flavour, logits)

    def loss_and_gradient(y, p):
        loss = loss_of(y, p)
        loss.backward()
        return loss
    step = mg.compile(loss_and_gradient)
    y0, p0 = cli._example(info)
    rng = np.random.default_rng(1)
    for i in range(4):
        p = p0 + rng.uniform(-0.04, 0.04, p0.shape) * (i > 0)
        y, p = y0.astype(dtype), p.astype(dtype)
        eager_p, compiled_p = mg.tensor(p, requires_grad=True), mg.tensor(p, requires_grad=True)
        expected = loss_and_gradient(y, eager_p)
        got = step(y, compiled_p)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
        np.testing.assert_array_equal(compiled_p.grad.numpy(), eager_p.grad.numpy())
    assert step.traces == 1


def test_numpy_copies_of_traced_arrays_are_recorded_not_frozen():
    """np.array(t.data) inside a step is a numpy call like any other: replays
    compute it from their own data (it would otherwise be a stale constant)."""
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)

    def step(x):
        scale = np.array(x.data) + np.asarray(x.data) + np.ascontiguousarray(x.data)
        return (w * mg.tensor(scale)).sum()
    compiled = mg.compile(step)
    for i in range(4):
        x = mg.tensor(np.arange(3.0, dtype=np.float32) + i)
        assert compiled(x).item() == step(x).item()
    assert "np.array(x" in compiled.code
    from minigrad.compiler.trace import _ORIGINAL
    assert all(getattr(np, name) is fn for name, fn in _ORIGINAL.items())   # put back


LAYER_MODELS = {
    "batchnorm-dropout": (lambda: mg.nn.Sequential(
        mg.nn.Linear(6, 8, rng=0), mg.nn.BatchNorm1d(8), mg.nn.ReLU(), mg.nn.Dropout(0.3, rng=4),
        mg.nn.Linear(8, 1, rng=1)), lambda rng: rng.normal(size=(16, 6))),
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
def test_layers_replay_exactly_in_training_and_then_in_eval_mode(name):
    make, data = LAYER_MODELS[name]
    m1, m2 = make(), make()
    o1 = mg.optim.SGD(m1.parameters(), lr=0.1, momentum=0.9)
    o2 = mg.optim.SGD(m2.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = squared_output_step(m1, o1), mg.compile(squared_output_step(m2, o2))
    rng = np.random.default_rng(0)
    for i in range(5):
        raw = data(rng)
        x = mg.tensor(raw.astype(np.float32) if raw.dtype.kind == "f" else raw)
        np.testing.assert_array_equal(eager(x).numpy(), compiled(x).numpy())
        for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=k)
    m1.eval()
    m2.eval()
    x = mg.tensor(data(rng).astype(np.float32) if name != "embedding" else data(rng))
    np.testing.assert_array_equal(eager(x).numpy(), compiled(x).numpy())
    assert compiled.traces == 3


def test_replacing_a_layer_or_the_model_traces_again():
    model = mg.nn.Sequential(mg.nn.Linear(3, 2, rng=0), mg.nn.Linear(2, 1, rng=1))
    step = mg.compile(lambda x: model(x).sum())
    x = mg.ones(4, 3)
    step(x)
    model.layers[1] = mg.nn.Linear(2, 1, rng=5)          # a new layer in place of the old
    assert step(x).item() == model(x).sum().item()
    other = mg.nn.Sequential(mg.nn.Linear(3, 2, rng=7), mg.nn.Linear(2, 1, rng=8))
    globals()["_swapped_model"] = other

    def uses_global(x):
        return _swapped_model(x).sum()      # noqa: F821 - set just above
    step2 = mg.compile(uses_global)
    assert step2(x).item() == other(x).sum().item()
    globals()["_swapped_model"] = model
    assert step2(x).item() == model(x).sum().item()


def test_freezing_a_parameter_traces_again():
    model, opt, s = make("logistic", np.float64, "sgd", "torch")
    m1, o1, s1 = make("logistic", np.float64, "sgd", "torch")
    step = mg.compile(s)
    for i in range(3):
        if i == 2:
            model.bias.requires_grad_(False)
            m1.bias.requires_grad_(False)
        x, y = batch("logistic", np.float64, i)
        np.testing.assert_array_equal(s1(x, y).numpy(), step(x, y).numpy())
        np.testing.assert_array_equal(m1.bias.numpy(), model.bias.numpy())
        np.testing.assert_array_equal(m1.weight.numpy(), model.weight.numpy())


def test_values_kept_from_a_traced_call_are_plain_arrays_afterwards():
    kept = {}
    w = mg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        y = w * x
        kept["y"] = y
        return y.sum()
    mg.compile(step)(mg.tensor([3.0, 4.0]))
    y = kept["y"]
    assert y.tolist() == [3.0, 8.0] and float(y[1]) == 8.0 and bool((y > 0).numpy().all())
    assert "3." in repr(y) and [float(v) for v in y.numpy()] == [3.0, 8.0]
    import pickle
    assert pickle.loads(pickle.dumps(y.numpy())).tolist() == [3.0, 8.0]


def test_numpy_arrays_the_step_refers_to_are_read_afresh():
    features = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    w = mg.tensor([[0.5], [-1.0]], requires_grad=True)

    def step():
        return (mg.tensor(features) @ w).sum()
    compiled = mg.compile(step)
    assert compiled().item() == step().item()
    features[:] = [[5.0, 6.0], [7.0, 8.0]]          # new data, in place
    assert compiled().item() == step().item() == -8.0
    assert compiled.traces == 1


def test_a_loss_weight_changed_in_place_is_read_afresh():
    weight = mg.tensor([1.0, 2.0, 3.0])
    loss_fn = mg.nn.CrossEntropyLoss(weight=weight)
    logits = mg.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], requires_grad=True)
    step = mg.compile(lambda x, y: loss_fn(x, y))
    y = mg.tensor([0, 2])
    assert step(logits, y).item() == loss_fn(logits, y).item()
    weight.data[:] = [3.0, 1.0, 0.5]
    assert step(logits, y).item() == loss_fn(logits, y).item()


def test_arrays_in_a_dict_or_list_the_step_reads_are_read_afresh():
    data = {"x": np.ones((2, 2), np.float32)}
    scales = [np.float32(2.0) * np.ones(2, np.float32)]
    w = mg.tensor([1.0, -1.0], requires_grad=True)
    step = mg.compile(lambda: (mg.tensor(data["x"]) @ (w * mg.tensor(scales[0]))).sum())
    assert step().item() == 0.0
    data["x"][0, 0] = 5.0
    scales[0][1] = 3.0
    assert step().item() == (data["x"] @ (w.numpy() * scales[0])).sum()


def test_tensors_inside_a_container_argument_are_refused():
    step = mg.compile(lambda pair: (pair[0] * pair[1]).sum())
    with pytest.raises(TypeError, match="argument of its own"):
        step((mg.ones(2), mg.ones(2)))
    scaled = mg.compile(lambda x, k: (x * k).sum())
    assert [scaled(mg.ones(2), k).item() for k in (2.0, 3.0, 2.0)] == [4.0, 6.0, 4.0]
    assert scaled.traces == 2


def test_a_replayed_scalar_is_a_tensor_of_a_0d_array():
    w = mg.tensor(2.0, requires_grad=True)
    step = mg.compile(lambda x: (w * x).sum())
    for _ in range(2):
        out = step(mg.tensor(3.0))
        assert type(out.numpy()) is np.ndarray and out.shape == () and out.item() == 6.0


def test_a_refused_trace_leaves_every_array_as_it_was():
    model, opt, s = make("mlp", np.float32, "adam", "torch")
    s(*batch("mlp", np.float32, 0))            # Adam has state now

    def step(x, y):
        loss = s(x, y)
        if loss.item() > 100:                  # refused
            pass
        return loss
    with pytest.raises(TraceError):
        mg.compile(step)(*batch("mlp", np.float32, 1))
    from minigrad.compiler.trace import _ORIGINAL
    assert all(type(p.data) is np.ndarray and type(p.grad.data) is np.ndarray
               for p in model.parameters())
    assert all(type(v) is np.ndarray for st in opt.state.values() for v in st.values()
               if isinstance(v, np.ndarray))
    assert all(getattr(np, name) is fn for name, fn in _ORIGINAL.items())
    s(*batch("mlp", np.float32, 2))            # and eager training goes on


def test_a_step_keeps_a_bounded_number_of_traces():
    from minigrad.compiler.step import MAX_TRACES
    w = mg.tensor([1.0], requires_grad=True)
    step = mg.compile(lambda x: (w * x).sum())
    for n in range(1, MAX_TRACES + 5):
        assert step(mg.ones(n)).item() == n
    assert step.traces <= MAX_TRACES
