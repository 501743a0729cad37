"""JSON API for screening: the record, a dry-run evaluation, the signature, the log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import Depends
from pydantic import BaseModel, Field

from dawna.i18n import gettext
from dawna.rules.eligibility import EligibilityResult
from dawna.rules.screening_record import ScreeningRecord
from dawna.services import participants, screening
from dawna.services.schemas_screening import ScreeningLogOut
from dawna.services.screening_log import screening_log
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["screening"])


class CriterionOut(BaseModel):
    id: str
    kind: str
    text: str
    status: str
    blocks: bool
    reasons: list[str]
    missing: list[str]


class EligibilityOut(BaseModel):
    outcome: str
    decision_date: date
    criteria: list[CriterionOut]
    missing: list[str]


class SignatureOut(BaseModel):
    signer_name: str
    signed_at: datetime
    outcome: str
    meaning: str
    valid: bool


class ScreeningOut(BaseModel):
    pseudonym: str
    status: str
    version: int | None
    record: dict[str, Any]
    eligibility: EligibilityOut
    signature: SignatureOut | None
    protocol_version: str = Field(description="The protocol version in force at the decision "
                                  "date, under which eligibility is judged.")


class ScreeningIn(BaseModel):
    record: ScreeningRecord
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = Field(default=None, description="The version read (GET): required to "
                                "change a saved record (422 without it, 409 if it is stale).")
    confirm_implausible: bool = Field(
        default=False, description="Keep values outside their usual range (the answer 422 with "
        "code implausible_value lists them).")


class SignIn(BaseModel):
    password: str
    confirm: bool = Field(description="The signer confirms the meaning of the signature.")


def eligibility_out(result: EligibilityResult) -> EligibilityOut:
    return EligibilityOut(
        outcome=result.outcome.value, decision_date=result.decision_date,
        missing=list(result.missing),
        criteria=[CriterionOut(id=c.id, kind=c.kind, text=c.text, status=c.status.value,
                               blocks=c.blocks, reasons=[m.render(gettext) for m in c.reasons],
                               missing=list(c.missing)) for c in result.criteria])


def _out(view: screening.ScreeningView) -> ScreeningOut:
    sig = view.signature
    return ScreeningOut(
        pseudonym=view.participant.pseudonym, status=view.participant.status.value,
        version=view.version, record=view.record.model_dump(mode="json", exclude_none=True),
        eligibility=eligibility_out(view.result),
        signature=SignatureOut(**sig.__dict__) if sig else None,
        protocol_version=view.protocol_version)


@router.get("/participants/{pseudonym}/screening", response_model=ScreeningOut)
def get_screening(pseudonym: str, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> ScreeningOut:
    return _out(screening.get(db, settings, user, pseudonym))


@router.put("/participants/{pseudonym}/screening", response_model=ScreeningOut,
            dependencies=[Depends(csrf_protect)])
def put_screening(pseudonym: str, body: ScreeningIn, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> ScreeningOut:
    """Save the record (a reason is required once a record exists; send the version you read)."""
    return _out(screening.save(db, settings, user, pseudonym, body.record, body.reason,
                               body.version, body.confirm_implausible))


@router.post("/participants/{pseudonym}/screening/evaluate", response_model=EligibilityOut,
             dependencies=[Depends(csrf_protect)])
def evaluate_screening(pseudonym: str, record: ScreeningRecord, db: DbDep,
                       settings: SettingsDep, user: CurrentUser) -> EligibilityOut:
    """Evaluate a draft record against the protocol without saving it."""
    detail = participants.get_participant(db, user, pseudonym)
    return eligibility_out(screening.evaluate_draft(record, detail.consent_date, settings,
                                                        db=db))


@router.post("/participants/{pseudonym}/screening/signature", response_model=ScreeningOut,
             dependencies=[Depends(csrf_protect)])
def sign_screening(pseudonym: str, body: SignIn, db: DbDep, settings: SettingsDep,
                   user: CurrentUser) -> ScreeningOut:
    return _out(screening.sign(db, settings, user, pseudonym, body.password, body.confirm))


@router.get("/screening-log", response_model=ScreeningLogOut)
def get_screening_log(db: DbDep, user: CurrentUser, site: str | None = None) -> dict[str, Any]:
    log = screening_log(db, user, site)
    c = log.counts
    return {
        "counts": {"assessed": c.assessed, "excluded": c.excluded,
                   "eligible_signed": c.eligible_signed, "eligible_unsigned": c.eligible_unsigned,
                   "incomplete": c.incomplete, "not_started": c.not_started,
                   "excluded_by_criterion": dict(c.excluded_by_criterion)},
        "rows": [{**r.__dict__, "failed_criteria": list(r.failed_criteria)} for r in log.rows],
    }
