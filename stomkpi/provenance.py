"""Provenance of a report: its parameters, checksums of its inputs, hashes of the rule catalogs, the code
(version, commit) and the libraries' versions.

Computed once per run (`collect`), recorded in manifest.json and shown by the report's notebook as
it is. Paths are recorded relative to the clinic's folder (the one holding `params/`), so that the
record still holds when the folder is moved or opened on another machine.
"""

from __future__ import annotations

import hashlib
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .catalog import Catalogs

LIBRARIES = ("pandas", "numpy", "matplotlib", "openpyxl", "pydantic", "papermill", "nbconvert", "nbformat", "ipykernel")


def sha256_file(path: Path | str) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def versions() -> dict[str, str]:
    """Python, stomkpi and the libraries that shape a report's numbers and rendering."""
    from . import __version__

    out = {"python": platform.python_version(), "stomkpi": __version__}
    for name in LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "не установлен"
    return out


def code() -> dict:
    """Which code makes a report: the package version and, when it runs from a git checkout, the commit
    and whether the checkout has uncommitted changes («dirty»)."""
    import subprocess

    from . import __version__

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
    return {
        "notebook": notebook,
        "parameters": parameters,
        "inputs": {k: {"path": recorded(p, root), "sha256": sha256_file(p)} for k, p in inputs.items() if p},
        "catalogs": dict(catalogs.hashes),
        "code": code(),
        "versions": versions(),
    }
