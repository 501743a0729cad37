"""ECG: QTcF by Fridericia and the CTCAE grade of a prolonged QTc (issue 21 item 4).

- Fridericia (Acta Med Scand 1920;53:469-486): QTcF = QT / RR^(1/3), RR in seconds; RR from the
  heart rate as 60 / HR. A QT without RR or rate cannot be corrected: refused naming ``rr_ms``.
- CTCAE v5.0 (Cardiac disorders / Investigations), "Electrocardiogram QT corrected interval
  prolonged": grade 1 average QTc 450-480 ms; grade 2 481-500 ms; grade 3 >= 501 ms, or > 60 ms
  change from baseline; grade 4 torsade de pointes, polymorphic ventricular tachycardia or signs
  or symptoms of serious arrhythmia; no grade 5. The QTc is graded in whole milliseconds
  (rounded half up), as the ranges are written.
- The screening limit is the protocol setting ``qtcf_max`` (470 ms, ``docs/domain.md`` §5,
  criterion IN8, :func:`dawna.rules.criteria_inclusion.in8`): :func:`screening_qtcf` gives the
  value IN8 reads from the screening ECG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from dawna.rules.messages import N_, Message, number
from dawna.rules.rule_errors import RuleError

__all__ = ["QT_TERM", "EcgReading", "fridericia_ms", "qtc_grade", "rr_seconds",
           "screening_qtcf"]

QT_TERM = "Electrocardiogram QT corrected interval prolonged"

#: Plausible inputs (site decision): outside them a value is a typing error.
LIMITS = {"qt_ms": (200.0, 800.0), "rr_ms": (250.0, 3000.0), "heart_rate_bpm": (20.0, 250.0)}


def _in_range(field: str, value: float) -> float:
    low, high = LIMITS[field]
    if not math.isfinite(value) or not low <= value <= high:
        raise RuleError(field, Message(N_("{value} is outside the plausible range {low}-{high}"),
                                       {"value": number(value), "low": number(low),
                                        "high": number(high)}))
    return value


def rr_seconds(rr_ms: float | None, heart_rate_bpm: float | None) -> float:
    """The RR interval in seconds: ``rr_ms`` / 1000, or 60 / ``heart_rate_bpm``; neither is
    refused naming ``rr_ms``; both given must agree within 5 % (else ``heart_rate_bpm``)."""
    if rr_ms is None and heart_rate_bpm is None:
        raise RuleError("rr_ms", Message(N_("QTcF needs the RR interval or the heart rate")))
    if rr_ms is not None:
        rr = _in_range("rr_ms", rr_ms) / 1000.0
        if heart_rate_bpm is not None:
            from_rate = 60.0 / _in_range("heart_rate_bpm", heart_rate_bpm)
            if abs(from_rate - rr) > 0.05 * rr:
                raise RuleError("heart_rate_bpm", Message(
                    N_("the heart rate {rate}/min does not match the RR interval {rr} ms"),
                    {"rate": number(heart_rate_bpm), "rr": number(rr_ms)}))
        return rr
    return 60.0 / _in_range("heart_rate_bpm", float(heart_rate_bpm or 0))


def fridericia_ms(qt_ms: float, rr_ms: float | None = None,
                  heart_rate_bpm: float | None = None) -> float:
    """QTcF = QT / RR^(1/3) (RR in seconds), unrounded, in ms."""
    _in_range("qt_ms", qt_ms)
    cube_root: float = rr_seconds(rr_ms, heart_rate_bpm) ** (1.0 / 3.0)  # RR > 0: a float
    return qt_ms / cube_root


def _whole(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def qtc_grade(qtc_ms: float, baseline_ms: float | None = None, *,
              torsade: bool = False) -> int:
    """The CTCAE v5.0 grade of "Electrocardiogram QT corrected interval prolonged" (0: none)."""
    if torsade:
        return 4
    qtc = _whole(qtc_ms)
    if qtc >= 501 or (baseline_ms is not None and qtc - _whole(baseline_ms) > 60):
        return 3
    if qtc >= 481:
        return 2
    if qtc >= 450:
        return 1
    return 0


@dataclass(frozen=True)
class EcgReading:
    """One recorded ECG: its date, timepoint (``screening`` or a visit) and QTcF in ms."""

    recorded_on: date
    timepoint: str
    qtcf_ms: float


def screening_qtcf(readings: Sequence[EcgReading], decision_date: date | None = None
                   ) -> float | None:
    """The QTcF IN8 reads: the latest screening ECG (on or before ``decision_date`` when
    given), rounded to whole ms; None without one."""
    kept = [r for r in readings if r.timepoint == "screening"
            and (decision_date is None or r.recorded_on <= decision_date)]
    if not kept:
        return None
    latest = max(kept, key=lambda r: r.recorded_on)
    return float(_whole(latest.qtcf_ms))
