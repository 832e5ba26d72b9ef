"""Running a report notebook: the only module that executes notebooks and renders them.

The story of `run_report`: execute the packaged notebook with papermill in a temporary folder (the
notebook computes the report once and writes its data files — CSV, xlsx — into its working folder)
→ normalise what varies between runs → write the notebook, HTML and PDF rendered from it → write
manifest.json (the provenance the notebook was given, plus a checksum of every file) → move the
finished folder into place. The period's earlier outputs are replaced only when every step
succeeded. A failed run keeps the failed executed notebook beside them (`<period>.failed.ipynb`)
and raises a Russian `ReportError`. `verify` re-runs the packaged notebook from what an executed one
recorded and names every output that differs.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from ..config import clinic_root
from ..errors import StomkpiError
from ..provenance import sha256_file

PACKAGE = Path(str(resources.files("stomkpi.report")))
NOTEBOOKS = PACKAGE / "notebooks"
TEMPLATES = PACKAGE / "templates"
KERNEL = "python3"
# The fixed moment written into PDFs, so that a re-run gives the same file.
SOURCE_DATE_EPOCH = "1735689600"  # 2025-01-01T00:00:00Z
VOLATILE_NB_KEYS = ("start_time", "end_time", "duration", "input_path", "output_path", "exception")


class ReportError(StomkpiError):
    """A report could not be produced; earlier outputs are untouched."""


@dataclass(frozen=True)
class RunResult:
    folder: Path
    files: list[Path]


def notebook_source(notebook: str | Path) -> Path:
    """A packaged report notebook by name («monthly»), or a notebook file given by its path."""
    source = Path(notebook) if isinstance(notebook, Path) else NOTEBOOKS / f"{notebook}.ipynb"
    if not source.is_file():
        raise ReportError(f"нет блокнота {source}")
    return source


def run_report(notebook: str | Path, parameters: dict, out_dir: Path, *, provenance: dict, title: str, date: str,
               progress: bool = True) -> RunResult:
    """Execute the notebook with `parameters` and `provenance` in a fresh folder and render it into `out_dir`."""
    from tqdm import tqdm

    source = notebook_source(notebook)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    failed = out_dir.parent / f"{out_dir.name}.failed.ipynb"
    # a sibling of out_dir, so that paths relative to the report's folder hold in it too
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)
    try:
        with tqdm(total=2, desc=f"Отчёт {out_dir.name}", unit="шаг", disable=not progress,
                  bar_format="{desc}: шаг {n_fmt} из {total_fmt}{postfix}") as bar:
            bar.set_postfix_str(", выполнение блокнота")
            nb = execute(source, {**parameters, "provenance": provenance}, tmp / f"{out_dir.name}.ipynb", tmp, failed)
            bar.update()
            bar.set_postfix_str(", HTML, PDF, манифест")
            finish(nb, tmp, out_dir.name, provenance, title=title, date=date)
            bar.update()
        _swap(tmp, out_dir)
        failed.unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(out_dir, sorted(out_dir.iterdir()))


def finish(nb: nbformat.NotebookNode, folder: Path, stem: str, provenance: dict, *, title: str, date: str) -> None:
    """Write the executed notebook, its HTML and PDF, and manifest.json beside the files it wrote."""
    nb.metadata["stomkpi"] = provenance
    nb.metadata["title"] = title
    nb.metadata["date"] = date
    nb.metadata["authors"] = [{"name": "stomkpi"}]
    nbformat.write(nb, folder / f"{stem}.ipynb")
    # xelatex runs in a subprocess: render the PDF while the HTML is written
    with ThreadPoolExecutor(max_workers=1) as pool:
        pdf = pool.submit(render_pdf, nb)
        (folder / f"{stem}.html").write_text(render_html(nb), encoding="utf-8")
        (folder / f"{stem}.pdf").write_bytes(pdf.result())
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "manifest.json")
    manifest = {**provenance, "outputs": {p.name: sha256_file(p) for p in files}}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")


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
            _env_saved.update({k: os.environ.get(k) for k in
                               ("PATH", "PYTHONPATH", "SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE", "MPLBACKEND")})
            os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), _env_saved["PATH"] or ""])
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE.parents[1]), _env_saved["PYTHONPATH"]) if p)
            os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
            os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
            os.environ["FORCE_SOURCE_DATE"] = "1"
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


def execute(source: Path, parameters: dict, target: Path, cwd: Path, failed: Path | None = None) -> nbformat.NotebookNode:
    """Run the notebook with papermill in `cwd` and return it normalised; on failure keep it at `failed`."""
    import logging

    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    with _kernel_environment():
        try:
            pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name=KERNEL, cwd=str(cwd),
                                progress_bar=False, log_output=False, record_timing=False)
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
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="stomkpi_html", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def render_pdf(nb: nbformat.NotebookNode) -> bytes:
    """PDF through xelatex with Cyrillic fonts; code hidden; byte-identical for the same notebook."""
    from nbconvert import PDFExporter

    exporter = PDFExporter(template_name="stomkpi_latex", extra_template_basedirs=[str(TEMPLATES)],
                           exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, latex_count=1)
    with _kernel_environment():
        try:
            body, _ = exporter.from_notebook_node(nb)
        except Exception as exc:  # LaTeX failed: a missing TeX package or font
            raise ReportError(f"не удалось собрать PDF (xelatex): {_first_line(str(exc))}. "
                              "Установите пакеты: bash scripts/system-deps.sh") from None
    return body


def _swap(tmp: Path, out_dir: Path) -> None:
    """Put the finished folder in place of the old one; the old one is removed only afterwards."""
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return " / ".join(lines[:6]) if lines else ""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    messages: list[str]


def verify(executed: Path) -> VerifyResult:
    """Re-run the packaged notebook from the parameters an executed report recorded and compare.

    First the recorded inputs must still have their checksums; then every code cell's outputs
    (text, HTML, LaTeX, images) and every data file the notebook writes must equal a fresh run's.
    """
    executed = Path(executed).absolute()
    nb = nbformat.read(executed, as_version=4)
    meta = nb.metadata.get("stomkpi")
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    if not meta or not parameters:
        raise ReportError(f"в блокноте {executed} нет сведений о запуске (metadata.stomkpi): это не отчёт stomkpi")
    clinics = parameters["params"]  # one clinic's file, or a list of them for the regional report
    root = clinic_root(executed.parent / (clinics[0] if isinstance(clinics, list) else clinics))
    messages = []
    for label, rec in meta["inputs"].items():
        path = root / rec["path"]
        if not path.exists():
            messages.append(f"входной файл «{label}» ({rec['path']}) не найден")
        elif sha256_file(path) != rec["sha256"]:
            messages.append(f"входной файл «{label}» ({rec['path']}) изменён: контрольная сумма не совпадает с записанной")
    if messages:
        return VerifyResult(False, messages)
    # a sibling of the report's folder, so that the recorded relative paths hold
    with tempfile.TemporaryDirectory(prefix=".verify.", dir=executed.parent.parent) as tmp:
        fresh = execute(notebook_source(Path(meta["notebook"]).stem), parameters, Path(tmp) / executed.name, Path(tmp))
        written = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file() and p.name != executed.name}
    old_cells = [c for c in nb.cells if c.cell_type == "code"]
    new_cells = [c for c in fresh.cells if c.cell_type == "code"]
    if len(old_cells) != len(new_cells):
        return VerifyResult(False, [f"число ячеек различается: {len(old_cells)} и {len(new_cells)}"])
    for i, (a, b) in enumerate(zip(old_cells, new_cells, strict=True), start=1):
        if _outputs(a) != _outputs(b):
            messages.append(f"ячейка {i} ({a.get('id', '')}): результаты различаются")
    for name, content in sorted(written.items()):
        kept = executed.parent / name
        if not kept.is_file() or kept.read_bytes() != content:
            messages.append(f"файл {name}: не совпадает с записанным в папке отчёта")
    return VerifyResult(not messages, messages or [f"все {len(old_cells)} ячеек и {len(written)} файлов совпадают"])


_COMPARED = ("text/plain", "text/html", "text/latex", "text/markdown", "image/png")


def _outputs(cell) -> list:
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(("stream", o.name, o.text))
        elif o.output_type in ("display_data", "execute_result"):
            out.append(("data", tuple((k, str(o.data[k])) for k in _COMPARED if k in o.data)))
        elif o.output_type == "error":
            out.append(("error", o.ename, o.evalue))
    return out
