"""Lid-driven cavity: steady incompressible Navier-Stokes in stream function-vorticity form.

    kinematics:  laplace(psi) = -omega,   u = psi_y,   v = -psi_x,   omega = v_x - u_y,
    transport:   u omega_x + v omega_y = (1 / Re) laplace(omega),

on the unit square, psi = 0 on every wall, u = 1 on the lid y = 1 (corners included) and
no slip elsewhere. Second-order central differences on a uniform (n + 1) x (n + 1) node grid;
the wall vorticity comes from the no-slip condition by Jensen's second-order formula

    omega_wall = -(8 psi_1 - psi_2) / (2 h^2) - 3 U_wall / h

(psi_1, psi_2: the first two nodes inside; V. G. Jensen, Proc. R. Soc. A 249, 346, 1959). The steady
equations are solved directly by Newton's method with a sparse LU factorisation of the exact
Jacobian, continuing in Re from rest (100 -> 400 -> 1000 -> ...). The reference files
combine the solutions on two grids by Richardson extrapolation
(:mod:`pinnlib.reference.richardson`, :mod:`pinnlib.reference.builders`); the pressure comes
from :mod:`pinnlib.reference.cavity_pressure`; published data that validate the result are
in :mod:`pinnlib.reference.cavity_benchmarks`.

Arrays are indexed field[j, i] = field(x_i, y_j).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


@dataclass
class CavityFlow:
    """A converged cavity solution on the node grid x = y = linspace(0, 1, n + 1).

    ``omega`` is 0 at the four corners (undefined at the lid corners, where it is singular).
    ``newton_residuals`` lists max |residual| h^2 at every Newton iterate of every Re step.
    """

    re: float
    x: np.ndarray
    y: np.ndarray
    psi: np.ndarray
    omega: np.ndarray
    u: np.ndarray
    v: np.ndarray
    newton_residuals: list[float] = field(default_factory=list)


def _difference_1d(n_nodes: int, h: float) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Central first and second differences (rows at the two ends are left zero)."""
    ones = np.ones(n_nodes - 1)
    d1 = sp.diags([-ones, ones], [-1, 1], format="lil") / (2 * h)
    d2 = sp.diags([ones, -2 * np.ones(n_nodes), ones], [-1, 0, 1], format="lil") / h**2
    for d in (d1, d2):
        d[0, :] = 0
        d[-1, :] = 0
    return d1.tocsr(), d2.tocsr()


@dataclass(frozen=True)
class _Operators:
    """Interior-row difference operators acting on full-grid vectors, and the wall map."""

    n: int
    dx: sp.csr_matrix  # (m, N^2)
    dy: sp.csr_matrix
    lap: sp.csr_matrix
    ext: sp.csr_matrix  # (N^2, m): zero extension of interior values
    wall: sp.csr_matrix  # (N^2, m): wall vorticity from interior psi
    wall_lid: np.ndarray  # (N^2,): wall vorticity from the lid velocity


def _operators(n: int, lid: float = 1.0) -> _Operators:
    nn = n + 1
    h = 1.0 / n
    d1, d2 = _difference_1d(nn, h)
    eye = sp.identity(nn, format="csr")
    idx = np.arange(nn * nn).reshape(nn, nn)
    interior = idx[1:-1, 1:-1].ravel()
    m = interior.size
    ext = sp.csr_matrix((np.ones(m), (interior, np.arange(m))), shape=(nn * nn, m))
    restrict = ext.T.tocsr()
    # Jensen: omega_w = -(8 psi_1 - psi_2) / (2 h^2) - 3 U / h on each wall, corners excluded.
    inner = np.full((nn, nn), -1)
    inner[1:-1, 1:-1] = np.arange(m).reshape(n - 1, n - 1)
    rows, cols, vals = [], [], []
    lid_term = np.zeros(nn * nn)
    k = np.arange(1, n)
    walls = (
        (idx[0, k], inner[1, k], inner[2, k]),  # bottom
        (idx[n, k], inner[n - 1, k], inner[n - 2, k]),  # top (lid)
        (idx[k, 0], inner[k, 1], inner[k, 2]),  # left
        (idx[k, n], inner[k, n - 1], inner[k, n - 2]),  # right
    )
    for node, first, second in walls:
        rows += [node, node]
        cols += [first, second]
        vals += [np.full(node.size, -8.0 / (2 * h**2)), np.full(node.size, 1.0 / (2 * h**2))]
    lid_term[idx[n, k]] = -3.0 * lid / h
    wall = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nn * nn, m)
    )
    return _Operators(
        n=n,
        dx=(restrict @ sp.kron(eye, d1)).tocsr(),
        dy=(restrict @ sp.kron(d1, eye)).tocsr(),
        lap=(restrict @ (sp.kron(eye, d2) + sp.kron(d2, eye))).tocsr(),
        ext=ext,
        wall=wall,
        wall_lid=lid_term,
    )


def _residual_and_jacobian(
    ops: _Operators, psi: np.ndarray, omega: np.ndarray, re: float, jacobian: bool = True
) -> tuple[np.ndarray, sp.csc_matrix | None]:
    psi_f = ops.ext @ psi
    omega_f = ops.ext @ omega + ops.wall @ psi + ops.wall_lid
    u, v = ops.dy @ psi_f, -(ops.dx @ psi_f)
    wx, wy = ops.dx @ omega_f, ops.dy @ omega_f
    r1 = ops.lap @ psi_f + omega
    r2 = ops.lap @ omega_f / re - u * wx - v * wy
    res = np.concatenate([r1, r2])
    if not jacobian:
        return res, None
    lap_e, dx_e, dy_e = ops.lap @ ops.ext, ops.dx @ ops.ext, ops.dy @ ops.ext
    lap_w, dx_w, dy_w = ops.lap @ ops.wall, ops.dx @ ops.wall, ops.dy @ ops.wall
    diag = sp.diags
    j21 = lap_w / re - diag(wx) @ dy_e + diag(wy) @ dx_e - diag(u) @ dx_w - diag(v) @ dy_w
    j22 = lap_e / re - diag(u) @ dx_e - diag(v) @ dy_e
    jac = sp.bmat([[lap_e, sp.identity(psi.size)], [j21, j22]], format="csc")
    return res, jac


def _newton(
    ops: _Operators, psi: np.ndarray, omega: np.ndarray, re: float, tol: float, max_iter: int
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Newton iterations until the max-norm residual (scaled by h^2) is below ``tol``."""
    h2 = 1.0 / ops.n**2
    history = []
    for _ in range(max_iter):
        res, jac = _residual_and_jacobian(ops, psi, omega, re)
        history.append(float(np.abs(res).max() * h2))
        if history[-1] < tol:
            return psi, omega, history
        step = spla.spsolve(jac, -res, permc_spec="COLAMD")
        psi, omega = psi + step[: psi.size], omega + step[psi.size :]
    res, _ = _residual_and_jacobian(ops, psi, omega, re, jacobian=False)
    history.append(float(np.abs(res).max() * h2))
    if history[-1] >= tol:
        raise RuntimeError(f"Newton did not converge at Re={re}: residuals {history}")
    return psi, omega, history


def solve_cavity(
    re: float,
    n: int = 256,
    re_steps: tuple[float, ...] | None = None,
    tol: float = 1e-12,
    max_iter: int = 20,
) -> CavityFlow:
    """Steady cavity flow at Reynolds number ``re`` on ``n`` x ``n`` cells.

    Newton continuation through ``re_steps`` (default: 100, 400, ... up to ``re``), starting
    from rest. Returns psi, omega and the velocity (u = psi_y, v = -psi_x by central
    differences inside, the wall values on the boundary).
    """
    if re_steps is None:
        re_steps = tuple(r for r in (100.0, 400.0, 1000.0, 2500.0, 5000.0) if r < re) + (re,)
    ops = _operators(n)
    m = (n - 1) ** 2
    psi, omega = np.zeros(m), np.zeros(m)
    history: list[float] = []
    for r in re_steps:
        psi, omega, hist = _newton(ops, psi, omega, r, tol, max_iter)
        history += hist
    nn = n + 1
    psi_f = ops.ext @ psi
    omega_f = ops.ext @ omega + ops.wall @ psi + ops.wall_lid
    u = np.zeros(nn * nn)
    v = np.zeros(nn * nn)
    interior = ops.ext @ np.ones(m) > 0
    u[interior] = ops.dy @ psi_f
    v[interior] = -(ops.dx @ psi_f)
    u, v = u.reshape(nn, nn), v.reshape(nn, nn)
    u[-1, :] = 1.0
    grid = np.linspace(0.0, 1.0, nn)
    return CavityFlow(
        re=float(re),
        x=grid,
        y=grid.copy(),
        psi=psi_f.reshape(nn, nn),
        omega=omega_f.reshape(nn, nn),
        u=u,
        v=v,
        newton_residuals=history,
    )
