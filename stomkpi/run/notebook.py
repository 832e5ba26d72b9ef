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
import queue
import re
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import nbformat

from stomkpi.errors import StomkpiError
from stomkpi.provenance import sha256_file
from stomkpi.revisions import approval
from stomkpi.run import latex, outputs
from stomkpi.run.speed import markdown, warm

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


RUN_STEPS = ("выполнение блокнота", "HTML, PDF и манифест", "папка отчёта на место прежней")


def notebook_source(notebook: str | Path) -> Path:
    """A packaged report notebook by name («monthly»), or a notebook file given by its path."""
    source = Path(notebook) if isinstance(notebook, Path) else NOTEBOOKS / f"{notebook}.ipynb"
    if not source.is_file():
        raise ReportError(f"нет блокнота {source}")
    return source


def run_report(notebook: str | Path, parameters: dict, out_dir: Path, *, provenance: dict, title: str, date: str,
               progress: bool = True, stem: str | None = None, inputs: dict[str, Path] | None = None,
               steps: Steps | None = None) -> RunResult:
    """Execute the notebook with `parameters` and `provenance` in a fresh folder and render it into `out_dir`.

    `stem` names the notebook, HTML and PDF (the folder's name by default); `inputs` (label -> file) are
    copied into the folder where the provenance says (`kept`) and must not change while the notebook runs.
    An approved report's folder is never replaced (checked under the lock that `approve` takes too).
    `steps`: the caller's progress (its own steps done, these three to come); by default a progress of
    these three steps, shown when `progress`.
    """
    source = notebook_source(notebook)
    out_dir = Path(out_dir)
    failed = out_dir.parent / f"{out_dir.name}.failed.ipynb"
    preload()
    pdf = latex.available()  # without TeX every other file is written, and the result says what the PDF needs
    with outputs.period_lock(out_dir):
        approval.ensure_writable(out_dir)
        tmp = outputs.new_work_folder(out_dir)  # a sibling of out_dir: relative paths hold in it too
        early = _early_pdf(title, date, source_date(provenance)) if pdf else None
        try:
            if inputs:
                approval.keep_inputs(tmp, inputs, provenance)
            step = steps or Steps(out_dir.name, len(RUN_STEPS), progress)
            _run_steps(source, parameters, provenance, tmp, failed, title, date, step, stem or out_dir.name, early,
                       pdf)
            step(RUN_STEPS[2])
            if inputs:
                approval.check_inputs_unchanged(inputs, provenance)
            outputs.swap(tmp, out_dir)
            failed.unlink(missing_ok=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            if early is not None:
                early.close()
    return RunResult(out_dir, sorted(out_dir.iterdir()), () if pdf else (latex.NO_TEX,))


def preload() -> None:
    """Import the notebook machinery (papermill, nbconvert, jupyter_client) in the calling thread, before
    any other thread of a run starts: two threads importing jupyter_client at once can find it half
    initialised («cannot import name … from partially initialized module»)."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401
    from nbconvert import LatexExporter  # noqa: F401


def prepare() -> None:
    """What the first report of a process does once, done now: the notebook machinery imported (`preload`) with
    what a run imports on its way, the HTML and LaTeX exporters made (their templates compiled), the notebook
    validator built and pandoc's version asked. A local batch's fork server does it once for all its workers."""
    preload()
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import papermill.engines  # noqa: F401
    from nbconvert.utils.pandoc import get_pandoc_version
    from nbformat.v4 import new_notebook

    stub = new_notebook()
    nbformat.validate(stub)
    render_html(stub)
    _latex(stub)
    try:
        get_pandoc_version()
    except Exception:  # noqa: BLE001 — no pandoc: the report that needs it says so
        pass


_FORMAT_LOCK = threading.Lock()
_format_chosen = False


def use_format(folder: str | None) -> None:
    """In a batch's worker process: typeset its reports' PDFs from the batch's format in `folder` (`latex.Format`),
    which the first of the batch's workers to get here builds from the template, while the reports start; None:
    typeset every PDF whole."""
    global _format_chosen
    _format_chosen = True
    if folder is None:
        return
    from nbformat.v4 import new_notebook

    fmt = latex.Format(folder)
    if fmt.claim():
        fmt.build(_latex(new_notebook())[0])
    latex.FORMAT = fmt


def own_format() -> None:
    """In a process that runs a batch's reports with no word from a pool (a Dask worker): a format of its own for
    its PDFs (`use_format`), built while its first report runs, removed when the process ends."""
    with _FORMAT_LOCK:
        if _format_chosen:
            return
        import atexit
        import tempfile

        folder = tempfile.mkdtemp(prefix="stomkpi-format-")
        atexit.register(shutil.rmtree, folder, True)
        use_format(folder)


def _early_pdf(title: str, date: str, epoch: str) -> latex.Early:
    """xelatex started on the PDF's preamble (the same for every notebook with this title and date), to
    load its packages and fonts while the notebook runs (`latex.Early`)."""
    def preamble() -> str:
        from nbformat.v4 import new_notebook

        stub = new_notebook()
        _title_block(stub, title, date)
        text, _ = _latex(stub)
        end = text.find("\\begin{document}")
        return text[:end] if end > 0 else ""

    return latex.Early(preamble, _pdf_environment(epoch))


def _run_steps(source: Path, parameters: dict, provenance: dict, tmp: Path, failed: Path, title: str, date: str,
               step: Steps, stem: str, early: latex.Early | None = None, pdf: bool = True) -> None:
    step(RUN_STEPS[0])
    nb = execute(source, {**parameters, "provenance": provenance}, tmp / f"{stem}.ipynb", tmp, failed,
                 report_kernel=True)
    step(RUN_STEPS[1])
    finish(nb, tmp, stem, provenance, title=title, date=date, early=early, pdf=pdf)


def finish(nb: nbformat.NotebookNode, folder: Path, stem: str, provenance: dict, *, title: str, date: str,
           early: latex.Early | None = None, pdf: bool = True) -> None:
    """Write the executed notebook, its HTML and (when `pdf`) PDF, and manifest.json beside the files it wrote."""
    nb.metadata["stomkpi"] = provenance
    _title_block(nb, title, date)
    nbformat.write(nb, folder / f"{stem}.ipynb")
    if not pdf:
        (folder / f"{stem}.html").write_text(render_html(nb), encoding="utf-8")
    else:  # xelatex runs in a subprocess: render the PDF while the HTML is written
        with ThreadPoolExecutor(max_workers=1) as pool:
            typeset = pool.submit(render_pdf, nb, early)
            (folder / f"{stem}.html").write_text(render_html(nb), encoding="utf-8")
            (folder / f"{stem}.pdf").write_bytes(typeset.result())
    write_manifest(folder, provenance)


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


def kernel_variables() -> dict[str, str]:
    """The environment variables a report's kernel is given, on top of this process's."""
    return {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            "PYTHONPATH": os.pathsep.join(p for p in (str(PACKAGE.parents[1]), os.environ.get("PYTHONPATH")) if p),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "FORCE_SOURCE_DATE": "1"}


_ENV_LOCK = threading.Lock()
_env_users = 0
_env_saved: dict[str, str | None] = {}


@contextmanager
def _kernel_environment():
    """The kernel runs this interpreter (the kernelspec says just `python`) and imports this stomkpi.

    Counted, so that reports run side by side in threads of one process (a Dask worker with several
    threads) all see the same environment until the last of them is done.
    """
    global _env_users
    with _ENV_LOCK:
        if _env_users == 0:
            values = kernel_variables()
            _env_saved.update({k: os.environ.get(k) for k in values})
            os.environ.update(values)
        _env_users += 1
    try:
        yield
    finally:
        with _ENV_LOCK:
            _env_users -= 1
            if _env_users == 0:
                for k, v in _env_saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v


def execute(source: Path, parameters: dict, target: Path, cwd: Path, failed: Path | None = None, *,
            report_kernel: bool = False) -> nbformat.NotebookNode:
    """Run the notebook with papermill in `cwd` and return it normalised; on failure keep it at `failed`.

    `report_kernel`: a kernel that has the reports' libraries imported before the notebook starts (`warm`) —
    forked from this process's warm process when it has one (a batch worker), else a fresh one; otherwise
    jupyter's own python3 kernel."""
    import logging

    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    kernel = {}
    if report_kernel:
        forked = warm.manager_class()  # a batch worker's kernels come warm
        # a warm kernel is stopped at once after its last cell: its work is written, and a forked kernel has
        # nothing of its own to save
        kernel = ({"kernel_manager_class": forked, "shutdown_kernel": "immediate"} if forked
                  else {"kernel_manager_class": warm.report_manager_class()})
    with _kernel_environment():
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


def render_html(nb: nbformat.NotebookNode) -> str:
    """Self-contained HTML with the code hidden: nothing is fetched from another host."""
    def make():
        return _html_exporter()(template_name="stomkpi_html", extra_template_basedirs=[str(TEMPLATES)],
                                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)

    with _lent("html", make) as exporter:
        body, _ = exporter.from_notebook_node(nb)
    return body


_EXPORTERS: dict[str, queue.SimpleQueue] = {}


@contextmanager
def _lent(kind: str, make):
    """An exporter of `kind`, made by `make()` when none is free, lent to one render at a time and kept for the next:
    its templates are compiled once per process (a tenth of a CPU-second each for the HTML and the LaTeX, which a
    batch worker would pay for every report). Renders in several threads at once (a Dask worker) each get their own."""
    pool = _EXPORTERS.setdefault(kind, queue.SimpleQueue())
    try:
        exporter = pool.get_nowait()
    except queue.Empty:
        exporter = make()
    try:
        yield exporter
    finally:
        pool.put(exporter)


# an output area or a text cell of the page, as the template writes it (a reader's text is escaped: it never
# makes a tag)
_FOCUSABLE = re.compile(r'(<div class="[^"<>]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"<>]*")')


@cache
def _html_exporter():
    """nbconvert's HTML exporter without its last pass, which parses the whole page with BeautifulSoup and writes
    it again (a third of the HTML's time) to give images without alt text a stock one and every output area a
    tabindex (for the keyboard). Every image here has its Russian alt text from the template; the tabindex is
    added here."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', html), resources

    return Exporter


def _title_block(nb: nbformat.NotebookNode, title: str, date: str) -> None:
    """The metadata the PDF's title block is made of (the title page, the notebook's first output, names the
    clinic, escaped: no author line)."""
    nb.metadata["title"] = title
    nb.metadata["date"] = date
    nb.metadata.pop("authors", None)


_LATEX_OPTIONS = {"template_name": "stomkpi_latex", "extra_template_basedirs": [str(TEMPLATES)], "exclude_input": True,
                  "exclude_input_prompt": True, "exclude_output_prompt": True}


def _pdf_environment(epoch: str) -> dict[str, str]:
    """What xelatex is given so that the same notebook gives the same bytes, dated `epoch`."""
    return {"SOURCE_DATE_EPOCH": epoch, "FORCE_SOURCE_DATE": "1"}


def _latex(nb: nbformat.NotebookNode) -> tuple[str, dict]:
    """The notebook's LaTeX by the stomkpi template, its Markdown converted by one pandoc run (`markdown.Batched`),
    with this process's LaTeX exporter (`_lent`), and the files it includes."""
    from nbconvert import LatexExporter

    with _lent("latex", lambda: markdown.Batched(LatexExporter, **_LATEX_OPTIONS)) as exporter:
        return exporter.export(nb)


def render_pdf(nb: nbformat.NotebookNode, early: latex.Early | None = None, epoch: str | None = None) -> bytes:
    """PDF through xelatex with Cyrillic fonts; code hidden; byte-identical for the same notebook (also when
    `early`, an xelatex started on the preamble while the notebook ran, typesets it); dated `epoch` (by default
    the last day of the period the notebook's provenance names; `early` must have been started with the same)."""
    epoch = epoch or source_date(nb.metadata.get("stomkpi") or {})
    body, resources = _latex(nb)
    files = resources.get("outputs", {})
    try:
        pdf = early.typeset(body, files) if early is not None else None
        return pdf if pdf is not None else latex.typeset(body, files, env=_pdf_environment(epoch))
    except latex.LatexError as exc:
            raise ReportError(str(exc)) from None


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return " / ".join(lines[:6]) if lines else ""
