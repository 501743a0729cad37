"""The database's schema version against this version of dawna's, for a running server
(``web/schema_guard.py``; docs/deployment.md, "Upgrading")."""

from __future__ import annotations

from dawna.store.db import Database

__all__ = ["schema_versions"]


def schema_versions(db: Database) -> tuple[str, str] | None:
    """The database's Alembic revision and this version's last migration, or None when the
    revision cannot be read now (the database not reachable, not readable by this role) or
    none is recorded (a database not made by the migrations)."""
    from dawna.store.migrate import revisions

    found = revisions(db)
    if found is None or found[0] is None or found[1] is None:
        return None
    return found[0], found[1]
