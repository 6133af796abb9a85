"""Richardson extrapolation of a second-order grid solution (L. F. Richardson, 1911).

With fields f_h and f_2h from grids of spacing h and 2h and a discretisation error
c(x) h^2 + O(h^4) (where c is smooth),

    f ~ f_h + (f_h - f_2h) / 3.

The correction (f_h - f_2h) / 3 is known on the coarse nodes only; between them it is
interpolated by bicubic splines, which keeps the result fourth-order where the solution is
smooth. Near singularities (the lid corners of the cavity) the expansion does not hold and
the correction is merely of the size of the local error.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import RectBivariateSpline


def richardson_correction(
    x: np.ndarray, y: np.ndarray, fine: np.ndarray, coarse: np.ndarray
) -> np.ndarray:
    """(f_h - f_2h) / 3 on the fine node grid (fields indexed [j, i], the coarse grid being
    every second fine node)."""
    if fine[::2, ::2].shape != coarse.shape:
        raise ValueError(f"coarse grid {coarse.shape} is not every 2nd node of {fine.shape}")
    diff = (fine[::2, ::2] - coarse) / 3.0
    spline = RectBivariateSpline(y[::2], x[::2], diff, kx=3, ky=3, s=0)
    corr = spline(y, x)
    corr[::2, ::2] = diff
    return corr
