"""Ovarian suppression through the services (issue 17 item 4): menopausal status from its
criteria (NCCN MENO-1) is required before arm A's endocrine choice is accepted, at
randomization and on the treatment plan; pre/perimenopausal women get suppression."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import SYSTEM, principal
from randomization_data import STRATA, _signed_eligible
from screening_data import eligible_record
from screening_data import premenopausal_record as premenopausal
from sqlalchemy import func, select
from treatment_data import randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.services import randomization, treatment
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant, Screening, TreatmentPlan
from dawna.store.uow import UnitOfWork

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)
CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}


# ``trial``: tests/conftest.py (the two-site trial with its randomization list live)
pytestmark = pytest.mark.list_live


def _allocations(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Allocation)) or 0)


def test_randomization_refuses_a_blank_status_and_letrozole_without_suppression(
        trial: Database, settings: Settings) -> None:
    coord = principal(trial, "coord_a")
    blank = eligible_record()
    blank.pop("menopause")
    [no_status] = _signed_eligible(trial, 1, record_data=blank, prefix="B")
    with pytest.raises(ValidationError) as err:
        randomization.randomize(trial, settings, coord, no_status, STRATA[0], CHOICES)
    assert err.value.field == "record.menopause"
    [pre] = _signed_eligible(trial, 1, record_data=premenopausal(), prefix="P")
    with pytest.raises(ValidationError) as err:
        randomization.randomize(trial, settings, coord, pre, STRATA[0], CHOICES)
    assert err.value.field == "ovarian_function_suppression"
    assert _allocations(trial) == 0  # nothing consumed
    done = randomization.randomize(trial, settings, coord, pre, STRATA[0],
                                   CHOICES | {"ovarian_function_suppression": "goserelin"})
    assert done.arm in ("A", "B")


def test_plan_of_a_premenopausal_woman_needs_suppression(trial: Database,
                                                         settings: Settings) -> None:
    # randomized with suppression chosen, then the test forces arm A letrozole without it
    # (as a record randomized before the rule existed would be)
    pid = randomized_to(trial, settings, "A", "letrozole", record=premenopausal(),
                        choices=CHOICES | {"ovarian_function_suppression": "goserelin"})
    inv = principal(trial, "inv_a")
    plan = treatment.PlanIn.model_validate({"measures": {}})
    with simulated(NOW), pytest.raises(ValidationError) as err:
        treatment.confirm_plan(trial, settings, inv, pid, plan)
    assert err.value.field == "variants.ovarian_function_suppression"
    with trial.sessions() as s:
        assert s.scalar(select(func.count()).select_from(TreatmentPlan)) == 0
    with simulated(NOW):
        done = treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn.model_validate(
            {"variants": {"ovarian_function_suppression": "goserelin"}}))
    assert {d.drug for d in done.doses} >= {"letrozole", "goserelin", "dalpiciclib"}


def test_plan_of_a_man_on_an_aromatase_inhibitor_needs_a_gnrh_agonist(
        trial: Database, settings: Settings) -> None:
    male = eligible_record() | {"sex": "male"}
    male.pop("menopausal_status")
    male.pop("menopause")
    pid = randomized_to(trial, settings, "A", "anastrozole", record=male,
                        choices=CHOICES | {"ovarian_function_suppression": "leuprorelin"})
    inv = principal(trial, "inv_a")
    with simulated(NOW), pytest.raises(ValidationError, match="GnRH") as err:
        treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn())
    assert err.value.field == "variants.ovarian_function_suppression"
    with simulated(NOW):
        done = treatment.confirm_plan(trial, settings, inv, pid, treatment.PlanIn.model_validate(
            {"variants": {"ovarian_function_suppression": "leuprorelin"}}))
    assert "leuprorelin" in {d.drug for d in done.doses}


def test_plan_refuses_a_screening_record_without_its_decision_date(
        trial: Database, settings: Settings) -> None:
    """The screening form always fills the decision date; a row without it (read back from a
    file: ``dawna import odm`` writes the columns it is given) is refused on
    ``record.decision_date`` (the status depends on age on that date), not a 500."""
    pid = randomized_to(trial, settings, "A", "letrozole", record=premenopausal(),
                        choices=CHOICES | {"ovarian_function_suppression": "goserelin"})
    with UnitOfWork(trial, SYSTEM, "test set-up: a row without its decision date") as uow:
        row = uow.session.scalars(select(Screening).join(Participant).where(
            Participant.pseudonym == pid)).one()
        row.record = {k: v for k, v in row.record.items() if k != "decision_date"}
        row.decision_date = None
        uow.commit()
    inv = principal(trial, "inv_a")
    plan = treatment.PlanIn.model_validate(
        {"variants": {"ovarian_function_suppression": "goserelin"}})
    with simulated(NOW), pytest.raises(ValidationError, match="depends on age") as err:
        treatment.confirm_plan(trial, settings, inv, pid, plan)
    assert err.value.field == "record.decision_date"
