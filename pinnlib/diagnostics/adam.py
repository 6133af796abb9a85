"""Adam SNR from the optimizer's moment estimates.

Definition (book/background.md):

    SNR_Adam = ||m_hat||_2 / ||sqrt(v_hat) + 1e-8||_2,
    m_hat = m_t / (1 - beta1^t),   v_hat = v_t / (1 - beta2^t),

over all parameters (biases included) flattened together, with beta1, beta2
read from each parameter group and t the step count stored in the optimizer
state. Before the first optimizer step there are no moments: the value is
nan. Parameters without Adam state (or an optimizer that keeps none, such as
L-BFGS) are left out; with none at all the value is nan.
"""

from __future__ import annotations

import math

import torch


def adam_snr(optimizer: torch.optim.Optimizer, eps: float = 1e-8) -> float:
    """||m_hat|| / ||sqrt(v_hat) + eps|| over all parameters (nan before the first step)."""
    num = den = 0.0
    found = False
    for group in optimizer.param_groups:
        beta1, beta2 = group.get("betas", (math.nan, math.nan))
        for p in group["params"]:
            state = optimizer.state.get(p, {})
            if "exp_avg" not in state or "exp_avg_sq" not in state:
                continue
            t = float(state["step"])
            if t <= 0:
                continue
            found = True
            m_hat = state["exp_avg"].double() / (1 - beta1**t)
            v_hat = state["exp_avg_sq"].double() / (1 - beta2**t)
            num += m_hat.square().sum().item()
            den += (v_hat.sqrt() + eps).square().sum().item()
    return math.sqrt(num / den) if found else math.nan
