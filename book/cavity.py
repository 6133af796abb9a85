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
# (chapter-cavity)=
# # Lid-driven cavity
#
# Steady incompressible Navier-Stokes flow in the unit square, driven by a lid moving
# at $u = 1$:
#
# $$
# (\mathbf{u} \cdot \nabla)\mathbf{u} + \nabla p - \frac{1}{Re} \Delta \mathbf{u} = 0,
# \qquad \nabla \cdot \mathbf{u} = 0,
# $$
#
# with no-slip walls. As in the authors' code, the network outputs the stream function
# $\psi$ and the pressure $p$, with $u = \psi_y$, $v = -\psi_x$, so continuity holds
# exactly and the momentum residual needs third derivatives of $\psi$; the residual is
# $|r_x| + |r_y|$ and the error is measured on the speed $|\mathbf{u}|$ over the
# reference grid. The reference is our own steady solver, checked against the
# centre-line tables of {cite:t}`ghia1982high` ({ref}`chapter-appendix-reference`).
# The paper runs $Re = 1000$; the `cpu` profile runs $Re = 100$, whose thicker
# boundary layers a small network can resolve on a CPU budget ({ref}`chapter-profiles`).

# %% tags=["parameters", "hide-cell"]
profile = "cpu"
seeds = None
device = "cpu"

# %% tags=["hide-input"]
# %matplotlib inline
import pinnlib.plotting as plots
from pinnlib.chapter import BenchmarkChapter

chapter = BenchmarkChapter("cavity", profile, seeds, device)
chapter.print_setting(f"Re = {chapter.args.get('re', 1000):g}")

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
chapter.glue_error_findings("cav")

# %% [markdown]
# Over the seeds, the geometric mean of the final error is
# {glue:text}`cav_err_vanilla:.2e` for vanilla training and {glue:text}`cav_err_rba:.2e`
# with RBA: {glue:md}`cav_finding:myst`.
# {glue:md}`cav_target:myst` {numref}`fig-cavity-fields` shows the solution of
# the first seed.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-cavity-fields", "caption": "Top: the speed $|\\mathbf{u}|$ of the reference and of the two trained networks over $(x, y)$ (first seed). Bottom: absolute error of each network."}}
plots.plot_run_fields(records, ("x", "y"), field_name="|u|")

# %% [markdown]
# ## Training histories and phases
#
# {numref}`fig-cavity-history` shows the loss and the error, {numref}`fig-cavity-snr`
# the batch gradient SNR with the phases the detector finds (definitions in
# {ref}`chapter-background`, the detector in {ref}`chapter-rq1`).

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-cavity-history", "caption": "Total training loss (left) and relative $L^2$ test error (right) against the Adam step (first seed)."}}
plots.plot_histories(records, keys=("loss", "error"))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-cavity-snr", "caption": "Batch gradient SNR against the Adam step, rescaled to 256 points per batch (the paper's units) where the run logged its points per batch (each panel's title gives the number it was measured at): whole network as logged (faint), its arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter (thick; dashed: the geometric mean), the residual term alone (thin dash-dotted, where logged), per weight matrix (thin, same average), Adam's own SNR (dotted, a ratio of its moments, not rescaled), SNR = 1 (dash-dotted black); the detected phases shaded (first seed)."}}
plots.plot_snr(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-cavity-maps", "caption": "Final absolute residual of each run and the final RBA weights over the cavity (bin means, first seed)."}}
plots.plot_residual_maps(records)

# %% [markdown]
# ## Comparison with the paper
#
# The paper's numbers are for its own configuration ($Re = 1000$, 10,000 points,
# $6 \times 128$, 300,000 steps); at the `paper` profile this chapter trains exactly that. At other
# profiles the problem and budget differ, so only the direction of the comparison
# (does RBA help, and does it reach total diffusion sooner) can be compared.

# %% tags=["remove-input"]
chapter.paper_comparison()
