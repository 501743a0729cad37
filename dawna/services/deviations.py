"""Protocol deviations: an eligibility decision changed by a correction after randomization.

Issue 18 item 3. After randomization the screening record is corrected only with a reason
(ICH E6(R3) 3.16.1); a correction that changes the eligibility decision opens an *eligibility
violation* (ICH E3 §10.2: participants who entered without meeting the criteria are important
deviations) that the investigator of the site must acknowledge. The participant stays
randomized and in the analysis (intention to treat, ICH E9 §5.2.1): no status changes, the
signature is kept as signed, and the signed decision and the corrected one are shown side by
side (:func:`decisions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.rules.deviation_rules import IMPORTANCE_OF, Category, Kind
from dawna.rules.eligibility import EligibilityResult
from dawna.services import deviation_log
from dawna.services.access import Permission, Principal
from dawna.services.scope import load_visible
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    EligibilitySignature,
    Participant,
    ProtocolDeviation,
    Screening,
    Site,
)
from dawna.store.uow import UnitOfWork

__all__ = ["ELIGIBILITY_VIOLATION", "DecisionView", "DeviationView", "OpenDeviation",
           "acknowledge", "after_correction", "decisions", "is_randomized", "list_for",
           "open_list"]

#: the investigator's acknowledgement, for every kind of deviation (the deviation log)
acknowledge = deviation_log.acknowledge

ELIGIBILITY_VIOLATION = Kind.ELIGIBILITY_VIOLATION.value


@dataclass(frozen=True)
class DeviationView:
    id: int
    kind: str
    opened_on: date
    opened_by: str
    reason: str
    signed_outcome: str
    corrected_outcome: str
    corrected_criteria: dict[str, str]
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement: str | None
    version: int
    withdrawal: str | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None and self.withdrawal is None


@dataclass(frozen=True)
class DecisionView:
    """The decision the investigator signed and the one the current record gives."""

    randomized: bool
    signed_outcome: str | None
    signed_by: str | None
    signed_at: datetime | None
    signed_criteria: dict[str, str]
    current_outcome: str | None
    current_criteria: dict[str, str]
    deviations: tuple[DeviationView, ...]

    @property
    def changed(self) -> dict[str, tuple[str, str]]:
        """Criterion id -> (signed status, current status), where they differ."""
        return {k: (v, self.current_criteria.get(k, "")) for k, v in self.signed_criteria.items()
                if self.current_criteria.get(k) != v}


def is_randomized(session: Session, participant: Participant) -> bool:
    return session.scalars(select(Allocation.id).where(
        Allocation.participant_id == participant.id).limit(1)).first() is not None


def _latest_signature(session: Session, participant_id: int) -> EligibilitySignature | None:
    return session.scalars(
        select(EligibilitySignature).where(EligibilitySignature.participant_id == participant_id)
        .order_by(EligibilitySignature.id.desc()).limit(1)).first()


def _statuses(result: EligibilityResult) -> dict[str, str]:
    return {c.id: c.status.value for c in result.criteria}


def after_correction(session: Session, participant: Participant, previous_outcome: str | None,
                     result: EligibilityResult, reason: str, actor: str, today: date
                     ) -> ProtocolDeviation | None:
    """Open an eligibility violation when a correction of a randomized participant's record
    changes the decision: the new outcome differs from the signed one and from the outcome
    before this correction (a second correction that keeps the changed decision opens none)."""
    if not is_randomized(session, participant):
        return None
    sig = _latest_signature(session, participant.id)
    new = result.outcome.value
    if sig is None or new == sig.outcome or new == previous_outcome:
        return None
    row = ProtocolDeviation(
        participant_id=participant.id, kind=ELIGIBILITY_VIOLATION, opened_on=today,
        category=Category.ELIGIBILITY.value, occurred_on=today,
        importance=IMPORTANCE_OF[Kind.ELIGIBILITY_VIOLATION].value,
        opened_by=actor, reason=reason, signature_id=sig.id, signed_outcome=sig.outcome,
        corrected_outcome=new, corrected_result={
            "decision_date": result.decision_date.isoformat() if result.decision_date else None,
            "criteria": _statuses(result)})
    session.add(row)
    return row


def _view(row: ProtocolDeviation) -> DeviationView:
    return DeviationView(
        id=row.id, kind=row.kind, opened_on=row.opened_on, opened_by=row.opened_by,
        reason=row.reason, signed_outcome=row.signed_outcome or "",
        corrected_outcome=row.corrected_outcome or "",
        corrected_criteria=dict((row.corrected_result or {}).get("criteria") or {}),
        acknowledged_at=row.acknowledged_at, acknowledged_by=row.acknowledged_by,
        acknowledgement=row.acknowledgement, version=row.version,
        withdrawal=row.withdrawal if row.withdrawn_at is not None else None)


def _rows(session: Session, participant: Participant) -> list[ProtocolDeviation]:
    return list(session.scalars(select(ProtocolDeviation).where(
        ProtocolDeviation.participant_id == participant.id).order_by(ProtocolDeviation.id)))


@dataclass(frozen=True)
class OpenDeviation:
    pseudonym: str
    site_code: str
    id: int
    kind: str
    opened_on: date
    signed_outcome: str
    corrected_outcome: str


def open_list(db: Database, principal: Principal) -> list[OpenDeviation]:
    """Eligibility violations awaiting the investigator at the sites the user can see (the
    dashboard; the other deviations are counted there and listed on the deviation log)."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        rows = uow.session.execute(
            select(Participant.pseudonym, Site.code, ProtocolDeviation.id, ProtocolDeviation.kind,
                   ProtocolDeviation.opened_on, ProtocolDeviation.signed_outcome,
                   ProtocolDeviation.corrected_outcome)
            .join(Participant, Participant.id == ProtocolDeviation.participant_id)
            .join(Site, Site.id == Participant.site_id)
            .where(Participant.site_id.in_(sites), ProtocolDeviation.acknowledged_at.is_(None),
                   ProtocolDeviation.withdrawn_at.is_(None),
                   ProtocolDeviation.kind == ELIGIBILITY_VIOLATION)
            .order_by(ProtocolDeviation.opened_on, ProtocolDeviation.id)).all()
    return [OpenDeviation(*r) for r in rows]  # type: ignore[arg-type]


def list_for(db: Database, principal: Principal, pseudonym: str) -> list[DeviationView]:
    with UnitOfWork(db) as uow:
        p = load_visible(uow.session, principal, pseudonym)
        return [_view(r) for r in _rows(uow.session, p)]


def decisions(db: Database, principal: Principal, pseudonym: str,
              current: EligibilityResult | None) -> DecisionView:
    """The signed decision (kept as signed) beside ``current`` (the screening page's result)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        sig = _latest_signature(s, p.id)
        stored = s.scalars(select(Screening.outcome).where(
            Screening.participant_id == p.id)).first()
        signed: dict[str, Any] = dict(sig.result or {}) if sig else {}
        return DecisionView(
            randomized=is_randomized(s, p),
            signed_outcome=sig.outcome if sig else None,
            signed_by=sig.signer_name if sig else None,
            signed_at=sig.signed_at if sig else None,
            signed_criteria={c["id"]: c["status"] for c in signed.get("criteria", [])},
            current_outcome=current.outcome.value if current else stored,
            current_criteria=_statuses(current) if current else {},
            deviations=tuple(_view(r) for r in _rows(s, p)))
