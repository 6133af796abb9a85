"""What a PINN benchmark declares: domain, points, conditions, residual, reference.

Fields are named by strings: an output name followed by the inputs it is
differentiated by, e.g. ``"u_xx"`` is d^2u/dx^2 and ``"u"`` the value
(inputs must have one-letter names). :meth:`Problem.fields` asks the model for
exactly the derivatives those names need, in one forward pass, and adds the
coordinates under the input names (``f["x"]``) for forcing terms.

Conditions are loss terms: :class:`Condition` pins fields to targets at points
(one field or several, e.g. both velocity components on a wall);
:class:`PeriodicCondition` equates fields at paired points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import torch
from scipy.stats import qmc
from torch import Tensor, nn

from pinnlib.nn import MultiIndex, autograd_fields


@dataclass
class Condition:
    """An initial or boundary condition, imposed as the loss term

        sum over keys k of mean_j (f_k(x_j) - g_jk)^2

    ``key`` names one field (``target`` of shape (N,)) or several (a tuple;
    ``target`` of shape (N, len(key))), e.g. both velocity components on a wall.
    """

    name: str
    points: Tensor
    key: str | tuple[str, ...]
    target: Tensor

    @property
    def keys(self) -> tuple[str, ...]:
        return self.key if isinstance(self.key, tuple) else (self.key,)

    def values(self, fields: dict[str, Tensor]) -> Tensor:
        """The constrained fields at the points: (N,) for one key, (N, n_keys) for several."""
        if isinstance(self.key, tuple):
            return torch.stack([fields[k] for k in self.key], dim=1)
        return fields[self.key]

    def residual(self, fields: dict[str, Tensor]) -> Tensor:
        """Pointwise misfit, shape (N,) or (N, n_keys)."""
        return self.values(fields) - self.target

    def loss(self, fields: dict[str, Tensor]) -> Tensor:
        """The loss term: mean square misfit, summed over the keys."""
        return self.residual(fields).square().mean(dim=0).sum()

    def to(self, device: torch.device | str, dtype: torch.dtype) -> Condition:
        return replace(
            self,
            points=self.points.to(device, dtype),
            target=None if self.target is None else self.target.to(device, dtype),
        )


@dataclass
class PeriodicCondition(Condition):
    """Equal fields at paired points: f_k(a_j) = f_k(b_j) for every key k.

    ``points`` stacks the two sides, a = points[:n] and b = points[n:] (one forward
    pass evaluates both); the residual is f(a) - f(b), e.g. u(t, -1) - u(t, 1) and
    u_x(t, -1) - u_x(t, 1) for a solution periodic in x.
    """

    target: Tensor | None = None

    def __post_init__(self) -> None:
        if len(self.points) % 2:
            raise ValueError("a periodic condition needs an even number of points (pairs)")

    @classmethod
    def pair(cls, name: str, a: Tensor, b: Tensor, key: str | tuple[str, ...]) -> PeriodicCondition:
        """The condition f(a_j) = f(b_j) for the point pairs (a_j, b_j)."""
        if a.shape != b.shape:
            raise ValueError(f"paired points differ in shape: {tuple(a.shape)}, {tuple(b.shape)}")
        return cls(name, torch.cat([a, b]), key)

    def residual(self, fields: dict[str, Tensor]) -> Tensor:
        f = self.values(fields)
        n = len(f) // 2
        return f[:n] - f[n:]


class Problem:
    """Base class of a benchmark. Subclasses set the class attributes and the methods.

    ``residual_keys`` are the fields the residual reads; the coordinates themselves
    are always available under the input names (e.g. ``f["x"]``), for forcing terms.
    """

    name: ClassVar[str]
    input_names: ClassVar[str]  # one letter per input, e.g. "tx"
    output_names: ClassVar[tuple[str, ...]]
    residual_keys: ClassVar[tuple[str, ...]]
    #: The benchmark's name in titles and tables.
    title: ClassVar[str]
    #: The paper's relative L2 errors (vanilla, RBA) at its configuration; nan where the
    #: paper reports none.
    paper_errors: ClassVar[tuple[float, float]] = (math.nan, math.nan)
    #: The authors' steps of the jump into total diffusion (vanilla, RBA); nan where the
    #: paper places none.
    paper_transitions: ClassVar[tuple[float, float]] = (math.nan, math.nan)

    def __init__(self, n_collocation: int, seed: int = 0) -> None:
        if n_collocation < 1:
            raise ValueError(f"n_collocation must be positive, got {n_collocation}")
        self.n_collocation = n_collocation
        self.seed = seed

    # -- declared by each benchmark -------------------------------------------------
    @property
    def bounds(self) -> np.ndarray:
        """Domain box, shape (n_inputs, 2): lower and upper bound of each input."""
        raise NotImplementedError

    def residual(self, f: dict[str, Tensor]) -> Tensor:
        """PDE residual at the collocation points, shape (N,) or (N, n_equations)."""
        raise NotImplementedError

    def conditions(self) -> list[Condition]:
        """Initial and boundary conditions (loss terms of weight 1)."""
        raise NotImplementedError

    def reference(self) -> tuple[np.ndarray, np.ndarray]:
        """Test points (M, n_inputs) and reference values (M, n_ref) for the error.

        The values are compared with :meth:`evaluate` (by default the network output).
        """
        raise NotImplementedError

    @property
    def periods(self) -> dict[int, float]:
        """Inputs in which the solution is periodic: {input index: period}."""
        return {}

    @property
    def periodic_embedding(self) -> bool:
        """Whether the model must embed :attr:`periods` exactly (see ``build_model``)."""
        return False

    def evaluate(self, model: nn.Module, x: Tensor) -> Tensor:
        """The quantity compared with :meth:`reference` at ``x``, (M, n_ref)."""
        return model(x)

    # -- shared machinery -------------------------------------------------------------
    def collocation_points(self) -> Tensor:
        """Fixed Latin-hypercube points in the domain (seeded; never resampled)."""
        sampler = qmc.LatinHypercube(d=len(self.input_names), seed=self.seed)
        unit = sampler.random(self.n_collocation)
        lo, hi = self.bounds[:, 0], self.bounds[:, 1]
        return torch.as_tensor(lo + unit * (hi - lo))

    def parse(self, key: str) -> tuple[int, MultiIndex]:
        """Map a field name such as ``"u_xx"`` to (output column, multi-index)."""
        name, _, inputs = key.partition("_")
        if name not in self.output_names:
            raise KeyError(
                f"unknown output {name!r} in field {key!r}; outputs: {self.output_names}"
            )
        try:
            index = tuple(sorted(self.input_names.index(c) for c in inputs))
        except ValueError:
            raise KeyError(
                f"unknown input in field {key!r}; inputs are {tuple(self.input_names)}"
            ) from None
        return self.output_names.index(name), index

    def fields(
        self, model: nn.Module, x: Tensor, keys: tuple[str, ...], autograd: bool = False
    ) -> dict[str, Tensor]:
        """Evaluate the named fields at ``x``, plus the coordinates; each of shape (N,).

        ``autograd=True`` uses nested ``torch.autograd.grad`` (the reference path).
        """
        coordinates = {c: x[:, i] for i, c in enumerate(self.input_names)}
        parsed = {key: self.parse(key) for key in keys if key not in coordinates}
        if autograd:
            values = autograd_fields(model, x, parsed.values())
            return {**coordinates, **{key: values[field] for key, field in parsed.items()}}
        indices = sorted({m for _, m in parsed.values()}, key=lambda m: (len(m), m))
        jet = model(x, derivatives=indices)
        return {**coordinates, **{key: jet[m][:, col] for key, (col, m) in parsed.items()}}

    def residual_at(self, model: nn.Module, x: Tensor, autograd: bool = False) -> Tensor:
        """The residual of ``model`` at ``x``, always of shape (N, n_equations)."""
        r = self.residual(self.fields(model, x, self.residual_keys, autograd))
        return r[:, None] if r.ndim == 1 else r

    def domain_description(self) -> str:
        names = ", ".join(
            f"{c} in [{lo:g}, {hi:g}]" for c, (lo, hi) in zip(self.input_names, self.bounds)
        )
        return f"{self.name}: {names}"
