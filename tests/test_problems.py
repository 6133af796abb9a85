"""The four benchmarks: domains, points, conditions, residuals of known functions, references."""

import math

import numpy as np
import pytest
import torch

from pinnlib.problems import (
    PROBLEMS,
    AllenCahn,
    Cavity,
    Helmholtz,
    PeriodicCondition,
    make_problem,
)
from pinnlib.problems.cavity import velocity_from_stream
from pinnlib.reference import helmholtz_forcing


class Function(torch.nn.Module):
    """A closed-form 'network' z -> f(z) (differentiated by the autograd path)."""

    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, z, derivatives=None):
        assert derivatives is None
        return self.f(z)


def kovasznay(re: float):
    """Kovasznay's exact steady Navier-Stokes flow: (psi, p) and (u, v, p) as functions."""
    lam = re / 2 - math.sqrt(re**2 / 4 + 4 * math.pi**2)

    def stream(z):
        x, y = z[:, :1], z[:, 1:]
        psi = y - torch.exp(lam * x) * torch.sin(2 * math.pi * y) / (2 * math.pi)
        return torch.cat([psi, 0.5 * (1 - torch.exp(2 * lam * x))], dim=1)

    def velocity(z):
        x, y = z[:, :1], z[:, 1:]
        u = 1 - torch.exp(lam * x) * torch.cos(2 * math.pi * y)
        v = lam / (2 * math.pi) * torch.exp(lam * x) * torch.sin(2 * math.pi * y)
        return torch.cat([u, v, 0.5 * (1 - torch.exp(2 * lam * x))], dim=1)

    return Function(stream), Function(velocity)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_points_lie_in_the_domain_and_are_seeded(name):
    problem = make_problem(name.replace("_", "-"), n_collocation=300, seed=4)
    z = problem.collocation_points()
    assert z.shape == (300, 2) and z.dtype == torch.float64
    lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
    assert (z.numpy() >= lo).all() and (z.numpy() <= hi).all()
    assert torch.equal(z, make_problem(name, n_collocation=300, seed=4).collocation_points())
    assert not torch.equal(z, make_problem(name, n_collocation=300, seed=5).collocation_points())
    for c in problem.conditions():
        assert (c.points.numpy() >= lo).all() and (c.points.numpy() <= hi).all()


def test_registry_and_bad_parameters():
    assert set(PROBLEMS) == {"allen_cahn", "helmholtz", "burgers", "cavity"}
    assert isinstance(make_problem("allen-cahn"), AllenCahn)
    with pytest.raises(ValueError, match="periodic must be one of"):
        AllenCahn(periodic="hard")
    with pytest.raises(ValueError, match="formulation must be one of"):
        Cavity(formulation="vorticity")
    with pytest.raises(ValueError, match="references exist for Re"):
        Cavity(re=400).reference()
    with pytest.raises(ValueError, match="bad parameter for benchmark 'helmholtz'"):
        make_problem("helmholtz", wavenumber=3)


def test_allen_cahn_residual_of_a_known_function():
    problem = AllenCahn(n_collocation=50)
    z = problem.collocation_points()
    u = Function(lambda z: torch.sin(z[:, :1]) * torch.cos(math.pi * z[:, 1:]))
    r = problem.residual_at(u, z, autograd=True)[:, 0]
    t, x = z[:, 0], z[:, 1]
    w = torch.sin(t) * torch.cos(math.pi * x)
    expected = torch.cos(t) * torch.cos(math.pi * x) + 1e-4 * math.pi**2 * w + 5 * (w**3 - w)
    assert torch.allclose(r, expected, atol=1e-12)


def test_allen_cahn_conditions_and_reference():
    problem = AllenCahn()
    (initial,) = problem.conditions()
    assert initial.points.shape == (512, 2) and (initial.points[:, 0] == 0).all()
    t, x, u = problem.reference_grid()
    assert np.allclose(initial.points[:, 1].numpy(), x, atol=1e-15)
    assert np.allclose(initial.target.numpy(), u[0], atol=1e-12)  # x^2 cos(pi x)
    points, values = problem.reference()
    assert points.shape == (201 * 512, 2) and values.shape == (201 * 512, 1)
    assert problem.periods == {1: 2.0} and not problem.periodic_embedding
    assert AllenCahn(periodic="embedding").periodic_embedding


def test_allen_cahn_periodic_loss_condition():
    problem = AllenCahn(periodic="loss", n_boundary=20)
    initial, periodic = problem.conditions()
    assert isinstance(periodic, PeriodicCondition) and periodic.keys == ("u", "u_x")
    assert periodic.points.shape == (40, 2)
    assert (periodic.points[:20, 1] == -1).all() and (periodic.points[20:, 1] == 1).all()

    def loss(f):
        fields = problem.fields(Function(f), periodic.points, periodic.keys, autograd=True)
        return periodic.loss(fields).item()

    assert loss(lambda z: z[:, :1] * torch.cos(math.pi * z[:, 1:])) < 1e-24  # periodic
    # u = x + t: u(t, -1) - u(t, 1) = -2 and u_x matches, so the loss is 4
    assert loss(lambda z: z[:, 1:] + z[:, :1]) == pytest.approx(4.0)
    # u = x^2: u matches, u_x(t, -1) - u_x(t, 1) = -4, so the loss is 16
    assert loss(lambda z: z[:, 1:] ** 2 + 0 * z[:, :1]) == pytest.approx(16.0)


def test_helmholtz_exact_solution_has_zero_residual_and_boundary_misfit():
    problem = Helmholtz(n_collocation=200, a1=1.0, a2=4.0, k=3.0, n_boundary=10)
    z = problem.collocation_points()
    exact = Function(lambda z: problem.exact(z[:, :1], z[:, 1:]))
    r = problem.residual_at(exact, z, autograd=True)
    assert r.abs().max() < 1e-10
    x, y = z[:, 0].numpy(), z[:, 1].numpy()
    q = helmholtz_forcing(x, y, 1.0, 4.0, 3.0)
    assert np.allclose(problem.forcing(z[:, 0], z[:, 1]).numpy(), q, atol=1e-12)
    (boundary,) = problem.conditions()
    assert boundary.points.shape == (40, 2) and boundary.target.abs().max() < 1e-12
    points, values = problem.reference()
    assert points.shape == (201**2, 2)
    assert np.allclose(values[:, 0], exact(torch.as_tensor(points))[:, 0].numpy(), atol=1e-12)


@pytest.mark.parametrize("formulation", ["stream", "velocity"])
def test_cavity_residual_vanishes_for_kovasznay_flow(formulation):
    problem = Cavity(n_collocation=200, re=40.0, formulation=formulation)
    stream, velocity = kovasznay(40.0)
    model = stream if formulation == "stream" else velocity
    r = problem.residual_at(model, problem.collocation_points(), autograd=True)
    assert r.shape == (200, 2 if formulation == "stream" else 3)
    assert r.abs().max() < 1e-11
    # and a non-solution does not satisfy it
    wrong = Function(lambda z: model(z) * 1.1)
    r_wrong = problem.residual_at(wrong, problem.collocation_points(), autograd=True)
    assert r_wrong.abs().max() > 1e-2


def test_cavity_stream_fields_map_to_velocity():
    f = {k: torch.tensor(float(i)) for i, k in enumerate(Cavity().residual_keys)}
    w = velocity_from_stream(f)
    assert w["u"] is f["psi_y"] and w["u_xx"] is f["psi_xxy"] and w["u_y"] is f["psi_yy"]
    assert w["v"] == -f["psi_x"] and w["v_yy"] == -f["psi_xyy"] and w["v_x"] == -f["psi_xx"]
    assert w["u_x"] is f["psi_xy"] and w["v_y"] == -f["psi_xy"]


@pytest.mark.parametrize("formulation", ["stream", "velocity"])
def test_cavity_conditions_evaluation_and_reference(formulation):
    problem = Cavity(re=100, formulation=formulation)
    lid, walls = problem.conditions()
    assert lid.points.shape == (100, 2) and (lid.points[:, 1] == 1).all()
    assert walls.points.shape == (300, 2) and (walls.points[:, 1] < 1).all()
    assert lid.keys == (("psi_y", "psi_x") if formulation == "stream" else ("u", "v"))
    assert torch.equal(lid.target[:, 0], torch.ones(100, dtype=torch.float64))
    # evaluate() gives the speed; on Kovasznay flow it is sqrt(u^2 + v^2)
    stream, velocity = kovasznay(100.0)
    z = problem.collocation_points()[:50]
    exact = velocity(z)
    speed = torch.sqrt(exact[:, 0] ** 2 + exact[:, 1] ** 2)
    # evaluate() uses the fast path, which a closed-form Function lacks: use autograd fields
    keys = problem.velocity_keys
    f = problem.fields(stream if formulation == "stream" else velocity, z, keys, autograd=True)
    assert torch.allclose(torch.sqrt(f[keys[0]] ** 2 + f[keys[1]] ** 2), speed, atol=1e-12)
    points, values = problem.reference()
    assert points.shape == (257**2, 2) and values.shape == (257**2, 1)
    assert values.max() == pytest.approx(1.0, abs=1e-9)  # the lid
    top = points[:, 1] == 1.0
    assert np.allclose(values[top, 0], 1.0)


def test_cavity_evaluate_with_a_network_matches_autograd():
    from pinnlib.nn import MLP

    for formulation in ("stream", "velocity"):
        problem = Cavity(n_collocation=30, formulation=formulation)
        torch.manual_seed(0)
        model = MLP(2, len(problem.output_names), width=8, depth=2, bias_init="torch").double()
        z = problem.collocation_points()
        keys = problem.velocity_keys
        f = problem.fields(model, z, keys, autograd=True)
        expected = torch.sqrt(f[keys[0]] ** 2 + f[keys[1]] ** 2)
        with torch.no_grad():
            assert torch.allclose(problem.evaluate(model, z)[:, 0], expected, atol=1e-13)
