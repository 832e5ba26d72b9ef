"""Provenance: checksums of inputs, hashes of the rule catalogs and versions of the software."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from .paths import resolve, shown

LIBRARIES = ("stomkpi", "pandas", "numpy", "matplotlib", "openpyxl", "pydantic", "papermill", "nbconvert", "nbformat",
             "ipykernel")


def sha256_file(path: Path | str) -> str:
    """SHA-256 of a file, or of every file of a folder (names and contents, in sorted order)."""
    path = Path(path)
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, str]:
    from . import __version__

    out = {"python": platform.python_version(), "stomkpi": __version__}
    for name in LIBRARIES[1:]:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "не установлен"
    return out


def catalog_hashes(catalog_dir: Path | str | None = None) -> dict[str, str]:
    """SHA-256 of each rule catalog file in use (a clinic's copy or the built-in one)."""
    from .catalog import BUILTIN_DIR

    out = {}
    for name in ("positions.yaml", "indicators.yaml", "nmo.yaml"):
        own = resolve(catalog_dir) / name if catalog_dir else None
        path = own if own is not None and own.is_file() else BUILTIN_DIR / name
        out[name] = sha256_file(path)
    return out


def provenance_table(parameters: dict, inputs: dict[str, Path | str | None],
                     catalog_dir: Path | str | None = None) -> pd.DataFrame:
    """The report's provenance block: parameters, input checksums, catalog hashes, versions."""
    rows = [("Параметр", k, str(v)) for k, v in parameters.items()]
    for label, path in inputs.items():
        if path is None:
            continue
        rows.append(("Входной файл", f"{label}: {shown(resolve(path))}", sha256_file(resolve(path))))
    rows += [("Каталог правил", name, digest) for name, digest in catalog_hashes(catalog_dir).items()]
    rows += [("Версия", name, v) for name, v in versions().items()]
    return pd.DataFrame(rows, columns=["Что", "Имя", "Значение (SHA-256 / версия)"])
