"""Monitors: diagnostics evaluated by the Trainer at every logged step.

A monitor is a callable ``monitor(trainer) -> dict[str, float | np.ndarray]``
that reads only what :class:`TrainerView` names (a :class:`~pinnlib.train.Trainer`
is one); the Trainer stores value ``v`` of key ``k`` of monitor ``name`` in its
history under ``"<name>_<k>"`` (``"<name>"`` for the key ``""``). The monitors and
the history keys they write:

=============== ============================================================
``snr``         ``snr`` (whole network), ``snr_layers`` (one per weight matrix),
                ``snr_residual`` (whole network, residual term only: without the
                condition loss's gradient, which every batch shares), and
                ``snr_points_per_batch`` (n_b, the mean points per batch)
``order``       ``order`` (phi), ``order_layers``
``adam_snr``    ``adam_snr`` (nan at step 0, before Adam has moments, and
                during an L-BFGS stage, which has none)
``homogeneity`` ``homogeneity_residual`` (phi_r of |r|), and
                ``homogeneity_rba`` (phi_r of the RBA weights; RBA runs only)
``compression`` ``compression_entropy``, ``compression_entropy_kde``,
                ``compression_saturation``, ``compression_saturation_tanh``
                (one value per hidden layer)
=============== ============================================================

The monitors are called at each logged step, after that step's RBA update and
before its optimizer step, so they see the parameters and weights of that
step's loss. They read the trainer and change nothing that training uses: no
parameter, ``.grad``, optimizer or weighting state, and no global RNG (their
random choices come from private seeded generators). ``snr`` and ``order``
share one evaluation of the batch gradients per step; it always uses the
Taylor-mode derivative path, uncompiled (the same loss as the ``autograd``
path, to round-off). The initial and boundary loss comes from
``trainer.condition_losses()``, so it follows the Trainer's definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

from pinnlib.diagnostics.adam import adam_snr
from pinnlib.diagnostics.compression import layer_compression
from pinnlib.diagnostics.gradients import batch_gradient_parts, combined
from pinnlib.diagnostics.homogeneity import homogeneity
from pinnlib.diagnostics.snr import GradientStatistics, gradient_statistics
from pinnlib.nn import Network
from pinnlib.problems.base import Problem
from pinnlib.weighting import Weighting


@runtime_checkable
class TrainerView(Protocol):
    """What a monitor reads of a training run (:class:`pinnlib.train.Trainer` is one).

    ``model`` is the network, ``problem`` the benchmark, ``points`` the collocation
    points (N, n_in), ``weighting`` the pointwise weights (``weighting.weights`` is
    lambda, None for vanilla), ``step`` the current step. ``optimizer_now`` is the
    optimiser that takes this step (Adam, or L-BFGS in that stage) and
    ``condition_losses()`` the initial and boundary loss terms by name, on ``model``.
    """

    model: Network
    problem: Problem
    points: Tensor
    weighting: Weighting
    step: int

    @property
    def optimizer_now(self) -> torch.optim.Optimizer: ...

    def condition_losses(self) -> dict[str, Tensor]: ...


#: A monitor: reads a trainer, returns the values it logs by key.
Monitor = Callable[[TrainerView], dict[str, Any]]

N_BATCHES = 100
SPLIT_SEED = 0


@dataclass(frozen=True)
class BatchStatistics:
    """The statistics of one evaluation of the batch gradients."""

    total: GradientStatistics
    residual: GradientStatistics
    points_per_batch: float


class BatchGradientCache:
    """Batch-gradient statistics of a trainer's current state, computed once per state.

    The state is identified by the trainer, its step and the version counters of
    its parameters (the optimizer updates them in place). ``batch_points``: equal
    batches of that many points; None: the paper's ``n_batches`` = 100 chunks
    (:func:`pinnlib.diagnostics.gradients.batch_split`).
    """

    def __init__(
        self, n_batches: int = N_BATCHES, seed: int = SPLIT_SEED, batch_points: int | None = None
    ) -> None:
        self.n_batches, self.seed, self.batch_points = n_batches, seed, batch_points
        self._key: tuple | None = None
        self._value: BatchStatistics | None = None

    def __call__(self, trainer: TrainerView) -> BatchStatistics:
        params = tuple(trainer.model.parameters())
        key = (id(trainer), trainer.step, tuple(p._version for p in params))
        if key != self._key:
            n_points = len(trainer.points)
            residual, shared = batch_gradient_parts(
                trainer.model,
                trainer.problem,
                trainer.points,
                weights=trainer.weighting.weights,
                condition_loss=lambda: sum(trainer.condition_losses().values()),
                n_batches=min(self.n_batches, n_points),
                seed=self.seed,
                batch_points=self.batch_points,
            )
            total = combined(residual, shared)
            batches = next(iter(residual.values())).shape[0]
            per_batch = self.batch_points or n_points / batches
            self._key = key
            self._value = BatchStatistics(
                gradient_statistics(total), gradient_statistics(residual), float(per_batch)
            )
        return self._value


def snr_monitor(cache: BatchGradientCache) -> Monitor:
    """Batch gradient SNR: whole network, per weight matrix, residual term only, and n_b."""

    def monitor(trainer: TrainerView) -> dict[str, Any]:
        s = cache(trainer)
        return {
            "": s.total.snr,
            "layers": s.total.snr_layers,
            "residual": s.residual.snr,
            "points_per_batch": s.points_per_batch,
        }

    return monitor


def order_monitor(cache: BatchGradientCache) -> Monitor:
    """Gradient order parameter phi, whole network and per weight matrix."""

    def monitor(trainer: TrainerView) -> dict[str, Any]:
        s = cache(trainer).total
        return {"": s.order, "layers": s.order_layers}

    return monitor


def adam_snr_monitor(trainer: TrainerView) -> dict[str, Any]:
    """Adam SNR from the optimizer's moments (nan before its first step and in an L-BFGS stage)."""
    return {"": adam_snr(trainer.optimizer_now)}


def homogeneity_monitor(trainer: TrainerView) -> dict[str, Any]:
    """phi_r of |r| (summed over equations) and, for RBA, of the weights."""
    bounds = trainer.problem.bounds
    with torch.no_grad():
        r = trainer.problem.residual_at(trainer.model, trainer.points).abs().sum(dim=1)
    out = {"residual": homogeneity(trainer.points, r, bounds)}
    if trainer.weighting.weights is not None:
        out["rba"] = homogeneity(trainer.points, trainer.weighting.weights, bounds)
    return out


def compression_monitor(trainer: TrainerView) -> dict[str, Any]:
    """Per hidden layer: binned and KDE entropies, binned and threshold saturation."""
    with torch.no_grad():
        activations = trainer.model.hidden(trainer.points)
    return layer_compression(activations)


def _builders() -> dict[str, Callable[[BatchGradientCache], Monitor]]:
    return {
        "snr": snr_monitor,
        "order": order_monitor,
        "adam_snr": lambda cache: adam_snr_monitor,
        "homogeneity": lambda cache: homogeneity_monitor,
        "compression": lambda cache: compression_monitor,
    }


MONITOR_NAMES: tuple[str, ...] = tuple(_builders())


def make_monitors(names: Iterable[str], batch_points: int | None = None) -> dict[str, Monitor]:
    """Monitors by name (``"all"`` for every one); an unknown name is a ValueError.

    ``batch_points``: the SNR's batches (:class:`BatchGradientCache`)."""
    names = list(names)
    valid = (*MONITOR_NAMES, "all")
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(f"unknown monitor(s) {unknown}; valid names: {list(valid)}")
    wanted = MONITOR_NAMES if "all" in names else [n for n in MONITOR_NAMES if n in names]
    cache = BatchGradientCache(batch_points=batch_points)
    builders = _builders()
    return {name: builders[name](cache) for name in wanted}
