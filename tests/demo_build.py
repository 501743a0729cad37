"""The tests' demo trial (tests/conftest.py ``demo_template``), built once per test run.

``python tests/demo_build.py DIR`` writes ``DIR/demo.sqlite3`` (through a temporary name, so a
reader never sees half a file) or, when the load fails, ``DIR/failed`` with the traceback.
tests/conftest.py starts it in a subprocess when the collected tests first show that some test
reads the demo, so one load (30 s of CPU) serves every xdist worker, and the workers run other
tests while it loads; a worker reading the demo waits for the file only when it needs it.

The trial is the same in every run and worker: the 32-participant demo as it stood at the end of
``helpers.DEMO_AS_OF``, and what a load draws from ``secrets`` (the allocation list's seed, hence
each participant's arm and so the simulated progressions and deaths, and the pseudonyms, hence
which participant a query picks first) comes from fixed seeds here; the demo's own simulation is
seeded already (trial.yaml).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import traceback
from pathlib import Path
from typing import Any

DEMO_FILE = "demo.sqlite3"
FAILED_FILE = "failed"


def no_flush_to_disk(dbapi_conn: Any, _record: Any) -> None:
    """Test databases are thrown away: a commit does not wait for the disk (SQLite
    ``synchronous=OFF``, PostgreSQL ``synchronous_commit=off``; 4 ms of fsync per commit on
    this machine's disk, some 2,800 commits for one demo load). Only durability after a crash
    of the machine differs; what a transaction sees, its atomicity and isolation do not.
    Registered for every engine (``event.listen(Engine, "connect", ...)``) by tests/conftest.py
    and by :func:`main`."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.execute("PRAGMA synchronous=OFF")
    elif type(dbapi_conn).__module__.startswith("psycopg"):
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        dbapi_conn.commit()


def build(path: Path) -> None:
    """Migrate a new SQLite file at ``path`` and load the demo into it."""
    import random
    from types import SimpleNamespace
    from unittest import mock

    from helpers import DEMO_AS_OF

    from dawna import demo
    from dawna.config import Settings
    from dawna.services import participants, randomization
    from dawna.store.db import Database
    from dawna.store.migrate import upgrade

    upgrade(f"sqlite:///{path}")
    settings = Settings(env="test", database_url=f"sqlite:///{path}", secret_key="b" * 40)
    db = Database(settings.database_url)
    list_seed, names = random.Random(20261130), random.Random(20261201)
    with mock.patch.object(randomization, "secrets",
                           SimpleNamespace(token_bytes=list_seed.randbytes)), \
            mock.patch.object(participants, "secrets", SimpleNamespace(choice=names.choice)):
        demo.load(db, settings, size=32, as_of=DEMO_AS_OF)
    db.dispose()
    with sqlite3.connect(path) as conn:  # everything in the file itself before it is renamed
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def main(directory: str) -> int:
    os.environ.setdefault("DAWNA_PASSWORD_HASH_COST", "test")
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", no_flush_to_disk)
    target = Path(directory)
    partial = target / f"{DEMO_FILE}.partial"
    try:
        build(partial)
        partial.replace(target / DEMO_FILE)
    except BaseException:
        (target / FAILED_FILE).write_text(traceback.format_exc(), encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
