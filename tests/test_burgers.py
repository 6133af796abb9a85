"""Burgers problem: exact solution properties and the residual of known functions."""

import numpy as np
import pytest
import torch

from pinnlib.problems import Burgers, make_problem
from pinnlib.reference.burgers import NU, burgers_exact, burgers_grid


def test_exact_solution_initial_and_boundary_values():
    x = np.linspace(-1, 1, 101)
    assert np.allclose(burgers_exact(0.0, x), -np.sin(np.pi * x), atol=1e-14)
    t = np.linspace(0.01, 0.99, 50)
    assert np.abs(burgers_exact(t, 1.0)).max() < 1e-10
    assert np.abs(burgers_exact(t, -1.0)).max() < 1e-10


def test_exact_solution_is_odd_in_x_and_forms_a_steep_front():
    t, x, u = burgers_grid()
    assert u.shape == (100, 256)
    assert np.allclose(u, -u[:, ::-1], atol=1e-10)
    # at late times the slope at x = 0 is of order -1/nu (very steep)
    slope = (u[-1, 128] - u[-1, 127]) / (x[128] - x[127])
    assert slope < -50


def test_exact_solution_satisfies_burgers_by_finite_differences():
    # smooth region, early time: central differences of the exact solution
    t, x, h = 0.2, np.linspace(-0.8, 0.8, 9), 1e-4
    u = burgers_exact(t, x)
    u_t = (burgers_exact(t + h, x) - burgers_exact(t - h, x)) / (2 * h)
    u_x = (burgers_exact(t, x + h) - burgers_exact(t, x - h)) / (2 * h)
    u_xx = (burgers_exact(t, x + h) - 2 * u + burgers_exact(t, x - h)) / h**2
    assert np.abs(u_t + u * u_x - NU * u_xx).max() < 1e-5


class Known(torch.nn.Module):
    """u(t, x) = t sin(x): u_t = sin x, u_x = t cos x, u_xx = -t sin x."""

    def forward(self, z, derivatives=None):
        t, x = z[:, :1], z[:, 1:]
        u = t * torch.sin(x)
        assert derivatives is None
        return u


def test_residual_of_a_known_function():
    problem = Burgers(n_collocation=50)
    z = problem.collocation_points()
    r = problem.residual_at(Known(), z, autograd=True)[:, 0]
    t, x = z[:, 0], z[:, 1]
    expected = torch.sin(x) + t * torch.sin(x) * t * torch.cos(x) + NU * t * torch.sin(x)
    assert torch.allclose(r, expected, atol=1e-12)


def test_fast_and_autograd_residuals_agree():
    from pinnlib.nn import MLP

    torch.manual_seed(0)
    problem = Burgers(n_collocation=64)
    model = MLP(2, 1, width=16, depth=3, bias_init="torch").double()
    z = problem.collocation_points()
    fast = problem.residual_at(model, z)
    slow = problem.residual_at(model, z, autograd=True)
    assert torch.allclose(fast, slow, atol=1e-12)


def test_points_conditions_and_reference():
    problem = Burgers(n_collocation=500, seed=3)
    z = problem.collocation_points()
    assert z.shape == (500, 2)
    assert (z[:, 0] >= 0).all() and (z[:, 0] <= 1).all() and (z[:, 1].abs() <= 1).all()
    assert torch.equal(z, Burgers(n_collocation=500, seed=3).collocation_points())
    names = [c.name for c in problem.conditions()]
    assert names == ["initial", "boundary"]
    points, values = problem.reference()
    assert points.shape == (25_600, 2) and values.shape == (25_600, 1)


def test_unknown_benchmark_and_parameter_are_clear_errors():
    with pytest.raises(ValueError, match="unknown benchmark 'heat'"):
        make_problem("heat")
    with pytest.raises(ValueError, match="bad parameter for benchmark 'burgers'"):
        make_problem("burgers", viscosity=1.0)
    with pytest.raises(KeyError, match="unknown output"):
        Burgers().parse("v_x")
