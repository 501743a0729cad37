"""Audit records of an event that changes no row: a data export (issue 20 item 7).

Written through the same pending list as every change (``store/audit.py``): chained by
``store/audit_chain.py`` when the unit of work commits, with the unit of work's actor, time and
reason, so ``dawna audit verify`` covers them. The verifier compares rows of models with their
audit records; an event's ``table_name`` names no model, so there is no row to compare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.errors import ValidationError
from dawna.store import audit_chain
from dawna.store.audit import PENDING, Actor, value_text


def record(session: Session, table: str, row_id: str, action: str, site_id: int | None,
           fields: dict[str, Any]) -> None:
    """One audit record per field of the event, written when the session commits."""
    actor = session.info.get("actor")
    reason = (session.info.get("reason") or "").strip()
    if not isinstance(actor, Actor) or not reason:
        raise ValidationError("an event needs an identified user and a reason", field="actor")
    now = session.info.get("now") or utcnow()
    session.info.setdefault(PENDING, []).extend(
        {"at": now, "actor_id": actor.user_id, "actor": actor.username, "action": action,
         "table_name": table, "row_id": row_id, "site_id": site_id, "field": field,
         "old_value": None, "new_value": value_text(value), "reason": reason,
         audit_chain.PARTICIPANT: audit_chain.NO_DATA}  # no page shows it: none built again
        for field, value in fields.items())
