"""One unit of work per use case (cosmicpython ``service_layer/unit_of_work.py``).

``with UnitOfWork(db, actor, reason) as uow: ...; uow.commit()`` — anything not committed is
rolled back. The actor and reason travel on the session so the audit listener can write them.
A read is ``with UnitOfWork(db) as uow:`` (no actor, never committed). Shared reads go through
the repositories on it (``uow.participants``, ``uow.sites``).
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.store.audit import Actor
from dawna.store.conflicts import CONFLICTS, translate, versioned_pending, watch
from dawna.store.db import Database
from dawna.store.repositories import ParticipantRepository, SiteRepository

#: Longest reason kept in the audit trail (the forms' reason fields have the same maxlength).
REASON_MAX_LENGTH = 2000


def _check_reason(reason: str | None) -> None:
    if reason is not None and len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(_("at most {count} characters").format(count=REASON_MAX_LENGTH),
                              field="reason")


class UnitOfWork:
    def __init__(self, db: Database, actor: Actor | None = None, reason: str | None = None,
                 now: datetime | None = None) -> None:
        _check_reason(reason)
        self._db = db
        self.actor = actor
        self._reason = reason
        self._now = now
        self._committed = False
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    @property
    def participants(self) -> ParticipantRepository:
        return ParticipantRepository(self.session)

    @property
    def sites(self) -> SiteRepository:
        return SiteRepository(self.session)

    def __enter__(self) -> UnitOfWork:
        self._session = self._db.sessions()
        if self.actor is not None:
            watch(self._session)
        self._session.info["actor"] = self.actor
        self._session.info["reason"] = self._reason
        if self._now is not None:
            self._session.info["now"] = self._now
        return self

    def set_reason(self, reason: str) -> None:
        _check_reason(reason)
        self.session.info["reason"] = reason

    def commit(self) -> None:
        if self.actor is None:
            raise RuntimeError("a read-only unit of work (no actor) cannot commit")
        session = self.session
        refs = versioned_pending(session)
        try:
            session.commit()
        except CONFLICTS as exc:
            session.rollback()
            answer = translate(exc, self._db.sessions, refs)
            if answer is None:
                raise
            raise answer from exc
        self._committed = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session = self.session
        refs = versioned_pending(session) if isinstance(exc, CONFLICTS) else []
        try:
            # a read (no actor) is only closed: closing ends its transaction without writing,
            # and what it loaded stays readable after the block, as with a plain session
            if self.actor is not None and (not self._committed or exc_type is not None):
                session.rollback()
        finally:
            session.close()
            self._session = None
        if isinstance(exc, CONFLICTS):
            # a concurrent write surfaced inside the use case (a flush by a query): a 409; a
            # refused NOT NULL or CHECK value: a 422 (store/conflicts.py)
            answer = translate(exc, self._db.sessions, refs)
            if answer is not None:
                raise answer from exc
