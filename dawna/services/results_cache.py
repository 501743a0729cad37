"""The trial's results computed once and reused until the data change (issue 23 item 1): the
analysis data sets, the report and the time-to-event summaries of a data cut, kept in this
process.

Key: what is built (and its options), the database, the data cut-off (a freeze resolves to its
own), the reader's roles at each site (the scope: who sees which participants and arms), the
language, the site's zone, and the **data version**: the audit trail's head (``store/audit.py``,
``store/audit_chain.py``: every change of trial data writes an audit record in the same
transaction and moves the chain's head, so the head's last record id and hash change with any
change of data). A change of data, scope or language is a new key: nothing is ever invalidated
by hand, an old entry simply falls out.

Bounded: the ``MAX_ENTRIES`` most recently used entries (a report with its figures is about a
megabyte). Safe across threads: one lock guards the table, and the build of a key runs once at a
time: requests for a key being built wait for it rather than building it again. Several worker
processes (``dawna serve --workers N``) each hold their own cache, so each builds a cut once;
they never share an entry, and none can serve another's stale one (each reads the data version
itself on every request).

Garbage collection: a cold build allocates a few million objects on a heap of about half a
million that live as long as the process (pandas, matplotlib and scipy, imported by the first
build), and Python's cyclic garbage collector walked them all in each full collection it
triggered, one to three per build (0.2-0.8 s of a 2-3 s build, issue 23). So once the first
build is done, the objects alive then are moved out of the collector's reach (``gc.freeze``,
after one full collection so that no garbage is kept), and the collector pauses while a build
runs (``gc.disable`` until the last build running in the process ends: a counter, builds
nest and run in several threads) and collects the build's garbage afterwards as usual.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select

from dawna.config import Settings
from dawna.i18n import current_locale
from dawna.services.access import Principal
from dawna.store.audit_chain import HEAD_ID
from dawna.store.db import Database
from dawna.store.models import AuditChainHead, AuditRecord
from dawna.store.uow import UnitOfWork

__all__ = ["MAX_ENTRIES", "Key", "cached", "clear", "data_version", "is_cached", "key"]

MAX_ENTRIES = 12
T = TypeVar("T")
Key = tuple[Hashable, ...]

_lock = threading.Lock()
_entries: OrderedDict[Key, object] = OrderedDict()
_building: dict[Key, threading.Lock] = {}
_heap_settled = False
_builds_running = 0
_collector_was_enabled = True


def data_version(db: Database) -> tuple[int | None, str]:
    """The audit chain's head: the id and hash of the last audit record (one row read), or the
    newest record's id in a database whose head row does not exist yet."""
    with UnitOfWork(db) as uow:
        head = uow.session.execute(select(AuditChainHead.last_id, AuditChainHead.hash)
                                   .where(AuditChainHead.id == HEAD_ID)).first()
        if head is not None:
            return head.last_id, head.hash
        return uow.session.scalar(select(func.max(AuditRecord.id))), ""


def key(what: Hashable, db: Database, settings: Settings, principal: Principal,
        cutoff: date) -> Key:
    """The entry of ``what`` (a name and its options) for this reader, cut and data version."""
    scope = tuple(sorted((site, tuple(sorted(role.value for role in roles)))
                         for site, roles in principal.roles.items()))
    return (what, db.url, cutoff.isoformat(), scope, current_locale(), str(settings.zone),
            data_version(db))


def is_cached(entry: Key) -> bool:
    """Whether ``entry`` is built (a page then shows it at once instead of a placeholder)."""
    with _lock:
        return entry in _entries


def cached(entry: Key, build: Callable[[], T]) -> T:
    """The value kept under ``entry``, built by ``build()`` the first time; an exception is
    not kept (the next request builds again)."""
    with _lock:
        if entry in _entries:
            _entries.move_to_end(entry)
            return _entries[entry]  # type: ignore[return-value]
        building = _building.setdefault(entry, threading.Lock())
    with building:  # one build per key; the others wait for it
        with _lock:
            if entry in _entries:
                _entries.move_to_end(entry)
                return _entries[entry]  # type: ignore[return-value]
        try:
            with _collector_paused():
                value = build()
        except BaseException:
            with _lock:
                _building.pop(entry, None)
            raise
        with _lock:
            _entries[entry] = value
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
            _building.pop(entry, None)
        _settle_heap()
        return value


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while any build runs in the process (see the module's
    docstring); on again, as it was, when the last one ends."""
    global _builds_running, _collector_was_enabled
    with _lock:
        _builds_running += 1
        if _builds_running == 1:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _builds_running -= 1
            if _builds_running == 0 and _collector_was_enabled:
                gc.enable()


def _settle_heap() -> None:
    """Once per process, after the first build: the long-lived objects out of the cyclic
    garbage collector's full collections (see the module's docstring)."""
    global _heap_settled
    with _lock:
        if _heap_settled:
            return
        _heap_settled = True
    gc.collect()
    gc.freeze()


def clear() -> None:
    """Forget every entry (benchmarks and tests; the key makes it unnecessary otherwise)."""
    with _lock:
        _entries.clear()
