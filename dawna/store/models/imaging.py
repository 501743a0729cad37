"""Imaging: RECIST 1.1 tumour assessments and PET/CT studies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


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
