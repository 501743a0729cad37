"""The dose-modification page, its JSON and the ``dawna treatment dose`` command (issue 17 items
1 and 3): each cause of a hold with its state, every ongoing grade >= 3 event in or out of the
proposal with why, a resume without a recheck refused naming the field, and the override
recorded. Hand-worked grades (CTCAE v5.0): ANC 0.8 ×10⁹/L (LLN 1.8) and platelets 40 ×10⁹/L are
grade 3; ANC 1.6 is grade 1."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import SYSTEM, csrf_of, principal
from sqlalchemy import select
from treatment_data import randomized_to
from typer.testing import CliRunner

from dawna.cli import app as cli_app
from dawna.config import Settings
from dawna.services import dose_modification, randomization, safety, treatment
from dawna.store.db import Database
from dawna.store.models import DoseDecision


@pytest.fixture
def held(app_db: Database, settings: Settings) -> str:
    """Arm A, cycle 1 on 2024-03-14; dalpiciclib held on 2024-04-10 for grade 3 neutrophils
    and platelets; neutrophils rechecked (grade 1), platelets not; an unrelated ongoing grade 3
    diarrhoea."""
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    inv, coord = principal(app_db, "inv_a"), principal(app_db, "coord_a")
    treatment.confirm_plan(app_db, settings, inv, pid,
                           treatment.PlanIn.model_validate({"measures": {}}))
    treatment.record_cycle(app_db, settings, coord, pid,
                           treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    for analyte, value, lln, on in (("anc", 0.8, 1.8, date(2024, 4, 10)),
                                    ("platelets", 40, 150, date(2024, 4, 10))):
        safety.record_lab(app_db, settings, coord, pid, safety.LabIn(
            analyte=analyte, value=value, unit="10^9/L", lln=lln, sample_date=on))
    dose_modification.decide(app_db, settings, inv, pid, "dalpiciclib", "hold_recheck",
                             "grade 3 counts", decision_date=date(2024, 4, 10))
    safety.record_lab(app_db, settings, coord, pid, safety.LabIn(
        analyte="anc", value=1.6, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 16)))
    safety.record_ae(app_db, settings, coord, pid, safety.AeIn.model_validate({
        "term": "Diarrhea", "grade": 3, "start_date": "2024-04-15",
        "relatedness": {"dalpiciclib": "not_related", "letrozole": "not_related"},
        "action_taken": "dose_not_changed", "outcome": "not_recovered"}))
    return pid


def test_the_dose_page_shows_each_cause_and_refuses_a_resume_without_recheck(  # type: ignore[no-untyped-def]
        client_for, held: str, app_db: Database) -> None:
    inv = client_for("inv_a")
    url = f"/participants/{held}/dose"
    page = inv.get(url)
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="causes-dalpiciclib"' in text
    assert 'data-state="recovered"' in text and 'data-state="no_recheck"' in text
    assert 'data-testid="severe-dalpiciclib"' in text and 'data-in="no"' in text
    assert "not related to dalpiciclib" in text
    assert "domain.md" not in text
    refused = inv.post(url, data={"csrf_token": csrf_of(text), "drug": "dalpiciclib",
                                  "action": "resume_same", "reason": "neutrophils fine"},
                       follow_redirects=False)
    assert refused.status_code == 422 and 'data-field="recheck"' in refused.text
    with app_db.sessions() as s:
        assert len(s.scalars(select(DoseDecision)).all()) == 1
    api = inv.get(f"/api/participants/{held}/dose-proposals").json()
    (proposal,) = api["proposals"]
    assert [(c["term"], c["state"]) for c in proposal["causes"]] == [
        ("Neutrophil count decreased", "recovered"), ("Platelet count decreased", "no_recheck")]
    assert proposal["severe_events"][0]["in_proposal"] is False
    ok = inv.post(url, data={"csrf_token": csrf_of(inv.get(url).text), "drug": "dalpiciclib",
                             "action": "resume_same", "override": "1",
                             "reason": "platelets 160 at the outside hospital"},
                  follow_redirects=False)
    assert ok.status_code == 303, ok.text[:600]
    assert 'data-testid="override"' in inv.get(f"/participants/{held}/treatment").text
    with app_db.sessions() as s:
        last = s.scalars(select(DoseDecision).order_by(DoseDecision.id.desc())).first()
        assert last is not None and last.override and last.action == "resume_same"


def test_the_dose_command_shows_the_same(held: str, app_db: Database, settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dawna.cli.treatment.database", lambda: app_db)
    monkeypatch.setattr("dawna.cli.treatment.get_settings", lambda: settings)
    result = CliRunner().invoke(cli_app, ["treatment", "dose", held, "--as", "inv_a"])
    assert result.exit_code == 0, result.output
    assert "dalpiciclib: hold_recheck" in result.output
    assert "cause Platelet count decreased grade 3: no recheck yet" in result.output
    assert "ongoing Diarrhea grade 3: left out of the proposal" in result.output
