"""What the busiest pages compute, kept in this process until the data change (issue 23 item
4): a participant's treatment view (calendar, dose levels, decisions, blood counts due), their
laboratory results and adverse events, their course in the trial (events, consents, contacts),
the safety list and the dashboard's counts and work lists.

Key: what is built, the database, whose it is (a participant's id, or the sites a list covers),
the site's date and zone, the language, and the **data version** of ``results_cache``: the audit
chain's head, which every change of trial data moves in its own transaction (one row read per
request). Any write therefore makes every entry unreachable: a page never shows data older than
the last commit before its request. The data version is read *before* the data, so an entry can
only hold data as new as or newer than its key says, never older.

Access is never cached: callers check the user's right to the participant or list on every
request, then fill in what depends on the user (may they record, prescribe, edit) or on the time
(hours left on a 24-hour clock) after the lookup. Entries hold only trial data of the
participant or sites of their key, so two users share an entry only when their key is the same.

Bounded: the ``MAX_ENTRIES`` most recently used (a treatment view is some tens of kilobytes, a
rendered page 5-25 kB). The demo trial under load keeps about 500 (four data entries per
participant and two pages per participant and roles): 2048 leave room for several roles and a
larger trial.
Per process (``dawna serve --workers N``: each worker keeps its own; none can serve another's).
Entries are shared between requests: callers never change what they get.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from dawna.config import Settings
from dawna.i18n import current_locale
from dawna.services.results_cache import data_version
from dawna.store.db import Database

__all__ = ["MAX_ENTRIES", "Version", "cached", "clear", "size", "version"]

MAX_ENTRIES = 2048
T = TypeVar("T")
Version = tuple[Hashable, ...]

_lock = threading.Lock()
_entries: OrderedDict[tuple[Hashable, ...], object] = OrderedDict()


def version(db: Database, settings: Settings | None = None) -> Version:
    """The part of every key that is not the entry's own: the database, its data version (read
    now, before the data), the language and the site's zone (``settings``: for what depends on
    the site's day). Read once per request."""
    return (db.url, data_version(db), current_locale(),
            str(settings.zone) if settings is not None else "")


def cached(what: Hashable, at: Version, build: Callable[[], T]) -> T:
    """The value of ``what`` at data version ``at``, built by ``build()`` the first time (an
    exception is not kept). Two requests may build the same entry at once; both are right."""
    entry = (what, *at)
    with _lock:
        if entry in _entries:
            _entries.move_to_end(entry)
            return _entries[entry]  # type: ignore[return-value]
    value = build()
    with _lock:
        _entries[entry] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def size() -> int:
    """How many entries are kept (tests)."""
    with _lock:
        return len(_entries)


def clear() -> None:
    """Forget every entry (benchmarks and tests; the key makes it unnecessary otherwise)."""
    with _lock:
        _entries.clear()
