"""JSON API for a participant's course: consents, state moves, survival follow-up, dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Depends
from pydantic import BaseModel, Field

from dawna.services import follow_up, lifecycle, query_checks
from dawna.services.schemas_course import CourseOut, DashboardOut
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["participant course"])


class ConsentIn(BaseModel):
    version: str = Field(min_length=1, max_length=20)
    signed_on: dt.date
    time: dt.time | None = None
    obtained_by: str = Field(min_length=1, max_length=200)


class MoveIn(BaseModel):
    action: Literal["start_treatment", "end_treatment", "withdraw", "end_study"]
    date: dt.date
    reason: str | None = Field(default=None, max_length=40)
    detail: str | None = Field(default=None, max_length=500)


@router.get("/participants/{pseudonym}/course", response_model=CourseOut)
def get_course(pseudonym: str, db: DbDep, user: CurrentUser) -> dict[str, Any]:
    return follow_up.as_json(follow_up.course(db, user, pseudonym))


@router.post("/participants/{pseudonym}/consents", response_model=CourseOut,
             dependencies=[Depends(csrf_protect)])
def post_consent(pseudonym: str, body: ConsentIn, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> dict[str, Any]:
    """Record a consent (the first one, or a re-consent to a newer approved version)."""
    lifecycle.record_consent(db, settings, user, pseudonym, body.version, body.signed_on,
                             body.time, body.obtained_by)
    return follow_up.as_json(follow_up.course(db, user, pseudonym))


@router.post("/participants/{pseudonym}/course", response_model=CourseOut,
             dependencies=[Depends(csrf_protect)])
def post_move(pseudonym: str, body: MoveIn, db: DbDep, settings: SettingsDep,
              user: CurrentUser) -> dict[str, Any]:
    """Start or end treatment, withdraw consent or end the study (reasons: see the README)."""
    if body.action == "start_treatment":
        lifecycle.start_treatment(db, settings, user, pseudonym, body.date)
    elif body.action == "end_treatment":
        lifecycle.end_treatment(db, settings, user, pseudonym, body.date, body.reason or "",
                                body.detail)
    elif body.action == "withdraw":
        lifecycle.withdraw(db, settings, user, pseudonym, body.date, body.detail)
    else:
        lifecycle.end_study(db, settings, user, pseudonym, body.date, body.reason or "",
                            body.detail)
    if body.action in ("withdraw", "end_study"):  # events still open become queries (issue 20)
        query_checks.after_save(db, settings, user, pseudonym)
    return follow_up.as_json(follow_up.course(db, user, pseudonym))


@router.post("/participants/{pseudonym}/follow-up", response_model=CourseOut,
             dependencies=[Depends(csrf_protect)])
def post_contact(pseudonym: str, body: follow_up.ContactIn, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> dict[str, Any]:
    return follow_up.as_json(follow_up.record_contact(db, settings, user, pseudonym, body))


@router.get("/dashboard", response_model=DashboardOut)
def get_dashboard(db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    d = follow_up.dashboard(db, settings, user)
    return {"counts": d.counts, "flow": d.flow,
            "end_of_treatment_reasons": d.end_of_treatment_reasons,
            "end_of_study_reasons": d.end_of_study_reasons,
            "latest_consent_version": d.latest_version,
            "reconsent": [{"pseudonym": p, "site": s, "version_signed": v}
                          for p, s, v in d.reconsent],
            "follow_ups_due": [{"pseudonym": f.pseudonym, "site": f.site_code,
                                "due": f.due.isoformat(), "overdue": f.overdue}
                               for f in d.follow_ups]}
