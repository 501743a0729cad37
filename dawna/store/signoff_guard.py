"""Locks and signatures at flush time (issue 20 item 4): no service path can change a locked form,
and a change of signed data voids the signature, in the transaction that makes the change.

Two session listeners, registered by :func:`dawna.store.audit.install`:

- ``before_flush``: a change (create, update, delete) of a form of a participant whose form or
  casebook signature is in force voids that signature (``voided_at``, ``void_reason``: "data
  changed after signing"), so the voiding is flushed and audited with the change itself;
- ``after_flush``: a change of a locked form, or a new or changed form of a participant whose
  casebook is locked, is refused with :class:`dawna.errors.ConflictError` (HTTP 409, field
  ``lock``) naming the form; the flush and the whole transaction roll back, nothing is stored.
  The check runs after the statements so the changed rows are already held: a lock committed by
  a data manager while this transaction waited for the row is seen (PostgreSQL, read committed),
  never missed.

A *form* is one row of a trial-data table named in ``FORM_OWNERS`` (the same tables as
``dawna.services.form_catalogue.FORMS``, kept equal by a test; the store layer cannot import
the services). ``row_sha256`` is the fingerprint a signature keeps of what was signed.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Float, bindparam, event, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from dawna.clock import utcnow
from dawna.errors import ConflictError
from dawna.i18n import _
from dawna.store.base import Base

#: Trial-data table -> how a row finds its participant (``id`` for the participant's own row,
#: ``adverse_event_id`` for a form hanging from an adverse event).
FORM_OWNERS: dict[str, str] = {
    "participant": "id", "participant_identity": "participant_id", "consent": "participant_id",
    "screening": "participant_id", "eligibility_signature": "participant_id",
    "allocation": "participant_id", "pet_study": "participant_id",
    "tumour_assessment": "participant_id", "treatment_plan": "participant_id",
    "treatment_cycle": "participant_id", "lab_result": "participant_id",
    "adverse_event": "participant_id", "dose_decision": "participant_id",
    "depot_dose": "participant_id", "susar_report": "adverse_event_id",
    "status_event": "participant_id", "follow_up_contact": "participant_id",
    "protocol_deviation": "participant_id", "pregnancy_test": "participant_id",
    "hbv_screening": "participant_id", "drug_dispensing": "participant_id",
    "dose_diary": "participant_id", "concomitant_medication": "participant_id",
    "medical_history": "participant_id", "vital_signs": "participant_id",
    "ecg": "participant_id",
}
#: Columns left out of a form's fingerprint: the optimistic-lock counter is not data.
UNSIGNED_COLUMNS = frozenset({"version"})
FORM, CASEBOOK = "form", "casebook"
#: How a refusal names a form: the table name, until the services register the catalogue's
#: labels in the user's language (``set_form_label``; the store cannot import the services).
_label: list[Callable[[str], str]] = [lambda table: table]


def set_form_label(label: Callable[[str], str]) -> None:
    """Name forms in messages with ``label(table_name)`` (``form_catalogue.form_label``)."""
    _label[0] = label


def _plain(value: Any, is_float: bool) -> Any:
    """A column value as the same JSON whether it was just assigned or read back."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if is_float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def row_sha256(obj: Base) -> str:
    """SHA-256 of a form's field values: the canonical JSON object of column name -> value
    (times in UTC, dates ISO 8601, keys sorted, UTF-8), without the version counter."""
    state = inspect(obj)
    values = {}
    for attr in state.mapper.column_attrs:
        if attr.key in UNSIGNED_COLUMNS:
            continue
        is_float = isinstance(attr.columns[0].type, Float)
        values[attr.key] = _plain(state.dict.get(attr.key, getattr(obj, attr.key)), is_float)
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_id_of(obj: Base) -> str:
    """A row's address in the audit trail (its primary key, parts joined by commas)."""
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key)


def active_key(scope: str, participant_id: int, table_name: str | None = None,
               row_id: str | None = None) -> str:
    """The unique key of a signature or lock in force (``form_signature.active_key``)."""
    if scope == CASEBOOK:
        return f"casebook:{participant_id}"
    return f"form:{table_name}:{row_id}"


def owner_of(session: Session, obj: Base) -> int | None:
    """The participant a form belongs to (None for a participant not yet flushed)."""
    owner = FORM_OWNERS[obj.__tablename__]
    if owner == "adverse_event_id":
        from dawna.store.models import AdverseEvent

        event_row = session.get(AdverseEvent, getattr(obj, "adverse_event_id", None))
        return event_row.participant_id if event_row is not None else None
    value = getattr(obj, owner, None)
    return int(value) if value is not None else None


def _changes(session: Session) -> list[tuple[str, Base]]:
    out: list[tuple[str, Base]] = []
    for action, objs in (("create", session.new), ("update", session.dirty),
                         ("delete", session.deleted)):
        for obj in objs:
            if not isinstance(obj, Base) or obj.__tablename__ not in FORM_OWNERS:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            out.append((action, obj))
    return out


def _owned(session: Session, changes: Iterable[tuple[str, Base]]
           ) -> list[tuple[str, Base, int]]:
    out = []
    for action, obj in changes:
        pid = owner_of(session, obj)
        if pid is not None:
            out.append((action, obj, pid))
    return out


#: ``session.info`` keys: the participants whose row the open transaction holds
#: (:func:`hold`), and what the last query found in force for them, by (model, participant).
HELD, _SEEN = "signoff_held", "signoff_seen"


def hold(session: Session, participant_id: int) -> None:
    """Declare that the open transaction holds ``participant_id``'s row (``SELECT ... FOR
    UPDATE``). A casebook signature or lock is only written holding every form row of its
    participant, the participant's own among them (``services/signoff.py``,
    ``services/locks.py``), so none can appear for that participant before this transaction
    ends: a later flush that only creates forms of the participant reuses what the first one
    found in force instead of asking again (a new form meets only casebook-scope entries)."""
    session.info.setdefault(HELD, set()).add(participant_id)


def _in_force(session: Session, model: Any) -> tuple[list[tuple[str, Base, int]], list[Any]]:
    """The forms this flush changes (with their participants), and the signatures or locks
    (``model``) in force for those participants."""
    owned = _owned(session, _changes(session))
    if not owned:
        return owned, []
    pids = sorted({pid for _, _, pid in owned})
    held, seen = session.info.get(HELD, set()), session.info.setdefault(_SEEN, {})
    if any(type(obj).__tablename__ in ("form_signature", "form_lock")
           for obj in (*session.new, *session.dirty, *session.deleted)):
        seen.clear()  # signatures or locks written by this transaction: ask every time
        held = set()
    elif (all(action == "create" for action, _, _ in owned)
          and all(pid in held and (model, pid) in seen for pid in pids)):
        return owned, [row for pid in pids for row in seen[(model, pid)]
                       if row.active_key is not None]
    query = _IN_FORCE.get(model)
    if query is None:  # built once per model and process: every flush of a form runs two
        query = _IN_FORCE.setdefault(model, select(model).where(
            model.participant_id.in_(bindparam("pids", expanding=True)),
            model.active_key.is_not(None)))
    rows = list(session.scalars(query, {"pids": pids}))
    for pid in pids:
        if pid in held:
            seen[(model, pid)] = [row for row in rows if row.participant_id == pid]
    return owned, rows


def _forget(session: Session, transaction: Any) -> None:
    """The rows held end with the transaction (or a savepoint, which may have taken them):
    nothing is reused after. A flush's own inner transaction does not count."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(HELD, None)
        session.info.pop(_SEEN, None)


_IN_FORCE: dict[Any, Any] = {}


def _void_signatures(session: Session, flush_context: UOWTransaction,
                     instances: Any = None) -> None:
    from dawna.store.models import FormSignature

    with session.no_autoflush:
        owned, signatures = _in_force(session, FormSignature)
        now = session.info.get("now") or utcnow()
        for sig in signatures:
            for action, obj, pid in owned:
                if pid != sig.participant_id:
                    continue
                table, row = obj.__tablename__, (row_id_of(obj)
                                                 if action != "create" else None)
                if sig.scope == FORM and (table != sig.table_name or row != sig.row_id or (
                        action == "update" and row_sha256(obj) == sig.content_sha256)):
                    continue
                sig.voided_at = now
                sig.void_reason = _("data changed after signing: {action} of {table} {row}"
                                    ).format(action={"create": _("new record"),
                                                     "update": _("change"),
                                                     "delete": _("deletion")}[action],
                                             table=_label[0](table),
                                             row=row or "").strip()
                sig.active_key = None
                break


def _refuse_locked(session: Session, flush_context: UOWTransaction) -> None:
    from dawna.store.models import FormLock, Participant

    with session.no_autoflush:
        owned, locks = _in_force(session, FormLock)
        if not locks:
            return
        keys = {lock.active_key: lock for lock in locks}
        for action, obj, pid in owned:
            table = obj.__tablename__
            lock = keys.get(active_key(CASEBOOK, pid))
            if lock is None and action != "create":
                lock = keys.get(active_key(FORM, pid, table, row_id_of(obj)))
            if lock is None:
                continue
            participant = session.get(Participant, pid)
            raise ConflictError(
                _("{form} {row} of {participant} is locked ({scope}, by {user} on {when}): "
                  "nothing was saved; a data manager must unlock it, with a reason, before it "
                  "can be changed").format(
                    form=_label[0](table), row=row_id_of(obj) if action != "create" else "",
                    participant=participant.pseudonym if participant else pid,
                    scope=_("whole casebook") if lock.scope == CASEBOOK else _("this form"),
                    user=lock.locked_by, when=lock.locked_at.date().isoformat()),
                field="lock")


def install(session_class: type[Session] = Session) -> None:
    """Attach the listeners (idempotent)."""
    for name, listener in (("before_flush", _void_signatures), ("after_flush", _refuse_locked),
                           ("after_transaction_end", _forget)):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
