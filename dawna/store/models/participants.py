"""Participants, their identity, consents, state changes and follow-up contacts.

Identity (names, record numbers, contact details) lives in ``participant_identity``, apart from
the clinical ``participant`` row, so clinical exports and most roles never touch it (ICH E6(R3)
section 2.9 / GCP confidentiality of subject identity).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dawna.clock import utcnow
from dawna.rules.lifecycle import State
from dawna.store.base import Base, UTCDateTime
from dawna.store.models.columns import enum_type
from dawna.store.models.people import Site

#: A participant's state in the trial: the states of the one state machine in
#: ``dawna.rules.lifecycle`` (pre-screening ... end of study).
ParticipantStatus = State


class Participant(Base):
    """A screened person, known to the clinical record only by pseudonym and screening number."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    screening_number: Mapped[str] = mapped_column(String(32), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[ParticipantStatus] = mapped_column(
        enum_type(ParticipantStatus, "participant_status"), default=ParticipantStatus.PRE_SCREENING
    )
    consent_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site: Mapped[Site] = relationship(lazy="joined")
    identity: Mapped[ParticipantIdentity | None] = relationship(
        back_populates="participant", cascade="all, delete-orphan", uselist=False
    )


class ParticipantIdentity(Base):
    """Directly identifying data, kept apart from clinical data and from most roles."""

    __tablename__ = "participant_identity"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    full_name: Mapped[str] = mapped_column(String(200))
    medical_record_number: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: optimistic locking: a correction sends the version it read (issue 19 item 7)
    version: Mapped[int] = mapped_column(Integer, default=1)

    participant: Mapped[Participant] = relationship(back_populates="identity")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ConsentFormVersion(Base):
    """A consent form version approved by the ethics committee after the protocol file was
    written, entered by an administrator (the file's ``consent_forms`` hold the earlier ones)."""

    __tablename__ = "consent_form_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    approved_on: Mapped[date] = mapped_column(Date)
    approved_by: Mapped[str] = mapped_column(String(200))
    entered_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Consent(Base):
    """One informed consent signed by a participant (ICH E6(R3) 2.8): the form version, the
    date and time of signature, who obtained it; ``kind`` is initial or reconsent."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    version: Mapped[str] = mapped_column(String(20))
    signed_on: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    obtained_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StatusEvent(Base):
    """One move of a participant through the state machine, with its clinical date and
    reason; the participant's ``status`` is the state after the latest one."""

    __tablename__ = "status_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FollowUpContact(Base):
    """A survival follow-up contact after end of treatment: alive, dead (date and cause) or
    lost, and any subsequent anticancer therapy (which censors PFS, domain.md §3)."""

    __tablename__ = "follow_up_contact"
    __audit_flatten__ = frozenset({"subsequent_therapy"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    contact_date: Mapped[date] = mapped_column(Date)
    vital_status: Mapped[str] = mapped_column(String(8))
    death_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    death_cause: Mapped[str | None] = mapped_column(String(200), nullable=True)
    subsequent_therapy: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
