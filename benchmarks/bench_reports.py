"""Benchmark: the monthly report end to end against a floor, in one run. Prints figures; not a test.

The floor is what any report costs here: papermill on a trivial notebook that imports pandas and
matplotlib and draws one chart, plus its HTML and PDF. Target: the monthly report within 2× the floor.
"""

from __future__ import annotations

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
from stomkpi.report.run import execute, render_html, render_pdf  # noqa: E402

RUNS = 3
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


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "params").mkdir()
        (root / "params" / "demo.yaml").write_text(
            (Path(__file__).resolve().parents[1] / "params" / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        params_file = root / "params" / "demo.yaml"
        params = load_params(params_file)
        write_demo(params.data_dir)
        floors = [floor(root) for _ in range(RUNS)]
        reports = []
        for _ in range(RUNS):
            t = time.perf_counter()
            monthly_report("2025-12", params_file, progress=False)
            reports.append(time.perf_counter() - t)
    f = {k: statistics.median(r[k] for r in floors) for k in floors[0]}
    report = statistics.median(reports)
    print(f"floor (median of {RUNS}):   execute {f['execute']:.2f} s, HTML {f['html']:.2f} s, PDF {f['pdf']:.2f} s, "
          f"total {f['total']:.2f} s")
    print(f"monthly report (median):  {report:.2f} s  (120 employees, 6 departments, HTML + PDF + protocols)")
    print(f"ratio report / floor:     {report / f['total']:.2f}×  (target ≤ 2×)")


if __name__ == "__main__":
    main()
