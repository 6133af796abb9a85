"""The training loop: weighted residual + constraints, Adam with step decay, then L-BFGS.

Loss at step s (book/background.md):

    L = mean_i (lambda_i r_i)^2 + sum_c mean_j (u(x_j) - g_j)^2,

with lambda = 1 (vanilla) or the RBA weights updated from the residuals of the
same step (:mod:`pinnlib.weighting`). Adam, lr multiplied by ``lr_decay`` every
``decay_every`` steps; full batch on fixed points. An optional L-BFGS stage
(``spec.lbfgs_steps`` iterations, strong-Wolfe line search, torch's default
tolerances: once an iteration leaves the weights where they were, the stage has
stopped and the rest of its iterations only log) follows; its steps continue the
count and the history. It minimises a fixed objective, so the RBA
weights are frozen at their last Adam-stage values.

The loop checkpoints every ``checkpoint_every`` steps and when the L-BFGS stage
starts; a run resumed from its checkpoint ends, on the same machine, with
exactly the history and weights of an uninterrupted run. A non-finite loss, or a
logged test error that is non-finite or above :data:`DIVERGED_FACTOR` times the
larger of the run's first logged error and 1, stops the run
(:class:`TrainingDiverged`) and leaves its last checkpoint, if any, in place; its
message says which (or that none was written). Ctrl-C raises
:class:`TrainingInterrupted`, which says the same.
"""

from __future__ import annotations

import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from pinnlib.build import build_model, build_problem, build_weighting
from pinnlib.diagnostics.monitors import Monitor, TrainerView, make_monitors
from pinnlib.evaluate import predict
from pinnlib.records import CorruptCheckpoint, checkpoint_problem
from pinnlib.spec import RunSpec
from pinnlib.storage import atomic_torch_save, provenance
from pinnlib.weighting import weighted_residual_loss

#: A logged error above this many times max(first logged error, 1) means divergence.
#: A network starts near relative error 1 and a run that learns stays near or below
#: it; the committed records never exceed 14 times, while a diverging run (burgers
#: at lr=10) is near 800 times by its second logged step.
DIVERGED_FACTOR = 100.0


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite, or the test error grew by orders of magnitude."""


def diverged(errors: list[float]) -> bool:
    """True when the last logged error is non-finite or above ``DIVERGED_FACTOR`` times
    the larger of the first logged error and 1 (the rule of this module's docstring)."""
    if not errors:
        return False
    last = errors[-1]
    return not np.isfinite(last) or last > DIVERGED_FACTOR * max(errors[0], 1.0)


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :meth:`Trainer.run`; the message says at which step, and which
    checkpoint (if any) a rerun resumes from. Still a KeyboardInterrupt, so nothing
    that catches ``Exception`` swallows it."""

    def __init__(self, trainer: Trainer) -> None:
        kept = trainer.checkpoint_step is not None and trainer.checkpoint.exists()
        self.checkpoint = trainer.checkpoint if kept else None
        where = (
            f"its checkpoint (step {trainer.checkpoint_step}) at {trainer.checkpoint} is kept "
            "and a rerun resumes from it"
            if kept
            else "no checkpoint was written"
        )
        super().__init__(f"training interrupted at step {trainer.step}; {where}")


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (or ``"cuda:N"``, N a GPU present) or ``"auto"`` (CUDA when
    available); anything else, or CUDA on a machine without it, is a ValueError."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device(device)
    if not isinstance(device, str) or not re.fullmatch(r"cuda(:\d+)?", device):
        raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda', 'cuda:N' or 'auto'")
    if not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but CUDA is not available here")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise ValueError(f"device {device!r}: this machine has {torch.cuda.device_count()} GPU(s)")
    return torch.device(device)


def relative_l2(pred: np.ndarray, ref: np.ndarray) -> float:
    """||pred - ref||_2 / ||ref||_2 over all points and outputs.

    The sums of squares are numpy's pairwise sums, not a BLAS dot product (as in
    ``np.linalg.norm``), whose order depends on the BLAS thread count: so the same
    network gives the same error to the last digit in every process of a machine."""
    diff, ref = np.asarray(pred - ref, dtype=float), np.asarray(ref, dtype=float)
    return float(np.sqrt(np.sum(np.square(diff))) / np.sqrt(np.sum(np.square(ref))))


class Trainer(TrainerView):
    """One PINN training run of ``spec`` on ``device``, with optional monitors.

    It is a :class:`~pinnlib.diagnostics.monitors.TrainerView`, the part of it that
    monitors read.
    """

    def __init__(
        self, spec: RunSpec, device: str = "cpu", monitors: dict[str, Monitor] | None = None
    ) -> None:
        self.spec = spec
        self.device = resolve_device(device)
        self.dtype = getattr(torch, spec.dtype)
        self.problem = build_problem(spec)
        self.model = build_model(spec, self.problem).to(self.device)
        self.points = self.problem.collocation_points().to(self.device, self.dtype)
        self.conditions = [c.to(self.device, self.dtype) for c in self.problem.conditions()]
        self.weighting = build_weighting(spec)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=spec.lr)
        self.scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, step_size=spec.decay_every, gamma=spec.lr_decay
        )
        self.lbfgs = (
            torch.optim.LBFGS(
                self.model.parameters(),
                lr=spec.lbfgs_lr,
                max_iter=1,  # one iteration per step; the state carries over
                max_eval=25,
                history_size=spec.lbfgs_history,
                line_search_fn="strong_wolfe",
            )
            if spec.lbfgs_steps
            else None
        )
        #: True once torch's L-BFGS has stopped moving (see :meth:`lbfgs_step`).
        self.lbfgs_stopped = False
        self.autograd = spec.derivatives == "autograd"
        if spec.compile:
            # dynamo keeps compiled entries per code object, so every Trainer of a
            # process adds one; past its recompile limit (8) later trainers would run
            # uncompiled. Start each compiled Trainer from an empty cache.
            torch._dynamo.reset()
        self._evaluate = (
            torch.compile(self._residual_and_conditions)
            if spec.compile
            else self._residual_and_conditions
        )
        self.test_points, self.test_values = self.problem.reference()
        self.monitors = {
            **make_monitors(spec.monitors, batch_points=spec.snr_batch_points),
            **(monitors or {}),
        }
        self.step = 0
        self.history: dict[str, list] = defaultdict(list)
        self.train_seconds = 0.0
        self.checkpoint: Path | None = None  # where :meth:`run` keeps its checkpoint
        self.checkpoint_step: int | None = None  # the step it holds, once written or read
        #: {"key", "step"}: the run this one continues (pinnlib.experiments.continue_run)
        self.continued_from: dict[str, Any] | None = None

    # -- the loss -----------------------------------------------------------------
    def residual(self) -> Tensor:
        """PDE residual at the collocation points, (N, n_equations)."""
        return self.problem.residual_at(self.model, self.points, self.autograd)

    def condition_losses(self) -> dict[str, Tensor]:
        """The loss term of every initial / boundary condition, by name."""
        return {
            c.name: c.loss(self.problem.fields(self.model, c.points, c.keys, self.autograd))
            for c in self.conditions
        }

    def _residual_and_conditions(self) -> tuple[Tensor, dict[str, Tensor]]:
        return self.residual(), self.condition_losses()

    def loss_terms(self, update_weights: bool = True) -> tuple[Tensor, dict[str, Tensor]]:
        """Total loss and its terms; updates the RBA weights first when asked."""
        r, condition_losses = self._evaluate()
        if update_weights:
            weights = self.weighting.update(r)
        else:
            weights = self.weighting.weights
            weights = torch.ones_like(r[:, 0]) if weights is None else weights
        terms = {"residual": weighted_residual_loss(r, weights)}
        terms.update(condition_losses)
        return sum(terms.values()), terms

    # -- one step and logging ----------------------------------------------------------
    def error(self) -> float:
        """Relative L2 error against the problem's reference."""
        pred = predict(self.model, self.test_points, problem=self.problem)
        return relative_l2(pred, self.test_values)

    @property
    def optimizer_now(self) -> torch.optim.Optimizer:
        """Adam during the first ``spec.steps`` steps, L-BFGS after."""
        return self.optimizer if self.step < self.spec.steps or self.lbfgs is None else self.lbfgs

    def log(self, step: int, loss: Tensor, terms: dict[str, Tensor]) -> None:
        """Append the loss terms (read with ``.item()``), the error and the monitors."""
        h = self.history
        h["step"].append(step)
        h["loss"].append(loss.item())
        for name, value in terms.items():
            h[f"loss_{name}"].append(value.item())
        h["lr"].append(self.optimizer_now.param_groups[0]["lr"])
        h["error"].append(self.error())
        if diverged(h["error"]):
            self._diverge(f"test error {h['error'][-1]:.3g} (first logged {h['error'][0]:.3g})")
        for name, monitor in self.monitors.items():
            for key, value in monitor(self).items():
                h[f"{name}_{key}" if key else name].append(value)

    def _check_finite(self, loss: Tensor) -> None:
        if not torch.isfinite(loss):
            self._diverge(f"loss is {loss.item()}")

    def _diverge(self, what: str) -> None:
        """Raise :class:`TrainingDiverged`, saying whether a checkpoint is left."""
        if self.checkpoint_step is not None and self.checkpoint.exists():
            kept = f"the last checkpoint (step {self.checkpoint_step}) is kept at {self.checkpoint}"
        else:
            kept = "no checkpoint was written"
        raise TrainingDiverged(
            f"{self.spec.problem}/{self.spec.method} diverged: {what} at step {self.step}; {kept}"
        )

    def train_step(self) -> None:
        """One Adam step (or, after ``spec.steps``, one L-BFGS iteration)."""
        if self.step >= self.spec.steps:
            return self.lbfgs_step()
        loss, terms = self.loss_terms()
        self._check_finite(loss)
        if self.spec.is_logged(self.step):
            self.log(self.step, loss, terms)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1

    def lbfgs_step(self) -> None:
        """One L-BFGS iteration on the loss with frozen weights (line search inside)."""
        if self.spec.is_logged(self.step):
            loss, terms = self.loss_terms(update_weights=False)
            self._check_finite(loss)
            self.log(self.step, loss, terms)

        def closure() -> Tensor:
            self.lbfgs.zero_grad(set_to_none=True)
            loss, _ = self.loss_terms(update_weights=False)
            loss.backward()
            return loss

        if not self.lbfgs_stopped:
            before = torch.nn.utils.parameters_to_vector(self.model.parameters()).clone()
            self._check_finite(self.lbfgs.step(closure))
            after = torch.nn.utils.parameters_to_vector(self.model.parameters())
            # torch's L-BFGS returns without a move once its tolerances are met (gradient
            # below tolerance_grad, or a directional derivative above -tolerance_change).
            # Weights and memory then stay as they are, so every later call would return
            # the same way: the remaining iterations are skipped, with the same result.
            self.lbfgs_stopped = bool(torch.equal(before, after))
        self.step += 1

    # -- checkpoints ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "key": self.spec.key,
            "spec": self.spec.to_dict(),
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "lbfgs": None if self.lbfgs is None else self.lbfgs.state_dict(),
            "weighting": self.weighting.state_dict(),
            "history": dict(self.history),
            "train_seconds": self.train_seconds,
            "continued_from": self.continued_from,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not self.spec.same_run(state["spec"]):
            raise ValueError("checkpoint belongs to a different run spec")
        self.step = state["step"]
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        if self.lbfgs is not None:
            self.lbfgs.load_state_dict(state["lbfgs"])
        self.weighting.load_state_dict(state["weighting"])
        self.history = defaultdict(list, {k: list(v) for k, v in state["history"].items()})
        self.train_seconds = state["train_seconds"]
        self.continued_from = state.get("continued_from")

    def save_checkpoint(self, path: Path) -> None:
        atomic_torch_save(self.state_dict(), path)

    def load_checkpoint(self, path: Path) -> None:
        """Resume from the checkpoint at ``path``, after checking that it belongs here.

        Raises :class:`~pinnlib.records.CorruptCheckpoint`, naming the file, when it
        does not load, carries another spec's key, stops at a step outside this run,
        holds non-finite numbers (:func:`~pinnlib.records.checkpoint_problem`) or does
        not fit this model and its optimisers: resuming from it could only crash, fail
        the same way on every rerun, or give wrong numbers. Checkpoints are unpickled
        in full (their history holds numpy arrays): load only those pinnlib wrote.
        """
        fix = "delete it to train from step 0 (run() does so itself)"
        try:
            state = torch.load(path, map_location=self.device, weights_only=False)
        except Exception as err:  # whatever a damaged file raises
            raise CorruptCheckpoint(f"checkpoint {path} does not load ({err}); {fix}") from None
        problem = checkpoint_problem(state, self.spec)
        if problem:
            raise CorruptCheckpoint(f"checkpoint {path}: {problem}; {fix}")
        try:
            self.load_state_dict(state)
        except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
            message = f"checkpoint {path} does not fit this run ({err}); {fix}"
            raise CorruptCheckpoint(message) from None

    # -- the loop ------------------------------------------------------------------
    def run(
        self,
        checkpoint: Path | None = None,
        checkpoint_every: int = 1000,
        progress: bool = True,
        stop_at: int | None = None,
    ) -> None:
        """Train to ``spec.total_steps`` (or ``stop_at``), resuming from ``checkpoint``,
        which is saved every ``checkpoint_every`` steps (a positive integer)."""
        if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int):
            raise ValueError(f"checkpoint_every must be an integer, got {checkpoint_every!r}")
        if checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be positive, got {checkpoint_every}")
        self.checkpoint, self.checkpoint_step = checkpoint, None
        if checkpoint is not None and checkpoint.exists():
            self.load_checkpoint(checkpoint)
            self.checkpoint_step = self.step
        total = self.spec.total_steps
        end = total if stop_at is None else min(stop_at, total)
        bar = tqdm(
            total=total,
            initial=self.step,
            desc=f"{self.spec.problem}/{self.spec.method}",
            disable=not progress,
            file=sys.stderr,
            mininterval=2.0,
            dynamic_ncols=False,
            ncols=100,
        )
        try:
            with bar:
                self._train_until(end, bar, checkpoint_every)
        except KeyboardInterrupt:
            raise TrainingInterrupted(self) from None
        if self.step == total and self.history["step"][-1:] != [self.step]:
            loss, terms = self.loss_terms(update_weights=False)
            self.log(self.step, loss, terms)

    def _train_until(self, end: int, bar: tqdm, checkpoint_every: int) -> None:
        """Steps up to ``end``, saving ``self.checkpoint`` every ``checkpoint_every`` steps
        and when the L-BFGS stage starts."""
        while self.step < end:
            t0 = time.perf_counter()
            self.train_step()
            self.train_seconds += time.perf_counter() - t0
            bar.update(1)
            if self.history["step"] and self.history["step"][-1] == self.step - 1:
                bar.set_postfix(
                    loss=f"{self.history['loss'][-1]:.2e}",
                    err=f"{self.history['error'][-1]:.2e}",
                    refresh=False,
                )
            lbfgs_starts = self.lbfgs is not None and self.step == self.spec.steps
            due = self.step % checkpoint_every == 0 or lbfgs_starts
            if self.checkpoint is not None and due:
                self.save_checkpoint(self.checkpoint)
                self.checkpoint_step = self.step

    # -- results -------------------------------------------------------------------
    def history_arrays(self) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.history.items()}

    def final_arrays(self) -> dict[str, np.ndarray]:
        """Collocation points, final |r| (summed over equations) and RBA weights."""
        r = self.residual().detach().abs().sum(dim=1)
        out = {
            "points": self.points.cpu().numpy(),
            "abs_residual": r.cpu().numpy(),
        }
        if self.weighting.weights is not None:
            out["rba_weights"] = self.weighting.weights.cpu().numpy()
        return out

    def info(self) -> dict[str, Any]:
        steps = max(self.step, 1)
        return {
            "provenance": provenance(self.device),
            "train_seconds": self.train_seconds,
            "steps_per_second": steps / max(self.train_seconds, 1e-9),
            "final_error": self.history["error"][-1],
            **({"continued_from": self.continued_from} if self.continued_from else {}),
        }
