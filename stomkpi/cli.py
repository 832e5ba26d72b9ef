"""The command line: thin wrappers that parse arguments, call the library and print Russian errors."""


import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import StomkpiError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Оценка результативности сотрудников, рейтинг отделений и учёт НМО.",
    pretty_exceptions_enable=False,
)

CatalogOpt = Annotated[
    Path | None,
    typer.Option("--catalog", help="Папка с собственной копией каталога правил (YAML)."),
]


def main() -> None:
    """Entry point: user errors become a Russian message and exit status 2, never a traceback."""
    try:
        app(standalone_mode=False)
    except StomkpiError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except typer.Abort:
        raise SystemExit(1) from None
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        raise


@app.command()
def score(
    workbook: Annotated[Path, typer.Argument(help="Книга месяца (.xlsx) или папка с CSV-файлами листов.")],
    catalog: CatalogOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Куда записать CSV (по умолчанию — на экран).")] = None,
    month: Annotated[str | None, typer.Option("--month", help="Месяц ГГГГ-ММ, если его нет в имени файла.")] = None,
    norms: Annotated[Path | None, typer.Option(
        "--norms", help="Нормы года (YAML) для УКВ; по умолчанию norms-ГГГГ.yaml рядом с книгой, если есть.")] = None,
) -> None:
    """Посчитать баллы, процент выполнения и коэффициент выплат за месяц."""
    from .pipeline import score_workbook

    scored = score_workbook(workbook, period=_period(month), catalog_dir=catalog, norms_file=norms)
    _write_csv(scored.scores.table, out)


@app.command()
def template(
    file: Annotated[Path, typer.Argument(help="Куда записать пустую книгу (.xlsx).")],
    catalog: CatalogOpt = None,
) -> None:
    """Записать пустую книгу месяца с листом-инструкцией."""
    from .catalog import load_positions
    from .template import write_template

    write_template(file, load_positions(catalog))
    typer.echo(f"Шаблон записан: {file}")


@app.command()
def demo(
    directory: Annotated[
        Path | None, typer.Argument(help="Папка для данных (по умолчанию — из params/demo.yaml).")
    ] = None,
    params: Annotated[Path, typer.Option("--params", help="Файл параметров демо.")] = Path("params/demo.yaml"),
    clinics: Annotated[int | None, typer.Option(
        "--clinics", min=1, help="Демо-регион из N поликлиник в папке DIR (по умолчанию demo-region).")] = None,
) -> None:
    """Записать данные демонстрационной поликлиники: 12 книг месяцев за год и книгу НМО (или регион: --clinics N)."""
    import shutil

    from tqdm import tqdm

    if clinics:
        from .demo_region import write_region

        target = directory or Path("demo-region")
        with tqdm(total=clinics, desc="Демо-регион", unit="полкл", disable=None) as bar:
            files = write_region(target, clinics, progress=lambda _: bar.update())
        typer.echo(f"Демо-регион записан в {target}: поликлиник {len(files)}, параметры — {target / 'params'}")
        return
    from .config import load_params
    from .demo import DEMO_PARAMS, write_demo

    if not params.is_file():  # a fresh folder: start from the packaged demo parameters
        params.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_PARAMS, params)
        typer.echo(f"Записан файл параметров: {params}")
    settings = load_params(params)
    target = directory or settings.data_dir
    with tqdm(total=13, desc="Демо: книги", unit="книга", disable=None) as bar:
        paths = write_demo(target, seed=settings.seed, year=settings.year, progress=lambda _: bar.update())
    typer.echo(f"Демо записано в {target}: {len(paths)} книг ({', '.join(p.name for p in paths[::6])} …)")


def _period(month: str | None) -> str | None:
    if month is None:
        return None
    from .month import period_from_name

    if period_from_name(month) != month:
        from .errors import ParamsError

        raise ParamsError(f"месяц «{month}» нужно указать как ГГГГ-ММ, например 2025-12")
    return month


def _write_csv(frame, out: Path | None) -> None:
    """CSV with English snake_case headers; written whole to a temporary file, then moved into place."""
    if out is None:
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    frame.to_csv(tmp, index=False, lineterminator="\n")
    tmp.replace(out)
    typer.echo(f"Записано: {out} ({len(frame)} строк)", err=True)


@app.command()
def nmo(
    workbook: Annotated[Path, typer.Argument(help="Книга НМО (.xlsx): листы Сотрудники, Сертификаты, Обучение.")],
    on: Annotated[str, typer.Option("--on", help="Дата отчёта ГГГГ-ММ-ДД.")],
    out: Annotated[Path | None, typer.Option("--out", help="Куда записать CSV (по умолчанию — на экран).")] = None,
    years: Annotated[Path | None, typer.Option("--years", help="Куда записать таблицу по годам цикла (CSV).")] = None,
    catalog: CatalogOpt = None,
) -> None:
    """Состояние баллов НМО каждого сотрудника по каждой специальности на дату."""
    import datetime as dt

    from .catalog import load_nmo_rules
    from .errors import ParamsError
    from .nmo import status, yearly
    from .nmo_inputs import read_nmo

    try:
        day = dt.date.fromisoformat(on)
    except ValueError:
        raise ParamsError(f"дату «{on}» нужно указать как ГГГГ-ММ-ДД, например 2025-12-31") from None
    rules = load_nmo_rules(catalog)
    records = read_nmo(workbook, rules, day)
    table = status(records, rules, day)
    if years is not None:
        _write_csv(yearly(records, rules, day), years)
    _write_csv(table, out)


@app.command()
def rating(
    year: Annotated[int, typer.Option("--year", help="Год рейтинга.")],
    data: Annotated[Path | None, typer.Option("--data", help="Папка с книгами ГГГГ-ММ.xlsx (иначе из параметров).")] = None,
    norms: Annotated[Path | None, typer.Option("--norms", help="Нормы года (иначе norms-ГГГГ.yaml в папке данных).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Итоги по подразделениям (CSV; по умолчанию — на экран).")] = None,
    detail: Annotated[Path | None, typer.Option("--detail", help="Баллы по каждому показателю (CSV).")] = None,
    params: Annotated[Path, typer.Option("--params", help="Файл параметров.")] = Path("params/demo.yaml"),
    catalog: CatalogOpt = None,
) -> None:
    """Рейтинг поликлиники и отделений по шкале 0–4 за кварталы и год."""
    from tqdm import tqdm

    from .config import load_params
    from .errors import ParamsError
    from .pipeline import rating_for_year

    folder = data or load_params(params).data_dir
    books = sorted(folder.glob(f"{year}-[01][0-9].xlsx"))
    if not books:
        raise ParamsError(f"в папке {folder} нет книг месяцев {year}-ММ.xlsx")
    with tqdm(total=len(books), desc="Рейтинг: книги месяцев", unit="мес", disable=None) as bar:
        result = rating_for_year(books, norms or folder / f"norms-{year}.yaml", catalog, progress=lambda _: bar.update())
    if detail is not None:
        _write_csv(result.detail, detail)
    _write_csv(result.summary, out)


ParamsOpt = Annotated[Path, typer.Option("--params", help="Файл параметров поликлиники (YAML).")]


@app.command()
def monthly(
    month: Annotated[str | None, typer.Option("--month", help="Месяц отчёта ГГГГ-ММ.")] = None,
    params: Annotated[list[Path] | None, typer.Option(
        "--params", help="Файл параметров поликлиники (YAML); несколько раз — несколько поликлиник.")] = None,
    months: Annotated[str | None, typer.Option("--months", help="Месяцы ГГГГ-ММ..ГГГГ-ММ: отчёты параллельно.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Рабочих процессов (по умолчанию — ядер).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Адрес планировщика Dask (tcp://host:8786): отчёты на кластере.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
) -> None:
    """Ежемесячный отчёт: блокнот, HTML, PDF, протоколы (.xlsx), баллы (CSV) и манифест в outputs/ГГГГ-ММ/.

    С --months или несколькими --params — пакет отчётов параллельно (outputs/<поликлиника>/ГГГГ-ММ/)."""
    files = params or [Path("params/demo.yaml")]
    if month and months:
        from .errors import ParamsError

        raise ParamsError("укажите либо --month, либо --months")
    if not (months or len(files) > 1 or workers or scheduler):
        if not month:
            raise typer.BadParameter("укажите --month ГГГГ-ММ или --months ГГГГ-ММ..ГГГГ-ММ", param_hint="--month")
        from .report.commands import monthly_report

        _print_result(monthly_report(_period(month), files[0], progress=not quiet))
        return
    import time

    from .report import batch

    plan = batch.plan(batch.parse_months(months or month or ""), files)
    start = time.perf_counter()
    outcomes, where = batch.run_batch(plan.jobs, workers=workers, scheduler=scheduler, progress=not quiet)
    outcomes = sorted(outcomes + plan.settled, key=lambda o: (o.job.clinic, o.job.period))
    typer.echo(batch.summary(outcomes, time.perf_counter() - start, where))
    if any(o.status == "failed" for o in outcomes):
        raise SystemExit(1)


@app.command()
def annual(
    year: Annotated[int, typer.Option("--year", help="Год отчёта.")],
    params: ParamsOpt = Path("params/demo.yaml"),
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
) -> None:
    """Годовой отчёт: динамика, рейтинг 0–4, качество, НМО — в outputs/ГГГГ/."""
    from .report.commands import annual_report

    _print_result(annual_report(year, params, progress=not quiet))


@app.command()
def region(
    year: Annotated[int, typer.Option("--year", help="Год сводного отчёта.")],
    params: Annotated[list[Path], typer.Option("--params", help="Файл параметров поликлиники; по одному на поликлинику.")],
    out: Annotated[Path | None, typer.Option("--out", help="Папка отчёта (по умолчанию outputs/region/ГГГГ).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Не показывать ход выполнения.")] = False,
) -> None:
    """Сводный отчёт региона: подразделения поликлиник по шкале 0–4, фонды, НМО, лучшие показатели региона."""
    from .report.commands import regional_report

    _print_result(regional_report(year, params, out, progress=not quiet))


@app.command(name="verify")
def verify_command(
    notebook: Annotated[Path, typer.Argument(help="Выполненный блокнот отчёта (.ipynb) из outputs/.")],
) -> None:
    """Проверить, что отчёт воспроизводится: те же входные файлы и те же результаты каждой ячейки."""
    from .report.verify import verify

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
