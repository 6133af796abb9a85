"""Networks with a fast path for their input derivatives.

``model(x, derivatives=[multi-indices])`` returns the value and the requested
input derivatives from one forward pass, in Taylor mode (the jet rules are in
:mod:`pinnlib.jets`); :func:`autograd_fields` (and :func:`autograd_derivatives`, every
output column) is the reference path by nested ``torch.autograd.grad``, differentiating
only what the residual needs. Tests check the two agree to round-off.

Models: :class:`MLP` (tanh, Xavier-normal), :class:`ModifiedMLP` (Wang, Teng &
Perdikaris 2021), each optionally behind input embeddings
(:class:`PeriodicEmbedding`, :class:`FourierEmbedding`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch
from torch import Tensor, nn

from pinnlib.jets import (
    Channel,
    Jet,
    MultiIndex,
    add_jets,
    closure,
    concat_jets,
    elementwise_jet,
    input_jet,
    linear_jet,
    output_dict,
    product_jet,
    sin_cos_derivatives,
    tanh_derivatives,
    tanh_jet,
)


# -- input embeddings -----------------------------------------------------------------------
class Embedding(nn.Module):
    """A fixed feature map of the inputs, with its own jet rule."""

    in_dim: int
    out_dim: int

    def jet(self, jet: Sequence[Channel], indices: Sequence[MultiIndex]) -> Jet:
        raise NotImplementedError


class PeriodicEmbedding(Embedding):
    """Exact periodicity: x_i -> (cos(2 pi x_i / P_i), sin(2 pi x_i / P_i)) for periodic inputs.

    ``periods`` maps input index -> period P_i; other inputs pass through unchanged
    (Dong & Ni 2021; the "periodic embedding" of jaxpi's Allen-Cahn example). Any
    function of the features is P_i-periodic in x_i, with all its derivatives.
    """

    def __init__(self, in_dim: int, periods: dict[int, float]) -> None:
        super().__init__()
        if not periods:
            raise ValueError("a periodic embedding needs at least one periodic input")
        if not all(0 <= i < in_dim and p > 0 for i, p in periods.items()):
            raise ValueError(f"bad periods {periods} for {in_dim} inputs")
        self.in_dim = in_dim
        self.periods = dict(sorted(periods.items()))
        self.out_dim = in_dim + len(periods)

    def forward(self, x: Tensor) -> Tensor:
        columns = []
        for i in range(self.in_dim):
            xi = x[:, i : i + 1]
            if i in self.periods:
                w = 2 * math.pi / self.periods[i]
                columns += [torch.cos(w * xi), torch.sin(w * xi)]
            else:
                columns.append(xi)
        return torch.cat(columns, dim=1)

    def jet(self, jet: Sequence[Channel], indices: Sequence[MultiIndex]) -> Jet:
        order = max(len(m) for m in indices)
        columns = []
        for i in range(self.in_dim):
            xi = [None if c is None else c[:, i : i + 1] for c in jet]
            if i in self.periods:
                w = 2 * math.pi / self.periods[i]
                wxi = [None if c is None else w * c for c in xi]
                sin, cos = sin_cos_derivatives(wxi[0], order)
                columns += [elementwise_jet(wxi, indices, cos), elementwise_jet(wxi, indices, sin)]
            else:
                columns.append(xi)
        return concat_jets(columns)

    def extra_repr(self) -> str:
        return f"in_dim={self.in_dim}, periods={self.periods}"


class FourierEmbedding(Embedding):
    """Random Fourier features x -> (cos(x B), sin(x B)), B ~ N(0, scale^2) of shape (in, m).

    Tancik et al. (2020); Wang, Wang & Perdikaris (2021). B is fixed (a buffer, not
    trained) and drawn from its own generator seeded by ``seed``; the output has
    2 m features.
    """

    def __init__(self, in_dim: int, features: int = 128, scale: float = 1.0, seed: int = 0):
        super().__init__()
        if features < 1 or scale <= 0:
            raise ValueError(f"Fourier features need features >= 1 and scale > 0, got {features}")
        generator = torch.Generator().manual_seed(seed)
        self.register_buffer("B", scale * torch.randn(in_dim, features, generator=generator))
        self.in_dim, self.out_dim, self.scale = in_dim, 2 * features, scale

    def forward(self, x: Tensor) -> Tensor:
        z = x @ self.B
        return torch.cat([torch.cos(z), torch.sin(z)], dim=1)

    def jet(self, jet: Sequence[Channel], indices: Sequence[MultiIndex]) -> Jet:
        z = linear_jet(jet, self.B.T)
        sin, cos = sin_cos_derivatives(z[0], max(len(m) for m in indices))
        return concat_jets([elementwise_jet(z, indices, cos), elementwise_jet(z, indices, sin)])

    def extra_repr(self) -> str:
        return f"in_dim={self.in_dim}, features={self.out_dim // 2}, scale={self.scale}"


# -- networks ---------------------------------------------------------------------------------
class Network(nn.Module):
    """Shared machinery: embeddings, the plain and the Taylor-mode forward pass.

    Subclasses implement ``trunk(features)`` and ``trunk_jet(jet, indices)``.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        width: int,
        depth: int,
        bias_init: str,
        embedding: Sequence[Embedding] = (),
    ) -> None:
        super().__init__()
        if bias_init not in ("zero", "torch"):
            raise ValueError(f"bias_init must be 'zero' or 'torch', got {bias_init!r}")
        if width < 1 or depth < 1:
            raise ValueError(f"width and depth must be positive, got {width=} {depth=}")
        self.in_dim, self.out_dim, self.width, self.depth = in_dim, out_dim, width, depth
        self.bias_init = bias_init
        self.embeddings = nn.ModuleList(embedding)
        dim = in_dim
        for e in self.embeddings:
            if e.in_dim != dim:
                raise ValueError(f"embedding {e} expects {e.in_dim} inputs, gets {dim}")
            dim = e.out_dim
        self.features = dim

    def initialise(self) -> None:
        """Xavier-normal weights; zero biases unless ``bias_init="torch"`` (PyTorch's default)."""
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                self.initialise_layer(layer)

    def initialise_layer(self, layer: nn.Linear) -> nn.Linear:
        """One layer's Xavier-normal weight and, with ``bias_init="zero"``, zero bias."""
        nn.init.xavier_normal_(layer.weight)
        if self.bias_init == "zero":
            nn.init.zeros_(layer.bias)
        return layer

    def embed(self, x: Tensor) -> Tensor:
        for e in self.embeddings:
            x = e(x)
        return x

    def trunk(self, h: Tensor) -> Tensor:
        raise NotImplementedError

    def trunk_jet(self, jet: Jet, indices: Sequence[MultiIndex]) -> Jet:
        raise NotImplementedError

    def forward(
        self, x: Tensor, derivatives: Sequence[MultiIndex] | None = None
    ) -> Tensor | dict[MultiIndex, Tensor]:
        """The output at ``x`` (N, in_dim); with ``derivatives``, a dict of them (fast path).

        The dict holds every multi-index of ``closure(derivatives)``, each (N, out_dim).
        """
        if derivatives is None:
            return self.trunk(self.embed(x))
        indices = closure(derivatives)
        jet = input_jet(x, indices)
        for e in self.embeddings:
            jet = e.jet(jet, indices)
        return output_dict(self.trunk_jet(jet, indices), indices)


class MLP(Network):
    """Fully connected tanh network u = W_L tanh(... tanh(W_1 x + b_1) ...) + b_L.

    ``depth`` hidden layers of ``width`` neurons; Xavier-normal weights
    (Glorot and Bengio 2010); biases zero (``bias_init="zero"``) or PyTorch's
    default uniform initialisation (``bias_init="torch"``, the paper authors' code).
    ``init_order="layer"`` draws one layer after the other (build, then Xavier), as the
    authors' scripts do; the default builds every layer first, then draws the weights.
    ``embedding``: input embeddings applied first, in order.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        width: int = 128,
        depth: int = 6,
        bias_init: str = "zero",
        embedding: Sequence[Embedding] = (),
        init_order: str | None = None,
    ) -> None:
        super().__init__(in_dim, out_dim, width, depth, bias_init, embedding)
        if init_order not in (None, "layer"):
            raise ValueError(f"init_order must be None or 'layer', got {init_order!r}")
        pairs = list(zip([self.features] + [width] * depth, [width] * depth + [out_dim]))
        if init_order == "layer":
            self.linears = nn.ModuleList(self.initialise_layer(nn.Linear(a, b)) for a, b in pairs)
        else:
            self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in pairs)
            self.initialise()

    def hidden(self, x: Tensor) -> list[Tensor]:
        """Post-activation outputs of every hidden layer (for the compression diagnostics)."""
        h, out = self.embed(x), []
        for layer in self.linears[:-1]:
            h = torch.tanh(layer(h))
            out.append(h)
        return out

    def trunk(self, h: Tensor) -> Tensor:
        for layer in self.linears[:-1]:
            h = torch.tanh(layer(h))
        return self.linears[-1](h)

    def trunk_jet(self, jet: Jet, indices: Sequence[MultiIndex]) -> Jet:
        for layer in self.linears[:-1]:
            jet = tanh_jet(linear_jet(jet, layer.weight, layer.bias), indices)
        last = self.linears[-1]
        return linear_jet(jet, last.weight, last.bias)


class ModifiedMLP(Network):
    """The modified MLP of Wang, Teng & Perdikaris (SIAM J. Sci. Comput. 43, 2021):

        U = tanh(W_u x + b_u),   V = tanh(W_v x + b_v),   H_1 = tanh(W_1 x + b_1),
        Z_k = tanh(W_k H_k + b_k),   H_{k+1} = (1 - Z_k) U + Z_k V,   k = 1 .. depth - 1,
        u = W H_depth + b.

    ``depth`` hidden states H_1 .. H_depth of ``width`` neurons (so depth + 2 hidden
    weight matrices with U and V); same initialisation as :class:`MLP`.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        width: int = 128,
        depth: int = 6,
        bias_init: str = "zero",
        embedding: Sequence[Embedding] = (),
        init_order: str | None = None,
    ) -> None:
        super().__init__(in_dim, out_dim, width, depth, bias_init, embedding)
        if init_order is not None:
            raise ValueError(f"init_order is for the MLP only, got {init_order!r}")
        self.encoder_u = nn.Linear(self.features, width)
        self.encoder_v = nn.Linear(self.features, width)
        self.first = nn.Linear(self.features, width)
        self.gates = nn.ModuleList(nn.Linear(width, width) for _ in range(depth - 1))
        self.last = nn.Linear(width, out_dim)
        self.initialise()

    def states(self, h: Tensor) -> list[Tensor]:
        """The hidden states H_1 .. H_depth from the (embedded) input features ``h``."""
        u, v = torch.tanh(self.encoder_u(h)), torch.tanh(self.encoder_v(h))
        diff = v - u
        out = [torch.tanh(self.first(h))]
        for gate in self.gates:
            out.append(u + torch.tanh(gate(out[-1])) * diff)
        return out

    def hidden(self, x: Tensor) -> list[Tensor]:
        """The hidden states H_1 .. H_depth (for the compression diagnostics)."""
        return self.states(self.embed(x))

    def trunk(self, h: Tensor) -> Tensor:
        return self.last(self.states(h)[-1])

    def trunk_jet(self, jet: Jet, indices: Sequence[MultiIndex]) -> Jet:
        u = tanh_jet(linear_jet(jet, self.encoder_u.weight, self.encoder_u.bias), indices)
        v = tanh_jet(linear_jet(jet, self.encoder_v.weight, self.encoder_v.bias), indices)
        diff = add_jets(v, u, alpha=-1.0)
        h = tanh_jet(linear_jet(jet, self.first.weight, self.first.bias), indices)
        for gate in self.gates:
            z = tanh_jet(linear_jet(h, gate.weight, gate.bias), indices)
            h = add_jets(u, product_jet(z, diff, indices))
        return linear_jet(h, self.last.weight, self.last.bias)


ARCHITECTURES: dict[str, type[Network]] = {"mlp": MLP, "modified_mlp": ModifiedMLP}


# -- the reference path -----------------------------------------------------------------------
def autograd_fields(
    model: nn.Module, x: Tensor, wanted: Iterable[tuple[int, MultiIndex]]
) -> dict[tuple[int, MultiIndex], Tensor]:
    """Reference path: the (output column, multi-index) fields in ``wanted`` by nested
    ``torch.autograd.grad``, each of shape (N,), the way a hand-written PINN code gets them.

    Only the columns and sub-multi-indices the wanted fields need are differentiated,
    one ``grad`` call per differentiated (column, multi-index) whose full input gradient
    is reused for all its children (u -> (u_t, u_x), u_x -> u_xx). The graph is kept
    (``create_graph=True``) so a loss built from the result can be backpropagated.
    """
    x = x.detach().requires_grad_(True)
    u = model(x)
    wanted = list(wanted)
    out: dict[tuple[int, MultiIndex], Tensor] = {}
    for column in sorted({col for col, _ in wanted}):
        out[(column, ())] = u[:, column]
        gradients: dict[MultiIndex, Tensor] = {}
        for index in closure(m for col, m in wanted if col == column)[1:]:
            parent = index[:-1]
            if parent not in gradients:
                f = out[(column, parent)]
                gradients[parent] = torch.autograd.grad(f.sum(), x, create_graph=True)[0]
            out[(column, index)] = gradients[parent][:, index[-1]]
    return {key: out[(key[0], tuple(sorted(key[1])))] for key in wanted}


def autograd_derivatives(
    model: nn.Module, x: Tensor, derivatives: Sequence[MultiIndex]
) -> dict[MultiIndex, Tensor]:
    """Reference path for every output column: {multi-index: (N, out)}, value included
    (:func:`autograd_fields` over all columns; the counterpart of ``model(x, derivatives=...)``).
    """
    columns = model(x).shape[1]
    indices = closure(derivatives)
    fields = autograd_fields(model, x, [(c, m) for m in indices for c in range(columns)])
    return {m: torch.stack([fields[(c, m)] for c in range(columns)], dim=1) for m in indices}


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "ARCHITECTURES",
    "Embedding",
    "FourierEmbedding",
    "MLP",
    "ModifiedMLP",
    "MultiIndex",
    "Network",
    "PeriodicEmbedding",
    "autograd_derivatives",
    "autograd_fields",
    "closure",
    "elementwise_jet",
    "parameter_count",
    "product_jet",
    "tanh_derivatives",
]
