# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chapter-reproducing)=
# # Reproducing this book
#
# Every number and figure in this book is produced by executing the chapters, so
# reproducing it means running them again. From a fresh clone, on a machine with
# Python 3.11:
#
# ```bash
# make book     # every chapter at the cpu profile, then the HTML in _build/html/
# make test     # ruff, unit tests, nbval over the ci notebooks, book build, browser check
# ```
#
# Trained runs are cached in `data/runs/` by the hash of everything that determines their
# numbers (problem, network, method, optimiser, seed, code version); the `cpu` records are
# committed, so `make book` re-renders from them in minutes. To retrain everything, delete
# `data/runs/` (or point `PINNLIB_CACHE` at an empty folder) and run `make book` again.
#
# The `paper` profile uses the authors' configuration (a $6 \times 128$ network, 25,600
# points, 300,000 Adam steps) and is meant for a GPU:
#
# ```bash
# .venv/bin/python -m pinnlib book --profile paper --device cuda
# ```
#
# Its records land in `data/runs/` like any other, with the GPU named in their provenance.

# %% tags=["parameters", "hide-cell"]
profile = "cpu"
seeds = None

# %% tags=["remove-input"]
import csv
import os
import platform

import torch
from IPython.display import Markdown

import pinnlib
from pinnlib import report
from pinnlib.book import TIMINGS_TABLE
from pinnlib.storage import git_commit

# %% [markdown]
# ## This build
#
# The machine and versions that executed the chapters of the page you are reading:

# %% tags=["remove-input"]
Markdown(
    "| | |\n|---|---|\n"
    f"| Python | {platform.python_version()} |\n"
    f"| PyTorch | {torch.__version__} ({torch.get_num_threads()} threads) |\n"
    f"| pinnlib | {pinnlib.__version__}, commit `{(git_commit() or 'unknown')[:10]}` |\n"
    f"| machine | {platform.machine()}, {os.cpu_count()} cores |\n"
    f"| profile | `{profile}` |\n"
)

# %% [markdown]
# ## Run time of every chapter
#
# The book's runner records the wall time of each chapter it executes in
# `_build/timings.csv`; the table below is the committed `data/timings.csv` (one row per
# chapter and profile, the latest run), updated from a build with `make timings`. A
# chapter whose runs come from the cache takes seconds; the times below are those of
# the last execution recorded, cached or not.

# %% tags=["remove-input"]
rows = list(csv.DictReader(TIMINGS_TABLE.open())) if TIMINGS_TABLE.exists() else []
lines = [
    "| chapter | profile | wall time (s) | threads | finished (UTC) |",
    "|---|---|---|---|---|",
]
lines += [
    f"| {r['chapter']} | `{r['profile']}` | {float(r['seconds']):.0f} | {r['threads']} | {r['finished']} |"
    for r in sorted(rows, key=lambda r: (r["profile"], r["chapter"]))
]
totals = {}
for r in rows:
    totals[r["profile"]] = totals.get(r["profile"], 0.0) + float(r["seconds"])
summary = ", ".join(f"`{p}`: {s / 60:.1f} min" for p, s in sorted(totals.items()))
Markdown("\n".join(lines) + f"\n\nTotal per profile: {summary or 'no runs recorded yet'}.")

# %% [markdown]
# ## What training cost
#
# Rendering from the cache is fast; training is not. Every run record stores its own
# training time and the machine it ran on. The runs behind this profile's chapters (all
# benchmarks, both methods, every seed, and RQ1's longer runs):

# %% tags=["remove-input"]
costs = report.training_costs(profile, seeds)
trained = [c for c in costs if c["seconds"] is not None]
rows = [
    [c["benchmark"], c["method"], str(c["seed"]),
     "not in the cache" if c["seconds"] is None else f"{c['seconds'] / 60:.1f}",
     "-" if c["steps_per_second"] is None else f"{c['steps_per_second']:.0f}",
     f"{c['device']}, {c['threads']} thread(s)" if c["device"] else "-"]
    for c in costs
]  # fmt: skip
total = sum(c["seconds"] for c in trained)
render = totals.get(profile, 0.0)
Markdown(
    report.markdown_table(
        rows, ["benchmark", "method", "seed", "train minutes", "steps/s", "machine"]
    )  # fmt: skip
    + f"\n\n{len(trained)} of {len(costs)} runs are in the cache; training them took "
    f"{total / 60:.0f} minutes of compute in all (see the machine column for the threads "
    f"each run used). The chapter times above add up to {render / 60:.1f} minutes for "
    f"`{profile}`; a chapter's time includes training any run it did not find in the "
    "cache, so with a full cache it is the cost of executing and rendering alone, and "
    "retraining everything adds the training time."
)
