"""Sign-off and locks (issue 20 item 4): investigators' electronic signatures of forms and
casebooks, form and casebook locks, and database freezes for an analysis cut.

A *form* is one row of a trial-data table, addressed as in the audit trail (``table_name``,
``row_id``; ``dawna.services.form_catalogue``); a *casebook* is all forms of one participant
(``table_name`` and ``row_id`` empty). ``active_key`` is set while a signature or lock is in
force and emptied when it is voided or lifted: a unique constraint on it (NULLs never collide)
lets at most one signature and one lock be in force per form or casebook, so two requests at
the same moment make one row and a conflict (409), never two.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.store.base import Base, UTCDateTime


class _Addressed:
    """A form (``table_name``, ``row_id``) or, with both empty, the casebook of a participant."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    scope: Mapped[str] = mapped_column(String(16))  # "form" | "casebook"
    table_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class FormSignature(_Addressed, Base):
    """An investigator's electronic signature of one form or of a participant's casebook
    (21 CFR 11.50: printed name, date and time, meaning; 11.70: linked to the record by
    ``content_sha256``, the SHA-256 of the signed field values). A change of the signed data
    voids it (``voided_at``, ``void_reason``); it is never deleted."""

    __tablename__ = "form_signature"

    signer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signer_username: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    meaning_code: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    active_key: Mapped[str | None] = mapped_column(String(160), nullable=True, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FormLock(_Addressed, Base):
    """A lock on one form or on a participant's whole casebook: while ``active_key`` is set, a
    change of the form (or any form of the casebook) is refused at flush time
    (``dawna.services.signoff_guard``). Set by the investigator's signature (``source``
    ``signature``) or by a data manager; lifted by a data manager with a reason."""

    __tablename__ = "form_lock"

    source: Mapped[str] = mapped_column(String(16))  # "signature" | "data_manager"
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("form_signature.id"),
                                                     nullable=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    unlocked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unlock_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    active_key: Mapped[str | None] = mapped_column(String(160), nullable=True, unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class DataFreeze(Base):
    """A named freeze of the data for an analysis cut: the data cut-off date and the audit
    chain's head when it was frozen (``chain_last_id``, ``chain_hash``), so any later audited
    change of data dated on or before the cut-off is found (``dawna.services.freezes``)."""

    __tablename__ = "data_freeze"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    cut_off: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    frozen_by: Mapped[str] = mapped_column(String(64))
    chain_last_id: Mapped[int] = mapped_column(Integer)
    chain_hash: Mapped[str] = mapped_column(String(64))
    unfrozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    unfrozen_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    unfreeze_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
