"""Batch gradient signal-to-noise ratio and gradient order parameter.

Definitions (book/background.md, "Adam and the gradient signal-to-noise ratio"):
with g_b the gradient of batch b (see :mod:`pinnlib.diagnostics.gradients`),
elementwise over the weights,

    mu = mean_b g_b,   sigma = sqrt(mean_b (g_b - mu)^2)   (population std),
    rms = sqrt(mean_b g_b^2),

    SNR = ||mu||_2 / ||sigma||_2,      phi = ||mu||_2 / ||rms||_2,

for the whole network (all weight matrices flattened together) and per layer
(each weight matrix alone, Frobenius norms). Since mean_b g_b^2 = mu^2 + sigma^2
elementwise, ||rms||^2 = ||mu||^2 + ||sigma||^2 and

    phi = SNR / sqrt(1 + SNR^2)   in [0, 1],

which is how phi is computed (exactly 1 when all batches agree).

Scale: the spread of a mean over n_b points shrinks like 1/sqrt(n_b), so at fixed
weights SNR grows like sqrt(n_b) (measured: exponent 0.46-0.55 on trained networks).
The paper's phase levels (fitting above about 2, diffusion 1e-3 to 0.5, total
diffusion 2 to 10) are at n_b = 256 (N = 25,600 points in B = 100 batches);
:func:`paper_units` rescales an SNR measured at n_b points per batch to them. The
statistics are taken in float64. Conventions: sigma = 0 with mu != 0 gives
SNR = inf (phi = 1); all gradients zero gives SNR = phi = nan. No warnings
are raised in either case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass(frozen=True)
class GradientStatistics:
    """SNR and order parameter, whole network and per weight matrix (in ``names`` order)."""

    snr: float
    order: float
    snr_layers: np.ndarray
    order_layers: np.ndarray
    names: tuple[str, ...]


def _ratios(mu2: float, sigma2: float) -> tuple[float, float]:
    """(SNR, phi) from ||mu||^2 and ||sigma||^2, with the documented conventions."""
    if mu2 == 0.0 and sigma2 == 0.0:
        return math.nan, math.nan
    snr = math.inf if sigma2 == 0.0 else math.sqrt(mu2 / sigma2)
    return snr, math.sqrt(mu2 / (mu2 + sigma2))


def _moments(g: Tensor) -> tuple[float, float]:
    """||mu||^2 and ||sigma||^2 of batch gradients g of shape (B, ...)."""
    g = g.reshape(g.shape[0], -1).double()
    mu = g.mean(dim=0)
    return mu.square().sum().item(), (g - mu).square().mean(dim=0).sum().item()


def gradient_statistics(grads: Mapping[str, Tensor] | Tensor) -> GradientStatistics:
    """SNR and phi of batch gradients: a dict name -> (B, ...) or one array (B, P)."""
    if isinstance(grads, Tensor | np.ndarray):
        grads = {"all": torch.as_tensor(grads)}
    moments = [_moments(g) for g in grads.values()]
    layers = [_ratios(m, s) for m, s in moments]
    snr, order = _ratios(sum(m for m, _ in moments), sum(s for _, s in moments))
    return GradientStatistics(
        snr=snr,
        order=order,
        snr_layers=np.array([s for s, _ in layers]),
        order_layers=np.array([o for _, o in layers]),
        names=tuple(grads),
    )


#: Points per batch of the paper's SNR (N = 25,600 collocation points in B = 100 batches).
PAPER_POINTS_PER_BATCH = 256


def paper_units(snr: float | np.ndarray, points_per_batch: float | np.ndarray) -> np.ndarray:
    """SNR measured with ``points_per_batch`` points per batch, in the paper's units:
    SNR * sqrt(256 / n_b), by the sqrt(n_b) law (exact for independent points)."""
    n_b = np.asarray(points_per_batch, dtype=float)
    if np.any(~(n_b > 0)):
        raise ValueError(f"points per batch must be positive, got {points_per_batch}")
    return np.asarray(snr, dtype=float) * np.sqrt(PAPER_POINTS_PER_BATCH / n_b)


def batch_snr(grads: Mapping[str, Tensor] | Tensor) -> float:
    """Whole-network SNR = ||mu|| / ||sigma|| of batch gradients."""
    return gradient_statistics(grads).snr


def order_parameter(grads: Mapping[str, Tensor] | Tensor) -> float:
    """Gradient order parameter phi = ||mu|| / ||rms|| of batch gradients."""
    return gradient_statistics(grads).order
