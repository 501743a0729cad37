"""Screening case report forms, eligibility signatures, the randomization list, stratum
counters and allocations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class Screening(Base):
    """The screening case report form of one participant (a JSON document validated by
    ``dawna.rules.screening_record.ScreeningRecord``) and the outcome last computed from it.

    The audit trail records each changed leaf of the document (e.g. ``record.labs.anc.value``).
    ``version`` guards against two people saving over each other (optimistic locking).
    """

    __tablename__ = "screening"
    __audit_flatten__ = frozenset({"record"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                unique=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(16))
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    failed_criteria: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the protocol version the decision was made under (issue 20 item 8)
    protocol_version: Mapped[str] = mapped_column(String(20), default="1", server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class EligibilitySignature(Base):
    """An investigator's electronic signature of an eligibility decision (21 CFR 11.50, 11.70,
    11.200): who signed, when, the meaning of the signature, and a SHA-256 of the exact screening
    record signed, so that any later change to the record voids the signature."""

    __tablename__ = "eligibility_signature"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    meaning: Mapped[str] = mapped_column(Text)
    record_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the protocol version the decision was made under (issue 20 item 8)
    protocol_version: Mapped[str] = mapped_column(String(20), default="1", server_default="1")


class RandomizationList(Base):
    """The trial's one allocation list: generated once by the statistician from a secret seed.

    Only the *sealed* seed is stored (encrypted with a key derived from the server secret, which
    is not in the database), with a SHA-256 fingerprint of the whole list: no page, API, export or
    database dump shows a future allocation. Arms are computed at the moment of randomization.
    ``live_at`` locks the configuration (ICH E9 section 2.3; Schulz & Grimes, Lancet 2002).
    """

    __tablename__ = "randomization_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    method: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed_sealed: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    size_per_stratum: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StratumCounter(Base):
    """Next free position of each stratum; taken by an atomic ``UPDATE ... RETURNING`` so that
    concurrent randomizations serialise per stratum with no slot used twice or skipped."""

    __tablename__ = "stratum_counter"
    __table_args__ = (UniqueConstraint("list_id", "stratum", name="uq_stratum_counter"),)
    __audited__ = False  # every change is a randomization, audited through ``allocation``

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("randomization_list.id"))
    stratum: Mapped[str] = mapped_column(String(200))
    used: Mapped[int] = mapped_column(Integer, default=0)
    capacity: Mapped[int] = mapped_column(Integer)


class SequenceCounter(Base):
    """The list's last ``allocation.sequence``, taken by an atomic ``UPDATE ... RETURNING`` (one
    statement under the row's lock instead of a ``SELECT ... FOR UPDATE`` and a ``max()``); a
    rollback returns the number with the lock, so the sequence stays unique and gap-free."""

    __tablename__ = "sequence_counter"
    __audited__ = False  # every change is a randomization, audited through ``allocation``

    list_id: Mapped[int] = mapped_column(ForeignKey("randomization_list.id"), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Allocation(Base):
    """A participant's randomized arm: final once made (one per participant). ``sequence``
    numbers the list's allocations 1, 2, 3, … without gaps or repeats (taken under the list's
    row lock)."""

    __tablename__ = "allocation"
    __table_args__ = (
        UniqueConstraint("list_id", "stratum", "position", name="uq_allocation_slot"),
        UniqueConstraint("list_id", "sequence", name="uq_allocation_sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("randomization_list.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    stratum: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    arm: Mapped[str] = mapped_column(String(8))
    factors: Mapped[dict[str, Any]] = mapped_column(JSON)
    regimen: Mapped[dict[str, Any]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    randomized_at: Mapped[datetime] = mapped_column(UTCDateTime())
    randomized_by: Mapped[str] = mapped_column(String(64))
    # the protocol version the decision was made under (issue 20 item 8)
    protocol_version: Mapped[str] = mapped_column(String(20), default="1", server_default="1")
