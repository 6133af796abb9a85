"""scripts/profile_search.py: the table of profile experiments the appendix shows."""

import csv
import importlib.util

from pinnlib.experiments import REPO_ROOT, experiment

spec = importlib.util.spec_from_file_location(
    "profile_search", REPO_ROOT / "scripts" / "profile_search.py"
)
search = importlib.util.module_from_spec(spec)
spec.loader.exec_module(search)


def test_rows_are_replaced_by_key_and_method(tmp_path):
    table = tmp_path / "search.csv"
    row = dict.fromkeys(search.FIELDS, "")
    search.append_rows([{**row, "key": "a", "method": "rba", "final_error": "1"}], table)
    search.append_rows([{**row, "key": "b", "method": "rba", "final_error": "2"}], table)
    search.append_rows([{**row, "key": "a", "method": "rba", "final_error": "3"}], table)
    rows = list(csv.DictReader(table.open()))
    assert sorted((r["key"], r["final_error"]) for r in rows) == [("a", "3"), ("b", "2")]


def test_the_chosen_cpu_profiles_are_candidates_of_the_search():
    """Every cpu profile was one of the searched configurations (same spec key)."""
    for problem, candidates in search.CANDIDATES.items():
        keys = {search.candidate_spec(problem, c, "rba", 2341).key for c in candidates}
        assert experiment(problem, "cpu", method="rba").key in keys, problem
