"""A participant's audit trail is complete and paged (issue 19 item 3).

On the demo trial, the participant with the most laboratory results has more than 500 audit
records. Walking the pages of `/api/audit?participant=` (by the `Link: rel="next"` header, and by
`?page=`) gives exactly the records an independent query finds: those of the participant's own
row and identity, and of every row of the participant-owned tables (plans, cycles, labs, adverse
events, dose decisions, depot doses, deviations, screening, ...) plus the SUSAR reports of their
adverse events. The page's "Older records" link leads on.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_of

from dawna.config import Settings
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import SusarReport
from dawna.store.uow import UnitOfWork
from dawna.web.app import create_app

# one worker loads the demo template (tests/conftest.py) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo")

OWNED = ("screening", "eligibility_signature", "allocation", "tumour_assessment", "pet_study",
         "consent", "status_event", "follow_up_contact", "treatment_plan", "treatment_cycle",
         "lab_result", "adverse_event", "dose_decision", "depot_dose", "protocol_deviation")


def _expected(path: Path, pseudonym: str) -> set[int]:
    with sqlite3.connect(path) as c:
        pid = c.execute("SELECT id FROM participant WHERE pseudonym = ?",
                        (pseudonym,)).fetchone()[0]
        keys = {("participant", str(pid)), ("participant_identity", str(pid))}
        # every table whose rows carry participant_id, read from the database itself (forms,
        # queries and their messages, verification marks, signatures, locks)
        owned = [t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                 if t != "participant_identity" and any(
                     col[1] == "participant_id" for col in c.execute(f"PRAGMA table_info({t})"))]
        assert set(OWNED) <= set(owned)
        for table in owned:
            keys |= {(table, str(r)) for (r,) in c.execute(
                f"SELECT id FROM {table} WHERE participant_id = ?", (pid,))}
        keys |= {("susar_report", str(r)) for (r,) in c.execute(
            "SELECT s.id FROM susar_report s JOIN adverse_event a ON a.id = s.adverse_event_id "
            "WHERE a.participant_id = ?", (pid,))}
        return {i for (i, t, r) in c.execute("SELECT id, table_name, row_id FROM audit_record")
                if (t, r) in keys}


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> tuple[Path, str]:
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    with sqlite3.connect(path) as c:
        pseudonym, ae_id = c.execute(
            "SELECT p.pseudonym, a.id FROM participant p JOIN adverse_event a "
            "ON a.participant_id = p.id JOIN lab_result l ON l.participant_id = p.id "
            # not a casebook the demo's data manager or investigator locked (a new form in it
            # is refused until unlocked)
            "WHERE p.id NOT IN (SELECT participant_id FROM form_lock "
            "WHERE active_key IS NOT NULL AND scope = 'casebook') "
            "GROUP BY p.id ORDER BY count(DISTINCT l.id) DESC LIMIT 1").fetchone()
    db = Database(f"sqlite:///{path}")
    with UnitOfWork(db, Actor(None, "test"), "SUSAR reported") as uow:
        uow.session.add(SusarReport(adverse_event_id=ae_id, kind="initial",
                                    recipient="ethics_committee", sent_on=date(2026, 1, 5),
                                    sent_by="PI", recorded_by="test"))
        uow.commit()
    db.dispose()
    return path, pseudonym


def test_the_participant_trail_is_complete_across_pages(demo_db: tuple[Path, str]) -> None:
    path, pseudonym = demo_db
    expected = _expected(path, pseudonym)
    assert len(expected) > 500
    settings = Settings(env="test", database_url=f"sqlite:///{path}", secret_key="m" * 40)
    with TestClient(create_app(settings)) as client:
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": "monitor", "password": "dawna-demo-2026",
                                    "csrf_token": token}, follow_redirects=False)
        seen: list[int] = []
        tables: set[str] = set()
        url: str | None = f"/api/audit?participant={pseudonym}"
        pages = 0
        while url:
            answer = client.get(url)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert len(body) <= 500
            seen.extend(e["id"] for e in body)
            tables |= {e["table_name"] for e in body}
            pages += 1
            link = answer.headers.get("link")
            url = re.match(r"<([^>]+)>", link).group(1) if link else None  # type: ignore[union-attr]
        assert pages >= 2 and len(seen) == len(set(seen)) and set(seen) == expected
        assert seen == sorted(seen, reverse=True)  # newest first
        by_page = [e["id"] for n in range(1, pages + 1) for e in client.get(
            "/api/audit", params={"participant": pseudonym, "page": n}).json()]
        assert by_page == seen
        everything = client.get(f"/api/audit?participant={pseudonym}&page={pages + 1}").json()
        assert everything == []
        assert {"lab_result", "adverse_event", "treatment_cycle", "treatment_plan",
                "susar_report"} <= tables
        page = client.get("/audit", params={"participant": pseudonym})
        older = re.search(r'id="audit-next" href="([^"]+)"', page.text)
        assert older is not None
        assert client.get(older.group(1).replace("&amp;", "&")).status_code == 200
