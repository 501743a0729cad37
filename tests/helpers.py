"""Small builders shared by tests: a two-site trial with one user per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from dawna.services import admin
from dawna.services.schemas import SiteCreate, UserCreate
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import Role

SYSTEM = Actor(user_id=None, username="test:setup")
PASSWORD = "correct-horse-battery"
#: The day the tests' demo trial stands at (tests/conftest.py ``demo_template``): it is
#: simulated up to the end of this day, and the modules reading it run on its evening
#: (:func:`on_demo_day`), so what they see does not change with the day the suite runs.
DEMO_AS_OF = date(2026, 11, 30)
#: When the clock of :func:`on_demo_day` starts: an hour after the demo's last event (20:00 at
#: the site, dawna/demo/loader.py), three hours before the site's midnight.
DEMO_EVENING = datetime.combine(DEMO_AS_OF, time(21), tzinfo=ZoneInfo("Asia/Shanghai"))


@contextmanager
def on_demo_day() -> Iterator[None]:
    """Within the block dawna's clock (``dawna.clock.utcnow``, so ``local_today`` and every
    "not in the future" check) starts at :data:`DEMO_EVENING` and runs on with the real time, in
    every thread (the browser modules serve the application in one)."""
    import dawna.clock as clock

    offset: timedelta = datetime.now(UTC) - DEMO_EVENING.astimezone(UTC)
    real = clock.datetime

    class _OnDemoDay(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return real.now(tz) - offset

    clock.datetime = _OnDemoDay  # type: ignore[misc]
    try:
        yield
    finally:
        clock.datetime = real  # type: ignore[misc]

USERS = {
    "coord_a": [("SITEA", Role.COORDINATOR)],
    "coord_b": [("SITEB", Role.COORDINATOR)],
    "inv_a": [("SITEA", Role.INVESTIGATOR)],
    "reader_a": [("SITEA", Role.IMAGING_READER)],
    "stat_ab": [("SITEA", Role.STATISTICIAN), ("SITEB", Role.STATISTICIAN)],
    "monitor_a": [("SITEA", Role.MONITOR)],
    "admin_ab": [("SITEA", Role.ADMINISTRATOR), ("SITEB", Role.ADMINISTRATOR)],
}


def two_site_trial(db: Database) -> None:
    for code in ("SITEA", "SITEB"):
        admin.create_site(db, SYSTEM, SiteCreate(code=code, name=f"Hospital {code}"), "test set-up")
    for username, grants in USERS.items():
        admin.create_user(db, SYSTEM, UserCreate(username=username, display_name=username,
                                                 password=PASSWORD), "test set-up")
        for site, role in grants:
            admin.grant_role(db, SYSTEM, username, site, role, "test set-up")


def principal(db: Database, username: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from dawna.services.auth import principal_of
    from dawna.store.models import User

    with db.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return principal_of(user)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def demo_logins(database_url: str, secret: str) -> Iterator[Callable[[str], TestClient]]:
    """``make(username)``: a web client of the app on ``database_url`` logged in as that demo
    user (password dawna-demo-2026), one per user, closed at the end (``yield from`` it in a
    module-scoped fixture)."""
    from dawna.config import Settings
    from dawna.web.app import create_app

    settings = Settings(env="test", database_url=database_url, secret_key=secret * 40)
    clients: dict[str, TestClient] = {}

    def make(username: str) -> TestClient:
        if username not in clients:
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            token = csrf_of(client.get("/login").text)
            answer = client.post("/login", data={"username": username,
                                                 "password": "dawna-demo-2026",
                                                 "csrf_token": token}, follow_redirects=False)
            assert answer.status_code == 303, answer.text
            clients[username] = client
        return clients[username]

    yield make
    for c in clients.values():
        c.close()
