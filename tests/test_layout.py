"""The shape of the package: engines that read nothing, one catalog fallback, clean notebooks, and a
README whose explorer example runs and whose layout matches the tree."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shutil
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
    block = textwrap.dedent(re.search(r"```\n(stomkpi/\n.*?)```", body, re.S).group(1))  # the tree, after the map
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


def _bash_blocks(section: str) -> list[str]:
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return [textwrap.dedent(b) for b in re.findall(r"```bash\n(.*?)```", body, re.S)]


def _by_hand(block: str, work, demo) -> None:
    """What a person does between two of the README's blocks: fill the book, put the year's norms beside it, and
    correct the book before a revision."""
    from openpyxl import load_workbook

    data = work / "моя-поликлиника" / "data"
    if "stomkpi template" in block:
        shutil.copyfile(demo / "2025-12.xlsx", data / "2025-12.xlsx")
        shutil.copyfile(demo / "norms-2025.yaml", data / "norms-2025.yaml")
    if "--revision" in block:
        book = load_workbook(data / "2025-12.xlsx")
        events = book["События"]
        column = [c.value for c in events[1]].index("Количество") + 1
        events.cell(2, column).value = (events.cell(2, column).value or 1) + 1
        book.save(data / "2025-12.xlsx")


def test_readme_lifecycle_runs_as_written(tmp_path):
    """Every command of «Жизнь месяца», as written, from an empty folder: `stomkpi` found on PATH, as after
    `. .venv/bin/activate`; the paths the section names are the ones the commands wrote."""
    section = "Жизнь месяца"
    blocks = _bash_blocks(section)
    assert len(blocks) >= 5 and "stomkpi init" in blocks[0]
    shim = tmp_path / "bin" / "stomkpi"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m stomkpi "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    demo, work = tmp_path / "demo", tmp_path / "work"
    assert run("demo", str(demo)).returncode == 0
    work.mkdir()
    for block in blocks:
        if "--revision" in block:
            _by_hand(block, work, demo)
        result = subprocess.run(["bash", "-e", "-c", block], cwd=work, env=env, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, (block, result.stdout[-2000:], result.stderr[-3000:])
        if "stomkpi template" in block:
            _by_hand(block, work, demo)
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(моя-поликлиника/[^`\s]+)`", body))
    assert len(named) >= 5
    for path in named:
        assert (work / path).exists(), f"{path} is named in «{section}» but the commands did not write it"


def test_readme_says_how_stomkpi_gets_on_path():
    """After `make demo-report` the command lives in .venv/bin; `notebooks/` is a link into the package, so a
    `..` from it is not the project folder: the environment is activated from the project folder."""
    body = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert ". .venv/bin/activate" in body and ".venv/bin/stomkpi" in body
    assert "../.venv" not in README
    explorer = README.split("## For the explorer", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"\. \.venv/bin/activate\s*(&&|\n)\s*jupyter lab notebooks/explore\.ipynb", explorer), explorer
