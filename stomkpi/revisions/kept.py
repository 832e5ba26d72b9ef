"""A report reads what it keeps: the files its provenance lists, from the copies in its own `inputs/`.

A run copies every input it chose — the parameters file, the month's workbook, the norms, the НМО book,
a signed month's kept workbook for the annual report — into `inputs/` of its working folder before the
notebook starts (`approval.keep_inputs`), and the notebook reads those copies (`provenance_files`), never
what the parameters lead to today. So the same provenance gives the same report wherever it is re-run:
`verify` re-runs a report from its folder's copies (`place_copies`, `kept_params`), a revision starts from
the approved edition's inputs and takes in only what its author named (`revision_files`), and the annual
report takes a signed month from the copy its approval covers.

A provenance without copies (a notebook run by papermill directly, a report made before copies were kept)
is read from the parameters, as it always was. Rule for editing: a new kind of input is a label of
`provenance.INPUT_KINDS`; whoever chooses inputs hands the chosen files to `approval.with_kept_inputs` and
`keep_inputs`, and nobody reads an input by another path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from stomkpi.config import ClinicParams, clinic_root
from stomkpi.errors import StomkpiError
from stomkpi.provenance import sha256_file

# The inputs a parameters file names only when its key is set (the rest follow from `data_dir` and the book).
_NAMED_BY = {"norms": "norms", "nmo": "nmo_workbook"}


def has_copies(provenance: dict | None) -> bool:
    """The provenance lists a kept copy of every input it records, its parameters file among them (a run of stomkpi
    since the parameters are kept too; the regional report's are labelled by clinic, «clinic-01: params»)."""
    inputs = (provenance or {}).get("inputs") or {}
    return bool(params_labels(inputs)) and all(isinstance(rec, dict) and "kept" in rec for rec in inputs.values())


def params_labels(inputs: dict) -> list[str]:
    """The labels of the parameters files among a provenance's inputs: «params», or one per clinic of a region
    («clinic-01: params»), in the clinics' order."""
    return [label for label in inputs if label == "params" or label.endswith(": params")]


def params_label(inputs: dict, params_text: str) -> str | None:
    """The label of a recorded parameters file's kept copy: «params» in a clinic's report, «<clinic>: params» in the
    region's (the clinic named by its parameters file, `config.clinic_name`); None when the provenance has none."""
    from stomkpi.config import clinic_name

    label = "params" if "params" in inputs else f"{clinic_name(params_text)}: params"
    return label if label in inputs else None


def provenance_files(provenance: dict, params_file: Path | str) -> dict[str, Path]:
    """Each input of the provenance, by label: the file at its recorded path when it has the recorded checksum (the
    same bytes as the copy, and a norms file's `region_best_file` leads where it led), else its copy in the notebook's
    working folder (`inputs/…`, relative to the current folder)."""
    root = clinic_root(params_file)
    out = {}
    for label, rec in provenance["inputs"].items():
        original, copy = root / rec["path"], Path(rec["kept"])
        same = original.is_file() and sha256_file(original) == rec["sha256"]
        out[label] = original if same or not copy.is_file() else copy
    return out


def revision_files(files: dict[str, Path | None], approved: dict, params: ClinicParams) -> dict[str, Path | None]:
    """A revision's inputs: the files the parameters lead to now, less any the approved edition did not read and the
    parameters do not name by a key of their own (a norms file lying beside the book, say): what the author did not
    change stays out. `approved`: the approved edition's manifest inputs."""
    out = {}
    for label, path in files.items():
        key = _NAMED_BY.get(label)
        named = key is None or getattr(params, key) is not None
        if label == "region_best":  # named by the norms file: it comes with the norms
            named = out.get("norms") is not None
        out[label] = path if label in approved or named else None
    return out


def place_copies(folder: Path, provenance: dict, cwd: Path, root: Path) -> None:
    """Copy a report folder's kept inputs into a re-run's working folder (`inputs/`) and, for each recorded relative to
    the clinic's folder, to that path under the re-run's clinic folder `root` (inside the re-run's own folder): the
    notebook reads them there, as the run read the originals."""
    for label, rec in provenance["inputs"].items():
        targets = [cwd / rec["kept"]]
        recorded = Path(rec["path"])
        beside = root / recorded
        # the parameters file is written apart (`kept_params`); nothing is placed into the re-run's own folder
        apart = label in params_labels(provenance["inputs"])
        if not apart and not recorded.is_absolute() and ".." not in recorded.parts and cwd not in beside.parents:
            targets.append(beside)
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / rec["kept"], target)


def kept_params(copy: Path, root: Path, target: Path, empty: Path) -> Path:
    """The kept parameters file written as `target` with every path absolute (taken from the clinic's folder `root`,
    as when the report ran), and `data_dir` an empty folder: a re-run finds no file the report did not keep."""
    import yaml

    from stomkpi.config import load_params

    params = load_params(copy, root=root).model_dump(mode="json", exclude_none=True)
    params["data_dir"] = str(empty)
    for key in ("workbook", "norms", "nmo_workbook"):
        params.pop(key, None)  # the notebook reads the kept copies; nothing may lead elsewhere
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=True), encoding="utf-8")
    return target


def copy_of(folder: Path, rec: dict) -> Path | None:
    """A report folder's kept copy of an input when it has the recorded checksum."""
    path = folder / rec["kept"]
    return path if path.is_file() and not os.path.islink(path) and sha256_file(path) == rec["sha256"] else None


def changed_copy(folder: Path, rec: dict, root: Path) -> list[str] | None:
    """How a kept copy differs from the file the report read, in words (cell old → new), when that file is still at
    its recorded path with the recorded checksum; None when the copy is intact or there is nothing to compare with."""
    from stomkpi.revisions.diff import file_changes

    copy, original = folder / rec["kept"], root / rec["path"]
    if not copy.is_file() or sha256_file(copy) == rec["sha256"]:
        return None
    if not original.is_file() or sha256_file(original) != rec["sha256"]:
        return None
    try:
        return [str(c) for c in file_changes(rec["kept"], original, copy, rec["sha256"], sha256_file(copy))]
    except (StomkpiError, OSError, ValueError):
        return None
