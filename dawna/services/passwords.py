"""Password changes (issue 19 item 4): a user changing their own password (the current one
re-entered, 21 CFR 11.300(b)), and an administrator setting one from the command line. The new
hash is written through the audit trail (redacted there) and each attempt is a login event."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from dawna.errors import AuthenticationFailed, NotFound, ValidationError
from dawna.i18n import _
from dawna.services import login_events as events
from dawna.services.access import Principal
from dawna.services.auth import MIN_PASSWORD_LENGTH, hash_password, verify_password
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import User
from dawna.store.uow import UnitOfWork


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


def _set(db: Database, actor: Actor, username: str, password: str, reason: str,
         activate: bool = False) -> int:
    password_hash = hash_password(password)
    with UnitOfWork(db, actor, reason) as uow:
        user = uow.session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(_("no user %(name)s") % {"name": username}, field="username")
        user.password_hash = password_hash
        if activate:
            user.is_active = True
        uow.commit()
        return user.id


def change_own(db: Database, principal: Principal, data: PasswordChange,
               address: str | None = None) -> None:
    """The logged-in user changes their password; the current one must be right."""
    with UnitOfWork(db) as uow:
        user = uow.session.get(User, principal.user_id)
        current_hash = user.password_hash if user else None
    if current_hash is None or not verify_password(current_hash, data.current_password):
        events.record(db, principal.username, events.PASSWORD_CHANGE, events.FAILURE, address,
                      principal.user_id)
        raise AuthenticationFailed(_("the current password is not correct"),
                                   field="current_password")
    if data.new_password == data.current_password:
        raise ValidationError(_("the new password must differ from the current one"),
                              field="new_password")
    _set(db, Actor(principal.user_id, principal.username), principal.username,
         data.new_password, "password changed by the user")
    events.record(db, principal.username, events.PASSWORD_CHANGE, events.SUCCESS, address,
                  principal.user_id)


def set_password(db: Database, actor: Actor, username: str, password: str, reason: str,
                 activate: bool = False) -> None:
    """An administrator sets a user's password (command line); ``activate`` also re-activates
    the account (users imported by ``dawna import odm`` arrive disabled, ``docs/odm.md``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_("at least %(n)s characters") % {"n": MIN_PASSWORD_LENGTH},
                              field="password")
    user_id = _set(db, actor, username, password, reason, activate)
    events.record(db, username, events.PASSWORD_CHANGE, events.SUCCESS, "cli", user_id)
