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
# (chapter-rq4)=
# # RQ4: Do activations saturate and compress at the transition?
#
# **Claim** {cite:p}`anagnostopoulos2024learning`: at the transition to total diffusion
# the activations saturate and the information they carry is compressed, with deeper
# layers losing least, in the spirit of the information-bottleneck view of deep learning
# {cite:p}`shwartzziv2017opening`.
#
# For each hidden layer, the activations on all collocation points are binned (about 30
# bins per neuron); the entropy $H$ of the distinct binned activation patterns measures
# the information the layer keeps about the input (at most $\log_2 N$), and the
# saturation share is the fraction of activations in a neuron's lowest or highest bin
# ({ref}`chapter-background`). We compare the mean over the 10 logged points before the
# detected SNR jump with the mean over the 10 after it.

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

# %%
runs = {p: report.benchmark_runs(p, profile, seeds, device=device) for p in report.BENCHMARKS}

# %% [markdown]
# ## Entropy and saturation through training
#
# {numref}`fig-rq4-burgers` and {numref}`fig-rq4-allen-cahn` show the three compression
# measures per layer for the first seed, with the detected jump marked where there is
# one.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-burgers", "caption": "Burgers, first seed: binned entropy, KDE entropy and saturation share of each hidden layer against the step, for vanilla training (top) and RBA (bottom); dashed vertical line: the detected SNR jump."}}
plots.plot_compression(report.first_seed(runs["burgers"]))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-allen-cahn", "caption": "Allen-Cahn, first seed: as in the previous figure."}}
plots.plot_compression(report.first_seed(runs["allen_cahn"]))

# %% [markdown]
# ## Across the jump, every run
#
# The change of each layer's entropy and saturation share across the detected jump, for
# every run that has one ({numref}`fig-rq4-change`):

# %% tags=["nbval-check-output"]
changes = report.compression_changes(runs)
Markdown(report.compression_table(changes) if changes else "No run has a detected jump.")

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-change", "caption": "Change of binned entropy (left) and saturation share (right) of each hidden layer across the detected SNR jump, one line per run with a jump."}}
plots.plot_compression_change(changes)

# %% [markdown]
# ## From the start of diffusion to the end of training, every run
#
# Runs without a detected jump still compress or not as they train. The same change per
# layer, from the 10 logged points after step 300 to the last 10 logged points, for every
# run ({numref}`fig-rq4-training`); this is not the claim's transition, only the trend
# over the run:

# %% tags=["nbval-check-output"]
over_training = report.compression_changes(runs, across="training")
Markdown(report.compression_table(over_training))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-training", "caption": "Change of binned entropy (left) and saturation share (right) of each hidden layer from just after step 300 to the end of training, one line per run."}}
plots.plot_compression_change(over_training, span="over training")

# %% tags=["remove-input"]
counts = report.compression_counts(changes)
for key in ("runs", "compressed", "saturated", "deeper_less"):
    glue(f"rq4_{key}", counts[key], display=False)
glue("rq4_verdict", Markdown(counts["verdict"]), display=False)
trend = report.compression_counts(over_training)
for key in ("runs", "compressed", "kde_compressed", "saturated", "deeper_less"):
    glue(f"rq4_training_{key}", trend[key], display=False)

# %% [markdown]
# ## Finding
#
# Of the {glue:text}`rq4_runs` runs with a detected jump, the mean entropy over the layers
# falls across it in {glue:text}`rq4_compressed`, the mean saturation share rises in
# {glue:text}`rq4_saturated`, and, of the runs that lose entropy, the entropy change
# grows with depth (deeper layers lose less; positive rank correlation with the layer
# index) in {glue:text}`rq4_deeper_less`. {glue:md}`rq4_verdict:myst`
#
# Over the whole run, from the start of diffusion to the end of training, the mean
# binned entropy falls in {glue:text}`rq4_training_compressed` of
# {glue:text}`rq4_training_runs` runs (the KDE entropy in
# {glue:text}`rq4_training_kde_compressed`), the mean saturation share rises in
# {glue:text}`rq4_training_saturated`, and of the runs that lose binned entropy, deeper
# layers lose less in {glue:text}`rq4_training_deeper_less`.
#
# With tens of neurons per layer and about 30 bins each, the layer can form far more
# distinct patterns than there are points, so the binned entropy sits near its maximum
# $\log_2 N$ until many neurons saturate; only large changes show. The KDE estimate in
# the figures is a smoother cross-check.
