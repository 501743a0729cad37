"""Issue 20, "fixes found in the same review", through the web pages: a monitor and a data
manager see forms read only (no Save button, inputs disabled); opening a form's address (a
reload after a failed POST) leads to the page of the form, never to a raw 405 body; clearing a
required field is refused naming it instead of keeping the old value; every problem of a refused
form is listed with its field, in the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from helpers import PASSWORD, SYSTEM, csrf_of, principal
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import admin, participants, randomization, safety, treatment
from dawna.services.schemas import UserCreate
from dawna.store.db import Database
from dawna.store.models import Role

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    coord = principal(app_db, "coord_a")
    with simulated(NOW):
        treatment.confirm_plan(app_db, settings, principal(app_db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {}}))
        treatment.record_cycle(app_db, settings, coord, pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
        safety.record_ae(app_db, settings, coord, pid, safety.AeIn.model_validate({
            "term": "Fatigue", "grade": 1, "start_date": "2024-04-01",
            "relatedness": {"dalpiciclib": "related", "letrozole": "not_related"},
            "action_taken": "dose_not_changed", "outcome": "not_recovered"}))
        safety.record_lab(app_db, settings, coord, pid, safety.LabIn(
            analyte="anc", value=1.8, unit="10^9/L", lln=2.0, uln=7.5,
            sample_date=date(2024, 4, 10)))
    admin.create_user(app_db, SYSTEM, UserCreate(username="dm_a", display_name="dm_a",
                                                 password=PASSWORD), "test set-up")
    admin.grant_role(app_db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    return pid


def _submits(html: str) -> list[str]:
    """The submit buttons of the page's content (the header's language and logout forms
    aside)."""
    body = html.split("</header>", 1)[-1]
    return re.findall(r'<button[^>]*type="submit"[^>]*>', body)


def test_a_monitor_and_a_data_manager_see_every_form_read_only(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                                pid: str) -> None:
    with app_db.sessions() as s:
        from sqlalchemy import select

        from dawna.store.models import LabResult
        lab_id = s.scalars(select(LabResult.id)).first()
    pages = [f"/participants/{pid}/screening", f"/participants/{pid}/edit",
             f"/participants/{pid}/tumour/baseline", f"/participants/{pid}/tumour/follow-up",
             f"/participants/{pid}/treatment/plan", f"/participants/{pid}/adverse-events/1",
             f"/participants/{pid}/adverse-events/new", f"/participants/{pid}/labs/{lab_id}",
             f"/participants/{pid}/randomize"]
    for user in ("monitor_a", "dm_a"):
        client = client_for(user)
        for page in pages:
            answer = client.get(page)
            assert answer.status_code == 200, (user, page)
            assert 'data-testid="read-only"' in answer.text, (user, page)
            assert _submits(answer.text) == [], (user, page)
        for page in (f"/participants/{pid}", f"/participants/{pid}/treatment"):
            assert _submits(client.get(page).text) == [], (user, page)
    # the coordinator still sees the Save buttons
    coord = client_for("coord_a")
    for page in (f"/participants/{pid}/adverse-events/1", f"/participants/{pid}/edit"):
        answer = coord.get(page).text
        assert 'data-testid="read-only"' not in answer and _submits(answer), page


def test_opening_a_form_address_leads_to_its_page_not_a_raw_405(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    for url, page in ((f"/participants/{pid}/screening/sign", f"/participants/{pid}/screening"),
                      (f"/participants/{pid}/treatment/cycles", f"/participants/{pid}/treatment"),
                      ("/deviations/detect", "/deviations")):
        answer = coord.get(url, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, page), url
        assert "Method Not Allowed" not in coord.get(url).text
    # the JSON API keeps its 405 with the Allow header
    api = coord.get("/api/deviations/detect")
    assert api.status_code == 405 and api.headers["allow"] == "POST"


def test_clearing_a_required_field_is_refused_naming_it(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                        pid: str) -> None:
    coord = client_for("coord_a")
    token = csrf_of(coord.get(f"/participants/{pid}/edit").text)
    answer = coord.post(f"/participants/{pid}/edit", data={
        "csrf_token": token, "consent_date": "2024-03-01", "full_name": "",
        "medical_record_number": "", "phone": "", "reason": "typing error",
        "version": "1"})
    assert answer.status_code == 422
    assert 'data-for="full_name"' in answer.text
    assert 'data-for="medical_record_number"' in answer.text
    assert "it cannot be cleared" in answer.text
    detail = participants.get_participant(app_db, principal(app_db, "coord_a"), pid)
    assert detail.identity is not None and detail.identity.full_name == "吴霞"  # unchanged
    assert detail.version == 1


def test_every_problem_of_a_refused_form_is_listed_in_chinese(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a", locale="zh-CN")
    token = csrf_of(coord.get(f"/participants/{pid}/pet").text)
    answer = coord.post(f"/participants/{pid}/pet", data={
        "csrf_token": token, "tracer": "FES", "scan_date": "2024-02-20",
        "injected_mbq": "abc", "weight_kg": "", "uptake_min": "x"})
    assert answer.status_code == 422
    problems = re.findall(r'<li data-field="([^"]+)"><strong class="field-name" '
                          r'data-for="[^"]+">[^<]*</strong>: ([^<]+)</li>', answer.text)
    assert problems == [("injected_mbq", "必须是数字"), ("weight_kg", "此项必填"),
                        ("uptake_min", "必须是数字")]
    assert "Input should be" not in answer.text
