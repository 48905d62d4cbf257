"""The layers of issue 12 against PyTorch in float64: forward values, input
and parameter gradients (rtol 1e-10), train and eval modes, running
statistics, state_dict round trips, gradchecks, init statistics, clipping."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-10, atol=1e-12)


def _to_torch(mg_module, t_module):
    """Load minigrad's state_dict into the torch module (same names) in float64."""
    t_module.double()
    sd = {k: torch.tensor(v) for k, v in mg_module.state_dict().items()}
    t_module.load_state_dict(sd)
    assert list(sd) == list(t_module.state_dict())
    return t_module


def _parity(m, tm, x, train=True, grad_input=True):
    """Forward, input gradient and parameter gradients of m and tm agree."""
    m.train(train)
    tm.train(train)
    xm = mg.tensor(x, requires_grad=grad_input) if x.dtype.kind == "f" else x
    xt = torch.tensor(x, requires_grad=grad_input) if x.dtype.kind == "f" else torch.tensor(x)
    y, yt = m(xm), tm(xt)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOL)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    if grad_input and x.dtype.kind == "f":
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **TOL)
    tparams = dict(tm.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), **TOL,
                                   err_msg=name)
    return y, yt


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ------------------------------------------------------------------- parity

@pytest.mark.parametrize("cin,cout,k,stride,padding,hw", [
    (1, 1, 3, 1, 0, (5, 5)), (3, 4, 3, 1, 1, (6, 7)), (2, 5, 3, 2, 1, (9, 8)),
    (3, 2, (2, 3), (2, 1), (0, 2), (7, 6)), (2, 3, 1, 1, 0, (4, 4)), (1, 2, 5, 3, 2, (11, 10)),
])
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(cin, cout, k, stride, padding, hw, bias):
    m = mg.nn.Conv2d(cin, cout, k, stride, padding, bias=bias, rng=0, dtype="float64")
    tm = _to_torch(m, torch.nn.Conv2d(cin, cout, k, stride, padding, bias=bias))
    _parity(m, tm, _x(2, cin, *hw))


def test_conv2d_initialisation_is_pytorchs():
    m = mg.nn.Conv2d(4, 16, 3, rng=0, dtype="float64")
    bound = 1 / math.sqrt(4 * 9)
    for p in (m.weight, m.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(m.weight.numpy()).max() > 0.98 * bound          # 576 draws fill U(-k, k)
    mg.manual_seed(3)
    a = mg.nn.Conv2d(2, 3, 2).weight.numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.nn.Conv2d(2, 3, 2).weight.numpy(), a)


@pytest.mark.parametrize("k,stride", [(2, None), (3, 1), ((2, 3), (1, 2)), (3, 2)])
def test_max_pool2d_matches_torch(k, stride):
    _parity(mg.nn.MaxPool2d(k, stride), torch.nn.MaxPool2d(k, stride), _x(2, 3, 7, 8))


def test_max_pool2d_ties_go_to_the_first_maximum_as_torch():
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]]])
    _parity(mg.nn.MaxPool2d(2, 1), torch.nn.MaxPool2d(2, 1), x)
    _parity(mg.nn.MaxPool2d(2, 1), torch.nn.MaxPool2d(2, 1), np.zeros((2, 2, 4, 4)))


@pytest.mark.parametrize("k,stride,padding", [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0))])
def test_avg_pool2d_matches_torch(k, stride, padding):
    _parity(mg.nn.AvgPool2d(k, stride, padding), torch.nn.AvgPool2d(k, stride, padding),
            _x(2, 3, 7, 8))


@pytest.mark.parametrize("start,end,shape", [(1, -1, (2, 3, 4, 5)), (0, 1, (2, 3, 4)),
                                             (2, 3, (2, 3, 4, 5)), (0, -1, (3,))])
def test_flatten_matches_torch(start, end, shape):
    _parity(mg.nn.Flatten(start, end), torch.nn.Flatten(start, end), _x(*shape))


@pytest.mark.parametrize("make,tmake", [
    (lambda: mg.nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: mg.nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: mg.nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: mg.nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    (lambda: mg.nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    (lambda: mg.nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
    (lambda: mg.nn.LogSoftmax(dim=-1), lambda: torch.nn.LogSoftmax(dim=-1)),
], ids=["leaky", "leaky0.2", "gelu", "gelu_tanh", "softmax", "log_softmax0", "log_softmax-1"])
def test_activations_match_torch(make, tmake):
    x = _x(4, 5, 3) * 3
    x[0, 0, 0] = 0.0                     # leaky_relu's gradient at 0: the slope, as torch
    _parity(make(), tmake(), x)


def test_gelu_over_a_wide_range_matches_torch():
    x = np.linspace(-40, 40, 4001)
    _parity(mg.nn.GELU(), torch.nn.GELU(), x)


@pytest.mark.parametrize("shape", [(8, 3), (6, 4, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_batchnorm1d_matches_torch_over_steps_in_train_and_eval(shape, momentum):
    m = mg.nn.BatchNorm1d(shape[1], momentum=momentum, dtype="float64")
    tm = torch.nn.BatchNorm1d(shape[1], momentum=momentum).double()
    for step in range(4):
        m.zero_grad()
        tm.zero_grad()
        _parity(m, tm, _x(*shape, seed=step) * 2 + 1, train=True)
        for name, t in tm.state_dict().items():
            np.testing.assert_allclose(m.state_dict()[name], t.numpy(), **TOL, err_msg=name)
    assert int(m.num_batches_tracked.item()) == 4
    m.zero_grad()
    tm.zero_grad()
    _parity(m, tm, _x(*shape, seed=9), train=False)


def test_batchnorm1d_without_running_stats_normalises_with_the_batch():
    m = mg.nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype="float64")
    tm = torch.nn.BatchNorm1d(3, affine=False, track_running_stats=False).double()
    assert list(m.state_dict()) == list(tm.state_dict()) == []
    _parity(m, tm, _x(5, 3), train=False)


def test_batchnorm1d_refuses_one_value_per_channel_in_training():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        mg.nn.BatchNorm1d(3)(mg.ones(1, 3))


@pytest.mark.parametrize("normalized,shape", [(4, (3, 4)), ((3, 4), (2, 3, 4)), ([5], (5,))])
def test_layernorm_matches_torch(normalized, shape):
    m = mg.nn.LayerNorm(normalized, dtype="float64")
    tm = _to_torch(m, torch.nn.LayerNorm(normalized))
    with torch.no_grad():
        tm.weight.uniform_(0.5, 2)
        tm.bias.uniform_(-1, 1)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    _parity(m, tm, _x(*shape) * 3 + 2)


def test_embedding_matches_torch_with_repeated_indices():
    m = mg.nn.Embedding(7, 3, rng=0, dtype="float64")
    tm = _to_torch(m, torch.nn.Embedding(7, 3))
    _parity(m, tm, np.array([[1, 2, 1], [6, 0, 1]]), grad_input=False)
    with pytest.raises(IndexError, match=r"\[0, 7\)"):
        m(np.array([7]))
    with pytest.raises(TypeError, match="integer indices"):
        m(np.array([1.0]))


def test_embedding_initialisation_is_standard_normal():
    w = mg.nn.Embedding(400, 50, rng=0, dtype="float64").weight.numpy()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02


# ------------------------------------------------------------------ dropout

def test_dropout_in_eval_mode_is_the_identity():
    d = mg.nn.Dropout(0.7).eval()
    x = mg.tensor(_x(5, 4))
    assert d(x) is x or np.array_equal(d(x).numpy(), x.numpy())


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_scales_kept_values_and_drops_a_fraction_p(p):
    x = mg.tensor(_x(200, 300) + 5.0, requires_grad=True)
    y = mg.nn.Dropout(p, rng=1)(x)
    keep = y.numpy() != 0
    assert abs(1 - keep.mean() - p) < 0.01
    # the same mask through torch: torch's dropout is input * mask / (1 - p)
    xt = torch.tensor(x.numpy(), requires_grad=True)
    yt = xt * torch.tensor(keep.astype(np.float64)) / (1 - p)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), **TOL)
    g = _x(200, 300, seed=2)
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **TOL)


def test_dropout_draws_from_the_default_generator_or_its_own():
    mg.manual_seed(5)
    a = mg.nn.Dropout()(mg.ones(50)).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(mg.nn.Dropout()(mg.ones(50)).numpy(), a)
    np.testing.assert_array_equal(F.dropout(mg.ones(50), 0.5, rng=3).numpy(),
                                  F.dropout(mg.ones(50), 0.5, rng=3).numpy())
    assert np.all(F.dropout(mg.ones(5), 1.0).numpy() == 0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mg.nn.Dropout(1.5)


# --------------------------------------------------------------- gradchecks

def _t(*shape, seed=0, scale=1.0):
    return mg.tensor(_x(*shape, seed=seed) * scale, requires_grad=True)


def test_gradchecks_of_the_new_functions():
    assert mg.gradcheck(lambda x, w, b: mg.conv2d(x, w, b, stride=2, padding=1),
                        (_t(2, 2, 5, 4), _t(3, 2, 3, 2, seed=1), _t(3, seed=2)))
    assert mg.gradgradcheck(lambda x, w: mg.conv2d(x, w, stride=(1, 2), padding=(1, 0)),
                            (_t(1, 2, 4, 5), _t(2, 2, 2, 3, seed=1)))
    distinct = mg.tensor(np.random.default_rng(0).permutation(72).reshape(2, 1, 6, 6) / 7.0,
                         requires_grad=True)
    assert mg.gradcheck(lambda x: mg.max_pool2d(x, 3, 2), (distinct,))
    assert mg.gradcheck(lambda x: mg.avg_pool2d(x, (2, 3), 1, (1, 1)), (_t(2, 2, 5, 5),))
    assert mg.gradcheck(mg.erf, (_t(50, scale=2),))
    assert mg.gradgradcheck(mg.erf, (_t(20, scale=2),))
    assert mg.gradcheck(F.gelu, (_t(50, scale=3),))
    assert mg.gradcheck(lambda x: F.gelu(x, "tanh"), (_t(50, scale=3),))
    assert mg.gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                        (_t(6, 3, 2), _t(3, seed=1), _t(3, seed=2)))
    rm, rv = mg.tensor(_x(3)), mg.tensor(np.abs(_x(3)) + 0.5)
    assert mg.gradcheck(lambda x, w: F.batch_norm(x, rm, rv, w, training=False),
                        (_t(6, 3), _t(3, seed=1)))
    assert mg.gradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b),
                        (_t(2, 3, 4), _t(3, 4, seed=1), _t(3, 4, seed=2)))
    assert mg.gradgradcheck(lambda x: F.layer_norm(x, (4,)), (_t(3, 4),))
    assert mg.gradcheck(lambda x: F.leaky_relu(x, 0.1), (_t(30),))


def test_erf_is_accurate_to_float64_over_a_wide_grid():
    x = np.concatenate([np.linspace(-30, 30, 120001), np.geomspace(1e-300, 8, 5001),
                        -np.geomspace(1e-300, 8, 5001), [0.0, 0.46875, 4.0, 5.9, 26.6, 1e300]])
    ref = np.array([math.erf(v) for v in x])
    got = mg.erf(mg.tensor(x)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)
    assert mg.erf(mg.tensor([np.inf, -np.inf])).tolist() == [1.0, -1.0]
    big = mg.tensor([1e300, -1e200, 40.0], dtype="float64", requires_grad=True)
    mg.erf(big).sum().backward()                       # no overflow warning, gradient 0
    assert big.grad.tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(mg.erf(mg.tensor([np.nan])).item())
    assert mg.erf(mg.tensor([0.5], dtype="float32")).dtype == np.float32


def test_conv2d_bad_input_says_what_is_wrong():
    with pytest.raises(ValueError, match="C_in=3"):
        mg.conv2d(mg.ones(1, 3, 5, 5), mg.ones(2, 2, 3, 3))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        mg.conv2d(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="4-d input"):
        mg.max_pool2d(mg.ones(3, 5, 5), 2)
    with pytest.raises(ValueError, match="bias"):
        mg.conv2d(mg.ones(1, 1, 3, 3), mg.ones(2, 1, 3, 3), mg.ones(3))


# --------------------------------------------------------------- state_dict

def _pair_of_models():
    m = mg.nn.Sequential(mg.nn.Conv2d(2, 4, 3, padding=1, rng=0, dtype="float64"),
                         mg.nn.ReLU(), mg.nn.MaxPool2d(2), mg.nn.Flatten(),
                         mg.nn.Linear(16, 6, rng=1, dtype="float64"),
                         mg.nn.BatchNorm1d(6, dtype="float64"), mg.nn.GELU(),
                         mg.nn.LayerNorm(6, dtype="float64"), mg.nn.Dropout(0.3),
                         mg.nn.Linear(6, 3, rng=2, dtype="float64"), mg.nn.LogSoftmax(dim=1))
    tm = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(),
                             torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16, 6),
                             torch.nn.BatchNorm1d(6), torch.nn.GELU(), torch.nn.LayerNorm(6),
                             torch.nn.Dropout(0.3), torch.nn.Linear(6, 3),
                             torch.nn.LogSoftmax(dim=1)).double()
    return m, tm


def test_state_dict_round_trip_with_torch():
    m, tm = _pair_of_models()
    assert list(m.state_dict()) == list(tm.state_dict())
    m.train()
    for seed in range(3):                # move the running statistics
        m(mg.tensor(_x(5, 2, 4, 4, seed=seed)))
    _to_torch(m, tm)
    m.eval()
    tm.eval()
    x = _x(3, 2, 4, 4, seed=7)
    np.testing.assert_allclose(m(mg.tensor(x)).numpy(), tm(torch.tensor(x)).detach().numpy(),
                               **TOL)
    with torch.no_grad():                # and back: torch's state into a fresh minigrad model
        for p in tm.parameters():
            p.mul_(1.5)
    fresh, _ = _pair_of_models()
    fresh.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    fresh.eval()
    np.testing.assert_allclose(fresh(mg.tensor(x)).numpy(),
                               tm(torch.tensor(x)).detach().numpy(), **TOL)
    assert fresh.state_dict()["5.num_batches_tracked"].dtype == np.int64


def test_state_dict_is_saved_and_loaded_by_mg_save(tmp_path):
    m, _ = _pair_of_models()
    mg.save(m.state_dict(), tmp_path / "m.npz")
    fresh, _ = _pair_of_models()
    fresh.load_state_dict(mg.load(tmp_path / "m.npz"))
    for (k, a), (_, b) in zip(m.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)


def test_buffers_are_state_not_parameters():
    bn = mg.nn.BatchNorm1d(3)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert not bn.running_mean.requires_grad
    m = mg.nn.Module()
    m.register_buffer("kept", mg.zeros(2))
    m.register_buffer("scratch", mg.ones(2), persistent=False)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    m.kept = mg.ones(2)                  # rebinding keeps it a buffer
    np.testing.assert_array_equal(m.state_dict()["kept"], [1.0, 1.0])
    with pytest.raises(KeyError, match="missing"):
        bn.load_state_dict({"weight": np.ones(3), "bias": np.zeros(3)})
    with pytest.raises(TypeError, match="Tensor"):
        m.register_buffer("bad", np.zeros(2))


# --------------------------------------------------------------------- init

def test_calculate_gain_is_torchs():
    for nl, param in [("linear", None), ("relu", None), ("tanh", None), ("sigmoid", None),
                      ("leaky_relu", None), ("leaky_relu", 0.2), ("conv2d", None),
                      ("selu", None)]:
        assert mg.nn.init.calculate_gain(nl, param) == pytest.approx(
            torch.nn.init.calculate_gain(nl, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(300, 200), (64, 16, 3, 3)])
def test_init_bounds_and_statistics_follow_torchs_fans(shape):
    init = mg.nn.init
    receptive = int(np.prod(shape[2:]))
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    w = mg.nn.Parameter(np.zeros(shape))
    cases = [
        (init.xavier_uniform_, {}, math.sqrt(6 / (fan_in + fan_out)), "uniform"),
        (init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / (fan_in + fan_out)), "normal"),
        (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(fan_in), "uniform"),
        (init.kaiming_uniform_, {"nonlinearity": "relu", "mode": "fan_out"},
         math.sqrt(6 / fan_out), "uniform"),
        (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / fan_in), "normal"),
        (init.normal_, {"mean": 0.0, "std": 0.3}, 0.3, "normal"),
        (init.uniform_, {"a": -0.4, "b": 0.4}, 0.4, "uniform"),
    ]
    for fn, kw, scale, kind in cases:
        out = fn(w, **kw, rng=0)
        assert out is w and w.requires_grad and w.grad_fn is None
        a = w.numpy()
        if kind == "uniform":
            assert np.abs(a).max() <= scale and np.abs(a).max() > 0.99 * scale, fn.__name__
            assert abs(a.std() - scale / math.sqrt(3)) < 0.03 * scale
        else:
            assert abs(a.std() - scale) < 0.03 * scale, fn.__name__
        assert abs(a.mean()) < 0.03 * scale


def test_init_fills_in_place_and_is_reproducible():
    init = mg.nn.init
    w = mg.nn.Parameter(np.zeros((3, 4)))
    np.testing.assert_array_equal(init.ones_(w).numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(init.zeros_(w).numpy(), np.zeros((3, 4)))
    a = init.xavier_normal_(w, rng=4).numpy().copy()
    np.testing.assert_array_equal(init.xavier_normal_(w, rng=4).numpy(), a)
    mg.manual_seed(1)
    b = init.kaiming_uniform_(w).numpy().copy()
    mg.manual_seed(1)
    np.testing.assert_array_equal(init.kaiming_uniform_(w).numpy(), b)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(mg.zeros(3))


# --------------------------------------------------------------- clip_grad

@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.3, math.inf), (2.0, 3.0)])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s) for s in [(3, 4), (4,), (2, 2, 2)]]
    params = [mg.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(params, tparams, grads):
        p.grad = mg.tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
    no_grad = mg.tensor(np.zeros(2), requires_grad=True)
    total = mg.nn.utils.clip_grad_norm_(params + [no_grad], max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-13)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_first_argmax_is_numpys_argmax_with_ties_and_nan(dtype):
    from minigrad.ops.conv import _first_argmax
    rng = np.random.default_rng(0)
    for shape in [(2, 3, 4, 5), (4, 2, 9, 7), (1, 1, 1, 3), (3, 2, 2, 5), (2, 2, 16, 3)]:
        w = rng.integers(0, 3, shape).astype(dtype)      # many ties
        np.testing.assert_array_equal(_first_argmax(w), np.argmax(w, axis=2))
        w[0, 0, -1, 0] = np.nan
        np.testing.assert_array_equal(_first_argmax(w), np.argmax(w, axis=2))
        w = rng.choice(np.array([-0.0, 0.0, -np.inf, np.inf, -1.0], dtype), shape)
        np.testing.assert_array_equal(_first_argmax(w), np.argmax(w, axis=2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1), (5, 5), ((2, 3), (1, 2))])
def test_max_pool2d_sends_a_windows_gradient_to_its_last_nan_as_torch(dtype, kernel, stride):
    """A window holding several NaNs: torch's loop takes each NaN it meets,
    so the gradient goes to the window's last NaN (the value is NaN either
    way); without NaN, to its first maximum."""
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, size=(2, 3, 10, 11)).astype(dtype)
    x[rng.random(x.shape) < 0.3] = np.nan
    g = rng.normal(size=1).astype(dtype)
    t = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(t, kernel, stride)
    gy = rng.normal(size=ty.shape).astype(dtype) + g
    ty.backward(torch.tensor(gy))
    m = mg.tensor(x, requires_grad=True)
    y = mg.max_pool2d(m, kernel, stride)
    y.backward(mg.tensor(gy))
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    tol = 1e-5 if dtype == np.float32 else 1e-12       # (overlapping windows add in torch's order)
    np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_gradchecks_of_the_other_new_layers():
    """Embedding, Dropout (one fixed mask: the same seed each call), Flatten,
    Softmax/LogSoftmax modules and Conv2d/BatchNorm1d as modules: float64."""
    idx = np.array([[0, 2, 2], [1, 0, 3]])
    assert mg.gradcheck(lambda w: F.embedding(idx, w), (_t(4, 3),))
    assert mg.gradcheck(lambda x: F.dropout(x, 0.4, True, rng=np.random.default_rng(7)),
                        (_t(5, 6),))
    assert mg.gradcheck(lambda x: mg.nn.Flatten()(x), (_t(2, 3, 2),))
    assert mg.gradcheck(lambda x: mg.nn.Softmax(dim=1)(x), (_t(3, 4),))
    assert mg.gradcheck(lambda x: mg.nn.LogSoftmax(dim=0)(x), (_t(3, 4),))
    conv = mg.nn.Conv2d(2, 3, 2, stride=1, padding=1, rng=0)
    for p in conv.parameters():
        p.data = p.data.astype(np.float64)
    assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1),
                        (_t(1, 2, 3, 3), mg.tensor(conv.weight.numpy(), requires_grad=True),
                         mg.tensor(conv.bias.numpy(), requires_grad=True)))


# ---------------------------------------------- avg_pool2d double backward (issue 19)
@pytest.mark.parametrize("k, stride, padding", [(2, None, 0), ((2, 3), 1, (1, 1)), (3, 2, 1)])
def test_avg_pool2d_double_backward_is_torchs(k, stride, padding):
    """Its gradient made with create_graph=True depends on the input with
    derivative 0, as PyTorch's: a second backward gives zeros, not an error."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((2, 3, 6, 7))
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y = mg.avg_pool2d(x, k, stride, padding)
    ty = torch.nn.functional.avg_pool2d(t, k, stride, padding)
    w = np.random.default_rng(1).standard_normal(ty.shape)
    g, = mg.grad((y * mg.tensor(w)).sum(), [x], create_graph=True)
    tg, = torch.autograd.grad((ty * torch.tensor(w)).sum(), [t], create_graph=True)
    assert g.requires_grad == tg.requires_grad is True
    np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12)
    gg, = mg.grad((g * g).sum(), [x])
    tgg, = torch.autograd.grad((tg * tg).sum(), [t])
    np.testing.assert_array_equal(gg.numpy(), tgg.numpy())
    assert not gg.numpy().any()
    assert mg.gradgradcheck(lambda v: mg.avg_pool2d(v, k, stride, padding), (x,))
