"""The accreditation calendar as a chart: per month, how many windows open, last safe dates and deadlines fall."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from stomkpi.accreditation import EVENTS
from stomkpi.report.accreditation_xlsx import EVENT_WORDS
from stomkpi.report.charts import Chart
from stomkpi.report.words import month_short

_COLOURS = {"window_opens": "#4c72b0", "last_safe_date": "#dd8452", "deadline": "#c44e52"}


def calendar_chart(months: pd.DataFrame) -> Chart:
    """Grouped bars per month (all departments together) from `accreditation.calendar_months`."""
    counts = months.groupby("month", sort=True)[[f"n_{e}" for e in EVENTS]].sum()
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    ax = figure.add_subplot()
    x = np.arange(len(counts))
    width = 0.27
    for i, event in enumerate(EVENTS):
        ax.bar(x + (i - 1) * width, counts[f"n_{event}"], width, label=EVENT_WORDS[event], color=_COLOURS[event])
    ax.set_xticks(x, [f"{month_short(m)}\n{m[:4]}" for m in counts.index])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("человек")
    ax.set_title("Календарь аккредитации по месяцам")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    total = int(counts.to_numpy().sum())
    return Chart(figure, f"Календарь аккредитации на {len(counts)} месяцев: событий {total}")
