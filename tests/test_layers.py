"""The package's layers: no import circle between modules (imports inside functions counted too), and each layer
imports only the layers below it — core (`stomkpi/*.py`, `stomkpi/catalog/`) ← `demo/` ← `revisions/` ← `report/`
← `run/` ← the command line (`cli.py`, `__main__.py`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stomkpi"
LAYERS = ["core", "demo", "revisions", "report", "run", "cli"]


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, package): p for p in package.rglob("*.py")}


def imports(path: Path, known: set[str], package_dir: Path = PACKAGE) -> set[str]:
    """The stomkpi modules a module imports, anywhere in it (a function's imports too); `from pkg import name` counts
    as importing `pkg.name` when that is a module, else `pkg`."""
    name = module_name(path, package_dir)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "stomkpi"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base.split(".")[0] != "stomkpi":
                continue
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    return found & known


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    found = modules(package)
    return {name: imports(path, set(found), package) - {name} for name, path in found.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "catalog" or (len(parts) == 2 and parts[1] not in LAYERS[1:5]):
        return "cli" if parts[-1] in ("cli", "__main__") else "core"
    return parts[1]


def test_no_import_circle():
    assert circles(graph()) == []


def test_each_layer_imports_only_the_layers_below():
    wrong = sorted(f"{a} -> {b}" for a, targets in graph().items() for b in targets
                   if LAYERS.index(layer(b)) > LAYERS.index(layer(a)))
    assert wrong == []


def test_the_circle_finder_finds_a_circle(tmp_path):
    # a stand-in package where a imports b at the top and b imports a inside a function: one circle of two
    pkg = tmp_path / "stomkpi"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from stomkpi.b import g\n")
    (pkg / "b.py").write_text("def g():\n    from . import a\n")
    (pkg / "c.py").write_text("from stomkpi import a\n")
    assert circles(graph(pkg)) == [["stomkpi.a", "stomkpi.b"]]


@pytest.mark.parametrize("module, expected", [("stomkpi.month", "core"), ("stomkpi.catalog.base", "core"),
                                              ("stomkpi.demo.nmo", "demo"), ("stomkpi.run.speed.warm", "run"),
                                              ("stomkpi.cli", "cli"), ("stomkpi.report.cards", "report")])
def test_layer_of_a_module(module, expected):
    assert layer(module) == expected


def test_the_tests_follow_their_layers():
    """Each folder of tests is named after the layer whose modules it tests (tests/report/ for stomkpi/report/, …),
    and a test module in a layer's folder imports that layer or drives the command line (a report end to end, the session's rendered reports, or a clinic a sibling test builds): a
    test moved away from its modules, or a folder no layer has, fails here. Rules of the whole package (the layers,
    the speed folder's confinement, the layout) stay beside the fixtures in tests/."""
    tests = PACKAGE.parent / "tests"
    folders = [p for p in tests.rglob("*") if p.is_dir() and p.name not in ("data", "__pycache__")]
    assert folders, "the tests have no layer folders"
    for folder in folders:
        layer = folder.relative_to(tests)
        assert (PACKAGE / layer).is_dir(), f"tests/{layer.as_posix()}/ names no layer of the package"
        name = "stomkpi." + ".".join(layer.parts)
        for module in folder.glob("test_*.py"):
            text = module.read_text(encoding="utf-8")
            imports = re.search(rf"(from|import) {re.escape(name)}\b", text)
            rendered = re.search(r"def test_\w+\([^)]*\b(monthly|annual|regional)\b", text)  # the session's reports
            driven = "test_cli import" in text or "from .test_" in text  # the command line, or a sibling's clinic
            assert imports or rendered or driven, f"{module.name} neither imports {name} nor runs a command"
