"""Run parameters from `params/*.yaml`: the clinic's name and where its files are. Never rules.

Every problem in a parameters or norms file is one Russian message naming the file and the key:
what was expected, what was found (a value shown at most `SHOWN` characters long, the file's own text
never), and for a mistyped key the nearest known one; a key given twice is an error, not the last one
silently. A file saved by Windows Notepad in Windows-1251 is read as well as one in UTF-8 (the choice
is stated in README); one in UTF-16 is named as such. Files are read as `bounded` allows.
"""

from __future__ import annotations

import difflib
import os
import re
import string
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stomkpi import bounded
from stomkpi.errors import ParamsError

# libyaml's safe loader where PyYAML was built with it: the same documents, read about eight times faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SHOWN = 80  # the longest value a message quotes whole; a longer one is cut, with «…»
MAX_LISTED = 10  # problems of a file listed one by one: more mean another file than a parameters file was named


class DuplicateKey(yaml.YAMLError):
    """A key written twice in one section of a YAML file (YAML itself keeps the last one without a word)."""

    def __init__(self, key: object, lines: tuple[int, int]):
        super().__init__(f"ключ «{shown(key)}» повторяется (строки {lines[0]} и {lines[1]}): оставьте один")


class _UniqueKeyLoader(SAFE_LOADER):
    """The safe loader, refusing a key written twice in one mapping (merge keys «<<» aside)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise DuplicateKey(key, (seen[key], line))
                    seen[key] = line
                except TypeError:  # an unhashable key: the constructor below says so
                    continue
        return super().construct_mapping(node, deep=deep)


def shown(value: object, limit: int = SHOWN) -> str:
    """A value as a message quotes it: at most `limit` characters, one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PayrollParams(BaseModel):
    """How the month's «Фонд» is shared (SPEC §11): by coefficient or by points, with an optional cap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["coefficient", "points"] = Field(
        "coefficient", description="способ распределения фонда: coefficient — по коэффициентам, points — по баллам "
                                   "(стоимость балла)")
    cap_percent_of_salary: Decimal | None = Field(
        None, gt=0, le=1000, description="предел выплаты в процентах оклада (столбец «Оклад» листа «Сотрудники»)")


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
    payroll: PayrollParams = Field(default_factory=PayrollParams,
                                   description="распределение фонда стимулирующих выплат (лист «Фонд»)")

    def month_workbook(self, period: str) -> Path:
        """The workbook of a month `YYYY-MM`."""
        pattern = self.workbook or str(Path(literal(self.data_dir)) / "{month}.xlsx")
        return Path(pattern.format(month=period))

    def norms_file(self, year: int | str) -> Path:
        """Where the year's norms are expected (the file may not exist: the norms are optional)."""
        pattern = self.norms or str(Path(literal(self.data_dir)) / "norms-{year}.yaml")
        return Path(pattern.format(year=year))

    def existing_norms(self, year: int | str) -> Path | None:
        """The year's norms file when it exists; one Russian line when something else than a readable file is there
        (a folder, a FIFO, a file over the limit), for the norms are then neither read nor silently left out."""
        path = self.norms_file(year)
        if not bounded.is_present(path):
            return None
        where = "ключ «norms»" if self.norms else "norms-ГГГГ.yaml в папке из ключа «data_dir»"
        bounded.check_file(path, f"файл норм ({where} файла параметров)", bounded.YAML_LIMIT)
        return path


def literal(path: Path | str) -> str:
    """A folder's path as it stands inside a path pattern: its own braces are not placeholders."""
    return str(path).replace("{", "{{").replace("}", "}}")


# The placeholders each path pattern may hold.
PLACEHOLDERS = {"workbook": ("month", "ГГГГ-ММ", True), "norms": ("year", "ГГГГ", False)}

M = TypeVar("M", bound=BaseModel)


def read_text(path: Path, what: str) -> str:
    """A text file people edit by hand: UTF-8 (with or without BOM) or, failing that, Windows-1251; a regular
    file of at most `bounded.YAML_LIMIT` bytes."""
    try:
        data = bounded.read_bytes(path, what, bounded.YAML_LIMIT)
    except bounded.UnreadableFile as exc:
        raise ParamsError(str(exc)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        kind = "в кодировке UTF-16 (Юникод)" if _utf16(data) else "не текстом: в нём нулевые байты"
        raise ParamsError(f"{what} {path} сохранён {kind}: откройте его в Блокноте и сохраните в кодировке UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ParamsError(f"{what} {path} сохранён не в UTF-8 и не в Windows-1251: сохраните его в кодировке UTF-8") from None


def _utf16(data: bytes) -> bool:
    """A UTF-16 text: a byte order mark, or a zero byte beside most letters of a Latin or Cyrillic text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    head = data[:4096]
    return head.count(b"\x00") * 3 >= len(head)


def load_yaml_model(path: Path | str, model: type[M], what: str) -> M:
    """A YAML file validated by a pydantic model; a Russian `ParamsError` names the file and the keys."""
    path = Path(path)
    text = read_text(path, what)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except DuplicateKey as exc:
        raise ParamsError(f"{what} {path}: {exc}") from None
    except yaml.YAMLError as exc:
        # libyaml words its errors otherwise: the pure-Python parser's words are the ones translated
        raise ParamsError(f"{what} {path}: {_yaml_problem(_python_yaml_error(text) or exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):  # what is there is not quoted: the file may be anything (/etc/passwd)
        raise ParamsError(f"{what} {path}: ожидались строки вида «ключ: значение», а найдено {_kind_found(data)}: "
                          "это не тот файл?")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_explain(e, model) for e in exc.errors()]
        if len(problems) == 1:
            raise ParamsError(f"{what} {path}: {problems[0]}") from None
        more = [f"  … и ещё {len(problems) - MAX_LISTED}: это тот файл?"] if len(problems) > MAX_LISTED else []
        raise ParamsError(f"{what} {path}:\n" + "\n".join(
            [*(f"  {i}. {p}" for i, p in enumerate(problems[:MAX_LISTED], 1)), *more])) from None


_EXPECTED = {
    "int": "целое число", "float": "число", "decimal": "число", "string": "текст", "str": "текст",
    "path": "путь к файлу или папке",
    "bool": "да или нет (true / false)", "dict": "раздел с вложенными ключами «ключ: значение»",
    "model": "раздел с вложенными ключами «ключ: значение»", "list": "список", "date": "дата ГГГГ-ММ-ДД",
}


def _explain(error: dict, model: type[BaseModel]) -> str:
    loc = tuple(shown(p) for p in error["loc"])
    key = shown(".".join(loc))
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
    limits = error.get("ctx", {})
    if kind == "literal_error":
        expected = f"одно из: {limits.get('expected', '')}".replace("' or '", "', '")
    elif kind in _LIMITS:
        expected = f"число {_LIMITS[kind]} {next(iter(limits.values()), '')}"
    found = error.get("input")
    hint = ""
    if isinstance(found, dict) and family in ("string", "str", "path"):
        hint = " (значение с фигурными скобками возьмите в кавычки, например \"data/{month}.xlsx\")"
    return f"ключ «{key}»: ожидалось {expected}, указано {_found(found)}{hint}"


_LIMITS = {"greater_than": "больше", "greater_than_equal": "не меньше", "less_than": "меньше",
           "less_than_equal": "не больше"}


def _found(value: object) -> str:
    if value is None:
        return "пустое значение"
    if isinstance(value, dict):
        return "раздел с ключами " + ", ".join(f"«{shown(k)}»" for k in list(value)[:5])
    if isinstance(value, list):
        return f"список из {len(value)} элементов"
    return f"«{shown(value)}»"


def _kind_found(value: object) -> str:
    """What a whole YAML document is, without its content."""
    if isinstance(value, list):
        return f"список из {len(value)} элементов"
    if isinstance(value, str):
        return f"текст ({len(value)} знаков) без «ключ: значение»"
    return "одно значение"


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


def clinic_name(params_file: Path | str) -> str:
    """The clinic's folder name in outputs: its parameters file's name without `.yaml`, made safe for a folder."""
    stem = Path(params_file).name.removesuffix(".yaml").removesuffix(".yml")
    return re.sub(r"[^\w.-]+", "-", stem, flags=re.UNICODE).strip("-.") or "clinic"


def _check_pattern(path: Path, key: str, pattern: str | None) -> None:
    if pattern is None:
        return
    name, form, required = PLACEHOLDERS[key]
    try:
        parts = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(pattern) if f is not None]
    except ValueError:
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: непарная фигурная скобка в «{shown(pattern)}»; "
                          f"можно только {{{name}}} ({form})") from None
    fields = {f for f, _, _ in parts}
    unknown = sorted(fields - {name})
    if unknown:
        near = difflib.get_close_matches(unknown[0], [name], n=1, cutoff=0.5)
        advice = f" — может быть, {{{name}}}?" if near else ""
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: неизвестная подстановка {{{shown(unknown[0])}}} в "
                          f"«{shown(pattern)}»{advice}; можно только {{{name}}} ({form})")
    if any(spec or conv for _, spec, conv in parts):  # «{month:>999999999999}» would be a string of a trillion spaces
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: подстановка с форматом в «{shown(pattern)}»; "
                          f"можно только {{{name}}} ({form}), без двоеточия и «!» внутри скобок")
    if required and name not in fields:
        raise ParamsError(f"файл параметров {path}: ключ «{key}»: в пути «{shown(pattern)}» нет подстановки {{{name}}} "
                          f"({form}), а книга у каждого месяца своя; например \"data/{{{name}}}.xlsx\"")


def load_params(path: Path | str, root: Path | None = None) -> ClinicParams:
    """Read a clinic's parameters file; relative paths are taken from the clinic's folder (the one
    holding `params/`, or `root` for a copy kept elsewhere), so commands work from any current directory."""
    path = Path(path)
    params = load_yaml_model(path, ClinicParams, "файл параметров")
    for key in PLACEHOLDERS:
        _check_pattern(path, key, getattr(params, key))
    root = Path(root) if root is not None else clinic_root(path)
    patterns = Path(literal(root))  # the clinic's folder may have braces of its own: they are no placeholders
    return params.model_copy(
        update={
            "data_dir": root / params.data_dir,
            "workbook": str(patterns / params.workbook) if params.workbook else None,
            "outputs": root / params.outputs,
            "norms": str(patterns / params.norms) if params.norms else None,
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
