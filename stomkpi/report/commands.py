"""The monthly and annual report commands: check the inputs in-process, record the provenance, run the notebook.

The check reads every input and stops with the full list of problems before anything runs; the
report itself — every table, protocol and CSV — is computed once, inside the notebook, from the
parameters given here: the period, the clinic's parameters file (relative to the report's folder,
so the executed notebook re-runs from there) and the provenance.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..catalog import load_catalogs
from ..config import check_outputs, load_params
from ..safe import clean
from . import approval, words
from .annual import annual_provenance, read_annual
from .monthly import monthly_inputs, monthly_provenance, read_monthly
from .run import RUN_STEPS, RunResult, Steps, run_report

CHECK_STEP = "проверка файла параметров и входных данных"


def _notebook_parameters(params_file: Path, out_dir: Path) -> dict:
    # the data files go into the notebook's working folder, which becomes out_dir
    return {"params": os.path.relpath(os.path.abspath(params_file), os.path.abspath(out_dir)), "out_dir": "."}


def monthly_report(period: str, params_file: Path | str, progress: bool = True, revision: str | None = None) -> RunResult:
    """Check the month's inputs, then run the monthly notebook into `outputs/<period>/` — or, when the month's
    report is approved and a reason is given, into its next revision `outputs/<period>.rN/` (see `approval`)."""
    steps = Steps(period, 1 + len(RUN_STEPS), progress)
    steps(CHECK_STEP)
    params = load_params(params_file)
    check_outputs(params, params_file)
    plan = approval.plan_run(params.outputs, period, revision)  # an approved month refuses before anything runs
    catalogs = load_catalogs(params.catalog_dir)
    read_monthly(period, params, catalogs)  # bad input fails here, fast, with the full list
    provenance = approval.with_kept_inputs(monthly_provenance(period, params_file, params, catalogs))
    if plan.revision:
        provenance["revision"] = plan.revision
    out_dir = plan.out_dir
    return run_report("monthly", {"period": period, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                      provenance=provenance, title=approval.revision_title(words.monthly_title(period), plan.revision),
                      date=f"{clean(params.clinic)}, {words.month_words(period)}", steps=steps, stem=period,
                      inputs={k: v for k, v in monthly_inputs(period, params).items() if v is not None})


def annual_report(year: int, params_file: Path | str, progress: bool = True) -> RunResult:
    """Check the year's inputs, then run the annual notebook into `outputs/<year>/`."""
    steps = Steps(str(year), 1 + len(RUN_STEPS), progress)
    steps(CHECK_STEP)
    params = load_params(params_file)
    check_outputs(params, params_file)
    catalogs = load_catalogs(params.catalog_dir)
    read_annual(year, params, catalogs)
    provenance = annual_provenance(year, params_file, params, catalogs)
    out_dir = params.outputs / str(year)
    return run_report("annual", {"year": year, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                      provenance=provenance, title=words.annual_title(year), date=f"{clean(params.clinic)}, {year} год",
                      steps=steps)


def month_changes(period: str, params_file: Path | str, old: int | None = None, new: int | None = None):
    """The changes between two revisions of a month's report: by default the newest one and the approved
    revision it supersedes."""
    from ..errors import ParamsError
    from .diff import between

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
    names = {c.code: c.name for p in catalogs.positions.positions for c in p.criteria}
    return between(older, newer, names)
