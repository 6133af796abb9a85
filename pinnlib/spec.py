"""The resolved specification of one training run; its hash keys the result cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

#: Bump when a change to problems, models or training changes the numbers a
#: spec produces, so cached records made by older code are not reused.
TRAINING_VERSION = 2

DTYPES = ("float32", "float64")
METHODS = ("vanilla", "rba")
ARCHITECTURES = ("mlp", "modified_mlp")
EMBEDDINGS = ("none", "periodic", "fourier")
DERIVATIVES = ("taylor", "autograd")


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a run's numbers (the device is recorded, not keyed).

    Defaults are the paper's configuration (PAPER.md): 6 x 128 tanh MLP,
    Adam lr 1e-3 decayed by 0.9 every 5,000 steps, RBA eta = 1e-3, gamma = 0.999,
    logging every 10 steps before step 300 and every 100 after.

    Model: ``architecture`` "mlp" or "modified_mlp" (Wang, Teng & Perdikaris 2021);
    ``embedding`` "none", "periodic" (the problem's periodic inputs, embedded exactly)
    or "fourier" (``fourier_features`` random features of scale ``fourier_scale``).
    A problem that needs a periodic embedding gets one whatever ``embedding`` says.

    Optimiser: ``steps`` Adam steps, then ``lbfgs_steps`` L-BFGS iterations
    (strong-Wolfe line search, step size ``lbfgs_lr``, ``lbfgs_history`` pairs),
    counted on after the Adam steps.

    Computation: ``derivatives`` "taylor" (the fast path) or "autograd" (nested
    ``torch.autograd.grad``); ``compile`` wraps the loss in ``torch.compile``
    (Taylor path only).
    """

    problem: str
    problem_args: dict[str, Any] = field(default_factory=dict)
    width: int = 128
    depth: int = 6
    bias_init: str = "zero"
    architecture: str = "mlp"
    embedding: str = "none"
    fourier_features: int = 128
    fourier_scale: float = 1.0
    method: str = "vanilla"
    rba_eta: float = 1e-3
    rba_gamma: float = 0.999
    rba_init: str = "zero"
    steps: int = 300_000
    lr: float = 1e-3
    lr_decay: float = 0.9
    decay_every: int = 5000
    lbfgs_steps: int = 0
    lbfgs_lr: float = 1.0
    lbfgs_history: int = 50
    seed: int = 2341
    dtype: str = "float32"
    log_every: int = 100
    log_dense_every: int = 10
    log_dense_until: int = 300
    monitors: tuple[str, ...] = ()
    derivatives: str = "taylor"
    compile: bool = False

    def __post_init__(self) -> None:
        checks = [
            (self.steps >= 0, f"steps must be non-negative, got {self.steps}"),
            (self.width >= 1 and self.depth >= 1, "width and depth must be positive"),
            (self.lr > 0, f"lr must be positive, got {self.lr}"),
            (0 < self.lr_decay <= 1, f"lr_decay must lie in (0, 1], got {self.lr_decay}"),
            (self.decay_every >= 1, "decay_every must be positive"),
            (self.method in METHODS, f"unknown method {self.method!r}; choose from {METHODS}"),
            (self.dtype in DTYPES, f"unknown dtype {self.dtype!r}; choose from {DTYPES}"),
            (self.log_every >= 1 and self.log_dense_every >= 1, "log intervals must be positive"),
            (
                self.architecture in ARCHITECTURES,
                f"unknown architecture {self.architecture!r}; choose from {ARCHITECTURES}",
            ),
            (
                self.embedding in EMBEDDINGS,
                f"unknown embedding {self.embedding!r}; choose from {EMBEDDINGS}",
            ),
            (
                self.fourier_features >= 1 and self.fourier_scale > 0,
                "fourier_features and fourier_scale must be positive",
            ),
            (self.lbfgs_steps >= 0, f"lbfgs_steps must be non-negative, got {self.lbfgs_steps}"),
            (self.lbfgs_lr > 0 and self.lbfgs_history >= 1, "bad L-BFGS step size or history"),
            (
                self.derivatives in DERIVATIVES,
                f"unknown derivatives {self.derivatives!r}; choose from {DERIVATIVES}",
            ),
            (
                not (self.compile and self.derivatives == "autograd"),
                "compile needs derivatives='taylor' (torch.compile cannot trace double backward)",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        object.__setattr__(self, "monitors", tuple(self.monitors))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["monitors"] = list(self.monitors)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown run parameter(s) {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)

    def replace(self, **changes: Any) -> RunSpec:
        return RunSpec.from_dict({**self.to_dict(), **changes})

    @property
    def key(self) -> str:
        """Hash of the resolved spec and the training-code version (16 hex digits)."""
        payload = json.dumps(
            {"spec": self.to_dict(), "training_version": TRAINING_VERSION}, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    @property
    def total_steps(self) -> int:
        """Adam steps plus L-BFGS iterations."""
        return self.steps + self.lbfgs_steps

    def is_logged(self, step: int) -> bool:
        """The paper's log schedule: every 10 steps before 300, every 100 after."""
        if step < self.log_dense_until:
            return step % self.log_dense_every == 0
        return step % self.log_every == 0
