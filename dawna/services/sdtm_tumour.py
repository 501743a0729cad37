"""RECIST 1.1 records for SDTM TU, TR and RS: the lesions of the baseline, the measurements of
every assessment on or before the data cut, and the responses re-derived from those
assessments only (``dawna.rules.recist``; as ``services/analysis_data.py`` does, a later
assessment must not change what was known at the cut). A target lesion "too small to measure"
counts 5 mm (RECIST 1.1, Eisenhauer et al. 2009, appendix I "default value of 5 mm"). New
lesions are recorded as the assessment records them (present, no location)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.exports import sdtm_records as r
from dawna.protocol import bundled_protocol
from dawna.rules.recist import evaluate
from dawna.rules.recist_case import (
    Assessment,
    Baseline,
    Case,
    CaseError,
    limits_from,
    settings_from,
)
from dawna.store.models import Allocation, Participant, TumourAssessment

__all__ = ["TOO_SMALL_MM", "tumour_records"]

TOO_SMALL_MM = 5.0


def _mm(value: Any) -> float | None:
    if value == "too_small":
        return TOO_SMALL_MM
    return float(value) if isinstance(value, (int, float)) else None


def _responses(ps: str, baseline: Baseline, follow_ups: list[Assessment],
               reference: date | None) -> tuple[list[r.Response], dict[date, float | None]]:
    protocol = bundled_protocol()
    if reference is not None and follow_ups and reference >= follow_ups[0].date:
        reference = None
    try:
        result = evaluate(Case(baseline=baseline, assessments=follow_ups,
                               settings=settings_from(protocol, reference)),
                          limits_from(protocol))
    except CaseError:
        return [], {}
    return ([r.Response(ps, t.date, t.target, t.non_target, t.overall)
             for t in result.timepoints], {t.date: t.sum_mm for t in result.timepoints})


def tumour_records(s: Session, settings: Settings, p: Participant,
                   cut: date) -> dict[str, list[Any]]:
    rows = list(s.scalars(select(TumourAssessment).where(
        TumourAssessment.participant_id == p.id, TumourAssessment.assessment_date <= cut)
        .order_by(TumourAssessment.assessment_date, TumourAssessment.id)))
    base_row = next((x for x in rows if x.kind == "baseline"), None)
    if base_row is None:
        return {}
    ps = p.pseudonym
    baseline = Baseline.model_validate(base_row.data)
    follow_ups = sorted((Assessment.model_validate(x.data) for x in rows
                         if x.kind != "baseline"), key=lambda a: a.date)
    lesions = [r.Lesion(ps, x.id, "TARGET" if x.target else "NON-TARGET", x.organ, x.method,
                        baseline.date, x.diameter_mm, x.nodal) for x in baseline.lesions]
    targets = [x for x in baseline.lesions if x.target]
    readings = [r.TumourReading(
        ps, baseline.date, True, tuple((x.id, x.diameter_mm) for x in targets),
        tuple((x.id, "present") for x in baseline.lesions if not x.target),
        sum(x.diameter_mm or 0.0 for x in targets) if targets else None)]
    allocation = s.scalar(select(Allocation).where(Allocation.participant_id == p.id))
    reference = allocation.randomized_at.astimezone(settings.zone).date() \
        if allocation else None
    responses, sums = _responses(ps, baseline, follow_ups, reference)
    for n, a in enumerate(follow_ups, start=1):
        readings.append(r.TumourReading(
            ps, a.date, False, tuple((k, _mm(v)) for k, v in a.target.items()),
            tuple(a.non_target.items()), sums.get(a.date)))
        if a.new_lesions == "yes":
            lesions.append(r.Lesion(ps, f"NEW{n:02d}", "NEW", "", "", a.date))
    return {"lesions": lesions, "readings": readings, "responses": responses}
