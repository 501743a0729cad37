"""Writes the input CSVs of the survival reference (run once; the CSVs are committed).

    .venv/bin/python tests/reference/survival/make_inputs.py

Columns: ``time`` (days, or visits for ``ties``), ``event`` (1 = progression or death, 0 =
censored), ``arm`` ("A" experimental, "B" control), ``stratum``.

- ``hand``: 21 rows made by hand: tied events, an event and a censoring at the same time, arm B's
  curve sits exactly at 0.5 on a flat and then drops (R takes the midpoint of the flat), and a
  stratum ``s3`` with a single participant (dropped by dawna's stratified tests, see
  ``dawna/analysis/survival.py``; R keeps it: it contributes nothing, so the numbers agree).
- ``sim``: 80 DAWNA-like participants (domain.md §7): 1:1, FES status as the stratum, arm A median
  PFS 7 months when all lesions are FES-positive and 3 when mixed, arm B 5.5 months; exponential
  times, uniform accrual over 24 months, data cut at 30 months, 5 %/year loss to follow-up.
- ``ties``: 60 rows with times on six assessment visits only, three strata: many tied events.
- ``flat_end``: 16 rows; arm B's curve ends exactly at 0.5, where R's ``print(survfit)`` (the
  first time the curve reaches 0.5) and ``quantile(survfit)`` (midpoint to the last follow-up)
  differ. dawna follows ``print``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
DAYS_PER_MONTH = 30.4375

HAND = [  # time, event, arm, stratum
    (2, 1, "A", "s1"), (3, 1, "A", "s1"), (3, 1, "A", "s2"), (5, 0, "A", "s2"), (6, 1, "A", "s1"),
    (6, 0, "A", "s2"), (8, 1, "A", "s2"), (10, 0, "A", "s1"), (12, 1, "A", "s2"),
    (15, 0, "A", "s1"),
    (1, 1, "B", "s1"), (4, 1, "B", "s2"), (4, 1, "B", "s1"), (7, 1, "B", "s2"), (9, 1, "B", "s1"),
    (11, 0, "B", "s2"), (13, 1, "B", "s1"), (14, 0, "B", "s2"), (16, 1, "B", "s1"),
    (18, 0, "B", "s2"),
    (7, 1, "A", "s3"),
]

FLAT_END = [
    (1, 1, "A", "s1"), (2, 0, "A", "s2"), (3, 1, "A", "s1"), (4, 1, "A", "s2"), (4, 1, "A", "s1"),
    (6, 1, "A", "s2"), (9, 0, "A", "s1"), (10, 1, "A", "s2"),
    (2, 1, "B", "s1"), (3, 1, "B", "s2"), (5, 1, "B", "s1"), (6, 1, "B", "s2"), (8, 0, "B", "s1"),
    (9, 0, "B", "s2"), (10, 0, "B", "s1"), (12, 0, "B", "s2"),
]


def simulated(seed: int = 1) -> list[tuple[int, int, str, str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(80):
        arm = "A" if i % 2 == 0 else "B"
        stratum = "fes_positive" if rng.random() < 0.6 else "fes_mixed"
        median = 5.5 if arm == "B" else (7.0 if stratum == "fes_positive" else 3.0)
        pfs = rng.exponential(median / np.log(2))
        entry = rng.uniform(0, 24)
        follow_up = min(30 - entry, rng.exponential(1 / (-np.log(0.95) / 12)))
        time = min(pfs, follow_up)
        rows.append((max(1, round(time * DAYS_PER_MONTH)), int(pfs <= follow_up), arm,
                     stratum))
    return rows


def heavy_ties(seed: int = 8) -> list[tuple[int, int, str, str]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(60):
        arm = "A" if i % 2 == 0 else "B"
        stratum = ("low", "mid", "high")[i % 3]
        visit = int(rng.integers(1, 7)) + (1 if arm == "A" and rng.random() < 0.3 else 0)
        rows.append((min(visit, 6), int(rng.random() < 0.7), arm, stratum))
    return rows


def write(name: str, rows: list[tuple[int, int, str, str]]) -> None:
    with (HERE / f"{name}.csv").open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["time", "event", "arm", "stratum"])
        out.writerows(rows)


if __name__ == "__main__":
    write("hand", HAND)
    write("sim", simulated())
    write("ties", heavy_ties())
    write("flat_end", FLAT_END)
