"""In-place changes and views against PyTorch, as a property: random programs
that take views (slices, integer indices, transposes, reshapes, views of
views), some under ``no_grad``, compute out of place, and change tensors in
place through every alias (the base, any view, in grad mode or under
``no_grad``), then backpropagate a loss over every tensor made.  The two
frameworks must agree on the outcome: both raise a ``RuntimeError``, or both
give the same values of every tensor and the same gradients, to 1e-12.

The one difference the comparison allows for is when PyTorch raises: it
works out a view's history lazily, when its ``grad_fn`` is read, and raises
there, so a view made under ``no_grad`` whose memory changed raises in
PyTorch when it is used, and in minigrad when backward reaches it (a loss
over every tensor made reaches it, unless an in-place change overwrote all
its uses).  PyTorch's laziness also makes an in-place change of a view whose
base got a history after the view was taken raise "a leaf Variable ..."
unless the view's ``grad_fn`` was read first; the PyTorch side reads it.

Views made under ``no_grad`` are viewed, changed in place and in the loss,
but are no operands: in PyTorch such a view of a tensor that requires grad
says ``requires_grad=True`` though its gradient goes nowhere (it has no
``grad_fn`` and is no leaf that accumulates one), so in-place ops it is an
operand of are recorded there and not in minigrad, where it requires no
grad; the leaves' gradients are the same either way.

A long run: ``pytest -m fuzz --fuzz-examples 2000 -k inplace tests/fuzz``.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.versions import _root
from fuzz.report import STATS, fuzz_settings

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.fuzz

RTOL = 1e-12

# views by the number of dimensions of the tensor viewed
VIEWS = {
    2: [("t[0]", lambda t: t[0]), ("t[:, 1:]", lambda t: t[:, 1:]), ("t.T", lambda t: t.T),
        ("t.reshape(-1)", lambda t: t.reshape(-1)), ("t[1:, ::2]", lambda t: t[1:, ::2])],
    1: [("t[1:]", lambda t: t[1:]), ("t[0]", lambda t: t[0]), ("t[::2]", lambda t: t[::2]),
        ("t.reshape(1, -1)", lambda t: t.reshape(1, -1))],
    0: [("t.reshape(1)", lambda t: t.reshape(1))],
}
OPS = [("a * b", lambda a, b: a * b), ("a + b", lambda a, b: a + b),
       ("a - b", lambda a, b: a - b)]
IN_PLACE = [("mul_", lambda t, o: t.mul_(o)), ("add_", lambda t, o: t.add_(o, alpha=0.5)),
            ("sub_", lambda t, o: t.sub_(o)), ("copy_", lambda t, o: t.fill_(o) if isinstance(o, float) else t.copy_(o)),
            ("fill_", lambda t, o: t.fill_(1.5)), ("zero_", lambda t, o: t.zero_()),
            ("div_", lambda t, o: t.div_(2.0)), ("+=", lambda t, o: t.__iadd__(o)),
            ("t[...] = o", lambda t, o: t.__setitem__(Ellipsis, o)),
            ("t[0] = o[0]", lambda t, o: t.__setitem__(
                0 if t.ndim else Ellipsis, o[0] if t.ndim and not isinstance(o, float) else o))]


class Torch:
    @staticmethod
    def tensor(a, grad):
        return torch.tensor(a, dtype=torch.float64, requires_grad=grad)

    no_grad = torch.no_grad

    @staticmethod
    def before_in_place(t):
        t.grad_fn              # PyTorch's lazy view history: see the module docstring

    @staticmethod
    def array(t):
        return t.detach().numpy().copy()

    @staticmethod
    def same_memory(a, b):
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


class Minigrad:
    @staticmethod
    def tensor(a, grad):
        return mg.tensor(np.array(a, dtype=np.float64), requires_grad=grad)

    no_grad = mg.no_grad

    @staticmethod
    def before_in_place(t):
        pass

    @staticmethod
    def array(t):
        return t.numpy().copy()

    @staticmethod
    def same_memory(a, b):
        return _root(a.numpy()) is _root(b.numpy())


def _other(pool, t, j, scalar, fw=None):
    """An operand for ``t``: a tensor of its shape from the pool, or a number.
    For an in-place change of ``t`` (``fw`` given), not another alias of t's
    memory: PyTorch computes ``t += t.T`` element by element, as it reads
    and writes (numpy as if they did not overlap)."""
    same = [u for u in pool if tuple(u.shape) == tuple(t.shape)
            and (fw is None or u is t or not fw.same_memory(u, t))]
    return same[j % len(same)] if same and j % 3 else scalar


def run(fw, program, init):
    """Run ``program`` in framework ``fw``: ``(values, gradients, where)`` or
    ``("raises", where)``, where says which step raised."""
    x0, x1 = fw.tensor(init[0], True), fw.tensor(init[1], True)
    pool = [x0, x1, fw.tensor(init[2], False), x0 * 1]
    no_grad_views = set()       # (their indices in the pool: operands never, see the docstring)
    step = -1
    try:
        for step, (kind, i, j, sub, ng) in enumerate(program):
            if kind == "in-place" and i % 5:      # mostly not the leaves x0, x1 (that raises)
                t = pool[2 + i % (len(pool) - 2)]
            elif kind == "op":
                usable = [k for k in range(len(pool)) if k not in no_grad_views]
                t = pool[usable[i % len(usable)]]
            else:
                k = i % len(pool)
                t = pool[k]
            operands = [u for k, u in enumerate(pool) if k not in no_grad_views]
            if kind == "view":
                name, f = VIEWS[t.ndim][sub % len(VIEWS[t.ndim])]
                if ng or k in no_grad_views:
                    no_grad_views.add(len(pool))
                call = lambda: pool.append(f(t))                       # noqa: E731
            elif kind == "op":
                f = OPS[sub % len(OPS)][1]
                call = lambda: pool.append(f(t, _other(operands, t, j, 0.5 + sub % 3)))  # noqa: E731
            else:
                f = IN_PLACE[sub % len(IN_PLACE)][1]
                if not ng:
                    fw.before_in_place(t)
                call = lambda: f(t, _other(operands, t, j, 1.0 + sub % 3, fw))  # noqa: E731
            if ng:
                with fw.no_grad():
                    call()
            else:
                call()
        step = "backward"
        loss = x0.sum() + x1.sum()
        for k, t in enumerate(pool[2:]):
            loss = loss + ((0.25 + 0.125 * k) * t * t).sum()
        loss.backward()
    except IndexError as e:             # t[0] of an empty view: both must refuse it
        return ("index error", step, str(e))
    except RuntimeError as e:
        STATS.count(f"in-place {fw.__name__} raises: {str(e)[:60]}")
        return ("raises", step, str(e))
    grads = [np.zeros(np.shape(init[0])) if x.grad is None else fw.array(x.grad) for x in (x0, x1)]
    return [fw.array(t) for t in pool], grads


def describe(program):
    out = []
    for kind, i, j, sub, ng in program:
        table = {"view": None, "op": OPS, "in-place": IN_PLACE}[kind]
        what = "view" if table is None else table[sub % len(table)][0]
        out.append(f"{'no_grad ' if ng else ''}{what} on #{i} (other {j}, sub {sub})")
    return "; ".join(out)


instruction = st.tuples(st.sampled_from(["view", "view", "op", "in-place", "in-place"]),
                        st.integers(0, 30), st.integers(0, 30), st.integers(0, 30),
                        st.sampled_from([False, False, False, True]))


@fuzz_settings(150)
@given(program=st.lists(instruction, min_size=1, max_size=10), seed=st.integers(0, 2 ** 16))
def test_in_place_programs_match_pytorch(program, seed):
    rng = np.random.default_rng(seed)
    init = [rng.uniform(-2, 2, (2, 3)).round(3) for _ in range(3)]
    theirs = run(Torch, program, init)
    ours = run(Minigrad, program, init)
    where = describe(program)
    STATS.count("in-place programs")
    STATS.count("in-place steps", len(program))
    if "index error" in (theirs[0], ours[0]):     # (which check comes first may differ)
        assert {theirs[0], ours[0]} <= {"index error", "raises"} and theirs[1] == ours[1], (
            f"an IndexError in one only: PyTorch {theirs[:2]}, minigrad {ours[:2]}: {where}")
        return
    if theirs[0] == "raises":
        if ours[0] != "raises":
            # PyTorch raises where a no_grad view is used; minigrad when backward
            # reaches it, which it need not if its uses were overwritten
            assert "no_grad mode" in theirs[2] and theirs[1] != "backward", (
                f"PyTorch raises at step {theirs[1]} ({theirs[2][:200]}), minigrad "
                f"does not: {where}")
            STATS.count("in-place programs: a no_grad view's uses overwritten")
            return
        STATS.count("in-place programs that raise in both")
        return
    assert ours[0] != "raises", (f"minigrad raises at step {ours[1]} ({ours[2][:300]}), "
                                 f"PyTorch does not: {where}")
    for k, (a, b) in enumerate(zip(ours[0], theirs[0])):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12, err_msg=f"tensor #{k}: {where}")
    for k, (a, b) in enumerate(zip(ours[1], theirs[1])):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12, err_msg=f"x{k}.grad: {where}")
