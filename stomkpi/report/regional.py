"""The regional summary: many clinics' year side by side — computed in one call (`build_regional`) that
the regional notebook displays and writes the report's files from.

The story: read and score every clinic's year (its workbooks, norms and НМО workbook, as its annual
report would: each month from the clinic's latest approved edition's kept inputs, a month never approved
from its current workbook and marked «не утверждён» wherever its figures appear) → each unit's МКР
indicators per quarter and for the year → the region's best value of each unit's indicator for the
year, over the clinics that reported it → every clinic rated on the section 6 scale with its own norms,
where `region_best: auto` takes the value just computed → its place in the region → the coefficient
funds per month → the НМО plans at risk at the year's end.

The rule: the region's best and the places are the effectiveness engine's (`region_best`, `region_places`);
this module reads the clinics, calls the engines and names what they return. The region's best is written
as `region-best-YYYY.yaml`; a clinic's norms file takes it with `region_best: auto` and
`region_best_file:` (see `norms.py`), so nobody types it by hand.

The regional folder keeps a copy of every input it read in `inputs/` (named `<clinic>-<file>`), and its
manifest names, per clinic and month, the edition used and its approval checksum (`months`); so `verify`
re-runs it from its copies as it does a clinic's report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from stomkpi.accreditation import readiness
from stomkpi.catalog import Catalogs, load_catalogs
from stomkpi.config import ClinicParams, clinic_name, clinic_root, load_params
from stomkpi.effectiveness import rate, region_best, region_places
from stomkpi.errors import ParamsError
from stomkpi.nmo import at_risk
from stomkpi.nmo import status as nmo_status
from stomkpi.norms import load_norms
from stomkpi.pipeline import month_counts, score_inputs, unit_values
from stomkpi.provenance import collect, recorded
from stomkpi.report import words
from stomkpi.report.accreditation_report import clinic_states, clinic_states_note
from stomkpi.report.annual import UNSIGNED, edition_words, read_annual, signed_files
from stomkpi.report.files import write_sheets
from stomkpi.revisions.approval import INPUTS, kept_name
from stomkpi.revisions.kept import has_copies, provenance_files
from stomkpi.safe import markdown_text, write_csv

STATUSES = ("done", "on_track", "behind", "overdue")
CLINIC_COLUMNS = 8  # clinics side by side in a unit's table of P: their short names and 0–4 fit the page whole
REGION_SIGNATORIES = ["Руководитель органа управления здравоохранением", "Отчёт подготовил(а)"]


@dataclass
class ClinicYear:
    """One clinic's year as the regional report needs it."""

    name: str  # its folder name (the parameters file's name)
    title: str  # its name as its parameters say
    values: pd.DataFrame  # unit, period, indicator, value (quarters and the year)
    norms_file: Path
    funds: pd.DataFrame  # month, staff, rates, coefficient_sum
    nmo: pd.DataFrame | None  # every plan's status at the year's end
    months: dict  # period -> the edition it was taken from (`annual.signed_files`)
    accreditation: pd.DataFrame | None = None  # every plan's readiness at the year's end (`accreditation.readiness`)


@dataclass
class RegionalReport:
    year: int
    provenance: dict
    catalogs: Catalogs
    clinics: list[ClinicYear]
    values: pd.DataFrame  # clinic, unit, period, indicator, value
    best: pd.DataFrame  # unit, indicator, direction, value, clinic: the region's best of the year
    detail: pd.DataFrame  # clinic + the rating detail (P, Кэф, Пр per indicator)
    summary: pd.DataFrame  # clinic, unit, unit_name, period, result, place (within the clinic), region_place
    funds: pd.DataFrame  # clinic, month, staff, rates, coefficient_sum, approved (from an approved edition)
    nmo: pd.DataFrame  # clinic × status counts and at risk

    def accreditation_table(self) -> pd.DataFrame:
        """Per clinic: its accreditation plans at the year's end in all and in each state."""
        labels = clinic_labels(self.clinics)[0]
        return clinic_states({labels[c.name]: c.accreditation for c in self.clinics})

    def accreditation_note(self) -> str:
        return clinic_states_note(self.year)

    def write_files(self, out_dir: Path | str) -> list[Path]:
        """The workbook of the tables, the rating as CSV and the region's best for the clinics' norms files."""
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        book = folder / f"region-{self.year}.xlsx"
        write_sheets({"Результаты": self.results_table(), "Баллы P": self.scores_table(),
                      "Лучшие в регионе": self.best_table(), "Фонды": self.funds_table(),
                      "Фонды по месяцам": self.funds_by_month(), "НМО": self.nmo_table()}, book)
        rating = write_csv(self.summary.drop(columns=["rank"]), folder / f"region-rating-{self.year}.csv")
        return [book, rating, self.write_region_best(folder / f"region-best-{self.year}.yaml")]

    def write_region_best(self, path: Path) -> Path:
        """`region-best-YYYY.yaml`: what a norms file's `region_best: auto` takes."""
        units: dict[str, dict[str, float]] = {}
        holders: dict[str, dict[str, str]] = {}
        for r in self.best.itertuples(index=False):
            units.setdefault(r.unit, {})[r.indicator] = float(r.value)
            holders.setdefault(r.unit, {})[r.indicator] = r.clinic
        head = (f"# Лучшие показатели по региону за {self.year} год: посчитаны сводным отчётом (stomkpi region)\n"
                "# из данных поликлиник. Файл норм поликлиники берёт их так: region_best_file: путь к этому файлу,\n"
                "# и region_best: auto у показателя. holders — чей показатель лучший.\n")
        body = {"year": self.year, "clinics": [c.name for c in self.clinics], "units": units, "holders": holders}
        path.write_text(head + yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    def title_page(self):
        """The title page: the region's clinics, the title, the year, the year's last day and the signatories' lines."""
        from stomkpi.report.display import TitlePage

        return TitlePage(f"Поликлиник в сводке: {len(self.clinics)}", "Сводный отчёт региона", f"за {self.year} год",
                         words.date_words(dt.date(self.year, 12, 31)), REGION_SIGNATORIES,
                         words.title_page_note(self.provenance))

    def summary_text(self) -> str:
        """The summary's text: the clinics, the leader of every unit on the section 6 scale, the funds, the НМО risk."""
        full, short = clinic_labels(self.clinics)
        names = "; ".join(f"{markdown_text(short[c.name])} — {markdown_text(full[c.name])}" for c in self.clinics)
        year = self.summary_year()
        units = self._unit_names()
        leaders = [f"{markdown_text(units.get(r.unit, r.unit))} — {markdown_text(full[r.clinic])} "
                   f"({words.decimal(r.result, 3)})" for r in year[year["region_place"] == 1].itertuples(index=False)]
        funds = self.funds.groupby("clinic", sort=False)["coefficient_sum"].sum()
        unsigned = self.unsigned_months()
        fund_words = "; ".join(f"{markdown_text(full[c])} — {words.decimal(v, 2)}"
                               + (f" ({UNSIGNED}: {unsigned[c]})" if unsigned[c] else "") for c, v in funds.items())
        risk = "; ".join(f"{markdown_text(full[r.clinic])} — {int(r.at_risk)} из {int(r.plans)}"
                         for r in self.nmo.itertuples(index=False))
        return "\n\n".join([
            f"## Сводка за {self.year} год",
            f"Поликлиник: {len(self.clinics)} (сокращение в таблицах — полное название): {names}.",
            "Лучший результат подразделения по шкале 0–4 (раздел 6) среди поликлиник региона: "
            + ("; ".join(leaders) if leaders else "нет подразделений с результатом") + ".",
            f"Фонд коэффициентов за год (сумма коэффициентов стимулирующих выплат всех месяцев): {fund_words or 'нет'}.",
            f"НМО — планов, требующих внимания на конец года: {risk or 'книг НМО нет'}.",
            self.editions_text()])

    def unsigned_months(self) -> dict[str, str]:
        """Per clinic, its months never approved (taken from the current book), in words: «янв–ноя», or ''."""
        return {c.name: months_words([p for p, state in c.months.items() if not state.get("approved")])
                for c in self.clinics}

    def editions_text(self) -> str:
        """A line per clinic on its months' editions: which month comes from which approved edition, which from the
        current book, «не утверждён» (as the annual report's `editions_line`)."""
        full = clinic_labels(self.clinics)[0]
        lines = []
        for c in self.clinics:
            done = [f"{words.month_short(p)} — {edition_words(s)}" for p, s in sorted(c.months.items()) if s.get("approved")]
            unsigned = months_words([p for p, s in c.months.items() if not s.get("approved")])
            parts = [f"из утверждённых редакций: {', '.join(done)}"] if done else []
            parts += [f"{UNSIGNED} (взят из текущей книги месяца): {unsigned}"] if unsigned else []
            lines.append(f"- {markdown_text(full[c.name])}: {'; '.join(parts)}.")
        return "Месяцы поликлиник в отчёте:\n\n" + "\n".join(lines)

    def summary_year(self) -> pd.DataFrame:
        """The rated units of the year, in the catalog's order of units and by place."""
        year = self.summary[self.summary["period"] == str(self.year)]
        order = {u.code: k for k, u in enumerate(self.catalogs.indicators.units)}
        return year.assign(_o=year["unit"].map(order)).sort_values(["_o", "region_place"], kind="stable").drop(columns="_o")

    def provenance_table(self) -> pd.DataFrame:
        return words.provenance_table(self.provenance)

    def scale_explained(self) -> str:
        return words.scale_explained(self.catalogs.indicators.scale)

    def _unit_names(self) -> dict[str, str]:
        return {u.code: u.name for u in self.catalogs.indicators.units}

    def results_wide(self) -> pd.DataFrame:
        """Clinics × units (in the catalog's order): the year's result, for the heat map."""
        year = self.summary[self.summary["period"] == str(self.year)]
        wide = year.pivot_table(index="clinic", columns="unit", values="result", aggfunc="first")
        wide = wide.reindex(index=[c.name for c in self.clinics],
                            columns=[u.code for u in self.catalogs.indicators.units if u.code in wide.columns])
        return wide.rename(index=clinic_labels(self.clinics)[1], columns=self._unit_names())

    def results_table(self) -> pd.DataFrame:
        """A row per clinic, a column per unit: the year's result Σ Пр and the place among the same units."""
        year = self.summary[self.summary["period"] == str(self.year)]
        wide = year.pivot_table(index="clinic", columns="unit", values="result", aggfunc="first")
        places = year.pivot_table(index="clinic", columns="unit", values="region_place", aggfunc="first")
        units = [u for u in self.catalogs.indicators.units if u.code in wide.columns]
        clinics = [c.name for c in self.clinics if c.name in wide.index]
        table = pd.DataFrame({"Учреждение": [clinic_labels(self.clinics)[0][c] for c in clinics]})
        for u in units:
            table[u.name] = [_result_text(wide.at[c, u.code], places.at[c, u.code]) for c in clinics]
        return table

    def scores_tables(self) -> dict[str, pd.DataFrame]:
        """Per unit: a row per indicator, a column per clinic (by its short name, `clinic_labels`) — the year's P on
        the 0–4 scale; so the indicators' names stay whole however many clinics there are (past `CLINIC_COLUMNS`,
        the clinics are split across tables)."""
        d = self.detail[self.detail["period"] == str(self.year)]
        names = {i.code: i.name for i in self.catalogs.indicators.indicators}
        short = clinic_labels(self.clinics)[1]
        out = {}
        for unit in self.catalogs.indicators.units:
            part = d[d["unit"] == unit.code]
            if part.empty:
                continue
            wide = part.pivot_table(index="indicator", columns="clinic", values="score", aggfunc="first")
            codes = [c for c in unit.indicators if c in wide.index]
            clinics = [c.name for c in self.clinics if c.name in wide.columns]
            groups = [clinics[k:k + CLINIC_COLUMNS] for k in range(0, len(clinics), CLINIC_COLUMNS)]
            for n, group in enumerate(groups, start=1):
                table = pd.DataFrame({"Показатель": [names[code] for code in codes]})
                for c in group:
                    table[short[c]] = [_score_text(wide.at[code, c]) for code in codes]
                part_words = f" (часть {n} из {len(groups)})" if len(groups) > 1 else ""
                out[f"{unit.name}: балл P за {self.year} год{part_words}"] = table
        return out

    def scores_table(self) -> pd.DataFrame:
        """Every clinic × unit × indicator in one long table (the workbook's sheet)."""
        d = self.detail[self.detail["period"] == str(self.year)]
        names = {i.code: i.name for i in self.catalogs.indicators.indicators}
        order = {(u.code, code): (i, j) for i, u in enumerate(self.catalogs.indicators.units)
                 for j, code in enumerate(u.indicators)}
        clinics = {c.name: k for k, c in enumerate(self.clinics)}
        d = d.assign(key=[(clinics[c], *order[(u, i)]) for c, u, i in d[["clinic", "unit", "indicator"]].itertuples(
            index=False)]).sort_values("key")
        return pd.DataFrame({"Учреждение": d["clinic"].map(clinic_labels(self.clinics)[0]),
                             "Подразделение": d["unit"].map(self._unit_names()),
                             "Показатель": d["indicator"].map(names), "Значение": d["value"].round(3),
                             "Цель": d["target"], "Лучший в регионе": d["region_best"].round(3),
                             "Экспертное": d["expert"].round(3),
                             "P": [_score_text(p) for p in d["score"]]}).reset_index(drop=True)

    def best_table(self) -> pd.DataFrame:
        names = {i.code: i.name for i in self.catalogs.indicators.indicators}
        b = self.best
        return pd.DataFrame({
            "Подразделение": b["unit"].map(self._unit_names()), "Показатель": b["indicator"].map(names),
            "Лучше": b["direction"].map({"lower": "меньше", "higher": "больше"}),
            "Лучший в регионе": b["value"].round(3), "Учреждение": b["clinic"].map(clinic_labels(self.clinics)[0]),
            "Поликлиник с данными": b["reported"]})

    def funds_table(self) -> pd.DataFrame:
        """Per clinic over the year: head count, rates, the sum of coefficients and the sum per rate."""
        f = self.funds.groupby("clinic", sort=False).agg(
            months=("month", "nunique"), staff=("staff", "mean"), rates=("rates", "mean"),
            coefficient_sum=("coefficient_sum", "sum"), rate_months=("rates", "sum"))
        return pd.DataFrame({
            "Учреждение": f.index.map(clinic_labels(self.clinics)[0]), "Месяцев": f["months"].to_numpy(),
            "Сотрудников в месяц": f["staff"].round(1).to_numpy(), "Ставок ОМС в месяц": f["rates"].round(2).to_numpy(),
            "Сумма коэффициентов за год": f["coefficient_sum"].round(2).to_numpy(),
            "На ставку в месяц": (f["coefficient_sum"] / f["rate_months"]).round(3).to_numpy(),
            "Не утверждён": [self.unsigned_months()[c] or "—" for c in f.index]})

    def funds_by_month(self) -> pd.DataFrame:
        """A row per clinic, a column per month: the sum of the coefficients of stimulating payments
        (the clinic's fund is shared in proportion to them); the last column names the clinic's months never approved
        (taken from the current book)."""
        wide = self.funds.pivot_table(index="clinic", columns="month", values="coefficient_sum", aggfunc="first")
        wide = wide.reindex([c.name for c in self.clinics if c.name in wide.index]).round(2)
        wide.columns = [words.month_short(m) for m in wide.columns]
        wide["Не утверждён"] = [self.unsigned_months()[c] or "—" for c in wide.index]
        return wide.rename(index=clinic_labels(self.clinics)[0]).reset_index(names="Учреждение")

    def nmo_table(self) -> pd.DataFrame:
        return self.nmo.assign(clinic=self.nmo["clinic"].map(clinic_labels(self.clinics)[0])).rename(columns={
            "clinic": "Учреждение", "plans": "Планов", "at_risk": "Требуют внимания", **words.STATUS_NAMES})


def months_words(periods: list[str]) -> str:
    """Months `YYYY-MM` of one year in short words, a run of three or more as a range: «янв–ноя», «мар, май, июн»."""
    numbers = sorted(int(p[-2:]) for p in periods)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    short = words.MONTH_SHORT
    return ", ".join(f"{short[r[0] - 1]}–{short[r[-1] - 1]}" if len(r) >= 3 else ", ".join(short[n - 1] for n in r)
                     for r in runs)


def read_clinic(year: int, params_file: Path, params: ClinicParams, catalogs: Catalogs,
                files: dict[str, Path | None] | None = None, months: dict | None = None) -> ClinicYear:
    """Read and score one clinic's year: its units' indicators, its coefficient funds, its НМО plans. `files` and
    `months` as `annual.signed_files` gives them (by default: what it gives now)."""
    if files is None:
        files, months = signed_files(year, params_file, params)
    inputs, records = read_annual(year, params, catalogs, files, months)
    scored = {k: score_inputs(m, catalogs) for k, m in inputs.items()}
    funds = pd.DataFrame([{"month": k, "staff": len(s.scores.table), "rates": s.scores.table["rates_oms"].sum(),
                           "coefficient_sum": s.scores.table["coefficient"].sum(),
                           "approved": bool(months[k].get("approved"))} for k, s in scored.items()])
    counts = month_counts([m.month for m in inputs.values()], catalogs.indicators)
    values = unit_values(counts, catalogs.indicators)
    nmo = nmo_status(records, catalogs.nmo, dt.date(year, 12, 31)) if records is not None else None
    accreditation = readiness(records, catalogs.nmo, dt.date(year, 12, 31)) if records is not None else None
    norms_file = files.get("norms")
    if norms_file is None:
        raise ParamsError(f"у поликлиники «{params.clinic}» нет норм {year} года: без них её подразделения не оценить")
    return ClinicYear(clinic_name(params_file), params.clinic, values, norms_file, funds, nmo, months, accreditation)


def regional_files(year: int, params_files: list[Path], settings: list[ClinicParams]) -> tuple[dict[str, Path], dict]:
    """Every clinic's inputs of the year, labelled «<clinic>: <label>», and which edition each clinic's month is taken
    from (clinic -> period -> edition): each clinic's as its annual report takes them (`annual.signed_files`), less the
    region's best, which the report computes itself."""
    files, months = {}, {}
    for path, params in zip(params_files, settings, strict=True):
        name = clinic_name(path)
        mine, months[name] = signed_files(year, path, params)
        mine.pop("region_best", None)
        files.update({f"{name}: {label}": p for label, p in mine.items() if p is not None})
    return files, months


def clinic_files(files: dict[str, Path], name: str) -> dict[str, Path]:
    """One clinic's inputs out of the region's, by their labels in that clinic's annual report."""
    head = f"{name}: "
    return {label.removeprefix(head): p for label, p in files.items() if label.startswith(head)}


def regional_provenance(year: int, params_files: list[Path], settings: list[ClinicParams], catalogs: Catalogs,
                        files: dict[str, Path] | None = None, months: dict | None = None) -> dict:
    """What produced the regional report: every clinic's parameters and inputs (`files` and `months` of
    `regional_files`, by default what it gives now), which edition each clinic's month was taken from, the catalogs,
    the versions. Paths are relative to the first clinic's folder (the region's, when the clinics share one)."""
    root = clinic_root(params_files[0])
    parameters = {"year": year, "params": [recorded(p, root) for p in params_files],
                  "clinics": [p.clinic for p in settings]}
    if files is None:
        files, months = regional_files(year, params_files, settings)
    return {**collect("regional.ipynb", parameters, files, catalogs, root), "months": months}


def with_clinic_copies(provenance: dict) -> dict:
    """The provenance with, for every input, the name of its copy in the regional folder: `inputs/<clinic>-<file>`
    (as `approval.with_kept_inputs` names a clinic's copies, the clinic's name first)."""
    taken: dict[str, set[str]] = {}
    inputs = {}
    for label, rec in sorted(provenance["inputs"].items()):
        clinic, _, own = label.partition(": ")
        name = kept_name(own, Path(rec["path"]), taken.setdefault(clinic, set())).removeprefix(f"{INPUTS}/")
        safe = re.sub(r"[^\w.-]+", "-", name)  # a clash within the clinic puts the label first: «norms 2025-12-…»
        inputs[label] = {**rec, "kept": f"{INPUTS}/{clinic}-{safe}"}
    return {**provenance, "inputs": inputs}


def build_regional(year: int, params: list[Path | str], provenance: dict | None = None) -> RegionalReport:
    """Read every clinic's year, compute the region's best and rate every clinic's units with it."""
    files = [Path(p) for p in params]
    if not files:
        raise ParamsError("сводному отчёту нужны файлы параметров поликлиник (--params, по одному на поликлинику)")
    settings = [load_params(p) for p in files]
    catalogs = load_catalogs(settings[0].catalog_dir)
    name = catalogs.indicators.path.name
    for path, s in zip(files[1:], settings[1:], strict=True):
        if load_catalogs(s.catalog_dir).hashes.get(name) != catalogs.hashes[name]:
            raise ParamsError(f"у поликлиники {clinic_name(path)} свой каталог показателей: сравнивать в регионе "
                              "можно только по одному каталогу")
    names = [clinic_name(p) for p in files]
    if len(set(names)) != len(names):
        raise ParamsError("у разных поликлиник одно имя файла параметров: имя файла называет поликлинику в отчёте")
    if has_copies(provenance):  # the copies the report keeps, each clinic's month from the edition the provenance names
        inputs, months = provenance_files(provenance, files[0]), provenance["months"]
    else:
        inputs, months = regional_files(year, files, settings)
        provenance = provenance or regional_provenance(year, files, settings, catalogs, inputs, months)
    indicators = catalogs.indicators
    clinics = [read_clinic(year, path, s, catalogs, clinic_files(inputs, n), months[n])
               for path, s, n in zip(files, settings, names, strict=True)]
    values = pd.concat([c.values.assign(clinic=c.name) for c in clinics], ignore_index=True)
    best = region_best(values, indicators, year)
    best_map: dict[str, dict[str, float]] = {}
    for r in best.itertuples(index=False):
        best_map.setdefault(r.unit, {})[r.indicator] = r.value
    details, summaries = [], []
    for c in clinics:
        detail, summary = rate(c.values, load_norms(c.norms_file, indicators, region_best=best_map), indicators)
        if detail["region_best"].isna().any():
            missing = detail.loc[detail["region_best"].isna(), ["unit", "indicator"]].drop_duplicates()
            raise ParamsError(f"у поликлиники {c.name} region_best: auto, а в регионе нет данных: "
                              + ", ".join(f"{u}.{i}" for u, i in missing.itertuples(index=False)))
        details.append(detail.assign(clinic=c.name))
        summaries.append(summary.assign(clinic=c.name))
    detail = pd.concat(details, ignore_index=True)
    summary = pd.concat(summaries, ignore_index=True)
    summary["region_place"] = region_places(summary)
    summary = summary[["clinic", "unit", "unit_name", "period", "result", "indicators", "missing", "below_range",
                       "rank", "place", "region_place"]]
    funds = pd.concat([c.funds.assign(clinic=c.name) for c in clinics], ignore_index=True)
    return RegionalReport(year, provenance, catalogs, clinics, values, best, detail, summary,
                          funds[["clinic", "month", "staff", "rates", "coefficient_sum", "approved"]],
                          _nmo_counts(clinics, catalogs, year))


def _nmo_counts(clinics: list[ClinicYear], catalogs: Catalogs, year: int) -> pd.DataFrame:
    rows = []
    on = dt.date(year, 12, 31)
    for c in clinics:
        row = {"clinic": c.name, "plans": 0, **dict.fromkeys(STATUSES, 0), "at_risk": 0}
        if c.nmo is not None:
            counts = c.nmo["status"].value_counts()
            row.update(plans=len(c.nmo), **{s: int(counts.get(s, 0)) for s in STATUSES},
                       at_risk=len(at_risk(c.nmo, on, catalogs.nmo)))
        rows.append(row)
    return pd.DataFrame(rows)


def clinic_labels(clinics: list[ClinicYear]) -> tuple[dict[str, str], dict[str, str]]:
    """Each clinic's name for people, by its parameters file's name: the full name (with the file's name where two
    clinics share one) and a short form for tight columns («Стоматологическая поликлиника № 1» -> «СП № 1»; «П1»,
    «П2» … where short forms would coincide)."""
    titles = [c.title for c in clinics]
    full = {c.name: c.title if titles.count(c.title) == 1 else f"{c.title} ({c.name})" for c in clinics}
    short = {c.name: short_name(c.title) for c in clinics}
    if len(set(short.values())) < len(short) or not all(short.values()):
        short = {c.name: f"П{k}" for k, c in enumerate(clinics, start=1)}
    return full, short


def short_name(title: str) -> str:
    """A clinic's name in short: each word by its capital initial, numbers, «№» and a quoted name kept
    («Стоматологическая поликлиника № 1» -> «СП № 1»; «Стоматологический кабинет «Улыбка»» -> «СК «Улыбка»»)."""
    quoted = re.search(r"«[^»]*»", title)
    head = title[:quoted.start()] if quoted else title
    parts, initials = [], ""
    for word in head.split():
        if re.search(r"\d|№", word):
            if initials:
                parts.append(initials)
                initials = ""
            parts.append(word)
        elif len(word) > 1 and word.isupper():  # an abbreviation already: ГАУЗ
            initials += word
        elif word[:1].isalpha():
            initials += word[0].upper()
    if initials:
        parts.append(initials)
    if quoted:
        inner = quoted.group(0)[1:-1]
        parts.append(f"«{inner if len(inner) <= 20 else short_name(inner)}»")
    return " ".join(parts)


def _result_text(result: float, place: float) -> str:
    if pd.isna(result):
        return "—"
    return f"{result:.3f} ({int(place)})".replace(".", ",")


def _score_text(score: float) -> str:
    return "—" if pd.isna(score) else str(int(score))
