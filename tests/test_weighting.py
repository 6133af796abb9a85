"""RBA update rule (book/background.md) against hand computations."""

import pytest
import torch

from pinnlib.weighting import RBA, Vanilla, make_weighting


def test_rba_update_by_hand():
    rba = RBA(eta=0.1, gamma=0.5)
    r = torch.tensor([[1.0], [-2.0], [4.0]])
    # step 1 from lambda = 0: 0.5 * 0 + 0.1 * |r| / 4
    assert torch.allclose(rba.update(r), torch.tensor([0.025, 0.05, 0.1]))
    # step 2 with new residuals: 0.5 * previous + 0.1 * |r| / max|r|
    r2 = torch.tensor([[2.0], [0.0], [-1.0]])
    expected = torch.tensor([0.5 * 0.025 + 0.1, 0.5 * 0.05 + 0.0, 0.5 * 0.1 + 0.05])
    assert torch.allclose(rba.update(r2), expected)


def test_rba_residual_initialisation_is_normalised_residual():
    rba = RBA(init="residual")
    w = rba.update(torch.tensor([[3.0], [-6.0]]))
    assert torch.allclose(w, torch.tensor([0.5, 1.0]))
    w = rba.update(torch.tensor([[1.0], [1.0]]))
    assert torch.allclose(w, 0.999 * torch.tensor([0.5, 1.0]) + 1e-3)


def test_rba_system_uses_sum_of_absolute_residuals():
    rba = RBA(eta=1.0, gamma=0.0)
    w = rba.update(torch.tensor([[1.0, -1.0], [0.5, 0.5], [-4.0, 0.0]]))
    assert torch.allclose(w, torch.tensor([0.5, 0.25, 1.0]))


def test_rba_weights_stay_below_bound():
    rba = RBA(eta=1e-2, gamma=0.99)
    torch.manual_seed(0)
    for _ in range(3000):
        r = torch.rand(10, 1) + 0.1
        r[0] = 2.0  # always the largest residual
        w = rba.update(r)
    assert w.max() <= 1e-2 / (1 - 0.99) + 1e-6
    assert w[0] == pytest.approx(1.0, abs=1e-5)  # the bound is reached by the largest residual


def test_rba_weights_are_detached():
    r = torch.tensor([[1.0], [2.0]], requires_grad=True)
    assert not RBA().update(r).requires_grad


def test_vanilla_is_ones_and_unknown_method_errors():
    assert torch.equal(Vanilla().update(torch.randn(4, 1)), torch.ones(4))
    with pytest.raises(ValueError, match="unknown weighting method 'sa'"):
        make_weighting("sa")
    with pytest.raises(ValueError, match="gamma"):
        RBA(gamma=1.0)


def test_rba_minmax_normalisation_by_hand():
    """The authors' Helmholtz rule: eta (|r| - min|r|) / (max|r| - min|r|)."""
    rba = RBA(eta=0.1, gamma=0.5, normalisation="minmax")
    r = torch.tensor([[1.0], [-2.0], [4.0]])
    assert torch.allclose(rba.update(r), torch.tensor([0.0, 0.1 / 3, 0.1]))
    first = RBA(init="residual", normalisation="minmax").update(r)
    assert torch.allclose(first, torch.tensor([0.0, 1 / 3, 1.0]))
    with pytest.raises(ValueError, match="normalisation"):
        RBA(normalisation="max")


def test_a_spec_chooses_the_normalisation_and_keeps_older_keys():
    from pinnlib.experiments import experiment
    from pinnlib.train import Trainer

    spec = experiment("helmholtz", "ci", method="rba", steps=2, monitors=())
    minmax = spec.replace(rba_normalisation="minmax")
    assert minmax.key != spec.key and spec.rba_normalisation is None
    legacy = {k: v for k, v in spec.to_dict().items() if k != "rba_normalisation"}
    assert type(spec).from_dict(legacy).key == spec.key
    assert Trainer(minmax).weighting.normalisation == "minmax"
    with pytest.raises(ValueError, match="rba_normalisation"):
        spec.replace(rba_normalisation="range")
