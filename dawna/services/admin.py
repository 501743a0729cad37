"""Sites, users and role grants: audited like trial data (who may see what is trial data too)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from dawna.errors import ConflictError, NotFound
from dawna.i18n import _
from dawna.services.auth import hash_password
from dawna.services.schemas import SiteCreate, UserCreate
from dawna.store.audit import Actor
from dawna.store.conflicts import integrity_kind
from dawna.store.db import Database
from dawna.store.models import Membership, Role, Site, User, UserSession
from dawna.store.uow import UnitOfWork

#: ``Actor`` and ``Role`` are named here for the command line, which imports no store model.
__all__ = ["Actor", "Role", "create_site", "create_user", "deactivate_user", "grant_role"]


def create_site(db: Database, actor: Actor, data: SiteCreate, reason: str) -> int:
    with UnitOfWork(db, actor, reason) as uow:
        if uow.session.scalars(select(Site).where(Site.code == data.code)).first():
            raise ConflictError(_("site {code} already exists").format(code=data.code),
                                field="code")
        site = Site(code=data.code, name=data.name, city=data.city)
        uow.session.add(site)
        uow.session.flush()
        uow.commit()
        return site.id


def create_user(db: Database, actor: Actor, data: UserCreate, reason: str) -> int:
    password_hash = hash_password(data.password)
    with UnitOfWork(db, actor, reason) as uow:
        if uow.session.scalars(select(User).where(User.username == data.username)).first():
            raise ConflictError(_("user {name} already exists").format(name=data.username),
                                field="username")
        user = User(username=data.username, display_name=data.display_name,
                    password_hash=password_hash, locale=data.locale)
        uow.session.add(user)
        uow.session.flush()
        uow.commit()
        return user.id


def grant_role(db: Database, actor: Actor, username: str, site_code: str, role: Role,
               reason: str) -> None:
    with UnitOfWork(db, actor, reason) as uow:
        s = uow.session
        user = s.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise NotFound(_("no user {name}").format(name=username), field="username")
        site = s.scalars(select(Site).where(Site.code == site_code)).one_or_none()
        if site is None:
            raise NotFound(_("no site {code}").format(code=site_code), field="site")
        s.add(Membership(user_id=user.id, site_id=site.id, role=role))
        try:
            s.flush()
        except IntegrityError as exc:
            if integrity_kind(exc) != "unique":
                raise  # not a duplicate: the unit of work answers it (store/conflicts.py)
            raise ConflictError(_("{name} already holds this role at {site}").format(
                name=username, site=site_code), field="role") from exc
        uow.commit()


def deactivate_user(db: Database, actor: Actor, username: str, reason: str) -> int:
    """Deactivate a user: they can no longer log in or sign, and every open session of theirs
    ends in the same transaction (issue 19 item 6). Returns the number of sessions ended."""
    with UnitOfWork(db, actor, reason) as uow:
        s = uow.session
        user = s.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise NotFound(_("no user {name}").format(name=username), field="username")
        user.is_active = False
        ended = s.execute(delete(UserSession).where(UserSession.user_id == user.id))
        uow.commit()
        return int(getattr(ended, "rowcount", 0) or 0)
