"""Shared machinery of the rule catalogs: where they live, reading YAML, Russian validation errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import CatalogError

BUILTIN_DIR = Path(__file__).parent
M = TypeVar("M", bound=BaseModel)


class Frozen(BaseModel):
    """Base of every catalog object: immutable, and unknown fields are an error (a typo is caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def catalog_file(name: str, directory: Path | str | None = None) -> Path:
    """The path of catalog file `name` in a clinic's own catalog folder, or the built-in one."""
    base = Path(directory) if directory is not None else BUILTIN_DIR
    path = base / name
    if not path.is_file():
        raise CatalogError(f"Каталог правил: нет файла {path}")
    return path


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
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
    base = _MESSAGES.get(err["type"])
    if base is None:
        return err["msg"]
    if err["type"] == "literal_error":
        return f"{base} «{err.get('input')}»; {err['msg']}"
    return base


def file_hash(paths: list[Path]) -> str:
    """SHA-256 over the given catalog files (name and content), for provenance."""
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.name):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()
