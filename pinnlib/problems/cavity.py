"""Lid-driven cavity: steady incompressible Navier-Stokes (the paper's cavity benchmark):

    u u_x + v u_y + p_x - (u_xx + u_yy) / Re = 0,
    u v_x + v v_y + p_y - (v_xx + v_yy) / Re = 0,
    u_x + v_y = 0,                     on the unit square,

lid u = 1, v = 0 on y = 1 (``n_lid`` points, corners included, as in the
reference), no slip u = v = 0 on the other three walls (``n_wall`` points each,
corners excluded). Two formulations:

* ``"stream"`` (the authors'): outputs (psi, p), u = psi_y, v = -psi_x, so
  continuity holds exactly and the momentum residuals (N, 2) need third
  derivatives of psi;
* ``"velocity"``: outputs (u, v, p), continuity as a third residual (N, 3).

The error is on the speed |u| = sqrt(u^2 + v^2) over the 257^2 reference grid of
``pinnlib.reference.load("cavity_re100" | "cavity_re1000")``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from pinnlib.problems.base import Condition, Problem
from pinnlib.reference import load

FORMULATIONS = ("stream", "velocity")
REFERENCE_RE = (100, 1000)

#: The fields the residual needs, per formulation.
_KEYS = {
    "stream": (
        "psi_x", "psi_y", "psi_xx", "psi_xy", "psi_yy",
        "psi_xxx", "psi_xxy", "psi_xyy", "psi_yyy", "p_x", "p_y",
    ),
    "velocity": (
        "u", "v", "u_x", "u_y", "u_xx", "u_yy", "v_x", "v_y", "v_xx", "v_yy", "p_x", "p_y",
    ),
}  # fmt: skip


def velocity_from_stream(f: dict[str, Tensor]) -> dict[str, Tensor]:
    """u = psi_y, v = -psi_x and their derivatives, from the stream-function fields present."""
    out = {}
    for key, value in f.items():
        name, _, inputs = key.partition("_")
        if name != "psi" or not inputs:
            continue
        rest = inputs.replace("y", "", 1)  # psi_{y rest} = d_rest u
        if rest != inputs:
            out["u" + (f"_{rest}" if rest else "")] = value
        rest = inputs.replace("x", "", 1)  # -psi_{x rest} = d_rest v
        if rest != inputs:
            out["v" + (f"_{rest}" if rest else "")] = -value
    return out


class Cavity(Problem):
    """Lid-driven cavity at Reynolds number ``re`` in the chosen ``formulation``."""

    name = "cavity"
    input_names = "xy"
    title = "lid-driven cavity"
    #: The paper's table of benchmark results (Anagnostopoulos et al. 2024, "Learning in
    #: PINNs", arXiv:2403.18494; vanilla, RBA; 6 x 128 network, 300,000 Adam steps).
    paper_errors = (0.615, 5.57e-2)
    #: The steps at which the paper's authors place the jump into total diffusion (vanilla, RBA).
    paper_transitions = (20_000, 20_000)

    def __init__(
        self,
        n_collocation: int = 10_000,
        n_lid: int = 100,
        n_wall: int = 100,
        re: float = 1000.0,
        formulation: str = "stream",
        seed: int = 0,
    ) -> None:
        super().__init__(n_collocation, seed)
        if formulation not in FORMULATIONS:
            raise ValueError(f"formulation must be one of {FORMULATIONS}, got {formulation!r}")
        if re <= 0 or n_lid < 1 or n_wall < 1:
            raise ValueError("re, n_lid and n_wall must be positive")
        self.n_lid, self.n_wall, self.re = n_lid, n_wall, float(re)
        self.formulation = formulation
        self.output_names = ("psi", "p") if formulation == "stream" else ("u", "v", "p")
        self.residual_keys = _KEYS[formulation]

    @property
    def bounds(self) -> np.ndarray:
        return np.array([[0.0, 1.0], [0.0, 1.0]])

    def velocity(self, f: dict[str, Tensor]) -> dict[str, Tensor]:
        """The velocity fields (u, v, u_x, ...) of either formulation."""
        return velocity_from_stream(f) if self.formulation == "stream" else f

    def residual(self, f: dict[str, Tensor]) -> Tensor:
        w = self.velocity(f)
        u, v = w["u"], w["v"]
        momentum_x = u * w["u_x"] + v * w["u_y"] + f["p_x"] - (w["u_xx"] + w["u_yy"]) / self.re
        momentum_y = u * w["v_x"] + v * w["v_y"] + f["p_y"] - (w["v_xx"] + w["v_yy"]) / self.re
        equations = [momentum_x, momentum_y]
        if self.formulation == "velocity":
            equations.append(w["u_x"] + w["v_y"])
        return torch.stack(equations, dim=1)

    @property
    def velocity_keys(self) -> tuple[str, str]:
        """Fields giving (u, v): (psi_y, psi_x) = (u, -v) or (u, v)."""
        return ("psi_y", "psi_x") if self.formulation == "stream" else ("u", "v")

    def conditions(self) -> list[Condition]:
        s = torch.linspace(0.0, 1.0, self.n_lid, dtype=torch.float64)
        lid = torch.stack([s, torch.ones_like(s)], dim=1)
        w = torch.linspace(0.0, 1.0, self.n_wall + 2, dtype=torch.float64)[1:-1]
        zeros, ones = torch.zeros_like(w), torch.ones_like(w)
        walls = torch.cat(
            [
                torch.stack([zeros, w], dim=1),  # left
                torch.stack([ones, w], dim=1),  # right
                torch.stack([w, zeros], dim=1),  # bottom
            ]
        )
        # u = 1, v = 0 on the lid; in the stream form the targets are (psi_y, psi_x) = (u, -v)
        lid_target = torch.stack([torch.ones_like(s), torch.zeros_like(s)], dim=1)
        keys = self.velocity_keys
        return [
            Condition("lid", lid, keys, lid_target),
            Condition("walls", walls, keys, torch.zeros(len(walls), 2, dtype=torch.float64)),
        ]

    def evaluate(self, model: nn.Module, x: Tensor) -> Tensor:
        """The speed |u| = sqrt(u^2 + v^2), (M, 1)."""
        f = self.fields(model, x, self.velocity_keys)
        a, b = (f[k] for k in self.velocity_keys)
        return torch.sqrt(a * a + b * b)[:, None]

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """Speed of the reference solution on its 257 x 257 grid."""
        x, y, u, v = self.reference_grid()
        xx, yy = np.meshgrid(x, y)  # xx[j, i] = x_i, like the reference's f[j, i]
        points = np.stack([xx.ravel(), yy.ravel()], axis=1)
        return points, np.hypot(u, v).reshape(-1, 1)

    def reference_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, u, v) of the reference, fields f[j, i] = f(x_i, y_j)."""
        if self.re not in REFERENCE_RE:
            raise ValueError(f"cavity references exist for Re in {REFERENCE_RE}, not {self.re:g}")
        ref = load(f"cavity_re{int(self.re)}")
        return ref["x"], ref["y"], ref["u"], ref["v"]
