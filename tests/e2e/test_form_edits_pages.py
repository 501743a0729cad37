"""Corrections and deletions of the issue 21 forms through the web pages, the JSON API (PUT and
DELETE with the version and a reason) and the CLI (``dawna clinical correct / delete``): the
correction form shows the stored values, a bad correction is refused naming its field with the
values typed kept, a stale or repeated version is a 409 naming the current one, a deletion
needs its reason."""

from __future__ import annotations

import pytest
from helpers import csrf_of
from sqlalchemy import select
from treatment_data import on_capecitabine_cycle_1
from typer.testing import CliRunner

from dawna.cli import app as cli_app
from dawna.config import Settings
from dawna.store.db import Database
from dawna.store.models import AuditRecord, ConcomitantMedication, VitalSigns


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    """Arm B on capecitabine (oral: dispensed), cycle 1 on 2024-03-15."""
    return on_capecitabine_cycle_1(app_db, settings)


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


CONMED = {"drug": "ondansetron", "dose": "8", "unit": "mg", "route": "oral",
          "frequency": "BID", "indication": "nausea", "start_date": "2024-03-15",
          "ongoing": "true"}


def test_a_conmed_corrected_and_deleted_from_the_page(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                      pid: str) -> None:
    coord = client_for("coord_a")
    page = f"/participants/{pid}/clinical"
    assert _post(coord, f"{page}/conmeds", CONMED, page).status_code == 303
    with app_db.sessions() as s:
        row_id = s.scalars(select(ConcomitantMedication.id)).one()
    edit = f"{page}?edit=conmeds:{row_id}"
    form = coord.get(edit).text
    assert f'action="{page}/conmeds/{row_id}/correct"' in form
    assert 'value="ondansetron"' in form and 'value="BID"' in form
    assert 'data-testid="delete-form"' in form
    bad = _post(coord, f"{page}/conmeds/{row_id}/correct", {
        **CONMED, "ongoing": "", "stop_date": "2024-03-10", "version": "1",
        "reason": "stop date from the chart"}, edit)
    assert bad.status_code == 422 and 'data-field="stop_date"' in bad.text
    assert 'value="2024-03-10"' in bad.text and "stop date from the chart" in bad.text
    done = _post(coord, f"{page}/conmeds/{row_id}/correct", {
        **CONMED, "frequency": "TID", "version": "1", "reason": "the chart says TID"}, edit)
    assert done.status_code == 303, done.text
    stale = _post(coord, f"{page}/conmeds/{row_id}/delete", {
        "version": "1", "reason": "entered for the wrong patient"}, page)
    assert stale.status_code == 409 and "version 2" in stale.text
    no_reason = _post(coord, f"{page}/conmeds/{row_id}/delete", {"version": "2", "reason": ""},
                      page)
    assert no_reason.status_code == 422 and 'data-field="reason"' in no_reason.text
    gone = _post(coord, f"{page}/conmeds/{row_id}/delete", {
        "version": "2", "reason": "entered for the wrong patient"}, page)
    assert gone.status_code == 303 and "deleted=1" in gone.headers["location"]
    with app_db.sessions() as s:
        assert s.scalars(select(ConcomitantMedication)).all() == []
        reasons = set(s.scalars(select(AuditRecord.reason).where(
            AuditRecord.table_name == "concomitant_medication",
            AuditRecord.row_id == str(row_id))))
    assert {"the chart says TID", "entered for the wrong patient"} <= reasons


def test_oral_drug_forms_corrected_and_deleted_from_the_page(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    page = f"/participants/{pid}/drugs"
    assert _post(coord, f"{page}/pregnancy", {
        "test_date": "2024-03-13", "purpose": "treatment", "method": "urine",
        "result": "negative", "contraception": "condom"}, page).status_code == 303
    assert _post(coord, f"{page}/diary", {"cycle": "1", "drug": "capecitabine",
                                          "first_day": "2024-03-15", "last_day": "2024-03-28",
                                          "missed": "3"}, page).status_code == 303
    pre = coord.get(f"/api/participants/{pid}/pretreatment").json()
    test_id = pre["pregnancy_tests"][0]["id"]
    form = coord.get(f"{page}?edit=pregnancy:{test_id}").text
    assert '<option value="urine" selected>' in form and 'value="condom"' in form
    fixed = _post(coord, f"{page}/pregnancy/{test_id}/correct", {
        "test_date": "2024-03-13", "purpose": "treatment", "method": "serum",
        "result": "negative", "contraception": "condom", "version": "1",
        "reason": "serum test, not urine"}, page)
    assert fixed.status_code == 303, fixed.text
    acc = coord.get(f"/api/participants/{pid}/dispensing").json()
    (diary,) = acc["diaries"]
    assert diary["missed"] == [3] and diary["first_day"] == "2024-03-15"
    form = coord.get(f"{page}?edit=diary:{diary['id']}").text
    assert 'name="missed" value="3"' in form
    fixed = _post(coord, f"{page}/diary/{diary['id']}/correct", {
        "cycle": "1", "drug": "capecitabine", "first_day": "2024-03-15",
        "last_day": "2024-03-28", "missed": "3, 4", "version": "1",
        "reason": "day 4 missed as well"}, page)
    assert fixed.status_code == 303, fixed.text
    assert coord.get(f"/api/participants/{pid}/dispensing").json()["diaries"][0][
        "missed"] == [3, 4]
    assert _post(coord, f"{page}/diary/{diary['id']}/delete", {
        "version": "2", "reason": "another participant's diary"}, page).status_code == 303
    assert coord.get(f"/api/participants/{pid}/dispensing").json()["diaries"] == []
    assert coord.get(f"/api/participants/{pid}/pretreatment").json()[
        "pregnancy_tests"][0]["method"] == "serum"
    # a dispensing with its return: the return corrected (version and reason), the dispensing
    # refused below what came back
    dispense = {"cycle": "1", "drug": "capecitabine", "dispensed_on": "2024-03-15",
                "lot_number": "CP2403", "expiry_date": "2025-12-31", "bottles": "2",
                "units_dispensed": "112", "unit_strength_mg": "500", "units_per_day": "6",
                "prescribed_days": "14"}
    assert _post(coord, f"{page}/dispense", dispense, page).status_code == 303
    row = coord.get(f"/api/participants/{pid}/dispensing").json()["dispensings"][0]
    back = f"{page}/dispense/{row['id']}/return"
    assert _post(coord, back, {"returned_on": "2024-03-29", "units_returned": "28",
                               "units_lost": "0", "version": "1"}, page).status_code == 303
    form = coord.get(f"{page}?edit=dispensing:{row['id']}").text
    assert 'data-testid="return-correction-form"' in form and 'value="28"' in form
    again = {"returned_on": "2024-03-29", "units_returned": "30", "units_lost": "0",
             "version": "2"}
    no_reason = _post(coord, back, again, page)
    assert no_reason.status_code == 422 and 'data-field="reason"' in no_reason.text
    assert _post(coord, back, {**again, "reason": "two tablets found in the bag"},
                 page).status_code == 303
    stale = _post(coord, back, {**again, "reason": "recount"}, page)
    assert stale.status_code == 409 and "version 3" in stale.text
    fewer = _post(coord, f"{page}/dispensing/{row['id']}/correct", {
        **dispense, "units_dispensed": "20", "version": "3", "reason": "label misread"}, page)
    assert fewer.status_code == 422 and 'data-field="units_dispensed"' in fewer.text
    row = coord.get(f"/api/participants/{pid}/dispensing").json()["dispensings"][0]
    assert (row["units_returned"], row["units_dispensed"], row["version"]) == (30, 112, 3)
    # taken (112 - 30) / expected 84 = 97.6 %
    assert row["compliance"] == 0.9762


VITALS = {"measured_on": "2024-03-14", "timepoint": "screening", "height_cm": 160,
          "weight_kg": 64}


def test_api_put_and_delete_with_version(client_for, app_db: Database, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    headers = {"x-csrf-token": csrf_of(coord.get(f"/participants/{pid}/clinical").text)}
    made = coord.post(f"/api/participants/{pid}/vital-signs", json=VITALS, headers=headers)
    assert made.status_code == 201, made.text
    url = f"/api/participants/{pid}/vital-signs/{made.json()['id']}"
    body = {**VITALS, "weight_kg": 62, "version": 1, "reason": "scale read wrongly"}
    done = coord.put(url, json=body, headers=headers)
    assert done.status_code == 200, done.text
    assert [(v["weight_kg"], v["version"]) for v in done.json()["vitals"]] == [(62, 2)]
    again = coord.put(url, json=body, headers=headers)  # the same request repeated
    assert again.status_code == 409 and again.json()["field"] == "version"
    assert "version 2" in again.json()["detail"]
    bad = coord.put(url, json={**body, "weight_kg": 5000, "version": 2}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "weight_kg"
    no_reason = coord.put(url, json={**body, "version": 2, "reason": ""}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.json()["field"].endswith("reason")
    with app_db.sessions() as s:
        assert s.scalars(select(VitalSigns.weight_kg)).all() == [62]
    stale = coord.request("DELETE", url, json={"version": 1, "reason": "entered in error"},
                          headers=headers)
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"]
    gone = coord.request("DELETE", url, json={"version": 2, "reason": "entered in error"},
                         headers=headers)
    assert gone.status_code == 200 and gone.json()["vitals"] == []
    monitor = client_for("monitor_a")
    m_headers = {"x-csrf-token": csrf_of(monitor.get(f"/participants/{pid}/clinical").text)}
    refused = monitor.put(f"/api/participants/{pid}/dose-diary/1", headers=m_headers,
                          json={"cycle": 1, "drug": "capecitabine",
                                "days": {"2024-03-15": True}, "version": 1, "reason": "abc"})
    assert refused.status_code in (403, 404)


def test_cli_corrects_and_deletes(cli_env: None, app_db: Database, pid: str) -> None:
    runner = CliRunner()
    made = runner.invoke(cli_app, ["clinical", "record", "vitals", pid, "--as", "coord_a",
                                   *[a for k, v in VITALS.items() for a in ("--set", f"{k}={v}")]])
    assert made.exit_code == 0, made.output
    with app_db.sessions() as s:
        row_id = s.scalars(select(VitalSigns.id)).one()
    args = ["clinical", "correct", "vitals", pid, str(row_id), "--as", "coord_a",
            "--reason", "scale read wrongly",
            *[a for k, v in (VITALS | {"weight_kg": 61.5}).items() for a in ("--set", f"{k}={v}")]]
    assert runner.invoke(cli_app, [*args, "--version", "1"]).exit_code == 0
    stale = runner.invoke(cli_app, [*args, "--version", "1"])
    assert stale.exit_code != 0 and getattr(stale.exception, "field", None) == "version"
    assert "version 2" in str(stale.exception)
    bad = runner.invoke(cli_app, ["clinical", "correct", "vitals", pid, str(row_id), "--as",
                                  "coord_a", "--reason", "typo", "--version", "2",
                                  *[a for k, v in (VITALS | {"weight_kg": 5000}).items()
                                    for a in ("--set", f"{k}={v}")]])
    assert bad.exit_code != 0 and getattr(bad.exception, "field", None) == "weight_kg"
    with app_db.sessions() as s:
        assert s.scalars(select(VitalSigns.weight_kg)).all() == [61.5]
    gone = runner.invoke(cli_app, ["clinical", "delete", "vitals", pid, str(row_id), "--as",
                                   "coord_a", "--version", "2", "--reason", "duplicate entry"])
    assert gone.exit_code == 0, gone.output
    with app_db.sessions() as s:
        assert s.scalars(select(VitalSigns)).all() == []
