"""The database's schema version against this process's, for a running server
(``web/schema_guard.py``; docs/deployment.md, "Upgrading")."""

from __future__ import annotations

import functools
import logging

from dawna.store.db import Database

__all__ = ["code_revision", "database_revision"]

log = logging.getLogger(__name__)


@functools.cache
def code_revision() -> str | None:
    """The last migration of the code this process loaded, read once: an upgrade that replaces
    the files on disk under a running server does not change what that server's code is."""
    from dawna.store.migrate import head_revision

    return head_revision()


def database_revision(db: Database) -> str | None:
    """The database's Alembic revision, or None when it cannot be read now (the database not
    reachable, not readable by this role, or no revision recorded: a database not made by the
    migrations)."""
    from dawna.store.migrate import current_revision

    try:
        return current_revision(db)
    except Exception:  # unreadable for any reason (an alembic error too): the request decides
        log.warning("the database's schema version could not be read", exc_info=True)
        return None
