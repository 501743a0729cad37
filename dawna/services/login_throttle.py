"""Failed logins: a growing delay per account and client address, a lockout for failures from
many addresses, and a bound on concurrent password checks (issue 19 item 5).

Sources: OWASP ASVS 4.0 section 2.2.1 (anti-automation: "soft lockout, rate limiting, ...
delay"), OWASP Authentication Cheat Sheet "Account lockout" (lockout lets anyone deny service, so
prefer an exponentially growing delay per source) and NIST SP 800-63B section 5.2.2 (rate
limiting).

- One address, one account: the first ``login_free_failures`` failures in a row cost nothing;
  after the n-th (n >= free) the next attempt from that address waits
  ``login_delay_seconds * 2 ** (n - free)`` seconds, at most ``login_delay_max_seconds``.
  An attempt inside the delay is refused with 429 without checking the password. Failures
  forgotten ``login_forget_hours`` after the last one; a success from that address clears them.
  One address never locks the account, so a guesser cannot lock a colleague out.
- Many addresses: when the failures of the last ``lockout_minutes`` come from at least
  ``lockout_addresses`` addresses and number at least ``lockout_failures``, the account is
  locked for ``lockout_minutes`` and its open sessions end.
- Unknown usernames create no row (nothing to fill the table with); their per-address delay is
  kept in this process's memory (a bounded table of hashes), so that the delay does not tell
  which names exist. (The lockout from many addresses is not imitated for them.)
- Argon2id checks (64 MiB each) run at most ``login_concurrency`` at a time per process; an
  attempt that cannot start within ``login_wait_seconds`` gets 429 at once.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dawna.config import Settings
from dawna.errors import AuthenticationFailed
from dawna.i18n import _
from dawna.store.models import LoginThrottle, UserSession

__all__ = ["Throttled", "check", "check_unknown", "clear", "delay_seconds",
           "forget_unknown", "password_check_slot", "record_failure", "record_unknown_failure"]

ACCOUNT = LoginThrottle.ACCOUNT


class Throttled(AuthenticationFailed):
    """Too many attempts: wait (429 Too Many Requests, RFC 6585 section 4); ``retry_after`` is
    the wait in whole seconds, sent as the ``Retry-After`` header (RFC 9110 section 10.2.3)."""

    status_code = 429

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, retry_after)


def delay_seconds(failures: int, settings: Settings) -> int:
    """The wait before the next attempt after ``failures`` failures in a row from one address."""
    if failures < settings.login_free_failures:
        return 0
    exponent = failures - settings.login_free_failures
    if exponent >= 30:
        return settings.login_delay_max_seconds
    doubling: int = 2 ** exponent  # exponent >= 0: an int
    return min(settings.login_delay_seconds * doubling, settings.login_delay_max_seconds)


def check(session: Session, username: str, address: str, now: datetime) -> None:
    """Refuse an attempt on a locked account (401) or inside this address's delay (429)."""
    rows = {r.address: r for r in session.scalars(select(LoginThrottle).where(
        LoginThrottle.username == username, LoginThrottle.address.in_((ACCOUNT, address))))}
    account = rows.get(ACCOUNT)
    if account and account.blocked_until and account.blocked_until > now:
        minutes = math.ceil((account.blocked_until - now).total_seconds() / 60)
        raise AuthenticationFailed(
            _("too many failed attempts: this account is locked for %(m)s more minutes")
            % {"m": minutes}, field="username")
    pair = rows.get(address)
    _refuse_early(pair.blocked_until if pair else None, now)


def _refuse_early(blocked_until: datetime | None, now: datetime) -> None:
    if blocked_until and blocked_until > now:
        seconds = math.ceil((blocked_until - now).total_seconds())
        raise Throttled(_("too many failed attempts from this address: try again in %(s)s "
                          "seconds") % {"s": seconds}, field="password", retry_after=seconds)


_UNKNOWN_SIZE = 10_000
_unknown: OrderedDict[str, tuple[int, datetime, datetime]] = OrderedDict()
_unknown_lock = threading.Lock()


def _unknown_key(username: str, address: str) -> str:
    return hashlib.sha256(f"{username}\0{address}".encode()).hexdigest()


def check_unknown(username: str, address: str, now: datetime) -> None:
    """An unknown username gets the same delay as a known one (from memory, no row)."""
    with _unknown_lock:
        entry = _unknown.get(_unknown_key(username, address))
    _refuse_early(entry[2] if entry else None, now)


def record_unknown_failure(settings: Settings, username: str, address: str,
                           now: datetime) -> None:
    key = _unknown_key(username, address)
    with _unknown_lock:
        failures, last, _until = _unknown.pop(key, (0, now, now))
        if now - last > timedelta(hours=settings.login_forget_hours):
            failures = 0
        failures += 1
        _unknown[key] = (failures, now, now + timedelta(seconds=delay_seconds(failures,
                                                                              settings)))
        while len(_unknown) > _UNKNOWN_SIZE:
            _unknown.popitem(last=False)


def forget_unknown() -> None:
    """Empty the in-memory delays of unknown usernames (tests; a restart does the same)."""
    with _unknown_lock:
        _unknown.clear()


def _row(session: Session, username: str, address: str) -> LoginThrottle:
    """The row of (username, address), created if missing, locked for this transaction."""
    values = {"username": username, "address": address, "failures": 0}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        session.execute(pg_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        session.execute(sqlite_insert(LoginThrottle).values(values).on_conflict_do_nothing())
    row = session.get(LoginThrottle, (username, address), with_for_update=True,
                      populate_existing=True)
    assert row is not None
    return row


def record_failure(session: Session, settings: Settings, username: str, user_id: int,
                   address: str, now: datetime) -> bool:
    """Count one failure of a known account from ``address``; True when it locked the account
    (its sessions are then deleted in the same transaction)."""
    account = _row(session, username, ACCOUNT)
    pair = _row(session, username, address)
    forget = timedelta(hours=settings.login_forget_hours)
    if pair.last_failure_at is not None and now - pair.last_failure_at > forget:
        pair.failures = 0
    pair.failures += 1
    pair.last_failure_at = now
    pair.blocked_until = now + timedelta(seconds=delay_seconds(pair.failures, settings))
    session.flush()
    since = now - timedelta(minutes=settings.lockout_minutes)
    recent = session.scalars(select(LoginThrottle).where(
        LoginThrottle.username == username, LoginThrottle.address != ACCOUNT,
        LoginThrottle.last_failure_at > since, LoginThrottle.failures > 0)).all()
    locked = (len(recent) >= settings.lockout_addresses
              and sum(r.failures for r in recent) >= settings.lockout_failures)
    if locked:
        account.blocked_until = now + timedelta(minutes=settings.lockout_minutes)
        account.last_failure_at = now
        for r in recent:  # the lockout answers these failures; start afresh after it
            r.failures = 0
        session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return locked


def clear(session: Session, username: str, address: str) -> None:
    """A success from ``address``: its failures are forgotten (other addresses' are kept)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.username == username,
                                                LoginThrottle.address == address))


_gates: dict[int, threading.BoundedSemaphore] = {}
_gates_lock = threading.Lock()


def gate(settings: Settings) -> threading.BoundedSemaphore:
    """This process's semaphore bounding concurrent password checks."""
    with _gates_lock:
        return _gates.setdefault(settings.login_concurrency,
                                 threading.BoundedSemaphore(settings.login_concurrency))


@contextmanager
def password_check_slot(settings: Settings) -> Iterator[None]:
    """Hold one of the ``login_concurrency`` slots for an Argon2 check, or raise 429."""
    semaphore = gate(settings)
    if not semaphore.acquire(timeout=settings.login_wait_seconds):
        raise Throttled(_("the server is busy checking other logins; try again in a moment"),
                        field="password", retry_after=1)
    try:
        yield
    finally:
        semaphore.release()
