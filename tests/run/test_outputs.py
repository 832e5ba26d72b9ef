"""Outputs that are never lost (lock, crash-proof swap, recovery), xelatex contained (paranoid file
access, time limit, killed with its parent), and `verify` that runs no foreign code and names tampering."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from stomkpi.run import outputs
from stomkpi.run.latex import LatexError, typeset
from stomkpi.run.outputs import BusyError, period_lock, recover, swap
from stomkpi.run.verify import _check_inputs

from ..conftest import REPORT_PERIOD as PERIOD
from ..test_cli import run


def _folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "report.txt").write_text(text, encoding="utf-8")
    return path


# --- the period's folder ---------------------------------------------------------------------------

def test_a_second_run_of_the_same_period_is_refused_with_who_holds_it(tmp_path):
    out = tmp_path / "outputs" / "2025-12"
    with period_lock(out):
        with pytest.raises(BusyError) as info:
            with period_lock(out):
                pass
    assert "отчёт 2025-12 сейчас строится другим запуском (процесс" in str(info.value)
    with period_lock(out):  # released when the first run ended
        pass


def test_a_run_killed_between_the_two_renames_gets_the_old_report_back(tmp_path):
    out = tmp_path / "2025-12"
    _folder(tmp_path / "2025-12.old", "прежний")  # the old folder renamed aside, the new one not yet in place
    _folder(tmp_path / ".2025-12.tmp-abc123", "недостроенный")  # the killed run's temporary folder
    recover(out)
    assert (out / "report.txt").read_text(encoding="utf-8") == "прежний"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-12"]


def test_recovering_a_month_leaves_its_revision_being_built_alone(tmp_path):
    """`approve` of 2025-12 takes 2025-12's lock and recovers it while revision 2 (`2025-12.r2`, a lock of its
    own) is being built: the revision's temporary folder is not the month's leftover."""
    _folder(tmp_path / "2025-12", "утверждённый")
    _folder(tmp_path / ".2025-12.r2.tmp-xyz", "строится")
    _folder(tmp_path / ".2025-12.tmp-abc", "недостроенный")
    recover(tmp_path / "2025-12")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".2025-12.r2.tmp-xyz", "2025-12"]


def test_the_swap_leaves_one_complete_folder_and_survives_an_undeletable_old_file(tmp_path, monkeypatch):
    out = _folder(tmp_path / "2025-12", "прежний")
    swap(_folder(tmp_path / ".2025-12.new1", "новый"), out)
    assert (out / "report.txt").read_text(encoding="utf-8") == "новый" and not (tmp_path / "2025-12.old").exists()
    # an old folder that cannot be removed (a file held by another program) is moved out of the way
    monkeypatch.setattr(outputs.shutil, "rmtree", lambda *a, **k: None)
    swap(_folder(tmp_path / ".2025-12.new2", "ещё новее"), out)
    swap(_folder(tmp_path / ".2025-12.new3", "третий"), out)  # the next run is not blocked by it
    assert (out / "report.txt").read_text(encoding="utf-8") == "третий"
    assert not (tmp_path / "2025-12.old").exists()
    assert len(list(tmp_path.glob(".2025-12.trash-*"))) == 2


def test_the_command_reports_a_busy_period_in_russian(project, monthly):
    with period_lock(monthly):
        result = run("monthly", "--month", PERIOD, "--params", str(project / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 2 and "сейчас строится другим запуском" in result.stderr
    assert "Traceback" not in result.stderr


# --- xelatex ------------------------------------------------------------------------------------------

DOC = r"\documentclass{article}\begin{document}%s\end{document}"


def test_typeset_makes_a_pdf():
    assert typeset(DOC % "Hello", {}).startswith(b"%PDF")


def test_latex_reads_no_file_outside_its_folder(tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("TOKEN-5d41402abc", encoding="utf-8")
    with pytest.raises(LatexError):  # paranoid mode: an absolute path is not opened
        typeset(DOC % rf"\input{{{secret}}}", {})


def test_latex_that_loops_is_stopped_at_the_time_limit():
    started = time.monotonic()
    with pytest.raises(LatexError, match="PDF не собран за 2 с"):
        typeset(DOC % r"\def\x{\x}\x", {}, time_limit=2)
    assert time.monotonic() - started < 30


def _xelatex_under(folder: Path) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "xelatex" and \
                    str(folder) in os.readlink(f"/proc/{pid}/cwd"):
                found.append(int(pid))
        except OSError:
            continue
    return found


def test_latex_dies_with_the_run_that_started_it(tmp_path):
    script = ("from stomkpi.run.latex import typeset\n"
              r"typeset(r'\documentclass{article}\begin{document}\def\x{\x}\x\end{document}', {}, time_limit=600)")
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(tmp_path)})
    deadline = time.monotonic() + 30
    while not _xelatex_under(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _xelatex_under(tmp_path), "xelatex did not start"
    child.send_signal(signal.SIGKILL)  # the run is killed outright
    child.wait()
    deadline = time.monotonic() + 10
    while _xelatex_under(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _xelatex_under(tmp_path)


# --- verify -------------------------------------------------------------------------------------------

def test_verify_names_a_changed_catalog(monthly):
    executed = monthly / f"{PERIOD}.ipynb"
    nb = nbformat.read(executed, as_version=4)
    meta = json.loads(json.dumps(nb.metadata["stomkpi"]))
    meta["catalogs"]["positions.yaml"] = "0" * 64  # the rules the report was made with are not today's
    messages = _check_inputs(monthly, meta, nb.metadata["papermill"]["parameters"])
    assert messages == ["изменён каталог positions.yaml: правила сейчас не те, что при построении отчёта"]


@pytest.mark.parametrize("name", ["nope.ipynb", f"{PERIOD}.pdf", "manifest.json", "bare.ipynb"])
def test_verify_on_something_that_is_not_a_report_is_one_russian_line(monthly, tmp_path, name):
    path = tmp_path / name if name in ("nope.ipynb", "bare.ipynb") else monthly / name
    if name == "bare.ipynb":
        nbformat.write(nbformat.v4.new_notebook(), path)
    result = run("verify", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
