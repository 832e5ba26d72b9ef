"""Figures from tables (matplotlib): layout only, no computation beyond what a chart needs to draw.

Each function returns a `Chart`: a figure drawn with matplotlib's object API (no pyplot state, so
nothing is shown twice or depends on the notebook's backend) that a notebook displays as PNG, with a
Russian description for the page's alt text. Legends sit outside the axes, never over the data; axes
that count (people, plans) tick on whole numbers; a department has one colour in every chart of a
report (`colours`: the same name, the same colour, by alphabetical order of the report's names).
"""

from __future__ import annotations

import io

import matplotlib
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from stomkpi.report.words import STATUS_NAMES, month_short
from stomkpi.text import grouped

matplotlib.rcParams.update({
    "font.family": "DejaVu Sans",  # has Cyrillic glyphs
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "stomkpi",
})


class Chart:
    """A finished figure: PNG for notebooks, HTML and PDF, with its description; a short, stable text form."""

    def __init__(self, figure: Figure, alt: str = ""):
        self.figure = figure
        self.alt = alt or (figure.axes[0].get_title() if figure.axes else "")

    def _repr_png_(self) -> tuple[bytes, dict]:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue(), {"alt": self.alt}

    def __repr__(self) -> str:
        axes = self.figure.axes
        title = axes[0].get_title() if axes else ""
        return f"График: {title}"


PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#ccb974", "#64b5cd",
           "#8c8c8c")


def colours(names) -> dict[str, str]:
    """A colour for each name (department or unit), by alphabetical order: the same in every chart of a report."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names)))}
def _nothing(sentence: str):
    """What a chart shows when there is nothing to draw: one sentence, never an empty figure."""
    from IPython.display import Markdown

    return Markdown(sentence)


def _subplots(figsize: tuple[float, float]):
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


# the histogram's height over its tallest bar: the top fifth of the axes (about 35 pt of this figure) is left to the
# «100 %» label, which takes about 16 pt under the axes' top
LABEL_HEADROOM = 1.25


def percent_distribution(table: pd.DataFrame, title: str = "Распределение процента выполнения показателей"):
    """Histogram of the percent of every employee, with the 100 % line; its label sits in headroom above the tallest
    bar (`LABEL_HEADROOM`), never on a bar."""
    fig, ax = _subplots((8, 3.4))
    counts, _, _ = ax.hist(table["percent"], bins=range(int(min(50, table["percent"].min() // 5 * 5)),
                                                        int(max(150, table["percent"].max() + 5)), 5),
                           color="#7F8FA6", edgecolor="white")
    ax.set_ylim(0, max(counts.max(), 1) * LABEL_HEADROOM)
    ax.axvline(100, color="#C44E52", linestyle="--", linewidth=1.5)
    ax.annotate("100 %", xy=(100, 1), xycoords=("data", "axes fraction"), xytext=(4, -4),
                textcoords="offset points", va="top", color="#C44E52")
    ax.set_xlabel("Процент выполнения показателей, %")
    ax.set_ylabel("Сотрудников")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    below = int((table["percent"] < 100).sum())
    return Chart(fig, f"{title}: гистограмма по {len(table)} сотрудникам, ниже 100 % — {below}.")


def department_comparison(table: pd.DataFrame, title: str = "Процент выполнения по отделениям",
                          palette: dict[str, str] | None = None):
    """Box plot of the percent per department, departments in alphabetical order, each in its colour."""
    departments = sorted(table["department"].unique())
    palette = palette or colours(departments)
    data = [table.loc[table["department"] == d, "percent"].to_numpy() for d in departments]
    fig, ax = _subplots((8, 0.55 * len(departments) + 1.4))
    boxes = ax.boxplot(data, orientation="horizontal", tick_labels=[_wrap(d, 28) for d in departments], patch_artist=True,
                       medianprops={"color": "black"})
    for box, department in zip(boxes["boxes"], departments, strict=True):
        box.set_facecolor(palette[department])
        box.set_alpha(0.75)
    ax.axvline(100, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("Процент выполнения показателей, %")
    ax.set_title(title)
    ax.invert_yaxis()
    return Chart(fig, f"{title}: диаграмма размаха по {len(departments)} отделениям, линия — 100 %.")


def lost_points_chart(by_criterion: pd.DataFrame, top: int = 10, title: str = "Где потеряны баллы"):
    """Horizontal bars: points lost over the clinic per criterion, the largest first."""
    if by_criterion is None or by_criterion.empty:
        return _nothing("В этом месяце никто не потерял баллов.")
    data = by_criterion.head(top).iloc[::-1]
    fig, ax = _subplots((8, 0.4 * max(len(data), 1) + 1.2))
    labels = [_wrap(str(i), 45) for i in data.index]
    ax.barh(labels, data["Потеряно баллов"], color="#DD8452")
    ax.set_xlabel("Потеряно баллов за месяц (все сотрудники)")
    ax.set_title(title)
    first = f"больше всего — «{data.index[-1]}»" if len(data) else "потерь нет"
    return Chart(fig, f"{title}: баллы, потерянные по критериям, {first}.")


def fund_chart(by_department: pd.DataFrame, title: str = "Суммы стимулирующих выплат по отделениям",
               palette: dict[str, str] | None = None):
    """Horizontal bars: the amounts paid per department (roubles), departments in alphabetical order."""
    if by_department is None or by_department.empty:
        return _nothing("Фонд стимулирующих выплат в этом месяце не распределялся.")
    departments = list(by_department["department"])
    palette = palette or colours(departments)
    fig, ax = _subplots((8, 0.45 * len(departments) + 1.3))
    amounts = by_department["amount"].astype(float)  # drawing only: the amounts themselves are exact elsewhere
    ax.barh([_wrap(_text(d), 30) for d in departments], amounts, color=[palette.get(d, PALETTE[0]) for d in departments])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(lambda x, _: grouped(round(x)))
    ax.set_xlabel("Начислено, руб.")
    ax.set_title(title)
    return Chart(fig, f"{title}: столбец на отделение, по алфавиту; отделений — {len(departments)}.")


def _text(text: object) -> str:
    """Input text as a chart label: no control characters, and a «$» is a dollar, not the start of maths."""
    from stomkpi.safe import clean

    return clean(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    words, lines, line = _text(text).split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def monthly_dynamics(by_month: pd.DataFrame, title: str = "Средний процент выполнения по месяцам",
                     palette: dict[str, str] | None = None):
    """One line per department over the months of the year; the legend under the axes."""
    palette = palette or colours(by_month.index)
    fig, ax = _subplots((8, 4.6))
    labels = [month_short(m) for m in by_month.columns]
    for department, row in by_month.iterrows():
        ax.plot(labels, row.to_numpy(), marker="o", linewidth=1.5, label=_text(department), color=palette[department])
    ax.axhline(100, color="grey", linestyle=":", linewidth=1)
    ax.set_ylabel("%")
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return Chart(fig, f"{title}: линия на каждое из {len(by_month.index)} отделений по месяцам, пунктир — 100 %.")


def rating_chart(summary: pd.DataFrame, title: str = "Результат подразделений (0–1) по кварталам и за год",
                 palette: dict[str, str] | None = None):
    """Grouped bars: for each quarter and the year, each unit's result in the unit's colour."""
    if summary is None or summary.empty:
        return _nothing("Рейтинг не посчитан.")
    wide = summary.pivot_table(index="period", columns="unit_name", values="result", aggfunc="first")
    wide = wide.loc[sorted(wide.index, key=lambda p: ("Q" not in str(p), str(p)))]  # the quarters, then the year
    palette = palette or colours(wide.columns)
    fig, ax = _subplots((8, 4.4))
    n = len(wide.columns)
    width = 0.8 / max(n, 1)
    x = range(len(wide.index))
    for i, unit in enumerate(wide.columns):
        ax.bar([v + i * width for v in x], wide[unit].to_numpy(), width=width, label=_text(unit),
               color=palette.get(unit, PALETTE[-1]))
    ax.set_xticks([v + width * (n - 1) / 2 for v in x])
    ax.set_xticklabels([p[-2:] if "Q" in str(p) else "Год" for p in wide.index])
    ax.set_ylim(0, 1)
    ax.set_title(title)
    fig.legend(loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    return Chart(fig, f"{title}: столбцы {len(wide.columns)} подразделений по кварталам и за год.")


def nmo_status_chart(plans: pd.DataFrame | None, title: str = "НМО: состояние планов на конец года"):
    """Bars: how many plans are in each status (in the reports' words)."""
    if plans is None or plans.empty:
        return _nothing("Книги НМО нет: состояние планов не показано.")
    fig, ax = _subplots((8, 2.8))
    counts = plans["status"].map(lambda s: STATUS_NAMES.get(s, s)).value_counts()
    ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color="#55A868")
    ax.set_xlabel("Планов (сотрудник × специальность)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    words = ", ".join(f"{k} — {v}" for k, v in counts.items()) or "планов нет"
    return Chart(fig, f"{title}: {words}.")


def region_results_chart(wide: pd.DataFrame, title: str = "Результат подразделений поликлиник за год (0–1)"):
    """A heat map of clinics × units: the colour is the result, the number is written in (up to 40 clinics)."""
    clinics, units = list(wide.index), list(wide.columns)
    fig, ax = _subplots((8, min(0.32 * len(clinics) + 2.2, 11)))
    image = ax.imshow(wide.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(units)), [_wrap(str(u), 14) for u in units], fontsize=7)
    labelled = len(clinics) <= 40
    ax.set_yticks(range(len(clinics)) if labelled else [], [_text(c) for c in clinics] if labelled else [], fontsize=7)
    if labelled:
        for (i, j), v in pd.DataFrame(wide.to_numpy()).stack().items():
            ax.text(j, i, f"{v:.2f}".replace(".", ","), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, fraction=0.03)
    ax.set_title(title)
    return Chart(fig, f"{title}: {len(clinics)} поликлиник × {len(units)} подразделений.")
