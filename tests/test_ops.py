"""Every op, from its one declaration in opspecs.py: values against a float64
numpy reference, gradcheck and gradgradcheck in float64 over random shapes
and broadcasting (hypothesis), and parity with PyTorch."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from opspecs import ALL, DIFFERENTIABLE

DTYPES = [np.float32, np.float64]


def draw(spec, data):
    shapes, kw = data.draw(spec.cases, label="shapes, options")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    return spec.sample(np.random.default_rng(seed), shapes), kw


def as_mg(arrays, dtype=np.float64, requires_grad=True):
    return [mg.tensor(a.astype(dtype), requires_grad=requires_grad) if a.dtype.kind == "f"
            else mg.tensor(a) for a in arrays]


def ids(spec):
    return spec.name


@pytest.mark.parametrize("spec", ALL, ids=ids)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(data=st.data())
def test_value_matches_numpy_float64(spec, dtype, data):
    arrays, kw = draw(spec, data)
    inputs = as_mg(arrays, dtype, requires_grad=spec.differentiable)
    out = spec.mg(*inputs, **kw)
    ref = spec.ref(*[a.astype(dtype).astype(np.float64) if a.dtype.kind == "f" else a
                     for a in arrays], **kw)
    ref = np.asarray(ref)
    assert isinstance(out, mg.Tensor)
    assert out.shape == ref.shape
    if spec.differentiable:
        assert out.dtype == dtype
        tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(out.numpy(), ref, **tol)
    else:
        assert out.dtype == bool and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), ref)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@given(data=st.data())
def test_gradcheck(spec, data):
    arrays, kw = draw(spec, data)
    assert mg.gradcheck(lambda *xs: spec.mg(*xs, **kw), as_mg(arrays))


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=ids)
@settings(max_examples=8)
@given(data=st.data())
def test_gradgradcheck(spec, data):
    arrays, kw = draw(spec, data)
    assert mg.gradgradcheck(lambda *xs: spec.mg(*xs, **kw), as_mg(arrays))


@pytest.mark.parametrize("spec", [s for s in ALL if s.torch is not None], ids=ids)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@given(data=st.data())
def test_parity_with_torch(spec, dtype, data):
    torch = pytest.importorskip("torch")
    arrays, kw = draw(spec, data)
    inputs = as_mg(arrays, dtype, requires_grad=spec.differentiable)
    tinputs = [torch.tensor(a.astype(dtype), requires_grad=spec.differentiable)
               if a.dtype.kind == "f" else torch.tensor(a) for a in arrays]
    out = spec.mg(*inputs, **kw)
    tout = spec.torch(*tinputs, **kw)
    tol = dict(rtol=4e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **tol)
    if not spec.differentiable:
        return
    g = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    out.backward(g)
    tout.backward(torch.tensor(g))
    for x, tx in zip(inputs, tinputs):
        if x.requires_grad:
            assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


@pytest.mark.parametrize("name,fn,ref", [
    ("sum", lambda t: mg.sum(t, axis=1), lambda a: a.sum(1)),
    ("sum_keep", lambda t: mg.sum(t, axis=-1, keepdims=True), lambda a: a.sum(-1, keepdims=True)),
    ("amax", lambda t: mg.amax(t, axis=1), lambda a: a.max(1)),
    ("max_dim", lambda t: mg.max(t, dim=1).values, lambda a: a.max(1)),
    ("amin", lambda t: mg.amin(t, axis=-1), lambda a: a.min(-1)),
    ("min_dim", lambda t: mg.min(t, dim=-1).values, lambda a: a.min(-1)),
    ("logsumexp", lambda t: mg.logsumexp(t, axis=1),
     lambda a: np.log(np.exp(a - a.max(1, keepdims=True)).sum(1)) + a.max(1)),
    ("softmax", lambda t: mg.softmax(t, axis=1),
     lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True)),
    ("log_softmax", lambda t: mg.log_softmax(t, axis=-1),
     lambda a: a - np.log(np.exp(a).sum(1, keepdims=True))),
])
def test_reductions_over_a_short_last_axis_of_many_rows(name, fn, ref):
    """(N, C) with many rows and few classes takes the column-loop path of
    the reductions: same values and gradients."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((700, 10))
    x = mg.tensor(a, requires_grad=True)
    out = fn(x)
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-13, atol=1e-14)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    small = mg.tensor(a[:5], requires_grad=True)      # the plain numpy path
    fn(small).backward(g[:5])
    np.testing.assert_allclose(x.grad.numpy()[:5], small.grad.numpy(), rtol=1e-13, atol=1e-15)
    assert mg.gradcheck(fn, (mg.tensor(a[:300, :3].copy(), requires_grad=True),))


@pytest.mark.parametrize("shape,axis", [((5, 4), 1), ((4,), 0), ((3, 4, 2), 1), ((2, 3, 4), -1)])
def test_take_one_gathers_and_scatters(shape, axis):
    """take_one (the gather behind NLL and cross-entropy) against numpy, with
    first and second derivatives."""
    from minigrad.ops.shape import take_one

    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    idx_shape = tuple(n for i, n in enumerate(shape) if i != axis % len(shape))
    index = rng.integers(0, shape[axis], idx_shape)
    out = take_one(mg.tensor(a), index, axis)
    ref = np.take_along_axis(a, np.expand_dims(index, axis), axis).squeeze(axis)
    np.testing.assert_array_equal(out.numpy(), ref)
    fn = lambda t: take_one(t, index, axis) * 2.0  # noqa: E731
    assert mg.gradcheck(fn, (mg.tensor(a, requires_grad=True),))
    assert mg.gradgradcheck(lambda t: take_one(t * t, index, axis),
                            (mg.tensor(a, requires_grad=True),))
