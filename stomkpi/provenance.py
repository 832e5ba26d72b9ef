"""Provenance of a report: its parameters, checksums of its inputs, hashes of the rule catalogs, the code
(version, commit), the lock file the environment is installed from and the installed versions of the locked
libraries that shape a report.

Computed once per run (`collect`), recorded in manifest.json and shown by the report's notebook as
it is. Every input is checked (`check_inputs`) and hashed as `bounded` reads: a regular file within its
kind's size limit, never a FIFO, a device or a folder.

Paths are recorded relative to the clinic's folder (the one holding `params/`), so that the
record still holds when the folder is moved or opened on another machine.
"""

from __future__ import annotations

import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from stomkpi import bounded

if TYPE_CHECKING:
    from stomkpi.catalog import Catalogs

# The locked libraries whose versions shape a report's numbers, files and rendering, by the names requirements.lock
# gives them: recorded installed as they are, and compared with the installed ones by `stomkpi verify`.
LIBRARIES = ("pandas", "numpy", "matplotlib", "openpyxl", "pydantic", "papermill", "nbconvert", "nbformat", "ipykernel",
             "nbclient", "jinja2", "mistune", "pygments", "fpdf2", "fonttools", "pillow", "lxml", "python-calamine",
             "pyyaml", "python-dateutil", "holidays")
LOCK = "requirements.lock"  # the runtime's exact versions, beside pyproject.toml in stomkpi's source tree
NOT_INSTALLED = "не установлен"
_PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a distribution's name, as a recorded version names it


# What each input of a report is, as a message names it (with the key that names it), and its size limit.
INPUT_KINDS = {
    "params": ("файл параметров поликлиники", bounded.YAML_LIMIT),
    "workbook": ("книга месяца (ключ «workbook» или «data_dir» файла параметров)", bounded.WORKBOOK_LIMIT),
    "nmo": ("книга НМО (ключ «nmo_workbook» файла параметров)", bounded.NMO_WORKBOOK_LIMIT),
    "norms": ("файл норм (ключ «norms» файла параметров)", bounded.YAML_LIMIT),
    "region_best": ("файл лучших показателей региона (ключ «region_best_file» файла норм)", bounded.YAML_LIMIT),
}


def input_kind(label: str) -> tuple[str, int]:
    """How an input labelled `label` is named in messages, and its size limit («workbook 2025-03» is a month's book,
    «Поликлиника №1: nmo» a clinic's НМО book in the regional report)."""
    return INPUT_KINDS.get(label.rsplit(": ", 1)[-1].split(" ")[0], ("входной файл", bounded.ANY_FILE_LIMIT))


def sha256_file(path: Path | str, what: str = "файл", limit: int = bounded.ANY_FILE_LIMIT) -> str:
    """SHA-256 of a regular file's bytes, read in blocks; one Russian line for anything else (see `bounded`)."""
    return bounded.sha256(path, what, limit)


def check_inputs(inputs: dict[str, Path | None]) -> None:
    """Every input that is there is a regular file within its kind's limit: checked before any of them is opened.
    A missing file is left to its reader, which says what it is."""
    for label, path in inputs.items():
        if path is not None and bounded.is_present(path):
            what, limit = input_kind(label)
            bounded.check_file(path, what, limit)


def installed(name: str) -> str:
    """The version of Python («python»), of stomkpi or of the library `name` installed now."""
    from stomkpi import __version__

    if name == "python":
        return platform.python_version()
    if name == "stomkpi":
        return __version__
    try:
        return version(name)
    except (PackageNotFoundError, ValueError):
        return NOT_INSTALLED


def versions() -> dict[str, str]:
    """Python, stomkpi and the libraries that shape a report's numbers and rendering."""
    return {name: installed(name) for name in ("python", "stomkpi", *LIBRARIES)}


def version_changes(recorded_versions: object) -> list[tuple[str, str, str]]:
    """(name, recorded, installed) for every recorded version that is not the one installed now. The record is data
    read from a report's folder: anything but a package's name with its version (both strings) is passed over."""
    if not isinstance(recorded_versions, dict):
        return []
    return [(name, made, now) for name, made in sorted(recorded_versions.items(), key=lambda item: str(item[0]))
            if isinstance(name, str) and _PACKAGE.fullmatch(name) and isinstance(made, str)
            and (now := installed(name)) != made]


def lock() -> dict | None:
    """The lock file the environment is installed from, by name and SHA-256, when stomkpi runs from its source
    tree (an installed wheel has none beside it: None)."""
    path = Path(__file__).resolve().parent.parent / LOCK
    if not (path.parent / "pyproject.toml").is_file() or not path.is_file():
        return None
    return {"file": LOCK, "sha256": sha256_file(path, f"файл точных версий {LOCK}")}


def code() -> dict:
    """Which code makes a report: the package version and, when it runs from a git checkout, the commit
    and whether the checkout has uncommitted changes («dirty»)."""
    import subprocess

    from stomkpi import __version__

    out: dict = {"version": __version__}
    here = Path(__file__).resolve().parent
    if not any((folder / ".git").exists() for folder in here.parents):
        return out
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True,
                                text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return out
    if commit.returncode == 0:
        out["commit"] = commit.stdout.strip()
        out["dirty"] = bool(status.stdout.strip())
    return out


def recorded(path: Path | str | None, root: Path) -> str | None:
    """A path as the provenance records it: relative to the clinic's folder when inside it, else absolute."""
    if path is None:
        return None
    path = Path(os.path.abspath(path))
    try:
        return str(path.relative_to(os.path.abspath(root)))
    except ValueError:
        return str(path)


def collect(notebook: str, parameters: dict, inputs: dict[str, Path | None], catalogs: Catalogs, root: Path) -> dict:
    """The provenance record of one run; `inputs` without a file (None) are left out."""
    made = {
        "notebook": notebook,
        "parameters": parameters,
        "inputs": {k: {"path": recorded(p, root), "sha256": sha256_file(p, *input_kind(k))} for k, p in inputs.items() if p},
        "catalogs": dict(catalogs.hashes),
        "code": code(),
        "versions": versions(),
    }
    locked = lock()
    return {**made, "lock": locked} if locked else made
