"""The clinical forms a site kept on paper (issue 21 items 1-4): concomitant medications,
medical history, vital signs and weight, ECGs. Rules: ``dawna.rules.cyp3a``,
``dawna.rules.medical_history``, ``dawna.rules.vital_signs``, ``dawna.rules.ecg``."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, Date, Float, ForeignKey, FromClause, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class _Recorded:
    """Who recorded the form, when, and the row version (optimistic locking)."""

    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    if TYPE_CHECKING:  # the table each mapped subclass gets from Base (none on the mixin)
        __table__: ClassVar[FromClause]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class ConcomitantMedication(_Recorded, Base):
    """One concomitant medication: the drug as entered (ATC code when coded), dose, route,
    frequency, indication, start and stop (or ongoing), the adverse event it treats, and the
    strong CYP3A class flagged on entry (``cyp3a``) and whether it was taken during treatment
    (``prohibited``: a strong CYP3A inhibitor or inducer during treatment)."""

    __tablename__ = "concomitant_medication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    drug: Mapped[str] = mapped_column(String(120))
    atc_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    dose: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    route: Mapped[str] = mapped_column(String(24))
    frequency: Mapped[str] = mapped_column(String(24))
    indication: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    stop_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    ongoing: Mapped[bool] = mapped_column(Boolean, default=False)
    adverse_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("adverse_event.id", ondelete="SET NULL"), nullable=True)
    cyp3a: Mapped[str | None] = mapped_column(String(24), nullable=True)
    prohibited: Mapped[bool] = mapped_column(Boolean, default=False)


class MedicalHistory(_Recorded, Base):
    """One condition of the participant's history: as entered (code when coded), start, stop or
    ongoing; a worsening after the first dose (``worsened_on``) is an adverse event, linked in
    ``adverse_event_id`` once recorded."""

    __tablename__ = "medical_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    condition: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    stop_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    ongoing: Mapped[bool] = mapped_column(Boolean, default=True)
    worsened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    adverse_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("adverse_event.id", ondelete="SET NULL"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class VitalSigns(_Recorded, Base):
    """Vital signs and weight at one visit (units in the names); ``fever_sustained``: a
    temperature ≥ 38.0 °C kept for more than one hour (CTCAE v5.0 febrile neutropenia)."""

    __tablename__ = "vital_signs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    timepoint: Mapped[str] = mapped_column(String(24))
    height_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    weight_kg: Mapped[float] = mapped_column(Float)
    systolic_mmhg: Mapped[float | None] = mapped_column(Float, nullable=True)
    diastolic_mmhg: Mapped[float | None] = mapped_column(Float, nullable=True)
    pulse_bpm: Mapped[float | None] = mapped_column(Float, nullable=True)
    temperature_c: Mapped[float | None] = mapped_column(Float, nullable=True)
    fever_sustained: Mapped[bool] = mapped_column(Boolean, default=False)


class Ecg(_Recorded, Base):
    """One 12-lead ECG: QT, RR or heart rate as read, QTcF (Fridericia) computed from them, its
    CTCAE v5.0 grade, and torsade de pointes seen."""

    __tablename__ = "ecg"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    timepoint: Mapped[str] = mapped_column(String(24))
    qt_ms: Mapped[float] = mapped_column(Float)
    rr_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    heart_rate_bpm: Mapped[float | None] = mapped_column(Float, nullable=True)
    qtcf_ms: Mapped[float] = mapped_column(Float)
    grade: Mapped[int] = mapped_column(Integer)
    torsade: Mapped[bool] = mapped_column(Boolean, default=False)
