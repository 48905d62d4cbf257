"""The engine: graph walk, accumulation, freeing, grad mode, hooks, mg.grad,
higher-order gradients."""
import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import engine


def f64(x, requires_grad=True):
    return mg.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


class TestGraphWalk:
    def test_diamond(self):
        a = f64(3.0)
        b = a + a
        c = b * b               # c = 4 a^2
        c.backward()
        assert a.grad.item() == 24.0

    def test_node_used_many_times(self):
        x = f64([1.0, 2.0])
        y = x * 0.0
        for _ in range(50):
            y = y + x
        (y * x).sum().backward()      # d/dx (50 x^2) = 100 x
        np.testing.assert_array_equal(x.grad.numpy(), [100.0, 200.0])

    def test_shared_subexpression_in_both_operands(self):
        x = f64(0.7)
        s = mg.sigmoid(x)
        y = s * mg.log(s) + s
        y.backward()
        sd = 1 / (1 + np.exp(-0.7))
        expected = (np.log(sd) + 1 + 1) * sd * (1 - sd)
        assert abs(x.grad.item() - expected) < 1e-15

    def test_gradients_accumulate_until_reset(self):
        x = f64([1.0, -2.0])
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
        x.grad = None
        (x * x).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0])

    def test_leaf_grads_are_owned_arrays(self):
        a, b = f64([1.0, 2.0]), f64([3.0, 4.0])
        (a + b).sum().backward()
        assert a.grad.data is not b.grad.data
        a.grad.data[0] = 99.0                 # writable, and not shared
        assert b.grad.data[0] == 1.0

    def test_backward_from_a_leaf(self):
        x = f64(2.0)
        x.backward()
        assert x.grad.item() == 1.0

    def test_gradient_argument(self):
        x = f64([1.0, 2.0])
        (x * x).backward(gradient=np.array([1.0, 10.0]))
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 40.0])
        with pytest.raises(ValueError, match="must match"):
            (x * x).backward(gradient=np.ones(3))

    def test_backward_needs_one_element_or_a_gradient(self):
        x = f64([1.0, 2.0])
        with pytest.raises(RuntimeError, match=r"one element.*shape \(2,\).*loss.mean\(\)"):
            (x * 2).backward()

    def test_backward_of_a_constant(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            mg.tensor([1.0]).sum().backward()

    def test_chain_of_100k_ops_without_recursion(self, monkeypatch):
        """Each node is pushed once and the frontier stays O(1) on a chain,
        so the walk is linear in its length (timed in benchmarks/)."""
        pushes = []
        heap_sizes = []
        real_push = engine.heappush

        def counting_push(heap, item):
            pushes.append(1)
            heap_sizes.append(len(heap))
            real_push(heap, item)

        monkeypatch.setattr(engine, "heappush", counting_push)
        x = f64([0.5, 1.5])
        y = x
        n = 100_000
        for _ in range(n):
            y = y * 1.0
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
        assert len(pushes) == n + 1  # every node (n muls and the sum) once
        assert max(heap_sizes) == 0

    def test_dropping_a_deep_graph_unused(self):
        x = f64([1.0])
        y = x
        for _ in range(200_000):
            y = y + 1.0
        del y  # deallocates without blowing the C stack


class TestFreeing:
    def test_graph_freed_after_backward_by_refcount(self):
        gc.disable()
        try:
            x = f64([1.0, 2.0, 3.0])
            h1 = mg.exp(x)
            h2 = mg.sigmoid(h1 * x)
            loss = h2.sum()
            arrays = [weakref.ref(h1.data), weakref.ref(h2.data)]
            nodes = [weakref.ref(h1.grad_fn), weakref.ref(h2.grad_fn)]
            tensors = [weakref.ref(h1), weakref.ref(h2)]
            del h1, h2
            # the graph links nodes, not tensors: the tensors are gone, and
            # only what the rules need is kept (exp's output for Mul, sigmoid's
            # output for its own rule)
            assert [r() for r in tensors] == [None, None]
            assert all(r() is not None for r in arrays + nodes)
            loss.backward()
            # the saved arrays are freed; the structure stays while the loss
            # holds it (as PyTorch keeps grad_fn), and goes with the loss, by
            # reference counting alone
            assert [r() for r in arrays] == [None] * 2
            assert all(r() is not None for r in nodes) and loss.grad_fn.freed
            del loss
            assert [r() for r in nodes] == [None] * 2
        finally:
            gc.enable()

    def test_unneeded_intermediates_are_freed_during_forward(self):
        gc.disable()
        try:
            x = f64(np.ones(1000))
            a = x * 2.0              # a feeds only an Add, which saves nothing
            ref = weakref.ref(a.data)
            loss = (a + 1.0).sum()
            del a
            assert ref() is None
            with mg.keep_values():
                b = x * 2.0
                ref = weakref.ref(b.data)
                loss = (b + 1.0).sum()
            del b
            assert ref() is not None          # kept for inspection
            loss.backward()
        finally:
            gc.enable()

    def test_saved_arrays_of_held_tensors_are_freed_too(self):
        gc.disable()
        try:
            x = f64([1.0, 2.0])
            h = mg.exp(x)
            loss = (h * h).sum()
            node = h.grad_fn
            saved = weakref.ref(node.out)
            loss.backward()
            assert node.freed and node.out is None
            del h
            assert saved() is None
        finally:
            gc.enable()

    def test_retain_graph_keeps_it(self):
        gc.disable()
        try:
            x = f64([1.0, 2.0])
            h = mg.exp(x)
            loss = (h * h).sum()
            ref = weakref.ref(h.grad_fn)
            del h
            loss.backward(retain_graph=True)
            assert ref() is not None
            loss.backward()
            np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(2 * np.array([1.0, 2.0])))
            assert ref().freed
            del loss
            assert ref() is None
        finally:
            gc.enable()

    def test_second_backward_through_freed_graph(self):
        x = f64([1.0, 2.0])
        loss = mg.exp(x).sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            loss.backward()

    def test_second_backward_through_a_freed_middle(self):
        x = f64([1.0, 2.0])
        h = mg.exp(x)
        h.sum().backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            (h * 2).sum().backward()


class TestGradMode:
    def test_no_grad_context_and_decorator(self):
        x = f64([1.0])
        with mg.no_grad():
            assert not mg.is_grad_enabled()
            assert not (x * 2).requires_grad
        assert mg.is_grad_enabled()

        @mg.no_grad()
        def f(t):
            return t * 2, mg.is_grad_enabled()

        y, enabled = f(x)
        assert not y.requires_grad and not enabled
        assert mg.is_grad_enabled()

    def test_enable_grad_inside_no_grad(self):
        x = f64([1.0])
        with mg.no_grad():
            with mg.enable_grad():
                assert (x * 2).requires_grad

            @mg.enable_grad()
            def g(t):
                return t * 2

            assert g(x).requires_grad
            assert not (x * 2).requires_grad

    def test_set_grad_enabled_and_restore_on_error(self):
        with pytest.raises(ZeroDivisionError):
            with mg.set_grad_enabled(False):
                1 / 0
        assert mg.is_grad_enabled()

    def test_detach_and_requires_grad_(self):
        x = f64([1.0])
        y = (x * 2).detach()
        assert not y.requires_grad and y.is_leaf and y.grad_fn is None
        z = mg.tensor([1.0]).requires_grad_()
        assert z.requires_grad and z.is_leaf
        with pytest.raises(RuntimeError, match="detach"):
            (x * 2).requires_grad_(False)

    def test_ops_on_non_grad_inputs_record_nothing(self):
        y = mg.exp(mg.tensor([1.0])) * 2
        assert not y.requires_grad and y.grad_fn is None


class TestHooks:
    def test_leaf_hook_can_replace_the_gradient(self):
        x = f64([1.0, 2.0])
        seen = []
        x.register_hook(lambda g: seen.append(g.numpy().copy()))
        x.register_hook(lambda g: g * 2)
        (x * 3).sum().backward()
        np.testing.assert_array_equal(seen[0], [3.0, 3.0])
        np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])

    def test_non_leaf_hook_sees_its_gradient_and_can_replace_it(self):
        x = f64([1.0, 2.0])
        h = x * x
        seen = []
        h.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 0.5)
        (h * 4).sum().backward()
        np.testing.assert_array_equal(seen[0], [4.0, 4.0])
        np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])  # 0.5 * 4 * 2x

    def test_hook_with_wrong_shape(self):
        x = f64([1.0, 2.0])
        x.register_hook(lambda g: mg.ones(3))
        with pytest.raises(ValueError, match="same shape"):
            (x * 2).sum().backward()

    def test_hook_needs_requires_grad(self):
        with pytest.raises(RuntimeError, match="does not require grad"):
            mg.tensor([1.0]).register_hook(print)

    def test_retain_grad(self):
        x = f64([1.0, 2.0])
        h = x * 3
        h.retain_grad()
        (h * h).sum().backward()
        np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])


class TestGradFunction:
    def test_grad_returns_a_tuple_and_leaves_dot_grad_alone(self):
        x, w = f64([1.0, 2.0]), f64([3.0, 4.0])
        gx, gw = mg.grad((x * w).sum(), [x, w])
        np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
        np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
        assert x.grad is None and w.grad is None

    def test_grad_of_an_intermediate(self):
        x = f64([1.0, 2.0])
        h = x * x
        (gh,) = mg.grad((h * 5).sum(), h)
        np.testing.assert_array_equal(gh.numpy(), [5.0, 5.0])

    def test_grad_outputs_and_several_outputs(self):
        x = f64([1.0, 2.0])
        y1, y2 = x * 2, x * x
        (g,) = mg.grad([y1, y2], [x], grad_outputs=[np.ones(2), np.array([1.0, 0.0])])
        np.testing.assert_array_equal(g.numpy(), [4.0, 2.0])

    def test_unused_input(self):
        x, z = f64([1.0]), f64([1.0])
        with pytest.raises(RuntimeError, match="allow_unused=True"):
            mg.grad((x * 2).sum(), [x, z])
        gx, gz = mg.grad((x * 2).sum(), [x, z], allow_unused=True)
        assert gz is None and gx.item() == 2.0

    def test_inputs_and_outputs_must_require_grad(self):
        x = f64([1.0])
        with pytest.raises(RuntimeError, match="input 0 does not require grad"):
            mg.grad((x * 2).sum(), [mg.tensor([1.0])])
        with pytest.raises(RuntimeError, match="output 0 does not require grad"):
            mg.grad(mg.tensor(1.0), [x])

    def test_second_derivative(self):
        x = f64(0.3)
        y = x ** 3 + mg.exp(x)
        (d1,) = mg.grad(y, x, create_graph=True)
        (d2,) = mg.grad(d1, x, create_graph=True)
        (d3,) = mg.grad(d2, x)
        assert abs(d1.item() - (3 * 0.09 + np.exp(0.3))) < 1e-15
        assert abs(d2.item() - (6 * 0.3 + np.exp(0.3))) < 1e-14
        assert abs(d3.item() - (6 + np.exp(0.3))) < 1e-14

    def test_create_graph_backward_sets_differentiable_grad(self):
        x = f64([1.0, 2.0])
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        assert g.requires_grad
        x.grad = None
        g.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [6.0, 12.0])


def test_hessian_of_logistic_regression_by_hessian_vector_products():
    """H = X^T S X / N with S = diag(p (1 - p)), column by column."""
    rng = np.random.default_rng(0)
    n, d = 40, 5
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.5).astype(np.float64)
    w = f64(rng.standard_normal(d) * 0.5)

    z = mg.tensor(X) @ w
    # mean BCE from logits, composed from ops: -(y log s + (1-y) log(1-s))
    loss = -(y * mg.log_sigmoid(z) + (1 - y) * mg.log_sigmoid(-z)).mean()
    (g,) = mg.grad(loss, w, create_graph=True)
    cols = []
    for j in range(d):
        e = np.zeros(d)
        e[j] = 1.0
        (hv,) = mg.grad((g * e).sum(), w, retain_graph=True)
        cols.append(hv.numpy())
    H = np.stack(cols, axis=1)

    p = 1 / (1 + np.exp(-X @ w.numpy()))
    expected = X.T @ np.diag(p * (1 - p)) @ X / n
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g.numpy(), X.T @ (p - y) / n, rtol=1e-12)


class TestConventions:
    def test_clip_passes_the_gradient_at_its_bounds(self):
        x = f64([-1.0, 0.0, 0.5, 1.0, 2.0])
        mg.clip(x, 0.0, 1.0).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])

    def test_ties_split_evenly(self):
        x = f64([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
        mg.amax(x, axis=1).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
        x.grad = None
        mg.min(x).backward()
        np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 0], [0, 0, 0]])
        a, b = f64([1.0, 2.0, 3.0]), f64([2.0, 2.0, 2.0])
        (mg.maximum(a, b) + mg.minimum(a, b) * 10).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), [10, 5.5, 1])
        np.testing.assert_array_equal(b.grad.numpy(), [1, 5.5, 10])

    def test_abs_and_relu_have_gradient_zero_at_zero(self):
        x = f64([-1.0, 0.0, 2.0])
        (mg.abs(x) + mg.relu(x)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [-1, 0, 2])

    def test_integer_array_indexing_adds_repeated_indices(self):
        x = f64([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        x[np.array([2, 0, 2, 2])].sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [[1, 1], [0, 0], [3, 3]])

    def test_broadcast_gradients_have_their_input_shapes(self):
        a, b = f64(np.ones((3, 1))), f64(np.ones((1, 4)))
        c = f64(2.0)
        (a * b * c).sum().backward()
        assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4) and c.grad.shape == ()
        np.testing.assert_array_equal(a.grad.numpy(), np.full((3, 1), 8.0))
        assert c.grad.item() == 12.0
