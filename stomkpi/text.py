"""Text for people: matching keys for typed names (positions, criteria, departments, specialties), numbers, money,
months and table cells in Russian.

Every quantity is printed with the decimals `PLACES` gives it, wherever people read it: the reports' tables (HTML and
PDF), the cards, the protocols and the .xlsx files (there as the cell's number format, the cell keeping the whole
value). A quantity's decimals change in that table and nowhere else; which quantity a column holds is named by its
header (`column_quantity`) or by its machine key (`KEY_QUANTITIES`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import pandas as pd

from stomkpi.safe import clean

_DASHES = re.compile(r"\s*[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212]\s*")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,;:!?]+$")
_CYRILLIC = re.compile(r"[а-яё]")
# Latin letters that look like Cyrillic ones (after lower-casing): «Терапевтическое» typed with a Latin «а»
_LOOKALIKES = str.maketrans("aeopcxykmhtb", "аеорсхукмнтв")


def match_key(text: object) -> str:
    """Fold a name so that case, ё/е, runs of spaces, dash kinds and spacing, trailing punctuation and
    Latin look-alike letters inside Russian words do not matter:
    «Санитарно – эпидемиологического.» == «санитарно-эпидемиологического»."""
    return _folded(text if type(text) is str else str(text))


# A workbook repeats the same few names (a specialty, a department, a criterion) on thousands of rows:
# each is folded once. Bounded, so that a workbook of distinct strings cannot grow it without end.
@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    s = text.strip().lower().replace("ё", "е")
    s = _DASHES.sub("-", s)
    s = _SPACES.sub(" ", s)
    s = " ".join(w.translate(_LOOKALIKES) if _CYRILLIC.search(w) else w for w in s.split(" "))
    return _TRAILING.sub("", s)


def decimal(x: float) -> str:
    """A number as Russian text writes it in a message: 6 significant digits, decimal comma (0,3; 13,8)."""
    return f"{x:.6g}".replace(".", ",")


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form of a noun after a count: plural(1, "строка", "строки", "строк") -> «1 строка»;
    2–4 -> «строки», 5–20 and 11–14 -> «строк», 21 -> «строка»."""
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        form = one
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = few
    else:
        form = many
    return f"{int(n)} {form}"


MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")


def month_words(period: str) -> str:
    """'2025-12' -> 'декабрь 2025 года'."""
    year, month = period.split("-")
    return f"{MONTHS[int(month) - 1]} {year} года"


def month_in(day: dt.date) -> str:
    """«декабре 2025»: the month of `day` in the prepositional case, for «в …»."""
    word = MONTHS[day.month - 1]
    return f"{word[:-1] if word.endswith(('ь', 'й')) else word}е {day.year}"


def date_words(day: object) -> str:
    """31.12.2025; empty for no date."""
    return f"{day:%d.%m.%Y}" if isinstance(day, dt.date) else ""


def decimals(value: Fraction | Decimal, places: int) -> str:
    """An exact value as text with `places` decimals, rounded half away from zero, with a decimal point."""
    value = Fraction(value)
    scaled = abs(value) * 10**places
    whole = int(scaled + Fraction(1, 2))
    sign = "-" if value < 0 and whole else ""
    text = str(whole).rjust(places + 1, "0")
    return f"{sign}{text[:-places]}.{text[-places:]}" if places else f"{sign}{text}"


def grouped(n: int) -> str:
    """A whole number as people read it: 17 123 (a no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u00a0")


def rub(value: Decimal) -> str:
    """Roubles as people read them: 1 234 567,89 (a no-break space between thousands)."""
    whole, _, kopecks = decimals(value, 2).partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    return f"{sign}{grouped(int(digits))},{kopecks}"


# decimals of each quantity wherever people read it (the one table: see the module's docstring)
PLACES = {
    "coefficient": 2,  # the stimulus coefficient, Кэф
    "fund": 2,  # a sum of coefficients (фонд коэффициентов)
    "money": 2,  # roubles (`rub` adds the spaces between thousands)
    "percent": 1,  # percent of the norm, a deprivation's percent, a share of cases
    "result": 3,  # a unit's result on the 0–1 scale (section 6), ranked unrounded
    "weight": 3,  # an indicator's weight Ув and its Пр
    "weighted_points": 4,  # points × ставки × дни / план × (1 − лишение): the «стоимость балла» payroll's weight
}
# the quantity of a column of the machine tables (the CSV's keys), for the files people open
KEY_QUANTITIES = {"coefficient": "coefficient", "kef": "coefficient", "result": "result", "percent": "percent",
                  "deprived_percent": "percent", "weight_norm": "weight", "pr": "weight"}
# the quantity of a column of a table for people, by its header: the first pattern found decides (a count such as
# «Ниже 100 %» or a criterion's points «Баллы: Коэффициент …» hold none)
HEADER_QUANTITIES = (
    (re.compile(r"ниже 100 %|^Баллы|^Сотрудников|^Случаев", re.IGNORECASE), None),
    (re.compile(r"коэффициентов$|^Сумма коэффициентов"), "fund"),
    (re.compile(r"^Кэф$|^Коэффициент( денежных)?( выплат)?$"), "coefficient"),
    (re.compile(r"^(Ув|Пр)$"), "weight"),
    (re.compile(r"^Результат"), "result"),
    (re.compile(r"руб\.$"), "money"),
    (re.compile(r"%|^Процент"), "percent"),
)


def column_quantity(header: object) -> str | None:
    """The quantity a table column holds, by its header (`HEADER_QUANTITIES`); None for any other."""
    text = str(header)
    return next((quantity for pattern, quantity in HEADER_QUANTITIES if pattern.search(text)), None)


def number_format(quantity: str) -> str:
    """A quantity's .xlsx number format: its decimals (`PLACES`), pinned to the Russian locale so that any program
    prints a decimal comma («0,60» also under en-US)."""
    places = PLACES[quantity]
    return "[$-419]0" + ("." + "0" * places if places else "")


def shown(value: object, quantity: str | None) -> str:
    """A cell as people read it: a number of a known quantity with that quantity's decimals and a decimal comma
    («0,60», «76,5»), rounded half away from zero; anything else as `fmt` prints it."""
    if hasattr(value, "item") and not isinstance(value, Decimal):  # a numpy scalar
        value = value.item()
    if quantity is None or isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        return fmt(value)
    if isinstance(value, float) and not math.isfinite(value):
        return fmt(value)
    exact = Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)  # 2.345 as written
    text = decimals(exact, PLACES[quantity]).replace(".", ",")
    return rub(Decimal(text.replace(",", "."))) if quantity == "money" else text


def fmt(value: object) -> str:
    """A cell as people read it: no trailing .0, decimal comma, empty for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value)}"
        return text.replace(".", ",")
    if isinstance(value, Decimal):  # an exact sum: printed as a float of the same value would be
        text = f"{value.quantize(Decimal('0.01')):f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text).replace(".", ",")
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%d.%m.%Y")
    return clean(value)
