"""Logins audited (issue 19 item 4; 21 CFR 11.10(d), 11.300(d)): successful and failed logins,
logouts, lockouts and password changes are recorded with user, time, client address and outcome;
an unknown user name is recorded as typed without creating a user row; the record is append-only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD, principal
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from dawna.config import Settings
from dawna.errors import AuthenticationFailed
from dawna.services import auth, login_events, passwords
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import User

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
CLIENT = "203.0.113.7"


# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


def _events(db: Database) -> list[tuple[str, int | None, str, str, str | None]]:
    return [(e.username, e.user_id, e.event, e.outcome, e.client)
            for e in reversed(login_events.recent(db, limit=1000))]


def test_success_failure_unknown_user_and_logout_are_recorded(trial: Database,
                                                              settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    with trial.sessions() as s:
        users = s.scalar(select(func.count()).select_from(User))
    token, _ = auth.login(trial, settings, "coord_a", PASSWORD, now=NOW, address=CLIENT)
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, settings, "coord_a", "wrong-password", now=NOW, address=CLIENT)
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, settings, "no.such.user", "whatever-pw", now=NOW, address="198.51.100.2")
    auth.logout(trial, token, address=CLIENT)
    assert _events(trial) == [
        ("coord_a", coord.user_id, "login", "success", CLIENT),
        ("coord_a", coord.user_id, "login", "failure", CLIENT),
        ("no.such.user", None, "login", "failure", "198.51.100.2"),
        ("coord_a", coord.user_id, "logout", "success", CLIENT),
    ]
    assert login_events.recent(trial, limit=1)[0].at.tzinfo is not None
    with trial.sessions() as s:  # the unknown name created no user
        assert s.scalar(select(func.count()).select_from(User)) == users


def test_the_lockout_and_attempts_while_locked_are_recorded(trial: Database,
                                                            settings: Settings) -> None:
    # failures from three addresses lock the account (services/login_throttle.py)
    addresses = ["10.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.2", "10.0.0.3"]
    assert len(addresses) >= settings.lockout_failures
    for ip in addresses[:settings.lockout_failures]:
        with pytest.raises(AuthenticationFailed):
            auth.login(trial, settings, "coord_b", "wrong-password", now=NOW, address=ip)
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, settings, "coord_b", PASSWORD, now=NOW + timedelta(minutes=1),
                   address="10.0.0.4")
    kinds = [(e[2], e[3], e[4]) for e in _events(trial)]
    assert kinds == [("login", "failure", ip) for ip in addresses[:settings.lockout_failures]
                     ] + [("lockout", "locked", "10.0.0.3"), ("login", "refused", "10.0.0.4")]


def test_password_changes_are_recorded_and_take_effect(trial: Database,
                                                       settings: Settings) -> None:
    inv = principal(trial, "inv_a")
    with pytest.raises(AuthenticationFailed):
        passwords.change_own(trial, inv, passwords.PasswordChange(
            current_password="not-it-at-all", new_password="a-new-long-password"), address=CLIENT)
    passwords.change_own(trial, inv, passwords.PasswordChange(
        current_password=PASSWORD, new_password="a-new-long-password"), address=CLIENT)
    passwords.set_password(trial, Actor(None, "cli:admin"), "coord_b", "another-long-password",
                           "forgotten password")
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, settings, "inv_a", PASSWORD, now=NOW)
    auth.login(trial, settings, "inv_a", "a-new-long-password", now=NOW)
    auth.login(trial, settings, "coord_b", "another-long-password", now=NOW)
    assert [e[:4] for e in _events(trial)][:3] == [
        ("inv_a", inv.user_id, "password_change", "failure"),
        ("inv_a", inv.user_id, "password_change", "success"),
        ("coord_b", principal(trial, "coord_b").user_id, "password_change", "success")]


def test_login_events_are_append_only(trial: Database, settings: Settings) -> None:
    with pytest.raises(AuthenticationFailed):
        auth.login(trial, settings, "coord_a", "wrong-password", now=NOW, address=CLIENT)
    for sql in ("UPDATE login_event SET outcome = 'success'", "DELETE FROM login_event"):
        with pytest.raises(DBAPIError), trial.engine.begin() as conn:
            conn.execute(text(sql))
    assert _events(trial)[0][3] == "failure"
