"""Expedited reports of SUSARs (serious, related, unexpected adverse events) sent to the ethics
committee and the drug regulatory authority (ICH E2A III.A.2; NMPA/CDE 2018)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class SusarReport(Base):
    """One report of a SUSAR: initial or follow-up, to whom (``recipient``: ethics_committee or
    authority), the local date it was sent (``sent_on``), who sent it, the recipient's
    reference if any; who recorded it and when."""

    __tablename__ = "susar_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adverse_event_id: Mapped[int] = mapped_column(
        ForeignKey("adverse_event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(32))
    sent_on: Mapped[date] = mapped_column(Date)
    sent_by: Mapped[str] = mapped_column(String(120))
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
