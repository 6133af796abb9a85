"""Pointwise weights of the residual loss: vanilla (all ones) and residual-based attention.

Residual-based attention (RBA; Anagnostopoulos et al., CMAME 421:116805, 2024;
rule as stated in book/background.md):

    lambda_i <- gamma * lambda_i + eta * |r_i| / max_j |r_j|,

or, with ``normalisation="minmax"`` (the authors' Helmholtz script),
eta * (|r_i| - min_j |r_j|) / (max_j |r_j| - min_j |r_j|); computed from the current
(detached) residuals at every step on the fixed
collocation set, *before* the loss of that same step, which is then

    L_r = mean_i (lambda_i * r_i)^2

(:func:`weighted_residual_loss`, its one definition; the weight enters squared;
initial and boundary terms keep weight 1). For a system of equations |r_i| is the
sum of the absolute residuals of the equations.
With lambda_0 = 0 the weights stay below eta / (1 - gamma).
"""

from __future__ import annotations

import torch
from torch import Tensor


def weighted_residual_loss(
    residual: Tensor, weights: Tensor | None = None, mask: Tensor | None = None
) -> Tensor:
    """The weighted residual loss L_r = mean_i sum_e (lambda_i r_ie)^2.

    ``residual``: r, (N, n_eq), the residual of every equation e at every point i;
    ``weights``: lambda, (N,) (None: lambda = 1, the vanilla loss); ``mask``: (N,),
    1 for the points that count and 0 for padding, so the mean is over the masked
    points only, sum_i m_i sum_e (lambda_i r_ie)^2 / sum_i m_i. The one definition
    of the loss, used by the Trainer and by the batch gradients of
    :mod:`pinnlib.diagnostics.gradients`.
    """
    weighted = residual if weights is None else weights[:, None] * residual
    per_point = weighted.square().sum(dim=1)
    if mask is None:
        return per_point.mean()
    return (per_point * mask).sum() / mask.sum()


class Weighting:
    """Interface: ``update`` sees the residuals (N, n_eq) and returns the weights (N,)."""

    name = "base"

    def update(self, residual: Tensor) -> Tensor:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Tensor | None]:
        return {}

    def load_state_dict(self, state: dict[str, Tensor | None]) -> None:
        pass

    @property
    def weights(self) -> Tensor | None:
        return None


class Vanilla(Weighting):
    """Every residual point has weight 1: L_r = mean_i r_i^2."""

    name = "vanilla"

    def update(self, residual: Tensor) -> Tensor:
        return torch.ones(residual.shape[0], dtype=residual.dtype, device=residual.device)


class RBA(Weighting):
    """Residual-based attention weights (see module docstring).

    ``init="zero"``: lambda = 0 before the first update (Allen-Cahn, cavity, Burgers);
    ``init="residual"``: lambda = |r| / max |r| at the first step (the authors' Helmholtz run).
    """

    name = "rba"

    def __init__(
        self,
        eta: float = 1e-3,
        gamma: float = 0.999,
        init: str = "zero",
        normalisation: str | None = None,
    ) -> None:
        if not 0 < eta:
            raise ValueError(f"RBA eta must be positive, got {eta}")
        if not 0 <= gamma < 1:
            raise ValueError(f"RBA gamma must lie in [0, 1), got {gamma}")
        if init not in ("zero", "residual"):
            raise ValueError(f"RBA init must be 'zero' or 'residual', got {init!r}")
        if normalisation not in (None, "minmax"):
            raise ValueError(f"RBA normalisation must be None or 'minmax', got {normalisation!r}")
        self.eta, self.gamma, self.init, self.normalisation = eta, gamma, init, normalisation
        self._weights: Tensor | None = None

    @property
    def weights(self) -> Tensor | None:
        return self._weights

    def update(self, residual: Tensor) -> Tensor:
        r = residual.detach().abs()
        r = r.sum(dim=1) if r.ndim == 2 else r
        if self.normalisation == "minmax":
            scaled = (r - r.min()) / (r.max() - r.min())
        else:
            scaled = r / r.max()
        if self._weights is None:
            self._weights = scaled if self.init == "residual" else torch.zeros_like(scaled)
            if self.init == "residual":
                return self._weights
        self._weights = self.gamma * self._weights + self.eta * scaled
        return self._weights

    def state_dict(self) -> dict[str, Tensor | None]:
        return {"weights": self._weights}

    def load_state_dict(self, state: dict[str, Tensor | None]) -> None:
        self._weights = state["weights"]


def make_weighting(
    method: str,
    eta: float = 1e-3,
    gamma: float = 0.999,
    init: str = "zero",
    normalisation: str | None = None,
) -> Weighting:
    """``"vanilla"`` or ``"rba"``; an unknown method is a clear error."""
    if method == "vanilla":
        return Vanilla()
    if method == "rba":
        return RBA(eta=eta, gamma=gamma, init=init, normalisation=normalisation)
    raise ValueError(f"unknown weighting method {method!r}; choose 'vanilla' or 'rba'")
