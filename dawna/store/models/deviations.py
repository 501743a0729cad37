"""Protocol deviations (issue 18 item 3, issue 20 item 6): the deviation log.

A deviation is recorded by the site (any kind) or raised by a detection rule: an eligibility
violation found by a correction after randomization, a tumour assessment or a blood count
outside its protocol window, a dose off its level (``dawna/rules/deviation_rules.py``). ICH
E6(R3) 2.5.2 / 3.7: deviations are documented and explained; ICH E3 §10.2 and its Q&A (R1) Q7:
important deviations (``docs/deviations.md``). The investigator acknowledges each one.

``detection_key`` names what a rule found (one row per finding: detection runs again without
opening it twice); NULL for the others (entered by hand: ``kind`` 'recorded'; eligibility
violations, opened by the correction itself). The eligibility columns
(``signed_outcome`` …) are filled only for an eligibility violation. A deviation found in a
record that is then deleted or corrected is withdrawn (``withdrawn_*``) or, once acknowledged,
flagged for review (``review``); never deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class ProtocolDeviation(Base):
    """One deviation of one participant: its category, date, description, importance and the
    action taken; for an eligibility violation the signed decision and the corrected one and
    the reason of the correction; and the investigator's acknowledgement."""

    __tablename__ = "protocol_deviation"
    __table_args__ = (UniqueConstraint("participant_id", "detection_key",
                                       name="uq_protocol_deviation_detection"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(24), default="eligibility",
                                          server_default="eligibility")
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    importance: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action_taken: Mapped[str | None] = mapped_column(Text, nullable=True)
    detection_key: Mapped[str | None] = mapped_column(String(160), nullable=True)
    #: a rule's description as its English template and parameters (shown in the reader's
    #: language; ``description`` holds the English text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("eligibility_signature.id"), nullable=True)
    signed_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    corrected_outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    corrected_result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledgement: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: withdrawn (the record it was found in deleted or corrected): kept, with the change that
    #: withdrew it, out of the open deviations and the report (``docs/deviations.md``)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    withdrawal: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: an acknowledged deviation whose record changed: the change, for the investigator's review
    review: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
