"""The shape of the package: engines that read nothing, one catalog fallback, clean notebooks, and a
README whose explorer example runs and whose layout matches the tree."""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import subprocess
import sys
import textwrap

import pytest

from .test_cli import ROOT, run

PACKAGE = ROOT / "stomkpi"
ENGINES = ("scoring", "indicators", "effectiveness", "nmo", "derive", "protocols", "summary")
# modules that read files or run things; an engine imports none of them
READERS = {"sheets", "month", "nmo_inputs", "norms", "config", "pipeline", "provenance", "demo", "demo_indicators",
           "demo_nmo", "template", "cli", "report", "catalog.base"}
CATALOG_LOADERS = {"catalog_file", "read_yaml", "BUILTIN_DIR", "load_catalogs"}
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _imports(module: str) -> list[tuple[str, list[str]]]:
    """(module imported, names) for every `from .x import …` of a stomkpi module, as `x`."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out.append((node.module or "", [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom | ast.Import) and "stomkpi" in ast.unparse(node):
            out.append((ast.unparse(node), []))
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_import_no_reader(engine):
    for module, names in _imports(engine):
        assert module.split(".")[0] not in READERS and module not in READERS, (engine, module)
        if module.startswith("catalog"):
            assert not [n for n in names if n.startswith("load_") or n in CATALOG_LOADERS], (engine, names)


def test_the_catalog_fallback_is_written_once():
    """Only the catalog package names its files; only `catalog_file` chooses between a clinic's copy and ours."""
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(PACKAGE).as_posix()
        if not where.startswith("catalog/"):
            assert not re.search(r"(positions|indicators|nmo)\.yaml", text), where
        if where not in ("catalog/base.py", "catalog/__init__.py"):
            assert "BUILTIN_DIR" not in text, where
    assert (PACKAGE / "catalog" / "base.py").read_text(encoding="utf-8").count("return BUILTIN_DIR") == 1


@pytest.mark.parametrize("name", ["monthly", "annual", "regional", "explore"])
def test_notebooks_are_one_clean_source(name):
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert (ROOT / "notebooks").resolve() == PACKAGE / "report" / "notebooks"  # the one file, shipped in the package
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    for cell in code:
        source = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class) ", source, re.M), source
        assert len(source.splitlines()) <= 12, source
    assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1
    assert not (ROOT / "scripts" / "make_notebooks.py").exists()


def _python_block(section: str) -> str:
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", body, re.S).group(1)


def test_readme_explorer_example_runs(tmp_path):
    assert run("demo", str(tmp_path / "demo")).returncode == 0
    script = "import pandas as pd\npd.set_option('display.width', 200)\n" + _python_block("For the explorer")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_readme_layout_matches_the_tree():
    body = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    block = textwrap.dedent(re.search(r"```\n(.*?)```", body, re.S).group(1))
    entries, stack = [], []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        stack[depth:] = [line.split()[0]]
        entries.append("".join(stack))
    listed = [e for e in entries if not e.endswith("/")]
    files = sorted(p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and "templates" not in p.parts)
    for f in files:
        assert any(fnmatch.fnmatch(f, e) for e in listed), f"{f} is not in the README's layout"
    for e in entries:
        assert list(ROOT.glob(e.rstrip("/"))), f"{e} is in the README's layout but not in the tree"
