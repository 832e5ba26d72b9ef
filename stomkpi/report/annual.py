"""The annual report: the year's dynamics, the 0–4 rating, section 7 quality, НМО — computed in one call
(`build_annual`) that the annual notebook displays and writes the report's data files from.

The rule: the rating, the quality tables and the quality indicators against their targets come from the engines
(`pipeline`, `effectiveness`, `indicators`); this module picks, orders and names them, and imports nothing of
the demo (a notebook opened without parameters asks `stomkpi.demo.clinic.demo_params` itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stomkpi.accreditation import readiness
from stomkpi.bounded import is_present
from stomkpi.catalog import Catalogs, load_catalogs
from stomkpi.compare import STATEMENT as COMPARISON_RULE
from stomkpi.config import ClinicParams, clinic_root, load_params
from stomkpi.errors import ParamsError
from stomkpi.indicators import quality_tables, quality_vs_targets
from stomkpi.nmo import status as nmo_status
from stomkpi.nmo_inputs import read_nmo
from stomkpi.norms import load_quality_targets, region_input
from stomkpi.pipeline import MonthInputs, Rating, month_counts, rate_counts, read_inputs, score_inputs
from stomkpi.provenance import check_inputs, collect, recorded
from stomkpi.records import NmoRecords
from stomkpi.report import words
from stomkpi.report.accreditation_report import NO_BOOK, YearAccreditation
from stomkpi.report.annual_payroll import NO_FUND, YearPayroll, year_payroll
from stomkpi.report.display import TitlePage
from stomkpi.report.files import write_both
from stomkpi.report.monthly import SIGNATORIES, below_norm, year_norms
from stomkpi.revisions.kept import has_copies, provenance_files

UNSIGNED = "не утверждён"


def edition_words(state: dict) -> str:
    """Which edition a month of the year's report comes from: «редакция 2, утверждена 24.11.2025» or «не утверждён»."""
    if not state.get("approved"):
        return UNSIGNED
    return f"редакция {state['revision']}, утверждена {dt.datetime.fromisoformat(state['approved_at']):%d.%m.%Y}"


@dataclass
class AnnualReport:
    year: int
    params: ClinicParams
    provenance: dict
    catalogs: Catalogs
    months: dict[str, MonthInputs]
    scores: pd.DataFrame  # every month's scores with a `month` column
    by_month: pd.DataFrame  # department × month: mean percent
    rating: Rating | None  # None: no Статистика in any month, or no norms file for the year
    quality: dict[str, pd.DataFrame]
    quality_values: pd.DataFrame
    nmo: pd.DataFrame | None  # status as codes; None: no НМО workbook
    no_rating: str = ""  # why there is no rating, in one sentence
    signed: dict | None = None  # period -> the edition it was taken from (`signed_files`)
    payroll: YearPayroll | None = None  # the months' «Фонд» shared (`annual_payroll`)
    accreditation: YearAccreditation | None = None  # the year's filings, next year's calendar; None: no НМО workbook

    def write_files(self, out_dir: Path | str | None = None) -> list[Path]:
        """Write the rating, its detail, the year's scores and the НМО plans as CSV into `out_dir`
        (default: the year's outputs folder)."""
        folder = Path(out_dir) if out_dir is not None else self.params.outputs / str(self.year)
        folder.mkdir(parents=True, exist_ok=True)
        tables = {"scores": self.scores, "nmo": self.nmo}
        if self.rating is not None:
            tables |= {"rating": self.rating.summary, "rating-detail": self.rating.detail}
        names = self.catalogs.positions.criterion_names()
        paths = [path for name, frame in sorted(tables.items()) if frame is not None
                 for path in write_both(frame, folder, self.file_name(name, ""), names)]
        if self.has_payroll():  # the year's money: payroll-YYYY.csv and .xlsx
            paths += self.payroll.write(folder)
        return paths

    def file_name(self, kind: str, suffix: str = ".xlsx") -> str:
        """The name of one of the year's files beside the report: «scores-2025.xlsx» for `kind` «scores»."""
        return f"{kind}-{self.year}{suffix}"

    def title_page(self) -> TitlePage:
        """The title page: clinic, title, year, the year's last day and the signatories' lines."""
        return TitlePage(self.params.clinic, "Итоги года: результативность, рейтинг подразделений, качество, НМО",
                         f"{self.year} год", words.date_words(dt.date(self.year, 12, 31)), SIGNATORIES,
                         words.title_page_note(self.provenance))

    def palette(self) -> dict[str, str]:
        """One colour per department, and the same colour for the rating unit that is that department."""
        from stomkpi.report.charts import PALETTE, colours
        from stomkpi.text import match_key

        out = colours(self.by_month.index)
        keys = {match_key(d): d for d in self.by_month.index}
        for unit in self.catalogs.indicators.units:
            same = next((keys[k] for k in map(match_key, (unit.name, *unit.aliases)) if k in keys), None)
            out[unit.name] = out[same] if same else PALETTE[-1]
        return out

    def summary(self) -> str:
        """The summary's opening: months, staff, the year's mean percent, below 100 %, the coefficient fund, the leader."""
        s = self.scores
        year = self.rating_year()
        leader = (f" Лучший результат по шкале 0–4 за год — {year.iloc[0]['Подразделение']} "
                  f"({year.iloc[0]['Результат за год']}).") if len(year) else ""
        return (f"## Сводка за {self.year} год\n\nМесяцев в отчёте: {len(self.months)}; сотрудников: "
                f"{s['staff_id'].nunique()}; средний процент выполнения показателей за год "
                f"{words.decimal(s['percent'].mean())}\u00a0%; оценок ниже 100\u00a0% — {int(below_norm(s['percent']).sum())} "
                f"из {len(s)}; лишений премии — {int((s['deprived_percent'] > 0).sum())}. Фонд коэффициентов за год "
                f"(сумма коэффициентов всех месяцев): **{words.decimal(s['coefficient'].sum(), 2)}**.{leader}"
                + self.editions_line())

    def year_totals(self) -> pd.DataFrame:
        """Per department for the year: staff, mean percent, person-months below 100 %, deprivations, the fund."""
        s = self.scores
        g = s.groupby("department", sort=True)
        out = pd.DataFrame({
            "Сотрудников": g["staff_id"].nunique(), "Средний % за год": g["percent"].mean().round(1),
            "Оценок ниже 100 %": g["percent"].apply(lambda v: int(below_norm(v).sum())),
            "Лишений премии": g["deprived_percent"].apply(lambda v: int((v > 0).sum())),
            "Фонд коэффициентов": g["coefficient"].sum().round(2)})
        out.loc["Всего"] = [s["staff_id"].nunique(), round(s["percent"].mean(), 1), int(below_norm(s["percent"]).sum()),
                            int((s["deprived_percent"] > 0).sum()), round(s["coefficient"].sum(), 2)]
        out.index.name = "Отделение"
        return out.reset_index()

    def rating_year(self) -> pd.DataFrame:
        """The year's rating: unit, result, place."""
        if self.rating is None:
            return pd.DataFrame(columns=["Подразделение", "Результат за год", "Место"])
        y = self.rating.summary[self.rating.summary["period"] == str(self.year)].sort_values(["rank", "unit_name"])
        return pd.DataFrame({"Подразделение": y["unit_name"], "Результат за год": [words.decimal(r, 3) for r in y["result"]],
                             "Место": y["place"]}).reset_index(drop=True)

    def provenance_table(self) -> pd.DataFrame:
        """The provenance as manifest.json records it."""
        return words.provenance_table(self.provenance)

    def scale_explained(self) -> str:
        """The 0–4 scale in prose, with the catalog's numbers."""
        return words.scale_explained(self.catalogs.indicators.scale)

    def month_column(self, period: str) -> str:
        """A month's column heading in the year's tables: «мар», or «мар (не утверждён)» for a month never approved."""
        state = (self.signed or {}).get(period, {})
        return words.month_short(period) + ("" if state.get("approved") else f" ({UNSIGNED})")

    def editions_line(self) -> str:
        """The summary's line on the months' editions: which month comes from which approved edition, which from the
        current book."""
        signed = self.signed or {}
        done = [f"{words.month_short(p)} — {edition_words(s)}" for p, s in sorted(signed.items()) if s.get("approved")]
        unsigned = [words.month_short(p) for p, s in sorted(signed.items()) if not s.get("approved")]
        parts = [f"из утверждённых редакций: {', '.join(done)}"] if done else []
        if unsigned:
            parts.append(f"{UNSIGNED} (взят из текущей книги месяца): {', '.join(unsigned)}")
        return f"\n\nМесяцы года: {'; '.join(parts)}." if parts else ""

    def by_month_table(self) -> pd.DataFrame:
        table = self.by_month.copy()
        table.columns = [self.month_column(m) for m in table.columns]
        table.index.name = "Отделение"
        return table.round(1)

    def by_person_tables(self) -> dict[str, pd.DataFrame]:
        """Per department: each employee's percent by month and for the year (a table per department, so
        that twelve months fit the page)."""
        out = {}
        for department, part in self.scores.groupby("department", sort=True):
            wide = part.pivot_table(index="name", columns="month", values="percent", aggfunc="first")
            wide.columns = [self.month_column(m) for m in wide.columns]
            wide["Год"] = wide.mean(axis=1).round(1)
            out[department] = wide.reset_index().rename(columns={"name": "ФИО"})
        return out

    def rating_table(self) -> pd.DataFrame:
        """Each unit's result and, in brackets, its place, per quarter and for the year."""
        if self.rating is None:
            return pd.DataFrame()
        s = self.rating.summary
        table = pd.DataFrame(index=sorted(s["unit_name"].unique()))
        for period, part in s.groupby("period", sort=True):
            label = period[-2:] if "Q" in period else "Год"
            part = part.set_index("unit_name")
            table[label] = [f"{words.decimal(part.loc[u, 'result'], 3)} ({part.loc[u, 'place']})" if u in part.index
                            else "—" for u in table.index]
        table = table[[c for c in table.columns if c != "Год"] + (["Год"] if "Год" in table.columns else [])]
        return table.rename_axis("Подразделение").reset_index()

    def rating_detail_tables(self) -> dict[str, pd.DataFrame]:
        """For the year, per unit: each indicator's value, thresholds, P, Кэф, Ув and Пр (none without a rating)."""
        if self.rating is None:
            return {}
        d = self.rating.detail
        d = d[d["period"] == str(self.year)]
        units = {u.code: u.name for u in self.catalogs.indicators.units}
        names = {i.code: i.name for i in self.catalogs.indicators.indicators}
        out = {}
        for unit, part in d.groupby("unit", sort=False):
            table = pd.DataFrame({
                "Показатель": part["indicator"].map(names), "Значение": part["value"].round(3),
                "Цель": part["target"], "Лучший в регионе": part["region_best"], "Экспертное": part["expert"].round(3),
                "P": [int(p) if r else "0 (не представлено)" for p, r in zip(part["score"], part["reported"], strict=True)],
                "Кэф": part["kef"].round(2), "Ув": part["weight_norm"].round(3),
                "Пр": part["pr"].round(3)})
            out[f"{units[unit]}: показатели за {self.year} год"] = table.reset_index(drop=True)
        return out

    def quality_indicators(self) -> pd.DataFrame:
        """The section 7 indicators of the year against their targets; no rows when none has a value for the year
        (the section is then one sentence, `quality_note`), rather than a row of blanks per indicator."""
        values = self.quality_values
        return values if len(values) and values["Значение"].notna().any() else pd.DataFrame()

    def nmo_table(self) -> pd.DataFrame:
        return pd.DataFrame() if self.nmo is None else words.nmo_display(self.nmo, self.catalogs.nmo)

    def nmo_note(self) -> str:
        """What the НМО table shows when it has no rows."""
        if self.nmo is None:
            return "Книга НМО не указана в параметрах (ключ «nmo_workbook»): состояние планов не показано."
        return "В книге НМО нет ни одного плана."

    def accreditation_markdown(self) -> str:
        """The accreditation section's opening; without an НМО workbook, the one sentence saying so."""
        return NO_BOOK if self.accreditation is None else self.accreditation.markdown()

    def has_payroll(self) -> bool:
        """A month of the year has a «Фонд» sheet: the year's money has tables."""
        return self.payroll is not None and bool(self.payroll.months)

    def payroll_section(self) -> str:
        """The heading and opening of the year's money; without any «Фонд» sheet, one sentence saying so."""
        if self.has_payroll():
            return self.payroll.markdown()
        return f"## Стимулирующие выплаты за {self.year} год\n\n{NO_FUND.format(year=self.year)}"

    def quality_note(self) -> str:
        """What the quality section shows when none of its indicators has a value for the year, and why."""
        if not len(self.quality_values):
            return "Лист «Статистика» не заполнен ни в одной книге месяца: показатели качества за год не посчитаны."
        indicators = self.catalogs.indicators
        fields = list(dict.fromkeys(indicators.fields[f] for i in indicators.indicators if i.section
                                    for f in (i.numerator, i.denominator)))
        return (f"В листах «Статистика» книг месяца нет счётчиков показателей качества раздела 7 («{fields[0]}», "
                f"«{fields[1]}» и других — все на листе «Поля» шаблона книги): показатели качества за год не посчитаны.")

    def lint_all(self) -> pd.DataFrame:
        rows = [(f.position, f.criterion or "—", f.message) for f in self.catalogs.positions.lint]
        rows += [("Показатели", n, note) for n, note in self.catalogs.indicators.notes()]
        rows.append(("Сравнения", "Пороги", COMPARISON_RULE))
        return pd.DataFrame(rows, columns=["Где", "Что", "Замечание"])


def year_workbooks(year: int, params: ClinicParams) -> dict[str, Path]:
    """The year's monthly workbooks that exist, by month `YYYY-MM`."""
    books = {f"{year}-{m:02d}": params.month_workbook(f"{year}-{m:02d}") for m in range(1, 13)}
    return {period: path for period, path in books.items() if is_present(path)}  # a FIFO is refused, not skipped


def annual_inputs(year: int, params: ClinicParams) -> dict[str, Path | None]:
    """The files a year's report reads: every monthly workbook of the year, the year's norms, the НМО workbook."""
    books = year_workbooks(year, params)
    if not books:
        raise ParamsError(f"нет ни одной книги месяца {year} года: ожидались файлы вида "
                          f"{params.month_workbook(f'{year}-01')}")
    norms = year_norms(params, year, books)
    files = {**{f"workbook {period}": b for period, b in books.items()}, "norms": norms, "nmo": params.nmo_workbook,
             "region_best": region_input(norms)}
    check_inputs(files)
    return files


def signed_files(year: int, params_file: Path | str, params: ClinicParams) -> tuple[dict[str, Path | None], dict]:
    """The files a year's report reads, and which edition each month is taken from: a month approved, from its latest
    approved edition's kept workbook (and norms); a month never approved, from its current workbook. The months'
    record (period -> the edition, its number, folder, approval and code; or «approved: false») goes into the
    provenance. Every approved folder read is checked first against its approval (`approval.check_folder`)."""
    from stomkpi.revisions.approval import revisions

    books = year_workbooks(year, params)
    signed = {}
    for m in range(1, 13):
        period = f"{year}-{m:02d}"
        approved = [r for r in revisions(params.outputs, period) if r.approved and _made_from(r, params_file)]
        if approved:
            signed[period] = approved[-1]
    if not books and not signed:
        annual_inputs(year, params)  # says which books were expected
    norms = year_norms(params, year, books)
    files: dict[str, Path | None] = {"params": Path(params_file)}
    months: dict[str, dict] = {}
    for period in sorted(set(books) | set(signed)):
        files[f"workbook {period}"], months[period] = books.get(period), {"approved": False, "norms": "norms"}
        if period in signed:
            files.update(_edition_files(signed[period], period, norms, months))
    files |= {"norms": norms, "nmo": params.nmo_workbook, "region_best": region_input(norms)}
    check_inputs(files)
    return files, months


def _made_from(rev, params_file: Path | str) -> bool:
    """The edition was made from this parameters file (clinics sharing an outputs folder do not take each other's
    months); an edition that did not keep its parameters file cannot say, and counts."""
    made = rev.manifest()["inputs"].get("params", {}).get("path")
    return made is None or made == recorded(params_file, clinic_root(params_file))


def _edition_files(rev, period: str, norms: Path | None, months: dict) -> dict[str, Path]:
    """An approved month's kept workbook (and its norms, when not the year's), recorded in `months`."""
    from stomkpi.provenance import sha256_file
    from stomkpi.revisions.approval import check_folder
    from stomkpi.revisions.checked import inside

    check_folder(rev)
    record, inputs = rev.approval(), rev.manifest()["inputs"]
    months[period] = {"approved": True, "revision": rev.number, "folder": rev.folder.name,
                      "approved_at": record["approved_at"], "approved_by": record.get("approved_by"),
                      "edition": record.get("edition"), "approval_sha256": sha256_file(rev.folder / "approval.json"),
                      "norms": None}
    files = {f"workbook {period}": inside(rev.folder, inputs["workbook"]["kept"])}
    if "kept" in inputs.get("params", {}):  # the edition's payroll settings share its fund as when it was approved
        files[f"params {period}"] = inside(rev.folder, inputs["params"]["kept"])
        months[period]["params"] = f"params {period}"
    kept_norms = inputs.get("norms", {})
    if "kept" in kept_norms:
        same = norms is not None and sha256_file(norms) == kept_norms["sha256"]
        months[period]["norms"] = "norms" if same else f"norms {period}"
        if not same:
            files[f"norms {period}"] = inside(rev.folder, kept_norms["kept"])
    return files


def read_annual(year: int, params: ClinicParams, catalogs: Catalogs, files: dict[str, Path | None] | None = None,
                months: dict | None = None) -> tuple[dict[str, MonthInputs], NmoRecords | None]:
    """Read and check every input of a year's report (`files` and `months` of `signed_files`; by default every
    current workbook of the year): all input errors of a workbook at once, nothing computed."""
    if files is None:
        files = annual_inputs(year, params)
        months = {period: {"approved": False, "norms": "norms"} for period in year_workbooks(year, params)}
    inputs = {period: read_inputs(files[f"workbook {period}"], catalogs, period=period,
                                  norms_file=files.get(state["norms"]) if state["norms"] else None)
              for period, state in sorted(months.items())}
    nmo = read_nmo(files["nmo"], catalogs.nmo, dt.date(year, 12, 31), strict=False) if files.get("nmo") else None
    return inputs, nmo


def annual_provenance(year: int, params_file: Path | str, params: ClinicParams, catalogs: Catalogs,
                      files: dict[str, Path | None] | None = None, months: dict | None = None) -> dict:
    """What produced a year's report: parameters, input checksums (of `files`, by default `signed_files`), which
    edition each month was taken from, catalog hashes, versions."""
    root = clinic_root(params_file)
    parameters = {"year": year, "params": recorded(params_file, root), "clinic": params.clinic,
                  "catalog_dir": recorded(params.catalog_dir, root)}
    if files is None:
        files, months = signed_files(year, params_file, params)
    return {**collect("annual.ipynb", parameters, files, catalogs, root), "months": months}


def build_annual(year: int, params: Path | str, provenance: dict | None = None) -> AnnualReport:
    """Read, check and score every month of the year, rate the units and derive every table of the annual report
    from the clinic's parameters file `params` (a notebook opened without one takes the demo's, `demo_params`)."""
    settings = load_params(params)
    catalogs = load_catalogs(settings.catalog_dir)
    if has_copies(provenance):  # the copies the report keeps, each month's from the edition the provenance names
        files, signed = provenance_files(provenance, params), provenance["months"]
    else:
        files, signed = signed_files(year, params, settings)
        provenance = provenance or annual_provenance(year, params, settings, catalogs, files, signed)
    inputs, records = read_annual(year, settings, catalogs, files, signed)
    indicators = catalogs.indicators
    months = {k: score_inputs(m, catalogs) for k, m in inputs.items()}
    scores = pd.concat([m.scores.table.assign(month=k, edition=edition_words(signed[k])) for k, m in months.items()],
                       ignore_index=True)
    by_month = scores.pivot_table(index="department", columns="month", values="percent", aggfunc="mean")
    norms_file = files.get("norms")  # the year's norms rate the year, whatever norms a signed month was scored by
    norms = next((m.norms for k, m in inputs.items() if signed[k]["norms"] == "norms"), None) if norms_file else None
    if norms_file and norms is None:
        from stomkpi.norms import load_norms

        norms = load_norms(norms_file, indicators)
    has_counts = any(m.month.stats is not None and len(m.month.stats) for m in months.values())
    counts = month_counts([m.month for m in months.values()], indicators) if has_counts else None
    rating, no_rating = None, ""
    if counts is None:
        no_rating = "Лист «Статистика» не заполнен ни в одной книге месяца: рейтинг подразделений не посчитан."
    elif norms is None:
        no_rating = (f"Файла норм {year} года нет ({settings.norms_file(year).name}): рейтинг подразделений не посчитан "
                     "— цели, лучшие по региону и экспертные значения берутся из него.")
    else:
        rating = rate_counts(counts, norms, indicators)
    reviews = [m.month.reviews for m in months.values() if m.month.reviews is not None and len(m.month.reviews)]
    finished = 0.0 if counts is None else counts.loc[counts["field"] == indicators.quality.finished_cases_field, "value"].sum()
    quality = quality_tables(pd.concat(reviews, ignore_index=True), float(finished), indicators) if reviews else {}
    targets = load_quality_targets(norms_file, indicators) if norms_file else {}
    quality_values = pd.DataFrame() if counts is None else quality_vs_targets(counts, indicators, targets, year)
    nmo = nmo_status(records, catalogs.nmo, dt.date(year, 12, 31)) if records is not None else None
    report = AnnualReport(year, settings, provenance, catalogs, inputs, scores, by_month, rating, quality,
                          quality_values, nmo, no_rating, signed)
    if records is not None:
        report.accreditation = YearAccreditation.build(records, readiness(records, catalogs.nmo, dt.date(year, 12, 31)),
                                                       year)
    report.payroll = year_payroll(year, months, _payroll_settings(files, signed, settings),
                                  {k: report.month_column(k) for k in months}, {k: edition_words(signed[k]) for k in months})
    return report


def _payroll_settings(files: dict[str, Path | None], signed: dict, settings: ClinicParams) -> dict:
    """Each month's payroll settings: an approved month's from its edition's kept parameters, the rest the clinic's."""
    return {period: load_params(files[state["params"]]).payroll if state.get("params") else settings.payroll
            for period, state in signed.items()}
