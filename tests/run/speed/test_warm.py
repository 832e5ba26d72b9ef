"""Warm kernels (`stomkpi.run.speed.warm`): a batch worker's kernels are forked from a process that has done the
imports, and each is still a process of its own, started as a fresh kernel would be."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from stomkpi.run import batch
from stomkpi.run import notebook as run
from stomkpi.run.speed import warm
from stomkpi.run.speed.runtime import Runtime

# what a kernel sees of itself: compared between a fresh kernel and a warm one
SELF_PORTRAIT = """
import json, os, sys
import matplotlib
print(json.dumps({"path": sys.path, "cwd": os.getcwd(), "argv0": os.path.basename(sys.argv[0]),
                  "backend": matplotlib.get_backend(), "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
                  "pythonpath": os.environ.get("PYTHONPATH"), "main": sys.modules["__main__"].__name__,
                  "aside": os.environ.get("STOMKPI_FILES_ASIDE"),
                  "parent": os.getppid(), "pid": os.getpid()}))
"""


@pytest.fixture(scope="module")
def warm_runtime():
    """A batch worker's runtime with a warm process of its own."""
    runtime = Runtime.batch_worker()
    runtime.start_warm(run.kernel_variables(runtime))
    assert runtime._warm.ready()
    yield runtime
    runtime._warm.stop()


@pytest.fixture(scope="module")
def warm_process(warm_runtime):
    return warm_runtime._warm


def _run(folder: Path, *cells: str, name: str = "nb", report_kernel: bool = True,
         runtime: Runtime | None = None) -> list[str]:
    """Execute a notebook of `cells` in `folder` in a report's kernel (as `runtime` decides: a single report's by
    default) or jupyter's own; the text each cell printed."""
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{name}.ipynb"
    nbformat.write(nb, source)
    runtime = (runtime or Runtime()) if report_kernel else None
    done = run.execute(source, {}, folder / f"{name}-out.ipynb", folder, runtime=runtime)
    return ["".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout") for cell in done.cells]


def _portrait(folder: Path, report_kernel: bool = True, runtime: Runtime | None = None) -> dict:
    seen = json.loads(_run(folder, SELF_PORTRAIT, report_kernel=report_kernel, runtime=runtime)[0])
    assert seen.pop("cwd") == str(folder)
    seen["path"] = [p.replace(str(folder), "HERE") for p in seen["path"]]  # each kernel runs in its own folder
    seen.pop("argv0")
    return seen


def test_a_warm_kernel_sees_what_a_fresh_one_sees(tmp_path, warm_runtime, warm_process):
    plain = _portrait(tmp_path / "plain", report_kernel=False)  # jupyter's own python3 kernel
    forked = _portrait(tmp_path / "warm", runtime=warm_runtime)
    fresh = _portrait(tmp_path / "fresh")  # a single report's runtime: a fresh report kernel
    # the warm one is the warm process's child, so the test knows it ran there; the fresh ones are not
    assert forked.pop("parent") == warm_process.proc.pid
    assert fresh.pop("parent") != warm_process.proc.pid and plain.pop("parent") != warm_process.proc.pid
    assert len({forked.pop("pid"), fresh.pop("pid"), plain.pop("pid")}) == 3
    # the same import path, backend, dates of PDFs and package as jupyter's own kernel
    assert forked.pop("aside") == "0" and fresh.pop("aside") == "1" and plain.pop("aside") == "1"
    assert forked == plain
    assert fresh == plain


def test_nothing_of_one_report_reaches_the_next(tmp_path, warm_runtime, warm_process):
    first = _run(tmp_path / "a",
                 "import os, pandas as pd, stomkpi\n"
                 "leak = 'утечка'\n"
                 "pd.set_option('display.max_rows', 3)\n"
                 "stomkpi.LEAK = leak\n"
                 "os.environ['STOMKPI_LEAK'] = leak\n"
                 "print(os.getpid(), os.getppid())", runtime=warm_runtime)
    second = _run(tmp_path / "b",
                  "import os, pandas as pd, stomkpi\n"
                  "print(os.getpid(), os.getppid())\n"
                  "print('leak' in globals(), pd.get_option('display.max_rows'), hasattr(stomkpi, 'LEAK'), "
                  "'STOMKPI_LEAK' in os.environ)", runtime=warm_runtime)
    (pid_a, parent_a), (pid_b, parent_b) = (map(int, out.split()[:2]) for out in (first[0], second[0]))
    assert parent_a == parent_b == warm_process.proc.pid  # both forked from the same warm process
    assert pid_a != pid_b
    assert second[0].split("\n")[1] == "False 60 False False"  # pandas' own default is 60 rows


def test_a_warm_kernel_writes_the_months_files_in_line(tmp_path, warm_runtime):
    """In a batch every core is busy with another report: a warm kernel does not fork its files aside; a single
    report's kernel does (`speed.kernel`)."""
    cell = "from stomkpi.report.monthly import MonthlyReport\nprint(MonthlyReport.write_files.__module__)"
    assert _run(tmp_path / "warm", cell, runtime=warm_runtime)[0].strip() == "stomkpi.report.monthly"
    assert _run(tmp_path / "fresh", cell)[0].strip() == "stomkpi.run.speed.kernel"


def test_the_kernels_cpu_time_is_counted(tmp_path, warm_runtime):
    """A batch's CPU figures must include the kernels' work, though they are not the worker's children."""
    before = batch.process_cpu_seconds() + warm_runtime.kernel_usage()[0]
    printed = _run(tmp_path, "import os, time\nend = time.process_time() + 1.0\nwhile time.process_time() < end:\n"
                   "    pass\nprint(os.getpid())", runtime=warm_runtime)
    _gone(int(printed[0]))  # stopped at once, the kernel ends a moment after its notebook
    assert batch.process_cpu_seconds() + warm_runtime.kernel_usage()[0] - before >= 1.0  # the kernel's one CPU-second of busy loop, and its start


def test_a_killed_launcher_takes_its_kernel_along(tmp_path, warm_process):
    """jupyter_client kills the process it started (the launcher) when a kernel does not stop: the kernel,
    the warm process's child, must not outlive it."""
    from jupyter_client.manager import KernelManager

    km = warm.manager_class(warm_process.address, base=KernelManager)(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=30)
    client.execute("import os; print(os.getpid())")
    kernel = None
    while kernel is None:
        msg = client.get_iopub_msg(timeout=30)
        if msg["msg_type"] == "stream":
            kernel = int(msg["content"]["text"])
    client.stop_channels()
    assert kernel != km.provisioner.process.pid
    os.kill(km.provisioner.process.pid, signal.SIGKILL)
    km.provisioner.process.wait()
    deadline = time.monotonic() + 10
    while _alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(kernel)
    km.cleanup_resources()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_without_a_warm_process_the_kernel_is_an_ordinary_one(tmp_path):
    nobody = tmp_path / "nobody-listens"
    nobody.touch()  # the address exists, but no warm process listens there
    runtime = Runtime.batch_worker()
    runtime.share_warm(str(nobody))
    runtime._waited = True
    assert _run(tmp_path / "nb", "print(6 * 7)", runtime=runtime) == ["42\n"]


def test_a_fresh_report_kernel_starts_with_the_reports_libraries(tmp_path):
    """Outside a batch a report's kernel is a fresh process that has imported what the notebook imports and
    kept those objects out of the collector's full passes; jupyter's own kernel has neither."""
    probe = "import gc, sys\nprint('stomkpi.report.monthly' in sys.modules, gc.get_freeze_count() > 0)"
    assert _run(tmp_path / "report", probe) == ["True True\n"]
    assert _run(tmp_path / "plain", probe, report_kernel=False) == ["False False\n"]


def _kernel_parent(job: batch.Job) -> batch.Outcome:
    """A stand-in for a report, run in a pool's worker: a notebook that busies its kernel for half a CPU-second and
    says which process forked it; the reason carries that process, this worker's warm address and the CPU counted."""
    from stomkpi.run.speed.worker import RUNTIME

    before = batch._cpu_with_kernels()
    printed = _run(Path(job.out_dir), "import os, time\nend = time.process_time() + 0.5\n"
                   "while time.process_time() < end:\n    pass\nprint(os.getppid(), os.getpid())", runtime=RUNTIME)
    parent, kernel = map(int, printed[0].split())
    _gone(kernel)  # stopped at once, the kernel ends a moment after its notebook
    counted = batch._cpu_with_kernels() - before
    return batch.Outcome(job, "done", reason=json.dumps([parent, RUNTIME._shared, RUNTIME._warm is None, counted]),
                         pid=os.getpid())


def _gone(pid: int, seconds: float = 10.0) -> None:
    """Wait until the process `pid` has ended and been reaped by its parent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)


def test_a_pools_workers_share_one_warm_process(tmp_path):
    """A local batch starts one warm process for all its workers: the kernels of every worker are forked from it,
    each worker is counted its own kernels' CPU time, and the warm process ends with the pool."""
    jobs = [batch.Job(f"2025-0{m}", "p.yaml", str(tmp_path / f"2025-0{m}")) for m in range(1, 5)]
    with batch.executor(workers=2) as (pool, _):
        outcomes = list(pool.map(_kernel_parent, jobs))
    seen = [json.loads(o.reason) for o in outcomes]
    assert len({o.pid for o in outcomes}) == 2  # both workers took reports
    assert len({parent for parent, *_ in seen}) == 1  # one warm process forked every kernel
    address = seen[0][1]
    assert all(s[1] == address and s[2] for s in seen)  # the pool's address; no worker started a warm process
    assert all(s[3] >= 0.5 for s in seen)  # the kernel's half CPU-second counted to the worker that asked for it
    assert not os.path.exists(address)  # stopped with the pool
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0][0], 0)


# the month's files written aside, slowly: the report's writers stood in for, so that only the wait is tested
SLOW_FILES = """
import time, types
from pathlib import Path
import stomkpi.report.monthly as m

def slow_cards(folder, *args):
    time.sleep(4.5)
    (folder / "cards.done").write_text("written", encoding="utf-8")
    return []

m.write_protocols, m.write_both, m.write_cards = (lambda *a: None), (lambda *a: []), slow_cards
report = types.SimpleNamespace(period="2025-12", params=types.SimpleNamespace(clinic="x"), department_protocols={},
                               clinic_protocol={}, table=[], changes=None, fund=None, cards=lambda: [],
                               catalogs=types.SimpleNamespace(positions=types.SimpleNamespace(criterion_names=dict)),
                               files_folder=lambda out_dir=None: Path(out_dir),
                               file_name=lambda kind, suffix=".xlsx": f"{kind}-2025-12{suffix}")
m.MonthlyReport.write_files(report, "files")
print("asked")
"""


def test_a_report_kernel_waits_its_whole_ending_for_the_files_written_aside(tmp_path, monkeypatch):
    """The kernel may take `_ENDING` seconds after its last cell for the files written aside. jupyter_client
    terminates a kernel after half of its shutdown wait: with the wait equal to `_ENDING` (6 s here) the kernel was
    ended 3 s into the 4.5 s the files take, and the report failed («процесс записи не дождался конца блокнота»);
    the 50 000-person report failed so, its cards taking two of the four minutes."""
    monkeypatch.setattr(warm, "_ENDING", 6.0)
    folder = tmp_path / "nb"
    (folder / "files").mkdir(parents=True)
    assert _run(folder, SLOW_FILES, runtime=Runtime()) == ["asked\n"]
    assert (folder / "files" / "cards.done").read_text(encoding="utf-8") == "written"


def test_a_month_of_more_than_aside_people_writes_its_files_in_line(tmp_path, monkeypatch):
    """A forked writer ends up a second copy of the report; above `ASIDE_PEOPLE` employees (2 here) the kernel writes
    the files in the cell instead: 3 people in line (the cell gets the written files), 2 people aside (the cell gets
    the pending work, and the files come from the forked child)."""
    from types import SimpleNamespace

    from stomkpi.report.monthly import MonthlyReport
    from stomkpi.run.speed import kernel

    def write(report, out_dir=None):
        (Path(out_dir) / f"{len(report.table)}-{os.getpid()}").touch()
        return [f"written by {os.getpid()}"]

    monkeypatch.setattr(MonthlyReport, "write_files", write)  # restored after the test, with `start`'s own
    monkeypatch.setattr(kernel, "ASIDE_PEOPLE", 2)
    monkeypatch.chdir(tmp_path)
    aside = kernel.start({kernel.FILES_ASIDE: "1"})

    def month(people: int):
        return SimpleNamespace(table=range(people), files_folder=lambda out_dir=None: Path(out_dir))

    assert MonthlyReport.write_files(month(3), tmp_path) == [f"written by {os.getpid()}"]
    assert aside.pending == []
    assert MonthlyReport.write_files(month(2), tmp_path) is aside
    aside.finish()
    assert json.loads((tmp_path / kernel.OUTCOME).read_text(encoding="utf-8")) == {"status": "done"}
    made = sorted(p.name.split("-") for p in tmp_path.iterdir() if p.name != kernel.OUTCOME)
    assert made[0] == ["2", made[0][1]] and made[0][1] != str(os.getpid())  # written by the forked child
    assert made[1] == ["3", str(os.getpid())]


def test_a_report_kernel_with_nothing_aside_that_does_not_end_is_not_waited_on_long(tmp_path, monkeypatch):
    """A kernel with no files written aside has only itself to end; one that does not (here a thread that never
    ends keeps its process alive) is terminated after `_PROMPT_ENDING` seconds (2 here), not after the four minutes
    files written aside may take (set to an hour here: waited on, the run would take that hour)."""
    monkeypatch.setattr(warm, "_PROMPT_ENDING", 2.0)
    monkeypatch.setattr(warm, "_ENDING", 3600.0)
    stuck = "import threading, time\nthreading.Thread(target=time.sleep, args=(3600,)).start()\nprint('stuck')"
    start = time.monotonic()
    assert _run(tmp_path / "nb", stuck, runtime=Runtime()) == ["stuck\n"]
    assert time.monotonic() - start < 60
