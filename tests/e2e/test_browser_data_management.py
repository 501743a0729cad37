"""Issue 20 "Done when", in Debian's Chromium (Playwright): the monitor raises a query on a
laboratory value from the form status grid and comes back to the grid; the coordinator opens the
query, corrects the value on its form (with a reason) and is sent back to answer it; the monitor
verifies the form from the participant's form status page and closes the query; the
investigator signs the form (password re-entered) and the data manager locks the casebook; the
audit trail shows each step, in English and in Chinese. Refused on the way, nothing stored: the
coordinator closing the query, a signature with a wrong password, an edit of the locked form.

The trial: ``tests/form_status_data.py`` (F003 on arm A at SITEA) with ALT 30 U/L sampled
2026-01-12 on F003 and a data manager at SITEA."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser_support import log_in, serving
from form_status_data import grid_trial
from helpers import PASSWORD, SYSTEM, principal
from playwright.sync_api import expect
from sqlalchemy import select

from dawna.config import Settings
from dawna.services import admin, safety
from dawna.services.schemas import UserCreate
from dawna.store.db import Database
from dawna.store.models import DataQuery, FormLock, FormSignature, LabResult, Role

pytestmark = pytest.mark.browser


def _trial(db: Database) -> None:
    grid_trial(db)
    admin.create_user(db, SYSTEM, UserCreate(username="dm_a", display_name="Data Manager A",
                                             password=PASSWORD), "test set-up")
    admin.grant_role(db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    settings = Settings(env="test", database_url=db.url, secret_key="b" * 40)
    safety.record_lab(db, settings, principal(db, "coord_a"), "F003",
                      safety.LabIn(analyte="alt", value=30, unit="U/L", uln=40,
                                   sample_date=date(2026, 1, 12)))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
           ) -> Iterator[tuple[str, Database]]:
    """The served trial and a connection of the test's own to read what was stored."""
    target = tmp_path_factory.mktemp("done") / "done.sqlite3"
    shutil.copy(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    _trial(db)
    with serving(target) as base:
        yield base, db
    db.dispose()


def _as(browser: Any, server: str, username: str, locale: str = "en-US") -> Any:
    page = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, server, username, PASSWORD)
    return page


def _post_form(page: Any, url: str, fields: dict[str, str]) -> Any:
    """POST ``fields`` with the page's CSRF token, as a crafted request would (no button)."""
    token = page.locator("input[name=csrf_token]").first.input_value()
    return page.request.post(url, form={**fields, "csrf_token": token}, max_redirects=0)


def test_query_correct_verify_close_sign_lock_and_the_trail(
        served: tuple[str, Database], browser: Any) -> None:
    server, db = served
    with db.sessions() as s:
        lab = s.scalars(select(LabResult)).one()
    lab_id = lab.id
    # 1. the monitor raises a query from the grid's laboratory cell of F003
    monitor = _as(browser, server, "monitor_a")
    monitor.goto(f"{server}/forms?site=SITEA")
    monitor.click(f'tr[data-participant="F003"] [data-testid="raise-lab_result-{lab_id}"]')
    monitor.wait_for_url("**/queries/new?*")
    monitor.fill("input[name=field]", "value")
    monitor.fill("textarea[name=text]", "ALT 30 U/L: the report says 36?")
    monitor.click("[data-testid=raise-query]")
    monitor.wait_for_url("**/forms?site=SITEA&raised=*")
    expect(monitor.get_by_test_id("query-raised")).to_be_visible()
    with db.sessions() as s:
        query = s.scalars(select(DataQuery)).one()
    qid = query.id
    assert (query.table_name, query.row_id, query.field) == ("lab_result", str(lab_id),
                                                              "value")
    # 2. the coordinator may not close it; corrects the value and answers
    coord = _as(browser, server, "coord_a")
    coord.goto(f"{server}/queries/{qid}")
    expect(coord.get_by_test_id("close-query")).to_have_count(0)
    refused = _post_form(coord, f"{server}/queries/{qid}/close", {"version": "1"})
    assert refused.status == 403, refused.status
    coord.click("[data-testid=query-correct-link]")
    coord.wait_for_url(f"**/participants/F003/labs/{lab_id}?query={qid}")
    expect(coord.get_by_test_id("correcting-for-query")).to_be_visible()
    coord.fill("input[name=value]", "36")
    coord.fill("textarea[name=reason]", "transcription error: the report says 36")
    coord.click("[data-testid=save-lab-correction]")
    coord.wait_for_url(f"**/queries/{qid}?corrected=1#answer")
    expect(coord.get_by_test_id("query-corrected")).to_be_visible()
    expect(coord.locator("input[name=answer_kind][value=corrected]")).to_be_checked()
    coord.fill("#answer textarea[name=text]", "Corrected to 36 U/L")
    coord.click("[data-testid=answer-query]")
    expect(coord.get_by_test_id("query-status")).to_contain_text("answered")
    with db.sessions() as s:
        assert s.get(DataQuery, qid).status == "answered"
    # 3. the monitor verifies the form from its status page, then closes the query
    monitor.goto(f"{server}/forms/F003")
    expect(monitor.get_by_test_id(f"open-query-{qid}")).to_be_visible()
    monitor.click(f"[data-testid=verify-lab_result-{lab_id}]")
    monitor.wait_for_url("**/forms/F003?verified=1")
    expect(monitor.get_by_test_id(f"verify-lab_result-{lab_id}")).to_have_count(0)
    monitor.goto(f"{server}/queries/{qid}")
    monitor.click("[data-testid=close-query]")
    expect(monitor.get_by_test_id("query-status")).to_contain_text("closed")
    # 4. the investigator signs the form: a wrong password signs nothing
    inv = _as(browser, server, "inv_a")
    inv.goto(f"{server}/participants/F003/casebook")
    row = inv.get_by_test_id(f"form-lab_result-{lab_id}")
    row.locator("details.sign summary").click()
    row.locator("input[name=confirm]").check()
    row.locator("input[name=password]").fill("not-my-password")
    row.locator("form.sign button[type=submit]").click()
    expect(inv.locator("body")).to_contain_text("nothing was signed")
    with db.sessions() as s:
        assert s.scalars(select(FormSignature)).all() == []
    inv.goto(f"{server}/participants/F003/casebook")
    row = inv.get_by_test_id(f"form-lab_result-{lab_id}")
    row.locator("details.sign summary").click()
    row.locator("input[name=confirm]").check()
    row.locator("input[name=password]").fill(PASSWORD)
    row.locator("form.sign button[type=submit]").click()
    inv.wait_for_url("**/casebook?signed=*")
    expect(inv.get_by_test_id(f"form-lab_result-{lab_id}")
           .get_by_test_id("signature-valid")).to_be_visible()
    # 5. the signed form is locked: the coordinator's edit is refused, nothing stored
    coord.goto(f"{server}/participants/F003/labs/{lab_id}")
    coord.fill("input[name=value]", "40")
    coord.fill("textarea[name=reason]", "second look")
    coord.click("[data-testid=save-lab-correction]")
    expect(coord.locator(".error").first).to_contain_text("lock")
    with db.sessions() as s:
        assert s.get(LabResult, lab_id).value == 36
    # 6. the data manager locks the casebook
    dm = _as(browser, server, "dm_a")
    dm.goto(f"{server}/participants/F003/casebook")
    whole = dm.get_by_test_id("casebook-signoff")
    whole.locator("details.lock summary").click()
    whole.locator("input[name=reason]").fill("database lock for the interim analysis")
    whole.locator("details.lock button[type=submit]").click()
    dm.wait_for_url("**/casebook?locked=*")
    with db.sessions() as s:
        locks = {(lk.scope, lk.table_name, lk.source) for lk in s.scalars(
            select(FormLock).where(FormLock.active_key.is_not(None)))}
    assert locks == {("form", "lab_result", "signature"),
                     ("casebook", None, "data_manager")}, locks
    # 7. the audit trail shows each step in words, in English and in Chinese
    zh = _as(browser, server, "monitor_a", "zh-CN")
    for reader, words in ((monitor, EN), (zh, ZH)):
        for url, shown in _trail_steps(words, lab_id, qid):
            reader.goto(f"{server}{url}")
            text = reader.locator("main").inner_text()
            assert words["heading"] in text, text[:200]
            for expected in shown:
                assert expected in text, (words["heading"], url, expected)
        reader.goto(f"{server}/audit?participant=F003")
        assert "lab_result" not in reader.locator("main table").inner_text()  # labels only
        # a filtered view verifies the whole trail when asked (the page's first view on its own)
        reader.get_by_test_id("audit-verify").click()
        expect(reader.locator("#audit-verify-result")).to_contain_text(words["intact"])


#: What the audit page calls things (the locale files of dawna/i18n).
EN = {"heading": "Audit trail", "lab": "Laboratory result", "result": "Result",
      "changed": "changed", "created": "created", "query": "Query", "message": "Query message",
      "sdv": "Source data verification", "signature": "Electronic signature",
      "lock": "Form lock", "intact": "Audit trail intact"}
ZH = {"heading": "稽查轨迹", "lab": "实验室检查结果", "result": "结果", "changed": "修改",
      "created": "新建", "query": "质疑", "message": "质疑消息", "sdv": "源数据核查",
      "signature": "电子签名", "lock": "表单锁定", "intact": "稽查轨迹完整"}


def _trail_steps(w: dict[str, str], lab_id: int, qid: int) -> list[tuple[str, tuple[str, ...]]]:
    """Each step's audit page and what it shows: the correction with its reason on the
    participant's trail; the query raised and answered, its answer, the verification, the
    signature and the lock, each by its form's label."""
    return [
        ("/audit?participant=F003", (f"{w['lab']} #{lab_id}", w["result"], w["changed"],
                                     "30.0", "36.0", "transcription error: the report says 36")),
        ("/audit?table=data_query", (f"{w['query']} #{qid}", w["created"], w["changed"],
                                     "ALT 30 U/L: the report says 36?", "monitor_a")),
        ("/audit?table=query_message", (w["message"], "Corrected to 36 U/L", "coord_a")),
        ("/audit?table=source_verification", (w["sdv"], w["created"], "monitor_a")),
        ("/audit?table=form_signature", (w["signature"], w["created"], "inv_a")),
        ("/audit?table=form_lock", (w["lock"], "database lock for the interim analysis",
                                    "dm_a")),
    ]
