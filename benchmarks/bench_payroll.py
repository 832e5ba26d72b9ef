"""Benchmark: the month's fund shared among 50,000 employees in 50 groups (department × category), to the kopeck.

Prints figures; it is not a test. Target on a 2-core machine: under 2 s for the grouping and the sharing,
with every group's amounts adding up to its fund exactly (checked here too).
"""

from __future__ import annotations

import os
import sys
import time
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stomkpi.payroll import Fund, Share, assign_groups, group_problems, share_fund  # noqa: E402

N, DEPARTMENTS, CATEGORIES = 50_000, 10, ("врачи", "средний", "младший", "прочие", "руководство")


def synthetic(seed: int = 7):
    rng = np.random.default_rng(seed)
    departments = [f"Отделение {i + 1}" for i in rng.integers(DEPARTMENTS, size=N)]
    categories = [CATEGORIES[i] for i in rng.integers(len(CATEGORIES), size=N)]
    coefficients = rng.integers(0, 150, size=N)  # hundredths: the signed coefficient has two decimals
    salaries = rng.integers(2_000_000, 9_000_000, size=N)  # kopecks
    funds = [Fund(2 + i, f"Отделение {d + 1}", c, Decimal(int(rng.integers(10**8, 10**9))) / 100)
             for i, (d, c) in enumerate((d, c) for d in range(DEPARTMENTS) for c in CATEGORIES)]
    return departments, categories, coefficients, salaries, funds


def main() -> None:
    departments, categories, coefficients, salaries, funds = synthetic()
    start, cpu = time.perf_counter(), time.process_time()
    groups = assign_groups(departments, categories, funds)
    problems = group_problems([""] * N, list(coefficients > 0), groups, funds)
    members: list[list[Share]] = [[] for _ in funds]
    for i, found in enumerate(groups):
        if found:  # a cap of 30 % of the salary
            members[found[0]].append(Share(f"{i:06d}", Fraction(int(coefficients[i]), 100),
                                           Decimal(int(salaries[i]) * 30) / 10_000))
    results = [share_fund(f.amount, people) for f, people in zip(funds, members, strict=True)]
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert not problems
    assert all(sum(r.amounts.values()) + r.unspent == f.amount for f, r in zip(funds, results, strict=True))
    capped = sum(len(r.capped) for r in results)
    print(f"Фонд {N} сотрудников в {len(funds)} группах: {wall:.2f} с ({cpu:.2f} с ЦП), "
          f"упёрлись в предел {capped}; цель — меньше 2 с. Нагрузка машины: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
