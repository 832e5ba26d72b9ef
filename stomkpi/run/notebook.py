"""Running a report notebook: the only module that executes notebooks and renders them.

The story of `run_report`: execute the packaged notebook with papermill in a temporary folder (the
notebook computes the report once and writes its data files — CSV, xlsx — into its working folder)
→ normalise what varies between runs → write the notebook, HTML and PDF rendered from it → write
manifest.json (the provenance the notebook was given, plus a checksum of every file) → move the
finished folder into place. The period's earlier outputs are replaced only when every step
succeeded. A failed run keeps the failed executed notebook beside them (`<period>.failed.ipynb`)
and raises a Russian `ReportError`. `verify.py` checks an executed report against what it recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from stomkpi.errors import StomkpiError
from stomkpi.provenance import sha256_file
from stomkpi.revisions import approval
from stomkpi.run import latex, outputs
from stomkpi.run.speed.runtime import Runtime

PACKAGE = Path(str(resources.files("stomkpi.report")))
NOTEBOOKS = PACKAGE / "notebooks"
TEMPLATES = PACKAGE / "templates"
KERNEL = "python3"
# The moment written into PDFs is the report period's last day (`source_date`), so that a re-run gives
# the same file; this one only when the parameters name no period.
SOURCE_DATE_EPOCH = "1735689600"  # 2025-01-01T00:00:00Z
# The kernel logs errors only: its start-up notice about TCP without encryption (the kernel listens on
# the loopback interface of this machine, for this one run) is not for the analyst's console.
# jupyter_client interrupts (SIGINT) every kernel it shuts down, and ipykernel may log that as an error on
# the terminal; a cell's own errors come back in the notebook, so the kernel's log stays quiet
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path", "exception")


Typeset = Callable[[str, dict[str, bytes]], bytes]  # a LaTeX document and the files it includes → its PDF


class ReportError(StomkpiError):
    """A report could not be produced; earlier outputs are untouched."""


@dataclass(frozen=True)
class RunResult:
    folder: Path
    files: list[Path]
    warnings: tuple[str, ...] = ()  # one line each, for the analyst: what the report lacks and why (no TeX: no PDF)


class Steps:
    """The progress of a report, one line per step on stderr: «Отчёт 2025-12, шаг 2 из 4: выполнение блокнота»."""

    def __init__(self, name: str, total: int, enabled: bool = True):
        self.name, self.total, self.enabled, self.done = name, total, enabled, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.enabled:
            print(f"Отчёт {self.name}, шаг {self.done} из {self.total}: {what}", file=sys.stderr, flush=True)


# what each of a run's steps does, as its progress line says
RUN_STEPS = ("расчёт отчёта в блокноте: таблицы, графики, протоколы и файлы данных",
             "HTML, PDF и манифест с контрольными суммами", "папка отчёта на место прежней")


def notebook_source(notebook: str | Path) -> Path:
    """A packaged report notebook by name («monthly»), or a notebook file given by its path."""
    source = Path(notebook) if isinstance(notebook, Path) else NOTEBOOKS / f"{notebook}.ipynb"
    if not source.is_file():
        raise ReportError(f"нет блокнота {source}")
    return source


@dataclass(frozen=True)
class ReportJob:
    """One report to run: the notebook with its parameters and provenance, where it goes and how it is titled.

    `stem` names the notebook, HTML and PDF (the folder's name by default); `inputs` (label -> file) are copied into
    the folder where the provenance says (`kept`) and must not change while the notebook runs."""

    notebook: str | Path
    parameters: dict
    out_dir: Path
    provenance: dict
    title: str
    date: str
    stem: str | None = None
    inputs: dict[str, Path] | None = None

    @property
    def name(self) -> str:
        return self.stem or Path(self.out_dir).name

    @property
    def failed(self) -> Path:
        """Where a failed run keeps its executed notebook: beside the period's folder."""
        return Path(self.out_dir).parent / f"{Path(self.out_dir).name}.failed.ipynb"


def run_report(job: ReportJob, runtime: Runtime | None = None, *, progress: bool = True,
               steps: Steps | None = None) -> RunResult:
    """Run `job`: lock the period → a fresh work folder → keep the inputs → execute the notebook → render HTML and PDF
    → write the manifest → swap the folder into place. An approved report's folder is never replaced (checked under
    the lock that `approve` takes too). `runtime`: this process's speed decisions (a single report's by default);
    `steps`: the caller's progress (its own steps done, these three to come), else these three, shown when
    `progress`."""
    runtime = runtime or Runtime()
    source, out_dir = notebook_source(job.notebook), Path(job.out_dir)
    step = steps or Steps(out_dir.name, len(RUN_STEPS), progress)
    pdf = latex.available()  # without TeX every other file is written, and the result says what the PDF needs
    import_machinery()
    with outputs.period_lock(out_dir):
        approval.ensure_writable(out_dir)
        with _work_folder(out_dir) as tmp, _typesetter(job, runtime, pdf) as typeset:
            if job.inputs:
                approval.keep_inputs(tmp, job.inputs, job.provenance)
            step(RUN_STEPS[0])
            nb = execute(source, {**job.parameters, "provenance": job.provenance}, tmp / f"{job.name}.ipynb", tmp,
                         job.failed, runtime=runtime)
            step(RUN_STEPS[1])
            finish(nb, tmp, job, pdf=pdf, typeset=typeset, runtime=runtime)
            step(RUN_STEPS[2])
            _swap(job, tmp)
    return RunResult(out_dir, sorted(out_dir.iterdir()), () if pdf else (latex.NO_TEX,))


@contextmanager
def _work_folder(out_dir: Path) -> Iterator[Path]:
    """A fresh work folder beside the period's (relative paths hold in it too), removed when the run fails."""
    tmp = outputs.new_work_folder(out_dir)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(job: ReportJob, tmp: Path) -> None:
    """The finished work folder in place of the period's folder, once the inputs are checked unchanged."""
    if job.inputs:
        approval.check_inputs_unchanged(job.inputs, job.provenance)
    outputs.swap(tmp, Path(job.out_dir))
    job.failed.unlink(missing_ok=True)


def import_machinery() -> None:
    """Import the notebook machinery (papermill, nbconvert, jupyter_client) in the calling thread, before
    any other thread of a run starts: two threads importing jupyter_client at once can find it half
    initialised («cannot import name … from partially initialized module»)."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401
    from nbconvert import LatexExporter  # noqa: F401


def blank_latex(runtime: Runtime) -> str:
    """The LaTeX of an empty notebook by the stomkpi template: the head every report's PDF begins with."""
    from nbformat.v4 import new_notebook

    return _latex(new_notebook(), runtime)[0]


def _typesetter(job: ReportJob, runtime: Runtime, pdf: bool) -> AbstractContextManager[Typeset]:
    """`job`'s PDF typesetter for as long as it runs, dated by its period (`Runtime.pdf_typesetter`, given how to
    make the PDF's preamble, the same for every notebook with the job's title and date; none when no `pdf`)."""
    def preamble() -> str:
        from nbformat.v4 import new_notebook

        stub = new_notebook()
        _title_block(stub, job.title, job.date)
        text, _ = _latex(stub, runtime)
        end = text.find("\\begin{document}")
        return text[:end] if end > 0 else ""

    return runtime.pdf_typesetter(preamble if pdf else None, _pdf_environment(source_date(job.provenance)))


def finish(nb: nbformat.NotebookNode, folder: Path, job: ReportJob, *, pdf: bool = True, typeset: Typeset | None = None,
           runtime: Runtime | None = None) -> None:
    """Write the executed notebook, its HTML and (when `pdf`) PDF, and manifest.json beside the files it wrote, named
    and titled as `job` says (`typeset`: the report's typesetter, `Runtime.pdf_typesetter`; else `runtime`'s)."""
    runtime = runtime or Runtime()
    nb.metadata["stomkpi"] = job.provenance
    _title_block(nb, job.title, job.date)
    nbformat.write(nb, folder / f"{job.name}.ipynb")
    if not pdf:
        (folder / f"{job.name}.html").write_text(render_html(nb, runtime), encoding="utf-8")
    else:  # xelatex runs in a subprocess: render the PDF while the HTML is written
        with ThreadPoolExecutor(max_workers=1) as pool:
            pdf_bytes = pool.submit(render_pdf, nb, runtime=runtime, typeset=typeset)
            (folder / f"{job.name}.html").write_text(render_html(nb, runtime), encoding="utf-8")
            (folder / f"{job.name}.pdf").write_bytes(pdf_bytes.result())
    write_manifest(folder, job.provenance)


# What manifest.json holds beside the provenance the notebook was given: when, every file's checksum, and the
# control totals of the payroll file (`controls`)
MANIFEST_ONLY = ("outputs", "generated_at", "payroll")


def controls(folder: Path) -> dict:
    """The payroll's control totals the notebook wrote beside its CSV (`payroll-YYYY-MM.json`: rows, the sum per
    group and in all, the CSV's SHA-256), as manifest.json records them; empty for a report without a fund."""
    found = sorted(folder.glob("payroll-*.json"))
    return {"payroll": json.loads(found[0].read_text(encoding="utf-8"))} if found else {}


def write_manifest(folder: Path, provenance: dict) -> None:
    """manifest.json: the provenance, the SHA-256 of every other file of the folder and the payroll's control
    totals."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "manifest.json")
    # the one record of when: every other file is the same whoever re-runs the report, and whenever
    manifest = {**provenance, "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "outputs": {p.name: sha256_file(p) for p in files}, **controls(folder)}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")


def source_date(provenance: dict) -> str:
    """SOURCE_DATE_EPOCH for a report's PDF: the last day of its month or year, 00:00 UTC."""
    parameters = provenance.get("parameters", {})
    if parameters.get("period"):
        year, month = map(int, str(parameters["period"]).split("-"))
        day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    elif parameters.get("year"):
        day = dt.date(int(parameters["year"]), 12, 31)
    else:
        return SOURCE_DATE_EPOCH
    return str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))


def kernel_variables(runtime: Runtime) -> dict[str, str]:
    """The environment variables a report's kernel is given, on top of this process's."""
    return {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "PYTHONPATH": os.pathsep.join(p for p in (str(PACKAGE.parents[1]), os.environ.get("PYTHONPATH")) if p),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1", **runtime.kernel_variables()}


def execute(source: Path, parameters: dict, target: Path, cwd: Path, failed: Path | None = None, *,
            runtime: Runtime | None = None) -> nbformat.NotebookNode:
    """Run the notebook with papermill in `cwd` and return it normalised, with every file it wrote; on failure keep
    it at `failed`.

    `runtime`: a report's kernel, as the runtime decides (`Runtime.kernel_options`), which has the reports'
    libraries imported before the notebook starts; without one, jupyter's own python3 kernel."""
    import logging

    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    kernel = runtime.kernel_options(Path(cwd)) if runtime is not None else {}
    runtime = runtime or Runtime()
    with runtime.kernel_environment(kernel_variables(runtime)):
        try:
            pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name=KERNEL, cwd=str(cwd),
                                **kernel,
                                progress_bar=False, log_output=False, record_timing=False,
                                extra_arguments=KERNEL_ARGUMENTS,
                                # written once at the end (and on failure), not after every cell
                                request_save_on_cell_execute=False)
        except pm.PapermillExecutionError as exc:
            if failed is not None and target.exists():
                nb = normalise(nbformat.read(target, as_version=4))
                nbformat.write(nb, failed)
            where = f", блокнот с ошибкой сохранён: {failed}" if failed is not None else ""
            raise ReportError(f"отчёт не построен: ошибка в ячейке {exc.exec_count} — {exc.ename}: "
                              f"{_first_line(exc.evalue)}{where}") from None
    try:
        runtime.files_written(cwd)
    except StomkpiError as exc:
        raise ReportError(str(exc)) from None
    return normalise(nbformat.read(target, as_version=4))


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what differs between two runs of the same inputs: timings, paths, random cell ids."""
    meta = nb.metadata.get("papermill", {})
    for key in VOLATILE_NB_KEYS:
        meta.pop(key, None)
    meta.pop("environment_variables", None)
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        elif not cell.get("id"):
            cell["id"] = f"cell-{i}"
    return nb


def render_html(nb: nbformat.NotebookNode, runtime: Runtime | None = None) -> str:
    """Self-contained HTML with the code hidden: nothing is fetched from another host (`runtime`: whose exporter,
    a new one by default)."""
    with (runtime or Runtime()).html_exporter(**_HTML_OPTIONS) as exporter:
        body, _ = exporter.from_notebook_node(nb)
    return body


def _title_block(nb: nbformat.NotebookNode, title: str, date: str) -> None:
    """The metadata the PDF's title block is made of (the title page, the notebook's first output, names the
    clinic, escaped: no author line)."""
    nb.metadata["title"] = title
    nb.metadata["date"] = date
    nb.metadata.pop("authors", None)


_HTML_OPTIONS = {"template_name": "stomkpi_html", "extra_template_basedirs": [str(TEMPLATES)], "exclude_input": True,
                 "exclude_input_prompt": True, "exclude_output_prompt": True}
_LATEX_OPTIONS = {"template_name": "stomkpi_latex", "extra_template_basedirs": [str(TEMPLATES)], "exclude_input": True,
                  "exclude_input_prompt": True, "exclude_output_prompt": True}


def _pdf_environment(epoch: str) -> dict[str, str]:
    """What xelatex is given so that the same notebook gives the same bytes, dated `epoch`."""
    return {"SOURCE_DATE_EPOCH": epoch, "FORCE_SOURCE_DATE": "1"}


def _latex(nb: nbformat.NotebookNode, runtime: Runtime | None = None) -> tuple[str, dict]:
    """The notebook's LaTeX by the stomkpi template, with the runtime's LaTeX exporter, and the files it includes."""
    with (runtime or Runtime()).latex_exporter(**_LATEX_OPTIONS) as exporter:
        return exporter.export(nb)


def render_pdf(nb: nbformat.NotebookNode, epoch: str | None = None, *, runtime: Runtime | None = None,
               typeset: Typeset | None = None) -> bytes:
    """PDF through xelatex with Cyrillic fonts; code hidden; byte-identical for the same notebook; dated `epoch` (by
    default the last day of the period the notebook's provenance names). `typeset`: the report's typesetter, made
    for that date (`Runtime.pdf_typesetter`); without one, `runtime`'s (a new one by default)."""
    runtime = runtime or Runtime()
    environment = _pdf_environment(epoch or source_date(nb.metadata.get("stomkpi") or {}))
    body, resources = _latex(nb, runtime)
    files = resources.get("outputs", {})
    try:
        return typeset(body, files) if typeset is not None else runtime.typeset(body, files, environment)
    except latex.LatexError as exc:
        raise ReportError(str(exc)) from None


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return " / ".join(lines[:6]) if lines else ""
