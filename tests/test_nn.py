"""The fast (Taylor-mode) derivative path against nested autograd, in float64."""

import pytest
import torch

from pinnlib.nn import MLP, autograd_derivatives, closure, tanh_derivatives

ALL_UP_TO_3 = [(0,), (1,), (0, 0), (0, 1), (1, 1), (0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)]


@pytest.mark.parametrize("out_dim", [1, 2])
@pytest.mark.parametrize("bias_init", ["zero", "torch"])
def test_taylor_mode_matches_autograd(out_dim, bias_init):
    torch.manual_seed(1)
    model = MLP(2, out_dim, width=12, depth=3, bias_init=bias_init).double()
    if bias_init == "zero":  # random biases too, so the test covers them
        with torch.no_grad():
            for layer in model.linears:
                layer.bias.normal_()
    x = 2 * torch.rand(40, 2, dtype=torch.float64) - 1
    indices = [*ALL_UP_TO_3, (0, 0, 1, 1)]
    fast = model(x, derivatives=indices)
    slow = autograd_derivatives(model, x, indices)
    for index in slow:
        scale = slow[index].abs().max().item()
        assert (fast[index] - slow[index]).abs().max().item() <= 1e-12 * max(scale, 1.0), index


def test_value_channel_equals_plain_forward():
    model = MLP(3, 1, width=8, depth=2).double()
    x = torch.rand(5, 3, dtype=torch.float64)
    assert torch.allclose(model(x, derivatives=[(2,)])[()], model(x), atol=1e-14, rtol=0)


def test_closure_contains_all_sub_indices_value_first():
    assert closure([(1, 0, 1)]) == ((), (0,), (1,), (0, 1), (1, 1), (0, 1, 1))


def test_tanh_derivatives_against_autograd():
    a = torch.linspace(-3, 3, 50, dtype=torch.float64, requires_grad=True)
    ders = tanh_derivatives(a, 4)
    for k in range(4):
        (g,) = torch.autograd.grad(ders[k].sum(), a, create_graph=True)
        assert torch.allclose(g, ders[k + 1], atol=1e-12)


def test_bad_network_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="bias_init"):
        MLP(2, 1, bias_init="ones")
    with pytest.raises(ValueError, match="width and depth"):
        MLP(2, 1, width=0)


def test_xavier_normal_weights_and_zero_biases():
    torch.manual_seed(0)
    model = MLP(2, 1, width=256, depth=2)
    w = model.linears[1].weight
    assert abs(w.std().item() - (2 / (256 + 256)) ** 0.5) < 0.005
    assert all(layer.bias.abs().max() == 0 for layer in model.linears)


@pytest.mark.parametrize("bias_init", ["zero", "torch"])
def test_layer_order_draws_each_layer_in_turn_like_the_authors_scripts(bias_init):
    torch.manual_seed(7)
    expected = []
    for a, b in [(2, 16), (16, 16), (16, 1)]:  # build one layer, then its Xavier weight
        layer = torch.nn.Linear(a, b)
        torch.nn.init.xavier_normal_(layer.weight)
        if bias_init == "zero":
            torch.nn.init.zeros_(layer.bias)
        expected.append(layer)
    torch.manual_seed(7)
    model = MLP(2, 1, width=16, depth=2, bias_init=bias_init, init_order="layer")
    torch.manual_seed(7)
    default = MLP(2, 1, width=16, depth=2, bias_init=bias_init)
    for mine, theirs in zip(model.linears, expected):
        assert torch.equal(mine.weight, theirs.weight) and torch.equal(mine.bias, theirs.bias)
    assert not torch.equal(model.linears[1].weight, default.linears[1].weight)
    with pytest.raises(ValueError, match="init_order"):
        MLP(2, 1, init_order="random")
