"""Role permissions per site, and settings that refuse unsafe production values."""

from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError

from dawna.config import Settings
from dawna.errors import PermissionDenied
from dawna.services.access import Permission, Principal
from dawna.store.models import Role
from dawna.web.present import days_text


def _who(**roles: list[Role]) -> Principal:
    return Principal(user_id=1, username="u", display_name="U",
                     roles={int(site[1:]): frozenset(r) for site, r in roles.items()})


def test_permissions_hold_only_at_the_site_of_the_role() -> None:
    p = _who(s1=[Role.COORDINATOR], s2=[Role.STATISTICIAN])
    assert p.can(Permission.PARTICIPANT_CREATE, 1)
    assert not p.can(Permission.PARTICIPANT_CREATE, 2)
    assert p.can(Permission.PARTICIPANT_VIEW, 2)
    assert not p.can(Permission.IDENTITY_VIEW, 2)
    assert p.sites_with(Permission.PARTICIPANT_VIEW) == [1, 2]
    assert not p.can(Permission.PARTICIPANT_VIEW, 3)
    with pytest.raises(PermissionDenied):
        p.require(Permission.PARTICIPANT_EDIT, 2)


@pytest.mark.parametrize(("role", "identity", "audit", "create"), [
    (Role.ADMINISTRATOR, False, True, False),
    (Role.INVESTIGATOR, True, True, True),
    (Role.COORDINATOR, True, False, True),
    (Role.IMAGING_READER, False, False, False),
    (Role.STATISTICIAN, False, False, False),
    (Role.MONITOR, True, True, False),
    (Role.DATA_MANAGER, False, True, False),
])
def test_role_matrix(role: Role, identity: bool, audit: bool, create: bool) -> None:
    p = _who(s1=[role])
    assert p.can(Permission.PARTICIPANT_VIEW, 1)
    assert p.can(Permission.IDENTITY_VIEW, 1) is identity
    assert p.can(Permission.AUDIT_VIEW, 1) is audit
    assert p.can(Permission.PARTICIPANT_CREATE, 1) is create


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(PydanticValidationError, match="DAWNA_SECRET_KEY"):
        Settings(env="production")
    ok = Settings(env="production", secret_key="k" * 40)
    assert ok.secure_cookies is True
    assert Settings(env="development").secure_cookies is False


def test_cheap_password_hashing_is_refused_in_production() -> None:
    """The suite hashes with the cheapest Argon2id parameters (tests/conftest.py); production
    must never: the setting is refused there, and the standard profile is RFC 9106's second
    recommended option (t=3, m=64 MiB, p=4), as argon2-cffi's defaults."""
    from dawna.services.auth import password_hasher

    secret = "k" * 40
    with pytest.raises(RuntimeError, match="DAWNA_PASSWORD_HASH_COST"):
        password_hasher(Settings(env="production", secret_key=secret, password_hash_cost="test"))
    assert Settings.model_fields["password_hash_cost"].default == "standard"
    standard = password_hasher(Settings(env="production", secret_key=secret,
                                        password_hash_cost="standard"))
    assert (standard.time_cost, standard.memory_cost, standard.parallelism) == (3, 65536, 4)
    cheap = password_hasher(Settings(env="test", password_hash_cost="test")).hash(
        "a-password-for-the-test")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert standard.verify(cheap, "a-password-for-the-test")  # parameters come from the hash


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(PydanticValidationError, match="unknown time zone"):
        Settings(site_timezone="Mars/Olympus")


@pytest.mark.parametrize(("days", "text"), [
    ((1,), "1"), ((1, 8), "1, 8"), (tuple(range(1, 22)), "1–21"), ((1, 8, 15), "1, 8, 15"),
    ((1, 2, 3, 8, 9, 15), "1–3, 8, 9, 15"),
])
def test_day_lists_read_as_a_coordinator_writes_them(days: tuple[int, ...], text: str) -> None:
    assert days_text(days) == text


@pytest.mark.parametrize(("role", "raise_", "answer", "sdv", "sign", "lock"), [
    (Role.ADMINISTRATOR, False, False, False, False, False),
    (Role.INVESTIGATOR, False, True, False, True, False),
    (Role.COORDINATOR, False, True, False, False, False),
    (Role.IMAGING_READER, False, False, False, False, False),
    (Role.STATISTICIAN, False, False, False, False, False),
    (Role.MONITOR, True, False, True, False, False),
    (Role.DATA_MANAGER, True, False, False, False, True),
])
def test_data_management_matrix(role: Role, raise_: bool, answer: bool, sdv: bool, sign: bool,
                                lock: bool) -> None:
    """Who raises and answers queries, verifies source, signs and locks (ICH E6(R3): the monitor
    verifies, the investigator signs, the site answers, the data manager locks)."""
    p = _who(s1=[role])
    assert p.can(Permission.QUERY_RAISE, 1) is raise_
    assert p.can(Permission.QUERY_ANSWER, 1) is answer
    assert p.can(Permission.SDV_MARK, 1) is sdv
    assert p.can(Permission.FORM_SIGN, 1) is sign
    assert p.can(Permission.FORM_LOCK, 1) is lock
