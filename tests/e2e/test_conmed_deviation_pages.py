"""The prohibited-medication deviation follows its concomitant medication through the routes
the coordinator uses (``docs/deviations.md`` "When the record behind a deviation changes"): the
page's deletion and correction, the JSON API's DELETE, ``dawna clinical delete``; the deviation
log then shows it withdrawn with the reason, outside the open deviations; an acknowledged one is
flagged and the investigator decides on the log page."""

from __future__ import annotations

import pytest
from helpers import csrf_of
from sqlalchemy import select
from treatment_data import on_capecitabine_cycle_1
from typer.testing import CliRunner

from dawna.cli import app as cli_app
from dawna.config import Settings
from dawna.store.db import Database
from dawna.store.models import ConcomitantMedication, ProtocolDeviation

CLARITHROMYCIN = {"drug": "Clarithromycin", "dose": "500", "unit": "mg", "route": "oral",
                  "frequency": "BID", "indication": "pneumonia", "start_date": "2024-08-20",
                  "stop_date": "2024-08-27"}


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    """Arm B on capecitabine, cycle 1 on 2024-03-15."""
    return on_capecitabine_cycle_1(app_db, settings)


def _post(client, url: str, data: dict[str, str], page: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)},
                       follow_redirects=False)


def _conmed_id(db: Database) -> int:
    with db.sessions() as s:
        return s.scalars(select(ConcomitantMedication.id)).one()


def _deviation(db: Database) -> ProtocolDeviation:
    with db.sessions() as s:
        row = s.scalars(select(ProtocolDeviation)).one()
        s.expunge(row)
        return row


def test_deleted_on_the_page_withdrawn_in_the_log(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                  pid: str) -> None:
    coord = client_for("coord_a")
    page = f"/participants/{pid}/clinical"
    assert _post(coord, f"{page}/conmeds", CLARITHROMYCIN, page).status_code == 303
    row_id = _conmed_id(app_db)
    assert [d["status"] for d in coord.get("/api/deviations?status=open").json()[
        "deviations"]] == ["open"]
    gone = _post(coord, f"{page}/conmeds/{row_id}/delete", {
        "version": "1", "reason": "entered for the wrong patient"}, page)
    assert gone.status_code == 303
    assert coord.get("/api/deviations?status=open").json()["deviations"] == []
    monitor = client_for("monitor_a")
    (dev,) = monitor.get("/api/deviations").json()["deviations"]
    assert dev["status"] == "withdrawn" and dev["withdrawn_by"] == "coord_a"
    assert dev["withdrawal"] == "source record deleted: entered for the wrong patient"
    log = monitor.get("/deviations?status=withdrawn").text
    assert 'data-status="withdrawn"' in log and "entered for the wrong patient" in log
    csv = monitor.get("/deviations.csv").text
    assert "withdrawn" in csv.splitlines()[1]


def test_corrected_on_the_page_out_of_prohibited_withdrawn(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                           pid: str) -> None:
    coord = client_for("coord_a")
    page = f"/participants/{pid}/clinical"
    assert _post(coord, f"{page}/conmeds", CLARITHROMYCIN, page).status_code == 303
    row_id = _conmed_id(app_db)
    done = _post(coord, f"{page}/conmeds/{row_id}/correct", {
        **CLARITHROMYCIN, "drug": "amoxicillin", "version": "1",
        "reason": "the chart says amoxicillin"}, f"{page}?edit=conmeds:{row_id}")
    assert done.status_code == 303, done.text
    assert _deviation(app_db).withdrawal == ("source record corrected, no longer a prohibited "
                                             "medication: the chart says amoxicillin")
    back = _post(coord, f"{page}/conmeds/{row_id}/correct", {
        **CLARITHROMYCIN, "version": "2", "reason": "clarithromycin after all"},
        f"{page}?edit=conmeds:{row_id}")
    assert back.status_code == 303, back.text
    assert _deviation(app_db).withdrawn_at is None


def test_api_delete_withdraws_and_the_investigator_reviews_an_acknowledged_one(  # type: ignore[no-untyped-def]
        client_for, app_db: Database, pid: str) -> None:
    coord = client_for("coord_a")
    headers = {"x-csrf-token": csrf_of(coord.get(f"/participants/{pid}/clinical").text)}
    body = {**CLARITHROMYCIN, "dose": 500, "ongoing": False}
    made = coord.post(f"/api/participants/{pid}/conmeds", json=body, headers=headers)
    assert made.status_code == 201, made.text
    dev = _deviation(app_db)
    inv = client_for("inv_a")
    inv_headers = {"x-csrf-token": csrf_of(inv.get("/deviations").text)}
    ack = inv.post(f"/api/participants/{pid}/deviations/{dev.id}/acknowledge",
                   json={"comment": "sponsor informed", "version": dev.version},
                   headers=inv_headers)
    assert ack.status_code == 200, ack.text
    gone = coord.request("DELETE", f"/api/participants/{pid}/conmeds/{made.json()['id']}",
                         json={"version": 1, "reason": "duplicate entry"}, headers=headers)
    assert gone.status_code == 200, gone.text
    (row,) = inv.get("/api/deviations?status=review").json()["deviations"]
    assert row["review"] == "source record deleted: duplicate entry"
    log = inv.get("/deviations").text
    assert 'data-testid="review-withdraw"' in log
    decided = _post(inv, f"/deviations/{dev.id}/review", {
        "participant": pid, "version": str(row["version"]), "decision": "withdraw",
        "comment": "never given"}, "/deviations")
    assert decided.status_code == 303, decided.text
    (after,) = inv.get("/api/deviations").json()["deviations"]
    assert after["status"] == "withdrawn" and after["withdrawn_by"] == "inv_a"


def test_cli_delete_withdraws(cli_env: None, app_db: Database, pid: str) -> None:
    runner = CliRunner()
    made = runner.invoke(cli_app, ["clinical", "record", "conmed", pid, "--as", "coord_a",
                                   *[a for k, v in CLARITHROMYCIN.items()
                                     for a in ("--set", f"{k}={v}")]])
    assert made.exit_code == 0, made.output
    gone = runner.invoke(cli_app, ["clinical", "delete", "conmeds", pid,
                                   str(_conmed_id(app_db)), "--as", "coord_a", "--version", "1",
                                   "--reason", "entered twice"])
    assert gone.exit_code == 0, gone.output
    assert _deviation(app_db).withdrawal == "source record deleted: entered twice"
    listed = runner.invoke(cli_app, ["deviations", "list", "--as", "monitor_a", "--status",
                                     "open", "--format", "json"])
    assert listed.exit_code == 0 and listed.output.strip() == "[]"


def test_cli_review_of_an_acknowledged_one(cli_env: None, app_db: Database, pid: str) -> None:
    runner = CliRunner()
    assert runner.invoke(cli_app, ["clinical", "record", "conmed", pid, "--as", "coord_a",
                                   *[a for k, v in CLARITHROMYCIN.items()
                                     for a in ("--set", f"{k}={v}")]]).exit_code == 0
    dev = _deviation(app_db)
    assert runner.invoke(cli_app, ["deviations", "acknowledge", pid, str(dev.id), "--as",
                                   "inv_a", "--comment", "sponsor informed"]).exit_code == 0
    assert runner.invoke(cli_app, ["clinical", "delete", "conmeds", pid,
                                   str(_conmed_id(app_db)), "--as", "coord_a", "--version", "1",
                                   "--reason", "entered twice"]).exit_code == 0
    assert _deviation(app_db).review == "source record deleted: entered twice"
    kept = runner.invoke(cli_app, ["deviations", "review", pid, str(dev.id), "--as", "inv_a",
                                   "--decision", "keep", "--comment", "it was given"])
    assert kept.exit_code == 0, kept.output
    after = _deviation(app_db)
    assert after.review is None and after.withdrawn_at is None
