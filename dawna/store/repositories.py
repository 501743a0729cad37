"""Repositories on the unit of work: the reads services share, named as the trial team says them.

``uow.participants.visible(pseudonym, site_ids)`` is the one place that scopes a participant to
the sites a user may see; services turn ``None`` into their own ``NotFound``.
``ParticipantReads``, ``SiteReads`` and ``ReadUnit`` are what a service needs of them, so an
in-memory unit of work (``tests/fakes.py``) can stand in for the database.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from dawna.store.models import Participant, Site

__all__ = ["ParticipantReads", "ParticipantRepository", "ReadUnit", "SiteReads",
           "SiteRepository"]


class ParticipantReads(Protocol):
    def visible(self, pseudonym: str, site_ids: Collection[int],
                for_update: bool = False) -> Participant | None: ...

    def search(self, site_ids: Collection[int], site_code: str | None = None,
               term: str = "") -> list[Participant]: ...

    def at_sites(self, site_ids: Collection[int]) -> list[Participant]: ...


class SiteReads(Protocol):
    def by_ids(self, site_ids: Collection[int]) -> list[Site]: ...

    def by_code(self, code: str) -> Site | None: ...


class ReadUnit(Protocol):
    """What a read needs of a unit of work: its repositories."""

    @property
    def participants(self) -> ParticipantReads: ...

    @property
    def sites(self) -> SiteReads: ...


_VISIBLE_QUERY = select(Participant).where(
    Participant.pseudonym == bindparam("pseudonym"),
    Participant.site_id.in_(bindparam("sites", expanding=True)))
#: built once per process (every request about one participant runs one; issue 23 item 3)
_VISIBLE = {False: _VISIBLE_QUERY, True: _VISIBLE_QUERY.with_for_update(of=Participant)}


class ParticipantRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def visible(self, pseudonym: str, site_ids: Collection[int],
                for_update: bool = False) -> Participant | None:
        """The participant ``pseudonym`` if it belongs to one of ``site_ids``, else None; with
        ``for_update`` its row is locked until the transaction ends (PostgreSQL
        ``SELECT ... FOR UPDATE``; SQLite has one writer at a time anyway)."""
        return self._session.scalars(_VISIBLE[for_update], {
            "pseudonym": pseudonym, "sites": list(site_ids)}).one_or_none()

    def search(self, site_ids: Collection[int], site_code: str | None = None,
               term: str = "") -> list[Participant]:
        """Participants at ``site_ids`` (one site by code if given) whose pseudonym or screening
        number contains ``term`` (any case), by site and screening number."""
        query = select(Participant).join(Site).where(Participant.site_id.in_(list(site_ids)))
        if site_code:
            query = query.where(Site.code == site_code)
        if term:
            # % and _ are the user's characters, not wildcards (escaped; issue 19 item 9)
            like = term.upper()
            query = query.where(
                func.upper(Participant.pseudonym).contains(like, autoescape=True)
                | func.upper(Participant.screening_number).contains(like, autoescape=True)
            )
        return list(self._session.scalars(
            query.order_by(Site.code, Participant.screening_number)).all())

    def at_sites(self, site_ids: Collection[int]) -> list[Participant]:
        return list(self._session.scalars(
            select(Participant).where(Participant.site_id.in_(list(site_ids)))
            .order_by(Participant.id)).all())


class SiteRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def by_ids(self, site_ids: Collection[int]) -> list[Site]:
        return list(self._session.scalars(
            select(Site).where(Site.id.in_(list(site_ids))).order_by(Site.code)).all())

    def by_code(self, code: str) -> Site | None:
        return self._session.scalars(select(Site).where(Site.code == code)).one_or_none()
