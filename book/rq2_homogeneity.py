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
# (chapter-rq2)=
# # RQ2: Does homogeneity go with convergence and generalization?
#
# **Claim** {cite:p}`anagnostopoulos2024learning`: gradient homogeneity across samples
# and uniform residuals across the domain go with the best convergence and
# generalization. Two order parameters measure homogeneity ({ref}`chapter-background`):
#
# - the gradient order $\phi = \|\mu\| / \|\mathrm{rms}\|$ over the batches of
#   collocation points (100, or 16 of 256 points at `cpu`), which is 1 when all batches pull the weights the same way;
# - the residual homogeneity $\phi_r = \mathrm{mean}_b(w_b) / \sqrt{\mathrm{mean}_b(w_b^2)}$
#   over a $10 \times 10$ grid of bins of the domain, with $w_b$ the mean $|r|$ in bin $b$,
#   which is 1 when the residual is the same everywhere.
#
# The test error is the relative $L^2$ error against the reference. We ask two things of
# every benchmark: within a run, does the error fall as $\phi_r$ rises (a negative rank
# correlation between $\phi_r$ and the error over the logged steps after step 300)? And
# between the two methods trained from the same seed, is the run with the more uniform
# final residual the more accurate one?

# %% tags=["parameters", "hide-cell"]
profile = "cpu"
seeds = None
device = "cpu"

# %% tags=["hide-input"]
# %matplotlib inline
from IPython.display import Markdown
from myst_nb import glue

import pinnlib.plotting as plots
from pinnlib import report
from pinnlib.chapter import all_benchmark_runs

# %%
runs = all_benchmark_runs(profile, seeds, device)

# %% [markdown]
# ## Homogeneity against error
#
# {numref}`fig-rq2-scatter` plots $\phi_r$ against the error at every logged step of the
# first seed; {numref}`fig-rq2-order` shows the two order parameters through training
# for the Allen-Cahn runs.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq2-scatter", "caption": "Residual homogeneity $\\phi_r$ against the relative $L^2$ error at every logged step after step 300 (first seed); later steps are drawn darker."}}
plots.plot_homogeneity_error({report.TITLES[p]: report.first_seed(r) for p, r in runs.items()})

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq2-order", "caption": "Allen-Cahn, first seed: gradient order parameter, residual homogeneity of $|r|$ (solid) and of the RBA weights (dashed), and the test error; faint: as logged; thick: arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter."}}
plots.plot_order(report.first_seed(runs["allen_cahn"]))

# %% [markdown]
# ## Every run
#
# The rank (Spearman) correlation of each order parameter with the $\log_{10}$ error over
# the logged steps after step 300, and the final values (means of the last 10 logged
# points):

# %% tags=["nbval-check-output"]
rows = report.homogeneity_rows(runs)
Markdown(report.homogeneity_table(rows))

# %% tags=["remove-input"]
counts = report.homogeneity_counts(runs, rows)
for key in ("runs", "negative", "positive", "phi_negative", "phi_positive", "pairs", "agree"):
    glue(f"rq2_{key}", counts[key], display=False)
glue("rq2_verdict", Markdown(counts["verdict"]), display=False)
glue("rq2_phi_verdict", Markdown(counts["phi_verdict"]), display=False)

# %% [markdown]
# ## Finding
#
# Each order parameter gets its own verdict, from the trend within each run: a run
# supports the claim when the rank correlation of the parameter with the error is below
# $-0.3$ (the error falls as homogeneity rises), and goes the other way above $+0.3$.
#
# **Residual homogeneity.** In {glue:text}`rq2_negative` of {glue:text}`rq2_runs` runs
# the error falls clearly as $\phi_r$ rises; in {glue:text}`rq2_positive` it clearly
# rises. {glue:md}`rq2_verdict:myst`
#
# **Gradient homogeneity.** In {glue:text}`rq2_phi_negative` of {glue:text}`rq2_runs`
# runs the error falls clearly as $\phi$ rises; in {glue:text}`rq2_phi_positive` it
# clearly rises. {glue:md}`rq2_phi_verdict:myst`
#
# Of the {glue:text}`rq2_pairs` pairs of runs from one seed trained both ways, the run
# with the more uniform final residual ends with the lower error in
# {glue:text}`rq2_agree`. That comparison sets vanilla against RBA, so it restates
# {ref}`chapter-rq3` and cannot tell homogeneity from the method; it is not part of the
# verdicts.
#
# A correlation over one run's history is a weak test: error and homogeneity both change
# with the step, so any two monotone trends correlate, in either direction.
