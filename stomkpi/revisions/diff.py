"""What changed between two revisions of a month's report: the inputs cell by cell, and every employee whose
points, percent or coefficient moved, with the criteria and factors that moved them.

Inputs are compared as the runs read them — the copies each revision keeps in `inputs/` (the new
run's own files, when the diff is a section of the run's report). A workbook is compared sheet by
sheet as the analyst typed it: rows are aligned (an inserted row shifts nothing else), then the
cells of each changed row are named by sheet, spreadsheet row and column header. A text file (the
year's norms) is compared line by line; a file with no copy kept (a report made before copies were
kept) is compared by checksum only, and says so.

Nothing is read from a folder on trust: both revisions are checked first — an approved one against its
approval and the clinic's register, a draft against its manifest (`approval.check_folder`) — and a file is
read only from inside its folder (no absolute path, «..» or symbolic link). The changes are never written
into an approved folder.

Employees are compared from the two executions' scores CSV (one row per employee, a `pts_<code>`
column per criterion), as the text it holds: exact, never a float's last digit. Only those whose
total points, percent or coefficient differ are listed; each with the criteria whose points
differ and the factors of the coefficient that differ (rates, days, deprivation, norm).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from stomkpi.month import STAFF
from stomkpi.payroll import id_order
from stomkpi.provenance import input_kind
from stomkpi.revisions import approval
from stomkpi.revisions.approval import Revision
from stomkpi.revisions.checked import inside
from stomkpi.safe import clean, spreadsheet_cell
from stomkpi.sheets import MAX_COLUMNS, MAX_ROWS
from stomkpi.text import fmt, match_key

# the staff number's column as the monthly workbook's readers know it (its header and aliases)
_STAFF_ID_HEADERS = {match_key(h) for c in STAFF.columns if c.key == "staff_id" for h in c.headers()}

FIGURES = {"total_points": "баллы", "percent": "процент", "coefficient": "коэффициент"}
FACTORS = {"norm_points": "норма баллов", "rates_oms": "ставки ОМС", "days_plan": "дни по плану",
           "days_fact": "дни фактически", "deprived_percent": "лишение премии, %", "position_name": "должность",
           "department": "отделение"}
EMPTY = "пусто"
LONG_TEXT = 200  # characters of a cell shown before «…»


@dataclass(frozen=True)
class InputChange:
    """One changed cell, row, line or file of an input."""

    file: str
    sheet: str | None
    row: int | None  # spreadsheet row (or text line) in the new file; in the old one for a removed row
    column: str | None
    old: str
    new: str
    staff_id: str = ""  # the row's Таб_номер, when the sheet has one

    def where(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}" + (f" (таб. № {self.staff_id})" if self.staff_id else ""))
        if self.column:
            title, _, letter = self.column.rpartition(" (")
            parts.append(f"столбец «{title}» ({letter}" if title else f"столбец {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.where()}: {self.old} → {self.new}"


@dataclass(frozen=True)
class StaffChange:
    """An employee whose points, percent or coefficient differ between the revisions."""

    staff_id: str
    name: str
    department: str
    figures: dict[str, tuple[str, str]]  # total_points/percent/coefficient -> (old, new), as the CSV holds them
    criteria: list[tuple[str, str, str]]  # (criterion name, old points, new points)
    factors: list[tuple[str, str, str]]  # (factor, old, new)
    note: str = ""  # «добавлен(а)» / «исключён(а)» when present in one revision only

    def moved_by(self) -> str:
        """The criteria and factors that moved the figures, in words."""
        parts = [f"«{name}»: {num_text(a)} → {num_text(b)}" for name, a, b in self.criteria]
        parts += [f"{name}: {num_text(a)} → {num_text(b)}" for name, a, b in self.factors]
        if self.note:
            parts.insert(0, self.note)
        return "; ".join(parts) or "—"

    def __str__(self) -> str:
        figures = "; ".join(f"{FIGURES[k]} {num_text(a)} → {num_text(b)}" for k, (a, b) in self.figures.items())
        return f"{self.name} (таб. № {self.staff_id}, {self.department}): {figures}. Изменилось: {self.moved_by()}"


@dataclass(frozen=True)
class AmountChange:
    """One person's stimulus amount in the approved edition and in the new one (roubles; 0 when not paid)."""

    staff_id: str
    name: str
    department: str
    snils: str
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old

    def __str__(self) -> str:
        from stomkpi.text import rub

        sign = "+" if self.difference > 0 else "−"
        return (f"{self.name} (таб. № {self.staff_id}, {self.department}): {rub(self.old)} → {rub(self.new)} руб. "
                f"({sign}{rub(abs(self.difference))})")


@dataclass
class Changes:
    """Everything that changed from one revision to another."""

    period: str
    old: str  # «редакция 1 (утверждена …)»
    new: str
    reason: str | None
    inputs: list[InputChange] = field(default_factory=list)
    staff: list[StaffChange] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every input file added, removed or changed, in words
    amounts: list[AmountChange] = field(default_factory=list)  # whose stimulus amount moved (both editions with a fund)

    def files_words(self) -> str:
        """The input files the new revision added, removed or changed, in one sentence."""
        if not self.files:
            return "Входные файлы те же, что в прежней редакции."
        return f"Входные файлы по сравнению с прежней редакцией: {'; '.join(self.files)}."

    def heading(self) -> str:
        from stomkpi.text import month_words

        head = f"Изменения отчёта за {month_words(self.period)}: {self.old} → {self.new}"
        return head + (f". Причина: {self.reason}" if self.reason else "")

    def lines(self) -> list[str]:
        """The changes as the `diff` command prints them, in Russian."""
        out = [self.heading() + "."]
        out.append(f"Изменённые входные данные ({len(self.inputs)})" + (":" if self.inputs else ": нет."))
        out += [f"  {c}" for c in self.inputs]
        out.append(f"Сотрудники, у которых изменились баллы, процент или коэффициент ({len(self.staff)})"
                   + (":" if self.staff else ": нет."))
        out += [f"  {s}" for s in self.staff]
        if self.amounts:
            out.append(f"Изменились суммы стимулирующих выплат ({len(self.amounts)}):")
            out += [f"  {a}" for a in self.amounts]
        return out

    def corrections(self) -> pd.DataFrame:
        """The payroll's corrections for people: the approved amount, the new one and the difference to pay (or
        withhold), for everyone whose amount moved."""
        return pd.DataFrame([[a.staff_id, a.snils, a.name, a.department, a.old, a.new, a.difference] for a in self.amounts],
                            columns=["staff_id", "snils", "full_name", "department", "approved_amount", "new_amount",
                                     "difference"])

    def heading_markdown(self) -> str:
        from stomkpi.safe import markdown_text

        return ("## Изменения по сравнению с утверждённой редакцией\n\n"
                f"{markdown_text(self.heading())}. {markdown_text(self.files_words())} "
                f"Изменённых ячеек и строк входных данных: {len(self.inputs)}; "
                f"сотрудников, у которых изменились баллы, процент или коэффициент: {len(self.staff)} "
                "(остальные не изменились и не перечислены).")

    def inputs_table(self) -> pd.DataFrame:
        rows = [(c.file, c.sheet or "", "" if c.row is None else c.row, c.staff_id, c.column or "", c.old, c.new)
                for c in self.inputs]
        return pd.DataFrame(rows, columns=["Файл", "Лист", "Строка", "Таб. №", "Столбец", "Было", "Стало"])

    def staff_table(self) -> pd.DataFrame:
        rows = []
        for s in self.staff:
            row = [s.staff_id, s.name, s.department]
            for key in FIGURES:
                a, b = s.figures.get(key, ("", ""))
                row += [_number_or_text(a), _number_or_text(b)]
            rows.append([*row, s.moved_by()])
        columns = ["Таб. №", "ФИО", "Отделение"]
        for title in ("Баллы", "Процент", "Коэффициент"):
            columns += [f"{title}: было", f"{title}: стало"]
        return pd.DataFrame(rows, columns=[*columns, "Что изменилось (критерий или множитель: было → стало)"])

    def staff_display(self) -> pd.DataFrame:
        """The employees for the report's pages: each figure as «было → стало» (the .xlsx keeps them as numbers)."""
        rows = [[s.staff_id, s.name, s.department,
                 *(f"{num_text(a)} → {num_text(b)}" for a, b in (s.figures.get(k, ("", "")) for k in FIGURES)), s.moved_by()]
                for s in self.staff]
        return pd.DataFrame(rows, columns=["Таб. №", "ФИО", "Отделение", "Баллы", "Процент", "Коэфф. выплат",
                                           "Что изменилось (было → стало)"])

    def write_xlsx(self, path: Path | str) -> Path:
        """The changes as a workbook: a sheet of input changes and a sheet of employees, ready to print."""
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        from stomkpi.sheets import save_deterministic

        approval.ensure_writable(Path(path))  # never into an approved report's folder
        book = Workbook()
        book.remove(book.active)
        for title, table, widths in (("Входные данные", self.inputs_table(), [18, 14, 8, 10, 16, 30, 30]),
                                     ("Сотрудники", self.staff_table(), [10, 32, 26, 9, 9, 9, 9, 9, 9, 60])):
            ws = book.create_sheet(title)
            ws.append([spreadsheet_cell(self.heading())])
            ws.cell(1, 1).font = Font(bold=True)
            ws.append([])
            ws.append(list(table.columns))
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            for rec in table.itertuples(index=False):
                ws.append([spreadsheet_cell(v) for v in rec])
                for cell in ws[ws.max_row]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if table.empty:
                ws.append(["изменений нет"])
            for i, w in enumerate(widths, start=1):
                ws.column_dimensions[get_column_letter(i)].width = w
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.print_title_rows = "3:3"
        save_deterministic(book, path)
        return Path(path)


# --- revisions --------------------------------------------------------------------------------------------------


def between(old: Revision, new: Revision, criterion_names: dict[str, str]) -> Changes:
    """The changes from revision `old` to revision `new`, both as their folders keep them (each checked first)."""
    approval.check_folder(new)
    new_manifest = new.manifest()
    return compare(old, new_manifest, kept_files(new.folder, new_manifest), read_scores(new.folder, new.period),
                   criterion_names, new_label=new.label(), reason=new_manifest.get("revision", {}).get("reason"),
                   new_amounts=read_amounts(new.folder, new.period))


def compare(old: Revision, new_provenance: dict, new_files: dict[str, Path], new_scores: pd.DataFrame,
            criterion_names: dict[str, str], *, new_label: str, reason: str | None,
            new_amounts: dict[str, PaidAmount] | None = None) -> Changes:
    """The changes from revision `old` (checked first) to a new execution: its provenance, the input files it read,
    its scores and, when both have a fund, its stimulus amounts."""
    approval.check_folder(old)
    old_manifest = old.manifest()
    changes = Changes(old.period, old.label(), new_label, reason)
    old_files = kept_files(old.folder, old_manifest)
    old_inputs, new_inputs = old_manifest.get("inputs", {}), new_provenance.get("inputs", {})
    for label in sorted(set(old_inputs) | set(new_inputs), key=_input_order):
        a, b = old_inputs.get(label), new_inputs.get(label)
        name = Path((b or a)["path"]).name
        kind = input_kind(label)[0].split(" (")[0]
        if a is None or b is None:
            changes.inputs.append(InputChange(name, None, None, None, "нет файла" if a is None else a["path"],
                                              "нет файла" if b is None else b["path"]))
            changes.files.append(f"{'добавлен' if a is None else 'исключён'} файл {(b or a)['path']} ({kind})")
        elif a["sha256"] != b["sha256"]:
            found = file_changes(name, old_files.get(label), new_files.get(label), a["sha256"], b["sha256"])
            changes.inputs += found
            changes.files.append(f"изменён файл {b['path']} ({kind}; изменений: {len(found)})")
    changes.staff = staff_changes(read_scores(old.folder, old.period), new_scores, criterion_names)
    old_amounts = read_amounts(old.folder, old.period)
    if old_amounts is not None and new_amounts is not None:
        changes.amounts = amount_changes(old_amounts, new_amounts)
    return changes


@dataclass(frozen=True)
class PaidAmount:
    """What the payroll file says of one person: the amount and who they are."""

    amount: Decimal
    name: str
    department: str
    snils: str


def read_amounts(folder: Path, period: str) -> dict[str, PaidAmount] | None:
    """The stimulus amounts of a (checked) revision's payroll CSV by staff number; None when it has no fund."""
    path = inside(Path(folder), f"payroll-{period}.csv")
    if not path.is_file():
        return None
    rows = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows = rows[rows["indicator"] == "stimulus_amount"]
    try:
        return {r.staff_id: PaidAmount(Decimal(r.value), _unquoted(r.full_name), _unquoted(r.department), r.snils)
                for r in rows.itertuples(index=False)}
    except (InvalidOperation, AttributeError):
        from stomkpi.errors import StomkpiError

        raise StomkpiError(f"файл {path} повреждён: суммы выплат не читаются") from None


def _unquoted(text: str) -> str:
    """A CSV cell as typed: the apostrophe that keeps text from starting a formula removed."""
    return text[1:] if text.startswith("'") else text


def amount_changes(old: dict[str, PaidAmount], new: dict[str, PaidAmount]) -> list[AmountChange]:
    """Everyone whose amount differs between two editions (absent counts as 0), by staff number."""
    zero = Decimal("0.00")
    out = []
    for sid in sorted(set(old) | set(new), key=id_order):
        a, b = old.get(sid), new.get(sid)
        who = b or a
        if (a.amount if a else zero) != (b.amount if b else zero):
            out.append(AmountChange(sid, who.name, who.department, who.snils, a.amount if a else zero,
                                    b.amount if b else zero))
    return out


def _input_order(label: str) -> tuple[int, str]:
    return ({"params": 0, "workbook": 1, "norms": 2, "nmo": 3}.get(label, 4), label)


def kept_files(folder: Path, manifest: dict) -> dict[str, Path]:
    """The kept copy of each input of a revision, by label (inputs without a copy are left out); never a file outside
    the folder."""
    out = {}
    for label, rec in manifest.get("inputs", {}).items():
        if "kept" in rec and inside(folder, rec["kept"]).is_file():
            out[label] = inside(folder, rec["kept"])
    return out


def read_scores(folder: Path, period: str) -> pd.DataFrame:
    """A revision's scores CSV as text (exact values, as written)."""
    path = inside(Path(folder), f"scores-{period}.csv")
    if not path.is_file():
        from stomkpi.errors import StomkpiError

        raise StomkpiError(f"в папке {folder} нет scores-{period}.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def scores_as_written(table: pd.DataFrame) -> pd.DataFrame:
    """The scores table as its CSV holds it (what `read_scores` reads back from the folder): written by the
    report's own CSV writer and read back."""
    import tempfile

    from stomkpi.safe import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(table, Path(tmp) / "scores.csv")
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


# --- employees ----------------------------------------------------------------------------------------------------


def staff_changes(old: pd.DataFrame, new: pd.DataFrame, criterion_names: dict[str, str]) -> list[StaffChange]:
    """Every employee whose total points, percent or coefficient differ (or who is in one revision only)."""
    a, b = old.set_index("staff_id", drop=False), new.set_index("staff_id", drop=False)
    out = []
    for staff_id in [*b.index, *(i for i in a.index if i not in b.index)]:
        if staff_id not in a.index or staff_id not in b.index:
            row, added = (b if staff_id in b.index else a).loc[staff_id], staff_id in b.index
            figures = {k: ("—", row.get(k, "")) if added else (row.get(k, ""), "—") for k in FIGURES}
            note = "добавлен(а) в книгу месяца" if added else "исключён(а) из книги месяца"
            out.append(StaffChange(staff_id, row["name"], row["department"], figures, [], [], note))
            continue
        x, y = a.loc[staff_id], b.loc[staff_id]
        figures = {k: (x.get(k, ""), y.get(k, "")) for k in FIGURES}
        if all(same_value(p, q) for p, q in figures.values()):
            continue
        codes = sorted({c for c in (*x.index, *y.index) if c.startswith("pts_")})
        criteria = [(criterion_names.get(c[4:], c[4:]), x.get(c, ""), y.get(c, "")) for c in codes
                    if not same_value(x.get(c, ""), y.get(c, ""))]
        factors = [(title, x.get(k, ""), y.get(k, "")) for k, title in FACTORS.items()
                   if not same_value(x.get(k, ""), y.get(k, ""))]
        out.append(StaffChange(staff_id, y["name"], y["department"], figures, criteria, factors))
    return out


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None


def same_value(a: str, b: str) -> bool:
    """Whether two values of the scores CSV are the same: equal numbers however written, else equal text."""
    x, y = _decimal(a), _decimal(b)
    if x is not None and y is not None and x.is_finite() and y.is_finite():
        return x == y
    return str(a).strip() == str(b).strip()


def num_text(text: str) -> str:
    """A CSV number as people read it (decimal comma), «—» for none."""
    if text in ("", None):
        return "—"
    d = _decimal(text)
    return fmt(float(d)) if d is not None and d.is_finite() else str(text)


def _number_or_text(text: str) -> object:
    d = _decimal(text)
    if d is not None and d.is_finite():
        return int(d) if d == d.to_integral_value() else float(d)
    return text


# --- input files ---------------------------------------------------------------------------------------------------


def file_changes(name: str, old: Path | None, new: Path | None, old_sha: str, new_sha: str) -> list[InputChange]:
    """The changes between two versions of one input file."""
    if old is None or new is None:
        missing = "прежней редакции" if old is None else "новой редакции"
        return [InputChange(name, None, None, None, f"SHA-256 {old_sha[:16]}…", f"SHA-256 {new_sha[:16]}… "
                            f"(файл изменён; копии файла {missing} нет — сравнить по ячейкам нельзя)")]
    suffix = new.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return workbook_changes(name, old, new)
    if suffix in (".yaml", ".yml", ".csv", ".txt", ".json"):
        return text_changes(name, old, new)
    return [InputChange(name, None, None, None, f"SHA-256 {old_sha[:16]}…", f"SHA-256 {new_sha[:16]}…")]


def text_changes(name: str, old: Path, new: Path) -> list[InputChange]:
    """Changed, added and removed lines of a text file."""
    from stomkpi.config import read_text  # as the run read it: UTF-8 or Windows-1251

    a, b = (read_text(p, "входной файл").splitlines() for p in (old, new))
    return [InputChange(name, None, row, None, "нет строки" if x is None else _show(x), "нет строки" if y is None else _show(y))
            for row, x, y in _aligned(a, b)]


def workbook_changes(name: str, old: Path, new: Path) -> list[InputChange]:
    """Changed cells, added and removed rows and sheets of a workbook, sheet by sheet in the new file's order."""
    a, b = read_sheets(old), read_sheets(new)
    out = []
    for sheet in [*b, *(s for s in a if s not in b)]:
        if sheet not in a or sheet not in b:
            out.append(InputChange(name, sheet, None, None, "нет листа" if sheet not in a else "лист",
                                   "нет листа" if sheet not in b else "лист"))
            continue
        old_rows, new_rows = a[sheet], b[sheet]
        if isinstance(old_rows, str) or isinstance(new_rows, str):
            out.append(InputChange(name, sheet, None, None, str(old_rows) if isinstance(old_rows, str) else "—",
                                   str(new_rows) if isinstance(new_rows, str) else "—"))
            continue
        header = [_show(v) for v in (new_rows[0] if new_rows else ())]
        staff_col = next((i for i, h in enumerate(header) if match_key(h) in _STAFF_ID_HEADERS), None)
        for row, x, y in _aligned(old_rows, new_rows):
            ident = _show(((y or x) + (None,) * 100)[staff_col]) if staff_col is not None else ""
            ident = "" if ident == EMPTY else ident
            if x is None or y is None:
                text = "; ".join(_show(v) for v in (y if x is None else x) if v is not None)
                out.append(InputChange(name, sheet, row, None, "нет строки" if x is None else text,
                                       "нет строки" if y is None else text, ident))
                continue
            for col in range(max(len(x), len(y))):
                p, q = (x[col] if col < len(x) else None), (y[col] if col < len(y) else None)
                if p != q:
                    title = header[col] if col < len(header) and header[col] != EMPTY else ""
                    letter = _letter(col)
                    out.append(InputChange(name, sheet, row, f"{title} ({letter})" if title else letter,
                                           _show(p), _show(q), ident))
    return out


def read_sheets(path: Path) -> dict[str, list[tuple] | str]:
    """Every sheet's rows as typed (trailing empty cells and rows dropped); a sheet too large to compare, as a note."""
    from python_calamine import CalamineWorkbook

    from stomkpi.xlsx_scan import scan_sheets

    book = CalamineWorkbook.from_path(str(path))
    scans = scan_sheets(path, [match_key(n) for n in book.sheet_names])
    out: dict[str, list[tuple] | str] = {}
    for sheet in book.sheet_names:
        scan = scans.get(sheet)
        if scan is not None and (scan.rows > MAX_ROWS or scan.columns > MAX_COLUMNS):
            out[sheet] = f"лист слишком велик для сравнения по ячейкам (до {scan.last_cell})"
            continue
        rows = [tuple(_cell(v) for v in r) for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
        rows = [_trim(r) for r in rows]
        while rows and not rows[-1]:
            rows.pop()
        out[sheet] = rows
    return out


def _cell(v: object) -> object:
    if v == "" or v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _trim(row: tuple) -> tuple:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def _aligned(a: list, b: list):
    """(row in the new sequence, 1-based — in the old one for a removed row; old item or None; new item or None)
    for every item that differs, rows aligned so that an inserted or removed row shifts nothing else."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        pairs = max(i2 - i1, j2 - j1)
        for k in range(pairs):
            x = a[i1 + k] if i1 + k < i2 else None
            y = b[j1 + k] if j1 + k < j2 else None
            yield (j1 + k + 1 if y is not None else i1 + k + 1), x, y


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


def _show(v: object) -> str:
    """A cell as people read it: decimal comma, dates as ДД.ММ.ГГГГ, «пусто» for an empty cell."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return EMPTY
    if isinstance(v, bool):
        return "ИСТИНА" if v else "ЛОЖЬ"
    if isinstance(v, float):
        return repr(v).replace(".", ",")
    if isinstance(v, dt.datetime):
        return v.strftime("%d.%m.%Y %H:%M")
    if isinstance(v, dt.date):
        return v.strftime("%d.%m.%Y")
    text = " ".join(clean(v).split())
    return text if len(text) <= LONG_TEXT else text[:LONG_TEXT] + "…"
