"""Issue 17 items 10 and 11 through the web pages and the JSON API: the CTCAE term picker
finding a term typed in Chinese, expectedness on the adverse event form (refused when missing
for a serious related event, nothing stored), a SUSAR's clocks on its page and on the safety
work list, and its reports to the ethics committee and the authority."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import SYSTEM, csrf_of
from treatment_data import randomized_to

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "A", "letrozole")


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def test_the_term_picker_finds_a_term_typed_in_chinese(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    found = coord.get("/adverse-events/terms", params={"term": "恶心"})
    assert found.status_code == 200 and 'data-testid="term-choice"' in found.text
    assert "Nausea · 恶心" in found.text
    field = coord.get("/adverse-events/term-field", params={"term": "Nausea"})
    assert 'value="Nausea"' in field.text and 'id="term-choices"' in field.text
    api = coord.get("/api/ctcae/terms", params={"q": "肺炎"}).json()
    assert api["terms"][0]["term"] == "Pneumonitis" and api["terms"][0]["zh"] == "肺炎"
    assert api["terms"][0]["grades"]["5"] == "Death"
    assert coord.get("/api/ctcae/terms", params={"q": "恶心"}).json()["terms"][0]["term"] == \
        "Nausea"


def test_a_susar_is_refused_without_expectedness_then_tracked_and_reported(  # type: ignore[no-untyped-def]
        client_for, pid: str) -> None:
    inv = client_for("inv_a")
    plan = _post(inv, f"/participants/{pid}/treatment/plan",
                 {"measures.weight_kg": "58", "female": "true"},
                 f"/participants/{pid}/treatment/plan")
    assert plan.status_code == 303
    coord = client_for("coord_a")
    page = f"/participants/{pid}/adverse-events/new"
    form = coord.get(page).text
    assert 'data-testid="expectedness"' in form and 'data-testid="rsi-documents"' in form
    aware = (utcnow() - timedelta(hours=3)).astimezone(SHANGHAI)
    base = {"term": "Pneumonitis", "grade": "4", "start_date": aware.date().isoformat(),
            "seriousness": "life_threatening", "aware_date": aware.date().isoformat(),
            "aware_time": aware.strftime("%H:%M"), "relatedness.dalpiciclib": "related",
            "relatedness.letrozole": "not_related", "action_taken": "drug_interrupted",
            "outcome": "not_recovered"}
    refused = _post(coord, f"/participants/{pid}/adverse-events", base, page)
    assert refused.status_code == 422 and 'data-field="expectedness"' in refused.text
    assert coord.get(f"/api/participants/{pid}/adverse-events").json()["adverse_events"] == []

    saved = _post(coord, f"/participants/{pid}/adverse-events",
                  {**base, "expectedness": "unexpected"}, page)
    assert saved.status_code == 303, saved.text[:600]
    (ae,) = coord.get(f"/api/participants/{pid}/adverse-events").json()["adverse_events"]
    assert ae["expectedness"] == "unexpected" and ae["rsi_version"] == "to confirm"
    # fatal or life-threatening: 7 calendar days from the local day of awareness
    due = (aware.date() + timedelta(days=7)).isoformat()
    ae_page = coord.get(f"/participants/{pid}/adverse-events/1").text
    assert 'data-testid="susar-clocks"' in ae_page and due in ae_page
    assert 'data-testid="susar-1"' in coord.get(f"/participants/{pid}/treatment").text
    board = coord.get("/safety").text
    assert 'data-testid="susar-board"' in board and "Pneumonitis" in board and due in board

    sent = _post(coord, f"/participants/{pid}/adverse-events/1/susar-reports", {
        "kind": "initial", "recipient": "ethics_committee",
        "sent_on": aware.date().isoformat(), "reference": "EC-2026-01"},
        f"/participants/{pid}/adverse-events/1")
    assert sent.status_code == 303
    assert "EC-2026-01" in coord.get(f"/participants/{pid}/adverse-events/1").text
    (susar,) = coord.get("/api/safety/susars").json()["susars"]
    assert susar["deadlines"][0]["due_on"] == due
    assert susar["deadlines"][0]["missing"] == ["authority"]
    again = _post(coord, f"/participants/{pid}/adverse-events/1/susar-reports", {
        "kind": "initial", "recipient": "ethics_committee",
        "sent_on": aware.date().isoformat()}, f"/participants/{pid}/adverse-events/1")
    assert again.status_code == 409 and 'data-field="recipient"' in again.text
    token = csrf_of(coord.get("/safety").text)
    api = coord.post(f"/api/participants/{pid}/adverse-events/1/susar-reports",
                     json={"kind": "initial", "recipient": "authority",
                           "sent_on": aware.date().isoformat()},
                     headers={"x-csrf-token": token})
    assert api.status_code == 201, api.text
    (susar,) = coord.get("/api/safety/susars").json()["susars"]
    assert susar["deadlines"][0]["status"] == "sent"
