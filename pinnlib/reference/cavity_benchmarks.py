"""Published lid-driven cavity data used to validate the cavity reference.

1. Centre-line velocity tables of Ghia, Ghia & Shin (1982):
U. Ghia, K. N. Ghia, C. T. Shin, "High-Re solutions for incompressible flow using the
Navier-Stokes equations and a multigrid method", J. Comput. Phys. 48, 387-411 (1982),
Table I (u along the vertical line through the geometric centre, x = 0.5) and Table II
(v along the horizontal line through the centre, y = 0.5), Re = 100 and 1000, computed on a
129 x 129 grid. The published coordinates are the grid nodes k / 128 rounded to four
digits; the exact nodes are used here.

The tables are second-order accurate on their grid: later high-accuracy solutions
(Botella & Peyret, Comput. Fluids 27, 421, 1998) differ from them by up to about 0.01 at
Re = 1000 (e.g. the v minimum near x = 0.91), so deviations of that size are expected of
any converged solution.

2. Extrema of the centre-line velocities and the stream-function minimum from high-accuracy
solutions: O. Botella, R. Peyret, "Benchmark spectral results on the lid-driven cavity flow",
Comput. Fluids 27, 421-433 (1998), Chebyshev collocation, Re = 1000 (Tables 1 and 6); and
C. H. Marchi, R. Suero, L. K. Araki, "The lid-driven square cavity flow: numerical solution
with a 1024 x 1024 grid", J. Braz. Soc. Mech. Sci. Eng. 31, 186-198 (2009), Re = 100.
"""

from __future__ import annotations

import numpy as np

# Table I: u(0.5, y); the first column is k with y = k / 128 (published y in the second).
_TABLE_I = """
# k     y       Re=100     Re=1000
128   1.0000   1.00000    1.00000
125   0.9766   0.84123    0.65928
124   0.9688   0.78871    0.57492
123   0.9609   0.73722    0.51117
122   0.9531   0.68717    0.46604
109   0.8516   0.23151    0.33304
 94   0.7344   0.00332    0.18719
 79   0.6172  -0.13641    0.05702
 64   0.5000  -0.20581   -0.06080
 58   0.4531  -0.21090   -0.10648
 36   0.2813  -0.15662   -0.27805
 22   0.1719  -0.10150   -0.38289
 13   0.1016  -0.06434   -0.29730
  9   0.0703  -0.04775   -0.22220
  8   0.0625  -0.04192   -0.20196
  7   0.0547  -0.03717   -0.18109
  0   0.0000   0.00000    0.00000
"""
# Table II: v(x, 0.5); the first column is k with x = k / 128 (published x in the second).
_TABLE_II = """
# k     x       Re=100     Re=1000
128   1.0000   0.00000    0.00000
124   0.9688  -0.05906   -0.21388
123   0.9609  -0.07391   -0.27669
122   0.9531  -0.08864   -0.33714
121   0.9453  -0.10313   -0.39188
116   0.9063  -0.16914   -0.51550
110   0.8594  -0.22445   -0.42665
103   0.8047  -0.24533   -0.31966
 64   0.5000   0.05454    0.02526
 30   0.2344   0.17527    0.32235
 29   0.2266   0.17507    0.33075
 20   0.1563   0.16077    0.37095
 12   0.0938   0.12317    0.32627
 10   0.0781   0.10890    0.30353
  9   0.0703   0.10091    0.29012
  8   0.0625   0.09233    0.27485
  0   0.0000   0.00000    0.00000
"""
_I = np.loadtxt(_TABLE_I.splitlines())
_II = np.loadtxt(_TABLE_II.splitlines())
GHIA_Y_NODES = _I[:, 0].astype(int)
GHIA_X_NODES = _II[:, 0].astype(int)
GHIA_U = {100: _I[:, 2], 1000: _I[:, 3]}
GHIA_V = {100: _II[:, 2], 1000: _II[:, 3]}
# Primary vortex: stream-function minimum and its location (x, y), Ghia Tables III and IV.
GHIA_PSI_MIN = {100: (-0.103423, 0.6172, 0.7344), 1000: (-0.117929, 0.5313, 0.5625)}

# Centre-line extrema (value, position): u_min on x = 0.5 (position y), v_max and v_min on
# y = 0.5 (position x), and the stream-function minimum (Re = 1000 only).
PUBLISHED_EXTREMA = {
    100: {"u_min": (-0.2140417, None), "v_max": (0.1795728, None), "v_min": (-0.2538030, None)},
    1000: {
        "u_min": (-0.3885698, 0.1716968),
        "v_max": (0.3769447, 0.1578365),
        "v_min": (-0.5270771, 0.9092470),
        "psi_min": (-0.1189366, None),
    },
}
PUBLISHED_SOURCE = {100: "Marchi, Suero & Araki (2009)", 1000: "Botella & Peyret (1998)"}

GHIA_Y = GHIA_Y_NODES / 128.0
GHIA_X = GHIA_X_NODES / 128.0


def centreline_profiles(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """u(0.5, y) and v(x, 0.5) from fields indexed [j, i]; the centre lines must be grid lines."""
    i = int(np.argmin(np.abs(x - 0.5)))
    j = int(np.argmin(np.abs(y - 0.5)))
    if abs(x[i] - 0.5) > 1e-12 or abs(y[j] - 0.5) > 1e-12:
        raise ValueError("x = 0.5 and y = 0.5 must be grid lines")
    return u[:, i], v[j, :]


def centreline_extrema(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, psi: np.ndarray
) -> dict[str, tuple[float, float | None]]:
    """u_min on x = 0.5, v_max and v_min on y = 0.5 (value, position) from cubic splines
    through the nodal values, and the nodal minimum of psi."""
    from scipy.interpolate import CubicSpline
    from scipy.optimize import minimize_scalar

    u_line, v_line = centreline_profiles(x, y, u, v)
    us, vs = CubicSpline(y, u_line), CubicSpline(x, v_line)
    opts = {"xatol": 1e-10}
    a = minimize_scalar(us, bounds=(0.05, 0.7), method="bounded", options=opts)
    b = minimize_scalar(lambda s: -vs(s), bounds=(0.05, 0.5), method="bounded", options=opts)
    c = minimize_scalar(vs, bounds=(0.5, 0.98), method="bounded", options=opts)
    return {
        "u_min": (float(a.fun), float(a.x)),
        "v_max": (float(-b.fun), float(b.x)),
        "v_min": (float(c.fun), float(c.x)),
        "psi_min": (float(psi.min()), None),
    }


def extrema_deviation(
    re: int, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, psi: np.ndarray
) -> dict[str, float]:
    """|ours - published| for each published extremum value at this Re."""
    ours = centreline_extrema(x, y, u, v, psi)
    return {k: abs(ours[k][0] - ref) for k, (ref, _) in PUBLISHED_EXTREMA[re].items()}


def ghia_deviation(
    re: int, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray
) -> dict[str, float]:
    """Max |ours - Ghia| of u on x = 0.5 and of v on y = 0.5 (ours interpolated by cubic
    splines along the centre line, which is exact where the table points are grid nodes)."""
    from scipy.interpolate import CubicSpline

    if re not in GHIA_U:
        raise ValueError(f"Ghia tables here cover Re in {sorted(GHIA_U)}, not {re}")
    u_line, v_line = centreline_profiles(x, y, u, v)
    du = CubicSpline(y, u_line)(GHIA_Y) - GHIA_U[re]
    dv = CubicSpline(x, v_line)(GHIA_X) - GHIA_V[re]
    return {
        "u_max_abs_dev": float(np.abs(du).max()),
        "v_max_abs_dev": float(np.abs(dv).max()),
        "max_abs_dev": float(max(np.abs(du).max(), np.abs(dv).max())),
    }
