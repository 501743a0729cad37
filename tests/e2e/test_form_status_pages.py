"""The form status grid over HTTP on the small trial of ``tests/form_status_data.py``, on
2026-03-10 at the site: the page (legend, filters, links, paging), the JSON API, site scoping
and the reader blind to the arm, in English and Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from form_status_data import TODAY

from dawna.clock import simulated


def _get(client: TestClient, url: str):  # type: ignore[no-untyped-def]
    with simulated(TODAY):
        return client.get(url)


def _cell(html: str, pseudonym: str, key: str) -> str | None:
    row = re.search(rf'<tr data-participant="{pseudonym}">(.*?)</tr>', html, re.S)
    assert row, pseudonym
    cell = re.search(rf'data-cell="{re.escape(key)}"(?: data-state="(\w+)")?', row.group(1))
    assert cell, key
    return cell.group(1)


def test_grid_page_for_a_coordinator(login: Callable[..., TestClient]) -> None:
    page = _get(login("coord_a"), "/forms")
    assert page.status_code == 200
    html = page.text
    assert 'href="/forms"' in html  # in the navigation
    assert 'data-testid="form-status-legend"' in html and "overdue" in html
    assert 'class="fs-scroll"' in html  # wide grids scroll inside their container
    assert "F100" not in html  # SITEB is not coord_a's
    assert _cell(html, "F001", "screening/screening") == "overdue"
    assert _cell(html, "F002", "screening/pet_study") == "not_expected"
    assert _cell(html, "F003", "cycle_day_1/treatment_cycle") == "overdue"
    assert _cell(html, "F003", "tumour_assessment/tumour_assessment") == "entered"
    assert 'href="/participants/F003/treatment#cycles"' in html  # the cell links to the form
    overdue = _get(login("coord_a"), "/forms?state=overdue").text
    assert 'data-participant="F002"' not in overdue and 'data-participant="F001"' in overdue
    bad = _get(login("coord_a"), "/forms?site=SITEB")
    assert bad.status_code == 422 and "SITEB" in bad.text


def test_paging_and_the_participant_page(login: Callable[..., TestClient]) -> None:
    api = _get(login("stat_ab"), "/api/form-status?per_page=2&page=2").json()
    assert (api["total"], api["pages"], [r["pseudonym"] for r in api["rows"]]) == (
        4, 2, ["F003", "F100"])
    page = _get(login("monitor_a"), "/forms/F003")
    assert page.status_code == 200
    assert re.search(r'data-visit="tumour_assessment" data-number="2" '
                     r'data-form="tumour_assessment"', page.text)
    assert "2026-04-27" in page.text  # week 16, hand-worked
    assert _get(login("monitor_a"), "/forms/F100").status_code == 404


def test_api_and_the_blind_reader(login: Callable[..., TestClient]) -> None:
    body = _get(login("coord_a"), "/api/form-status?state=overdue").json()
    assert body["today"] == "2026-03-10" and body["zone"] == "Asia/Shanghai"
    assert {r["pseudonym"] for r in body["rows"]} == {"F001", "F003"}
    f3 = {r["pseudonym"]: r for r in body["rows"]}["F003"]["cells"]
    assert f3["depot/depot_dose"]["state"] == "overdue"
    reader = _get(login("reader_a"), "/api/form-status").json()
    forms = {f["form"] for c in reader["columns"] for f in c["forms"]}
    assert not forms & {"allocation", "treatment_cycle", "lab_result", "depot_dose"}
    html = _get(login("reader_a"), "/forms").text
    assert "treatment#cycles" not in html and "/randomize" not in html
    detail = _get(login("reader_a"), "/api/participants/F003/form-status").json()
    assert {o["form"] for o in detail["occurrences"]}.isdisjoint({"allocation", "depot_dose"})
    assert _get(login("coord_a"), "/api/form-status?state=late").status_code == 422


def test_chinese_page(login: Callable[..., TestClient]) -> None:
    html = _get(login("coord_a", "zh_CN"), "/forms").text
    assert "表单状态" in html and "逾期" in html


def test_dashboard_links_the_grid(login: Callable[..., TestClient]) -> None:
    html = _get(login("coord_a"), "/dashboard").text
    assert 'href="/forms?state=overdue"' in html
