"""Residual homogeneity phi_r: how evenly a pointwise quantity spreads over the domain.

Definition (book/background.md, "Homogeneity and compression"): bin the points on a 10 x 10 grid
over the domain, average the RBA weight (or |r|) in each bin, and take

    phi_r = mean_b(w_b) / sqrt(mean_b(w_b^2)),

which is 1 when every bin has the same average and tends to 1/sqrt(n_bins)
when one bin holds everything. The grid spans the problem's own box
(``problem.bounds``; the authors' code hard-codes the Allen-Cahn box). For d
inputs the grid has ``bins`` cells along each of them (10 x 10 in 2-D). Points
on or beyond the upper bound fall in the last cell of that axis. Empty bins
are ignored (they hold no average); the means are over the non-empty bins.
If every bin average is 0 the ratio is undefined and the value is nan.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor


def bin_means(
    points: Tensor | np.ndarray,
    values: Tensor | np.ndarray,
    bounds: np.ndarray,
    bins: int = 10,
) -> np.ndarray:
    """Mean of ``values`` (N,) in each non-empty cell of a ``bins``^d grid over ``bounds``."""
    x = torch.as_tensor(points).double()
    v = torch.as_tensor(values).to(x.device).double().reshape(-1)
    b = torch.as_tensor(np.asarray(bounds), dtype=torch.float64, device=x.device)
    if x.ndim != 2 or b.shape != (x.shape[1], 2) or len(v) != len(x):
        raise ValueError(
            f"points (N, d), values (N,), bounds (d, 2) expected; got {tuple(x.shape)}, "
            f"{tuple(v.shape)}, {tuple(b.shape)}"
        )
    cell = ((x - b[:, 0]) / (b[:, 1] - b[:, 0]) * bins).floor().long().clamp(0, bins - 1)
    flat = (cell * bins ** torch.arange(x.shape[1], device=x.device)).sum(dim=1)
    n_cells = bins ** x.shape[1]
    sums = torch.zeros(n_cells, dtype=torch.float64, device=x.device).index_add_(0, flat, v)
    counts = torch.bincount(flat, minlength=n_cells)
    full = counts > 0
    return (sums[full] / counts[full]).cpu().numpy()


def homogeneity(
    points: Tensor | np.ndarray,
    values: Tensor | np.ndarray,
    bounds: np.ndarray,
    bins: int = 10,
) -> float:
    """phi_r = mean_b(w_b) / sqrt(mean_b(w_b^2)) over the non-empty bins (nan if all are 0)."""
    w = bin_means(points, values, bounds, bins)
    rms = math.sqrt(float(np.mean(w**2)))
    return float(np.mean(w)) / rms if rms > 0 else math.nan
