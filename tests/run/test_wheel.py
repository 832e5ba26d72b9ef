"""The package as a user installs it: a wheel built from the checkout, installed (not editable) into a
fresh venv outside the checkout, runs `stomkpi demo`, `monthly` and `annual` with the notebooks and
templates it ships.

To stay fast the fresh venv does not download the dependencies: a `.pth` line puts this
environment's site-packages after its own (so its `stomkpi` comes from the wheel, never from the
checkout), and `JUPYTER_PATH` points at this environment's Jupyter data, where nbconvert's base
templates were installed with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..test_cli import ROOT

_SKIP_ANYWHERE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
                                       ".hypothesis")


def SKIP(folder: str, names: list[str]) -> set[str]:
    """What the checkout's copy leaves out: caches everywhere, and the demo's data and outputs at the top only (the
    package `stomkpi/demo/` is source)."""
    top = {"outputs", "demo"} if Path(folder).resolve() == ROOT.resolve() else set()
    return set(_SKIP_ANYWHERE(folder, names)) | (top & set(names))


def _run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-3000:])
    return result


def test_wheel_installs_and_runs_the_reports(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=SKIP)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source), cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("stomkpi-*.whl"))

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
                .stdout.strip())
    (site / "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel),
         cwd=tmp_path)

    work = tmp_path / "clinic"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= {"PATH": os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"]),
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    where = _run(str(python), "-c", "import stomkpi.run.notebook as r; print(r.NOTEBOOKS)", cwd=work, env=env).stdout
    assert Path(where.strip()) == site / "stomkpi" / "report" / "notebooks"
    stomkpi = str(venv / "bin" / "stomkpi")
    _run(stomkpi, "demo", cwd=work, env=env)
    assert (work / "params" / "demo.yaml").is_file() and (work / "demo" / "2025-12.xlsx").is_file()
    _run(stomkpi, "monthly", "--month", "2025-12", "--quiet", cwd=work, env=env)
    made = {p.name for p in (work / "outputs" / "2025-12").iterdir()}
    assert {n for n in made if not n.startswith("cards-2025-12-")} == {
        "2025-12.ipynb", "2025-12.html", "2025-12.pdf", "protocols-2025-12.xlsx", "scores-2025-12.csv", "scores-2025-12.xlsx",
        "manifest.json", "inputs", "cards-2025-12.json",  # the cards as data, for the approval's stamp
        # the demo's book has a «Фонд»: the payroll files and their control totals
        "payroll-2025-12.csv", "payroll-2025-12.xlsx", "payroll-2025-12.json"}
    assert "cards-2025-12-Терапевтическое-отделение.pdf" in made
    _run(stomkpi, "annual", "--year", "2025", "--quiet", cwd=work, env=env)
    assert (work / "outputs" / "2025" / "rating-2025.csv").is_file()
    assert _run(stomkpi, "--version", cwd=work, env=env).stdout.startswith("stomkpi ")
    _run(stomkpi, "init", "новая", cwd=work, env=env)
    assert (work / "новая" / "params" / "clinic.yaml").is_file()
