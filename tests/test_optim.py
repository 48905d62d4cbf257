"""Optimizers match torch.optim step for step (float64, 1e-12)."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

STEPS = 20
CONFIGS = {
    "sgd": (dict(lr=0.1), dict(lr=0.1)),
    "sgd_momentum": (dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9)),
    "sgd_momentum_wd": (dict(lr=0.05, momentum=0.8, weight_decay=0.01),
                        dict(lr=0.05, momentum=0.8, weight_decay=0.01)),
    "sgd_nesterov": (dict(lr=0.05, momentum=0.9, nesterov=True),
                     dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_dampening": (dict(lr=0.05, momentum=0.9, dampening=0.3),
                      dict(lr=0.05, momentum=0.9, dampening=0.3)),
    "adam": (dict(lr=0.01), dict(lr=0.01)),
    "adam_betas_eps_wd": (dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
                          dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
}


def _pair(name, params):
    ours_kw, theirs_kw = CONFIGS[name]
    cls = mg.optim.Adam if name.startswith("adam") else mg.optim.SGD
    tcls = torch.optim.Adam if name.startswith("adam") else torch.optim.SGD
    mp = [mg.tensor(p.copy(), requires_grad=True) for p in params]
    tp = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    return mp, tp, cls(mp, **ours_kw), tcls(tp, **theirs_kw)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_same_gradients_same_steps(name):
    rng = np.random.default_rng(0)
    params = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    mp, tp, opt, topt = _pair(name, params)
    for step in range(STEPS):
        for m, t in zip(mp, tp):
            g = rng.standard_normal(m.shape)
            m.grad = mg.tensor(g)
            t.grad = torch.tensor(g)
        opt.step()
        topt.step()
        for m, t in zip(mp, tp):
            np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14,
                                       err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name", ["sgd_momentum_wd", "adam_betas_eps_wd"])
def test_training_an_mlp_matches(name):
    """Gradients from each framework's own backward of the same model."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    params = [rng.standard_normal((2, 8)) * 0.5, np.zeros(8), rng.standard_normal(8) * 0.5]
    mp, tp, opt, topt = _pair(name, params)
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
        np.testing.assert_allclose(m.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_parameter_groups_skip_missing_grads_and_zero_grad():
    a, b = mg.tensor([1.0], requires_grad=True), mg.tensor([1.0], requires_grad=True)
    opt = mg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad = mg.tensor([1.0])
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == 1.0
    b.grad = mg.tensor([1.0])
    opt.step()
    assert b.item() == pytest.approx(0.0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_bad_optimizer_arguments():
    p = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="invalid lr"):
        mg.optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="betas"):
        mg.optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.Adam([])
    with pytest.raises(TypeError, match="requires_grad=True"):
        mg.optim.SGD([mg.tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="nesterov"):
        mg.optim.SGD([p], lr=0.1, nesterov=True)
