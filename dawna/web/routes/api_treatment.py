"""JSON API for treatment and safety: plan and doses, cycles, calendar, laboratory results,
adverse events and SAE reports, dose proposals and decisions, the safety work list, and the
CTCAE grade of a value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dawna.errors import ValidationError
from dawna.exports.ical import calendar_ics
from dawna.rules import ctcae
from dawna.services import dose_modification, safety, treatment
from dawna.services.access import Permission
from dawna.services.treatment import event_json, render
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.security import csrf_protect

router = APIRouter(prefix="/api", tags=["treatment and safety"])
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


def _preview_json(p: treatment.PlanPreview) -> dict[str, Any]:
    return {"regimen_id": p.regimen_id, "label": p.label, "arm": p.arm,
            "cycle_length_days": p.cycle_length_days, "procedures": p.procedures,
            "doses": [d.__dict__ for d in p.doses]}


def _grade_json(g: ctcae.LabGrade) -> dict[str, Any]:
    return {"analyte": g.analyte, "term": g.term, "grade": g.grade, "value": g.value,
            "unit": g.unit, "basis": g.basis, "rule": render(g.rule),
            "ctcae_version": ctcae.CTCAE_VERSION}


def _ae_json(ae: Any) -> dict[str, Any]:
    limit = safety.deadline(ae)
    return {"number": ae.number, "term": ae.term, "grade": ae.grade,
            "start_date": ae.start_date.isoformat(),
            "stop_date": ae.stop_date.isoformat() if ae.stop_date else None,
            "serious": ae.serious, "seriousness": ae.seriousness,
            "relatedness": ae.relatedness, "action_taken": ae.action_taken,
            "outcome": ae.outcome, "description": ae.description,
            "lab_result_id": ae.lab_result_id,
            "aware_at": ae.aware_at.isoformat() if ae.aware_at else None,
            "report_due": limit.isoformat() if limit else None,
            "reported_at": ae.reported_at.isoformat() if ae.reported_at else None,
            "version": ae.version}


@router.get("/participants/{pseudonym}/treatment")
def get_treatment(pseudonym: str, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> dict[str, Any]:
    return treatment.as_json(treatment.treatment_view(db, settings, user, pseudonym))


@router.post("/participants/{pseudonym}/treatment/plan/preview", dependencies=CSRF)
def post_plan_preview(pseudonym: str, body: treatment.PlanIn, db: DbDep,
                      user: CurrentUser) -> dict[str, Any]:
    """The computed doses with formula and inputs; nothing is stored."""
    return _preview_json(treatment.preview_plan(db, user, pseudonym, body))


@router.post("/participants/{pseudonym}/treatment/plan", dependencies=CSRF)
def post_plan(pseudonym: str, body: PlanBody, db: DbDep, settings: SettingsDep,
              user: CurrentUser) -> dict[str, Any]:
    """The prescriber confirms the regimen and doses (a change needs version and reason)."""
    plan = treatment.PlanIn.model_validate(body.model_dump(exclude={"version", "reason"}))
    return _preview_json(treatment.confirm_plan(db, settings, user, pseudonym, plan,
                                                version=body.version, reason=body.reason))


@router.post("/participants/{pseudonym}/treatment/cycles", dependencies=CSRF)
def post_cycle(pseudonym: str, body: treatment.CycleIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> dict[str, Any]:
    treatment.record_cycle(db, settings, user, pseudonym, body)
    return treatment.as_json(treatment.treatment_view(db, settings, user, pseudonym))


@router.get("/participants/{pseudonym}/treatment/calendar", response_model=None)
def get_calendar(pseudonym: str, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 format: str = "json", cycles: int = Query(default=3, ge=0, le=24)
                 ) -> dict[str, Any] | Response:
    events = treatment.participant_calendar(db, settings, user, pseudonym, extra_cycles=cycles)
    if format == "ics":
        return Response(calendar_ics(events, calendar_name=f"DAWNA-FES {pseudonym}",
                                     uid_prefix=f"{pseudonym}-", render=render,
                                     tz=settings.site_timezone),
                        media_type="text/calendar; charset=utf-8")
    if format != "json":
        raise ValidationError("json or ics", field="format")
    return {"participant": pseudonym, "events": [event_json(e) for e in events]}


@router.post("/participants/{pseudonym}/labs", dependencies=CSRF)
def post_lab(pseudonym: str, body: safety.LabIn, db: DbDep, settings: SettingsDep,
             user: CurrentUser) -> dict[str, Any]:
    row = safety.record_lab(db, settings, user, pseudonym, body)
    return {"id": row.id, "analyte": row.analyte, "term": row.term, "grade": row.grade,
            "rule": row.rule, "baseline": row.baseline}


class LabCorrection(safety.LabIn):
    version: int
    reason: str = Field(min_length=3, max_length=2000)


@router.put("/participants/{pseudonym}/labs/{lab_id}", dependencies=CSRF)
def put_lab(pseudonym: str, lab_id: int, body: LabCorrection, db: DbDep, settings: SettingsDep,
            user: CurrentUser) -> dict[str, Any]:
    """Correct a result (version and reason required); it is graded again."""
    lab = safety.LabIn.model_validate(body.model_dump(exclude={"version", "reason"}))
    row = safety.correct_lab(db, settings, user, pseudonym, lab_id, lab, version=body.version,
                             reason=body.reason)
    return {"id": row.id, "analyte": row.analyte, "term": row.term, "grade": row.grade,
            "rule": row.rule, "baseline": row.baseline, "version": row.version}


@router.get("/ctcae/grade")
def get_grade(analyte: str, value: float, unit: str, user: CurrentUser,
              lln: float | None = None, uln: float | None = None,
              baseline: float | None = None) -> dict[str, Any]:
    """The CTCAE v5.0 grade of one laboratory value and the rule applied."""
    try:
        graded = ctcae.grade_lab(ctcae.analyte_key(analyte), value, unit, lln=lln, uln=uln,
                                 baseline=baseline)
    except ctcae.CtcaeError as exc:
        raise ValidationError(render(exc.message), field=exc.field) from None
    return _grade_json(graded)


@router.get("/participants/{pseudonym}/adverse-events")
def get_aes(pseudonym: str, db: DbDep, user: CurrentUser) -> dict[str, Any]:
    from dawna.services.participants import load_visible

    with db.sessions() as s:
        p = load_visible(s, user, pseudonym)
        user.require(Permission.TREATMENT_VIEW, p.site_id)
        return {"participant": pseudonym,
                "adverse_events": [_ae_json(ae) for ae in safety.events_of(s, p)]}


@router.post("/participants/{pseudonym}/adverse-events", dependencies=CSRF)
def post_ae(pseudonym: str, body: safety.AeIn, db: DbDep, settings: SettingsDep,
            user: CurrentUser) -> dict[str, Any]:
    return {"number": safety.record_ae(db, settings, user, pseudonym, body)}


@router.put("/participants/{pseudonym}/adverse-events/{number}", dependencies=CSRF)
def put_ae(pseudonym: str, number: int, body: AeUpdate, db: DbDep, settings: SettingsDep,
           user: CurrentUser) -> dict[str, Any]:
    ae = safety.AeIn.model_validate(body.model_dump(exclude={"version", "reason"}))
    safety.update_ae(db, settings, user, pseudonym, number, ae, version=body.version,
                     reason=body.reason)
    return {"number": number}


@router.post("/participants/{pseudonym}/adverse-events/{number}/report", dependencies=CSRF)
def post_report(pseudonym: str, number: int, body: ReportBody, db: DbDep,
                settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    safety.report_sae(db, settings, user, pseudonym, number, body.reported_at)
    return {"number": number, "reported": True}


@router.get("/participants/{pseudonym}/dose-proposals")
def get_proposals(pseudonym: str, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> dict[str, Any]:
    out = []
    for d in dose_modification.propose(db, settings, user, pseudonym):
        out.append({"drug": d.drug, "level": d.level, "dose": d.dose, "unit": d.unit,
                    "action": d.proposal.action.value, "level_to": d.proposal.level_to,
                    "dose_to": d.dose_to, "rule": d.rule,
                    "source": d.proposal.source,
                    "based_on": [{"term": t.term, "grade": t.grade} for t in d.based_on
                                 if t.term]})
    return {"participant": pseudonym, "proposals": out}


@router.post("/participants/{pseudonym}/dose-decisions", dependencies=CSRF)
def post_decision(pseudonym: str, body: DecisionBody, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> dict[str, Any]:
    dose_modification.decide(db, settings, user, pseudonym, body.drug, body.action,
                             body.reason, dose_to=body.dose_to,
                             decision_date=body.decision_date)
    return treatment.as_json(treatment.treatment_view(db, settings, user, pseudonym))


@router.get("/safety")
def get_safety(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    b = safety.board(db, settings, user)
    return {
        "today": b.today.isoformat(),
        "sae_unreported": [{"participant": r.pseudonym, "site": r.site_code,
                            "number": r.number, "term": r.term, "grade": r.grade,
                            "aware_at": r.aware_at.isoformat(),
                            "deadline": r.deadline.isoformat(), "overdue": r.overdue}
                           for r in b.sae_unreported],
        "due": [{"participant": r.pseudonym, "site": r.site_code, "overdue": r.overdue,
                 **event_json(r.event)} for r in b.due],
    }
