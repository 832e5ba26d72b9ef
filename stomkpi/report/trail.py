"""Where each value of a card came from, in words: what an employee holds in a dispute.

Pure: a scored month in, per employee and criterion one line out, none computed again. A count the
program derived names the rows it was made of — ОКЛ: each reviewed case below the КМП threshold
(case, coefficient, category, reason) from «Экспертиза»; УКВ: each indicator that missed its norm,
with its value and the norm, from «Статистика»; a `per_event` criterion: each event's date, count
and note from «События». A value typed on «Показатели» is said to be typed, and needs no trail.

Editing rule: every figure is the scoring's or the derivation's (`derive.Derived`); a new source of
a count gets its own line here, so that no card shows a number without where it came from.
"""

from __future__ import annotations

import pandas as pd

from stomkpi.derive import SOURCE_REVIEWS, SOURCE_STATS
from stomkpi.indicators import UKV_MET, UKV_NO_DATA, UKV_NO_NORM, quality_category
from stomkpi.pipeline import ScoredMonth
from stomkpi.report.words import number
from stomkpi.safe import clean
from stomkpi.text import fmt

_NO_ROW = "нет строки — 0 замечаний и случаев, у прочих критериев «не введено»"
TYPED = f"Остальные значения введены на листе «Показатели» ({_NO_ROW})."
ALL_TYPED = f"Все значения введены на листе «Показатели» ({_NO_ROW})."


def value_trails(scored: ScoredMonth) -> dict[str, dict[str, str]]:
    """staff_id -> criterion code -> where its value came from, for every value the program did not take as typed.

    Each source's rows are filtered, ordered and split by person once for the whole month (a person's rows keep
    the order a filter and a stable sort of their own rows would give them); the lines are then made of plain
    values, person by person."""
    out: dict[str, dict[str, str]] = {}
    derived = scored.derived
    cases, indicators = _reviewed_by_person(scored), _missed_by_person(scored)
    for sid, criterion, source in derived.sources[["staff_id", "criterion", "source"]].itertuples(index=False):
        if source == SOURCE_REVIEWS:
            out.setdefault(str(sid), {})[criterion] = _cases(scored, str(sid), *cases.get(str(sid), (0, [])))
        elif source == SOURCE_STATS:
            out.setdefault(str(sid), {})[criterion] = _indicators(scored, *indicators.get(str(sid), (0, [])))
    events = scored.month.events
    ordered = events.sort_values("date", kind="stable")
    totals = events.groupby(["staff_id", "criterion"], sort=True)["count"].sum()
    for (sid, criterion), own in ordered.groupby(["staff_id", "criterion"], sort=True):
        rows = list(own[["date", "count", "note"]].itertuples(index=False, name=None))
        out.setdefault(str(sid), {})[str(criterion)] = _events(rows, totals[(sid, criterion)])
    return out


def _split(frame: pd.DataFrame, columns: list[str]) -> dict[str, list[tuple]]:
    """staff_id -> that person's rows of `frame` (as tuples of `columns`), in the frame's order."""
    out: dict[str, list[tuple]] = {}
    for sid, *values in frame[["staff_id", *columns]].itertuples(index=False, name=None):
        out.setdefault(str(sid), []).append(tuple(values))
    return out


def _reviewed_by_person(scored: ScoredMonth) -> dict[str, tuple[int, list[tuple]]]:
    """staff_id -> (cases reviewed, [(case, author, coefficient, reason, category)] of those below the КМП threshold,
    by coefficient and case)."""
    reviewed = scored.derived.reviewed
    checked = reviewed["staff_id"].astype(str).value_counts()
    low = reviewed[reviewed["below"].astype(bool)].sort_values(["coefficient", "case"], kind="stable")
    low = low.assign(category=quality_category(low["coefficient"].astype(float), scored.catalogs.indicators))
    rows = _split(low, ["case", "author", "coefficient", "reason", "category"])
    return {sid: (int(n), rows.get(sid, [])) for sid, n in checked.items()}


def _missed_by_person(scored: ScoredMonth) -> dict[str, tuple[int, list[tuple]]]:
    """staff_id -> (УКВ indicators with a norm, [(indicator, value, norm, status)] of those that missed it)."""
    detail = scored.derived.ukv_detail
    own = detail[detail["status"] != UKV_NO_NORM]
    counted = own["staff_id"].astype(str).value_counts()
    rows = _split(own[own["status"] != UKV_MET], ["indicator", "value", "norm", "status"])
    return {sid: (int(n), rows.get(sid, [])) for sid, n in counted.items()}


def _cases(scored: ScoredMonth, staff_id: str, checked: int, low: list[tuple]) -> str:
    """ОКЛ: the reviewed cases below the КМП threshold (`low`, of `checked` reviewed), each with its coefficient,
    category and reason."""
    quality = scored.catalogs.indicators.quality
    threshold = number(quality.kmp_min)
    checked = f"проверено случаев: {checked}"
    if not low:
        return f"лист «Экспертиза», случаев с коэффициентом ниже {threshold} нет ({checked})."
    reasons = {t.code: t.aliases[0] if t.aliases else t.name for t in quality.reasons}  # the short word: a card's line
    shown = []
    for case, author, k, reason, cat in low:
        whose = f" (таб. № {clean(author)})" if str(author) != staff_id else ""
        why = f", причина: {reasons.get(reason, clean(reason))}" if isinstance(reason, str) and reason else ""
        shown.append(f"№ {clean(case)}{whose} — {fmt(float(k))}, {cat}{why}")
    return (f"лист «Экспертиза», случаи с коэффициентом ниже {threshold} ({checked}): "
            f"{_listed(shown)}.")


def _indicators(scored: ScoredMonth, counted: int, missed: list[tuple]) -> str:
    """УКВ: each indicator that missed its norm (`missed`, of `counted` with a norm; no data counts as missed), with
    its value and the norm."""
    by_code = scored.catalogs.indicators.by_code
    head = f"лист «Статистика» и нормы года: не достигли нормы {len(missed)} из {counted} показателей УКВ"
    if not missed:
        return head + "."
    shown = []
    for code, value, norm, status in missed:
        ind = by_code[code]
        better = "меньше" if ind.direction == "lower" else "больше"
        figure = "нет данных" if status == UKV_NO_DATA or pd.isna(value) else number(round(float(value), 2))
        shown.append(f"{ind.name} — {figure} при норме {number(round(float(norm), 2))} ({ind.unit}; {better} — лучше)")
    return f"{head}: {_listed(shown)}."


def _events(events: list[tuple], total: float) -> str:
    """A `per_event` criterion: each event's (date, count, note), by date, its count when more than one, and the
    `total` count."""
    shown = []
    for date, count, note in events:
        when = fmt(date) if not pd.isna(date) else "без даты"
        times = f", {number(float(count))} сл." if float(count) != 1 else ""
        said = f" — «{clean(note)}»" if isinstance(note, str) and note.strip() else " — без примечания"
        shown.append(f"{when}{times}{said}")
    return f"лист «События», случаев: {number(float(total))}: {_listed(shown)}."


def _listed(items: list[str]) -> str:
    """Every item, joined by «; »: a card that leaves a case out explains its count no longer (a long list runs
    onto the card's next page)."""
    return "; ".join(items)


def payment_lines(payroll, method: str) -> dict[str, tuple[str, ...]]:
    """staff_id -> how the person's stimulus amount follows from the group's fund: fund × share = amount, the
    share being the person's weight over the group's (after what the Оклад caps took, when a cap was reached).
    `payroll`: `payroll.MonthPayroll`; the figures are the engine's, none computed again but the words."""
    from decimal import Decimal

    from stomkpi.report.payroll_files import WEIGHT_QUANTITIES
    from stomkpi.text import rub, shown

    unit = "коэффициент" if method == "coefficient" else "баллы × ставки × дни / план × (1 − лишение)"
    people = payroll.people
    funds = dict(zip(payroll.groups["group"], payroll.groups["fund"], strict=True))
    out: dict[str, tuple[str, ...]] = {}
    for group, own in people[people["group"].notna()].groupby("group", sort=False):
        capped = own[own["capped"]]
        free = own[~own["capped"]]
        left = funds[group] - sum(capped["amount"], Decimal(0))
        total = sum(free["weight"], start=0)
        fund = (f"фонд группы «{clean(group)}» {rub(funds[group])} руб." if capped.empty else
                f"(фонд группы «{clean(group)}» {rub(funds[group])} − ограниченные окладом {rub(funds[group] - left)}) руб.")
        for p in own.itertuples(index=False):
            if p.capped:
                line = f"предел по окладу — {rub(p.amount)} руб. (по доле вышло бы больше)"
            elif not p.weight:
                line = f"0,00 руб.: {unit} — 0, доля в фонде группы «{clean(group)}» нулевая"
            else:
                weight, weights = WEIGHT_QUANTITIES[method]
                line = (f"{fund} × доля {shown(p.weight, weight)} / {shown(total, weights)}"
                        f" = {rub(p.amount)} руб. (копейки — по наибольшему остатку)")
            out[str(p.staff_id)] = (f"Стимулирующая выплата: {line}.",)
    return out
