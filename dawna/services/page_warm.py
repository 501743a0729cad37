"""The kept data of the participants' pages built when a server worker starts (issue 23 item 4),
not by the first users who open them.

A worker that has just started keeps nothing (``services/page_cache.py``): every participant
and treatment page it is asked for first is built from the database, about 20-30 ms of CPU each
where a kept one takes 3-5 ms. When many users arrive at once after a start (the morning's
first round of the site team, or the 50-user benchmark), each asks for a different participant
and all of them wait behind one another's builds: the treatment page's p95 was over 1 s in the
first rounds of the benchmark, against about 350 ms once the pages had been seen
(``bench/README.md``, 2026-12-07 20:11 UTC).

:func:`warm` builds, for every randomized participant, what those two pages keep per
participant: the treatment view, the laboratory results, the adverse events and the course,
under the same keys as a request builds them (the same functions: ``kept_page_data`` and
``kept_course``; ``page_cache.version`` read before the data; the site's day and zone; each
language dawna has, the site's default first). What depends on the user (their rights, their
name, the page as rendered for their roles) is still done per request. Nothing is built that a
request would not build, and an entry is never older than its key says: a change of a
participant's data after the warm-up moves that participant's version, as after any build.

``dawna serve`` runs it in a background thread of each worker as it starts
(``DAWNA_WARM_PAGES=1``, ``web/app.py``); a request meanwhile is served as without it (it builds
what it needs, or waits for the warm-up's build of the same entry, ``page_cache.cached``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from dawna.config import Settings
from dawna.i18n import LOCALES, use_locale
from dawna.services import page_cache
from dawna.services.follow_up import courses_of, kept_course
from dawna.services.treatment.views import kept_page_data, page_rows
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["CHUNK", "Warmed", "languages", "warm"]


@dataclass(frozen=True)
class Warmed:
    """What a warm-up built: participants, languages, entries newly kept, and its seconds."""

    participants: int
    languages: tuple[str, ...]
    built: int
    seconds: float


def languages(settings: Settings) -> tuple[str, ...]:
    """Every language dawna has a catalogue for, the site's default first (users who chose
    none and browsers that ask for none read it; the others come from a user's choice or a
    browser's Accept-Language, which the server cannot know ahead)."""
    return (settings.default_locale,
            *sorted(locale for locale in LOCALES if locale != settings.default_locale))


#: participants read at once (the calendars, results, adverse events and courses of a chunk
#: in eleven statements, instead of about a dozen per participant)
CHUNK = 100


def warm(db: Database, settings: Settings, locales: tuple[str, ...] | None = None) -> Warmed:
    """Build and keep every randomized participant's treatment view, laboratory results,
    adverse events and course, in each of ``locales`` (default: :func:`languages`), as the
    participant's page and treatment page would on their first request."""
    start = time.monotonic()
    locales = locales if locales is not None else languages(settings)
    with UnitOfWork(db) as uow:
        people = [(row.id, row.pseudonym) for row in uow.session.execute(
            select(Participant.id, Participant.pseudonym).join(
                Allocation, Allocation.participant_id == Participant.id)
            .order_by(Participant.id))]
    before = page_cache.size()
    for locale in locales:
        with use_locale(locale):
            for first in range(0, len(people), CHUNK):
                _chunk(db, settings, people[first:first + CHUNK])
    return Warmed(participants=len(people), languages=tuple(locales),
                  built=page_cache.size() - before, seconds=round(time.monotonic() - start, 2))


def _chunk(db: Database, settings: Settings, chunk: list[tuple[int, str]]) -> None:
    """The kept data of the participants of ``chunk`` (id, pseudonym), as
    ``treatment.treatment_page`` and ``follow_up.course`` key and build them: each one's data
    version read first, as a request reads it, then their rows for all of them at once."""
    at = {pid: page_cache.version(db, settings, pseudonym) for pid, pseudonym in chunk}
    with UnitOfWork(db) as uow:
        s = uow.session
        people = list(s.scalars(select(Participant).where(Participant.id.in_(list(at)))
                                .order_by(Participant.id)))  # one deleted since: left out
        read = page_rows(s, [p.id for p in people])
        courses = courses_of(s, people)
        for p in people:
            kept_page_data(s, settings, p, at[p.id], read)
            kept_course(s, p, at[p.id], courses[p.id])
