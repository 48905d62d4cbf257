"""The losses added through the loss registry (minigrad/lossdefs), each by
one formula and one declaration.

The PyTorch face is checked against PyTorch (values and gradients, float64
and float32, extreme inputs included); the Keras face against Keras 3's
formulas written out here in numpy, each with the formula in a comment above
it (as REFERENCE-losses.md states them), never against minigrad itself.
Then gradcheck in float64, and bad input."""
import numpy as np
import pytest

import minigrad as mg

L = mg.losses
NF = mg.nn.functional
EPS = 1e-7                                          # Keras's backend epsilon
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
KERAS_TOL = {np.float64: dict(rtol=1e-12, atol=1e-15), np.float32: dict(rtol=2e-6, atol=1e-7)}
TORCH_TOL = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=1e-6, atol=1e-6)}
KERAS_REDUCTIONS = ["sum_over_batch_size", "mean", "sum", "mean_with_sample_weight", None]
TORCH_REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------- the references

# Keras's Loss.__call__: values = losses * sample_weight, then
#   "sum_over_batch_size" / "mean": sum(values) / number of elements of values
#   "mean_with_sample_weight":      sum(values) / sum(sample_weight)
#   "sum": sum(values);  "none" / None: values
def np_reduce(losses, sample_weight, reduction):
    values = losses * sample_weight
    if reduction in ("sum_over_batch_size", "mean"):
        return values.sum() / values.size
    if reduction == "mean_with_sample_weight":
        return values.sum() / sample_weight.sum()
    if reduction == "sum":
        return values.sum()
    return values


def keras_check(fn, cls, reference, grad_reference, y, p, dtype, tol=None, **options):
    """The function's per-sample values and gradient, and the class's value
    under every reduction with sample weights, against the numpy reference."""
    tol = tol or KERAS_TOL[dtype]
    y, p = y.astype(dtype), p.astype(dtype)
    pt = mg.tensor(p, requires_grad=True)
    got = fn(y, pt, **options)
    expected = reference(y.astype(float), p.astype(float), **options)
    np.testing.assert_allclose(got.numpy(), expected, **tol)
    assert got.dtype == dtype and got.shape == expected.shape
    got.sum().backward()
    np.testing.assert_allclose(pt.grad.numpy(), grad_reference(
        y.astype(float), p.astype(float), **options), **tol)
    sw = np.random.default_rng(7).uniform(0.2, 2.0, expected.shape)
    for reduction in KERAS_REDUCTIONS:
        loss = cls(reduction=reduction, **options)(y, p, sample_weight=sw.astype(dtype))
        np.testing.assert_allclose(loss.numpy(), np_reduce(expected, sw, reduction), **tol)


def torch_check(mg_fn, torch_fn, x, t, dtype, target_grad=True):
    """Values and the gradients (input, and target unless told not to) of
    both, for one random upstream gradient."""
    torch = pytest.importorskip("torch")
    x, t = x.astype(dtype), t.astype(dtype)
    xm, tm = mg.tensor(x, requires_grad=True), mg.tensor(t, requires_grad=target_grad)
    xt, tt = torch.tensor(x, requires_grad=True), torch.tensor(t, requires_grad=target_grad)
    out, tout = mg_fn(xm, tm), torch_fn(xt, tt)
    tol = TORCH_TOL[dtype]
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    assert out.dtype == dtype
    g = np.random.default_rng(3).uniform(0.5, 1.5, out.shape).astype(dtype)
    out.backward(g)
    tout.backward(torch.tensor(g))
    assert np.isfinite(xm.grad.numpy()).all()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), **tol)
    if target_grad:
        np.testing.assert_allclose(tm.grad.numpy(), tt.grad.numpy(), **tol)


def gradcheck(fn, x):
    return mg.gradcheck(fn, (mg.tensor(np.asarray(x, dtype=np.float64), requires_grad=True),))


rng = np.random.default_rng(0)
COUNTS = rng.poisson(3.0, (6, 5)).astype(float)
COUNTS[0, :3] = [0.0, 1.0, 250.0]
RATES = rng.uniform(0.05, 8.0, (6, 5))
RATES[0, :2] = [0.0, 1e-30]


# ------------------------------------------------------------------ Poisson

# poisson: mean over the last axis of y_pred - y_true * log(y_pred + eps)
def np_poisson(y, p):
    return np.mean(p - y * np.log(p + EPS), axis=-1)


# its derivative: (1 - y_true / (y_pred + eps)) / (size of the last axis)
def np_poisson_grad(y, p):
    return (1 - y / (p + EPS)) / p.shape[-1]


@DTYPES
def test_keras_poisson(dtype):
    keras_check(L.poisson, L.Poisson, np_poisson, np_poisson_grad, COUNTS, RATES, dtype)


def test_keras_poisson_class():
    assert L.Poisson().name == "poisson" and L.Poisson().get_config() == {
        "name": "poisson", "reduction": "sum_over_batch_size"}


@DTYPES
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("log_input,full", [(True, False), (False, False), (True, True),
                                            (False, True)])
def test_torch_poisson_nll(dtype, reduction, log_input, full):
    torch = pytest.importorskip("torch")
    if log_input:
        big = 80.0 if dtype == np.float32 else 700.0        # exp(big) is still finite
        x = rng.normal(0, 3, (6, 5))
        x[1, :2] = [big, -big]
    else:
        x = RATES.copy()
        x[1, :2] = [1e6, 1e-12]
    kw = dict(log_input=log_input, full=full, reduction=reduction)
    # PyTorch's gradient with respect to a target of 0 is NaN under full=True
    # (0 * log 0 in its masked-out Stirling term); minigrad's is finite
    torch_check(lambda a, b: mg.nn.PoissonNLLLoss(**kw)(a, b),
                lambda a, b: torch.nn.PoissonNLLLoss(**kw)(a, b), x, COUNTS, dtype,
                target_grad=not full)
    if full:
        torch_check(lambda a, b: NF.poisson_nll_loss(a, b, **kw),
                    lambda a, b: torch.nn.functional.poisson_nll_loss(a, b, **kw),
                    x, np.maximum(COUNTS, 0.5), dtype)


@pytest.mark.parametrize("eps", [1e-8, 1e-3])
def test_torch_poisson_nll_eps(eps):
    torch = pytest.importorskip("torch")
    torch_check(lambda a, b: NF.poisson_nll_loss(a, b, log_input=False, eps=eps),
                lambda a, b: torch.nn.functional.poisson_nll_loss(a, b, log_input=False,
                                                                  eps=eps),
                RATES, COUNTS, np.float64)


def test_keras_poisson_is_pytorch_with_keras_epsilon():
    keras = L.Poisson(reduction="sum")(COUNTS, RATES).item()
    torch_face = NF.poisson_nll_loss(mg.tensor(RATES), mg.tensor(COUNTS), log_input=False,
                                    eps=EPS, reduction="sum").item()
    assert keras == pytest.approx(torch_face / COUNTS.shape[-1], rel=1e-14)


def test_poisson_gradcheck():
    y = COUNTS[1:]
    assert gradcheck(lambda p: L.Poisson()(y, p), RATES[1:])
    assert gradcheck(lambda x: mg.nn.PoissonNLLLoss(full=True)(x, mg.tensor(y)),
                     rng.normal(0, 1, y.shape))
    assert gradcheck(lambda x: NF.poisson_nll_loss(x, mg.tensor(y), log_input=False,
                                                  reduction="sum"), RATES[1:])
    assert gradcheck(lambda t: mg.nn.PoissonNLLLoss(full=True)(mg.tensor(RATES[1:]), t),
                     y + 0.3)


def test_poisson_bad_input():
    with pytest.raises(ValueError, match=r"y_pred holds negative rates \(min -0.5\)"):
        L.poisson([[1.0, 2.0]], [[-0.5, 1.0]])
    with pytest.raises(ValueError, match="pass log_input=True if these are log-rates"):
        mg.nn.PoissonNLLLoss(log_input=False)(mg.tensor([-1.0]), mg.tensor([1.0]))
    mg.nn.PoissonNLLLoss()(mg.tensor([-1.0]), mg.tensor([1.0]))       # log-rates: fine
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        L.poisson(np.ones(4), np.ones(5))
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        mg.nn.PoissonNLLLoss()(mg.ones(5), mg.ones(5, 1))
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        mg.nn.PoissonNLLLoss(reduction="avg")
    with pytest.raises(ValueError, match="unknown reduction 'batchmean'"):
        L.Poisson(reduction="batchmean")
    with pytest.raises(ValueError, match="eps must be positive"):
        NF.poisson_nll_loss(mg.ones(2), mg.ones(2), eps=0)


def test_poisson_explain_and_conventions():
    y, p = [0, 1, 2, 4], [0.5, 1.2, 1.8, 3.0]
    ex = mg.explain("poisson", y, p, show=False)
    assert ex.value == L.Poisson()(np.array(y, float), np.array(p)).item()
    c = {c.name: c for c in ex.conventions}
    torch_value = mg.nn.PoissonNLLLoss(log_input=False)(mg.tensor(np.array(p)),
                                                        mg.tensor(np.array(y, float))).item()
    assert c["PyTorch PoissonNLLLoss"].float64 == torch_value != ex.value
    np.testing.assert_allclose(ex.grad, np_poisson_grad(np.array(y, float), np.array(p)),
                               rtol=1e-12)


# ---------------------------------------------------------------- smooth L1

def _errors(beta):
    """Regression inputs around the targets: at +-beta exactly, near 0, and +-1e4."""
    x = rng.normal(0, 2, (6, 5))
    x[0, :4] = [beta, -beta, 1e4, -1e4]
    return x


@DTYPES
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 3.0, 0.0])
def test_torch_smooth_l1(dtype, reduction, beta):
    torch = pytest.importorskip("torch")
    target = np.zeros((6, 5))
    target[1] = rng.normal(0, 1, 5)
    torch_check(lambda a, b: mg.nn.SmoothL1Loss(reduction=reduction, beta=beta)(a, b),
                lambda a, b: torch.nn.SmoothL1Loss(reduction=reduction, beta=beta)(a, b),
                _errors(beta) + target, target, dtype)
    torch_check(lambda a, b: NF.smooth_l1_loss(a, b, reduction, beta),
                lambda a, b: torch.nn.functional.smooth_l1_loss(a, b, reduction=reduction,
                                                                beta=beta),
                _errors(beta), target, dtype)


def test_smooth_l1_is_huber_over_beta():
    x, t = mg.tensor(_errors(2.0)), mg.tensor(np.zeros((6, 5)))
    np.testing.assert_allclose(mg.nn.SmoothL1Loss(beta=2.0)(x, t).item(),
                               mg.nn.HuberLoss(delta=2.0)(x, t).item() / 2, rtol=1e-14)
    assert mg.nn.SmoothL1Loss(beta=0)(x, t).item() == mg.nn.L1Loss()(x, t).item()


def test_smooth_l1_gradcheck():
    x = _errors(1.0)[1:]
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.1, x + 0.3, x)       # away from the kinks
    x = np.where(np.abs(x) < 0.1, 0.5, x)
    assert gradcheck(lambda a: mg.nn.SmoothL1Loss()(a, mg.tensor(np.zeros(x.shape))), x)
    assert gradcheck(lambda a: NF.smooth_l1_loss(a, mg.tensor(np.zeros(x.shape)), "sum", 0.0), x)
    assert gradcheck(lambda t: NF.smooth_l1_loss(mg.tensor(np.zeros(x.shape)), t, beta=2.5), x)


def test_smooth_l1_bad_input():
    with pytest.raises(ValueError, match=r"beta must be >= 0 \(0 gives the L1 loss\), got -1"):
        mg.nn.SmoothL1Loss(beta=-1)(mg.zeros(2), mg.zeros(2))
    with pytest.raises(TypeError, match="beta must be a positive number"):
        NF.smooth_l1_loss(mg.zeros(2), mg.zeros(2), beta="1")
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        mg.nn.SmoothL1Loss()(mg.zeros(5), mg.zeros(5, 1))
    with pytest.raises(ValueError, match="unknown reduction 'batchmean'; valid reductions are "
                                         "'mean', 'sum', 'none'"):
        mg.nn.SmoothL1Loss(reduction="batchmean")


# ----------------------------------------------------------------- log-cosh

# log_cosh: e = y_pred - y_true; mean over the last axis of
#   e + softplus(-2 e) - log(2)      (= log(cosh(e)), computed stably)
def np_log_cosh(y, p):
    e = p - y
    return np.mean(e + np.logaddexp(0.0, -2.0 * e) - np.log(2.0), axis=-1)


# its derivative: tanh(e) / (size of the last axis)
def np_log_cosh_grad(y, p):
    return np.tanh(p - y) / p.shape[-1]


@DTYPES
def test_keras_log_cosh(dtype):
    y = rng.normal(0, 1, (6, 5))
    p = y + rng.normal(0, 3, (6, 5))
    p[0, :3] = [y[0, 0] + 1e4, y[0, 1] - 1e4, y[0, 2]]      # huge errors, and none
    keras_check(L.log_cosh, L.LogCosh, np_log_cosh, np_log_cosh_grad, y, p, dtype)


def test_log_cosh_is_finite_where_cosh_overflows():
    e = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    p = mg.tensor(e, requires_grad=True)
    v = L.log_cosh(np.zeros_like(e), p)
    v.backward()
    np.testing.assert_allclose(v.item(), np.mean(np.where(e == 0, 0.0, np.abs(e) - np.log(2.0))),
                               rtol=1e-15)
    np.testing.assert_allclose(p.grad.numpy(), np.sign(e) / 5, rtol=1e-15)


def test_log_cosh_gradcheck():
    y = rng.normal(0, 1, (4, 3))
    assert gradcheck(lambda p: L.LogCosh(reduction="sum")(y, p), y + rng.normal(0, 2, (4, 3)))
    assert gradcheck(lambda t: L.log_cosh(t, mg.tensor(y)), y + 0.5)


def test_log_cosh_bad_input():
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        L.log_cosh(np.zeros((5, 1, 1)), np.zeros(5))
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        L.LogCosh(reduction="avg")


def test_log_cosh_explain():
    y, p = [0, 1, 0, 0], [0.1, 2.95, 0.2, -100.0]
    ex = mg.explain("logcosh", y, p, show=False)
    assert ex.loss == "log_cosh" and ex.value == L.LogCosh()(y, np.array(p)).item()
    c = {c.name: c for c in ex.conventions}
    assert c["naive numpy"].float32 == np.inf and c["naive numpy"].float64 == pytest.approx(
        ex.value, rel=1e-14)
    with pytest.raises(ValueError, match="log_cosh has no logits"):
        mg.explain("log_cosh", y, p, from_logits=True)


# ------------------------------------------------------------ hinge losses

# Keras's convert_binary_labels_to_hinge: if every label is 0 or 1, y <- 2 y - 1
# (otherwise the labels are used as given, -1 or 1 expected)
def np_hinge_labels(y):
    return 2 * y - 1 if np.all((y == 0) | (y == 1)) else y


# hinge: mean over the last axis of max(1 - y_true * y_pred, 0)
def np_hinge(y, p):
    return np.mean(np.maximum(1 - np_hinge_labels(y) * p, 0), axis=-1)


# its derivative: -y_true where 1 - y_true * y_pred > 0, else 0 (over the last axis' size)
def np_hinge_grad(y, p):
    y = np_hinge_labels(y)
    return np.where(1 - y * p > 0, -y, 0.0) / p.shape[-1]


# squared_hinge: mean over the last axis of max(1 - y_true * y_pred, 0) ** 2
def np_squared_hinge(y, p):
    return np.mean(np.maximum(1 - np_hinge_labels(y) * p, 0) ** 2, axis=-1)


# its derivative: -2 y_true max(1 - y_true * y_pred, 0) (over the last axis' size)
def np_squared_hinge_grad(y, p):
    y = np_hinge_labels(y)
    return -2 * y * np.maximum(1 - y * p, 0) / p.shape[-1]


def _scores(shape):
    """Raw scores, none at a hinge's kink (y p = 1), some far out."""
    p = rng.normal(0, 1.5, shape)
    p = np.where(np.abs(np.abs(p) - 1) < 0.05, p + 0.2, p)
    p.flat[:2] = [1e4, -1e4]
    return p


@DTYPES
@pytest.mark.parametrize("labels", ["0/1", "-1/1"])
@pytest.mark.parametrize("fn,cls,reference,grad_reference", [
    (L.hinge, L.Hinge, np_hinge, np_hinge_grad),
    (L.squared_hinge, L.SquaredHinge, np_squared_hinge, np_squared_hinge_grad)],
    ids=["hinge", "squared_hinge"])
def test_keras_hinge(dtype, labels, fn, cls, reference, grad_reference):
    y = (rng.random((6, 4)) < 0.5).astype(float)
    if labels == "-1/1":
        y = 2 * y - 1
    keras_check(fn, cls, reference, grad_reference, y, _scores((6, 4)), dtype)


def test_hinge_labels_are_converted_only_when_all_are_0_or_1():
    p = np.array([[0.5, -0.5, 2.0]])
    assert L.hinge([[1.0, 0.0, 1.0]], p).item() == pytest.approx((0.5 + 0.5 + 0) / 3)
    # -1 present: nothing is converted, so the label 0 gives max(1 - 0, 0) = 1
    assert L.hinge([[1.0, 0.0, -1.0]], p).item() == pytest.approx((0.5 + 1 + 3) / 3)
    assert L.Hinge().name == "hinge" and L.SquaredHinge().name == "squared_hinge"


def test_hinge_gradcheck():
    y = 2 * (rng.random((4, 3)) < 0.5) - 1.0
    p = _scores((4, 3))
    p.flat[:2] = [2.5, -2.5]            # 1e4 squared is too large for central differences
    assert gradcheck(lambda q: L.Hinge(reduction="sum")(y, q), p)
    assert gradcheck(lambda q: L.SquaredHinge()(y, q, sample_weight=np.arange(1.0, 5.0)), p)


def test_hinge_bad_input():
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        L.hinge(np.ones(4), np.ones(5))
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        L.SquaredHinge()(np.ones((5, 2)), np.ones(5))
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        L.Hinge(reduction="avg")


# ------------------------------------------------------------- soft margin

@DTYPES
@pytest.mark.parametrize("reduction", TORCH_REDUCTIONS)
def test_torch_soft_margin(dtype, reduction):
    torch = pytest.importorskip("torch")
    x = rng.normal(0, 3, (6, 5))
    # PyTorch computes log1p(exp(-y x)): compare up to where its exp is finite
    big = 80.0 if dtype == np.float32 else 700.0
    x[0, :4] = [big, -big, 30.0, -30.0]
    t = 2.0 * (rng.random((6, 5)) < 0.5) - 1
    t[0, :4] = [1.0, 1.0, -1.0, 1.0]
    # PyTorch's soft margin loss is not differentiable with respect to the
    # target (it refuses one that requires grad); minigrad's is
    torch_check(lambda a, b: mg.nn.SoftMarginLoss(reduction=reduction)(a, b),
                lambda a, b: torch.nn.SoftMarginLoss(reduction=reduction)(a, b), x, t, dtype,
                target_grad=False)
    torch_check(lambda a, b: NF.soft_margin_loss(a, b, reduction),
                lambda a, b: torch.nn.functional.soft_margin_loss(a, b, reduction=reduction),
                x, t, dtype, target_grad=False)


@DTYPES
def test_soft_margin_stays_finite_where_pytorch_overflows(dtype):
    x = np.array([-1e4, -800.0, -100.0, 100.0, 1e4], dtype=dtype)
    xm = mg.tensor(x, requires_grad=True)
    loss = mg.nn.SoftMarginLoss(reduction="none")(xm, mg.tensor(np.ones(5, dtype)))
    loss.sum().backward()
    x64 = x.astype(float)
    # log(1 + exp(-x)) and its derivative -1 / (1 + exp(x)), without overflow;
    # below float32's smallest normal number (1.2e-38) only absolutely
    tol = dict(rtol=TORCH_TOL[dtype]["rtol"], atol=np.finfo(dtype).tiny)
    np.testing.assert_allclose(loss.numpy(), np.logaddexp(0.0, -x64), **tol)
    np.testing.assert_allclose(xm.grad.numpy(), -np.exp(-np.logaddexp(0.0, x64)), **tol)


def test_soft_margin_is_bce_with_logits_of_01_labels():
    x, t = rng.normal(0, 2, (4, 3)), 2.0 * (rng.random((4, 3)) < 0.5) - 1
    np.testing.assert_allclose(
        NF.soft_margin_loss(mg.tensor(x), mg.tensor(t)).item(),
        NF.binary_cross_entropy_with_logits(mg.tensor(x), mg.tensor((t + 1) / 2)).item(),
        rtol=1e-14)


def test_soft_margin_gradcheck():
    t = 2.0 * (rng.random((4, 3)) < 0.5) - 1
    assert gradcheck(lambda a: mg.nn.SoftMarginLoss()(a, mg.tensor(t)), rng.normal(0, 3, (4, 3)))
    x = mg.tensor(rng.normal(0, 1, (4, 3)))
    assert gradcheck(lambda b: NF.soft_margin_loss(x, b, "sum"), t)


def test_soft_margin_bad_input():
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        mg.nn.SoftMarginLoss()(mg.zeros(3), mg.zeros(1))
    with pytest.raises(ValueError, match="unknown reduction 'sum_over_batch_size'"):
        mg.nn.SoftMarginLoss(reduction="sum_over_batch_size")


# -------------------------------------------------------- cosine similarity

# Keras's normalize (TensorFlow and JAX backends): x * min(1 / sqrt(sum(x**2, axis)), 1 / eps)
def np_l2_normalize(x, axis):
    inv = np.minimum(1 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1 / EPS)
    return x * inv, inv


# cosine_similarity: -sum(normalize(y_true) * normalize(y_pred), axis)
def np_cosine(y, p, axis=-1):
    with np.errstate(divide="ignore"):
        return -np.sum(np_l2_normalize(y, axis)[0] * np_l2_normalize(p, axis)[0], axis=axis)


# its derivative: -(y_hat - cos * p_hat) / |p|, or -y_hat / eps where |p| < eps
def np_cosine_grad(y, p, axis=-1):
    with np.errstate(divide="ignore"):
        y_hat, _ = np_l2_normalize(y, axis)
        p_hat, inv = np_l2_normalize(p, axis)
    cos = np.sum(y_hat * p_hat, axis=axis, keepdims=True)
    return np.where(inv < 1 / EPS, -(y_hat - cos * p_hat) * inv, -y_hat / EPS)


@DTYPES
@pytest.mark.parametrize("shape,axis", [((6, 4), -1), ((6, 4), 0), ((3, 4, 2), 1)])
def test_keras_cosine_similarity(dtype, shape, axis):
    y, p = rng.normal(0, 1, shape), rng.normal(0, 2, shape)
    zero = [0] * len(shape)
    zero[axis] = slice(None)
    y[tuple(zero)] = 0.0                # a zero vector along the axis: its loss is 0
    keras_check(L.cosine_similarity, L.CosineSimilarity, np_cosine, np_cosine_grad, y, p,
                dtype, axis=axis)


def test_cosine_similarity_of_vectors_shorter_than_eps():
    y, p = np.array([[3.0, 4.0], [1.0, 0.0]]), np.array([[1e-9, 0.0], [0.0, 0.0]])
    pt = mg.tensor(p, requires_grad=True)
    loss = L.cosine_similarity(y, pt)
    np.testing.assert_allclose(loss.numpy(), np_cosine(y, p), rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(pt.grad.numpy(), np_cosine_grad(y, p), rtol=1e-12)
    assert np.isfinite(pt.grad.numpy()).all()


def test_cosine_similarity_class():
    loss = L.CosineSimilarity(axis=0)
    assert loss.name == "cosine_similarity" and loss.get_config()["axis"] == 0


def test_cosine_similarity_gradcheck():
    y = rng.normal(0, 1, (4, 3))
    assert gradcheck(lambda p: L.CosineSimilarity()(y, p), rng.normal(0, 1, (4, 3)))
    assert gradcheck(lambda p: L.cosine_similarity(y, p, axis=0), rng.normal(0, 1, (4, 3)))
    assert gradcheck(lambda t: L.cosine_similarity(t, mg.tensor(y)), rng.normal(0, 1, (4, 3)))


def test_cosine_similarity_bad_input():
    with pytest.raises(ValueError, match="must match|never broadcasts"):
        L.cosine_similarity(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="needs an axis"):
        L.cosine_similarity(1.0, 2.0)
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        L.CosineSimilarity(reduction="avg")
