"""Helmholtz benchmark: manufactured solution and its forcing (RBA paper, arXiv:2307.00379).

    u_xx + u_yy + k^2 u = q(x, y)   on [-1, 1]^2,   u = 0 on the boundary,
    u(x, y) = sin(a1 pi x) sin(a2 pi y),
    q(x, y) = (k^2 - (a1 pi)^2 - (a2 pi)^2) sin(a1 pi x) sin(a2 pi y).

The paper uses a1 = a2 = 6, k = 1. For integer a1, a2 the solution vanishes on the boundary.
"""

from __future__ import annotations

import numpy as np


def helmholtz_solution(
    x: np.ndarray, y: np.ndarray, a1: float = 6.0, a2: float = 6.0
) -> np.ndarray:
    """u = sin(a1 pi x) sin(a2 pi y), broadcast over x and y."""
    return np.sin(a1 * np.pi * np.asarray(x, dtype=float)) * np.sin(
        a2 * np.pi * np.asarray(y, dtype=float)
    )


def helmholtz_forcing(
    x: np.ndarray, y: np.ndarray, a1: float = 6.0, a2: float = 6.0, k: float = 1.0
) -> np.ndarray:
    """q = u_xx + u_yy + k^2 u = (k^2 - (a1 pi)^2 - (a2 pi)^2) u."""
    factor = k**2 - (a1 * np.pi) ** 2 - (a2 * np.pi) ** 2
    return factor * helmholtz_solution(x, y, a1, a2)


def helmholtz_grid(
    n: int = 1001, a1: float = 6.0, a2: float = 6.0, k: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, u, q) on an n x n grid of [-1, 1]^2; u[j, i] = u(x_i, y_j)."""
    x = np.linspace(-1.0, 1.0, n)
    y = np.linspace(-1.0, 1.0, n)
    return (
        x,
        y,
        helmholtz_solution(x[None, :], y[:, None], a1, a2),
        helmholtz_forcing(x[None, :], y[:, None], a1, a2, k),
    )
