"""The monthly report: one call reads, checks and scores the month and derives every table the report
shows; the monthly notebook displays what it returns and writes the report's data files from it.

`read_monthly` only reads and checks (the command line runs it after a failed notebook, for the full
list of the inputs' problems); `build_monthly` is the one computation of a report run and reads through it.

The rule: the figures come from the engines (`summary`, `indicators`, `protocols`, `nmo`); this module picks,
orders and names them, and imports nothing of the demo (a notebook opened without parameters asks
`stomkpi.demo.clinic.demo_params` itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stomkpi.accreditation import readiness
from stomkpi.catalog import Catalogs, load_catalogs
from stomkpi.compare import STATEMENT as COMPARISON_RULE
from stomkpi.compare import below as _below
from stomkpi.config import ClinicParams, clinic_root, load_params
from stomkpi.errors import ParamsError
from stomkpi.indicators import quality_tables
from stomkpi.month import month_bounds
from stomkpi.month_payroll import scored_payroll, staff_columns
from stomkpi.nmo import at_risk
from stomkpi.nmo import status as nmo_status
from stomkpi.nmo_inputs import read_nmo
from stomkpi.norms import region_input
from stomkpi.pipeline import MonthInputs, ScoredMonth, default_norms_file, read_inputs, score_inputs
from stomkpi.protocols import clinic_protocol, department_protocol, fund
from stomkpi.provenance import check_inputs, collect, recorded
from stomkpi.records import NmoRecords
from stomkpi.report import words
from stomkpi.report.accreditation_report import NO_BOOK, MonthAccreditation
from stomkpi.report.cards import Card, person_cards, write_cards
from stomkpi.report.display import TitlePage
from stomkpi.report.files import write_both
from stomkpi.report.payroll_files import write_corrections
from stomkpi.report.payroll_report import FundSection
from stomkpi.report.protocols_xlsx import write_protocols
from stomkpi.report.trail import payment_lines, value_trails
from stomkpi.revisions.diff import Changes, compare, scores_as_written
from stomkpi.revisions.kept import has_copies, provenance_files
from stomkpi.safe import markdown_text
from stomkpi.summary import by_department, input_warnings, lost_by_criterion, lost_points

TOTALS_COLUMNS = ["Сотрудников", "Средний %", "Ниже 100 %", "Лишены премии", "Сумма коэффициентов"]
SIGNATORIES = ["Главный врач", "Председатель комиссии", "Член комиссии", "Член комиссии", "Отчёт подготовил(а)"]


def below_norm(percent: pd.Series) -> pd.Series:
    """Who is below 100 %, compared exactly."""
    return pd.Series(_below(percent.to_numpy(dtype=float), 100), index=percent.index)


@dataclass
class MonthlyReport:
    """A scored month with everything the monthly report prints and writes."""

    period: str
    params: ClinicParams
    provenance: dict
    scored: ScoredMonth
    departments: list[str]
    department_protocols: dict[str, dict[str, pd.DataFrame]]
    clinic_protocol: dict[str, pd.DataFrame]
    by_department: pd.DataFrame
    lost_points: pd.DataFrame
    lost_by_criterion: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    quality: dict[str, pd.DataFrame] = field(default_factory=dict)
    nmo_risks: pd.DataFrame | None = None
    nmo_on: dt.date | None = None
    accreditation: MonthAccreditation | None = None  # readiness at the month's end; None: no НМО workbook
    changes: Changes | None = None  # a revision's changes since the revision it supersedes
    fund: FundSection | None = None  # the «Фонд» sheet's groups shared; None when the month has no fund

    @property
    def catalogs(self) -> Catalogs:
        return self.scored.catalogs

    @property
    def table(self) -> pd.DataFrame:
        """One row per employee: the scores CSV."""
        return self.scored.scores.table

    def cards(self) -> list[Card]:
        """A card for every employee, by department and name."""
        return person_cards(self.table, self.scored.scores.details, self.scored.month.deprivations,
                            self.catalogs.positions.rules(), self.changes, self.catalogs.positions.criterion_names(),
                            value_trails(self.scored),
                            payment_lines(self.fund.payroll, self.fund.method) if self.fund is not None else None)

    def write_files(self, out_dir: Path | str | None = None) -> list[Path]:
        """Write the protocols (.xlsx), the scores (CSV), every employee's card (a PDF and an .xlsx per
        department) and, with a «Фонд», the payroll files into `out_dir` (default: the period's outputs folder) —
        never into an approved report's folder."""
        folder = self.files_folder(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        protocols = folder / self.file_name("protocols")
        write_protocols(protocols, self.period, self.params.clinic, self.department_protocols, self.clinic_protocol)
        written = [protocols, *write_both(self.table, folder, self.file_name("scores", ""),
                                          self.catalogs.positions.criterion_names())]
        if self.changes is not None:
            written.append(self.changes.write_xlsx(folder / f"changes-{self.period}.xlsx"))
        if self.fund is not None:
            written += self.fund.write(folder)
        if self.changes is not None and self.changes.amounts:
            number = self.provenance["revision"]["number"]
            written += write_corrections(self.changes.corrections(), folder, f"payroll-corrections-{self.period}.r{number}")
        return [*written, *write_cards(folder, self.period, self.params.clinic, self.cards())]

    def file_name(self, kind: str, suffix: str = ".xlsx") -> str:
        """The name of one of the month's files beside the report: «protocols-2025-12.xlsx» for `kind` «protocols»."""
        return f"{kind}-{self.period}{suffix}"

    def files_folder(self, out_dir: Path | str | None = None) -> Path:
        """Where the data files go: `out_dir`, or the period's outputs folder — refused (in Russian) when it is an
        approved report's (as when papermill runs the notebook directly on an approved month)."""
        from stomkpi.revisions.approval import ApprovedError, ensure_writable

        folder = Path(out_dir) if out_dir is not None else self.params.outputs / self.period
        try:
            ensure_writable(folder)
        except ApprovedError as exc:
            raise ApprovedError(f"{exc}; протоколы, баллы и карточки не записаны — укажите другую папку: -p out_dir ПАПКА, "
                                "или постройте новую редакцию: stomkpi monthly --revision \"причина\"") from None
        return folder

    def title_page(self) -> TitlePage:
        """The title page: clinic, title, month, the month's last day and the signatories' lines."""
        from stomkpi.revisions.approval import revision_title

        title = revision_title("Оценка результативности сотрудников", self.provenance.get("revision"))
        return TitlePage(self.params.clinic, title, f"за {words.month_words(self.period)}",
                         words.date_words(month_bounds(self.period)[1]), SIGNATORIES,
                         words.title_page_note(self.provenance))

    def summary(self) -> str:
        """The summary's opening: head count, mean percent, below 100 %, deprivations, the coefficient fund (the sum
        over every section of Приложение 4, which carries every scored person)."""
        t = self.table
        below = int(below_norm(t["percent"]).sum())
        deprived = int((t["deprived_percent"] > 0).sum())
        return (f"## Сводка для комиссии\n\nСотрудников: {len(t)}; средний процент выполнения показателей "
                f"{words.decimal(t['percent'].mean())}\u00a0%; ниже 100\u00a0% — {below}; лишены премии полностью или частично — "
                f"{deprived}. Фонд коэффициентов (сумма коэффициентов денежных выплат по всем разделам Приложения № 4): "
                f"**{words.decimal(fund(self.clinic_protocol), 2)}**."
                + revision_heading(self.provenance.get("revision"), self.changes))

    def department_totals(self) -> pd.DataFrame:
        """Per department: head count, mean percent, below 100 %, deprived, the coefficient fund; a total row."""
        out = by_department(self.table, total="Всего")[TOTALS_COLUMNS]
        return out.rename(columns={"Сумма коэффициентов": "Фонд коэффициентов"}).reset_index()

    def below_table(self, limit: int | None = None) -> pd.DataFrame:
        """Who is below 100 %, the lowest first, with where they lost the most points."""
        t = self.table[below_norm(self.table["percent"])].sort_values(["percent", "name"], kind="stable")
        worst = self.lost_points.drop_duplicates("Таб_номер").set_index("Таб_номер")["Критерий"]
        out = pd.DataFrame({"ФИО": t["name"], "Отделение": t["department"], "Должность": t["title"],
                            "Процент": t["percent"], "Больше всего потеряно": t["staff_id"].map(worst).fillna("—")})
        return out.head(limit).reset_index(drop=True) if limit else out.reset_index(drop=True)

    def below_caption(self, limit: int) -> str:
        count = int(below_norm(self.table["percent"]).sum())
        if count <= limit:
            return "Ниже 100 %"
        return f"Ниже 100 %: {limit} с наименьшим процентом из {count} (все — в разделе «Кто ниже 100 %»)"

    def deprived_table(self) -> pd.DataFrame:
        """Who lost the bonus, how much and why (every deprivation of the month, whatever the form)."""
        d = self.scored.month.deprivations.merge(self.table[["staff_id", "name", "department", "title"]], on="staff_id")
        d = d.sort_values(["name", "staff_id"], kind="stable")
        out = pd.DataFrame({"ФИО": d["name"], "Отделение": d["department"], "Должность": d["title"],
                            "Лишено, %": d["percent"], "Причина": d["reason"]}).reset_index(drop=True)
        return out

    def deprived_markdown(self) -> str:
        return "" if len(self.scored.month.deprivations) else "Лишений премии в месяце нет."

    def files_note(self) -> str:
        """Where the documents of the month are, beside this report."""
        return (f"Протоколы для подписи — `{self.file_name('protocols')}`; карточки сотрудников (страница на человека, "
                f"по отделениям) — `{self.file_name('cards', '-<отделение>.pdf')}` и `.xlsx`; баллы — "
                f"`{self.file_name('scores', '.csv')}`.")

    def provenance_table(self) -> pd.DataFrame:
        """The provenance as manifest.json records it."""
        return words.provenance_table(self.provenance)

    def department_protocol_heading(self, department: str) -> str:
        """The heading of a department's Приложение 3."""
        department = markdown_text(department)
        return (f"### {department}\n\nПротокол заседания совета трудового коллектива ({department}) "
                f"о премировании за {words.month_words(self.period)}. Показатели для выплаты премии:")

    def clinic_protocol_heading(self) -> str:
        """The heading of the clinic's Приложение 4."""
        return (f"Протокол заседания комиссии по контролю за реализацией мероприятий по повышению доступности "
                f"амбулаторной медицинской помощи за {words.month_words(self.period)}: коэффициент денежных выплат "
                "стимулирующего характера.")

    def warnings_markdown(self) -> str:
        """The input warnings as a Markdown list."""
        if not self.warnings:
            return "Замечаний к входным данным нет."
        return "\n".join(f"- {markdown_text(w)}" for w in self.warnings)

    def ukv_note(self) -> str:
        """Why the УКВ table has no rows."""
        stats = self.scored.month.stats
        if stats is None or not len(stats):
            return ("Лист «Статистика» не заполнен (или его нет в книге месяца): УКВ по счётчикам не считался "
                    "(критерий УКВ — с листа «Показатели» или полный балл).")
        return "Врачей, для которых считается УКВ, в этом месяце нет."

    def ukv_table(self) -> pd.DataFrame:
        """The УКВ of each doctor (section 4.3) and where the УКВ and ОКЛ counts came from."""
        if self.scored.derived.ukv.empty:
            return pd.DataFrame()
        names = self.table.set_index("staff_id")["name"]
        derived = self.scored.derived
        src = derived.sources.pivot_table(index="staff_id", columns="criterion", values="source", aggfunc="first")
        names_by_code = {c.code: c.name for p in self.catalogs.positions.positions for c in p.criteria}
        src.columns = [f"Источник: {words.short(names_by_code.get(c, c))}" for c in src.columns]
        u = derived.ukv.set_index("staff_id")[["indicators", "missed", "no_data", "ukv"]]
        u.columns = ["Показателей", "Не достигнуто", "Из них без данных", "УКВ"]
        out = pd.DataFrame({"ФИО": names}).join(u, how="inner").join(src, how="left")
        out["УКВ"] = out["УКВ"].astype(float).round(3)
        return out.sort_values("ФИО").reset_index(drop=True)

    def nmo_heading(self) -> str:
        """How many НМО plans need attention at the month's end."""
        count = 0 if self.nmo_risks is None else len(self.nmo_risks)
        return words.nmo_at_risk_heading(self.nmo_on, count, self.catalogs.nmo)

    def nmo_table(self) -> pd.DataFrame:
        """The НМО plans that need attention, with Russian headers."""
        return pd.DataFrame() if self.nmo_risks is None else words.nmo_display(self.nmo_risks, self.catalogs.nmo)

    def accreditation_markdown(self) -> str:
        """The accreditation section's opening; without an НМО workbook, the one sentence saying so."""
        return NO_BOOK if self.accreditation is None else self.accreditation.markdown()

    def lint_all(self) -> pd.DataFrame:
        """Every interpretation and contradiction of the rules that this report relies on."""
        rows = [(f.position, f.criterion or "—", f.message) for f in self.catalogs.positions.lint]
        rows.append(("Сравнения", "Пороги", COMPARISON_RULE))
        rows += [("Показатели", name, note) for name, note in self.catalogs.indicators.notes()]
        return pd.DataFrame(rows, columns=["Где", "Что", "Замечание"])

    def rules_note(self) -> str:
        """The appendix's sentence on its rules: the month's own positions, and where the whole Приложение 2 is."""
        own = self.table["position"].nunique()
        every = len(self.catalogs.positions.positions)
        name = self.catalogs.positions.path.name  # the file the rules came from, named by the catalog
        where = (f"в файле `{name}` папки правил поликлиники `{self.params.catalog_dir}` (встроенные — "
                 f"`stomkpi/catalog/{name}` пакета)" if self.params.catalog_dir
                 else f"в файле `stomkpi/catalog/{name}` установленного пакета")
        return (f"Критерии и баллы должностей этого месяца ({own} из {every} должностей Приложения № 2). Правила "
                f"всех должностей — {where}.")

    def rules_table(self) -> pd.DataFrame:
        """The rules applied, as the appendix prints them: position, criterion, points by the document and
        the rule in words — of the positions the month scores (the catalog's others are in its file, `rules_note`)."""
        rules = self.catalogs.positions.rules()
        rules = rules[rules["position"].isin(set(self.table["position"]))]
        kinds = {"main": "основной", "additional": "дополнительный"}
        return pd.DataFrame({
            "Должность": rules["position_name"],
            "Группа": rules["group"].map(kinds),
            "Критерий": rules["criterion_name"],
            "Баллы по Положению": rules["document"],
            "Правило": [words.rule_of(r) for r in rules.to_dict("records")],
        })


def monthly_inputs(period: str, params: ClinicParams) -> dict[str, Path | None]:
    """The files a month's report reads: the month's workbook, the year's norms and the НМО workbook — every file
    read is here (so in the manifest and kept), each checked to be a regular file within its kind's limit."""
    book = params.month_workbook(period)
    norms = year_norms(params, period[:4], {period: book})
    files = {"workbook": book, "norms": norms, "nmo": params.nmo_workbook, "region_best": region_input(norms)}
    check_inputs(files)
    return files


def year_norms(params: ClinicParams, year: int | str, books: dict[str, Path]) -> Path | None:
    """The year's norms a report reads: the file the parameters name (by default data_dir's norms-YYYY.yaml), else
    norms-YYYY.yaml beside the months' `books`, as `read_inputs` would take it — named here, so that it is recorded.

    Norms the parameters name that are not there while others lie beside a book are an error: which ones were
    meant is the analyst's to say, and a report must not quietly read another file than the one named.
    """
    named = params.existing_norms(year)
    if named is not None:
        return named
    beside = sorted({p for period, book in books.items() if (p := default_norms_file(book, period)) is not None})
    if not beside:
        return None
    if params.norms:
        raise ParamsError(f"файла норм {params.norms_file(year)} (ключ «norms» файла параметров) нет, а рядом с книгой "
                          f"лежит {beside[0]}: укажите в ключе «norms» нужный файл")
    if len(beside) > 1:
        raise ParamsError(f"рядом с книгами {year} года лежат разные файлы норм ({', '.join(map(str, beside))}): "
                          "укажите нужный в ключе «norms» файла параметров")
    return beside[0]


def read_monthly(period: str, params: ClinicParams, catalogs: Catalogs, files: dict[str, Path | None] | None = None
                 ) -> tuple[MonthInputs, NmoRecords | None]:
    """Read and check every input of a month's report (`files`, by default those the parameters lead to): all input
    errors at once, nothing computed."""
    files = files if files is not None else monthly_inputs(period, params)
    month = read_inputs(files["workbook"], catalogs, period=period, norms_file=files.get("norms"))
    nmo = read_nmo(files["nmo"], catalogs.nmo, month_bounds(period)[1], strict=False) if files.get("nmo") else None
    return month, nmo


def monthly_files(period: str, params_file: Path | str, params: ClinicParams) -> dict[str, Path | None]:
    """Every file a month's report reads: the clinic's parameters file and the inputs it leads to (`monthly_inputs`)."""
    return {"params": Path(params_file), **monthly_inputs(period, params)}


def monthly_provenance(period: str, params_file: Path | str, params: ClinicParams, catalogs: Catalogs,
                       files: dict[str, Path | None] | None = None) -> dict:
    """What produced a month's report: parameters, the checksums of `files` (by default `monthly_files`), catalog
    hashes, versions."""
    root = clinic_root(params_file)
    parameters = {"period": period, "params": recorded(params_file, root), "clinic": params.clinic,
                  "catalog_dir": recorded(params.catalog_dir, root)}
    files = files if files is not None else monthly_files(period, params_file, params)
    return collect("monthly.ipynb", parameters, files, catalogs, root)


def build_monthly(period: str, params: Path | str, provenance: dict | None = None) -> MonthlyReport:
    """Read, check and score one month and derive every table of the monthly report from the clinic's parameters
    file `params` (a notebook opened without one takes the demo's, `stomkpi.demo.clinic.demo_params`)."""
    settings = load_params(params)
    catalogs = load_catalogs(settings.catalog_dir)
    files = provenance_files(provenance, params) if has_copies(provenance) else None  # the copies it keeps
    inputs, records = read_monthly(period, settings, catalogs, files)
    provenance = provenance or monthly_provenance(period, params, settings, catalogs)
    scored = score_inputs(inputs, catalogs)
    month, table, positions = scored.month, scored.scores.table, catalogs.positions
    quality = {}
    if month.reviews is not None and len(month.reviews):  # a blank sheet of the template is no data
        finished_field = catalogs.indicators.quality.finished_cases_field
        finished = month.stats.loc[month.stats["field"] == finished_field, "value"].sum() if month.stats is not None else 0
        quality = quality_tables(month.reviews, float(finished), catalogs.indicators)
    nmo_risks, nmo_on, accreditation = None, None, None
    if records is not None:
        nmo_on = month_bounds(period)[1]
        nmo_risks = words.status_names(at_risk(nmo_status(records, catalogs.nmo, nmo_on), nmo_on, catalogs.nmo))
        accreditation = MonthAccreditation(period, readiness(records, catalogs.nmo, nmo_on))
    departments = sorted(table["department"].unique())
    fund = month_fund(period, settings, scored)
    amounts = fund.amounts if fund is not None else None
    changes = revision_changes(period, settings, provenance, table, catalogs, files,
                               fund.paid() if fund is not None else None)
    lost = lost_points(scored.scores.details, table, positions)
    return MonthlyReport(
        period=period,
        params=settings,
        provenance=provenance,
        scored=scored,
        departments=departments,
        department_protocols={d: department_protocol(table, month.deprivations, positions, d, amounts)
                              for d in departments},
        clinic_protocol=clinic_protocol(table, month.deprivations, positions, amounts),
        by_department=by_department(table).drop(columns="Лишены премии"),
        lost_points=lost,
        lost_by_criterion=lost_by_criterion(lost),
        warnings=input_warnings(month, table, positions),
        quality=quality,
        nmo_risks=nmo_risks,
        nmo_on=nmo_on,
        accreditation=accreditation,
        changes=changes,
        fund=fund,
    )


def check_monthly(period: str, params: ClinicParams, catalogs: Catalogs, files: dict[str, Path | None] | None = None
                  ) -> None:
    """Every check of a month's inputs (`files`, as `read_monthly` takes them), the «Фонд» groups included (they are
    known once the month is scored): what the command runs after a failed notebook, for the full list of problems."""
    inputs, _ = read_monthly(period, params, catalogs, files)
    if inputs.month.funds is not None:
        month_fund(period, params, score_inputs(inputs, catalogs))


def month_fund(period: str, settings: ClinicParams, scored: ScoredMonth) -> FundSection | None:
    """The month's «Фонд» shared by the clinic's `payroll` parameters (None without the sheet)."""
    table, month = scored.scores.table, scored.month
    payroll = scored_payroll(table, month, scored.catalog, settings.payroll)
    if payroll is None:
        return None
    return FundSection(period, settings.clinic, settings.payroll.method, payroll, staff_columns(table, month))


def revision_heading(block: dict | None, changes: Changes | None = None) -> str:
    """For a revision: which approved revision it replaces and why, and every input file it added, removed or
    changed (Markdown, escaped)."""
    if not block:
        return ""
    files = f" {markdown_text(changes.files_words())}" if changes is not None else ""
    return (f"\n\n**Редакция {block['number']}** взамен утверждённой редакции {block['supersedes_number']}. "
            f"Причина: {markdown_text(block['reason'])}{files}")


def revision_changes(period: str, settings: ClinicParams, provenance: dict, table: pd.DataFrame,
                     catalogs: Catalogs, files: dict[str, Path] | None = None, paid: dict | None = None) -> Changes | None:
    """A revision's changes since the approved revision it supersedes: its inputs as kept, this run's inputs (`files`,
    by default the parameters'), the two scores tables and, with a fund, the amounts (`paid`, `FundSection.paid`).
    None for a month's first report. The approved folder is checked before it is read (`compare`)."""
    block = provenance.get("revision")
    if not block:
        return None
    from stomkpi.errors import StomkpiError
    from stomkpi.provenance import sha256_file
    from stomkpi.revisions.approval import FOLDER, MANIFEST, Revision

    name = block.get("supersedes")
    if not isinstance(name, str) or not FOLDER.match(name) or FOLDER.match(name)["period"] != period:
        raise StomkpiError(f"редакция заменяет папку «{name}», а это не папка отчёта за {words.month_words(period)}")
    old = Revision(period, block["supersedes_number"], settings.outputs / name)
    if sha256_file(old.folder / MANIFEST) != block["supersedes_manifest_sha256"]:
        raise StomkpiError(f"отчёт {old.folder} не тот, который заменяет эта редакция: его манифест изменён")
    files = files if files is not None else monthly_inputs(period, settings)
    return compare(old, provenance, files, scores_as_written(table), catalogs.positions.criterion_names(),
                   new_label=f"редакция {block['number']}", reason=block["reason"], new_amounts=paid)
