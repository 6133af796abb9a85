"""Viscous Burgers equation (Raissi et al. 2019; the paper's Burgers benchmark).

    u_t + u u_x - nu u_xx = 0,   nu = 0.01 / pi,   x in [-1, 1],   t in [0, 1],
    u(0, x) = -sin(pi x),   u(t, -1) = u(t, 1) = 0.

The reference is the exact Cole-Hopf solution (:mod:`pinnlib.reference.burgers`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from pinnlib.problems.base import Condition, Problem
from pinnlib.reference import load
from pinnlib.reference.burgers import NU, burgers_grid


class Burgers(Problem):
    """Burgers benchmark with ``n_initial`` initial and ``n_boundary`` points per wall."""

    name = "burgers"
    input_names = "tx"
    output_names = ("u",)
    residual_keys = ("u", "u_t", "u_x", "u_xx")
    title = "Burgers"
    # The paper reports no errors or transition steps for Burgers: they stay nan (the
    # defaults of Problem).

    def __init__(
        self,
        n_collocation: int = 10_000,
        n_initial: int = 256,
        n_boundary: int = 100,
        nu: float = NU,
        seed: int = 0,
    ) -> None:
        super().__init__(n_collocation, seed)
        self.n_initial = n_initial
        self.n_boundary = n_boundary
        self.nu = nu

    @property
    def bounds(self) -> np.ndarray:
        return np.array([[0.0, 1.0], [-1.0, 1.0]])

    def residual(self, f: dict[str, Tensor]) -> Tensor:
        return f["u_t"] + f["u"] * f["u_x"] - self.nu * f["u_xx"]

    def conditions(self) -> list[Condition]:
        x0 = torch.linspace(-1.0, 1.0, self.n_initial, dtype=torch.float64)
        initial = torch.stack([torch.zeros_like(x0), x0], dim=1)
        tb = torch.linspace(0.0, 1.0, self.n_boundary, dtype=torch.float64)
        walls = torch.cat(
            [torch.stack([tb, torch.full_like(tb, side)], dim=1) for side in (-1.0, 1.0)]
        )
        return [
            Condition("initial", initial, "u", -torch.sin(torch.pi * x0)),
            Condition("boundary", walls, "u", torch.zeros(len(walls), dtype=torch.float64)),
        ]

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact solution on the customary 100 x 256 grid, t in [0, 0.99]."""
        t, x, u = self.reference_grid()
        tt, xx = np.meshgrid(t, x, indexing="ij")
        return np.stack([tt.ravel(), xx.ravel()], axis=1), u.reshape(-1, 1)

    def reference_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, x, u) of the reference on its grid, u of shape (len(t), len(x)).

        The stored, checksummed file for the paper's viscosity; computed otherwise.
        """
        if self.nu == NU:
            stored = load("burgers")
            return stored["t"], stored["x"], stored["u"]
        return burgers_grid(nu=self.nu)
