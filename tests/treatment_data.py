"""A randomized participant with a known arm, for the treatment and safety tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from helpers import PASSWORD, SYSTEM, principal
from screening_data import eligible_record
from sqlalchemy import select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import participants, randomization, screening
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import Allocation
from dawna.store.uow import UnitOfWork

FACTORS = {"visceral_metastasis": "yes", "cdk46i_setting": "advanced"}
CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}


def randomized_to(db: Database, settings: Settings, arm: str, option: str,
                  record: dict[str, Any] | None = None,
                  choices: dict[str, str] | None = None, mrn: str = "MRN-4242") -> str:
    """A participant randomized on 2024-03-12, then set to ``arm`` with the regimen ``option``
    (the allocation list is random; the test needs a known arm). ``record``: the screening
    record (default: the eligible postmenopausal woman of 62); ``mrn``: her medical record
    number (another for a second participant)."""
    pid = participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", full_name="吴霞", medical_record_number=mrn,
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):
        screening.save(db, settings, coord, pid,
                       screening.record_from_dict(record or eligible_record()), None, None)
        screening.sign(db, settings, inv, pid, PASSWORD, True)
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):
        randomization.randomize(db, settings, coord, pid, FACTORS, choices or CHOICES)
    group = "endocrine_therapy" if arm == "A" else "chemotherapy"
    with UnitOfWork(db, SYSTEM, "test set-up: a known arm") as uow:
        allocation = uow.session.scalars(select(Allocation)).all()[-1]
        allocation.arm = arm
        allocation.regimen = {group: {"arm": arm, "option": option, "label": option}}
        uow.commit()
    return pid


def on_letrozole(db: Database, settings: Settings) -> str:
    """A live list and one participant randomized to arm A with letrozole
    (:func:`randomized_to`); returns the pseudonym."""
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    return randomized_to(db, settings, "A", "letrozole")


def on_dalpiciclib_cycle_1(db: Database, settings: Settings, now: datetime) -> str:
    """A live list and one participant of arm A (letrozole) with a confirmed plan and cycle 1
    started on 2024-03-14 with dalpiciclib recorded at 125 mg (the deviation-log tests' starting
    point); returns the pseudonym."""
    from dawna.services import treatment

    pid = on_letrozole(db, settings)
    with simulated(now):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({"measures": {}}))
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 14),
                                                 doses={"dalpiciclib": 125}))
    return pid


def on_capecitabine_cycle_1(db: Database, settings: Settings) -> str:
    """A live list and one participant of arm B on capecitabine (``capecitabine_cycle_1``);
    returns the pseudonym (the clinical-forms and form-correction pages' starting point)."""
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    return capecitabine_cycle_1(db, settings)


def capecitabine_cycle_1(db: Database, settings: Settings) -> str:
    """On a live list: one participant of arm B on capecitabine (an oral drug, so dispensed)
    with a plan confirmed on 2024-03-14 (160 cm, 64 kg, 1000 mg/m²) and cycle 1 on 2024-03-15;
    returns the pseudonym."""
    from dawna.services import treatment

    pid = randomized_to(db, settings, "B", "capecitabine")
    with simulated(datetime(2024, 3, 14, 4, tzinfo=UTC)):
        treatment.confirm_plan(db, settings, principal(db, "inv_a"), pid,
                               treatment.PlanIn.model_validate({
                                   "measures": {"height_cm": 160, "weight_kg": 64},
                                   "chosen": {"capecitabine": 1000}}))
    with simulated(datetime(2024, 3, 15, 4, tzinfo=UTC)):
        treatment.record_cycle(db, settings, principal(db, "coord_a"), pid,
                               treatment.CycleIn(cycle=1, start_date=date(2024, 3, 15)))
    return pid
