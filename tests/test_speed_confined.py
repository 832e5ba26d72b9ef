"""The speed-ups live in `stomkpi/run/speed/` alone: no other module of the package, and no notebook, names one, and
no module keeps process-wide state through a `global` statement."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "stomkpi"
SPEED = PACKAGE / "run" / "speed"
# the names of the tricks and of the process-wide switches they were once steered by
TRICKS = re.compile(r"write_files_aside|\bBackground\b|speed\.background|files\.wait\(|\bFORK\b|\bFORMAT\b|"
                    r"_EXPORTERS|_format_chosen|_env_users|_env_saved|warm\._warm|warm\._shared|warm\._waited|"
                    r"forkserver\._|BeautifulSoup pass|"
                    # the tricks by their own words: a warm process, the fork server, xelatex started early on the
                    # preamble or from a dumped format, exporters lent from one report to the next, files aside
                    r"\b[Ww]arm\b|fork[ _-]?server|\bEarly\b|early_pdf|early xelatex|\blent\b|\.lent\(|\bpreload|"
                    r"\bFormat\b|use_format|own_format|HEAD_END|\bdumped\b|files[ _]aside|nbconvert_html|"
                    r"speed\.markdown|without_iri_grammar")


def outside_speed() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".ipynb") and SPEED not in p.parents)


def trick_names(path: Path) -> list[str]:
    return [f"{path.name}:{n}: {m.group(0)}"
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) for m in TRICKS.finditer(line)]


def global_statements(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{node.lineno}: global {', '.join(node.names)}"
            for node in ast.walk(tree) if isinstance(node, ast.Global)]


def test_no_module_outside_the_speed_folder_and_no_notebook_names_a_trick():
    assert [hit for p in outside_speed() for hit in trick_names(p)] == []


def test_no_module_has_a_global_statement():
    assert [hit for p in sorted(PACKAGE.rglob("*.py")) for hit in global_statements(p)] == []


def test_the_search_finds_a_trick_and_a_global(tmp_path):
    planted = tmp_path / "stomkpi" / "report"
    planted.mkdir(parents=True)
    (planted / "m.py").write_text("X = 0\ndef f(r):\n    global X\n    return r.write_files_aside('.')\n"
                                  "# a kernel forked from the warm process; xelatex from a Format\n")
    path = planted / "m.py"
    assert [hit.split(": ")[1] for hit in trick_names(path)] == ["write_files_aside", "warm", "Format"]
    assert global_statements(path)
