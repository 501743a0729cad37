"""``dawna user deactivate`` (issue 19 item 6): the user's open sessions end at once, as the
command line runs it; the deactivation is in the audit trail with its reason."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from cli_runner import invoke
from helpers import PASSWORD, two_site_trial
from sqlalchemy import select

from dawna.config import Settings
from dawna.services import auth
from dawna.store.db import Database
from dawna.store.models import AuditRecord

NOW = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


def run(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    """In-process through the entry point (tests/cli_runner.py)."""
    return invoke(args, {"DAWNA_DATABASE_URL": f"sqlite:///{db}", "DAWNA_ENV": "test",
                         "LANG": "C.UTF-8", "COLUMNS": "200"})


def test_deactivate_ends_the_sessions_and_is_audited(tmp_path: Path, sqlite_template: Path,
                                                     settings: Settings) -> None:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    two_site_trial(db)
    token, _ = auth.login(db, settings, "coord_a", PASSWORD, now=NOW)
    db.dispose()
    done = run(["user", "deactivate", "coord_a", "--reason", "left the study team"], path)
    assert done.returncode == 0, done.stderr
    assert "1 open sessions ended" in done.stdout
    db = Database(f"sqlite:///{path}")
    try:
        assert auth.resolve(db, token, now=NOW) is None
        with db.sessions() as s:
            reasons = s.scalars(select(AuditRecord.reason).where(
                AuditRecord.table_name == "app_user")).all()
        assert "left the study team" in reasons
    finally:
        db.dispose()
    unknown = run(["user", "deactivate", "nobody", "--reason", "x"], path)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: username:")
