"""Figures from tables (matplotlib): layout only, no computation beyond what a chart needs to draw.

Each function returns a `Chart`: a figure drawn with matplotlib's object API (no pyplot state, so
nothing is shown twice or depends on the notebook's backend) that a notebook displays as PNG.
"""

from __future__ import annotations

import io

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from .words import STATUS_NAMES, month_short

matplotlib.rcParams.update({
    "font.family": "DejaVu Sans",  # has Cyrillic glyphs
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "stomkpi",
})


class Chart:
    """A finished figure: PNG for notebooks, HTML and PDF; a short, stable text form."""

    def __init__(self, figure: Figure):
        self.figure = figure

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()

    def __repr__(self) -> str:
        axes = self.figure.axes
        title = axes[0].get_title() if axes else ""
        return f"График: {title}"


def _nothing(sentence: str):
    """What a chart shows when there is nothing to draw: one sentence, never an empty figure."""
    from IPython.display import Markdown

    return Markdown(sentence)


def _subplots(figsize: tuple[float, float]):
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot()


def percent_distribution(table: pd.DataFrame, title: str = "Распределение процента выполнения показателей"):
    """Histogram of the percent of every employee, with the 100 % line."""
    fig, ax = _subplots((8, 3.6))
    ax.hist(table["percent"], bins=range(int(min(50, table["percent"].min() // 5 * 5)),
                                         int(max(150, table["percent"].max() + 5)), 5),
            color="#4C72B0", edgecolor="white")
    ax.axvline(100, color="#C44E52", linestyle="--", linewidth=1.5, label="100 %")
    ax.set_xlabel("Процент выполнения показателей, %")
    ax.set_ylabel("Сотрудников")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return Chart(fig)


def department_comparison(table: pd.DataFrame, title: str = "Процент выполнения по отделениям"):
    """Box plot of the percent per department, departments in alphabetical order."""
    departments = sorted(table["department"].unique())
    data = [table.loc[table["department"] == d, "percent"].to_numpy() for d in departments]
    fig, ax = _subplots((8, 0.55 * len(departments) + 1.4))
    ax.boxplot(data, vert=False, tick_labels=departments, patch_artist=True,
               boxprops={"facecolor": "#DDE6F3"}, medianprops={"color": "#C44E52"})
    ax.axvline(100, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("Процент выполнения показателей, %")
    ax.set_title(title)
    ax.invert_yaxis()
    fig.tight_layout()
    return Chart(fig)


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
    fig.tight_layout()
    return Chart(fig)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def monthly_dynamics(by_month: pd.DataFrame, title: str = "Средний процент выполнения по месяцам"):
    """One line per department over the months of the year."""
    fig, ax = _subplots((8, 4))
    labels = [month_short(m) for m in by_month.columns]
    for department, row in by_month.iterrows():
        ax.plot(labels, row.to_numpy(), marker="o", linewidth=1.5, label=department)
    ax.axhline(100, color="grey", linestyle=":", linewidth=1)
    ax.set_ylabel("%")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower left", ncol=2)
    fig.tight_layout()
    return Chart(fig)


def rating_chart(summary: pd.DataFrame, title: str = "Результат подразделений (0–1) по кварталам и за год"):
    """Grouped bars: each unit's result per quarter and for the year."""
    if summary is None or summary.empty:
        return _nothing("Рейтинг не посчитан.")
    wide = summary.pivot_table(index="unit_name", columns="period", values="result", aggfunc="first")
    fig, ax = _subplots((8, 4))
    n = len(wide.columns)
    width = 0.8 / max(n, 1)
    x = range(len(wide.index))
    for i, period in enumerate(wide.columns):
        ax.bar([v + i * width for v in x], wide[period].to_numpy(), width=width, label=str(period))
    ax.set_xticks([v + width * (n - 1) / 2 for v in x])
    ax.set_xticklabels([_wrap(str(u), 16) for u in wide.index], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=n)
    fig.tight_layout()
    return Chart(fig)


def nmo_status_chart(plans: pd.DataFrame | None, title: str = "НМО: состояние планов на конец года"):
    """Bars: how many plans are in each status (in the reports' words)."""
    if plans is None or plans.empty:
        return _nothing("Книги НМО нет: состояние планов не показано.")
    fig, ax = _subplots((8, 2.8))
    counts = plans["status"].map(lambda s: STATUS_NAMES.get(s, s)).value_counts()
    ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color="#55A868")
    ax.set_xlabel("Планов (сотрудник × специальность)")
    ax.set_title(title)
    fig.tight_layout()
    return Chart(fig)


def region_results_chart(wide: pd.DataFrame, title: str = "Результат подразделений поликлиник за год (0–1)"):
    """A heat map of clinics × units: the colour is the result, the number is written in (up to 40 clinics)."""
    clinics, units = list(wide.index), list(wide.columns)
    fig, ax = _subplots((8, min(0.32 * len(clinics) + 2.2, 11)))
    image = ax.imshow(wide.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(units)), [_wrap(str(u), 14) for u in units], fontsize=7)
    labelled = len(clinics) <= 40
    ax.set_yticks(range(len(clinics)) if labelled else [], clinics if labelled else [], fontsize=7)
    if labelled:
        for (i, j), v in pd.DataFrame(wide.to_numpy()).stack().items():
            ax.text(j, i, f"{v:.2f}".replace(".", ","), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, fraction=0.03)
    ax.set_title(title)
    fig.tight_layout()
    return Chart(fig)
