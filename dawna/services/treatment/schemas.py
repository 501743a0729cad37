"""The JSON answers of the treatment and safety API, as named models (the OpenAPI document says
what each route returns). Keys and values are those the API has always given: dates and times
as ISO 8601 text, numbers as stored (whole numbers stay whole)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from dawna.rules.ctcae import CTCAE_VERSION, LabGrade
from dawna.services.treatment.adverse_events import deadline
from dawna.services.treatment.board import SafetyBoard
from dawna.services.treatment.calendar import event_json
from dawna.services.treatment.common import render
from dawna.services.treatment.plans import PlanPreview
from dawna.services.treatment.rows import AdverseEventRow, LabRow
from dawna.services.treatment.views import TreatmentView, as_json

__all__ = [
    "AdverseEventOut", "AdverseEventsOut", "AeNumberOut", "CalendarEventOut", "CalendarOut",
    "DoseProposalOut", "DoseProposalsOut", "GradeOut", "HoldCauseOut", "LabCorrectedOut",
    "LabRecordedOut", "PlanPreviewOut", "SaeReportedOut", "SafetyBoardOut", "SevereEventOut",
    "TreatmentOut",
]

Number = int | float


class _Out(BaseModel):
    """An answer: the keys are the model's fields, nothing else."""


class CalendarEventOut(_Out):
    date: str
    kind: str
    cycle: int | None
    day: int | None
    drug: str | None
    dose: Number | None
    unit: str | None
    route: str | None
    frequency: str | None
    label: str
    window_start: str | None
    window_end: str | None


class CalendarOut(_Out):
    participant: str
    events: list[CalendarEventOut]


class DoseOut(_Out):
    drug: str
    dose: Number
    unit: str
    route: str
    frequency: str
    formula: str
    inputs: dict[str, Any]
    level: int | None


class PlanPreviewOut(_Out):
    regimen_id: str
    label: str
    arm: str
    cycle_length_days: int
    procedures: list[str]
    doses: list[DoseOut]

    @classmethod
    def of(cls, p: PlanPreview) -> PlanPreviewOut:
        return cls.model_validate({
            "regimen_id": p.regimen_id, "label": p.label, "arm": p.arm,
            "cycle_length_days": p.cycle_length_days, "procedures": p.procedures,
            "doses": [d.__dict__ for d in p.doses]})


class RegimenOut(_Out):
    id: str
    label: str | None
    variants: dict[str, str]
    measures: dict[str, Any]
    doses: list[dict[str, Any]]
    custom_drugs: list[dict[str, Any]]
    confirmed_by: str
    confirmed_at: str
    version: int
    cycle_length_days: int | None = None
    schedule_confirmed_by: str | None = None
    schedule_confirmed_at: str | None = None


class CycleOut(_Out):
    cycle: int
    start_date: str
    planned_date: str
    delay_days: int
    delay_reason: str | None
    doses: list[dict[str, Any]]
    recorded_by: str


class DecisionOut(_Out):
    drug: str
    decision_date: str
    proposed_action: str
    proposed_level: int | None
    rule: str
    action: str
    level_from: int | None
    level_to: int | None
    dose_to: Number | None
    reason: str
    decided_by: str
    cycle: int | None = None
    days_not_taken: list[int] | None = None
    override: bool = False


class OpenAdverseEventOut(_Out):
    number: int
    term: str
    grade: int
    serious: bool


class TreatmentOut(_Out):
    """The treatment page as JSON (:func:`dawna.services.treatment.as_json`)."""

    participant: str
    site: str
    status: str
    arm: str | None
    randomized_on: str | None
    regimen: RegimenOut | None
    current_cycle: int | None
    current_cycle_day: int | None
    dose_levels: dict[str, Number | None]
    cycles: list[CycleOut]
    dose_decisions: list[DecisionOut]
    labs_due: list[CalendarEventOut]
    open_adverse_events: list[OpenAdverseEventOut]
    calendar: list[CalendarEventOut]
    problems: list[str]
    depots: list[dict[str, Any]] = []

    @classmethod
    def of(cls, view: TreatmentView) -> TreatmentOut:
        return cls.model_validate(as_json(view))


class LabRecordedOut(_Out):
    id: int
    analyte: str
    term: str
    grade: int
    rule: str
    baseline: Number | None

    @classmethod
    def of(cls, row: LabRow) -> LabRecordedOut:
        return cls(id=row.id, analyte=row.analyte, term=row.term, grade=row.grade,
                   rule=row.rule, baseline=row.baseline)


class LabCorrectedOut(LabRecordedOut):
    version: int

    @classmethod
    def of(cls, row: LabRow) -> LabCorrectedOut:
        return cls(id=row.id, analyte=row.analyte, term=row.term, grade=row.grade,
                   rule=row.rule, baseline=row.baseline, version=row.version)


class GradeOut(_Out):
    analyte: str
    term: str
    grade: int
    value: Number
    unit: str
    basis: str
    rule: str
    ctcae_version: str

    @classmethod
    def of(cls, g: LabGrade) -> GradeOut:
        return cls(analyte=g.analyte, term=g.term, grade=g.grade, value=g.value, unit=g.unit,
                   basis=g.basis, rule=render(g.rule), ctcae_version=CTCAE_VERSION)


class AdverseEventOut(_Out):
    number: int
    term: str
    grade: int
    start_date: str
    stop_date: str | None
    serious: bool
    seriousness: list[str]
    relatedness: dict[str, str]
    action_taken: str
    outcome: str
    description: str | None
    lab_result_id: int | None
    aware_at: str | None
    report_due: str | None
    reported_at: str | None
    version: int
    expectedness: str | None = None
    rsi_document: str | None = None
    rsi_version: str | None = None

    @classmethod
    def of(cls, ae: AdverseEventRow) -> AdverseEventOut:
        limit = deadline(ae)
        return cls(
            number=ae.number, term=ae.term, grade=ae.grade,
            start_date=ae.start_date.isoformat(),
            stop_date=ae.stop_date.isoformat() if ae.stop_date else None,
            serious=ae.serious, seriousness=ae.seriousness, relatedness=ae.relatedness,
            action_taken=ae.action_taken, outcome=ae.outcome, description=ae.description,
            lab_result_id=ae.lab_result_id,
            aware_at=ae.aware_at.isoformat() if ae.aware_at else None,
            report_due=limit.isoformat() if limit else None,
            reported_at=ae.reported_at.isoformat() if ae.reported_at else None,
            version=ae.version, expectedness=ae.expectedness, rsi_document=ae.rsi_document,
            rsi_version=ae.rsi_version)


class AdverseEventsOut(_Out):
    participant: str
    adverse_events: list[AdverseEventOut]


class AeNumberOut(_Out):
    number: int


class SaeReportedOut(_Out):
    number: int
    reported: bool


class BasedOnOut(_Out):
    term: str
    grade: int


class HoldCauseOut(_Out):
    """A cause of a hold and its state: recovered, not_recovered or no_recheck."""

    term: str
    grade: int
    state: str
    text: str


class SevereEventOut(_Out):
    """An ongoing grade >= 3 event: in the proposal, or left out and why."""

    term: str
    grade: int
    number: int | None
    serious: bool
    in_proposal: bool
    why: str


class DoseProposalOut(_Out):
    drug: str
    level: int | None
    dose: Number | None
    unit: str
    action: str
    level_to: int | None
    dose_to: Number | None
    rule: str
    source: str
    based_on: list[BasedOnOut]
    causes: list[HoldCauseOut] = []
    severe_events: list[SevereEventOut] = []


class DoseProposalsOut(_Out):
    participant: str
    proposals: list[DoseProposalOut]


class SaeDueOut(_Out):
    participant: str
    site: str
    number: int
    term: str
    grade: int
    aware_at: str
    deadline: str
    overdue: bool


class DueOut(_Out):
    """A calendar event due at the site, with whose it is."""

    participant: str
    site: str
    overdue: bool
    date: str
    kind: str
    cycle: int | None
    day: int | None
    drug: str | None
    dose: Number | None
    unit: str | None
    route: str | None
    frequency: str | None
    label: str
    window_start: str | None
    window_end: str | None


class SafetyBoardOut(_Out):
    today: str
    sae_unreported: list[SaeDueOut]
    due: list[DueOut]

    @classmethod
    def of(cls, b: SafetyBoard) -> SafetyBoardOut:
        return cls.model_validate({
            "today": b.today.isoformat(),
            "sae_unreported": [{"participant": r.pseudonym, "site": r.site_code,
                                "number": r.number, "term": r.term, "grade": r.grade,
                                "aware_at": r.aware_at.isoformat(),
                                "deadline": r.deadline.isoformat(), "overdue": r.overdue}
                               for r in b.sae_unreported],
            "due": [{"participant": r.pseudonym, "site": r.site_code, "overdue": r.overdue,
                     **event_json(r.event)} for r in b.due],
        })
