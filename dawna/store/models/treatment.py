"""Treatment and safety: plans, cycles, laboratory results, adverse events and dose
decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


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
    # a physician-entered regimen's own schedule and the prescriber's explicit confirmation of it
    cycle_length_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    schedule_confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schedule_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
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
    ``reported_at``. ``expectedness`` (expected / unexpected, ICH E2A II.C) is judged against
    the reference safety information named in ``rsi_document`` and ``rsi_version``; a serious,
    related and unexpected event is a SUSAR (its reports: ``SusarReport``)."""

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
    expectedness: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rsi_document: Mapped[str | None] = mapped_column(Text, nullable=True)
    rsi_version: Mapped[str | None] = mapped_column(String(200), nullable=True)
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
    # the cycle it was made in; oral-dosing cycle days not taken after a mid-cycle
    # interruption (capecitabine label §2: not made up); a resume the investigator overrode
    cycle: Mapped[int | None] = mapped_column(Integer, nullable=True)
    days_not_taken: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    override: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the protocol version the decision was made under (issue 20 item 8)
    protocol_version: Mapped[str] = mapped_column(String(20), default="1", server_default="1")
