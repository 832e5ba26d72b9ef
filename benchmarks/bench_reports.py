"""Benchmark: the monthly report end to end against a floor, in one run. Prints figures; not a test.

The floor is what any report costs here: papermill on a trivial notebook that imports pandas and
matplotlib and draws one chart, plus its HTML and one xelatex pass, in one process. Target: the
monthly report end to end (input check, notebook, HTML, PDF, manifest) within 1.5× the floor. Then
where a report's time goes: the input check, the kernel's start, each cell, HTML and PDF.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stomkpi.config import load_params  # noqa: E402
from stomkpi.demo import write_demo  # noqa: E402
from stomkpi.report.commands import monthly_report  # noqa: E402
from stomkpi.report.monthly import read_monthly  # noqa: E402
from stomkpi.report.run import NOTEBOOKS, _kernel_environment, execute, render_html, render_pdf  # noqa: E402

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


def breakdown(root: Path, params_file: Path) -> list[tuple[str, float]]:
    """One monthly report step by step, the notebook's cells timed by papermill."""
    import papermill as pm

    from stomkpi.catalog import load_catalogs

    params = load_params(params_file)
    t = time.perf_counter()
    read_monthly("2025-12", params, load_catalogs(params.catalog_dir))
    steps = [("input check (the command runs it beside the notebook)", time.perf_counter() - t)]
    work = root / "breakdown"
    work.mkdir()
    with _kernel_environment():
        t = time.perf_counter()
        pm.execute_notebook(str(NOTEBOOKS / "monthly.ipynb"), str(work / "m.ipynb"), kernel_name="python3",
                            parameters={"period": "2025-12", "params": str(params_file), "out_dir": "."}, cwd=str(work),
                            progress_bar=False, log_output=False)
        total = time.perf_counter() - t
    nb = nbformat.read(work / "m.ipynb", as_version=4)
    cells = [(c.source.splitlines()[-1].strip()[:60], c.metadata.papermill.get("duration") or 0.0)
             for c in nb.cells if c.cell_type == "code"]
    steps.append(("kernel start and papermill", total - sum(d for _, d in cells)))
    steps.append(("imports, build_monthly, protocols and CSV (cell 2)", cells[2][1]))
    charts = sum(d for src, d in cells if src.startswith("charts."))
    steps.append(("three charts", charts))
    steps.append(("tables and the rest", sum(d for _, d in cells) - cells[2][1] - charts))
    nb = execute(work / "m.ipynb", {}, work / "again.ipynb", work)
    t = time.perf_counter()
    render_html(nb)
    steps.append(("HTML", time.perf_counter() - t))
    t = time.perf_counter()
    render_pdf(nb)
    steps.append(("PDF, one xelatex pass (the command runs it beside the HTML)", time.perf_counter() - t))
    return steps


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the kernels, xelatex)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


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
        for _ in range(RUNS):  # in pairs, so that the machine's load weighs on both alike
            cpu = _cpu()
            floors.append({**floor(root), "cpu": _cpu() - cpu})
            cpu, t = _cpu(), time.perf_counter()
            monthly_report("2025-12", params_file, progress=False)
            reports.append({"total": time.perf_counter() - t, "cpu": _cpu() - cpu})
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
    print("where one report's time goes:")
    for name, seconds in steps:
        print(f"  {name:<55} {seconds:5.2f} s")


if __name__ == "__main__":
    main()
