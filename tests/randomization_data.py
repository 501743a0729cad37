"""Participants signed eligible, built directly in the store (fast set-up for many)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from helpers import SYSTEM
from screening_data import eligible_record
from sqlalchemy import select

from dawna.rules.screening_record import ScreeningRecord
from dawna.services.screening import fingerprint  # as earlier versions (bench --code)
from dawna.store.db import Database
from dawna.store.models import (
    EligibilitySignature,
    Participant,
    ParticipantStatus,
    Screening,
    User,
)
from dawna.store.uow import UnitOfWork

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}
STRATA = [{"visceral_metastasis": v, "cdk46i_setting": c}
          for v, c in itertools.product(["yes", "no"], ["adjuvant", "advanced"])]


def _signed_eligible(db: Database, n: int, status: ParticipantStatus = ParticipantStatus.ELIGIBLE,
                     record_data: dict[str, Any] | None = None, prefix: str = "T") -> list[str]:
    """n participants at SITEA whose eligibility the investigator signed (built directly), by
    default with the eligible record of ``screening_data`` (a postmenopausal woman of 62)."""
    record = ScreeningRecord.model_validate(record_data or eligible_record())
    data = record.model_dump(mode="json", exclude_none=True)
    sha256 = fingerprint(record)
    with UnitOfWork(db, SYSTEM, "test set-up") as uow:
        s = uow.session
        inv = s.scalars(select(User).where(User.username == "inv_a")).one()
        site_id = inv.memberships[0].site_id
        people = [Participant(site_id=site_id, screening_number=f"SITEA-{prefix}{i:04d}",
                              pseudonym=f"DF-{prefix}{i:04d}", consent_date=date(2024, 3, 1),
                              status=status) for i in range(n)]
        s.add_all(people)
        # the participants in one flush, then their records in a second: the audit trail finds
        # each record's site through its participant, already in the session (one participant
        # per flush read it back from the database for every audited field: 18,000 queries for
        # 200 participants)
        s.flush()
        for p in people:
            s.add(Screening(participant_id=p.id, record=data, outcome="eligible",
                            decision_date=date(2024, 3, 10)))
            s.add(EligibilitySignature(participant_id=p.id, signer_id=inv.id, signer_name="inv",
                                       signed_at=datetime(2024, 3, 10, tzinfo=UTC),
                                       outcome="eligible", meaning="test",
                                       record_sha256=sha256, result={}))
        uow.commit()
    return [p.pseudonym for p in people]


