"""Allen-Cahn equation (the paper's Allen-Cahn benchmark; Raissi et al. 2019):

    u_t - d u_xx + c u^3 - c u = 0,   d = 1e-4,   c = 5,   x in [-1, 1],   t in [0, 1],
    u(0, x) = x^2 cos(pi x)   on the 512 reference grid points x_j = -1 + 2 j / 512,

periodic in x with period 2. The authors' script imposes the initial condition
only; ``periodic`` chooses how periodicity enters:

* ``"none"``: not imposed (the authors' configuration, the default);
* ``"loss"``: the condition terms u(t, -1) = u(t, 1) and u_x(t, -1) = u_x(t, 1)
  on ``n_boundary`` values of t;
* ``"embedding"``: exact, by the input embedding x -> (cos(pi x), sin(pi x)) in the
  model (``build_model`` adds it).

The reference is the book's Fourier spectral / ETDRK4 solution on 201 x 512 points
(``pinnlib.reference.load("allen_cahn")``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from pinnlib.problems.base import Condition, PeriodicCondition, Problem
from pinnlib.reference import load

PERIODIC = ("none", "loss", "embedding")


class AllenCahn(Problem):
    """Allen-Cahn benchmark; ``diffusion`` = d and ``reaction`` = c of the equation above."""

    name = "allen_cahn"
    input_names = "tx"
    output_names = ("u",)
    residual_keys = ("u", "u_t", "u_xx")
    title = "Allen-Cahn"
    #: The paper's table of benchmark results (Anagnostopoulos et al. 2024, "Learning in
    #: PINNs", arXiv:2403.18494; vanilla, RBA; 6 x 128 network, 300,000 Adam steps).
    paper_errors = (2.91e-2, 3.24e-3)
    #: The steps at which the paper's authors place the jump into total diffusion (vanilla, RBA).
    paper_transitions = (91_700, 11_100)

    def __init__(
        self,
        n_collocation: int = 25_600,
        n_initial: int = 512,
        n_boundary: int = 100,
        diffusion: float = 1e-4,
        reaction: float = 5.0,
        periodic: str = "none",
        seed: int = 0,
    ) -> None:
        super().__init__(n_collocation, seed)
        if periodic not in PERIODIC:
            raise ValueError(f"periodic must be one of {PERIODIC}, got {periodic!r}")
        if n_initial < 1 or n_boundary < 1:
            raise ValueError("n_initial and n_boundary must be positive")
        self.n_initial, self.n_boundary = n_initial, n_boundary
        self.diffusion, self.reaction = diffusion, reaction
        self.periodic = periodic

    @property
    def bounds(self) -> np.ndarray:
        return np.array([[0.0, 1.0], [-1.0, 1.0]])

    @property
    def periods(self) -> dict[int, float]:
        return {1: 2.0}  # x, period 2

    @property
    def periodic_embedding(self) -> bool:
        return self.periodic == "embedding"

    def residual(self, f: dict[str, Tensor]) -> Tensor:
        u = f["u"]
        return f["u_t"] - self.diffusion * f["u_xx"] + self.reaction * (u**3 - u)

    def conditions(self) -> list[Condition]:
        x0 = torch.linspace(-1.0, 1.0, self.n_initial + 1, dtype=torch.float64)[:-1]
        initial = torch.stack([torch.zeros_like(x0), x0], dim=1)
        out: list[Condition] = [
            Condition("initial", initial, "u", x0**2 * torch.cos(torch.pi * x0))
        ]
        if self.periodic == "loss":
            t = torch.linspace(0.0, 1.0, self.n_boundary, dtype=torch.float64)
            left = torch.stack([t, torch.full_like(t, -1.0)], dim=1)
            right = torch.stack([t, torch.full_like(t, 1.0)], dim=1)
            out.append(PeriodicCondition.pair("periodic", left, right, ("u", "u_x")))
        return out

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """The spectral reference on its 201 x 512 grid, t in [0, 1]."""
        t, x, u = self.reference_grid()
        tt, xx = np.meshgrid(t, x, indexing="ij")
        return np.stack([tt.ravel(), xx.ravel()], axis=1), u.reshape(-1, 1)

    def reference_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(t, x, u) of the reference, u of shape (len(t), len(x))."""
        if (self.diffusion, self.reaction) != (1e-4, 5.0):
            raise ValueError(
                "the stored Allen-Cahn reference is for diffusion = 1e-4 and reaction = 5, "
                f"not {self.diffusion} and {self.reaction}"
            )
        ref = load("allen_cahn")
        return ref["t"], ref["x"], ref["u"]
