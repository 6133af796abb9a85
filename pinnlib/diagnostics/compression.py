"""Information compression of the hidden layers: binned entropy, saturation, KDE entropy.

Definition (book/background.md, "Homogeneity and compression"): for each hidden layer take the
post-tanh activations a (N, F) on all residual points and

* bin each neuron's range adaptively: neuron j with range
  R_j = max_i a_ij - min_i a_ij gets n_j = max(1, round(30 R_j / mean_k R_k))
  equal bins over [min_j, max_j] (so about 30 bins per neuron on average,
  proportional to its range; a constant neuron has one bin);
* entropy H = -sum_p p log2 p over the distinct binned activation patterns
  (rows of bin indices) of the layer, p their frequencies: 0 when every sample
  has the same pattern, at most log2 N;
* saturation share: the fraction of samples in a neuron's lowest or highest
  bin, averaged over the neurons. With this rule a neuron of one or two bins
  (range below about 1/20 of the average, e.g. a neuron stuck near 0) counts as
  fully saturated, so we also report the threshold version
  mean_{i,j} [|a_ij| > 0.99] (the share of tanh units within 1% of +-1).

A second entropy estimator, less sensitive to the binning: the pairwise-distance
(Kolchinsky-Tracey) KDE bound on the entropy of a with added Gaussian noise of
variance s^2 per neuron, in excess of the noise entropy,

    H_KDE = -(1/n) sum_i log2( (1/n) sum_j exp(-||a_i - a_j||^2 / (2 F s^2)) ),

on a fixed random subsample of n points. The squared distance is divided by F
so that s is a per-neuron resolution (like a bin width), comparable across
widths. H_KDE lies in [0, log2 n]: 0 when all activations coincide, log2 n when
all samples are far apart on the scale s. Kolchinsky & Tracey, "Estimating
mixture entropy with pairwise distances", Entropy 19:361 (2017); used for
information-plane analyses by Saxe et al., ICLR (2018).

The subsample is drawn from a private generator (the global RNG is untouched).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

MEAN_BINS = 30
SATURATION_THRESHOLD = 0.99


def adaptive_bins(a: Tensor, mean_bins: float = MEAN_BINS) -> tuple[Tensor, Tensor]:
    """Bin indices (N, F) and bin counts (F,) of activations ``a`` (N, F) by the rule above."""
    a = a.detach()
    lo, hi = a.min(dim=0).values, a.max(dim=0).values
    span = hi - lo
    mean_span = span.mean()
    if mean_span <= 0:
        return torch.zeros_like(a, dtype=torch.long), torch.ones_like(span, dtype=torch.long)
    n_bins = (mean_bins * span / mean_span).round().clamp(min=1).long()
    scale = torch.where(span > 0, n_bins / span.clamp(min=torch.finfo(a.dtype).tiny), 0.0)
    codes = ((a - lo) * scale).floor().long()
    return torch.minimum(codes.clamp(min=0), n_bins - 1), n_bins


def pattern_entropy(codes: Tensor) -> float:
    """Entropy in bits of the distinct rows of ``codes`` (N, F): -sum p log2 p."""
    c = codes.detach().cpu().numpy()
    dtype = np.uint8 if c.max(initial=0) < 2**8 else np.uint16 if c.max() < 2**16 else np.int64
    rows = np.ascontiguousarray(c.astype(dtype))
    rows = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, counts = np.unique(rows, return_counts=True)
    p = counts / counts.sum()
    return float(max(-(p * np.log2(p)).sum(), 0.0))


def saturation_share(codes: Tensor, n_bins: Tensor) -> float:
    """Share of samples in a neuron's lowest or highest bin, averaged over neurons."""
    edge = (codes == 0) | (codes == n_bins - 1)
    return edge.double().mean().item()


def tanh_saturation(a: Tensor, threshold: float = SATURATION_THRESHOLD) -> float:
    """Share of activations with |a| > ``threshold`` (averaged over samples and neurons)."""
    return (a.detach().abs() > threshold).double().mean().item()


def kde_entropy(a: Tensor, noise_std: float = 0.1, n_samples: int = 1000, seed: int = 0) -> float:
    """Pairwise-distance KDE entropy bound H_KDE in bits (see module docstring)."""
    a = a.detach()
    n = min(n_samples, len(a))
    if n < len(a):
        idx = torch.randperm(len(a), generator=torch.Generator().manual_seed(seed))[:n]
        a = a[idx.to(a.device)]
    a = a.double()
    d2 = torch.cdist(a, a).square() / a.shape[1]
    lse = torch.logsumexp(-d2 / (2 * noise_std**2), dim=1)
    h = math.log(n) - lse.mean().item()
    return max(h, 0.0) / math.log(2)


def layer_compression(
    activations: Sequence[Tensor],
    mean_bins: float = MEAN_BINS,
    noise_std: float = 0.1,
    n_samples: int = 1000,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Per-layer ``entropy``, ``saturation``, ``saturation_tanh`` and ``entropy_kde`` arrays."""
    out: dict[str, list[float]] = {
        "entropy": [],
        "saturation": [],
        "saturation_tanh": [],
        "entropy_kde": [],
    }
    for a in activations:
        codes, n_bins = adaptive_bins(a, mean_bins)
        out["entropy"].append(pattern_entropy(codes))
        out["saturation"].append(saturation_share(codes, n_bins))
        out["saturation_tanh"].append(tanh_saturation(a))
        out["entropy_kde"].append(kde_entropy(a, noise_std, n_samples, seed))
    return {k: np.array(v) for k, v in out.items()}
