"""From a RunSpec to the objects of its run: the problem, the network and the weighting.

Every run of a spec builds these the same way (:class:`~pinnlib.train.Trainer` to
train, :meth:`~pinnlib.records.RunRecord.model` to reload a trained network), so
the construction lives here, below both.
"""

from __future__ import annotations

import torch

from pinnlib.nn import ARCHITECTURES, Embedding, FourierEmbedding, Network, PeriodicEmbedding
from pinnlib.problems import Problem, make_problem
from pinnlib.spec import RunSpec
from pinnlib.weighting import Weighting, make_weighting


def build_problem(spec: RunSpec) -> Problem:
    """The benchmark of ``spec`` with its arguments, its collocation points drawn from
    ``spec.seed``."""
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
        init_order=spec.init_order,
    )
    return model.to(getattr(torch, spec.dtype))


def build_weighting(spec: RunSpec) -> Weighting:
    """The pointwise residual weights of ``spec``: vanilla, or RBA with its settings."""
    return make_weighting(
        spec.method,
        eta=spec.rba_eta,
        gamma=spec.rba_gamma,
        init=spec.rba_init,
        normalisation=spec.rba_normalisation,
    )
