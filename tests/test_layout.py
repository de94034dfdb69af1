"""The shape of the code: no import circles, no reading of another module's private names,
the rooms of ``scenarios/`` (the import graph is read from the source with ``ast``: every
``import`` statement, also those inside functions)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analytic", "agents", "scenarios")

#: Private names read across modules inside ``analytic/``, which task A of issue 10 (the
#: solver protocol) reworks; this branch does not touch ``analytic/``. No new ones.
KNOWN_PRIVATE_READS = {
    ("analytic.bargaining", "analytic.params", "_as_float_array"),
    ("analytic.integration", "analytic.welfare", "_accept_switches"),
    ("analytic.outsiders", "analytic.general", "_fmt"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def project_module(name: str | None) -> str | None:
    """The project module ``name`` is, or is inside of (``analytic.solve`` -> ``analytic``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@functools.cache
def tree(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(), str(MODULES[module]))


@functools.cache
def imports(module: str) -> tuple[tuple[str, str | None, str], ...]:
    """(imported project module, the name imported from it or None, the local name) per import."""
    path = MODULES[module]
    found = []
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Import):
            for a in node.names:
                target = project_module(a.name)
                if target:
                    found.append((target, None, a.asname or a.name.partition(".")[0]))
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                base = module.split(".")[: len(module.split(".")) - (path.name != "__init__.py") - node.level + 1]
                source = ".".join(base + ([source] if source else []))
            for a in node.names:
                sub = f"{source}.{a.name}"
                if sub in MODULES:  # `from scenarios import cli`: the module cli
                    found.append((sub, None, a.asname or a.name))
                elif project_module(source):
                    found.append((project_module(source), a.name, a.asname or a.name))
    return tuple(found)


def import_graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports(m)} - {m} for m in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def private_reads() -> set[tuple[str, str, str]]:
    """(reader, project module, private name) for every ``from m import _x`` and ``m._x``."""
    found = set()
    for module in MODULES:
        aliases = {}
        for target, name, local in imports(module):
            if name is None:
                aliases[local] = target
            elif name.startswith("_") and not name.startswith("__") and target != module:
                found.add((module, target, name))
        for node in ast.walk(tree(module)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases[node.value.id] != module):
                found.add((module, aliases[node.value.id], node.attr))
    return found


def test_the_graph_reader_sees_what_it_must():
    """The checks below can fail: the reader finds a known import, a lazy one and a circle."""
    graph = import_graph()
    assert "scenarios.scenario" in graph["scenarios.sweep_spec"]
    assert "scenarios.output.run_plots" in graph["scenarios.run.runner"]  # imported inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert ("analytic.outsiders", "analytic.general", "_fmt") in private_reads()


def test_no_import_circles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("room", ["scenarios.run", "scenarios.output", "scenarios.studies"])
def test_run_output_and_studies_never_import_the_cli(room):
    graph = import_graph()
    inside = [m for m in graph if m == room or m.startswith(room + ".")]
    assert inside
    assert {m: sorted(t for t in graph[m] if t.startswith("scenarios.cli")) for m in inside
            if any(t.startswith("scenarios.cli") for t in graph[m])} == {}


def test_no_module_reads_another_modules_private_names():
    assert private_reads() - KNOWN_PRIVATE_READS == set()


def test_scenarios_keeps_at_most_five_modules_at_its_top():
    top = sorted(p.name for p in (ROOT / "scenarios").glob("*.py"))
    assert len(top) <= 5, top
    assert {"__init__.py", "scenario.py", "sweep_spec.py"} <= set(top)
    rooms = {p.parent.name for p in (ROOT / "scenarios").glob("*/__init__.py")}
    assert {"cli", "run", "output", "studies", "dashboard"} <= rooms
