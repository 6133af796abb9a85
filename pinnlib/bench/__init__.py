"""Timing: what a training step, a monitor and a whole run cost (``python -m pinnlib bench``).

* :mod:`~pinnlib.bench.timer`: the one timer (device-synchronised wall time of a call, the
  first calls, which compile and warm caches, kept apart) and the one definition of a
  training step without logging, used by everything that times steps;
* :mod:`~pinnlib.bench.steps`: the training-step variants, nested autograd against the
  Taylor-mode fast path, eager and compiled, with their memory and matmul floor;
* :mod:`~pinnlib.bench.diagnostics`: the cost of the monitors relative to a training step.

:mod:`pinnlib.run_costs` times a few warm steps with the same timer to estimate what a
sweep's runs cost.
"""
