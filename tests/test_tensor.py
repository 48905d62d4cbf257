"""The Tensor: dtypes, numpy interop, repr, constructors, bad input."""
import numpy as np
import pytest

import minigrad as mg


class TestDtypes:
    def test_python_numbers_and_lists_become_float32(self):
        assert mg.tensor(1.5).dtype == np.float32
        assert mg.tensor(2).dtype == np.float32
        assert mg.tensor([1, 2, 3]).dtype == np.float32
        assert mg.tensor([[0.1, 0.2]]).dtype == np.float32
        assert mg.Tensor([1.0]).dtype == np.float32

    def test_bools_stay_bool(self):
        assert mg.tensor(True).dtype == bool
        assert mg.tensor([True, False]).dtype == bool

    def test_numpy_arrays_keep_their_dtype(self):
        for dt in (np.float32, np.float64, np.int32, np.int64, np.bool_):
            assert mg.tensor(np.zeros(3, dt)).dtype == dt
        assert mg.tensor(np.float64(2.0)).dtype == np.float64

    def test_default_dtype(self):
        mg.set_default_dtype("float64")
        assert mg.get_default_dtype() == np.float64
        assert mg.tensor([1.0]).dtype == np.float64
        assert mg.zeros(2).dtype == np.float64
        mg.set_default_dtype(np.float32)
        assert mg.tensor([1.0]).dtype == np.float32
        with pytest.raises(TypeError, match="float32 or float64"):
            mg.set_default_dtype("int64")

    def test_explicit_dtype_casts(self):
        assert mg.tensor([1, 2], dtype="float64").dtype == np.float64
        assert mg.tensor(np.array([1.5]), dtype=np.float32).dtype == np.float32

    def test_integer_and_bool_tensors_cannot_require_grad(self):
        with pytest.raises(TypeError, match="only floating-point"):
            mg.tensor(np.array([1, 2]), requires_grad=True)
        with pytest.raises(TypeError, match="only floating-point"):
            mg.tensor([True], requires_grad=True)
        with pytest.raises(TypeError, match="only floating-point"):
            mg.tensor(np.array([1, 2])).requires_grad_()

    def test_numpy2_promotion(self):
        x32 = mg.tensor([1.0, 2.0], requires_grad=True)
        assert (x32 * 2.5).dtype == np.float32          # Python scalars are weak
        assert (x32 * np.float64(2.5)).dtype == np.float64  # numpy scalars are not
        assert (np.float64(2) * x32).dtype == np.float64
        assert (x32 + np.ones(2)).dtype == np.float64
        assert (x32 + mg.tensor(np.ones(2, np.float32))).dtype == np.float32
        assert (mg.tensor(np.array([1, 2])) + x32).dtype == np.float64

    def test_gradient_has_the_input_dtype_after_promotion(self):
        x32 = mg.tensor([1.0, 2.0], requires_grad=True)
        w64 = mg.tensor(np.array([3.0, 4.0]), requires_grad=True)
        (x32 * w64).sum().backward()
        assert x32.grad.dtype == np.float32 and w64.grad.dtype == np.float64
        np.testing.assert_array_equal(x32.grad.numpy(), [3.0, 4.0])
        np.testing.assert_array_equal(w64.grad.numpy(), [1.0, 2.0])

    def test_astype_casts_the_gradient_back(self):
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        y = x.astype("float64")
        assert y.dtype == np.float64
        (y * y).sum().backward()
        assert x.grad.dtype == np.float32
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
        assert x.astype("float32") is x


class TestNumpyInterop:
    def test_numpy_scalars_and_arrays_on_the_left(self):
        t = mg.tensor([1.0, 2.0], requires_grad=True)
        for r in (np.float64(2) * t, np.ones(2) + t, np.ones(2) - t, np.ones(2) / t,
                  np.ones(2) @ t, np.float32(3) ** t):
            assert isinstance(r, mg.Tensor) and r.requires_grad

    def test_asarray_and_numpy(self):
        t = mg.tensor([1.0, 2.0], requires_grad=True)
        a = np.asarray(t)
        assert isinstance(a, np.ndarray) and a is t.data
        assert t.numpy() is t.data
        assert np.asarray(t, dtype=np.float64).dtype == np.float64

    def test_numpy_ufuncs_dispatch_to_ops(self):
        t = mg.tensor([1.0, 2.0], requires_grad=True)
        y = np.exp(t)
        assert isinstance(y, mg.Tensor) and y.grad_fn.name() == "ExpBackward"
        np.sum(np.log(t) * t).backward()
        np.testing.assert_allclose(t.grad.numpy(), np.log([1.0, 2.0]) + 1, rtol=1e-6)

    def test_numpy_functions_without_a_gradient(self):
        t = mg.tensor([1.0, 2.0], requires_grad=True)
        assert np.allclose(t, [1.0, 2.0])
        assert np.isnan(t).numpy().tolist() == [False, False]
        with pytest.raises(TypeError, match="no gradient in minigrad"):
            np.cbrt(t)
        with pytest.raises(TypeError, match="no gradient in minigrad"):
            np.cumsum(t)
        assert isinstance(np.cbrt(t.detach()), mg.Tensor)


class TestConversions:
    def test_item_tolist_len_iter_bool(self):
        t = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assert len(t) == 2 and t.numel() == 4 and t.size() == (2, 2) and t.ndim == 2 and t.shape == (2, 2)
        rows = list(t)
        assert len(rows) == 2 and rows[1].tolist() == [3.0, 4.0] and rows[1].requires_grad
        assert mg.tensor([[7.0]]).item() == 7.0
        assert float(mg.tensor(2.5)) == 2.5 and int(mg.tensor(3.0)) == 3
        assert bool(mg.tensor(1.0)) and not bool(mg.tensor(0.0))
        with pytest.raises(ValueError, match="one element"):
            t.item()
        with pytest.raises(ValueError, match="ambiguous"):
            bool(t)
        with pytest.raises(TypeError):
            len(mg.tensor(1.0))

    def test_comparisons_give_bool_tensors_without_grad(self):
        t = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        for m in (t > 2, t >= 2, t < 2, t <= 2, t == 2, t != 2):
            assert m.dtype == bool and not m.requires_grad
        assert (t > 1.5).tolist() == [False, True, True]


class TestRepr:
    def test_repr_shows_values_and_grad_fn(self):
        x = mg.tensor([0.5, 1.0], requires_grad=True)
        assert repr(x) == "tensor([0.5, 1. ], requires_grad=True)"
        assert repr(mg.sigmoid(x)).endswith("grad_fn=<SigmoidBackward>)")
        assert "0.62245935" in repr(mg.sigmoid(x))
        assert repr(mg.tensor(np.array([1.0]))) == "tensor([1.], dtype=float64)"
        assert repr(x.grad_fn) == "None"
        assert repr((x * 2).grad_fn) == "<MulBackward>"
        assert (x + 1).grad_fn.name() == "AddBackward"

    def test_grad_fn_next_functions(self):
        x = mg.tensor([1.0], requires_grad=True)
        y = mg.exp(x) * 2
        (nxt, const) = y.grad_fn.next_functions
        assert repr(nxt) == "<ExpBackward>" and const is None
        assert y.grad_fn.next_functions[0].next_functions == (x,)


class TestConstructors:
    def test_zeros_ones_like(self):
        assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).shape == (2, 3)
        assert mg.ones(4).tolist() == [1.0] * 4
        x = mg.tensor(np.ones((2, 2), np.float64))
        assert mg.zeros_like(x).dtype == np.float64 and mg.ones_like(x).shape == (2, 2)
        assert mg.zeros(2, requires_grad=True).requires_grad

    def test_arange(self):
        assert mg.arange(3).tolist() == [0, 1, 2] and mg.arange(3).dtype == np.int64
        assert mg.arange(1, 2, 0.5).dtype == np.float32

    def test_randn_is_seedable(self):
        a, b = mg.randn(3, 2, rng=7), mg.randn(3, 2, rng=7)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == np.float32
        gen = np.random.default_rng(1)
        assert mg.randn(2, rng=gen).shape == (2,)


class TestBadInput:
    def test_unconvertible_data(self):
        with pytest.raises(TypeError, match="cannot make a tensor"):
            mg.tensor("abc")
        with pytest.raises(TypeError, match="complex"):
            mg.tensor(np.array([1j]))
        with pytest.raises(TypeError, match="cannot make a tensor"):
            mg.tensor([[1.0, 2.0], [3.0]])
        with pytest.raises(TypeError, match="cannot make a tensor"):
            mg.tensor({"a": 1})

    def test_bad_indices(self):
        t = mg.tensor([1.0, 2.0])
        with pytest.raises(IndexError, match="shape"):
            t[5]
        with pytest.raises(IndexError, match="integer or boolean arrays"):
            t[np.array([0.5])]

    def test_bad_shapes(self):
        x = mg.ones(2, 3)
        with pytest.raises(ValueError, match=r"cannot reshape a tensor of shape \(2, 3\)"):
            x.reshape(4)
        with pytest.raises(ValueError, match="do not fit"):
            x @ mg.ones(2)
        with pytest.raises(ValueError, match="cannot broadcast"):
            mg.broadcast_to(x, (3, 3))
        with pytest.raises(ValueError, match="cannot squeeze axis"):
            np.squeeze(x, 0)          # numpy's meaning; x.squeeze(0) leaves it, as PyTorch
        with pytest.raises(ValueError, match="cannot concatenate"):
            mg.concatenate([x, mg.ones(3, 3)], axis=1)
        with pytest.raises(ValueError, match="one shape"):
            mg.stack([x, mg.ones(3)])
        with pytest.raises(np.exceptions.AxisError, match="valid axes"):
            x.sum(axis=2)

    def test_bad_op_arguments(self):
        x = mg.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(ValueError, match="at least one of min and max"):
            mg.clip(x)
        with pytest.raises(TypeError, match="constant"):
            mg.clip(x, min=mg.tensor(0.0, requires_grad=True))
        with pytest.raises(TypeError, match="boolean"):
            mg.where(mg.tensor([1.0, 0.0]), x, x)
        with pytest.raises(ValueError, match="empty"):
            mg.max(mg.zeros(0))
        with pytest.raises(TypeError, match="axis must be an int"):
            mg.softmax(x, axis=(0,))


def test_a_numpy_subclass_becomes_a_plain_array():
    """np.matrix keeps its matrix semantics out of a tensor: ``*`` stays elementwise."""
    import warnings
    import numpy as np
    import minigrad as mg
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    t = mg.tensor(m)
    assert type(t.numpy()) is np.ndarray
    np.testing.assert_array_equal((t * t).numpy(), [[1.0, 4.0], [9.0, 16.0]])
