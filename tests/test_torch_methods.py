"""Tensor methods follow PyTorch (issue 20): a side-by-side table.

Each row is one call written once, as a PyTorch user types it, and run on a
minigrad tensor and on a live ``torch`` tensor of the same data.  For
hypothesis-drawn shapes and dims, in float32 and float64, the two must
agree on: whether the call raises, the result's values, shape and dtype
(named tuples field by field, sequences piece by piece), and the gradient
that a random upstream gradient sends back to the input.  New primitives
(prod, the 2-norm, cumsum) also pass gradcheck and gradgradcheck in
float64.  The README's conflict table (numpy's meaning against PyTorch's)
has one test per row at the end.
"""
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-11)}


@dataclass
class Row:
    """One behaviour: ``call(x, p)`` works on both frameworks' tensors; ``draw``
    draws its parameters ``p`` from a shape; ``data`` picks the values."""

    name: str
    call: object
    draw: object
    data: str = "normal"            # "normal", "distinct" (no ties), "near_one" (prod)
    min_ndim: int = 0
    max_ndim: int = 3
    empty: bool = False             # may a dimension have length 0?
    zero_for_nan: bool = False      # where torch's gradient is nan, minigrad's is 0 (std)


def _shape(draw, row):
    lo = 0 if row.empty else 1
    return tuple(draw(st.lists(st.integers(lo, 4), min_size=row.min_ndim, max_size=row.max_ndim)))


def _values(shape, kind, dtype, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if kind == "distinct":
        x = (rng.permutation(n) - n / 2) * 0.25 + 0.1          # no ties, no zero
    elif kind == "near_one":
        x = rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)
        x[rng.random(n) < 0.15] = 0.0
    else:
        x = rng.normal(size=n)
    return x.reshape(shape).astype(dtype)


# ------------------------------------------------------------- parameters

def dim(nd, invalid=True):
    """A dim: valid (-nd..nd-1; a 0-d tensor takes -1 and 0) or, now and then, out of range."""
    n = max(nd, 1)
    valid = st.integers(-n, n - 1)
    return st.one_of(valid, st.sampled_from([n, -n - 1])) if invalid else valid


def dims(nd):
    """A dim or a tuple of distinct dims."""
    if nd == 0:
        return dim(0, invalid=False)
    return st.one_of(dim(nd, invalid=False),
                     st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)
                     .map(tuple))


def p_none(shape):
    return st.just({})


def p_dim(shape):
    return st.fixed_dictionaries({"dim": dim(len(shape))})


def p_reduce(shape):
    return st.fixed_dictionaries({"dim": dims(len(shape)), "keepdim": st.booleans()})


def p_one_dim_keep(shape):
    return st.fixed_dictionaries({"dim": dim(len(shape)), "keepdim": st.booleans()})


def p_two_dims(shape):
    return st.fixed_dictionaries({"d0": dim(len(shape)), "d1": dim(len(shape))})


def p_permutation(shape):
    return st.permutations(range(len(shape))).map(lambda d: {"dims": tuple(d)})


def p_view(shape):
    n = int(np.prod(shape))
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [1]
    return st.sampled_from(divisors).flatmap(lambda a: st.sampled_from(
        [{"shape": (a, -1)}, {"shape": (-1,)}, {"shape": (a, n // a, 1)}, {"shape": (n + 1,)}]))


def p_flatten(shape):
    return st.fixed_dictionaries({"start": dim(len(shape)), "end": dim(len(shape))})


def p_unsqueeze(shape):
    nd = len(shape) + 1
    return st.fixed_dictionaries({"dim": st.one_of(st.integers(-nd, nd - 1), st.just(nd))})


def p_squeeze_dim(shape):
    return st.fixed_dictionaries({"dim": dims(len(shape))})


def p_expand(shape):
    @st.composite
    def draw(d):
        lead = d(st.lists(st.integers(1, 3), max_size=2))
        sizes = [d(st.sampled_from([-1, 3])) if n == 1 else d(st.sampled_from([-1, n]))
                 for n in shape]
        if sizes and d(st.integers(0, 5)) == 0:
            sizes[0] = shape[0] + 1                      # not expandable: both raise
        return {"sizes": tuple(lead + sizes)}
    return draw()


def p_repeat(shape):
    nd = len(shape)
    return st.lists(st.integers(0, 3), min_size=nd, max_size=nd + 2).map(
        lambda s: {"sizes": tuple(s)})


def p_repeat_interleave(shape):
    return st.fixed_dictionaries({"repeats": st.integers(0, 3),
                                  "dim": st.one_of(st.none(), dim(len(shape), invalid=False))})


def p_chunk(shape):
    return st.fixed_dictionaries({"chunks": st.integers(1, 5), "dim": dim(len(shape), False)})


def p_split(shape):
    return st.fixed_dictionaries({"size": st.integers(1, 5), "dim": dim(len(shape), False)})


def p_sections(shape):
    @st.composite
    def draw(d):
        k = d(dim(len(shape), False)) % len(shape)
        n = shape[k]
        cut = sorted(d(st.lists(st.integers(0, n), max_size=3)))
        bounds = [0] + cut + [n]
        return {"sections": [b - a for a, b in zip(bounds[:-1], bounds[1:])], "dim": k}
    return draw()


def p_narrow(shape):
    @st.composite
    def draw(d):
        k = d(dim(len(shape), False)) % len(shape)
        n = shape[k]
        start = d(st.integers(-n, n)) if n else 0
        return {"dim": k, "start": start, "length": d(st.integers(0, n + 1))}
    return draw()


def p_unflatten(shape):
    @st.composite
    def draw(d):
        k = d(dim(len(shape), False)) % len(shape)
        n = shape[k]
        a = d(st.sampled_from([v for v in range(1, n + 1) if n % v == 0] or [1]))
        return {"dim": k, "sizes": d(st.sampled_from([(a, -1), (-1, a), (a, n // a or 1)]))}
    return draw()


def p_clamp(shape):
    return st.sampled_from([{"min": -0.5, "max": 0.5}, {"min": 0.1, "max": None},
                            {"min": None, "max": -0.2}])


def p_mask(shape):
    return st.fixed_dictionaries({"seed": st.integers(0, 99), "value": st.sampled_from([0.0, -2.5])})


def p_gather(shape):
    @st.composite
    def draw(d):
        nd = len(shape)
        k = d(st.integers(0, nd - 1))
        ishape = tuple(d(st.integers(1, 4)) if i == k else d(st.integers(1, n))
                       for i, n in enumerate(shape))
        rng = np.random.default_rng(d(st.integers(0, 99)))
        idx = rng.integers(0, shape[k], ishape)
        return {"dim": k - nd if d(st.booleans()) else k, "index": idx}
    return draw()


def p_pow(shape):
    return st.fixed_dictionaries({"p": st.sampled_from([2, 3, 0.5, -1.0])})


def p_var(shape):
    return st.fixed_dictionaries({"dim": dims(len(shape)), "keepdim": st.booleans(),
                                  "correction": st.sampled_from([0, 1])})


def p_norm(shape):
    return st.fixed_dictionaries({"p": st.sampled_from([2, "fro", 1, 3, float("inf")]),
                                  "dim": st.one_of(st.none(), dims(len(shape))),
                                  "keepdim": st.booleans()})


def p_topk(shape):
    @st.composite
    def draw(d):
        k = d(dim(len(shape), False))
        n = shape[k % len(shape)] if shape else 1
        return {"k": d(st.integers(0, n)), "dim": k, "largest": d(st.booleans())}
    return draw()


def p_sort(shape):
    return st.fixed_dictionaries({"dim": dim(len(shape)), "descending": st.booleans()})


def p_alpha(shape):
    return st.fixed_dictionaries({"alpha": st.sampled_from([1, 2.5, -1])})


def p_new(shape):
    return st.lists(st.integers(0, 3), max_size=3).map(lambda s: {"size": tuple(s)})


def _index(x, p):
    """The int64 index in x's framework."""
    if isinstance(x, mg.Tensor):
        return mg.tensor(p["index"], dtype="int64")
    return torch.tensor(p["index"], dtype=torch.int64)


def _like(x, a):
    return mg.tensor(a) if isinstance(x, mg.Tensor) else torch.tensor(a)


def _m(x):
    """The framework of ``x``: the module whose functions a row calls."""
    return mg if isinstance(x, mg.Tensor) else torch


def _mask(x, p):
    m = np.random.default_rng(p["seed"]).random(tuple(x.shape)) < 0.4
    return _like(x, m)


ROWS = [
    # shape
    Row("view", lambda x, p: x.view(*p["shape"]), p_view, empty=True),
    Row("view_tuple", lambda x, p: x.view(p["shape"]), p_view),
    Row("reshape", lambda x, p: x.reshape(p["shape"]), p_view, empty=True),
    Row("flatten", lambda x, p: x.flatten(p["start"], p["end"]), p_flatten, empty=True),
    Row("flatten_default", lambda x, p: x.flatten(), p_none, empty=True),
    Row("unflatten", lambda x, p: x.unflatten(p["dim"], p["sizes"]), p_unflatten, min_ndim=1),
    Row("unsqueeze", lambda x, p: x.unsqueeze(p["dim"]), p_unsqueeze, empty=True),
    Row("squeeze", lambda x, p: x.squeeze(), p_none, empty=True),
    Row("squeeze_dim", lambda x, p: x.squeeze(p["dim"]), p_squeeze_dim, empty=True),
    Row("expand", lambda x, p: x.expand(*p["sizes"]), p_expand),
    Row("expand_as", lambda x, p: x.expand_as(x.unsqueeze(0).repeat(2, *([1] * x.dim()))),
        p_none),
    Row("repeat", lambda x, p: x.repeat(*p["sizes"]), p_repeat),
    Row("repeat_interleave", lambda x, p: x.repeat_interleave(p["repeats"], dim=p["dim"]),
        p_repeat_interleave),
    Row("permute", lambda x, p: x.permute(*p["dims"]), p_permutation, empty=True),
    Row("permute_tuple", lambda x, p: x.permute(p["dims"]), p_permutation),
    Row("transpose", lambda x, p: x.transpose(p["d0"], p["d1"]), p_two_dims, empty=True),
    Row("swapaxes", lambda x, p: x.swapaxes(p["d0"], p["d1"]), p_two_dims),
    Row("t", lambda x, p: x.t(), p_none, max_ndim=2),
    Row("T", lambda x, p: x.T, p_none, min_ndim=2, max_ndim=2),
    Row("mT", lambda x, p: x.mT, p_none, min_ndim=2),
    Row("chunk", lambda x, p: x.chunk(p["chunks"], p["dim"]), p_chunk, min_ndim=1, empty=True),
    Row("split", lambda x, p: x.split(p["size"], p["dim"]), p_split, min_ndim=1, empty=True),
    Row("split_sections", lambda x, p: x.split(p["sections"], p["dim"]), p_sections,
        min_ndim=1, empty=True),
    Row("narrow", lambda x, p: x.narrow(p["dim"], p["start"], p["length"]), p_narrow,
        min_ndim=1),
    # size and type
    Row("size", lambda x, p: tuple(x.size()), p_none, empty=True),
    Row("size_dim", lambda x, p: x.size(p["dim"]), p_dim, empty=True),
    Row("numel", lambda x, p: x.numel(), p_none, empty=True),
    Row("dim", lambda x, p: x.dim(), p_none),
    Row("float", lambda x, p: x.float(), p_none),
    Row("double", lambda x, p: x.double(), p_none),
    Row("to_float64", lambda x, p: x.to(x.new_zeros(1).double().dtype), p_none),
    Row("type_as", lambda x, p: x.type_as(x.new_ones(1).double()), p_none),
    Row("contiguous", lambda x, p: x.mT.contiguous() * 1, p_none, min_ndim=2),
    Row("clone", lambda x, p: x.clone(), p_none),
    # values
    Row("clamp", lambda x, p: x.clamp(p["min"], p["max"]), p_clamp),
    Row("clip", lambda x, p: x.clip(min=p["min"], max=p["max"]), p_clamp),
    Row("masked_fill", lambda x, p: x.masked_fill(_mask(x, p), p["value"]), p_mask),
    Row("gather", lambda x, p: x.gather(p["dim"], _index(x, p)), p_gather, min_ndim=1),
    Row("where", lambda x, p: x.where(x > 0, x * 3), p_none),
    Row("pow", lambda x, p: x.abs().pow(p["p"]), p_pow, data="distinct"),
    # arithmetic methods
    Row("add_alpha", lambda x, p: x.add(x * x, alpha=p["alpha"]), p_alpha),
    Row("sub_alpha", lambda x, p: x.sub(x.exp(), alpha=p["alpha"]), p_alpha),
    Row("mul", lambda x, p: x.mul(x + 1), p_none),
    Row("div", lambda x, p: x.div(x.exp() + 1), p_none),
    Row("new_zeros", lambda x, p: x.new_zeros(p["size"]), p_new),
    Row("new_ones", lambda x, p: x.new_ones(*p["size"]), p_new),
    # reductions
    Row("sum", lambda x, p: x.sum(), p_none),
    Row("sum_dim", lambda x, p: x.sum(p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("sum_axis_alias", lambda x, p: x.sum(axis=p["dim"], keepdims=p["keepdim"]), p_reduce),
    Row("mean_dim", lambda x, p: x.mean(dim=p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("prod", lambda x, p: x.prod(), p_none, data="near_one"),
    Row("prod_dim", lambda x, p: x.prod(p["dim"], keepdim=p["keepdim"]), p_one_dim_keep,
        data="near_one"),
    Row("amax", lambda x, p: x.amax(p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("amin", lambda x, p: x.amin(dim=p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("max", lambda x, p: x.max(), p_none, data="distinct"),
    Row("max_dim", lambda x, p: x.max(p["dim"], keepdim=p["keepdim"]), p_one_dim_keep,
        data="distinct"),
    Row("max_dim_axis_alias", lambda x, p: x.max(axis=p["dim"]), p_one_dim_keep,
        data="distinct"),
    Row("min_dim", lambda x, p: x.min(dim=p["dim"], keepdim=p["keepdim"]), p_one_dim_keep,
        data="distinct"),
    Row("max_other", lambda x, p: x.max(x.flip(-1) if hasattr(x, "flip") else x[..., ::-1]),
        p_none, data="distinct", min_ndim=1),
    Row("var", lambda x, p: x.var(p["dim"], correction=p["correction"], keepdim=p["keepdim"]),
        p_var),
    Row("std", lambda x, p: x.std(dim=p["dim"], correction=p["correction"]), p_var,
        zero_for_nan=True),
    Row("var_default", lambda x, p: x.var(), p_none, min_ndim=1),
    Row("std_unbiased_false", lambda x, p: x.std(unbiased=False), p_none, zero_for_nan=True),
    Row("norm", lambda x, p: x.norm(p["p"], p["dim"], p["keepdim"]), p_norm),
    Row("logsumexp", lambda x, p: x.logsumexp(p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("cumsum", lambda x, p: x.cumsum(p["dim"]), p_dim),
    Row("cumsum_kw", lambda x, p: x.cumsum(dim=p["dim"]), p_dim),
    Row("argmax", lambda x, p: x.argmax(), p_none, data="distinct"),
    Row("argmax_dim", lambda x, p: x.argmax(p["dim"], keepdim=p["keepdim"]), p_one_dim_keep,
        data="distinct"),
    Row("argmin_dim", lambda x, p: x.argmin(dim=p["dim"]), p_one_dim_keep, data="distinct"),
    Row("all", lambda x, p: (x > 0).all(), p_none),
    Row("all_dim", lambda x, p: (x > -0.5).all(p["dim"], keepdim=p["keepdim"]), p_one_dim_keep),
    Row("any_dim", lambda x, p: (x > 0.5).any(dim=p["dim"]), p_one_dim_keep),
    Row("topk", lambda x, p: x.topk(p["k"], p["dim"], largest=p["largest"]), p_topk,
        data="distinct"),
    Row("sort", lambda x, p: x.sort(p["dim"], descending=p["descending"]), p_sort,
        data="distinct"),
    Row("sort_default", lambda x, p: x.sort(), p_none, data="distinct"),
    # the same as functions: mg.NAME(x, ...) as torch.NAME(x, ...)
    Row("fn_max_dim", lambda x, p: _m(x).max(x, p["dim"], p["keepdim"]), p_one_dim_keep,
        data="distinct"),
    Row("fn_max_other", lambda x, p: _m(x).max(x, x * -1), p_none, data="distinct"),
    Row("fn_sum", lambda x, p: _m(x).sum(x, dim=p["dim"], keepdim=p["keepdim"]), p_reduce),
    Row("fn_mean_axis", lambda x, p: _m(x).mean(x, axis=p["dim"], keepdims=p["keepdim"]),
        p_reduce),
    Row("fn_prod", lambda x, p: _m(x).prod(x, p["dim"]), p_one_dim_keep, data="near_one"),
    Row("fn_std", lambda x, p: _m(x).std(x, p["dim"], correction=p["correction"]), p_var,
        zero_for_nan=True),
    Row("fn_var", lambda x, p: _m(x).var(x, dim=p["dim"], keepdim=p["keepdim"]), p_var),
    Row("fn_norm", lambda x, p: _m(x).norm(x, p["p"], p["dim"], p["keepdim"]), p_norm),
    Row("fn_cumsum", lambda x, p: _m(x).cumsum(x, p["dim"]), p_dim),
    Row("fn_topk", lambda x, p: _m(x).topk(x, p["k"], p["dim"]), p_topk, data="distinct"),
    Row("fn_sort", lambda x, p: _m(x).sort(x, p["dim"], p["descending"]), p_sort,
        data="distinct"),
    Row("fn_amax", lambda x, p: _m(x).amax(x, p["dim"], p["keepdim"]), p_reduce),
    Row("fn_argmax", lambda x, p: _m(x).argmax(x, dim=p["dim"]), p_one_dim_keep,
        data="distinct"),
    Row("fn_any", lambda x, p: _m(x).any(x > 0, p["dim"]), p_one_dim_keep),
    Row("fn_logsumexp", lambda x, p: _m(x).logsumexp(x, p["dim"], p["keepdim"]), p_reduce),
    Row("fn_squeeze", lambda x, p: _m(x).squeeze(x, p["dim"]), p_squeeze_dim, empty=True),
    Row("fn_unsqueeze", lambda x, p: _m(x).unsqueeze(x, p["dim"]), p_unsqueeze),
    Row("fn_flatten", lambda x, p: _m(x).flatten(x, p["start"], p["end"]), p_flatten),
    Row("fn_permute", lambda x, p: _m(x).permute(x, p["dims"]), p_permutation),
    Row("fn_transpose", lambda x, p: _m(x).transpose(x, p["d0"], p["d1"]), p_two_dims),
    Row("fn_gather", lambda x, p: _m(x).gather(x, p["dim"], _index(x, p)), p_gather,
        min_ndim=1),
    Row("fn_clamp", lambda x, p: _m(x).clamp(x, p["min"], p["max"]), p_clamp),
    Row("fn_masked_fill", lambda x, p: _m(x).masked_fill(x, _mask(x, p), p["value"]), p_mask),
    Row("fn_split", lambda x, p: _m(x).split(x, p["size"], p["dim"]), p_split, min_ndim=1),
    Row("fn_chunk", lambda x, p: _m(x).chunk(x, p["chunks"], p["dim"]), p_chunk, min_ndim=1),
    Row("fn_narrow", lambda x, p: _m(x).narrow(x, p["dim"], p["start"], p["length"]),
        p_narrow, min_ndim=1),
    Row("fn_repeat_interleave", lambda x, p: _m(x).repeat_interleave(x, p["repeats"],
                                                                       dim=p["dim"]),
        p_repeat_interleave),
    Row("fn_unflatten", lambda x, p: _m(x).unflatten(x, p["dim"], p["sizes"]), p_unflatten,
        min_ndim=1),
    Row("fn_t", lambda x, p: _m(x).t(x), p_none, max_ndim=2),
]


def _floats(out):
    """The float tensors among a result (a tensor, a named tuple or a sequence)."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _floats(o)]
    if isinstance(out, (mg.Tensor, torch.Tensor)) and out.dtype in (
            np.float32, np.float64, torch.float32, torch.float64):
        return [out]
    return []


def _compare(m, t, dtype, where):
    if isinstance(t, tuple):
        assert isinstance(m, tuple) and len(m) == len(t), where
        if hasattr(t, "_fields") or hasattr(t, "values"):
            assert m.values is m[0] and m.indices is m[1], where
        for a, b in zip(m, t):
            _compare(a, b, dtype, where)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(m, mg.Tensor), f"{where}: minigrad gave a {type(m).__name__}"
        want = t.detach().numpy()
        assert m.shape == want.shape, f"{where}: shape {m.shape} != {want.shape}"
        assert m.dtype == want.dtype, f"{where}: dtype {m.dtype} != {want.dtype}"
        np.testing.assert_allclose(m.numpy(), want, err_msg=where, **TOL[dtype])
        return
    assert m == t, f"{where}: {m!r} != {t!r}"


def run_row(row, shape, p, dtype, seed):
    a = _values(shape, row.data, dtype, seed)
    xm = mg.tensor(a, requires_grad=True)
    xt = torch.tensor(a, requires_grad=True)
    where = f"{row.name}{tuple(shape)} {p} {np.dtype(dtype).name}"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            want = row.call(xt, p)
    except (RuntimeError, IndexError, ValueError, TypeError) as e:
        with pytest.raises((RuntimeError, IndexError, ValueError, TypeError)):
            row.call(xm, p)
        return f"raises ({type(e).__name__})"
    if any("degrees of freedom" in str(w.message) for w in caught):
        with pytest.raises(ValueError, match="degrees of freedom"):     # torch: nan
            row.call(xm, p)
        return "raises where torch warns and gives nan"
    assert not caught, [str(w.message) for w in caught]
    got = row.call(xm, p)
    _compare(got, want, dtype, where)
    outs_t, outs_m = _floats(want), _floats(got)
    assert len(outs_t) == len(outs_m), where
    outs = [(o_m, o_t) for o_m, o_t in zip(outs_m, outs_t) if o_t.requires_grad]
    if not outs:
        return "no gradient"
    rng = np.random.default_rng(seed + 1)
    ups = [rng.normal(size=tuple(o_t.shape)).astype(dtype) for _, o_t in outs]
    sum((o_t * torch.tensor(u)).sum() for (_, o_t), u in zip(outs, ups)).backward()
    sum((o_m * mg.tensor(u)).sum() for (o_m, _), u in zip(outs, ups)).backward()
    want_g = xt.grad.numpy() if xt.grad is not None else np.zeros_like(a)
    got_g = xm.grad.numpy() if xm.grad is not None else np.zeros_like(a)
    assert got_g.dtype == want_g.dtype, where
    if row.zero_for_nan:
        assert (got_g[np.isnan(want_g)] == 0).all(), where
        want_g = np.where(np.isnan(want_g), 0, want_g)
    np.testing.assert_allclose(got_g, want_g, err_msg=f"gradient of {where}", **TOL[dtype])
    return "matches"


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@settings(max_examples=15)
@given(data=st.data())
def test_side_by_side_with_torch(row, dtype, data):
    shape = _shape(data.draw, row)
    p = data.draw(row.draw(shape), label="params")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    run_row(row, shape, p, dtype, seed)


# --------------------------------------------------- gradients of new primitives

@pytest.mark.parametrize("fn", [
    lambda x: x.prod(),
    lambda x: x.prod(1),
    lambda x: x.prod(dim=(0, 2), keepdim=True),
    lambda x: x.norm(dim=1),
    lambda x: x.norm(),
    lambda x: x.cumsum(1),
    lambda x: x.cumsum(-1),
    lambda x: x.gather(1, mg.tensor([[[0, 1]], [[2, 2]]], dtype="int64")),
    lambda x: x.var(dim=(0, 1)),
    lambda x: x.std(2, keepdim=True),
    lambda x: x.max(1).values,
    lambda x: x.sort(dim=1, descending=True).values,
    lambda x: x.topk(2, dim=1).values,
    lambda x: x.repeat(2, 1, 2),
    lambda x: x.repeat_interleave(2, dim=2),
], ids=["prod", "prod_dim", "prod_dims", "norm_dim", "norm", "cumsum", "cumsum_last",
        "gather", "var", "std", "max_dim", "sort", "topk", "repeat", "repeat_interleave"])
def test_gradcheck_and_gradgradcheck(fn):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.permutation(12).reshape(2, 3, 2) * 0.3 - 1.6, dtype="float64",
                  requires_grad=True)
    assert mg.gradcheck(fn, (x,))
    assert mg.gradgradcheck(fn, (x,))


def test_prod_with_zeros_has_the_exact_gradient_and_second_derivative():
    x = mg.tensor([[0.0, 2.0, 0.0], [3.0, 0.0, 5.0]], dtype="float64", requires_grad=True)
    t = torch.tensor(x.numpy(), requires_grad=True)
    (gm,) = mg.grad(x.prod(1).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(t.prod(1).sum(), t, create_graph=True)
    np.testing.assert_array_equal(gm.numpy(), gt.detach().numpy())
    (hm,) = mg.grad((gm * gm).sum(), x)
    (ht,) = torch.autograd.grad((gt * gt).sum(), t)
    np.testing.assert_allclose(hm.numpy(), ht.numpy())


def test_norm_of_zero_has_zero_gradient_as_torch():
    x = mg.zeros(2, 3, dtype="float64", requires_grad=True)
    x.norm(dim=1).sum().backward()
    t = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    t.norm(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_var_without_degrees_of_freedom_raises_where_torch_gives_nan():
    with pytest.raises(ValueError, match="degrees of freedom"):
        mg.tensor([1.0]).var()
    assert mg.tensor([1.0]).var(correction=0).item() == 0.0


def test_functional_forms_are_the_methods():
    x = mg.arange(24.0).reshape(2, 3, 4)
    t = torch.arange(24.0).reshape(2, 3, 4)
    idx = torch.tensor([[[0, 2, 1, 0]]])
    for got, want in [(mg.flatten(x, 1), torch.flatten(t, 1)),
                      (mg.permute(x, (2, 0, 1)), torch.permute(t, (2, 0, 1))),
                      (mg.unsqueeze(x, -1), torch.unsqueeze(t, -1)),
                      (mg.transpose(x, 0, 2), torch.transpose(t, 0, 2)),
                      (mg.gather(x, 1, mg.tensor(idx.numpy())), torch.gather(t, 1, idx)),
                      (mg.clamp(x, 3, 9), torch.clamp(t, 3, 9))]:
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_to_and_type_accept_cpu_and_refuse_other_devices():
    x = mg.tensor([1.0, 2.0])
    assert x.to("cpu") is x and x.to("cpu", mg.float64).dtype == np.float64
    assert x.to(mg.zeros(1, dtype="float64")).dtype == np.float64
    assert x.type() == "minigrad.FloatTensor" and x.double().type() == "minigrad.DoubleTensor"
    assert x.type(mg.float64).dtype == np.float64
    for device in ("cuda", "cuda:0", "mps"):
        with pytest.raises(RuntimeError, match="CPU only"):
            x.to(device)


def test_cast_methods_keep_the_graph_between_floats():
    x = mg.tensor([1.5, 2.0], requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0]
    assert x.long().tolist() == [1, 2] and not x.long().requires_grad


def test_view_refuses_what_would_need_a_copy_as_torch():
    x = mg.ones(2, 3).T
    t = torch.ones(2, 3).T
    with pytest.raises(RuntimeError):
        t.view(6)
    with pytest.raises(RuntimeError, match="use .reshape"):
        x.view(6)
    assert x.reshape(6).shape == tuple(t.reshape(6).shape)


# ------------------------------------------- the README's conflict table, row by row

def test_conflict_transpose_swaps_two_dims_permute_permutes():
    x = mg.ones(2, 3, 4)
    assert x.transpose(0, 1).shape == (3, 2, 4)            # numpy: a (2, 3, 4) permutation
    assert mg.ones(2, 3).transpose(0, 1).shape == (3, 2)   # was the identity (the bug)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert np.transpose(x).shape == (4, 3, 2)               # numpy's meaning stays
    assert np.transpose(x, (1, 0, 2)).shape == (3, 2, 4)
    for old in (lambda: x.transpose(), lambda: x.transpose((2, 0, 1)),
                lambda: x.transpose(1), lambda: mg.transpose(x, (2, 0, 1))):
        with pytest.raises(TypeError, match="permute"):
            old()


def test_conflict_size_is_a_method_numel_counts():
    x = mg.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(0) == 2 and x.size(-1) == 3
    assert x.numel() == 6 and np.size(x) == 6
    # numpy's attribute used as a number fails loudly, never compares a method silently
    for old in (lambda: x.size + 1, lambda: x.size == 6, lambda: bool(x.size),
                lambda: f"{x.size}", lambda: range(x.size), lambda: x.size // 2):
        with pytest.raises(TypeError, match="numel"):
            old()


def test_conflict_repeat_tiles_repeat_interleave_repeats_elements():
    x = mg.tensor([1.0, 2.0])
    assert x.repeat(2).tolist() == [1.0, 2.0, 1.0, 2.0]               # np.tile
    assert x.repeat_interleave(2).tolist() == [1.0, 1.0, 2.0, 2.0]    # np.repeat
    assert np.repeat(x.numpy(), 2).tolist() == x.repeat_interleave(2).tolist()


def test_conflict_max_along_a_dim_returns_values_and_indices():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(dim=1)
    assert r.values.tolist() == [5.0, 7.0] and r.indices.tolist() == [1, 0]
    values, indices = x.min(0)
    assert values.tolist() == [1.0, 2.0] and indices.tolist() == [0, 1]
    assert x.max(axis=1).values.tolist() == [5.0, 7.0]        # numpy's name, PyTorch's result
    assert x.amax(1).tolist() == [5.0, 7.0] and x.amin((0, 1)).item() == 1.0
    assert np.max(x, axis=1).tolist() == [5.0, 7.0]           # numpy's function stays numpy's
    assert x.max().item() == 7.0
    # numpy-era code that used the result as values fails loudly, never computes with a tuple
    for old in (lambda: x - x.max(axis=1, keepdims=True), lambda: x.max(axis=1) * 2,
                lambda: np.asarray(x.max(1)), lambda: mg.tensor(x.max(1)),
                lambda: x.max(axis=(0, 1))):
        with pytest.raises(TypeError, match="values|amax"):
            old()


def test_conflict_flatten_takes_start_and_end_dims():
    x = mg.ones(2, 3, 4, 5)
    assert x.flatten().shape == (120,)
    assert x.flatten(1).shape == (2, 60) and x.flatten(1, 2).shape == (2, 12, 5)
    assert x.flatten(-2).shape == (2, 3, 20)
    with pytest.raises(TypeError):
        x.flatten("C")                        # numpy's order argument is refused


def test_conflict_view_shares_memory_and_the_version_counter():
    x = mg.arange(6.0)
    v = x.view(2, 3)
    assert np.shares_memory(v.numpy(), x.numpy())
    v0 = x._version
    with mg.no_grad():
        v[0, 0] = 10.0
    assert x[0].item() == 10.0 and x._version == v._version == v0 + 1


def test_conflict_squeeze_of_a_long_dim_leaves_it_as_torch():
    x = mg.ones(2, 1)
    assert x.squeeze(0).shape == (2, 1) and x.squeeze(1).shape == (2,)
    with pytest.raises(ValueError, match="cannot squeeze"):
        np.squeeze(x, 0)                      # numpy's function keeps numpy's meaning


def test_conflict_std_and_var_are_unbiased_by_default():
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype="float64")
    assert x.var().item() == pytest.approx(np.var(x.numpy(), ddof=1))
    assert x.std(correction=0).item() == pytest.approx(np.std(x.numpy()))
    assert np.var(x) .item() == pytest.approx(1.25)          # numpy's function: ddof=0


CONFLICT_TESTS = {
    "t.transpose(dim0, dim1)": test_conflict_transpose_swaps_two_dims_permute_permutes,
    "t.size()": test_conflict_size_is_a_method_numel_counts,
    "t.repeat(*sizes)": test_conflict_repeat_tiles_repeat_interleave_repeats_elements,
    "t.max(dim)": test_conflict_max_along_a_dim_returns_values_and_indices,
    "t.flatten(start_dim=0, end_dim=-1)": test_conflict_flatten_takes_start_and_end_dims,
    "t.view(*shape)": test_conflict_view_shares_memory_and_the_version_counter,
    "t.squeeze(dim)": test_conflict_squeeze_of_a_long_dim_leaves_it_as_torch,
    "t.std()": test_conflict_std_and_var_are_unbiased_by_default,
}


def test_every_row_of_the_readme_conflict_table_has_a_test():
    import os
    import re
    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
    with open(readme) as f:
        text = f.read()
    section = text.split("## Tensors: PyTorch's methods", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    firsts = [re.match(r"\| `([^`]*)`", line).group(1) for line in rows]
    assert firsts and set(firsts) == set(CONFLICT_TESTS), firsts
    for name, test in CONFLICT_TESTS.items():
        assert test.__name__.startswith("test_conflict_"), name
