"""A server refuses writes once the database's schema is not its own (docs/deployment.md,
"Upgrading").

``dawna serve`` refuses to start on a database at another schema version, but a server already
running when the database is upgraded or downgraded under it would go on writing with the code
of the old schema. It would skip what the newer migrations added: since migration 0026, the
participants' data versions, without which the newer servers keep showing pages as they were
before the write. So before each write (POST, PUT, PATCH, DELETE; not logging out, the
language or a POST that only evaluates a draft) the server reads the database's revision, at
most once every ``schema_check_seconds`` per process (2 s by default). When it is not the last
migration of the code the process started with (read once: an upgrade that replaces the files
under a running server does not change its code), the write is refused with 503, code
``schema_changed``, naming both revisions; nothing is saved. ``/healthz`` answers 503 too, so a
supervisor or load balancer takes the server out. A revision that cannot be read (the database
not reachable) or is not recorded (a database not made by the migrations) lets the request
through, to fail or succeed on its own.
"""

from __future__ import annotations

import re
import threading
import time

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from dawna.errors import DawnaError
from dawna.i18n import _
from dawna.store.db import Database
from dawna.web.errors import render_error

__all__ = ["SchemaChanged", "SchemaGuard", "SchemaGuardMiddleware"]

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Requests that write no trial data and must keep working: logging out (a shared workstation
#: must be able to end its session), the language, and the POSTs that only evaluate a draft
#: (the live checklists, eligibility and RECIST evaluation, the plan preview).
EXEMPT = re.compile(r"^/(logout|language)$|/(check|evaluate|preview)$")


class SchemaChanged(DawnaError):
    """The database's schema is not the one this server's code was written for."""

    status_code = 503
    code = "schema_changed"


class SchemaGuard:
    """This process's last reading of the database's revision, renewed when older than
    ``seconds``."""

    def __init__(self, db: Database, seconds: float) -> None:
        from dawna.services.schema_status import code_revision

        self.db, self.seconds = db, seconds
        self.head = code_revision()  # this process's code, fixed at its start
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._found: str | None = None

    def due(self) -> bool:
        return self._read_at is None or time.monotonic() - self._read_at >= self.seconds

    def read(self) -> None:
        """Read the database's revision and this version's last one (blocking)."""
        from dawna.services.schema_status import database_revision

        found = database_revision(self.db)
        with self._lock:
            self._found, self._read_at = found, time.monotonic()

    def error(self) -> SchemaChanged | None:
        """The refusal while the last reading found another schema, else None."""
        current, head = self._found, self.head
        if current is None or head is None or current == head:
            return None
        return SchemaChanged(
            _("the database is now at schema version {current}, and this server runs the "
              "version of dawna for schema version {head}: nothing was saved. The server must "
              "be restarted with the dawna version of the database (docs/deployment.md, "
              "Upgrading)").format(current=current, head=head),
            field="schema")

    def check(self) -> SchemaChanged | None:
        """Read again when due, then the refusal if any (blocking: for sync routes)."""
        if self.due():
            self.read()
        return self.error()


class SchemaGuardMiddleware:
    """Pure ASGI: a write is refused with 503 while the database is at another schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in WRITES
                and not EXEMPT.search(scope["path"])
                and (scope["method"], scope["path"]) != ("DELETE", "/api/session")):
            guard: SchemaGuard = scope["app"].state.schema_guard
            if guard.due():
                await to_thread.run_sync(guard.read)
            error = guard.error()
            if error is not None:
                response = render_error(Request(scope), error)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
