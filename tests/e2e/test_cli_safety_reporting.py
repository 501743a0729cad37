"""``dawna treatment terms``, ``ae`` (expectedness), ``susar-report`` and ``susars`` run as a
user runs them (through the installed entry point, in-process: tests/cli_runner.py) on a trial
set up through the services (issue 17 items 10 and 11)."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cli_runner import invoke
from helpers import SYSTEM, principal
from treatment_data import randomized_to

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.services import randomization, safety, treatment
from dawna.store.db import Database


def run(args: list[str], db: Database) -> subprocess.CompletedProcess[str]:
    return invoke(args, {"DAWNA_DATABASE_URL": db.url, "DAWNA_ENV": "test", "LANG": "C.UTF-8",
                         "COLUMNS": "200"})


def test_terms_found_in_chinese_and_a_susar_recorded_and_reported(
        app_db: Database, settings: Settings, tmp_path: Path) -> None:
    found = run(["treatment", "terms", "恶心"], app_db)
    assert found.returncode == 0 and found.stdout.startswith("Nausea · 恶心")
    assert run(["treatment", "terms", "肺炎"], app_db).stdout.startswith("Pneumonitis · 肺炎")

    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    treatment.confirm_plan(app_db, settings, principal(app_db, "inv_a"), pid,
                           treatment.PlanIn.model_validate({"measures": {}}))
    aware = (utcnow() - timedelta(hours=3)).astimezone(ZoneInfo("Asia/Shanghai"))
    event = {"term": "Pneumonitis", "grade": 3, "start_date": aware.date().isoformat(),
             "serious": True, "seriousness": ["hospitalisation"],
             "aware_at": aware.isoformat(), "relatedness": {"dalpiciclib": "related"},
             "action_taken": "drug_interrupted", "outcome": "not_recovered"}
    file = tmp_path / "ae.json"
    file.write_text(json.dumps(event), encoding="utf-8")
    refused = run(["treatment", "ae", pid, str(file), "--as", "coord_a"], app_db)
    assert refused.returncode == 1 and "expectedness" in refused.stderr
    assert safety.participant_events(app_db, principal(app_db, "coord_a"), pid) == []
    file.write_text(json.dumps({**event, "expectedness": "unexpected"}), encoding="utf-8")
    assert run(["treatment", "ae", pid, str(file), "--as", "coord_a"], app_db).returncode == 0

    base = ["treatment", "susar-report", pid, "--as", "coord_a", "--number", "1",
            "--kind", "initial", "--sent-on", aware.date().isoformat()]
    wrong = run([*base, "--to", "the press"], app_db)
    assert wrong.returncode == 1 and "recipient" in wrong.stderr
    sent = run([*base, "--to", "ethics_committee", "--reference", "EC-7"], app_db)
    assert sent.returncode == 0, sent.stderr
    listed = run(["treatment", "susars", "--as", "coord_a", "--format", "json"], app_db)
    (susar,) = json.loads(listed.stdout)["susars"]
    # not fatal or life-threatening: one report within 15 calendar days of the local day
    (clock,) = susar["deadlines"]
    assert clock["due_on"] == (aware.date() + timedelta(days=15)).isoformat()
    assert clock["missing"] == ["authority"] and susar["reports"][0]["reference"] == "EC-7"
    text = run(["treatment", "susars", "--as", "coord_a"], app_db).stdout
    assert f"SUSAR {pid} #1 Pneumonitis: initial due" in text
