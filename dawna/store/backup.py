"""Back up and restore the whole database (issue 19 item 13), each with its own tools:
PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists
--single-transaction`` (PostgreSQL manual, "SQL Dump" 26.1 and the pg_dump / pg_restore
reference pages), SQLite with its online backup API (``sqlite3.Connection.backup``,
https://www.sqlite.org/backup.html), which copies a consistent snapshot while the database is in
use. A restore replaces everything, audit trail included, with the backup's content; stop the
application servers first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.store.db import normalise_url

__all__ = ["BackupResult", "backup", "restore"]


@dataclass(frozen=True)
class BackupResult:
    file: Path
    kind: str  # "postgresql" or "sqlite"
    size_bytes: int


def _url(url: str) -> URL:
    return make_url(normalise_url(url))


def _sqlite_path(parsed: URL) -> Path:
    if not parsed.database or parsed.database == ":memory:":
        raise ValidationError(_("an in-memory database cannot be backed up or restored"),
                              field="database_url")
    return Path(parsed.database)


def _libpq(parsed: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password (which goes to PGPASSWORD, not the process list)."""
    plain = parsed.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ValidationError(_("%(tool)s is not installed (PostgreSQL client tools are needed)")
                              % {"tool": name}, field="database_url")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          check=False)  # the tool path from shutil.which, arguments as a list
    if done.returncode != 0:
        raise ValidationError(_("%(tool)s failed: %(message)s") % {
            "tool": Path(command[0]).name, "message": done.stderr.strip()[-500:]}, field="file")


def _sqlite_copy(source_uri: str, target: Path) -> None:
    """Copy a whole SQLite database with its online backup API (``source_uri`` a path or a
    ``file:`` URI)."""
    source = sqlite3.connect(source_uri, uri=source_uri.startswith("file:"))
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()


def backup(url: str, file: Path) -> BackupResult:
    """Write a backup of the database of ``url`` to ``file`` (which must not exist yet)."""
    if file.exists():
        raise ValidationError(_("%(file)s already exists; choose a new file name")
                              % {"file": file}, field="file")
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(str(_sqlite_path(parsed)), file)
        kind = "sqlite"
    else:
        uri, env = _libpq(parsed)
        _run([_tool("pg_dump"), "--format=custom", "--file", str(file), uri], env)
        kind = "postgresql"
    return BackupResult(file=file, kind=kind, size_bytes=file.stat().st_size)


def _check_sqlite_backup(file: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            conn.execute("SELECT version_num FROM alembic_version").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(_("%(file)s is not a dawna SQLite backup") % {"file": file},
                              field="file") from exc


def restore(url: str, file: Path) -> BackupResult:
    """Replace the content of the database of ``url`` with the backup in ``file``."""
    if not file.is_file():
        raise ValidationError(_("no backup file %(file)s") % {"file": file}, field="file")
    parsed = _url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_backup(file)
        path = _sqlite_path(parsed)
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(f"file:{file}?mode=ro", path)
        kind = "sqlite"
    else:
        uri, env = _libpq(parsed)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
              "--exit-on-error", "--dbname", uri, str(file)], env)
        kind = "postgresql"
    return BackupResult(file=file, kind=kind, size_bytes=file.stat().st_size)
