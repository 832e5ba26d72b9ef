"""A new clinic's folder (`stomkpi init`): the parameters file with every key explained in Russian,
the folders for monthly books and reports, a blank book for the current month, the year's norms to fill (under a name
no report reads until it is filled and renamed) and what to do next.

The date is a parameter (the command line passes today's); nothing here reads the clock. All or nothing: an
`init` that fails removes what it made, so that it can simply be run again; an empty folder name is refused (it
would be the current folder).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from stomkpi.catalog import PositionCatalog
from stomkpi.errors import ParamsError

PARAMS_FILE = Path("params") / "clinic.yaml"
DATA_DIR = "data"
OUTPUTS = "outputs"


def params_text(clinic: str) -> str:
    """The parameters file of a new clinic: every key, each with a comment in Russian."""
    name = json.dumps(clinic, ensure_ascii=False)  # a JSON string is a valid double-quoted YAML scalar
    return f"""\
# Параметры поликлиники для stomkpi: название и где лежат её файлы. Правил оценки здесь нет.
# Пути — относительно папки поликлиники (той, в которой лежит папка params/).
# Кодировка — UTF-8 (файл, сохранённый Блокнотом в Windows-1251, тоже читается).
# Значение с фигурными скобками или двоеточием берите в кавычки, как ниже.

# Название поликлиники — так оно напечатано в отчётах и протоколах. Обязательный ключ.
clinic: {name}

# Папка с книгами месяцев: ГГГГ-ММ.xlsx, по книге на месяц.
# Пустая книга месяца: stomkpi template {DATA_DIR}/ГГГГ-ММ.xlsx (или скопируйте книгу прошлого месяца).
data_dir: {DATA_DIR}

# Книга месяца: путь с подстановкой {{month}} — месяц в виде ГГГГ-ММ.
# Если ключа нет — книга data_dir/{{month}}.xlsx.
workbook: "{DATA_DIR}/{{month}}.xlsx"

# Папка для отчётов: месячный — в outputs/ГГГГ-ММ/, годовой — в outputs/ГГГГ/.
outputs: {OUTPUTS}

# Нормы года (необязательно): путь с подстановкой {{year}} — год ГГГГ. Из норм считаются УКВ врачей
# по листу «Статистика» и рейтинг подразделений. Нет файла — в отчёте так и сказано.
norms: "{DATA_DIR}/norms-{{year}}.yaml"

# Книга НМО (необязательно): листы «Сотрудники», «Сертификаты», «Обучение».
# Когда книга появится, уберите «#» в начале следующей строки.
# nmo_workbook: {DATA_DIR}/nmo.xlsx

# Своя копия каталога правил (необязательно): папка stomkpi/catalog/, скопированная целиком, с исправленными
# YAML-файлами. Если ключа нет — правила Положения, встроенные в программу.
# catalog_dir: catalog

# Фонд стимулирующих выплат (необязательно): когда в книге месяца есть лист «Фонд» (строка — группа: отделение
# или «Все», при желании категория — врачи / средний / младший / прочие, и сумма), отчёт делит фонд каждой группы
# до копейки и пишет payroll-ГГГГ-ММ.xlsx (на подпись) и payroll-ГГГГ-ММ.csv (для загрузки в 1С).
# method: coefficient — доля = коэффициент сотрудника / сумма коэффициентов группы (по умолчанию);
#         points — стоимость балла: баллы × ставки ОМС × дни/план × (1 − лишение) / сумма по группе.
# cap_percent_of_salary (необязательно): не больше стольких процентов оклада (столбец «Оклад» листа
# «Сотрудники») на человека; срезанное делится между остальными группы, а что никто не может взять —
# остаётся нераспределённым и показано в отчёте. Чтобы включить, уберите «#» в начале строк.
# payroll:
#   method: coefficient
#   cap_percent_of_salary: 150
"""


@dataclass(frozen=True)
class NewClinic:
    """What `init_clinic` wrote, and what to do next."""

    folder: Path
    params_file: Path
    workbook: Path
    workbook_written: bool
    period: str
    named: bool = False  # the clinic's name was given (`--clinic`): nothing to fill in the parameters file
    norms_sample: Path | None = None  # the year's norms to fill, written beside the books under a name no report reads

    def next_steps(self) -> str:
        """The short «что дальше» printed after `stomkpi init`."""
        book, year = self.workbook, self.period[:4]
        steps = [] if self.named else [[f"Впишите название поликлиники в {self.params_file} (ключ clinic)."]]
        steps += [["Заполните в книге листы «Сотрудники» и «Показатели»; лист «Инструкция» описывает каждый столбец,",
                   "остальные листы — по желанию."],
                  [f"Проверьте книгу: stomkpi score {book}"],
                  [f"Отчёт за месяц: stomkpi monthly --month {self.period} --params {self.params_file}",
                   f"за год: stomkpi annual --year {year} --params {self.params_file}"]]
        norms = []
        if self.norms_sample is not None:
            norms = [f"  {self.norms_sample} — нормы {year} года для УКВ и рейтинга: впишите числа (каждый ключ описан)",
                     f"     и сохраните как {self.norms_sample.parent / _norms_name(self.period)}"]
        return "\n".join([
            f"Папка поликлиники готова: {self.folder}",
            f"  {self.params_file} — параметры (каждый ключ описан в комментарии)",
            f"  {book} — пустая книга за {self.period}" + ("" if self.workbook_written else " (уже была, не тронута)"),
            *norms,
            f"  {self.folder / OUTPUTS} — сюда лягут отчёты",
            "Что дальше:",
            *(f"  {i}. {lines[0]}" + "".join(f"\n     {more}" for more in lines[1:]) for i, lines in enumerate(steps, 1)),
            f"  Книга следующего месяца: stomkpi template {book.parent}/ГГГГ-ММ.xlsx",
        ])


def _norms_name(period: str) -> str:
    return f"norms-{period[:4]}.yaml"


def norms_sample_name(period: str) -> str:
    """The norms template `init` writes: not the name reports read, so that an unfilled file is never read."""
    return f"norms-{period[:4]}-образец.yaml"


def init_clinic(folder: Path | str, today: dt.date, catalog: PositionCatalog, clinic: str | None = None) -> NewClinic:
    """Write a new clinic's folder: params/clinic.yaml, data/ with a blank book for `today`'s month, outputs/.
    Nothing that exists is overwritten: an existing parameters file stops the command. All or nothing: what the call
    made is removed again when it fails, so that it can be run again once the cause is put right."""
    if isinstance(folder, str) and not folder.strip():
        raise ParamsError("аргумент ПАПКА пуст: укажите папку новой поликлиники, например stomkpi init поликлиника "
                          "(текущая папка — «.»)")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ParamsError(f"{folder} — это файл, а нужна папка поликлиники")
    params_file = folder / PARAMS_FILE
    if params_file.exists():
        raise ParamsError(f"в папке {folder} уже есть файл параметров {params_file}: init ничего не перезаписывает")
    text = params_text(clinic or "Стоматологическая поликлиника").encode("utf-8")
    period = f"{today:%Y-%m}"
    workbook = folder / DATA_DIR / f"{period}.xlsx"
    made: list[Path] = []  # folders and files this call created, in order
    try:
        written = _write_clinic(folder, params_file, text, workbook, catalog, made)
        sample = _write_norms_sample(workbook.parent, period, made)
    except BaseException:
        _remove(made)
        raise
    return NewClinic(folder, params_file, workbook, written, period, named=bool(clinic), norms_sample=sample)


def _write_clinic(folder: Path, params_file: Path, text: bytes, workbook: Path, catalog: PositionCatalog,
                  made: list[Path]) -> bool:
    """The folders, the parameters file and the blank book (unless one is there); whether the book was written."""
    from stomkpi.template import write_template

    for sub in (params_file.parent, workbook.parent, folder / OUTPUTS):
        missing = [p for p in (sub, *sub.parents) if not p.exists()]
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
    with params_file.open("xb") as out:  # never over a file that appeared meanwhile
        made.append(params_file)
        out.write(text)
    if workbook.exists():
        return False
    made.append(workbook)
    write_template(workbook, catalog)
    return True


def _write_norms_sample(data: Path, period: str, made: list[Path]) -> Path | None:
    """The year's norms template beside the books, unless the year's norms (or their sample) are there already."""
    from stomkpi.template import write_norms_template

    sample = data / norms_sample_name(period)
    if sample.exists() or (data / _norms_name(period)).exists():
        return None
    made.append(sample)
    write_norms_template(sample, int(period[:4]))
    return sample


def _remove(made: list[Path]) -> None:
    """Undo a failed `init`: its files and then its folders, the deepest first; what cannot be removed stays."""
    for path in reversed(made):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass
