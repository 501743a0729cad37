"""What the busiest pages compute, kept in this process until the data change (issue 23 item
4): a participant's treatment view (calendar, dose levels, decisions, blood counts due), their
laboratory results and adverse events, their course in the trial (events, consents, contacts),
the safety list and the dashboard's counts and work lists.

Key: what is built, the database, whose it is (a participant's id, or the sites a list covers),
the site's date and zone, the language, and the **data version**, read once per request (one row
or one statement):
- for a list (participants, dashboard, safety list): the audit chain's head (``results_cache``),
  which every change of trial data moves in its own transaction, so any write makes every
  list's entry unreachable;
- for what shows one participant's data only (their page, treatment page, treatment view,
  laboratory results, adverse events and course): :func:`participant_version`, where the chain
  stood after the last change of that participant's data and after the last change of data that
  is no single participant's (sites, users, consent form versions). Every commit that writes
  audit records moves these rows in the same transaction (``store/audit_chain.py``), each record
  counted for the participant of the row it changes (``store/audit.py`` ``_participant``: the
  row's ``participant_id``, or its adverse event's participant) or, when it names none, for all.
  So a change of one participant's data leaves the other participants' pages kept (a coordinator
  entering data no longer makes every page in every worker cold), while the changed
  participant's pages are built again on their next request.
Either way a page never shows data older than the last commit before its request that changed
what it shows. The data version is read *before* the data, so an entry can only hold data as
new as or newer than its key says, never older.

Access is never cached: callers check the user's right to the participant or list on every
request, then fill in what depends on the user (may they record, prescribe, edit) or on the time
(hours left on a 24-hour clock) after the lookup. Entries hold only trial data of the
participant or sites of their key, so two users share an entry only when their key is the same.

Bounded: the ``MAX_ENTRIES`` most recently used (a treatment view is some tens of kilobytes, a
rendered page 5-25 kB). The demo trial under load keeps about 500 (four data entries per
participant and two pages per participant and roles), about 900 after ``dawna serve``'s warm-up
(``services/page_warm.py``: the four data entries of all 80 randomized participants in both
languages, 640): 2048 leave room for several roles and a larger trial.
Per process (``dawna serve --workers N``: each worker keeps its own; none can serve another's).
Entries are shared between requests: callers never change what they get.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import bindparam, select

from dawna.config import Settings
from dawna.i18n import current_locale
from dawna.services.results_cache import data_version
from dawna.store.db import Database
from dawna.store.models import DataVersion, Participant
from dawna.store.uow import UnitOfWork

__all__ = ["MAX_ENTRIES", "WAIT_S", "Version", "cached", "clear", "participant_version", "size",
           "version", "waiting"]

MAX_ENTRIES = 2048
T = TypeVar("T")
Version = tuple[Hashable, ...]

_lock = threading.Lock()
_entries: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()


def version(db: Database, settings: Settings | None = None,
            participant: str | None = None) -> Version:
    """The part of every key that is not the entry's own: the database, its data version (read
    now, before the data), the language and the site's zone (``settings``: for what depends on
    the site's day). Read once per request. The data version is the audit chain's head (any
    change of data moves it), or for what shows one ``participant``'s data only (their page,
    treatment page and course: pseudonym given) :func:`participant_version`."""
    moved = data_version(db) if participant is None else participant_version(db, participant)
    return (db.url, moved, current_locale(), str(settings.zone) if settings is not None else "")


#: One statement: where the chain stood at the last change of the participant's data and at
#: the last change of data that is no single participant's (``DataVersion`` rows, None where
#: there is none yet).
_PARTICIPANT_VERSION = select(
    select(DataVersion.hash).where(DataVersion.scope == 0).scalar_subquery(),
    select(DataVersion.hash).join(Participant, Participant.id == DataVersion.scope)
    .where(Participant.pseudonym == bindparam("pseudonym")).scalar_subquery())


def participant_version(db: Database, pseudonym: str) -> tuple[Hashable, ...]:
    """The data version of what shows the data of the participant ``pseudonym`` only: the
    chain's hash after the last change of their data, and after the last change of data that is
    no single participant's (``store/models/audit.py`` ``DataVersion``, moved in the writing
    transaction by ``store/audit_chain.py``). A change of another participant's data leaves it
    as it is. The audit chain's head is not read."""
    with UnitOfWork(db) as uow:
        row = uow.session.execute(_PARTICIPANT_VERSION, {"pseudonym": pseudonym}).one()
        return ("participant", pseudonym, row[0], row[1])


class _Building:
    """An entry being built: the others asking for it wait for the one building it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.waiting = 0


#: how long a request waits for another's build of the same entry before building it itself
WAIT_S = 30.0
_building: dict[tuple[Hashable, ...], _Building] = {}


def cached(what: Hashable, at: Version, build: Callable[[], T]) -> T:
    """The value of ``what`` at data version ``at``, built by ``build()`` the first time (an
    exception is not kept). One request builds an entry; the others asking for the same entry
    meanwhile wait for it (after a change of data, or at start, every user's next page misses
    at once: 50 users opening the safety list built it 50 times over, issue 23 item 4). If that
    build fails, one of those waiting builds it; if it takes longer than ``WAIT_S``, each
    builds its own."""
    entry = (what, *at)
    with _lock:
        if entry in _entries:
            _entries.move_to_end(entry)
            return _entries[entry]  # type: ignore[return-value]
        other = _building.get(entry)
        if other is None:
            mine = _building[entry] = _Building()
        else:
            other.waiting += 1
    if other is not None:
        finished = other.done.wait(WAIT_S)
        with _lock:
            other.waiting -= 1
            if entry in _entries:
                _entries.move_to_end(entry)
                return _entries[entry]  # type: ignore[return-value]
        # that build failed (one of those waiting builds it now) or is slow (build our own)
        return cached(what, at, build) if finished else build()
    try:
        value = build()
        with _lock:
            _entries[entry] = value
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return value
    finally:
        with _lock:
            del _building[entry]
        mine.done.set()


def waiting() -> int:
    """How many requests wait for an entry another is building (tests)."""
    with _lock:
        return sum(b.waiting for b in _building.values())


def size() -> int:
    """How many entries are kept (tests)."""
    with _lock:
        return len(_entries)


def clear() -> None:
    """Forget every entry (benchmarks and tests; the key makes it unnecessary otherwise)."""
    with _lock:
        _entries.clear()
