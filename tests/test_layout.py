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

def project_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``packages`` under ``root``."""
    modules = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = project_modules(ROOT)


@functools.cache
def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def imports(module: str, modules=MODULES) -> list[tuple[str, str | None, str]]:
    """(imported project module, the name imported from it or None, the local name) per import."""

    def project_module(name: str | None) -> str | None:  # the module name is, or is inside of
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    path = modules[module]
    found = []
    for node in ast.walk(tree(path)):
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
                if sub in modules:  # `from scenarios import cli`: the module cli
                    found.append((sub, None, a.asname or a.name))
                elif project_module(source):
                    found.append((project_module(source), a.name, a.asname or a.name))
    return found


def import_graph(modules=MODULES) -> dict[str, set[str]]:
    return {m: {t for t, _, _ in imports(m, modules)} - {m} for m in modules}


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


def private_reads(modules=MODULES) -> set[tuple[str, str, str]]:
    """(reader, project module, private name) for every ``from m import _x`` and ``m._x``."""
    found = set()
    for module, path in modules.items():
        aliases = {}
        for target, name, local in imports(module, modules):
            if name is None:
                aliases[local] = target
            elif name.startswith("_") and not name.startswith("__") and target != module:
                found.add((module, target, name))
        for node in ast.walk(tree(path)):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__") and aliases[node.value.id] != module):
                found.add((module, aliases[node.value.id], node.attr))
    return found


def test_the_graph_reader_sees_what_it_must(tmp_path):
    """The checks below can fail: on a small package the reader finds a circle through an
    import inside a function, and private names read both ways."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import _hidden, shown\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.sub import c\n    return c\n_hidden = shown = 1\n")
    (pkg / "sub" / "c.py").write_text("import pkg.a as alias\nfrom . import d\nx = alias._secret\n")
    (pkg / "sub" / "d.py").write_text("")
    modules = project_modules(tmp_path, ["pkg"])
    graph = import_graph(modules)
    assert graph["pkg.sub.c"] == {"pkg.a", "pkg.sub.d"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    assert private_reads(modules) == {("pkg.a", "pkg.b", "_hidden"), ("pkg.sub.c", "pkg.a", "_secret")}
    assert "scenarios.output.run_plots" in import_graph()["scenarios.run.runner"]  # imported in a function


def test_no_import_circles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("room", ["scenarios.run", "scenarios.output", "scenarios.studies"])
def test_run_output_and_studies_never_import_the_cli(room):
    graph = import_graph()
    inside = [m for m in graph if m == room or m.startswith(room + ".")]
    assert inside
    assert {m: sorted(t for t in graph[m] if t.startswith("scenarios.cli")) for m in inside
            if any(t.startswith("scenarios.cli") for t in graph[m])} == {}


@pytest.mark.parametrize("package, may_import", [("analytic", {"analytic"}), ("agents", {"analytic", "agents"})])
def test_packages_depend_one_way(package, may_import):
    """analytic imports nothing of ours; agents imports analytic only; scenarios sits on both."""
    graph = import_graph()
    wrong = {m: sorted(t for t in graph[m] if t.partition(".")[0] not in may_import)
             for m in graph if m.partition(".")[0] == package}
    assert {m: t for m, t in wrong.items() if t} == {}


def test_no_module_reads_another_modules_private_names():
    assert private_reads() == set()


def test_scenarios_keeps_at_most_five_modules_at_its_top():
    top = sorted(p.name for p in (ROOT / "scenarios").glob("*.py"))
    assert len(top) <= 5, top
    assert {"__init__.py", "scenario.py", "sweep_spec.py"} <= set(top)
    rooms = {p.parent.name for p in (ROOT / "scenarios").glob("*/__init__.py")}
    assert {"cli", "run", "output", "studies", "dashboard"} <= rooms
