"""Issue 20 item 4 through the pages, the JSON API and the command line: the investigator signs a
laboratory form with the password (a wrong one signs nothing), the signature shows the printed
name, time and meaning and locks the form; the coordinator's correction is refused naming the
lock; the data manager unlocks with a reason, the correction voids the signature ("signature
void: data changed after signing"); the casebook is locked from the command line; a freeze is
made and a results request for it is refused once data in its window changed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from helpers import PASSWORD, SYSTEM, csrf_of, principal
from treatment_data import randomized_to
from typer.testing import CliRunner

from dawna.cli import app
from dawna.clock import simulated
from dawna.config import Settings, get_settings
from dawna.errors import ConflictError, PermissionDenied
from dawna.services import admin, randomization, safety, treatment
from dawna.services.schemas import UserCreate
from dawna.store.db import Database
from dawna.store.models import Role

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def lab(app_db: Database, settings: Settings) -> tuple[str, int]:
    admin.create_user(app_db, SYSTEM, UserCreate(username="dm_a", display_name="Data Manager A",
                                                 password=PASSWORD), "test set-up")
    admin.grant_role(app_db, SYSTEM, "dm_a", "SITEA", Role.DATA_MANAGER, "test set-up")
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    with simulated(NOW):
        treatment.confirm_plan(app_db, settings, principal(app_db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {
                                   "height_cm": 160, "weight_kg": 64}}))
        row = safety.record_lab(app_db, settings, principal(app_db, "coord_a"), pid,
                                safety.LabIn(analyte="anc", value=2.6, unit="10^9/L", lln=1.8,
                                             sample_date=date(2024, 3, 13)))
    return pid, row.id


@pytest.fixture
def cli_env(app_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DAWNA_DATABASE_URL", app_db.url)
    monkeypatch.setenv("DAWNA_ENV", "test")
    monkeypatch.setenv("DAWNA_SIGN_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_sign_lock_unlock_void_through_pages_api_and_cli(
        client_for, app_db: Database, settings: Settings, lab: tuple[str, int],  # type: ignore[no-untyped-def]
        cli_env: None) -> None:
    pid, lab_id = lab
    inv, coord, dm, mon = (client_for(u) for u in ("inv_a", "coord_a", "dm_a", "monitor_a"))
    url = f"/participants/{pid}/casebook"
    page = inv.get(url)
    assert page.status_code == 200 and f'data-testid="form-lab_result-{lab_id}"' in page.text
    form = {"table_name": "lab_result", "row_id": str(lab_id), "meaning": "review",
            "confirm": "yes", "csrf_token": csrf_of(page.text)}
    wrong = inv.post(f"{url}/sign", data=form | {"password": "not-my-password"},
                     follow_redirects=False)
    assert wrong.status_code == 401 and "nothing was signed" in wrong.text
    assert "signature-valid" not in inv.get(url).text
    assert "/casebook/sign" not in coord.get(url).text  # no sign buttons for a coordinator
    signed = inv.post(f"{url}/sign", data=form | {"password": PASSWORD},
                      follow_redirects=False)
    assert signed.status_code == 303
    book = inv.get("/api/participants/" + pid + "/casebook").json()
    (entry,) = [f for f in book["forms"] if f["table_name"] == "lab_result"]
    assert entry["signature"]["signer_name"] == "inv_a" and entry["signature"]["valid"]
    assert entry["signature"]["meaning"].startswith("Review:") and entry["locked"]
    assert 'data-testid="signature-valid"' in inv.get(url).text
    # the lab's own page loads the same panel (HTMX), sign buttons sending back to it
    lab_page = inv.get(f"/participants/{pid}/labs/{lab_id}").text
    assert f"/forms/lab_result/{lab_id}/signoff" in lab_page
    panel = inv.get(f"/participants/{pid}/forms/lab_result/{lab_id}/signoff",
                    headers={"hx-current-url": f"http://x/participants/{pid}/labs/{lab_id}"})
    assert 'data-testid="signature-valid"' in panel.text and 'data-testid="lock"' in panel.text
    assert "/forms/screening/-/signoff" in inv.get(f"/participants/{pid}/screening").text
    one = inv.get(f"/participants/{pid}/forms/treatment_plan/-/signoff")  # the one plan
    assert one.status_code == 200 and 'name="table_name" value="treatment_plan"' in one.text
    assert inv.get(f"/participants/{pid}/forms/lab_result/99999999999/signoff").status_code == 404
    # the coordinator's correction through the API: 409 naming the lock, nothing stored
    token = csrf_of(coord.get(url).text)
    refused = coord.put(f"/api/participants/{pid}/labs/{lab_id}", json={
        "analyte": "anc", "value": 2.2, "unit": "10^9/L", "lln": 1.8,
        "sample_date": "2024-03-13", "version": 1, "reason": "typo"},
        headers={"x-csrf-token": token})
    assert refused.status_code == 409 and refused.json()["field"] == "lock", refused.text
    # the monitor may not unlock; the data manager needs a reason
    token = csrf_of(mon.get(url).text)
    assert mon.post(f"/api/participants/{pid}/unlock", json={
        "table_name": "lab_result", "row_id": str(lab_id), "reason": "no"},
        headers={"x-csrf-token": token}).status_code in (403, 422)
    token = csrf_of(dm.get(url).text)
    empty = dm.post(f"{url}/lock", data={"action": "unlock", "table_name": "lab_result",
                                         "row_id": str(lab_id), "reason": "",
                                         "csrf_token": token})
    assert empty.status_code == 422 and 'data-field="reason"' in empty.text
    done = dm.post(f"{url}/lock", data={"action": "unlock", "table_name": "lab_result",
                                        "row_id": str(lab_id), "reason": "query 7 answered",
                                        "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    with simulated(NOW):
        safety.correct_lab(app_db, settings, principal(app_db, "coord_a"), pid, lab_id,
                           safety.LabIn(analyte="anc", value=2.2, unit="10^9/L", lln=1.8,
                                        sample_date=date(2024, 3, 13)),
                           version=1, reason="transcription error")
    assert "signature void: data changed after signing" in inv.get(url).text
    zh = client_for("inv_a", "zh-CN").get(url).text  # the badge in Chinese (locale files)
    assert "签名与锁定" in zh or "Signature and lock" in zh
    # the command line: the data manager locks the casebook; the investigator signs it
    runner = CliRunner()
    result = runner.invoke(app, ["lock", "set", pid, "--as", "monitor_a", "--reason", "x y z"])
    assert isinstance(result.exception, PermissionDenied)
    result = runner.invoke(app, ["lock", "set", pid, "--as", "dm_a", "--reason", "cut review"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sign", "casebook", pid, "--as", "inv_a", "--yes"])
    assert result.exit_code == 0 and "signed by inv_a" in result.output, result.output
    result = runner.invoke(app, ["sign", "status", pid, "--as", "inv_a"])
    assert "casebook: signed by inv_a" in result.output and "locked" in result.output
    # a freeze; a change in its window afterwards makes its results refused
    with simulated(NOW):
        result = runner.invoke(app, ["freeze", "create", "interim", "--as", "dm_a",
                                     "--cut-off", "2024-08-31", "--description", "interim"])
    assert result.exit_code == 0, result.output
    assert "interim" in dm.get("/freezes").text
    runner.invoke(app, ["lock", "unlock", pid, "--as", "dm_a", "--reason", "late correction"])
    with simulated(NOW):
        safety.correct_lab(app_db, settings, principal(app_db, "coord_a"), pid, lab_id,
                           safety.LabIn(analyte="anc", value=2.3, unit="10^9/L", lln=1.8,
                                        sample_date=date(2024, 3, 13)),
                           version=2, reason="second look")
    result = runner.invoke(app, ["freeze", "check", "interim", "--as", "dm_a"])
    assert result.exit_code == 1 and "lab_result" in result.output
    answer = dm.get("/api/results/pfs?freeze=interim")
    assert answer.status_code == 409 and answer.json()["field"] == "freeze"
    result = runner.invoke(app, ["analysis", "pfs", "--as", "dm_a", "--freeze", "interim"])
    assert isinstance(result.exception, ConflictError) and result.exception.field == "freeze"


def test_the_demo_trial_has_signatures_locks_and_a_clean_freeze(
        tmp_path, demo_template) -> None:  # type: ignore[no-untyped-def]
    """The scaled demo (32 participants): signed casebooks and forms, locks, and one freeze
    whose window no later change touched."""
    import shutil

    from sqlalchemy import func, select

    from dawna.demo.signoff import FREEZE_NAME
    from dawna.services import freezes
    from dawna.store.models import DataFreeze, FormLock, FormSignature

    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, target)
    db = Database(f"sqlite:///{target}")
    try:
        with db.sessions() as s:
            scopes = dict(s.execute(select(FormSignature.scope, func.count()).where(
                FormSignature.active_key.is_not(None)).group_by(FormSignature.scope)).all())
            sources = dict(s.execute(select(FormLock.source, func.count()).where(
                FormLock.active_key.is_not(None)).group_by(FormLock.source)).all())
            assert s.scalar(select(func.count()).select_from(DataFreeze)) == 1
        assert scopes.get("casebook", 0) >= 1 and sources.get("signature", 0) >= 1
        assert sources.get("data_manager", 0) >= 1
        assert freezes.check(db, principal(db, "datamanager"), FREEZE_NAME).unchanged
    finally:
        db.dispose()
