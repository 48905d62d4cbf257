"""Adam (amsgrad), AdamW, RMSprop and Adagrad against torch.optim step for step
(float64, every step, 40 steps), their state dicts in PyTorch's layout,
copies that continue bit for bit, and the arguments they refuse."""
import copy
import os
import pickle
import platform
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minigrad as mg
from minigrad import engine

STEPS = 40
# name: (class name, options), the same options for both frameworks
CONFIGS = {
    "adam_amsgrad": ("Adam", dict(lr=0.01, amsgrad=True)),
    "adam_amsgrad_wd": ("Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6,
                                     weight_decay=0.05, amsgrad=True)),
    "adam_low_beta1": ("Adam", dict(lr=0.01, betas=(0.3, 0.9), weight_decay=0.1)),
    "adamw": ("AdamW", dict(lr=0.01)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "adamw_low_beta1": ("AdamW", dict(lr=0.01, betas=(0.4, 0.95), eps=1e-6,
                                      weight_decay=0.3)),
    "rmsprop": ("RMSprop", dict()),
    "rmsprop_wd_momentum": ("RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1,
                                            momentum=0.8)),
    "rmsprop_centered": ("RMSprop", dict(lr=0.01, centered=True)),
    "rmsprop_centered_momentum_wd": ("RMSprop", dict(lr=0.005, alpha=0.95, eps=1e-6,
                                                     weight_decay=0.01, momentum=0.9,
                                                     centered=True)),
    "rmsprop_low_alpha": ("RMSprop", dict(lr=0.01, alpha=0.3, centered=True)),
    "adagrad": ("Adagrad", dict(lr=0.1)),
    "adagrad_decay_wd": ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05)),
    "adagrad_initial_acc": ("Adagrad", dict(lr=0.05, initial_accumulator_value=0.5,
                                            eps=1e-8)),
    "sgd_nesterov_wd": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "sgd_dampening": ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
}


def _arrays(seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in ((6, 5), (5,), (3,))]


def _groups(ps):
    """Two groups, the second with its own lr."""
    return [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.03}]


def _pair(torch, name, arrays):
    cls, kw = CONFIGS[name]
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(mg.optim, cls)(_groups(mp), **kw)
    topt = getattr(torch.optim, cls)(_groups(tp), foreach=False, **kw)
    return mp, tp, opt, topt


def _steps(torch, mp, tp, opt, topt, n, rng, each=None):
    for _ in range(n):
        for m, t in zip(mp, tp):
            g = rng.standard_normal(m.shape).astype(m.dtype)
            m.grad, t.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        if each:
            each(mp, tp)


def _max_diff(mp, tp):
    return max(float(np.abs(m.numpy() - t.detach().numpy()).max()) for m, t in zip(mp, tp))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_step_matches_torch(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, name, _arrays())
    worst = []

    def check(mp, tp):
        for m, t in zip(mp, tp):
            np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"step {len(worst) + 1}")
        worst.append(_max_diff(mp, tp))

    _steps(torch, mp, tp, opt, topt, STEPS, np.random.default_rng(1), check)
    assert len(worst) == STEPS and max(worst) < 1e-14
    tsd = topt.state_dict()["state"]
    for i, st in opt.state_dict()["state"].items():
        for key, value in st.items():
            expected = tsd[i][key]
            if key == "step":
                assert value == expected.item() == STEPS
            else:
                np.testing.assert_allclose(value, expected.numpy(), rtol=1e-12, atol=1e-15)


BIT_CHECK = textwrap.dedent("""
    import numpy as np, torch, minigrad as mg
    from minigrad.optim import optimizers
    from test_optim_more import CONFIGS, _arrays, _pair, _steps
    optimizers._sqrt = lambda x: torch.from_numpy(np.ascontiguousarray(x)).sqrt().numpy()
    for name in CONFIGS:
        mp, tp, opt, topt = _pair(torch, name, _arrays())
        def same(mp, tp):
            for m, t in zip(mp, tp):
                assert np.array_equal(m.numpy(), t.detach().numpy()), name
        _steps(torch, mp, tp, opt, topt, 40, np.random.default_rng(1), same)
    print("bit for bit:", len(CONFIGS))
""")


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                    reason="elsewhere a compiler may fuse multiply-adds in torch's scalar kernels")
def test_every_bit_matches_torchs_scalar_kernels():
    """Every difference from torch is its FMA or its square root: with its
    scalar kernels (no fused multiply-add on x86-64) and its square root,
    each of the 40 steps of every configuration is the same to the last bit."""
    pytest.importorskip("torch")
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, ATEN_CPU_CAPABILITY="default",
               PYTHONPATH=os.pathsep.join([os.path.dirname(here), here]))
    out = subprocess.run([sys.executable, "-c", BIT_CHECK], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"bit for bit: {len(CONFIGS)}" in out.stdout


@pytest.mark.parametrize("name", ["adam_amsgrad_wd", "adamw_amsgrad",
                                  "rmsprop_centered_momentum_wd", "adagrad_decay_wd"])
def test_float32_stays_float32_and_near_torch(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, name, _arrays(dtype="float32"))
    _steps(torch, mp, tp, opt, topt, STEPS, np.random.default_rng(2))
    for m, t in zip(mp, tp):
        assert m.dtype == np.float32
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["adam_amsgrad_wd", "adamw_low_beta1",
                                  "rmsprop_centered_momentum_wd", "adagrad_initial_acc"])
def test_training_an_mlp_matches_torch(name):
    """Gradients from each framework's own backward of the same model."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    arrays = [rng.standard_normal((2, 8)) * 0.5, np.zeros(8), rng.standard_normal(8) * 0.5]
    mp, tp, opt, topt = _pair(torch, name, arrays)
    for _ in range(STEPS):
        opt.zero_grad()
        topt.zero_grad()
        z = mg.tanh(mg.tensor(X) @ mp[0] + mp[1]) @ mp[2]
        mg.nn.BCEWithLogitsLoss()(z, mg.tensor(y)).backward()
        tz = torch.tanh(torch.tensor(X) @ tp[0] + tp[1]) @ tp[2]
        torch.nn.BCEWithLogitsLoss()(tz, torch.tensor(y)).backward()
        opt.step()
        topt.step()
    for m, t in zip(mp, tp):
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-11, atol=1e-14)


def test_a_parameter_without_a_gradient_is_left_alone():
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, "adagrad_decay_wd", _arrays())
    rng = np.random.default_rng(3)
    for _ in range(3):
        g = rng.standard_normal(mp[0].shape)
        mp[0].grad, tp[0].grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    assert opt.state[mp[1]]["step"] == 0 and opt.state[mp[0]]["step"] == 3
    np.testing.assert_array_equal(mp[1].numpy(), _arrays()[1])
    np.testing.assert_allclose(mp[0].numpy(), tp[0].detach().numpy(), rtol=1e-12)


# ------------------------------------------------------------------ state dicts
@pytest.mark.parametrize("name", [n for n in CONFIGS if not n.startswith("sgd")])
def test_state_dict_has_torchs_layout(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, name, _arrays())
    _steps(torch, mp, tp, opt, topt, 5, np.random.default_rng(4))
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == set(tsd) == {"state", "param_groups"}
    for g, tg in zip(sd["param_groups"], tsd["param_groups"], strict=True):
        assert list(g)[-1] == "params" and g["params"] == tg["params"]
        for key, value in g.items():
            assert tg[key] == value, key
    assert sd["state"].keys() == tsd["state"].keys() == {0, 1, 2}
    for i, st in sd["state"].items():
        assert list(st) == list(tsd["state"][i])
        assert type(st["step"]) is int and st["step"] == tsd["state"][i]["step"].item() == 5


def test_adagrad_has_state_before_its_first_step_as_torch():
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, "adagrad_initial_acc", _arrays())
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys() == {0, 1, 2}
    for i, st in sd["state"].items():
        assert st["step"] == tsd["state"][i]["step"].item() == 0
        np.testing.assert_array_equal(st["sum"], tsd["state"][i]["sum"].numpy())


@pytest.mark.parametrize("name", [n for n in CONFIGS if not n.startswith("sgd")])
def test_torch_continues_from_our_state_dict(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, name, _arrays())
    rng = np.random.default_rng(5)
    _steps(torch, mp, tp, opt, topt, 5, rng)
    _, tp2, _, topt2 = _pair(torch, name, [m.numpy() for m in mp])
    sd = opt.state_dict()
    state = {i: {k: torch.tensor(v) if isinstance(v, np.ndarray) else torch.tensor(float(v))
                 for k, v in st.items()} for i, st in sd["state"].items()}
    groups = [{**tg, **g} for tg, g in zip(topt2.state_dict()["param_groups"],
                                           sd["param_groups"])]
    topt2.load_state_dict({"state": state, "param_groups": groups})
    _steps(torch, mp, tp2, opt, topt2, 10, rng)
    for m, t in zip(mp, tp2):
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-15)


from test_optim_state import _model, _train  # noqa: E402  (the same small model and loop)


def _via_state_dict(model, opt):
    """A fresh model and optimizer (default options) loaded from state dicts."""
    model2 = _model()
    model2.load_state_dict(model.state_dict())
    opt2 = type(opt)(model2.parameters())
    opt2.load_state_dict(opt.state_dict())
    return model2, opt2


COPIES = {
    "deepcopy": lambda model, opt: copy.deepcopy((model, opt)),
    "pickle": lambda model, opt: pickle.loads(pickle.dumps((model, opt))),
    "state_dict": _via_state_dict,
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("name", ["adam_amsgrad_wd", "adamw_amsgrad",
                                  "rmsprop_centered_momentum_wd", "adagrad_decay_wd",
                                  "adagrad_initial_acc"])
def test_copies_continue_training_bit_for_bit(name, how):
    cls, kw = CONFIGS[name]
    model = _model()
    opt = getattr(mg.optim, cls)(model.parameters(), **kw)
    _train(model, opt, 10)
    model2, opt2 = COPIES[how](model, opt)
    assert opt2.param_groups[0] == {**opt.param_groups[0], "params": model2.parameters()}
    _train(model, opt, 20)
    _train(model2, opt2, 20)
    for p, p2 in zip(model.parameters(), model2.parameters()):
        assert p is not p2 and not np.shares_memory(p.data, p2.data)
        np.testing.assert_array_equal(p.data, p2.data)
        assert opt.state[p].keys() == opt2.state[p2].keys()
        for key, value in opt.state[p].items():
            np.testing.assert_array_equal(opt2.state[p2][key], value)


def test_loading_another_optimizers_state_is_refused():
    p, q = mg.tensor(np.ones(2), requires_grad=True), mg.tensor(np.ones(2), requires_grad=True)
    rms = mg.optim.RMSprop([p], centered=True, momentum=0.5)
    p.grad = mg.tensor(np.ones(2))
    rms.step()
    with pytest.raises(ValueError, match="parameter group 0 of the state dict: Adagrad has "
                                         "no option 'momentum'"):
        mg.optim.Adagrad([q]).load_state_dict(rms.state_dict())
    assert mg.optim.Adagrad([q]).state[q]["step"] == 0
    adam = mg.optim.Adam([q])
    with pytest.raises(ValueError, match="Adam has no option 'momentum'"):
        adam.load_state_dict(rms.state_dict())
    state_only = {**rms.state_dict(), "param_groups": [{"params": [0]}]}
    with pytest.raises(ValueError, match=r"Adagrad keeps \['step', 'sum'\]"):
        mg.optim.Adagrad([q]).load_state_dict(state_only)
    with pytest.raises(ValueError, match=r"Adam keeps \['exp_avg', 'exp_avg_sq', 'step'\]"):
        adam.load_state_dict(state_only)
    plain = mg.optim.RMSprop([q])           # the saved options come with the state
    plain.load_state_dict(rms.state_dict())
    assert plain.param_groups[0]["centered"] and sorted(plain.state[q]) == [
        "grad_avg", "momentum_buffer", "square_avg", "step"]


# ------------------------------------------------------------------ in place
@pytest.mark.parametrize("name", ["adamw", "adam_amsgrad_wd", "rmsprop_wd_momentum",
                                  "adagrad_decay_wd"])
def test_step_updates_parameters_in_place_once_per_step(name):
    cls, kw = CONFIGS[name]
    w = mg.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    buf, before = w.data, engine.version(w.data)
    opt = getattr(mg.optim, cls)([w], **kw)
    for _ in range(3):
        w.grad = mg.tensor(np.array([0.3, -0.1, 2.0]))
        opt.step()
    assert w.data is buf and not (buf == [1.0, -2.0, 0.5]).all()
    assert engine.version(buf) == before + 3


def test_adamw_refuses_a_read_only_parameter_before_changing_anything():
    w = mg.tensor(np.ones(3), requires_grad=True)
    w.data.flags.writeable = False
    w.grad = mg.tensor(np.ones(3))
    opt = mg.optim.AdamW([w], weight_decay=0.5)
    with pytest.raises(ValueError, match="read-only"):
        opt.step()
    assert opt.state.get(w, {}) == {} and (w.data == 1).all()


# ------------------------------------------------------------------ refused
BAD = [
    ("Adam", dict(lr=-1e-3), "invalid lr"),
    ("Adam", dict(lr=float("nan")), "invalid lr"),
    ("Adam", dict(eps=-1e-8), "invalid eps"),
    ("Adam", dict(weight_decay=-0.1), "invalid weight_decay"),
    ("Adam", dict(betas=(1.0, 0.999)), r"invalid betas \(1.0, 0.999\): each must be in \[0, 1\)"),
    ("Adam", dict(betas=(0.9, -0.5)), r"each must be in \[0, 1\)"),
    ("AdamW", dict(lr=-0.1), "invalid lr"),
    ("AdamW", dict(betas=(0.9, 1.5)), "betas"),
    ("AdamW", dict(weight_decay=-1e-2), "invalid weight_decay"),
    ("RMSprop", dict(lr=-0.01), "invalid lr"),
    ("RMSprop", dict(alpha=-0.5), "invalid alpha"),
    ("RMSprop", dict(eps=-1.0), "invalid eps"),
    ("RMSprop", dict(momentum=-0.9), "invalid momentum"),
    ("RMSprop", dict(weight_decay=-0.1), "invalid weight_decay"),
    ("Adagrad", dict(lr=-0.01), "invalid lr"),
    ("Adagrad", dict(lr_decay=-0.1), "invalid lr_decay"),
    ("Adagrad", dict(weight_decay=-0.1), "invalid weight_decay"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "invalid initial_accumulator_value"),
    ("Adagrad", dict(eps=-1e-10), "invalid eps"),
]


@pytest.mark.parametrize("cls, kw, match", BAD, ids=lambda v: str(v))
def test_bad_arguments_are_refused_as_torch_refuses_them(cls, kw, match):
    p = mg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=match):
        getattr(mg.optim, cls)([p], **kw)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, cls)([torch.ones(2, requires_grad=True)], **kw)


def test_arguments_of_the_wrong_kind_are_refused():
    p = mg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        mg.optim.AdamW([p], lr="0.1")
    with pytest.raises(TypeError, match=r"betas\[1\] must be a real number"):
        mg.optim.Adam([p], betas=(0.9, None))
    with pytest.raises(ValueError, match=r"pass a pair \(beta1, beta2\)"):
        mg.optim.Adam([p], betas=(0.9,))
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.RMSprop([])
    with pytest.raises(TypeError, match="requires_grad=True"):
        mg.optim.Adagrad([mg.tensor([1.0])])
