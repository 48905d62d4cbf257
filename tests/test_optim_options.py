"""PyTorch's optimizer options: ``maximize`` on every optimizer and Adam's
``decoupled_weight_decay``, side by side with live torch (from a constructor
and from a PyTorch state dict); the options that only choose how PyTorch runs
an update accepted at their no-op values and refused by name otherwise;
PyTorch scheduler state dicts loaded."""
import numpy as np
import pytest

import minigrad as mg

STEPS = 6
# name: (class name, options), the same for both frameworks
CONFIGS = {
    "sgd": ("SGD", dict(lr=0.1)),
    "sgd_momentum_wd": ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.1)),
    "sgd_nesterov": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "adam": ("Adam", dict(lr=0.1)),
    "adam_wd_amsgrad": ("Adam", dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    "adam_decoupled": ("Adam", dict(lr=0.1, weight_decay=0.3, decoupled_weight_decay=True)),
    "adamw": ("AdamW", dict(lr=0.05, weight_decay=0.2)),
    "rmsprop": ("RMSprop", dict(lr=0.01, weight_decay=0.1)),
    "rmsprop_centered_momentum": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    "adagrad": ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05)),
}


def _arrays():
    rng = np.random.default_rng(7)
    return [rng.standard_normal((3, 2)), rng.standard_normal(2)]


def _pair(torch, cls, kw, tkw=None):
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in _arrays()]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in _arrays()]
    return (mp, tp, getattr(mg.optim, cls)(mp, **kw),
            getattr(torch.optim, cls)(tp, foreach=False, **(tkw or kw)))


def _steps(torch, mp, tp, opt, topt, n, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        for m, t in zip(mp, tp):
            g = rng.standard_normal(m.shape)
            m.grad, t.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()


def _assert_same(mp, tp):
    for m, t in zip(mp, tp):
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("maximize", [False, True])
def test_maximize_matches_torch(name, maximize):
    torch = pytest.importorskip("torch")
    cls, kw = CONFIGS[name]
    mp, tp, opt, topt = _pair(torch, cls, {**kw, "maximize": maximize})
    _steps(torch, mp, tp, opt, topt, STEPS)
    _assert_same(mp, tp)


def _issue_run(lib, cls, kw, load_from=None):
    """Three steps of ``w.sum()`` from ``w = [1, -2]`` (the issue's figures)."""
    w = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
    opt = getattr(lib.optim, cls)([w], **kw)
    if load_from is not None:
        opt.load_state_dict(load_from)
    for _ in range(3):
        opt.zero_grad()
        w.sum().backward()
        opt.step()
    return np.array(w.tolist() if lib is not mg else w.numpy())


ISSUE = [("SGD", dict(lr=0.1, momentum=0.9, maximize=True), [1.561, -1.439]),
         ("Adam", dict(lr=0.1, maximize=True), None),
         ("Adam", dict(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True), None)]


@pytest.mark.parametrize("cls, kw, figure", ISSUE, ids=["sgd_max", "adam_max", "adam_dwd"])
def test_the_issues_options_from_a_torch_state_dict_are_not_dropped(cls, kw, figure):
    torch = pytest.importorskip("torch")
    expected = _issue_run(torch, cls, kw)
    if figure is not None:
        np.testing.assert_allclose(expected, figure)
    tsd = getattr(torch.optim, cls)([torch.zeros(2, requires_grad=True)], **kw).state_dict()
    plain = {k: v for k, v in kw.items() if k in ("lr", "momentum")}   # the options dropped
    loaded = _issue_run(mg, cls, plain, load_from=tsd)
    np.testing.assert_allclose(loaded, expected, rtol=1e-12)
    np.testing.assert_allclose(_issue_run(mg, cls, kw), expected, rtol=1e-12)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_torch_state_dict_loads_and_continues_as_torch(name):
    """Every key of torch's groups (its how-to-run options at their defaults
    included) is understood; the run goes on as torch's own does."""
    torch = pytest.importorskip("torch")
    cls, kw = CONFIGS[name]
    kw = {**kw, "maximize": True}
    mp, tp, opt, topt = _pair(torch, cls, kw)
    _steps(torch, mp, tp, opt, topt, 3)
    tsd = topt.state_dict()
    fresh = [mg.tensor(t.detach().numpy().copy(), requires_grad=True) for t in tp]
    opt2 = getattr(mg.optim, cls)(fresh, lr=0.5)
    opt2.load_state_dict({"param_groups": tsd["param_groups"], "state": {
        i: {k: v.numpy() if hasattr(v, "numpy") else v for k, v in st.items()}
        for i, st in tsd["state"].items()}})
    assert opt2.param_groups[0]["maximize"] is True
    _steps(torch, fresh, tp, opt2, topt, 3, seed=1)
    _assert_same(fresh, tp)


def test_adamw_is_adam_with_decoupled_weight_decay_as_in_torch():
    torch = pytest.importorskip("torch")
    assert mg.optim.AdamW([mg.ones(1, requires_grad=True)]).param_groups[0][
        "decoupled_weight_decay"] is True
    assert torch.optim.AdamW([torch.ones(1, requires_grad=True)]).param_groups[0][
        "decoupled_weight_decay"] is True
    kw = dict(lr=0.1, weight_decay=0.3)
    mp, tp, opt, topt = _pair(torch, "Adam", {**kw, "decoupled_weight_decay": True}, kw)
    topt = torch.optim.AdamW(tp, foreach=False, **kw)
    _steps(torch, mp, tp, opt, topt, STEPS)
    _assert_same(mp, tp)


NO_OP = [("SGD", dict(foreach=None)), ("SGD", dict(foreach=False)),
         ("SGD", dict(foreach=True)), ("SGD", dict(fused=False)),
         ("SGD", dict(differentiable=False)),
         ("Adam", dict(capturable=False, fused=None, foreach=False, differentiable=False)),
         ("AdamW", dict(capturable=False, fused=False)),
         ("RMSprop", dict(capturable=False, foreach=None, differentiable=False)),
         ("Adagrad", dict(foreach=True, fused=None, differentiable=False))]


@pytest.mark.parametrize("cls, kw", NO_OP, ids=str)
def test_how_to_run_options_are_accepted_at_values_that_change_nothing(cls, kw):
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(mg.optim, cls)([w], lr=0.1, **kw)
    assert not set(kw) & set(opt.param_groups[0])     # not kept: they change nothing


REFUSED = [("SGD", dict(fused=True), "SGD does not support fused=True: minigrad has no "
                                     "fused kernels"),
           ("Adam", dict(capturable=True), "Adam does not support capturable=True: it is "
                                           "for CUDA graphs"),
           ("AdamW", dict(differentiable=True), "AdamW does not support differentiable=True"),
           ("RMSprop", dict(capturable=True), "RMSprop does not support capturable=True"),
           ("Adagrad", dict(fused=True), "Adagrad does not support fused=True"),
           ("SGD", dict(foreach="yes"), "SGD does not support foreach=.yes.")]


@pytest.mark.parametrize("cls, kw, match", REFUSED, ids=str)
def test_options_that_would_change_the_update_are_refused_by_name(cls, kw, match):
    w = mg.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(ValueError, match=match):
        getattr(mg.optim, cls)([w], lr=0.1, **kw)
    opt = getattr(mg.optim, cls)([w], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0].update(kw)
    with pytest.raises(ValueError, match="parameter group 0 of the state dict: " + match):
        opt.load_state_dict(sd)
    with pytest.raises(ValueError, match=match):
        opt.add_param_group({"params": [mg.ones(1, requires_grad=True)], **kw})


def test_a_torch_state_dict_with_a_refused_option_changes_nothing():
    torch = pytest.importorskip("torch")
    tsd = torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=0.1,
                           fused=True).state_dict()
    opt = mg.optim.Adam([mg.zeros(2, requires_grad=True)], lr=0.3)
    with pytest.raises(ValueError, match="fused=True"):
        opt.load_state_dict(tsd)
    assert opt.param_groups[0]["lr"] == 0.3


@pytest.mark.parametrize("key, value, error, match", [
    ("maximize", "no", TypeError, "maximize must be True or False, got 'no'"),
    ("decoupled_weight_decay", 0.5, TypeError, "decoupled_weight_decay must be True or False"),
    ("lr", -1.0, ValueError, "invalid lr"),
    ("betas", (0.9, 1.5), ValueError, "betas"),
    ("momentum", 0.9, ValueError, "Adam has no option 'momentum'"),
    ("rho", 0.9, ValueError, "Adam has no option 'rho'"),
])
def test_a_bad_option_in_a_state_dict_is_refused_by_name(key, value, error, match):
    opt = mg.optim.Adam([mg.zeros(2, requires_grad=True)], lr=0.3)
    sd = opt.state_dict()
    sd["param_groups"][0][key] = value
    with pytest.raises(error, match=match):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.3


def test_nesterov_without_momentum_in_a_state_dict_is_refused():
    opt = mg.optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.3, momentum=0.9,
                       nesterov=True)
    sd = opt.state_dict()
    sd["param_groups"][0]["momentum"] = 0.0
    with pytest.raises(ValueError, match="nesterov momentum needs momentum > 0"):
        opt.load_state_dict(sd)


def test_keys_of_a_group_that_are_not_options_are_kept_as_torch_keeps_them():
    opt = mg.optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.3)
    sd = opt.state_dict()
    sd["param_groups"][0].update(initial_lr=0.3, name="body")
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["name"] == "body" and opt.param_groups[0]["initial_lr"] == 0.3


# ------------------------------------------------------------------ schedulers
SCHEDULERS = {
    "StepLR": dict(step_size=2, gamma=0.5),
    "MultiStepLR": dict(milestones=[2, 3, 5], gamma=0.5),
    "ExponentialLR": dict(gamma=0.8),
    "CosineAnnealingLR": dict(T_max=4, eta_min=0.01),
    "LinearLR": dict(start_factor=0.25, total_iters=4),
    "OneCycleLR": dict(max_lr=1.0, total_steps=12),
    "ReduceLROnPlateau": dict(factor=0.5, patience=0),
}


LOSSES = [3.0, 2.0, 2.5, 2.5, 1.0, 1.5, 1.5, 1.5, 1.0, 1.0, 1.0]


def _sched_step(sched, i):
    if "Plateau" in type(sched).__name__:
        sched.step(LOSSES[i])
    else:
        sched.step()


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_a_torch_scheduler_state_dict_loads_and_continues_as_torch(name):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, "SGD", dict(lr=0.1, momentum=0.9))
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **SCHEDULERS[name])
    for i in range(5):
        topt.step()
        _sched_step(tsched, i)
    assert "_get_lr_called_within_step" in tsched.state_dict() or "Plateau" in name
    sched = getattr(mg.optim.lr_scheduler, name)(opt, **SCHEDULERS[name])
    opt.load_state_dict({"param_groups": topt.state_dict()["param_groups"], "state": {}})
    sched.load_state_dict(tsched.state_dict())
    for i in range(5, 11):
        opt.step(); topt.step()
        _sched_step(sched, i)
        _sched_step(tsched, i)
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert opt.param_groups[0]["momentum"] == topt.param_groups[0]["momentum"]


def test_a_scheduler_state_dict_saved_inside_a_step_is_refused():
    opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)
    sched = mg.optim.lr_scheduler.StepLR(opt, step_size=2)
    sd = {**sched.state_dict(), "_get_lr_called_within_step": True}
    with pytest.raises(ValueError, match="_get_lr_called_within_step=True"):
        sched.load_state_dict(sd)
