"""Custom ops (mg.Function) and the gradient checkers."""
import numpy as np
import pytest

import minigrad as mg


def f64(x, requires_grad=True):
    return mg.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


class Cube(mg.Function):
    """x ** 3, with a backward written in minigrad ops (so it differentiates again)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


class ScaledAdd(mg.Function):
    """a + alpha * b, with a ctx attribute, a number argument and needs_input_grad."""

    @staticmethod
    def forward(ctx, a, b, alpha):
        ctx.alpha = alpha
        ctx.seen_needs = ctx.needs_input_grad
        return a + alpha * b

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        return (grad if needs[0] else None, grad * ctx.alpha if needs[1] else None, None)


class ExpSavingOutput(mg.Function):
    """exp, saving its output (as PyTorch examples do)."""

    @staticmethod
    def forward(ctx, x):
        y = mg.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class WrongShape(mg.Function):
    @staticmethod
    def forward(ctx, x):
        return x.sum()

    @staticmethod
    def backward(ctx, grad):
        return grad  # should be broadcast to x's shape


class WrongRule(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x  # forgot the factor 2


class TestFunction:
    def test_forward_backward_and_repr(self):
        x = f64([1.0, 2.0])
        y = Cube.apply(x)
        assert repr(y.grad_fn) == "<CubeBackward>"
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 12.0])

    def test_ctx_attributes_numbers_and_needs_input_grad(self):
        a, b = f64([1.0]), f64([2.0], requires_grad=False)
        y = ScaledAdd.apply(a, b, 3.0)
        assert y.item() == 7.0
        assert y.grad_fn.seen_needs == (True, False, False)
        y.backward()
        assert a.grad.item() == 1.0 and b.grad is None

    def test_no_graph_without_grad(self):
        y = Cube.apply(f64([2.0], requires_grad=False))
        assert not y.requires_grad and y.item() == 8.0

    def test_gradcheck_and_gradgradcheck(self):
        x = f64([0.3, -1.2, 2.0])
        assert mg.gradcheck(Cube.apply, (x,))
        assert mg.gradgradcheck(Cube.apply, (x,))
        assert mg.gradcheck(ExpSavingOutput.apply, (x,))
        assert mg.gradgradcheck(ExpSavingOutput.apply, (x,))
        assert mg.gradcheck(lambda a, b: ScaledAdd.apply(a, b, 0.5), (x, f64([1.0, 2.0, 3.0])))

    def test_wrong_shape_names_the_function(self):
        x = f64([1.0, 2.0])
        with pytest.raises(ValueError, match=r"WrongShape.backward returned a gradient of shape \(\) "
                                             r"for input 0, which has shape \(2,\)"):
            WrongShape.apply(x).backward()

    def test_wrong_number_of_gradients(self):
        class TwoGrads(mg.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad, grad

        with pytest.raises(ValueError, match="TwoGrads.backward returned 2 gradients"):
            TwoGrads.apply(f64([1.0])).sum().backward()

    def test_forward_must_return_one_tensor(self):
        class Pair(mg.Function):
            @staticmethod
            def forward(ctx, x):
                return x, x

        with pytest.raises(TypeError, match="one Tensor"):
            Pair.apply(f64([1.0]))


class TestGradcheck:
    def test_error_names_input_element_and_values(self):
        x = f64([0.5, 1.5])
        w = f64([2.0, -1.0])
        with pytest.raises(mg.GradcheckError) as err:
            mg.gradcheck(lambda w, x: WrongRule.apply(x) * w, (w, x))
        msg = str(err.value)
        assert "input 1" in msg and "input element (1,)" in msg
        assert "analytic -1.5," in msg and "numerical -2.99999999" in msg

    def test_raise_exception_false(self):
        x = f64([0.5])
        assert mg.gradcheck(WrongRule.apply, (x,), raise_exception=False) is False

    def test_gradgradcheck_catches_a_wrong_second_derivative(self):
        class FirstOrderOnly(mg.Function):
            """Right first derivative of x**3, but computed from a detached x."""

            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 3 * x.detach() ** 2 * grad

        x = f64([0.5, 1.0])
        assert mg.gradcheck(FirstOrderOnly.apply, (x,))
        with pytest.raises(mg.GradcheckError, match="input 0"):
            mg.gradgradcheck(FirstOrderOnly.apply, (x,))

    def test_float32_inputs_warn(self):
        x = mg.tensor([0.5], requires_grad=True)
        with pytest.warns(UserWarning, match="not float64"):
            mg.gradcheck(mg.exp, (x,), atol=1e-2, rtol=1e-2)

    def test_needs_an_input_that_requires_grad(self):
        with pytest.raises(ValueError, match="requires_grad=True"):
            mg.gradcheck(mg.exp, (f64([1.0], requires_grad=False),))

    def test_several_outputs(self):
        x = f64([0.2, 0.4])
        assert mg.gradcheck(lambda t: (mg.exp(t), t.sum() * 2), (x,))
