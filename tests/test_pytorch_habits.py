"""What a PyTorch script's first screen types, side by side with live PyTorch:
constructors, dtype names, the CPU device, out=, nn.Module's housekeeping,
containers, BatchNorm2d, the newer activations, optimizer reprs and
mg.utils.data (issue 20)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def same(t, tt, **tol):
    """minigrad tensor ``t`` equals torch tensor ``tt``: shape, dtype, values."""
    want = tt.detach().numpy()
    assert t.shape == want.shape and t.dtype == want.dtype, (t.shape, t.dtype, want.shape, want.dtype)
    if tol:
        np.testing.assert_allclose(t.numpy(), want, **tol)
    else:
        np.testing.assert_array_equal(t.numpy(), want)


# ------------------------------------------------------------ constructors

@pytest.mark.parametrize("call", [
    lambda m: m.zeros(2, 3), lambda m: m.zeros((2, 3)), lambda m: m.zeros([4]),
    lambda m: m.ones(2, 3), lambda m: m.ones((3,), dtype=m.float64),
    lambda m: m.zeros(2, dtype=m.long), lambda m: m.ones(2, dtype=m.bool),
    lambda m: m.full((2, 2), 7), lambda m: m.full((2, 2), 0.5), lambda m: m.full((2,), True),
    lambda m: m.full((2,), 3, dtype=m.float), lambda m: m.eye(3), lambda m: m.eye(2, 4),
    lambda m: m.eye(3, dtype=m.int64), lambda m: m.arange(5), lambda m: m.arange(1, 7, 2),
    lambda m: m.arange(0, 1, 0.1), lambda m: m.arange(5.0), lambda m: m.arange(10, 0, -3),
    lambda m: m.arange(0, 5, dtype=m.float64), lambda m: m.linspace(0, 1, 5),
    lambda m: m.linspace(-3, 10, 7), lambda m: m.linspace(2, 2, 1),
    lambda m: m.linspace(0, 1, 11, dtype=m.float64), lambda m: m.empty(2, 3).shape,
    lambda m: m.zeros_like(m.ones(2, 3, dtype=m.float64)), lambda m: m.ones_like(m.arange(3)),
    lambda m: m.full_like(m.ones(2), 4), lambda m: m.full_like(m.arange(3), 2.7),
    lambda m: m.zeros_like(m.arange(3), dtype=m.float32),
], ids=lambda c: None)
def test_constructors_match_torch(call):
    got, want = call(mg), call(torch)
    if isinstance(want, tuple):          # torch.Size of empty(): only the shape is defined
        assert tuple(got) == tuple(want)
        return
    same(got, want, rtol=0, atol=1e-6) if want.dtype.is_floating_point else same(got, want)


def test_random_constructors_dtypes_shapes_and_seed():
    for make in (mg.rand, mg.randn):
        assert make(2, 3).shape == make((2, 3)).shape == (2, 3)
        assert make(2).dtype == torch.rand(2).numpy().dtype
        assert make(2, dtype=mg.float64).dtype == np.float64
        mg.manual_seed(7)
        a = make(4)
        mg.manual_seed(7)
        assert np.array_equal(make(4).numpy(), a.numpy())
        with pytest.raises(RuntimeError, match="floating-point"):
            make(2, dtype=mg.long)
    u = mg.rand(1000, rng=0).numpy()
    assert u.min() >= 0 and u.max() < 1
    r = mg.randint(3, 9, (500,), rng=0)
    assert r.dtype == torch.randint(3, 9, (5,)).numpy().dtype
    assert r.numpy().min() == 3 and r.numpy().max() == 8
    assert mg.randint(4, (2, 3)).shape == (2, 3)
    mg.manual_seed(3)
    a = mg.randint(0, 10, (6,))
    mg.manual_seed(3)
    assert np.array_equal(mg.randint(0, 10, (6,)).numpy(), a.numpy())
    x = mg.ones(2, 3, dtype=mg.float64)
    assert mg.rand_like(x).dtype == mg.randn_like(x).dtype == np.float64
    assert mg.rand_like(x).shape == (2, 3)
    with pytest.raises(RuntimeError, match="floating-point"):
        mg.randn_like(mg.arange(3))
    assert mg.randn(2, requires_grad=True).requires_grad


def test_constructor_errors_are_clear():
    with pytest.raises(TypeError, match="sizes are integers"):
        mg.zeros(2.5)
    with pytest.raises(RuntimeError, match="negative"):
        mg.ones(-1)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        mg.arange(0, 3, 0)
    with pytest.raises(RuntimeError, match="low .* below high"):
        mg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="only floating-point"):
        mg.zeros(2, dtype=mg.long, requires_grad=True)


# ---------------------------------------------------- dtype names, device

def test_dtype_names_are_accepted_wherever_a_dtype_is():
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert mg.tensor([1, 2], dtype=mg.long).dtype == np.int64
    assert mg.tensor([1.0], dtype=mg.double).dtype == np.float64
    assert mg.tensor([1.0]).dtype == mg.float32
    assert mg.ones(2).to(mg.bool).dtype == np.bool_
    assert mg.ones(2).astype(mg.float).dtype == np.float32
    assert nn.Linear(2, 2, dtype=mg.double).weight.dtype == np.float64


def test_cpu_device_and_other_devices_refused():
    device = "cuda" if mg.cuda.is_available() else "cpu"
    assert device == "cpu" and mg.cuda.device_count() == 0
    current = (mg.accelerator.current_accelerator().type if mg.accelerator.is_available()
               else "mps" if mg.backends.mps.is_available() else "cpu")
    assert current == "cpu"
    d = mg.device(device)
    assert repr(d) == repr(torch.device("cpu")) and str(d) == str(torch.device("cpu"))
    assert d == "cpu" and d == mg.device("cpu") and mg.device(d) == d
    assert mg.tensor([1.0], device=d).device == d
    t = mg.ones(2, device=device)
    assert t.device == d and str(t.device) == str(torch.ones(2).device)
    assert t.to(device) is t and t.to(d) is t and t.cpu() is t
    assert t.to("cpu", mg.float64).dtype == np.float64
    assert t.to(device=d, dtype=mg.float64).dtype == np.float64
    assert t.to(mg.ones(1, dtype=mg.float64)).dtype == np.float64
    for bad in ("cuda", "cuda:0", "mps", "cpu:1"):
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
            mg.device(bad)
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
            t.to(bad)
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
            mg.zeros(2, device=bad)
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
            mg.tensor([1.0], device=bad)
        with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
            nn.Linear(2, 2).to(bad)


def test_to_and_type_keep_the_graph_for_float_casts():
    x = mg.tensor([1.5, -2.0], requires_grad=True)
    y = x.to(mg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    tx = torch.tensor([1.5, -2.0], requires_grad=True)
    (tx.to(torch.float64) ** 2).sum().backward()
    same(x.grad, tx.grad)
    assert mg.ones(1).type() == "minigrad.FloatTensor"
    assert mg.ones(1, dtype=mg.long).type() == "minigrad.LongTensor"
    same(mg.tensor([1.7, -1.7]).type(mg.long), torch.tensor([1.7, -1.7]).type(torch.long))


# --------------------------------------------------------------------- out=

def test_out_writes_in_place_as_torch():
    buf, tbuf = mg.zeros(2, 2), torch.zeros(2, 2)
    a, b = mg.ones(2, 1), mg.full((2, 1), 2.0)
    ta, tb = torch.ones(2, 1), torch.full((2, 1), 2.0)
    assert mg.cat([a, b], dim=1, out=buf) is buf
    torch.cat([ta, tb], dim=1, out=tbuf)
    same(buf, tbuf)
    view = buf.numpy()
    mg.stack([a[:, 0], b[:, 0]], dim=0, out=buf)
    assert view[1, 0] == 2.0                            # the same memory, changed
    for name, args in [("tril", (np.ones((3, 3), np.float32),)),
                       ("triu", (np.ones((3, 3), np.float32), 1)),
                       ("outer", (np.arange(3, dtype=np.float32), np.arange(2, dtype=np.float32)))]:
        out, tout = mg.zeros(0), torch.zeros(0)          # resized, as torch
        getattr(mg, name)(*[mg.tensor(a) if isinstance(a, np.ndarray) else a for a in args],
                          out=out)
        getattr(torch, name)(*[torch.tensor(a) if isinstance(a, np.ndarray) else a
                               for a in args], out=tout)
        same(out, tout)
    out = mg.zeros(3, dtype=mg.float64)
    assert mg.arange(3, out=out) is out
    same(out, torch.arange(3, out=torch.zeros(3, dtype=torch.float64)))
    with pytest.raises(RuntimeError, match="can't be cast"):
        mg.cat([mg.ones(2)], out=mg.zeros(2, dtype=mg.long))
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mg.cat([w * 2], out=mg.zeros(2))
    with mg.no_grad():
        mg.cat([w * 2], out=buf)


# ------------------------------------------------- functions: cat, checks

def test_cat_concat_stack_as_torch():
    xs = [np.arange(6.0).reshape(2, 3), np.ones((1, 3))]
    same(mg.cat([mg.tensor(x) for x in xs]), torch.cat([torch.tensor(x) for x in xs]))
    same(mg.concat([mg.tensor(x) for x in xs], 0), torch.concat([torch.tensor(x) for x in xs], 0))
    a = [mg.tensor(xs[0]), mg.tensor(xs[0])]
    ta = [torch.tensor(xs[0])] * 2
    for dim in (0, 1, 2, -1):
        same(mg.stack(a, dim=dim), torch.stack(ta, dim=dim))
        same(mg.stack(a, dim), torch.stack(ta, dim))
    with pytest.raises(TypeError, match="not both"):
        mg.stack(a, dim=0, axis=1)


def test_checks_as_torch():
    v = [1.0, float("nan"), float("inf"), -float("inf")]
    same(mg.isnan(mg.tensor(v)), torch.isnan(torch.tensor(v)))
    same(mg.isfinite(mg.tensor(v)), torch.isfinite(torch.tensor(v)))
    same(mg.tensor(v).isnan(), torch.tensor(v).isnan())
    for a, b, kw in [([1.0, 2.0], [1.0, 2.00001], {}), ([1.0], [1.1], {}),
                     ([1.0], [1.1], {"atol": 0.2}), ([float("nan")], [float("nan")], {}),
                     ([float("nan")], [float("nan")], {"equal_nan": True})]:
        got = mg.allclose(mg.tensor(a), mg.tensor(b), **kw)
        assert got is torch.allclose(torch.tensor(a), torch.tensor(b), **kw)
    assert mg.is_tensor(mg.ones(1)) and not mg.is_tensor(np.ones(1))
    assert mg.is_tensor(nn.Parameter([1.0]))


def test_einsum_accepts_a_list_and_refuses_bad_equations():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    same(mg.einsum("ij,jk", [mg.tensor(a), mg.tensor(b)]),
         torch.einsum("ij,jk", [torch.tensor(a), torch.tensor(b)]))
    with pytest.raises(ValueError, match="names 2 operands"):
        mg.einsum("ij,jk->ik", mg.tensor(a))
    with pytest.raises(ValueError, match="size 3 in one operand and 2"):
        mg.einsum("ij,jk->ik", mg.tensor(a), mg.tensor(a))
    with pytest.raises(ValueError, match="output subscripts"):
        mg.einsum("ij->iz", mg.tensor(a))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        mg.tril(mg.ones(3))


# ---------------------------------------------------------------- Module

def _net():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_module_to_double_float_cast_parameters_and_buffers_in_place():
    net = _net()
    w = net[0].weight
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    net(mg.randn(5, 3)).sum().backward()
    assert net.double() is net and net.to("cpu") is net
    assert net[0].weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    bn = net[1]
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64            # not floating: kept, as torch
    opt.step()                                                  # the optimizer still holds w
    assert net(mg.randn(5, 3, dtype=mg.float64)).dtype == np.float64
    net.float()
    assert w.dtype == np.float32 and bn.running_var.dtype == np.float32
    assert net.to(mg.device("cpu"), mg.float64) is net and w.dtype == np.float64
    tnet = torch.nn.BatchNorm1d(2).double()
    assert str(tnet.num_batches_tracked.dtype) == "torch.int64"


def test_requires_grad_apply_add_module_register_parameter():
    net = _net()
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    net[3].requires_grad_()
    assert [p.requires_grad for p in net.parameters()] == [False] * 4 + [True] * 2
    seen, tseen = [], []
    net.apply(lambda m: seen.append(type(m).__name__))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                               torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tnet.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
    net.apply(init)
    assert not net[0].bias.numpy().any()

    m, tm = nn.Module(), torch.nn.Module()
    for mod in (m, tm):
        lib = nn if mod is m else torch.nn
        mod.add_module("body", lib.Sequential(lib.Linear(2, 3), lib.Tanh()))
        mod.register_parameter("scale", lib.Parameter(mg.ones(3) if mod is m else torch.ones(3)))
        mod.register_buffer("count", mg.zeros(1) if mod is m else torch.zeros(1))
        mod.add_module("nothing", None)
        mod.register_parameter("none", None)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(m.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in m.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [type(c).__name__ for c in m.children()] == [type(c).__name__ for c in tm.children()]
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("w", mg.ones(2))
    with pytest.raises(TypeError, match="Module or None"):
        m.add_module("f", lambda x: x)
    with pytest.raises(KeyError, match="without '.'"):
        m.add_module("a.b", nn.ReLU())


def test_module_list_and_dict_as_torch():
    class Net:
        def __init__(self, lib):
            torch.manual_seed(0)
            self.lib = lib

        def build(self):
            lib = self.lib
            layers = lib.ModuleList([lib.Linear(2, 3), lib.Linear(3, 3)])
            layers.append(lib.Linear(3, 1))
            layers.extend([lib.ReLU()])
            layers.insert(0, lib.Identity())
            heads = lib.ModuleDict({"a": lib.Linear(1, 1)})
            heads["b"] = lib.Linear(1, 2)
            holder = lib.Module()
            holder.layers, holder.heads = layers, heads
            return holder

    m, tm = Net(nn).build(), Net(torch.nn).build()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [(n, tuple(p.shape)) for n, p in m.state_dict().items()] == \
        [(n, tuple(p.shape)) for n, p in tm.state_dict().items()]
    assert len(m.layers) == len(tm.layers) == 5 and list(m.heads) == list(tm.heads)
    assert repr(m.layers) == repr(tm.layers)
    assert isinstance(m.layers[1:], nn.ModuleList) and len(m.layers[1:]) == 4
    assert "a" in m.heads and list(m.heads.keys()) == ["a", "b"]
    assert m.heads.pop("a") is not None and list(m.heads) == ["b"]
    with pytest.raises(TypeError, match="holds Modules"):
        m.layers.append(3)
    with pytest.raises(NotImplementedError, match="no forward"):
        m.layers(mg.ones(1))


def test_identity_and_unflatten_as_torch():
    x = np.arange(24.0).reshape(2, 12)
    for args in [(1, (3, 4)), (1, (2, -1)), (-1, (4, 3)), (0, (1, 2))]:
        same(nn.Unflatten(*args)(mg.tensor(x)), torch.nn.Unflatten(*args)(torch.tensor(x)))
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    with pytest.raises(ValueError, match="cannot become"):
        nn.Unflatten(1, (5, 2))(mg.tensor(x))
    assert repr(nn.Identity()) == repr(torch.nn.Identity())


# -------------------------------------------------------------- BatchNorm2d

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kw", [{}, {"momentum": None}, {"momentum": 0.3, "eps": 1e-3},
                                {"affine": False}, {"track_running_stats": False}])
def test_batchnorm2d_matches_torch(dtype, kw):
    rng = np.random.default_rng(0)
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    bn = nn.BatchNorm2d(3, dtype=dtype, **kw)
    tbn = torch.nn.BatchNorm2d(3, dtype=TORCH_DTYPE[dtype], **kw)
    assert repr(bn) == repr(tbn)
    assert list(bn.state_dict()) == list(tbn.state_dict())
    if kw.get("affine", True):
        w = rng.uniform(0.5, 2, 3).astype(dtype)
        with mg.no_grad(), torch.no_grad():
            bn.weight.data = w.copy()
            tbn.weight.copy_(torch.tensor(w))
    for step in range(3):
        x = (rng.standard_normal((4, 3, 5, 2)) * 2 + 1).astype(dtype)
        g = rng.standard_normal(x.shape).astype(dtype)
        xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = bn(xm), tbn(xt)
        same(y, ty, **tol)
        y.backward(g)
        ty.backward(torch.tensor(g))
        same(xm.grad, xt.grad, **tol)
        for name, p in bn.named_parameters():
            same(p.grad, dict(tbn.named_parameters())[name].grad, **tol)
        for name, b in bn.named_buffers():
            same(b, dict(tbn.named_buffers())[name], **tol)
    bn.eval()
    tbn.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype(dtype)
    same(bn(mg.tensor(x)), tbn(torch.tensor(x)), **tol)


def test_batchnorm_input_ranks():
    with pytest.raises(ValueError, match="BatchNorm2d expected 4D input"):
        nn.BatchNorm2d(3)(mg.ones(4, 3))
    with pytest.raises(ValueError, match="BatchNorm1d expected 2D or 3D input"):
        nn.BatchNorm1d(3)(mg.ones(4, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, ...\)"):
        nn.BatchNorm2d(3)(mg.ones(4, 2, 2, 2))


def test_batchnorm2d_gradcheck():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    x = mg.randn(3, 2, 2, 2, dtype=mg.float64, rng=0, requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
                        (x, bn.weight, bn.bias))
    assert mg.gradgradcheck(lambda x: bn(x), (x,))


# -------------------------------------------------------------- activations

ACTIVATIONS = [
    ("ELU", {}, "elu"), ("ELU", {"alpha": 0.5}, "elu"), ("SiLU", {}, "silu"),
    ("Softplus", {}, "softplus"), ("Softplus", {"beta": 2.0, "threshold": 5.0}, "softplus"),
    ("Hardtanh", {}, "hardtanh"), ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}, "hardtanh"),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("name,kw,fname", ACTIVATIONS, ids=lambda v: str(v))
def test_activations_match_torch(name, kw, fname, dtype):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-6, 6, 40), [0.0, -1.0, 1.0, -0.5, 2.0, 2.5, 30.0, -30.0,
                                                  800.0, -800.0]]).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    tol = dict(rtol=2e-6, atol=2e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    module, tmodule = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(module) == repr(tmodule)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for fn, tfn in [(module, tmodule),
                        (lambda t: getattr(F, fname)(t, **kw),
                         lambda t: getattr(torch.nn.functional, fname)(t, **kw))]:
            xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, ty = fn(xm), tfn(xt)
            same(y, ty, **tol)
            y.backward(g)
            ty.backward(torch.tensor(g))
            same(xm.grad, xt.grad, **tol)


@pytest.mark.parametrize("name,kw,fname", ACTIVATIONS, ids=lambda v: str(v))
def test_activations_gradcheck(name, kw, fname):
    rng = np.random.default_rng(2)
    x = rng.uniform(-4, 4, 20)
    x = x[np.abs(np.abs(x) - 1) > 0.05]                     # away from the kinks
    x = x[(np.abs(x) > 0.05) & (np.abs(x - 2.0) > 0.05) & (np.abs(x + 0.5) > 0.05)]
    t = mg.tensor(x, requires_grad=True)
    fn = getattr(nn, name)(**kw)
    assert mg.gradcheck(fn, (t,))
    assert mg.gradgradcheck(fn, (t,))


# ------------------------------------------------------------ reprs, data

def test_optimizer_repr_as_torch():
    w = mg.ones(2, requires_grad=True)
    tw = torch.ones(2, requires_grad=True)
    opt = mg.optim.SGD([{"params": [w]}, {"params": [mg.ones(1, requires_grad=True)],
                                           "lr": 0.5}], lr=0.1, momentum=0.9)
    topt = torch.optim.SGD([{"params": [tw]}, {"params": [torch.ones(1, requires_grad=True)],
                                               "lr": 0.5}], lr=0.1, momentum=0.9)
    ours, theirs = repr(opt).splitlines(), repr(topt).splitlines()
    assert ours[0] == theirs[0] == "SGD (" and ours[-1] == theirs[-1] == ")"
    assert [s for s in ours if s.startswith("Parameter Group")] == \
        [s for s in theirs if s.startswith("Parameter Group")]
    for line in ours[1:-1]:
        if line.startswith("    "):          # every option minigrad has, printed as torch's
            key, value = line.strip().split(": ")
            assert any(t.strip().split(": ")[0] == key for t in theirs), key
    assert "    lr: 0.5" in ours and "    momentum: 0.9" in ours
    group0 = ours[2:ours.index("Parameter Group 1")]
    assert group0 == sorted(group0)
    assert repr(mg.optim.Adam([w])).startswith("Adam (\nParameter Group 0\n    amsgrad: False")


def test_utils_data_is_pytorchs_path():
    from minigrad.utils.data import DataLoader, Dataset, TensorDataset
    assert DataLoader is mg.data.DataLoader and TensorDataset is mg.data.TensorDataset
    assert mg.utils.data.Dataset is Dataset

    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full(2, i, np.float32), i % 2

    batches = list(DataLoader(Pairs(), batch_size=2))
    assert [tuple(x.shape) for x, _ in batches] == [(2, 2), (2, 2), (1, 2)]
    assert batches[0][1].tolist() == [0, 1]
    assert isinstance(TensorDataset(np.zeros((3, 1)), np.zeros(3)), Dataset)
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


def test_einsum_broadcasts_size_one_subscripts_as_numpy_and_torch_do():
    """A subscript (or a ``...`` dimension) of size 1 in one operand and more in
    another broadcasts in numpy and PyTorch; minigrad raised. The gradient of
    the broadcast operand sums back."""
    rng = np.random.default_rng(0)
    for eq, shapes in [("...j,...j->...", [(2, 1, 3), (1, 4, 3)]), ("ij,ij->ij", [(2, 1), (2, 3)]),
                       ("i...j,...j->i...", [(3, 2, 1, 5), (4, 5)]), ("...,...", [(2, 1), (3,)])]:
        arrs = [rng.standard_normal(s) for s in shapes]
        ts = [torch.tensor(a, requires_grad=True) for a in arrs]
        ms = [mg.tensor(a, requires_grad=True) for a in arrs]
        want, got = torch.einsum(eq, *ts), mg.einsum(eq, *ms)
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12)
        want.sum().backward(); got.sum().backward()
        for m, t in zip(ms, ts):
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="repeated"):
        mg.einsum("ii->i", mg.ones(1, 3))
