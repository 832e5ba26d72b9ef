"""Run parameters from `params/*.yaml`: the clinic, the year and where its files are. Never rules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ParamsError

# libyaml's safe loader where PyYAML was built with it: the same documents, read about eight times faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ClinicParams(BaseModel):
    """A clinic's run parameters: its name, the year, where its files are; for the demo also the seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clinic: str
    year: int
    seed: int
    data_dir: Path
    workbook: str  # path pattern with {month} = YYYY-MM
    outputs: Path = Path("outputs")
    norms: str | None = None  # path pattern with {year}
    nmo_workbook: Path | None = None
    catalog_dir: Path | None = None

    def month_workbook(self, period: str) -> Path:
        return Path(self.workbook.format(month=period))

    def norms_file(self, year: int | str) -> Path | None:
        return Path(self.norms.format(year=year)) if self.norms else None


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], what: str) -> M:
    """A YAML file validated by a pydantic model; a Russian `ParamsError` names the file and the keys."""
    if not path.is_file():
        raise ParamsError(f"нет файла {path} ({what})")
    try:
        return model.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {})
    except yaml.YAMLError as exc:
        raise ParamsError(f"{what} {path} не читается как YAML: {exc}") from None
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ParamsError(f"{what} {path}: {fields}") from None


def clinic_root(params_file: Path | str) -> Path:
    """The clinic's folder: the one holding `params/`, or the params file's own folder."""
    folder = Path(os.path.abspath(params_file)).parent  # not resolved: params/demo.yaml may be a symlink
    return folder.parent if folder.name == "params" else folder


def load_params(path: Path | str) -> ClinicParams:
    """Read a clinic's parameters file; relative paths are taken from the clinic's folder (the one
    holding `params/`), so commands work from any current directory."""
    path = Path(path)
    params = load_yaml_model(path, ClinicParams, "файл параметров")
    root = clinic_root(path)
    return params.model_copy(
        update={
            "data_dir": root / params.data_dir,
            "workbook": str(root / params.workbook),
            "outputs": root / params.outputs,
            "norms": str(root / params.norms) if params.norms else None,
            "nmo_workbook": root / params.nmo_workbook if params.nmo_workbook else None,
            "catalog_dir": root / params.catalog_dir if params.catalog_dir else None,
        }
    )
