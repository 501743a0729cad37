"""A physician-entered regimen through the plan form (issue 17 item 9): its cycle length and
dosing days, and the prescriber's explicit confirmation before any cycle starts."""

from __future__ import annotations

import pytest
from helpers import SYSTEM, csrf_of
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database

ERIBULIN = {"custom_drugs.0.drug": "eribulin", "custom_drugs.0.dose": "1.4",
            "custom_drugs.0.unit": "mg/m2", "custom_drugs.0.route": "IV",
            "custom_drugs.0.frequency": "ONCE", "custom_drugs.0.days": "1, 8",
            "measures.height_cm": "160", "measures.weight_kg": "64", "female": "true",
            "cycle_length_days": "21"}


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "B", "physician_entered")


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def test_no_cycle_until_the_schedule_is_confirmed_on_the_form(client_for,  # type: ignore[no-untyped-def]
                                                             pid: str) -> None:
    inv, coord = client_for("inv_a"), client_for("coord_a")
    plan, page = f"/participants/{pid}/treatment/plan", f"/participants/{pid}/treatment"
    assert 'data-testid="entered-schedule"' in inv.get(plan).text
    assert _post(inv, plan, ERIBULIN, plan).status_code == 303
    assert 'data-testid="schedule-unconfirmed"' in inv.get(page).text
    refused = _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-14"}, page)
    assert refused.status_code == 409 and 'data-field="schedule_confirmed"' in refused.text
    version = inv.get("/api/participants/" + pid + "/treatment").json()["regimen"]["version"]
    confirmed = _post(inv, plan, {**ERIBULIN, "schedule_confirmed": "true",
                                  "version": str(version), "reason": "schedule checked"}, plan)
    assert confirmed.status_code == 303, confirmed.text[:600]
    regimen = inv.get("/api/participants/" + pid + "/treatment").json()["regimen"]
    assert regimen["schedule_confirmed_by"] == "inv_a" and regimen["cycle_length_days"] == 21
    assert _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-14"},
                 page).status_code == 303
