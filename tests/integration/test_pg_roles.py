"""PostgreSQL roles (issue 19 item 2): after ``dawna db roles`` the application's role works the
trial (sites, users, participants, their audit records) but cannot UPDATE, DELETE or TRUNCATE
the audit trail, ALTER it, switch its triggers off, or skip them with
``session_replication_role``. PostgreSQL manual 5.7 "Privileges": ALTER TABLE and
DISABLE TRIGGER need ownership; GRANT INSERT, SELECT allows nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from helpers import two_site_trial
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dawna.errors import ValidationError
from dawna.store.db import Database
from dawna.store.pg_roles import create_roles

pytestmark = pytest.mark.postgres
PASSWORD = "app-role-password-for-tests"


@pytest.fixture
def roles(db_url: str) -> Iterator[tuple[str, str]]:
    """Two fresh role names, dropped afterwards with whatever they own or were granted."""
    tag = uuid.uuid4().hex[:8]
    owner, app = f"dawna_owner_{tag}", f"dawna_app_{tag}"
    yield owner, app
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for role in (owner, app):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.execute(text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
                conn.execute(text(f'DROP OWNED BY "{role}"'))
        for role in (owner, app):
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    engine.dispose()


def _as(db_url: str, role: str) -> str:
    return make_url(db_url).set(username=role, password=PASSWORD).render_as_string(
        hide_password=False)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_app_role_cannot_rewrite_or_unguard_the_audit_trail(
        db_url: str, roles: tuple[str, str]) -> None:
    owner, app = roles
    env = os.environ | {"DAWNA_DATABASE_URL": db_url, "DAWNA_ENV": "test",
                        "DAWNA_DB_APP_PASSWORD": PASSWORD, "DAWNA_DB_OWNER_PASSWORD": PASSWORD}
    done = subprocess.run([sys.executable, "-m", "dawna.cli", "db", "roles", "--owner", owner,
                           "--app", app], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert owner in done.stdout
    create_roles(db_url, owner, app, app_password=PASSWORD)  # a second run changes nothing

    # the application, as its own role, runs the trial and its audit records are written
    app_db = Database(_as(db_url, app))
    try:
        two_site_trial(app_db)
        with app_db.engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == app
            audited = conn.execute(text("SELECT count(*) FROM audit_record")).scalar()
            assert audited and audited > 0
            conn.execute(text("UPDATE site SET city = 'Beijing' WHERE code = 'SITEA'"))
            conn.rollback()
        refused = [
            "UPDATE audit_record SET reason = 'rewritten'",
            "DELETE FROM audit_record",
            "TRUNCATE audit_record",
            "ALTER TABLE audit_record DISABLE TRIGGER ALL",
            "ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_change",
            "ALTER TABLE audit_record DROP COLUMN reason",
            "DROP TRIGGER audit_record_no_change ON audit_record",
            "SET session_replication_role = replica",
            "CREATE TABLE intruder (id int)",
            "UPDATE alembic_version SET version_num = '0001'",
        ]
        for statement in refused:
            with app_db.engine.connect() as conn:
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner") as no:
                    conn.execute(text(statement))
                assert no.value.orig is not None, statement
    finally:
        app_db.dispose()

    # the tables belong to the owner, not to the superuser that ran the command
    engine = create_engine(db_url)
    with engine.connect() as conn:
        owners = set(conn.execute(text(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert owners == {owner}
    engine.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_role_names_are_checked(db_url: str) -> None:
    with pytest.raises(ValidationError) as bad:
        create_roles(db_url, 'owner"; DROP TABLE site; --', "dawna_app")
    assert bad.value.field == "owner"
    with pytest.raises(ValidationError) as same:
        create_roles(db_url, "dawna_x", "dawna_x")
    assert same.value.field == "app"
    with pytest.raises(ValidationError) as sqlite:
        create_roles("sqlite:///x.sqlite3", "dawna_x", "dawna_y")
    assert sqlite.value.field == "database_url"
