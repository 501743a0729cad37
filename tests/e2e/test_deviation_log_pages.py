"""Issue 20 item 6 through the web pages, the JSON API and the command line: the detection
rules open a dose off its level and the missed blood counts of a hand-built course once (run
twice, opened once), the coordinator records a deviation (bad input refused, nothing stored),
only the investigator acknowledges (audited), the listing filters and exports, and a role
that does not see treatment data is refused.

The course, worked by hand: arm A (dalpiciclib 150 → 125 → 100 mg, letrozole 2.5 mg),
cycle 1 day 1 on 2024-03-14 with dalpiciclib 125 mg and no dose decision (due: the starting
level, 150 mg); blood counts due on day 1 (2024-03-14) and day 15 (2024-03-28) of cycle 1
(palbociclib label §2.2), none sampled; no tumour assessment is due within the cycle given.
"""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime

import pytest
from cli_runner import invoke
from helpers import csrf_of, principal
from sqlalchemy import select
from treatment_data import on_dalpiciclib_cycle_1

from dawna.clock import simulated
from dawna.config import Settings
from dawna.store.db import Database
from dawna.store.models import AuditRecord, ProtocolDeviation

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    return on_dalpiciclib_cycle_1(app_db, settings, NOW)


def _rows(db: Database) -> list[ProtocolDeviation]:
    with db.sessions() as s:
        return list(s.scalars(select(ProtocolDeviation).order_by(ProtocolDeviation.id)))


def test_detect_record_acknowledge_list_and_export(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                                   pid: str) -> None:
    coord = client_for("coord_a")
    page = coord.get("/deviations")
    assert page.status_code == 200 and "No protocol deviations." in page.text
    token = csrf_of(page.text)
    ran = coord.post("/deviations/detect", data={"csrf_token": token}, follow_redirects=False)
    assert ran.status_code == 303 and ran.headers["location"] == "/deviations?detected=3"
    found = {(r.kind, r.detection_key, r.occurred_on, r.importance) for r in _rows(app_db)}
    assert found == {
        ("dose_off_level", "dose:1:dalpiciclib", date(2024, 3, 14), "important"),
        ("blood_count_missed", "blood_count:1:1", date(2024, 3, 14), "important"),
        ("blood_count_missed", "blood_count:1:15", date(2024, 3, 28), "important")}
    listed = coord.get("/deviations").text
    assert "Cycle 1: dalpiciclib 125 mg given where 150 mg was due" in listed
    # run again (here through the API): nothing new
    again = coord.post("/api/deviations/detect", headers={"x-csrf-token": token})
    assert again.status_code == 200 and again.json()["opened"] == {}
    assert len(_rows(app_db)) == 3

    # the coordinator records one; a missing description is refused naming it, nothing stored
    bad = coord.post("/deviations", data={
        "csrf_token": token, "participant": pid, "category": "consent",
        "occurred_on": "2024-03-20", "importance": "important", "description": ""})
    assert bad.status_code == 422 and 'data-for="description"' in bad.text
    assert len(_rows(app_db)) == 3
    made = coord.post("/deviations", data={
        "csrf_token": token, "participant": pid, "category": "consent",
        "occurred_on": "2024-03-20", "importance": "important",
        "description": "Re-consent to version 2.0 obtained late",
        "action_taken": "Re-consented; ethics committee informed"}, follow_redirects=False)
    assert made.status_code == 303
    assert len(_rows(app_db)) == 4

    # the coordinator sees no acknowledgement form and is refused; the investigator acknowledges
    dose = next(r for r in _rows(app_db) if r.kind == "dose_off_level")
    assert 'data-testid="acknowledge"' not in coord.get("/deviations").text
    refused = coord.post(f"/deviations/{dose.id}/acknowledge", data={
        "csrf_token": token, "participant": pid, "comment": "seen"})
    assert refused.status_code == 403
    inv = client_for("inv_a")
    inv_token = csrf_of(inv.get("/deviations").text)
    done = inv.post(f"/deviations/{dose.id}/acknowledge", data={
        "csrf_token": inv_token, "participant": pid, "version": str(dose.version),
        "comment": "Pharmacy dispensed the 125 mg capsules", "importance": "important",
        "action_taken": "Pharmacy retrained; 150 mg from cycle 2"}, follow_redirects=False)
    assert done.status_code == 303
    with app_db.sessions() as s:
        row = s.get(ProtocolDeviation, dose.id)
        assert row is not None and row.acknowledged_by == "inv_a"
        assert row.action_taken == "Pharmacy retrained; 150 mg from cycle 2"
        reasons = set(s.scalars(select(AuditRecord.reason).where(
            AuditRecord.table_name == "protocol_deviation", AuditRecord.row_id == str(dose.id))))
    assert "Protocol deviation acknowledged: Pharmacy dispensed the 125 mg capsules" in reasons

    # filters, CSV, API
    open_only = inv.get("/deviations", params={"status": "open"}).text
    assert f'data-deviation="{dose.id}"' not in open_only
    exported = inv.get("/deviations.csv", params={"category": "visit_window"})
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["kind"] for r in table] == ["blood_count_missed", "blood_count_missed"]
    assert [r["occurred_on"] for r in table] == ["2024-03-14", "2024-03-28"]
    api = inv.get("/api/deviations", params={"category": "dose"}).json()["deviations"]
    assert [(d["kind"], d["acknowledged_by"], d["automatic"]) for d in api] == [
        ("dose_off_level", "inv_a", True)]

    # the monitor reviews (detect, no recording); the imaging reader does not see the log
    monitor = client_for("monitor_a").get("/deviations").text
    assert 'data-testid="detect"' in monitor and 'data-testid="record-deviation"' not in monitor
    assert client_for("reader_a").get("/deviations").status_code == 403


def test_detect_and_list_from_the_command_line(app_db: Database, pid: str) -> None:
    env = {"DAWNA_DATABASE_URL": str(app_db.engine.url), "DAWNA_ENV": "test", "LANG": "C.UTF-8"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return invoke(["deviations", *args], env)

    ran = cli("detect", "--as", "coord_a")
    assert ran.returncode == 0, ran.stderr
    assert "1 participants checked; 3 new deviations opened" in ran.stdout
    listed = cli("list", "--as", "inv_a", "--csv", "--category", "dose")
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [(r["participant"], r["kind"]) for r in rows] == [(pid, "dose_off_level")]


def test_the_safety_work_list_flags_open_events_of_a_participant_who_ended_the_study(
        client_for, app_db: Database, settings: Settings, pid: str) -> None:  # type: ignore[no-untyped-def]
    from dawna.services import lifecycle, safety

    coord = principal(app_db, "coord_a")
    with simulated(NOW):
        safety.record_ae(app_db, settings, coord, pid, safety.AeIn.model_validate({
            "term": "Neutrophil count decreased", "grade": 3, "start_date": "2024-04-01",
            "relatedness": {"dalpiciclib": "related", "letrozole": "not_related"},
            "action_taken": "drug_interrupted", "outcome": "not_recovered"}))
        page = client_for("coord_a").get("/safety").text
        assert 'data-testid="ended-study"' not in page  # still on study: not flagged
        lifecycle.end_treatment(app_db, settings, coord, pid, date(2024, 5, 1), "toxicity")
        lifecycle.end_study(app_db, settings, coord, pid, date(2024, 6, 1),
                            "lost_to_follow_up")
        board = safety.board(app_db, settings, coord)
    assert board.ended == {pid: date(2024, 6, 1)}
    assert [p for p, _ae in board.open_grade3] == [pid]  # kept on the list, flagged
    page = client_for("coord_a").get("/safety").text
    assert ("participant ended study on 2024-06-01: close or update this event" in page)


def test_saving_a_cycle_off_its_level_opens_the_deviation_at_once(client_for,  # type: ignore[no-untyped-def]
                                                                 app_db: Database,
                                                                 pid: str) -> None:
    coord = client_for("coord_a")
    token = csrf_of(coord.get(f"/participants/{pid}/treatment").text)
    # cycle 1 day 1 2024-03-14 + 28 days = 2024-04-11, dalpiciclib 125 mg where 150 mg is due
    saved = coord.post(f"/participants/{pid}/treatment/cycles", data={
        "csrf_token": token, "cycle": "2", "start_date": "2024-04-11",
        "doses.dalpiciclib": "125"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    keys = {r.detection_key for r in _rows(app_db)}
    assert {"dose:1:dalpiciclib", "dose:2:dalpiciclib"} <= keys
