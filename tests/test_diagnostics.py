"""Diagnostics: batch-gradient SNR and phi, Adam SNR, homogeneity, compression, monitors."""

import math
import warnings

import numpy as np
import pytest
import torch

from pinnlib.diagnostics import (
    MONITOR_NAMES,
    BatchGradientCache,
    adam_snr,
    adaptive_bins,
    batch_gradients,
    batch_gradients_loop,
    batch_split,
    gradient_statistics,
    homogeneity,
    kde_entropy,
    layer_compression,
    make_monitors,
    pattern_entropy,
    saturation_share,
    tanh_saturation,
)
from pinnlib.diagnostics.snr import paper_units
from pinnlib.experiments import experiment
from pinnlib.nn import MLP
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

TINY = dict(width=8, depth=2, steps=40, problem_args=dict(n_collocation=200))


def tiny(method="rba", **kw):
    return experiment("burgers", "ci", method=method, **{"monitors": ("all",), **TINY, **kw})


# -- SNR and order parameter on synthetic batch gradients ------------------------------


def test_identical_batches_give_infinite_snr_and_unit_order_without_warnings():
    g = torch.randn(7, 5, dtype=torch.float32).expand(100, 7, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = gradient_statistics({"a": g, "b": 3 * g})
    assert s.snr == math.inf and s.order == 1.0
    assert np.all(s.snr_layers == math.inf) and np.all(s.order_layers == 1.0)


def test_zero_gradients_give_nan_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = gradient_statistics(torch.zeros(10, 4))
    assert math.isnan(s.snr) and math.isnan(s.order)


def test_independent_zero_mean_gradients_give_snr_one_over_sqrt_batches():
    g = torch.randn(100, 20_000, generator=torch.Generator().manual_seed(0))
    s = gradient_statistics(g)
    assert s.snr == pytest.approx(1 / math.sqrt(100), rel=0.05)
    assert s.order == pytest.approx(s.snr / math.sqrt(1 + s.snr**2), rel=1e-12)


def test_layer_statistics_follow_the_definitions():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(20, 3, 4))
    b = rng.normal(loc=2.0, size=(20, 6))
    s = gradient_statistics({"a": torch.tensor(a), "b": torch.tensor(b)})
    mu = [x.mean(axis=0) for x in (a, b)]
    sd = [x.std(axis=0) for x in (a, b)]  # population std
    rms = [np.sqrt((x**2).mean(axis=0)) for x in (a, b)]
    norm = np.linalg.norm
    np.testing.assert_allclose(s.snr_layers, [norm(m) / norm(d) for m, d in zip(mu, sd)])
    np.testing.assert_allclose(s.order_layers, [norm(m) / norm(r) for m, r in zip(mu, rms)])
    whole = lambda xs: np.concatenate([x.ravel() for x in xs])  # noqa: E731
    assert s.snr == pytest.approx(norm(whole(mu)) / norm(whole(sd)))
    assert s.order == pytest.approx(norm(whole(mu)) / norm(whole(rms)))
    assert 0 <= s.order <= 1


# -- batch gradients: split, vmap against the loop -------------------------------------


def test_batch_split_is_a_fixed_partition():
    index, mask = batch_split(203, 20, seed=3)
    used = index[mask]
    assert index.shape == (20, 11) and len(used) == 203
    assert torch.equal(used.sort().values, torch.arange(203))
    assert set(mask.sum(dim=1).tolist()) == {10, 11}
    again, _ = batch_split(203, 20, seed=3)
    assert torch.equal(index, again)
    with pytest.raises(ValueError, match="n_batches"):
        batch_split(5, 10)


def test_equal_batches_have_the_stated_size_and_a_fixed_order():
    index, mask = batch_split(1030, seed=3, batch_points=100)
    assert index.shape == (10, 100) and bool(mask.all())
    assert len(set(index.flatten().tolist())) == 1000  # 30 left over, none repeated
    again, _ = batch_split(1030, seed=3, batch_points=100)
    assert torch.equal(index, again)
    with pytest.raises(ValueError, match="batch_points"):
        batch_split(100, batch_points=60)


def test_snr_grows_like_the_square_root_of_the_points_per_batch():
    """At fixed weights the spread of a batch-mean gradient shrinks like 1/sqrt(n_b)."""
    spec = tiny("vanilla", dtype="float64", problem_args=dict(n_collocation=4096))
    trainer = Trainer(spec)
    trainer.run(progress=False, stop_at=30)
    sizes = np.array([16, 64, 256, 1024])
    snr = []
    for n in sizes:
        grads = batch_gradients(
            trainer.model, trainer.problem, trainer.points, batch_points=int(n), seed=1
        )
        snr.append(gradient_statistics(grads).snr)
    slope = np.polyfit(np.log(sizes), np.log(snr), 1)[0]
    assert slope == pytest.approx(0.5, abs=0.1)
    rescaled = paper_units(np.array(snr), sizes)  # all in units of n_b = 256
    assert np.ptp(np.log10(rescaled)) < 0.3 < np.ptp(np.log10(snr))
    assert paper_units(1.0, 64) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="positive"):
        paper_units(1.0, 0)


def test_residual_only_snr_leaves_out_the_shared_condition_gradient():
    spec = tiny("rba", dtype="float64", problem_args=dict(n_collocation=203))
    trainer = Trainer(spec)  # RBA weights start at 0: the residual term is tiny
    trainer.run(progress=False, stop_at=1)
    cache = BatchGradientCache(n_batches=20)
    s = cache(trainer)
    assert s.points_per_batch == pytest.approx(203 / 20)
    assert s.total.snr > 10 * s.residual.snr
    equal = BatchGradientCache(batch_points=50)(trainer)
    assert equal.points_per_batch == 50


def test_a_spec_sets_equal_snr_batches_and_keeps_older_keys():
    spec = tiny("vanilla", steps=10)
    assert spec.snr_batch_points is None
    equal = spec.replace(snr_batch_points=50)
    assert equal.key != spec.key
    legacy = {k: v for k, v in spec.to_dict().items() if k != "snr_batch_points"}
    assert RunSpec.from_dict(legacy).key == spec.key  # records made before the field
    trainer = Trainer(equal)
    trainer.run(progress=False)
    assert np.all(np.asarray(trainer.history["snr_points_per_batch"]) == 50)
    plain = Trainer(spec)
    plain.run(progress=False)
    assert np.all(np.asarray(plain.history["snr_points_per_batch"]) == 200 / 100)
    with pytest.raises(ValueError, match="snr_batch_points"):
        spec.replace(snr_batch_points=0)


@pytest.mark.parametrize(
    "method, model",
    [
        ("vanilla", {}),
        ("rba", {}),
        ("rba", dict(architecture="modified_mlp", embedding="fourier", fourier_features=4)),
    ],
)
def test_vmapped_batch_gradients_equal_the_loop(method, model):
    spec = tiny(method, dtype="float64", problem_args=dict(n_collocation=203), **model)
    trainer = Trainer(spec)
    trainer.run(progress=False, stop_at=5)  # RBA weights no longer uniform
    args = (trainer.model, trainer.problem, trainer.points, trainer.weighting.weights)
    kw = dict(condition_loss=lambda: sum(trainer.condition_losses().values()), n_batches=20, seed=1)
    fast = batch_gradients(*args, **kw)
    slow = batch_gradients_loop(*args, **kw)
    weights = [n for n, p in trainer.model.named_parameters() if p.ndim >= 2]
    assert list(fast) == weights and len(weights) >= 3
    for name in slow:
        assert fast[name].shape == (20, *dict(trainer.model.named_parameters())[name].shape)
        torch.testing.assert_close(fast[name], slow[name], rtol=1e-10, atol=1e-13)
    a, b = gradient_statistics(fast), gradient_statistics(slow)
    assert a.snr == pytest.approx(b.snr, rel=1e-10)
    np.testing.assert_allclose(a.snr_layers, b.snr_layers, rtol=1e-10)


# -- Adam SNR ---------------------------------------------------------------------------


def test_adam_snr_is_nan_before_the_first_step_then_matches_the_moments():
    torch.manual_seed(0)
    model = MLP(2, 1, width=6, depth=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.99))
    assert math.isnan(adam_snr(opt))
    x = torch.rand(32, 2)
    for step in range(3):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
        if step == 0:  # one step: m_hat = g, v_hat = g^2, so the ratio is ||g|| / ||g| + eps||
            assert adam_snr(opt) == pytest.approx(1.0, abs=1e-4)
    m = torch.cat([opt.state[p]["exp_avg"].ravel() for p in model.parameters()]) / (1 - 0.8**3)
    v = torch.cat([opt.state[p]["exp_avg_sq"].ravel() for p in model.parameters()]) / (1 - 0.99**3)
    expected = (m.norm() / (v.sqrt() + 1e-8).norm()).item()
    assert adam_snr(opt) == pytest.approx(expected, rel=1e-5)


# -- residual homogeneity ---------------------------------------------------------------


def test_homogeneity_uniform_concentrated_and_empty_bins():
    bounds = np.array([[0.0, 1.0], [-1.0, 1.0]])
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(0, 1, 5000), rng.uniform(-1, 1, 5000)])
    assert homogeneity(x, np.full(5000, 0.3), bounds) == pytest.approx(1.0, rel=1e-12)
    hot = (x[:, 0] < 0.1) & (x[:, 1] < -0.8)  # exactly one of the 100 bins
    assert homogeneity(x, hot.astype(float), bounds) == pytest.approx(0.1, rel=1e-12)
    corner = x[(x[:, 0] < 0.5) & (x[:, 1] < 0)]  # 25 non-empty bins, the rest ignored
    assert homogeneity(corner, np.ones(len(corner)), bounds) == pytest.approx(1.0)
    assert math.isnan(homogeneity(x, np.zeros(5000), bounds))


# -- compression ----------------------------------------------------------------------


def test_constant_layer_has_zero_entropy_and_distinct_rows_have_log2_n():
    a = torch.full((500, 16), 0.3)
    codes, n_bins = adaptive_bins(a)
    assert pattern_entropy(codes) == 0.0 and kde_entropy(a) == 0.0
    assert torch.equal(n_bins, torch.ones(16, dtype=torch.long))
    b = torch.linspace(-1, 1, 256)[:, None].repeat(1, 4)  # 256 distinct values, 30 bins
    assert pattern_entropy(adaptive_bins(b)[0]) == pytest.approx(math.log2(30), abs=0.05)
    distinct = torch.arange(256)[:, None].repeat(1, 3)
    assert pattern_entropy(distinct) == pytest.approx(8.0)


def test_adaptive_bins_are_about_30_per_neuron_proportional_to_range():
    a = torch.rand(2000, 64, generator=torch.Generator().manual_seed(0))
    a = a * torch.linspace(0.2, 1.8, 64)  # ranges proportional to 0.2 .. 1.8
    codes, n_bins = adaptive_bins(a)
    assert n_bins.double().mean().item() == pytest.approx(30, abs=0.5)
    assert n_bins[0] == 6 and n_bins[-1] == 54
    assert torch.all(codes >= 0) and torch.all(codes < n_bins)
    # uniform activations: 2 edge bins of n_j in each neuron
    assert saturation_share(codes, n_bins) == pytest.approx((2 / n_bins).mean().item(), rel=0.1)


def test_tanh_pushed_into_saturation_has_saturation_share_near_one():
    torch.manual_seed(0)
    model = MLP(2, 1, width=32, depth=3)
    x = 2 * torch.rand(2000, 2) - 1
    with torch.no_grad():
        normal = layer_compression(model.hidden(x))
        for layer in model.linears:
            layer.weight.mul_(1000.0)
        saturated = layer_compression(model.hidden(x))
    assert np.all(saturated["saturation"] > 0.95) and np.all(saturated["saturation_tanh"] > 0.95)
    assert np.all(normal["saturation"] < 0.3) and np.all(normal["saturation_tanh"] < 0.3)
    assert tanh_saturation(torch.tensor([0.995, -0.999, 0.5, 0.0])) == 0.5
    for out in (normal, saturated):
        assert set(out) == {"entropy", "saturation", "saturation_tanh", "entropy_kde"}
        assert all(v.shape == (3,) for v in out.values())
        assert np.all(out["entropy"] <= math.log2(2000) + 1e-12)
        assert np.all(out["entropy_kde"] <= math.log2(1000) + 1e-12)


# -- monitors in training ---------------------------------------------------------------


def test_make_monitors_names():
    assert list(make_monitors(["all"])) == list(MONITOR_NAMES)
    assert list(make_monitors(["order", "snr"])) == ["snr", "order"]
    with pytest.raises(ValueError, match="valid names.*snr.*compression"):
        make_monitors(["snr", "entropy"])


def expected_keys(method):
    keys = {"snr", "snr_layers", "snr_residual", "snr_points_per_batch", "order", "order_layers"}
    keys |= {"adam_snr", "homogeneity_residual"}
    keys |= {f"compression_{k}" for k in ("entropy", "entropy_kde", "saturation")}
    keys |= {"compression_saturation_tanh"}
    return keys | ({"homogeneity_rba"} if method == "rba" else set())


@pytest.mark.parametrize("method", ["vanilla", "rba"])
def test_monitors_log_every_logged_step_and_do_not_change_training(tmp_path, method):
    spec = tiny(method)
    full = Trainer(spec)
    full.run(progress=False)
    h = full.history_arrays()
    assert expected_keys(method) <= set(h)
    n = len(h["step"])
    assert list(h["step"]) == [0, 10, 20, 30, 40]
    for key in expected_keys(method):
        assert len(h[key]) == n, key
    assert h["snr_layers"].shape == (n, 3) and h["compression_entropy"].shape == (n, 2)
    assert np.all((h["order"] > 0) & (h["order"] <= 1))
    assert math.isnan(h["adam_snr"][0]) and np.all(np.isfinite(h["adam_snr"][1:]))
    # same training with and without monitors (parameters, weights, losses)
    plain = Trainer(spec.replace(monitors=[]))
    plain.run(progress=False)
    for key in plain.history:
        assert np.array_equal(h[key], np.asarray(plain.history[key])), key
    for p, q in zip(full.model.parameters(), plain.model.parameters()):
        assert torch.equal(p, q)
    # resume from a checkpoint with the monitors on: the same history, exactly
    checkpoint = tmp_path / "checkpoint.pt"
    Trainer(spec).run(checkpoint=checkpoint, checkpoint_every=10, progress=False, stop_at=27)
    resumed = Trainer(spec)
    resumed.run(checkpoint=checkpoint, checkpoint_every=10, progress=False)
    r = resumed.history_arrays()
    for key in h:
        assert np.array_equal(h[key], r[key], equal_nan=True), key
