"""What the monthly notebook's kernel does, stage by stage, in a fresh process so that its imports count.

Run by bench_reports.py (`report_stages.py <params.yaml> <empty folder>`): prints [[what, wall seconds,
CPU seconds], …] as JSON on its last line. The stages are the library calls the notebook's cells make.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main(params_file: str, folder: str) -> None:
    """What the monthly notebook's kernel does, stage by stage: prints [[what, wall, CPU], …] as JSON."""
    out, t = [], (time.perf_counter(), _cpu())

    def mark(name: str) -> None:
        nonlocal t
        now = (time.perf_counter(), _cpu())
        out.append((name, now[0] - t[0], now[1] - t[1]))
        t = now

    import ipykernel.ipkernel  # noqa: F401
    import IPython  # noqa: F401
    mark("kernel's own imports (IPython, ipykernel)")
    from stomkpi.report import cards, charts, display, files, protocols_xlsx
    from stomkpi.report.monthly import build_monthly
    mark("imports of the notebook's first cell (pandas, matplotlib, stomkpi)")
    r = build_monthly("2025-12", params_file)
    mark("build_monthly: read, check, score, every table")
    target = Path(folder)
    target.mkdir()
    protocols_xlsx.write_protocols(target / "p.xlsx", r.period, r.params.clinic, r.department_protocols,
                                   r.clinic_protocol)
    files.write_both(r.table, target, "scores", r.catalogs.positions.criterion_names())
    mark("protocols .xlsx, scores CSV and .xlsx")
    people = r.cards()
    mark("the cards' contents")
    files = cards.card_files(r.period, people)  # a file per department, or part of one (`cards.PART` people)
    for _, department, own in files:
        cards.cards_pdf(r.period, r.params.clinic, department, own)
    mark(f"cards PDF ({len(files)} files)")
    for stem, _, own in files:
        cards.cards_xlsx(target / f"{stem}.xlsx", r.period, r.params.clinic, own)
    mark(f"cards .xlsx ({len(files)} files)")
    palette = charts.colours(r.departments)
    for chart in (charts.department_comparison(r.table, palette=palette), charts.percent_distribution(r.table),
                  charts.lost_points_chart(r.lost_by_criterion)):
        chart._repr_png_()
    mark("three charts (PNG)")
    tables = [r.department_totals(), r.below_table(), r.lost_points.head(40), r.ukv_table(),
              r.rules_table(), r.lint_all(), r.provenance_table(), *r.clinic_protocol.values(),
              *(t for tables in r.department_protocols.values() for t in tables.values())]
    for table in tables:
        shown = display.Table(table, caption="—")
        shown._repr_html_(), shown._repr_latex_()
    mark(f"{len(tables)} tables (HTML and LaTeX)")
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:3])
