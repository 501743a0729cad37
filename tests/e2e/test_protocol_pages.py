"""Protocol amendments through the web pages and the JSON API (issue 20 item 8): the
administrator's upload form, refusals naming the field, the diff page, the study page's version
history, roles, and the re-consent banner fragment."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from helpers import csrf_of, principal
from protocol_data import v2_text
from typer.testing import CliRunner

from dawna.cli import app
from dawna.clock import local_today, simulated
from dawna.config import Settings, get_settings
from dawna.errors import PermissionDenied, ValidationError
from dawna.services import participants
from dawna.services import protocol_amendments as amendments
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database


def _v2() -> bytes:
    return v2_text("2.0").encode()


def _fields(settings: Settings) -> dict[str, str]:
    today = local_today(settings.zone)
    return {"version": "2", "approved_on": today.isoformat(),
            "effective_on": (today + timedelta(days=10)).isoformat(),
            "summary": "IN8 threshold raised", "consent_version": "1.1"}


def test_an_administrator_loads_an_amendment_and_sees_its_diff(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("admin_ab")
    page = admin.get("/protocol-versions")
    assert page.status_code == 200 and 'data-testid="amend-form"' in page.text
    token = csrf_of(page.text)
    bad = admin.post("/protocol-versions", data=_fields(settings) | {"csrf_token": token},
                     files={"file": ("v2.yaml", b"schema_version: 1\nregistry: {}\n",
                                     "text/yaml")}, follow_redirects=False)
    assert bad.status_code == 422 and 'data-field="registry.nct_id"' in bad.text
    assert 'value="IN8 threshold raised"' not in bad.text  # a textarea keeps the summary
    assert "IN8 threshold raised" in bad.text
    assert admin.get("/api/protocol/versions").json()["in_force"] == "1"
    ok = admin.post("/protocol-versions", data=_fields(settings) | {"csrf_token": token},
                    files={"file": ("v2.yaml", _v2(), "text/yaml")}, follow_redirects=False)
    assert ok.status_code == 303, ok.text[:800]
    assert ok.headers["location"] == "/protocol-versions/diff?old=1&new=2&saved=1"
    diff = admin.get(ok.headers["location"])
    assert 'data-testid="amend-saved"' in diff.text
    assert 'data-testid="diff-section-settings"' in diff.text
    assert 'data-path="site_settings.anc_min.value"' in diff.text
    data = admin.get("/api/protocol/diff", params={"old": "1", "new": "2"}).json()
    assert data["changes"] == [{"section": "settings", "kind": "changed",
                                "path": "site_settings.anc_min.value", "old": 1.5, "new": 2.0}]
    versions = admin.get("/api/protocol/versions").json()
    assert [(v["label"], v["stored"], v["in_force"]) for v in versions["versions"]] == [
        ("1", True, True), ("2", True, False)]


def test_other_roles_read_the_history_but_cannot_amend(client_for, settings) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    page = coord.get("/protocol-versions")
    assert page.status_code == 200 and 'data-testid="amend-form"' not in page.text
    study = client_for(None).get("/study")
    assert 'data-testid="protocol-versions"' in study.text and 'data-version="1"' in study.text
    token = csrf_of(page.text)
    refused = coord.post("/api/protocol/versions", json=_fields(settings) | {
        "yaml_text": _v2().decode()}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    bad_date = coord.post("/api/protocol/versions", json=_fields(settings) | {
        "approved_on": "2025-02-30", "yaml_text": "x"}, headers={"X-CSRF-Token": token})
    assert bad_date.status_code == 422
    assert coord.get("/api/protocol/reconsent").json() == {
        "protocol_version": "1", "consent_version": "1.0", "participants": []}
    assert coord.get("/participants/NOPE/protocol-reconsent").status_code == 200


def test_the_command_line_amends_lists_and_diffs(cli_env: None, tmp_path: Path) -> None:
    settings = get_settings()
    f = _fields(settings)
    file = tmp_path / "v2.yaml"
    file.write_bytes(_v2())
    args = ["protocol", "amend", str(file), "--version", "2", "--approved", f["approved_on"],
            "--effective", f["effective_on"], "--summary", f["summary"],
            "--consent-version", "1.1"]
    refused = CliRunner().invoke(app, [*args, "--as", "coord_a"])
    assert isinstance(refused.exception, PermissionDenied)
    wrong = CliRunner().invoke(app, [*args[:-1], "9.9", "--as", "admin_ab"])
    assert isinstance(wrong.exception, ValidationError)
    assert wrong.exception.field == "consent_version"
    done = CliRunner().invoke(app, [*args, "--as", "admin_ab"])
    assert done.exit_code == 0, done.output
    assert "site_settings.anc_min.value" in done.output
    listed = CliRunner().invoke(app, ["protocol", "versions", "--format", "json"])
    data = json.loads(listed.output)
    assert data["in_force"] == "1" and [v["label"] for v in data["versions"]] == ["1", "2"]
    diff = json.loads(CliRunner().invoke(app, ["protocol", "diff", "1", "2", "--format",
                                                "json"]).output)
    assert diff["counts"] == {"settings": 1}


def test_the_participant_page_prompts_the_re_consent_the_version_in_force_requires(
        client_for, app_db: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with simulated(datetime(2025, 3, 10, 2, tzinfo=UTC)):
        amendments.amend(app_db, settings, principal(app_db, "admin_ab"), v2_text(), {
            "version": "2", "approved_on": "2025-03-03", "effective_on": "2025-03-15",
            "summary": "IN8 threshold raised", "consent_version": "1.1"})
    pid = participants.register(app_db, settings, principal(app_db, "coord_a"), ParticipantCreate(
        site_code="SITEA", consent_date=date(2024, 6, 1), full_name="赵丽",
        medical_record_number="MRN-90")).pseudonym  # signs 1.0, in force then
    coord = client_for("coord_a")
    assert f'hx-get="/participants/{pid}/protocol-reconsent"' in coord.get(
        f"/participants/{pid}").text
    banner = coord.get(f"/participants/{pid}/protocol-reconsent").text
    assert 'data-testid="protocol-reconsent-due"' in banner and "1.1" in banner
    listed = coord.get("/protocol-versions").text
    assert 'data-testid="protocol-reconsent"' in listed and pid in listed
    other_site = client_for("coord_b").get(f"/participants/{pid}/protocol-reconsent").text
    assert "protocol-reconsent-due" not in other_site
    # the study page and /api/study give the version in force
    assert coord.get("/api/study").json()["site_settings"]["anc_min"]["value"] == 2.5
    assert 'data-version="2"' in coord.get("/study").text
