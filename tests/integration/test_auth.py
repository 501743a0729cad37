"""Login, sessions and lockout (OWASP ASVS 2.2.1: 5 failures lock the account for 15 minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD, two_site_trial

from dawna.config import Settings
from dawna.errors import AuthenticationFailed, ValidationError
from dawna.services import auth
from dawna.store.db import Database

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def trial(db: Database) -> Database:
    two_site_trial(db)
    return db


def test_login_returns_a_session_that_resolves_until_it_expires(trial: Database,
                                                                settings: Settings) -> None:
    token, who = auth.login(trial, settings, "coord_a", PASSWORD, now=NOW)
    assert who.username == "coord_a"
    assert auth.resolve(trial, token, now=NOW + timedelta(hours=7)) is not None
    assert auth.resolve(trial, token, now=NOW + timedelta(hours=settings.session_hours)) is None
    assert auth.resolve(trial, "forged", now=NOW) is None
    auth.logout(trial, token)
    assert auth.resolve(trial, token, now=NOW) is None


def test_unknown_user_and_wrong_password_get_the_same_answer(trial: Database,
                                                             settings: Settings) -> None:
    with pytest.raises(AuthenticationFailed) as wrong:
        auth.login(trial, settings, "coord_a", "not-the-password", now=NOW)
    with pytest.raises(AuthenticationFailed) as unknown:
        auth.login(trial, settings, "nobody", "not-the-password", now=NOW)
    assert str(wrong.value) == str(unknown.value)
    with pytest.raises(ValidationError, match="password"):
        auth.login(trial, settings, "coord_a", "", now=NOW)


def test_five_failures_lock_the_account_for_fifteen_minutes(trial: Database,
                                                            settings: Settings) -> None:
    for i in range(5):
        with pytest.raises(AuthenticationFailed, match="wrong user name or password"):
            auth.login(trial, settings, "coord_a", "bad", now=NOW + timedelta(seconds=i))
    # even the right password is refused while locked
    with pytest.raises(AuthenticationFailed, match="locked"):
        auth.login(trial, settings, "coord_a", PASSWORD, now=NOW + timedelta(minutes=14))
    token, _ = auth.login(trial, settings, "coord_a", PASSWORD, now=NOW + timedelta(minutes=16))
    assert token


def test_success_resets_the_failure_count(trial: Database, settings: Settings) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(trial, settings, "coord_a", "bad", now=NOW)
    auth.login(trial, settings, "coord_a", PASSWORD, now=NOW)
    for _ in range(4):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            auth.login(trial, settings, "coord_a", "bad", now=NOW)
    assert auth.login(trial, settings, "coord_a", PASSWORD, now=NOW)[0]
