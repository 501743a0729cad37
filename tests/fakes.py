"""An in-memory unit of work for service tests that are about a rule, not about SQL.

``FakeUnitOfWork`` offers the repositories of ``dawna.store.uow.UnitOfWork`` (``participants``,
``sites``; the protocols of ``dawna.store.repositories``) over lists of transient ORM objects,
and the same ``with`` / ``commit`` contract: a unit without an actor is read-only. It has no
session: a service that needs SQL beyond the repositories is tested on a real database
(tests/integration).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime
from types import TracebackType

from dawna.store.audit import Actor
from dawna.store.models import Participant, ParticipantIdentity, ParticipantStatus, Site


class FakeParticipantRepository:
    def __init__(self, rows: list[Participant]) -> None:
        self.rows = rows

    def visible(self, pseudonym: str, site_ids: Collection[int],
                for_update: bool = False) -> Participant | None:  # in memory: nothing to lock
        return next((p for p in self.rows
                     if p.pseudonym == pseudonym and p.site_id in set(site_ids)), None)

    def search(self, site_ids: Collection[int], site_code: str | None = None,
               term: str = "") -> list[Participant]:
        found = [p for p in self.rows if p.site_id in set(site_ids)
                 and (not site_code or p.site.code == site_code)
                 and (not term or term.upper() in p.pseudonym.upper()
                      or term.upper() in p.screening_number.upper())]
        return sorted(found, key=lambda p: (p.site.code, p.screening_number))

    def at_sites(self, site_ids: Collection[int]) -> list[Participant]:
        return sorted((p for p in self.rows if p.site_id in set(site_ids)), key=lambda p: p.id)


class FakeSiteRepository:
    def __init__(self, rows: list[Site]) -> None:
        self.rows = rows

    def by_ids(self, site_ids: Collection[int]) -> list[Site]:
        return sorted((s for s in self.rows if s.id in set(site_ids)), key=lambda s: s.code)

    def by_code(self, code: str) -> Site | None:
        return next((s for s in self.rows if s.code == code), None)


class FakeUnitOfWork:
    """``with FakeUnitOfWork(sites, participants) as uow: ...``; ``committed`` tells whether
    the service committed."""

    def __init__(self, sites: Iterable[Site] = (), participants: Iterable[Participant] = (),
                 actor: Actor | None = None) -> None:
        self.actor = actor
        self.participants = FakeParticipantRepository(list(participants))
        self.sites = FakeSiteRepository(list(sites))
        self.committed = False
        self.entered = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.entered += 1
        return self

    def commit(self) -> None:
        if self.actor is None:
            raise RuntimeError("a read-only unit of work (no actor) cannot commit")
        self.committed = True

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None


def site(site_id: int, code: str, name: str = "") -> Site:
    return Site(id=site_id, code=code, name=name or f"Hospital {code}")


def participant(participant_id: int, at: Site, number: int, pseudonym: str,
                status: ParticipantStatus = ParticipantStatus.PRE_SCREENING,
                consent_date: date | None = None,
                identity: ParticipantIdentity | None = None) -> Participant:
    """A transient participant at site ``at`` (screening number ``<site>-S<number>``)."""
    p = Participant(id=participant_id, site_id=at.id, pseudonym=pseudonym,
                    screening_number=f"{at.code}-S{number:03d}", status=status,
                    consent_date=consent_date,
                    created_at=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    p.site = at
    p.identity = identity
    return p
