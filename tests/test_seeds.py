"""Every example of the seed documents (../shared/seeds/), with the same
data and minigrad names, gives the numbers the documents print.

Where a seed prints nothing, the expectation is its own numpy code, run here.
float32 numbers are compared to 2 ulp: the seeds' Keras ran on other log
implementations (the torch backend), which differ from numpy's in the last
bit."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import formulas

F32 = dict(rtol=2.5e-7, atol=0)


class TestSeed000TensorFlowWalkthrough:
    """000: BCE step by step in numpy, then tf.keras's BinaryCrossentropy."""

    y_true = np.array([0, 1, 0, 0])
    y_pred = np.array([0.1, 0.95, 0.2, 0.6])

    def test_the_steps(self):
        y_true, y_pred = mg.tensor(self.y_true), mg.tensor(self.y_pred)
        np.testing.assert_allclose(mg.log(y_pred).numpy(),
                                   [-2.30258509, -0.05129329, -1.60943791, -0.51082562],
                                   rtol=0, atol=5e-9)
        np.testing.assert_allclose((y_true * mg.log(y_pred)).numpy(), [-0., -0.05129329, -0., -0.],
                                   rtol=0, atol=5e-9)
        assert mg.sum(y_true * mg.log(y_pred)).item() == -0.05129329438755058
        assert (1 - y_true).tolist() == [1, 0, 1, 1]
        np.testing.assert_allclose(mg.log(1 - y_pred).numpy(),
                                   [-0.10536052, -2.99573227, -0.22314355, -0.91629073],
                                   rtol=0, atol=5e-9)
        assert mg.sum((1 - y_true) * mg.log(1 - y_pred)).item() == -1.244794798846191
        total = mg.sum(y_true * mg.log(y_pred)) + mg.sum((1 - y_true) * mg.log(1 - y_pred))
        assert total.item() == -1.2960880932337415

    def test_bce_loss_function(self):
        def bce_loss(y_true, y_pred):
            return -1 / len(y_true) * (mg.sum(y_true * mg.log(y_pred))
                                       + mg.sum((1 - y_true) * mg.log(1 - y_pred)))

        assert bce_loss(mg.tensor(self.y_true), mg.tensor(self.y_pred)).item() == 0.3240220233084354

    def test_the_framework_numbers(self):
        bce = mg.losses.BinaryCrossentropy(from_logits=False)
        # Keras 3 on the float64 arrays: the numpy number
        assert bce(self.y_true, self.y_pred).item() == pytest.approx(0.3240220233084354, rel=1e-15)
        # Keras 3 in float32
        assert bce(self.y_true, self.y_pred.astype(np.float32)).item() == np.float32(0.32402205)
        # tf.keras 2.x (what the seed ran): clip and epsilon inside the log, float32
        y = mg.tensor(self.y_true, dtype="float32")
        p = mg.tensor(self.y_pred, dtype="float32")
        tf2 = formulas.binary_crossentropy(y, p, clip=1e-7, log_eps=1e-7).mean()
        assert float(tf2.item()) == 0.3240218758583069


class TestSeed001KerasTorchBackend:
    """001: keras.losses with torch tensors (float32)."""

    def test_binary_crossentropy(self):
        y_true = mg.tensor([1, 0, 1, 0])
        y_pred = mg.tensor([0.2, 0.1, 0.9, 0.05])
        np.testing.assert_allclose(mg.losses.binary_crossentropy(y_true, y_pred).numpy(),
                                   np.float32(0.46786305), **F32)
        manual = -(mg.log(mg.tensor(0.2, dtype="float64")) + np.log(0.9) + np.log(0.9)
                   + np.log(0.95)) / 4
        assert manual.item() == 0.4678630595343259
        bce = mg.losses.BinaryCrossentropy()
        np.testing.assert_allclose(bce(y_true, y_pred).numpy(), np.float32(0.46786305), **F32)

    y3 = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    p3 = [[0.8, 0.05, 0.1, 0.05], [0.2, 0.5, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]]
    printed = np.array([0.22314352, 0.6931472, 0.35667494], dtype=np.float32)

    def test_categorical_crossentropy(self):
        y_true, y_pred = mg.tensor(self.y3), mg.tensor(self.p3)
        np.testing.assert_allclose(mg.losses.categorical_crossentropy(y_true, y_pred).numpy(),
                                   self.printed, **F32)
        assert [-np.log(0.8), -np.log(0.5), -np.log(0.7)] == [
            0.2231435513142097, 0.6931471805599453, 0.35667494393873245]
        cce = mg.losses.CategoricalCrossentropy(reduction=None)
        np.testing.assert_allclose(cce(y_true, y_pred).numpy(), self.printed, **F32)

    def test_sparse_categorical_crossentropy(self):
        y_true = mg.tensor([0, 1, 3])          # float labels, as torch.Tensor makes them
        y_pred = mg.tensor(self.p3)
        np.testing.assert_allclose(
            mg.losses.sparse_categorical_crossentropy(y_true, y_pred).numpy(), self.printed, **F32)
        scce = mg.losses.SparseCategoricalCrossentropy(reduction=None)
        np.testing.assert_allclose(scce(y_true, y_pred).numpy(), self.printed, **F32)
        # in float64, the seed's -log(p) numbers exactly
        y64 = mg.tensor(np.array(self.p3))
        np.testing.assert_allclose(
            mg.losses.sparse_categorical_crossentropy([0, 1, 3], y64).numpy(),
            [0.2231435513142097, 0.6931471805599453, 0.35667494393873245], rtol=1e-15)

    def test_custom_mae_as_a_function_and_as_a_loss_subclass(self):
        def custom_mae_loss(y_true, y_pred):
            return mg.mean(mg.abs(y_true - y_pred))

        class CustomMAELoss(mg.losses.Loss):
            def __init__(self):
                super().__init__()

            def call(self, y_true, y_pred):
                return mg.mean(mg.abs(y_true - y_pred))

        y_true, y_pred = mg.tensor(self.y3), mg.tensor(self.p3)
        np.testing.assert_allclose(custom_mae_loss(y_true, y_pred).numpy(), np.float32(0.16666667),
                                   **F32)
        al = CustomMAELoss()
        np.testing.assert_allclose(al(y_true, y_pred).numpy(), np.float32(0.16666667), **F32)


class TestSeed002TensorFlowArticle:
    """002: a numpy BCE with clip and epsilon inside the log, then tf.keras."""

    @staticmethod
    def seed_numpy(y_true, y_pred):  # the seed's own code, the reference here
        y_pred = np.clip(y_pred, 1e-7, 1 - 1e-7)
        term_0 = y_true * np.log(y_pred + 1e-7)
        term_1 = (1 - y_true) * np.log(1 - y_pred + 1e-7)
        return -np.mean(term_0 + term_1, axis=0)

    def test_the_numpy_function(self):
        y_true = np.array([1, 0, 1]).reshape(-1, 1)
        y_pred = np.array([0, 0, 1]).reshape(-1, 1)
        expected = self.seed_numpy(y_true, y_pred)
        got = formulas.binary_crossentropy(mg.tensor(y_true, dtype="float64"),
                                           mg.tensor(y_pred, dtype="float64"),
                                           clip=1e-7, log_eps=1e-7).mean(axis=0)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-15)

    def test_tf_keras_binary_crossentropy(self):
        y_true = np.array([1., 1., 1.]).reshape(-1, 1)
        y_pred = np.array([1., 1., 0.]).reshape(-1, 1)
        bce = mg.losses.BinaryCrossentropy(from_logits=False, reduction="sum_over_batch_size",
                                           dtype="float32")
        p = mg.tensor(y_pred.astype(np.float32), requires_grad=True)
        loss = bce(y_true, p)
        assert loss.item() == np.float32(5.3726983)   # REFERENCE-losses.md, BCE edge
        loss.backward()
        assert p.grad.tolist() == [[0.0], [0.0], [0.0]]


class TestSeed003NumpyAndTorch:
    """003: a numpy BCE clipped at 1e-15, torch's BCELoss, and a numpy
    imitation of torch's -100 clamp."""

    y_pred = np.array([0.9, 0.2, 0.8, 0.1])
    y_true = np.array([0, 1, 1, 0])

    @staticmethod
    def seed_numpy(y_pred, y_true):
        y_pred = np.clip(y_pred, 1e-15, 1 - 1e-15)
        loss = -(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred))
        return np.mean(loss)

    @staticmethod
    def seed_pytorch_like(y_pred, y_true):
        def pytorch_log(x):
            return [np.log(xx) if not np.isclose(xx, 0.0) else -100 for xx in x]

        return np.mean(-(y_true * pytorch_log(y_pred) + (1 - y_true) * pytorch_log(1 - y_pred)))

    def test_keras_style_with_the_seed_epsilon(self):
        expected = self.seed_numpy(self.y_pred, self.y_true)
        mg.losses.set_epsilon(1e-15)
        try:
            got = mg.losses.binary_crossentropy(self.y_true, self.y_pred)
        finally:
            mg.losses.set_epsilon(1e-7)
        assert got.item() == pytest.approx(expected, rel=1e-15)

    def test_torch_bce_loss(self):
        loss = mg.nn.BCELoss()
        got = loss(mg.tensor(self.y_pred, dtype="float32"), mg.tensor(self.y_true, dtype="float32"))
        expected = self.seed_numpy(self.y_pred, self.y_true)
        np.testing.assert_allclose(got.numpy(), np.float32(expected), rtol=2e-7)
        torch = pytest.importorskip("torch")
        ref = torch.nn.BCELoss()(torch.from_numpy(self.y_pred).float(),
                                 torch.from_numpy(self.y_true).float())
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=2e-7)

    def test_the_clamp_imitation(self):
        for y_pred in (self.y_pred, np.array([0.0, 0.2, 1.0, 0.1])):
            expected = self.seed_pytorch_like(y_pred, self.y_true)
            got = mg.nn.functional.binary_cross_entropy(mg.tensor(y_pred),
                                                        mg.tensor(self.y_true, dtype="float64"))
            assert got.item() == pytest.approx(expected, rel=1e-14)


class TestSeed004GeeksArticle:
    """004: tf.keras BinaryCrossentropy and CategoricalCrossentropy on lists;
    the seed prints no number, so the expectation is REFERENCE-losses.md's
    formula in numpy."""

    def test_binary(self):
        true_labels = [1, 0, 1, 1, 0]
        predicted_probabilities = [0.8, 0.2, 0.6, 0.9, 0.3]
        loss = mg.losses.BinaryCrossentropy()
        bce_loss = loss(true_labels, predicted_probabilities)
        y = np.array(true_labels, np.float32)
        p = np.clip(np.array(predicted_probabilities, np.float32), 1e-7, 1 - 1e-7)
        expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
        np.testing.assert_allclose(bce_loss.numpy(), expected, **F32)

    def test_categorical(self):
        ground_truth = mg.tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=mg.float32)
        predicted_probs = mg.tensor([[0.2, 0.6, 0.2], [0.8, 0.1, 0.1], [0.3, 0.2, 0.5]],
                                    dtype=mg.float32)
        categorical_cross_entropy = mg.losses.CategoricalCrossentropy()
        loss = categorical_cross_entropy(ground_truth, predicted_probs)
        p = predicted_probs.numpy()
        p = np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
        expected = np.mean(-np.sum(ground_truth.numpy() * np.log(p), axis=-1))
        np.testing.assert_allclose(loss.numpy(), expected, **F32)
