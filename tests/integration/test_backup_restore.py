"""``dawna db backup`` and ``dawna db restore`` (issue 19 item 13): back up, destroy the database,
restore, and every row of every table, the audit trail included, is as it was; the audit
trail's append-only guard comes back with it. On PostgreSQL the test is skipped only when
pg_dump is missing, and never under CI=true."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from helpers import principal as principal_of
from helpers import two_site_trial
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.services import participants
from dawna.services.schemas import ParticipantCreate
from dawna.store.backup import backup, restore
from dawna.store.base import Base
from dawna.store.db import Database

IN_CI = os.environ.get("CI", "").lower() == "true"


def _cli(args: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DAWNA_DATABASE_URL": url, "DAWNA_ENV": "test", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "dawna.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        out["alembic_version"] = [tuple(r) for r in conn.execute(
            text("SELECT version_num FROM alembic_version"))]
    engine.dispose()
    return out


def _destroy(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def test_backup_destroy_restore_gives_back_every_row_and_the_audit_trail(
        db: Database, db_url: str, settings: Settings, tmp_path: Path) -> None:
    if db_url.startswith("postgresql") and shutil.which("pg_dump") is None:
        if IN_CI:
            pytest.fail("pg_dump is missing under CI=true")
        pytest.skip("pg_dump is not installed")
    two_site_trial(db)
    coordinator = principal_of(db, "coord_a")
    participants.register(db, settings, coordinator, ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 3, 1), full_name="张桂兰",
        medical_record_number="MRN-4711"))
    before = _snapshot(db_url)
    assert before["audit_record"] and before["participant"]
    db.dispose()

    file = tmp_path / "dawna.backup"
    made = _cli(["db", "backup", str(file)], db_url)
    assert made.returncode == 0, made.stderr
    assert file.stat().st_size > 0
    again = _cli(["db", "backup", str(file)], db_url)  # never overwrites a backup
    assert again.returncode == 1 and "already exists" in again.stderr

    _destroy(db_url)
    assert _cli(["db", "restore", str(file), "--yes"], db_url).returncode == 0
    assert _snapshot(db_url) == before

    # the append-only guard is restored with the audit trail
    engine = create_engine(db_url)
    with engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("UPDATE audit_record SET reason = 'rewritten'"))
    engine.dispose()


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValidationError) as bad:
        restore(url, junk)
    assert bad.value.field == "file"
    with pytest.raises(ValidationError) as missing:
        restore(url, tmp_path / "absent.backup")
    assert missing.value.field == "file"
    with pytest.raises(ValidationError) as memory:
        backup("sqlite://", tmp_path / "x.backup")
    assert memory.value.field == "database_url"
