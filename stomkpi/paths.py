"""Where relative paths of a report point: the current folder if the file is there, else the project root.

A report records its inputs relative to the project root, so that it re-runs on another machine;
a notebook opened from `outputs/<period>/` (JupyterLab, nbval) still finds them.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resolve(path: Path | str | None) -> Path | None:
    if path is None or str(path) in ("", "None"):
        return None
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    return ROOT / path


def shown(path: Path | str | None) -> str | None:
    """A path as a report records it: relative to the project root when inside it, else absolute."""
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(Path(path).resolve())
