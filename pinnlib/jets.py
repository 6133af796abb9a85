"""Jets: a value and its input derivatives, pushed through layers in Taylor mode.

Two ways to get the input derivatives a PDE residual needs:

* the fast path, ``model(x, derivatives=...)``: Taylor-mode (forward)
  propagation of a *jet* (the value and its partial derivatives) through every
  layer, so value and derivatives come out of one forward pass and the
  parameter gradient needs a single first-order backward pass (which also keeps
  the step compatible with ``torch.compile``);
* the reference path, :func:`pinnlib.nn.autograd_fields`: nested
  ``torch.autograd.grad`` calls, the way most PINN codes (and the paper's
  authors) do it. Tests check the two agree to round-off.

A derivative is named by a *multi-index*: the sorted tuple of input
dimensions it differentiates, e.g. ``(1, 1)`` is d^2/dx_1^2 and ``()`` the
value itself. A jet is a list of *channels*, one per multi-index of
:func:`closure`; a channel is a tensor of shape (N, F), or (1, F) when it is
the same at every point (the derivatives of the first affine layer), or
``None`` when it is identically zero. Skipping zero channels and keeping
constant ones narrow makes the first layer nearly free.

The rules, for the sorted positions S of a multi-index:

* affine layer z = W a + b: every channel through W, the bias on the value only;
* elementwise s(a), Faa di Bruno's formula:
  d_S s(a) = sum over set partitions P of S of  s^(|P|)(a) prod_{B in P} d_B a;
* product a * b, Leibniz's rule: d_S (a b) = sum over subsets A of S of d_A a d_{S-A} b.

Equal terms are merged (e.g. d_xx s = s'' (d_x a)^2 + s' d_xx a), so each
channel costs a few fused multiply-adds. Through tanh a jet is one autograd
node with a hand-written backward pass (:class:`_TanhJet`) that keeps only
tanh(a) and the incoming channels, so a training step on the fast path holds
less memory than on the nested-autograd path (``python -m pinnlib bench``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

import torch
import torch.nn.functional as F
from torch import Tensor

MultiIndex = tuple[int, ...]
Channel = Tensor | None
Jet = list[Channel]


# -- multi-indices and the combinatorics of the jet rules -------------------------------
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


# Memo tables of the pure combinatorics below. torch.compile treats their results as
# constants (``assume_constant_result``): tracing into the lookups instead would guard on
# the tables, which the first trace fills, and so compile every loss twice.
_FAA_DI_BRUNO: dict[MultiIndex, tuple[tuple[int, int, tuple[MultiIndex, ...]], ...]] = {}
_LEIBNIZ: dict[MultiIndex, tuple[tuple[int, MultiIndex, MultiIndex], ...]] = {}


@torch.compiler.assume_constant_result
def _faa_di_bruno(index: MultiIndex) -> tuple[tuple[int, int, tuple[MultiIndex, ...]], ...]:
    """Terms (count, order k of s^(k), blocks) of d_index s(a), equal terms merged."""
    if index in _FAA_DI_BRUNO:
        return _FAA_DI_BRUNO[index]
    counts: dict[tuple[int, tuple[MultiIndex, ...]], int] = {}
    for partition in _set_partitions(tuple(range(len(index)))):
        blocks = tuple(sorted(tuple(sorted(index[p] for p in block)) for block in partition))
        key = (len(blocks), blocks)
        counts[key] = counts.get(key, 0) + 1
    terms = tuple((count, order, blocks) for (order, blocks), count in counts.items())
    _FAA_DI_BRUNO[index] = terms
    return terms


@torch.compiler.assume_constant_result
def _leibniz(index: MultiIndex) -> tuple[tuple[int, MultiIndex, MultiIndex], ...]:
    """Terms (count, A, S - A) of d_index (a b) over the subsets A of positions, merged."""
    if index in _LEIBNIZ:
        return _LEIBNIZ[index]
    counts: dict[tuple[MultiIndex, MultiIndex], int] = {}
    n = len(index)
    for mask in range(2**n):
        a = tuple(index[p] for p in range(n) if mask >> p & 1)
        b = tuple(index[p] for p in range(n) if not mask >> p & 1)
        counts[(a, b)] = counts.get((a, b), 0) + 1
    terms = tuple((count, a, b) for (a, b), count in counts.items())
    _LEIBNIZ[index] = terms
    return terms


def _product(factors: list[Tensor]) -> Tensor:
    """Product of channels, narrow (constant) ones first."""
    factors = sorted(factors, key=lambda f: f.shape[0])
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


def _combination(terms: list[tuple[float, list[Tensor]]]) -> Channel:
    """sum of c * prod(tensors) over ``terms`` (c, tensors), with fused multiply-adds.

    None if there are no terms; a single term of one tensor with c = 1 is returned as
    it is. Out of place throughout, so ``torch.func.vmap`` has a batching rule for every op.
    """
    total = None
    for c, tensors in sorted(terms, key=lambda term: term[0] != 1):  # c = 1 starts the sum
        tensors = sorted(tensors, key=lambda f: f.shape[0])  # narrow (constant) ones first
        head, last = (_product(tensors[:-1]) if len(tensors) > 1 else None), tensors[-1]
        if head is not None and head.shape[0] == 1 and c != 1:
            head, c = head * c, 1.0  # scale the narrow factor, not the full product
        if total is None:
            total = last if head is None else head * last
            total = total if c == 1 else total * c
        elif head is None:
            total = torch.add(total, last, alpha=c)
        else:
            total = torch.addcmul(total, head, last, value=c)
    return total


# -- the jet rules ---------------------------------------------------------------------------
def input_jet(x: Tensor, indices: Sequence[MultiIndex]) -> Jet:
    """The jet of the inputs themselves: value x, d_i x = e_i (constant), higher ones zero."""
    jet: Jet = []
    for index in indices:
        if len(index) == 0:
            jet.append(x)
        elif len(index) == 1:
            e = torch.zeros(1, x.shape[1], dtype=x.dtype, device=x.device)
            e[0, index[0]] = 1
            jet.append(e)
        else:
            jet.append(None)
    return jet


def linear_jet(jet: Sequence[Channel], weight: Tensor, bias: Tensor | None = None) -> Jet:
    """Affine map z = W a + b of a jet: every channel through W, the bias on the value only."""
    out: Jet = [F.linear(jet[0], weight, bias)]
    out.extend(None if c is None else F.linear(c, weight) for c in jet[1:])
    return out


def elementwise_jet(
    jet: Sequence[Channel],
    indices: Sequence[MultiIndex],
    derivatives: Sequence[Tensor],
    scales: Sequence[float] | None = None,
) -> Jet:
    """Push a jet through s elementwise (Faa di Bruno), given s^(k) = scales[k] * derivatives[k].

    (The scales let cheap factors stand for derivatives, e.g. tanh'' = -2 * (t tanh').)
    """
    scales = scales or [1.0] * len(derivatives)
    position = {m: k for k, m in enumerate(indices)}
    out: Jet = [derivatives[0] if scales[0] == 1 else scales[0] * derivatives[0]]
    for index in indices[1:]:
        terms = []
        for count, order, blocks in _faa_di_bruno(index):
            factors = [jet[position[block]] for block in blocks]
            if all(f is not None for f in factors):
                terms.append((count * scales[order], [derivatives[order], _product(factors)]))
        out.append(_combination(terms))
    return out


def product_jet(a: Sequence[Channel], b: Sequence[Channel], indices: Sequence[MultiIndex]) -> Jet:
    """The jet of the elementwise product a * b (Leibniz's rule)."""
    position = {m: k for k, m in enumerate(indices)}
    out: Jet = []
    for index in indices:
        terms = []
        for count, i, j in _leibniz(index):
            p, q = a[position[i]], b[position[j]]
            if p is not None and q is not None:
                terms.append((count, [p, q]))
        out.append(_combination(terms))
    return out


def add_jets(a: Sequence[Channel], b: Sequence[Channel], alpha: float = 1.0) -> Jet:
    """The jet of a + alpha * b."""
    out: Jet = []
    for p, q in zip(a, b):
        if q is None:
            out.append(p)
        elif p is None:
            out.append(q if alpha == 1 else alpha * q)
        else:
            out.append(p + q if alpha == 1 else torch.add(p, q, alpha=alpha))
    return out


def concat_jets(jets: Sequence[Sequence[Channel]]) -> Jet:
    """Concatenate jets along the feature dimension (zero and constant channels filled in)."""
    widths = [jet[0].shape[1] for jet in jets]
    n = jets[0][0].shape[0]
    out: Jet = []
    for k in range(len(jets[0])):
        parts = [jet[k] for jet in jets]
        if all(p is None for p in parts):
            out.append(None)
            continue
        like = next(p for p in parts if p is not None)
        rows = n if any(p is not None and p.shape[0] != 1 for p in parts) else 1
        filled = [
            like.new_zeros(rows, w) if p is None else p.expand(rows, w)
            for p, w in zip(parts, widths)
        ]
        out.append(torch.cat(filled, dim=1))
    return out


def tanh_factors(t: Tensor, max_order: int) -> tuple[list[float], list[Tensor]]:
    """tanh^(k) = scale_k * E_k for k <= max_order (<= 4), from t = tanh(a):

    E_0 = t, E_1 = 1 - t^2, E_2 = t E_1 (scale -2), E_3 = E_1 (3 t^2 - 1) (scale 2),
    E_4 = t E_1 (2 - 3 t^2) (scale 8); each factor costs one or two passes over t.
    """
    if max_order > 4:
        raise ValueError(f"tanh jets are implemented up to order 4, asked for {max_order}")
    scales, factors = [1.0, 1.0, -2.0, 2.0, 8.0], [t]
    if max_order >= 1:
        t2 = t * t
        d1 = 1 - t2
        factors.append(d1)
    if max_order >= 2:
        factors.append(t * d1)
    if max_order >= 3:
        factors.append(d1 * (3 * t2 - 1))
    if max_order >= 4:
        factors.append(factors[2] * (2 - 3 * t2))
    return scales[: max_order + 1], factors


def tanh_derivatives(a: Tensor, max_order: int) -> list[Tensor]:
    """tanh and its first ``max_order`` derivatives (max_order <= 4) at ``a``."""
    scales, factors = tanh_factors(torch.tanh(a), max_order)
    return [f if c == 1 else c * f for c, f in zip(scales, factors)]


class _TanhJet(torch.autograd.Function):
    """tanh of a jet as one autograd node, with a hand-written backward pass.

    It keeps only t = tanh(a) and the derivative channels d_B a (autograd would keep
    every intermediate product) and recomputes the factors E_k from t. With
    out_S = sum over terms (c, k, blocks) of c s^(k)(a) prod_B d_B a and g_S = dL/d out_S:

        dL/da      = sum_k s^(k+1)(a) Q_k,  Q_k = sum over order-k terms of c g_S prod_B d_B a,
        dL/d d_B a = sum_k s^(k)(a) R_kB,   R_kB = the same with one factor d_B a left out,

    both with fused multiply-adds over the grouped terms.
    """

    generate_vmap_rule = True

    @staticmethod
    def forward(indices: tuple[MultiIndex, ...], *jet: Tensor) -> tuple[Tensor, ...]:
        order = max(len(m) for m in indices)
        scales, factors = tanh_factors(torch.tanh(jet[0]), order)
        return tuple(elementwise_jet(jet, indices, factors, scales))

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        indices, *jet = inputs
        ctx.indices = indices
        ctx.save_for_backward(output[0], *jet[1:])

    @staticmethod
    def backward(ctx, *grads: Tensor | None) -> tuple[Tensor | None, ...]:
        indices = ctx.indices
        t, *channels = ctx.saved_tensors
        jet = [t, *channels]
        position = {m: k for k, m in enumerate(indices)}
        scales, factors = tanh_factors(t, max(len(m) for m in indices) + 1)
        q: dict[int, list] = {}
        r: dict[tuple[int, MultiIndex], list] = {}
        if grads[0] is not None:
            q[0] = [(1.0, [grads[0]])]
        for index, g in zip(indices[1:], grads[1:]):
            if g is None:
                continue
            for count, k, blocks in _faa_di_bruno(index):
                a = [jet[position[block]] for block in blocks]
                q.setdefault(k, []).append((count, [g, *a]))
                for j, block in enumerate(blocks):
                    if block not in blocks[:j]:  # a repeated block counts by its multiplicity
                        term = (count * blocks.count(block), [g, *a[:j], *a[j + 1 :]])
                        r.setdefault((k, block), []).append(term)
        grad_a = _combination(
            [(scales[k + 1], [factors[k + 1], _combination(terms)]) for k, terms in q.items()]
        )
        out: list[Tensor | None] = [None, grad_a]
        for m, c in zip(indices[1:], channels):
            parts = [
                (scales[k], [factors[k], _combination(terms)])
                for (k, block), terms in r.items()
                if block == m
            ]
            g = _combination(parts) if parts else None
            if g is not None and c.shape[0] == 1 and g.shape[0] != 1:
                g = g.sum(dim=0, keepdim=True)  # a constant channel
            out.append(g)
        return tuple(out)


def tanh_jet(jet: Sequence[Channel], indices: Sequence[MultiIndex]) -> Jet:
    """The jet of tanh(a): one fused autograd node when every channel is present."""
    order = max(len(m) for m in indices)
    if order < 4 and all(c is not None for c in jet):
        return list(_TanhJet.apply(tuple(indices), *jet))
    scales, factors = tanh_factors(torch.tanh(jet[0]), order)
    return elementwise_jet(jet, indices, factors, scales)


def sin_cos_derivatives(a: Tensor, max_order: int) -> tuple[list[Tensor], list[Tensor]]:
    """Derivatives 0..max_order of sin and of cos at ``a`` (they cycle with period 4)."""
    s, c = torch.sin(a), torch.cos(a)
    sin_cycle, cos_cycle = [s, c, -s, -c], [c, -s, -c, s]
    return (
        [sin_cycle[k % 4] for k in range(max_order + 1)],
        [cos_cycle[k % 4] for k in range(max_order + 1)],
    )


def output_dict(jet: Sequence[Channel], indices: Sequence[MultiIndex]) -> dict[MultiIndex, Tensor]:
    """The jet as {multi-index: (N, out)}, constant channels expanded, zero ones filled."""
    value = jet[0]
    out = {}
    for m, c in zip(indices, jet):
        out[m] = value.new_zeros(value.shape) if c is None else c.expand_as(value)
    return out
