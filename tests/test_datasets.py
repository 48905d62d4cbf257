"""Toy generators, split, minibatches and the scikit-learn loaders."""
import sys

import numpy as np
import pytest

from minigrad import datasets as D

GENERATORS = {"blobs": D.make_blobs, "moons": D.make_moons, "circles": D.make_circles,
              "spirals": D.make_spirals}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generators_are_seeded_and_shaped(name):
    make = GENERATORS[name]
    X, y = make(n_samples=101, noise=0.1, seed=5)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    X2, y2 = make(n_samples=101, noise=0.1, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(n_samples=101, noise=0.1, seed=6)
    assert not np.array_equal(X, X3)
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1          # balanced classes
    with pytest.raises(ValueError, match="n_samples must be at least"):
        make(n_samples=1)


def test_noise_moves_points():
    X0, y0 = D.make_circles(200, noise=0.0, seed=0)
    r = np.hypot(X0[:, 0], X0[:, 1])
    np.testing.assert_allclose(r[y0 == 0], 1.0)
    np.testing.assert_allclose(r[y0 == 1], 0.5)
    X1, _ = D.make_circles(200, noise=0.2, seed=0)
    assert np.abs(np.hypot(X1[:, 0], X1[:, 1]) - r).max() > 0.1


def test_train_test_split():
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_size=0.25, seed=0)
    assert len(yte) == 5 and len(ytr) == 15
    assert sorted(np.concatenate([ytr, yte]).tolist()) == list(range(20))
    np.testing.assert_array_equal(Xtr[:, 0] // 2, ytr)     # rows stay paired
    assert len(D.train_test_split(X, y, test_size=3, seed=0)[3]) == 3
    with pytest.raises(ValueError, match="leaves no"):
        D.train_test_split(X, y, test_size=0.0)
    with pytest.raises(ValueError, match="samples"):
        D.train_test_split(X, y[:5])


def test_batches():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    got = list(D.batches(X, y, 4, seed=1))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    assert sorted(np.concatenate([b[1] for b in got]).tolist()) == list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0] // 2, yb)
    assert [len(b[1]) for b in D.batches(X, y, 4, drop_last=True)] == [4, 4]
    ordered = list(D.batches(X, y, 5, shuffle=False))
    assert ordered[0][1].tolist() == [0, 1, 2, 3, 4]
    assert [b[1].tolist() for b in D.batches(X, y, 4, seed=1)] == [b[1].tolist() for b in got]
    with pytest.raises(ValueError, match="batch_size must be positive"):
        list(D.batches(X, y, 0))


@pytest.mark.parametrize("loader,shape,classes", [
    (D.load_breast_cancer, (569, 30), 2), (D.load_iris, (150, 4), 3),
    (D.load_digits, (1797, 64), 10)])
def test_sklearn_loaders(loader, shape, classes):
    pytest.importorskip("sklearn")
    X, y = loader()
    assert X.shape == shape and X.dtype == np.float64 and y.dtype == np.int64
    assert len(np.unique(y)) == classes
    X2, y2, names = loader(with_names=True)
    assert len(names) == shape[1]


def test_loaders_without_sklearn_name_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ImportError, match=r"pip install 'minigrad\[data\]'"):
        D.load_iris()


@pytest.mark.parametrize("make,kwargs,error,match", [
    (D.make_blobs, {"centers": 0}, ValueError, r"centers must be at least 1 \(how many blobs\)"),
    (D.make_blobs, {"centers": -2}, ValueError, "centers must be at least 1"),
    (D.make_blobs, {"centers": 2.5}, TypeError, "centers must be an integer"),
    (D.make_blobs, {"n_samples": 0}, ValueError, "n_samples must be at least 3"),
    (D.make_moons, {"n_samples": -5}, ValueError, "n_samples must be at least 2"),
    (D.make_moons, {"n_samples": 100.0}, TypeError, "n_samples must be an integer"),
    (D.make_circles, {"n_samples": "100"}, TypeError, "n_samples must be an integer"),
    (D.make_spirals, {"n_samples": True}, TypeError, "n_samples must be an integer"),
    (D.make_spirals, {"classes": 0}, ValueError, r"classes must be at least 1 \(how many"),
    (D.make_blobs, {"noise": -1.0}, ValueError, "noise must be a finite number >= 0"),
    (D.make_moons, {"noise": float("nan")}, ValueError, "noise must be a finite number >= 0"),
    (D.make_circles, {"noise": float("inf")}, ValueError, "noise must be a finite number"),
    (D.make_spirals, {"noise": "0.1"}, TypeError, "noise must be a number"),
    (D.make_spirals, {"turns": float("inf")}, ValueError, "turns must be a finite number"),
    (D.make_circles, {"factor": float("nan")}, ValueError, "factor must be"),
])
def test_generators_refuse_bad_arguments_clearly(make, kwargs, error, match):
    with pytest.raises(error, match=match):
        make(**kwargs)


def test_generators_take_numpy_integers_and_one_class():
    X, y = D.make_blobs(np.int64(10), centers=np.int32(1), noise=np.float32(0.5), seed=0)
    assert X.shape == (10, 2) and set(y.tolist()) == {0}
    X, y = D.make_spirals(7, classes=1, turns=-0.5, seed=0)
    assert X.shape == (7, 2)
