"""Networks and their input derivatives.

Two ways to get the input derivatives a PDE residual needs:

* the fast path, :meth:`MLP.forward` with ``derivatives=...``: Taylor-mode
  (forward) propagation of a *jet* (the value and its partial derivatives)
  through every layer, so value and derivatives come out of one forward pass
  and the parameter gradient needs a single first-order backward pass (which
  also keeps the step compatible with ``torch.compile``);
* the reference path, :func:`autograd_derivatives`: nested
  ``torch.autograd.grad`` calls, the way most PINN codes (and the paper's
  authors) do it. Tests check the two agree to round-off.

A derivative is named by a *multi-index*: the sorted tuple of input
dimensions it differentiates, e.g. ``(1, 1)`` is d^2/dx_1^2 and ``()`` the
value itself.

Through an elementwise activation s(a) the jet follows Faa di Bruno's formula

    d_S s(a) = sum over set partitions P of S of  s^(|P|)(a) prod_{B in P} d_B a,

and through an affine layer z = W a + b it maps linearly (bias on the value only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from itertools import combinations

import torch
from torch import Tensor, nn

MultiIndex = tuple[int, ...]


def closure(indices: Iterable[MultiIndex]) -> tuple[MultiIndex, ...]:
    """All sub-multi-indices needed to propagate ``indices``, value first, by order."""
    needed: set[MultiIndex] = {()}
    for index in indices:
        index = tuple(sorted(index))
        for r in range(1, len(index) + 1):
            needed.update(tuple(sorted(c)) for c in combinations(index, r))
    return tuple(sorted(needed, key=lambda m: (len(m), m)))


def _set_partitions(items: tuple[int, ...]) -> list[list[tuple[int, ...]]]:
    """All partitions of the positions ``items`` into non-empty blocks."""
    if not items:
        return [[]]
    first, rest = items[0], items[1:]
    partitions = []
    for partition in _set_partitions(rest):
        partitions.append([(first,), *partition])
        for i, block in enumerate(partition):
            partitions.append([*partition[:i], (first, *block), *partition[i + 1 :]])
    return partitions


@cache
def _faa_di_bruno(index: MultiIndex) -> tuple[tuple[int, tuple[MultiIndex, ...]], ...]:
    """Terms (order of s-derivative, blocks as multi-indices) of d_index s(a)."""
    terms = []
    for partition in _set_partitions(tuple(range(len(index)))):
        blocks = tuple(tuple(sorted(index[p] for p in block)) for block in partition)
        terms.append((len(blocks), blocks))
    return tuple(terms)


def elementwise_jet(
    jet: Tensor, indices: Sequence[MultiIndex], derivatives: Sequence[Tensor]
) -> Tensor:
    """Push a jet through s elementwise, given ``derivatives[k] = s^(k)(a)`` (k >= 0).

    ``jet`` has shape (K, N, F) with channel k holding d_{indices[k]} a.
    """
    position = {m: k for k, m in enumerate(indices)}
    out = [derivatives[0]]
    for index in indices[1:]:
        total = None
        for order, blocks in _faa_di_bruno(index):
            term = derivatives[order]
            for block in blocks:
                term = term * jet[position[block]]
            total = term if total is None else total + term
        out.append(total)
    return torch.stack(out)


def tanh_derivatives(a: Tensor, max_order: int) -> list[Tensor]:
    """tanh and its first ``max_order`` derivatives (max_order <= 4) at ``a``."""
    t = torch.tanh(a)
    d1 = 1 - t * t
    ders = [t, d1, -2 * t * d1, d1 * (6 * t * t - 2), d1 * (16 * t - 24 * t * t * t)]
    if max_order > 4:
        raise ValueError(f"tanh jets are implemented up to order 4, asked for {max_order}")
    return ders[: max_order + 1]


class MLP(nn.Module):
    """Fully connected tanh network u = W_L tanh(... tanh(W_1 x + b_1) ...) + b_L.

    ``depth`` hidden layers of ``width`` neurons; Xavier-normal weights
    (Glorot and Bengio 2010); biases zero (``bias_init="zero"``) or PyTorch's
    default uniform initialisation (``bias_init="torch"``, the paper authors' code).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        width: int = 128,
        depth: int = 6,
        bias_init: str = "zero",
    ) -> None:
        super().__init__()
        if bias_init not in ("zero", "torch"):
            raise ValueError(f"bias_init must be 'zero' or 'torch', got {bias_init!r}")
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be positive, got {width=} {depth=}")
        sizes = [in_dim] + [width] * depth + [out_dim]
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        for layer in self.linears:
            nn.init.xavier_normal_(layer.weight)
            if bias_init == "zero":
                nn.init.zeros_(layer.bias)

    def hidden(self, x: Tensor) -> list[Tensor]:
        """Post-activation outputs of every hidden layer (for the compression diagnostics)."""
        out = []
        for layer in self.linears[:-1]:
            x = torch.tanh(layer(x))
            out.append(x)
        return out

    def forward(
        self, x: Tensor, derivatives: Sequence[MultiIndex] | None = None
    ) -> Tensor | dict[MultiIndex, Tensor]:
        """The output at ``x`` (N, in_dim); with ``derivatives``, a dict of them (fast path)."""
        if derivatives is None:
            for layer in self.linears[:-1]:
                x = torch.tanh(layer(x))
            return self.linears[-1](x)
        indices = closure(derivatives)
        jet = input_jet(x, indices)
        order = max(len(m) for m in indices)
        for layer in self.linears[:-1]:
            jet = linear_jet(jet, layer)
            jet = elementwise_jet(jet, indices, tanh_derivatives(jet[0], order))
        jet = linear_jet(jet, self.linears[-1])
        return {m: jet[k] for k, m in enumerate(indices)}


def input_jet(x: Tensor, indices: Sequence[MultiIndex]) -> Tensor:
    """The jet of the inputs themselves: value x, d_i x = e_i, higher derivatives 0."""
    channels = []
    for index in indices:
        if len(index) == 0:
            channels.append(x)
        elif len(index) == 1:
            e = torch.zeros_like(x)
            e[:, index[0]] = 1
            channels.append(e)
        else:
            channels.append(torch.zeros_like(x))
    return torch.stack(channels)


def linear_jet(jet: Tensor, layer: nn.Linear) -> Tensor:
    """Affine map of a jet: every channel through W, the bias on the value only."""
    z = torch.matmul(jet, layer.weight.T)
    return torch.cat([z[:1] + layer.bias, z[1:]])


def autograd_derivatives(
    model: nn.Module, x: Tensor, derivatives: Sequence[MultiIndex]
) -> dict[MultiIndex, Tensor]:
    """Reference path: the same derivatives by nested ``torch.autograd.grad``.

    Each output column is differentiated separately; the graph is kept
    (``create_graph=True``) so a loss built from the result can be backpropagated.
    """
    x = x.detach().requires_grad_(True)
    u = model(x)
    indices = closure(derivatives)
    out: dict[MultiIndex, Tensor] = {(): u}
    for index in indices[1:]:
        parent = out[index[:-1]]
        cols = []
        for j in range(parent.shape[1]):
            (g,) = torch.autograd.grad(parent[:, j].sum(), x, create_graph=True)
            cols.append(g[:, index[-1]])
        out[index] = torch.stack(cols, dim=1)
    return out


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "MLP",
    "MultiIndex",
    "autograd_derivatives",
    "closure",
    "elementwise_jet",
    "parameter_count",
    "tanh_derivatives",
]
