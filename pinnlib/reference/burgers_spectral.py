"""Independent numerical Burgers solver, used only to cross-check the Cole-Hopf solution.

    u_t + (u^2 / 2)_x = nu u_xx,   u(0, x) = -sin(pi x),   u(t, +-1) = 0.

The Dirichlet problem is solved exactly by a periodic one: -sin(pi x) is 2-periodic and odd,
the equation preserves oddness (u(x) -> -u(-x)) and periodicity, so the periodic solution is
odd about x = 0 and, by periodicity, about x = +-1, hence u(t, +-1) = -u(t, -+1) = u(t, +-1)
... = 0. So a Fourier pseudo-spectral discretisation on [-1, 1) satisfies the boundary
conditions without any boundary treatment. The diffusion -nu k^2 is integrated exactly and
the advection by ETDRK4 (:mod:`pinnlib.reference.etdrk4`), a method that shares nothing with
the Cole-Hopf quadrature; agreement of the two also validates the ETDRK4 code that the
Allen-Cahn reference uses.
"""

from __future__ import annotations

import numpy as np

from pinnlib.reference.burgers import NU
from pinnlib.reference.etdrk4 import etdrk4_integrate


def fourier_eval(v: np.ndarray, n: int, x: np.ndarray) -> np.ndarray:
    """Evaluate the trigonometric interpolant with rfft coefficients ``v`` (last axis, grid
    x_j = -1 + 2 j / n) at arbitrary points ``x``; returns shape (*v.shape[:-1], len(x))."""
    m = np.arange(v.shape[-1])
    weight = np.where((m == 0) | (2 * m == n), 1.0, 2.0)
    phase = np.exp(1j * np.pi * np.outer(m, np.asarray(x, dtype=float) + 1.0))
    return np.real((v * weight) @ phase) / n


def burgers_spectral(
    t_out: np.ndarray,
    x_out: np.ndarray,
    n_modes: int = 2048,
    dt: float = 1e-4,
    nu: float = NU,
) -> np.ndarray:
    """Solve with ``n_modes`` Fourier modes and step ``dt``; return u on t_out x x_out."""
    k = np.pi * np.fft.rfftfreq(n_modes, d=1.0 / n_modes)
    x = np.linspace(-1.0, 1.0, n_modes + 1)[:-1]

    def nonlinear(v: np.ndarray) -> np.ndarray:
        u = np.fft.irfft(v, n=n_modes)
        return -0.5j * k * np.fft.rfft(u * u)

    v = etdrk4_integrate(np.fft.rfft(-np.sin(np.pi * x)), -nu * k**2, nonlinear, t_out, dt)
    return fourier_eval(v, n_modes, x_out)
