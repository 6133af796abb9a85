"""The training loop: weighted residual + constraints, Adam with step decay, then L-BFGS.

Loss at step s (PAPER.md):

    L = mean_i (lambda_i r_i)^2 + sum_c mean_j (u(x_j) - g_j)^2,

with lambda = 1 (vanilla) or the RBA weights updated from the residuals of the
same step (:mod:`pinnlib.weighting`). Adam, lr multiplied by ``lr_decay`` every
``decay_every`` steps; full batch on fixed points. An optional L-BFGS stage
(``spec.lbfgs_steps`` iterations, strong-Wolfe line search) follows; its steps
continue the count and the history. It minimises a fixed objective, so the RBA
weights are frozen at their last Adam-stage values.

The loop checkpoints every ``checkpoint_every`` steps and when the L-BFGS stage
starts; a run resumed from its checkpoint ends, on the same machine, with
exactly the history and weights of an uninterrupted run. A non-finite loss stops
the run (:class:`TrainingDiverged`) and leaves the last good checkpoint in place.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm import tqdm

from pinnlib.nn import ARCHITECTURES, Embedding, FourierEmbedding, Network, PeriodicEmbedding
from pinnlib.problems import Problem, make_problem
from pinnlib.records import atomic_torch_save, provenance
from pinnlib.spec import RunSpec
from pinnlib.weighting import make_weighting

Monitor = Callable[["Trainer"], dict[str, Any]]


def named_monitors(names: tuple[str, ...]) -> dict[str, Monitor]:
    """The monitors a spec asks for by name (see :mod:`pinnlib.diagnostics`)."""
    if not names:
        return {}
    from pinnlib.diagnostics import make_monitors

    return make_monitors(names)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


def resolve_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (or ``"cuda:N"``) or ``"auto"`` (CUDA when available)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu" or device.startswith("cuda"):
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asked for, but CUDA is not available here")
        return torch.device(device)
    raise ValueError(f"unknown device {device!r}; use 'cpu', 'cuda' or 'auto'")


def build_problem(spec: RunSpec) -> Problem:
    return make_problem(spec.problem, seed=spec.seed, **spec.problem_args)


def build_embeddings(spec: RunSpec, problem: Problem) -> list[Embedding]:
    """The input embeddings of ``spec``, plus the periodic one the problem may require."""
    n_in = len(problem.input_names)
    embeddings: list[Embedding] = []
    if spec.embedding == "periodic" or problem.periodic_embedding:
        if not problem.periods:
            raise ValueError(f"benchmark {problem.name!r} has no periodic input to embed")
        embeddings.append(PeriodicEmbedding(n_in, problem.periods))
    if spec.embedding == "fourier":
        dim = embeddings[-1].out_dim if embeddings else n_in
        embeddings.append(
            FourierEmbedding(dim, spec.fourier_features, spec.fourier_scale, seed=spec.seed)
        )
    return embeddings


def build_model(spec: RunSpec, problem: Problem | None = None) -> Network:
    """The network of ``spec``, initialised from ``torch.manual_seed(spec.seed)``."""
    problem = problem or build_problem(spec)
    torch.manual_seed(spec.seed)
    model = ARCHITECTURES[spec.architecture](
        len(problem.input_names),
        len(problem.output_names),
        width=spec.width,
        depth=spec.depth,
        bias_init=spec.bias_init,
        embedding=build_embeddings(spec, problem),
    )
    return model.to(getattr(torch, spec.dtype))


def relative_l2(pred: np.ndarray, ref: np.ndarray) -> float:
    """||pred - ref||_2 / ||ref||_2 over all points and outputs."""
    return float(np.linalg.norm(pred - ref) / np.linalg.norm(ref))


def predict(
    model: nn.Module,
    x: np.ndarray | Tensor,
    chunk: int = 16_384,
    problem: Problem | None = None,
) -> np.ndarray:
    """Network output at points ``x`` (in chunks, without gradients).

    With ``problem``, its :meth:`~pinnlib.problems.Problem.evaluate` instead (the
    quantity its reference holds, e.g. the cavity's speed).
    """
    p = next(model.parameters())
    x = torch.as_tensor(x).to(p.device, p.dtype)
    with torch.no_grad():
        out = [
            model(c) if problem is None else problem.evaluate(model, c)
            for c in torch.split(x, chunk)
        ]
    return torch.cat(out).cpu().double().numpy()


class Trainer:
    """One PINN training run of ``spec`` on ``device``, with optional monitors."""

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
        self.weighting = make_weighting(
            spec.method, eta=spec.rba_eta, gamma=spec.rba_gamma, init=spec.rba_init
        )
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
        self.autograd = spec.derivatives == "autograd"
        self._evaluate = (
            torch.compile(self._residual_and_conditions)
            if spec.compile
            else self._residual_and_conditions
        )
        self.test_points, self.test_values = self.problem.reference()
        self.monitors = {**named_monitors(spec.monitors), **(monitors or {})}
        self.step = 0
        self.history: dict[str, list] = defaultdict(list)
        self.train_seconds = 0.0

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
        terms = {"residual": (weights[:, None] * r).square().sum(dim=1).mean()}
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
        for name, monitor in self.monitors.items():
            for key, value in monitor(self).items():
                h[f"{name}_{key}" if key else name].append(value)

    def _check_finite(self, loss: Tensor) -> None:
        if not torch.isfinite(loss):
            raise TrainingDiverged(
                f"{self.spec.problem}/{self.spec.method}: loss is {loss.item()} at step "
                f"{self.step}; the last good checkpoint is kept"
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

        self._check_finite(self.lbfgs.step(closure))
        self.step += 1

    # -- checkpoints ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "lbfgs": None if self.lbfgs is None else self.lbfgs.state_dict(),
            "weighting": self.weighting.state_dict(),
            "history": dict(self.history),
            "train_seconds": self.train_seconds,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["spec"] != self.spec.to_dict():
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

    def save_checkpoint(self, path: Path) -> None:
        atomic_torch_save(self.state_dict(), path)

    def load_checkpoint(self, path: Path) -> None:
        self.load_state_dict(torch.load(path, map_location=self.device, weights_only=False))

    # -- the loop ------------------------------------------------------------------
    def run(
        self,
        checkpoint: Path | None = None,
        checkpoint_every: int = 1000,
        progress: bool = True,
        stop_at: int | None = None,
    ) -> None:
        """Train to ``spec.total_steps`` (or ``stop_at``), resuming from ``checkpoint``."""
        if checkpoint is not None and checkpoint.exists():
            self.load_checkpoint(checkpoint)
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
        with bar:
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
                if checkpoint is not None and (self.step % checkpoint_every == 0 or lbfgs_starts):
                    self.save_checkpoint(checkpoint)
        if self.step == total and self.history["step"][-1:] != [self.step]:
            loss, terms = self.loss_terms(update_weights=False)
            self.log(self.step, loss, terms)

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
        }
