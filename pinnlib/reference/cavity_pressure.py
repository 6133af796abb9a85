"""Pressure of a converged cavity flow, integrated from the steady momentum equation.

The steady momentum equation prescribes the pressure gradient,

    grad p = G := -(u . grad) u + (1 / Re) laplace(u),   laplace(u) = (-omega_y, omega_x),

(the identity laplace(u) = -curl(omega) holds for div u = 0). On the walls the velocity is
constant along the wall, so the convective part of G vanishes there and G = (-omega_y,
omega_x) / Re. G is evaluated at every node (central differences inside; along a wall,
second-order differences tangentially, avoiding the corners, and one-sided second-order
differences normally), averaged onto the grid edges (trapezoid rule), and p is the least-
squares fit

    p = argmin sum over edges (p_b - p_a - h G_edge)^2,

whose normal equations are the pressure Poisson equation laplace(p) = div G with the
Neumann condition dp/dn = G . n, in a flux form that is compatible by construction (the
usual continuous form, laplace(p) = 2 (u_x v_y - u_y v_x), is not compatible once
discretised near the singular lid corners). The normal-equation matrix is the grid-graph
Laplacian, diagonalised by the type-II discrete cosine transform, so the solve is a fast
Poisson solve. The constant is fixed by the gauge

    p(0.5, 0.5) = 0,

as in Botella & Peyret (Comput. Fluids 27, 421, 1998). The pressure is singular at the two
lid corners; values within a few cells of them follow the discretisation.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.sparse as sp


def _node_derivatives(f: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """(f_x, f_y) at every node: central inside, tangential along walls avoiding the corners,
    one-sided second-order in the wall-normal direction; zero at the four corners."""
    fx, fy = np.zeros_like(f), np.zeros_like(f)
    fx[1:-1, 1:-1] = (f[1:-1, 2:] - f[1:-1, :-2]) / (2 * h)
    fy[1:-1, 1:-1] = (f[2:, 1:-1] - f[:-2, 1:-1]) / (2 * h)
    for row in (0, -1):  # bottom and top walls
        fx[row, 1:-1] = np.gradient(f[row, 1:-1], h, edge_order=2)
    for col in (0, -1):  # left and right walls
        fy[1:-1, col] = np.gradient(f[1:-1, col], h, edge_order=2)
    fy[0, 1:-1] = (-3 * f[0, 1:-1] + 4 * f[1, 1:-1] - f[2, 1:-1]) / (2 * h)
    fy[-1, 1:-1] = (3 * f[-1, 1:-1] - 4 * f[-2, 1:-1] + f[-3, 1:-1]) / (2 * h)
    fx[1:-1, 0] = (-3 * f[1:-1, 0] + 4 * f[1:-1, 1] - f[1:-1, 2]) / (2 * h)
    fx[1:-1, -1] = (3 * f[1:-1, -1] - 4 * f[1:-1, -2] + f[1:-1, -3]) / (2 * h)
    return fx, fy


def momentum_pressure_gradient(
    u: np.ndarray, v: np.ndarray, omega: np.ndarray, re: float
) -> tuple[np.ndarray, np.ndarray]:
    """G = -(u . grad) u + (1 / Re) (-omega_y, omega_x) at every node (see module docstring)."""
    h = 1.0 / (u.shape[0] - 1)
    wx, wy = _node_derivatives(omega, h)
    gx, gy = -wy / re, wx / re
    inner = (slice(1, -1), slice(1, -1))
    ux, uy = _node_derivatives(u, h)
    vx, vy = _node_derivatives(v, h)
    gx[inner] -= u[inner] * ux[inner] + v[inner] * uy[inner]
    gy[inner] -= u[inner] * vx[inner] + v[inner] * vy[inner]
    return gx, gy


def _edge_difference(nn: int) -> sp.csr_matrix:
    """Differences p_b - p_a over all horizontal, then all vertical, edges of the node grid."""
    d = sp.diags([-np.ones(nn - 1), np.ones(nn - 1)], [0, 1], shape=(nn - 1, nn))
    eye = sp.identity(nn)
    return sp.vstack([sp.kron(eye, d), sp.kron(d, eye)]).tocsr()


def _solve_graph_laplacian(rhs: np.ndarray) -> np.ndarray:
    """Solve (D^T D) p = rhs on the node grid with mean-zero p (rhs must have zero sum).

    The path-graph Laplacian has eigenvectors cos(pi k (i + 1/2) / N), the DCT-II basis, and
    eigenvalues 2 - 2 cos(pi k / N).
    """
    ny, nx = rhs.shape
    lam_x = 2.0 - 2.0 * np.cos(np.pi * np.arange(nx) / nx)
    lam_y = 2.0 - 2.0 * np.cos(np.pi * np.arange(ny) / ny)
    eig = lam_y[:, None] + lam_x[None, :]
    eig[0, 0] = 1.0
    coef = scipy.fft.dctn(rhs, type=2, norm="ortho") / eig
    coef[0, 0] = 0.0
    return scipy.fft.idctn(coef, type=2, norm="ortho")


def cavity_pressure(u: np.ndarray, v: np.ndarray, omega: np.ndarray, re: float) -> np.ndarray:
    """Pressure on the node grid (field[j, i] at x_i, y_j), gauge p(0.5, 0.5) = 0."""
    nn = u.shape[0]
    h = 1.0 / (nn - 1)
    gx, gy = momentum_pressure_gradient(u, v, omega, re)
    target = h * np.concatenate(
        [(0.5 * (gx[:, 1:] + gx[:, :-1])).ravel(), (0.5 * (gy[1:, :] + gy[:-1, :])).ravel()]
    )
    p = _solve_graph_laplacian((_edge_difference(nn).T @ target).reshape(nn, nn))
    return p - p[nn // 2, nn // 2]
