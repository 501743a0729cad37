"""Alembic, driven from code: ``dawna db upgrade`` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from dawna.store.db import Database, normalise_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head", role: str | None = None) -> None:
    """Migrate to ``revision``; with ``role`` (PostgreSQL) the migrations run after
    ``SET ROLE``, so what they create belongs to that role (``dawna db roles``)."""
    cfg = alembic_config(url)
    if role:
        cfg.attributes["role"] = role
    command.upgrade(cfg, revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def revisions(db: Database) -> tuple[str | None, str | None] | None:
    """The database's schema revision and this version's last one, or None when it cannot be
    read now (the database not reachable, or its revision not readable)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        current = current_revision(db)
    except SQLAlchemyError:  # not reachable, or not readable by this role
        return None
    return current, head_revision()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
