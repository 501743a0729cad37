"""JSON API for treatment and safety: plan and doses, cycles, calendar, laboratory results,
adverse events and SAE reports, dose proposals and decisions, the safety work list, and the
CTCAE grade of a value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dawna.errors import ValidationError
from dawna.exports.ical import calendar_ics
from dawna.services import deviation_detect, dose_modification, query_checks, safety, treatment
from dawna.services.treatment import event_json, render
from dawna.services.treatment.schemas import (
    AdverseEventOut,
    AdverseEventsOut,
    AeNumberOut,
    BasedOnOut,
    CalendarOut,
    DoseProposalOut,
    DoseProposalsOut,
    GradeOut,
    HoldCauseOut,
    LabCorrectedOut,
    LabRecordedOut,
    PlanPreviewOut,
    SaeReportedOut,
    SafetyBoardOut,
    SevereEventOut,
    TreatmentOut,
)
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["treatment and safety"])
CSRF = [Depends(csrf_protect)]


class PlanBody(treatment.PlanIn):
    version: int | None = None
    reason: str | None = Field(default=None, max_length=2000)


class AeUpdate(safety.AeIn):
    version: int
    reason: str = Field(min_length=3, max_length=2000)


class ReportBody(BaseModel):
    reported_at: dt.datetime | None = None


class DecisionBody(BaseModel):
    drug: str = Field(min_length=1, max_length=40)
    action: str = Field(min_length=1, max_length=16)
    reason: str = Field(min_length=3, max_length=2000)
    dose_to: float | None = None
    decision_date: dt.date | None = None
    override: bool = False  # resume although a cause of the hold has no recheck (say why)


@router.get("/participants/{pseudonym}/treatment", response_model=TreatmentOut)
def get_treatment(pseudonym: str, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> TreatmentOut:
    return TreatmentOut.of(treatment.treatment_view(db, settings, user, pseudonym))


@router.post("/participants/{pseudonym}/treatment/plan/preview", dependencies=CSRF,
             response_model=PlanPreviewOut)
def post_plan_preview(pseudonym: str, body: treatment.PlanIn, db: DbDep,
                      user: CurrentUser) -> PlanPreviewOut:
    """The computed doses with formula and inputs; nothing is stored."""
    return PlanPreviewOut.of(treatment.preview_plan(db, user, pseudonym, body))


@router.post("/participants/{pseudonym}/treatment/plan", dependencies=CSRF,
             response_model=PlanPreviewOut)
def post_plan(pseudonym: str, body: PlanBody, db: DbDep, settings: SettingsDep,
              user: CurrentUser) -> PlanPreviewOut:
    """The prescriber confirms the regimen and doses (a change needs version and reason)."""
    plan = validate(treatment.PlanIn, body.model_dump(exclude={"version", "reason"}))
    return PlanPreviewOut.of(treatment.confirm_plan(db, settings, user, pseudonym, plan,
                                                    version=body.version, reason=body.reason))


@router.post("/participants/{pseudonym}/treatment/cycles", dependencies=CSRF,
             response_model=TreatmentOut)
def post_cycle(pseudonym: str, body: treatment.CycleIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> TreatmentOut:
    treatment.record_cycle(db, settings, user, pseudonym, body)
    deviation_detect.after_save(db, settings, user, pseudonym)
    return TreatmentOut.of(treatment.treatment_view(db, settings, user, pseudonym))


@router.get("/participants/{pseudonym}/treatment/calendar", response_model=CalendarOut,
            responses={200: {"content": {"text/calendar": {}},
                             "description": "The calendar as JSON, or iCalendar with "
                                            "format=ics"}})
def get_calendar(pseudonym: str, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 format: str = "json", cycles: int = Query(default=3, ge=0, le=24)
                 ) -> Any:
    events = treatment.participant_calendar(db, settings, user, pseudonym, extra_cycles=cycles)
    if format == "ics":
        return Response(calendar_ics(events, calendar_name=f"DAWNA-FES {pseudonym}",
                                     uid_prefix=f"{pseudonym}-", render=render,
                                     tz=settings.site_timezone),
                        media_type="text/calendar; charset=utf-8")
    if format != "json":
        raise ValidationError("json or ics", field="format")
    return CalendarOut.model_validate({"participant": pseudonym,
                                       "events": [event_json(e) for e in events]})


@router.post("/participants/{pseudonym}/labs", dependencies=CSRF,
             response_model=LabRecordedOut)
def post_lab(pseudonym: str, body: safety.LabIn, db: DbDep, settings: SettingsDep,
             user: CurrentUser) -> LabRecordedOut:
    out = LabRecordedOut.of(safety.record_lab(db, settings, user, pseudonym, body))
    query_checks.after_save(db, settings, user, pseudonym)  # edit checks (issue 20)
    return out


class LabCorrection(safety.LabIn):
    version: int
    reason: str = Field(min_length=3, max_length=2000)


@router.put("/participants/{pseudonym}/labs/{lab_id}", dependencies=CSRF,
            response_model=LabCorrectedOut)
def put_lab(pseudonym: str, lab_id: RecordId, body: LabCorrection, db: DbDep, settings: SettingsDep,
            user: CurrentUser) -> LabCorrectedOut:
    """Correct a result (version and reason required); it is graded again."""
    lab = validate(safety.LabIn, body.model_dump(exclude={"version", "reason"}))
    out = LabCorrectedOut.of(safety.correct_lab(db, settings, user, pseudonym, lab_id, lab,
                                                version=body.version, reason=body.reason))
    query_checks.after_save(db, settings, user, pseudonym)
    return out


@router.get("/ctcae/grade", response_model=GradeOut)
def get_grade(analyte: str, value: float, unit: str, user: CurrentUser,
              lln: float | None = None, uln: float | None = None,
              baseline: float | None = None) -> GradeOut:
    """The CTCAE v5.0 grade of one laboratory value and the rule applied."""
    lab = validate(safety.LabValue, {"analyte": analyte, "value": value, "unit": unit,
                                     "lln": lln, "uln": uln, "baseline": baseline}, root="query")
    return GradeOut.of(safety.grade_preview(lab))


@router.get("/participants/{pseudonym}/adverse-events", response_model=AdverseEventsOut)
def get_aes(pseudonym: str, db: DbDep, user: CurrentUser) -> AdverseEventsOut:
    return AdverseEventsOut(participant=pseudonym, adverse_events=[
        AdverseEventOut.of(ae) for ae in safety.participant_events(db, user, pseudonym)])


@router.post("/participants/{pseudonym}/adverse-events", dependencies=CSRF,
             response_model=AeNumberOut)
def post_ae(pseudonym: str, body: safety.AeIn, db: DbDep, settings: SettingsDep,
            user: CurrentUser) -> AeNumberOut:
    out = AeNumberOut(number=safety.record_ae(db, settings, user, pseudonym, body))
    query_checks.after_save(db, settings, user, pseudonym)
    return out


@router.put("/participants/{pseudonym}/adverse-events/{number}", dependencies=CSRF,
            response_model=AeNumberOut)
def put_ae(pseudonym: str, number: RecordId, body: AeUpdate, db: DbDep, settings: SettingsDep,
           user: CurrentUser) -> AeNumberOut:
    ae = validate(safety.AeIn, body.model_dump(exclude={"version", "reason"}))
    safety.update_ae(db, settings, user, pseudonym, number, ae, version=body.version,
                     reason=body.reason)
    query_checks.after_save(db, settings, user, pseudonym)
    return AeNumberOut(number=number)


@router.post("/participants/{pseudonym}/adverse-events/{number}/report", dependencies=CSRF,
             response_model=SaeReportedOut)
def post_report(pseudonym: str, number: RecordId, body: ReportBody, db: DbDep,
                settings: SettingsDep, user: CurrentUser) -> SaeReportedOut:
    safety.report_sae(db, settings, user, pseudonym, number, body.reported_at)
    return SaeReportedOut(number=number, reported=True)


@router.get("/participants/{pseudonym}/dose-proposals", response_model=DoseProposalsOut)
def get_proposals(pseudonym: str, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> DoseProposalsOut:
    out = []
    for d in dose_modification.propose(db, settings, user, pseudonym):
        out.append(DoseProposalOut(
            drug=d.drug, level=d.level, dose=d.dose, unit=d.unit,
            action=d.proposal.action.value, level_to=d.proposal.level_to, dose_to=d.dose_to,
            rule=d.rule, source=d.proposal.source,
            based_on=[BasedOnOut(term=t.term, grade=t.grade) for t in d.based_on if t.term],
            causes=[HoldCauseOut(term=c.term, grade=c.grade, state=c.state, text=c.text)
                    for c in d.causes],
            severe_events=[SevereEventOut(**r.__dict__) for r in d.severe]))
    return DoseProposalsOut(participant=pseudonym, proposals=out)


@router.post("/participants/{pseudonym}/dose-decisions", dependencies=CSRF,
             response_model=TreatmentOut)
def post_decision(pseudonym: str, body: DecisionBody, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> TreatmentOut:
    dose_modification.decide(db, settings, user, pseudonym, body.drug, body.action,
                             body.reason, dose_to=body.dose_to,
                             decision_date=body.decision_date, override=body.override)
    return TreatmentOut.of(treatment.treatment_view(db, settings, user, pseudonym))


@router.get("/safety", response_model=SafetyBoardOut)
def get_safety(db: DbDep, settings: SettingsDep, user: CurrentUser) -> SafetyBoardOut:
    return SafetyBoardOut.of(safety.board(db, settings, user))


@router.get("/participants/{pseudonym}/depots", response_model=treatment.DepotsOut)
def get_depots(pseudonym: str, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> treatment.DepotsOut:
    """Each depot injection on its own 28-day clock: doses given, next due, late."""
    return treatment.DepotsOut.of(pseudonym,
                                  treatment.depot_view(db, settings, user, pseudonym))


@router.post("/participants/{pseudonym}/depots", dependencies=CSRF,
             response_model=treatment.DepotsOut)
def post_depot(pseudonym: str, body: treatment.DepotDoseIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> treatment.DepotsOut:
    """Record a depot dose given (a date in the future or before the previous dose is
    refused, naming given_on)."""
    treatment.record_depot(db, settings, user, pseudonym, body)
    return treatment.DepotsOut.of(pseudonym,
                                  treatment.depot_view(db, settings, user, pseudonym))
