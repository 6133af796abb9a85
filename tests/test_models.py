"""Models, embeddings and the fast derivative path against nested autograd, in float64.

Random inputs and random weights *and* biases (the zero-bias default would hide
bias errors); the fast path must match nested ``torch.autograd.grad`` to ~1e-12
relative, for every problem's residual fields and every model / embedding.
"""

import pytest
import torch

from pinnlib.build import build_model
from pinnlib.nn import (
    MLP,
    FourierEmbedding,
    ModifiedMLP,
    PeriodicEmbedding,
    autograd_derivatives,
    autograd_fields,
    closure,
    parameter_count,
    product_jet,
)
from pinnlib.problems import PROBLEMS, make_problem
from pinnlib.spec import RunSpec

UP_TO_3 = [(0,), (1,), (0, 0), (0, 1), (1, 1), (0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 1, 1)]

EMBEDDINGS = {
    "none": lambda: [],
    "periodic": lambda: [PeriodicEmbedding(2, {1: 2.0})],
    "fourier": lambda: [FourierEmbedding(2, features=6, scale=1.5, seed=3)],
    "periodic+fourier": lambda: [
        PeriodicEmbedding(2, {1: 2.0}),
        FourierEmbedding(3, features=6, scale=1.5, seed=3),
    ],
}
ARCHITECTURES = {"mlp": MLP, "modified_mlp": ModifiedMLP}


def random_model(arch: str, embedding: str, out_dim: int, seed: int = 0):
    torch.manual_seed(seed)
    model = ARCHITECTURES[arch](2, out_dim, width=10, depth=3, embedding=EMBEDDINGS[embedding]())
    model = model.double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.6)
    return model


def assert_jets_agree(fast, slow, tol=1e-12):
    for index in slow:
        scale = max(slow[index].abs().max().item(), 1.0)
        err = (fast[index] - slow[index]).abs().max().item()
        assert err <= tol * scale, (index, err, scale)


def random_points(n=20, seed=1):
    g = torch.Generator().manual_seed(seed)
    return 2 * torch.rand(n, 2, generator=g, dtype=torch.float64) - 1


@pytest.mark.parametrize("embedding", list(EMBEDDINGS))
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_fast_path_matches_autograd_up_to_third_order(arch, embedding):
    model = random_model(arch, embedding, out_dim=2)
    x = random_points()
    assert_jets_agree(model(x, derivatives=UP_TO_3), autograd_derivatives(model, x, UP_TO_3))


def test_reference_path_differentiates_only_the_wanted_fields(monkeypatch):
    model = random_model("mlp", "none", out_dim=2)
    x = random_points()
    wanted = [(0, (0, 0, 0)), (1, (1,)), (0, (0,))]
    calls = []
    grad = torch.autograd.grad
    monkeypatch.setattr(torch.autograd, "grad", lambda *a, **k: calls.append(1) or grad(*a, **k))
    fields = autograd_fields(model, x, wanted)
    # column 0: u -> u_0 -> u_00 -> u_000 (three grad calls); column 1: p -> p_1 (one)
    assert len(calls) == 4
    monkeypatch.setattr(torch.autograd, "grad", grad)
    every = autograd_derivatives(model, x, [(0, 0, 0), (1,)])
    for column, index in wanted:
        assert torch.equal(fields[(column, index)], every[index][:, column])


@pytest.mark.parametrize("embedding", ["none", "periodic+fourier"])
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("allen_cahn", {}),
        ("helmholtz", {}),
        ("burgers", {}),
        ("cavity", {"formulation": "stream"}),
        ("cavity", {"formulation": "velocity"}),
    ],
)
def test_every_problems_fields_and_residual_agree(name, kwargs, arch, embedding):
    problem = make_problem(name, n_collocation=20, **kwargs)
    model = random_model(arch, embedding, out_dim=len(problem.output_names), seed=2)
    x = problem.collocation_points()
    fast = problem.fields(model, x, problem.residual_keys)
    slow = problem.fields(model, x, problem.residual_keys, autograd=True)
    assert_jets_agree(fast, slow)
    r_fast, r_slow = problem.residual_at(model, x), problem.residual_at(model, x, autograd=True)
    scale = max(r_slow.abs().max().item(), 1.0)
    assert (r_fast - r_slow).abs().max().item() <= 1e-12 * scale


def test_value_channel_is_the_plain_forward_pass():
    x = random_points()
    for arch in ARCHITECTURES:
        for embedding in EMBEDDINGS:
            model = random_model(arch, embedding, out_dim=1)
            assert torch.allclose(model(x, derivatives=[(0,)])[()], model(x), rtol=0, atol=1e-14)


def test_product_rule_on_known_functions():
    # a = sin(x0) + x1^3, b = exp(x0) cos(x1): the jet of a * b against autograd of the product
    x = random_points(8)
    indices = closure([(0, 0, 1), (0, 1, 1), (1, 1, 1)])

    class AB(torch.nn.Module):
        def forward(self, z):
            return (torch.sin(z[:, :1]) + z[:, 1:] ** 3) * (z[:, :1].exp() * z[:, 1:].cos())

    ab = autograd_derivatives(AB(), x, indices)
    a = autograd_derivatives(lambda z: torch.sin(z[:, :1]) + z[:, 1:] ** 3, x, indices)
    b = autograd_derivatives(lambda z: z[:, :1].exp() * z[:, 1:].cos(), x, indices)
    fast = product_jet([a[m] for m in indices], [b[m] for m in indices], indices)
    for k, m in enumerate(indices):
        assert torch.allclose(fast[k], ab[m], atol=1e-12), m


def test_periodic_embedding_is_exactly_periodic_with_derivatives():
    model = random_model("mlp", "periodic+fourier", out_dim=1)
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    left = torch.stack([t, -torch.ones_like(t)], dim=1)
    right = torch.stack([t, torch.ones_like(t)], dim=1)
    indices = [(1,), (1, 1), (0, 1)]
    a, b = model(left, derivatives=indices), model(right, derivatives=indices)
    for m in a:
        assert torch.allclose(a[m], b[m], atol=1e-12), m


def test_fourier_features_are_seeded_and_fixed():
    a, b = FourierEmbedding(2, 16, 2.0, seed=5), FourierEmbedding(2, 16, 2.0, seed=5)
    assert torch.equal(a.B, b.B) and not torch.equal(a.B, FourierEmbedding(2, 16, 2.0, seed=6).B)
    assert abs(a.B.std().item() - 2.0) < 0.8
    model = MLP(2, 1, width=8, depth=1, embedding=[a])
    assert "embeddings.0.B" in model.state_dict()
    assert all(p is not a.B for p in model.parameters())  # not trained
    assert a(torch.zeros(3, 2)).shape == (3, 32)


def test_modified_mlp_structure():
    torch.manual_seed(0)
    model = ModifiedMLP(2, 3, width=8, depth=4).double()
    x = random_points(5)
    states = model.hidden(x)
    assert len(states) == 4 and all(h.shape == (5, 8) for h in states)
    u, v = torch.tanh(model.encoder_u(x)), torch.tanh(model.encoder_v(x))
    assert torch.allclose(states[0], torch.tanh(model.first(x)), atol=1e-15)
    z = torch.tanh(model.gates[0](states[0]))
    assert torch.allclose(states[1], (1 - z) * u + z * v, atol=1e-14)  # the paper's update
    assert torch.allclose(model(x), model.last(states[-1]), atol=1e-15)
    n = 3 * (2 * 8 + 8) + 3 * (8 * 8 + 8) + (8 * 3 + 3)
    assert parameter_count(model) == n
    assert model(x).shape == (5, 3)


def test_build_model_honours_the_spec_and_the_problem():
    spec = RunSpec(problem="allen_cahn", width=8, depth=2, problem_args={"n_collocation": 10})
    assert len(build_model(spec).embeddings) == 0
    periodic = spec.replace(problem_args={"n_collocation": 10, "periodic": "embedding"})
    (e,) = build_model(periodic).embeddings
    assert isinstance(e, PeriodicEmbedding) and e.periods == {1: 2.0}
    both = build_model(periodic.replace(embedding="fourier", fourier_features=4))
    assert [type(e) for e in both.embeddings] == [PeriodicEmbedding, FourierEmbedding]
    assert both.embeddings[1].in_dim == 3
    modified = build_model(spec.replace(architecture="modified_mlp"))
    assert isinstance(modified, ModifiedMLP) and modified.depth == 2
    assert build_model(spec.replace(dtype="float64")).linears[0].weight.dtype == torch.float64
    with pytest.raises(ValueError, match="no periodic input"):
        build_model(RunSpec(problem="helmholtz", embedding="periodic", width=4, depth=1))
    with pytest.raises(ValueError, match="unknown architecture"):
        RunSpec(problem="helmholtz", architecture="resnet")
    with pytest.raises(ValueError, match="unknown embedding"):
        RunSpec(problem="helmholtz", embedding="gaussian")


def test_same_seed_same_model_for_every_problem():
    for name in PROBLEMS:
        spec = RunSpec(problem=name, width=6, depth=2, problem_args={"n_collocation": 10})
        a, b = build_model(spec), build_model(spec)
        for p, q in zip(a.parameters(), b.parameters()):
            assert torch.equal(p, q)


@pytest.mark.parametrize("embedding", ["none", "periodic+fourier"])
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
@pytest.mark.parametrize("name", ["allen_cahn", "cavity"])
def test_parameter_gradients_of_the_residual_loss_agree(name, arch, embedding):
    # training differentiates the jets: the backward pass of the fast path must be exact too
    problem = make_problem(name, n_collocation=20)
    model = random_model(arch, embedding, out_dim=len(problem.output_names), seed=5)
    x = problem.collocation_points()
    grads = []
    for autograd in (False, True):
        loss = problem.residual_at(model, x, autograd=autograd).square().mean()
        params = list(model.parameters())
        found = torch.autograd.grad(loss, params, allow_unused=True)  # the cavity ignores b_L
        grads.append([torch.zeros_like(p) if g is None else g for p, g in zip(params, found)])
    for fast, slow in zip(*grads):
        assert torch.allclose(fast, slow, rtol=1e-10, atol=1e-12 * slow.abs().max())


def test_fused_tanh_jet_gradcheck():
    from pinnlib.jets import _TanhJet

    g = torch.Generator().manual_seed(0)
    indices = closure([(0, 1, 1), (0, 0)])
    shapes = [(4, 3)] + [(1, 3) if len(m) == 1 else (4, 3) for m in indices[1:]]
    jet = [torch.randn(*s, generator=g, dtype=torch.float64, requires_grad=True) for s in shapes]
    assert torch.autograd.gradcheck(lambda *c: _TanhJet.apply(indices, *c), jet)


def test_per_batch_gradients_by_vmap_match_a_loop():
    # the gradient SNR diagnostics take per-batch gradients with torch.func.vmap(grad)
    from torch.func import functional_call, grad, vmap

    problem = make_problem("allen_cahn", n_collocation=48)
    model = random_model("mlp", "none", out_dim=1, seed=7)
    x = problem.collocation_points().reshape(3, 16, 2)
    params = {k: v.detach() for k, v in model.named_parameters()}

    class Call(torch.nn.Module):
        def __init__(self, p):
            super().__init__()
            self.p = p

        def forward(self, z, derivatives=None):
            return functional_call(model, self.p, (z,), {"derivatives": derivatives})

    def batch_loss(p, xb):
        return problem.residual_at(Call(p), xb).square().mean()

    batched = vmap(grad(batch_loss), in_dims=(None, 0))(params, x)
    for b in range(3):
        loss = problem.residual_at(model, x[b]).square().mean()
        for name, g in zip(params, torch.autograd.grad(loss, model.parameters())):
            assert torch.allclose(batched[name][b], g, atol=1e-13), name
