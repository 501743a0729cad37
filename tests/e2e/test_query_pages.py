"""Queries and source data verification over HTTP and the command line (issue 20 items 1 and 2):
the monitor raises a query on a laboratory value from the participant's forms, the coordinator
sees the marker next to the field, corrects the value on the lab page (with its reason) and
answers by correction, the monitor closes the query and verifies the form; counts on the
dashboard; the JSON API with its refusals (422 naming the field, 403, 409 naming the version);
the CLI. One trial per module test: a participant randomized 2024-03-12 with ALT 30 U/L sampled
2024-03-13."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from helpers import SYSTEM, csrf_of, principal
from treatment_data import randomized_to
from typer.testing import CliRunner

from dawna.cli import app
from dawna.clock import simulated
from dawna.config import Settings, get_settings
from dawna.services import randomization, safety
from dawna.store.db import Database


@pytest.fixture
def trial(app_db: Database, settings: Settings) -> tuple[Database, str, int]:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    with simulated(datetime(2024, 3, 13, 4, tzinfo=UTC)):
        lab = safety.record_lab(app_db, settings, principal(app_db, "coord_a"), pid,
                                safety.LabIn(analyte="ALT", value=30, unit="U/L", uln=40,
                                             sample_date=date(2024, 3, 13)))
    return app_db, pid, lab.id


def _post(client: TestClient, page: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def test_raise_answer_by_correction_close_and_verify_through_the_pages(
        client_for: Callable[..., TestClient], trial: tuple[Database, str, int]) -> None:
    db, pid, lab = trial
    monitor, coord = client_for("monitor_a"), client_for("coord_a")
    forms = monitor.get(f"/participants/{pid}/queries")
    assert forms.status_code == 200
    assert f'data-testid="raise-lab_result-{lab}"' in forms.text
    new = f"/queries/new?table_name=lab_result&row_id={lab}&field=value"
    empty = _post(monitor, new, "/queries", {"table_name": "lab_result", "row_id": str(lab),
                                            "field": "value", "text": "  "})
    assert empty.status_code == 422 and 'data-field="text"' in empty.text
    raised = _post(monitor, new, "/queries", {"table_name": "lab_result", "row_id": str(lab),
                                             "field": "value", "text": "ALT on the report?"})
    assert raised.status_code == 303
    query_page = raised.headers["location"].split("?")[0]
    qid = query_page.rsplit("/", 1)[1]
    # the coordinator sees the query next to the value, and on the participant page's panel
    lab_page = coord.get(f"/participants/{pid}/labs/{lab}")
    assert f'data-testid="query-marker-lab_result-{lab}-value"' in lab_page.text
    assert "ALT on the report?" in coord.get(f"/participants/{pid}/queries?panel=1").text
    refused = _post(coord, query_page, f"{query_page}/close", {"version": "1"})
    assert refused.status_code == 403
    corrected = _post(coord, f"/participants/{pid}/labs/{lab}", f"/participants/{pid}/labs/{lab}",
                      {"version": "1", "analyte": "alt", "value": "36", "unit": "U/L",
                       "uln": "40", "sample_date": "2024-03-13",
                       "reason": "transcription error: the report says 36"})
    assert corrected.status_code == 303, corrected.text
    answered = _post(coord, query_page, f"{query_page}/answer", {
        "version": "1", "answer_kind": "corrected", "text": "Corrected to 36 U/L"})
    assert answered.status_code == 303, answered.text
    detail = monitor.get(query_page).text
    assert "transcription error: the report says 36" in detail and "30.0 → 36.0" in detail
    stale = _post(monitor, query_page, f"{query_page}/close", {"version": "1"})
    assert stale.status_code == 409 and "version 2" in stale.text
    assert _post(monitor, query_page, f"{query_page}/close", {"version": "2"}).status_code == 303
    listed = monitor.get("/queries?status=closed&form=lab_result").text
    assert f'data-query="{qid}"' in listed
    dashboard = monitor.get("/dashboard").text
    assert 'data-testid="dashboard-queries"' in dashboard
    verified = _post(monitor, f"/participants/{pid}/queries",
                     f"/participants/{pid}/sdv", {"table_name": "lab_result",
                                                  "row_id": str(lab), "field": ""})
    assert verified.status_code == 303
    progress = monitor.get("/sdv").text
    # 1 of the participant's 1 laboratory forms verified: 100.0 %
    assert 'data-key="lab_result"><td>Laboratory result</td><td class="num">1</td>' \
           '<td class="num">1</td><td class="num">0</td><td class="num">100.0</td>' in progress
    assert db is not None


def test_the_json_api_raises_answers_and_refuses(
        client_for: Callable[..., TestClient], trial: tuple[Database, str, int]) -> None:
    _db, pid, lab = trial
    monitor, coord = client_for("monitor_a"), client_for("coord_a")

    def post(client: TestClient, url: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
        token = client.cookies.get("dawna_csrf") or csrf_of(client.get("/queries").text)
        return client.post(url, json=body, headers={"X-CSRF-Token": token})

    csrf_of(monitor.get("/queries").text)
    csrf_of(coord.get("/queries").text)
    empty = post(monitor, "/api/queries", {"table_name": "lab_result", "row_id": str(lab),
                                           "text": ""})
    assert empty.status_code == 422 and empty.json()["field"] == "text"
    made = post(monitor, "/api/queries", {"table_name": "lab_result", "row_id": str(lab),
                                          "field": "value", "text": "Please check"})
    assert made.status_code == 201, made.text
    q = made.json()
    assert (q["status"], q["version"], q["field"], q["pseudonym"]) == ("open", 1, "value", pid)
    assert post(coord, "/api/queries", {"table_name": "lab_result", "row_id": str(lab),
                                        "text": "x"}).status_code == 403
    answer = post(coord, f"/api/queries/{q['id']}/answer",
                  {"text": "As reported", "answer_kind": "explained", "version": 1})
    assert answer.status_code == 200 and answer.json()["status"] == "answered"
    again = post(coord, f"/api/queries/{q['id']}/answer",
                 {"text": "As reported", "answer_kind": "explained", "version": 1})
    assert again.status_code == 409 and again.json()["field"] == "version"
    counts = monitor.get("/api/queries/counts").json()
    assert counts == {"sites": [{"site_code": "SITEA", "open": 0, "answered": 1, "closed": 0}]}
    mark = post(monitor, "/api/sdv", {"table_name": "lab_result", "row_id": str(lab)})
    assert mark.status_code == 201
    by_form = monitor.get("/api/sdv/progress?by=form").json()["rows"]
    labs = next(r for r in by_form if r["key"] == "lab_result")
    assert (labs["forms"], labs["verified"], labs["percent"]) == (1, 1, 100.0)
    assert monitor.get(f"/api/participants/{pid}/queries").json()["queries"][0]["id"] == q["id"]
    # a lab saved through the API runs the edit checks: ANC 35 > soft maximum 30 ×10⁹/L
    saved = post(coord, f"/api/participants/{pid}/labs", {
        "analyte": "ANC", "value": 35, "unit": "10^9/L", "lln": 1.8,
        "sample_date": "2024-03-20", "confirm_implausible": True})
    assert saved.status_code == 200, saved.text
    opened = monitor.get("/api/queries?status=open").json()["queries"]
    assert [q["check_id"] for q in opened] == ["lab_implausible"]


@pytest.fixture
def cli_env(app_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DAWNA_DATABASE_URL", app_db.url)
    monkeypatch.setenv("DAWNA_ENV", "test")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_runs_the_workflow_and_the_edit_checks(
        trial: tuple[Database, str, int], cli_env: None) -> None:
    _db, _pid, lab = trial
    runner = CliRunner()
    raised = runner.invoke(app, ["queries", "raise", "--as", "monitor_a", "--form",
                                 "lab_result", "--row", str(lab), "--field", "value",
                                 "--text", "Please check"])
    assert raised.exit_code == 0, raised.output
    qid = raised.output.split()[1]
    refused = runner.invoke(app, ["queries", "close", qid, "--as", "coord_a", "--version", "1"])
    assert refused.exit_code != 0
    answered = runner.invoke(app, ["queries", "answer", qid, "--as", "coord_a", "--version",
                                   "1", "--text", "As reported", "--explained"])
    assert answered.exit_code == 0, answered.output
    closed = runner.invoke(app, ["queries", "close", qid, "--as", "monitor_a", "--version", "2"])
    assert closed.exit_code == 0, closed.output
    listed = runner.invoke(app, ["queries", "list", "--as", "monitor_a", "--status", "closed"])
    assert f"#{qid} SITEA" in listed.output
    checks = runner.invoke(app, ["queries", "run-checks"])
    assert checks.exit_code == 0 and "0 findings" in checks.output
    marked = runner.invoke(app, ["sdv", "mark", "--as", "monitor_a", "--form", "lab_result",
                                 "--row", str(lab)])
    assert marked.exit_code == 0, marked.output
    shown = runner.invoke(app, ["sdv", "progress", "--as", "monitor_a", "--by", "form"])
    assert "lab_result: 1/1 100.0 %" in shown.output


def test_saving_an_implausible_lab_on_the_web_raises_an_edit_check_query(
        client_for: Callable[..., TestClient], trial: tuple[Database, str, int]) -> None:
    _db, pid, _lab = trial
    coord, monitor = client_for("coord_a"), client_for("monitor_a")
    saved = _post(coord, f"/participants/{pid}/treatment", f"/participants/{pid}/labs", {
        "analyte": "anc", "value": "35", "unit": "10^9/L", "lln": "1.8",
        "sample_date": "2024-03-20", "confirm_implausible": "yes"})
    assert saved.status_code == 303, saved.text
    found = monitor.get("/api/queries?status=open").json()["queries"]
    # ANC 35 ×10⁹/L is above the protocol file's soft maximum of 30 ×10⁹/L
    assert [(q["check_id"], q["raised_by"], q["field"]) for q in found] == [
        ("lab_implausible", "system:edit-check", "value")]
