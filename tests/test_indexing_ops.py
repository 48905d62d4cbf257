"""argmax, argmin and one_hot: against numpy and PyTorch, and their errors."""
import re

import numpy as np
import pytest

import minigrad as mg

RNG = np.random.default_rng(0)
# ties on purpose (small integers), so that "first index wins" is exercised
X3 = RNG.integers(0, 4, (3, 4, 5)).astype(np.float64)
ARG = [(mg.argmax, np.argmax, "argmax"), (mg.argmin, np.argmin, "argmin")]


@pytest.mark.parametrize("fn, ref, name", ARG, ids=["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, -3])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_matches_numpy(fn, ref, name, axis, keepdims):
    x = mg.tensor(X3, requires_grad=True)
    expected = ref(X3, axis=axis, keepdims=keepdims)
    for out in (fn(x, axis=axis, keepdims=keepdims),
                getattr(x, name)(axis=axis, keepdims=keepdims),
                ref(x, axis=axis, keepdims=keepdims),        # np.argmax dispatches to minigrad
                fn(X3, axis=axis, keepdims=keepdims),        # a numpy array
                fn(X3.tolist(), axis=axis, keepdims=keepdims)):  # a nested list
        assert isinstance(out, mg.Tensor)
        assert out.dtype == np.int64 and not out.requires_grad and out.grad_fn is None
        assert out.shape == np.shape(expected)
        np.testing.assert_array_equal(out.numpy(), expected)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_matches_torch(name, axis, keepdims):
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, 1.0, 3.0, -2.0], [0.5, 0.5, np.nan, 7.0], [-1.0, -1.0, 2.0, 2.0]])
    ours = getattr(mg, name)(x, axis=axis, keepdims=keepdims)
    kw = {} if axis is None else {"dim": axis}
    theirs = getattr(torch, name)(torch.from_numpy(x), keepdim=keepdims, **kw)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(theirs.dtype) == "torch." + str(ours.dtype)


def test_arg_ties_take_the_first_index():
    x = mg.tensor([[2.0, 5.0, 5.0], [1.0, 1.0, 0.0]])
    assert mg.argmax(x).item() == 1
    np.testing.assert_array_equal(x.argmax(axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=1).numpy(), [0, 2])


def test_arg_integer_and_bool_inputs():
    np.testing.assert_array_equal(mg.argmax(np.array([[1, 9], [4, 2]]), axis=1).numpy(), [1, 0])
    assert mg.argmin([True, False, True]).item() == 1


def test_arg_zero_dim():
    torch = pytest.importorskip("torch")
    for axis in (None, 0, -1):
        out = mg.argmax(mg.tensor(5.0), axis=axis)
        kw = {} if axis is None else {"dim": axis}
        assert out.shape == () and out.item() == 0 == torch.argmax(torch.tensor(5.0), **kw).item()
    assert mg.argmin(mg.tensor(5.0), keepdims=True).shape == ()
    with pytest.raises(np.exceptions.AxisError, match="valid axes are -1..0"):
        mg.argmax(mg.tensor(5.0), axis=1)


def test_arg_empty():
    torch = pytest.importorskip("torch")
    for fn in (mg.argmax, mg.argmin):
        with pytest.raises(ValueError, match=r"of an empty tensor \(shape \(0,\)\): there is no"):
            fn(mg.zeros(0))
        with pytest.raises(ValueError, match=r"shape \(3, 0\)\) along axis 1, which has size 0"):
            fn(np.zeros((3, 0)), axis=1)
        with pytest.raises(ValueError, match="empty tensor"):
            fn([])
    # an empty result is fine when the searched axis is not empty, as in PyTorch
    out = mg.argmax(np.zeros((0, 3)), axis=1)
    assert out.shape == (0,) == tuple(torch.argmax(torch.zeros(0, 3), dim=1).shape)
    assert out.dtype == np.int64


def test_arg_bad_axis():
    x = mg.zeros(2, 3)
    with pytest.raises(np.exceptions.AxisError, match=r"axis 2 is out of bounds .* -2..1"):
        x.argmax(axis=2)
    with pytest.raises(TypeError, match="axis must be an int or None"):
        x.argmin(axis=(0, 1))
    with pytest.raises(TypeError, match="axis must be an int or None"):
        mg.argmax(x, axis=1.0)


# ---------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("labels", [
    np.array([2, 0, 1, 2]),
    np.array([[0, 3], [1, 1], [3, 2]], dtype=np.int32),
    np.array([1, 0], dtype=np.uint8),
    np.array(2),
    np.zeros((0,), dtype=np.int64),
    np.zeros((2, 0), dtype=np.int64),
])
def test_one_hot_matches_torch(labels):
    torch = pytest.importorskip("torch")
    ours = mg.one_hot(labels, 4)
    theirs = torch.nn.functional.one_hot(torch.from_numpy(labels.astype(np.int64)), 4)
    assert ours.shape == labels.shape + (4,) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if labels.size:    # PyTorch cannot infer the number of classes from no labels
        inferred = torch.nn.functional.one_hot(torch.from_numpy(labels.astype(np.int64)))
        for num_classes in (None, -1):
            np.testing.assert_array_equal(mg.one_hot(labels, num_classes).numpy(),
                                          inferred.numpy())


def test_one_hot_dtype_and_inputs():
    expected = np.array([[0, 1, 0], [0, 0, 1]], dtype=np.float32)
    for labels in ([1, 2], np.array([1, 2]), mg.tensor(np.array([1, 2])),
                   mg.tensor([1, 2], dtype="int64"), (1, 2)):
        out = mg.one_hot(labels, 3)
        assert isinstance(out, mg.Tensor) and out.dtype == np.float32
        assert not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.numpy(), expected)
    assert mg.one_hot(np.int64(1), 2).shape == (2,)
    assert mg.one_hot(1, 2).tolist() == [0.0, 1.0]
    assert mg.one_hot([], 3).shape == (0, 3)
    mg.set_default_dtype("float64")
    assert mg.one_hot([0], 2).dtype == np.float64


def test_one_hot_is_a_fresh_array():
    labels = np.array([0, 1])
    out = mg.one_hot(labels, 2)
    with mg.no_grad():
        out.mul_(3)
    np.testing.assert_array_equal(mg.one_hot(labels, 2).numpy(), np.eye(2))


@pytest.mark.parametrize("labels, bad, index", [
    ([0, 3, 1], 3, "(1,)"),
    ([[0, 1], [-1, 2]], -1, "(1, 0)"),
    (np.array([5, 7]), 5, "(0,)"),
])
def test_one_hot_out_of_range(labels, bad, index):
    msg = f"label {bad} (at index {index}) is out of range; with num_classes=3 the labels " \
          "must be in 0..2"
    with pytest.raises(ValueError, match=re.escape(msg)):
        mg.one_hot(labels, 3)


def test_one_hot_out_of_range_zero_dim():
    with pytest.raises(ValueError, match=r"label -2 is out of range; .* must be in 0..3"):
        mg.one_hot(np.array(-2), 4)
    with pytest.raises(ValueError, match="label -1 .* out of range"):
        mg.one_hot([-1, 0])         # inferring num_classes does not hide a negative label


@pytest.mark.parametrize("labels", [
    np.array([0.0, 1.0]), [0.0, 1.0], mg.tensor([0, 1]),      # mg.tensor of ints is float32
    np.array([True, False]), [True, False], mg.tensor(np.array([1, 0], dtype=np.float64)),
])
def test_one_hot_refuses_non_integer_labels(labels):
    with pytest.raises(TypeError, match="labels must be integer class indices.*pass integer "
                                        "class indices"):
        mg.one_hot(labels, 2)


@pytest.mark.parametrize("num_classes, error, match", [
    (0, ValueError, "num_classes must be a positive int, got 0"),
    (-3, ValueError, "num_classes must be a positive int, got -3"),
    (2.0, TypeError, "num_classes must be a positive int, not 2.0"),
    (True, TypeError, "num_classes must be a positive int, not True"),
    ("3", TypeError, "num_classes must be a positive int"),
])
def test_one_hot_bad_num_classes(num_classes, error, match):
    with pytest.raises(error, match=match):
        mg.one_hot([0, 1], num_classes)


def test_one_hot_cannot_infer_from_nothing():
    with pytest.raises(ValueError, match="cannot infer num_classes from empty labels"):
        mg.one_hot(np.zeros(0, dtype=np.int64))


def test_one_hot_and_argmax_round_trip():
    labels = RNG.integers(0, 5, (4, 6))
    np.testing.assert_array_equal(mg.one_hot(labels, 5).argmax(axis=-1).numpy(), labels)
