"""Benchmark: the monthly report end to end against a floor, in one run. Prints figures; not a test.

The floor is what any report costs here: papermill on a trivial notebook that imports pandas and
matplotlib and draws one chart, plus its HTML and one xelatex pass, in one process. Target: the
monthly report end to end (input check, notebook, HTML, PDF, manifest) within 1.5× the floor. Then
where a report's time goes, in wall and CPU seconds (CPU time hardly depends on what else the machine
runs): the kernel's start, the notebook, each stage of the kernel's work, HTML, PDF and the input check.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stomkpi.config import load_params  # noqa: E402
from stomkpi.demo.clinic import write_demo  # noqa: E402
from stomkpi.report.monthly import read_monthly  # noqa: E402
from stomkpi.run.batch import process_cpu_seconds  # noqa: E402
from stomkpi.run.commands import monthly_report  # noqa: E402
from stomkpi.run.notebook import NOTEBOOKS, execute, render_html, render_pdf  # noqa: E402
from stomkpi.run.speed.runtime import Runtime  # noqa: E402

RUNS = 5
FLOOR_CELLS = [
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "df = pd.DataFrame({'x': range(10), 'y': [v * v for v in range(10)]})\ndf",
    "fig, ax = plt.subplots()\nax.plot(df.x, df.y)\nax.set_title('Один график')",
]


def floor(folder: Path) -> dict[str, float]:
    nb = new_notebook(cells=[new_code_cell(c) for c in FLOOR_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = folder / "floor.ipynb"
    nbformat.write(nb, source)
    t0 = time.perf_counter()
    executed = execute(source, {}, folder / "floor-out.ipynb", folder)
    t1 = time.perf_counter()
    render_html(executed)
    t2 = time.perf_counter()
    render_pdf(executed)
    t3 = time.perf_counter()
    return {"execute": t1 - t0, "html": t2 - t1, "pdf": t3 - t2, "total": t3 - t0}


def breakdown(root: Path, params_file: Path) -> list[tuple[str, float, float]]:
    """One monthly report stage by stage, each stage alone: (what, wall seconds, CPU seconds)."""
    from nbconvert import LatexExporter

    from stomkpi.catalog import load_catalogs
    from stomkpi.run import latex
    from stomkpi.run.notebook import _LATEX_OPTIONS, _pdf_environment, source_date
    from stomkpi.run.speed import markdown

    params = load_params(params_file)
    steps = []
    work = root / "breakdown"
    work.mkdir()
    empty = work / "empty.ipynb"
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, empty)
    steps.append(_timed("kernel start (papermill on an empty notebook)",
                        lambda: execute(empty, {}, work / "empty-out.ipynb", work)))
    steps.append(_timed("the monthly notebook in a report's kernel (all cells, with its start)", lambda: execute(
        NOTEBOOKS / "monthly.ipynb", {"period": "2025-12", "params": str(params_file), "out_dir": "."},
        work / "m.ipynb", work, runtime=Runtime())))
    # what the kernel does, stage by stage, in a fresh process (so that its imports count)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("report_stages.py")), str(params_file),
                          str(work / "stages")],
                         check=True, capture_output=True, text=True).stdout
    steps += [(f"  {name}", wall, cpu) for name, wall, cpu in json.loads(out.splitlines()[-1])]
    nb = nbformat.read(work / "m.ipynb", as_version=4)
    nb.metadata["stomkpi"] = {"parameters": {"period": "2025-12"}}
    steps.append(_timed("HTML", lambda: render_html(nb)))
    tex = _timed("PDF: LaTeX of the notebook (one pandoc run)", lambda: markdown.export(LatexExporter, nb, **_LATEX_OPTIONS))
    steps.append(tex[:3])
    body, resources = tex[3]
    steps.append(_timed("PDF: one xelatex pass", lambda: latex.typeset(
        body, resources.get("outputs", {}), env=_pdf_environment(source_date(nb.metadata["stomkpi"])))))
    steps.append(_timed("input check (the command runs it only after a failed notebook)",
                        lambda: read_monthly("2025-12", params, load_catalogs(params.catalog_dir))))
    return [s[:3] for s in steps]


def _timed(name: str, step) -> tuple:
    wall, cpu = time.perf_counter(), process_cpu_seconds()
    result = step()
    return name, time.perf_counter() - wall, process_cpu_seconds() - cpu, result


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "params").mkdir()
        (root / "params" / "demo.yaml").write_text(
            (Path(__file__).resolve().parents[1] / "params" / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        params_file = root / "params" / "demo.yaml"
        params = load_params(params_file)
        write_demo(params.data_dir)
        monthly_report("2025-12", params_file, progress=False)  # warm the caches both sides share
        floors, reports = [], []
        load_before = os.getloadavg()
        for _ in range(RUNS):  # in pairs, so that the machine's load weighs on both alike
            cpu = process_cpu_seconds()
            floors.append({**floor(root), "cpu": process_cpu_seconds() - cpu})
            cpu, t = process_cpu_seconds(), time.perf_counter()
            monthly_report("2025-12", params_file, progress=False)
            reports.append({"total": time.perf_counter() - t, "cpu": process_cpu_seconds() - cpu})
        load_after = os.getloadavg()
        steps = breakdown(root, params_file)
    f = {k: statistics.median(r[k] for r in floors) for k in floors[0]}
    report = statistics.median(r["total"] for r in reports)
    cpu = statistics.median(r["cpu"] for r in reports)
    pairs = statistics.median(r["total"] / fl["total"] for r, fl in zip(reports, floors, strict=True))
    print(f"floor (median of {RUNS}):   execute {f['execute']:.2f} s, HTML {f['html']:.2f} s, PDF {f['pdf']:.2f} s, "
          f"total {f['total']:.2f} s ({f['cpu']:.2f} CPU-s)")
    print(f"monthly report (median):  {report:.2f} s ({cpu:.2f} CPU-s; 120 employees, 6 departments, HTML + PDF + "
          "protocols)")
    print(f"ratio report / floor:     {report / f['total']:.2f}×  (target ≤ 1.5×; median of the pairs' ratios "
          f"{pairs:.2f}×, of CPU time {cpu / f['cpu']:.2f}×)")
    print(f"the machine's load average (1, 5, 15 min) before: {_load(load_before)}, after: {_load(load_after)} on "
          f"{os.cpu_count()} cores (other programs slow both sides; CPU seconds hardly depend on them)")
    print("where one report's time goes, stage by stage, each alone:     wall     CPU")
    for name, wall, seconds in steps:
        print(f"  {name:<63} {wall:5.2f} s {seconds:5.2f} s")


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.1f}" for x in load)


if __name__ == "__main__":
    main()
