"""What a PINN benchmark declares: domain, points, conditions, residual, reference.

Fields are named by strings: an output name followed by the inputs it is
differentiated by, e.g. ``"u_xx"`` is d^2u/dx^2 and ``"u"`` the value
(inputs must have one-letter names). :meth:`Problem.fields` asks the model for
exactly the derivatives those names need, in one forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from scipy.stats import qmc
from torch import Tensor, nn

from pinnlib.nn import MultiIndex, autograd_derivatives


@dataclass
class Condition:
    """An initial or boundary condition imposed as a loss term mean((key(x) - target)^2)."""

    name: str
    points: Tensor
    key: str
    target: Tensor

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.key,)

    def residual(self, fields: dict[str, Tensor]) -> Tensor:
        """Pointwise misfit, shape (N,)."""
        return fields[self.key] - self.target

    def to(self, device: torch.device | str, dtype: torch.dtype) -> Condition:
        return Condition(
            self.name,
            self.points.to(device, dtype),
            self.key,
            self.target.to(device, dtype),
        )


class Problem:
    """Base class of a benchmark. Subclasses set the class attributes and the methods."""

    name: ClassVar[str]
    input_names: ClassVar[str]  # one letter per input, e.g. "tx"
    output_names: ClassVar[tuple[str, ...]]
    residual_keys: ClassVar[tuple[str, ...]]

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
        """Test points (M, n_inputs) and reference values (M, n_outputs) for the error."""
        raise NotImplementedError

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
        """Evaluate the named fields at ``x``; each of shape (N,).

        ``autograd=True`` uses nested ``torch.autograd.grad`` (the reference path).
        """
        parsed = {key: self.parse(key) for key in keys}
        indices = sorted({m for _, m in parsed.values()}, key=lambda m: (len(m), m))
        if autograd:
            jet = autograd_derivatives(model, x, indices)
        else:
            jet = model(x, derivatives=indices)
        return {key: jet[m][:, col] for key, (col, m) in parsed.items()}

    def residual_at(self, model: nn.Module, x: Tensor, autograd: bool = False) -> Tensor:
        """The residual of ``model`` at ``x``, always of shape (N, n_equations)."""
        r = self.residual(self.fields(model, x, self.residual_keys, autograd))
        return r[:, None] if r.ndim == 1 else r

    def domain_description(self) -> str:
        names = ", ".join(
            f"{c} in [{lo:g}, {hi:g}]" for c, (lo, hi) in zip(self.input_names, self.bounds)
        )
        return f"{self.name}: {names}"
