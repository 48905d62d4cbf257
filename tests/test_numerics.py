"""The stable ops stay finite and warning-free (warnings are errors here) in
value, gradient and second derivative for inputs up to +-1e4."""
import numpy as np
import pytest

import minigrad as mg

EXTREMES = [-1e4, -1000.0, -100.0, -89.0, -30.0, -1.0, 0.0, 1.0, 30.0, 89.0, 100.0, 1000.0, 1e4]

STABLE = {
    "sigmoid": mg.sigmoid,
    "softplus": mg.softplus,
    "log_sigmoid": mg.log_sigmoid,
    "logsumexp": lambda x: mg.logsumexp(x, axis=-1),
    "softmax": lambda x: mg.softmax(x, axis=-1),
    "log_softmax": lambda x: mg.log_softmax(x, axis=-1),
}


@pytest.mark.parametrize("name", STABLE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_finite_value_gradient_and_second_derivative(name, dtype):
    fn = STABLE[name]
    x = mg.tensor(np.array([EXTREMES, EXTREMES[::-1]], dtype=dtype), requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    assert np.isfinite(y.numpy()).all()
    g = np.linspace(-1, 1, y.numel()).reshape(y.shape).astype(dtype)
    (gx,) = mg.grad(y, x, grad_outputs=[g], create_graph=True)
    assert gx.dtype == dtype and np.isfinite(gx.numpy()).all()
    (ggx,) = mg.grad(gx.sum(), x)
    assert np.isfinite(ggx.numpy()).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_extreme_values_are_right(dtype):
    x = mg.tensor(np.array([-1e4, 1e4], dtype=dtype))
    np.testing.assert_array_equal(mg.sigmoid(x).numpy() > 0.5, [False, True])
    assert mg.sigmoid(x).numpy()[1] == 1.0 and mg.sigmoid(x).numpy()[0] < 1e-30
    np.testing.assert_array_equal(mg.softplus(x).numpy(), [0.0, 1e4])
    np.testing.assert_array_equal(mg.log_sigmoid(x).numpy(), [-1e4, 0.0])
    np.testing.assert_array_equal(mg.log_softmax(x).numpy(), [-2e4, 0.0])
    np.testing.assert_array_equal(mg.softmax(x).numpy(), [0.0, 1.0])
    lse = mg.logsumexp(mg.tensor(np.array([1e4, 1e4], dtype=dtype))).item()
    assert lse == pytest.approx(1e4 + np.log(2), rel=1e-7)


def test_sigmoid_matches_the_textbook_formula_where_it_is_finite():
    x = np.linspace(-700, 700, 2001)
    np.testing.assert_allclose(mg.sigmoid(mg.tensor(x)).numpy(), 1 / (1 + np.exp(-x)),
                               rtol=1e-15, atol=0)
    x32 = np.linspace(-87, 87, 2001).astype(np.float32)
    np.testing.assert_allclose(mg.sigmoid(mg.tensor(x32)).numpy(),
                               (1 / (1 + np.exp(-x32.astype(np.float64)))).astype(np.float32),
                               rtol=3e-7, atol=0)


def test_all_minus_inf_slice_gives_no_nan():
    x = mg.tensor(np.array([[-np.inf, -np.inf], [0.0, -np.inf]]))
    assert mg.logsumexp(x, axis=1).numpy().tolist() == [-np.inf, 0.0]
    assert mg.softmax(x[1:], axis=1).numpy().tolist() == [[1.0, 0.0]]
