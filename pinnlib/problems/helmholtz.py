"""Helmholtz equation with a manufactured solution (the paper's Helmholtz benchmark; the RBA paper):

    u_xx + u_yy + k^2 u = q(x, y)   on [-1, 1]^2,   u = 0 on the boundary,
    u = sin(a1 pi x) sin(a2 pi y),   q = (k^2 - (a1 pi)^2 - (a2 pi)^2) u,

with a1 = a2 = 6, k = 1 in the paper (the RBA paper's accuracy anchor uses a1 = 1,
a2 = 4). Boundary: ``n_boundary`` equispaced points per side. The reference is
analytic, on an ``n_test`` x ``n_test`` grid (the authors use 1001; 201 resolves
sin(6 pi x) with 17 points per wavelength and keeps evaluation cheap).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from pinnlib.problems.base import Condition, Problem
from pinnlib.reference import helmholtz_solution


class Helmholtz(Problem):
    """Helmholtz benchmark with wave numbers ``a1``, ``a2`` and ``k``."""

    name = "helmholtz"
    input_names = "xy"
    output_names = ("u",)
    residual_keys = ("u", "u_xx", "u_yy")
    title = "Helmholtz"
    #: The paper's table of benchmark results (Anagnostopoulos et al. 2024, "Learning in
    #: PINNs", arXiv:2403.18494; vanilla, RBA; 6 x 128 network, 300,000 Adam steps).
    paper_errors = (3.57e-2, 1.30e-2)
    #: The steps at which the paper's authors place the jump into total diffusion (vanilla, RBA).
    paper_transitions = (19_000, 1_000)

    def __init__(
        self,
        n_collocation: int = 25_600,
        n_boundary: int = 100,
        a1: float = 6.0,
        a2: float = 6.0,
        k: float = 1.0,
        n_test: int = 201,
        seed: int = 0,
    ) -> None:
        super().__init__(n_collocation, seed)
        if n_boundary < 1 or n_test < 2:
            raise ValueError("n_boundary must be positive and n_test at least 2")
        self.n_boundary, self.n_test = n_boundary, n_test
        self.a1, self.a2, self.k = a1, a2, k

    @property
    def bounds(self) -> np.ndarray:
        return np.array([[-1.0, 1.0], [-1.0, 1.0]])

    def exact(self, x: Tensor, y: Tensor) -> Tensor:
        """u = sin(a1 pi x) sin(a2 pi y)."""
        return torch.sin(self.a1 * torch.pi * x) * torch.sin(self.a2 * torch.pi * y)

    def forcing(self, x: Tensor, y: Tensor) -> Tensor:
        """q = (k^2 - (a1 pi)^2 - (a2 pi)^2) sin(a1 pi x) sin(a2 pi y)."""
        factor = self.k**2 - (self.a1 * torch.pi) ** 2 - (self.a2 * torch.pi) ** 2
        return factor * self.exact(x, y)

    def residual(self, f: dict[str, Tensor]) -> Tensor:
        return f["u_xx"] + f["u_yy"] + self.k**2 * f["u"] - self.forcing(f["x"], f["y"])

    def conditions(self) -> list[Condition]:
        s = torch.linspace(-1.0, 1.0, self.n_boundary, dtype=torch.float64)
        ones = torch.ones_like(s)
        sides = [
            torch.stack([s, -ones], dim=1),
            torch.stack([s, ones], dim=1),
            torch.stack([-ones, s], dim=1),
            torch.stack([ones, s], dim=1),
        ]
        walls = torch.cat(sides)
        return [Condition("boundary", walls, "u", self.exact(walls[:, 0], walls[:, 1]))]

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """The exact solution on an n_test x n_test grid of [-1, 1]^2."""
        g = np.linspace(-1.0, 1.0, self.n_test)
        xx, yy = np.meshgrid(g, g, indexing="ij")
        u = helmholtz_solution(xx, yy, self.a1, self.a2)
        return np.stack([xx.ravel(), yy.ravel()], axis=1), u.reshape(-1, 1)
