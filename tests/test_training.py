"""Training from scratch reaches stated accuracies on seeded toy data, and
logistic regression converges to scikit-learn's coefficients."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import demo
from minigrad.datasets import make_blobs, make_moons, make_spirals, train_test_split


def test_logistic_regression_on_blobs():
    X, y = make_blobs(300, noise=1.0, seed=1, centers=2)
    Xtr, Xte, ytr, yte = train_test_split(X, y, 0.3, seed=0)
    Xtr, Xte = demo.standardize(Xtr, Xte)
    model = demo.LogisticRegression(2)
    hist = demo.fit(model, Xtr, ytr, l2=1e-3, steps=500)
    assert hist.loss[-1] < 0.5 * hist.loss[0]
    assert hist.loss[-1] <= min(hist.loss) + 1e-9       # ends at its best
    assert demo.accuracy(model, mg.tensor(Xte), yte) >= 0.95


def test_mlp_on_moons_and_spirals():
    for make, classes, acc in ((make_moons, 2, 0.97), (make_spirals, 3, 0.95)):
        X, y = make(240, noise=0.1, seed=0)
        net = mg.nn.Sequential(mg.nn.Linear(2, 32, rng=0), mg.nn.Tanh(),
                               mg.nn.Linear(32, 32, rng=1), mg.nn.Tanh(),
                               mg.nn.Linear(32, classes, rng=2))
        opt = mg.optim.Adam(net.parameters(), lr=0.02)
        Xt = mg.tensor(X.astype(np.float32))
        first = None
        for _ in range(600):
            opt.zero_grad()
            loss = mg.nn.CrossEntropyLoss()(net(Xt), y)
            first = loss.item() if first is None else first
            loss.backward()
            opt.step()
        assert loss.item() < 0.2 * first
        with mg.no_grad():
            assert np.mean(net(Xt).numpy().argmax(1) == y) >= acc


def test_minibatch_softmax_regression_with_the_keras_loss():
    X, y = make_blobs(300, noise=0.8, seed=2, centers=3)
    model = mg.nn.Linear(2, 3, rng=0)
    loss_fn = mg.losses.SparseCategoricalCrossentropy(from_logits=True)
    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    Xt = mg.tensor(X.astype(np.float32))
    with mg.no_grad():
        before = loss_fn(y, model(Xt)).item()
    for epoch in range(15):
        for xb, yb in mg.datasets.batches(X.astype(np.float32), y, 32, seed=epoch):
            opt.zero_grad()
            loss = loss_fn(yb, model(mg.tensor(xb)))
            loss.backward()
            opt.step()
    with mg.no_grad():
        assert loss_fn(y, model(Xt)).item() < 0.5 * before
        assert np.mean(model(mg.tensor(X.astype(np.float32))).numpy().argmax(1) == y) >= 0.9


def test_logistic_regression_coefficients_agree_with_sklearn():
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = (X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5]) + 0.3 * rng.standard_normal(120) > 0)
    y = y.astype(np.int64)
    for l2 in (1e-2, 1e-1):
        model = demo.LogisticRegression(5)
        hist = demo.fit(model, X, y, l2, steps=20000, tol=1e-10)
        assert hist.grad_norm < 1e-10
        clf = demo.sklearn_reference(X, y, l2)
        np.testing.assert_allclose(model.w.numpy(), clf.coef_[0], atol=1e-4)
        assert abs(model.b.item() - clf.intercept_[0]) < 1e-4


def test_demo_gradient_check_catches_a_wrong_gradient(monkeypatch):
    X = np.random.default_rng(0).standard_normal((20, 3))
    y = (X[:, 0] > 0).astype(np.int64)
    model = demo.LogisticRegression(3)
    ok, worst = demo.check_gradient(model, mg.tensor(X), y, 0.1)
    assert ok and worst < 1e-8
    # a penalty whose gradient is wrong (detached) must be caught
    real = demo.objective

    def broken(model, X, y, l2):
        return real(model, X, y, 0.0) + 0.5 * l2 * (model.w.detach() * model.w).sum() * 2

    monkeypatch.setattr(demo, "objective", broken)
    model.w.data = np.ones(3)
    ok, worst = demo.check_gradient(model, mg.tensor(X), y, 0.1)
    assert not ok and worst > 1e-3
