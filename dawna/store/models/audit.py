"""The audit trail: one row per changed field, chained by hash; the chain head; the data
versions of the participants; login events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.store.base import Base, UTCDateTime


class AuditRecord(Base):
    """One changed field of one row: append-only (database triggers refuse UPDATE and DELETE),
    and chained: ``hash`` is SHA-256 of the previous record's hash and this record's canonical
    serialization (``docs/audit-trail.md``), so an altered, deleted or forged row breaks the chain.
    """

    __tablename__ = "audit_record"
    __audited__ = False
    # Reading the trail (migration 0021): by form and row, by user, and the rows created for a
    # participant or an adverse event (partial: only those fields, never long JSON values).
    __table_args__ = (
        Index("ix_audit_record_table_row", "table_name", "row_id"),
        Index("ix_audit_record_actor", "actor"),
        Index("ix_audit_record_participant_rows", "table_name", "new_value",
              sqlite_where=text("field = 'participant_id'"),
              postgresql_where=text("field = 'participant_id'")),
        Index("ix_audit_record_event_rows", "table_name", "new_value",
              sqlite_where=text("field = 'adverse_event_id'"),
              postgresql_where=text("field = 'adverse_event_id'")),
    )

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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row (id 1): the last record of the chain. Writers lock it to append, so two
    transactions never chain to the same predecessor; a site copies it elsewhere as an anchor."""

    __tablename__ = "audit_chain_head"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DataVersion(Base):
    """Where the chain stood after the last change of one participant's data (``scope``: the
    participant's id) or of data that is no single participant's (``scope`` 0: sites, users,
    consent form versions, a record that names no participant), moved by every commit that
    writes audit records, in the same transaction (``store/audit_chain.py`` ``append``). The
    pages kept until the data change (``services/page_cache.py``) key a participant's pages by
    their row and row 0, so a change of one participant's data leaves the other participants'
    pages kept. Not trial data (not exported; rebuilt by the next change): a missing row is a
    participant unchanged since the table was made."""

    __tablename__ = "data_version"
    __audited__ = False

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hash: Mapped[str] = mapped_column(String(64))


class LoginEvent(Base):
    """A login, failed login, logout, lockout or password change: append-only like the audit
    trail. ``username`` is what was typed (an unknown name creates no user row)."""

    __tablename__ = "login_event"
    __audited__ = False

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str] = mapped_column(String(24))
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
