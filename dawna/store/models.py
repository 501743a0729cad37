"""SQLAlchemy models: sites, users and their per-site roles, participants, audit trail.

Identity (names, record numbers, contact details) lives in ``participant_identity``, apart from
the clinical ``participant`` row, so clinical exports and most roles never touch it (ICH E6(R3)
section 2.9 / GCP confidentiality of subject identity).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dawna.clock import utcnow
from dawna.rules.lifecycle import State
from dawna.store.base import Base, UTCDateTime


class Role(enum.StrEnum):
    """The trial team's roles; what each may do is in ``dawna.services.access``."""

    ADMINISTRATOR = "administrator"
    INVESTIGATOR = "investigator"
    COORDINATOR = "coordinator"
    IMAGING_READER = "imaging_reader"
    STATISTICIAN = "statistician"
    MONITOR = "monitor"


#: A participant's state in the trial: the states of the one state machine in
#: ``dawna.rules.lifecycle`` (pre-screening ... end of study).
ParticipantStatus = State


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, length=32, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class Site(Base):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    status: Mapped[str] = mapped_column(String(32), default="RECRUITING")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class Membership(Base):
    """A user's role at one site; a user may hold several."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "site_id", "role", name="uq_membership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="memberships")
    site: Mapped[Site] = relationship(lazy="joined")


class Participant(Base):
    """A screened person, known to the clinical record only by pseudonym and screening number."""

    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    screening_number: Mapped[str] = mapped_column(String(32), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[ParticipantStatus] = mapped_column(
        _enum(ParticipantStatus, "participant_status"), default=ParticipantStatus.PRE_SCREENING
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

    participant: Mapped[Participant] = relationship(back_populates="identity")


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


class Allocation(Base):
    """A participant's randomized arm: final once made (one per participant)."""

    __tablename__ = "allocation"
    __table_args__ = (
        UniqueConstraint("list_id", "stratum", "position", name="uq_allocation_slot"),
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


class TumourAssessment(Base):
    """A RECIST 1.1 tumour assessment of one participant: the baseline (its lesions) or one
    follow-up (measurements, non-target status, new lesions), as a JSON document validated by
    ``dawna.rules.recist_case`` (``Baseline`` / ``Assessment``). Responses are derived from the
    documents by ``dawna.rules.recist``, never stored, so a correction always re-derives them.

    One baseline per participant (``kind`` 'baseline'); ``version`` guards against two people
    saving over each other. The audit trail records each changed leaf (``data.target.T1``).
    """

    __tablename__ = "tumour_assessment"
    __audit_flatten__ = frozenset({"data"})
    __table_args__ = (UniqueConstraint("participant_id", "kind", "assessment_date",
                                       name="uq_tumour_assessment_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(16))
    assessment_date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    entered_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PetStudy(Base):
    """A PET/CT study of a participant (FES or FDG): registered when scanned (awaiting read),
    then read by a nuclear-medicine reader. ``data`` is the study document validated by
    ``dawna.rules.pet.Study`` (scan facts and, once read, the lesions); ER status, concordance
    and heterogeneity are derived from it, never stored."""

    __tablename__ = "pet_study"
    __audit_flatten__ = frozenset({"data"})
    __table_args__ = (UniqueConstraint("participant_id", "tracer", "scan_date",
                                       name="uq_pet_study_scan"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    tracer: Mapped[str] = mapped_column(String(8))
    scan_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_by: Mapped[str] = mapped_column(String(64))
    read_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RegistryStudy(Base):
    """A study imported from a ClinicalTrials.gov API v2 record (``record``: the record as
    given, audited leaf by leaf so a re-import shows what changed), with the fields the study
    list searches on."""

    __tablename__ = "registry_study"
    __audit_flatten__ = frozenset({"record"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nct_id: Mapped[str] = mapped_column(String(11), unique=True)
    title: Mapped[str] = mapped_column(Text)
    overall_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    phases: Mapped[str] = mapped_column(String(100), default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    interventions: Mapped[str] = mapped_column(Text, default="")
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

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


class TreatmentPlan(Base):
    """A randomized participant's regimen and the starting doses the prescriber confirmed.

    ``regimen_id`` names the resolved regimen (``A:letrozole+goserelin``); ``measures`` holds the
    inputs of computed doses (height, weight, age, serum creatinine); ``doses`` the confirmed
    dose of each drug with its formula and inputs; ``custom_drugs`` the drugs of a
    physician-entered arm B regimen (registry record: "not limited to")."""

    __tablename__ = "treatment_plan"
    __audit_flatten__ = frozenset({"variants", "measures", "doses", "custom_drugs"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                unique=True)
    arm: Mapped[str] = mapped_column(String(8))
    regimen_id: Mapped[str] = mapped_column(String(120))
    variants: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    measures: Mapped[dict[str, Any]] = mapped_column(JSON)
    doses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    custom_drugs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TreatmentCycle(Base):
    """One started treatment cycle: its actual day 1, the planned day 1 it was due, the reason
    for any delay, and the dose of each drug given in it (with its dose level)."""

    __tablename__ = "treatment_cycle"
    __audit_flatten__ = frozenset({"doses"})
    __table_args__ = (UniqueConstraint("participant_id", "cycle", name="uq_treatment_cycle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    planned_date: Mapped[date] = mapped_column(Date)
    delay_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    doses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LabResult(Base):
    """A laboratory result as reported (value, unit, reference range) and its CTCAE v5.0 grade,
    derived by ``dawna.rules.ctcae`` when it is stored and again when it is corrected."""

    __tablename__ = "lab_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    sample_date: Mapped[date] = mapped_column(Date)
    analyte: Mapped[str] = mapped_column(String(16))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    lln: Mapped[float | None] = mapped_column(Float, nullable=True)
    uln: Mapped[float | None] = mapped_column(Float, nullable=True)
    baseline: Mapped[float | None] = mapped_column(Float, nullable=True)
    grade: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(80))
    rule: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AdverseEvent(Base):
    """An adverse event: CTCAE v5.0 term and grade, dates, seriousness by the ICH E2A criteria,
    relatedness to each drug, action taken and outcome (CDISC AEACN / AEOUT terms). A serious
    event starts the 24-hour reporting clock at ``aware_at`` (ICH E6; domain.md §8) until
    ``reported_at``."""

    __tablename__ = "adverse_event"
    __audit_flatten__ = frozenset({"seriousness", "relatedness"})
    __table_args__ = (UniqueConstraint("participant_id", "number", name="uq_adverse_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    number: Mapped[int] = mapped_column(Integer)
    term: Mapped[str] = mapped_column(String(120))
    grade: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    stop_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    seriousness: Mapped[list[str]] = mapped_column(JSON, default=list)
    relatedness: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    action_taken: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    lab_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("lab_result.id", ondelete="SET NULL"), nullable=True)
    aware_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DoseDecision(Base):
    """An investigator's dose decision for one drug: what dawna proposed from the worst current
    toxicity (action, level, the rule applied), what was decided, and why."""

    __tablename__ = "dose_decision"
    __audit_flatten__ = frozenset({"based_on"})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    drug: Mapped[str] = mapped_column(String(40))
    decision_date: Mapped[date] = mapped_column(Date)
    proposed_action: Mapped[str] = mapped_column(String(16))
    proposed_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rule: Mapped[str] = mapped_column(Text)
    based_on: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(16))
    level_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    level_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dose_to: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserSession(Base):
    """A server-side login session; the cookie carries a token whose SHA-256 is stored here."""

    __tablename__ = "user_session"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Consecutive failed logins per username, for lockout (OWASP ASVS 2.2.1)."""

    __tablename__ = "login_throttle"
    __audited__ = False

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AuditRecord(Base):
    """One changed field of one row: append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_record"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    site_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    field: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON leaf paths run long
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
