"""`dawna audit verify` / `dawna audit head` and the monitor's audit page (issue 19 item 1).

The demo database, written only through the application, verifies clean; one direct UPDATE
(the probe's `UPDATE adverse_event SET grade=5`) makes verify exit 1 naming the row and field,
on the command line and on the monitor's page.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cli_runner import invoke

from dawna.store.db import Database

# one worker loads the demo template (tests/conftest.py) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo")


def run(args: list[str], db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``dawna ARGS`` through the entry point, in-process (tests/cli_runner.py)."""
    return invoke(args, {"DAWNA_DATABASE_URL": f"sqlite:///{db}", "DAWNA_ENV": "test",
                         "LANG": "C.UTF-8", "COLUMNS": "200"}, stdin)


def test_the_demo_verifies_clean_and_a_direct_update_is_named(tmp_path: Path,
                                                              demo_template: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, db)
    changed = run(["user", "password", "coordinator", "--password-stdin"], db,
                  stdin="a-new-long-password\n")
    assert changed.returncode == 0, changed.stderr
    logins = run(["audit", "logins", "--user", "coordinator"], db)
    assert logins.returncode == 0 and "password_change" in logins.stdout
    assert "success" in logins.stdout and "cli" in logins.stdout
    clean = run(["audit", "verify"], db)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "audit trail intact" in clean.stdout
    anchors = tmp_path / "anchors.txt"
    head = run(["audit", "head", "--to", str(anchors)], db)
    last_id, digest, _at = head.stdout.split()
    assert anchors.read_text().split() == head.stdout.split()  # kept in a second place
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT id, hash FROM audit_record ORDER BY id DESC LIMIT 1"
                            ).fetchone() == (int(last_id), digest)
        ae_id, grade = conn.execute("SELECT id, grade FROM adverse_event ORDER BY id LIMIT 1"
                                    ).fetchone()
        conn.execute("UPDATE adverse_event SET grade = 5 WHERE id = ?", (ae_id,))
    broken = run(["audit", "verify", "--anchors", str(anchors)], db)
    assert broken.returncode == 1
    assert (f"adverse_event {ae_id}: field grade is '5' but its last audit record says "
            f"'{grade}'") in broken.stdout
    assert "NOT intact: 1 problems" in broken.stdout  # the anchored head is still there
    gone = run(["audit", "verify", "--anchor", "f" * 64], db)
    assert gone.returncode == 1 and "is no longer in the chain" in gone.stdout


def test_the_monitor_sees_the_head_and_the_verification(client_for, app_db: Database) -> None:  # type: ignore[no-untyped-def]
    monitor = client_for("monitor_a")
    page = monitor.get("/audit")
    assert page.status_code == 200
    head = monitor.get("/api/audit/head").json()
    assert head["hash"] in page.text and 'hx-get="/audit/integrity"' in page.text
    fragment = monitor.get("/audit/integrity")
    assert fragment.status_code == 200 and "Audit trail intact" in fragment.text
    with app_db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE app_user SET display_name = 'Mallory' "
                             "WHERE username = 'coord_b'")
        user_id = conn.exec_driver_sql("SELECT id FROM app_user WHERE username = 'coord_b'"
                                       ).scalar_one()
    fragment = monitor.get("/audit/integrity")
    assert "NOT intact" in fragment.text
    # the monitor of site A is told which row and field, without the other site's values
    assert f"app_user {user_id}: field display_name differs from its last audit record" \
        in fragment.text and "Mallory" not in fragment.text
    check = client_for("admin_ab").get("/api/audit/verify").json()
    assert check["ok"] is False
    assert check["problems"] == [{
        "kind": "row", "table": "app_user", "row_id": str(user_id),
        "detail": "field display_name is 'Mallory' but its last audit record says 'coord_b'"}]
    assert client_for("coord_a").get("/api/audit/verify").status_code == 403


def test_the_trail_is_verified_as_the_page_opens_and_on_request_when_filtered(  # type: ignore[no-untyped-def]
        client_for) -> None:
    """Each verification reads every audit record and trial row: the audit page starts one as
    it opens, and its filtered views and older pages, which a monitor goes through one after
    another, offer a button that asks for the same fragment instead of each starting one."""
    monitor = client_for("monitor_a")
    loads = 'hx-get="/audit/integrity" hx-trigger="load"'
    assert loads in monitor.get("/audit").text
    newest = monitor.get("/api/audit/head").json()["last_id"]
    for url in ("/audit?table=participant", "/audit?actor=coord_a", f"/audit?after={newest}"):
        page = monitor.get(url)
        assert page.status_code == 200, url
        assert loads not in page.text, url
        assert 'data-testid="audit-verify" hx-get="/audit/integrity"' in page.text, url
        # one verification at a time: the button is disabled while its request runs
        assert 'hx-target="#audit-verify" hx-swap="innerHTML" hx-disabled-elt="this"' in \
            page.text, url
    assert "Audit trail intact" in monitor.get("/audit/integrity").text
