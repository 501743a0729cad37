"""JSON API of the protocol deviation log (issue 20 item 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends
from pydantic import BaseModel

from dawna.services import deviation_detect, deviation_log, deviation_review
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["protocol deviations"])


class DeviationOut(BaseModel):
    id: int
    participant: str
    site: str
    kind: str
    category: str
    occurred_on: dt.date
    description: str
    importance: str | None
    action_taken: str | None
    automatic: bool
    opened_on: dt.date
    opened_by: str
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    acknowledgement: str | None
    version: int
    status: str
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    withdrawal: str | None = None
    review: str | None = None


class DeviationListOut(BaseModel):
    deviations: list[DeviationOut]


class AcknowledgeBody(deviation_log.AcknowledgeIn):
    """The acknowledgement, with the version read (a 409 names the current one)."""

    version: int | None = None


class DetectOut(BaseModel):
    participants: int
    opened: dict[str, int]


def _out(r: deviation_log.DeviationRow) -> dict[str, Any]:
    return {"id": r.id, "participant": r.pseudonym, "site": r.site_code, "kind": r.kind,
            "category": r.category, "occurred_on": r.occurred_on,
            "description": r.description, "importance": r.importance,
            "action_taken": r.action_taken, "automatic": r.automatic,
            "opened_on": r.opened_on, "opened_by": r.opened_by,
            "acknowledged_at": r.acknowledged_at, "acknowledged_by": r.acknowledged_by,
            "acknowledgement": r.acknowledgement, "version": r.version, "status": r.status,
            "withdrawn_at": r.withdrawn_at, "withdrawn_by": r.withdrawn_by,
            "withdrawal": r.withdrawal, "review": r.review}


@router.get("/deviations", response_model=DeviationListOut)
def get_deviations(db: DbDep, user: CurrentUser, site: str | None = None,
                   category: str | None = None, importance: str | None = None,
                   status: str | None = None, source: str | None = None,
                   participant: str | None = None) -> dict[str, Any]:
    """The deviation log at the user's sites (filters as on the page)."""
    rows = deviation_log.listing(db, user, deviation_log.LogFilter(
        site=site, category=category, importance=importance, status=status, source=source,
        pseudonym=participant))
    return {"deviations": [_out(r) for r in rows]}


@router.post("/participants/{pseudonym}/deviations", response_model=DeviationOut,
             status_code=201, dependencies=[Depends(csrf_protect)])
def post_deviation(pseudonym: str, body: deviation_log.DeviationIn, db: DbDep,
                   settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    """Record a deviation (investigator or coordinator of the participant's site)."""
    return _out(deviation_log.record(db, settings, user, pseudonym, body))


@router.post("/participants/{pseudonym}/deviations/{deviation_id}/acknowledge",
             response_model=DeviationOut, dependencies=[Depends(csrf_protect)])
def post_acknowledge(pseudonym: str, deviation_id: RecordId, body: AcknowledgeBody, db: DbDep,
                     settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    """The investigator acknowledges, with a comment, the importance and the action taken."""
    return _out(deviation_log.acknowledge(
        db, settings, user, pseudonym, deviation_id, body.comment, body.version,
        importance=body.importance, action_taken=body.action_taken))


@router.post("/participants/{pseudonym}/deviations/{deviation_id}/review",
             response_model=DeviationOut, dependencies=[Depends(csrf_protect)])
def post_review(pseudonym: str, deviation_id: RecordId, body: deviation_review.ReviewIn,
                db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    """The investigator withdraws or keeps a deviation whose record changed after it was
    acknowledged (status ``review``), with a comment."""
    return _out(deviation_review.review(db, settings, user, pseudonym, deviation_id, body))


@router.post("/deviations/detect", response_model=DetectOut,
             dependencies=[Depends(csrf_protect)])
def post_detect(db: DbDep, settings: SettingsDep, user: CurrentUser,
                participant: str | None = None) -> dict[str, Any]:
    """Run the detection rules at the user's sites (or for one participant)."""
    summary = deviation_detect.detect(db, settings, user, participant)
    return {"participants": summary.participants, "opened": dict(summary.opened)}
