"""Concurrent writes become :class:`dawna.errors.ConflictError` (HTTP 409), never a server error.

Optimistic locking (SQLAlchemy ``version_id_col``): an ``UPDATE ... WHERE version = :read`` that
matches no row means someone else saved the row first (``StaleDataError``); a unique violation
(a concurrent insert of the same key) means the same thing, and so does a foreign key violation:
every service loads the rows it links to before writing, so a missing parent at commit was
deleted at the same moment, and a parent still referenced cannot be deleted. The unit of work
turns these into a conflict that names the row's current version, read afresh after the
rollback, so the client can reload and enter its change again.

Not conflicts (issue 19): a NOT NULL or CHECK violation is a value the service should have
refused; it becomes a :class:`~dawna.errors.ValidationError` (422) naming the column, and is
logged as the validation gap it is. Any other integrity error (an append-only trigger refusing
a change) stays what it is, a server error logged with its traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from dawna.errors import ConflictError, DawnaError, ValidationError
from dawna.i18n import _

__all__ = ["CONFLICTS", "VersionedRef", "conflict_error", "integrity_kind", "remember_versioned",
           "translate", "versioned_pending", "watch"]

log = logging.getLogger("dawna.store")

#: The database errors that may mean "someone else wrote at the same moment" (:func:`translate`
#: tells which do).
CONFLICTS: tuple[type[Exception], ...] = (StaleDataError, IntegrityError)

#: PostgreSQL SQLSTATE (Appendix A, class 23) and SQLite extended result codes, by kind.
_PG_KINDS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}
_SQLITE_KINDS = {"SQLITE_CONSTRAINT_UNIQUE": "unique", "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
                 "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
                 "SQLITE_CONSTRAINT_NOTNULL": "not_null", "SQLITE_CONSTRAINT_CHECK": "check"}
_SQLITE_NAMED = re.compile(r"constraint failed: (?:\w+\.)?(\w+)")


def integrity_kind(exc: IntegrityError) -> str:
    """``unique``, ``foreign_key``, ``not_null``, ``check`` or ``other``."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return _PG_KINDS.get(sqlstate, "other")
    return _SQLITE_KINDS.get(getattr(orig, "sqlite_errorname", ""), "other")


def _named(exc: IntegrityError, kind: str) -> str | None:
    """The column (NOT NULL) or constraint (CHECK) the database names."""
    diag = getattr(exc.orig, "diag", None)
    if diag is not None:
        name = diag.column_name if kind == "not_null" else diag.constraint_name
        return str(name) if name else None
    match = _SQLITE_NAMED.search(str(exc.orig))
    return match.group(1) if match else None


def translate(exc: Exception, sessions: sessionmaker[Session],
              refs: list[VersionedRef]) -> DawnaError | None:
    """The answer for a database error raised by a unit of work: a conflict (409), a refused
    value (422), or None when it is neither (the caller re-raises it: a logged server error)."""
    if isinstance(exc, StaleDataError):
        return conflict_error(exc, sessions, refs)
    if not isinstance(exc, IntegrityError):
        return None
    kind = integrity_kind(exc)
    if kind in ("unique", "foreign_key"):
        return conflict_error(exc, sessions, refs)
    if kind in ("not_null", "check"):
        name = _named(exc, kind) or "record"
        log.error("a %s constraint refused a value the service let through (%s): %s", kind,
                  name, exc.orig)
        message = (_("a value is required") if kind == "not_null"
                   else _("this value is not accepted (rule {rule})").format(rule=name))
        return ValidationError(message, field=name)
    return None

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
