"""Depot injections given (goserelin, leuprorelin, fulvestrant): each on its own 28-day clock
from the dose actually given, not from cycle day 1 (``dawna.rules.depot``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class DepotDose(Base):
    """One depot dose given: the drug, the day, the dose and unit as given, who recorded it."""

    __tablename__ = "depot_dose"
    __table_args__ = (UniqueConstraint("participant_id", "drug", "given_on",
                                       name="uq_depot_dose"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    drug: Mapped[str] = mapped_column(String(40))
    given_on: Mapped[date] = mapped_column(Date)
    dose: Mapped[float | None] = mapped_column(Float, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
