"""JSON API for tumour assessments (RECIST 1.1): a participant's baseline and follow-ups with
the derived responses, their entry and correction, and a case evaluated without the database.
Responses are shaped as ``dawna recist --format json``
(``dawna.services.recist_documents.result_json``)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends
from pydantic import BaseModel, Field

from dawna.rules.recist_case import Assessment, Baseline
from dawna.services import deviation_detect, tumour
from dawna.services.recist_documents import case_from_data, evaluate_case, result_json
from dawna.services.schemas_tumour import RecistResultOut, TumourOut
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["tumour response"])


class BaselineIn(BaseModel):
    baseline: Baseline
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class AssessmentIn(BaseModel):
    assessment: Assessment
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class DeleteIn(BaseModel):
    reason: str = Field(max_length=2000)
    version: int | None = None


def _out(view: tumour.TumourView) -> dict[str, Any]:
    return {
        "pseudonym": view.participant.pseudonym,
        "reference_date": view.reference_date.isoformat() if view.reference_date else None,
        "baseline": view.baseline.model_dump(mode="json") if view.baseline else None,
        "baseline_version": view.baseline_version,
        "assessments": [{"id": a.id, "version": a.version, "entered_by": a.entered_by,
                         "updated_at": a.updated_at.isoformat(),
                         **a.assessment.model_dump(mode="json")} for a in view.assessments],
        "result": result_json(view.result) if view.result else None,
    }


@router.get("/participants/{pseudonym}/tumour", response_model=TumourOut)
def get_tumour(pseudonym: str, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> dict[str, Any]:
    return _out(tumour.get(db, settings, user, pseudonym))


@router.put("/participants/{pseudonym}/tumour/baseline", response_model=TumourOut,
            dependencies=[Depends(csrf_protect)])
def put_baseline(pseudonym: str, body: BaselineIn, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> dict[str, Any]:
    """Record the baseline lesions, or correct them (reason and the version you read)."""
    return _out(tumour.save_baseline(db, settings, user, pseudonym, body.baseline, body.reason,
                                     body.version))


@router.post("/participants/{pseudonym}/tumour/assessments", response_model=TumourOut,
             dependencies=[Depends(csrf_protect)])
def post_assessment(pseudonym: str, body: AssessmentIn, db: DbDep, settings: SettingsDep,
                    user: CurrentUser) -> dict[str, Any]:
    saved = tumour.save_assessment(db, settings, user, pseudonym, body.assessment, body.reason)
    deviation_detect.after_save(db, settings, user, pseudonym)
    return _out(saved)


@router.put("/participants/{pseudonym}/tumour/assessments/{assessment_id}",
            response_model=TumourOut, dependencies=[Depends(csrf_protect)])
def put_assessment(pseudonym: str, assessment_id: RecordId, body: AssessmentIn, db: DbDep,
                   settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    saved = tumour.save_assessment(db, settings, user, pseudonym, body.assessment,
                                   body.reason, assessment_id, body.version)
    deviation_detect.after_save(db, settings, user, pseudonym)
    return _out(saved)


@router.post("/participants/{pseudonym}/tumour/assessments/{assessment_id}/delete",
             response_model=TumourOut, dependencies=[Depends(csrf_protect)])
def delete_assessment(pseudonym: str, assessment_id: RecordId, body: DeleteIn, db: DbDep,
                      settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    return _out(tumour.delete_assessment(db, settings, user, pseudonym, assessment_id,
                                         body.reason, body.version))


@router.post("/recist/evaluate", response_model=RecistResultOut,
             dependencies=[Depends(csrf_protect)])
def evaluate(body: dict[str, Any], user: CurrentUser) -> dict[str, Any]:
    """Evaluate a RECIST case (the ``dawna recist`` input) without storing anything."""
    return result_json(evaluate_case(case_from_data(body)))
