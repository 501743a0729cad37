"""Log in and out, sessions and lockout.

Passwords are hashed with Argon2id (argon2-cffi defaults, RFC 9106). After ``lockout_failures``
consecutive failures a username is locked for ``lockout_minutes`` (OWASP ASVS 4.0 section 2.2.1);
the answer for an unknown username is the same as for a wrong password, and takes as long.
Session cookies carry a random token; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.errors import AuthenticationFailed, NotFound, ValidationError
from dawna.i18n import _
from dawna.services import login_events as events
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import LoginThrottle, Role, User, UserSession

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("must be at least {n} characters").format(n=MIN_PASSWORD_LENGTH), field="password"
        )
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    roles: dict[int, set[Role]] = {}
    for m in user.memberships:
        roles.setdefault(m.site_id, set()).add(m.role)
    return Principal(
        user_id=user.id, username=user.username, display_name=user.display_name,
        roles={s: frozenset(r) for s, r in roles.items()}, locale=user.locale,
    )


def principal_named(db: Database, username: str, field: str = "username") -> Principal:
    """The principal of the user called ``username`` (their roles and sites apply), as the
    command line acts for ``--as USER``; an unknown name is NotFound on ``field``."""
    with db.sessions() as s:
        user = s.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise NotFound(_("no user {name}").format(name=username), field=field)
        return principal_of(user)


def _count_failure(session: Session, throttle: LoginThrottle | None, username: str,
                   settings: Settings, now: datetime) -> bool:
    """One more consecutive failure; the n-th locks the account for the lockout period."""
    if throttle is None:
        throttle = LoginThrottle(username=username, failures=0)
        session.add(throttle)
    throttle.failures += 1
    if throttle.failures >= settings.lockout_failures:
        throttle.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        throttle.failures = 0
        return True
    return False


def login(db: Database, settings: Settings, username: str, password: str,
          now: datetime | None = None, client: str | None = None) -> tuple[str, Principal]:
    """Check credentials; on success return a new session token and the principal. Every
    attempt is recorded with the client address (``login_events``)."""
    now = now or utcnow()
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("enter your user name"), field="username")
    if not password:
        raise ValidationError(_("enter your password"), field="password")
    try:
        with db.sessions() as session, session.begin():
            throttle = session.get(LoginThrottle, username, with_for_update=True)
            if throttle and throttle.locked_until and throttle.locked_until > now:
                minutes = int((throttle.locked_until - now).total_seconds() // 60) + 1
                raise AuthenticationFailed(
                    _("too many failed attempts: this account is locked for {m} more "
                      "minutes").format(m=minutes), field="username")
            user = session.scalars(select(User).where(User.username == username)).one_or_none()
            ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
            if not ok or user is None or not user.is_active:
                locked = _count_failure(session, throttle, username, settings, now)
                failed = True
            else:
                if throttle is not None:
                    session.delete(throttle)
                token = secrets.token_urlsafe(32)
                session.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                                        created_at=now, expires_at=now + timedelta(
                                            hours=settings.session_hours)))
                principal = principal_of(user)
                failed = False
    except AuthenticationFailed:
        events.record(db, username, events.LOGIN, events.LOCKED, client, at=now)
        raise
    if failed:
        events.record(db, username, events.LOGIN, events.FAILURE, client, at=now)
        if locked:
            events.record(db, username, events.LOCKOUT, events.LOCKED, client, at=now)
        raise AuthenticationFailed(_("wrong user name or password"), field="password")
    events.record(db, username, events.LOGIN, events.SUCCESS, client, principal.user_id, now)
    return token, principal


def reauthenticate(db: Database, settings: Settings, user_id: int, password: str,
                   now: datetime | None = None) -> User:
    """Password re-entry for an electronic signature (21 CFR 11.200(a)(1)(i)): the same lockout
    applies as at login, so a signature page cannot be used to guess passwords."""
    now = now or utcnow()
    with db.sessions() as session, session.begin():
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("this account cannot sign"), field="password")
        throttle = session.get(LoginThrottle, user.username, with_for_update=True)
        if throttle and throttle.locked_until and throttle.locked_until > now:
            raise AuthenticationFailed(_("too many failed attempts: this account is locked"),
                                       field="password")
        if not password or not verify_password(user.password_hash, password):
            locked = _count_failure(session, throttle, user.username, settings, now)
            failed = True
        else:
            if throttle is not None:
                session.delete(throttle)
            failed = False
        session.expunge(user)
    if failed:
        events.record(db, user.username, events.REAUTHENTICATE, events.FAILURE, None, user.id, now)
        if locked:
            events.record(db, user.username, events.LOCKOUT, events.LOCKED, None, user.id, now)
        raise AuthenticationFailed(_("the password is not correct; nothing was signed"),
                                   field="password")
    return user


def resolve(db: Database, token: str | None, now: datetime | None = None) -> Principal | None:
    """The principal of a session token, or None when absent, unknown or expired."""
    if not token:
        return None
    now = now or utcnow()
    with db.sessions() as session:
        row = session.scalars(
            select(UserSession).where(UserSession.token_hash == _token_hash(token))
        ).one_or_none()
        if row is None or row.expires_at <= now or not row.user.is_active:
            return None
        return principal_of(row.user)


def logout(db: Database, token: str | None, client: str | None = None) -> None:
    if not token:
        return
    with db.sessions() as session, session.begin():
        ended = session.execute(delete(UserSession).where(
            UserSession.token_hash == _token_hash(token)).returning(UserSession.user_id)
        ).scalar_one_or_none()
        name = session.scalar(select(User.username).where(User.id == ended)) if ended else None
    if name is not None:
        events.record(db, name, events.LOGOUT, events.SUCCESS, client, ended)
