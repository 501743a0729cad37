"""The screening log: every patient screened, with outcome and failure reasons, and the counts
the CONSORT flow diagram needs (CONSORT 2010 item 13a/13b: assessed for eligibility, excluded
with reasons, randomized)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from dawna.services.access import Permission, Principal
from dawna.store.db import Database
from dawna.store.models import EligibilitySignature, Participant, Screening, Site
from dawna.store.uow import UnitOfWork


@dataclass(frozen=True)
class LogRow:
    pseudonym: str
    screening_number: str
    site_code: str
    consent_date: date | None
    status: str
    outcome: str  # not_started | incomplete | eligible | ineligible (computed)
    failed_criteria: tuple[str, ...]
    signed_outcome: str | None
    signed_by: str | None
    signed_at: datetime | None


@dataclass
class ConsortCounts:
    assessed: int = 0
    not_started: int = 0
    incomplete: int = 0
    excluded: int = 0
    eligible_signed: int = 0
    eligible_unsigned: int = 0
    excluded_by_criterion: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class ScreeningLog:
    rows: list[LogRow]
    counts: ConsortCounts


def screening_log(db: Database, principal: Principal, site_code: str | None = None
                  ) -> ScreeningLog:
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        session = uow.session
        query = (select(Participant, Screening).join(Site)
                 .outerjoin(Screening, Screening.participant_id == Participant.id)
                 .where(Participant.site_id.in_(sites)))
        if site_code:
            query = query.where(Site.code == site_code)
        pairs = session.execute(query.order_by(Site.code, Participant.screening_number)).all()
        ids = [p.id for p, _s in pairs]
        latest: dict[int, EligibilitySignature] = {}
        for signature in session.scalars(select(EligibilitySignature).where(
                EligibilitySignature.participant_id.in_(ids)).order_by(EligibilitySignature.id)):
            latest[signature.participant_id] = signature
        rows: list[LogRow] = []
        counts = ConsortCounts()
        for p, screening in pairs:
            found: EligibilitySignature | None = latest.get(p.id)
            outcome = screening.outcome if screening else "not_started"
            failed = tuple(x for x in (screening.failed_criteria if screening else "").split(",")
                           if x)
            # a signature counts unless a later change of the record voided it (the participant
            # is then back in screening); randomized and later states keep their signed decision
            sig = found if p.status.value not in ("pre_screening", "consented",
                                                  "screening") else None
            rows.append(LogRow(
                pseudonym=p.pseudonym, screening_number=p.screening_number, site_code=p.site.code,
                consent_date=p.consent_date, status=p.status.value, outcome=outcome,
                failed_criteria=failed,
                signed_outcome=sig.outcome if sig else None,
                signed_by=sig.signer_name if sig else None,
                signed_at=sig.signed_at if sig else None))
            counts.assessed += 1
            if outcome == "not_started":
                counts.not_started += 1
            elif outcome == "incomplete":
                counts.incomplete += 1
            elif outcome == "ineligible":
                counts.excluded += 1
                counts.excluded_by_criterion.update(failed)
            elif sig is not None and sig.outcome == "eligible":
                counts.eligible_signed += 1
            else:
                counts.eligible_unsigned += 1
        return ScreeningLog(rows=rows, counts=counts)
