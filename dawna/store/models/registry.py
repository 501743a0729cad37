"""Studies imported from ClinicalTrials.gov."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


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
