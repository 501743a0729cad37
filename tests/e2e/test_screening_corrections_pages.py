"""Issue 18 items 1-4 and 6 through the web pages and the command line.

Item 3, the issue's case: a randomized participant (signed eligible with ECOG 1) whose ECOG a
coordinator corrects to 3 (IN3: ECOG 0-2). Refused without a reason; with one, saved, the
participant stays randomized, an eligibility violation awaits the investigator, and the signed
and corrected decisions are both shown.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cli_runner import invoke
from helpers import csrf_of
from screening_data import eligible_record
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.store.db import Database


def _flat(data: dict, prefix: str = "") -> list[tuple[str, str]]:  # type: ignore[type-arg]
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flat(value, f"{name}.")
        elif isinstance(value, list):
            if not value:
                out.append((f"{name}__none", "true"))
            for i, item in enumerate(value):
                out += _flat({k: (", ".join(v) if isinstance(v, list) else v)
                              for k, v in item.items()}, f"{name}.{i}.")
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        elif value is not None:
            out.append((name, str(value)))
    return out


def _post(client, url: str, pairs: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    return client.post(url, content=urlencode(pairs), follow_redirects=False,
                       headers={"content-type": "application/x-www-form-urlencoded"})


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    from helpers import SYSTEM

    from dawna.services import randomization

    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "A", "letrozole")


def test_correction_after_randomization_through_the_pages(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord, inv = client_for("coord_a"), client_for("inv_a")
    page = coord.get(f"/participants/{pid}/screening")
    token, version = csrf_of(page.text), page.text.split('name="version" value="')[1][:1]
    form = [*_flat(eligible_record() | {"ecog": 3}), ("version", version),
            ("csrf_token", token)]
    refused = _post(coord, f"/participants/{pid}/screening", [*form, ("reason", "")])
    assert refused.status_code == 422 and 'data-field="reason"' in refused.text
    saved = _post(coord, f"/participants/{pid}/screening",
                  [*form, ("reason", "ECOG was 3 per the clinic note")])
    assert saved.status_code == 303, saved.text[:2000]
    panel = coord.get(f"/participants/{pid}/eligibility-decisions?panel=1").text
    assert 'data-testid="signed-outcome">Eligible' in panel
    assert 'data-testid="current-outcome">Not eligible' in panel
    assert 'data-changed="IN3"' in panel and 'data-open="yes"' in panel
    assert 'data-testid="acknowledge"' not in panel  # the coordinator cannot acknowledge
    assert "Randomized" in coord.get(f"/participants/{pid}").text  # still randomized
    dashboard = inv.get("/dashboard").text  # the investigator learns of it
    assert 'data-testid="dashboard-deviations"' in dashboard and pid in dashboard
    page = inv.get(f"/participants/{pid}/eligibility-decisions")
    dev = page.text.split('data-deviation="')[1].split('"')[0]
    empty = _post(inv, f"/participants/{pid}/deviations/{dev}/acknowledge",
                  [("comment", ""), ("csrf_token", csrf_of(page.text))])
    assert empty.status_code == 422 and 'data-field="comment"' in empty.text
    done = _post(inv, f"/participants/{pid}/deviations/{dev}/acknowledge",
                 [("comment", "Participant continues; sponsor told"),
                  ("csrf_token", csrf_of(page.text))])
    assert done.status_code == 303
    after = inv.get(f"/participants/{pid}/eligibility-decisions").text
    assert 'data-open="no"' in after and "Participant continues; sponsor told" in after
    assert 'data-testid="dashboard-deviations"' not in inv.get("/dashboard").text


def test_the_checklist_shows_each_window_and_the_washout_flag(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    form = coord.get("/participants/new")
    made = coord.post("/participants/new", data={
        "site_code": "SITEA", "consent_date": "2024-03-01", "full_name": "周燕",
        "medical_record_number": "MRN-601", "csrf_token": csrf_of(form.text)},
        follow_redirects=False)
    pid = made.headers["location"].rsplit("/", 1)[1]
    data = eligible_record()
    data["fes_pet"]["er_positive_lesions"] = 0
    data["treatment_lines"].append({"agents": ["fulvestrant"], "setting": "advanced",
                                    "start_date": "2023-02-01", "stop_date": "2023-09-01"})
    data["treatment_lines"][1]["start_date"] = "2023-07-10"
    token = csrf_of(coord.get(f"/participants/{pid}/screening").text)
    live = _post(coord, f"/participants/{pid}/screening/check",
                 [*_flat(data), ("csrf_token", token)])
    assert 'data-criterion="EX1" data-status="unknown"' in live.text
    assert "fulvestrant blocks FES uptake until 2024-03-15" in live.text
    assert "Screening labs: at most 14 days before the decision (site decision)" in live.text


def _cli(args: list[str], db: Database) -> subprocess.CompletedProcess[str]:
    return invoke(args, {"DAWNA_DATABASE_URL": str(db.engine.url), "DAWNA_ENV": "test",
                         "LANG": "C.UTF-8", "COLUMNS": "200"})


def test_correction_and_acknowledgement_from_the_command_line(app_db: Database, pid: str,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(eligible_record() | {"ecog": 3}))
    refused = _cli(["eligibility", "save", pid, str(path), "--as", "coord_a"], app_db)
    assert refused.returncode == 1 and refused.stderr.startswith("error: reason:")
    unversioned = _cli(["eligibility", "save", pid, str(path), "--as", "coord_a", "--reason",
                        "ECOG was 3 per the clinic note"], app_db)
    assert unversioned.returncode == 1 and unversioned.stderr.startswith("error: version:")
    saved = _cli(["eligibility", "save", pid, str(path), "--as", "coord_a", "--reason",
                  "ECOG was 3 per the clinic note", "--version", "1"], app_db)
    assert saved.returncode == 0, saved.stderr
    assert "protocol deviation 1 opened: eligible -> ineligible" in saved.stdout
    shown = json.loads(_cli(["eligibility", "decisions", pid, "--as", "inv_a", "--format",
                             "json"], app_db).stdout)
    assert (shown["signed"]["outcome"], shown["current"]["outcome"]) == ("eligible",
                                                                         "ineligible")
    assert shown["changed"] == {"IN3": ["met", "not_met"]} and shown["randomized"]
    ack = _cli(["eligibility", "acknowledge", pid, "1", "--as", "inv_a", "--comment",
                "continues on study"], app_db)
    assert ack.returncode == 0, ack.stderr
    shown = json.loads(_cli(["eligibility", "decisions", pid, "--as", "inv_a", "--format",
                             "json"], app_db).stdout)
    assert shown["deviations"][0]["open"] is False
