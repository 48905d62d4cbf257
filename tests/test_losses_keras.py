"""Keras semantics: the expectations are computed here, in numpy, from the
formulas of REFERENCE-losses.md (not from minigrad), over random inputs."""
import numpy as np
import pytest

import minigrad as mg

EPS = 1e-7
SEEDS = [0, 1, 2]
TOL = {np.float64: dict(rtol=1e-12, atol=1e-15), np.float32: dict(rtol=2e-6, atol=1e-7)}


# ------------------------------------------------------------ numpy reference

def np_bce(y, p, eps=EPS):
    q = np.clip(p, eps, 1 - eps)
    return -(y * np.log(q) + (1 - y) * np.log(1 - q))


def np_bce_grad(y, p, eps=EPS):
    """d/dp of np_bce: 0 where the clip is active, passing at its bounds."""
    inside = (p >= eps) & (p <= 1 - eps)
    q = np.clip(p, eps, 1 - eps)
    return np.where(inside, -y / q + (1 - y) / (1 - q), 0.0)


def np_bce_logits(y, z):
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def np_cce(y, p, eps=EPS):
    q = np.clip(p / p.sum(-1, keepdims=True), eps, 1 - eps)
    return -(y * np.log(q)).sum(-1)


def np_cce_grad(y, p, eps=EPS):
    """d/dp of np_cce through the renormalisation q = p / S and the clip."""
    s = p.sum(-1, keepdims=True)
    q = p / s
    inside = (q >= eps) & (q <= 1 - eps)
    dq = np.where(inside, -y / np.clip(q, eps, 1 - eps), 0.0)
    return dq / s - (dq * p).sum(-1, keepdims=True) / s ** 2


def np_log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def random_probs(rng, shape, dtype):
    p = rng.uniform(0, 1, shape)
    flat = p.reshape(-1)
    flat[rng.choice(flat.size, 4, replace=False)] = [0.0, 1.0, 3e-8, 1 - 3e-8]
    return p.astype(dtype)


def t(x, grad=False):
    return mg.tensor(np.asarray(x), requires_grad=grad)


DT = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])


# ---------------------------------------------------------------------- tests

@DT
@pytest.mark.parametrize("seed", SEEDS)
def test_bce_epsilon_clip_value_and_gradient(dtype, seed):
    rng = np.random.default_rng(seed)
    p = random_probs(rng, (6, 3), dtype)
    y = (rng.random((6, 3)) < 0.5).astype(dtype)
    pt = t(p, grad=True)
    loss = mg.losses.BinaryCrossentropy()(y, pt)
    # the reference runs in the input's dtype, as Keras does (1 - eps is
    # 0.99999988 in float32)
    np.testing.assert_allclose(loss.numpy(), np_bce(y, p).mean(), **TOL[dtype])
    loss.backward()
    np.testing.assert_allclose(pt.grad.numpy(), np_bce_grad(y, p) / p.size, **TOL[dtype])
    assert pt.grad.numpy()[(p == 0) | (p == 1)].tolist() == [0.0] * 2


def test_bce_clip_passes_the_gradient_at_its_bounds():
    p = t(np.array([EPS, 1 - EPS]), grad=True)
    mg.losses.binary_crossentropy(np.array([1.0, 0.0]), p).backward()
    np.testing.assert_allclose(p.grad.numpy(), [-1 / EPS / 2, 1 / EPS / 2], rtol=1e-9)


@DT
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("ls", [0.0, 0.1])
def test_bce_from_logits_and_label_smoothing(dtype, seed, ls):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((5, 4)) * 4).astype(dtype)
    z[0, :2] = [30.0, -30.0]
    y = (rng.random((5, 4)) < 0.5).astype(dtype)
    ys = y * (1 - ls) + 0.5 * ls
    got = mg.losses.binary_crossentropy(y, z, from_logits=True, label_smoothing=ls)
    np.testing.assert_allclose(got.numpy(), np_bce_logits(ys.astype(float), z.astype(float))
                               .mean(-1), **TOL[dtype])
    got = mg.losses.binary_crossentropy(y, random_probs(rng, (5, 4), dtype), label_smoothing=ls)
    assert got.shape == (5,)


@DT
@pytest.mark.parametrize("seed", SEEDS)
def test_cce_renormalisation_value_and_gradient(dtype, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 1.0, (5, 4)).astype(dtype)        # not normalised on purpose
    p[0] = [1e-9, 0.3, 0.3, 0.4]                            # one clipped entry
    y = np.eye(4)[rng.integers(0, 4, 5)].astype(dtype)
    y[0] = [1, 0, 0, 0]
    pt = t(p, grad=True)
    loss = mg.losses.CategoricalCrossentropy()(y, pt)
    y64, p64 = y.astype(float), p.astype(float)
    np.testing.assert_allclose(loss.numpy(), np_cce(y64, p64).mean(), **TOL[dtype])
    loss.backward()
    np.testing.assert_allclose(pt.grad.numpy(), np_cce_grad(y64, p64) / 5, **TOL[dtype])
    # unclipped rows: the renormalisation adds sum(y)/S to -y/p
    s = p64[1:].sum(-1, keepdims=True)
    np.testing.assert_allclose(pt.grad.numpy()[1:] * 5, -y64[1:] / p64[1:] + 1 / s,
                               **TOL[dtype])


@DT
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_cce_logits_and_label_smoothing(dtype, ls):
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((5, 3)) * 3).astype(dtype)
    y = np.eye(3)[rng.integers(0, 3, 5)].astype(dtype)
    ys = y * (1 - ls) + ls / 3
    got = mg.losses.categorical_crossentropy(y, z, from_logits=True, label_smoothing=ls)
    np.testing.assert_allclose(got.numpy(), -(ys * np_log_softmax(z.astype(float))).sum(-1),
                               **TOL[dtype])
    p = rng.dirichlet(np.ones(3), 5).astype(dtype)
    got = mg.losses.categorical_crossentropy(y, p, label_smoothing=ls)
    np.testing.assert_allclose(got.numpy(), np_cce(ys.astype(float), p.astype(float)),
                               **TOL[dtype])


@DT
def test_sparse_labels_with_trailing_axis_and_logits(dtype):
    rng = np.random.default_rng(4)
    z = (rng.standard_normal((6, 5)) * 2).astype(dtype)
    labels = rng.integers(0, 5, 6)
    onehot = np.eye(5)[labels]
    expected = -(onehot * np_log_softmax(z.astype(float))).sum(-1)
    for lab in (labels, labels.reshape(6, 1), labels.astype(np.float32)):
        got = mg.losses.sparse_categorical_crossentropy(lab, z, from_logits=True)
        np.testing.assert_allclose(got.numpy(), expected, **TOL[dtype])
    p = rng.dirichlet(np.ones(5), 6).astype(dtype)
    np.testing.assert_allclose(mg.losses.sparse_categorical_crossentropy(labels, p).numpy(),
                               np_cce(onehot, p.astype(float)), **TOL[dtype])


@pytest.mark.parametrize("from_logits", [False, True])
def test_ignore_class(from_logits):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((6, 4))
    p = z if from_logits else np.exp(np_log_softmax(z))
    labels = np.array([0, -1, 3, 2, -1, 1])
    valid = labels != -1
    per = -np.log(np.exp(np_log_softmax(z))[np.arange(6), np.where(valid, labels, 0)])
    per = np.where(valid, per, 0.0)
    got = mg.losses.sparse_categorical_crossentropy(labels, p, from_logits=from_logits,
                                                    ignore_class=-1)
    np.testing.assert_allclose(got.numpy(), per, rtol=1e-12)
    pt = t(p, grad=True)
    loss = mg.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)(
        labels, pt)
    np.testing.assert_allclose(loss.item(), per.sum() / valid.sum(), rtol=1e-12)
    loss.backward()
    assert not pt.grad.numpy()[~valid].any()
    # an in-range ignore_class, with sample weights
    sw = rng.uniform(0.5, 2, 6)
    labels2 = np.array([0, 2, 3, 2, 1, 1])
    keep = labels2 != 2
    per2 = -np.log(np.exp(np_log_softmax(z))[np.arange(6), labels2])
    got = mg.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=2)(
        labels2, p, sample_weight=sw)
    np.testing.assert_allclose(got.item(), (per2 * sw * keep).sum() / keep.sum(), rtol=1e-12)
    # nothing valid: 0
    none = mg.losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=1)(
        np.ones(6, int), p)
    assert none.item() == 0.0


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean", "sum",
                                       "mean_with_sample_weight", "none", None])
@pytest.mark.parametrize("sw_kind", [None, "vector", "column", "scalar", "zeros_in"])
def test_reductions_and_sample_weight(reduction, sw_kind):
    rng = np.random.default_rng(6)
    y = (rng.random((8, 3)) < 0.5).astype(float)
    p = rng.uniform(0.01, 0.99, (8, 3))
    per = np_bce(y, p).mean(-1)
    sw = {None: None, "vector": rng.uniform(0, 2, 8), "column": rng.uniform(0, 2, (8, 1)),
          "scalar": 0.7, "zeros_in": np.array([1.0, 0, 0, 1, 1, 0, 1, 1])}[sw_kind]
    got = mg.losses.BinaryCrossentropy(reduction=reduction)(y, p, sample_weight=sw)
    w = np.ones(8) if sw is None else np.broadcast_to(np.asarray(sw).reshape(-1), (8,)) \
        if np.ndim(sw) else np.full(8, sw)
    values = per * w
    if reduction in ("none", None):
        expected = values
    elif reduction == "sum":
        expected = values.sum()
    elif reduction == "mean_with_sample_weight" and sw is not None:
        expected = values.sum() / np.sum(sw)
    else:  # zero-weight samples still count
        expected = values.sum() / 8
    np.testing.assert_allclose(got.numpy().reshape(np.shape(expected)), expected, rtol=1e-12)


@DT
@pytest.mark.parametrize("balance", [False, True])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_focal(dtype, balance, from_logits):
    rng = np.random.default_rng(7)
    y = (rng.random((4, 5)) < 0.5).astype(dtype)
    x = (rng.standard_normal((4, 5)) * 2).astype(dtype) if from_logits else \
        random_probs(rng, (4, 5), dtype)
    p = 1 / (1 + np.exp(-x)) if from_logits else x       # in the input's dtype, as Keras
    yy = y
    p_t = yy * p + (1 - yy) * (1 - p)
    expected = (1 - p_t) ** 2.0 * np_bce(yy, p)
    if balance:
        expected = (0.25 * yy + 0.75 * (1 - yy)) * expected
    got = mg.losses.binary_focal_crossentropy(y, x, apply_class_balancing=balance,
                                              from_logits=from_logits)
    np.testing.assert_allclose(got.numpy(), expected.mean(-1), **TOL[dtype])


@DT
def test_regression_and_kl(dtype):
    rng = np.random.default_rng(8)
    y = rng.standard_normal((4, 6)).astype(dtype)
    p = rng.standard_normal((4, 6)).astype(dtype)
    yy, pp = y.astype(float), p.astype(float)
    np.testing.assert_allclose(mg.losses.mean_squared_error(y, p).numpy(),
                               ((yy - pp) ** 2).mean(-1), **TOL[dtype])
    np.testing.assert_allclose(mg.losses.mean_absolute_error(y, p).numpy(),
                               np.abs(yy - pp).mean(-1), **TOL[dtype])
    for delta in (1.0, 0.5):
        e = pp - yy
        hub = np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * np.abs(e) - 0.5 * delta ** 2)
        np.testing.assert_allclose(mg.losses.huber(y, p, delta).numpy(), hub.mean(-1),
                                   **TOL[dtype])
    a = rng.dirichlet(np.ones(6), 4)
    a[0, 0] = 0.0
    b = rng.dirichlet(np.ones(6), 4).astype(dtype)
    ac, bc = np.clip(a, EPS, 1), np.clip(b.astype(float), EPS, 1)
    np.testing.assert_allclose(mg.losses.kl_divergence(a.astype(dtype), b).numpy(),
                               (ac * np.log(ac / bc)).sum(-1), rtol=2e-6 if dtype == np.float32
                               else 1e-12, atol=1e-7 if dtype == np.float32 else 1e-15)


def test_trailing_axis_rule():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.9], [0.2], [0.6]])
    per = mg.losses.binary_crossentropy(y, p)
    assert per.shape == (3,)
    np.testing.assert_allclose(per.numpy(), np_bce(y, p[:, 0]), rtol=1e-15)
    assert mg.losses.mean_squared_error(p, y).shape == (3,)


def test_epsilon_is_read_at_call_time():
    y, p = np.array([1.0]), np.array([0.0])
    mg.losses.set_epsilon(1e-3)
    try:
        assert mg.losses.binary_crossentropy(y, p).item() == pytest.approx(-np.log(1e-3))
    finally:
        mg.losses.set_epsilon(1e-7)
    assert mg.losses.epsilon() == 1e-7
    with pytest.raises(ValueError, match="epsilon"):
        mg.losses.set_epsilon(0.7)


def test_loss_classes_take_their_functions_keywords():
    bce = mg.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum",
                                       name="my_bce")
    assert bce.get_config() == {"name": "my_bce", "reduction": "sum", "from_logits": True,
                                "label_smoothing": 0.1, "axis": -1}
    assert mg.losses.Huber(delta=2.0).get_config()["delta"] == 2.0
    assert mg.losses.MeanSquaredError().name == "mean_squared_error"
    with pytest.raises(TypeError, match="unexpected keyword"):
        mg.losses.BinaryCrossentropy(form_logits=True)
