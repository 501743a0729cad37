"""Shared pieces of the SDTM builders: ISO 8601 dates, study days, epochs, sequence numbers,
and a domain's rows as a DataFrame in the order of its specification.

Study day (SDTMIG 3.4 §4.4.4): ``--DY = date - RFSTDTC + 1`` on or after the reference start
date and ``date - RFSTDTC`` before it, so there is no day 0; null when either is missing.
Epoch (SDTMIG 3.4 §4.1.3.1 and the trial arms of ``sdtm_design``): SCREENING before the first
dose, TREATMENT from the first dose to the end of treatment, FOLLOW-UP after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.exports.sdtm_spec import STUDYID, domain, usubjid

__all__ = ["Timeline", "epoch", "frame", "iso", "number", "split_supp", "study_day", "usubjid",
           "visit_of"]


def iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def study_day(day: date | None, reference: date | None) -> int | None:
    if day is None or reference is None:
        return None
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


def number(value: float | None) -> str | None:
    """A number as SDTM character result text: ``12`` rather than ``12.0``."""
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class Timeline:
    """A subject's reference dates: first and last dose (RFXSTDTC/RFXENDTC, from EX) and the
    end of treatment (the status event), for study days and epochs."""

    first_dose: date | None = None
    last_dose: date | None = None
    end_of_treatment: date | None = None

    def day(self, on: date | None) -> int | None:
        return study_day(on, self.first_dose)


def epoch(timeline: Timeline | None, on: date | None) -> str | None:
    if on is None or timeline is None:
        return None
    if timeline.first_dose is None or on < timeline.first_dose:
        return "SCREENING"
    if timeline.end_of_treatment is not None and on > timeline.end_of_treatment:
        return "FOLLOW-UP"
    return "TREATMENT"


def visit_of(timepoint: str) -> tuple[str, float | None]:
    """VISIT and VISITNUM of a form's time point (the trial visits of ``sdtm_design``):
    ``screening`` 1, ``randomization`` 2, ``cycle k`` 100 + k; anything else is UNSCHEDULED
    with no number."""
    text = " ".join(timepoint.split()).lower()
    if text == "screening":
        return "SCREENING", 1.0
    if text == "randomization":
        return "RANDOMIZATION", 2.0
    parts = text.split(" ")
    if len(parts) == 2 and parts[0] == "cycle" and parts[1].isdigit():
        return f"CYCLE {int(parts[1])}", 100.0 + int(parts[1])
    return "UNSCHEDULED", None


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def frame(name: str, rows: Iterable[Mapping[str, Any]], *, sort: Iterable[str] = (),
          rdomain: str | None = None) -> pd.DataFrame:
    """The rows of domain ``name`` with every variable of its specification in order, STUDYID
    and DOMAIN filled, sorted by ``sort`` (default: the domain's keys) and --SEQ numbered 1, 2, …
    per USUBJID in that order (SDTMIG 3.4 §4.1.2.1)."""
    spec = domain(rdomain or name)
    names = spec.names()
    keys = list(sort) or [k for k in spec.keys if k in names]
    ordered = sorted(rows, key=lambda r: tuple(_key(r.get(k)) for k in keys))
    seq = f"{name}SEQ"
    counters: dict[str, int] = {}
    out = []
    extra = sorted({k for r in ordered for k in r if k.startswith("_")})
    for row in ordered:
        record = {n: row.get(n) for n in (*names, *extra)}
        record["STUDYID"] = STUDYID
        if "DOMAIN" in record:
            record["DOMAIN"] = name
        if seq in record:
            subject = str(record.get("USUBJID"))
            counters[subject] = counters.get(subject, 0) + 1
            record[seq] = counters[subject]
        out.append(record)
    return pd.DataFrame(out, columns=[*names, *extra])


def split_supp(df: pd.DataFrame, name: str,
               qualifiers: Mapping[str, tuple[str, str, str]]) -> tuple[pd.DataFrame,
                                                                     list[dict[str, Any]]]:
    """Move the ``_``-named columns of ``df`` into SUPP``name`` rows (SDTMIG 3.4 §8.4: one per
    non-null value, IDVAR ``--SEQ``): ``qualifiers`` maps the column to (QNAM, QLABEL, QORIG).
    Returns the domain without them and the SUPP-- rows."""
    supp: list[dict[str, Any]] = []
    seq = f"{name}SEQ"
    for column, (qnam, qlabel, qorig) in qualifiers.items():
        if column not in df.columns:
            continue
        for _index, row in df.iterrows():
            value = row[column]
            if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
                continue
            supp.append({"STUDYID": STUDYID, "RDOMAIN": name, "USUBJID": row["USUBJID"],
                         "IDVAR": seq, "IDVARVAL": str(int(row[seq])), "QNAM": qnam,
                         "QLABEL": qlabel, "QVAL": number(value) if isinstance(
                             value, (int, float)) else str(value),
                         "QORIG": qorig, "QEVAL": None})
    return df[[c for c in df.columns if not str(c).startswith("_")]], supp
