"""The audit trail people can read (issue 20 item 5), on the scaled demo trial.

Labels are the forms' labels (not table and column names, which stay in the tooltip and the
CSV); times are shown in the site zone (Asia/Shanghai, UTC+8: checked against the stored UTC
time plus eight hours); the filters (participant, form, user, action, site-calendar dates) give
the records an independent SQL query over the stored trail finds, across pages; the CSV holds the
same records with identity values masked as on screen; and every link the trail renders opens
for the role it is rendered for.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from helpers import demo_logins

Login = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    path = tmp_path_factory.mktemp("trail") / "demo.sqlite3"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="module")
def login(demo: Path) -> Iterator[Login]:
    yield from demo_logins(f"sqlite:///{demo}", "r")


def _sql(demo: Path, query: str, *args: object) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(demo) as c:
        return c.execute(query, args).fetchall()


def _all_pages(client: TestClient, params: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    seen: list[dict] = []  # type: ignore[type-arg]
    url: str | None = "/api/audit"
    first = True
    while url:
        answer = client.get(url, params=params if first else None)
        first = False
        assert answer.status_code == 200, answer.text
        seen.extend(answer.json())
        link = answer.headers.get("link")
        url = re.match(r"<([^>]+)>", link).group(1) if link else None  # type: ignore[union-attr]
    return seen


def test_labels_and_site_times_replace_table_and_column_names(demo: Path, login: Login) -> None:
    (rid, at) = _sql(demo, "SELECT id, at FROM audit_record WHERE table_name = 'lab_result' "
                           "AND field = 'sample_date' ORDER BY id DESC LIMIT 1")[0]
    page = login("monitor").get("/audit", params={"table": "lab_result"})
    assert page.status_code == 200
    row = re.search(r"<tr><td>([^<]*)</td>.*?</tr>", page.text, re.S)
    assert row is not None
    assert "Laboratory result" in page.text and "Sampled on" in page.text
    assert 'title="sample_date"' in page.text and 'title="lab_result #' in page.text
    local = datetime.fromisoformat(at) + timedelta(hours=8)
    stamp = local.strftime("%Y-%m-%d %H:%M") + " (UTC+08:00)"
    assert stamp in page.text, (stamp, rid)
    entry = next(e for e in login("monitor").get(
        "/api/audit", params={"table": "lab_result"}).json() if e["id"] == rid)
    assert entry["form"] == "Laboratory result" and entry["field_label"] == "Sampled on"


def test_filters_match_an_independent_query_across_pages(demo: Path, login: Login) -> None:
    pseudonym, pid = _sql(demo, "SELECT p.pseudonym, p.id FROM participant p JOIN lab_result l "
                                "ON l.participant_id = p.id GROUP BY p.id "
                                "ORDER BY count(*) DESC LIMIT 1")[0]
    labs = {str(r) for (r,) in _sql(demo, "SELECT row_id FROM audit_record WHERE table_name = "
                                          "'lab_result' AND field = 'participant_id' AND "
                                          "new_value = ?", str(pid))}
    day = _sql(demo, "SELECT at FROM audit_record WHERE table_name = 'lab_result' AND row_id IN "
                     f"({','.join(labs)}) ORDER BY id LIMIT 1")[0][0]
    local_day = (datetime.fromisoformat(day) + timedelta(hours=8)).date()
    expected = {i for (i, row, at, actor, action) in _sql(
        demo, "SELECT id, row_id, at, actor, action FROM audit_record "
              "WHERE table_name = 'lab_result'")
        if row in labs and action == "create"
        and (datetime.fromisoformat(at) + timedelta(hours=8)).date() >= local_day}
    params = {"participant": pseudonym, "table": "lab_result", "action": "create",
              "date_from": local_day.isoformat()}
    seen = _all_pages(login("monitor"), params)
    assert {e["id"] for e in seen} == expected and len(seen) == len(expected)
    assert {e["action"] for e in seen} == {"create"}
    actor = seen[0]["actor"]
    by_actor = _all_pages(login("monitor"), {**params, "actor": actor})
    assert {e["id"] for e in by_actor} == {e["id"] for e in seen if e["actor"] == actor}
    bad = login("monitor").get("/api/audit", params={"date_from": "2026-02-01",
                                                     "date_to": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["field"] == "date_to"
    assert login("monitor").get("/api/audit", params={"action": "erase"}).json()[
        "field"] == "action"


def test_the_pages_keep_the_filters(demo: Path, login: Login) -> None:
    params = {"action": "create", "table": "lab_result"}
    page = login("monitor").get("/audit", params=params)
    older = re.search(r'id="audit-next" href="([^"]+)"', page.text)
    assert older is not None
    nxt = older.group(1).replace("&amp;", "&")
    assert "action=create" in nxt and "table=lab_result" in nxt
    second = login("monitor").get(nxt)
    assert second.status_code == 200 and 'id="audit-first"' in second.text
    assert "selected>Laboratory result<" in second.text.replace('"lab_result" ', "")


def test_csv_holds_the_filtered_trail_masked_as_on_screen(demo: Path, login: Login) -> None:
    pseudonym, pid = _sql(demo, "SELECT pseudonym, id FROM participant ORDER BY id LIMIT 1")[0]
    admin = login("admin")  # audit view without identity view
    answer = admin.get("/audit.csv", params={"participant": pseudonym})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff"))))
    on_screen = _all_pages(admin, {"participant": pseudonym})
    assert [int(r["Record"]) for r in rows] == [e["id"] for e in on_screen]
    names = [r for r in rows if r["table_name"] == "participant_identity"]
    assert names and {r["new_value"] for r in names} <= {"•••", ""}
    real = _sql(demo, "SELECT full_name FROM participant_identity WHERE participant_id = ?",
                pid)[0][0]
    assert real not in answer.text
    monitor_csv = login("monitor").get("/audit.csv", params={"participant": pseudonym}).text
    assert real in monitor_csv


@pytest.mark.parametrize("username", ["admin", "monitor", "investigator", "datamanager"])
def test_every_link_in_the_trail_opens_for_its_reader(login: Login, username: str) -> None:
    client = login(username)
    page = client.get("/audit", params={"table": "lab_result"})
    assert page.status_code == 200
    links = set(re.findall(r'href="(/participants/[^"]+)"', page.text))
    other = client.get("/audit", params={"table": "participant"})
    links |= set(re.findall(r'href="(/participants/[^"]+)"', other.text))
    for link in sorted(links)[:6]:
        assert client.get(link).status_code == 200, (username, link)
    if username == "admin":  # no treatment view: the lab results are not linked
        assert not any(link.endswith("/treatment") for link in links)
    else:
        assert any(link.endswith("/treatment") for link in links)


def test_no_audit_link_for_a_role_that_cannot_read_the_trail(demo: Path, login: Login) -> None:
    pseudonym = _sql(demo, "SELECT p.pseudonym FROM participant p JOIN site s ON s.id = "
                           "p.site_id JOIN treatment_plan t ON t.participant_id = p.id "
                           "WHERE s.code = 'PUMCH' LIMIT 1")[0][0]
    coordinator = login("coordinator")
    for path in (f"/participants/{pseudonym}", f"/participants/{pseudonym}/treatment"):
        page = coordinator.get(path)
        assert page.status_code == 200 and 'href="/audit' not in page.text
    assert coordinator.get("/audit").status_code == 403


def test_the_command_line_writes_the_filtered_trail(demo: Path, tmp_path: Path) -> None:
    env = {"DAWNA_DATABASE_URL": f"sqlite:///{demo}", "DAWNA_ENV": "test", "LANG": "C.UTF-8"}
    target = tmp_path / "trail.csv"
    done = invoke(["audit", "trail", "--as", "admin", "--form", "participant_identity", "--csv",
                   str(target)], env)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(_sql(demo, "SELECT id FROM audit_record WHERE "
                                       "table_name = 'participant_identity'"))
    assert {r["New value"] for r in rows} <= {"•••", ""}
    assert {r["Form"] for r in rows} == {"Identity"}
