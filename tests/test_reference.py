"""Reference solutions: solvers, stored files, manifest and checked loading.

Cheap references (Burgers, Helmholtz) are recomputed and compared; the expensive ones
(Allen-Cahn, cavity) are verified by checksum, checked for their physics, and their solvers
rerun at reduced cost.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pinnlib.reference import (
    DATA_DIR,
    NAMES,
    ReferenceCorruptError,
    ReferenceMissingError,
    UnknownReferenceError,
    burgers_exact,
    burgers_grid,
    helmholtz_forcing,
    helmholtz_grid,
    helmholtz_solution,
    load,
    manifest_entry,
    regenerate,
    verify,
)
from pinnlib.reference.allen_cahn import allen_cahn_grid, initial_condition, solve_allen_cahn
from pinnlib.reference.burgers_spectral import burgers_spectral
from pinnlib.reference.cavity import solve_cavity
from pinnlib.reference.cavity_benchmarks import (
    GHIA_PSI_MIN,
    PUBLISHED_EXTREMA,
    extrema_deviation,
    ghia_deviation,
)
from pinnlib.reference.cavity_pressure import (
    _edge_difference,
    _solve_graph_laplacian,
    momentum_pressure_gradient,
)
from pinnlib.reference.etdrk4 import etdrk4_integrate

# Ghia's tables are themselves second-order solutions on a 129^2 grid: the spectral solution
# of Botella & Peyret (1998) differs from them by 0.0116 in v_min at Re = 1000, and our
# field by up to 0.018 (v next to the right wall, where Ghia's |v| is too small). The
# published high-accuracy extrema are the sharp test (EXTREMA_TOLERANCE).
GHIA_TOLERANCE = {100: 0.012, 1000: 0.02}
EXTREMA_TOLERANCE = 5e-4


# ---------------------------------------------------------------- stored files and manifest


def test_all_reference_files_match_their_checksums():
    assert verify() == []


@pytest.mark.parametrize("name", NAMES)
def test_load_is_fast_and_float64(name):
    start = time.perf_counter()
    data = load(name)
    assert time.perf_counter() - start < 1.0
    entry = manifest_entry(name)
    assert entry["command"] == f"python -m pinnlib data --regenerate {name}"
    assert set(data) == set(entry["arrays"])
    for key, arr in data.items():
        assert list(arr.shape) == entry["arrays"][key]["shape"]
        assert arr.dtype == np.float64
        assert np.all(np.isfinite(arr))


# ------------------------------------------------------------------------------- Allen-Cahn


def test_allen_cahn_saved_grid_and_symmetry():
    d = load("allen_cahn")
    assert d["u"].shape == (201, 512)
    np.testing.assert_array_equal(d["t"], np.linspace(0, 1, 201))
    np.testing.assert_array_equal(d["x"], np.linspace(-1, 1, 513)[:-1])
    np.testing.assert_allclose(d["u"][0], initial_condition(d["x"]), atol=1e-15)
    # An even initial condition stays even: u(t, x_j) = u(t, -x_j) = u(t, x_{512 - j}).
    np.testing.assert_allclose(d["u"][:, 1:], d["u"][:, :0:-1], atol=1e-12)
    # Bounded by the stable states +-1 (maximum principle).
    assert np.abs(d["u"]).max() <= 1.0 + 1e-9
    # At t = 1: plateaus u ~ +1 around |x| = 0.25 and u ~ -1 for |x| > 0.6; x = 0 stays near
    # the unstable state 0 (u(0, 0) = 0 with u_t ~ 2 eps + 5 u there).
    x, u1 = d["x"], d["u"][-1]
    assert np.all(u1[np.abs(np.abs(x) - 0.25) < 0.02] > 0.98)
    assert np.all(u1[np.abs(x) > 0.6] < -0.99)
    assert 0.0 < u1[256] < 0.1


def test_allen_cahn_recorded_full_convergence():
    checks = manifest_entry("allen_cahn")["checks"]
    assert checks["dt_halving_max_abs_diff"] < 1e-6
    assert checks["mode_doubling_max_abs_diff"] < 1e-6


def test_allen_cahn_convergence_at_reduced_cost_and_saved_field():
    """On t <= 0.1 (the hardest part: the kink at x = +-1 is still sharp), halving dt and
    doubling the modes change the field by < 1e-6, and the saved field agrees to 1e-6."""
    kw = {"nt": 21, "t_max": 0.1}
    _, _, coarse = allen_cahn_grid(n_modes=2048, dt=2e-4, **kw)
    _, _, half_dt = allen_cahn_grid(n_modes=2048, dt=1e-4, **kw)
    _, _, double = allen_cahn_grid(n_modes=4096, dt=2e-4, **kw)
    assert np.abs(half_dt - coarse).max() < 1e-6
    assert np.abs(double - coarse).max() < 1e-6
    saved = load("allen_cahn")["u"][:21]
    assert np.abs(saved - double).max() < 1e-6


def test_allen_cahn_512_modes_are_not_enough():
    """The customary 512-mode solve is off by > 1e-5 early on (why we use 4096 modes)."""
    t = np.linspace(0, 0.02, 5)
    _, u512 = solve_allen_cahn(t, n_modes=512, dt=1e-4, exact_initial_modes=False)
    saved = load("allen_cahn")["u"][:5]
    assert np.abs(u512[1:] - saved[1:]).max() > 1e-5


def test_etdrk4_fourth_order_and_matches_an_independent_integrator():
    """ETDRK4 on a 64-mode Allen-Cahn-type system (eps = 1e-2) against scipy's DOP853."""
    n, eps = 64, 1e-2
    x = np.linspace(-1, 1, n + 1)[:-1]
    k = np.pi * np.fft.rfftfreq(n, d=1.0 / n)

    def nonlinear(v):
        u = np.fft.irfft(v, n=n)
        return np.fft.rfft(5 * (u - u**3))

    v0 = np.fft.rfft(0.5 * np.sin(np.pi * x) + 0.3 * np.cos(3 * np.pi * x))

    def rhs(_, y):
        v = y[: len(k)] + 1j * y[len(k) :]
        dv = -eps * k**2 * v + nonlinear(v)
        return np.concatenate([dv.real, dv.imag])

    y0 = np.concatenate([v0.real, v0.imag])
    ref = solve_ivp(rhs, (0, 0.5), y0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    u_ref = np.fft.irfft(ref[: len(k)] + 1j * ref[len(k) :], n=n)
    errors = []
    for dt in (0.05, 0.025, 0.0125):
        v = etdrk4_integrate(v0, -eps * k**2, nonlinear, np.array([0.0, 0.5]), dt)[-1]
        errors.append(np.abs(np.fft.irfft(v, n=n) - u_ref).max())
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(rates > 3.5), (errors, rates)
    assert errors[-1] < 1e-6


# ---------------------------------------------------------------------------------- Burgers


def test_burgers_recomputed_matches_saved():
    saved = load("burgers")
    t, x, u = burgers_grid()
    np.testing.assert_array_equal(saved["t"], t)
    np.testing.assert_array_equal(saved["x"], x)
    assert np.abs(saved["u"] - u).max() < 1e-13


def test_burgers_node_doubling_everywhere_including_the_front():
    t, x, u = burgers_grid()
    assert np.abs(burgers_exact(t[:, None], x[None, :], n_nodes=800) - u).max() < 1e-8
    tf = np.linspace(0.3, 1.0, 15)[:, None]
    xf = np.linspace(-0.02, 0.02, 201)[None, :]
    near_front = burgers_exact(tf, xf)
    assert np.abs(burgers_exact(tf, xf, n_nodes=800) - near_front).max() < 1e-8
    # The front is there: at t = 1, u drops by > 1.3 across |x| < 0.02 with slope < -50 at 0.
    assert near_front[-1, 0] - near_front[-1, -1] > 1.3
    assert (burgers_exact(1.0, 1e-4) - burgers_exact(1.0, -1e-4)) / 2e-4 < -50
    assert np.abs(burgers_exact(tf, 0.0)).max() < 1e-12


def test_burgers_conditions():
    x = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(burgers_exact(0.0, x), -np.sin(np.pi * x), atol=1e-15)
    t = np.linspace(0.01, 1, 50)
    assert np.abs(burgers_exact(t, 1.0)).max() < 1e-12
    assert np.abs(burgers_exact(t, -1.0)).max() < 1e-12


def test_burgers_cross_check_against_spectral_solver():
    """An independent solver (Fourier + ETDRK4 on the odd periodic extension) at reduced
    cost (1024 modes, dt = 2e-4) agrees with Cole-Hopf to 1e-6 on the whole 100 x 256 grid."""
    saved = load("burgers")
    u_spec = burgers_spectral(saved["t"], saved["x"], n_modes=1024, dt=2e-4)
    assert np.abs(u_spec - saved["u"]).max() < 1e-6
    assert manifest_entry("burgers")["checks"]["spectral_cross_check_max_abs_diff"] < 1e-9


# -------------------------------------------------------------------------------- Helmholtz


@pytest.mark.parametrize(("a1", "a2", "k"), [(6, 6, 1), (1, 4, 1), (2, 3, 5.5)])
def test_helmholtz_forcing_is_the_operator_applied_to_the_solution(a1, a2, k):
    """q = u_xx + u_yy + k^2 u, checked by 4th-order finite differences at random points."""
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 1, (2, 200))
    h = 1e-3

    def d2(f_plus, f0, f_minus, f_pp, f_mm):
        return (-f_pp + 16 * f_plus - 30 * f0 + 16 * f_minus - f_mm) / (12 * h**2)

    def u(a, b):
        return helmholtz_solution(a, b, a1, a2)

    uxx = d2(u(x + h, y), u(x, y), u(x - h, y), u(x + 2 * h, y), u(x - 2 * h, y))
    uyy = d2(u(x, y + h), u(x, y), u(x, y - h), u(x, y + 2 * h), u(x, y - 2 * h))
    q = helmholtz_forcing(x, y, a1, a2, k)
    np.testing.assert_allclose(uxx + uyy + k**2 * u(x, y), q, atol=1e-5 * np.abs(q).max())


def test_helmholtz_grid_and_boundary():
    x, y, u, q = helmholtz_grid(101)
    assert u.shape == q.shape == (101, 101)
    assert np.abs(u[[0, -1], :]).max() < 1e-12 and np.abs(u[:, [0, -1]]).max() < 1e-12
    assert u[60, 30] == pytest.approx(np.sin(6 * np.pi * x[30]) * np.sin(6 * np.pi * y[60]))


# ----------------------------------------------------------------------------------- cavity


@pytest.mark.parametrize("re", [100, 1000])
def test_cavity_matches_ghia_centrelines(re):
    d = load(f"cavity_re{re}")
    dev = ghia_deviation(re, d["x"], d["y"], d["u"], d["v"])
    assert dev["max_abs_dev"] < GHIA_TOLERANCE[re], dev
    psi_min, _, _ = GHIA_PSI_MIN[re]
    assert d["psi"].min() == pytest.approx(psi_min, rel=0.01)


@pytest.mark.parametrize("re", [100, 1000])
def test_cavity_matches_published_high_accuracy_extrema(re):
    """Centre-line extrema (and psi_min at Re = 1000) within 5e-4 of Marchi et al. (2009,
    Re = 100) and Botella & Peyret (1998, Re = 1000)."""
    d = load(f"cavity_re{re}")
    dev = extrema_deviation(re, d["x"], d["y"], d["u"], d["v"], d["psi"])
    assert set(dev) == set(PUBLISHED_EXTREMA[re])
    assert max(dev.values()) < EXTREMA_TOLERANCE, dev


@pytest.mark.parametrize("re", [100, 1000])
def test_cavity_boundary_conditions_and_incompressibility(re):
    d = load(f"cavity_re{re}")
    u, v, psi = d["u"], d["v"], d["psi"]
    assert np.all(u[-1] == 1.0)
    for wall in (u[0], u[:, 0], u[:, -1], v[0], v[-1], v[:, 0], v[:, -1]):
        assert np.abs(wall[1:-1]).max() == 0.0
    assert np.abs(psi[[0, -1], :]).max() == 0.0 and np.abs(psi[:, [0, -1]]).max() == 0.0
    # Velocity and stream function agree (u = psi_y, v = -psi_x) to O(h^2) inside, and the
    # velocity is divergence-free to the same order (away from the singular lid corners).
    h = d["x"][1] - d["x"][0]
    inner = (slice(26, -26), slice(26, -26))
    psi_y = (psi[2:, 1:-1] - psi[:-2, 1:-1]) / (2 * h)
    psi_x = (psi[1:-1, 2:] - psi[1:-1, :-2]) / (2 * h)
    assert np.abs(psi_y - u[1:-1, 1:-1])[inner].max() < 2e-3
    assert np.abs(psi_x + v[1:-1, 1:-1])[inner].max() < 2e-3
    div = (u[1:-1, 2:] - u[1:-1, :-2] + v[2:, 1:-1] - v[:-2, 1:-1]) / (2 * h)
    assert np.abs(div[inner]).max() < 2e-2


@pytest.mark.parametrize("re", [100, 1000])
def test_cavity_pressure_satisfies_momentum(re):
    """grad p matches G = -(u.grad)u + laplace(u) / Re within 2% of max |G| on [0.1, 0.9]^2
    (central differences), and the gauge p(0.5, 0.5) = 0 holds."""
    d = load(f"cavity_re{re}")
    x, y, p, psi = d["x"], d["y"], d["p"], d["psi"]
    n = len(x) - 1
    h = 1.0 / n
    assert p[n // 2, n // 2] == 0.0
    omega = np.zeros_like(psi)  # omega = -laplace(psi); wall values are not used below
    omega[1:-1, 1:-1] = (
        -(psi[1:-1, 2:] + psi[1:-1, :-2] + psi[2:, 1:-1] + psi[:-2, 1:-1] - 4 * psi[1:-1, 1:-1])
        / h**2
    )
    gx, gy = momentum_pressure_gradient(d["u"], d["v"], omega, float(re))
    px = (p[1:-1, 2:] - p[1:-1, :-2]) / (2 * h)
    py = (p[2:, 1:-1] - p[:-2, 1:-1]) / (2 * h)
    xx, yy = np.meshgrid(x[1:-1], y[1:-1])
    region = (np.abs(xx - 0.5) <= 0.4) & (np.abs(yy - 0.5) <= 0.4)
    gx, gy = gx[1:-1, 1:-1][region], gy[1:-1, 1:-1][region]
    err = np.hypot(px[region] - gx, py[region] - gy).max()
    assert err < 0.02 * np.hypot(gx, gy).max()


def test_pressure_fit_recovers_a_known_potential():
    nn = 65
    g = np.linspace(0, 1, nn)
    xx, yy = np.meshgrid(g, g)
    phi = np.cos(2 * xx) * np.exp(yy) + xx * yy**2
    gx = -2 * np.sin(2 * xx) * np.exp(yy) + yy**2
    gy = np.cos(2 * xx) * np.exp(yy) + 2 * xx * yy
    h = 1.0 / (nn - 1)
    target = h * np.concatenate(
        [(0.5 * (gx[:, 1:] + gx[:, :-1])).ravel(), (0.5 * (gy[1:] + gy[:-1])).ravel()]
    )
    p = _solve_graph_laplacian((_edge_difference(nn).T @ target).reshape(nn, nn))
    p += (phi - p).mean()
    assert np.abs(p - phi).max() < 1e-3


def test_cavity_solver_on_a_coarse_grid_converges_towards_the_saved_solution():
    """Rerun the solver itself at Re = 100 on 32^2 and 64^2 cells: Newton converges and the
    max error against the saved 256^2 solution, away from the singular lid corners, drops
    about 4x per halving (second order)."""
    saved = load("cavity_re100")
    errors = []
    for n in (32, 64):
        flow = solve_cavity(100.0, n=n)
        assert flow.newton_residuals[-1] < 1e-12
        s = 256 // n
        xx, yy = np.meshgrid(flow.x, flow.y)
        away = np.minimum(np.hypot(xx, yy - 1), np.hypot(xx - 1, yy - 1)) > 0.1
        errors.append(np.abs(flow.u - saved["u"][::s, ::s])[away].max())
    assert 3.0 < errors[0] / errors[1] < 5.5, errors


# ------------------------------------------------------------------ errors and regeneration


def _copy_store(tmp_path: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        shutil.copy(DATA_DIR / f"{name}.npz", tmp_path / f"{name}.npz")
    shutil.copy(DATA_DIR / "manifest.json", tmp_path / "manifest.json")
    return tmp_path


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(UnknownReferenceError, match="allen_cahn.*burgers.*cavity_re100"):
        load("navier_stokes")
    with pytest.raises(ValueError):
        regenerate(["nope"], data_dir=Path("/nonexistent"))


def test_missing_file_raises_with_regenerate_command(tmp_path):
    store = _copy_store(tmp_path, ("burgers",))
    with pytest.raises(ReferenceMissingError, match=r"allen_cahn\.npz.*--regenerate allen_cahn"):
        load("allen_cahn", data_dir=store)
    assert isinstance(ReferenceMissingError("x"), FileNotFoundError)
    problems = verify(store)
    assert len(problems) == 3 and not any("burgers" in p for p in problems)


def test_corrupted_file_raises_never_loads(tmp_path):
    store = _copy_store(tmp_path, ("burgers",))
    path = store / "burgers.npz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ReferenceCorruptError, match=r"burgers\.npz.*--regenerate burgers"):
        load("burgers", data_dir=store)
    assert any("burgers" in p for p in verify(store))


def test_missing_manifest_or_entry(tmp_path):
    store = _copy_store(tmp_path, ("burgers",))
    manifest = json.loads((store / "manifest.json").read_text())
    del manifest["files"]["burgers"]
    (store / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReferenceMissingError, match="not in"):
        load("burgers", data_dir=store)
    (store / "manifest.json").unlink()
    with pytest.raises(ReferenceMissingError, match="manifest.json"):
        load("burgers", data_dir=store)


def test_regenerate_writes_atomically_and_reproducibly(tmp_path):
    timings = regenerate(["burgers"], data_dir=tmp_path)
    assert set(timings) == {"burgers"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["burgers.npz", "manifest.json"]
    entry = manifest_entry("burgers", data_dir=tmp_path)
    assert entry["checks"]["node_doubling_max_abs_diff"] < 1e-8
    assert entry["checks"]["node_doubling_max_abs_diff_front"] < 1e-8
    fresh, saved = load("burgers", data_dir=tmp_path), load("burgers")
    assert np.abs(fresh["u"] - saved["u"]).max() < 1e-13
    # Byte-identical files for identical arrays (fixed zip timestamps).
    if np.array_equal(fresh["u"], saved["u"]):
        assert entry["sha256"] == manifest_entry("burgers")["sha256"]
