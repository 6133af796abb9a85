"""Adding a benchmark takes one problem class, one EXPERIMENTS entry and one chapter
entry. A toy benchmark registered that way (here by monkeypatching the three registries)
is validated, trained, cached, swept and titled like the book's own."""

import math

import pytest

from pinnlib import book_runs, report
from pinnlib.experiments import EXPERIMENTS, experiment, record_path, run
from pinnlib.problems import PROBLEMS, Burgers
from pinnlib.spec import RunSpec


class ToyBurgers(Burgers):
    """Burgers under another name: a benchmark the library has never seen."""

    title = "toy Burgers"
    paper_transitions = (math.nan, 500)


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(PROBLEMS, "toy_burgers", ToyBurgers)
    small = dict(width=8, depth=2, steps=30, problem_args=dict(n_collocation=128))
    monkeypatch.setitem(EXPERIMENTS, "toy_burgers", {"ci": small, "cpu": small, "paper": {}})
    monkeypatch.setitem(book_runs.CHAPTER_RUNS, "toy_burgers", book_runs._benchmark("toy_burgers"))
    return "toy_burgers"


def test_a_toy_benchmark_needs_only_its_three_entries(toy, tmp_path):
    spec = experiment("Toy-Burgers", "ci", method="rba")  # names are normalised once
    assert spec.problem == toy
    assert RunSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="n_points"):
        experiment(toy, "ci", problem_args=dict(n_points=3))  # its arguments are checked
    specs = book_runs.chapter_specs(toy, "ci")
    assert {(s.method, s.seed) for s in specs} == {("vanilla", 2341), ("rba", 2341)}
    record = run(spec, cache=tmp_path, progress=False)
    assert record.path == record_path(spec, tmp_path) and math.isfinite(record.final_error)
    assert run(spec, cache=tmp_path, progress=False).final_error == record.final_error
    assert report.TITLES[toy] == "toy Burgers"
    assert report.PAPER_TRANSITIONS[toy][1] == 500
    assert math.isnan(report.PAPER_ERRORS[toy][0])  # the paper's numbers default to nan


def test_an_unregistered_benchmark_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown benchmark 'toy_burgers'"):
        experiment("toy_burgers", "ci")
