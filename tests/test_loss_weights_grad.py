"""Weight-like arguments of the losses: a gradient with respect to a weight
is right, or the call raises.

Differentiable (gradcheck in float64, and PyTorch where it differentiates):
BCE-with-logits ``weight`` and ``pos_weight``, cross-entropy ``weight`` with
probability targets, focal ``alpha`` (both faces), Keras ``sample_weight``
under every reduction (with ``mean_with_sample_weight``'s divisor, the sum of
the weights).  Refused when they require grad, as PyTorch refuses them:
BCELoss's ``weight``, NLL's and index-target cross-entropy's ``weight``.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as MF

L = mg.losses
N, C = 4, 3
rng = np.random.default_rng(7)
Z = rng.standard_normal((N, C)) * 2                 # logits
P = rng.uniform(0.05, 0.95, (N, C))                 # probabilities, off the clip
Y = rng.uniform(0, 1, (N, C))                       # soft targets
YB = (rng.random((N, C)) < 0.5).astype(float)       # hard targets
YP = rng.dirichlet(np.ones(C), N)                   # probability targets
LAB = np.array([0, 2, 1, 2])
W = rng.uniform(0.5, 2, C)                          # one weight per class
SW = rng.uniform(0.5, 2, N)                         # one weight per sample
TORCH_REDUCTIONS = ["mean", "sum", "none"]


def leaf(a):
    return mg.tensor(np.array(a, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------- refusals

REFUSED = {
    "bce": lambda w, r: MF.binary_cross_entropy(mg.tensor(P), mg.tensor(YB), weight=w,
                                                reduction=r),
    "nll": lambda w, r: MF.nll_loss(mg.log_softmax(mg.tensor(Z), axis=1), LAB, weight=w,
                                    reduction=r),
    "cross_entropy": lambda w, r: MF.cross_entropy(mg.tensor(Z), LAB, weight=w, reduction=r),
    "cross_entropy_ls": lambda w, r: MF.cross_entropy(mg.tensor(Z), LAB, weight=w, reduction=r,
                                                      label_smoothing=0.1),
}


@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_weight_requiring_grad_is_refused(name, reduction):
    with pytest.raises(RuntimeError, match=r"with respect to weight.*weight\.detach\(\)"):
        REFUSED[name](leaf(W), reduction)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_weight_is_accepted_detached_or_under_no_grad(name):
    w = leaf(W)
    expected = REFUSED[name](mg.tensor(W), "mean").item()
    assert REFUSED[name](w.detach(), "mean").item() == expected
    with mg.no_grad():
        assert REFUSED[name](w, "mean").item() == expected


@pytest.mark.parametrize("module", [mg.nn.BCELoss, mg.nn.NLLLoss, mg.nn.CrossEntropyLoss])
def test_loss_module_refuses_a_parameter_weight(module):
    loss = module(weight=mg.nn.Parameter(W))
    args = (mg.tensor(P), mg.tensor(YB)) if module is mg.nn.BCELoss else (mg.tensor(Z), LAB)
    with pytest.raises(RuntimeError, match="weight.detach"):
        loss(*args)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_pytorch_refuses_the_same_weights(name):
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    w = torch.tensor(W, requires_grad=True)
    calls = {
        "bce": lambda: TF.binary_cross_entropy(torch.tensor(P), torch.tensor(YB), weight=w),
        "nll": lambda: TF.nll_loss(torch.tensor(Z).log_softmax(1), torch.tensor(LAB), weight=w),
        "cross_entropy": lambda: TF.cross_entropy(torch.tensor(Z), torch.tensor(LAB), weight=w),
        "cross_entropy_ls": lambda: TF.cross_entropy(torch.tensor(Z), torch.tensor(LAB),
                                                     weight=w, label_smoothing=0.1),
    }
    with pytest.raises(RuntimeError, match="weight"):
        calls[name]()


# ------------------------------------------- differentiable, PyTorch face

@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("wshape", [(C,), (N, C)], ids=["class", "full"])
def test_bce_with_logits_weight_and_pos_weight_gradcheck(reduction, wshape):
    r = np.random.default_rng(1)
    w, pw = leaf(r.uniform(0.5, 2, wshape)), leaf(r.uniform(0.5, 2, (C,)))
    mg.gradcheck(lambda z, w, pw: MF.binary_cross_entropy_with_logits(
        z, mg.tensor(Y), weight=w, pos_weight=pw, reduction=reduction), (leaf(Z), w, pw))


def torch_bce_logits(torch, z, y, w, pw, reduction):
    """PyTorch's documented BCE-with-logits formula in torch ops (PyTorch 2
    refuses to differentiate its own with respect to weight or pos_weight)."""
    loss = w * ((1 - y) * z - (1 + (pw - 1) * y) * torch.nn.functional.logsigmoid(z))
    return {"mean": loss.mean, "sum": loss.sum}.get(reduction, lambda: loss)()


@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
def test_bce_with_logits_weight_gradients_match_pytorch(reduction):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(2)
    wv, pwv = r.uniform(0.5, 2, (N, C)), r.uniform(0.5, 2, C)
    w, pw = leaf(wv), leaf(pwv)
    out = MF.binary_cross_entropy_with_logits(mg.tensor(Z), mg.tensor(Y), weight=w,
                                              pos_weight=pw, reduction=reduction)
    tw, tpw = torch.tensor(wv, requires_grad=True), torch.tensor(pwv, requires_grad=True)
    tout = torch_bce_logits(torch, torch.tensor(Z), torch.tensor(Y), tw, tpw, reduction)
    native = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(Z), torch.tensor(Y), weight=torch.tensor(wv),
        pos_weight=torch.tensor(pwv), reduction=reduction)
    np.testing.assert_allclose(tout.detach().numpy(), native.numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), native.numpy(), rtol=1e-12)
    g = r.uniform(0.5, 1.5, out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(pw.grad.numpy(), tpw.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_probability_targets_weight_gradcheck(reduction, label_smoothing):
    mg.gradcheck(lambda z, w: MF.cross_entropy(z, mg.tensor(YP), weight=w, reduction=reduction,
                                               label_smoothing=label_smoothing),
                 (leaf(Z), leaf(W)))


@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cross_entropy_probability_targets_weight_matches_pytorch(reduction, label_smoothing):
    torch = pytest.importorskip("torch")
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    w, tw = leaf(W), torch.tensor(W, requires_grad=True)
    out = MF.cross_entropy(mg.tensor(Z), mg.tensor(YP), weight=w, **kw)
    tout = torch.nn.functional.cross_entropy(torch.tensor(Z), torch.tensor(YP), weight=tw, **kw)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(3).uniform(0.5, 1.5, out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
def test_sigmoid_focal_loss_alpha_tensor_gradcheck_and_pytorch(reduction):
    mg.gradcheck(lambda z, a: MF.sigmoid_focal_loss(z, mg.tensor(YB), alpha=a,
                                                    reduction=reduction),
                 (leaf(Z), leaf(0.3)))
    torch = pytest.importorskip("torch")
    from test_losses_torch import torchvision_sigmoid_focal_loss

    a, ta = leaf(0.3), torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    out = MF.sigmoid_focal_loss(mg.tensor(Z), mg.tensor(YB), alpha=a, reduction=reduction)
    tout = torchvision_sigmoid_focal_loss(torch.tensor(Z), torch.tensor(YB), alpha=ta,
                                          reduction=reduction)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)


# ------------------------------------------------ differentiable, Keras face

KERAS_CASES = {
    "per_sample": (lambda r: L.MeanSquaredError(reduction=r), Y, Z, SW),
    "column": (lambda r: L.MeanSquaredError(reduction=r), Y, Z, SW[:, None]),
    "scalar": (lambda r: L.BinaryCrossentropy(reduction=r), YB, P, 1.7),
    "elementwise": (lambda r: L.BinaryCrossentropy(reduction=r, axis=0), YB, P, W),
    "ignore_class": (lambda r: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                               reduction=r),
                     np.array([0, 2, -1, 1]), Z, SW),
}


@pytest.mark.parametrize("reduction", L.REDUCTIONS)
@pytest.mark.parametrize("case", sorted(KERAS_CASES))
def test_keras_sample_weight_gradcheck(case, reduction):
    make, y_true, y_pred, sw = KERAS_CASES[case]
    loss = make(reduction)
    mg.gradcheck(lambda p, w: loss(y_true, p, sample_weight=w), (leaf(y_pred), leaf(sw)))


def test_keras_mean_with_sample_weight_gradient_includes_the_divisor():
    """d/dw_i [sum(w v) / sum(w)] = (v_i - mean) / sum(w)."""
    v, w = np.array([1.0, 3.0, 4.0]), leaf([1.0, 2.0, 0.5])
    loss = L.reduce_weighted(mg.tensor(v), w, "mean_with_sample_weight")
    loss.backward()
    mean = (v * w.data).sum() / w.data.sum()
    np.testing.assert_allclose(loss.item(), mean, rtol=1e-15)
    np.testing.assert_allclose(w.grad.numpy(), (v - mean) / w.data.sum(), rtol=1e-14)


@pytest.mark.parametrize("reduction", L.REDUCTIONS)
def test_keras_sample_weight_requiring_grad_keeps_values(reduction):
    loss = L.MeanSquaredError(reduction=reduction)
    y_pred = Z.astype(np.float32)
    plain = loss(Y, y_pred, sample_weight=SW.astype(np.float32))
    tracked = loss(Y, y_pred, sample_weight=mg.tensor(SW.astype(np.float32), requires_grad=True))
    np.testing.assert_array_equal(tracked.numpy(), plain.numpy())


def test_keras_weights_summing_to_zero_give_zero_loss_and_gradient():
    w = leaf([0.0, 0.0])
    loss = L.reduce_weighted(mg.tensor([1.0, 3.0]), w, "mean_with_sample_weight")
    loss.backward()
    assert loss.item() == 0.0
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("from_logits", [False, True])
def test_keras_focal_alpha_tensor_gradcheck(from_logits):
    y_pred = Z if from_logits else P
    mg.gradcheck(lambda p, a: L.binary_focal_crossentropy(
        YB, p, apply_class_balancing=True, alpha=a, from_logits=from_logits),
        (leaf(y_pred), leaf(0.3)))
