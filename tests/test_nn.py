"""nn.Module, Parameter, Linear, Sequential, activations."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class TestLinear:
    def test_initialisation_is_pytorchs_and_seedable(self):
        layer = nn.Linear(50, 40, rng=3)
        k = 1 / np.sqrt(50)
        w, b = layer.weight.numpy(), layer.bias.numpy()
        assert w.shape == (40, 50) and b.shape == (40,) and w.dtype == np.float32
        assert np.abs(w).max() <= k and np.abs(b).max() <= k
        assert np.abs(w).max() > 0.9 * k                       # uniform over the whole range
        assert abs(w.std() - k / np.sqrt(3)) < 0.05 * k        # U(-k, k) has std k/sqrt(3)
        again = nn.Linear(50, 40, rng=3)
        np.testing.assert_array_equal(again.weight.numpy(), w)
        assert not np.array_equal(nn.Linear(50, 40, rng=4).weight.numpy(), w)
        assert nn.Linear(2, 3, bias=False).bias is None

    def test_matches_torch_linear(self):
        torch = pytest.importorskip("torch")
        layer = nn.Linear(3, 2, rng=0, dtype="float64")
        t = torch.nn.Linear(3, 2).double()
        with torch.no_grad():
            t.weight.copy_(torch.tensor(layer.weight.numpy()))
            t.bias.copy_(torch.tensor(layer.bias.numpy()))
        x = np.random.default_rng(0).standard_normal((5, 3))
        out = layer(mg.tensor(x))
        tout = t(torch.tensor(x))
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-14)
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(layer.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-14)
        np.testing.assert_allclose(layer.bias.grad.numpy(), t.bias.grad.numpy(), rtol=1e-14)

    def test_wrong_input_width(self):
        with pytest.raises(ValueError, match="last axis 4; it needs 3"):
            nn.Linear(3, 2)(mg.zeros(5, 4))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 4, rng=0), nn.ReLU(), nn.Linear(4, 3, rng=1))
        self.scale = nn.Parameter(np.ones(3, np.float32))
        self.heads = [nn.Linear(3, 1, rng=2)]
        self.not_a_param = mg.tensor([1.0], requires_grad=True)

    def forward(self, x):
        return self.heads[0](self.body(x) * self.scale)


class TestModule:
    def test_parameters_are_found_from_attributes(self):
        net = Net()
        names = [n for n, _ in net.named_parameters()]
        assert names == ["scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
                         "heads.0.weight", "heads.0.bias"]
        assert len(net.parameters()) == 7
        assert all(isinstance(p, nn.Parameter) for p in net.parameters())

    def test_shared_parameters_once(self):
        layer = nn.Linear(2, 2)
        seq = nn.Sequential(layer, layer)
        assert len(seq.parameters()) == 2

    def test_zero_grad_train_eval(self):
        net = Net()
        net(mg.ones(5, 2)).sum().backward()
        assert all(p.grad is not None for p in net.parameters())
        net.zero_grad()
        assert all(p.grad is None for p in net.parameters())
        net.eval()
        assert not net.training and not net.body[0].training
        net.train()
        assert net.training and net.body[2].training

    def test_state_dict_round_trip(self):
        a, b = Net(), Net()
        for p in b.parameters():
            p.data = p.data + 1.0
        sd = a.state_dict()
        assert list(sd) == [n for n, _ in a.named_parameters()]
        b.load_state_dict(sd)
        x = mg.tensor(np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32))
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
        sd["scale"][0] = 42.0                  # a copy: the module is not changed
        assert a.scale.numpy()[0] == 1.0

    def test_load_state_dict_errors(self):
        net = Net()
        sd = net.state_dict()
        del sd["scale"]
        with pytest.raises(KeyError, match="missing \\['scale'\\]"):
            net.load_state_dict(sd)
        net.load_state_dict(sd, strict=False)
        sd = net.state_dict()
        sd["scale"] = np.ones(4)
        with pytest.raises(ValueError, match="has shape \\(4,\\)"):
            net.load_state_dict(sd)

    def test_repr(self):
        assert repr(nn.Sequential(nn.Linear(2, 3), nn.Tanh())) == (
            "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n"
            "  (1): Tanh()\n)")
        assert repr(nn.BCEWithLogitsLoss(reduction="sum")) == "BCEWithLogitsLoss(reduction='sum')"

    def test_parameter(self):
        p = nn.Parameter([1.0, 2.0])
        assert p.requires_grad and p.is_leaf and p.dtype == np.float32
        assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
        y = p * 2 + p                  # Parameters flow through every op's fast path
        y.sum().backward()
        np.testing.assert_array_equal(p.grad.numpy(), [3.0, 3.0])
        assert mg.exp(p).requires_grad and (p @ p).requires_grad

    def test_activations(self):
        x = mg.tensor([-1.0, 0.0, 2.0])
        np.testing.assert_array_equal(nn.ReLU()(x).numpy(), [0, 0, 2])
        np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh([-1.0, 0.0, 2.0]), rtol=1e-6)
        np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp([1.0, 0.0, -2.0])),
                                   rtol=1e-6)
        with pytest.raises(TypeError, match="takes Modules"):
            nn.Sequential(nn.ReLU(), lambda t: t)
