"""Queries and verification from the form status pages (issue 20 items 1-3 wired together), on
the small trial of ``tests/form_status_data.py``: the monitor (QUERY_RAISE, SDV_MARK at SITEA)
gets a "raise query" link on each entered form and a "verify" button, the coordinator and the
statistician neither; raising returns to the page it came from (a ``next`` off this site is
ignored); the coordinator sees the open query on the form with "answer", and the query's form
link carries the query so that the save returns to its answer."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from form_status_data import TODAY
from helpers import csrf_of
from sqlalchemy import select

from dawna.clock import simulated
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, Participant
from dawna.web.query_return import answer_url, local_path, with_param


def _cycle_row(client: TestClient) -> int:
    with simulated(TODAY):
        body = client.get("/api/participants/F003/form-status").json()
    (row,) = [o["rows"][0] for o in body["occurrences"]
              if o["form"] == "treatment_cycle" and o["rows"]]
    return int(row)


def _post(client: TestClient, page: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    with simulated(TODAY):
        token = csrf_of(client.get(page).text)
        return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_links_only_for_those_allowed_and_raising_returns_to_the_page(
        login: Callable[..., TestClient]) -> None:
    monitor, coord, stat = login("monitor_a"), login("coord_a"), login("stat_ab")
    cycle = _cycle_row(monitor)
    with simulated(TODAY):
        mine = monitor.get("/forms/F003").text
        theirs = coord.get("/forms/F003").text
        blind = stat.get("/forms/F003").text
        grid = monitor.get("/forms?site=SITEA").text
    raise_link = f'data-testid="raise-treatment_cycle-{cycle}"'
    assert raise_link in mine and f'data-testid="verify-treatment_cycle-{cycle}"' in mine
    assert "/queries/new?table_name=treatment_cycle&amp;row_id=" \
           f"{cycle}&amp;next=%2Fforms%2FF003" in mine
    for page in (theirs, blind):
        assert 'data-testid="raise-' not in page and 'data-testid="verify-' not in page
    row = re.search(r'<tr data-participant="F003">(.*?)</tr>', grid, re.S)
    assert row and raise_link in row.group(1)  # cycle 1: one form in its cell
    assert "next=%2Fforms%3Fsite%3DSITEA" in row.group(1)
    new = f"/queries/new?table_name=treatment_cycle&row_id={cycle}&next=/forms/F003"
    raised = _post(monitor, new, "/queries", {
        "table_name": "treatment_cycle", "row_id": str(cycle), "field": "start_date",
        "text": "Start date on the chart is 13 January?", "next": "/forms/F003"})
    assert raised.status_code == 303
    location = raised.headers["location"]
    assert location.startswith("/forms/F003?raised=")
    qid = int(location.rsplit("=", 1)[1])
    away = _post(monitor, new, "/queries", {
        "table_name": "treatment_cycle", "row_id": str(cycle), "text": "Whole form?",
        "next": "https://elsewhere.example/"})
    assert away.status_code == 303 and away.headers["location"].startswith("/queries/")
    with simulated(TODAY):
        back = monitor.get(location).text
        theirs = coord.get("/forms/F003").text
        detail = coord.get(f"/queries/{qid}").text
    assert 'data-testid="query-raised"' in back
    assert f'data-testid="open-query-{qid}"' in theirs and f"answer query {qid}" in theirs
    assert f'href="/participants/F003/treatment?query={qid}"' in detail
    verified = _post(monitor, "/forms/F003", "/participants/F003/sdv", {
        "table_name": "treatment_cycle", "row_id": str(cycle), "next": "/forms/F003"})
    assert verified.status_code == 303
    assert verified.headers["location"] == "/forms/F003?verified=1"
    with simulated(TODAY):
        after = monitor.get("/forms/F003").text
    assert f'data-testid="verify-treatment_cycle-{cycle}"' not in after


def test_a_next_stays_on_this_site_and_a_save_returns_to_its_query() -> None:
    assert local_path("/forms?site=A", "/x") == "/forms?site=A"
    for outside in ("https://e.example/", "//e.example/", "/\\e.example", "forms", "", None,
                    "/a\nb"):
        assert local_path(outside, "/x") == "/x"
    assert with_param("/p/treatment#cycles", "query", 7) == "/p/treatment?query=7#cycles"
    assert with_param("/forms?site=A", "raised", 3) == "/forms?site=A&raised=3"
    assert answer_url("7", "/p") == "/queries/7?corrected=1#answer"
    assert answer_url("x", "/p") == answer_url(None, "/p") == "/p"


def test_an_adverse_event_opened_from_its_query_saves_back_to_the_answer(
        login: Callable[..., TestClient], forms_db: Database) -> None:
    monitor, coord = login("monitor_a"), login("coord_a")
    with forms_db.sessions() as s:
        ae = s.scalars(select(AdverseEvent).join(Participant).where(
            Participant.pseudonym == "F003")).one()
        ae_id, number = ae.id, ae.number
    new = f"/queries/new?table_name=adverse_event&row_id={ae_id}"
    raised = _post(monitor, new, "/queries", {"table_name": "adverse_event",
                                              "row_id": str(ae_id), "field": "stop_date",
                                              "text": "Still ongoing?"})
    qid = int(raised.headers["location"].split("?")[0].rsplit("/", 1)[1])
    form_link = f"/participants/F003/adverse-events/{number}?query={qid}"
    with simulated(TODAY):
        assert f'href="{form_link}"' in coord.get(f"/queries/{qid}").text
        page = coord.get(form_link).text
        read_only = monitor.get(form_link).text
    assert 'data-testid="correcting-for-query"' in page
    assert f'action="/participants/F003/adverse-events/{number}?query={qid}"' in page
    assert 'data-testid="correcting-for-query"' not in read_only  # nothing to correct
