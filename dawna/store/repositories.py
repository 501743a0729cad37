"""Repositories on the unit of work: the reads services share, named as the trial team says them.

``uow.participants.visible(pseudonym, site_ids)`` is the one place that scopes a participant to
the sites a user may see; services turn ``None`` into their own ``NotFound``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.store.models import Participant, Site

__all__ = ["ParticipantRepository", "SiteRepository"]


class ParticipantRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def visible(self, pseudonym: str, site_ids: Collection[int]) -> Participant | None:
        """The participant ``pseudonym`` if it belongs to one of ``site_ids``, else None."""
        return self._session.scalars(
            select(Participant).where(Participant.pseudonym == pseudonym,
                                      Participant.site_id.in_(list(site_ids)))
        ).one_or_none()

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
