"""Learning-rate schedulers against torch.optim.lr_scheduler: the rates (and
cycled momenta) of every step equal PyTorch's to the last bit, the parameters
they drive match step for step, state dicts round trip, and bad arguments are
refused."""
import copy
import pickle

import numpy as np
import pytest

import minigrad as mg

STEPS = 40
# name: (class name, options), the same options for both frameworks
SCHEDULERS = {
    "step": ("StepLR", dict(step_size=7, gamma=0.5)),
    "step_default_gamma": ("StepLR", dict(step_size=3)),
    "multistep": ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    "exponential": ("ExponentialLR", dict(gamma=0.9)),
    "cosine": ("CosineAnnealingLR", dict(T_max=10)),
    "cosine_eta_min": ("CosineAnnealingLR", dict(T_max=17, eta_min=0.001)),
    "linear": ("LinearLR", dict()),
    "linear_down": ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=25)),
    "onecycle": ("OneCycleLR", dict(max_lr=0.5, total_steps=STEPS)),
    "onecycle_linear_three_phase": ("OneCycleLR", dict(
        max_lr=[0.5, 0.2], total_steps=STEPS + 1, pct_start=0.25, anneal_strategy="linear",
        three_phase=True)),
    "onecycle_epochs": ("OneCycleLR", dict(
        max_lr=0.3, epochs=5, steps_per_epoch=8, div_factor=10.0, final_div_factor=100.0,
        base_momentum=[0.8, 0.7], max_momentum=0.9)),
    "onecycle_no_momentum": ("OneCycleLR", dict(max_lr=0.4, total_steps=STEPS,
                                                cycle_momentum=False)),
}
PLATEAUS = {
    "plateau": dict(factor=0.5, patience=2),
    "plateau_max_abs_cooldown": dict(mode="max", factor=0.3, patience=1, threshold=0.05,
                                     threshold_mode="abs", cooldown=2, min_lr=[0.01, 0.001]),
    "plateau_eps_min_lr": dict(factor=0.5, patience=0, eps=0.002, min_lr=0.004),
}
OPTIMIZERS = {
    "sgd_momentum": ("SGD", dict(lr=0.1, momentum=0.9)),
    "adam": ("Adam", dict(lr=0.01, betas=(0.85, 0.99))),
    "rmsprop_momentum": ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
}


def _metric(t):
    """A noisy decreasing loss with plateaus (the same every run)."""
    return round(1.0 / (1 + t // 4) + 0.03 * np.sin(1.7 * t), 3)


def _pair(torch, opt_name, arrays):
    cls, kw = OPTIMIZERS[opt_name]
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.03}]  # noqa: E731
    return mp, tp, getattr(mg.optim, cls)(groups(mp), **kw), \
        getattr(torch.optim, cls)(groups(tp), foreach=False, **kw)


def _arrays():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((4, 3)), rng.standard_normal(3)]


def _schedulers(torch, name, opt, topt):
    if name in PLATEAUS:
        cls, kw = "ReduceLROnPlateau", PLATEAUS[name]
    else:
        cls, kw = SCHEDULERS[name]
    return (getattr(mg.optim.lr_scheduler, cls)(opt, **kw),
            getattr(torch.optim.lr_scheduler, cls)(topt, **kw))


def _momenta(opt):
    return [(g.get("momentum"), g.get("betas")) for g in opt.param_groups]


def _run(torch, name, opt_name, steps=STEPS):
    """Step both frameworks; after each step, the rates and momenta are
    equal (==) and the parameters close.  The largest parameter difference."""
    mp, tp, opt, topt = _pair(torch, opt_name, _arrays())
    sched, tsched = _schedulers(torch, name, opt, topt)
    assert sched.get_last_lr() == tsched.get_last_lr()
    rng, worst = np.random.default_rng(1), 0.0
    for t in range(steps):
        for m, p in zip(mp, tp):
            g = rng.standard_normal(m.shape)
            m.grad, p.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        if name in PLATEAUS:
            sched.step(_metric(t))
            tsched.step(_metric(t))
        else:
            sched.step()
            tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr(), f"step {t + 1}"
        assert [g["lr"] for g in opt.param_groups] == tsched.get_last_lr()
        assert _momenta(opt) == _momenta(topt), f"step {t + 1}"
        for m, p in zip(mp, tp):
            np.testing.assert_allclose(m.numpy(), p.detach().numpy(), rtol=1e-12, atol=1e-15)
            worst = max(worst, float(np.abs(m.numpy() - p.detach().numpy()).max()))
    return sched, tsched, worst


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
@pytest.mark.parametrize("name", list(SCHEDULERS) + list(PLATEAUS))
def test_every_step_matches_torch(name, opt_name):
    torch = pytest.importorskip("torch")
    _run(torch, name, opt_name)


def test_the_schedules_do_change_the_rates():
    """A guard on the test above: each schedule moves the rates (and
    one-cycle the momenta) within the steps compared."""
    torch = pytest.importorskip("torch")
    for name in list(SCHEDULERS) + list(PLATEAUS):
        mp, tp, opt, topt = _pair(torch, "sgd_momentum", _arrays())
        sched, _ = _schedulers(torch, name, opt, topt)
        seen = {tuple(sched.get_last_lr())}
        for t in range(STEPS):
            opt.step()
            topt.step()
            sched.step(_metric(t)) if name in PLATEAUS else sched.step()
            seen.add(tuple(sched.get_last_lr()))
        assert len(seen) >= 3, name


# ------------------------------------------------------------------ state
def _torch_keys_we_lack(name):
    return {"_get_lr_called_within_step"} if name not in PLATEAUS else set()


@pytest.mark.parametrize("name", list(SCHEDULERS) + list(PLATEAUS))
def test_state_dict_is_torchs(name):
    torch = pytest.importorskip("torch")
    sched, tsched, _ = _run(torch, name, "adam", steps=12)
    sd, tsd = sched.state_dict(), tsched.state_dict()
    assert set(tsd) - set(sd) == _torch_keys_we_lack(name) and set(sd) <= set(tsd)
    for key, value in sd.items():
        assert value == tsd[key], key


def test_initial_lr_bookkeeping_is_torchs():
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, "sgd_momentum", _arrays())
    first = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    tfirst = torch.optim.lr_scheduler.ExponentialLR(topt, gamma=0.5)
    for _ in range(3):
        opt.step(), topt.step(), first.step(), tfirst.step()
    # a second scheduler keeps the recorded initial_lr (setdefault) as its base_lrs
    second = mg.optim.lr_scheduler.StepLR(opt, step_size=2)
    tsecond = torch.optim.lr_scheduler.StepLR(topt, step_size=2)
    assert second.base_lrs == tsecond.base_lrs == [0.1, 0.03]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    for _ in range(6):          # chained: both act on the current rates
        opt.step(), topt.step()
        for s in (first, second, tfirst, tsecond):
            s.step()
        assert second.get_last_lr() == tsecond.get_last_lr()
    sd, tsd = opt.state_dict(), topt.state_dict()
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert g["initial_lr"] == tg["initial_lr"] and g["lr"] == tg["lr"]


@pytest.mark.parametrize("cls, kw", [("StepLR", dict(step_size=3)),
                                     ("ExponentialLR", dict(gamma=0.8)),
                                     ("CosineAnnealingLR", dict(T_max=6)),
                                     ("LinearLR", dict(total_iters=9)),
                                     ("OneCycleLR", dict(max_lr=0.5, total_steps=30))])
def test_resuming_with_last_epoch_is_torchs(cls, kw):
    torch = pytest.importorskip("torch")
    mp, tp, opt, topt = _pair(torch, "sgd_momentum", _arrays())
    with pytest.raises(ValueError, match=r"param_groups\[0\] has no 'initial_lr'"):
        getattr(mg.optim.lr_scheduler, cls)(opt, last_epoch=4, **kw)
    with pytest.raises(KeyError):
        getattr(torch.optim.lr_scheduler, cls)(topt, last_epoch=4, **kw)
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"], g["max_lr"], g["min_lr"] = 0.2, 0.5, 1e-5
            g["max_momentum"], g["base_momentum"] = 0.95, 0.85
    sched = getattr(mg.optim.lr_scheduler, cls)(opt, last_epoch=4, **kw)
    tsched = getattr(torch.optim.lr_scheduler, cls)(topt, last_epoch=4, **kw)
    for _ in range(12):
        opt.step(), topt.step(), sched.step(), tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert sched.last_epoch == tsched.last_epoch


def _setup(name, lr=0.1):
    model = mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0, dtype="float64"), mg.nn.Tanh(),
                             mg.nn.Linear(4, 1, rng=1, dtype="float64"))
    opt = mg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    cls, kw = ("ReduceLROnPlateau", PLATEAUS[name]) if name in PLATEAUS else SCHEDULERS[name]
    kw = {k: v[0] if isinstance(v, list) and k != "milestones" else v   # one group here
          for k, v in kw.items()}
    return model, opt, getattr(mg.optim.lr_scheduler, cls)(opt, **kw)


_rng = np.random.default_rng(0)
X = mg.tensor(_rng.standard_normal((16, 2)))
Y = mg.tensor(np.sin(X.numpy()[:, :1] * X.numpy()[:, 1:]))


def _train(model, opt, sched, start, steps):
    for t in range(start, start + steps):
        opt.zero_grad()
        loss = ((model(X) - Y) ** 2).mean()
        loss.backward()
        opt.step()
        sched.step(loss) if isinstance(sched, mg.optim.lr_scheduler.ReduceLROnPlateau) \
            else sched.step()


def _via_state_dicts(model, opt, sched, name):
    """Fresh objects with other options, then the three state dicts loaded
    (the scheduler made before the optimizer's state is loaded, as PyTorch
    advises)."""
    model2, opt2, sched2 = _setup(name, lr=0.7)
    model2.load_state_dict(model.state_dict())
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    return model2, opt2, sched2


COPIES = {
    "deepcopy": lambda model, opt, sched, name: copy.deepcopy((model, opt, sched)),
    "pickle": lambda model, opt, sched, name: pickle.loads(pickle.dumps((model, opt, sched))),
    "state_dict": _via_state_dicts,
}


@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("name", ["step", "multistep", "exponential", "cosine", "linear",
                                  "onecycle", "plateau_max_abs_cooldown"])
def test_copies_continue_the_schedule_bit_for_bit(name, how):
    model, opt, sched = _setup(name)
    _train(model, opt, sched, 0, 10)
    model2, opt2, sched2 = COPIES[how](model, opt, sched, name)
    assert sched2.optimizer is opt2 and sched2.state_dict() == sched.state_dict()
    _train(model, opt, sched, 10, 25)
    _train(model2, opt2, sched2, 10, 25)
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
    for p, p2 in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.data, p2.data)


def test_state_dict_is_a_copy_and_another_schedulers_is_refused():
    model, opt, sched = _setup("multistep")
    sd = sched.state_dict()
    sd["base_lrs"].append(5.0)
    sd["milestones"][99] = 1
    assert sched.base_lrs == [0.1] and 99 not in sched.milestones
    other = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
    with pytest.raises(ValueError, match=r"\['gamma', 'milestones'\], which "
                                         "CosineAnnealingLR does not keep"):
        other.load_state_dict(sched.state_dict())
    with pytest.raises(TypeError, match="takes a dict"):
        other.load_state_dict([1, 2])


# ------------------------------------------------------------------ training
LOOPS = {
    "sgd_onecycle": (("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                     ("OneCycleLR", dict(max_lr=0.3, total_steps=STEPS))),
    "adamw_cosine": (("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
                     ("CosineAnnealingLR", dict(T_max=15, eta_min=1e-3))),
    "adam_onecycle": (("Adam", dict(lr=0.01)),
                      ("OneCycleLR", dict(max_lr=0.05, total_steps=STEPS, three_phase=True))),
    "rmsprop_step": (("RMSprop", dict(lr=0.01, momentum=0.5)), ("StepLR", dict(step_size=8))),
    "adagrad_plateau": (("Adagrad", dict(lr=0.3, lr_decay=0.01)),
                        ("ReduceLROnPlateau", dict(factor=0.5, patience=1,
                                                   threshold=0.02))),
    "sgd_linear": (("SGD", dict(lr=0.2)), ("LinearLR", dict(start_factor=0.1,
                                                               total_iters=10))),
}


@pytest.mark.parametrize("name", list(LOOPS))
def test_a_scheduled_training_loop_matches_torch(name):
    """A tiny MLP, each framework's own backward, the scheduler stepped after
    the optimizer every step: losses, rates and weights agree throughout."""
    torch = pytest.importorskip("torch")
    (ocls, okw), (scls, skw) = LOOPS[name]
    rng = np.random.default_rng(1)
    Xa = rng.standard_normal((32, 2))
    ya = (Xa[:, 0] * Xa[:, 1] > 0).astype(float)
    arrays = [rng.standard_normal((2, 8)) * 0.5, np.zeros(8), rng.standard_normal(8) * 0.5]
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt, topt = getattr(mg.optim, ocls)(mp, **okw), getattr(torch.optim, ocls)(tp, **okw)
    sched = getattr(mg.optim.lr_scheduler, scls)(opt, **skw)
    tsched = getattr(torch.optim.lr_scheduler, scls)(topt, **skw)
    for step in range(STEPS):
        opt.zero_grad()
        topt.zero_grad()
        loss = mg.nn.BCEWithLogitsLoss()(mg.tanh(mg.tensor(Xa) @ mp[0] + mp[1]) @ mp[2],
                                         mg.tensor(ya))
        tloss = torch.nn.BCEWithLogitsLoss()(
            torch.tanh(torch.tensor(Xa) @ tp[0] + tp[1]) @ tp[2], torch.tensor(ya))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-12), step
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        if scls == "ReduceLROnPlateau":
            sched.step(loss)
            tsched.step(tloss.detach())
        else:
            sched.step()
            tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr(), step
        assert _momenta(opt) == _momenta(topt), step
        for m, t in zip(mp, tp):
            np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-13)
    assert len({lr for lr in sched.get_last_lr()}) >= 1 and sched.last_epoch == STEPS


# ------------------------------------------------------------------ refused
def _opt(cls="SGD", **kw):
    kw = kw or dict(lr=0.1, momentum=0.9)
    return getattr(mg.optim, cls)([mg.tensor([1.0], requires_grad=True)], **kw)


def _topt(torch, cls="SGD", **kw):
    kw = kw or dict(lr=0.1, momentum=0.9)
    return getattr(torch.optim, cls)([torch.ones(1, requires_grad=True)], **kw)


# (scheduler, options, match, whether torch refuses it with a ValueError too)
BAD = [
    ("StepLR", dict(step_size=0), "step_size must be an integer >= 1, got 0", False),
    ("StepLR", dict(step_size=2.5), "step_size must be an integer", False),
    ("MultiStepLR", dict(milestones=[3, 4.5]), "each milestone must be an integer", False),
    ("CosineAnnealingLR", dict(T_max=0), "T_max must be > 0", False),
    ("LinearLR", dict(start_factor=0.0), r"start_factor must be in \(0, 1\]", True),
    ("LinearLR", dict(start_factor=1.5), r"start_factor must be in \(0, 1\]", True),
    ("LinearLR", dict(end_factor=-0.1), r"end_factor must be in \[0, 1\]", True),
    ("LinearLR", dict(end_factor=1.2), r"end_factor must be in \[0, 1\]", True),
    ("OneCycleLR", dict(max_lr=0.1), "needs total_steps, or epochs and steps_per_epoch", True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=0), "total_steps must be an integer >= 1",
     True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10.0), "total_steps must be an integer",
     True),
    ("OneCycleLR", dict(max_lr=0.1, epochs=0, steps_per_epoch=3), "epochs must be", True),
    ("OneCycleLR", dict(max_lr=0.1, epochs=2, steps_per_epoch=-3), "steps_per_epoch must be",
     True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=1.5),
     r"pct_start must be a float in \[0, 1\]", True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, pct_start=1), "pct_start must be a float",
     True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, anneal_strategy="exp"),
     "anneal_strategy must be 'cos' or 'linear'", True),
    ("OneCycleLR", dict(max_lr=[0.1, 0.2], total_steps=10),
     "max_lr must have one value per parameter group: got 2 values for 1 groups", True),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=10, max_momentum=[0.9, 0.9]),
     "max_momentum must have one value per parameter group", True),
    ("ReduceLROnPlateau", dict(factor=1.0), r"factor must be < 1.0", True),
    ("ReduceLROnPlateau", dict(mode="avg"), "mode must be 'min' or 'max', got 'avg'", True),
    ("ReduceLROnPlateau", dict(threshold_mode="pct"), "threshold_mode must be 'rel' or 'abs'",
     True),
    ("ReduceLROnPlateau", dict(min_lr=[0.1, 0.2]), "min_lr must have one value per", True),
    ("ReduceLROnPlateau", dict(patience=-1), "patience must be an integer >= 0", False),
]


@pytest.mark.parametrize("cls, kw, match, torch_too", BAD, ids=lambda v: str(v))
def test_bad_arguments_are_refused(cls, kw, match, torch_too):
    with pytest.raises(ValueError, match=match):
        getattr(mg.optim.lr_scheduler, cls)(_opt(), **kw)
    if torch_too:
        torch = pytest.importorskip("torch")
        with pytest.raises(ValueError):
            getattr(torch.optim.lr_scheduler, cls)(_topt(torch), **kw)


@pytest.mark.parametrize("cls, kw", [("StepLR", dict(step_size=2)),
                                     ("ExponentialLR", dict(gamma=0.5)),
                                     ("OneCycleLR", dict(max_lr=0.1, total_steps=5)),
                                     ("ReduceLROnPlateau", dict())])
def test_a_scheduler_needs_an_optimizer(cls, kw):
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        getattr(mg.optim.lr_scheduler, cls)([mg.tensor([1.0], requires_grad=True)], **kw)


def test_one_cycle_refuses_what_torch_refuses():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="Adagrad has neither momentum nor betas"):
        mg.optim.lr_scheduler.OneCycleLR(_opt("Adagrad", lr=0.1), max_lr=1.0, total_steps=5)
    with pytest.raises(ValueError):
        torch.optim.lr_scheduler.OneCycleLR(_topt(torch, "Adagrad", lr=0.1), max_lr=1.0,
                                            total_steps=5)
    mg.optim.lr_scheduler.OneCycleLR(_opt("Adagrad", lr=0.1), max_lr=1.0, total_steps=5,
                                     cycle_momentum=False)
    opt, topt = _opt(), _topt(torch)
    sched = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step(), topt.step(), sched.step(), tsched.step()
    opt.step(), topt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        tsched.step()


def test_plateau_takes_a_tensor_metric_and_a_mismatched_group_count_is_refused():
    opt = _opt()
    sched = mg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    sched.step(mg.tensor(1.0))
    sched.step(mg.tensor([2.0]))
    assert sched.get_last_lr() == [pytest.approx(0.01)]
    opt.add_param_group({"params": [mg.tensor([1.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="2 parameter groups but min_lr has 1 values"):
        sched.step(3.0)
