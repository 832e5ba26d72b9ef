"""The monthly and annual report commands: check the inputs in-process, then run and render the notebook."""

from __future__ import annotations

from pathlib import Path

from .config import DemoParams
from .paths import shown
from .protocols_xlsx import month_words, write_protocols
from .run import RunResult, run_report


def monthly_report(period: str, params: DemoParams, progress: bool = True) -> RunResult:
    from .reports import build_monthly

    workbook = params.month_workbook(period)
    norms = params.norms_file(period[:4])
    norms = norms if norms and norms.is_file() else None
    # Everything is checked here, before the notebook runs: bad input fails fast, with the full list.
    report = build_monthly(period, workbook, clinic=params.clinic, catalog_dir=params.catalog_dir, norms_file=norms,
                           nmo_workbook=params.nmo_workbook)
    parameters = {"period": period, "workbook": shown(workbook), "clinic": params.clinic,
                  "catalog_dir": shown(params.catalog_dir), "norms_file": shown(norms),
                  "nmo_workbook": shown(params.nmo_workbook)}

    def extra(folder: Path) -> list[Path]:
        protocols = folder / f"protocols-{period}.xlsx"
        write_protocols(protocols, period, params.clinic, report.department_protocols, report.clinic_protocol)
        scores = folder / f"scores-{period}.csv"
        report.scores.table.to_csv(scores, index=False, lineterminator="\n")
        return [protocols, scores]

    return run_report("monthly", parameters, params.outputs / period,
                      title=f"Оценка результативности сотрудников за {month_words(period)}",
                      date=f"{params.clinic}, {month_words(period)}",
                      inputs={"workbook": workbook, "norms": norms, "nmo": params.nmo_workbook},
                      catalog_dir=params.catalog_dir, extra=extra, progress=progress)


def annual_report(year: int, params: DemoParams, progress: bool = True) -> RunResult:
    from .annual import build_annual

    norms = params.norms_file(year)
    report = build_annual(year, params.data_dir, clinic=params.clinic, catalog_dir=params.catalog_dir,
                          norms_file=norms, nmo_workbook=params.nmo_workbook)
    parameters = {"year": year, "data_dir": shown(params.data_dir), "clinic": params.clinic,
                  "catalog_dir": shown(params.catalog_dir), "norms_file": shown(report.norms_file),
                  "nmo_workbook": shown(params.nmo_workbook)}

    def extra(folder: Path) -> list[Path]:
        files = []
        for name, frame in (("rating", report.rating.summary), ("rating-detail", report.rating.detail),
                            ("scores", report.scores)):
            path = folder / f"{name}-{year}.csv"
            frame.to_csv(path, index=False, lineterminator="\n")
            files.append(path)
        if report.nmo is not None:
            path = folder / f"nmo-{year}.csv"
            report.nmo.to_csv(path, index=False, lineterminator="\n")
            files.append(path)
        return files

    inputs = {f"workbook {m}": s.month.source for m, s in report.months.items()}
    inputs |= {"norms": report.norms_file, "nmo": params.nmo_workbook}
    return run_report("annual", parameters, params.outputs / str(year),
                      title=f"Итоги {year} года: результативность, рейтинг, качество, НМО",
                      date=f"{params.clinic}, {year} год", inputs=inputs, catalog_dir=params.catalog_dir,
                      extra=extra, progress=progress)
