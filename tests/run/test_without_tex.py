"""A machine without TeX (most clinics' Windows machines): the reports write everything that does not need it, say in
one line what the PDF needs, and `verify` checks such a folder. TeX is taken away by a PATH without xelatex."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import PERIOD, _clinic
from ..test_cli import ROOT

TEX_TOOLS = ("xelatex", "xetex", "pdflatex", "latex", "tex", "lualatex", "luatex")


@pytest.fixture(scope="module")
def no_tex(tmp_path_factory) -> dict[str, str]:
    """The environment of a machine without TeX: every program of this one's PATH but TeX's."""
    shims = tmp_path_factory.mktemp("bin")
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or not Path(folder).is_dir():
            continue
        for program in Path(folder).iterdir():
            if program.name not in TEX_TOOLS and not (shims / program.name).exists():
                (shims / program.name).symlink_to(program)
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), str(shims)]),
           "PYTHONPATH": str(ROOT)}
    assert shutil.which("xelatex", path=env["PATH"]) is None
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stomkpi", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Path:
    return _clinic(tmp_path_factory.mktemp("notex"), (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def month(no_tex, clinic) -> tuple[subprocess.CompletedProcess, Path]:
    result = run(no_tex, "monthly", "--month", PERIOD, "--params", str(clinic / "params" / "demo.yaml"), "--quiet")
    return result, clinic / "outputs" / PERIOD


def test_monthly_without_tex_writes_all_but_the_pdf_and_says_so(month):
    result, folder = month
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "TeX" in line]
    assert len(said) == 1, result.stderr
    assert "PDF" in said[0] and "MiKTeX" in said[0] and "TeX Live" in said[0]
    assert "Traceback" not in result.stderr
    names = {p.name for p in folder.iterdir()}
    assert f"{PERIOD}.pdf" not in names
    for name in (f"{PERIOD}.ipynb", f"{PERIOD}.html", f"scores-{PERIOD}.csv", f"scores-{PERIOD}.xlsx",
                 f"payroll-{PERIOD}.csv", f"payroll-{PERIOD}.xlsx", "manifest.json"):
        assert name in names, sorted(names)
    assert any(n.startswith("protocol") and n.endswith(".xlsx") for n in names), sorted(names)
    assert any(n.startswith("cards-") and n.endswith(".pdf") for n in names)  # cards need no TeX
    assert any(n.startswith("cards-") and n.endswith(".xlsx") for n in names)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == {p.name for p in folder.iterdir() if p.is_file()} - {"manifest.json"}


def test_verify_checks_a_folder_made_without_tex(month, no_tex):
    _, folder = month
    result = run(no_tex, "verify", str(folder / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout


def test_verify_with_tex_expects_no_pdf_the_run_did_not_make(month):
    _, folder = month
    if shutil.which("xelatex") is None:
        pytest.fail("this machine has no xelatex: the check needs one")
    result = run({**os.environ, "PYTHONPATH": str(ROOT)}, "verify", str(folder / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_annual_without_tex_writes_all_but_the_pdf(month, no_tex, clinic):
    result = run(no_tex, "annual", "--year", PERIOD[:4], "--params", str(clinic / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert len([line for line in result.stderr.splitlines() if "MiKTeX" in line]) == 1
    folder = clinic / "outputs" / PERIOD[:4]
    names = {p.name for p in folder.iterdir()}
    assert f"{PERIOD[:4]}.html" in names and f"{PERIOD[:4]}.pdf" not in names and "manifest.json" in names


def test_approved_without_tex_still_verifies(month, no_tex, clinic):
    _, folder = month
    result = run(no_tex, "approve", "--month", PERIOD, "--params", str(clinic / "params" / "demo.yaml"),
                 "--by", "Иванова И. И., главный врач")
    assert result.returncode == 0, result.stderr
    assert not (folder / f"{PERIOD}.pdf").exists()
    result = run(no_tex, "verify", str(folder / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
