"""Diagnostics of PINN training (definitions in book/background.md), as functions and as monitors.

* :mod:`~pinnlib.diagnostics.gradients`: per-batch gradients (``vmap(grad)``) and a loop reference;
* :mod:`~pinnlib.diagnostics.snr`: batch gradient SNR and gradient order parameter phi;
* :mod:`~pinnlib.diagnostics.adam`: Adam SNR from the optimizer's moments;
* :mod:`~pinnlib.diagnostics.homogeneity`: residual homogeneity phi_r;
* :mod:`~pinnlib.diagnostics.compression`: binned and KDE entropies, saturation per layer;
* :mod:`~pinnlib.diagnostics.phases`: automatic phase boundaries from the SNR history;
* :mod:`~pinnlib.diagnostics.monitors`: the monitors a RunSpec names (``make_monitors``),
  typed against :class:`~pinnlib.diagnostics.monitors.TrainerView`, what they read of a run;

Their cost relative to a training step is measured by :mod:`pinnlib.bench.diagnostics`.
"""

from pinnlib.diagnostics.adam import adam_snr
from pinnlib.diagnostics.compression import (
    adaptive_bins,
    kde_entropy,
    layer_compression,
    pattern_entropy,
    saturation_share,
    tanh_saturation,
)
from pinnlib.diagnostics.gradients import (
    batch_gradients,
    batch_gradients_loop,
    batch_split,
    weight_parameters,
)
from pinnlib.diagnostics.homogeneity import bin_means, homogeneity
from pinnlib.diagnostics.monitors import (
    MONITOR_NAMES,
    BatchGradientCache,
    Monitor,
    TrainerView,
    make_monitors,
)
from pinnlib.diagnostics.phases import (
    PhaseResult,
    detect_history_phases,
    detect_phases,
    moving_average,
)
from pinnlib.diagnostics.snr import (
    GradientStatistics,
    batch_snr,
    gradient_statistics,
    order_parameter,
)

__all__ = [
    "MONITOR_NAMES",
    "BatchGradientCache",
    "GradientStatistics",
    "Monitor",
    "PhaseResult",
    "TrainerView",
    "adam_snr",
    "adaptive_bins",
    "batch_gradients",
    "batch_gradients_loop",
    "batch_snr",
    "batch_split",
    "bin_means",
    "detect_history_phases",
    "detect_phases",
    "gradient_statistics",
    "homogeneity",
    "kde_entropy",
    "layer_compression",
    "make_monitors",
    "moving_average",
    "order_parameter",
    "pattern_entropy",
    "saturation_share",
    "tanh_saturation",
    "weight_parameters",
]
