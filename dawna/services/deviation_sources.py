"""A deviation a rule found, when the record it was found in changes (the rule of
:func:`dawna.rules.deviation_rules.after_source_change`, ``docs/deviations.md`` "When the record
behind a deviation changes").

The record deleted, or corrected so that the rule no longer finds it: a deviation not yet
acknowledged is withdrawn (kept in the log, dated, by whom, with the change that withdrew it);
one the investigator acknowledged is flagged for review, and the investigator withdraws or keeps
it (``deviation_review.review``). The record corrected so that the rule finds it again (a
withdrawn deviation reinstated) or finds it with other facts (another drug, another date): the
deviation takes the current facts, and one already acknowledged is flagged for review. Every
change is written in the caller's unit of work, so the audit trail keeps the old and new
values, who and why, with the change of the record itself (``docs/audit-trail.md``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.rules.deviation_rules import SourceChange, after_source_change
from dawna.store.models import ProtocolDeviation

__all__ = ["by_key", "found_again", "source_gone"]


def by_key(s: Session, participant_id: int, key: str) -> ProtocolDeviation | None:
    """The deviation a rule opened under ``key`` for the participant (withdrawn or not)."""
    return s.scalar(select(ProtocolDeviation).where(
        ProtocolDeviation.participant_id == participant_id,
        ProtocolDeviation.detection_key == key))


def source_gone(row: ProtocolDeviation, change: str, actor: str) -> None:
    """The record behind ``row`` deleted, or corrected so the rule no longer finds it:
    ``change`` names what happened (e.g. "source record deleted: <reason>")."""
    if row.withdrawn_at is not None:
        return
    if after_source_change(row.acknowledged_at is not None) is SourceChange.WITHDRAW:
        row.withdrawn_at, row.withdrawn_by, row.withdrawal = utcnow(), actor, change
        row.review = None
    else:
        row.review = change


def found_again(row: ProtocolDeviation, change: str, *, occurred_on: date, description: str,
                facts: dict[str, Any]) -> None:
    """The record behind ``row`` corrected and the rule finds the deviation in it: withdrawn,
    it is reinstated; with other ``facts`` it takes them. Acknowledged, it is flagged for the
    investigator's review (their acknowledgement was of the facts then recorded)."""
    reinstated = row.withdrawn_at is not None
    if not reinstated and row.corrected_result == facts and row.occurred_on == occurred_on:
        return
    row.withdrawn_at = row.withdrawn_by = row.withdrawal = None
    row.occurred_on, row.description, row.reason = occurred_on, description, description
    row.corrected_result = facts
    if row.acknowledged_at is not None:
        row.review = change
    elif reinstated:
        row.review = None
