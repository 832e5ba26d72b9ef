"""The charts' labels stay off the data: drawn, measured by matplotlib's renderer, no text overlaps a bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from stomkpi.report import charts


def _overlaps(figure) -> list[str]:
    """Each text inside the axes (annotations, labels) that overlaps a drawn bar, as «text: bar's x»."""
    FigureCanvasAgg(figure).draw()
    renderer = figure.canvas.get_renderer()
    ax = figure.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0]
    assert bars
    texts = [t for t in ax.texts if t.get_text()]
    assert texts, "the 100 % label is drawn"
    return [f"{t.get_text()}: {b.get_x()}" for t in texts for b in bars
            if t.get_window_extent(renderer).overlaps(b.get_window_extent(renderer))]


@pytest.mark.parametrize("tallest", [100.5, 102.0, 97.5, 104.9])
def test_the_100_percent_label_overlaps_no_bar(tallest):
    rng = np.random.default_rng(1)
    spread = rng.normal(95, 12, 60).clip(40, 160)
    table = pd.DataFrame({"percent": np.concatenate([spread, np.full(40, tallest)])})
    assert not _overlaps(charts.percent_distribution(table).figure)


def test_the_label_overlaps_no_bar_for_a_handful_of_people():
    table = pd.DataFrame({"percent": [100.0, 101.0, 99.0, 103.0, 100.2]})
    assert not _overlaps(charts.percent_distribution(table).figure)
