"""Evaluating a trained network: its output at given points, and on its reference grid."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from pinnlib.build import build_problem
from pinnlib.problems import Problem
from pinnlib.records import RunRecord

GridFields = tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]


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


def grid_fields(record: RunRecord) -> GridFields:
    """((a, b), reference, prediction) of the quantity the error measures, on its grid.

    The reference points are a tensor grid in the two inputs; fields have shape
    (len(a), len(b)) with ``a`` the first input.
    """
    problem = build_problem(record.spec)
    points, ref = problem.reference()
    pred = predict(record.model(), points, problem=problem)
    a, ia = np.unique(points[:, 0], return_inverse=True)
    b, ib = np.unique(points[:, 1], return_inverse=True)
    grid_ref = np.full((len(a), len(b)), np.nan)
    grid_pred = np.full((len(a), len(b)), np.nan)
    grid_ref[ia, ib] = ref[:, 0]
    grid_pred[ia, ib] = pred[:, 0]
    return (a, b), grid_ref, grid_pred
