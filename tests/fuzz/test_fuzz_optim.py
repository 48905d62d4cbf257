"""Optimizers against torch.optim, as a property: random SGD (momentum,
dampening, Nesterov, weight decay) and Adam (betas, eps, weight decay)
options, 1-3 float64 parameters, 1-60 steps of random gradients (some
steps leave a parameter without one, which both skip): every parameter
equal to PyTorch's to 1e-12 after every step, relative to its initial
value plus the steps it has taken.

A long run: ``pytest -m fuzz --fuzz-examples 2000 -k optim tests/fuzz``.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from fuzz.report import STATS, fuzz_settings

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.fuzz

RTOL = 1e-12


@st.composite
def sgd_options(draw):
    momentum = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]) | st.floats(0, 0.999))
    nesterov = momentum > 0 and draw(st.booleans())
    dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.1, 0.5]) | st.floats(0, 1))
    return {"lr": draw(st.sampled_from([1e-3, 0.01, 0.1, 1.0]) | st.floats(1e-5, 1)),
            "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
            "weight_decay": draw(st.sampled_from([0.0, 1e-4, 0.01, 0.1]))}


@st.composite
def adam_options(draw):
    # beta1 <= 0.5 (where torch's lerp takes its other branch) is also drawn; see
    # test_adam_first_moment_rounds_as_torch_lerp.
    # beta2 >= 0.5: with a short memory of v, a gradient 1e10 times smaller than the
    # last makes m / sqrt(v) huge, and that step amplifies the frameworks' earlier
    # rounding differences (fed back through weight decay) past 1e-12
    beta1 = st.sampled_from([0.0, 0.3, 0.6, 0.9, 0.99, 0.999]) | st.floats(0.0, 0.9999)
    beta2 = st.sampled_from([0.5, 0.9, 0.99, 0.999]) | st.floats(0.5, 0.9999)
    return {"lr": draw(st.sampled_from([1e-3, 0.01, 0.1]) | st.floats(1e-5, 1)),
            "betas": (draw(beta1), draw(beta2)),
            "eps": draw(st.sampled_from([1e-8, 1e-6, 1e-3, 0.0])),
            "weight_decay": draw(st.sampled_from([0.0, 1e-4, 0.01, 0.1]))}


OPTIMIZERS = {"SGD": (mg.optim.SGD, torch.optim.SGD, sgd_options()),
              "Adam": (mg.optim.Adam, torch.optim.Adam, adam_options())}


@fuzz_settings(100)
@given(name=st.sampled_from(sorted(OPTIMIZERS)), data=st.data(),
       shapes=st.lists(st.lists(st.integers(1, 4), max_size=2).map(tuple), min_size=1, max_size=3),
       steps=st.integers(1, 60), seed=st.integers(0, 2 ** 32 - 1))
def test_optimizers_match_torch_optim(name, data, shapes, steps, seed):
    ours, theirs, options = OPTIMIZERS[name]
    kw = data.draw(options, label="options")
    if name == "Adam" and kw["eps"] == 0.0:
        kw["eps"] = 1e-8 if data.draw(st.booleans()) else 0.0
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s) * rng.choice([1.0, 1e-3, 1e3]) for s in shapes]
    mp = [mg.tensor(a.copy(), requires_grad=True) for a in init]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    opt, topt = ours(mp, **kw), theirs(tp, **kw)
    # a parameter is w0 - (sum of the steps): its rounding error is relative to
    # |w0| + sum |step| (the two frameworks round each step's arithmetic apart:
    # PyTorch's lerp_, addcmul_ and addcdiv_ kernels fuse multiply-adds)
    scale = [1 + np.abs(a) for a in init]
    before = [a.copy() for a in init]
    for step in range(steps):
        for m, t in zip(mp, tp):
            if step and rng.random() < 0.1:           # no gradient this step: both skip it
                m.grad, t.grad = None, None
                continue
            g = rng.normal(size=m.shape) * rng.choice([1.0, 1e-6, 1e4])
            if name == "Adam" and kw["eps"] == 0.0:
                g = np.where(g == 0, 1.0, g)          # eps = 0 divides by sqrt(v)
            m.grad, t.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
        for i, (m, t) in enumerate(zip(mp, tp)):
            want = t.detach().numpy()
            scale[i] = scale[i] + np.abs(want - before[i])
            before[i] = want.copy()
            err = np.abs(m.numpy() - want)
            assert (err <= RTOL * scale[i]).all(), (
                f"{name}({kw}) parameter {i} after step {step + 1}: torch {want}, "
                f"minigrad {m.numpy()}, max |diff| / scale {(err / scale[i]).max():.3g}")
    STATS.count(f"optimizer runs {name}")
    STATS.count("optimizer steps", steps)


@pytest.mark.parametrize("beta1", [0.0, 0.25])
def test_adam_first_moment_rounds_as_torch_lerp(beta1):
    mp = mg.tensor(np.array([1.0]), requires_grad=True)
    tp = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = mg.optim.Adam([mp], lr=0.1, betas=(beta1, 0.0))
    topt = torch.optim.Adam([tp], lr=0.1, betas=(beta1, 0.0))
    for g in (0.3, 1e-6):
        mp.grad, tp.grad = mg.tensor(np.array([g])), torch.tensor([g], dtype=torch.float64)
        opt.step()
        topt.step()
    assert opt.state[mp]["exp_avg"][0] == topt.state[tp]["exp_avg"][0].item()
    np.testing.assert_allclose(mp.numpy(), tp.detach().numpy(), rtol=RTOL, atol=0)
