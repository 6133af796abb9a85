"""Figures of the reference solutions (appendix): fields, profiles and convergence checks."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from pinnlib.plotting.style import book_style, new_figure
from pinnlib.reference.cavity_benchmarks import (
    GHIA_U,
    GHIA_V,
    GHIA_X,
    GHIA_Y,
    centreline_profiles,
)


def _space_time_panels(
    t: np.ndarray, x: np.ndarray, u: np.ndarray, title: str, snapshot_times: tuple[float, ...]
) -> Figure:
    """u(t, x) as an image (t across, x up) beside snapshots u(t_k, x)."""
    with book_style():
        fig = new_figure((10.0, 3.6))
        ax_img, ax_line = fig.subplots(1, 2, width_ratios=(1.35, 1))
        vmax = float(np.abs(u).max())
        im = ax_img.imshow(
            u.T,
            origin="lower",
            aspect="auto",
            extent=(t[0], t[-1], x[0], x[-1]),
            vmin=-vmax,
            vmax=vmax,
            cmap="RdBu_r",
            interpolation="nearest",
        )
        fig.colorbar(im, ax=ax_img, label="$u$")
        ax_img.set(xlabel="$t$", ylabel="$x$", title=f"{title}: $u(t, x)$")
        ax_img.grid(False)
        for tk in snapshot_times:
            i = int(np.argmin(np.abs(t - tk)))
            ax_line.plot(x, u[i], label=f"$t = {t[i]:.2f}$")
            ax_img.axvline(t[i], color="k", lw=0.6, ls=":")
        ax_line.set(
            xlabel="$x$", ylabel="$u(t_k, x)$", title="snapshots (dotted lines on the left)"
        )
        ax_line.legend(loc="best")
    return fig


def plot_allen_cahn_reference(t: np.ndarray, x: np.ndarray, u: np.ndarray) -> Figure:
    """Allen-Cahn reference field u(t, x) and snapshots."""
    return _space_time_panels(t, x, u, "Allen-Cahn", (0.0, 0.25, 0.5, 0.75, 1.0))


def plot_burgers_reference(t: np.ndarray, x: np.ndarray, u: np.ndarray) -> Figure:
    """Burgers reference field u(t, x) and snapshots."""
    return _space_time_panels(t, x, u, "Burgers", (0.0, 0.25, 0.5, 0.75, 0.99))


def plot_helmholtz_reference(x: np.ndarray, y: np.ndarray, u: np.ndarray, q: np.ndarray) -> Figure:
    """Helmholtz solution u(x, y) and forcing q(x, y), fields indexed [j, i] = f(x_i, y_j)."""
    with book_style():
        fig = new_figure((9.0, 3.8))
        for ax, (name, f) in zip(fig.subplots(1, 2), (("solution $u$", u), ("forcing $q$", q))):
            vmax = float(np.abs(f).max())
            im = ax.imshow(
                f,
                origin="lower",
                extent=(x[0], x[-1], y[0], y[-1]),
                vmin=-vmax,
                vmax=vmax,
                cmap="RdBu_r",
            )
            fig.colorbar(im, ax=ax, label=name.split()[-1], shrink=0.85)
            ax.set(xlabel="$x$", ylabel="$y$", title=f"Helmholtz: {name}", aspect="equal")
            ax.grid(False)
    return fig


def plot_cavity_reference(
    x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, p: np.ndarray, re: float
) -> Figure:
    """Speed with streamlines, and pressure, of a cavity solution (fields [j, i]).

    The pressure is singular at the lid corners; its colour scale is clipped to the 1st-99th
    percentiles.
    """
    with book_style():
        fig = new_figure((9.6, 4.0))
        ax_s, ax_p = fig.subplots(1, 2)
        speed = np.hypot(u, v)
        im = ax_s.imshow(speed, origin="lower", extent=(0, 1, 0, 1), cmap="viridis")
        fig.colorbar(im, ax=ax_s, label=r"speed $|\mathbf{u}|$", shrink=0.85)
        ax_s.streamplot(x, y, u, v, color="w", density=1.2, linewidth=0.5, arrowsize=0.5)
        ax_s.set(xlabel="$x$", ylabel="$y$", title=f"cavity Re = {re:g}: speed, streamlines")
        lo, hi = np.percentile(p, [1, 99])
        im = ax_p.imshow(p, origin="lower", extent=(0, 1, 0, 1), cmap="RdBu_r", vmin=lo, vmax=hi)
        fig.colorbar(im, ax=ax_p, label="$p$ (colours clipped)", shrink=0.85)
        ax_p.contour(x, y, p, levels=np.linspace(lo, hi, 15), colors="k", linewidths=0.4)
        ax_p.set(
            xlabel="$x$",
            ylabel="$y$",
            title=f"cavity Re = {re:g}: pressure, gauge $p(0.5, 0.5) = 0$",
        )
        for ax in (ax_s, ax_p):
            ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
            ax.grid(False)
    return fig


def plot_ghia_comparison(flows: dict[int, dict[str, np.ndarray]]) -> Figure:
    """Centre-line velocities u(0.5, y) and v(x, 0.5) against Ghia, Ghia & Shin (1982).

    ``flows[re]`` holds the arrays ``x, y, u, v`` of a cavity reference.
    """

    with book_style():
        fig = new_figure((9.6, 4.0))
        ax_u, ax_v = fig.subplots(1, 2)
        for k, (re, f) in enumerate(sorted(flows.items())):
            color = f"C{k}"
            u_line, v_line = centreline_profiles(f["x"], f["y"], f["u"], f["v"])
            ax_u.plot(u_line, f["y"], color=color, label=f"this book, Re = {re}")
            ax_u.plot(GHIA_U[re], GHIA_Y, "o", mfc="none", color=color, label=f"Ghia, Re = {re}")
            ax_v.plot(f["x"], v_line, color=color, label=f"this book, Re = {re}")
            ax_v.plot(GHIA_X, GHIA_V[re], "o", mfc="none", color=color, label=f"Ghia, Re = {re}")
        ax_u.set(xlabel="$u(0.5, y)$", ylabel="$y$", title="$u$ on the vertical centre line")
        ax_v.set(xlabel="$x$", ylabel="$v(x, 0.5)$", title="$v$ on the horizontal centre line")
        ax_u.legend(loc="lower right")
        ax_v.legend(loc="lower left")
    return fig


def plot_self_convergence(
    t: np.ndarray, differences: dict[str, np.ndarray], title: str, floor: float = 1e-16
) -> Figure:
    """max_x |u_a - u_b| against t for several pairs of resolutions (log scale)."""
    with book_style():
        fig = new_figure((8.4, 3.6))
        ax = fig.subplots()
        for label, d in differences.items():
            ax.semilogy(t, np.maximum(d, floor), label=label)
        ax.axhline(1e-6, color="k", ls="--", lw=0.8, label="tolerance $10^{-6}$")
        ax.set(xlabel="$t$", ylabel=r"$\max_x |\Delta u|$", title=title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig
