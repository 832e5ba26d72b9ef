"""Run parameters from `params/*.yaml`: the clinic's name and where its files are. Never rules.

Every problem in a parameters or norms file is one Russian message naming the file and the key:
what was expected, what was found, and for a mistyped key the nearest known one. A file saved by
Windows Notepad in Windows-1251 is read as well as one in UTF-8 (the choice is stated in README).
"""

from __future__ import annotations

import difflib
import os
import string
import types
import typing
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ParamsError

# libyaml's safe loader where PyYAML was built with it: the same documents, read about eight times faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ClinicParams(BaseModel):
    """A clinic's run parameters: its name and where its files are. Paths are relative to the clinic's
    folder (the one holding `params/`); only `clinic` is required."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clinic: str = Field(description="название поликлиники, как в заголовке отчёта")
    data_dir: Path = Field(Path("data"), description="папка с книгами месяцев ГГГГ-ММ.xlsx")
    workbook: str | None = Field(None, description="путь к книге месяца с подстановкой {month} (ГГГГ-ММ)")
    outputs: Path = Field(Path("outputs"), description="папка для отчётов")
    norms: str | None = Field(None, description="путь к нормам года с подстановкой {year}")
    nmo_workbook: Path | None = Field(None, description="книга НМО (.xlsx)")
    catalog_dir: Path | None = Field(None, description="папка с собственной копией каталога правил")

    def month_workbook(self, period: str) -> Path:
        """The workbook of a month `YYYY-MM`."""
        pattern = self.workbook or str(self.data_dir / "{month}.xlsx")
        return Path(pattern.format(month=period))

    def norms_file(self, year: int | str) -> Path:
        """Where the year's norms are expected (the file may not exist: the norms are optional)."""
        pattern = self.norms or str(self.data_dir / "norms-{year}.yaml")
        return Path(pattern.format(year=year))

    def existing_norms(self, year: int | str) -> Path | None:
        """The year's norms file when it exists."""
        path = self.norms_file(year)
        return path if path.is_file() else None


# The placeholders each path pattern may hold.
PLACEHOLDERS = {"workbook": ("month", "ГГГГ-ММ", True), "norms": ("year", "ГГГГ", False)}

M = TypeVar("M", bound=BaseModel)


def read_text(path: Path, what: str) -> str:
    """A text file people edit by hand: UTF-8 (with or without BOM) or, failing that, Windows-1251."""
    if not path.exists():
        raise ParamsError(f"нет файла {path} ({what})")
    if not path.is_file():
        raise ParamsError(f"{what} {path} — это папка, а нужен файл")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ParamsError(f"{what} {path} сохранён не в UTF-8 и не в Windows-1251: сохраните его в кодировке UTF-8") from None


def load_yaml_model(path: Path | str, model: type[M], what: str) -> M:
    """A YAML file validated by a pydantic model; a Russian `ParamsError` names the file and the keys."""
    path = Path(path)
    text = read_text(path, what)
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        # libyaml words its errors otherwise: the pure-Python parser's words are the ones translated
        raise ParamsError(f"{what} {path}: {_yaml_problem(_python_yaml_error(text) or exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ParamsError(f"{what} {path}: ожидались строки вида «ключ: значение», а найдено {_found(data)}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_explain(e, model) for e in exc.errors()]
        if len(problems) == 1:
            raise ParamsError(f"{what} {path}: {problems[0]}") from None
        raise ParamsError(f"{what} {path}:\n" + "\n".join(f"  {i}. {p}" for i, p in enumerate(problems, 1))) from None


_EXPECTED = {
    "int": "целое число", "float": "число", "string": "текст", "str": "текст", "path": "путь к файлу или папке",
    "bool": "да или нет (true / false)", "dict": "раздел с вложенными ключами «ключ: значение»",
    "model": "раздел с вложенными ключами «ключ: значение»", "list": "список", "date": "дата ГГГГ-ММ-ДД",
}


def _explain(error: dict, model: type[BaseModel]) -> str:
    loc = tuple(str(p) for p in error["loc"])
    key = ".".join(loc)
    kind = error["type"]
    if kind == "missing":
        about = _description(model, loc)
        return f"нет обязательного ключа «{key}»" + (f" ({about})" if about else "")
    if kind == "extra_forbidden":
        known = _known_keys(model, loc[:-1])
        near = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.5)
        if near:
            return f"неизвестный ключ «{key}» — может быть, «{'.'.join((*loc[:-1], near[0]))}»?"
        return f"неизвестный ключ «{key}»" + (f"; известные ключи: {', '.join(known)}" if known else "")
    family = kind.split("_")[0]
    expected = _EXPECTED.get(family, "другое значение")
    found = error.get("input")
    hint = ""
    if isinstance(found, dict) and family in ("string", "str", "path"):
        hint = " (значение с фигурными скобками возьмите в кавычки, например \"data/{month}.xlsx\")"
    return f"ключ «{key}»: ожидалось {expected}, указано {_found(found)}{hint}"


def _found(value: object) -> str:
    if value is None:
        return "пустое значение"
    if isinstance(value, dict):
        return "раздел с ключами " + ", ".join(f"«{k}»" for k in list(value)[:5])
    if isinstance(value, list):
        return f"список из {len(value)} элементов"
    return f"«{value}»"


def _unwrap(annotation: object) -> object:
    """`X | None` -> X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _node(model: type[BaseModel], loc: tuple[str, ...]) -> object:
    """The annotation at a key path of a model (dict keys are skipped), or None."""
    node: object = model
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = node.model_fields.get(part)
            if field is None:
                return None
            node = field.annotation
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        else:
            return None
    return _unwrap(node)


def _known_keys(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    node = _node(model, loc)
    return list(node.model_fields) if isinstance(node, type) and issubclass(node, BaseModel) else []


def _description(model: type[BaseModel], loc: tuple[str, ...]) -> str | None:
    parent = _node(model, loc[:-1])
    if isinstance(parent, type) and issubclass(parent, BaseModel) and loc[-1] in parent.model_fields:
        return parent.model_fields[loc[-1]].description
    return None


_YAML_PROBLEMS = {
    "mapping values are not allowed": "двоеточие в неожиданном месте (значение с двоеточием возьмите в кавычки)",
    "cannot start any token": "табуляция или знак, с которого не может начинаться значение (отступы — пробелами)",
    "could not find expected ':'": "после ключа нет двоеточия",
    "expected <block end>": "сбился отступ или значение с фигурными скобками не взято в кавычки",
    "expected ',' or '}'": "значение с фигурными скобками возьмите в кавычки, например \"data/{month}.xlsx\"",
    "found duplicate anchor": "повторяется якорь «&»",
    "found undefined alias": "ссылка «*» на неизвестный якорь",
    "while scanning a quoted scalar": "не закрыта кавычка",
}


def _python_yaml_error(text: str) -> yaml.YAMLError | None:
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return exc
    return None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML syntax error in Russian: where it is and what is wrong there."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"строка {mark.line + 1}, позиция {mark.column + 1}: " if mark is not None else ""
    text = " ".join(str(getattr(exc, k, "") or "") for k in ("context", "problem"))
    what = next((ru for en, ru in _YAML_PROBLEMS.items() if en in text), "ошибка разметки YAML")
    return f"{where}{what}"


def clinic_root(params_file: Path | str) -> Path:
    """The clinic's folder: the one holding `params/`, or the params file's own folder."""
    folder = Path(os.path.abspath(params_file)).parent  # not resolved: params/demo.yaml may be a symlink
    return folder.parent if folder.name == "params" else folder


def _check_pattern(path: Path, key: str, pattern: str | None) -> None:
    if pattern is None:
        return
    name, form, required = PLACEHOLDERS[key]
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError:
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: непарная фигурная скобка в «{pattern}»; "
                          f"можно только {{{name}}} ({form})") from None
    unknown = sorted(fields - {name})
    if unknown:
        near = difflib.get_close_matches(unknown[0], [name], n=1, cutoff=0.5)
        advice = f" — может быть, {{{name}}}?" if near else ""
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: неизвестная подстановка {{{unknown[0]}}} в «{pattern}»"
                          f"{advice}; можно только {{{name}}} ({form})")
    if required and name not in fields:
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: в пути «{pattern}» нет подстановки {{{name}}} "
                          f"({form}), а книга у каждого месяца своя; например \"data/{{{name}}}.xlsx\"")


def load_params(path: Path | str) -> ClinicParams:
    """Read a clinic's parameters file; relative paths are taken from the clinic's folder (the one
    holding `params/`), so commands work from any current directory."""
    path = Path(path)
    params = load_yaml_model(path, ClinicParams, "файл параметров")
    for key in PLACEHOLDERS:
        _check_pattern(path, key, getattr(params, key))
    root = clinic_root(path)
    return params.model_copy(
        update={
            "data_dir": root / params.data_dir,
            "workbook": str(root / params.workbook) if params.workbook else None,
            "outputs": root / params.outputs,
            "norms": str(root / params.norms) if params.norms else None,
            "nmo_workbook": root / params.nmo_workbook if params.nmo_workbook else None,
            "catalog_dir": root / params.catalog_dir if params.catalog_dir else None,
        }
    )


def check_outputs(params: ClinicParams, params_file: Path | str) -> None:
    """The outputs folder is a folder and can be written to; else one Russian message, before anything runs."""
    folder = params.outputs
    where = f"папка отчётов {folder} (ключ «outputs» в {params_file})"
    if folder.exists() and not folder.is_dir():
        raise ParamsError(f"{where} — это файл, а нужна папка")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".stomkpi-probe-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except NotADirectoryError:
        raise ParamsError(f"{where}: часть пути — файл, а не папка") from None
    except OSError as exc:
        raise ParamsError(f"{where}: нет прав на запись ({exc.strerror})") from None
