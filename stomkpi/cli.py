"""The command line: thin wrappers that parse arguments, call the library and print Russian messages.

Whatever a user types, the answer is Russian and never a traceback: an error in the input or the
parameters is one message (exit 2), a usage slip — a missing argument, an unknown option or command —
one line naming it and where the help is (exit 2). Help texts are Russian, typer's own headings too.
Typer's exceptions are recognised by their class names, so this holds whether typer uses the click
package or the copy of click it bundles.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from stomkpi.errors import ParamsError, StomkpiError
from stomkpi.run.speed import startup
from stomkpi.text import plural

PROG = "stomkpi"
HELP_OPTION_TEXT = "Показать эту справку и выйти."


class UsageProblem(StomkpiError):
    """A command line that cannot be run as typed."""


def _russian_help_headings() -> None:
    """Typer's rich help in Russian: its panel titles and notes are module constants."""
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich: the plain help has only the usage line in English
        return
    for name, text in {"ARGUMENTS_PANEL_TITLE": "Аргументы", "OPTIONS_PANEL_TITLE": "Параметры",
                       "COMMANDS_PANEL_TITLE": "Команды", "ERRORS_PANEL_TITLE": "Ошибка",
                       "DEFAULT_STRING": "[по умолчанию: {}]", "REQUIRED_LONG_STRING": "[обязательно]",
                       "ENVVAR_STRING": "[переменная окружения: {}]", "DEPRECATED_STRING": "(устарело) ",
                       "ABORTED_TEXT": "Прервано.",
                       "RICH_HELP": "Справка: [blue]'{command_path} {help_option}'[/]."}.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)


_russian_help_headings()


def _russian_usage(command, ctx, formatter) -> None:
    formatter.write_usage(ctx.command_path, " ".join(command.collect_usage_pieces(ctx)), prefix="Запуск: ")


def _russian_help(option):
    if option is not None:
        option.help = HELP_OPTION_TEXT
    return option


def _plain_flags(params: list) -> list:
    """A flag takes no value: its help line shows no type (typer would print «<bool>»)."""
    for param in params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    return params


class RussianCommand(TyperCommand):
    """A command whose help reads «Запуск: …», whose --help is described in Russian and whose flags show no type."""

    def format_usage(self, ctx, formatter) -> None:
        _russian_usage(self, ctx, formatter)

    def get_help_option(self, ctx):
        return _russian_help(super().get_help_option(ctx))

    def get_params(self, ctx) -> list:
        return _plain_flags(super().get_params(ctx))


class RussianGroup(TyperGroup):
    """The command group: Russian usage line and help option; a mistyped command gets the nearest one."""

    def format_usage(self, ctx, formatter) -> None:
        _russian_usage(self, ctx, formatter)

    def get_help_option(self, ctx):
        return _russian_help(super().get_help_option(ctx))

    def get_params(self, ctx) -> list:
        return _plain_flags(super().get_params(ctx))

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=1, cutoff=0.5)
            advice = f" — может быть, «{near[0]}»?" if near else f"; команды: {', '.join(self.list_commands(ctx))}."
            raise UsageProblem(f"нет команды «{name}»{advice} Справка: {PROG} --help")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=RussianGroup,
    add_completion=False,
    no_args_is_help=False,  # bare `stomkpi` is one line naming the commands, not the whole help
    help="Оценка результативности сотрудников стоматологической поликлиники, рейтинг отделений и учёт НМО.",
    pretty_exceptions_enable=False,
    options_metavar="[ПАРАМЕТРЫ]",
    subcommand_metavar="КОМАНДА [АРГУМЕНТЫ]...",
)


def command(**kwargs):
    return app.command(cls=RussianCommand, options_metavar="[ПАРАМЕТРЫ]", **kwargs)


CatalogOpt = Annotated[
    Path | None,
    typer.Option("--catalog", help="Папка с собственной копией каталога правил (YAML)."),
]


def _show_version(value: bool) -> None:
    if value:
        from stomkpi import __version__

        typer.echo(f"{PROG} {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Показать версию программы и выйти.", is_eager=True,
                                          callback=_show_version)] = False,
) -> None:
    """Оценка результативности сотрудников стоматологической поликлиники, рейтинг отделений и учёт НМО.

    Начните с «stomkpi init ПАПКА»: параметры поликлиники, папки и пустая книга текущего месяца.
    """
    if ctx.invoked_subcommand is None:
        raise UsageProblem(f"не указана команда ({', '.join(app_commands())}). Начало работы: {PROG} init ПАПКА. "
                           f"Справка: {PROG} --help")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one Russian message, never a traceback (usage and input errors: exit 2)."""
    argv = sys.argv[1:] if argv is None else argv
    startup.begin()
    try:
        code = app(args=argv, prog_name=PROG, standalone_mode=False)
    except StomkpiError as exc:
        _fail(str(exc), 2)
    except OSError as exc:
        _fail(_os_error(exc), 2)
    except Exception as exc:
        names = {c.__name__ for c in type(exc).__mro__}
        if "ClickException" in names:  # typer's usage errors, whichever click they come from
            _fail(_usage_message(exc, argv), getattr(exc, "exit_code", 2) or 2)
        if "Abort" in names:
            _fail("прервано.", 1)
        if os.environ.get("STOMKPI_TRACEBACK"):
            raise
        _fail(f"внутренняя ошибка программы ({type(exc).__name__}: {_one_line(str(exc))}). Сообщите разработчикам; "
              "подробности покажет запуск с переменной окружения STOMKPI_TRACEBACK=1", 1)
    raise SystemExit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int):
    print(f"Ошибка: {message}", file=sys.stderr)
    raise SystemExit(code) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


_OS_ERRORS = {
    errno.EACCES: "нет прав доступа", errno.EPERM: "нет прав доступа", errno.ENOENT: "нет такого файла или папки",
    errno.EISDIR: "это папка, а нужен файл", errno.ENOTDIR: "часть пути — файл, а не папка",
    errno.ENOSPC: "на диске нет места", errno.EROFS: "диск только для чтения", errno.EEXIST: "уже существует",
}


def _os_error(exc: OSError) -> str:
    what = _OS_ERRORS.get(exc.errno, f"ошибка чтения или записи ({exc.strerror or exc})")
    return f"{what}: {exc.filename}" if exc.filename else what


_TYPES = {int: "целое число", float: "число", Path: "путь к файлу или папке", str: "текст", bool: "да или нет"}
_CLICK_TYPES = {"integer": int, "float": float, "path": Path, "text": str, "boolean": bool}


def _usage_message(exc: Exception, argv: list[str]) -> str:
    """One Russian line for a usage error of typer/click: what is wrong and where the help is."""
    names = {c.__name__ for c in type(exc).__mro__}
    ctx = getattr(exc, "ctx", None)
    known = app_commands()
    sub = next((a for a in argv if a in known), None)
    path = getattr(ctx, "command_path", None) or (f"{PROG} {sub}" if sub else PROG)
    helps = f"Справка: {path} --help"
    message = str(getattr(exc, "message", "") or "")
    param = getattr(exc, "param", None)
    if "NoArgsIsHelpError" in names:
        return f"не указана команда ({', '.join(known)}). {helps}"
    if "MissingParameter" in names:
        return f"не указан {_param_words(param)}. {helps}"
    if "NoSuchOption" in names:
        option = getattr(exc, "option_name", "")
        near = sorted(getattr(exc, "possibilities", None) or [])
        advice = f" — может быть, {', '.join(near)}?" if near else "."
        return f"у команды «{path}» нет параметра {option}{advice} {helps}"
    if "BadOptionUsage" in names:
        option = getattr(exc, "option_name", "")
        if "does not take" in message:
            return f"параметр {option} пишется без значения. {helps}"
        return f"у параметра {option} не указано значение. {helps}"
    if "BadParameter" in names:
        typed = _typed_value(param, argv) or (m.group(1) if (m := re.search(r"'([^']*)'", message)) else None)
        value = f" «{typed}»" if typed is not None else ""
        return f"неверное значение{value}: {_param_words(param)} — {_expected(param)}. {helps}"
    extra = re.search(r"unexpected extra argument\S* \((.*)\)", message)
    if extra:
        return f"лишний аргумент: {extra.group(1)}. {helps}"
    return f"команда набрана неверно ({_one_line(message)}). {helps}"


def _typed_value(param, argv: list[str]) -> str | None:
    """The value typed for an option: `--year abc` or `--year=abc`."""
    for opt in getattr(param, "opts", None) or []:
        for i, arg in enumerate(argv):
            if arg == opt and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(f"{opt}="):
                return arg.split("=", 1)[1]
    return None


def _expected(param) -> str:
    kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if kind is None:  # click's parameters carry a type object with a name
        kind = _CLICK_TYPES.get(getattr(getattr(param, "type", None), "name", ""))
    return f"нужно {_TYPES[kind]}" if kind in _TYPES else "нужно другое значение"


def _param_words(param) -> str:
    """«параметр --month (месяц отчёта ГГГГ-ММ)» or «аргумент КНИГА (…)»."""
    if param is None:
        return "параметр"
    about = (getattr(param, "help", None) or "").rstrip(".")
    about = f" ({about[:1].lower()}{about[1:]})" if about else ""
    if getattr(param, "param_type_name", "") == "argument":
        return f"аргумент {getattr(param, 'metavar', None) or str(param.name).upper()}{about}"
    opts = getattr(param, "opts", None) or [param.name]
    return f"параметр {opts[0]}{about}"


def app_commands() -> list[str]:
    return [c.name or c.callback.__name__ for c in app.registered_commands]


def _output_file(path: Path | None, option: str, example: str) -> None:
    """An output file given on the command line is a file, not a folder."""
    if path is not None and path.is_dir():
        where = f"{option} {path}" if option else str(path)
        raise ParamsError(f"{where} — это папка, а нужен файл, например {path / example}")


def _typed(text: str | None, what: str) -> str | None:
    """Text typed on the command line, as files can hold it: bytes that are not UTF-8 (a terminal in another encoding)
    reach the program as lone surrogates, which no UTF-8 file, YAML or PDF can take."""
    if text is not None:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ParamsError(f"{what}: в тексте есть байты не в кодировке UTF-8 — наберите его заново "
                              "(терминал должен работать в UTF-8)") from None
    return text


APPROVER_LENGTH, APPROVER_WORD = 200, 60  # «ФИО, должность»; the longest word the PDF's stamp can still break


def _approver(by: str | None) -> str | None:
    """`--by` as the documents can print it: UTF-8, no word longer than the stamp's line can hyphenate, not a page."""
    words = (_typed(by, "параметр --by") or "").split()
    long = next((w for w in words if len(w) > APPROVER_WORD), None)
    if long is not None:
        raise ParamsError(f"параметр --by: слово «{long[:20]}…» длиннее {APPROVER_WORD} знаков ({len(long)}) — "
                          "напишите ФИО и должность словами через пробел")
    if len(" ".join(words)) > APPROVER_LENGTH:
        raise ParamsError(f"параметр --by: не больше {APPROVER_LENGTH} знаков, а указано {len(' '.join(words))} — "
                          "достаточно «ФИО, должность»")
    return by


def _reason(revision: str | None, ctx: typer.Context) -> None:
    """`--revision` followed by another option takes that option as its reason: refused, the reason is to be quoted."""
    if _typed(revision, "параметр --revision") is None:
        return
    options = {o for p in ctx.command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    if revision.split("=", 1)[0] in options:
        raise ParamsError(f"параметр --revision: причиной стало «{revision}» — это параметр команды, а не причина; "
                          "возьмите причину в кавычки: --revision \"исправлена книга месяца\"")


# ---------------------------------------------------------------- commands


@command()
def init(
    folder: Annotated[str, typer.Argument(metavar="ПАПКА", help="Папка новой поликлиники (создаётся, если её нет).")],
    clinic: Annotated[str | None, typer.Option("--clinic", help="Название поликлиники для отчётов.")] = None,
) -> None:
    """Завести поликлинику: файл параметров с пояснениями, папки книг и отчётов, пустая книга текущего месяца."""
    import datetime as dt

    from stomkpi.catalog import load_positions
    from stomkpi.clinic import init_clinic

    _typed(folder, "аргумент ПАПКА (папка поликлиники)")
    _typed(clinic, "параметр --clinic (название поликлиники)")
    today = dt.date.today()
    created = init_clinic(folder, today, load_positions(), clinic)
    typer.echo(created.next_steps())
    warning = unfinished_month(created.period, today, "книгу заполняйте по ходу месяца, а отчёт за него стройте, "
                                                      "когда месяц закончится")
    if warning:
        typer.echo(warning)


MONTHLY_EARLY = ("отчёт строится по данным на сегодня, а датирован последним днём месяца; когда месяц закончится, "
                 "постройте его заново")


def unfinished_month(period: str, today, then: str = MONTHLY_EARLY) -> str | None:
    """One Russian line when `period` (ГГГГ-ММ) is not over on `today` (before its last day), else None."""
    import calendar
    import datetime as dt

    from stomkpi.report.words import date_words, month_words

    year, month = map(int, period.split("-"))
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    if today >= last:
        return None
    return f"Внимание: {month_words(period)} ещё не закончился (последний день — {date_words(last)}): {then}."


@command()
def score(
    workbook: Annotated[Path, typer.Argument(metavar="КНИГА", help="Книга месяца (.xlsx) или папка с CSV-файлами листов.")],
    catalog: CatalogOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Куда записать баллы: файл .csv или .xlsx (по умолчанию — CSV на экран).")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Месяц ГГГГ-ММ, если его нет в имени файла.")] = None,
    norms: Annotated[Path | None, typer.Option(
        "--norms", help="Нормы года (YAML) для УКВ; по умолчанию norms-ГГГГ.yaml рядом с книгой, если есть.")] = None,
) -> None:
    """Посчитать баллы, процент выполнения и коэффициент выплат за месяц."""
    from stomkpi.pipeline import score_workbook

    _output_file(out, "--out", "баллы.csv")
    scored = score_workbook(workbook, period=_period(month), catalog_dir=catalog, norms_file=norms)
    _write(scored.scores.table, out, scored.catalog.criterion_names())


@command()
def template(
    file: Annotated[Path | None, typer.Argument(
        metavar="ФАЙЛ", help="Куда записать: книгу ГГГГ-ММ.xlsx (или norms-ГГГГ.yaml с --norms).")] = None,
    catalog: CatalogOpt = None,
    nmo: Annotated[bool, typer.Option("--nmo", help="Пустая книга НМО (сертификаты, обучение, портфолио).")] = False,
    norms: Annotated[int | None, typer.Option(
        "--norms", metavar="ГОД", help="Файл норм года с пояснением каждого ключа (по умолчанию norms-ГОД.yaml).")] = None,
) -> None:
    """Записать пустую книгу месяца (или книгу НМО: --nmo, файл норм года: --norms ГОД) с инструкцией."""
    from stomkpi.catalog import load_indicators, load_positions
    from stomkpi.template import write_nmo_template, write_norms_template, write_template

    if norms is not None:
        if nmo:
            raise ParamsError("укажите либо --nmo, либо --norms: это разные файлы")
        file = file or Path(f"norms-{norms}.yaml")
        _output_file(file, "", f"norms-{norms}.yaml")
        if file.suffix.lower() not in (".yaml", ".yml"):
            raise ParamsError(f"файл норм — .yaml, а указано «{file}»; например {file.with_suffix('.yaml')}")
        write_norms_template(file, norms, load_indicators(catalog))
        typer.echo(f"Шаблон норм {norms} года записан: {file} — впишите числа (пояснения в файле)")
        return
    if file is None:
        raise ParamsError("не указан аргумент ФАЙЛ: куда записать пустую книгу, например 2025-12.xlsx "
                          f"(файл норм года: {PROG} template --norms ГОД). Справка: {PROG} template --help")
    _output_file(file, "", "НМО.xlsx" if nmo else "2025-12.xlsx")
    if file.suffix.lower() != ".xlsx":
        raise ParamsError(f"пустая книга — файл .xlsx, а указано «{file}»; например {file.with_suffix('.xlsx')}")
    if nmo:
        write_nmo_template(file)
    else:
        write_template(file, load_positions(catalog))
    typer.echo(f"Шаблон записан: {file}")


@command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Argument(metavar="[ПАПКА]", help="Папка для данных (по умолчанию — data_dir из файла параметров демо)."),
    ] = None,
    params: Annotated[Path, typer.Option("--params", help="Файл параметров демо.")] = Path("params/demo.yaml"),
    seed: Annotated[int, typer.Option("--seed", help="Начальное значение генератора случайных чисел.")] = 2025,
    year: Annotated[int, typer.Option("--year", help="Год демонстрационных данных.")] = 2025,
    clinics: Annotated[int | None, typer.Option(
        "--clinics", min=1, help="Демо-регион из N поликлиник в ПАПКЕ (по умолчанию demo-region).")] = None,
) -> None:
    """Записать данные демонстрационной поликлиники: 12 книг месяцев за год, нормы года и книгу НМО (или регион: --clinics N)."""
    import shutil

    from tqdm import tqdm

    if clinics:
        from stomkpi.demo.region import write_region

        target = directory or Path("demo-region")
        with tqdm(total=clinics, desc="Демо-регион", unit="полкл", disable=None) as bar:
            files = write_region(target, clinics, seed=seed, year=year, progress=lambda _: bar.update())
        typer.echo(f"Демо-регион записан в {target}: поликлиник {len(files)}, параметры — {target / 'params'}")
        return
    from stomkpi.config import load_params
    from stomkpi.demo.clinic import DEMO_PARAMS, write_demo

    if not params.is_file():  # a fresh folder: start from the packaged demo parameters
        params.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_PARAMS, params)
        typer.echo(f"Записан файл параметров: {params}")
    target = directory or load_params(params).data_dir
    with tqdm(total=13, desc="Демо: книги", unit="книга", disable=None) as bar:
        paths = write_demo(target, seed=seed, year=year, progress=lambda _: bar.update())
    typer.echo(f"Демо записано в {target}: {plural(len(paths), 'файл', 'файла', 'файлов')} "
               f"({', '.join(p.name for p in paths[::6])} …)")


def _period(month: str | None) -> str | None:
    if month is None:
        return None
    from stomkpi.month import period_from_name

    if period_from_name(month) != month:
        raise ParamsError(f"месяц «{month}» нужно указать как ГГГГ-ММ, например 2025-12")
    return month


def _write(frame, out: Path | None, criterion_names: dict[str, str] | None = None) -> None:
    """A table to a file (.csv for machines, .xlsx for people), or as CSV to the screen."""
    if out is None:
        from stomkpi.safe import formula_safe

        formula_safe(frame).to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    from stomkpi.report.files import write_table

    try:
        write_table(frame, out, criterion_names)
    except OSError as exc:
        raise ParamsError(f"не удалось записать {out}: {_os_error(OSError(exc.errno, exc.strerror))}") from None
    typer.echo(f"Записано: {out} ({plural(len(frame), 'строка', 'строки', 'строк')})", err=True)


def _date(text: str):
    """`--on`'s date, or one Russian line."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ParamsError(f"дату «{text}» нужно указать как ГГГГ-ММ-ДД, например 2025-12-31") from None


@command()
def nmo(
    workbook: Annotated[Path, typer.Argument(
        metavar="КНИГА_НМО", help="Книга НМО (.xlsx): листы Сотрудники, Сертификаты, Обучение.")],
    on: Annotated[str, typer.Option("--on", help="Дата отчёта ГГГГ-ММ-ДД.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Куда записать состояние планов: .csv или .xlsx (по умолчанию — CSV на экран).")] = None,
    years: Annotated[Path | None, typer.Option("--years", help="Куда записать таблицу по годам цикла: .csv или .xlsx.")] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Состояние баллов НМО каждого сотрудника по каждой специальности на дату."""
    from stomkpi.catalog import load_nmo_rules
    from stomkpi.nmo import status, yearly
    from stomkpi.nmo_inputs import read_nmo

    _output_file(out, "--out", "нмо.csv")
    _output_file(years, "--years", "нмо-по-годам.csv")
    day = _date(on)
    rules = load_nmo_rules(catalog)
    records = read_nmo(workbook, rules, day)
    table = status(records, rules, day)
    if years is not None:
        _write(yearly(records, rules, day), years)
    _write(table, out)


@command()
def accreditation(
    workbook: Annotated[Path, typer.Argument(
        metavar="КНИГА_НМО", help="Книга НМО (.xlsx): Сертификаты, Обучение; Аттестация, Отчёты, Подача — по желанию.")],
    on: Annotated[str, typer.Option("--on", help="Дата ГГГГ-ММ-ДД.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Куда записать: .xlsx (для печати, с календарём) или .csv (для программ).")] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Готовность к периодической аккредитации: сроки, окно подачи, последний безопасный день, что сделать."""

    from stomkpi.report.accreditation_xlsx import accreditation_files

    _output_file(out, "--out", "аккредитация.xlsx")
    day = _date(on)
    for line in accreditation_files(workbook, day, out, catalog):
        typer.echo(line)


@command()
def rating(
    year: Annotated[int, typer.Option("--year", help="Год рейтинга.")],
    data: Annotated[Path | None, typer.Option("--data", help="Папка с книгами ГГГГ-ММ.xlsx (иначе из параметров).")] = None,
    norms: Annotated[Path | None, typer.Option("--norms", help="Нормы года (иначе norms-ГГГГ.yaml в папке данных).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Итоги по подразделениям: .csv или .xlsx (по умолчанию — CSV на экран).")] = None,
    detail: Annotated[Path | None, typer.Option("--detail", help="Баллы по каждому показателю: .csv или .xlsx.")] = None,
    params: Annotated[Path, typer.Option("--params", help="Файл параметров.")] = Path("params/demo.yaml"),
    catalog: CatalogOpt = None,
) -> None:
    """Рейтинг поликлиники и отделений по шкале 0–4 за кварталы и год."""
    from tqdm import tqdm

    from stomkpi.config import load_params
    from stomkpi.pipeline import rating_for_year

    _output_file(out, "--out", "рейтинг.csv")
    _output_file(detail, "--detail", "рейтинг-показатели.csv")
    folder = data or load_params(params).data_dir
    books = sorted(folder.glob(f"{year}-[01][0-9].xlsx"))
    if not books:
        raise ParamsError(f"в папке {folder} нет книг месяцев {year}-ММ.xlsx")
    with tqdm(total=len(books), desc="Рейтинг: книги месяцев", unit="мес", disable=None) as bar:
        result = rating_for_year(books, norms or folder / f"norms-{year}.yaml", catalog, progress=lambda _: bar.update())
    if detail is not None:
        _write(result.detail, detail)
    _write(result.summary, out)


ParamsOpt = Annotated[Path, typer.Option("--params", help="Файл параметров поликлиники (YAML).")]


@command()
def monthly(
    ctx: typer.Context,
    month: Annotated[str | None, typer.Option("--month", help="Месяц отчёта ГГГГ-ММ.")] = None,
    params: Annotated[list[Path] | None, typer.Option(
        "--params", help="Файл параметров поликлиники (YAML); несколько раз — несколько поликлиник.")] = None,
    months: Annotated[str | None, typer.Option("--months", help="Месяцы ГГГГ-ММ..ГГГГ-ММ: отчёты параллельно.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Рабочих процессов (по умолчанию — ядер).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Адрес планировщика Dask (tcp://host:8786): отчёты на кластере.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
    revision: Annotated[str | None, typer.Option(
        "--revision", help="Причина новой редакции утверждённого месяца (утверждённый отчёт не меняется).")] = None,
) -> None:
    """Ежемесячный отчёт: блокнот, HTML, PDF, протоколы и баллы (.xlsx, CSV) и манифест в outputs/ГГГГ-ММ/.

    С --months или несколькими --params — пакет отчётов параллельно (outputs/<поликлиника>/ГГГГ-ММ/)."""
    _reason(revision, ctx)
    files = params or [Path("params/demo.yaml")]
    if month and months:
        raise ParamsError("укажите либо --month, либо --months")
    if not (months or len(files) > 1 or workers or scheduler):
        if not month:
            raise ParamsError("не указан параметр --month ГГГГ-ММ (или --months ГГГГ-ММ..ГГГГ-ММ для нескольких месяцев)")
        import datetime as dt

        from stomkpi.run.commands import monthly_report
        from stomkpi.run.speed.runtime import Runtime

        warning = unfinished_month(_period(month), dt.date.today())
        if warning:
            typer.echo(warning, err=True)
        _print_result(monthly_report(_period(month), files[0], progress=not quiet, revision=revision,
                                     runtime=Runtime()))
        return
    if revision:
        raise ParamsError("--revision — для одного месяца одной поликлиники (--month и один --params)")
    import datetime as dt
    import time

    from stomkpi.run import batch

    if scheduler is not None:
        batch.check_scheduler(scheduler)
    plan = batch.plan(batch.parse_months(months or month or ""), files)
    start = time.perf_counter()
    outcomes, where = batch.run_batch(plan.jobs, workers=workers, scheduler=scheduler, progress=not quiet)
    outcomes = sorted(outcomes + plan.settled, key=lambda o: (o.job.clinic, o.job.period))
    typer.echo(batch.summary(outcomes, time.perf_counter() - start, where))
    today = dt.date.today()
    for line in batch.warnings(outcomes, lambda period: unfinished_month(period, today)):
        typer.echo(line, err=True)
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


@command()
def approve(
    month: Annotated[str, typer.Option("--month", help="Месяц отчёта ГГГГ-ММ.")],
    params: ParamsOpt = Path("params/demo.yaml"),
    by: Annotated[str | None, typer.Option("--by", help="Кто утверждает: «ФИО, должность».")] = None,
) -> None:
    """Утвердить текущую редакцию отчёта за месяц: запись кто и когда, «Утверждено» в PDF, HTML и протоколах."""
    from stomkpi.config import load_params
    from stomkpi.revisions.approval import approval_words
    from stomkpi.run.approve import approve as approve_report

    by = _approver(by)
    rev, record = approve_report(load_params(params).outputs, _period(month), by)
    typer.echo(f"Редакция {rev.number} отчёта за {month} {approval_words(record)}: {rev.folder}")
    typer.echo(f"  контрольная сумма манифеста (SHA-256): {record['manifest_sha256']}")
    typer.echo(f"  перевыпущены с отметкой «Утверждено»: {', '.join(record['stamped'])}; папка только для чтения")


@command()
def payroll(
    month: Annotated[str, typer.Option("--month", help="Месяц ГГГГ-ММ.")],
    params: ParamsOpt = Path("params/demo.yaml"),
    out: Annotated[Path | None, typer.Option(
        "--out", help="Куда записать файл для 1С (по умолчанию payroll-ГГГГ-ММ.csv в текущей папке).")] = None,
) -> None:
    """Разделить фонд стимулирующих выплат месяца (лист «Фонд»): итоги по группам и CSV для 1С, без отчёта."""
    from stomkpi.report.payroll_report import totals_lines
    from stomkpi.run.commands import quick_payroll

    _output_file(out, "--out", "payroll.csv")
    fund, totals, written = quick_payroll(_period(month), params, out)
    typer.echo("\n".join(totals_lines(fund, totals, written)))


@command(name="diff")
def diff_command(
    month: Annotated[str, typer.Option("--month", help="Месяц отчёта ГГГГ-ММ.")],
    params: ParamsOpt = Path("params/demo.yaml"),
    old: Annotated[int | None, typer.Option(
        "--old", help="Номер прежней редакции (по умолчанию — утверждённая, которую заменила новая).")] = None,
    new: Annotated[int | None, typer.Option("--new", help="Номер новой редакции (по умолчанию — последняя).")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Записать изменения ещё и в книгу .xlsx.")] = None,
) -> None:
    """Что изменилось между редакциями отчёта за месяц: входные данные по ячейкам и сотрудники по баллам."""
    from stomkpi.run.commands import month_changes

    changes = month_changes(_period(month), params, old, new)
    for line in changes.lines():
        typer.echo(line)
    if xlsx is not None:
        changes.write_xlsx(xlsx)
        typer.echo(f"Записано: {xlsx}", err=True)


@command()
def annual(
    year: Annotated[int, typer.Option("--year", help="Год отчёта.")],
    params: ParamsOpt = Path("params/demo.yaml"),
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
) -> None:
    """Годовой отчёт: динамика, рейтинг 0–4, качество, НМО — в outputs/ГГГГ/."""
    from stomkpi.run.commands import annual_report
    from stomkpi.run.speed.runtime import Runtime

    _print_result(annual_report(year, params, progress=not quiet, runtime=Runtime()))


@command()
def region(
    year: Annotated[int, typer.Option("--year", help="Год сводного отчёта.")],
    params: Annotated[list[Path], typer.Option("--params", help="Файл параметров поликлиники; по одному на поликлинику.")],
    out: Annotated[Path | None, typer.Option("--out", help="Папка отчёта (по умолчанию outputs/region/ГГГГ).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
) -> None:
    """Сводный отчёт региона: подразделения поликлиник по шкале 0–4, фонды, НМО, лучшие показатели региона."""
    from stomkpi.run.commands import regional_report
    from stomkpi.run.speed.runtime import Runtime

    _print_result(regional_report(year, params, out, progress=not quiet, runtime=Runtime()))


@command(name="verify")
def verify_command(
    notebook: Annotated[Path, typer.Argument(metavar="БЛОКНОТ", help="Выполненный блокнот отчёта (.ipynb) из outputs/.")],
) -> None:
    """Проверить, что отчёт воспроизводится: те же входные файлы и те же результаты каждой ячейки."""
    from stomkpi.run.verify import verify

    if not notebook.is_file():
        raise ParamsError(f"нет файла блокнота {notebook}: укажите выполненный блокнот отчёта, например "
                          "outputs/2025-12/2025-12.ipynb")
    result = verify(notebook)
    for line in result.messages:
        typer.echo(f"  {line}")
    if result.ok:
        typer.echo("Совпадает: отчёт воспроизводится.")
    else:
        typer.echo("Не совпадает.", err=True)
        raise SystemExit(1)


def _print_result(result) -> None:
    typer.echo(f"Отчёт готов: {result.folder}")
    for path in result.files:
        typer.echo(f"  {path.name}")
    for line in result.warnings:
        typer.echo(f"Внимание: {line}", err=True)
