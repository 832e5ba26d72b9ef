"""Running a report notebook: the only module that executes notebooks and renders them.

The story of `run_report`: execute the notebook with papermill → normalise what varies between
runs → write the notebook, HTML and PDF → write the caller's extra files (protocols, CSV) →
write manifest.json → move the finished folder into place. Everything is written into a
temporary sibling folder first; the period's earlier outputs are replaced only when every step
succeeded. A failed run keeps the failed executed notebook beside them (`<period>.failed.ipynb`)
and raises a Russian `ReportError`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .errors import StomkpiError
from .paths import ROOT, shown
from .provenance import catalog_hashes, sha256_file, versions

NOTEBOOKS = ROOT / "notebooks"
TEMPLATES = Path(__file__).parent / "templates"
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


def run_report(
    notebook: str | Path,
    parameters: dict,
    out_dir: Path,
    *,
    title: str,
    date: str,
    inputs: dict[str, Path | None],
    catalog_dir: Path | None = None,
    extra: Callable[[Path], list[Path]] | None = None,
    progress: bool = True,
) -> RunResult:
    """Execute `notebooks/<notebook>.ipynb` (or a notebook path) with `parameters`, render it into `out_dir`.

    `inputs` are the files whose checksums go into the manifest and the notebook metadata (for
    `verify`); `extra(folder)` writes the caller's other outputs into the temporary folder.
    """
    from tqdm import tqdm

    source = Path(notebook) if isinstance(notebook, Path) else NOTEBOOKS / f"{notebook}.ipynb"
    if not source.is_file():
        raise ReportError(f"нет блокнота {source}")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    failed = out_dir.parent / f"{out_dir.name}.failed.ipynb"
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)
    stem = out_dir.name
    steps = [", выполнение блокнота", ", HTML", ", PDF", ", таблицы и протоколы", ", манифест"]
    try:
        with tqdm(total=len(steps), desc=f"Отчёт {stem}", unit="шаг", disable=not progress,
                  bar_format="{desc}: шаг {n_fmt} из {total_fmt}{postfix}") as bar:
            bar.set_postfix_str(steps[0])
            nb = execute(source, parameters, tmp / f"{stem}.ipynb", failed)
            provenance = {
                "notebook": shown(source),
                "parameters": parameters,
                "inputs": {k: {"path": shown(p), "sha256": sha256_file(p)} for k, p in inputs.items() if p},
                "catalogs": catalog_hashes(catalog_dir),
                "versions": versions(),
            }
            nb.metadata["stomkpi"] = provenance
            nb.metadata["title"] = title
            nb.metadata["date"] = date
            nb.metadata["authors"] = [{"name": "stomkpi"}]
            nbformat.write(nb, tmp / f"{stem}.ipynb")
            bar.update()
            # xelatex runs in a subprocess: render the PDF while the HTML and the tables are written
            with ThreadPoolExecutor(max_workers=1) as pool:
                pdf = pool.submit(render_pdf, nb)
                bar.set_postfix_str(steps[1])
                (tmp / f"{stem}.html").write_text(render_html(nb), encoding="utf-8")
                bar.update()
                bar.set_postfix_str(steps[3])
                if extra:
                    extra(tmp)
                bar.set_postfix_str(steps[2])
                (tmp / f"{stem}.pdf").write_bytes(pdf.result())
                bar.update(2)
            bar.set_postfix_str(steps[4])
            files = sorted(p for p in tmp.iterdir() if p.is_file())
            manifest = {**provenance, "outputs": {p.name: sha256_file(p) for p in files}}
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                               encoding="utf-8")
            bar.update()
        _swap(tmp, out_dir)
        failed.unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return RunResult(out_dir, sorted(out_dir.iterdir()))


@contextmanager
def _kernel_environment():
    """The kernel runs this interpreter (the kernelspec says just `python`) and imports this stomkpi."""
    saved = {k: os.environ.get(k) for k in ("PATH", "PYTHONPATH", "SOURCE_DATE_EPOCH", "FORCE_SOURCE_DATE", "MPLBACKEND")}
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), saved["PATH"] or ""])
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved["PYTHONPATH"]) if p)
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    os.environ["FORCE_SOURCE_DATE"] = "1"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(source: Path, parameters: dict, target: Path, failed: Path | None = None) -> nbformat.NotebookNode:
    """Run the notebook with papermill and return it normalised; on failure keep it at `failed`."""
    import logging

    import papermill as pm

    logging.getLogger("papermill").setLevel(logging.WARNING)
    with _kernel_environment():
        try:
            pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name=KERNEL, cwd=str(ROOT),
                                progress_bar=False, log_output=False, record_timing=False)
        except pm.PapermillExecutionError as exc:
            if failed is not None and target.exists():
                nb = normalise(nbformat.read(target, as_version=4))
                nbformat.write(nb, failed)
            where = f", блокнот с ошибкой сохранён: {shown(failed)}" if failed is not None else ""
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


def verify(executed: Path, progress: bool = True) -> VerifyResult:
    """Re-run an executed report notebook from its recorded parameters and compare the outputs.

    First the recorded inputs must still have their checksums; then every code cell's outputs
    (text, HTML, LaTeX, images) must equal those of a fresh run.
    """
    nb = nbformat.read(executed, as_version=4)
    meta = nb.metadata.get("stomkpi")
    if not meta:
        raise ReportError(f"в блокноте {executed} нет сведений о запуске (metadata.stomkpi): это не отчёт stomkpi")
    messages = []
    for label, rec in meta["inputs"].items():
        path = ROOT / rec["path"] if not Path(rec["path"]).is_absolute() else Path(rec["path"])
        if not path.exists():
            messages.append(f"входной файл «{label}» ({rec['path']}) не найден")
        elif sha256_file(path) != rec["sha256"]:
            messages.append(f"входной файл «{label}» ({rec['path']}) изменён: контрольная сумма не совпадает с записанной")
    if messages:
        return VerifyResult(False, messages)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = execute(ROOT / meta["notebook"], meta["parameters"], Path(tmp) / "verify.ipynb")
    old_cells = [c for c in nb.cells if c.cell_type == "code"]
    new_cells = [c for c in fresh.cells if c.cell_type == "code"]
    if len(old_cells) != len(new_cells):
        return VerifyResult(False, [f"число ячеек различается: {len(old_cells)} и {len(new_cells)}"])
    for i, (a, b) in enumerate(zip(old_cells, new_cells, strict=True), start=1):
        if _outputs(a) != _outputs(b):
            messages.append(f"ячейка {i} ({a.get('id', '')}): результаты различаются")
    return VerifyResult(not messages, messages or [f"все {len(old_cells)} ячеек совпадают"])


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
