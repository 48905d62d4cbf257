"""mg.compile(step, backend="numba"): fused loops that agree with eager.

The fused backend computes each elementwise op in numpy's dtype with the same
operation, but sums in another order (and float32 sums in float64), and
numba's transcendental functions may differ from numpy's by an ulp or two.
So a training run agrees with eager to a relative tolerance, not bit for bit:
1e-9 in float64 and 2e-4 in float32, after 25 steps, measured against the
largest value of each array.
"""
import collections
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg

numba = pytest.importorskip("numba")

TOLERANCE = {np.float64: 1e-9, np.float32: 2e-4}
STEPS = 25


def close(got, want, dtype, what=""):
    want = np.asarray(want, dtype=np.float64)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * max(1.0, np.abs(want).max()),
                               err_msg=what)


def world(kind, dtype):
    """A model, its Adam or SGD optimizer, and a training step on a batch."""
    nn = mg.nn
    if kind == "logistic":
        model, loss_fn = nn.Linear(20, 1, rng=0, dtype=dtype), nn.BCEWithLogitsLoss()
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
    elif kind == "softmax":
        model, loss_fn = nn.Linear(20, 5, rng=0, dtype=dtype), nn.CrossEntropyLoss()
        opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    elif kind == "mlp":
        model = nn.Sequential(nn.Linear(20, 16, rng=0, dtype=dtype), nn.ReLU(),
                              nn.Linear(16, 16, rng=1, dtype=dtype), nn.Tanh(),
                              nn.Linear(16, 1, rng=2, dtype=dtype))
        loss_fn = nn.BCEWithLogitsLoss()
        opt = mg.optim.Adam(model.parameters(), lr=0.01)
    else:
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, rng=0, dtype=dtype), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3, rng=1, dtype=dtype))
        loss_fn = nn.CrossEntropyLoss()
        opt = mg.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def batch(kind, dtype, i):
    rng = np.random.default_rng(100 + i)
    if kind == "cnn":
        return rng.normal(size=(8, 1, 8, 8)).astype(dtype), rng.integers(0, 3, size=8)
    x = rng.normal(size=(32, 20)).astype(dtype)
    if kind == "softmax":
        return x, rng.integers(0, 5, size=32)
    return x, (rng.random((32, 1)) > 0.5).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["logistic", "softmax", "mlp", "cnn"])
def test_fused_training_agrees_with_eager(kind, dtype):
    m1, o1, eager = world(kind, dtype)
    m2, o2, fn = world(kind, dtype)
    step = mg.compile(fn, backend="numba")
    for i in range(STEPS):
        x, y = batch(kind, dtype, i)
        want = eager(mg.tensor(x), mg.tensor(y))
        got = step(mg.tensor(x), mg.tensor(y))
        assert got.dtype == want.dtype
        close(got.numpy(), want.numpy(), dtype, f"loss at step {i}")
    for (name, p1), p2 in zip(m1.named_parameters(), m2.parameters()):
        assert p2.dtype == p1.dtype and p2.grad.dtype == p1.grad.dtype
        close(p2.numpy(), p1.numpy(), dtype, name)
        close(p2.grad.numpy(), p1.grad.numpy(), dtype, f"grad of {name}")
        for k, v in o1.state[p1].items():
            if isinstance(v, np.ndarray):
                assert o2.state[p2][k].dtype == v.dtype
                close(o2.state[p2][k], v, dtype, f"{k} of {name}")
    assert step.breaks == []
    assert step.code.count("@njit(cache=True") >= 2        # the backward and the update fused


def test_code_shows_one_loop_per_fused_group_with_the_numpy_backends_names():
    _, _, fn = world("logistic", np.float64)
    fused = mg.compile(fn, backend="numba")
    _, _, fn2 = world("logistic", np.float64)
    plain = mg.compile(fn2)
    for i in range(2):
        fused(*map(mg.tensor, batch("logistic", np.float64, i)))
        plain(*map(mg.tensor, batch("logistic", np.float64, i)))
    code = fused.code
    assert "def backward(" in code and "def sgd_update(" in code
    assert "def backward_1(" in code and "def sgd_update_1(" in code
    assert "for i0 in range(n0):" in code           # the batch's loop
    assert "np.expm1(log_sigmoid_loss_fn[i0, i1])" in code
    assert "model_weight[i0, i1] = model_weight_new" in code     # the update, in place
    assert "np.matmul(" in code                                   # products stay numpy's
    for name in ("grad_add_model", "grad_model_weight", "log_sigmoid_loss_fn"):
        assert name in code and name in plain.code
    assert "fastmath" not in code


def test_float32_work_stays_float32():
    _, _, fn = world("mlp", np.float32)
    step = mg.compile(fn, backend="numba")
    step(*map(mg.tensor, batch("mlp", np.float32, 0)))
    code = step.code
    assert "np.float64(" not in code.split("def adam_update_1")[1].split("def adam_update(")[0]
    assert "np.float32(one_minus_beta1_linear0_weight)" in code     # a Python float, as float32


def test_a_pass_numba_cannot_compile_runs_as_numpy_code_and_says_so(monkeypatch):
    from minigrad.compiler import fused

    def refuse(dispatcher, types):
        raise RuntimeError("no")
    monkeypatch.setattr(fused, "_compile", refuse)
    monkeypatch.setattr(fused, "_kernels", collections.OrderedDict())
    m1, _, eager = world("logistic", np.float32)
    m2, _, fn = world("logistic", np.float32)
    step = mg.compile(fn, backend="numba")
    for i in range(3):
        x, y = batch("logistic", np.float32, i)
        assert eager(mg.tensor(x), mg.tensor(y)).item() == step(mg.tensor(x), mg.tensor(y)).item()
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p1.numpy(), p2.numpy())        # the numpy code: exact
    assert len(step.breaks) == 2
    assert all("ran as numpy code, not fused: numba could not compile it" in b
               for b in step.breaks)
    assert "@njit" not in step.code


def test_without_numba_the_backend_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)
    with pytest.raises(ImportError, match=r'pip install "minigrad\[fast\]"'):
        mg.compile(lambda x: x, backend="numba")


PROGRAM = """
import sys
import numpy as np
import minigrad as mg
from minigrad.compiler import fused
model = mg.nn.Linear(7, 3, rng=0)
opt = mg.optim.Adam(model.parameters(), lr=0.01)
loss_fn = mg.nn.CrossEntropyLoss()
@mg.compile(backend="numba")
def step(x, y):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss
rng = np.random.default_rng(0)
for _ in range(3):
    step(mg.tensor(rng.normal(size=(11, 7)).astype(np.float32)), mg.tensor(rng.integers(0, 3, 11)))
assert step.breaks == [], step.breaks
s = fused.stats()
print(s["compiled"], s["cached"])
"""


def test_a_second_run_of_the_same_program_compiles_nothing(tmp_path):
    env = dict(os.environ, MINIGRAD_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(mg.__file__))))

    def run():
        out = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return [int(n) for n in out.stdout.split()]
    compiled, cached = run()
    assert compiled >= 2 and cached == 0
    assert any(name.endswith(".py") for name in os.listdir(tmp_path))
    compiled, cached = run()
    assert compiled == 0 and cached >= 2


def test_the_readme_shows_the_fused_code(capsys):
    import re
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "README.md")
    with open(readme) as f:
        text = f.read().split("## See the gradient code", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:python)?\n(.*?)```", text, re.S)
    k = next(i for i, b in enumerate(blocks) if 'backend="numba"' in b)
    namespace = {}
    exec(compile(blocks[0].replace("print(step.code)", ""), "README", "exec"), namespace)
    capsys.readouterr()
    exec(compile(blocks[k], "README fused", "exec"), namespace)
    assert capsys.readouterr().out == blocks[k + 1]
    assert namespace["fused"].breaks == []
    assert "(sigmoid(z) - y) / 8" in text and "out_grad_add_model" in blocks[k + 1]
    flat = " ".join(text.split())
    from minigrad.compiler import fused
    assert f"On arrays of more than {fused.LARGE:,} elements" in flat
    tol = {k: f"{v:.0e}".replace("e-0", "e-") for k, v in TOLERANCE.items()}
    assert (f"for {STEPS} steps each and agree with eager to {tol[np.float64]} relative in "
            f"float64 and {tol[np.float32]} in float32") in flat


def test_large_loops_leave_libm_calls_and_innermost_sums_to_numpy():
    model = mg.nn.Linear(3, 1, rng=0, dtype=np.float32)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = mg.nn.BCEWithLogitsLoss()

    @mg.compile(backend="numba")
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    rng = np.random.default_rng(0)
    for n in (64, 20000):
        x = rng.normal(size=(n, 3)).astype(np.float32)
        y = (rng.random((n, 1)) > 0.5).astype(np.float32)
        step(mg.tensor(x), mg.tensor(y))
        backward = step.code.split("def backward(")[1]
        assert ("= np.expm1(log_sigmoid_loss_fn)" in backward) == (n > 16384)
        assert (".sum(axis=(0,), keepdims=True)" in backward) == (n > 16384)
    assert step.breaks == []


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_inf_and_signed_zeros_go_through_the_loops_as_eagerly(dtype):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 3e38], dtype=dtype)

    def build():
        w = mg.tensor(np.linspace(-1, 1, x.size).astype(dtype), requires_grad=True)

        def step(x):
            w.grad = None
            h = w * x
            loss = (mg.clamp(h, -1.0, 1.0) + mg.maximum(h, 0.5 * h).abs().sqrt()
                    + mg.where(h > 0, h * h, -h)).sum()
            loss.backward()
            return loss
        return w, step
    w1, eager = build()
    w2, fn = build()
    step = mg.compile(fn, backend="numba")
    with np.errstate(all="ignore"):
        for _ in range(2):
            want, got = eager(mg.tensor(x)), step(mg.tensor(x))
            np.testing.assert_array_equal(got.numpy(), want.numpy())      # nan, or the same
            np.testing.assert_allclose(w2.grad.numpy(), w1.grad.numpy(), rtol=TOLERANCE[dtype],
                                       equal_nan=True)
            assert np.array_equal(np.signbit(w2.grad.numpy()), np.signbit(w1.grad.numpy()))
    assert "@njit" in step.code and step.breaks == []


def test_an_unwritable_cache_dir_falls_back_to_a_temporary_one(tmp_path, monkeypatch):
    from minigrad.compiler import fused
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("MINIGRAD_CACHE_DIR", str(blocker / "cache"))
    d = fused.cache_dir()
    assert os.path.isdir(d) and os.access(d, os.W_OK) and not d.startswith(str(blocker))


@pytest.mark.parametrize("name", ["batchnorm-dropout", "layernorm-gelu", "leaky-sigmoid-tanh",
                                  "embedding"])
def test_layers_fused_agree_with_eager(name):
    from test_compile import LAYER_MODELS, squared_output_step
    make_model, draw = LAYER_MODELS[name]
    models = [make_model(), make_model()]
    opts = [mg.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in models]
    eager = squared_output_step(models[0], opts[0])
    step = mg.compile(squared_output_step(models[1], opts[1]), backend="numba")
    for i in range(6):
        raw = draw(np.random.default_rng(i))
        x = raw.astype(np.float32) if raw.dtype.kind == "f" else raw
        close(step(mg.tensor(x)).numpy(), eager(mg.tensor(x)).numpy(), np.float32, f"loss {i}")
    for (pname, p1), p2 in zip(models[0].named_parameters(), models[1].parameters()):
        close(p2.numpy(), p1.numpy(), np.float32, pname)
    assert step.breaks == [] and "@njit" in step.code


def test_a_backward_whose_fused_code_raises_runs_eagerly_and_says_so(monkeypatch):
    """A compiled backward pass writes nothing of the user's before it returns
    its gradients, so if its code raises (a numba dispatch error, say), the
    engine runs the pass instead: the call still gives eager's result."""
    from minigrad.compiler import step as compiled_step
    m1, _, eager = world("logistic", np.float64)
    m2, _, fn = world("logistic", np.float64)
    step = mg.compile(fn, backend="numba")
    run = compiled_step.CompiledPass.run

    def flaky(self, arrays, values):
        if self.name == "backward":
            raise TypeError("no matching definition for these argument types")
        return run(self, arrays, values)
    step(*map(mg.tensor, batch("logistic", np.float64, 0)))
    eager(*map(mg.tensor, batch("logistic", np.float64, 0)))
    monkeypatch.setattr(compiled_step.CompiledPass, "run", flaky)
    for i in range(1, 4):
        x, y = batch("logistic", np.float64, i)
        close(step(mg.tensor(x), mg.tensor(y)).numpy(), eager(mg.tensor(x), mg.tensor(y)).numpy(),
              np.float64)
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        close(p2.numpy(), p1.numpy(), np.float64)
    assert any("backward() ran eagerly: its compiled code raised TypeError" in b
               for b in step.breaks)


def test_the_process_keeps_a_bounded_number_of_kernels(monkeypatch):
    """Kernels whose code differs only in a number (a mean over a batch of n
    divides by n) are separate kernels; the process keeps at most
    MAX_KERNELS of them (and their modules), and a pass that holds an evicted
    one still runs right."""
    from minigrad.compiler import fused
    monkeypatch.setattr(fused, "MAX_KERNELS", 2)
    w = mg.tensor([0.5, -0.25, 2.0], requires_grad=True, dtype=mg.float64)
    w_eager = mg.tensor(w.numpy(), requires_grad=True, dtype=mg.float64)
    opt, opt_eager = mg.optim.SGD([w], lr=0.1), mg.optim.SGD([w_eager], lr=0.1)

    def fn(x, w, opt):
        opt.zero_grad()
        loss = ((x @ w).tanh() * (x @ w).exp()).mean()
        loss.backward()
        opt.step()
        return loss
    step = mg.compile(fn, backend="numba")
    for n in (5, 6, 7, 5, 8, 6):
        x = mg.tensor(np.linspace(-1, 1, 3 * n).reshape(n, 3))
        close(step(x, w, opt).numpy(), fn(x, w_eager, opt_eager).numpy(), np.float64)
        close(w.numpy(), w_eager.numpy(), np.float64)
        assert len(fused._modules) <= 2 and len({k[0] for k in fused._kernels}) <= 2
    assert sum(name.startswith("minigrad_fused_") for name in sys.modules) <= 2


def test_the_disk_cache_keeps_a_bounded_number_of_kernels(tmp_path, monkeypatch):
    """Every new kernel writes a file (and numba its compiled code); beyond
    MAX_DISK_KERNELS the least recently used go, never one in use."""
    from minigrad.compiler import fused
    monkeypatch.setenv("MINIGRAD_CACHE_DIR", str(tmp_path))
    for k in range(30):                         # old kernels from earlier programs
        (tmp_path / f"k_{k:024x}.py").write_text("# an old kernel\n")
        os.utime(tmp_path / f"k_{k:024x}.py", (1000 + k, 1000 + k))
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / f"k_{0:024x}.backward_1-5.py311.nbi").write_text("")
    monkeypatch.setattr(fused, "MAX_DISK_KERNELS", 10)
    monkeypatch.setattr(fused, "_modules", collections.OrderedDict())
    monkeypatch.setattr(fused, "_kernels", collections.OrderedDict())
    _, _, fn = world("logistic", np.float64)
    step = mg.compile(fn, backend="numba")
    step(*map(mg.tensor, batch("logistic", np.float64, 0)))
    names = {p.name for p in tmp_path.glob("k_*.py")}
    assert len(names) <= 10
    assert f"k_{0:024x}.py" not in names and f"k_{29:024x}.py" in names     # oldest went first
    assert not list((tmp_path / "__pycache__").glob(f"k_{0:024x}.*"))
    loaded = {name[len("minigrad_fused_"):] for _, name in fused._modules.values()}
    assert loaded and all(f"k_{d}.py" in names for d in loaded)     # the step's own stay
    step(*map(mg.tensor, batch("logistic", np.float64, 1)))      # and it still runs
    assert step.breaks == []


def _pool_step(pool, dtype):
    """A conv and a pooling layer, trained by SGD on the mean squared output:
    the pool's backward folds window gradients back into the image."""
    from test_compile import squared_output_step
    nn = mg.nn
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, rng=0, dtype=dtype), nn.ReLU(), pool,
                          nn.Flatten())
    return model, squared_output_step(model, mg.optim.SGD(model.parameters(), lr=0.1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("pool", ["max 2", "max 2 stride 1", "avg 3 stride 1", "avg 2"])
def test_pooling_backward_fuses_its_window_adds_and_agrees(pool, dtype):
    """The pool's backward adds each window position's gradients into the
    image (``x[win] += cols``: numpy's strided adds were most of the CNN
    benchmark's backward).  Those adds, and the stores of ``+=`` that change
    nothing, now run in the kernel; where windows overlap (stride 1), each
    add is a loop of its own (see test_loops_share_no_element_one_writes)."""
    nn = mg.nn
    kind, k, *rest = pool.split()
    stride = int(rest[-1]) if rest else None
    make = (lambda: nn.MaxPool2d(int(k), stride)) if kind == "max" else \
        (lambda: nn.AvgPool2d(int(k), stride))
    (m1, eager), (m2, fn) = _pool_step(make(), dtype), _pool_step(make(), dtype)
    step = mg.compile(fn, backend="numba")
    rng = np.random.default_rng(5)
    for i in range(4):
        x = rng.normal(size=(4, 1, 8, 8)).astype(dtype)
        close(step(mg.tensor(x)).numpy(), eager(mg.tensor(x)).numpy(), dtype, f"loss {i}")
    for (name, p1), p2 in zip(m1.named_parameters(), m2.parameters()):
        close(p2.grad.numpy(), p1.grad.numpy(), dtype, f"grad of {name}")
        close(p2.numpy(), p1.numpy(), dtype, name)
    assert step.breaks == []
    driver = step.code.split("\ndef backward(", 1)[1].split("\n\n")[0]
    stored = re.findall(r"^ *(\w+)\[.*\] = ", driver, re.M)      # the conv pads its input
    assert "= np.add(" not in driver and not [a for a in stored if "unfold" in a], driver
    assert "put_along_axis" not in driver       # max pooling's scatter: a loop of the kernel


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_put_along_axis_is_a_loop_that_writes_numpys_elements(dtype):
    """``np.put_along_axis`` (max pooling's backward sends each window's
    gradient to its maximum) runs as a loop over the indices: the very
    elements numpy writes, negative indices counted from the end, and an
    index out of range raises IndexError as numpy's call does."""
    from minigrad.compiler.step import CompiledPass
    from minigrad.compiler.trace import Recorder
    rng = np.random.default_rng(0)
    values = rng.normal(size=(2, 3, 1, 5)).astype(dtype)
    index = rng.integers(-4, 4, size=(2, 3, 1, 5))

    def pick(v, i):
        z = np.zeros_like(v, shape=(2, 3, 4, 5))
        np.put_along_axis(z, i, v * dtype(2), 2)
        return z + dtype(1)
    rec = Recorder("backward")
    with rec.active():
        out = pick(rec.traced(values.copy(), "v"), rec.traced(index.copy(), "i"))
    fused = CompiledPass("pick", rec, [out._var], {}, [], "numba")
    kernels, driver = fused.source.split("\ndef pick(")
    assert "put_along_axis" not in driver and "] = " in kernels
    for i in (index, rng.integers(-4, 4, size=index.shape), np.zeros_like(index)):
        got, want = fused.run([values, i], [])[0], pick(values, i)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    for bad in (4, -5):
        i = index.copy()
        i[1, 2, 0, 3] = bad
        with pytest.raises(IndexError):
            pick(values, i)
        with pytest.raises(IndexError, match="out of bounds for axis 2"):
            fused.run([values, i], [])


def test_loops_share_no_element_one_writes():
    """One loop may write an array and read another view of its memory only
    where no element one iteration writes is another's to read: the very
    same elements, or views that interleave without sharing one (tiled
    windows).  Shifted views (overlapping windows) share elements: numpy
    finishes one op before the next reads, a joint loop would not."""
    from minigrad.compiler.fused import _overlap
    a = np.zeros((8, 8))
    assert _overlap(a[:, 0:7], a[:, 1:8], (8, 7))                 # shifted by one
    assert not _overlap(a[:, 0::2], a[:, 1::2], (8, 4))           # interleaved
    assert not _overlap(a[:, 0:4], a[:, 0:4], (8, 4))             # the same elements
    assert not _overlap(a[:4], a[4:], (4, 8))                     # apart
    assert _overlap(a[:4], a[:4].T, (4, 4))                       # the same memory, transposed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_maximum_and_minimum_give_numpys_signed_zeros_and_nans(dtype):
    """numpy's maximum(a, b) is b where a == b (maximum(-0.0, 0.0) is 0.0);
    numba's np.maximum on two numbers gives a."""
    from minigrad.compiler.step import CompiledPass
    from minigrad.compiler.trace import Recorder
    a = np.array([-0.0, 0.0, np.nan, 1.0, -1.0, 2.0], dtype=dtype)
    b = np.array([0.0, -0.0, 1.0, np.nan, -1.0, -3.0], dtype=dtype)

    def pass_of(x, y):
        return np.maximum(x, y) * 1.0, np.minimum(x, y) * 1.0
    rec = Recorder("backward")
    with rec.active():
        outs = pass_of(rec.traced(a.copy(), "a"), rec.traced(b.copy(), "b"))
    fused = CompiledPass("maxmin", rec, [v._var for v in outs], {}, [], "numba")
    assert "@njit" in fused.source
    for got, want in zip(fused.run([a, b], []), pass_of(a, b)):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (got, want)


def test_numpys_floating_point_errors_raise_in_a_fused_pass_as_eagerly():
    """Under ``np.errstate(over="raise")`` the eager update raises at the
    overflow; numba's loops raise nothing: the fused pass runs its numpy code
    then, so the call raises and the state after it is the eager one."""
    def build():
        ws = [mg.tensor(np.ones(3, np.float32), requires_grad=True) for _ in range(3)]
        opt = mg.optim.Adam(ws, lr=0.1)

        def step(scale):
            opt.zero_grad()
            (ws[0].sum() + (ws[1] * scale).sum() + ws[2].sum()).backward()
            with np.errstate(over="raise"):
                opt.step()
        return ws, opt, step
    (w1, o1, eager), (w2, o2, fn) = build(), build()
    step = mg.compile(fn, backend="numba")
    for i, scale in enumerate([1.0, 1.0, 1e30, 1.0, 1.0]):
        raised = []
        for f in (eager, step):
            try:
                f(scale)
                raised.append(None)
            except FloatingPointError as e:
                raised.append(str(e))
        assert raised[0] == raised[1], (i, raised)
        assert [o1.state[p]["step"] for p in w1] == [o2.state[p]["step"] for p in w2]
        for p, q in zip(w1, w2):
            close(q.numpy(), p.numpy(), np.float32, f"call {i}")
    assert "@njit" in step.code


def test_a_numpy_float32_number_in_a_fused_loop_stays_float32():
    """``g * np.float32(0.1)`` is a float32 product in numpy; as a bare
    literal in numba it was a float64 one (the chain then off by an ulp)."""
    from minigrad.compiler.step import CompiledPass
    from minigrad.compiler.trace import Recorder
    rng = np.random.default_rng(0)
    g, x = (rng.normal(size=1000).astype(np.float32) for _ in range(2))

    def chain(g, x):
        return (g * np.float32(0.1)) * x + np.float32(1.0)
    rec = Recorder("backward")
    with rec.active():
        out = chain(rec.traced(g.copy(), "g"), rec.traced(x.copy(), "x"))
    fused = CompiledPass("chain", rec, [out._var], {}, [], "numba")
    assert "@njit" in fused.source
    got, want = fused.run([g, x], [])[0], chain(g, x)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()    # + and *: numpy's bits


def test_a_large_sum_of_an_array_made_before_the_loop_is_numpys_call():
    """A sum fuses into the loop that makes its input; a large sum of an
    array made before (the conv's bias gradient) gains nothing there and
    adds one element at a time: it stays numpy's call, with numpy's bits."""
    from minigrad.compiler.step import CompiledPass
    from minigrad.compiler.trace import Recorder
    rng = np.random.default_rng(0)
    g, x, y = (rng.normal(size=(n, 100)).astype(np.float32) for n in (300, 300, 400))

    def sums(g, x, y):
        return (g * x + np.float32(1)).sum(axis=0), y.sum(axis=0)
    rec = Recorder("backward")
    with rec.active():
        outs = sums(*(rec.traced(a.copy(), n) for a, n in ((g, "g"), (x, "x"), (y, "y"))))
    fused = CompiledPass("sums", rec, [v._var for v in outs], {}, [], "numba")
    kernels, driver = fused.source.split("\ndef sums(")
    assert kernels.count("acc_sum = np.zeros") == 1 and "= y.sum(axis=0)" in driver, fused.source
    got, want = fused.run([g, x, y], []), sums(g, x, y)
    assert [a.tobytes() for a in got[1:]] == [a.tobytes() for a in want[1:]]
    np.testing.assert_allclose(got[0], want[0], rtol=2e-5, atol=1e-4)
