"""Per-batch gradients of the PINN loss, vectorised over batches with ``torch.func``.

Batch gradient definition (book/background.md): the N residual
points are split into B disjoint batches; batch b has the loss

    L_b = (1 / n_b) sum_{i in b} sum_e (lambda_i r_ie)^2  +  L_c,

where lambda are the current RBA weights (1 for vanilla), e runs over the
equations of a system (the Trainer's residual term,
:func:`pinnlib.weighting.weighted_residual_loss`, on batch b) and L_c is the full
initial and boundary loss, the same for every batch. Its gradient g_b is
taken with respect to the weight matrices only (parameters with two or more
dimensions; no biases).

The split is fixed: a permutation of the point indices drawn from a private
generator seeded by ``seed`` (the global RNG is never touched), cut in one of two
ways:

* ``batch_points=n`` (equal batches): B = N // n batches of exactly n points each
  (the N mod n left-over points of the permutation belong to no batch). Then
  mean_b g_b is exactly the gradient over the batched points, and the SNR is
  measured at a stated n_b. With n = 256 it is in the paper's units (N = 25,600
  points in B = 100 batches);
* ``batch_points=None`` (the paper's literal B = 100): B contiguous chunks whose
  sizes differ by at most one (``numpy.array_split`` sizes). Shorter chunks are
  padded with a masked copy of one of their points, so that all batches have one
  shape and ``vmap`` applies. When B does not divide N the batch losses are means
  over unequal counts, so mean_b g_b is not the full gradient; at a small SNR that
  error can exceed the gradient itself.

The spread of a batch-mean gradient over n_b points shrinks like 1/sqrt(n_b), so
the SNR grows like sqrt(n_b) at fixed weights (:func:`pinnlib.diagnostics.snr.paper_units`
rescales it).

Two implementations:

* :func:`batch_gradients`: ``vmap(grad(L_b))`` over the batches through
  ``torch.func.functional_call``; since L_c is shared, its gradient is computed
  once (by ``torch.autograd.grad`` on the real model) and added to every batch;
* :func:`batch_gradients_loop`: one backward pass per batch, the plain
  reference the tests and the benchmark compare against.

Neither touches ``.grad``, the parameters, the optimizer or the global RNG.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call, grad, vmap

from pinnlib.problems.base import Problem
from pinnlib.weighting import weighted_residual_loss

ConditionLoss = Callable[[], Tensor]


def weight_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    """The weight matrices of ``model`` (trainable parameters with ndim >= 2), by name."""
    return {n: p for n, p in model.named_parameters() if p.requires_grad and p.ndim >= 2}


def batch_split(
    n_points: int,
    n_batches: int = 100,
    seed: int = 0,
    device: torch.device | str = "cpu",
    batch_points: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Fixed split of ``n_points`` indices into disjoint batches (see the module docstring).

    Returns ``index`` (B, m) and a boolean ``mask`` (B, m). With ``batch_points=n``:
    B = N // n rows of n points each, all unmasked (``n_batches`` is ignored). Without:
    B = ``n_batches`` rows, m = ceil(N / B), row b the b-th contiguous chunk of a seeded
    permutation, padded (mask False) with a repeat of its first index where the chunk
    is one shorter.
    """
    generator = torch.Generator().manual_seed(seed)
    if batch_points is not None:
        if not 1 <= batch_points <= n_points // 2:
            raise ValueError(
                f"need 1 <= batch_points <= n_points / 2 (two batches at least), got "
                f"{batch_points=} {n_points=}"
            )
        count = n_points // batch_points
        perm = torch.randperm(n_points, generator=generator)[: count * batch_points]
        index = perm.reshape(count, batch_points)
        return index.to(device), torch.ones_like(index, dtype=torch.bool).to(device)
    if not 1 <= n_batches <= n_points:
        raise ValueError(f"need 1 <= n_batches <= n_points, got {n_batches=} {n_points=}")
    perm = torch.randperm(n_points, generator=generator)
    chunks = torch.tensor_split(perm, n_batches)
    width = len(chunks[0])
    index = torch.stack([torch.cat([c, c[:1].expand(width - len(c))]) for c in chunks])
    mask = torch.arange(width)[None, :] < torch.tensor([len(c) for c in chunks])[:, None]
    return index.to(device), mask.to(device)


def _functional_model(model: nn.Module, params: dict[str, Tensor]) -> Callable[..., Tensor]:
    """``model`` as a callable ``f(x, derivatives=None)`` that uses ``params``."""

    def f(x: Tensor, derivatives=None):
        return functional_call(model, params, (x,), {"derivatives": derivatives})

    return f


def _condition_gradient(
    condition_loss: ConditionLoss | None, weights: dict[str, nn.Parameter]
) -> dict[str, Tensor] | None:
    if condition_loss is None:
        return None
    with torch.enable_grad():
        loss = condition_loss()
        grads = torch.autograd.grad(loss, list(weights.values()), allow_unused=True)
    return {
        n: torch.zeros_like(p) if g is None else g.detach()
        for (n, p), g in zip(weights.items(), grads)
    }


def batch_gradients(*args: Any, **kwargs: Any) -> dict[str, Tensor]:
    """g_b for every batch b, by ``vmap(grad)``: a dict name -> (B, *weight shape).

    Takes the arguments of :func:`batch_gradient_parts`: the residual term's batch
    gradients with the condition loss's shared gradient added to every batch.
    """
    return combined(*batch_gradient_parts(*args, **kwargs))


def combined(residual: dict[str, Tensor], shared: dict[str, Tensor] | None) -> dict[str, Tensor]:
    """Batch gradients of the whole loss from :func:`batch_gradient_parts`' two parts."""
    if shared is None:
        return residual
    return {n: g + shared[n] for n, g in residual.items()}


def batch_gradient_parts(
    model: nn.Module,
    problem: Problem,
    points: Tensor,
    weights: Tensor | None = None,
    condition_loss: ConditionLoss | None = None,
    n_batches: int = 100,
    seed: int = 0,
    chunk_size: int | None = None,
    batch_points: int | None = None,
) -> tuple[dict[str, Tensor], dict[str, Tensor] | None]:
    """The two parts of :func:`batch_gradients`: the residual term's gradient of every
    batch (name -> (B, *shape)) and the condition loss's gradient, shared by all batches
    (name -> shape; None without ``condition_loss``).

    ``weights``: the RBA lambdas (N,) or None (vanilla, lambda = 1);
    ``condition_loss``: a callable returning L_c on the real ``model`` (for a
    :class:`~pinnlib.train.Trainer`: ``lambda: sum(trainer.condition_losses().values())``);
    ``chunk_size``: passed to ``vmap`` to bound memory on large problems;
    ``n_batches``, ``batch_points``: the split (:func:`batch_split`).

    The residual part alone gives the residual-only SNR, which tells an RBA run's start
    (lambda near 0, so the shared condition gradient dominates every batch and the SNR
    of the total is huge) from a real fitting phase.
    """
    named = {n: p.detach() for n, p in model.named_parameters()}
    trainable = weight_parameters(model)
    fixed = {n: p for n, p in named.items() if n not in trainable}
    index, mask = batch_split(len(points), n_batches, seed, points.device, batch_points)
    lam = torch.ones(len(points), dtype=points.dtype, device=points.device)
    lam = lam if weights is None else weights.detach().to(points.dtype)

    def residual_loss(w: dict[str, Tensor], x: Tensor, lam_b: Tensor, m: Tensor) -> Tensor:
        r = problem.residual_at(_functional_model(model, {**fixed, **w}), x)
        return weighted_residual_loss(r, lam_b, mask=m)

    w0 = {n: named[n] for n in trainable}
    per_batch = vmap(grad(residual_loss), in_dims=(None, 0, 0, 0), chunk_size=chunk_size)
    grads = per_batch(w0, points[index], lam[index], mask.to(points.dtype))
    return grads, _condition_gradient(condition_loss, trainable)


def batch_gradients_loop(
    model: nn.Module,
    problem: Problem,
    points: Tensor,
    weights: Tensor | None = None,
    condition_loss: ConditionLoss | None = None,
    n_batches: int = 100,
    seed: int = 0,
    batch_points: int | None = None,
) -> dict[str, Tensor]:
    """Reference implementation of :func:`batch_gradients`: one backward pass per batch."""
    trainable = weight_parameters(model)
    index, mask = batch_split(len(points), n_batches, seed, points.device, batch_points)
    lam = torch.ones(len(points), dtype=points.dtype, device=points.device)
    lam = lam if weights is None else weights.detach().to(points.dtype)
    out: dict[str, list[Tensor]] = {n: [] for n in trainable}
    with torch.enable_grad():
        for idx, m in zip(index, mask):
            idx = idx[m]
            r = problem.residual_at(model, points[idx])
            loss = weighted_residual_loss(r, lam[idx])
            if condition_loss is not None:
                loss = loss + condition_loss()
            grads = torch.autograd.grad(loss, list(trainable.values()))
            for n, g in zip(trainable, grads):
                out[n].append(g.detach())
    return {n: torch.stack(g) for n, g in out.items()}
