"""Pre-treatment tests and oral drug accountability (issue 21 items 5-7): pregnancy tests of
women of childbearing potential, hepatitis B screening, drug dispensing per cycle (bottles,
units, lot, expiry, returns) and the participant's dose diary."""

from __future__ import annotations

from datetime import date, datetime

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
)
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class PregnancyTest(Base):
    """A pregnancy test (serum or urine hCG), its result, what it clears (the FES scan or the
    treatment) and the contraception the woman uses (``dawna.rules.pregnancy``)."""

    __tablename__ = "pregnancy_test"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    test_date: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))
    contraception: Mapped[str] = mapped_column(String(120))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class HbvScreening(Base):
    """Hepatitis B markers before chemotherapy and the antiviral prophylaxis started
    (``dawna.rules.hbv``)."""

    __tablename__ = "hbv_screening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    sample_date: Mapped[date] = mapped_column(Date)
    hbsag_positive: Mapped[bool] = mapped_column(Boolean)
    anti_hbc_positive: Mapped[bool] = mapped_column(Boolean)
    hbv_dna_iu_ml: Mapped[float | None] = mapped_column(Float, nullable=True)
    prophylaxis_drug: Mapped[str | None] = mapped_column(String(40), nullable=True)
    prophylaxis_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DrugDispensing(Base):
    """One oral drug dispensed for a cycle: bottles and units (capsules or tablets) with lot
    and expiry, the prescribed days and units per day, and what came back (returned, lost);
    compliance in ``dawna.rules.dispensing``."""

    __tablename__ = "drug_dispensing"
    __table_args__ = (UniqueConstraint("participant_id", "cycle", "drug",
                                       name="uq_drug_dispensing"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    drug: Mapped[str] = mapped_column(String(40))
    dispensed_on: Mapped[date] = mapped_column(Date)
    lot_number: Mapped[str] = mapped_column(String(40))
    expiry_date: Mapped[date] = mapped_column(Date)
    bottles: Mapped[int] = mapped_column(Integer)
    units_dispensed: Mapped[int] = mapped_column(Integer)
    unit_strength_mg: Mapped[float] = mapped_column(Float)
    units_per_day: Mapped[float] = mapped_column(Float)
    prescribed_days: Mapped[int] = mapped_column(Integer)
    returned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    units_returned: Mapped[int | None] = mapped_column(Integer, nullable=True)
    units_lost: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DoseDiary(Base):
    """The participant's oral dose diary for one drug and cycle, as entered from the paper
    diary: ``days`` maps each dosing day (ISO date) to taken (true) or missed (false)."""

    __tablename__ = "dose_diary"
    __audit_flatten__ = frozenset({"days"})
    __table_args__ = (UniqueConstraint("participant_id", "cycle", "drug", name="uq_dose_diary"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    drug: Mapped[str] = mapped_column(String(40))
    days: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
