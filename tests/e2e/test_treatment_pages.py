"""Treatment and safety through the web pages and the JSON API: the prescriber's plan with its
live dose calculation, cycles, the calendar download, laboratory results with their live CTCAE
grade, the adverse event form, the SAE clock on the safety page, refusals naming the field, and
roles (imaging readers stay blind to the arm)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import SYSTEM, csrf_of
from icalendar import Calendar
from treatment_data import randomized_to

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "A", "letrozole")


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def _prescribe(client, pid: str) -> None:  # type: ignore[no-untyped-def]
    answer = _post(client, f"/participants/{pid}/treatment/plan",
                   {"measures.weight_kg": "58", "female": "true"},
                   f"/participants/{pid}/treatment/plan")
    assert answer.status_code == 303, answer.text[:800]


def test_the_prescriber_confirms_the_doses_shown_with_their_formula(client_for,  # type: ignore[no-untyped-def]
                                                                  pid: str) -> None:
    inv = client_for("inv_a")
    page = inv.get(f"/participants/{pid}/treatment")
    assert page.status_code == 200 and 'data-testid="open-plan"' in page.text
    form = inv.get(f"/participants/{pid}/treatment/plan")
    preview = inv.post(f"/participants/{pid}/treatment/plan/preview", data={
        "csrf_token": csrf_of(form.text), "female": "true"})
    assert 'data-testid="dose-preview"' in preview.text
    assert "dalpiciclib" in preview.text and "150 mg" in preview.text
    _prescribe(inv, pid)
    page = inv.get(f"/participants/{pid}/treatment")
    assert 'data-testid="confirmed-doses"' in page.text and "fixed dose" in page.text
    # a coordinator records, but does not prescribe
    coord = client_for("coord_a")
    refused = _post(coord, f"/participants/{pid}/treatment/plan", {"female": "true"},
                    f"/participants/{pid}/treatment")
    assert refused.status_code == 403


def test_cycles_labs_and_the_calendar_download(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    _prescribe(client_for("inv_a"), pid)
    coord = client_for("coord_a")
    page = f"/participants/{pid}/treatment"
    bad = _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-01"}, page)
    assert bad.status_code == 422 and 'data-field="start_date"' in bad.text
    ok = _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-14"}, page)
    assert ok.status_code == 303
    ics = coord.get(f"{page}/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    starts = {e.decoded("dtstart").isoformat() for e in events}
    # cycle 1 day 1 and day 15 blood counts; the first tumour assessment 8 weeks after
    # randomization (2024-03-12 + 56 days)
    assert {"2024-03-14", "2024-03-28", "2024-05-07"} <= starts
    # the lab form grades live, then stores
    grade = _post(coord, f"/participants/{pid}/labs/grade", {
        "analyte": "anc", "value": "800", "unit": "/mm3", "lln": "1800",
        "sample_date": "2024-03-28"}, page)
    assert 'data-testid="lab-grade"' in grade.text and "grade 3" in grade.text
    bad = _post(coord, f"/participants/{pid}/labs", {
        "analyte": "anc", "value": "0.8", "unit": "mg/dL", "sample_date": "2024-03-28"}, page)
    assert bad.status_code == 422 and 'data-field="unit"' in bad.text
    ok = _post(coord, f"/participants/{pid}/labs", {
        "analyte": "anc", "value": "0.8", "unit": "10^9/L", "lln": "1.8",
        "sample_date": "2024-03-28"}, page)
    assert ok.status_code == 303
    data = coord.get(f"/api/participants/{pid}/treatment").json()
    assert data["arm"] == "A" and data["cycles"][0]["start_date"] == "2024-03-14"
    assert data["dose_levels"] == {"dalpiciclib": 150}


def test_adverse_event_form_and_the_sae_clock(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    _prescribe(client_for("inv_a"), pid)
    coord = client_for("coord_a")
    page = f"/participants/{pid}/adverse-events/new"
    assert coord.get(page).status_code == 200
    help_ = _post(coord, "/adverse-events/term", {"term": "nausea", "grade": "2"}, page)
    assert 'data-testid="term-grades"' in help_.text and "Grade 3" in help_.text
    base = {"term": "Febrile neutropenia", "grade": "3", "start_date": "2024-03-30",
            "relatedness.dalpiciclib": "related", "relatedness.letrozole": "not_related",
            "expectedness": "expected",
            "action_taken": "drug_interrupted", "outcome": "not_recovered"}
    bad = _post(coord, f"/participants/{pid}/adverse-events",
                {**base, "seriousness": "hospitalisation"}, page)
    assert bad.status_code == 422 and 'data-field="aware_at"' in bad.text
    aware = (utcnow() - timedelta(hours=3)).astimezone(UTC)
    local = aware.astimezone(ZoneInfo("Asia/Shanghai"))
    ok = _post(coord, f"/participants/{pid}/adverse-events", {
        **base, "start_date": local.date().isoformat(), "seriousness": "hospitalisation",
        "aware_date": local.date().isoformat(), "aware_time": local.strftime("%H:%M")}, page)
    assert ok.status_code == 303, ok.text[:600]
    board = coord.get("/safety")
    assert 'data-testid="sae-clock"' in board.text and "Febrile neutropenia" in board.text
    assert "h left" in board.text
    api = coord.get("/api/safety").json()
    assert api["sae_unreported"][0]["overdue"] is False
    reported = _post(coord, f"/participants/{pid}/adverse-events/1/report", {},
                     f"/participants/{pid}/treatment")
    assert reported.status_code == 303
    assert coord.get("/api/safety").json()["sae_unreported"] == []
    listing = coord.get("/safety/adverse-events.csv").text.splitlines()
    assert listing[0].startswith("participant,site,arm,number,term,grade")
    assert f"{pid},SITEA,A,1,Febrile neutropenia,3" in listing[1]


def test_api_refusals_name_the_field(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    answer = coord.get("/api/ctcae/grade", params={"analyte": "ANC", "value": "0.8",
                                                  "unit": "furlongs"})
    assert answer.status_code == 422 and answer.json()["field"] == "unit"
    graded = coord.get("/api/ctcae/grade", params={"analyte": "ALT", "value": "250",
                                                  "unit": "U/L", "uln": "40",
                                                  "baseline": "60"}).json()
    # 250 / 60 = 4.17 × an abnormal baseline: grade 2 (CTCAE v5.0)
    assert (graded["grade"], graded["basis"]) == (2, "baseline")
    token = csrf_of(coord.get(f"/participants/{pid}/treatment").text)
    headers = {"x-csrf-token": token}
    no_plan = coord.post(f"/api/participants/{pid}/treatment/cycles",
                         json={"cycle": 1, "start_date": "2024-03-14"}, headers=headers)
    assert no_plan.status_code == 409 and no_plan.json()["field"] == "plan"
    stop_first = coord.post(f"/api/participants/{pid}/adverse-events", json={
        "term": "Nausea", "grade": 1, "start_date": "2024-04-02", "stop_date": "2024-04-01",
        "outcome": "recovered"}, headers=headers)
    assert stop_first.status_code == 422 and stop_first.json()["field"] == "stop_date"


def test_imaging_readers_do_not_see_treatment(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    reader = client_for("reader_a")
    assert reader.get(f"/participants/{pid}/treatment").status_code == 403
    assert reader.get("/safety").status_code == 403
    assert reader.get(f"/api/participants/{pid}/treatment").status_code == 403
    assert 'data-testid="open-treatment"' not in reader.get(f"/participants/{pid}").text


def test_the_treatment_page_in_chinese(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    inv = client_for("inv_a", locale="zh_CN")
    page = inv.get(f"/participants/{pid}/treatment")
    assert page.status_code == 200
    assert "Treatment and safety" not in page.text  # the heading is translated


def test_a_lab_result_is_corrected_on_its_page(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    _prescribe(client_for("inv_a"), pid)
    coord = client_for("coord_a")
    page = f"/participants/{pid}/treatment"
    assert _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-14"},
                 page).status_code == 303
    assert _post(coord, f"/participants/{pid}/labs", {
        "analyte": "anc", "value": "0.4", "unit": "10^9/L", "lln": "1.8",
        "sample_date": "2024-03-28"}, page).status_code == 303
    link = re.search(rf'/participants/{pid}/labs/(\d+)', coord.get(page).text)
    assert link is not None
    url = f"/participants/{pid}/labs/{link.group(1)}"
    form = {"analyte": "anc", "value": "1.4", "unit": "10^9/L", "lln": "1.8",
            "sample_date": "2024-03-28", "version": "1"}
    refused = _post(coord, url, form, url)
    assert refused.status_code == 422 and 'data-field="reason"' in refused.text
    done = _post(coord, url, {**form, "reason": "transcription error"}, url)
    assert done.status_code == 303
    assert "grade 2" in coord.get(url).text
