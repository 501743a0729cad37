"""Versions of the protocol file (issue 20 item 8): the bundled file is version 1, every
amendment an administrator loads is a new row, never edited (append-only).

ICH E6(R3) 3.16 / Appendix C (essential records: the protocol and every amendment, with the
ethics committee's approval); the version in force on a date is the one with the latest
effective date on or before it (``dawna.services.protocol_versions``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class ProtocolVersion(Base):
    """One version of the protocol file: its label, the exact YAML text and its SHA-256, the
    ethics approval and effective dates, the summary of changes, the consent form version it
    requires, and who loaded it when."""

    __tablename__ = "protocol_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    approved_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date] = mapped_column(Date, unique=True)
    summary: Mapped[str] = mapped_column(Text)
    consent_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
