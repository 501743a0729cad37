"""Failed logins (issue 19 item 5): a growing delay per account and address, a lockout only
for failures from many addresses, unknown usernames leave no row and still check a hash, and
password checks are bounded by a concurrency limit. The clock is injected: nothing sleeps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD
from sqlalchemy import func, select

from dawna.config import Settings
from dawna.errors import AuthenticationFailed
from dawna.services import auth, login_throttle
from dawna.services.login_throttle import Throttled
from dawna.store.db import Database
from dawna.store.models import LoginThrottle, UserSession

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


@pytest.fixture
def tight(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(env="test", database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                    secret_key="t" * 40, login_free_failures=3, login_delay_seconds=1,
                    login_delay_max_seconds=900, lockout_failures=5, lockout_addresses=3,
                    lockout_minutes=15, login_concurrency=2, login_wait_seconds=0)


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    login_throttle.forget_unknown()


def _rows(db: Database, model: type) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


class CountingCheck:
    """Stands in for the Argon2 check: counts calls, the hashes checked, and the most running
    at once."""

    def __init__(self, real):  # type: ignore[no-untyped-def]
        self.real, self.calls, self.hashes = real, 0, []
        self.running = self.most = 0
        self.lock = threading.Lock()

    def __call__(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
            self.hashes.append(password_hash)
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return bool(self.real(password_hash, password))
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch) -> CountingCheck:
    spy = CountingCheck(auth.verify_password)
    monkeypatch.setattr(auth, "verify_password", spy)
    return spy


def _fail(db: Database, settings: Settings, at: datetime, address: str,
          username: str = "coord_a") -> None:
    with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
        auth.login(db, settings, username, "bad", now=at, address=address)


def test_one_address_gets_a_growing_delay_and_never_locks_the_account(
        trial: Database, tight: Settings, check: CountingCheck) -> None:
    ip = "10.0.0.1"
    for _ in range(3):  # failures 1-3 answer at once; the 3rd starts a 1 s delay
        _fail(trial, tight, NOW, ip)
    # inside the delay even the right password is refused with 429, without a password check
    calls = check.calls
    with pytest.raises(Throttled, match="try again in 1 seconds") as early:
        auth.login(trial, tight, "coord_a", PASSWORD, now=NOW, address=ip)
    assert early.value.status_code == 429 and check.calls == calls
    # hand calculation: after the 4th failure 2 s, after the 5th 4 s, ... after the 12th 512 s
    at = NOW + timedelta(seconds=1)
    for n, wait in [(4, 2), (5, 4), (6, 8), (7, 16), (8, 32), (9, 64), (10, 128), (11, 256),
                    (12, 512), (13, 900), (14, 900)]:
        _fail(trial, tight, at, ip)
        with pytest.raises(Throttled) as inside:
            auth.login(trial, tight, "coord_a", "bad", now=at + timedelta(seconds=wait - 1),
                       address=ip)
        assert inside.value.retry_after == 1  # 1 s of the delay left: Retry-After 1
        with pytest.raises(Throttled) as at_once:
            auth.login(trial, tight, "coord_a", "bad", now=at, address=ip)
        assert at_once.value.retry_after == wait  # asked at once: the whole delay
        at += timedelta(seconds=wait)
    # 14 failures from one address: the account is not locked; another address logs in at once
    token, who = auth.login(trial, tight, "coord_a", PASSWORD, now=at, address="10.0.0.2")
    assert who.username == "coord_a" and token
    # and the throttled address itself, once its delay is over
    assert auth.login(trial, tight, "coord_a", PASSWORD, now=at, address=ip)[0]


def test_failures_from_many_addresses_lock_the_account_and_end_its_sessions(
        trial: Database, tight: Settings) -> None:
    token, _ = auth.login(trial, tight, "coord_a", PASSWORD, now=NOW, address="10.9.9.9")
    # 2 failures from each of 2 addresses: 4 failures < 5, 2 addresses < 3: no lock
    for ip in ("10.0.0.1", "10.0.0.2"):
        _fail(trial, tight, NOW, ip)
        _fail(trial, tight, NOW, ip)
    assert auth.resolve(trial, token, now=NOW) is not None
    _fail(trial, tight, NOW, "10.0.0.3")  # 5 failures from 3 addresses: locked
    assert auth.resolve(trial, token, now=NOW) is None
    with pytest.raises(AuthenticationFailed, match="locked for 15 more minutes"):
        auth.login(trial, tight, "coord_a", PASSWORD, now=NOW, address="10.0.0.4")
    with pytest.raises(AuthenticationFailed, match="locked for 1 more minutes"):
        auth.login(trial, tight, "coord_a", PASSWORD, now=NOW + timedelta(minutes=14, seconds=30),
                   address="10.0.0.4")
    # other accounts are untouched; the lock ends after lockout_minutes
    assert auth.login(trial, tight, "coord_b", PASSWORD, now=NOW, address="10.0.0.3")[0]
    assert auth.login(trial, tight, "coord_a", PASSWORD, now=NOW + timedelta(minutes=15),
                      address="10.0.0.4")[0]


def test_unknown_usernames_create_no_rows_and_still_check_a_hash(
        trial: Database, tight: Settings, check: CountingCheck) -> None:
    for i in range(30):
        _fail(trial, tight, NOW, f"10.0.{i}.1", username=f"nobody{i}")
    assert _rows(trial, LoginThrottle) == 0
    # each unknown name cost one Argon2id check, as a known name does
    assert check.calls == 30 and all(h.startswith("$argon2id$") for h in check.hashes)
    _fail(trial, tight, NOW, "10.0.0.1")
    assert check.calls == 31 and _rows(trial, LoginThrottle) == 2  # the account and the pair


def test_an_unknown_username_is_delayed_like_a_known_one(trial: Database,
                                                         tight: Settings) -> None:
    answers = {}
    for username in ("coord_a", "nobody"):
        for _ in range(3):
            _fail(trial, tight, NOW, "10.0.0.7", username=username)
        with pytest.raises(Throttled) as early:
            auth.login(trial, tight, username, "bad", now=NOW, address="10.0.0.7")
        answers[username] = (early.value.status_code, str(early.value))
    assert answers["coord_a"] == answers["nobody"] == (
        429, "password: too many failed attempts from this address: try again in 1 seconds")
    assert _rows(trial, LoginThrottle) == 2  # coord_a's; none for nobody
    _fail(trial, tight, NOW + timedelta(seconds=1), "10.0.0.7", username="nobody")


def test_password_checks_beyond_the_limit_get_429_at_once(
        trial: Database, tight: Settings, check: CountingCheck) -> None:
    gate = login_throttle.gate(tight)
    assert gate.acquire(blocking=False) and gate.acquire(blocking=False)  # both slots busy
    try:
        for username in ("coord_a", "nobody"):
            with pytest.raises(Throttled, match="busy") as busy:
                auth.login(trial, tight, username, "bad", now=NOW, address="10.0.0.1")
            assert busy.value.status_code == 429 and busy.value.retry_after == 1
    finally:
        gate.release()
        gate.release()
    assert check.calls == 0 and _rows(trial, LoginThrottle) == 0
    assert auth.login(trial, tight, "coord_a", PASSWORD, now=NOW, address="10.0.0.1")[0]


def test_concurrent_failed_logins_never_run_more_checks_than_the_limit(
        trial: Database, tight: Settings, check: CountingCheck) -> None:
    patient = tight.model_copy(update={"login_wait_seconds": 10.0})
    errors: list[Exception] = []

    def attempt(i: int) -> None:
        try:
            auth.login(trial, patient, f"nobody{i}", "bad", now=NOW, address=f"10.1.0.{i}")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert check.calls == 8 and check.most <= patient.login_concurrency
    assert len(errors) == 8 and all("wrong user name" in str(e) for e in errors)


def test_a_new_login_ends_the_other_sessions_when_the_setting_says_so(
        trial: Database, tight: Settings) -> None:
    first, _ = auth.login(trial, tight, "coord_a", PASSWORD, now=NOW)
    second, _ = auth.login(trial, tight, "coord_a", PASSWORD, now=NOW)
    assert auth.resolve(trial, first, now=NOW) and auth.resolve(trial, second, now=NOW)
    single = tight.model_copy(update={"single_session": True})
    third, _ = auth.login(trial, single, "coord_a", PASSWORD, now=NOW)
    assert auth.resolve(trial, first, now=NOW) is None
    assert auth.resolve(trial, second, now=NOW) is None
    assert auth.resolve(trial, third, now=NOW) is not None


def test_deactivating_a_user_ends_their_sessions_at_once(trial: Database,
                                                         tight: Settings) -> None:
    from helpers import SYSTEM

    from dawna.services import admin

    token, _ = auth.login(trial, tight, "coord_a", PASSWORD, now=NOW)
    other, _ = auth.login(trial, tight, "coord_b", PASSWORD, now=NOW)
    assert admin.deactivate_user(trial, SYSTEM, "coord_a", "left the study team") == 1
    assert auth.resolve(trial, token, now=NOW) is None
    assert auth.resolve(trial, other, now=NOW) is not None
    assert _rows(trial, UserSession) == 1
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, tight, "coord_a", PASSWORD, now=NOW)
