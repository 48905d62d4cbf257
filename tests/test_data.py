"""mg.data (TensorDataset, DataLoader) and mg.manual_seed."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.data import DataLoader, TensorDataset


def _dataset(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n) % 3
    return TensorDataset(X, y)


# ------------------------------------------------------------ TensorDataset
def test_dataset_len_and_indexing():
    ds = _dataset(5)
    assert len(ds) == 5
    x, y = ds[2]
    assert isinstance(x, mg.Tensor) and isinstance(y, mg.Tensor)
    assert x.tolist() == [6.0, 7.0, 8.0] and y.item() == 2
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert ds[-1][1].item() == 1


def test_dataset_takes_tensors_detached_and_lists():
    w = mg.tensor([[1.0], [2.0]], requires_grad=True)
    ds = TensorDataset(w, [0, 1])
    x, y = ds[1]
    assert not x.requires_grad and x.tolist() == [2.0]
    assert y.dtype == np.int64
    assert TensorDataset([[0.5], [1.5]]).arrays[0].dtype == np.float32


def test_dataset_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match=r"number of samples.*\[3, 4\]"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))


@pytest.mark.parametrize("bad, exc, match", [
    ((), ValueError, "at least one"),
    ((np.float64(1.0),), TypeError, "Tensors or numpy arrays"),
    ((np.array(1.0),), ValueError, "scalar"),
    ((np.zeros(3, np.float16),), TypeError, "float16"),
])
def test_dataset_bad_arguments(bad, exc, match):
    with pytest.raises(exc, match=match):
        TensorDataset(*bad)


# --------------------------------------------------------------- DataLoader
@pytest.mark.parametrize("n, bs, drop_last", [(10, 3, False), (10, 3, True), (9, 3, False),
                                              (9, 3, True), (2, 5, False), (2, 5, True),
                                              (0, 4, False)])
def test_len_as_pytorch(n, bs, drop_last):
    loader = DataLoader(_dataset(n), batch_size=bs, drop_last=drop_last)
    expected = n // bs if drop_last else math.ceil(n / bs)
    assert len(loader) == expected == len(list(loader))


def test_batches_shapes_and_dtypes():
    batches = list(DataLoader(_dataset(10), batch_size=4))
    assert [tuple(xb.shape) for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [tuple(yb.shape) for _, yb in batches] == [(4,), (4,), (2,)]
    for xb, yb in batches:
        assert xb.dtype == np.float32 and yb.dtype == np.int64
        assert not xb.requires_grad


def test_without_shuffle_the_order_is_the_dataset_order():
    xs = np.concatenate([xb.numpy() for xb, _ in DataLoader(_dataset(7), batch_size=3)])
    np.testing.assert_array_equal(xs, _dataset(7).arrays[0])


def test_drop_last_leaves_out_the_short_batch():
    loader = DataLoader(_dataset(10), batch_size=4, shuffle=True, drop_last=True, seed=0)
    batches = list(loader)
    assert len(batches) == 2 and all(len(yb) == 4 for _, yb in batches)
    rows = np.concatenate([xb.numpy()[:, 0] for xb, _ in batches]) / 3
    assert len(set(rows.tolist())) == 8


@given(n=st.integers(1, 40), bs=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_every_sample_once_per_epoch(n, bs, seed):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=bs, shuffle=True, seed=seed)
    for _ in range(2):
        seen = np.concatenate([b.numpy() for (b,) in loader])
        assert sorted(seen.tolist()) == list(range(n))


def _epochs(loader, count=3):
    return [[yb.numpy().tolist() for _, yb in loader] for _ in range(count)]


def test_same_seed_same_epochs_and_epochs_differ():
    ds = TensorDataset(np.zeros((20, 1), np.float32), np.arange(20))
    a = _epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=3))
    b = _epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=3))
    assert a == b
    assert a[0] != a[1] != a[2]                      # a new permutation per epoch
    c = _epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=4))
    assert a != c


def test_shuffle_uses_default_rng_permutations():
    ds = TensorDataset(np.arange(12))
    gen = np.random.default_rng(5)
    expected = [gen.permutation(12), gen.permutation(12)]
    loader = DataLoader(ds, batch_size=12, shuffle=True, seed=5)
    got = [b.numpy() for _ in range(2) for (b,) in loader]
    np.testing.assert_array_equal(got, expected)


def test_the_permutation_is_drawn_at_iter():
    ds = TensorDataset(np.arange(12))
    loader = DataLoader(ds, batch_size=12, shuffle=True, seed=5)
    first, second = iter(loader), iter(loader)
    gen = np.random.default_rng(5)
    np.testing.assert_array_equal(next(second)[0].numpy(), (gen.permutation(12), gen.permutation(12))[1])
    np.testing.assert_array_equal(next(first)[0].numpy(), np.random.default_rng(5).permutation(12))


def test_seed_none_follows_manual_seed():
    ds = TensorDataset(np.zeros((30, 1)), np.arange(30))
    mg.manual_seed(7)
    a = _epochs(DataLoader(ds, batch_size=8, shuffle=True), 2)
    mg.manual_seed(7)
    b = _epochs(DataLoader(ds, batch_size=8, shuffle=True), 2)
    assert a == b


def test_generic_dataset_is_collated():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.float32(i), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [4, 9], [16]]
    assert batches[0][0].dtype == np.float32


@pytest.mark.parametrize("bs, exc", [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                     ("4", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_batch_size(bs, exc):
    with pytest.raises(exc, match="batch_size must be a positive int"):
        DataLoader(_dataset(), batch_size=bs)


def test_not_a_dataset():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(42)


def test_numpy_int_batch_size_is_accepted():
    assert len(DataLoader(_dataset(10), batch_size=np.int64(5))) == 2


# -------------------------------------------------------------- manual_seed
def test_manual_seed_makes_linear_and_randn_repeat():
    def run():
        mg.manual_seed(0)
        layer = mg.nn.Linear(4, 3)
        return layer.weight.numpy().copy(), layer.bias.numpy().copy(), mg.randn(2, 5).numpy()

    first, second = run(), run()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    mg.manual_seed(1)
    assert not np.array_equal(mg.nn.Linear(4, 3).weight.numpy(), first[0])


def test_an_explicit_rng_ignores_the_default_generator():
    mg.manual_seed(0)
    a = mg.randn(3, rng=11).numpy()
    mg.manual_seed(99)
    np.testing.assert_array_equal(mg.randn(3, rng=11).numpy(), a)


@pytest.mark.parametrize("seed, exc", [(-1, ValueError), (1.5, TypeError), ("0", TypeError),
                                       (True, TypeError)])
def test_manual_seed_bad_seed(seed, exc):
    with pytest.raises(exc, match="non-negative int"):
        mg.manual_seed(seed)
