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
# (chapter-allen-cahn)=
# # Allen-Cahn equation
#
# The Allen-Cahn equation is the paper's main benchmark and a notoriously hard one for
# PINNs {cite:p}`wang2024expert`:
#
# $$
# u_t - 10^{-4} u_{xx} + 5u^3 - 5u = 0, \qquad x \in [-1, 1],\; t \in [0, 1], \qquad
# u(0, x) = x^2 \cos(\pi x),
# $$
#
# periodic in $x$. The reaction term drives $u$ towards the stable states $\pm 1$ and
# thin interfaces form between them. The reference is our own Fourier spectral solution
# with ETDRK4 time stepping ({ref}`chapter-appendix-reference`). The paper's script
# trains on the initial condition alone, without any periodic condition; the `paper`
# profile does the same. The `cpu` profile instead builds the periodicity into the
# network through the input embedding $x \mapsto (\cos \pi x, \sin \pi x)$; the
# appendix {ref}`chapter-profiles` compares the two settings at the same budget.

# %% tags=["parameters", "hide-cell"]
profile = "cpu"
seeds = None
device = "cpu"

# %% tags=["hide-input"]
# %matplotlib inline
import pinnlib.plotting as plots
from pinnlib.chapter import BenchmarkChapter

chapter = BenchmarkChapter("allen_cahn", profile, seeds, device)
chapter.print_setting(f"periodic in x by {chapter.args.get('periodic', 'none')}")

# %% [markdown]
# ## Training
#
# Vanilla and RBA training for every seed (runs come from the result cache when this
# exact configuration has been trained before):

# %%
records = chapter.fetch()

# %% [markdown]
# The relative $L^2$ error on the test grid at the end of training, per seed:

# %% tags=["nbval-check-output"]
chapter.print_errors()

# %% tags=["remove-input"]
chapter.glue_error_findings("ac")

# %% [markdown]
# Over the seeds, the geometric mean of the final error is
# {glue:text}`ac_err_vanilla:.2e` for vanilla training and {glue:text}`ac_err_rba:.2e`
# with RBA: {glue:md}`ac_finding:myst`.
# {glue:md}`ac_target:myst` {numref}`fig-allen-cahn-fields` shows the solution of
# the first seed.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-allen-cahn-fields", "caption": "Top: the spectral reference solution and the two trained networks over $(t, x)$ (first seed). Bottom: absolute error of each network."}}
plots.plot_run_fields(records, ("t", "x"))

# %% [markdown]
# ## Training histories and phases
#
# {numref}`fig-allen-cahn-history` shows the loss and the error, {numref}`fig-allen-cahn-snr`
# the batch gradient SNR with the phases the detector finds (definitions in
# {ref}`chapter-background`, the detector in {ref}`chapter-rq1`).

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-allen-cahn-history", "caption": "Total training loss (left) and relative $L^2$ test error (right) against the Adam step (first seed)."}}
plots.plot_histories(records, keys=("loss", "error"))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-allen-cahn-snr", "caption": "Batch gradient SNR against the Adam step, rescaled to 256 points per batch (the paper's units) where the run logged its points per batch (each panel's title gives the number it was measured at): whole network as logged (faint), its arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter (thick; dashed: the geometric mean), the residual term alone (thin dash-dotted, where logged), per weight matrix (thin, same average), Adam's own SNR (dotted, a ratio of its moments, not rescaled), SNR = 1 (dash-dotted black); the detected phases shaded (first seed)."}}
plots.plot_snr(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-allen-cahn-maps", "caption": "Final absolute residual of each run and the final RBA weights over $(t, x)$ (bin means, first seed)."}}
plots.plot_residual_maps(records)

# %% [markdown]
# ## Comparison with the paper
#
# The paper's numbers are for its own configuration (no periodic condition, $6 \times 128$,
# 300,000 steps); at the `paper` profile this chapter trains exactly that. At other
# profiles the problem and budget differ, so only the direction of the comparison
# (does RBA help, and does it reach total diffusion sooner) can be compared.

# %% tags=["remove-input"]
chapter.paper_comparison()

# %% [markdown]
# {ref}`chapter-rq1` also trains this benchmark for longer (every seed, both methods)
# and reports where its error falls most steeply and how the SNR and the residual
# homogeneity change around that fall.
