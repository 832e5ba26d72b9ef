"""stomkpi: monthly staff scoring, unit effectiveness and НМО tracking for a dental polyclinic.

The explorer's API (see README, «For the explorer»): `load_catalogs()` for the rules,
`score_workbook()` for a month read, checked and scored (`read_month` + `score_month` underneath),
`rating_for_year()` / `year_counts()` for the 0–4 rating of a year, `read_nmo()` + `nmo_status()`
for НМО plans. Names load on first use, so that the command line starts fast.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stomkpi")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"

_API = {
    "Catalogs": "catalog",
    "load_catalogs": "catalog",
    "load_positions": "catalog",
    "Month": "records",
    "NmoRecords": "records",
    "read_month": "month",
    "read_nmo": "nmo_inputs",
    "score_month": "scoring",
    "ScoredMonth": "pipeline",
    "score_workbook": "pipeline",
    "year_counts": "pipeline",
    "rating_for_year": "pipeline",
    "nmo_status": "nmo",
    "nmo_yearly": "nmo",
}
_RENAMED = {"nmo_status": "status", "nmo_yearly": "yearly"}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'stomkpi' has no attribute {name!r}")
    value = getattr(import_module(f".{_API[name]}", __name__), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
