"""Form and casebook locks (issue 20 item 4): a data manager locks one form or a participant's
whole casebook, and unlocks it with a reason; the investigator's signature locks what it signs
when the protocol setting ``lock_form_after_signature`` is on (the default).

A change of a locked form is refused at flush time, whichever service makes it
(``dawna.store.signoff_guard``): HTTP 409, because the request is well formed (the same change
is accepted once the form is unlocked) but conflicts with the form's current state (RFC 9110
§15.5.10). Locks and unlocks are audited (``form_lock`` rows through the unit of work).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.services.access import Permission, Principal
from dawna.services.casebook import form_row, forms_of
from dawna.services.form_catalogue import form_label
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import FormLock
from dawna.store.signoff_guard import CASEBOOK, FORM, active_key
from dawna.store.uow import UnitOfWork

__all__ = ["add_lock", "checked_reason", "lock", "lock_after_signature", "lock_in_force", "unlock"]


def lock_after_signature() -> bool:
    """The protocol setting ``lock_form_after_signature`` (default on)."""
    return bool(bundled_protocol().setting("lock_form_after_signature").value)


def lock_in_force(session: Session, participant_id: int, table_name: str | None,
                  row_id: str | None) -> FormLock | None:
    key = active_key(CASEBOOK if table_name is None else FORM, participant_id, table_name, row_id)
    return session.scalars(select(FormLock).where(FormLock.active_key == key)).first()


def add_lock(session: Session, participant_id: int, table_name: str | None, row_id: str | None,
             *, source: str, by: str, reason: str, signature_id: int | None = None,
             now: datetime | None = None) -> FormLock:
    scope = CASEBOOK if table_name is None else FORM
    row = FormLock(participant_id=participant_id, scope=scope, table_name=table_name,
                   row_id=row_id, source=source, signature_id=signature_id,
                   locked_at=now or utcnow(), locked_by=by, reason=reason,
                   active_key=active_key(scope, participant_id, table_name, row_id))
    session.add(row)
    return row


def _what(table_name: str | None, row_id: str | None, pseudonym: str) -> str:
    if table_name is None:
        return _("the casebook of {id}").format(id=pseudonym)
    return _("{form} {row} of {id}").format(form=form_label(table_name), row=row_id, id=pseudonym)


def checked_reason(reason: str | None) -> str:
    """A lock's or unlock's reason: required, at least 3 characters (the audit trail keeps it)."""
    text = (reason or "").strip()
    if len(text) < 3:
        raise ValidationError(_("give the reason (at least 3 characters)"), field="reason")
    return text


def lock(db: Database, principal: Principal, pseudonym: str, table_name: str | None,
         row_id: str | None, reason: str) -> int:
    """A data manager locks one form (``table_name``, ``row_id``) or, with neither, the whole
    casebook; returns the lock's id. A lock already in force is a conflict naming it."""
    reason = checked_reason(reason)
    with UnitOfWork(db, actor_of(principal), reason) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.FORM_LOCK, p.site_id)
        if table_name is None:
            forms_of(s, [p.id], for_update=True)  # held: a change in flight finishes first
        else:
            form_row(s, p.id, table_name, row_id or "", for_update=True)
        current = lock_in_force(s, p.id, table_name, row_id)
        if current is not None:
            raise ConflictError(_("{what} is already locked (by {user} on {when})").format(
                what=_what(table_name, row_id, p.pseudonym), user=current.locked_by,
                when=current.locked_at.date().isoformat()), field="lock")
        row = add_lock(s, p.id, table_name, row_id, source="data_manager",
                       by=principal.username, reason=reason)
        s.flush()
        lock_id = row.id
        uow.commit()
    return lock_id


def unlock(db: Database, principal: Principal, pseudonym: str, table_name: str | None,
           row_id: str | None, reason: str) -> None:
    """A data manager lifts the lock in force on a form or the casebook, with a reason (kept on
    the lock and in the audit trail). The signature stays; a later change voids it."""
    reason = checked_reason(reason)
    with UnitOfWork(db, actor_of(principal), reason) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.FORM_LOCK, p.site_id)
        current = lock_in_force(s, p.id, table_name, row_id)
        if current is None:
            raise NotFound(_("{what} is not locked").format(
                what=_what(table_name, row_id, p.pseudonym)), field="lock")
        current.unlocked_at = utcnow()
        current.unlocked_by = principal.username
        current.unlock_reason = reason
        current.active_key = None
        uow.commit()
