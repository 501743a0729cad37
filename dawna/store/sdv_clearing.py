"""A change of verified data clears its source data verification mark (issue 20 item 2).

ICH E6(R3) 3.11.4.5.3: the monitor verifies the recorded data against the source; a value
changed after verification is no longer the value verified. A ``before_flush`` listener (attached
from :func:`dawna.store.audit.install`) looks at every audited row the flush changes or deletes:
a mark on the whole form, or on a field that changed, is cleared (``cleared_at``, who changed the
data and why). The clearing is itself a change of the mark's row, so the audit trail records it
in the same transaction, with the change's reason.

A field of a JSON document is marked by its dotted path (``doses.0.dose_mg``); the mark is
cleared when the value at that path differs before and after the change. Bookkeeping columns
(``version``, ``updated_at``, the participant's ``status``) clear nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, event, inspect, or_, select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.store.base import Base
from dawna.store.models.data_queries import DataQuery, QueryMessage, SourceVerification

__all__ = ["clear_changed_marks", "install"]

#: Changes of these rows never clear a mark (the marks and the queries themselves).
_OWN = {SourceVerification.__tablename__, DataQuery.__tablename__, QueryMessage.__tablename__}
_ABSENT = object()
#: Bookkeeping, not data entered from a source: a change of these alone clears no mark (the
#: participant's ``status`` moves with the status events, which are forms of their own).
_NOT_DATA = {"version", "updated_at", ("participant", "status")}


def _at_path(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part, _ABSENT)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _ABSENT
    return value


def _changed(obj: Base, deleted: bool) -> tuple[str, set[str], dict[str, tuple[Any, Any]]]:
    """The row's id, its changed plain columns and its changed JSON documents (old, new)."""
    state = inspect(obj)
    row_id = ",".join(str(k) for k in state.mapper.primary_key_from_instance(obj))
    plain: set[str] = set()
    documents: dict[str, tuple[Any, Any]] = {}
    if deleted:
        return row_id, plain, documents
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _NOT_DATA or (obj.__tablename__, key) in _NOT_DATA:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        if key in obj.__audit_flatten__:
            documents[key] = (old, new)
        else:
            plain.add(key)
    return row_id, plain, documents


def _clears(mark: SourceVerification, plain: set[str],
            documents: dict[str, tuple[Any, Any]] | None) -> bool:
    if documents is None or not mark.field:  # the row was deleted, or a whole-form mark
        return documents is None or bool(plain or documents)
    head, *rest = mark.field.split(".")
    if head in plain:
        return True
    if head in documents:
        old, new = documents[head]
        return bool(_at_path(old, rest) != _at_path(new, rest))
    return False


def clear_changed_marks(session: Session, *_: Any) -> None:
    """``before_flush``: clear the marks in force on the rows and fields this flush changes."""
    touched: dict[tuple[str, str], tuple[set[str], dict[str, tuple[Any, Any]] | None]] = {}
    for objs, deleted in ((session.dirty, False), (session.deleted, True)):
        for obj in objs:
            if not isinstance(obj, Base) or not obj.__audited__ or obj.__tablename__ in _OWN:
                continue
            if inspect(obj).identity is None:
                continue
            row_id, plain, documents = _changed(obj, deleted)
            if deleted or plain or documents:
                touched[(obj.__tablename__, row_id)] = (plain, None if deleted else documents)
    if not touched:
        return
    with session.no_autoflush:
        marks = session.scalars(select(SourceVerification).where(
            SourceVerification.cleared_at.is_(None),
            or_(*(and_(SourceVerification.table_name == t, SourceVerification.row_id == r)
                  for t, r in touched)))).all()
        actor = session.info.get("actor")
        for mark in marks:
            changed, docs = touched[(mark.table_name, mark.row_id)]
            if _clears(mark, changed, docs):
                mark.cleared_at = session.info.get("now") or utcnow()
                mark.cleared_by = getattr(actor, "username", None)
                mark.cleared_reason = (session.info.get("reason") or "")[:2000] or None


def install(session_class: type[Session] = Session) -> None:
    """Attach the listener (idempotent)."""
    if not event.contains(session_class, "before_flush", clear_changed_marks):
        event.listen(session_class, "before_flush", clear_changed_marks)
