"""Shared fixtures: fresh databases (SQLite file and PostgreSQL), settings, principals.

PostgreSQL: one migrated template database per run, then a fresh database per test created from
it and dropped afterwards. Unreachable PostgreSQL skips those tests locally but fails under
``CI=true``, where they must run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dawna.config import Settings, get_settings
from dawna.store.db import Database
from dawna.store.migrate import upgrade

#: ``flush_barrier`` (two requests at the same moment) for the concurrency tests.
pytest_plugins = ["races"]
# Password hashes in tests: Argon2id with the cheapest parameters (0.1 s less per user and login;
# the setting is refused in production, tests/unit/test_access_and_config.py). Set before any
# ``get_settings()`` and inherited by the command-line subprocesses.
os.environ.setdefault("DAWNA_PASSWORD_HASH_COST", "test")
get_settings.cache_clear()

PG_ADMIN = os.environ.get("DAWNA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_admin_conn():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    try:
        conn = _pg_admin_conn()
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN} under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN}: {exc}")
    name = f"dawna_tpl_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(_pg_url(name))
        yield name
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A SQLite file holding the simulated demo trial scaled to 32 participants, loaded once per
    test session; tests copy it."""
    from dawna import demo

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(env="test", database_url=f"sqlite:///{path}", secret_key="b" * 40)
    db = Database(settings.database_url)
    demo.load(db, settings, size=32)
    db.dispose()
    return path


def _fresh_pg(template: str) -> Iterator[str]:
    name = f"dawna_t_{uuid.uuid4().hex[:12]}"
    with _pg_admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        with _pg_admin_conn() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each kind."""
    if request.param == "sqlite":
        target = tmp_path / "dawna.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
    else:
        yield from _fresh_pg(request.getfixturevalue("pg_template"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for the web and CLI tests (storage itself is tested on both)."""
    target = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, target)
    database = Database(f"sqlite:///{target}")
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                    secret_key="t" * 40, lockout_failures=5, lockout_minutes=15)


# --- The two-site trial, copied from a template made once per test process -----------------
# helpers.two_site_trial (two sites, seven users) and, for modules marked ``list_live``, the
# randomization list generated and taken live: built once per worker and backend, then copied
# into each test's database (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL)
# instead of being written again through the services for every test (issue 23 item 6).

class _TrialTemplates:
    def __init__(self, request: pytest.FixtureRequest, root: Path) -> None:
        self._request = request
        self._root = root
        self._made: dict[tuple[str, str], str] = {}
        self._pg: list[str] = []

    def get(self, backend: str, stage: str) -> str:
        """The SQLite file path or the PostgreSQL database name of ``stage`` (``two_site`` or
        ``list_live``) on ``backend``."""
        key = (backend, stage)
        if key not in self._made:
            self._made[key] = self._build(backend, stage)
        return self._made[key]

    def _build(self, backend: str, stage: str) -> str:
        from helpers import SYSTEM, two_site_trial

        from dawna.services import randomization

        source = (self.get(backend, "two_site") if stage == "list_live" else
                  str(self._request.getfixturevalue(
                      "sqlite_template" if backend == "sqlite" else "pg_template")))
        if backend == "sqlite":
            target = str(self._root / f"{stage}.sqlite3")
            shutil.copy(source, target)
            url = f"sqlite:///{target}"
        else:
            target = f"dawna_tpl_{stage}_{uuid.uuid4().hex[:8]}"
            with _pg_admin_conn() as conn:
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            self._pg.append(target)
            url = _pg_url(target)
        db = Database(url)
        try:
            if stage == "two_site":
                two_site_trial(db)
            else:
                settings = Settings(env="test", database_url=url, secret_key="t" * 40)
                randomization.generate(db, settings, SYSTEM, "list for the test")
                randomization.go_live(db, SYSTEM, "go live for the test")
        finally:
            db.dispose()
        return target

    def copy_into(self, db: Database, stage: str) -> Database:
        """Replace the contents of ``db`` (a fresh test database) with the template ``stage``;
        the same object is returned, so fixtures and tests that hold it see the trial."""
        backend = "sqlite" if db.dialect == "sqlite" else "postgresql"
        template = self.get(backend, stage)
        db.dispose()
        name = db.engine.url.database or ""
        if backend == "sqlite":
            for suffix in ("-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
            shutil.copy(template, name)
        else:
            with _pg_admin_conn() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return db

    def close(self) -> None:
        if self._pg:
            with _pg_admin_conn() as conn:
                for name in self._pg:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def trial_templates(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[_TrialTemplates]:
    templates = _TrialTemplates(request, tmp_path_factory.mktemp("trial-templates"))
    yield templates
    templates.close()


@pytest.fixture
def trial(request: pytest.FixtureRequest, db: Database,
          trial_templates: _TrialTemplates) -> Database:
    """``db`` (SQLite and PostgreSQL) holding helpers.two_site_trial; in a module marked
    ``pytestmark = pytest.mark.list_live`` also the randomization list, generated and live
    (``randomization.generate`` and ``go_live`` by helpers.SYSTEM)."""
    live = request.node.get_closest_marker("list_live") is not None
    return trial_templates.copy_into(db, "list_live" if live else "two_site")
