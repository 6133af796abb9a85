"""The layering of pinnlib: imports run one way, with no circle and no deferred import.

The import graph is read from the source (``ast``), not from ``sys.modules``, so
it holds every ``import`` / ``from ... import`` of a pinnlib module wherever it is
written: at module level (``if TYPE_CHECKING:`` and ``if __name__ == "__main__":``
blocks included) and inside functions. Importing ``a.b.c`` also runs the packages
``a.b`` and ``a`` first, so an import from outside a package adds an edge to the
package too.

* Circle: the graph must have no cycle (a module importing itself is
  no circle).
* Deferred import: no function inside pinnlib imports a pinnlib module, except in
  the entry points :data:`ENTRY_POINTS`, which import lazily so that ``--help`` is
  fast, and the modules of :data:`OWNED_ELSEWHERE`, which are being changed.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from pinnlib.diagnostics.monitors import TrainerView, make_monitors
from pinnlib.spec import RunSpec
from pinnlib.train import Trainer

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "pinnlib"

#: Modules that may import pinnlib modules inside functions: the command line's
#: entry points, whose subcommands import what they need when they run, so that
#: ``python -m pinnlib --help`` stays fast.
ENTRY_POINTS = {"pinnlib.cli", "pinnlib.__main__"}

#: Modules whose deferred imports are still there; each is being rewritten
#: elsewhere, and its entry goes when it imports only at module level.
OWNED_ELSEWHERE: set[str] = set()


@dataclass(frozen=True)
class Import:
    """One import of module ``target`` by module ``source`` at ``line``."""

    source: str
    target: str
    line: int
    deferred: bool  # written inside a function


def module_names(root: Path) -> dict[str, Path]:
    """The dotted name of every module of the package in folder ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of the dotted ``name`` that is one of ``modules``."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _imported_names(node: ast.Import | ast.ImportFrom, source: str, is_package: bool) -> list[str]:
    """The dotted names an import statement brings in (``from p import m``: ``p.m``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: from the source's package, up level - 1 more
        package = source.split(".") if is_package else source.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" for alias in node.names]


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """Every import of one of ``modules`` in the module ``source`` (its file ``path``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in _imported_names(node, source, path.name == "__init__.py"):
                target = _resolve(name, modules)
                if target is not None:
                    found.append(Import(source, target, node.lineno, in_function))
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def package_imports(root: Path) -> list[Import]:
    """Every import between the modules of the package in folder ``root``."""
    modules = module_names(root)
    return [i for name, path in modules.items() for i in imports_of(name, path, modules)]


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Module -> the modules it imports, with the packages an import runs first.

    Importing ``p.q.m`` from outside package ``p.q`` also executes ``p.q`` (and
    ``p``); from inside it, those packages are already being imported, so they add
    no edge. A module importing itself is left out (no circle).
    """
    graph: dict[str, set[str]] = {}
    for i in imports:
        edges = graph.setdefault(i.source, set())
        parts = i.target.split(".")
        for end in range(1, len(parts) + 1):
            target = ".".join(parts[:end])
            inside = i.source == target or i.source.startswith(f"{target}.")
            if end == len(parts) and i.source != target or not inside:
                edges.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path ``[a, b, ..., a]``, or None if it has none."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    for start in sorted(graph):
        if start not in done:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def deferred_imports(imports: list[Import], exempt: set[str]) -> list[Import]:
    """The imports written inside functions, outside the ``exempt`` modules."""
    return [i for i in imports if i.deferred and i.source not in exempt]


# -- pinnlib -------------------------------------------------------------------------------
def test_pinnlib_has_no_import_circle():
    cycle = find_cycle(import_graph(package_imports(PACKAGE_DIR)))
    assert cycle is None, f"import circle in pinnlib: {' -> '.join(cycle)}"


def test_pinnlib_imports_only_at_module_level():
    found = deferred_imports(package_imports(PACKAGE_DIR), ENTRY_POINTS | OWNED_ELSEWHERE)
    where = [f"{i.source} (line {i.line}) imports {i.target} inside a function" for i in found]
    assert not where, "deferred import between pinnlib modules:\n" + "\n".join(where)


def test_exemptions_are_current():
    """Every exempt module exists and still imports inside a function, so a module
    whose deferred imports are gone leaves the list."""
    imports = package_imports(PACKAGE_DIR)
    deferring = {i.source for i in imports if i.deferred}
    modules = module_names(PACKAGE_DIR)
    stale = sorted(m for m in OWNED_ELSEWHERE if m not in modules or m not in deferring)
    assert not stale, f"delete from OWNED_ELSEWHERE (no deferred import left): {stale}"
    assert ENTRY_POINTS <= set(modules)


# -- the checks themselves can fail --------------------------------------------------------
def test_find_cycle_finds_a_synthetic_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "pkg"


def test_a_deferred_import_circle_in_a_package_is_found(tmp_path):
    pkg = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/low.py": "def f():\n    from pkg.high import g\n    return g\n",
            "pkg/high.py": "from pkg.low import f\n\ndef g():\n    return f\n",
            "pkg/sub/__init__.py": "from . import leaf\n",
            "pkg/sub/leaf.py": "import pkg.low\n",
        },
    )
    imports = package_imports(pkg)
    assert find_cycle(import_graph(imports)) == ["pkg.high", "pkg.low", "pkg.high"]
    assert [(i.source, i.target) for i in deferred_imports(imports, set())] == [
        ("pkg.low", "pkg.high")
    ]
    assert deferred_imports(imports, {"pkg.low"}) == []
    assert ("pkg.sub", "pkg.sub.leaf") in {(i.source, i.target) for i in imports}


def test_a_package_initialiser_is_part_of_a_circle(tmp_path):
    """``import pkg.sub.leaf`` runs ``pkg/sub/__init__.py`` first: its imports count."""
    pkg = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/top.py": "from pkg.sub.leaf import x\n",
            "pkg/sub/__init__.py": "from pkg.sub.other import y\n",
            "pkg/sub/leaf.py": "import pkg.sub.other\nx = 1\n",
            "pkg/sub/other.py": "if False:\n    import pkg.top\ny = 2\n",
        },
    )
    graph = import_graph(package_imports(pkg))
    assert graph["pkg.sub.leaf"] == {"pkg.sub.other"}  # its own packages add no edge
    assert find_cycle(graph) == ["pkg.sub", "pkg.sub.other", "pkg.top", "pkg.sub"]


@pytest.mark.parametrize("source", ["import pkg.low\n", "from pkg import low\n"])
def test_module_level_imports_are_not_deferred(tmp_path, source):
    pkg = _write(tmp_path, {"pkg/__init__.py": "", "pkg/low.py": "", "pkg/high.py": source})
    (found,) = package_imports(pkg)
    assert (found.source, found.target, found.deferred) == ("pkg.high", "pkg.low", False)


# -- the interface monitors are typed against -----------------------------------------------
def test_monitors_read_only_what_the_trainer_view_names():
    """A Trainer is a TrainerView, and every monitor gives the same numbers on an object
    that holds nothing but the TrainerView's members, copied from that Trainer."""
    spec = RunSpec(problem="burgers", method="rba", width=8, depth=2, steps=3, seed=1)
    trainer = Trainer(spec)
    trainer.run(progress=False)
    assert TrainerView in Trainer.__mro__  # declared, not only structurally alike
    members = ("model", "problem", "points", "weighting", "step", "optimizer_now")
    view = SimpleNamespace(
        **{m: getattr(trainer, m) for m in members}, condition_losses=trainer.condition_losses
    )
    assert isinstance(view, TrainerView)

    def same(a, b) -> bool:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))

    for name, monitor in make_monitors(["all"]).items():
        ours = monitor(trainer)
        theirs = make_monitors([name])[name](view)
        assert ours.keys() == theirs.keys()
        assert all(same(ours[k], theirs[k]) for k in ours), name
    assert not math.isnan(make_monitors(["adam_snr"])["adam_snr"](view)[""])
