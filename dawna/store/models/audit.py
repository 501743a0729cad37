"""The audit trail: one row per changed field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.store.base import Base, UTCDateTime


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
