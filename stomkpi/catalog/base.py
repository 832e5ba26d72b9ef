"""Shared machinery of the rule catalogs: where they live, reading YAML, Russian validation errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from stomkpi.config import SAFE_LOADER
from stomkpi.errors import CatalogError

BUILTIN_DIR = Path(__file__).parent
REQUIRED = "positions.yaml"  # a clinic's catalog folder without it is not a catalog
M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """Base of every catalog object: immutable, and unknown fields are an error (a typo is caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def catalog_file(name: str, directory: Path | str | None = None) -> Path:
    """The clinic's copy of catalog file `name` when its folder has one, else the built-in file.

    A clinic's folder must hold at least `positions.yaml` (the scoring rules); the indicator and
    НМО catalogs may be left out, and then the built-in ones apply.
    """
    if directory is not None:
        own = Path(directory) / name
        if own.is_file():
            return own
        if name == REQUIRED or not Path(directory).is_dir():
            raise CatalogError(f"Каталог правил: нет файла {own}")
    return BUILTIN_DIR / name


def read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise CatalogError(f"Каталог правил {path}: файл не читается как YAML: {exc}") from None


def validate(model: type[M], data: Any, path: Path, entry: str) -> M:
    """Validate one catalog entry; on failure name the file, the entry and every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"Каталог правил {path}, запись «{entry}»: ошибки в полях:"]
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(запись целиком)"
            lines.append(f"  поле {loc}: {_russian(err)}")
        raise CatalogError("\n".join(lines)) from None


_MESSAGES = {
    "missing": "обязательное поле не задано",
    "extra_forbidden": "неизвестное поле (опечатка?)",
    "float_parsing": "нужно число",
    "float_type": "нужно число",
    "int_parsing": "нужно целое число",
    "int_type": "нужно целое число",
    "string_type": "нужна строка",
    "list_type": "нужен список",
    "literal_error": "недопустимое значение",
    "dict_type": "нужен словарь",
}


def _russian(err: dict) -> str:
    if err["type"] == "value_error":  # a validator's own Russian message, without pydantic's English prefix
        return str(err.get("ctx", {}).get("error", err["msg"]))
    base = _MESSAGES.get(err["type"])
    if base is None:
        return err["msg"]
    if err["type"] == "literal_error":
        return f"{base} «{err.get('input')}»; {err['msg']}"
    return base
