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
# (chapter-burgers)=
# # Burgers' equation
#
# The viscous Burgers equation is the classic first PINN benchmark
# {cite:p}`raissi2019pinn`:
#
# $$
# u_t + u\,u_x - \nu\,u_{xx} = 0, \qquad \nu = \frac{0.01}{\pi}, \qquad
# x \in [-1, 1],\; t \in [0, 1],
# $$
#
# with $u(0, x) = -\sin(\pi x)$ and $u(t, \pm 1) = 0$. A shock-like front forms at
# $x = 0$ near $t = 0.4$ and steepens; its width is of order $\nu$. The reference is the
# exact solution by the Cole-Hopf transform {cite:p}`basdevant1986burgers`, evaluated by
# quadrature to round-off (`pinnlib.reference.burgers`; validated in the appendix).
#
# We train the same network twice from the same initialisation and the same fixed
# Latin-hypercube collocation points: once with the plain (vanilla) loss, and once with
# residual-based attention (RBA) {cite:p}`anagnostopoulos2024rba`, which re-weights
# every collocation point by
#
# $$
# \lambda_i \leftarrow \gamma \lambda_i + \eta \frac{|r_i|}{\max_j |r_j|}, \qquad
# \mathcal{L}_r = \frac{1}{N} \sum_i (\lambda_i r_i)^2,
# $$
#
# with $\eta = 10^{-3}$, $\gamma = 0.999$ and $\lambda_i = 0$ at the start.

# %% tags=["parameters", "hide-cell"]
profile = "cpu"
seeds = None
device = "cpu"

# %% tags=["hide-input"]
# %matplotlib inline
import numpy as np

import pinnlib.plotting as plots
from pinnlib.chapter import BenchmarkChapter

chapter = BenchmarkChapter("burgers", profile, seeds, device)
chapter.print_setting()

# %% [markdown]
# ## Training
#
# Vanilla and RBA training for every seed. Each run is fetched from the result cache
# (`data/runs/`) if this exact configuration has been trained before, and trained
# otherwise.

# %%
records = chapter.fetch()

# %% [markdown]
# The relative $L^2$ error $\|u_\theta - u\|_2 / \|u\|_2$ on the $100 \times 256$
# reference grid at the end of training, per seed:

# %% tags=["nbval-check-output"]
chapter.print_errors()

# %% tags=["remove-input"]
chapter.glue_error_findings("burgers")
(t, x), u_ref, fields = chapter.grid_fields()

# %% [markdown]
# Over the seeds, the geometric mean of the final error is
# {glue:text}`burgers_err_vanilla:.2e` for vanilla training and
# {glue:text}`burgers_err_rba:.2e` with RBA: {glue:md}`burgers_finding:myst`.
# {glue:md}`burgers_target:myst`
# {numref}`fig-burgers-fields` shows where the error of the first seed sits.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-fields", "caption": "Top: the exact solution and the two trained networks over $(t, x)$ (first seed). Bottom: the absolute error of each network."}}
plots.plot_run_fields(records, ("t", "x"))

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-slices", "caption": "The solution at three times: the reference (thick grey) and the two networks (dashed)."}}
slices = {}
for target in (0.25, 0.5, 0.75):
    i = int(np.argmin(np.abs(t - target)))
    slices[f"t = {t[i]:.2f}"] = (t[i], u_ref[i], {m: f[i] for m, f in fields.items()})
plots.plot_slices(x, "x", slices)

# %% [markdown]
# ## Training histories
#
# The loss and the test error are logged every 10 steps up to step 300 and every 100
# steps after, the paper's schedule ({numref}`fig-burgers-history`). The RBA loss is
# the *weighted* loss, which starts near zero because all weights start at zero; the
# test error is the quantity to compare.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-history", "caption": "Total training loss (left) and relative $L^2$ test error (right) against the Adam step, for vanilla training and RBA."}}
plots.plot_histories(records, keys=("loss", "error"))

# %% [markdown]
# ## What the diagnostics show
#
# Both runs logged the paper's diagnostics (`monitors=("all",)`; definitions in
# {ref}`chapter-background`): the batch gradient signal-to-noise ratio over batches of the
# collocation points (16 batches of 256 points at `cpu`), the gradient order parameter, the residual homogeneity and the
# compression of the hidden activations. The phases shaded in {numref}`fig-burgers-snr`
# come from `pinnlib.diagnostics.detect_phases`, a documented change-point rule on the
# logged SNR; the paper places them by eye.

# %% tags=["nbval-check-output"]
chapter.print_phases()

# %% tags=["remove-input"]
chapter.glue_phases("burgers")

# %% [markdown]
# At this profile {glue:md}`burgers_phases:myst`. The detector is deliberately conservative
# ({ref}`chapter-detector`): a boundary must be a shift of the median SNR by at least
# half a decade through SNR = 1, significant by a rank test, and a fitting phase must have
# a median SNR of at least 2 in the paper's units. For an RBA
# run, whose weights start at zero, the residual term is absent at the first step, so
# every batch gradient is the gradient of the same initial and boundary loss; its SNR
# starts high by construction, whatever the training does afterwards.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-snr", "caption": "Batch gradient SNR against the Adam step, rescaled to 256 points per batch (the paper's units) where the run logged its points per batch (each panel's title gives the number it was measured at): whole network as logged (faint), its arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter (thick; dashed: the geometric mean), the residual term alone (thin dash-dotted, where logged), per weight matrix (thin, same average), Adam's own SNR (dotted, a ratio of its moments, not rescaled), SNR = 1 (dash-dotted black); the detected phases shaded."}}
plots.plot_snr(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-order", "caption": "Gradient order parameter and residual homogeneity over a 10 x 10 grid of the domain (faint: as logged; solid: arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter), and the test error."}}
plots.plot_order(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-maps", "caption": "Final absolute residual of each run and the final RBA weights over the domain (averaged in bins)."}}
plots.plot_residual_maps(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-compression", "caption": "Information compression per hidden layer: entropy of the binned activation patterns, a kernel (KDE) entropy estimate, and the share of saturated activations, each as its arithmetic moving average over 60 logged points, or a quarter of the history if that is shorter."}}
plots.plot_compression(records)

# %% [markdown]
# ## Comparison with the paper
#
# The first version of the paper lists Burgers among its benchmarks but publishes neither
# code nor errors for it; the original PINN paper reports a relative error of about
# $6.7 \times 10^{-4}$ with a larger budget and L-BFGS {cite:p}`raissi2019pinn`.

# %% tags=["remove-input"]
chapter.paper_comparison()
