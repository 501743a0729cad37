"""Log in and out, sessions, throttling and lockout.

Passwords are hashed with Argon2id (argon2-cffi defaults, RFC 9106). Failed logins slow down per
account and client address and lock the account only when they come from many addresses
(:mod:`dawna.services.login_throttle`, OWASP ASVS 4.0 section 2.2.1); the answer for an unknown
username is the same as for a wrong password, takes as long (a dummy hash is checked) and leaves
no row. Session cookies carry a random token; only its SHA-256 is stored. A locked or
deactivated account's sessions are deleted; ``single_session`` makes a login end the others.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select

from dawna.clock import utcnow
from dawna.config import Settings, get_settings
from dawna.errors import AuthenticationFailed, NotFound, ValidationError
from dawna.i18n import _
from dawna.services import login_events as events
from dawna.services import login_throttle
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Membership, Role, User, UserSession

MIN_PASSWORD_LENGTH = 10


def password_hasher(settings: Settings) -> PasswordHasher:
    """Argon2id with argon2-cffi's defaults (RFC 9106, 64 MiB, 3 passes) when
    ``password_hash_cost`` is ``standard``; the cheapest parameters when it is ``test`` (the test
    suite's setting), which production refuses. Verification reads the parameters from the hash
    itself."""
    if settings.password_hash_cost != "test":  # noqa: S105 - a cost level
        return PasswordHasher()
    if settings.env == "production":
        raise RuntimeError("DAWNA_PASSWORD_HASH_COST=test is for the test suite; production "
                           "hashes passwords with the standard Argon2id parameters")
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return password_hasher(get_settings())


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """The hash an unknown user's password is checked against, made at the first login (not at
    import: the command line starts without it)."""
    return _hasher().hash("not-a-password-of-anyone")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("must be at least {n} characters").format(n=MIN_PASSWORD_LENGTH), field="password"
        )
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
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


def _check_password(settings: Settings, password_hash: str | None, password: str) -> bool:
    """Argon2 check within the concurrency bound; an unknown user is checked against a dummy
    hash so that the answer takes as long."""
    with login_throttle.password_check_slot(settings):
        return verify_password(password_hash or _dummy_hash(), password)


def login(db: Database, settings: Settings, username: str, password: str,
          now: datetime | None = None, address: str = "") -> tuple[str, Principal]:
    """Check credentials from client ``address``; on success return a new session token and the
    principal. Throttling and lockout: :mod:`dawna.services.login_throttle`."""
    now = now or utcnow()
    username = (username or "").strip()
    address = (address or "")[:64]
    if not username:
        raise ValidationError(_("enter your user name"), field="username")
    if not password:
        raise ValidationError(_("enter your password"), field="password")
    locked = False
    try:
        with db.sessions() as session:
            user = session.scalars(select(User).where(User.username == username)).one_or_none()
            if user is not None:
                login_throttle.check(session, username, address, now)
            else:
                login_throttle.check_unknown(username, address, now)
            user_id, password_hash = (user.id, user.password_hash) if user else (None, None)
        ok = _check_password(settings, password_hash, password)
        with db.sessions() as session, session.begin():
            user = session.get(User, user_id) if user_id is not None else None
            if user is None or not ok or not user.is_active:
                if user is not None:
                    locked = login_throttle.record_failure(session, settings, username, user.id,
                                                           address, now)
                else:
                    login_throttle.record_unknown_failure(settings, username, address, now)
                failed = True
            else:
                login_throttle.check(session, username, address, now)
                login_throttle.clear(session, username, address)
                if settings.single_session:
                    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
                token = secrets.token_urlsafe(32)
                session.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                                        created_at=now, expires_at=now + timedelta(
                                            hours=settings.session_hours)))
                principal = principal_of(user)
                failed = False
    except AuthenticationFailed:  # throttled or locked: refused before the password check
        events.record(db, username, events.LOGIN, events.REFUSED, address, at=now)
        raise
    if failed:
        events.record(db, username, events.LOGIN, events.FAILURE, address, at=now)
        if locked:
            events.record(db, username, events.LOCKOUT, events.LOCKED, address, at=now)
        raise AuthenticationFailed(_("wrong user name or password"), field="password")
    events.record(db, username, events.LOGIN, events.SUCCESS, address, principal.user_id, now)
    return token, principal


def reauthenticate(db: Database, settings: Settings, user_id: int, password: str,
                   now: datetime | None = None, address: str = "") -> User:
    """Password re-entry for an electronic signature (21 CFR 11.200(a)(1)(i)): the same
    throttle and lockout apply as at login, so a signature page cannot be used to guess
    passwords."""
    now = now or utcnow()
    with db.sessions() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("this account cannot sign"), field="password")
        login_throttle.check(session, user.username, address, now)
        password_hash = user.password_hash
    ok = bool(password) and _check_password(settings, password_hash, password)
    with db.sessions() as session, session.begin():
        user = session.get(User, user_id)
        assert user is not None
        locked = False
        if not ok:
            locked = login_throttle.record_failure(session, settings, user.username, user.id,
                                                   address, now)
        else:
            login_throttle.clear(session, user.username, address)
        session.expunge(user)
    if not ok:
        events.record(db, user.username, events.REAUTHENTICATE, events.FAILURE, address,
                      user.id, now)
        if locked:
            events.record(db, user.username, events.LOCKOUT, events.LOCKED, address, user.id,
                          now)
        raise AuthenticationFailed(_("the password is not correct; nothing was signed"),
                                   field="password")
    return user


#: built once per process: every request runs it (issue 23 item 3)
_RESOLVE = (select(User.id, User.username, User.display_name, User.locale, Membership.site_id,
                   Membership.role)
            .join(UserSession, UserSession.user_id == User.id)
            .outerjoin(Membership, Membership.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token"),
                   UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
                   User.is_active.is_(True)))


def resolve(db: Database, token: str | None, now: datetime | None = None) -> Principal | None:
    """The principal of a session token, or None when absent, unknown or expired."""
    if not token:
        return None
    now = now or utcnow()
    # one statement of plain columns (every request runs it): the session, its user and the
    # user's roles; a user without a role gives one row with no site
    with db.engine.connect() as conn:
        rows = conn.execute(_RESOLVE, {"token": _token_hash(token), "now": now}).all()
    if not rows:
        return None
    roles: dict[int, set[Role]] = {}
    for row in rows:
        if row.site_id is not None:
            roles.setdefault(row.site_id, set()).add(row.role)
    first = rows[0]
    return Principal(user_id=first.id, username=first.username,
                     display_name=first.display_name,
                     roles={s: frozenset(r) for s, r in roles.items()}, locale=first.locale)


def logout(db: Database, token: str | None, address: str = "") -> bool:
    """End the session of ``token``; True when there was one (recorded as a logout)."""
    if not token:
        return False
    with db.sessions() as session, session.begin():
        ended = session.execute(delete(UserSession).where(
            UserSession.token_hash == _token_hash(token)).returning(UserSession.user_id)
        ).scalar_one_or_none()
        name = session.scalar(select(User.username).where(User.id == ended)) if ended else None
    if name is not None:
        events.record(db, name, events.LOGOUT, events.SUCCESS, address, ended)
    return ended is not None
