"""The state around the math: retained gradients, per-thread modes, aliasing,
in-place updates with version counters, a failed backward, and inspection
after backward.  Each numbered case of issue 9 gave a silently wrong number
before; the in-place semantics are compared with PyTorch side by side."""
import gc
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg


def f64(v, grad=True):
    return mg.tensor(np.asarray(v, dtype=np.float64), requires_grad=grad)


# ---------------------------------------------------------------- 1. retain_grad

class TestRetainGrad:
    def _graph(self):
        w = f64([1.0, 2.0])
        h = w * 3
        h.retain_grad()
        return w, h, (h * h).sum()

    def test_inspection_and_mg_grad_write_no_grad(self):
        w, h, loss = self._graph()
        mg.trace(loss)
        mg.to_dot(loss)
        mg.grad(loss, [w], retain_graph=True)
        assert h.grad is None and w.grad is None
        loss.backward()
        np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])
        np.testing.assert_array_equal(w.grad.numpy(), [18.0, 36.0])

    def test_twice_is_once(self):
        w, h, loss = self._graph()
        h.retain_grad()
        loss.backward()
        np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])
        assert h.retains_grad

    def test_no_reference_cycle(self):
        gc.collect()
        gc.disable()
        try:
            w, h, loss = self._graph()
            refs = [weakref.ref(h), weakref.ref(h.grad_fn), weakref.ref(loss.grad_fn)]
            loss.backward()
            del h, loss
            assert [r() for r in refs] == [None, None, None]
        finally:
            gc.enable()

    def test_follows_an_in_place_update(self):
        torch = pytest.importorskip("torch")
        for fw in ("torch", "mg"):
            x = (torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
                 if fw == "torch" else f64([1.0, 2.0]))
            h = x * 1
            h.retain_grad()
            h.mul_(3)
            (h * h).sum().backward()
            assert h.grad.tolist() == [6.0, 12.0], fw


# ------------------------------------------------------------- 2. per-thread modes

class TestThreads:
    def test_trainer_and_evaluator_together(self):
        rng = np.random.default_rng(0)
        X = rng.standard_normal((32, 2))
        y = (X[:, 0] > 0).astype(np.float64)
        model = mg.nn.Sequential(mg.nn.Linear(2, 4, rng=0), mg.nn.Tanh(), mg.nn.Linear(4, 1, rng=1))
        for p in model.parameters():
            p.data = p.data.astype(np.float64)
        opt = mg.optim.SGD(model.parameters(), lr=0.05)
        loss_fn = mg.nn.BCEWithLogitsLoss()
        Xt, yt = mg.tensor(X), mg.tensor(y)
        lost, stop, errors = [], threading.Event(), []

        def evaluate():
            try:
                while not stop.is_set():
                    with mg.no_grad():
                        model(Xt)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        ev = threading.Thread(target=evaluate)
        ev.start()
        try:
            for _ in range(2000):
                opt.zero_grad()
                loss_fn(model(Xt).reshape(-1), yt).backward()
                lost += [p for p in model.parameters() if p.grad is None]
                opt.step()
        finally:
            stop.set()
            ev.join()
        assert not errors and not lost
        assert mg.is_grad_enabled()

    def test_threads_entering_and_leaving_no_grad(self):
        barrier = threading.Barrier(2)

        def toggle():
            barrier.wait()
            for _ in range(2000):
                with mg.no_grad():
                    pass

        for _ in range(20):
            threads = [threading.Thread(target=toggle) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert mg.is_grad_enabled()

    def test_a_new_thread_starts_with_grad_on_and_modes_stay_in_their_thread(self):
        seen = {}

        def other():
            seen["grad"] = mg.is_grad_enabled()
            seen["anomaly"] = mg.engine.current_modes().anomaly

        with mg.no_grad(), mg.detect_anomaly():
            t = threading.Thread(target=other)
            t.start()
            t.join()
        assert seen == {"grad": True, "anomaly": False}

    def test_function_backward_does_not_turn_grad_off_elsewhere(self):
        inside = threading.Event()
        release = threading.Event()
        seen = []

        class Slow(mg.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                inside.set()
                release.wait(5)
                return g * 2

        x = f64([1.0])
        y = Slow.apply(x).sum()
        t = threading.Thread(target=y.backward)
        t.start()
        inside.wait(5)
        seen.append(mg.is_grad_enabled())
        release.set()
        t.join()
        assert seen == [True]

    def test_no_grad_decorates_a_generator_inside_only(self):
        @mg.no_grad()
        def gen():
            for _ in range(2):
                yield mg.is_grad_enabled()

        out = []
        for inner in gen():
            out.append((inner, mg.is_grad_enabled()))
        assert out == [(False, True), (False, True)]


# ------------------------------------------------------------------- 3. aliasing

class TestAliasing:
    def test_tensor_copies_the_array(self):
        X = np.array([[1.0, 1.0], [3.0, 3.0]])
        lin = mg.nn.Linear(2, 1, rng=0)
        lin.weight.data = lin.weight.data.astype(np.float64)
        lin.bias.data = lin.bias.data.astype(np.float64)
        loss = lin(mg.tensor(X)).sum()
        X[:] = 0
        loss.backward()
        np.testing.assert_array_equal(lin.weight.grad.numpy(), [[4.0, 4.0]])

    def test_a_numpy_input_to_a_layer_is_not_aliased(self):
        X = np.array([[1.0, 1.0], [3.0, 3.0]], dtype=np.float32)
        lin = mg.nn.Linear(2, 1, rng=0)
        loss = lin(X).sum()
        X[:] = 0
        loss.backward()
        np.testing.assert_array_equal(lin.weight.grad.numpy(), [[4.0, 4.0]])

    def test_index_arrays_are_not_aliased(self):
        x = f64([1.0, 2.0, 3.0])
        i = np.array([0, 1])
        y = x[i].sum()
        i[:] = 2
        y.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0, 0.0])

    def test_where_condition_and_constant_operands_are_not_aliased(self):
        x = f64([1.0, 2.0])
        cond = np.array([True, False])
        c = np.array([10.0, 20.0])
        y = (mg.where(cond, x, 0.0) * c).sum() + (x * c).sum()
        cond[:] = [False, True]
        c[:] = 0
        y.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])

    def test_from_numpy_and_as_tensor_share(self):
        a = np.zeros(3)
        t, u = mg.from_numpy(a), mg.as_tensor(a)
        assert np.shares_memory(t.numpy(), a) and np.shares_memory(u.numpy(), a)
        assert not np.shares_memory(mg.tensor(a).numpy(), a)
        assert not np.shares_memory(mg.Tensor(a).numpy(), a)


# ----------------------------------------------------- 6. backward after an error

class TestFailedBackward:
    def test_a_hook_that_raises_midway(self):
        x = f64([1.0, 2.0])
        h = mg.exp(x)
        y = mg.sigmoid(h)

        def boom(g):
            raise ValueError("hook failed")

        h.register_hook(boom)
        loss = y.sum()
        with pytest.raises(ValueError, match="hook failed"):
            loss.backward()
        with pytest.raises(RuntimeError, match="earlier backward.*stopped with an error "
                                               r"\(ValueError: hook failed\)"):
            loss.backward()

    def test_a_retained_graph_stays_whole_after_an_error(self):
        x = f64([1.0, 2.0])
        h = mg.exp(x)
        calls = []

        def once(g):
            calls.append(1)
            if len(calls) == 1:
                raise ValueError("first time")

        h.register_hook(once)
        loss = mg.sigmoid(h).sum()
        with pytest.raises(ValueError):
            loss.backward(retain_graph=True)
        loss.backward()
        s = 1 / (1 + np.exp(-np.exp([1.0, 2.0])))
        np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) * np.exp([1.0, 2.0]))


# ------------------------------------------------------------- in-place updates

def _inplace_cases(torch):
    """(name, fn(T, no_grad)) pairs; each builds a graph, changes something in
    place and returns the gradients (or raises)."""

    def sigmoid_output(T, ng):
        x = T([0.5, 1.0])
        y = x.sigmoid()
        y.mul_(2)
        y.sum().backward()
        return [x.grad]

    def mul_by_constant(T, ng):
        x = T([0.5, 1.0])
        y = x * 2
        y.mul_(3)
        y.sum().backward()
        return [x.grad]

    def mul_by_tensor(T, ng):
        x, w = T([0.5, 1.0]), T([2.0, 3.0])
        y = x * 1
        y.mul_(w)
        (y * y).sum().backward()
        return [x.grad, w.grad]

    def add_sub_div_alpha(T, ng):
        x, w = T([0.5, 1.0]), T([2.0, 3.0])
        y = x * 1
        y.add_(w, alpha=2)
        y.sub_(x, alpha=0.5)
        y.div_(w)
        (y * y).sum().backward()
        return [x.grad, w.grad]

    def augmented_operators(T, ng):
        x, w = T([0.5, 1.0]), T([2.0, 3.0])
        y = x * 1
        y += w
        y *= x
        y -= 1
        y /= w
        (y * y).sum().backward()
        return [x.grad, w.grad]

    def setitem(T, ng):
        x, v = T([0.5, 1.0, 2.0]), T(5.0)
        y = x * 1
        y[1] = v * 2
        (y * y).sum().backward()
        return [x.grad, v.grad]

    def setitem_mask_and_fancy(T, ng):
        x, v = T([0.5, 1.0, 2.0, 4.0]), T([5.0, 6.0])
        y = x * 1
        y[[0, 3]] = v
        y[y > 5.5] = 0.0
        (y * x).sum().backward()
        return [x.grad, v.grad]

    def clamp(T, ng):
        x = T([-1.0, 0.5, 2.0])
        y = x * 1
        y.clamp_(0, 1)
        y.sum().backward()
        return [x.grad]

    def copy_fill_zero(T, ng):
        x, s = T([1.0, 2.0]), T([3.0, 4.0])
        y, z, u = x * 1, x * 1, x * 1
        y.copy_(s * s)
        z.fill_(3.0)
        u.zero_()
        (y * x + z * x + u).sum().backward()
        return [x.grad, s.grad]

    def leaf_that_requires_grad(T, ng):
        x = T([1.0])
        x.add_(1)
        return [x]

    def saved_input_changed_under_no_grad(T, ng):
        x = T([0.5, 1.0])
        y = x * 1
        z = y.log()
        with ng():
            y.add_(1)
        z.sum().backward()
        return [x.grad]

    def unsaved_input_changed_under_no_grad(T, ng):
        x = T([0.5, 1.0])
        y = x * 1
        z = y + 1
        with ng():
            y.add_(1)
        z.sum().backward()
        return [x.grad]

    def parameter_stepped_before_backward(T, ng):
        w = T([1.0, 2.0])
        loss = (w * w).sum()
        with ng():
            w.sub_(0.5)
        loss.backward()
        return [w.grad]

    def slice_of_parameter_stepped(T, ng):
        w = T([1.0, 2.0, 3.0])
        loss = w[0:2].sum()
        with ng():
            w.sub_(0.5)
        loss.backward()
        return [w.grad]

    def view_of_a_leaf_in_place(T, ng):
        w = T([1.0, 2.0, 3.0])
        w[0:2].mul_(2)
        return [w]

    # issue 19's silent wrong answers 1-3.  PyTorch regenerates a view's history
    # lazily, when its grad_fn is read: an in-place change of a view whose base
    # got a history after the view was taken raises "a leaf Variable ..." unless
    # it was read first (a quirk of that laziness), so these cases read it.
    def view_taken_before_base_gets_history(T, ng):
        x = T([1.0, 2.0])
        buf = T([0.0, 0.0, 0.0]).detach()
        v = buf[0:2]
        buf[0:2] = x
        ((v * v).sum() + x.sum()).backward()
        return [x.grad]

    def write_through_view_taken_before_base_gets_history(T, ng):
        x = T([1.0, 2.0])
        buf = T([0.0, 0.0]).detach()
        v = buf[:]
        buf += x
        v.grad_fn
        v.fill_(5)
        (buf * buf).sum().backward()
        return [x.grad]

    def view_made_under_no_grad_changed_in_grad_mode(T, ng):
        x = T([1.0, 2.0])
        y = 3 * x
        with ng():
            v = y[0:1]
        v.mul_(0)
        y.sum().backward()
        return [x.grad]

    def view_made_under_no_grad_its_base_changed(T, ng):
        x = T([1.0, 2.0])
        buf = T([0.0, 0.0]).detach()
        with ng():
            v = buf[:]
        buf.add_(x)
        (v * v).sum().backward()
        return [x.grad]

    def view_of_a_view_base_changed_through_another(T, ng):
        x = T([1.0, 2.0, 3.0, 4.0])
        buf = T([[0.0, 0.0], [0.0, 0.0]]).detach()
        v = buf.reshape(4)[1:3]
        buf.reshape(4).copy_(x * x)
        buf.T[0].mul_(x[0:2])
        (v * v).sum().backward()
        return [x.grad]

    def no_grad_view_of_a_parameter_stepped(T, ng):
        w = T([1.0, 2.0])
        with ng():
            v = w[0:1]
            w.mul_(2)
        ((v * w[1:]).sum() + w.sum()).backward()
        return [w.grad]

    def integer_index_is_a_view(T, ng):
        x = T([1.0, 2.0])
        y = x * 1
        e = y[0]
        e.mul_(3)
        (y * y).sum().backward()
        return [x.grad]

    return [view_taken_before_base_gets_history,
            write_through_view_taken_before_base_gets_history,
            view_made_under_no_grad_changed_in_grad_mode,
            view_made_under_no_grad_its_base_changed,
            view_of_a_view_base_changed_through_another, no_grad_view_of_a_parameter_stepped,
            integer_index_is_a_view,
            sigmoid_output, mul_by_constant, mul_by_tensor, add_sub_div_alpha,
            augmented_operators, setitem, setitem_mask_and_fancy, clamp, copy_fill_zero,
            leaf_that_requires_grad, saved_input_changed_under_no_grad,
            unsaved_input_changed_under_no_grad, parameter_stepped_before_backward,
            slice_of_parameter_stepped, view_of_a_leaf_in_place]


def _outcome(fn, T, ng):
    try:
        return [g.tolist() for g in fn(T, ng)]
    except RuntimeError:
        return "raises"


@pytest.mark.parametrize("case", _inplace_cases(None), ids=lambda f: f.__name__)
def test_in_place_semantics_match_pytorch(case):
    torch = pytest.importorskip("torch")

    def T_torch(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    theirs = _outcome(case, T_torch, torch.no_grad)
    ours = _outcome(case, f64, mg.no_grad)
    if theirs == "raises":
        assert ours == "raises"
    else:
        assert ours != "raises"
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


class TestInPlace:
    def test_leaf_error_says_what_to_do(self):
        w = f64([1.0])
        with pytest.raises(RuntimeError, match="mg.no_grad"):
            w -= 0.1

    def test_no_grad_updates_keep_object_and_memory(self):
        w = f64([1.0, 2.0])
        (w * w).sum().backward()
        buf, obj = w.data, w
        with mg.no_grad():
            w -= 0.1 * w.grad
            w.sub_(w.grad, alpha=0.1)
            w.mul_(2).add_(1).div_(2).clamp_(0, 10)
            w[0] = 1.5
            w.copy_(mg.tensor(np.array([0.25, 0.5])))
        assert w is obj and w.data is buf and np.shares_memory(w.numpy(), buf)
        assert w.requires_grad and w.is_leaf
        assert w.tolist() == [0.25, 0.5]

    def test_version_counter(self):
        t = mg.zeros(3)
        v = t[1:]
        assert t._version == 0
        t.add_(1)
        v.mul_(2)
        t[0] = 5
        assert t._version == v._version == 3

    def test_the_error_names_the_op(self):
        x = f64([0.5, 1.0])
        y = x * 1
        z = mg.exp(y) * y
        with mg.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="input 1 of MulBackward.*version 1"):
            z.sum().backward()

    def test_a_view_of_a_base_changed_by_a_recorded_op_follows_it(self):
        torch = pytest.importorskip("torch")
        grads = []
        for T in (f64, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)):
            x = T([1.0, 2.0, 3.0])
            y = x * 1
            v = y[0:2]
            y.mul_(x)
            (v * v).sum().backward()
            grads.append(x.grad.tolist())
        assert grads[0] == grads[1] == [4.0, 32.0, 0.0]

    def test_in_place_through_a_view_records_on_the_base(self):
        y = f64([1.0, 2.0, 3.0]) * 1
        y[0:2].mul_(2)
        assert y.tolist() == [2.0, 4.0, 3.0] and y.grad_fn is not None
        y.sum().backward()

    def test_the_messages_say_what_to_do(self):
        w = f64([1.0, 2.0])
        with pytest.raises(RuntimeError, match="view of a leaf.*mg.no_grad"):
            w[0:1].mul_(2)
        y = w * 1
        with mg.no_grad():
            v = y[0:1]
        with pytest.raises(RuntimeError, match="view made under no_grad.*clone"):
            v.mul_(0)
        buf = mg.zeros(2, dtype=np.float64)
        with mg.no_grad():
            u = buf[:]
        buf.add_(w)
        with pytest.raises(RuntimeError, match="view made under no_grad.*clone"):
            (u * u).sum().backward()
        e = mg.broadcast_to(y, (3, 2))
        with pytest.raises(ValueError, match="read-only.*broadcast view"):
            e.mul_(2)

    def test_memory_shared_outside_views_is_changed_as_in_pytorch(self):
        # a tensor that shares memory it is no view of (from_numpy of a numpy
        # view, reshape's copy of a strided view): its own history follows
        a = np.zeros(4)
        f = mg.from_numpy(a[1:])
        w = f64([2.0])
        f.add_(w * w)
        assert a.tolist() == [0.0, 4.0, 4.0, 4.0]
        f.sum().backward()
        assert w.grad.tolist() == [12.0]
        c = (w * mg.ones(2, 3, dtype=np.float64))[:, 1:].reshape(-1)
        c.mul_(w)
        c.sum().backward()
        assert w.grad.tolist() == [12.0 + 16.0]

    def test_integer_indexing_is_a_view_as_in_pytorch(self):
        t = mg.zeros(3)
        e = t[1]
        t.add_(1)
        assert e.item() == 1.0 and e.shape == () and e._version == 1
        e.fill_(5)
        assert t.tolist() == [1.0, 5.0, 1.0]

    def test_bad_updates_say_what_is_wrong(self):
        t = mg.zeros(3)
        with pytest.raises(ValueError, match="in place"):
            t.add_(mg.zeros(2, 3))
        i = mg.arange(3)
        with pytest.raises(TypeError, match="in place"):
            i.mul_(0.5)
        with pytest.raises(ValueError, match="repeats a position"):
            y = f64([1.0, 2.0]) * 1
            y[[0, 0]] = f64([1.0, 2.0])

    def test_numpy_out_into_a_tensor_counts_as_in_place(self):
        t = mg.zeros(2)
        np.add(t, 1, out=t)
        assert t.tolist() == [1.0, 1.0] and t._version == 1
        w = f64([1.0])
        with pytest.raises(TypeError, match="in-place methods"):
            np.add(w, 1, out=w)


class TestDataAndGradSetters:
    def test_micrograd_idiom(self):
        w = f64([1.0, 2.0])
        (w * w).sum().backward()
        buf = w.data
        w.data -= 0.25 * w.grad
        assert type(w.data) is np.ndarray and w.data is buf
        assert np.asarray(w).tolist() == [0.5, 1.0] and w._version == 1

    def test_data_unwraps_tensors_and_refuses_other_things(self):
        w = f64([1.0, 2.0])
        w.data = mg.tensor([3.0, 4.0])
        assert type(w.data) is np.ndarray and w.tolist() == [3.0, 4.0]
        with pytest.raises(TypeError, match="numeric"):
            w.data = "abc"
        with pytest.raises(TypeError, match="floating-point"):
            w.data = np.array([1, 2])

    def test_a_saved_value_changed_through_data_raises(self):
        w = f64([1.0, 2.0])
        loss = (w * w).sum()
        w.data -= 1.0
        with pytest.raises(RuntimeError, match="in-place"):
            loss.backward()

    def test_grad_assignment_is_checked(self):
        w = f64([1.0, 2.0])
        with pytest.raises(ValueError, match="shape"):
            w.grad = mg.zeros(3, dtype="float64")
        with pytest.raises(TypeError, match="dtype"):
            w.grad = mg.zeros(2)
        with pytest.raises(TypeError, match="Tensor"):
            w.grad = np.zeros(2)
        w.grad = mg.zeros(2, dtype="float64")
        w.grad = None


# ------------------------------------------------------ inspection after backward

class TestInspectionAfterBackward:
    def test_trace_and_dot_after_backward(self):
        w = f64([1.0, 2.0])
        h = mg.sigmoid(w * 3)
        h.retain_grad()
        loss = h.sum()
        loss.backward()
        rows = mg.trace(loss).rows
        assert [r["op"] for r in rows] == ["leaf", "Mul", "Sigmoid", "Sum"]
        assert [r["shape"] for r in rows] == [(2,), (2,), (2,), ()]
        assert [r["dtype"] for r in rows] == ["float64"] * 4
        np.testing.assert_allclose([rows[0]["grad"]["min"], rows[0]["grad"]["max"]],
                                   [w.grad.numpy().min(), w.grad.numpy().max()])
        assert rows[2]["grad"]["min"] == 1.0           # retained
        dot = mg.to_dot(loss, names={"w": w})
        assert dot.count("->") == 3 and "Sigmoid" in dot

    def test_keep_values_keeps_them_through_backward(self):
        x = f64([1.0, 2.0])
        with mg.keep_values():
            loss = mg.sigmoid(x * 3).sum()
        loss.backward()
        rows = mg.trace(loss).rows
        assert all(r["value"] is not None for r in rows)
        assert rows[1]["value"]["max"] == 6.0

    def test_a_second_backward_still_raises(self):
        x = f64([1.0])
        loss = mg.exp(x).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="second time"):
            loss.backward()


class TestBoundedMemory:
    def test_training_memory_is_flat(self):
        """Issue 19, memory 5: the view lists of a parameter's memory (W.T in each
        Linear, every step) stay bounded although optimizers change parameters
        under no_grad, which records nothing."""
        import tracemalloc

        rng = np.random.default_rng(0)
        model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=rng), mg.nn.ReLU(), mg.nn.Linear(4, 1, rng=rng))
        opt = mg.optim.Adam(model.parameters(), lr=1e-3)
        X, y = mg.tensor(rng.normal(size=(5, 3))), mg.tensor(rng.normal(size=(5, 1)))

        def step():
            opt.zero_grad()
            h = model[0](X)
            h.retain_grad()
            h.mul_(0.5)                       # a recorded in-place change
            out = model[2](model[1](h))
            out.sub_(y)
            (out * out).mean().backward()
            opt.step()

        for _ in range(9000):             # 10,000 steps in all, the last 1,000 traced
            step()
        tracemalloc.start()
        try:
            for _ in range(200):
                step()
            warm, _ = tracemalloc.get_traced_memory()
            for _ in range(800):
                step()
            end, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # unbounded, the lists grew by ~90 bytes per Linear per step (140 KB here)
        assert end - warm < 16_000, f"grew by {end - warm} bytes over 800 steps"


@pytest.mark.parametrize("spec", __import__("opspecs").ALL, ids=lambda s: s.name)
@settings(max_examples=5)
@given(data=st.data())
def test_every_result_that_shares_its_input_memory_is_a_view(spec, data):
    """A new op whose result views its input's memory must register it (see
    minigrad.ops.shape._view): in-place changes through an unregistered view
    would be recorded on it alone, and its base's gradient would be wrong."""
    from minigrad.versions import view_of

    shapes, kw = data.draw(spec.cases, label="shapes, options")
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    inputs = [mg.tensor(a, requires_grad=spec.differentiable and a.dtype.kind == "f")
              for a in spec.sample(rng, shapes)]
    out = spec.mg(*inputs, **kw)
    for o in out if isinstance(out, (tuple, list)) else (out,):
        for x in inputs:
            if o is not x and np.shares_memory(o.numpy(), x.numpy()):
                assert view_of(o) is not None and view_of(o).base is x, spec.name
