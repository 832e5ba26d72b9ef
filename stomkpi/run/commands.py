"""The monthly and annual report commands: check the inputs in-process, record the provenance, run the notebook.

The check reads every input and gives the full list of problems. The notebook's first step reads
and checks the same inputs with the same functions (`check_monthly`, `read_annual`), and a report whose
notebook failed replaces nothing; so the check runs here only after a failed notebook, and when it
finds problems, its full list is the error. A report that succeeds reads its inputs once (running the
check beside every notebook cost each report half a CPU-second, which a batch on busy cores pays in
time). The report itself — every table, protocol and CSV — is computed once, inside the notebook,
from the parameters given here: the period, the clinic's parameters file (relative to the report's
folder, so the executed notebook re-runs from there) and the provenance.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from stomkpi.catalog import load_catalogs
from stomkpi.config import check_outputs, load_params
from stomkpi.errors import ParamsError
from stomkpi.norms import load_norms
from stomkpi.pipeline import read_inputs, score_inputs
from stomkpi.report import words
from stomkpi.report.annual import annual_inputs, annual_provenance, read_annual, signed_files
from stomkpi.report.monthly import check_monthly, month_fund, monthly_files, monthly_inputs, monthly_provenance
from stomkpi.report.payroll_files import write_payroll_csv
from stomkpi.report.payroll_report import FundSection
from stomkpi.revisions import approval
from stomkpi.revisions.kept import revision_files
from stomkpi.run.notebook import RUN_STEPS, ReportError, ReportJob, RunResult, Steps, run_report
from stomkpi.run.speed.runtime import Runtime
from stomkpi.safe import clean

# the first step reads the parameters and catalogs and lists the inputs; the inputs themselves are checked by the
# notebook, and here only after it failed (`_checked`)
CHECK_STEP = "файл параметров, каталоги правил и список входных файлов"


def _notebook_parameters(params_file: Path, out_dir: Path) -> dict:
    # the data files go into the notebook's working folder, which becomes out_dir
    return {"params": os.path.relpath(os.path.abspath(params_file), os.path.abspath(out_dir)), "out_dir": "."}


def _checked(check: Callable[[], object], out_dir: Path, run: Callable[[], RunResult]) -> RunResult:
    """`run()`; if it fails, `check()` runs, and its error, when it finds one, is the error."""
    try:
        return run()
    except Exception as exc:
        try:
            check()
        except Exception as error:  # noqa: BLE001 — whatever stops the check is what the analyst must see
            if isinstance(exc, ReportError):  # the notebook stopped on the same bad input: the list says it all
                (out_dir.parent / f"{out_dir.name}.failed.ipynb").unlink(missing_ok=True)
            raise error from None
        raise


def monthly_report(period: str, params_file: Path | str, progress: bool = True, revision: str | None = None,
                   outputs: Path | None = None, runtime: Runtime | None = None) -> RunResult:
    """Check the month's inputs and run the monthly notebook into `outputs/<period>/` — or, when the month's
    report is approved and a reason is given, into its next revision `outputs/<period>.rN/` (see `approval`).
    `outputs`: another folder for the period's folder than the parameters' (the batch's `outputs/<clinic>/`);
    `runtime`: the speed decisions of the process (a single report's by default)."""
    steps = Steps(period, 1 + len(RUN_STEPS), progress)
    steps(CHECK_STEP)
    params = load_params(params_file)
    check_outputs(params, params_file)
    plan = approval.plan_run(outputs or params.outputs, period, revision)  # an approved month refuses before anything runs
    catalogs = load_catalogs(params.catalog_dir)
    out_dir = plan.out_dir

    files = monthly_files(period, params_file, params)
    if plan.revision:  # what the approved edition did not read enters only when the parameters name it
        approved = approval.revision(outputs or params.outputs, period, plan.revision["supersedes_number"])
        files = revision_files(files, approved.manifest().get("inputs", {}), params)
    files = {k: v for k, v in files.items() if v is not None}

    def run() -> RunResult:
        provenance = approval.with_kept_inputs(monthly_provenance(period, params_file, params, catalogs, files))
        if plan.revision:
            provenance["revision"] = plan.revision
        job = ReportJob("monthly", {"period": period, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                        provenance, approval.revision_title(words.monthly_title(period), plan.revision),
                        f"{clean(params.clinic)}, {words.month_words(period)}", stem=period, inputs=files)
        return run_report(job, runtime, steps=steps)

    return _checked(lambda: check_monthly(period, params, catalogs, {**files, "norms": files.get("norms")}), out_dir, run)


def annual_report(year: int, params_file: Path | str, progress: bool = True, runtime: Runtime | None = None) -> RunResult:
    """Check the year's inputs and run the annual notebook into `outputs/<year>/`."""
    steps = Steps(str(year), 1 + len(RUN_STEPS), progress)
    steps(CHECK_STEP)
    params = load_params(params_file)
    check_outputs(params, params_file)
    catalogs = load_catalogs(params.catalog_dir)
    out_dir = params.outputs / str(year)
    files, months = signed_files(year, params_file, params)  # each signed month from its approved edition
    files = {k: v for k, v in files.items() if v is not None}

    def run() -> RunResult:
        provenance = approval.with_kept_inputs(annual_provenance(year, params_file, params, catalogs, files, months))
        job = ReportJob("annual", {"year": year, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                        provenance, words.annual_title(year), f"{clean(params.clinic)}, {year} год", inputs=files)
        return run_report(job, runtime, steps=steps)

    return _checked(lambda: read_annual(year, params, catalogs, files, months), out_dir, run)


def month_changes(period: str, params_file: Path | str, old: int | None = None, new: int | None = None):
    """The changes between two revisions of a month's report: by default the newest one and the approved
    revision it supersedes."""
    from stomkpi.errors import ParamsError
    from stomkpi.revisions.diff import between

    params = load_params(params_file)
    catalogs = load_catalogs(params.catalog_dir)
    newer = approval.revision(params.outputs, period, new)
    if old is None:
        block = newer.manifest().get("revision")
        if not block:
            raise ParamsError(f"{newer.label()} — первая редакция отчёта за {words.month_words(period)}: сравнивать не с "
                              "чем (укажите --old и --new)")
        old = block["supersedes_number"]
    older = approval.revision(params.outputs, period, old)
    return between(older, newer, catalogs.positions.criterion_names())


def regional_report(year: int, params_files: list[Path | str], out_dir: Path | None = None,
                    progress: bool = True, runtime: Runtime | None = None) -> RunResult:
    """Check the clinics' parameters and norms, then run the regional notebook into `outputs/region/<year>/`, which
    keeps a copy of every input in `inputs/` (each clinic's month from its latest approved edition, `regional_files`).

    The workbooks are read once, by the notebook: a bad one stops the report with its first problems.
    """
    from stomkpi.report.regional import regional_files, regional_provenance, with_clinic_copies

    files = [Path(p) for p in params_files]
    settings = [load_params(p) for p in files]
    catalogs = load_catalogs(settings[0].catalog_dir)
    for params in settings:  # the parameters and every norms file parse; every year's workbook list is known
        norms = annual_inputs(year, params)["norms"]
        if norms is None:
            raise ParamsError(f"у поликлиники «{params.clinic}» нет норм {year} года: без них её подразделения не оценить")
        load_norms(norms, catalogs.indicators, region_best={})
    inputs, months = regional_files(year, files, settings)  # each clinic's signed month from its approved edition
    provenance = with_clinic_copies(regional_provenance(year, files, settings, catalogs, inputs, months))
    out_dir = Path(out_dir) if out_dir is not None else settings[0].outputs / "region" / str(year)
    parameters = {"year": year, "params": [_notebook_parameters(p, out_dir)["params"] for p in files], "out_dir": "."}
    job = ReportJob("regional", parameters, out_dir, provenance, words.regional_title(year),
                    f"Поликлиник: {len(files)}, {year} год", inputs=inputs)
    return run_report(job, runtime, progress=progress)


def quick_payroll(period: str, params_file: Path | str, out: Path | None = None) -> tuple[FundSection, dict, Path]:
    """`stomkpi payroll`: read and score the month in-process, share its fund, write the CSV alone (default:
    `payroll-YYYY-MM.csv` in the current folder; an existing file is refused, never replaced). Returns the fund, the
    CSV's control totals and where it went."""
    out = Path(out) if out is not None else Path(f"payroll-{period}.csv")
    if out.exists():
        raise ParamsError(f"файл {out} уже есть: файл выплат не записан, чтобы не потерять данные; укажите другой: --out ФАЙЛ")
    settings = load_params(params_file)
    catalogs = load_catalogs(settings.catalog_dir)
    files = monthly_inputs(period, settings)
    scored = score_inputs(read_inputs(files["workbook"], catalogs, period=period, norms_file=files["norms"]), catalogs)
    fund = month_fund(period, settings, scored)
    if fund is None:
        raise ParamsError(f"в книге {files['workbook']} нет листа «Фонд» (или он пуст): делить нечего — внесите фонд "
                          "по группам (лист описан в «Инструкции» шаблона: stomkpi template)")
    try:
        totals = write_payroll_csv(fund.payroll, period, fund.staff, out)
    except OSError as exc:
        raise ParamsError(f"не удалось записать {out}: {exc.strerror}") from None
    return fund, totals, out
