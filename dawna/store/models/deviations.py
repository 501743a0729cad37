"""Protocol deviations: an eligibility violation found after randomization (issue 18 item 3).

A correction of the screening record after randomization that changes the eligibility decision
opens one (ICH E6(R3) 2.5.2 / 3.7: deviations are documented and explained; ICH E3 §10.2:
important deviations, inclusion of ineligible participants among them). The participant stays
randomized (intention to treat, ICH E9 §5.2.1); the investigator acknowledges the deviation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dawna.clock import utcnow
from dawna.store.base import Base, UTCDateTime


class ProtocolDeviation(Base):
    """One deviation of one participant: the signed decision and the corrected one, the reason
    of the correction, and the investigator's acknowledgement."""

    __tablename__ = "protocol_deviation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(40))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("eligibility_signature.id"), nullable=True)
    signed_outcome: Mapped[str] = mapped_column(String(16))
    corrected_outcome: Mapped[str] = mapped_column(String(16))
    corrected_result: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledgement: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
