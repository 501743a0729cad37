"""The CDK4/6 class rules through the services, with data a coordinator records (issue 17 item
11, dose part), answers from the labels:

- palbociclib (Ibrance) PI §2.2 Table 2 (the dalpiciclib class stand-in): haematological
  toxicities are dose-relevant, "except lymphopenia (unless associated with clinical events,
  e.g. opportunistic infections)": a grade 3 lymphocyte count alone proposes no hold;
- palbociclib PI §5.2 / ribociclib PI §2.2 Table: severe (grade >= 3) interstitial lung disease
  or pneumonitis -> permanently discontinue.

CTCAE v5.0 "Lymphocyte count decreased": grade 3 is < 0.5 - 0.2 x 10^9/L, so 0.3 is grade 3."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from helpers import principal
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import dose_modification, safety, treatment
from dawna.store.db import Database

# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _at(day: date) -> Any:
    return simulated(datetime(day.year, day.month, day.day, 4, tzinfo=UTC))


def _on_dalpiciclib(db: Database, settings: Settings) -> str:
    pid = randomized_to(db, settings, "A", "letrozole")
    with _at(date(2024, 3, 14)):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {}}))
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14)))
    return pid


def _dalpiciclib(db: Database, settings: Settings, pid: str) -> Any:
    props = dose_modification.propose(db, settings, principal(db, "inv_a"), pid)
    (prop,) = [p for p in props if p.drug == "dalpiciclib"]
    return prop


def test_grade_3_lymphopenia_alone_proposes_no_dalpiciclib_hold(trial: Database,
                                                                 settings: Settings) -> None:
    pid = _on_dalpiciclib(trial, settings)
    with _at(date(2024, 4, 10)):
        safety.record_lab(trial, settings, principal(trial, "coord_a"), pid, safety.LabIn(
            analyte="lymphocytes", value=0.3, unit="10^9/L", lln=1.0,
            sample_date=date(2024, 4, 10)))
        prop = _dalpiciclib(trial, settings, pid)
    assert prop.proposal.action.value == "continue"


def test_grade_3_neutropenia_still_holds_dalpiciclib(trial: Database,
                                                     settings: Settings) -> None:
    """The control: the same day with a grade 3 ANC (0.8, < 1.0 - 0.5) holds, so the test
    above is not passing for want of any proposal."""
    pid = _on_dalpiciclib(trial, settings)
    with _at(date(2024, 4, 10)):
        safety.record_lab(trial, settings, principal(trial, "coord_a"), pid, safety.LabIn(
            analyte="anc", value=0.8, unit="10^9/L", lln=1.8, sample_date=date(2024, 4, 10)))
        prop = _dalpiciclib(trial, settings, pid)
    assert prop.proposal.action.value == "hold_recheck"


def test_grade_3_pneumonitis_discontinues_dalpiciclib(trial: Database,
                                                      settings: Settings) -> None:
    pid = _on_dalpiciclib(trial, settings)
    with _at(date(2024, 4, 10)):
        safety.record_ae(trial, settings, principal(trial, "coord_a"), pid,
                         safety.AeIn.model_validate({
                             "term": "Pneumonitis", "grade": 3, "start_date": "2024-04-08",
                             "serious": True, "seriousness": ["hospitalisation"],
                             "aware_at": "2024-04-09T02:00:00+00:00",
                             "relatedness": {"dalpiciclib": "related",
                                             "letrozole": "not_related"},
                             "expectedness": "expected",
                             "action_taken": "drug_withdrawn", "outcome": "not_recovered"}))
        prop = _dalpiciclib(trial, settings, pid)
    assert prop.proposal.action.value == "discontinue"
