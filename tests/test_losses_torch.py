"""Parity of every minigrad.nn loss and option with PyTorch: values and
gradients, float64 and float32, on random inputs that include probabilities
of exactly 0, 1, 1e-7 and 1 - 1e-7 and logits of +-1e4.

PyTorch's BCELoss backward is not the derivative of its forward where its
input is 0 or 1 ((x - y) / max(x (1 - x), 1e-12)); there minigrad's own rule,
the derivative of the clamped forward, is asserted instead."""
import itertools
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as MF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

N, C = 7, 4
SPECIAL_P = [0.0, 1.0, 1e-7, 1 - 1e-7]
TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-6, atol=1e-6)}


def probs(rng, shape, dtype):
    p = rng.uniform(0, 1, shape)
    flat = p.reshape(-1)
    idx = rng.choice(flat.size, size=len(SPECIAL_P), replace=False)
    flat[idx] = SPECIAL_P
    return p.astype(dtype)


def logits(rng, shape, dtype):
    z = rng.standard_normal(shape) * 3
    flat = z.reshape(-1)
    idx = rng.choice(flat.size, size=2, replace=False)
    flat[idx] = [1e4, -1e4]
    return z.astype(dtype)


def binary_targets(rng, shape, dtype, soft):
    y = rng.uniform(0, 1, shape) if soft else (rng.random(shape) < 0.5)
    return y.astype(dtype)


def compare(mg_fn, torch_fn, x, y, dtype, g_seed=0, grad_mask=None):
    """Values and input gradients of both, for one upstream gradient."""
    xm = mg.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out = mg_fn(xm, y)
    tout = torch_fn(xt, y)
    tol = TOL[dtype]
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    g = np.random.default_rng(g_seed).uniform(0.5, 1.5, out.shape).astype(dtype)
    out.backward(g)
    tout.backward(torch.tensor(g))
    ours, theirs = xm.grad.numpy(), xt.grad.numpy()
    assert np.isfinite(ours).all()
    if grad_mask is not None:
        ours, theirs = ours[grad_mask], theirs[grad_mask]
    np.testing.assert_allclose(ours, theirs, **tol)
    return xm.grad.numpy(), g


def as_torch(v):
    return None if v is None else torch.tensor(v)


def as_mg(v):
    return None if v is None else mg.tensor(v)


DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [None, "class", "full"])
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_bce_loss(dtype, reduction, weight, soft):
    rng = np.random.default_rng(1)
    x = probs(rng, (N, C), dtype)
    y = binary_targets(rng, (N, C), dtype, soft)
    w = {None: None, "class": rng.uniform(0.5, 2, C), "full": rng.uniform(0.5, 2, (N, C))}[weight]
    w = None if w is None else w.astype(dtype)
    edge = (x == 0) | (x == 1)
    grad, g = compare(
        lambda a, b: mg.nn.BCELoss(weight=as_mg(w), reduction=reduction)(a, mg.tensor(b)),
        lambda a, b: torch.nn.BCELoss(weight=as_torch(w), reduction=reduction)(a, torch.tensor(b)),
        x, y, dtype, grad_mask=~edge)
    # where x is 0 or 1: the derivative of the clamped forward
    scale = {"mean": g / x.size, "sum": g, "none": g}[reduction]
    ww = 1.0 if w is None else np.broadcast_to(w, x.shape)
    rule = np.where(x == 0, 1 - y, -y) * ww * scale
    np.testing.assert_allclose(grad[edge], rule[edge].astype(dtype), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight,pos_weight", list(itertools.product([False, True], repeat=2)))
@pytest.mark.parametrize("soft", [False, True], ids=["hard", "soft"])
def test_bce_with_logits_loss(dtype, reduction, weight, pos_weight, soft):
    rng = np.random.default_rng(2)
    x = logits(rng, (N, C), dtype)
    y = binary_targets(rng, (N, C), dtype, soft)
    w = rng.uniform(0.5, 2, C).astype(dtype) if weight else None
    pw = rng.uniform(0.5, 3, C).astype(dtype) if pos_weight else None
    compare(
        lambda a, b: mg.nn.BCEWithLogitsLoss(weight=as_mg(w), pos_weight=as_mg(pw),
                                             reduction=reduction)(a, mg.tensor(b)),
        lambda a, b: torch.nn.BCEWithLogitsLoss(weight=as_torch(w), pos_weight=as_torch(pw),
                                                reduction=reduction)(a, torch.tensor(b)),
        x, y, dtype)


def _index_targets(rng, shape, ignore):
    t = rng.integers(0, C, shape)
    if ignore is not None:
        flat = t.reshape(-1)
        flat[rng.choice(flat.size, size=2, replace=False)] = ignore
        if ignore not in (-100,):
            pass
    return t


CE_SHAPES = {"NC": ((N, C), (N,)), "C": ((C,), ()), "NCd": ((3, C, 2), (3, 2))}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(CE_SHAPES))
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_index_targets(dtype, reduction, shape, weight, ignore_index,
                                     label_smoothing):
    rng = np.random.default_rng(3)
    xshape, tshape = CE_SHAPES[shape]
    x = logits(rng, xshape, dtype)
    t = rng.integers(0, C, tshape)
    if ignore_index != -100 and t.size > 1:
        t.reshape(-1)[0] = ignore_index          # some, not all, ignored
        t.reshape(-1)[-1] = (ignore_index + 1) % C
    w = rng.uniform(0.5, 2, C).astype(dtype) if weight else None
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    compare(lambda a, b: mg.nn.CrossEntropyLoss(weight=as_mg(w), **kw)(a, b),
            lambda a, b: torch.nn.CrossEntropyLoss(weight=as_torch(w), **kw)(a, torch.tensor(b)),
            x, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_probability_targets(dtype, reduction, weight, label_smoothing):
    rng = np.random.default_rng(4)
    x = logits(rng, (N, C), dtype)
    e = rng.uniform(0, 1, (N, C))
    e[0] = [1, 0, 0, 0]
    t = (e / e.sum(1, keepdims=True)).astype(dtype)
    w = rng.uniform(0.5, 2, C).astype(dtype) if weight else None
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    compare(lambda a, b: mg.nn.CrossEntropyLoss(weight=as_mg(w), **kw)(a, mg.tensor(b)),
            lambda a, b: torch.nn.CrossEntropyLoss(weight=as_torch(w), **kw)(a, torch.tensor(b)),
            x, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 1])
def test_nll_loss(dtype, reduction, weight, ignore_index):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((N, C))
    x = (z - np.log(np.exp(z).sum(1, keepdims=True))).astype(dtype)
    t = rng.integers(0, C, N)
    t[0], t[1] = ignore_index if ignore_index >= 0 else 0, 3
    w = rng.uniform(0.5, 2, C).astype(dtype) if weight else None
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    compare(lambda a, b: mg.nn.NLLLoss(weight=as_mg(w), **kw)(a, b),
            lambda a, b: torch.nn.NLLLoss(weight=as_torch(w), **kw)(a, torch.tensor(b)),
            x, t, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse", "l1", "huber1", "huber_half"])
def test_regression_losses(dtype, reduction, name):
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((N, C)) * 2).astype(dtype)
    y = (rng.standard_normal((N, C)) * 2).astype(dtype)
    ours, theirs = {
        "mse": (mg.nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction)),
        "l1": (mg.nn.L1Loss(reduction), torch.nn.L1Loss(reduction=reduction)),
        "huber1": (mg.nn.HuberLoss(reduction), torch.nn.HuberLoss(reduction=reduction)),
        "huber_half": (mg.nn.HuberLoss(reduction, delta=0.5),
                       torch.nn.HuberLoss(reduction=reduction, delta=0.5)),
    }[name]
    compare(lambda a, b: ours(a, mg.tensor(b)), lambda a, b: theirs(a, torch.tensor(b)),
            x, y, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss(dtype, reduction, log_target):
    rng = np.random.default_rng(7)
    z = rng.standard_normal((N, C))
    x = (z - np.log(np.exp(z).sum(1, keepdims=True))).astype(dtype)
    p = rng.uniform(0, 1, (N, C))
    p[0, 0] = 0.0                          # 0 log 0 = 0
    p = p / p.sum(1, keepdims=True)
    target = (np.log(np.where(p > 0, p, 1.0)) if log_target else p).astype(dtype)
    if log_target:
        target[0, 0] = -50.0
    kw = dict(reduction=reduction, log_target=log_target)

    def torch_kl(a, b):
        with warnings.catch_warnings():   # PyTorch warns that "mean" is not the true KL
            warnings.simplefilter("ignore", UserWarning)
            return torch.nn.KLDivLoss(**kw)(a, torch.tensor(b))

    compare(lambda a, b: mg.nn.KLDivLoss(**kw)(a, mg.tensor(b)), torch_kl, x, target, dtype)


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, in torch ops (torchvision itself
    does not install beside torch 2.13's CPU build)."""
    p = torch.sigmoid(inputs)
    ce_loss = TF.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, -1.0])
@pytest.mark.parametrize("gamma", [2.0, 1.5])
def test_sigmoid_focal_loss(dtype, reduction, alpha, gamma):
    rng = np.random.default_rng(8)
    x = logits(rng, (N, C), dtype)
    y = binary_targets(rng, (N, C), dtype, soft=False)
    kw = dict(alpha=alpha, gamma=gamma, reduction=reduction)
    compare(lambda a, b: MF.sigmoid_focal_loss(a, mg.tensor(b), **kw),
            lambda a, b: torchvision_sigmoid_focal_loss(a, torch.tensor(b), **kw), x, y, dtype)


def test_pytorch_bce_backward_is_not_the_derivative_of_its_forward():
    """The README's example: at x = 0, y = 1, PyTorch's forward is the
    constant 100 (clamped), yet its backward says -1e12."""
    x = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    torch.nn.BCELoss()(x, torch.tensor([1.0], dtype=torch.float64)).backward()
    assert x.grad.item() == pytest.approx(-1e12)
    xm = mg.tensor([0.0], dtype="float64", requires_grad=True)
    loss = mg.nn.BCELoss()(xm, mg.tensor([1.0], dtype="float64"))
    loss.backward()
    assert loss.item() == 100.0 and xm.grad.item() == 0.0
