"""A demo region: N synthetic clinics of different sizes and strengths, ready for the batch and the regional report.

Each clinic is the demo clinic's generator (`demo.write_demo`) with a seed of its own, a head count
scaled by its size, its staff's skill shifted by its strength and each unit's performance varied,
so that the regional report has departments that differ. Everything is drawn from `seed`: the same
seed gives byte-identical files. The clinics' norms take the region's best from the regional
report (`region_best: auto`), so the region is tried in three commands (README).

    DIR/params/clinic-01.yaml …   one parameters file per clinic (its name names the clinic's folders)
    DIR/data/clinic-01/…          its twelve monthly workbooks, НМО workbook and norms
    DIR/outputs/                  where the reports go
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from stomkpi.catalog import load_indicators
from stomkpi.demo.clinic import YEAR, write_demo

SIZES = (0.35, 1.6)  # head count relative to the demo clinic, smallest and largest
STRENGTHS = (-0.8, 0.8)  # shift of the staff's skill, weakest and strongest
UNIT_SPREAD = 0.05  # spread of a unit's performance around its clinic's

PARAMS = """\
# Параметры демонстрационной поликлиники региона. Пути — от папки региона (той, где лежит params/).
clinic: {title}
data_dir: data/{name}
workbook: "data/{name}/{{month}}.xlsx"
outputs: outputs
norms: "data/{name}/norms-{{year}}.yaml"
nmo_workbook: data/{name}/nmo.xlsx
"""


def clinic_profiles(clinics: int, seed: int) -> list[dict]:
    """Per clinic: its name, title, seed, size, strength and units' performance — spread over the ranges."""
    rng = np.random.default_rng(seed)
    sizes = rng.permutation(np.linspace(*SIZES, clinics)) if clinics > 1 else np.array([1.0])
    strengths = rng.permutation(np.linspace(*STRENGTHS, clinics)) if clinics > 1 else np.array([0.0])
    units = [u.code for u in load_indicators().units]
    out = []
    for k in range(clinics):
        out.append({
            "name": f"clinic-{k + 1:02d}", "title": f"Стоматологическая поликлиника № {k + 1}",
            "seed": seed + 101 * (k + 1), "size": round(float(sizes[k]), 2), "strength": round(float(strengths[k]), 2),
            "units": {u: round(float(1.0 + 0.04 * strengths[k] + rng.normal(0.0, UNIT_SPREAD)), 3) for u in units},
        })
    return out


def write_region(directory: Path | str, clinics: int, *, seed: int = 2025, year: int = YEAR,
                 progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write N clinics' data and parameters files into `directory`; returns the parameters files."""
    directory = Path(directory)
    (directory / "params").mkdir(parents=True, exist_ok=True)
    (directory / "outputs").mkdir(exist_ok=True)
    written = []
    for p in clinic_profiles(clinics, seed):
        write_demo(directory / "data" / p["name"], seed=p["seed"], year=year, size=p["size"], strength=p["strength"],
                   units=p["units"], region_best_file=f"../../outputs/region/{year}/region-best-{year}.yaml")
        params = directory / "params" / f"{p['name']}.yaml"
        params.write_text(PARAMS.format(year=year, **p), encoding="utf-8")
        written.append(params)
        if progress:
            progress(p["name"])
    return written
