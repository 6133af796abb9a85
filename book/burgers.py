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
seed = 2341
device = "cpu"

# %% tags=["hide-input"]
# %matplotlib inline
import numpy as np
from IPython.display import Markdown
from myst_nb import glue

import pinnlib.plotting as plots
from pinnlib.diagnostics import detect_phases
from pinnlib.experiments import experiment, run
from pinnlib.train import build_problem, predict

specs = {m: experiment("burgers", profile, method=m, seed=seed) for m in ("vanilla", "rba")}
spec = specs["vanilla"]
print(
    f"profile {profile}: {spec.depth} x {spec.width} tanh network, "
    f"{spec.problem_args['n_collocation']} collocation points, {spec.steps} Adam steps"
)

# %% [markdown]
# ## Training
#
# Each run is fetched from the result cache (`data/runs/`) if this exact configuration
# has been trained before, and trained otherwise.

# %%
records = {method: run(s, device=device) for method, s in specs.items()}

# %% [markdown]
# The relative $L^2$ error $\|u_\theta - u\|_2 / \|u\|_2$ on the $100 \times 256$
# reference grid at the end of training:

# %% tags=["nbval-check-output"]
for method, record in records.items():
    print(f"{method:8s} relative L2 error {record.final_error:.2e}")

# %% tags=["remove-input"]
t, x, u_ref = build_problem(spec).reference_grid()
tt, xx = np.meshgrid(t, x, indexing="ij")
grid = np.stack([tt.ravel(), xx.ravel()], axis=1)
fields = {m: predict(r.model(), grid)[:, 0].reshape(u_ref.shape) for m, r in records.items()}
err = {m: r.final_error for m, r in records.items()}
ratio = err["vanilla"] / err["rba"]
glue("burgers_err_vanilla", err["vanilla"], display=False)
glue("burgers_err_rba", err["rba"], display=False)
if ratio > 1.5:
    finding = f"RBA ends with a {ratio:.1f} times lower error than vanilla training"
elif ratio < 1 / 1.5:
    finding = f"vanilla training ends with a {1 / ratio:.1f} times lower error than RBA"
else:
    finding = "the two methods end with errors within a factor 1.5 of each other"
glue("burgers_finding", Markdown(finding), display=False)

# %% [markdown]
# At this profile the vanilla run ends at a relative error of
# {glue:text}`burgers_err_vanilla:.2e` and the RBA run at
# {glue:text}`burgers_err_rba:.2e`: {glue:md}`burgers_finding`.
# {numref}`fig-burgers-fields` shows where the error sits.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-fields", "caption": "Top: the exact solution and the two trained networks over $(t, x)$. Bottom: the absolute error of each network; it concentrates along the front at $x = 0$."}}
plots.plot_solution_comparison(
    (t, x), ("t", "x"), u_ref, {"vanilla": fields["vanilla"], "RBA": fields["rba"]}
)

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
# {ref}`chapter-background`): the batch gradient signal-to-noise ratio over 100 batches of
# collocation points, the gradient order parameter, the residual homogeneity and the
# compression of the hidden activations. The phases shaded in {numref}`fig-burgers-snr`
# come from `pinnlib.diagnostics.detect_phases`, a documented change-point rule on the
# logged SNR; the paper places them by eye.

# %% tags=["nbval-check-output"]
phases = {m: detect_phases(r.history["step"], r.history["snr"]) for m, r in records.items()}
for method, p in phases.items():
    print(
        f"{method:8s} fitting ends at step {p.fitting_end}, total diffusion from {p.total_diffusion}"
    )


# %% tags=["remove-input"]
def describe(method: str) -> str:
    p = phases[method]
    label = {"vanilla": "the vanilla run", "rba": "the RBA run"}[method]
    fit = (
        f"leaves the fitting phase at step {p.fitting_end}"
        if p.fitting_end is not None
        else "has no fitting-to-diffusion boundary marked by the detector"
    )
    total = (
        f"shows a jump into total diffusion at step {p.total_diffusion}"
        if p.total_diffusion is not None
        else f"shows no jump into total diffusion within {spec.steps} steps"
    )
    return f"{label} {fit}, and {total}"


glue("burgers_phases", Markdown(f"{describe('vanilla')}; {describe('rba')}"), display=False)

# %% [markdown]
# At this profile {glue:md}`burgers_phases`. The detector is deliberately conservative:
# a boundary must be a level shift of at least half a decade that persists over 10
# logged points and stands six noise levels above the local point-to-point scatter of
# the logged SNR (never less than 0.75 of the scatter of the whole history). An RBA run
# starts with a very high SNR:
# its weights start at zero, so at first the initial and boundary loss, which is the
# same for every batch, dominates every batch gradient.

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-snr", "caption": "Batch gradient signal-to-noise ratio against the Adam step (whole network thick, per weight matrix thin, Adam's own SNR dotted), with the phases found by the detector shaded."}}
plots.plot_snr(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-order", "caption": "Gradient order parameter, residual homogeneity over a 10 x 10 grid of the domain, and the test error."}}
plots.plot_order(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-maps", "caption": "Final absolute residual of each run and the final RBA weights over the domain (averaged in bins)."}}
plots.plot_residual_maps(records)

# %% tags=["remove-input"] mystnb={"figure": {"name": "fig-burgers-compression", "caption": "Information compression per hidden layer: entropy of the binned activation patterns, a kernel (KDE) entropy estimate, and the share of saturated activations."}}
plots.plot_compression(records)
