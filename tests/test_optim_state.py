"""Optimizer state: deepcopy, pickle and state_dict round trips, PyTorch's
state_dict layout, refused parameter lists, and in-place updates."""
import copy
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad import engine

CONFIGS = {
    "adam": (mg.optim.Adam, dict(lr=0.01)),
    "sgd_nesterov": (mg.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_dampening_wd": (mg.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1,
                                            weight_decay=0.01)),
}
_rng = np.random.default_rng(0)
X = mg.tensor(_rng.standard_normal((16, 2)))
Y = mg.tensor(np.sin(X.numpy()[:, :1] * X.numpy()[:, 1:]))


def _model():
    """The same small float64 MLP every time."""
    return mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0, dtype="float64"), mg.nn.Tanh(),
                            mg.nn.Linear(4, 1, rng=1, dtype="float64"))


def _train(model, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        ((model(X) - Y) ** 2).mean().backward()
        opt.step()


def _setup(name, steps=10):
    cls, kw = CONFIGS[name]
    model = _model()
    opt = cls(model.parameters(), **kw)
    _train(model, opt, steps)
    return model, opt


def _via_state_dict(model, opt):
    """A fresh model and optimizer (other options) loaded from state dicts."""
    model2 = _model()
    model2.load_state_dict(model.state_dict())
    opt2 = type(opt)(model2.parameters(), lr=1.0)
    opt2.load_state_dict(opt.state_dict())
    return model2, opt2


COPIES = {
    "deepcopy": lambda model, opt: copy.deepcopy((model, opt)),
    "pickle": lambda model, opt: pickle.loads(pickle.dumps((model, opt))),
    "state_dict": _via_state_dict,
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("name", list(CONFIGS))
def test_copies_continue_training_bit_for_bit(name, how):
    model, opt = _setup(name)
    model2, opt2 = COPIES[how](model, opt)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    _train(model, opt, 20)
    _train(model2, opt2, 20)
    for p, p2 in zip(model.parameters(), model2.parameters()):
        assert p is not p2 and not np.shares_memory(p.data, p2.data)
        np.testing.assert_array_equal(p.data, p2.data)


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_adam_step_count_survives_a_copy(how):
    """Keyed by id(param), a copy's state was lost and Adam restarted at step 1."""
    model, opt = _setup("adam")
    model2, opt2 = COPIES[how](model, opt)
    assert opt2.state_dict()["state"][0]["step"] == 10
    assert opt2.state[model2.parameters()[0]]["step"] == 10
    assert model.parameters()[0] not in opt2.state


def test_sgd_momentum_survives_a_copy():
    model, opt = _setup("sgd_nesterov")
    model2, opt2 = copy.deepcopy((model, opt))
    for p, p2 in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(opt2.state[p2]["momentum_buffer"],
                                      opt.state[p]["momentum_buffer"])


def test_state_dict_is_a_plain_copy():
    model, opt = _setup("adam", steps=3)
    sd = opt.state_dict()
    saved = copy.deepcopy(sd)
    _train(model, opt, 2)
    assert sd["state"][0]["step"] == 3 and type(sd["state"][0]["step"]) is int
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], saved["state"][0]["exp_avg"])
    assert sd["param_groups"] == [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
                                   "weight_decay": 0.0, "amsgrad": False, "maximize": False,
                                   "decoupled_weight_decay": False,
                                   "params": [0, 1, 2, 3]}]
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][...] = 123.0        # loading copied the arrays in
    assert not (opt.state[model.parameters()[0]]["exp_avg"] == 123.0).any()


def test_state_dict_numbers_parameters_across_groups():
    a, b, c = (mg.tensor(np.ones(k), requires_grad=True) for k in (1, 2, 3))
    opt = mg.optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    c.grad = mg.tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]
    assert list(sd["state"]) == [2]
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"], np.ones(3))


# ------------------------------------------------------------------ vs torch
def _torch_pair(name, torch):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(2)]
    cls, kw = CONFIGS[name]
    tcls = torch.optim.Adam if cls is mg.optim.Adam else torch.optim.SGD
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    groups = lambda ps: [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.03}]   # noqa: E731
    return mp, tp, cls(groups(mp), **kw), tcls(groups(tp), **kw)


def _steps(torch, mp, tp, opt, topt, n, rng):
    for _ in range(n):
        for m, t in zip(mp, tp):
            g = rng.standard_normal(m.shape)
            m.grad, t.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_has_torchs_layout(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _torch_pair(name, torch)
    _steps(torch, mp, tp, opt, topt, 5, np.random.default_rng(4))
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == set(tsd) == {"state", "param_groups"}
    assert len(sd["param_groups"]) == len(tsd["param_groups"])
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert list(g)[-1] == "params" and g["params"] == tg["params"]
        for key, value in g.items():
            assert tg[key] == value, key
    assert sd["state"].keys() == tsd["state"].keys() == {0, 1, 2}
    for i, st in sd["state"].items():
        assert st.keys() == tsd["state"][i].keys()
        for key, value in st.items():
            if key == "step":
                assert value == tsd["state"][i][key].item()
            else:
                assert isinstance(value, np.ndarray) and value.dtype == np.float64
                np.testing.assert_allclose(value, tsd["state"][i][key].numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_torch_continues_from_our_state_dict(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _torch_pair(name, torch)
    rng = np.random.default_rng(5)
    _steps(torch, mp, tp, opt, topt, 5, rng)
    # fresh torch params and optimizer, given our params and our state
    _, _, _, topt2 = _torch_pair(name, torch)
    tp2 = [p for g in topt2.param_groups for p in g["params"]]
    with torch.no_grad():
        for t, m in zip(tp2, mp):
            t.copy_(torch.from_numpy(m.numpy()))
    sd = opt.state_dict()
    state = {i: {k: torch.tensor(v) if isinstance(v, np.ndarray) else torch.tensor(float(v))
                 for k, v in st.items()} for i, st in sd["state"].items()}
    groups = [{**tg, **g} for tg, g in zip(topt2.state_dict()["param_groups"], sd["param_groups"])]
    topt2.load_state_dict({"state": state, "param_groups": groups})
    _steps(torch, mp, tp2, opt, topt2, 5, rng)
    for m, t in zip(mp, tp2):
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------ refused
def _p(n=2):
    return mg.tensor(np.ones(n), requires_grad=True)


def test_a_parameter_given_twice_is_refused():
    p, q = _p(), _p()
    with pytest.raises(ValueError, match="more than once in one parameter group"):
        mg.optim.SGD([p, q, p], lr=0.1)
    with pytest.raises(ValueError, match="appear in more than one parameter group"):
        mg.optim.Adam([{"params": [p]}, {"params": [q, p]}])
    opt = mg.optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_a_group_without_params_is_refused():
    with pytest.raises(ValueError, match=r"pass \{'params': \[...\], ...\}"):
        mg.optim.SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        mg.optim.SGD(_p(), lr=0.1)


def test_load_state_dict_with_wrong_sizes_is_refused():
    p, q = _p(2), _p(3)
    opt = mg.optim.SGD([p, q], lr=0.1, momentum=0.9)
    p.grad, q.grad = mg.tensor(np.ones(2)), mg.tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    other = mg.optim.SGD([{"params": [_p(2)]}, {"params": [_p(3)]}], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="the state dict has 1 parameter groups, "
                                         "this optimizer has 2"):
        other.load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter group 0: the state dict has 2 "
                                         "parameters, this optimizer has 1"):
        mg.optim.SGD([_p(2)], lr=0.1, momentum=0.9).load_state_dict(sd)
    swapped = mg.optim.SGD([_p(3), _p(2)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(2,\), "
                                         r"but the parameter has shape \(3,\)"):
        swapped.load_state_dict(sd)
    assert swapped.state == {} and swapped.param_groups[0]["params"][0].shape == (3,)
    with pytest.raises(ValueError, match="Adam has no option 'momentum'"):
        mg.optim.Adam([_p(2), _p(3)]).load_state_dict(sd)
    sd["param_groups"] = [{"params": g["params"]} for g in sd["param_groups"]]
    with pytest.raises(ValueError, match=r"Adam keeps \['exp_avg', 'exp_avg_sq', 'step'\]"):
        mg.optim.Adam([_p(2), _p(3)]).load_state_dict(sd)


def test_read_only_parameter_array_is_refused():
    w = mg.tensor(np.ones(3), requires_grad=True)
    w.data.flags.writeable = False
    w.grad = mg.tensor(np.ones(3))
    with pytest.raises(ValueError, match="read-only"):
        mg.optim.SGD([w], lr=0.1).step()


# ------------------------------------------------------------------ in place
@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_step_updates_parameters_in_place(name, dtype):
    cls, kw = CONFIGS[name]
    w = mg.tensor(np.array([1.0, -2.0, 0.5], dtype), requires_grad=True)
    params, buf = [w], w.data
    before = engine.version(buf)
    opt = cls(params, **kw)
    for _ in range(3):
        w.grad = mg.tensor(np.array([0.3, -0.1, 2.0], dtype))
        opt.step()
    assert params[0] is w and w.data is buf and np.shares_memory(w.data, buf)
    assert w.dtype == np.dtype(dtype) and not (buf == [1.0, -2.0, 0.5]).all()
    assert engine.version(buf) == before + 3


def test_backward_of_a_graph_that_saved_a_stepped_parameter_raises():
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()            # saves w's array
    opt.step()                      # changes it in place
    with pytest.raises(RuntimeError):
        loss.backward()
