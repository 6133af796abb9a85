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
from pinnlib.chapter import all_benchmark_runs, all_long_runs

# %%
runs = all_benchmark_runs(profile, seeds, device)

# %% [markdown]
# ## Entropy and saturation through training
#
# {numref}`fig-rq4-burgers` and {numref}`fig-rq4-allen-cahn` show the three compression
# measures per layer for the first seed, with the detected jump marked where there is
# one.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-burgers", "caption": "Burgers, first seed: binned entropy, KDE entropy and saturation share of each hidden layer against the step, each as its arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter, for vanilla training (top) and RBA (bottom); dashed vertical line: the detected SNR jump."}}
plots.plot_compression(report.first_seed(runs["burgers"]))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-allen-cahn", "caption": "Allen-Cahn, first seed: as in the previous figure."}}
plots.plot_compression(report.first_seed(runs["allen_cahn"]))

# %% [markdown]
# ## Across the jump, every run
#
# The change of each layer's compression measures across the detected jump, for every
# run that has one ({numref}`fig-rq4-change`). The binned entropy is the paper's
# estimator; the table also gives how far it sits below its ceiling $\log_2 N$ after the
# jump. The KDE entropy and the share of tanh units with $|a| > 0.99$ are the measures
# that can still move when the binned entropy is at its ceiling:

# %% tags=["nbval-check-output"]
changes = report.compression_changes(runs)
Markdown(report.compression_table(changes) if changes else "No run has a detected jump.")

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-change", "caption": "Change of the KDE entropy (left) and of the share of tanh units with $|a| > 0.99$ (right) of each hidden layer across the detected SNR jump, one line per run with a jump."}}
plots.plot_compression_change(changes)

# %% [markdown]
# ## Across the jump in the longer runs
#
# {ref}`chapter-rq1` trains Burgers and Allen-Cahn for longer (every seed, both methods),
# and some of those runs jump where the profile's runs do not. The same change across
# the detected jump, for every longer run that has one:

# %%
long_all = all_long_runs(profile, seeds, device)

# %% tags=["nbval-check-output"]
long_changes = report.compression_changes(long_all)
Markdown(
    report.compression_table(long_changes) if long_changes else "No longer run has a detected jump."
)

# %% tags=["remove-input"]
long_counts = report.compression_counts(long_changes)
for key in ("runs", "kde_compressed", "kde_expanded", "saturated", "deeper_less"):
    glue(f"rq4_long_{key}", long_counts[key], display=False)
glue("rq4_long_verdict", Markdown(long_counts["verdict"]), display=False)

# %% [markdown]
# Of the {glue:text}`rq4_long_runs` longer runs with a detected jump, the KDE entropy falls
# across it in {glue:text}`rq4_long_kde_compressed` and rises in
# {glue:text}`rq4_long_kde_expanded`, the share of saturated units rises by more than a
# percentage point in {glue:text}`rq4_long_saturated`, and of those whose KDE entropy
# falls, deeper layers lose less in {glue:text}`rq4_long_deeper_less`.
# {glue:md}`rq4_long_verdict:myst`

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

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-rq4-training", "caption": "Change of the KDE entropy (left) and of the share of tanh units with $|a| > 0.99$ (right) of each hidden layer from just after step 300 to the end of training, one line per run."}}
plots.plot_compression_change(over_training, span="over training")

# %% [markdown]
# ## At paper scale
#
# The committed paper-scale Helmholtz and Allen-Cahn runs ($6 \times 128$, 25,600 points;
# {ref}`chapter-helmholtz`, {ref}`chapter-allen-cahn`) log the same measures, never
# retrained here. Across the jump,
# for those with a detected jump long enough to compare, then from the start of diffusion
# to the last logged step, for those long enough (a run in progress up to its last
# checkpoint):

# %% tags=["nbval-check-output"]
paper_runs = {
    f"{report.TITLES[problem]}: {label}": r
    for problem in ("helmholtz", "allen_cahn")
    for label, r in report.paper_scale_records(problem)[0].items()
}
paper_jumps = report.labelled_compression_changes(paper_runs)
paper_trend = report.labelled_compression_changes(paper_runs, across="training")
Markdown(
    (report.compression_table(paper_jumps) if paper_jumps
     else "No paper-scale run has a detected jump with logged points on both sides of it.")
    + "\n\n"
    + (report.compression_table(paper_trend) if paper_trend
       else "No paper-scale run is long enough to compare.")
)  # fmt: skip

# %% tags=["remove-input"]
paper_counts = report.compression_counts(paper_trend)
for key in ("runs", "kde_compressed", "kde_expanded", "saturated"):
    glue(f"rq4_paper_{key}", paper_counts[key], display=False)
jump_counts = report.compression_counts(paper_jumps)
glue("rq4_paper_jumps", Markdown(
    f"Across the detected jump of {jump_counts['runs']} of them, the mean KDE entropy falls "
    f"by more than a tenth of a bit in {jump_counts['kde_compressed']}, rises by as much in "
    f"{jump_counts['kde_expanded']}, and the share of saturated units rises by more than a "
    f"percentage point in {jump_counts['saturated']}. {jump_counts['verdict']}"
    if paper_jumps else "No paper-scale run has a detected jump with logged points on both "
    "sides of it, so this is the trend over training, not the claim's transition."
), display=False)  # fmt: skip

# %% [markdown]
# Over the training of the {glue:text}`rq4_paper_runs` paper-scale runs long enough to
# compare, the KDE entropy falls in {glue:text}`rq4_paper_kde_compressed` and rises in
# {glue:text}`rq4_paper_kde_expanded`, and the share of saturated units rises by more
# than a percentage point in {glue:text}`rq4_paper_saturated`.
# {glue:md}`rq4_paper_jumps:myst`

# %% tags=["remove-input"]
KEYS = ("runs", "compressed", "kde_compressed", "kde_expanded", "saturated", "at_ceiling",
        "deeper_less", "deeper_more")  # fmt: skip
counts = report.compression_counts(changes)
for key in KEYS:
    glue(f"rq4_{key}", counts[key], display=False)
glue("rq4_verdict", Markdown(counts["verdict"]), display=False)
trend = report.compression_counts(over_training)
for key in KEYS:
    glue(f"rq4_training_{key}", trend[key], display=False)
glue("rq4_training_verdict", Markdown(trend["verdict"]), display=False)

# %% [markdown]
# ## Finding
#
# A change of a layer's mean entropy of less than a tenth of a bit counts as no change.
# With tens of neurons per layer and about 30 bins each, a layer can form far more
# distinct binned patterns than there are points, so the binned entropy sits at its
# ceiling $\log_2 N$ until many neurons saturate: after the jump it is within a tenth of
# a bit of it in {glue:text}`rq4_at_ceiling` of the {glue:text}`rq4_runs` runs with a
# detected jump (over training: {glue:text}`rq4_training_at_ceiling` of
# {glue:text}`rq4_training_runs`). The verdicts therefore rest on the KDE entropy and on
# the share of tanh units within 1 % of $\pm 1$.
#
# **Across the jump.** Of the {glue:text}`rq4_runs` runs with a detected jump, the mean
# binned entropy over the layers falls in {glue:text}`rq4_compressed`, the KDE entropy
# falls in {glue:text}`rq4_kde_compressed` and rises in {glue:text}`rq4_kde_expanded`,
# and the share of saturated units rises by more than a percentage point in
# {glue:text}`rq4_saturated`. Of the runs whose KDE entropy falls, deeper layers lose
# less in {glue:text}`rq4_deeper_less` and more in {glue:text}`rq4_deeper_more`.
# {glue:md}`rq4_verdict:myst`
#
# **Over training** (from the start of diffusion to the end, every run; not the claim's
# transition, only the trend): the mean binned entropy falls in
# {glue:text}`rq4_training_compressed` of {glue:text}`rq4_training_runs` runs, the KDE
# entropy falls in {glue:text}`rq4_training_kde_compressed` and rises in
# {glue:text}`rq4_training_kde_expanded`, and the share of saturated units rises by more
# than a percentage point in {glue:text}`rq4_training_saturated`; of the runs whose KDE entropy falls,
# deeper layers lose less in {glue:text}`rq4_training_deeper_less` and more in
# {glue:text}`rq4_training_deeper_more`. Read as a test of the claim, this trend says:
# {glue:md}`rq4_training_verdict:myst`
