"""Data queries and source data verification (issue 20 items 1 and 2).

A *query* (REDCap's data resolution workflow, OpenClinica's discrepancy note) asks the site about
one field of one form, or a whole form, addressed as the audit trail addresses it
(``table_name``, ``row_id``, ``field``; ``field`` is ``""`` for the whole form). Its thread is
append-only (:class:`QueryMessage`): raised, answered (by correcting the value or explaining),
closed, re-opened. ICH E6(R3) 3.16.1 (data corrections explained and traceable) and 3.11.4
(monitoring: the monitor reports discrepancies to the site).

A *verification mark* (:class:`SourceVerification`) records that a monitor compared a field or a
whole form with the source (ICH E6(R3) 3.11.4.5.3, source data verification); a later change of
the data clears it (``store/sdv_clearing.py``), so the mark never outlives the value verified.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime

#: Longest field path kept (JSON leaf paths such as ``record.labs.anc.value``).
FIELD_LENGTH = 200


class DataQuery(Base):
    """One query on one form or field: its status (open, answered, closed), who raised it and
    why; ``check_id`` and ``check_params`` name the edit check that raised it automatically
    (``dawna.rules.edit_checks``), so it is raised once per finding."""

    __tablename__ = "data_query"
    __table_args__ = (
        Index("ix_data_query_form", "table_name", "row_id"),
        # one unresolved query per edit check, form and field, even under concurrent runs
        Index("uq_data_query_check_unresolved", "check_id", "table_name", "row_id", "field",
              unique=True, postgresql_where=text("check_id IS NOT NULL AND status <> 'closed'"),
              sqlite_where=text("check_id IS NOT NULL AND status <> 'closed'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), default="")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    text: Mapped[str] = mapped_column(Text)
    check_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    check_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class QueryMessage(Base):
    """One step of a query's thread (append-only): ``kind`` raise, answer, close or reopen;
    an answer is ``corrected`` (``audit_ids``: the audit records of the correction, made through
    the form's own update path) or ``explained``."""

    __tablename__ = "query_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("data_query.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    kind: Mapped[str] = mapped_column(String(16))
    answer_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    audit_ids: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SourceVerification(Base):
    """A monitor's mark that a field (or, with ``field`` ``""``, a whole form) matches the source.
    A mark in force has no ``cleared_at``; a change of the data clears it (who changed it and
    why kept), and verifying again adds a new mark."""

    __tablename__ = "source_verification"
    __table_args__ = (
        Index("ix_source_verification_form", "table_name", "row_id"),
        Index("uq_source_verification_current", "table_name", "row_id", "field", unique=True,
              postgresql_where=text("cleared_at IS NULL"),
              sqlite_where=text("cleared_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(FIELD_LENGTH), default="")
    verified_by: Mapped[str] = mapped_column(String(64))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cleared_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
