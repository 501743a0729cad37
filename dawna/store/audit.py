"""The audit trail: every create, change or delete of an audited row writes one record per field.

Gathered by an ``after_flush`` listener and written by a ``before_commit`` listener in the same
transaction as the change, so a change and its audit record commit or roll back together
(21 CFR 11.10(e); ICH E6(R3) 4.2 / 3.16.1: who, when, what, old and new value, why). Audit rows
are append-only (the migrations install triggers refusing UPDATE and DELETE on
``audit_record``) and every record is chained to the one before it by hash
(``store/audit_chain.py``, ``docs/audit-trail.md``), so a trigger switched off does not hide a
change from ``dawna audit verify``.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE

from dawna.clock import utcnow
from dawna.errors import ValidationError
from dawna.store import audit_chain, signoff_guard
from dawna.store.base import Base

#: Columns whose values never enter the audit trail in clear.
REDACTED = {("app_user", "password_hash")}
REDACTED_TEXT = "[redacted]"
MAX_REASON = 2000
#: Audit rows of the open transaction, written (chained) at commit: ``session.info[PENDING]``.
PENDING = "audit_pending"


@dataclass(frozen=True)
class Actor:
    """Who is writing: a logged-in user, or a named system process (CLI, demo loader)."""

    user_id: int | None
    username: str


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _site_id(session: Session, obj: Base) -> int | None:
    site_id = getattr(obj, "site_id", None)
    if site_id is not None:
        return int(site_id)
    participant_id = getattr(obj, "participant_id", None)
    adverse_event_id = getattr(obj, "adverse_event_id", None)
    if participant_id is None and adverse_event_id is not None:  # a SUSAR report
        from dawna.store.models import AdverseEvent

        event = session.get(AdverseEvent, adverse_event_id)
        participant_id = event.participant_id if event else None
    if participant_id is not None:
        from dawna.store.models import Participant

        participant = session.get(Participant, participant_id)
        return participant.site_id if participant else None
    return None


def _participant(session: Session, obj: Base, action: str) -> int:
    """The participant whose data ``obj`` is (``audit_chain.PARTICIPANT``): the participant
    itself, the ``participant_id`` of its row, or the participant of the adverse event it
    reports on (a SUSAR report); 0 for data that is no single participant's (a site, a user,
    a consent form version), and for a row moved from one participant to another, or changed
    in that column with its value before not loaded (every participant's pages are then built
    again, which is always safe)."""
    from dawna.store.models import AdverseEvent, Participant

    if isinstance(obj, Participant):
        return int(obj.id)
    state = inspect(obj)
    for key in ("participant_id", "adverse_event_id"):
        if key not in state.attrs:
            continue
        value = getattr(obj, key)
        if value is None:
            return 0
        if action == "update" and key in state.committed_state:  # the column was set
            before = state.committed_state[key]
            if before is NO_VALUE or before != value:
                return 0
        if key == "participant_id":
            return int(value)
        event = session.get(AdverseEvent, value)
        return int(event.participant_id) if event is not None else 0
    return 0


def _row_id(obj: Base) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key)


def _flatten(value: Any, prefix: str) -> dict[str, str | None]:
    """Leaves of a JSON document by dotted path; lists by index (``lines.0.agents.1``)."""
    out: dict[str, str | None] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}.{i}"))
        if not value:
            out[prefix] = "[]"
    else:
        out[prefix] = _text(value)
    return out


def _json_changes(key: str, old: Any, new: Any) -> list[tuple[str, str | None, str | None]]:
    before = _flatten(old, key) if old is not None else {}
    after = _flatten(new, key) if new is not None else {}
    paths = sorted(before.keys() | after.keys())
    return [(p, before.get(p), after.get(p)) for p in paths if before.get(p) != after.get(p)]


def _changes(obj: Base, action: str) -> list[tuple[str, str | None, str | None]]:
    state = inspect(obj)
    table = obj.__tablename__
    out: list[tuple[str, str | None, str | None]] = []
    # an update changes only attributes with a committed value kept aside (SQLAlchemy keeps one
    # for every attribute set, JSON mutations flagged included): the others have no history
    modified = state.committed_state if action == "update" else None
    attrs = state.attrs
    for attr in state.mapper.column_attrs:
        key = attr.key
        if modified is not None and key not in modified:
            continue
        if action == "create" and key not in obj.__audit_flatten__:  # no history needed
            new = _text(state.dict.get(key, getattr(obj, key)))
            if new is not None:
                out.append((key, None, REDACTED_TEXT if (table, key) in REDACTED else new))
            continue
        hist = attrs[key].history
        if key in obj.__audit_flatten__:
            if action == "create":
                out.extend(_json_changes(key, None, state.dict.get(key)))
            elif action == "update" and hist.has_changes():
                out.extend(_json_changes(key, hist.deleted[0] if hist.deleted else None,
                                         hist.added[0] if hist.added else None))
            elif action == "delete":
                out.extend(_json_changes(key, hist.deleted[0] if hist.deleted
                                         else state.dict.get(key), None))
            continue
        if action == "update":
            if not hist.has_changes():
                continue
            old = _text(hist.deleted[0]) if hist.deleted else None
            new = _text(hist.added[0]) if hist.added else None
            if old == new:
                continue
        else:
            value = hist.deleted[0] if hist.deleted else state.dict.get(key)
            old, new = _text(value), None
        if (table, key) in REDACTED:
            old = REDACTED_TEXT if old is not None else None
            new = REDACTED_TEXT if new is not None else None
        out.append((key, old, new))
    return out


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    pending: list[tuple[str, Base]] = []
    for action, objs in (("create", session.new), ("update", session.dirty),
                         ("delete", session.deleted)):
        pending.extend((action, o) for o in objs if isinstance(o, Base) and o.__audited__)
    if not pending:
        return
    actor = session.info.get("actor")
    reason = (session.info.get("reason") or "").strip()
    if not isinstance(actor, Actor):
        raise ValidationError("every write needs an identified user", field="actor")
    if not reason:
        raise ValidationError("a reason is required for every change", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"at most {MAX_REASON} characters", field="reason")
    now = session.info.get("now") or utcnow()
    rows: list[dict[str, Any]] = []
    with session.no_autoflush:
        for action, obj in pending:
            changes = _changes(obj, action)
            if not changes:
                continue
            table, row_id, site_id = obj.__tablename__, _row_id(obj), _site_id(session, obj)
            participant = _participant(session, obj, action)
            for field, old, new in changes:
                rows.append(
                    {
                        "at": now, "actor_id": actor.user_id, "actor": actor.username,
                        "action": action, "table_name": table, "row_id": row_id,
                        "site_id": site_id, "field": field,
                        "old_value": old, "new_value": new, "reason": reason,
                        audit_chain.PARTICIPANT: participant,
                    }
                )
    session.info.setdefault(PENDING, []).extend(rows)


def _before_commit(session: Session) -> None:
    """Chain and write the transaction's audit records last, just before it commits: the chain
    head's row lock is then held only while appending, and its holder waits on no other lock,
    so it cannot deadlock with a transaction holding a row lock (randomization's stratum
    counter, a participant's row) that this one would wait for. (A randomization on PostgreSQL
    takes the head earlier, with the list's counters, and then waits on no lock either:
    ``services/randomization_counters.py``.)"""
    session.flush()
    audit_chain.append(session.connection(), session.info.pop(PENDING, []),
                       held=session.info.pop(audit_chain.HELD, None))


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back (or committed): nothing left pending
        session.info.pop(PENDING, None)
    if transaction.parent is None or transaction.nested:  # a lock taken there is released
        session.info.pop(audit_chain.HELD, None)


def install(session_class: type[Session] = Session) -> None:
    """Attach the audit listeners (idempotent)."""
    for name, listener in (("after_flush", _after_flush), ("before_commit", _before_commit),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
    signoff_guard.install(session_class)  # locked forms refused, signatures voided on change
    from dawna.store import sdv_clearing  # issue 20: a change clears its verification mark
    sdv_clearing.install(session_class)


#: The audit trail's own text forms, public for the verifier (``store/audit_verify.py``).
value_text = _text
flatten = _flatten
row_id_of = _row_id
