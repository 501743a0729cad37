"""Logins audited (issue 19 item 4; 21 CFR 11.10(d), 11.300(d); NMPA GCP 2020): successful and
failed logins, logouts, lockouts and password changes, with user name, time, client address and
outcome, in the append-only ``login_event`` table.

The user name is kept as typed (cut to 64 characters), so an unknown name is recorded without
creating any user row. ``record`` never raises: a login must not fail because its record could
not be written (the failure is logged instead).
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from dawna.clock import utcnow
from dawna.errors import PermissionDenied
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import LoginEvent, User
from dawna.store.uow import UnitOfWork

log = logging.getLogger(__name__)

LOGIN, LOGOUT, LOCKOUT, PASSWORD_CHANGE, REAUTHENTICATE = (
    "login", "logout", "lockout", "password_change", "reauthenticate")
SUCCESS, FAILURE, LOCKED, REFUSED = "success", "failure", "locked", "refused"


class LoginEventView(BaseModel):
    id: int
    at: datetime
    username: str
    user_id: int | None
    event: str
    outcome: str
    client: str | None


def record(db: Database, username: str, event: str, outcome: str, client: str | None = None,
           user_id: int | None = None, at: datetime | None = None) -> None:
    """Append one login event (its own transaction)."""
    name = (username or "").strip()[:64] or "-"
    try:
        with UnitOfWork(db, Actor(user_id, name), event) as uow:
            s = uow.session
            if user_id is None:
                user_id = s.scalar(select(User.id).where(User.username == name))
            s.add(LoginEvent(at=at or utcnow(), username=name, user_id=user_id, event=event,
                             outcome=outcome, client=(client or None) and client[:64]))
            uow.commit()
    except Exception:  # pragma: no cover - the database itself failing
        log.exception("login event not recorded: %s %s %s", name, event, outcome)


def recent(db: Database, username: str | None = None, limit: int = 100) -> list[LoginEventView]:
    """The newest events first (the command line: whoever holds the database)."""
    with UnitOfWork(db) as uow:
        query = select(LoginEvent)
        if username:
            query = query.where(LoginEvent.username == username)
        rows = uow.session.scalars(query.order_by(LoginEvent.id.desc()).limit(max(1, limit)))
        return [LoginEventView.model_validate(r, from_attributes=True) for r in rows]


def recent_for(db: Database, principal: Principal, username: str | None = None,
               limit: int = 200) -> list[LoginEventView]:
    """The events for an administrator (``user.manage``) in the web application."""
    if not principal.can_anywhere(Permission.USER_MANAGE):
        raise PermissionDenied(_("only an administrator may see login events"), field="role")
    return recent(db, username=username, limit=limit)
