"""A report's kernel around its notebook: the month's files written aside while the cells go on, waited for at the end.

Rule of this module: the notebook and the report model know nothing of it. A report's kernel (started by `warm`,
fresh or forked) calls `start()` before its first cell; when the run's environment says so (`FILES_ASIDE`, set by
the run's `Runtime`), `MonthlyReport.write_files` then forks (`background`) and returns at once. The kernel waits
for the files when its notebook is done: when it is asked to shut down (`do_shutdown` of its kernel class,
`app_options`), before ipykernel ends its child processes, and writes the outcome beside them (`OUTCOME`). The run
reads and removes that file before the manifest (`collect`): the files are there, or the run fails with the
reason. Without the word (a batch's kernel, a notebook run by hand) `write_files` is left as it is: in line; so it
is for a month of more than `ASIDE_PEOPLE` employees, whose forked copy would cost more memory than it saves time.

`start()` replaces the method in the kernel's process only: a kernel is a process of its own that runs one notebook,
whose cells reach the model without being given anything — the one place where the kernel's instance is made.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

from stomkpi.errors import StomkpiError

FILES_ASIDE = "STOMKPI_FILES_ASIDE"  # "1": the kernel writes the month's files aside
OUTCOME = ".stomkpi-files-aside.json"  # in the kernel's working folder: pending, done, or the error
# A forked writer shares the kernel's memory only until either touches a page, and both touch nearly all of it (every
# object read changes its count of references): the child ends up a second copy of the report (760 MB of its own for
# 50 000 employees). The files written aside save the time of the cells after them (13 s of 230 at that size), so a
# month of more employees than this writes them in line, in the cell, and the report's memory stays one copy.
ASIDE_PEOPLE = 10_000


class Aside:
    """The kernel's files written aside: started by the notebook's `write_files`, waited for by `finish`."""

    def __init__(self, folder: Path):
        self.outcome = folder / OUTCOME
        self.pending: list = []

    def start(self, work) -> None:
        from stomkpi.run.speed.background import Background

        if not self.pending:
            self.outcome.write_text(json.dumps({"status": "pending"}), encoding="utf-8")
        self.pending.append(Background(work, fork=True))

    def finish(self) -> None:
        """Wait for every write started; the outcome (done, or the first error) beside the files."""
        if not self.pending:
            return
        outcome = {"status": "done"}
        for work in self.pending:
            try:
                work.wait()
            except BaseException as exc:  # noqa: BLE001 — the run raises it, in Russian, with its type
                outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                break
        self.pending = []
        self.outcome.write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")


def start(environ=os.environ) -> Aside | None:
    """In a report's kernel, before its first cell: the month's files written aside when the run says so."""
    if environ.get(FILES_ASIDE) != "1":
        return None
    from stomkpi.report.monthly import MonthlyReport

    aside = Aside(Path.cwd())
    write_in_line = MonthlyReport.write_files

    def write_files(report: MonthlyReport, out_dir=None) -> Aside | list[Path]:
        if len(report.table) > ASIDE_PEOPLE:
            return write_in_line(report, out_dir)
        report.files_folder(out_dir)  # an approved folder is refused here and now, in the cell
        aside.start(lambda: write_in_line(report, out_dir))
        return aside

    write_files.__doc__ = write_in_line.__doc__
    MonthlyReport.write_files = write_files
    return aside


def app_options(aside: Aside | None) -> dict:
    """ipykernel's application options for a report's kernel: with files written aside, a kernel class that waits
    for them when it is shut down (ipykernel then ends every child process the kernel still has)."""
    if aside is None:
        return {}
    from ipykernel.ipkernel import IPythonKernel

    async def do_shutdown(self, restart):
        aside.finish()
        done = IPythonKernel.do_shutdown(self, restart)
        return await done if inspect.isawaitable(done) else done

    return {"kernel_class": type("ReportKernel", (IPythonKernel,), {"do_shutdown": do_shutdown})}


def pending(folder: Path) -> bool:
    """Whether the kernel working in `folder` is still writing the month's files aside (its kernel manager then waits
    longer for it to end)."""
    try:
        return json.loads((folder / OUTCOME).read_text(encoding="utf-8")).get("status") == "pending"
    except (OSError, ValueError):
        return False


def collect(folder: Path) -> None:
    """After a notebook ran in `folder`: the outcome of its files written aside read and removed; its error raised."""
    path = folder / OUTCOME
    if not path.exists():
        return
    try:
        outcome = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        outcome = {}
    path.unlink()
    if outcome.get("status") == "done":
        return
    reason = outcome.get("error") or "процесс записи не дождался конца блокнота"
    raise StomkpiError(f"отчёт не построен: протоколы, баллы и карточки не записаны — {reason}")
