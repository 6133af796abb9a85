"""Training loop: determinism, checkpoint/resume, divergence guard, run cache."""

import json

import numpy as np
import pytest
import torch

from pinnlib.experiments import continue_run, experiment, record_path, run
from pinnlib.records import CorruptRecord, checkpoint_path, read_record
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer, TrainingDiverged, resolve_device

TINY = dict(width=8, depth=2, steps=40, problem_args=dict(n_collocation=200), decay_every=10)


def tiny(method="rba", **kw):
    return experiment("burgers", "ci", method=method, **{**TINY, **kw})


def assert_same_run(a: Trainer, b: Trainer):
    assert a.history.keys() == b.history.keys()
    for key in a.history:
        x, y = np.asarray(a.history[key]), np.asarray(b.history[key])
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), key
    for (name, p), q in zip(a.model.state_dict().items(), b.model.state_dict().values()):
        assert torch.equal(p, q), name
    if a.weighting.weights is not None:
        assert torch.equal(a.weighting.weights, b.weighting.weights)


def test_same_spec_gives_identical_runs():
    a, b = Trainer(tiny()), Trainer(tiny())
    a.run(progress=False)
    b.run(progress=False)
    assert_same_run(a, b)
    c = Trainer(tiny(seed=1))
    c.run(progress=False)
    assert c.history["loss"] != a.history["loss"]


@pytest.mark.parametrize("method", ["vanilla", "rba"])
def test_resume_matches_uninterrupted_run(tmp_path, method):
    full = Trainer(tiny(method))
    full.run(progress=False)
    checkpoint = tmp_path / "checkpoint.pt"
    first = Trainer(tiny(method))
    first.run(checkpoint=checkpoint, checkpoint_every=10, progress=False, stop_at=27)
    del first  # "killed" after step 27; the checkpoint holds step 20
    resumed = Trainer(tiny(method))
    resumed.run(checkpoint=checkpoint, checkpoint_every=10, progress=False)
    assert_same_run(full, resumed)


def test_history_follows_the_paper_schedule():
    spec = tiny(steps=700, width=4, depth=1)
    trainer = Trainer(spec)
    trainer.run(progress=False)
    steps = trainer.history["step"]
    assert steps[:3] == [0, 10, 20] and 290 in steps and 300 in steps and 310 not in steps
    assert steps[-2:] == [600, 700]
    assert len(trainer.history["error"]) == len(steps)


def test_lr_decays_by_factor_every_decay_every_steps():
    trainer = Trainer(tiny(steps=25, lr=1e-2, lr_decay=0.5, decay_every=10))
    trainer.run(progress=False)
    h = dict(zip(trainer.history["step"], trainer.history["lr"]))
    assert h[0] == pytest.approx(1e-2) and h[10] == pytest.approx(5e-3)
    assert h[20] == pytest.approx(2.5e-3)


def test_nan_loss_stops_with_step_and_keeps_checkpoint(tmp_path, monkeypatch):
    trainer = Trainer(tiny("vanilla"))
    checkpoint = tmp_path / "checkpoint.pt"
    original = trainer.problem.residual

    def poisoned(f):
        r = original(f)
        return r * float("nan") if trainer.step >= 15 else r

    monkeypatch.setattr(trainer.problem, "residual", poisoned)
    with pytest.raises(TrainingDiverged, match="at step 15"):
        trainer.run(checkpoint=checkpoint, checkpoint_every=10, progress=False)
    assert torch.load(checkpoint, weights_only=False)["step"] == 10


def test_cache_trains_once_and_detects_corruption(tmp_path):
    spec = tiny()
    first = run(spec, cache=tmp_path, progress=False)
    assert first.path == record_path(spec, tmp_path)
    stamp = (first.path / "record.json").stat().st_mtime_ns
    again = run(spec, cache=tmp_path, progress=False)
    assert (again.path / "record.json").stat().st_mtime_ns == stamp  # loaded, not retrained
    assert np.array_equal(again.history["error"], first.history["error"])

    with open(first.path / "history.npz", "r+b") as f:  # flip bytes in a stored file
        f.seek(100)
        f.write(b"corrupted")
    with pytest.raises(CorruptRecord, match="checksum"):
        read_record(first.path)
    with pytest.warns(UserWarning, match="retraining"):
        retrained = run(spec, cache=tmp_path, progress=False)
    assert np.array_equal(retrained.history["error"], first.history["error"])


def test_record_contents_and_model_roundtrip(tmp_path):
    record = run(tiny(), cache=tmp_path, progress=False)
    meta = json.loads((record.path / "record.json").read_text())
    assert meta["provenance"]["torch_version"] == torch.__version__
    assert meta["steps_per_second"] > 0
    assert set(record.final) == {"points", "abs_residual", "rba_weights"}
    trainer = Trainer(tiny())
    trainer.run(progress=False)
    x = trainer.points[:10]
    assert torch.equal(record.model()(x), trainer.model(x))


def test_spec_validation_and_key():
    spec = RunSpec(problem="burgers")
    assert spec.key == RunSpec(problem="burgers").key != spec.replace(seed=1).key
    with pytest.raises(ValueError, match="steps must be non-negative"):
        RunSpec(problem="burgers", steps=-1)
    with pytest.raises(ValueError, match="unknown method"):
        RunSpec(problem="burgers", method="sa")
    with pytest.raises(ValueError, match="unknown run parameter"):
        RunSpec.from_dict({"problem": "burgers", "learning_rate": 1})
    with pytest.raises(ValueError, match="unknown profile"):
        experiment("burgers", "gpu")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")


def tiny_ac(method="rba", **kw):
    """A tiny Allen-Cahn run (its stored reference loads in milliseconds)."""
    args = dict(n_collocation=200, n_initial=64, periodic="loss", n_boundary=16)
    return experiment("allen_cahn", "ci", method=method, **{**TINY, "problem_args": args, **kw})


def test_lbfgs_stage_continues_the_count_and_lowers_the_loss():
    trainer = Trainer(tiny_ac("vanilla", steps=20, lbfgs_steps=30, dtype="float64"))
    trainer.run(progress=False)
    h = trainer.history
    assert trainer.step == 50 and h["step"][-1] == 50 and 30 in h["step"]
    assert h["lr"][h["step"].index(30)] == 1.0  # the L-BFGS step size
    losses = dict(zip(h["step"], h["loss"]))
    assert losses[50] < 0.5 * losses[20]


@pytest.mark.parametrize("method", ["vanilla", "rba"])
def test_resume_inside_the_lbfgs_stage_matches_uninterrupted_run(tmp_path, method):
    spec = tiny_ac(method, steps=20, lbfgs_steps=15)
    full = Trainer(spec)
    full.run(progress=False)
    checkpoint = tmp_path / "checkpoint.pt"
    first = Trainer(spec)
    first.run(checkpoint=checkpoint, checkpoint_every=8, progress=False, stop_at=29)
    assert torch.load(checkpoint, weights_only=False)["step"] == 24  # inside L-BFGS
    del first
    resumed = Trainer(spec)
    resumed.run(checkpoint=checkpoint, checkpoint_every=8, progress=False)
    assert_same_run(full, resumed)


def test_checkpoint_at_the_start_of_the_lbfgs_stage(tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    trainer = Trainer(tiny_ac("rba", steps=13, lbfgs_steps=5))
    trainer.run(checkpoint=checkpoint, checkpoint_every=1000, progress=False, stop_at=15)
    state = torch.load(checkpoint, weights_only=False)
    assert state["step"] == 13 and state["lbfgs"]["state"] == {}


def test_autograd_and_taylor_derivatives_train_alike():
    runs = {}
    for derivatives in ("taylor", "autograd"):
        trainer = Trainer(tiny_ac("rba", steps=20, dtype="float64", derivatives=derivatives))
        trainer.run(progress=False)
        runs[derivatives] = np.asarray(trainer.history["loss"])
    assert np.allclose(runs["taylor"], runs["autograd"], rtol=1e-9, atol=0)
    with pytest.raises(ValueError, match="compile needs derivatives='taylor'"):
        tiny_ac(derivatives="autograd", compile=True)


@pytest.mark.slow
def test_compiled_loss_matches_eager():
    # torch.compile on CPU generates C++ (about 20 s for this tiny net on a cold cache)
    runs = {}
    for compiled in (False, True):
        trainer = Trainer(tiny_ac("rba", steps=5, dtype="float64", compile=compiled))
        trainer.run(progress=False)
        runs[compiled] = np.asarray(trainer.history["loss"] + trainer.history["error"])
    assert np.allclose(runs[True], runs[False], rtol=1e-10, atol=0)


def test_lbfgs_iterations_stop_once_torch_lbfgs_stops_moving(monkeypatch):
    """Once an L-BFGS iteration leaves the weights unchanged, torch's L-BFGS has met its
    tolerances and would return the same way on every later call, so the Trainer stops
    calling it; the remaining steps only log, and the weights stay as they are."""
    spec = RunSpec(problem="burgers", width=8, depth=2, steps=2, lbfgs_steps=6,
                   problem_args=dict(n_collocation=64), monitors=())  # fmt: skip
    trainer = Trainer(spec)
    for _ in range(4):  # two Adam steps, two L-BFGS iterations
        trainer.train_step()
    assert not trainer.lbfgs_stopped
    calls = []
    monkeypatch.setattr(trainer.lbfgs, "step", lambda closure: calls.append(1) or closure())
    weights = [p.detach().clone() for p in trainer.model.parameters()]
    for _ in range(4):
        trainer.train_step()
    assert len(calls) == 1 and trainer.lbfgs_stopped and trainer.step == 8
    assert all(torch.equal(a, b) for a, b in zip(weights, trainer.model.parameters()))


def test_a_checkpoint_written_before_a_field_was_added_still_resumes():
    trainer = Trainer(tiny("rba", steps=6))
    trainer.run(progress=False, stop_at=3)
    state = trainer.state_dict()
    del state["spec"]["init_order"]  # as written before init_order existed
    resumed = Trainer(tiny("rba", steps=6))
    resumed.load_state_dict(state)
    assert resumed.step == 3
    state["spec"]["seed"] += 1
    with pytest.raises(ValueError, match="different run spec"):
        Trainer(tiny("rba", steps=6)).load_state_dict(state)


def test_a_longer_run_continues_from_a_shorter_runs_checkpoint(tmp_path):
    short, longer = tiny(steps=30), tiny(steps=50)
    source = checkpoint_path(record_path(short, tmp_path))
    Trainer(short).run(checkpoint=source, checkpoint_every=10, progress=False, stop_at=20)
    continue_run(source, longer, tmp_path)
    record = run(longer, cache=tmp_path, progress=False, checkpoint_every=10)
    full = Trainer(longer)
    full.run(progress=False)
    for key, values in full.history_arrays().items():
        assert np.array_equal(record.history[key], values, equal_nan=True), key
    assert record.info["continued_from"] == {"key": short.key, "step": 20}
    assert "continued_from" not in read_record(record.path, longer).spec.to_dict()
    with pytest.raises(FileExistsError, match="already has"):
        continue_run(source, longer, tmp_path)
    with pytest.raises(ValueError, match="differs from this one in seed"):
        continue_run(source, tiny(steps=50, seed=7), tmp_path)
    with pytest.raises(ValueError, match="past the Adam stage"):
        continue_run(source, tiny(steps=15), tmp_path)
    with pytest.raises(ValueError, match="does not load"):
        continue_run(tmp_path / "missing.pt", longer, tmp_path)
