"""Ovarian suppression and depot injections through the web pages, the JSON API and the CLI
(issue 17 items 4 and 5): a premenopausal woman's plan needs suppression; goserelin is recorded
on the treatment page and kept on its own 28-day clock (Zoladex 3.6 mg prescribing information
§2); bad dates are refused naming given_on; the screening form carries the menopause criteria."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cli_runner import invoke
from helpers import SYSTEM, csrf_of
from icalendar import Calendar
from screening_data import premenopausal_record
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database

CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine",
           "ovarian_function_suppression": "goserelin"}


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "A", "letrozole", record=premenopausal_record(),
                         choices=CHOICES)


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def test_suppression_on_the_plan_then_goserelin_on_its_own_clock(client_for,  # type: ignore[no-untyped-def]
                                                                 pid: str) -> None:
    inv, coord = client_for("inv_a"), client_for("coord_a")
    plan, page = f"/participants/{pid}/treatment/plan", f"/participants/{pid}/treatment"
    refused = _post(inv, plan, {"female": "true"}, plan)
    assert refused.status_code == 422
    assert 'data-field="variants.ovarian_function_suppression"' in refused.text
    ok = _post(inv, plan, {"female": "true", "variants.ovarian_function_suppression":
                           "goserelin"}, plan)
    assert ok.status_code == 303, ok.text[:600]
    assert _post(coord, f"{page}/cycles", {"cycle": "1", "start_date": "2024-03-14"},
                 page).status_code == 303
    shown = coord.get(page).text
    assert 'data-testid="depot-form"' in shown and 'data-testid="depots"' in shown
    assert _post(coord, f"{page}/depots", {"drug": "goserelin", "given_on": "2024-03-14"},
                 page).status_code == 303
    for bad in ("2024-03-01", "2999-01-01"):
        answer = _post(coord, f"{page}/depots", {"drug": "goserelin", "given_on": bad}, page)
        assert answer.status_code == 422 and 'data-field="given_on"' in answer.text
    # next due 28 days after 14 Mar = 11 Apr; long past today, so flagged late
    api = coord.get(f"/api/participants/{pid}/depots").json()
    (clock,) = api["depots"]
    assert (clock["drug"], clock["given"], clock["next_due"]) == (
        "goserelin", ["2024-03-14"], "2024-04-11")
    assert clock["late"] and clock["grace_days"] == 3
    whole = coord.get(f"/api/participants/{pid}/treatment").json()
    assert whole["depots"][0]["next_due"] == "2024-04-11"
    assert 'data-testid="depot-late"' in coord.get(page).text
    ics = Calendar.from_ical(coord.get(f"{page}/calendar.ics").content)
    goserelin = sorted(e.decoded("dtstart").isoformat() for e in ics.walk("VEVENT")
                       if "goserelin" in str(e.get("summary")))
    assert goserelin[:2] == ["2024-03-14", "2024-04-11"]
    # the JSON API records too, and refuses a dose before the previous one
    token = csrf_of(coord.get(page).text)
    answer = coord.post(f"/api/participants/{pid}/depots", json={
        "drug": "goserelin", "given_on": "2024-03-10"}, headers={"x-csrf-token": token})
    assert answer.status_code == 422 and answer.json()["field"] == "given_on"


def test_the_cli_records_and_shows_a_depot(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                           pid: str) -> None:
    inv = client_for("inv_a")
    plan = f"/participants/{pid}/treatment/plan"
    assert _post(inv, plan, {"female": "true", "variants.ovarian_function_suppression":
                             "goserelin"}, plan).status_code == 303
    db_file = Path(app_db.engine.url.database or "")
    env = {"DAWNA_DATABASE_URL": f"sqlite:///{db_file}", "DAWNA_ENV": "test",
           "LANG": "C.UTF-8", "COLUMNS": "200"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return invoke(["treatment", "depot", pid, "--as", "coord_a", *args], env)

    assert cli("--drug", "goserelin").returncode != 0  # --given-on missing
    done = cli("--drug", "goserelin", "--given-on", "2024-03-14")
    assert done.returncode == 0, done.stderr
    assert "next due 2024-04-11" in done.stdout
    before = cli("--drug", "goserelin", "--given-on", "2024-03-13")
    assert before.returncode == 1 and before.stderr.startswith("error: given_on:")


def test_the_screening_form_carries_the_menopause_criteria(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                           pid: str) -> None:
    page = client_for("coord_a").get(f"/participants/{pid}/screening")
    assert page.status_code == 200 and 'data-testid="menopause"' in page.text
    assert 'name="menopause.bilateral_oophorectomy"' in page.text
    assert 'name="menopause.amenorrhoea_confounders.0"' in page.text
    # the status the saved criteria give: 44 with regular menses
    assert "premenopausal: under 60 with regular menses" in page.text
