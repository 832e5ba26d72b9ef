"""The adapters to libraries' internals (`run/speed/nbconvert_html.py`, `run/speed/forkserver.py`): each checks what
it relies on, says loudly when the library changed, and falls back to the plain path, which still writes the report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from stomkpi.run import batch
from stomkpi.run.notebook import ReportJob, finish, render_html
from stomkpi.run.speed import forkserver, nbconvert_html
from stomkpi.run.speed.nbconvert_html import LibraryChanged
from stomkpi.run.speed.runtime import Runtime


def _notebook() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# Отчёт"), new_code_cell("1 + 1")])
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    return nb


def test_nbconvert_as_copied_passes_the_check_and_skips_the_soup():
    assert nbconvert_html.check() is None
    assert nbconvert_html.exporter_class().__name__ == "Exporter"
    html = render_html(_notebook(), Runtime())
    assert 'jp-OutputArea-output' in html and 'tabindex="0"' in html


def test_a_changed_nbconvert_is_said_loudly_and_the_report_is_still_written(tmp_path, monkeypatch):
    from nbconvert import HTMLExporter

    original = HTMLExporter.from_notebook_node

    def released_later(self, nb, resources=None, **kw):  # a stand-in for a release whose method is not the one copied
        return original(self, nb, resources, **kw)

    monkeypatch.setattr(HTMLExporter, "from_notebook_node", released_later)
    assert "from_notebook_node changed" in nbconvert_html.check()
    with pytest.warns(LibraryChanged, match="from_notebook_node changed"):
        assert nbconvert_html.exporter_class() is HTMLExporter
    with pytest.warns(LibraryChanged):
        finish(_notebook(), tmp_path, ReportJob("r", {}, tmp_path, {"parameters": {}}, "Отчёт", "2025", stem="r"),
               pdf=False, runtime=Runtime())
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'jp-OutputArea-output' in html and 'tabindex="0"' in html  # nbconvert's own pass gives the tabindex
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["outputs"]) == ["r.html", "r.ipynb"]


def _writes_a_file(job: batch.Job) -> batch.Outcome:
    """A stand-in for a report, run in a pool's worker: it writes its folder's one file."""
    Path(job.out_dir).mkdir(parents=True)
    (Path(job.out_dir) / "report.txt").write_text(job.period, encoding="utf-8")
    return batch.Outcome(job, "done", pid=os.getpid())


def test_the_fork_server_as_known_passes_the_check():
    assert forkserver.check() is None


def test_a_changed_fork_server_is_said_loudly_and_the_batch_still_writes_its_reports(tmp_path, monkeypatch):
    from multiprocessing import forkserver as library

    monkeypatch.delattr(type(library._forkserver), "_stop")  # a stand-in for a Python without it
    assert "_stop" in forkserver.check()
    jobs = [batch.Job(f"2025-0{m}", "p.yaml", str(tmp_path / f"2025-0{m}")) for m in (1, 2)]
    with pytest.warns(LibraryChanged, match="_stop"):
        outcomes, _ = batch.run_batch(jobs, workers=2, progress=False, task=_writes_a_file)
    assert [o.status for o in outcomes] == ["done", "done"]
    assert [(tmp_path / j.period / "report.txt").read_text(encoding="utf-8") for j in jobs] == ["2025-01", "2025-02"]
    monkeypatch.undo()
    forkserver.stop()  # the fork server the stand-in left running
