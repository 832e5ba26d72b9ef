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
from ..config import load_params
from ..norms import load_norms
from ..safe import clean
from . import words
from .annual import annual_inputs, annual_provenance, read_annual
from .monthly import monthly_provenance, read_monthly
from .run import RunResult, run_report


def _notebook_parameters(params_file: Path, out_dir: Path) -> dict:
    # the data files go into the notebook's working folder, which becomes out_dir
    return {"params": os.path.relpath(os.path.abspath(params_file), os.path.abspath(out_dir)), "out_dir": "."}


def monthly_report(period: str, params_file: Path | str, progress: bool = True, out_dir: Path | None = None) -> RunResult:
    """Check the month's inputs, then run the monthly notebook into `outputs/<period>/` (or `out_dir`)."""
    params = load_params(params_file)
    catalogs = load_catalogs(params.catalog_dir)
    read_monthly(period, params, catalogs)  # bad input fails here, fast, with the full list
    provenance = monthly_provenance(period, params_file, params, catalogs)
    out_dir = Path(out_dir) if out_dir is not None else params.outputs / period
    return run_report("monthly", {"period": period, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                      provenance=provenance, title=words.monthly_title(period),
                      date=f"{clean(params.clinic)}, {words.month_words(period)}", progress=progress)


def annual_report(year: int, params_file: Path | str, progress: bool = True) -> RunResult:
    """Check the year's inputs, then run the annual notebook into `outputs/<year>/`."""
    params = load_params(params_file)
    catalogs = load_catalogs(params.catalog_dir)
    read_annual(year, params, catalogs)
    provenance = annual_provenance(year, params_file, params, catalogs)
    out_dir = params.outputs / str(year)
    return run_report("annual", {"year": year, **_notebook_parameters(Path(params_file), out_dir)}, out_dir,
                      provenance=provenance, title=words.annual_title(year), date=f"{clean(params.clinic)}, {year} год",
                      progress=progress)


def regional_report(year: int, params_files: list[Path | str], out_dir: Path | None = None,
                    progress: bool = True) -> RunResult:
    """Check the clinics' parameters and norms, then run the regional notebook into `outputs/region/<year>/`.

    The workbooks are read once, by the notebook: a bad one stops the report with its first problems.
    """
    from .regional import regional_provenance

    files = [Path(p) for p in params_files]
    settings = [load_params(p) for p in files]
    catalogs = load_catalogs(settings[0].catalog_dir)
    for params in settings:  # the parameters and every norms file parse; every year's workbook list is known
        norms = annual_inputs(year, params)["norms"]
        load_norms(norms, catalogs.indicators, region_best={})
    provenance = regional_provenance(year, files, settings, catalogs)
    out_dir = Path(out_dir) if out_dir is not None else settings[0].outputs / "region" / str(year)
    parameters = {"year": year, "params": [_notebook_parameters(p, out_dir)["params"] for p in files], "out_dir": "."}
    return run_report("regional", parameters, out_dir, provenance=provenance, title=words.regional_title(year),
                      date=f"Поликлиник: {len(files)}, {year} год", progress=progress)
