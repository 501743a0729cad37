"""Concurrent writes become :class:`dawna.errors.ConflictError` (HTTP 409), never a server error.

Optimistic locking (SQLAlchemy ``version_id_col``): an ``UPDATE ... WHERE version = :read`` that
matches no row means someone else saved the row first (``StaleDataError``); a unique or foreign
key violation raised by a concurrent insert (``IntegrityError``) means the same thing. The unit
of work turns both into a conflict that names the row's current version, read afresh after the
rollback, so the client can reload and enter its change again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dawna.errors import ConflictError
from dawna.i18n import _

__all__ = ["CONFLICTS", "VersionedRef", "conflict_error", "remember_versioned", "versioned_pending",
           "watch"]

#: The database errors that mean "someone else wrote at the same moment".
CONFLICTS: tuple[type[Exception], ...] = (StaleDataError, IntegrityError)

#: A versioned row touched by the failed transaction: (class, primary key, label).
VersionedRef = tuple[type[Any], tuple[Any, ...], str]


def remember_versioned(session: Session, *_: Any) -> None:
    """``before_flush`` listener: note the versioned rows this flush will update or delete
    (with the version read), so a failed flush can name them after the rollback."""
    seen: dict[tuple[type[Any], tuple[Any, ...]], VersionedRef] = session.info.setdefault(
        "versioned", {})
    for obj in list(session.dirty) + list(session.deleted):
        state = inspect(obj)
        mapper = state.mapper
        if mapper.version_id_col is None or state.identity is None:
            continue
        key = (mapper.class_, tuple(state.identity))
        seen.setdefault(key, (mapper.class_, tuple(state.identity), mapper.local_table.name))


def watch(session: Session) -> None:
    """Remember the versioned rows each flush of ``session`` touches."""
    event.listen(session, "before_flush", remember_versioned)


def versioned_pending(session: Session) -> list[VersionedRef]:
    """The versioned rows the session was changing (read before the rollback forgets them)."""
    remember_versioned(session)
    return list(session.info.get("versioned", {}).values())


def _current_versions(sessions: sessionmaker[Session],
                      refs: list[VersionedRef]) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    with sessions() as fresh:
        for cls, ident, label in refs:
            row = fresh.get(cls, ident)
            version = getattr(row, "version", None) if row is not None else None
            out.append((label, version))
    return out


def conflict_error(exc: Exception, sessions: sessionmaker[Session],
                   refs: list[VersionedRef]) -> ConflictError:
    """The 409 for a concurrent write: with the current version of the row when one is known."""
    versions = [(label, v) for label, v in _current_versions(sessions, refs) if v is not None]
    if isinstance(exc, StaleDataError) or versions:
        if versions:
            label, version = versions[0]
            return ConflictError(
                _("this record (%(table)s) was changed by someone else at the same moment; it is "
                  "now at version %(version)s: reload and enter your change again")
                % {"table": label, "version": version}, field="version")
        return ConflictError(_("this record was changed or deleted by someone else at the same "
                               "moment; reload and enter your change again"), field="version")
    return ConflictError(_("someone else saved the same record at the same moment; nothing was "
                           "saved: reload and try again"), field="record")
