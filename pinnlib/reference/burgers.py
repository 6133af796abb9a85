"""Exact solution of the viscous Burgers equation by the Cole-Hopf transform.

    u_t + u u_x = nu u_xx,   x in [-1, 1],   u(0, x) = -sin(pi x),   u(t, +-1) = 0.

With u = -2 nu (log phi)_x the equation becomes the heat equation, and

    u(t, x) = - int sin(pi (x - eta)) f(x - eta) exp(-eta^2 / (4 nu t)) d eta
              / int f(x - eta) exp(-eta^2 / (4 nu t)) d eta,
    f(y) = exp(-cos(pi y) / (2 pi nu))

(Basdevant et al., Comput. Fluids 14, 23, 1986). Substituting eta = sqrt(4 nu t) z gives
integrals of g(z) = exp(-z^2 - cos(pi (x - c z)) / (2 pi nu)), c = sqrt(4 nu t).

Quadrature. The classical choice is Gauss-Hermite, but numpy's weights turn into NaN from
about 370 nodes on, and exp(-cos / (2 pi nu)) varies over e^(1 / (pi nu)) = e^100, so
the weight exp(-z^2) alone is a poor guide. Here the whole exponent is kept together
(log-sum-exp scaled) and integrated by the trapezoid rule on [-Z, Z] with
Z^2 = 1 / (pi nu) + 40: g is entire and beyond Z it is below e^-40 times its peak, so the
rule converges geometrically in the node count (Trefethen & Weideman, SIAM Rev. 56, 385,
2014). The exponent's curvature is at most 2 + 2 pi t in z whatever nu, so a few hundred
nodes resolve it for t <= 1; doubling the nodes changes the field at the 1e-15 level,
including next to the front at x = 0 (tests/test_reference.py).
"""

from __future__ import annotations

import numpy as np

NU = 0.01 / np.pi
_CHUNK = 4096  # points evaluated at once, bounds the (points x nodes) work arrays


def quadrature_half_width(nu: float) -> float:
    """Z with exp(-Z^2 + 1 / (pi nu)) = e^-40: beyond it the integrand is negligible."""
    return float(np.sqrt(1.0 / (np.pi * nu) + 40.0))


def burgers_exact(t: np.ndarray, x: np.ndarray, nu: float = NU, n_nodes: int = 400) -> np.ndarray:
    """Evaluate the Cole-Hopf solution at points (t, x) (broadcast together), float64.

    ``n_nodes`` trapezoid nodes on [-Z, Z] (see the module docstring); at t = 0 returns
    -sin(pi x) exactly.
    """
    t, x = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(x, dtype=float))
    half = quadrature_half_width(nu)
    z = np.linspace(-half, half, n_nodes)
    tf, xf = t.ravel(), x.ravel()
    u = np.empty_like(xf)
    for s in range(0, xf.size, _CHUNK):
        tc, xc = tf[s : s + _CHUNK, None], xf[s : s + _CHUNK, None]
        y = xc - np.sqrt(4.0 * nu * np.maximum(tc, 0.0)) * z
        expo = -(z**2) - np.cos(np.pi * y) / (2.0 * np.pi * nu)
        g = np.exp(expo - expo.max(axis=1, keepdims=True))
        u[s : s + _CHUNK] = -np.sum(np.sin(np.pi * y) * g, axis=1) / np.sum(g, axis=1)
    u = u.reshape(x.shape)
    return np.where(t > 0, u, -np.sin(np.pi * x))


def burgers_grid(
    nt: int = 100, nx: int = 256, t_max: float = 0.99, nu: float = NU
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The customary reference grid: ``nt`` times in [0, t_max], ``nx`` points in [-1, 1].

    Returns (t, x, u) with u of shape (nt, nx).
    """
    t = np.linspace(0.0, t_max, nt)
    x = np.linspace(-1.0, 1.0, nx)
    u = burgers_exact(t[:, None], x[None, :], nu=nu)
    return t, x, u
