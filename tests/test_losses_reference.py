"""The test vectors of REFERENCE-losses.md, in float32 and float64."""
import numpy as np
import pytest

import minigrad as mg

F64 = np.float64
F32 = np.float32


def t(x, dtype, grad=False):
    return mg.tensor(np.asarray(x, dtype=dtype), requires_grad=grad)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
class TestVectors:
    def test_bce_a(self, dtype):
        p = t([0.1, 0.95, 0.2, 0.6], dtype, grad=True)
        loss = mg.losses.BinaryCrossentropy()(t([0, 1, 0, 0], dtype), p)
        expected = {F64: 0.3240220233084354, F32: np.float32(0.32402205)}[dtype]
        if dtype == F64:
            assert loss.item() == pytest.approx(expected, rel=1e-15)
        else:
            assert loss.item() == expected
        loss.backward()
        np.testing.assert_allclose(p.grad.numpy(), [0.25 / 0.9, -0.2631578947368421, 0.3125, 0.625],
                                   rtol={F64: 1e-15, F32: 2e-7}[dtype])

    def test_bce_b(self, dtype):
        loss = mg.losses.binary_crossentropy(t([1, 0, 1, 0], dtype), t([0.2, 0.1, 0.9, 0.05], dtype))
        if dtype == F64:
            assert loss.item() == pytest.approx(0.4678630595343259, rel=1e-15)
        else:
            assert loss.item() == np.float32(0.46786305)

    def test_cce_and_sparse(self, dtype):
        y = t([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype)
        p = t([[.8, .05, .1, .05], [.2, .5, .2, .1], [.1, .1, .1, .7]], dtype)
        expected = np.array([0.2231435513142097, 0.6931471805599453, 0.35667494393873245])
        tol = {F64: 1e-15, F32: 2.5e-7}[dtype]
        np.testing.assert_allclose(mg.losses.categorical_crossentropy(y, p).numpy(), expected,
                                   rtol=tol)
        np.testing.assert_allclose(
            mg.losses.sparse_categorical_crossentropy([0, 1, 3], p).numpy(), expected, rtol=tol)
        np.testing.assert_allclose(
            mg.losses.sparse_categorical_crossentropy(np.array([[0], [1], [3]]), p).numpy(),
            expected, rtol=tol)

    def test_bce_edge(self, dtype):
        y = t([1, 1, 1], dtype)
        p = t([1, 1, 0], dtype, grad=True)
        keras = mg.losses.BinaryCrossentropy()(y, p)
        if dtype == F32:
            assert keras.item() == np.float32(5.3726983)
        else:
            expected = np.mean([-np.log(1 - 1e-7), -np.log(1 - 1e-7), -np.log(1e-7)])
            assert keras.item() == pytest.approx(expected, rel=1e-15)
        keras.backward()
        assert p.grad.tolist() == [0.0, 0.0, 0.0]
        p.grad = None
        torch_style = mg.nn.BCELoss()(p, y)
        assert torch_style.item() == pytest.approx(100 / 3, rel=1e-7)
        torch_style.backward()
        # the derivative of the clamped forward: -y/x at x = 1, 0 where clamped
        np.testing.assert_array_equal(p.grad.numpy(), np.array([-1 / 3, -1 / 3, 0.0], dtype))

    def test_clip_values(self, dtype):
        upper = mg.losses.binary_crossentropy(t([0.0], dtype), t([1.0], dtype)).item()
        lower = mg.losses.binary_crossentropy(t([1.0], dtype), t([0.0], dtype)).item()
        if dtype == F32:
            assert upper == np.float32(15.942385) and lower == np.float32(16.118095)
        else:
            assert upper == pytest.approx(-np.log(1e-7), rel=1e-9)   # 1 - (1 - 1e-7)
            assert lower == pytest.approx(-np.log(1e-7), rel=1e-15)

    def test_custom_mae(self, dtype):
        class CustomMAELoss(mg.losses.Loss):
            def call(self, y_true, y_pred):
                return mg.mean(mg.abs(y_true - y_pred))

        y = t([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype)
        p = t([[.8, .05, .1, .05], [.2, .5, .2, .1], [.1, .1, .1, .7]], dtype)
        got = CustomMAELoss()(y, p).item()
        assert got == pytest.approx(1 / 6, rel={F64: 1e-15, F32: 1e-7}[dtype])
