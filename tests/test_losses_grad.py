"""Every loss and option passes gradcheck in float64, away from clip
boundaries and kinks; logistic regression's gradient agrees between its two
paths; the logits path stays finite for |z| up to 1e4."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as NF

L = mg.losses
rng = np.random.default_rng(42)
N, C = 4, 3

P = rng.uniform(0.05, 0.95, (N, C))            # probabilities, off the clip
Y = rng.uniform(0, 1, (N, C))                   # soft targets
YB = (rng.random((N, C)) < 0.5).astype(float)   # hard targets
Z = rng.standard_normal((N, C)) * 2             # logits
PC = rng.uniform(0.1, 1.0, (N, C))              # unnormalised class probabilities
YC = np.eye(C)[rng.integers(0, C, N)]
LAB = rng.integers(0, C, N)
LAB_IGN = np.array([0, 2, -1, 1])
SW = rng.uniform(0.5, 2, N)
E = np.where(np.abs(Z) < 0.3, 1.0, Z)           # regression errors away from 0
LOGP = Z - np.log(np.exp(Z).sum(1, keepdims=True))
Q = np.exp(LOGP)

KERAS = {
    "bce": (lambda p: L.binary_crossentropy(Y, p), P),
    "bce_axis0_ls": (lambda p: L.binary_crossentropy(YB, p, label_smoothing=0.1, axis=0), P),
    "bce_logits": (lambda z: L.binary_crossentropy(Y, z, from_logits=True), Z),
    "cce": (lambda p: L.categorical_crossentropy(YC, p), PC),
    "cce_ls": (lambda p: L.categorical_crossentropy(YC, p, label_smoothing=0.2), PC),
    "cce_logits": (lambda z: L.categorical_crossentropy(YC, z, from_logits=True), Z),
    "cce_axis0": (lambda z: L.categorical_crossentropy(YC.T, z, from_logits=True, axis=0), Z.T),
    "scce": (lambda p: L.sparse_categorical_crossentropy(LAB, p), PC),
    "scce_logits_ignore": (lambda z: L.sparse_categorical_crossentropy(
        LAB_IGN, z, from_logits=True, ignore_class=-1), Z),
    "focal": (lambda p: L.binary_focal_crossentropy(YB, p), P),
    "focal_balanced_logits_ls": (lambda z: L.binary_focal_crossentropy(
        YB, z, apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True,
        label_smoothing=0.1), Z),
    "mse": (lambda p: L.mean_squared_error(Y, p), Z),
    "mae": (lambda p: L.mean_absolute_error(np.zeros((N, C)), p), E),
    "huber": (lambda p: L.huber(np.zeros((N, C)), p, delta=1.5), E + 0.1),
    "kl": (lambda p: L.kl_divergence(Q, p), Q[::-1].copy()),
    "class_sum_sw": (lambda p: L.BinaryCrossentropy(reduction="sum")(Y, p, sample_weight=SW), P),
    "class_mean_sw": (lambda p: L.CategoricalCrossentropy(
        reduction="mean_with_sample_weight")(YC, p, sample_weight=SW), PC),
    "class_ignore": (lambda z: L.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=-1)(LAB_IGN, z), Z),
}

W = rng.uniform(0.5, 2, C)
TORCH = {
    "BCELoss": (lambda p: mg.nn.BCELoss()(p, mg.tensor(Y)), P),
    "BCELoss_weight": (lambda p: mg.nn.BCELoss(weight=mg.tensor(W))(p, mg.tensor(YB)), P),
    "BCEWithLogits": (lambda z: mg.nn.BCEWithLogitsLoss()(z, mg.tensor(Y)), Z),
    "BCEWithLogits_pw_w": (lambda z: mg.nn.BCEWithLogitsLoss(
        weight=mg.tensor(W), pos_weight=mg.tensor(W[::-1].copy()), reduction="sum")(
        z, mg.tensor(Y)), Z),
    "CE": (lambda z: mg.nn.CrossEntropyLoss()(z, LAB), Z),
    "CE_w_ignore_ls": (lambda z: mg.nn.CrossEntropyLoss(
        weight=mg.tensor(W), ignore_index=2, label_smoothing=0.1)(z, LAB), Z),
    "CE_prob": (lambda z: mg.nn.CrossEntropyLoss(weight=mg.tensor(W), label_smoothing=0.2)(
        z, mg.tensor(Q)), Z),
    "CE_spatial": (lambda z: mg.nn.CrossEntropyLoss(reduction="sum")(
        z.reshape(2, C, 2), LAB.reshape(2, 2) % C), Z.reshape(-1)),
    "NLL": (lambda x: mg.nn.NLLLoss(weight=mg.tensor(W))(x, LAB), LOGP),
    "MSE": (lambda x: mg.nn.MSELoss()(x, mg.tensor(Y)), Z),
    "L1": (lambda x: mg.nn.L1Loss(reduction="sum")(x, mg.tensor(np.zeros((N, C)))), E),
    "Huber": (lambda x: mg.nn.HuberLoss(delta=0.7)(x, mg.tensor(np.zeros((N, C)))), E + 0.1),
    "KLDiv": (lambda x: mg.nn.KLDivLoss(reduction="batchmean")(x, mg.tensor(Q)), LOGP),
    "KLDiv_logt": (lambda x: mg.nn.KLDivLoss(log_target=True)(x, mg.tensor(LOGP[::-1].copy())),
                   LOGP),
    "sigmoid_focal": (lambda z: NF.sigmoid_focal_loss(z, mg.tensor(YB), reduction="mean"), Z),
}


def _check(fn, x0, second=False):
    x = mg.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    assert mg.gradcheck(fn, (x,))
    if second:
        assert mg.gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", list(KERAS))
def test_keras_family_gradcheck(name):
    fn, x0 = KERAS[name]
    _check(fn, x0)


@pytest.mark.parametrize("name", list(TORCH))
def test_torch_family_gradcheck(name):
    fn, x0 = TORCH[name]
    _check(fn, x0)


@pytest.mark.parametrize("name", ["bce_logits", "cce_logits", "bce", "focal"])
def test_second_derivatives_of_losses(name):
    fn, x0 = KERAS[name]
    _check(fn, x0, second=True)


def test_gradient_with_respect_to_soft_targets():
    y = mg.tensor(Y, requires_grad=True)
    assert mg.gradcheck(lambda t: L.binary_crossentropy(t, P), (y,))
    assert mg.gradcheck(lambda t: mg.nn.MSELoss()(mg.tensor(Z), t), (y,))


class TestLogisticRegression:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = (rng.random(30) < 0.5).astype(float)

    def loss_prob(self, w):
        p = mg.sigmoid(mg.tensor(self.X) @ w)
        return mg.losses.BinaryCrossentropy()(self.y, p)

    def loss_logits(self, w):
        return mg.losses.BinaryCrossentropy(from_logits=True)(self.y, mg.tensor(self.X) @ w)

    def test_both_paths_pass_gradcheck(self):
        w = mg.tensor(self.rng.standard_normal(4) * 0.5, requires_grad=True)
        assert mg.gradcheck(self.loss_prob, (w,))
        assert mg.gradcheck(self.loss_logits, (w,))

    @pytest.mark.parametrize("scale", [0.01, 0.3, 1.0])
    def test_the_paths_agree_for_moderate_logits(self, scale):
        w0 = self.rng.standard_normal(4)
        w0 *= scale * 14.9 / np.abs(self.X @ w0).max()     # |z| < 15
        grads = []
        for f in (self.loss_prob, self.loss_logits):
            w = mg.tensor(w0, requires_grad=True)
            f(w).backward()
            grads.append(w.grad.numpy())
        # the probability path clips at 1e-7: |z| < 15 keeps sigmoid inside
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, atol=1e-9)
        p = 1 / (1 + np.exp(-self.X @ w0))
        np.testing.assert_allclose(grads[1], self.X.T @ (p - self.y) / 30, rtol=1e-12)

    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_logits_path_is_finite_for_huge_logits(self, dtype):
        z = mg.tensor(np.array([-1e4, -500.0, -30.0, 0.0, 30.0, 500.0, 1e4], dtype),
                      requires_grad=True)
        y = np.array([1, 0, 1, 0, 1, 0, 1], dtype)
        for loss in (mg.losses.binary_crossentropy(y, z, from_logits=True),
                     mg.nn.BCEWithLogitsLoss()(z, mg.tensor(y)),
                     mg.losses.binary_focal_crossentropy(y, z, from_logits=True)):
            z.grad = None
            assert np.isfinite(loss.numpy()).all()
            loss.backward()
            assert np.isfinite(z.grad.numpy()).all()
        z.grad = None
        mg.nn.BCEWithLogitsLoss(reduction="sum")(z, mg.tensor(y)).backward()
        sig = np.array([0, 0, 0, 0.5, 1, 1, 1], dtype)
        np.testing.assert_allclose(z.grad.numpy(), sig - y, atol=1e-12)
