"""PostgreSQL test databases made ahead of need and dropped in the background (issue 23 item 6).

Every PostgreSQL test still gets a fresh database of its own, created from a template with
``CREATE DATABASE ... TEMPLATE`` (PostgreSQL 15's default strategy, ``WAL_LOG``: 84 ms against
1,047 ms for ``FILE_COPY`` on this machine for the 10 MB template, bench/README.md). What
changes is who waits: background threads run the statements, so a test takes a database
created while the previous test ran, and its ``DROP DATABASE ... WITH (FORCE)`` runs while
later tests do. Each DROP requests a checkpoint (0.23 s alone; when it must write out the
databases other tests are using, 1-2 s under load), so the drops are made in batches side by
side, and a batch shares one checkpoint.

:meth:`Pool.close` (end of the session, also after failures and Ctrl-C, which pytest tears
down) waits for the threads and drops whatever they created that is still there.
"""

from __future__ import annotations

import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

#: How many dropped test databases wait before they are dropped together.
DROP_BATCH = 8
#: The server's maintenance database, to create and drop the test databases from.
PG_ADMIN = os.environ.get("DAWNA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def admin_conn():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)


def url_of(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the test server."""
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


class Pool:
    """One prepared database per template, refilled after each take; drops queued."""

    def __init__(self, connect: Callable[[], Any], url_of: Callable[[str], str]) -> None:
        self._connect, self._url_of = connect, url_of
        self._ready: dict[str, Future[str]] = {}
        self._alive: set[str] = set()  # created and not (yet) dropped
        self._lock = threading.Lock()
        # Creates in one thread, drops in another: a DROP DATABASE waits for a checkpoint
        # (PostgreSQL 15 requests one for each), and the next CREATE need not wait behind it.
        self._creates: queue.Queue[tuple[str, str, Future[str]] | None] = queue.Queue()
        self._drops: queue.Queue[tuple[str, str, Future[str]] | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._run_creates, name="pg-create",
                                          daemon=True),
                         threading.Thread(target=self._run_drops, name="pg-drop", daemon=True)]
        for thread in self._threads:
            thread.start()

    def _run_creates(self) -> None:
        conn = None
        while (job := self._creates.get()) is not None:
            name, template, done = job
            try:
                conn = conn or self._connect()
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                done.set_result(name)
            except BaseException as exc:  # handed to whoever waits for it
                done.set_exception(exc)
        if conn is not None:
            conn.close()

    def _drop(self, job: tuple[str, str, Future[str]]) -> None:
        name, _template, done = job
        try:
            with self._connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            with self._lock:
                self._alive.discard(name)
            done.set_result(name)
        except BaseException as exc:
            done.set_exception(exc)

    def _run_drops(self) -> None:
        """Drops in batches of :data:`DROP_BATCH`, run side by side: the checkpoints they
        request at the same moment are one checkpoint, which writes out what the live test
        databases hold once per batch instead of once per test."""
        batch: list[tuple[str, str, Future[str]]] = []
        with ThreadPoolExecutor(DROP_BATCH, thread_name_prefix="pg-drop") as droppers:
            while True:
                job = self._drops.get()
                if job is not None:
                    batch.append(job)
                if batch and (job is None or len(batch) >= DROP_BATCH):
                    list(droppers.map(self._drop, batch))
                    batch = []
                if job is None:
                    return

    def _submit(self, verb: str, name: str, template: str = "") -> Future[str]:
        done: Future[str] = Future()
        if verb == "create":
            with self._lock:
                self._alive.add(name)
            self._creates.put((name, template, done))
        else:
            self._drops.put((name, "", done))
        return done

    def _prepare(self, template: str) -> None:
        self._ready[template] = self._submit("create", f"dawna_t_{uuid.uuid4().hex[:12]}",
                                            template)

    def fresh(self, template: str) -> Iterator[str]:
        """A database made from ``template`` for this test alone (its SQLAlchemy URL); dropped
        in the background after the test, and the next one for ``template`` prepared."""
        if template not in self._ready:
            self._prepare(template)
        name = self._ready.pop(template).result()
        self._prepare(template)
        try:
            yield self._url_of(name)
        finally:
            self._submit("drop", name)

    def forget(self, template: str) -> None:
        """Drop the database prepared from ``template`` (before ``template`` itself is dropped
        or changed)."""
        ready = self._ready.pop(template, None)
        if ready is not None and ready.exception() is None:
            self._submit("drop", ready.result())

    def close(self) -> None:
        for template in list(self._ready):
            self.forget(template)
        for jobs, thread in zip((self._creates, self._drops), self._threads, strict=True):
            jobs.put(None)
            thread.join(timeout=300)
        with self._lock:
            left = sorted(self._alive)
        if left:  # a thread failed or did not finish: drop here
            with self._connect() as conn:
                for name in left:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
