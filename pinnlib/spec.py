"""The resolved specification of one training run; its hash keys the result cache.

A spec names its benchmark and monitors, so it is checked against their registries,
:data:`pinnlib.problems.PROBLEMS` and :data:`pinnlib.diagnostics.monitors.MONITOR_NAMES`,
which sit below it (neither imports this module).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
from dataclasses import asdict, dataclass, field, fields
from numbers import Integral, Real
from typing import Any

from pinnlib.diagnostics.monitors import MONITOR_NAMES
from pinnlib.problems import PROBLEMS, problem_name

#: Bump when a change to problems, models or training changes the numbers a
#: spec produces, so cached records made by older code are not reused.
TRAINING_VERSION = 2

DTYPES = ("float32", "float64")
METHODS = ("vanilla", "rba")
ARCHITECTURES = ("mlp", "modified_mlp")
EMBEDDINGS = ("none", "periodic", "fourier")
DERIVATIVES = ("taylor", "autograd")
BIAS_INITS = ("zero", "torch")
RBA_INITS = ("zero", "residual")
#: The order in which the MLP's parameters are drawn from the seed: None builds every layer
#: (PyTorch's default draws), then draws the Xavier weights of all; "layer" builds and
#: Xavier-initialises one layer after the other, as the authors' scripts do. Same
#: distribution, other numbers: only "layer" gives their network for their seed.
INIT_ORDERS = (None, "layer")
#: How RBA scales |r| before adding it to lambda: None is |r| / max|r| (the RBA paper);
#: "minmax" is (|r| - min|r|) / (max|r| - min|r|) (the authors' Helmholtz script).
RBA_NORMALISATIONS = (None, "minmax")
#: Fields keyed only when set (not None): they came after records keyed without them.
KEYED_WHEN_SET = ("snr_batch_points", "rba_normalisation", "init_order")
#: The largest Adam or L-BFGS step size a spec takes: a step of 1e3 per parameter
#: already throws a tanh network into saturation; a larger one is a typo.
MAX_LR = 1e3


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines a run's numbers (the device is recorded, not keyed).

    Defaults are the paper's configuration (Anagnostopoulos et al. 2024): 6 x 128 tanh MLP,
    Adam lr 1e-3 decayed by 0.9 every 5,000 steps, RBA eta = 1e-3, gamma = 0.999,
    logging every 10 steps before step 300 and every 100 after.

    Model: ``architecture`` "mlp" or "modified_mlp" (Wang, Teng & Perdikaris 2021);
    ``embedding`` "none", "periodic" (the problem's periodic inputs, embedded exactly)
    or "fourier" (``fourier_features`` random features of scale ``fourier_scale``).
    A problem that needs a periodic embedding gets one whatever ``embedding`` says.
    ``bias_init`` and ``init_order`` (:data:`INIT_ORDERS`) set how the network is drawn.

    Optimiser: ``steps`` Adam steps, then ``lbfgs_steps`` L-BFGS iterations
    (strong-Wolfe line search, step size ``lbfgs_lr``, ``lbfgs_history`` pairs),
    counted on after the Adam steps.

    RBA: ``rba_eta``, ``rba_gamma``, ``rba_init`` (lambda before the first update: "zero",
    or "residual" for the scaled residual itself) and ``rba_normalisation`` (None:
    |r| / max|r|; "minmax": (|r| - min|r|) / (max|r| - min|r|), as the authors' Helmholtz
    script does); see :mod:`pinnlib.weighting`.

    Diagnostics: ``monitors`` names what is logged (:mod:`pinnlib.diagnostics.monitors`);
    ``snr_batch_points`` sets the batches of the gradient SNR: None is the paper's
    literal B = 100 batches (chunks whose sizes differ by one when 100 does not divide
    N); an int n is B = N // n equal batches of n points (256 is the paper's n_b, so
    the SNR is in the paper's units). See :mod:`pinnlib.diagnostics.gradients`.

    Computation: ``derivatives`` "taylor" (the fast path) or "autograd" (nested
    ``torch.autograd.grad``); ``compile`` wraps the loss in ``torch.compile``
    (Taylor path only).

    Values are checked and brought to one canonical form on construction, so that
    equal runs get equal keys and a bad value fails here, naming the field, before
    any work: an integer field takes an int or an integral float (``5.0`` becomes
    ``5``; ``20.5``, strings and bools are errors); a float field takes any finite
    real and stores it as a float (``lr_decay=1`` is ``1.0``); ``problem`` is lower
    case with ``_`` (``"Allen-Cahn"`` is ``"allen_cahn"``) and must be a benchmark;
    ``monitors`` is a tuple of monitor names (a string is split at commas, ``"all"``
    is ``("all",)``), stored as ``("all",)`` when it holds ``"all"`` and otherwise
    in the order of :data:`pinnlib.diagnostics.MONITOR_NAMES`, without repeats;
    ``compile`` takes a bool or the strings ``"true"``/``"false"``.

    ``problem_args`` must name parameters of the benchmark's constructor (not
    ``seed``, which is the spec's) with values of their types; integer ones are
    canonical as above, but a float one keeps the type it is given (``re=100`` and
    ``re=100.0`` are different keys), because committed records were keyed with
    both spellings.

    The key leaves out how the run is executed: the device and the torch thread
    count. The thread count changes float32 results in about the 6th digit (the
    order of reductions), but a record is a valid result of its spec at any count;
    the count it was made with is in the record's provenance.
    """

    problem: str
    problem_args: dict[str, Any] = field(default_factory=dict)
    width: int = 128
    depth: int = 6
    bias_init: str = "zero"
    init_order: str | None = None
    architecture: str = "mlp"
    embedding: str = "none"
    fourier_features: int = 128
    fourier_scale: float = 1.0
    method: str = "vanilla"
    rba_eta: float = 1e-3
    rba_gamma: float = 0.999
    rba_init: str = "zero"
    rba_normalisation: str | None = None
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
    snr_batch_points: int | None = None
    derivatives: str = "taylor"
    compile: bool = False

    def __post_init__(self) -> None:
        """Bring every field to its canonical form, then check the values."""
        for f in fields(self):
            value = _CANONICAL[f.name](f.name, getattr(self, f.name))
            object.__setattr__(self, f.name, value)
        args = canonical_problem_args(self.problem, self.problem_args)
        object.__setattr__(self, "problem_args", args)
        for ok, message in self._checks():
            if not ok:
                raise ValueError(message)

    def _checks(self) -> list[tuple[bool, str]]:
        """(condition, message if it fails) for every rule on the values."""
        return [
            (self.steps >= 0, f"steps must be non-negative, got {self.steps}"),
            (
                self.width >= 1 and self.depth >= 1,
                f"width and depth must be positive, got {self.width} and {self.depth}",
            ),
            (0 < self.lr <= MAX_LR, f"lr must lie in (0, {MAX_LR:g}], got {self.lr}"),
            (0 < self.lr_decay <= 1, f"lr_decay must lie in (0, 1], got {self.lr_decay}"),
            (self.decay_every >= 1, f"decay_every must be positive, got {self.decay_every}"),
            (self.method in METHODS, f"unknown method {self.method!r}; choose from {METHODS}"),
            (self.dtype in DTYPES, f"unknown dtype {self.dtype!r}; choose from {DTYPES}"),
            (self.log_every >= 1 and self.log_dense_every >= 1, "log intervals must be positive"),
            (self.log_dense_until >= 0, "log_dense_until must be non-negative"),
            (
                self.snr_batch_points is None or self.snr_batch_points >= 1,
                f"snr_batch_points must be positive or None, got {self.snr_batch_points}",
            ),
            (
                0 <= self.seed < 2**32,
                f"seed must lie in [0, 2**32), got {self.seed}",
            ),
            (
                self.bias_init in BIAS_INITS,
                f"unknown bias_init {self.bias_init!r}; choose from {BIAS_INITS}",
            ),
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
            (self.rba_eta > 0, f"rba_eta must be positive, got {self.rba_eta}"),
            (0 <= self.rba_gamma < 1, f"rba_gamma must lie in [0, 1), got {self.rba_gamma}"),
            (
                self.rba_init in RBA_INITS,
                f"unknown rba_init {self.rba_init!r}; choose from {RBA_INITS}",
            ),
            (
                self.init_order in INIT_ORDERS,
                f"unknown init_order {self.init_order!r}; choose from {INIT_ORDERS}",
            ),
            (
                self.init_order is None or self.architecture == "mlp",
                f"init_order {self.init_order!r} is for the mlp architecture only",
            ),
            (
                self.rba_normalisation in RBA_NORMALISATIONS,
                f"unknown rba_normalisation {self.rba_normalisation!r}; choose from "
                f"{RBA_NORMALISATIONS}",
            ),
            (self.lbfgs_steps >= 0, f"lbfgs_steps must be non-negative, got {self.lbfgs_steps}"),
            (
                0 < self.lbfgs_lr <= MAX_LR,
                f"lbfgs_lr must lie in (0, {MAX_LR:g}], got {self.lbfgs_lr}",
            ),
            (self.lbfgs_history >= 1, f"lbfgs_history must be positive, got {self.lbfgs_history}"),
            (
                self.derivatives in DERIVATIVES,
                f"unknown derivatives {self.derivatives!r}; choose from {DERIVATIVES}",
            ),
            (
                not (self.compile and self.derivatives == "autograd"),
                "compile needs derivatives='taylor' (torch.compile cannot trace double backward)",
            ),
        ]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["monitors"] = list(self.monitors)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunSpec:
        if not isinstance(d, dict):
            raise ValueError(f"a run spec is a dict of parameters, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown run parameter(s) {sorted(unknown)}; known: {sorted(known)}")
        if "problem" not in d:
            raise ValueError("a run spec needs a problem (the benchmark's name)")
        return cls(**d)

    def replace(self, **changes: Any) -> RunSpec:
        return RunSpec.from_dict({**self.to_dict(), **changes})

    def same_run(self, stored: Any) -> bool:
        """Whether a stored spec dict (a checkpoint's) is this spec: fields added since it
        was written (:data:`KEYED_WHEN_SET`) take their defaults."""
        try:
            return isinstance(stored, dict) and RunSpec.from_dict(stored) == self
        except (TypeError, ValueError):
            return False

    @property
    def key(self) -> str:
        """Hash of the resolved spec and the training-code version (16 hex digits).

        Fields added after the committed records were made (:data:`KEYED_WHEN_SET`)
        enter the hash only when they differ from their default, so older keys hold."""
        spec = {k: v for k, v in self.to_dict().items() if not (k in KEYED_WHEN_SET and v is None)}
        payload = json.dumps({"spec": spec, "training_version": TRAINING_VERSION}, sort_keys=True)
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


# -- canonical values -------------------------------------------------------------------
def canonical_int(name: str, value: Any) -> int:
    """An int, or an integral float as an int; bools, strings and 20.5 are errors."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise ValueError(f"{name} must be an integer, got {value!r}")


def canonical_optional_int(name: str, value: Any) -> int | None:
    """None, or an int as :func:`canonical_int` takes it."""
    return None if value is None else canonical_int(name, value)


def canonical_float(name: str, value: Any) -> float:
    """A finite real number (an int included), as a float."""
    if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValueError(f"{name} must be a finite number, got {value!r}")


def canonical_str(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"{name} must be a string, got {value!r}")


def canonical_optional_str(name: str, value: Any) -> str | None:
    """None, or a string."""
    return None if value is None else canonical_str(name, value)


def canonical_bool(name: str, value: Any) -> bool:
    """A bool, or the string "true" or "false" (any case) as the command line gives it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{name} must be true or false, got {value!r}")


def canonical_problem(name: str, value: Any) -> str:
    """A benchmark's registered name: lower case, ``-`` as ``_``."""
    return problem_name(canonical_str(name, value))


def canonical_monitors(name: str, value: Any) -> tuple[str, ...]:
    """Known monitor names, ``("all",)`` if one is "all", else in the registry's order."""
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of monitor names, got {value!r}")
    unknown = [v for v in value if v not in (*MONITOR_NAMES, "all")]
    if unknown:
        raise ValueError(f"unknown monitor(s) {unknown}; choose from {[*MONITOR_NAMES, 'all']}")
    if "all" in value:
        return ("all",)
    return tuple(m for m in MONITOR_NAMES if m in value)


def canonical_dict(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return dict(value)
    raise ValueError(f"{name} must be a dict of named values, got {value!r}")


def canonical_problem_args(problem: str, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` checked against the constructor of benchmark ``problem``.

    Names must be parameters of the constructor other than ``seed``; a value must
    have the parameter's annotated type. Integer ones become canonical ints; float
    ones keep the type given (see :class:`RunSpec`).
    """
    params = dict(inspect.signature(PROBLEMS[problem].__init__).parameters)
    params.pop("self", None)
    params.pop("seed", None)
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise ValueError(
            f"benchmark {problem!r} takes no argument(s) {unknown}; it takes {sorted(params)}"
        )
    out = {}
    for key, value in args.items():
        kind = params[key].annotation
        label = f"{problem} argument {key}"
        if kind == "int":
            out[key] = canonical_int(label, value)
        elif kind == "float":
            canonical_float(label, value)  # checked, but keyed as given
            out[key] = value
        elif kind == "str":
            out[key] = canonical_str(label, value)
        else:
            out[key] = value
    return out


_BY_TYPE = {"int": canonical_int, "float": canonical_float, "str": canonical_str}
_CANONICAL = {
    **{f.name: _BY_TYPE[f.type] for f in fields(RunSpec) if f.type in _BY_TYPE},
    "problem": canonical_problem,
    "problem_args": canonical_dict,
    "monitors": canonical_monitors,
    "snr_batch_points": canonical_optional_int,
    "rba_normalisation": canonical_optional_str,
    "init_order": canonical_optional_str,
    "compile": canonical_bool,
}
