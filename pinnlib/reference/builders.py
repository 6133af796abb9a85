"""What each reference file contains, how it is computed and which checks are recorded.

Each builder runs its solver at the production settings, runs the convergence and validation
checks whose numbers go into ``data/reference/manifest.json``, and returns the arrays to save
with that metadata. The expensive parts are only run by ``regenerate``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pinnlib.reference import allen_cahn as ac
from pinnlib.reference.burgers import NU, burgers_exact, burgers_grid
from pinnlib.reference.burgers_spectral import burgers_spectral
from pinnlib.reference.cavity import solve_cavity
from pinnlib.reference.cavity_benchmarks import (
    GHIA_PSI_MIN,
    PUBLISHED_EXTREMA,
    PUBLISHED_SOURCE,
    centreline_extrema,
    extrema_deviation,
    ghia_deviation,
)
from pinnlib.reference.cavity_pressure import cavity_pressure, momentum_pressure_gradient
from pinnlib.reference.richardson import richardson_correction


@dataclass
class Built:
    """Arrays to save and the manifest metadata describing them."""

    arrays: dict[str, np.ndarray]
    grid: dict[str, object]
    solver: dict[str, object]
    checks: dict[str, object] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)))


def build_allen_cahn() -> Built:
    """Allen-Cahn on 201 x 512 points: 4096 modes, dt = 1e-4; checks dt / 2 and 2x modes."""
    n_modes, dt = 4096, 1e-4
    t0 = time.perf_counter()
    t, x, u = ac.allen_cahn_grid(n_modes=n_modes, dt=dt)
    t1 = time.perf_counter()
    _, _, u_half_dt = ac.allen_cahn_grid(n_modes=n_modes, dt=dt / 2)
    _, _, u_double = ac.allen_cahn_grid(n_modes=2 * n_modes, dt=dt)
    # The customary setup: 512 modes with the initial condition sampled on the grid.
    _, u512 = ac.solve_allen_cahn(t, n_modes=512, dt=dt, exact_initial_modes=False)
    t2 = time.perf_counter()
    return Built(
        arrays={"t": t, "x": x, "u": u},
        grid={
            "u": "u[i, j] = u(t_i, x_j)",
            "t": "linspace(0, 1, 201)",
            "x": "linspace(-1, 1, 513)[:-1] (periodic)",
        },
        solver={
            "method": "Fourier pseudo-spectral + ETDRK4 (Kassam-Trefethen contour coefficients)",
            "equation": "u_t - 1e-4 u_xx + 5 u^3 - 5 u = 0, u(0, x) = x^2 cos(pi x)",
            "n_modes": n_modes,
            "dt": dt,
            "n_contour": 64,
            "initial_state": "exact Fourier coefficients of x^2 cos(pi x), truncated",
            "output": "every 8th solver node; row t = 0 is the exact initial condition",
        },
        checks={
            "dt_halving_max_abs_diff": _max_abs(u_half_dt, u),
            "mode_doubling_max_abs_diff": _max_abs(u_double, u),
            "customary_512_modes_grid_ic_max_abs_diff_t_gt_0": _max_abs(u512[1:], u[1:]),
            "max_abs_u": float(np.abs(u).max()),
        },
        seconds={"solve": t1 - t0, "checks": t2 - t1},
    )


def build_burgers() -> Built:
    """Burgers (Cole-Hopf) on 100 x 256 points; checks node doubling and a spectral solver."""
    n_nodes = 400
    t0 = time.perf_counter()
    t, x, u = burgers_grid()
    t1 = time.perf_counter()
    u_double = burgers_exact(t[:, None], x[None, :], n_nodes=2 * n_nodes)
    tf = np.linspace(0.3, 1.0, 71)[:, None]
    xf = np.linspace(-0.02, 0.02, 401)[None, :]
    front = _max_abs(burgers_exact(tf, xf, n_nodes=n_nodes), burgers_exact(tf, xf, n_nodes=800))
    n_modes, dt = 2048, 1e-4
    u_spec = burgers_spectral(t, x, n_modes=n_modes, dt=dt)
    t2 = time.perf_counter()
    return Built(
        arrays={"t": t, "x": x, "u": u},
        grid={
            "u": "u[i, j] = u(t_i, x_j)",
            "t": "linspace(0, 0.99, 100)",
            "x": "linspace(-1, 1, 256)",
        },
        solver={
            "method": "Cole-Hopf integrals, trapezoid rule in z = eta / sqrt(4 nu t)",
            "equation": "u_t + u u_x = nu u_xx, nu = 0.01/pi, u(0, x) = -sin(pi x), u(t, +-1) = 0",
            "nu": NU,
            "n_nodes": n_nodes,
            "other_points": "pinnlib.reference.burgers.burgers_exact(t, x)",
        },
        checks={
            "node_doubling_max_abs_diff": _max_abs(u_double, u),
            "node_doubling_max_abs_diff_front": front,
            "front_patch": "t in [0.3, 1], x in [-0.02, 0.02], 71 x 401 points",
            "spectral_cross_check_max_abs_diff": _max_abs(u_spec, u),
            "spectral_cross_check_solver": f"Fourier pseudo-spectral, {n_modes} modes, "
            f"ETDRK4 dt = {dt} (odd periodic extension)",
        },
        seconds={"solve": t1 - t0, "checks": t2 - t1},
    )


def _away_from_lid_corners(x: np.ndarray, y: np.ndarray, distance: float) -> np.ndarray:
    xx, yy = np.meshgrid(x, y)
    return np.minimum(np.hypot(xx, yy - 1.0), np.hypot(xx - 1.0, yy - 1.0)) > distance


def _rel_l2(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def build_cavity(re: int, n: int = 256) -> Built:
    """Cavity at ``re``: solves on n^2 and (n/2)^2 cells, Richardson-extrapolates u, v, p and
    psi onto the fine grid, and records the published-data comparisons."""
    t0 = time.perf_counter()
    fields = {}
    for cells in (n, n // 2):
        flow = solve_cavity(float(re), n=cells)
        p = cavity_pressure(flow.u, flow.v, flow.omega, float(re))
        fields[cells] = {"u": flow.u, "v": flow.v, "p": p, "psi": flow.psi}
        fields[cells]["newton"] = flow.newton_residuals
    x = y = np.linspace(0.0, 1.0, n + 1)
    raw, coarse = fields[n], fields[n // 2]
    out = {"x": x, "y": y}
    for key in ("u", "v", "p", "psi"):
        corr = richardson_correction(x, y, raw[key], coarse[key])
        if key != "p":  # wall values are exact on both grids
            corr[[0, -1], :] = 0.0
            corr[:, [0, -1]] = 0.0
        out[key] = raw[key] + corr
    t1 = time.perf_counter()
    away = _away_from_lid_corners(x, y, 0.05)
    speed, speed_raw = np.hypot(out["u"], out["v"]), np.hypot(raw["u"], raw["v"])
    xc = x[::2]
    away_c = _away_from_lid_corners(xc, xc, 0.05)
    grid_diff = max(_max_abs(raw[f][::2, ::2][away_c], coarse[f][away_c]) for f in ("u", "v"))
    h = 1.0 / n
    psi = out["psi"]
    omega = np.zeros_like(psi)
    omega[1:-1, 1:-1] = (
        -(psi[1:-1, 2:] + psi[1:-1, :-2] + psi[2:, 1:-1] + psi[:-2, 1:-1] - 4 * psi[1:-1, 1:-1])
        / h**2
    )
    gx, gy = momentum_pressure_gradient(out["u"], out["v"], omega, float(re))
    inner = (slice(1, -1), slice(1, -1))
    px = (out["p"][1:-1, 2:] - out["p"][1:-1, :-2]) / (2 * h)
    py = (out["p"][2:, 1:-1] - out["p"][:-2, 1:-1]) / (2 * h)
    xx, yy = np.meshgrid(x[1:-1], y[1:-1])
    region = (np.abs(xx - 0.5) <= 0.4) & (np.abs(yy - 0.5) <= 0.4)
    g_norm = np.hypot(gx[inner], gy[inner])[region]
    mom_rel = float(np.hypot(px - gx[inner], py - gy[inner])[region].max() / g_norm.max())
    extrema = centreline_extrema(x, y, out["u"], out["v"], out["psi"])
    t2 = time.perf_counter()
    ghia_psi, ghia_xc, ghia_yc = GHIA_PSI_MIN[re]
    return Built(
        arrays=out,
        grid={
            "fields": "f[j, i] = f(x_i, y_j)",
            "x": f"linspace(0, 1, {n + 1})",
            "y": f"linspace(0, 1, {n + 1})",
            "lid": "u = 1 on y = 1 including both corners",
            "pressure_gauge": "p(0.5, 0.5) = 0; singular at the lid corners",
        },
        solver={
            "method": "stream function-vorticity, 2nd-order central differences, Jensen wall "
            "vorticity, Newton with sparse LU (continuation in Re), on two grids",
            "equation": "steady incompressible Navier-Stokes, unit square, lid u = 1",
            "re": re,
            "cells": [n, n // 2],
            "extrapolation": f"Richardson: f = f_{n} + (f_{n} - f_{n // 2}) / 3, correction "
            "bicubic between the coarse nodes (u, v, p, psi)",
            "newton_final_residual": max(raw["newton"][-1], coarse["newton"][-1]),
            "newton_iterations": [len(raw["newton"]), len(coarse["newton"])],
            "pressure": "least-squares integration of the momentum equation (Neumann "
            "pressure Poisson equation in flux form), DCT solve, on each grid",
        },
        checks={
            "ghia": ghia_deviation(re, x, y, out["u"], out["v"]),
            "ghia_unextrapolated": ghia_deviation(re, x, y, raw["u"], raw["v"]),
            "published_source": PUBLISHED_SOURCE[re],
            "published_extrema": {k: v[0] for k, v in PUBLISHED_EXTREMA[re].items()},
            "extrema": {k: list(v) for k, v in extrema.items()},
            "extrema_abs_dev": extrema_deviation(re, x, y, out["u"], out["v"], out["psi"]),
            "extrema_abs_dev_unextrapolated": extrema_deviation(
                re, x, y, raw["u"], raw["v"], raw["psi"]
            ),
            "ghia_psi_min": [ghia_psi, ghia_xc, ghia_yc],
            f"grid_{n // 2}_vs_{n}_max_abs_velocity_diff": grid_diff,
            "grid_diff_region": "nodes farther than 0.05 from the lid corners",
            "extrapolation_speed_rel_l2_change": _rel_l2(speed_raw, speed),
            "extrapolation_velocity_max_abs_change_away_from_lid_corners": max(
                _max_abs(out[f][away], raw[f][away]) for f in ("u", "v")
            ),
            "momentum_residual_rel_interior": mom_rel,
            "momentum_residual_region": "[0.1, 0.9]^2, |grad p - G| / max |G|, central differences",
        },
        seconds={"solve": t1 - t0, "checks": t2 - t1},
    )


BUILDERS: dict[str, Callable[[], Built]] = {
    "allen_cahn": build_allen_cahn,
    "burgers": build_burgers,
    "cavity_re100": lambda: build_cavity(100),
    "cavity_re1000": lambda: build_cavity(1000),
}
