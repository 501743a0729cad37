"""PostgreSQL roles (issue 19 item 2): the schema belongs to an owner role that runs the
migrations; the application connects as a role that may read and write trial data but may only
INSERT and SELECT the audit trail, so it can neither rewrite it (UPDATE, DELETE, TRUNCATE) nor
switch its append-only triggers off (ALTER TABLE needs ownership) nor skip them
(``session_replication_role`` needs a superuser). 21 CFR Part 11 section 11.10(e): audit
trails that operators cannot alter; PostgreSQL manual, "Privileges" (5.7) and GRANT.

Run as a superuser on the trial's database (``DAWNA_DATABASE_URL``); it is idempotent, so run it
again after every upgrade (it runs the migrations itself, as the owner).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.store.db import make_engine, normalise_url

__all__ = ["APPEND_ONLY", "READ_ONLY", "RolesResult", "create_roles"]

#: Tables the application may only INSERT into and SELECT from.
APPEND_ONLY = ("audit_record", "login_event", "protocol_version", "query_message")
#: Tables the application may only read (the migration state belongs to the owner).
READ_ONLY = ("alembic_version",)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class RolesResult:
    database: str
    owner: str
    app: str
    tables: int


def _check_name(value: str, field: str) -> str:
    if not _NAME.match(value or ""):
        raise ValidationError(_("a role name is lower-case letters, digits and _ (at most 63), "
                                "starting with a letter or _"), field=field)
    return value


def _ensure_role(conn: Connection, name: str, password: str | None, field: str) -> None:
    q = conn.dialect.identifier_preparer.quote(name)
    row = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"),
                       {"n": name}).first()
    if row is None:
        conn.execute(text(f"CREATE ROLE {q} LOGIN"))
    elif row[0]:
        raise ValidationError(_("role %(role)s is a superuser; choose a role without "
                              "superuser rights") % {"role": name}, field=field)
    conn.execute(text(f"ALTER ROLE {q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"))
    if password:
        literal = "'" + password.replace("'", "''") + "'"
        conn.execute(text(f"ALTER ROLE {q} PASSWORD {literal}"))


def _give_to_owner(conn: Connection, database: str, owner: str) -> int:
    """The database, schema ``public`` and everything in it belong to the owner."""
    q = conn.dialect.identifier_preparer.quote
    conn.execute(text(f"ALTER DATABASE {q(database)} OWNER TO {q(owner)}"))
    conn.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {q(owner)}"))
    conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    tables = conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
    for table in tables:
        conn.execute(text(f"ALTER TABLE public.{q(table)} OWNER TO {q(owner)}"))
    sequences = conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))")).scalars().all()
    for sequence in sequences:
        conn.execute(text(f"ALTER SEQUENCE public.{q(sequence)} OWNER TO {q(owner)}"))
    functions = conn.execute(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = 'public'")).scalars().all()
    for function in functions:
        conn.execute(text(f"ALTER FUNCTION {function} OWNER TO {q(owner)}"))
    return len(tables)


def _grant_to_app(conn: Connection, database: str, owner: str, app: str) -> None:
    q = conn.dialect.identifier_preparer.quote
    a, o = q(app), q(owner)
    for statement in (
        f"GRANT CONNECT ON DATABASE {q(database)} TO {a}",
        f"GRANT USAGE ON SCHEMA public TO {a}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ):
        conn.execute(text(statement))
    present = set(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    for table in APPEND_ONLY:
        if table in present:
            conn.execute(text(f"REVOKE ALL ON public.{q(table)} FROM {a}"))
            conn.execute(text(f"GRANT SELECT, INSERT ON public.{q(table)} TO {a}"))
    for table in READ_ONLY:
        if table in present:
            conn.execute(text(f"REVOKE ALL ON public.{q(table)} FROM {a}"))
            conn.execute(text(f"GRANT SELECT ON public.{q(table)} TO {a}"))


def create_roles(url: str, owner: str, app: str, owner_password: str | None = None,
                 app_password: str | None = None) -> RolesResult:
    """Create or update the owner and application roles on the database of ``url`` (connected
    as a superuser), run the migrations as the owner, then grant the application its rights."""
    from dawna.store.migrate import upgrade

    _check_name(owner, "owner")
    _check_name(app, "app")
    if owner == app:
        raise ValidationError(_("the owner and the application need two different roles"),
                              field="app")
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError(_("database roles exist only on PostgreSQL"), field="database_url")
    database = str(parsed.database)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _ensure_role(conn, owner, owner_password, "owner")
            _ensure_role(conn, app, app_password, "app")
            _give_to_owner(conn, database, owner)
        upgrade(url, role=owner)
        with engine.begin() as conn:
            tables = _give_to_owner(conn, database, owner)
            _grant_to_app(conn, database, owner, app)
    finally:
        engine.dispose()
    return RolesResult(database=database, owner=owner, app=app, tables=tables)
