"""Login and sessions; throttling and lockout in test_login_throttle.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from helpers import PASSWORD

from dawna.config import Settings
from dawna.errors import AuthenticationFailed, ValidationError
from dawna.services import auth
from dawna.store.db import Database

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


# ``trial``: tests/conftest.py (the two-site trial, copied from a template)


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


def test_success_from_an_address_clears_its_failures(trial: Database,
                                                     settings: Settings) -> None:
    # two failures are free (login_free_failures = 3): no delay, and a success forgets them
    for _ in range(2):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            auth.login(trial, settings, "coord_a", "bad", now=NOW, address="10.0.0.1")
    auth.login(trial, settings, "coord_a", PASSWORD, now=NOW, address="10.0.0.1")
    for _ in range(2):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            auth.login(trial, settings, "coord_a", "bad", now=NOW, address="10.0.0.1")
    assert auth.login(trial, settings, "coord_a", PASSWORD, now=NOW, address="10.0.0.1")[0]
